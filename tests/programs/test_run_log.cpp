// Tests of examples/common/run_log.hpp: a run's log goes to its stream and, once opened, to
// train.log, the lines written before the file existed included; warnings to the files only.
#include <catch2/catch.hpp>

#include <deepdiff/io/read_file.hpp>

#include <sstream>
#include <string>

#include "common/run_log.hpp"
#include "test_helpers.hpp"

using namespace deepdiff_cli;
using deepdiff_test::TempDir;

TEST_CASE("TeeBuf: both buffers get every character, a null one gets nothing", "[programs][run_log]") {
  std::ostringstream a, b;
  TeeBuf tee(a.rdbuf(), b.rdbuf());
  std::ostream s(&tee);
  s << "x = " << 42 << '\n' << std::flush;
  CHECK(a.str() == "x = 42\n");
  CHECK(b.str() == "x = 42\n");
  tee.set_second(nullptr);
  s << "only a";
  CHECK(a.str() == "x = 42\nonly a");
  CHECK(b.str() == "x = 42\n");
}

TEST_CASE("RunLog: the lines before open() reach the file first, then every line", "[programs][run_log]") {
  const TempDir d("deepdiff_run_log");
  const std::string path = d.file("train.log");
  std::ostringstream out;  // not the terminal: a stream of the caller's, as deepdiff-pairs' train.log
  {
    RunLog log(out, true);
    log.stream() << "data: 3 genes\n";
    log.note("warning: depth\n");  // before the file exists: kept for it
    log.open(path, "--- session 1\n");
    log.stream() << "epoch 1\n" << std::flush;
    log.note("warning: near-constant\n");
  }
  CHECK(deepdiff::read_file(path) == "--- session 1\ndata: 3 genes\nwarning: depth\nepoch 1\nwarning: near-constant\n");
  // the caller's stream gets the lines, and the notes because it is not the terminal
  CHECK(out.str() == "data: 3 genes\nwarning: depth\nepoch 1\nwarning: near-constant\n");
  {
    RunLog log(out, true);  // a resumed run appends
    log.open(path, "--- session 2\n");
    log.stream() << "epoch 2\n";
  }
  CHECK(deepdiff::read_file(path) ==
        "--- session 1\ndata: 3 genes\nwarning: depth\nepoch 1\nwarning: near-constant\n--- session 2\nepoch 2\n");
}

TEST_CASE("RunLog: without a file, the stream alone, an unwritable file is an error naming it", "[programs][run_log]") {
  const TempDir d("deepdiff_run_log");
  std::ostringstream out;
  RunLog log(out, false);
  log.stream() << "line\n";
  log.open(d.file("never.log"), "header\n");
  CHECK(out.str() == "line\n");
  CHECK_FALSE(deepdiff_test::path_exists(d.file("never.log")));
  RunLog bad(out, true);
  CHECK_THROWS_WITH(bad.open(d.file("no-such-dir/train.log"), ""), Catch::Contains("no-such-dir/train.log"));
}
