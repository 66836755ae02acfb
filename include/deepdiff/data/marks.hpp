// The five histone marks, in the column order of the public data files (spec, "The task").
// Named indices keep code that plants or reads a mark (synthetic data, attention checks,
// plots) from hard-coding column numbers.
#pragma once

#include <string>
#include <vector>

#include "deepdiff/tensor/tensor.hpp"

namespace deepdiff {

namespace mark {
constexpr Index H3K4me1 = 0;   // enhancers, flanking the TSS
constexpr Index H3K4me3 = 1;   // active promoters, peaked at the TSS
constexpr Index H3K9me3 = 2;   // heterochromatin
constexpr Index H3K27me3 = 3;  // Polycomb repression, broad
constexpr Index H3K36me3 = 4;  // transcribed gene bodies, downstream of the TSS
constexpr Index count = 5;
}  // namespace mark

inline const std::vector<std::string>& mark_names() {
  static const std::vector<std::string> names = {"H3K4me1", "H3K4me3", "H3K9me3", "H3K27me3", "H3K36me3"};
  return names;
}

// The name of mark m (0-based): "H3K4me3" for the five known columns, "mark6", "mark7", ...
// (1-based, one word) past them, so that data with more marks still loads and its channels
// still have names. The one spelling of a mark everywhere: the model's channel names (the
// attention CSV headers, Python's beta_names) and the data loader's messages.
inline std::string mark_name(Index m) {
  if (m >= 0 && m < mark::count) return mark_names()[static_cast<std::size_t>(m)];
  return "mark" + std::to_string(m + 1);
}

}  // namespace deepdiff
