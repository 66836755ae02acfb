// kernels/lstm_gates.hpp: the fused float path's vectorized sigma and tanh against the
// double-precision value (the errors are listed in docs/kernels.md); the fused gate pass's
// streamed (training) and in-place (inference) stores give the same bits.
#include <catch2/catch.hpp>

#include <deepdiff/kernels/buffer_pool.hpp>
#include <deepdiff/kernels/lstm_gates.hpp>

#include <algorithm>
#include <cmath>
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
