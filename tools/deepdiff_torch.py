"""An independent PyTorch definition of the seven DeepDiff variants.

Written from the DeepDiff paper's model description (the project's internal spec), not from the public
DeepDiffChrome code. It is the reference the C++ implementation is checked against
(tools/make_golden.py) and the model the checkpoint converters check names and shapes
against (tools/torch_to_deepdiff.py, tools/deepdiff_to_torch.py). Module and parameter
names reproduce the state_dict names of the public code, so a state_dict saved from it
loads here with strict=True, and the other way round.

Also the study's neural baselines (docs/deepdiff-spec.md, "Baselines"): DeepChrome (conv1, fc1,
fc2, fc3 on XA - XB) and one cell's AttentiveChrome (rnn_hms.*, hm_level_rnn_1.*, f1_1.*), with
baseline_loss; forward(xa, xb) returns a dict with pred (and beta, alpha for AttentiveChrome).

Requires PyTorch (tested with Debian's python3-torch 1.13.1; run it with /usr/bin/python3).

Shapes: B genes, T bins, M marks, H1 level-1 hidden size per direction, H2 level-2 hidden
size per direction (H1 / 2 unless given).

    model = build_model("raw_aux_siamese", n_bins=200, n_hms=5, hidden1=32)
    out = model(xa, xb)                  # xa, xb: [B, T, M] read counts of cells A and B
    losses = deepdiff_loss(model, out, make_targets(ea, eb))
    losses["total"].backward()

forward() returns a dict:
    pred  [B, 1]        the differential prediction y = log2((eB+1)/(eA+1))
    beta  [B, K2]       level-2 attention of the main level-2 encoder (aux, aux_siamese:
                        cat(beta_A, beta_B), 10 = 2M)
    alpha [B, K, T]     level-1 attention of the channels feeding it (raw_d M, raw_c 2M, raw 3M,
                        aux*: A's M then B's M, raw_aux*: R's 3M)
    pred_a, pred_b [B, 1]   (aux variants) yA = log2(eA+1), yB = log2(eB+1)
    emb_a, emb_b [B, M*2*H1] (siamese variants) the M level-1 representations of A (resp. B),
                        concatenated per gene in mark order
"""

from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F

VARIANTS = ("raw_d", "raw_c", "raw", "aux", "raw_aux", "aux_siamese", "raw_aux_siamese")
AUX_VARIANTS = ("aux", "raw_aux", "aux_siamese", "raw_aux_siamese")
SIAMESE_VARIANTS = ("aux_siamese", "raw_aux_siamese")

CONTRASTIVE_WEIGHT = 4.0   # gamma
CONTRASTIVE_MARGIN = 2.0   # the margin of the hinge, and the |y| threshold of the label
PAIRWISE_EPS = 1e-6        # F.pairwise_distance's default eps


class AttentionPool(nn.Module):
    """s_t = h_t . w, alpha = softmax_t(s), r = sum_t alpha_t h_t (no projection, no tanh)."""

    def __init__(self, dim):
        super().__init__()
        self.bin_context_vector = nn.Parameter(torch.empty(dim, 1))

    def forward(self, h):
        # h [B, L, D] -> r [B, D], alpha [B, L]
        scores = torch.matmul(h, self.bin_context_vector).squeeze(-1)
        alpha = torch.softmax(scores, dim=1)
        rep = torch.bmm(alpha.unsqueeze(1), h).squeeze(1)
        return rep, alpha


class Encoder(nn.Module):
    """Bidirectional one-layer LSTM over a sequence, then attention pooling."""

    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.rnn = nn.LSTM(input_size, hidden_size, num_layers=1, batch_first=True,
                           bidirectional=True)
        self.bin_attention = AttentionPool(2 * hidden_size)

    def forward(self, x):
        # x [B, L, I] -> rep [B, 2H], alpha [B, L]
        h, _ = self.rnn(x)
        return self.bin_attention(h)


def _encoder_bank(n, hidden1):
    return nn.ModuleList([Encoder(1, hidden1) for _ in range(n)])


