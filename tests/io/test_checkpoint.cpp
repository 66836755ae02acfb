// Tests of include/deepdiff/io/checkpoint.hpp.
#include "io_fixtures.hpp"

// ---------------------------------------------------------------------------------------
// checkpoints

namespace {

// The metadata every checkpoint needs, and its bytes in the file (keys sorted).
std::map<std::string, std::string> required_meta() {
  return {{"variant", "raw_d"}, {"bins", "200"}, {"marks", "5"}, {"hidden1", "32"}, {"hidden2", "16"}};
}
const std::string kRequiredMetaText = "bins=200\nhidden1=32\nhidden2=16\nmarks=5\nvariant=raw_d\n";

std::string le64(std::uint64_t v) {
  std::string s;
  for (int k = 0; k < 8; ++k) s += static_cast<char>((v >> (8 * k)) & 0xFF);
  return s;
}

Checkpoint sample_checkpoint(std::uint32_t scalar_bytes) {
  deepdiff::Rng rng(7);
  Checkpoint ck;
  ck.scalar_bytes = scalar_bytes;
  ck.meta = {{"variant", "raw_d"}, {"bins", "200"}, {"marks", "5"}, {"hidden1", "32"}, {"hidden2", "16"},
             {"note", "a = b, with spaces"}};
  NamedArray w{"rnn_hms.0.rnn.weight_ih_l0", {128, 1}, {}};
  for (int i = 0; i < 128; ++i) {
    const double v = rng.uniform(-0.1, 0.1);
    w.values.push_back(scalar_bytes == 4 ? static_cast<double>(static_cast<float>(v)) : v);
  }
  // awkward values: signed zero, subnormals, extremes, infinities
  NamedArray odd{"odd", {2, 2, 2}, {-0.0, 1e-45, std::numeric_limits<float>::denorm_min(), -3.4028234663852886e38,
                                     std::numeric_limits<double>::infinity(), 0.1f, 1.0f / 3.0f, 12345.678f}};
  if (scalar_bytes == 8) {
    odd.values[1] = 4.9e-324;
    odd.values[5] = 0.1;
  } else {
    odd.values[1] = static_cast<double>(static_cast<float>(odd.values[1]));
  }
  ck.tensors = {w, odd, NamedArray{"scalar", {}, {42.0}}, NamedArray{"__adam.m", {0}, {}}};
  return ck;
}

// Rewrites the trailing checksum so that only the structural checks can object.
std::string with_checksum(std::string body) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : body) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  for (int k = 0; k < 8; ++k) body += static_cast<char>((h >> (8 * k)) & 0xFF);
  return body;
}

void put_u64_at(std::string& s, std::size_t pos, std::uint64_t v) {
  for (int k = 0; k < 8; ++k) s[pos + static_cast<std::size_t>(k)] = static_cast<char>((v >> (8 * k)) & 0xFF);
}

}  // namespace

TEST_CASE("checkpoint: float32 and float64 round trips are bit-exact", "[io][checkpoint]") {
  TempDir d("deepdiff_io");
  for (std::uint32_t sb : {4u, 8u}) {
    const Checkpoint ck = sample_checkpoint(sb);
    const std::string p = d.file("ck" + std::to_string(sb) + ".ddc");
    write_checkpoint(p, ck);
    const Checkpoint back = read_checkpoint(p);
    CHECK(back.scalar_bytes == sb);
    CHECK(back.meta == ck.meta);
    REQUIRE(back.tensors.size() == ck.tensors.size());
    for (std::size_t t = 0; t < ck.tensors.size(); ++t) {
      CHECK(back.tensors[t].name == ck.tensors[t].name);
      CHECK(back.tensors[t].shape == ck.tensors[t].shape);
      REQUIRE(back.tensors[t].values.size() == ck.tensors[t].values.size());
      for (std::size_t i = 0; i < ck.tensors[t].values.size(); ++i)
        CHECK(bits_of(back.tensors[t].values[i]) == bits_of(ck.tensors[t].values[i]));
    }
    REQUIRE(back.find("scalar") != nullptr);
    CHECK(back.find("scalar")->values == std::vector<double>{42.0});
    CHECK(back.find("nope") == nullptr);
  }
  // through Tensor<float>: float -> double -> file -> double -> float
  deepdiff::Rng rng(3);
  const Tensor<float> t = deepdiff_test::random_tensor<float>(rng, {3, 4, 5});
  Checkpoint ck;
  ck.meta = required_meta();
  ck.tensors.push_back(to_named_array("w", t));
  const std::string p = d.file("t.ddc");
  write_checkpoint(p, ck);
  const Tensor<float> u = to_tensor<float>(read_checkpoint(p).tensors.at(0));
  CHECK(u.shape() == t.shape());
  for (Index i = 0; i < t.size(); ++i) CHECK(bits_of(u.data()[i]) == bits_of(t.data()[i]));
}

