// Signal files -> one value per gene and bin: the numbers of the field's reference tools.
//
//   BAM/SAM   the count `bedtools multicov` (default options) reports for the bin: every
//             alignment that is not flagged duplicate (0x400) or QC-failed (0x200), whatever
//             its mapping quality, whose reference span [pos, pos + CIGAR reference length)
//             overlaps the bin by at least one base. Secondary and supplementary alignments
//             count (multicov does not filter them), and so does a placed unmapped read
//             (flag 0x4 with its mate's position, no CIGAR), as one base at its position:
//             multicov (BamTools) does exactly that, so we do too.
//   reads     tagAlign / BED (plain, gzip or BGZF, every member of a multi-member gzip as
//             zcat reads it): the count of `bedtools intersect -c -a BINS -b READS`: every
//             record whose [start, end) overlaps the bin by >= 1 base; a zero-length record
//             (start == end) counts, as bedtools counts it, in every bin [s, e) with
//             s <= start <= e (the bin holding it and, on a boundary, the bin before). A
//             record with start > end is an error (bedtools refuses the file). Chromosome
//             names: the annotation's exact name; its other spelling (chr1 <-> 1) only for a
//             chromosome whose exact name the file never uses (records under the other
//             spelling of a chromosome that the file also names exactly are left out, with a
//             note). A bedGraph (4 columns, the 4th a number, or `track type=bedGraph`) is
//             refused: its intervals are values, not reads.
//   bigWig    the value of `computeMatrix reference-point ... --missingDataAsZero`: the mean
//             of the bin's per-base values, bases without data (and outside the chromosome)
//             counting as 0.
//
// Dimension legend: R rows (genes), T bins per gene. Results are [R, T] row-major, bins in
// *genomic* order (the caller flips `-` genes for a strand-aware layout).
//
// Work splits into tasks: one per (file, chromosome) for a bigWig, one per file otherwise
// (a BAM with its .bai/.csi index reads only the stretches the windows cover; SAM, a BAM
// without an index and tagAlign/BED are read once from start to end). Tasks of one file write
// disjoint rows, so tasks run in parallel without locks. Memory: the [R, T] results and, per
// chromosome, the window lookup; never the reads.
#pragma once

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <bigWig.h>
#include <htslib/bgzf.h>
#include <htslib/hts.h>
#include <htslib/sam.h>

#include "deepdiff/io/errors.hpp"
#include "deepdiff/io/read_file.hpp"
#include "deepdiff/genomics/annotation.hpp"
#include "deepdiff/genomics/text.hpp"

namespace deepdiff {
namespace genomics {

enum class SignalFormat { bam, reads, bigwig };

inline std::string format_name(SignalFormat f) {
  return f == SignalFormat::bam ? "BAM/SAM" : f == SignalFormat::reads ? "tagAlign/BED reads" : "bigWig";
}

struct SignalFile {
  std::string path;
  SignalFormat format = SignalFormat::reads;
  std::string detail;    // "BAM", "SAM", "gzip tagAlign/BED", ...
  bool indexed = false;  // a BAM with a .bai/.csi next to it (read by region)
  // Chromosomes and lengths from the header (BAM, bigWig); empty for tagAlign/BED.
  std::vector<std::string> chroms;
  std::vector<std::int64_t> lengths;
  std::vector<std::string> notes;  // what the reader decided about this file (for prepare's notes)
};

// Where a chromosome name of the annotation is found among a file's names: itself, else
// its other spelling (chr1 <-> 1, chrM <-> MT) as deepTools does; -1 if neither.
inline int find_chrom(const std::vector<std::string>& names, const std::string& chrom) {
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == chrom) return static_cast<int>(i);
  const std::string alt = alternative_chrom_name(chrom);
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == alt) return static_cast<int>(i);
  return -1;
}

