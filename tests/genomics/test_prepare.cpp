// Tests of include/deepdiff/genomics/prepare.hpp.
#include "genomics_fixtures.hpp"

TEST_CASE("splits: counts by seed, proportions, chromosome hold-out", "[genomics][prepare]") {
  std::vector<Gene> genes;
  for (int i = 0; i < 100; ++i)
    genes.push_back(Gene{"G" + std::to_string(i), "S", i < 20 ? "chr8" : i < 30 ? "9" : i < 40 ? "chr2" : "chr1", i * 1000, i * 1000 + 10, '+', 1});
  PrepareOptions o;
  std::vector<std::string> notes;
  auto count = [](const std::vector<int>& s, int k) { return std::count(s.begin(), s.end(), k); };
  o.split_counts = {50, 20, 10};
  o.seed = 3;
  const std::vector<int> a = prepare_detail::assign_splits(o, genes, notes);
  CHECK(count(a, 0) == 50);
  CHECK(count(a, 1) == 20);
  CHECK(count(a, 2) == 10);
  CHECK(count(a, -1) == 20);
  CHECK(prepare_detail::assign_splits(o, genes, notes) == a);  // same seed, same split
  o.seed = 4;
  CHECK(prepare_detail::assign_splits(o, genes, notes) != a);
  o.split_counts = {-1, -1, -1};  // fewer than 18,460 genes: the published proportions
  const std::vector<int> p = prepare_detail::assign_splits(o, genes, notes);
  CHECK(count(p, 0) == 54);  // 100 * 10000 / 18460
  CHECK(count(p, 1) == 13);  // 100 * 2360 / 18460
  CHECK(count(p, 2) == 33);
  o.split_counts = {90, 10, 10};
  CHECK_THROWS_AS(prepare_detail::assign_splits(o, genes, notes), DataError);
  o.split_counts = {-1, -1, -1};
  o.test_chroms = {"chr8", "chr9"};  // chr9 matches the annotation's "9"
  const std::vector<int> h = prepare_detail::assign_splits(o, genes, notes);
  for (int i = 0; i < 30; ++i) CHECK(h[static_cast<std::size_t>(i)] == 2);
  CHECK(count(h, 2) == 30);
  CHECK(count(h, 1) == 13);  // 70 * 2360 / 12360, rounded
  CHECK(count(h, 0) == 57);
  o.valid_chroms = {"2"};
  const std::vector<int> v = prepare_detail::assign_splits(o, genes, notes);
  CHECK(count(v, 1) == 10);
  CHECK(count(v, 0) == 60);
  o.valid_chroms = {"chr1", "chr2"};  // nothing left to train on
  CHECK_THROWS_AS(prepare_detail::assign_splits(o, genes, notes), DataError);
}

