// JSON: a streaming writer for our reports (metrics.json, run summaries) and a small reader
// that is enough to read them back (tests, resuming, comparing runs).
//
// Writer: pretty-printed with 2-space indents; vectors of scalars go on one line, so a
// 120-epoch curve stays 1 line, not 120. Numbers print as the shortest text that reads back
// exactly; NaN and infinities, which JSON cannot spell, are written as null (and read back
// as NaN by as_number()). Misuse (a value without a key inside an object, unclosed
// containers) throws std::logic_error instead of writing broken JSON.
//
// Reader: RFC 8259 values; errors are JsonError with line and column.
#pragma once

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "deepdiff/io/number_format.hpp"

namespace deepdiff {

inline std::string json_escape(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          static const char* hex = "0123456789abcdef";
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 15];
        } else {
          out += ch;  // UTF-8 passes through unchanged
        }
    }
  }
  return out + "\"";
}

inline std::string json_number(double v) { return std::isfinite(v) ? format_number(v) : "null"; }
inline std::string json_number(float v) { return std::isfinite(v) ? format_number(v) : "null"; }

class JsonWriter {
 public:
  JsonWriter& begin_object() { return open('{', true); }
  JsonWriter& end_object() { return close('}', true); }
  JsonWriter& begin_array() { return open('[', false); }
  JsonWriter& end_array() { return close(']', false); }

  JsonWriter& key(const std::string& k) {
    if (stack_.empty() || !stack_.back().object) throw std::logic_error("JsonWriter::key '" + k + "' outside an object");
    if (stack_.back().key_pending) throw std::logic_error("JsonWriter::key '" + k + "' right after another key");
    item_prefix();
    text_ += json_escape(k) + ": ";
    stack_.back().key_pending = true;
    return *this;
  }

  JsonWriter& value(double v) { return scalar(json_number(v)); }
  JsonWriter& value(float v) { return scalar(json_number(v)); }
  JsonWriter& value(bool v) { return scalar(v ? "true" : "false"); }
  JsonWriter& value(const std::string& v) { return scalar(json_escape(v)); }
  JsonWriter& value(const char* v) { return scalar(json_escape(v)); }  // not the bool overload
  template <class I, std::enable_if_t<std::is_integral<I>::value && !std::is_same<I, bool>::value, int> = 0>
  JsonWriter& value(I v) {
    return scalar(std::to_string(v));
  }
  JsonWriter& null() { return scalar("null"); }

  // A vector of numbers, strings or bools as one compact line: [1, 2.5, null].
  template <class T>
  JsonWriter& value(const std::vector<T>& v) {
    std::string s = "[";
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (i) s += ", ";
      s += inline_scalar(v[i]);
    }
    return scalar(s + "]");
  }

  template <class V>
  JsonWriter& field(const std::string& k, const V& v) {
    key(k);
    return value(v);
  }

  bool complete() const { return stack_.empty() && top_done_; }
  // The document; throws when containers are still open or nothing was written.
  std::string str() const {
    if (!complete()) throw std::logic_error("JsonWriter::str: document incomplete (open containers or no value)");
    return text_ + "\n";
  }

 private:
  struct Frame {
    bool object;
    bool has_items = false;
    bool key_pending = false;
  };

  static std::string inline_scalar(double v) { return json_number(v); }
  static std::string inline_scalar(float v) { return json_number(v); }
  static std::string inline_scalar(const std::string& v) { return json_escape(v); }
  static std::string inline_scalar(bool v) { return v ? "true" : "false"; }
  template <class I, std::enable_if_t<std::is_integral<I>::value && !std::is_same<I, bool>::value, int> = 0>
  static std::string inline_scalar(I v) {
    return std::to_string(v);
  }

  void indent(std::size_t depth) {
    text_ += '\n';
    text_.append(2 * depth, ' ');
  }
  void item_prefix() {
    Frame& f = stack_.back();
    if (f.has_items) text_ += ',';
    indent(stack_.size());
    f.has_items = true;
  }
  // Where a value may go: top level once, after a key in an object, anywhere in an array.
  void before_value() {
    if (stack_.empty()) {
      if (top_done_) throw std::logic_error("JsonWriter: a second top-level value");
      return;
    }
    Frame& f = stack_.back();
    if (f.object) {
      if (!f.key_pending) throw std::logic_error("JsonWriter: a value inside an object needs a key first");
      f.key_pending = false;
    } else {
      item_prefix();
    }
  }
  void after_value() {
    if (stack_.empty()) top_done_ = true;
  }
  JsonWriter& scalar(const std::string& s) {
    before_value();
    text_ += s;
    after_value();
    return *this;
  }
  JsonWriter& open(char c, bool object) {
    before_value();
    text_ += c;
    stack_.push_back(Frame{object});
    return *this;
  }
  JsonWriter& close(char c, bool object) {
    if (stack_.empty() || stack_.back().object != object)
      throw std::logic_error(std::string("JsonWriter: '") + c + "' does not match the open container");
    if (stack_.back().key_pending) throw std::logic_error("JsonWriter: a key without a value");
    const bool had = stack_.back().has_items;
    stack_.pop_back();
    if (had) indent(stack_.size());
    text_ += c;
    after_value();
    return *this;
  }

  std::string text_;
  std::vector<Frame> stack_;
  bool top_done_ = false;
};

