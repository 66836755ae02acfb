// Numbers as text for the files we write (CSV, JSON, SVG labels).
//
// format_number gives the shortest text that reads back to the same value (std::to_chars
// without a precision, like Python's repr): exact round trips without the noise digits of
// %.17g ("0.1", not "0.10000000000000001"). A float goes through its own overload so that
// 0.1f prints as "0.1" rather than as the double it widens to.
#pragma once

#include <charconv>
#include <cmath>
#include <string>

namespace deepdiff {

// Non-finite values print as "nan", "inf", "-inf"; writers that need another spelling
// (JSON's null) test std::isfinite first.
inline std::string format_number(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

inline std::string format_number(float v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

}  // namespace deepdiff
