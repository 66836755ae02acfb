#!/usr/bin/env python3
"""Per-mark shares of beta and of |integrated gradients| on real data, split by what the gene
does: the table of docs/results.md ("On the real sample").

    python3 tools/attribution_shares.py RUN_DIR [RUN_DIR ...]

Each RUN_DIR is a finished `deepdiff train` (or deepdiff-pairs) run of a DeepDiff variant with
predictions.csv, attention_beta.csv and attributions_mark_ig.csv (`deepdiff attribute`) of the
test genes. Genes are grouped by their true y = log2((eB+1)/(eA+1)): up (y >= 2: higher in B),
down (y <= -2) and unchanged (|y| < 2), the spec's "differential" threshold. Per group and mark:
  beta share: the mean over genes of (beta of the mark's level-2 channels) / (all beta)
  |IG| share: the mean over genes of abs.<mark> / (sum over marks of abs.<mark>)
Standard library only. Prints a Markdown table.
"""
import csv
import os
import sys

MARKS = ["H3K4me1", "H3K4me3", "H3K9me3", "H3K27me3", "H3K36me3"]


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


def mark_of(channel):
    # "D.H3K4me3", "A.H3K4me1", "raw:A.H3K4me3", "aux:B.H3K36me3"
    return channel.split(".")[-1]


def shares(run):
    target = {r["gene_id"]: float(r["target"]) for r in rows(os.path.join(run, "predictions.csv"))}
    beta = {}
    for r in rows(os.path.join(run, "attention_beta.csv")):
        per = dict.fromkeys(MARKS, 0.0)
        for k, v in r.items():
            if k != "gene_id":
                per[mark_of(k)] += float(v)
        total = sum(per.values())
        beta[r["gene_id"]] = [per[m] / total for m in MARKS]
    ig = {}
    for r in rows(os.path.join(run, "attributions_mark_ig.csv")):
        per = [float(r["abs." + m]) for m in MARKS]
        total = sum(per)
        ig[r["gene_id"]] = [p / total if total > 0 else 0.0 for p in per]
    groups = {"up": [], "down": [], "unchanged": []}
    for g, y in target.items():
        if g in beta and g in ig:
            groups["up" if y >= 2 else "down" if y <= -2 else "unchanged"].append(g)
    out = {}
    for name, genes in groups.items():
        if genes:
            out[name] = (len(genes), [sum(beta[g][i] for g in genes) / len(genes) for i in range(5)],
                         [sum(ig[g][i] for g in genes) / len(genes) for i in range(5)])
    return out


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: attribution_shares.py RUN_DIR [RUN_DIR ...]")
    print("| run | genes | share | " + " | ".join(MARKS) + " |")
    print("|---|---|---|" + "---:|" * len(MARKS))
    for run in sys.argv[1:]:
        try:
            s = shares(run)
        except (OSError, KeyError, ValueError) as e:
            sys.exit("attribution_shares.py: %s: %s" % (run, e))
        name = os.path.basename(os.path.normpath(run))
        if name.startswith("seed"):
            name = os.path.basename(os.path.dirname(os.path.normpath(run)))
        for group in ("up", "down", "unchanged"):
            if group not in s:
                continue
            n, b, i = s[group]
            print("| %s | %s (%d) | beta | %s |" % (name, group, n, " | ".join("%.2f" % v for v in b)))
            print("| | | \\|IG\\| | %s |" % " | ".join("%.2f" % v for v in i))


if __name__ == "__main__":
    main()
