// prepare_data_root: samplesheet + annotation -> the data root `deepdiff train` reads.
//
//   DIR/CELL.{train,valid,test}.csv  ENSGID_SYMBOL_BIN,H3K4me1,...,H3K36me3 (the public layout;
//                                    counts as integers, bigWig means at full precision)
//   DIR/CELL.expr.csv                ENSGID,value (cells with expression)
//   DIR/genes.tsv                    gene, symbol, chrom, tss (0-based), strand, split
//   DIR/prepare.json                 settings, inputs (size, FNV-1a), gene counts, time
//
// Nothing partial: everything is written into a temporary folder beside DIR, renamed onto
// DIR at the end; on any error the temporary folder is removed and DIR is untouched.
// Genes used: those of the annotation whose chromosome every BAM/bigWig has (by name, or
// chr1 <-> 1) and that every expression table lists. Splits: counts drawn by seed, a hold-out
// by chromosome, or the splits of an earlier genes.tsv.
#pragma once

#include <omp.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <cerrno>
#include <chrono>
#include <exception>
#include <cmath>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <signal.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "deepdiff/io/errors.hpp"
#include "deepdiff/data/marks.hpp"
#include "deepdiff/genomics/annotation.hpp"
#include "deepdiff/genomics/expression.hpp"
#include "deepdiff/genomics/samplesheet.hpp"
#include "deepdiff/genomics/signal.hpp"
#include "deepdiff/io/atomic_file.hpp"
#include "deepdiff/io/checksum.hpp"
#include "deepdiff/io/csv.hpp"
#include "deepdiff/io/number_format.hpp"
#include "deepdiff/tensor/random.hpp"

