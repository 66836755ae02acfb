// File output: atomic writes, CSV, JSON (writer and reader), checkpoints (bit-exact round
// trips, every corruption rejected), SVG plots (well-formed, escaped, no NaN text).
#include <catch2/catch.hpp>

#include <deepdiff/io/atomic_file.hpp>
#include <deepdiff/io/checkpoint.hpp>
#include <deepdiff/io/csv.hpp>
#include <deepdiff/io/json.hpp>
#include <deepdiff/io/read_file.hpp>
#include <deepdiff/io/svg.hpp>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "test_helpers.hpp"

using namespace deepdiff;
using deepdiff_test::TempDir;

namespace {


template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::uint64_t bits_of(double v) {
  std::uint64_t b;
  std::memcpy(&b, &v, 8);
  return b;
}
std::uint32_t bits_of(float v) {
  std::uint32_t b;
  std::memcpy(&b, &v, 4);
  return b;
}

// A tiny XML checker: tags balance, attribute quotes close, no stray '<' or '&' in text.
bool well_formed_xml(const std::string& s, std::string& why) {
  std::vector<std::string> stack;
  std::size_t i = 0;
  while (i < s.size()) {
    if (s[i] == '&') {
      const std::size_t semi = s.find(';', i);
      const std::string ent = semi == std::string::npos ? "" : s.substr(i, semi - i + 1);
      if (ent != "&amp;" && ent != "&lt;" && ent != "&gt;" && ent != "&quot;" && ent != "&apos;") {
        why = "bad entity at " + std::to_string(i);
        return false;
      }
      i = semi + 1;
      continue;
    }
    if (s[i] != '<') {
      ++i;
      continue;
    }
    std::size_t j = i + 1;
    bool in_quote = false;
    while (j < s.size() && (in_quote || s[j] != '>')) {
      if (s[j] == '"') in_quote = !in_quote;
      if (!in_quote && s[j] == '<') {
        why = "'<' inside a tag at " + std::to_string(j);
        return false;
      }
      ++j;
    }
    if (j >= s.size()) {
      why = "unterminated tag at " + std::to_string(i);
      return false;
    }
    const std::string tag = s.substr(i + 1, j - i - 1);
    if (tag.empty()) {
      why = "empty tag";
      return false;
    }
    if (tag[0] == '/') {
      const std::string name = tag.substr(1);
      if (stack.empty() || stack.back() != name) {
        why = "closing </" + name + "> does not match <" + (stack.empty() ? "" : stack.back()) + ">";
        return false;
      }
      stack.pop_back();
    } else if (tag.back() != '/') {
      stack.push_back(tag.substr(0, tag.find_first_of(" \n\t")));
    }
    i = j + 1;
  }
  if (!stack.empty()) {
    why = "unclosed <" + stack.back() + ">";
    return false;
  }
  return true;
}

std::size_t count_of(const std::string& s, const std::string& part) {
  std::size_t n = 0;
  for (std::size_t p = s.find(part); p != std::string::npos; p = s.find(part, p + 1)) ++n;
  return n;
}

void check_svg(const std::string& svg) {
  INFO(svg.substr(0, 400));
  CHECK(svg.rfind("<svg", 0) == 0);
  CHECK(svg.size() > 200);
  CHECK(svg.substr(svg.size() - 7) == "</svg>\n");
  std::string why;
  CHECK(well_formed_xml(svg, why));
  INFO(why);
  std::string lower = svg;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  CHECK_FALSE(contains(lower, "nan"));
  CHECK_FALSE(contains(lower, "inf\""));
  CHECK(contains(svg, "font-family=\"sans-serif\""));
}

}  // namespace

// ---------------------------------------------------------------------------------------
// atomic files

TEST_CASE("write_file_atomic: writes, replaces, leaves no temporary file", "[io]") {
  TempDir d("deepdiff_io");
  const std::string p = d.file("out.txt");
  write_file_atomic(p, "first");
  CHECK(read_file(p) == "first");
  std::string big(1 << 20, 'x');
  big[12345] = '\0';  // binary-safe
  write_file_atomic(p, big);
  CHECK(read_file(p) == big);
  write_file_atomic(p, "");
  CHECK(read_file(p).empty());
  CHECK(d.listing() == std::vector<std::string>{"out.txt"});
}

