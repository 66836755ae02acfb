// kernels/gate_math.hpp: exp, sigmoid and tanh within 2 ulp of the correctly rounded float
// value, under the kernels' FTZ/DAZ mode, against double. "[exhaustive]" runs all 2^32 inputs
// (CTest runs it in this build and in AVX2 and SSE builds of this file: tests/CMakeLists.txt);
// the default case runs a spread sample of them, so sanitizer builds check the same code.
#include <catch2/catch.hpp>

#include <deepdiff/kernels/fp_mode.hpp>
#include <deepdiff/kernels/gate_math.hpp>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace {

using P = Eigen::internal::packet_traits<float>::type;
constexpr int kLanes = static_cast<int>(sizeof(P) / sizeof(float));

float from_bits(std::uint32_t b) {
  float f;
  std::memcpy(&f, &b, sizeof f);
  return f;
}
std::uint32_t to_bits(float f) {
  std::uint32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}

// Position of v on the line of floats the kernels can hold under FTZ: 0 for +-0 and every
// denormal (flushed), +-1 for +-FLT_MIN, and so on, one step per representable normal float.
// The distance in ulp between two floats is the difference of their positions.
std::int64_t ordinal(float v) {
  const std::uint32_t b = to_bits(v) & 0x7fffffffu;
  const std::int64_t mag = b < 0x00800000u ? 0 : static_cast<std::int64_t>(b) - 0x00800000 + 1;
  return std::signbit(v) ? -mag : mag;
}
std::int64_t ulp_distance(float got, float want) {
  if (std::isinf(want) || std::isinf(got)) return got == want ? 0 : std::numeric_limits<std::int64_t>::max();
  return std::abs(ordinal(got) - ordinal(want));
}

// The input as the kernels read it: DAZ makes a denormal a zero of the same sign.
double as_read(float x) { return std::fabs(x) < FLT_MIN ? std::copysign(0.0, x) : static_cast<double>(x); }

struct Worst {
  std::int64_t ulp = 0;
  float x = 0;
  float got = 0;
  float want = 0;
  std::uint64_t over_1 = 0;  // inputs more than 1 ulp off
  std::uint64_t checked = 0;
  void take(float xi, float g, float w) {
    const std::int64_t d = ulp_distance(g, w);
    ++checked;
    if (d > 1) ++over_1;
    if (d > ulp) {
      ulp = d;
      x = xi;
      got = g;
      want = w;
    }
  }
  void merge(const Worst& o) {
    over_1 += o.over_1;
    checked += o.checked;
    if (o.ulp > ulp || (o.ulp == ulp && o.ulp > 0 && to_bits(o.x) < to_bits(x))) {
      ulp = o.ulp;
      x = o.x;
      got = o.got;
      want = o.want;
    }
  }
  std::string describe(const char* name) const {
    std::ostringstream s;
    s.precision(9);
    s << name << ": worst " << ulp << " ulp at x = " << x << " (got " << got << ", correctly rounded " << want
      << "); " << over_1 << " of " << checked << " inputs more than 1 ulp off";
    return s.str();
  }
};

struct Report {
  Worst exp, sigmoid, tanh;
  void merge(const Report& o) {
    exp.merge(o.exp);
    sigmoid.merge(o.sigmoid);
    tanh.merge(o.tanh);
  }
};

// The correctly rounded float values of exp, sigmoid and tanh at v (the double value rounded
// once). Where |v| < 2^-26 or |v| > 104 the value is known without computing it, and the
// double functions are skipped (they would dominate an exhaustive run):
//   |v| < 2^-26: exp(v) = 1 + v + ..., within 2^-25.9 of 1, closer than half of the spacing
//                (2^-24 below 1) -> 1; sigmoid(v) = 1/2 + v/4 + O(v^3), within 2^-28 of 1/2,
//                half the spacing below 1/2 is 2^-26 -> 1/2; tanh(v) = v (1 - v^2/3 + ...), a
//                relative change under 2^-53, far below half an ulp of v -> v.
//   v > 104:     exp overflows -> inf; 1 - sigmoid(v) < e^-104 and 1 - tanh(v) < 2 e^-208 are
//                below half the spacing below 1 (2^-25) -> 1.
//   v < -104:    exp(v) < e^-104 < 2^-150, below half the smallest denormal -> 0; sigmoid(v)
//                < e^v -> 0; tanh -> -1.
struct References {
  float exp, sigmoid, tanh;
};
References references(double v) {
  const double a = std::fabs(v);
  if (a < 0x1p-26) return {1.0f, 0.5f, static_cast<float>(v)};
  if (v > 104) return {INFINITY, 1.0f, 1.0f};
  if (v < -104) return {0.0f, 0.0f, -1.0f};
  return {static_cast<float>(std::exp(v)), static_cast<float>(1.0 / (1.0 + std::exp(-v))),
          static_cast<float>(std::tanh(v))};
}

