// Shared set-up of the tests split out of tests/test_synthetic.cpp.
#pragma once
// Synthetic data: the samplers have the right moments, a seed gives the same bytes, the
// files load with load_split, and the planted answer is visible in the counts (H3K4me3 at
// the TSS tracks y, H3K9me3 does not) and learnable by a plain linear model.
#include <catch2/catch.hpp>

#include <deepdiff/data/dataset.hpp>
#include <deepdiff/data/sampling.hpp>
#include <deepdiff/data/synthetic.hpp>
#include <deepdiff/io/read_file.hpp>

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "test_helpers.hpp"

using namespace deepdiff;
using deepdiff_test::TempDir;

namespace {


struct Moments {
  double mean = 0, var = 0;
};
template <class F>
Moments moments(int n, F draw) {
  double s = 0, ss = 0;
  for (int i = 0; i < n; ++i) {
    const double x = draw();
    s += x;
    ss += x * x;
  }
  Moments m;
  m.mean = s / n;
  m.var = ss / n - m.mean * m.mean;
  return m;
}

// Per gene: the B - A difference of one mark's counts summed over bins [from, to] (1-based).
inline std::vector<double> mark_difference(const Split& s, Index mark, Index from, Index to) {
  std::vector<double> d;
  for (Index g = 0; g < s.genes(); ++g) {
    double t = 0;
    for (Index b = from - 1; b < to; ++b) {
      const std::size_t i = static_cast<std::size_t>((g * s.bins + b) * s.marks + mark);
      t += static_cast<double>(s.xb[i]) - static_cast<double>(s.xa[i]);
    }
    d.push_back(t);
  }
  return d;
}

inline std::vector<double> targets(const Split& s) {
  std::vector<double> y;
  for (Index g = 0; g < s.genes(); ++g) y.push_back(s.y(g));
  return y;
}

// Mean count of one mark over bins [from, to] (1-based), all genes, cell A.
inline double mean_level(const Split& s, Index mark, Index from, Index to) {
  double t = 0;
  for (Index g = 0; g < s.genes(); ++g)
    for (Index b = from - 1; b < to; ++b)
      t += static_cast<double>(s.xa[static_cast<std::size_t>((g * s.bins + b) * s.marks + mark)]);
  return t / static_cast<double>(s.genes() * (to - from + 1));
}

}  // namespace