namespace signal_detail {

inline void bigwig_init() {
  // libBigWig wants one global initialisation (it sets up curl for remote files).
  static const int ok = bwInit(1 << 17);
  (void)ok;
}

struct BigWigCloser {
  void operator()(bigWigFile_t* f) const { bwClose(f); }
};
using BigWigPtr = std::unique_ptr<bigWigFile_t, BigWigCloser>;
struct HtsCloser {
  void operator()(htsFile* f) const { hts_close(f); }
  void operator()(sam_hdr_t* h) const { sam_hdr_destroy(h); }
  void operator()(hts_idx_t* i) const { hts_idx_destroy(i); }
  void operator()(hts_itr_t* i) const { hts_itr_destroy(i); }
  void operator()(bam1_t* b) const { bam_destroy1(b); }
};
template <class T>
using HtsPtr = std::unique_ptr<T, HtsCloser>;

// What is wrong with a bigWig's fixed header, zoom headers and chromosome B+ tree, or "".
// libBigWig's bwOpen trusts these offsets and counts: on a damaged or truncated file it reads
// past the end into uninitialised memory and crashes (found by tests/fuzz), so they are
// checked against the file's size before it is called.
inline std::string bigwig_header_problem(const std::string& path) {
  // Reads fields in place (a bigWig can be gigabytes; the header parts are small).
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f || std::fseek(f.get(), 0, SEEK_END) != 0) return "cannot open the file";
  const long end = std::ftell(f.get());
  if (end < 0) return "cannot open the file";
  const std::uint64_t size = static_cast<std::uint64_t>(end);
  // Little-endian field of `bytes` at `at` (the caller checked that it lies inside the file).
  auto u = [&](std::uint64_t at, int bytes) {
    unsigned char b[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    if (std::fseek(f.get(), static_cast<long>(at), SEEK_SET) != 0 ||
        std::fread(b, 1, static_cast<std::size_t>(bytes), f.get()) != static_cast<std::size_t>(bytes))
      return ~std::uint64_t(0);
    std::uint64_t v = 0;
    for (int k = bytes - 1; k >= 0; --k) v = v << 8 | b[k];
    return v;
  };
  if (size < 64) return "truncated header";
  const std::uint64_t levels = u(6, 2), ctree = u(8, 8), data = u(16, 8), index = u(24, 8);
  if (u(4, 2) < 3) return "unsupported version " + std::to_string(u(4, 2));
  if (64 + levels * 24 > size) return "truncated zoom headers";
  if (ctree + 32 > size || data + 8 > size || index + 48 > size) return "an offset in the header points past the end";
  for (std::uint64_t z = 0; z < levels; ++z)
    if (u(64 + z * 24 + 8, 8) >= size || u(64 + z * 24 + 16, 8) + 48 > size) return "a zoom level points past the end";
  if (u(ctree, 4) != 0x78CA8C91u) return "bad chromosome tree";
  const std::uint64_t key = u(ctree + 8, 4), val = u(ctree + 12, 4), items = u(ctree + 16, 8);
  if (u(ctree + 4, 4) == 0 || key == 0 || key > 255 || val != 8 || items == 0 || items > size) return "bad chromosome tree";
  // Walk the tree: every node inside the file, depth bounded, leaves holding exactly `items`
  // chromosomes with ids below it.
  std::uint64_t leaves = 0;
  std::vector<std::pair<std::uint64_t, int>> todo = {{ctree + 32, 0}};
  while (!todo.empty()) {
    const auto node = todo.back();
    todo.pop_back();
    if (node.second > 32 || node.first + 4 > size) return "bad chromosome tree";
    const std::uint64_t n = u(node.first + 2, 2);
    if (node.first + 4 + n * (key + 8) > size) return "bad chromosome tree";
    for (std::uint64_t i = 0; i < n; ++i) {
      const std::uint64_t at = node.first + 4 + i * (key + 8) + key;
      if (u(node.first, 1)) {
        if (u(at, 4) >= items || ++leaves > items) return "bad chromosome tree";
      } else {
        todo.emplace_back(u(at, 8), node.second + 1);
      }
    }
  }
  if (leaves != items) return "bad chromosome tree";
  // The R-tree index of the data: every node inside the file and every data block it names
  // too (libBigWig sizes its buffers by these, so a damaged entry asks for exabytes).
  if (u(index, 4) != 0x2468ACE0u) return "bad data index";
  todo = {{index + 48, 0}};
  std::uint64_t nodes = 0;
  while (!todo.empty()) {
    const auto node = todo.back();
    todo.pop_back();
    if (node.second > 32 || ++nodes > size / 4 || node.first + 4 > size) return "bad data index";
    const bool leaf = u(node.first, 1) != 0;
    const std::uint64_t n = u(node.first + 2, 2), item = leaf ? 32 : 24;
    if (node.first + 4 + n * item > size) return "bad data index";
    for (std::uint64_t i = 0; i < n; ++i) {
      const std::uint64_t at = node.first + 4 + i * item + 16;
      if (!leaf) {
        todo.emplace_back(u(at, 8), node.second + 1);
        continue;
      }
      const std::uint64_t off = u(at, 8), len = u(at + 8, 8);
      if (off > size || len > size - off) return "a data block lies past the end";
    }
  }
  return "";
}

inline BigWigPtr open_bigwig(const std::string& path) {
  bigwig_init();
  const std::string problem = bigwig_header_problem(path);
  if (!problem.empty()) throw DataError(path, "damaged bigWig: " + problem, "the download or copy may have been cut short");
  BigWigPtr bw(bwOpen(const_cast<char*>(path.c_str()), nullptr, "r"));
  if (!bw) throw DataError(path, "cannot open the bigWig file (damaged or truncated?)");
  return bw;
}

// Why a BAM's index does not describe it, or "" when it may. A stale index (the BAM was
// rewritten after `samtools index`) sends region queries to wrong offsets: reads are missed or
// counted in the wrong places without any error. htslib only warns about the timestamps, so
// the index is also compared with the records: for each chromosome it lists, its offsets lie
// inside the BAM, its first chunk starts with a record of that chromosome, and the record after
// its last chunk is on another chromosome (or the end of the file). Leaves fp anywhere.
inline std::string stale_index_problem(htsFile* fp, sam_hdr_t* h, const hts_idx_t* idx, const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto bam_time = fs::last_write_time(path, ec);
  if (!ec) {
    bool any = false, older = true;
    std::vector<std::string> names = {path + ".bai", path + ".csi"};
    if (path.size() > 4 && path.compare(path.size() - 4, 4, ".bam") == 0) names.push_back(path.substr(0, path.size() - 4) + ".bai");
    for (const std::string& n : names) {
      std::error_code tec;
      const auto t = fs::last_write_time(n, tec);
      if (tec) continue;
      any = true;
      if (t >= bam_time) older = false;
    }
    if (any && older) return "is older than the BAM";
  }
  const int nref = sam_hdr_nref(h);
  if (hts_idx_nseq(idx) > nref)
    return "lists " + std::to_string(hts_idx_nseq(idx)) + " chromosomes, the BAM's header " + std::to_string(nref);
  const std::uint64_t size = static_cast<std::uint64_t>(fs::file_size(path, ec));
  if (ec) return "";
  HtsPtr<bam1_t> b(bam_init1());
  BGZF* z = fp->fp.bgzf;
  for (int tid = 0; tid < hts_idx_nseq(idx); ++tid) {
    HtsPtr<hts_itr_t> it(sam_itr_queryi(idx, tid, 0, HTS_POS_MAX));
    if (!it || it->n_off == 0) continue;
    const std::string name = sam_hdr_tid2name(h, tid);
    std::uint64_t last = 0;
    for (int i = 0; i < it->n_off; ++i) {
      if ((it->off[i].u >> 16) > size || (it->off[i].v >> 16) > size) return "points past the end of the BAM";
      last = std::max<std::uint64_t>(last, it->off[i].v);
    }
    if (bgzf_seek(z, static_cast<std::int64_t>(it->off[0].u), SEEK_SET) < 0 || sam_read1(fp, h, b.get()) < 0 ||
        b->core.tid != tid)
      return "does not match the BAM's records (its first record of " + name + " is not there)";
    if (bgzf_seek(z, static_cast<std::int64_t>(last), SEEK_SET) < 0) return "does not match the BAM's records";
    const int r = sam_read1(fp, h, b.get());
    if (r < -1 || (r >= 0 && b->core.tid == tid)) return "does not match the BAM's records (more records on " + name + ")";
  }
  return "";
}

// Alignments placed on a chromosome (mapped, or unmapped at their mate's place) that the index
// counts, or -1 when it cannot say: an index without these counts for a chromosome that has
// data (older indexers wrote none) is no proof of an empty BAM. (hts_idx_get_stat fails for a
// chromosome without any record too.)
inline std::int64_t index_placed(const hts_idx_t* idx) {
  std::int64_t placed = 0;
  for (int i = 0; i < hts_idx_nseq(idx); ++i) {
    std::uint64_t mapped = 0, unmapped = 0;
    if (hts_idx_get_stat(idx, i, &mapped, &unmapped) >= 0) {
      placed += static_cast<std::int64_t>(mapped + unmapped);
      continue;
    }
    HtsPtr<hts_itr_t> it(sam_itr_queryi(idx, i, 0, HTS_POS_MAX));
    if (it && it->n_off > 0) return -1;
  }
  return placed;
}

}  // namespace signal_detail

