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
