// Fused level-1 encoders: K bidirectional LSTMs (input size 1), each followed by attention
// pooling, forward and backward written by hand as plain functions over plain buffers:
//
//   forward(reps, alpha, &cache, x, weights, dims)     training: keeps what backward needs
//   backward(grads, cache, dreps, x, weights, dims[, dx])  parameter gradients, added (+=);
//                                                      with dx also d/dx of every input
//   forward_inference(reps, alpha, x, weights, dims)   no cache; bit-identical to forward
//
// No tape, no ParameterStore: the weights come as one struct of pointers (EncoderWeights), the
// gradients go to the same struct of writable pointers (EncoderGrads). The autograd node that
// calls them is kernels/fused_encoder.hpp; the composed reference they are tested against is
// encode_channels_composed (nn/encoder.hpp). Infrastructure lives beside this file:
// lstm_gates.hpp (fused gate passes), buffer_pool.hpp (pooled aligned buffers, NaN fill),
// fp_mode.hpp (FTZ/DAZ guard); the register-tiled products in tensor/tile_product.hpp.
//
// Dimension legend
//   B    genes in the batch; a task works on a block of Bj <= kMaxBlockGenes of them
//   T    bins (time steps); called `nt` in code, where T is the scalar type (float, double)
//   K    channels, one level-1 encoder each (the same weights may serve several channels)
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
//   fast:   the per-step products are register-tiled (tensor/tile_product.hpp, no
//           per-call packing), the gate nonlinearities and cell update are one fused pass,
//           the cell and gate deltas another (lstm_gates.hpp). Needs G = 4H (forward product), H
//           (backward product, fused passes) in whole SIMD packets, and, for the fused
//           forward pass, a vectorized tanh (float). DeepDiff's H = 32 in float takes it.
//   general: the same math with Eigen GEMM and Eigen array expressions (double; H that is not
//           a multiple of the packet size).
//
// Memory. The training cache keeps, per gene, channel, direction and step, the gate
// activations (G), the cell state (H), tanh of it (H) and h (H): 2 * T * (G + 3H) values per
// gene and channel, 358 KB in float at T = 200, H = 32. Keeping tanh(c) (streamed out, like the
// gates) costs 17% more cache and saves the backward pass one of the six transcendental
// functions per element and step; the values are the same bits as recomputing it. Buffers
// come from a process-wide pool (buffer_pool.hpp) and are 64-byte aligned; every per-step tile
// of the forward pass starts on a 64-byte boundary, in the training cache and in the inference
// scratch alike, so Eigen's vectorized loops split every tile the same way: that is what makes
// the inference path bit-identical to the training forward. The cache outgrows every CPU
// cache, so backward reads it from memory: each step prefetches the tiles of two steps later
// during its product, and large regions are read in one direction (docs/kernels.md).
//
// Precision (Dims::precision): fp32, or bf16, where the three LSTM products (the forward
// step's h W_hh^T, the backward step's dZ W_hh, the weight gradient h^T dZ) take operands
// rounded to bfloat16 and sum in float (bf16_product.hpp: VDPBF16PS, or an emulation with the
// same bits). Float on the fast path only; everything else is the fp32 code.
//
// Floating-point environment: every thread runs the kernels under FlushDenormalsScope
// (fp_mode.hpp): FTZ and DAZ on, the caller's mode restored afterwards.
#pragma once

#include <Eigen/Core>

#include <algorithm>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "deepdiff/kernels/bf16_product.hpp"
#include "deepdiff/kernels/buffer_pool.hpp"
#include "deepdiff/kernels/fp_mode.hpp"
#include "deepdiff/kernels/lstm_gates.hpp"
#include "deepdiff/tensor/tensor.hpp"
#include "deepdiff/tensor/tile_product.hpp"

