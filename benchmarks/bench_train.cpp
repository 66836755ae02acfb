// End-to-end speed of DeepDiff training and inference at the published batch size:
// milliseconds per gene per training step (forward + loss + backward + clipping + Adam),
// the implied seconds per epoch on the published 10,000 training genes, and inference
// genes/s — for raw_d and raw_aux_siamese, on 1 and 2 threads, for the fused kernel and the
// composed autograd path, and for PyTorch (tools/bench_torch.py, Debian's python3-torch)
// measured in the same run when it is installed. Also GFLOP/s against this machine's
// measured float matrix-multiply peak and against the core's register-only FMA peak
// (fma_peak.hpp), and where one training step's time goes on 1 and 2 threads (--phases).
// Last, whole raw_d epochs at 1, 2 fixed and 2 adaptive threads, idle and beside a busy loop
// the benchmark starts and stops itself (a machine that is not idle; --contended-genes).
//
// Operation count per gene and training step (the level-1 encoders; level 2, heads and
// Adam add < 2%): K channels x [forward + backward] of one bidirectional LSTM + attention,
//   forward  = T (2 (2 H G + 3 G + 5 H) + 8 H + 4)
//   backward = T (2 (4 G H + 4 G + 28 H) + 4 H + 4)          (G = 4H; both directions)
// with K = 5 (raw_d) or 25 (raw_aux_siamese): 53 and 267 MFLOP at T = 200, H = 32.
#include <cxxopts.hpp>

#include <deepdiff/deepdiff.hpp>

#include "fma_peak.hpp"

#include <nlohmann/json.hpp>

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <memory>
#include <thread>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

using namespace deepdiff;
using Clock = std::chrono::steady_clock;

namespace {

double level1_flops_per_gene(Index K, double T, double H) {
  const double G = 4 * H;
  const double fwd = T * (2 * (2 * H * G + 3 * G + 5 * H) + 8 * H + 4);
  const double bwd = T * (2 * (4 * G * H + 4 * G + 28 * H) + 4 * H + 4);
  return static_cast<double>(K) * (fwd + bwd);
}

double gemm_peak() {
  const int n = 512;
  Eigen::MatrixXf A = Eigen::MatrixXf::Random(n, n), B = Eigen::MatrixXf::Random(n, n), C(n, n);
  double best = 1e30;
  for (int r = 0; r < 10; ++r) {
    const auto a = Clock::now();
    C.noalias() = A * B;
    best = std::min(best, std::chrono::duration<double>(Clock::now() - a).count());
    A(0, 0) += C(0, 0) * 1e-12f;
  }
  return 2.0 * n * n * n / best / 1e9;
}

struct Batch {
  Tensor<float> xa, xb, y, ya, yb;
};

Batch make_batch(Index B, Index T, std::uint64_t seed) {
  Rng rng(seed);
  Batch b{Tensor<float>({B, T, 5}), Tensor<float>({B, T, 5}), Tensor<float>({B, 1}), Tensor<float>({B, 1}),
          Tensor<float>({B, 1})};
  for (Index i = 0; i < b.xa.size(); ++i) {
    b.xa[i] = static_cast<float>(std::floor(rng.uniform(0, 7)));
    b.xb[i] = static_cast<float>(std::floor(rng.uniform(0, 7)));
  }
  for (Index i = 0; i < B; ++i) {
    b.ya[i] = static_cast<float>(rng.uniform(0, 12));
    b.yb[i] = static_cast<float>(rng.uniform(0, 12));
    b.y[i] = b.yb[i] - b.ya[i];
  }
  return b;
}

// Best time of `reps` calls of f (after one warm-up call).
template <class F>
double best_of(int reps, F f) {
  f();
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    const auto a = Clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - a).count());
  }
  return best;
}

// Where one fused training step's time goes: Trainer::step's phases timed one by one (the
// same calls in the same order), plus the level-1 kernel alone (encode_channels_fused's
// forward, and its tape node's backward from a constant seed) on encoders of the same sizes.
// Each phase: median over `reps` steps, in ms per step.
struct Phases {
  double zero = 0, forward = 0, loss = 0, backward = 0, clip = 0, adam = 0, total = 0;
  double k_forward = 0, k_backward = 0;
};

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

