#!/usr/bin/env bash
# tools/remc/prepare_ten_pairs.sh end to end, on simulated reads with Roadmap's exact file
# names (EID-MARK.tagAlign.gz, hg19 chromosome names, placed around the TSSs of the shipped
# GeneFile.txt.gz) and the project's real data/roadmap files: --help and --list, usage errors
# (exit 2 naming the flag), --dry-run (the URLs, the commands, nothing created), --from a folder
# missing files (exit 1 naming each), the whole route for the nine cells and ten pairs
# (samples.csv, prepare.json's matrix columns, the data root, the study's table), a re-run
# (prepare skipped, the study resumed), --annotation gencode with --cells and --prepare-only,
# and --download-to with a stand-in wget that copies from a local folder (no network: skip,
# SHA256SUMS, damaged and missing downloads, --checksums).
# Exit 77 (skipped) when deepdiff was built without the genomics readers (no prepare).
# usage: test_remc_script.sh PATH/TO/deepdiff WORK_DIR   (deepdiff-pairs beside it)
set -u
BIN=$(cd "$(dirname "$1")" && pwd)
WORK=$2
rm -rf "$WORK" && mkdir -p "$WORK"
source "$(dirname "$0")/lib.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
S="$SRC/tools/remc/prepare_ten_pairs.sh"
ROADMAP="$SRC/data/roadmap"
URL="https://egg2.wustl.edu/roadmap/data/byFileType/alignments/consolidated/"

if "$BIN/deepdiff" prepare --help 2>&1 | grep -q "built without"; then
  echo "skipped: deepdiff was built without htslib/libBigWig (no prepare command)"; exit 77
fi
[ -x "$BIN/deepdiff-pairs" ] || { echo "skipped: $BIN/deepdiff-pairs is not built"; exit 77; }
for f in 57epigenomes.N.pc.gz GeneFile.txt.gz gencode_10_genes.gtf.gz; do
  [ -f "$ROADMAP/$f" ] || { echo "FAIL: missing $ROADMAP/$f: the project's data/roadmap/ should hold it"; exit 1; }
done
[ -x "$S" ] && ok || bad "$S is not executable"
cd "$WORK" || exit 1   # a dry run without --from shows a relative folder: nothing may appear in the checkout

CELLS="E003 E004 E005 E006 E007 E037 E038 E116 E123"
MARKS="H3K4me1 H3K4me3 H3K9me3 H3K27me3 H3K36me3"
# --- simulated reads: 0-3 reads of 36 bp per gene window (TSS +/- 9.5 kb) and file, chr1-22, X ---
R="$WORK/reads"
mkdir -p "$R"
zcat "$ROADMAP/GeneFile.txt.gz" | awk -F'\t' -v dir="$R" -v cells="$CELLS" -v marks="$MARKS" '
  BEGIN { srand(7); nc = split(cells, C, " "); nm = split(marks, M, " ") }
  $1 != "chrY" { tss = $2 + 10000
    for (c = 1; c <= nc; c++) for (m = 1; m <= nm; m++) {
      n = int(rand() * 4); f = dir "/" C[c] "-" M[m] ".tagAlign"
      for (i = 0; i < n; i++) { s = tss + int((rand() - 0.5) * 19000)
        printf "%s\t%d\t%d\tN\t1000\t%s\n", $1, s, s + 36, (rand() < 0.5 ? "+" : "-") > f } } }'
