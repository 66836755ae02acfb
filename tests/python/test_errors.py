"""A corpus of bad arguments and bad files: each raises the right exception with a message
that says what was expected and what was given; none crashes the interpreter, and a
refused call changes nothing."""
import os

import numpy as np
import pytest

import deepdiff
from conftest import SYNTH_BINS

T = SYNTH_BINS


@pytest.fixture(scope="module")
def model():
    return deepdiff.Model("raw_d", seed=1, hidden=4, bins=T)


@pytest.fixture(scope="module")
def x():
    rng = np.random.default_rng(0)
    return rng.poisson(2, (3, T, 5)).astype(np.float32)


def nan_at(x, idx, value=np.nan):
    y = x.copy()
    y[idx] = value
    return y


def quiet(f):
    with np.errstate(all="ignore"):  # numpy's own overflow warning of the float32 cast
        return f()


# (call, exception, regex the message must match)
def corpus(model, x, splits):
    good = x
    yield lambda: model.predict(None, good), TypeError, r"xa: expected an array of shape \(N, 20, 5\).*got None"
    yield lambda: model.predict(good, None), TypeError, r"xb is missing"
    yield lambda: model.predict(good, 3.0), ValueError, r"xb has shape \(\), expected \(N, 20, 5\)"
    yield lambda: model.predict(good.astype(np.complex64), good), ValueError, r"dtype complex64 is not a real number type"
    yield lambda: model.predict(np.array([["a"]]), good), ValueError, r"dtype <U1 is not a real number type"
    yield lambda: model.predict(good.astype(bool), good), ValueError, r"dtype bool is not a real number type"
    yield lambda: model.predict(np.array([object()] * 3), good), ValueError, r"dtype object"
    yield lambda: model.predict([[1, 2], [3]], good), ValueError, r"xa: cannot make an array"
    yield lambda: model.predict(good[0], good), ValueError, r"xa has shape \(20, 5\), expected \(N, 20, 5\)"
    yield lambda: model.predict(good[:, :10], good), ValueError, r"xa has shape \(3, 10, 5\), expected \(N, 20, 5\)"
    yield lambda: model.predict(good, good[..., :4]), ValueError, r"xb has shape \(3, 20, 4\), expected \(N, 20, 5\)"
    yield lambda: model.predict(good, good[:2]), ValueError, r"xa has shape \(3, 20, 5\) but xb has \(2, 20, 5\)"
    yield lambda: model.predict(nan_at(good, (1, 7, 3)), good), ValueError, r"xa\[1, 7, 3\] is nan: the model needs finite"
    yield lambda: model.predict(good, nan_at(good, (2, 0, 0), np.inf)), ValueError, r"xb\[2, 0, 0\] is infinite"
    too_big = nan_at(good.astype(np.float64), (0, 1, 2), 1e300)
    yield lambda: quiet(lambda: model.predict(too_big, good)), ValueError, r"xa\[0, 1, 2\] is infinite in float32"
    yield lambda: model.predict(good, good, batch_size=0), ValueError, r"batch_size must be >= 1, got 0"
    yield lambda: model.predict(good, good, threads=-1), ValueError, r"threads must be in 0..1024"
    yield lambda: model.predict(splits["test"], good), TypeError, r"pass a Split alone"
    yield lambda: model.attention(None, None), TypeError, r"got None"
    yield lambda: model.attention(good, good[:, :, :3]), ValueError, r"xb has shape \(3, 20, 3\)"
    wrong_bins = deepdiff.Model("raw_d", hidden=4, bins=T + 1)
    yield lambda: wrong_bins.predict(splits["test"]), ValueError, r"split 'test' has 20 bins x 5 marks, the model expects 21 x 5"
    # Model
    yield lambda: deepdiff.Model("rawd"), ValueError, r"unknown model name 'rawd' \(known: raw_d, raw_c, .*, ridge, xgboost"
    yield lambda: deepdiff.Model(None), TypeError, r"incompatible constructor arguments"
    yield lambda: deepdiff.Model("raw_d", hidden=7), ValueError, r"hidden must be an even number in 2..1024, got 7"
    yield lambda: deepdiff.Model("raw_d", hidden=10 ** 6), ValueError, r"hidden must be an even number"
    yield lambda: deepdiff.Model("raw_d", bins=0), ValueError, r"bins must be in 1..1000000, got 0"
    yield lambda: deepdiff.Model("raw_d", marks=-1), ValueError, r"marks must be in 1..1000"
    yield lambda: deepdiff.Model("raw_d", seed=-1), TypeError, r"incompatible constructor arguments"
    yield lambda: deepdiff.Model("raw_d", 1), TypeError, r"incompatible constructor arguments"  # seed is keyword-only
    # fit
    tr, va = splits["train"], splits["valid"]
    yield lambda: model.fit(None, va), TypeError, r"train: expected a deepdiff.Split .* got None"
    yield lambda: model.fit(tr, good), TypeError, r"valid: expected a deepdiff.Split .* got ndarray"
    yield lambda: model.fit(tr, va, epochs=0), ValueError, r"epochs must be >= 1, got 0"
    yield lambda: model.fit(tr, va, lr=0), ValueError, r"lr must be a finite number > 0"
    yield lambda: model.fit(tr, va, lr=float("nan")), ValueError, r"lr must be a finite number > 0"
    yield lambda: model.fit(tr, va, batch_size=0), ValueError, r"batch_size must be >= 1, got 0"
    yield lambda: model.fit(tr, va, clip=float("inf")), ValueError, r"clip must be finite"
    yield lambda: model.fit(tr, va, threads=10 ** 6), ValueError, r"threads must be in 0..1024"
    yield lambda: model.fit(tr, va, on_epoch=3), TypeError, r"on_epoch must be callable"
    yield lambda: model.fit(tr, va, seed=-1), ValueError, r"seed must be in 0..2\*\*64-1, got -1"
    yield lambda: model.fit(tr, va, seed=2 ** 64), ValueError, r"seed must be in 0..2\*\*64-1"
    yield lambda: model.fit(tr, va, seed="1"), TypeError, r"seed must be an int or None, got str"
    yield lambda: model.fit(tr, splits["noexpr"]), ValueError, r"valid split 'test' has no expression values"
    yield lambda: wrong_bins.fit(tr, va), ValueError, r"train split 'train' has 20 bins x 5 marks, the model expects 21 x 5"
    empty = deepdiff.Split(np.zeros((0, T, 5)), np.zeros((0, T, 5)), np.zeros(0), np.zeros(0))
    yield lambda: model.fit(empty, va), ValueError, r"train split 'data' has no genes"
    same = deepdiff.Split(good, good, [1, 2, 3], [1, 2, 3])  # identical expression: the target is 0 for every gene
    yield lambda: model.fit(same, va), ValueError, \
        r"train split 'data': the target log2\(\(eB\+1\)/\(eA\+1\)\) is 0 for all 3 genes: nothing to learn"
    # Split from arrays
    yield lambda: deepdiff.Split(None, good), TypeError, r"xa: expected an array"
    yield lambda: deepdiff.Split(good, good[:, :5]), ValueError, r"xb has shape \(3, 5, 5\), expected \(N, 20, 5\)"
    yield lambda: deepdiff.Split(good[:, :0], good[:, :0]), ValueError, r"bins and marks must be >= 1"
    yield lambda: deepdiff.Split(good, good, ea=[1, 2, 3]), ValueError, r"give both ea and eb"
    yield lambda: deepdiff.Split(good, good, [1, 2], [1, 2]), ValueError, r"ea has shape \(2,\), expected \(3,\)"
    yield lambda: deepdiff.Split(good, good, [1, -2, 3], [1, 2, 3]), ValueError, r"ea\[1\] = -2.0+: expression counts must be >= 0"
    yield lambda: deepdiff.Split(good, good, [1, 2, np.nan], [1, 2, 3]), ValueError, r"ea\[2\] is nan"
    yield lambda: deepdiff.Split(good, good, genes=["a"]), ValueError, r"genes has 1 ids, xa has 3 genes"
    yield lambda: deepdiff.Split(good, good, genes="abc"), TypeError, r"genes: expected a list of gene ids, got a str"
    yield lambda: deepdiff.Split(good, good, genes=[1, 2, 3]), TypeError, r"genes: expected a list of str"
    # state_dict
    sd = model.state_dict()
    first = next(iter(sd))
    yield lambda: model.load_state_dict(None), TypeError, r"expected a mapping .* got None"
    yield lambda: model.load_state_dict([1, 2]), TypeError, r"expected a mapping"
    yield lambda: model.load_state_dict({k: v for k, v in sd.items() if k != first}), ValueError, \
        r"does not fit a raw_d model \(hidden 4\): missing: rnn_hms.0.rnn.weight_ih_l0"
    yield lambda: model.load_state_dict(dict(sd, extra=np.zeros(1))), ValueError, r"unexpected: extra"
    yield lambda: model.load_state_dict(dict(sd, **{first: np.zeros((3, 1))})), ValueError, \
        r"state_dict\['rnn_hms.0.rnn.weight_ih_l0'\] has shape \(3, 1\), expected \(16, 1\)"
    yield lambda: model.load_state_dict(dict(sd, **{first: nan_at(sd[first], (0, 0))})), ValueError, \
        r"state_dict\['rnn_hms.0.rnn.weight_ih_l0'\]\[0, 0\] is nan"
    yield lambda: model.load_state_dict(dict(sd, **{first: "x"})), ValueError, r"dtype <U1 is not a real number type"
    yield lambda: model.load_state_dict({**sd, 3: sd[first]}), TypeError, r"keys must be str"
    yield lambda: deepdiff.Model("aux", hidden=4, bins=T).load_state_dict(sd), ValueError, r"does not fit a aux model"
    # paths and files
    yield lambda: model.save(None), TypeError, r"path: expected a path \(str or os.PathLike\), got None"
    yield lambda: model.save(3), TypeError, r"got int"
    yield lambda: model.save(""), ValueError, r"empty path"
    yield lambda: model.save("/nonexistent-dir/x/model.bin"), OSError, r"/nonexistent-dir/x/model.bin"
    yield lambda: deepdiff.Model.load("/nonexistent/model.bin"), FileNotFoundError, r"/nonexistent/model.bin"
    yield lambda: deepdiff.load(None, "Cell1", "Cell2", "train"), TypeError, r"data_root: expected a path"
    yield lambda: deepdiff.load("/nonexistent", "Cell1", "Cell2", "train"), FileNotFoundError, \
        r"/nonexistent/Cell1.train.csv: file not found .*the data folder '/nonexistent' does not exist"
    yield lambda: deepdiff.load(splits["dir"], "E003", "Cell2", "train"), FileNotFoundError, \
        r"E003.train.csv: file not found .*cells with train files in .*: Cell1, Cell2"
    yield lambda: deepdiff.load(splits["dir"], "Cell1", "Cell2", "train", expression="maybe"), ValueError, \
        r"expression must be 'required', 'optional' or 'ignore', got 'maybe'"
    yield lambda: deepdiff.load(splits["dir"], "../Cell1", "Cell2", "train"), ValueError, r"without '/'"
    yield lambda: deepdiff.synth(splits["dir"] + "/Cell1.train.csv/sub", genes=20), OSError, r"Cell1.train.csv"
    yield lambda: deepdiff.synth(splits["dir"] + "/x", genes=5), ValueError, r"genes must be at least 10, got 5"
    yield lambda: deepdiff.synth(splits["dir"] + "/x", genes=20, cell1="A", cell2="A"), ValueError, r"different names"
    yield lambda: deepdiff.pearson([1, 2, 3], [1, 2]), ValueError, r"lengths differ \(3 and 2\)"


