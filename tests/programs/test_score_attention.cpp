// Tests of examples/common/score_attention.hpp (deepdiff score-attention): a made-up run folder
// and truth whose scores are known (the truth itself scores 1, its opposite 0), the file names
// per split and method, and what a user gets wrong (exit 2 naming the flag, 1 naming the file).
#include <catch2/catch.hpp>

#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "common/score_attention.hpp"
#include "test_helpers.hpp"

using deepdiff_score::Json;
using deepdiff_test::TempDir;

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

struct Result {
  int rc = 0;
  std::string out, err;
};

// Runs the command with `args` (after the command's name), catching what it prints.
Result run(std::vector<std::string> args) {
  args.insert(args.begin(), "score-attention");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  std::ostringstream out, err;
  std::streambuf* o = std::cout.rdbuf(out.rdbuf());
  std::streambuf* e = std::cerr.rdbuf(err.rdbuf());
  Result r;
  r.rc = deepdiff_score::score_attention_command(static_cast<int>(argv.size()), argv.data());
  std::cout.rdbuf(o);
  std::cerr.rdbuf(e);
  r.out = out.str();
  r.err = err.str();
  return r;
}

const std::vector<std::string> kMarks = {"H3K4me1", "H3K4me3", "H3K9me3", "H3K27me3", "H3K36me3"};
constexpr int kBins = 10, kFirst = 4, kLast = 6;  // H3K4me3 planted in bins 4..6 of both cells

// The truth of genes G1..G4: H3K9me3 and H3K36me3 are noise.
void write_truth(const TempDir& d) {
  std::string m = "gene_id," + deepdiff_score::join(kMarks, ",") + "\n", b = "gene_id,mark,cell,first_bin,last_bin\n";
  for (int g = 1; g <= 4; ++g) {
    const std::string id = "G" + std::to_string(g);
    m += id + ",1,1,0,1,0\n";
    for (const char* c : {"A", "B"}) b += id + ",H3K4me3," + c + "," + std::to_string(kFirst) + "," + std::to_string(kLast) + "\n";
  }
  d.write("truth_marks.csv", m);
  d.write("truth_bins.csv", b);
}

bool informative(std::size_t m) { return m != 2 && m != 4; }

// `sign` 1: the truth (informative marks and planted bins high); -1: the opposite. Genes G1..G4
// and G9 (not in the truth).
void write_run(const TempDir& d, const std::string& suffix = "", int alpha_sign = 1) {
  const std::vector<std::string> genes = {"G3", "G1", "G9", "G2", "G4"};
  std::string beta = "gene_id";
  for (const char* pre : {"raw:A.", "raw:B.", "raw:D.", "aux:A.", "aux:B."})
    for (const std::string& m : kMarks) beta += "," + std::string(pre) + m;
  beta += "\n";
  for (const std::string& g : genes) {
    beta += g;
    for (int k = 0; k < 5; ++k)
      for (std::size_t m = 0; m < kMarks.size(); ++m) beta += informative(m) ? ",0.03" : ",0.01";
    beta += "\n";
  }
  d.write("attention_beta" + suffix + ".csv", beta);
  std::string alpha = "gene_id,channel";
  for (int t = 1; t <= kBins; ++t) alpha += ",bin_" + std::to_string(t);
  alpha += "\n";
  for (const std::string& g : genes)
    for (const char* cell : {"A.", "B.", "D."})
      for (const std::string& m : kMarks) {
        alpha += g + "," + cell + m;
        for (int t = 1; t <= kBins; ++t) {
          const bool planted = m == "H3K4me3" && t >= kFirst && t <= kLast;
          alpha += m != "H3K4me3" ? ",0.1" : (planted == (alpha_sign > 0)) ? ",0.3" : ",0.01";
        }
        alpha += "\n";
      }
  d.write("attention_alpha" + suffix + ".csv", alpha);
}

