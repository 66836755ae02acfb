// Tests of include/deepdiff/tensor/random.hpp.
#include "tensor_fixtures.hpp"

TEST_CASE("rng: seeded, reproducible, and uniform from lo up to hi", "[tensor]") {
  Rng a(42), b(42), c(43);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    const double x = a.uniform(-0.1, 0.1);
    CHECK(x == b.uniform(-0.1, 0.1));
    differs = differs || (x != c.uniform(-0.1, 0.1));
    CHECK(x >= -0.1);
    CHECK(x < 0.1);
  }
  CHECK(differs);
  double mean = 0.0;
  for (int i = 0; i < 20000; ++i) mean += a.uniform();
  CHECK(mean / 20000 == Approx(0.5).margin(0.01));
  std::vector<int> v{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  a.shuffle(v);
  std::vector<int> sorted = v;
  std::sort(sorted.begin(), sorted.end());
  CHECK(sorted == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  for (int i = 0; i < 1000; ++i) CHECK(a.below(7) < 7);
}
