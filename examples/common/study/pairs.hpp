// The study's catalogue and job list (deepdiff-pairs): the ten cell-type pairs of the paper,
// pair ids CELL1-CELL2, the synthetic stand-in of a pair, and the jobs (pair x variant x
// seed) with their shards and run folders.
#pragma once

#include <deepdiff/data/synthetic.hpp>
#include <deepdiff/io/checksum.hpp>
#include <deepdiff/model/variant.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace deepdiff_study {

using deepdiff::Index;
using deepdiff::Variant;

struct PairInfo {
  std::string id, cell1, cell2, cells;
  int published = -1;  // 0-based row of the spec's table of ten, -1 for another pair
};

// The ten cell-type pairs of the paper (spec, "The ten cell-type pairs"), in its order.
inline const std::vector<PairInfo>& published_pairs() {
  static const std::vector<PairInfo> p = {
      {"E123-E003", "E123", "E003", "K562 vs H1", 0},
      {"E116-E003", "E116", "E003", "GM12878 vs H1", 1},
      {"E123-E116", "E123", "E116", "K562 vs GM12878", 2},
      {"E003-E005", "E003", "E005", "H1 vs H1 BMP4-derived trophoblast", 3},
      {"E003-E006", "E003", "E006", "H1 vs H1-derived mesenchymal stem cells", 4},
      {"E006-E007", "E006", "E007", "H1-derived MSC vs H1-derived neuronal progenitors", 5},
      {"E005-E006", "E005", "E006", "trophoblast vs MSC", 6},
      {"E003-E004", "E003", "E004", "H1 vs H1 BMP4-derived mesendoderm", 7},
      {"E004-E006", "E004", "E006", "mesendoderm vs MSC", 8},
      {"E037-E038", "E037", "E038", "CD4 memory vs CD4 naive primary T cells", 9},
  };
  return p;
}

inline std::string epigenome_name(const std::string& id, bool synthetic) {
  static const std::map<std::string, std::string> names = {
      {"E003", "H1"},   {"E004", "H1 BMP4-derived mesendoderm"}, {"E005", "H1 BMP4-derived trophoblast"},
      {"E006", "H1-derived MSC"}, {"E007", "H1-derived neuronal progenitors"}, {"E037", "CD4 memory T cells"},
      {"E038", "CD4 naive T cells"}, {"E116", "GM12878"}, {"E123", "K562"}};
  const auto it = names.find(id);
  if (it != names.end()) return it->second;
  // The public sample of the authors' repository: Cell1 = E123 (K562), Cell2 = E003 (H1).
  if (!synthetic && id == "Cell1") return "K562 (sample Cell1 = E123)";
  if (!synthetic && id == "Cell2") return "H1 (sample Cell2 = E003)";
  return id;
}

// "E123-E003" -> cells E123 and E003; throws std::invalid_argument when it is no pair id.
inline PairInfo parse_pair(const std::string& id, bool synthetic) {
  const std::size_t dash = id.find('-');
  const auto bad = [&](const std::string& why) {
    return std::invalid_argument("pair '" + id + "': " + why + " (a pair is CELL1-CELL2, e.g. E123-E003)");
  };
  if (dash == std::string::npos) throw bad("no '-'");
  const std::string a = id.substr(0, dash), b = id.substr(dash + 1);
  if (a.empty() || b.empty()) throw bad("empty cell name");
  if (b.find('-') != std::string::npos) throw bad("more than one '-'");
  for (const std::string& c : {a, b})
    if (c.find_first_of("/\\ \t,:\"") != std::string::npos || c == "." || c == "..") throw bad("bad cell name '" + c + "'");
  if (a == b) throw bad("the two cells are the same");
  PairInfo p;
  p.id = id;
  p.cell1 = a;
  p.cell2 = b;
  for (const PairInfo& q : published_pairs())
    if (q.id == id) {
      p.cells = q.cells;
      p.published = q.published;
    }
  if (p.cells.empty()) p.cells = epigenome_name(a, synthetic) + " vs " + epigenome_name(b, synthetic);
  if (synthetic) p.cells += " (synthetic)";
  return p;
}

// Synthetic stand-in of a pair: its own seed and planted effect, a function of the pair
// alone (so every shard generates the same bytes). The ten published pairs get effects
// 0.6, 0.7, ..., 1.5 in table order; another pair one in [0.6, 1.5] from a hash of its id.
inline deepdiff::SynthConfig synthetic_config(const PairInfo& p, Index genes, Index bins,
                                              deepdiff::SynthRule rule = deepdiff::SynthRule::additive) {
  deepdiff::SynthConfig c;
  c.rule = rule;
  c.genes = genes;
  c.bins = bins;
  c.cell1 = p.cell1;
  c.cell2 = p.cell2;
  if (p.published >= 0) {
    c.seed = 1001 + static_cast<std::uint64_t>(p.published);
    c.effect = 0.6 + 0.1 * p.published;
  } else {
    // FNV-1a of the id (io/checksum.hpp) from a start value that is not the standard offset
    // basis (a digit short of it); kept, so the stand-ins of such pairs keep their seeds.
    const std::uint64_t h = deepdiff::fnv1a64_update(1469598103934665603ull,
                                                     reinterpret_cast<const unsigned char*>(p.id.data()), p.id.size());
    c.seed = 2000 + h % 1000000;
    c.effect = 0.6 + 0.9 * static_cast<double>(h % 1000) / 999.0;
  }
  return c;
}

