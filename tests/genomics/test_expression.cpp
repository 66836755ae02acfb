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
