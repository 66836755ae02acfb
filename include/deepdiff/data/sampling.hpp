// Count distributions on deepdiff::Rng: gamma, Poisson, negative binomial.
//
// The standard library's distributions are implementation-defined (libstdc++ and libc++
// give different numbers for one seed), so synthetic data would differ between machines.
// These are the textbook exact samplers, written out:
//   gamma:    Marsaglia & Tsang (2000), with the shape < 1 boost  G(a) = G(a+1) U^(1/a)
//   Poisson:  multiplication of uniforms for mean < 10; above, Hörmann's PTRS transformed
//             rejection (1993), as NumPy uses: O(1) per draw at any mean
//   NB(mean, size): the gamma-Poisson mixture  lambda ~ Gamma(size, mean/size), X ~ Poisson(lambda),
//             so Var X = mean + mean^2 / size (overdispersed read counts, as ChIP-seq has)
#pragma once

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "deepdiff/tensor/random.hpp"

namespace deepdiff {

inline double sample_gamma(Rng& rng, double shape, double scale = 1.0) {
  if (!(shape > 0) || !(scale > 0) || !std::isfinite(shape) || !std::isfinite(scale))
    throw std::invalid_argument("sample_gamma: shape and scale must be positive and finite");
  if (shape < 1.0) {
    double u = rng.uniform();
    while (u <= 0.0) u = rng.uniform();
    return sample_gamma(rng, shape + 1.0, scale) * std::pow(u, 1.0 / shape);
  }
  const double d = shape - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    const double x = rng.normal();
    double v = 1.0 + c * x;
    if (v <= 0.0) continue;
    v = v * v * v;
    const double u = rng.uniform();
    const double x2 = x * x;
    if (u < 1.0 - 0.0331 * x2 * x2) return d * v * scale;
    if (u > 0.0 && std::log(u) < 0.5 * x2 + d * (1.0 - v + std::log(v))) return d * v * scale;
  }
}

inline std::uint64_t sample_poisson(Rng& rng, double mean) {
  if (!(mean >= 0) || !std::isfinite(mean)) throw std::invalid_argument("sample_poisson: mean must be finite and >= 0");
  if (mean == 0) return 0;
  if (mean < 10.0) {
    const double limit = std::exp(-mean);
    std::uint64_t k = 0;
    double prod = rng.uniform();
    while (prod > limit) {
      ++k;
      prod *= rng.uniform();
    }
    return k;
  }
  if (mean > 1e12) {  // far past any read count; the normal limit is exact to many digits
    const double v = std::round(mean + std::sqrt(mean) * rng.normal());
    return v > 0 ? static_cast<std::uint64_t>(v) : 0;
  }
  const double slam = std::sqrt(mean), loglam = std::log(mean);
  const double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
  const double inv_alpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2.0);
  for (;;) {
    const double u = rng.uniform() - 0.5, v = rng.uniform();
    const double us = 0.5 - std::fabs(u);
    const double k = std::floor((2.0 * a / us + b) * u + mean + 0.43);
    if (us >= 0.07 && v <= vr) return static_cast<std::uint64_t>(k);
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (v > 0 && std::log(v) + std::log(inv_alpha) - std::log(a / (us * us) + b) <= -mean + k * loglam - std::lgamma(k + 1.0))
      return static_cast<std::uint64_t>(k);
  }
}

// Negative binomial with the given mean and size (dispersion) parameter; size -> infinity
// tends to Poisson(mean).
inline std::uint64_t sample_negative_binomial(Rng& rng, double mean, double size) {
  if (!(size > 0)) throw std::invalid_argument("sample_negative_binomial: size must be > 0");
  if (mean <= 0) return 0;
  return sample_poisson(rng, sample_gamma(rng, size, mean / size));
}

}  // namespace deepdiff
