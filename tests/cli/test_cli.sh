#!/usr/bin/env bash
# End-to-end tests of the deepdiff command: help and exit codes, synth -> train -> eval ->
# predict -> attention on a tiny synthetic pair, resume, and clear errors on bad input.
# usage: test_cli.sh PATH/TO/deepdiff WORK_DIR [HAVE_XGBOOST: ON/OFF]
set -u
BIN=$1
WORK=$2
HAVE_XGBOOST=${3:-OFF}
rm -rf "$WORK" && mkdir -p "$WORK"
source "$(dirname "$0")/lib.sh"

expect 2 "$BIN"
expect 0 "$BIN" --help;                contains "commands:"; contains "\-\-version"
# --version: the project's version and the commit of the checkout it was built from
expect 0 "$BIN" --version;             contains "^deepdiff 0\.1\.0 (commit "
SRC="$(cd "$(dirname "$0")/../.." && pwd)"
if sha=$(git -C "$SRC" rev-parse --short HEAD 2>/dev/null) && [ "$(git -C "$SRC" rev-parse --show-toplevel)" = "$SRC" ]; then
  contains "(commit $sha"
else
  contains "(commit unknown"
fi
for c in synth train eval predict attention attribute; do
  expect 0 "$BIN" "$c" --help;         contains "--"
done
expect 0 "$BIN" train --help;          contains "model-name"; contains "default: 120"
expect 2 "$BIN" frobnicate;            contains "unknown command"
expect 2 "$BIN" train --save-root "$WORK/x";  contains "--data-root is required"
expect 2 "$BIN" train --data-root "$WORK" --save-root "$WORK/x" --model-name rawd;  contains "unknown model name"
expect 2 "$BIN" train --data-root "$WORK" --save-root "$WORK/x" --epochs zero
expect 0 "$BIN" train --help;          contains "expression-scale"; contains "size-factors"
expect 2 "$BIN" train --data-root "$WORK" --save-root "$WORK/x" --expression-scale tpm;  contains "\-\-expression-scale: 'tpm'"; contains "none, cpm or size-factors"
expect 1 "$BIN" train --data-root "$WORK/nowhere" --save-root "$WORK/x";  contains "nowhere/Cell1.train.csv"

D="$WORK/synth"
expect 0 "$BIN" synth --genes 40 --bins 12 --seed 3 --out "$D";  contains "truth.md"; contains "rule additive"
expect 0 "$BIN" synth --genes 40 --bins 12 --rule combinatorial --out "$WORK/comb";  contains "noise ceiling"
grep -q 'rule `combinatorial`' "$WORK/comb/truth.md" && ok || bad "truth.md does not name the combinatorial rule"
expect 2 "$BIN" synth --genes 40 --rule bogus --out "$WORK/bogus";  contains "\-\-rule"; contains "combinatorial"
# --precision: a usage error naming the flag; bf16 needs the hidden size in whole float vectors
expect 2 "$BIN" train --data-root "$D" --save-root "$WORK/x" --precision fp16;  contains "\-\-precision: precision 'fp16'"; contains "fp32, bf16"
expect 2 "$BIN" train --data-root "$D" --save-root "$WORK/x" --precision bf16 --hidden 4;  contains "multiple of"
expect 0 "$BIN" train --data-root "$D" --save-root "$WORK/bf16" --epochs 1 --lr 1e-3 --hidden 32 --precision bf16 --no-plots --no-report --quiet
expect 0 "$BIN" predict --checkpoint "$WORK/bf16/checkpoint.bin" --data-root "$D" --precision bf16 --out "$WORK/bf16/p16.csv"
expect 0 "$BIN" predict --checkpoint "$WORK/bf16/checkpoint.bin" --data-root "$D" --out "$WORK/bf16/p32.csv"
cmp -s "$WORK/bf16/p16.csv" "$WORK/bf16/p32.csv" && bad "bf16 and fp32 predictions are the same bytes" || ok
cmp -s "$WORK/bf16/p16.csv" "$WORK/bf16/predictions.csv" && ok || bad "predict --precision bf16 differs from train's bf16 predictions.csv"
grep -q '"precision": "bf16"' "$WORK/bf16/metrics.json" && ok || bad "metrics.json does not record bf16"
# the epochs of one run stay in one precision: a resume in the other is refused, naming the flag
expect 2 "$BIN" train --data-root "$D" --save-root "$WORK/bf16" --epochs 2 --lr 1e-3 --hidden 32 --resume --no-plots --no-report --quiet
contains "\-\-precision: bf16 in the state file, fp32 now"
expect 0 "$BIN" train --data-root "$D" --save-root "$WORK/bf16" --epochs 2 --lr 1e-3 --hidden 32 --precision bf16 --resume --no-plots --no-report --quiet
expect 2 "$BIN" eval --checkpoint "$WORK/bf16/checkpoint.bin" --data-root "$D" --precision bf17;  contains "\-\-precision"
R="$WORK/run"
expect 0 "$BIN" train --data-root "$D" --save-root "$R" --epochs 2 --lr 1e-3 --hidden 4 --threads 2
contains "epoch   2/2"; contains "test PCC"
for f in checkpoint.bin state.bin metrics.json predictions.csv attention_beta.csv attention_alpha.csv \
         training_curves.svg scatter.svg attention_beta.svg attention_alpha.svg; do
  [ -s "$R/$f" ] && ok || bad "train did not write $f"
