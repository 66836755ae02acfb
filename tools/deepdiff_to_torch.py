#!/usr/bin/env python3
"""Convert a DeepDiff checkpoint (docs/checkpoint-format.md) to a PyTorch state_dict.

    /usr/bin/python3 tools/deepdiff_to_torch.py [--double] CKPT.bin OUT.pt

The checkpoint is verified (magic, version, checksum, ...); its meta gives the variant and
sizes (variant, bins, marks, hidden1, hidden2); its parameters are checked by name and
shape against tools/deepdiff_torch.py's model of that variant, loaded into it with
strict=True, and saved with torch.save(model.state_dict(), OUT.pt) as float32 tensors
(float64 with --double). The result loads with load_state_dict(..., strict=True) into
tools/deepdiff_torch.py's model, or the public code's model of the same variant and sizes.
Training state (tensors named __*, e.g. __adam.m) is not carried over.

The neural baselines (their checkpoints name the kind in meta "model"):
  deepchrome            -> the state_dict of tools/deepdiff_torch.py's DeepChrome(n_bins, n_hms)
                           (conv1.*, fc1.*, fc2.*, fc3.*, the sizes the file records)
  attentivechrome_diff  -> {"cell_a": state_dict, "cell_b": state_dict} in the one OUT.pt: the
                           checkpoint's cell_a.* and cell_b.* tensors, each loaded into
                           AttentiveChrome(n_bins, n_hms, hidden1, cell="a" / "b") (rnn_hms.*,
                           hm_level_rnn_1.*, f1_1.*); y = f_B(XB) - f_A(XA)
Checkpoints of the DeepDiff variants (meta "model" = the variant, or no "model" key in older
files) convert as above.

Exit status: 0 done, 1 data error (message on stderr), 2 usage error.
"""

import argparse
import os
import sys
import tempfile
from collections import OrderedDict

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import checkpoint  # noqa: E402

PROG = "deepdiff_to_torch.py"


class ConvertError(Exception):
    pass


def _int_meta(meta, key, path):
    if key not in meta:
        raise ConvertError("%s: no meta entry %s" % (path, key))
    try:
        v = int(meta[key])
    except ValueError:
        raise ConvertError("%s: meta %s=%r is not an integer" % (path, key, meta[key]))
    if v <= 0:
        raise ConvertError("%s: meta %s=%d must be positive" % (path, key, v))
    return v


def _load_into(model, ck, prefix, double, path, what):
    """Load the checkpoint's parameters named prefix + <state_dict name> into `model` (strict),
    after checking every name and shape; returns the model."""
    import torch
    import deepdiff_torch as ddt
    if double:
        model = model.double()
    expected = OrderedDict((k, tuple(v.shape)) for k, v in model.state_dict().items())
    params = OrderedDict((k[len(prefix):], t) for k, t in ck.tensors.items()
                         if not k.startswith("__") and k.startswith(prefix))
    problems = ddt.state_dict_problems(expected, OrderedDict((k, t.shape) for k, t in params.items()))
    if problems:
        raise ConvertError("%s does not match %s:\n%s" % (path, what, ddt.format_problems(problems)))
    src_dtype = torch.float64 if ck.scalar_bytes == 8 else torch.float32
    dtype = torch.float64 if double else torch.float32
    sd = OrderedDict()
    for name in expected:
        t = params[name]
        raw = bytearray(t.values.tobytes())  # native order (checkpoint.py swapped if needed)
        x = torch.frombuffer(raw, dtype=src_dtype) if raw else torch.empty(0, dtype=src_dtype)
        sd[name] = x.reshape(t.shape).to(dtype).clone()
    model.load_state_dict(sd, strict=True)
    return model


BASELINE_KINDS = ("deepchrome", "attentivechrome_diff")


def baseline_models(ck, path, double=False):
    """A baseline checkpoint (meta "model" in BASELINE_KINDS) -> OrderedDict of its models:
    {"model": DeepChrome} or {"cell_a": AttentiveChrome, "cell_b": AttentiveChrome}."""
    import deepdiff_torch as ddt
    meta = ck.meta
    kind = meta["model"]
    bins, marks = (_int_meta(meta, k, path) for k in ("bins", "marks"))
    if kind == "deepchrome":
        # the layer sizes the file records (the spec's unless a library user chose others)
        sizes = {k: _int_meta(meta, m, path) for k, m in (("channels", "channels"), ("kernel", "kernel"),
                                                            ("pool", "pool"), ("hidden1", "fc1"),
                                                            ("hidden2", "fc2"))}
        try:
            dropout = float(meta["dropout"])
        except (KeyError, ValueError):
            raise ConvertError("%s: meta dropout=%r is not a number" % (path, meta.get("dropout")))
        model = _load_into(ddt.DeepChrome(bins, marks, dropout=dropout, **sizes), ck, "", double,
                           path, "deepchrome (bins=%d marks=%d channels=%d kernel=%d pool=%d fc1=%d fc2=%d)"
                           % (bins, marks, sizes["channels"], sizes["kernel"], sizes["pool"], sizes["hidden1"],
                              sizes["hidden2"]))
        return OrderedDict(model=model)
    h1, h2 = (_int_meta(meta, k, path) for k in ("hidden1", "hidden2"))
    others = sorted({k.split(".", 1)[0] + "." for k in ck.tensors
                     if not k.startswith("__") and not k.startswith(("cell_a.", "cell_b."))})
    if others:
        raise ConvertError("%s: attentivechrome_diff holds tensors outside cell_a.* and cell_b.*: %s"
                           % (path, ", ".join(o + "*" for o in others)))
    out = OrderedDict()
    for cell in ("a", "b"):
        what = "attentivechrome_diff cell %s (bins=%d marks=%d hidden1=%d hidden2=%d, tensors cell_%s.*)" % (
            cell.upper(), bins, marks, h1, h2, cell)
        out["cell_" + cell] = _load_into(ddt.AttentiveChrome(bins, marks, h1, h2, cell=cell), ck,
                                         "cell_%s." % cell, double, path, what)
    return out


