"""state_dict against the project's independent PyTorch definition (tools/deepdiff_torch.py):
the same names, shapes and order; a PyTorch-built model loaded with load_state_dict
predicts what PyTorch predicts; and our weights load into PyTorch with strict=True."""
import numpy as np
import pytest

import deepdiff
from conftest import counts

AUX = ("aux", "raw_aux", "aux_siamese", "raw_aux_siamese")


@pytest.mark.parametrize("variant", deepdiff.VARIANTS)
@pytest.mark.parametrize("hidden", [32, 6])
def test_state_dict_names_and_shapes_equal_pytorch(ddt, variant, hidden):
    ours = deepdiff.Model(variant, hidden=hidden, bins=200).state_dict()
    theirs = ddt.expected_shapes(variant, n_bins=200, n_hms=5, hidden1=hidden)
    assert list(ours) == list(theirs)  # names and order
    assert {k: v.shape for k, v in ours.items()} == dict(theirs)
    assert all(v.dtype == np.float32 for v in ours.values())


@pytest.mark.parametrize("variant", deepdiff.VARIANTS)
def test_pytorch_model_predicts_the_same_through_load_state_dict(ddt, variant):
    import torch
    T, H, N = 40, 8, 6
    torch.manual_seed(11)
    tm = ddt.init_uniform_(ddt.build_model(variant, n_bins=T, n_hms=5, hidden1=H), bound=0.3).eval()
    m = deepdiff.Model(variant, hidden=H, bins=T)
    m.load_state_dict(tm.state_dict())  # torch tensors, straight from PyTorch
    rng = np.random.default_rng(5)
    xa, xb = counts(rng, (N, T, 5)), counts(rng, (N, T, 5))
    with torch.no_grad():  # the reference in float64
        ref = tm.double()(torch.from_numpy(xa).double(), torch.from_numpy(xb).double())
    out = m.predict(xa, xb)
    np.testing.assert_allclose(out["pred"], ref["pred"][:, 0].numpy(), rtol=0, atol=1e-5)
    if variant in AUX:
        np.testing.assert_allclose(out["pred_a"], ref["pred_a"][:, 0].numpy(), rtol=0, atol=1e-5)
        np.testing.assert_allclose(out["pred_b"], ref["pred_b"][:, 0].numpy(), rtol=0, atol=1e-5)
    beta, alpha = m.attention(xa, xb)
    np.testing.assert_allclose(beta, ref["beta"].numpy(), rtol=0, atol=1e-5)
    np.testing.assert_allclose(alpha, ref["alpha"].numpy(), rtol=0, atol=1e-5)
    # and not by accident: another PyTorch init predicts something else
    assert np.abs(out["pred"] - m.__class__(variant, hidden=H, bins=T, seed=3).predict(xa, xb)["pred"]).max() > 1e-3


@pytest.mark.parametrize("variant", ["raw_d", "raw_aux_siamese"])
def test_our_weights_load_into_pytorch(ddt, variant, sample_dir):
    import torch
    te = deepdiff.load(sample_dir, "Cell1", "Cell2", "test")
    m = deepdiff.Model(variant, seed=7, hidden=8)
    tm = ddt.build_model(variant, n_bins=200, n_hms=5, hidden1=8)
    tm.load_state_dict({k: torch.from_numpy(v) for k, v in m.state_dict().items()}, strict=True)
    xa, xb = te.xa[:12], te.xb[:12]  # real counts, 200 bins
    with torch.no_grad():
        ref = tm.double().eval()(torch.from_numpy(np.array(xa)).double(), torch.from_numpy(np.array(xb)).double())
    np.testing.assert_allclose(m.predict(xa, xb)["pred"], ref["pred"][:, 0].numpy(), rtol=0, atol=1e-5)
