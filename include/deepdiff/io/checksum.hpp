// FNV-1a (64 bit): the project's one checksum. Checkpoints end with it; `deepdiff prepare`
// records it for every input file. Not cryptographic: it detects damage and changed
// inputs, not tampering.
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

namespace deepdiff {

constexpr std::uint64_t kFnv1a64Offset = 0xcbf29ce484222325ull;

// Continues a running hash `h` over n more bytes (start from kFnv1a64Offset), so a file can
// be hashed in pieces with the same result as in one go.
inline std::uint64_t fnv1a64_update(std::uint64_t h, const unsigned char* p, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

inline std::uint64_t fnv1a64(const unsigned char* p, std::size_t n) { return fnv1a64_update(kFnv1a64Offset, p, n); }

// The hash of a whole file, read in blocks (constant memory); throws naming the path.
inline std::uint64_t fnv1a64_file(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error("cannot open '" + path + "': " + std::strerror(errno));
  std::uint64_t h = kFnv1a64Offset;
  static constexpr std::size_t kBlock = 1 << 16;
  unsigned char buf[kBlock];
  for (;;) {
    const std::size_t n = std::fread(buf, 1, kBlock, f);
    h = fnv1a64_update(h, buf, n);
    if (n < kBlock) break;
  }
  const bool failed = std::ferror(f) != 0;
  const int err = errno;
  std::fclose(f);
  if (failed) throw std::runtime_error("cannot read '" + path + "': " + std::strerror(err));
  return h;
}

// 16 lowercase hex digits, the spelling written into JSON files.
inline std::string hex64(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace deepdiff
