// Fused level-1 encoders: K bidirectional LSTMs (input size 1) each followed by attention
// pooling, forward and backward written by hand, joined to the tape as ONE autograd node.
// The composed path (nn/encoder.hpp: encoder_forward per channel + concat_cols) is the
// reference; encode_channels_composed below builds it with the same signature.
//
// Dimension legend
//   B    genes in the batch; a task works on a block of Bj <= kMaxBlockGenes of them
//   T    bins (time steps); called `nt` in code, where T is the scalar type (float, double)
//   K    channels, one level-1 encoder each (the same Encoder may serve several channels)
//   H    hidden size per direction (32 in DeepDiff)
//   G    = 4H gates, PyTorch order i, f, g, o
//   D    = 2H, the output of one encoder: [h_fwd; h_bwd]
//   s    step in processing order: bin t = s (forward direction) or t = T-1-s (backward)
//   d    direction, 0 = forward, 1 = backward (PyTorch's "_reverse")
//
// Work decomposition. A forward or backward call runs three phases, each an OpenMP loop over
// independent tasks (never threads inside a product):
//   LSTM tasks       (k, d, j): channel k, direction d, gene block j      K*2*nblk tasks
//   attention tasks  (k, j)   : needs both directions of channel k       K*nblk tasks
// Gene blocks depend on B only (never on the thread count), every task writes its own
// outputs, and parameter gradients are reduced serially in a fixed order (k, d, j), so
// results are bit-identical for any number of threads.
//
// Two code paths, chosen by shape only (so a given shape always takes the same one):
//   fast:   the per-step products are register-tiled kernels written with Eigen's packet
//           primitives (no per-call packing), the gate nonlinearities and cell update are one
//           fused pass, the cell and gate deltas another. Needs G = 4H (forward product), H
//           (backward product, fused passes) in whole SIMD packets, and, for the fused
//           forward pass, a vectorized tanh (float). DeepDiff's H = 32 in float takes it.
//   general: the same math with Eigen GEMM and Eigen array expressions (double; H that is not
//           a multiple of the packet size).
//
// Memory. The training cache keeps, per gene, channel, direction and step, the gate
// activations (G), the cell state (H) and h (H): 2 * T * (G + 2H) values per gene and channel,
// 307 KB in float at T = 200, H = 32. tanh(c) is recomputed in the backward pass. Buffers
// come from a process-wide pool (BufferPool) and are 64-byte aligned; every per-step tile of
// the forward pass starts on a 64-byte boundary, in the training cache and in the inference
// scratch alike, so Eigen's vectorized loops split every tile the same way: that is what makes
// the inference path bit-identical to the training forward.
//
// Floating-point environment. While a kernel runs, each thread sets MXCSR's flush-to-zero
// (FTZ) and denormals-are-zero (DAZ) bits and restores them afterwards (FlushDenormalsScope).
// Values multiplied by a gate below 1 step after step (c through f, dc through f backward)
// or taken through exp of a large negative number (softmax weights, saturated gates) can
// fall into the denormal range, where x86 takes a microcode assist of tens to hundreds of
// cycles per operation. Values below 1.2e-38 (float) or 2.2e-308 (double) are read and
// written as zero; nothing else changes.
//
// Nonlinearities: sigma(x) = 1 / (1 + exp(-x)) with Eigen's vectorized exp and an exact
// division, tanh with Eigen's vectorized rational tanh (float); double uses the same sigma and
// std::tanh (Eigen 3.4 has no vectorized double tanh). std::tanh costs ~13 ns per float here,
// 45x the vectorized one. Errors against std, measured by tests/test_kernels.cpp, are in
// docs/kernels.md.
#pragma once

#include <Eigen/Core>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <memory>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif
#if defined(__SSE__) || defined(_M_X64) || (defined(_M_IX86_FP) && _M_IX86_FP >= 1)
#include <xmmintrin.h>
#define DEEPDIFF_KERNELS_HAVE_MXCSR 1
#else
#define DEEPDIFF_KERNELS_HAVE_MXCSR 0
#endif

// Debug builds fill every cache, workspace and output with NaN before a kernel writes it, so
// an element that is read before it is written (or never written) shows up in the tests.
#ifndef DEEPDIFF_KERNELS_NAN_FILL
#ifdef NDEBUG
#define DEEPDIFF_KERNELS_NAN_FILL 0
#else
#define DEEPDIFF_KERNELS_NAN_FILL 1
#endif
#endif

#include "deepdiff/autograd/ops.hpp"
#include "deepdiff/nn/encoder.hpp"
#include "deepdiff/nn/parameters.hpp"

namespace deepdiff {

// K level-1 encoders' outputs. reps: [B, K*2H], channel k's representation in columns
// [k*2H, (k+1)*2H) (forward half first). alpha: [B, K, T] attention weights, not differentiable.
template <class T>
struct EncodedChannels {
  Var<T> reps;
  Tensor<T> alpha;
};

namespace kernels {

// Genes per task, at most. A task's forward product runs in register tiles of up to 6 genes
// (6 rows x 4 packets), so a block of 12 is two tiles; the per-step working set (W_hh^T 16 KB,
// a 6 KB gate tile in float at H = 32) stays in L1. On one thread, blocks of 12 ran B = 32
// faster than blocks of 6 and tied at B = 10 (one block, 10 LSTM tasks at K = 5) and B = 128
// (docs/kernels.md). Blocks depend on B only, never on the thread count.
#ifndef DEEPDIFF_KERNELS_MAX_BLOCK_GENES
#define DEEPDIFF_KERNELS_MAX_BLOCK_GENES 12
#endif
inline constexpr Index kMaxBlockGenes = DEEPDIFF_KERNELS_MAX_BLOCK_GENES;
inline constexpr std::size_t kAlignBytes = 64;

// ---- floating-point environment ----------------------------------------------------------

// Sets FTZ and DAZ for this thread while alive; restores the previous control bits (the
// sticky exception flags raised meanwhile are kept). A no-op where MXCSR does not exist.
class FlushDenormalsScope {
 public:
  FlushDenormalsScope() {
#if DEEPDIFF_KERNELS_HAVE_MXCSR
    saved_ = _mm_getcsr();
    _mm_setcsr(saved_ | kBits);
#endif
  }
  ~FlushDenormalsScope() {
#if DEEPDIFF_KERNELS_HAVE_MXCSR
    _mm_setcsr((_mm_getcsr() & ~kBits) | (saved_ & kBits));
#endif
  }
  FlushDenormalsScope(const FlushDenormalsScope&) = delete;
  FlushDenormalsScope& operator=(const FlushDenormalsScope&) = delete;

 private:
  static constexpr unsigned kBits = 0x8040u;  // FTZ (bit 15) | DAZ (bit 6)
  unsigned saved_ = 0;
};

// ---- aligned, uninitialized, pooled buffers -----------------------------------------------

// Large kernel buffers (the training cache: ~300 KB per gene and channel in float) are kept
// for reuse when released: freshly mapped memory page-faults on first touch, and at B = 32,
// K = 5 that alone tripled the cost of a training forward pass. The pool is process-wide
// and thread-safe; it holds at most kPoolBlocks released blocks and kPoolBytes in all (the
// oldest go first) and release_buffer_pool() frees them. Blocks under kPoolMinBytes bypass it.
class BufferPool {
 public:
  static constexpr std::size_t kPoolBlocks = 16;
  static constexpr std::size_t kPoolBytes = std::size_t(1) << 30;
  static constexpr std::size_t kPoolMinBytes = std::size_t(1) << 16;

