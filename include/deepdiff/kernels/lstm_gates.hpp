// LSTM gate nonlinearities and cell arithmetic of the fused kernels (bilstm_attention.hpp),
// on one step's tile of Bj genes: the forward pass's gates + cell update and the backward
// pass's cell and gate deltas, each one fused pass over the tile.
//
// Dimensions: Bj genes of a block, H hidden, G = 4H gates in PyTorch order i, f, g, o. A gate
// tile is [Bj, G] row-major (gene r's pre-activations or activations at a + r*G), c, h and
// their deltas [Bj, H].
//
// Nonlinearities: sigma(x) = 1 / (1 + exp(-x)) with Eigen's vectorized exp (its generic float
// exp computed faster where Eigen has no AVX-512 one: pexp_gate) and an exact division; tanh
// with Eigen's vectorized rational tanh (float). double uses the same sigma and std::tanh
// (Eigen 3.4 has no vectorized double tanh). std::tanh costs ~13 ns per float here, 45x the
// vectorized one. Errors against std are measured by the kernel tests and listed in
// docs/kernels.md. The fused passes need H in whole packets and (forward) a vectorized tanh;
// other shapes use the same math as Eigen array expressions (in bilstm_attention.hpp).
#pragma once

#include <Eigen/Core>

#include <type_traits>

#if defined(__SSE2__)
#include <immintrin.h>
#endif

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
inline void stream_fence() {
#if defined(__SSE2__)
  _mm_sfence();
#endif
}

// In place: x <- 1 / (1 + exp(-x)), vectorized (Eigen's exp, then one division).
template <class T>
inline void sigmoid_inplace(StridedArrayMap<T> x) {
  x = (T(1) + (-x).exp()).inverse();
}
// In place: x <- tanh(x). float: Eigen's vectorized rational tanh; double: std::tanh.
template <class T>
inline void tanh_inplace(StridedArrayMap<T> x) {
  x = x.tanh();
}

// exp of a float packet with the same value, bit for bit, as Eigen 3.4's generic
// pexp_float (what Eigen's pexp is for AVX2, AVX and SSE packets; AVX-512 has its own, faster
// one and keeps it): the same clamp to +-88.723, m = floor(x log2(e) + 1/2), the same two-part
// reduction and polynomial y ~ exp(r), and the same final max with x. Only the scaling
// y * 2^m differs: Eigen's pldexp_generic takes any exponent (four factors, with clamps),
// here m is in [-128, 128] after the clamp, so two exact powers of two do: y * 2^(m>>1) is
// exact (y in [0.7, 1.42]) and the second product rounds once, as Eigen's last product does.
// Same rounding, same flush of denormals; about 14 fewer operations per packet, which is a
// sixth of an AVX2 gate pass. tests/kernels/test_lstm_gates.cpp compares it with Eigen's
// pexp_float bit for bit over special values and a sweep of all float exponents.
template <class P>
inline P pexp_float_fast_ldexp(const P& x_in) {
  using namespace Eigen::internal;
  using PI = typename unpacket_traits<P>::integer_packet;
  const P one = pset1<P>(1.0f);
  const P x = pmax(pmin(x_in, pset1<P>(88.723f)), pset1<P>(-88.723f));
  const P m = pfloor(pmadd(x, pset1<P>(1.44269504088896341f), pset1<P>(0.5f)));
  P r = pmadd(m, pset1<P>(-0.693359375f), x);
  r = pmadd(m, pset1<P>(2.12194440e-4f), r);
  const P r2 = pmul(r, r);
  const P r3 = pmul(r2, r);
  P y = pmadd(pset1<P>(1.9875691500E-4f), r, pset1<P>(1.3981999507E-3f));
  P y1 = pmadd(pset1<P>(4.1665795894E-2f), r, pset1<P>(1.6666665459E-1f));
  const P y2 = padd(r, one);
  y = pmadd(y, r, pset1<P>(8.3334519073E-3f));
  y1 = pmadd(y1, r, pset1<P>(5.0000001201E-1f));
  y = pmadd(y, r3, y1);
  y = pmadd(y, r2, y2);
  const PI e = pcast<P, PI>(m);
  const PI half = parithmetic_shift_right<1>(e);  // floor(m / 2)
  const PI bias = pset1<PI>(127);
  const P c1 = preinterpret<P>(plogical_shift_left<23>(padd(half, bias)));           // 2^(m>>1)
  const P c2 = preinterpret<P>(plogical_shift_left<23>(padd(psub(e, half), bias)));  // 2^(m - (m>>1))
  return pmax(pmul(pmul(y, c1), c2), x_in);
}

