// kernels/bilstm_attention.hpp called directly, without a tape: plain buffers in, plain
// buffers out, weights and gradients as one struct of pointers (kernels::EncoderParams).
// Checked against the composed autograd reference (encode_channels_composed, nn/encoder.hpp)
// in double: reps, alpha and every parameter gradient, rel <= 1e-12 (the measure below), on
// random shapes with several gene blocks, H not a whole number of SIMD packets, and channels
// sharing one encoder. Also: the gradient contract (backward adds; two calls give twice the
// gradient) and the shape checks.
//
//   rel(a, b) = max_i |a_i - b_i| / max(|a_i|, |b_i|, 1e-3)
#include <catch2/catch.hpp>

#include <deepdiff/kernels/bilstm_attention.hpp>
#include <deepdiff/nn/encoder.hpp>
#include <deepdiff/kernels/fused_encoder.hpp>  // bind_encoder_params only: no tape below

#include <cmath>
#include <limits>
#include <sstream>
#include <vector>

#include "test_helpers.hpp"

using namespace deepdiff;

namespace {

double max_rel(const double* a, const double* b, Index n) {
  double m = 0.0;
  for (Index i = 0; i < n; ++i) {
    if (!std::isfinite(a[i]) || !std::isfinite(b[i])) return INFINITY;
    m = std::max(m, std::abs(a[i] - b[i]) / std::max({std::abs(a[i]), std::abs(b[i]), 1e-3}));
  }
  return m;
}

// K channels read by encoders enc_of[k] (shared encoders: the same index twice).
struct Problem {
  ParameterStore<double> store;
  std::vector<Encoder> encoders;
  std::vector<Tensor<double>> channels;
  Tensor<double> dreps;  // d loss / d reps: the loss is <reps, dreps>
  kernels::Dims dims;

  Problem(Rng& rng, Index B, Index nt, Index H, const std::vector<int>& enc_of) {
    const int n_enc = *std::max_element(enc_of.begin(), enc_of.end()) + 1;
    std::vector<Encoder> distinct;
    for (int e = 0; e < n_enc; ++e) distinct.push_back(make_encoder(store, "enc." + std::to_string(e), 1, H));
    for (int e : enc_of) encoders.push_back(distinct[static_cast<std::size_t>(e)]);
    store.init_uniform(rng, -0.5, 0.5);
    const Index K = static_cast<Index>(enc_of.size());
    for (Index k = 0; k < K; ++k) channels.push_back(deepdiff_test::random_tensor<double>(rng, {B, nt}, 0.0, 5.0));
    dreps = deepdiff_test::random_tensor<double>(rng, {B, K * 2 * H});
    dims = kernels::Dims{B, nt, K, H};
  }