def convert(path, double=False):
    """-> (object to torch.save, meta, a one-line description). A DeepDiff variant or a
    deepchrome checkpoint gives a state_dict; attentivechrome_diff gives
    {"cell_a": state_dict, "cell_b": state_dict}."""
    ck = checkpoint.read_checkpoint(path)
    kind = ck.meta.get("model")
    if kind in BASELINE_KINDS:
        models = baseline_models(ck, path, double)
        if kind == "deepchrome":
            sd = models["model"].state_dict()
            return sd, ck.meta, "model=deepchrome bins=%s marks=%s channels=%s kernel=%s pool=%s fc1=%s fc2=%s, " \
                "%d tensors" % tuple([ck.meta[k] for k in ("bins", "marks", "channels", "kernel", "pool", "fc1", "fc2")]
                                     + [len(sd)])
        obj = OrderedDict((k, m.state_dict()) for k, m in models.items())
        return obj, ck.meta, ("model=attentivechrome_diff bins=%s marks=%s hidden1=%s hidden2=%s, "
                              "{cell_a, cell_b} of %d tensors each") % (
            ck.meta["bins"], ck.meta["marks"], ck.meta["hidden1"], ck.meta["hidden2"], len(obj["cell_a"]))
    model, meta = checkpoint_to_state_dict(path, double, ck=ck)
    sd = model.state_dict()
    return sd, meta, "variant=%s bins=%s marks=%s hidden1=%s hidden2=%s, %d tensors" % (
        meta["variant"], meta["bins"], meta["marks"], meta["hidden1"], meta["hidden2"], len(sd))


def checkpoint_to_state_dict(path, double=False, ck=None):
    """-> (model of the checkpoint's variant with its parameters loaded, meta)."""
    import deepdiff_torch as ddt
    if ck is None:
        ck = checkpoint.read_checkpoint(path)
    meta = ck.meta
    if meta.get("model") in BASELINE_KINDS:
        raise ConvertError("%s holds a %s model, not a DeepDiff variant (use convert())" % (path, meta["model"]))
    variant = meta["variant"]
    if variant not in ddt.VARIANTS:
        raise ConvertError("%s: unknown variant %r (expected one of %s)"
                           % (path, variant, ", ".join(ddt.VARIANTS)))
    bins, marks, h1, h2 = (_int_meta(meta, k, path) for k in ("bins", "marks", "hidden1", "hidden2"))
    model = _load_into(ddt.build_model(variant, bins, marks, h1, h2), ck, "", double, path,
                       "%s (bins=%d marks=%d hidden1=%d hidden2=%d)" % (variant, bins, marks, h1, h2))
    return model, meta


def save_atomic(obj, out_path):
    import torch
    folder = os.path.dirname(os.path.abspath(out_path))
    fd, tmp = tempfile.mkstemp(prefix=".pt-", suffix=".tmp", dir=folder)
    os.close(fd)
    try:
        torch.save(obj, tmp)
        os.replace(tmp, out_path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog=PROG,
        description="Convert a DeepDiff checkpoint to a PyTorch state_dict (torch.save(state_dict)). "
                    "A deepchrome checkpoint gives DeepChrome's state_dict (conv1.*, fc1.*, fc2.*, fc3.*); "
                    "an attentivechrome_diff checkpoint gives {'cell_a': state_dict, 'cell_b': state_dict} "
                    "in one file, each for tools/deepdiff_torch.py's AttentiveChrome of that cell.",
        epilog="Exit status: 0 done, 1 data error, 2 usage error.")
    ap.add_argument("--double", action="store_true", help="save float64 tensors (default float32)")
    ap.add_argument("input", metavar="CKPT.bin", help="DeepDiff checkpoint")
    ap.add_argument("output", metavar="OUT.pt", help="state_dict file to write")
    args = ap.parse_args(argv)
    try:
        import torch  # noqa: F401
    except ImportError:
        sys.stderr.write("%s: needs PyTorch (on this machine run /usr/bin/python3)\n" % PROG)
        return 1
    try:
        obj, meta, what = convert(args.input, args.double)
        save_atomic(obj, args.output)
    except (ConvertError, checkpoint.CheckpointError) as e:
        sys.stderr.write("%s: error: %s\n" % (PROG, e))
        return 1
    except OSError as e:
        sys.stderr.write("%s: error: %s\n" % (PROG, e))
        return 1
    print("%s: wrote %s: %s, %s" % (PROG, args.output, what, "float64" if args.double else "float32"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
