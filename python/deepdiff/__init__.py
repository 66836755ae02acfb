"""deepdiff: DeepDiff (Sekhon, Singh & Qi, Bioinformatics 2018) from Python and numpy.

The deepdiff-cpp engine (a header-only C++17 library) through pybind11: the same data
loader, training loop, checkpoints and numbers as the `deepdiff` program.

    import deepdiff
    tr = deepdiff.load("data", "Cell1", "Cell2", "train")
    va = deepdiff.load("data", "Cell1", "Cell2", "valid")
    m = deepdiff.Model("raw_d", seed=1, bins=tr.bins)
    history = m.fit(tr, va, epochs=20, lr=1e-3)
    out = m.predict(tr.xa, tr.xb)            # {"pred": float32 [N]}
    beta, alpha = m.attention(tr)            # [N, K], [N, C, T]

Every model of the study is a Model: the seven variants (VARIANTS) and the baselines
(BASELINES: ridge, xgboost, deepchrome, attentivechrome_diff), e.g. deepdiff.Model("ridge").

See docs/python.md, and help(deepdiff.Model.fit) etc. __version__ is the package's version,
__commit__ the git commit it was built from ("unknown" outside a checkout), __kernels__ the
vector instructions its code runs (in a portable build: which copy this CPU runs), as
`deepdiff --version` says for the programs.
"""

__version__ = "0.1.0"

from ._core import (  # noqa: F401
    __commit__,
    __kernels__,
    BASELINES,
    HAVE_XGBOOST,
    MODELS,
    VARIANTS,
    CheckpointError,
    DataError,
    Model,
    Split,
    load,
    pearson,
    synth,
)

__all__ = ["BASELINES", "HAVE_XGBOOST", "MODELS", "VARIANTS", "CheckpointError", "DataError", "Model", "Split", "load",
           "pearson", "synth", "__version__", "__commit__", "__kernels__"]
