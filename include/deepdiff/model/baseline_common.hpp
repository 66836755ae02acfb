// What the two non-neural baselines (model/ridge.hpp, model/xgboost_model.hpp) share: the
// checks on the splits they are fitted on, the targets, and reading their checkpoint entries.
// One copy, so both refuse the same data with the same words.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "deepdiff/data/dataset.hpp"
#include "deepdiff/io/checkpoint.hpp"

namespace deepdiff {
namespace baseline_detail {

// Both splits hold expression, share T and M, T >= windows, and train has >= min_train genes.
inline void check_splits(const char* who, const Split& train, const Split& valid, Index windows, Index min_train) {
  const std::string w(who);
  if (!train.has_expression || !valid.has_expression)
    throw std::invalid_argument(w + ": the " + (train.has_expression ? valid.name : train.name) +
                                " split has no expression values to fit or select on");
  if (train.bins != valid.bins || train.marks != valid.marks)
    throw std::invalid_argument(w + ": train has " + std::to_string(train.bins) + " bins x " +
                                std::to_string(train.marks) + " marks, valid " + std::to_string(valid.bins) +
                                " x " + std::to_string(valid.marks));
  if (windows < 1 || train.bins < windows)
    throw std::invalid_argument(w + ": " + std::to_string(train.bins) + " bins cannot make " +
                                std::to_string(windows) + " windows");
  if (train.genes() < min_train)
    throw std::invalid_argument(w + ": needs at least " + std::to_string(min_train) + " training genes, got " +
                                std::to_string(train.genes()));
  if (valid.genes() < 1) throw std::invalid_argument(w + ": the validation split has no genes");
}

// y = log2((eB + 1) / (eA + 1)) of every gene (spec, "The task").
inline std::vector<double> targets(const Split& s) {
  std::vector<double> y(static_cast<std::size_t>(s.genes()));
  for (Index g = 0; g < s.genes(); ++g) y[static_cast<std::size_t>(g)] = s.y(g);
  return y;
}

// meta[key] == want, or an error naming the entry.
inline void expect_meta(const Checkpoint& ck, const std::string& key, const std::string& want,
                        const std::string& path) {
  const std::string& v = checkpoint_meta(ck, key, path);
  if (v != want) throw CheckpointError(path, "checkpoint entry " + key + "='" + v + "' is not '" + want + "'");
}

// The tensor `name` with exactly `shape`, every value finite; or an error naming it.
inline const NamedArray& tensor(const Checkpoint& ck, const std::string& name, const Shape& shape,
                                const std::string& path) {
  const NamedArray* t = ck.find(name);
  if (!t) throw CheckpointError(path, "checkpoint has no tensor '" + name + "'");
  if (t->shape != shape)
    throw CheckpointError(path, "tensor '" + name + "' has shape " + shape_string(t->shape) + ", expected " +
                                    shape_string(shape));
  for (std::size_t i = 0; i < t->values.size(); ++i)
    if (!std::isfinite(t->values[i]))
      throw CheckpointError(path, "tensor '" + name + "' holds a non-finite value at index " + std::to_string(i));
  return *t;
}

// Refuses tensors other than `names` (a file of another model, or a newer writer).
inline void only_tensors(const Checkpoint& ck, const std::vector<std::string>& names, const std::string& path) {
  for (const NamedArray& t : ck.tensors) {
    bool known = false;
    for (const std::string& n : names) known = known || n == t.name;
    if (!known) throw CheckpointError(path, "checkpoint holds an unexpected tensor '" + t.name + "'");
  }
}

}  // namespace baseline_detail
}  // namespace deepdiff
