// kernels/bf16_product.hpp: the product against a double reference over the rounded operands,
// and the native VDPBF16PS kernel against the emulation, bit for bit, where this build has the
// instructions. The rounding itself: tests/tensor/test_bfloat16.cpp.
#include <catch2/catch.hpp>

#include <deepdiff/kernels/bf16_product.hpp>
#include <deepdiff/kernels/fp_mode.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

using namespace deepdiff;
using kernels::Bf16Kernel;

namespace {

[[maybe_unused]] std::uint32_t bits_of(float x) {
  std::uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}

struct Case {
  Index M, N, Kd;
  Index ars, aks, bks, bns;  // strides of A and B as given (row-major or transposed reads)
  std::vector<float> A, B, C0, u, v, x;
};

Case make_case(std::mt19937& rng, Index M, Index N, Index Kd, bool a_transposed, bool b_transposed) {
  std::uniform_real_distribution<float> U(-1.5f, 1.5f);
  Case c{M, N, Kd, a_transposed ? 1 : Kd, a_transposed ? M : 1, b_transposed ? 1 : N, b_transposed ? Kd : 1, {}, {}, {}, {}, {}, {}};
  c.A.resize(static_cast<std::size_t>(M * Kd));
  c.B.resize(static_cast<std::size_t>(Kd * N));
  c.C0.resize(static_cast<std::size_t>(M * N));
  c.u.resize(static_cast<std::size_t>(N));
  c.v.resize(static_cast<std::size_t>(N));
  c.x.resize(static_cast<std::size_t>(M));
  for (auto* v : {&c.A, &c.B, &c.C0, &c.u, &c.v, &c.x})
    for (float& e : *v) e = U(rng);
  return c;
}

// C (+)= A B in double over the bf16-rounded operands; also sum |a b| per element (error bound).
void reference(const Case& c, bool with_init, std::vector<double>& C, std::vector<double>& mag) {
  C.assign(static_cast<std::size_t>(c.M * c.N), 0.0);
  mag.assign(C.size(), 0.0);
  for (Index r = 0; r < c.M; ++r)
    for (Index n = 0; n < c.N; ++n) {
      const std::size_t i = static_cast<std::size_t>(r * c.N + n);
      double acc = with_init ? double(c.x[r]) * c.u[n] + c.v[n] : c.C0[i];
      // Without FMA (SSE builds) the init x u + v is rounded twice: |x u| + |v| bounds it.
      double m = with_init ? std::abs(double(c.x[r]) * c.u[n]) + std::abs(c.v[n]) : std::abs(acc);
      for (Index k = 0; k < c.Kd; ++k) {
        const double p = double(kernels::bf16_round(c.A[r * c.ars + k * c.aks])) *
                         double(kernels::bf16_round(c.B[k * c.bks + n * c.bns]));
        acc += p;
        m += std::abs(p);
      }
      C[i] = acc;
      mag[i] = m;
    }
}

template <Bf16Kernel K>
std::vector<float> run(const Case& c, bool with_init, const Prefetch* pf = nullptr) {
  // A read transposed (k down its rows) is packed as B is (PairLayout::pairs).
  const bool a_rows = c.aks == 1;
  std::vector<float> Ap(static_cast<std::size_t>(a_rows ? kernels::pack_size_a<K>(c.M, c.Kd)
                                                        : kernels::pack_size_b<K>(c.Kd, c.M)));
  std::vector<float> Bp(static_cast<std::size_t>(kernels::pack_size_b<K>(c.Kd, c.N)));
  if (a_rows)
    kernels::pack_a<K>(c.A.data(), c.ars, c.aks, c.M, c.Kd, Ap.data());
  else
    kernels::pack_b<K>(c.A.data(), c.aks, c.ars, c.Kd, c.M, Ap.data());
  kernels::pack_b<K>(c.B.data(), c.bks, c.bns, c.Kd, c.N, Bp.data());
  std::vector<float> C = c.C0;
  const Rank1Init<float> init{c.x.data(), 1, c.u.data(), c.v.data()};
  kernels::FlushDenormalsScope ftz;
  kernels::product<K>(c.M, c.N, c.Kd, Ap.data(), a_rows ? kernels::PairLayout::rows : kernels::PairLayout::pairs,
                      Bp.data(), C.data(), c.N, with_init ? &init : nullptr, pf);
  return C;
}

}  // namespace

