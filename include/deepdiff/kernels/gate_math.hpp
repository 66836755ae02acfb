// Faithful float exp, sigmoid and tanh on SIMD packets: the gate nonlinearities of the fused
// LSTM kernels and the attention's exp (lstm_gates.hpp, bilstm_attention.hpp).
//
// Contract (docs/parity.md): for every float input x, under the kernels' floating-point mode
// (FTZ and DAZ on, fp_mode.hpp), the result is within 2 ulp of the correctly rounded float
// value of f(x) (of f(0) for a denormal x, which DAZ reads as 0; a denormal result is 0 under
// FTZ, and counts as 0). tests/kernels/test_gate_math.cpp checks all 2^32 inputs against
// double, in the AVX-512, AVX2 and SSE builds. The same operations run in every build, so
// builds with FMA give the same bits; SSE has no FMA and rounds pmadd twice (still in the
// bound, checked). The measured worst cases are in docs/kernels.md.
//
// Why not Eigen's: Eigen 3.4's float tanh is a rational approximation clamped at |x| = 7.9,
// which is 2.1 ulp off in the middle of its range and more past the clamp (tanh(9) rounds to 1,
// Eigen's gives 1 - 4 ulp); its exp returns a finite number for x > 88.72 where exp overflows.
//
//   exp(x)     = 2^m * p(r),  m = floor(x log2(e) + 1/2),  r = x - m ln 2 (two-part, exact to
//                float), p a degree-6 polynomial (Cephes' coefficients, as Eigen's). 2^m is
//                applied as two exact powers of two, so m in [-128, 128] needs no clamps;
//                x > ln(FLT_MAX) gives +inf.
//   sigmoid(x) = 1 / (1 + exp(-x))   x >= 0             one exp, one correctly rounded division
//              = e / (1 + e), e = exp(x)   x < 0
//   tanh(x)    = x + x^3 q(x^2)                         |x| < 0.625 (q: degree 4, a minimax fit
//                                                       of relative error, 0.14 ulp)
//              = sign(x) (1 - 2 / (1 + exp(2|x|)))      otherwise; the subtraction cannot
//                                                       cancel, 2/(1+e) <= 0.45 there
// Error budget of the second tanh branch and of sigmoid: exp 1 ulp + two roundings; the
// exhaustive test is the proof.
#pragma once

#include <Eigen/Core>

#include <cmath>  // INFINITY