  static BufferPool& instance() {
    static BufferPool* pool = new BufferPool();  // never destroyed: tapes may outlive statics
    return *pool;
  }
  // A block of at least `bytes` (a multiple of kAlignBytes); its size goes to *got.
  void* acquire(std::size_t bytes, std::size_t* got) {
    if (bytes >= kPoolMinBytes) {
      std::lock_guard<std::mutex> lock(mutex_);
      std::size_t best = free_.size();
      for (std::size_t i = 0; i < free_.size(); ++i)
        if (free_[i].bytes >= bytes && free_[i].bytes <= 2 * bytes &&
            (best == free_.size() || free_[i].bytes < free_[best].bytes))
          best = i;
      if (best < free_.size()) {
        const Block b = free_[best];
        free_.erase(free_.begin() + static_cast<std::ptrdiff_t>(best));
        held_ -= b.bytes;
        *got = b.bytes;
        return b.ptr;
      }
    }
    void* p = std::aligned_alloc(kAlignBytes, bytes);
    if (!p) throw std::bad_alloc();
    *got = bytes;
    return p;
  }
  void release(void* p, std::size_t bytes) {
    if (bytes < kPoolMinBytes || bytes > kPoolBytes) {
      std::free(p);
      return;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    free_.push_back(Block{p, bytes});
    held_ += bytes;
    while (free_.size() > kPoolBlocks || held_ > kPoolBytes) {
      std::free(free_.front().ptr);
      held_ -= free_.front().bytes;
      free_.erase(free_.begin());
    }
  }
  void clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const Block& b : free_) std::free(b.ptr);
    free_.clear();
    held_ = 0;
  }
  std::size_t held_bytes() {
    std::lock_guard<std::mutex> lock(mutex_);
    return held_;
  }

 private:
  struct Block {
    void* ptr;
    std::size_t bytes;
  };
  std::mutex mutex_;
  std::vector<Block> free_;
  std::size_t held_ = 0;
};

// Frees the blocks the pool holds (kernel buffers in use are not affected).
inline void release_buffer_pool() { BufferPool::instance().clear(); }

// An owning, 64-byte aligned array from the pool, NOT value-initialized (everything is written
// before it is read; debug builds fill it with NaN to check that).
template <class T>
class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  explicit AlignedBuffer(Index n) : n_(n) {
    if (n_ > 0) {
      const std::size_t bytes = (static_cast<std::size_t>(n_) * sizeof(T) + kAlignBytes - 1) / kAlignBytes * kAlignBytes;
      p_ = static_cast<T*>(BufferPool::instance().acquire(bytes, &bytes_));
#if DEEPDIFF_KERNELS_NAN_FILL
      std::fill(p_, p_ + n_, std::numeric_limits<T>::quiet_NaN());
#endif
    }
  }
  ~AlignedBuffer() { reset(); }
  AlignedBuffer(AlignedBuffer&& o) noexcept : p_(o.p_), n_(o.n_), bytes_(o.bytes_) { o.p_ = nullptr; }
  AlignedBuffer& operator=(AlignedBuffer&& o) noexcept {
    if (this != &o) {
      reset();
      p_ = o.p_;
      n_ = o.n_;
      bytes_ = o.bytes_;
      o.p_ = nullptr;
    }
    return *this;
  }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;

  T* data() { return p_; }
  const T* data() const { return p_; }
  Index size() const { return n_; }

 private:
  void reset() {
    if (p_) BufferPool::instance().release(p_, bytes_);
    p_ = nullptr;
  }
  T* p_ = nullptr;
  Index n_ = 0;
  std::size_t bytes_ = 0;
};

// Elements per 64 bytes; tile sizes are rounded up to it.
template <class T>
constexpr Index align_elems() {
  return static_cast<Index>(kAlignBytes / sizeof(T));
}
template <class T>
constexpr Index round_up(Index n) {
  return (n + align_elems<T>() - 1) / align_elems<T>() * align_elems<T>();
}

// ---- Eigen views -------------------------------------------------------------------------

template <class T>
using RowMat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using RowArr = Eigen::Array<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using MatView = Eigen::Map<RowMat<T>>;  // contiguous row-major
template <class T>
using CMatView = Eigen::Map<const RowMat<T>>;
template <class T>
using ArrView = Eigen::Map<RowArr<T>>;
template <class T>
using CArrView = Eigen::Map<const RowArr<T>>;
template <class T>
using StridedArr = Eigen::Map<RowArr<T>, Eigen::Unaligned, Eigen::OuterStride<>>;  // rows of a wider tile
template <class T>
using CStridedArr = Eigen::Map<const RowArr<T>, Eigen::Unaligned, Eigen::OuterStride<>>;
template <class T>
using CRowVec = Eigen::Map<const Eigen::Matrix<T, 1, Eigen::Dynamic>>;
template <class T>
using CColVec = Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, 1>>;
template <class T>
using ColVec = Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, 1>>;
template <class T>
using ColMatView = Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>>;  // column-major
template <class T>
using CColMatView = Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>>;

// In place: x <- 1 / (1 + exp(-x)), vectorized (Eigen's exp, then one division).
template <class T>
inline void sigmoid_inplace(StridedArr<T> x) {
  x = (T(1) + (-x).exp()).inverse();
}
// In place: x <- tanh(x). float: Eigen's vectorized rational tanh; double: std::tanh.
template <class T>
inline void tanh_inplace(StridedArr<T> x) {
  x = x.tanh();
}

// ---- register-tiled products ----------------------------------------------------------------
//
// C[M, N] += A[M, Kd] B[Kd, N]: B and C row-major (leading dimensions ldb, ldc), A(r, k) at
// A[r * ars + k * aks] (so A may be read transposed), N a whole number of packets. Tiles of
// MR rows x NR packets of C stay in registers over the whole Kd loop: per k, NR packet loads
// of B and MR broadcasts of A feed MR*NR fused multiply-adds. Written with Eigen's packet
// primitives, so it vectorizes for whatever SIMD Eigen targets. Unlike Eigen's general GEMM
// it packs nothing per call: at [10, 32] x [32, 128], repacking the weights at every step
// costs about a third of the product. Each element of C is one accumulation chain over k in
// order, so the result depends on nothing but the data.
//
// With `init` the accumulators start from the rank-1 term x_r u + v (x_r = init->x[r *
// init->xs]; u, v of length N) instead of C: the input projection and bias of a step.

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

