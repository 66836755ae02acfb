// Tests of include/deepdiff/model/model_io.hpp.
#include "../training_fixtures.hpp"

TEST_CASE("checkpoint: round trip gives bit-identical predictions", "[train][checkpoint]") {
  Rng rng(41);
  const deepdiff_test::TempDir tmp("deepdiff_train");
  const std::string dir = tmp.path;
  for (Variant v : {Variant::raw_d, Variant::raw_aux_siamese}) {
    DeepDiff<float> m(small_config(v, 9));
    m.params().init_uniform(rng, -0.3, 0.3);
    const std::string path = dir + "/" + variant_name(v) + ".bin";
    write_checkpoint(path, model_checkpoint(m));
    DeepDiff<float> back = load_model<float>(path);
    CHECK(back.variant() == v);
    CHECK(back.params().values() == m.params().values());
    Tensor<float> xa = random_tensor<float>(rng, {3, 9, 5}, 0, 4), xb = random_tensor<float>(rng, {3, 9, 5}, 0, 4);
    Tape<float> t1, t2;
    ModelOutput<float> o1 = m.forward(t1, xa, xb, EncoderPath::inference);
    ModelOutput<float> o2 = back.forward(t2, xa, xb, EncoderPath::inference);
    CHECK(o1.pred.value().storage() == o2.pred.value().storage());
    CHECK(o1.alpha.storage() == o2.alpha.storage());
    CHECK(o1.beta.storage() == o2.beta.storage());
  }
}

TEST_CASE("checkpoint: corruption, other variants and shapes are clear errors", "[train][checkpoint]") {
  Rng rng(42);
  const deepdiff_test::TempDir tmp("deepdiff_train");
  const std::string dir = tmp.path;
  DeepDiff<float> m(small_config(Variant::raw_d, 9));
  m.params().init_uniform(rng, -0.3, 0.3);
  const std::string path = dir + "/m.bin";
  write_checkpoint(path, model_checkpoint(m));

  // one flipped byte in a parameter value (a mantissa byte of the last parameter, just before
  // the checksum: the file still parses, only the checksum can tell)
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::string bad = bytes;
  bad[bad.size() - 10] = static_cast<char>(bad[bad.size() - 10] ^ 0x10);
  {
    std::ofstream out(dir + "/flipped.bin", std::ios::binary);
    out << bad;
  }
  CHECK_THROWS_WITH(load_model<float>(dir + "/flipped.bin"),
                    Catch::Contains("flipped.bin") && (Catch::Contains("checksum") || Catch::Contains("corrupt")));
  {
    std::ofstream out(dir + "/short.bin", std::ios::binary);
    out << bytes.substr(0, bytes.size() - 100);
  }
  CHECK_THROWS_AS(load_model<float>(dir + "/short.bin"), CheckpointError);

  // another variant
  DeepDiff<float> other(small_config(Variant::raw_c, 9));
  CHECK_THROWS_WITH(load_parameters(other, read_checkpoint(path), path), Catch::Contains("variant raw_d"));
  // other sizes
  DeepDiff<float> longer(small_config(Variant::raw_d, 10));
  CHECK_THROWS_WITH(load_parameters(longer, read_checkpoint(path), path), Catch::Contains("bins 9"));
  // a parameter with the wrong shape is named
  Checkpoint ck = read_checkpoint(path);
  ck.tensors[1].shape = Shape{ck.tensors[1].shape[1], ck.tensors[1].shape[0]};
  CHECK_THROWS_WITH(load_parameters(m, ck, "edited"), Catch::Contains(ck.tensors[1].name));
  // a missing parameter is named
  Checkpoint missing = read_checkpoint(path);
  const std::string gone = missing.tensors.back().name;
  missing.tensors.pop_back();
  CHECK_THROWS_WITH(load_parameters(m, missing, "edited"), Catch::Contains(gone));
}
