// kernels/lstm_gates.hpp: the fused float path's vectorized sigma and tanh against the
// double-precision value (the errors are listed in docs/kernels.md); the fused gate pass's
// streamed (training) and in-place (inference) stores give the same bits; the faster exp of
// the non-AVX-512 gate path is Eigen's generic float exp bit for bit.
#include <catch2/catch.hpp>

#include <deepdiff/kernels/buffer_pool.hpp>
#include <deepdiff/kernels/fp_mode.hpp>
#include <deepdiff/kernels/lstm_gates.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

using namespace deepdiff;

TEST_CASE("vectorized sigmoid and tanh of the fused float path against std", "[kernels]") {
  // Every float in [-20, 20] on a grid of 2^-12 (163,841 points), padded to whole packets.
  const Index n0 = 40 * 4096 + 1, ps = packet_size<float>();
  const Index n = (n0 + ps - 1) / ps * ps;
  std::vector<float> x(static_cast<std::size_t>(n)), s(x.size()), t(x.size());
  for (Index i = 0; i < n; ++i) x[static_cast<std::size_t>(i)] = -20.0f + static_cast<float>(std::min(i, n0 - 1)) / 4096.0f;
  kernels::fused_sigmoid<float>(x.data(), s.data(), n);
  kernels::fused_tanh<float>(x.data(), t.data(), n);
  double s_abs = 0, s_rel = 0, t_abs = 0, t_rel = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double v = x[i];
    const double sr = 1.0 / (1.0 + std::exp(-v)), tr = std::tanh(v);  // double precision, then compare
    s_abs = std::max(s_abs, std::abs(s[i] - sr));
    s_rel = std::max(s_rel, std::abs(s[i] - sr) / sr);
    t_abs = std::max(t_abs, std::abs(t[i] - tr));
    if (tr != 0.0) t_rel = std::max(t_rel, std::abs(t[i] - tr) / std::abs(tr));
  }
  WARN("float sigmoid vs exact: max abs " << s_abs << ", max rel " << s_rel << "; tanh: max abs " << t_abs
                                          << ", max rel " << t_rel << " (float epsilon 1.19e-7)");
  CHECK(s_rel <= 4e-7);  // a few ulp
  CHECK(t_rel <= 6e-7);
  CHECK(t_abs <= 6e-7);
}

TEST_CASE("pexp_float_fast_ldexp is Eigen's generic float exp, bit for bit", "[kernels]") {
  // Compared with Eigen::internal::pexp_float, the generic exp that pexp is on AVX2, AVX and
  // SSE (the gate path uses the fast one there). Inputs: special values, every float exponent
  // with a spread of mantissas and both signs (every 65,537th bit pattern, 65,536 values), and a
  // dense grid over the range where the result is neither 0, denormal nor inf. With the
  // kernels' flush-to-zero mode and without. (All 2^32 floats were compared once, AVX2 and SSE.)
  using P = Eigen::internal::packet_traits<float>::type;
  const Index ps = packet_size<float>();
  std::vector<float> x = {0.0f, -0.0f, 1.0f, -1.0f, 88.0f, -88.0f, 88.3762626647950f, -88.3762626647949f,
                          88.72f, -88.72f, 88.723f, -88.723f, 88.8f, -88.8f, 89.0f, -104.0f, 1e30f, -1e30f,
                          std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                          std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::denorm_min(),
                          std::numeric_limits<float>::max(), std::numeric_limits<float>::lowest()};
  for (std::uint64_t u = 0; u < (std::uint64_t(1) << 32); u += 65537) {
    const auto b = static_cast<std::uint32_t>(u);
    float f;
    std::memcpy(&f, &b, sizeof f);
    x.push_back(f);
  }
  for (int i = -92 * 256; i <= 92 * 256; ++i) x.push_back(static_cast<float>(i) / 256.0f + 1.0f / 1024.0f);
  while (static_cast<Index>(x.size()) % ps != 0) x.push_back(0.5f);
  for (const bool ftz : {false, true}) {
    std::unique_ptr<kernels::FlushDenormalsScope> mode;
    if (ftz) mode = std::make_unique<kernels::FlushDenormalsScope>();
    std::vector<float> ours(x.size()), eigen(x.size());
    for (std::size_t q = 0; q < x.size(); q += static_cast<std::size_t>(ps)) {
      const P v = Eigen::internal::ploadu<P>(x.data() + q);
      Eigen::internal::pstoreu(ours.data() + q, kernels::pexp_float_fast_ldexp(v));
      Eigen::internal::pstoreu(eigen.data() + q, Eigen::internal::pexp_float(v));
    }
    std::size_t differ = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (std::memcmp(&ours[i], &eigen[i], sizeof(float)) != 0) {
        if (differ < 5) UNSCOPED_INFO("x = " << x[i] << ": " << ours[i] << " vs Eigen's " << eigen[i]);
        ++differ;
      }
    }
    INFO("flush to zero: " << ftz << ", " << x.size() << " inputs");
    CHECK(differ == 0);
  }
}

TEST_CASE("gates_cell_fused: streamed and in-place activations are the same bits", "[kernels]") {
  if constexpr (kernels::has_fused_gates<float>()) {
    const Index Bj = 3, H = 2 * packet_size<float>(), G = 4 * H;
    kernels::AlignedBuffer<float> z(Bj * G), a(Bj * G), in_place(Bj * G);
    std::vector<float> c_prev(static_cast<std::size_t>(Bj * H)), c1(c_prev.size()), c2(c_prev.size()),
        h1(c_prev.size()), h2(c_prev.size());
    for (Index i = 0; i < Bj * G; ++i) z.data()[i] = in_place.data()[i] = std::sin(0.37f * static_cast<float>(i)) * 4.0f;
    for (std::size_t i = 0; i < c_prev.size(); ++i) c_prev[i] = std::cos(0.11f * static_cast<float>(i));
    kernels::gates_cell_fused<float>(z.data(), a.data(), true, c_prev.data(), c1.data(), h1.data(), Bj, H);
    kernels::stream_fence();
    kernels::gates_cell_fused<float>(in_place.data(), in_place.data(), false, c_prev.data(), c2.data(), h2.data(), Bj,
                                     H);
    CHECK(std::equal(a.data(), a.data() + Bj * G, in_place.data()));
    CHECK(c1 == c2);
    CHECK(h1 == h2);
    // The pre-activations were only read.
    CHECK(z.data()[5] == std::sin(0.37f * 5.0f) * 4.0f);
  }
}