// Opens a signal file, tells its format by content (not by extension) and reads its
// chromosome list. A BAM without its end-of-file marker is reported as truncated here,
// before any work is done.
inline SignalFile inspect_signal(const std::string& path) {
  namespace sd = signal_detail;
  SignalFile s;
  s.path = path;
  // A folder, FIFO or device is named as what it is (a FIFO would block the open below).
  const std::string problem = file_problem(path);
  if (!problem.empty()) throw DataError(path, problem);
  unsigned char magic[4] = {0, 0, 0, 0};
  {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) throw DataError(path, std::string("cannot open: ") + std::strerror(errno));
    const std::size_t n = std::fread(magic, 1, 4, f);
    std::fclose(f);
    if (n == 0) throw DataError(path, "empty file");
  }
  const std::uint32_t m = std::uint32_t(magic[0]) | std::uint32_t(magic[1]) << 8 | std::uint32_t(magic[2]) << 16 |
                          std::uint32_t(magic[3]) << 24;
  if (m == 0x888FFC26u) {
    s.format = SignalFormat::bigwig;
    s.detail = "bigWig";
    sd::BigWigPtr bw = sd::open_bigwig(path);
    for (std::int64_t i = 0; i < bw->cl->nKeys; ++i) {
      s.chroms.emplace_back(bw->cl->chrom[i]);
      s.lengths.push_back(bw->cl->len[i]);
    }
    return s;
  }
  if (m == 0x8789F2EBu) throw DataError(path, "a bigBed file: not supported", "signal files are BAM, tagAlign/BED reads or bigWig");

  // htslib's format detection refuses some plain text that it takes for binary (a control byte
  // near the start) while it opens the same text gzip-compressed; such a file goes on to be
  // read as text below, where plain and compressed text are judged alike.
  sd::HtsPtr<htsFile> fp(hts_open(path.c_str(), "r"));
  htsFormat format{};
  format.format = unknown_format;
  format.compression = no_compression;
  if (fp) format = *hts_get_format(fp.get());  // a copy: it lives inside fp, closed below
  const htsFormat* fmt = &format;
  if (fmt->format == cram) throw DataError(path, "a CRAM file: not supported", "convert it to BAM (samtools view -b)");
  if (fmt->format == bam || fmt->format == sam) {
    s.format = SignalFormat::bam;
    s.detail = fmt->format == bam ? "BAM" : "SAM";
    if (fmt->format == bam && bgzf_check_EOF(fp->fp.bgzf) == 0)
      throw DataError(path, "truncated BAM: the end-of-file marker is missing", "the download or copy was cut short");
    sd::HtsPtr<sam_hdr_t> h(sam_hdr_read(fp.get()));
    if (!h) throw DataError(path, "cannot read the " + s.detail + " header (damaged file?)");
    for (int i = 0; i < sam_hdr_nref(h.get()); ++i) {
      s.chroms.emplace_back(sam_hdr_tid2name(h.get(), i));
      s.lengths.push_back(sam_hdr_tid2len(h.get(), i));
    }
    if (fmt->format == bam) {
      // A missing index is normal (the file is then read sequentially): no htslib message.
      sd::HtsPtr<hts_idx_t> idx(sam_index_load3(fp.get(), path.c_str(), nullptr, HTS_IDX_SILENT_FAIL));
      if (idx) {
        const std::string stale = sd::stale_index_problem(fp.get(), h.get(), idx.get(), path);
        s.indexed = stale.empty();
        if (!s.indexed) s.notes.push_back("its index " + stale + ": read from start to end instead (run samtools index again)");
      }
      // A BAM without a single placed alignment (all unmapped, or an empty BAM) would give an
      // all-zero mark. The index counts them; a BAM read from start to end is checked later.
      if (s.indexed) {
        if (sd::index_placed(idx.get()) == 0)
          throw DataError(path, "no alignment in this BAM is placed on a chromosome (all unmapped, or none at all)",
                          "a mark's reads must be aligned");
      }
    }
    return s;
  }
  fp.reset();
  // Anything else must read as BED-like text: chrom, start, end on the first data line.
  s.format = SignalFormat::reads;
  s.detail = fmt->compression == gzip ? "gzip tagAlign/BED" : fmt->compression == bgzf ? "BGZF tagAlign/BED" : "tagAlign/BED";
  TextLines in(path);
  std::string_view l;
  std::vector<std::string_view> f;
  const std::string to_bigwig = "convert it to bigWig (bedGraphToBigWig) and give the .bw";
  bool data = false;
  while (in.next(l)) {
    // Judged on the text itself, decompressed or not (htslib's own guess differs between the two).
    if (l.find('\0') != std::string_view::npos)
      throw DataError(path, in.line(), "not a BAM, tagAlign/BED or bigWig file (binary content: a NUL byte)");
    if (annotation_detail::is_comment(l)) {
      if (l.substr(0, 5) == "track" && l.find("type=bedGraph") != std::string_view::npos)
        throw DataError(path, in.line(), "a bedGraph file (values, not reads): not read as reads", to_bigwig);
      continue;
    }
    split_on(l, '\t', f);
    std::int64_t a, b;
    if (f.size() < 3 || !parse_position(f[1], a) || !parse_position(f[2], b))
      throw DataError(path, in.line(), "not a BAM, tagAlign/BED or bigWig file",
                      "tagAlign/BED lines are tab-separated: chrom, start, end, ...");
    // A bedGraph's 4th column is the value of the interval; counted as reads, every interval
    // would be one read whatever its value. tagAlign and BED have a name there.
    if (f.size() == 4 && is_number(f[3]))
      throw DataError(path, in.line(), "a bedGraph file (4 columns, the 4th a number): intervals with values, not reads",
                      to_bigwig);
    const bool peaks = (f.size() == 10 || f.size() == 9) && is_number(f[4]) && is_number(f[6]) && is_number(f[7]) && is_number(f[8]);
    if (peaks)
      s.notes.push_back(std::string(f.size() == 10 ? "a narrowPeak" : "a broadPeak") +
                        " file: each peak is counted as one read, whatever its signal value");
    data = true;
    break;
  }
  if (!data)
    throw DataError(path, "no reads: the file holds no data line" + std::string(in.line() ? " (only comment, track or empty lines)" : ""),
                    "an empty download, or the wrong file?");
  return s;
}