Phases time_phases(const ModelConfig& cfg, const Batch& batch, int reps) {
  DeepDiff<float> model(cfg);
  Rng rng(1);
  model.params().init_uniform(rng, -0.1, 0.1);
  AdamState<float> adam;
  const TrainOptions topt;
  std::vector<double> zero, fwd, loss, bwd, clip, opt, total, kf, kb;
  auto ms_since = [](Clock::time_point t) { return 1e3 * std::chrono::duration<double>(Clock::now() - t).count(); };
  for (int r = 0; r <= reps; ++r) {  // r = 0 warms up
    ParameterStore<float>& store = model.params();
    const auto t0 = Clock::now();
    auto t = t0;
    store.zero_grad();
    const double a = ms_since(t);
    t = Clock::now();
    Tape<float> tape;
    ModelOutput<float> out = model.forward(tape, batch.xa, batch.xb, EncoderPath::fused);
    const double b = ms_since(t);
    t = Clock::now();
    ModelLoss<float> l = model.loss(tape, out, batch.y, batch.ya, batch.yb);
    const double c = ms_since(t);
    t = Clock::now();
    tape.backward(l.total);
    const double d = ms_since(t);
    t = Clock::now();
    clip_grad_norm(store, topt.clip);
    const double e = ms_since(t);
    t = Clock::now();
    AdamOptions ao;
    ao.lr = topt.lr;
    adam_step(store, adam, ao);
    const double f = ms_since(t);
    const double all = ms_since(t0);
    if (r > 0) {
      zero.push_back(a), fwd.push_back(b), loss.push_back(c), bwd.push_back(d), clip.push_back(e), opt.push_back(f);
      total.push_back(all);
    }
  }
  // The level-1 kernel alone, on the same channel count and sizes.
  ParameterStore<float> ks;
  std::vector<Encoder> enc;
  const Index K = level1_channels(cfg);
  for (Index k = 0; k < K; ++k) enc.push_back(make_encoder(ks, "l1." + std::to_string(k), 1, cfg.hidden1));
  Rng krng(2);
  ks.init_uniform(krng, -0.1, 0.1);
  std::vector<Tensor<float>> channels;
  for (Index k = 0; k < K; ++k) {
    Tensor<float> ch(Shape{batch.xa.dim(0), batch.xa.dim(1)});
    for (Index i = 0; i < ch.size(); ++i) ch[i] = batch.xa[i * 5 + k % 5];
    channels.push_back(std::move(ch));
  }
  for (int r = 0; r <= reps; ++r) {
    ks.zero_grad();
    Tape<float> tape;
    auto t = Clock::now();
    EncodedChannels<float> e = encode_channels_fused(tape, ks, enc, channels);
    const double a = ms_since(t);
    const Tensor<float> seed(e.reps.shape(), 1e-3f);
    t = Clock::now();
    tape.backward(e.reps, seed);
    const double b = ms_since(t);
    if (r > 0) kf.push_back(a), kb.push_back(b);
  }
  Phases p;
  p.zero = median_of(zero), p.forward = median_of(fwd), p.loss = median_of(loss), p.backward = median_of(bwd);
  p.clip = median_of(clip), p.adam = median_of(opt), p.total = median_of(total);
  p.k_forward = median_of(kf), p.k_backward = median_of(kb);
  return p;
}