namespace {

// A BAM written and indexed through htslib from SAM text (so the test needs no tools).
void write_bam(const std::string& path, const std::string& sam_text) {
  const std::size_t body = sam_text.find("\nr") + 1;
  sam_hdr_t* h = sam_hdr_parse(body, sam_text.c_str());
  REQUIRE(h);
  htsFile* fp = sam_open(path.c_str(), "wb");
  REQUIRE(fp);
  REQUIRE(sam_hdr_write(fp, h) == 0);
  bam1_t* b = bam_init1();
  kstring_t line{0, 0, nullptr};
  std::size_t pos = body;
  while (pos < sam_text.size()) {
    const std::size_t eol = sam_text.find('\n', pos);
    const std::string l = sam_text.substr(pos, eol - pos);
    pos = eol + 1;
    line.l = 0;
    kputs(l.c_str(), &line);
    REQUIRE(sam_parse1(&line, h, b) >= 0);
    REQUIRE(sam_write1(fp, h, b) >= 0);
  }
  free(line.s);
  bam_destroy1(b);
  sam_hdr_destroy(h);
  REQUIRE(sam_close(fp) == 0);
  REQUIRE(sam_index_build(path.c_str(), 0) == 0);
}

// A one-chromosome bigWig with the given intervals (sorted, not overlapping).
void write_bigwig(const std::string& path, const char* chrom = "chr1", std::uint32_t len = 1000,
                  std::vector<std::uint32_t> starts = {250, 740}, std::vector<std::uint32_t> ends = {260, 760},
                  std::vector<float> vals = {2.0f, 1.5f}) {
  signal_detail::bigwig_init();
  bigWigFile_t* bw = bwOpen(const_cast<char*>(path.c_str()), nullptr, "w");
  REQUIRE(bw);
  REQUIRE(bwCreateHdr(bw, 2) == 0);
  const char* names[] = {chrom};
  const std::uint32_t lens[] = {len};
  bw->cl = bwCreateChromList(names, lens, 1);
  REQUIRE(bwWriteHdr(bw) == 0);
  std::vector<const char*> chroms(starts.size(), chrom);
  REQUIRE(bwAddIntervals(bw, chroms.data(), starts.data(), ends.data(), vals.data(),
                         static_cast<std::uint32_t>(starts.size())) == 0);
  bwClose(bw);
}

// id -> [bin][mark] of one cell's three split files
std::map<std::string, std::vector<std::vector<double>>> read_cell(const std::string& dir, const std::string& cell) {
  std::map<std::string, std::vector<std::vector<double>>> m;
  for (const char* split : {"train", "valid", "test"}) {
    std::ifstream f(dir + "/" + cell + "." + split + ".csv");
    REQUIRE(f);
    std::string line;
    while (std::getline(f, line)) {
      std::vector<std::string> cells;
      std::stringstream ss(line);
      std::string c;
      while (std::getline(ss, c, ',')) cells.push_back(c);
      REQUIRE(cells.size() == 6);
      const std::string id = cells[0].substr(0, cells[0].find('_'));
      std::vector<double> v;
      for (std::size_t k = 1; k < 6; ++k) v.push_back(std::stod(cells[k]));
      m[id].push_back(v);
    }
  }
  return m;
}

}  // namespace

