#!/usr/bin/env python3
"""`deepdiff attribute` computes the attributions PyTorch's autograd computes.

    /usr/bin/python3 tools/test_attribution_parity.py PATH/TO/deepdiff WORK_DIR

For each of the seven variants: a PyTorch model (tools/deepdiff_torch.py, T = 20, H1 = 8,
seeded uniform(-0.3, 0.3) init, so that the LSTMs and attention are well away from linear on
counts up to ~50) is saved as a state_dict and converted with tools/torch_to_deepdiff.py
(float32, the checkpoint `deepdiff attribute` reads). The checkpoint is converted back with
tools/deepdiff_to_torch.py --double, so PyTorch holds exactly the float32 weights the C++
program uses, and computes in float64. On the test split of a small `deepdiff synth --genes 60
--bins 20` data root (12 genes), PyTorch computes

    integrated gradients, x' = 0, S = 16 midpoint steps:
        IG_i = x_i * (1/S) sum_{k=1..S} dy/dx_i (((k - 1/2)/S) x)
    gradient x input: GI_i = x_i * dy/dx_i (x)

by autograd, and both are compared with `deepdiff attribute --per-bin` (ig and grad_input):
prediction and baseline_prediction, the mark totals A.<mark>, B.<mark> (signed sums over bins)
and abs.<mark>, and every per-bin attribution.

Tolerances. The C++ model computes in float32, PyTorch in float64, so the comparison measures
float32 rounding through the LSTMs and their backward. An error is
|deepdiff - torch| / max(|torch|, FLOOR * scale), scale = the gene's largest |value| of that
kind (its largest |mark total| for the totals, its largest |per-bin attribution| for the bins;
the largest |y| of the split for predictions), FLOOR = 0.1. Predictions, baseline predictions
and mark totals must agree to 1e-5 of that, per-bin attributions to 1e-4. The floor is needed:
float32's error is a fraction of the largest terms that went into a value, not of the value,
so a total that cancels to 1e-3 of its gene's largest total (a sum over bins of terms of both
signs) is only good to ~1e-4 of itself. Measured (three seeds of data and weights): against
the gene's scale, totals agree to <= 5.2e-7, per-bin values to <= 1.8e-6, predictions to
<= 1.3e-6 of the largest |y|; with the floor, the worst prediction error is 3.3e-6, totals is 5.2e-6 (raw_c,
grad_input), the worst per-bin 1.8e-5 (raw_d, grad_input); without a floor, totals reach 3e-4
and single bins 4e-3. IG (an average over S gradients) agrees about ten times better than
gradient x input. The line of each variant and method prints the worst error and, in
parentheses, the worst error as a fraction of the scale.

Exit 0 all agree, 1 a mismatch, 2 usage, 77 (skipped, for ctest) when torch is missing.
"""
import csv
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

VARIANTS = ("raw_d", "raw_c", "raw", "aux", "raw_aux", "aux_siamese", "raw_aux_siamese")
GENES, BINS, MARKS, HIDDEN, BOUND, STEPS = 60, 20, 5, 8, 0.3, 16
FLOOR = 0.1
TOL_TOTAL = 1e-5   # prediction, baseline_prediction, A.*, B.*, abs.*
TOL_BIN = 1e-4     # per-bin attributions


def read_split(path, bins):
    genes, rows = [], []
    with open(path, newline="") as f:
        for i, row in enumerate(csv.reader(f)):
            if i % bins == 0:
                genes.append(row[0].split("_")[0])
            rows.append([float(v) for v in row[1:1 + MARKS]])
    return genes, rows


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


def torch_attributions(torch, model, xa, xb, method, steps):
    """a, b [N, T, M], prediction [N], baseline [N] in float64 by autograd."""
    def grads(sa, sb):
        sa = sa.detach().clone().requires_grad_(True)
        sb = sb.detach().clone().requires_grad_(True)
        pred = model(sa, sb)["pred"].reshape(-1)
        ga, gb = torch.autograd.grad(pred.sum(), (sa, sb))
        return ga, gb

    with torch.no_grad():
        pred = model(xa, xb)["pred"].reshape(-1)
        base = model(torch.zeros_like(xa), torch.zeros_like(xb))["pred"].reshape(-1)
    if method == "grad_input":
        ga, gb = grads(xa, xb)
    else:
        ga, gb = torch.zeros_like(xa), torch.zeros_like(xb)
        for k in range(1, steps + 1):
            s = (k - 0.5) / steps
            da, db = grads(s * xa, s * xb)
            ga += da
            gb += db
        ga /= steps
        gb /= steps
    return ga * xa, gb * xb, pred, base


