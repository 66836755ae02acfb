// bfloat16 products for the level-1 kernels' `--precision bf16`: both operands rounded to
// bfloat16 (round to nearest even), products accumulated in float.
//
//   C[M, N] (+)= A[M, Kd] B[Kd, N]        A(r, k) = A[r*ars + k*aks], B(k, n) = B[k*bks + n*bns]
//
//   pack_a<K>(A, ars, aks, M, Kd, out)     A rounded and laid out for kernel K (once per operand)
//   pack_b<K>(B, bks, bns, Kd, N, out)     the same for B
//   product<K>(M, N, Kd, Ap, layout, Bp, C, ldc, init)   C += Ap Bp (or init + Ap Bp, as tiled_product)
//
// Two kernels, one result. `native` is AVX512_BF16's VDPBF16PS: per float lane and pair of k
// (2p, 2p+1) it does  acc += a[2p+1] b[2p+1];  acc += a[2p] b[2p], each an FMA rounded to
// nearest even with denormals flushed (Intel SDM, VDPBF16PS: "FP32 FMA with DAZ in, FTZ out").
// A product of two bfloat16 values is exact in float, so `emulated` gets the same bits from
// float FMAs over the rounded values in the same order: it is the fp32 tiled product
// (tensor/tile_product.hpp) over operands whose k is laid out pair-swapped (2p+1 before 2p).
// The kernels run with FTZ/DAZ on (fp_mode.hpp), so denormals flush in both. An odd Kd gets
// a zero pair-partner in both. The emulation needs nothing but float FMA: every x86-64 runs
// `--precision bf16`, and a CPU with the instructions gets the same numbers faster.
//
// Layouts (P = ceil(Kd / 2) pairs; sizes in floats, pack_size_* gives them):
//   native    A: [M][P] 32-bit words (low half: bf16 of k = 2p, high: k = 2p+1)
//             B: [P][N] words, likewise
//   emulated  A: [M][2P] floats, row r = A(r,1), A(r,0), A(r,3), A(r,2), ... rounded
//             B: [2P][N] floats, rows in the same swapped order
// An A whose k runs down its rows (the weight gradients' h^T) is packed as B is, [P][M]
// (PairLayout::pairs), so no packing transposes. The native packing converts whole vectors
// (VCVTNE2PS2BF16) where the layout allows; the scalar rounding gives the same bits.
#pragma once

#include <Eigen/Core>

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

#if defined(__AVX512BF16__) && defined(__AVX512F__)
#include <immintrin.h>
#define DEEPDIFF_KERNELS_BF16_NATIVE 1
#else
#define DEEPDIFF_KERNELS_BF16_NATIVE 0
#endif

#include "deepdiff/tensor/bfloat16.hpp"
#include "deepdiff/tensor/tile_product.hpp"