  // The parameters' pointers into a slab of the store's layout (its values, or a gradient
  // buffer of the same size), bound by field as the tape adapter does.
  template <class P>
  kernels::EncoderParams<P> views(P base) const {
    return bind_encoder_params<P>(encoders, [&](Index id) { return base + store.info(id).offset; });
  }
  std::vector<const double*> x() const {
    std::vector<const double*> p;
    for (const Tensor<double>& c : channels) p.push_back(c.data());
    return p;
  }
};

std::string describe(const kernels::Dims& d, const std::vector<int>& enc_of) {
  std::ostringstream os;
  os << "B=" << d.B << " T=" << d.nt << " H=" << d.H << " channels->encoders [";
  for (std::size_t k = 0; k < enc_of.size(); ++k) os << (k ? "," : "") << enc_of[k];
  os << "]";
  return os.str();
}

void check_against_composed(Rng& rng, Index B, Index nt, Index H, const std::vector<int>& enc_of) {
  Problem pr(rng, B, nt, H, enc_of);
  const kernels::Dims& dims = pr.dims;
  INFO(describe(dims, enc_of));

  // The reference: composed autograd operations on a tape.
  pr.store.zero_grad();
  Tape<double> tape;
  const EncodedChannels<double> ref = encode_channels_composed(tape, pr.store, pr.encoders, pr.channels);
  tape.backward(ref.reps, pr.dreps);
  const AlignedVector<double> ref_grads = pr.store.grads();

  // The kernel: no tape, no ParameterStore calls; outputs pre-filled with NaN, so an element
  // it never writes cannot pass.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> reps(static_cast<std::size_t>(B * dims.K * 2 * H), nan);
  std::vector<double> alpha(static_cast<std::size_t>(B * dims.K * nt), nan);
  const kernels::EncoderWeights<double> w = pr.views<const double*>(pr.store.values().data());
  kernels::EncoderCache<double> cache;
  kernels::forward<double>(reps.data(), alpha.data(), cache, pr.x(), w, dims);
  CHECK(max_rel(reps.data(), ref.reps.value().data(), ref.reps.value().size()) <= 1e-12);
  CHECK(max_rel(alpha.data(), ref.alpha.data(), ref.alpha.size()) <= 1e-12);

  std::vector<double> grads(pr.store.grads().size(), 0.0);
  const kernels::EncoderGrads<double> g = pr.views<double*>(grads.data());
  kernels::backward<double>(g, cache, pr.dreps.data(), pr.x(), w, dims);
  for (const ParamInfo& p : pr.store.infos()) {
    const double e = max_rel(grads.data() + p.offset, ref_grads.data() + p.offset, p.size);
    INFO(p.name << ": rel " << e);
    CHECK(e <= 1e-12);
  }

  // Gradient contract: backward adds into grads (a second call doubles them; not bit for bit,
  // the sums are taken in another order).
  std::vector<double> twice = grads, doubled = grads;
  for (double& v : doubled) v *= 2.0;
  kernels::backward<double>(pr.views<double*>(twice.data()), cache, pr.dreps.data(), pr.x(), w, dims);
  CHECK(max_rel(twice.data(), doubled.data(), static_cast<Index>(twice.size())) <= 1e-12);

  // Inference: the same outputs, bit for bit.
  std::vector<double> reps_inf(reps.size(), nan), alpha_inf(alpha.size(), nan);
  kernels::forward_inference<double>(reps_inf.data(), alpha_inf.data(), pr.x(), w, dims);
  CHECK(reps_inf == reps);
  CHECK(alpha_inf == alpha);
}

}  // namespace

TEST_CASE("fused kernels without a tape match the composed reference (double, random shapes)",
          "[kernels][lstm]") {
  Rng rng(20261202);
  const Index blk = kernels::kMaxBlockGenes;
  // Several gene blocks (2, 3, 4), H not a whole number of packets (any SIMD width), shared
  // encoders, and one H in whole packets (the tiled path in double).
  check_against_composed(rng, 2 * blk + 5, 7, 5, {0, 1, 0});
  check_against_composed(rng, 3 * blk + 1, 4, 3, {0});
  check_against_composed(rng, 4 * blk, 3, 7, {0, 0});
  check_against_composed(rng, blk + 3, 6, 16, {0, 1});
  for (int trial = 0; trial < 6; ++trial) {
    const Index B = 1 + static_cast<Index>(rng.below(static_cast<std::uint64_t>(3 * blk)));
    const Index nt = 1 + static_cast<Index>(rng.below(9));
    const Index H = 2 * static_cast<Index>(rng.below(6)) + 1;  // odd: never whole packets
    const Index K = 1 + static_cast<Index>(rng.below(3));
    std::vector<int> enc_of;
    for (Index k = 0; k < K; ++k) enc_of.push_back(static_cast<int>(rng.below(2)));
    if (std::find(enc_of.begin(), enc_of.end(), 0) == enc_of.end()) enc_of[0] = 0;
    check_against_composed(rng, B, nt, H, enc_of);
  }
}

