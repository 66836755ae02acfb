// Losses of DeepDiff.
//   MSE:          mean over all elements of (pred - target)^2          (nn.MSELoss, mean)
//   Contrastive:  d_i = || a_i - b_i + 1e-6 ||_2   (F.pairwise_distance)
//                 L = mean_i ( (1 - l_i) d_i^2 + l_i max(0, margin - d_i)^2 )
//                 with l_i = 1 for a differential gene (|y| >= 2), else 0.
#pragma once

#include "deepdiff/autograd/ops.hpp"

namespace deepdiff {

template <class T>
Var<T> mse_loss(const Var<T>& pred, const Var<T>& target) {
  if (pred.value().size() != target.value().size())
    throw std::invalid_argument("mse_loss: prediction " + shape_string(pred.shape()) + " vs target " +
                                shape_string(target.shape()));
  return mean(square(sub(pred, target)));
}

// a, b [B, E]; label [B, 1] of 0/1.
template <class T>
Var<T> contrastive_loss(const Var<T>& a, const Var<T>& b, const Var<T>& label, T margin = T(2)) {
  Var<T> d = pairwise_distance(a, b, T(1e-6));
  Var<T> similar = mul(affine(label, T(-1), T(1)), square(d));
  Var<T> apart = mul(label, square(relu(affine(d, T(-1), margin))));
  return mean(add(similar, apart));
}

// Per-gene contrastive label: 1 where |y| >= 2 (the public code's threshold), else 0.
template <class T>
Tensor<T> contrastive_labels(const Tensor<T>& y) {
  Tensor<T> l(Shape{y.size(), 1});
  for (Index i = 0; i < y.size(); ++i) l[i] = (y[i] >= T(2) || y[i] <= T(-2)) ? T(1) : T(0);
  return l;
}

}  // namespace deepdiff
