#!/usr/bin/env bash
# The planted-truth study of docs/results.md ("Attention and attributions against a planted
# truth"): per synthetic rule and seed, a 1,000-gene stand-in (T = 200), raw_d and
# raw_aux_siamese trained with the shortened recipe (15 epochs, lr 1e-3), then integrated
# gradients and gradient x input on the 200 test genes (per bin), then score-attention (beta,
# alpha, IG, gradient x input against synth's truth_marks.csv / truth_bins.csv).
#
#   tools/attribution_study.sh build/examples/deepdiff OUT_DIR [SEEDS (1,2,3)] [RULES (additive,combinatorial)]
#
# Finished steps are not redone (rerun after an interruption). Scores: OUT_DIR/RULE-sSEED-VARIANT/attention_scores.json.
set -euo pipefail
BIN=$1
OUT=$2
SEEDS=${3:-1,2,3}
RULES=${4:-additive,combinatorial}
mkdir -p "$OUT"
for rule in ${RULES//,/ }; do
  for seed in ${SEEDS//,/ }; do
    data="$OUT/data-$rule-s$seed"
    [ -s "$data/truth_marks.csv" ] || "$BIN" synth --genes 1000 --rule "$rule" --seed "$seed" --out "$data" > /dev/null
    for v in raw_d raw_aux_siamese; do
      run="$OUT/$rule-s$seed-$v"
      [ -s "$run/metrics.json" ] && grep -q '"complete": true' "$run/metrics.json" ||
        "$BIN" train --data-root "$data" --save-root "$run" --model-name "$v" --epochs 15 --lr 1e-3 --seed "$seed" \
          --no-report --quiet > "$OUT/$rule-s$seed-$v.train.log" 2>&1
      for m in ig grad_input; do
        [ -s "$run/attributions_bin_$m.csv" ] ||
          "$BIN" attribute --checkpoint "$run/checkpoint.bin" --data-root "$data" --method "$m" --per-bin --quiet
      done
      if "$BIN" score-attention --help > /dev/null 2>&1; then
        "$BIN" score-attention "$run" --truth "$data" > "$run/score.txt"
      fi
      echo "$rule seed $seed $v done"
    done
  done
done
