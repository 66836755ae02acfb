// Splits for the baseline tests (test_ridge.cpp, test_xgboost.cpp), built in memory.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include <deepdiff/data/dataset.hpp>
#include <deepdiff/data/summary_features.hpp>
#include <deepdiff/tensor/random.hpp>

namespace deepdiff_test {

// The planted rule on the summary features f (W = 10): y = 2 + 0.7 f[A, mark 0, w1]
// - 0.4 f[B, mark 1, w4] + 0.25 f[B-A, mark 3, w1] + noise * N(0, 1).
inline double planted_y(const double* f, deepdiff::Index M) {
  const deepdiff::Index W = 10;
  return 2.0 + 0.7 * f[0] - 0.4 * f[M * W + 1 * W + 3] + 0.25 * f[2 * M * W + 3 * W + 0];
}

// N genes of T bins and M marks: integer counts 0..7 (mark m of gene g scaled by its own level),
// ea = 0 and eb = 2^y - 1, so Split::y(g) = log2(eb + 1) is the planted y.
inline deepdiff::Split planted_split(deepdiff::Rng& rng, const std::string& name, deepdiff::Index N,
                                     deepdiff::Index T = 20, deepdiff::Index M = 5, double noise = 0.0) {
  using deepdiff::Index;
  deepdiff::Split s;
  s.name = name;
  s.bins = T;
  s.marks = M;
  s.has_expression = true;
  s.xa.resize(static_cast<std::size_t>(N * T * M));
  s.xb.resize(s.xa.size());
  for (float& v : s.xa) v = static_cast<float>(rng.below(8));
  for (float& v : s.xb) v = static_cast<float>(rng.below(8));
  const std::vector<double> f = deepdiff::summary_features(s.xa.data(), s.xb.data(), N, T, M, 10);
  const Index F = 3 * M * 10;
  for (Index g = 0; g < N; ++g) {
    s.gene_ids.push_back("ENSG" + std::to_string(g));
    s.gene_symbols.push_back("");
    const double y = planted_y(f.data() + g * F, M) + noise * rng.normal();
    s.ea.push_back(0.0);
    s.eb.push_back(std::exp2(y) - 1.0);
  }
  return s;
}

}  // namespace deepdiff_test
