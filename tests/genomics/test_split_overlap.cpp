// Tests of include/deepdiff/genomics/split_overlap.hpp, and of prepare's split draw with
// no_overlap (prepare_detail::assign_splits). The same report against bedtools itself, on the
// real command's output: tests/genomics/test_split_overlap_bedtools.py.
#include "genomics_fixtures.hpp"

#include <deepdiff/genomics/split_overlap.hpp>

#include <numeric>

namespace {

// A gene whose window is exactly [s, e) (a gene-window file's gene).
Gene win(const std::string& id, const std::string& chrom, std::int64_t s, std::int64_t e) {
  Gene g;
  g.id = g.symbol = id;
  g.chrom = chrom;
  g.start = s;
  g.end = e;
  g.strand = '.';
  g.window = true;
  return g;
}

Gene annotated(const std::string& id, const std::string& chrom, std::int64_t s, std::int64_t e, char strand) {
  Gene g;
  g.id = g.symbol = id;
  g.chrom = chrom;
  g.start = s;
  g.end = e;
  g.strand = strand;
  return g;
}

// Brute force, base by base: the bases of `of`'s windows that `by`'s windows cover.
OverlapCount brute_overlap(const std::vector<std::string>& chrom, const std::vector<Window>& w, const std::vector<char>& of,
                           const std::vector<char>& by) {
  OverlapCount r;
  for (std::size_t i = 0; i < w.size(); ++i) {
    if (!of[i]) continue;
    std::int64_t covered = 0;
    for (std::int64_t x = w[i].start; x < w[i].end; ++x) {
      bool in = false;
      for (std::size_t k = 0; k < w.size() && !in; ++k) in = by[k] && chrom[k] == chrom[i] && w[k].start <= x && x < w[k].end;
      covered += in;
    }
    if (covered) ++r.genes, r.bp += covered;
  }
  return r;
}

// Brute force: components of the pairwise overlap graph by repeated relabelling.
std::vector<std::size_t> brute_clusters(const std::vector<std::string>& chrom, const std::vector<Window>& w) {
  std::vector<std::size_t> c(w.size());
  std::iota(c.begin(), c.end(), 0);
  for (bool changed = true; changed;) {
    changed = false;
    for (std::size_t i = 0; i < w.size(); ++i)
      for (std::size_t k = 0; k < w.size(); ++k)
        if (chrom[i] == chrom[k] && windows_overlap(w[i], w[k]) && c[k] > c[i]) c[k] = c[i], changed = true;
  }
  return c;
}

// Same partition (ids may differ).
bool same_partition(const std::vector<std::size_t>& a, const std::vector<std::size_t>& b) {
  for (std::size_t i = 0; i < a.size(); ++i)
    for (std::size_t k = 0; k < a.size(); ++k)
      if ((a[i] == a[k]) != (b[i] == b[k])) return false;
  return true;
}

}  // namespace

TEST_CASE("a gene's window is the one its values are counted in, clipped at 0", "[genomics][split_overlap]") {
  // + gene: TSS = start; - gene: TSS = end; 10 bins of 50 bp: TSS +/- 250.
  Window w = gene_window(annotated("P", "chr1", 1000, 5000, '+'), 10, 50);
  CHECK(w.start == 750);
  CHECK(w.end == 1250);
  w = gene_window(annotated("M", "chr1", 1000, 5000, '-'), 10, 50);
  CHECK(w.start == 4750);
  CHECK(w.end == 5250);
  // The same as make_windows lays out (its first bin starts at the window's start).
  const std::vector<Gene> genes = {annotated("P", "chr1", 1000, 5000, '+'), annotated("M", "chr1", 1000, 5000, '-')};
  const GeneWindows gw = make_windows(genes, 10, 50);
  CHECK(gw.per_chrom[0].start == std::vector<std::int64_t>{750, 4750});
  // A gene-window file's window as written.
  w = gene_window(win("W", "chr1", 300, 800), 10, 50);
  CHECK(w.start == 300);
  CHECK(w.end == 800);
  // Leaving the chromosome's start: clipped; wholly before it: empty.
  w = gene_window(annotated("E", "chr1", 100, 900, '+'), 10, 50);
  CHECK(w.start == 0);
  CHECK(w.end == 350);
  CHECK(gene_window(annotated("Z", "chr1", 0, 900, '+'), 2, 1).end == 1);
  CHECK_FALSE(gene_window(annotated("Z", "chr1", 0, 900, '+'), 2, 1).empty());
  CHECK(Window{0, 0}.empty());
}

