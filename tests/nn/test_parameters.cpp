// Tests of include/deepdiff/nn/parameters.hpp.
#include "../train/train_fixtures.hpp"

TEST_CASE("parameter store: one slab, named views", "[train][params]") {
  ParameterStore<float> s;
  const Index w = s.add("w", {2, 3});
  const Index b = s.add("b", {3});
  CHECK(s.numel() == 9);
  CHECK(s.info(b).offset == 6);
  s.view(w)(1, 2) = 5.0f;
  CHECK(s.values()[5] == 5.0f);
  CHECK(s.find("b") == b);
  CHECK(s.find("nope") == -1);
  CHECK_THROWS_AS(s.id("nope"), std::out_of_range);
  Rng rng(1);
  s.init_uniform(rng, -0.1, 0.1);
  for (float v : s.values()) {
    CHECK(v >= -0.1f);
    CHECK(v < 0.1f);
  }
}
