// `deepdiff prepare` against the route the field takes today, on a simulated realistic case:
// 20,000 genes on the hg38 chromosome sizes, 5 marks x 2 cells, one BAM per mark and cell
// (>= 5 M reads of 36 bp, a third near TSSs, sorted and indexed) and one bigWig per mark and
// cell. Printed in the same run, as ratios:
//   BAM    ours (indexed: by region; and --ignore-index: every read)  vs  `samtools view -c -@N`
//          over the same BAMs (the cost of just reading them: our floor)  and  `bedtools multicov`
//          over the 200 bins of every gene (one run per cell, its five BAMs), what the authors ran
//   bigWig ours  vs  `computeMatrix reference-point --missingDataAsZero` on the ten bigWigs
// Targets (issue 10): within 1.5x of the samtools floor; >= 10x faster than bedtools/deepTools.
//
//   bench_prepare              the full case (minutes: simulation, then every tool)
//   bench_prepare --quick      a smoke run of seconds (CI): 300 genes, a 1/200 genome, 50 k reads,
//                              baselines on 4 genes
// bedtools multicov and computeMatrix take seconds per gene here, so by default they run on
// --baseline-genes genes (and on 1 gene, for their start-up cost) and their time for all genes
// is extrapolated linearly; the printed row says so. --baseline-genes 0 runs them on all.
// Missing tools are reported and their rows skipped.
#include <cxxopts.hpp>

#include <deepdiff/genomics/prepare.hpp>

#include <bigWig.h>
#include <htslib/sam.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using namespace deepdiff;
using namespace deepdiff::genomics;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

