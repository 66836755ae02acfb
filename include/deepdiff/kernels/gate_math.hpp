// Faithful float exp, sigmoid and tanh on SIMD packets: the gate nonlinearities of the fused
// LSTM kernels and the attention's exp (lstm_gates.hpp, bilstm_attention.hpp).
//
// Contract (docs/parity.md): for every float input x, under the kernels' floating-point mode
// (FTZ and DAZ on, fp_mode.hpp), the result is within 2 ulp of the correctly rounded float
// value of f(x) (of f(0) for a denormal x, which DAZ reads as 0; a denormal result is 0 under
// FTZ, and counts as 0). tests/kernels/test_gate_math.cpp checks all 2^32 inputs against
// double, in AVX-512, AVX2 and SSE builds: that test is the proof, the error notes below are
// the reasons. The worst cases measured are in docs/kernels.md.
//
// Why not Eigen's: Eigen 3.4's float tanh is a rational approximation clamped at |x| = 7.9,
// 2.1 ulp off in its range and more past the clamp (tanh(9) rounds to 1, Eigen's gives 1 - 4
// ulp); its exp returns a finite number for x > 88.72, where exp overflows.
//
// All three rest on one reduction: exp(z) = 2^m (1 + u), m = round(z log2 e), r = z - m ln 2
// in two exact parts, u = r + r^2 t(r); exp uses Cephes' degree-5 t (Eigen's coefficients),
// the gates a degree-4 t of this project's fit (pexp_neg_parts).
//   exp(x)     = (1 + u) rounded once, times 2^m as two exact powers of two (|m| <= 128); +inf
//                above ln(FLT_MAX).
// The gates need exp only for z <= 0 (pexp_neg_parts, which gets m and -2^m from one FMA's bits,
// not from floor and conversions), and never round 1 + u on its own:
//   sigmoid(x) = 1 / (1 + e)  for x >= 0,  e / (1 + e)  for x < 0,  e = exp(-|x|) <= 1: the
//                plain 1 / (1 + exp(-x)) passes exp's error whole into a tiny result and
//                rounds its large sum once more, 3 ulp at x = -16.6.
//   tanh(x)    = sign(x) * q / (2 - q),  q = -expm1(-2|x|) = (1 - 2^m) - 2^m u, one FMA:
//                exact for m = 0 and without cancellation otherwise, so no separate
//                polynomial for small |x| is needed.
// The gate pass is bound by the operations these take (docs/benchmarks.md), so each is written
// with as few as the contract allows: -|x| as x | sign bit, a shorter t by Horner's rule, the
// negated forms that need no separate negation.

#pragma once

#include <Eigen/Core>

#include <cmath>  // INFINITY

