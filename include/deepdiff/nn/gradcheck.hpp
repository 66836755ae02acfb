// Central-difference gradient check through a random projection of the output.
//
// For an output y = f(inputs, parameters) the check forms L = <y, P> with P uniform in
// [-1, 1], computes dL/d(every input and parameter element) with the tape, and compares it
// with (L(x + h) - L(x - h)) / 2h. The relative error of one element is
//   |analytic - numeric| / max(|analytic|, |numeric|, floor)
// where `floor` keeps elements whose true gradient is (near) zero from dividing by noise.
// Use double precision: in float the difference quotient itself is too noisy.
#pragma once

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

#include "deepdiff/autograd/ops.hpp"
#include "deepdiff/nn/parameters.hpp"
#include "deepdiff/tensor/random.hpp"

namespace deepdiff {

struct GradCheckOptions {
  double step = 1e-6;
  double floor = 1e-3;
};

struct GradCheckResult {
  double max_rel_error = 0.0;
  double mean_rel_error = 0.0;
  double max_abs_error = 0.0;
  Index checked = 0;  // number of elements compared
  Index nonzero = 0;  // of which the analytic gradient was not exactly zero
};

// build(tape, leaves) returns the output Var; `leaves` are tape leaves holding `inputs`.
// If `store` is given, every parameter element is checked too (build must use store.var).
using GradCheckBuild = std::function<Var<double>(Tape<double>&, const std::vector<Var<double>>&)>;

inline GradCheckResult gradcheck(const GradCheckBuild& build, std::vector<Tensor<double>> inputs, Rng& rng,
                                 ParameterStore<double>* store = nullptr, GradCheckOptions opt = {}) {
  Tensor<double> projection;
  auto eval = [&](bool want_grads, std::vector<Tensor<double>>* input_grads) -> double {
    Tape<double> tape;
    std::vector<Var<double>> leaves;
    for (const Tensor<double>& x : inputs) leaves.push_back(tape.leaf(x));
    Var<double> y = build(tape, leaves);
    if (projection.empty()) {
      projection = Tensor<double>(y.shape());
      fill_uniform(projection, rng, -1.0, 1.0);
    }
    const double value = y.value().vec().dot(projection.vec());
    if (want_grads) {
      if (store) store->zero_grad();
      tape.backward(y, projection);
      for (const Var<double>& l : leaves) input_grads->push_back(l.grad());
    }
    return value;
  };

  std::vector<Tensor<double>> analytic;
  eval(true, &analytic);
  AlignedVector<double> param_analytic;
  if (store) param_analytic = store->grads();

  GradCheckResult r;
  double sum_rel = 0.0;
  auto compare = [&](double a, double n) {
    const double abs_err = std::abs(a - n);
    const double rel = abs_err / std::max({std::abs(a), std::abs(n), opt.floor});
    r.max_rel_error = std::max(r.max_rel_error, rel);
    r.max_abs_error = std::max(r.max_abs_error, abs_err);
    sum_rel += rel;
    r.checked += 1;
    if (a != 0.0) r.nonzero += 1;
  };
  auto numeric = [&](double& x) {
    const double keep = x;
    x = keep + opt.step;
    const double up = eval(false, nullptr);
    x = keep - opt.step;
    const double down = eval(false, nullptr);
    x = keep;
    return (up - down) / (2.0 * opt.step);
  };
  for (std::size_t k = 0; k < inputs.size(); ++k)
    for (Index i = 0; i < inputs[k].size(); ++i) compare(analytic[k][i], numeric(inputs[k][i]));
  if (store)
    for (std::size_t i = 0; i < store->values().size(); ++i) compare(param_analytic[i], numeric(store->values()[i]));
  r.mean_rel_error = r.checked ? sum_rel / static_cast<double>(r.checked) : 0.0;
  return r;
}

}  // namespace deepdiff
