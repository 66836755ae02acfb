#!/usr/bin/env python3
"""Write the golden files the C++ implementation is checked against (tests/golden/).

What: for each DeepDiff variant (tools/deepdiff_torch.py) and each case, in float64
(model.double()): the parameters, the inputs and targets, the forward outputs (predictions,
attention, siamese embeddings), the losses, the gradient of the total loss with respect to
every parameter, and a 5-step Adam trajectory (lr 1e-3, default betas and eps; each step
zero_grad, forward, backward, clip_grad_norm_(params, 1.0), step) on the same batch.

Cases:
  random  B=3 genes, T=7 bins, M=5 marks, H1=6, H2=3; parameters uniform(-0.5, 0.5) so the
          gates are not all near 0.5; inputs counts-like reals in [0.05, 3) plus a planted
          peak and a ramp; expression counts fixed so that two genes have |y| >= 2 and one
          does not (both labels of the contrastive loss occur).
  sample  the first 4 genes of data/sample Cell1 (A) / Cell2 (B), train
          split, with their expression from CellN.expr.csv; T=200, H1=4, H2=2; parameters
          uniform(-0.1, 0.1) as published.
  bf16    raw_d only: the random case's inputs at M=3, H1=16, H2=8 (whole float
          vectors with AVX-512, AVX2 and SSE, as the bf16 kernels need), the model's LSTMs
          replaced by bf16_lstm, which rounds the operands of their products to bfloat16 the
          way `--precision bf16` does (docs/usage.md): level 1 (input size 1) rounds h_{t-1}
          and W_hh in h W_hh^T, and the backward's products dZ W_hh and dZ^T h round dZ too
          (what the kernels and PyTorch's bf16 autocast do); level 2 rounds x, h, W_ih and
          W_hh in the forward pass and passes the gradient through the rounding unchanged.
          Everything else is float64, so the file is what exact arithmetic on the same rounded
          operands gives; an fp32 model is ~1e-2 from it, a bf16 one ~1e-4.
The baselines (docs/deepdiff-spec.md, "Baselines"), in eval mode (DeepChrome's dropout off;
gradients flow as in training), each with the loss it trains on:
  deepchrome         random only: B=3, T=20, M=5, the spec's conv (50 channels, kernel 10,
                     pool 5) with fc widths 16 and 8 instead of 625 and 125 (at the spec's
                     widths the file would be 9 MB), parameters uniform(-0.1, 0.1);
                     loss mse(pred, y). No sample case (70 MB at T = 200).
  attentivechrome    cell A's model (reads xa, loss mse(pred, ya)), random and sample cases
                     with the DeepDiff variants' sizes.
  attentivechrome_b  cell B's model (reads xb, loss mse(pred, yb)), random case only.
Parameters come from torch.manual_seed(seed) then uniform_ over model.parameters() in
state_dict order; the random inputs from a torch.Generator seeded with the same seed.

How to run (Debian's PyTorch, so the system interpreter):
    /usr/bin/python3 tools/make_golden.py --seed 1 --out tests/golden
    /usr/bin/python3 tools/make_golden.py --seed 1 --out /tmp/g --variants raw_d --cases random
Generated with torch 1.13 (Debian python3-torch 1.13.1+dfsg, torch.__version__ 1.13.0a0),
single-threaded, on Debian's reference BLAS. The output is deterministic on one machine and
BLAS: running it twice gives identical bytes. Another BLAS (OpenBLAS) or CPU changes the last
digits of computed values (measured: 3e-14 relative to each tensor's largest value), so
tools/test_tools.py compares regenerated files with the committed ones as numbers, with a
tolerance, never as text.

File format (text, one file tests/golden/<variant>.<case>.txt):
    # deepdiff golden file
    # command: /usr/bin/python3 tools/make_golden.py --seed 1 --out tests/golden
    # torch 1.13.0a0
    # variant raw_d
    # case random
    # config bins=7 marks=5 hidden1=6 hidden2=3 batch=3
    # ... more '# key value' lines (init, adam, ...)
    tensor <name> <rank> <d0> <d1> ...
    <all values, row-major, on one line, separated by single spaces>
Values are Python repr() of float64: the shortest text that reads back to the same double.
Tensor names: param/<state_dict name>, input/xa, input/xb [B,T,M], target/y, target/ya,
target/yb [B,1], out/pred [B,1], out/pred_a, out/pred_b [B,1] (aux variants), out/beta [B,K2],
out/alpha [B,K,T], out/emb_a, out/emb_b [B,M*2*H1] (siamese), loss/total, loss/diff,
loss/aux_a, loss/aux_b, loss/contrastive (rank 0, those the variant has; the baselines have
only out/pred, out/beta and out/alpha (AttentiveChrome) and loss/total), grad/<name>,
adam/loss [5] (loss before each step), adam/grad_norm [5] (total gradient norm before
clipping, as clip_grad_norm_ returns it), adam/param/<name> (after the 5 steps).
The '# command:' line always names the canonical command for the seed (--out tests/golden,
no filters), so that the header of a file regenerated elsewhere compares equal.
"""

