// ParameterStore<T>: every trainable value of a model in one contiguous slab, and every
// gradient in a second slab of the same layout, with named views.
//
// Names and order follow the PyTorch state_dict of the public DeepDiff code
// (e.g. "rnn_hms.0.rnn.weight_ih_l0"), so checkpoints, golden files and converters need no
// renaming table. The optimizer, clipping, checkpoints and gradient checks each loop over
// one buffer. Register every parameter before taking pointers: add() may reallocate.
#pragma once

#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "deepdiff/autograd/tape.hpp"
#include "deepdiff/tensor/random.hpp"
#include "deepdiff/tensor/tensor.hpp"

namespace deepdiff {

struct ParamInfo {
  std::string name;
  Shape shape;
  Index offset = 0;  // into the slab
  Index size = 0;
};

template <class T>
class ParameterStore {
 public:
  // Register a parameter; returns its id (registration order = state_dict order).
  Index add(const std::string& name, const Shape& shape) {
    if (index_.count(name)) throw std::invalid_argument("duplicate parameter name '" + name + "'");
    ParamInfo p{name, shape, static_cast<Index>(values_.size()), shape_numel(shape)};
    values_.resize(values_.size() + static_cast<std::size_t>(p.size), T(0));
    grads_.resize(values_.size(), T(0));
    index_.emplace(name, static_cast<Index>(params_.size()));
    params_.push_back(std::move(p));
    return static_cast<Index>(params_.size()) - 1;
  }

  Index count() const { return static_cast<Index>(params_.size()); }
  Index numel() const { return static_cast<Index>(values_.size()); }
  const ParamInfo& info(Index id) const { return params_.at(static_cast<std::size_t>(id)); }
  const std::vector<ParamInfo>& infos() const { return params_; }

  // Id of a named parameter, or -1.
  Index find(const std::string& name) const {
    auto it = index_.find(name);
    return it == index_.end() ? Index(-1) : it->second;
  }
  Index id(const std::string& name) const {
    const Index i = find(name);
    if (i < 0) throw std::out_of_range("no parameter named '" + name + "'");
    return i;
  }

  T* value(Index id) { return values_.data() + info(id).offset; }
  const T* value(Index id) const { return values_.data() + info(id).offset; }
  T* grad(Index id) { return grads_.data() + info(id).offset; }
  const T* grad(Index id) const { return grads_.data() + info(id).offset; }

  // Rank-2 view of one parameter (a bias [n] is a row [1, n]).
  MatrixMap<T> view(Index id) {
    const ParamInfo& p = info(id);
    const Index r = p.shape.size() <= 1 ? 1 : p.shape[0];
    return MatrixMap<T>(value(id), r, r ? p.size / r : 0);
  }
  AlignedVector<T>& values() { return values_; }
  const AlignedVector<T>& values() const { return values_; }
  AlignedVector<T>& grads() { return grads_; }
  const AlignedVector<T>& grads() const { return grads_; }

  void zero_grad() { std::fill(grads_.begin(), grads_.end(), T(0)); }

  // PyTorch's uniform_(lo, hi) on every parameter in registration order (not bitwise the
  // same stream as PyTorch's generator; the distribution is the same).
  void init_uniform(Rng& rng, double lo, double hi) {
    for (T& v : values_) v = static_cast<T>(rng.uniform(lo, hi));
  }

  // The parameter as a leaf of `tape`; its gradient lands in grads() after backward().
  Var<T> var(Tape<T>& tape, Index id) { return tape.parameter(value(id), grad(id), info(id).shape); }

 private:
  std::vector<ParamInfo> params_;
  std::unordered_map<std::string, Index> index_;
  AlignedVector<T> values_;  // aligned: reductions over them must not depend on malloc
  AlignedVector<T> grads_;
};

}  // namespace deepdiff
