#!/usr/bin/env python3
"""`deepdiff prepare` on the real Roadmap / GENCODE files the project ships in data/roadmap/.

Inputs: Roadmap's expression matrix (57epigenomes.N.pc.gz, genes x epigenomes), GENCODE 10's
gene records (gencode_10_genes.gtf.gz, the annotation the matrix was quantified against) and
the authors'-style gene-window file (GeneFile.txt.gz, `chrom start end ENSGID_SYMBOL`), with
small simulated gzip tagAlign files on hg19 chromosome names for two cells (E003, E123).
Checks, for both annotations:
  - the genes used are exactly those of the annotation that the matrix lists;
  - the expression written per cell is the matrix's column (E003 by the cell's name, E123
    named as path#E123);
  - every count of 100 genes x 200 bins x 5 marks x 2 cells equals `bedtools intersect -c`;
  - GENCODE: the TSS of 20 genes, taken by hand from the GTF's text (0-based: start - 1 for
    + genes, end for - genes); GeneFile: the windows are used as written, bins in genomic order;
and reports how often GeneFile's window is GENCODE 10's TSS +/- 10 kb (is it strand-aware?).
Then bad inputs, each refused naming the file (and the line) with no CSV left: a matrix
without the cell's column (the message lists the columns), a window of the wrong length, a
window name without a symbol, reads on chromosomes that match no gene.

usage: test_prepare_roadmap.py DEEPDIFF_BINARY ROADMAP_DIR WORK_DIR   (exit 77: a tool is missing)
"""
import gzip
import json
import os
import random
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from prepare_checks import check, failures, require_prepare  # noqa: E402

DEEPDIFF, ROADMAP, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
MARKS = ["H3K4me1", "H3K4me3", "H3K9me3", "H3K27me3", "H3K36me3"]
BINS, BIN_SIZE, HALF = 200, 100, 10000
MATRIX = os.path.join(ROADMAP, "57epigenomes.N.pc.gz")
GTF = os.path.join(ROADMAP, "gencode_10_genes.gtf.gz")
GENEFILE = os.path.join(ROADMAP, "GeneFile.txt.gz")

# 20 genes as GENCODE 10's text gives them (chrom, 1-based start, end, strand): the TSS is the
# 0-based start (start - 1) of a + gene and the end of a - gene, computeMatrix's reference point.
HAND = [
    ("ENSG00000000003", "TSPAN6", "chrX", 99883667, 99894988, "-"),
    ("ENSG00000000419", "DPM1", "chr20", 49551404, 49575092, "-"),
    ("ENSG00000136997", "MYC", "chr8", 128747680, 128753674, "+"),
    ("ENSG00000111640", "GAPDH", "chr12", 6643093, 6647537, "+"),
    ("ENSG00000075624", "ACTB", "chr7", 5566782, 5603415, "-"),
    ("ENSG00000141510", "TP53", "chr17", 7565097, 7590856, "-"),
    ("ENSG00000146648", "EGFR", "chr7", 55086714, 55324313, "+"),
    ("ENSG00000181449", "SOX2", "chr3", 181429714, 181432221, "+"),
    ("ENSG00000204531", "POU5F1", "chr6", 31130253, 31148508, "-"),
    ("ENSG00000111704", "NANOG", "chr12", 7940390, 7948655, "+"),
    ("ENSG00000213934", "HBG1", "chr11", 5269313, 5271122, "-"),
    ("ENSG00000102145", "GATA1", "chrX", 48644962, 48652718, "+"),
    ("ENSG00000162367", "TAL1", "chr1", 47681963, 47697892, "-"),
    ("ENSG00000174059", "CD34", "chr1", 208057594, 208084747, "-"),
    ("ENSG00000136826", "KLF4", "chr9", 110247133, 110252763, "-"),
    ("ENSG00000131914", "LIN28A", "chr1", 26737269, 26756213, "+"),
    ("ENSG00000012048", "BRCA1", "chr17", 41196312, 41322290, "-"),
    ("ENSG00000171862", "PTEN", "chr10", 89622870, 89731687, "+"),
    ("ENSG00000078399", "HOXA9", "chr7", 27202057, 27209269, "-"),
    ("ENSG00000102974", "CTCF", "chr16", 67596310, 67673086, "+"),
]

require_prepare(DEEPDIFF, ["bedtools"])
for f in (MATRIX, GTF, GENEFILE):
    if not os.path.exists(f):
        sys.exit("missing " + f + ": the project's data/roadmap/ should hold it")
shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)

# --- the files, read here independently ---
with gzip.open(MATRIX, "rt") as f:
    header = f.readline().rstrip("\n").rstrip("\t").split("\t")
    matrix = {}
    for line in f:
        v = line.rstrip("\n").split("\t")
        matrix[v[0]] = (v[header.index("E003")], v[header.index("E123")])
gtf = {}  # id -> (chrom, tss0, strand)
with gzip.open(GTF, "rt") as f:
    for line in f:
        if line.startswith("#"):
            continue
        v = line.rstrip("\n").split("\t")
        if v[2] != "gene":
            continue
        gid = v[8].split('gene_id "')[1].split('"')[0].split(".")[0]
        tss = int(v[3]) - 1 if v[6] != "-" else int(v[4])
        gtf.setdefault(gid, (v[0], tss, v[6]))
windows = {}  # id -> (chrom, start, end)
with gzip.open(GENEFILE, "rt") as f:
    for line in f:
        c, s, e, name = line.rstrip("\n").split("\t")
        windows.setdefault(name.split("_")[0], (c, int(s), int(e)))
CHROMS = sorted({w[0] for w in windows.values()})

# --- two cells of simulated reads: 36-bp reads in and around 100 genes' windows (both
# annotations' windows, which mostly coincide), zero-length and boundary cases, reads on a
# chromosome no gene is on, and background ---
rng = random.Random(24)
shared = sorted(set(windows) & set(gtf) & set(matrix))
chosen = sorted(rng.sample(shared, 100))
split_of = {g: ("train" if i % 5 < 3 else "valid" if i % 5 == 3 else "test") for i, g in enumerate(chosen)}
with open(os.path.join(WORK, "splits.tsv"), "w") as f:
    f.write("gene\tsplit\n")
    for g in chosen:
        f.write(g + "\t" + split_of[g] + "\n")
sheet = ["cell,assay,path"]
for cell in ("E003", "E123"):
    for mi, mark in enumerate(MARKS):
        reads = []
        for g in chosen:
            c, s, e = windows[g]
            for _ in range(rng.randrange(0, 40 + 20 * mi)):
                p = rng.randrange(s - 500, e + 500)
                reads.append((c, p, p + 36))
            reads.append((c, s + 100 * rng.randrange(0, BINS), None))  # on a bin boundary
        for _ in range(2000):
            c = rng.choice(CHROMS)
            p = rng.randrange(0, 50_000_000)
            reads.append((c, p, p + 36))
        reads += [("chrUn_gl000220", 1000, 1036), ("chrM", 100, 136)]
        rng.shuffle(reads)
        path = os.path.join(WORK, "%s-%s.tagAlign.gz" % (cell, mark))
        with gzip.open(path, "wt") as out:
            for c, s, e in reads:
                out.write("%s\t%d\t%d\tN\t1000\t%s\n" % (c, s, s + 36 if e is None else e, rng.choice("+-")))
        sheet.append("%s,%s,%s" % (cell, mark, os.path.basename(path)))
    sheet.append("E003,expression," + MATRIX if cell == "E003" else "E123,expression," + MATRIX + "#E123")
with open(os.path.join(WORK, "samples.csv"), "w") as f:
    f.write("\n".join(sheet) + "\n")


def prepare(out, genes, *extra):
    return subprocess.run([DEEPDIFF, "prepare", "--samples", os.path.join(WORK, "samples.csv"), "--genes", genes,
                           "--out", out, "--split-from", os.path.join(WORK, "splits.tsv"), "--quiet"] + list(extra),
                          capture_output=True, text=True)


def read_csv_rows(path):
    rows = {}
    with open(path) as f:
        for line in f:
            v = line.rstrip("\n").split(",")
            rows[v[0]] = v[1:]
    return rows


def bedtools_counts(cell, mark, bins_bed):
    out = subprocess.run(["bedtools", "intersect", "-c", "-a", bins_bed, "-b",
                          os.path.join(WORK, "%s-%s.tagAlign.gz" % (cell, mark))],
                         capture_output=True, text=True, check=True).stdout
    return {line.split("\t")[3]: int(line.split("\t")[-1]) for line in out.splitlines()}


