# The small made-up project that the `deepdiff prepare` shell tests share (sourced after lib.sh;
# BIN and WORK must be set): chr1 of 400 kb, 60 genes on both strands (genes.bed), two cells A
# and B with the five marks as indexed BAM, tagAlign, gzip tagAlign, BED and unindexed BAM,
# expression tables, and samples.csv naming them. Gives I (the input folder) and the helpers
# reads, sam, sheet, no_csv and P (prepare on genes.bed with 10 bins of 50 bp).
# Skipped (exit 77, saying why) when deepdiff was built without the genomics readers or
# samtools, which makes the BAMs, is missing.
if "$BIN" prepare --help 2>&1 | grep -q "built without"; then
  echo "skipped: deepdiff was built without htslib/libBigWig (no prepare command)"; exit 77
fi
command -v samtools >/dev/null || { echo "skipped: samtools is not installed (apt-get install samtools)"; exit 77; }

# --- a small made-up genome: chr1 of 400 kb, 60 genes on both strands, reads per mark ---
I="$WORK/in"; mkdir -p "$I"
awk 'BEGIN { srand(5); for (g = 0; g < 60; g++) { s = 2000 + g * 6500; printf "chr1\t%d\t%d\tENSG%011d.%d_SYM%d\t0\t%s\n", s, s + 3000, g, 1 + g % 3, g, (g % 2 ? "-" : "+") } }' > "$I/genes.bed"
reads() {  # reads SEED N: tagAlign lines on chr1, denser near the genes of even index
  awk -v seed="$1" -v n="$2" 'BEGIN { srand(seed); for (i = 0; i < n; i++) { s = int(rand() * 399900); if (rand() < 0.5) { g = 2 * int(rand() * 30); s = 2000 + g * 6500 + int(rand() * 1500) - 500 } printf "chr1\t%d\t%d\tN\t1000\t%s\n", s, s + 36, (rand() < 0.5 ? "+" : "-") } }'
}
sam() {  # sam SEED N: the same kind of reads as a SAM file
  printf '@HD\tVN:1.6\tSO:unsorted\n@SQ\tSN:chr1\tLN:400000\n'
  reads "$1" "$2" | awk '{ printf "r%d\t0\tchr1\t%d\t60\t36M\t*\t0\t0\t*\t*\n", NR, $2 + 1 }'
}
for cell in A B; do
  seed=$([ $cell = A ] && echo 10 || echo 20)
  sam $seed 4000 > "$I/$cell.k4me1.sam"
  samtools sort -o "$I/$cell.k4me1.bam" "$I/$cell.k4me1.sam" 2>/dev/null && samtools index "$I/$cell.k4me1.bam"
  reads $((seed + 1)) 4000 > "$I/$cell.k4me3.tagAlign"
  reads $((seed + 2)) 3000 | gzip > "$I/$cell.k9me3.tagAlign.gz"
  reads $((seed + 3)) 3000 > "$I/$cell.k27me3.bed"
  sam $((seed + 4)) 4000 > "$I/$cell.k36me3.sam"
  samtools sort -o "$I/$cell.k36me3.bam" "$I/$cell.k36me3.sam" 2>/dev/null   # no index: read sequentially
  awk -v s=$seed 'BEGIN { srand(s) } { split($4, a, "_"); printf "%s,%d\n", a[1], int(rand() * 1000) }' "$I/genes.bed" > "$I/$cell.expr.csv"
done
sheet() {  # sheet CELLS... : a samplesheet for these cells, with expression
  echo "cell,assay,path"
  for c in "$@"; do
    echo "$c,H3K4me1,$c.k4me1.bam"; echo "$c,H3K4me3,$c.k4me3.tagAlign"; echo "$c,H3K9me3,$c.k9me3.tagAlign.gz"
    echo "$c,H3K27me3,$c.k27me3.bed"; echo "$c,H3K36me3,$c.k36me3.bam"; echo "$c,expression,$c.expr.csv"
  done
}
sheet A B > "$I/samples.csv"
no_csv() {  # no_csv DIR: the failed run left no CSV there (nor a temporary folder beside it)
  if ls "$1"/*.csv >/dev/null 2>&1; then bad "CSV files left in $1"; else ok; fi
  if ls -d "$(dirname "$1")"/.*prepare-tmp* >/dev/null 2>&1; then bad "temporary folder left beside $1"; else ok; fi
}
P() { "$BIN" prepare --genes "$I/genes.bed" --bins 10 --bin-size 50 "$@"; }