// attributions_mark / _bin for `method`, named with it (`named`) or not (its method column says).
void write_attributions(const TempDir& d, const std::string& method, bool named, int sign) {
  std::string m = "gene_id,method,steps,prediction,baseline_prediction,attribution_sum,completeness_gap";
  for (const char* pre : {"A.", "B.", "abs."})
    for (const std::string& k : kMarks) m += "," + std::string(pre) + k;
  m += "\n";
  std::string b = "gene_id,bin";
  for (const char* pre : {"A.", "B."})
    for (const std::string& k : kMarks) b += "," + std::string(pre) + k;
  b += "\n";
  for (const char* g : {"G1", "G2", "G3", "G4"}) {
    m += std::string(g) + "," + method + ",64,1.5,0.5,1,0";
    for (int k = 0; k < 10; ++k) m += ",0.1";
    for (std::size_t k = 0; k < kMarks.size(); ++k) m += (informative(k) == (sign > 0)) ? ",2" : ",0.5";
    m += "\n";
    for (int t = 1; t <= kBins; ++t) {
      const bool planted = t >= kFirst && t <= kLast;
      b += std::string(g) + "," + std::to_string(t);
      for (int c = 0; c < 2; ++c)
        for (const std::string& k : kMarks)
          b += k != "H3K4me3" ? ",0.2" : (planted == (sign > 0)) ? ",-3" : ",0.1";  // signed: |.| is scored
      b += "\n";
    }
  }
  d.write(std::string("attributions_mark") + (named ? "_" + method : "") + ".csv", m);
  d.write(std::string("attributions_bin") + (named ? "_" + method : "") + ".csv", b);
}

