#!/usr/bin/env python3
"""Make a hostile checkpoint for the end-to-end tests: read IN, change it, write OUT with a
valid checksum (so only the reader's own checks can refuse it).

usage: edit_checkpoint.py IN OUT [--scale X] [--set-value TENSOR=VALUE] [--meta KEY=VALUE]...
  --scale X              multiply every parameter (not the "__" training state) by X
  --set-value T=V        set the first value of tensor T to V (e.g. nan, inf)
  --meta K=V             set a metadata entry (e.g. adam_step=-1)
"""
import argparse
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import checkpoint  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--scale", type=float)
    ap.add_argument("--set-value", action="append", default=[])
    ap.add_argument("--meta", action="append", default=[])
    a = ap.parse_args()
    ck = checkpoint.read_checkpoint(a.src)
    meta = dict(ck.meta)
    tensors = [(n, t.shape, list(t.values)) for n, t in ck.tensors.items()]
    if a.scale is not None:
        tensors = [(n, s, [v * a.scale for v in vals]) if not n.startswith("__") else (n, s, vals)
                   for n, s, vals in tensors]
    for sv in a.set_value:
        name, value = sv.split("=", 1)
        hit = [t for t in tensors if t[0] == name]
        if not hit:
            sys.exit("no tensor %s" % name)
        hit[0][2][0] = float(value)
    for m in a.meta:
        k, v = m.split("=", 1)
        meta[k] = v
    checkpoint.write_checkpoint(a.dst, meta, tensors, ck.scalar_bytes)


if __name__ == "__main__":
    main()