import argparse
import copy
import csv
import os
import sys
import types

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

try:
    import torch
except ImportError:  # pragma: no cover
    sys.stderr.write("make_golden.py needs PyTorch; on this machine run it with /usr/bin/python3\n")
    sys.exit(1)

import deepdiff_torch as ddt  # noqa: E402

CASES = ("random", "sample")  # every variant has both
BF16_CASE = "bf16"
BF16_VARIANTS = ("raw_d",)  # every kind of bf16 product: level 1's three, level 2's
ALL_CASES = CASES + (BF16_CASE,)
# The neural baselines (docs/deepdiff-spec.md, "Baselines"): DeepChrome, and one cell's
# AttentiveChrome (attentivechrome: cell A, reads xa, trains on ya; attentivechrome_b: cell B).
BASELINE_VARIANTS = ("deepchrome", "attentivechrome", "attentivechrome_b")
ALL_VARIANTS = tuple(ddt.VARIANTS) + BASELINE_VARIANTS
DEFAULT_DATA = os.path.normpath(os.path.join(HERE, "..", "data", "sample"))

ADAM_STEPS = 5
ADAM_LR = 1e-3
CLIP_NORM = 1.0

CASE_CONFIG = {
    "random": dict(bins=7, marks=5, hidden1=6, hidden2=3, batch=3, init=0.5),
    "sample": dict(bins=200, marks=5, hidden1=4, hidden2=2, batch=4, init=0.1),
    BF16_CASE: dict(bins=7, marks=3, hidden1=16, hidden2=8, batch=3, init=0.5),
}
# DeepChrome's golden model: the spec's convolution (50 channels, kernel 10, pool 5) at T = 20
# (two pooling windows, the last bin left over), with narrow fully connected layers. At the
# spec's widths (625, 125) its fc2 alone has 78,250 parameters, and parameters, gradients and
# the Adam result at ~21 bytes each would make a 9 MB file (70 MB at T = 200): the code path
# is the same at any width, so the narrow layers test it as well. No sample case, for that reason.
DEEPCHROME_CONFIG = {
    "random": dict(bins=20, marks=5, channels=50, kernel=10, pool=5, hidden1=16, hidden2=8, batch=3, init=0.1),
}
SKIPPED = {("deepchrome", "sample"): "DeepChrome at T = 200 (1,900 inputs to fc1) is too large for a text file",
           # cell B's model differs from A's only in the input and target it reads, which the
           # random case checks; its sample file would take the goldens past their 7 MiB budget
           ("attentivechrome_b", "sample"): "cell B's sample case adds nothing the random case does not check"}
for _v in ALL_VARIANTS:
    if _v not in BF16_VARIANTS:
        SKIPPED[(_v, BF16_CASE)] = "raw_d's bf16 case has every kind of bf16 product (the file budget allows one)"
