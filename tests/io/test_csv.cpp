// Tests of include/deepdiff/io/csv.hpp.
#include "io_fixtures.hpp"

TEST_CASE("CsvWriter: quoting, numbers that read back exactly, ragged rows rejected", "[io]") {
  CsvWriter csv;
  csv.header({"name", "value, with comma", "n"});
  csv.row("plain", 0.1, 3);
  csv.row("say \"hi\"", 2.5f, -7L);
  csv.row("two\nlines", std::numeric_limits<double>::quiet_NaN(), std::size_t{42});
  csv.row(std::vector<std::string>{"a,b", "1", "x"});
  CHECK(csv.str() ==
        "name,\"value, with comma\",n\n"
        "plain,0.1,3\n"
        "\"say \"\"hi\"\"\",2.5,-7\n"
        "\"two\nlines\",NaN,42\n"
        "\"a,b\",1,x\n");
  CHECK(csv.rows() == 4);
  CHECK(csv.columns() == 3);
  CHECK_THROWS_AS(csv.row("only", 1), std::invalid_argument);
  CHECK_THROWS_AS(csv.header({"late"}), std::logic_error);

  deepdiff::Rng rng(5);
  for (int i = 0; i < 1000; ++i) {
    const double v = rng.normal() * std::pow(10.0, rng.uniform(-30, 30));
    CHECK(std::strtod(CsvWriter::cell(v).c_str(), nullptr) == v);
    const float f = static_cast<float>(v);
    CHECK(std::strtof(CsvWriter::cell(f).c_str(), nullptr) == f);
  }
  CHECK(CsvWriter::cell(0.1f) == "0.1");
  CHECK(CsvWriter::cell(true) == "1");
  CHECK(CsvWriter::cell(-std::numeric_limits<double>::infinity()) == "-inf");
}

// ---------------------------------------------------------------------------------------
// JSON