namespace deepdiff {
namespace genomics {

// The published split sizes (DeepDiff, Sekhon et al. 2018).
constexpr long long kPublishedTrain = 10000, kPublishedValid = 2360, kPublishedTest = 6100;

// What a run will need, known once the annotation and the inputs' headers are read and before
// any signal is: the program compares it with the machine (memory, free disk) and refuses a
// --bins / --bin-size that cannot fit, instead of allocating gigabytes and failing late.
struct PrepareSize {
  std::size_t genes = 0, cells = 0, files = 0;
  double values_bytes = 0;  // the [genes, bins] values of the cells in flight (counts 4 bytes, bigWig means 8)
  double lookup_bytes = 0;  // the window lookup: grows with the window (bins x bin size) per gene
  double write_bytes = 0;   // the text of the output files held while they are written
  double output_bytes = 0;  // what DIR will take on disk
  double free_bytes = -1;   // free space where DIR goes (-1: unknown)
  double memory_bytes() const { return values_bytes + lookup_bytes + write_bytes; }
};

// Raised when PrepareOptions::interrupt is set (Ctrl-C, SIGTERM): nothing was written, and the
// temporary folder, if there was one, is gone.
struct PrepareInterrupted : std::runtime_error {
  PrepareInterrupted() : std::runtime_error("nothing written, the temporary folder removed") {}
};

struct PrepareOptions {
  std::string samplesheet, annotation, out;
  int bins = 200;
  std::int64_t bin_size = 100;
  BinOrder order = BinOrder::strand;
  // Split: counts (all -1: the published sizes, or their proportions when genes are fewer),
  // or test (and optionally valid) chromosomes, or the split column of an earlier genes.tsv.
  std::array<long long, 3> split_counts = {-1, -1, -1};
  std::vector<std::string> test_chroms, valid_chroms;
  std::string split_from;
  std::uint64_t seed = 1;
  int threads = 0;           // 0: omp_get_max_threads()
  bool use_index = true;     // read indexed BAMs by region
  bool checksums = true;     // FNV-1a of every input (one more read of each file)
  std::function<void(const std::string&)> log;  // progress and notes (may be empty)
  // Called once the genes are known, before any signal is read; throws to refuse (may be empty).
  std::function<void(const PrepareSize&)> check_size;
  // Polled between reading tasks and output files; when it turns true the run stops with
  // PrepareInterrupted, after removing its temporary folder. A signal handler may set it.
  const std::atomic<bool>* interrupt = nullptr;
};

struct PrepareSummary {
  std::size_t genes_annotated = 0, genes_used = 0;
  std::array<std::size_t, 3> split_sizes = {0, 0, 0};
  std::size_t cells = 0;
  double seconds = 0;       // in all
  double read_seconds = 0;  // of which reading the signal files (and checksums)
  double write_seconds = 0; // of which writing genes.tsv and prepare.json (the cells' files are written while reading)
  std::size_t peak_track_bytes = 0;  // the most bytes of counted values held at once
  std::vector<std::string> notes;
  std::vector<std::string> removed;  // leftovers of interrupted runs removed at the start (logged then)
};

namespace prepare_detail {

inline const std::array<const char*, 3>& split_names() {
  static const std::array<const char*, 3> n = {"train", "valid", "test"};
  return n;
}

inline std::size_t file_size(const std::string& path) {
  std::error_code ec;
  const auto n = std::filesystem::file_size(path, ec);
  return ec ? 0 : static_cast<std::size_t>(n);
}

inline std::string chrom_list(const std::vector<std::string>& c) {
  std::string s;
  for (std::size_t i = 0; i < c.size() && i < 6; ++i) s += (i ? ", " : "") + c[i];
  if (c.size() > 6) s += ", ...";
  return s.empty() ? "(none)" : s;
}

inline std::string seconds_text(double s) {
  char b[32];
  if (s < 60) std::snprintf(b, sizeof b, "%.1fs", s);
  else std::snprintf(b, sizeof b, "%dm%02ds", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  return b;
}

// split index per gene (0 train, 1 valid, 2 test, -1 unused).
inline std::vector<int> assign_splits(const PrepareOptions& o, const std::vector<Gene>& genes,
                                      std::vector<std::string>& notes) {
  const std::size_t n = genes.size();
  std::vector<int> split(n, -1);
  Rng rng(o.seed);
  auto draw = [&](std::vector<std::size_t> pool, const std::array<long long, 3>& counts) {
    rng.shuffle(pool);
    std::size_t k = 0;
    for (int s = 0; s < 3; ++s)
      for (long long i = 0; i < counts[static_cast<std::size_t>(s)]; ++i) split[pool[k++]] = s;
  };
  if (!o.split_from.empty()) {
    std::map<std::string, std::pair<int, std::size_t>> from;  // gene -> split, line
    TextLines in(o.split_from);
    std::string_view l;
    std::vector<std::string_view> f;
    int col = -1;
    while (in.next(l)) {
      if (l.empty()) continue;
      split_on(l, '\t', f);
      if (col < 0) {
        for (std::size_t c = 0; c < f.size(); ++c)
          if (f[c] == "split") col = static_cast<int>(c);
        if (col < 0 || f[0] != "gene")
          throw DataError(o.split_from, in.line(), "expected a genes.tsv header with columns gene ... split");
        continue;
      }
      if (static_cast<int>(f.size()) <= col) throw DataError(o.split_from, in.line(), "too few columns");
      int s = -1;
      for (int k = 0; k < 3; ++k)
        if (f[static_cast<std::size_t>(col)] == split_names()[static_cast<std::size_t>(k)]) s = k;
      const auto ins = from.emplace(strip_version(f[0]), std::make_pair(s, in.line()));
      // A gene in two splits would leak between training and test: which one was meant is
      // unknowable, so the file is refused rather than the last row taken.
      if (!ins.second && ins.first->second.first != s)
        throw DataError(o.split_from, in.line(),
                        "gene " + ins.first->first + " is listed again in another split (first at line " +
                            std::to_string(ins.first->second.second) + ")",
                        "each gene belongs to one split; was this file edited or concatenated?");
    }
    std::size_t missing = 0;
    for (std::size_t g = 0; g < n; ++g) {
      const auto it = from.find(genes[g].id);
      if (it == from.end()) ++missing;
      else split[g] = it->second.first;
    }
    if (missing) notes.push_back(std::to_string(missing) + " genes are not in " + o.split_from + ": unused");
    return split;
  }
  if (!o.test_chroms.empty()) {
    auto on = [&](const std::vector<std::string>& list, const std::string& c) {
      for (const std::string& x : list)
        if (x == c || alternative_chrom_name(x) == c) return true;
      return false;
    };
    std::vector<std::size_t> rest;
    for (std::size_t g = 0; g < n; ++g) {
      if (on(o.test_chroms, genes[g].chrom)) split[g] = 2;
      else if (!o.valid_chroms.empty() && on(o.valid_chroms, genes[g].chrom)) split[g] = 1;
      else rest.push_back(g);
    }
    for (int s : {1, 2}) {
      if (s == 1 && o.valid_chroms.empty()) continue;
      if (std::count(split.begin(), split.end(), s) == 0)
        throw DataError(o.annotation, std::string("no usable gene on the ") + (s == 2 ? "--test" : "--valid") +
                                          "-chromosomes " + chrom_list(s == 2 ? o.test_chroms : o.valid_chroms));
    }
    if (o.valid_chroms.empty()) {
      // valid: the published valid share of the genes left for training
      const long long nv = std::llround(static_cast<double>(rest.size()) * kPublishedValid / (kPublishedTrain + kPublishedValid));
      draw(rest, {static_cast<long long>(rest.size()) - nv, nv, 0});
    } else {
      for (std::size_t g : rest) split[g] = 0;
    }
    if (std::count(split.begin(), split.end(), 0) == 0)
      throw DataError(o.annotation, "no gene left for the train split after the held-out chromosomes");
    return split;
  }
  std::array<long long, 3> c = o.split_counts;
  const long long total = static_cast<long long>(n);
  if (c[0] < 0) {
    const long long pub = kPublishedTrain + kPublishedValid + kPublishedTest;
    if (total >= pub) {
      c = {kPublishedTrain, kPublishedValid, kPublishedTest};
    } else {
      c[0] = std::llround(static_cast<double>(total) * kPublishedTrain / pub);
      c[1] = std::llround(static_cast<double>(total) * kPublishedValid / pub);
      c[2] = total - c[0] - c[1];
      notes.push_back("fewer genes than the published 10000/2360/6100: split " + std::to_string(c[0]) + "/" +
                      std::to_string(c[1]) + "/" + std::to_string(c[2]) + " in the same proportions");
    }
  } else if (c[0] + c[1] + c[2] > total) {
    throw DataError(o.annotation, "--split asks for " + std::to_string(c[0] + c[1] + c[2]) + " genes, but only " +
                                      std::to_string(total) + " have all inputs");
  }
  if (c[0] < 1 || c[1] < 1 || c[2] < 1) {
    std::string why;
    for (const std::string& n : notes) why += (why.empty() ? "" : "; ") + n;
    throw DataError(o.annotation, "too few genes with all inputs (" + std::to_string(total) + ") for three splits", why);
  }
  std::vector<std::size_t> all(n);
  for (std::size_t g = 0; g < n; ++g) all[g] = g;
  draw(all, c);
  return split;
}

inline void append_int(std::string& s, long long v) {
  char b[24];
  const auto r = std::to_chars(b, b + sizeof b, v);
  s.append(b, r.ptr);
}

// format_number's text (shortest round trip), appended without a temporary string: the CSVs
// hold tens of millions of values.
inline void append_double(std::string& s, double v) {
  if (v == 0) {
    s += '0';
    return;
  }
  char b[32];
  const auto r = std::to_chars(b, b + sizeof b, v);
  s.append(b, r.ptr);
}

// What the run will need (see PrepareSize). Counted values: at most threads + 1 cells in flight
// (prepare_data_root's queue), five tracks each (counts 4 bytes a value, bigWig means 8). The
// write buffer: the text of one output file per thread at a time, a split at most all genes.
inline PrepareSize estimate_size(const std::vector<Gene>& genes, const std::vector<SignalFile>& files, int bins,
                                 std::int64_t bin_size, int threads) {
  PrepareSize z;
  z.genes = genes.size();
  z.cells = files.size() / 5;
  z.files = files.size();
  const double R = static_cast<double>(genes.size()), T = static_cast<double>(bins);
  double cell_bytes = 0;  // the largest cell's five tracks, per value
  for (std::size_t c = 0; c < z.cells; ++c) {
    double b = 0;
    for (std::size_t m = 0; m < 5; ++m) b += files[c * 5 + m].format == SignalFormat::bigwig ? 8 : 4;
    cell_bytes = std::max(cell_bytes, b);
  }
  z.values_bytes = static_cast<double>(std::min<std::size_t>(z.cells, static_cast<std::size_t>(threads) + 1)) * cell_bytes * R * T;
  const double span = static_cast<double>(bins) * static_cast<double>(bin_size);
  const double block = static_cast<double>(std::int64_t(1) << GeneWindows::kShift);
  std::map<std::string, double> last_end;
  double name_chars = 0;
  for (const Gene& g : genes) {
    double& e = last_end[g.chrom];
    e = std::max(e, static_cast<double>(g.tss()) + span / 2);
    name_chars += static_cast<double>(g.id.size() + g.symbol.size());
  }
  z.lookup_bytes = R * (span / block + 2) * 2 * sizeof(int);
  for (const auto& c : last_end) z.lookup_bytes += (c.second / block + 1) * sizeof(std::vector<int>);
  // A row: ID_SYMBOL_BIN and five values (counts: a few digits each; bigWig means more).
  const double row = (R > 0 ? name_chars / R : 0) + 2 + std::log10(T + 1) + 1 + 5 * 6 + 1;
  z.output_bytes = static_cast<double>(z.cells) * R * T * row;
  z.write_bytes = std::min<double>(threads, static_cast<double>(z.cells)) * R * T * 48;
  return z;
}

// The output folder as it will be written: a symbolic link to a folder means that folder (the
// link stays, the folder behind it gets the files). Refuses a folder that is not empty.
inline std::filesystem::path output_folder(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path out(dir);
  if (out.filename().empty()) out = out.parent_path();
  if (fs::is_symlink(fs::symlink_status(out, ec))) {
    const fs::file_status st = fs::status(out, ec);
    if (!fs::exists(st))
      throw DataError(dir, "the output folder is a symbolic link to nothing (" + fs::read_symlink(out, ec).string() + ")",
                      "create the folder it points to, or choose another --out");
    out = fs::canonical(out, ec);
    if (ec) throw DataError(dir, "cannot resolve the symbolic link: " + ec.message());
  }
  const fs::file_status st = fs::status(out, ec);
  if (fs::exists(st) && !(fs::is_directory(st) && fs::is_empty(out, ec)))
    throw DataError(dir, fs::is_directory(st) ? "the output folder exists and is not empty" : "exists and is not a folder",
                    "choose a new folder, or remove this one");
  return out;
}

// The temporary folder's name: beside DIR, named after it, this host and this process, so that a
// later run can tell a leftover of a dead process (same host, no such PID) from a live run's
// (another process, or another node writing to a shared disk).
inline std::string host_name() {
  char h[256] = {0};
  if (::gethostname(h, sizeof h - 1) != 0 || !h[0]) return "host";
  std::string s(h);
  for (char& c : s)
    if (c == '/' || c == '.') c = '_';
  return s;
}
inline std::string temporary_prefix(const std::filesystem::path& out) {
  return "." + out.filename().string() + ".prepare-tmp." + host_name() + "-";
}

// Removes the temporary folders of earlier runs on this host whose process is gone (killed,
// crashed, or stopped by a signal that could not be handled), and says so.
inline void remove_stale_temporaries(const std::filesystem::path& parent, const std::filesystem::path& out,
                                     std::vector<std::string>& notes) {
  namespace fs = std::filesystem;
  const std::string prefix = temporary_prefix(out);
  std::error_code ec;
  fs::directory_iterator it(parent, ec), end;
  if (ec) return;  // the parent does not exist yet: nothing to clean
  std::vector<fs::path> stale;
  for (; it != end; it.increment(ec)) {
    if (ec) break;
    const std::string name = it->path().filename().string();
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    // PID, or PID.probe (check_writable's folder, left if the process died right then).
    std::string_view rest(name);
    rest.remove_prefix(prefix.size());
    if (rest.size() > 6 && rest.substr(rest.size() - 6) == ".probe") rest.remove_suffix(6);
    long long pid = 0;
    const auto r = std::from_chars(rest.data(), rest.data() + rest.size(), pid);
    if (r.ec != std::errc() || r.ptr != rest.data() + rest.size() || pid <= 0) continue;
    if (pid == static_cast<long long>(::getpid())) continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;  // alive (or not ours to judge)
    stale.push_back(it->path());
  }
  for (const fs::path& p : stale) {
    std::error_code rec;
    const auto n = fs::remove_all(p, rec);
    if (rec) notes.push_back("could not remove " + p.string() + ", left by an interrupted run: " + rec.message());
    else notes.push_back("removed " + p.string() + " (" + std::to_string(n) + " entries), left by an interrupted run whose process is gone");
  }
}

// The folder that will hold DIR, or the nearest of its ancestors that exists (where DIR's
// parents will be created): what can be written and how much room there is.
inline std::filesystem::path existing_ancestor(const std::filesystem::path& parent) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path at = parent;
  while (!fs::exists(at, ec) && at.has_parent_path() && at.parent_path() != at) at = at.parent_path();
  return fs::exists(at, ec) ? at : fs::path(".");
}

// Fails now, before any input is read, when that folder cannot take a new folder: read-only,
// no permission, full.
inline void check_writable(const std::filesystem::path& at, const std::filesystem::path& out, const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(at, ec)) throw DataError(dir, "cannot create the output folder: " + at.string() + " is not a folder");
  const fs::path probe = at / (temporary_prefix(out) + std::to_string(static_cast<long>(::getpid())) + ".probe");
  if (!fs::create_directory(probe, ec) || ec)
    throw DataError(dir, "cannot write the output folder in " + at.string() + ": " + (ec ? ec.message() : "it exists"),
                    "choose a folder you can write to (checked before reading any input)");
  fs::remove(probe, ec);
}

}  // namespace prepare_detail

inline PrepareSummary prepare_data_root(const PrepareOptions& o) {
  namespace pd = prepare_detail;
  namespace fs = std::filesystem;
  const auto t0 = std::chrono::steady_clock::now();
  auto log = [&](const std::string& m) {
    if (o.log) o.log(m);
  };
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  PrepareSummary sum;
  if (o.bins < 2 || o.bins % 2) throw std::invalid_argument("bins must be even and >= 2");
  if (o.bin_size < 1) throw std::invalid_argument("bin size must be >= 1");
  auto interrupted = [&] { return o.interrupt && o.interrupt->load(); };
  std::error_code ec;
  // The output side first: a run that cannot write must say so before reading gigabytes.
  const fs::path out = pd::output_folder(o.out);
  const fs::path parent = out.has_parent_path() ? out.parent_path() : fs::path(".");
  pd::remove_stale_temporaries(parent, out, sum.removed);
  for (const std::string& n : sum.removed) log("note: " + n);
  const fs::path writable = pd::existing_ancestor(parent);
  pd::check_writable(writable, out, o.out);
  const int threads = o.threads > 0 ? o.threads : omp_get_max_threads();

  // 1. Inputs: sheet, files (format by content), annotation, expression.
  const std::vector<CellInputs> cells = read_samplesheet(o.samplesheet);
  sum.cells = cells.size();
  const std::vector<std::string>& marks = mark_names();
  std::vector<std::string> paths;  // file f = cell * 5 + mark
  for (const CellInputs& c : cells)
    for (const std::string& p : c.marks) paths.push_back(p);
  std::vector<SignalFile> files(paths.size());
  for (std::size_t f = 0; f < paths.size(); ++f) {
    files[f] = inspect_signal(paths[f]);
    if (!o.use_index) files[f].indexed = false;
  }
  Annotation ann = read_annotation(o.annotation);
  sum.genes_annotated = ann.genes.size();
  if (ann.format == AnnotationFormat::windows) {
    // The file's windows are the windows: they must be what --bins x --bin-size lays out.
    const std::int64_t span = static_cast<std::int64_t>(o.bins) * o.bin_size;
    for (const Gene& g : ann.genes)
      if (g.end - g.start != span)
        throw DataError(o.annotation, g.line,
                        "window of " + std::to_string(g.end - g.start) + " bp (" + g.chrom + ":" + std::to_string(g.start) + "-" +
                            std::to_string(g.end) + "), but --bins " + std::to_string(o.bins) + " x --bin-size " +
                            std::to_string(o.bin_size) + " is " + std::to_string(span) + " bp",
                        "a gene-window file's windows are used as they are; give the --bins and --bin-size they were made for");
    sum.notes.push_back(o.annotation + ": a gene-window file (chrom, start, end, ID_SYMBOL): each window is used as it is, "
                        "its bins in genomic order (there is no strand to orient them by)");
  }
  if (ann.duplicates) sum.notes.push_back(std::to_string(ann.duplicates) + " annotation records repeat a gene id: first kept");
  if (ann.unusable_ids) sum.notes.push_back(std::to_string(ann.unusable_ids) + " annotation ids hold '_' after the version (e.g. _PAR_Y copies): skipped");
  std::vector<ExpressionValues> expr(cells.size());
  for (std::size_t c = 0; c < cells.size(); ++c)
    if (!cells[c].expression.empty())
      expr[c] = cells[c].expression_column.empty() ? read_expression(cells[c].expression, cells[c].name, true)
                                                   : read_expression(cells[c].expression, cells[c].expression_column);

  // What the readers decided about single files (a stale index, peaks counted as reads), and
  // one file given twice (two marks, or one mark of two cells): legal, but hardly meant.
  for (const SignalFile& f : files)
    for (const std::string& n : f.notes) sum.notes.push_back(f.path + ": " + n);
  auto role = [&](std::size_t f) { return cells[f / 5].name + " " + marks[f % 5]; };
  for (std::size_t a = 0; a < paths.size(); ++a)
    for (std::size_t b = a + 1; b < paths.size(); ++b) {
      std::error_code eq;
      if (paths[a] == paths[b] || fs::equivalent(paths[a], paths[b], eq))
        sum.notes.push_back(paths[b] + " is given for both " + role(a) + " and " + role(b) +
                            (paths[a] == paths[b] ? "" : " (as " + paths[a] + ")") + ": the same reads for both");
    }

  // 2. Genes with all inputs.
  for (const SignalFile& f : files) {
    if (f.format == SignalFormat::reads) continue;
    bool any = false, renamed = false;
    for (const std::string& c : ann.chroms) {
      const int k = find_chrom(f.chroms, c);
      if (k >= 0) {
        any = true;
        renamed = renamed || f.chroms[static_cast<std::size_t>(k)] != c;
      }
    }
    if (!any)
      throw DataError(f.path, "no gene of the annotation " + o.annotation + " falls on any chromosome of this file",
                      "the file has " + pd::chrom_list(f.chroms) + "; the annotation has " + pd::chrom_list(ann.chroms));
    if (renamed)
      sum.notes.push_back(f.path + ": chromosome names differ from the annotation's; matched as deepTools does (chr1 <-> 1, chrM <-> MT)");
  }
  std::vector<Gene> genes;
  std::size_t no_chrom = 0, no_expr = 0;
  for (const Gene& g : ann.genes) {
    bool ok = true;
    for (const SignalFile& f : files)
      if (f.format != SignalFormat::reads && find_chrom(f.chroms, g.chrom) < 0) ok = false;
    if (!ok) {
      ++no_chrom;
      continue;
    }
    for (std::size_t c = 0; c < cells.size(); ++c)
      if (!cells[c].expression.empty() && !expr[c].value.count(g.id)) ok = false;
    if (!ok) {
      ++no_expr;
      continue;
    }
    genes.push_back(g);
  }
  if (no_chrom) sum.notes.push_back(std::to_string(no_chrom) + " genes lie on chromosomes missing from a BAM/bigWig header: not used");
  if (no_expr) sum.notes.push_back(std::to_string(no_expr) + " genes have no row in an expression table: not used");
  for (std::size_t c = 0; c < cells.size(); ++c) {
    if (cells[c].expression.empty()) continue;
    std::size_t found = 0;
    for (const Gene& g : ann.genes) found += expr[c].value.count(g.id);
    if (found == 0)
      throw DataError(cells[c].expression, "no gene id of the annotation " + o.annotation + " is in this expression table",
                      "ids are compared without version suffixes; are both Ensembl gene ids?");
  }
  if (genes.empty()) throw DataError(o.annotation, "no gene has all inputs");
  // A gene reaching past the end of its chromosome in a BAM/bigWig header proves that the
  // annotation and the file come from different assemblies (an hg38 GTF on hg19 BAMs): every
  // window would be misplaced, most without any error. (tagAlign/BED carry no lengths.)
  for (const SignalFile& f : files) {
    if (f.lengths.empty()) continue;
    for (const Gene& g : genes) {
      const int k = find_chrom(f.chroms, g.chrom);
      const std::int64_t len = f.lengths[static_cast<std::size_t>(k)];
      if (g.end > len)
        throw DataError(f.path, "gene " + g.id + " (" + o.annotation + " line " + std::to_string(g.line) + ") spans " +
                                    g.chrom + ":" + std::to_string(g.start) + "-" + std::to_string(g.end) + ", past the end of " +
                                    f.chroms[static_cast<std::size_t>(k)] + " in this file (" + std::to_string(len) + " bp)",
                        "the annotation and this file are from different genome builds (e.g. GRCh38 genes on hg19 reads)");
    }
  }
  sum.genes_used = genes.size();
  if (o.check_size) {
    PrepareSize z = pd::estimate_size(genes, files, o.bins, o.bin_size, threads);
    const fs::space_info sp = fs::space(writable, ec);
    if (!ec) z.free_bytes = static_cast<double>(sp.available);
    o.check_size(z);
  }
  log("prepare: " + std::to_string(cells.size()) + " cells, " + std::to_string(files.size()) + " signal files, " +
      std::to_string(genes.size()) + " of " + std::to_string(ann.genes.size()) + " genes with all inputs");
  {
    // Two cells with the same value for every gene used (one file named twice, or a copy)
    // give a target log2((eB+1)/(eA+1)) of 0 everywhere: nothing to learn, and train refuses
    // the pair (train/fit.hpp, check_target_varies). A mistake in the sheet, most likely, but
    // the other pairs of a many-cell root are fine, so a note rather than a refusal.
    std::vector<std::vector<double>> used(cells.size());
    for (std::size_t c = 0; c < cells.size(); ++c)
      if (!cells[c].expression.empty())
        for (const Gene& g : genes) used[c].push_back(expr[c].value.at(g.id));
    for (std::size_t a = 0; a < cells.size(); ++a)
      for (std::size_t b = a + 1; b < cells.size(); ++b)
        if (!used[a].empty() && used[a] == used[b])
          sum.notes.push_back("cells " + cells[a].name + " and " + cells[b].name + " have identical expression: " +
                              (cells[a].expression == cells[b].expression
                                   ? "both read " + cells[a].expression
                                   : cells[a].expression + " and " + cells[b].expression + " give the same value") +
                              " for all " + std::to_string(genes.size()) +
                              " genes used, so the pair's target log2((eB+1)/(eA+1)) is 0 for every gene (train refuses it)");
  }

  // 3. Splits, before counting: each cell is written as soon as its files are counted (a
  // failure explains itself with the notes on dropped genes).
  const std::vector<int> split = pd::assign_splits(o, genes, sum.notes);
  for (int s : split)
    if (s >= 0) ++sum.split_sizes[static_cast<std::size_t>(s)];

  // 4. Count and write. The tasks of all files go into one queue in cell order (larger files
  // first within a cell); a cell's tracks are made when its first task starts, and the thread
  // that finishes its last task writes the cell's files and frees them. Taken in order, at most
  // threads + 1 cells are in flight, so memory is bounded by that, not by the number of cells.
  const GeneWindows win = make_windows(genes, o.bins, o.bin_size);
  const std::size_t R = genes.size(), T = static_cast<std::size_t>(o.bins);
  std::vector<SignalTask> tasks;
  std::vector<std::size_t> first_task(cells.size() + 1, 0);
  for (std::size_t c = 0; c < cells.size(); ++c) {
    first_task[c] = tasks.size();
    for (std::size_t m = 0; m < 5; ++m)
      for (const SignalTask& t : plan_tasks(files[c * 5 + m], c * 5 + m, win)) tasks.push_back(t);
    // Whole-file tasks are the largest; then by size.
    std::stable_sort(tasks.begin() + static_cast<std::ptrdiff_t>(first_task[c]), tasks.end(),
                     [&](const SignalTask& a, const SignalTask& b) {
                       const bool wa = a.chrom < 0, wb = b.chrom < 0;
                       if (wa != wb) return wa;
                       return pd::file_size(files[a.file].path) > pd::file_size(files[b.file].path);
                     });
  }
  first_task[cells.size()] = tasks.size();
  const std::size_t checksum_jobs = o.checksums ? paths.size() + 1 : 0;
  const std::size_t jobs = tasks.size() + checksum_jobs;
  const int io_threads = static_cast<int>(std::max<std::size_t>(1, static_cast<std::size_t>(threads) / std::max<std::size_t>(1, tasks.size())));
  std::vector<TaskStats> stats(tasks.size());
  std::vector<std::uint64_t> sums(checksum_jobs, 0);
  std::vector<std::vector<Track>> tracks(cells.size());
  std::vector<std::atomic<std::size_t>> remaining(cells.size());
  for (std::size_t c = 0; c < cells.size(); ++c) remaining[c] = first_task[c + 1] - first_task[c];
  std::vector<std::vector<std::string>> file_notes(files.size());  // in file order at the end
  std::vector<TaskStats> per_file(files.size());  // each summed by the thread that finishes its cell
  std::atomic<std::size_t> peak_track_bytes{0}, track_bytes{0};

  // A cell whose files are all counted: checks on what was read, then its three CSVs and its
  // expression table, then its tracks are freed.
  auto finish_cell = [&](std::size_t c, const fs::path& tmp) {
    for (std::size_t m = 0; m < 5; ++m) {
      const std::size_t f = c * 5 + m;
      TaskStats& p = per_file[f];
      for (std::size_t k = first_task[c]; k < first_task[c + 1]; ++k)
        if (tasks[k].file == f) {
          p.records += stats[k].records;
          p.usable += stats[k].usable;
          p.used += stats[k].used;
          p.on_genes_chroms += stats[k].on_genes_chroms;
          for (const std::string& n : stats[k].notes) p.notes.push_back(files[f].path + ": " + n);
        }
      // A file read from start to end without one usable read would give an all-zero mark (an
      // indexed BAM is checked by its index, in inspect_signal; a text file without data lines too).
      if (files[f].format == SignalFormat::bam && !files[f].indexed && p.usable == 0)
        throw DataError(files[f].path, "no usable alignment in " + std::to_string(p.records) +
                                           " records: all unmapped, duplicates or QC-failed",
                        "a mark's reads must be aligned (bedtools multicov would count nothing either)");
      if (files[f].format == SignalFormat::reads && p.records > 0 && p.on_genes_chroms == 0)
        throw DataError(files[f].path, "no read falls on any chromosome of the annotation " + o.annotation,
                        "the annotation has " + pd::chrom_list(ann.chroms));
      // Genes whose window holds no read: expected for some, but a whole chromosome of them
      // means the file lacks it (a tagAlign of another build or of chr1 only).
      const Track& tr = tracks[c][m];
      std::size_t empty = 0;
      std::vector<std::string> bare;
      for (std::size_t ci = 0; ci < win.chroms.size(); ++ci) {
        std::size_t n = 0;
        for (const int r : win.per_chrom[ci].row) {
          bool zero = true;
          for (std::size_t t = 0; t < T && zero; ++t) zero = tr[static_cast<std::size_t>(r) * T + t] == 0;
          n += zero;
        }
        empty += n;
        if (n == win.per_chrom[ci].row.size()) bare.push_back(win.chroms[ci]);
      }
      if (empty)
        file_notes[f].push_back(files[f].path + ": " + std::to_string(empty) + " of " + std::to_string(R) + " genes have " +
                                (files[f].format == SignalFormat::bigwig ? "no signal" : "no read") + " in their window" +
                                (bare.empty() ? "" : "; none at all on " + pd::chrom_list(bare)));
    }
    std::string text;
    for (int s = 0; s < 3; ++s) {
      if (interrupted()) throw PrepareInterrupted();
      text.clear();
      text.reserve(sum.split_sizes[static_cast<std::size_t>(s)] * T * 48);
      for (std::size_t g = 0; g < R; ++g) {
        if (split[g] != s) continue;
        const Gene& gene = genes[g];
        const bool flip = o.order == BinOrder::strand && gene.strand == '-';
        for (std::size_t b = 0; b < T; ++b) {
          const std::size_t t = flip ? T - 1 - b : b;
          text += gene.id;
          text += '_';
          text += gene.symbol;
          text += '_';
          pd::append_int(text, static_cast<long long>(b + 1));
          for (std::size_t m = 0; m < 5; ++m) {
            const Track& tr = tracks[c][m];
            text += ',';
            if (tr.is_counts()) pd::append_int(text, static_cast<long long>(tr.counts[g * T + t]));
            else pd::append_double(text, tr.means[g * T + t]);
          }
          text += '\n';
        }
      }
      write_file_atomic((tmp / (cells[c].name + "." + pd::split_names()[static_cast<std::size_t>(s)] + ".csv")).string(), text);
    }
    std::size_t freed = 0;
    for (const Track& tr : tracks[c]) freed += tr.bytes();
    tracks[c].clear();
    tracks[c].shrink_to_fit();
    track_bytes -= freed;
    if (!cells[c].expression.empty()) {
      text.clear();
      for (int s = 0; s < 3; ++s)
        for (std::size_t g = 0; g < R; ++g)
          if (split[g] == s) text += genes[g].id + "," + csv_number(expr[c].value.at(genes[g].id)) + "\n";
      write_file_atomic((tmp / (cells[c].name + ".expr.csv")).string(), text);
    }
  };

  // Everything is written into a temporary folder beside DIR, then renamed.
  make_directories(parent.string());
  const fs::path tmp = parent / (pd::temporary_prefix(out) + std::to_string(static_cast<long>(::getpid())));
  fs::remove_all(tmp, ec);
  fs::create_directory(tmp);
  try {
    // The tasks' exceptions, kept as they are (a DataError stays a DataError) and rethrown
    // after the parallel loop, the first in task order.
    std::vector<std::exception_ptr> errors(jobs);
    const double read_start = elapsed();
    std::atomic<std::size_t> done{0}, cells_done{0};
    std::atomic<bool> failed{false};
    double last_report = 0;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (long long j = 0; j < static_cast<long long>(jobs); ++j) {
      if (failed.load() || interrupted()) continue;
      const std::size_t k = static_cast<std::size_t>(j);
      try {
        if (k < tasks.size()) {
          const SignalTask& t = tasks[k];
          const std::size_t c = t.file / 5;
#pragma omp critical(deepdiff_prepare_tracks)
          if (tracks[c].empty()) {
            std::size_t bytes = 0;
            for (std::size_t m = 0; m < 5; ++m) {
              tracks[c].emplace_back(files[c * 5 + m].format, R * T);
              bytes += tracks[c].back().bytes();
            }
            const std::size_t now = track_bytes += bytes;
            if (now > peak_track_bytes) peak_track_bytes = now;
          }
          stats[k] = run_task(files[t.file], t, win, tracks[c][t.file % 5], io_threads, o.interrupt);
          if (--remaining[c] == 0 && !failed.load() && !interrupted()) {
            finish_cell(c, tmp);
            ++cells_done;
          }
        } else {
          const std::size_t c = k - tasks.size();
          sums[c] = fnv1a64_file(c < paths.size() ? paths[c] : o.annotation);
        }
      } catch (...) {
        errors[k] = std::current_exception();
        failed = true;
      }
      const std::size_t d = ++done;
#pragma omp critical(deepdiff_prepare_progress)
      {
        const double s = elapsed();
        if (o.log && (s - last_report > 2.0 || d == jobs) && !failed.load()) {
          last_report = s;
          const double eta = s / static_cast<double>(d) * static_cast<double>(jobs - d);
          log("prepare: " + std::to_string(d) + "/" + std::to_string(jobs) + " reading tasks done, " +
              std::to_string(cells_done.load()) + "/" + std::to_string(cells.size()) + " cells written, " +
              pd::seconds_text(s) + (d < jobs ? ", about " + pd::seconds_text(eta) + " left" : ""));
        }
      }
    }
    for (const std::exception_ptr& e : errors)
      if (e) std::rethrow_exception(e);
    if (interrupted()) throw PrepareInterrupted();
    sum.read_seconds = elapsed() - read_start;
    sum.peak_track_bytes = peak_track_bytes.load();
    for (const TaskStats& p : per_file) sum.notes.insert(sum.notes.end(), p.notes.begin(), p.notes.end());
    for (const auto& fn : file_notes) sum.notes.insert(sum.notes.end(), fn.begin(), fn.end());

    const double write_start = elapsed();
    std::string tsv = "gene\tsymbol\tchrom\ttss\tstrand\tsplit\n";
    for (std::size_t g = 0; g < R; ++g) {
      const Gene& gene = genes[g];
      tsv += gene.id + "\t" + gene.symbol + "\t" + gene.chrom + "\t" + std::to_string(gene.tss()) + "\t" + gene.strand +
             "\t" + (split[g] < 0 ? "unused" : pd::split_names()[static_cast<std::size_t>(split[g])]) + "\n";
    }
    write_file_atomic((tmp / "genes.tsv").string(), tsv);

    nlohmann::ordered_json j;
    j["format"] = "deepdiff-prepare 1";
    j["settings"] = {{"bins", o.bins},
                     {"bin_size", o.bin_size},
                     {"window", "TSS +/- " + std::to_string(o.bins * o.bin_size / 2) + " bp"},
                     {"bin_order", ann.format == AnnotationFormat::windows ? "genomic (a gene-window file has no strand)"
                                   : o.order == BinOrder::strand                ? "strand"
                                                                                : "genomic"},
                     {"seed", o.seed},
                     {"threads", threads},
                     {"use_index", o.use_index}};
    if (!o.split_from.empty()) j["settings"]["split_from"] = o.split_from;
    else if (!o.test_chroms.empty()) j["settings"]["test_chromosomes"] = o.test_chroms, j["settings"]["valid_chromosomes"] = o.valid_chroms;
    else j["settings"]["split"] = o.split_counts[0] < 0 ? "default" : "counts";
    auto input = [&](const std::string& path, std::size_t sum_index) {
      nlohmann::ordered_json x;
      x["path"] = path;
      x["bytes"] = pd::file_size(path);
      if (o.checksums && sum_index < sums.size()) x["fnv1a64"] = hex64(sums[sum_index]);
      return x;
    };
    j["samplesheet"] = input(o.samplesheet, SIZE_MAX);
    j["annotation"] = input(o.annotation, paths.size());
    j["annotation"]["format"] = format_name(ann.format);
    j["annotation"]["genes"] = ann.genes.size();
    nlohmann::ordered_json in = nlohmann::ordered_json::array();
    for (std::size_t c = 0; c < cells.size(); ++c) {
      for (std::size_t m = 0; m < 5; ++m) {
        const std::size_t f = c * 5 + m;
        nlohmann::ordered_json x = input(paths[f], f);
        x["cell"] = cells[c].name;
        x["assay"] = marks[m];
        x["format"] = files[f].detail + (files[f].indexed ? " (indexed)" : "");
        x["records_read"] = per_file[f].records;
        x["records_in_bins"] = per_file[f].used;
        in.push_back(x);
      }
      if (!cells[c].expression.empty()) {
        nlohmann::ordered_json x = input(cells[c].expression, SIZE_MAX);
        if (o.checksums) x["fnv1a64"] = hex64(fnv1a64_file(cells[c].expression));
        x["cell"] = cells[c].name;
        x["assay"] = "expression";
        x["format"] = format_name(expr[c].format);
        if (!expr[c].column.empty()) x["column"] = expr[c].column;
        in.push_back(x);
      }
    }
    j["inputs"] = in;
    j["genes"] = {{"annotated", ann.genes.size()},
                  {"with_all_inputs", R},
                  {"train", sum.split_sizes[0]},
                  {"valid", sum.split_sizes[1]},
                  {"test", sum.split_sizes[2]},
                  {"unused", R - sum.split_sizes[0] - sum.split_sizes[1] - sum.split_sizes[2]}};
    j["notes"] = sum.notes;
    if (!sum.removed.empty()) j["removed_leftovers"] = sum.removed;
    sum.write_seconds = elapsed() - write_start;
    sum.seconds = elapsed();
    j["seconds"] = {{"total", sum.seconds}, {"reading", sum.read_seconds}, {"writing", sum.write_seconds}};
    j["peak_counted_bytes"] = sum.peak_track_bytes;
    // Names from the inputs (paths, a matrix column) need not be UTF-8: such bytes become U+FFFD
    // rather than the run failing at its very end.
    write_file_atomic((tmp / "prepare.json").string(), j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");

    if (interrupted()) throw PrepareInterrupted();
    if (fs::exists(out, ec)) fs::remove(out);  // an empty folder (checked at the start)
    fs::rename(tmp, out);
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
  return sum;
}

}  // namespace genomics
}  // namespace deepdiff
