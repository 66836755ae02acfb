// Shared helpers of the test suite: random tensors (never zeros), and paths to data.
#pragma once

#include <deepdiff/deepdiff.hpp>

#include <string>
#include <sys/stat.h>

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

inline std::string shared_data() { return DEEPDIFF_SHARED_DATA; }
inline std::string source_dir() { return DEEPDIFF_SOURCE_DIR; }

}  // namespace deepdiff_test