namespace deepdiff::kernels {

// Genes per task, at most. A task's forward product runs in register tiles of up to 6 genes
// (6 rows x 4 packets), so a block of 12 is two tiles; the per-step working set (W_hh^T 16 KB,
// a 6 KB gate tile in float at H = 32) stays in L1. On one thread, blocks of 12 ran B = 32
// faster than blocks of 6 and tied at B = 10 (one block, 10 LSTM tasks at K = 5) and B = 128
// (docs/kernels.md). Blocks depend on B only, never on the thread count.
#ifndef DEEPDIFF_KERNELS_MAX_BLOCK_GENES
#define DEEPDIFF_KERNELS_MAX_BLOCK_GENES 12
#endif
inline constexpr Index kMaxBlockGenes = DEEPDIFF_KERNELS_MAX_BLOCK_GENES;

// Views the other kernel headers do not need (tensor.hpp and lstm_gates.hpp have the rest).
template <class T>
using ConstRowVectorMap = Eigen::Map<const Eigen::Matrix<T, 1, Eigen::Dynamic>>;
template <class T>
using ColMajorMap = Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>>;

// ---- the call: shapes, weights, inputs -----------------------------------------------------

// The shapes of one call. x: K channels, [B, T] row-major each. precision: of the LSTM
// products (bf16_product.hpp): bf16 needs float and the fast path (H whole packets).
struct Dims {
  Index B = 0, nt = 0, K = 0, H = 0;
  Precision precision = Precision::fp32;
};

// The parameters of K level-1 encoders as pointers, row-major as PyTorch stores them. P is
// const T* (EncoderWeights: the values) or T* (EncoderGrads: where their gradients go).
// Channels that share an encoder (siamese models) hold the same pointers.
template <class P>
struct EncoderParams {
  struct Direction {
    P w_ih = nullptr;  // [G, 1]
    P w_hh = nullptr;  // [G, H]
    P b_ih = nullptr;  // [G]
    P b_hh = nullptr;  // [G]
  };
  struct Channel {
    Direction dir[2];    // forward, backward ("_reverse")
    P context = nullptr;  // [2H]: attention context vector, forward half first
  };
  std::vector<Channel> channel;  // K entries
};
template <class T>
using EncoderWeights = EncoderParams<const T*>;
template <class T>
using EncoderGrads = EncoderParams<T*>;

// What backward needs from forward (plain buffers, filled by forward):
//   data   per LSTM task (k, d, j), at task_offsets(plan, true)[task]: T gate tiles [Bj, G],
//          T cell tiles [Bj, H], then h of T+1 steps [(T+1)*Bj, H] (layout: task_store)
//   alpha  [B, K, T] attention weights
template <class T>
struct EncoderCache {
  AlignedBuffer<T> data;
  AlignedBuffer<T> alpha;
};

// ---- the plan: blocks and buffer layout ---------------------------------------------------

// Everything about the shapes of one call, and where each task's data lives.
struct Plan {
  Index B = 0, nt = 0, K = 0, H = 0, G = 0;
  bool bf16 = false;
  Index nblk = 0;
  std::vector<Index> b0, rows;  // gene block j: genes [b0[j], b0[j] + rows[j])
  Index max_rows = 0;

  explicit Plan(const Dims& d) : B(d.B), nt(d.nt), K(d.K), H(d.H), G(4 * d.H), bf16(d.precision == Precision::bf16) {
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
  Index block_rows(Index j) const { return rows[static_cast<std::size_t>(j)]; }
  Index block_start(Index j) const { return b0[static_cast<std::size_t>(j)]; }
};

// Per-step tiles of the training cache for a block of Bj genes (element counts, each rounded
// up to 64 bytes so every tile starts aligned).
template <class T>
struct TileSizes {
  Index acts, cell, h;  // [Bj, G], [Bj, H], h region of (T+1) steps [Bj, H] each (contiguous)
  TileSizes(const Plan& p, Index Bj)
      : acts(round_up<T>(Bj * p.G)), cell(round_up<T>(Bj * p.H)), h(round_up<T>((p.nt + 1) * Bj * p.H)) {}
  // One LSTM task's training cache: T gate tiles, T cell tiles, T tanh(cell) tiles, h.
  Index train(Index nt) const { return nt * (acts + 2 * cell) + h; }
};

// Where one LSTM task keeps its activations. h holds T+1 steps contiguously ([(T+1)*Bj, H]):
// step 0 is h_{-1} = 0 and step s+1 is h_s, so that "all h_{s-1}" and "all h_s" are
// contiguous [T*Bj, H] matrices for the weight-gradient and attention products.
// Training: acts, c and tc have one tile per step (stride = tile size). Inference: acts is
// one reused tile (stride 0), c alternates between two tiles, and tc is not kept (null).
template <class T>
struct LstmStore {
  T* acts = nullptr;  // [T][Bj, G] gate activations i, f, g, o
  T* c = nullptr;     // [T][Bj, H] cell states
  T* tc = nullptr;    // [T][Bj, H] tanh(c) (training; stride c_stride)
  T* h = nullptr;     // [(T+1)*Bj, H]
  Index acts_stride = 0, c_stride = 0;
  bool ping_pong = false;  // inference: c tile of step s is (s & 1)