TEST_CASE("write_file_atomic and make_directories: errors name the path", "[io]") {
  TempDir d("deepdiff_io");
  const std::string missing = d.file("no/such/dir/f.txt");
  const std::string e = error_of([&] { write_file_atomic(missing, "x"); });
  CHECK(contains(e, missing));
  CHECK(contains(e, "No such file or directory"));
  // a directory in the way of the final rename
  make_directories(d.file("adir"));
  const std::string e2 = error_of([&] { write_file_atomic(d.file("adir"), "x"); });
  CHECK(contains(e2, d.file("adir")));
  CHECK(d.listing() == std::vector<std::string>{"adir"});  // the temporary file is gone

  make_directories(d.file("a/b/c"));
  CHECK(std::filesystem::is_directory(d.file("a/b/c")));
  make_directories(d.file("a/b/c"));  // existing: fine
  make_directories(d.file("a/b/c/"));
  write_file_atomic(d.file("a/b/file"), "x");
  const std::string e3 = error_of([&] { make_directories(d.file("a/b/file/sub")); });
  CHECK(contains(e3, d.file("a/b/file")));
  CHECK(contains(e3, "not a directory"));
  CHECK_THROWS(make_directories(""));
  CHECK(contains(error_of([&] { read_file(d.file("nothing")); }), d.file("nothing")));
}

// ---------------------------------------------------------------------------------------
// CSV

TEST_CASE("CsvWriter: quoting, numbers that read back exactly, ragged rows rejected", "[io]") {
  CsvWriter csv;
  csv.header({"name", "value, with comma", "n"});
  csv.row("plain", 0.1, 3);
  csv.row("say \"hi\"", 2.5f, -7L);
  csv.row("two\nlines", std::numeric_limits<double>::quiet_NaN(), std::size_t{42});
  csv.row(std::vector<std::string>{"a,b", "1", "x"});
  CHECK(csv.str() ==
        "name,\"value, with comma\",n\n"
        "plain,0.1,3\n"
        "\"say \"\"hi\"\"\",2.5,-7\n"
        "\"two\nlines\",NaN,42\n"
        "\"a,b\",1,x\n");
  CHECK(csv.rows() == 4);
  CHECK(csv.columns() == 3);
  CHECK_THROWS_AS(csv.row("only", 1), std::invalid_argument);
  CHECK_THROWS_AS(csv.header({"late"}), std::logic_error);

  deepdiff::Rng rng(5);
  for (int i = 0; i < 1000; ++i) {
    const double v = rng.normal() * std::pow(10.0, rng.uniform(-30, 30));
    CHECK(std::strtod(CsvWriter::cell(v).c_str(), nullptr) == v);
    const float f = static_cast<float>(v);
    CHECK(std::strtof(CsvWriter::cell(f).c_str(), nullptr) == f);
  }
  CHECK(CsvWriter::cell(0.1f) == "0.1");
  CHECK(CsvWriter::cell(true) == "1");
  CHECK(CsvWriter::cell(-std::numeric_limits<double>::infinity()) == "-inf");
}

// ---------------------------------------------------------------------------------------
// JSON

TEST_CASE("JsonWriter: pretty output, escapes, null for non-finite numbers", "[io]") {
  JsonWriter w;
  w.begin_object();
  w.field("name", "raw \"aux\"\n\t\\ \x01");
  w.field("epochs", 120);
  w.field("pcc", 0.25);
  w.field("nan", std::numeric_limits<double>::quiet_NaN());
  w.field("ok", true);
  w.field("curve", std::vector<double>{1, 0.5, -std::numeric_limits<double>::infinity()});
  w.key("empty").begin_array().end_array();
  w.key("nested").begin_array();
  w.begin_object().field("a", 1).end_object();
  w.null();
  w.end_array();
  w.end_object();
  CHECK(w.str() ==
        "{\n"
        "  \"name\": \"raw \\\"aux\\\"\\n\\t\\\\ \\u0001\",\n"
        "  \"epochs\": 120,\n"
        "  \"pcc\": 0.25,\n"
        "  \"nan\": null,\n"
        "  \"ok\": true,\n"
        "  \"curve\": [1, 0.5, null],\n"
        "  \"empty\": [],\n"
        "  \"nested\": [\n"
        "    {\n"
        "      \"a\": 1\n"
        "    },\n"
        "    null\n"
        "  ]\n"
        "}\n");
}

TEST_CASE("JsonWriter: misuse throws instead of writing broken JSON", "[io]") {
  JsonWriter a;
  a.begin_object();
  CHECK_THROWS_AS(a.value(1), std::logic_error);  // no key
  CHECK_THROWS_AS(a.end_array(), std::logic_error);
  CHECK_THROWS_AS(a.str(), std::logic_error);  // still open
  JsonWriter b;
  b.begin_array();
  CHECK_THROWS_AS(b.key("k"), std::logic_error);
  b.end_array();
  CHECK_THROWS_AS(b.value(2), std::logic_error);  // a second top-level value
  JsonWriter c;
  CHECK_THROWS_AS(c.str(), std::logic_error);  // nothing written
}

