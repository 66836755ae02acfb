#!/usr/bin/env python3
"""Convert a PyTorch DeepDiff state_dict to a DeepDiff checkpoint (docs/checkpoint-format.md).

    /usr/bin/python3 tools/torch_to_deepdiff.py --model-name VARIANT [--bins 200] [--double] IN.pt OUT.bin

IN.pt is a state_dict saved with torch.save(model.state_dict(), IN.pt), from a model of the
public DeepDiffChrome code or of tools/deepdiff_torch.py. A whole pickled model
(torch.save(model, F), which is what the public train.py writes as *_R2_model.pt) is refused:
it can only be unpickled with the model's source code importable, and unpickling runs code.
Convert such a file first, where the public models.py is importable:
    m = torch.load("X_R2_model.pt", map_location="cpu"); torch.save(m.state_dict(), "X.sd.pt")
The file is read with torch.load(weights_only=True), so no code in it runs.

Every name and shape is checked against tools/deepdiff_torch.py's model of VARIANT with the
sizes found in the tensors (marks from the number of level-1 encoders, hidden1 and hidden2
from the LSTM weights); bins is not in a state_dict, so it comes from --bins. Any missing, unexpected or misshapen parameter is named.
The checkpoint holds the parameters in state_dict order as float32 (float64 with --double),
and meta variant, bins, marks, hidden1, hidden2, source=torch.

Exit status: 0 done, 1 data error (message on stderr), 2 usage error.
"""

import argparse
import array
import os
import pickle
import re
import sys
from collections import OrderedDict
from collections.abc import Mapping

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import checkpoint  # noqa: E402

PROG = "torch_to_deepdiff.py"
SAVE_HINT = ("save the parameters only, with torch.save(model.state_dict(), F), and convert "
             "that file. For a model file written by the public code's train.py "
             "(torch.save(model, ...)), run where its models.py is importable: "
             "m = torch.load('X_R2_model.pt', map_location='cpu'); "
             "torch.save(m.state_dict(), 'X.state_dict.pt')")


class ConvertError(Exception):
    pass


def load_state_dict(path):
    """torch.load with weights_only=True (no code runs); refuse anything but a dict of tensors."""
    import torch
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise ConvertError("%s: no such file" % path)
    except IsADirectoryError:
        raise ConvertError("%s: is a directory" % path)
    except pickle.UnpicklingError as e:
        msg = str(e)
        m = re.search(r"Unsupported (?:class|global):? ?([\w.]+)", msg)
        if m:
            raise ConvertError(
                "%s holds a pickled object of class %s, not a state_dict. A whole model saved with "
                "torch.save(model, F) loads only with its source code, and loading it runs code: %s"
                % (path, m.group(1), SAVE_HINT))
        detail = msg.split("WeightsUnpickler error:")[-1].strip() or type(e).__name__
        raise ConvertError("%s: not a PyTorch state_dict file (torch.load: %s)" % (path, detail))
    except Exception as e:  # corrupt zip, not a torch file, ...
        raise ConvertError("%s: cannot load as a PyTorch file: %s" % (path, e))
    if isinstance(obj, torch.nn.Module):
        raise ConvertError("%s holds a whole model (torch.save(model, F)), not a state_dict: %s"
                           % (path, SAVE_HINT))
    if not isinstance(obj, Mapping):
        raise ConvertError("%s holds a %s, not a state_dict (a dict of parameter name -> tensor): %s"
                           % (path, type(obj).__name__, SAVE_HINT))
    bad = [k for k, v in obj.items() if not isinstance(k, str) or not isinstance(v, torch.Tensor)]
    if bad:
        nested = [k for k in bad if isinstance(obj.get(k), Mapping)]
        hint = (" (it looks like a training checkpoint; if %r is the model's state_dict, save "
                "that entry alone)" % nested[0]) if nested else ""
        raise ConvertError("%s: entry %r is not a tensor, so this is not a state_dict%s"
                           % (path, bad[0], hint))
    return OrderedDict(obj)


