#!/usr/bin/env bash
# The portable programs (cmake/portable.cmake, examples/dispatch_main.cpp): each sealed copy
# exports its entry point and nothing else; the dispatcher runs the widest copy this CPU has,
# DEEPDIFF_KERNELS picks one or is refused with the reason; and on emulated older CPUs (qemu-user:
# an AVX2 Haswell without AVX-512, a Nehalem without AVX) the binary runs its avx2 copy with the
# numbers that copy gives here, or says what the CPU lacks, never dies with SIGILL. A control
# proves the emulation would show a SIGILL: an x86-64-v4 program dies under the Haswell CPU.
# usage: test_portable.sh DEEPDIFF WORK_DIR CXX LEVELS SEALED_OBJECT...
#   LEVELS: the build's copies, comma-separated, widest first (DEEPDIFF_PORTABLE_LEVELS)
set -u
BIN=$1
WORK=$2
CXX=$3
LEVELS=$4
shift 4
rm -rf "$WORK" && mkdir -p "$WORK"
source "$(dirname "$0")/lib.sh"

# --- each sealed copy defines one global symbol: its entry point ---
# (and OpenMP's locks of named critical sections, common data that every object shares by
# design: .gomp_critical_user_NAME)
for obj in "$@"; do
  level=$(basename "$obj" | sed -E 's/^.*_(avx512bf16|avx512|avx2)\.sealed\.o$/\1/')
  globals=$(nm -g --defined-only "$obj" | awk '{print $3}' | grep -v '^\.gomp_critical_user_')
  [ "$globals" = "deepdiff_main_$level" ] && ok || bad "$obj exports more than deepdiff_main_$level: $(echo "$globals" | head -5)"
done

# --- natively: the widest copy this CPU runs, and DEEPDIFF_KERNELS ---
widest=""
IFS=, read -r -a levels <<< "$LEVELS"
flags=$(grep -m1 '^flags' /proc/cpuinfo)
has() { [[ " $flags " == *" $1 "* ]]; }
v4() { has avx512f && has avx512bw && has avx512cd && has avx512dq && has avx512vl; }
for l in "${levels[@]}"; do
  case $l in
    avx512bf16) v4 && has avx512_bf16 && { widest=$l; break; } ;;
    avx512) v4 && { widest=$l; break; } ;;
    avx2) has avx2 && has fma && has bmi2 && { widest=$l; break; } ;;
  esac
done
if [ -n "$widest" ]; then
  expect 0 "$BIN" --version;  contains "portable: copy $widest of ${LEVELS//,/, })"
else
  expect 1 "$BIN" --version;  contains "this CPU cannot run any copy of this build"
fi
expect 2 env DEEPDIFF_KERNELS=sse "$BIN" --version;  contains "DEEPDIFF_KERNELS=sse: this build has the copies ${LEVELS//,/, }"
if [[ ",$LEVELS," == *",avx2,"* ]] && has avx2 && has fma && has bmi2; then
  expect 0 env DEEPDIFF_KERNELS=avx2 "$BIN" --version;  contains "AVX2 + FMA; portable: copy avx2 of"
  # the copies compute each for its width: a small training run in each, both finishing
  expect 0 "$BIN" synth --out "$WORK/d" --genes 40 --bins 12 --seed 3
  expect 0 env DEEPDIFF_KERNELS=avx2 "$BIN" train --data-root "$WORK/d" --save-root "$WORK/native_avx2" \
    --epochs 1 --lr 1e-3 --hidden 16 --threads 1 --no-plots --no-report --quiet
fi

# --- emulated older CPUs (qemu-user) ---
QEMU=$(command -v qemu-x86_64 || true)
if [ -z "$QEMU" ]; then
  echo "SKIPPED: the emulated-CPU part (qemu-x86_64 not found; apt-get install qemu-user)"
else
  # the control: code for x86-64-v4 dies with SIGILL on the emulated Haswell
  printf '%s\n' '#include <cstdio>' 'float a[4096], b[4096];' \
    'int main(int argc, char**) { for (int i = 0; i < 4096; ++i) a[i] = a[i] * argc + b[i] * 2.0f;' \
    '  std::printf("%g\n", a[7]); }' > "$WORK/v4.cpp"
  "$CXX" -O3 -march=x86-64-v4 -mprefer-vector-width=512 "$WORK/v4.cpp" -o "$WORK/v4" && ok || bad "cannot build the control"
  expect 132 "$QEMU" -cpu Haswell "$WORK/v4"
  if [[ ",$LEVELS," == *",avx2,"* ]]; then
    expect 0 "$QEMU" -cpu Haswell "$BIN" --version;  contains "AVX2 + FMA; portable: copy avx2 of"
    expect 2 env DEEPDIFF_KERNELS="${levels[0]}" "$QEMU" -cpu Haswell "$BIN" --version
    [ "${levels[0]}" = avx2 ] && ok || contains "this CPU lacks AVX-512"
    if [ -d "$WORK/native_avx2" ]; then
      # the same training run on the emulated AVX2 CPU: the avx2 copy's numbers, to the bit
      expect 0 "$QEMU" -cpu Haswell "$BIN" train --data-root "$WORK/d" --save-root "$WORK/haswell" \
        --epochs 1 --lr 1e-3 --hidden 16 --threads 1 --no-plots --no-report --quiet
      cmp -s "$WORK/haswell/predictions.csv" "$WORK/native_avx2/predictions.csv" && ok \
        || bad "the emulated Haswell's predictions differ from the avx2 copy's here"
    fi
  fi
  # a CPU older than every copy: a message, exit 1, no SIGILL
  expect 1 "$QEMU" -cpu Nehalem "$BIN" --version
  contains "this CPU cannot run any copy of this build"; contains "DEEPDIFF_PORTABLE=OFF"
fi

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