TEST_CASE("parse_json reads back what JsonWriter writes, numbers bit for bit", "[io]") {
  deepdiff::Rng rng(11);
  std::vector<double> values;
  for (int i = 0; i < 500; ++i) values.push_back(rng.normal() * std::pow(10.0, rng.uniform(-300, 300)));
  values.push_back(5e-324);
  values.push_back(-0.0);
  values.push_back(std::numeric_limits<double>::max());
  JsonWriter w;
  w.begin_object();
  w.field("values", values);
  w.field("text", "\xC3\xA9t\xC3\xA9 \"q\" \\ / \x1f");
  w.field("count", std::int64_t{-9007199254740991});
  w.field("flag", false);
  w.field("inf", std::numeric_limits<float>::infinity());
  w.key("rows").begin_array();
  for (int i = 0; i < 3; ++i) w.begin_object().field("epoch", i + 1).field("loss", 1.0 / (i + 1)).end_object();
  w.end_array();
  w.end_object();
  const JsonValue v = parse_json(w.str());
  REQUIRE(v.is_object());
  const std::vector<double> back = v["values"].as_numbers();
  REQUIRE(back.size() == values.size());
  for (std::size_t i = 0; i < values.size(); ++i) CHECK(bits_of(back[i]) == bits_of(values[i]));
  CHECK(v["text"].as_string() == "\xC3\xA9t\xC3\xA9 \"q\" \\ / \x1f");
  CHECK(v["count"].as_number() == -9007199254740991.0);
  CHECK(v["flag"].is_bool());
  CHECK_FALSE(v["flag"].as_bool());
  CHECK(v["inf"].is_null());
  CHECK(std::isnan(v["inf"].as_number()));
  CHECK(v["rows"].size() == 3);
  CHECK(v["rows"][2]["loss"].as_number() == 1.0 / 3);
  CHECK(v.keys == std::vector<std::string>{"values", "text", "count", "flag", "inf", "rows"});
  CHECK(v.find("missing") == nullptr);
  CHECK_THROWS_AS(v["missing"], JsonError);
  CHECK_THROWS_AS(v["text"].as_number(), JsonError);
  CHECK_THROWS_AS(v["rows"][3], JsonError);
}

TEST_CASE("parse_json: standard escapes and clear errors", "[io]") {
  const JsonValue u = parse_json(" [\"\\u00e9\\ud83d\\ude00\\n\", 1e2, -0.5, true, null, {}] ");
  CHECK(u[0].as_string() == "\xC3\xA9\xF0\x9F\x98\x80\n");
  CHECK(u[1].as_number() == 100.0);
  CHECK(u[2].as_number() == -0.5);
  CHECK(u[3].as_bool());
  CHECK(u[4].is_null());
  CHECK(u[5].is_object());
  CHECK(u[5].size() == 0);

  auto err = [](const std::string& text) { return error_of([&] { parse_json(text); }); };
  CHECK(contains(err("{\"a\": 1,}"), "expected a string key"));
  CHECK(contains(err("[1, 2"), "expected ']'"));
  CHECK(contains(err("{\"a\": 1}\n x"), "JSON 2:2: unexpected text after the value"));
  CHECK(contains(err("\"abc"), "unterminated string"));
  CHECK(contains(err("01"), "unexpected text"));
  CHECK(contains(err("1."), "digits must follow '.'"));
  CHECK(contains(err("-"), "malformed number"));
  CHECK(contains(err("1e999"), "out of range"));
  CHECK(contains(err("NaN"), "unexpected character 'N'"));
  CHECK(contains(err("\"\\x\""), "unknown escape"));
  CHECK(contains(err("\"\\ud800\""), "lone high surrogate"));
  CHECK(contains(err("{\"a\": 1, \"a\": 2}"), "duplicate key 'a'"));
  CHECK(contains(err("\"a\tb\""), "control character"));
  CHECK(contains(err(""), "unexpected end of input"));
  CHECK(contains(err(std::string(100000, '[')), "nesting deeper than"));
}

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

