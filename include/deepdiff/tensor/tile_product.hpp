// Register-tiled matrix products for small, repeated products: the kernels' (an LSTM step's
// [Bj, H] x [H, 4H], the weight gradients' [H, T*Bj] x [T*Bj, 4H]) and autograd's
// batch-invariant matmul (ops.hpp). In the tensor layer so that both can use it.
//
// C[M, N] += A[M, Kd] B[Kd, N]: B and C row-major (leading dimensions ldb, ldc), A(r, k) at
// A[r * ars + k * aks] (so A may be read transposed), N a whole number of packets. Tiles of
// MR rows x NR packets of C stay in registers over the whole Kd loop: per k, NR packet loads
// of B and MR broadcasts of A feed MR*NR fused multiply-adds. Written with Eigen's packet
// primitives, so it vectorizes for whatever SIMD Eigen targets. Unlike Eigen's general GEMM
// it packs nothing per call: at [10, 32] x [32, 128], repacking the weights at every step
// costs about a third of the product. Each element of C is one accumulation chain over k in
// order, so the result depends on nothing but the data (not on threads, not on alignment, not
// on M: row r of C is the same bits whatever rows come with it).
//
// With `init` the accumulators start from the rank-1 term x_r u + v (x_r = init->x[r *
// init->xs]; u, v of length N) instead of C: the input projection and bias of an LSTM step.
#pragma once

#include <Eigen/Core>

#include "deepdiff/tensor/tensor.hpp"

namespace deepdiff {

template <class T>
constexpr Index packet_size() {
  return static_cast<Index>(Eigen::internal::packet_traits<T>::size);
}

template <class T>
struct Rank1Init {
  const T* x;  // x_r at x[r * xs]
  Index xs;
  const T* u;  // [N]
  const T* v;  // [N]
};

// Memory to pull into L2 while a product computes: `lines` 64-byte lines from `base`, issued
// a few per k of the product's first tile (prefetcht1), so that the loads overlap its
// arithmetic. The LSTM backward sweep reads its training cache from memory; issued during the
// step's product two steps ahead, the gate tiles arrive in time, where bunched at the top of
// a step, or into L1, they stalled the core instead (docs/benchmarks.md). A hint only: no
// value changes; a product without one (null) issues nothing.
struct Prefetch {
  const char* base = nullptr;
  Index lines = 0;
};

// A Prefetch handed out over the `steps` iterations of a product's k loop: next() issues the
// next ceil(lines / steps) lines (prefetcht1) until all are out. Null: issues nothing.
class PrefetchCursor {
 public:
  PrefetchCursor(const Prefetch* pf, Index steps)
      : at_(pf ? pf->base : nullptr),
        end_(pf ? pf->base + 64 * pf->lines : nullptr),
        per_(pf && steps > 0 ? (pf->lines + steps - 1) / steps : 0) {}
  void next() {
    for (Index q = 0; q < per_ && at_ < end_; ++q, at_ += 64) __builtin_prefetch(at_, 0, 2);
  }