done
grep -q '"complete": true' "$R/metrics.json" && ok || bad "metrics.json not complete"
grep -q '"test"' "$R/metrics.json" && ok || bad "metrics.json has no test section"
grep -q '"expression_scale": "none"' "$R/metrics.json" && ok || bad "metrics.json does not record expression_scale none"
[ "$(sed -n 2p "$R/predictions.csv")" = "gene_id,prediction,target,residual" ] && ok || bad "predictions.csv header: $(sed -n 2p "$R/predictions.csv")"
[ "$(head -1 "$R/predictions.csv")" = "# target = y = log2((e_B + 1) / (e_A + 1)), A = Cell1 (cell-1), B = Cell2 (cell-2): y > 0 means higher in B; prediction = the model's y; residual = prediction - target" ] \
  && ok || bad "predictions.csv comment: $(head -1 "$R/predictions.csv")"
[ ! -e "$R/predictions_train.csv" ] && [ ! -e "$R/predictions_valid.csv" ] && ok || bad "predictions of train/valid without --predict-splits"
# train.log: every line train printed (here, stdout), after a line naming the command
tail -n +2 "$R/train.log" | cmp -s - "$WORK/out" && ok || bad "train.log differs from what train printed"
head -1 "$R/train.log" | grep -q "^--- 20[0-9-]*T[0-9:]*Z: .*deepdiff train --data-root .*synth --save-root .*run --epochs 2" && ok \
  || bad "train.log's first line: $(head -1 "$R/train.log")"
# the run's page, named on train's last line; deepdiff report writes it again
tail -1 "$WORK/out" | grep -qx "report: $R/report.html (open it in a browser)" && ok || bad "train's last line: $(tail -1 "$WORK/out")"
grep -q "<!DOCTYPE html>" "$R/report.html" && grep -q 'id="gene-table"' "$R/report.html" && ok || bad "report.html is not the run's page"
rm "$R/report.html"
expect 0 "$BIN" report "$R"; contains "report written to $R/report.html"
[ -s "$R/report.html" ] && ok || bad "deepdiff report did not write report.html"
expect 2 "$BIN" report
expect 1 "$BIN" report "$WORK/no-such-run"; contains "no-such-run"
# metrics.json: the calibration beside PCC, and where the run came from
python3 - "$R/metrics.json" "$D" <<'PY' && ok || bad "metrics.json calibration / provenance"
import json, os, sys
m = json.load(open(sys.argv[1]))
t = m["test"]
for k in ("pcc", "spearman", "r2", "slope", "mse", "mse_train_mean", "sd_prediction", "sd_target"):
    assert k in t, k
assert isinstance(m["settings"]["mean_y_train"], float)
p = m["provenance"]
assert p["version"] == "0.1.0" and p["commit"], p
assert p["command_line"].split()[1:4] == ["train", "--data-root", sys.argv[2]], p["command_line"]
assert p["started"].endswith("Z") and "T" in p["started"]
assert p["data_root_absolute"] == os.path.abspath(sys.argv[2])
names = [f["name"] for f in p["files"]]
assert names == ["Cell1.train.csv", "Cell1.valid.csv", "Cell1.test.csv", "Cell1.expr.csv",
                 "Cell2.train.csv", "Cell2.valid.csv", "Cell2.test.csv", "Cell2.expr.csv"], names
for f in p["files"]:
    assert f["bytes"] == os.path.getsize(os.path.join(sys.argv[2], f["name"])) and len(f["fnv1a64"]) == 16
assert "prepare_json" not in p
PY
# top_genes.tsv: the test genes by |prediction|, largest first, the direction named by cell 2
python3 - "$R/top_genes.tsv" "$R/predictions.csv" <<'PY' && ok || bad "top_genes.tsv order or columns"
import csv, sys
lines = open(sys.argv[1]).read().splitlines()
assert lines[0].startswith("# the test genes ranked by |prediction|"), lines[0]
rows = list(csv.DictReader(lines[1:], delimiter="\t"))
assert list(rows[0]) == ["rank", "gene_id", "symbol", "prediction", "target", "direction"], list(rows[0])
preds = {r["gene_id"]: float(r["prediction"]) for r in csv.DictReader(ln for ln in open(sys.argv[2]) if not ln.startswith("#"))}
assert sorted(r["gene_id"] for r in rows) == sorted(preds)
size = [abs(float(r["prediction"])) for r in rows]
assert size == sorted(size, reverse=True) and [int(r["rank"]) for r in rows] == list(range(1, len(rows) + 1))
for r in rows:
    assert float(r["prediction"]) == preds[r["gene_id"]]
    assert r["direction"] == ("up in Cell2" if float(r["prediction"]) > 0 else "down in Cell2"), r
    assert r["symbol"].startswith("SYN"), r
