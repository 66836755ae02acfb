// Writing files so that a reader never sees half of one, and creating folders.
//
// write_file_atomic writes to a temporary file in the *same* folder (rename is atomic only
// within one file system), fsyncs it, then renames it over the target: after a crash the
// target holds either the old or the new bytes, never a prefix. Every failure removes the
// temporary file and throws std::runtime_error naming the path and the system's reason.
#pragma once

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

namespace deepdiff {

namespace io_detail {

inline std::runtime_error system_error(const std::string& what, const std::string& path, int err) {
  return std::runtime_error(what + " '" + path + "': " + std::strerror(err));
}

// Unique within the process (counter) and across processes (pid); O_EXCL settles the rest.
inline std::string temporary_name(const std::string& path, unsigned attempt) {
  static std::atomic<unsigned> counter{0};
  return path + ".tmp." + std::to_string(static_cast<long>(::getpid())) + "." +
         std::to_string(counter.fetch_add(1)) + "." + std::to_string(attempt);
}

}  // namespace io_detail

// mkdir -p (std::filesystem::create_directories): creates every missing folder of `path`;
// existing folders are fine, an existing non-folder on the way is an error naming it.
inline void make_directories(const std::string& path) {
  namespace fs = std::filesystem;
  if (path.empty()) throw std::runtime_error("make_directories: empty path");
  std::error_code ec;
  fs::create_directories(path, ec);
  if (!ec) return;
  fs::path part;
  for (const fs::path& piece : fs::path(path)) {
    part /= piece;
    std::error_code sec;
    const fs::file_status st = fs::status(part, sec);
    if (fs::exists(st) && !fs::is_directory(st))
      throw std::runtime_error("cannot create directory '" + path + "': '" + part.string() +
                               "' exists and is not a directory");
  }
  throw std::runtime_error("cannot create directory '" + path + "': " + ec.message());
}

inline void write_file_atomic(const std::string& path, const std::string& bytes) {
  if (path.empty()) throw std::runtime_error("write_file_atomic: empty path");
  // Mode 0666 lets the umask decide the final permissions, as for any ordinary file.
  std::string tmp;
  int fd = -1;
  for (unsigned attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    tmp = io_detail::temporary_name(path, attempt);
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST) throw io_detail::system_error("cannot create a temporary file for", path, errno);
  }
  if (fd < 0) throw std::runtime_error("cannot create a temporary file for '" + path + "': names exhausted");

  auto fail = [&](const char* what, int err) {
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());
    return io_detail::system_error(what, path, err);
  };
  const char* p = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw fail("cannot write", errno);
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) throw fail("cannot fsync", errno);
  const int rc = ::close(fd);
  fd = -1;
  if (rc != 0) throw fail("cannot close", errno);
  if (::rename(tmp.c_str(), path.c_str()) != 0) throw fail("cannot rename the temporary file onto", errno);
  // Make the rename itself durable; a folder that cannot be opened or synced (some file
  // systems refuse) does not undo a completed write, so this step is best effort.
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  const int dfd = ::open(parent.empty() ? "." : parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace deepdiff
