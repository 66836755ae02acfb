#!/usr/bin/env bash
# The portable deepdiff against a -march=native build of the same source, in one run: the
# training time of the same runs (metrics.json timings.epoch_seconds_total: the epochs'
# training and validation, not the loading), interleaved (native, portable, portable's avx2
# copy) and repeated, for raw_d and raw_aux_siamese, fp32 and bf16, 1 and 2 threads. Prints the
# median seconds, portable / native and avx2 / native, and whether the portable binary wrote the
# same checkpoint.bin and predictions.csv bytes as the native one.
#
# usage: tools/bench_portable.sh NATIVE PORTABLE [WORK_DIR] [REPS]
#   NATIVE    a deepdiff built with -DDEEPDIFF_PORTABLE=OFF (-march=native), e.g.
#             cmake -S . -B /tmp/build-native -DDEEPDIFF_PORTABLE=OFF -DDEEPDIFF_BUILD_TESTS=OFF \
#               -DDEEPDIFF_BUILD_BENCHMARKS=OFF && make -C /tmp/build-native deepdiff_cli
#   PORTABLE  the default build's build/examples/deepdiff
# docs/benchmarks.md, "Portable binaries", has the figures of this machine.
set -euo pipefail
NATIVE=$1
PORTABLE=$2
WORK=${3:-/tmp/bench_portable}
REPS=${4:-3}
mkdir -p "$WORK"
echo "native:   $("$NATIVE" --version)"
echo "portable: $("$PORTABLE" --version)"
[ -d "$WORK/data" ] || "$PORTABLE" synth --out "$WORK/data" --genes 2000 --bins 200 --seed 5 >/dev/null
seconds() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["timings"]["epoch_seconds_total"])' "$1"; }
median() { python3 -c 'import statistics,sys; print("%.3f" % statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }
printf '%-16s %-5s %-4s %9s %9s %9s %8s %8s %s\n' model prec thr native portable avx2 "p/n" "avx2/n" "portable bytes"
for model in raw_d raw_aux_siamese; do
  for prec in fp32 bf16; do
    for thr in 1 2; do
      n=() p=() a=()
      for ((r = 1; r <= REPS; ++r)); do
        for which in native portable avx2; do
          out="$WORK/$model.$prec.$thr.$which"
          case $which in
            native) cmd=("$NATIVE") ;;
            portable) cmd=("$PORTABLE") ;;
            avx2) cmd=(env DEEPDIFF_KERNELS=avx2 "$PORTABLE") ;;
          esac
          "${cmd[@]}" train --data-root "$WORK/data" --save-root "$out" --model-name "$model" --precision "$prec" \
            --epochs 2 --lr 1e-3 --threads "$thr" --fixed-threads --no-plots --no-report --quiet --force \
            >/dev/null 2>>"$WORK/stderr.log"  # (the avx2 copy notes once per bf16 run that it emulates bf16)
          s=$(seconds "$out/metrics.json")
          case $which in native) n+=("$s") ;; portable) p+=("$s") ;; avx2) a+=("$s") ;; esac
        done
      done
      base="$WORK/$model.$prec.$thr"
      same=differ
      cmp -s "$base.native/checkpoint.bin" "$base.portable/checkpoint.bin" &&
        cmp -s "$base.native/predictions.csv" "$base.portable/predictions.csv" && same=same
      mn=$(median "${n[@]}") mp=$(median "${p[@]}") ma=$(median "${a[@]}")
      printf '%-16s %-5s %-4s %9s %9s %9s %8s %8s %s\n' "$model" "$prec" "$thr" "$mn" "$mp" "$ma" \
        "$(python3 -c "print('%.3f' % ($mp / $mn))")" "$(python3 -c "print('%.3f' % ($ma / $mn))")" "$same"
    done
  done
done