TEST_CASE("checkpoint: the bytes follow docs/checkpoint-format.md", "[io][checkpoint]") {
  Checkpoint ck;
  ck.meta = required_meta();
  ck.meta["zz"] = "last";
  ck.meta["a"] = "1";
  ck.tensors.push_back(NamedArray{"x", {2}, {1.0, -2.0}});
  const std::string s = encode_checkpoint(ck);
  const std::string meta = "a=1\n" + kRequiredMetaText + "zz=last\n";  // sorted keys
  std::string expect("DDIFFCKP", 8);
  expect += std::string("\x01\x00\x00\x00", 4);  // version 1
  expect += std::string("\x04\x00\x00\x00", 4);  // float32
  expect += le64(meta.size());
  expect += meta;
  expect += std::string("\x01\x00\x00\x00\x00\x00\x00\x00", 8);
  expect += std::string("\x01\x00\x00\x00", 4) + "x";
  expect += std::string("\x01\x00\x00\x00", 4);
  expect += std::string("\x02\x00\x00\x00\x00\x00\x00\x00", 8);
  expect += std::string("\x00\x00\x80\x3f", 4);  // 1.0f little-endian
  expect += std::string("\x00\x00\x00\xc0", 4);  // -2.0f
  CHECK(s == with_checksum(expect));
  // FNV-1a 64 reference values: "" -> cbf29ce484222325, "a" -> af63dc4c8601ec8c
  CHECK(with_checksum("").substr(0) == std::string("\x25\x23\x22\x84\xe4\x9c\xf2\xcb", 8));
  CHECK(with_checksum("a").substr(1) == std::string("\x8c\xec\x01\x86\x4c\xdc\x63\xaf", 8));
}

TEST_CASE("checkpoint: every flipped byte and every truncation is rejected", "[io][checkpoint]") {
  const std::string good = encode_checkpoint(sample_checkpoint(4));
  REQUIRE_NOTHROW(decode_checkpoint(good));
  for (std::size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x10);
    INFO("flipped byte " << i);
    CHECK_THROWS_AS(decode_checkpoint(bad, "f.ddc"), CheckpointError);
  }
  for (std::size_t n = 0; n < good.size(); ++n) {
    INFO("truncated to " << n << " bytes");
    CHECK_THROWS_AS(decode_checkpoint(good.substr(0, n), "f.ddc"), CheckpointError);
  }
  // a flipped value byte is caught by the checksum, and says so
  std::string bad = good;
  const std::size_t value_at = good.find("weight_ih_l0") + 12 + 4 + 16 + 40;  // inside the values
  bad[value_at] ^= 1;
  CHECK(contains(error_of([&] { decode_checkpoint(bad, "f.ddc"); }), "f.ddc: checksum mismatch"));
  CHECK(contains(error_of([&] { decode_checkpoint(good.substr(0, good.size() - 30), "f.ddc"); }), "f.ddc: truncated"));
}