// Checks the bit patterns first, first + stride, ... below 2^32 (non-finite ones skipped),
// in chunks over the OpenMP threads. The references round the double value once to float.
Report check_inputs(std::uint64_t first, std::uint64_t stride) {
  const std::uint64_t count = ((std::uint64_t(1) << 32) - first + stride - 1) / stride;
  const std::int64_t chunk = 1 << 16;
  const std::int64_t chunks = static_cast<std::int64_t>((count + chunk - 1) / chunk);
  Report all;
#pragma omp parallel
  {
    deepdiff::kernels::FlushDenormalsScope ftz;
    Report mine;
    alignas(64) float x[kLanes], e[kLanes], s[kLanes], t[kLanes];
#pragma omp for schedule(dynamic, 16)
    for (std::int64_t c = 0; c < chunks; ++c) {
      const std::uint64_t i0 = static_cast<std::uint64_t>(c) * chunk;
      const std::uint64_t i1 = std::min<std::uint64_t>(i0 + chunk, count);
      for (std::uint64_t i = i0; i < i1;) {
        int n = 0;
        for (; n < kLanes && i < i1; ++i) {
          const float v = from_bits(static_cast<std::uint32_t>(first + i * stride));
          if (std::isfinite(v)) x[n++] = v;
        }
        for (int k = n; k < kLanes; ++k) x[k] = 0.0f;
        using namespace Eigen::internal;
        pstore(e, deepdiff::kernels::pexp_faithful(pload<P>(x)));
        pstore(s, deepdiff::kernels::psigmoid_faithful(pload<P>(x)));
        pstore(t, deepdiff::kernels::ptanh_faithful(pload<P>(x)));
        for (int k = 0; k < n; ++k) {
          const References w = references(as_read(x[k]));
          mine.exp.take(x[k], e[k], w.exp);
          mine.sigmoid.take(x[k], s[k], w.sigmoid);
          mine.tanh.take(x[k], t[k], w.tanh);
        }
      }
    }
#pragma omp critical
    all.merge(mine);
  }
  return all;
}

void require_faithful(const Report& r) {
  INFO(r.exp.describe("exp"));
  INFO(r.sigmoid.describe("sigmoid"));
  INFO(r.tanh.describe("tanh"));
  WARN(r.exp.describe("exp") << "\n" << r.sigmoid.describe("sigmoid") << "\n" << r.tanh.describe("tanh")
                             << "\n(" << kLanes << " float lanes per packet)");
  CHECK(r.exp.ulp <= 2);
  CHECK(r.sigmoid.ulp <= 2);
  CHECK(r.tanh.ulp <= 2);
}

}  // namespace

TEST_CASE("gate math within 2 ulp on a spread sample of all floats", "[kernels]") {
  // Every 4,099th bit pattern: about a million inputs, every exponent and both signs.
  const Report r = check_inputs(7, 4099);
  CHECK(r.exp.checked > 1'000'000);
  require_faithful(r);
}

