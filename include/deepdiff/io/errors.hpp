// DataError: every problem with input data, said the way a compiler says it
// ("FILE:LINE: reason (hint)"), so an editor or a person can jump straight to the row.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace deepdiff {

struct DataError : std::runtime_error {
  // line counts from 1; 0 means the problem concerns the whole file.
  DataError(const std::string& file_, std::size_t line_, const std::string& reason_, const std::string& hint_ = "")
      : std::runtime_error(format(file_, line_, reason_, hint_)), file(file_), line(line_), reason(reason_), hint(hint_) {}
  DataError(const std::string& file_, const std::string& reason_, const std::string& hint_ = "")
      : DataError(file_, 0, reason_, hint_) {}

  std::string file;
  std::size_t line = 0;
  std::string reason;
  std::string hint;

  static std::string format(const std::string& file, std::size_t line, const std::string& reason,
                            const std::string& hint) {
    std::string m = file;
    if (line > 0) m += ":" + std::to_string(line);
    m += ": " + reason;
    if (!hint.empty()) m += " (" + hint + ")";
    return m;
  }
};

}  // namespace deepdiff