TEST_CASE("checkpoint: wrong magic, other version, trailing bytes, absurd sizes", "[io][checkpoint]") {
  const std::string good = encode_checkpoint(sample_checkpoint(8));
  const std::string body = good.substr(0, good.size() - 8);
  auto err = [](const std::string& bytes) { return error_of([&] { decode_checkpoint(bytes, "m.ddc"); }); };

  std::string magic = body;
  magic[0] = 'X';
  CHECK(contains(err(with_checksum(magic)), "m.ddc: not a deepdiff checkpoint"));
  CHECK(contains(err("PK\x03\x04 a zip file, not ours"), "not a deepdiff checkpoint"));

  std::string version = body;
  version[8] = 2;
  CHECK(contains(err(with_checksum(version)), "m.ddc: format version 2, this build reads version 1"));

  std::string scalar = body;
  scalar[12] = 2;
  CHECK(contains(err(with_checksum(scalar)), "scalar_bytes is 2"));

  // trailing bytes, with a checksum that covers them: only the structure check can object
  CHECK(contains(err(with_checksum(body + "junk")), "m.ddc: 4 trailing bytes"));
  CHECK(contains(err(good + "x"), "m.ddc:"));

  // a meta_len of 2^60: rejected before anything is allocated
  std::string meta = body;
  put_u64_at(meta, 16, 1ull << 60);
  CHECK(contains(err(with_checksum(meta)), "truncated: metadata needs 1152921504606846976 bytes"));

  // n_tensors of 2^60
  const std::size_t meta_len = kRequiredMetaText.size();
  Checkpoint empty;
  empty.meta = required_meta();
  std::string none = encode_checkpoint(empty);
  none.resize(none.size() - 8);
  put_u64_at(none, 24 + meta_len, 1ull << 60);
  CHECK(contains(err(with_checksum(none)), "tensors cannot fit"));

  // one dimension of 2^62 (values would be 2^65 bytes)
  Checkpoint one;
  one.meta = required_meta();
  one.tensors.push_back(NamedArray{"w", {3}, {1, 2, 3}});
  std::string dim = encode_checkpoint(one);
  dim.resize(dim.size() - 8);
  const std::size_t dim_at = 8 + 4 + 4 + 8 + meta_len + 8 + 4 + 1 + 4;
  put_u64_at(dim, dim_at, 1ull << 62);
  CHECK(contains(err(with_checksum(dim)), "dimension 4611686018427387904 does not fit"));
  // two dims whose product overflows 64 bits
  Checkpoint two;
  two.meta = required_meta();
  two.tensors.push_back(NamedArray{"w", {1, 1}, {1}});
  std::string prod = encode_checkpoint(two);
  prod.resize(prod.size() - 8);
  put_u64_at(prod, dim_at, 1ull << 33);
  put_u64_at(prod, dim_at + 8, 1ull << 33);
  CHECK_THROWS_AS(decode_checkpoint(with_checksum(prod)), CheckpointError);

  std::string rank = encode_checkpoint(one);
  rank.resize(rank.size() - 8);
  rank[dim_at - 4] = 5;
  CHECK(contains(err(with_checksum(rank)), "rank 5"));

  std::string no_newline = encode_checkpoint(empty);
  no_newline.resize(no_newline.size() - 8);
  no_newline[24 + meta_len - 1] = ';';  // metadata without its final newline
  CHECK(contains(err(with_checksum(no_newline)), "metadata does not end with a newline"));

  // metadata out of order, duplicated, or lacking a required key (checksums valid)
  auto with_meta = [&](const std::string& text) {
    return with_checksum(body.substr(0, 16) + le64(text.size()) + text + le64(0));
  };
  CHECK_NOTHROW(decode_checkpoint(with_meta(kRequiredMetaText)));
  CHECK(contains(err(with_meta("variant=raw_d\n" + kRequiredMetaText.substr(0, kRequiredMetaText.size() - 14))),
                 "metadata keys are not sorted ('bins' after 'variant')"));
  CHECK(contains(err(with_meta("bins=1\n" + kRequiredMetaText)), "'bins' appears twice"));
  CHECK(contains(err(with_meta("bins=200\nmarks=5\nvariant=raw_d\n")), "lacks the required key(s) hidden1, hidden2"));
  CHECK(contains(err(with_meta("a\n" + kRequiredMetaText)), "is not key=value"));
  CHECK(contains(err(with_meta("a=\xff\n" + kRequiredMetaText)), "not valid UTF-8"));

  TempDir d("deepdiff_io");
  const std::string missing = d.file("missing.ddc");
  CHECK_THROWS_AS(read_checkpoint(missing), CheckpointError);
  CHECK(contains(error_of([&] { read_checkpoint(missing); }), missing));
}

