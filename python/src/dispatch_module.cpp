// deepdiff._core of a portable build (setup.py): the module holds one sealed copy of
// deepdiff_python.cpp per instruction-set level and fills itself with the widest copy this CPU
// supports (kernels::choose_isa_level; DEEPDIFF_KERNELS=<level> asks for one), after running
// that copy's static initializers. Compiled for
// the x86-64 baseline, so that on a CPU without any copy's level `import deepdiff` raises
// ImportError saying what the CPU lacks instead of killing Python with SIGILL.
#include <pybind11/pybind11.h>

#include <deepdiff/kernels/isa.hpp>

#include <cstdlib>
#include <vector>

extern "C" {
#if DEEPDIFF_COPY_AVX512BF16
void deepdiff_python_avx512bf16(pybind11::module_& m);
#endif
#if DEEPDIFF_COPY_AVX512
void deepdiff_python_avx512(pybind11::module_& m);
#endif
#if DEEPDIFF_COPY_AVX2
void deepdiff_python_avx2(pybind11::module_& m);
#endif
extern char** environ;
}

// An exception here is an ImportError with its message (pybind11's module init).
PYBIND11_MODULE(_core, m) {
  using Init = void (*)(pybind11::module_&);
  const std::vector<deepdiff::kernels::PortableCopy<Init>> copies = {  // widest first
#if DEEPDIFF_COPY_AVX512BF16
      DEEPDIFF_PORTABLE_COPY_ENTRY(avx512bf16, deepdiff_python_),
#endif
#if DEEPDIFF_COPY_AVX512
      DEEPDIFF_PORTABLE_COPY_ENTRY(avx512, deepdiff_python_),
#endif
#if DEEPDIFF_COPY_AVX2
      DEEPDIFF_PORTABLE_COPY_ENTRY(avx2, deepdiff_python_),
#endif
  };
  deepdiff::kernels::enter_copy(copies, std::getenv("DEEPDIFF_KERNELS"), 0, nullptr, environ)(m);
}
