// Tests of include/deepdiff/io/read_file.hpp.
#include "io_fixtures.hpp"

TEST_CASE("file_problem and read_file: FIFOs, devices, symlink loops and folders are named", "[io]") {
  TempDir d("deepdiff_io");
  d.write("f.txt", "x");
  CHECK(file_problem(d.file("f.txt")).empty());
  CHECK(file_exists(d.file("f.txt")));
  REQUIRE(::mkfifo(d.file("fifo").c_str(), 0600) == 0);
  std::filesystem::create_symlink("/dev/zero", d.file("zero"));
  std::filesystem::create_symlink("/dev/null", d.file("null"));
  std::filesystem::create_symlink(d.file("loop_b"), d.file("loop_a"));
  std::filesystem::create_symlink(d.file("loop_a"), d.file("loop_b"));
  std::filesystem::create_symlink(d.file("gone"), d.file("dangling"));
  std::filesystem::create_symlink(d.file("f.txt"), d.file("link"));
  make_directories(d.file("dir"));
  CHECK(file_problem(d.file("link")).empty());  // a link to a regular file is fine
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"fifo", "not a regular file (a FIFO"},          {"zero", "not a regular file (a character device)"},
      {"null", "not a regular file (a character device)"}, {"loop_a", "too many levels of symbolic links"},
      {"dangling", "symbolic link to a missing file"}, {"dir", "is a directory"},
      {"nothing", "file not found"}};
  for (const auto& c : cases) {
    INFO(c.first);
    CHECK(contains(file_problem(d.file(c.first)), c.second));
    CHECK_FALSE(file_exists(d.file(c.first)));
    // read_file says the same, with the path, and returns at once (a FIFO is never opened)
    const std::string e = error_of([&] { read_file(d.file(c.first)); });
    CHECK(contains(e, d.file(c.first)));
    CHECK(contains(e, c.second));
  }
  // a checkpoint reader gets the same words
  CHECK_THROWS_WITH(read_checkpoint(d.file("zero")), Catch::Contains("character device"));
}
