// Shared set-up of the tests split out of tests/test_autograd.cpp.
#pragma once
// Every autograd operation against central differences (double), on random shapes and
// random non-zero data, through a random projection of its output.
#include <catch2/catch.hpp>

#include "test_helpers.hpp"

using namespace deepdiff;
using deepdiff_test::random_tensor;

namespace {

constexpr double kMaxRel = 1e-6;

inline void expect_good(const GradCheckResult& r, const char* what) {
  INFO(what << ": max rel " << r.max_rel_error << ", mean rel " << r.mean_rel_error << ", max abs "
            << r.max_abs_error << ", " << r.checked << " elements (" << r.nonzero << " non-zero)");
  CHECK(r.checked > 0);
  CHECK(r.nonzero > 0);
  CHECK(r.max_rel_error <= kMaxRel);
}

inline Index rnd(Rng& rng, Index lo, Index hi) { return lo + static_cast<Index>(rng.below(static_cast<std::uint64_t>(hi - lo + 1))); }

}  // namespace
