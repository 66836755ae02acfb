// Tests of include/deepdiff/data/marks.hpp: the one spelling of a mark.
#include <catch2/catch.hpp>

#include "test_helpers.hpp"

using namespace deepdiff;

TEST_CASE("mark_name: the five marks by column, 'markN' (1-based) past them", "[data][marks]") {
  REQUIRE(mark_names().size() == static_cast<std::size_t>(mark::count));
  CHECK(mark_name(mark::H3K4me1) == "H3K4me1");
  CHECK(mark_name(mark::H3K4me3) == "H3K4me3");
  CHECK(mark_name(mark::H3K36me3) == "H3K36me3");
  for (Index m = 0; m < mark::count; ++m) CHECK(mark_name(m) == mark_names()[static_cast<std::size_t>(m)]);
  CHECK(mark_name(5) == "mark6");
  CHECK(mark_name(11) == "mark12");
  CHECK(mark_name(-1) == "mark0");
}