RANDOM_EXPR_A = [10.0, 200.0, 50.0]   # y = log2((eB+1)/(eA+1)) = 3.05, -2.70, 0.26
RANDOM_EXPR_B = [90.0, 30.0, 60.0]


class DataError(Exception):
    pass


def fmt(v):
    return repr(float(v))


def random_case_inputs(seed, cfg):
    """Counts-like, non-zero, with some structure: a TSS-centred peak on mark 1 (H3K4me3),
    a ramp over the gene body on mark 4 (H3K36me3), different in A and B."""
    g = torch.Generator().manual_seed(seed)
    b, t, m = cfg["batch"], cfg["bins"], cfg["marks"]
    pos = torch.arange(t, dtype=torch.float64)
    peak = torch.exp(-((pos - (t - 1) / 2.0) / 1.5) ** 2)
    ramp = pos / max(t - 1, 1)

    def one():
        x = 0.05 + 2.95 * torch.rand(b, t, m, generator=g, dtype=torch.float64)
        amp = torch.rand(b, 1, generator=g, dtype=torch.float64)
        if m > 1:
            x[:, :, 1] += 3.0 * amp * peak
        if m > 4:
            x[:, :, 4] += 2.0 * (1 - amp) * ramp
        return x

    xa, xb = one(), one()
    if bool((xa == 0).any() or (xb == 0).any() or (xa == xb).any()):
        raise AssertionError("random inputs should be non-zero and differ between A and B")
    return xa, xb, torch.tensor(RANDOM_EXPR_A, dtype=torch.float64), \
        torch.tensor(RANDOM_EXPR_B, dtype=torch.float64)


def _read_marks(path, n_genes, bins, marks):
    genes, rows = [], []
    try:
        with open(path, newline="") as f:
            reader = csv.reader(f)
            for lineno, row in enumerate(reader, 1):
                if lineno > n_genes * bins:
                    break
                if len(row) != 1 + marks:
                    raise DataError("%s:%d: expected %d fields, got %d" % (path, lineno, 1 + marks, len(row)))
                parts = row[0].split("_")
                gene, b = parts[0], int(parts[-1])
                want_bin = (lineno - 1) % bins + 1
                if b != want_bin:
                    raise DataError("%s:%d: expected bin %d, got %d" % (path, lineno, want_bin, b))
                if want_bin == 1:
                    genes.append(gene)
                elif gene != genes[-1]:
                    raise DataError("%s:%d: gene %s inside gene %s" % (path, lineno, gene, genes[-1]))
                rows.append([float(v) for v in row[1:]])
    except OSError as e:
        raise DataError("cannot read %s: %s" % (path, e))
    if len(rows) != n_genes * bins:
        raise DataError("%s: fewer than %d genes" % (path, n_genes))
    return genes, torch.tensor(rows, dtype=torch.float64).reshape(n_genes, bins, marks)


def _read_expr(path, genes):
    want, found = set(genes), {}
    try:
        with open(path, newline="") as f:
            for row in csv.reader(f):
                if row and row[0] in want:
                    found[row[0]] = float(row[1])
    except OSError as e:
        raise DataError("cannot read %s: %s" % (path, e))
    missing = [g for g in genes if g not in found]
    if missing:
        raise DataError("%s: no expression for %s" % (path, ", ".join(missing)))
    return torch.tensor([found[g] for g in genes], dtype=torch.float64)


def sample_case_inputs(data_dir, cfg):
    n, t, m = cfg["batch"], cfg["bins"], cfg["marks"]
    genes_a, xa = _read_marks(os.path.join(data_dir, "Cell1.train.csv"), n, t, m)
    genes_b, xb = _read_marks(os.path.join(data_dir, "Cell2.train.csv"), n, t, m)
    if genes_a != genes_b:
        raise DataError("Cell1 and Cell2 train splits list different genes: %s vs %s" % (genes_a, genes_b))
    ea = _read_expr(os.path.join(data_dir, "Cell1.expr.csv"), genes_a)
    eb = _read_expr(os.path.join(data_dir, "Cell2.expr.csv"), genes_a)
    return xa, xb, ea, eb, genes_a


