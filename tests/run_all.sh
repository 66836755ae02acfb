#!/usr/bin/env bash
# Every test of the project, from a fresh Debian 12 machine (run as root, or with sudo for
# the apt step). This is the README's test command and what CI runs (.ci/run).
#   1. installs what is missing (compiler, CMake, Eigen, Catch2, cxxopts, PyTorch for parity, the
#      reference BLAS; pybind11, pip, venv, pytest and matplotlib for the Python package;
#      htslib/libBigWig for deepdiff prepare and the tools its tests compare against; the XGBoost
#      C library for the xgboost baseline, and scikit-learn, the XGBoost Python package and SciPy,
#      the independent implementations the baselines' and statistics' tests compare against;
#      Chromium, ChromeDriver and Selenium, the real browser the HTML reports are tested in), and
#      unpacks OpenBLAS into build/ when the machine has none: the Python tool tests run under
#      each BLAS (tests/CMakeLists.txt)
#   2. Release build: warnings are errors; all Catch2 tests, the installed-package test,
#      the gate math on all 2^32 floats in AVX-512, AVX2 and SSE builds (label exhaustive, ~90 s),
#      the Python tool tests, the Python package (pip install into build/tests/python/venv,
#      pytest, the example), a quick smoke run of every example and benchmark, a short run of
#      the input fuzzer (tests/fuzz), and the study on a one-node Slurm cluster
#      (tests/cluster/slurm_study.sh: root; it installs slurm-wlm and munge itself; "skipped"
#      with the reason where the daemons cannot start; DEEPDIFF_SKIP_CLUSTER=1 skips it)
#   3. AddressSanitizer + UBSan build (separate directory, baseline x86-64 SIMD: GCC 12
#      misreports its own AVX-512 headers as uninitialized under the sanitizers): the tests again,
#      the fuzzer's short run included
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-2}
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"

need=()
# The fourth line is for deepdiff prepare: htslib, libBigWig, nlohmann-json to build it; samtools, bedtools,
# deepTools and pyBigWig as the reference tools its tests compare against. The last: the study's baselines
# (XGBoost's C library) and their oracles (scikit-learn's Ridge, XGBoost's Python package, SciPy's Wilcoxon).
# The last: a real browser (headless Chromium driven by Selenium) for the HTML reports' tests (label browser),
# and qemu-user, which emulates CPUs older than this one (an AVX2 Haswell, a Nehalem without AVX) so that the
# portable programs and module are seen to run there, or to say why not, instead of dying with SIGILL.
for p in g++ cmake make libeigen3-dev catch2 libcxxopts-dev python3-torch python3-numpy libblas3 liblapack3 \
         python3-dev python3-venv python3-pip python3-setuptools python3-wheel python3-pybind11 pybind11-dev \
         python3-pytest python3-matplotlib \
         libhts-dev libbigwig-dev nlohmann-json3-dev pkg-config samtools bedtools python3-deeptools python3-pybigwig \
         libxgboost-dev python3-xgboost python3-sklearn python3-scipy \
         chromium chromium-driver python3-selenium qemu-user; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if ((${#need[@]})); then
  echo "== installing: ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# OpenBLAS for the second run of the Python tests. Unpacked, not installed: installing it would
# make it the BLAS of every program on this machine.
arch=$(gcc -print-multiarch)
if ! ls /usr/lib/"$arch"/openblas-*/libblas.so.3 >/dev/null 2>&1 &&
   [ ! -e build/_deps/openblas/usr/lib/"$arch"/openblas-openmp/libblas.so.3 ]; then
  echo "== unpacking OpenBLAS into build/_deps (for the Python tests under a second BLAS)"
  mkdir -p build/_deps
  (cd build/_deps && { apt-get download -qq libopenblas0-openmp 2>/dev/null ||
    { $SUDO apt-get update -qq && apt-get download -qq libopenblas0-openmp; }; } &&
    dpkg -x libopenblas0-openmp_*.deb openblas && rm -f libopenblas0-openmp_*.deb) ||
    echo "   could not fetch libopenblas0-openmp: the OpenBLAS run of the Python tests will report skipped"
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
  ctest --output-on-failure -j"$JOBS" -LE "install|python|headers")
echo "== all tests passed"
