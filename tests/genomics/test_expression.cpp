// Tests of include/deepdiff/genomics/expression.hpp.
#include "genomics_fixtures.hpp"

TEST_CASE("expression tables: two columns, featureCounts, salmon", "[genomics][expression]") {
  TempDir d("deepdiff_genomics");
  d.write("plain.csv", "ENSG00000000003.14,153\nENSG00000000005,2\n");
  d.write("header.tsv", "gene_id\tcount\nENSG00000000003\t153\nENSG00000000005.5\t2.5\n");
  d.write("fc.txt",
          "# Program:featureCounts v2.0.1; Command:\"featureCounts\" -a genes.gtf\n"
          "Geneid\tChr\tStart\tEnd\tStrand\tLength\tsample.bam\n"
          "ENSG00000000003.14\tchrX\t1\t10\t-\t10\t153\n"
          "ENSG00000000005.5\tchrX\t1\t10\t+\t10\t2.5\n");
  d.write("quant.genes.sf",
          "Name\tLength\tEffectiveLength\tTPM\tNumReads\n"
          "ENSG00000000003.14\t100\t90\t12.5\t153\n"
          "ENSG00000000005.5\t100\t90\t0.1\t2.5\n");
  const ExpressionValues p = read_expression(d.file("plain.csv"));
  CHECK(p.value.at("ENSG00000000003") == 153);
  CHECK(p.value.at("ENSG00000000005") == 2);
  for (const char* name : {"header.tsv", "fc.txt", "quant.genes.sf"}) {
    INFO(name);
    const ExpressionValues e = read_expression(d.file(name));
    CHECK(e.value.size() == 2);
    CHECK(e.value.at("ENSG00000000003") == 153);
    CHECK(e.value.at("ENSG00000000005") == (std::string(name) == "header.tsv" ? 2.5 : 2.5));
  }
  CHECK(read_expression(d.file("fc.txt")).format == ExpressionFormat::featurecounts);
  CHECK(read_expression(d.file("quant.genes.sf")).format == ExpressionFormat::salmon);
  d.write("dup.csv", "ENSG1.1,3\nENSG2,4\nENSG1.2,5\n");
  CHECK(data_error([&] { read_expression(d.file("dup.csv")); }).line == 3);
  d.write("neg.csv", "ENSG1,3\nENSG2,-4\n");
  CHECK(data_error([&] { read_expression(d.file("neg.csv")); }).line == 2);
  d.write("three.csv", "ENSG1,3,4\n");
  CHECK(data_error([&] { read_expression(d.file("three.csv")); }).line == 1);
}

namespace {

// ASCII text as UTF-16: little-endian (each byte then a NUL) or big-endian, with or without
// the byte-order mark, as Excel's "Unicode text" or PowerShell's `>` save it.
std::string utf16(const std::string& ascii, bool big_endian, bool bom) {
  std::string s = bom ? (big_endian ? "\xFE\xFF" : "\xFF\xFE") : "";
  for (char c : ascii) {
    if (big_endian) s += '\0';
    s += c;
    if (!big_endian) s += '\0';
  }
  return s;
}

}  // namespace

TEST_CASE("expression tables: a first line with a bad value is a row, refused naming line 1", "[genomics][expression]") {
  TempDir d("deepdiff_genomics");
  // Each was taken for a header before, its gene dropped silently; on line 2 it was refused.
  for (const std::string first : {"ENSG00000000003,NA", "ENSG00000000003,abc", "ENSG00000000003,inf",
                                  "ENSG00000000003,-5", "ENSG00000000003,", "ENSG00000000003.14\tNaN",
                                  "GAPDH,NA", "ENSG00000000003,n/a"}) {
    INFO(first);
    const char sep = first.find('\t') != std::string::npos ? '\t' : ',';
    d.write("bad.csv", first + "\nENSG00000000005" + sep + "2\n");
    const DataError e = data_error([&] { read_expression(d.file("bad.csv")); });
    CHECK(e.line == 1);
    CHECK(e.reason.find("column 2") != std::string::npos);
    CHECK(e.hint.find("header only when") != std::string::npos);
    // The same line further down gets the same reason, without the header hint.
    d.write("later.csv", "ENSG00000000005" + std::string(1, sep) + "2\n" + first + "\n");
    const DataError l = data_error([&] { read_expression(d.file("later.csv")); });
    CHECK(l.line == 2);
    CHECK(l.reason == e.reason);
  }
  // After leading comments the first row is still checked (and named by its own line).
  d.write("comment.csv", "# from a pipeline\nENSG00000000003,NA\nENSG00000000005,2\n");
  CHECK(data_error([&] { read_expression(d.file("comment.csv")); }).line == 2);
}

