// Aligned, uninitialized, pooled buffers for the kernels: BufferPool (process-wide, thread-
// safe), AlignedBuffer<T> (an owning array from it), release_buffer_pool(), and the NaN fill
// that checks that a kernel writes every element before it reads it.
//
// Why a pool. Large kernel buffers (the training cache: ~300 KB per gene and channel in float)
// are kept for reuse when released: freshly mapped memory page-faults on first touch, and at
// B = 32, K = 5 that alone tripled the cost of a training forward pass. Results never depend
// on the pool (it only decides which addresses are reused; every block is 64-byte aligned).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <limits>
#include <mutex>
#include <new>
#include <vector>

#include "deepdiff/tensor/tensor.hpp"

// With DEEPDIFF_KERNELS_NAN_FILL = 1 every kernel cache, workspace and output is filled with
// NaN before the kernel writes it, so an element read before it is written (or never
// written) shows up as a NaN in the tests. On by default without NDEBUG; the sanitizer build
// (CMake option DEEPDIFF_SANITIZE) defines it to 1, so CI runs it.
#ifndef DEEPDIFF_KERNELS_NAN_FILL
#ifdef NDEBUG
#define DEEPDIFF_KERNELS_NAN_FILL 0
#else
#define DEEPDIFF_KERNELS_NAN_FILL 1
#endif
#endif

namespace deepdiff::kernels {

inline constexpr std::size_t kAlignBytes = 64;

// p[0, n) <- NaN where DEEPDIFF_KERNELS_NAN_FILL is on; nothing otherwise.
template <class T>
inline void debug_nan_fill([[maybe_unused]] T* p, [[maybe_unused]] Index n) {
#if DEEPDIFF_KERNELS_NAN_FILL
  std::fill(p, p + n, std::numeric_limits<T>::quiet_NaN());
#endif
}

// Holds at most kPoolBlocks released blocks and kPoolBytes in all (the oldest go first);
// clear() frees them. Blocks under kPoolMinBytes bypass it.
class BufferPool {
 public:
  static constexpr std::size_t kPoolBlocks = 16;
  static constexpr std::size_t kPoolBytes = std::size_t(1) << 30;
  static constexpr std::size_t kPoolMinBytes = std::size_t(1) << 16;

  static BufferPool& instance() {
    static BufferPool* pool = new BufferPool();  // never destroyed: tapes may outlive statics
    return *pool;
  }
  // A block of at least `bytes` (a multiple of kAlignBytes); its size goes to *got.
  void* acquire(std::size_t bytes, std::size_t* got) {
    if (bytes >= kPoolMinBytes) {
      std::lock_guard<std::mutex> lock(mutex_);
      std::size_t best = free_.size();
      for (std::size_t i = 0; i < free_.size(); ++i)
        if (free_[i].bytes >= bytes && free_[i].bytes <= 2 * bytes &&
            (best == free_.size() || free_[i].bytes < free_[best].bytes))
          best = i;
      if (best < free_.size()) {
        const Block b = free_[best];
        free_.erase(free_.begin() + static_cast<std::ptrdiff_t>(best));
        held_ -= b.bytes;
        *got = b.bytes;
        return b.ptr;
      }
    }
    void* p = std::aligned_alloc(kAlignBytes, bytes);
    if (!p) throw std::bad_alloc();
    *got = bytes;
    return p;
  }
  void release(void* p, std::size_t bytes) {
    if (bytes < kPoolMinBytes || bytes > kPoolBytes) {
      std::free(p);
      return;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    free_.push_back(Block{p, bytes});
    held_ += bytes;
    while (free_.size() > kPoolBlocks || held_ > kPoolBytes) {
      std::free(free_.front().ptr);
      held_ -= free_.front().bytes;
      free_.erase(free_.begin());
    }
  }
  void clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const Block& b : free_) std::free(b.ptr);
    free_.clear();
    held_ = 0;
  }
  std::size_t held_bytes() {
    std::lock_guard<std::mutex> lock(mutex_);
    return held_;
  }

 private:
  struct Block {
    void* ptr;
    std::size_t bytes;
  };
  std::mutex mutex_;
  std::vector<Block> free_;
  std::size_t held_ = 0;
};

// Frees the blocks the pool holds (kernel buffers in use are not affected).
inline void release_buffer_pool() { BufferPool::instance().clear(); }

// An owning, 64-byte aligned array from the pool, NOT value-initialized (everything is written
// before it is read; debug_nan_fill checks that).
template <class T>
class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  explicit AlignedBuffer(Index n) : n_(n) {
    if (n_ > 0) {
      const std::size_t bytes = (static_cast<std::size_t>(n_) * sizeof(T) + kAlignBytes - 1) / kAlignBytes * kAlignBytes;
      p_ = static_cast<T*>(BufferPool::instance().acquire(bytes, &bytes_));
      debug_nan_fill(p_, n_);
    }
  }
  ~AlignedBuffer() { reset(); }
  AlignedBuffer(AlignedBuffer&& o) noexcept : p_(o.p_), n_(o.n_), bytes_(o.bytes_) { o.p_ = nullptr; }
  AlignedBuffer& operator=(AlignedBuffer&& o) noexcept {
    if (this != &o) {
      reset();
      p_ = o.p_;
      n_ = o.n_;
      bytes_ = o.bytes_;
      o.p_ = nullptr;
    }
    return *this;
  }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;

  T* data() { return p_; }
  const T* data() const { return p_; }
  Index size() const { return n_; }

 private:
  void reset() {
    if (p_) BufferPool::instance().release(p_, bytes_);
    p_ = nullptr;
  }
  T* p_ = nullptr;
  Index n_ = 0;
  std::size_t bytes_ = 0;
};

// Elements per 64 bytes; tile sizes are rounded up to it.
template <class T>
constexpr Index align_elems() {
  return static_cast<Index>(kAlignBytes / sizeof(T));
}
template <class T>
constexpr Index round_up(Index n) {
  return (n + align_elems<T>() - 1) / align_elems<T>() * align_elems<T>();
}

}  // namespace deepdiff::kernels