TEST_CASE("fused kernels reject weights, channels and dims that disagree", "[kernels]") {
  Rng rng(7);
  Problem pr(rng, 3, 4, 5, {0, 1});
  const kernels::EncoderWeights<double> w = pr.views<const double*>(pr.store.values().data());
  std::vector<double> reps(3 * 2 * 10), alpha(3 * 2 * 4);
  kernels::EncoderCache<double> cache;
  kernels::Dims bad = pr.dims;
  bad.K = 3;
  CHECK_THROWS_AS(kernels::forward<double>(reps.data(), alpha.data(), cache, pr.x(), w, bad), std::invalid_argument);
  bad = pr.dims;
  bad.nt = 0;
  CHECK_THROWS_AS(kernels::forward_inference<double>(reps.data(), alpha.data(), pr.x(), w, bad), std::invalid_argument);
  kernels::forward<double>(reps.data(), alpha.data(), cache, pr.x(), w, pr.dims);
  std::vector<double> grads(pr.store.grads().size(), 0.0);
  bad = pr.dims;
  bad.B = 4;  // a cache from another shape
  CHECK_THROWS_AS(kernels::backward<double>(pr.views<double*>(grads.data()), cache, pr.dreps.data(), pr.x(), w, bad),
                  std::invalid_argument);
}

TEST_CASE("fused forward: a gene's reps and alpha are the same bits whatever the batch size", "[kernels][batch]") {
  // Gene blocks depend on B, so a gene sits in blocks of other sizes and places; nothing in a
  // block may mix its genes' sums. (The attention scores once did: a one-gene block took
  // Eigen's dot product, and for H not in whole packets a lone last row of Eigen's GEMV took
  // other partial sums.) float, as trained; H = 32 (tiled, fused gates) and H = 4.
  for (const Index H : {Index(32), Index(4)}) {
    const Index N = 25, nt = 9, K = 2;
    ParameterStore<float> store;
    std::vector<Encoder> enc;
    for (Index k = 0; k < K; ++k) enc.push_back(make_encoder(store, "enc." + std::to_string(k), 1, H));
    Rng rng(31);
    store.init_uniform(rng, -0.5, 0.5);
    std::vector<Tensor<float>> all;
    for (Index k = 0; k < K; ++k) all.push_back(deepdiff_test::random_tensor<float>(rng, {N, nt}, -2.0, 5.0));
    const kernels::EncoderWeights<float> w =
        bind_encoder_params<const float*>(enc, [&](Index id) { return store.value(id); });
    // Genes [g0, g0 + B) as one call; reps and alpha written at gene g0's rows.
    auto run = [&](Index g0, Index B, bool train, std::vector<float>& reps, std::vector<float>& alpha) {
      std::vector<std::vector<float>> x(static_cast<std::size_t>(K));
      std::vector<const float*> xp;
      for (Index k = 0; k < K; ++k) {
        const float* src = all[static_cast<std::size_t>(k)].data() + g0 * nt;
        x[static_cast<std::size_t>(k)].assign(src, src + B * nt);
        xp.push_back(x[static_cast<std::size_t>(k)].data());
      }
      const kernels::Dims dims{B, nt, K, H};
      float* r = reps.data() + g0 * K * 2 * H;
      float* a = alpha.data() + g0 * K * nt;
      if (train) {
        kernels::EncoderCache<float> cache;
        kernels::forward<float>(r, a, cache, xp, w, dims);
      } else {
        kernels::forward_inference<float>(r, a, xp, w, dims);
      }
    };
    std::vector<float> reps1(static_cast<std::size_t>(N * K * 2 * H)), alpha1(static_cast<std::size_t>(N * K * nt));
    for (Index g = 0; g < N; ++g) run(g, 1, false, reps1, alpha1);
    for (const Index B : {Index(2), Index(7), Index(13), Index(25)})
      for (const bool train : {false, true}) {
        INFO("H=" << H << " B=" << B << (train ? " (training forward)" : " (inference)"));
        std::vector<float> reps(reps1.size()), alpha(alpha1.size());
        for (Index g0 = 0; g0 < N; g0 += B) run(g0, std::min(B, N - g0), train, reps, alpha);
        CHECK(reps == reps1);
        CHECK(alpha == alpha1);
      }
  }
}

