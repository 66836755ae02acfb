// The log of a run: the lines `deepdiff train` prints, also kept in SAVE_ROOT/train.log, and
// the train.log of each run of deepdiff-pairs (its epoch lines, on stdout only with --verbose).
// One mechanism for both: a stream buffer that copies what it is given to two others.
#pragma once

#include <fstream>
#include <iostream>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <streambuf>
#include <string>

namespace deepdiff_cli {

// Copies what it is given to two stream buffers (either may be null: nothing goes there).
class TeeBuf : public std::streambuf {
 public:
  TeeBuf(std::streambuf* a, std::streambuf* b) : a_(a), b_(b) {}
  void set_second(std::streambuf* b) { b_ = b; }

 protected:
  int overflow(int c) override {
    if (c == traits_type::eof()) return traits_type::not_eof(c);
    const char ch = static_cast<char>(c);
    bool ok = true;
    if (a_) ok = a_->sputc(ch) != traits_type::eof() && ok;
    if (b_) ok = b_->sputc(ch) != traits_type::eof() && ok;
    return ok ? c : traits_type::eof();
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    if (a_) a_->sputn(s, n);
    if (b_) b_->sputn(s, n);
    return n;
  }
  int sync() override {
    int r = 0;
    if (a_ && a_->pubsync() != 0) r = -1;
    if (b_ && b_->pubsync() != 0) r = -1;
    return r;
  }

 private:
  std::streambuf* a_;
  std::streambuf* b_;
};

// The log stream of one `run_training`: what is written goes to `out` and, with `to_file`, to
// the file that open() appends to. The save-root (and so the file) exists only once the data
// has been read and checked, after the first lines were printed: until open(), those lines are
// kept and written to the file first, so train.log holds everything the run printed.
class RunLog {
 public:
  RunLog(std::ostream& out, bool to_file)
      : out_(out), to_file_(to_file), tee_(out.rdbuf(), to_file ? early_.rdbuf() : nullptr), stream_(&tee_) {}
  RunLog(const RunLog&) = delete;
  RunLog& operator=(const RunLog&) = delete;

  std::ostream& stream() { return stream_; }

  // Appends to `path` from now on (a resumed run continues its log); `first` (e.g. the
  // command) is written before the kept lines. Throws naming the file when it cannot be written.
  void open(const std::string& path, const std::string& first) {
    if (!to_file_) return;
    stream_.flush();
    file_.open(path, std::ios::app);
    if (!file_) throw std::runtime_error("cannot write " + path);
    file_ << first << early_.str();
    file_.flush();
    early_.str("");
    tee_.set_second(file_.rdbuf());
  }

  // A line already said on stderr (a warning), for the log files only: train.log, and `out`
  // when it is not the terminal's stdout or stderr (deepdiff-pairs' own train.log).
  void note(const std::string& line) {
    stream_.flush();
    if (to_file_) {
      if (file_.is_open()) file_ << line << std::flush;
      else early_ << line;
    }
    if (out_.rdbuf() != std::cout.rdbuf() && out_.rdbuf() != std::cerr.rdbuf()) out_ << line << std::flush;
  }

 private:
  std::ostream& out_;
  bool to_file_;
  std::ostringstream early_;
  std::ofstream file_;
  TeeBuf tee_;
  std::ostream stream_;
};

}  // namespace deepdiff_cli