PY

# --predict-splits: predictions_train.csv and predictions_valid.csv beside predictions.csv
expect 2 "$BIN" train --data-root "$D" --save-root "$WORK/ps" --epochs 1 --hidden 4 --predict-splits train,tset
contains "\-\-predict-splits: 'tset' is not a split"
expect 2 "$BIN" train --data-root "$D" --save-root "$WORK/ps" --epochs 1 --hidden 4 --predict-splits valid,valid
contains "\-\-predict-splits"
[ ! -e "$WORK/ps" ] && ok || bad "a bad --predict-splits created the save-root"
expect 0 "$BIN" train --data-root "$D" --save-root "$WORK/ps" --epochs 1 --hidden 4 --no-plots --no-report --predict-splits train,valid,test
[ ! -e "$WORK/ps/report.html" ] && ok || bad "--no-report wrote report.html"
lacks "report:"
for s in train:25 valid:9; do
  f="$WORK/ps/predictions_${s%%:*}.csv"
  [ "$(sed -n 2p "$f")" = "gene_id,prediction,target,residual" ] && [ "$(head -c 10 "$f")" = "# target =" ] && ok \
    || bad "$f: header $(head -2 "$f")"
  n=$(grep -vc '^#' "$f"); [ "$n" -eq "${s##*:}" ] && ok || bad "$f has $n rows with its header, wanted ${s##*:}"
done
expect 0 "$BIN" predict --checkpoint "$WORK/ps/checkpoint.bin" --data-root "$D" --split valid --out "$WORK/ps_valid.csv"
cmp -s "$WORK/ps/predictions_valid.csv" "$WORK/ps_valid.csv" && ok || bad "predictions_valid.csv differs from predict on valid"
# a near-constant prediction (one epoch at a learning rate that moves nothing) is warned
# about on stderr even with --quiet, and recorded in metrics.json
expect 0 "$BIN" train --data-root "$D" --save-root "$WORK/flat" --epochs 1 --lr 1e-7 --hidden 4 --quiet --no-plots
contains "^warning: the kept epoch (1) predicts a near-constant on the test genes"
grep -q '"warnings": \[' "$WORK/flat/metrics.json" && grep -q 'predicts a near-constant' "$WORK/flat/metrics.json" && ok \
  || bad "metrics.json does not record the near-constant warning"
grep -q "^warning: the kept epoch (1) predicts a near-constant" "$WORK/flat/train.log" && ok || bad "train.log lacks the warning"
expect 0 "$BIN" eval --checkpoint "$WORK/flat/checkpoint.bin" --data-root "$D" --split test
contains "Spearman"; contains "R^2"; contains "slope"; contains "(predicting the training mean: "
contains "^warning: the checkpoint predicts a near-constant"
expect 0 "$BIN" eval --checkpoint "$R/checkpoint.bin" --data-root "$D" --split valid --json "$WORK/ev.json"
python3 -c "
import json; j = json.load(open('$WORK/ev.json'))
assert all(k in j for k in ('pcc', 'spearman', 'r2', 'slope', 'mse', 'mean_y_train', 'mse_train_mean', 'sd_prediction', 'sd_target')), j
" && ok || bad "eval --json lacks the calibration"
# without a train split beside it, eval scores the split and says it has no baseline MSE
mkdir -p "$WORK/notrain" && cp "$D"/Cell?.test.csv "$D"/Cell?.expr.csv "$WORK/notrain/"
expect 0 "$BIN" eval --checkpoint "$R/checkpoint.bin" --data-root "$WORK/notrain" --split test
contains "PCC"; contains "no training mean to compare the MSE with: .*Cell1.train.csv"

# resume: two more epochs continue from state.bin
expect 0 "$BIN" train --data-root "$D" --save-root "$R" --epochs 4 --lr 1e-3 --hidden 4 --resume
contains "resumed from"; contains "epoch   4/4"
grep -q '"epoch": 4' "$R/metrics.json" && ok || bad "resumed metrics lack epoch 4"