TEST_CASE("prepare_data_root end to end on BAM, SAM, tagAlign and bigWig, by hand", "[genomics][prepare]") {
  // chr1 of 1 kb; 4 bins of 25 bp. G1 + at 300: window [250, 350); G2 - ending at 700: window
  // [650, 750), read right to left; G3 + at 100: window [50, 150), no signal.
  TempDir d("deepdiff_genomics");
  d.write("genes.bed", "chr1\t300\t600\tG1_ONE\t0\t+\nchr1\t400\t700\tG2_TWO\t0\t-\nchr1\t100\t200\tG3_THREE\t0\t+\n");
  const std::string sam =
      "@HD\tVN:1.6\tSO:coordinate\n@SQ\tSN:chr1\tLN:1000\n"
      "r1\t0\tchr1\t261\t60\t25M\t*\t0\t0\t*\t*\n"      // [260, 285): G1 bins 1, 2
      "r2\t16\tchr1\t321\t0\t50M\t*\t0\t0\t*\t*\n"      // [320, 370): G1 bins 3, 4 (mapq 0 counts)
      "r3\t1024\tchr1\t691\t60\t25M\t*\t0\t0\t*\t*\n"   // duplicate: not counted
      "r4\t256\tchr1\t701\t60\t10M\t*\t0\t0\t*\t*\n";   // [700, 710): G2 genomic bin 3 -> bin 2 (secondary counts)
  d.write("a.sam", sam);
  write_bam(d.file("a.bam"), sam);
  d.write("a.tagAlign", "chr1\t240\t251\tN\t1000\t+\nchr1\t749\t800\tN\t1000\t-\nchrUn\t1\t50\tN\t0\t+\n");
  write_bigwig(d.file("a.bw"));
  d.write("expr.csv", "G1,10\nG2,20\nG3,0\n");
  std::string sheet = "cell,assay,path\n";
  for (const char* cell : {"A", "B"}) {
    const std::string c = cell;
    sheet += c + ",H3K4me1,a.bam\n" + c + ",H3K4me3,a.sam\n" + c + ",H3K9me3,a.bw\n" + c + ",H3K27me3,a.tagAlign\n" + c +
             ",H3K36me3,a.tagAlign\n" + c + ",expression,expr.csv\n";
  }
  d.write("samples.csv", sheet);
  PrepareOptions o;
  o.samplesheet = d.file("samples.csv");
  o.annotation = d.file("genes.bed");
  o.out = d.file("root");
  o.bins = 4;
  o.bin_size = 25;
  o.split_counts = {1, 1, 1};
  o.threads = 2;
  const PrepareSummary s = prepare_data_root(o);
  CHECK(s.genes_used == 3);
  const auto m = read_cell(o.out, "A");
  REQUIRE(m.size() == 3);
  // marks: BAM (indexed), SAM, bigWig, tagAlign, tagAlign
  const std::vector<std::vector<double>> g1 = {{1, 1, 0.8, 1, 1}, {1, 1, 0, 0, 0}, {1, 1, 0, 0, 0}, {1, 1, 0, 0, 0}};
  const std::vector<std::vector<double>> g2 = {{0, 0, 0.6, 1, 1}, {1, 1, 0, 0, 0}, {0, 0, 0, 0, 0}, {0, 0, 0, 0, 0}};
  const std::vector<std::vector<double>> g3(4, std::vector<double>(5, 0.0));
  CHECK(m.at("G1") == g1);
  CHECK(m.at("G2") == g2);
  CHECK(m.at("G3") == g3);
  CHECK(read_cell(o.out, "B") == m);
  for (const char* f : {"A.expr.csv", "B.expr.csv", "genes.tsv", "prepare.json"}) CHECK(deepdiff_test::path_exists(o.out + "/" + f));
  CHECK(d.listing() == std::vector<std::string>{"a.bam", "a.bam.bai", "a.bw", "a.sam", "a.tagAlign", "expr.csv",
                                                "genes.bed", "root", "samples.csv"});  // no temporary folder left

  // The authors' layout: G2 in coordinate order.
  o.out = d.file("root_genomic");
  o.order = BinOrder::genomic;
  o.threads = 1;
  o.use_index = false;
  prepare_data_root(o);
  auto g2_genomic = g2;
  std::reverse(g2_genomic.begin(), g2_genomic.end());
  CHECK(read_cell(o.out, "A").at("G2") == g2_genomic);
  CHECK(read_cell(o.out, "A").at("G1") == g1);

  // A folder that is not empty is refused before any work, and left alone.
  CHECK_THROWS_AS(prepare_data_root(o), DataError);
  CHECK(deepdiff_test::path_exists(o.out + "/A.train.csv"));
  // A missing file: DataError naming it, nothing written.
  d.write("bad.csv", "cell,assay,path\nA,H3K4me1,nope.bam\nA,H3K4me3,a.sam\nA,H3K9me3,a.bw\nA,H3K27me3,a.tagAlign\n"
                     "A,H3K36me3,a.tagAlign\n");
  o.samplesheet = d.file("bad.csv");
  o.out = d.file("root_bad");
  CHECK(data_error([&] { prepare_data_root(o); }).file == d.file("nope.bam"));
  CHECK_FALSE(deepdiff_test::path_exists(o.out));
}

