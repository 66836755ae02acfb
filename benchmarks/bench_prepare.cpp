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
//
//   bench_prepare --remc       REMC scale (issue 24): Roadmap's plain-gzip tagAlign reads, see
//                              the comment above run_remc below (--remc --quick: CI smoke run)
#include <cxxopts.hpp>

#include <deepdiff/genomics/prepare.hpp>

#include <bigWig.h>
#include <htslib/sam.h>
#include <omp.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <unordered_map>
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

// ---------------------------------------------------------------------------------------------
// REMC scale (issue 24): Roadmap's consolidated reads are plain-gzip tagAlign files
// (`chr1<TAB>10004<TAB>10040<TAB>N<TAB>1000<TAB>+`, 36-bp reads, sorted by chromosome name as
// text -- chr1, chr10, ..., chr9, chrX -- and position; 20-60 M reads each; 45 of them for nine
// cells x five marks). This mode simulates CELLS x 5 such files on the hg19 chromosome sizes
// (zlib level 6, gzip's default), reads concentrated around the TSSs of the project's real
// gene windows (data/roadmap/GeneFile.txt.gz) and weighted by the cells' real expression
// (data/roadmap/57epigenomes.N.pc.gz, columns E003, E123, ...), and times in one run:
//   the floor       `zcat FILE | wc -l` per file, summed (and pigz -dc when installed)
//   one file        run_task on one file on one thread (the library's reading loop alone) vs that
//                   file's zcat | wc -l; split into inflate + line split (TextLines) and zlib alone
//   end to end      prepare_data_root on the 10 files, --threads 1 and 2 without checksums, 2
//                   with checksums, and 2 beside a busy-loop process; each in a child process
//                   (fork), whose peak RSS wait4 reports
//   the authors'    `bedtools intersect -c -a BINS -b FILE` (BINS: all 200 bins of every window)
//   route           on one file, and `-sorted -c`, which streams
//   correctness     our counts of that file (all bins) against both bedtools outputs, and the
//                   data root's CSVs for CHECK genes x 200 bins x 5 marks of the first cell
//                   against `bedtools intersect -sorted -c`: exit 1 on any mismatch
//   an estimate     nine cells, 45 files, on THREADS cores from the measured per-file rates
// Targets: one file on one thread <= 1.2x its zcat | wc -l; 2 threads on the 10 files <= 1.2x
// of (summed floor) / 2.
namespace remc {

// hg19 (GRCh37) chromosome lengths, chr1..chr22 and chrX, in bp.
const std::vector<std::pair<std::string, std::int64_t>> kHg19 = {
    {"chr1", 249250621}, {"chr2", 243199373}, {"chr3", 198022430}, {"chr4", 191154276}, {"chr5", 180915260},
    {"chr6", 171115067}, {"chr7", 159138663}, {"chr8", 146364022}, {"chr9", 141213431}, {"chr10", 135534747},
    {"chr11", 135006516}, {"chr12", 133851895}, {"chr13", 115169878}, {"chr14", 107349540}, {"chr15", 102531392},
    {"chr16", 90354753}, {"chr17", 81195210}, {"chr18", 78077248}, {"chr19", 59128983}, {"chr20", 63025520},
    {"chr21", 48129895}, {"chr22", 51304566}, {"chrX", 155270560}};

// The paper's nine REMC cells (docs/prepare.md section 7); --cells N takes the first N.
const std::vector<std::string> kCells = {"E003", "E123", "E004", "E005", "E006", "E007", "E037", "E038", "E116"};
constexpr int kReadLength = 36;
constexpr int kBins = 200;
constexpr std::int64_t kBinSize = 100;

// How a mark's reads lie (not exact biology; mark_names() order H3K4me1 H3K4me3 H3K9me3
// H3K27me3 H3K36me3): `signal` of the reads near genes, drawn per gene in proportion to a
// weight of its expression x = log2(e + 1), the rest uniform over the genome.
//   H3K4me1   flanking the TSS: +/- (1 kb + |N(0, 2.5 kb)|), weight 0.5 + 0.5 x
//   H3K4me3   sharp at the TSS: N(0, 700 bp), weight 0.2 + x
//   H3K9me3   broad: N(0, 20 kb), weight 1 (mostly background)
//   H3K27me3  broad: N(0, 6 kb), weight 1 / (1 + x) (silent genes)
//   H3K36me3  over the gene body: uniform over [TSS, TSS + L) downstream, L 2-100 kb; weight
//             0.05 + x. A window file has no strand or gene end: both come from a hash of the
//             gene id (the same for every cell).
const double kSignal[5] = {0.30, 0.50, 0.10, 0.25, 0.35};

double mark_weight(int mark, double x) {
  switch (mark) {
    case 0: return 0.5 + 0.5 * x;
    case 1: return 0.2 + x;
    case 2: return 1.0;
    case 3: return 1.0 / (1.0 + x);
    default: return 0.05 + x;
  }
}

std::uint64_t fnv(const std::string& s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

struct SimGene {
  int chrom = 0;  // index into kHg19
  std::int64_t tss = 0;
  int dir = 1;    // +1 / -1 (from the id)
  std::int64_t body = 0;
  std::string id;
};

std::vector<SimGene> sim_genes(const std::vector<Gene>& genes) {
  std::vector<SimGene> out;
  for (const Gene& g : genes) {
    int c = -1;
    for (std::size_t k = 0; k < kHg19.size(); ++k)
      if (kHg19[k].first == g.chrom) c = static_cast<int>(k);
    if (c < 0) continue;  // chrY and others: no reads simulated there
    const std::uint64_t h = fnv(g.id);
    SimGene s;
    s.chrom = c;
    s.tss = g.tss();
    s.dir = (h & 1) ? 1 : -1;
    s.body = static_cast<std::int64_t>(std::exp(std::log(2000.0) + static_cast<double>((h >> 8) % 10000) / 10000.0 *
                                                                       (std::log(100000.0) - std::log(2000.0))));
    s.id = g.id;
    out.push_back(s);
  }
  return out;
}

// One sorted gzip tagAlign file of exactly n reads (written to PATH.tmp, renamed when complete).
void write_tagalign(const std::string& path, const std::vector<SimGene>& genes, const std::vector<double>& x, int mark,
                    long long n, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<std::vector<std::uint32_t>> pos(kHg19.size());
  double sw = 0;
  std::vector<double> w(genes.size());
  for (std::size_t g = 0; g < genes.size(); ++g) sw += (w[g] = mark_weight(mark, x[g]));
  long long placed = 0;
  const double signal = static_cast<double>(n) * kSignal[mark];
  for (std::size_t g = 0; g < genes.size() && sw > 0; ++g) {
    const SimGene& G = genes[g];
    const double lambda = signal * w[g] / sw;
    const long long k = static_cast<long long>(lambda) + (rng.uniform() < lambda - std::floor(lambda) ? 1 : 0);
    const std::int64_t last = kHg19[static_cast<std::size_t>(G.chrom)].second - kReadLength;
    for (long long i = 0; i < k && placed < n; ++i, ++placed) {
      double off = 0;
      switch (mark) {
        case 0: off = (1000.0 + std::fabs(rng.normal()) * 2500.0) * (rng.below(2) ? 1 : -1); break;
        case 1: off = rng.normal() * 700.0; break;
        case 2: off = rng.normal() * 20000.0; break;
        case 3: off = rng.normal() * 6000.0; break;
        default: off = G.dir * rng.uniform() * static_cast<double>(G.body); break;
      }
      const std::int64_t p = std::clamp<std::int64_t>(G.tss + static_cast<std::int64_t>(std::llround(off)), 0, last);
      pos[static_cast<std::size_t>(G.chrom)].push_back(static_cast<std::uint32_t>(p));
    }
  }
  std::int64_t genome = 0;
  for (const auto& c : kHg19) genome += c.second;
  const long long background = n - placed;
  long long given = 0;
  for (std::size_t c = 0; c < kHg19.size(); ++c) {
    const long long nb = c + 1 == kHg19.size()
                             ? background - given
                             : std::llround(static_cast<double>(background) * static_cast<double>(kHg19[c].second) /
                                            static_cast<double>(genome));
    given += nb;
    const std::uint64_t span = static_cast<std::uint64_t>(kHg19[c].second - kReadLength + 1);
    for (long long i = 0; i < nb; ++i) pos[c].push_back(static_cast<std::uint32_t>(rng.below(span)));
  }
  // Roadmap's order: chromosome names as text (chr1, chr10, ..., chr9, chrX), then position.
  std::vector<std::size_t> order(kHg19.size());
  for (std::size_t c = 0; c < order.size(); ++c) order[c] = c;
  std::sort(order.begin(), order.end(), [](std::size_t a, std::size_t b) { return kHg19[a].first < kHg19[b].first; });
  const std::string tmp = path + ".tmp";
  gzFile gz = gzopen(tmp.c_str(), "wb6");
  if (!gz) throw std::runtime_error("cannot write " + tmp);
  gzbuffer(gz, 1 << 18);
  std::string buf;
  buf.reserve((1 << 20) + 256);
  auto flush = [&] {
    if (!buf.empty() && gzwrite(gz, buf.data(), static_cast<unsigned>(buf.size())) != static_cast<int>(buf.size()))
      throw std::runtime_error("cannot write " + tmp);
    buf.clear();
  };
  std::uint64_t strands = 0;
  int left = 0;
  for (const std::size_t c : order) {
    std::vector<std::uint32_t>& v = pos[c];
    std::sort(v.begin(), v.end());
    const std::string& name = kHg19[c].first;
    for (const std::uint32_t p : v) {
      if (left == 0) strands = rng.next_u64(), left = 64;
      char num[24];
      buf += name;
      buf += '\t';
      buf.append(num, std::to_chars(num, num + sizeof num, p).ptr);
      buf += '\t';
      buf.append(num, std::to_chars(num, num + sizeof num, p + kReadLength).ptr);
      buf += (strands & 1) ? "\tN\t1000\t+\n" : "\tN\t1000\t-\n";
      strands >>= 1;
      --left;
      if (buf.size() >= (1 << 20)) flush();
    }
    std::vector<std::uint32_t>().swap(v);
  }
  flush();
  if (gzclose(gz) != Z_OK) throw std::runtime_error("cannot write " + tmp);
  fs::rename(tmp, path);
}

// A shell command (sh -c) in a child process: wall seconds and the peak RSS (kB) of the largest
// process of it that was waited for (wait4).
struct Proc {
  double seconds = 0;
  long rss_kb = 0;
};

Proc run_cmd(const std::string& cmd) {
  std::fflush(stdout);
  const auto t = Clock::now();
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  struct rusage ru {};
  if (wait4(pid, &status, 0, &ru) < 0) throw std::runtime_error("wait4 failed");
  Proc p{std::chrono::duration<double>(Clock::now() - t).count(), ru.ru_maxrss};
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error("failed: " + cmd);
  return p;
}

std::string read_text(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// prepare_data_root in a child process (so that its peak RSS is its own; the parent never
// starts OpenMP, so the child's OpenMP runtime starts fresh).
struct Ours {
  double seconds = 0, reading = 0, writing = 0;
  long rss_kb = 0;
  std::size_t peak_counted = 0, genes = 0;
};

Ours prepare_forked(const std::string& sheet, const std::string& genes, const std::string& out, int threads,
                    bool checksums) {
  fs::remove_all(out);
  struct Msg {
    double reading, writing;
    std::size_t peak, genes;
  };
  int fd[2];
  if (pipe(fd) != 0) throw std::runtime_error("pipe failed");
  std::fflush(stdout);
  const auto t = Clock::now();
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    close(fd[0]);
    try {
      PrepareOptions o;
      o.samplesheet = sheet;
      o.annotation = genes;
      o.out = out;
      o.threads = threads;
      o.checksums = checksums;
      const PrepareSummary s = prepare_data_root(o);
      const Msg m{s.read_seconds, s.write_seconds, s.peak_track_bytes, s.genes_used};
      if (write(fd[1], &m, sizeof m) != static_cast<ssize_t>(sizeof m)) _exit(3);
      _exit(0);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "prepare failed: %s\n", e.what());
      _exit(2);
    }
  }
  close(fd[1]);
  Msg m{};
  const ssize_t got = read(fd[0], &m, sizeof m);
  close(fd[0]);
  int status = 0;
  struct rusage ru {};
  if (wait4(pid, &status, 0, &ru) < 0) throw std::runtime_error("wait4 failed");
  const double secs = std::chrono::duration<double>(Clock::now() - t).count();
  if (got != static_cast<ssize_t>(sizeof m) || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error("prepare_data_root failed on " + sheet);
  return Ours{secs, m.reading, m.writing, ru.ru_maxrss, m.peak, m.genes};
}

// This process's resident memory now (MB): the pages a forked child starts with.
double own_rss_mb() {
  std::ifstream f("/proc/self/statm");
  long long pages = 0, resident = 0;
  f >> pages >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / 1e6;
}

std::string load_text() {
  std::ifstream f("/proc/loadavg");
  std::string a, b, c;
  f >> a >> b >> c;
  return a + " " + b + " " + c;
}

// Every bin of the given windows as BED, sorted like the reads (chromosome as text, start),
// named ROW*200+BIN so that bedtools' output (in this order) maps back to a gene and bin.
void write_bins(const std::string& path, const std::vector<Gene>& genes, const std::vector<std::size_t>& rows) {
  std::vector<std::tuple<std::string, std::int64_t, std::size_t>> b;  // chrom, start, name
  b.reserve(rows.size() * kBins);
  for (const std::size_t r : rows) {
    const Gene& g = genes[r];
    const std::int64_t s0 = g.tss() - kBins * kBinSize / 2;
    for (int t = 0; t < kBins; ++t) {
      const std::int64_t s = s0 + t * kBinSize;
      if (s >= 0) b.emplace_back(g.chrom, s, r * kBins + static_cast<std::size_t>(t));
    }
  }
  std::sort(b.begin(), b.end());
  std::ofstream f(path);
  std::string line;
  for (const auto& x : b) {
    line = std::get<0>(x) + '\t' + std::to_string(std::get<1>(x)) + '\t' + std::to_string(std::get<1>(x) + kBinSize) +
           '\t' + std::to_string(std::get<2>(x)) + '\n';
    f << line;
  }
}

// bedtools -c output (BINS's 4 columns + the count) -> name -> count.
std::vector<std::pair<std::size_t, std::uint64_t>> read_counts(const std::string& path) {
  std::vector<std::pair<std::size_t, std::uint64_t>> out;
  TextLines in(path);
  std::string_view l;
  std::vector<std::string_view> f;
  while (in.next(l)) {
    split_on(l, '\t', f);
    if (f.size() < 5) throw std::runtime_error(path + ": unexpected bedtools output line " + std::string(l));
    std::size_t name = 0;
    std::uint64_t c = 0;
    std::from_chars(f[3].data(), f[3].data() + f[3].size(), name);
    std::from_chars(f[4].data(), f[4].data() + f[4].size(), c);
    out.emplace_back(name, c);
  }
  return out;
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

int run_remc(const cxxopts::ParseResult& a) {
  const bool quick = a.count("quick") > 0;
  const long long n_reads = a.count("reads") ? a["reads"].as<long long>() : quick ? 100000 : 20000000;
  const int n_cells = a["cells"].as<int>();
  if (n_cells < 1 || n_cells > static_cast<int>(kCells.size())) {
    std::fprintf(stderr, "--cells must be 1..%zu\n", kCells.size());
    return 2;
  }
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  const int threads = a["threads"].as<int>() > 0 ? a["threads"].as<int>() : static_cast<int>(hw);
  const std::string W = a.count("work") ? a["work"].as<std::string>() : std::string("bench_prepare_remc_work");
  const std::string genes_path =
      a["genes"].as<std::string>().empty() ? std::string(DEEPDIFF_DATA_DIR "/roadmap/GeneFile.txt.gz")
                                           : a["genes"].as<std::string>();
  const std::string matrix = a["expression"].as<std::string>();
  const int check_genes = quick ? 20 : a["check-genes"].as<int>();
  if (!fs::exists(genes_path) || !fs::exists(matrix)) {
    std::printf("skipped: %s or %s is missing (the project's data/roadmap files; --genes / --expression give others)\n",
                genes_path.c_str(), matrix.c_str());
    return 77;
  }
  const std::vector<std::string>& marks = mark_names();

  // The work folder: ours (it holds remc.txt) or new; a reused one must match these settings.
  const std::string manifest = "reads " + std::to_string(n_reads) + "\ncells " + std::to_string(n_cells) + "\ngenes " +
                               fs::path(genes_path).filename().string() + " " +
                               std::to_string(fs::file_size(genes_path)) + "\nexpression " +
                               fs::path(matrix).filename().string() + " " + std::to_string(fs::file_size(matrix)) +
                               "\nquick " + std::to_string(quick) + "\nsimulation 1\n";
  std::error_code ec;
  if (fs::exists(W) && !fs::is_empty(W, ec) && !fs::exists(W + "/remc.txt")) {
    std::fprintf(stderr, "%s exists and was not made by bench_prepare --remc: give another --work\n", W.c_str());
    return 2;
  }
  const bool reuse = a.count("reuse") > 0 && read_text(W + "/remc.txt") == manifest;
  if (a.count("reuse") && !reuse) std::printf("--reuse: %s holds no files of these settings; simulating\n", W.c_str());
  if (!reuse) fs::remove_all(W);
  fs::create_directories(W);

  // Genes: the gene-window file (in --quick, every 66th window: ~300 genes).
  Annotation ann = read_annotation(genes_path);
  std::string annotation = fs::absolute(genes_path).string();
  if (quick) {
    std::vector<Gene> sub;
    for (std::size_t g = 0; g < ann.genes.size(); g += 66) sub.push_back(ann.genes[g]);
    ann.genes = sub;
    annotation = fs::absolute(W + "/genes.quick.txt").string();
    std::ofstream f(annotation);
    for (const Gene& g : ann.genes)
      f << g.chrom << '\t' << g.start << '\t' << g.end << '\t' << g.id << '_' << g.symbol << '\n';
  }
  const std::vector<Gene>& genes = ann.genes;
  const std::vector<SimGene> sgenes = sim_genes(genes);

  std::vector<std::string> cells(kCells.begin(), kCells.begin() + n_cells);
  std::vector<std::string> files;  // cell * 5 + mark
  std::string sheet = "cell,assay,path\n";
  for (const std::string& c : cells) {
    for (const std::string& m : marks) {
      files.push_back(fs::absolute(W + "/" + c + "-" + m + ".tagAlign.gz").string());
      sheet += c + "," + m + "," + files.back() + "\n";
    }
    sheet += c + ",expression," + fs::absolute(matrix).string() + "#" + c + "\n";
  }
  const std::string sheet_path = W + "/samples.csv";
  std::ofstream(sheet_path) << sheet;

  std::printf("REMC scale: %d cells x 5 marks, plain-gzip tagAlign (zlib level 6), %lld reads of %d bp each, hg19;\n"
              "%zu gene windows x %d bins of %lld bp (%s)\n",
              n_cells, n_reads, kReadLength, genes.size(), kBins, static_cast<long long>(kBinSize), genes_path.c_str());
  if (!reuse) {
    std::printf("simulating %zu files on %d threads ...\n", files.size(), threads);
    std::fflush(stdout);
    const auto t_sim = Clock::now();
    std::vector<std::vector<double>> xs(cells.size());
    for (std::size_t c = 0; c < cells.size(); ++c) {
      const ExpressionValues e = read_expression(matrix, cells[c]);
      for (const SimGene& g : sgenes) {
        const auto it = e.value.find(g.id);
        xs[c].push_back(it == e.value.end() ? 0.0 : std::log2(it->second + 1.0));
      }
    }
    std::atomic<std::size_t> next{0};
    std::vector<std::string> errors(files.size());
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&] {
        for (std::size_t f; (f = next++) < files.size();) {
          try {
            write_tagalign(files[f], sgenes, xs[f / 5], static_cast<int>(f % 5), n_reads,
                           fnv(cells[f / 5] + "/" + marks[f % 5]) ^ static_cast<std::uint64_t>(n_reads));
          } catch (const std::exception& e) {
            errors[f] = e.what();
          }
        }
      });
    for (auto& t : pool) t.join();
    for (const std::string& e : errors)
      if (!e.empty()) throw std::runtime_error(e);
    std::ofstream(W + "/remc.txt") << manifest;
    std::printf("simulated in %.1fs\n", seconds_since(t_sim));
  } else {
    std::printf("reusing the simulated files in %s\n", W.c_str());
  }
  std::uintmax_t bytes = 0;
  for (const std::string& f : files) bytes += fs::file_size(f);
  std::printf("%zu files, %.0f MB gzip in all (%.0f MB each)\n", files.size(), static_cast<double>(bytes) / 1e6,
              static_cast<double>(bytes) / 1e6 / static_cast<double>(files.size()));

  // Warm page cache for every timed run (the floor and ours read the same warm files).
  {
    std::string cmd = "cat " + annotation + " " + fs::absolute(matrix).string();
    for (const std::string& f : files) cmd += " " + f;
    run_cmd(cmd + " > /dev/null");
  }
  const std::string load_before = load_text();
  std::printf("\nload average before timing: %s (%u cores)\n", load_before.c_str(), hw);
  const bool have_pigz = have("pigz"), have_bedtools = have("bedtools");

  // ---- one file, one thread ----
  const std::string& one = files[0];
  const std::size_t one_bytes = fs::file_size(one);
  const SignalFile sf = inspect_signal(one);
  const GeneWindows win = make_windows(genes, kBins, kBinSize);
  const int reps = quick ? 1 : a["reps"].as<int>();
  double t_zcat = 1e300, t_pigz = 1e300, t_ours = 1e300, t_lines = 1e300, t_zlib = 1e300;
  Track track;
  TaskStats stats;
  long long zcat_lines = 0;
  for (int r = 0; r < reps; ++r) {
    t_zcat = std::min(t_zcat, run_cmd("zcat " + one + " | wc -l > " + W + "/wc.txt").seconds);
    zcat_lines = std::atoll(read_text(W + "/wc.txt").c_str());
    if (have_pigz) t_pigz = std::min(t_pigz, run_cmd("pigz -dc " + one + " | wc -l > /dev/null").seconds);
    {
      Track tr(sf.format, static_cast<std::size_t>(win.rows) * kBins);
      const auto t = Clock::now();
      stats = run_task(sf, SignalTask{0, -1}, win, tr, 1);
      t_ours = std::min(t_ours, seconds_since(t));
      track = std::move(tr);
    }
    {
      const auto t = Clock::now();
      TextLines in(one);
      std::string_view l;
      std::size_t n = 0;
      while (in.next(l)) n += l.size();
      t_lines = std::min(t_lines, seconds_since(t));
      if (n == 0) std::printf("(empty)\n");
    }
    {
      const auto t = Clock::now();
      gzFile gz = gzopen(one.c_str(), "rb");
      gzbuffer(gz, 1 << 17);
      std::vector<char> buf(1 << 20);
      long long nl = 0;
      int got;
      while ((got = gzread(gz, buf.data(), static_cast<unsigned>(buf.size()))) > 0)
        nl += std::count(buf.data(), buf.data() + got, '\n');
      gzclose(gz);
      t_zlib = std::min(t_zlib, seconds_since(t));
      if (nl != zcat_lines) std::printf("zlib counted %lld lines, zcat | wc -l %lld\n", nl, zcat_lines);
    }
  }
  if (static_cast<long long>(stats.records) != n_reads || zcat_lines != n_reads)
    throw std::runtime_error("expected " + std::to_string(n_reads) + " reads in " + one + ": run_task read " +
                             std::to_string(stats.records) + ", zcat | wc -l " + std::to_string(zcat_lines));
  if (a.count("one-file-only")) {
    std::printf("one file: zcat | wc -l %.2fs, run_task %.2fs (%.2fx), TextLines %.2fs, zlib %.2fs\n", t_zcat, t_ours,
                t_ours / t_zcat, t_lines, t_zlib);
    if (!a.count("keep")) fs::remove_all(W);
    return 0;
  }

  // ---- the floor over all files ----
  double floor_sum = 0, pigz_sum = 0;
  for (const std::string& f : files) {
    floor_sum += run_cmd("zcat " + f + " | wc -l > /dev/null").seconds;
    if (have_pigz) pigz_sum += run_cmd("pigz -dc " + f + " | wc -l > /dev/null").seconds;
  }

  // ---- end to end ----
  const std::string out1 = W + "/out_t1", out2 = W + "/out_t2", out2c = W + "/out_t2_checksums";
  const std::string out2b = W + "/out_t2_busy";
  const Ours o1 = prepare_forked(sheet_path, annotation, out1, 1, false);
  fs::remove_all(out1);
  const Ours o2 = prepare_forked(sheet_path, annotation, out2, 2, false);  // kept for the check below
  const Ours o2c = prepare_forked(sheet_path, annotation, out2c, 2, true);
  fs::remove_all(out2c);
  // Beside a busy loop (one core taken by another process, as on a shared machine).
  Ours o2b;
  {
    std::fflush(stdout);
    const pid_t busy = fork();
    if (busy == 0) {
      volatile unsigned long long spin = 0;
      for (;;) spin = spin + 1;
    }
    try {
      o2b = prepare_forked(sheet_path, annotation, out2b, 2, false);
    } catch (...) {
      kill(busy, SIGKILL);
      waitpid(busy, nullptr, 0);
      throw;
    }
    kill(busy, SIGKILL);
    waitpid(busy, nullptr, 0);
    fs::remove_all(out2b);
  }
  const double parent_mb = own_rss_mb();
  // The program itself, as a user runs it (its peak RSS is its own; prepare.json's
  // peak_counted_bytes is what it held of counts).
  Proc cli{};
  bool cli_run = false;
  std::size_t cli_counted = 0;
#ifdef DEEPDIFF_CLI
  if (fs::exists(DEEPDIFF_CLI)) {
    const std::string outc = W + "/out_cli";
    fs::remove_all(outc);
    cli = run_cmd(std::string(DEEPDIFF_CLI) + " prepare --samples " + sheet_path + " --genes " + annotation + " --out " +
                  outc + " --threads 2 --no-checksums --quiet");
    cli_run = true;
    cli_counted = nlohmann::json::parse(read_text(outc + "/prepare.json")).at("peak_counted_bytes").get<std::size_t>();
    fs::remove_all(outc);
  }
#endif
  const std::string load_after_ours = load_text();

  // ---- the authors' route, and correctness ----
  long long mismatches = 0, compared = 0;
  Proc bt{}, bts{};
  bool bt_run = false;
  const bool no_unsorted = a.count("no-unsorted-bedtools") > 0;
  std::vector<std::string> check_notes;
  if (have_bedtools) {
    std::vector<std::size_t> all(genes.size());
    for (std::size_t r = 0; r < all.size(); ++r) all[r] = r;
    const std::string bins = W + "/bins.all.bed";
    write_bins(bins, genes, all);
    auto compare_track = [&](const std::string& out, const std::string& what) {
      long long n = 0, bad = 0;
      for (const auto& p : read_counts(out)) {
        ++n;
        if (track.counts[p.first] != p.second) {
          if (bad < 5)
            std::printf("  MISMATCH %s: %s bin %zu: ours %u, bedtools %llu\n", what.c_str(), genes[p.first / kBins].id.c_str(),
                        p.first % kBins + 1, track.counts[p.first], static_cast<unsigned long long>(p.second));
          ++bad;
        }
      }
      compared += n;
      mismatches += bad;
      check_notes.push_back(what + ": " + std::to_string(n) + " counts compared, " + std::to_string(bad) + " mismatches");
    };
    if (!no_unsorted) {
      bt = run_cmd("bedtools intersect -c -a " + bins + " -b " + one + " > " + W + "/bt.txt");
      bt_run = true;
      compare_track(W + "/bt.txt", "ours (run_task, " + fs::path(one).filename().string() + ") vs bedtools intersect -c, every bin");
      fs::remove(W + "/bt.txt");
    }
    bts = run_cmd("bedtools intersect -sorted -c -a " + bins + " -b " + one + " > " + W + "/bts.txt");
    compare_track(W + "/bts.txt", "ours (run_task) vs bedtools intersect -sorted -c, every bin");
    fs::remove(W + "/bts.txt");

    // The data root's CSVs (the 2-thread run) for CHECK genes of the first cell, five marks.
    std::unordered_map<std::string, std::size_t> row_of;
    for (std::size_t r = 0; r < genes.size(); ++r) row_of.emplace(genes[r].id, r);
    std::vector<std::string> used;
    {
      TextLines in(out2 + "/genes.tsv");
      std::string_view l;
      std::vector<std::string_view> f;
      while (in.next(l)) {
        split_on(l, '\t', f);
        if (in.line() > 1 && f.size() >= 6 && f[5] != "unused") used.emplace_back(f[0]);
      }
    }
    std::vector<std::size_t> rows;
    const std::size_t k = std::max<std::size_t>(1, used.size() / static_cast<std::size_t>(std::max(check_genes, 1)));
    for (std::size_t i = 0; i < used.size() && rows.size() < static_cast<std::size_t>(check_genes); i += k) rows.push_back(row_of.at(used[i]));
    std::sort(rows.begin(), rows.end());
    write_bins(W + "/bins.check.bed", genes, rows);
    // ours: row*200+bin -> the five values of the first cell
    std::unordered_map<std::size_t, std::array<std::uint64_t, 5>> csv;
    std::unordered_map<std::size_t, char> chosen;
    for (const std::size_t r : rows) chosen[r] = 1;
    for (const char* split : {"train", "valid", "test"}) {
      TextLines in(out2 + "/" + cells[0] + "." + split + ".csv");
      std::string_view l;
      std::vector<std::string_view> f;
      while (in.next(l)) {
        split_on(l, ',', f);
        const std::string_view name = f[0];
        const std::size_t u = name.find('_'), v = name.rfind('_');
        const auto it = row_of.find(std::string(name.substr(0, u)));
        if (it == row_of.end() || !chosen.count(it->second)) continue;
        std::size_t bin = 0;
        std::from_chars(name.data() + v + 1, name.data() + name.size(), bin);
        std::array<std::uint64_t, 5> vals{};
        for (int m = 0; m < 5; ++m) std::from_chars(f[m + 1].data(), f[m + 1].data() + f[m + 1].size(), vals[m]);
        csv[it->second * kBins + bin - 1] = vals;
      }
    }
    long long n = 0, bad = 0;
    for (int m = 0; m < 5; ++m) {
      const std::string outm = W + "/check." + marks[m] + ".txt";
      run_cmd("bedtools intersect -sorted -c -a " + W + "/bins.check.bed -b " + files[m] + " > " + outm);
      for (const auto& p : read_counts(outm)) {
        ++n;
        const auto it = csv.find(p.first);
        if (it == csv.end() || it->second[m] != p.second) {
          if (bad < 5)
            std::printf("  MISMATCH %s %s: %s bin %zu: ours %s, bedtools %llu\n", cells[0].c_str(), marks[m].c_str(),
                        genes[p.first / kBins].id.c_str(), p.first % kBins + 1,
                        it == csv.end() ? "(missing)" : std::to_string(it->second[m]).c_str(),
                        static_cast<unsigned long long>(p.second));
          ++bad;
        }
      }
    }
    compared += n;
    mismatches += bad;
    check_notes.push_back("data root " + cells[0] + " CSVs, " + std::to_string(rows.size()) + " genes x " +
                          std::to_string(kBins) + " bins x 5 marks vs bedtools intersect -sorted -c: " + std::to_string(n) +
                          " counts compared, " + std::to_string(bad) + " mismatches");
    if (n != static_cast<long long>(rows.size()) * kBins * 5) {
      check_notes.push_back("expected " + std::to_string(rows.size() * kBins * 5) + " counts");
      ++mismatches;
    }
  }
  fs::remove_all(out2);

  // ---- the table ----
  const double nf = static_cast<double>(files.size());
  std::printf("\nload average: %s before timing, %s after ours, %s at the end\n", load_before.c_str(), load_after_ours.c_str(),
              load_text().c_str());
  std::printf("\n%-66s %9s %8s\n", ("one file: " + fs::path(one).filename().string() + ", " + std::to_string(n_reads) +
                                    " reads, " + std::to_string((one_bytes + 500000) / 1000000) + " MB")
                                       .c_str(),
              "seconds", "ratio");
  std::printf("%-66s %9.2f %8.2f\n", "zcat FILE | wc -l (the floor)", t_zcat, 1.0);
  if (have_pigz) std::printf("%-66s %9.2f %8.2f\n", "pigz -dc FILE | wc -l", t_pigz, t_pigz / t_zcat);
  else std::printf("%-66s   skipped (pigz is not installed)\n", "pigz -dc FILE | wc -l");
  std::printf("%-66s %9.2f %8.2f   target <= 1.2: %s\n", "ours: run_task, 1 thread (inflate, parse, count)", t_ours,
              t_ours / t_zcat, t_ours / t_zcat <= 1.2 ? "met" : "MISSED");
  std::printf("%-66s %9.2f %8.2f\n", "  of which inflate + split lines (TextLines alone)", t_lines, t_lines / t_zcat);
  std::printf("%-66s %9.2f %8.2f\n", "  zlib gzread + count newlines (inflate alone)", t_zlib, t_zlib / t_zcat);
  if (have_bedtools) {
    if (bt_run)
      std::printf("%-66s %9.2f %7.0fx   (peak RSS %.2f GB)\n",
                  ("bedtools intersect -c -a BINS -b FILE (" + std::to_string(win.rows * kBins / 1000) + " k bins)").c_str(),
                  bt.seconds, bt.seconds / t_ours, static_cast<double>(bt.rss_kb) / 1e6);
    else
      std::printf("%-66s   skipped (--no-unsorted-bedtools)\n", "bedtools intersect -c -a BINS -b FILE");
    std::printf("%-66s %9.2f %7.0fx   (peak RSS %.2f GB)\n", "bedtools intersect -sorted -c -a BINS -b FILE", bts.seconds,
                bts.seconds / t_ours, static_cast<double>(bts.rss_kb) / 1e6);
    std::printf("%-66s\n", "  (bedtools ratios: bedtools / ours on one thread)");
  } else {
    std::printf("bedtools intersect: skipped (bedtools is not installed)\n");
  }
  std::printf("\n%-66s %9s %8s\n",
              (std::to_string(files.size()) + " files (" + std::to_string((bytes + 500000) / 1000000) + " MB), end to end").c_str(),
              "seconds", "ratio");
  std::printf("%-66s %9.2f %8.2f\n", "zcat | wc -l, one file after another, summed (the floor F)", floor_sum, 1.0);
  if (have_pigz) std::printf("%-66s %9.2f %8.2f\n", "pigz -dc | wc -l, summed", pigz_sum, pigz_sum / floor_sum);
  else std::printf("%-66s   skipped (pigz is not installed)\n", "pigz -dc | wc -l, summed");
  auto row = [&](const char* what, const Ours& o, double ref, const char* vs) {
    std::printf("%-66s %9.2f %8.2f   %s; counting + writing cells %.2f, rest %.2f; peak RSS %.0f MB\n", what, o.seconds,
                o.seconds / ref, vs, o.reading, o.seconds - o.reading, static_cast<double>(o.rss_kb) / 1e3);
  };
  row("ours: prepare_data_root, --threads 1, no checksums", o1, floor_sum, "vs F");
  row("ours: prepare_data_root, --threads 2, no checksums", o2, floor_sum / 2, "vs F/2");
  row("ours: prepare_data_root, --threads 2, with checksums", o2c, floor_sum / 2, "vs F/2");
  row("ours: --threads 2, no checksums, beside a busy-loop process", o2b, floor_sum / 2, "vs F/2 (idle floor)");
  if (cli_run)
    std::printf("%-66s %9.2f %8.2f   vs F/2; peak RSS %.0f MB (wait4, as /usr/bin/time's %%M)\n",
                "deepdiff prepare --threads 2 --no-checksums (the program)", cli.seconds, cli.seconds / (floor_sum / 2),
                static_cast<double>(cli.rss_kb) / 1e3);
  else
    std::printf("%-66s   skipped (build the deepdiff_cli target)\n", "deepdiff prepare (the program)");
  std::printf("  (the library rows run in a forked child: their peak RSS includes the %.0f MB this benchmark held when "
              "it forked)\n",
              parent_mb);
  std::printf("  2 threads vs F/2: %.2fx, target <= 1.2: %s; checksums cost %.2fs (+%.0f%%); busy loop beside: %.2fx the "
              "idle run\n",
              o2.seconds / (floor_sum / 2), o2.seconds / (floor_sum / 2) <= 1.2 ? "met" : "MISSED", o2c.seconds - o2.seconds,
              100.0 * (o2c.seconds / o2.seconds - 1), o2b.seconds / o2.seconds);
  std::printf("  peak counted bytes (prepare.json peak_counted_bytes): %zu (%.0f MB) at 2 threads, %zu at 1%s; genes used "
              "%zu\n",
              o2.peak_counted, static_cast<double>(o2.peak_counted) / 1e6, o1.peak_counted,
              cli_run ? (", the program's prepare.json " + std::to_string(cli_counted)).c_str() : "", o2.genes);
  // Nine cells, 45 files: the measured per-file rates times 45 (an estimate, not a run).
  const double per_file2 = o2.seconds / nf, per_file1 = o1.seconds / nf, floor_file = floor_sum / nf;
  const double roadmap = 40e6 / static_cast<double>(n_reads);  // Roadmap's files hold 20-60 M reads
  std::printf("\nESTIMATE, not measured: nine cells x 5 marks = 45 files on %d cores, from the per-file rates above:\n", 2);
  std::printf("  at %lld reads a file: ours --threads 2 %.0fs (%.1f min), --threads 1 %.0fs; floor 45 x zcat / 2 = %.0fs\n",
              n_reads, 45 * per_file2, 45 * per_file2 / 60, 45 * per_file1, 45 * floor_file / 2);
  std::printf("  at 40 M reads a file (Roadmap's 20-60 M), scaled by reads: ours --threads 2 %.0fs (%.1f min); floor %.0fs\n",
              45 * per_file2 * roadmap, 45 * per_file2 * roadmap / 60, 45 * floor_file / 2 * roadmap);
  if (have_bedtools && bt_run)
    std::printf("  the authors' route, bedtools intersect -c one file at a time: 45 x %.0fs = %.1f h (%.1f h at 40 M reads)\n",
                bt.seconds, 45 * bt.seconds / 3600, 45 * bt.seconds * roadmap / 3600);

  std::printf("\ncorrectness:\n");
  if (!have_bedtools) std::printf("  not checked: bedtools is not installed\n");
  for (const std::string& n : check_notes) std::printf("  %s\n", n.c_str());
  std::printf("  in all: %lld counts compared, %lld mismatches\n", compared, mismatches);
  if (!a.count("keep")) fs::remove_all(W);
  return mismatches ? 1 : 0;
}

}  // namespace remc

