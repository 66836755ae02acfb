// `deepdiff prepare`: the command-line face of genomics/prepare.hpp (options, messages,
// exit codes). Built only with htslib and libBigWig (CMake target deepdiff::genomics);
// without them the command says so and exits 1.
#pragma once

#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "common/cli.hpp"
#include "common/flags.hpp"

#ifdef DEEPDIFF_HAVE_GENOMICS
#include <deepdiff/genomics/prepare.hpp>
#include <htslib/hts_log.h>
#endif

namespace deepdiff_cli {

#ifdef DEEPDIFF_HAVE_GENOMICS

// Ctrl-C and SIGTERM during a run: the first asks prepare_data_root to stop (it removes its
// temporary folder, which can hold gigabytes, and exits by the same signal); a second one ends
// the process at once. A handler can only reach a global: these two are the program's, not the
// library's (which takes the flag as PrepareOptions::interrupt).
inline std::atomic<bool> prepare_stop{false};
inline volatile std::sig_atomic_t prepare_signal = 0;
extern "C" inline void prepare_on_signal(int sig) {
  prepare_signal = sig;
  prepare_stop.store(true);
  std::signal(sig, SIG_DFL);
}

// Refuses, naming the flag, a layout whose results do not fit in this machine's memory or whose
// files do not fit on the output's disk (deepdiff::genomics::PrepareSize: known before any
// signal is read, with the free space where --out goes).
inline void check_prepare_size(const deepdiff::genomics::PrepareSize& z, long long bins, long long bin_size,
                               const std::string& out) {
  const std::string layout = std::to_string(z.genes) + " genes x " + std::to_string(bins) + " bins x " +
                             std::to_string(z.files) + " signal files";
  const double have = physical_memory_bytes();
  if (have > 0 && z.memory_bytes() > have) {
    const bool window = z.lookup_bytes > z.values_bytes + z.write_bytes;
    if (window)
      throw UsageError("--bin-size " + std::to_string(bin_size) + ": windows of " + std::to_string(bins * bin_size) +
                       " bp for " + std::to_string(z.genes) + " genes would need about " + bytes_text(z.memory_bytes()) +
                       " of memory, more than this machine's " + bytes_text(have) + "; lower --bin-size or --bins");
    throw UsageError("--bins " + std::to_string(bins) + ": " + layout + " would need about " +
                     bytes_text(z.memory_bytes()) + " of memory, more than this machine's " + bytes_text(have) +
                     "; lower --bins");
  }
  if (z.free_bytes >= 0 && z.output_bytes > z.free_bytes)
    throw UsageError("--bins " + std::to_string(bins) + ": " + layout + " would write about " + bytes_text(z.output_bytes) +
                     " into " + out + ", more than the " + bytes_text(z.free_bytes) +
                     " free there; lower --bins or choose another --out");
}

inline int cmd_prepare_impl(int argc, char** argv) {
  namespace g = deepdiff::genomics;
  cxxopts::Options o(
      "deepdiff prepare",
      "Turn a lab's own files into a data root that `deepdiff train` reads: for every gene of the\n"
      "annotation, the five histone marks in --bins bins of --bin-size bp around the TSS, per cell.\n"
      "Values are those of the field's tools: BAM -> `bedtools multicov`, tagAlign/BED reads ->\n"
      "`bedtools intersect -c`, bigWig -> `computeMatrix reference-point --missingDataAsZero`.\n"
      "Writes DIR/CELL.{train,valid,test}.csv, DIR/CELL.expr.csv, DIR/genes.tsv, DIR/prepare.json\n"
      "into a temporary folder renamed onto DIR at the end (nothing partial on error); each cell's\n"
      "files are written as soon as its marks are counted, so memory stays bounded however many\n"
      "cells the sheet lists. See docs/prepare.md.");
  o.add_options()("h,help", "show this help")(
      "threads", "OpenMP threads, at most 1024 (0: all cores / OMP_NUM_THREADS)", cxxopts::value<long long>()->default_value("0"));
  o.add_options("inputs")
      ("samples", "samplesheet CSV, header cell,assay,path; assay: H3K4me1 H3K4me3 H3K9me3 H3K27me3 H3K36me3, "
                  "input (an input control, optional) or expression; several rows of one cell and mark are "
                  "replicates, pooled (reads summed, bigWigs averaged); files: BAM (.bai/.csi used when present), tagAlign/BED (plain or gzip), bigWig; "
                  "expression: a two-column table, featureCounts, salmon, or a genes x samples matrix (the column "
                  "named like the cell, or path#COLUMN, e.g. 57epigenomes.N.pc.gz#E003)",
       cxxopts::value<std::string>())
      ("genes", "gene annotation: GTF or GFF3 (gene records) or BED6; or a gene-window file (chrom, start, end, "
                "ID_SYMBOL: the windows as they are, each --bins x --bin-size long, bins in genomic order)",
       cxxopts::value<std::string>())
      ("out", "output folder (must not exist, or be empty)", cxxopts::value<std::string>())
      ("gene-types", "only genes of these types, from a GTF/GFF3's gene_type (GENCODE) or gene_biotype (Ensembl), "
                     "e.g. protein_coding (the authors' genes) or protein_coding,lincRNA; counts per type go to "
                     "prepare.json", cxxopts::value<std::string>());
  o.add_options("layout")
      ("bins", "bins per gene (even, at most 100000; the window is TSS +/- bins*bin-size/2, at most 20 Mb in all)", cxxopts::value<long long>()->default_value("200"))
      ("bin-size", "bin width in bp", cxxopts::value<long long>()->default_value("100"))
      ("bin-order", "strand: bin 1 is the most upstream bin of every gene (- genes read right to left); genomic: "
                    "coordinate order whatever the strand (the DeepDiff authors' files)",
       cxxopts::value<std::string>()->default_value("strand"));
  o.add_options("split")
      ("split", "TRAIN,VALID,TEST gene counts drawn by --seed (default 10000,2360,6100, or those proportions "
                "when fewer genes have all inputs)", cxxopts::value<std::string>())
      ("test-chromosomes", "hold out the genes of these chromosomes as the test split (e.g. chr8,chr9)",
       cxxopts::value<std::string>())
      ("valid-chromosomes", "with --test-chromosomes: these chromosomes are the validation split (default: drawn)",
       cxxopts::value<std::string>())
      ("split-from", "reuse the splits of an earlier DIR/genes.tsv", cxxopts::value<std::string>())
      ("no-overlap", "draw the splits (--split, the default, or --test-chromosomes' valid genes) by whole clusters "
                     "of overlapping TSS windows, so that no base lies in two splits' windows (not with --split-from)")
      ("seed", "seed of the split draw", cxxopts::value<unsigned long long>()->default_value("1"));
  o.add_options("depth")
      ("normalize-marks", "none: read counts as the published recipe has them; cpm: counts per million usable "
                          "reads of the (pooled) library, so that cells sequenced to different depths compare "
                          "(bigWigs are left as they are). An input control, when the sheet has one, is scaled to "
                          "each mark's library and subtracted, floored at 0, either way",
       cxxopts::value<std::string>()->default_value("none"));
  o.add_options("reading")
      ("ignore-index", "read BAMs sequentially even when indexed")
      ("no-checksums", "do not record FNV-1a checksums of the inputs in prepare.json (saves one read of each file)")
      ("quiet", "print nothing but errors");
  auto r = parse_options(o, argc, argv);
  if (r.count("help")) {
    std::cout << o.help() << "\n";
    return 0;
  }
  auto need = [&](const std::string& k) {
    if (!r.count(k)) throw UsageError("--" + k + " is required");
    return r[k].as<std::string>();
  };
  g::PrepareOptions p;
  p.samplesheet = need("samples");
  p.annotation = need("genes");
  p.out = need("out");
  p.bins = static_cast<int>(int_flag(r, "bins", 2, kMaxPrepareBins));
  if (p.bins % 2) throw UsageError("--bins must be an even number (got " + std::to_string(p.bins) + ")");
  p.bin_size = int_flag(r, "bin-size", 1, kMaxPrepareBinSize);
  if (p.bins * p.bin_size > kMaxPrepareWindow)
    throw UsageError("--bins x --bin-size = " + std::to_string(p.bins * p.bin_size) + " bp per gene, more than " +
                     std::to_string(kMaxPrepareWindow) + " (TSS +/- " + std::to_string(kMaxPrepareWindow / 2000000) +
                     " Mb); lower --bins or --bin-size");
  const std::string order = r["bin-order"].as<std::string>();
  if (order == "strand") p.order = g::BinOrder::strand;
  else if (order == "genomic") p.order = g::BinOrder::genomic;
  else throw UsageError("--bin-order must be strand or genomic");
  const int modes = static_cast<int>(r.count("split")) + static_cast<int>(r.count("test-chromosomes") > 0) +
                    static_cast<int>(r.count("split-from"));
  if (modes > 1) throw UsageError("--split, --test-chromosomes and --split-from exclude each other");
  if (r.count("valid-chromosomes") && !r.count("test-chromosomes"))
    throw UsageError("--valid-chromosomes needs --test-chromosomes");
  if (r.count("split")) {
    const std::vector<std::string> parts = split_list(r["split"].as<std::string>());
    if (parts.size() != 3) throw UsageError("--split takes three counts: TRAIN,VALID,TEST");
    for (int k = 0; k < 3; ++k) {
      std::size_t used = 0;
      long long v = -1;
      try {
        v = std::stoll(parts[static_cast<std::size_t>(k)], &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != parts[static_cast<std::size_t>(k)].size() || v < 1)
        throw UsageError("--split: '" + parts[static_cast<std::size_t>(k)] + "' is not a positive gene count");
      p.split_counts[static_cast<std::size_t>(k)] = v;
    }
  }
  if (r.count("test-chromosomes")) {
    p.test_chroms = split_list(r["test-chromosomes"].as<std::string>());
    if (p.test_chroms.empty()) throw UsageError("--test-chromosomes needs at least one name");
  }
  if (r.count("valid-chromosomes")) p.valid_chroms = split_list(r["valid-chromosomes"].as<std::string>());
  if (r.count("split-from")) p.split_from = r["split-from"].as<std::string>();
  // Given splits are taken as they are: --no-overlap would have to drop or move genes of them.
  if (r.count("no-overlap") && r.count("split-from"))
    throw UsageError("--no-overlap and --split-from exclude each other: --split-from's splits are used as given "
                     "(prepare.json's split_overlap reports what they share)");
  p.no_overlap = r.count("no-overlap") > 0;
  if (r.count("gene-types")) {
    p.gene_types = split_list(r["gene-types"].as<std::string>());
    if (p.gene_types.empty()) throw UsageError("--gene-types needs at least one type (e.g. protein_coding)");
  }
  p.seed = r["seed"].as<unsigned long long>();
  p.threads = threads_flag(r);
  p.use_index = r.count("ignore-index") == 0;
  p.checksums = r.count("no-checksums") == 0;
  const std::string norm = r["normalize-marks"].as<std::string>();
  if (norm == "cpm") p.normalize_marks = g::MarkNormalization::cpm;
  else if (norm != "none") throw UsageError("--normalize-marks must be none or cpm (got '" + norm + "')");
  const bool quiet = r.count("quiet") > 0;
  if (!quiet) p.log = [](const std::string& m) { std::fprintf(stderr, "%s\n", m.c_str()); };
  p.check_size = [&p](const g::PrepareSize& z) { check_prepare_size(z, p.bins, p.bin_size, p.out); };
  p.interrupt = &prepare_stop;
  // Every problem htslib meets comes back as prepare's own message naming the file and what to
  // do; htslib's log lines ("[E::bgzf_read_block] ...") would only repeat it less clearly.
  hts_set_log_level(HTS_LOG_OFF);
  struct sigaction sa {}, old_int{}, old_term{};
  sa.sa_handler = prepare_on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  g::PrepareSummary s;
  try {
    s = g::prepare_data_root(p);
  } catch (const g::PrepareInterrupted& e) {
    const int sig = prepare_signal ? static_cast<int>(prepare_signal) : SIGINT;
    std::fprintf(stderr, "deepdiff prepare: interrupted by %s: %s\n", sig == SIGTERM ? "SIGTERM" : "SIGINT", e.what());
    std::fflush(stderr);
    // End by the same signal, as a shell and a scheduler expect of an interrupted program.
    std::signal(sig, SIG_DFL);
    std::raise(sig);
    return 128 + sig;
  }
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  if (!quiet) {
    for (const std::string& n : s.notes) std::fprintf(stderr, "note: %s\n", n.c_str());
    std::printf("prepared %zu cells x %zu genes (train %zu, valid %zu, test %zu) x %d bins in %s (%.1fs)\n", s.cells,
                s.genes_used, s.split_sizes[0], s.split_sizes[1], s.split_sizes[2], p.bins, p.out.c_str(), s.seconds);
  }
  // Last, so that they are what a reader sees (also under --quiet: they change what the data means).
  std::fflush(stdout);
  for (const std::string& w : s.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
  return 0;
}

#endif  // DEEPDIFF_HAVE_GENOMICS

// Handles its own errors (exit 2 for usage, 1 for data) so that main only dispatches.
inline int cmd_prepare(int argc, char** argv) {
#ifdef DEEPDIFF_HAVE_GENOMICS
  try {
    return cmd_prepare_impl(argc, argv);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "deepdiff prepare: %s\n(see deepdiff prepare --help)\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "deepdiff prepare: error: %s\n", e.what());
    return 1;
  }
#else
  (void)argc;
  (void)argv;
  std::fprintf(stderr,
               "deepdiff prepare: this deepdiff was built without htslib and libBigWig, which prepare needs "
               "(apt-get install libhts-dev libbigwig-dev nlohmann-json3-dev, then configure again)\n");
  return 1;
#endif
}

}  // namespace deepdiff_cli