TEST_CASE("gate math at the edges of its branches and ranges", "[kernels]") {
  // Each point and its float neighbours: where m steps (ln 2 / 2), exp's overflow, the clamps
  // and the FTZ underflow, sigmoid's and tanh's saturation.
  std::vector<float> points = {0.0f, 0.34657359f, 0.17328680f, 87.9f, 43.95f, 88.72283935546875f, 88.723f, -87.33654f, -88.723f,
                               -103.97f, 16.635532f, 17.32868f, 9.0109f, 1e-4f, FLT_MIN, 1.0f, 8.5f,
                               0x1p-26f, 104.0f, 0x1p-24f};
  deepdiff::kernels::FlushDenormalsScope ftz;
  for (const float p0 : points)
    for (const float p : {p0, -p0}) {
      alignas(64) float x[kLanes], e[kLanes], s[kLanes], t[kLanes];
      float v = p;
      for (int k = 0; k < kLanes / 2; ++k) v = std::nextafter(v, -INFINITY);
      for (int k = 0; k < kLanes; ++k, v = std::nextafter(v, INFINITY)) x[k] = v;
      using namespace Eigen::internal;
      pstore(e, deepdiff::kernels::pexp_faithful(pload<P>(x)));
      pstore(s, deepdiff::kernels::psigmoid_faithful(pload<P>(x)));
      pstore(t, deepdiff::kernels::ptanh_faithful(pload<P>(x)));
      for (int k = 0; k < kLanes; ++k) {
        const double d = as_read(x[k]);
        INFO("x = " << x[k]);
        // The double functions directly (no shortcuts): these points include the shortcuts' edges.
        CHECK(ulp_distance(e[k], static_cast<float>(std::exp(d))) <= 2);
        CHECK(ulp_distance(s[k], static_cast<float>(1.0 / (1.0 + std::exp(-d)))) <= 2);
        CHECK(ulp_distance(t[k], static_cast<float>(std::tanh(d))) <= 2);
        const References w = references(d);
        CHECK(w.exp == static_cast<float>(std::exp(d)));
        CHECK(w.sigmoid == static_cast<float>(1.0 / (1.0 + std::exp(-d))));
        CHECK(w.tanh == static_cast<float>(std::tanh(d)));
      }
    }
}

TEST_CASE("gate math at infinities and NaN", "[kernels]") {
  deepdiff::kernels::FlushDenormalsScope ftz;
  alignas(64) float x[kLanes], e[kLanes], s[kLanes], t[kLanes];
  for (int k = 0; k < kLanes; ++k) x[k] = k % 3 == 0 ? INFINITY : k % 3 == 1 ? -INFINITY : NAN;
  using namespace Eigen::internal;
  pstore(e, deepdiff::kernels::pexp_faithful(pload<P>(x)));
  pstore(s, deepdiff::kernels::psigmoid_faithful(pload<P>(x)));
  pstore(t, deepdiff::kernels::ptanh_faithful(pload<P>(x)));
  for (int k = 0; k < kLanes; ++k) {
    INFO("x = " << x[k]);
    if (std::isnan(x[k])) {
      CHECK(std::isnan(e[k]));
      CHECK(std::isnan(s[k]));
      CHECK(std::isnan(t[k]));
    } else if (x[k] > 0) {
      CHECK(e[k] == INFINITY);
      CHECK(s[k] == 1.0f);
      CHECK(t[k] == 1.0f);
    } else {
      CHECK(e[k] == 0.0f);
      CHECK(s[k] == 0.0f);
      CHECK(t[k] == -1.0f);
    }
  }
}

TEST_CASE("tanh keeps the sign of zero, as std::tanh does", "[kernels]") {
  // The ulp distance counts +0 and -0 as one value, so the tests above cannot see it.
  deepdiff::kernels::FlushDenormalsScope ftz;
  alignas(64) float x[kLanes], t[kLanes];
  for (int k = 0; k < kLanes; ++k) x[k] = k % 4 == 0 ? 0.0f : k % 4 == 1 ? -0.0f : k % 4 == 2 ? 1e-40f : -1e-40f;
  using namespace Eigen::internal;
  pstore(t, deepdiff::kernels::ptanh_faithful(pload<P>(x)));
  for (int k = 0; k < kLanes; ++k) {
    INFO("x = " << x[k]);
    CHECK(t[k] == 0.0f);
    CHECK(std::signbit(t[k]) == std::signbit(x[k]));
  }
}

TEST_CASE("apply_faithful gives a tail element the bits of a whole packet", "[kernels]") {
  std::vector<float> x(static_cast<std::size_t>(3 * kLanes + 3)), a(x.size()), b(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = -9.0f + 0.37f * static_cast<float>(i);
  deepdiff::kernels::FlushDenormalsScope ftz;
  auto f = [](const P& v) { return deepdiff::kernels::ptanh_faithful(v); };
  deepdiff::kernels::apply_faithful<P>(x.data(), a.data(), static_cast<Eigen::Index>(x.size()), f);
  for (std::size_t i = 0; i < x.size(); ++i)  // each element alone, as a tail of one
    deepdiff::kernels::apply_faithful<P>(x.data() + i, b.data() + i, 1, f);
  CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

TEST_CASE("gate math within 2 ulp on every float", "[.][exhaustive]") {
  const Report r = check_inputs(0, 1);
  CHECK(r.exp.checked == (std::uint64_t(1) << 32) - (std::uint64_t(1) << 24));  // all but inf and NaN
  require_faithful(r);
}
