// Telling a text file saved in the wrong encoding from bad content. Spreadsheet programs and
// PowerShell's `>` save "Unicode text" as UTF-16: every ASCII character then carries a NUL
// byte, which the readers would otherwise split into fields that match nothing, and which
// ends the C string of an error message (the reason was cut off where the line's text began).
// Used by the expression and samplesheet readers on each line (or text) before any field of it
// is looked at, so no message of theirs ever quotes a NUL byte.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace deepdiff {
namespace genomics {

// Why `line` cannot be read as UTF-8 / plain text, or "" when it can. `first` says it is the
// file's first line, where a UTF-16 byte-order mark (FF FE or FE FF) sits. UTF-16 without a
// mark is recognised by its NUL bytes: in ASCII text saved as UTF-16 they fill every other
// byte (even or odd positions, by byte order); any other NUL byte is reported as such.
inline std::string text_encoding_problem(std::string_view line, bool first) {
  const std::string utf16 = "UTF-16 text, not UTF-8 / plain text";
  if (first && line.size() >= 2 &&
      ((line[0] == '\xFF' && line[1] == '\xFE') || (line[0] == '\xFE' && line[1] == '\xFF')))
    return utf16;
  const std::size_t nul = line.find('\0');
  if (nul == std::string_view::npos) return "";
  std::size_t even = 0, odd = 0;
  for (std::size_t i = 0; i < line.size(); ++i)
    if (line[i] == '\0') ++(i % 2 ? odd : even);
  // Half the bytes, less one for a line cut between the two bytes of a character.
  const std::size_t half = line.size() / 2;
  if (half > 0 && (even + 1 >= half || odd + 1 >= half) && (even == 0 || odd == 0)) return utf16;
  return "a NUL byte at column " + std::to_string(nul + 1) + ": not a text file";
}

}  // namespace genomics
}  // namespace deepdiff