namespace deepdiff::kernels {

// Precision, parse_precision and the bf16 rounding live in tensor/bfloat16.hpp (level 2's
// autograd rounds with them too); the kernels name them here as well.
using deepdiff::bf16_bits;
using deepdiff::bf16_round;
using deepdiff::bf16_to_float;
using deepdiff::parse_precision;
using deepdiff::Precision;
using deepdiff::precision_name;

enum class Bf16Kernel { emulated, native };

// The kernel this build runs: native where the compiler targets AVX512_BF16.
inline constexpr Bf16Kernel kBf16Kernel = DEEPDIFF_KERNELS_BF16_NATIVE ? Bf16Kernel::native : Bf16Kernel::emulated;

inline const char* bf16_kernel_name(Bf16Kernel k = kBf16Kernel) {
  return k == Bf16Kernel::native ? "AVX512_BF16 (vdpbf16ps)" : "emulated (float FMA over bf16-rounded operands)";
}

inline Index bf16_pairs(Index Kd) { return (Kd + 1) / 2; }

template <Bf16Kernel K = kBf16Kernel>
inline Index pack_size_a(Index M, Index Kd) {
  return K == Bf16Kernel::native ? M * bf16_pairs(Kd) : M * 2 * bf16_pairs(Kd);
}
template <Bf16Kernel K = kBf16Kernel>
inline Index pack_size_b(Index Kd, Index N) {
  return K == Bf16Kernel::native ? bf16_pairs(Kd) * N : 2 * bf16_pairs(Kd) * N;
}

namespace detail {
inline std::uint32_t bf16_pair(float lo, float hi) {
  return static_cast<std::uint32_t>(bf16_bits(lo)) | (static_cast<std::uint32_t>(bf16_bits(hi)) << 16);
}
inline void store_word(float* out, std::uint32_t w) { std::memcpy(out, &w, sizeof w); }
}  // namespace detail

#if DEEPDIFF_KERNELS_BF16_NATIVE
namespace detail {
// 32 consecutive floats as 16 words of bf16 pairs (k = 2i low, 2i+1 high): RNE, DAZ.
inline void pack_run32(const float* x, float* out) {
  _mm512_storeu_si512(out, (__m512i)_mm512_cvtne2ps_pbh(_mm512_loadu_ps(x + 16), _mm512_loadu_ps(x)));
}
// 16 floats of row lo and 16 of row hi as 16 words (lo_i low, hi_i high).
inline void pack_rows16(const float* lo, const float* hi, float* out) {
  const __m512i both = (__m512i)_mm512_cvtne2ps_pbh(_mm512_loadu_ps(hi), _mm512_loadu_ps(lo));  // lo 0..15, hi 0..15
  const __m512i idx = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8, 23, 7, 22, 6, 21, 5,
                                       20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
  _mm512_storeu_si512(out, _mm512_permutexvar_epi16(idx, both));
}
}  // namespace detail
#endif

// A for product(..., PairLayout::rows, ...): words [M][P].
template <Bf16Kernel K = kBf16Kernel>
void pack_a(const float* A, Index ars, Index aks, Index M, Index Kd, float* out) {
  const Index P = bf16_pairs(Kd);
#if DEEPDIFF_KERNELS_BF16_NATIVE
  if constexpr (K == Bf16Kernel::native) {
    if (aks == 1 && Kd % 32 == 0) {  // rows of k contiguous: whole vectors
      for (Index r = 0; r < M; ++r)
        for (Index k = 0; k < Kd; k += 32) detail::pack_run32(A + r * ars + k, out + r * P + k / 2);
      return;
    }
  }
#endif
  for (Index r = 0; r < M; ++r)
    for (Index p = 0; p < P; ++p) {
      const float lo = A[r * ars + 2 * p * aks];
      const float hi = 2 * p + 1 < Kd ? A[r * ars + (2 * p + 1) * aks] : 0.0f;
      if constexpr (K == Bf16Kernel::native) {
        detail::store_word(out + r * P + p, detail::bf16_pair(lo, hi));
      } else {
        out[r * 2 * P + 2 * p] = bf16_round(hi);
        out[r * 2 * P + 2 * p + 1] = bf16_round(lo);
      }
    }
}

// B for product: words [P][N]. Also an A read transposed (A(r, k) = X[k*ldx + r], pairs
// along X's rows) for product(..., PairLayout::pairs, ...): pack_b(X, ldx, 1, Kd, M, out).
template <Bf16Kernel K = kBf16Kernel>
void pack_b(const float* B, Index bks, Index bns, Index Kd, Index N, float* out) {
  const Index P = bf16_pairs(Kd);
#if DEEPDIFF_KERNELS_BF16_NATIVE
  if constexpr (K == Bf16Kernel::native) {
    if (bns == 1 && Kd % 2 == 0 && N % 16 == 0) {  // pairs of rows, whole vectors
      for (Index p = 0; p < P; ++p)
        for (Index n = 0; n < N; n += 16) detail::pack_rows16(B + 2 * p * bks + n, B + (2 * p + 1) * bks + n, out + p * N + n);
      return;
    }
  }
#endif
  for (Index p = 0; p < P; ++p) {
    const float* lo = B + 2 * p * bks;
    const float* hi = B + (2 * p + 1) * bks;
    const bool has_hi = 2 * p + 1 < Kd;
    for (Index n = 0; n < N; ++n) {
      const float h = has_hi ? hi[n * bns] : 0.0f;
      if constexpr (K == Bf16Kernel::native) {
        detail::store_word(out + p * N + n, detail::bf16_pair(lo[n * bns], h));
      } else {
        out[2 * p * N + n] = bf16_round(h);
        out[(2 * p + 1) * N + n] = bf16_round(lo[n * bns]);
      }
    }
  }
}

#if DEEPDIFF_KERNELS_BF16_NATIVE
namespace detail {

// One MR x NR tile (NR vectors of 16 floats) of C over all P pairs: per pair, NR loads of B
// words and MR broadcasts of A words feed MR*NR VDPBF16PS. Same tiling as tile_product.hpp.
template <int MR, int NR>
inline void bf16_tile(const float* Ap, Index ars, Index aps, Index P, const float* Bp, Index N, float* C, Index ldc,
                      const Rank1Init<float>* init, Index col, const Prefetch* pf) {
  __m512 acc[MR][NR];
  if (init) {
    for (int r = 0; r < MR; ++r) {
      const __m512 xr = _mm512_set1_ps(init->x[r * init->xs]);
      for (int c = 0; c < NR; ++c)
        acc[r][c] = _mm512_fmadd_ps(xr, _mm512_loadu_ps(init->u + col + c * 16), _mm512_loadu_ps(init->v + col + c * 16));
    }
  } else {
    for (int r = 0; r < MR; ++r)
      for (int c = 0; c < NR; ++c) acc[r][c] = _mm512_loadu_ps(C + r * ldc + c * 16);
  }
  PrefetchCursor ahead(pf, P);
  for (Index p = 0; p < P; ++p) {
    ahead.next();
    __m512bh b[NR];
    for (int c = 0; c < NR; ++c) b[c] = (__m512bh)_mm512_loadu_si512(Bp + p * N + c * 16);
    for (int r = 0; r < MR; ++r) {
      std::uint32_t w;
      std::memcpy(&w, Ap + r * ars + p * aps, sizeof w);
      const __m512bh a = (__m512bh)_mm512_set1_epi32(static_cast<int>(w));
      for (int c = 0; c < NR; ++c) acc[r][c] = _mm512_dpbf16_ps(acc[r][c], a, b[c]);
    }
  }
  for (int r = 0; r < MR; ++r)
    for (int c = 0; c < NR; ++c) _mm512_storeu_ps(C + r * ldc + c * 16, acc[r][c]);
}

template <int NR, int MR = 1>
inline void bf16_tile_dispatch(Index mr, const float* Ap, Index ars, Index aps, Index P, const float* Bp, Index N,
                               float* C, Index ldc, const Rank1Init<float>* init, Index col, const Prefetch* pf) {
  if constexpr (MR < 12) {
    if (mr != MR) {
      bf16_tile_dispatch<NR, MR + 1>(mr, Ap, ars, aps, P, Bp, N, C, ldc, init, col, pf);
      return;
    }
  }
  bf16_tile<MR, NR>(Ap, ars, aps, P, Bp, N, C, ldc, init, col, pf);
}

// pf (may be null) goes to the panel's first tile.
template <int NR>
inline void bf16_panel(Index M, const float* Ap, Index ars, Index aps, Index P, const float* Bp, Index N, float* C,
                       Index ldc, const Rank1Init<float>* init, Index col, const Prefetch* pf) {
  constexpr Index MaxMR = deepdiff::detail::max_tile_rows<NR>();
  const Index tiles = (M + MaxMR - 1) / MaxMR;
  for (Index q = 0, r = 0; q < tiles; ++q) {
    const Index mr = M * (q + 1) / tiles - r;
    Rank1Init<float> sub{};
    if (init) {
      sub = *init;
      sub.x = init->x + r * init->xs;
    }
    bf16_tile_dispatch<NR>(mr, Ap + r * ars, ars, aps, P, Bp, N, C + r * ldc, ldc, init ? &sub : nullptr, col,
                           q == 0 ? pf : nullptr);
    r += mr;
  }
}

}  // namespace detail
#endif

// How A was packed: rows = pack_a ([M][P] words), pairs = pack_b of A's transpose ([P][M]).
enum class PairLayout { rows, pairs };

// C[M, N] += Ap Bp, or (with init) C = init + Ap Bp; Ap, Bp packed for K (Ap as `layout`
// says) with the same Kd. N a whole number of float packets. pf (optional): lines to prefetch
// during the first tile (tile_product.hpp's Prefetch).
template <Bf16Kernel K = kBf16Kernel>
void product(Index M, Index N, Index Kd, const float* Ap, PairLayout layout, const float* Bp, float* C, Index ldc,
             const Rank1Init<float>* init = nullptr, const Prefetch* pf = nullptr) {
  const Index P = bf16_pairs(Kd);
  const bool rows = layout == PairLayout::rows;
  if constexpr (K == Bf16Kernel::emulated) {
    tiled_product<float>(M, N, 2 * P, Ap, rows ? 2 * P : 1, rows ? 1 : M, Bp, N, C, ldc, init, pf);
  } else {
#if DEEPDIFF_KERNELS_BF16_NATIVE
    const Index ars = rows ? P : 1, aps = rows ? 1 : M;
    Index c = 0;
    for (; c + 64 <= N; c += 64, pf = nullptr)
      detail::bf16_panel<4>(M, Ap, ars, aps, P, Bp + c, N, C + c, ldc, init, c, pf);
    for (; c + 32 <= N; c += 32, pf = nullptr)
      detail::bf16_panel<2>(M, Ap, ars, aps, P, Bp + c, N, C + c, ldc, init, c, pf);
    for (; c < N; c += 16, pf = nullptr) detail::bf16_panel<1>(M, Ap, ars, aps, P, Bp + c, N, C + c, ldc, init, c, pf);
#else
    static_assert(K == Bf16Kernel::emulated, "this build has no AVX512_BF16: use the emulated kernel");
#endif
  }
}

}  // namespace deepdiff::kernels
