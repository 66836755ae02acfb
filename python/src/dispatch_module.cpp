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
#if DEEPDIFF_COPY_AVX512BF16
DEEPDIFF_COPY_INITIALIZERS(avx512bf16)
#endif
#if DEEPDIFF_COPY_AVX512
DEEPDIFF_COPY_INITIALIZERS(avx512)
#endif
#if DEEPDIFF_COPY_AVX2
DEEPDIFF_COPY_INITIALIZERS(avx2)
#endif

// An exception here is an ImportError with its message (pybind11's module init).
PYBIND11_MODULE(_core, m) {
  using deepdiff::kernels::IsaLevel;
  using deepdiff::kernels::CopyInitializer;
  struct Copy {
    IsaLevel level;
    void (*init)(pybind11::module_&);
    const CopyInitializer *init_begin, *init_end;
  };
  const std::vector<Copy> copies = {  // widest first, as kernels::all_isa_levels()
#if DEEPDIFF_COPY_AVX512BF16
      {IsaLevel::avx512bf16, deepdiff_python_avx512bf16, __start_deepdiff_init_avx512bf16,
       __stop_deepdiff_init_avx512bf16},
#endif
#if DEEPDIFF_COPY_AVX512
      {IsaLevel::avx512, deepdiff_python_avx512, __start_deepdiff_init_avx512, __stop_deepdiff_init_avx512},
#endif
#if DEEPDIFF_COPY_AVX2
      {IsaLevel::avx2, deepdiff_python_avx2, __start_deepdiff_init_avx2, __stop_deepdiff_init_avx2},
#endif
  };
  std::vector<IsaLevel> levels;
  for (const Copy& c : copies) levels.push_back(c.level);
  const IsaLevel run = deepdiff::kernels::choose_isa_level(levels, std::getenv("DEEPDIFF_KERNELS"));
  for (const Copy& c : copies) {
    if (c.level != run) continue;
    // the copy's static initializers first, as the loader would have run them (kernels/isa.hpp)
    deepdiff::kernels::run_copy_initializers(c.init_begin, c.init_end, 0, nullptr, environ);
    c.init(m);
  }
}
