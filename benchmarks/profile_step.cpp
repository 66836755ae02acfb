// One fused raw_d training step (B = 10, T = 200, H1 = 32): a fixed, small workload for an
// instruction profile (docs/benchmarks.md, "Profile"):
//   OMP_NUM_THREADS=1 valgrind --tool=callgrind build-prof/benchmarks/profile_step
#include <deepdiff/deepdiff.hpp>

#include <cmath>
#include <cstdio>

using namespace deepdiff;

int main() {
  ModelConfig c;  // raw_d at the published sizes
  DeepDiff<float> m(c);
  Rng r(1);
  m.params().init_uniform(r, -0.1, 0.1);
  Tensor<float> xa({10, 200, 5}), xb({10, 200, 5}), y({10, 1}, 1.0f), ya({10, 1}, 2.0f), yb({10, 1}, 3.0f);
  for (Index i = 0; i < xa.size(); ++i) {
    xa[i] = static_cast<float>(std::floor(r.uniform(0, 7)));
    xb[i] = static_cast<float>(std::floor(r.uniform(0, 7)));
  }
  Trainer<float> t(m, TrainOptions{});
  std::printf("raw_d training step, loss %.4f\n", static_cast<double>(t.step(xa, xb, y, ya, yb)));
  return 0;
}
