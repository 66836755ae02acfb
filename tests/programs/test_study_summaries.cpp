// examples/common/study/summaries.hpp: the attention summary of a pair from its runs'
// attention_beta.csv and predictions.csv, and the summary files, on a tiny made-up run folder.
#include <catch2/catch.hpp>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "common/study/summaries.hpp"
#include "test_helpers.hpp"

using namespace deepdiff_study;
using deepdiff_test::TempDir;

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

Row ok_row(const std::string& root, const std::string& variant, std::uint64_t seed, double test_pcc) {
  Row r;
  r.pair = "E123-E003";
  r.cell1 = "E123";
  r.cell2 = "E003";
  r.cells = "K562 vs H1";
  r.variant = variant;
  r.settings.train.seed = seed;
  r.test_pcc = test_pcc;
  r.status = "ok";
  r.source_root = root;
  return r;
}

// One run's outputs: three test genes, up (y = 3), down (y = -2.5) and neither (y = 0), and
// beta over two marks, each read by two channels (cells A and B).
void write_run(const std::string& dir, const std::string& beta_g1) {
  std::filesystem::create_directories(dir);
  deepdiff::write_file_atomic(dir + "/predictions.csv",
                              "gene_id,prediction,target\ng1,2.5,3\ng2,-1,-2.5\ng3,0.1,0\n");
  deepdiff::write_file_atomic(dir + "/attention_beta.csv",
                              "gene_id,raw:A.H3K4me3,raw:B.H3K4me3,raw:A.H3K27me3,raw:B.H3K27me3\n"
                              "g1," + beta_g1 + "\ng2,0.1,0.1,0.4,0.4\ng3,1,1,1,1\n");
}

}  // namespace

TEST_CASE("channel_mark: the mark a level-2 channel reads", "[study]") {
  CHECK(channel_mark("raw:A.H3K4me3") == "H3K4me3");
  CHECK(channel_mark("D.H3K27me3") == "H3K27me3");
  CHECK(channel_mark("plain") == "plain");
}

TEST_CASE("run_attention: each mark's share of beta per gene, averaged over up, down and all genes", "[study]") {
  TempDir d;
  write_run(d.path, "0.3,0.3,0.2,0.2");
  const AttentionGroups a = run_attention(d.path);
  REQUIRE(a.marks == std::vector<std::string>{"H3K4me3", "H3K27me3"});
  CHECK(a.genes[0] == 3);
  CHECK(a.genes[1] == 1);
  CHECK(a.genes[2] == 1);
  CHECK(a.share[0][0] == Approx((0.6 + 0.2 + 0.5) / 3));
  CHECK(a.share[0][1] == Approx((0.4 + 0.8 + 0.5) / 3));
  CHECK(a.share[1][0] == Approx(0.6));
  CHECK(a.share[2][1] == Approx(0.8));

  write_run(d.path, "0.3,x,0.2,0.2");
  CHECK_THROWS_WITH(run_attention(d.path), Catch::Contains("attention_beta.csv:2: bad beta 'x'"));
  deepdiff::write_file_atomic(d.file("predictions.csv"), "gene_id,prediction\ng1,1\n");
  CHECK_THROWS_WITH(run_attention(d.path), Catch::Contains("predictions.csv:1: no gene_id and target columns"));
}

TEST_CASE("attention_summary: rows per variant and over all, unreadable runs are skipped and named", "[study]") {
  TempDir d;
  write_run(run_dir(d.path, "E123-E003", "raw_d", 1), "0.3,0.3,0.2,0.2");
  write_run(run_dir(d.path, "E123-E003", "aux", 1), "0.1,0.1,0.4,0.4");  // g1 like g2
  const std::vector<Row> rows = {ok_row(d.path, "raw_d", 1, 0.5), ok_row(d.path, "raw_d", 2, 0.6),
                                 ok_row(d.path, "aux", 1, 0.4)};
  const AttentionSummary s = attention_summary(rows, "E123-E003");
  CHECK(s.runs == 2);
  REQUIRE(s.skipped.size() == 1);  // seed 2 has no files
  CHECK(contains(s.skipped[0], "seed2"));
  CHECK(s.csv ==
        "pair,variant,group,runs,genes_per_run,H3K4me3,H3K27me3\n"
        "E123-E003,raw_d,all,1,3,0.433333,0.566667\n"
        "E123-E003,raw_d,up,1,1,0.6,0.4\n"
        "E123-E003,raw_d,down,1,1,0.2,0.8\n"
        "E123-E003,aux,all,1,3,0.3,0.7\n"
        "E123-E003,aux,up,1,1,0.2,0.8\n"
        "E123-E003,aux,down,1,1,0.2,0.8\n"
        "E123-E003,all variants,all,2,3,0.366667,0.633333\n"
        "E123-E003,all variants,up,2,1,0.4,0.6\n"
        "E123-E003,all variants,down,2,1,0.2,0.8\n");
  CHECK(contains(s.svg, "E123-E003: share of level-2 attention (beta) per mark"));
  CHECK(contains(s.svg, "up (y &gt;= 2), 1 genes/run"));

  std::ostringstream log;
  const std::vector<std::string> files = write_summaries(d.path, rows, log);
  CHECK(files == std::vector<std::string>{"summary_test_pcc.svg", "E123-E003/attention_summary.csv",
                                          "E123-E003/attention_summary.svg"});
  CHECK(deepdiff::read_file(d.file("E123-E003/attention_summary.csv")) == s.csv);
  CHECK(contains(log.str(), "attention summary of E123-E003: skipped"));
  const std::string pcc = deepdiff::read_file(d.file("summary_test_pcc.svg"));
  CHECK(contains(pcc, "Test PCC per cell-type pair and model (mean over 2 seeds, +- sd)"));
}
