// End-to-end speed of DeepDiff training and inference at the published batch size:
// milliseconds per gene per training step (forward + loss + backward + clipping + Adam),
// the implied seconds per epoch on the published 10,000 training genes, and inference
// genes/s — for raw_d and raw_aux_siamese, on 1 and 2 threads, for the fused kernel and the
// composed autograd path, and for PyTorch (tools/bench_torch.py, Debian's python3-torch)
// measured in the same run when it is installed. Also GFLOP/s against this machine's
// measured float matrix-multiply peak.
//
// Operation count per gene and training step (the level-1 encoders; level 2, heads and
// Adam add < 2%): K channels x [forward + backward] of one bidirectional LSTM + attention,
//   forward  = T (2 (2 H G + 3 G + 5 H) + 8 H + 4)
//   backward = T (2 (4 G H + 4 G + 28 H) + 4 H + 4)          (G = 4H; both directions)
// with K = 5 (raw_d) or 25 (raw_aux_siamese): 53 and 267 MFLOP at T = 200, H = 32.
#include <cxxopts.hpp>

#include <deepdiff/deepdiff.hpp>

#include <nlohmann/json.hpp>

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
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

struct TorchResult {
  bool ok = false;
  double ms_per_gene_step = 0, inference_gps = 0;
};

TorchResult run_torch(const std::string& tools, const std::string& variant, int threads, int steps) {
  TorchResult r;
  const std::string cmd = "/usr/bin/python3 " + tools + "/bench_torch.py --variant " + variant + " --threads " +
                          std::to_string(threads) + " --steps " + std::to_string(steps) + " 2>/dev/null";
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
  std::printf("machine: %d OpenMP threads available; float GEMM peak (Eigen, 512^3, 1 thread): %.1f GFLOP/s\n",
              omp_get_num_procs(), peak);
  std::printf("batch %lld genes x %lld bins x 5 marks, H1 = %lld; one training step = forward + loss + backward + "
              "clip + Adam\n\n",
              static_cast<long long>(B), static_cast<long long>(T), static_cast<long long>(H));
  std::printf("%-16s %3s %-9s %12s %12s %9s %7s %12s %10s %10s\n", "variant", "thr", "path", "ms/gene/step",
              "s/epoch@10k", "GFLOP/s", "%peak", "infer gene/s", "x composed", "x PyTorch");

  const Batch batch = make_batch(B, T, 7);
  for (Variant v : {Variant::raw_d, Variant::raw_aux_siamese}) {
    ModelConfig cfg;
    cfg.variant = v;
    cfg.bins = T;
    cfg.hidden1 = H;
    const Index K = v == Variant::raw_d ? 5 : 25;
    const double flops_step = level1_flops_per_gene(K, static_cast<double>(T), static_cast<double>(H));
    double composed_ms = 0;
    for (int threads : {1, 2}) {
      omp_set_num_threads(threads);
      DeepDiff<float> model(cfg);
      Rng rng(1);
      model.params().init_uniform(rng, -0.1, 0.1);
      TrainOptions topt;
      Trainer<float> trainer(model, topt);
      const double step = best_of(reps, [&] { trainer.step(batch.xa, batch.xb, batch.y, batch.ya, batch.yb); });
      const double infer = best_of(reps, [&] {
        Tape<float> tape;
        model.forward(tape, batch.xa, batch.xb, EncoderPath::inference);
      });
      if (composed && threads == 1) {
        TrainOptions c = topt;
        c.path = EncoderPath::composed;
        DeepDiff<float> m2(cfg);
        m2.params().init_uniform(rng, -0.1, 0.1);
        Trainer<float> t2(m2, c);
        composed_ms = 1e3 * best_of(1, [&] { t2.step(batch.xa, batch.xb, batch.y, batch.ya, batch.yb); }) /
                      static_cast<double>(B);
      }
      TorchResult tr;
      if (torch) tr = run_torch(a["tools"].as<std::string>(), variant_name(v), threads, std::max(2, reps / 2));
      const double ms = 1e3 * step / static_cast<double>(B);
      const double gflops = flops_step * static_cast<double>(B) / step / 1e9;
      char xc[32] = "-", xt[32] = "-";
      if (composed_ms > 0) std::snprintf(xc, sizeof xc, "%.1f", composed_ms / ms);
      if (tr.ok) std::snprintf(xt, sizeof xt, "%.1f", tr.ms_per_gene_step / ms);
      std::printf("%-16s %3d %-9s %12.3f %12.1f %9.1f %6.1f%% %12.0f %10s %10s\n", variant_name(v).c_str(), threads,
                  "fused", ms, ms * 10.0, gflops, 100.0 * gflops / (peak * threads),
                  static_cast<double>(B) / infer, xc, xt);
      if (composed && threads == 1)
        std::printf("%-16s %3d %-9s %12.3f %12.1f %9.1f %6.1f%% %12s %10s %10s\n", variant_name(v).c_str(), 1,
                    "composed", composed_ms, composed_ms * 10.0, flops_step / (composed_ms * 1e-3) / 1e9,
                    100.0 * flops_step / (composed_ms * 1e-3) / 1e9 / peak, "-", "1.0", "-");
      if (tr.ok)
        std::printf("%-16s %3d %-9s %12.3f %12.1f %9.1f %6.1f%% %12.0f %10s %10s\n", variant_name(v).c_str(), threads,
                    "pytorch", tr.ms_per_gene_step, tr.ms_per_gene_step * 10.0,
                    flops_step / (tr.ms_per_gene_step * 1e-3) / 1e9,
                    100.0 * flops_step / (tr.ms_per_gene_step * 1e-3) / 1e9 / (peak * threads), tr.inference_gps,
                    "-", "1.0");
    }
  }
  omp_set_num_threads(omp_get_num_procs());
  std::printf(
      "\nms/gene/step: best of %d steps / batch size. s/epoch@10k: the training part of one epoch on the published "
      "10,000 genes.\nGFLOP/s: the level-1 operation count (see the source's header) / time; %%peak against the GEMM "
      "peak x threads.\nx composed: our composed autograd path (1 thread) / this row; x PyTorch: PyTorch %s / this row "
      "(same threads).\n",
      reps, torch ? "1.13 measured just now" : "(not measured in this run)");
  return 0;
}
