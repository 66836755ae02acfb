// The fused bidirectional-LSTM + attention encoders as one tape node (kernels/fused_encoder.hpp, over
// kernels/bilstm_attention.hpp) against the composed autograd reference: values, attention, every parameter gradient; a central-
// difference gradient check of the fused node; inference == training forward, bit for bit;
// bit-identical results for 1 and 2 OpenMP threads.
//
// Error measures
//   rel(a, b)  = max_i |a_i - b_i| / max(|a_i|, |b_i|, 1e-3)     elementwise, absolute floor 1e-3
//   l2(a, b)   = ||a - b||_2 / ||b||_2                            normwise
// double: fused vs composed, rel <= 1e-12 for reps, alpha and every parameter gradient.
// float: two float implementations of a 200-step recurrence cannot agree to 1e-5 elementwise;
// the composed float path itself is up to ~2e-4 (rel) away from the exact result on gradient
// elements that are sums of cancelling terms. So in float we check (i) against the exact
// result (the composed path in double on the same float-rounded data): rel <= 1e-4 for reps
// and alpha, rel <= 5e-3 for gradients; and (ii) fused float vs composed float: l2 <= 1e-5
// for reps, alpha and all parameter gradients together. Measured values: docs/kernels.md.
#include <catch2/catch.hpp>

#include <deepdiff/kernels/fused_encoder.hpp>

#include <cmath>
#include <cstring>
#include <sstream>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "test_helpers.hpp"

using namespace deepdiff;

namespace {

template <class T, class U>
double max_rel(const T* a, const U* b, Index n) {
  const double floor = 1e-3;
  double m = 0.0;
  for (Index i = 0; i < n; ++i) {
    const double x = a[i], y = b[i];
    if (!std::isfinite(x) || !std::isfinite(y)) return INFINITY;
    m = std::max(m, std::abs(x - y) / std::max({std::abs(x), std::abs(y), floor}));
  }
  return m;
}
template <class T, class U>
double max_rel(const Tensor<T>& a, const Tensor<U>& b) {
  REQUIRE(a.shape() == b.shape());
  return max_rel(a.data(), b.data(), a.size());
}
template <class T>
double l2_rel(const T* a, const T* b, Index n) {
  double num = 0.0, den = 0.0;
  for (Index i = 0; i < n; ++i) {
    const double d = static_cast<double>(a[i]) - static_cast<double>(b[i]);
    num += d * d;
    den += static_cast<double>(b[i]) * static_cast<double>(b[i]);
  }
  return den > 0.0 ? std::sqrt(num / den) : std::sqrt(num);
}
template <class T>
bool all_finite(const T* p, Index n) {
  for (Index i = 0; i < n; ++i)
    if (!std::isfinite(p[i])) return false;
  return true;
}

// A problem: K channel slots served by `n_enc` distinct encoders (slot k uses encoder
// enc_of[k]), parameters uniform(-0.5, 0.5), counts uniform [0, 5).
template <class T>
struct Problem {
  ParameterStore<T> store;
  std::vector<Encoder> encoders;
  std::vector<Tensor<T>> channels;
  Tensor<T> seed;  // random projection of reps, the loss is <reps, seed>
  Index B = 0, nt = 0, K = 0, H = 0;

