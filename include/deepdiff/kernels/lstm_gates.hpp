// LSTM gate nonlinearities and cell arithmetic of the fused kernels (bilstm_attention.hpp),
// on one step's tile of Bj genes: the forward pass's gates + cell update and the backward
// pass's cell and gate deltas, each one fused pass over the tile.
//
// Dimensions: Bj genes of a block, H hidden, G = 4H gates in PyTorch order i, f, g, o. A gate
// tile is [Bj, G] row-major (gene r's pre-activations or activations at a + r*G), c, h and
// their deltas [Bj, H].
//
// Nonlinearities: float uses gate_math.hpp's sigma, tanh and exp, within 2 ulp of the correctly
// rounded value for every input (tests/kernels/test_gate_math.cpp checks all 2^32), on packets
// in the fused passes and row by row (same values) on the general path; double uses
// 1 / (1 + exp(-x)) with Eigen's exp, and std::tanh. The fused passes need float and H in whole
// packets; other shapes take the general path (bilstm_attention.hpp).
#pragma once

#include <Eigen/Core>

#include <type_traits>

#if defined(__SSE2__)
#include <immintrin.h>
#endif

#include "deepdiff/kernels/gate_math.hpp"
#include "deepdiff/tensor/tensor.hpp"
#include "deepdiff/tensor/tile_product.hpp"

