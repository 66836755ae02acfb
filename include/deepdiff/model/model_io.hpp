// A DeepDiff model (and, for resuming, its training state) to and from a checkpoint file
// (docs/checkpoint-format.md). Loading checks the variant, the sizes and every parameter's
// name and shape, and names the first thing that differs; it refuses non-finite values (a
// model with a NaN weight predicts NaN for every gene) and inconsistent training counters.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "deepdiff/io/checkpoint.hpp"
#include "deepdiff/io/number_format.hpp"
#include "deepdiff/model/deepdiff_model.hpp"
#include "deepdiff/model/memory.hpp"

namespace deepdiff {

inline ModelConfig config_from_meta(const Checkpoint& ck, const std::string& path) {
  auto get = [&](const char* key) -> std::string {
    auto it = ck.meta.find(key);
    if (it == ck.meta.end()) throw CheckpointError(path, std::string("checkpoint has no '") + key + "' entry");
    return it->second;
  };
  auto get_index = [&](const char* key) -> Index {
    const std::string v = get(key);
    try {
      std::size_t used = 0;
      const long long x = std::stoll(v, &used);
      if (used != v.size() || x < 1) throw std::invalid_argument(v);
      return static_cast<Index>(x);
    } catch (const std::exception&) {
      throw CheckpointError(path, std::string("checkpoint entry ") + key + "='" + v + "' is not a positive integer");
    }
  };
  ModelConfig c;
  try {
    c.variant = parse_variant(get("variant"));
  } catch (const std::invalid_argument& e) {
    throw CheckpointError(path, e.what());
  }
  c.bins = get_index("bins");
  c.marks = get_index("marks");
  c.hidden1 = get_index("hidden1");
  if (get_index("hidden2") != c.hidden2())
    throw CheckpointError(path, "hidden2 must be hidden1 / 2 in this implementation");
  return c;
}

inline void config_to_meta(const ModelConfig& c, Checkpoint& ck) {
  ck.meta["model"] = variant_name(c.variant);
  ck.meta["variant"] = variant_name(c.variant);
  ck.meta["bins"] = std::to_string(c.bins);
  ck.meta["marks"] = std::to_string(c.marks);
  ck.meta["hidden1"] = std::to_string(c.hidden1);
  ck.meta["hidden2"] = std::to_string(c.hidden2());
}

namespace model_io_detail {

// A double as text that reads back to the same double (shortest such text).
inline std::string exact_number(double v) { return format_number(v); }

}  // namespace model_io_detail

// The kind of model a checkpoint holds: its "model" entry, or, in checkpoints written before
// the baselines existed, its "variant" entry (every such file holds a DeepDiff variant).
inline std::string checkpoint_model_name(const Checkpoint& ck, const std::string& path) {
  auto it = ck.meta.find("model");
  if (it == ck.meta.end()) it = ck.meta.find("variant");
  if (it == ck.meta.end()) throw CheckpointError(path, "checkpoint has no 'model' or 'variant' entry");
  try {
    return check_model_name(it->second);
  } catch (const std::invalid_argument& e) {
    throw CheckpointError(path, e.what());
  }
}

// The parameters of `store` (values `v`) as tensors named prefix + name, in registration order.
template <class T>
void append_parameters(const ParameterStore<T>& store, const AlignedVector<T>& v, const std::string& prefix,
                       Checkpoint& ck) {
  for (const ParamInfo& p : store.infos()) {
    NamedArray a{prefix + p.name, p.shape, std::vector<double>(static_cast<std::size_t>(p.size))};
    for (Index i = 0; i < p.size; ++i) a.values[static_cast<std::size_t>(i)] = static_cast<double>(v[static_cast<std::size_t>(p.offset + i)]);
    ck.tensors.push_back(std::move(a));
  }
}

// A model's parameters (or `values`, a full parameter vector of it, e.g. the best epoch's)
// with the metadata of its configuration (config_to_meta of its config type).
template <class T, template <class> class Net>
Checkpoint model_checkpoint(const Net<T>& model, const AlignedVector<T>* values = nullptr) {
  Checkpoint ck;
  ck.scalar_bytes = sizeof(T) == 8 ? 8 : 4;
  config_to_meta(model.config(), ck);
  append_parameters(model.params(), values ? *values : model.params().values(), "", ck);
  return ck;
}

// Copy the tensors named prefix + name of `ck` into `store`: every parameter present, none
// extra (among the names with that prefix), shapes equal, values finite. `what` names the
// model in errors ("variant raw_d").
template <class T>
void load_parameter_values(ParameterStore<T>& s, const Checkpoint& ck, const std::string& path,
                           const std::string& prefix, const std::string& what) {
  Index found = 0;
  for (const NamedArray& a : ck.tensors) {
    if (a.name.rfind("__", 0) == 0) continue;  // training state, not a parameter
    if (a.name.compare(0, prefix.size(), prefix) != 0) continue;  // another part's (the other cell's model)
    const std::string name = a.name.substr(prefix.size());
    const Index id = s.find(name);
    if (id < 0) throw CheckpointError(path, "unexpected parameter '" + a.name + "' for " + what);
    const ParamInfo& p = s.info(id);
    if (p.shape != a.shape)
      throw CheckpointError(path, "parameter '" + a.name + "' has shape " + shape_string(a.shape) + ", expected " +
                            shape_string(p.shape));
    for (Index i = 0; i < p.size; ++i) {
      const double x = a.values[static_cast<std::size_t>(i)];
      if (!std::isfinite(x))
        throw CheckpointError(path, "parameter '" + a.name + "' has a non-finite value (" + std::to_string(x) +
                                        ") at index " + std::to_string(i) + ": the model would predict NaN");
      s.value(id)[i] = static_cast<T>(x);
    }
    ++found;
  }
  if (found != s.count()) {
    for (const ParamInfo& p : s.infos())
      if (!ck.find(prefix + p.name)) throw CheckpointError(path, "parameter '" + prefix + p.name + "' is missing");
  }
}

// The checkpoint must describe the same model as `m`.
inline void check_checkpoint_config(const ModelConfig& m, const Checkpoint& ck, const std::string& path) {
  const std::string kind = checkpoint_model_name(ck, path);
  if (!is_variant_name(kind))
    throw CheckpointError(path, "checkpoint holds a " + kind + " model, not a DeepDiff variant");
  const ModelConfig c = config_from_meta(ck, path);
  if (c.variant != m.variant)
    throw CheckpointError(path, "checkpoint is of variant " + variant_name(c.variant) + ", the model is " +
                          variant_name(m.variant));
  if (c.bins != m.bins || c.marks != m.marks || c.hidden1 != m.hidden1)
    throw CheckpointError(path, "checkpoint sizes (bins " + std::to_string(c.bins) + ", marks " +
                          std::to_string(c.marks) + ", hidden1 " + std::to_string(c.hidden1) +
                          ") differ from the model's (bins " + std::to_string(m.bins) + ", marks " +
                          std::to_string(m.marks) + ", hidden1 " + std::to_string(m.hidden1) + ")");
}
inline std::string model_label(const ModelConfig& c) { return "variant " + variant_name(c.variant); }

// Copy the parameters of `ck` into `model`, checking that both describe the same model
// (check_checkpoint_config and model_label of the model's config type).
template <class T, template <class> class Net>
void load_parameters(Net<T>& model, const Checkpoint& ck, const std::string& path) {
  check_checkpoint_config(model.config(), ck, path);
  load_parameter_values(model.params(), ck, path, "", model_label(model.config()));
}

template <class T>
DeepDiff<T> load_model(const std::string& path) {
  const Checkpoint ck = read_checkpoint(path);
  const std::string kind = checkpoint_model_name(ck, path);
  if (!is_variant_name(kind))
    throw CheckpointError(path, "checkpoint holds a " + kind + " model (a baseline of the study), not a DeepDiff variant");
  const ModelConfig cfg = config_from_meta(ck, path);
  // The sizes in the metadata decide what the model allocates: they must describe the
  // parameters the file holds (bounded by its size) before a model is built from them, or a
  // hidden1 of 10^9 in a few-KB file would try to allocate terabytes.
  double stored = 0;
  for (const NamedArray& a : ck.tensors)
    if (a.name.rfind("__", 0) != 0) stored += static_cast<double>(a.values.size());
  if (parameter_count(cfg) != stored)
    throw CheckpointError(path, "the sizes in the metadata (variant " + variant_name(cfg.variant) + ", marks " +
                                    std::to_string(cfg.marks) + ", hidden1 " + std::to_string(cfg.hidden1) + ") make " +
                                    format_number(parameter_count(cfg)) + " parameters, but the file holds " +
                                    format_number(stored));
  DeepDiff<T> model(cfg);
  load_parameters(model, ck, path);
  return model;
}

}  // namespace deepdiff