void print_phases(const ModelConfig& cfg, const Batch& batch, int reps) {
  Phases p[2];
  for (int th : {1, 2}) {
    omp_set_num_threads(th);
    p[th - 1] = time_phases(cfg, batch, reps);
  }
  struct Row {
    const char* name;
    std::function<double(const Phases&)> f;
  };
  const Row rows[] = {
      {"level-1 kernel forward", [](const Phases& q) { return q.k_forward; }},
      {"rest of forward (channels, level 2, heads)", [](const Phases& q) { return q.forward - q.k_forward; }},
      {"loss", [](const Phases& q) { return q.loss; }},
      {"level-1 kernel backward", [](const Phases& q) { return q.k_backward; }},
      {"rest of backward (tape: level 2, heads, loss)", [](const Phases& q) { return q.backward - q.k_backward; }},
      {"zero_grad + clip + Adam", [](const Phases& q) { return q.zero + q.clip + q.adam; }},
      {"whole step", [](const Phases& q) { return q.total; }},
  };
  std::printf("\n%s: one training step by phase (median of %d steps, ms; the kernel rows time the level-1 node "
              "alone)\n%-46s %9s %9s %7s %8s\n",
              variant_name(cfg.variant).c_str(), reps, "phase", "1 thr", "2 thr", "x 2thr", "% 2thr");
  for (const Row& r : rows) {
    const double a = r.f(p[0]), b = r.f(p[1]);
    std::printf("%-46s %9.3f %9.3f %7.2f %7.1f%%\n", r.name, a, b, b > 0 ? a / b : 0.0, 100.0 * b / p[1].total);
  }
}

// Inference throughput of predict_arrays on N synthetic genes (raw_d) for several batch
// sizes on 1 and 2 threads: genes/s, and the largest difference from batch 10's predictions
// (inference has no cross-gene reduction: 0 expected).
// A split of random counts (what the kernels see does not change their speed), for timing
// whole epochs through Trainer::epoch.
Split random_split(Index genes, Index T, std::uint64_t seed) {
  Rng rng(seed);
  Split s;
  s.name = "bench";
  s.bins = T;
  s.marks = 5;
  s.has_expression = true;
  for (Index g = 0; g < genes; ++g) {
    s.gene_ids.push_back("G" + std::to_string(g));
    s.gene_symbols.emplace_back();
    s.ea.push_back(std::floor(100 * rng.uniform()));
    s.eb.push_back(std::floor(100 * rng.uniform()));
  }
  s.xa.resize(static_cast<std::size_t>(genes * T * 5));
  s.xb.resize(s.xa.size());
  for (float& v : s.xa) v = std::floor(static_cast<float>(8 * rng.uniform()));
  for (float& v : s.xb) v = std::floor(static_cast<float>(8 * rng.uniform()));
  return s;
}