TEST_CASE("records spanning two read stretches count once", "[genomics][prepare]") {
  // chr2 of 300 kb, genes at 10 kb and 200 kb: two stretches read apart (more than 64 kb
  // between the windows). A spliced read and a bigWig interval reach into both windows.
  TempDir d("deepdiff_genomics");
  d.write("genes.bed", "chr2\t10000\t11000\tG1\t0\t+\nchr2\t199000\t200000\tG2\t0\t-\nchr2\t100\t300\tG3\t0\t+\n");
  const std::string sam =
      "@HD\tVN:1.6\tSO:coordinate\n@SQ\tSN:chr2\tLN:300000\n"
      // [10040, 10050) then [199960, 199970): bin 2 of G1's [9950, 10050) window (+, 50 bp bins),
      // and genomic bin 1 of G2's [199950, 200050) window, its bin 2 read right to left (-)
      "r1\t0\tchr2\t10041\t60\t10M189910N10M\t*\t0\t0\t*\t*\n";
  write_bam(d.file("a.bam"), sam);
  write_bigwig(d.file("a.bw"), "chr2", 300000, {0}, {300000}, {3.0f});
  std::string sheet = "cell,assay,path\nA,H3K4me1,a.bam\nA,H3K4me3,a.bam\nA,H3K9me3,a.bw\nA,H3K27me3,a.bam\nA,H3K36me3,a.bw\n";
  d.write("samples.csv", sheet);
  PrepareOptions o;
  o.samplesheet = d.file("samples.csv");
  o.annotation = d.file("genes.bed");
  o.out = d.file("root");
  o.bins = 2;
  o.bin_size = 50;
  o.split_counts = {1, 1, 1};
  for (bool index : {true, false}) {
    o.use_index = index;
    o.out = d.file(index ? "root_index" : "root_seq");
    prepare_data_root(o);
    const auto m = read_cell(o.out, "A");
    CHECK(m.at("G1") == std::vector<std::vector<double>>{{0, 0, 3, 0, 3}, {1, 1, 3, 1, 3}});
    CHECK(m.at("G2") == std::vector<std::vector<double>>{{0, 0, 3, 0, 3}, {1, 1, 3, 1, 3}});
    // G3's window [50, 150) is covered from base 0: every base 3.0
    CHECK(m.at("G3") == std::vector<std::vector<double>>{{0, 0, 3, 0, 3}, {0, 0, 3, 0, 3}});
  }
}

// Found by tests/fuzz (fuzz_inputs --target reads / bigwig).

TEST_CASE("damaged signal files are DataErrors, not crashes or other exceptions", "[genomics][prepare][fuzz]") {
  TempDir d("deepdiff_genomics");
  d.write("genes.bed", "chr1\t300\t600\tG1_ONE\t0\t+\nchr1\t400\t700\tG2_TWO\t0\t-\nchr1\t100\t200\tG3_THREE\t0\t+\n");
  d.write("a.tagAlign", "chr1\t240\t251\tN\t1000\t+\n");
  d.write("expr.csv", "G1,10\nG2,20\nG3,0\n");
  write_bigwig(d.file("a.bw"));
  auto sheet = [&](const std::string& bw, const std::string& reads) {
    std::string s = "cell,assay,path\n";
    for (const char* cell : {"A", "B"}) {
      const std::string c = cell;
      s += c + ",H3K4me1," + reads + "\n" + c + ",H3K4me3,a.tagAlign\n" + c + ",H3K9me3," + bw + "\n" + c +
           ",H3K27me3,a.tagAlign\n" + c + ",H3K36me3,a.tagAlign\n" + c + ",expression,expr.csv\n";
    }
    d.write("samples.csv", s);
  };
  PrepareOptions o;
  o.samplesheet = d.file("samples.csv");
  o.annotation = d.file("genes.bed");
  o.bins = 4;
  o.bin_size = 25;
  o.split_counts = {1, 1, 1};
  o.threads = 2;
  int run = 0;
  auto prepare_error = [&]() {
    o.out = d.file("root" + std::to_string(run++));
    const DataError e = data_error([&] { prepare_data_root(o); });
    CHECK_FALSE(deepdiff_test::path_exists(o.out));
    return e;
  };

  SECTION("an error found while reading (in a parallel task) stays a DataError with file and line") {
    d.write("bad.tagAlign", "chr1\t240\t251\tN\t1000\t+\nchr1\tx\t260\tN\t1000\t+\n");
    sheet("a.bw", "bad.tagAlign");
    const DataError e = prepare_error();
    CHECK(e.file == d.file("bad.tagAlign"));
    CHECK(e.line == 2);
  }
  SECTION("bigWig values that are infinite or negative are refused, naming the file") {
    for (const float v : {HUGE_VALF, -HUGE_VALF, -0.5f}) {
      write_bigwig(d.file("bad.bw"), "chr1", 1000, {250, 740}, {260, 760}, {2.0f, v});
      sheet("bad.bw", "a.tagAlign");
      CHECK(prepare_error().file == d.file("bad.bw"));
    }
  }
  SECTION("a bigWig cut short is a DataError, not a crash (libBigWig alone reads past the end)") {
    const std::string whole = read_file(d.file("a.bw"));
    REQUIRE(inspect_signal(d.file("a.bw")).chroms == std::vector<std::string>{"chr1"});
    int refused = 0;
    for (std::size_t n = 1; n < whole.size(); ++n) {
      d.write("cut.bw", whole.substr(0, n));
      INFO("truncated to " << n << " of " << whole.size() << " bytes");
      // Cut inside the header, chromosome tree, data or index: refused. Cut in the trailing
      // zoom data (not read here): may open, and then with its chromosomes intact.
      try {
        const SignalFile f = inspect_signal(d.file("cut.bw"));  // outside CHECK, which would catch
        CHECK(f.chroms == std::vector<std::string>{"chr1"});
        CHECK(n > whole.size() / 2);
      } catch (const DataError&) {
        ++refused;
      }
    }
    CHECK(refused >= static_cast<int>(whole.size() / 2));
  }
}

