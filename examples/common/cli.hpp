// Command-line plumbing shared by the example programs: usage errors (exit code 2) and a
// strict cxxopts parse that rejects stray arguments.
#pragma once

#include <cxxopts.hpp>

#include <stdexcept>
#include <string>

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

}  // namespace deepdiff_cli
