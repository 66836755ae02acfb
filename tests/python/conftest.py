"""Fixtures of the Python package's tests (pytest).

Run against the *installed* package (`pip install --no-build-isolation .`); ctest does it in
a virtual environment under the build folder (tests/python/CMakeLists.txt). Environment:
    DEEPDIFF_CLI           the `deepdiff` program (build/examples/deepdiff), for the
                           CLI-vs-Python test (skipped, saying so, without it)
    DEEPDIFF_DATA_DIR      the project's data/ (default: data/ of the source tree; tests
                           on the sample data/sample skip without it)
"""
import os
import sys

import numpy as np
import pytest

import deepdiff

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.abspath(os.path.join(HERE, "..", ".."))
TOOLS_DIR = os.path.join(SOURCE_DIR, "tools")

# Small synthetic data: 40 genes (24 train, 8 valid, 8 test) x 20 bins; a fit of 2 epochs
# takes well under a second.
SYNTH_GENES, SYNTH_BINS = 40, 20


@pytest.fixture(scope="session")
def synth_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth")
    deepdiff.synth(str(out), genes=SYNTH_GENES, bins=SYNTH_BINS, seed=3)
    return str(out)


@pytest.fixture(scope="session")
def synth_splits(synth_dir):
    return {s: deepdiff.load(synth_dir, "Cell1", "Cell2", s) for s in ("train", "valid", "test")}


@pytest.fixture(scope="session")
def sample_dir():
    root = os.environ.get("DEEPDIFF_DATA_DIR") or os.path.join(SOURCE_DIR, "data")
    d = os.path.join(root, "sample")
    if not os.path.isfile(os.path.join(d, "Cell1.train.csv")):
        pytest.skip("skipped: the real sample data %s is absent" % d)
    return d


@pytest.fixture(scope="session")
def cli():
    path = os.environ.get("DEEPDIFF_CLI") or os.path.join(SOURCE_DIR, "build", "examples", "deepdiff")
    if not os.access(path, os.X_OK):
        pytest.skip("skipped: the deepdiff program (%s) is not built; set DEEPDIFF_CLI" % path)
    return path


@pytest.fixture(scope="session")
def ddt():
    """tools/deepdiff_torch.py, the project's independent PyTorch definition."""
    torch = pytest.importorskip("torch", reason="skipped: PyTorch is not installed (apt-get install python3-torch)")
    torch.set_num_threads(1)
    sys.path.insert(0, TOOLS_DIR)
    import deepdiff_torch
    return deepdiff_torch


def counts(rng, shape, lam=3.0):
    """Count-like marks, as float32."""
    return rng.poisson(lam, size=shape).astype(np.float32)
