// Shared set-up of the tests split out of tests/test_nn.cpp.
#pragma once
// Modules (Linear, LSTM cell, bidirectional LSTM, attention, encoder) and losses: gradient
// checks over inputs and every parameter, closed-form LSTM values, PyTorch naming.
#include <catch2/catch.hpp>

#include "test_helpers.hpp"

using namespace deepdiff;
using deepdiff_test::random_tensor;

namespace {

inline void expect_good(const GradCheckResult& r, const char* what) {
  INFO(what << ": max rel " << r.max_rel_error << ", mean rel " << r.mean_rel_error << ", max abs "
            << r.max_abs_error << ", " << r.checked << " elements (" << r.nonzero << " non-zero)");
  CHECK(r.nonzero > 0);
  CHECK(r.max_rel_error <= 1e-6);
}

// Sequence of T steps [B, I] taken from the columns of one leaf [B, T*I].
inline std::vector<Var<double>> as_steps(const Var<double>& x, Index T, Index I) {
  std::vector<Var<double>> xs;
  for (Index t = 0; t < T; ++t) xs.push_back(slice_cols(x, t * I, I));
  return xs;
}

}  // namespace
