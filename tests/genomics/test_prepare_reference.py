#!/usr/bin/env python3
"""`deepdiff prepare` against the field's own tools, value for value.

Makes a small genome, a GTF annotation (+ and - genes, windows leaving both ends of a
chromosome, overlapping windows), and for two cells BAM (through samtools), tagAlign (plain
and gzip) and bigWig (through pyBigWig) files; cell B names its chromosomes 1, 2, MT while
the annotation says chr1, chr2, chrM. Then compares every gene, bin and mark of
`deepdiff prepare` with
  BAM      bedtools multicov -bams X.bam -bed BINS       (exact)
  tagAlign bedtools intersect -c -a BINS -b X.tagAlign   (exact)
  bigWig   computeMatrix reference-point --referencePoint TSS -b F -a F --binSize S
           --missingDataAsZero                           (1e-5 relative)
and checks --bin-order genomic, the same output for the same seed, and for 1 and 2 threads;
then two BAMs for one mark (replicates): multicov over both summed, plain and per million
usable reads (samtools view -c -F 0x600) with --normalize-marks cpm.

usage: test_prepare_reference.py DEEPDIFF_BINARY WORK_DIR      (exit 77: a tool is missing)
"""
import gzip
import json
import os
import random
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from prepare_checks import require_prepare, skip  # noqa: E402

DEEPDIFF, WORK = sys.argv[1], sys.argv[2]
BINS, BIN_SIZE = 20, 50          # window TSS +/- 500 bp
F = BINS * BIN_SIZE // 2
MARKS = ["H3K4me1", "H3K4me3", "H3K9me3", "H3K27me3", "H3K36me3"]

require_prepare(DEEPDIFF, ["samtools", "bedtools"])
try:
    import pyBigWig
except ImportError:
    skip("python3-pybigwig is not installed")
try:
    import deeptools.computeMatrix  # noqa: F401
except ImportError:
    skip("python3-deeptools (computeMatrix) is not installed")

shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
rng = random.Random(7)
CHROMS = {"chr1": 6000, "chr2": 4500, "chrM": 1600}
RENAME_B = {"chr1": "1", "chr2": "2", "chrM": "MT"}

# Genes: (id, name, chrom, start0, end, strand). Windows leaving the start (TSS < F) and the
# end (TSS > len - F) of a chromosome, on both strands; genes shorter than the window;
# neighbours whose windows overlap.
GENES = [
    ("ENSG00000000001.3", "ALPHA", "chr1", 100, 900, "+"),      # window leaves the start
    ("ENSG00000000002.1", "BETA", "chr1", 50, 300, "-"),        # - gene, TSS 300: leaves the start
    ("ENSG00000000003", "GAMMA", "chr1", 1500, 2600, "+"),
    ("ENSG00000000004.7", "DELTA", "chr1", 1800, 2400, "-"),    # overlaps GAMMA's window
    ("ENSG00000000005.2", "EPS", "chr1", 3000, 3010, "+"),      # 10 bp gene
    ("ENSG00000000006.1", "ZETA", "chr1", 4000, 5800, "-"),     # TSS 5800: leaves the end
    ("ENSG00000000007.1", "ETA", "chr1", 5700, 5950, "+"),      # leaves the end
    ("ENSG00000000008.4", "THETA", "chr2", 700, 2000, "+"),
    ("ENSG00000000009.1", "IOTA", "chr2", 1000, 1900, "-"),
    ("ENSG00000000010.1", "KAPPA", "chr2", 2500, 4400, "-"),
    ("ENSG00000000011.1", "LAMBDA", "chr2", 4300, 4490, "+"),
    ("ENSG00000000012.1", "MU", "chrM", 200, 1500, "+"),
    ("ENSG00000000013.1", "NU", "chrM", 300, 1550, "-"),
    ("ENSG00000000014.1", "XI", "chr1", 2900, 3700, "-"),
    ("ENSG00000000015.1", "OMI", "chr2", 3300, 3400, "+"),
    ("ENSG00000000016.1", "PI", "chr1", 600, 1200, "-"),
]