  T* acts_at(Index s) const { return acts + s * acts_stride; }
  T* c_at(Index s) const { return c + (ping_pong ? (s & 1) : s) * c_stride; }
  T* tc_at(Index s) const { return tc ? tc + s * c_stride : nullptr; }
};

// Start of every LSTM task's region (and the total, last): training -> the whole training
// cache of the task; inference -> its h only.
template <class T>
std::vector<Index> task_offsets(const Plan& p, bool training) {
  std::vector<Index> offset(static_cast<std::size_t>(p.lstm_tasks()) + 1, 0);
  for (Index k = 0; k < p.K; ++k)
    for (Index d = 0; d < 2; ++d)
      for (Index j = 0; j < p.nblk; ++j) {
        const TileSizes<T> ts(p, p.block_rows(j));
        offset[static_cast<std::size_t>(p.lstm_task(k, d, j)) + 1] = training ? ts.train(p.nt) : ts.h;
      }
  for (std::size_t i = 1; i < offset.size(); ++i) offset[i] += offset[i - 1];
  return offset;
}

// The training-cache layout of one LSTM task of gene block j, whose region starts at r.
template <class T>
LstmStore<T> task_store(const Plan& p, Index j, T* r) {
  const TileSizes<T> ts(p, p.block_rows(j));
  LstmStore<T> st;
  st.acts = r;
  st.c = r + p.nt * ts.acts;
  st.tc = st.c + p.nt * ts.cell;
  st.h = st.tc + p.nt * ts.cell;
  st.acts_stride = ts.acts;
  st.c_stride = ts.cell;
  return st;
}

// Whether Precision::bf16 can run with hidden size H: float on the fast path (H in whole
// packets). The kernels check it (check_call); the programs and the Python package ask first,
// to refuse a flag or argument by name.
inline bool bf16_supports_hidden(Index H) { return has_fused_gates<float>() && whole_packets<float>(H); }

// Shapes against weights and inputs; throws std::invalid_argument naming `who`.
template <class P, class X>
void check_call(const EncoderParams<P>& w, const std::vector<X>& x, const Dims& dims, const char* who) {
  const std::string name(who);
  if (dims.B < 1 || dims.nt < 1 || dims.K < 1 || dims.H < 1)
    throw std::invalid_argument(name + ": dims B, T, K, H must be >= 1");
  if (static_cast<Index>(w.channel.size()) != dims.K || static_cast<Index>(x.size()) != dims.K)
    throw std::invalid_argument(name + ": " + std::to_string(w.channel.size()) + " weight sets and " +
                                std::to_string(x.size()) + " channels for K = " + std::to_string(dims.K));
  using T = std::remove_cv_t<std::remove_pointer_t<P>>;
  if (dims.precision == Precision::bf16 && !(std::is_same_v<T, float> && bf16_supports_hidden(dims.H)))
    throw std::invalid_argument(name + ": bf16 products need float and a hidden size that is a multiple of " +
                                std::to_string(packet_size<float>()) + " (H = " + std::to_string(dims.H) + ")");
}

// Combined biases b_ih + b_hh per channel and direction: [K][2][G].
template <class T>
std::vector<T> combined_biases(const EncoderWeights<T>& w, Index G) {
  std::vector<T> bias;
  bias.reserve(w.channel.size() * 2 * static_cast<std::size_t>(G));
  for (const typename EncoderWeights<T>::Channel& c : w.channel)
    for (int d = 0; d < 2; ++d)
      for (Index g = 0; g < G; ++g) bias.push_back(c.dir[d].b_ih[g] + c.dir[d].b_hh[g]);
  return bias;
}

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
//   Cached for backward (training): A_s, c_s, tc_s, h_s. WT: workspace [H, G] for W_hh^T; ztile:
//   workspace [Bj, G] for Z_s (fused path, training).
//
// Input size 1 makes the input projection of a step a rank-1 term; it initializes the
// accumulators of the step's product (tiled path), so the gate tile is written once per step
// instead of once by a [T*Bj, 1] x [1, G] outer product ahead of the loop and again by the
// product. The gate nonlinearities and the cell update are one fused pass over the tile
// (float, H a whole number of packets); other shapes use the same math as Eigen expressions.
// Training on the fused path: the product goes to the scratch tile ztile, which stays in L1,
// and the fused pass streams A_s to the cache (non-temporal stores: backward reads it only
// after the sweep); about 10% off the training forward and less cache pressure for the
// backward (docs/benchmarks.md). Inference keeps one reused tile and works in place.
// ==========================================================================================

template <class T>
void lstm_forward_sweep(const T* x, Index nt, Index Bj, Index H, const typename EncoderWeights<T>::Direction& w, const T* bias,
                        bool reverse, const LstmStore<T>& st, T* WT, T* ztile, T* hpack = nullptr) {
  const Index G = 4 * H;
  const bool tiled = whole_packets<T>(G);
  const bool fused = has_fused_gates<T>() && whole_packets<T>(H);
  const bool to_cache = fused && st.acts_stride != 0;  // training: a new tile per step
  // bf16 products (the caller passes hpack): W_hh^T packed once into WT, each h_{s-1} into hpack.
  const bool bf16 = hpack != nullptr;
  ConstRowVectorMap<T> w_ih(w.w_ih, G);
  ConstRowVectorMap<T> b(bias, G);
  if constexpr (std::is_same_v<T, float>) {
    if (bf16) pack_b(w.w_hh, 1, H, H, G, WT);  // B(k, n) = W_hh^T(k, n) = W_hh[n*H + k]
  }
  if (tiled && !bf16) MatrixMap<T>(WT, H, G) = ConstMatrixMap<T>(w.w_hh, G, H).transpose();  // W_hh^T, packed once
  std::fill(st.h, st.h + Bj * H, T(0));  // h_{-1}
  for (Index s = 0; s < nt; ++s) {
    const Index t = reverse ? nt - 1 - s : s;
    T* a = st.acts_at(s);
    const T* h_prev = st.h + s * Bj * H;
    T* z = to_cache ? ztile : a;
    if (bf16) {
      if constexpr (std::is_same_v<T, float>) {
        const Rank1Init<T> init{x + t, nt, w.w_ih, bias};
        pack_a(h_prev, H, 1, Bj, H, hpack);
        product(Bj, G, H, hpack, PairLayout::rows, WT, z, G, &init);
      }
    } else if (tiled) {
      const Rank1Init<T> init{x + t, nt, w.w_ih, bias};
      tiled_product<T>(Bj, G, H, h_prev, H, 1, WT, G, z, G, &init);
    } else {
      MatrixMap<T> Z(z, Bj, G);
      for (Index r = 0; r < Bj; ++r) Z.row(r) = x[r * nt + t] * w_ih + b;
      Z.noalias() += ConstMatrixMap<T>(h_prev, Bj, H) * ConstMatrixMap<T>(w.w_hh, G, H).transpose();
    }
    T* h = st.h + (s + 1) * Bj * H;
    if constexpr (has_fused_gates<T>()) {
      if (fused) {
        gates_cell_fused<T>(z, a, to_cache, s == 0 ? nullptr : st.c_at(s - 1), st.c_at(s), st.tc_at(s), h, Bj, H);
        continue;
      }
    }
    sigmoid_inplace<T>(StridedArrayMap<T>(a, Bj, 2 * H, Eigen::OuterStride<>(G)));      // i, f
    tanh_inplace<T>(StridedArrayMap<T>(a + 2 * H, Bj, H, Eigen::OuterStride<>(G)));     // g
    sigmoid_inplace<T>(StridedArrayMap<T>(a + 3 * H, Bj, H, Eigen::OuterStride<>(G)));  // o
    ConstStridedArrayMap<T> i(a, Bj, H, Eigen::OuterStride<>(G));
    ConstStridedArrayMap<T> f(a + H, Bj, H, Eigen::OuterStride<>(G));
    ConstStridedArrayMap<T> g(a + 2 * H, Bj, H, Eigen::OuterStride<>(G));
    ConstStridedArrayMap<T> o(a + 3 * H, Bj, H, Eigen::OuterStride<>(G));
    ArrayMap<T> c(st.c_at(s), Bj, H);
    if (s == 0) {
      c = i * g;
    } else {
      ConstArrayMap<T> c_prev(st.c_at(s - 1), Bj, H);
      c = f * c_prev + i * g;
    }
    T* tc = st.tc ? st.tc_at(s) : h;  // inference keeps no tanh(c): it goes through h
    tanh_tile<T>(st.c_at(s), tc, Bj, H);
    ArrayMap<T>(h, Bj, H) = ConstArrayMap<T>(tc, Bj, H) * o;
  }
  if (to_cache) stream_fence();  // the streamed tiles are visible before backward's tasks run
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
// h . w of one gene's row (n values) in one fixed order, whatever the block's row count:
// a multiply-add chain per packet lane over the whole packets, the lanes summed by predux,
// then the leftover values one by one. It is the order of Eigen's row-major GEMV for the rows
// it takes in groups, which the scores used to come from; but that GEMV takes a lone last
// row with half and quarter packets, and a one-row matrix as a dot product (multiply, then
// add), so a gene's scores changed with Bj: a batch of one gene gave other alphas.
template <class T>
inline T row_dot(const T* h, const T* w, Index n) {
  using P = typename Eigen::internal::packet_traits<T>::type;
  constexpr Index PS = packet_size<T>();
  P acc = Eigen::internal::pset1<P>(T(0));
  Index j = 0;
  for (; j + PS <= n; j += PS)
    acc = Eigen::internal::pmadd(Eigen::internal::ploadu<P>(h + j), Eigen::internal::ploadu<P>(w + j), acc);
  T s = Eigen::internal::predux(acc);
  for (; j < n; ++j) s += h[j] * w[j];
  return s;
}

template <class T>
void attention_forward_block(const T* hf, const T* hb, Index nt, Index Bj, Index H, const T* context, T* scores,
                             T* alpha_out, Index alpha_ld, T* rep_out, Index rep_ld) {
  ColMajorMap<T> E(scores, Bj, nt);  // E(b, t), column t contiguous
  // E(r, t) = (h^f_t . w^f) + (h^b_t . w^b), in two passes that each read their h region in
  // address order (hb holds bin t at step T-1-t): the hardware prefetcher follows them, where
  // one pass over t read hb backwards and waited for memory (same values either way).
  for (Index t = 0; t < nt; ++t) {
    const T* Hf = hf + (t + 1) * Bj * H;
    for (Index r = 0; r < Bj; ++r) E(r, t) = row_dot(Hf + r * H, context, H);
  }
  for (Index t = nt - 1; t >= 0; --t) {
    const T* Hb = hb + (nt - t) * Bj * H;
    for (Index r = 0; r < Bj; ++r) E(r, t) += row_dot(Hb + r * H, context + H, H);
  }
  // Softmax over t, per gene: minus the row's max, exp over the whole block (the column-major
  // [Bj, nt] block read as row-major [nt, Bj]), then each row over its sum.
  for (Index r = 0; r < Bj; ++r) E.row(r).array() -= E.row(r).maxCoeff();
  exp_inplace<T>(StridedArrayMap<T>(scores, nt, Bj, Eigen::OuterStride<>(Bj)));
  for (Index r = 0; r < Bj; ++r) {
    E.row(r) /= E.row(r).sum();
    for (Index t = 0; t < nt; ++t) alpha_out[r * alpha_ld + t] = E(r, t);
  }
  StridedArrayMap<T> R(rep_out, Bj, 2 * H, Eigen::OuterStride<>(rep_ld));
  for (Index t = 0; t < nt; ++t) {
    ConstArrayMap<T> Hf(hf + (t + 1) * Bj * H, Bj, H);
    ConstArrayMap<T> Hb(hb + (nt - t) * Bj * H, Bj, H);
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
  ConstStridedArrayMap<T> dR(dr, Bj, 2 * H, Eigen::OuterStride<>(dr_ld));
  // Two passes, each reading its h region in address order, as attention_forward_block's scores.
  for (Index t = 0; t < nt; ++t) {
    ConstArrayMap<T> Hf(hf + (t + 1) * Bj * H, Bj, H);
    for (Index r = 0; r < Bj; ++r) de[r * de_ld + t] = (Hf.row(r) * dR.row(r).leftCols(H)).sum();
  }
  for (Index t = nt - 1; t >= 0; --t) {
    ConstArrayMap<T> Hb(hb + (nt - t) * Bj * H, Bj, H);
    for (Index r = 0; r < Bj; ++r) de[r * de_ld + t] += (Hb.row(r) * dR.row(r).rightCols(H)).sum();
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
//   Input gradient, only when dx is given (attributions; training never asks for it):
//     dx_t = dZ_s . w_ih                                 [Bj,G] x [G]: the input enters Z_s
//   written (assigned) at dx[b*T + t], this direction's share only.
//   tc_s = tanh(c_s) comes from the training cache.
//   Workspace: dz [T*Bj*G], u [T*Bj*2], ev [T*Bj], dh [Bj*H], dc [Bj*H].
// ==========================================================================================
template <class T>
struct BackwardWorkspace {
  T* dz = nullptr;
  T* u = nullptr;
  T* ev = nullptr;
  T* dh = nullptr;
  T* dc = nullptr;
  // bf16 only (null otherwise; lstm_backward_sweep takes the bf16 products when they are set):
  // the products' operands packed (bf16_product.hpp): W_hh for dH (B, [G, H]), dZ_{s+1} (A,
  // [Bj, G]), all h_{s-1} (A of the weight gradient, packed as B is: PairLayout::pairs), dZ (B,
  // [T*Bj, G]).
  T* w_pack = nullptr;
  T* dz_next_pack = nullptr;
  T* h_pack = nullptr;
  T* dz_pack = nullptr;
  static Index size(Index nt, Index Bmax, Index H, bool bf16 = false) {
    const Index G = 4 * H;
    const Index fp32 =
        round_up<T>(nt * Bmax * G) + round_up<T>(nt * Bmax * 2) + round_up<T>(nt * Bmax) + 2 * round_up<T>(Bmax * H);
    if (!bf16) return fp32;
    return fp32 + round_up<T>(pack_size_b(G, H)) + round_up<T>(pack_size_a(Bmax, G)) +
           round_up<T>(pack_size_b(nt * Bmax, H)) + round_up<T>(pack_size_b(nt * Bmax, G));
  }
  BackwardWorkspace(T* base, Index nt, Index Bmax, Index H, bool bf16 = false) {
    const Index G = 4 * H;
    dz = base;
    u = dz + round_up<T>(nt * Bmax * G);
    ev = u + round_up<T>(nt * Bmax * 2);
    dh = ev + round_up<T>(nt * Bmax);
    dc = dh + round_up<T>(Bmax * H);
    if (!bf16) return;
    w_pack = dc + round_up<T>(Bmax * H);
    dz_next_pack = w_pack + round_up<T>(pack_size_b(G, H));
    h_pack = dz_next_pack + round_up<T>(pack_size_a(Bmax, G));
    dz_pack = h_pack + round_up<T>(pack_size_b(nt * Bmax, H));
  }
};


template <class T>
void lstm_backward_sweep(const T* x, Index nt, Index Bj, Index H, const typename EncoderWeights<T>::Direction& w, const T* w_ctx_d,
                         bool reverse, const LstmStore<T>& st, const T* alpha, Index alpha_ld, const T* dr,
                         Index dr_ld, const T* de, Index de_ld, const BackwardWorkspace<T>& ws, T* grad,
                         T* dx = nullptr) {
  const Index G = 4 * H;
  const bool tiled_h = whole_packets<T>(H), tiled_g = whole_packets<T>(G);
  const bool bf16 = ws.w_pack != nullptr;
  ConstRowVectorMap<T> wd(w_ctx_d, H);
  MatrixMap<T> dH(ws.dh, Bj, H);
  ArrayMap<T> dC(ws.dc, Bj, H);
  dC.setZero();
  if constexpr (std::is_same_v<T, float>) {
    if (bf16) pack_b(w.w_hh, H, 1, G, H, ws.w_pack);  // B(k, n) = W_hh[k*H + n]
  }
  for (Index s = nt - 1; s >= 0; --s) {
    const Index t = reverse ? nt - 1 - s : s;
    const T* a = st.acts_at(s);
    T* dz_s = ws.dz + s * Bj * G;

    // The attention's injection at bin t, then the recurrent part.
    if (tiled_h)
      inject_dh<T>(alpha + t, alpha_ld, dr, dr_ld, de + t, de_ld, w_ctx_d, ws.dh, Bj, H);
    else
      for (Index r = 0; r < Bj; ++r)
        dH.row(r) = alpha[r * alpha_ld + t] * ConstRowVectorMap<T>(dr + r * dr_ld, H) + de[r * de_ld + t] * wd;
    if (s < nt - 1) {
      const T* dz_next = ws.dz + (s + 1) * Bj * G;
      // The cache tiles of step s - 2 come from memory while this step's product computes:
      // the gate activations spread over its k loop (Prefetch, tile_product.hpp), tc and
      // c_{s-3} (a quarter of the bytes) at once (backward -19% fp32, -23% bf16, measured).
      Prefetch ahead;
      const Prefetch* pf = nullptr;
      if (s >= 2) {
        ahead = Prefetch{reinterpret_cast<const char*>(st.acts_at(s - 2)), (Bj * G * Index(sizeof(T)) + 63) / 64};
        pf = &ahead;
        prefetch_lines(st.tc_at(s - 2), Bj * H * Index(sizeof(T)));
        if (s >= 3) prefetch_lines(st.c_at(s - 3), Bj * H * Index(sizeof(T)));
      }
      if (bf16) {
        if constexpr (std::is_same_v<T, float>) {
          pack_a(dz_next, G, 1, Bj, G, ws.dz_next_pack);
          product(Bj, H, G, ws.dz_next_pack, PairLayout::rows, ws.w_pack, ws.dh, H, nullptr, pf);
        }
      } else if (tiled_h)
        tiled_product<T>(Bj, H, G, dz_next, G, 1, w.w_hh, H, ws.dh, H, nullptr, pf);
      else
        dH.noalias() += ConstMatrixMap<T>(dz_next, Bj, G) * ConstMatrixMap<T>(w.w_hh, G, H);
    }
    const T* tc_s = st.tc_at(s);
    if (tiled_h) {
      gate_deltas_fused<T>(a, tc_s, s > 0 ? st.c_at(s - 1) : nullptr, ws.dh, ws.dc, dz_s, Bj, H);
      continue;
    }
    ConstStridedArrayMap<T> i(a, Bj, H, Eigen::OuterStride<>(G));
    ConstStridedArrayMap<T> f(a + H, Bj, H, Eigen::OuterStride<>(G));
    ConstStridedArrayMap<T> g(a + 2 * H, Bj, H, Eigen::OuterStride<>(G));
    ConstStridedArrayMap<T> o(a + 3 * H, Bj, H, Eigen::OuterStride<>(G));
    ConstArrayMap<T> tc(tc_s, Bj, H);
    StridedArrayMap<T> dZi(dz_s, Bj, H, Eigen::OuterStride<>(G));
    StridedArrayMap<T> dZf(dz_s + H, Bj, H, Eigen::OuterStride<>(G));
    StridedArrayMap<T> dZg(dz_s + 2 * H, Bj, H, Eigen::OuterStride<>(G));
    StridedArrayMap<T> dZo(dz_s + 3 * H, Bj, H, Eigen::OuterStride<>(G));
    const Eigen::ArrayWrapper<MatrixMap<T>> dh = dH.array();
    dC += dh * o * (T(1) - tc.square());
    dZo = dh * tc * o * (T(1) - o);
    dZi = dC * g * i * (T(1) - i);
    if (s > 0) {
      ConstArrayMap<T> c_prev(st.c_at(s - 1), Bj, H);
      dZf = dC * c_prev * f * (T(1) - f);
    } else {
      dZf.setZero();
    }
    dZg = dC * i * (T(1) - g.square());
    dC *= f;
  }

  if (dx) {
    ConstVectorMap<T> w_ih(w.w_ih, G);
    for (Index s = 0; s < nt; ++s) {
      const Index t = reverse ? nt - 1 - s : s;
      for (Index r = 0; r < Bj; ++r) dx[r * nt + t] = ConstVectorMap<T>(ws.dz + (s * Bj + r) * G, G).dot(w_ih);
    }
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
  if (bf16) {
    if constexpr (std::is_same_v<T, float>) {
      std::fill(grad, grad + G * H + 2 * G, T(0));
      pack_b(h_prev, H, 1, n, H, ws.h_pack);  // A(r, k) = h_prev[k*H + r]: pairs down h's rows
      pack_b(ws.dz, G, 1, n, G, ws.dz_pack);
      product(H, G, n, ws.h_pack, PairLayout::pairs, ws.dz_pack, dWT, G);
      tiled_product<T>(2, G, n, u, 1, 2, ws.dz, G, dWb, G);
    }
  } else if (tiled_g) {
    std::fill(grad, grad + G * H + 2 * G, T(0));
    tiled_product<T>(H, G, n, h_prev, 1, H, ws.dz, G, dWT, G);
    tiled_product<T>(2, G, n, u, 1, 2, ws.dz, G, dWb, G);
  } else {
    ConstMatrixMap<T> dZ(ws.dz, n, G);
    MatrixMap<T>(dWT, H, G).noalias() = ConstMatrixMap<T>(h_prev, n, H).transpose() * dZ;
    MatrixMap<T>(dWb, 2, G).noalias() = ConstMatrixMap<T>(u, n, 2).transpose() * dZ;
  }
  if (tiled_h) {
    std::fill(dw, dw + H, T(0));
    tiled_product<T>(1, H, n, ev, 1, 1, h_next, H, dw, H);
  } else {
    VectorMap<T>(dw, H).noalias() = ConstMatrixMap<T>(h_next, n, H).transpose() * ConstVectorMap<T>(ev, n);
  }
}


// ==========================================================================================
// Drivers over all tasks. Outputs of all three:
//   reps   [B, K*2H]  channel k's representation r in columns [k*2H, (k+1)*2H), forward first
//   alpha  [B, K, T]  attention weights
// ==========================================================================================

// The forward pass of every task. With `cache` (training) every LSTM task keeps its
// activations there; without (inference) only h is kept, in a temporary buffer, and a
// per-thread scratch tile set is reused across steps. Both run the same sweep on tiles with
// the same alignment, so both give the same bits.
template <class T>
void forward_tasks(T* reps, T* alpha, EncoderCache<T>* cache, const std::vector<const T*>& x,
                   const EncoderWeights<T>& weights, const Plan& p) {
  const Index H = p.H, nt = p.nt;
  const std::vector<Index> offset = task_offsets<T>(p, cache != nullptr);
  AlignedBuffer<T> store(offset.back());
  T* base = store.data();
  const std::vector<T> bias = combined_biases(weights, p.G);
  const int nth = max_threads();
  const Index Bm = p.max_rows;
  const TileSizes<T> tmax(p, Bm);
  // Per thread: W_hh^T [H, G], a gate tile [Bm, G] (training: the product's Z_s; inference:
  // the reused activation tile), inference only: 2 c tiles; attention scores [Bm, T].
  const Index wt_size = round_up<T>(H * p.G);
  const Index tiles = tmax.acts + (cache ? 0 : 2 * tmax.cell);
  const Index scores_size = round_up<T>(Bm * nt);
  // bf16: h_{s-1} packed for the step's product (W_hh^T's packing fits in the W_hh^T slot).
  const Index hpack_size = p.bf16 ? round_up<T>(pack_size_a(Bm, H)) : 0;
  const Index scratch_each = wt_size + tiles + scores_size + hpack_size;
  AlignedBuffer<T> scratch(scratch_each * nth);

  auto region = [&](Index k, Index d, Index j, T* thread_scratch) {
    T* r = base + offset[static_cast<std::size_t>(p.lstm_task(k, d, j))];
    if (cache) return task_store<T>(p, j, r);
    LstmStore<T> st;
    st.h = r;
    st.acts = thread_scratch + wt_size;
    st.c = st.acts + tmax.acts;
    st.acts_stride = 0;
    st.c_stride = tmax.cell;
    st.ping_pong = true;
    return st;
  };

#pragma omp parallel
  {
    FlushDenormalsScope ftz;
    T* mine = scratch.data() + scratch_each * thread_id();
#pragma omp for schedule(dynamic, 1)
    for (Index task = 0; task < p.lstm_tasks(); ++task) {
      const Index j = task % p.nblk, kd = task / p.nblk, d = kd % 2, k = kd / 2;
      const Index b0 = p.block_start(j);
      lstm_forward_sweep<T>(x[static_cast<std::size_t>(k)] + b0 * nt, nt, p.block_rows(j), H,
                            weights.channel[static_cast<std::size_t>(k)].dir[d],
                            bias.data() + (2 * k + d) * p.G, d == 1, region(k, d, j, mine), mine, mine + wt_size,
                            p.bf16 ? mine + wt_size + tiles + scores_size : nullptr);
    }
#pragma omp for schedule(dynamic, 1)
    for (Index task = 0; task < p.attention_tasks(); ++task) {
      const Index j = task % p.nblk, k = task / p.nblk;
      const Index b0 = p.block_start(j);
      T* scores = mine + wt_size + tiles;
      attention_forward_block<T>(region(k, 0, j, mine).h, region(k, 1, j, mine).h, nt, p.block_rows(j), H,
                                 weights.channel[static_cast<std::size_t>(k)].context, scores,
                                 alpha + (b0 * p.K + k) * nt, p.K * nt, reps + b0 * p.K * 2 * H + k * 2 * H,
                                 p.K * 2 * H);
    }
  }
  if (cache) {
    cache->data = std::move(store);
    cache->alpha = AlignedBuffer<T>(p.B * p.K * nt);
    std::copy(alpha, alpha + p.B * p.K * nt, cache->alpha.data());
  }
}

// Training forward: writes reps and alpha (shapes above) and fills `cache` for backward.
//   x: K channels, x[k] row-major [B, T]; weights: K channels' parameters (EncoderParams).
template <class T>
void forward(T* reps, T* alpha, EncoderCache<T>& cache, const std::vector<const T*>& x,
             const EncoderWeights<T>& weights, const Dims& dims) {
  check_call(weights, x, dims, "kernels::forward");
  debug_nan_fill(reps, dims.B * dims.K * 2 * dims.H);
  debug_nan_fill(alpha, dims.B * dims.K * dims.nt);
  forward_tasks<T>(reps, alpha, &cache, x, weights, Plan(dims));
}

// Inference forward: the same outputs as forward, bit for bit, keeping no activations.
template <class T>
void forward_inference(T* reps, T* alpha, const std::vector<const T*>& x, const EncoderWeights<T>& weights,
                       const Dims& dims) {
  check_call(weights, x, dims, "kernels::forward_inference");
  debug_nan_fill(reps, dims.B * dims.K * 2 * dims.H);
  debug_nan_fill(alpha, dims.B * dims.K * dims.nt);
  forward_tasks<T>(reps, alpha, nullptr, x, weights, Plan(dims));
}

// Backward: given dreps = d loss / d reps [B, K*2H], ADDS every parameter's gradient into
// `grads` (the caller zeroes them; a parameter shared by several channels receives the sum,
// added in the fixed order channel k, direction d, gene block j). x and weights are the
// forward's. With dx (K pointers, [B, T] each), d loss / d x[k] is ADDED into dx[k] too:
// each direction's share goes to its own buffer in the parallel part, and the two are added
// afterwards, forward then backward, so the result does not depend on the thread count.
//   per task (k, d, j), from lstm_backward_sweep: dW_hh^T, dw_ih, db (= db_ih = db_hh), dw^d;
//   then  grads.w_hh += dW_hh^T^T,  w_ih += dw_ih,  b_ih += db,  b_hh += db,
//         context[d*H, (d+1)*H) += dw^d.
template <class T>
void backward(const EncoderGrads<T>& grads, const EncoderCache<T>& cache, const T* dreps,
              const std::vector<const T*>& x, const EncoderWeights<T>& weights, const Dims& dims,
              const std::vector<T*>* dx = nullptr) {
  check_call(weights, x, dims, "kernels::backward");
  check_call(grads, x, dims, "kernels::backward");
  if (dx && static_cast<Index>(dx->size()) != dims.K)
    throw std::invalid_argument("kernels::backward: " + std::to_string(dx->size()) + " input-gradient buffers for K = " +
                                std::to_string(dims.K));
  const Plan p(dims);
  const Index H = p.H, G = p.G, nt = p.nt, K = p.K;
  const Index P = G * H + 2 * G + H;  // one task's gradient block
  const std::vector<Index> offset = task_offsets<T>(p, true);
  if (cache.data.size() != offset.back() || cache.alpha.size() != p.B * K * nt)
    throw std::invalid_argument("kernels::backward: the cache does not come from a forward of these dims");
  AlignedBuffer<T> block_grads(p.lstm_tasks() * P);
  AlignedBuffer<T> de(K * p.B * nt);  // [K][B, T]
  AlignedBuffer<T> dx_dir(dx ? K * 2 * p.B * nt : 0);  // [K][2][B, T]: each direction's share of dx
  const int nth = max_threads();
  const Index ws_each = BackwardWorkspace<T>::size(nt, p.max_rows, H, p.bf16);
  AlignedBuffer<T> ws_all(ws_each * nth);
  T* base = const_cast<T*>(cache.data.data());  // read only: LstmStore is shared with forward
  auto store_of = [&](Index k, Index d, Index j) {
    return task_store<T>(p, j, base + offset[static_cast<std::size_t>(p.lstm_task(k, d, j))]);
  };
  const T* alpha = cache.alpha.data();

#pragma omp parallel
  {
    FlushDenormalsScope ftz;
    const BackwardWorkspace<T> ws(ws_all.data() + ws_each * thread_id(), nt, p.max_rows, H, p.bf16);
#pragma omp for schedule(dynamic, 1)
    for (Index task = 0; task < p.attention_tasks(); ++task) {
      const Index j = task % p.nblk, k = task / p.nblk;
      const Index b0 = p.block_start(j);
      attention_backward_block<T>(store_of(k, 0, j).h, store_of(k, 1, j).h, nt, p.block_rows(j), H,
                                  alpha + (b0 * K + k) * nt, K * nt, dreps + b0 * K * 2 * H + k * 2 * H, K * 2 * H,
                                  de.data() + (k * p.B + b0) * nt, nt);
    }
#pragma omp for schedule(dynamic, 1)
    for (Index task = 0; task < p.lstm_tasks(); ++task) {
      const Index j = task % p.nblk, kd = task / p.nblk, d = kd % 2, k = kd / 2;
      const Index b0 = p.block_start(j);
      const typename EncoderWeights<T>::Channel& w = weights.channel[static_cast<std::size_t>(k)];
      lstm_backward_sweep<T>(x[static_cast<std::size_t>(k)] + b0 * nt, nt, p.block_rows(j), H, w.dir[d],
                             w.context + d * H, d == 1, store_of(k, d, j), alpha + (b0 * K + k) * nt, K * nt,
                             dreps + b0 * K * 2 * H + k * 2 * H + d * H, K * 2 * H, de.data() + (k * p.B + b0) * nt,
                             nt, ws, block_grads.data() + task * P,
                             dx ? dx_dir.data() + ((2 * k + d) * p.B + b0) * nt : nullptr);
    }
  }
  if (dx)
    for (Index k = 0; k < K; ++k) {
      const T* f = dx_dir.data() + 2 * k * p.B * nt;
      VectorMap<T>((*dx)[static_cast<std::size_t>(k)], p.B * nt) +=
          ConstVectorMap<T>(f, p.B * nt) + ConstVectorMap<T>(f + p.B * nt, p.B * nt);
    }

  // Fixed-order reduction: channel k, direction d, gene block j.
  for (Index k = 0; k < K; ++k) {
    const typename EncoderGrads<T>::Channel& g = grads.channel[static_cast<std::size_t>(k)];
    for (Index d = 0; d < 2; ++d)
      for (Index j = 0; j < p.nblk; ++j) {
        const T* gb = block_grads.data() + p.lstm_task(k, d, j) * P;
        MatrixMap<T>(g.dir[d].w_hh, G, H) += ConstMatrixMap<T>(gb, H, G).transpose();
        VectorMap<T>(g.dir[d].w_ih, G) += ConstVectorMap<T>(gb + G * H, G);
        VectorMap<T>(g.dir[d].b_ih, G) += ConstVectorMap<T>(gb + G * H + G, G);
        VectorMap<T>(g.dir[d].b_hh, G) += ConstVectorMap<T>(gb + G * H + G, G);
        VectorMap<T>(g.context + d * H, H) += ConstVectorMap<T>(gb + G * H + 2 * G, H);
      }
  }
}

}  // namespace deepdiff::kernels
