// The CSV loader: shapes and values of a small hand-written pair, every kind of bad input
// reported as "FILE:LINE: reason", Windows line endings, batches, and the public sample.
#include <catch2/catch.hpp>

#include <deepdiff/data/dataset.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "test_helpers.hpp"

using namespace deepdiff;
using deepdiff_test::TempDir;

namespace {


// Rows "ID_SYM_b,v,v,v,v,v" for bins 1..T of each gene; the counts encode gene, bin, mark.
std::string marks_csv(const std::vector<std::string>& genes, int bins, int offset = 0) {
  std::string s;
  for (std::size_t g = 0; g < genes.size(); ++g)
    for (int b = 1; b <= bins; ++b) {
      s += genes[g] + "_SYM" + std::to_string(g) + "_" + std::to_string(b);
      for (int m = 0; m < 5; ++m) s += "," + std::to_string(offset + 100 * static_cast<int>(g) + 10 * b + m);
      s += "\n";
    }
  return s;
}

// A valid pair: genes G1, G2, G3 with 4 bins, expression for all of them and one more.
void write_valid(const TempDir& d, const std::string& split = "train") {
  const std::vector<std::string> genes = {"G1", "G2", "G3"};
  d.write("A." + split + ".csv", marks_csv(genes, 4));
  d.write("B." + split + ".csv", marks_csv(genes, 4, 1000));
  d.write("A.expr.csv", "G0,5\nG1,0\nG2,15\nG3,7.5\n");
  d.write("B.expr.csv", "G3,31\nG2,3\nG1,1\nG0,0\n");
}

// Runs `load`, which must throw a DataError for `file` at `line` whose message holds `reason`.
void expect_error(const std::function<void()>& load, const std::string& file, std::size_t line,
                  const std::string& reason) {
  try {
    load();
  } catch (const DataError& e) {
    INFO("message: " << e.what());
    CHECK(e.file == file);
    CHECK(e.line == line);
    const std::string where = line ? file + ":" + std::to_string(line) + ": " : file + ": ";
    CHECK(std::string(e.what()).rfind(where, 0) == 0);  // the message starts with FILE:LINE:
    CHECK(std::string(e.what()).find(reason) != std::string::npos);
    return;
  }
  FAIL("no DataError thrown; expected " << file << ":" << line << " " << reason);
}

}  // namespace

TEST_CASE("load_split: a small pair loads with the right shapes, values and targets", "[data]") {
  TempDir d("deepdiff_data");
  write_valid(d);
  const Split s = load_split(d.path, "A", "B", "train");
  CHECK(s.name == "train");
  CHECK(s.genes() == 3);
  CHECK(s.bins == 4);
  CHECK(s.marks == 5);
  CHECK(s.gene_ids == std::vector<std::string>{"G1", "G2", "G3"});
  CHECK(s.gene_symbols == std::vector<std::string>{"SYM0", "SYM1", "SYM2"});
  REQUIRE(s.xa.size() == 3u * 4 * 5);
  REQUIRE(s.xb.size() == 3u * 4 * 5);
  // gene g, bin b (1-based), mark m holds 100 g + 10 b + m (+1000 in cell B)
  for (int g = 0; g < 3; ++g)
    for (int b = 1; b <= 4; ++b)
      for (int m = 0; m < 5; ++m) {
        const std::size_t i = static_cast<std::size_t>((g * 4 + (b - 1)) * 5 + m);
        CHECK(s.xa[i] == static_cast<float>(100 * g + 10 * b + m));
        CHECK(s.xb[i] == static_cast<float>(1000 + 100 * g + 10 * b + m));
      }
  REQUIRE(s.has_expression);
  CHECK(s.ea == std::vector<double>{0, 15, 7.5});
  CHECK(s.eb == std::vector<double>{1, 3, 31});
  CHECK(s.y(0) == Approx(1.0));                     // log2(2/1)
  CHECK(s.y(1) == Approx(-2.0));                    // log2(4/16)
  CHECK(s.y(2) == Approx(std::log2(32.0 / 8.5)));
  CHECK(s.ya(1) == Approx(4.0));
  CHECK(s.yb(2) == Approx(5.0));
  CHECK(s.bytes() >= 2 * 60 * sizeof(float));
  CHECK(describe(s).rfind("train: 3 genes x 4 bins x 5 marks, ", 0) == 0);
}