  Problem(Rng& rng, Index B_, Index nt_, Index H_, const std::vector<int>& enc_of) : B(B_), nt(nt_), H(H_) {
    K = static_cast<Index>(enc_of.size());
    const int n_enc = *std::max_element(enc_of.begin(), enc_of.end()) + 1;
    std::vector<Encoder> distinct;
    for (int e = 0; e < n_enc; ++e)
      distinct.push_back(make_encoder(store, "rnn_hms." + std::to_string(e), 1, H));
    for (int e : enc_of) encoders.push_back(distinct[static_cast<std::size_t>(e)]);
    store.init_uniform(rng, -0.5, 0.5);
    for (Index k = 0; k < K; ++k) {
      Tensor<T> c(Shape{B, nt});
      fill_uniform(c, rng, 0.0, 5.0);
      channels.push_back(std::move(c));
    }
    seed = deepdiff_test::random_tensor<T>(rng, {B, K * 2 * H});
  }
  // The same problem in another precision (same names, values converted).
  template <class U>
  explicit Problem(const Problem<U>& o) : B(o.B), nt(o.nt), K(o.K), H(o.H) {
    for (const ParamInfo& p : o.store.infos()) store.add(p.name, p.shape);
    for (std::size_t i = 0; i < store.values().size(); ++i) store.values()[i] = static_cast<T>(o.store.values()[i]);
    encoders = o.encoders;  // ids are the same: same registration order
    for (const Tensor<U>& c : o.channels) channels.push_back(c.template cast<T>());
    seed = o.seed.template cast<T>();
  }
};

template <class T>
struct Run {
  Tensor<T> reps, alpha;
  AlignedVector<T> grads;
  AlignedVector<T> input_grads;  // d/d channel k, [B, T] each, concatenated (with_inputs only)
};

// One forward and backward. with_inputs: the channels are tape leaves, so the node also
// computes their gradient (attributions); otherwise they are data, as in training.
template <class T, class F>
Run<T> run(Problem<T>& pr, F encode, bool with_inputs) {
  pr.store.zero_grad();
  Tape<T> tape;
  std::vector<Var<T>> x;
  for (const Tensor<T>& c : pr.channels) x.push_back(with_inputs ? tape.leaf(c) : tape.constant(c));
  EncodedChannels<T> out = encode(tape, pr.store, pr.encoders, x);
  tape.backward(out.reps, pr.seed);
  Run<T> r{out.reps.value(), out.alpha, pr.store.grads(), {}};
  if (with_inputs)
    for (const Var<T>& v : x) r.input_grads.insert(r.input_grads.end(), v.grad().data(), v.grad().data() + v.grad().size());
  return r;
}

template <class T>
Run<T> run_fused(Problem<T>& pr, bool with_inputs = true) {
  return run(pr, [](Tape<T>& t, ParameterStore<T>& s, const std::vector<Encoder>& e, const std::vector<Var<T>>& c) {
    return encode_channels_fused(t, s, e, c);
  }, with_inputs);
}
template <class T>
Run<T> run_composed(Problem<T>& pr, bool with_inputs = true) {
  return run(pr, [](Tape<T>& t, ParameterStore<T>& s, const std::vector<Encoder>& e, const std::vector<Var<T>>& c) {
    return encode_channels_composed(t, s, e, c);
  }, with_inputs);
}

std::string describe(Index B, Index nt, Index H, const std::vector<int>& enc_of) {
  std::ostringstream os;
  os << "B=" << B << " T=" << nt << " H=" << H << " channels->encoders [";
  for (std::size_t k = 0; k < enc_of.size(); ++k) os << (k ? "," : "") << enc_of[k];
  os << "]";
  return os.str();
}

// Worst errors of one or more problems: the fused path against the exact result (rel), the
// composed path in the same precision against the exact result (rel, for comparison), and
// fused against composed in the same precision (l2).
struct Errors {
  double values = 0, grads = 0, ref_values = 0, ref_grads = 0, l2 = 0;
  void merge(const Errors& o) {
    values = std::max(values, o.values);
    grads = std::max(grads, o.grads);
    ref_values = std::max(ref_values, o.ref_values);
    ref_grads = std::max(ref_grads, o.ref_grads);
    l2 = std::max(l2, o.l2);
  }
};

template <class T>
Errors compare_with_composed(Rng& rng, Index B, Index nt, Index H, const std::vector<int>& enc_of) {
  const bool dbl = sizeof(T) == sizeof(double);
  const double tol_values = dbl ? 1e-12 : 1e-4, tol_grads = dbl ? 1e-12 : 5e-3, tol_l2 = dbl ? 1e-12 : 1e-5;
  Problem<T> pr(rng, B, nt, H, enc_of);
  const Run<T> f = run_fused(pr);
  const Run<T> c = run_composed(pr);
  Problem<double> pd(pr);
  const Run<double> exact = run_composed(pd);
  INFO(describe(B, nt, H, enc_of) << (dbl ? " double" : " float"));
  REQUIRE(f.reps.shape() == Shape{B, pr.K * 2 * H});
  REQUIRE(f.alpha.shape() == Shape{B, pr.K, nt});
  CHECK(all_finite(f.reps.data(), f.reps.size()));
  CHECK(all_finite(f.alpha.data(), f.alpha.size()));
  CHECK(all_finite(f.grads.data(), static_cast<Index>(f.grads.size())));
  Errors e;
  e.values = std::max(max_rel(f.reps, exact.reps), max_rel(f.alpha, exact.alpha));
  e.ref_values = std::max(max_rel(c.reps, exact.reps), max_rel(c.alpha, exact.alpha));
  CHECK(e.values <= tol_values);
  for (Index p = 0; p < pr.store.count(); ++p) {
    const ParamInfo& info = pr.store.info(p);
    const double g = max_rel(f.grads.data() + info.offset, exact.grads.data() + info.offset, info.size);
    INFO(info.name << ": rel " << g);
    CHECK(g <= tol_grads);
    e.grads = std::max(e.grads, g);
    e.ref_grads =
        std::max(e.ref_grads, max_rel(c.grads.data() + info.offset, exact.grads.data() + info.offset, info.size));
  }
  // The input gradients (attributions' d/dx), held to the parameter gradients' tolerance.
  const Index nx = static_cast<Index>(f.input_grads.size());
  REQUIRE(nx == pr.K * B * nt);
  CHECK(all_finite(f.input_grads.data(), nx));
  const double gx = max_rel(f.input_grads.data(), exact.input_grads.data(), nx);
  INFO("input gradients: rel " << gx);
  CHECK(gx <= tol_grads);
  e.grads = std::max(e.grads, gx);
  e.ref_grads = std::max(e.ref_grads, max_rel(c.input_grads.data(), exact.input_grads.data(), nx));
  e.l2 = std::max({l2_rel(f.reps.data(), c.reps.data(), f.reps.size()),
                   l2_rel(f.alpha.data(), c.alpha.data(), f.alpha.size()),
                   l2_rel(f.grads.data(), c.grads.data(), static_cast<Index>(f.grads.size())),
                   l2_rel(f.input_grads.data(), c.input_grads.data(), nx)});
  CHECK(e.l2 <= tol_l2);
  return e;
}

void report(const Errors& e, const char* what) {
  WARN(what << ": fused vs exact rel: values " << e.values << ", gradients " << e.grads
            << " | composed (same precision) vs exact rel: values " << e.ref_values << ", gradients " << e.ref_grads
            << " | fused vs composed l2: " << e.l2);
}

template <class T>
void random_shapes_vs_composed(std::uint64_t seed) {
  Rng rng(seed);
  Errors worst;
  // Corner cases first: B = 1, T = 1, H = 1, H not a multiple of the SIMD width (general path),
  // H a multiple of it (register-tiled, fused path; register tiles of 4 to 7 rows), shared
  // encoders (channels 0 and 2 read by the same encoder), two and three gene blocks.
  worst.merge(compare_with_composed<T>(rng, 1, 1, 1, {0}));
  worst.merge(compare_with_composed<T>(rng, 7, 6, 16, {0, 1}));
  worst.merge(compare_with_composed<T>(rng, 6, 5, 8, {0}));
  worst.merge(compare_with_composed<T>(rng, 5, 4, 32, {0, 0}));
  worst.merge(compare_with_composed<T>(rng, 1, 7, 5, {0, 1}));
  worst.merge(compare_with_composed<T>(rng, 3, 1, 3, {0, 0}));
  worst.merge(compare_with_composed<T>(rng, 4, 9, 17, {0, 1, 0}));
  worst.merge(compare_with_composed<T>(rng, kernels::kMaxBlockGenes + 7, 5, 3, {0, 1}));
  worst.merge(compare_with_composed<T>(rng, 2 * kernels::kMaxBlockGenes + 5, 7, 16, {0, 1, 0}));
  for (int trial = 0; trial < 10; ++trial) {
    const Index B = 1 + static_cast<Index>(rng.below(6));
    const Index nt = 1 + static_cast<Index>(rng.below(12));
    const Index H = 1 + static_cast<Index>(rng.below(19));
    const Index K = 1 + static_cast<Index>(rng.below(4));
    std::vector<int> enc_of;
    for (Index k = 0; k < K; ++k) enc_of.push_back(static_cast<int>(rng.below(static_cast<std::uint64_t>(K))));
    worst.merge(compare_with_composed<T>(rng, B, nt, H, enc_of));
  }
  report(worst, sizeof(T) == 4 ? "random shapes, float" : "random shapes, double");
}

}  // namespace

