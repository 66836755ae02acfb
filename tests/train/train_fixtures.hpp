// Shared set-up of the tests split out of tests/test_train.cpp.
#pragma once
// Adam and gradient clipping against values computed by hand (PyTorch semantics).
#include <catch2/catch.hpp>

#include "test_helpers.hpp"

using namespace deepdiff;
