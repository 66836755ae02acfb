// Tests of include/deepdiff/io/csv.hpp.
#include "io_fixtures.hpp"

#include <string_view>

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
// ---------------------------------------------------------------------------------------
// CsvReader and read_csv_table: the one CSV reader

namespace {
std::vector<std::vector<std::string>> read_all(const std::string& text, std::vector<std::size_t>* lines = nullptr) {
  deepdiff::CsvReader in("t.csv", text);
  std::vector<std::string_view> f;
  std::vector<std::vector<std::string>> out;
  while (in.next(f)) {
    out.emplace_back(f.begin(), f.end());
    if (lines) lines->push_back(in.line());
  }
  return out;
}
using Rows = std::vector<std::vector<std::string>>;
}  // namespace

TEST_CASE("CsvReader: plain records, line ends, byte order mark, trailing blank lines", "[io][csv]") {
  std::vector<std::size_t> lines;
  CHECK(read_all("a,b,c\n1,,3\n", &lines) == Rows{{"a", "b", "c"}, {"1", "", "3"}});
  CHECK(lines == std::vector<std::size_t>{1, 2});
  CHECK(read_all("\xEF\xBB\xBFx,y\r\n1,2\r\n3,4") == Rows{{"x", "y"}, {"1", "2"}, {"3", "4"}});
  CHECK(read_all("x\n\n  \n") == Rows{{"x"}});
  CHECK(read_all("").empty());
  CHECK(read_all(",\n") == Rows{{"", ""}});
  CHECK_THROWS_WITH(read_all("a\n\nb\n"), "t.csv:2: empty line before more data (remove the blank line)");
}

TEST_CASE("CsvReader: RFC 4180 quoting, as CsvWriter writes it", "[io][csv]") {
  deepdiff::CsvWriter w;
  w.header({"id", "text"});
  w.row(std::vector<std::string>{"1", "plain"});
  w.row(std::vector<std::string>{"2", "a, \"quoted\"\nline break"});
  w.row(std::vector<std::string>{"3", ""});
  std::vector<std::size_t> lines;
  CHECK(read_all(w.str(), &lines) ==
        Rows{{"id", "text"}, {"1", "plain"}, {"2", "a, \"quoted\"\nline break"}, {"3", ""}});
  CHECK(lines == std::vector<std::size_t>{1, 2, 3, 5});  // the third record spans two lines
  CHECK(read_all("\"a\",\"\",\"c\"\"\"\r\n") == Rows{{"a", "", "c\""}});
  CHECK_THROWS_WITH(read_all("x\n\"open,1\n2\n"), "t.csv:2: unterminated quoted field (a quoted field ends with \")");
  CHECK_THROWS_WITH(read_all("x\n\"ab\"c,1\n"), Catch::StartsWith("t.csv:2: text after a closing quote"));
  CHECK_THROWS_WITH(read_all("x\nab\"c\",1\n"), Catch::StartsWith("t.csv:2: a quote inside an unquoted field"));
}

TEST_CASE("read_csv_table: header, rows, their lines, ragged rows name FILE:LINE", "[io][csv]") {
  const deepdiff::CsvTable t = deepdiff::read_csv_table("t.csv", "gene_id,target\ng1,1.5\n\"g,2\",-2\n");
  CHECK(t.header == std::vector<std::string>{"gene_id", "target"});
  CHECK(t.column("target") == 1);
  CHECK(t.column("nope") == -1);
  CHECK(t.rows == Rows{{"g1", "1.5"}, {"g,2", "-2"}});
  CHECK(t.lines == std::vector<std::size_t>{2, 3});
  CHECK_THROWS_WITH(deepdiff::read_csv_table("t.csv", "a,b\n1,2\n3\n"), "t.csv:3: 1 fields, the header has 2");
  CHECK_THROWS_WITH(deepdiff::read_csv_table("t.csv", "\n"), "t.csv: empty file: no header");
}

TEST_CASE("CsvReader: '#' comment lines before the first record are skipped, only there", "[io][csv]") {
  std::vector<std::size_t> lines;
  // predictions.csv's comment (commas and quotes in it are not fields), a BOM before it
  CHECK(read_all("\xEF\xBB\xBF# y = log2((e_B + 1) / (e_A + 1)), A = \"x\"\n#\ngene_id,prediction\ng1,2\n", &lines) ==
        Rows{{"gene_id", "prediction"}, {"g1", "2"}});
  CHECK(lines == std::vector<std::size_t>{3, 4});  // lines of the file, comments counted
  // after the first record a '#' is data: a gene id may start with one
  CHECK(read_all("id,v\n#g1,2\n") == Rows{{"id", "v"}, {"#g1", "2"}});
  CHECK(read_all("# only a comment\n").empty());
  // errors keep the file's line numbers
  CHECK_THROWS_WITH(read_all("# c\nx\n\"open,1\n"), Catch::StartsWith("t.csv:3: unterminated quoted field"));
  const deepdiff::CsvTable t = deepdiff::read_csv_table("t.csv", "# what y is\ngene_id,target\ng1,1.5\n");
  CHECK(t.header == std::vector<std::string>{"gene_id", "target"});
  CHECK(t.header_line == 2);
  CHECK(t.lines == std::vector<std::size_t>{3});
  CHECK(deepdiff::read_csv_table("t.csv", "a\n1\n").header_line == 1);
  CHECK_THROWS_WITH(deepdiff::read_csv_table("t.csv", "# c\na,b\n1\n"), "t.csv:3: 1 fields, the header has 2");
}
