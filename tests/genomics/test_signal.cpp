// Tests of include/deepdiff/genomics/signal.hpp.
#include "genomics_fixtures.hpp"

TEST_CASE("windows and the overlap rule, by hand", "[genomics][signal]") {
  // Two genes on chr1: + at 1000 and - ending at 1010; 4 bins of 10 bp: windows [980, 1020)
  // and [990, 1030). A third gene near the start has a window [-15, 25).
  std::vector<Gene> genes(3);
  genes[0] = Gene{"G1", "G1", "chr1", 1000, 5000, '+', 1};
  genes[1] = Gene{"G2", "G2", "chr1", 500, 1010, '-', 2};
  genes[2] = Gene{"G3", "G3", "chr1", 5, 100, '+', 3};
  const GeneWindows w = make_windows(genes, 4, 10);
  REQUIRE(w.chroms.size() == 1);
  std::vector<double> out(3 * 4, 0.0);
  const GeneWindows::Chrom& ch = w.per_chrom[0];
  // [985, 1001): G1 bins 0,1,2 (980-990, 990-1000, 1000-1010); G2 bins 0,1 (990-1000, 1000-1010)
  CHECK(signal_detail::count_interval(w, ch, 985, 1001, out.data()));
  // [1020, 1021): touches only G2 bin 3; [1019, 1020): G1 bin 3 and G2 bin 2
  signal_detail::count_interval(w, ch, 1020, 1021, out.data());
  signal_detail::count_interval(w, ch, 1019, 1020, out.data());
  // a read ending exactly where G1's window starts does not overlap it
  CHECK_FALSE(signal_detail::count_interval(w, ch, 970, 980, out.data()));
  // a 40 kb spliced span crossing many 16 kb blocks counts once per bin
  signal_detail::count_interval(w, ch, 0, 40000, out.data());
  // G1 and G2: 2 in every bin; G3: bin 0 is [-15, -5), outside the chromosome
  CHECK(out[0] == 2);
  CHECK(out[1] == 2);
  CHECK(out[2] == 2);
  CHECK(out[3] == 2);
  CHECK(out[4] == 2);
  CHECK(out[5] == 2);
  CHECK(out[6] == 2);
  CHECK(out[7] == 2);
  CHECK(out[8] == 0);
  CHECK(out[9] == 1);
  CHECK(out[10] == 1);
  CHECK(out[11] == 1);
  CHECK_THROWS_AS(make_windows(genes, 5, 10), std::invalid_argument);
}