// exp on a gate packet: pexp_float_fast_ldexp for float packets where Eigen's pexp is the
// generic one (no AVX-512), Eigen's pexp otherwise. Same values either way.
template <class T, class P>
inline P pexp_gate(const P& z) {
#if !defined(EIGEN_VECTORIZE_AVX512)
  if constexpr (std::is_same_v<T, float> && Eigen::internal::packet_traits<float>::Vectorizable &&
                Eigen::internal::unpacket_traits<P>::size > 1)
    return pexp_float_fast_ldexp(z);
#endif
  return Eigen::internal::pexp(z);
}

// sigma(z) = 1 / (1 + exp(-z)) on a packet: the same operations as sigmoid_inplace's
// Eigen expression.
template <class T, class P>
inline P psigmoid(const P& z) {
  const P one = Eigen::internal::pset1<P>(T(1));
  return Eigen::internal::pdiv(one, Eigen::internal::padd(one, pexp_gate<T>(Eigen::internal::pnegate(z))));
}

// Fused gates + cell update for one step, rows of whole packets: reads the pre-activations
// z [Bj, G], writes the activations to a [Bj, G] (a may be z), and c, h [Bj, H] (c_prev null
// at s = 0). With `stream` the activations go out by non-temporal stores (pstream: a then
// packet-aligned, not z).
template <class T>
inline void gates_cell_fused(const T* z, T* a, bool stream, const T* c_prev, T* c, T* h, Index Bj, Index H) {
  using namespace Eigen::internal;
  using P = typename packet_traits<T>::type;
  constexpr Index PS = packet_size<T>();
  const Index G = 4 * H;
  for (Index r = 0; r < Bj; ++r) {
    const T* zr = z + r * G;
    T* ar = a + r * G;
    for (Index j = 0; j < H; j += PS) {
      const P i = psigmoid<T>(ploadu<P>(zr + j));
      const P f = psigmoid<T>(ploadu<P>(zr + H + j));
      const P g = ptanh(ploadu<P>(zr + 2 * H + j));
      const P o = psigmoid<T>(ploadu<P>(zr + 3 * H + j));
      if (stream) {
        pstream(ar + j, i);
        pstream(ar + H + j, f);
        pstream(ar + 2 * H + j, g);
        pstream(ar + 3 * H + j, o);
      } else {
        pstoreu(ar + j, i);
        pstoreu(ar + H + j, f);
        pstoreu(ar + 2 * H + j, g);
        pstoreu(ar + 3 * H + j, o);
      }
      const Index q = r * H + j;
      const P cn = c_prev ? pmadd(f, ploadu<P>(c_prev + q), pmul(i, g)) : pmul(i, g);
      const P t = ptanh(cn);
      pstoreu(c + q, cn);
      pstoreu(h + q, pmul(o, t));
    }
  }
}

template <class T>
constexpr bool has_fused_gates() {
  return Eigen::internal::packet_traits<T>::Vectorizable && Eigen::internal::packet_traits<T>::HasExp &&
         Eigen::internal::packet_traits<T>::HasTanh;
}

// The fused path's sigma and tanh applied to n values (n a whole number of packets); for
// measuring their error against std (the kernel tests). Only where has_fused_gates<T>().
template <class T>
void fused_sigmoid(const T* x, T* y, Index n) {
  using P = typename Eigen::internal::packet_traits<T>::type;
  for (Index q = 0; q < n; q += packet_size<T>())
    Eigen::internal::pstoreu(y + q, psigmoid<T>(Eigen::internal::ploadu<P>(x + q)));
}
template <class T>
void fused_tanh(const T* x, T* y, Index n) {
  using P = typename Eigen::internal::packet_traits<T>::type;
  for (Index q = 0; q < n; q += packet_size<T>())
    Eigen::internal::pstoreu(y + q, Eigen::internal::ptanh(Eigen::internal::ploadu<P>(x + q)));
}

// tc = tanh(c) over a [Bj, H] tile, by the same function the forward pass used.
template <class T>
inline void tanh_tile(const T* c, T* tc, Index Bj, Index H) {
  if constexpr (has_fused_gates<T>()) {
    if (whole_packets<T>(H)) {
      fused_tanh<T>(c, tc, Bj * H);
      return;
    }
  }
  ArrayMap<T>(tc, Bj, H) = ConstArrayMap<T>(c, Bj, H).tanh();
}

// Fused cell and gate deltas for one step, rows of whole packets (c_prev null at s = 0).
template <class T>
inline void gate_deltas_fused(const T* a, const T* tc, const T* c_prev, const T* dh, T* dc, T* dz, Index Bj,
                              Index H) {
  using namespace Eigen::internal;
  using P = typename packet_traits<T>::type;
  constexpr Index PS = packet_size<T>();
  const Index G = 4 * H;
  const P one = pset1<P>(T(1));
  for (Index r = 0; r < Bj; ++r) {
    const T* ar = a + r * G;
    T* zr = dz + r * G;
    for (Index j = 0; j < H; j += PS) {
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
