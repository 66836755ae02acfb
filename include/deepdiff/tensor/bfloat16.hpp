// bfloat16 in the tensor layer: the rounding (float -> the nearest bfloat16, ties to even) and
// the precision setting of the LSTM products, `--precision fp32|bf16`. The level-1 kernels'
// bf16 products are kernels/bf16_product.hpp; level 2 rounds its products' operands with
// round_bf16 (autograd/ops.hpp).
#pragma once

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

namespace deepdiff {

// The precision of the LSTM products (level 1 and level 2). fp32: float operands. bf16:
// operands rounded to bfloat16, products accumulated in float; everything else (gates, cell,
// attention, gradients' accumulation, the weights themselves) stays float.
enum class Precision { fp32, bf16 };

inline const char* precision_name(Precision p) { return p == Precision::bf16 ? "bf16" : "fp32"; }

// "fp32" or "bf16"; anything else throws std::invalid_argument.
inline Precision parse_precision(const std::string& s) {
  if (s == "fp32") return Precision::fp32;
  if (s == "bf16") return Precision::bf16;
  throw std::invalid_argument("precision '" + s + "' is not one of fp32, bf16");
}

// The bfloat16 nearest to x (ties to even), as its 16 bits; a NaN stays a (quiet) NaN, and a
// denormal becomes a zero of its sign, as VCVTNE2PS2BF16 does (its inputs are DAZ) and as the
// kernels' DAZ mode would read it anyway.
inline std::uint16_t bf16_bits(float x) {
  std::uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<std::uint16_t>((u >> 16) | 0x40u);
  if ((u & 0x7f800000u) == 0) return static_cast<std::uint16_t>((u >> 16) & 0x8000u);
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<std::uint16_t>(u >> 16);
}

inline float bf16_to_float(std::uint16_t b) {
  const std::uint32_t u = static_cast<std::uint32_t>(b) << 16;
  float x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}

inline float bf16_round(float x) { return bf16_to_float(bf16_bits(x)); }

}  // namespace deepdiff