def bf16(x):
    """x rounded to the nearest bfloat16 (ties to even), as float64. Through float32 first, as
    ours rounds float values (x is float64 here: the two differ only within 2^-24 of a tie)."""
    return x.to(torch.float32).to(torch.bfloat16).to(torch.float64)


class _RoundStraightThrough(torch.autograd.Function):
    """bf16(x) forward, the gradient unchanged (level 2: autograd's round_bf16)."""

    @staticmethod
    def forward(ctx, x):
        return bf16(x)

    @staticmethod
    def backward(ctx, g):
        return g


class _Bf16Product(torch.autograd.Function):
    """h @ w.T on bf16-rounded operands; the backward's products dh = g w and dw = g.T h round
    their operands too (level 1's kernels, kernels/bf16_product.hpp)."""

    @staticmethod
    def forward(ctx, h, w):
        hr, wr = bf16(h), bf16(w)
        ctx.save_for_backward(hr, wr)
        return hr @ wr.t()

    @staticmethod
    def backward(ctx, g):
        hr, wr = ctx.saved_tensors
        gr = bf16(g)
        return gr @ wr, gr.t() @ hr


def bf16_lstm(rnn, x, rounding=True):
    """A bidirectional one-layer nn.LSTM `rnn` (batch_first) on x [B, L, I] -> h [B, L, 2H], its
    products rounded as `--precision bf16` rounds them (level 1 when I == 1, else level 2).
    With rounding=False it is nn.LSTM itself (tools/test_tools.py checks that)."""
    level1 = rnn.input_size == 1
    st = _RoundStraightThrough.apply if rounding else (lambda t: t)
    outs = []
    for suffix in ("", "_reverse"):
        w_ih, w_hh = getattr(rnn, "weight_ih_l0" + suffix), getattr(rnn, "weight_hh_l0" + suffix)
        bias = getattr(rnn, "bias_ih_l0" + suffix) + getattr(rnn, "bias_hh_l0" + suffix)
        steps = range(x.shape[1]) if not suffix else range(x.shape[1] - 1, -1, -1)
        h = x.new_zeros(x.shape[0], rnn.hidden_size)
        c = x.new_zeros(x.shape[0], rnn.hidden_size)
        hs = [None] * x.shape[1]
        for t in steps:
            xt = x[:, t, :]
            if rounding and level1:
                z = xt @ w_ih.t() + bias + _Bf16Product.apply(h, w_hh)
            else:  # level 2 (st rounds), or nn.LSTM's own formula (st is the identity)
                z = st(xt) @ st(w_ih).t() + bias + st(h) @ st(w_hh).t()
            i, f, g, o = z.chunk(4, dim=1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
            hs[t] = h
        outs.append(torch.stack(hs, dim=1))
    return torch.cat(outs, dim=2)


def _bf16_encoder_forward(self, x):
    return self.bin_attention(bf16_lstm(self.rnn, x))


def use_bf16_lstms(model):
    """The model with every Encoder's LSTM computed by bf16_lstm (in place; returns it)."""
    for m in model.modules():
        if isinstance(m, ddt.Encoder):
            m.forward = types.MethodType(_bf16_encoder_forward, m)
    return model


class Writer:
    def __init__(self):
        self.lines = []

    def comment(self, key, value):
        self.lines.append("# %s %s" % (key, value))

    def tensor(self, name, t):
        t = t.detach().to(torch.float64).contiguous()
        if " " in name or not name:
            raise ValueError("bad tensor name %r" % name)
        self.lines.append("tensor %s %d%s" % (name, t.dim(), "".join(" %d" % d for d in t.shape)))
        self.lines.append(" ".join(fmt(v) for v in t.reshape(-1).tolist()))

    def text(self):
        return "\n".join(self.lines) + "\n"


def case_config(variant, case):
    if variant == "deepchrome":
        return DEEPCHROME_CONFIG[case]
    return CASE_CONFIG[case]


def build(variant, cfg):
    """(model in float64, its config line, its loss function, the loss formula)."""
    if variant == "deepchrome":
        model = ddt.DeepChrome(n_bins=cfg["bins"], n_hms=cfg["marks"], channels=cfg["channels"],
                               kernel=cfg["kernel"], pool=cfg["pool"], hidden1=cfg["hidden1"],
                               hidden2=cfg["hidden2"])
        line = "bins=%d marks=%d channels=%d kernel=%d pool=%d hidden1=%d hidden2=%d batch=%d" % (
            cfg["bins"], cfg["marks"], cfg["channels"], cfg["kernel"], cfg["pool"], cfg["hidden1"],
            cfg["hidden2"], cfg["batch"])
        return model.double(), line, ddt.baseline_loss, "total = mse(pred, y); dropout off (eval mode)"
    line = "bins=%d marks=%d hidden1=%d hidden2=%d batch=%d" % (
        cfg["bins"], cfg["marks"], cfg["hidden1"], cfg["hidden2"], cfg["batch"])
    if variant in ("attentivechrome", "attentivechrome_b"):
        cell = "b" if variant == "attentivechrome_b" else "a"
        model = ddt.AttentiveChrome(n_bins=cfg["bins"], n_hms=cfg["marks"], hidden1=cfg["hidden1"],
                                    hidden2=cfg["hidden2"], cell=cell)
        return (model.double(), line + " cell=" + cell, ddt.baseline_loss,
                "total = mse(pred, y%s) (cell %s's own target)" % (cell, cell.upper()))
    model = ddt.build_model(variant, n_bins=cfg["bins"], n_hms=cfg["marks"],
                            hidden1=cfg["hidden1"], hidden2=cfg["hidden2"]).double()
    formula = "total = diff%s%s" % (" + aux_a + aux_b" if model.has_aux else "",
                                    " + 4.0 * contrastive" if model.siamese else "")
    return model, line, ddt.deepdiff_loss, formula


def golden_text(variant, case, seed, data_dir):
    cfg = case_config(variant, case)
    torch.set_num_threads(1)
    header_extra = []
    if case in ("random", BF16_CASE):
        xa, xb, ea, eb = random_case_inputs(seed, cfg)
    else:
        xa, xb, ea, eb, genes = sample_case_inputs(data_dir, cfg)
        header_extra.append(("data", "data/sample Cell1 (A) / Cell2 (B) train split, first %d genes"
                             % cfg["batch"]))
        header_extra.append(("genes", ",".join(genes)))
    targets = ddt.make_targets(ea, eb)

    model, config_line, loss_fn, loss_formula = build(variant, cfg)
    if case == BF16_CASE:
        use_bf16_lstms(model)
        header_extra.append(("precision", "bf16: the LSTM products' operands rounded to bfloat16 (bf16_lstm), "
                             "all else float64"))
    # Dropout (DeepChrome) off: the deterministic forward; gradients flow as in training.
    model.eval()
    torch.manual_seed(seed)
    ddt.init_uniform_(model, cfg["init"])
    start = copy.deepcopy(model)

    w = Writer()
    w.lines.append("# deepdiff golden file")
    w.comment("command:", "/usr/bin/python3 tools/make_golden.py --seed %d --out tests/golden" % seed)
    w.comment("torch", torch.__version__)
    w.comment("variant", variant)
    w.comment("case", case)
    w.comment("config", config_line)
    w.comment("seed", str(seed))
    w.comment("init", "uniform(-%s, %s) over parameters in state_dict order after torch.manual_seed(seed)"
              % (cfg["init"], cfg["init"]))
    w.comment("expression", "A=%s B=%s" % (",".join(fmt(v) for v in ea.tolist()),
                                            ",".join(fmt(v) for v in eb.tolist())))
    for k, v in header_extra:
        w.comment(k, v)
    w.comment("loss", loss_formula)
    w.comment("adam", "steps=%d lr=%s betas=0.9,0.999 eps=1e-08 clip_grad_norm=%s" % (
        ADAM_STEPS, ADAM_LR, CLIP_NORM))

    names = list(model.state_dict().keys())
    for name, p in model.state_dict().items():
        w.tensor("param/" + name, p)
    w.tensor("input/xa", xa)
    w.tensor("input/xb", xb)
    for k in ("y", "ya", "yb"):
        w.tensor("target/" + k, targets[k])

    out = model(xa, xb)
    losses = loss_fn(model, out, targets)
    for k in ("pred", "pred_a", "pred_b", "beta", "alpha", "emb_a", "emb_b"):
        if k in out:
            w.tensor("out/" + k, out[k])
    for k, v in losses.items():
        w.tensor("loss/" + k, v)
    model.zero_grad()
    losses["total"].backward()
    params = dict(model.named_parameters())
    for name in names:
        w.tensor("grad/" + name, params[name].grad)

    # Adam trajectory from the same starting parameters, on the same batch.
    model = start
    opt = torch.optim.Adam(model.parameters(), lr=ADAM_LR)
    step_losses, norms = [], []
    for _ in range(ADAM_STEPS):
        opt.zero_grad()
        loss = loss_fn(model, model(xa, xb), targets)["total"]
        step_losses.append(loss.item())
        loss.backward()
        norms.append(float(torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP_NORM)))
        opt.step()
    w.tensor("adam/loss", torch.tensor(step_losses, dtype=torch.float64))
    w.tensor("adam/grad_norm", torch.tensor(norms, dtype=torch.float64))
    for name, p in model.state_dict().items():
        w.tensor("adam/param/" + name, p)
    return w.text()


