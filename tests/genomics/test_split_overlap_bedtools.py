#!/usr/bin/env python3
"""`deepdiff prepare`'s split-overlap report and --no-overlap, against bedtools itself.

Makes a small genome (three chromosomes) with 400 genes close enough that most TSS windows
overlap a neighbour's (bidirectional pairs, nested genes, windows that exactly abut, windows
leaving the chromosome's start), one cell of tagAlign reads, and runs the real command. From
genes.tsv it writes each split's windows (TSS +/- bins*bin_size/2, clipped at 0) to BED and
checks, for valid vs train, test vs train and test vs valid:
  genes  = bedtools intersect -u -a SPLIT.bed -b OTHER.bed | wc -l
  bp     = bedtools merge OTHER.bed, then the lengths of bedtools intersect -a SPLIT.bed -b MERGED
equal prepare.json's split_overlap and the log line; then that with --no-overlap bedtools
finds no overlap across splits, every cluster (bedtools merge -d -1: overlapping, not
abutting) lies in one split, and the splits have the sizes asked (--split and the published
share of --test-chromosomes' valid draw); the same seed gives the same genes.tsv, another
seed another; --no-overlap with --split-from is a usage error naming both flags (exit 2).

usage: test_split_overlap_bedtools.py DEEPDIFF_BINARY WORK_DIR      (exit 77: a tool is missing)
"""
import json
import os
import random
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from prepare_checks import check, failures, require_prepare  # noqa: E402

DEEPDIFF, WORK = sys.argv[1], sys.argv[2]
BINS, BIN_SIZE = 20, 50
F = BINS * BIN_SIZE // 2  # windows TSS +/- 500 bp
MARKS = ["H3K4me1", "H3K4me3", "H3K9me3", "H3K27me3", "H3K36me3"]
require_prepare(DEEPDIFF, ["bedtools"])
shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
rng = random.Random(25)

# --- 400 genes on chr1-chr3, a TSS every ~600 bp on average (windows are 1,000 bp) ---
genes = []  # (id, chrom, start0, end, strand)
for c, chrom in enumerate(("chr1", "chr2", "chr3")):
    pos = 100 if c == 0 else 2000  # chr1's first windows leave the chromosome's start
    n, target = 0, (134, 134, 132)[c]
    while n < target:
        kind = rng.random() if n + 2 <= target else 1.0
        if kind < 0.15:  # bidirectional pair: a - gene ending near where a + gene starts
            genes.append((chrom, pos - 3000 if pos > 3000 else 0, pos, "-"))
            genes.append((chrom, pos + rng.randrange(0, 300), pos + 5000, "+"))
            n += 2
        elif kind < 0.25:  # a window that exactly abuts the previous TSS's window
            genes.append((chrom, pos, pos + 2000, "+"))
            genes.append((chrom, pos + 2 * F, pos + 2 * F + 2000, "+"))
            n += 2
            pos += 2 * F
        else:
            genes.append((chrom, pos, pos + rng.randrange(100, 4000), rng.choice("+-")))
            n += 1
        pos += rng.randrange(50, 1300)
genes = [("ENSG%011d" % (i + 1), c, s, e, st) for i, (c, s, e, st) in enumerate(genes)]
assert len(genes) == 400, len(genes)
with open(os.path.join(WORK, "genes.gtf"), "w") as f:
    for gid, c, s, e, st in genes:
        attrs = 'gene_id "%s.1"; gene_type "protein_coding"; gene_name "G%s";' % (gid, gid[-4:])
        f.write("\t".join([c, "TEST", "gene", str(s + 1), str(e), ".", st, ".", attrs]) + "\n")
sheet = ["cell,assay,path"]
for mark in MARKS:
    path = os.path.join(WORK, "A.%s.tagAlign" % mark)
    with open(path, "w") as f:
        for _ in range(300):
            c = rng.choice(("chr1", "chr2", "chr3"))
            p = rng.randrange(0, 300000)
            f.write("%s\t%d\t%d\tN\t1000\t+\n" % (c, p, p + 36))
    sheet.append("A,%s,%s" % (mark, os.path.basename(path)))
