#!/usr/bin/python3
"""Fail on an include inside include/deepdiff that points from a lower layer to a higher one.

The layers, low to high, as DEVELOPERS.md and docs/architecture.md draw them:
  0  tensor, io
  1  autograd, data, genomics
  2  nn
  3  kernels   (the fused encoder: plain functions over buffers, and its tape adapter)
  4  model
  5  train
A header may include its own layer and the layers below. The umbrella header deepdiff.hpp may
include anything. Usage: check_layers.py [include/deepdiff]; exit 1 listing each upward include.
"""
import os
import re
import sys

RANK = {"tensor": 0, "io": 0, "autograd": 1, "data": 1, "genomics": 1, "nn": 2, "kernels": 3,
        "model": 4, "train": 5}


def upward_includes(root):
    bad = []
    for d, _, files in sorted(os.walk(root)):
        for f in sorted(files):
            if not f.endswith(".hpp"):
                continue
            path = os.path.join(d, f)
            rel = os.path.relpath(path, root).split(os.sep)
            if len(rel) < 2:
                continue  # the umbrella header
            src = rel[0]
            if src not in RANK:
                bad.append(f"{'/'.join(rel)}: folder {src}/ has no layer (add it to RANK and docs/architecture.md)")
                continue
            with open(path, encoding="utf-8") as fh:
                for lineno, line in enumerate(fh, 1):
                    m = re.match(r'\s*#\s*include\s+[<"]deepdiff/([a-z_]+)/', line)
                    if m and RANK.get(m.group(1), 99) > RANK[src]:
                        bad.append(f"{'/'.join(rel)}:{lineno}: includes {m.group(1)}/ (layer {RANK.get(m.group(1), '?')}) "
                                   f"from {src}/ (layer {RANK[src]})")
    return bad


if __name__ == "__main__":
    root = sys.argv[1] if len(sys.argv) > 1 else "include/deepdiff"
    bad = upward_includes(root)
    for b in bad:
        print(b)
    print(f"{len(bad)} upward includes")
    sys.exit(1 if bad else 0)
