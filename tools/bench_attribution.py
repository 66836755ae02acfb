#!/usr/bin/env python3
"""Integrated gradients, ours against PyTorch's autograd, in the same run.

    /usr/bin/python3 tools/bench_attribution.py PATH/TO/deepdiff WORK_DIR [--variant raw_aux_siamese]
        [--steps 64] [--threads 2] [--genes 100] [--torch-genes 10] [--quick]

A PyTorch model of the variant at the published sizes (T = 200, H1 = 32; tools/deepdiff_torch.py,
seeded uniform(-0.1, 0.1) init) is converted to our checkpoint (tools/torch_to_deepdiff.py).
On a `deepdiff synth` data root (T = 200), `deepdiff attribute --steps S` runs on --genes test
genes and PyTorch computes the same integrated gradients (float32, batches of 10 genes, the
midpoint rule, x' = 0, torch.set_num_threads(--threads)) on the first --torch-genes of them
(PyTorch is slow: fewer genes keep the run short). Both are timed per gene; the line printed
gives seconds per gene, the ratio, and the time for 6,100 genes (the published test split)
extrapolated from the per-gene time. The mark totals of the common genes are compared too
(float32 both sides: agreement to about 1e-3 relative is expected, and printed, not asserted).
--quick: T = 20, 2 genes and S = 4, to check the script runs (CI's smoke run).
Exit 77 when torch is missing.
"""
import argparse
import csv
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

MARKS = ["H3K4me1", "H3K4me3", "H3K9me3", "H3K27me3", "H3K36me3"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("deepdiff")
    ap.add_argument("work")
    ap.add_argument("--variant", default="raw_aux_siamese")
    ap.add_argument("--steps", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--genes", type=int, default=100)
    ap.add_argument("--torch-genes", type=int, default=10)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    try:
        import torch
    except ImportError:
        print("skipped: PyTorch is not installed for " + sys.executable)
        sys.exit(77)
    import deepdiff_torch

    bins, hidden = (20, 8) if a.quick else (200, 32)
    if a.quick:
        a.steps = 4
    genes, torch_genes = (2, 2) if a.quick else (a.genes, min(a.torch_genes, a.genes))
    os.makedirs(a.work, exist_ok=True)
    data = os.path.join(a.work, "data")
    # test = 20% of the genes: enough test genes for --genes
    subprocess.run([a.deepdiff, "synth", "--genes", str(max(30, 5 * genes + 5)), "--bins", str(bins), "--out", data],
                   check=True, stdout=subprocess.DEVNULL)
    torch.manual_seed(1)
    model = deepdiff_torch.build_model(a.variant, bins, 5, hidden)
    deepdiff_torch.init_uniform_(model, 0.1)
    model.eval()
    pt = os.path.join(a.work, "model.pt")
    ck = os.path.join(a.work, "checkpoint.bin")
    torch.save(model.state_dict(), pt)
    subprocess.run([sys.executable, os.path.join(HERE, "torch_to_deepdiff.py"), "--model-name", a.variant, "--bins", str(bins),
                    pt, ck], check=True, stdout=subprocess.DEVNULL)

    ids, rows = [], []
    with open(os.path.join(data, "Cell1.test.csv")) as fa, open(os.path.join(data, "Cell2.test.csv")) as fb:
        for i, (ra, rb) in enumerate(zip(csv.reader(fa), csv.reader(fb))):
            if i % bins == 0:
                ids.append(ra[0].split("_")[0])
            rows.append(([float(v) for v in ra[1:6]], [float(v) for v in rb[1:6]]))
    ids = ids[:genes]

    out = os.path.join(a.work, "ours")
    t0 = time.perf_counter()
    subprocess.run([a.deepdiff, "attribute", "--checkpoint", ck, "--data-root", data, "--steps", str(a.steps),
                    "--threads", str(a.threads), "--genes", ",".join(ids), "--out-dir", out, "--quiet"],
                   check=True, stdout=subprocess.DEVNULL)
    ours = (time.perf_counter() - t0) / len(ids)

    torch.set_num_threads(a.threads)
    n = torch_genes
    xa = torch.tensor([[rows[g * bins + t][0] for t in range(bins)] for g in range(n)], dtype=torch.float32)
    xb = torch.tensor([[rows[g * bins + t][1] for t in range(bins)] for g in range(n)], dtype=torch.float32)
    t0 = time.perf_counter()
    totals = []
    for g0 in range(0, n, 10):
        sa, sb = xa[g0:g0 + 10], xb[g0:g0 + 10]
        ga, gb = torch.zeros_like(sa), torch.zeros_like(sb)
        for k in range(1, a.steps + 1):
            s = (k - 0.5) / a.steps
            pa = (s * sa).requires_grad_(True)
            pb = (s * sb).requires_grad_(True)
            da, db = torch.autograd.grad(model(pa, pb)["pred"].sum(), (pa, pb))
            ga += da
            gb += db
        ia, ib = ga / a.steps * sa, gb / a.steps * sb
        totals += [[float(v) for v in ia[i].sum(0)] + [float(v) for v in ib[i].sum(0)] for i in range(ia.shape[0])]
    theirs = (time.perf_counter() - t0) / n

    with open(os.path.join(out, "attributions_mark_ig.csv")) as f:
        mine = list(csv.DictReader(f))
    worst = 0.0
    for g in range(n):
        want = totals[g]
        got = [float(mine[g][c + "." + m]) for c in "AB" for m in MARKS]
        scale = max(abs(v) for v in want)
        worst = max(worst, max(abs(x - y) / scale for x, y in zip(got, want)))
    print("integrated gradients, %s, T = %d, H1 = %d, S = %d, %d thread(s): deepdiff %.4f s/gene (%d genes), "
          "PyTorch %.4f s/gene (%d genes): %.1fx; 6,100 genes: deepdiff %.0f s, PyTorch %.0f s (extrapolated); "
          "mark totals agree to %.2g of each gene's largest" % (a.variant, bins, hidden, a.steps, a.threads, ours,
                                                                len(ids), theirs, n, theirs / ours, ours * 6100,
                                                                theirs * 6100, worst))


if __name__ == "__main__":
    main()