with open(os.path.join(WORK, "samples.csv"), "w") as f:
    f.write("\n".join(sheet) + "\n")


def prepare(name, *extra):
    out = os.path.join(WORK, name)
    r = subprocess.run([DEEPDIFF, "prepare", "--samples", os.path.join(WORK, "samples.csv"), "--genes",
                        os.path.join(WORK, "genes.gtf"), "--out", out, "--bins", str(BINS), "--bin-size", str(BIN_SIZE),
                        "--threads", "2"] + list(extra), capture_output=True, text=True)
    return out, r


def bedtools(*args):
    return subprocess.run(["bedtools"] + list(args), capture_output=True, text=True, check=True).stdout


def split_beds(root):
    """genes.tsv -> one sorted BED of windows per split; returns {split: path}, {split: count}."""
    rows = [line.rstrip("\n").split("\t") for line in open(os.path.join(root, "genes.tsv"))][1:]
    beds, sizes = {}, {}
    for s in ("train", "valid", "test"):
        w = sorted((r[2], max(int(r[3]) - F, 0), int(r[3]) + F, r[0]) for r in rows if r[5] == s)
        beds[s] = os.path.join(root + ".%s.bed" % s)
        sizes[s] = len(w)
        with open(beds[s], "w") as f:
            for c, a, b, g in w:
                f.write("%s\t%d\t%d\t%s\n" % (c, a, b, g))
    return beds, sizes


def bedtools_overlap(a, b):
    """(genes of a overlapping b, bp of a's windows covered by b's merged windows)."""
    genes_hit = len(bedtools("intersect", "-u", "-a", a, "-b", b).splitlines())
    merged = b + ".merged"
    with open(merged, "w") as f:
        f.write(bedtools("merge", "-i", b))
    bp = sum(int(v[2]) - int(v[1]) for v in (l.split("\t") for l in bedtools("intersect", "-a", a, "-b", merged).splitlines()))
    return genes_hit, bp


def log_numbers(stderr):
    """The log line's (genes, bp) for valid, test and test-vs-valid, in that order."""
    line = [l for l in stderr.splitlines() if "split overlap:" in l]
    if len(line) != 1:
        return None
    return [(int(g), int(bp)) for g, bp in re.findall(r"(\d+) of \d+ (?:valid|test) genes \([\d.]+%; (\d+) of their", line[0])]


# --- 1. the default draw: the report against bedtools ---
root, r = prepare("plain", "--split", "150,40,60", "--seed", "3")
check(r.returncode == 0, "prepare --split 150,40,60 succeeds " + ("" if r.returncode == 0 else ": " + r.stderr[-300:]))
j = json.load(open(os.path.join(root, "prepare.json")))
beds, sizes = split_beds(root)
check(sizes == {"train": 150, "valid": 40, "test": 60}, "split sizes as asked: " + str(sizes))
want = {"valid": bedtools_overlap(beds["valid"], beds["train"]), "test": bedtools_overlap(beds["test"], beds["train"]),
        "valid_test": bedtools_overlap(beds["test"], beds["valid"])}
got = {k: (j["split_overlap"][k]["genes"], j["split_overlap"][k]["bp"]) for k in want}
print("  bedtools:", want)
print("  prepare: ", got)
check(got == want, "prepare.json split_overlap (genes, bp) = bedtools intersect -u / merge + intersect")
check(want["valid"][0] > 5 and want["test"][0] > 5 and want["valid_test"][0] > 0,
      "the random split does leak here (else this test could not fail)")
check(log_numbers(r.stderr) == [want["valid"], want["test"], want["valid_test"]],
      "the log line says the same numbers: " + str([l for l in r.stderr.splitlines() if "split overlap" in l]))
check(j["split_overlap"]["no_overlap"] is False, "prepare.json: no_overlap false")
# The same report for the authors' kind of input: the windows written out as a gene-window file.
with open(os.path.join(WORK, "windows.txt"), "w") as f:
    for gid, c, s, e, st in genes:
        t = e if st == "-" else s
        if t - F >= 0:  # a gene-window file cannot hold a window leaving the chromosome
            f.write("%s\t%d\t%d\t%s_S\n" % (c, t - F, t + F, gid))