TEST_CASE("fused encoders match the composed reference on random shapes (double)", "[kernels]") {
  random_shapes_vs_composed<double>(101);
}

TEST_CASE("fused encoders match the composed reference on random shapes (float)", "[kernels]") {
  random_shapes_vs_composed<float>(102);
}

TEST_CASE("fused encoders match the composed reference at DeepDiff's size (H=32, T=200)", "[kernels]") {
  Rng rng(103);
  report(compare_with_composed<double>(rng, 3, 200, 32, {0, 1}), "H=32, T=200, double");
  Errors f;
  for (int trial = 0; trial < 3; ++trial) f.merge(compare_with_composed<float>(rng, 3, 200, 32, {0, 1, 0}));
  report(f, "H=32, T=200, float");
}

TEST_CASE("fused encoder node passes a central-difference gradient check", "[kernels][gradcheck]") {
  Rng rng(104);
  // Three channels, two encoders, the first shared (siamese), two genes, H = 3, T = 4.
  // The channels are inputs of the check: their gradient (attributions) is checked too.
  Problem<double> pr(rng, 2, 4, 3, {0, 1, 0});
  const GradCheckResult r = gradcheck(
      [&](Tape<double>& t, const std::vector<Var<double>>& x) {
        EncodedChannels<double> e = encode_channels_fused(t, pr.store, pr.encoders, x);
        return e.reps;
      },
      pr.channels, rng, &pr.store);
  INFO("max rel " << r.max_rel_error << ", mean rel " << r.mean_rel_error << ", max abs " << r.max_abs_error << ", "
                  << r.checked << " elements (" << r.nonzero << " non-zero)");
  WARN("gradient check of the fused node (double): max rel " << r.max_rel_error << ", mean rel " << r.mean_rel_error
                                                           << " over " << r.checked << " parameters");
  CHECK(r.checked == pr.store.numel() + pr.K * pr.B * pr.nt);
  CHECK(r.nonzero == r.checked);
  CHECK(r.max_rel_error <= 1e-6);
}