namespace deepdiff::kernels {

// exp(x) within the contract, on a float packet of more than one lane.
template <class P>
inline P pexp_faithful(const P& x_in) {
  using namespace Eigen::internal;
  using PI = typename unpacket_traits<P>::integer_packet;
  const P one = pset1<P>(1.0f);
  // Clamped to [-88.723, 88.723] by compare and select, which keeps a NaN (and, unlike pmin /
  // pmax, does not trip GCC 12's false -Wuninitialized in its AVX-512 header, bug 105593).
  const P hi = pset1<P>(88.723f), lo = pset1<P>(-88.723f);
  P x = pselect(pcmp_lt(hi, x_in), hi, x_in);
  x = pselect(pcmp_lt(x, lo), lo, x);
  const P m = pfloor(pmadd(x, pset1<P>(1.44269504088896341f), pset1<P>(0.5f)));
  // ln 2 = 0.693359375 - 2.12194440e-4 (+ 4e-12): the first part has 11 significant bits, so
  // m * 0.693359375 is exact for |m| <= 128 and the reduction loses nothing.
  P r = pmadd(m, pset1<P>(-0.693359375f), x);
  r = pmadd(m, pset1<P>(2.12194440e-4f), r);
  const P r2 = pmul(r, r);
  const P r3 = pmul(r2, r);
  P t = pmadd(pset1<P>(1.9875691500E-4f), r, pset1<P>(1.3981999507E-3f));
  P t1 = pmadd(pset1<P>(4.1665795894E-2f), r, pset1<P>(1.6666665459E-1f));
  t = pmadd(t, r, pset1<P>(8.3334519073E-3f));
  t1 = pmadd(t1, r, pset1<P>(5.0000001201E-1f));
  t = pmadd(t, r3, t1);
  // y = 1 + (r + r^2 t): the small part first, 1 added last, so y rounds once near 1 (Eigen
  // adds 1 + r first, one rounding more: 1 ulp where this is 0.75 at worst).
  const P y = padd(pmadd(t, r2, r), one);
  // y * 2^m = (y * 2^(m>>1)) * 2^(m - (m>>1)): both factors are normal floats for |m| <= 128,
  // the first product is exact (y in [0.7, 1.42]), the second rounds once (to 0 under FTZ).
  const PI e = pcast<P, PI>(m);
  const PI half = parithmetic_shift_right<1>(e);
  const PI bias = pset1<PI>(127);
  const P c1 = preinterpret<P>(plogical_shift_left<23>(padd(half, bias)));
  const P c2 = preinterpret<P>(plogical_shift_left<23>(padd(psub(e, half), bias)));
  // x <= -88.723 (-inf too) gives y * 2^-128, a denormal: 0 under FTZ. A NaN stays NaN (y is).
  const P v = pmul(pmul(y, c1), c2);
  // ln(FLT_MAX) = 88.7228391...; the largest float below it is 88.72283172607421875.
  return pselect(pcmp_lt(pset1<P>(88.72283935546875f), x_in), pset1<P>(INFINITY), v);
}

// 1 / (1 + exp(-x)) within the contract, as e / (1 + e) for x < 0, e = exp(x) = exp(-|x|).
// Why not 1 / (1 + exp(-x)) everywhere: for x << 0, exp(-x)'s error (1 ulp) passes whole into
// the result and the sum rounds once more, 3 ulp in all (found by the exhaustive test at
// x = -16.6); with e <= 1 the sum is near 1 and damps e's error instead.
template <class P>
inline P psigmoid_faithful(const P& x) {
  using namespace Eigen::internal;
  const P one = pset1<P>(1.0f);
  const P e = pexp_faithful(pnegate(pabs(x)));
  const P neg = pcmp_lt(x, pzero(x));
  const P n = pselect(neg, e, one);
  // The sum d = 1 + e rounds by up to 2^-24, which near the top of a binade of the result is
  // one ulp of it; carried as d + dlo (Fast2Sum, exact since 1 >= e), and the quotient
  // corrected once by the exact residual n - q (d + dlo), computed with FMAs. 1/d for the
  // correction: 1 - q for x < 0 (n = e), q itself for x >= 0 (n = 1).
  const P d = padd(one, e);
  const P dlo = psub(e, psub(d, one));
  const P q = pdiv(n, d);
  const P mq = pnegate(q);
  const P res = pmadd(mq, dlo, pmadd(mq, d, n));
  return pmadd(res, pselect(neg, psub(one, q), q), q);
}

// tanh(x) within the contract.
template <class P>
inline P ptanh_faithful(const P& x) {
  using namespace Eigen::internal;
  const P one = pset1<P>(1.0f);
  const P ax = pabs(x);
  // Small |x|: odd polynomial, coefficients of q(s) = (tanh(x) - x) / x^3, s = x^2.
  const P s = pmul(x, x);
  P q = pmadd(pset1<P>(-5.704987328499556e-3f), s, pset1<P>(2.0639088004827499e-2f));
  q = pmadd(q, s, pset1<P>(-5.373971536755562e-2f));
  q = pmadd(q, s, pset1<P>(1.3331441581249237e-1f));
  q = pmadd(q, s, pset1<P>(-3.333328068256378e-1f));
  const P small = pmadd(pmul(x, s), q, x);
  // Large |x|: 1 - 2 / (1 + exp(2|x|)), then x's sign (the value is >= 0.55, its sign bit clear).
  const P e = pexp_faithful(padd(ax, ax));
  const P big = psub(one, pdiv(pset1<P>(2.0f), padd(one, e)));
  const P sign = pand(x, pset1<P>(-0.0f));
  return pselect(pcmp_lt(ax, pset1<P>(0.625f)), small, por(big, sign));
}

// y[i] = f(x[i]) for i < n, where f is one of the packet functions above (x may equal y). Whole
// packets first, then the tail through one zero-padded packet, so an element's value never
// depends on where it sits in the array.
template <class P, class F>
inline void apply_faithful(const float* x, float* y, Eigen::Index n, F f) {
  using namespace Eigen::internal;
  constexpr Eigen::Index PS = unpacket_traits<P>::size;
  Eigen::Index i = 0;
  for (; i + PS <= n; i += PS) pstoreu(y + i, f(ploadu<P>(x + i)));
  if (i < n) {
    alignas(64) float buf[PS] = {};
    for (Eigen::Index k = i; k < n; ++k) buf[k - i] = x[k];
    pstore(buf, f(pload<P>(buf)));
    for (Eigen::Index k = i; k < n; ++k) y[k] = buf[k - i];
  }
}

}  // namespace deepdiff::kernels
