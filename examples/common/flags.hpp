// The ranges of the programs' numeric flags, in one place. Every subcommand of `deepdiff` and
// `deepdiff-pairs` reads its numbers through these helpers, so a value out of range is a usage
// error (exit 2) that names the flag, the range and the value given, before anything is read,
// allocated or created.
#pragma once

#include <cxxopts.hpp>

#include <deepdiff/data/expression_scale.hpp>
#include <deepdiff/kernels/bilstm_attention.hpp>
#include <deepdiff/model/memory.hpp>

#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>

#include <unistd.h>

#include "cli.hpp"

namespace deepdiff_cli {

// Upper bounds. None of them is a limit of the math; each is far above any sensible value and
// low enough that what the flag sizes (threads, buffers, files) cannot exhaust the machine.
constexpr long long kMaxThreads = 1024;          // OpenMP threads per process
constexpr long long kMaxEpochs = 1000000;
constexpr long long kMaxBatch = 1000000;          // genes per batch
constexpr long long kMaxHidden = 1000000;         // level-1 hidden size; the memory check decides
constexpr double kMaxLr = 1.0;                    // Adam moves each weight by about lr per step
constexpr double kMaxClip = 1e6;
constexpr long long kMaxSynthGenes = 10000000;
constexpr long long kMaxSynthBins = 100000;
constexpr long long kMaxSynthValues = 1000000000; // genes x bins of synthetic data (5 marks, 2 cells)
// deepdiff prepare: the window of a gene is bins x bin-size bp. What fits in memory and on disk
// depends on the number of genes too, checked once the annotation is read (check_prepare_size).
constexpr long long kMaxPrepareBins = 100000;
constexpr long long kMaxPrepareBinSize = 10000000;
constexpr long long kMaxPrepareWindow = 20000000;  // bins x bin-size: TSS +/- 10 Mb, past any enhancer

inline std::string flag_number(double v) {
  char b[64];
  std::snprintf(b, sizeof b, "%.17g", v);
  return b;
}

// An integer flag in [lo, hi].
inline long long int_flag(const cxxopts::ParseResult& r, const std::string& name, long long lo, long long hi) {
  long long v = 0;
  try {
    v = r[name].as<long long>();
  } catch (const cxxopts::exceptions::exception& e) {
    throw UsageError("--" + name + ": " + e.what());
  }
  if (v < lo || v > hi)
    throw UsageError("--" + name + " must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
                     " (got " + std::to_string(v) + ")");
  return v;
}

// A finite real flag in [lo, hi], or in (lo, hi] when lo_open.
inline double real_flag(const cxxopts::ParseResult& r, const std::string& name, double lo, double hi,
                        bool lo_open = false) {
  double v = 0;
  try {
    v = r[name].as<double>();
  } catch (const cxxopts::exceptions::exception& e) {
    throw UsageError("--" + name + ": " + e.what());
  }
  const bool ok = std::isfinite(v) && (lo_open ? v > lo : v >= lo) && v <= hi;
  if (!ok)
    throw UsageError("--" + name + " must be " + (lo_open ? "> " : ">= ") + flag_number(lo) + " and <= " +
                     flag_number(hi) + " (got " + flag_number(v) + ")");
  return v;
}

inline int threads_flag(const cxxopts::ParseResult& r) {
  return static_cast<int>(int_flag(r, "threads", 0, kMaxThreads));
}

// --hidden: an even number; the memory check comes once the model's size is known.
inline long long hidden_flag(const cxxopts::ParseResult& r) {
  const long long h = int_flag(r, "hidden", 2, kMaxHidden);
  if (h % 2) throw UsageError("--hidden must be an even number (got " + std::to_string(h) + ")");
  return h;
}

// --precision: fp32 or bf16 (tensor/bfloat16.hpp), one help text for every command. bf16
// needs the level-1 hidden size in whole float packets; the commands check their --hidden or
// checkpoint with check_precision_hidden.
inline const char* const kPrecisionHelp =
    "precision of the LSTM products (both levels): fp32, or bf16 (operands rounded to bfloat16, sums in float; "
    "faster where the CPU has AVX512_BF16, an exact emulation elsewhere; docs/usage.md)";

inline deepdiff::kernels::Precision precision_flag(const cxxopts::ParseResult& r) {
  deepdiff::kernels::Precision p;
  try {
    p = deepdiff::kernels::parse_precision(r["precision"].as<std::string>());
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--precision: ") + e.what());
  }
  if (p == deepdiff::kernels::Precision::bf16 && deepdiff::kernels::kBf16Kernel == deepdiff::kernels::Bf16Kernel::emulated)
    std::fprintf(stderr,
                 "note: --precision bf16 runs the emulated bf16 products (this build targets no AVX512_BF16): the same "
                 "numbers as the instructions give, but not faster than fp32\n");
  return p;
}

inline void check_precision_hidden(deepdiff::kernels::Precision p, long long hidden1, const std::string& what) {
  if (p == deepdiff::kernels::Precision::bf16 && !deepdiff::kernels::bf16_supports_hidden(hidden1))
    throw UsageError("--precision bf16 needs a level-1 hidden size that is a multiple of " +
                     std::to_string(deepdiff::packet_size<float>()) + " (" + what + " is " + std::to_string(hidden1) + ")");
}

// --expression-scale: none, cpm or size-factors (data/expression_scale.hpp).
inline deepdiff::ExpressionScale expression_scale_flag(const cxxopts::ParseResult& r) {
  try {
    return deepdiff::parse_expression_scale(r["expression-scale"].as<std::string>());
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--expression-scale: ") + e.what());
  }
}

// The help text of --expression-scale, one for `deepdiff train` and `deepdiff-pairs`.
inline constexpr const char* kExpressionScaleHelp =
    "divide each cell's expression counts before y = log2((eB/sB+1)/(eA/sA+1)): none (s = 1, the paper's "
    "targets), cpm (s = the cell's total / 1e6) or size-factors (DESeq2's median of ratios over the genes both "
    "tables hold above 0); for cells of different sequencing depth (docs/usage.md). Recorded in metrics.json "
    "and checkpoint.bin: eval and predict use it too";

inline void check_cells_differ(const std::string& c1, const std::string& c2) {
  if (c1 == c2)
    throw UsageError("--cell-1 and --cell-2 are the same cell ('" + c1 +
                     "'): the fold change between a cell and itself is 0 for every gene");
}

// Synthetic data sizes (deepdiff synth, deepdiff-pairs --synthetic).
inline void check_synthetic_size(long long genes, long long bins) {
  if (genes * bins > kMaxSynthValues)
    throw UsageError("--genes x --bins = " + std::to_string(genes * bins) + " values per mark and cell, more than " +
                     std::to_string(kMaxSynthValues) + ": lower --genes or --bins");
}

inline double physical_memory_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? static_cast<double>(pages) * static_cast<double>(page) : 0.0;
}

