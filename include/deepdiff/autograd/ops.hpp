// Differentiable operations on Var<T>: each computes its value with Eigen and records a
// closure that adds d loss / d input for every input that requires a gradient.
//
// Shapes: the operations work on the rank-2 view of a tensor (Tensor::rows/cols): rank 1
// of length n is a row [1, n], as NumPy broadcasts it. Per-gene scalars are columns [B, 1].
// Binary elementwise operations broadcast a dimension of size 1 against any size; their
// backward sums the gradient over the broadcast dimension.
#pragma once

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "deepdiff/autograd/tape.hpp"
#include "deepdiff/tensor/bfloat16.hpp"
#include "deepdiff/tensor/tile_product.hpp"

namespace deepdiff {

namespace detail {

template <class T>
void check_same_tape(const Var<T>& a, const Var<T>& b, const char* op) {
  if (a.tape != b.tape || a.tape == nullptr) throw std::logic_error(std::string(op) + ": operands on different tapes");
}

// Output shape of a broadcast binary op on rank-2 views, or throws.
template <class T>
Shape broadcast_shape(const Tensor<T>& a, const Tensor<T>& b, const char* op) {
  if (a.shape() == b.shape()) return a.shape();
  const Index r = std::max(a.rows(), b.rows()), c = std::max(a.cols(), b.cols());
  const bool ok = (a.rows() == r || a.rows() == 1) && (b.rows() == r || b.rows() == 1) &&
                  (a.cols() == c || a.cols() == 1) && (b.cols() == c || b.cols() == 1);
  if (!ok)
    throw std::invalid_argument(std::string(op) + ": shapes " + shape_string(a.shape()) + " and " +
                                shape_string(b.shape()) + " do not broadcast");
  return Shape{r, c};
}

// Element (i, j) of the broadcast view of x.
template <class T>
inline T bget(const Tensor<T>& x, Index i, Index j) {
  const Index r = x.rows() == 1 ? 0 : i, c = x.cols() == 1 ? 0 : j;
  return x.data()[r * x.cols() + c];
}

// out[i*C + j] = f(i*C + j, a(i, j), b(i, j)) over the broadcast [R, C] output, a(i, j) and b(i, j)
// as bget reads them. The common shapes (both full, one a single row) run as plain loops that
// the compiler vectorizes; the values are the same as the general loop's, element by element.
template <class T, class F>
void broadcast_apply(const Tensor<T>& a, const Tensor<T>& b, Index R, Index C, T* out, F f) {
  const T* pa = a.data();
  const T* pb = b.data();
  const bool a_full = a.rows() == R && a.cols() == C, b_full = b.rows() == R && b.cols() == C;
  if (a_full && b_full) {
    for (Index k = 0; k < R * C; ++k) out[k] = f(k, pa[k], pb[k]);
  } else if (a_full && b.rows() == 1 && b.cols() == C) {
    for (Index i = 0; i < R; ++i)
      for (Index j = 0; j < C; ++j) out[i * C + j] = f(i * C + j, pa[i * C + j], pb[j]);
  } else if (b_full && a.rows() == 1 && a.cols() == C) {
    for (Index i = 0; i < R; ++i)
      for (Index j = 0; j < C; ++j) out[i * C + j] = f(i * C + j, pa[j], pb[i * C + j]);
  } else {
    for (Index i = 0; i < R; ++i)
      for (Index j = 0; j < C; ++j) out[i * C + j] = f(i * C + j, bget(a, i, j), bget(b, i, j));
  }
}

// Add g (shape of the broadcast output) into gx, summing over broadcast dimensions of x.
template <class T>
void reduce_into(Tensor<T>& gx, const Tensor<T>& g) {
  if (gx.size() == g.size() && gx.rows() == g.rows()) {
    gx.vec() += g.vec();
    return;
  }
  MatrixMap<T> dst = gx.matrix();
  ConstMatrixMap<T> src = g.matrix();
  if (gx.rows() == 1 && gx.cols() == 1) {
    dst(0, 0) += src.sum();
  } else if (gx.rows() == 1) {
    dst.row(0) += src.colwise().sum();
  } else {
    dst.col(0) += src.rowwise().sum();
  }
}

// Elementwise binary op with broadcasting: f(a, b), with partials da = dfa(a, b), db = dfb(a, b).
template <class T, class F, class DA, class DB>
Var<T> broadcast_binary(const Var<T>& a, const Var<T>& b, const char* name, F f, DA dfa, DB dfb) {
  check_same_tape(a, b, name);
  const Tensor<T>& av = a.value();
  const Tensor<T>& bv = b.value();
  Shape s = broadcast_shape(av, bv, name);
  Tensor<T> out(s);
  broadcast_apply(av, bv, out.rows(), out.cols(), out.data(), [&f](Index, T x, T y) { return f(x, y); });
  const int ia = a.id, ib = b.id;
  return a.tape->record(std::move(out), {a, b}, [ia, ib, dfa, dfb](Tape<T>& tp, const Tensor<T>& g) {
    const Tensor<T>& av = tp.value(ia);
    const Tensor<T>& bv = tp.value(ib);
    const T* gd = g.data();
    if (tp.requires_grad(ia)) {
      Tensor<T> full(g.shape());
      broadcast_apply(av, bv, g.rows(), g.cols(), full.data(), [gd, &dfa](Index k, T x, T y) { return gd[k] * dfa(x, y); });
      reduce_into(tp.grad(ia), full);
    }
    if (tp.requires_grad(ib)) {
      Tensor<T> full(g.shape());
      broadcast_apply(av, bv, g.rows(), g.cols(), full.data(), [gd, &dfb](Index k, T x, T y) { return gd[k] * dfb(x, y); });
      reduce_into(tp.grad(ib), full);
    }
  });
}

// Elementwise unary op y = f(x) whose derivative is expressed through x and y.
template <class T, class F, class D>
Var<T> unary(const Var<T>& x, F f, D dfdx) {
  Tensor<T> out(x.shape());
  const Tensor<T>& xv = x.value();
  for (Index i = 0; i < out.size(); ++i) out.data()[i] = f(xv.data()[i]);
  const int ix = x.id;
  Tape<T>* tape = x.tape;
  const int iy = static_cast<int>(tape->size());  // id the output will get
  return tape->record(std::move(out), {x}, [ix, iy, dfdx](Tape<T>& tp, const Tensor<T>& g) {
    const Tensor<T>& xv = tp.value(ix);
    const Tensor<T>& yv = tp.value(iy);
    Tensor<T>& gx = tp.grad(ix);
    for (Index i = 0; i < g.size(); ++i) gx.data()[i] += g.data()[i] * dfdx(xv.data()[i], yv.data()[i]);
  });
}

}  // namespace detail

// ---- elementwise arithmetic (broadcasting) -------------------------------------------

template <class T>
Var<T> add(const Var<T>& a, const Var<T>& b) {
  return detail::broadcast_binary(
      a, b, "add", [](T x, T y) { return x + y; }, [](T, T) { return T(1); }, [](T, T) { return T(1); });
}
template <class T>
Var<T> sub(const Var<T>& a, const Var<T>& b) {
  return detail::broadcast_binary(
      a, b, "sub", [](T x, T y) { return x - y; }, [](T, T) { return T(1); }, [](T, T) { return T(-1); });
}
template <class T>
Var<T> mul(const Var<T>& a, const Var<T>& b) {
  return detail::broadcast_binary(
      a, b, "mul", [](T x, T y) { return x * y; }, [](T, T y) { return y; }, [](T x, T) { return x; });
}

// y = s * x + c, with constants s and c.
template <class T>
Var<T> affine(const Var<T>& x, T s, T c) {
  return detail::unary(x, [s, c](T v) { return s * v + c; }, [s](T, T) { return s; });
}
template <class T>
Var<T> scale(const Var<T>& x, T s) {
  return affine(x, s, T(0));
}

// ---- elementwise nonlinearities ---------------------------------------------------------

template <class T>
T sigmoid_value(T x) {
  // Two branches keep exp() from overflowing for large |x|.
  if (x >= T(0)) return T(1) / (T(1) + std::exp(-x));
  const T e = std::exp(x);
  return e / (T(1) + e);
}

template <class T>
Var<T> sigmoid(const Var<T>& x) {
  return detail::unary(x, [](T v) { return sigmoid_value(v); }, [](T, T y) { return y * (T(1) - y); });
}
template <class T>
Var<T> tanh(const Var<T>& x) {
  return detail::unary(x, [](T v) { return std::tanh(v); }, [](T, T y) { return T(1) - y * y; });
}
// ReLU; the derivative at exactly 0 is taken as 0, as in PyTorch.
template <class T>
Var<T> relu(const Var<T>& x) {
  return detail::unary(x, [](T v) { return v > T(0) ? v : T(0); }, [](T v, T) { return v > T(0) ? T(1) : T(0); });
}
template <class T>
Var<T> square(const Var<T>& x) {
  return detail::unary(x, [](T v) { return v * v; }, [](T v, T) { return T(2) * v; });
}

// x rounded to the nearest bfloat16 (tensor/bfloat16.hpp; a double goes through float first):
// the operands of level 2's products under --precision bf16. The gradient passes through
// unchanged (straight-through): the rounding is a change of precision, not part of the model,
// and its true derivative (0 almost everywhere) would stop training. No finite-difference check
// applies; tests/autograd/test_ops.cpp checks the identity gradient.
template <class T>
Var<T> round_bf16(const Var<T>& x) {
  return detail::unary(x, [](T v) { return static_cast<T>(bf16_round(static_cast<float>(v))); }, [](T, T) { return T(1); });
}

// ---- products ---------------------------------------------------------------------------

// C = A B (trans_b = false) or C = A B^T (trans_b = true); A [m,k], B [k,n] or [n,k].
//   dA += dC B^T (or dC B),   dB += A^T dC (or dC^T A)
template <class T>
Var<T> matmul(const Var<T>& a, const Var<T>& b, bool trans_b = false) {
  detail::check_same_tape(a, b, "matmul");
  const Tensor<T>& av = a.value();
  const Tensor<T>& bv = b.value();
  const Index k_b = trans_b ? bv.cols() : bv.rows();
  const Index n = trans_b ? bv.rows() : bv.cols();
  if (av.rank() != 2 || bv.rank() != 2 || av.cols() != k_b)
    throw std::invalid_argument("matmul: shapes " + shape_string(av.shape()) + " and " +
                                shape_string(bv.shape()) + (trans_b ? " (B transposed)" : "") + " do not match");
  Tensor<T> out(Shape{av.rows(), n});
  if (a.tape->batch_invariant()) {
    // Batch-invariant: tiled_product makes every element of C one chain of multiply-adds over
    // k in order (Eigen's pmadd: fused where the target has FMA) from C's zeros, so row i of C
    // depends on row i of A and on B alone. Eigen's GEMM sums in an order set by the row
    // count and the row's place (panels of 4 rows with split even/odd accumulators, leftover
    // rows one chain each, a one-row product as GEMV). tiled_product reads B row-major and
    // wants whole packets: B^T, or n not a whole number of packets, takes a copy of B
    // [k, np], np = n rounded up (zeros beyond n), and C is computed [m, np], then cut to n.
    const Index m = av.rows(), k = av.cols(), ps = packet_size<T>(), np = (n + ps - 1) / ps * ps;
    const bool pack_b = trans_b || np != n;
    AlignedVector<T> bp(pack_b ? static_cast<std::size_t>(k * np) : 0, T(0));
    for (Index j = 0; pack_b && j < k; ++j)
      for (Index q = 0; q < n; ++q) bp[static_cast<std::size_t>(j * np + q)] = trans_b ? bv.data()[q * k + j] : bv.data()[j * n + q];
    AlignedVector<T> cp(np != n ? static_cast<std::size_t>(m * np) : 0, T(0));
    T* c = np != n ? cp.data() : out.data();
    tiled_product<T>(m, np, k, av.data(), k, 1, pack_b ? bp.data() : bv.data(), np, c, np);
    for (Index i = 0; np != n && i < m; ++i) std::copy(c + i * np, c + i * np + n, out.data() + i * n);
  } else if (trans_b)
    out.matrix().noalias() = av.matrix() * bv.matrix().transpose();
  else
    out.matrix().noalias() = av.matrix() * bv.matrix();
  const int ia = a.id, ib = b.id;
  return a.tape->record(std::move(out), {a, b}, [ia, ib, trans_b](Tape<T>& tp, const Tensor<T>& g) {
    ConstMatrixMap<T> G = g.matrix();
    if (tp.requires_grad(ia)) {
      ConstMatrixMap<T> B = tp.value(ib).matrix();
      if (trans_b)
        tp.grad(ia).matrix().noalias() += G * B;
      else
        tp.grad(ia).matrix().noalias() += G * B.transpose();
    }
    if (tp.requires_grad(ib)) {
      ConstMatrixMap<T> A = tp.value(ia).matrix();
      if (trans_b)
        tp.grad(ib).matrix().noalias() += G.transpose() * A;
      else
        tp.grad(ib).matrix().noalias() += A.transpose() * G;
    }
  });
}

// ---- reductions -------------------------------------------------------------------------

// Sum of all elements, a scalar of shape [].
template <class T>
Var<T> sum(const Var<T>& x) {
  Tensor<T> out(Shape{});
  out[0] = x.value().vec().sum();
  const int ix = x.id;
  return x.tape->record(std::move(out), {x}, [ix](Tape<T>& tp, const Tensor<T>& g) {
    tp.grad(ix).vec().array() += g[0];
  });
}
template <class T>
Var<T> mean(const Var<T>& x) {
  const Index n = x.value().size();
  if (n == 0) throw std::invalid_argument("mean of an empty tensor");
  return scale(sum(x), T(1) / static_cast<T>(n));
}

// Row-wise softmax of a [R, C] tensor (over the last dimension), computed stably:
//   y = exp(x - max) / sum(exp(x - max));   dx = y * (dy - sum(dy * y))
// Batch-invariant (Tape::batch_invariant): std::exp of each value and the sum left to right.
// Eigen's vectorized exp and sum start their packets at the first aligned element, so on a
// row of a packet or more, which values take the packet path depends on where the row sits.
template <class T>
Var<T> softmax_rows(const Var<T>& x) {
  const Tensor<T>& xv = x.value();
  Tensor<T> out(xv.shape());
  ConstMatrixMap<T> X = xv.matrix();
  MatrixMap<T> Y = out.matrix();
  const bool invariant = x.tape->batch_invariant();
  for (Index i = 0; i < X.rows(); ++i) {
    const T m = X.row(i).maxCoeff();
    if (invariant) {
      T s = T(0);
      for (Index j = 0; j < X.cols(); ++j) s += Y(i, j) = std::exp(X(i, j) - m);
      for (Index j = 0; j < X.cols(); ++j) Y(i, j) /= s;
      continue;
    }
    Y.row(i) = (X.row(i).array() - m).exp();
    Y.row(i) /= Y.row(i).sum();
  }
  const int ix = x.id;
  Tape<T>* tape = x.tape;
  const int iy = static_cast<int>(tape->size());
  return tape->record(std::move(out), {x}, [ix, iy](Tape<T>& tp, const Tensor<T>& g) {
    ConstMatrixMap<T> Y = tp.value(iy).matrix();
    ConstMatrixMap<T> G = g.matrix();
    MatrixMap<T> GX = tp.grad(ix).matrix();
    for (Index i = 0; i < Y.rows(); ++i) {
      const T dot = Y.row(i).dot(G.row(i));
      GX.row(i).array() += Y.row(i).array() * (G.row(i).array() - dot);
    }
  });
}

// ---- shape operations -------------------------------------------------------------------

// Columns [start, start + len) of a rank-2 tensor.
template <class T>
Var<T> slice_cols(const Var<T>& x, Index start, Index len) {
  const Tensor<T>& xv = x.value();
  if (xv.rank() != 2 || start < 0 || len < 0 || start + len > xv.cols())
    throw std::invalid_argument("slice_cols [" + std::to_string(start) + ", +" + std::to_string(len) + ") of " +
                                shape_string(xv.shape()));
  Tensor<T> out(Shape{xv.rows(), len});
  out.matrix() = xv.matrix().middleCols(start, len);
  const int ix = x.id;
  return x.tape->record(std::move(out), {x}, [ix, start, len](Tape<T>& tp, const Tensor<T>& g) {
    tp.grad(ix).matrix().middleCols(start, len) += g.matrix();
  });
}

// Concatenation of rank-2 tensors with equal row counts along columns.
template <class T>
Var<T> concat_cols(const std::vector<Var<T>>& xs) {
  if (xs.empty()) throw std::invalid_argument("concat_cols of nothing");
  const Index R = xs[0].value().rows();
  Index C = 0;
  for (const Var<T>& x : xs) {
    if (x.value().rank() != 2 || x.value().rows() != R || x.tape != xs[0].tape)
      throw std::invalid_argument("concat_cols: operand " + shape_string(x.shape()) + " does not have " +
                                  std::to_string(R) + " rows");
    C += x.value().cols();
  }
  Tensor<T> out(Shape{R, C});
  std::vector<int> ids;
  std::vector<Index> offsets;
  Index off = 0;
  for (const Var<T>& x : xs) {
    out.matrix().middleCols(off, x.value().cols()) = x.value().matrix();
    ids.push_back(x.id);
    offsets.push_back(off);
    off += x.value().cols();
  }
  return xs[0].tape->record(std::move(out), xs, [ids, offsets](Tape<T>& tp, const Tensor<T>& g) {
    for (std::size_t k = 0; k < ids.size(); ++k) {
      if (!tp.requires_grad(ids[k])) continue;
      Tensor<T>& gx = tp.grad(ids[k]);
      gx.matrix() += g.matrix().middleCols(offsets[k], gx.cols());
    }
  });
}

// ---- distances --------------------------------------------------------------------------

// PyTorch's pairwise_distance(a, b, p=2, eps): d_i = || a_i - b_i + eps ||_2 for each row i,
// as a column [R, 1].   dd/da_i = (a_i - b_i + eps) / d_i,   dd/db_i = -dd/da_i.
// (d_i >= |eps| > 0 unless a row difference cancels eps exactly; then the gradient is 0.)
template <class T>
Var<T> pairwise_distance(const Var<T>& a, const Var<T>& b, T eps = T(1e-6)) {
  detail::check_same_tape(a, b, "pairwise_distance");
  const Tensor<T>& av = a.value();
  const Tensor<T>& bv = b.value();
  if (av.rank() != 2 || av.shape() != bv.shape())
    throw std::invalid_argument("pairwise_distance: shapes " + shape_string(av.shape()) + " and " +
                                shape_string(bv.shape()));
  Tensor<T> out(Shape{av.rows(), 1});
  for (Index i = 0; i < av.rows(); ++i)
    out[i] = ((av.matrix().row(i) - bv.matrix().row(i)).array() + eps).matrix().norm();
  const int ia = a.id, ib = b.id;
  Tape<T>* tape = a.tape;
  const int iy = static_cast<int>(tape->size());
  return tape->record(std::move(out), {a, b}, [ia, ib, iy, eps](Tape<T>& tp, const Tensor<T>& g) {
    const Tensor<T>& av = tp.value(ia);
    const Tensor<T>& bv = tp.value(ib);
    const Tensor<T>& d = tp.value(iy);
    for (Index i = 0; i < av.rows(); ++i) {
      if (d[i] == T(0)) continue;
      const T s = g[i] / d[i];
      Eigen::Matrix<T, 1, Eigen::Dynamic> diff = (av.matrix().row(i) - bv.matrix().row(i)).array() + eps;
      if (tp.requires_grad(ia)) tp.grad(ia).matrix().row(i) += s * diff;
      if (tp.requires_grad(ib)) tp.grad(ib).matrix().row(i) -= s * diff;
    }
  });
}

}  // namespace deepdiff