def write_gtf(path):
    with open(path, "w") as f:
        f.write("##description: test annotation\n")
        for gid, name, chrom, s, e, strand in GENES:
            attrs = 'gene_id "%s"; gene_type "protein_coding"; gene_name "%s";' % (gid, name)
            f.write("\t".join([chrom, "TEST", "gene", str(s + 1), str(e), ".", strand, ".", attrs]) + "\n")
            # a transcript and an exon record that must be ignored
            f.write("\t".join([chrom, "TEST", "transcript", str(s + 1), str(e), ".", strand, ".", attrs]) + "\n")
            f.write("\t".join([chrom, "TEST", "exon", str(s + 1), str(e), ".", strand, ".", attrs]) + "\n")


def tss(g):
    return g[4] if g[5] == "-" else g[3]


def genomic_bins(g):
    """[(bin index, start, end)] of the window in genomic order, clipped to the chromosome."""
    ws = tss(g) - F
    out = []
    for t in range(BINS):
        s, e = ws + t * BIN_SIZE, ws + (t + 1) * BIN_SIZE
        out.append((t, max(s, 0), min(e, CHROMS[g[2]])))
    return out


def write_bins_bed(path, names):
    """Every bin of every gene that lies (partly) inside its chromosome; name = gene index:bin."""
    with open(path, "w") as f:
        for gi, g in enumerate(GENES):
            for t, s, e in genomic_bins(g):
                if s < e:
                    f.write("%s\t%d\t%d\t%d:%d\t0\t%s\n" % (names[g[2]], s, e, gi, t, g[5]))


def random_reads(n, rlen=(20, 80)):
    """(chrom, start, end) with reads hanging over both chromosome ends."""
    reads = []
    for _ in range(n):
        chrom = rng.choice(list(CHROMS))
        ln = rng.randint(*rlen)
        s = rng.randint(0, CHROMS[chrom] - 1)
        reads.append((chrom, s, min(s + ln, CHROMS[chrom])))
    return reads


def write_sam_bam(path, names, n, index):
    """Alignments with splices (N), deletions, insertions, soft clips; flags 256/2048 (count),
    1024/512 (do not count), mapq 0; placed unmapped reads (no CIGAR)."""
    lines = ["@HD\tVN:1.6\tSO:unsorted"]
    for c, ln in CHROMS.items():
        lines.append("@SQ\tSN:%s\tLN:%d" % (names[c], ln))
    for i in range(n):
        chrom = rng.choice(list(CHROMS))
        pos = rng.randint(0, CHROMS[chrom] - 120)
        kind = rng.random()
        if kind < 0.15:
            cigar, rl = "20M%dN20M" % rng.randint(50, 80), 40
        elif kind < 0.25:
            cigar, rl = "15M5D25M", 40
        elif kind < 0.35:
            cigar, rl = "5S30M3I10M", 48
        else:
            m = rng.randint(20, 50)
            cigar, rl = "%dM" % m, m
        flag = rng.choice([0, 0, 0, 16, 16, 256, 2048, 1024, 512, 1040])
        mapq = rng.choice([0, 10, 60])
        seq = "".join(rng.choice("ACGT") for _ in range(rl))
        lines.append("\t".join(["r%d" % i, str(flag), names[chrom], str(pos + 1), str(mapq), cigar, "*", "0", "0",
                                seq, "*"]))
    for i in range(20):  # placed but unmapped (mate of a mapped read): no CIGAR, never counted
        chrom = rng.choice(list(CHROMS))
        lines.append("\t".join(["u%d" % i, "4", names[chrom], str(rng.randint(1, CHROMS[chrom] - 50)), "0", "*", "*",
                                "0", "0", "ACGTACGTAC", "*"]))
    sam = path[:-4] + ".sam"
    with open(sam, "w") as f:
        f.write("\n".join(lines) + "\n")
    subprocess.run(["samtools", "sort", "-o", path, sam], check=True, stderr=subprocess.DEVNULL)
    if index:
        subprocess.run(["samtools", "index", path], check=True)


def write_tagalign(path, names, n, gz):
    rows = ["%s\t%d\t%d\tN\t1000\t%s" % (names[c], s, e, rng.choice("+-")) for c, s, e in random_reads(n)]
    rng.shuffle(rows)  # unsorted on purpose
    data = ("\n".join(rows) + "\n").encode()
    if gz:
        with gzip.open(path, "wb") as f:
            f.write(data)
    else:
        with open(path, "wb") as f:
            f.write(data)


