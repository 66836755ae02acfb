// Tests of include/deepdiff/model/memory.hpp.
#include "model_fixtures.hpp"

TEST_CASE("memory: parameter_count equals the built model's, training_memory grows with hidden and batch",
          "[model][memory]") {
  for (Variant v : all_variants())
    for (Index h : {2, 4, 32, 50}) {
      ModelConfig c;
      c.variant = v;
      c.hidden1 = h;
      c.bins = 7;
      INFO(variant_name(v) << " hidden " << h);
      CHECK(parameter_count(c) == static_cast<double>(DeepDiff<float>(c).params().numel()));
      // raw_aux*: alpha covers the raw block's 3M channels; A's and B's M each come on top
      CHECK(level1_channels(c) == DeepDiff<float>(c).alpha_channels() + (has_raw_block(v) ? 2 * c.marks : 0));
    }
  ModelConfig c;
  c.variant = Variant::raw_aux;
  c.hidden1 = 100000;  // the issue's --hidden 100000: ~2e12 parameters, counted, never built
  const MemoryEstimate huge = training_memory(c, 10, sizeof(float));
  CHECK(huge.parameter_count > 1e12);
  CHECK(huge.total() > 1e13);
  ModelConfig d;
  const MemoryEstimate small = training_memory(d, 10, sizeof(float));
  CHECK(small.parameter_count == 55681);
  CHECK(small.total() < 1e9);
  CHECK(training_memory(d, 1000, sizeof(float)).activations == Approx(100 * small.activations));
}
