// pearson and mean_squared_error (data/metrics.hpp): the one correlation of the project.
#include <catch2/catch.hpp>

#include <cmath>

#include "test_helpers.hpp"

using namespace deepdiff;

TEST_CASE("pearson: the correlation of two series, computed with centred sums", "[data][metrics]") {
  CHECK(pearson({1, 2, 3}, {2, 4, 6}) == 1.0);
  CHECK(pearson({1, 2, 3}, {3, 2, 1}) == -1.0);
  CHECK(pearson({1, 2, 3, 4}, {1, 3, 2, 4}) == Approx(0.8).epsilon(1e-15));  // 4 / sqrt(5 * 5)
  // centred sums: a large offset does not cancel the signal away
  CHECK(pearson({1e9 + 1, 1e9 + 2, 1e9 + 3, 1e9 + 4}, {1, 3, 2, 4}) == Approx(0.8).epsilon(1e-12));
  // symmetric, and blind to scale and shift
  CHECK(pearson({1, 3, 2, 4}, {1, 2, 3, 4}) == pearson({1, 2, 3, 4}, {1, 3, 2, 4}));
  CHECK(pearson({1, 2, 3, 4}, {-5, 1, -2, 4}) == Approx(pearson({10, 20, 30, 40}, {-5, 1, -2, 4})));
}

TEST_CASE("pearson: NaN for a constant or too short series, the decided value", "[data][metrics]") {
  CHECK(std::isnan(pearson({2, 2, 2}, {1, 2, 3})));
  CHECK(std::isnan(pearson({1, 2, 3}, {0, 0, 0})));
  CHECK(std::isnan(pearson({1}, {2})));
  // a constant whose mean does not come back exactly (0.1 + 0.1 + 0.1 != 0.3): still NaN
  CHECK(std::isnan(pearson({0.1, 0.1, 0.1}, {1, 2, 4})));
  CHECK(std::isnan(pearson(std::vector<double>(7, 0.7), {1, 2, 4, 3, 5, 6, 0})));
  CHECK(std::isnan(pearson({}, {})));
  CHECK_THROWS_WITH(pearson({1, 2}, {1, 2, 3}), Catch::Contains("different lengths"));
}

TEST_CASE("mean_squared_error", "[data][metrics]") {
  CHECK(mean_squared_error({1, 2}, {2, 4}) == 2.5);
  CHECK(mean_squared_error({1, -1}, {1, -1}) == 0.0);
  CHECK(std::isnan(mean_squared_error({}, {})));
  CHECK_THROWS_WITH(mean_squared_error({1}, {1, 2}), Catch::Contains("different lengths"));
}
