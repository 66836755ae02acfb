// Tests of include/deepdiff/kernels/isa.hpp. The portable programs' dispatch on real and
// emulated CPUs is tested end to end by tests/cli/test_portable.sh (and the module's by
// tests/python/test_portable.py); here the names, the choice and the CPU query.
#include <catch2/catch.hpp>

#include <deepdiff/kernels/isa.hpp>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

using namespace deepdiff::kernels;

namespace {

// The CPU's flags as Linux reports them (empty elsewhere).
std::set<std::string> cpu_flags() {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("flags", 0) != 0) continue;
    std::istringstream words(line.substr(line.find(':') + 1));
    std::set<std::string> s;
    for (std::string w; words >> w;) s.insert(w);
    return s;
  }
  return {};
}

}  // namespace

TEST_CASE("isa: level names round-trip, unknown names are refused", "[kernels][isa]") {
  for (IsaLevel l : all_isa_levels()) CHECK(parse_isa_level(isa_level_name(l)) == l);
  CHECK_THROWS_WITH(parse_isa_level("sse4"), Catch::Contains("'sse4' is not one of avx512bf16, avx512, avx2"));
  CHECK(all_isa_levels().front() == IsaLevel::avx512bf16);  // widest first: the order of the dispatch
}

TEST_CASE("isa: compiled_isa names this build's target, and a non-portable build is no copy", "[kernels][isa]") {
#if defined(__AVX512F__)
  CHECK(std::string(compiled_isa()).rfind("AVX-512", 0) == 0);
#elif defined(__AVX2__)
  CHECK(std::string(compiled_isa()).rfind("AVX2", 0) == 0);
#else
  CHECK(std::string(compiled_isa()).find("AVX") == std::string::npos);
#endif
  CHECK(portable_copy().empty());
}

TEST_CASE("isa: cpu_supports agrees with the flags Linux reports", "[kernels][isa]") {
  const std::set<std::string> f = cpu_flags();
  if (f.empty()) return;  // not Linux: nothing to compare with
  auto has = [&](const char* x) { return f.count(x) > 0; };
  const bool v3 = has("avx2") && has("fma") && has("bmi2") && has("movbe") && has("f16c");
  const bool v4 = v3 && has("avx512f") && has("avx512bw") && has("avx512cd") && has("avx512dq") && has("avx512vl");
  CHECK(cpu_supports(IsaLevel::avx2) == v3);
  CHECK(cpu_supports(IsaLevel::avx512) == v4);
  CHECK(cpu_supports(IsaLevel::avx512bf16) == (v4 && has("avx512_bf16")));
}

TEST_CASE("isa: choose_isa_level takes the widest copy the CPU runs, or the one asked for, never another",
          "[kernels][isa]") {
  std::vector<IsaLevel> runnable;
  for (IsaLevel l : all_isa_levels())
    if (cpu_supports(l)) runnable.push_back(l);
  if (!runnable.empty()) {
    CHECK(choose_isa_level(all_isa_levels(), nullptr) == runnable.front());
    CHECK(choose_isa_level(all_isa_levels(), "") == runnable.front());
    CHECK(choose_isa_level(all_isa_levels(), isa_level_name(runnable.back())) == runnable.back());
  }
  // a copy the build lacks: named, with the copies it has
  CHECK_THROWS_AS(choose_isa_level({IsaLevel::avx2}, "avx512"), std::invalid_argument);
  CHECK_THROWS_WITH(choose_isa_level({IsaLevel::avx512bf16, IsaLevel::avx2}, "sse"),
                    "DEEPDIFF_KERNELS=sse: this build has the copies avx512bf16, avx2");
  // a copy this CPU cannot run: refused, not replaced by one it can
  for (IsaLevel l : all_isa_levels())
    if (!cpu_supports(l))
      CHECK_THROWS_WITH(choose_isa_level(all_isa_levels(), isa_level_name(l)), Catch::Contains("this CPU lacks"));
  // no copy at all fits (here: none given): says what the oldest would need
  CHECK_THROWS_AS(choose_isa_level({}, nullptr), std::runtime_error);
}

TEST_CASE("isa: run_copy_initializers calls each entry once, in order, with the arguments", "[kernels][isa]") {
  static std::string order;
  static int seen_argc = 0;
  order.clear();
  const CopyInitializer fs[] = {[](int argc, char**, char**) { order += 'a', seen_argc = argc; },
                                [](int, char**, char**) { order += 'b'; }};
  run_copy_initializers(fs, fs + 2, 7, nullptr, nullptr);
  CHECK(order == "ab");
  CHECK(seen_argc == 7);
  run_copy_initializers(nullptr, nullptr, 0, nullptr, nullptr);  // a copy without initializers
  CHECK(order == "ab");
}

TEST_CASE("isa: enter_copy runs the chosen copy's initializers and returns its entry", "[kernels][isa]") {
  static std::string ran;
  ran.clear();
  const CopyInitializer wide[] = {[](int, char**, char**) { ran += "wide"; }};
  const CopyInitializer avx2[] = {[](int, char**, char**) { ran += "avx2"; }};
  const std::vector<PortableCopy<int>> copies = {{IsaLevel::avx512bf16, 1, wide, wide + 1},
                                                 {IsaLevel::avx2, 2, avx2, avx2 + 1}};
  if (cpu_supports(IsaLevel::avx2)) {
    CHECK(enter_copy(copies, "avx2", 0, nullptr, nullptr) == 2);
    CHECK(ran == "avx2");  // only the chosen copy's
  }
  ran.clear();
  CHECK_THROWS_AS(enter_copy(copies, "avx512", 0, nullptr, nullptr), std::invalid_argument);
  CHECK(ran.empty());  // a refused copy runs nothing
}
