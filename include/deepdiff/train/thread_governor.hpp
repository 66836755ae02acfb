// ThreadGovernor: the OpenMP thread count of each training batch, chosen by measuring.
//
// Why. On a machine that is not idle (a laptop, a shared cluster node) a competing process
// takes a core from one of our threads for whole scheduler time slices (milliseconds), while
// a batch's parallel phases last a fraction of a millisecond each: the other thread waits at
// the end of each phase for the one taken off its core, and 2 threads train slower than 1
// (docs/benchmarks.md, "contended"). Every result of the library is bit-identical for any
// number of threads, so the count may change from one batch to the next without changing a
// single value. The governor runs the caller's count n and tries 1 thread for 4 batches after
// 16 batches, then after waits that double (to 512) while 1 loses, and again 16 batches after
// the pace falls a third below the best seen; it keeps whichever count is faster, and tries n
// again after 32 batches at 1, then 64, ... 512 while n loses. On an idle machine that costs
// about 1% over the first 1,000 batches and 0.4% after; on a busy one, as little once settled.
//
// Plain policy, no clock: the trainer times each batch and calls next(); tests drive it with
// made-up timings (tests/train/test_thread_governor.cpp).
#pragma once

#include <algorithm>
#include <limits>

namespace deepdiff {

struct ThreadGovernor {
  // Tuning (batches of the recipe's 10 genes take ~1-10 ms). Paces are medians, so a single
  // slow batch (a page fault, an interrupt) moves nothing.
  static constexpr double kSlowdown = 4.0 / 3.0;  // recent pace / best pace that starts a trial
  static constexpr int kWindow = 8;               // batches of the recent pace (their median)
  static constexpr int kTrialBatches = 4;         // batches of a trial of the other count
  static constexpr int kFirstWait = 16;           // batches at n before a trial of 1
  static constexpr int kMaxWait = 512;            // waits double after each failed trial, to this
  static constexpr int kRetryAfter = 32;          // batches at 1 before n is first tried again

  explicit ThreadGovernor(int caller_threads = 1) : n(std::max(1, caller_threads)), current(n), settled_(n) {}

  int n;        // the caller's thread count
  int current;  // the count for the next batch

  // The batch just run took `seconds` for `genes` genes at `current` threads: returns the count
  // for the next batch.
  int next(double seconds, long genes) {
    if (n == 1 || genes <= 0) return current;
    const double pace = seconds / static_cast<double>(genes);
    if (trial_size_ > 0 || current != settled_) {  // a trial of the other count
      trial_[trial_size_++] = pace;
      if (trial_size_ == kTrialBatches) {
        const double tried = median(trial_, kTrialBatches);
        const double settled_pace = median(recent_, recent_size_);
        if (tried < settled_pace) {  // faster now: settle on it, its trial is its recent pace
          settled_ = current;
          recent_size_ = oldest_ = 0;
          for (int i = 0; i < kTrialBatches; ++i) push(trial_[i]);
          if (settled_ == n) wait_ = kFirstWait;
          else retry_wait_ = kRetryAfter;
        } else if (settled_ == n) {  // back to n; a failed trial of 1 doubles the wait
          wait_ = std::min(2 * wait_, kMaxWait);
        } else {  // back to 1; a failed trial of n doubles the wait for the next
          retry_wait_ = std::min(2 * retry_wait_, kMaxWait);
        }
        current = settled_;
        trial_size_ = 0;
        since_ = 0;
      }
      return current;
    }
    push(pace);
    ++since_;
    if (recent_size_ < kWindow) return current;
    const double recent = median(recent_, recent_size_);
    if (settled_ == n) {
      best_n_ = std::min(best_n_, recent);
      // 1 is tried after 16 batches, then after waits that double while it loses (a machine
      // busy from the start has no idle pace to fall from, and one trial is a noisy judge);
      // a new sustained slowdown brings the wait back to 16.
      const bool slowed = recent > kSlowdown * best_n_;
      if (slowed && !was_slowed_) wait_ = kFirstWait;
      was_slowed_ = slowed;
      if (since_ >= wait_) current = 1;
    } else if (since_ >= retry_wait_) {
      current = n;
    }
    return current;
  }

  // The count settled on, outside trials (for reports and tests).
  int settled() const { return settled_; }

 private:
  void push(double pace) {
    if (recent_size_ < kWindow) {
      recent_[recent_size_++] = pace;
    } else {
      recent_[oldest_] = pace;
      oldest_ = (oldest_ + 1) % kWindow;
    }
  }
  static double median(const double* v, int size) {
    double s[kWindow];
    for (int i = 0; i < size; ++i) {  // insertion sort of at most 8 values (std::sort trips GCC 12's -Warray-bounds)
      int j = i;
      for (; j > 0 && s[j - 1] > v[i]; --j) s[j] = s[j - 1];
      s[j] = v[i];
    }
    return size % 2 ? s[size / 2] : 0.5 * (s[size / 2 - 1] + s[size / 2]);
  }

  int settled_;
  double recent_[kWindow] = {};  // the settled count's last paces (seconds per gene)
  int recent_size_ = 0, oldest_ = 0;
  double best_n_ = std::numeric_limits<double>::infinity();  // best recent pace at n: the idle pace
  double trial_[kTrialBatches] = {};
  int trial_size_ = 0;
  int since_ = 0;  // batches at the settled count since the last trial
  int wait_ = kFirstWait;
  int retry_wait_ = kRetryAfter;
  bool was_slowed_ = false;
};

}  // namespace deepdiff