template <class T, int MR, int NR>
inline void product_tile(const T* A, Index ars, Index aks, const T* B, Index ldb, T* C, Index ldc, Index Kd,
                         const Rank1Init<T>* init, Index col) {
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
  for (Index k = 0; k < Kd; ++k) {
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
// MaxMR = 6 -> 5 + 5: a short leftover tile would waste its loads of B).
template <class T, int NR, int MR = 1>
inline void product_tile_dispatch(Index mr, const T* A, Index ars, Index aks, const T* B, Index ldb, T* C,
                                  Index ldc, Index Kd, const Rank1Init<T>* init, Index col) {
  if constexpr (MR < 12) {
    if (mr != MR) {
      product_tile_dispatch<T, NR, MR + 1>(mr, A, ars, aks, B, ldb, C, ldc, Kd, init, col);
      return;
    }
  }
  product_tile<T, MR, NR>(A, ars, aks, B, ldb, C, ldc, Kd, init, col);
}

template <class T, int NR>
inline void product_panel(Index M, const T* A, Index ars, Index aks, const T* B, Index ldb, T* C, Index ldc,
                          Index Kd, const Rank1Init<T>* init, Index col) {
  // Accumulators MR * NR plus NR loads of B and one broadcast must fit 32 vector registers.
  constexpr Index MaxMR = NR >= 4 ? 6 : 12;
  const Index tiles = (M + MaxMR - 1) / MaxMR;
  for (Index q = 0, r = 0; q < tiles; ++q) {
    const Index mr = M * (q + 1) / tiles - r;
    Rank1Init<T> sub{};
    if (init) {
      sub = *init;
      sub.x = init->x + r * init->xs;
    }
    product_tile_dispatch<T, NR>(mr, A + r * ars, ars, aks, B, ldb, C + r * ldc, ldc, Kd, init ? &sub : nullptr,
                                 col);
    r += mr;
  }
}

// Requires N % packet_size<T>() == 0.
template <class T>
void tiled_product(Index M, Index N, Index Kd, const T* A, Index ars, Index aks, const T* B, Index ldb, T* C,
                   Index ldc, const Rank1Init<T>* init = nullptr) {
  constexpr Index PS = packet_size<T>();
  Index c = 0;
  for (; c + 4 * PS <= N; c += 4 * PS) product_panel<T, 4>(M, A, ars, aks, B + c, ldb, C + c, ldc, Kd, init, c);
  for (; c + 2 * PS <= N; c += 2 * PS) product_panel<T, 2>(M, A, ars, aks, B + c, ldb, C + c, ldc, Kd, init, c);
  for (; c < N; c += PS) product_panel<T, 1>(M, A, ars, aks, B + c, ldb, C + c, ldc, Kd, init, c);
}

// Whether a length-n row is a whole number of packets (the tiled and fused paths need it;
// other shapes take Eigen's GEMM and Eigen array expressions).
template <class T>
constexpr bool whole_packets(Index n) {
  return n % packet_size<T>() == 0;
}

// ---- the plan: blocks and buffer layout ---------------------------------------------------

// Everything about the shapes of one call, and where each task's data lives.
struct Plan {
  Index B = 0, nt = 0, K = 0, H = 0, G = 0;
  Index nblk = 0;
  std::vector<Index> b0, rows;  // gene block j: genes [b0[j], b0[j] + rows[j])
  Index max_rows = 0;

  Plan(Index B_, Index nt_, Index K_, Index H_) : B(B_), nt(nt_), K(K_), H(H_), G(4 * H_) {
    nblk = (B + kMaxBlockGenes - 1) / kMaxBlockGenes;
    // Balanced blocks: sizes differ by at most one.
    for (Index j = 0; j < nblk; ++j) {
      const Index lo = B * j / nblk, hi = B * (j + 1) / nblk;
      b0.push_back(lo);
      rows.push_back(hi - lo);
      max_rows = std::max(max_rows, hi - lo);
    }
  }
  Index lstm_tasks() const { return K * 2 * nblk; }
  Index attention_tasks() const { return K * nblk; }
  Index lstm_task(Index k, Index d, Index j) const { return (k * 2 + d) * nblk + j; }
};

// Per-step tiles of the training cache for a block of Bj genes (element counts, each rounded
// up to 64 bytes so every tile starts aligned).
template <class T>
struct TileSizes {
  Index acts, cell, h;  // [Bj, G], [Bj, H], h region of (T+1) steps [Bj, H] each (contiguous)
  TileSizes(const Plan& p, Index Bj)
      : acts(round_up<T>(Bj * p.G)), cell(round_up<T>(Bj * p.H)), h(round_up<T>((p.nt + 1) * Bj * p.H)) {}
  // One LSTM task's training cache: T gate tiles, T cell tiles, h. tanh(c) is recomputed by
  // the backward pass rather than stored (by the same function).
  Index train(Index nt) const { return nt * (acts + cell) + h; }
};

// Where one LSTM task keeps its activations. h holds T+1 steps contiguously ([(T+1)*Bj, H]):
// step 0 is h_{-1} = 0 and step s+1 is h_s, so that "all h_{s-1}" and "all h_s" are
// contiguous [T*Bj, H] matrices for the weight-gradient and attention products.
// Training: acts and c have one tile per step (stride = tile size). Inference: acts is one
// reused tile (stride 0) and c alternates between two tiles.
template <class T>
struct LstmStore {
  T* acts = nullptr;  // [T][Bj, G] gate activations i, f, g, o
  T* c = nullptr;     // [T][Bj, H] cell states
  T* h = nullptr;     // [(T+1)*Bj, H]
  Index acts_stride = 0, c_stride = 0;
  bool ping_pong = false;  // inference: c tile of step s is (s & 1)

  T* acts_at(Index s) const { return acts + s * acts_stride; }
  T* c_at(Index s) const { return c + (ping_pong ? (s & 1) : s) * c_stride; }
};

// Weights of one direction, as raw pointers into parameter values (row-major as stored).
template <class T>
struct DirWeights {
  const T* w_ih = nullptr;  // [G, 1]
  const T* w_hh = nullptr;  // [G, H]
  const T* b_ih = nullptr;  // [G]
  const T* b_hh = nullptr;  // [G]
};
template <class T>
struct EncWeights {
  DirWeights<T> dir[2];
  const T* context = nullptr;  // [2H, 1]
  std::vector<T> bias[2];      // b_ih + b_hh per direction, [G]
  void combine_biases(Index G) {
    for (int d = 0; d < 2; ++d) {
      bias[d].resize(static_cast<std::size_t>(G));
      for (Index g = 0; g < G; ++g) bias[d][static_cast<std::size_t>(g)] = dir[d].b_ih[g] + dir[d].b_hh[g];
    }
  }
};

// ==========================================================================================
// LSTM forward sweep: one direction of one channel, a block of Bj genes (row b = gene b0+b).
//
//   for s = 0..T-1, t = s (forward) or T-1-s (backward), h_{-1} = c_{-1} = 0:
//     Z_s   = x_t w_ih^T + 1 (b_ih + b_hh)^T     [Bj,1] x [1,G]: input projection (rank 1)
//     Z_s  += h_{s-1} W_hh^T                     [Bj,H] x [H,G]: the one product per step
//     A_s   = [sig(Z_i) sig(Z_f) tanh(Z_g) sig(Z_o)]   gate activations, in place
//     c_s   = f * c_{s-1} + i * g                [Bj,H]
//     tc_s  = tanh(c_s)                          [Bj,H]
//     h_s   = o * tc_s                           [Bj,H]
//   x: the channel, row b at x[b*T + t] (pass x already offset to the block's first gene).
//   Cached for backward (training): A_s, c_s, h_s. WT: workspace [H, G] for W_hh^T.
//
// Input size 1 makes the input projection of a step a rank-1 term; it initializes the
// accumulators of the step's product (tiled path), so the gate tile is written once per step
// instead of once by a [T*Bj, 1] x [1, G] outer product ahead of the loop and again by the
// product. The gate nonlinearities and the cell update are one fused pass over the tile
// (float, H a whole number of packets); other shapes use the same math as Eigen expressions.
// ==========================================================================================

// sigma(z) = 1 / (1 + exp(-z)) on a packet: the same operations as sigmoid_inplace's
// Eigen expression.
template <class T, class P>
inline P psigmoid(const P& z) {
  const P one = Eigen::internal::pset1<P>(T(1));
  return Eigen::internal::pdiv(one, Eigen::internal::padd(one, Eigen::internal::pexp(Eigen::internal::pnegate(z))));
}

// Fused gates + cell update for one step, rows of whole packets: reads the pre-activations
// in a [Bj, G], writes the activations back, and c, h [Bj, H] (c_prev null at s = 0).
template <class T>
inline void gates_cell_fused(T* a, const T* c_prev, T* c, T* h, Index Bj, Index H) {
  using namespace Eigen::internal;
  using P = typename packet_traits<T>::type;
  constexpr Index PS = packet_size<T>();
  const Index G = 4 * H;
  for (Index r = 0; r < Bj; ++r) {
    T* ar = a + r * G;
    for (Index j = 0; j < H; j += PS) {
      const P i = psigmoid<T>(ploadu<P>(ar + j));
      const P f = psigmoid<T>(ploadu<P>(ar + H + j));
      const P g = ptanh(ploadu<P>(ar + 2 * H + j));
      const P o = psigmoid<T>(ploadu<P>(ar + 3 * H + j));
      pstoreu(ar + j, i);
      pstoreu(ar + H + j, f);
      pstoreu(ar + 2 * H + j, g);
      pstoreu(ar + 3 * H + j, o);
      const Index q = r * H + j;
      const P cn = c_prev ? pmadd(f, ploadu<P>(c_prev + q), pmul(i, g)) : pmul(i, g);
      const P t = ptanh(cn);
      pstoreu(c + q, cn);
      pstoreu(h + q, pmul(o, t));
    }
  }
}

template <class T>
constexpr bool has_fused_gates() {
  return Eigen::internal::packet_traits<T>::Vectorizable && Eigen::internal::packet_traits<T>::HasExp &&
         Eigen::internal::packet_traits<T>::HasTanh;
}

// The fused path's sigma and tanh applied to n values (n a whole number of packets); for
// measuring their error against std (tests/test_kernels.cpp). Only where has_fused_gates<T>().
template <class T>
void fused_sigmoid(const T* x, T* y, Index n) {
  using P = typename Eigen::internal::packet_traits<T>::type;
  for (Index q = 0; q < n; q += packet_size<T>())
    Eigen::internal::pstoreu(y + q, psigmoid<T>(Eigen::internal::ploadu<P>(x + q)));
}
template <class T>
void fused_tanh(const T* x, T* y, Index n) {
  using P = typename Eigen::internal::packet_traits<T>::type;
  for (Index q = 0; q < n; q += packet_size<T>())
    Eigen::internal::pstoreu(y + q, Eigen::internal::ptanh(Eigen::internal::ploadu<P>(x + q)));
}

template <class T>
void lstm_forward_sweep(const T* x, Index nt, Index Bj, Index H, const DirWeights<T>& w, const T* bias,
                        bool reverse, const LstmStore<T>& st, T* WT) {
  const Index G = 4 * H;
  const bool tiled = whole_packets<T>(G);
  const bool fused = has_fused_gates<T>() && whole_packets<T>(H);
  CRowVec<T> w_ih(w.w_ih, G);
  CRowVec<T> b(bias, G);
  if (tiled) MatView<T>(WT, H, G) = CMatView<T>(w.w_hh, G, H).transpose();  // W_hh^T, packed once
  std::fill(st.h, st.h + Bj * H, T(0));  // h_{-1}
  for (Index s = 0; s < nt; ++s) {
    const Index t = reverse ? nt - 1 - s : s;
    T* a = st.acts_at(s);
    const T* h_prev = st.h + s * Bj * H;
    if (tiled) {
      const Rank1Init<T> init{x + t, nt, w.w_ih, bias};
      tiled_product<T>(Bj, G, H, h_prev, H, 1, WT, G, a, G, &init);
    } else {
      MatView<T> Z(a, Bj, G);
      for (Index r = 0; r < Bj; ++r) Z.row(r) = x[r * nt + t] * w_ih + b;
      Z.noalias() += CMatView<T>(h_prev, Bj, H) * CMatView<T>(w.w_hh, G, H).transpose();
    }
    T* h = st.h + (s + 1) * Bj * H;
    if constexpr (has_fused_gates<T>()) {
      if (fused) {
        gates_cell_fused<T>(a, s == 0 ? nullptr : st.c_at(s - 1), st.c_at(s), h, Bj, H);
        continue;
      }
    }
    sigmoid_inplace<T>(StridedArr<T>(a, Bj, 2 * H, Eigen::OuterStride<>(G)));      // i, f
    tanh_inplace<T>(StridedArr<T>(a + 2 * H, Bj, H, Eigen::OuterStride<>(G)));     // g
    sigmoid_inplace<T>(StridedArr<T>(a + 3 * H, Bj, H, Eigen::OuterStride<>(G)));  // o
    CStridedArr<T> i(a, Bj, H, Eigen::OuterStride<>(G));
    CStridedArr<T> f(a + H, Bj, H, Eigen::OuterStride<>(G));
    CStridedArr<T> g(a + 2 * H, Bj, H, Eigen::OuterStride<>(G));
    CStridedArr<T> o(a + 3 * H, Bj, H, Eigen::OuterStride<>(G));
    ArrView<T> c(st.c_at(s), Bj, H);
    if (s == 0) {
      c = i * g;
    } else {
      CArrView<T> c_prev(st.c_at(s - 1), Bj, H);
      c = f * c_prev + i * g;
    }
    ArrView<T>(h, Bj, H) = o * c.tanh();
  }
}

// ==========================================================================================
// Attention forward: one channel, both directions, a block of Bj genes.
//   e_t   = h^f_t w^f + h^b_t w^b               [Bj]   (h_t = [h^f_t, h^b_t], w = [w^f; w^b])
//   alpha = softmax over t of e, max-shifted     [Bj, T]
//   r     = sum_t alpha_t h_t                    [Bj, 2H], summed in order t = 0..T-1
//   hf, hb: the h regions of the two directions (step s of direction 1 is bin T-1-s).
//   scores: workspace [T, Bj] column-major (Bj x T). Writes alpha (row b at alpha_out +
//   b*alpha_ld, T values) and r (row b at rep_out + b*rep_ld, 2H values).
// ==========================================================================================
template <class T>
void attention_forward_block(const T* hf, const T* hb, Index nt, Index Bj, Index H, const T* context, T* scores,
                             T* alpha_out, Index alpha_ld, T* rep_out, Index rep_ld) {
  CColVec<T> wf(context, H), wb(context + H, H);
  ColMatView<T> E(scores, Bj, nt);  // E(b, t), column t contiguous
  for (Index t = 0; t < nt; ++t) {
    CMatView<T> Hf(hf + (t + 1) * Bj * H, Bj, H);
    CMatView<T> Hb(hb + (nt - t) * Bj * H, Bj, H);
    E.col(t).noalias() = Hf * wf;
    E.col(t).noalias() += Hb * wb;
  }
  for (Index r = 0; r < Bj; ++r) {
    const T m = E.row(r).maxCoeff();
    E.row(r) = (E.row(r).array() - m).exp().matrix();
    E.row(r) /= E.row(r).sum();
    for (Index t = 0; t < nt; ++t) alpha_out[r * alpha_ld + t] = E(r, t);
  }
  Eigen::Map<RowArr<T>, Eigen::Unaligned, Eigen::OuterStride<>> R(rep_out, Bj, 2 * H, Eigen::OuterStride<>(rep_ld));
  for (Index t = 0; t < nt; ++t) {
    CArrView<T> Hf(hf + (t + 1) * Bj * H, Bj, H);
    CArrView<T> Hb(hb + (nt - t) * Bj * H, Bj, H);
    if (t == 0) {
      R.leftCols(H) = Hf.colwise() * E.col(0).array();
      R.rightCols(H) = Hb.colwise() * E.col(0).array();
    } else {
      R.leftCols(H) += Hf.colwise() * E.col(t).array();
      R.rightCols(H) += Hb.colwise() * E.col(t).array();
    }
  }
}

// ==========================================================================================
// Attention backward: one channel, a block of Bj genes; dr = d loss / d r [Bj, 2H] (row b at
// dr + b*dr_ld).
//   da_t = dr . h_t                             [Bj]
//   de_t = alpha_t (da_t - sum_u alpha_u da_u)   [Bj]   (softmax backward)
// Writes de [Bj, T] (row b at de + b*de_ld). The rest of the attention backward belongs to
// one direction each and runs inside the LSTM backward task:
//   dh^d_t += alpha_t dr^d + de_t w^d   and   dw^d = sum_{t,b} de_t h^d_t.
// ==========================================================================================
template <class T>
void attention_backward_block(const T* hf, const T* hb, Index nt, Index Bj, Index H, const T* alpha, Index alpha_ld,
                              const T* dr, Index dr_ld, T* de, Index de_ld) {
  Eigen::Map<const RowArr<T>, Eigen::Unaligned, Eigen::OuterStride<>> dR(dr, Bj, 2 * H, Eigen::OuterStride<>(dr_ld));
  for (Index t = 0; t < nt; ++t) {
    CArrView<T> Hf(hf + (t + 1) * Bj * H, Bj, H);
    CArrView<T> Hb(hb + (nt - t) * Bj * H, Bj, H);
    for (Index r = 0; r < Bj; ++r)
      de[r * de_ld + t] = (Hf.row(r) * dR.row(r).leftCols(H)).sum() + (Hb.row(r) * dR.row(r).rightCols(H)).sum();
  }
  for (Index r = 0; r < Bj; ++r) {
    Eigen::Map<const Eigen::Array<T, 1, Eigen::Dynamic>> a(alpha + r * alpha_ld, nt);
    Eigen::Map<Eigen::Array<T, 1, Eigen::Dynamic>> e(de + r * de_ld, nt);
    const T dot = (a * e).sum();
    e = a * (e - dot);
  }
}

// ==========================================================================================
// LSTM backward sweep: one direction of one channel, a block of Bj genes.
//   Injected from attention at bin t:  dh_t = alpha_t dr^d + de_t w^d          [Bj,H]
//   for s = T-1..0 (t as in the forward), dc = 0 and dZ_T = 0 to start:
//     dh    = dh_t + dZ_{s+1} W_hh                    [Bj,G] x [G,H]: the one product per step
//     dc   += dh * o * (1 - tc_s^2)
//     dZ_o  = dh * tc_s * o (1 - o)
//     dZ_i  = dc * g * i (1 - i)
//     dZ_f  = dc * c_{s-1} * f (1 - f)                (0 at s = 0)
//     dZ_g  = dc * i * (1 - g^2)
//     dc    = dc * f                                  (carried to step s-1)
//   Then, once over all steps (rows s*Bj + b of [T*Bj, .] matrices), one product each:
//     dW_hh^T      = [h_{-1}; ...; h_{T-2}]^T dZ       [H, T*Bj] x [T*Bj, G]
//     [dw_ih; db]  = [x | 1]^T dZ                      [2, T*Bj] x [T*Bj, G]  (db: b_ih and b_hh)
//     dw^d         = de^T [h_0; ...; h_{T-1}]          [1, T*Bj] x [T*Bj, H]  (context, this half)
//   Writes (assigns) the task's gradient block:
//     grad = [dW_hh^T (H*G, row-major [H, G]) | dw_ih (G) | db (G) | dw^d (H)].
//   tc_s = tanh(c_s) is recomputed from the cached c_s.
//   Workspace: dz [T*Bj*G], u [T*Bj*2], ev [T*Bj], dh [Bj*H], dc [Bj*H], tc [Bj*H].
// ==========================================================================================
template <class T>
struct BackwardWorkspace {
  T* dz = nullptr;
  T* u = nullptr;
  T* ev = nullptr;
  T* dh = nullptr;
  T* dc = nullptr;
  T* tc = nullptr;
  static Index size(Index nt, Index Bmax, Index H) {
    const Index G = 4 * H;
    return round_up<T>(nt * Bmax * G) + round_up<T>(nt * Bmax * 2) + round_up<T>(nt * Bmax) + 3 * round_up<T>(Bmax * H);
  }
  BackwardWorkspace(T* base, Index nt, Index Bmax, Index H) {
    const Index G = 4 * H;
    dz = base;
    u = dz + round_up<T>(nt * Bmax * G);
    ev = u + round_up<T>(nt * Bmax * 2);
    dh = ev + round_up<T>(nt * Bmax);
    dc = dh + round_up<T>(Bmax * H);
    tc = dc + round_up<T>(Bmax * H);
  }
};

// tc = tanh(c) over a [Bj, H] tile, by the same function the forward pass used.
template <class T>
inline void tanh_tile(const T* c, T* tc, Index Bj, Index H) {
  if constexpr (has_fused_gates<T>()) {
    if (whole_packets<T>(H)) {
      fused_tanh<T>(c, tc, Bj * H);
      return;
    }
  }
  ArrView<T>(tc, Bj, H) = CArrView<T>(c, Bj, H).tanh();
}

// Fused cell and gate deltas for one step, rows of whole packets (c_prev null at s = 0).
template <class T>
inline void gate_deltas_fused(const T* a, const T* tc, const T* c_prev, const T* dh, T* dc, T* dz, Index Bj,
                              Index H) {
  using namespace Eigen::internal;
  using P = typename packet_traits<T>::type;
  constexpr Index PS = packet_size<T>();
  const Index G = 4 * H;
  const P one = pset1<P>(T(1));
  for (Index r = 0; r < Bj; ++r) {
    const T* ar = a + r * G;
    T* zr = dz + r * G;
    for (Index j = 0; j < H; j += PS) {
      const Index q = r * H + j;
      const P i = ploadu<P>(ar + j), f = ploadu<P>(ar + H + j), g = ploadu<P>(ar + 2 * H + j);
      const P o = ploadu<P>(ar + 3 * H + j), t = ploadu<P>(tc + q), d = ploadu<P>(dh + q);
      const P c = padd(ploadu<P>(dc + q), pmul(pmul(d, o), psub(one, pmul(t, t))));
      pstoreu(zr + 3 * H + j, pmul(pmul(d, t), pmul(o, psub(one, o))));
      pstoreu(zr + j, pmul(pmul(c, g), pmul(i, psub(one, i))));
      pstoreu(zr + H + j, c_prev ? pmul(pmul(c, ploadu<P>(c_prev + q)), pmul(f, psub(one, f))) : pzero(one));
      pstoreu(zr + 2 * H + j, pmul(pmul(c, i), psub(one, pmul(g, g))));
      pstoreu(dc + q, pmul(c, f));
    }
  }
}

template <class T>
void lstm_backward_sweep(const T* x, Index nt, Index Bj, Index H, const DirWeights<T>& w, const T* w_ctx_d,
                         bool reverse, const LstmStore<T>& st, const T* alpha, Index alpha_ld, const T* dr,
                         Index dr_ld, const T* de, Index de_ld, const BackwardWorkspace<T>& ws, T* grad) {
  const Index G = 4 * H;
  const bool tiled_h = whole_packets<T>(H), tiled_g = whole_packets<T>(G);
  CRowVec<T> wd(w_ctx_d, H);
  MatView<T> dH(ws.dh, Bj, H);
  ArrView<T> dC(ws.dc, Bj, H);
  dC.setZero();
  for (Index s = nt - 1; s >= 0; --s) {
    const Index t = reverse ? nt - 1 - s : s;
    const T* a = st.acts_at(s);
    T* dz_s = ws.dz + s * Bj * G;

    // The attention's injection at bin t, then the recurrent part.
    for (Index r = 0; r < Bj; ++r)
      dH.row(r) = alpha[r * alpha_ld + t] * CRowVec<T>(dr + r * dr_ld, H) + de[r * de_ld + t] * wd;
    if (s < nt - 1) {
      const T* dz_next = ws.dz + (s + 1) * Bj * G;
      if (tiled_h)
        tiled_product<T>(Bj, H, G, dz_next, G, 1, w.w_hh, H, ws.dh, H);
      else
        dH.noalias() += CMatView<T>(dz_next, Bj, G) * CMatView<T>(w.w_hh, G, H);
    }
    tanh_tile<T>(st.c_at(s), ws.tc, Bj, H);
    if (tiled_h) {
      gate_deltas_fused<T>(a, ws.tc, s > 0 ? st.c_at(s - 1) : nullptr, ws.dh, ws.dc, dz_s, Bj, H);
      continue;
    }
    CStridedArr<T> i(a, Bj, H, Eigen::OuterStride<>(G));
    CStridedArr<T> f(a + H, Bj, H, Eigen::OuterStride<>(G));
    CStridedArr<T> g(a + 2 * H, Bj, H, Eigen::OuterStride<>(G));
    CStridedArr<T> o(a + 3 * H, Bj, H, Eigen::OuterStride<>(G));
    CArrView<T> tc(ws.tc, Bj, H);
    StridedArr<T> dZi(dz_s, Bj, H, Eigen::OuterStride<>(G));
    StridedArr<T> dZf(dz_s + H, Bj, H, Eigen::OuterStride<>(G));
    StridedArr<T> dZg(dz_s + 2 * H, Bj, H, Eigen::OuterStride<>(G));
    StridedArr<T> dZo(dz_s + 3 * H, Bj, H, Eigen::OuterStride<>(G));
    const Eigen::ArrayWrapper<MatView<T>> dh = dH.array();
    dC += dh * o * (T(1) - tc.square());
    dZo = dh * tc * o * (T(1) - o);
    dZi = dC * g * i * (T(1) - i);
    if (s > 0) {
      CArrView<T> c_prev(st.c_at(s - 1), Bj, H);
      dZf = dC * c_prev * f * (T(1) - f);
    } else {
      dZf.setZero();
    }
    dZg = dC * i * (T(1) - g.square());
    dC *= f;
  }

  // Weight gradients: one product each over all T*Bj rows.
  const Index n = nt * Bj;
  T* u = ws.u;  // [n, 2]: x, 1
  T* ev = ws.ev;
  for (Index s = 0; s < nt; ++s) {
    const Index t = reverse ? nt - 1 - s : s;
    for (Index r = 0; r < Bj; ++r) {
      u[2 * (s * Bj + r)] = x[r * nt + t];
      u[2 * (s * Bj + r) + 1] = T(1);
      ev[s * Bj + r] = de[r * de_ld + t];
    }
  }
  T* dWT = grad;                 // [H, G]
  T* dWb = grad + G * H;         // [2, G]: dw_ih, db
  T* dw = grad + G * H + 2 * G;  // [H]
  const T* h_prev = st.h;        // [n, H]: h_{s-1}
  const T* h_next = st.h + Bj * H;  // [n, H]: h_s
  if (tiled_g) {
    std::fill(grad, grad + G * H + 2 * G, T(0));
    tiled_product<T>(H, G, n, h_prev, 1, H, ws.dz, G, dWT, G);
    tiled_product<T>(2, G, n, u, 1, 2, ws.dz, G, dWb, G);
  } else {
    CMatView<T> dZ(ws.dz, n, G);
    MatView<T>(dWT, H, G).noalias() = CMatView<T>(h_prev, n, H).transpose() * dZ;
    MatView<T>(dWb, 2, G).noalias() = CMatView<T>(u, n, 2).transpose() * dZ;
  }
  if (tiled_h) {
    std::fill(dw, dw + H, T(0));
    tiled_product<T>(1, H, n, ev, 1, 1, h_next, H, dw, H);
  } else {
    ColVec<T>(dw, H).noalias() = CMatView<T>(h_next, n, H).transpose() * CColVec<T>(ev, n);
  }
}

// ==========================================================================================
// Drivers over all tasks.
// ==========================================================================================

// Per-call state kept for backward: the plan, the cache, the inputs it needs.
template <class T>
struct EncoderCache {
  Plan plan;
  std::vector<Index> task_offset;  // into `data`, per LSTM task
  AlignedBuffer<T> data;
  std::vector<AlignedVector<T>> x;  // the channels, [B, T] each
  Tensor<T> alpha;               // [B, K, T]
  explicit EncoderCache(Plan p) : plan(std::move(p)) {}
};

inline int max_threads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}
inline int thread_id() {
#ifdef _OPENMP
  return omp_get_thread_num();
#else
  return 0;
#endif
}

// Forward over all channels. With `cache` (training) every LSTM task keeps its activations in
// the cache; without (inference) only h is kept, in `hstore`, and a per-thread scratch tile
// set is reused across steps. Both run the same sweep on tiles with the same alignment.
template <class T>
void encode_forward(const Plan& p, const std::vector<const EncWeights<T>*>& enc, const std::vector<const T*>& x,
                    EncoderCache<T>* cache, T* reps, T* alpha) {
  const Index H = p.H, nt = p.nt;
  const Index ntask = p.lstm_tasks();
  // Task regions: training -> the cache; inference -> h only.
  std::vector<Index> offset(static_cast<std::size_t>(ntask) + 1, 0);
  for (Index k = 0; k < p.K; ++k)
    for (Index d = 0; d < 2; ++d)
      for (Index j = 0; j < p.nblk; ++j) {
        const TileSizes<T> ts(p, p.rows[static_cast<std::size_t>(j)]);
        const Index task = p.lstm_task(k, d, j);
        offset[static_cast<std::size_t>(task) + 1] = cache ? ts.train(nt) : ts.h;
      }
  for (std::size_t i = 1; i < offset.size(); ++i) offset[i] += offset[i - 1];
  AlignedBuffer<T> hstore;
  T* base = nullptr;
  if (cache) {
    cache->data = AlignedBuffer<T>(offset.back());
    cache->task_offset = offset;
    base = cache->data.data();
  } else {
    hstore = AlignedBuffer<T>(offset.back());
    base = hstore.data();
  }
  const int nth = max_threads();
  const Index Bm = p.max_rows;
  const TileSizes<T> tmax(p, Bm);
  // Per thread: W_hh^T [H, G], inference tiles (acts, 2 x c), attention scores [Bm, T].
  const Index wt_size = round_up<T>(H * p.G);
  const Index tiles = cache ? 0 : tmax.acts + 2 * tmax.cell;
  const Index scratch_each = wt_size + tiles + round_up<T>(Bm * nt);
  AlignedBuffer<T> scratch(scratch_each * nth);

  auto region = [&](Index k, Index d, Index j, LstmStore<T>& st, T* thread_scratch) {
    const Index Bj = p.rows[static_cast<std::size_t>(j)];
    const TileSizes<T> ts(p, Bj);
    T* r = base + offset[static_cast<std::size_t>(p.lstm_task(k, d, j))];
    if (cache) {
      st.acts = r;
      st.c = r + nt * ts.acts;
      st.h = st.c + nt * ts.cell;
      st.acts_stride = ts.acts;
      st.c_stride = ts.cell;
      st.ping_pong = false;
    } else {
      st.h = r;
      st.acts = thread_scratch + wt_size;
      st.c = st.acts + tmax.acts;
      st.acts_stride = 0;
      st.c_stride = tmax.cell;
      st.ping_pong = true;
    }
  };

#pragma omp parallel
  {
    FlushDenormalsScope ftz;
    T* mine = scratch.data() + scratch_each * thread_id();
#pragma omp for schedule(dynamic, 1)
    for (Index task = 0; task < ntask; ++task) {
      const Index j = task % p.nblk, kd = task / p.nblk, d = kd % 2, k = kd / 2;
      LstmStore<T> st;
      region(k, d, j, st, mine);
      const EncWeights<T>& w = *enc[static_cast<std::size_t>(k)];
      const Index b0 = p.b0[static_cast<std::size_t>(j)];
      lstm_forward_sweep<T>(x[static_cast<std::size_t>(k)] + b0 * nt, nt, p.rows[static_cast<std::size_t>(j)], H,
                            w.dir[d], w.bias[d].data(), d == 1, st, mine);
    }
#pragma omp for schedule(dynamic, 1)
    for (Index task = 0; task < p.attention_tasks(); ++task) {
      const Index j = task % p.nblk, k = task / p.nblk;
      const Index b0 = p.b0[static_cast<std::size_t>(j)];
      LstmStore<T> sf, sb;
      region(k, 0, j, sf, mine);
      region(k, 1, j, sb, mine);
      T* scores = mine + wt_size + tiles;
      attention_forward_block<T>(sf.h, sb.h, nt, p.rows[static_cast<std::size_t>(j)], H,
                                 enc[static_cast<std::size_t>(k)]->context, scores, alpha + (b0 * p.K + k) * nt,
                                 p.K * nt, reps + b0 * p.K * 2 * H + k * 2 * H, p.K * 2 * H);
    }
  }
}

// Backward over all channels: gradient blocks per LSTM task, grad_reps [B, K*2H].
// grads: ntask blocks of (G*H + 2G + H), assigned.
template <class T>
void encode_backward(const EncoderCache<T>& cache, const std::vector<const EncWeights<T>*>& enc,
                     const T* grad_reps, T* grads) {
  const Plan& p = cache.plan;
  const Index H = p.H, G = p.G, nt = p.nt, K = p.K;
  const Index P = G * H + 2 * G + H;
  AlignedBuffer<T> de(p.K * p.B * nt);  // [K][B, T]
  const int nth = max_threads();
  const Index ws_each = BackwardWorkspace<T>::size(nt, p.max_rows, H);
  AlignedBuffer<T> ws_all(ws_each * nth);
  const T* base = cache.data.data();

  auto store_of = [&](Index k, Index d, Index j) {
    const Index Bj = p.rows[static_cast<std::size_t>(j)];
    const TileSizes<T> ts(p, Bj);
    const T* r = base + cache.task_offset[static_cast<std::size_t>(p.lstm_task(k, d, j))];
    LstmStore<T> st;
    st.acts = const_cast<T*>(r);
    st.c = st.acts + nt * ts.acts;
    st.h = st.c + nt * ts.cell;
    st.acts_stride = ts.acts;
    st.c_stride = ts.cell;
    return st;
  };
  const T* alpha = cache.alpha.data();

#pragma omp parallel
  {
    FlushDenormalsScope ftz;
    const BackwardWorkspace<T> ws(ws_all.data() + ws_each * thread_id(), nt, p.max_rows, H);
#pragma omp for schedule(dynamic, 1)
    for (Index task = 0; task < p.attention_tasks(); ++task) {
      const Index j = task % p.nblk, k = task / p.nblk;
      const Index b0 = p.b0[static_cast<std::size_t>(j)];
      const LstmStore<T> sf = store_of(k, 0, j), sb = store_of(k, 1, j);
      attention_backward_block<T>(sf.h, sb.h, nt, p.rows[static_cast<std::size_t>(j)], H, alpha + (b0 * K + k) * nt,
                                  K * nt, grad_reps + b0 * K * 2 * H + k * 2 * H, K * 2 * H,
                                  de.data() + (k * p.B + b0) * nt, nt);
    }
#pragma omp for schedule(dynamic, 1)
    for (Index task = 0; task < p.lstm_tasks(); ++task) {
      const Index j = task % p.nblk, kd = task / p.nblk, d = kd % 2, k = kd / 2;
      const Index b0 = p.b0[static_cast<std::size_t>(j)];
      const EncWeights<T>& w = *enc[static_cast<std::size_t>(k)];
      lstm_backward_sweep<T>(cache.x[static_cast<std::size_t>(k)].data() + b0 * nt, nt,
                             p.rows[static_cast<std::size_t>(j)], H, w.dir[d], w.context + d * H, d == 1,
                             store_of(k, d, j), alpha + (b0 * K + k) * nt, K * nt,
                             grad_reps + b0 * K * 2 * H + k * 2 * H + d * H, K * 2 * H,
                             de.data() + (k * p.B + b0) * nt, nt, ws, grads + task * P);
    }
  }
}

// Weight pointers of K channels from the tape values of their 9 parameter leaves each
// (w_ih, w_hh, b_ih, b_hh forward, the same reverse, context), with the biases combined.
template <class T>
std::vector<EncWeights<T>> bind_weights(const Tape<T>& tp, const std::vector<int>& ids, Index K) {
  std::vector<EncWeights<T>> ws(static_cast<std::size_t>(K));
  for (std::size_t k = 0; k < ws.size(); ++k) {
    EncWeights<T>& w = ws[k];
    for (std::size_t d = 0; d < 2; ++d) {
      w.dir[d].w_ih = tp.value(ids[k * 9 + 4 * d]).data();
      w.dir[d].w_hh = tp.value(ids[k * 9 + 4 * d + 1]).data();
      w.dir[d].b_ih = tp.value(ids[k * 9 + 4 * d + 2]).data();
      w.dir[d].b_hh = tp.value(ids[k * 9 + 4 * d + 3]).data();
    }
    w.context = tp.value(ids[k * 9 + 8]).data();
    w.combine_biases(tp.value(ids[k * 9]).size());
  }
  return ws;
}

// Shapes and consistency of a call; returns H.
template <class T>
Index check_call(const ParameterStore<T>& store, const std::vector<Encoder>& encoders,
                 const std::vector<Tensor<T>>& channels, const char* who) {
  const std::string w(who);
  if (encoders.empty() || encoders.size() != channels.size())
    throw std::invalid_argument(w + ": " + std::to_string(encoders.size()) + " encoders for " +
                                std::to_string(channels.size()) + " channels");
  const Index H = encoders[0].rnn.hidden;
  if (H <= 0) throw std::invalid_argument(w + ": hidden size " + std::to_string(H));
  const Shape& s0 = channels[0].shape();
  if (channels[0].rank() != 2 || s0[0] < 1 || s0[1] < 1)
    throw std::invalid_argument(w + ": channel 0 has shape " + shape_string(s0) + ", want [B, T] with B, T >= 1");
  for (std::size_t k = 0; k < encoders.size(); ++k) {
    const Encoder& e = encoders[k];
    if (e.rnn.input != 1 || e.rnn.hidden != H || e.attention.dim != 2 * H)
      throw std::invalid_argument(w + ": encoder " + std::to_string(k) + " is not a level-1 encoder (input 1, hidden " +
                                  std::to_string(H) + ", attention " + std::to_string(2 * H) + ")");
    if (channels[k].shape() != s0)
      throw std::invalid_argument(w + ": channel " + std::to_string(k) + " has shape " +
                                  shape_string(channels[k].shape()) + ", channel 0 " + shape_string(s0));
    const Index G = 4 * H;
    for (const LSTMDirection* d : {&e.rnn.fwd, &e.rnn.bwd})
      if (store.info(d->w_ih).size != G || store.info(d->w_hh).size != G * H || store.info(d->b_ih).size != G ||
          store.info(d->b_hh).size != G)
        throw std::invalid_argument(w + ": encoder " + std::to_string(k) + " has parameters of unexpected size");
    if (store.info(e.attention.context).size != 2 * H)
      throw std::invalid_argument(w + ": encoder " + std::to_string(k) + " has a context vector of unexpected size");
  }
  return H;
}

}  // namespace kernels

