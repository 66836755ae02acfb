// deepdiff._core: the library's engine for Python and numpy (pybind11).
//
// Nothing here computes anything of its own: data loading is load_split; a model of any
// kind (the seven variants, the four baselines) is an AnyModel, trained by fit_any (the
// entry `deepdiff train` uses), applied by predict_any_arrays, saved and read as any_model.hpp
// does; synthetic data is write_synthetic. The xgboost baseline is compiled in where setup.py
// finds the XGBoost C API (DEEPDIFF_HAVE_XGBOOST). This file converts
// arguments, checks them (every bad argument is a Python exception, never a crash), and
// releases the GIL while C++ runs.
//
// Shapes: N genes, T bins, M marks, K level-2 channels (beta), C level-1 channels (alpha).
//
// Threads: the GIL is released around every call into the library; callbacks (Ctrl-C
// checks between batches, on_epoch) take it back. A Model is used by one thread at a time:
// a second thread gets RuntimeError instead of a data race.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <deepdiff/data/dataset.hpp>
#include <deepdiff/data/metrics.hpp>
#include <deepdiff/data/synthetic.hpp>
#include <deepdiff/kernels/isa.hpp>
#include <deepdiff/model/attribution.hpp>
#include <deepdiff/model/model_io.hpp>
#include <deepdiff/train/any_model.hpp>
#include <deepdiff/train/fit.hpp>

#include <omp.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "deepdiff_build_info.hpp"  // the version and git commit, written by setup.py

namespace py = pybind11;
using namespace pybind11::literals;
using deepdiff::Index;

namespace {

// ---------------------------------------------------------------------------------------
// Errors

PyObject* g_data_error = nullptr;        // deepdiff.DataError(ValueError)
PyObject* g_checkpoint_error = nullptr;  // deepdiff.CheckpointError(ValueError)

[[noreturn]] void raise(PyObject* type, const std::string& msg) {
  PyErr_SetString(type, msg.c_str());
  throw py::error_already_set();
}

// A file problem: missing -> FileNotFoundError, unreadable (a folder, no permission) ->
// OSError, bad content -> `content_type` (a ValueError subclass) with file/line/reason set.
void set_file_error(PyObject* content_type, const std::string& message, const std::string& file, std::size_t line,
                    const std::string& reason, const std::string& hint) {
  std::error_code ec;
  const bool exists = std::filesystem::exists(file, ec);
  if (!exists) {
    PyErr_SetString(PyExc_FileNotFoundError, message.c_str());
    return;
  }
  if (!std::filesystem::is_regular_file(file, ec) || reason.rfind("cannot ", 0) == 0) {
    PyErr_SetString(PyExc_OSError, message.c_str());
    return;
  }
  py::object type = py::reinterpret_borrow<py::object>(content_type);
  py::object e = type(message);
  e.attr("file") = file;
  e.attr("line") = line;
  e.attr("reason") = reason;
  e.attr("hint") = hint;
  PyErr_SetObject(content_type, e.ptr());
}

void translate(std::exception_ptr p) {
  try {
    if (p) std::rethrow_exception(p);
  } catch (const deepdiff::DataError& e) {
    set_file_error(g_data_error, e.what(), e.file, e.line, e.reason, e.hint);
  } catch (const deepdiff::CheckpointError& e) {
    set_file_error(g_checkpoint_error, e.what(), e.file, 0, e.reason, "");
  }
}

// ---------------------------------------------------------------------------------------
// Arguments

std::string path_arg(const py::handle& p, const char* what) {
  if (p.is_none()) raise(PyExc_TypeError, std::string(what) + ": expected a path (str or os.PathLike), got None");
  py::object s;
  try {
    s = py::module_::import("os").attr("fspath")(p);
  } catch (py::error_already_set&) {
    raise(PyExc_TypeError, std::string(what) + ": expected a path (str or os.PathLike), got " +
                               std::string(py::str(py::type::of(p).attr("__name__"))));
  }
  if (!py::isinstance<py::str>(s)) raise(PyExc_TypeError, std::string(what) + ": expected a str path, got bytes");
  std::string r = s.cast<std::string>();
  if (r.empty()) raise(PyExc_ValueError, std::string(what) + ": empty path");
  if (r.find('\0') != std::string::npos) raise(PyExc_ValueError, std::string(what) + ": path contains a NUL byte");
  return r;
}

std::string shape_text(const py::array& a) {
  std::string s = "(";
  for (py::ssize_t i = 0; i < a.ndim(); ++i) s += (i ? ", " : "") + std::to_string(a.shape(i));
  if (a.ndim() == 1) s += ",";
  return s + ")";
}

template <class S>
using Array = py::array_t<S, py::array::c_style | py::array::forcecast>;
using FloatArray = Array<float>;

// Any real-number array-like of shape `expect` (-1: any size) with finite values, as a
// C-contiguous array of S: one of that dtype and layout is used in place, anything else is
// converted once.
template <class S>
Array<S> real_array(const py::handle& obj, const std::string& name, const std::vector<py::ssize_t>& expect,
                    const std::string& expect_text) {
  if (obj.is_none()) raise(PyExc_TypeError, name + ": expected an array of shape " + expect_text + ", got None");
  py::array arr;
  if (py::isinstance<py::array>(obj)) {
    arr = py::reinterpret_borrow<py::array>(obj);
  } else {
    try {
      arr = py::module_::import("numpy").attr("asarray")(obj);
    } catch (py::error_already_set& e) {
      raise(PyExc_ValueError, name + ": cannot make an array of shape " + expect_text + " from it (" + e.what() + ")");
    }
  }
  const char kind = arr.dtype().kind();
  if (kind != 'f' && kind != 'i' && kind != 'u')
    raise(PyExc_ValueError, name + ": dtype " + std::string(py::str(arr.dtype())) +
                                " is not a real number type; expected float32 of shape " + expect_text);
  bool ok = arr.ndim() == static_cast<py::ssize_t>(expect.size());
  for (std::size_t i = 0; ok && i < expect.size(); ++i)
    ok = expect[i] < 0 || arr.shape(static_cast<py::ssize_t>(i)) == expect[i];
  if (!ok) raise(PyExc_ValueError, name + " has shape " + shape_text(arr) + ", expected " + expect_text);
  Array<S> f = Array<S>::ensure(arr);
  if (!f) raise(PyExc_ValueError, name + ": cannot convert dtype " + std::string(py::str(arr.dtype())) + " to " +
                                      (sizeof(S) == 4 ? "float32" : "float64"));
  const S* p = f.data();
  const py::ssize_t n = f.size();
  for (py::ssize_t i = 0; i < n; ++i) {
    if (std::isfinite(p[i])) continue;
    std::string at;
    py::ssize_t rest = i;
    for (py::ssize_t d = f.ndim() - 1; d >= 0; --d) {
      at = std::to_string(rest % f.shape(d)) + (at.empty() ? "" : ", ") + at;
      rest /= f.shape(d);
    }
    raise(PyExc_ValueError, name + "[" + at + "] is " + (std::isnan(p[i]) ? "nan" : "infinite") +
                                (arr.dtype().itemsize() > static_cast<py::ssize_t>(sizeof(S)) && !std::isnan(p[i]) ? " in float32" : "") +
                                ": the model needs finite values");
  }
  return f;
}

FloatArray float_array(const py::handle& obj, const std::string& name, const std::vector<py::ssize_t>& expect,
                       const std::string& expect_text) {
  return real_array<float>(obj, name, expect, expect_text);
}

std::string marks_shape(Index T, Index M) {
  return "(N, " + std::to_string(T) + ", " + std::to_string(M) + ") (genes, bins, marks)";
}

// xa, xb [N, T, M] with the same N.
std::pair<FloatArray, FloatArray> marks_pair(const py::handle& xa, const py::handle& xb, Index T, Index M) {
  FloatArray a = float_array(xa, "xa", {-1, T, M}, marks_shape(T, M));
  FloatArray b = float_array(xb, "xb", {-1, T, M}, marks_shape(T, M));
  if (a.shape(0) != b.shape(0))
    raise(PyExc_ValueError, "xa has shape " + shape_text(a) + " but xb has " + shape_text(b) +
                                ": both cells need the same genes");
  return {std::move(a), std::move(b)};
}

void check_batch_size(long long b) {
  if (b < 1) raise(PyExc_ValueError, "batch_size must be >= 1, got " + std::to_string(b));
}

// OpenMP threads for one call, restored afterwards (omp_set_num_threads is per thread).
class Threads {
 public:
  explicit Threads(int n) : previous_(omp_get_max_threads()) {
    if (n < 0 || n > 1024) raise(PyExc_ValueError, "threads must be in 0..1024 (0: OpenMP's default), got " + std::to_string(n));
    if (n > 0) omp_set_num_threads(n);
  }
  ~Threads() { omp_set_num_threads(previous_); }
  Threads(const Threads&) = delete;
  Threads& operator=(const Threads&) = delete;

