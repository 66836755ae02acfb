#!/usr/bin/env python3
"""`deepdiff prepare --gene-types` on the real GENCODE 10 gene file (data/roadmap/).

The counts per gene_type that prepare.json reports for the annotation must equal an
independent count of the file (`zcat | awk | grep -o | sort | uniq -c`, after checking here
that every gene id occurs once, so records and genes are the same count); a run with
--gene-types protein_coding keeps exactly the file's protein_coding genes (all of them with
tagAlign reads alone; with Roadmap's expression matrix, those the matrix lists); two types
keep both. Bad uses: a type the file lacks (GENCODE 10 says lincRNA, not lncRNA) is refused
listing the file's types; a gene-window file has no types, refused naming the file; an empty
list is a usage error (exit 2). One cell of small simulated tagAlign reads on hg19.

usage: test_gene_types_roadmap.py DEEPDIFF_BINARY ROADMAP_DIR WORK_DIR   (exit 77: prepare not built)
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
GTF = os.path.join(ROADMAP, "gencode_10_genes.gtf.gz")
MATRIX = os.path.join(ROADMAP, "57epigenomes.N.pc.gz")
GENEFILE = os.path.join(ROADMAP, "GeneFile.txt.gz")
MARKS = ["H3K4me1", "H3K4me3", "H3K9me3", "H3K27me3", "H3K36me3"]
require_prepare(DEEPDIFF)
for f in (GTF, MATRIX, GENEFILE):
    if not os.path.exists(f):
        sys.exit("missing " + f + ": the project's data/roadmap/ should hold it")
shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)

# --- the independent count: the shell's, of gene records per gene_type ---
shell = subprocess.run("zcat '%s' | awk -F'\\t' '$3 == \"gene\"' | grep -o 'gene_type \"[^\"]*\"' | sort | uniq -c" % GTF,
                       shell=True, capture_output=True, text=True, check=True).stdout
by_shell = {}
for line in shell.splitlines():
    n, t = line.split(None, 1)
    by_shell[t[len('gene_type "'):-1]] = int(n)
# ... and the ids per type read here (without version), each id once: then records = genes.
ids_of = {}
seen = []
with gzip.open(GTF, "rt") as f:
    for line in f:
        v = line.rstrip("\n").split("\t")
        if line.startswith("#") or v[2] != "gene":
            continue
        gid = v[8].split('gene_id "')[1].split('"')[0].split(".")[0]
        seen.append(gid)
        ids_of.setdefault(v[8].split('gene_type "')[1].split('"')[0], set()).add(gid)
check(len(seen) == len(set(seen)) and not any("_" in g for g in seen),
      "GENCODE 10: each of the %d gene ids once, none with a _PAR_Y suffix (so records = genes)" % len(seen))
check({t: len(s) for t, s in ids_of.items()} == by_shell, "the shell's and this script's counts per type agree")
print("  types:", sorted(by_shell.items(), key=lambda kv: -kv[1])[:6], "...")
with gzip.open(MATRIX, "rt") as f:
    matrix = {line.split("\t")[0] for line in list(f)[1:]}

# --- one cell: a few reads per mark on hg19 chromosomes (tagAlign: no header, so every gene
# has its signal inputs) ---
rng = random.Random(10)
chroms = ["chr%d" % i for i in range(1, 23)] + ["chrX", "chrY", "chrM"]
sheet = ["cell,assay,path"]
for mark in MARKS:
    path = os.path.join(WORK, "E003-%s.tagAlign" % mark)
    with open(path, "w") as f:
        for _ in range(500):
            p = rng.randrange(0, 50_000_000)
            f.write("%s\t%d\t%d\tN\t1000\t+\n" % (rng.choice(chroms), p, p + 36))
    sheet.append("E003,%s,%s" % (mark, os.path.basename(path)))
with open(os.path.join(WORK, "samples.csv"), "w") as f:
    f.write("\n".join(sheet) + "\n")
with open(os.path.join(WORK, "samples_expr.csv"), "w") as f:
    f.write("\n".join(sheet + ["E003,expression," + os.path.abspath(MATRIX)]) + "\n")


def prepare(name, sheet, genes, *extra):
    out = os.path.join(WORK, name)
    layout = [] if "--bins" in extra else ["--bins", "2"]  # 2 bins of 100 bp: the genes, not the values, are tested
    r = subprocess.run([DEEPDIFF, "prepare", "--samples", os.path.join(WORK, sheet), "--genes", genes, "--out", out,
                        "--bin-size", "100", "--no-checksums", "--quiet"] + layout + list(extra),
                       capture_output=True, text=True)
    return out, r


def genes_tsv(root):
    return {line.split("\t")[0] for line in list(open(os.path.join(root, "genes.tsv")))[1:]}


# All genes: the annotation's counts per type, all kept.
root, r = prepare("all", "samples.csv", GTF)
check(r.returncode == 0, "prepare on GENCODE 10 succeeds " + ("" if r.returncode == 0 else ": " + r.stderr[-300:]))
t = json.load(open(os.path.join(root, "prepare.json")))["gene_types"]
check(t["annotated"] == by_shell, "prepare.json gene_types.annotated = the shell's count (%d types, %d genes)"
      % (len(by_shell), sum(by_shell.values())))
check(t["kept"] == by_shell and t["selected"] == "all", "without --gene-types every gene is kept")

# protein_coding: exactly the file's protein_coding genes.
root, r = prepare("pc", "samples.csv", GTF, "--gene-types", "protein_coding")
check(r.returncode == 0, "--gene-types protein_coding succeeds " + ("" if r.returncode == 0 else ": " + r.stderr[-300:]))
j = json.load(open(os.path.join(root, "prepare.json")))
pc = ids_of["protein_coding"]
check(j["gene_types"]["annotated"] == by_shell, "--gene-types: the annotation's counts are still all of them")
check(j["gene_types"]["kept"] == {"protein_coding": by_shell["protein_coding"]} and j["gene_types"]["selected"] == ["protein_coding"],
      "kept: protein_coding %d" % by_shell["protein_coding"])
check(genes_tsv(root) == pc, "genes.tsv holds exactly the %d protein_coding ids of the file" % len(pc))
check(j["genes"]["with_all_inputs"] == len(pc), "prepare.json genes.with_all_inputs = %d" % len(pc))
n_other = sum(by_shell.values()) - len(pc)
check(any(n.startswith("%d genes are not of --gene-types protein_coding" % n_other) for n in j["notes"]),
      "a note counts the %d genes of other types" % n_other)

# With the expression matrix: the protein_coding genes that have all inputs (the matrix's).
root, r = prepare("pc_expr", "samples_expr.csv", GTF, "--gene-types", "protein_coding")
check(r.returncode == 0, "--gene-types protein_coding with expression succeeds " + ("" if r.returncode == 0 else ": " + r.stderr[-300:]))
j = json.load(open(os.path.join(root, "prepare.json")))
want = pc & matrix
check(genes_tsv(root) == want, "with expression: genes.tsv = protein_coding ids the matrix lists (%d of %d)" % (len(want), len(pc)))
check(j["gene_types"]["kept"] == {"protein_coding": len(want)}, "kept: protein_coding %d" % len(want))

# Two types.
root, r = prepare("two", "samples.csv", GTF, "--gene-types", "protein_coding,lincRNA")
j = json.load(open(os.path.join(root, "prepare.json")))
check(r.returncode == 0 and j["gene_types"]["kept"] == {"lincRNA": by_shell["lincRNA"], "protein_coding": by_shell["protein_coding"]},
      "--gene-types protein_coding,lincRNA keeps both: " + str(j["gene_types"]["kept"]))
check(genes_tsv(root) == pc | ids_of["lincRNA"], "... exactly their ids")

# Bad uses.
out, r = prepare("bad_type", "samples.csv", GTF, "--gene-types", "protein_coding,lncRNA")
check(r.returncode == 1 and GTF in r.stderr and "--gene-types lncRNA" in r.stderr and "lincRNA (%d)" % by_shell["lincRNA"] in r.stderr
      and "protein_coding (%d)" % by_shell["protein_coding"] in r.stderr,
      "an unknown type: exit 1 naming the file and listing its types (%d: %s)" % (r.returncode, r.stderr.strip()[:300]))
check(not os.path.exists(out), "... nothing written")
out, r = prepare("bad_windows", "samples.csv", GENEFILE, "--gene-types", "protein_coding", "--bins", "200")
check(r.returncode == 1 and GENEFILE in r.stderr and "gene-window file" in r.stderr and "no gene type" in r.stderr,
      "a gene-window file with --gene-types: exit 1 naming the file and why (%d: %s)" % (r.returncode, r.stderr.strip()[:300]))
out, r = prepare("bad_list", "samples.csv", GTF, "--gene-types", ",")
check(r.returncode == 2 and "--gene-types" in r.stderr, "an empty --gene-types: usage error, exit 2 (%d)" % r.returncode)

print("%d failures" % len(failures))
sys.exit(1 if failures else 0)