TEST_CASE("many cells: each written as it finishes, at most threads + 1 in memory, the same files", "[genomics][prepare]") {
  // Six cells of tagAlign reads (cell k has k + 1 reads per mark in G1's second bin); the
  // counted values held at once never exceed threads + 1 cells' tracks (32-bit counts), and the
  // files are the same for 1 and 2 threads.
  TempDir d("deepdiff_genomics");
  d.write("genes.bed", "chr1\t1000\t2000\tG1\t0\t+\nchr1\t5000\t6000\tG2\t0\t-\nchr1\t9000\t9500\tG3\t0\t+\n");
  std::string sheet = "cell,assay,path\n";
  const std::vector<std::string> marks = {"H3K4me1", "H3K4me3", "H3K9me3", "H3K27me3", "H3K36me3"};
  for (int c = 0; c < 6; ++c) {
    std::string reads;
    for (int r = 0; r <= c; ++r) reads += "chr1\t" + std::to_string(960 + r) + "\t" + std::to_string(970 + r) + "\tN\t0\t+\n";
    const std::string file = "c" + std::to_string(c) + ".tagAlign";
    d.write(file, reads);
    for (const std::string& m : marks) sheet += "C" + std::to_string(c) + "," + m + "," + file + "\n";
  }
  d.write("samples.csv", sheet);
  PrepareOptions o;
  o.samplesheet = d.file("samples.csv");
  o.annotation = d.file("genes.bed");
  o.bins = 4;
  o.bin_size = 50;
  o.split_counts = {1, 1, 1};
  const std::size_t cell_bytes = 5 * 3 * 4 * sizeof(std::uint32_t);  // five marks x 3 genes x 4 bins
  for (int threads : {1, 2}) {
    o.threads = threads;
    o.out = d.file("root" + std::to_string(threads));
    const PrepareSummary s = prepare_data_root(o);
    CHECK(s.peak_track_bytes >= cell_bytes);
    CHECK(s.peak_track_bytes <= static_cast<std::size_t>(threads + 1) * cell_bytes);
    for (int c = 0; c < 6; ++c) {
      const auto m = read_cell(o.out, "C" + std::to_string(c));
      const double n = c + 1;
      CHECK(m.at("G1")[0] == std::vector<double>{0, 0, 0, 0, 0});  // [900, 950) of the window [900, 1100)
      CHECK(m.at("G1")[1] == std::vector<double>{n, n, n, n, n});
    }
  }
  for (const char* f : {"C0.train.csv", "C5.test.csv", "genes.tsv"})
    CHECK(read_file(d.file(std::string("root1/") + f)) == read_file(d.file(std::string("root2/") + f)));
}