inline std::string bytes_text(double b) {
  char s[64];
  if (b >= 1e12) std::snprintf(s, sizeof s, "%.1f TB", b / 1e12);
  else if (b >= 1e9) std::snprintf(s, sizeof s, "%.1f GB", b / 1e9);
  else std::snprintf(s, sizeof s, "%.1f MB", b / 1e6);
  return s;
}

// Refuses a training run whose memory (deepdiff::training_memory, computed from the sizes
// without allocating anything) exceeds this machine's physical memory, naming the flag that
// makes it large: --hidden when the parameters and their optimizer state dominate, else
// --batch-size (the per-batch activations grow with it).
inline void check_training_memory(const deepdiff::ModelConfig& cfg, long long batch_size) {
  const deepdiff::MemoryEstimate m = deepdiff::training_memory(cfg, static_cast<deepdiff::Index>(batch_size), sizeof(float));
  const double have = physical_memory_bytes();
  if (have <= 0 || m.total() <= have) return;
  const bool params = m.parameters >= m.activations;
  throw UsageError(std::string(params ? "--hidden " + std::to_string(cfg.hidden1) : "--batch-size " + std::to_string(batch_size)) +
                   ": training " + deepdiff::variant_name(cfg.variant) + " would need about " + bytes_text(m.total()) +
                   " (" + flag_number(m.parameter_count) + " parameters with gradients and Adam state: " +
                   bytes_text(m.parameters) + "; activations of a batch of " + std::to_string(batch_size) + " genes x " +
                   std::to_string(cfg.bins) + " bins: " + bytes_text(m.activations) + "), more than this machine's " +
                   bytes_text(have) + "; lower " + (params ? "--hidden" : "--batch-size"));
}

}  // namespace deepdiff_cli
