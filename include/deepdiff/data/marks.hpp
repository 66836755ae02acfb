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

// "H3K4me3" for a known column, "mark 7" past the five (files with other columns still load).
inline std::string mark_name(Index m) {
  if (m >= 0 && m < mark::count) return mark_names()[static_cast<std::size_t>(m)];
  return "mark " + std::to_string(m);
}

}  // namespace deepdiff
