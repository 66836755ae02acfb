// model/baseline_io.hpp: the neural baselines' checkpoints (docs/checkpoint-format.md): what
// a file records (meta "model"), a round trip of every value, and the files refused with what
// is wrong: another kind, sizes that do not match the tensors, a stray tensor.
#include <catch2/catch.hpp>

#include <deepdiff/model/baseline_io.hpp>
#include <deepdiff/model/model_io.hpp>

#include "test_helpers.hpp"

using namespace deepdiff;
using deepdiff_test::TempDir;

namespace {

DeepChromeConfig small_deepchrome() {
  DeepChromeConfig c;
  c.bins = 20;
  c.channels = 3;
  c.kernel = 4;
  c.pool = 3;
  c.hidden1 = 6;
  c.hidden2 = 4;
  return c;
}

template <class Store>
void randomize(Store& s, std::uint64_t seed) {
  Rng rng(seed);
  s.init_uniform(rng, -1, 1);
}

}  // namespace

TEST_CASE("baseline_io: a deepchrome checkpoint records its kind and sizes, every value comes back", "[model][baselines]") {
  DeepChrome<float> m(small_deepchrome());
  randomize(m.params(), 3);
  const Checkpoint ck = model_checkpoint(m);
  CHECK(ck.meta.at("model") == "deepchrome");
  CHECK(checkpoint_model_name(ck, "f") == "deepchrome");
  CHECK(ck.meta.at("bins") == "20");
  const DeepChrome<float> back = load_deepchrome<float>(ck, "f");
  CHECK(back.config().channels == 3);
  CHECK(back.config().kernel == 4);
  CHECK(back.config().hidden2 == 4);
  CHECK(back.config().dropout == 0.5);
  CHECK(ck.meta.at("fc1") == "6");
  REQUIRE(back.params().numel() == m.params().numel());
  CHECK(std::equal(m.params().values().begin(), m.params().values().end(), back.params().values().begin()));

  Checkpoint wrong = ck;
  wrong.meta["fc1"] = "7";  // sizes that do not match the tensors
  CHECK_THROWS_WITH(load_deepchrome<float>(wrong, "f"), Catch::Contains("parameters, but the file holds"));
  wrong = ck;
  wrong.meta["dropout"] = "1";
  CHECK_THROWS_WITH(load_deepchrome<float>(wrong, "f"), Catch::Contains("dropout='1' is not a number in [0, 1)"));
  wrong = ck;
  wrong.meta.erase("kernel");
  CHECK_THROWS_WITH(load_deepchrome<float>(wrong, "f"), Catch::Contains("kernel"));
  wrong = ck;
  wrong.tensors.pop_back();
  CHECK_THROWS_AS(load_deepchrome<float>(wrong, "f"), CheckpointError);

  // A DeepDiff loader given this file names what it holds.
  TempDir d;
  write_checkpoint(d.file("dc.bin"), ck);
  CHECK_THROWS_WITH(load_model<float>(d.file("dc.bin")), Catch::Contains("deepchrome"));
}

TEST_CASE("baseline_io: attentivechrome_diff holds both cells under cell_a. and cell_b.", "[model][baselines]") {
  AttentiveChromeConfig c;
  c.bins = 6;
  c.hidden1 = 4;
  AttentiveChromeConfig cb = c;
  cb.cell = AttentiveChromeCell::b;
  AttentiveChrome<float> a(c), b(cb);
  randomize(a.params(), 4);
  randomize(b.params(), 5);
  const Checkpoint ck = attentivechrome_diff_checkpoint(a, b);
  CHECK(ck.meta.at("model") == "attentivechrome_diff");
  CHECK(ck.find("cell_a.f1_1.weight"));
  CHECK(ck.find("cell_b.rnn_hms.4.rnn.bias_hh_l0_reverse"));
  auto back = load_attentivechrome_diff<float>(ck, "f");
  CHECK_FALSE(back.first.cell_b());
  CHECK(back.second.cell_b());
  CHECK(std::equal(a.params().values().begin(), a.params().values().end(), back.first.params().values().begin()));
  CHECK(std::equal(b.params().values().begin(), b.params().values().end(), back.second.params().values().begin()));

  Checkpoint stray = ck;
  stray.tensors.push_back(stray.tensors.front());
  stray.tensors.back().name = "other.weight";
  CHECK_THROWS_WITH(load_attentivechrome_diff<float>(stray, "f"), Catch::Contains("tensors other than cell_a.* and cell_b.*"));
  Checkpoint odd = ck;
  odd.meta["hidden2"] = "3";
  CHECK_THROWS_WITH(load_attentivechrome_diff<float>(odd, "f"), Catch::Contains("hidden2 = hidden1 / 2"));
  DeepChrome<float> dc(small_deepchrome());
  CHECK_THROWS_WITH(load_attentivechrome_diff<float>(model_checkpoint(dc), "f"), Catch::Contains("deepchrome"));
  CHECK_THROWS_WITH(load_deepchrome<float>(ck, "f"), Catch::Contains("attentivechrome_diff"));
}