def _encode_channels(bank, x):
    """Channel c of x [B, T, K] goes through bank[c]: reps [B, K, 2*H1], alpha [B, K, T]."""
    if x.shape[2] != len(bank):
        raise ValueError("expected %d channels, got %d" % (len(bank), x.shape[2]))
    reps, alphas = [], []
    for c, enc in enumerate(bank):
        r, a = enc(x[:, :, c:c + 1])
        reps.append(r)
        alphas.append(a)
    return torch.stack(reps, dim=1), torch.stack(alphas, dim=1)


class DeepDiffBase(nn.Module):
    variant = None

    def __init__(self, n_bins=200, n_hms=5, hidden1=32, hidden2=None):
        super().__init__()
        if hidden2 is None:
            if hidden1 % 2:
                raise ValueError("hidden1 must be even when hidden2 is not given (H2 = H1/2)")
            hidden2 = hidden1 // 2
        self.n_bins, self.n_hms, self.hidden1, self.hidden2 = n_bins, n_hms, hidden1, hidden2

    @property
    def has_aux(self):
        return self.variant in AUX_VARIANTS

    @property
    def siamese(self):
        return self.variant in SIAMESE_VARIANTS

    def config(self):
        return {"variant": self.variant, "bins": self.n_bins, "marks": self.n_hms,
                "hidden1": self.hidden1, "hidden2": self.hidden2}

    def _check_inputs(self, xa, xb):
        want = (self.n_bins, self.n_hms)
        for name, x in (("xa", xa), ("xb", xb)):
            if x.dim() != 3 or tuple(x.shape[1:]) != want:
                raise ValueError("%s: expected [B, %d, %d], got %s" % (name, want[0], want[1],
                                                                      list(x.shape)))
        if xa.shape[0] != xb.shape[0]:
            raise ValueError("xa and xb have different batch sizes")


class _SingleInput(DeepDiffBase):
    """raw_d / raw_c / raw: level-1 encoders on one channel set, one level-2 encoder, Linear."""
    factor = 1

    def __init__(self, n_bins=200, n_hms=5, hidden1=32, hidden2=None):
        super().__init__(n_bins, n_hms, hidden1, hidden2)
        self.rnn_hms = _encoder_bank(self.factor * n_hms, self.hidden1)
        self.hm_level_rnn_1 = Encoder(2 * self.hidden1, self.hidden2)
        self.fdiff1_1 = nn.Linear(2 * self.hidden2, 1)

    def channels(self, xa, xb):
        raise NotImplementedError

    def forward(self, xa, xb):
        self._check_inputs(xa, xb)
        reps, alpha = _encode_channels(self.rnn_hms, self.channels(xa, xb))
        z, beta = self.hm_level_rnn_1(reps)
        return {"pred": self.fdiff1_1(z), "beta": beta, "alpha": alpha}


class RawD(_SingleInput):
    variant = "raw_d"
    factor = 1

    def channels(self, xa, xb):
        return xa - xb


class RawC(_SingleInput):
    variant = "raw_c"
    factor = 2

    def channels(self, xa, xb):
        return torch.cat([xa, xb], dim=2)


class Raw(_SingleInput):
    variant = "raw"
    factor = 3

    def channels(self, xa, xb):
        return torch.cat([xa, xb, xa - xb], dim=2)


class Aux(DeepDiffBase):
    variant = "aux"

    def __init__(self, n_bins=200, n_hms=5, hidden1=32, hidden2=None):
        super().__init__(n_bins, n_hms, hidden1, hidden2)
        h1, h2 = self.hidden1, self.hidden2
        self.rnn_hms = _encoder_bank(n_hms, h1)      # cell A
        self.rnn_hms2 = _encoder_bank(n_hms, h1)     # cell B (separate weights)
        self.hm_level_rnn_1 = Encoder(2 * h1, h2)    # over A's M
        self.hm_level_rnn_2 = Encoder(2 * h1, h2)    # over B's M
        self.f1_1 = nn.Linear(2 * h2, 1)             # yA
        self.f2_1 = nn.Linear(2 * h2, 1)             # yB
        self.predictor_1 = nn.Linear(4 * h2, 2 * h2)
        self.predictor_ = nn.Linear(2 * h2, 1)

    def forward(self, xa, xb):
        self._check_inputs(xa, xb)
        reps_a, alpha_a = _encode_channels(self.rnn_hms, xa)
        reps_b, alpha_b = _encode_channels(self.rnn_hms2, xb)
        za, beta_a = self.hm_level_rnn_1(reps_a)
        zb, beta_b = self.hm_level_rnn_2(reps_b)
        pred = self.predictor_(F.relu(self.predictor_1(torch.cat([za, zb], dim=1))))
        return {"pred": pred, "beta": torch.cat([beta_a, beta_b], dim=1),
                "alpha": torch.cat([alpha_a, alpha_b], dim=1),
                "pred_a": self.f1_1(za), "pred_b": self.f2_1(zb)}


