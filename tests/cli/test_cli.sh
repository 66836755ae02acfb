#!/usr/bin/env bash
# End-to-end tests of the deepdiff command: help and exit codes, synth -> train -> eval ->
# predict -> attention on a tiny synthetic pair, resume, and clear errors on bad input.
# usage: test_cli.sh PATH/TO/deepdiff WORK_DIR
set -u
BIN=$1
WORK=$2
rm -rf "$WORK" && mkdir -p "$WORK"
source "$(dirname "$0")/lib.sh"

expect 2 "$BIN"
expect 0 "$BIN" --help;                contains "commands:"
for c in synth train eval predict attention; do
  expect 0 "$BIN" "$c" --help;         contains "--"
done
expect 0 "$BIN" train --help;          contains "model-name"; contains "default: 120"
expect 2 "$BIN" frobnicate;            contains "unknown command"
expect 2 "$BIN" train --save-root "$WORK/x";  contains "--data-root is required"
expect 2 "$BIN" train --data-root "$WORK" --save-root "$WORK/x" --model-name rawd;  contains "unknown model name"
expect 2 "$BIN" train --data-root "$WORK" --save-root "$WORK/x" --epochs zero
expect 1 "$BIN" train --data-root "$WORK/nowhere" --save-root "$WORK/x";  contains "nowhere/Cell1.train.csv"

D="$WORK/synth"
expect 0 "$BIN" synth --genes 40 --bins 12 --seed 3 --out "$D";  contains "truth.md"
R="$WORK/run"
expect 0 "$BIN" train --data-root "$D" --save-root "$R" --epochs 2 --lr 1e-3 --hidden 4 --threads 2
contains "epoch   2/2"; contains "test PCC"
for f in checkpoint.bin state.bin metrics.json predictions.csv attention_beta.csv attention_alpha.csv \
         training_curves.svg scatter.svg attention_beta.svg attention_alpha.svg; do
  [ -s "$R/$f" ] && ok || bad "train did not write $f"
done
grep -q '"complete": true' "$R/metrics.json" && ok || bad "metrics.json not complete"
grep -q '"test"' "$R/metrics.json" && ok || bad "metrics.json has no test section"
[ "$(head -1 "$R/predictions.csv")" = "gene_id,prediction,target" ] && ok || bad "predictions.csv header: $(head -1 "$R/predictions.csv")"

# resume: two more epochs continue from state.bin
expect 0 "$BIN" train --data-root "$D" --save-root "$R" --epochs 4 --lr 1e-3 --hidden 4 --resume
contains "resumed from"; contains "epoch   4/4"
grep -q '"epoch": 4' "$R/metrics.json" && ok || bad "resumed metrics lack epoch 4"

expect 0 "$BIN" eval --checkpoint "$R/checkpoint.bin" --data-root "$D" --split test;  contains "PCC"
expect 0 "$BIN" predict --checkpoint "$R/checkpoint.bin" --data-root "$D" --split valid --out "$WORK/p.csv"
n=$(wc -l < "$WORK/p.csv"); [ "$n" -eq 9 ] && ok || bad "predict wrote $n lines, wanted 9 (8 valid genes + header)"
# new genes without expression tables: no target column
mkdir -p "$WORK/new" && cp "$D"/Cell1.test.csv "$D"/Cell2.test.csv "$WORK/new/"
expect 0 "$BIN" predict --checkpoint "$R/checkpoint.bin" --data-root "$WORK/new" --split test --out "$WORK/q.csv"
[ "$(head -1 "$WORK/q.csv")" = "gene_id,prediction" ] && ok || bad "predict without expression: header $(head -1 "$WORK/q.csv")"
expect 1 "$BIN" eval --checkpoint "$R/checkpoint.bin" --data-root "$WORK/new" --split test;  contains "expr.csv"
expect 0 "$BIN" attention --checkpoint "$R/checkpoint.bin" --data-root "$D" --split test --out-dir "$WORK/att"
for f in attention_beta_test.csv attention_alpha_test.csv attention_beta_test.svg attention_alpha_test.svg; do
  [ -s "$WORK/att/$f" ] && ok || bad "attention did not write $f"
done

# bad input: a non-numeric count names file and line; a corrupted checkpoint is refused
mkdir -p "$WORK/bad" && cp "$D"/* "$WORK/bad/"
sed -i '5s/,[0-9]*,/,abc,/' "$WORK/bad/Cell2.valid.csv"
expect 1 "$BIN" train --data-root "$WORK/bad" --save-root "$WORK/badrun" --epochs 1 --hidden 4;  contains "Cell2.valid.csv:5"
cp "$R/checkpoint.bin" "$WORK/broken.bin" && printf '\x01' | dd of="$WORK/broken.bin" bs=1 seek=200 conv=notrunc 2>/dev/null
expect 1 "$BIN" eval --checkpoint "$WORK/broken.bin" --data-root "$D";  contains "broken.bin"
expect 1 "$BIN" predict --checkpoint "$WORK/missing.bin" --data-root "$D" --out "$WORK/z.csv";  contains "missing.bin"

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