 private:
  const char* at_;
  const char* end_;
  Index per_;
};

// Issues one range at once (prefetcht1): for small ranges beside a spread Prefetch.
inline void prefetch_lines(const void* base, Index bytes) {
  for (Index q = 0; q < bytes; q += 64) __builtin_prefetch(static_cast<const char*>(base) + q, 0, 2);
}

namespace detail {

template <class T, int MR, int NR>
inline void product_tile(const T* A, Index ars, Index aks, const T* B, Index ldb, T* C, Index ldc, Index Kd,
                         const Rank1Init<T>* init, Index col, const Prefetch* pf = nullptr) {
  using P = typename Eigen::internal::packet_traits<T>::type;
  constexpr Index PS = packet_size<T>();
  P acc[MR][NR];
  if (init) {
    for (int r = 0; r < MR; ++r) {
      const P xr = Eigen::internal::pset1<P>(init->x[r * init->xs]);
      for (int c = 0; c < NR; ++c)
        acc[r][c] = Eigen::internal::pmadd(xr, Eigen::internal::ploadu<P>(init->u + col + c * PS),
                                           Eigen::internal::ploadu<P>(init->v + col + c * PS));
    }
  } else {
    for (int r = 0; r < MR; ++r)
      for (int c = 0; c < NR; ++c) acc[r][c] = Eigen::internal::ploadu<P>(C + r * ldc + c * PS);
  }
  PrefetchCursor ahead(pf, Kd);
  for (Index k = 0; k < Kd; ++k) {
    ahead.next();
    P b[NR];
    for (int c = 0; c < NR; ++c) b[c] = Eigen::internal::ploadu<P>(B + k * ldb + c * PS);
    for (int r = 0; r < MR; ++r) {
      const P a = Eigen::internal::pset1<P>(A[r * ars + k * aks]);
      for (int c = 0; c < NR; ++c) acc[r][c] = Eigen::internal::pmadd(a, b[c], acc[r][c]);
    }
  }
  for (int r = 0; r < MR; ++r)
    for (int c = 0; c < NR; ++c) Eigen::internal::pstoreu(C + r * ldc + c * PS, acc[r][c]);
}

// Rows [0, M) of one column panel, in balanced tiles of at most MaxMR rows (10 rows with
// MaxMR = 6 -> 5 + 5: a short leftover tile would waste its loads of B). The tiling never
// changes a value: each element of C is its own chain over k, whatever tile holds it.
template <class T, int NR, int MR = 1>
inline void product_tile_dispatch(Index mr, const T* A, Index ars, Index aks, const T* B, Index ldb, T* C,
                                  Index ldc, Index Kd, const Rank1Init<T>* init, Index col, const Prefetch* pf) {
  if constexpr (MR < 12) {
    if (mr != MR) {
      product_tile_dispatch<T, NR, MR + 1>(mr, A, ars, aks, B, ldb, C, ldc, Kd, init, col, pf);
      return;
    }
  }
  product_tile<T, MR, NR>(A, ars, aks, B, ldb, C, ldc, Kd, init, col, pf);
}

// Vector registers of the target: 32 with AVX-512 (and NEON), 16 with AVX2/AVX/SSE.
constexpr int kVectorRegisters = EIGEN_ARCH_DEFAULT_NUMBER_OF_REGISTERS;

// Rows of a tile of NR packets: the accumulators MR * NR, NR loads of B and one broadcast of A
// must fit the registers, or the accumulators spill to the stack at every k (with AVX2's 16
// registers a 5 x 4 tile ran the products ~1.8x slower: docs/benchmarks.md). 12 at most.
template <int NR>
constexpr Index max_tile_rows() {
  constexpr int fit = (kVectorRegisters - NR - 1) / NR;
  return fit < 12 ? fit : 12;
}

// pf (may be null) goes to the panel's first tile.
template <class T, int NR>
inline void product_panel(Index M, const T* A, Index ars, Index aks, const T* B, Index ldb, T* C, Index ldc,
                          Index Kd, const Rank1Init<T>* init, Index col, const Prefetch* pf = nullptr) {
  constexpr Index MaxMR = max_tile_rows<NR>();
  const Index tiles = (M + MaxMR - 1) / MaxMR;
  for (Index q = 0, r = 0; q < tiles; ++q) {
    const Index mr = M * (q + 1) / tiles - r;
    Rank1Init<T> sub{};
    if (init) {
      sub = *init;
      sub.x = init->x + r * init->xs;
    }
    product_tile_dispatch<T, NR>(mr, A + r * ars, ars, aks, B, ldb, C + r * ldc, ldc, Kd, init ? &sub : nullptr,
                                 col, q == 0 ? pf : nullptr);
    r += mr;
  }
}

}  // namespace detail

// Requires N % packet_size<T>() == 0. pf (optional): lines to prefetch during the first tile.
template <class T>
void tiled_product(Index M, Index N, Index Kd, const T* A, Index ars, Index aks, const T* B, Index ldb, T* C,
                   Index ldc, const Rank1Init<T>* init = nullptr, const Prefetch* pf = nullptr) {
  constexpr Index PS = packet_size<T>();
  Index c = 0;
  // Panels 4 packets wide where 6-row tiles of them fit the registers (32), else 2 wide.
  if constexpr (detail::max_tile_rows<4>() >= 6)
    for (; c + 4 * PS <= N; c += 4 * PS, pf = nullptr)
      detail::product_panel<T, 4>(M, A, ars, aks, B + c, ldb, C + c, ldc, Kd, init, c, pf);
  for (; c + 2 * PS <= N; c += 2 * PS, pf = nullptr)
    detail::product_panel<T, 2>(M, A, ars, aks, B + c, ldb, C + c, ldc, Kd, init, c, pf);
  for (; c < N; c += PS, pf = nullptr)
    detail::product_panel<T, 1>(M, A, ars, aks, B + c, ldb, C + c, ldc, Kd, init, c, pf);
}

// Whether a length-n row is a whole number of packets (the tiled and fused paths need it;
// other shapes take Eigen's GEMM and Eigen array expressions).
template <class T>
constexpr bool whole_packets(Index n) {
  return n % packet_size<T>() == 0;
}

}  // namespace deepdiff