// The folder of a rule's stand-ins in OUT: synthetic-data/ (additive, the default, as before
// the rules existed) or synthetic-data-<rule>/. Each rule has its own folder, so a run
// trained on one rule's data is never taken for a run of another (its data_root differs).
inline std::string synthetic_folder(deepdiff::SynthRule rule) {
  return rule == deepdiff::SynthRule::additive ? "synthetic-data" : "synthetic-data-" + deepdiff::synth_rule_name(rule);
}

// OUT/synthetic-data/<pair>/synthetic.json: what a stand-in was generated from, so a study
// regenerates it only when that changes (another --genes, --bins or --synthetic-rule).
struct SyntheticRecord {
  std::string pair;
  deepdiff::SynthConfig config;  // cell1, cell2, genes, bins, seed and effect are recorded

  bool operator==(const SyntheticRecord& o) const {
    const deepdiff::SynthConfig &a = config, &b = o.config;
    return pair == o.pair && a.cell1 == b.cell1 && a.cell2 == b.cell2 && a.genes == b.genes && a.bins == b.bins &&
           a.seed == b.seed && a.effect == b.effect && a.rule == b.rule;
  }
};

inline void to_json(nlohmann::ordered_json& j, const SyntheticRecord& r) {
  j = nlohmann::ordered_json{{"pair", r.pair},
                             {"cell_1", r.config.cell1},
                             {"cell_2", r.config.cell2},
                             {"genes", static_cast<long long>(r.config.genes)},
                             {"bins", static_cast<long long>(r.config.bins)},
                             {"seed", r.config.seed},
                             {"effect", r.config.effect},
                             {"rule", deepdiff::synth_rule_name(r.config.rule)}};
}

inline void from_json(const nlohmann::ordered_json& j, SyntheticRecord& r) {
  j.at("pair").get_to(r.pair);
  j.at("cell_1").get_to(r.config.cell1);
  j.at("cell_2").get_to(r.config.cell2);
  j.at("genes").get_to(r.config.genes);
  j.at("bins").get_to(r.config.bins);
  j.at("seed").get_to(r.config.seed);
  j.at("effect").get_to(r.config.effect);
  // stand-ins generated before the rules existed are of the additive rule
  r.config.rule = deepdiff::parse_synth_rule(j.value("rule", std::string("additive")));
}

// Order of tables and plots: the spec's pairs in its order (other pairs after them), the
// variants in the paper's order, then the baselines (deepdiff::model_names()).
inline int variant_index(const std::string& v) {
  const std::vector<std::string> all = deepdiff::model_names();
  for (std::size_t i = 0; i < all.size(); ++i)
    if (all[i] == v) return static_cast<int>(i);
  return static_cast<int>(all.size());
}

inline int published_index(const std::string& pair) {
  for (const PairInfo& q : published_pairs())
    if (q.id == pair) return q.published;
  return 1000;
}

// ---------------------------------------------------------------------------------------
// Jobs and shards

struct Job {
  std::size_t pair = 0;  // index into the study's pairs
  std::string model;     // a variant or a baseline (deepdiff::model_names())
  std::uint64_t seed = 1;
};

// pair-major: all models and seeds of the first pair, then the second pair, ...
inline std::vector<Job> make_jobs(std::size_t pairs, const std::vector<std::string>& models,
                                  const std::vector<std::uint64_t>& seeds) {
  std::vector<Job> jobs;
  for (std::size_t p = 0; p < pairs; ++p)
    for (const std::string& m : models)
      for (std::uint64_t s : seeds) jobs.push_back(Job{p, m, s});
  return jobs;
}

// Shard i of n (1-based): jobs i-1, i-1+n, i-1+2n, ... of the full list. Round-robin, so
// each shard gets a mix of pairs and variants (the variants' costs differ up to 3x).
inline std::vector<std::size_t> shard_jobs(std::size_t jobs, int i, int n) {
  std::vector<std::size_t> out;
  for (std::size_t j = static_cast<std::size_t>(i - 1); j < jobs; j += static_cast<std::size_t>(n)) out.push_back(j);
  return out;
}

// SAVE_ROOT/<pair>/<variant>/seed<k>: the folder of one run.
inline std::string run_dir(const std::string& root, const std::string& pair, const std::string& variant,
                           std::uint64_t seed) {
  return (std::filesystem::path(root) / pair / variant / ("seed" + std::to_string(seed))).string();
}

}  // namespace deepdiff_study