 private:
  int previous_;
};

// ---------------------------------------------------------------------------------------
// Split

using SplitPtr = std::shared_ptr<deepdiff::Split>;

SplitPtr split_arg(const py::handle& obj, const char* what) {
  if (!py::isinstance<deepdiff::Split>(obj))
    raise(PyExc_TypeError, std::string(what) + ": expected a deepdiff.Split (from deepdiff.load or deepdiff.Split(...)), got " +
                               (obj.is_none() ? std::string("None") : std::string(py::str(py::type::of(obj).attr("__name__")))));
  return obj.cast<SplitPtr>();
}

// A read-only numpy view of a Split's [N, T, M] block; `owner` (the Split) stays alive with it.
py::array marks_view(const py::object& owner, const deepdiff::Split& s, const std::vector<float>& v) {
  py::array_t<float> a({static_cast<py::ssize_t>(s.genes()), static_cast<py::ssize_t>(s.bins), static_cast<py::ssize_t>(s.marks)},
                       v.data(), owner);
  py::detail::array_proxy(a.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
  return a;
}

py::object targets(const deepdiff::Split& s, double (deepdiff::Split::*f)(Index) const) {
  if (!s.has_expression) return py::none();
  py::array_t<double> a(static_cast<py::ssize_t>(s.genes()));
  double* p = a.mutable_data();
  for (Index g = 0; g < s.genes(); ++g) p[g] = (s.*f)(g);
  return std::move(a);
}

py::object counts(const deepdiff::Split& s, const std::vector<double>& v) {
  if (!s.has_expression) return py::none();
  return py::array_t<double>(static_cast<py::ssize_t>(v.size()), v.data());
}

SplitPtr make_split(const py::handle& xa, const py::handle& xb, const py::handle& ea, const py::handle& eb,
                    const py::handle& genes, const std::string& name) {
  FloatArray a = float_array(xa, "xa", {-1, -1, -1}, "(N, T, M) (genes, bins, marks)");
  const Index T = static_cast<Index>(a.shape(1)), M = static_cast<Index>(a.shape(2));
  if (T < 1 || M < 1) raise(PyExc_ValueError, "xa has shape " + shape_text(a) + ": bins and marks must be >= 1");
  auto [fa, fb] = marks_pair(a, xb, T, M);
  const Index N = static_cast<Index>(fa.shape(0));
  auto s = std::make_shared<deepdiff::Split>();
  s->name = name;
  s->bins = T;
  s->marks = M;
  s->xa.assign(fa.data(), fa.data() + fa.size());
  s->xb.assign(fb.data(), fb.data() + fb.size());
  if (ea.is_none() != eb.is_none()) raise(PyExc_ValueError, "give both ea and eb (expression counts of the two cells), or neither");
  if (!ea.is_none()) {
    for (int c = 0; c < 2; ++c) {
      const std::string n = c == 0 ? "ea" : "eb";
      const std::string what = "(" + std::to_string(N) + ",) (one expression count per gene)";
      const Array<double> e = real_array<double>(c == 0 ? ea : eb, n, {N}, what);
      std::vector<double>& dst = c == 0 ? s->ea : s->eb;
      dst.assign(e.data(), e.data() + e.size());
      for (Index g = 0; g < N; ++g)
        if (!(dst[static_cast<std::size_t>(g)] >= 0) || !std::isfinite(dst[static_cast<std::size_t>(g)]))
          raise(PyExc_ValueError, n + "[" + std::to_string(g) + "] = " + std::to_string(dst[static_cast<std::size_t>(g)]) +
                                      ": expression counts must be >= 0");
    }
    s->has_expression = true;
  }
  if (genes.is_none()) {
    for (Index g = 0; g < N; ++g) s->gene_ids.push_back("gene" + std::to_string(g + 1));
  } else {
    if (py::isinstance<py::str>(genes)) raise(PyExc_TypeError, "genes: expected a list of gene ids, got a str");
    std::vector<std::string> ids;
    try {
      ids = genes.cast<std::vector<std::string>>();
    } catch (py::cast_error&) {
      raise(PyExc_TypeError, "genes: expected a list of str (one gene id per row of xa)");
    }
    if (static_cast<Index>(ids.size()) != N)
      raise(PyExc_ValueError, "genes has " + std::to_string(ids.size()) + " ids, xa has " + std::to_string(N) + " genes");
    s->gene_ids = std::move(ids);
  }
  s->gene_symbols.assign(s->gene_ids.size(), "");
  return s;
}

// ---------------------------------------------------------------------------------------
// Model

// Every model kind of the study (the seven variants and the four baselines) is one
// deepdiff::AnyModel (train/any_model.hpp), so this file never dispatches on the kind for
// training, prediction or checkpoints: fit_any, predict_any_arrays, any_checkpoint,
// load_any_model do.
struct Model {
  Model(deepdiff::AnyModel a, Index bins_, Index marks_, Index hidden_)
      : any(std::move(a)), bins(bins_), marks(marks_), hidden(hidden_) {}
  deepdiff::AnyModel any;
  // T, M and the level-1 size (0: the kind has none). Kept here because ridge and xgboost
  // hold nothing until fitted, yet fit must check the splits against what the user asked for.
  Index bins, marks, hidden;
  std::optional<std::uint64_t> seed;  // of the initialization (unknown for a loaded checkpoint)
  deepdiff::kernels::Precision precision = deepdiff::kernels::Precision::fp32;  // of the LSTM products
  // The last fit's epochs; `parts[i]` is the fit record i belongs to ("" for a single model,
  // "cell A" / "cell B" for attentivechrome_diff).
  std::vector<deepdiff::EpochRecord> history;
  std::vector<std::string> parts;
  int best_epoch = 0;
  double best_valid_pcc = std::nan("");
  // attentivechrome_diff: each cell's best epoch and its validation PCC (of its own target).
  std::vector<std::pair<std::string, std::pair<int, double>>> cell_best;
  // One thread at a time (see InUse); guarded by the GIL.
  std::thread::id owner;
  int users = 0;
  bool training = false;

  const std::string& name() const { return any.name; }
  bool neural() const { return any.deepdiff || any.deepchrome || any.cell_a; }
  bool fitted() const {
    if (neural() || any.ridge) return true;
#ifdef DEEPDIFF_HAVE_XGBOOST
    if (any.xgboost) return true;
#endif
    return false;
  }
  bool aux_outputs() const { return any.cell_a || (any.deepdiff && deepdiff::has_aux_heads(any.deepdiff->variant())); }
  // The parameter stores, with the prefix of their state_dict names (attentivechrome_diff:
  // "cell_a." / "cell_b.", the names its checkpoint uses).
  std::vector<std::pair<std::string, deepdiff::ParameterStore<float>*>> stores() {
    if (any.deepdiff) return {{"", &any.deepdiff->params()}};
    if (any.deepchrome) return {{"", &any.deepchrome->params()}};
    if (any.cell_a) return {{"cell_a.", &any.cell_a->params()}, {"cell_b.", &any.cell_b->params()}};
    return {};
  }
};

// ridge and xgboost are data only after a fit (or a load); say so instead of failing deep down.
void require_fitted(const Model& m, const char* what) {
  if (!m.fitted())
    raise(PyExc_ValueError, std::string(what) + ": this " + m.name() +
                                " model is not fitted yet (it holds nothing before fit): call fit(train, valid) first, "
                                "or Model.load a checkpoint");
}

// Marks a Model in use by this thread for the length of a call. Built and destroyed with
// the GIL held, which serializes the bookkeeping. The same thread may re-enter (predict or
// state_dict from an on_epoch callback); fit may not run inside fit.
class InUse {
 public:
  InUse(Model& m, bool train) : m_(m), train_(train) {
    const std::thread::id me = std::this_thread::get_id();
    if (m.users > 0 && m.owner != me)
      raise(PyExc_RuntimeError, "this Model is in use by another thread; use one Model per thread");
    if (train && m.training) raise(PyExc_RuntimeError, "fit is already running on this Model");
    m.owner = me;
    ++m.users;
    if (train) m.training = true;
  }
  ~InUse() {
    --m_.users;
    if (train_) m_.training = false;
  }
  InUse(const InUse&) = delete;
  InUse& operator=(const InUse&) = delete;

 private:
  Model& m_;
  bool train_;
};

// A record of metrics.json's "epochs"; attentivechrome_diff's also say which cell ("A", "B").
py::dict record_dict(const deepdiff::EpochRecord& r, const std::string& part = "") {
  py::dict d("epoch"_a = r.epoch, "train_loss"_a = r.train_loss, "train_pcc"_a = r.train_pcc,
             "train_mse"_a = r.train_mse, "valid_pcc"_a = r.valid_pcc, "valid_mse"_a = r.valid_mse,
             "train_seconds"_a = r.train_seconds, "valid_seconds"_a = r.valid_seconds);
  if (!part.empty()) d["cell"] = part.substr(part.size() - 1);  // "cell A" -> "A"
  return d;
}

py::array_t<float> to_numpy(const std::vector<double>& v) {
  py::array_t<float> a(static_cast<py::ssize_t>(v.size()));
  float* p = a.mutable_data();
  for (std::size_t i = 0; i < v.size(); ++i) p[i] = static_cast<float>(v[i]);
  return a;
}

// Hands a tensor's storage to numpy without copying.
py::array to_numpy(deepdiff::Tensor<float>&& t) {
  auto* owned = new deepdiff::Tensor<float>(std::move(t));
  py::capsule free_it(owned, [](void* p) { delete static_cast<deepdiff::Tensor<float>*>(p); });
  std::vector<py::ssize_t> shape(owned->shape().begin(), owned->shape().end());
  return py::array_t<float>(shape, owned->data(), free_it);
}

// predict/attention input: a Split (xb None) or two arrays.
struct Inputs {
  SplitPtr split;
  FloatArray a, b;
  const float* xa = nullptr;
  const float* xb = nullptr;
  Index n = 0;
};

Inputs inputs(const Model& m, const py::handle& xa, const py::handle& xb) {
  const Index T = m.bins, M = m.marks;
  Inputs in;
  if (py::isinstance<deepdiff::Split>(xa)) {
    if (!xb.is_none()) raise(PyExc_TypeError, "pass a Split alone, or two arrays xa and xb");
    in.split = xa.cast<SplitPtr>();
    const deepdiff::Split& s = *in.split;
    if (s.bins != T || s.marks != M)
      raise(PyExc_ValueError, "split '" + s.name + "' has " + std::to_string(s.bins) + " bins x " + std::to_string(s.marks) +
                                  " marks, the model expects " + std::to_string(T) + " x " + std::to_string(M));
    in.xa = s.xa.data();
    in.xb = s.xb.data();
    in.n = s.genes();
  } else {
    if (xb.is_none() && !xa.is_none())
      raise(PyExc_TypeError, "xb is missing: pass the marks of both cells, xa and xb, each of shape " + marks_shape(T, M));
    auto ab = marks_pair(xa, xb, T, M);
    in.a = std::move(ab.first);
    in.b = std::move(ab.second);
    in.xa = in.a.data();
    in.xb = in.b.data();
    in.n = static_cast<Index>(in.a.shape(0));
  }
  return in;
}

deepdiff::Predictions run_predict(Model& m, const py::handle& xa, const py::handle& xb, long long batch_size, int threads,
                                  bool alpha) {
  check_batch_size(batch_size);
  require_fitted(m, alpha ? "attention" : "predict");
  if (alpha && !deepdiff::has_attention(m.any))
    raise(PyExc_ValueError, "attention: the " + m.name() +
                                " model has no attention (models with attention: the seven DeepDiff variants and "
                                "attentivechrome_diff; model.has_attention says)");
  InUse use(m, false);
  Inputs in = inputs(m, xa, xb);
  Threads th(threads);
  py::gil_scoped_release nogil;
  return deepdiff::predict_any_arrays(m.any, in.xa, in.xb, in.n, static_cast<Index>(batch_size), alpha);
}

// Model.attributions: deepdiff::attribute (model/attribution.hpp) on a Split, or on arrays
// made into one. a, b float64 [N, T, M]; prediction, baseline, gap float64 [N].
py::dict run_attributions(Model& m, const py::handle& xa, const py::handle& xb, const std::string& method,
                          long long steps, long long batch_size, int threads) {
  check_batch_size(batch_size);
  deepdiff::AttributionOptions opt;
  try {
    opt.method = deepdiff::parse_attribution_method(method);
  } catch (const std::invalid_argument& e) {
    raise(PyExc_ValueError, std::string("method: ") + e.what());
  }
  if (steps < 1) raise(PyExc_ValueError, "steps must be >= 1, got " + std::to_string(steps));
  if (!m.any.deepdiff) {
    std::string names;
    for (deepdiff::Variant v : deepdiff::all_variants()) names += (names.empty() ? "" : ", ") + std::string(deepdiff::variant_name(v));
    raise(PyExc_ValueError, "attributions: the " + m.name() +
                                " model is not a DeepDiff variant; attributions are computed for the variants (" + names + ")");
  }
  opt.steps = static_cast<Index>(steps);
  opt.batch = static_cast<Index>(batch_size);
  InUse use(m, false);
  Inputs in = inputs(m, xa, xb);
  std::shared_ptr<const deepdiff::Split> split = in.split;
  if (!split) {
    auto s = std::make_shared<deepdiff::Split>();
    const std::size_t len = static_cast<std::size_t>(in.n * m.bins * m.marks);
    s->bins = m.bins;
    s->marks = m.marks;
    s->xa.assign(in.xa, in.xa + len);
    s->xb.assign(in.xb, in.xb + len);
    s->gene_ids.resize(static_cast<std::size_t>(in.n));
    s->gene_symbols.resize(static_cast<std::size_t>(in.n));
    split = std::move(s);
  }
  // Ctrl-C: Python's handler only sets a flag while C++ runs; look at it between gene batches.
  opt.progress = [](Index, Index) {
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
  };
  Threads th(threads);
  deepdiff::Attributions r;
  {
    py::gil_scoped_release nogil;
    try {
      r = deepdiff::attribute(*m.any.deepdiff, *split, opt);
    } catch (...) {
      m.any.deepdiff->params().zero_grad();  // attribute uses them as scratch; leave them as it would
      throw;
    }
  }
  const py::ssize_t N = static_cast<py::ssize_t>(r.count());
  const std::vector<py::ssize_t> shape = {N, static_cast<py::ssize_t>(r.bins), static_cast<py::ssize_t>(r.marks)};
  auto array = [](const std::vector<py::ssize_t>& sh, const std::vector<double>& v) {
    py::array_t<double> a(sh);
    std::copy(v.begin(), v.end(), a.mutable_data());
    return a;
  };
  std::vector<double> gap(static_cast<std::size_t>(N));
  for (Index i = 0; i < r.count(); ++i) gap[static_cast<std::size_t>(i)] = r.gap(i);
  return py::dict("a"_a = array(shape, r.a), "b"_a = array(shape, r.b), "prediction"_a = array({N}, r.prediction),
                  "baseline"_a = array({N}, r.baseline), "gap"_a = array({N}, gap));
}

std::string seconds_text(double s) {
  char b[32];
  if (s >= 3600) std::snprintf(b, sizeof b, "%dh%02dm", static_cast<int>(s / 3600), static_cast<int>(s / 60) % 60);
  else if (s >= 60) std::snprintf(b, sizeof b, "%dm%02ds", static_cast<int>(s / 60), static_cast<int>(s) % 60);
  else std::snprintf(b, sizeof b, "%.1fs", s);
  return b;
}

// A training or validation split for this model: its sizes, genes, targets. The neural kinds'
// fit checks the same again; ridge and xgboost are checked only here.
void check_fit_split(const Model& m, const deepdiff::Split& s, const char* role) {
  const std::string who = std::string(role) + " split '" + s.name + "'";
  if (s.genes() < 1) raise(PyExc_ValueError, who + " has no genes");
  if (s.bins != m.bins || s.marks != m.marks)
    raise(PyExc_ValueError, who + " has " + std::to_string(s.bins) + " bins x " + std::to_string(s.marks) +
                                " marks, the model expects " + std::to_string(m.bins) + " x " + std::to_string(m.marks));
  if (!s.has_expression) raise(PyExc_ValueError, who + " has no expression values (training needs the targets)");
  deepdiff::check_target_varies(s, role);  // std::invalid_argument -> ValueError
}

py::list fit(Model& m, const py::handle& train_obj, const py::handle& valid_obj, int epochs, double lr, long long batch_size,
             double clip, const py::object& seed, int threads, const py::object& on_epoch, bool verbose) {
  SplitPtr train = split_arg(train_obj, "train"), valid = split_arg(valid_obj, "valid");
  if (!on_epoch.is_none() && !PyCallable_Check(on_epoch.ptr())) raise(PyExc_TypeError, "on_epoch must be callable or None");
  deepdiff::TrainOptions o;
  o.epochs = epochs;
  o.lr = lr;
  o.batch_size = static_cast<Index>(batch_size);
  o.clip = clip;
  o.seed = m.seed.value_or(1);
  o.expression_scale = train->scaling.scale;  // the targets as loaded; fit checks valid's against them
  if (!seed.is_none()) {
    if (!py::isinstance<py::int_>(seed) || py::isinstance<py::bool_>(seed))
      raise(PyExc_TypeError, "seed must be an int or None, got " + std::string(py::str(py::type::of(seed).attr("__name__"))));
    const auto largest = py::reinterpret_steal<py::object>(PyLong_FromUnsignedLongLong(~0ull));
    if (seed < py::int_(0) || seed > largest)
      raise(PyExc_ValueError, "seed must be in 0..2**64-1, got " + std::string(py::str(seed)));
    o.seed = seed.cast<std::uint64_t>();
  }
  // Checked for every kind, although ridge and xgboost do not use them: a bad value is a
  // mistake whichever model it is given to.
  if (epochs < 1) raise(PyExc_ValueError, "epochs must be >= 1, got " + std::to_string(epochs));
  deepdiff::check_train_options(o);  // std::invalid_argument -> ValueError
  check_fit_split(m, *train, "train");
  check_fit_split(m, *valid, "valid");

  InUse use(m, true);
  Threads th(threads);
  py::list history;
  const auto t0 = std::chrono::steady_clock::now();
  // The Model's record of this fit, kept up to date after every epoch so that it also
  // describes an interrupted fit.
  m.history.clear();
  m.parts.clear();
  m.cell_best.clear();
  m.best_epoch = 0;
  m.best_valid_pcc = std::nan("");
  std::size_t earlier = 0;  // records of the parts already done (attentivechrome_diff's cell A)
  std::string current_part;

  deepdiff::AnyFitOptions fo;
  fo.fit.train = o;
  fo.threads = threads;
  fo.hooks = [&](const std::string& part) {
    deepdiff::FitHooks<float> hooks;
    // Ctrl-C: Python's handler only sets a flag while C++ runs; look at it between batches.
    hooks.on_batch = [](Index, Index) {
      py::gil_scoped_acquire gil;
      if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    };
    hooks.on_epoch = [&, part](const deepdiff::EpochRecord& r, const deepdiff::TrainState<float>& st) {
      py::gil_scoped_acquire gil;
      if (part != current_part) {
        earlier = m.history.size();
        current_part = part;
      }
      m.history.resize(earlier);
      m.parts.resize(earlier);
      m.history.insert(m.history.end(), st.history.begin(), st.history.end());
      m.parts.resize(m.history.size(), part);
      // A single model's best epoch; attentivechrome_diff's is cell A's, as metrics.json's.
      if (part.empty() || part == "cell A") {
        m.best_epoch = st.best_epoch;
        m.best_valid_pcc = st.best_epoch > 0 ? st.best_valid_pcc : std::nan("");
      }
      if (PyErr_CheckSignals() != 0) throw py::error_already_set();
      py::dict d = record_dict(r, part);
      history.append(d);
      if (verbose) {
        const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const int done = static_cast<int>(m.history.size()), total = o.epochs * (m.any.cell_a ? 2 : 1);
        char line[288];
        std::snprintf(line, sizeof line,
                      "%s%sepoch %3d/%d  loss %.4f  train PCC %.4f  valid PCC %.4f  MSE %.4f  best %.4f (epoch %d)  %s  ETA %s",
                      part.c_str(), part.empty() ? "" : ": ", r.epoch, o.epochs, r.train_loss, r.train_pcc, r.valid_pcc,
                      r.valid_mse, st.best_valid_pcc, st.best_epoch, seconds_text(r.train_seconds + r.valid_seconds).c_str(),
                      seconds_text(el / done * (total - done)).c_str());
        py::print(line, "flush"_a = true);
      }
      if (on_epoch.is_none()) return true;
      py::object res = on_epoch(d);
      if (res.is_none()) return true;
      const int go_on = PyObject_IsTrue(res.ptr());  // -1: its __bool__ raised
      if (go_on < 0) throw py::error_already_set();
      return go_on != 0;
    };
    return hooks;
  };
  // xgboost: Ctrl-C between boosting rounds; a progress line at most every 5 seconds.
  auto last_line = std::chrono::steady_clock::now();
  fo.xgboost_progress = [&](int round, double rmse) {
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    const auto now = std::chrono::steady_clock::now();
    if (verbose && std::chrono::duration<double>(now - last_line).count() >= 5.0) {
      last_line = now;
      py::print("xgboost round " + std::to_string(round) + ": valid RMSE " + std::to_string(rmse), "flush"_a = true);
    }
  };
  deepdiff::AnyFitResult r;
  {
    py::gil_scoped_release nogil;
    r = deepdiff::fit_any(m.any, deepdiff::FitData{*train, *valid}, fo);
  }
  m.any.target_scaling = train->scaling;  // Model.save records the scale the model learned
  if (!m.any.deepdiff && !m.any.deepchrome) {
    // Not one model trained in epochs: the validation PCC is of y by the fitted model (for
    // attentivechrome_diff f_B - f_A, its cells having been selected on their own targets),
    // as `deepdiff train` records it.
    deepdiff::Predictions vp;
    {
      py::gil_scoped_release nogil;
      vp = deepdiff::predict_any(m.any, *valid, o.batch_size, false);
    }
    m.best_valid_pcc = deepdiff::pearson(vp.pred, vp.target);
  }
  if (r.parts.size() == 1) {
    m.best_epoch = r.parts.front().second.state.best_epoch;
    if (m.best_epoch > 0) m.best_valid_pcc = r.parts.front().second.state.best_valid_pcc;
  }
  for (const auto& [part, res] : r.parts)
    if (!part.empty()) m.cell_best.push_back({part, {res.state.best_epoch, res.state.best_valid_pcc}});
  if (verbose && !m.neural()) {
    char line[256];
    if (m.any.ridge)
      std::snprintf(line, sizeof line, "ridge: lambda %g (the best validation PCC of %zu); valid PCC %.4f; %s",
                    m.any.ridge->lambda, m.any.ridge->lambdas.size(), m.best_valid_pcc, seconds_text(r.seconds).c_str());
#ifdef DEEPDIFF_HAVE_XGBOOST
    else if (m.any.xgboost)
      std::snprintf(line, sizeof line, "xgboost: %d rounds, best iteration %d; valid PCC %.4f; %s", m.any.xgboost->rounds,
                    m.any.xgboost->best_iteration, m.best_valid_pcc, seconds_text(r.seconds).c_str());
#endif
    py::print(line, "flush"_a = true);
  }
  return history;
}

// metrics.json's "model_details" of the model: what a baseline's fit chose.
py::object details(const Model& m) {
  if (m.any.ridge) {
    const deepdiff::RidgeModel& r = *m.any.ridge;
    return py::dict("lambda"_a = r.lambda, "lambdas"_a = r.lambdas, "valid_pccs"_a = r.valid_pcc);
  }
#ifdef DEEPDIFF_HAVE_XGBOOST
  if (m.any.xgboost) return py::dict("best_iteration"_a = m.any.xgboost->best_iteration, "rounds"_a = m.any.xgboost->rounds);
#endif
  if (m.any.cell_a && !m.cell_best.empty()) {
    py::dict d;
    for (const auto& [part, best] : m.cell_best)
      d[part == "cell B" ? "cell_b" : "cell_a"] =
          py::dict("target"_a = part == "cell B" ? "log2(eB + 1)" : "log2(eA + 1)", "best_epoch"_a = best.first,
                   "best_valid_pcc"_a = best.first > 0 ? best.second : std::nan(""));
    return std::move(d);
  }
  return py::none();
}

// ridge and xgboost have fitted coefficients or trees, not a parameter slab with names.
void require_parameters(const Model& m, const char* what) {
  if (!m.neural())
    raise(PyExc_ValueError, std::string(what) + ": the " + m.name() +
                                " model has no neural parameters (its fitted " +
                                (m.name() == "ridge" ? "weights" : "trees") +
                                " travel in its checkpoint: Model.save / Model.load)");
}

py::dict state_dict(Model& m) {
  require_parameters(m, "state_dict");
  InUse use(m, false);
  py::dict d;
  for (const auto& [prefix, store] : m.stores()) {
    for (Index i = 0; i < store->count(); ++i) {
      const deepdiff::ParamInfo& p = store->info(i);
      std::vector<py::ssize_t> shape(p.shape.begin(), p.shape.end());
      py::array_t<float> a(shape);
      std::copy(store->value(i), store->value(i) + p.size, a.mutable_data());
      d[py::str(prefix + p.name)] = a;
    }
  }
  return d;
}

void load_state_dict(Model& m, const py::handle& sd, bool strict) {
  if (sd.is_none() || !py::hasattr(sd, "keys") || !py::hasattr(sd, "__getitem__"))
    raise(PyExc_TypeError, "state_dict: expected a mapping {name: array} (e.g. torch_model.state_dict()), got " +
                               (sd.is_none() ? std::string("None") : std::string(py::str(py::type::of(sd).attr("__name__")))));
  require_parameters(m, "load_state_dict");
  InUse use(m, false);
  const auto stores = m.stores();
  const auto known = [&](const std::string& name) {
    for (const auto& [prefix, store] : stores)
      if (name.compare(0, prefix.size(), prefix) == 0 && store->find(name.substr(prefix.size())) >= 0) return true;
    return false;
  };
  const py::object keys = py::reinterpret_steal<py::object>(PyMapping_Keys(sd.ptr()));
  if (!keys) throw py::error_already_set();
  std::vector<std::string> unexpected, missing;
  for (const py::handle& k : keys) {
    if (!py::isinstance<py::str>(k)) raise(PyExc_TypeError, "state_dict: keys must be str, got " + std::string(py::repr(k)));
    const std::string name = k.cast<std::string>();
    if (!known(name)) unexpected.push_back(name);
  }
  // Check everything first, then copy: a refused state_dict changes nothing.
  std::vector<std::pair<float*, FloatArray>> values;
  for (const auto& [prefix, store] : stores) {
    for (Index i = 0; i < store->count(); ++i) {
      const deepdiff::ParamInfo& p = store->info(i);
      const std::string name = prefix + p.name;
      py::str key(name);
      if (!PyMapping_HasKey(sd.ptr(), key.ptr())) {
        missing.push_back(name);
        continue;
      }
      py::object v = py::reinterpret_steal<py::object>(PyObject_GetItem(sd.ptr(), key.ptr()));
      if (!v) throw py::error_already_set();
      if (py::hasattr(v, "detach") && py::hasattr(v, "cpu")) v = v.attr("detach")().attr("cpu")().attr("numpy")();  // a torch.Tensor
      std::vector<py::ssize_t> shape(p.shape.begin(), p.shape.end());
      std::string text = "(";
      for (std::size_t d = 0; d < shape.size(); ++d) text += (d ? ", " : "") + std::to_string(shape[d]);
      text += shape.size() == 1 ? ",)" : ")";
      values.emplace_back(store->value(i), float_array(v, "state_dict['" + name + "']", shape, text));
    }
  }
  std::string problems;
  auto list = [](const std::vector<std::string>& v) {
    std::string s;
    for (std::size_t i = 0; i < v.size() && i < 8; ++i) s += (i ? ", " : "") + v[i];
    if (v.size() > 8) s += ", ... (" + std::to_string(v.size()) + " in all)";
    return s;
  };
  if (strict && !missing.empty()) problems += "missing: " + list(missing);
  if (strict && !unexpected.empty()) problems += (problems.empty() ? "" : "; ") + std::string("unexpected: ") + list(unexpected);
  if (!problems.empty())
    raise(PyExc_ValueError, "state_dict does not fit a " + m.name() + " model" +
                                (m.hidden > 0 ? " (hidden " + std::to_string(m.hidden) + ")" : std::string()) + ": " + problems);
  for (auto& [dst, a] : values) std::copy(a.data(), a.data() + a.size(), dst);
}

std::string repr(const Model& m) {
  std::string s = "deepdiff.Model('" + m.name() + "'";
  if (m.hidden > 0) s += ", hidden=" + std::to_string(m.hidden);
  s += ", bins=" + std::to_string(m.bins) + ", marks=" + std::to_string(m.marks);
  if (m.seed) s += ", seed=" + std::to_string(*m.seed);
  s += ")  # ";
  if (m.neural()) s += std::to_string(deepdiff::any_parameter_count(m.any)) + " parameters";
  else s += m.fitted() ? "fitted" : "not fitted";
  if (m.any.ridge) {
    char b[64];
    std::snprintf(b, sizeof b, ", lambda %g", m.any.ridge->lambda);
    s += b;
  }
#ifdef DEEPDIFF_HAVE_XGBOOST
  if (m.any.xgboost) s += ", " + std::to_string(m.any.xgboost->rounds) + " rounds";
#endif
  if (m.best_epoch > 0) s += ", best epoch " + std::to_string(m.best_epoch);
  return s;
}

// precision "fp32" or "bf16" (tensor/bfloat16.hpp) of the LSTM products of the kinds that have
// them; ValueError otherwise, or for a hidden size bf16 cannot take.
void set_precision(Model& m, const std::string& name) {
  deepdiff::kernels::Precision p;
  try {
    p = deepdiff::kernels::parse_precision(name);
  } catch (const std::invalid_argument& e) {
    raise(PyExc_ValueError, std::string("precision: ") + e.what());
  }
  // hidden 0: a kind without LSTMs (ridge, xgboost, deepchrome), which bf16 leaves as it is.
  if (p == deepdiff::kernels::Precision::bf16 && m.hidden != 0 && !deepdiff::kernels::bf16_supports_hidden(m.hidden))
    raise(PyExc_ValueError, "precision='bf16' needs a level-1 hidden size that is a multiple of " +
                                std::to_string(deepdiff::packet_size<float>()) + " (this model's is " +
                                std::to_string(m.hidden) + ")");
  deepdiff::set_any_precision(m.any, p);
  m.precision = p;
}

// A new model of kind `name`, initialized as `deepdiff train --model-name NAME --seed SEED`.
std::unique_ptr<Model> new_model(const std::string& name, std::uint64_t seed, long long hidden, long long bins,
                                 long long marks, const std::string& precision) {
  if (!deepdiff::is_variant_name(name) && !deepdiff::is_baseline_name(name))
    raise(PyExc_ValueError, "unknown model name '" + name + "' (known: " + deepdiff::model_names_text() + ")");
  if (name == "xgboost" && !deepdiff::xgboost_available()) raise(PyExc_RuntimeError, deepdiff::xgboost_missing_reason());
  const bool has_hidden = deepdiff::is_variant_name(name) || name == "attentivechrome_diff";
  // (a bound, so that a typo does not ask for tens of GB: hidden 1024 is 640 MB of weights)
  if (has_hidden && (hidden < 2 || hidden % 2 != 0 || hidden > 1024))
    raise(PyExc_ValueError, "hidden must be an even number in 2..1024, got " + std::to_string(hidden));
  if (bins < 1 || bins > 1000000) raise(PyExc_ValueError, "bins must be in 1..1000000, got " + std::to_string(bins));
  if (marks < 1 || marks > 1000) raise(PyExc_ValueError, "marks must be in 1..1000, got " + std::to_string(marks));
  if (name == "deepchrome") {
    // DeepChrome's first dense layer grows with the bins (the others' weights do not).
    deepdiff::DeepChromeConfig c;
    c.bins = static_cast<Index>(bins);
    c.marks = static_cast<Index>(marks);
    const double n = deepdiff::deepchrome_parameter_count(c);
    if (n > 1.6e8)
      raise(PyExc_ValueError, "bins=" + std::to_string(bins) + ", marks=" + std::to_string(marks) + ": deepchrome would have " +
                                  std::to_string(static_cast<long long>(n)) + " parameters (more than 160 million)");
  }
  deepdiff::AnyModel a = deepdiff::make_any_model(name, static_cast<Index>(bins), static_cast<Index>(marks),
                                                  static_cast<Index>(has_hidden ? hidden : 32));
  deepdiff::init_any_model(a, seed);  // exactly run_training's initialization
  auto model = std::make_unique<Model>(std::move(a), static_cast<Index>(bins), static_cast<Index>(marks),
                                       has_hidden ? static_cast<Index>(hidden) : 0);
  model->seed = seed;
  set_precision(*model, precision);
  return model;
}

std::unique_ptr<Model> loaded_model(deepdiff::AnyModel a) {
  const Index T = deepdiff::any_bins(a), M = deepdiff::any_marks(a);
  const Index H = a.deepdiff ? a.deepdiff->config().hidden1 : a.cell_a ? a.cell_a->config().hidden1 : 0;
  return std::make_unique<Model>(std::move(a), T, M, H);
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Documentation (also in deepdiff/_core.pyi for editors)

static const char* kLoadDoc = R"(Load one split of a cell pair from the public DeepDiff CSV layout.

Reads DATA_ROOT/CELL1.SPLIT.csv, DATA_ROOT/CELL2.SPLIT.csv and, for the targets,
DATA_ROOT/CELL1.expr.csv and DATA_ROOT/CELL2.expr.csv (the files `deepdiff train` reads).

Args:
    data_root: folder with the CSV files.
    cell1: first cell type (A); the target is y = log2((eB + 1) / (eA + 1)).
    cell2: second cell type (B).
    split: "train", "valid", "test" (or any NAME with CELL.NAME.csv files).
    expression: "required" (default: the expression tables must exist and list every gene),
        "optional" (read them when both exist: prediction-only data otherwise) or "ignore".
    expression_scale: "none" (default: the paper's targets), "cpm" or "size-factors" (DESeq2's
        median of ratios): each cell's counts are divided by a number from its whole expression
        table before y = log2((eB/sB + 1) / (eA/sA + 1)), as `deepdiff train --expression-scale`.
        Model.fit trains on the scale of its splits and Model.save records it.

Returns:
    Split: xa, xb float32 [N, T, M] (read-only views, no copy), y/ya/yb, genes.

Raises:
    FileNotFoundError: a file is missing (the message lists the cells that do exist).
    DataError (a ValueError): a defect in a file; the message and the attributes file,
        line, reason and hint say where and what.
)";

static const char* kSplitDoc = R"(The genes of one split: the marks of both cells and, when known, their expression.

From files: deepdiff.load(...). From arrays: Split(xa, xb, ea=None, eb=None, genes=None, name="data")
copies xa, xb (array-likes of shape [N, T, M]; any real dtype, converted to float32; values
must be finite) and the raw expression counts ea, eb ([N], finite, >= 0) from which the
targets are computed. genes defaults to "gene1", "gene2", ...

Attributes:
    xa, xb: float32 [N, T, M] read-only numpy views of cell A's and cell B's marks.
    y: float64 [N], log2((eb/sB + 1) / (ea/sA + 1)), the differential target (None without
        expression; sA = sB = 1 unless loaded with an expression_scale: expression_divisors).
    ya, yb: float64 [N], log2(ea/sA + 1) and log2(eb/sB + 1), the aux targets (None without expression).
    ea, eb: float64 [N] raw expression counts (None without expression).
    genes: list of gene ids (ENSG...); symbols: the gene symbols of the row ids.
    name, bins (T), marks (M), has_expression; len(split) is N.
)";

static const char* kModelDoc = R"(A model of the study: one of the seven DeepDiff variants or one of the four baselines.

Model(variant="raw_d", *, seed=1, hidden=32, bins=200, marks=5, precision="fp32")

Args:
    variant: the model's name, one of MODELS: the variants "raw_d", "raw_c", "raw", "aux",
        "raw_aux", "aux_siamese", "raw_aux_siamese", and the baselines (docs/deepdiff-spec.md,
        "Baselines") "ridge", "xgboost", "deepchrome", "attentivechrome_diff". An unknown name is
        a ValueError listing them; "xgboost" in a build without XGBoost (HAVE_XGBOOST False) is a
        RuntimeError saying so.
    seed: initializes the weights exactly as `deepdiff train --model-name NAME --seed` (uniform(-0.1,
        0.1) from the library's Rng; each cell of attentivechrome_diff from its own Rng(seed)) and,
        unless fit() is given another, seeds the shuffling of fit (xgboost: its random seed).
    hidden: level-1 LSTM hidden size per direction (level 2 uses hidden / 2), even, >= 2; used by
        the variants and attentivechrome_diff, ignored by the others.
    bins, marks: T and M of the inputs (the public data: 200 bins, 5 marks). deepchrome needs
        bins >= 14 (a convolution of 10, a pooling window of 5).
    precision: "fp32" or "bf16", of the LSTM products of both levels (the `precision` property; bf16
        needs hidden a multiple of the float vector width, 16 with AVX-512). ValueError otherwise.

ridge and xgboost hold nothing until fit() (or Model.load): predict, save and attention
before then are a ValueError. Parameter names (state_dict) are PyTorch's.
)";

static const char* kFitDoc = R"(Train as `deepdiff train --model-name NAME` does, selecting on valid.

Adam (lr), batches of batch_size shuffled training genes, global gradient-norm clipping to
clip, validation PCC after every epoch; at the end the model holds the epoch with the best
validation PCC (ties: the later). With the model's seed and the same options, the weights
are the ones `deepdiff train` writes to checkpoint.bin. Each call starts a fresh optimizer
from the model's current weights.

Args:
    train, valid: Split objects (deepdiff.load or deepdiff.Split) with expression.
    epochs: number of epochs (the paper: 120).
    lr: Adam learning rate.
    batch_size: genes per batch.
    clip: global gradient-norm clipping (<= 0: none).
    seed: shuffling seed; None uses the model's seed (1 for a loaded checkpoint).
    threads: OpenMP threads (0: OMP_NUM_THREADS or all cores). Results do not depend on it.
    on_epoch: called after every epoch with that epoch's record (a dict); returning False
        stops training after that epoch (None or True continue). Exceptions propagate.
    verbose: print one line per epoch (loss, PCCs, best epoch, time, ETA), as `deepdiff train`
        does; False: silent.

Returns:
    list of dicts, one per epoch, with the keys of metrics.json's "epochs": epoch,
    train_loss, train_pcc, train_mse, valid_pcc, valid_mse, train_seconds, valid_seconds.
    Also kept as model.history, with model.best_epoch and model.best_valid_pcc.

The baselines (each as the spec's row for it):
    deepchrome: this recipe on y (with its dropout).
    attentivechrome_diff: this recipe twice, cell A's model on log2(eA + 1), then cell B's on
        log2(eB + 1), each keeping its best epoch; y = f_B - f_A. The records carry "cell"
        ("A" or "B"), A's epochs first; best_epoch is cell A's (as metrics.json), each cell's
        in model.details; best_valid_pcc is of y.
    ridge: the closed form on summary features, lambda chosen by validation PCC; xgboost:
        boosting with early stopping on validation RMSE (seed: its seed, threads: its
        threads). They ignore epochs, lr, batch_size, clip and on_epoch, return [] (no epochs;
        model.history is empty too), and leave best_epoch 0, best_valid_pcc the validation PCC
        and what they chose in model.details. The options are still checked.

Ctrl-C (KeyboardInterrupt) stops training between batches (xgboost: between rounds); the model
then holds the best epoch so far (or, before the first epoch ended, the weights it had when fit
was called). The GIL is released while C++ runs.
)";

static const char* kPredictDoc = R"(Predictions for genes given as a Split or as two arrays.

predict(xa, xb, *, batch_size=10, threads=0) or predict(split, *, batch_size=10, threads=0)

Args:
    xa, xb: marks of cell A and cell B, [N, T, M] array-likes (float32 C-contiguous arrays are
        read in place; other real dtypes and layouts are converted once). Values must be finite.
    batch_size: genes per inference batch (other batch sizes agree to float rounding: the
        batch is one matrix in the kernels).
    threads: OpenMP threads (0: default).

Returns:
    dict of float32 [N] arrays: "pred" (log2((eB + 1) / (eA + 1))), and for the aux variants
    and attentivechrome_diff also "pred_a" (log2(eA + 1)) and "pred_b" (log2(eB + 1)); for
    attentivechrome_diff pred = pred_b - pred_a (in double, then rounded).
)";