TEST_CASE("windows overlap by at least one base, abutting ones do not", "[genomics][split_overlap]") {
  CHECK_FALSE(windows_overlap({0, 10}, {10, 20}));  // [a, b) and [b, c): abutting
  CHECK_FALSE(windows_overlap({10, 20}, {0, 10}));
  CHECK(windows_overlap({0, 11}, {10, 20}));  // one base
  CHECK(windows_overlap({0, 100}, {40, 60}));  // nested
  CHECK(windows_overlap({40, 60}, {0, 100}));
  CHECK(windows_overlap({5, 15}, {5, 15}));   // identical (two genes sharing a TSS)
  CHECK_FALSE(windows_overlap({5, 5}, {0, 10}));  // empty
  CHECK_FALSE(windows_overlap({0, 10}, {20, 30}));
}

TEST_CASE("clusters are the connected components of overlapping windows", "[genomics][split_overlap]") {
  // Input order: D A F B C E G H.
  //   chr1: A [0,10) - B [5,15) - C [14,30): a chain, one cluster though A and C do not overlap;
  //         D [30,40) abuts C: its own cluster, with E [32,35) nested in it;
  //         G [0,0): empty (a window wholly before the chromosome), alone;
  //   chr2: F [0,10): A's coordinates on another chromosome, alone; H [10,20) abuts F: alone.
  const std::vector<std::string> chrom = {"chr1", "chr1", "chr2", "chr1", "chr1", "chr1", "chr1", "chr2"};
  const std::vector<Window> w = {{30, 40}, {0, 10}, {0, 10}, {5, 15}, {14, 30}, {32, 35}, {0, 0}, {10, 20}};
  const std::vector<std::size_t> c = window_clusters(chrom, w);
  // Numbered by first appearance in the input: D 0, A 1, F 2, B 1, C 1, E 0, G 3, H 4.
  CHECK(c == std::vector<std::size_t>{0, 1, 2, 1, 1, 0, 3, 4});
  // The chain's order in the input does not matter: C, A, B (C and A do not overlap).
  CHECK(window_clusters({"chr1", "chr1", "chr1"}, {{14, 30}, {0, 10}, {5, 15}}) == std::vector<std::size_t>{0, 0, 0});
  // Genes: bidirectional promoters (a - gene ending where a + gene starts) share a window.
  // TSS 1000 (L) and 1010 (R), +/- 250: [750, 1250) and [760, 1260) overlap; F's [1260, 1760)
  // abuts R's. With bins of 52 bp (+/- 520) F's [990, 2030) overlaps both.
  const std::vector<Gene> genes = {annotated("L", "chr1", 500, 1000, '-'), annotated("R", "chr1", 1010, 3000, '+'),
                                   annotated("F", "chr1", 1510, 4000, '+')};
  CHECK(window_clusters(genes, 10, 50) == std::vector<std::size_t>{0, 0, 1});
  CHECK(window_clusters(genes, 10, 52) == std::vector<std::size_t>{0, 0, 0});
}

TEST_CASE("clusters and overlaps agree with a base-by-base brute force", "[genomics][split_overlap]") {
  Rng rng(25);
  for (int round = 0; round < 200; ++round) {
    const std::size_t n = 1 + rng.below(14);
    std::vector<std::string> chrom(n);
    std::vector<Window> w(n);
    std::vector<char> of(n), by(n);
    for (std::size_t i = 0; i < n; ++i) {
      chrom[i] = rng.below(3) ? "chr1" : "chr2";
      const std::int64_t s = static_cast<std::int64_t>(rng.below(120));
      w[i] = {s, s + static_cast<std::int64_t>(rng.below(30))};  // some empty, many abutting
      of[i] = rng.below(2) != 0;
      by[i] = rng.below(2) != 0;
    }
    INFO("round " << round);
    CHECK(same_partition(window_clusters(chrom, w), brute_clusters(chrom, w)));
    const OverlapCount a = overlap_count(chrom, w, of, by), b = brute_overlap(chrom, w, of, by);
    CHECK(a.genes == b.genes);
    CHECK(a.bp == b.bp);
  }
}