// ==========================================================================================
// Public API
// ==========================================================================================

// K level-1 encoders in one autograd node; encoders[k] reads channels[k] ([B, T]).
// The node's inputs are the parameter leaves (store.var); each distinct parameter receives
// the sum of its gradients over the channels that use it, added in channel order k = 0..K-1
// (then direction, then gene block). No gradient flows to the channels (they are data).
template <class T>
EncodedChannels<T> encode_channels_fused(Tape<T>& tape, ParameterStore<T>& store, const std::vector<Encoder>& encoders,
                                         const std::vector<Tensor<T>>& channels) {
  const Index H = kernels::check_call(store, encoders, channels, "encode_channels_fused");
  const Index K = static_cast<Index>(encoders.size()), B = channels[0].dim(0), nt = channels[0].dim(1);
  const Index G = 4 * H;

  // Parameter leaves, 9 per channel (shared encoders give the same leaves).
  std::vector<Var<T>> inputs;
  std::vector<int> ids(static_cast<std::size_t>(K) * 9);
  for (Index k = 0; k < K; ++k) {
    const Encoder& e = encoders[static_cast<std::size_t>(k)];
    const Index pid[9] = {e.rnn.fwd.w_ih, e.rnn.fwd.w_hh, e.rnn.fwd.b_ih, e.rnn.fwd.b_hh, e.rnn.bwd.w_ih,
                          e.rnn.bwd.w_hh, e.rnn.bwd.b_ih, e.rnn.bwd.b_hh, e.attention.context};
    for (int q = 0; q < 9; ++q) {
      Var<T> v = store.var(tape, pid[q]);
      ids[static_cast<std::size_t>(k * 9 + q)] = v.id;
      inputs.push_back(v);
    }
  }
  std::vector<kernels::EncWeights<T>> weights = kernels::bind_weights(tape, ids, K);
  std::vector<const kernels::EncWeights<T>*> wp;
  for (const kernels::EncWeights<T>& w : weights) wp.push_back(&w);

  auto cache = std::make_shared<kernels::EncoderCache<T>>(kernels::Plan(B, nt, K, H));
  std::vector<const T*> xp;
  for (const Tensor<T>& c : channels) {
    cache->x.emplace_back(c.data(), c.data() + c.size());
    xp.push_back(cache->x.back().data());
  }
  Tensor<T> reps(Shape{B, K * 2 * H}, T(0));
  cache->alpha = Tensor<T>(Shape{B, K, nt}, T(0));
#if DEEPDIFF_KERNELS_NAN_FILL
  reps.fill(std::numeric_limits<T>::quiet_NaN());
  cache->alpha.fill(std::numeric_limits<T>::quiet_NaN());
#endif
  kernels::encode_forward<T>(cache->plan, wp, xp, cache.get(), reps.data(), cache->alpha.data());
  Tensor<T> alpha = cache->alpha;

  Var<T> out = tape.record(std::move(reps), inputs, [cache, ids, G](Tape<T>& tp, const Tensor<T>& g) {
    const kernels::Plan& p = cache->plan;
    // The weights as the tape holds them (the values the forward pass used).
    const std::vector<kernels::EncWeights<T>> ws = kernels::bind_weights(tp, ids, p.K);
    std::vector<const kernels::EncWeights<T>*> wp2;
    for (const kernels::EncWeights<T>& w : ws) wp2.push_back(&w);
    const Index Hh = p.H, P = G * Hh + 2 * G + Hh;
    kernels::AlignedBuffer<T> grads(p.lstm_tasks() * P);
    kernels::encode_backward<T>(*cache, wp2, g.data(), grads.data());
    // Fixed-order reduction: channel k, direction d, gene block j.
    for (Index k = 0; k < p.K; ++k)
      for (Index d = 0; d < 2; ++d)
        for (Index j = 0; j < p.nblk; ++j) {
          const T* gb = grads.data() + p.lstm_task(k, d, j) * P;
          const std::size_t q = static_cast<std::size_t>(k * 9 + 4 * d);
          tp.grad(ids[q + 1]).matrix() += ConstMatrixMap<T>(gb, Hh, G).transpose();  // W_hh [G, H]
          tp.grad(ids[q]).vec() += ConstVectorMap<T>(gb + G * Hh, G);             // w_ih [G, 1]
          tp.grad(ids[q + 2]).vec() += ConstVectorMap<T>(gb + G * Hh + G, G);     // b_ih
          tp.grad(ids[q + 3]).vec() += ConstVectorMap<T>(gb + G * Hh + G, G);     // b_hh
          tp.grad(ids[static_cast<std::size_t>(k * 9 + 8)]).vec().segment(d * Hh, Hh) +=
              ConstVectorMap<T>(gb + G * Hh + 2 * G, Hh);                          // context half d
        }
  });
  return {out, std::move(alpha)};
}