namespace {

// The level-1 forward in double with the LSTM products' operands rounded to bfloat16 (what
// Precision::bf16 means): h_{s-1} and W_hh rounded, everything else exact. reps [B, K*2H].
std::vector<double> bf16_reference_reps(const kernels::EncoderWeights<float>& w, const std::vector<const float*>& x,
                                        const kernels::Dims& d) {
  const Index H = d.H, G = 4 * H, nt = d.nt;
  auto sig = [](double z) { return 1.0 / (1.0 + std::exp(-z)); };
  std::vector<double> reps(static_cast<std::size_t>(d.B * d.K * 2 * H));
  for (Index k = 0; k < d.K; ++k)
    for (Index b = 0; b < d.B; ++b) {
      std::vector<double> hs(static_cast<std::size_t>(2 * nt * H));  // [dir][t][H]
      for (int dir = 0; dir < 2; ++dir) {
        const auto& p = w.channel[static_cast<std::size_t>(k)].dir[dir];
        std::vector<double> h(static_cast<std::size_t>(H), 0.0), c(h.size(), 0.0), z(static_cast<std::size_t>(G));
        for (Index s = 0; s < nt; ++s) {
          const Index t = dir == 1 ? nt - 1 - s : s;
          for (Index g = 0; g < G; ++g) {
            double acc = double(x[static_cast<std::size_t>(k)][b * nt + t]) * p.w_ih[g] + p.b_ih[g] + p.b_hh[g];
            for (Index j = 0; j < H; ++j)
              acc += double(kernels::bf16_round(static_cast<float>(h[static_cast<std::size_t>(j)]))) *
                     kernels::bf16_round(p.w_hh[g * H + j]);
            z[static_cast<std::size_t>(g)] = acc;
          }
          for (Index j = 0; j < H; ++j) {
            const std::size_t u = static_cast<std::size_t>(j);
            const double i = sig(z[u]), f = sig(z[u + H]), gg = std::tanh(z[u + 2 * H]), o = sig(z[u + 3 * H]);
            c[u] = f * c[u] + i * gg;
            h[u] = o * std::tanh(c[u]);
            hs[static_cast<std::size_t>((dir * nt + t) * H + j)] = h[u];
          }
        }
      }
      const float* ctx = w.channel[static_cast<std::size_t>(k)].context;
      std::vector<double> e(static_cast<std::size_t>(nt));
      double mx = -INFINITY, sum = 0.0;
      for (Index t = 0; t < nt; ++t) {
        double v = 0.0;
        for (int dir = 0; dir < 2; ++dir)
          for (Index j = 0; j < H; ++j) v += hs[static_cast<std::size_t>((dir * nt + t) * H + j)] * ctx[dir * H + j];
        e[static_cast<std::size_t>(t)] = v;
        mx = std::max(mx, v);
      }
      for (double& v : e) sum += (v = std::exp(v - mx));
      for (int dir = 0; dir < 2; ++dir)
        for (Index j = 0; j < H; ++j) {
          double r = 0.0;
          for (Index t = 0; t < nt; ++t) r += e[static_cast<std::size_t>(t)] / sum * hs[static_cast<std::size_t>((dir * nt + t) * H + j)];
          reps[static_cast<std::size_t>(b * d.K * 2 * H + k * 2 * H + dir * H + j)] = r;
        }
    }
  return reps;
}

double max_abs_diff(const std::vector<float>& a, const std::vector<double>& b) {
  double m = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(double(a[i]) - b[i]));
  return m;
}

}  // namespace