TEST_CASE("split_overlap counts valid and test genes against training windows", "[genomics][split_overlap]") {
  // chr1: train T1 [0,100), T2 [80,200) (their union [0,200)); valid V1 [150,250) shares 50 bp,
  // V2 [200,300) abuts: none; test S1 [50,60) nested: 10 bp; S2 [240,400) overlaps V1 by 10 bp.
  // chr2: test S3 [0,100) (chr1's training windows are elsewhere).
  const std::vector<Gene> genes = {win("T1", "chr1", 0, 100),   win("T2", "chr1", 80, 200), win("V1", "chr1", 150, 250),
                                   win("V2", "chr1", 200, 300), win("S1", "chr1", 50, 60),  win("S2", "chr1", 240, 400),
                                   win("S3", "chr2", 0, 100),   win("U", "chr1", 0, 400)};
  const std::vector<int> split = {0, 0, 1, 1, 2, 2, 2, -1};  // U unused: not counted anywhere
  const SplitOverlap o = split_overlap(genes, split, 2, 50);
  CHECK(o.genes == std::array<std::size_t, 3>{2, 2, 3});
  CHECK(o.bp == std::array<std::int64_t, 3>{220, 200, 270});
  CHECK(o.valid.genes == 1);
  CHECK(o.valid.bp == 50);
  CHECK(o.test.genes == 1);
  CHECK(o.test.bp == 10);
  CHECK(o.valid_test.genes == 1);  // S2 against V1 and V2: [240,300) = 60 bp
  CHECK(o.valid_test.bp == 60);
  const std::string text = split_overlap_text(o);
  CHECK(text.find("1 of 2 valid genes (50.0%; 50 of their 200 bp)") != std::string::npos);
  CHECK(text.find("1 of 3 test genes (33.3%; 10 of their 270 bp)") != std::string::npos);
  CHECK(text.find("--no-overlap") != std::string::npos);
  // Nothing shared: one plain sentence.
  const SplitOverlap none = split_overlap({win("A", "chr1", 0, 10), win("B", "chr1", 10, 20)}, {0, 2}, 2, 5);
  CHECK(none.test.genes == 0);
  CHECK(split_overlap_text(none) == "split overlap: no window is shared across the train, valid and test splits");
}

TEST_CASE("fill_by_clusters meets the counts with whole clusters", "[genomics][split_overlap]") {
  // 40 genes: clusters of sizes 5, 3, 3, 2 and 27 singletons.
  std::vector<std::size_t> cluster_of;
  std::size_t id = 0;
  for (const std::size_t size : {5, 3, 3, 2}) {
    for (std::size_t k = 0; k < size; ++k) cluster_of.push_back(id);
    ++id;
  }
  while (cluster_of.size() < 40) cluster_of.push_back(id++);
  std::vector<std::size_t> pool(40);
  std::iota(pool.begin(), pool.end(), 0);
  auto run = [&](std::uint64_t seed, const std::array<long long, 3>& counts, ClusterFill* f = nullptr) {
    Rng rng(seed);
    std::vector<int> split(40, -1);
    const ClusterFill r = fill_by_clusters(pool, cluster_of, counts, {0, 1, 2}, rng, split);
    if (f) *f = r;
    return split;
  };
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    INFO("seed " << seed);
    ClusterFill f;
    const std::vector<int> split = run(seed, {20, 6, 8}, &f);
    CHECK(f.clusters == 31);
    CHECK(f.largest == 5);
    CHECK(f.filled == std::array<long long, 3>{20, 6, 8});  // 6 genes to spare, plenty of singletons
    for (int s = 0; s < 3; ++s) CHECK(std::count(split.begin(), split.end(), s) == f.filled[static_cast<std::size_t>(s)]);
    for (std::size_t g = 0; g < 40; ++g)
      for (std::size_t h = 0; h < 40; ++h)
        if (cluster_of[g] == cluster_of[h]) CHECK(split[g] == split[h]);  // never split across
  }
  CHECK(run(1, {20, 6, 8}) == run(1, {20, 6, 8}));  // deterministic for a seed
  CHECK(run(1, {20, 6, 8}) != run(2, {20, 6, 8}));
  // A cluster larger than any split's room stays unused; the counts are met by the others.
  ClusterFill f;
  const std::vector<int> split = run(3, {4, 4, 4}, &f);
  CHECK(f.filled == std::array<long long, 3>{4, 4, 4});
  for (std::size_t g = 0; g < 5; ++g) CHECK(split[g] == -1);
  // Every gene asked for (room 4/1/1), a 5-gene cluster and a singleton: the cluster fits
  // nowhere, so 5 genes short.
  std::vector<std::size_t> five(6, 0);
  five[5] = 1;
  std::vector<std::size_t> six(6);
  std::iota(six.begin(), six.end(), 0);
  Rng rng(1);
  std::vector<int> s6(6, -1);
  const ClusterFill g6 = fill_by_clusters(six, five, {4, 1, 1}, {0, 1, 2}, rng, s6);
  CHECK(g6.filled[0] + g6.filled[1] + g6.filled[2] == 1);
  CHECK(std::count(s6.begin(), s6.end(), -1) == 5);
}