TEST_CASE("load_split: Windows line endings, a byte order mark, no final newline, trailing blank lines", "[data]") {
  TempDir lf, crlf;
  write_valid(lf);
  write_valid(crlf);
  auto to_crlf = [](std::string s) {
    std::string o;
    for (char c : s) o += c == '\n' ? std::string("\r\n") : std::string(1, c);
    return o;
  };
  const std::vector<std::string> genes = {"G1", "G2", "G3"};
  std::string a = to_crlf(marks_csv(genes, 4));
  a.resize(a.size() - 2);  // no final newline
  crlf.write("A.train.csv", "\xEF\xBB\xBF" + a);
  crlf.write("B.train.csv", to_crlf(marks_csv(genes, 4, 1000)) + "\r\n\r\n");
  crlf.write("A.expr.csv", "G0,5\r\nG1,0\r\nG2,15\r\nG3,7.5");
  crlf.write("B.expr.csv", to_crlf("G3,31\nG2,3\nG1,1\nG0,0\n"));
  const Split x = load_split(lf.path, "A", "B", "train");
  const Split y = load_split(crlf.path, "A", "B", "train");
  CHECK(y.gene_ids == x.gene_ids);
  CHECK(y.gene_symbols == x.gene_symbols);
  CHECK(y.xa == x.xa);
  CHECK(y.xb == x.xb);
  CHECK(y.ea == x.ea);
  CHECK(y.eb == x.eb);
}

TEST_CASE("load_split: decimal counts, and symbols that are empty or hold underscores", "[data]") {
  TempDir d("deepdiff_data");
  d.write("A.t.csv", "E1__1,0.5,1e1,2,3,4\nE1__2,1,1,1,1,1\nE2_A_B_1,1,2,3,4,5\nE2_A_B_2,1,2,3,4,5\n");
  d.write("B.t.csv", "E1__1,0,0,0,0,0\nE1__2,0,0,0,0,0\nE2_A_B_1,0,0,0,0,0\nE2_A_B_2,0,0,0,0,0\n");
  const Split s = load_split(d.path, "A", "B", "t", ExpressionMode::ignore);
  CHECK(s.gene_ids == std::vector<std::string>{"E1", "E2"});
  CHECK(s.gene_symbols == std::vector<std::string>{"", "A_B"});
  CHECK(s.xa[0] == 0.5f);
  CHECK(s.xa[1] == 10.0f);
  CHECK_FALSE(s.has_expression);
}

TEST_CASE("load_split: missing files name the path looked for", "[data]") {
  TempDir d("deepdiff_data");
  write_valid(d);
  expect_error([&] { load_split(d.path, "A", "C", "train"); }, d.file("C.train.csv"), 0, "file not found");
  try {
    load_split(d.path, "A", "C", "train");
  } catch (const DataError& e) {
    CHECK(e.hint.find("A, B") != std::string::npos);  // the hint lists the cells that are there
  }
  expect_error([&] { load_split(d.path, "A", "B", "valid"); }, d.file("A.valid.csv"), 0, "file not found");
  expect_error([&] { load_split(d.path + "/nope", "A", "B", "train"); }, d.file("nope/A.train.csv"), 0,
               "does not exist");
  std::filesystem::remove(d.file("B.expr.csv"));
  expect_error([&] { load_split(d.path, "A", "B", "train"); }, d.file("B.expr.csv"), 0, "file not found");
  // optional: one table without the other is an error; ignore never looks
  expect_error([&] { load_split(d.path, "A", "B", "train", ExpressionMode::optional); }, d.file("B.expr.csv"), 0,
               "file not found");
  CHECK_FALSE(load_split(d.path, "A", "B", "train", ExpressionMode::ignore).has_expression);
  std::filesystem::remove(d.file("A.expr.csv"));
  const Split s = load_split(d.path, "A", "B", "train", ExpressionMode::optional);
  CHECK_FALSE(s.has_expression);
  CHECK(s.ea.empty());
  CHECK(s.genes() == 3);
}

