// examples/common/study/pairs.hpp: pair ids, the catalogue, synthetic stand-ins, jobs and shards.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/study/pairs.hpp"

using namespace deepdiff_study;

TEST_CASE("parse_pair: cells, the spec's names, the published row", "[study]") {
  const PairInfo p = parse_pair("E123-E003", false);
  CHECK(p.id == "E123-E003");
  CHECK(p.cell1 == "E123");
  CHECK(p.cell2 == "E003");
  CHECK(p.cells == "K562 vs H1");
  CHECK(p.published == 0);
  CHECK(parse_pair("E037-E038", false).published == 9);

  const PairInfo q = parse_pair("E003-E123", false);  // the reverse is another pair
  CHECK(q.published == -1);
  CHECK(q.cells == "H1 vs K562");
  CHECK(parse_pair("Cell1-Cell2", false).cells == "K562 (sample Cell1 = E123) vs H1 (sample Cell2 = E003)");
  CHECK(parse_pair("Cell1-Cell2", true).cells == "Cell1 vs Cell2 (synthetic)");
  CHECK(parse_pair("E123-E003", true).cells == "K562 vs H1 (synthetic)");
  CHECK(parse_pair("foo-bar", false).cells == "foo vs bar");
}

TEST_CASE("parse_pair: what is no pair id is refused, saying why", "[study]") {
  const auto why = [](const std::string& id) {
    try {
      parse_pair(id, false);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  CHECK(why("E123") == "pair 'E123': no '-' (a pair is CELL1-CELL2, e.g. E123-E003)");
  CHECK(why("-E003").find("empty cell name") != std::string::npos);
  CHECK(why("E123-").find("empty cell name") != std::string::npos);
  CHECK(why("E1-E2-E3").find("more than one '-'") != std::string::npos);
  CHECK(why("E1/x-E2").find("bad cell name 'E1/x'") != std::string::npos);
  CHECK(why("..-E2").find("bad cell name '..'") != std::string::npos);
  CHECK(why("E1-E 2").find("bad cell name") != std::string::npos);
  CHECK(why("E1-E1").find("the two cells are the same") != std::string::npos);
}

TEST_CASE("published_pairs: the spec's ten, in order, ids made of their cells", "[study]") {
  const std::vector<PairInfo>& p = published_pairs();
  REQUIRE(p.size() == 10);
  for (std::size_t i = 0; i < p.size(); ++i) {
    CHECK(p[i].published == static_cast<int>(i));
    CHECK(p[i].id == p[i].cell1 + "-" + p[i].cell2);
    CHECK(published_index(p[i].id) == static_cast<int>(i));
  }
  CHECK(published_index("E003-E123") > 9);
  CHECK(variant_index("raw_d") == 0);
  CHECK(variant_index("raw_aux_siamese") == 6);
  CHECK(variant_index("ridge") == 7);  // the baselines follow the variants
  CHECK(variant_index("attentivechrome_diff") == 10);
  CHECK(variant_index("nonsense") == 11);
}

TEST_CASE("shard_jobs: every job in exactly one shard, round-robin", "[study]") {
  for (std::size_t jobs : {0, 1, 7, 70, 71}) {
    for (int n : {1, 2, 3, 7, 10, 70, 100}) {
      std::vector<int> seen(jobs, 0);
      std::size_t largest = 0, smallest = jobs + 1;
      for (int i = 1; i <= n; ++i) {
        const std::vector<std::size_t> s = shard_jobs(jobs, i, n);
        CHECK(std::is_sorted(s.begin(), s.end()));
        for (std::size_t j : s) {
          REQUIRE(j < jobs);
          CHECK(j % static_cast<std::size_t>(n) == static_cast<std::size_t>(i - 1));
          ++seen[j];
        }
        largest = std::max(largest, s.size());
        smallest = std::min(smallest, s.size());
      }
      INFO(jobs << " jobs over " << n << " shards");
      CHECK(std::all_of(seen.begin(), seen.end(), [](int c) { return c == 1; }));
      CHECK(largest - smallest <= 1);  // balanced
    }
  }
}

TEST_CASE("make_jobs: pair-major, then models, then seeds", "[study]") {
  const std::vector<std::string> v = {"raw_d", "ridge"};
  const std::vector<Job> jobs = make_jobs(3, v, {1, 2});
  REQUIRE(jobs.size() == 12);
  CHECK(jobs[0].pair == 0);
  CHECK(jobs[0].model == "raw_d");
  CHECK(jobs[0].seed == 1);
  CHECK(jobs[1].seed == 2);
  CHECK(jobs[2].model == "ridge");
  CHECK(jobs[4].pair == 1);
  CHECK(jobs[11].pair == 2);
  CHECK(jobs[11].model == "ridge");
  CHECK(jobs[11].seed == 2);
}

TEST_CASE("run_dir: SAVE_ROOT/pair/variant/seedK", "[study]") {
  CHECK(run_dir("out", "E123-E003", "raw_d", 3) == "out/E123-E003/raw_d/seed3");
  CHECK(run_dir("out/", "E123-E003", "raw_d", 3) == "out/E123-E003/raw_d/seed3");
  CHECK(run_dir("/abs/out", "a-b", "aux", 1) == "/abs/out/a-b/aux/seed1");
}

TEST_CASE("synthetic_config: a function of the pair alone", "[study]") {
  const deepdiff::SynthConfig a = synthetic_config(parse_pair("E123-E003", true), 200, 40);
  CHECK(a.seed == 1001);
  CHECK(a.effect == Approx(0.6));
  CHECK(a.genes == 200);
  CHECK(a.bins == 40);
  CHECK(a.cell1 == "E123");
  CHECK(synthetic_config(parse_pair("E037-E038", true), 10, 5).effect == Approx(1.5));
  const deepdiff::SynthConfig x = synthetic_config(parse_pair("foo-bar", true), 200, 40);
  const deepdiff::SynthConfig y = synthetic_config(parse_pair("foo-bar", true), 200, 40);
  CHECK(x.seed == y.seed);
  CHECK(x.effect == y.effect);
  CHECK(x.effect >= 0.6);
  CHECK(x.effect <= 1.5);
  CHECK(x.seed == 527205);  // pinned: a study's stand-ins must not change between versions
  CHECK(x.effect == Approx(0.6 + 0.9 * 205 / 999.0));
  CHECK(synthetic_config(parse_pair("bar-foo", true), 200, 40).seed != x.seed);
}

TEST_CASE("SyntheticRecord: synthetic.json round trip, any change is a difference", "[study]") {
  const SyntheticRecord r{"E123-E003", synthetic_config(parse_pair("E123-E003", true), 200, 40)};
  const nlohmann::ordered_json j = r;
  CHECK(j.dump() == R"({"pair":"E123-E003","cell_1":"E123","cell_2":"E003","genes":200,"bins":40,"seed":1001,"effect":0.6,"rule":"additive"})");
  CHECK(j.get<SyntheticRecord>() == r);
  SyntheticRecord other = r;
  other.config.bins = 41;
  CHECK_FALSE(other == r);
  CHECK_THROWS(nlohmann::ordered_json::parse(R"({"pair":"x"})").get<SyntheticRecord>());
}