// The windows of the genes, arranged for lookups by position.
struct GeneWindows {
  int bins = 0;
  std::int64_t bin_size = 0;
  std::vector<std::string> chroms;  // annotation names that carry windows
  struct Chrom {
    std::vector<std::int64_t> start;  // window start (may be negative), sorted
    std::vector<int> row;             // the gene's row in the results
    std::vector<std::vector<int>> blocks;  // block -> windows overlapping it (indices into start/row)
  };
  std::vector<Chrom> per_chrom;
  int rows = 0;
  std::int64_t span() const { return bin_size * bins; }
  static constexpr int kShift = 14;  // 16 kb blocks
  static std::int64_t block_of(std::int64_t x) { return x < 0 ? 0 : x >> kShift; }
};

// genes[r] gets row r. bins must be even (the window is bins/2 bins each side of the TSS).
inline GeneWindows make_windows(const std::vector<Gene>& genes, int bins, std::int64_t bin_size) {
  if (bins < 2 || bins % 2) throw std::invalid_argument("make_windows: bins must be even and >= 2");
  if (bin_size < 1) throw std::invalid_argument("make_windows: bin_size must be >= 1");
  GeneWindows w;
  w.bins = bins;
  w.bin_size = bin_size;
  w.rows = static_cast<int>(genes.size());
  const std::int64_t half = w.span() / 2;
  std::unordered_map<std::string, int> index;
  std::vector<std::vector<std::pair<std::int64_t, int>>> lists;
  for (std::size_t r = 0; r < genes.size(); ++r) {
    const auto ins = index.emplace(genes[r].chrom, static_cast<int>(w.chroms.size()));
    if (ins.second) {
      w.chroms.push_back(genes[r].chrom);
      lists.emplace_back();
    }
    lists[static_cast<std::size_t>(ins.first->second)].emplace_back(genes[r].tss() - half, static_cast<int>(r));
  }
  w.per_chrom.resize(lists.size());
  for (std::size_t c = 0; c < lists.size(); ++c) {
    auto& l = lists[c];
    std::sort(l.begin(), l.end());
    GeneWindows::Chrom& ch = w.per_chrom[c];
    for (const auto& p : l) {
      ch.start.push_back(p.first);
      ch.row.push_back(p.second);
    }
    const std::int64_t last_end = l.empty() ? 0 : l.back().first + w.span();
    ch.blocks.resize(static_cast<std::size_t>(GeneWindows::block_of(std::max<std::int64_t>(last_end - 1, 0)) + 1));
    for (std::size_t k = 0; k < ch.start.size(); ++k) {
      const std::int64_t e = ch.start[k] + w.span();
      if (e <= 0) continue;  // wholly before the chromosome: stays zero
      for (std::int64_t b = GeneWindows::block_of(ch.start[k]); b <= GeneWindows::block_of(e - 1); ++b)
        ch.blocks[static_cast<std::size_t>(b)].push_back(static_cast<int>(k));
    }
  }
  return w;
}