static const char* kAttentionDoc = R"(The model's attention, as `deepdiff attention` exports it.

attention(xa, xb, *, batch_size=10, threads=0) or attention(split, ...)

Returns:
    (beta, alpha): beta float32 [N, K], the level-2 attention over the channels named by
    model.beta_names; alpha float32 [N, C, T], the level-1 attention over bins of the channels
    named by model.alpha_names. Rows sum to 1 (beta of aux and aux_siamese, and of
    attentivechrome_diff: each half, A then B).

Raises ValueError naming the model for one without attention (ridge, xgboost, deepchrome;
model.has_attention is False).
)";

static const char* kAttributionsDoc = R"(Attributions of each prediction to its inputs, as `deepdiff attribute` computes them.

attributions(xa, xb, *, method="ig", steps=64, batch_size=10, threads=0) or attributions(split, ...)

How much each input count XA[t, m], XB[t, m] moved the prediction y of its gene (spec,
"Attributions"). method="ig": integrated gradients from no reads (x' = 0) by the midpoint rule
in `steps` steps, IG_i = x_i * (1/S) sum_k dy/dx_i(((k - 1/2)/S) x), so that a.sum() + b.sum()
of a gene is close to prediction - baseline (the gap shrinks as steps grows). method="grad_input":
the gradient times the input, x_i * dy/dx_i(x) (steps is ignored; it has no completeness).
Computed in float32 by the model's own backward pass; the result does not depend on threads.

Args:
    xa, xb: marks of cell A and cell B, [N, T, M] array-likes (as predict), or a Split alone.
    method: "ig" or "grad_input".
    steps: integrated gradients' S, >= 1.
    batch_size: genes per forward/backward pass.
    threads: OpenMP threads (0: default).

Returns:
    dict of float64 arrays: "a", "b" [N, T, M] (the attributions of XA and XB), "prediction"
    [N] (y(x)), "baseline" [N] (y(0), the model on no reads), "gap" [N] (sum of the gene's
    attributions - (prediction - baseline)).

Raises ValueError for an unknown method, steps < 1, batch_size < 1, and a model that is not a
DeepDiff variant (the baselines have no attributions here). Ctrl-C stops between gene batches.
)";

