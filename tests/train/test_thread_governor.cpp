// train/thread_governor.hpp: the policy, driven with made-up batch timings (seconds per gene
// at n threads and at 1, with noise), so every case is exact and fast. That the count may
// change between batches without changing a value is test_trainer's "identical for 1 and 2
// threads": each step is the same function of (parameters, batch) at any count.
#include <catch2/catch.hpp>

#include <deepdiff/tensor/random.hpp>
#include <deepdiff/train/thread_governor.hpp>

#include <functional>

using deepdiff::ThreadGovernor;

namespace {

// Runs `batches` batches of 10 genes; pace(threads, batch) gives seconds per gene. Returns how
// many batches ran at 1 thread.
int run(ThreadGovernor& g, int batches, const std::function<double(int, int)>& pace, int first = 0) {
  int at_one = 0;
  for (int b = first; b < first + batches; ++b) {
    const int t = g.current;
    if (t == 1) ++at_one;
    g.next(10 * pace(t, b), 10);
  }
  return at_one;
}

}  // namespace

TEST_CASE("thread governor: an idle machine keeps the caller's count", "[train][threads]") {
  ThreadGovernor g(2);
  deepdiff::Rng rng(3);
  // 2 threads 1.4x faster than 1; +-15% noise per batch, and single batches 3x slower (a page
  // fault, an interrupt): never a sustained slowdown.
  const int at_one = run(g, 5000, [&](int t, int b) {
    const double base = t == 2 ? 1.0 : 1.4;
    return base * (b % 97 == 0 ? 3.0 : 1.0 + 0.15 * (2 * rng.uniform() - 1));
  });
  // Trials of 1 thread after waits of 16, 32, ... 512, then one per 512 batches: about 13.
  CHECK(at_one >= 4 * 10);
  CHECK(at_one <= 4 * 16);
  CHECK(g.settled() == 2);
}

TEST_CASE("thread governor: a machine busy from the start goes to 1 thread early", "[train][threads]") {
  ThreadGovernor g(2);
  auto pace = [](int t, int) { return t == 2 ? 2.5 : 1.2; };
  const int at_one = run(g, 100, pace);
  CHECK(g.settled() == 1);
  CHECK(at_one >= 100 - ThreadGovernor::kFirstWait - ThreadGovernor::kWindow - 2 * ThreadGovernor::kTrialBatches);
}

TEST_CASE("thread governor: a competing process moves it to 1 thread, and back when it ends", "[train][threads]") {
  ThreadGovernor g(2);
  // Idle for 200 batches, contended for 2000 (2 threads at 2.5x their idle pace, 1 thread at
  // 1.2x), idle again.
  auto pace = [](int t, int b) {
    const bool busy = b >= 200 && b < 2200;
    if (t == 2) return busy ? 2.5 : 1.0;
    return busy ? 1.2 : 1.4;
  };
  CHECK(run(g, 200, pace) == 3 * ThreadGovernor::kTrialBatches);  // trials after 16, 32 and 64 batches
  const int at_one = run(g, 2000, pace, 200);
  CHECK(g.settled() == 1);
  // It settles within the first wait and trial, and retries 2 threads after 32, 64, ... 512
  // batches: 2 threads for at most ~60 of the 2000.
  CHECK(at_one > 2000 - 60);
  // The retries of 2 threads have backed off to one per 512 batches: back within ~520.
  run(g, 600, pace, 2200);
  CHECK(g.settled() == 2);
  CHECK(g.current == 2);
}

TEST_CASE("thread governor: a slowdown that 1 thread does not help keeps n, trying 1 less and less", "[train][threads]") {
  ThreadGovernor g(2);
  // After 100 batches everything is 3x slower (say, a slower clock): 1 thread stays worse.
  auto pace = [](int t, int b) { return (t == 2 ? 1.0 : 1.4) * (b >= 100 ? 3.0 : 1.0); };
  const int at_one = run(g, 5000, pace);
  CHECK(g.settled() == 2);
  // Trials of 4 batches after waits of 16, 32, ... 512 batches: a handful, not hundreds.
  CHECK(at_one > 0);
  CHECK(at_one <= 4 * 20);
}

TEST_CASE("thread governor: one thread, or no genes, changes nothing", "[train][threads]") {
  ThreadGovernor one(1);
  for (int b = 0; b < 100; ++b) CHECK(one.next(b % 2 ? 1.0 : 100.0, 10) == 1);
  ThreadGovernor g(4);
  CHECK(g.next(1.0, 0) == 4);
  ThreadGovernor none(0);
  CHECK(none.n == 1);
}
