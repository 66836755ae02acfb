// Shared helpers of the test suite: random tensors (never zeros), temporary folders, and
// paths to data.
#pragma once

#include <deepdiff/deepdiff.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <sys/stat.h>
#include <vector>

namespace deepdiff_test {

// Uniform in [lo, hi], nudged away from exact zero so no element is 0.
template <class T>
deepdiff::Tensor<T> random_tensor(deepdiff::Rng& rng, deepdiff::Shape shape, double lo = -1.0, double hi = 1.0) {
  deepdiff::Tensor<T> t(std::move(shape));
  for (deepdiff::Index i = 0; i < t.size(); ++i) {
    double v = rng.uniform(lo, hi);
    if (v == 0.0) v = 0.5 * (hi - lo) / 3.0;
    t.data()[i] = static_cast<T>(v);
  }
  return t;
}

inline bool path_exists(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0;
}

// A fresh folder under the system temp dir, removed (with its contents) when it goes out of scope.
struct TempDir {
  std::string path;
  explicit TempDir(const std::string& prefix = "deepdiff_test") {
    std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "_XXXXXX")).string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed for " + tmpl);
    path = tmpl;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return path + "/" + name; }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream f(file(name), std::ios::binary);
    f << text;
  }
  // Names of the entries, sorted.
  std::vector<std::string> listing() const {
    std::vector<std::string> v;
    for (const auto& e : std::filesystem::directory_iterator(path)) v.push_back(e.path().filename().string());
    std::sort(v.begin(), v.end());
    return v;
  }
};

// The data the project ships: data/ of the source tree (data/sample, data/roadmap).
inline std::string data_dir() { return DEEPDIFF_DATA_DIR; }
inline std::string source_dir() { return DEEPDIFF_SOURCE_DIR; }

}  // namespace deepdiff_test
