// A downstream user: one Linear layer, one backward pass, one Adam step.
#include <deepdiff/deepdiff.hpp>

#include <cstdio>

int main() {
  deepdiff::ParameterStore<float> store;
  deepdiff::Linear lin = deepdiff::make_linear(store, "fc", 3, 1);
  deepdiff::Rng rng(7);
  store.init_uniform(rng, -0.1, 0.1);
  deepdiff::Tape<float> tape;
  deepdiff::Var<float> x = tape.constant(deepdiff::Tensor<float>::from({2, 3}, {1, 2, 3, 4, 5, 6}));
  deepdiff::Var<float> y = tape.constant(deepdiff::Tensor<float>::from({2, 1}, {1, -1}));
  deepdiff::Var<float> loss = deepdiff::mse_loss(deepdiff::linear_forward(tape, store, lin, x), y);
  tape.backward(loss);
  deepdiff::AdamState<float> adam;
  deepdiff::adam_step(store, adam, deepdiff::AdamOptions{});
  std::printf("consumer: loss %.6f, %lld parameters\n", static_cast<double>(loss.value()[0]),
              static_cast<long long>(store.numel()));
  return store.grads()[0] != 0.0f ? 0 : 1;
}
