#!/usr/bin/env python3
"""Read and write DeepDiff checkpoints (docs/checkpoint-format.md, version 1).

Python standard library only (no numpy, no torch), so any python3 can use it.

Layout, little-endian:
    magic "DDIFFCKP" | version u32 = 1 | scalar_bytes u32 (4 or 8) | meta_len u64 | meta
    | n_tensors u64 | per tensor: name_len u32, name, rank u32 (0..4), dims rank x u64,
    values prod(dims) x scalar_bytes (row-major) | checksum u64 = FNV-1a 64 of every byte before it
meta: UTF-8 lines "key=value\\n", keys unique and sorted (bytewise), at least
variant, bins, marks, hidden1, hidden2.

API:
    ckpt = read_checkpoint(path)        # -> Checkpoint(meta: dict, tensors: OrderedDict,
                                        #    scalar_bytes); tensors name -> CkptTensor(shape, values)
    write_checkpoint(path, meta, tensors, scalar_bytes=4)   # tensors: iterable of
                                        # (name, shape, values) or a mapping name -> (shape, values)
Errors are CheckpointError, whose message starts with the file name.

Command line:
    python3 tools/checkpoint.py info CKPT.bin     # verify, print meta and the tensor list
"""

import array
import os
import struct
import sys
import tempfile
from collections import OrderedDict, namedtuple

MAGIC = b"DDIFFCKP"
VERSION = 1
REQUIRED_META = ("variant", "bins", "marks", "hidden1", "hidden2")
MAX_RANK = 4

FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3
_MASK64 = 0xFFFFFFFFFFFFFFFF

CkptTensor = namedtuple("CkptTensor", ["shape", "values"])  # shape: tuple, values: array.array
Checkpoint = namedtuple("Checkpoint", ["meta", "tensors", "scalar_bytes"])


class CheckpointError(Exception):
    pass


def fnv1a64(data, h=FNV_OFFSET):
    """FNV-1a 64-bit hash of bytes `data`, continuing from `h`."""
    prime, mask = FNV_PRIME, _MASK64
    for b in memoryview(data).cast("B"):
        h = ((h ^ b) * prime) & mask
    return h


def _typecode(scalar_bytes):
    if scalar_bytes == 4:
        return "f"
    if scalar_bytes == 8:
        return "d"
    raise CheckpointError("scalar_bytes must be 4 or 8, not %r" % (scalar_bytes,))


