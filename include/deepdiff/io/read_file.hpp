// Reading a whole file into memory in one go: the parsers (CSV data, checkpoints, JSON)
// work on one buffer, which is far faster than a stream read per field.
//
// What is at a path, said once for every reader (file_problem): a FIFO, a device (/dev/zero,
// /dev/null, possibly behind a symlink), a symlink loop or a folder is named as what it is,
// not reported as "file not found", and never opened (a FIFO would block, /dev/zero never ends).
#pragma once

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

#include <sys/stat.h>

namespace deepdiff {

// "" when `path` is (or links to) a regular file; otherwise why it cannot be read as one:
// "file not found", "not a regular file (a FIFO)", "too many levels of symbolic links (a
// symlink loop?)", ... The caller adds the path.
inline std::string file_problem(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    if (ec == std::errc::too_many_symbolic_link_levels)
      return "too many levels of symbolic links (a symlink loop?)";
    return ec.message();
  }
  switch (st.type()) {
    case fs::file_type::regular: return "";
    case fs::file_type::not_found: {
      std::error_code lec;
      if (fs::is_symlink(fs::symlink_status(path, lec)))
        return "file not found (a symbolic link to a missing file: " + fs::read_symlink(path, lec).string() + ")";
      return "file not found";
    }
    case fs::file_type::directory: return "is a directory, not a file";
    case fs::file_type::fifo: return "not a regular file (a FIFO / named pipe)";
    case fs::file_type::character: return "not a regular file (a character device)";
    case fs::file_type::block: return "not a regular file (a block device)";
    case fs::file_type::socket: return "not a regular file (a socket)";
    default: return "not a regular file";
  }
}

// True when `path` is (or links to) a regular file, one read_file can read: the project's one
// file_exists. A folder, FIFO or device is not "a file that exists" (a reader given one would
// block or fail later). To ask whether anything at all is at a path - as fit does before a
// resume, so that a folder named state.bin is reported rather than skipped - use
// std::filesystem::exists.
inline bool file_exists(const std::string& path) { return file_problem(path).empty(); }

// The file's bytes; throws std::runtime_error naming the path and the reason.
inline std::string read_file(const std::string& path) {
  const std::string problem = file_problem(path);
  if (!problem.empty()) throw std::runtime_error("cannot read '" + path + "': " + problem);
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error("cannot open '" + path + "': " + std::strerror(errno));
  struct stat st;
  std::string out;
  // The size from stat is a hint only (the file may change); read to EOF.
  if (::fstat(::fileno(f), &st) == 0 && st.st_size > 0) out.reserve(static_cast<std::size_t>(st.st_size));
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
