// Shared set-up of the tests split out of tests/test_tensor.cpp.
#pragma once
#include <catch2/catch.hpp>

#include "test_helpers.hpp"

using namespace deepdiff;
