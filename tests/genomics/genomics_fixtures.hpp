// Shared set-up of the tests split out of tests/test_genomics.cpp.
#pragma once
// The genomics layer (include/deepdiff/genomics/): annotation, expression and samplesheet
// parsing, TSS windows and the counting rule, and splits. The values against the reference
// tools (bedtools multicov / intersect -c, computeMatrix) are checked end to end by
// tests/genomics/test_prepare_reference.py.
#include <catch2/catch.hpp>

#include <deepdiff/genomics/annotation.hpp>
#include <deepdiff/genomics/expression.hpp>
#include <deepdiff/genomics/prepare.hpp>
#include <deepdiff/genomics/samplesheet.hpp>
#include <deepdiff/genomics/signal.hpp>

#include <map>
#include <sstream>

#include "test_helpers.hpp"

using namespace deepdiff;
using namespace deepdiff::genomics;
using deepdiff_test::TempDir;

namespace {

// The DataError's line, or 0; fails the test when nothing is thrown.
template <class F>
DataError data_error(F&& f) {
  try {
    f();
  } catch (const DataError& e) {
    return e;
  }
  FAIL("no DataError thrown");
  return DataError("", "");
}

}  // namespace
