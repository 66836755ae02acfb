"""Shared by test_ridge_reference.py and test_xgboost_reference.py: a small data root in the
public format, the oracle's JSON, and an independent numpy version of the summary features.

Data: two cells, M = 5 marks, T bins (T % 10 != 0 allowed: uneven windows). A gene's counts are
Poisson around a per-gene, per-mark level; expression follows the promoter mark (H3K4me3) and
the gene-body mark (H3K36me3) against Polycomb (H3K27me3), with noise. H3K9me3 is all zero in
the training genes of both cells, so its features are constant there (sd 0) and exercise that rule.
"""
import json
import os
import subprocess
import sys

import numpy as np

MARKS = 5
WINDOWS = 10


def skip(why):
    print("skipped: " + why)
    sys.exit(77)


def write_root(root, bins, genes, seed):
    """genes: {"train": n, "valid": n, "test": n}. Writes Cell1/Cell2 split and expr files."""
    rng = np.random.default_rng(seed)
    os.makedirs(root, exist_ok=True)
    expr = {"Cell1": [], "Cell2": []}
    gid = 0
    for split, n in genes.items():
        rows = {"Cell1": [], "Cell2": []}
        for _ in range(n):
            gid += 1
            name = f"ENSG{gid:011d}"
            for cell in ("Cell1", "Cell2"):
                level = rng.gamma(1.5, 1.0, size=MARKS)
                if split == "train":
                    level[2] = 0.0
                counts = rng.poisson(level[None, :] * rng.uniform(0.5, 1.5, size=(bins, 1)))
                for t in range(bins):
                    rows[cell].append(f"{name}_SYM{gid}_{t + 1}," + ",".join(str(int(c)) for c in counts[t]))
                signal = 1.2 * level[1] + 0.6 * level[4] - 0.8 * level[3] + 0.5 * rng.normal()
                expr[cell].append(f"{name},{int(round(2.0 ** (3.0 + signal)))}")
        for cell in rows:
            with open(os.path.join(root, f"{cell}.{split}.csv"), "w") as f:
                f.write("\n".join(rows[cell]) + "\n")
    for cell in expr:
        with open(os.path.join(root, f"{cell}.expr.csv"), "w") as f:
            f.write("\n".join(expr[cell]) + "\n")


def read_counts(root, cell, split, bins):
    rows = [line.split(",") for line in open(os.path.join(root, f"{cell}.{split}.csv")).read().split("\n") if line]
    x = np.array([[float(v) for v in r[1:]] for r in rows])
    return x.reshape(-1, bins, MARKS)


def numpy_features(root, split, bins):
    """The spec's summary features, written independently of the C++ code."""
    blocks = []
    for cell in ("Cell1", "Cell2"):
        x = read_counts(root, cell, split, bins)
        f = np.empty((x.shape[0], MARKS, WINDOWS))
        for w in range(WINDOWS):
            f[:, :, w] = np.log2(1.0 + x[:, w * bins // WINDOWS:(w + 1) * bins // WINDOWS, :].sum(axis=1))
        blocks.append(f.reshape(x.shape[0], -1))
    return np.hstack([blocks[0], blocks[1], blocks[1] - blocks[0]])


def run_oracle(oracle, *args):
    r = subprocess.run([oracle, *map(str, args)], capture_output=True, text=True)
    if r.returncode == 77:
        skip(r.stderr.strip())
    if r.returncode != 0:
        sys.exit(f"baselines_oracle {' '.join(map(str, args))} failed ({r.returncode}): {r.stderr}")
    out = json.loads(r.stdout)
    for split in ("train", "valid", "test"):
        n = out[split]["genes"]
        out[split]["x"] = np.array(out[split]["x"], dtype=np.float64).reshape(n, -1)
        out[split]["y"] = np.array(out[split]["y"], dtype=np.float64)
    return out


def check_features(out, root, bins):
    for split in ("train", "valid", "test"):
        ref = numpy_features(root, split, bins)
        got = out[split]["x"]
        assert got.shape == ref.shape == (ref.shape[0], 3 * MARKS * WINDOWS), (got.shape, ref.shape)
        assert np.allclose(got, ref, rtol=1e-14, atol=1e-13), f"{split}: features differ by {np.abs(got - ref).max()}"
