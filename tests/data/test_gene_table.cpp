// DATA_ROOT/genes.tsv read back (data/gene_table.hpp): the names and places the predictions
// files print beside each gene; none without the file, a DataError "FILE:LINE" on a damaged one.
#include <catch2/catch.hpp>

#include <deepdiff/data/gene_table.hpp>

#include <string>

#include "test_helpers.hpp"

using namespace deepdiff;
using deepdiff_test::TempDir;

namespace {

const char* kHeader = "gene\tsymbol\tchrom\ttss\tstrand\tsplit\n";

// The DataError of reading `text` as DATA_ROOT/genes.tsv.
DataError error_of(const TempDir& d, const std::string& text) {
  d.write("genes.tsv", text);
  try {
    read_gene_table(d.path);
  } catch (const DataError& e) {
    return e;
  }
  FAIL("no DataError for:\n" << text);
  return DataError("", "");
}

}  // namespace

TEST_CASE("read_gene_table: the genes of prepare's genes.tsv, by id", "[data][gene_table]") {
  const TempDir d("deepdiff_gene_table");
  d.write("genes.tsv", std::string(kHeader) +
                           "ENSG00000136997\tMYC\tchr8\t127736230\t+\ttest\r\n"  // a \r\n line end
                           "ENSG00000141510\tTP53\tchr17\t7687489\t-\ttrain\n"
                           "\n"
                           "ENSG00000000001\t\tchrX\t0\t+\tunused\n");
  const std::optional<GeneTable> t = read_gene_table(d.path);
  REQUIRE(t.has_value());
  CHECK(t->path == d.file("genes.tsv"));
  CHECK(t->genes.size() == 3);
  const GeneInfo* myc = t->find("ENSG00000136997");
  REQUIRE(myc != nullptr);
  CHECK(myc->symbol == "MYC");
  CHECK(myc->chrom == "chr8");
  CHECK(myc->tss == 127736230);
  CHECK(myc->strand == "+");
  CHECK(myc->split == "test");
  CHECK(t->find("ENSG00000141510")->strand == "-");
  CHECK(t->find("ENSG00000000001")->symbol.empty());  // a gene without a symbol
  CHECK(t->find("ENSG00000000001")->tss == 0);
  CHECK(t->find("ENSG99999999999") == nullptr);
}

TEST_CASE("read_gene_table: no genes.tsv is no table, not an error", "[data][gene_table]") {
  const TempDir d("deepdiff_gene_table");
  CHECK_FALSE(read_gene_table(d.path).has_value());
  CHECK_FALSE(read_gene_table(d.file("no-such-folder")).has_value());
}

TEST_CASE("read_gene_table: a damaged file is a DataError naming file and line", "[data][gene_table]") {
  const TempDir d("deepdiff_gene_table");
  const std::string path = d.file("genes.tsv");

  DataError e = error_of(d, "gene,symbol,chrom,tss,strand,split\nENSG1,A,chr1,5,+,test\n");  // commas, not tabs
  CHECK(e.file == path);
  CHECK(e.line == 1);
  CHECK_THAT(e.what(), Catch::Contains("expected the header gene, symbol, chrom, tss, strand, split"));
  e = error_of(d, "gene\tsymbol\tchrom\tstart\tstrand\tsplit\n");
  CHECK(e.line == 1);

  for (const char* tss : {"-5", "12x", "", "1.5", "99999999999999999999"}) {
    e = error_of(d, std::string(kHeader) + "ENSG1\tA\tchr1\t10\t+\ttest\nENSG2\tB\tchr1\t" + tss + "\t-\ttest\n");
    CHECK(e.file == path);
    CHECK(e.line == 3);
    CHECK_THAT(e.what(), Catch::Contains("tss '" + std::string(tss) + "' is not a non-negative whole number"));
  }

  e = error_of(d, std::string(kHeader) + "ENSG1\tA\tchr1\t10\t+\ttest\nENSG1\tA\tchr1\t10\t+\ttrain\n");
  CHECK(e.line == 3);
  CHECK_THAT(e.what(), Catch::Contains("gene ENSG1 is listed twice"));

  e = error_of(d, std::string(kHeader) + "ENSG1\tA\tchr1\t10\n");
  CHECK(e.line == 2);
  CHECK_THAT(e.what(), Catch::Contains("4 fields, the header has 6"));
}