TEST_CASE("svg: nice tick values", "[io][svg]") {
  const svg_detail::Axis a = svg_detail::nice_axis(0.31, 0.83, 6);
  CHECK(a.step == Approx(0.1));
  CHECK(a.lo == Approx(0.3));
  CHECK(a.hi == Approx(0.9));
  CHECK(a.ticks.size() == 7);
  const svg_detail::Axis e = svg_detail::nice_axis(1, 120, 7);
  CHECK(e.step == Approx(20));
  CHECK(e.lo == 0);
  CHECK(e.hi == Approx(120));
  CHECK(svg_detail::tick_label(0.30000000000000004, 0.1) == "0.3");
  CHECK(svg_detail::tick_label(-1e-17, 0.1) == "0.0");
  CHECK(svg_detail::tick_label(2.5, 2.5) == "2.5");
  const svg_detail::Axis flat = svg_detail::nice_axis(3, 3);
  CHECK(flat.lo < 3);
  CHECK(flat.hi > 3);
}

TEST_CASE("svg_line_plot: training curves, NaN points skipped", "[io][svg]") {
  LinePlot p;
  p.title = "Training <raw_d> & friends";
  p.x_label = "epoch";
  p.y_label = "PCC";
  LineSeries train{"train PCC", {}, {}, "", false, false};
  LineSeries valid{"valid PCC", {}, {}, "", true, true};
  for (int e = 1; e <= 120; ++e) {
    train.x.push_back(e);
    train.y.push_back(1.0 - 1.0 / e);
    valid.x.push_back(e);
    valid.y.push_back(e == 50 ? std::numeric_limits<double>::quiet_NaN() : 0.8 - 0.5 / e);
  }
  p.series = {train, valid, LineSeries{"single", {3}, {0.5}, "#000000", false, false}};
  const std::string svg = svg_line_plot(p);
  check_svg(svg);
  CHECK(contains(svg, "Training &lt;raw_d&gt; &amp; friends"));
  CHECK(contains(svg, "valid PCC"));
  CHECK(contains(svg, "stroke-dasharray"));
  CHECK(count_of(svg, "<path") == 2);
  CHECK(count_of(svg, "<circle") == 119 + 1);  // valid markers (120 less the NaN) and the lone point
  CHECK(count_of(svg.substr(svg.find("<path")), " M") >= 1);  // the NaN breaks the valid line
  CHECK(contains(svg, ">0.6<"));                                // a y tick

  LinePlot empty;
  empty.title = "nothing";
  empty.series = {LineSeries{"all missing", {1, 2}, {std::nan(""), std::nan("")}, "", false, false}};
  const std::string e = svg_line_plot(empty);
  check_svg(e);
  CHECK(contains(e, "no data"));
}

TEST_CASE("svg_scatter: thousands of points, the y = x line, the annotation", "[io][svg]") {
  deepdiff::Rng rng(2);
  ScatterPlot p;
  p.title = "raw_d: predicted vs observed";
  p.x_label = "observed y";
  p.y_label = "predicted y";
  p.annotation = "PCC = 0.83, n = 6100";
  ScatterSeries s;
  for (int i = 0; i < 6100; ++i) {
    const double y = rng.normal() * 3;
    s.x.push_back(y);
    s.y.push_back(0.8 * y + rng.normal());
  }
  s.x[10] = std::numeric_limits<double>::quiet_NaN();
  s.y[20] = std::numeric_limits<double>::infinity();
  p.series = {s};
  const std::string svg = svg_scatter(p);
  check_svg(svg);
  CHECK(count_of(svg, "<circle") == 6098);
  CHECK(contains(svg, "PCC = 0.83, n = 6100"));
  CHECK(contains(svg, "stroke-dasharray=\"5 4\""));  // the identity line
  CHECK(contains(svg, "fill-opacity=\"0.35\""));

  ScatterPlot two;
  two.series = {ScatterSeries{"up", {1, 2}, {1, 2}, ""}, ScatterSeries{"down", {-1}, {-2}, "#123456"}};
  const std::string t = svg_scatter(two);
  check_svg(t);
  CHECK(contains(t, ">down<"));
  CHECK(contains(t, "#123456"));
  check_svg(svg_scatter(ScatterPlot{}));
}

