// How much memory a DeepDiff model needs, from its configuration alone (nothing allocated), so a
// program can refuse a size the machine cannot hold before it builds the model: the parameter
// count (exact, tested against DeepDiff<T>::params().numel()) and an estimate of training memory.
#pragma once

#include <cstddef>

#include "deepdiff/model/variant.hpp"

namespace deepdiff {

namespace memory_detail {
// One encoder (nn/encoder.hpp): a bidirectional LSTM with G = 4H gates per direction
// (W_ih [G, in], W_hh [G, H], b_ih [G], b_hh [G]), then attention over 2H ([2H, 1]).
inline double encoder_params(double in, double h) { return 2.0 * (4 * h * in + 4 * h * h + 8 * h) + 2 * h; }
inline double linear_params(double in, double out) { return out * in + out; }
}  // namespace memory_detail

// Level-1 channels a variant runs (each one bidirectional LSTM over the bins).
inline Index level1_channels(const ModelConfig& c) {
  const Index M = c.marks;
  switch (c.variant) {
    case Variant::raw_d: return M;
    case Variant::raw_c: return 2 * M;
    case Variant::raw: return 3 * M;
    case Variant::aux:
    case Variant::aux_siamese: return 2 * M;
    case Variant::raw_aux:
    case Variant::raw_aux_siamese: return 5 * M;
  }
  return 0;
}

// The number of parameters, in double (a huge --hidden must not overflow the count itself).
inline double parameter_count(const ModelConfig& c) {
  using memory_detail::encoder_params;
  using memory_detail::linear_params;
  const double M = static_cast<double>(c.marks), H1 = static_cast<double>(c.hidden1),
               H2 = static_cast<double>(c.hidden2()), Z = 2 * H2;
  const double l1 = encoder_params(1, H1), l2 = encoder_params(2 * H1, H2);
  switch (c.variant) {
    case Variant::raw_d: return M * l1 + l2 + linear_params(Z, 1);
    case Variant::raw_c: return 2 * M * l1 + l2 + linear_params(Z, 1);
    case Variant::raw: return 3 * M * l1 + l2 + linear_params(Z, 1);
    case Variant::aux:
    case Variant::aux_siamese: {
      const double encoders = c.variant == Variant::aux ? 2 * M : M;  // siamese: A and B share
      return encoders * l1 + 2 * l2 + 2 * linear_params(Z, 1) + linear_params(2 * Z, Z) + linear_params(Z, 1);
    }
    case Variant::raw_aux:
    case Variant::raw_aux_siamese: {
      const double encoders = c.variant == Variant::raw_aux ? 5 * M : 4 * M;
      return encoders * l1 + 3 * l2 + 3 * linear_params(Z, 1);
    }
  }
  return 0;
}

struct MemoryEstimate {
  double parameter_count = 0;
  double parameters = 0;   // bytes: values, gradients, Adam m and v, best epoch's copy, state file buffers
  double activations = 0;  // bytes: level-1 training cache and its deltas for one batch
  double total() const { return parameters + activations; }
};

// Training memory of a model of `c` with batches of `batch` genes and scalars of
// `scalar_bytes`. Parameters: five copies of the scalar type (values, gradients, Adam's two
// moments, the best epoch's values) plus three double copies while state.bin is encoded
// (kernels/ and model/model_io.hpp). Activations: the fused kernel's training cache, per gene,
// channel, direction and bin G + 2H values (kernels/bilstm_attention.hpp), counted twice for
// the backward pass's deltas. A lower bound: the level-2 graph and data are left out.
inline MemoryEstimate training_memory(const ModelConfig& c, Index batch, std::size_t scalar_bytes) {
  MemoryEstimate m;
  const double s = static_cast<double>(scalar_bytes), H = static_cast<double>(c.hidden1);
  m.parameter_count = parameter_count(c);
  m.parameters = m.parameter_count * (5 * s + 3 * 8);
  m.activations = 2.0 * static_cast<double>(batch) * static_cast<double>(level1_channels(c)) * 2.0 *
                  static_cast<double>(c.bins) * (6 * H) * s;
  return m;
}

}  // namespace deepdiff
