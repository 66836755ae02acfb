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
    try:
        v = int(meta[key])
    except ValueError:
        raise ConvertError("%s: meta %s=%r is not an integer" % (path, key, meta[key]))
    if v <= 0:
        raise ConvertError("%s: meta %s=%d must be positive" % (path, key, v))
    return v


def checkpoint_to_state_dict(path, double=False):
    """-> (model of the checkpoint's variant with its parameters loaded, meta)."""
    import torch
    import deepdiff_torch as ddt
    ck = checkpoint.read_checkpoint(path)
    meta = ck.meta
    variant = meta["variant"]
    if variant not in ddt.VARIANTS:
        raise ConvertError("%s: unknown variant %r (expected one of %s)"
                           % (path, variant, ", ".join(ddt.VARIANTS)))
    bins, marks, h1, h2 = (_int_meta(meta, k, path) for k in ("bins", "marks", "hidden1", "hidden2"))
    model = ddt.build_model(variant, bins, marks, h1, h2)
    if double:
        model = model.double()
    expected = OrderedDict((k, tuple(v.shape)) for k, v in model.state_dict().items())
    params = OrderedDict((k, t) for k, t in ck.tensors.items() if not k.startswith("__"))
    problems = ddt.state_dict_problems(expected, OrderedDict((k, t.shape) for k, t in params.items()))
    if problems:
        raise ConvertError("%s does not match %s (bins=%d marks=%d hidden1=%d hidden2=%d):\n%s"
                           % (path, variant, bins, marks, h1, h2, ddt.format_problems(problems)))
    src_dtype = torch.float64 if ck.scalar_bytes == 8 else torch.float32
    dtype = torch.float64 if double else torch.float32
    sd = OrderedDict()
    for name in expected:
        t = params[name]
        raw = bytearray(t.values.tobytes())  # native order (checkpoint.py swapped if needed)
        x = torch.frombuffer(raw, dtype=src_dtype) if raw else torch.empty(0, dtype=src_dtype)
        sd[name] = x.reshape(t.shape).to(dtype).clone()
    model.load_state_dict(sd, strict=True)
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
        description="Convert a DeepDiff checkpoint to a PyTorch state_dict (torch.save(state_dict)).",
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
        model, meta = checkpoint_to_state_dict(args.input, args.double)
        save_atomic(model.state_dict(), args.output)
    except (ConvertError, checkpoint.CheckpointError) as e:
        sys.stderr.write("%s: error: %s\n" % (PROG, e))
        return 1
    except OSError as e:
        sys.stderr.write("%s: error: %s\n" % (PROG, e))
        return 1
    print("%s: wrote %s: variant=%s bins=%s marks=%s hidden1=%s hidden2=%s, %d tensors, %s" % (
        PROG, args.output, meta["variant"], meta["bins"], meta["marks"], meta["hidden1"],
        meta["hidden2"], len(model.state_dict()), "float64" if args.double else "float32"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