namespace signal_detail {

// Calls f(row, a, z) for every window that [s, e) overlaps by >= 1 base: row is the window's
// output row, [a, z) the overlap in the window's own coordinates (0 = its first base). A window
// listed in several blocks is visited only from the block holding the start of its overlap, so
// a long interval (spliced read, spanning blocks) is seen once per window. True if any was.
template <class V, class F>
bool for_each_overlap(const GeneWindows& w, const GeneWindows::Chrom& ch, std::int64_t s, std::int64_t e, V* out,
                      F&& f) {
  if (e <= s || e <= 0) return false;
  const std::int64_t nblocks = static_cast<std::int64_t>(ch.blocks.size());
  const std::int64_t b0 = GeneWindows::block_of(s);
  if (b0 >= nblocks) return false;
  const std::int64_t b1 = std::min(GeneWindows::block_of(e - 1), nblocks - 1);
  const std::int64_t span = w.span();
  bool hit = false;
  for (std::int64_t b = b0; b <= b1; ++b) {
    for (const int k : ch.blocks[static_cast<std::size_t>(b)]) {
      const std::int64_t ws = ch.start[static_cast<std::size_t>(k)];
      const std::int64_t o0 = std::max(s, ws), o1 = std::min(e, ws + span);
      if (o0 >= o1 || GeneWindows::block_of(o0) != b) continue;
      f(out + static_cast<std::size_t>(ch.row[static_cast<std::size_t>(k)]) * static_cast<std::size_t>(w.bins), o0 - ws,
        o1 - ws);
      hit = true;
    }
  }
  return hit;
}

// Adds 1 to every bin of every window that [s, e) overlaps by >= 1 base (the read count).
template <class V>
bool count_interval(const GeneWindows& w, const GeneWindows::Chrom& ch, std::int64_t s, std::int64_t e, V* out) {
  const std::int64_t S = w.bin_size;
  return for_each_overlap(w, ch, s, e, out, [S](V* row, std::int64_t a, std::int64_t z) {
    for (std::int64_t t = a / S; t <= (z - 1) / S; ++t) row[t] += 1;
  });
}

// Adds v x (bases of [s, e) in the bin) to every bin of every window that [s, e) overlaps
// (the bigWig sum).
inline bool add_weighted(const GeneWindows& w, const GeneWindows::Chrom& ch, std::int64_t s, std::int64_t e, double v,
                         double* out) {
  const std::int64_t S = w.bin_size;
  return for_each_overlap(w, ch, s, e, out, [S, v](double* row, std::int64_t a, std::int64_t z) {
    for (std::int64_t t = a / S; t <= (z - 1) / S; ++t)
      row[t] += v * static_cast<double>(std::min(z, (t + 1) * S) - std::max(a, t * S));
  });
}

// The stretches of a chromosome that the windows cover, merged when less than `gap` bases
// apart (a seek is worth it only over more data than that), clipped to [0, len) (len < 0:
// unknown).
inline std::vector<std::pair<std::int64_t, std::int64_t>> stretches(const GeneWindows& w, const GeneWindows::Chrom& ch,
                                                                    std::int64_t len = -1,
                                                                    std::int64_t gap = std::int64_t(1) << 16) {
  std::vector<std::pair<std::int64_t, std::int64_t>> out;
  for (std::int64_t ws : ch.start) {
    const std::int64_t a = std::max<std::int64_t>(ws, 0);
    const std::int64_t z = len >= 0 ? std::min(ws + w.span(), len) : ws + w.span();
    if (z <= a) continue;
    if (!out.empty() && a <= out.back().second + gap)
      out.back().second = std::max(out.back().second, z);
    else
      out.emplace_back(a, z);
  }
  return out;
}

// multicov's filters and overlap span (see the header comment). An alignment without a
// CIGAR (a placed unmapped read) spans one base, as BamTools' GetEndPosition makes it.
inline bool alignment_span(const bam1_t* b, std::int64_t& s, std::int64_t& e) {
  if (b->core.flag & (BAM_FDUP | BAM_FQCFAIL)) return false;
  if (b->core.tid < 0 || b->core.pos < 0) return false;
  s = b->core.pos;
  e = b->core.n_cigar == 0 ? s + 1 : s + bam_cigar2rlen(static_cast<int>(b->core.n_cigar), bam_get_cigar(b));
  return e > s;
}

}  // namespace signal_detail