expect 0 "$BIN" eval --checkpoint "$R/checkpoint.bin" --data-root "$D" --split test;  contains "PCC"
expect 0 "$BIN" predict --checkpoint "$R/checkpoint.bin" --data-root "$D" --split valid --out "$WORK/p.csv"
n=$(wc -l < "$WORK/p.csv"); [ "$n" -eq 10 ] && ok || bad "predict wrote $n lines, wanted 10 (comment + header + 8 valid genes)"
# new genes without expression tables: no target column
mkdir -p "$WORK/new" && cp "$D"/Cell1.test.csv "$D"/Cell2.test.csv "$WORK/new/"
expect 0 "$BIN" predict --checkpoint "$R/checkpoint.bin" --data-root "$WORK/new" --split test --out "$WORK/q.csv"
[ "$(sed -n 2p "$WORK/q.csv")" = "gene_id,prediction" ] && ok || bad "predict without expression: header $(sed -n 2p "$WORK/q.csv")"
head -1 "$WORK/q.csv" | grep -q "^# prediction = the model's y = .*; no target: the data has no expression tables$" && ok \
  || bad "predict without expression: comment $(head -1 "$WORK/q.csv")"
expect 1 "$BIN" eval --checkpoint "$R/checkpoint.bin" --data-root "$WORK/new" --split test;  contains "expr.csv"
expect 0 "$BIN" attention --checkpoint "$R/checkpoint.bin" --data-root "$D" --split test --out-dir "$WORK/att"
for f in attention_beta_test.csv attention_alpha_test.csv attention_beta_test.svg attention_alpha_test.svg; do
  [ -s "$WORK/att/$f" ] && ok || bad "attention did not write $f"
done

# attribute: integrated gradients complete (sum = y(x) - y(0)), files in the run folder, bad input
expect 0 "$BIN" attribute --checkpoint "$R/checkpoint.bin" --data-root "$D" --per-bin --quiet --steps 32
contains "integrated gradients of 8 genes"; contains "completeness gap"
python3 - "$R" "$D" <<'PY' && ok || bad "attribute's files"
import csv, sys
run, data = sys.argv[1], sys.argv[2]
marks = ["H3K4me1", "H3K4me3", "H3K9me3", "H3K27me3", "H3K36me3"]
rows = list(csv.DictReader(open(run + "/attributions_mark_ig.csv")))
test = [l.split(",")[0].split("_")[0] for l in open(data + "/Cell1.test.csv")]
assert [r["gene_id"] for r in rows] == list(dict.fromkeys(test)), "genes"
preds = {l[0]: float(l[1]) for l in csv.reader(open(run + "/predictions.csv")) if l[0] and l[0][0] != "#" and l[0] != "gene_id"}
bins = list(csv.DictReader(open(run + "/attributions_bin_ig.csv")))
assert len(bins) == 12 * len(rows), len(bins)
for r in rows:
    assert r["method"] == "ig" and r["steps"] == "32"
    change = float(r["prediction"]) - float(r["baseline_prediction"])
    total = sum(float(r[c + "." + m]) for c in "AB" for m in marks)
    assert abs(total - float(r["attribution_sum"])) <= 1e-9 + 1e-6 * abs(total), r
    assert abs(float(r["completeness_gap"])) <= 0.01 * abs(change) + 1e-6, r
    # prediction: the training forward; predictions.csv: the batch-invariant inference path
    assert abs(float(r["prediction"]) - preds[r["gene_id"]]) <= 1e-5 + 1e-4 * abs(change), r
    mine = [b for b in bins if b["gene_id"] == r["gene_id"]]
    for m in marks:
        assert abs(sum(float(b["A." + m]) for b in mine) - float(r["A." + m])) <= 1e-9 + 1e-6 * abs(float(r["A." + m]))
        assert abs(sum(abs(float(b["A." + m])) + abs(float(b["B." + m])) for b in mine) - float(r["abs." + m])) <= 1e-9 + 1e-6 * float(r["abs." + m])