r = subprocess.run([DEEPDIFF, "prepare", "--samples", os.path.join(WORK, "samples.csv"), "--genes",
                    os.path.join(WORK, "windows.txt"), "--out", os.path.join(WORK, "windows"), "--bins", str(BINS),
                    "--bin-size", str(BIN_SIZE), "--split", "150,40,60", "--seed", "3"], capture_output=True, text=True)
check(r.returncode == 0, "prepare on a gene-window file succeeds " + ("" if r.returncode == 0 else ": " + r.stderr[-300:]))
jw = json.load(open(os.path.join(WORK, "windows", "prepare.json")))
bw, _ = split_beds(os.path.join(WORK, "windows"))
ww = {"valid": bedtools_overlap(bw["valid"], bw["train"]), "test": bedtools_overlap(bw["test"], bw["train"]),
      "valid_test": bedtools_overlap(bw["test"], bw["valid"])}
check({k: (jw["split_overlap"][k]["genes"], jw["split_overlap"][k]["bp"]) for k in ww} == ww,
      "gene-window file: split_overlap = bedtools " + str(ww))

# --- 2. --no-overlap: nothing shared, sizes as asked, clusters whole ---
def no_overlap_checks(name, root, want_sizes):
    beds, sizes = split_beds(root)
    j = json.load(open(os.path.join(root, "prepare.json")))
    for a, b in (("valid", "train"), ("test", "train"), ("test", "valid")):
        n = len(bedtools("intersect", "-u", "-a", beds[a], "-b", beds[b]).splitlines())
        check(n == 0, "%s: bedtools finds %d %s windows overlapping %s windows (want 0)" % (name, n, a, b))
    check(all(j["split_overlap"][k]["genes"] == 0 and j["split_overlap"][k]["bp"] == 0 for k in ("valid", "test", "valid_test")),
          name + ": prepare.json split_overlap is all 0")
    check(sizes == want_sizes, "%s: split sizes %s (want %s)" % (name, sizes, want_sizes))
    check([j["genes"][s] for s in ("train", "valid", "test")] == [want_sizes[s] for s in ("train", "valid", "test")],
          name + ": prepare.json's split counts too")
    # Every cluster (bedtools merge -d -1: overlapping windows, abutting ones apart) in one split.
    rows = [line.rstrip("\n").split("\t") for line in open(os.path.join(root, "genes.tsv"))][1:]
    allbed = root + ".all.bed"
    with open(allbed, "w") as f:
        for w in sorted((r[2], max(int(r[3]) - F, 0), int(r[3]) + F, r[5]) for r in rows if r[5] != "unused"):
            f.write("%s\t%d\t%d\t%s\n" % w)
    clusters = [l.split("\t") for l in bedtools("merge", "-d", "-1", "-c", "4", "-o", "distinct", "-i", allbed).splitlines()]
    mixed = [c for c in clusters if "," in c[3]]
    check(not mixed, "%s: all %d clusters of bedtools merge -d -1 lie in one split (%d mixed)" % (name, len(clusters), len(mixed)))
    return clusters


root, r = prepare("disjoint", "--split", "150,40,60", "--seed", "3", "--no-overlap")
check(r.returncode == 0, "prepare --no-overlap succeeds " + ("" if r.returncode == 0 else ": " + r.stderr[-300:]))
clusters = no_overlap_checks("--split 150,40,60 --no-overlap", root, {"train": 150, "valid": 40, "test": 60})
check(len(clusters) < 250, "the windows do cluster (%d clusters of the 250 genes used)" % len(clusters))
check(log_numbers(r.stderr) == [] and "no window is shared" in r.stderr, "the log line says nothing is shared")
notes = json.load(open(os.path.join(root, "prepare.json")))["notes"]
check(any(n.startswith("--no-overlap: the 400 genes drawn form ") for n in notes), "a note gives the clusters: " + str(notes[:3]))
first = open(os.path.join(root, "genes.tsv")).read()
root2, _ = prepare("disjoint2", "--split", "150,40,60", "--seed", "3", "--no-overlap", "--threads", "1")
check(open(os.path.join(root2, "genes.tsv")).read() == first, "the same seed gives the same genes.tsv")
root3, _ = prepare("disjoint3", "--split", "150,40,60", "--seed", "4", "--no-overlap")
check(open(os.path.join(root3, "genes.tsv")).read() != first, "another seed another split")
plain = open(os.path.join(WORK, "plain", "genes.tsv")).read()
check(plain != first, "--no-overlap draws differently from the default")

