// Global-norm gradient clipping with PyTorch's clip_grad_norm_ semantics (max_norm, L2):
//   total = || ( ||g_1||, ..., ||g_P|| ) ||_2        (a norm of per-parameter norms)
//   coef  = min(1, max_norm / (total + 1e-6));   every g *= coef   (also when coef == 1)
// Returns the total norm before clipping. Norms are accumulated in double.
#pragma once

#include <algorithm>
#include <cmath>

#include "deepdiff/nn/parameters.hpp"

namespace deepdiff {

template <class T>
double clip_grad_norm(ParameterStore<T>& store, double max_norm) {
  double total_sq = 0.0;
  for (const ParamInfo& p : store.infos()) {
    const T* g = store.grads().data() + p.offset;
    double s = 0.0;
    for (Index i = 0; i < p.size; ++i) s += static_cast<double>(g[i]) * static_cast<double>(g[i]);
    const double n = std::sqrt(s);
    total_sq += n * n;
  }
  const double total = std::sqrt(total_sq);
  const double coef = std::min(1.0, max_norm / (total + 1e-6));
  const T c = static_cast<T>(coef);
  for (T& g : store.grads()) g *= c;
  return total;
}

}  // namespace deepdiff
