// What the paper's whole experiment costs on this machine, from measured full-size epochs:
// the ten cell pairs x seven variants = 70 runs of 120 epochs on 10,000 / 2,360 / 6,100
// train / valid / test genes (spec, "The ten cell pairs"), extrapolated from a few epochs of
// each variant on one synthetic pair of exactly that size.
//
// Two ways to use the two cores of a 2-core machine are measured, because neither wins for
// every variant:
//   1 run x 2 threads   each variant trained alone on 2 OpenMP threads
//   2 runs x 1 thread   two runs of the same variant trained at once, one thread each (so
//                       they compete for memory bandwidth and L3 as two shards of a study do)
// An epoch is what fit does per epoch: training (forward, backward, clip, Adam on every batch)
// and the validation predictions; a run adds the test predictions of its best epoch once.
//   run time = 120 x (median epoch) + test predictions
// The study is then 10 copies of each variant's run: on 1 x 2 threads their sum; on 2 x 1
// thread the longest-first schedule of the 70 runs on two lanes; "mixed" takes, per variant,
// the way that costs fewer core-hours (the 2-thread runs alone, the rest two at a time).
//
// The data: `deepdiff synth`'s generator (data/synthetic.hpp) writes the pair into a
// temporary folder, which is removed after loading. Its numbers do not matter for the time:
// every variant's work per gene is fixed by the shapes.
#include <cxxopts.hpp>

#include <deepdiff/deepdiff.hpp>

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <numeric>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

using namespace deepdiff;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

struct Pair {
  Split train, valid, test;
};

// One synthetic pair of the given split sizes, written by the library's generator and read
// back by the loader (the path a real run takes).
Pair synthetic_pair(Index n_train, Index n_valid, Index n_test, Index bins) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("deepdiff-bench-study-" + std::to_string(::getpid()));
  SynthConfig cfg;
  cfg.genes = n_train + n_valid + n_test;
  cfg.bins = bins;
  cfg.train_fraction = static_cast<double>(n_train) / static_cast<double>(cfg.genes);
  cfg.valid_fraction = static_cast<double>(n_valid) / static_cast<double>(cfg.genes);
  fs::remove_all(dir);
  Pair p;
  try {
    write_synthetic(dir.string(), cfg);
    p.train = load_split(dir.string(), cfg.cell1, cfg.cell2, "train");
    p.valid = load_split(dir.string(), cfg.cell1, cfg.cell2, "valid");
    p.test = load_split(dir.string(), cfg.cell1, cfg.cell2, "test");
  } catch (...) {
    fs::remove_all(dir);
    throw;
  }
  fs::remove_all(dir);
  return p;
}

// The measured cost of one variant's run: median epoch (training + validation) and the test
// predictions that end a run, in seconds.
struct RunCost {
  std::vector<double> epochs;
  double train = 0, valid = 0, test = 0;  // medians of the epochs' parts; test: once per run
  double epoch() const { return median_of(epochs); }
  double run_hours(int published_epochs) const { return (published_epochs * epoch() + test) / 3600.0; }
};

// `epochs` epochs of the published recipe (seed 1 initialization, batch 10, lr 1e-4) on
// `threads` OpenMP threads of the calling thread.
RunCost measure_run(const Pair& pair, Variant v, Index bins, int epochs, int threads, std::uint64_t seed,
                    Precision precision, const std::function<void(const EpochRecord&)>& on_epoch) {
  omp_set_num_threads(threads);
  ModelConfig cfg;
  cfg.variant = v;
  cfg.bins = bins;
  DeepDiff<float> model(cfg);
  model.set_precision(precision);
  Rng init(seed);
  model.params().init_uniform(init, -0.1, 0.1);
  FitOptions opt;
  opt.train.epochs = epochs;
  opt.train.seed = seed;
  RunCost c;
  std::vector<double> train, valid;
  FitHooks<float> hooks;
  hooks.on_epoch = [&](const EpochRecord& r, const TrainState<float>&) {
    c.epochs.push_back(r.train_seconds + r.valid_seconds);
    train.push_back(r.train_seconds);
    valid.push_back(r.valid_seconds);
    if (on_epoch) on_epoch(r);
    return true;
  };
  const auto t0 = Clock::now();
  fit(model, FitData{pair.train, pair.valid, &pair.test}, opt, hooks);
  const double total = seconds_since(t0);
  c.train = median_of(train);
  c.valid = median_of(valid);
  c.test = std::max(0.0, total - std::accumulate(c.epochs.begin(), c.epochs.end(), 0.0));
  return c;
}