TEST_CASE("load_split: ExpressionMode::optional reads the tables when present, ignore skips broken ones", "[data]") {
  TempDir d("deepdiff_data");
  write_valid(d);
  CHECK(load_split(d.path, "A", "B", "train", ExpressionMode::optional).has_expression);
  d.write("A.expr.csv", "G1,abc\n");
  CHECK_FALSE(load_split(d.path, "A", "B", "train", ExpressionMode::ignore).has_expression);
  expect_error([&] { load_split(d.path, "A", "B", "train", ExpressionMode::optional); }, d.file("A.expr.csv"), 1,
               "not a number");
}

TEST_CASE("load_split: empty files", "[data]") {
  TempDir d("deepdiff_data");
  write_valid(d);
  d.write("A.train.csv", "");
  expect_error([&] { load_split(d.path, "A", "B", "train"); }, d.file("A.train.csv"), 0, "empty file");
  d.write("A.train.csv", "\n\r\n  \n");
  expect_error([&] { load_split(d.path, "A", "B", "train"); }, d.file("A.train.csv"), 0, "empty file");
  write_valid(d);
  d.write("B.expr.csv", "");
  expect_error([&] { load_split(d.path, "A", "B", "train"); }, d.file("B.expr.csv"), 0, "empty file");
}

TEST_CASE("load_split: malformed rows of a marks file", "[data]") {
  TempDir d("deepdiff_data");
  const std::string a = d.file("A.train.csv");
  auto load = [&] { load_split(d.path, "A", "B", "train"); };
  auto with_line = [&](int line_no, const std::string& replacement) {
    write_valid(d);
    std::string text = marks_csv({"G1", "G2", "G3"}, 4);
    std::size_t start = 0;
    for (int l = 1; l < line_no; ++l) start = text.find('\n', start) + 1;
    const std::size_t end = text.find('\n', start);
    text.replace(start, end - start, replacement);
    d.write("A.train.csv", text);
  };
  SECTION("wrong number of columns") {
    with_line(6, "G2_SYM1_2,1,2,3,4");
    expect_error(load, a, 6, "expected 6 columns (as on the first row), found 5");
    with_line(7, "G2_SYM1_3,1,2,3,4,5,6");
    expect_error(load, a, 7, "found 7");
  }
  SECTION("a first row with only an id") {
    with_line(1, "G1_SYM0_1");
    expect_error(load, a, 1, "found 1 column");
  }
  SECTION("counts that are not numbers, negative, not finite, or empty") {
    with_line(3, "G1_SYM0_3,1,2,x7,4,5");
    expect_error(load, a, 3, "column 4 (H3K9me3): \"x7\" is not a number");
    with_line(4, "G1_SYM0_4,1,-2,3,4,5");
    expect_error(load, a, 4, "column 3 (H3K4me3): \"-2\" is negative");
    with_line(5, "G2_SYM1_1,1,2,3,4,inf");
    expect_error(load, a, 5, "not a finite number");
    with_line(5, "G2_SYM1_1,nan,2,3,4,5");
    expect_error(load, a, 5, "not a finite number");
    with_line(2, "G1_SYM0_2,1,2,,4,5");
    expect_error(load, a, 2, "empty field");
    with_line(2, "G1_SYM0_2,1,2,3 4,4,5");
    expect_error(load, a, 2, "not a number");
    with_line(2, "G1_SYM0_2,1,2,1e999,4,5");
    expect_error(load, a, 2, "out of range");
  }
  SECTION("row ids that are not ID_SYMBOL_BIN") {
    with_line(1, "G1_1,1,2,3,4,5");
    expect_error(load, a, 1, "is not ID_SYMBOL_BIN");
    with_line(5, "_SYM1_1,1,2,3,4,5");
    expect_error(load, a, 5, "is not ID_SYMBOL_BIN");
    with_line(5, "G2,1,2,3,4,5");
    expect_error(load, a, 5, "is not ID_SYMBOL_BIN");
    with_line(6, "G2_SYM1_two,1,2,3,4,5");
    expect_error(load, a, 6, "does not end in a bin number");
    with_line(5, "G2_SYM1_0,1,2,3,4,5");
    expect_error(load, a, 5, "does not end in a bin number");
  }
  SECTION("bins out of order") {
    with_line(3, "G1_SYM0_4,1,2,3,4,5");
    expect_error(load, a, 3, "bins out of order: gene G1 has bin 4 after bin 2");
    with_line(5, "G2_SYM1_2,1,2,3,4,5");
    expect_error(load, a, 5, "gene G2 starts at bin 2, expected bin 1");
  }
  SECTION("a symbol that changes within a gene") {
    with_line(2, "G1_OTHER_2,1,2,3,4,5");
    expect_error(load, a, 2, "changes symbol");
  }
  SECTION("a blank line between rows") {
    with_line(9, "");
    expect_error(load, a, 9, "empty line before more data");
  }
}