const Json& method(const Json& j, const std::string& name) {
  for (const Json& m : j.at("methods"))
    if (m.at("method") == name) return m;
  FAIL("no method " << name);
  throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("score-attention: the truth scores 1, its opposite 0, per method", "[programs][score]") {
  TempDir truth("score_truth"), runs("score_run");
  write_truth(truth);
  write_run(runs);
  write_attributions(runs, "ig", true, 1);
  write_attributions(runs, "grad_input", false, -1);  // plain names: the method column says grad_input
  const Result r = run({runs.path, "--truth", truth.path});
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
  CHECK(contains(r.out, "beta: 4 genes of " + runs.file("attention_beta.csv")));
  CHECK(contains(r.out, "(1 not in truth_marks.csv, left out)"));
  CHECK(contains(r.out, "rank H3K9me3  rank H3K36me3"));
  CHECK(contains(r.out, "alpha: no mark AUROC or ranks (alpha sums to 1"));
  const Json j = Json::parse(deepdiff::read_file(runs.file("attention_scores.json")));
  CHECK(j.at("noise_marks") == Json({"H3K9me3", "H3K36me3"}));
  CHECK(j.at("peaked_marks") == Json({"H3K4me3"}));
  REQUIRE(j.at("methods").size() == 4);
  CHECK(j["methods"][0]["method"] == "beta");
  CHECK(j["methods"][1]["method"] == "alpha");
  CHECK(j["methods"][2]["method"] == "ig");
  CHECK(j["methods"][3]["method"] == "grad_input");

  const Json& beta = method(j, "beta");
  CHECK(beta.at("genes") == 4);
  CHECK(beta.at("genes_not_in_truth") == 1);
  CHECK(beta.at("mark_auroc").at("mean") == 1.0);
  CHECK(beta.at("mark_auroc").at("sd") == 0.0);
  CHECK(beta.at("bin_auroc").is_null());
  CHECK(beta.at("noise_mark_rank").at("H3K9me3").at("mean") == 4.5);  // the two noise marks tie for 4 and 5
  CHECK(beta.at("noise_mark_rank").at("H3K36me3").at("mean") == 4.5);

  const Json& alpha = method(j, "alpha");
  CHECK(alpha.at("mark_auroc").is_null());
  CHECK(contains(alpha.at("mark_auroc_note").get<std::string>(), "sums to 1"));
  CHECK(alpha.at("noise_mark_rank").is_null());
  CHECK(alpha.at("bin_auroc").at("mean") == 1.0);
  CHECK(alpha.at("bin_auroc").at("genes") == 4);

  const Json& ig = method(j, "ig");
  CHECK(ig.at("files") == Json({"attributions_mark_ig.csv", "attributions_bin_ig.csv"}));
  CHECK(ig.at("genes") == 4);
  CHECK(ig.at("genes_not_in_truth") == 0);
  CHECK(ig.at("mark_auroc").at("mean") == 1.0);
  CHECK(ig.at("bin_auroc").at("mean") == 1.0);
  const Json& gi = method(j, "grad_input");
  CHECK(gi.at("files") == Json({"attributions_mark.csv", "attributions_bin.csv"}));
  CHECK(gi.at("mark_auroc").at("mean") == 0.0);
  CHECK(gi.at("bin_auroc").at("mean") == 0.0);
  CHECK(gi.at("noise_mark_rank").at("H3K9me3").at("mean") == 1.5);
}

TEST_CASE("score-attention: --out, --split and a plain file of a method already named", "[programs][score]") {
  TempDir truth("score_truth"), runs("score_run");
  write_truth(truth);
  write_run(runs);                   // test split: plain names
  write_run(runs, "_valid", -1);     // valid: alpha upside down
  write_attributions(runs, "ig", true, 1);
  write_attributions(runs, "ig", false, -1);  // plain attributions_mark.csv of ig too: the named files win
  const Result r = run({runs.path, "--truth", truth.path, "--split", "valid", "--out", runs.file("valid.json")});
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
  CHECK(!deepdiff_test::path_exists(runs.file("attention_scores.json")));
  const Json j = Json::parse(deepdiff::read_file(runs.file("valid.json")));
  CHECK(j.at("split") == "valid");
  REQUIRE(j.at("methods").size() == 2);  // the attributions have no _valid files
  CHECK(method(j, "alpha").at("bin_auroc").at("mean") == 0.0);

  const Result t = run({runs.path, "--truth", truth.path});
  INFO(t.out << t.err);
  REQUIRE(t.rc == 0);
  CHECK(contains(t.err, "left out: ig is scored from its method-named files"));
  const Json k = Json::parse(deepdiff::read_file(runs.file("attention_scores.json")));
  REQUIRE(k.at("methods").size() == 3);
  CHECK(method(k, "ig").at("mark_auroc").at("mean") == 1.0);
  CHECK(method(k, "alpha").at("bin_auroc").at("mean") == 1.0);
}

TEST_CASE("score-attention: usage errors exit 2 naming the flag", "[programs][score]") {
  TempDir truth("score_truth"), runs("score_run");
  write_truth(truth);
  write_run(runs);
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  for (const Case& c : {Case{{runs.path}, "--truth is required"},
                        Case{{"--truth", truth.path}, "RUN_DIR is required"},
                        Case{{runs.path, runs.path, "--truth", truth.path}, "one RUN_DIR, not 2"},
                        Case{{runs.path, "--truth", truth.path, "--split", "all"}, "--split must be train, valid or test"},
                        Case{{runs.path, "--truth", truth.path, "--out", ""}, "--out: an empty path"},
                        Case{{runs.path, "--truth", truth.path, "--bogus"}, "bogus"}}) {
    const Result r = run(c.args);
    INFO(r.err);
    CHECK(r.rc == 2);
    CHECK(contains(r.err, c.says));
    CHECK(contains(r.err, "see deepdiff score-attention --help"));
  }
  const Result h = run({"--help"});
  CHECK(h.rc == 0);
  CHECK(contains(h.out, "--truth"));
}

TEST_CASE("score-attention: bad data exits 1 naming the file and the reason", "[programs][score]") {
  struct Case {
    std::string what;
    std::string file, text;  // written over the good run or truth ("truth/NAME" or "run/NAME"); "": removed
    std::string says;
  };
  const std::string alpha_header = "gene_id,channel,bin_1,bin_2,bin_3,bin_4,bin_5\n";
  const std::vector<Case> cases = {
      {"a flag that is not 0 or 1", "truth/truth_marks.csv", "gene_id,H3K4me1,H3K4me3,H3K9me3,H3K27me3,H3K36me3\nG1,1,1,2,1,0\n",
       "truth_marks.csv:2: H3K9me3: '2' is not 0 or 1"},
      {"no truth_bins.csv (a folder of an older deepdiff synth)", "truth/truth_bins.csv", "",
       "truth_bins.csv: file not found (--truth names the output folder of deepdiff synth"},
      {"a cell that is not A or B", "truth/truth_bins.csv", "gene_id,mark,cell,first_bin,last_bin\nG1,H3K4me3,C,4,6\n",
       "truth_bins.csv:2: cell 'C' is not A or B"},
      {"a channel of another mark", "run/attention_beta.csv", "gene_id,A.H3K4me3,A.H3K79me2\nG1,0.5,0.5\n",
       "attention_beta.csv:1: channel 'A.H3K79me2' is of no mark"},
      {"not a number", "run/attention_beta.csv",
       "gene_id,A.H3K4me1,A.H3K4me3,A.H3K9me3,A.H3K27me3,A.H3K36me3\nG1,0.5,x,0,0,0\n",
       "attention_beta.csv:2: A.H3K4me3: 'x' is not a number"},
      {"no gene in common", "run/attention_beta.csv",
       "gene_id,A.H3K4me1,A.H3K4me3,A.H3K9me3,A.H3K27me3,A.H3K36me3\nX1,0.5,0.1,0,0,0\n",
       "none of its 1 genes is in"},
      {"fewer bins than the truth's", "run/attention_alpha.csv", alpha_header + "G1,A.H3K4me3,0.2,0.2,0.2,0.2,0.2\n",
       "truth_bins.csv:2: bin 6 is past the 5 bins of"},
      {"a bin missing", "run/attributions_bin_ig.csv",
       "gene_id,bin,A.H3K4me3,B.H3K4me3\nG1,1,0,0\nG1,2,0,0\nG2,1,0,0\n", "gene 'G2' has 1 of the 2 bins"},
      {"a column missing", "run/attributions_mark_ig.csv", "gene_id,method,abs.H3K4me1\nG1,ig,1\n",
       "attributions_mark_ig.csv:1: no column 'abs.H3K4me3'"},
      {"two methods in one file", "run/attributions_mark.csv",
       "gene_id,method,abs.H3K4me1,abs.H3K4me3,abs.H3K9me3,abs.H3K27me3,abs.H3K36me3\nG1,ig,1,1,1,1,1\nG2,grad_input,1,1,1,1,1\n",
       "attributions_mark.csv:3: method 'grad_input', the file is of method 'ig'"},
  };
  for (const Case& c : cases) {
    TempDir truth("score_truth"), runs("score_run");
    write_truth(truth);
    write_run(runs);
    const bool in_truth = c.file.rfind("truth/", 0) == 0;
    const std::string name = c.file.substr(c.file.find('/') + 1);
    const TempDir& d = in_truth ? truth : runs;
    if (c.text.empty()) std::filesystem::remove(d.file(name));
    else d.write(name, c.text);
    const Result r = run({runs.path, "--truth", truth.path});
    INFO(c.what << ": " << r.err);
    CHECK(r.rc == 1);
    CHECK(contains(r.err, c.says));
    CHECK(!deepdiff_test::path_exists(runs.file("attention_scores.json")));
  }

  // nothing to score; folders that are not there
  TempDir truth("score_truth"), empty("score_run");
  write_truth(truth);
  Result r = run({empty.path, "--truth", truth.path});
  CHECK(r.rc == 1);
  CHECK(contains(r.err, "nothing to score"));
  r = run({empty.path + "/nope", "--truth", truth.path});
  CHECK(r.rc == 1);
  CHECK(contains(r.err, "nope: not a folder (RUN_DIR)"));
  r = run({empty.path, "--truth", truth.path + "/nope"});
  CHECK(r.rc == 1);
  CHECK(contains(r.err, "nope: not a folder (--truth)"));
}