def write_bigwig(path, names):
    bw = pyBigWig.open(path, "w")
    bw.addHeader([(names[c], ln) for c, ln in CHROMS.items()])
    for c, ln in CHROMS.items():
        pos = 0
        starts, ends, vals = [], [], []
        while pos < ln:
            step = rng.randint(1, 90)
            if rng.random() < 0.7:  # covered stretch; the rest has no data (counts as 0)
                e = min(pos + step, ln)
                starts.append(pos)
                ends.append(e)
                vals.append(round(rng.uniform(0, 10), 3))
            pos += step + rng.randint(0, 40)
        bw.addEntries([names[c]] * len(starts), starts, ends=ends, values=vals)
    bw.close()


def make_cell(cell, names, suffix):
    d = os.path.join(WORK, "inputs")
    os.makedirs(d, exist_ok=True)
    files = {
        "H3K4me1": ("bam", cell + ".k4me1.bam"),          # indexed BAM: read by region
        "H3K4me3": ("reads", cell + ".k4me3.tagAlign"),
        "H3K9me3": ("bigwig", cell + ".k9me3.bw"),
        "H3K27me3": ("reads", cell + ".k27me3.tagAlign.gz"),
        "H3K36me3": ("bam", cell + ".k36me3" + suffix + ".bam"),  # without its index: read sequentially
    }
    for mark, (kind, name) in files.items():
        p = os.path.join(d, name)
        if kind == "bam":
            write_sam_bam(p, names, 3000, index=(mark == "H3K4me1"))
        elif kind == "reads":
            write_tagalign(p, names, 3000, gz=name.endswith(".gz"))
        else:
            write_bigwig(p, names)
    with open(os.path.join(d, cell + ".expr.tsv"), "w") as f:
        f.write("gene\tcount\n")
        for g in GENES:
            f.write("%s\t%d\n" % (g[0], rng.randint(0, 5000)))
    return files


write_gtf(os.path.join(WORK, "genes.gtf"))
IDENT = {c: c for c in CHROMS}
cells = {"CellA": (IDENT, make_cell("CellA", IDENT, "")), "CellB": (RENAME_B, make_cell("CellB", RENAME_B, ".noidx"))}
with open(os.path.join(WORK, "samples.csv"), "w") as f:
    f.write("cell,assay,path\n")
    for cell, (_, files) in cells.items():
        for mark, (_, name) in files.items():
            f.write("%s,%s,inputs/%s\n" % (cell, mark, name))
        f.write("%s,expression,inputs/%s.expr.tsv\n" % (cell, cell))


def prepare(out, *extra, samples="samples.csv"):
    cmd = [DEEPDIFF, "prepare", "--samples", os.path.join(WORK, samples), "--genes",
           os.path.join(WORK, "genes.gtf"), "--out", out, "--bins", str(BINS), "--bin-size", str(BIN_SIZE),
           "--split", "8,4,4", "--quiet"] + list(extra)
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        print(r.stdout, r.stderr)
        sys.exit("deepdiff prepare failed: " + " ".join(cmd))


def read_root(root):
    vals = {}
    for cell in cells:
        for split in ("train", "valid", "test"):
            with open(os.path.join(root, "%s.%s.csv" % (cell, split))) as f:
                for line in f:
                    fields = line.rstrip("\n").split(",")
                    gid, sym, b = fields[0].split("_")
                    vals[(cell, gid, int(b) - 1)] = [float(x) for x in fields[1:]]
    return vals


out = os.path.join(WORK, "root")
prepare(out, "--threads", "2")
ours = read_root(out)

failures = 0
checked = {"multicov": 0, "intersect": 0, "computeMatrix": 0}


def compare(cell, gi, t_genomic, mark_index, want, tool, rel=0.0):
    global failures
    g = GENES[gi]
    gid = g[0].split(".")[0]
    t = BINS - 1 - t_genomic if g[5] == "-" else t_genomic  # strand-aware: bin 1 most upstream
    got = ours[(cell, gid, t)][mark_index]
    ok = got == want if rel == 0 else abs(got - want) <= rel * max(abs(want), 1e-12) + 1e-12
    checked[tool] += 1
    if not ok:
        failures += 1
        if failures <= 20:
            print("MISMATCH %s %s %s bin %d (genomic %d) %s: ours %r, %s %r" % (cell, g[1], g[5], t + 1, t_genomic,
                                                                              MARKS[mark_index], got, tool, want))


