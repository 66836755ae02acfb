"""Model.fit and `deepdiff train` run the same recipe: with the same seed and options they
leave the same weights (bit for bit: the package is compiled with the CLI's flags, see
setup.py) and predict the same values."""
import csv
import json
import os
import subprocess

import numpy as np

import deepdiff
from conftest import SYNTH_BINS


def test_fit_equals_deepdiff_train(cli, synth_dir, synth_splits, tmp_path):
    save = tmp_path / "cli"
    subprocess.run([cli, "train", "--data-root", synth_dir, "--save-root", str(save), "--model-name", "raw_aux",
                    "--epochs", "2", "--lr", "1e-3", "--hidden", "8", "--seed", "4", "--threads", "2", "--quiet"],
                   check=True)
    m = deepdiff.Model("raw_aux", seed=4, hidden=8, bins=SYNTH_BINS)
    hist = m.fit(synth_splits["train"], synth_splits["valid"], epochs=2, lr=1e-3, threads=2)

    theirs = deepdiff.Model.load(str(save / "checkpoint.bin")).state_dict()
    ours = m.state_dict()
    assert list(ours) == list(theirs)
    worst = max(float(np.abs(ours[k] - theirs[k]).max()) for k in ours)
    for k in ours:
        assert np.array_equal(ours[k], theirs[k]), "%s differs (largest difference %g)" % (k, worst)

    with open(save / "predictions.csv") as f:  # its first line, a '#' comment, says what y is
        rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
    te = synth_splits["test"]
    assert [r["gene_id"] for r in rows] == te.genes
    out = m.predict(te)
    for col, key in (("prediction", "pred"), ("prediction_a", "pred_a"), ("prediction_b", "pred_b")):
        np.testing.assert_array_equal(np.array([float(r[col]) for r in rows], dtype=np.float32), out[key])

    with open(save / "metrics.json") as f:
        metrics = json.load(f)
    assert metrics["best_epoch"] == m.best_epoch
    for mine, cli_rec in zip(hist, metrics["epochs"]):
        for k in ("epoch", "train_loss", "train_pcc", "train_mse", "valid_pcc", "valid_mse"):
            assert mine[k] == cli_rec[k], (k, mine[k], cli_rec[k])
