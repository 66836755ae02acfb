// The programs' version line, `deepdiff --version` and `deepdiff-pairs --version`:
//   deepdiff 0.1.0 (commit 1a2b3c4-dirty, gcc 12.2.0, AVX-512 + AVX512_BF16; portable: copy avx512bf16 of avx512bf16, avx2)
// The version is CMake's project(VERSION), the commit the git checkout's at build time, both
// from deepdiff_build_info.hpp, which the build writes into its own folder
// (cmake/build_info.cmake); then the compiler and the widest vector instructions it was allowed
// (-march), which decide the kernels' code paths and so the last bits of the numbers; in a
// portable build (cmake/portable.cmake), which of its copies this CPU runs.
//
// A portable build compiles each program once per level with DEEPDIFF_MAIN naming that copy's
// entry point (deepdiff_main_avx2, ...), which examples/dispatch_main.cpp calls; otherwise it
// is main. A program defines `int DEEPDIFF_MAIN(int argc, char** argv)`.
#pragma once

#include <string>

#include <deepdiff/kernels/isa.hpp>

#include "deepdiff_build_info.hpp"

#ifdef DEEPDIFF_PORTABLE_COPY
// The copy's entry point, with C linkage: one plain symbol that the build keeps global when it
// seals the copy.
extern "C" int DEEPDIFF_MAIN(int argc, char** argv);
#else
#define DEEPDIFF_MAIN main
#endif

namespace deepdiff_cli {

inline const char* build_version() { return DEEPDIFF_BUILD_VERSION; }
inline const char* build_commit() { return DEEPDIFF_BUILD_COMMIT; }

inline std::string build_compiler() {
#if defined(__clang__)
  return std::string("clang ") + __clang_version__;
#elif defined(__GNUC__)
  return std::string("gcc ") + __VERSION__;
#else
  return "an unknown compiler";
#endif
}

inline std::string version_line() {
  const std::string copy = deepdiff::kernels::portable_copy();
  return std::string("deepdiff ") + build_version() + " (commit " + build_commit() + ", " + build_compiler() + ", " +
         deepdiff::kernels::compiled_isa() + (copy.empty() ? "" : "; portable: " + copy) + ")";
}

}  // namespace deepdiff_cli
