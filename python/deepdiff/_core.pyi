"""Type stubs of deepdiff._core (python/src/deepdiff_python.cpp): what editors and type
checkers see. The docstrings at run time (help(deepdiff.Model.fit)) say the same in full."""
import os
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

_Path = Union[str, "os.PathLike[str]"]
_Marks = npt.ArrayLike  # [N, T, M] real numbers, finite; float32 C-contiguous is read in place
_EpochRecord = Dict[str, float]  # epoch, train_loss, train_pcc, train_mse, valid_pcc, valid_mse, train_seconds, valid_seconds

VARIANTS: Tuple[str, ...]
"""The seven variants: raw_d, raw_c, raw, aux, raw_aux, aux_siamese, raw_aux_siamese."""

BASELINES: Tuple[str, ...]
"""The study's baselines: ridge, xgboost, deepchrome, attentivechrome_diff."""

MODELS: Tuple[str, ...]
"""Every name Model takes: VARIANTS, then BASELINES."""

HAVE_XGBOOST: bool
"""Whether this build has the xgboost baseline (the XGBoost C API was found when it was built)."""

__commit__: str
__kernels__: str
"""The git commit this module was built from, its short sha ("-dirty": with uncommitted changes), or "unknown"."""

class DataError(ValueError):
    """A defect in a data file: str(e) is 'FILE:LINE: reason (hint)'."""

    file: str
    line: int  # 0: the whole file
    reason: str
    hint: str

class CheckpointError(ValueError):
    """A checkpoint that cannot be used; str(e) names the file and the reason."""

class Split:
    """The genes of one split: both cells' marks and, when known, their expression."""

    def __init__(
        self,
        xa: _Marks,
        xb: _Marks,
        ea: Optional[npt.ArrayLike] = None,
        eb: Optional[npt.ArrayLike] = None,
        genes: Optional[Sequence[str]] = None,
        name: str = "data",
    ) -> None:
        """Copy xa, xb [N, T, M] and raw expression counts ea, eb [N] (finite, >= 0) into a Split."""
    @property
    def xa(self) -> npt.NDArray[np.float32]:
        """float32 [N, T, M]: cell A's marks (read-only view, no copy)."""
    @property
    def xb(self) -> npt.NDArray[np.float32]:
        """float32 [N, T, M]: cell B's marks (read-only view, no copy)."""
    @property
    def y(self) -> Optional[npt.NDArray[np.float64]]:
        """float64 [N]: log2((eb/sB + 1) / (ea/sA + 1)), sA, sB = expression_divisors; None without expression."""
    @property
    def ya(self) -> Optional[npt.NDArray[np.float64]]:
        """float64 [N]: log2(ea/sA + 1); None without expression."""
    @property
    def yb(self) -> Optional[npt.NDArray[np.float64]]:
        """float64 [N]: log2(eb/sB + 1); None without expression."""
    @property
    def ea(self) -> Optional[npt.NDArray[np.float64]]:
        """float64 [N]: expression counts of cell A; None without expression."""
    @property
    def eb(self) -> Optional[npt.NDArray[np.float64]]:
        """float64 [N]: expression counts of cell B; None without expression."""
    @property
    def genes(self) -> List[str]:
        """Gene ids, one per row."""
    @property
    def symbols(self) -> List[str]:
        """Gene symbols (may be empty strings)."""
    @property
    def name(self) -> str: ...
    @property
    def bins(self) -> int:
        """T, bins per gene."""
    @property
    def marks(self) -> int:
        """M, marks per bin."""
    @property
    def has_expression(self) -> bool: ...
    @property
    def expression_scale(self) -> str:
        """The targets' expression scale: 'none', 'cpm' or 'size-factors' (load's expression_scale)."""
    @property
    def expression_divisors(self) -> Tuple[float, float]:
        """(sA, sB): what cell A's and cell B's counts are divided by in the targets (1, 1 for 'none')."""
    def __len__(self) -> int: ...

def load(
    data_root: _Path, cell1: str, cell2: str, split: str, expression: str = "required", expression_scale: str = "none"
) -> Split:
    """Load DATA_ROOT/{CELL1,CELL2}.SPLIT.csv (+ CELL.expr.csv): the files `deepdiff train` reads.

    expression: "required" (default), "optional" (read the tables when both exist) or "ignore".
    expression_scale: "none" (default), "cpm" or "size-factors", as `deepdiff train --expression-scale`.
    Raises FileNotFoundError, OSError, or DataError (a ValueError) naming file and line.
    """

