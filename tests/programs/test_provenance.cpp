// Tests of examples/common/provenance.hpp: the command line as a shell reads it back, the start
// in ISO 8601 UTC, and the data files of a run with their sizes and checksums.
#include <catch2/catch.hpp>

#include <deepdiff/io/checksum.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "common/provenance.hpp"
#include "test_helpers.hpp"

using namespace deepdiff_cli;
using deepdiff_test::TempDir;

TEST_CASE("shell_quote and quoted_command_line: what sh reads back as the same arguments", "[programs][provenance]") {
  CHECK(shell_quote("--data-root") == "--data-root");
  CHECK(shell_quote("data/E003,E123=1.5@x%y+z:w_") == "data/E003,E123=1.5@x%y+z:w_");
  CHECK(shell_quote("") == "''");
  CHECK(shell_quote("a b") == "'a b'");
  CHECK(shell_quote("it's") == "'it'\\''s'");
  CHECK(shell_quote("$HOME;rm *") == "'$HOME;rm *'");
  char a0[] = "deepdiff", a1[] = "train", a2[] = "--save-root", a3[] = "my runs/1";
  char* argv[] = {a0, a1, a2, a3};
  const std::string line = quoted_command_line(4, argv);
  CHECK(line == "deepdiff train --save-root 'my runs/1'");
  // sh itself reads the quoting back as the same arguments
  const TempDir d("deepdiff_provenance");
  const std::string cmd = "printf '%s\\n' " + shell_quote("it's $x") + " " + shell_quote("a\"b c") + " > " + d.file("out");
  REQUIRE(std::system(cmd.c_str()) == 0);
  CHECK(deepdiff::read_file(d.file("out")) == "it's $x\na\"b c\n");
}

TEST_CASE("iso8601_utc: seconds, UTC, a Z", "[programs][provenance]") {
  CHECK(iso8601_utc(std::chrono::system_clock::time_point()) == "1970-01-01T00:00:00Z");
  CHECK(iso8601_utc(std::chrono::system_clock::time_point(std::chrono::seconds(1700000000))) == "2023-11-14T22:13:20Z");
}

TEST_CASE("run_data_files and data_provenance: every file read, its size and FNV-1a 64", "[programs][provenance]") {
  const TempDir d("deepdiff_provenance");
  CHECK(run_data_files(d.path, "E003", "E123") ==
        std::vector<std::string>{"E003.train.csv", "E003.valid.csv", "E003.test.csv", "E003.expr.csv",
                                 "E123.train.csv", "E123.valid.csv", "E123.test.csv", "E123.expr.csv"});
  d.write("genes.tsv", "gene\tsymbol\tchrom\ttss\tstrand\tsplit\n");
  CHECK(run_data_files(d.path, "A", "B").back() == "genes.tsv");

  d.write("a.csv", "hello");
  d.write("b.csv", "");
  Provenance p = data_provenance(d.path + "/./", {"a.csv", "b.csv"});
  CHECK(p.data_root_absolute == std::filesystem::path(d.path + "/").lexically_normal().string());
  REQUIRE(p.files.size() == 2);
  CHECK(p.files[0].name == "a.csv");
  CHECK(p.files[0].bytes == 5);
  CHECK(p.files[0].fnv1a64 == "a430d84680aabd0b");  // FNV-1a 64 of "hello"
  CHECK(p.files[1].bytes == 0);
  CHECK(p.files[1].fnv1a64 == deepdiff::hex64(deepdiff::kFnv1a64Offset));
  CHECK_FALSE(p.prepare_json.has_value());
  d.write("prepare.json", "{}");
  p = data_provenance(d.path, {});
  REQUIRE(p.prepare_json.has_value());
  CHECK(*p.prepare_json == (std::filesystem::path(p.data_root_absolute) / "prepare.json").string());
  CHECK_THROWS_WITH(data_provenance(d.path, {"missing.csv"}), Catch::Contains("missing.csv"));

  // a relative data root becomes absolute
  const std::filesystem::path cwd = std::filesystem::current_path();
  std::filesystem::current_path(d.path);
  const Provenance rel = data_provenance(".", {"a.csv"});
  std::filesystem::current_path(cwd);
  CHECK(std::filesystem::path(rel.data_root_absolute).is_absolute());
  CHECK(rel.files[0].fnv1a64 == "a430d84680aabd0b");
}
