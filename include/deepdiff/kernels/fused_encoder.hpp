// The fused level-1 encoders (kernels/bilstm_attention.hpp) as autograd: K bidirectional
// LSTM + attention encoders in ONE tape node, and the inference path that keeps no tape.
//
//   encode_channels_fused      one node; its closure calls kernels::backward
//   encode_channels_inference  kernels::forward_inference, straight from a ParameterStore
//
// Same signature and results as encode_channels_composed (nn/encoder.hpp), the reference; with
// Precision::bf16 (float) the LSTM products take bf16-rounded operands (bf16_product.hpp).
// This header is the only place that knows both the kernels' plain buffers and the
// ParameterStore/Tape: it checks the call (check_level_one), binds an Encoder's parameters to
// the kernels' weight views by field (bind_encoder_params), and turns the tape's gradient
// buffers into the kernels' gradient views.
#pragma once

#include <cstddef>
#include <memory>
#include <unordered_map>
#include <vector>

#include "deepdiff/autograd/tape.hpp"
#include "deepdiff/kernels/bilstm_attention.hpp"
#include "deepdiff/nn/encoder.hpp"
#include "deepdiff/nn/parameters.hpp"

namespace deepdiff {

// The kernels' view of K encoders: channel k's pointers are at(parameter id) for each of its
// parameters. `at` maps a ParameterStore id to where that parameter lives (its value, its
// tape copy, or a gradient buffer); P is const T* or T*.
template <class P, class At>
kernels::EncoderParams<P> bind_encoder_params(const std::vector<Encoder>& encoders, At at) {
  kernels::EncoderParams<P> v;
  for (const Encoder& e : encoders) {
    typename kernels::EncoderParams<P>::Channel c;
    const LSTMDirection* dirs[2] = {&e.rnn.fwd, &e.rnn.bwd};
    for (int d = 0; d < 2; ++d) c.dir[d] = {at(dirs[d]->w_ih), at(dirs[d]->w_hh), at(dirs[d]->b_ih), at(dirs[d]->b_hh)};
    c.context = at(e.attention.context);
    v.channel.push_back(c);
  }
  return v;
}

// The parameter ids of an encoder, in a fixed order (the tape node's inputs).
inline std::vector<Index> encoder_param_ids(const Encoder& e) {
  return {e.rnn.fwd.w_ih, e.rnn.fwd.w_hh, e.rnn.fwd.b_ih, e.rnn.fwd.b_hh, e.rnn.bwd.w_ih,
          e.rnn.bwd.w_hh, e.rnn.bwd.b_ih, e.rnn.bwd.b_hh, e.attention.context};
}

template <class T>
std::vector<const T*> channel_pointers(const std::vector<AlignedVector<T>>& x) {
  std::vector<const T*> p;
  for (const AlignedVector<T>& c : x) p.push_back(c.data());
  return p;
}

// K level-1 encoders in one autograd node; encoders[k] reads channels[k] ([B, T] tape values).
// The node's inputs are the parameter leaves (store.var), then the channels; each distinct
// parameter receives the sum of its gradients over the channels that use it, added in channel
// order k = 0..K-1 (then direction, then gene block). A channel receives d/d channel only when
// it requires a gradient (attributions); training's channels are constants, and then the
// kernel computes no input gradient at all.
template <class T>
EncodedChannels<T> encode_channels_fused(Tape<T>& tape, ParameterStore<T>& store, const std::vector<Encoder>& encoders,
                                         const std::vector<Var<T>>& channels,
                                         kernels::Precision precision = kernels::Precision::fp32) {
  const Index H = check_level_one(store, encoders, channel_shapes(channels), "encode_channels_fused");
  const kernels::Dims dims{channels[0].shape()[0], channels[0].shape()[1], static_cast<Index>(encoders.size()), H,
                           precision};

  // Parameter leaves (shared encoders give the same leaves); leaf[parameter id] = node id.
  std::vector<Var<T>> inputs;
  auto leaf = std::make_shared<std::unordered_map<Index, int>>();
  for (const Encoder& e : encoders)
    for (Index pid : encoder_param_ids(e)) {
      Var<T> v = store.var(tape, pid);
      (*leaf)[pid] = v.id;
      inputs.push_back(v);
    }
  // The channels whose gradient is wanted (node ids; -1: data).
  auto wants = std::make_shared<std::vector<int>>();
  bool any_input_grad = false;
  for (const Var<T>& c : channels) {
    inputs.push_back(c);
    wants->push_back(c.requires_grad() ? c.id : -1);
    any_input_grad = any_input_grad || c.requires_grad();
  }
  // The weights as the tape holds them (the values this forward and its backward use).
  auto weights_on = [encoders, leaf](const Tape<T>& tp) {
    return bind_encoder_params<const T*>(encoders, [&](Index pid) { return tp.value(leaf->at(pid)).data(); });
  };

  // The channels stay alive (and unchanged) until the backward pass.
  auto x = std::make_shared<std::vector<AlignedVector<T>>>();
  for (const Var<T>& c : channels) x->emplace_back(c.value().data(), c.value().data() + c.value().size());
  auto cache = std::make_shared<kernels::EncoderCache<T>>();
  Tensor<T> reps(Shape{dims.B, dims.K * 2 * H});
  Tensor<T> alpha(Shape{dims.B, dims.K, dims.nt});
  kernels::forward<T>(reps.data(), alpha.data(), *cache, channel_pointers(*x), weights_on(tape), dims);

  Var<T> out = tape.record(std::move(reps), inputs, [=](Tape<T>& tp, const Tensor<T>& g) {
    const kernels::EncoderGrads<T> grads =
        bind_encoder_params<T*>(encoders, [&](Index pid) { return tp.grad(leaf->at(pid)).data(); });
    if (!any_input_grad) {
      kernels::backward<T>(grads, *cache, g.data(), channel_pointers(*x), weights_on(tp), dims);
      return;
    }
    // Channels that are data get their share in a scratch buffer, dropped.
    AlignedVector<T> scratch(static_cast<std::size_t>(dims.B * dims.nt));
    std::vector<T*> dx;
    for (int id : *wants) dx.push_back(id >= 0 ? tp.grad(id).data() : scratch.data());
    kernels::backward<T>(grads, *cache, g.data(), channel_pointers(*x), weights_on(tp), dims, &dx);
  });
  return {out, std::move(alpha)};
}

// The same with the channels as data (no gradient to them).
template <class T>
EncodedChannels<T> encode_channels_fused(Tape<T>& tape, ParameterStore<T>& store, const std::vector<Encoder>& encoders,
                                         const std::vector<Tensor<T>>& channels,
                                         kernels::Precision precision = kernels::Precision::fp32) {
  check_level_one(store, encoders, channel_shapes(channels), "encode_channels_fused");
  std::vector<Var<T>> vars;
  for (const Tensor<T>& c : channels) vars.push_back(tape.constant(c));
  return encode_channels_fused(tape, store, encoders, vars, precision);
}

// Inference: the fused forward without a cache (only h is kept, for the attention); reps
// [B, K*2H] and alpha [B, K, T] are resized and overwritten. Bit-identical to the forward of
// encode_channels_fused in the same precision.
template <class T>
void encode_channels_inference(const ParameterStore<T>& store, const std::vector<Encoder>& encoders,
                               const std::vector<Tensor<T>>& channels, Tensor<T>& reps, Tensor<T>& alpha,
                               kernels::Precision precision = kernels::Precision::fp32) {
  const Index H = check_level_one(store, encoders, channel_shapes(channels), "encode_channels_inference");
  const kernels::Dims dims{channels[0].dim(0), channels[0].dim(1), static_cast<Index>(encoders.size()), H, precision};
  std::vector<const T*> x;
  for (const Tensor<T>& c : channels) x.push_back(c.data());
  if (reps.shape() != Shape{dims.B, dims.K * 2 * H}) reps = Tensor<T>(Shape{dims.B, dims.K * 2 * H});
  if (alpha.shape() != Shape{dims.B, dims.K, dims.nt}) alpha = Tensor<T>(Shape{dims.B, dims.K, dims.nt});
  kernels::forward_inference<T>(reps.data(), alpha.data(), x,
                                bind_encoder_params<const T*>(encoders, [&](Index pid) { return store.value(pid); }),
                                dims);
}

}  // namespace deepdiff
