// Reading text files line by line whether they are plain, gzip or BGZF (htslib's BGZF
// reader takes all three), so annotations, samplesheets, expression tables and tagAlign
// reads can all come straight from a download (`.gtf.gz`, `.tagAlign.gz`).
#pragma once

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <htslib/bgzf.h>
#include <htslib/kstring.h>

#include "deepdiff/io/errors.hpp"

namespace deepdiff {
namespace genomics {

class TextLines {
 public:
  // threads > 1 decompresses BGZF blocks in parallel (plain gzip cannot be).
  explicit TextLines(const std::string& path, int threads = 1) : path_(path) {
    fp_ = bgzf_open(path.c_str(), "r");
    if (!fp_) throw DataError(path, "cannot open the file", "check that it exists and is readable");
    // htslib takes a gzip cut inside its 10-byte header for plain text, which would then be
    // blamed as a bad line 1: the gzip magic says what the file was meant to be.
    if (!fp_->is_compressed) {
      unsigned char m[2] = {0, 0};
      std::FILE* f = std::fopen(path.c_str(), "rb");
      const bool gz = f && std::fread(m, 1, 2, f) == 2 && m[0] == 0x1f && m[1] == 0x8b;
      if (f) std::fclose(f);
      if (gz) {
        bgzf_close(fp_);
        fp_ = nullptr;
        throw DataError(path, "damaged compressed file: the gzip data is truncated or corrupt (its header is cut short)",
                        "download or copy the file again");
      }
    }
    if (threads > 1 && fp_->is_compressed && !fp_->is_gzip) bgzf_mt(fp_, threads, 64);
  }
  ~TextLines() {
    if (fp_) bgzf_close(fp_);
    std::free(ks_.s);
  }
  TextLines(const TextLines&) = delete;
  TextLines& operator=(const TextLines&) = delete;

  // The next line (without '\n' or '\r'), false at the end. A truncated or damaged gzip/BGZF
  // file throws a DataError saying so, naming the last line read whole: no line of it was bad.
  bool next(std::string_view& line) {
    const int r = bgzf_getline(fp_, '\n', &ks_);
    if (r == -1) return false;
    // A damaged stream first hands out the text decompressed before the damage, its last line
    // cut anywhere ("chr1 310915 31"): that line must not reach a parser, which would blame its
    // content. Peeking past it makes htslib read on and meet the damage now.
    if (r < -1 || (fp_->is_compressed && bgzf_peek(fp_) < -1)) {
      const std::string what = "damaged compressed file: the gzip/BGZF data is truncated or corrupt";
      if (line_ == 0) throw DataError(path_, what + " from its start", "download or copy the file again");
      throw DataError(path_, line_, what + " after this line", "download or copy the file again");
    }
    ++line_;
    std::size_t n = ks_.l;
    if (n > 0 && ks_.s[n - 1] == '\r') --n;
    line = std::string_view(ks_.s, n);
    if (line_ == 1 && line.size() >= 3 && line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);
    return true;
  }
  std::size_t line() const { return line_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  BGZF* fp_ = nullptr;
  kstring_t ks_{0, 0, nullptr};
  std::size_t line_ = 0;
};

// Fields of a line split on one separator character (views into the line).
inline void split_on(std::string_view line, char sep, std::vector<std::string_view>& out) {
  out.clear();
  std::size_t start = 0;
  for (;;) {
    const std::size_t k = line.find(sep, start);
    if (k == std::string_view::npos) {
      out.push_back(line.substr(start));
      return;
    }
    out.push_back(line.substr(start, k - start));
    start = k + 1;
  }
}

// Whether a whole field reads as a number (any sign; inf and nan count; out of range too):
// what tells a value column from a name column in a header or a bedGraph.
inline bool is_number(std::string_view s) {
  double v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::general);
  return !s.empty() && (r.ec == std::errc() || r.ec == std::errc::result_out_of_range) && r.ptr == s.data() + s.size();
}

// A whole field as a non-negative integer; false if it is anything else.
inline bool parse_position(std::string_view s, std::int64_t& out) {
  if (s.empty()) return false;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && out >= 0;
}

}  // namespace genomics
}  // namespace deepdiff
