// Tests of examples/common/data_labels.hpp: what a data root says beside its tables (genes.tsv,
// prepare.json's bins), none of it required, a damaged prepare.json named.
#include <catch2/catch.hpp>

#include <string>

#include "common/data_labels.hpp"
#include "test_helpers.hpp"

using namespace deepdiff_cli;
using deepdiff_test::TempDir;

TEST_CASE("read_bin_axis: prepare.json's bin size and order, none without the file", "[programs][data_labels]") {
  const TempDir d("deepdiff_data_labels");
  BinAxis a = read_bin_axis(d.path);
  CHECK_FALSE(a.bin_size.has_value());
  CHECK(a.bin_order.empty());
  d.write("prepare.json", R"({"format": "deepdiff-prepare 1", "settings": {"bins": 200, "bin_size": 250, "bin_order": "strand"}})");
  a = read_bin_axis(d.path);
  CHECK(a.bin_size == 250.0);
  CHECK(a.bin_order == "strand");
  d.write("prepare.json", R"({"settings": {"bin_size": 100}})");  // no order recorded
  CHECK(read_bin_axis(d.path).bin_order.empty());
  for (const char* bad : {"{\"settings\": {\"bins\": 200}}", "{\"settings\": {\"bin_size\": 0}}", "{\"settings\": {\"bin_size\": \"x\"}}",
                          "not json"}) {
    d.write("prepare.json", bad);
    CHECK_THROWS_WITH(read_bin_axis(d.path), Catch::Contains(d.file("prepare.json") + ": not the prepare.json of deepdiff prepare"));
  }
}

TEST_CASE("read_data_labels: the cells, genes.tsv when present, and labels for the predictions files",
          "[programs][data_labels]") {
  const TempDir d("deepdiff_data_labels");
  DataLabels l = read_data_labels(d.path, "E003", "E123");
  CHECK_FALSE(l.genes.has_value());
  PredictionLabels p = l.prediction_labels();
  CHECK(p.cell_a == "E003");
  CHECK(p.cell_b == "E123");
  CHECK(p.genes == nullptr);
  d.write("genes.tsv", "gene\tsymbol\tchrom\ttss\tstrand\tsplit\nENSG1\tMYC\tchr8\t5\t+\ttest\n");
  l = read_data_labels(d.path, "E003", "E123");
  REQUIRE(l.genes.has_value());
  p = l.prediction_labels();
  REQUIRE(p.genes == &*l.genes);
  CHECK(p.genes->find("ENSG1")->symbol == "MYC");
  d.write("genes.tsv", "gene\tsymbol\n");
  CHECK_THROWS_WITH(read_data_labels(d.path, "E003", "E123"), Catch::Contains("genes.tsv:1"));
}
