// Tests of include/deepdiff/tensor/tile_product.hpp: tiled_product against a plain double
// loop, element by element the same bits as one multiply-add chain over k in order (on any
// tile shape, N in 1..7 packets, A read directly or transposed, leading dimensions wider
// than N, with and without the rank-1 start), and row r of C the same bits whatever rows
// come with it (the batch invariance that autograd's matmul and the kernels rely on); a
// Prefetch hint changes no bit.
#include "tensor_fixtures.hpp"

#include <deepdiff/tensor/tile_product.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

namespace {

template <class T>
std::vector<T> random_values(Rng& rng, Index n) {
  std::vector<T> v(static_cast<std::size_t>(n));
  for (T& x : v) x = static_cast<T>(rng.uniform(-1.0, 1.0));
  return v;
}

// One element as one chain of Eigen's packet multiply-adds over k in order, the lanes
// broadcast: what tiled_product promises for every element, written the plainest way.
template <class T>
T one_chain(T start, const T* a, Index as, const T* b, Index bs, Index Kd) {
  using P = typename Eigen::internal::packet_traits<T>::type;
  P acc = Eigen::internal::pset1<P>(start);
  for (Index k = 0; k < Kd; ++k)
    acc = Eigen::internal::pmadd(Eigen::internal::pset1<P>(a[k * as]), Eigen::internal::pset1<P>(b[k * bs]), acc);
  return Eigen::internal::pfirst(acc);
}

template <class T>
T rank1_start(T x, T u, T v) {
  using P = typename Eigen::internal::packet_traits<T>::type;
  return Eigen::internal::pfirst(
      Eigen::internal::pmadd(Eigen::internal::pset1<P>(x), Eigen::internal::pset1<P>(u), Eigen::internal::pset1<P>(v)));
}

}  // namespace

TEMPLATE_TEST_CASE("tiled_product: C += A B against a double loop, one multiply-add chain per element", "[tensor]",
                   float, double) {
  using T = TestType;
  const Index ps = packet_size<T>();
  CHECK(whole_packets<T>(0));
  CHECK(whole_packets<T>(3 * ps));
  if (ps > 1) CHECK_FALSE(whole_packets<T>(ps + 1));
  Rng rng(31);
  const T sentinel = T(-7.25);  // in the columns beyond N, which must stay untouched
  for (Index np = 1; np <= 7; ++np)  // panels of 4, 2 and 1 packets
    for (Index M = 1; M <= 13; ++M)  // every tile split up to 3 tiles
      for (const bool trans_a : {false, true})
        for (const bool init : {false, true})
          for (const Index pad : {Index(0), ps}) {
            const Index N = np * ps, Kd = 1 + static_cast<Index>(rng.below(40)), ld = N + pad;
            INFO("M=" << M << " N=" << N << " Kd=" << Kd << (trans_a ? " A^T" : "") << (init ? " rank-1 start" : "")
                      << " ld=" << ld);
            // A(r, k) at a[r * ars + k * aks]: [M, Kd] row-major, or stored transposed [Kd, M].
            const std::vector<T> a = random_values<T>(rng, M * Kd);
            const Index ars = trans_a ? 1 : Kd, aks = trans_a ? M : 1;
            std::vector<T> b = random_values<T>(rng, Kd * ld);
            std::vector<T> c = random_values<T>(rng, M * ld);
            for (Index r = 0; r < M; ++r)
              for (Index j = N; j < ld; ++j) c[static_cast<std::size_t>(r * ld + j)] = sentinel;
            const std::vector<T> c0 = c;
            const std::vector<T> x = random_values<T>(rng, 2 * M), u = random_values<T>(rng, N),
                                 v = random_values<T>(rng, N);
            const Rank1Init<T> r1{x.data(), 2, u.data(), v.data()};
            tiled_product<T>(M, N, Kd, a.data(), ars, aks, b.data(), ld, c.data(), ld, init ? &r1 : nullptr);
            int wrong = 0, not_one_chain = 0, touched = 0;
            for (Index r = 0; r < M; ++r) {
              for (Index j = 0; j < N; ++j) {
                const std::size_t rc = static_cast<std::size_t>(r * ld + j);
                const T xr = x[static_cast<std::size_t>(2 * r)], uj = u[static_cast<std::size_t>(j)],
                        vj = v[static_cast<std::size_t>(j)];
                const T start = init ? rank1_start(xr, uj, vj) : c0[rc];
                double ref = init ? double(xr) * uj + vj : double(c0[rc]);
                // The start's own terms (x_r u and v may cancel), then every product's.
                double mag = init ? std::abs(double(xr) * uj) + std::abs(double(vj)) : std::abs(ref);
                for (Index k = 0; k < Kd; ++k) {
                  const double p = double(a[static_cast<std::size_t>(r * ars + k * aks)]) * b[static_cast<std::size_t>(k * ld + j)];
                  ref += p;
                  mag += std::abs(p);
                }
                const double tol = 2.0 * double(Kd + 2) * std::numeric_limits<T>::epsilon() * mag;
                if (!(std::abs(double(c[rc]) - ref) <= tol)) ++wrong;
                if (c[rc] != one_chain<T>(start, a.data() + r * ars, aks, b.data() + j, ld, Kd)) ++not_one_chain;
              }
              for (Index j = N; j < ld; ++j) touched += c[static_cast<std::size_t>(r * ld + j)] != sentinel;
            }
            CHECK(wrong == 0);
            CHECK(not_one_chain == 0);
            CHECK(touched == 0);
          }
}

