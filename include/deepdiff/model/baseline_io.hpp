// The neural baselines (DeepChrome, attentivechrome_diff's two AttentiveChrome models) to and
// from checkpoints, beside model/model_io.hpp's DeepDiff: the configuration in the metadata
// ("model" names the kind), the parameters with PyTorch's names. docs/checkpoint-format.md.
// The sizes in the metadata are checked against the parameters the file holds before a model
// is built from them (a forged size must not allocate gigabytes).
#pragma once

#include <cstdlib>
#include <string>
#include <utility>

#include "deepdiff/io/checkpoint.hpp"
#include "deepdiff/io/number_format.hpp"
#include "deepdiff/model/attentivechrome.hpp"
#include "deepdiff/model/baseline_common.hpp"
#include "deepdiff/model/deepchrome.hpp"
#include "deepdiff/model/model_io.hpp"

namespace deepdiff {

// ---- DeepChrome --------------------------------------------------------------------------

// Every size is recorded, so a DeepChrome of other sizes than the spec's (a library user's,
// the parity goldens') reads back; `dropout` only matters for training but is part of the model.
inline void config_to_meta(const DeepChromeConfig& c, Checkpoint& ck) {
  ck.meta["model"] = "deepchrome";
  ck.meta["variant"] = "deepchrome";
  ck.meta["bins"] = std::to_string(c.bins);
  ck.meta["marks"] = std::to_string(c.marks);
  ck.meta["channels"] = std::to_string(c.channels);
  ck.meta["kernel"] = std::to_string(c.kernel);
  ck.meta["pool"] = std::to_string(c.pool);
  ck.meta["fc1"] = std::to_string(c.hidden1);
  ck.meta["fc2"] = std::to_string(c.hidden2);
  ck.meta["dropout"] = model_io_detail::exact_number(c.dropout);
  ck.meta["hidden1"] = "0";  // keys every checkpoint has (checkpoint_required_meta); no LSTM here
  ck.meta["hidden2"] = "0";
}

inline DeepChromeConfig deepchrome_config_from_meta(const Checkpoint& ck, const std::string& path) {
  baseline_detail::expect_meta(ck, "model", "deepchrome", path);
  DeepChromeConfig c;
  const auto size = [&](const char* key, long long hi) {
    return static_cast<Index>(checkpoint_meta_integer(ck, key, 1, hi, path));
  };
  c.bins = size("bins", 100000000);
  c.marks = size("marks", 100000);
  c.channels = size("channels", 100000);
  c.kernel = size("kernel", 100000);
  c.pool = size("pool", 100000);
  c.hidden1 = size("fc1", 100000000);
  c.hidden2 = size("fc2", 100000000);
  const std::string& d = checkpoint_meta(ck, "dropout", path);
  char* end = nullptr;
  c.dropout = std::strtod(d.c_str(), &end);
  if (d.empty() || *end != '\0' || !(c.dropout >= 0 && c.dropout < 1))
    throw CheckpointError(path, "checkpoint entry dropout='" + d + "' is not a number in [0, 1)");
  return c;
}

inline void check_checkpoint_config(const DeepChromeConfig& m, const Checkpoint& ck, const std::string& path) {
  const DeepChromeConfig c = deepchrome_config_from_meta(ck, path);
  const auto sizes = [](const DeepChromeConfig& x) {
    return "bins " + std::to_string(x.bins) + ", marks " + std::to_string(x.marks) + ", channels " +
           std::to_string(x.channels) + ", kernel " + std::to_string(x.kernel) + ", pool " + std::to_string(x.pool) +
           ", fc1 " + std::to_string(x.hidden1) + ", fc2 " + std::to_string(x.hidden2) + ", dropout " +
           model_io_detail::exact_number(x.dropout);
  };
  if (sizes(c) != sizes(m))
    throw CheckpointError(path, "checkpoint sizes (" + sizes(c) + ") differ from the model's (" + sizes(m) + ")");
}
inline std::string model_label(const DeepChromeConfig&) { return "deepchrome"; }

namespace baseline_io_detail {

// Parameters stored under `prefix` (all of them when empty), the training state excluded.
inline double stored_parameters(const Checkpoint& ck, const std::string& prefix) {
  double n = 0;
  for (const NamedArray& a : ck.tensors)
    if (a.name.rfind("__", 0) != 0 && a.name.compare(0, prefix.size(), prefix) == 0)
      n += static_cast<double>(a.values.size());
  return n;
}

inline void check_count(double want, double stored, const std::string& what, const std::string& path) {
  if (want != stored)
    throw CheckpointError(path, "the sizes in the metadata (" + what + ") make " + format_number(want) +
                                    " parameters, but the file holds " + format_number(stored));
}

}  // namespace baseline_io_detail

template <class T>
DeepChrome<T> load_deepchrome(const Checkpoint& ck, const std::string& path) {
  const DeepChromeConfig c = deepchrome_config_from_meta(ck, path);
  if (c.pooled() < 1)
    throw CheckpointError(path, "bins=" + std::to_string(c.bins) + " is too short for deepchrome");
  baseline_io_detail::check_count(deepchrome_parameter_count(c), baseline_io_detail::stored_parameters(ck, ""),
                                  "deepchrome, bins " + std::to_string(c.bins) + ", marks " + std::to_string(c.marks) +
                                      ", fc1 " + std::to_string(c.hidden1),
                                  path);
  DeepChrome<T> m(c);
  load_parameters(m, ck, path);
  return m;
}

// ---- attentivechrome_diff: two AttentiveChrome models in one file -------------------------

// The tensor-name prefix of cell A's or B's model.
inline const std::string& cell_prefix(bool cell_b) {
  static const std::string a = "cell_a.", b = "cell_b.";
  return cell_b ? b : a;
}

template <class T>
Checkpoint attentivechrome_diff_checkpoint(const AttentiveChrome<T>& a, const AttentiveChrome<T>& b) {
  const AttentiveChromeConfig& c = a.config();
  Checkpoint ck;
  ck.scalar_bytes = sizeof(T) == 8 ? 8 : 4;
  ck.meta["model"] = "attentivechrome_diff";
  ck.meta["variant"] = "attentivechrome_diff";
  ck.meta["bins"] = std::to_string(c.bins);
  ck.meta["marks"] = std::to_string(c.marks);
  ck.meta["hidden1"] = std::to_string(c.hidden1);
  ck.meta["hidden2"] = std::to_string(c.hidden2());
  append_parameters(a.params(), a.params().values(), cell_prefix(false), ck);
  append_parameters(b.params(), b.params().values(), cell_prefix(true), ck);
  return ck;
}

template <class T>
std::pair<AttentiveChrome<T>, AttentiveChrome<T>> load_attentivechrome_diff(const Checkpoint& ck, const std::string& path) {
  baseline_detail::expect_meta(ck, "model", "attentivechrome_diff", path);
  AttentiveChromeConfig c;
  c.bins = static_cast<Index>(checkpoint_meta_integer(ck, "bins", 1, 100000000, path));
  c.marks = static_cast<Index>(checkpoint_meta_integer(ck, "marks", 1, 100000, path));
  c.hidden1 = static_cast<Index>(checkpoint_meta_integer(ck, "hidden1", 2, 100000, path));
  if (c.hidden1 % 2 != 0 || checkpoint_meta_integer(ck, "hidden2", 1, 100000, path) != c.hidden2())
    throw CheckpointError(path, "hidden1 must be even and hidden2 = hidden1 / 2");
  const std::string what = "attentivechrome_diff, marks " + std::to_string(c.marks) + ", hidden1 " + std::to_string(c.hidden1);
  for (bool b : {false, true})
    baseline_io_detail::check_count(attentivechrome_parameter_count(c),
                                    baseline_io_detail::stored_parameters(ck, cell_prefix(b)),
                                    what + ", " + cell_prefix(b) + "*", path);
  if (baseline_io_detail::stored_parameters(ck, "") != 2 * attentivechrome_parameter_count(c))
    throw CheckpointError(path, "tensors other than cell_a.* and cell_b.* in an attentivechrome_diff checkpoint");
  AttentiveChromeConfig cb = c;
  cb.cell = AttentiveChromeCell::b;
  std::pair<AttentiveChrome<T>, AttentiveChrome<T>> m{AttentiveChrome<T>(c), AttentiveChrome<T>(cb)};
  load_parameter_values(m.first.params(), ck, path, cell_prefix(false), "attentivechrome_diff (cell A)");
  load_parameter_values(m.second.params(), ck, path, cell_prefix(true), "attentivechrome_diff (cell B)");
  return m;
}

// One cell's model alone (the training state file of each cell, state_a.bin / state_b.bin).
inline void config_to_meta(const AttentiveChromeConfig& c, Checkpoint& ck) {
  ck.meta["model"] = "attentivechrome_diff";
  ck.meta["variant"] = "attentivechrome_diff";
  ck.meta["cell"] = c.cell == AttentiveChromeCell::b ? "b" : "a";
  ck.meta["bins"] = std::to_string(c.bins);
  ck.meta["marks"] = std::to_string(c.marks);
  ck.meta["hidden1"] = std::to_string(c.hidden1);
  ck.meta["hidden2"] = std::to_string(c.hidden2());
}
inline void check_checkpoint_config(const AttentiveChromeConfig& m, const Checkpoint& ck, const std::string& path) {
  baseline_detail::expect_meta(ck, "model", "attentivechrome_diff", path);
  baseline_detail::expect_meta(ck, "cell", m.cell == AttentiveChromeCell::b ? "b" : "a", path);
  for (const auto& kv : {std::make_pair("bins", m.bins), std::make_pair("marks", m.marks), std::make_pair("hidden1", m.hidden1)})
    if (checkpoint_meta_integer(ck, kv.first, 0, 100000000, path) != kv.second)
      throw CheckpointError(path, std::string("checkpoint entry ") + kv.first + " differs from the model's (" +
                                      std::to_string(kv.second) + ")");
}
inline std::string model_label(const AttentiveChromeConfig& c) {
  return std::string("attentivechrome_diff (cell ") + (c.cell == AttentiveChromeCell::b ? "B" : "A") + ")";
}

}  // namespace deepdiff