class RawAux(DeepDiffBase):
    variant = "raw_aux"

    def __init__(self, n_bins=200, n_hms=5, hidden1=32, hidden2=None):
        super().__init__(n_bins, n_hms, hidden1, hidden2)
        h1, h2 = self.hidden1, self.hidden2
        self.rnn_hms = _encoder_bank(n_hms, h1)       # cell A
        self.rnn_hms3 = _encoder_bank(3 * n_hms, h1)  # R = [XA, XB, XA - XB]
        self.rnn_hms2 = _encoder_bank(n_hms, h1)      # cell B
        self.hm_level_rnn_1 = Encoder(2 * h1, h2)     # over A's M
        self.hm_level_rnn_3 = Encoder(2 * h1, h2)     # over R's 3M, then A's M, then B's M
        self.hm_level_rnn_2 = Encoder(2 * h1, h2)     # over B's M
        self.f1_1 = nn.Linear(2 * h2, 1)
        self.f2_1 = nn.Linear(2 * h2, 1)
        self.predictor_ = nn.Linear(2 * h2, 1)

    def forward(self, xa, xb):
        self._check_inputs(xa, xb)
        reps_r, alpha_r = _encode_channels(self.rnn_hms3, torch.cat([xa, xb, xa - xb], dim=2))
        reps_a, _ = _encode_channels(self.rnn_hms, xa)
        reps_b, _ = _encode_channels(self.rnn_hms2, xb)
        za, _ = self.hm_level_rnn_1(reps_a)
        zb, _ = self.hm_level_rnn_2(reps_b)
        z, beta = self.hm_level_rnn_3(torch.cat([reps_r, reps_a, reps_b], dim=1))
        return {"pred": self.predictor_(z), "beta": beta, "alpha": alpha_r,
                "pred_a": self.f1_1(za), "pred_b": self.f2_1(zb)}


class AuxSiamese(DeepDiffBase):
    variant = "aux_siamese"

    def __init__(self, n_bins=200, n_hms=5, hidden1=32, hidden2=None):
        super().__init__(n_bins, n_hms, hidden1, hidden2)
        h1, h2 = self.hidden1, self.hidden2
        self.rnn_hms = _encoder_bank(n_hms, h1)      # shared by A and B
        self.hm_level_rnn_1 = Encoder(2 * h1, h2)
        self.hm_level_rnn_2 = Encoder(2 * h1, h2)
        self.f1_1 = nn.Linear(2 * h2, 1)
        self.f2_1 = nn.Linear(2 * h2, 1)
        self.predictor_1 = nn.Linear(4 * h2, 2 * h2)
        self.predictor_ = nn.Linear(2 * h2, 1)

    def forward(self, xa, xb):
        self._check_inputs(xa, xb)
        reps_a, alpha_a = _encode_channels(self.rnn_hms, xa)
        reps_b, alpha_b = _encode_channels(self.rnn_hms, xb)
        za, beta_a = self.hm_level_rnn_1(reps_a)
        zb, beta_b = self.hm_level_rnn_2(reps_b)
        pred = self.predictor_(F.relu(self.predictor_1(torch.cat([za, zb], dim=1))))
        n = reps_a.shape[0]
        return {"pred": pred, "beta": torch.cat([beta_a, beta_b], dim=1),
                "alpha": torch.cat([alpha_a, alpha_b], dim=1),
                "pred_a": self.f1_1(za), "pred_b": self.f2_1(zb),
                "emb_a": reps_a.reshape(n, -1), "emb_b": reps_b.reshape(n, -1)}


