// Adam with PyTorch's semantics (torch.optim.Adam, no weight decay, no amsgrad):
//   m = b1 m + (1 - b1) g;   v = b2 v + (1 - b2) g^2
//   p -= (lr / (1 - b1^t)) * m / ( sqrt(v) / sqrt(1 - b2^t) + eps )
// eps is added outside the square root, after the bias correction of v, exactly as PyTorch
// orders the operations; the scalar factors are formed in double as PyTorch forms them in
// Python. The state is two slabs shaped like the parameter slab, plus the step count.
#pragma once

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include <Eigen/Core>

#include "deepdiff/nn/parameters.hpp"

namespace deepdiff {

struct AdamOptions {
  double lr = 1e-4;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
};

template <class T>
struct AdamState {
  AlignedVector<T> m, v;
  std::int64_t step = 0;
};

namespace detail {

// Correctly rounded packet square root. Eigen's psqrt is an approximation (reciprocal square
// root and a Newton step) under its default EIGEN_FAST_MATH, which would change the bits of
// every update; the instructions below are IEEE sqrt, as std::sqrt is. Elsewhere: lane by lane.
template <class P, class T>
inline P exact_psqrt(const P& x) {
  constexpr int L = Eigen::internal::unpacket_traits<P>::size;
  alignas(64) T lanes[L];
  Eigen::internal::pstoreu(lanes, x);
  for (T& v : lanes) v = std::sqrt(v);
  return Eigen::internal::ploadu<P>(lanes);
}
#if defined(EIGEN_VECTORIZE_AVX512)
template <>
inline __m512 exact_psqrt<__m512, float>(const __m512& x) { return _mm512_sqrt_ps(x); }
template <>
inline __m512d exact_psqrt<__m512d, double>(const __m512d& x) { return _mm512_sqrt_pd(x); }
#endif
#if defined(EIGEN_VECTORIZE_AVX)
template <>
inline __m256 exact_psqrt<__m256, float>(const __m256& x) { return _mm256_sqrt_ps(x); }
template <>
inline __m256d exact_psqrt<__m256d, double>(const __m256d& x) { return _mm256_sqrt_pd(x); }
#endif
#if defined(EIGEN_VECTORIZE_SSE2)
template <>
inline __m128 exact_psqrt<__m128, float>(const __m128& x) { return _mm_sqrt_ps(x); }
template <>
inline __m128d exact_psqrt<__m128d, double>(const __m128d& x) { return _mm_sqrt_pd(x); }
#endif

}  // namespace detail

template <class T>
void adam_step(AlignedVector<T>& params, const AlignedVector<T>& grads, AdamState<T>& state, const AdamOptions& o) {
  if (grads.size() != params.size()) throw std::invalid_argument("adam_step: gradient and parameter sizes differ");
  if (state.m.size() != params.size()) {
    if (state.step != 0 || !state.m.empty()) throw std::invalid_argument("adam_step: state of another model");
    state.m.assign(params.size(), T(0));
    state.v.assign(params.size(), T(0));
  }
  state.step += 1;
  const double t = static_cast<double>(state.step);
  const T step_size = static_cast<T>(o.lr / (1.0 - std::pow(o.beta1, t)));
  const T bc2_sqrt = static_cast<T>(std::sqrt(1.0 - std::pow(o.beta2, t)));
  const T b1 = static_cast<T>(o.beta1), b2 = static_cast<T>(o.beta2), eps = static_cast<T>(o.eps);
  const T one_b1 = static_cast<T>(1.0 - o.beta1), one_b2 = static_cast<T>(1.0 - o.beta2);
  // Vectorized by hand: a plain loop is not (std::sqrt may set errno, a branch in the loop).
  // Packets and the scalar tail do the same operations: where the target has FMA, three
  // fused multiply-adds (pmadd, std::fma), exactly those g++ formed from the plain loop this
  // replaced (-ffp-contract=fast, its default), so the bits are those of before; without FMA
  // none is fused, as before. sqrt (detail::exact_psqrt) and division are correctly rounded
  // in every lane.
  using P = typename Eigen::internal::packet_traits<T>::type;
  constexpr std::size_t L = static_cast<std::size_t>(Eigen::internal::packet_traits<T>::size);
  namespace ei = Eigen::internal;
  T *pp = params.data(), *mp = state.m.data(), *vp = state.v.data();
  const T* gp = grads.data();
  const std::size_t n = params.size(), n_vec = L > 1 ? n / L * L : 0;
  const P pb1 = ei::pset1<P>(b1), pb2 = ei::pset1<P>(b2), pone_b1 = ei::pset1<P>(one_b1), pone_b2 = ei::pset1<P>(one_b2);
  const P pbc2 = ei::pset1<P>(bc2_sqrt), peps = ei::pset1<P>(eps), pneg_step = ei::pset1<P>(-step_size);
  for (std::size_t i = 0; i < n_vec; i += L) {
    const P g = ei::ploadu<P>(gp + i);
    const P m = ei::pmadd(ei::ploadu<P>(mp + i), pb1, ei::pmul(g, pone_b1));
    const P v = ei::pmadd(ei::ploadu<P>(vp + i), pb2, ei::pmul(ei::pmul(pone_b2, g), g));
    const P denom = ei::padd(ei::pdiv(detail::exact_psqrt<P, T>(v), pbc2), peps);
    ei::pstoreu(mp + i, m);
    ei::pstoreu(vp + i, v);
    ei::pstoreu(pp + i, ei::pmadd(pneg_step, ei::pdiv(m, denom), ei::ploadu<P>(pp + i)));
  }
  for (std::size_t i = n_vec; i < n; ++i) {
    const T g = gp[i];
#if defined(EIGEN_VECTORIZE_FMA)
    mp[i] = std::fma(mp[i], b1, g * one_b1);
    vp[i] = std::fma(vp[i], b2, one_b2 * g * g);
    pp[i] = std::fma(-step_size, mp[i] / (std::sqrt(vp[i]) / bc2_sqrt + eps), pp[i]);
#else
    mp[i] = mp[i] * b1 + g * one_b1;
    vp[i] = vp[i] * b2 + one_b2 * g * g;
    pp[i] -= step_size * (mp[i] / (std::sqrt(vp[i]) / bc2_sqrt + eps));
#endif
  }
}

template <class T>
void adam_step(ParameterStore<T>& store, AdamState<T>& state, const AdamOptions& o) {
  adam_step(store.values(), store.grads(), state, o);
}

}  // namespace deepdiff