namespace deepdiff::kernels {

// Non-temporal store of one packet to a packet-aligned address (the ISA's stream
// instruction; an ordinary aligned store where there is none). The training forward writes
// each step's gate activations once and reads them again only in the backward pass, after
// the whole sweep: streamed past the caches they neither evict the step's working set nor
// cost a read of the line first (docs/benchmarks.md, "Performance round 2"). The values are
// the same bits either way. Weakly ordered: call stream_fence() before another thread reads.
template <class T, class P>
inline void pstream(T* to, const P& v) {
  Eigen::internal::pstore(to, v);
}
#if defined(__AVX512F__)
inline void pstream(float* to, const __m512& v) { _mm512_stream_ps(to, v); }
inline void pstream(double* to, const __m512d& v) { _mm512_stream_pd(to, v); }
#endif
#if defined(__AVX__)
inline void pstream(float* to, const __m256& v) { _mm256_stream_ps(to, v); }
inline void pstream(double* to, const __m256d& v) { _mm256_stream_pd(to, v); }
#endif
#if defined(__SSE2__)
inline void pstream(float* to, const __m128& v) { _mm_stream_ps(to, v); }
inline void pstream(double* to, const __m128d& v) { _mm_stream_pd(to, v); }
#endif
// A packet out to `to`, streamed (packet-aligned `to`) or by an ordinary unaligned store.
template <class T, class P>
inline void pstore_out(T* to, const P& v, bool stream) {
  if (stream)
    pstream(to, v);
  else
    Eigen::internal::pstoreu(to, v);
}
inline void stream_fence() {
#if defined(__SSE2__)
  _mm_sfence();
#endif
}

// The float gate math is gate_math.hpp's (within 2 ulp of the correctly rounded value, checked
// on all 2^32 inputs) wherever float has SIMD packets; double (the gradient checks' precision)
// uses Eigen's exp and std::tanh.
template <class T>
constexpr bool has_faithful_math() {
  return std::is_same_v<T, float> && Eigen::internal::packet_traits<float>::Vectorizable;
}

// Rows of a strided tile in place, x <- f(x): one function per element wherever the element sits
// (gate_math.hpp's apply_faithful), so the general path's values are the fused path's.
template <class F>
inline void rows_faithful(StridedArrayMap<float> x, F f) {
  using P = Eigen::internal::packet_traits<float>::type;
  if (x.outerStride() == x.cols()) {  // one contiguous block (the attention's scores)
    apply_faithful<P>(x.data(), x.data(), x.size(), f);
    return;
  }
  for (Index r = 0; r < x.rows(); ++r) {
    float* row = x.data() + r * x.outerStride();
    apply_faithful<P>(row, row, x.cols(), f);
  }
}

// In place: x <- 1 / (1 + exp(-x)).
template <class T>
inline void sigmoid_inplace(StridedArrayMap<T> x) {
  if constexpr (has_faithful_math<T>()) {
    rows_faithful(x, [](const auto& v) { return psigmoid_faithful(v); });
  } else {
    x = (T(1) + (-x).exp()).inverse();
  }
}
// In place: x <- tanh(x).
template <class T>
inline void tanh_inplace(StridedArrayMap<T> x) {
  if constexpr (has_faithful_math<T>()) {
    rows_faithful(x, [](const auto& v) { return ptanh_faithful(v); });
  } else {
    x = x.tanh();
  }
}
// In place: x <- exp(x) (the attention's softmax).
template <class T>
inline void exp_inplace(StridedArrayMap<T> x) {
  if constexpr (has_faithful_math<T>()) {
    rows_faithful(x, [](const auto& v) { return pexp_faithful(v); });
  } else {
    x = x.exp();
  }
}

// The fused passes need float's faithful math (double takes the general path).
template <class T>
constexpr bool has_fused_gates() {
  return has_faithful_math<T>();
}

// Fused gates + cell update for one step, rows of whole packets: reads the pre-activations
// z [Bj, G], writes the activations to a [Bj, G] (a may be z), and c, h [Bj, H] (c_prev null
// at s = 0), and tanh(c) to tc [Bj, H] unless it is null (inference). With `stream` the
// activations and tc go out by non-temporal stores (pstream: a and tc then packet-aligned,
// a not z).
template <class T>
inline void gates_cell_fused(const T* z, T* a, bool stream, const T* c_prev, T* c, T* tc, T* h, Index Bj, Index H) {
  static_assert(has_fused_gates<T>(), "the fused gate pass is float's");
  using namespace Eigen::internal;
  using P = typename packet_traits<T>::type;
  constexpr Index PS = packet_size<T>();
  const Index G = 4 * H;
  for (Index r = 0; r < Bj; ++r) {
    const T* zr = z + r * G;
    T* ar = a + r * G;
    for (Index j = 0; j < H; j += PS) {
      const P i = psigmoid_faithful(ploadu<P>(zr + j));
      const P f = psigmoid_faithful(ploadu<P>(zr + H + j));
      const P g = ptanh_faithful(ploadu<P>(zr + 2 * H + j));
      const P o = psigmoid_faithful(ploadu<P>(zr + 3 * H + j));
      pstore_out(ar + j, i, stream);
      pstore_out(ar + H + j, f, stream);
      pstore_out(ar + 2 * H + j, g, stream);
      pstore_out(ar + 3 * H + j, o, stream);
      const Index q = r * H + j;
      const P cn = c_prev ? pmadd(f, ploadu<P>(c_prev + q), pmul(i, g)) : pmul(i, g);
      const P t = ptanh_faithful(cn);
      if (tc) pstore_out(tc + q, t, stream);
      pstoreu(c + q, cn);
      pstoreu(h + q, pmul(o, t));
    }
  }
}

// tc = tanh(c) over a [Bj, H] tile, by the same function the forward pass used.
template <class T>
inline void tanh_tile(const T* c, T* tc, Index Bj, Index H) {
  if constexpr (has_faithful_math<T>()) {
    using P = Eigen::internal::packet_traits<float>::type;
    apply_faithful<P>(c, tc, Bj * H, [](const auto& v) { return ptanh_faithful(v); });
  } else {
    ArrayMap<T>(tc, Bj, H) = ConstArrayMap<T>(c, Bj, H).tanh();
  }
}

// The attention's injection into one step's dh, rows of whole packets:
//   dh[r, :] = alpha_r dr[r, :] + de_r w^d        alpha_r = alpha[r*alpha_ld], de_r = de[r*de_ld]
// (alpha and de point at the step's bin). A plain packet loop: Eigen's per-row expressions
// cost as much as the step's gate deltas (measured, docs/benchmarks.md).
template <class T>
inline void inject_dh(const T* alpha, Index alpha_ld, const T* dr, Index dr_ld, const T* de, Index de_ld, const T* wd,
                      T* dh, Index Bj, Index H) {
  using namespace Eigen::internal;
  using P = typename packet_traits<T>::type;
  constexpr Index PS = packet_size<T>();
  for (Index r = 0; r < Bj; ++r) {
    const P al = pset1<P>(alpha[r * alpha_ld]), e = pset1<P>(de[r * de_ld]);
    for (Index j = 0; j < H; j += PS)
      pstoreu(dh + r * H + j, padd(pmul(al, ploadu<P>(dr + r * dr_ld + j)), pmul(e, ploadu<P>(wd + j))));
  }
}

// Fused cell and gate deltas for one step, rows of whole packets (c_prev null at s = 0).
// Rows and packets run from the tile's end down: the backward sweep reads the training cache
// from its last step to its first, and with every read descending the hardware prefetcher
// follows one direction (3% faster per training step than ascending within a tile, measured).
template <class T>
inline void gate_deltas_fused(const T* a, const T* tc, const T* c_prev, const T* dh, T* dc, T* dz, Index Bj,
                              Index H) {
  using namespace Eigen::internal;
  using P = typename packet_traits<T>::type;
  constexpr Index PS = packet_size<T>();
  const Index G = 4 * H;
  const P one = pset1<P>(T(1));
  for (Index r = Bj - 1; r >= 0; --r) {
    const T* ar = a + r * G;
    T* zr = dz + r * G;
    for (Index j = H - PS; j >= 0; j -= PS) {
      const Index q = r * H + j;
      const P i = ploadu<P>(ar + j), f = ploadu<P>(ar + H + j), g = ploadu<P>(ar + 2 * H + j);
      const P o = ploadu<P>(ar + 3 * H + j), t = ploadu<P>(tc + q), d = ploadu<P>(dh + q);
      const P c = padd(ploadu<P>(dc + q), pmul(pmul(d, o), psub(one, pmul(t, t))));
      pstoreu(zr + 3 * H + j, pmul(pmul(d, t), pmul(o, psub(one, o))));
      pstoreu(zr + j, pmul(pmul(c, g), pmul(i, psub(one, i))));
      pstoreu(zr + H + j, c_prev ? pmul(pmul(c, ploadu<P>(c_prev + q)), pmul(f, psub(one, f))) : pzero(one));
      pstoreu(zr + 2 * H + j, pmul(pmul(c, i), psub(one, pmul(g, g))));
      pstoreu(dc + q, pmul(c, f));
    }
  }
}

}  // namespace deepdiff::kernels
