#!/usr/bin/env bash
# `deepdiff prepare` end to end: usage errors (exit 2 naming the flag), bad input (exit 1
# naming the file, no CSV left in DIR), a BAM without its index (read sequentially), and the
# prepared folder training with `deepdiff train` and predicting without expression.
# Exit 77 (skipped) when the program was built without the genomics readers or samtools is
# missing. usage: test_prepare.sh PATH/TO/deepdiff WORK_DIR
set -u
BIN=$1
WORK=$2
rm -rf "$WORK" && mkdir -p "$WORK"
source "$(dirname "$0")/lib.sh"

source "$(dirname "$0")/prepare_fixture.sh"

# --- usage errors: exit 2, naming the flag ---
expect 0 "$BIN" prepare --help;                                   contains "--samples"; contains "bin-order"
expect 2 "$BIN" prepare --genes "$I/genes.bed" --out "$WORK/x";   contains "--samples is required"
expect 2 P --samples "$I/samples.csv" --out "$WORK/x" --bins 7;   contains "--bins"
expect 2 P --samples "$I/samples.csv" --out "$WORK/x" --split 10,5;  contains "--split"
expect 2 P --samples "$I/samples.csv" --out "$WORK/x" --split 10,5,x;  contains "--split"
expect 2 P --samples "$I/samples.csv" --out "$WORK/x" --bin-order sideways;  contains "--bin-order"
expect 2 P --samples "$I/samples.csv" --out "$WORK/x" --split 10,5,5 --test-chromosomes chr1;  contains "exclude each other"
expect 2 P --samples "$I/samples.csv" --out "$WORK/x" --valid-chromosomes chr2;  contains "--test-chromosomes"
expect 2 P --samples "$I/samples.csv" --out "$WORK/x" --normalize-marks tpm;  contains "--normalize-marks must be none or cpm"
[ -e "$WORK/x" ] && bad "a usage error created the output folder" || ok

# --- bad input: exit 1, the message names the file, nothing in DIR ---
O="$WORK/out_bad"
sed 's/A.k4me3.tagAlign/A.missing.tagAlign/' "$I/samples.csv" > "$I/s_missing_file.csv"
expect 1 P --samples "$I/s_missing_file.csv" --out "$O";   contains "A.missing.tagAlign"; no_csv "$O"
grep -v "^B,H3K27me3" "$I/samples.csv" > "$I/s_missing_mark.csv"
expect 1 P --samples "$I/s_missing_mark.csv" --out "$O";   contains "s_missing_mark.csv"; contains "cell B has no H3K27me3"; no_csv "$O"
{ cat "$I/samples.csv"; echo "A,H3K27ac,A.k4me3.tagAlign"; } > "$I/s_unknown.csv"
expect 1 P --samples "$I/s_unknown.csv" --out "$O";        contains "s_unknown.csv:14"; contains "unknown assay"; no_csv "$O"
{ cat "$I/samples.csv"; echo "B,H3K4me1,B.k4me1.bam"; } > "$I/s_dup.csv"  # the same file twice (another file would be a replicate)
expect 1 P --samples "$I/s_dup.csv" --out "$O";            contains "s_dup.csv:14"; contains "duplicate row"; no_csv "$O"
size=$(stat -c %s "$I/A.k4me1.bam")
head -c $((size / 2)) "$I/A.k4me1.bam" > "$I/A.trunc.bam"
sed 's/A.k4me1.bam/A.trunc.bam/' "$I/samples.csv" > "$I/s_trunc.csv"
expect 1 P --samples "$I/s_trunc.csv" --out "$O";          contains "A.trunc.bam"; contains "truncated"; no_csv "$O"
sed 's/^chr1/chrZ/' "$I/genes.bed" > "$I/genes_chrZ.bed"
expect 1 "$BIN" prepare --samples "$I/samples.csv" --genes "$I/genes_chrZ.bed" --bins 10 --bin-size 50 --out "$O"
contains "A.k4me1.bam"; contains "genes_chrZ.bed"; contains "no gene"; no_csv "$O"
printf 'ENSG00000000000,5\n' > "$I/tiny.expr.csv"
sed 's/A.expr.csv/tiny.expr.csv/' "$I/samples.csv" > "$I/s_tiny_expr.csv"
expect 1 P --samples "$I/s_tiny_expr.csv" --out "$O";      contains "have all inputs\|for three splits"; no_csv "$O"
mkdir -p "$WORK/full" && touch "$WORK/full/keep.txt"
expect 1 P --samples "$I/samples.csv" --out "$WORK/full";  contains "not empty"
[ -f "$WORK/full/keep.txt" ] && ok || bad "a refused run touched the existing folder"