def infer_sizes(variant, sd, path):
    """marks, hidden1, hidden2 from the tensors."""
    def hidden_of(name):
        if name not in sd:
            raise ConvertError("%s: missing parameter %s (needed to infer the hidden size)%s"
                               % (path, name, prefix_hint(sd)))
        shape = tuple(sd[name].shape)
        if len(shape) != 2 or shape[0] != 4 * shape[1] or shape[1] == 0:
            raise ConvertError("%s: shape of %s is %s, expected [4H, H]" % (path, name, list(shape)))
        return shape[1]

    hidden1 = hidden_of("rnn_hms.0.rnn.weight_hh_l0")
    hidden2 = hidden_of("hm_level_rnn_1.rnn.weight_hh_l0")
    idx = {int(m.group(1)) for m in (re.match(r"rnn_hms\.(\d+)\.", k) for k in sd) if m}
    n_enc = max(idx) + 1
    factor = {"raw_c": 2, "raw": 3}.get(variant, 1)
    if n_enc % factor:
        raise ConvertError("%s: %d level-1 encoders rnn_hms.* for %s, expected a multiple of %d "
                           "(%d per mark); missing parameter rnn_hms.%d.*"
                           % (path, n_enc, variant, factor, factor, n_enc))
    return n_enc // factor, hidden1, hidden2


def prefix_hint(sd):
    if sd and all(k.startswith("module.") for k in sd):
        return (" (every name starts with 'module.': the model was wrapped in DataParallel; "
                "save model.module.state_dict() instead)")
    return ""


def convert(variant, in_path, out_path, bins=200, double=False):
    import torch
    import deepdiff_torch as ddt
    sd = load_state_dict(in_path)
    marks, hidden1, hidden2 = infer_sizes(variant, sd, in_path)
    expected = ddt.expected_shapes(variant, bins, marks, hidden1, hidden2)
    found = OrderedDict((k, tuple(v.shape)) for k, v in sd.items())
    problems = ddt.state_dict_problems(expected, found)
    if problems:
        guesses = [v for v in ddt.guess_variant(found) if v != variant]
        hint = prefix_hint(sd)
        if guesses:
            hint += " (the module names match variant %s, not %s)" % (" or ".join(guesses), variant)
        raise ConvertError("%s does not match %s (marks=%d hidden1=%d hidden2=%d)%s:\n%s"
                           % (in_path, variant, marks, hidden1, hidden2, hint,
                              ddt.format_problems(problems)))
    dtype = torch.float64 if double else torch.float32
    tensors = []
    for name in expected:
        t = sd[name]
        if not t.is_floating_point():
            raise ConvertError("%s: parameter %s has dtype %s, expected a floating type"
                               % (in_path, name, t.dtype))
        t = t.detach().to("cpu", dtype).contiguous()
        if not bool(torch.isfinite(t).all()):
            raise ConvertError("%s: parameter %s has non-finite values" % (in_path, name))
        vals = array.array("d" if double else "f")
        vals.frombytes(t.numpy().tobytes())  # native order both sides
        tensors.append((name, tuple(t.shape), vals))
    meta = {"variant": variant, "bins": bins, "marks": marks, "hidden1": hidden1,
            "hidden2": hidden2, "source": "torch"}
    checkpoint.write_checkpoint(out_path, meta, tensors, scalar_bytes=8 if double else 4)
    return meta, len(tensors)


def main(argv=None):
    variants = ("raw_d", "raw_c", "raw", "aux", "raw_aux", "aux_siamese", "raw_aux_siamese")
    ap = argparse.ArgumentParser(
        prog=PROG,
        description="Convert a PyTorch DeepDiff state_dict (torch.save(model.state_dict(), F)) "
                    "to a DeepDiff checkpoint.",
        epilog="Exit status: 0 done, 1 data error, 2 usage error.")
    ap.add_argument("--model-name", required=True, choices=variants, metavar="VARIANT",
                    help="the variant: %s" % ", ".join(variants))
    ap.add_argument("--bins", type=int, default=200,
                    help="bins per gene, T (not stored in a state_dict; default 200)")
    ap.add_argument("--double", action="store_true", help="write float64 values (default float32)")
    ap.add_argument("input", metavar="IN.pt", help="state_dict file")
    ap.add_argument("output", metavar="OUT.bin", help="checkpoint to write")
    args = ap.parse_args(argv)
    if args.bins <= 0:
        ap.error("--bins must be positive")
    try:
        import torch  # noqa: F401
    except ImportError:
        sys.stderr.write("%s: needs PyTorch (on this machine run /usr/bin/python3)\n" % PROG)
        return 1
    try:
        meta, n = convert(args.model_name, args.input, args.output, args.bins, args.double)
    except (ConvertError, checkpoint.CheckpointError) as e:
        sys.stderr.write("%s: error: %s\n" % (PROG, e))
        return 1
    except OSError as e:
        sys.stderr.write("%s: error: %s\n" % (PROG, e))
        return 1
    print("%s: wrote %s: %s, %d tensors, %s" % (
        PROG, args.output, " ".join("%s=%s" % kv for kv in sorted(meta.items())), n,
        "float64" if args.double else "float32"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