// The reference: encoder_forward per channel (composed autograd ops) and concat_cols.
template <class T>
EncodedChannels<T> encode_channels_composed(Tape<T>& tape, ParameterStore<T>& store,
                                            const std::vector<Encoder>& encoders,
                                            const std::vector<Tensor<T>>& channels) {
  kernels::check_call(store, encoders, channels, "encode_channels_composed");
  const Index K = static_cast<Index>(encoders.size()), B = channels[0].dim(0), nt = channels[0].dim(1);
  std::vector<Var<T>> reps;
  Tensor<T> alpha(Shape{B, K, nt});
  for (Index k = 0; k < K; ++k) {
    const Tensor<T>& ch = channels[static_cast<std::size_t>(k)];
    std::vector<Var<T>> xs;
    for (Index t = 0; t < nt; ++t) {
      Tensor<T> col(Shape{B, 1});
      for (Index b = 0; b < B; ++b) col[b] = ch(b, t);
      xs.push_back(tape.constant(std::move(col)));
    }
    Pooled<T> p = encoder_forward(tape, store, encoders[static_cast<std::size_t>(k)], xs);
    reps.push_back(p.rep);
    for (Index b = 0; b < B; ++b)
      for (Index t = 0; t < nt; ++t) alpha(b, k, t) = p.alpha.value()(b, t);
  }
  return {concat_cols(reps), std::move(alpha)};
}

