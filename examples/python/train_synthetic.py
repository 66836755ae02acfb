#!/usr/bin/env python3
"""Train DeepDiff from Python on synthetic data with a planted answer, then plot the
training curve and the attention maps with matplotlib (PNG files, no display needed).

    ~/.venvs/deepdiff/bin/python examples/python/train_synthetic.py --out results/python-example
    ~/.venvs/deepdiff/bin/python examples/python/train_synthetic.py --quick     # a few seconds

Run it with the Python the package is installed in (docs/python.md, "Install"); needs matplotlib
(Debian: python3-matplotlib). The same run as the README's main command
(`deepdiff synth` + `deepdiff train --epochs 15 --lr 1e-3`), from Python: same data, same
weights. The synthetic data plants the signal in H3K4me3 at the TSS (truth.md says which
bins); a trained model should put its H3K4me3 attention (alpha) there, which it does after
15 epochs (docs/python.md has the figures of a run).
"""
import argparse
import os
import sys
import time

import numpy as np

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402

import deepdiff  # noqa: E402


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="results/python-example", help="output folder (created)")
    ap.add_argument("--variant", default="raw_d", choices=deepdiff.VARIANTS)
    ap.add_argument("--genes", type=int, default=1000, help="synthetic genes (60/20/20 train/valid/test)")
    ap.add_argument("--bins", type=int, default=200)
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--hidden", type=int, default=32)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=0, help="OpenMP threads (0: all cores)")
    ap.add_argument("--quick", action="store_true", help="smoke run: 60 genes x 40 bins, 2 epochs, hidden 8")
    a = ap.parse_args(argv)
    if a.quick:
        a.genes, a.bins, a.epochs, a.hidden = 60, 40, 2, 8
    return a


def plot_curves(history, best_epoch, path):
    ep = [r["epoch"] for r in history]
    fig, ax = plt.subplots(figsize=(6.4, 4))
    ax.plot(ep, [r["train_loss"] for r in history], "o-", color="tab:blue", label="training loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss (MSE)", color="tab:blue")
    ax2 = ax.twinx()
    ax2.plot(ep, [r["train_pcc"] for r in history], "s--", color="tab:gray", label="train PCC")
    ax2.plot(ep, [r["valid_pcc"] for r in history], "s-", color="tab:orange", label="valid PCC")
    ax2.axvline(best_epoch, color="tab:orange", lw=0.8, ls=":")
    ax2.set_ylabel("Pearson correlation")
    lines = ax.get_lines() + ax2.get_lines()[:2]
    ax.legend(lines, [ln.get_label() for ln in lines], loc="center right")
    ax.set_title("training (best epoch %d kept)" % best_epoch)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_attention(model, beta, alpha, tss, path):
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 4), gridspec_kw={"width_ratios": [1, 2.6]})
    names = model.beta_names
    a1.barh(range(len(names)), beta.mean(0), color="tab:purple")
    a1.set_yticks(range(len(names)), names)
    a1.invert_yaxis()
    a1.set_xlabel("mean beta (level-2 attention)")
    a1.set_title("which marks")
    T = alpha.shape[2]
    im = a2.imshow(alpha.mean(0), aspect="auto", cmap="viridis", extent=(0.5, T + 0.5, len(model.alpha_names) - 0.5, -0.5))
    a2.set_yticks(range(len(model.alpha_names)), model.alpha_names)
    a2.axvspan(tss[0] - 0.5, tss[1] + 0.5, ymin=0, ymax=1, fill=False, ec="white", ls="--", lw=1)
    a2.set_xlabel("bin (TSS at the centre; dashed: where H3K4me3 carries the planted signal)")
    a2.set_title("where: mean alpha (level-1 attention) over test genes")
    fig.colorbar(im, ax=a2, label="alpha")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_scatter(pred, y, pcc, path):
    fig, ax = plt.subplots(figsize=(4.8, 4.8))
    ax.scatter(y, pred, s=8, alpha=0.6)
    lim = [min(y.min(), pred.min()), max(y.max(), pred.max())]
    ax.plot(lim, lim, color="gray", lw=0.8)
    ax.set_xlabel("measured log2((eB+1)/(eA+1))")
    ax.set_ylabel("predicted")
    ax.set_title("test genes: PCC %.3f" % pcc)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None):
    a = parse_args(argv)
    os.makedirs(a.out, exist_ok=True)
    data = os.path.join(a.out, "data")
    info = deepdiff.synth(data, genes=a.genes, bins=a.bins, seed=a.seed)
    tr, va, te = (deepdiff.load(data, "Cell1", "Cell2", s) for s in ("train", "valid", "test"))
    print("data:", tr, va, te, sep="\n  ")

    m = deepdiff.Model(a.variant, seed=a.seed, hidden=a.hidden, bins=tr.bins)
    print(m)
    t0 = time.perf_counter()
    history = m.fit(tr, va, epochs=a.epochs, lr=a.lr, threads=a.threads, verbose=True)
    print("trained in %.1f s; kept epoch %d (valid PCC %.4f)" % (time.perf_counter() - t0, m.best_epoch, m.best_valid_pcc))

    pred = m.predict(te)["pred"]
    pcc = deepdiff.pearson(pred, te.y)
    beta, alpha = m.attention(te)
    print("test PCC %.4f on %d genes" % (pcc, len(te)))
    if "D.H3K4me3" in m.alpha_names:
        k = m.alpha_names.index("D.H3K4me3")
        peak = int(np.argmax(alpha[:, k].mean(0))) + 1
        print("H3K4me3 attention peaks at bin %d (planted signal: bins %d..%d)" % (peak, info["tss_first_bin"], info["tss_last_bin"]))

    m.save(os.path.join(a.out, "model.bin"))
    plot_curves(history, m.best_epoch, os.path.join(a.out, "training_curve.png"))
    plot_attention(m, beta, alpha, (info["tss_first_bin"], info["tss_last_bin"]), os.path.join(a.out, "attention.png"))
    plot_scatter(pred, te.y, pcc, os.path.join(a.out, "scatter.png"))
    print("results in %s/: model.bin, training_curve.png, attention.png, scatter.png, data/" % a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