def check_root(root, name, window_of, flip):
    """window_of(g) -> (chrom, start); flip(g): bins read right to left."""
    j = json.load(open(os.path.join(root, "prepare.json")))
    cols = {x["cell"]: x.get("column") for x in j["inputs"] if x["assay"] == "expression"}
    check(cols == {"E003": "E003", "E123": "E123"}, name + ": prepare.json records the matrix column per cell " + str(cols))
    # The genes written and their expression.
    for ci, cell in enumerate(("E003", "E123")):
        expr = dict(line.strip().split(",") for line in open(os.path.join(root, cell + ".expr.csv")))
        check(sorted(expr) == chosen, name + ": " + cell + ".expr.csv lists the 100 genes of the split")
        bad = [g for g in chosen if float(expr[g]) != float(matrix[g][ci])]
        check(not bad, name + ": " + cell + " expression = the matrix's " + cell + " column (" + str(len(bad)) + " differ)")
    # Counts against bedtools intersect -c, every bin of every gene written.
    bins_bed = os.path.join(WORK, name + ".bins.bed")
    with open(bins_bed, "w") as f:
        for g in chosen:
            c, s = window_of(g)
            for t in range(BINS):
                b = BINS - 1 - t if flip(g) else t
                a = s + b * BIN_SIZE
                if a + BIN_SIZE > 0:
                    f.write("%s\t%d\t%d\t%s_%d\n" % (c, max(a, 0), a + BIN_SIZE, g, t + 1))
    compared = mismatches = 0
    for cell in ("E003", "E123"):
        rows = {}
        for s in ("train", "valid", "test"):
            for k, v in read_csv_rows(os.path.join(root, "%s.%s.csv" % (cell, s))).items():
                rows[k.split("_")[0] + "_" + k.rsplit("_", 1)[1]] = v  # ENSGID_SYMBOL_BIN -> ENSGID_BIN
        for m, mark in enumerate(MARKS):
            ref = bedtools_counts(cell, mark, bins_bed)
            for key, n in ref.items():
                compared += 1
                if int(rows[key][m]) != n:
                    mismatches += 1
                    if mismatches <= 5:
                        print("   %s %s %s: ours %s, bedtools %d" % (cell, mark, key, rows[key][m], n))
    check(compared == 100 * BINS * 5 * 2 and mismatches == 0,
          "%s: %d counts equal bedtools intersect -c (%d differ)" % (name, compared, mismatches))
    return j


# --- GeneFile as --genes ---
r = prepare(os.path.join(WORK, "genefile"), GENEFILE)
check(r.returncode == 0, "prepare with GeneFile.txt.gz exits 0" + ("" if r.returncode == 0 else ": " + r.stderr))
if r.returncode == 0:
    j = check_root(os.path.join(WORK, "genefile"), "GeneFile", lambda g: windows[g][:2], lambda g: False)
    used = set(windows) & set(matrix)
    check(j["genes"]["with_all_inputs"] == len(used),
          "GeneFile: %d genes used = the window file's genes that the matrix lists (%d)" % (j["genes"]["with_all_inputs"], len(used)))
    check(j["annotation"]["format"] == "gene-window file" and j["settings"]["bin_order"].startswith("genomic"),
          "GeneFile: read as a gene-window file, bins in genomic order (" + j["settings"]["bin_order"] + ")")