// Inference: the fused forward without a cache (only h is kept, for the attention); reps
// [B, K*2H] and alpha [B, K, T] are resized and overwritten. Bit-identical to the forward of
// encode_channels_fused.
template <class T>
void encode_channels_inference(const ParameterStore<T>& store, const std::vector<Encoder>& encoders,
                               const std::vector<Tensor<T>>& channels, Tensor<T>& reps, Tensor<T>& alpha) {
  const Index H = kernels::check_call(store, encoders, channels, "encode_channels_inference");
  const Index K = static_cast<Index>(encoders.size()), B = channels[0].dim(0), nt = channels[0].dim(1);
  std::vector<kernels::EncWeights<T>> ws(static_cast<std::size_t>(K));
  std::vector<const kernels::EncWeights<T>*> wp;
  for (Index k = 0; k < K; ++k) {
    const Encoder& e = encoders[static_cast<std::size_t>(k)];
    kernels::EncWeights<T>& w = ws[static_cast<std::size_t>(k)];
    const LSTMDirection* dirs[2] = {&e.rnn.fwd, &e.rnn.bwd};
    for (int d = 0; d < 2; ++d) {
      w.dir[d] = {store.value(dirs[d]->w_ih), store.value(dirs[d]->w_hh), store.value(dirs[d]->b_ih),
                  store.value(dirs[d]->b_hh)};
    }
    w.context = store.value(e.attention.context);
    w.combine_biases(4 * H);
    wp.push_back(&w);
  }
  std::vector<const T*> xp;
  for (const Tensor<T>& c : channels) xp.push_back(c.data());
  if (reps.shape() != Shape{B, K * 2 * H}) reps = Tensor<T>(Shape{B, K * 2 * H});
  if (alpha.shape() != Shape{B, K, nt}) alpha = Tensor<T>(Shape{B, K, nt});
#if DEEPDIFF_KERNELS_NAN_FILL
  reps.fill(std::numeric_limits<T>::quiet_NaN());
  alpha.fill(std::numeric_limits<T>::quiet_NaN());
#endif
  kernels::encode_forward<T>(kernels::Plan(B, nt, K, H), wp, xp, nullptr, reps.data(), alpha.data());
}

}  // namespace deepdiff