TEST_CASE("inference path equals the fused forward exactly", "[kernels]") {
  Rng rng(105);
  auto check = [&](auto zero, Index B, Index nt, Index H, const std::vector<int>& enc_of) {
    using T = decltype(zero);
    INFO(describe(B, nt, H, enc_of) << (sizeof(T) == 4 ? " float" : " double"));
    Problem<T> pr(rng, B, nt, H, enc_of);
    Tape<T> tape;
    EncodedChannels<T> f = encode_channels_fused(tape, pr.store, pr.encoders, pr.channels);
    Tensor<T> reps, alpha;
    encode_channels_inference(pr.store, pr.encoders, pr.channels, reps, alpha);
    REQUIRE(reps.shape() == f.reps.shape());
    REQUIRE(alpha.shape() == f.alpha.shape());
    CHECK(std::memcmp(reps.data(), f.reps.value().data(), sizeof(T) * static_cast<std::size_t>(reps.size())) == 0);
    CHECK(std::memcmp(alpha.data(), f.alpha.data(), sizeof(T) * static_cast<std::size_t>(alpha.size())) == 0);
  };
  check(0.0f, 10, 200, 32, {0, 1, 2, 3, 4});
  check(0.0f, kernels::kMaxBlockGenes + 3, 13, 5, {0, 1, 0});
  check(0.0, 3, 17, 7, {0, 1});
  check(0.0, 1, 1, 1, {0});
}

TEST_CASE("fused encoders give bit-identical results for 1 and 2 threads", "[kernels]") {
#ifndef _OPENMP
  WARN("built without OpenMP: nothing to compare");
#else
  const int before = omp_get_max_threads();
  auto check = [&](auto zero, Index B, Index nt, Index H, const std::vector<int>& enc_of) {
    using T = decltype(zero);
    INFO(describe(B, nt, H, enc_of) << (sizeof(T) == 4 ? " float" : " double"));
    Rng rng(106);
    Problem<T> pr(rng, B, nt, H, enc_of);
    omp_set_num_threads(1);
    const Run<T> one = run_fused(pr);
    Tensor<T> reps1, alpha1;
    encode_channels_inference(pr.store, pr.encoders, pr.channels, reps1, alpha1);
    omp_set_num_threads(2);
    const Run<T> two = run_fused(pr);
    Tensor<T> reps2, alpha2;
    encode_channels_inference(pr.store, pr.encoders, pr.channels, reps2, alpha2);
    CHECK(one.reps.storage() == two.reps.storage());
    CHECK(one.alpha.storage() == two.alpha.storage());
    CHECK(one.grads == two.grads);
    CHECK(one.input_grads == two.input_grads);
    CHECK(reps1.storage() == reps2.storage());
    CHECK(alpha1.storage() == alpha2.storage());
  };
  check(0.0f, 10, 200, 32, {0, 1, 2, 3, 4});
  check(0.0f, 2 * kernels::kMaxBlockGenes + 5, 20, 9, {0, 1, 0});  // three gene blocks, shared encoder
  check(0.0, 5, 30, 6, {0, 0, 1});
  omp_set_num_threads(before);
#endif
}

