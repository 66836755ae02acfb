// Tests of include/deepdiff/tensor/tensor.hpp.
#include "tensor_fixtures.hpp"

TEST_CASE("tensor: shape, storage and Eigen views", "[tensor]") {
  Tensor<float> t({2, 3});
  REQUIRE(t.rank() == 2);
  REQUIRE(t.size() == 6);
  REQUIRE(t.rows() == 2);
  REQUIRE(t.cols() == 3);
  for (Index i = 0; i < 6; ++i) t[i] = static_cast<float>(i + 1);
  CHECK(t(1, 0) == 4.0f);
  CHECK(t.matrix()(1, 2) == 6.0f);  // row-major
  t.matrix().row(0) *= 2.0f;
  CHECK(t(0, 2) == 6.0f);
  CHECK(t.vec().sum() == Approx(2 + 4 + 6 + 4 + 5 + 6));

  Tensor<double> r = Tensor<double>::from({3}, {1, 2, 3});
  CHECK(r.rows() == 1);  // a rank-1 tensor is a row, as NumPy broadcasts it
  CHECK(r.cols() == 3);
  Tensor<double> c3 = Tensor<double>::from({2, 2, 2}, {0, 1, 2, 3, 4, 5, 6, 7});
  CHECK(c3(1, 0, 1) == 5.0);
  CHECK(c3.rows() == 2);
  CHECK(c3.cols() == 4);
  Tensor<double> back = c3.reshaped({4, 2});
  CHECK(back(3, 1) == 7.0);
  CHECK_THROWS_AS(c3.reshaped({3, 3}), std::invalid_argument);
  CHECK_THROWS_AS(Tensor<double>::from({2, 2}, {1, 2, 3}), std::invalid_argument);
  Tensor<float> cast = c3.cast<float>();
  CHECK(cast[7] == 7.0f);
}

TEST_CASE("tensor: element access checks bounds in debug builds", "[tensor]") {
  Tensor<double> t({2, 3});
#if DEEPDIFF_BOUNDS_CHECKING
  CHECK_THROWS_AS(t(2, 0), std::out_of_range);
  CHECK_THROWS_AS(t(0, 3), std::out_of_range);
  CHECK_THROWS_AS(t[6], std::out_of_range);
  CHECK_THROWS_AS(t(0, 0, 0), std::out_of_range);
#else
  WARN("bounds checks are compiled out of this (NDEBUG) build; the Debug/sanitizer build runs them");
#endif
  CHECK_NOTHROW(t(1, 2));
}