TEST_CASE("bf16 kernels: forward against a rounded-operand reference, backward near fp32, same bits for any threads",
          "[kernels][bf16]") {
  const Index H = 32, nt = 23, B = 2 * kernels::kMaxBlockGenes + 3;
  const std::vector<int> enc_of = {0, 1, 0};
  const Index K = static_cast<Index>(enc_of.size());
  ParameterStore<float> store;
  std::vector<Encoder> distinct, enc;
  for (int e = 0; e < 2; ++e) distinct.push_back(make_encoder(store, "enc." + std::to_string(e), 1, H));
  for (int e : enc_of) enc.push_back(distinct[static_cast<std::size_t>(e)]);
  Rng rng(52);
  store.init_uniform(rng, -0.5, 0.5);
  std::vector<Tensor<float>> xs;
  std::vector<const float*> x;
  for (Index k = 0; k < K; ++k) xs.push_back(deepdiff_test::random_tensor<float>(rng, {B, nt}, -1.0, 5.0));
  for (const Tensor<float>& t : xs) x.push_back(t.data());
  const Tensor<float> dreps = deepdiff_test::random_tensor<float>(rng, {B, K * 2 * H});
  const kernels::EncoderWeights<float> w = bind_encoder_params<const float*>(enc, [&](Index id) { return store.value(id); });
  auto grads_view = [&](std::vector<float>& g) {
    return bind_encoder_params<float*>(enc, [&](Index id) { return g.data() + store.info(id).offset; });
  };

  struct Out {
    std::vector<float> reps, alpha, grads, reps_inf, alpha_inf;
  };
  auto run = [&](kernels::Precision prec) {
    const kernels::Dims dims{B, nt, K, H, prec};
    Out o;
    o.reps.resize(static_cast<std::size_t>(B * K * 2 * H));
    o.alpha.resize(static_cast<std::size_t>(B * K * nt));
    o.reps_inf = o.reps;
    o.alpha_inf = o.alpha;
    o.grads.assign(store.values().size(), 0.0f);
    kernels::EncoderCache<float> cache;
    kernels::forward<float>(o.reps.data(), o.alpha.data(), cache, x, w, dims);
    kernels::backward<float>(grads_view(o.grads), cache, dreps.data(), x, w, dims);
    kernels::forward_inference<float>(o.reps_inf.data(), o.alpha_inf.data(), x, w, dims);
    return o;
  };
  const Out fp32 = run(kernels::Precision::fp32);
  const Out bf16 = run(kernels::Precision::bf16);

  // Forward: the bf16 kernel is the rounded-operand model (to float's accuracy, but for a rare
  // h that float and double round to different bf16 neighbours), and far from fp32's.
  const std::vector<double> ref = bf16_reference_reps(w, x, kernels::Dims{B, nt, K, H});
  const double err_bf16 = max_abs_diff(bf16.reps, ref), err_fp32 = max_abs_diff(fp32.reps, ref);
  INFO("max |reps - bf16 reference|: bf16 kernel " << err_bf16 << ", fp32 kernel " << err_fp32);
  CHECK(err_bf16 <= 2e-4);
  CHECK(err_fp32 >= 10 * err_bf16);
  CHECK(bf16.reps_inf == bf16.reps);
  CHECK(bf16.alpha_inf == bf16.alpha);

  // Backward: bf16 operands in its products too; every parameter's gradient within a few
  // bf16 roundings of fp32's (relative to the gradient's size).
  for (const ParamInfo& p : store.infos()) {
    double num = 0.0, den = 0.0;
    for (Index i = p.offset; i < p.offset + p.size; ++i) {
      num += std::pow(double(bf16.grads[static_cast<std::size_t>(i)]) - fp32.grads[static_cast<std::size_t>(i)], 2);
      den += std::pow(double(fp32.grads[static_cast<std::size_t>(i)]), 2);
    }
    INFO(p.name << ": |bf16 - fp32| / |fp32| = " << std::sqrt(num / den));
    CHECK(std::sqrt(num / den) <= 2e-2);
    CHECK(num > 0.0);
  }

#ifdef _OPENMP
  const int before = omp_get_max_threads();
  omp_set_num_threads(1);
  const Out one = run(kernels::Precision::bf16);
  omp_set_num_threads(2);
  const Out two = run(kernels::Precision::bf16);
  omp_set_num_threads(before);
  CHECK(one.reps == two.reps);
  CHECK(one.alpha == two.alpha);
  CHECK(one.grads == two.grads);
#endif

  // bf16 needs the fast path: H not in whole packets is refused, by name.
  const kernels::Dims odd{B, nt, K, 9, kernels::Precision::bf16};
  std::vector<float> r(static_cast<std::size_t>(B * K * 18)), a(static_cast<std::size_t>(B * K * nt));
  CHECK_THROWS_WITH(kernels::forward_inference<float>(r.data(), a.data(), x, w, odd), Catch::Contains("bf16"));
}
