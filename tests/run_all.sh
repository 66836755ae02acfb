#!/usr/bin/env bash
# Every test of the project, from a fresh Debian 12 machine (run as root, or with sudo for
# the apt step). This is the README's test command and what CI runs (.ci/run).
#   1. installs what is missing (compiler, CMake, Eigen, Catch2, cxxopts, PyTorch for parity)
#   2. Release build: warnings are errors; all Catch2 tests, the installed-package test,
#      the Python tool tests, a quick smoke run of every example and benchmark, a short run of
#      the input fuzzer (tests/fuzz), and the study on a one-node Slurm cluster
#      (tests/cluster/slurm_study.sh: root; it installs slurm-wlm and munge itself; "skipped"
#      with the reason where the daemons cannot start; DEEPDIFF_SKIP_CLUSTER=1 skips it)
#   3. AddressSanitizer + UBSan build (separate directory, baseline x86-64 SIMD: GCC 12
#      misreports its own AVX-512 headers as uninitialized under the sanitizers): the tests again,
#      the fuzzer's short run included
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-2}

need=()
for p in g++ cmake make libeigen3-dev catch2 libcxxopts-dev python3-torch python3-numpy; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if ((${#need[@]})); then
  echo "== installing: ${need[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

echo "== release build (-Werror)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS="-Werror" >/dev/null
cmake --build build -j"$JOBS"
(cd build && ctest --output-on-failure -j"$JOBS")

echo "== sanitizer build (ASan + UBSan)"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDEEPDIFF_SANITIZE=ON -DDEEPDIFF_NATIVE=OFF \
  -DDEEPDIFF_BUILD_EXAMPLES=OFF -DDEEPDIFF_BUILD_BENCHMARKS=OFF -DCMAKE_CXX_FLAGS="-Werror" >/dev/null
cmake --build build-asan -j"$JOBS"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --output-on-failure -j"$JOBS" -LE "install|python")
echo "== all tests passed"