gzip "$R"/*.tagAlign
[ "$(ls "$R" | grep -c '^E[0-9]\{3\}-H3K[0-9a-z]*\.tagAlign\.gz$')" -eq 45 ] && ok || bad "the simulation did not make 45 files"
sub() {  # sub DIR CELLS...: a folder holding these cells' files (links to the simulated ones)
  local d=$1; shift; mkdir -p "$d"
  for c in "$@"; do for m in $MARKS; do ln -s "$R/$c-$m.tagAlign.gz" "$d/"; done; done
}
TINY=(--pairs-args "--model-names raw_d --epochs 1 --seeds 1 --hidden 4 --no-alpha-csv")

# --- --help and --list ---
expect 0 bash "$S" --help
contains "--download-to"; contains "--from DIR"; contains "--dry-run"; contains "$URL"; contains "Exit codes"
contains "45 files"; contains "SHA256SUMS"; contains "genomic order"
expect 0 bash "$S" --list
[ "$(grep -c "^${URL}E[0-9]*-H3K[0-9a-z]*\.tagAlign\.gz$" "$WORK/out")" -eq 45 ] && [ "$(wc -l < "$WORK/out")" -eq 45 ] \
  && ok || bad "--list: not 45 URLs"
cmp -s "$WORK/out" "$SRC/tools/remc/files.txt" && ok || bad "--list differs from tools/remc/files.txt"
for c in $CELLS; do for m in $MARKS; do
  grep -qx "$URL$c-$m.tagAlign.gz" "$WORK/out" || bad "--list lacks $c-$m"
done; done
expect 0 bash "$S" --list --cells E003,E123
[ "$(wc -l < "$WORK/out")" -eq 10 ] && ok || bad "--list --cells E003,E123: $(wc -l < "$WORK/out") lines, wanted 10"
contains "E123-H3K36me3.tagAlign.gz"; lacks "E116"

# --- usage errors: exit 2, naming the flag; nothing created ---
N="$WORK/never"
expect 2 bash "$S" --from "$R" --out "$N" --frobnicate;  contains "unknown flag --frobnicate"
expect 2 bash "$S" --from;                               contains "--from needs a value"
expect 2 bash "$S" --out "$N" --from --prepare-only;     contains "--from needs a value"
expect 2 bash "$S" --out "$N";                           contains "--from DIR"; contains "--download-to DIR"
expect 2 bash "$S" --from "$R" --download-to "$N" --out "$N";  contains "--from and --download-to"
expect 2 bash "$S" --from "$R" --out "$N" --cells E003,E999;   contains "--cells: E999"
expect 2 bash "$S" --from "$R" --out "$N" --cells E003,E003;   contains "E003 is given twice"
expect 2 bash "$S" --from "$R" --out "$N" --cells E003,E037;   contains "no pair"; contains "--prepare-only"
expect 2 bash "$S" --from "$R" --out "$N" --annotation refseq; contains "--annotation"
expect 2 bash "$S" --from "$R" --out "$N" --bin-order strand;  contains "--bin-order strand needs --annotation gencode"
expect 2 bash "$S" --from "$R" --out "$N" --annotation gencode --bin-order sideways;  contains "--bin-order"
expect 2 bash "$S" --from "$R" --out "$N" --threads x;         contains "--threads"
expect 2 bash "$S" --from "$R" --out "$N" --out=x;             contains "--out"
expect 2 bash "$S" --from "$R" --out "$N" --pairs-args "--pairs E123-E003";  contains "--pairs-args"; contains "--cells"
expect 2 bash "$S" --from "$R" --out "$N" --pairs-args "--save-root x";      contains "--pairs-args: --save-root"
expect 2 bash "$S" --from "$R" --out "$N" --prepare-args "--genes x.gtf";    contains "--prepare-args: --genes"
expect 2 bash "$S" --from "$R" --out "$N" --checksums "$WORK/no-such-file";  contains "--checksums"
[ -e "$N" ] && bad "a usage error created the output folder" || ok

# --- --dry-run: the URLs and the commands; nothing created, downloaded or run ---
expect 0 bash "$S" --dry-run --out "$WORK/dry" --bin "$BIN"
[ "$(grep -c "^  ${URL}E[0-9]*-H3K[0-9a-z]*\.tagAlign\.gz$" "$WORK/out")" -eq 45 ] && ok || bad "--dry-run did not print the 45 URLs"
contains "deepdiff prepare --samples $WORK/dry/samples.csv --genes $ROADMAP/GeneFile.txt.gz --out $WORK/dry/data"
contains "deepdiff-pairs --data-root $WORK/dry/data --save-root $WORK/dry/study --pairs E123-E003,E116-E003,E123-E116,E003-E005,E003-E006,E006-E007,E005-E006,E003-E004,E004-E006,E037-E038"
contains "wget -c"; contains "nothing was created"
[ -e "$WORK/dry" ] || [ -e "$WORK/remc-reads" ] && bad "--dry-run created a folder" || ok
expect 0 bash "$S" --dry-run --from "$R" --cells E123,E003 --out "$WORK/dry" --bin "$BIN" --annotation gencode "${TINY[@]}"
[ "$(grep -c "^  ${URL}" "$WORK/out")" -eq 10 ] && ok || bad "--dry-run --cells: not 10 URLs"
contains "--genes $ROADMAP/gencode_10_genes.gtf.gz --out $WORK/dry/data --bin-order strand"
contains "--pairs E123-E003 --model-names raw_d --epochs 1"; lacks "E116"; lacks "wget"
contains "$R/E123-H3K4me1.tagAlign.gz"
[ -e "$WORK/dry" ] && bad "--dry-run --from created the output folder" || ok
expect 0 bash "$S" --dry-run --download-to "$WORK/dl_dry" --cells E003,E123;  contains "wget -c"
[ -e "$WORK/dl_dry" ] && bad "--dry-run --download-to created the folder" || ok

# --- --from a folder missing files: exit 1 naming every one, nothing created ---
sub "$WORK/some" E003 E123
rm "$WORK/some/E123-H3K27me3.tagAlign.gz"
expect 1 bash "$S" --from "$WORK/some" --cells E003,E123 --out "$WORK/o_missing" --bin "$BIN"
contains "1 of the 10 files are missing from $WORK/some"; contains "E123-H3K27me3.tagAlign.gz"; lacks "E003-H3K4me1.tagAlign.gz ("
rm "$WORK/some/E003-H3K4me1.tagAlign.gz"
expect 1 bash "$S" --from "$WORK/some" --cells E003,E123 --out "$WORK/o_missing" --bin "$BIN"
contains "2 of the 10 files are missing"; contains "  E003-H3K4me1.tagAlign.gz"; contains "  E123-H3K27me3.tagAlign.gz"
[ -e "$WORK/o_missing" ] && bad "a run with missing files created the output folder" || ok
expect 1 bash "$S" --from "$WORK/nofolder" --cells E003,E123 --out "$WORK/o_missing" --bin "$BIN"
contains "--from $WORK/nofolder: no such folder"
[ -e "$WORK/o_missing" ] && bad "a run with missing files created the output folder" || ok
expect 1 bash "$S" --from "$R" --cells E003,E123 --out "$WORK/o_nobin" --bin "$WORK/nowhere"
contains "$WORK/nowhere/deepdiff"

# --- the whole route: nine cells, ten pairs ---
O="$WORK/study9"
expect 0 bash "$S" --from "$R" --out "$O" --bin "$BIN" --threads 2 --prepare-args "--split 30,10,10" "${TINY[@]}"
contains "^\$ $BIN/deepdiff prepare --samples $O/samples.csv --genes $ROADMAP/GeneFile.txt.gz --out $O/data --threads 2 --split 30,10,10$"
contains "^\$ $BIN/deepdiff-pairs --data-root $O/data --save-root $O/study --pairs E123-E003,E116-E003,E123-E116,E003-E005,E003-E006,E006-E007,E005-E006,E003-E004,E004-E006,E037-E038 --threads 2 --model-names raw_d"
contains "10 ok"
[ "$(wc -l < "$O/samples.csv")" -eq 55 ] && ok || bad "samples.csv: $(wc -l < "$O/samples.csv") lines, wanted 55"
[ "$(head -1 "$O/samples.csv")" = "cell,assay,path" ] && ok || bad "samples.csv header: $(head -1 "$O/samples.csv")"
for c in $CELLS; do
  for m in $MARKS; do grep -qx "$c,$m,$R/$c-$m.tagAlign.gz" "$O/samples.csv" || bad "samples.csv lacks $c,$m"; done
  grep -qx "$c,expression,$ROADMAP/57epigenomes.N.pc.gz" "$O/samples.csv" && ok || bad "samples.csv lacks $c's expression row"
  grep -q "\"column\": \"$c\"" "$O/data/prepare.json" && ok || bad "prepare.json does not record the matrix column $c"
  for s in train valid test expr; do [ -s "$O/data/$c.$s.csv" ] || bad "prepare wrote no $c.$s.csv"; done
done
[ "$(wc -l < "$O/data/E003.train.csv")" -eq 6000 ] && ok || bad "E003.train.csv: $(wc -l < "$O/data/E003.train.csv") rows, wanted 30 x 200"
grep -q '"bin_order": "genomic' "$O/data/prepare.json" && ok || bad "GeneFile's bins are not in genomic order"
# each cell's expression is its own matrix column
column() { zcat "$ROADMAP/57epigenomes.N.pc.gz" | awk -F'\t' -v c="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next } { print $1 "," $k }' | sort; }
for c in E003 E123; do
  [ -z "$(sort "$O/data/$c.expr.csv" | comm -23 - <(column $c))" ] && ok || bad "$c.expr.csv is not the matrix column $c"
done
# the study: one row per pair, all ok
T="$O/study/results.csv"
[ -f "$T" ] && [ "$(tail -n +2 "$T" | wc -l)" -eq 10 ] && ok || bad "results.csv does not have 10 rows"
[ "$(tail -n +2 "$T" | cut -d, -f1 | tr '\n' ' ')" = "E123-E003 E116-E003 E123-E116 E003-E005 E003-E006 E006-E007 E005-E006 E003-E004 E004-E006 E037-E038 " ] \
  && ok || bad "results.csv pairs: $(tail -n +2 "$T" | cut -d, -f1 | tr '\n' ' ')"
[ "$(tail -n +2 "$T" | awk -F, '$NF == "ok"' | wc -l)" -eq 10 ] && ok || bad "not every run is ok"
[ -s "$O/study/results.md" ] && [ -s "$O/study/E037-E038/raw_d/seed1/metrics.json" ] && ok || bad "the study wrote no results.md or run folder"

# --- run again: prepare is not redone (another thread count changes nothing), the runs are reused ---
expect 0 bash "$S" --from "$R" --out "$O" --bin "$BIN" --threads 1 --prepare-args "--split 30,10,10" "${TINY[@]}"
contains "already done in $O/data"; lacks "deepdiff prepare --samples"
[ "$(grep -c "already complete" "$WORK/out")" -eq 10 ] && ok || bad "the re-run did not reuse the 10 runs"
# other prepare options on the same OUT: refused, naming the step
expect 1 bash "$S" --from "$R" --out "$O" --bin "$BIN" --prepare-args "--split 30,10,11" --prepare-only
contains "step 'deepdiff prepare'"; contains "another samplesheet or command"
# a failing step is named: deepdiff-pairs refuses an unknown model (its usage error)
expect 1 bash "$S" --from "$R" --out "$O" --bin "$BIN" --prepare-args "--split 30,10,10" --pairs-args "--model-names nope"
contains "step 'deepdiff-pairs' failed (exit 2)"

# --- GENCODE 10, two cells, prepare only ---
O2="$WORK/gencode2"
expect 0 bash "$S" --from "$R" --cells E003,E123 --annotation gencode --out "$O2" --bin "$BIN" --threads 2 \
  --prepare-args "--split 20,5,5" --prepare-only
contains "--genes $ROADMAP/gencode_10_genes.gtf.gz --out $O2/data --bin-order strand"; lacks "deepdiff-pairs --data-root"
[ "$(wc -l < "$O2/samples.csv")" -eq 13 ] && ok || bad "samples.csv for 2 cells: $(wc -l < "$O2/samples.csv") lines, wanted 13"
grep -q '"bin_order": "strand' "$O2/data/prepare.json" && ok || bad "gencode: bins not strand-oriented"
grep -q '"column": "E123"' "$O2/data/prepare.json" && [ -s "$O2/data/E123.test.csv" ] && ok || bad "gencode: E123 not prepared"
[ -e "$O2/study" ] && bad "--prepare-only ran the study" || ok

# --- --download-to, with a stand-in wget that copies from a local folder (no network here) ---
SERVER="$WORK/server"; sub "$SERVER" E003 E123
FAKE="$WORK/fakebin"; mkdir -p "$FAKE"
cat > "$FAKE/wget" <<'EOF'
#!/usr/bin/env bash
# stand-in for wget -c ... -P DIR URL: copies $FAKE_SERVER/NAME to DIR/NAME; exit 8 (server error) when absent
echo "wget $*" >> "$FAKE_LOG"
dir=.; url=
while [ $# -gt 0 ]; do case "$1" in -P) dir=$2; shift 2 ;; -*) shift ;; *) url=$1; shift ;; esac; done
name=${url##*/}
[ -f "$FAKE_SERVER/$name" ] || { echo "ERROR 404: Not Found." >&2; exit 8; }
cp -L "$FAKE_SERVER/$name" "$dir/$name"
EOF
chmod +x "$FAKE/wget"
export FAKE_SERVER="$SERVER" FAKE_LOG="$WORK/wget.log"
D="$WORK/dl"
DL=(env PATH="$FAKE:$PATH" bash "$S" --download-to "$D" --cells E003,E123 --bin "$BIN" --prepare-only --prepare-args "--split 20,5,5")
: > "$FAKE_LOG"
expect 0 "${DL[@]}" --out "$WORK/dl_out1"
contains "wget -c"; contains "all 10 files in $D"
[ "$(grep -c "^wget " "$FAKE_LOG")" -eq 10 ] && ok || bad "download: $(grep -c "^wget " "$FAKE_LOG") wget calls, wanted 10"
grep -q "^wget -c .* ${URL}E123-H3K36me3.tagAlign.gz$" "$FAKE_LOG" && ok || bad "download: no wget -c of E123-H3K36me3's URL"
[ "$(ls "$D" | grep -c 'tagAlign\.gz$')" -eq 10 ] && ok || bad "download: not 10 files in $D"
[ "$(wc -l < "$D/SHA256SUMS")" -eq 10 ] && (cd "$D" && sha256sum -c --quiet SHA256SUMS) && ok || bad "download: SHA256SUMS does not check"
[ -e "$D/.incomplete" ] && bad "download: .incomplete left behind" || ok
[ -s "$WORK/dl_out1/data/E003.train.csv" ] && ok || bad "download: prepare did not run after the download"
# again: every file is complete, nothing is fetched
: > "$FAKE_LOG"
expect 0 "${DL[@]}" --out "$WORK/dl_out2"
[ "$(grep -c "already complete" "$WORK/out")" -eq 10 ] && [ ! -s "$FAKE_LOG" ] && ok || bad "download again: files fetched again"
# a file in DIR but not recorded is tested and recorded; a partial one is completed
cp -L "$SERVER/E003-H3K4me3.tagAlign.gz" "$WORK/tmp.gz" && rm "$D/E003-H3K4me3.tagAlign.gz" && mv "$WORK/tmp.gz" "$D/E003-H3K4me3.tagAlign.gz"
grep -v "E003-H3K4me3" "$D/SHA256SUMS" > "$WORK/s" && mv "$WORK/s" "$D/SHA256SUMS"
rm "$D/E123-H3K9me3.tagAlign.gz"; mkdir -p "$D/.incomplete"
head -c 1000 "$SERVER/E123-H3K9me3.tagAlign.gz" > "$D/.incomplete/E123-H3K9me3.tagAlign.gz"
expect 1 bash "$S" --from "$D" --cells E003,E123 --out "$WORK/dl_x" --bin "$BIN"
contains "E123-H3K9me3.tagAlign.gz (a partial download is in $D/.incomplete"
: > "$FAKE_LOG"
expect 0 "${DL[@]}" --out "$WORK/dl_out3"
contains "E003-H3K4me3.tagAlign.gz: in $D but not in $D/SHA256SUMS: testing it"
[ "$(cat "$FAKE_LOG" | wc -l)" -eq 1 ] && grep -q "E123-H3K9me3" "$FAKE_LOG" && ok || bad "download: wanted one call, for E123-H3K9me3: $(cat "$FAKE_LOG")"
[ "$(wc -l < "$D/SHA256SUMS")" -eq 10 ] && (cd "$D" && sha256sum -c --quiet SHA256SUMS) && ok || bad "download: SHA256SUMS after repair"
# --checksums: the manifest of one download checks another copy (--from); a wrong hash is refused
cp "$D/SHA256SUMS" "$WORK/sums"
expect 0 bash "$S" --from "$D" --cells E003,E123 --out "$WORK/dl_out4" --bin "$BIN" --prepare-only --prepare-args "--split 20,5,5" --checksums "$WORK/sums"
[ "$(grep -c "checksum matches" "$WORK/out")" -eq 10 ] && ok || bad "--checksums: not 10 files checked"
sed 's/^[0-9a-f]\{6\}/000000/' "$WORK/sums" > "$WORK/badsums"
expect 1 bash "$S" --from "$D" --cells E003,E123 --out "$WORK/dl_out5" --bin "$BIN" --prepare-only --checksums "$WORK/badsums"
contains "checksum mismatch"; contains "E003-H3K4me1.tagAlign.gz"
# a file the server lacks, and a damaged download: exit 1 naming the file
rm "$SERVER/E123-H3K4me1.tagAlign.gz"
expect 1 env PATH="$FAKE:$PATH" bash "$S" --download-to "$WORK/dl2" --cells E003,E123 --bin "$BIN" --out "$WORK/dl_out6"
contains "step 'download': E123-H3K4me1.tagAlign.gz failed (wget exit 8, ${URL}E123-H3K4me1.tagAlign.gz)"
head -c 5000 "$R/E123-H3K4me1.tagAlign.gz" > "$SERVER/E123-H3K4me1.tagAlign.gz"
expect 1 env PATH="$FAKE:$PATH" bash "$S" --download-to "$WORK/dl2" --cells E003,E123 --bin "$BIN" --out "$WORK/dl_out6"
contains "E123-H3K4me1.tagAlign.gz is damaged (gzip -t failed"
[ -e "$WORK/dl2/E123-H3K4me1.tagAlign.gz" ] && bad "a damaged download was moved into the folder" || ok
[ -e "$WORK/dl_out6" ] && bad "a failed download created the output folder" || ok

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
