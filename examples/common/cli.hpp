// Command-line plumbing shared by the example programs: usage errors (exit code 2) and a
// strict cxxopts parse that rejects stray arguments.
#pragma once

#include <cxxopts.hpp>

#include <iostream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace deepdiff_cli {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline cxxopts::ParseResult parse_options(cxxopts::Options& o, int argc, char** argv) {
  try {
    o.allow_unrecognised_options();
    cxxopts::ParseResult r = o.parse(argc, argv);
    if (!r.unmatched().empty()) throw UsageError("unexpected argument '" + r.unmatched().front() + "'");
    return r;
  } catch (const cxxopts::exceptions::incorrect_argument_type& e) {
    // cxxopts names the value only ("Argument 'nan' failed to parse"): name the flag too. The
    // value is matched with its quotes (cxxopts writes them as U+2018/U+2019, or ' on Windows):
    // a bare substring match blamed `--out o` for `--bins 4294967298` ("o" is in "Argument").
    const std::string what = e.what();
    auto quoted = [&what](const std::string& v) {
      return what.find("\u2018" + v + "\u2019") != std::string::npos || what.find("'" + v + "'") != std::string::npos;
    };
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      const std::size_t eq = a.find('=');
      const bool inline_value = a.rfind("--", 0) == 0 && eq != std::string::npos && eq + 1 < a.size() &&
                                quoted(a.substr(eq + 1));
      const bool next_value = a.rfind("--", 0) == 0 && eq == std::string::npos && i + 1 < argc && quoted(argv[i + 1]);
      if (inline_value) throw UsageError(a.substr(0, eq) + ": '" + a.substr(eq + 1) + "' is not a valid value");
      if (next_value) throw UsageError(a + ": '" + argv[i + 1] + "' is not a valid value");
    }
    throw UsageError(what);
  } catch (const cxxopts::exceptions::exception& e) {
    throw UsageError(e.what());
  }
}

// The items of a comma-separated flag value (--genes, --split, --gene-types, ...); empty items dropped.
inline std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

// A command of one positional RUN_DIR (report, score-attention): declares it, parses, prints
// the help (then nullopt) or checks that exactly one RUN_DIR was given and returns it.
inline std::optional<std::string> parse_run_dir_command(cxxopts::Options& o, int argc, char** argv,
                                                        cxxopts::ParseResult& r) {
  o.add_options()("run_dir", "", cxxopts::value<std::vector<std::string>>());
  o.parse_positional({"run_dir"});
  o.positional_help("RUN_DIR");
  r = parse_options(o, argc, argv);
  if (r.count("help")) {
    std::cout << o.help({""}) << "\n";
    return std::nullopt;
  }
  if (!r.count("run_dir")) throw UsageError("RUN_DIR is required (the --save-root of a training run)");
  const std::vector<std::string> dirs = r["run_dir"].as<std::vector<std::string>>();
  if (dirs.size() != 1) throw UsageError("one RUN_DIR, not " + std::to_string(dirs.size()));
  return dirs[0];
}

}  // namespace deepdiff_cli