TEST_CASE("checkpoint: the writer refuses what it could not read back", "[io][checkpoint]") {
  Checkpoint ck;
  ck.meta = required_meta();
  ck.tensors.push_back(NamedArray{"w", {2, 2}, {1, 2, 3}});
  CHECK_THROWS_AS(encode_checkpoint(ck), CheckpointError);
  ck.tensors = {NamedArray{"w", {1}, {1}}, NamedArray{"w", {1}, {2}}};
  CHECK_THROWS_AS(encode_checkpoint(ck), CheckpointError);
  ck.tensors = {NamedArray{"w", {1, 1, 1, 1, 1}, {1}}};
  CHECK_THROWS_AS(encode_checkpoint(ck), CheckpointError);
  ck.tensors = {NamedArray{"\xc3(", {1}, {1}}};  // not UTF-8
  CHECK_THROWS_AS(encode_checkpoint(ck), CheckpointError);
  ck.tensors = {NamedArray{"w", {-1}, {}}};
  CHECK_THROWS_AS(encode_checkpoint(ck), std::exception);
  ck.tensors.clear();
  CHECK_NOTHROW(encode_checkpoint(ck));
  ck.meta["a=b"] = "1";
  CHECK_THROWS_AS(encode_checkpoint(ck), CheckpointError);
  ck.meta = required_meta();
  ck.meta["a"] = "1\n2";
  CHECK_THROWS_AS(encode_checkpoint(ck), CheckpointError);
  ck.meta["a"] = "1\r";
  CHECK_THROWS_AS(encode_checkpoint(ck), CheckpointError);
  ck.meta = required_meta();
  ck.meta.erase("hidden2");
  CHECK(contains(error_of([&] { encode_checkpoint(ck, "w.ddc"); }), "w.ddc: metadata lacks the required key(s) hidden2"));
  ck.meta = required_meta();
  ck.scalar_bytes = 2;
  CHECK_THROWS_AS(encode_checkpoint(ck), CheckpointError);
}

TEST_CASE("checkpoint: tools/checkpoint.py reads ours and we read its files", "[io][checkpoint]") {
  const std::string tool = deepdiff_test::source_dir() + "/tools/checkpoint.py";
  if (!deepdiff_test::path_exists(tool) || std::system("python3 -c 'import sys' > /dev/null 2>&1") != 0) {
    WARN("skipped: needs python3 and " << tool);
    return;
  }
  TempDir d("deepdiff_io");
  for (std::uint32_t sb : {4u, 8u}) {
    const Checkpoint ck = sample_checkpoint(sb);
    const std::string ours = d.file("ours" + std::to_string(sb) + ".ddc");
    write_checkpoint(ours, ck);
    // Python re-encodes what it read; the bytes must come back identical.
    const std::string theirs = d.file("theirs" + std::to_string(sb) + ".ddc");
    const std::string cmd = "python3 -c \"import sys; sys.path.insert(0, sys.argv[1]); import checkpoint as c; "
                            "k = c.read_checkpoint(sys.argv[2]); "
                            "c.write_checkpoint(sys.argv[3], k.meta, [(n, t.shape, t.values) for n, t in k.tensors.items()], k.scalar_bytes)\" '" +
                            deepdiff_test::source_dir() + "/tools' '" + ours + "' '" + theirs + "'";
    REQUIRE(std::system(cmd.c_str()) == 0);
    CHECK(read_file(theirs) == read_file(ours));
    const Checkpoint back = read_checkpoint(theirs);
    CHECK(back.meta == ck.meta);
    REQUIRE(back.tensors.size() == ck.tensors.size());
    for (std::size_t t = 0; t < ck.tensors.size(); ++t)
      for (std::size_t i = 0; i < ck.tensors[t].values.size(); ++i)
        CHECK(bits_of(back.tensors[t].values[i]) == bits_of(ck.tensors[t].values[i]));
  }
  // and its verdict on a corrupted file of ours agrees with ours
  const std::string ours = d.file("ours4.ddc");
  std::string bytes = read_file(ours);
  bytes[bytes.size() / 2] ^= 4;
  write_file_atomic(d.file("bad.ddc"), bytes);
  CHECK(std::system(("python3 '" + tool + "' info '" + d.file("bad.ddc") + "' > /dev/null 2>&1").c_str()) != 0);
  CHECK_THROWS_AS(read_checkpoint(d.file("bad.ddc")), CheckpointError);
}

// ---------------------------------------------------------------------------------------
// SVG