// A competing CPU-bound loop on its own thread, as another process on the machine would be:
// started by the constructor, stopped by the destructor.
class BusyLoop {
 public:
  BusyLoop() : t_([this] {
      double x = 1.0;
      while (!stop_.load(std::memory_order_relaxed)) x = x * 1.0000001 + 1e-9;
      sink_ = x;
    }) {}
  ~BusyLoop() {
    stop_ = true;
    t_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  double sink_ = 0;
  std::thread t_;
};

// One raw_d epoch (train + validation) through Trainer::epoch at 1 thread, 2 fixed threads and
// 2 adaptive threads (TrainOptions::adapt_threads), on an idle machine and beside a competing
// busy loop: one training run of `reps` epochs per figure, the median epoch (a contended
// machine's times vary more than its best).
void print_contended(Index genes, Index T, int reps) {
  const Split train = random_split(genes, T, 11), valid = random_split(std::max<Index>(genes / 5, 2), T, 12);
  std::printf("\nraw_d, one epoch (%lld train + %lld validation genes, T = %lld), median of %d, seconds; "
              "'contended': a busy loop on another thread\n%-10s %12s %12s %12s %14s %14s\n",
              static_cast<long long>(train.genes()), static_cast<long long>(valid.genes()), static_cast<long long>(T),
              reps, "machine", "1 thread", "2 fixed", "2 adaptive", "1 / 2 fixed", "1 / 2 adaptive");
  for (bool busy : {false, true}) {
    std::unique_ptr<BusyLoop> loop;
    if (busy) loop = std::make_unique<BusyLoop>();
    double sec[3];
    const int counts[3] = {1, 2, 2};
    const bool adapt[3] = {false, false, true};
    for (int c = 0; c < 3; ++c) {
      std::vector<double> times;
      omp_set_num_threads(counts[c]);
      ModelConfig cfg;
      cfg.variant = Variant::raw_d;
      cfg.bins = T;
      DeepDiff<float> model(cfg);
      Rng rng(1);
      model.params().init_uniform(rng, -0.1, 0.1);
      TrainOptions topt;
      topt.adapt_threads = adapt[c];
      Trainer<float> trainer(model, topt);  // one run of `reps` epochs, as training is
      for (int r = 0; r < reps; ++r) {
        const auto t0 = Clock::now();
        trainer.epoch(train, valid);
        times.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
      }
      std::sort(times.begin(), times.end());
      sec[c] = times[times.size() / 2];
    }
    std::printf("%-10s %12.3f %12.3f %12.3f %14.2f %14.2f\n", busy ? "contended" : "idle", sec[0], sec[1], sec[2],
                sec[0] / sec[1], sec[0] / sec[2]);
  }
  std::printf("1 / 2: speed-up of 2 threads over 1 under the same competition (below 1: slower than 1 thread).\n");
}

void print_inference(Index N, Index T, int reps, Precision precision) {
  ModelConfig cfg;
  cfg.bins = T;
  DeepDiff<float> model(cfg);
  model.set_precision(precision);
  Rng rng(3);
  model.params().init_uniform(rng, -0.1, 0.1);
  std::vector<float> xa(static_cast<std::size_t>(N * T * 5)), xb(xa.size());
  for (std::size_t i = 0; i < xa.size(); ++i) {
    xa[i] = static_cast<float>(std::floor(rng.uniform(0, 7)));
    xb[i] = static_cast<float>(std::floor(rng.uniform(0, 7)));
  }
  std::printf("\nraw_d inference, %s, predict_arrays on %lld synthetic genes x %lld bins (best of %d): genes/s\n%-6s",
              precision_name(precision), static_cast<long long>(N), static_cast<long long>(T), reps, "batch");
  const Index batches[] = {10, 20, 50, 100, 200};
  for (int th : {1, 2}) std::printf(" %10s%d %8s", "thr=", th, "x b10");
  std::printf(" %s\n", "max |pred - pred(b10)|");
  double base[2] = {0, 0};
  std::vector<double> ref;
  for (Index bs : batches) {
    std::printf("%-6lld", static_cast<long long>(bs));
    double diff = 0;
    for (int th : {1, 2}) {
      omp_set_num_threads(th);
      Predictions pr;
      double sec = 1e30;
      for (int r = 0; r < reps; ++r) {  // no warm-up run: one run is thousands of batches
        const auto t0 = Clock::now();
        pr = predict_arrays(model, xa.data(), xb.data(), N, bs, false);
        sec = std::min(sec, std::chrono::duration<double>(Clock::now() - t0).count());
      }
      const double gps = static_cast<double>(N) / sec;
      if (bs == 10) base[th - 1] = gps;
      if (bs == 10 && th == 1) ref = pr.pred;
      for (std::size_t i = 0; i < ref.size(); ++i) diff = std::max(diff, std::fabs(pr.pred[i] - ref[i]));
      std::printf(" %11.0f %8.2f", gps, gps / base[th - 1]);
    }
    std::printf(" %.3g\n", diff);
  }
}

struct TorchResult {
  bool ok = false;
  double ms_per_gene_step = 0, inference_gps = 0;
};

TorchResult run_torch(const std::string& tools, const std::string& variant, int threads, int steps, bool autocast) {
  TorchResult r;
  const std::string cmd = "/usr/bin/python3 " + tools + "/bench_torch.py --variant " + variant + " --threads " +
                          std::to_string(threads) + " --steps " + std::to_string(steps) +
                          (autocast ? " --autocast" : "") + " 2>/dev/null";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  std::string out;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  if (::pclose(p) != 0 || out.empty()) return r;
  try {
    const nlohmann::json j = nlohmann::json::parse(out);
    r.ms_per_gene_step = j.at("ms_per_gene_step").get<double>();
    r.inference_gps = j.at("inference_genes_per_s").get<double>();
    r.ok = true;
  } catch (const std::exception&) {
  }
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  cxxopts::Options o("bench_train",
                     "End-to-end DeepDiff training/inference speed: fused vs composed vs PyTorch, 1 and 2 threads");
  o.add_options()("quick", "smoke run: short sequences, few repetitions, no PyTorch")
      ("bins", "bins per gene (T)", cxxopts::value<long long>()->default_value("200"))
      ("reps", "timed repetitions per figure (best is reported)", cxxopts::value<int>()->default_value("5"))
      ("no-torch", "skip the PyTorch comparison")
      ("no-composed", "skip the (slow) composed autograd path")
      ("phases", "also time one training step phase by phase on 1 and 2 threads")
      ("infer-genes", "genes of the inference throughput table (0: skip it)",
       cxxopts::value<long long>()->default_value("20000"))
      ("contended-genes", "training genes of the idle / contended epoch table (0: skip it)",
       cxxopts::value<long long>()->default_value("1000"))
      ("contended-reps", "epochs per figure of that table (the median is reported)",
       cxxopts::value<int>()->default_value("5"))
      ("tools", "folder of bench_torch.py", cxxopts::value<std::string>()->default_value(DEEPDIFF_TOOLS_DIR))
      ("h,help", "show this help");
  cxxopts::ParseResult a;
  try {
    a = o.parse(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_train: %s\n", e.what());
    return 2;
  }
  if (a.count("help")) {
    std::puts(o.help().c_str());
    return 0;
  }
  const bool quick = a.count("quick") > 0;
  const Index T = quick ? 20 : static_cast<Index>(a["bins"].as<long long>());
  const int reps = quick ? 1 : a["reps"].as<int>();
  const bool torch = !quick && !a.count("no-torch");
  const bool composed = !a.count("no-composed");
  const Index B = 10, H = 32;

  const double peak = gemm_peak();
  const double fma = deepdiff_bench::fma_peak_gflops(quick ? 2'000'000 : 20'000'000, quick ? 2 : 5).first;
  std::printf("machine: %d OpenMP threads available; float GEMM peak (Eigen, 512^3, 1 thread): %.1f GFLOP/s;\n"
              "float FMA peak (register-only, %d-lane packets, %s, 1 thread): %.1f GFLOP/s (GEMM = %.0f%% of it)\n",
              omp_get_num_procs(), peak, deepdiff_bench::float_packet_lanes(), deepdiff_bench::simd_isa().c_str(), fma,
              100.0 * peak / fma);
  std::printf("batch %lld genes x %lld bins x 5 marks, H1 = %lld; one training step = forward + loss + backward + "
              "clip + Adam\n\n",
              static_cast<long long>(B), static_cast<long long>(T), static_cast<long long>(H));
  std::printf("bf16 rows: --precision bf16 (products: %s) against PyTorch under torch.autocast(\"cpu\", "
              "dtype=torch.bfloat16); %%peak and %%fma stay against the float peaks\n",
              kernels::bf16_kernel_name());
  std::printf("%-16s %3s %-9s %12s %12s %9s %7s %7s %12s %10s %10s\n", "variant", "thr", "path", "ms/gene/step",
              "s/epoch@10k", "GFLOP/s", "%peak", "%fma", "infer gene/s", "x composed", "x PyTorch");

  const Batch batch = make_batch(B, T, 7);
  for (Variant v : {Variant::raw_d, Variant::raw_aux_siamese}) {
    ModelConfig cfg;
    cfg.variant = v;
    cfg.bins = T;
    cfg.hidden1 = H;
    const Index K = v == Variant::raw_d ? 5 : 25;
    const double flops_step = level1_flops_per_gene(K, static_cast<double>(T), static_cast<double>(H));
    double composed_ms = 0;
    for (Precision prec : {Precision::fp32, Precision::bf16})
    for (int threads : {1, 2}) {
      const bool bf16 = prec == Precision::bf16;
      omp_set_num_threads(threads);
      DeepDiff<float> model(cfg);
      model.set_precision(prec);
      Rng rng(1);
      model.params().init_uniform(rng, -0.1, 0.1);
      TrainOptions topt;
      Trainer<float> trainer(model, topt);
      const double step = best_of(reps, [&] { trainer.step(batch.xa, batch.xb, batch.y, batch.ya, batch.yb); });
      const double infer = best_of(reps, [&] {
        Tape<float> tape;
        model.forward(tape, batch.xa, batch.xb, EncoderPath::inference);
      });
      if (composed && threads == 1 && !bf16) {
        TrainOptions c = topt;
        c.path = EncoderPath::composed;
        DeepDiff<float> m2(cfg);
        m2.params().init_uniform(rng, -0.1, 0.1);
        Trainer<float> t2(m2, c);
        composed_ms = 1e3 * best_of(1, [&] { t2.step(batch.xa, batch.xb, batch.y, batch.ya, batch.yb); }) /
                      static_cast<double>(B);
      }
      TorchResult tr;
      if (torch) tr = run_torch(a["tools"].as<std::string>(), variant_name(v), threads, std::max(2, reps / 2), bf16);
      const double ms = 1e3 * step / static_cast<double>(B);
      const double gflops = flops_step * static_cast<double>(B) / step / 1e9;
      char xc[32] = "-", xt[32] = "-";
      if (composed_ms > 0 && !bf16) std::snprintf(xc, sizeof xc, "%.1f", composed_ms / ms);
      if (tr.ok) std::snprintf(xt, sizeof xt, "%.1f", tr.ms_per_gene_step / ms);
      std::printf("%-16s %3d %-9s %12.3f %12.1f %9.1f %6.1f%% %6.1f%% %12.0f %10s %10s\n", variant_name(v).c_str(),
                  threads, bf16 ? "bf16" : "fused", ms, ms * 10.0, gflops, 100.0 * gflops / (peak * threads),
                  100.0 * gflops / (fma * threads), static_cast<double>(B) / infer, xc, xt);
      if (composed && threads == 1 && !bf16) {
        const double g = flops_step / (composed_ms * 1e-3) / 1e9;
        std::printf("%-16s %3d %-9s %12.3f %12.1f %9.1f %6.1f%% %6.1f%% %12s %10s %10s\n", variant_name(v).c_str(), 1,
                    "composed", composed_ms, composed_ms * 10.0, g, 100.0 * g / peak, 100.0 * g / fma, "-", "1.0", "-");
      }
      if (tr.ok) {
        const double g = flops_step / (tr.ms_per_gene_step * 1e-3) / 1e9;
        std::printf("%-16s %3d %-9s %12.3f %12.1f %9.1f %6.1f%% %6.1f%% %12.0f %10s %10s\n", variant_name(v).c_str(),
                    threads, bf16 ? "pt-bf16" : "pytorch", tr.ms_per_gene_step, tr.ms_per_gene_step * 10.0, g,
                    100.0 * g / (peak * threads), 100.0 * g / (fma * threads), tr.inference_gps, "-", "1.0");
      }
    }
  }
  if (a.count("phases") || quick)
    for (Variant v : {Variant::raw_d, Variant::raw_aux_siamese}) {
      ModelConfig cfg;
      cfg.variant = v;
      cfg.bins = T;
      cfg.hidden1 = H;
      print_phases(cfg, batch, quick ? 2 : std::max(reps, 20));
    }
  const Index infer_genes = quick ? 40 : static_cast<Index>(a["infer-genes"].as<long long>());
  if (infer_genes > 0)
    for (Precision p : {Precision::fp32, Precision::bf16}) print_inference(infer_genes, T, quick ? 1 : 2, p);
  const Index contended_genes = quick ? 40 : static_cast<Index>(a["contended-genes"].as<long long>());
  if (contended_genes > 0) print_contended(contended_genes, T, quick ? 1 : a["contended-reps"].as<int>());
  omp_set_num_threads(omp_get_num_procs());
  std::printf(
      "\nms/gene/step: best of %d steps / batch size. s/epoch@10k: the training part of one epoch on the published "
      "10,000 genes.\nGFLOP/s: the level-1 operation count (see the source's header) / time; %%peak against the GEMM "
      "peak x threads,\n%%fma against the FMA peak x threads.\nx composed: our composed autograd path (1 thread) / this row; x PyTorch: PyTorch %s / this row "
      "(same threads).\n",
      reps, torch ? "1.13 measured just now" : "(not measured in this run)");
  return 0;
}
