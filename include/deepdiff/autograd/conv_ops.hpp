// The operations of the DeepChrome baseline (spec, "Baselines"): a 1-D convolution, a 1-D max
// pooling and inverted dropout, as PyTorch defines them (nn.Conv1d with stride 1 and no
// padding - a cross-correlation -, nn.MaxPool1d, nn.Dropout). Each works gene by gene (the
// first dimension), so a gene's output does not depend on the other genes of its batch.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "deepdiff/autograd/tape.hpp"
#include "deepdiff/tensor/random.hpp"

namespace deepdiff {

// y[b, o, t] = bias[o] + sum_{c, k} w[o, c, k] x[b, c, t + k]
//   x [B, C, L], w [O, C, K], bias [O] -> y [B, O, L - K + 1]   (L >= K)
// Backward: dx[b, c, t + k] += w[o, c, k] g[b, o, t]; dw[o, c, k] += x[b, c, t + k] g[b, o, t];
// dbias[o] += g[b, o, t].
template <class T>
Var<T> conv1d(const Var<T>& x, const Var<T>& w, const Var<T>& bias) {
  if (x.tape != w.tape || x.tape != bias.tape || x.tape == nullptr) throw std::logic_error("conv1d: operands on different tapes");
  const Tensor<T>& xv = x.value();
  const Tensor<T>& wv = w.value();
  if (xv.rank() != 3 || wv.rank() != 3 || wv.dim(1) != xv.dim(1) || bias.value().size() != wv.dim(0) ||
      xv.dim(2) < wv.dim(2))
    throw std::invalid_argument("conv1d: input " + shape_string(xv.shape()) + ", weight " + shape_string(wv.shape()) +
                                ", bias " + shape_string(bias.value().shape()) +
                                " (want [B, C, L], [O, C, K] with K <= L, [O])");
  const Index B = xv.dim(0), C = xv.dim(1), L = xv.dim(2), O = wv.dim(0), K = wv.dim(2), Lo = L - K + 1;
  Tensor<T> y(Shape{B, O, Lo});
  const T* bv = bias.value().data();
  for (Index b = 0; b < B; ++b)
    for (Index o = 0; o < O; ++o) {
      T* yo = y.data() + (b * O + o) * Lo;
      for (Index t = 0; t < Lo; ++t) yo[t] = bv[o];
      for (Index c = 0; c < C; ++c) {
        const T* xc = xv.data() + (b * C + c) * L;
        const T* wk = wv.data() + (o * C + c) * K;
        for (Index k = 0; k < K; ++k)
          for (Index t = 0; t < Lo; ++t) yo[t] += wk[k] * xc[t + k];
      }
    }
  const int ix = x.id, iw = w.id, ib = bias.id;
  return x.tape->record(std::move(y), {x, w, bias}, [=](Tape<T>& tp, const Tensor<T>& g) {
    const Tensor<T>& xs = tp.value(ix);
    const Tensor<T>& ws = tp.value(iw);
    const bool gx = tp.requires_grad(ix), gw = tp.requires_grad(iw), gb = tp.requires_grad(ib);
    T* dx = gx ? tp.grad(ix).data() : nullptr;
    T* dw = gw ? tp.grad(iw).data() : nullptr;
    T* db = gb ? tp.grad(ib).data() : nullptr;
    for (Index b = 0; b < B; ++b)
      for (Index o = 0; o < O; ++o) {
        const T* go = g.data() + (b * O + o) * Lo;
        if (db)
          for (Index t = 0; t < Lo; ++t) db[o] += go[t];
        for (Index c = 0; c < C; ++c) {
          const T* xc = xs.data() + (b * C + c) * L;
          const T* wk = ws.data() + (o * C + c) * K;
          for (Index k = 0; k < K; ++k) {
            if (dw) {
              T s = 0;
              for (Index t = 0; t < Lo; ++t) s += xc[t + k] * go[t];
              dw[(o * C + c) * K + k] += s;
            }
            if (dx) {
              T* dxc = dx + (b * C + c) * L;
              for (Index t = 0; t < Lo; ++t) dxc[t + k] += wk[k] * go[t];
            }
          }
        }
      }
  });
}

// y[b, c, j] = max_{i < k} x[b, c, j s + i]   x [B, C, L] -> y [B, C, (L - k) / s + 1]
// The gradient of a window goes to its first maximum (PyTorch's CPU kernel keeps the first
// index of the largest value: on ties the earliest element wins).
template <class T>
Var<T> max_pool1d(const Var<T>& x, Index k, Index stride) {
  const Tensor<T>& xv = x.value();
  if (xv.rank() != 3 || k < 1 || stride < 1 || xv.dim(2) < k)
    throw std::invalid_argument("max_pool1d: input " + shape_string(xv.shape()) + " with window " + std::to_string(k) +
                                ", stride " + std::to_string(stride) + " (want [B, C, L], 1 <= window <= L)");
  const Index B = xv.dim(0), C = xv.dim(1), L = xv.dim(2), Lo = (L - k) / stride + 1;
  Tensor<T> y(Shape{B, C, Lo});
  std::vector<Index> arg(static_cast<std::size_t>(B * C * Lo));
  for (Index bc = 0; bc < B * C; ++bc) {
    const T* xs = xv.data() + bc * L;
    for (Index j = 0; j < Lo; ++j) {
      Index best = j * stride;
      for (Index i = 1; i < k; ++i)
        if (xs[j * stride + i] > xs[best]) best = j * stride + i;
      y.data()[bc * Lo + j] = xs[best];
      arg[static_cast<std::size_t>(bc * Lo + j)] = best;
    }
  }
  const int ix = x.id;
  return x.tape->record(std::move(y), {x}, [ix, arg = std::move(arg), L, Lo, B, C](Tape<T>& tp, const Tensor<T>& g) {
    T* dx = tp.grad(ix).data();
    for (Index bc = 0; bc < B * C; ++bc)
      for (Index j = 0; j < Lo; ++j) dx[bc * L + arg[static_cast<std::size_t>(bc * Lo + j)]] += g.data()[bc * Lo + j];
  });
}

// x [B, ...] -> [B, prod(...)], the memory order kept (PyTorch's x.view(B, -1) after a
// convolution: channel-major). The gradient is the output's, reshaped back.
template <class T>
Var<T> flatten_rows(const Var<T>& x) {
  const Tensor<T>& xv = x.value();
  if (xv.rank() < 1) throw std::invalid_argument("flatten_rows: a scalar has no rows");
  const Index B = xv.dim(0), rest = B ? xv.size() / B : 0;
  const int ix = x.id;
  return x.tape->record(xv.reshaped(Shape{B, rest}), {x}, [ix](Tape<T>& tp, const Tensor<T>& g) {
    tp.grad(ix).vec() += g.vec();
  });
}

// Inverted dropout: each element kept with probability 1 - p and scaled by 1 / (1 - p), else
// 0; mask element i (in memory order) drawn as rng.uniform() >= p, one draw per element.
template <class T>
Var<T> dropout(const Var<T>& x, double p, Rng& rng) {
  if (!(p >= 0 && p < 1)) throw std::invalid_argument("dropout: p must be in [0, 1)");
  const Tensor<T>& xv = x.value();
  const T keep = static_cast<T>(1.0 / (1.0 - p));
  Tensor<T> mask(xv.shape());
  Tensor<T> y(xv.shape());
  for (Index i = 0; i < xv.size(); ++i) {
    mask.data()[i] = rng.uniform() >= p ? keep : T(0);
    y.data()[i] = xv.data()[i] * mask.data()[i];
  }
  const int ix = x.id;
  return x.tape->record(std::move(y), {x}, [ix, mask = std::move(mask)](Tape<T>& tp, const Tensor<T>& g) {
    tp.grad(ix).vec() += (g.vec().array() * mask.vec().array()).matrix();
  });
}

}  // namespace deepdiff
