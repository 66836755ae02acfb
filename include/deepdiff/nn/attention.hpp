// Attention pooling over a sequence, as in DeepDiff: a learned context vector w [D, 1],
//   s_t = h_t . w,   alpha = softmax_t(s),   r = sum_t alpha_t h_t
// with no projection or tanh before the dot product.
// Shapes: T steps of h_t [B, D]  ->  r [B, D], alpha [B, T].
#pragma once

#include <string>
#include <vector>

#include "deepdiff/autograd/ops.hpp"
#include "deepdiff/nn/parameters.hpp"

namespace deepdiff {

struct Attention {
  Index context = -1;  // [D, 1]
  Index dim = 0;
};

// Registers "<prefix>.bin_context_vector" [D, 1] (the public code's name at both levels).
template <class T>
Attention make_attention(ParameterStore<T>& store, const std::string& prefix, Index dim) {
  return Attention{store.add(prefix + ".bin_context_vector", Shape{dim, 1}), dim};
}

template <class T>
struct Pooled {
  Var<T> rep;    // [B, D]
  Var<T> alpha;  // [B, T]
};

template <class T>
Pooled<T> attention_forward(Tape<T>& tape, ParameterStore<T>& store, const Attention& a,
                            const std::vector<Var<T>>& hs) {
  Var<T> w = store.var(tape, a.context);
  std::vector<Var<T>> scores;
  scores.reserve(hs.size());
  for (const Var<T>& h : hs) scores.push_back(matmul(h, w));
  Var<T> alpha = softmax_rows(concat_cols(scores));
  Var<T> rep;
  for (std::size_t t = 0; t < hs.size(); ++t) {
    Var<T> term = mul(slice_cols(alpha, static_cast<Index>(t), 1), hs[t]);
    rep = t == 0 ? term : add(rep, term);
  }
  return {rep, alpha};
}

}  // namespace deepdiff
