"""deepdiff.Model.attributions: integrated gradients and gradient x input (model/attribution.hpp,
what `deepdiff attribute` writes; the PyTorch parity of every variant is
tools/test_attribution_parity.py)."""
import numpy as np
import pytest

import deepdiff
from conftest import SYNTH_BINS, counts

KEYS = ["a", "b", "baseline", "gap", "prediction"]


def random_model(variant, bins=SYNTH_BINS, hidden=8, seed=3, bound=0.3):
    """A small model with uniform(-bound, bound) weights: far enough from linear that integrated
    gradients and gradient x input differ. (With hidden=4, aux's ReLU layer of 4 units is dead
    at seed 3 and its prediction constant; the tests check that the model is not.)"""
    m = deepdiff.Model(variant, seed=1, hidden=hidden, bins=bins)
    rng = np.random.default_rng(seed)
    m.load_state_dict({k: rng.uniform(-bound, bound, v.shape).astype(np.float32) for k, v in m.state_dict().items()})
    return m


@pytest.mark.parametrize("variant", deepdiff.VARIANTS)
def test_integrated_gradients_are_complete(variant, synth_splits):
    te = synth_splits["test"]
    m = random_model(variant)
    r = m.attributions(te, steps=64)
    n = len(te)
    assert sorted(r) == KEYS
    for k in ("a", "b"):
        assert r[k].shape == (n, SYNTH_BINS, 5) and r[k].dtype == np.float64 and np.isfinite(r[k]).all()
    for k in ("prediction", "baseline", "gap"):
        assert r[k].shape == (n,) and r[k].dtype == np.float64 and np.isfinite(r[k]).all()
    # y(x) is what predict says; y(0) is the model on no reads, the same for every gene
    np.testing.assert_allclose(r["prediction"], m.predict(te)["pred"], rtol=1e-5, atol=1e-6)
    zero = np.zeros((1, SYNTH_BINS, 5), np.float32)
    np.testing.assert_allclose(r["baseline"], m.predict(zero, zero)["pred"][0], rtol=1e-5, atol=1e-6)
    total = r["a"].sum(axis=(1, 2)) + r["b"].sum(axis=(1, 2))
    diff = r["prediction"] - r["baseline"]
    np.testing.assert_allclose(r["gap"], total - diff, rtol=1e-9, atol=1e-12)
    # completeness: sum of attributions = y(x) - y(0) within 1% (64 midpoint steps)
    scale = np.abs(diff).max()
    assert scale > 1e-3, "the model's predictions do not depend on the input: not a test"
    assert (np.abs(r["gap"]) <= 0.01 * np.maximum(np.abs(diff), 0.1 * scale)).all(), (r["gap"], diff)
    # zero counts get zero attribution (x - x' = 0)
    assert (r["a"][te.xa == 0] == 0).all() and (r["b"][te.xb == 0] == 0).all()
    # arrays or a Split: the same numbers
    r2 = m.attributions(te.xa, te.xb, steps=64)
    for k in KEYS:
        np.testing.assert_array_equal(r[k], r2[k])


def test_the_gap_shrinks_with_steps_and_threads_do_not_matter(synth_splits):
    te = synth_splits["test"]
    m = random_model("raw_aux_siamese")
    gaps = [np.abs(m.attributions(te, steps=s)["gap"]).max() for s in (2, 8, 64)]
    assert gaps[0] > gaps[1] > gaps[2], gaps
    one = m.attributions(te, steps=8, threads=1)
    two = m.attributions(te, steps=8, threads=2)
    for k in KEYS:
        np.testing.assert_array_equal(one[k], two[k])
    # other gene batches: float rounding only (each gene's gradient is its own)
    other = m.attributions(te, steps=8, batch_size=3)
    for k in KEYS:
        np.testing.assert_allclose(one[k], other[k], rtol=1e-4, atol=1e-7)


def test_gradient_x_input(synth_splits):
    te = synth_splits["test"]
    m = random_model("aux")
    gi = m.attributions(te, method="grad_input")
    n = len(te)
    assert sorted(gi) == KEYS
    assert gi["a"].shape == gi["b"].shape == (n, SYNTH_BINS, 5) and gi["a"].dtype == np.float64
    assert gi["prediction"].shape == gi["baseline"].shape == gi["gap"].shape == (n,)
    assert (gi["a"][te.xa == 0] == 0).all() and (gi["b"][te.xb == 0] == 0).all()
    # steps do not matter to gradient x input
    for k in KEYS:
        np.testing.assert_array_equal(gi[k], m.attributions(te, method="grad_input", steps=3)[k])
    # a nonlinear model: gradient x input is not integrated gradients
    ig = m.attributions(te, method="ig", steps=16)
    np.testing.assert_allclose(gi["prediction"], ig["prediction"], rtol=1e-6, atol=1e-7)
    assert not np.allclose(gi["a"], ig["a"], rtol=1e-3, atol=1e-6)


