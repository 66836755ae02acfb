// deepdiff-cpp: the umbrella header. Include this one; the others are its parts.
#pragma once

#include "deepdiff/tensor/tensor.hpp"
#include "deepdiff/tensor/random.hpp"
#include "deepdiff/autograd/tape.hpp"
#include "deepdiff/autograd/ops.hpp"
#include "deepdiff/autograd/gradcheck.hpp"
#include "deepdiff/nn/parameters.hpp"
#include "deepdiff/nn/linear.hpp"
#include "deepdiff/nn/lstm.hpp"
#include "deepdiff/nn/attention.hpp"
#include "deepdiff/nn/encoder.hpp"
#include "deepdiff/nn/loss.hpp"
#include "deepdiff/train/adam.hpp"
#include "deepdiff/train/clip.hpp"