for cell, (names, files) in cells.items():
    bins_bed = os.path.join(WORK, cell + ".bins.bed")
    write_bins_bed(bins_bed, names)
    inside = {}
    for gi, g in enumerate(GENES):
        for t, s, e in genomic_bins(g):
            inside[(gi, t)] = s < e
    for mi, mark in enumerate(MARKS):
        kind, name = files[mark]
        path = os.path.join(WORK, "inputs", name)
        if kind in ("bam", "reads"):
            if kind == "bam":
                ref_bam = os.path.join(WORK, cell + "." + mark + ".ref.bam")  # multicov needs an index
                shutil.copy(path, ref_bam)
                subprocess.run(["samtools", "index", ref_bam], check=True)
                cmd, tool = ["bedtools", "multicov", "-bams", ref_bam, "-bed", bins_bed], "multicov"
            else:
                cmd, tool = ["bedtools", "intersect", "-c", "-a", bins_bed, "-b", path], "intersect"
            res = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
            seen = set()
            for line in res.splitlines():
                f = line.split("\t")
                gi, t = map(int, f[3].split(":"))
                seen.add((gi, t))
                compare(cell, gi, t, mi, float(f[-1]), tool)
            for (gi, t), ins in inside.items():  # bins wholly outside the chromosome: 0
                if not ins:
                    compare(cell, gi, t, mi, 0.0, tool)
            assert len(seen) == sum(inside.values())
        else:
            genes_bed = os.path.join(WORK, "genes.bed")  # the annotation's names: computeMatrix renames itself
            with open(genes_bed, "w") as f:
                for g in GENES:
                    f.write("%s\t%d\t%d\t%s\t0\t%s\n" % (g[2], g[3], g[4], g[0], g[5]))
            mat = os.path.join(WORK, cell + ".matrix.tab")
            # computeMatrix itself (deepTools' own main), with one change: its text matrix is
            # printed with all digits ("%.17g" instead of "%.4g"), so 1e-5 can be checked.
            args = ["reference-point", "--referencePoint", "TSS", "-b", str(F), "-a", str(F),
                    "--binSize", str(BIN_SIZE), "-R", genes_bed, "-S", path, "--missingDataAsZero",
                    "--sortRegions", "keep", "-p", "1", "-o", os.path.join(WORK, cell + ".matrix.gz"),
                    "--outFileNameMatrix", mat]
            script = ("import sys, numpy as np\n"
                      "orig = np.savetxt\n"
                      "np.savetxt = lambda fh, X, fmt=None, **kw: orig(fh, X, fmt='%.17g', **kw)\n"
                      "from deeptools.computeMatrix import main\n"
                      "main(sys.argv[1:])\n")
            subprocess.run([sys.executable, "-c", script] + args, check=True, capture_output=True)
            rows = [l for l in open(mat) if not l.startswith("#") and not l.startswith("genes:")]
            assert len(rows) == len(GENES), "computeMatrix kept %d of %d regions" % (len(rows), len(GENES))
            for gi, line in enumerate(rows):
                vals = [float(x) for x in line.split("\t")]
                assert len(vals) == BINS
                for t_oriented, v in enumerate(vals):
                    # computeMatrix's row is already strand-oriented; map back to genomic order
                    t_gen = BINS - 1 - t_oriented if GENES[gi][5] == "-" else t_oriented
                    compare(cell, gi, t_gen, mi, v, "computeMatrix", rel=1e-5)

# The authors' layout: genomic bin order whatever the strand.
out_g = os.path.join(WORK, "root_genomic")
prepare(out_g, "--bin-order", "genomic", "--threads", "1")
genomic = read_root(out_g)
for gi, g in enumerate(GENES):
    gid = g[0].split(".")[0]
    for t in range(BINS):
        t_or = BINS - 1 - t if g[5] == "-" else t
        for cell in cells:
            if genomic[(cell, gid, t)] != ours[(cell, gid, t_or)]:
                failures += 1
                print("MISMATCH --bin-order genomic", cell, g[1], t)

# Same seed, 1 vs 2 threads, sequential BAM reading: the same files.
out_1 = os.path.join(WORK, "root_1thread")
prepare(out_1, "--threads", "1", "--ignore-index")
for name in sorted(os.listdir(out)):
    if name.endswith(".csv") or name == "genes.tsv":
        if open(os.path.join(out, name), "rb").read() != open(os.path.join(out_1, name), "rb").read():
            failures += 1
            print("DIFFERENT between runs (same seed; 2 threads + index vs 1 thread sequential):", name)
# Another seed draws other splits.
out_s = os.path.join(WORK, "root_seed2")
prepare(out_s, "--seed", "2")
if open(os.path.join(out, "genes.tsv")).read() == open(os.path.join(out_s, "genes.tsv")).read():
    failures += 1
    print("seeds 1 and 2 gave the same split")

