// The x86-64 instruction sets the kernels are compiled for, and what the running CPU has.
//
//   compiled_isa()          the vector instructions this translation unit targets (its -march):
//                           "AVX-512 + AVX512_BF16", "AVX-512", "AVX2", "SSE2", ...
//   IsaLevel                the levels a portable build compiles a copy of its programs for:
//                           avx512bf16 (x86-64-v4 + AVX512_BF16), avx512 (x86-64-v4), avx2
//                           (x86-64-v3: AVX2, FMA, BMI2)
//   cpu_supports(level)     whether this CPU (and its OS, which must save the wider registers)
//                           runs code of that level: GCC's __builtin_cpu_supports, which asks
//                           CPUID and XGETBV once per process
//
// The library is header-only and compiles for whatever its user targets; this header only
// names it. The programs and the Python module of a portable build (examples/CMakeLists.txt,
// setup.py) hold one copy of themselves per level and run the widest copy the CPU supports
// (examples/dispatch_main.cpp): a binary built on an AVX-512 login node then runs on an AVX2
// compute node instead of dying with SIGILL.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

// A portable build compiles each copy with DEEPDIFF_PORTABLE_COPY=<level> and
// DEEPDIFF_PORTABLE_LEVELS="<its levels, widest first, comma-separated>". A copy compiled
// without its level's instructions would be a copy only in name, so it does not compile.
#ifdef DEEPDIFF_PORTABLE_COPY
#define DEEPDIFF_ISA_LEVEL_avx512bf16 1
#define DEEPDIFF_ISA_LEVEL_avx512 2
#define DEEPDIFF_ISA_LEVEL_avx2 3
#define DEEPDIFF_ISA_CAT_(a, b) a##b
#define DEEPDIFF_ISA_CAT(a, b) DEEPDIFF_ISA_CAT_(a, b)
#define DEEPDIFF_ISA_STR_(x) #x
#define DEEPDIFF_ISA_STR(x) DEEPDIFF_ISA_STR_(x)
#define DEEPDIFF_ISA_COPY_LEVEL DEEPDIFF_ISA_CAT(DEEPDIFF_ISA_LEVEL_, DEEPDIFF_PORTABLE_COPY)
#if DEEPDIFF_ISA_COPY_LEVEL == 1 && !(defined(__AVX512F__) && defined(__AVX512DQ__) && defined(__AVX512BF16__))
#error "the avx512bf16 copy needs -march=x86-64-v4 -mavx512bf16"
#elif DEEPDIFF_ISA_COPY_LEVEL == 2 && !(defined(__AVX512F__) && defined(__AVX512DQ__))
#error "the avx512 copy needs -march=x86-64-v4"
#elif DEEPDIFF_ISA_COPY_LEVEL == 3 && !(defined(__AVX2__) && defined(__FMA__))
#error "the avx2 copy needs -march=x86-64-v3"
#elif DEEPDIFF_ISA_COPY_LEVEL < 1 || DEEPDIFF_ISA_COPY_LEVEL > 3
#error "DEEPDIFF_PORTABLE_COPY is not one of avx512bf16, avx512, avx2"
#endif
#ifndef DEEPDIFF_PORTABLE_LEVELS
#error "DEEPDIFF_PORTABLE_LEVELS: a copy names the levels of its build"
#endif
#endif

