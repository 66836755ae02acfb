// Adam with PyTorch's semantics (torch.optim.Adam, no weight decay, no amsgrad):
//   m = b1 m + (1 - b1) g;   v = b2 v + (1 - b2) g^2
//   p -= (lr / (1 - b1^t)) * m / ( sqrt(v) / sqrt(1 - b2^t) + eps )
// eps is added outside the square root, after the bias correction of v, exactly as PyTorch
// orders the operations; the scalar factors are formed in double as PyTorch forms them in
// Python. The state is two slabs shaped like the parameter slab, plus the step count.
#pragma once

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "deepdiff/nn/parameters.hpp"

namespace deepdiff {

struct AdamOptions {
  double lr = 1e-4;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
};

template <class T>
struct AdamState {
  AlignedVector<T> m, v;
  std::int64_t step = 0;
};

template <class T>
void adam_step(AlignedVector<T>& params, const AlignedVector<T>& grads, AdamState<T>& state, const AdamOptions& o) {
  if (grads.size() != params.size()) throw std::invalid_argument("adam_step: gradient and parameter sizes differ");
  if (state.m.size() != params.size()) {
    if (state.step != 0 || !state.m.empty()) throw std::invalid_argument("adam_step: state of another model");
    state.m.assign(params.size(), T(0));
    state.v.assign(params.size(), T(0));
  }
  state.step += 1;
  const double t = static_cast<double>(state.step);
  const T step_size = static_cast<T>(o.lr / (1.0 - std::pow(o.beta1, t)));
  const T bc2_sqrt = static_cast<T>(std::sqrt(1.0 - std::pow(o.beta2, t)));
  const T b1 = static_cast<T>(o.beta1), b2 = static_cast<T>(o.beta2), eps = static_cast<T>(o.eps);
  const T one_b1 = static_cast<T>(1.0 - o.beta1), one_b2 = static_cast<T>(1.0 - o.beta2);
  for (std::size_t i = 0; i < params.size(); ++i) {
    const T g = grads[i];
    state.m[i] = state.m[i] * b1 + g * one_b1;
    state.v[i] = state.v[i] * b2 + one_b2 * g * g;
    const T denom = std::sqrt(state.v[i]) / bc2_sqrt + eps;
    params[i] -= step_size * (state.m[i] / denom);
  }
}

template <class T>
void adam_step(ParameterStore<T>& store, AdamState<T>& state, const AdamOptions& o) {
  adam_step(store.values(), store.grads(), state, o);
}

}  // namespace deepdiff