struct JsonError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct JsonValue {
  enum class Type { null, boolean, number, string, array, object };
  Type type = Type::null;
  bool boolean = false;
  double number = 0;
  std::string text;
  std::vector<std::string> keys;  // object keys, in file order, parallel to items
  std::vector<JsonValue> items;   // array elements, or object values

  bool is_null() const { return type == Type::null; }
  bool is_number() const { return type == Type::number; }
  bool is_string() const { return type == Type::string; }
  bool is_bool() const { return type == Type::boolean; }
  bool is_array() const { return type == Type::array; }
  bool is_object() const { return type == Type::object; }
  std::size_t size() const { return items.size(); }

  const JsonValue* find(const std::string& k) const {
    if (type != Type::object) return nullptr;
    for (std::size_t i = 0; i < keys.size(); ++i)
      if (keys[i] == k) return &items[i];
    return nullptr;
  }
  bool contains(const std::string& k) const { return find(k) != nullptr; }
  const JsonValue& at(const std::string& k) const {
    if (type != Type::object) throw JsonError("JSON: looked up key '" + k + "' in a non-object");
    const JsonValue* v = find(k);
    if (!v) throw JsonError("JSON: no key '" + k + "'");
    return *v;
  }
  const JsonValue& at(std::size_t i) const {
    if (type != Type::array) throw JsonError("JSON: indexed a non-array");
    if (i >= items.size()) throw JsonError("JSON: index " + std::to_string(i) + " past " + std::to_string(items.size()));
    return items[i];
  }
  const JsonValue& operator[](const std::string& k) const { return at(k); }
  const JsonValue& operator[](std::size_t i) const { return at(i); }

  // null reads as NaN: the writer stores NaN and infinities as null.
  double as_number() const {
    if (type == Type::null) return std::numeric_limits<double>::quiet_NaN();
    if (type != Type::number) throw JsonError("JSON: expected a number");
    return number;
  }
  const std::string& as_string() const {
    if (type != Type::string) throw JsonError("JSON: expected a string");
    return text;
  }
  bool as_bool() const {
    if (type != Type::boolean) throw JsonError("JSON: expected true or false");
    return boolean;
  }
  std::vector<double> as_numbers() const {
    if (type != Type::array) throw JsonError("JSON: expected an array of numbers");
    std::vector<double> v;
    for (const JsonValue& x : items) v.push_back(x.as_number());
    return v;
  }
};

namespace json_detail {

class Parser {
 public:
  explicit Parser(const std::string& s) : s_(s) {}

  JsonValue document() {
    JsonValue v = parse_value(0);
    skip_ws();
    if (i_ != s_.size()) fail("unexpected text after the value");
    return v;
  }

 private:
  static constexpr int kMaxDepth = 200;  // deeper input is hostile; stop before the stack does

