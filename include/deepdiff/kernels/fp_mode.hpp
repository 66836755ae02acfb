// FlushDenormalsScope: flush-to-zero (FTZ) and denormals-are-zero (DAZ) for one thread, for
// as long as the guard lives.
//
// Why. In an LSTM, values multiplied by a gate below 1 step after step (c through f, dc
// through f backward) or taken through exp of a large negative number (softmax weights,
// saturated gates) can fall into the denormal range, where x86 takes a microcode assist of
// tens to hundreds of cycles per operation. With both bits set, values below 1.2e-38 (float)
// or 2.2e-308 (double) are read and written as zero; nothing else changes. The kernels set
// the guard in every OpenMP thread for the duration of a call and restore the caller's mode.
#pragma once

#if defined(__SSE__) || defined(_M_X64) || (defined(_M_IX86_FP) && _M_IX86_FP >= 1)
#include <xmmintrin.h>
#define DEEPDIFF_KERNELS_HAVE_MXCSR 1
#else
#define DEEPDIFF_KERNELS_HAVE_MXCSR 0
#endif

namespace deepdiff::kernels {

// Sets FTZ and DAZ for this thread while alive; restores the previous control bits (the
// sticky exception flags raised meanwhile are kept). A no-op where MXCSR does not exist.
class FlushDenormalsScope {
 public:
  FlushDenormalsScope() {
#if DEEPDIFF_KERNELS_HAVE_MXCSR
    saved_ = _mm_getcsr();
    _mm_setcsr(saved_ | kBits);
#endif
  }
  ~FlushDenormalsScope() {
#if DEEPDIFF_KERNELS_HAVE_MXCSR
    _mm_setcsr((_mm_getcsr() & ~kBits) | (saved_ & kBits));
#endif
  }
  FlushDenormalsScope(const FlushDenormalsScope&) = delete;
  FlushDenormalsScope& operator=(const FlushDenormalsScope&) = delete;

 private:
  static constexpr unsigned kBits = 0x8040u;  // FTZ (bit 15) | DAZ (bit 6)
  unsigned saved_ = 0;
};

}  // namespace deepdiff::kernels
