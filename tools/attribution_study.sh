#!/usr/bin/env bash
# The planted-truth study of docs/results.md ("Attention and attributions against a planted
# truth"): per synthetic rule and seed, a 1,000-gene stand-in (T = 200), raw_d and
# raw_aux_siamese trained with the shortened recipe (15 epochs, lr 1e-3), then integrated
# gradients and gradient x input on the 200 test genes (per bin), then score-attention (beta,
# alpha, IG, gradient x input against synth's truth_marks.csv / truth_bins.csv).
#
#   tools/attribution_study.sh build/examples/deepdiff OUT_DIR [SEEDS (1,2,3)] [RULES (additive,combinatorial)]
#
# Finished steps are not redone (rerun after an interruption). Scores: OUT_DIR/RULE-sSEED-VARIANT/attention_scores.json;
# at the end the table of docs/results.md (mean and sd over seeds of each score) on stdout and
# in OUT_DIR/table.md.
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
      "$BIN" score-attention "$run" --truth "$data" > "$run/score.txt"
      echo "$rule seed $seed $v done"
    done
  done
done

# The table: per rule, variant and method, mean (sd over seeds) of the per-seed means.
python3 - "$OUT" "$SEEDS" "$RULES" <<'PY' | tee "$OUT/table.md"
import json, statistics, sys
out, seeds, rules = sys.argv[1], sys.argv[2].split(","), sys.argv[3].split(",")
def cell(vals):
    vals = [v for v in vals if v is not None]
    if not vals:
        return "-"
    if len(vals) == 1:
        return "%.3f" % vals[0]
    return "%.3f (%.3f)" % (statistics.mean(vals), statistics.stdev(vals))
print("| rule | variant | test PCC | explanation | mark AUROC | bin AUROC | rank of H3K9me3 (1 = top) |")
print("|---|---|---:|---|---:|---:|---:|")
for rule in rules:
    for v in ("raw_d", "raw_aux_siamese"):
        runs = ["%s/%s-s%s-%s" % (out, rule, s, v) for s in seeds]
        pcc = [json.load(open(r + "/metrics.json"))["test"]["pcc"] for r in runs]
        scores = [json.load(open(r + "/attention_scores.json")) for r in runs]
        for i, m in enumerate(("beta", "alpha", "ig", "grad_input")):
            def get(j, key):
                for x in j["methods"]:
                    if x["method"] == m:
                        if key == "rank":
                            r = x.get("noise_mark_rank") or {}
                            return r["H3K9me3"]["mean"] if "H3K9me3" in r else None
                        return (x.get(key) or {}).get("mean")
                return None
            print("| %s | %s | %s | %s | %s | %s | %s |" % (rule if i == 0 else "", v if i == 0 else "",
                  cell(pcc) if i == 0 else "", m, cell([get(j, "mark_auroc") for j in scores]),
                  cell([get(j, "bin_auroc") for j in scores]), cell([get(j, "rank") for j in scores])))
PY
