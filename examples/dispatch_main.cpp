// The main of a portable program (cmake/portable.cmake): it holds one sealed copy of the whole
// program per instruction-set level and runs the widest copy this CPU supports, with the same
// arguments (kernels::choose_isa_level), after that copy's static initializers (which the
// build keeps from running at start-up: kernels::run_copy_initializers). Compiled for the x86-64 baseline, so that on a CPU
// without any copy's level it can still say what the CPU lacks (exit 1) instead of dying with
// SIGILL.
//
// DEEPDIFF_KERNELS=avx512bf16|avx512|avx2 asks for one copy (to compare copies on one machine,
// or to time one); a copy the build lacks, or one this CPU cannot run, is an error (exit 2),
// never a silent fallback.
#include <deepdiff/kernels/isa.hpp>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <vector>

#ifndef DEEPDIFF_PROGRAM_NAME
#error "DEEPDIFF_PROGRAM_NAME: the build names the program"
#endif

extern "C" {
#if DEEPDIFF_COPY_AVX512BF16
int deepdiff_main_avx512bf16(int argc, char** argv);
#endif
#if DEEPDIFF_COPY_AVX512
int deepdiff_main_avx512(int argc, char** argv);
#endif
#if DEEPDIFF_COPY_AVX2
int deepdiff_main_avx2(int argc, char** argv);
#endif
extern char** environ;
}

int main(int argc, char** argv) {
  using Main = int (*)(int, char**);
  const std::vector<deepdiff::kernels::PortableCopy<Main>> copies = {  // widest first
#if DEEPDIFF_COPY_AVX512BF16
      DEEPDIFF_PORTABLE_COPY_ENTRY(avx512bf16, deepdiff_main_),
#endif
#if DEEPDIFF_COPY_AVX512
      DEEPDIFF_PORTABLE_COPY_ENTRY(avx512, deepdiff_main_),
#endif
#if DEEPDIFF_COPY_AVX2
      DEEPDIFF_PORTABLE_COPY_ENTRY(avx2, deepdiff_main_),
#endif
  };
  Main copy_main = nullptr;
  try {
    copy_main = deepdiff::kernels::enter_copy(copies, std::getenv("DEEPDIFF_KERNELS"), argc, argv, environ);
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "%s: %s\n", DEEPDIFF_PROGRAM_NAME, e.what());
    return 2;
  } catch (const std::runtime_error& e) {
    std::fprintf(stderr,
                 "%s: error: %s. Build the programs on this machine with cmake -DDEEPDIFF_PORTABLE=OFF "
                 "(docs/usage.md, \"Portable binaries\")\n",
                 DEEPDIFF_PROGRAM_NAME, e.what());
    return 1;
  }
  return copy_main(argc, argv);
}