PY
first=$(sed -n 1p "$D/Cell1.test.csv" | cut -d, -f1 | cut -d_ -f1)
expect 0 "$BIN" attribute --checkpoint "$R/checkpoint.bin" --data-root "$D" --method grad_input --genes "$first" --out-dir "$WORK/gi"
contains "gradient x input of 1 genes"
[ "$(sed -n 2p "$WORK/gi/attributions_mark_grad_input.csv" | cut -d, -f1-3)" = "$first,grad_input,1" ] && ok || bad "grad_input file: $(sed -n 2p "$WORK/gi/attributions_mark_grad_input.csv")"
expect 2 "$BIN" attribute --checkpoint "$R/checkpoint.bin" --data-root "$D" --steps 0;  contains "\-\-steps"
expect 2 "$BIN" attribute --checkpoint "$R/checkpoint.bin" --data-root "$D" --method shap;  contains "\-\-method"; contains "grad_input"
expect 1 "$BIN" attribute --checkpoint "$R/checkpoint.bin" --data-root "$D" --genes "$first,NOPE";  contains "gene 'NOPE'"
# score-attention: beta, alpha and both attributions against synth's truth files
expect 0 "$BIN" score-attention "$R" --truth "$D";  contains "beta"; contains "alpha"; contains "ig "
python3 -c "import json, sys; j = json.load(open(sys.argv[1])); assert 'ig' in json.dumps(j)" "$R/attention_scores.json" && ok || bad "attention_scores.json"
expect 2 "$BIN" score-attention "$R";  contains "\-\-truth"
expect 0 "$BIN" synth --genes 30 --bins 12 --noise-marks 3 --out "$WORK/noise3";  contains "noise marks 3"
[ "$(head -1 "$WORK/noise3/truth_marks.csv")" = "gene_id,H3K4me1,H3K4me3,H3K9me3,H3K27me3,H3K36me3" ] && ok || bad "truth_marks.csv header: $(head -1 "$WORK/noise3/truth_marks.csv")"
[ "$(sed -n 2p "$WORK/noise3/truth_marks.csv" | cut -d, -f2-)" = "0,1,0,1,0" ] && ok || bad "3 noise marks: $(sed -n 2p "$WORK/noise3/truth_marks.csv")"
expect 2 "$BIN" synth --genes 30 --noise-marks 5 --out "$WORK/noise5";  contains "\-\-noise-marks"
"$BIN" synth --genes 20 --bins 10 --out "$WORK/bins10" > /dev/null
expect 1 "$BIN" attribute --checkpoint "$R/checkpoint.bin" --data-root "$WORK/bins10";  contains "expects 12 bins"

