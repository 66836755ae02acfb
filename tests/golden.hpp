// Reader of the golden files written by tools/make_golden.py (tests/golden/<variant>.<case>.txt):
// float64 reference values computed by PyTorch.
//
//   deepdiff_test::Golden g = deepdiff_test::read_golden(path);
//   g.meta.at("variant"), g.meta.at("hidden1")          // '# key value' and '# config k=v ...' lines
//   const deepdiff::Tensor<double>& w = g.at("param/rnn_hms.0.rnn.weight_ih_l0");
//   for (const std::string& name : g.names_with_prefix("param/")) ...   // in file order
//
// Format, line by line:
//   # deepdiff golden file                  (first line, exactly)
//   # <key> <value...>                      meta[key] = value (rest of the line, trimmed;
//                                           a ':' ending the key is dropped: '# command: x')
//   # config k1=v1 k2=v2 ...                meta[k1] = v1, meta[k2] = v2, ...
//   tensor <name> <rank> <d0> ... <d(rank-1)>
//   <prod(dims) numbers separated by single spaces>      (the next line, always; may be empty)
// The reader also accepts runs of spaces or tabs between fields and numbers, blank lines
// between records, and a trailing '\r'. Meta keys and tensor names are unique; rank is 0..4.
// Numbers are read exactly (std::from_chars, independent of the locale; "nan", "inf", "-inf"
// accepted). Anything else is a GoldenError naming the file and line.
//
// The second part, golden_check (Catch2), compares a model with a golden file: a per-tensor
// error measure, the parameters loaded by name, the gradient of every parameter, and the
// 5-step Adam + clipping trajectory. It works for any model with DeepDiff's interface
// (params(), forward(tape, xa, xb, path), loss(tape, out, y, ya, yb)): the seven variants
// (tests/model/test_torch_parity.cpp) and the baselines (tests/model/test_baseline_parity.cpp).
//
// Header-only; every function is inline.
#pragma once

#include <catch2/catch.hpp>

#include <deepdiff/model/deepdiff_model.hpp>
#include <deepdiff/nn/parameters.hpp>
#include <deepdiff/tensor/tensor.hpp>
#include <deepdiff/train/adam.hpp>
#include <deepdiff/train/clip.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <fstream>
#include <limits>
#include <locale>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace deepdiff_test {

class GoldenError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Golden {
  std::string path;
  std::map<std::string, std::string> meta;
  std::map<std::string, deepdiff::Tensor<double>> tensors;
  std::vector<std::string> order;  // tensor names in file order

  bool has(const std::string& name) const { return tensors.count(name) != 0; }

  const deepdiff::Tensor<double>& at(const std::string& name) const {
    auto it = tensors.find(name);
    if (it == tensors.end()) throw GoldenError(path + ": no tensor named '" + name + "'");
    return it->second;
  }

  const std::string& meta_at(const std::string& key) const {
    auto it = meta.find(key);
    if (it == meta.end()) throw GoldenError(path + ": no meta key '" + key + "'");
    return it->second;
  }

  // A meta value as an integer (e.g. "hidden1"), with an error naming the file and key.
  long long meta_int(const std::string& key) const {
    const std::string& v = meta_at(key);
    long long out = 0;
    const char* b = v.data();
    const char* e = b + v.size();
    auto r = std::from_chars(b, e, out);
    if (r.ec != std::errc() || r.ptr != e)
      throw GoldenError(path + ": meta '" + key + "' = '" + v + "' is not an integer");
    return out;
  }

  // Names starting with `prefix`, in file order, with or without the prefix itself.
  std::vector<std::string> names_with_prefix(const std::string& prefix, bool strip = false) const {
    std::vector<std::string> out;
    for (const std::string& n : order)
      if (n.compare(0, prefix.size(), prefix) == 0) out.push_back(strip ? n.substr(prefix.size()) : n);
    return out;
  }
};

