// Tests of include/deepdiff/genomics/samplesheet.hpp.
#include "genomics_fixtures.hpp"

TEST_CASE("samplesheet: five marks per cell, expression optional, paths beside the sheet", "[genomics][samplesheet]") {
  TempDir d("deepdiff_genomics");
  const std::string marks5 = "A,H3K4me1,a1.bam\nA,H3K4me3,a3.bam\nA,H3K9me3,/abs/k9.bw\nA,H3K27me3,a27.tagAlign.gz\n"
                             "A,H3K36me3,a36.bam\n";
  d.write("ok.csv", "cell,assay,path\n" + marks5 + "A,expression,expr.csv\n");
  const std::vector<CellInputs> c = read_samplesheet(d.file("ok.csv"));
  REQUIRE(c.size() == 1);
  CHECK(c[0].name == "A");
  CHECK(c[0].marks[0] == std::vector<std::string>{d.file("a1.bam")});
  CHECK(c[0].marks[2] == std::vector<std::string>{"/abs/k9.bw"});
  CHECK(c[0].input.empty());
  CHECK(c[0].expression == d.file("expr.csv"));
  d.write("unknown.csv", "cell,assay,path\n" + marks5 + "A,H3K27ac,x.bam\n");
  const DataError u = data_error([&] { read_samplesheet(d.file("unknown.csv")); });
  CHECK(u.line == 7);
  CHECK(std::string(u.what()).find("unknown assay") != std::string::npos);
  // Another file for a mark is a replicate; the same file again is refused.
  d.write("rep.csv", "cell,assay,path\n" + marks5 + "A,H3K4me1,other.bam\nA,input,in1.bam\nA,input,in2.bam\n");
  const std::vector<CellInputs> rep = read_samplesheet(d.file("rep.csv"));
  CHECK(rep[0].marks[0] == std::vector<std::string>{d.file("a1.bam"), d.file("other.bam")});
  CHECK(rep[0].input == std::vector<std::string>{d.file("in1.bam"), d.file("in2.bam")});
  d.write("dup.csv", "cell,assay,path\n" + marks5 + "A,H3K4me1,a1.bam\n");
  const DataError dup = data_error([&] { read_samplesheet(d.file("dup.csv")); });
  CHECK(dup.line == 7);
  CHECK(dup.reason.find("already reads") != std::string::npos);
  d.write("dupin.csv", "cell,assay,path\n" + marks5 + "A,input,i.bam\nA,input,i.bam\n");
  CHECK(data_error([&] { read_samplesheet(d.file("dupin.csv")); }).line == 8);
  d.write("dupexpr.csv", "cell,assay,path\n" + marks5 + "A,expression,e1.csv\nA,expression,e2.csv\n");
  CHECK(data_error([&] { read_samplesheet(d.file("dupexpr.csv")); }).line == 8);
  d.write("missing.csv", "cell,assay,path\nA,H3K4me1,a1.bam\nB,H3K4me1,b.bam\n");
  const DataError m = data_error([&] { read_samplesheet(d.file("missing.csv")); });
  CHECK(std::string(m.what()).find("cell A has no H3K4me3 row") != std::string::npos);
  d.write("header.csv", "sample,mark,file\n");
  CHECK(data_error([&] { read_samplesheet(d.file("header.csv")); }).line == 1);
  d.write("name.csv", "cell,assay,path\nA_1,H3K4me1,a1.bam\n");
  CHECK(data_error([&] { read_samplesheet(d.file("name.csv")); }).line == 2);
}

TEST_CASE("samplesheet: UTF-16 and NUL bytes are refused as such, never quoted", "[genomics][samplesheet]") {
  TempDir d("deepdiff_genomics");
  const std::string sheet = "cell,assay,path\nA,H3K4me1,a1.bam\n";
  std::string le = "\xFF\xFE";  // UTF-16LE with its byte-order mark, as Excel's "Unicode text" saves it
  for (char c : sheet) le += std::string(1, c) + '\0';
  d.write("u16.csv", le);
  // Before: "the header must be cell,assay,path", which sends one looking at the wrong thing.
  const DataError u = data_error([&] { read_samplesheet(d.file("u16.csv")); });
  CHECK(u.line == 1);
  CHECK(u.reason.find("UTF-16") != std::string::npos);
  CHECK(u.hint.find("save it as UTF-8") != std::string::npos);
  // A NUL inside a cell name was quoted into the message, which ended there.
  d.write("nul.csv", std::string("cell,assay,path\nA\0B,H3K4me1,a1.bam\n", 35));
  const DataError n = data_error([&] { read_samplesheet(d.file("nul.csv")); });
  CHECK(n.line == 2);
  CHECK(n.reason.find('\0') == std::string::npos);
  CHECK(n.reason.find("NUL byte at column 2") != std::string::npos);
}

TEST_CASE("samplesheet: an expression path may name its matrix column as path#COLUMN", "[genomics][samplesheet]") {
  TempDir d("deepdiff_genomics");
  const std::string marks5 = "A,H3K4me1,a1.bam\nA,H3K4me3,a3.bam\nA,H3K9me3,k9.bw\nA,H3K27me3,a27.bam\nA,H3K36me3,a36.bam\n";
  d.write("col.csv", "cell,assay,path\n" + marks5 + "A,expression,m.pc.gz#E003\n");
  std::vector<CellInputs> c = read_samplesheet(d.file("col.csv"));
  CHECK(c[0].expression == d.file("m.pc.gz"));
  CHECK(c[0].expression_column == "E003");
  d.write("plain.csv", "cell,assay,path\n" + marks5 + "A,expression,m.pc.gz\n");
  CHECK(read_samplesheet(d.file("plain.csv"))[0].expression_column.empty());
  // A file whose own name holds '#' is taken whole.
  d.write("x#1.csv", "ENSG1,5\n");
  d.write("hash.csv", "cell,assay,path\n" + marks5 + "A,expression,x#1.csv\n");
  c = read_samplesheet(d.file("hash.csv"));
  CHECK(c[0].expression == d.file("x#1.csv"));
  CHECK(c[0].expression_column.empty());
  d.write("empty.csv", "cell,assay,path\n" + marks5 + "A,expression,m.pc.gz#\n");
  CHECK(data_error([&] { read_samplesheet(d.file("empty.csv")); }).line == 7);
}
