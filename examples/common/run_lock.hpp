// One process trains a run folder at a time: an advisory lock (flock) on RUN/train.lock, held
// for as long as the run trains. Two copies of deepdiff-pairs on one save-root (or two shards
// given the same number) then split the runs instead of both training each one and
// interleaving its train.log. flock locks belong to the open file and vanish with the process,
// so the lock of a killed process (kill -9, a node that died) is free again at once: a stale
// lock file is simply taken over. The file records the holder's pid and host, for messages.
#pragma once

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace deepdiff_cli {

class RunLock {
 public:
  // Opens (creating) DIR/train.lock; the folder must exist. Does not lock yet.
  explicit RunLock(const std::string& dir) : path_((std::filesystem::path(dir) / "train.lock").string()) {
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw std::runtime_error("cannot open the lock file " + path_ + ": " + std::strerror(errno));
  }
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;
  ~RunLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
  }

  // true: this process holds the lock now. false (wait == false): another process holds it.
  bool acquire(bool wait) {
    for (;;) {
      if (::flock(fd_, LOCK_EX | (wait ? 0 : LOCK_NB)) == 0) break;
      if (errno == EINTR) continue;
      if (errno == EWOULDBLOCK) return false;
      throw std::runtime_error("cannot lock " + path_ + ": " + std::strerror(errno));
    }
    char host[256] = "?";
    ::gethostname(host, sizeof host - 1);
    const std::string who = "pid " + std::to_string(::getpid()) + " on " + host + "\n";
    if (::ftruncate(fd_, 0) == 0 && ::pwrite(fd_, who.data(), who.size(), 0) < 0) {
      // the note is for people only; the lock itself is what counts
    }
    return true;
  }

  // Who holds (or last held) the lock, as the file says: "pid 123 on node7".
  std::string holder() const {
    char buf[300] = {0};
    const ssize_t n = ::pread(fd_, buf, sizeof buf - 1, 0);
    std::string s = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string("another process");
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
  }

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace deepdiff_cli