TEST_CASE("load_split: genes with the wrong number of bins", "[data]") {
  TempDir d("deepdiff_data");
  write_valid(d);
  const std::string a = d.file("A.train.csv");
  auto load = [&] { load_split(d.path, "A", "B", "train"); };
  // second gene cut short: G1 has 4 bins, G2 only 3
  d.write("A.train.csv", marks_csv({"G1"}, 4) + marks_csv({"G2"}, 3) + marks_csv({"G3"}, 4));
  expect_error(load, a, 7, "gene G2 has 3 bins, but the first gene G1 has 4");
  // the last gene cut short: reported at the end of the file
  d.write("A.train.csv", marks_csv({"G1", "G2"}, 4) + marks_csv({"G3"}, 2));
  expect_error(load, a, 10, "gene G3 has 2 bins");
  // a gene with too many
  d.write("A.train.csv", marks_csv({"G1"}, 4) + marks_csv({"G2"}, 5));
  expect_error(load, a, 9, "gene G2 has more than 4 bins");
  // a short first gene sets T, and the next gene is then too long
  d.write("A.train.csv", marks_csv({"G1"}, 3) + marks_csv({"G2"}, 4));
  expect_error(load, a, 7, "more than 3 bins");
}

TEST_CASE("load_split: duplicated genes in a split file and in an expression table", "[data]") {
  TempDir d("deepdiff_data");
  write_valid(d);
  const std::string a = d.file("A.train.csv");
  auto load = [&] { load_split(d.path, "A", "B", "train"); };
  d.write("A.train.csv", marks_csv({"G1", "G2"}, 4) + marks_csv({"G1"}, 4));
  expect_error(load, a, 9, "gene G1 appears twice (first at line 1)");
  // back to back: the copy restarts at bin 1
  d.write("A.train.csv", marks_csv({"G1"}, 4) + marks_csv({"G1"}, 4));
  expect_error(load, a, 5, "gene G1 appears twice (first at line 1)");
  write_valid(d);
  d.write("B.expr.csv", "G3,31\nG2,3\nG1,1\nG2,0\n");
  expect_error(load, d.file("B.expr.csv"), 4, "gene G2 appears twice (first at line 2)");
}

TEST_CASE("load_split: the two cells must list the same genes in the same order", "[data]") {
  TempDir d("deepdiff_data");
  write_valid(d);
  const std::string b = d.file("B.train.csv");
  auto load = [&] { load_split(d.path, "A", "B", "train"); };
  d.write("B.train.csv", marks_csv({"G1", "G3", "G2"}, 4));
  expect_error(load, b, 5, "gene G3 is gene #2, but " + d.file("A.train.csv") + ":5 has G2 there");
  d.write("B.train.csv", marks_csv({"G1", "G2"}, 4));
  expect_error(load, b, 8, "file ends after 2 genes");
  d.write("B.train.csv", marks_csv({"G1", "G2", "G3", "G4"}, 4));
  expect_error(load, b, 13, "gene G4 is gene #4");
  d.write("B.train.csv", marks_csv({"G1", "G2", "G3"}, 3));
  expect_error(load, b, 1, "genes have 3 bins");
  d.write("B.train.csv", "G1_S_1,1,2,3,4\nG1_S_2,1,2,3,4\n");
  expect_error(load, b, 1, "4 count columns");
}

