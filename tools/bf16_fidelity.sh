#!/usr/bin/env bash
# What --precision bf16 costs in accuracy (docs/results.md, "bf16 against fp32"): the same runs
# in fp32 and in bf16, then the tables.
#   1. Synthetic pairs (deepdiff synth, GENES genes, T = 200), per rule and seed: raw_d and
#      raw_aux_siamese with the shortened recipe (15 epochs, lr 1e-3), test PCC in both.
#   2. The real sample (data/sample, K562 vs H1): all seven variants, the published recipe
#      (120 epochs, lr 1e-4), test PCC in both, for each of SAMPLE_SEEDS.
#   3. Every fp32 checkpoint above predicting its test genes in bf16: |delta y| against its
#      fp32 predictions.
#
#   [JOBS=2] [SAMPLE_SEEDS=1] tools/bf16_fidelity.sh build/examples/deepdiff OUT_DIR [SEEDS (1,2,3)] [RULES (additive,combinatorial)] [GENES (1000)]
#
# One thread per run (the results do not depend on it); JOBS runs at a time (default 1), the
# longest first. Finished runs are not redone (rerun after an interruption). The tables go to
# stdout and OUT_DIR/table.md.
set -euo pipefail
BIN=$1
OUT=$2
SEEDS=${3:-1,2,3}
RULES=${4:-additive,combinatorial}
GENES=${5:-1000}
JOBS=${JOBS:-1}
SAMPLE_SEEDS=${SAMPLE_SEEDS:-1}
SAMPLE=${SAMPLE:-$(cd "$(dirname "$0")/.." && pwd)/data/sample}
for path in "$OUT" "$SAMPLE"; do  # the run lines below are split on spaces
  case "$path" in *[[:space:]]*) echo "bf16_fidelity.sh: paths must not contain spaces: $path" >&2; exit 2;; esac
done
mkdir -p "$OUT"

train() {  # DATA RUN_DIR PRECISION ARGS...
  local data=$1 run=$2 prec=$3
  shift 3
  [ -s "$run/metrics.json" ] && grep -q '"complete": true' "$run/metrics.json" && return 0
  "$BIN" train --data-root "$data" --save-root "$run" --precision "$prec" --threads 1 --no-report --no-plots \
    --no-alpha-csv --quiet --force "$@" > "$run.log" 2>&1 ||
    { echo "$(date +%H:%M:%S) $(basename "$run") failed: see $run.log" >&2; return 1; }
  echo "$(date +%H:%M:%S) $(basename "$run") done"
}
cross() {  # RUN_DIR DATA: the fp32 checkpoint predicting in bf16
  [ -s "$1/predictions_bf16.csv" ] ||
    "$BIN" predict --checkpoint "$1/checkpoint.bin" --data-root "$2" --precision bf16 --threads 1 --out "$1/predictions_bf16.csv" > /dev/null
}
export -f train
export BIN

# One line per training run: DATA RUN_DIR PRECISION ARGS..., the longest variants first so
# that JOBS > 1 ends together.
runs=()
add_pair() {  # DATA RUN_PREFIX VARIANT TRAIN_ARGS...: the run in fp32 and in bf16
  local data=$1 run=$2 v=$3
  shift 3
  for p in fp32 bf16; do runs+=("$data $run-$v-$p $p --model-name $v $*"); done
}
for v in raw_aux_siamese raw_d; do
  for rule in ${RULES//,/ }; do
    for seed in ${SEEDS//,/ }; do add_pair "$OUT/data-$rule-s$seed" "$OUT/$rule-s$seed" $v --epochs 15 --lr 1e-3 --seed "$seed"; done
  done
done
for v in raw_aux_siamese raw_aux raw raw_c aux aux_siamese raw_d; do
  for seed in ${SAMPLE_SEEDS//,/ }; do add_pair "$SAMPLE" "$OUT/sample-s$seed" $v --epochs 120 --lr 1e-4 --seed "$seed"; done
done

for rule in ${RULES//,/ }; do
  for seed in ${SEEDS//,/ }; do
    data="$OUT/data-$rule-s$seed"
    [ -s "$data/Cell1.test.csv" ] || "$BIN" synth --genes "$GENES" --rule "$rule" --seed "$seed" --out "$data" > /dev/null
  done
done
printf '%s\n' "${runs[@]}" | xargs -P "$JOBS" -L 1 bash -c 'train "$@"' _
for r in "${runs[@]}"; do  # every fp32 run's checkpoint predicting in bf16
  read -r data run prec _ <<< "$r"
  if [ "$prec" = fp32 ]; then cross "$run" "$data"; fi
done

python3 - "$OUT" "$SEEDS" "$RULES" "$SAMPLE_SEEDS" <<'PY' | tee "$OUT/table.md"
import csv, json, statistics, sys
out, seeds, rules, sample_seeds = sys.argv[1], sys.argv[2].split(","), sys.argv[3].split(","), sys.argv[4].split(",")
pcc = lambda run: json.load(open(f"{out}/{run}/metrics.json"))["test"]["pcc"]
sd = lambda x: statistics.stdev(x) if len(x) > 1 else float("nan")

def preds(path):
    with open(path) as f:
        rows = [r for r in csv.reader(line for line in f if not line.startswith("#"))]
    i = rows[0].index("prediction")
    return [float(r[i]) for r in rows[1:]]

deltas = []
def row(label, v, prefixes):
    f = [pcc(f"{p}-{v}-fp32") for p in prefixes]
    b = [pcc(f"{p}-{v}-bf16") for p in prefixes]
    d = [y - x for x, y in zip(f, b)]
    if len(prefixes) > 1:
        within = "yes" if abs(statistics.mean(d)) <= min(sd(f), sd(b)) else "no"
        print(f"| {label} | {v} | {statistics.mean(f):.4f} +- {sd(f):.4f} | {statistics.mean(b):.4f} +- {sd(b):.4f} "
              f"| {statistics.mean(d):+.4f} +- {sd(d):.4f} | {within} |")
    else:
        print(f"| {label} | {v} | {f[0]:.4f} | {b[0]:.4f} | {d[0]:+.4f} | (one seed) |")
    for p in prefixes:
        run = f"{out}/{p}-{v}-fp32"
        deltas.extend(abs(x - y) for x, y in zip(preds(f"{run}/predictions.csv"), preds(f"{run}/predictions_bf16.csv")))

print("| data | model | test PCC fp32 | test PCC bf16 | bf16 - fp32 (mean, sd over seeds) | within one seed-sd |")
print("|---|---|---|---|---|---|")
for rule in rules:
    for v in ["raw_d", "raw_aux_siamese"]:
        row(f"synthetic {rule}", v, [f"{rule}-s{s}" for s in seeds])
for v in ["raw_d", "raw_c", "raw", "aux", "raw_aux", "aux_siamese", "raw_aux_siamese"]:
    row("sample (K562 vs H1)", v, [f"sample-s{s}" for s in sample_seeds])
deltas.sort()
q = lambda p: deltas[min(len(deltas) - 1, int(p * len(deltas)))]
print()
print(f"fp32 checkpoints predicting in bf16, |delta y| over {len(deltas)} test predictions: median {q(0.5):.2e}, "
      f"90% {q(0.9):.2e}, 99% {q(0.99):.2e}, max {deltas[-1]:.2e}")
PY