def test_gradient_x_input_is_the_derivative():
    # central differences (float32 predictions, h = 0.1) at a few inputs, against x * dy/dx
    m = random_model("raw_d", bins=6, hidden=4)
    rng = np.random.default_rng(5)
    xa, xb = counts(rng, (2, 6, 5)), counts(rng, (2, 6, 5))
    gi = m.attributions(xa, xb, method="grad_input")
    h = 0.1
    for g, t, k in [(0, 0, 0), (0, 3, 2), (1, 5, 4), (1, 2, 1)]:
        for x, key in ((xa, "a"), (xb, "b")):
            if x[g, t, k] == 0:
                continue
            up, down = x.copy(), x.copy()
            up[g, t, k] += h
            down[g, t, k] -= h
            other = xb if x is xa else xa
            args_up = (up, other) if x is xa else (other, up)
            args_down = (down, other) if x is xa else (other, down)
            d = (float(m.predict(*args_up)["pred"][g]) - float(m.predict(*args_down)["pred"][g])) / (2 * h)
            assert gi[key][g, t, k] == pytest.approx(x[g, t, k] * d, rel=2e-2, abs=5e-6)


def test_integrated_gradients_match_pytorch(ddt):
    # the independent PyTorch definition, in float64 on the same float32 weights
    import torch
    m = random_model("raw_c", bins=7, hidden=4)
    rng = np.random.default_rng(2)
    xa, xb = counts(rng, (3, 7, 5)), counts(rng, (3, 7, 5))
    S = 8
    r = m.attributions(xa, xb, steps=S)
    ref = ddt.build_model("raw_c", 7, 5, 4).double()
    ref.load_state_dict({k: torch.from_numpy(v).double() for k, v in m.state_dict().items()})
    ta, tb = torch.from_numpy(xa).double(), torch.from_numpy(xb).double()
    ga, gb = torch.zeros_like(ta), torch.zeros_like(tb)
    for k in range(1, S + 1):
        sa = ((k - 0.5) / S * ta).requires_grad_(True)
        sb = ((k - 0.5) / S * tb).requires_grad_(True)
        da, db = torch.autograd.grad(ref(sa, sb)["pred"].sum(), (sa, sb))
        ga += da / S
        gb += db / S
    want_a, want_b = (ga * ta).numpy(), (gb * tb).numpy()
    scale = max(np.abs(want_a).max(), np.abs(want_b).max())
    np.testing.assert_allclose(r["a"], want_a, rtol=1e-4, atol=1e-5 * scale)
    np.testing.assert_allclose(r["b"], want_b, rtol=1e-4, atol=1e-5 * scale)


def test_errors(synth_splits):
    te = synth_splits["test"]
    m = random_model("raw_d")
    with pytest.raises(ValueError, match=r"steps must be >= 1, got 0"):
        m.attributions(te, steps=0)
    with pytest.raises(ValueError, match=r"steps must be >= 1"):
        m.attributions(te, steps=-3)
    with pytest.raises(ValueError, match=r"unknown attribution method 'lime' \(expected ig or grad_input\)"):
        m.attributions(te, method="lime")
    with pytest.raises(ValueError, match=r"batch_size must be >= 1"):
        m.attributions(te, batch_size=0)
    with pytest.raises(ValueError, match=r"the model expects 20 x 5|expected \(N, 20, 5\)"):
        m.attributions(np.zeros((2, 7, 5)), np.zeros((2, 7, 5)))
    with pytest.raises(TypeError, match=r"xb is missing"):
        m.attributions(np.zeros((2, SYNTH_BINS, 5)))
    for name in ("ridge", "deepchrome", "attentivechrome_diff"):
        with pytest.raises(ValueError, match=r"the %s model is not a DeepDiff variant" % name):
            deepdiff.Model(name, bins=SYNTH_BINS).attributions(te)
    # nothing was changed by the failed calls
    r = m.attributions(te, steps=4)
    assert np.isfinite(r["a"]).all()


def test_no_genes():
    m = random_model("raw", bins=4)
    r = m.attributions(np.zeros((0, 4, 5), np.float32), np.zeros((0, 4, 5), np.float32))
    assert r["a"].shape == r["b"].shape == (0, 4, 5) and r["prediction"].shape == r["gap"].shape == (0,)
