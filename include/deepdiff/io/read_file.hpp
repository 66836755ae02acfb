// Reading a whole file into memory in one go: the parsers (CSV data, checkpoints, JSON)
// work on one buffer, which is far faster than a stream read per field.
#pragma once

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

#include <sys/stat.h>

namespace deepdiff {

inline bool file_exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// The file's bytes; throws std::runtime_error naming the path and the system's reason.
inline std::string read_file(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    throw std::runtime_error("cannot read '" + path + "': " + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) throw std::runtime_error("cannot read '" + path + "': it is a directory");
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error("cannot open '" + path + "': " + std::strerror(errno));
  std::string out;
  // The size from stat is a hint only (the file may change, or be a pipe); read to EOF.
  if (st.st_size > 0) out.reserve(static_cast<std::size_t>(st.st_size));
  char buf[1 << 16];
  for (;;) {
    const std::size_t n = std::fread(buf, 1, sizeof buf, f);
    out.append(buf, n);
    if (n < sizeof buf) break;
  }
  const bool failed = std::ferror(f) != 0;
  const int err = errno;
  std::fclose(f);
  if (failed) throw std::runtime_error("cannot read '" + path + "': " + std::strerror(err));
  return out;
}

}  // namespace deepdiff
