// Encoder: the public code's `recurrent_encoder`, a bidirectional LSTM followed by attention
// pooling. Level 1 reads one mark's T bins (input 1, hidden 32 per direction, D = 64);
// level 2 reads the K level-1 representations (input 64, hidden 16 per direction, D = 32).
#pragma once

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

// T steps of [B, I] -> rep [B, 2H], alpha [B, T].
template <class T>
Pooled<T> encoder_forward(Tape<T>& tape, ParameterStore<T>& store, const Encoder& e,
                          const std::vector<Var<T>>& xs) {
  return attention_forward(tape, store, e.attention, bilstm_forward(tape, store, e.rnn, xs));
}

}  // namespace deepdiff