class RawAuxSiamese(DeepDiffBase):
    variant = "raw_aux_siamese"

    def __init__(self, n_bins=200, n_hms=5, hidden1=32, hidden2=None):
        super().__init__(n_bins, n_hms, hidden1, hidden2)
        h1, h2 = self.hidden1, self.hidden2
        self.rnn_hms = _encoder_bank(n_hms, h1)       # shared by A and B
        self.rnn_hmsx = _encoder_bank(3 * n_hms, h1)  # R = [XA, XB, XA - XB]
        self.hm_level_rnn_1 = Encoder(2 * h1, h2)     # over A's M
        self.hm_level_rnn_1x = Encoder(2 * h1, h2)    # over R's 3M, then A's M, then B's M
        self.hm_level_rnn_2 = Encoder(2 * h1, h2)     # over B's M
        self.f1_1 = nn.Linear(2 * h2, 1)
        self.f2_1 = nn.Linear(2 * h2, 1)
        self.predictor_ = nn.Linear(2 * h2, 1)

    def forward(self, xa, xb):
        self._check_inputs(xa, xb)
        reps_r, alpha_r = _encode_channels(self.rnn_hmsx, torch.cat([xa, xb, xa - xb], dim=2))
        reps_a, _ = _encode_channels(self.rnn_hms, xa)
        reps_b, _ = _encode_channels(self.rnn_hms, xb)
        za, _ = self.hm_level_rnn_1(reps_a)
        zb, _ = self.hm_level_rnn_2(reps_b)
        z, beta = self.hm_level_rnn_1x(torch.cat([reps_r, reps_a, reps_b], dim=1))
        n = reps_a.shape[0]
        return {"pred": self.predictor_(z), "beta": beta, "alpha": alpha_r,
                "pred_a": self.f1_1(za), "pred_b": self.f2_1(zb),
                "emb_a": reps_a.reshape(n, -1), "emb_b": reps_b.reshape(n, -1)}


# ---- The neural baselines of the study (docs/deepdiff-spec.md, "Baselines") ----------------

BASELINES = ("deepchrome", "attentivechrome")


class DeepChrome(nn.Module):
    """DeepChrome (Singh et al. 2016) with a regression head, on D = XA - XB:
    conv1 Conv1d(M -> 50, kernel 10), ReLU, MaxPool1d(5, stride 5), Dropout(0.5), flatten
    channel-major, fc1 -> 625, ReLU, fc2 -> 125, ReLU, fc3 -> 1. The layer widths are
    arguments only so that the golden files can use a small model (the spec's sizes make
    1.27 M parameters at T = 200, too many for a text file); the defaults are the spec's.
    Dropout is an nn.Dropout: model.eval() turns it off (the deterministic forward that the
    C++ model computes when no dropout key is set)."""
    variant = "deepchrome"

    def __init__(self, n_bins=200, n_hms=5, channels=50, kernel=10, pool=5, hidden1=625, hidden2=125,
                 dropout=0.5):
        super().__init__()
        pooled = (n_bins - kernel + 1 - pool) // pool + 1 if n_bins - kernel + 1 >= pool else 0
        if pooled < 1:
            raise ValueError("DeepChrome needs at least %d bins, got %d" % (kernel + pool - 1, n_bins))
        self.n_bins, self.n_hms, self.pooled = n_bins, n_hms, pooled
        self.channels, self.kernel, self.pool = channels, kernel, pool
        self.hidden1, self.hidden2 = hidden1, hidden2
        self.conv1 = nn.Conv1d(n_hms, channels, kernel)
        self.maxpool = nn.MaxPool1d(pool, stride=pool)
        self.dropout = nn.Dropout(dropout)
        self.fc1 = nn.Linear(channels * pooled, hidden1)
        self.fc2 = nn.Linear(hidden1, hidden2)
        self.fc3 = nn.Linear(hidden2, 1)

    def config(self):
        return {"variant": self.variant, "bins": self.n_bins, "marks": self.n_hms,
                "channels": self.channels, "kernel": self.kernel, "pool": self.pool,
                "hidden1": self.hidden1, "hidden2": self.hidden2}

    def forward(self, xa, xb):
        # xa, xb [B, T, M] -> D^T [B, M, T]: the marks are the convolution's channels
        if xa.dim() != 3 or tuple(xa.shape[1:]) != (self.n_bins, self.n_hms) or xa.shape != xb.shape:
            raise ValueError("xa %s, xb %s: expected [B, %d, %d] each"
                             % (list(xa.shape), list(xb.shape), self.n_bins, self.n_hms))
        h = self.maxpool(F.relu(self.conv1((xa - xb).transpose(1, 2))))
        h = self.dropout(h).flatten(1)  # [B, channels * pooled], channel-major
        h = F.relu(self.fc2(F.relu(self.fc1(h))))
        return {"pred": self.fc3(h)}