namespace {

// hg38 primary chromosomes (chr1..chr22, chrX), in bp.
const std::vector<std::pair<std::string, std::int64_t>> kHg38 = {
    {"chr1", 248956422}, {"chr2", 242193529}, {"chr3", 198295559}, {"chr4", 190214555}, {"chr5", 181538259},
    {"chr6", 170805979}, {"chr7", 159345973}, {"chr8", 145138636}, {"chr9", 138394717}, {"chr10", 133797422},
    {"chr11", 135086622}, {"chr12", 133275309}, {"chr13", 114364328}, {"chr14", 107043718}, {"chr15", 101991189},
    {"chr16", 90338345}, {"chr17", 83257441}, {"chr18", 80373285}, {"chr19", 58617616}, {"chr20", 64444167},
    {"chr21", 46709983}, {"chr22", 50818468}, {"chrX", 156040895}};

struct Sim {
  std::vector<std::pair<std::string, std::int64_t>> chroms;
  std::vector<Gene> genes;  // sorted by chromosome and start
};

Sim make_genes(double scale, int n_genes, Rng& rng) {
  Sim s;
  std::int64_t total = 0;
  for (const auto& c : kHg38) {
    s.chroms.emplace_back(c.first, static_cast<std::int64_t>(static_cast<double>(c.second) * scale));
    total += s.chroms.back().second;
  }
  for (int g = 0; g < n_genes; ++g) {
    std::int64_t x = static_cast<std::int64_t>(rng.uniform(0, 1) * static_cast<double>(total));
    std::size_t c = 0;
    while (x >= s.chroms[c].second) x -= s.chroms[c++].second;
    const std::int64_t len = std::min<std::int64_t>(static_cast<std::int64_t>(1000 + rng.uniform(0, 1) * 60000),
                                                    s.chroms[c].second - x - 1);
    char id[32];
    std::snprintf(id, sizeof id, "ENSG%011d", g + 1);
    s.genes.push_back(Gene{id, "G" + std::to_string(g + 1), s.chroms[c].first, x, x + std::max<std::int64_t>(len, 1),
                           rng.uniform(0, 1) < 0.5 ? '+' : '-', 0});
  }
  std::sort(s.genes.begin(), s.genes.end(), [&](const Gene& a, const Gene& b) {
    auto ci = [&](const std::string& n) {
      for (std::size_t i = 0; i < s.chroms.size(); ++i)
        if (s.chroms[i].first == n) return i;
      return s.chroms.size();
    };
    return ci(a.chrom) != ci(b.chrom) ? ci(a.chrom) < ci(b.chrom) : a.start < b.start;
  });
  return s;
}

void write_gtf(const Sim& s, const std::string& path) {
  std::ofstream f(path);
  for (const Gene& g : s.genes)
    f << g.chrom << "\tSIM\tgene\t" << g.start + 1 << "\t" << g.end << "\t.\t" << g.strand << "\t.\tgene_id \"" << g.id
      << ".1\"; gene_name \"" << g.symbol << "\";\n";
}

// Sorted, indexed BAM: a third of the reads within 5 kb of a TSS, the rest uniform.
void write_bam(const Sim& s, const std::string& path, std::int64_t n_reads, Rng& rng, int threads) {
  htsFile* fp = sam_open(path.c_str(), "wb");
  if (!fp) throw std::runtime_error("cannot write " + path);
  if (threads > 1) hts_set_threads(fp, threads);
  std::string text = "@HD\tVN:1.6\tSO:coordinate\n";
  std::int64_t total = 0;
  for (const auto& c : s.chroms) {
    text += "@SQ\tSN:" + c.first + "\tLN:" + std::to_string(c.second) + "\n";
    total += c.second;
  }
  sam_hdr_t* h = sam_hdr_parse(text.size(), text.c_str());
  if (sam_hdr_write(fp, h) < 0) throw std::runtime_error("cannot write the header of " + path);
  bam1_t* b = bam_init1();
  const std::uint32_t cigar[1] = {36u << BAM_CIGAR_SHIFT | BAM_CMATCH};
  char seq[37], qual[36];
  for (int i = 0; i < 36; ++i) {
    seq[i] = "ACGT"[i % 4];
    qual[i] = 30;
  }
  seq[36] = 0;
  std::int64_t id = 0;
  for (std::size_t c = 0; c < s.chroms.size(); ++c) {
    const std::int64_t len = s.chroms[c].second;
    std::vector<std::int64_t> pos;
    const auto n_c = static_cast<std::int64_t>(static_cast<double>(n_reads) * 2.0 / 3.0 * static_cast<double>(len) / static_cast<double>(total));
    for (std::int64_t i = 0; i < n_c; ++i) pos.push_back(static_cast<std::int64_t>(rng.uniform(0, 1) * static_cast<double>(len - 40)));
    std::vector<const Gene*> here;
    for (const Gene& g : s.genes)
      if (g.chrom == s.chroms[c].first) here.push_back(&g);
    const auto n_t = static_cast<std::int64_t>(static_cast<double>(n_reads) / 3.0 * static_cast<double>(here.size()) / static_cast<double>(s.genes.size()));
    for (std::int64_t i = 0; i < n_t && !here.empty(); ++i) {
      const Gene& g = *here[static_cast<std::size_t>(rng.below(here.size()))];
      const std::int64_t p = g.tss() + static_cast<std::int64_t>(rng.normal() * 2000);
      if (p >= 0 && p < len - 40) pos.push_back(p);
    }
    std::sort(pos.begin(), pos.end());
    for (std::int64_t p : pos) {
      // random bases and qualities, so the BAM compresses like a real one (~4x, not ~20x)
      const std::uint64_t r1 = rng.next_u64(), r2 = rng.next_u64(), r3 = rng.next_u64(), r4 = rng.next_u64();
      for (int i = 0; i < 36; ++i) {
        seq[i] = "ACGT"[(i < 32 ? r1 >> (2 * i) : r2 >> (2 * (i - 32))) & 3];
        const std::uint64_t q = i < 16 ? r3 >> (4 * i) : i < 32 ? r4 >> (4 * (i - 16)) : r2 >> (8 + 4 * (i - 32));
        qual[i] = static_cast<char>(20 + (q & 15));
      }
      char name[24];
      const int nl = std::snprintf(name, sizeof name, "r%lld", static_cast<long long>(++id));
      const std::uint16_t flag = static_cast<std::uint16_t>((rng.below(2) ? 16 : 0) | (rng.below(50) == 0 ? 1024 : 0));
      bam_set1(b, static_cast<std::size_t>(nl), name, flag, static_cast<std::int32_t>(c), p,
               static_cast<std::uint8_t>(rng.below(61)), 1, cigar, -1, -1, 0, 36, seq, qual, 0);
      if (sam_write1(fp, h, b) < 0) throw std::runtime_error("cannot write " + path);
    }
  }
  bam_destroy1(b);
  sam_hdr_destroy(h);
  sam_close(fp);
  if (sam_index_build3(path.c_str(), nullptr, 0, threads) < 0) throw std::runtime_error("cannot index " + path);
}

// bigWig: stretches of 50..2000 bp, 70% of them with a value, higher near TSSs.
void write_bigwig(const Sim& s, const std::string& path, Rng& rng) {
  bwInit(1 << 17);
  bigWigFile_t* bw = bwOpen(const_cast<char*>(path.c_str()), nullptr, "w");
  if (!bw || bwCreateHdr(bw, 10)) throw std::runtime_error("cannot write " + path);
  std::vector<const char*> names;
  std::vector<std::uint32_t> lens;
  for (const auto& c : s.chroms) {
    names.push_back(c.first.c_str());
    lens.push_back(static_cast<std::uint32_t>(c.second));
  }
  bw->cl = bwCreateChromList(names.data(), lens.data(), static_cast<std::int64_t>(names.size()));
  if (!bw->cl || bwWriteHdr(bw)) throw std::runtime_error("cannot write the header of " + path);
  for (std::size_t c = 0; c < s.chroms.size(); ++c) {
    std::vector<std::uint32_t> st, en;
    std::vector<float> v;
    std::int64_t p = 0;
    while (p < s.chroms[c].second) {
      const std::int64_t e = std::min<std::int64_t>(p + 50 + static_cast<std::int64_t>(rng.below(1950)), s.chroms[c].second);
      if (rng.uniform(0, 1) < 0.7) {
        st.push_back(static_cast<std::uint32_t>(p));
        en.push_back(static_cast<std::uint32_t>(e));
        v.push_back(static_cast<float>(rng.uniform(0, 8)));
      }
      p = e;
    }
    std::vector<const char*> cn(st.size(), names[c]);
    if (!st.empty() && bwAddIntervals(bw, cn.data(), st.data(), en.data(), v.data(), static_cast<std::uint32_t>(st.size())))
      throw std::runtime_error("cannot add intervals to " + path);
  }
  bwClose(bw);
}

double run_seconds(const std::string& cmd) {
  const auto t = Clock::now();
  const int rc = std::system(cmd.c_str());
  if (rc != 0) throw std::runtime_error("failed (" + std::to_string(rc) + "): " + cmd);
  return std::chrono::duration<double>(Clock::now() - t).count();
}

bool have(const std::string& tool) { return std::system(("command -v " + tool + " >/dev/null 2>&1").c_str()) == 0; }

struct Ours {
  double total = 0, reading = 0, writing = 0;
};

Ours prepare_seconds(const std::string& sheet, const std::string& gtf, const std::string& out, int threads, bool index,
                     bool checksums = true) {
  fs::remove_all(out);
  PrepareOptions o;
  o.samplesheet = sheet;
  o.annotation = gtf;
  o.out = out;
  o.threads = threads;
  o.use_index = index;
  o.checksums = checksums;
  const auto t = Clock::now();
  const PrepareSummary s = prepare_data_root(o);
  return Ours{std::chrono::duration<double>(Clock::now() - t).count(), s.read_seconds, s.write_seconds};
}

}  // namespace