TEST_CASE("expression tables: real header lines are still read as headers", "[genomics][expression]") {
  TempDir d("deepdiff_genomics");
  for (const std::string header : {"gene,count", "gene_id\tcount", "Geneid,count", "ensembl_gene_id,expression",
                                   "id,value", "name,E003", ",count", "Gene ID\tNumReads"}) {
    INFO(header);
    const char sep = header.find('\t') != std::string::npos ? '\t' : ',';
    d.write("h.csv", header + "\nENSG00000000003" + sep + "153\nENSG00000000005" + sep + "2.5\n");
    const ExpressionValues e = read_expression(d.file("h.csv"));
    CHECK(e.value.size() == 2);
    CHECK(e.value.at("ENSG00000000003") == 153);
  }
  // A first line whose value is a number is a row, whatever its id.
  d.write("row.csv", "gene,5\nENSG00000000005,2\n");
  CHECK(read_expression(d.file("row.csv")).value.at("gene") == 5);
}

TEST_CASE("expression tables: UTF-16 and NUL bytes are refused, never quoted", "[genomics][expression]") {
  TempDir d("deepdiff_genomics");
  const std::string table = "ENSG00000000003,153\r\nENSG00000000005,2\r\n";
  for (bool be : {false, true})
    for (bool bom : {true, false}) {
      INFO("big-endian " << be << ", byte-order mark " << bom);
      d.write("u16.csv", utf16(table, be, bom));
      const DataError e = data_error([&] { read_expression(d.file("u16.csv")); });
      CHECK(e.line == 1);
      CHECK(e.reason.find("UTF-16") != std::string::npos);
      CHECK(e.hint.find("save it as UTF-8") != std::string::npos);
      CHECK(std::string(e.what()).find("UTF-16") != std::string::npos);  // not cut off by a NUL
    }
  d.write("nul.csv", std::string("ENSG00000000003,153\nENSG00000000005,2\0\n", 39));
  const DataError n = data_error([&] { read_expression(d.file("nul.csv")); });
  CHECK(n.line == 2);
  CHECK(n.reason.find('\0') == std::string::npos);
  CHECK(n.reason.find("NUL byte at column 18") != std::string::npos);
}

TEST_CASE("expression matrix: the column asked for, its names listed when it is missing", "[genomics][expression]") {
  TempDir d("deepdiff_genomics");
  // Roadmap's layout: tab-separated, a separator after every value of a row (an empty last field).
  d.write("m.tsv", "gene_id\tE000\tE003\tE123\nENSG00000000003\t3211\t22232\t7\t\nENSG00000000005.5\t65\t448\t0\t\n");
  const ExpressionValues e = read_expression(d.file("m.tsv"), "E003");
  CHECK(e.format == ExpressionFormat::matrix);
  CHECK(e.column == "E003");
  CHECK(e.value.at("ENSG00000000003") == 22232);
  CHECK(e.value.at("ENSG00000000005") == 448);
  CHECK(read_expression(d.file("m.tsv"), "E123", true).value.at("ENSG00000000003") == 7);
  const DataError missing = data_error([&] { read_expression(d.file("m.tsv"), "E999"); });
  CHECK(missing.line == 1);
  CHECK(missing.reason.find("no column E999; its columns are E000, E003, E123") != std::string::npos);
  CHECK(data_error([&] { read_expression(d.file("m.tsv")); }).hint.find("path#COLUMN") != std::string::npos);
  d.write("m_bad.tsv", "gene_id\tE000\tE003\nENSG1\t1\t2\nENSG2\t1\tNA\n");
  const DataError bad = data_error([&] { read_expression(d.file("m_bad.tsv"), "E003"); });
  CHECK(bad.line == 3);
  CHECK(bad.reason.find("(E003)") != std::string::npos);
  d.write("m_short.tsv", "gene_id\tE000\tE003\nENSG1\t1\n");
  CHECK(data_error([&] { read_expression(d.file("m_short.tsv"), "E003"); }).line == 2);
  // A table with a header answers to its value column's name; the cell's name applies to a
  // matrix only, so a two-column table keeps working under any cell name.
  d.write("two.csv", "gene_id,E003\nENSG1,5\n");
  CHECK(read_expression(d.file("two.csv"), "E003").value.at("ENSG1") == 5);
  CHECK(data_error([&] { read_expression(d.file("two.csv"), "E123"); }).reason.find("value column is E003") !=
        std::string::npos);
  CHECK(read_expression(d.file("two.csv"), "K562", true).value.at("ENSG1") == 5);
  d.write("bare.csv", "ENSG1,5\n");
  CHECK(data_error([&] { read_expression(d.file("bare.csv"), "E003"); }).reason.find("no header line") != std::string::npos);
  CHECK(read_expression(d.file("bare.csv"), "E003", true).value.at("ENSG1") == 5);
}