class AttentiveChrome(nn.Module):
    """One cell's AttentiveChrome (Singh et al. 2017) as a regressor of log2(e + 1): DeepDiff's
    per-cell branch (M level-1 encoders on the cell's X, a level-2 encoder, Linear(2 H2 -> 1)),
    named as the aux variant's A branch (rnn_hms.*, hm_level_rnn_1.*, f1_1.*) for either cell.
    forward(xa, xb) reads xa for cell "a", xb for cell "b"; attentivechrome_diff predicts
    y = f_B(XB) - f_A(XA) with one model per cell."""
    variant = "attentivechrome"

    def __init__(self, n_bins=200, n_hms=5, hidden1=32, hidden2=None, cell="a"):
        super().__init__()
        if cell not in ("a", "b"):
            raise ValueError("cell must be 'a' or 'b', got %r" % (cell,))
        if hidden2 is None:
            if hidden1 % 2:
                raise ValueError("hidden1 must be even when hidden2 is not given (H2 = H1/2)")
            hidden2 = hidden1 // 2
        self.n_bins, self.n_hms, self.hidden1, self.hidden2, self.cell = n_bins, n_hms, hidden1, hidden2, cell
        self.rnn_hms = _encoder_bank(n_hms, hidden1)
        self.hm_level_rnn_1 = Encoder(2 * hidden1, hidden2)
        self.f1_1 = nn.Linear(2 * hidden2, 1)

    def config(self):
        return {"variant": self.variant, "bins": self.n_bins, "marks": self.n_hms,
                "hidden1": self.hidden1, "hidden2": self.hidden2, "cell": self.cell}

    def forward(self, xa, xb):
        x = xb if self.cell == "b" else xa
        if x.dim() != 3 or tuple(x.shape[1:]) != (self.n_bins, self.n_hms):
            raise ValueError("input %s: expected [B, %d, %d]" % (list(x.shape), self.n_bins, self.n_hms))
        reps, alpha = _encode_channels(self.rnn_hms, x)
        z, beta = self.hm_level_rnn_1(reps)
        return {"pred": self.f1_1(z), "beta": beta, "alpha": alpha}


def baseline_loss(model, out, targets):
    """The loss a baseline trains on: DeepChrome MSE(pred, y); AttentiveChrome MSE(pred, ya)
    for cell A, MSE(pred, yb) for cell B. OrderedDict(total=...)."""
    if isinstance(model, DeepChrome):
        want = targets["y"]
    elif isinstance(model, AttentiveChrome):
        want = targets["yb" if model.cell == "b" else "ya"]
    else:
        raise TypeError("not a baseline model: %s" % type(model).__name__)
    return OrderedDict(total=F.mse_loss(out["pred"], want))


MODEL_CLASSES = OrderedDict((cls.variant, cls) for cls in
                            (RawD, RawC, Raw, Aux, RawAux, AuxSiamese, RawAuxSiamese))


def build_model(variant, n_bins=200, n_hms=5, hidden1=32, hidden2=None):
    """The model of `variant` (one of VARIANTS) with the given sizes."""
    if variant not in MODEL_CLASSES:
        raise ValueError("unknown variant %r (expected one of %s)" % (variant, ", ".join(VARIANTS)))
    return MODEL_CLASSES[variant](n_bins=n_bins, n_hms=n_hms, hidden1=hidden1, hidden2=hidden2)


def init_uniform_(model, bound=0.1):
    """Every parameter, biases included, uniform(-bound, bound), in state_dict order, drawing
    from torch's global generator (seed it with torch.manual_seed first)."""
    with torch.no_grad():
        for p in model.parameters():
            p.uniform_(-bound, bound)
    return model