# bad input: a non-numeric count names file and line; a corrupted checkpoint is refused
mkdir -p "$WORK/bad" && cp "$D"/* "$WORK/bad/"
sed -i '5s/,[0-9]*,/,abc,/' "$WORK/bad/Cell2.valid.csv"
expect 1 "$BIN" train --data-root "$WORK/bad" --save-root "$WORK/badrun" --epochs 1 --hidden 4;  contains "Cell2.valid.csv:5"
cp "$R/checkpoint.bin" "$WORK/broken.bin" && printf '\x01' | dd of="$WORK/broken.bin" bs=1 seek=200 conv=notrunc 2>/dev/null
expect 1 "$BIN" eval --checkpoint "$WORK/broken.bin" --data-root "$D";  contains "broken.bin"
expect 1 "$BIN" predict --checkpoint "$WORK/missing.bin" --data-root "$D" --out "$WORK/z.csv";  contains "missing.bin"

# --- reliability round 2 (issue 14): wrong input is refused, not accepted ---
# 1. inference batch sizes are usage errors naming the flag
out_of() { case $1 in predict) echo "--out $WORK/z.csv";; attention) echo "--out-dir $WORK/zd";; esac; }
for c in eval predict attention; do
  expect 2 "$BIN" $c --checkpoint "$R/checkpoint.bin" --data-root "$D" $(out_of $c) --batch-size 0
  contains "\-\-batch-size"
  expect 2 "$BIN" $c --checkpoint "$R/checkpoint.bin" --data-root "$D" $(out_of $c) --batch-size -5
  contains "\-\-batch-size"; lacks "max_size"
done
# 2. a model too large for the machine: refused before anything is allocated or created
expect 2 timeout 60 "$BIN" train --data-root "$D" --save-root "$WORK/huge" --hidden 100000
contains "\-\-hidden"; contains "would need about"; lacks "bad_alloc"
[ ! -e "$WORK/huge" ] && ok || bad "a refused --hidden created the save-root"
# 3. --resume with another recipe names every differing setting and both values
cp -r "$R" "$WORK/rec"
expect 2 "$BIN" train --data-root "$D" --save-root "$WORK/rec" --epochs 5 --lr 2e-3 --seed 7 --batch-size 5 --hidden 4 --resume
contains "\-\-lr: 0.001 in the state file, 0.002 now"; contains "\-\-seed: 1 in the state file, 7 now"
contains "\-\-batch-size: 10 in the state file, 5 now"
expect 2 "$BIN" train --data-root "$D" --save-root "$WORK/rec" --epochs 2 --lr 1e-3 --hidden 4 --resume
contains "\-\-epochs: 4 already done"
cmp -s "$R/metrics.json" "$WORK/rec/metrics.json" && ok || bad "a refused resume changed metrics.json"
# 4. every numeric flag's range, in every command (exit 2, the flag named)
for args in "--clip -1" "--clip nan" "--threads -1" "--threads 100000" "--lr 1e30" "--lr 0" "--lr inf" "--epochs 0" \
            "--epochs 10000000" "--batch-size 0" "--hidden 3" "--cell-1 X --cell-2 X"; do
  expect 2 timeout 60 "$BIN" train --data-root "$D" --save-root "$WORK/flags" $args
  contains "${args%% *}"
done
[ ! -e "$WORK/flags" ] && ok || bad "a usage error created the save-root"
for c in eval predict attention; do
  expect 2 "$BIN" $c --checkpoint "$R/checkpoint.bin" --data-root "$D" $(out_of $c) --threads -1
  contains "\-\-threads"
  expect 2 "$BIN" $c --checkpoint "$R/checkpoint.bin" --data-root "$D" $(out_of $c) --cell-1 Cell2
  contains "same cell"
done
for args in "--genes 5" "--bins 0" "--effect -1" "--effect nan" "--threads 5000" "--cell-1 A --cell-2 A" \
            "--genes 10000000 --bins 100000"; do
  expect 2 timeout 60 "$BIN" synth --out "$WORK/sy" $args
  contains "${args%% *}"
done
# 5. a FIFO, a device, a symlink loop in place of a data file are named as what they are
mkdir -p "$WORK/kinds" && cp "$D"/* "$WORK/kinds/"
rm "$WORK/kinds/Cell1.valid.csv" && mkfifo "$WORK/kinds/Cell1.valid.csv"
expect 1 timeout 20 "$BIN" train --data-root "$WORK/kinds" --save-root "$WORK/kr" --epochs 1 --hidden 4
contains "Cell1.valid.csv: not a regular file (a FIFO"
rm "$WORK/kinds/Cell1.valid.csv" && ln -s /dev/zero "$WORK/kinds/Cell1.valid.csv"
expect 1 timeout 20 "$BIN" train --data-root "$WORK/kinds" --save-root "$WORK/kr" --epochs 1 --hidden 4
contains "Cell1.valid.csv: not a regular file (a character device)"
rm "$WORK/kinds/Cell1.valid.csv" && ln -s /dev/null "$WORK/kinds/Cell1.expr.csv.tmp" && mv "$WORK/kinds/Cell1.expr.csv.tmp" "$WORK/kinds/Cell1.valid.csv"
expect 1 "$BIN" train --data-root "$WORK/kinds" --save-root "$WORK/kr" --epochs 1 --hidden 4;  contains "character device"
rm "$WORK/kinds/Cell1.valid.csv" && ln -s loop2 "$WORK/kinds/loop1" && ln -s loop1 "$WORK/kinds/loop2" && ln -s loop1 "$WORK/kinds/Cell1.valid.csv"
expect 1 "$BIN" train --data-root "$WORK/kinds" --save-root "$WORK/kr" --epochs 1 --hidden 4
contains "too many levels of symbolic links"; lacks "file not found"
expect 1 timeout 20 "$BIN" predict --checkpoint /dev/zero --data-root "$D" --out "$WORK/z.csv";  contains "character device"
mkfifo "$WORK/ck.fifo"
expect 1 timeout 20 "$BIN" eval --checkpoint "$WORK/ck.fifo" --data-root "$D";  contains "FIFO"
# 6 and 7 need a checkpoint with a valid checksum but hostile contents (tools/checkpoint.py)
PY=/usr/bin/python3; EDIT="$(dirname "$0")/edit_checkpoint.py"
if [ -x "$PY" ]; then
  $PY "$EDIT" "$R/checkpoint.bin" "$WORK/nan.bin" --set-value rnn_hms.2.rnn.weight_hh_l0=nan
  expect 1 "$BIN" predict --checkpoint "$WORK/nan.bin" --data-root "$D" --out "$WORK/nan.csv"
  contains "rnn_hms.2.rnn.weight_hh_l0"; contains "non-finite"
  [ ! -e "$WORK/nan.csv" ] && ok || bad "predict wrote predictions from a NaN checkpoint"
  $PY "$EDIT" "$R/checkpoint.bin" "$WORK/inf.bin" --set-value fdiff1_1.bias=inf
  expect 1 "$BIN" eval --checkpoint "$WORK/inf.bin" --data-root "$D";  contains "fdiff1_1.bias"
  for m in adam_step=-1 epochs_done=100000 best_epoch=9 epochs_done=x; do
    rm -rf "$WORK/st" && cp -r "$R" "$WORK/st"
    $PY "$EDIT" "$R/state.bin" "$WORK/st/state.bin" --meta "$m"
    expect 1 timeout 60 "$BIN" train --data-root "$D" --save-root "$WORK/st" --epochs 6 --lr 1e-3 --hidden 4 --resume
    contains "${m%%=*}"
    cmp -s "$R/metrics.json" "$WORK/st/metrics.json" && ok || bad "a refused state.bin ($m) changed metrics.json"
  done
  # 7. training that goes non-finite stops (exit 1, epoch and batch named), never "complete"
  rm -rf "$WORK/div" && mkdir -p "$WORK/div"
  $PY "$EDIT" "$R/state.bin" "$WORK/div/state.bin" --scale 1e30
  expect 1 "$BIN" train --data-root "$D" --save-root "$WORK/div" --epochs 6 --lr 1e-3 --hidden 4 --resume
  contains "training diverged"; contains "epoch 5, batch 1"
  grep -q '"complete": true' "$WORK/div/metrics.json" 2>/dev/null && bad "diverged run marked complete" || ok
else
  echo "skipped: items 6 and 7 of the reliability checks need /usr/bin/python3 (tools/checkpoint.py)"
fi
# 8. one process trains a save-root at a time (the lock of a live process is respected)
( flock -x 9; sleep 5 ) 9>"$R/train.lock" &
lockpid=$!
sleep 0.5
expect 1 "$BIN" train --data-root "$D" --save-root "$R" --epochs 5 --lr 1e-3 --hidden 4 --resume
contains "another process is training"
wait $lockpid

# --- reliability round 3 (issue 26) ---
# 17. a save-root holding a run is not overwritten without --resume or --force (exit 2)
expect 0 "$BIN" train --help;  contains "\-\-force"
rm -rf "$WORK/done" && cp -r "$R" "$WORK/done" && rm -f "$WORK/done/train.lock"
expect 2 "$BIN" train --data-root "$D" --save-root "$WORK/done" --epochs 1 --lr 1e-3 --hidden 4
contains "already holds a run"; contains "\-\-resume"; contains "\-\-force"; lacks "epoch   1/1"
cmp -s "$R/metrics.json" "$WORK/done/metrics.json" && ok || bad "a refused train changed metrics.json"
# an interrupted run (state.bin alone) counts too; --resume and --force together are refused
rm -rf "$WORK/part" && mkdir -p "$WORK/part" && cp "$R/state.bin" "$WORK/part/"
expect 2 "$BIN" train --data-root "$D" --save-root "$WORK/part" --epochs 1 --lr 1e-3 --hidden 4;  contains "state.bin"
expect 2 "$BIN" train --data-root "$D" --save-root "$WORK/done" --epochs 5 --lr 1e-3 --hidden 4 --resume --force
contains "\-\-resume and \-\-force"
cmp -s "$R/metrics.json" "$WORK/done/metrics.json" && ok || bad "--resume --force changed metrics.json"
# --force replaces the run: its old files go first, the new run is what remains
expect 0 "$BIN" train --data-root "$D" --save-root "$WORK/done" --epochs 1 --lr 1e-3 --hidden 4 --no-plots --force
contains "\-\-force: removed"; contains "epoch   1/1"
grep -q '"epoch": 1' "$WORK/done/metrics.json" && ! grep -q '"epoch": 2' "$WORK/done/metrics.json" && ok \
  || bad "--force did not replace metrics.json"
[ ! -e "$WORK/done/scatter.svg" ] && ok || bad "--force left the earlier run's scatter.svg"
[ "$(grep -c '^--- ' "$WORK/done/train.log")" -eq 1 ] && ok || bad "--force kept the earlier run's train.log"
# an existing empty folder is a new run
rm -rf "$WORK/empty" && mkdir -p "$WORK/empty"
expect 0 "$BIN" train --data-root "$D" --save-root "$WORK/empty" --epochs 1 --lr 1e-3 --hidden 4 --no-plots
# 5. identical expression tables: the target is 0 for every gene; train refuses (exit 1) before
#    creating anything, instead of "best epoch 0 (valid PCC -inf)" and a checkpoint, exit 0
rm -rf "$WORK/same" && mkdir -p "$WORK/same" && cp "$D"/* "$WORK/same/" && cp "$D/Cell1.expr.csv" "$WORK/same/Cell2.expr.csv"
expect 1 "$BIN" train --data-root "$WORK/same" --save-root "$WORK/samerun" --epochs 1 --hidden 4
contains "is 0 for all 24 genes"; contains "nothing to learn"; contains "same/Cell2.expr.csv"; lacks "best epoch"
[ ! -e "$WORK/samerun" ] && ok || bad "a refused constant target created the save-root"

# --- the study's baselines (issue 20): first-class models of train, eval, predict ---
expect 2 "$BIN" train --data-root "$D" --save-root "$WORK/x" --model-name lasso
contains "unknown model name 'lasso'"; contains "raw_aux_siamese"; contains "ridge"; contains "attentivechrome_diff"
DB="$WORK/synth20"
expect 0 "$BIN" synth --genes 60 --bins 20 --seed 5 --out "$DB"
for m in ridge deepchrome attentivechrome_diff xgboost; do
  if [ "$m" = xgboost ] && [ "$HAVE_XGBOOST" != ON ]; then
    expect 1 "$BIN" train --data-root "$DB" --save-root "$WORK/b_$m" --model-name xgboost;  contains "no XGBoost"
    continue
  fi
  expect 0 "$BIN" train --data-root "$DB" --save-root "$WORK/b_$m" --model-name $m --epochs 2 --lr 1e-3 --hidden 4 --threads 1
  contains "test PCC"
  for f in checkpoint.bin metrics.json predictions.csv scatter.svg; do
    [ -s "$WORK/b_$m/$f" ] && ok || bad "$m: train did not write $f"
  done
  grep -q "\"model_name\": \"$m\"" "$WORK/b_$m/metrics.json" && grep -q '"complete": true' "$WORK/b_$m/metrics.json" && ok \
    || bad "$m: metrics.json"
  # eval and predict read the baseline's checkpoint and give the test PCC train reported
  expect 0 "$BIN" eval --checkpoint "$WORK/b_$m/checkpoint.bin" --data-root "$DB" --split test --json "$WORK/b_$m.json"
  contains "($m, 12 genes)"
  want=$(python3 -c "import json; print(round(json.load(open('$WORK/b_$m/metrics.json'))['test']['pcc'], 6))")
  got=$(python3 -c "import json; print(round(json.load(open('$WORK/b_$m.json'))['pcc'], 6))")
  [ "$want" = "$got" ] && ok || bad "$m: eval PCC $got, train's test PCC $want"
  expect 0 "$BIN" predict --checkpoint "$WORK/b_$m/checkpoint.bin" --data-root "$DB" --split test --out "$WORK/b_$m.csv"
  cmp -s <(cut -d, -f1,2 "$WORK/b_$m.csv") <(cut -d, -f1,2 "$WORK/b_$m/predictions.csv") && ok \
    || bad "$m: predict differs from train's predictions.csv"
done
# the models without attention: attention names what the checkpoint holds (exit 1)
for m in ridge deepchrome; do
  expect 1 "$BIN" attention --checkpoint "$WORK/b_$m/checkpoint.bin" --data-root "$DB" --out-dir "$WORK/att_$m"
  contains "holds a $m model"; contains "no attention"
  [ ! -e "$WORK/b_$m/attention_beta.csv" ] && ok || bad "$m wrote attention_beta.csv"
  expect 1 "$BIN" attribute --checkpoint "$WORK/b_$m/checkpoint.bin" --data-root "$DB" --out-dir "$WORK/attr_$m"
  contains "holds a $m model"; contains "DeepDiff variants"
done
# attentivechrome_diff: two cells' models, their predictions and attention as the aux variants'
[ "$(sed -n 2p "$WORK/b_attentivechrome_diff/predictions.csv")" = "gene_id,prediction,prediction_a,prediction_b,target,target_a,target_b,residual" ] \
  && ok || bad "attentivechrome_diff predictions header: $(sed -n 2p "$WORK/b_attentivechrome_diff/predictions.csv")"
python3 - "$WORK/b_attentivechrome_diff/predictions.csv" <<'PY' && ok || bad "attentivechrome_diff: prediction != prediction_b - prediction_a"
import csv, sys
rows = list(csv.DictReader(ln for ln in open(sys.argv[1]) if not ln.startswith("#")))
assert rows and all(abs(float(r["prediction"]) - (float(r["prediction_b"]) - float(r["prediction_a"]))) < 1e-5 for r in rows)
PY
expect 0 "$BIN" attention --checkpoint "$WORK/b_attentivechrome_diff/checkpoint.bin" --data-root "$DB" --out-dir "$WORK/att_ac"
[ "$(head -1 "$WORK/att_ac/attention_beta_test.csv")" = "gene_id,A.H3K4me1,A.H3K4me3,A.H3K9me3,A.H3K27me3,A.H3K36me3,B.H3K4me1,B.H3K4me3,B.H3K9me3,B.H3K27me3,B.H3K36me3" ] \
  && ok || bad "attentivechrome_diff beta header: $(head -1 "$WORK/att_ac/attention_beta_test.csv")"
# an interrupted attentivechrome_diff resumes both cells' states
expect 0 "$BIN" train --data-root "$DB" --save-root "$WORK/b_attentivechrome_diff" --model-name attentivechrome_diff --epochs 3 --lr 1e-3 --hidden 4 --threads 1 --resume
contains "resumed from .*state_a.bin after epoch 2"; contains "resumed from .*state_b.bin after epoch 2"; contains "cell B epoch   3/3"
# deepchrome needs 14 bins or more (a pooled conv output)
expect 1 "$BIN" train --data-root "$D" --save-root "$WORK/dc12" --model-name deepchrome --epochs 1;  contains "deepchrome"
[ ! -e "$WORK/dc12" ] && ok || bad "a refused deepchrome created its save-root"

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
