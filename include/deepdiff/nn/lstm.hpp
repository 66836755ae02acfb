// LSTM cell and (bi)directional one-layer LSTM over a sequence, composed from autograd
// operations. This composed version is the reference the fused kernels are checked against.
//
// Dimensions: B sequences (genes) in a batch, T steps, I input size, H hidden size, G = 4H.
// PyTorch convention, gate order i, f, g, o:
//   gates = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh          [B, G]
//   i = sigma(gates[:, 0:H]), f = sigma(gates[:, H:2H]), g = tanh(gates[:, 2H:3H]),
//   o = sigma(gates[:, 3H:4H])
//   c_t = f * c_{t-1} + i * g,   h_t = o * tanh(c_t),   h_0 = c_0 = 0
// The backward direction runs its own cell from t = T-1 down to 0; the output at step t is
// [h_t(forward), h_t(backward)]  [B, 2H].
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "deepdiff/autograd/ops.hpp"
#include "deepdiff/nn/parameters.hpp"

namespace deepdiff {

struct LSTMDirection {
  Index w_ih = -1;  // [G, I]
  Index w_hh = -1;  // [G, H]
  Index b_ih = -1;  // [G]
  Index b_hh = -1;  // [G]
};

struct BiLSTM {
  Index input = 0, hidden = 0;
  LSTMDirection fwd, bwd;
};

// Registers "<prefix>.weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0" and the same
// with suffix "_reverse", in PyTorch's state_dict order.
template <class T>
BiLSTM make_bilstm(ParameterStore<T>& store, const std::string& prefix, Index input, Index hidden) {
  BiLSTM m;
  m.input = input;
  m.hidden = hidden;
  const Index G = 4 * hidden;
  for (int d = 0; d < 2; ++d) {
    const std::string sfx = d == 0 ? "" : "_reverse";
    LSTMDirection& dir = d == 0 ? m.fwd : m.bwd;
    dir.w_ih = store.add(prefix + ".weight_ih_l0" + sfx, Shape{G, input});
    dir.w_hh = store.add(prefix + ".weight_hh_l0" + sfx, Shape{G, hidden});
    dir.b_ih = store.add(prefix + ".bias_ih_l0" + sfx, Shape{G});
    dir.b_hh = store.add(prefix + ".bias_hh_l0" + sfx, Shape{G});
  }
  return m;
}

// The parameters of one direction as tape leaves.
template <class T>
struct LSTMWeights {
  Var<T> w_ih, w_hh, b_ih, b_hh;
};

// With Precision::bf16 the two product weights come rounded to bfloat16 (round_bf16: their
// gradient reaches the float leaves unchanged).
template <class T>
LSTMWeights<T> lstm_weights(Tape<T>& tape, ParameterStore<T>& store, const LSTMDirection& d,
                            Precision precision = Precision::fp32) {
  LSTMWeights<T> w{store.var(tape, d.w_ih), store.var(tape, d.w_hh), store.var(tape, d.b_ih), store.var(tape, d.b_hh)};
  if (precision == Precision::bf16) {
    w.w_ih = round_bf16(w.w_ih);
    w.w_hh = round_bf16(w.w_hh);
  }
  return w;
}

// One step: x [B, I], h [B, H], c [B, H] -> (h', c'). bf16: x and h rounded to bfloat16 for
// the two products (the weights come rounded from lstm_weights), the products summed in float.
template <class T>
std::pair<Var<T>, Var<T>> lstm_cell(const Var<T>& x, const Var<T>& h, const Var<T>& c, const LSTMWeights<T>& w,
                                    Precision precision = Precision::fp32) {
  const Index H = h.value().cols();
  const bool bf16 = precision == Precision::bf16;
  Var<T> gates = add(add(matmul(bf16 ? round_bf16(x) : x, w.w_ih, true), w.b_ih),
                     add(matmul(bf16 ? round_bf16(h) : h, w.w_hh, true), w.b_hh));
  Var<T> i = sigmoid(slice_cols(gates, 0, H));
  Var<T> f = sigmoid(slice_cols(gates, H, H));
  Var<T> g = tanh(slice_cols(gates, 2 * H, H));
  Var<T> o = sigmoid(slice_cols(gates, 3 * H, H));
  Var<T> c_next = add(mul(f, c), mul(i, g));
  Var<T> h_next = mul(o, tanh(c_next));
  return {h_next, c_next};
}

// One direction over xs (T steps of [B, I]); returns h_t for t = 0..T-1 in sequence order.
template <class T>
std::vector<Var<T>> lstm_sequence(Tape<T>& tape, const std::vector<Var<T>>& xs, const LSTMWeights<T>& w,
                                  Index hidden, bool reverse, Precision precision = Precision::fp32) {
  const Index T_ = static_cast<Index>(xs.size());
  std::vector<Var<T>> hs(xs.size());
  if (xs.empty()) return hs;
  const Index B = xs[0].value().rows();
  Var<T> h = tape.constant(Tensor<T>(Shape{B, hidden}));
  Var<T> c = tape.constant(Tensor<T>(Shape{B, hidden}));
  for (Index s = 0; s < T_; ++s) {
    const std::size_t t = static_cast<std::size_t>(reverse ? T_ - 1 - s : s);
    std::tie(h, c) = lstm_cell(xs[t], h, c, w, precision);
    hs[t] = h;
  }
  return hs;
}

// Bidirectional: T steps of [B, I] -> T steps of [B, 2H].
template <class T>
std::vector<Var<T>> bilstm_forward(Tape<T>& tape, ParameterStore<T>& store, const BiLSTM& m,
                                   const std::vector<Var<T>>& xs, Precision precision = Precision::fp32) {
  std::vector<Var<T>> f = lstm_sequence(tape, xs, lstm_weights(tape, store, m.fwd, precision), m.hidden, false, precision);
  std::vector<Var<T>> b = lstm_sequence(tape, xs, lstm_weights(tape, store, m.bwd, precision), m.hidden, true, precision);
  std::vector<Var<T>> out(xs.size());
  for (std::size_t t = 0; t < xs.size(); ++t) out[t] = concat_cols(std::vector<Var<T>>{f[t], b[t]});
  return out;
}

}  // namespace deepdiff