# --- GENCODE 10 as --genes (strand-oriented bins, the default) ---
r = prepare(os.path.join(WORK, "gencode"), GTF)
check(r.returncode == 0, "prepare with gencode_10_genes.gtf.gz exits 0" + ("" if r.returncode == 0 else ": " + r.stderr))
if r.returncode == 0:
    root = os.path.join(WORK, "gencode")
    j = check_root(root, "GENCODE", lambda g: (gtf[g][0], gtf[g][1] - HALF), lambda g: gtf[g][2] == "-")
    used = set(gtf) & set(matrix)
    check(j["genes"]["with_all_inputs"] == len(used),
          "GENCODE: %d genes used = the GTF's genes that the matrix lists (%d)" % (j["genes"]["with_all_inputs"], len(used)))
    tsv = {}
    for line in list(open(os.path.join(root, "genes.tsv")))[1:]:
        v = line.rstrip("\n").split("\t")
        tsv[v[0]] = v
    for gid, sym, chrom, start1, end, strand in HAND:
        want = start1 - 1 if strand == "+" else end
        got = tsv.get(gid)
        check(got is not None and got[1] == sym and got[2] == chrom and int(got[3]) == want and got[4] == strand,
              "GENCODE: %s %s TSS %s:%d (%s), from the GTF line %d-%d; genes.tsv says %s" %
              (gid, sym, chrom, want, strand, start1, end, "\t".join(got[1:5]) if got else "nothing"))
    # Is GeneFile GENCODE 10's TSS +/- 10 kb, strand-aware?
    both = sorted(set(windows) & set(gtf))
    exact = plus_one = other = 0
    for g in both:
        c, s, e = windows[g]
        chrom, tss, strand = gtf[g]
        centre = s + HALF
        if c == chrom and centre == tss:
            exact += 1
        elif c == chrom and centre == tss + 1 and strand == "+":
            plus_one += 1
        else:
            other += 1
    n = len(both)
    print("GeneFile vs GENCODE 10 on %d shared genes: window = TSS +/- 10 kb exactly for %d (%.1f%%); "
          "1 bp right of it, all + genes (the GTF's 1-based start as the centre), %d (%.1f%%); elsewhere %d (%.1f%%)"
          % (n, exact, 100.0 * exact / n, plus_one, 100.0 * plus_one / n, other, 100.0 * other / n))
    check((exact + plus_one) / n > 0.95, "GeneFile's windows follow GENCODE 10's strand-aware TSS for > 95% of shared genes")

# --- bad inputs: refused naming the file (and line), nothing written ---
def refused(name, sheet_lines, genes, *needles, extra=()):
    sheet_path = os.path.join(WORK, name + ".csv")
    with open(sheet_path, "w") as f:
        f.write("\n".join(sheet_lines) + "\n")
    out = os.path.join(WORK, "bad_" + name)
    r = subprocess.run([DEEPDIFF, "prepare", "--samples", sheet_path, "--genes", genes, "--out", out, "--quiet"] + list(extra),
                       capture_output=True, text=True)
    msg = r.stdout + r.stderr
    left = [f for f in (os.listdir(out) if os.path.isdir(out) else []) if f.endswith(".csv")]
    ok = r.returncode == 1 and all(n in msg for n in needles) and not left
    check(ok, "refused: " + name + ("" if ok else " (exit %d, CSV left %s): %s" % (r.returncode, left, msg.strip())))


no_column = [l.replace("E123,expression," + MATRIX + "#E123", "E123,expression," + MATRIX + "#E999") for l in sheet]
refused("matrix_without_column", no_column, GENEFILE, "57epigenomes.N.pc.gz", "no column E999", "E000, E003, E004")
renamed = [l.replace("E123,", "K562,") for l in sheet]
renamed = [l.replace(MATRIX + "#E123", MATRIX) for l in renamed]
refused("matrix_without_cell", renamed, GENEFILE, "57epigenomes.N.pc.gz", "no column K562")
lines = gzip.open(GENEFILE, "rt").read().splitlines()
c, s, e, nm = lines[7].split("\t")
wrong_len = lines[:7] + ["\t".join([c, s, str(int(e) + 100), nm])] + lines[8:40]
with open(os.path.join(WORK, "wrong_len.txt"), "w") as f:
    f.write("\n".join(wrong_len) + "\n")
refused("window_wrong_length", sheet, os.path.join(WORK, "wrong_len.txt"), "wrong_len.txt:8", "20100 bp")
no_symbol = lines[:4] + ["\t".join(lines[4].split("\t")[:3] + [lines[4].split("\t")[3].split("_")[0]])] + lines[5:40]
with open(os.path.join(WORK, "no_symbol.txt"), "w") as f:
    f.write("\n".join(no_symbol) + "\n")
refused("window_without_symbol", sheet, os.path.join(WORK, "no_symbol.txt"), "no_symbol.txt:5", "ID_SYMBOL")
with gzip.open(os.path.join(WORK, "scaffolds.tagAlign.gz"), "wt") as f:
    for i in range(50):
        f.write("scaffold_%d\t%d\t%d\tN\t1000\t+\n" % (i % 3, 100 * i, 100 * i + 36))
other_names = [l.replace("E003-H3K9me3.tagAlign.gz", "scaffolds.tagAlign.gz") for l in sheet]
refused("reads_on_no_gene_chromosome", other_names, GENEFILE, "scaffolds.tagAlign.gz", "no read falls on any chromosome")

if failures:
    print("%d check(s) failed" % len(failures))
    sys.exit(1)
print("all checks passed")
