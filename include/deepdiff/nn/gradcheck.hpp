// Central-difference gradient check through a random projection of the output.
//
// For an output y = f(inputs, parameters) the check forms L = <y, P> with P uniform in
// [-1, 1], computes dL/d(every input and parameter element) with the tape, and compares it
// with the central difference (L(x + h) - L(x - h)) / 2h at two step sizes, h and h / 10.
// The relative error of one element is
//   min over the two steps of |analytic - numeric| / max(|analytic|, |numeric|, floor)
// (the fine step is skipped where the coarse one already agrees to 1e-8)
// where `floor` keeps elements whose true gradient is (near) zero from dividing by noise.
// Two steps because no single h suits every element: a large one is biased where the function
// curves (O(h^2) truncation), a small one is noisy where L is large (rounding / h). A wrong
// gradient is wrong at both. Use double precision: in float the quotient itself is too noisy.
//
// Non-finite values fail the check, never pass as agreement: an analytic gradient that is NaN
// or infinite (a buffer element no backward pass wrote, where the kernels pre-fill with NaN in
// checked builds) or a non-finite L sets max_rel_error to infinity and counts in `non_finite`.
#pragma once

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
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
  Index non_finite = 0;  // of which the analytic or numeric gradient was NaN or infinite
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
  auto difference = [&](double& x, double h) {
    const double keep = x;
    x = keep + h;
    const double up = eval(false, nullptr);
    x = keep - h;
    const double down = eval(false, nullptr);
    x = keep;
    return (up - down) / (2.0 * h);
  };
  // Checks element x whose analytic gradient is a. The fine step is taken only where the coarse
  // one is not already within kSettled (every test asks for 1e-6 or looser): half the cost.
  constexpr double kSettled = 1e-8;
  auto check = [&](double a, double& x) {
    r.checked += 1;
    if (a != 0.0) r.nonzero += 1;
    auto rel_of = [&](double num) { return std::abs(a - num) / std::max({std::abs(a), std::abs(num), opt.floor}); };
    double num = difference(x, opt.step);
    if (std::isfinite(a) && std::isfinite(num) && rel_of(num) > kSettled) {
      const double fine = difference(x, opt.step / 10.0);
      if (!std::isfinite(fine) || rel_of(fine) < rel_of(num)) num = fine;
    }
    if (!std::isfinite(a) || !std::isfinite(num)) {
      r.non_finite += 1;
      r.max_rel_error = r.max_abs_error = sum_rel = std::numeric_limits<double>::infinity();
      return;
    }
    const double rel = rel_of(num);
    r.max_rel_error = std::max(r.max_rel_error, rel);
    r.max_abs_error = std::max(r.max_abs_error, std::abs(a - num));
    sum_rel += rel;
  };
  for (std::size_t k = 0; k < inputs.size(); ++k)
    for (Index i = 0; i < inputs[k].size(); ++i) check(analytic[k][i], inputs[k][i]);
  if (store)
    for (std::size_t i = 0; i < store->values().size(); ++i) check(param_analytic[i], store->values()[i]);
  r.mean_rel_error = r.checked ? sum_rel / static_cast<double>(r.checked) : 0.0;
  return r;
}

}  // namespace deepdiff
