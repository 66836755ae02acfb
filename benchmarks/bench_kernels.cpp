// bench_kernels: the fused level-1 encoders (kernels/bilstm_attention.hpp) against this
// machine's float matrix-multiply peak and against the composed autograd path.
//
//   bench_kernels            the full table (docs/kernels.md quotes it)
//   bench_kernels --quick    a smoke run of a few seconds (CI)
//
// Operation counts (per gene, per channel; H hidden, G = 4H, T bins). A sigmoid or tanh
// counts as one operation; products count 2 per multiply-add.
//   forward  = T * ( 2 * (2HG + 3G + 5H) + 8H + 4 )
//     per direction and step: recurrent product 2HG, input projection and bias 2G, gate
//     nonlinearities G, c = f*c + i*g 3H, tanh(c) H, h = o*tanh(c) H;
//     attention per step: two scores 4H, softmax 4, weighted sum 4H
//   backward = T * ( 2 * (4GH + 4G + 28H) + 4H + 4 )
//     per direction and step: dh = dZ W_hh 2GH, dW_hh 2GH, [dw_ih, db] 4G, injection 4H,
//     cell and gate deltas 22H, context gradient 2H; attention per step: dalpha 4H, softmax 4
//   inference = forward
#include <deepdiff/deepdiff.hpp>
#include <deepdiff/kernels/fused_encoder.hpp>

#include <cxxopts.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include <time.h>

#include "fma_peak.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

using namespace deepdiff;