def make_targets(ea, eb):
    """Expression counts [B] (or [B, 1]) of cells A and B -> dict of y, ya, yb [B, 1]:
    y = log2((eB+1)/(eA+1)), ya = log2(eA+1), yb = log2(eB+1)."""
    ea = torch.as_tensor(ea).reshape(-1, 1)
    eb = torch.as_tensor(eb).reshape(-1, 1)
    if not ea.is_floating_point():
        ea = ea.double()
    if not eb.is_floating_point():
        eb = eb.double()
    return {"y": torch.log2((eb + 1) / (ea + 1)), "ya": torch.log2(ea + 1),
            "yb": torch.log2(eb + 1)}


def contrastive_loss(emb_a, emb_b, y):
    """mean over the batch of (1-l) d^2 + l max(0, 2 - d)^2, d = ||eA - eB + 1e-6||_2,
    l = 1 where |y| >= 2."""
    d = F.pairwise_distance(emb_a, emb_b, p=2.0, eps=PAIRWISE_EPS)
    label = (y.reshape(-1).abs() >= CONTRASTIVE_MARGIN).to(d.dtype)
    hinge = torch.clamp(CONTRASTIVE_MARGIN - d, min=0.0)
    return torch.mean((1 - label) * d.pow(2) + label * hinge.pow(2))


def deepdiff_loss(model, out, targets):
    """The variant's training loss. Returns an OrderedDict: total, diff and, as the variant has
    them, aux_a, aux_b, contrastive. total = diff (+ aux_a + aux_b) (+ 4 * contrastive)."""
    losses = OrderedDict()
    losses["diff"] = F.mse_loss(out["pred"], targets["y"])
    total = losses["diff"]
    if model.has_aux:
        losses["aux_a"] = F.mse_loss(out["pred_a"], targets["ya"])
        losses["aux_b"] = F.mse_loss(out["pred_b"], targets["yb"])
        total = total + losses["aux_a"] + losses["aux_b"]
    if model.siamese:
        losses["contrastive"] = contrastive_loss(out["emb_a"], out["emb_b"], targets["y"])
        total = total + CONTRASTIVE_WEIGHT * losses["contrastive"]
    result = OrderedDict(total=total)
    result.update(losses)
    return result


def expected_shapes(variant, n_bins=200, n_hms=5, hidden1=32, hidden2=None):
    """OrderedDict name -> shape tuple of the variant's state_dict, in state_dict order."""
    model = build_model(variant, n_bins, n_hms, hidden1, hidden2)
    return OrderedDict((k, tuple(v.shape)) for k, v in model.state_dict().items())


def state_dict_problems(expected, found):
    """Compare name -> shape mappings; a list of messages, each naming one parameter
    (missing, unexpected, or of another shape), in expected order then found order."""
    problems = []
    for name, shape in expected.items():
        if name not in found:
            problems.append("missing parameter %s (expected shape %s)" % (name, list(shape)))
        elif tuple(found[name]) != tuple(shape):
            problems.append("shape mismatch for %s: expected %s, found %s"
                            % (name, list(shape), list(found[name])))
    for name, shape in found.items():
        if name not in expected:
            problems.append("unexpected parameter %s (shape %s)" % (name, list(shape)))
    return problems


def format_problems(problems, limit=20):
    """One problem a line, indented; at most `limit` lines, then a count of the rest."""
    lines = ["  " + p for p in problems[:limit]]
    if len(problems) > limit:
        lines.append("  ... and %d more" % (len(problems) - limit))
    return "\n".join(lines)


def guess_variant(names):
    """The variants whose top-level module names are exactly those of `names` (a hint)."""
    tops = {n.split(".", 1)[0] for n in names}
    hits = []
    for v in VARIANTS:
        want = {n.split(".", 1)[0] for n in expected_shapes(v, 2, 1, 2)}
        if tops == want:
            hits.append(v)
    return hits


if __name__ == "__main__":
    # A quick summary: parameter counts at the published sizes.
    for v in VARIANTS:
        m = build_model(v)
        print("%-16s %8d parameters, %3d tensors" % (
            v, sum(p.numel() for p in m.parameters()), len(m.state_dict())))