TEMPLATE_TEST_CASE("tiled_product: row r of C is the same bits in a product of 1 or of 13 rows", "[tensor][batch]",
                   float, double) {
  using T = TestType;
  const Index ps = packet_size<T>();
  Rng rng(32);
  for (const Index np : {Index(1), Index(2), Index(3), Index(4), Index(5), Index(8)})
    for (const Index Kd : {Index(1), Index(7), Index(32), Index(40)})
      for (const bool init : {false, true}) {
        const Index N = np * ps;
        INFO("N=" << N << " Kd=" << Kd << (init ? " rank-1 start" : ""));
        const std::vector<T> a = random_values<T>(rng, 13 * Kd), b = random_values<T>(rng, Kd * N);
        const std::vector<T> x = random_values<T>(rng, 13), u = random_values<T>(rng, N), v = random_values<T>(rng, N);
        // Each row alone (M = 1), from a zero C as autograd's matmul starts.
        std::vector<T> alone(static_cast<std::size_t>(13 * N), T(0));
        for (Index r = 0; r < 13; ++r) {
          const Rank1Init<T> r1{x.data() + r, 1, u.data(), v.data()};
          tiled_product<T>(1, N, Kd, a.data() + r * Kd, Kd, 1, b.data(), N, alone.data() + r * N, N,
                           init ? &r1 : nullptr);
        }
        // The last M rows as one product, for every M.
        for (Index M = 1; M <= 13; ++M) {
          const Index r0 = 13 - M;
          std::vector<T> c(static_cast<std::size_t>(M * N), T(0));
          const Rank1Init<T> r1{x.data() + r0, 1, u.data(), v.data()};
          tiled_product<T>(M, N, Kd, a.data() + r0 * Kd, Kd, 1, b.data(), N, c.data(), N, init ? &r1 : nullptr);
          INFO("M=" << M);
          CHECK(std::memcmp(c.data(), alone.data() + r0 * N, c.size() * sizeof(T)) == 0);
        }
      }
}

TEMPLATE_TEST_CASE("tiled_product: a Prefetch changes no bit, whatever its length against Kd", "[tensor]", float,
                   double) {
  using T = TestType;
  const Index ps = packet_size<T>();
  Rng rng(33);
  std::vector<T> far = random_values<T>(rng, 64 * 1024);  // the memory to pull in
  for (const Index np : {Index(1), Index(2), Index(4), Index(5)})
    for (const Index M : {Index(1), Index(10), Index(13)})
      for (const Index Kd : {Index(1), Index(7), Index(128)})
        for (const Index lines : {Index(0), Index(1), Index(Kd), Index(3 * Kd + 1)}) {
          const Index N = np * ps;
          INFO("M=" << M << " N=" << N << " Kd=" << Kd << " lines=" << lines);
          const std::vector<T> a = random_values<T>(rng, M * Kd), b = random_values<T>(rng, Kd * N);
          const std::vector<T> c0 = random_values<T>(rng, M * N);
          std::vector<T> plain = c0, hinted = c0;
          tiled_product<T>(M, N, Kd, a.data(), Kd, 1, b.data(), N, plain.data(), N);
          const Prefetch pf{reinterpret_cast<const char*>(far.data()), lines};
          tiled_product<T>(M, N, Kd, a.data(), Kd, 1, b.data(), N, hinted.data(), N, nullptr, &pf);
          CHECK(std::memcmp(plain.data(), hinted.data(), plain.size() * sizeof(T)) == 0);
        }
}