# --- a good run: BAM with and without index, tagAlign plain/gzip, BED; then train ---
D="$WORK/root"
expect 0 P --samples "$I/samples.csv" --out "$D" --split 36,12,12 --seed 4 --threads 2
contains "prepared 2 cells x 60 genes"
for f in A.train.csv A.valid.csv A.test.csv A.expr.csv B.train.csv B.valid.csv B.test.csv B.expr.csv genes.tsv prepare.json; do
  [ -s "$D/$f" ] && ok || bad "prepare did not write $f"
done
[ "$(wc -l < "$D/A.train.csv")" -eq $((36 * 10)) ] && ok || bad "A.train.csv: $(wc -l < "$D/A.train.csv") rows, wanted 360"
grep -q '"format": "BAM (indexed)"' "$D/prepare.json" && ok || bad "prepare.json does not record the indexed BAM"
grep -q '"fnv1a64"' "$D/prepare.json" && ok || bad "prepare.json has no checksums"
head -1 "$D/A.train.csv" | grep -qE '^ENSG[0-9]{11}_SYM[0-9]+_1,[0-9]+,[0-9]+,[0-9]+,[0-9]+,[0-9]+$' && ok || bad "row layout: $(head -1 "$D/A.train.csv")"
awk -F, '{ for (i = 2; i <= 6; i++) s += $i } END { exit !(s > 0) }' "$D/A.train.csv" && ok || bad "all counts are zero"
# the same seed again: the same files
expect 0 P --samples "$I/samples.csv" --out "$WORK/root2" --split 36,12,12 --seed 4 --threads 1 --quiet
for f in A.train.csv B.test.csv A.expr.csv genes.tsv; do
  cmp -s "$D/$f" "$WORK/root2/$f" && ok || bad "$f differs between two runs with the same seed"
done
R="$WORK/run"
expect 0 "$BIN" train --data-root "$D" --cell-1 A --cell-2 B --save-root "$R" --epochs 2 --hidden 4 --threads 2
contains "test PCC"
[ -s "$R/checkpoint.bin" ] && ok || bad "train wrote no checkpoint"
# what prepare knows of the data reaches the run's files: genes.tsv's names and places beside
# each prediction, prepare.json's 50 bp bins on the alpha axis, both among the provenance
[ "$(sed -n 2p "$R/predictions.csv")" = "gene_id,symbol,chrom,tss,strand,prediction,target,residual" ] && ok \
  || bad "predictions.csv with genes.tsv: header $(sed -n 2p "$R/predictions.csv")"
python3 - "$R" "$D" <<'PY' && ok || bad "predictions.csv / top_genes.tsv / metrics.json disagree with genes.tsv"
import csv, json, os, sys
run, root = sys.argv[1:]
genes = {r["gene"]: r for r in csv.DictReader(open(os.path.join(root, "genes.tsv")), delimiter="\t")}
rows = list(csv.DictReader(ln for ln in open(os.path.join(run, "predictions.csv")) if not ln.startswith("#")))
assert len(rows) == 12
for r in rows:
    g = genes[r["gene_id"]]
    assert (r["symbol"], r["chrom"], r["tss"], r["strand"]) == (g["symbol"], g["chrom"], g["tss"], g["strand"]), r
    assert g["split"] == "test"
top = list(csv.DictReader((ln for ln in open(os.path.join(run, "top_genes.tsv")) if not ln.startswith("#")), delimiter="\t"))
assert all(t["symbol"] == genes[t["gene_id"]]["symbol"] for t in top)
p = json.load(open(os.path.join(run, "metrics.json")))["provenance"]
assert p["files"][-1]["name"] == "genes.tsv" and p["prepare_json"] == os.path.join(os.path.abspath(root), "prepare.json"), p
PY
grep -q "50 bp bins from prepare.json; &lt; 0 is upstream)" "$R/attention_alpha.svg" && grep -q ">-0.25<" "$R/attention_alpha.svg" \
  && ok || bad "attention_alpha.svg does not use prepare.json's 50 bp bins"
# without expression: the same splits (--split-from), and predict still works
grep -v ",expression," "$I/samples.csv" > "$I/s_noexpr.csv"
expect 0 P --samples "$I/s_noexpr.csv" --out "$WORK/noexpr" --split-from "$D/genes.tsv" --quiet
[ -e "$WORK/noexpr/A.expr.csv" ] && bad "expr.csv written without expression" || ok
cmp -s "$D/A.test.csv" "$WORK/noexpr/A.test.csv" && ok || bad "--split-from did not reproduce the test split"
expect 0 "$BIN" predict --data-root "$WORK/noexpr" --cell-1 A --cell-2 B --checkpoint "$R/checkpoint.bin" --out "$WORK/pred.csv"
[ "$(wc -l < "$WORK/pred.csv")" -eq 14 ] && ok || bad "predict wrote $(wc -l < "$WORK/pred.csv") lines, wanted 14 (comment, header, 12 genes)"
[ "$(sed -n 2p "$WORK/pred.csv")" = "gene_id,symbol,chrom,tss,strand,prediction" ] && ok || bad "predict without expression: $(sed -n 2p "$WORK/pred.csv")"