TEST_CASE("load_split: expression tables", "[data]") {
  TempDir d("deepdiff_data");
  auto load = [&] { load_split(d.path, "A", "B", "train"); };
  const std::string e = d.file("A.expr.csv");
  write_valid(d);
  d.write("A.expr.csv", "G1,0\nG3,7\n");
  expect_error(load, d.file("A.train.csv"), 5, "gene G2 has no row in the expression table " + e);
  d.write("A.expr.csv", "G1,0\nG2,1,2\nG3,7\n");
  expect_error(load, e, 2, "expected 2 columns (ENSGID,count), found 3");
  d.write("A.expr.csv", "G1,0\nG2,-1\nG3,7\n");
  expect_error(load, e, 2, "\"-1\" is negative");
  d.write("A.expr.csv", "gene,count\nG1,0\nG2,1\nG3,7\n");
  expect_error(load, e, 1, "\"count\" is not a number");
  d.write("A.expr.csv", "G1,0\nG2,NaN\nG3,7\n");
  expect_error(load, e, 2, "not a finite number");
  d.write("A.expr.csv", "G1,0\n,5\nG3,7\n");
  expect_error(load, e, 2, "empty gene id");
  // A NUL byte (UTF-16 text has one in every other byte) is shown as \x00: the message goes on
  // past it to the reason instead of ending where the field began.
  d.write("A.expr.csv", std::string("G1,0\nG2,7\0""1\nG3,7\n", 17));
  expect_error(load, e, 2, "\"7\\x001\" is not a number");
}

TEST_CASE("gather_batch: shapes, values, targets, buffer reuse", "[data]") {
  TempDir d("deepdiff_data");
  write_valid(d);
  const Split s = load_split(d.path, "A", "B", "train");
  Tensor<float> xa, xb, y, ya, yb;
  gather_batch(s, {2, 0}, xa, xb, y, ya, yb);
  CHECK(xa.shape() == Shape{2, 4, 5});
  CHECK(xb.shape() == Shape{2, 4, 5});
  CHECK(y.shape() == Shape{2, 1});
  CHECK(ya.shape() == Shape{2, 1});
  CHECK(yb.shape() == Shape{2, 1});
  CHECK(xa(0, 0, 0) == 210.0f);  // gene 2, bin 1, mark 0
  CHECK(xa(0, 3, 4) == 244.0f);
  CHECK(xa(1, 1, 2) == 22.0f);
  CHECK(xb(1, 1, 2) == 1022.0f);
  CHECK(y[0] == Approx(s.y(2)));
  CHECK(y[1] == Approx(1.0));
  CHECK(ya[0] == Approx(s.ya(2)));
  CHECK(yb[1] == Approx(1.0));
  const float* before = xa.data();
  gather_batch(s, {1, 1}, xa, xb, y, ya, yb);
  CHECK(xa.data() == before);  // same shape: the buffer is reused
  CHECK(xa(1, 2, 3) == 133.0f);
  CHECK(y[0] == Approx(-2.0));

  Tensor<double> da, db, dy, dya, dyb;
  gather_batch(s, {0, 1, 2}, da, db, dy, dya, dyb);
  CHECK(da.shape() == Shape{3, 4, 5});
  for (Index i = 0; i < da.size(); ++i) CHECK(da.data()[i] == static_cast<double>(s.xa[static_cast<std::size_t>(i)]));
  CHECK(dy[2] == Approx(std::log2(32.0 / 8.5)).epsilon(1e-14));
  CHECK_THROWS_AS(gather_batch(s, {3}, da, db, dy, dya, dyb), std::out_of_range);
  CHECK_THROWS_AS(gather_batch(s, {-1}, da, db, dy, dya, dyb), std::out_of_range);

  const Split n = load_split(d.path, "A", "B", "train", ExpressionMode::ignore);
  y.fill(7.0f);
  gather_batch(n, {0, 2}, xa, xb, y, ya, yb);
  CHECK(y[0] == 0.0f);
  CHECK(yb[1] == 0.0f);
  CHECK(xb(1, 0, 0) == 1210.0f);
  CHECK(describe(n).find("no expression") != std::string::npos);
}

