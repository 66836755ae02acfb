#!/usr/bin/env python3
"""Time Model.fit against PyTorch (tools/train_torch.py, the project's reference training)
and, when given, the `deepdiff` program: the same data, recipe, epochs and threads, in one
run, so the ratios are comparable (absolute times are not, across runs or machines).

    ~/.venvs/deepdiff/bin/python examples/python/bench_fit.py --cli build/examples/deepdiff
    ~/.venvs/deepdiff/bin/python examples/python/bench_fit.py --variants raw_d --threads 1 --epochs 1   # quicker

Data: --data-root (default the project's data/sample: 200 genes per
split), else synthetic data of 200 genes per split written by deepdiff.synth. Each
configuration runs once per program, interleaved; an epoch is training + validation, as the
programs time it. Prints a Markdown table (docs/python.md) and writes OUT/bench_fit.json.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import deepdiff

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))


def ours(data, variant, epochs, threads):
    tr, va = (deepdiff.load(data, "Cell1", "Cell2", s) for s in ("train", "valid"))
    m = deepdiff.Model(variant, seed=1, bins=tr.bins)
    t0, c0 = time.perf_counter(), time.process_time()
    hist = m.fit(tr, va, epochs=epochs, lr=1e-4, threads=threads, verbose=False)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"epoch_s": sum(r["train_seconds"] + r["valid_seconds"] for r in hist) / epochs,
            "call_s": wall / epochs, "cpu_s": cpu / epochs, "valid_pcc": hist[-1]["valid_pcc"]}


def torch_run(data, variant, epochs, threads, tmp):
    out = os.path.join(tmp, "torch-%s-%d" % (variant, threads))
    cmd = [sys.executable, os.path.join(ROOT, "tools", "train_torch.py"), "--data-root", data, "--cell-1", "Cell1",
           "--cell-2", "Cell2", "--model-name", variant, "--epochs", str(epochs), "--lr", "1e-4",
           "--threads", str(threads), "--save-root", out]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(out, "metrics.json")) as f:
        eps = json.load(f)["epochs"]
    return {"epoch_s": sum(e["train_seconds"] + e["valid_seconds"] for e in eps) / epochs,
            "valid_pcc": eps[-1]["valid_pcc"]}


def cli_run(cli, data, variant, epochs, threads, tmp):
    out = os.path.join(tmp, "cli-%s-%d" % (variant, threads))
    subprocess.run([cli, "train", "--data-root", data, "--save-root", out, "--model-name", variant, "--epochs",
                    str(epochs), "--threads", str(threads), "--quiet", "--no-plots", "--no-alpha-csv"], check=True)
    with open(os.path.join(out, "metrics.json")) as f:
        eps = json.load(f)["epochs"]
    return {"epoch_s": sum(e["train_seconds"] + e["valid_seconds"] for e in eps) / epochs,
            "valid_pcc": eps[-1]["valid_pcc"]}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-root", default=os.path.join(ROOT, "data", "sample"))
    ap.add_argument("--variants", default="raw_d,raw_aux_siamese")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--cli", help="the deepdiff program, to time `deepdiff train` too")
    ap.add_argument("--out", default="results/bench_fit")
    a = ap.parse_args(argv)
    os.makedirs(a.out, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="bench_fit.")
    data = a.data_root
    if not os.path.isfile(os.path.join(data, "Cell1.train.csv")):
        data = os.path.join(tmp, "synth")
        deepdiff.synth(data, genes=1000, seed=1)  # 600 / 200 / 200 genes
        print("no data at %s: using synthetic data (%s), 600 training genes" % (a.data_root, data))
    tr = deepdiff.load(data, "Cell1", "Cell2", "train")
    load0 = os.getloadavg()[0]
    rows = []
    for variant in a.variants.split(","):
        for t in (int(x) for x in a.threads.split(",")):
            r = {"variant": variant, "threads": t, "ours": ours(data, variant, a.epochs, t)}
            r["torch"] = torch_run(data, variant, a.epochs, t, tmp)
            if a.cli:
                r["cli"] = cli_run(a.cli, data, variant, a.epochs, t, tmp)
            rows.append(r)
            print("%s, %d thread(s): fit %.2f s/epoch, PyTorch %.2f s/epoch%s" % (
                variant, t, r["ours"]["epoch_s"], r["torch"]["epoch_s"],
                ", deepdiff train %.2f s/epoch" % r["cli"]["epoch_s"] if a.cli else ""), flush=True)
    load1 = os.getloadavg()[0]
    import torch
    head = ("| variant | threads | Model.fit s/epoch | fit call s/epoch (Python side incl.) | "
            + ("deepdiff train s/epoch | " if a.cli else "") + "PyTorch s/epoch | PyTorch / fit |")
    lines = ["%d training genes x %d bins, %d valid genes, %d epoch(s), batch 10; torch %s; load average %.1f -> %.1f"
             % (len(tr), tr.bins, len(deepdiff.load(data, "Cell1", "Cell2", "valid")), a.epochs, torch.__version__,
                load0, load1), "", head, "|---|---:|---:|---:|" + ("---:|" if a.cli else "") + "---:|---:|"]
    for r in rows:
        cells = [r["variant"], str(r["threads"]), "%.2f" % r["ours"]["epoch_s"], "%.2f" % r["ours"]["call_s"]]
        if a.cli:
            cells.append("%.2f" % r["cli"]["epoch_s"])
        cells += ["%.2f" % r["torch"]["epoch_s"], "**%.1fx**" % (r["torch"]["epoch_s"] / r["ours"]["epoch_s"])]
        lines.append("| " + " | ".join(cells) + " |")
    text = "\n".join(lines)
    print(text)
    with open(os.path.join(a.out, "bench_fit.json"), "w") as f:
        json.dump({"rows": rows, "load": [load0, load1], "data": data, "epochs": a.epochs, "table": text}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