TEST_CASE("svg_heatmap: marks x bins with a colour scale", "[io][svg]") {
  Heatmap h;
  h.title = "alpha, H3K4me3 near the TSS";
  h.rows = 5;
  h.cols = 200;
  h.row_labels = {"H3K4me1", "H3K4me3", "H3K9me3", "H3K27me3", "H3K36me3"};
  for (Index c = 0; c < 200; ++c) h.col_labels.push_back(std::to_string((c - 100) * 100));
  for (Index r = 0; r < 5; ++r)
    for (Index c = 0; c < 200; ++c) h.values.push_back(std::exp(-0.01 * static_cast<double>((c - 100) * (c - 100))) * (r + 1));
  h.values[7] = std::numeric_limits<double>::quiet_NaN();
  h.x_label = "position relative to the TSS (bp)";
  h.colorbar_label = "attention";
  const std::string svg = svg_heatmap(h);
  check_svg(svg);
  CHECK(count_of(svg, "<rect") >= 999);  // 1000 cells less the NaN, plus frame rects
  CHECK(contains(svg, ">H3K27me3<"));
  CHECK(contains(svg, ">-10000<"));  // column 0's label is shown
  CHECK(contains(svg, "linearGradient"));
  CHECK(contains(svg, ">attention<"));

  Heatmap d;
  d.rows = 2;
  d.cols = 3;
  d.values = {-1, 0, 1, 2, -2, 0.5};
  d.diverging = true;
  const std::string ds = svg_heatmap(d);
  check_svg(ds);
  CHECK(contains(ds, ">-2<"));  // the symmetric scale reaches -2
  Heatmap bad;
  bad.rows = 2;
  bad.cols = 2;
  bad.values = {1};
  const std::string bs = svg_heatmap(bad);
  check_svg(bs);
  CHECK(contains(bs, "no data"));
}

TEST_CASE("svg_bar_chart: grouped bars with error bars and negative values", "[io][svg]") {
  BarChart b;
  b.title = "mean beta per mark";
  b.y_label = "beta";
  b.categories = {"H3K4me1", "H3K4me3", "H3K9me3", "H3K27me3", "H3K36me3"};
  b.series = {BarSeries{"up-regulated", {0.1, 0.4, 0.05, 0.2, 0.25}, {0.01, 0.02, 0.01, 0.03, 0.02}, ""},
              BarSeries{"down-regulated", {0.15, std::nan(""), 0.1, -0.3, 0.2}, {}, ""}};
  b.show_values = true;
  const std::string svg = svg_bar_chart(b);
  check_svg(svg);
  CHECK(contains(svg, ">up-regulated<"));
  CHECK(contains(svg, ">H3K36me3<"));
  CHECK(contains(svg, ">-0.3<"));  // a value label of the negative bar
  // 9 bars + 2 legend boxes + the background
  CHECK(count_of(svg, "<rect") == 9 + 2 + 1);

  BarChart many;
  many.series.resize(1);
  for (int i = 1; i <= 10; ++i) {
    many.categories.push_back("pair " + std::to_string(i) + " (E123 vs E003)");
    many.series[0].values.push_back(0.5 + 0.03 * i);
  }
  many.x_label = "pair";
  const std::string m = svg_bar_chart(many);
  check_svg(m);
  CHECK(contains(m, "rotate(-35"));  // long names are slanted
  check_svg(svg_bar_chart(BarChart{}));
}

// Issue 14, item 5: what is at a path is named, and never opened when it is not a file.
TEST_CASE("file_problem and read_file: FIFOs, devices, symlink loops and folders are named", "[io]") {
  TempDir d("deepdiff_io");
  d.write("f.txt", "x");
  CHECK(file_problem(d.file("f.txt")).empty());
  CHECK(file_exists(d.file("f.txt")));
  REQUIRE(::mkfifo(d.file("fifo").c_str(), 0600) == 0);
  std::filesystem::create_symlink("/dev/zero", d.file("zero"));
  std::filesystem::create_symlink("/dev/null", d.file("null"));
  std::filesystem::create_symlink(d.file("loop_b"), d.file("loop_a"));
  std::filesystem::create_symlink(d.file("loop_a"), d.file("loop_b"));
  std::filesystem::create_symlink(d.file("gone"), d.file("dangling"));
  std::filesystem::create_symlink(d.file("f.txt"), d.file("link"));
  make_directories(d.file("dir"));
  CHECK(file_problem(d.file("link")).empty());  // a link to a regular file is fine
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"fifo", "not a regular file (a FIFO"},          {"zero", "not a regular file (a character device)"},
      {"null", "not a regular file (a character device)"}, {"loop_a", "too many levels of symbolic links"},
      {"dangling", "symbolic link to a missing file"}, {"dir", "is a directory"},
      {"nothing", "file not found"}};
  for (const auto& c : cases) {
    INFO(c.first);
    CHECK(contains(file_problem(d.file(c.first)), c.second));
    CHECK_FALSE(file_exists(d.file(c.first)));
    // read_file says the same, with the path, and returns at once (a FIFO is never opened)
    const std::string e = error_of([&] { read_file(d.file(c.first)); });
    CHECK(contains(e, d.file(c.first)));
    CHECK(contains(e, c.second));
  }
  // a checkpoint reader gets the same words
  CHECK_THROWS_WITH(read_checkpoint(d.file("zero")), Catch::Contains("character device"));
}
