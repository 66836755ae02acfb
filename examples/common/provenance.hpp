// Where a run came from, for metrics.json's "provenance" (common/metrics.hpp): the command as it
// was typed (shell-quoted, so it can be pasted back), its start in UTC, and the data files it
// read with their sizes and FNV-1a 64 checksums (io/checksum.hpp, the one prepare records for
// its inputs), so a result can be traced to the very bytes it was trained on.
#pragma once

#include <deepdiff/data/dataset.hpp>
#include <deepdiff/io/checksum.hpp>
#include <deepdiff/io/read_file.hpp>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "metrics.hpp"

namespace deepdiff_cli {

// One argument as POSIX sh reads it back: bare when it holds only characters the shell leaves
// alone, else in single quotes (a ' inside written '\'').
inline std::string shell_quote(const std::string& a) {
  const auto plain = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string("@%+=:,./_-").find(c) != std::string::npos;
  };
  bool bare = !a.empty();
  for (char c : a) bare = bare && plain(c);
  if (bare) return a;
  std::string q = "'";
  for (char c : a) {
    if (c == '\'') q += "'\\''";
    else q += c;
  }
  return q + "'";
}

// The whole command, argv[0] included, each argument shell-quoted.
inline std::string quoted_command_line(int argc, char** argv) {
  std::string s;
  for (int i = 0; i < argc; ++i) s += (i ? " " : "") + shell_quote(argv[i]);
  return s;
}

// ISO 8601 in UTC to the second: 2024-05-01T12:34:56Z.
inline std::string iso8601_utc(std::chrono::system_clock::time_point t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// The files of DATA_ROOT a run of the cells reads: each cell's train, valid and test marks and
// its expression table, then genes.tsv when there is one (its names go into the predictions).
inline std::vector<std::string> run_data_files(const std::string& data_root, const std::string& cell1,
                                               const std::string& cell2) {
  std::vector<std::string> names;
  for (const std::string& cell : {cell1, cell2}) {
    for (const char* split : {"train", "valid", "test"}) names.push_back(cell + "." + split + ".csv");
    names.push_back(cell + ".expr.csv");
  }
  if (deepdiff::file_exists((std::filesystem::path(data_root) / "genes.tsv").string())) names.push_back("genes.tsv");
  return names;
}

// The provenance of a run reading `files` of data_root (version, commit, command and start are
// the caller's). Reads every file once more, in blocks, for its checksum.
inline Provenance data_provenance(const std::string& data_root, const std::vector<std::string>& files) {
  namespace fs = std::filesystem;
  Provenance p;
  const fs::path root = fs::absolute(fs::path(data_root)).lexically_normal();
  p.data_root_absolute = root.string();
  for (const std::string& name : files) {
    const std::string path = (root / name).string();
    DataFileRecord f;
    f.name = name;
    f.bytes = static_cast<long long>(fs::file_size(path));
    f.fnv1a64 = deepdiff::hex64(deepdiff::fnv1a64_file(path));
    p.files.push_back(f);
  }
  const fs::path prepare = root / "prepare.json";
  if (deepdiff::file_exists(prepare.string())) p.prepare_json = prepare.string();
  return p;
}

}  // namespace deepdiff_cli
