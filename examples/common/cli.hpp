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
  } catch (const cxxopts::exceptions::exception& e) {
    throw UsageError(e.what());
  }
}

}  // namespace deepdiff_cli