namespace {

using Clock = std::chrono::steady_clock;

// CPU seconds of the calling thread: with one thread, the time the call really ran, whatever
// else the machine is doing (wall-clock times of a shared machine include other work).
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

void set_threads(int n) {
#ifdef _OPENMP
  omp_set_num_threads(n);
#else
  (void)n;
#endif
}

// Wall-clock seconds of `body`, best (minimum) and median over repetitions: at least
// min_reps, until min_seconds have passed. `setup` runs before each repetition, untimed.
struct Timing {
  double best = 0, median = 0, cpu_best = 0;
};
Timing time_body(const std::function<void()>& setup, const std::function<void()>& body, int min_reps,
                 double min_seconds) {
  std::vector<double> t;
  double cpu = 1e30;
  const Clock::time_point start = Clock::now();
  while (static_cast<int>(t.size()) < min_reps ||
         std::chrono::duration<double>(Clock::now() - start).count() < min_seconds) {
    setup();
    const double c = thread_cpu_seconds();
    const Clock::time_point a = Clock::now();
    body();
    t.push_back(std::chrono::duration<double>(Clock::now() - a).count());
    cpu = std::min(cpu, thread_cpu_seconds() - c);
    if (t.size() >= 1000) break;
  }
  std::sort(t.begin(), t.end());
  return {t.front(), t[t.size() / 2], cpu};
}

double forward_flops(double T, double H) {
  const double G = 4 * H;
  return T * (2 * (2 * H * G + 3 * G + 5 * H) + 8 * H + 4);
}
double backward_flops(double T, double H) {
  const double G = 4 * H;
  return T * (2 * (4 * G * H + 4 * G + 28 * H) + 4 * H + 4);
}

// Eigen single-threaded float GEMM, n x n x n, best of reps (GFLOP/s), by wall clock and by
// thread CPU time.
std::pair<double, double> gemm_peak(int n, int reps) {
  Eigen::MatrixXf A = Eigen::MatrixXf::Random(n, n), B = Eigen::MatrixXf::Random(n, n), C(n, n);
  double best = 1e30, cpu = 1e30;
  for (int r = 0; r < reps; ++r) {
    const double c = thread_cpu_seconds();
    const Clock::time_point a = Clock::now();
    C.noalias() = A * B;
    best = std::min(best, std::chrono::duration<double>(Clock::now() - a).count());
    cpu = std::min(cpu, thread_cpu_seconds() - c);
    A(0, 0) += C(0, 0) * 1e-12f;  // keep the products dependent
  }
  const double flops = 2.0 * n * n * n;
  return {flops / best / 1e9, flops / cpu / 1e9};
}

struct Problem {
  ParameterStore<float> store;
  std::vector<Encoder> encoders;
  std::vector<Tensor<float>> channels;
  Tensor<float> seed;
  Problem(Index B, Index T, Index K, Index H, std::uint64_t s) {
    Rng rng(s);
    for (Index k = 0; k < K; ++k) encoders.push_back(make_encoder(store, "rnn_hms." + std::to_string(k), 1, H));
    store.init_uniform(rng, -0.1, 0.1);  // the published initialization
    for (Index k = 0; k < K; ++k) {
      Tensor<float> c(Shape{B, T});
      for (Index i = 0; i < c.size(); ++i) c[i] = static_cast<float>(rng.below(6));  // counts 0..5
      channels.push_back(std::move(c));
    }
    seed = Tensor<float>(Shape{B, K * 2 * H});
    fill_uniform(seed, rng, -1.0, 1.0);
  }
};

struct Times {
  Timing fwd, bwd, inf;  // seconds per call
};

template <class Encode>
Times time_training(Problem& p, Encode encode, int min_reps, double min_seconds) {
  Times t;
  std::unique_ptr<Tape<float>> tape;
  EncodedChannels<float> out;
  t.fwd = time_body([&] { tape = std::make_unique<Tape<float>>(); },
                      [&] { out = encode(*tape, p.store, p.encoders, p.channels); }, min_reps, min_seconds);
  t.bwd = time_body(
      [&] {
        tape = std::make_unique<Tape<float>>();
        out = encode(*tape, p.store, p.encoders, p.channels);
      },
      [&] { tape->backward(out.reps, p.seed); }, min_reps, min_seconds);
  return t;
}

std::vector<std::pair<Index, Index>> parse_configs(const std::string& s) {
  std::vector<std::pair<Index, Index>> out;
  std::size_t pos = 0;
  while (pos < s.size()) {
    const std::size_t comma = s.find(',', pos);
    const std::string item = s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    const std::size_t x = item.find('x');
    if (x == std::string::npos) throw std::invalid_argument("config '" + item + "' is not BxT");
    out.emplace_back(std::stol(item.substr(0, x)), std::stol(item.substr(x + 1)));
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return out;
}

std::vector<int> parse_ints(const std::string& s) {
  std::vector<int> out;
  std::size_t pos = 0;
  while (pos < s.size()) {
    const std::size_t comma = s.find(',', pos);
    out.push_back(std::stoi(s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos)));
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  cxxopts::Options options("bench_kernels", "Fused level-1 encoder kernels: time, GFLOP/s, fraction of GEMM peak");
  // clang-format off
  options.add_options()
    ("quick", "smoke run of a few seconds")
    ("configs", "B x T pairs", cxxopts::value<std::string>()->default_value("10x200,32x200,128x200,10x50"))
    ("K", "channels", cxxopts::value<long>()->default_value("5"))
    ("H", "hidden size per direction", cxxopts::value<long>()->default_value("32"))
    ("threads", "thread counts", cxxopts::value<std::string>()->default_value("1,2"))
    ("precisions", "precisions of the LSTM products, fp32 and/or bf16", cxxopts::value<std::string>()->default_value("fp32,bf16"))
    ("composed-B", "genes for the composed reference", cxxopts::value<long>()->default_value("2"))
    ("min-time", "seconds per measurement", cxxopts::value<double>()->default_value("1.0"))
    ("h,help", "this help");
  // clang-format on
  cxxopts::ParseResult args;
  try {
    args = options.parse(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n" << options.help() << "\n";
    return 2;
  }
  if (args.count("help")) {
    std::cout << options.help() << "\n";
    return 0;
  }
  const bool quick = args.count("quick") > 0;
  const Index K = args["K"].as<long>(), H = args["H"].as<long>();
  std::vector<std::pair<Index, Index>> configs = parse_configs(args["configs"].as<std::string>());
  std::vector<int> threads = parse_ints(args["threads"].as<std::string>());
  std::vector<kernels::Precision> precisions;
  {
    const std::string list = args["precisions"].as<std::string>();
    std::size_t pos = 0;
    while (pos <= list.size()) {
      const std::size_t comma = std::min(list.find(',', pos), list.size());
      try {
        precisions.push_back(kernels::parse_precision(list.substr(pos, comma - pos)));
      } catch (const std::invalid_argument& e) {
        std::cerr << "bench_kernels: --precisions: " << e.what() << "\n";
        return 2;
      }
      pos = comma + 1;
    }
  }
  Index composed_B = args["composed-B"].as<long>();
  double min_time = args["min-time"].as<double>();
  for (const auto& [flag, value] : {std::pair<const char*, long>{"K", K}, {"H", H}, {"composed-B", composed_B}})
    if (value < 1) {
      std::cerr << "bench_kernels: " << (flag[1] == '\0' ? "-" : "--") << flag << " must be at least 1 (got " << value
                << ")\n";
      return 2;
    }
  if (!(min_time > 0)) {
    std::cerr << "bench_kernels: --min-time must be a positive number of seconds\n";
    return 2;
  }
  int min_reps = 5;
  if (quick) {
    if (!args.count("configs")) configs = {{10, 50}};
    composed_B = 1;
    min_time = 0.05;
    min_reps = 2;
  }

  if (FILE* f = std::fopen("/proc/loadavg", "r")) {  // other work on the machine skews wall-clock times
    char buf[128] = {0};
    if (std::fgets(buf, sizeof buf, f)) std::printf("load average at start: %s", buf);
    std::fclose(f);
  }
  set_threads(1);
  std::pair<double, double> pk = gemm_peak(512, quick ? 5 : 30);
  if (!quick) {
    const std::pair<double, double> big = gemm_peak(1024, 5);
    pk = {std::max(pk.first, big.first), std::max(pk.second, big.second)};
  }
  const double peak = pk.first, peak_cpu = pk.second;
  std::printf("float GEMM peak, Eigen %s, 1 thread: %.1f GFLOP/s wall clock, %.1f GFLOP/s thread CPU time\n"
              "(best of repeated C = A B, column-major)\n",
              quick ? "512^3" : "512^3 and 1024^3", peak, peak_cpu);
  const std::pair<double, double> fma = deepdiff_bench::fma_peak_gflops(quick ? 2'000'000 : 20'000'000, quick ? 2 : 5);
  const double fma_cpu = fma.second;
  std::printf("float FMA peak, register-only, %d-lane packets (%s), 1 thread: %.1f GFLOP/s wall clock, %.1f GFLOP/s\n"
              "thread CPU time; GEMM reaches %.0f%% of it (CPU time)\n",
              deepdiff_bench::float_packet_lanes(), deepdiff_bench::simd_isa().c_str(), fma.first, fma_cpu,
              100.0 * peak_cpu / fma_cpu);
  double bf16_peak_cpu = 0;
  if (deepdiff_bench::bf16_dot_available()) {
    const std::pair<double, double> bp = deepdiff_bench::bf16_dot_peak_gflops(quick ? 2'000'000 : 20'000'000, quick ? 2 : 5);
    bf16_peak_cpu = bp.second;
    std::printf("bf16 dot-product peak, register-only VDPBF16PS, 1 thread: %.1f GFLOP/s wall clock, %.1f GFLOP/s thread\n"
                "CPU time (%.2fx the float FMA peak)\n",
                bp.first, bp.second, bp.second / fma_cpu);
  }
  std::printf("bf16 products: %s\n", kernels::bf16_kernel_name());
  std::printf("K = %ld channels, H = %ld, float; per gene = per call / B\n", static_cast<long>(K),
              static_cast<long>(H));
  std::printf("ops per gene per channel: forward T*(2*(2HG+3G+5H)+8H+4), backward T*(2*(4GH+4G+28H)+4H+4)\n\n");
  std::printf("%-9s %4s %5s %5s %4s %9s %9s %9s %10s %8s %7s %7s %10s %9s %8s %7s\n", "pass", "prec", "B", "T", "thr", "best ms",
              "median ms", "us/gene", "Mop/gene", "GFLOP/s", "%peak", "x 1thr", "x composed", "cpuGF/s", "%cpupk",
              "%fma");

  for (const std::pair<Index, Index>& cfg : configs) {
    const Index B = cfg.first, T = cfg.second;
    // The composed reference on a few genes, single-threaded code; normalized per gene.
    Problem pc(composed_B, T, K, H, 7);
    set_threads(1);
    const Times comp = time_training(pc, [](auto&... a) { return encode_channels_composed<float>(a...); }, quick ? 1 : 3, quick ? 0.0 : 0.5);
    const double comp_fwd_gene = comp.fwd.best / static_cast<double>(composed_B);
    const double comp_bwd_gene = comp.bwd.best / static_cast<double>(composed_B);

    Problem p(B, T, K, H, 11);
    const double fl_f = forward_flops(static_cast<double>(T), static_cast<double>(H)) * static_cast<double>(K);
    const double fl_b = backward_flops(static_cast<double>(T), static_cast<double>(H)) * static_cast<double>(K);
    for (kernels::Precision prec : precisions) {
    Times one;
    for (int th : threads) {
      set_threads(th);
      Times t = time_training(
          p, [prec](auto&... a) { return encode_channels_fused<float>(a..., prec); }, min_reps, min_time);
      Tensor<float> reps, alpha;
      t.inf = time_body([] {}, [&] { encode_channels_inference(p.store, p.encoders, p.channels, reps, alpha, prec); },
                        min_reps, min_time);
      if (th == threads.front()) one = t;
      // %fma: against the peak of the products' precision (bf16: the VDPBF16PS probe).
      const double pk_prec = prec == kernels::Precision::bf16 && bf16_peak_cpu > 0 ? bf16_peak_cpu : fma_cpu;
      struct Row {
        const char* name;
        double sec, med, cpu, flops, base, comp;
      } rows[] = {{"forward", t.fwd.best, t.fwd.median, t.fwd.cpu_best, fl_f, one.fwd.best, comp_fwd_gene},
                  {"backward", t.bwd.best, t.bwd.median, t.bwd.cpu_best, fl_b, one.bwd.best, comp_bwd_gene},
                  {"fwd+bwd", t.fwd.best + t.bwd.best, t.fwd.median + t.bwd.median, t.fwd.cpu_best + t.bwd.cpu_best,
                   fl_f + fl_b, one.fwd.best + one.bwd.best, comp_fwd_gene + comp_bwd_gene},
                  {"inference", t.inf.best, t.inf.median, t.inf.cpu_best, fl_f, one.inf.best, comp_fwd_gene}};
      for (const Row& r : rows) {
        const double per_gene = r.sec / static_cast<double>(B);
        const double gflops = r.flops * static_cast<double>(B) / r.sec / 1e9;
        char cpu[64] = "        -        -       -";
        if (th == 1) {
          const double g = r.flops * static_cast<double>(B) / r.cpu / 1e9;
          std::snprintf(cpu, sizeof cpu, "%9.1f %7.1f%% %6.1f%%", g, 100.0 * g / peak_cpu, 100.0 * g / pk_prec);
        }
        std::printf("%-9s %4s %5ld %5ld %4d %9.3f %9.3f %9.1f %10.2f %8.1f %6.1f%% %7.2f %10.0f %s\n", r.name,
                    kernels::precision_name(prec), static_cast<long>(B), static_cast<long>(T), th, r.sec * 1e3, r.med * 1e3, per_gene * 1e6,
                    r.flops / 1e6, gflops, 100.0 * gflops / peak, r.base / r.sec, r.comp / per_gene, cpu);
      }
    }
    }
    std::printf("  composed reference (B=%ld, 1 thread): forward %.2f ms/gene, backward %.2f ms/gene\n\n",
                static_cast<long>(composed_B), comp_fwd_gene * 1e3, comp_bwd_gene * 1e3);
  }
  std::printf("best ms / median ms: wall clock per call over repetitions; us/gene, GFLOP/s, %%peak and the ratios use\n"
              "the best. x 1thr: speedup over the first thread count; x composed: composed time per gene (best, 1\n"
              "thread) / fused time per gene (inference is compared with the composed forward). cpuGF/s, %%cpupk\n"
              "(1 thread only): the same from the calling thread's CPU time against the GEMM peak in CPU time,\n"
              "which leaves out the time other processes held the core. %%fma: the same against the register-only\n"
              "FMA peak (CPU time), for bf16 rows against the VDPBF16PS peak where the CPU has it: the ceiling of\n"
              "this core, which no kernel reaches. prec: of the LSTM products (--precisions); bf16 rows count the\n"
              "same operations as fp32.\n");
  return 0;
}