// One signal file's values for every gene and bin, [R, T] row-major, bins in genomic order.
// Read counts are 32-bit integers (a bin of a real window holds far fewer than 4e9 reads, and
// half the bytes of a double is what keeps a many-cell run's memory bounded); bigWig means are
// doubles, printed with all their digits.
struct Track {
  std::vector<std::uint32_t> counts;  // BAM, tagAlign/BED
  std::vector<double> means;          // bigWig
  Track() = default;
  Track(SignalFormat f, std::size_t n) {
    if (f == SignalFormat::bigwig) means.assign(n, 0.0);
    else counts.assign(n, 0);
  }
  bool is_counts() const { return means.empty(); }
  std::size_t size() const { return is_counts() ? counts.size() : means.size(); }
  double operator[](std::size_t i) const { return is_counts() ? counts[i] : means[i]; }
  std::size_t bytes() const { return counts.size() * sizeof(std::uint32_t) + means.size() * sizeof(double); }
};

struct SignalTask {
  std::size_t file = 0;  // index into the files
  int chrom = -1;        // index into GeneWindows::chroms; -1: the whole file
  std::string label() const { return chrom < 0 ? "whole file" : "chromosome " + std::to_string(chrom); }
};

// The tasks for one file (see the header comment).
inline std::vector<SignalTask> plan_tasks(const SignalFile& f, std::size_t file_index, const GeneWindows& w) {
  std::vector<SignalTask> t;
  if (f.format != SignalFormat::bigwig) return {SignalTask{file_index, -1}};
  for (std::size_t c = 0; c < w.chroms.size(); ++c)
    if (find_chrom(f.chroms, w.chroms[c]) >= 0) t.push_back(SignalTask{file_index, static_cast<int>(c)});
  return t;
}

struct TaskStats {
  std::uint64_t records = 0;  // reads / alignments / intervals seen
  std::uint64_t usable = 0;   // of those, reads / alignments that could be counted anywhere (placed, not filtered)
  std::uint64_t used = 0;     // those that fell into at least one bin
  std::uint64_t on_genes_chroms = 0;  // reads on a chromosome that has genes
  std::vector<std::string> notes;     // what the reading decided (chromosome spellings)
};