# Replicates: a second BAM for CellA's H3K4me1 (indexed) and CellB's H3K36me3 (unindexed,
# chromosomes 1, 2, MT) are pooled: the sum of bedtools multicov's two columns. With
# --normalize-marks cpm, that sum per million of the two files' usable reads, counted by
# `samtools view -c -F 0x600` (all but duplicates and QC failures, as the bins count them).
REPS = {("CellA", "H3K4me1"): True, ("CellB", "H3K36me3"): False}
with open(os.path.join(WORK, "samples_rep.csv"), "w") as f:
    f.write(open(os.path.join(WORK, "samples.csv")).read())
    for (cell, mark), index in REPS.items():
        rep = os.path.join(WORK, "inputs", "%s.%s.rep2.bam" % (cell, mark))
        write_sam_bam(rep, cells[cell][0], 2500, index=index)
        f.write("%s,%s,inputs/%s\n" % (cell, mark, os.path.basename(rep)))


rep_plain, rep_cpm = os.path.join(WORK, "root_rep"), os.path.join(WORK, "root_rep_cpm")
prepare(rep_plain, samples="samples_rep.csv")
prepare(rep_cpm, "--normalize-marks", "cpm", samples="samples_rep.csv")
got_plain, got_cpm = read_root(rep_plain), read_root(rep_cpm)
rep_checked = 0
for (cell, mark), _ in REPS.items():
    names = cells[cell][0]
    paths = [os.path.join(WORK, "inputs", cells[cell][1][mark][1]),
             os.path.join(WORK, "inputs", "%s.%s.rep2.bam" % (cell, mark))]
    refs = []
    for k, p in enumerate(paths):
        ref = os.path.join(WORK, "%s.%s.rep%d.ref.bam" % (cell, mark, k + 1))
        shutil.copy(p, ref)
        subprocess.run(["samtools", "index", ref], check=True)
        refs.append(ref)
    library = sum(int(subprocess.run(["samtools", "view", "-c", "-F", "0x600", r], check=True, capture_output=True,
                                     text=True).stdout) for r in refs)
    bins_bed = os.path.join(WORK, cell + ".bins.bed")
    res = subprocess.run(["bedtools", "multicov", "-bams"] + refs + ["-bed", bins_bed], check=True, capture_output=True,
                         text=True).stdout
    mi = MARKS.index(mark)
    for line in res.splitlines():
        f = line.split("\t")
        gi, t = map(int, f[3].split(":"))
        g = GENES[gi]
        key = (cell, g[0].split(".")[0], BINS - 1 - t if g[5] == "-" else t)
        want = float(int(f[-2]) + int(f[-1]))
        rep_checked += 1
        if got_plain[key][mi] != want:
            failures += 1
            print("MISMATCH replicates %s %s %s genomic bin %d: ours %r, multicov summed %r" % (cell, mark, g[1], t,
                                                                                           got_plain[key][mi], want))
        want_cpm = want * 1e6 / library
        if abs(got_cpm[key][mi] - want_cpm) > 1e-12 * max(want_cpm, 1.0):
            failures += 1
            print("MISMATCH cpm %s %s %s genomic bin %d: ours %r, multicov x 1e6 / %d = %r" % (
                cell, mark, g[1], t, got_cpm[key][mi], library, want_cpm))
    listed = [x for x in json.load(open(os.path.join(rep_cpm, "prepare.json")))["inputs"]
              if x["cell"] == cell and x["assay"] == mark]
    if sorted(x["path"] for x in listed) != sorted(paths) or sum(x["library_reads"] for x in listed) != library:
        failures += 1
        print("prepare.json does not list both replicates of %s %s with %d reads: %r" % (cell, mark, library, listed))
print("replicates: %d bins compared with bedtools multicov summed over two BAMs (plain and cpm)" % rep_checked)
if rep_checked == 0:
    sys.exit("no replicate bin compared")

total = sum(checked.values())
print("compared %d values (multicov %d, intersect -c %d, computeMatrix %d): %d mismatches" %
      (total, checked["multicov"], checked["intersect"], checked["computeMatrix"], failures))
expected = 2 * len(GENES) * BINS * 5
if total != expected:
    sys.exit("expected %d comparisons, made %d" % (expected, total))
sys.exit(1 if failures else 0)