TEST_CASE("replicates pooled, input subtracted, cpm: by hand", "[genomics][prepare]") {
  // chr1 of 1 kb; 4 bins of 25 bp. G1 + at 300: window [250, 350); G2 - ending at 700: window
  // [650, 750), read right to left; G3 + at 100: window [50, 150).
  TempDir d("deepdiff_genomics");
  d.write("genes.bed", "chr1\t300\t600\tG1_ONE\t0\t+\nchr1\t400\t700\tG2_TWO\t0\t-\nchr1\t100\t200\tG3_THREE\t0\t+\n");
  // a: G1 bin 1, G2 bin 1 (genomic bin 4), and one read off the genes: 3 usable reads.
  const std::string a = "chr1\t240\t251\tN\t1000\t+\nchr1\t749\t800\tN\t1000\t-\nchrUn\t1\t50\tN\t0\t+\n";
  std::string a4;  // cell B: every read of a four times (the same library sequenced 4x deeper)
  for (int k = 0; k < 4; ++k) a4 += a;
  d.write("a.tagAlign", a);
  d.write("a4.tagAlign", a4);
  d.write("a2.tagAlign", "chr1\t260\t262\tN\t0\t+\n");  // a replicate: one more read in G1 bin 1
  // A mark with 6 reads in G1 bin 1 and 2 off the genes (library 8); its input: one read over G1
  // bins 1-2, one in bin 1, two off the genes (library 4), so the input is scaled by 8 / 4 = 2.
  std::string mk, in = "chr1\t250\t300\tN\t0\t+\nchr1\t260\t270\tN\t0\t+\nchrUn\t1\t5\tN\t0\t+\nchrUn\t9\t15\tN\t0\t+\n";
  for (int k = 0; k < 6; ++k) mk += "chr1\t255\t256\tN\t0\t+\n";
  mk += "chrUn\t1\t5\tN\t0\t+\nchrUn\t7\t9\tN\t0\t+\n";
  d.write("m.tagAlign", mk);
  d.write("in.tagAlign", in);
  write_bigwig(d.file("a.bw"));                                            // G1 bin 1: 10 bp of 2.0 -> 0.8
  write_bigwig(d.file("b.bw"), "chr1", 1000, {250, 740}, {260, 760}, {4.0f, 3.0f});  // G1 bin 1: 1.6
  d.write("ea.csv", "G1,10\nG2,20\nG3,0\n");
  d.write("eb.csv", "G1,100\nG2,200\nG3,8\n");
  const std::vector<std::string> marks = {"H3K4me1", "H3K4me3", "H3K9me3", "H3K27me3", "H3K36me3"};
  auto rows = [&](const std::string& cell, const std::vector<std::string>& files) {
    std::string s;
    for (std::size_t m = 0; m < 5; ++m) s += cell + "," + marks[m] + "," + files[m] + "\n";
    return s;
  };
  d.write("samples.csv", "cell,assay,path\n" + rows("A", {"a.tagAlign", "a.tagAlign", "a.bw", "m.tagAlign", "a.tagAlign"}) +
                             "A,expression,ea.csv\nA,H3K36me3,a2.tagAlign\nA,H3K9me3,b.bw\n" +
                             rows("B", {"a4.tagAlign", "a4.tagAlign", "a.bw", "m.tagAlign", "a4.tagAlign"}) +
                             "B,expression,eb.csv\n" + rows("C", {"m.tagAlign", "m.tagAlign", "a.bw", "m.tagAlign", "m.tagAlign"}) +
                             "C,input,in.tagAlign\n");
  PrepareOptions o;
  o.samplesheet = d.file("samples.csv");
  o.annotation = d.file("genes.bed");
  o.bins = 4;
  o.bin_size = 25;
  o.split_counts = {1, 1, 1};
  o.threads = 2;
  o.out = d.file("none");
  PrepareSummary s = prepare_data_root(o);
  auto A = read_cell(o.out, "A"), B = read_cell(o.out, "B"), C = read_cell(o.out, "C");
  // A: H3K9me3 two bigWigs averaged, H3K36me3 a + a2 summed. B: a's reads four times.
  CHECK(A.at("G1")[0] == std::vector<double>{1, 1, (0.8 + 1.6) / 2, 6, 2});
  CHECK(A.at("G2")[0] == std::vector<double>{1, 1, (0.6 + 1.2) / 2, 0, 1});
  CHECK(B.at("G1")[0] == std::vector<double>{4, 4, 0.8, 6, 4});
  CHECK(B.at("G2")[0] == std::vector<double>{4, 4, 0.6, 0, 4});  // XA - XB = -3 x A's counts
  // C: every read-count mark minus the input x 8 / 4 (floored at 0); the bigWig as it is.
  CHECK(C.at("G1")[0] == std::vector<double>{6 - 2 * 2, 6 - 2 * 2, 0.8, 6 - 2 * 2, 6 - 2 * 2});
  CHECK(C.at("G1")[1] == std::vector<double>{0, 0, 0, 0, 0});  // 0 - 1 x 2, floored at 0
  // Depth and expression are both flagged, with the option that corrects each.
  auto has = [](const std::vector<std::string>& v, const std::string& what) {
    return std::any_of(v.begin(), v.end(), [&](const std::string& x) { return x.find(what) != std::string::npos; });
  };
  CHECK(has(s.warnings, "differ more than 2x between cells: H3K4me1 B 4.00x A (8 vs 2), H3K4me3 B 4.00x A (8 vs 2)"));
  CHECK(has(s.warnings, "--normalize-marks cpm corrects it"));
  CHECK_FALSE(has(s.warnings, "H3K27me3"));  // A, B, C read the same m.tagAlign: only C's input differs, not depth
  CHECK(has(s.warnings, "B over A: +3."));  // the one training gene's log2(101 / 11), log2(201 / 21) or log2(9 / 1)
  CHECK(has(s.warnings, "--expression-scale size-factors"));
  const nlohmann::json j = nlohmann::json::parse(read_file(o.out + "/prepare.json"));
  int reps = 0;
  for (const auto& x : j["inputs"])
    if (x["cell"] == "A" && x["assay"] == "H3K36me3") {
      ++reps;
      CHECK(x["replicates"] == 2);
      CHECK(x["library_reads"] == (x["replicate"] == 1 ? 3 : 1));
    }
  CHECK(reps == 2);
  CHECK(j["settings"]["normalize_marks"] == "none");
  CHECK(j["settings"].contains("input_control"));

  // cpm: B's reads are A's four times over, so their values agree (XA - XB = 0); A's H3K36me3
  // is per million of both replicates' 4 reads; C's marks are (6 - 2 x 2) per million of 8.
  o.out = d.file("cpm");
  o.normalize_marks = MarkNormalization::cpm;
  s = prepare_data_root(o);
  A = read_cell(o.out, "A");
  B = read_cell(o.out, "B");
  C = read_cell(o.out, "C");
  CHECK(A.at("G1")[0] == std::vector<double>{1e6 / 3, 1e6 / 3, (0.8 + 1.6) / 2, 6e6 / 8, 2e6 / 4});
  CHECK(B.at("G1")[0] == std::vector<double>{4 * (1e6 / 12), 4 * (1e6 / 12), 0.8, 6e6 / 8, 4 * (1e6 / 12)});
  CHECK(C.at("G1")[0] == std::vector<double>{2e6 / 8, 2e6 / 8, 0.8, 2e6 / 8, 2e6 / 8});
  for (const char* g : {"G1", "G2", "G3"})
    for (std::size_t b = 0; b < 4; ++b)
      for (std::size_t m : {0, 1}) CHECK(A.at(g)[b][m] - B.at(g)[b][m] == 0);
  CHECK_FALSE(has(s.warnings, "--normalize-marks cpm"));
  CHECK(has(s.notes, "bigWig: left as it is by --normalize-marks cpm"));

  // Refused: one file twice for one mark (by another spelling), a bigWig input, mixed kinds.
  o.out = d.file("bad");
  auto refused = [&](const std::string& extra, const std::string& why) {
    d.write("bad.csv", "cell,assay,path\n" + rows("A", {"a.tagAlign", "a.tagAlign", "a.bw", "m.tagAlign", "a.tagAlign"}) + extra);
    o.samplesheet = d.file("bad.csv");
    const DataError e = data_error([&] { prepare_data_root(o); });
    CHECK(std::string(e.what()).find(why) != std::string::npos);
    CHECK_FALSE(deepdiff_test::path_exists(o.out));
  };
  refused("A,H3K4me1,./a.tagAlign\n", "given twice for A H3K4me1");
  refused("A,input,a.bw\n", "an input control must be reads");
  refused("A,H3K4me1,b.bw\n", "replicates are pooled value by value");
}