int main(int argc, char** argv) {
  cxxopts::Options opts("bench_prepare", "deepdiff prepare vs samtools view -c, bedtools multicov, computeMatrix");
  opts.add_options()("quick", "smoke run of seconds (CI)")("genes", "genes", cxxopts::value<int>()->default_value("20000"))(
      "reads", "reads per BAM", cxxopts::value<long long>()->default_value("5000000"))(
      "threads", "threads for every tool (0: all cores)", cxxopts::value<int>()->default_value("0"))(
      "work", "folder for the simulated files", cxxopts::value<std::string>()->default_value("bench_prepare_work"))(
      "baseline-genes", "genes the bedtools/deepTools baselines run on (extrapolated to all; 0: all genes)",
      cxxopts::value<int>()->default_value("200"))(
      "no-multicov", "skip bedtools multicov (the slowest baseline)")("no-computematrix", "skip computeMatrix")(
      "reuse", "with --keep before: reuse WORK's simulated files (same --genes/--reads/--quick!)")(
      "keep", "keep the simulated files (WORK/bam.csv, WORK/bigwig.csv, WORK/genes.gtf) for other runs")("h,help", "help");
  const auto a = opts.parse(argc, argv);
  if (a.count("help")) {
    std::printf("%s\n", opts.help().c_str());
    return 0;
  }
  const bool quick = a.count("quick") > 0;
  const int n_genes = quick ? 300 : a["genes"].as<int>();
  const long long n_reads = quick ? 50000 : a["reads"].as<long long>();
  const double scale = quick ? 1.0 / 200 : 1.0;
  const int threads = a["threads"].as<int>() > 0 ? a["threads"].as<int>() : omp_get_max_threads();
  const std::string W = a["work"].as<std::string>();
  const bool reuse = a.count("reuse") > 0 && fs::exists(W + "/bam.csv") && fs::exists(W + "/bigwig.csv");
  if (!reuse) fs::remove_all(W);
  fs::create_directories(W);
  const std::vector<std::string>& marks = mark_names();

  std::printf("simulating %d genes, genome %.0f Mb, 2 cells x 5 marks: BAMs of %lld reads, bigWigs (%d threads) ...\n",
              n_genes, 3.1e3 * scale, n_reads, threads);
  std::fflush(stdout);
  const auto t_sim = Clock::now();
  Rng rng(2024);
  const Sim sim = make_genes(scale, n_genes, rng);
  const std::string gtf = W + "/genes.gtf";
  write_gtf(sim, gtf);
  std::vector<std::string> bams, bws;
  std::string sheet_bam = "cell,assay,path\n", sheet_bw = "cell,assay,path\n";
  for (const char* cell : {"CellA", "CellB"})
    for (const std::string& m : marks) {
      const std::string stem = W + "/" + cell + "." + m;
      if (!reuse) {
        write_bam(sim, stem + ".bam", n_reads, rng, threads);
        write_bigwig(sim, stem + ".bw", rng);
      }
      bams.push_back(stem + ".bam");
      bws.push_back(stem + ".bw");
      sheet_bam += std::string(cell) + "," + m + "," + fs::absolute(stem + ".bam").string() + "\n";
      sheet_bw += std::string(cell) + "," + m + "," + fs::absolute(stem + ".bw").string() + "\n";
    }
  std::ofstream(W + "/bam.csv") << sheet_bam;
  std::ofstream(W + "/bigwig.csv") << sheet_bw;
  std::uintmax_t bam_bytes = 0;
  for (const auto& b : bams) bam_bytes += fs::file_size(b);
  std::printf("simulated in %.1fs; BAMs %.0f MB in all\n\n", std::chrono::duration<double>(Clock::now() - t_sim).count(),
              static_cast<double>(bam_bytes) / 1e6);
  std::fflush(stdout);

  // Every timed run reads warm files: read them all once first (the page cache), so the
  // order of the runs does not decide who pays for the disk.
  {
    std::string cmd = "cat " + gtf;
    for (const auto& b : bams) cmd += " " + b + " " + b + ".bai";
    for (const auto& b : bws) cmd += " " + b;
    run_seconds(cmd + " > /dev/null");
  }
  // BAM side. "reading" is prepare's own clock for the counting phase (what samtools view -c
  // compares with); the rest is parsing the annotation and writing DIR (fsynced CSVs).
  const Ours idx = prepare_seconds(W + "/bam.csv", gtf, W + "/out_bam", threads, true);
  const Ours seq = prepare_seconds(W + "/bam.csv", gtf, W + "/out_bam_seq", threads, false);
  const Ours seq_nc = prepare_seconds(W + "/bam.csv", gtf, W + "/out_bam_seq_nc", threads, false, false);
  const double ours_idx = idx.total;
  std::printf("%-58s %9s %9s\n", "BAM: 10 files", "seconds", "vs ours");
  std::printf("%-58s %9.2f %9s   (reading %.2f, writing %.2f)\n", "deepdiff prepare (indexed: windows only)", idx.total,
              "1.00", idx.reading, idx.writing);
  std::printf("%-58s %9.2f %9.2f   (reading %.2f, writing %.2f)\n", "deepdiff prepare --ignore-index (every read)",
              seq.total, seq.total / ours_idx, seq.reading, seq.writing);
  std::printf("%-58s %9.2f %9.2f   (reading %.2f, writing %.2f)\n", "deepdiff prepare --ignore-index --no-checksums",
              seq_nc.total, seq_nc.total / ours_idx, seq_nc.reading, seq_nc.writing);
  std::fflush(stdout);
  if (have("samtools")) {
    double t = 0;
    for (const auto& b : bams) t += run_seconds("samtools view -c -@ " + std::to_string(threads) + " " + b + " >/dev/null");
    std::printf("%-58s %9.2f %9.2f\n", "samtools view -c -@N (floor: reading)", t, t / ours_idx);
    std::printf("  reading phase / floor: indexed %.2fx, every read %.2fx, every read without checksums %.2fx\n",
                idx.reading / t, seq.reading / t, seq_nc.reading / t);
  } else {
    std::printf("samtools view -c: skipped (samtools is not installed)\n");
  }
  std::fflush(stdout);
  // The baselines cost seconds per gene: they run on `base` genes spread over the genome and
  // on 1 gene (their fixed start-up cost), and their time for all genes is extrapolated
  // linearly from the two: t1 + (tN - t1) * (G - 1) / (N - 1). --baseline-genes 0: all genes.
  int base = a["baseline-genes"].as<int>();
  if (quick) base = 4;
  if (base <= 1 || base > n_genes) base = n_genes;
  auto write_subset = [&](int n, const std::string& tag) {
    std::ofstream f(W + "/bins." + tag + ".bed");
    std::ofstream r(W + "/genes." + tag + ".bed");
    const std::int64_t half = 100 * 100 / 2;
    for (int k = 0; k < n; ++k) {
      const Gene& g = sim.genes[static_cast<std::size_t>(static_cast<long long>(k) * n_genes / n)];
      r << g.chrom << '\t' << g.start << '\t' << g.end << '\t' << g.id << "\t0\t" << g.strand << '\n';
      std::int64_t len = 0;
      for (const auto& c : sim.chroms)
        if (c.first == g.chrom) len = c.second;
      for (int t = 0; t < 200; ++t) {  // genomic order, clipped to the chromosome
        const std::int64_t s = std::max<std::int64_t>(g.tss() - half + t * 100, 0);
        const std::int64_t e = std::min<std::int64_t>(g.tss() - half + (t + 1) * 100, len);
        if (s < e) f << g.chrom << '\t' << s << '\t' << e << '\n';
      }
    }
  };
  write_subset(base, "base");
  write_subset(1, "one");
  const bool extrapolate = base < n_genes;
  auto scaled = [&](double t1, double tn) {
    return extrapolate ? t1 + (tn - t1) * static_cast<double>(n_genes - 1) / static_cast<double>(base - 1) : tn;
  };
  const std::string how = extrapolate ? " [from " + std::to_string(base) + " genes]" : "";
  if (a.count("no-multicov")) {
    std::printf("bedtools multicov: skipped (--no-multicov)\n");
  } else if (have("bedtools")) {
    auto multicov = [&](const std::string& tag) {
      double t = 0;
      for (int c = 0; c < 2; ++c) {
        std::string cmd = "bedtools multicov -bams";
        for (int m = 0; m < 5; ++m) cmd += " " + bams[static_cast<std::size_t>(c * 5 + m)];
        t += run_seconds(cmd + " -bed " + W + "/bins." + tag + ".bed > " + W + "/multicov.txt");
      }
      return t;
    };
    const double t = extrapolate ? scaled(multicov("one"), multicov("base")) : multicov("base");
    std::printf("%-58s %9.2f %9.2f\n", ("bedtools multicov (2 x 5 BAMs, 1 thread)" + how).c_str(), t, t / ours_idx);
  } else {
    std::printf("bedtools multicov: skipped (bedtools is not installed)\n");
  }
  std::fflush(stdout);

  // bigWig side.
  const Ours bw = prepare_seconds(W + "/bigwig.csv", gtf, W + "/out_bw", threads, true);
  const double ours_bw = bw.total;
  std::printf("\n%-58s %9s %9s\n", "bigWig: 10 files", "seconds", "vs ours");
  std::printf("%-58s %9.2f %9s   (reading %.2f, writing %.2f)\n", "deepdiff prepare", bw.total, "1.00", bw.reading,
              bw.writing);
  if (a.count("no-computematrix")) {
    std::printf("computeMatrix: skipped (--no-computematrix)\n");
  } else if (have("computeMatrix")) {
    auto cm = [&](const std::string& tag) {
      std::string cmd = "computeMatrix reference-point --referencePoint TSS -b 10000 -a 10000 --binSize 100 "
                        "--missingDataAsZero --sortRegions keep -p " + std::to_string(threads) + " -R " + W + "/genes." +
                        tag + ".bed -S";
      for (const auto& b : bws) cmd += " " + b;
      return run_seconds(cmd + " -o " + W + "/matrix.gz --outFileNameMatrix " + W + "/matrix.tab 2>/dev/null");
    };
    const double t = extrapolate ? scaled(cm("one"), cm("base")) : cm("base");
    std::printf("%-58s %9.2f %9.2f\n", ("computeMatrix reference-point -p N" + how).c_str(), t, t / ours_bw);
  } else {
    std::printf("computeMatrix: skipped (python3-deeptools is not installed)\n");
  }
  if (!a.count("keep")) fs::remove_all(W);
  return 0;
}