namespace deepdiff::kernels {

// "copy avx2 of avx512bf16, avx2" in a copy of a portable build, else "".
inline std::string portable_copy() {
#ifdef DEEPDIFF_PORTABLE_COPY
  std::string levels = DEEPDIFF_PORTABLE_LEVELS;
  for (std::size_t i = levels.find(','); i != std::string::npos; i = levels.find(',', i + 2)) levels.replace(i, 1, ", ");
  return std::string("copy ") + DEEPDIFF_ISA_STR(DEEPDIFF_PORTABLE_COPY) + " of " + levels;
#else
  return "";
#endif
}

inline const char* compiled_isa() {
#if defined(__AVX512F__) && defined(__AVX512BF16__)
  return "AVX-512 + AVX512_BF16";
#elif defined(__AVX512F__)
  return "AVX-512";
#elif defined(__AVX2__) && defined(__FMA__)
  return "AVX2 + FMA";
#elif defined(__AVX2__)
  return "AVX2";
#elif defined(__AVX__)
  return "AVX";
#elif defined(__SSE4_2__)
  return "SSE4.2";
#elif defined(__SSE2__)
  return "SSE2";
#else
  return "no x86 vector instructions";
#endif
}

// Widest first: the order in which a portable build tries its copies.
enum class IsaLevel { avx512bf16, avx512, avx2 };

inline const std::vector<IsaLevel>& all_isa_levels() {
  static const std::vector<IsaLevel> v = {IsaLevel::avx512bf16, IsaLevel::avx512, IsaLevel::avx2};
  return v;
}

inline const char* isa_level_name(IsaLevel l) {
  switch (l) {
    case IsaLevel::avx512bf16: return "avx512bf16";
    case IsaLevel::avx512: return "avx512";
    case IsaLevel::avx2: return "avx2";
  }
  return "?";
}

// What a CPU needs for the level, in words (for the message of a CPU that has none).
inline const char* isa_level_needs(IsaLevel l) {
  switch (l) {
    case IsaLevel::avx512bf16: return "AVX-512 (F, BW, CD, DQ, VL) and AVX512_BF16";
    case IsaLevel::avx512: return "AVX-512 (F, BW, CD, DQ, VL)";
    case IsaLevel::avx2: return "AVX2, FMA and BMI2 (x86-64-v3: Intel Haswell, AMD Excavator and later)";
  }
  return "?";
}

// "avx512bf16", "avx512" or "avx2"; anything else throws std::invalid_argument.
inline IsaLevel parse_isa_level(const std::string& s) {
  for (IsaLevel l : all_isa_levels())
    if (s == isa_level_name(l)) return l;
  throw std::invalid_argument("'" + s + "' is not one of avx512bf16, avx512, avx2");
}

// The level names are GCC's (12 and later), matching -march=x86-64-v3 / -v4 exactly; clang
// asks for the features that its -march levels use.
inline bool cpu_supports(IsaLevel l) {
#if defined(__clang__) && defined(__x86_64__)
  const bool v3 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("bmi2") &&
                  __builtin_cpu_supports("f16c") && __builtin_cpu_supports("movbe");
  const bool v4 = v3 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                  __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512dq") &&
                  __builtin_cpu_supports("avx512vl");
  switch (l) {
    case IsaLevel::avx512bf16: return v4 && __builtin_cpu_supports("avx512bf16");
    case IsaLevel::avx512: return v4;
    case IsaLevel::avx2: return v3;
  }
#elif defined(__GNUC__) && defined(__x86_64__)
  switch (l) {
    case IsaLevel::avx512bf16: return __builtin_cpu_supports("x86-64-v4") && __builtin_cpu_supports("avx512bf16");
    case IsaLevel::avx512: return __builtin_cpu_supports("x86-64-v4");
    case IsaLevel::avx2: return __builtin_cpu_supports("x86-64-v3");
  }
#else
  (void)l;
#endif
  return false;
}

// A sealed copy's static initializers (the constructors of its namespace-scope objects: a
// library's regexes, iostream's init). The build moves them out of .init_array, where the
// loader would run them at start-up whatever the CPU, into the section deepdiff_init_<level>,
// and the dispatcher runs the chosen copy's before entering it, as the loader would have:
// each entry with (argc, argv, envp), in order. DEEPDIFF_COPY_INITIALIZERS(level) declares
// the linker's bounds of that section (weak: a copy without initializers has none).
using CopyInitializer = void (*)(int, char**, char**);

inline void run_copy_initializers(const CopyInitializer* begin, const CopyInitializer* end, int argc, char** argv,
                                  char** envp) {
  for (; begin && begin != end; ++begin) (*begin)(argc, argv, envp);
}

#define DEEPDIFF_COPY_INITIALIZERS(level)                                                                    \
  extern "C" const ::deepdiff::kernels::CopyInitializer __start_deepdiff_init_##level[] __attribute__((weak)); \
  extern "C" const ::deepdiff::kernels::CopyInitializer __stop_deepdiff_init_##level[] __attribute__((weak));

// Which of a portable build's copies to run (`available`: its levels, widest first): the one
// `requested` names (DEEPDIFF_KERNELS; null or empty: none), else the widest this CPU supports.
// A requested copy the build lacks or the CPU cannot run throws std::invalid_argument, never
// falls back; a CPU that runs no copy throws std::runtime_error saying what it lacks.
inline IsaLevel choose_isa_level(const std::vector<IsaLevel>& available, const char* requested) {
  std::string names;
  for (IsaLevel l : available) names += (names.empty() ? "" : ", ") + std::string(isa_level_name(l));
  if (requested && *requested) {
    for (IsaLevel l : available) {
      if (requested != std::string(isa_level_name(l))) continue;
      if (!cpu_supports(l))
        throw std::invalid_argument(std::string("DEEPDIFF_KERNELS=") + requested + ": this CPU lacks " + isa_level_needs(l));
      return l;
    }
    throw std::invalid_argument(std::string("DEEPDIFF_KERNELS=") + requested + ": this build has the copies " + names);
  }
  for (IsaLevel l : available)
    if (cpu_supports(l)) return l;
  throw std::runtime_error("this CPU cannot run any copy of this build (" + names + "); the oldest needs " +
                           (available.empty() ? std::string("-") : isa_level_needs(available.back())));
}

// One copy of a portable build: its level, its entry point (a program's main, the Python
// module's init), the bounds of its initializers. DEEPDIFF_PORTABLE_COPY_ENTRY(avx2, prefix_)
// is {IsaLevel::avx2, prefix_avx2, and the bounds of deepdiff_init_avx2}.
template <class Entry>
struct PortableCopy {
  IsaLevel level;
  Entry entry;
  const CopyInitializer *init_begin, *init_end;
};

#define DEEPDIFF_PORTABLE_COPY_ENTRY(level, prefix)                                                   \
  {                                                                                                 \
    ::deepdiff::kernels::IsaLevel::level, prefix##level, __start_deepdiff_init_##level, __stop_deepdiff_init_##level \
  }

// The entry of the copy to run (choose_isa_level over `copies`, widest first; it throws as that
// does), after its static initializers have run with (argc, argv, envp).
template <class Entry>
Entry enter_copy(const std::vector<PortableCopy<Entry>>& copies, const char* requested, int argc, char** argv,
                 char** envp) {
  std::vector<IsaLevel> levels;
  for (const PortableCopy<Entry>& c : copies) levels.push_back(c.level);
  const IsaLevel run = choose_isa_level(levels, requested);
  for (const PortableCopy<Entry>& c : copies) {
    if (c.level != run) continue;
    run_copy_initializers(c.init_begin, c.init_end, argc, argv, envp);
    return c.entry;
  }
  throw std::logic_error("choose_isa_level chose a level it was not given");
}

}  // namespace deepdiff::kernels

// A dispatcher's build defines DEEPDIFF_COPY_<LEVEL>=1 for each copy it holds: the bounds of
// those copies' initializers, at global scope, where DEEPDIFF_PORTABLE_COPY_ENTRY names them.
#if DEEPDIFF_COPY_AVX512BF16
DEEPDIFF_COPY_INITIALIZERS(avx512bf16)
#endif
#if DEEPDIFF_COPY_AVX512
DEEPDIFF_COPY_INITIALIZERS(avx512)
#endif
#if DEEPDIFF_COPY_AVX2
DEEPDIFF_COPY_INITIALIZERS(avx2)
#endif
