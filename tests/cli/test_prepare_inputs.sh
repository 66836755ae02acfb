#!/usr/bin/env bash
# `deepdiff prepare` on signal files and annotations that are wrong in ways a lab meets
# (issue 26): tagAlign records with start > end or of zero length (against bedtools itself),
# `1` and `chr1` in one file, files without a usable read, a stale BAM index, bedGraph and
# narrowPeak files, genes past a chromosome's end, one file given twice, percent-encoded GFF3
# ids, a folder or FIFO as a signal path, a damaged gzip annotation.
# Exit 77 (skipped) when the program was built without the genomics readers or samtools or
# bedtools is missing. usage: test_prepare_inputs.sh PATH/TO/deepdiff WORK_DIR
set -u
BIN=$1
WORK=$2
rm -rf "$WORK" && mkdir -p "$WORK"
source "$(dirname "$0")/lib.sh"

command -v bedtools >/dev/null || { echo "skipped: bedtools is not installed (apt-get install bedtools)"; exit 77; }
source "$(dirname "$0")/prepare_fixture.sh"
S="$I/samples.csv"
n=0
# with FILE [FILE2]: a samplesheet whose cell A H3K4me3 is FILE (and H3K27me3 FILE2)
with() {
  n=$((n + 1))
  local s="$I/s_$n.csv"
  sed "s|A.k4me3.tagAlign|$1|" "$S" > "$s"
  [ $# -gt 1 ] && sed -i "s|A.k27me3.bed|$2|" "$s"
  echo "$s"
}
# col3 DIR: "row,H3K4me3" of cell A, every split, sorted
col3() { cat "$1"/A.train.csv "$1"/A.valid.csv "$1"/A.test.csv | cut -d, -f1,3 | sort; }
G() { P --split 36,12,12 --seed 4 --bin-order genomic "$@"; }

expect 0 G --samples "$S" --out "$WORK/base" --quiet

# --- 6. start > end: refused naming the line (bedtools refuses the file too) ---
{ head -n 5 "$I/A.k4me3.tagAlign"; printf 'chr1\t5000\t4000\tN\t1000\t+\n'; } > "$I/neg.tagAlign"
expect 1 G --samples "$(with neg.tagAlign)" --out "$WORK/neg"
contains "neg.tagAlign:6"; contains "before start"; no_csv "$WORK/neg"

# --- 6. zero-length reads: counted where `bedtools intersect -c` counts them ---
# Reads of zero length inside bins and on bin and window boundaries, plus ordinary reads.
awk -F'\t' '{ print $2 }' "$I/genes.bed" > /dev/null
awk 'BEGIN { OFS = "\t" } { t = ($6 == "-" ? $3 : $2); for (k = -6; k <= 6; k++) { p = t + 50 * k; print "chr1", p, p, "Z", 0, "+"; print "chr1", p + 7, p + 7, "Z", 0, "+" } }' "$I/genes.bed" > "$I/zero.tagAlign"
head -n 2000 "$I/A.k4me3.tagAlign" >> "$I/zero.tagAlign"
expect 0 G --samples "$(with zero.tagAlign)" --out "$WORK/zero" --quiet
# the bins in genomic order, named as prepare names its rows
awk 'BEGIN { OFS = "\t" } { t = ($6 == "-" ? $3 : $2); split($4, a, "_"); sub(/\.[0-9]+$/, "", a[1]); for (b = 0; b < 10; b++) print "chr1", t - 250 + 50 * b, t - 200 + 50 * b, a[1] "_" a[2] "_" (b + 1) }' "$I/genes.bed" > "$WORK/bins.bed"
bedtools intersect -c -a "$WORK/bins.bed" -b "$I/zero.tagAlign" | awk '{ print $4 "," $5 }' | sort > "$WORK/zero.bedtools"
col3 "$WORK/zero" > "$WORK/zero.prepare"
if cmp -s "$WORK/zero.bedtools" "$WORK/zero.prepare"; then ok; else
  bad "zero-length reads: $(diff "$WORK/zero.bedtools" "$WORK/zero.prepare" | grep -c '^<') of $(wc -l < "$WORK/zero.bedtools") bins differ from bedtools intersect -c"
fi

# --- 7. `1` and `chr1` in one tagAlign: the annotation's spelling wins, the other is left out (noted) ---
{ cat "$I/A.k4me3.tagAlign"; sed 's/^chr1/1/' "$I/B.k4me3.tagAlign"; } > "$I/mixed.tagAlign"
expect 0 G --samples "$(with mixed.tagAlign)" --out "$WORK/mixed"
contains "4000 records on 1 left out"
[ "$(col3 "$WORK/mixed")" = "$(col3 "$WORK/base")" ] && ok || bad "records under the other spelling were counted"
# only `1`: matched to chr1 (as deepTools does), with a note
sed 's/^chr1/1/' "$I/A.k4me3.tagAlign" > "$I/alias.tagAlign"
expect 0 G --samples "$(with alias.tagAlign)" --out "$WORK/alias"
contains "records on 1 counted for the annotation's chr1"
[ "$(col3 "$WORK/alias")" = "$(col3 "$WORK/base")" ] && ok || bad "a file naming chr1 as 1 did not give the same counts"

# --- 8. no usable read: an empty gzip, only track lines, a BAM of unmapped reads ---
printf '' | gzip > "$I/empty.tagAlign.gz"
expect 1 G --samples "$(with empty.tagAlign.gz)" --out "$WORK/e1";  contains "empty.tagAlign.gz"; contains "no reads"
printf 'track name=x\n#comment\nbrowser position chr1:1-100\n' > "$I/track.bed"
expect 1 G --samples "$(with track.bed)" --out "$WORK/e2";         contains "track.bed"; contains "no reads"
{ printf '@HD\tVN:1.6\tSO:coordinate\n@SQ\tSN:chr1\tLN:400000\n'
  for i in $(seq 50); do printf 'u%d\t4\t*\t0\t0\t*\t*\t0\t0\tACGT\tIIII\n' $i; done; } > "$I/unmapped.sam"
samtools view -b -o "$I/unmapped.bam" "$I/unmapped.sam" 2>/dev/null
cp "$I/unmapped.bam" "$I/unmapped_ix.bam" && samtools index "$I/unmapped_ix.bam"
expect 1 G --samples "$(with unmapped.bam)" --out "$WORK/e3";      contains "unmapped.bam"; contains "no usable alignment"
printf '@HD\tVN:1.6\tSO:coordinate\n@SQ\tSN:chr1\tLN:400000\n' > "$I/header_only.sam"
expect 1 G --samples "$(with header_only.sam)" --out "$WORK/e5";   contains "header_only.sam"; contains "no usable alignment in 0 records"
expect 1 G --samples "$(with unmapped_ix.bam)" --out "$WORK/e4";   contains "unmapped_ix.bam"; contains "no alignment"; no_csv "$WORK/e4"

# --- 9. a stale index: detected, the BAM read from start to end, with a note ---
samtools sort -o "$I/stale.bam" "$I/A.k4me1.sam" 2>/dev/null && samtools index "$I/stale.bam"
sam 77 300 > "$I/other.sam"
sleep 1.1
samtools sort -o "$I/stale.bam" "$I/other.sam" 2>/dev/null   # rewritten after its index
sed 's|A.k4me3.tagAlign|stale.bam|' "$S" > "$I/s_stale.csv"
expect 0 G --samples "$I/s_stale.csv" --out "$WORK/stale"
contains "stale.bam: its index is older than the BAM"
expect 0 G --samples "$I/s_stale.csv" --out "$WORK/stale_seq" --ignore-index --quiet
[ "$(col3 "$WORK/stale")" = "$(col3 "$WORK/stale_seq")" ] && ok || bad "a stale index gave other counts than reading the BAM through"
# the index touched to look newer: found by its offsets and records instead
touch "$I/stale.bam.bai"
expect 0 G --samples "$I/s_stale.csv" --out "$WORK/stale2"
contains "stale.bam: its index"; lacks "older than"
[ "$(col3 "$WORK/stale2")" = "$(col3 "$WORK/stale_seq")" ] && ok || bad "a stale (newer-looking) index gave wrong counts"
# reads added inside the last gene's window, the index touched to look newer: its offsets
# still parse, but its last chunk of chr1 ends before the BAM's last records
sam 41 4000 > "$I/st.sam"
samtools sort -o "$I/st2.bam" "$I/st.sam" 2>/dev/null && samtools index "$I/st2.bam"
{ cat "$I/st.sam"; awk 'BEGIN { for (i = 0; i < 300; i++) printf "x%d\t0\tchr1\t%d\t60\t36M\t*\t0\t0\t*\t*\n", i, 385300 + i }'; } |
  samtools sort -o "$I/st2.new.bam" - 2>/dev/null && mv "$I/st2.new.bam" "$I/st2.bam" && touch "$I/st2.bam.bai"
sed 's|A.k4me3.tagAlign|st2.bam|' "$S" > "$I/s_st2.csv"
expect 0 G --samples "$I/s_st2.csv" --out "$WORK/st2"
contains "st2.bam: its index does not match the BAM's records"
expect 0 G --samples "$I/s_st2.csv" --out "$WORK/st2_seq" --ignore-index --quiet
[ "$(col3 "$WORK/st2")" = "$(col3 "$WORK/st2_seq")" ] && ok || bad "an index missing the added reads gave wrong counts"
# a valid index raises nothing
expect 0 G --samples "$S" --out "$WORK/fresh";  lacks "its index"

# --- 10. bedGraph refused (values, not reads); narrowPeak counted as reads with a note ---
awk 'BEGIN { OFS = "\t" } NR <= 50 { print $1, $2, $3, NR / 10 }' "$I/A.k4me3.tagAlign" > "$I/signal.bedGraph"
expect 1 G --samples "$(with signal.bedGraph)" --out "$WORK/bg1";   contains "signal.bedGraph"; contains "bedGraph"; contains "bigWig"
{ echo "track type=bedGraph name=x"; cat "$I/A.k4me3.tagAlign"; } > "$I/typed.bed"
expect 1 G --samples "$(with typed.bed)" --out "$WORK/bg2";         contains "typed.bed:1"; contains "bedGraph"
awk 'BEGIN { OFS = "\t" } NR <= 300 { print $1, $2, $3 + 200, "peak" NR, 500, ".", 12.5, 8.1, 6.2, 100 }' "$I/A.k4me3.tagAlign" > "$I/peaks.narrowPeak"
expect 0 G --samples "$(with peaks.narrowPeak)" --out "$WORK/np";   contains "narrowPeak file: each peak is counted as one read"

# --- 11. genes past a chromosome's end (another build): refused naming the gene and the length ---
{ cat "$I/genes.bed"; printf 'chr1\t399500\t402000\tENSG09999999999.1_FAR\t0\t+\n'; } > "$I/genes_far.bed"
awk -F, '{ print } END { print "ENSG09999999999,5" }' "$I/A.expr.csv" > "$I/A.far.csv"
awk -F, '{ print } END { print "ENSG09999999999,7" }' "$I/B.expr.csv" > "$I/B.far.csv"
sed -e 's/A.expr.csv/A.far.csv/' -e 's/B.expr.csv/B.far.csv/' "$S" > "$I/s_far.csv"
expect 1 "$BIN" prepare --samples "$I/s_far.csv" --genes "$I/genes_far.bed" --bins 10 --bin-size 50 --out "$WORK/far"
contains "A.k4me1.bam"; contains "ENSG09999999999"; contains "400000 bp"; contains "different genome builds"; no_csv "$WORK/far"
# a - gene ending on the chromosome's last base lies within it (end is exclusive)
{ cat "$I/genes.bed"; printf 'chr1\t397000\t400000\tENSG09999999998.1_LAST\t0\t-\n'; } > "$I/genes_last.bed"
awk -F, '{ print } END { print "ENSG09999999998,5" }' "$I/A.expr.csv" > "$I/A.last.csv"
awk -F, '{ print } END { print "ENSG09999999998,7" }' "$I/B.expr.csv" > "$I/B.last.csv"
sed -e 's/A.expr.csv/A.last.csv/' -e 's/B.expr.csv/B.last.csv/' "$S" > "$I/s_last.csv"
expect 0 "$BIN" prepare --samples "$I/s_last.csv" --genes "$I/genes_last.bed" --bins 10 --bin-size 50 --out "$WORK/last"
contains "x 61 genes"
# genes without a single read in a file: noted per file
awk '$2 < 200000' "$I/A.k4me3.tagAlign" > "$I/half.tagAlign"
expect 0 G --samples "$(with half.tagAlign)" --out "$WORK/half"
contains "half.tagAlign: [0-9]* of 60 genes have no read in their window"

# --- 14. one file given for two marks: noted ---
expect 0 G --samples "$(with A.k4me3.tagAlign A.k4me3.tagAlign)" --out "$WORK/twice"
contains "is given for both A H3K4me3 and A H3K27me3"
ln -sf A.k4me3.tagAlign "$I/link.tagAlign"
expect 0 G --samples "$(with A.k4me3.tagAlign link.tagAlign)" --out "$WORK/twice_link"
contains "link.tagAlign is given for both A H3K4me3 and A H3K27me3 (as"
expect 0 G --samples "$S" --out "$WORK/once";  lacks "is given for both"

# --- 15. GFF3 ids percent-encoded: decoded as the GFF3 spec says ---
{ echo "##gff-version 3"
  awk 'BEGIN { OFS = "\t" } { split($4, a, "_"); print $1, "src", "gene", $2 + 1, $3, ".", $6, ".", "ID=gene%3A" a[1] ";Name=" a[2] "%2Cx" }' "$I/genes.bed"; } > "$I/genes.gff3"
expect 0 "$BIN" prepare --samples "$S" --genes "$I/genes.gff3" --bins 10 --bin-size 50 --split 36,12,12 --out "$WORK/gff"
contains "prepared 2 cells x 60 genes"
grep -q "^ENSG00000000000	SYM0-x	" "$WORK/gff/genes.tsv" && ok || bad "GFF3 ids not decoded: $(sed -n 2p "$WORK/gff/genes.tsv")"

# --- 16. a folder or a FIFO as a signal path; a damaged gzip annotation ---
mkdir -p "$I/adir"
expect 1 G --samples "$(with adir)" --out "$WORK/d1";    contains "adir: is a directory"; lacks "empty file"
mkfifo "$I/afifo"
expect 1 timeout 20 "$BIN" prepare --samples "$(with afifo)" --genes "$I/genes.bed" --bins 10 --bin-size 50 --out "$WORK/d2"
contains "afifo: not a regular file (a FIFO"
gzip -c "$I/genes.bed" > "$I/genes.bed.gz"; head -c $(($(stat -c %s "$I/genes.bed.gz") - 30)) "$I/genes.bed.gz" > "$I/genes_cut.bed.gz"
expect 1 "$BIN" prepare --samples "$S" --genes "$I/genes_cut.bed.gz" --bins 10 --bin-size 50 --out "$WORK/d3"
contains "genes_cut.bed.gz"; contains "damaged compressed file"; lacks "expected"; lacks "must be"
head -c 6 "$I/genes.bed.gz" > "$I/genes_head.bed.gz"   # cut inside the gzip header: htslib reads it as text
expect 1 "$BIN" prepare --samples "$S" --genes "$I/genes_head.bed.gz" --bins 10 --bin-size 50 --out "$WORK/d5"
contains "genes_head.bed.gz: damaged compressed file"; lacks "genes_head.bed.gz:1"
reads 31 20000 | gzip | head -c 60000 > "$I/cut.tagAlign.gz"   # cut mid-line, thousands of lines in
expect 1 G --samples "$(with cut.tagAlign.gz)" --out "$WORK/d4"
contains "cut.tagAlign.gz:[0-9]*: damaged compressed file"; lacks "before start"; lacks "must be"

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