// Longest-first schedule of jobs on `lanes` lanes: the time the last lane finishes.
double makespan(std::vector<double> jobs, int lanes) {
  std::sort(jobs.rbegin(), jobs.rend());
  std::vector<double> lane(static_cast<std::size_t>(lanes), 0.0);
  for (double j : jobs) *std::min_element(lane.begin(), lane.end()) += j;
  return *std::max_element(lane.begin(), lane.end());
}

std::vector<Variant> parse_variants(const std::string& list) {
  if (list == "all") return {all_variants().begin(), all_variants().end()};
  std::vector<Variant> out;
  std::stringstream ss(list);
  for (std::string name; std::getline(ss, name, ',');) out.push_back(parse_variant(name));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  cxxopts::Options o("bench_study",
                     "The ten-pair study's time on this machine, extrapolated from measured full-size epochs of\n"
                     "every variant: 1 run x 2 threads vs 2 runs x 1 thread (see the source's header).");
  o.add_options()("quick", "smoke run: a tiny pair (40/12/12 genes, 20 bins), 1 epoch")
      ("train", "training genes", cxxopts::value<long long>()->default_value("10000"))
      ("valid", "validation genes", cxxopts::value<long long>()->default_value("2360"))
      ("test", "test genes", cxxopts::value<long long>()->default_value("6100"))
      ("bins", "bins per gene (T)", cxxopts::value<long long>()->default_value("200"))
      ("epochs", "measured epochs per variant and way (the median is extrapolated)",
       cxxopts::value<int>()->default_value("3"))
      ("variants", "comma-separated variants, or all", cxxopts::value<std::string>()->default_value("all"))
      ("no-lanes", "skip the 2 runs x 1 thread measurement")
      ("precision", "of the LSTM products: fp32 or bf16 (deepdiff train --precision)", cxxopts::value<std::string>()->default_value("fp32"))
      ("h,help", "show this help");
  cxxopts::ParseResult a;
  try {
    a = o.parse(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_study: %s\n", e.what());
    return 2;
  }
  if (a.count("help")) {
    std::puts(o.help().c_str());
    return 0;
  }
  const bool quick = a.count("quick") > 0;
  const Index n_train = quick ? 40 : a["train"].as<long long>();
  const Index n_valid = quick ? 12 : a["valid"].as<long long>();
  const Index n_test = quick ? 12 : a["test"].as<long long>();
  const Index bins = quick ? 20 : a["bins"].as<long long>();
  const int epochs = quick ? 1 : a["epochs"].as<int>();
  const bool lanes = !a.count("no-lanes");
  Precision precision;
  try {
    precision = parse_precision(a["precision"].as<std::string>());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_study: --precision: %s\n", e.what());
    return 2;
  }
  std::vector<Variant> variants;
  try {
    variants = parse_variants(a["variants"].as<std::string>());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_study: --variants: %s\n", e.what());
    return 2;
  }
  if (n_train < 1 || n_valid < 1 || n_test < 1 || bins < 1 || epochs < 1) {
    std::fprintf(stderr, "bench_study: --train, --valid, --test, --bins and --epochs must be >= 1\n");
    return 2;
  }
  constexpr int kPublishedEpochs = 120, kPairs = 10;

  const auto t_data = Clock::now();
  Pair pair;
  try {
    pair = synthetic_pair(n_train, n_valid, n_test, bins);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_study: %s\n", e.what());
    return 1;
  }
  std::printf("synthetic pair: %lld / %lld / %lld genes x %lld bins x 5 marks (written and loaded in %.1f s); "
              "%d OpenMP threads available\n",
              static_cast<long long>(pair.train.genes()), static_cast<long long>(pair.valid.genes()),
              static_cast<long long>(pair.test.genes()), static_cast<long long>(bins), seconds_since(t_data),
              omp_get_num_procs());
  std::printf("published recipe (batch 10, lr 1e-4, seed 1); %d measured epochs per variant and way; precision %s "
              "(bf16 products: %s)\n\n",
              epochs, precision_name(precision), kernels::bf16_kernel_name());

  // Progress on stderr: every epoch, with the time so far and an estimate of what is left. A
  // variant's work is taken as proportional to its parameter count (nearly all of it is the
  // level-1 encoders, one per channel, which is also where nearly all the time goes).
  std::vector<double> work;
  for (Variant v : variants) {
    ModelConfig cfg;
    cfg.variant = v;
    cfg.bins = bins;
    work.push_back(static_cast<double>(DeepDiff<float>(cfg).params().values().size()));
  }
  const double work_all = std::accumulate(work.begin(), work.end(), 0.0);
  double work_done = 0;
  const auto t0 = Clock::now();
  auto progress = [&](const std::string& what, double share) {
    return [&, what, share](const EpochRecord& r) {
      const double done = work_done + share * r.epoch / epochs, elapsed = seconds_since(t0);
      std::fprintf(stderr, "  %-36s epoch %d: train %.1f s, valid %.1f s  (%.0f s so far, ~%.0f s left)\n",
                   what.c_str(), r.epoch, r.train_seconds, r.valid_seconds, elapsed,
                   elapsed * (work_all - done) / done);
    };
  };

  std::vector<RunCost> two(variants.size()), lane(variants.size());
  for (std::size_t i = 0; i < variants.size(); ++i) {
    const std::string name = variant_name(variants[i]);
    // The lanes' part costs about twice the 2-thread part (two runs, one thread each).
    const double share2 = lanes ? work[i] / 3 : work[i], share1 = work[i] - share2;
    two[i] = measure_run(pair, variants[i], bins, epochs, 2, 1, precision, progress(name + ", 1 run x 2 threads", share2));
    work_done += share2;
    if (!lanes) continue;
    // Two runs at once, one thread each (OpenMP's thread count is per calling thread).
    RunCost r[2];
    std::thread other([&] { r[1] = measure_run(pair, variants[i], bins, epochs, 1, 2, precision, {}); });
    r[0] = measure_run(pair, variants[i], bins, epochs, 1, 1, precision, progress(name + ", 2 runs x 1 thread", share1));
    other.join();
    work_done += share1;
    lane[i] = r[0];
    lane[i].epochs.clear();
    for (std::size_t e = 0; e < r[0].epochs.size(); ++e)  // a lane's epoch: the mean of the two runs'
      lane[i].epochs.push_back(0.5 * (r[0].epochs[e] + r[1].epochs[e]));
    lane[i].test = 0.5 * (r[0].test + r[1].test);
  }
  omp_set_num_threads(omp_get_num_procs());

  std::printf("| variant | 2 thr: train s/epoch | valid s/epoch | run h | 2 x 1 thr: s/epoch | run h | 2 thr vs 1 "
              "thr (per run) | cheaper in core-h |\n|---|---:|---:|---:|---:|---:|---:|---|\n");
  double sum_two = 0, mixed_alone = 0;
  std::vector<double> lane_jobs, mixed_jobs;
  for (std::size_t i = 0; i < variants.size(); ++i) {
    const double h2 = two[i].run_hours(kPublishedEpochs);
    sum_two += h2;
    char l_epoch[32] = "-", l_run[32] = "-", ratio[32] = "-", cheaper[32] = "-";
    if (lanes) {
      const double h1 = lane[i].run_hours(kPublishedEpochs);
      std::snprintf(l_epoch, sizeof l_epoch, "%.1f", lane[i].epoch());
      std::snprintf(l_run, sizeof l_run, "%.2f", h1);
      std::snprintf(ratio, sizeof ratio, "%.2fx", h1 / h2);
      const bool alone = 2 * h2 < h1;
      std::snprintf(cheaper, sizeof cheaper, "%s", alone ? "1 x 2 thr" : "2 x 1 thr");
      for (int k = 0; k < kPairs; ++k) {
        lane_jobs.push_back(h1);
        if (alone)
          mixed_alone += h2;
        else
          mixed_jobs.push_back(h1);
      }
    }
    std::printf("| %s | %.1f | %.1f | %.2f | %s | %s | %s | %s |\n", variant_name(variants[i]).c_str(), two[i].train,
                two[i].valid, h2, l_epoch, l_run, ratio, cheaper);
  }
  std::printf("\nthe study (%d pairs x %zu variants x %d epochs), wall-clock hours on this machine:\n", kPairs,
              variants.size(), kPublishedEpochs);
  std::printf("  1 run x 2 threads, one after another:  %.1f h\n", kPairs * sum_two);
  if (lanes) {
    std::printf("  2 runs x 1 thread, longest first:       %.1f h\n", makespan(lane_jobs, 2));
    std::printf("  mixed (per variant the cheaper way):    %.1f h\n", mixed_alone + makespan(mixed_jobs, 2));
  }
  std::printf("\nrun h = (%d x median epoch + the test predictions) / 3600; an epoch = training + validation "
              "(fit's EpochRecord).\n2 thr vs 1 thr: a 1-thread lane's run time (beside another) / the 2-thread "
              "run time.\nMeasured in %.0f s.\n",
              kPublishedEpochs, seconds_since(t0));
  return 0;
}