int main(int argc, char** argv) {
  cxxopts::Options opts("bench_prepare", "deepdiff prepare vs samtools view -c, bedtools multicov, computeMatrix");
  opts.add_options()("quick", "smoke run of seconds (CI)")(
      "genes", "BAM mode: number of simulated genes (20000); --remc: the gene-window file (default "
      "data/roadmap/GeneFile.txt.gz)", cxxopts::value<std::string>()->default_value(""))(
      "reads", "reads per file (BAM mode 5000000; --remc 20000000)", cxxopts::value<long long>())(
      "threads", "threads for every tool (0: all cores)", cxxopts::value<int>()->default_value("0"))(
      "work", "folder for the simulated files (default bench_prepare_work; --remc bench_prepare_remc_work)",
      cxxopts::value<std::string>())(
      "baseline-genes", "genes the bedtools/deepTools baselines run on (extrapolated to all; 0: all genes)",
      cxxopts::value<int>()->default_value("200"))(
      "no-multicov", "skip bedtools multicov (the slowest baseline)")("no-computematrix", "skip computeMatrix")(
      "reuse", "with --keep before: reuse WORK's simulated files (same --genes/--reads/--quick!)")(
      "keep", "keep the simulated files (WORK/bam.csv, WORK/bigwig.csv, WORK/genes.gtf) for other runs")(
      "remc", "REMC scale: plain-gzip tagAlign on hg19 vs zcat | wc -l and bedtools intersect -c (see the source)")(
      "cells", "--remc: cells (E003, E123, E004, ...; 1-9)", cxxopts::value<int>()->default_value("2"))(
      "expression", "--remc: the expression matrix (columns E003, E123, ...)",
      cxxopts::value<std::string>()->default_value(DEEPDIFF_DATA_DIR "/roadmap/57epigenomes.N.pc.gz"))(
      "check-genes", "--remc: genes of the data root checked against bedtools (x 200 bins x 5 marks)",
      cxxopts::value<int>()->default_value("200"))(
      "reps", "--remc: runs of the one-file timings (the fastest is reported)", cxxopts::value<int>()->default_value("3"))(
      "no-unsorted-bedtools", "--remc: skip bedtools intersect -c without -sorted (minutes, GBs of memory)")(
      "one-file-only", "--remc: only the one-file timings (for profiling)")("h,help", "help");
  const auto a = opts.parse(argc, argv);
  if (a.count("help")) {
    std::printf("%s\n", opts.help().c_str());
    return 0;
  }
  if (a.count("remc")) {
    try {
      return remc::run_remc(a);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "bench_prepare --remc: %s\n", e.what());
      return 1;
    }
  }
  const bool quick = a.count("quick") > 0;
  const int n_genes = quick ? 300 : a["genes"].as<std::string>().empty() ? 20000 : std::stoi(a["genes"].as<std::string>());
  const long long n_reads = quick ? 50000 : a.count("reads") ? a["reads"].as<long long>() : 5000000;
  const double scale = quick ? 1.0 / 200 : 1.0;
  const int threads = a["threads"].as<int>() > 0 ? a["threads"].as<int>() : omp_get_max_threads();
  const std::string W = a.count("work") ? a["work"].as<std::string>() : std::string("bench_prepare_work");
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
