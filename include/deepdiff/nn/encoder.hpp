// Encoder: the public code's `recurrent_encoder`, a bidirectional LSTM followed by attention
// pooling. Level 1 reads one mark's T bins (input 1, hidden 32 per direction, D = 64);
// level 2 reads the K level-1 representations (input 64, hidden 16 per direction, D = 32).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "deepdiff/nn/attention.hpp"
#include "deepdiff/nn/lstm.hpp"

namespace deepdiff {

struct Encoder {
  BiLSTM rnn;
  Attention attention;
};

// Registers "<prefix>.rnn.*" then "<prefix>.bin_attention.bin_context_vector".
template <class T>
Encoder make_encoder(ParameterStore<T>& store, const std::string& prefix, Index input, Index hidden) {
  Encoder e;
  e.rnn = make_bilstm(store, prefix + ".rnn", input, hidden);
  e.attention = make_attention(store, prefix + ".bin_attention", 2 * hidden);
  return e;
}

// T steps of [B, I] -> rep [B, 2H], alpha [B, T]. precision: of the LSTM's products (bf16:
// operands rounded, lstm.hpp); the attention is float either way.
template <class T>
Pooled<T> encoder_forward(Tape<T>& tape, ParameterStore<T>& store, const Encoder& e,
                          const std::vector<Var<T>>& xs, Precision precision = Precision::fp32) {
  return attention_forward(tape, store, e.attention, bilstm_forward(tape, store, e.rnn, xs, precision));
}

// K level-1 encoders' outputs. reps: [B, K*2H], channel k's representation in columns
// [k*2H, (k+1)*2H) (forward half first). alpha: [B, K, T] attention weights, not differentiable.
template <class T>
struct EncodedChannels {
  Var<T> reps;
  Tensor<T> alpha;
};

// Checks a call of K level-1 encoders on K channels (encoders[k] reads channels[k], [B, T]):
// same count, input size 1, one hidden size H for all, parameters of the sizes that implies,
// channels of one shape with B, T >= 1. Throws std::invalid_argument naming `who`; returns H.
template <class T>
Index check_level_one(const ParameterStore<T>& store, const std::vector<Encoder>& encoders,
                      const std::vector<Shape>& channels, const char* who) {
  const std::string w(who);
  if (encoders.empty() || encoders.size() != channels.size())
    throw std::invalid_argument(w + ": " + std::to_string(encoders.size()) + " encoders for " +
                                std::to_string(channels.size()) + " channels");
  const Index H = encoders[0].rnn.hidden;
  if (H <= 0) throw std::invalid_argument(w + ": hidden size " + std::to_string(H));
  const Shape& s0 = channels[0];
  if (s0.size() != 2 || s0[0] < 1 || s0[1] < 1)
    throw std::invalid_argument(w + ": channel 0 has shape " + shape_string(s0) + ", want [B, T] with B, T >= 1");
  for (std::size_t k = 0; k < encoders.size(); ++k) {
    const Encoder& e = encoders[k];
    if (e.rnn.input != 1 || e.rnn.hidden != H || e.attention.dim != 2 * H)
      throw std::invalid_argument(w + ": encoder " + std::to_string(k) + " is not a level-1 encoder (input 1, hidden " +
                                  std::to_string(H) + ", attention " + std::to_string(2 * H) + ")");
    if (channels[k] != s0)
      throw std::invalid_argument(w + ": channel " + std::to_string(k) + " has shape " +
                                  shape_string(channels[k]) + ", channel 0 " + shape_string(s0));
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

// The shapes of a call's channels, for check_level_one.
template <class T>
std::vector<Shape> channel_shapes(const std::vector<Tensor<T>>& channels) {
  std::vector<Shape> s;
  for (const Tensor<T>& c : channels) s.push_back(c.shape());
  return s;
}
template <class T>
std::vector<Shape> channel_shapes(const std::vector<Var<T>>& channels) {
  std::vector<Shape> s;
  for (const Var<T>& c : channels) s.push_back(c.shape());
  return s;
}

// K level-1 encoders composed from autograd operations: encoder_forward per channel, then
// concat_cols. The reference the fused kernel (kernels/fused_encoder.hpp) is tested against;
// same signatures as encode_channels_fused. The channels are tape values ([B, T] each):
// where one requires a gradient (an attribution's input), it receives d/d channel.
template <class T>
EncodedChannels<T> encode_channels_composed(Tape<T>& tape, ParameterStore<T>& store,
                                            const std::vector<Encoder>& encoders,
                                            const std::vector<Var<T>>& channels) {
  check_level_one(store, encoders, channel_shapes(channels), "encode_channels_composed");
  const Index K = static_cast<Index>(encoders.size()), B = channels[0].shape()[0], nt = channels[0].shape()[1];
  std::vector<Var<T>> reps;
  Tensor<T> alpha(Shape{B, K, nt});
  for (Index k = 0; k < K; ++k) {
    std::vector<Var<T>> xs;
    for (Index t = 0; t < nt; ++t) xs.push_back(slice_cols(channels[static_cast<std::size_t>(k)], t, 1));
    Pooled<T> p = encoder_forward(tape, store, encoders[static_cast<std::size_t>(k)], xs);
    reps.push_back(p.rep);
    for (Index b = 0; b < B; ++b)
      for (Index t = 0; t < nt; ++t) alpha(b, k, t) = p.alpha.value()(b, t);
  }
  return {concat_cols(reps), std::move(alpha)};
}

// The same with the channels as data (no gradient to them).
template <class T>
EncodedChannels<T> encode_channels_composed(Tape<T>& tape, ParameterStore<T>& store,
                                            const std::vector<Encoder>& encoders,
                                            const std::vector<Tensor<T>>& channels) {
  check_level_one(store, encoders, channel_shapes(channels), "encode_channels_composed");
  std::vector<Var<T>> vars;
  for (const Tensor<T>& c : channels) vars.push_back(tape.constant(c));
  return encode_channels_composed(tape, store, encoders, vars);
}

}  // namespace deepdiff
