// Shared set-up of the tests split out of tests/test_model.cpp.
#pragma once
// The DeepDiff model: parameter names and counts, output and attention shapes of every
// variant, gradient checks of every variant (composed and fused level 1) on a tiny
// configuration, and agreement of the fused, composed and inference paths.
#include <catch2/catch.hpp>

#include <deepdiff/model/deepdiff_model.hpp>
#include <deepdiff/model/memory.hpp>

#include "test_helpers.hpp"

using namespace deepdiff;
using deepdiff_test::random_tensor;

namespace {

struct Expect {
  Variant v;
  Index params;       // at the published sizes (T = 200, H1 = 32)
  Index alpha, beta;  // channels
};

const std::vector<Expect> kExpect = {
    {Variant::raw_d, 55681, 5, 5},         {Variant::raw_c, 100801, 10, 10},     {Variant::raw, 145921, 15, 15},
    {Variant::aux, 113475, 10, 10},        {Variant::raw_aux, 257283, 15, 25},   {Variant::aux_siamese, 68355, 10, 10},
    {Variant::raw_aux_siamese, 212163, 15, 25}};

// Targets with both contrastive labels present (|y| >= 2 and < 2).
inline void targets(Index B, Tensor<double>& y, Tensor<double>& ya, Tensor<double>& yb) {
  y = Tensor<double>({B, 1});
  ya = Tensor<double>({B, 1});
  yb = Tensor<double>({B, 1});
  for (Index b = 0; b < B; ++b) {
    ya[b] = 1.0 + 0.7 * static_cast<double>(b);
    yb[b] = (b % 2 == 0) ? ya[b] + 2.5 : ya[b] - 0.5;
    y[b] = yb[b] - ya[b];
  }
}

}  // namespace
