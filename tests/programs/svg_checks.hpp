// The checks of a drawn SVG document shared by the tests of svg.hpp and plots.hpp: well-formed
// XML, escaped text, no NaN or inf printed.
#pragma once

#include <catch2/catch.hpp>

#include <cctype>
#include <string>
#include <vector>

namespace svg_checks {

inline bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// A tiny XML checker: tags balance, attribute quotes close, no stray '<' or '&' in text.
inline bool well_formed_xml(const std::string& s, std::string& why) {
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

inline std::size_t count_of(const std::string& s, const std::string& part) {
  std::size_t n = 0;
  for (std::size_t p = s.find(part); p != std::string::npos; p = s.find(part, p + 1)) ++n;
  return n;
}

inline void check_svg(const std::string& svg) {
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

}  // namespace svg_checks