// Runs one task, adding into `track` (Track(f.format, R * T), zeros, made by the caller).
// io_threads > 1 lets htslib decompress BGZF blocks in parallel (worth it when files are fewer
// than cores). `stop` (may be null) is polled every 64k records: when it is set the task
// returns early with partial results, which the caller discards (Ctrl-C).
inline TaskStats run_task(const SignalFile& f, const SignalTask& task, const GeneWindows& w, Track& track,
                          int io_threads = 1, const std::atomic<bool>* stop = nullptr) {
  namespace sd = signal_detail;
  TaskStats st;
  if (track.size() != static_cast<std::size_t>(w.rows) * static_cast<std::size_t>(w.bins) ||
      track.is_counts() != (f.format != SignalFormat::bigwig))
    throw std::invalid_argument("run_task: the track is not Track(f.format, rows * bins)");
  auto stopped = [stop, &st] { return stop && (st.records & 0xFFFF) == 0 && stop->load(); };
  if (f.format == SignalFormat::bigwig) {
    // One pass over the chromosome's data under the windows: the stretches the windows cover
    // (merged when close) are iterated block by block, every interval is clipped to its
    // stretch (so one spanning two stretches is not counted twice) and spread over the bins
    // it overlaps, weighted by the bases it covers; dividing by the bin size then gives the
    // mean with uncovered bases as 0.
    const GeneWindows::Chrom& ch = w.per_chrom[static_cast<std::size_t>(task.chrom)];
    const int fc = find_chrom(f.chroms, w.chroms[static_cast<std::size_t>(task.chrom)]);
    const std::int64_t len = f.lengths[static_cast<std::size_t>(fc)];
    const std::string& name = f.chroms[static_cast<std::size_t>(fc)];
    double* out = track.means.data();
    sd::BigWigPtr bw = sd::open_bigwig(f.path);
    for (const auto& ab : sd::stretches(w, ch, len)) {
      if (stop && stop->load()) return st;
      bwOverlapIterator_t* it = bwOverlappingIntervalsIterator(bw.get(), const_cast<char*>(name.c_str()),
                                                               static_cast<std::uint32_t>(ab.first),
                                                               static_cast<std::uint32_t>(ab.second), 64);
      if (!it) throw DataError(f.path, "cannot read the bigWig data of " + name + " (damaged file?)");
      for (; it->data; it = bwIteratorNext(it)) {
        const bwOverlappingIntervals_t* iv = it->intervals;
        for (std::uint32_t i = 0; i < iv->l; ++i) {
          ++st.records;
          const double v = iv->value[i];
          if (std::isnan(v) || v == 0) continue;  // missing data counts as zero
          if (!std::isfinite(v) || v < 0) {
            // The data root holds non-negative finite signal (load_split refuses anything
            // else), so say so here, where file and position are known.
            const std::string where = name + ":" + std::to_string(iv->start[i]) + "-" + std::to_string(iv->end[i]);
            bwIteratorDestroy(it);
            throw DataError(f.path, "value " + std::to_string(v) + " at " + where + ": signal must be finite and non-negative",
                            "use a coverage or fold-enrichment track, not log ratios");
          }
          const std::int64_t a = std::max<std::int64_t>(iv->start[i], ab.first);
          const std::int64_t z = std::min<std::int64_t>(iv->end[i], ab.second);
          if (a < z && sd::add_weighted(w, ch, a, z, v, out)) ++st.used;
        }
      }
      bwIteratorDestroy(it);
    }
    for (const int r : ch.row) {
      double* row = out + static_cast<std::size_t>(r) * static_cast<std::size_t>(w.bins);
      for (int t = 0; t < w.bins; ++t) row[t] /= static_cast<double>(w.bin_size);
    }
    return st;
  }

  if (f.format == SignalFormat::reads) {
    TextLines in(f.path, io_threads);
    std::string_view l;
    // Chromosome names (see the header comment): records under the annotation's exact name go
    // to `out`; those under its other spelling (chr1 <-> 1) to `alias` rows, added at the end
    // only for chromosomes the file never names exactly.
    struct Name {
      int c = -1;          // index into w.chroms, -1: no gene there
      bool exact = false;  // the annotation's own spelling
    };
    std::string last_chrom;
    Name cur;
    std::unordered_map<std::string, Name> cache;
    std::vector<char> exact_seen(w.chroms.size(), 0);
    std::vector<std::uint64_t> alias_records(w.chroms.size(), 0), alias_used(w.chroms.size(), 0);
    std::vector<std::string> alias_name(w.chroms.size());
    std::uint32_t* out = track.counts.data();
    std::vector<std::uint32_t> alias;  // [R, T], allocated at the first record under another spelling
    while (in.next(l)) {
      if (stopped()) return st;
      if ((l.empty() || l[0] == '#' || l[0] == 't' || l[0] == 'b') && annotation_detail::is_comment(l)) continue;
      const std::size_t t1 = l.find('\t');
      const std::size_t t2 = t1 == std::string_view::npos ? t1 : l.find('\t', t1 + 1);
      if (t2 == std::string_view::npos)
        throw DataError(f.path, in.line(), "expected tab-separated chrom, start, end");
      std::size_t t3 = l.find('\t', t2 + 1);
      if (t3 == std::string_view::npos) t3 = l.size();
      std::int64_t s, e;
      if (!parse_position(l.substr(t1 + 1, t2 - t1 - 1), s) || !parse_position(l.substr(t2 + 1, t3 - t2 - 1), e))
        throw DataError(f.path, in.line(), "start and end must be non-negative integers");
      if (e < s)
        throw DataError(f.path, in.line(), "end " + std::to_string(e) + " is before start " + std::to_string(s),
                        "BED intervals are [start, end), 0-based; bedtools refuses such a file too");
      ++st.records;
      ++st.usable;
      const std::string_view chrom = l.substr(0, t1);
      if (chrom != last_chrom) {
        last_chrom.assign(chrom);
        const auto it = cache.find(last_chrom);
        if (it != cache.end()) {
          cur = it->second;
        } else {
          cur.c = find_chrom(w.chroms, last_chrom);  // the exact name, else chr1 <-> 1
          cur.exact = cur.c >= 0 && w.chroms[static_cast<std::size_t>(cur.c)] == last_chrom;
          if (cur.c >= 0 && !cur.exact) alias_name[static_cast<std::size_t>(cur.c)] = last_chrom;
          cache.emplace(last_chrom, cur);
        }
      }
      if (cur.c < 0) continue;
      const std::size_t c = static_cast<std::size_t>(cur.c);
      ++st.on_genes_chroms;
      std::uint32_t* dst = out;
      if (cur.exact) {
        exact_seen[c] = 1;
      } else {
        if (alias.empty()) alias.assign(static_cast<std::size_t>(w.rows) * static_cast<std::size_t>(w.bins), 0);
        dst = alias.data();
        ++alias_records[c];
      }
      // A zero-length record counts where bedtools counts it: as if it were [start-1, start+1).
      const bool hit = s == e ? sd::count_interval(w, w.per_chrom[c], s - 1, s + 1, dst)
                              : sd::count_interval(w, w.per_chrom[c], s, e, dst);
      if (hit) ++(cur.exact ? st.used : alias_used[c]);
    }
    for (std::size_t c = 0; c < w.chroms.size(); ++c) {
      if (alias_records[c] == 0) continue;
      if (exact_seen[c]) {
        st.on_genes_chroms -= alias_records[c];
        st.notes.push_back(std::to_string(alias_records[c]) + " records on " + alias_name[c] + " left out: the file also names " +
                           w.chroms[c] + ", the annotation's spelling (one spelling per chromosome)");
        continue;
      }
      for (const int r : w.per_chrom[c].row) {
        const std::size_t o = static_cast<std::size_t>(r) * static_cast<std::size_t>(w.bins);
        for (int t = 0; t < w.bins; ++t) out[o + static_cast<std::size_t>(t)] += alias[o + static_cast<std::size_t>(t)];
      }
      st.used += alias_used[c];
      st.notes.push_back("records on " + alias_name[c] + " counted for the annotation's " + w.chroms[c] +
                         " (matched as deepTools does)");
    }
    return st;
  }

  // BAM / SAM
  std::uint32_t* out = track.counts.data();
  sd::HtsPtr<htsFile> fp(hts_open(f.path.c_str(), "r"));
  if (!fp) throw DataError(f.path, "cannot open the file with htslib");
  if (io_threads > 1) hts_set_threads(fp.get(), io_threads);
  sd::HtsPtr<sam_hdr_t> h(sam_hdr_read(fp.get()));
  if (!h) throw DataError(f.path, "cannot read the header (damaged file?)");
  sd::HtsPtr<bam1_t> b(bam_init1());
  auto fail = [&](int r) {
    return DataError(f.path, "cannot read alignment " + std::to_string(st.records + 1) + " (htslib error " +
                                 std::to_string(r) + "): the file is truncated or damaged");
  };
  std::int64_t s, e;
  if (!f.indexed) {
    // Sequential: map each header chromosome to its windows once.
    std::vector<int> tid_to_chrom(static_cast<std::size_t>(sam_hdr_nref(h.get())), -1);
    for (std::size_t c = 0; c < w.chroms.size(); ++c) {
      const int tid = find_chrom(f.chroms, w.chroms[c]);
      if (tid >= 0 && tid_to_chrom[static_cast<std::size_t>(tid)] < 0) tid_to_chrom[static_cast<std::size_t>(tid)] = static_cast<int>(c);
    }
    int r;
    while ((r = sam_read1(fp.get(), h.get(), b.get())) >= 0) {
      if (stopped()) return st;
      ++st.records;
      const bool spans = sd::alignment_span(b.get(), s, e);
      if (spans) ++st.usable;
      const int tid = b->core.tid;
      if (tid < 0 || tid >= static_cast<int>(tid_to_chrom.size())) continue;
      const int c = tid_to_chrom[static_cast<std::size_t>(tid)];
      if (c < 0) continue;
      ++st.on_genes_chroms;
      if (spans && sd::count_interval(w, w.per_chrom[static_cast<std::size_t>(c)], s, e, out)) ++st.used;
    }
    if (r < -1) throw fail(r);
    return st;
  }

  // By region (one task per file: the index of a whole genome is megabytes, loaded once):
  // only the stretches of each chromosome that windows cover (merged when close), so reads far
  // from any gene are never decompressed. A read overlapping two stretches is returned by
  // both queries; it is counted by the first (its start lies before the end of the previous
  // stretch exactly when it overlapped that one).
  sd::HtsPtr<hts_idx_t> idx(sam_index_load(fp.get(), f.path.c_str()));
  if (!idx) throw DataError(f.path, "cannot load the index (.bai/.csi) found earlier");
  // A query decompresses the whole BGZF block where it starts, so seeking pays only across
  // gaps wider than a few blocks of genome. A block holds ~24 kB compressed: with typical read
  // depth it spans hundreds of kb, more than the space between genes, and stretches then
  // merge into one pass per chromosome that skips only the gene deserts, instead of
  // decompressing the same block again for every nearby gene.
  std::int64_t genome = 0;
  for (std::int64_t l : f.lengths) genome += l;
  std::error_code ec;
  const auto bytes = static_cast<double>(std::max<std::uintmax_t>(std::filesystem::file_size(f.path, ec), 1));
  const std::int64_t block_span = static_cast<std::int64_t>(static_cast<double>(genome) * 24000.0 / bytes);
  const std::int64_t gap = std::max<std::int64_t>(std::int64_t(1) << 16, 4 * block_span);
  for (std::size_t c = 0; c < w.chroms.size(); ++c) {
    const int tid = find_chrom(f.chroms, w.chroms[c]);
    if (tid < 0) continue;
    const GeneWindows::Chrom& ch = w.per_chrom[c];
    std::int64_t prev_end = -1;
    for (const auto& ab : sd::stretches(w, ch, -1, gap)) {
      sd::HtsPtr<hts_itr_t> it(sam_itr_queryi(idx.get(), tid, ab.first, ab.second));
      if (!it) throw DataError(f.path, "cannot query the index for " + f.chroms[static_cast<std::size_t>(tid)]);
      int r;
      while ((r = sam_itr_next(fp.get(), it.get(), b.get())) >= 0) {
        if (b->core.pos < prev_end) continue;
        if (stopped()) return st;
        ++st.records;
        ++st.on_genes_chroms;
        const bool spans = sd::alignment_span(b.get(), s, e);
        if (spans) ++st.usable;
        if (spans && sd::count_interval(w, ch, s, e, out)) ++st.used;
      }
      if (r < -1) throw fail(r);
      prev_end = ab.second;
    }
  }
  return st;
}

}  // namespace genomics
}  // namespace deepdiff
