// Register-only float FMA throughput of one core, for the widest vector ISA this build
// targets: Eigen's float packet (16 lanes with AVX-512, 8 with AVX2 + FMA, 4 with SSE or NEON),
// the same packets the kernels' register-tiled products use. The ceiling no kernel can pass;
// bench_kernels prints each pass's share of it beside the GEMM figure.
//
// kPeakChains independent accumulators, acc_c <- acc_c * a + b, stay in registers (no loads or
// stores in the loop): 12 chains cover an FMA latency of 4 cycles on 2 pipes with room to
// spare, and 12 + 2 vector registers fit even AVX2's 16. Operations counted: 2 per lane per
// FMA (a multiply and an add), as in the kernels' operation counts.
#pragma once

#include <Eigen/Core>
#if defined(__AVX512BF16__) && defined(__AVX512F__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <chrono>
#include <ctime>
#include <string>
#include <utility>

namespace deepdiff_bench {

// Lanes of Eigen's float packet in this build.
constexpr int float_packet_lanes() { return Eigen::internal::packet_traits<float>::size; }

// The vector ISA the build targets, for the benchmarks' headers. Eigen's own
// SimdInstructionSetsInUse() names an AVX2 + FMA build "AVX SSE, ...", hiding AVX2 and FMA.
inline std::string simd_isa() {
#if defined(EIGEN_VECTORIZE_AVX512)
  std::string isa = "AVX-512";
#elif defined(EIGEN_VECTORIZE_AVX2)
  std::string isa = "AVX2";
#elif defined(EIGEN_VECTORIZE_AVX)
  std::string isa = "AVX";
#elif defined(EIGEN_VECTORIZE_SSE)
  std::string isa = "SSE";
#elif defined(EIGEN_VECTORIZE_NEON)
  std::string isa = "NEON";
#else
  std::string isa = "no SIMD";
#endif
#if defined(EIGEN_VECTORIZE_FMA)
  isa += " + FMA";
#endif
  return isa + ", " + std::to_string(EIGEN_ARCH_DEFAULT_NUMBER_OF_REGISTERS) + " vector registers";
}

// The timing both probes share: kPeakChains accumulators of type Acc, each round one `step` per
// chain (acc = step(acc)), `flops_per_step` operations each. {GFLOP/s wall clock, GFLOP/s
// thread CPU time}, the best of `reps` runs of `iters` rounds. `start(c)` gives chain c's
// first value, `sum(acc)` folds a chain into a float that is kept (so nothing is optimized away).
constexpr int kPeakChains = 12;
template <class Acc, class Start, class Step, class Sum>
std::pair<double, double> chains_gflops(long iters, int reps, double flops_per_step, Start start, Step step, Sum sum) {
  auto cpu_now = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
  };
  double best = 1e30, best_cpu = 1e30;
  volatile float sink = 0.0f;
  for (int r = 0; r < reps; ++r) {
    Acc acc[kPeakChains];
    for (int c = 0; c < kPeakChains; ++c) acc[c] = start(c);
    const double c0 = cpu_now();
    const auto t0 = std::chrono::steady_clock::now();
    for (long i = 0; i < iters; ++i)
      for (int c = 0; c < kPeakChains; ++c) acc[c] = step(acc[c]);
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    best_cpu = std::min(best_cpu, cpu_now() - c0);
    float s = 0.0f;
    for (int c = 0; c < kPeakChains; ++c) s += sum(acc[c]);
    sink = sink + s;  // the results are used
  }
  const double flops = flops_per_step * kPeakChains * static_cast<double>(iters);
  return {flops / best / 1e9, flops / best_cpu / 1e9};
}

// {GFLOP/s wall clock, GFLOP/s thread CPU time} of Eigen's float pmadd, the best of `reps`
// runs of `iters` rounds.
inline std::pair<double, double> fma_peak_gflops(long iters = 20'000'000, int reps = 5) {
  using P = Eigen::internal::packet_traits<float>::type;
  volatile float a_in = 0.999999f, b_in = 1e-7f;  // opaque to the compiler
  const float a_val = a_in, b_val = b_in;
  const P a = Eigen::internal::pset1<P>(a_val), b = Eigen::internal::pset1<P>(b_val);
  return chains_gflops<P>(
      iters, reps, 2.0 * float_packet_lanes(), [](int c) { return Eigen::internal::pset1<P>(static_cast<float>(c)); },
      [&](const P& acc) { return Eigen::internal::pmadd(acc, a, b); },
      [](const P& acc) { return Eigen::internal::predux(acc); });
}

// Whether this build has the bf16 dot-product probe (the compiler targets AVX512_BF16).
constexpr bool bf16_dot_available() {
#if defined(__AVX512BF16__) && defined(__AVX512F__)
  return true;
#else
  return false;
#endif
}

// Register-only VDPBF16PS throughput of one core (zmm), as fma_peak_gflops: each instruction
// 16 lanes x 2 products and 2 adds = 64 operations. {0, 0} where the build has no AVX512_BF16.
inline std::pair<double, double> bf16_dot_peak_gflops(long iters = 20'000'000, int reps = 5) {
#if defined(__AVX512BF16__) && defined(__AVX512F__)
  volatile int a_in = 0x3f803f80, b_in = 0x33803380;  // bf16 pairs (1, 1) and (~6e-8, ~6e-8)
  const __m512bh a = (__m512bh)_mm512_set1_epi32(a_in), b = (__m512bh)_mm512_set1_epi32(b_in);
  return chains_gflops<__m512>(
      iters, reps, 64.0, [](int c) { return _mm512_set1_ps(static_cast<float>(c)); },
      [&](const __m512& acc) { return _mm512_dpbf16_ps(acc, a, b); },
      [](const __m512& acc) { return _mm512_reduce_add_ps(acc); });
#else
  (void)iters;
  (void)reps;
  return {0.0, 0.0};
#endif
}

}  // namespace deepdiff_bench