TEST_CASE("assign_splits: the default draw is unchanged, no_overlap shares no window", "[genomics][split_overlap]") {
  // 300 genes on two chromosomes, a TSS every 400 bp on average with windows of 1000 bp:
  // most windows overlap a neighbour's.
  Rng g(9);
  std::vector<Gene> genes;
  std::int64_t pos[2] = {0, 0};
  for (int i = 0; i < 300; ++i) {
    const int c = static_cast<int>(g.below(2));
    pos[c] += 1 + static_cast<std::int64_t>(g.below(800));
    genes.push_back(annotated("G" + std::to_string(i), c ? "chr2" : "chr1", pos[c], pos[c] + 2000, g.below(2) ? '+' : '-'));
  }
  PrepareOptions o;
  o.annotation = "genes.gtf";
  o.bins = 20;
  o.bin_size = 50;
  o.split_counts = {150, 40, 60};
  o.seed = 4;
  std::vector<std::string> notes;
  std::vector<std::string> logged;
  o.log = [&](const std::string& m) { logged.push_back(m); };
  // The default: the genes shuffled by the seed, the first 150 train, then 40 valid, 60 test.
  const std::vector<int> plain = prepare_detail::assign_splits(o, genes, notes);
  {
    Rng rng(o.seed);
    std::vector<std::size_t> pool(genes.size());
    std::iota(pool.begin(), pool.end(), 0);
    rng.shuffle(pool);
    std::vector<int> want(genes.size(), -1);
    for (std::size_t k = 0; k < 250; ++k) want[pool[k]] = k < 150 ? 0 : k < 190 ? 1 : 2;
    CHECK(plain == want);
  }
  REQUIRE(logged.size() == 1);
  const SplitOverlap before = split_overlap(genes, plain, o.bins, o.bin_size);
  CHECK(before.test.genes > 10);  // the leak this is about
  CHECK(logged[0] == "prepare: " + split_overlap_text(before));

  o.no_overlap = true;
  notes.clear();
  const std::vector<int> clustered = prepare_detail::assign_splits(o, genes, notes);
  const SplitOverlap after = split_overlap(genes, clustered, o.bins, o.bin_size);
  CHECK(after.valid.genes == 0);
  CHECK(after.test.genes == 0);
  CHECK(after.valid_test.genes == 0);
  const std::vector<std::size_t> cl = window_clusters(genes, o.bins, o.bin_size);
  for (std::size_t a = 0; a < genes.size(); ++a)
    for (std::size_t b = 0; b < genes.size(); ++b)
      if (cl[a] == cl[b]) CHECK(clustered[a] == clustered[b]);
  const auto count = [&](const std::vector<int>& s, int k) { return std::count(s.begin(), s.end(), k); };
  CHECK(count(clustered, 0) + count(clustered, 1) + count(clustered, 2) <= 250);
  REQUIRE(!notes.empty());
  CHECK(notes[0].find("--no-overlap: the 300 genes drawn form ") == 0);
  // The counts are met unless a note says by how much they are not.
  const bool exact = count(clustered, 0) == 150 && count(clustered, 1) == 40 && count(clustered, 2) == 60;
  CHECK(exact == (notes.size() == 1));
  CHECK(prepare_detail::assign_splits(o, genes, notes) == clustered);  // deterministic for a seed
  o.seed = 5;
  CHECK(prepare_detail::assign_splits(o, genes, notes) != clustered);

  // A hold-out by chromosome: test = chr2; valid drawn from chr1 by clusters, the rest train.
  o.split_counts = {-1, -1, -1};
  o.test_chroms = {"chr2"};
  notes.clear();
  const std::vector<int> held = prepare_detail::assign_splits(o, genes, notes);
  const SplitOverlap h = split_overlap(genes, held, o.bins, o.bin_size);
  CHECK(h.valid.genes == 0);
  CHECK(h.test.genes == 0);
  std::size_t chr1 = 0;
  for (std::size_t k = 0; k < genes.size(); ++k) {
    chr1 += genes[k].chrom == "chr1";
    if (genes[k].chrom == "chr2") CHECK(held[k] == 2);
    else CHECK((held[k] == 0 || held[k] == 1));  // every gene used
  }
  const long long nv = std::llround(static_cast<double>(chr1) * 2360 / 12360);
  CHECK(std::abs(count(held, 1) - nv) <= 5);  // exact unless a note says otherwise
  CHECK((count(held, 1) == nv) == (notes.size() == 1));

  // Given splits are not redrawn.
  o.test_chroms.clear();
  o.split_from = "genes.tsv";
  CHECK_THROWS_AS(prepare_detail::assign_splits(o, genes, notes), std::invalid_argument);
}
