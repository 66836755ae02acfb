// kernels/lstm_gates.hpp: the fused gate pass's streamed (training) and in-place (inference)
// stores give the same bits, its tanh(c) is tanh_tile's, and the general path's row-by-row
// nonlinearities give the fused pass's bits. The float functions' accuracy is test_gate_math.cpp's.
#include <catch2/catch.hpp>

#include <deepdiff/kernels/buffer_pool.hpp>
#include <deepdiff/kernels/fp_mode.hpp>
#include <deepdiff/kernels/lstm_gates.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

using namespace deepdiff;

TEST_CASE("gates_cell_fused: streamed and in-place activations are the same bits", "[kernels]") {
  if constexpr (kernels::has_fused_gates<float>()) {
    const Index Bj = 3, H = 2 * packet_size<float>(), G = 4 * H;
    kernels::AlignedBuffer<float> z(Bj * G), a(Bj * G), in_place(Bj * G), tc(Bj * H);
    std::vector<float> c_prev(static_cast<std::size_t>(Bj * H)), c1(c_prev.size()), c2(c_prev.size()),
        h1(c_prev.size()), h2(c_prev.size());
    for (Index i = 0; i < Bj * G; ++i) z.data()[i] = in_place.data()[i] = std::sin(0.37f * static_cast<float>(i)) * 4.0f;
    for (std::size_t i = 0; i < c_prev.size(); ++i) c_prev[i] = std::cos(0.11f * static_cast<float>(i));
    kernels::gates_cell_fused<float>(z.data(), a.data(), true, c_prev.data(), c1.data(), tc.data(), h1.data(), Bj, H);
    kernels::stream_fence();
    kernels::gates_cell_fused<float>(in_place.data(), in_place.data(), false, c_prev.data(), c2.data(), nullptr,
                                     h2.data(), Bj, H);
    CHECK(std::equal(a.data(), a.data() + Bj * G, in_place.data()));
    CHECK(c1 == c2);
    CHECK(h1 == h2);
    // The streamed tanh(c) is what the backward pass would otherwise recompute.
    std::vector<float> tc2(c1.size());
    kernels::tanh_tile<float>(c1.data(), tc2.data(), Bj, H);
    CHECK(std::equal(tc2.begin(), tc2.end(), tc.data()));
    // The pre-activations were only read.
    CHECK(z.data()[5] == std::sin(0.37f * 5.0f) * 4.0f);
  }
}

TEST_CASE("general-path sigmoid, tanh and tanh_tile give the fused pass's bits", "[kernels]") {
  if constexpr (kernels::has_fused_gates<float>()) {
    const Index Bj = 3, H = 2 * packet_size<float>(), G = 4 * H;
    std::vector<float> z(static_cast<std::size_t>(Bj * G)), a(z.size()), general(z.size());
    std::vector<float> c_prev(static_cast<std::size_t>(Bj * H)), c(c_prev.size()), h(c_prev.size()), h2(c_prev.size());
    for (std::size_t i = 0; i < z.size(); ++i) z[i] = general[i] = std::sin(0.53f * static_cast<float>(i)) * 9.0f;
    for (std::size_t i = 0; i < c_prev.size(); ++i) c_prev[i] = std::cos(0.11f * static_cast<float>(i));
    kernels::FlushDenormalsScope ftz;
    std::vector<float> tc(c.size());
    kernels::gates_cell_fused<float>(z.data(), a.data(), false, c_prev.data(), c.data(), tc.data(), h.data(), Bj, H);
    float* g = general.data();
    kernels::sigmoid_inplace<float>(StridedArrayMap<float>(g, Bj, 2 * H, Eigen::OuterStride<>(G)));
    kernels::tanh_inplace<float>(StridedArrayMap<float>(g + 2 * H, Bj, H, Eigen::OuterStride<>(G)));
    kernels::sigmoid_inplace<float>(StridedArrayMap<float>(g + 3 * H, Bj, H, Eigen::OuterStride<>(G)));
    CHECK(general == a);
    kernels::tanh_tile<float>(c.data(), h2.data(), Bj, H);
    CHECK(h2 == tc);
    for (std::size_t i = 0; i < h2.size(); ++i) h2[i] *= a[static_cast<std::size_t>(static_cast<Index>(i) / H * G + 3 * H + static_cast<Index>(i) % H)];
    CHECK(h2 == h);
  }
}
