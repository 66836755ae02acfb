// Tape<T>: reverse-mode automatic differentiation over an explicit, append-only tape.
//
// Every value computed in a forward pass is a node on the tape. A node that depends on a
// value requiring a gradient stores a backward closure; Tape::backward(out) walks the nodes
// in reverse order of creation and each closure sends its node's gradient to its inputs.
//
// Gradient contract
//   - Gradients accumulate: a closure adds (+=) into its inputs' gradients, never assigns.
//   - Parameter leaves (Tape::parameter) add their gradient into the ParameterStore's
//     gradient slab when backward() finishes; that slab is zeroed only by an explicit
//     ParameterStore::zero_grad(). Several backward passes therefore sum, as in PyTorch.
//   - A custom (fused) operation joins the tape with Tape::record(): its output value,
//     its inputs, and one closure that computes all input gradients at once.
// There is no global state: a tape is an ordinary object, usually one per training step.
#pragma once

#include <deque>
#include <functional>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "deepdiff/tensor/tensor.hpp"

namespace deepdiff {

template <class T>
class Tape;

// A handle to a node of a tape: cheap to copy, valid while the tape lives.
template <class T>
struct Var {
  Tape<T>* tape = nullptr;
  int id = -1;

  bool valid() const { return tape != nullptr && id >= 0; }
  const Tensor<T>& value() const { return tape->value(id); }
  const Shape& shape() const { return tape->value(id).shape(); }
  bool requires_grad() const { return tape->requires_grad(id); }
  // The gradient of the last backward() with respect to this value (zeros if none reached it).
  const Tensor<T>& grad() const { return tape->grad(id); }
};

template <class T>
class Tape {
 public:
  // Called once during backward() with the gradient of the node's output; adds into the
  // gradients of the node's inputs (Tape::grad(input_id)).
  using Backward = std::function<void(Tape& tape, const Tensor<T>& grad_out)>;

  Tape() = default;
  Tape(const Tape&) = delete;
  Tape& operator=(const Tape&) = delete;

  // A value that never needs a gradient (data, targets, masks).
  Var<T> constant(Tensor<T> value) { return push(std::move(value), false, nullptr, nullptr); }

  // An input we want the gradient of (used by gradient checks and by callers that need
  // d loss / d input).
  Var<T> leaf(Tensor<T> value) { return push(std::move(value), true, nullptr, nullptr); }

  // A trainable parameter: its value is copied from `values`; after backward() its gradient
  // is added into `grads`. The same `values` pointer always yields the same node, so a
  // weight shared by two branches (siamese encoders) is one leaf with one gradient.
  Var<T> parameter(const T* values, T* grads, const Shape& shape) {
    auto it = param_nodes_.find(values);
    if (it != param_nodes_.end()) return Var<T>{this, it->second};
    Tensor<T> v(shape);
    std::copy(values, values + v.size(), v.data());
    Var<T> var = push(std::move(v), true, nullptr, grads);
    param_nodes_.emplace(values, var.id);
    return var;
  }

  // Record an operation: `value` was computed from `inputs`; `backward` propagates.
  // If no input requires a gradient the closure is dropped and the result is a constant.
  Var<T> record(Tensor<T> value, std::initializer_list<Var<T>> inputs, Backward backward) {
    return record(std::move(value), std::vector<Var<T>>(inputs), std::move(backward));
  }
  Var<T> record(Tensor<T> value, const std::vector<Var<T>>& inputs, Backward backward) {
    bool needs = false;
    for (const Var<T>& in : inputs) {
      if (in.tape != this) throw std::logic_error("Tape::record: input from another tape");
      needs = needs || requires_grad(in.id);
    }
    return push(std::move(value), needs, needs ? std::move(backward) : nullptr, nullptr);
  }

  const Tensor<T>& value(int id) const { return node(id).value; }
  bool requires_grad(int id) const { return node(id).requires_grad; }

  // The gradient buffer of a node, zero-filled on first use.
  Tensor<T>& grad(int id) {
    Node& n = node(id);
    if (n.grad.shape() != n.value.shape() || n.grad.size() != n.value.size()) n.grad = Tensor<T>(n.value.shape());
    return n.grad;
  }
  const Tensor<T>& grad(int id) const { return const_cast<Tape*>(this)->grad(id); }

  // Reverse sweep from `out`. With no seed, `out` must hold one element and is seeded with
  // 1. Nodes created after `out` are ignored. May be called once per forward pass.
  void backward(Var<T> out) {
    if (node(out.id).value.size() != 1)
      throw std::invalid_argument("Tape::backward: output of shape " + shape_string(out.shape()) +
                                  " is not a scalar; pass a seed gradient");
    Tensor<T> seed(out.shape(), T(1));
    backward(out, seed);
  }
  void backward(Var<T> out, const Tensor<T>& seed) {
    if (out.tape != this) throw std::logic_error("Tape::backward: output from another tape");
    if (seed.size() != node(out.id).value.size()) throw std::invalid_argument("Tape::backward: seed shape");
    for (Node& n : nodes_) n.grad = Tensor<T>();
    grad(out.id).vec() += seed.vec();
    for (int id = out.id; id >= 0; --id) {
      Node& n = nodes_[static_cast<std::size_t>(id)];
      if (!n.requires_grad || n.grad.empty()) continue;
      if (n.backward) n.backward(*this, n.grad);
      if (n.param_grad) {
        VectorMap<T>(n.param_grad, n.grad.size()) += n.grad.vec();
      }
    }
  }

  // Batch-invariant operations: each row of a product (matmul) and of a row-wise softmax is
  // computed alone, in one fixed order (ops.hpp), so a row's result depends on that row's
  // inputs only, never on how many rows the operands have or where the row sits among them
  // (Eigen's GEMM and vectorized reductions choose their summation order by both). The
  // inference path turns it on, so a gene's prediction does not depend on its batch. Off by
  // default: training keeps Eigen's products, and with them its recorded numbers.
  void set_batch_invariant(bool on) { batch_invariant_ = on; }
  bool batch_invariant() const { return batch_invariant_; }

  std::size_t size() const { return nodes_.size(); }
  void clear() {
    nodes_.clear();
    param_nodes_.clear();
  }

 private:
  struct Node {
    Tensor<T> value;
    Tensor<T> grad;
    bool requires_grad = false;
    Backward backward;
    T* param_grad = nullptr;
  };

  Var<T> push(Tensor<T> value, bool requires_grad, Backward backward, T* param_grad) {
    nodes_.push_back(Node{std::move(value), Tensor<T>(), requires_grad, std::move(backward), param_grad});
    return Var<T>{this, static_cast<int>(nodes_.size() - 1)};
  }
  Node& node(int id) {
    if (id < 0 || static_cast<std::size_t>(id) >= nodes_.size())
      throw std::out_of_range("Tape: no node " + std::to_string(id));
    return nodes_[static_cast<std::size_t>(id)];
  }
  const Node& node(int id) const { return const_cast<Tape*>(this)->node(id); }

  std::deque<Node> nodes_;  // deque: references to earlier nodes stay valid while we append
  std::unordered_map<const T*, int> param_nodes_;
  bool batch_invariant_ = false;
};

}  // namespace deepdiff
