"""deepdiff.Model: fit, predict, attention, save/load, history, stopping, threads."""
import json
import os
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import deepdiff
from conftest import HERE, SYNTH_BINS, counts

KEYS = ["epoch", "train_loss", "train_pcc", "train_mse", "valid_pcc", "valid_mse", "train_seconds", "valid_seconds"]


def weights(m):
    return np.concatenate([v.ravel() for v in m.state_dict().values()])


def test_model_sizes_and_names():
    m = deepdiff.Model("raw_d", seed=1)
    assert m.num_parameters == 55681  # tools/README.md: 55,681 for raw_d
    assert (m.variant, m.hidden, m.bins, m.marks, m.seed) == ("raw_d", 32, 200, 5, 1)
    assert m.beta_names == ["D.H3K4me1", "D.H3K4me3", "D.H3K9me3", "D.H3K27me3", "D.H3K36me3"]
    assert deepdiff.Model("raw_aux_siamese").num_parameters == 212163  # README
    w = weights(m)
    assert w.min() >= -0.1 and w.max() <= 0.1 and w.std() > 0.05  # uniform(-0.1, 0.1)
    np.testing.assert_array_equal(w, weights(deepdiff.Model("raw_d", seed=1)))
    assert not np.array_equal(w, weights(deepdiff.Model("raw_d", seed=2)))


def test_fit_returns_the_records_and_keeps_the_best_epoch(synth_splits):
    tr, va = synth_splits["train"], synth_splits["valid"]
    m = deepdiff.Model("raw_d", seed=1, hidden=8, bins=SYNTH_BINS)
    snapshots = []
    hist = m.fit(tr, va, epochs=4, lr=1e-2, on_epoch=lambda r: snapshots.append(weights(m)))
    assert [r["epoch"] for r in hist] == [1, 2, 3, 4] and list(hist[0]) == KEYS
    assert m.history == hist
    best = max(range(4), key=lambda i: (hist[i]["valid_pcc"], i))  # ties: the later epoch
    assert m.best_epoch == best + 1 and m.best_valid_pcc == hist[best]["valid_pcc"]
    np.testing.assert_array_equal(weights(m), snapshots[best])
    # the recorded valid PCC is the PCC of the kept weights' predictions
    assert deepdiff.pearson(m.predict(va)["pred"], va.y) == pytest.approx(m.best_valid_pcc, abs=1e-6)


def test_fit_is_deterministic_and_independent_of_threads(synth_splits):
    tr, va = synth_splits["train"], synth_splits["valid"]
    runs = []
    for threads in (1, 2, 1):
        m = deepdiff.Model("aux_siamese", seed=5, hidden=4, bins=SYNTH_BINS)
        m.fit(tr, va, epochs=2, lr=1e-3, threads=threads)
        runs.append(weights(m))
    np.testing.assert_array_equal(runs[0], runs[1])
    np.testing.assert_array_equal(runs[0], runs[2])


def test_on_epoch_false_stops(synth_splits):
    m = deepdiff.Model("raw_d", seed=1, hidden=4, bins=SYNTH_BINS)
    hist = m.fit(synth_splits["train"], synth_splits["valid"], epochs=50, on_epoch=lambda r: r["epoch"] < 3)
    assert len(hist) == 3 and len(m.history) == 3


def test_on_epoch_result_whose_truth_raises(synth_splits):
    class Bad:
        def __bool__(self):
            raise ZeroDivisionError("no truth")

    m = deepdiff.Model("raw_d", seed=1, hidden=4, bins=SYNTH_BINS)
    with pytest.raises(ZeroDivisionError, match="no truth"):
        m.fit(synth_splits["train"], synth_splits["valid"], epochs=3, on_epoch=lambda r: Bad(), verbose=False)
    assert len(m.history) == 1
    m.predict(synth_splits["test"])