@pytest.fixture(scope="module")
def splits(synth_dir, synth_splits):
    d = dict(synth_splits)
    d["dir"] = synth_dir
    d["noexpr"] = deepdiff.load(synth_dir, "Cell1", "Cell2", "test", expression="ignore")
    return d


def test_corpus_of_bad_arguments(model, x, splits):
    before = model.state_dict()
    n = 0
    for call, exc, pattern in corpus(model, x, splits):
        with pytest.raises(exc, match=pattern):
            call()
        n += 1
    assert n > 70
    after = model.state_dict()  # nothing refused changed the model
    assert all(np.array_equal(before[k], after[k]) for k in before)
    model.predict(x, x)


def write(path, text):
    path.write_text(text)
    return str(path)


def test_bad_data_files_name_file_and_line(synth_dir, tmp_path):
    for cell in ("Cell1", "Cell2"):
        for what in ("valid", "expr"):
            src = os.path.join(synth_dir, "%s.%s.csv" % (cell, what))
            with open(src) as f:
                (tmp_path / os.path.basename(src)).write_text(f.read())
    original = (tmp_path / "Cell2.valid.csv").read_text().splitlines()
    lines = list(original)
    lines[5] = lines[5].rsplit(",", 1)[0] + ",-3"
    write(tmp_path / "Cell2.valid.csv", "\n".join(lines) + "\n")
    with pytest.raises(deepdiff.DataError) as e:
        deepdiff.load(str(tmp_path), "Cell1", "Cell2", "valid")
    assert isinstance(e.value, ValueError)
    assert e.value.file.endswith("Cell2.valid.csv") and e.value.line == 6
    assert "column 6 (H3K36me3)" in e.value.reason and "is negative" in e.value.reason
    assert str(e.value).startswith(e.value.file + ":6: column 6")

    write(tmp_path / "Cell2.valid.csv", "\n".join(original[:2 * T]) + "\n")  # cut short: 2 genes of 8
    with pytest.raises(deepdiff.DataError, match=r"Cell2.valid.csv:40: file ends after 2 genes, but .*Cell1.valid.csv has 8"):
        deepdiff.load(str(tmp_path), "Cell1", "Cell2", "valid")

    expr = (tmp_path / "Cell1.expr.csv").read_text().splitlines()
    expr[2] = expr[2].split(",")[0] + ",many"
    write(tmp_path / "Cell1.expr.csv", "\n".join(expr) + "\n")
    with pytest.raises(deepdiff.DataError, match=r"Cell1.expr.csv:3: expression count: \"many\" is not a number"):
        deepdiff.load(str(tmp_path), "Cell1", "Cell1", "valid")

    os.remove(tmp_path / "Cell1.valid.csv")
    os.mkdir(tmp_path / "Cell1.valid.csv")  # a folder where the file should be
    with pytest.raises(OSError, match=r"Cell1.valid.csv"):
        deepdiff.load(str(tmp_path), "Cell1", "Cell2", "valid")


def test_bad_checkpoints(tmp_path):
    m = deepdiff.Model("raw_d", hidden=4, bins=T)
    path = tmp_path / "m.bin"
    m.save(str(path))
    data = path.read_bytes()
    write_bytes = lambda b: (path.write_bytes(b), str(path))[1]  # noqa: E731
    with pytest.raises(deepdiff.CheckpointError, match=r"m.bin: .*checksum mismatch"):
        deepdiff.Model.load(write_bytes(data[:100] + bytes([data[100] ^ 1]) + data[101:]))
    with pytest.raises(deepdiff.CheckpointError, match=r"m.bin: "):
        deepdiff.Model.load(write_bytes(data[:-9]))
    with pytest.raises(deepdiff.CheckpointError, match=r"m.bin: "):
        deepdiff.Model.load(write_bytes(b"gene,count\nENSG1,3\n"))
    with pytest.raises(deepdiff.CheckpointError, match=r"m.bin: "):
        deepdiff.Model.load(write_bytes(b""))
    assert issubclass(deepdiff.CheckpointError, ValueError)
    with pytest.raises(OSError, match=str(tmp_path)):
        deepdiff.Model.load(str(tmp_path))  # a folder