// A portable build (setup.py) compiles this file once per instruction-set level, with
// DEEPDIFF_PYTHON_COPY naming that copy's init function (C linkage: the one symbol its sealing
// keeps global), which the module of python/src/dispatch_module.cpp calls on a CPU it suits;
// otherwise this is the module itself.
#ifdef DEEPDIFF_PYTHON_COPY
extern "C" void DEEPDIFF_PYTHON_COPY(py::module_& m);
void DEEPDIFF_PYTHON_COPY(py::module_& m) {
#else
PYBIND11_MODULE(_core, m) {
#endif
  m.doc() = "deepdiff-cpp's engine for Python: load data, train, predict, attention, checkpoints.";

  g_data_error = py::exception<deepdiff::DataError>(m, "DataError", PyExc_ValueError).ptr();
  g_checkpoint_error = py::exception<deepdiff::CheckpointError>(m, "CheckpointError", PyExc_ValueError).ptr();
  Py_INCREF(g_data_error);  // kept for the life of the process
  Py_INCREF(g_checkpoint_error);
  py::register_exception_translator(&translate);
  m.attr("DataError").attr("__doc__") =
      "A defect in a data file; str(e) is 'FILE:LINE: reason (hint)', with attributes file, line, reason, hint.";
  m.attr("CheckpointError").attr("__doc__") = "A checkpoint that cannot be used; str(e) names the file and the reason.";

  py::tuple variants(deepdiff::all_variants().size());
  for (std::size_t i = 0; i < deepdiff::all_variants().size(); ++i)
    variants[i] = deepdiff::variant_name(deepdiff::all_variants()[i]);
  m.attr("VARIANTS") = variants;
  m.attr("BASELINES") = py::tuple(py::cast(deepdiff::baseline_names()));
  m.attr("MODELS") = py::tuple(py::cast(deepdiff::model_names()));
  m.attr("HAVE_XGBOOST") = deepdiff::xgboost_available();
  // The git commit this module was built from (setup.py writes the header), as `deepdiff --version` says.
  m.attr("__commit__") = DEEPDIFF_BUILD_COMMIT;
  // The vector instructions this module's code runs (and, portable, which copy of which).
  const std::string copy = deepdiff::kernels::portable_copy();
  m.attr("__kernels__") = deepdiff::kernels::compiled_isa() + (copy.empty() ? std::string() : "; portable: " + copy);

  py::class_<deepdiff::Split, SplitPtr>(m, "Split", kSplitDoc)
      .def(py::init([](const py::object& xa, const py::object& xb, const py::object& ea, const py::object& eb,
                       const py::object& genes, const std::string& name) { return make_split(xa, xb, ea, eb, genes, name); }),
           "xa"_a, "xb"_a, "ea"_a = py::none(), "eb"_a = py::none(), "genes"_a = py::none(), "name"_a = "data")
      .def_property_readonly("xa", [](const py::object& self) {
        const auto& s = self.cast<const deepdiff::Split&>();
        return marks_view(self, s, s.xa);
      }, "float32 [N, T, M]: cell A's marks (read-only view).")
      .def_property_readonly("xb", [](const py::object& self) {
        const auto& s = self.cast<const deepdiff::Split&>();
        return marks_view(self, s, s.xb);
      }, "float32 [N, T, M]: cell B's marks (read-only view).")
      .def_property_readonly("y", [](const deepdiff::Split& s) { return targets(s, &deepdiff::Split::y); },
                             "float64 [N]: log2((eb/sB + 1) / (ea/sA + 1)) (sA = sB = 1 unless loaded with an expression_scale), or None without expression.")
      .def_property_readonly("ya", [](const deepdiff::Split& s) { return targets(s, &deepdiff::Split::ya); },
                             "float64 [N]: log2(ea/sA + 1), or None.")
      .def_property_readonly("yb", [](const deepdiff::Split& s) { return targets(s, &deepdiff::Split::yb); },
                             "float64 [N]: log2(eb/sB + 1), or None.")
      .def_property_readonly("ea", [](const deepdiff::Split& s) { return counts(s, s.ea); }, "float64 [N] expression counts of cell A, or None.")
      .def_property_readonly("eb", [](const deepdiff::Split& s) { return counts(s, s.eb); }, "float64 [N] expression counts of cell B, or None.")
      .def_property_readonly("genes", [](const deepdiff::Split& s) { return s.gene_ids; }, "Gene ids, one per row.")
      .def_property_readonly("symbols", [](const deepdiff::Split& s) { return s.gene_symbols; }, "Gene symbols (may be empty).")
      .def_property_readonly("name", [](const deepdiff::Split& s) { return s.name; })
      .def_property_readonly("bins", [](const deepdiff::Split& s) { return s.bins; }, "T, bins per gene.")
      .def_property_readonly("marks", [](const deepdiff::Split& s) { return s.marks; }, "M, marks per bin.")
      .def_property_readonly("has_expression", [](const deepdiff::Split& s) { return s.has_expression; })
      .def_property_readonly("expression_scale", [](const deepdiff::Split& s) { return deepdiff::expression_scale_name(s.scaling.scale); },
                             "The targets' expression scale: 'none', 'cpm' or 'size-factors' (load's expression_scale).")
      .def_property_readonly("expression_divisors", [](const deepdiff::Split& s) { return py::make_tuple(s.scaling.divisor_a, s.scaling.divisor_b); },
                             "(sA, sB): what cell A's and cell B's counts are divided by in the targets (1, 1 for 'none').")
      .def("__len__", [](const deepdiff::Split& s) { return s.genes(); })
      .def("__repr__", [](const deepdiff::Split& s) { return "<deepdiff.Split " + deepdiff::describe(s) + ">"; });

  m.def("load",
        [](const py::object& root, const std::string& cell1, const std::string& cell2, const std::string& split,
           const std::string& expression, const std::string& expression_scale) {
          const std::string dir = path_arg(root, "data_root");
          deepdiff::ExpressionMode mode = deepdiff::ExpressionMode::required;
          if (expression == "optional") mode = deepdiff::ExpressionMode::optional;
          else if (expression == "ignore") mode = deepdiff::ExpressionMode::ignore;
          else if (expression != "required")
            raise(PyExc_ValueError, "expression must be 'required', 'optional' or 'ignore', got '" + expression + "'");
          deepdiff::ExpressionScale scale = deepdiff::ExpressionScale::none;
          try {
            scale = deepdiff::parse_expression_scale(expression_scale);
          } catch (const std::invalid_argument& e) {
            raise(PyExc_ValueError, std::string("expression_scale: ") + e.what());
          }
          for (const std::string* s : {&cell1, &cell2, &split})
            if (s->empty() || s->find('/') != std::string::npos || s->find('\0') != std::string::npos)
              raise(PyExc_ValueError, "cell and split names must be non-empty, without '/': got '" + *s + "'");
          py::gil_scoped_release nogil;
          return std::make_shared<deepdiff::Split>(deepdiff::load_split(dir, cell1, cell2, split, mode, scale));
        },
        kLoadDoc, "data_root"_a, "cell1"_a, "cell2"_a, "split"_a, "expression"_a = "required",
        "expression_scale"_a = "none");

  py::class_<Model>(m, "Model", kModelDoc)
      .def(py::init(&new_model), "variant"_a = "raw_d", py::kw_only(), "seed"_a = 1, "hidden"_a = 32, "bins"_a = 200,
           "marks"_a = 5, "precision"_a = "fp32")
      .def_property(
          "precision", [](const Model& self) { return std::string(deepdiff::kernels::precision_name(self.precision)); },
          [](Model& self, const std::string& p) { set_precision(self, p); },
          "Precision of the LSTM products (both levels) in fit, predict and attention: 'fp32' (default) or 'bf16'\n"
          "(operands rounded to bfloat16, sums in float; faster where the CPU has AVX512_BF16). Not saved:\n"
          "a loaded model starts at 'fp32'. Kinds without LSTMs (ridge, xgboost, deepchrome) ignore it.")
      .def_static("load",
                  [](const py::object& path) {
                    const std::string p = path_arg(path, "path");
                    std::optional<deepdiff::AnyModel> a;
                    {
                      py::gil_scoped_release nogil;
                      a.emplace(deepdiff::load_any_model(p));
                    }
                    return loaded_model(std::move(*a));
                  },
                  "Load a checkpoint of any model kind written by Model.save, `deepdiff train` (checkpoint.bin, or\n"
                  "state.bin of a variant) or tools/torch_to_deepdiff.py. Raises FileNotFoundError, OSError, or\n"
                  "CheckpointError (a ValueError) naming the file and what is wrong (also for an xgboost checkpoint\n"
                  "in a build without XGBoost).",
                  "path"_a)
      .def("save",
           [](Model& self, const py::object& path) {
             const std::string p = path_arg(path, "path");
             require_fitted(self, "save");
             InUse use(self, false);
             try {
               py::gil_scoped_release nogil;
               deepdiff::write_checkpoint(p, deepdiff::any_checkpoint(self.any));
             } catch (const deepdiff::CheckpointError&) {
               throw;
             } catch (const std::runtime_error& e) {
               raise(PyExc_OSError, e.what());
             }
           },
           "Write the model to a checkpoint file (the format of `deepdiff train`'s checkpoint.bin,\n"
           "docs/checkpoint-format.md, which `deepdiff predict` reads; written to a temporary file, then\n"
           "renamed). Raises OSError, or ValueError for a ridge or xgboost model not fitted yet.",
           "path"_a)
      .def("fit", &fit, kFitDoc, "train"_a, "valid"_a, py::kw_only(), "epochs"_a = 120, "lr"_a = 1e-4,
           "batch_size"_a = 10, "clip"_a = 1.0, "seed"_a = py::none(), "threads"_a = 0, "on_epoch"_a = py::none(),
           "verbose"_a = true)
      .def("predict",
           [](Model& self, const py::object& xa, const py::object& xb, long long batch_size, int threads) {
             deepdiff::Predictions p = run_predict(self, xa, xb, batch_size, threads, false);
             py::dict d;
             d["pred"] = to_numpy(p.pred);
             if (self.aux_outputs()) {
               d["pred_a"] = to_numpy(p.pred_a);
               d["pred_b"] = to_numpy(p.pred_b);
             }
             return d;
           },
           kPredictDoc, "xa"_a, "xb"_a = py::none(), py::kw_only(), "batch_size"_a = 10, "threads"_a = 0)
      .def("attention",
           [](Model& self, const py::object& xa, const py::object& xb, long long batch_size, int threads) {
             deepdiff::Predictions p = run_predict(self, xa, xb, batch_size, threads, true);
             return py::make_tuple(to_numpy(std::move(p.beta)), to_numpy(std::move(p.alpha)));
           },
           kAttentionDoc, "xa"_a, "xb"_a = py::none(), py::kw_only(), "batch_size"_a = 10, "threads"_a = 0)
      .def("attributions", &run_attributions, kAttributionsDoc, "xa"_a, "xb"_a = py::none(), py::kw_only(),
           "method"_a = "ig", "steps"_a = 64, "batch_size"_a = 10, "threads"_a = 0)
      .def("state_dict", &state_dict,
           "The parameters as {PyTorch name: float32 numpy array of PyTorch's shape}, in the public code's\n"
           "order (copies). torch_model.load_state_dict({k: torch.from_numpy(v) for k, v in sd.items()}) works.\n"
           "attentivechrome_diff: both cells' models, their names prefixed cell_a. and cell_b. (as in its\n"
           "checkpoint). ridge and xgboost have no such parameters: ValueError.")
      .def("load_state_dict", &load_state_dict,
           "Set the parameters from {name: array}; values may be numpy arrays, torch tensors or nested lists,\n"
           "e.g. torch_model.state_dict(). Every name and shape is checked before anything is changed:\n"
           "ValueError lists missing and unexpected names (strict=True) or names the misshapen parameter.\n"
           "The names are state_dict()'s; ridge and xgboost: ValueError.",
           "state_dict"_a, "strict"_a = true)
      .def_property_readonly("variant", [](const Model& s) { return s.name(); },
                             "The model's name (kept from when every model was a variant): model_name.")
      .def_property_readonly("model_name", [](const Model& s) { return s.name(); },
                             "One of MODELS: a DeepDiff variant or a baseline (ridge, xgboost, deepchrome,\n"
                             "attentivechrome_diff).")
      .def_property_readonly("hidden", [](const Model& s) -> py::object {
        return s.hidden > 0 ? py::object(py::int_(s.hidden)) : py::object(py::none());
      }, "The level-1 hidden size (variants, attentivechrome_diff); None for the kinds without one.")
      .def_property_readonly("bins", [](const Model& s) { return s.bins; })
      .def_property_readonly("marks", [](const Model& s) { return s.marks; })
      .def_property_readonly("seed", [](const Model& s) -> py::object {
        return s.seed ? py::object(py::int_(*s.seed)) : py::object(py::none());
      }, "The initialization seed (None for a model loaded from a checkpoint).")
      .def_property_readonly("num_parameters", [](const Model& s) { return deepdiff::any_parameter_count(s.any); },
                             "Trainable parameters of the neural kinds (both cells' for attentivechrome_diff); 0 for\n"
                             "ridge and xgboost.")
      .def_property_readonly("has_attention", [](const Model& s) { return deepdiff::has_attention(s.any); },
                             "Whether attention() works: the variants and attentivechrome_diff.")
      .def_property_readonly("beta_names", [](const Model& s) { return deepdiff::any_beta_names(s.any); },
                             "Names of beta's K channels, e.g. 'D.H3K4me3' (D = A - B); attentivechrome_diff:\n"
                             "'A.H3K4me1', ..., then 'B.H3K4me1', ...; empty without attention.")
      .def_property_readonly("alpha_names", [](const Model& s) { return deepdiff::any_alpha_names(s.any); },
                             "Names of alpha's C channels (empty without attention).")
      .def_property_readonly("history", [](const Model& s) {
        py::list l;
        for (std::size_t i = 0; i < s.history.size(); ++i) l.append(record_dict(s.history[i], s.parts[i]));
        return l;
      }, "The records of the last fit's epochs (also after an interrupted fit); empty for ridge and xgboost.")
      .def_property_readonly("best_epoch", [](const Model& s) { return s.best_epoch; },
                             "The epoch whose weights the last fit kept (0: none, and for ridge and xgboost);\n"
                             "attentivechrome_diff: cell A's (as metrics.json), each cell's in details.")
      .def_property_readonly("best_valid_pcc", [](const Model& s) { return s.best_valid_pcc; },
                             "The validation PCC of y of the model the last fit kept (nan before a fit).")
      .def_property_readonly("details", &details,
                             "What a baseline's fit chose, as metrics.json's model_details: ridge {lambda, lambdas,\n"
                             "valid_pccs}; xgboost {best_iteration, rounds}; attentivechrome_diff after a fit {cell_a,\n"
                             "cell_b: {target, best_epoch, best_valid_pcc}}; None otherwise.")
      .def("__repr__", &repr);

  m.def("synth",
        [](const py::object& out, long long genes, long long bins, std::uint64_t seed, double effect, const std::string& cell1,
           const std::string& cell2) {
          const std::string dir = path_arg(out, "out");
          if (genes < 10) raise(PyExc_ValueError, "genes must be at least 10, got " + std::to_string(genes));
          deepdiff::SynthConfig c;
          c.genes = static_cast<Index>(genes);
          c.bins = static_cast<Index>(bins);
          c.seed = seed;
          c.effect = effect;
          c.cell1 = cell1;
          c.cell2 = cell2;
          deepdiff::SynthSummary s;
          try {
            py::gil_scoped_release nogil;
            s = deepdiff::write_synthetic(dir, c);
          } catch (const std::invalid_argument&) {
            throw;
          } catch (const std::runtime_error& e) {
            raise(PyExc_OSError, e.what());
          }
          return py::dict("train"_a = s.train, "valid"_a = s.valid, "test"_a = s.test, "files"_a = s.files,
                          "tss_first_bin"_a = s.tss_first_bin, "tss_last_bin"_a = s.tss_last_bin,
                          "fraction_differential"_a = s.fraction_differential, "truth"_a = s.truth);
        },
        "Write synthetic data with a planted answer, exactly as `deepdiff synth` (same seed, same files):\n"
        "OUT/CELL.{train,valid,test,expr}.csv for both cells, truth.csv and truth.md. Genes are split\n"
        "60/20/20. H3K4me3 at the TSS, H3K36me3 over the gene body, H3K4me1 flanking and H3K27me3\n"
        "(repressive) drive expression; H3K9me3 is noise. Returns a dict: train, valid, test (gene\n"
        "counts), files, tss_first_bin, tss_last_bin (1-based: where H3K4me3 carries the signal),\n"
        "fraction_differential, truth (the text of truth.md).",
        "out"_a, py::kw_only(), "genes"_a = 1000, "bins"_a = 200, "seed"_a = 1, "effect"_a = 1.0, "cell1"_a = "Cell1",
        "cell2"_a = "Cell2");

  m.def("pearson",
        [](const py::object& a, const py::object& b) {
          const Array<double> x = real_array<double>(a, "a", {-1}, "(n,)");
          const Array<double> y = real_array<double>(b, "b", {-1}, "(n,)");
          if (x.size() != y.size())
            raise(PyExc_ValueError, "pearson: lengths differ (" + std::to_string(x.size()) + " and " + std::to_string(y.size()) + ")");
          return deepdiff::pearson(std::vector<double>(x.data(), x.data() + x.size()), std::vector<double>(y.data(), y.data() + y.size()));
        },
        "Pearson correlation (the PCC of metrics.json), in double; nan when a series is constant or shorter than 2.",
        "a"_a, "b"_a);
}
