// The programs' version line, `deepdiff --version` and `deepdiff-pairs --version`:
//   deepdiff 0.1.0 (commit 1a2b3c4-dirty, gcc 12.2.0, AVX-512)
// The version is CMake's project(VERSION), the commit the git checkout's at build time, both
// from deepdiff_build_info.hpp, which the build writes into its own folder
// (cmake/build_info.cmake); then the compiler and the widest vector instructions it was allowed
// (-march), which decide the kernels' code paths and so the last bits of the numbers.
#pragma once

#include <string>

#include "deepdiff_build_info.hpp"

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

inline const char* build_vector_isa() {
#if defined(__AVX512F__)
  return "AVX-512";
#elif defined(__AVX2__)
  return "AVX2";
#elif defined(__AVX__)
  return "AVX";
#elif defined(__SSE2__)
  return "SSE2";
#else
  return "no x86 vector instructions";
#endif
}

inline std::string version_line() {
  return std::string("deepdiff ") + build_version() + " (commit " + build_commit() + ", " + build_compiler() + ", " +
         build_vector_isa() + ")";
}

}  // namespace deepdiff_cli
