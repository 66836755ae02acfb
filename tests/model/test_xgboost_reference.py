#!/usr/bin/env python3
"""The xgboost baseline (include/deepdiff/model/xgboost_model.hpp) against the xgboost Python
package: xgb.train(params, dtrain, 2000, evals=[(dvalid, "valid")], early_stopping_rounds=50)
on the oracle's summary features (float32, as both hand them to XGBoost) must give the same
best_iteration, the same validation RMSE of every round, and predictions equal to 1e-6 with
iteration_range=(0, best_iteration + 1). The oracle also runs with 1 and 2 threads and with
another seed: 1 and 2 threads must agree exactly, another seed must differ.

usage: test_xgboost_reference.py BASELINES_ORACLE WORK_DIR      (exit 77: xgboost missing)
"""
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import baselines_data as bdata  # noqa: E402

try:
    import numpy as np
    import xgboost as xgb
except ImportError as e:
    bdata.skip(f"{e.name} is not installed (apt-get install python3-xgboost)")

ORACLE, WORK = sys.argv[1], sys.argv[2]
BINS, SEED = 40, 3

shutil.rmtree(WORK, ignore_errors=True)
root = os.path.join(WORK, "data")
bdata.write_root(root, BINS, {"train": 400, "valid": 150, "test": 150}, seed=11)
out2 = bdata.run_oracle(ORACLE, "xgboost", root, "Cell1", "Cell2", SEED, 2)
bdata.check_features(out2, root, BINS)
out1 = bdata.run_oracle(ORACLE, "xgboost", root, "Cell1", "Cell2", SEED, 1)
for key in ("best_iteration", "rounds", "valid_rmse", "pred_valid", "pred_test"):
    assert out1[key] == out2[key], f"1 and 2 threads differ in {key}"
other = bdata.run_oracle(ORACLE, "xgboost", root, "Cell1", "Cell2", SEED + 1, 2)
assert other["pred_test"] != out2["pred_test"], "another seed gave the same predictions (is the seed used?)"

params = {"objective": "reg:squarederror", "max_depth": 6, "eta": 0.05, "subsample": 0.8,
          "colsample_bytree": 0.8, "min_child_weight": 1, "lambda": 1, "tree_method": "hist",
          "eval_metric": "rmse", "seed": SEED, "nthread": 2}
d = {s: xgb.DMatrix(out2[s]["x"].astype(np.float32), label=out2[s]["y"]) for s in ("train", "valid", "test")}
log = {}
bst = xgb.train(params, d["train"], 2000, evals=[(d["valid"], "valid")], early_stopping_rounds=50,
                evals_result=log, verbose_eval=False)
assert out2["best_iteration"] == bst.best_iteration, (out2["best_iteration"], bst.best_iteration)
assert out2["rounds"] == bst.num_boosted_rounds(), (out2["rounds"], bst.num_boosted_rounds())
assert np.allclose(out2["valid_rmse"], log["valid"]["rmse"], rtol=1e-12, atol=0), "validation RMSE histories differ"
worst = 0.0
for split in ("valid", "test"):
    ref = bst.predict(d[split], iteration_range=(0, bst.best_iteration + 1)).astype(np.float64)
    got = np.array(out2["pred_" + split])
    worst = max(worst, np.abs(got - ref).max())
    assert np.allclose(got, ref, rtol=1e-6, atol=1e-6), f"{split}: predictions differ by {np.abs(got - ref).max()}"
print(f"ok: best iteration {bst.best_iteration} of {bst.num_boosted_rounds()} rounds, "
      f"best valid RMSE {min(log['valid']['rmse']):.5f}, max |prediction difference| {worst:.3g}")