class Worst:
    """The largest error of one kind of value, and where it was."""

    def __init__(self, tol):
        self.tol, self.err, self.where, self.fails = tol, 0.0, "", 0
        self.of_scale = 0.0  # the largest |deepdiff - torch| / scale, for the record

    def add(self, got, want, scale, where):
        err = abs(got - want) / max(abs(want), FLOOR * scale, 1e-300)
        self.of_scale = max(self.of_scale, abs(got - want) / max(scale, 1e-300))
        if err > self.err:
            self.err, self.where = err, "%s: deepdiff %.9g, torch %.9g" % (where, got, want)
        if not err <= self.tol:
            self.fails += 1


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    binary, work = sys.argv[1:]
    try:
        import torch
        import deepdiff_torch as ddt
    except ImportError as e:
        print("skipped: PyTorch is not installed for %s (%s); apt-get install python3-torch" % (sys.executable, e))
        return 77
    torch.set_num_threads(1)
    os.makedirs(work, exist_ok=True)
    data = os.path.join(work, "data")
    subprocess.run([binary, "synth", "--genes", str(GENES), "--bins", str(BINS), "--seed", "5", "--out", data],
                   check=True, stdout=subprocess.DEVNULL)
    genes, a = read_split(os.path.join(data, "Cell1.test.csv"), BINS)
    genes_b, b = read_split(os.path.join(data, "Cell2.test.csv"), BINS)
    assert genes == genes_b
    n = len(genes)
    # The counts as the C++ program holds them (float32), then in float64.
    xa = torch.tensor(a, dtype=torch.float32).reshape(n, BINS, MARKS).double()
    xb = torch.tensor(b, dtype=torch.float32).reshape(n, BINS, MARKS).double()
    tool = [sys.executable]
    failures, checks = 0, 0
    for vi, variant in enumerate(VARIANTS):
        torch.manual_seed(11 + vi)
        model = ddt.init_uniform_(ddt.build_model(variant, BINS, MARKS, HIDDEN), bound=BOUND)
        pt, ck, pt64 = (os.path.join(work, variant + ext) for ext in (".pt", ".bin", ".f64.pt"))
        torch.save(model.state_dict(), pt)
        subprocess.run(tool + [os.path.join(HERE, "torch_to_deepdiff.py"), "--model-name", variant, "--bins",
                               str(BINS), pt, ck], check=True, stdout=subprocess.DEVNULL)
        subprocess.run(tool + [os.path.join(HERE, "deepdiff_to_torch.py"), "--double", ck, pt64], check=True,
                       stdout=subprocess.DEVNULL)
        ref = ddt.build_model(variant, BINS, MARKS, HIDDEN).double()
        ref.load_state_dict(torch.load(pt64), strict=True)
        ref.eval()
        for method in ("ig", "grad_input"):
            out = os.path.join(work, variant + "." + method)
            subprocess.run([binary, "attribute", "--checkpoint", ck, "--data-root", data, "--split", "test",
                            "--method", method, "--steps", str(STEPS), "--per-bin", "--out-dir", out, "--quiet"],
                           check=True, stdout=subprocess.DEVNULL)
            wa, wb, wpred, wbase = torch_attributions(torch, ref, xa, xb, method, STEPS)
            rows = read_csv(os.path.join(out, "attributions_mark_%s.csv" % method))
            bins = read_csv(os.path.join(out, "attributions_bin_%s.csv" % method))
            cols = list(rows[0].keys())
            marks = [c[2:] for c in cols if c.startswith("A.")]
            ok_shape = ([r["gene_id"] for r in rows] == genes and len(marks) == MARKS and len(bins) == n * BINS
                        and all(r["steps"] == str(STEPS if method == "ig" else 1) for r in rows))
            pred_w, total_w, bin_w = Worst(TOL_TOTAL), Worst(TOL_TOTAL), Worst(TOL_BIN)
            ypred = float(max(wpred.abs().max(), wbase.abs().max()))
            for i, r in enumerate(rows if ok_shape else []):
                g = r["gene_id"]
                pred_w.add(float(r["prediction"]), float(wpred[i]), ypred, g + " prediction")
                pred_w.add(float(r["baseline_prediction"]), float(wbase[i]), ypred, g + " baseline_prediction")
                want = {}
                for m, name in enumerate(marks):
                    want["A." + name] = float(wa[i, :, m].sum())
                    want["B." + name] = float(wb[i, :, m].sum())
                    want["abs." + name] = float(wa[i, :, m].abs().sum() + wb[i, :, m].abs().sum())
                scale = max(abs(v) for v in want.values())
                for c, v in want.items():
                    total_w.add(float(r[c]), v, scale, "%s %s" % (g, c))
                bscale = float(max(wa[i].abs().max(), wb[i].abs().max()))
                for t in range(BINS):
                    br = bins[i * BINS + t]
                    assert br["gene_id"] == g and br["bin"] == str(t + 1)
                    for m, name in enumerate(marks):
                        bin_w.add(float(br["A." + name]), float(wa[i, t, m]), bscale, "%s bin %d A.%s" % (g, t + 1, name))
                        bin_w.add(float(br["B." + name]), float(wb[i, t, m]), bscale, "%s bin %d B.%s" % (g, t + 1, name))
            # a meaningful test: the attributions are not all zero
            ok_shape = ok_shape and float(max(wa.abs().max(), wb.abs().max())) > 0
            ok = ok_shape and not (pred_w.fails or total_w.fails or bin_w.fails)
            checks += 1
            failures += not ok
            print("%-16s %-10s %2d genes: worst error (of the gene's scale) predictions %.1e (%.1e), mark totals "
                  "%.1e (%.1e), per-bin %.1e (%.1e)  %s"
                  % (variant, method, len(rows), pred_w.err, pred_w.of_scale, total_w.err, total_w.of_scale,
                     bin_w.err, bin_w.of_scale,
                     "ok" if ok else ("FAILED" if ok_shape else "FAILED (files do not match the split, or all zero)")))
            for w, what in ((pred_w, "predictions"), (total_w, "mark totals"), (bin_w, "per-bin")):
                if w.fails:
                    print("    %s: %d over %.0e, worst %s" % (what, w.fails, w.tol, w.where))
    print("%d passed, %d failed" % (checks - failures, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
