// Shared set-up of the tests split out of tests/test_io.cpp.
#pragma once
// File output: atomic writes, CSV, checkpoints (bit-exact round trips, every corruption
// rejected), reading files.
#include <catch2/catch.hpp>

#include <deepdiff/io/atomic_file.hpp>
#include <deepdiff/io/checkpoint.hpp>
#include <deepdiff/io/csv.hpp>
#include <deepdiff/io/read_file.hpp>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "test_helpers.hpp"

using namespace deepdiff;
using deepdiff_test::TempDir;

namespace {


template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

inline bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

inline std::uint64_t bits_of(double v) {
  std::uint64_t b;
  std::memcpy(&b, &v, 8);
  return b;
}
inline std::uint32_t bits_of(float v) {
  std::uint32_t b;
  std::memcpy(&b, &v, 4);
  return b;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// atomic files