# --- reliability round 3 (issue 26) ---
O="$WORK/out_r3"
# 4. a bad value on an expression table's first line is a row, refused naming line 1 (it was
#    taken for a header and its gene dropped silently)
{ head -1 "$I/A.expr.csv" | sed 's/,.*/,NA/'; tail -n +2 "$I/A.expr.csv"; } > "$I/A_na.expr.csv"
sed 's/A.expr.csv/A_na.expr.csv/' "$I/samples.csv" > "$I/s_na.csv"
expect 1 P --samples "$I/s_na.csv" --out "$O";  contains "A_na.expr.csv:1: column 2: \"NA\" is not a number"; no_csv "$O"
# 16. an expression table saved as UTF-16 is named as such, the message whole (it ended at the
#     first NUL byte, before the hint)
iconv -f UTF-8 -t UTF-16 "$I/A.expr.csv" > "$I/A16.expr.csv"
sed 's/A.expr.csv/A16.expr.csv/' "$I/samples.csv" > "$I/s_u16.csv"
expect 1 P --samples "$I/s_u16.csv" --out "$O";  contains "A16.expr.csv:1: UTF-16 text"; contains "save it as UTF-8"
no_csv "$O"
# 5. the same expression table for both cells: prepare notes it (and prepare.json keeps the
#    note); train refuses the pair (exit 1) instead of training on a target of 0
sed 's/B.expr.csv/A.expr.csv/' "$I/samples.csv" > "$I/s_same_expr.csv"
expect 0 P --samples "$I/s_same_expr.csv" --out "$WORK/same" --split 36,12,12
contains "note: cells A and B have identical expression: both read $I/A.expr.csv for all 60 genes used"
grep -q "cells A and B have identical expression" "$WORK/same/prepare.json" && ok || bad "prepare.json lacks the identical-tables note"
expect 1 "$BIN" train --data-root "$WORK/same" --cell-1 A --cell-2 B --save-root "$WORK/samerun" --epochs 1 --hidden 4
contains "nothing to learn"; contains "same/B.expr.csv"; lacks "best epoch"
# a copy of the table is noted too (two files); different tables are not
cp "$I/A.expr.csv" "$I/A_copy.expr.csv"
sed 's/B.expr.csv/A_copy.expr.csv/' "$I/samples.csv" > "$I/s_copy_expr.csv"
expect 0 P --samples "$I/s_copy_expr.csv" --out "$WORK/copy" --split 36,12,12;  contains "A_copy.expr.csv give the same value for all 60 genes used"
expect 0 P --samples "$I/samples.csv" --out "$WORK/differ" --split 36,12,12;  lacks "identical expression"

# --- a lab's own pair (issue 25): B's H3K4me3 is A's library sequenced 4x deeper, plus a
#     replicate; the depth is flagged last, with the option; cpm makes the two agree ---
for k in 1 2 3 4; do cat "$I/A.k4me3.tagAlign"; done > "$I/A4.k4me3.tagAlign"
{ sheet A; sheet A | tail -n +2 | sed 's/^A,/B,/; s/A.k4me3.tagAlign/A4.k4me3.tagAlign/; s/A.expr.csv/B.expr.csv/'
  echo "A,H3K27me3,B.k27me3.bed"; } > "$I/s_deep.csv"
expect 0 P --samples "$I/s_deep.csv" --out "$WORK/deep" --split 36,12,12 --quiet
contains "warning: the marks' values summed over all genes and bins differ more than 2x between cells: H3K4me3 B 4.00x A"
contains "--normalize-marks cpm corrects it"
[ "$(tail -1 "$WORK/out" | cut -c1-8)" = "warning:" ] && ok || bad "the warning is not the last thing printed"
grep -q '"replicates": 2' "$WORK/deep/prepare.json" && ok || bad "prepare.json does not list A's two H3K27me3 replicates"
expect 0 P --samples "$I/s_deep.csv" --out "$WORK/deep_cpm" --split 36,12,12 --normalize-marks cpm --quiet
lacks "H3K4me3 B 4.00x A"
paste -d, "$WORK/deep_cpm/A.train.csv" "$WORK/deep_cpm/B.train.csv" | awk -F, '$3 != $9 { d++ } END { exit d > 0 }' \
  && ok || bad "with cpm, B's H3K4me3 (A's reads 4x) differs from A's"

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