def _numel(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def encode_meta(meta, where="checkpoint"):
    """dict -> bytes of sorted 'key=value\\n' lines, validated."""
    items = []
    for k, v in meta.items():
        k, v = str(k), str(v)
        if not k or "=" in k or "\n" in k or "\r" in k:
            raise CheckpointError("%s: bad meta key %r (non-empty, no '=' or newline)" % (where, k))
        if "\n" in v or "\r" in v:
            raise CheckpointError("%s: meta value of %r contains a newline" % (where, k))
        items.append((k.encode("utf-8"), v.encode("utf-8")))
    items.sort()
    for a, b in zip(items, items[1:]):
        if a[0] == b[0]:
            raise CheckpointError("%s: duplicate meta key %r" % (where, a[0].decode("utf-8")))
    missing = [k for k in REQUIRED_META if k.encode() not in {i[0] for i in items}]
    if missing:
        raise CheckpointError("%s: meta lacks required key(s) %s" % (where, ", ".join(missing)))
    return b"".join(k + b"=" + v + b"\n" for k, v in items)


def decode_meta(raw, where):
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise CheckpointError("%s: meta is not UTF-8 (%s)" % (where, e))
    if text and not text.endswith("\n"):
        raise CheckpointError("%s: meta does not end with a newline" % where)
    meta, prev = OrderedDict(), None
    for i, line in enumerate(text.split("\n")[:-1], 1):
        if "=" not in line:
            raise CheckpointError("%s: meta line %d %r has no '='" % (where, i, line))
        k, v = line.split("=", 1)
        if not k:
            raise CheckpointError("%s: meta line %d has an empty key" % (where, i))
        kb = k.encode("utf-8")
        if k in meta:
            raise CheckpointError("%s: duplicate meta key %r" % (where, k))
        if prev is not None and kb < prev:
            raise CheckpointError("%s: meta keys not sorted (%r after %r)" % (where, k, prev.decode("utf-8")))
        meta[k] = v
        prev = kb
    missing = [k for k in REQUIRED_META if k not in meta]
    if missing:
        raise CheckpointError("%s: meta lacks required key(s) %s" % (where, ", ".join(missing)))
    return meta


def _as_array(values, typecode, name, where):
    if isinstance(values, array.array) and values.typecode == typecode:
        return values
    try:
        return array.array(typecode, values)
    except (TypeError, OverflowError) as e:
        raise CheckpointError("%s: values of %s: %s" % (where, name, e))


def _tensor_items(tensors):
    if hasattr(tensors, "items"):
        for name, t in tensors.items():
            yield name, t[0], t[1]
    else:
        for name, shape, values in tensors:
            yield name, shape, values


def encode_checkpoint(meta, tensors, scalar_bytes=4, where="checkpoint"):
    """The bytes of a checkpoint file."""
    tc = _typecode(scalar_bytes)
    parts = [MAGIC, struct.pack("<II", VERSION, scalar_bytes)]
    meta_bytes = encode_meta(meta, where)
    parts += [struct.pack("<Q", len(meta_bytes)), meta_bytes]
    body, seen = [], set()
    for name, shape, values in _tensor_items(tensors):
        if not isinstance(name, str) or not name:
            raise CheckpointError("%s: tensor name must be a non-empty string, got %r" % (where, name))
        if name in seen:
            raise CheckpointError("%s: duplicate tensor %s" % (where, name))
        seen.add(name)
        shape = tuple(int(d) for d in shape)
        if len(shape) > MAX_RANK or any(d < 0 for d in shape):
            raise CheckpointError("%s: tensor %s has shape %s (rank 0..4, dims >= 0)" % (where, name, list(shape)))
        vals = _as_array(values, tc, name, where)
        if len(vals) != _numel(shape):
            raise CheckpointError("%s: tensor %s: %d values for shape %s" % (where, name, len(vals), list(shape)))
        if sys.byteorder != "little":
            vals = array.array(tc, vals)
            vals.byteswap()
        nb = name.encode("utf-8")
        body += [struct.pack("<I", len(nb)), nb, struct.pack("<I", len(shape)),
                 struct.pack("<%dQ" % len(shape), *shape), vals.tobytes()]
    parts.append(struct.pack("<Q", len(seen)))
    parts += body
    data = b"".join(parts)
    return data + struct.pack("<Q", fnv1a64(data))


def write_checkpoint(path, meta, tensors, scalar_bytes=4):
    """Write atomically: a temporary file in the same folder, then rename."""
    data = encode_checkpoint(meta, tensors, scalar_bytes, where=str(path))
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".ckpt-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


class _Reader:
    def __init__(self, data, where):
        self.data, self.pos, self.where = data, 0, where
        self.end = len(data) - 8  # the checksum

    def take(self, n, what):
        if n < 0 or self.pos + n > self.end:
            raise CheckpointError("%s: truncated file (reading %s at byte %d: need %d bytes, %d left "
                                  "before the checksum)" % (self.where, what, self.pos, n,
                                                            max(self.end - self.pos, 0)))
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def u32(self, what):
        return struct.unpack("<I", self.take(4, what))[0]

    def u64(self, what):
        return struct.unpack("<Q", self.take(8, what))[0]


def decode_checkpoint(data, where="checkpoint"):
    if len(data) < len(MAGIC) or data[:len(MAGIC)] != MAGIC:
        raise CheckpointError("%s: not a DeepDiff checkpoint (wrong magic %r, expected %r)"
                              % (where, bytes(data[:8]), MAGIC))
    if len(data) < 16:
        raise CheckpointError("%s: truncated file (%d bytes)" % (where, len(data)))
    version, scalar_bytes = struct.unpack("<II", data[8:16])
    if version != VERSION:
        raise CheckpointError("%s: checkpoint format version %d, this reader knows version %d"
                              % (where, version, VERSION))
    if scalar_bytes not in (4, 8):
        raise CheckpointError("%s: scalar_bytes %d (expected 4 or 8)" % (where, scalar_bytes))
    if len(data) < 16 + 8 + 8 + 8:
        raise CheckpointError("%s: truncated file (%d bytes)" % (where, len(data)))
    tc = _typecode(scalar_bytes)
    r = _Reader(data, where)
    r.pos = 16
    meta = decode_meta(r.take(r.u64("meta_len"), "meta"), where)
    n = r.u64("n_tensors")
    tensors = OrderedDict()
    for i in range(n):
        name_raw = r.take(r.u32("name_len of tensor %d" % i), "name of tensor %d" % i)
        try:
            name = name_raw.decode("utf-8")
        except UnicodeDecodeError:
            raise CheckpointError("%s: name of tensor %d is not UTF-8" % (where, i))
        if not name:
            raise CheckpointError("%s: tensor %d has an empty name" % (where, i))
        if name in tensors:
            raise CheckpointError("%s: duplicate tensor %s" % (where, name))
        rank = r.u32("rank of %s" % name)
        if rank > MAX_RANK:
            raise CheckpointError("%s: tensor %s has rank %d (at most %d)" % (where, name, rank, MAX_RANK))
        shape = struct.unpack("<%dQ" % rank, r.take(8 * rank, "dims of %s" % name))
        count = _numel(shape)
        raw = r.take(count * scalar_bytes, "values of %s %s" % (name, list(shape)))
        vals = array.array(tc)
        vals.frombytes(raw)
        if sys.byteorder != "little":
            vals.byteswap()
        tensors[name] = CkptTensor(tuple(shape), vals)
    if r.pos != r.end:
        raise CheckpointError("%s: %d trailing bytes after the last tensor" % (where, r.end - r.pos))
    stored = struct.unpack("<Q", data[r.end:])[0]
    actual = fnv1a64(data[:r.end])
    if stored != actual:
        raise CheckpointError("%s: checksum mismatch (stored %016x, computed %016x): the file is corrupted"
                              % (where, stored, actual))
    return Checkpoint(meta, tensors, scalar_bytes)


def read_checkpoint(path):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise CheckpointError("%s: cannot read: %s" % (path, e.strerror or e))
    return decode_checkpoint(data, where=str(path))


def main(argv=None):
    import argparse
    ap = argparse.ArgumentParser(description="Verify a DeepDiff checkpoint and list its contents.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("info", help="verify CKPT and print its meta and tensors")
    p.add_argument("ckpt")
    args = ap.parse_args(argv)
    try:
        ck = read_checkpoint(args.ckpt)
    except CheckpointError as e:
        sys.stderr.write("checkpoint.py: %s\n" % e)
        return 1
    lines = ["%s: OK, float%d, %d tensors, %d values" % (
        args.ckpt, 8 * ck.scalar_bytes, len(ck.tensors), sum(len(t.values) for t in ck.tensors.values()))]
    lines += ["meta %s=%s" % kv for kv in ck.meta.items()]
    lines += ["tensor %s %s" % (name, list(t.shape)) for name, t in ck.tensors.items()]
    try:
        sys.stdout.write("\n".join(lines) + "\n")
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. piped into head
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    sys.exit(main())