# Every gene asked for (the published proportions of 400): sizes met, or the note says how far.
root, r = prepare("proportions", "--no-overlap", "--seed", "2")
check(r.returncode == 0, "prepare --no-overlap with the default proportions succeeds " + ("" if r.returncode == 0 else ": " + r.stderr[-300:]))
j = json.load(open(os.path.join(root, "prepare.json")))
asked = {"train": int(400 * 10000 / 18460 + 0.5), "valid": int(400 * 2360 / 18460 + 0.5)}
asked["test"] = 400 - asked["train"] - asked["valid"]
held = {s: j["genes"][s] for s in ("train", "valid", "test")}
short = sum(asked.values()) - sum(held.values())
note = [n for n in j["notes"] if "genes unused because their clusters fit" in n]
check((short == 0 and not note) or (short > 0 and len(note) == 1 and note[0].startswith("--no-overlap: %d genes" % short)),
      "proportions: asked %s, held %s; note %s" % (asked, held, note))
check(all(held[s] <= asked[s] for s in held), "no split holds more than asked")
no_overlap_checks("default proportions --no-overlap", root, held)

# --- 3. --test-chromosomes: test cannot leak; the valid draw by clusters ---
root, r = prepare("held", "--test-chromosomes", "chr3", "--seed", "3")
j = json.load(open(os.path.join(root, "prepare.json")))
check(j["split_overlap"]["test"] == {"genes": 0, "bp": 0}, "--test-chromosomes: no test gene overlaps training windows")
check(j["split_overlap"]["valid"]["genes"] > 0, "... but the randomly drawn valid genes do (%d)" % j["split_overlap"]["valid"]["genes"])
root, r = prepare("held_disjoint", "--test-chromosomes", "chr3", "--seed", "3", "--no-overlap")
check(r.returncode == 0, "--test-chromosomes --no-overlap succeeds " + ("" if r.returncode == 0 else ": " + r.stderr[-300:]))
rest = sum(1 for g in genes if g[1] != "chr3")
nv = int(rest * 2360 / 12360 + 0.5)
no_overlap_checks("--test-chromosomes chr3 --no-overlap", root, {"train": rest - nv, "valid": nv, "test": 400 - rest})

# --- 4. given splits are not redrawn ---
r = subprocess.run([DEEPDIFF, "prepare", "--samples", os.path.join(WORK, "samples.csv"), "--genes",
                    os.path.join(WORK, "genes.gtf"), "--out", os.path.join(WORK, "refused"), "--no-overlap",
                    "--split-from", os.path.join(WORK, "plain", "genes.tsv")], capture_output=True, text=True)
check(r.returncode == 2 and "--no-overlap" in r.stderr and "--split-from" in r.stderr,
      "--no-overlap --split-from: exit 2 naming both flags (%d: %s)" % (r.returncode, r.stderr.strip()[:200]))
check(not os.path.exists(os.path.join(WORK, "refused")), "... and nothing written")
# --split-from reports what the given splits share (the earlier run's numbers).
root, r = prepare("from", "--split-from", os.path.join(WORK, "plain", "genes.tsv"))
jf = json.load(open(os.path.join(root, "prepare.json")))
check(jf["split_overlap"] == json.load(open(os.path.join(WORK, "plain", "prepare.json")))["split_overlap"],
      "--split-from reports the same overlap as the run it reuses")

print("%d failures" % len(failures))
sys.exit(1 if failures else 0)
