// Tests of include/deepdiff/io/atomic_file.hpp.
#include "io_fixtures.hpp"

TEST_CASE("write_file_atomic: writes, replaces, leaves no temporary file", "[io]") {
  TempDir d("deepdiff_io");
  const std::string p = d.file("out.txt");
  write_file_atomic(p, "first");
  CHECK(read_file(p) == "first");
  std::string big(1 << 20, 'x');
  big[12345] = '\0';  // binary-safe
  write_file_atomic(p, big);
  CHECK(read_file(p) == big);
  write_file_atomic(p, "");
  CHECK(read_file(p).empty());
  CHECK(d.listing() == std::vector<std::string>{"out.txt"});
}

TEST_CASE("write_file_atomic and make_directories: errors name the path", "[io]") {
  TempDir d("deepdiff_io");
  const std::string missing = d.file("no/such/dir/f.txt");
  const std::string e = error_of([&] { write_file_atomic(missing, "x"); });
  CHECK(contains(e, missing));
  CHECK(contains(e, "No such file or directory"));
  // a directory in the way of the final rename
  make_directories(d.file("adir"));
  const std::string e2 = error_of([&] { write_file_atomic(d.file("adir"), "x"); });
  CHECK(contains(e2, d.file("adir")));
  CHECK(d.listing() == std::vector<std::string>{"adir"});  // the temporary file is gone

  make_directories(d.file("a/b/c"));
  CHECK(std::filesystem::is_directory(d.file("a/b/c")));
  make_directories(d.file("a/b/c"));  // existing: fine
  make_directories(d.file("a/b/c/"));
  write_file_atomic(d.file("a/b/file"), "x");
  const std::string e3 = error_of([&] { make_directories(d.file("a/b/file/sub")); });
  CHECK(contains(e3, d.file("a/b/file")));
  CHECK(contains(e3, "not a directory"));
  CHECK_THROWS(make_directories(""));
  CHECK(contains(error_of([&] { read_file(d.file("nothing")); }), d.file("nothing")));
}

// ---------------------------------------------------------------------------------------
// CSV