namespace deepdiff::kernels {

// exp(x) = 2^m (1 + u) for x in [-88.723, 88.723]: m (a float holding an integer) and u.
template <class P>
struct ExpReduced {
  P m, u;
};
template <class P>
inline ExpReduced<P> pexp_reduce(const P& x) {
  using namespace Eigen::internal;
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
  return {m, pmadd(t, r2, r)};
}

// 2^k for a packet of integers k in [-127, 127] (-127 gives 0).
template <class P, class PI>
inline P ppow2(const PI& k) {
  using namespace Eigen::internal;
  return preinterpret<P>(plogical_shift_left<23>(padd(k, pset1<PI>(127))));
}

// exp(x) within the contract, on a float packet of more than one lane.
template <class P>
inline P pexp_faithful(const P& x_in) {
  using namespace Eigen::internal;
  using PI = typename unpacket_traits<P>::integer_packet;
  // Clamped to [-88.723, 88.723] by compare and select, which keeps a NaN.
  const P hi = pset1<P>(88.723f), lo = pset1<P>(-88.723f);
  P x = pselect(pcmp_lt(hi, x_in), hi, x_in);
  x = pselect(pcmp_lt(x, lo), lo, x);
  const ExpReduced<P> e = pexp_reduce(x);
  // y = 1 + u, one rounding near 1 (Eigen adds 1 + r first, one rounding more). y * 2^m =
  // (y * 2^(m>>1)) * 2^(m - (m>>1)): both factors are normal floats for |m| <= 128, the first
  // product is exact, the second rounds once (to 0 under FTZ below 2^-126).
  const P y = padd(e.u, pset1<P>(1.0f));
  const PI k = pcast<P, PI>(e.m);
  const PI half = parithmetic_shift_right<1>(k);
  const P v = pmul(pmul(y, ppow2<P>(half)), ppow2<P>(psub(k, half)));
  // ln(FLT_MAX) = 88.7228391...; the largest float below it is 88.72283172607421875.
  return pselect(pcmp_lt(pset1<P>(88.72283935546875f), x_in), pset1<P>(INFINITY), v);
}

// exp(z) = -ns (1 + u) for z <= 0, in parts, ns = -2^m, so that the callers round once
// (exp: ns u + ns; -expm1: ns u + (1 + ns)). z is clamped at -87.9, so m >= -127, and ns = -0
// for m = -127: exp(z) < 2^-126 there, which is 0 under FTZ.
//   m without floor and conversions: adding 1.5 * 2^23 + 383 to z log2 e (one FMA) rounds it to
//   the nearest integer, kept as m + 383 in the low bits of the sum's mantissa (the sum lies in
//   [2^23, 2^24), where floats are the integers); subtracting the constant again gives m
//   exactly. The sum's bits shifted left by 23 keep only bits 0..8 of it: 383 + m = 256 +
//   (127 + m) with 0 <= 127 + m <= 127, i.e. the sign bit set and the biased exponent of 2^m:
//   -2^m, with no integer add.
//   t of degree 4 instead of Cephes' 5, by Horner's rule (two operations fewer than Eigen's
//   split form, which ran at the same speed as Horner's with five coefficients): fitted for
//   the least maximum of |r^2 (t(r) - (e^r - 1 - r) / r^2)|, the error in u, over |r| <=
//   0.3467 (ln 2 / 2 and a margin for rounding m), by Lawson-weighted least squares on
//   Chebyshev nodes; about 4.5e-9 (0.08 ulp of 1) with the coefficients rounded to float.
//   Enough here because the exhaustive test passes with it in every ISA build.
template <class P>
struct ExpNegParts {
  P ns, u;
};
template <class P>
inline ExpNegParts<P> pexp_neg_parts(const P& z_in) {
  using namespace Eigen::internal;
  using PI = typename unpacket_traits<P>::integer_packet;
  const P z = pmax(z_in, pset1<P>(-87.9f));
  const P magic = pset1<P>(12583295.0f);  // 1.5 * 2^23 + 383
  const P k = pmadd(z, pset1<P>(1.44269504088896341f), magic);
  const P m = psub(k, magic);
  P r = pmadd(m, pset1<P>(-0.693359375f), z);  // ln 2 in two parts, as in pexp_reduce
  r = pmadd(m, pset1<P>(2.12194440e-4f), r);
  P t = pmadd(pset1<P>(0.0013950540451332927f), r, pset1<P>(0.008368917740881443f));
  t = pmadd(t, r, pset1<P>(0.04166620597243309f));
  t = pmadd(t, r, pset1<P>(0.166665181517601f));
  t = pmadd(t, r, pset1<P>(0.5f));
  return {preinterpret<P>(plogical_shift_left<23>(preinterpret<PI>(k))), pmadd(t, pmul(r, r), r)};
}

// 1 / (1 + exp(-x)) within the contract, as e / (1 + e) for x < 0, e = exp(-|x|); in negated
// form, -e / (-e - 1) and -1 / (-e - 1), the same roundings.
template <class P>
inline P psigmoid_faithful(const P& x) {
  using namespace Eigen::internal;
  const P one = pset1<P>(1.0f);
  const ExpNegParts<P> p = pexp_neg_parts(por(x, pset1<P>(-0.0f)));  // -|x|
#if defined(EIGEN_VECTORIZE_FMA)
  const P ne = pmadd(p.ns, p.u, p.ns);  // -e, one rounding
#else
  // Without FMA, ns u would round first, and near the underflow flush to 0 under FTZ (2^-125
  // instead of 1.7e-38 at x = -86.99, found by the SSE build's exhaustive test).
  const P ne = pmul(p.ns, padd(one, p.u));
#endif
  return pdiv(pselect(pcmp_lt(x, pzero(x)), ne, pset1<P>(-1.0f)), psub(ne, one));
}

// tanh(x) within the contract: q / (2 - q), q = -expm1(-2|x|) = ns u + (1 + ns) >= 0, with x's
// sign (q = +0 at x = 0, so tanh(+-0) = +-0).
template <class P>
inline P ptanh_faithful(const P& x) {
  using namespace Eigen::internal;
  const P sign = pset1<P>(-0.0f);
  const ExpNegParts<P> p = pexp_neg_parts(por(padd(x, x), sign));  // -2|x|
  const P q = pmadd(p.ns, p.u, padd(pset1<P>(1.0f), p.ns));
  return por(pdiv(q, psub(pset1<P>(2.0f), q)), pand(x, sign));
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