class Model:
    """A model of the study: a DeepDiff variant or a baseline (one of MODELS), with PyTorch's parameter names."""

    def __init__(self, variant: str = "raw_d", *, seed: int = 1, hidden: int = 32, bins: int = 200, marks: int = 5,
                 precision: str = "fp32") -> None:
        """Initialized exactly as `deepdiff train --model-name VARIANT --seed SEED` (uniform(-0.1, 0.1) from Rng(seed)).

        variant: any of MODELS (ValueError listing them otherwise; "xgboost" without HAVE_XGBOOST:
        RuntimeError). hidden: variants and attentivechrome_diff only. deepchrome needs bins >= 14.
        precision: "fp32" or "bf16" (the LSTM products of both levels; see the precision property).
        ridge and xgboost hold nothing until fit().
        """
    @staticmethod
    def load(path: _Path) -> "Model":
        """Read a checkpoint of any kind (Model.save, `deepdiff train`'s checkpoint.bin or a variant's state.bin, tools/torch_to_deepdiff.py)."""
    def save(self, path: _Path) -> None:
        """Write the model in `deepdiff train`'s checkpoint format (temporary file, then rename)."""
    def fit(
        self,
        train: Split,
        valid: Split,
        *,
        epochs: int = 120,
        lr: float = 1e-4,
        batch_size: int = 10,
        clip: float = 1.0,
        seed: Optional[int] = None,
        threads: int = 0,
        on_epoch: Optional[Callable[[_EpochRecord], Optional[bool]]] = None,
        verbose: bool = True,
    ) -> List[_EpochRecord]:
        """Train as `deepdiff train --model-name NAME`; keeps the best validation epoch.

        seed: shuffling seed (None: the model's seed). threads: OpenMP threads (0: default).
        on_epoch(record) -> False stops after that epoch. Ctrl-C stops between batches and
        leaves the best epoch so far. Returns one record per epoch (metrics.json's keys;
        attentivechrome_diff's also "cell": "A" or "B", A's epochs first). ridge and xgboost
        ignore epochs, lr, batch_size, clip, on_epoch and return [] (their choice: details).
        """
    def predict(
        self, xa: Union[_Marks, Split], xb: Optional[_Marks] = None, *, batch_size: int = 10, threads: int = 0
    ) -> Dict[str, npt.NDArray[np.float32]]:
        """{"pred": float32 [N]} (+ "pred_a", "pred_b" for the aux variants and attentivechrome_diff), from xa, xb [N, T, M] or a Split."""
    def attention(
        self, xa: Union[_Marks, Split], xb: Optional[_Marks] = None, *, batch_size: int = 10, threads: int = 0
    ) -> Tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        """(beta [N, K], alpha [N, C, T]): channels named by beta_names and alpha_names. ValueError without attention."""
    def attributions(
        self,
        xa: Union[_Marks, Split],
        xb: Optional[_Marks] = None,
        *,
        method: str = "ig",
        steps: int = 64,
        batch_size: int = 10,
        threads: int = 0,
    ) -> Dict[str, npt.NDArray[np.float64]]:
        """Attributions of each prediction to its inputs, as `deepdiff attribute` (spec, "Attributions").

        method "ig": integrated gradients from x' = 0, `steps` midpoint steps (a.sum() + b.sum() of a
        gene ~ prediction - baseline); "grad_input": gradient x input. From xa, xb [N, T, M] or a Split.
        Returns float64 arrays: "a", "b" [N, T, M] (attributions of XA, XB), "prediction" [N] y(x),
        "baseline" [N] y(0), "gap" [N] (sum - (prediction - baseline)). ValueError for an unknown
        method, steps < 1, or a model that is not a DeepDiff variant.
        """
    def state_dict(self) -> Dict[str, npt.NDArray[np.float32]]:
        """{PyTorch name: float32 array of PyTorch's shape}, in the public code's order (copies).

        attentivechrome_diff: names prefixed cell_a. and cell_b.; ridge and xgboost: ValueError.
        """
    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True) -> None:
        """Set the parameters from numpy arrays or torch tensors; checks every name and shape first."""
    @property
    def variant(self) -> str:
        """The model's name (same as model_name)."""
    @property
    def model_name(self) -> str:
        """One of MODELS."""
    @property
    def hidden(self) -> Optional[int]:
        """Level-1 hidden size (variants, attentivechrome_diff); None for the others."""
    @property
    def precision(self) -> str:
        """'fp32' or 'bf16': of the LSTM products (both levels) in fit, predict and attention (bf16: operands
        rounded to bfloat16, sums in float). Settable; not saved (a loaded model starts at 'fp32')."""
    @precision.setter
    def precision(self, value: str) -> None: ...
    @property
    def bins(self) -> int: ...
    @property
    def marks(self) -> int: ...
    @property
    def seed(self) -> Optional[int]:
        """The initialization seed (None for a model loaded from a checkpoint)."""
    @property
    def num_parameters(self) -> int:
        """Trainable parameters of the neural kinds; 0 for ridge and xgboost."""
    @property
    def has_attention(self) -> bool:
        """Whether attention() works: the variants and attentivechrome_diff."""
    @property
    def beta_names(self) -> List[str]:
        """Names of beta's K channels, e.g. 'D.H3K4me3' (D = A - B); empty without attention."""
    @property
    def alpha_names(self) -> List[str]:
        """Names of alpha's C channels; empty without attention."""
    @property
    def history(self) -> List[_EpochRecord]:
        """The records of the last fit (also after an interrupted one); empty for ridge and xgboost."""
    @property
    def best_epoch(self) -> int:
        """The epoch whose weights the last fit kept (0: none, ridge, xgboost; attentivechrome_diff: cell A's)."""
    @property
    def best_valid_pcc(self) -> float:
        """Validation PCC of y of the kept model (nan before a fit)."""
    @property
    def details(self) -> Optional[Dict[str, Any]]:
        """metrics.json's model_details: ridge {lambda, lambdas, valid_pccs}, xgboost {best_iteration, rounds},
        attentivechrome_diff after a fit {cell_a, cell_b}; None otherwise."""

def synth(
    out: _Path,
    *,
    genes: int = 1000,
    bins: int = 200,
    seed: int = 1,
    effect: float = 1.0,
    cell1: str = "Cell1",
    cell2: str = "Cell2",
) -> Dict[str, Any]:
    """Write synthetic data with a planted answer, exactly as `deepdiff synth`; returns its summary
    (train, valid, test, files, tss_first_bin, tss_last_bin, fraction_differential, truth)."""

def pearson(a: npt.ArrayLike, b: npt.ArrayLike) -> float:
    """Pearson correlation (metrics.json's PCC), in double; nan for a constant or too short series."""
