"""deepdiff.load and deepdiff.Split: the CLI's data loader, numpy views, arrays in."""
import json
import os
import subprocess

import numpy as np
import pytest

import deepdiff
from conftest import SYNTH_BINS, SYNTH_GENES


def test_load_synthetic(synth_splits):
    tr, va, te = synth_splits["train"], synth_splits["valid"], synth_splits["test"]
    assert (len(tr), len(va), len(te)) == (24, 8, 8)
    assert len(tr) + len(va) + len(te) == SYNTH_GENES
    for s in (tr, va, te):
        assert s.xa.shape == (len(s), SYNTH_BINS, 5) and s.xb.shape == s.xa.shape
        assert s.xa.dtype == np.float32 and s.xa.flags["C_CONTIGUOUS"]
        assert s.y.shape == (len(s),) and s.y.dtype == np.float64
        assert s.bins == SYNTH_BINS and s.marks == 5 and s.has_expression
        assert len(s.genes) == len(s) and all(g.startswith("ENSGSYN") for g in s.genes)
    assert tr.name == "train" and "24 genes x 20 bins x 5 marks" in repr(tr)


def test_targets_follow_the_expression_counts(synth_splits):
    s = synth_splits["train"]
    np.testing.assert_allclose(s.y, np.log2((s.eb + 1) / (s.ea + 1)), rtol=0, atol=1e-12)
    np.testing.assert_allclose(s.ya, np.log2(s.ea + 1), rtol=0, atol=1e-12)
    np.testing.assert_allclose(s.yb, np.log2(s.eb + 1), rtol=0, atol=1e-12)


def test_load_matches_the_csv_text(synth_dir, synth_splits):
    # First gene, first two bins of Cell1.train.csv, read here independently.
    with open(os.path.join(synth_dir, "Cell1.train.csv")) as f:
        rows = [next(f).strip().split(",") for _ in range(2)]
    s = synth_splits["train"]
    assert s.genes[0] == rows[0][0].split("_")[0]
    np.testing.assert_array_equal(s.xa[0, :2], np.array([[float(v) for v in r[1:]] for r in rows], dtype=np.float32))


def test_views_are_read_only_and_not_copies(synth_splits):
    s = synth_splits["train"]
    a, b = s.xa, s.xa
    assert not a.flags["WRITEABLE"] and not a.flags["OWNDATA"]
    assert a.__array_interface__["data"][0] == b.__array_interface__["data"][0]  # the same C++ buffer
    with pytest.raises(ValueError):
        a[0, 0, 0] = 1


def test_a_view_outlives_its_split(synth_dir):
    s = deepdiff.load(synth_dir, "Cell1", "Cell2", "valid")
    xa, first = s.xa, s.xa[0].copy()
    del s
    np.testing.assert_array_equal(xa[0], first)


def test_load_real_sample(sample_dir):
    tr = deepdiff.load(sample_dir, "Cell1", "Cell2", "train")
    assert tr.xa.shape == (200, 200, 5) and tr.genes[0].startswith("ENSG")
    assert np.isfinite(tr.y).all()


def test_expression_modes(synth_dir, tmp_path):
    s = deepdiff.load(synth_dir, "Cell1", "Cell2", "test", expression="ignore")
    assert not s.has_expression and s.y is None and s.ea is None
    # prediction-only data: no expression tables at all
    for f in ("Cell1.test.csv", "Cell2.test.csv"):
        os.symlink(os.path.join(synth_dir, f), tmp_path / f)
    s = deepdiff.load(str(tmp_path), "Cell1", "Cell2", "test", expression="optional")
    assert not s.has_expression and len(s) == 8
    with pytest.raises(FileNotFoundError, match="Cell1.expr.csv"):
        deepdiff.load(str(tmp_path), "Cell1", "Cell2", "test")


def test_split_from_arrays():
    rng = np.random.default_rng(0)
    xa = rng.poisson(2, (6, 7, 5))  # int64: converted
    xb = rng.poisson(2, (6, 7, 5)).astype(np.float64)
    ea, eb = np.arange(6), [3, 0, 1, 5, 2, 8]
    s = deepdiff.Split(xa, xb, ea, eb, genes=["g%d" % i for i in range(6)], name="mine")
    assert s.xa.dtype == np.float32 and s.bins == 7 and s.marks == 5 and len(s) == 6
    np.testing.assert_array_equal(s.xa, xa.astype(np.float32))
    np.testing.assert_allclose(s.y, np.log2((np.array(eb) + 1.0) / (ea + 1.0)))
    assert s.genes[5] == "g5" and s.name == "mine"
    t = deepdiff.Split(xa, xb)
    assert not t.has_expression and t.genes[:2] == ["gene1", "gene2"]


def test_expression_scale(sample_dir, tmp_path, cli):
    """load(expression_scale=...) divides the counts as `deepdiff train --expression-scale` does
    (DESeq2's median of ratios computed here with numpy over the whole CELL.expr.csv tables);
    Model.fit trains on that scale and Model.save records it for `deepdiff eval`."""
    def table(cell):
        rows = [l.split(",") for l in open(os.path.join(sample_dir, cell + ".expr.csv")) if l.strip()]
        return {r[0]: float(r[1]) for r in rows}
    a, b = table("Cell1"), table("Cell2")
    both = [g for g in a if g in b and a[g] > 0 and b[g] > 0]
    la, lb = np.log([a[g] for g in both]), np.log([b[g] for g in both])
    lg = (la + lb) / 2
    sa, sb = np.exp(np.median(la - lg)), np.exp(np.median(lb - lg))
    tr = deepdiff.load(sample_dir, "Cell1", "Cell2", "train", expression_scale="size-factors")
    va = deepdiff.load(sample_dir, "Cell1", "Cell2", "valid", expression_scale="size-factors")
    assert tr.expression_scale == "size-factors"
    assert np.allclose(tr.expression_divisors, (sa, sb), rtol=1e-12, atol=0)
    assert va.expression_divisors == tr.expression_divisors  # of the tables, not of the split
    assert np.allclose(tr.y, np.log2((tr.eb / sb + 1) / (tr.ea / sa + 1)), rtol=1e-12, atol=1e-12)
    plain = deepdiff.load(sample_dir, "Cell1", "Cell2", "train")
    assert plain.expression_scale == "none" and plain.expression_divisors == (1.0, 1.0)
    assert not np.allclose(plain.y, tr.y)
    with pytest.raises(ValueError, match="expression_scale"):
        deepdiff.load(sample_dir, "Cell1", "Cell2", "train", expression_scale="tpm")
    # a model fitted on scaled splits refuses unscaled validation, and its checkpoint says its scale
    m = deepdiff.Model("raw_d", hidden=4)
    with pytest.raises(ValueError, match="expression scale"):
        m.fit(tr, deepdiff.load(sample_dir, "Cell1", "Cell2", "valid"), epochs=1, verbose=False)
    m.fit(tr, va, epochs=1, verbose=False)
    m.save(tmp_path / "m.bin")
    out = tmp_path / "eval.json"
    subprocess.run([cli, "eval", "--data-root", sample_dir, "--cell-1", "Cell1", "--cell-2", "Cell2", "--checkpoint",
                    str(tmp_path / "m.bin"), "--split", "test", "--json", str(out)], check=True, capture_output=True)
    j = json.load(open(out))
    assert j["expression_scale"] == "size-factors"
    assert np.isclose(j["expression_divisor_1"], sa, rtol=1e-12) and np.isclose(j["expression_divisor_2"], sb, rtol=1e-12)