def test_exception_in_on_epoch_propagates_and_keeps_the_best_epoch(synth_splits):
    m = deepdiff.Model("raw_d", seed=1, hidden=4, bins=SYNTH_BINS)
    snaps = []

    def cb(r):
        snaps.append(weights(m))
        if r["epoch"] == 2:
            raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here"):
        m.fit(synth_splits["train"], synth_splits["valid"], epochs=10, on_epoch=cb)
    assert len(m.history) == 2 and m.best_epoch in (1, 2)
    np.testing.assert_array_equal(weights(m), snaps[m.best_epoch - 1])
    m.predict(synth_splits["test"])  # usable


def test_verbose_prints_one_line_per_epoch(synth_splits, capsys):
    m = deepdiff.Model("raw_d", seed=1, hidden=4, bins=SYNTH_BINS)
    m.fit(synth_splits["train"], synth_splits["valid"], epochs=2, verbose=True)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[1].startswith("epoch   2/2") and "ETA" in lines[1]
    m.fit(synth_splits["train"], synth_splits["valid"], epochs=1, verbose=False)
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("variant", deepdiff.VARIANTS)
def test_predict_and_attention(variant, synth_splits):
    te = synth_splits["test"]
    m = deepdiff.Model(variant, seed=2, hidden=6, bins=SYNTH_BINS)
    out = m.predict(te.xa, te.xb)
    aux = variant in ("aux", "raw_aux", "aux_siamese", "raw_aux_siamese")
    assert sorted(out) == (["pred", "pred_a", "pred_b"] if aux else ["pred"])
    for v in out.values():
        assert v.shape == (len(te),) and v.dtype == np.float32 and np.isfinite(v).all()
    same = m.predict(te)  # a Split: the same numbers
    other = m.predict(te, batch_size=3)  # other batches: the same up to float rounding
    for k in out:
        np.testing.assert_array_equal(out[k], same[k])
        np.testing.assert_allclose(out[k], other[k], rtol=1e-5, atol=1e-6)
    beta, alpha = m.attention(te)
    assert beta.shape == (len(te), len(m.beta_names)) and alpha.shape == (len(te), len(m.alpha_names), SYNTH_BINS)
    if variant in ("aux", "aux_siamese"):  # beta = [beta_A, beta_B], each a softmax over 5 marks
        np.testing.assert_allclose(beta[:, :5].sum(1), 1, atol=1e-5)
        np.testing.assert_allclose(beta[:, 5:].sum(1), 1, atol=1e-5)
    else:
        np.testing.assert_allclose(beta.sum(1), 1, atol=1e-5)
    np.testing.assert_allclose(alpha.sum(2), 1, atol=1e-5)
    b2, a2 = m.attention(te.xa, te.xb)
    np.testing.assert_array_equal(beta, b2)
    np.testing.assert_array_equal(alpha, a2)
    b3, a3 = m.attention(te.xa, te.xb, batch_size=1)  # other batches: float rounding only
    np.testing.assert_allclose(beta, b3, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(alpha, a3, rtol=1e-5, atol=1e-8)


def test_predict_uses_each_gene_alone(synth_splits):
    te = synth_splits["test"]
    m = deepdiff.Model("raw", seed=2, hidden=4, bins=SYNTH_BINS)
    all_ = m.predict(te)["pred"]
    one = np.array([m.predict(te.xa[i:i + 1], te.xb[i:i + 1])["pred"][0] for i in range(len(te))])
    # no gene sees another; batches of another size may round differently in the last bits
    np.testing.assert_allclose(all_, one, rtol=1e-5, atol=1e-7)


def test_inputs_are_converted_when_needed():
    m = deepdiff.Model("raw_d", seed=2, hidden=4, bins=9)
    rng = np.random.default_rng(1)
    xa, xb = counts(rng, (5, 9, 5)), counts(rng, (5, 9, 5))
    ref = m.predict(xa, xb)["pred"]
    for a, b in [(xa.astype(np.float64), xb.astype(np.int32)),  # other dtypes
                 (np.asfortranarray(xa), np.asfortranarray(xb))]:  # another layout
        np.testing.assert_array_equal(m.predict(a, b)["pred"], ref)
    strided = np.concatenate([xa, xb], axis=2)[:, :, ::2][:, :, :5]  # non-contiguous view, 5 marks
    np.testing.assert_array_equal(m.predict(strided, xb)["pred"], m.predict(np.ascontiguousarray(strided), xb)["pred"])
    np.testing.assert_array_equal(m.predict(xa.tolist(), xb.tolist())["pred"], ref)  # nested lists
    empty = m.predict(np.zeros((0, 9, 5), np.float32), np.zeros((0, 9, 5), np.float32))
    assert empty["pred"].shape == (0,)
    beta, alpha = m.attention(np.zeros((0, 9, 5)), np.zeros((0, 9, 5)))
    assert beta.shape == (0, 5) and alpha.shape == (0, 5, 9)


def test_save_load_round_trip(synth_splits, tmp_path):
    te = synth_splits["test"]
    m = deepdiff.Model("raw_aux", seed=4, hidden=6, bins=SYNTH_BINS)
    m.fit(synth_splits["train"], synth_splits["valid"], epochs=1, lr=1e-3)
    path = tmp_path / "model.bin"
    m.save(path)  # os.PathLike
    n = deepdiff.Model.load(str(path))
    assert (n.variant, n.hidden, n.bins, n.marks, n.seed) == ("raw_aux", 6, SYNTH_BINS, 5, None)
    for k, v in m.state_dict().items():
        np.testing.assert_array_equal(n.state_dict()[k], v)
    a, b = m.predict(te), n.predict(te)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    assert not [f for f in os.listdir(tmp_path) if f != "model.bin"]  # no temporary left


def test_state_dict_round_trip_and_copies():
    m = deepdiff.Model("aux", seed=1, hidden=4, bins=6)
    sd = m.state_dict()
    sd2 = {k: v * 0.5 for k, v in sd.items()}
    n = deepdiff.Model("aux", seed=9, hidden=4, bins=6)
    n.load_state_dict(sd2)
    for k in sd:
        np.testing.assert_array_equal(n.state_dict()[k], sd2[k])
    sd[next(iter(sd))][...] = 7  # state_dict returns copies
    assert not (m.state_dict()[next(iter(sd))] == 7).any()


def test_the_gil_is_released_while_cpp_runs():
    m = deepdiff.Model("raw_aux_siamese", seed=1)  # about 1 ms per gene on one core
    rng = np.random.default_rng(0)
    xa, xb = counts(rng, (300, 200, 5)), counts(rng, (300, 200, 5))
    t0 = time.perf_counter()
    m.predict(xa, xb, threads=1)
    alone = time.perf_counter() - t0
    ticks = 0
    th = threading.Thread(target=lambda: m.predict(xa, xb, threads=1))
    th.start()
    while th.is_alive():
        ticks += 1
    th.join()
    # Holding the GIL for the whole call would let this loop run only before and after it.
    assert alone > 0.1 and ticks > 1000, (alone, ticks)


def test_a_model_is_used_by_one_thread_at_a_time(synth_splits):
    m = deepdiff.Model("raw_d", seed=1, hidden=4, bins=SYNTH_BINS)
    inside, checked, seen = threading.Event(), threading.Event(), []

    def cb(r):
        seen.append(m.predict(synth_splits["test"])["pred"].shape)  # same thread: allowed
        inside.set()
        checked.wait(30)
        return False

    th = threading.Thread(target=lambda: m.fit(synth_splits["train"], synth_splits["valid"], epochs=3, on_epoch=cb))
    th.start()
    assert inside.wait(30)
    try:
        with pytest.raises(RuntimeError, match="another thread"):
            m.predict(synth_splits["test"])
    finally:
        checked.set()
        th.join()
    assert seen == [(8,)] and len(m.history) == 1
    m.predict(synth_splits["test"])  # free again


INTERRUPT_CHILD = r"""
import json, sys, numpy as np, deepdiff
tr = deepdiff.load(sys.argv[1], "Cell1", "Cell2", "train")
va = deepdiff.load(sys.argv[1], "Cell1", "Cell2", "valid")
m = deepdiff.Model("raw_aux_siamese", seed=1, hidden=16, bins=tr.bins)
try:
    m.fit(tr, va, epochs=100000, lr=1e-3, batch_size=2, verbose=False,
          on_epoch=lambda r: print("epoch", r["epoch"], flush=True))
    print(json.dumps({"interrupted": False}))
except KeyboardInterrupt:
    # The kept weights are the best epoch's: their validation PCC is the one recorded for it.
    p = m.predict(va, batch_size=2)["pred"]
    best = m.history[m.best_epoch - 1]["valid_pcc"]
    print(json.dumps({"interrupted": True, "epochs": len(m.history), "best_epoch": m.best_epoch,
                      "best_is_kept": abs(deepdiff.pearson(p, va.y) - best) < 1e-9,
                      "best_is_best": best == max(r["valid_pcc"] for r in m.history),
                      "usable": bool(np.isfinite(p).all() and len(p) == len(va))}))
"""


def test_ctrl_c_stops_fit_between_batches_and_keeps_the_best_epoch(synth_dir):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    p = subprocess.Popen([sys.executable, "-c", INTERRUPT_CHILD, synth_dir], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=env, cwd=HERE)
    try:
        for _ in range(2):  # two epochs done: we are inside epoch 3
            line = p.stdout.readline()
            assert line.startswith("epoch"), line + p.stderr.read()
        time.sleep(0.05)
        t0 = time.perf_counter()
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
        stopped_in = time.perf_counter() - t0
    finally:
        if p.poll() is None:
            p.kill()
    last = [ln for ln in out.splitlines() if ln.startswith("{")]
    assert last, out + err
    r = json.loads(last[-1])
    assert r["interrupted"] and r["usable"] and r["best_is_kept"] and r["best_is_best"], r
    assert r["epochs"] >= 2
    assert stopped_in < 10, stopped_in


def test_float32_c_contiguous_inputs_are_not_copied():
    import tracemalloc
    m = deepdiff.Model("raw_d", seed=1, hidden=2, bins=50)
    rng = np.random.default_rng(0)
    xa, xb = counts(rng, (400, 50, 5)), counts(rng, (400, 50, 5))  # 400 KB each
    m.predict(xa[:1], xb[:1])

    def peak(a, b):
        tracemalloc.start()  # sees numpy's allocations (not the C++ library's)
        m.predict(a, b)
        p = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return p

    assert peak(xa, xb) < 50_000  # the outputs only
    assert peak(xa.astype(np.float64), xb) > 300_000  # a converted float32 copy of xa (400 KB)


def test_precision_bf16(synth_splits, tmp_path):
    te = synth_splits["test"]
    m = deepdiff.Model("raw_d", seed=2, hidden=32, bins=SYNTH_BINS)
    assert m.precision == "fp32"
    fp32 = m.predict(te)["pred"]
    m.precision = "bf16"
    assert m.precision == "bf16"
    bf16 = m.predict(te)["pred"]
    # bf16 operands change the numbers a little, not a lot; the same model in bf16 from the start
    # gives the same bits.
    assert not np.array_equal(fp32, bf16)
    np.testing.assert_allclose(bf16, fp32, atol=5e-3 * np.abs(fp32).max() + 1e-4)
    np.testing.assert_array_equal(
        deepdiff.Model("raw_d", seed=2, hidden=32, bins=SYNTH_BINS, precision="bf16").predict(te)["pred"], bf16)
    m.save(tmp_path / "m.bin")  # not saved: a loaded model starts in fp32
    assert deepdiff.Model.load(tmp_path / "m.bin").precision == "fp32"
    with pytest.raises(ValueError, match="fp16"):
        m.precision = "fp16"
    with pytest.raises(ValueError, match="multiple of"):
        deepdiff.Model("raw_d", hidden=6, bins=SYNTH_BINS, precision="bf16")
    deepdiff.Model("ridge", precision="bf16")  # no LSTM: accepted, nothing changes
