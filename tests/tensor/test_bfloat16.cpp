// tensor/bfloat16.hpp: rounding to the nearest bfloat16 (ties to even, NaN, infinities,
// denormals) and the precision names.
#include <catch2/catch.hpp>

#include <deepdiff/tensor/bfloat16.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

using namespace deepdiff;

namespace {
float float_of(std::uint32_t u) {
  float x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}
}  // namespace

TEST_CASE("bf16_bits rounds to the nearest bfloat16, ties to even", "[tensor][bf16]") {
  CHECK(bf16_bits(1.0f) == 0x3f80);
  CHECK(bf16_bits(-2.0f) == 0xc000);
  // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties go to the even mantissa (1).
  CHECK(bf16_bits(float_of(0x3f808000u)) == 0x3f80);
  // 1 + 3*2^-8 is halfway between 1 + 2^-7 (odd) and 1 + 2^-6: up to even.
  CHECK(bf16_bits(float_of(0x3f818000u)) == 0x3f82);
  CHECK(bf16_bits(float_of(0x3f808001u)) == 0x3f81);  // just above halfway: up
  CHECK(bf16_bits(float_of(0x3f807fffu)) == 0x3f80);  // just below: down
  CHECK(bf16_bits(std::numeric_limits<float>::infinity()) == 0x7f80);
  CHECK(bf16_bits(std::numeric_limits<float>::max()) == 0x7f80);  // overflows to inf
  CHECK(std::isnan(bf16_round(std::numeric_limits<float>::quiet_NaN())));
  // A NaN whose payload is in the low bits only must not round to inf.
  CHECK(std::isnan(bf16_round(float_of(0x7f800001u))));
  // Denormals become zeros of their sign (VCVTNE2PS2BF16 reads them as zero).
  CHECK(bf16_bits(float_of(0x007fffffu)) == 0x0000);
  CHECK(bf16_bits(float_of(0x807fffffu)) == 0x8000);
  CHECK(bf16_bits(float_of(0x00800000u)) == 0x0080);  // the smallest normal stays
  // Every normal bfloat16 (and zero, inf) is its own rounding.
  for (std::uint32_t b = 0; b < 0x10000u; ++b) {
    const float x = float_of(b << 16);
    if (std::isnan(x) || (x != 0.0f && std::fpclassify(x) == FP_SUBNORMAL)) continue;
    if (bf16_bits(x) != b) FAIL("bf16 " << b << " does not round to itself");
  }
  CHECK(parse_precision("bf16") == Precision::bf16);
  CHECK(parse_precision("fp32") == Precision::fp32);
  CHECK_THROWS_WITH(parse_precision("fp16"), Catch::Contains("fp16") && Catch::Contains("fp32, bf16"));
}
