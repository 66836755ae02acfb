// Tests of include/deepdiff/io/json.hpp.
#include "io_fixtures.hpp"

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

