// Linear: y = x W^T + b, with W [out, in] and b [out] (PyTorch's nn.Linear layout).
#pragma once

#include <string>

#include "deepdiff/autograd/ops.hpp"
#include "deepdiff/nn/parameters.hpp"

namespace deepdiff {

struct Linear {
  Index weight = -1;  // [out, in]
  Index bias = -1;    // [out]
  Index in = 0, out = 0;
};

// Registers "<prefix>.weight" and "<prefix>.bias".
template <class T>
Linear make_linear(ParameterStore<T>& store, const std::string& prefix, Index in, Index out) {
  Linear l;
  l.in = in;
  l.out = out;
  l.weight = store.add(prefix + ".weight", Shape{out, in});
  l.bias = store.add(prefix + ".bias", Shape{out});
  return l;
}

// x [B, in] -> [B, out]
template <class T>
Var<T> linear_forward(Tape<T>& tape, ParameterStore<T>& store, const Linear& l, const Var<T>& x) {
  return add(matmul(x, store.var(tape, l.weight), /*trans_b=*/true), store.var(tape, l.bias));
}

}  // namespace deepdiff
