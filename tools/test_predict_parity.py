#!/usr/bin/env python3
"""A model converted from PyTorch predicts, through `deepdiff predict`, what PyTorch predicts.

    /usr/bin/python3 tools/test_predict_parity.py PATH/TO/deepdiff DATA_DIR WORK_DIR

For raw_d and raw_aux_siamese at the published sizes (T = 200, H1 = 32): a PyTorch model
(tools/deepdiff_torch.py, seeded uniform(-0.1, 0.1) init) is saved as a state_dict, converted
with tools/torch_to_deepdiff.py, and both predict the test split of DATA_DIR (Cell1/Cell2,
the public sample). Predictions must agree to 1e-4 of the predictions' scale (float32).
Exit 77 (skipped, for ctest) when torch or the data is missing.
"""
import csv
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def read_split(path, bins=200, marks=5):
    genes, rows = [], []
    with open(path, newline="") as f:
        for i, row in enumerate(csv.reader(f)):
            if i % bins == 0:
                genes.append(row[0].split("_")[0])
            rows.append([float(v) for v in row[1:1 + marks]])
    return genes, rows


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    binary, data, work = sys.argv[1:]
    try:
        import torch
        import deepdiff_torch as ddt
    except ImportError as e:
        print("skipped: PyTorch is not installed for %s (%s); apt-get install python3-torch" % (sys.executable, e))
        return 77
    if not os.path.exists(os.path.join(data, "Cell1.test.csv")):
        print("skipped: no sample data in %s" % data)
        return 77
    os.makedirs(work, exist_ok=True)
    genes, a = read_split(os.path.join(data, "Cell1.test.csv"))
    genes_b, b = read_split(os.path.join(data, "Cell2.test.csv"))
    assert genes == genes_b
    n = len(genes)
    xa = torch.tensor(a, dtype=torch.float32).reshape(n, 200, 5)
    xb = torch.tensor(b, dtype=torch.float32).reshape(n, 200, 5)
    failures = 0
    for variant in ("raw_d", "raw_aux_siamese"):
        torch.manual_seed(3)
        model = ddt.init_uniform_(ddt.build_model(variant))
        model.eval()
        with torch.no_grad():
            want = torch.cat([model(xa[i:i + 10], xb[i:i + 10])["pred"] for i in range(0, n, 10)]).reshape(-1)
        pt = os.path.join(work, variant + ".pt")
        ck = os.path.join(work, variant + ".bin")
        out = os.path.join(work, variant + ".csv")
        torch.save(model.state_dict(), pt)
        subprocess.run([sys.executable, os.path.join(HERE, "torch_to_deepdiff.py"), "--model-name", variant, pt, ck],
                       check=True)
        subprocess.run([binary, "predict", "--checkpoint", ck, "--data-root", data, "--split", "test", "--out", out],
                       check=True)
        with open(out, newline="") as f:  # its first line, a '#' comment, says what y is
            rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
        got = {r["gene_id"]: float(r["prediction"]) for r in rows}
        scale = float(want.abs().max())
        err = max(abs(got[g] - float(w)) for g, w in zip(genes, want)) / scale
        ok = len(rows) == n and err <= 1e-4
        failures += not ok
        print("%s: %d genes, max |deepdiff - torch| / max|torch| = %.2e %s" % (variant, len(rows), err,
                                                                              "ok" if ok else "FAILED"))
    print("%d passed, %d failed" % (2 - failures, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