namespace golden_detail {

inline std::vector<std::string> split_spaces(const std::string& s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    std::size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\t') ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

inline std::string trim(const std::string& s) {
  std::size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return std::string();
  std::size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

[[noreturn]] inline void fail(const std::string& path, std::size_t line, const std::string& msg) {
  throw GoldenError(path + ":" + std::to_string(line) + ": " + msg);
}

inline bool parse_double(const char* b, const char* e, double& out) {
  // Python's repr writes nan, inf, -inf; from_chars reads those too, but be explicit.
  const std::string s(b, e);
  if (s == "nan" || s == "-nan") { out = std::numeric_limits<double>::quiet_NaN(); return true; }
  if (s == "inf") { out = std::numeric_limits<double>::infinity(); return true; }
  if (s == "-inf") { out = -std::numeric_limits<double>::infinity(); return true; }
#if defined(__cpp_lib_to_chars) && __cpp_lib_to_chars >= 201611L
  auto r = std::from_chars(b, e, out);
  return r.ec == std::errc() && r.ptr == e;
#else
  std::istringstream is(s);
  is.imbue(std::locale::classic());
  is >> out;
  return !is.fail() && is.peek() == std::char_traits<char>::eof();
#endif
}

inline bool parse_dim(const std::string& s, long long& out) {
  const char* b = s.data();
  const char* e = b + s.size();
  auto r = std::from_chars(b, e, out);
  return r.ec == std::errc() && r.ptr == e && out >= 0;
}

}  // namespace golden_detail

inline Golden read_golden(const std::string& path) {
  using golden_detail::fail;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw GoldenError(path + ": cannot open golden file");
  Golden g;
  g.path = path;

  std::string line;
  std::size_t lineno = 0;
  auto next_line = [&](std::string& out) -> bool {
    if (!std::getline(in, out)) return false;
    ++lineno;
    if (!out.empty() && out.back() == '\r') out.pop_back();
    return true;
  };
  auto add_meta = [&](const std::string& key, const std::string& value) {
    if (key.empty()) fail(path, lineno, "empty meta key");
    if (!g.meta.emplace(key, value).second) fail(path, lineno, "duplicate meta key '" + key + "'");
  };

  if (!next_line(line) || line != "# deepdiff golden file")
    fail(path, lineno ? lineno : 1, "not a golden file (the first line must be '# deepdiff golden file')");

  while (next_line(line)) {
    if (golden_detail::trim(line).empty()) continue;
    if (line[0] == '#') {
      const std::string body = golden_detail::trim(line.substr(1));
      const std::size_t sp = body.find_first_of(" \t");
      std::string key = body.substr(0, sp);
      if (key.size() > 1 && key.back() == ':') key.pop_back();  // "# command: ..." -> "command"
      const std::string value = sp == std::string::npos ? std::string() : golden_detail::trim(body.substr(sp));
      if (key == "config") {
        for (const std::string& kv : golden_detail::split_spaces(value)) {
          const std::size_t eq = kv.find('=');
          if (eq == std::string::npos || eq == 0)
            fail(path, lineno, "config entry '" + kv + "' is not key=value");
          add_meta(kv.substr(0, eq), kv.substr(eq + 1));
        }
      } else {
        add_meta(key, value);
      }
      continue;
    }
    const std::vector<std::string> head = golden_detail::split_spaces(line);
    if (head.empty() || head[0] != "tensor")
      fail(path, lineno, "expected 'tensor <name> <rank> <dims...>' or a '#' line, got '" +
                             line.substr(0, 60) + "'");
    if (head.size() < 3) fail(path, lineno, "tensor line without a name and rank");
    const std::string& name = head[1];
    long long rank = 0;
    if (!golden_detail::parse_dim(head[2], rank) || rank > 4)
      fail(path, lineno, "tensor '" + name + "': rank '" + head[2] + "' is not 0..4");
    if (static_cast<long long>(head.size()) != 3 + rank)
      fail(path, lineno, "tensor '" + name + "': rank " + std::to_string(rank) + " but " +
                             std::to_string(head.size() - 3) + " dimensions");
    deepdiff::Shape shape;
    long double numel = 1;
    for (long long i = 0; i < rank; ++i) {
      long long d = 0;
      if (!golden_detail::parse_dim(head[static_cast<std::size_t>(3 + i)], d))
        fail(path, lineno, "tensor '" + name + "': bad dimension '" + head[static_cast<std::size_t>(3 + i)] + "'");
      shape.push_back(static_cast<deepdiff::Index>(d));
      numel *= static_cast<long double>(d);
    }
    if (numel > 1e9L) fail(path, lineno, "tensor '" + name + "': too many elements");
    if (g.tensors.count(name)) fail(path, lineno, "duplicate tensor '" + name + "'");
    const std::size_t decl = lineno;

    std::string values;
    if (!next_line(values))
      fail(path, decl, "file ends before the values of tensor '" + name + "'");
    std::vector<double> data;
    data.reserve(static_cast<std::size_t>(numel));
    const char* p = values.data();
    const char* end = p + values.size();
    while (p < end) {
      while (p < end && (*p == ' ' || *p == '\t')) ++p;
      if (p == end) break;
      const char* q = p;
      while (q < end && *q != ' ' && *q != '\t') ++q;
      double v = 0.0;
      if (!golden_detail::parse_double(p, q, v))
        fail(path, lineno, "tensor '" + name + "': value " + std::to_string(data.size()) + " '" +
                               std::string(p, q).substr(0, 40) + "' is not a number");
      data.push_back(v);
      p = q;
    }
    if (static_cast<long double>(data.size()) != numel)
      fail(path, lineno, "tensor '" + name + "' " + deepdiff::shape_string(shape) + ": expected " +
                             std::to_string(static_cast<long long>(numel)) + " values, got " +
                             std::to_string(data.size()));
    g.tensors.emplace(name, deepdiff::Tensor<double>::from(std::move(shape), std::move(data)));
    g.order.push_back(name);
  }
  if (in.bad()) throw GoldenError(path + ": read error after line " + std::to_string(lineno));
  return g;
}

// ---- golden_check: a model against a golden file (Catch2) -----------------------------------

namespace golden_check {

using deepdiff::Index;
using deepdiff::Tensor;

// Per tensor: max_i |ours_i - torch_i| / max_i |torch_i|, relative to the tensor's scale so
// that entries that are zero up to round-off do not divide by noise.
template <class T>
double scaled_error(const Tensor<T>& ours, const Tensor<double>& ref) {
  REQUIRE(ours.size() == ref.size());
  double diff = 0, scale = 0;
  for (Index i = 0; i < ref.size(); ++i) {
    diff = std::max(diff, std::abs(static_cast<double>(ours.data()[i]) - ref.data()[i]));
    scale = std::max(scale, std::abs(ref.data()[i]));
  }
  return scale > 0 ? diff / scale : diff;
}

// A scalar (a loss): the plain relative error.
template <class T>
double scaled_error(T ours, const Tensor<double>& ref) {
  return std::abs(static_cast<double>(ours) - ref[0]) / std::max(std::abs(ref[0]), 1e-300);
}

inline Index meta_index(const Golden& g, const std::string& key) {
  auto it = g.meta.find(key);
  INFO(g.path << ": meta " << key);
  REQUIRE(it != g.meta.end());
  return static_cast<Index>(std::stoll(it->second));
}

// Checks tensors against the file with one bound, and remembers the worst (for the WARN line
// that docs/parity.md's tables are measured from).
struct Checker {
  const Golden& g;
  double tol;
  double worst = 0;
  std::string worst_name;

  const Tensor<double>& ref(const std::string& name) const {
    auto it = g.tensors.find(name);
    if (it == g.tensors.end()) FAIL("golden file has no tensor " << name);
    return it->second;
  }
  template <class V>
  void check(const std::string& name, const V& ours) {
    const double e = scaled_error(ours, ref(name));
    if (e > worst) {
      worst = e;
      worst_name = name;
    }
    INFO(name << ": scaled error " << e);
    CHECK(e <= tol);
  }
};

// Every parameter of the model from param/<name> (same shape), and no param/ tensor of the
// file left unused.
template <class T>
void load_params(deepdiff::ParameterStore<T>& s, const Golden& g) {
  for (const deepdiff::ParamInfo& p : s.infos()) {
    auto it = g.tensors.find("param/" + p.name);
    INFO("parameter " << p.name);
    REQUIRE(it != g.tensors.end());
    REQUIRE(it->second.shape() == p.shape);
    for (Index i = 0; i < p.size; ++i) s.values()[static_cast<std::size_t>(p.offset + i)] = static_cast<T>(it->second[i]);
  }
  Index golden_params = 0;
  for (const auto& kv : g.tensors) golden_params += kv.first.rfind("param/", 0) == 0;
  CHECK(golden_params == s.count());  // no parameter of torch's is left unused
}

// grad/<name> for every parameter (after tape.backward of the total loss).
template <class T>
void check_grads(const deepdiff::ParameterStore<T>& s, Checker& ck) {
  for (const deepdiff::ParamInfo& p : s.infos()) {
    Tensor<T> gr(p.shape);
    std::copy(s.grad(s.id(p.name)), s.grad(s.id(p.name)) + p.size, gr.data());
    ck.check("grad/" + p.name, gr);
  }
}

// Five Adam steps (lr 1e-3) with clip_grad_norm(1.0) on the file's batch, from the parameters
// loaded now: the loss and the gradient norm before each step (relative error <= ck.tol), and
// adam/param/<name> after the last.
template <class Model, class T>
void check_adam(Model& m, Checker& ck, const Tensor<T>& xa, const Tensor<T>& xb, const Tensor<T>& y,
                const Tensor<T>& ya, const Tensor<T>& yb, deepdiff::EncoderPath path) {
  const Tensor<double>& losses = ck.ref("adam/loss");
  deepdiff::AdamState<T> adam;
  deepdiff::AdamOptions ao;
  ao.lr = 1e-3;
  for (Index step = 0; step < losses.size(); ++step) {
    m.params().zero_grad();
    deepdiff::Tape<T> tape;
    deepdiff::ModelOutput<T> out = m.forward(tape, xa, xb, path);
    deepdiff::ModelLoss<T> l = m.loss(tape, out, y, ya, yb);
    const double le = std::abs(static_cast<double>(l.total.value()[0]) - losses[step]) / std::abs(losses[step]);
    INFO("adam step " << step << " loss: relative error " << le);
    CHECK(le <= ck.tol);
    tape.backward(l.total);
    const double norm = deepdiff::clip_grad_norm(m.params(), 1.0);
    const double ne = std::abs(norm - ck.ref("adam/grad_norm")[step]) / ck.ref("adam/grad_norm")[step];
    INFO("adam step " << step << " gradient norm: relative error " << ne);
    CHECK(ne <= ck.tol);
    deepdiff::adam_step(m.params(), adam, ao);
  }
  const deepdiff::ParameterStore<T>& s = m.params();
  for (const deepdiff::ParamInfo& p : s.infos()) {
    Tensor<T> v(p.shape);
    std::copy(s.value(s.id(p.name)), s.value(s.id(p.name)) + p.size, v.data());
    ck.check("adam/param/" + p.name, v);
  }
}

inline const char* path_name(deepdiff::EncoderPath path) {
  return path == deepdiff::EncoderPath::fused ? "fused" : path == deepdiff::EncoderPath::composed ? "composed" : "inference";
}

}  // namespace golden_check

}  // namespace deepdiff_test
