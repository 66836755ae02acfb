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

// One + gene at chr1:1000, 4 bins of 10 bp: the window [980, 1020).
GeneWindows one_window() { return make_windows({Gene{"G1", "G1", "chr1", 1000, 5000, '+', 1}}, 4, 10); }

TEST_CASE("tagAlign records: zero length as bedtools counts it, start > end refused", "[genomics][signal]") {
  const GeneWindows w = one_window();
  TempDir d("deepdiff_genomics");
  // zero-length at 985 (bin 0), 990 (a boundary: bins 0 and 1), 1020 (the window's end:
  // bin 3, as bedtools counts [s, e) bins with s <= p <= e), 979 (outside)
  d.write("z.tagAlign", "chr1\t985\t985\tN\t0\t+\nchr1\t990\t990\tN\t0\t+\nchr1\t1020\t1020\tN\t0\t+\nchr1\t979\t979\tN\t0\t+\n");
  const SignalFile f = inspect_signal(d.file("z.tagAlign"));
  Track out(SignalFormat::reads, 4);
  run_task(f, SignalTask{0, -1}, w, out);
  CHECK(out.is_counts());
  CHECK(out[0] == 2);
  CHECK(out[1] == 1);
  CHECK(out[2] == 0);
  CHECK(out[3] == 1);
  d.write("neg.tagAlign", "chr1\t985\t995\tN\t0\t+\nchr1\t995\t985\tN\t0\t+\n");
  const DataError e = data_error([&] { run_task(inspect_signal(d.file("neg.tagAlign")), SignalTask{0, -1}, w, out); });
  CHECK(e.line == 2);
  // The track must be the file's kind and size.
  Track means(SignalFormat::bigwig, 4), short_counts(SignalFormat::reads, 3);
  CHECK_THROWS_AS(run_task(f, SignalTask{0, -1}, w, means), std::invalid_argument);
  CHECK_THROWS_AS(run_task(f, SignalTask{0, -1}, w, short_counts), std::invalid_argument);
}

TEST_CASE("tagAlign chromosome names: the annotation's spelling, the other only alone", "[genomics][signal]") {
  const GeneWindows w = one_window();
  TempDir d("deepdiff_genomics");
  d.write("both.bed", "chr1\t985\t986\tN\t0\t+\n1\t985\t986\tN\t0\t+\n1\t995\t996\tN\t0\t+\n");
  Track out(SignalFormat::reads, 4);
  TaskStats st = run_task(inspect_signal(d.file("both.bed")), SignalTask{0, -1}, w, out);
  CHECK(out[0] == 1);  // the two `1` records left out
  CHECK(out[1] + out[2] + out[3] == 0);
  REQUIRE(st.notes.size() == 1);
  CHECK(st.notes[0].find("2 records on 1 left out") != std::string::npos);
  d.write("alias.bed", "1\t985\t986\tN\t0\t+\n1\t995\t996\tN\t0\t+\n");
  out = Track(SignalFormat::reads, 4);
  st = run_task(inspect_signal(d.file("alias.bed")), SignalTask{0, -1}, w, out);
  CHECK(out[0] == 1);
  CHECK(out[1] == 1);
  CHECK(out[2] == 0);
  CHECK(out[3] == 0);
  CHECK(st.used == 2);
}

TEST_CASE("text signal files that are not reads", "[genomics][signal]") {
  TempDir d("deepdiff_genomics");
  d.write("s.bedGraph", "chr1\t0\t100\t2.5\n");
  CHECK(std::string(data_error([&] { inspect_signal(d.file("s.bedGraph")); }).what()).find("bedGraph") != std::string::npos);
  d.write("typed.bed", "track type=bedGraph\nchr1\t0\t100\tN\t0\t+\n");
  CHECK(data_error([&] { inspect_signal(d.file("typed.bed")); }).line == 1);
  d.write("p.narrowPeak", "chr1\t0\t100\tp1\t500\t.\t12.5\t8.1\t6.2\t50\n");
  const SignalFile np = inspect_signal(d.file("p.narrowPeak"));
  REQUIRE(np.notes.size() == 1);
  CHECK(np.notes[0].find("narrowPeak") != std::string::npos);
  d.write("track_only.bed", "track name=x\n# nothing\n");
  CHECK(std::string(data_error([&] { inspect_signal(d.file("track_only.bed")); }).what()).find("no reads") !=
        std::string::npos);
  // Judged on the text, plain or compressed alike: a control byte in a name column is text (htslib
  // took it for binary when plain, found by tests/fuzz), a NUL byte is binary.
  d.write("ctl.tagAlign", std::string("chr1\t240\t251\tN\x18\t1000\t-\n"));
  CHECK(inspect_signal(d.file("ctl.tagAlign")).format == SignalFormat::reads);
  d.write("nul.tagAlign", std::string("chr1\t240\t251\tN\0\t1000\t-\n", 22));
  const DataError nul = data_error([&] { inspect_signal(d.file("nul.tagAlign")); });
  CHECK(nul.line == 1);
  CHECK(nul.reason.find("binary content") != std::string::npos);
  std::filesystem::create_directories(d.file("folder"));
  CHECK(std::string(data_error([&] { inspect_signal(d.file("folder")); }).what()).find("is a directory") !=
        std::string::npos);
}