  [[noreturn]] void fail(const std::string& why) const {
    std::size_t line = 1, col = 1;
    for (std::size_t k = 0; k < i_ && k < s_.size(); ++k) {
      if (s_[k] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    throw JsonError("JSON " + std::to_string(line) + ":" + std::to_string(col) + ": " + why);
  }
  void skip_ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  bool eat(char c) {
    skip_ws();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!eat(c)) fail(std::string("expected '") + c + "'");
  }
  bool literal(const char* word) {
    std::size_t n = std::char_traits<char>::length(word);
    if (s_.compare(i_, n, word) == 0) {
      i_ += n;
      return true;
    }
    return false;
  }

  JsonValue parse_value(int depth) {
    if (depth > kMaxDepth) fail("nesting deeper than " + std::to_string(kMaxDepth));
    skip_ws();
    if (i_ >= s_.size()) fail("unexpected end of input");
    JsonValue v;
    const char c = s_[i_];
    if (c == '{') {
      ++i_;
      v.type = JsonValue::Type::object;
      if (eat('}')) return v;
      do {
        skip_ws();
        if (i_ >= s_.size() || s_[i_] != '"') fail("expected a string key");
        std::string k = parse_string();
        if (v.find(k)) fail("duplicate key '" + k + "'");
        expect(':');
        JsonValue item = parse_value(depth + 1);
        v.keys.push_back(std::move(k));
        v.items.push_back(std::move(item));
      } while (eat(','));
      expect('}');
    } else if (c == '[') {
      ++i_;
      v.type = JsonValue::Type::array;
      if (eat(']')) return v;
      do {
        v.items.push_back(parse_value(depth + 1));
      } while (eat(','));
      expect(']');
    } else if (c == '"') {
      v.type = JsonValue::Type::string;
      v.text = parse_string();
    } else if (literal("true")) {
      v.type = JsonValue::Type::boolean;
      v.boolean = true;
    } else if (literal("false")) {
      v.type = JsonValue::Type::boolean;
    } else if (literal("null")) {
      v.type = JsonValue::Type::null;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      v.type = JsonValue::Type::number;
      v.number = parse_number();
    } else {
      fail(std::string("unexpected character '") + c + "'");
    }
    return v;
  }

  // JSON's grammar is stricter than from_chars (no leading zeros, no "+", digits after '.').
  double parse_number() {
    const std::size_t start = i_;
    auto digits = [&] {
      const std::size_t d = i_;
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
      return i_ - d;
    };
    if (s_[i_] == '-') ++i_;
    if (i_ < s_.size() && s_[i_] == '0') {
      ++i_;
    } else if (digits() == 0) {
      fail("malformed number");
    }
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (digits() == 0) fail("malformed number: digits must follow '.'");
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (digits() == 0) fail("malformed number: digits must follow the exponent");
    }
    double v = 0;
    const auto r = std::from_chars(s_.data() + start, s_.data() + i_, v);
    if (r.ec == std::errc::result_out_of_range) {
      i_ = start;
      fail("number out of range");
    }
    if (r.ec != std::errc() || r.ptr != s_.data() + i_) {
      i_ = start;
      fail("malformed number");
    }
    return v;
  }

  unsigned hex4() {
    if (i_ + 4 > s_.size()) fail("truncated \\u escape");
    unsigned v = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = s_[i_++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<unsigned>(c - 'A' + 10);
      else fail("bad hex digit in \\u escape");
    }
    return v;
  }
  static void append_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  std::string parse_string() {
    ++i_;  // the opening quote
    std::string out;
    for (;;) {
      if (i_ >= s_.size()) fail("unterminated string");
      const char c = s_[i_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) {
        --i_;
        fail("control character inside a string");
      }
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= s_.size()) fail("unterminated escape");
      const char e = s_[i_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          unsigned cp = hex4();
          if (cp >= 0xD800 && cp <= 0xDBFF) {  // a surrogate pair encodes one code point
            if (!(i_ + 1 < s_.size() && s_[i_] == '\\' && s_[i_ + 1] == 'u')) fail("lone high surrogate");
            i_ += 2;
            const unsigned lo = hex4();
            if (lo < 0xDC00 || lo > 0xDFFF) fail("bad low surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            fail("lone low surrogate");
          }
          append_utf8(out, cp);
          break;
        }
        default:
          --i_;
          fail(std::string("unknown escape '\\") + e + "'");
      }
    }
  }

  const std::string& s_;
  std::size_t i_ = 0;
};

}  // namespace json_detail

inline JsonValue parse_json(const std::string& text) { return json_detail::Parser(text).document(); }

}  // namespace deepdiff