def parse_list(text, allowed, what):
    items = [s for s in text.split(",") if s]
    bad = [s for s in items if s not in allowed]
    if bad or not items:
        raise argparse.ArgumentTypeError("unknown %s %s (expected a comma-separated list of %s)"
                                         % (what, ",".join(bad) or "(none)", ", ".join(allowed)))
    return items


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Write the DeepDiff golden files (float64 PyTorch reference values).",
        epilog="Canonical: /usr/bin/python3 tools/make_golden.py --seed 1 --out tests/golden")
    ap.add_argument("--seed", type=int, default=1, help="seed of parameters and random inputs (default 1)")
    ap.add_argument("--out", required=True, help="output folder (created if missing)")
    ap.add_argument("--variants", default=",".join(ALL_VARIANTS),
                    type=lambda s: parse_list(s, ALL_VARIANTS, "variant"),
                    help="comma-separated subset of the seven variants and the baselines deepchrome, "
                         "attentivechrome (cell A), attentivechrome_b (cell B) (default: all ten; "
                         "deepchrome has no sample case)")
    ap.add_argument("--cases", default=",".join(ALL_CASES), type=lambda s: parse_list(s, ALL_CASES, "case"),
                    help="comma-separated subset of: random, sample, bf16 (default: all three; bf16 only for "
                         "raw_d and raw_aux_siamese)")
    ap.add_argument("--data", default=DEFAULT_DATA,
                    help="the sample data folder (data/sample) for the sample case (default: %(default)s)")
    args = ap.parse_args(argv)

    os.makedirs(args.out, exist_ok=True)
    try:
        for case in args.cases:
            for variant in args.variants:
                if (variant, case) in SKIPPED:
                    print("skipped %s.%s: %s" % (variant, case, SKIPPED[(variant, case)]))
                    continue
                text = golden_text(variant, case, args.seed, args.data)
                path = os.path.join(args.out, "%s.%s.txt" % (variant, case))
                tmp = path + ".tmp"
                with open(tmp, "w", encoding="utf-8", newline="\n") as f:
                    f.write(text)
                os.replace(tmp, path)
                print("wrote %s (%d bytes)" % (path, len(text.encode("utf-8"))))
    except DataError as e:
        sys.stderr.write("make_golden.py: %s\n" % e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