TEST_CASE("bf16 product matches a double reference over the rounded operands (random shapes)", "[kernels][bf16]") {
  std::mt19937 rng(7);
  const Index PS = packet_size<float>();
  int checked = 0;
  for (Index M : {1, 2, 5, 7, 12, 13})
    for (Index N : {PS, 2 * PS, 3 * PS, 4 * PS, 6 * PS})
      for (Index Kd : {1, 2, 3, 16, 31, 64}) {
        for (bool with_init : {false, true}) {
          const Case c = make_case(rng, M, N, Kd, (M + Kd) % 2 == 0, (N / PS + Kd) % 2 == 1);
          std::vector<double> ref, mag;
          reference(c, with_init, ref, mag);
          const std::vector<float> got = run<kernels::kBf16Kernel>(c, with_init);
          for (std::size_t i = 0; i < got.size(); ++i) {
            // float accumulation of Kd + 1 exact products: at most (Kd + 2) roundings.
            const double bound = double(Kd + 2) * std::numeric_limits<float>::epsilon() * mag[i];
            if (!(std::abs(got[i] - ref[i]) <= bound))
              FAIL("M " << M << " N " << N << " Kd " << Kd << " init " << with_init << " element " << i << ": "
                        << got[i] << " vs " << ref[i] << " (bound " << bound << ")");
          }
          ++checked;
        }
      }
  CHECK(checked == 6 * 5 * 6 * 2);
  // The rounding is really applied: an operand off a bf16 value changes the result.
  Case c = make_case(rng, 1, PS, 2, false, false);
  c.A = {1.0f + 1.0f / 1024, 1.0f};
  c.B.assign(static_cast<std::size_t>(2 * PS), 1.0f);
  c.C0.assign(static_cast<std::size_t>(PS), 0.0f);
  CHECK(run<kernels::kBf16Kernel>(c, false)[0] == 2.0f);
}

TEST_CASE("bf16 product: the native VDPBF16PS kernel gives the emulation's bits", "[kernels][bf16]") {
#if DEEPDIFF_KERNELS_BF16_NATIVE
  std::mt19937 rng(11);
  const Index PS = packet_size<float>();
  for (Index M : {1, 3, 6, 11, 12})
    for (Index N : {PS, 2 * PS, 5 * PS, 8 * PS})
      for (Index Kd : {1, 5, 32, 64, 128, 601})
        for (bool with_init : {false, true}) {
          // Both A layouts and both B reads, whole-vector packing (Kd % 32, N % 16) included.
          const Case c = make_case(rng, M, N, Kd, (Kd / 32 + M) % 2 == 0, M % 2 == 0);
          const std::vector<float> native = run<Bf16Kernel::native>(c, with_init);
          const std::vector<float> emulated = run<Bf16Kernel::emulated>(c, with_init);
          // A prefetch hint (tile_product.hpp) changes no bit: here B's own lines, more than pairs.
          const Prefetch pf{reinterpret_cast<const char*>(c.B.data()), Index(c.B.size() * sizeof(float) / 64)};
          const std::vector<float> hinted = run<Bf16Kernel::native>(c, with_init, &pf);
          for (std::size_t i = 0; i < native.size(); ++i)
            if (bits_of(native[i]) != bits_of(emulated[i]) || bits_of(hinted[i]) != bits_of(native[i]))
              FAIL("M " << M << " N " << N << " Kd " << Kd << " init " << with_init << " element " << i << ": native "
                        << native[i] << " emulated " << emulated[i] << " native with a prefetch " << hinted[i]);
        }
  SUCCEED("native and emulated agree");
#else
  WARN("skipped: this build has no AVX512_BF16 (it runs the emulated kernel only)");
#endif
}
