// Rng: the one source of randomness, always passed explicitly (no global state).
//
// xoshiro256** seeded through splitmix64. The standard library's distributions are
// implementation-defined, so the few we need are written here: a seed gives the same
// numbers with every compiler and standard library.
#pragma once

#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "deepdiff/tensor/tensor.hpp"

namespace deepdiff {

class Rng {
 public:
  explicit Rng(std::uint64_t seed = 1) { reseed(seed); }

  void reseed(std::uint64_t seed) {
    std::uint64_t x = seed;
    for (auto& s : s_) {
      x += 0x9E3779B97F4A7C15ull;
      std::uint64_t z = x;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
      s = z ^ (z >> 31);
    }
  }

  std::uint64_t next_u64() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

  // Uniform integer in [0, n), without modulo bias (reject the incomplete top block).
  std::uint64_t below(std::uint64_t n) {
    if (n == 0) return 0;
    const std::uint64_t limit = ~std::uint64_t(0) - (~std::uint64_t(0) % n);
    for (;;) {
      const std::uint64_t r = next_u64();
      if (r < limit) return r % n;
    }
  }

  // Standard normal (Box-Muller; the second value is discarded so the stream stays simple).
  double normal() {
    double u1 = uniform();
    while (u1 <= 0.0) u1 = uniform();
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

  // Fisher-Yates shuffle.
  template <class V>
  void shuffle(std::vector<V>& v) {
    for (std::size_t i = v.size(); i > 1; --i) {
      const std::size_t j = static_cast<std::size_t>(below(i));
      std::swap(v[i - 1], v[j]);
    }
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4]{};
};

template <class T>
void fill_uniform(Tensor<T>& t, Rng& rng, double lo, double hi) {
  for (Index i = 0; i < t.size(); ++i) t.data()[i] = static_cast<T>(rng.uniform(lo, hi));
}

}  // namespace deepdiff
