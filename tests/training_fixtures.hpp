// Shared set-up of the tests split out of tests/test_training.cpp.
#pragma once
// Training end to end: checkpoints (bit-identical round trip, corruption and mismatches
// detected), resume = uninterrupted run, determinism across thread counts, learning on the
// real sample data, and recovery of the planted answer on synthetic data.
#include <catch2/catch.hpp>

#include <deepdiff/data/synthetic.hpp>
#include <deepdiff/model/model_io.hpp>
#include <deepdiff/train/state_io.hpp>

#include <omp.h>

#include <cmath>
#include <cstdlib>
#include <fstream>

#include "test_helpers.hpp"

using namespace deepdiff;
using deepdiff_test::random_tensor;

namespace {

// A small synthetic pair (written once per process).
inline const std::string& small_synthetic() {
  static const deepdiff_test::TempDir root("deepdiff_train");
  static const std::string dir = [] {
    const std::string d = root.file("synth");
    SynthConfig c;
    c.genes = 60;
    c.bins = 12;
    c.seed = 5;
    write_synthetic(d, c);
    return d;
  }();
  return dir;
}

inline ModelConfig small_config(Variant v, Index bins) {
  ModelConfig c;
  c.variant = v;
  c.bins = bins;
  c.hidden1 = 4;
  return c;
}

inline TrainOptions small_options() {
  TrainOptions o;
  o.epochs = 2;
  o.lr = 1e-3;
  o.batch_size = 7;  // does not divide the 36 training genes: a short last batch
  o.seed = 3;
  return o;
}

}  // namespace