TEST_CASE("load_split: the public sample (Cell1 = K562, Cell2 = H1)", "[data][sample]") {
  const std::string dir = deepdiff_test::data_dir() + "/sample";
  if (!deepdiff_test::path_exists(dir + "/Cell1.train.csv")) {
    WARN("skipped: the public sample is not at " << dir);
    return;
  }
  const Split s = load_split(dir, "Cell1", "Cell2", "train");
  CHECK(s.genes() == 200);
  CHECK(s.bins == 200);
  CHECK(s.marks == 5);
  CHECK(s.xa.size() == 200u * 200 * 5);
  CHECK(s.gene_ids[0] == "ENSG00000130749");
  CHECK(s.gene_symbols[0] == "ZC3H4");
  CHECK(s.gene_ids[1] == "ENSG00000130751");
  // first rows: Cell1 "ENSG00000130749_ZC3H4_1,1,1,0,1,0", Cell2 "..._1,2,0,0,1,1"
  CHECK(std::vector<float>(s.xa.begin(), s.xa.begin() + 5) == std::vector<float>{1, 1, 0, 1, 0});
  CHECK(std::vector<float>(s.xb.begin(), s.xb.begin() + 5) == std::vector<float>{2, 0, 0, 1, 1});
  // bin 3 of the first gene in Cell1: "ENSG00000130749_ZC3H4_3,3,0,1,2,5"
  CHECK(std::vector<float>(s.xa.begin() + 10, s.xa.begin() + 15) == std::vector<float>{3, 0, 1, 2, 5});
  // expression of ENSG00000130749: 3501 in Cell1.expr.csv, 23376 in Cell2.expr.csv
  REQUIRE(s.has_expression);
  CHECK(s.ea[0] == 3501.0);
  CHECK(s.eb[0] == 23376.0);
  CHECK(s.y(0) == Approx(std::log2(23377.0 / 3502.0)).epsilon(1e-15));
  CHECK(s.y(0) == Approx(2.7388).margin(1e-4));
  for (const char* split : {"valid", "test"}) {
    const Split t = load_split(dir, "Cell1", "Cell2", split);
    CHECK(t.genes() == 200);
    CHECK(t.bins == 200);
    CHECK(t.marks == 5);
  }
}

// Issue 14, item 5: a FIFO, a device or a symlink loop in place of a data file is named as
// what it is (not "file not found"), and never opened.
TEST_CASE("load_split: a FIFO, /dev/zero, /dev/null or a symlink loop is named, not 'file not found'", "[data]") {
  TempDir d("deepdiff_data");
  write_valid(d);
  std::filesystem::remove(d.file("B.train.csv"));
  REQUIRE(::mkfifo(d.file("B.train.csv").c_str(), 0600) == 0);
  expect_error([&] { load_split(d.path, "A", "B", "train"); }, d.file("B.train.csv"), 0, "not a regular file (a FIFO");
  std::filesystem::remove(d.file("B.train.csv"));
  for (const char* dev : {"/dev/zero", "/dev/null"}) {
    std::filesystem::create_symlink(dev, d.file("B.train.csv"));
    expect_error([&] { load_split(d.path, "A", "B", "train"); }, d.file("B.train.csv"), 0, "character device");
    std::filesystem::remove(d.file("B.train.csv"));
  }
  std::filesystem::create_symlink(d.file("loop2"), d.file("loop1"));
  std::filesystem::create_symlink(d.file("loop1"), d.file("loop2"));
  std::filesystem::create_symlink(d.file("loop1"), d.file("B.train.csv"));
  expect_error([&] { load_split(d.path, "A", "B", "train"); }, d.file("B.train.csv"), 0,
               "too many levels of symbolic links");
  std::filesystem::remove(d.file("B.train.csv"));
  write_valid(d);
  // the expression tables, required and optional
  std::filesystem::remove(d.file("A.expr.csv"));
  REQUIRE(::mkfifo(d.file("A.expr.csv").c_str(), 0600) == 0);
  expect_error([&] { load_split(d.path, "A", "B", "train"); }, d.file("A.expr.csv"), 0, "FIFO");
  expect_error([&] { load_split(d.path, "A", "B", "train", ExpressionMode::optional); }, d.file("A.expr.csv"), 0, "FIFO");
}
