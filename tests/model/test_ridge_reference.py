#!/usr/bin/env python3
"""The ridge baseline (include/deepdiff/model/ridge.hpp) against scikit-learn.

On a data root written here (T = 45 bins: uneven windows), baselines_oracle fits ridge with the
library; the test recomputes the summary features with numpy, standardizes them by the spec's
rule (training mean and population sd, a constant column -> 0), fits sklearn's Ridge(alpha=l)
for every l in {1e-3, ..., 1e4}, picks l by validation PCC (ties: the larger l), and requires
the same l, the same per-l validation PCC (1e-9) and the same predictions (1e-8 relative).

usage: test_ridge_reference.py BASELINES_ORACLE WORK_DIR      (exit 77: sklearn missing)
"""
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import baselines_data as bdata  # noqa: E402

try:
    import numpy as np
    from sklearn.linear_model import Ridge
except ImportError as e:
    bdata.skip(f"{e.name} is not installed (apt-get install python3-sklearn)")

ORACLE, WORK = sys.argv[1], sys.argv[2]
BINS = 45
LAMBDAS = [1e-3, 1e-2, 1e-1, 1e0, 1e1, 1e2, 1e3, 1e4]

shutil.rmtree(WORK, ignore_errors=True)
root = os.path.join(WORK, "data")
bdata.write_root(root, BINS, {"train": 300, "valid": 120, "test": 100}, seed=5)
out = bdata.run_oracle(ORACLE, "ridge", root, "Cell1", "Cell2")
bdata.check_features(out, root, BINS)

x = {s: bdata.numpy_features(root, s, BINS) for s in ("train", "valid", "test")}
y = {s: out[s]["y"] for s in x}
mean = x["train"].mean(axis=0)
sd = x["train"].std(axis=0)  # population sd (ddof 0)
constant = np.all(x["train"] == x["train"][0], axis=0)
assert constant.sum() == 3 * 10, f"expected the 30 H3K9me3 features (A, B, B-A) constant, got {constant.sum()}"
sd[constant] = 0


def standardize(a):
    z = np.zeros_like(a)
    z[:, ~constant] = (a[:, ~constant] - mean[~constant]) / sd[~constant]
    return z


z = {s: standardize(x[s]) for s in x}
best, best_l, pccs, models = -np.inf, None, [], {}
for lam in LAMBDAS:
    r = Ridge(alpha=lam).fit(z["train"], y["train"])
    pcc = np.corrcoef(r.predict(z["valid"]), y["valid"])[0, 1]
    pccs.append(pcc)
    models[lam] = r
    if pcc >= best:  # ascending grid: a tie goes to the larger lambda
        best, best_l = pcc, lam

assert out["lambdas"] == LAMBDAS, out["lambdas"]
assert np.allclose(out["valid_pcc"], pccs, rtol=0, atol=1e-9), (out["valid_pcc"], pccs)
assert out["lambda"] == best_l, f"C++ chose lambda {out['lambda']}, sklearn {best_l} (PCCs {pccs})"
for split in ("valid", "test"):
    ref = models[best_l].predict(z[split])
    got = np.array(out["pred_" + split])
    err = np.abs(got - ref) / np.maximum(np.abs(ref), 1e-3)
    assert err.max() <= 1e-8, f"{split}: predictions differ by {err.max():.3g} relative"
print(f"ok: lambda {best_l}, valid PCC {best:.4f}, per-lambda PCC {np.round(pccs, 4).tolist()}, "
      f"max relative prediction error {err.max():.2g}")