TEST_CASE("fused encoders: asking for input gradients leaves everything else as it was", "[kernels]") {
  // Training never asks for d/dx; attributions do. The values and parameter gradients must be
  // the same bits either way, and with only some channels wanted, the others get nothing.
  Rng rng(108);
  Problem<float> pr(rng, kernels::kMaxBlockGenes + 2, 30, 32, {0, 1, 0});
  const Run<float> data = run_fused(pr, false), leaves = run_fused(pr, true);
  CHECK(data.reps.storage() == leaves.reps.storage());
  CHECK(data.alpha.storage() == leaves.alpha.storage());
  CHECK(data.grads == leaves.grads);
  CHECK(data.input_grads.empty());
  pr.store.zero_grad();
  Tape<float> tape;
  std::vector<Var<float>> x = {tape.constant(pr.channels[0]), tape.leaf(pr.channels[1]), tape.constant(pr.channels[2])};
  EncodedChannels<float> out = encode_channels_fused(tape, pr.store, pr.encoders, x);
  tape.backward(out.reps, pr.seed);
  const Index n = pr.B * pr.nt;
  CHECK(std::equal(x[1].grad().data(), x[1].grad().data() + n, leaves.input_grads.data() + n));
  CHECK(pr.store.grads() == leaves.grads);
}

TEST_CASE("fused encoders: closed form with all LSTM weights zero", "[kernels]") {
  // Every LSTM weight and bias zero: i = f = o = 1/2, g = 0, so c = h = 0 at every step;
  // scores are all 0, alpha = 1/T and every rep is 0.
  ParameterStore<float> store;
  Encoder e = make_encoder(store, "rnn_hms.0", 1, 4);
  store.view(e.attention.context).setConstant(0.3f);
  Tensor<float> ch(Shape{2, 5}, 2.0f);
  Tape<float> tape;
  EncodedChannels<float> out = encode_channels_fused(tape, store, {e}, {ch});
  CHECK(out.reps.value().vec().cwiseAbs().maxCoeff() == 0.0f);
  for (Index i = 0; i < out.alpha.size(); ++i) CHECK(out.alpha[i] == Approx(0.2f).epsilon(1e-6));
}

TEST_CASE("fused encoders: parameter gradients accumulate across backward passes", "[kernels]") {
  Rng rng(107);
  Problem<double> pr(rng, 3, 6, 4, {0, 1});
  const Run<double> once = run_fused(pr);
  for (int rep = 0; rep < 2; ++rep) {  // no zero_grad: the store sums (once + twice)
    Tape<double> tape;
    EncodedChannels<double> out = encode_channels_fused(tape, pr.store, pr.encoders, pr.channels);
    tape.backward(out.reps, pr.seed);
  }
  for (std::size_t i = 0; i < once.grads.size(); ++i) CHECK(pr.store.grads()[i] == Approx(3 * once.grads[i]));
}

TEST_CASE("kernel buffers come back from the pool with the same results", "[kernels]") {
  Rng rng(108);
  Problem<float> pr(rng, 40, 50, 32, {0, 1});  // blocks above the pool's minimum size
  const Run<float> a = run_fused(pr);
  const Run<float> b = run_fused(pr);  // reuses the blocks the first run released
  kernels::release_buffer_pool();
  CHECK(kernels::BufferPool::instance().held_bytes() == 0);
  const Run<float> c = run_fused(pr);  // fresh blocks
  CHECK(a.reps.storage() == b.reps.storage());
  CHECK(a.grads == b.grads);
  CHECK(a.reps.storage() == c.reps.storage());
  CHECK(a.grads == c.grads);
  CHECK(kernels::BufferPool::instance().held_bytes() > 0);
}

TEST_CASE("fused encoders reject inconsistent calls", "[kernels]") {
  ParameterStore<float> store;
  Encoder e1 = make_encoder(store, "a", 1, 4);
  Encoder e2 = make_encoder(store, "b", 1, 5);
  Encoder e3 = make_encoder(store, "c", 2, 4);
  Tape<float> tape;
  Tensor<float> c(Shape{2, 6}), c_short(Shape{2, 5});
  CHECK_THROWS_AS(encode_channels_fused(tape, store, {e1}, std::vector<Tensor<float>>{}), std::invalid_argument);
  CHECK_THROWS_AS(encode_channels_fused(tape, store, {e1, e2}, {c, c}), std::invalid_argument);
  CHECK_THROWS_AS(encode_channels_fused(tape, store, {e3}, {c}), std::invalid_argument);
  CHECK_THROWS_AS(encode_channels_fused(tape, store, {e1, e1}, {c, c_short}), std::invalid_argument);
  Tensor<float> r, a;
  CHECK_THROWS_AS(encode_channels_inference(store, {e1}, {Tensor<float>(Shape{2, 0})}, r, a), std::invalid_argument);
}
