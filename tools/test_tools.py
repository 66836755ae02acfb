#!/usr/bin/env python3
"""Tests of the Python tools: the PyTorch model, the checkpoint converters, the golden files.

    /usr/bin/python3 -m unittest tools/test_tools.py      (from the repository root)
    /usr/bin/python3 tools/test_tools.py                   (from anywhere)

Needs PyTorch (Debian's python3-torch on this machine, hence /usr/bin/python3). The
sample-data checks skip when data/sample is absent.
"""

import contextlib
import csv
import io
import math
import os
import struct
import subprocess
import sys
import tempfile
import unittest
from collections import OrderedDict

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import checkpoint  # noqa: E402
import deepdiff_torch as ddt  # noqa: E402
import deepdiff_to_torch  # noqa: E402
import make_golden  # noqa: E402
import torch_to_deepdiff  # noqa: E402

PY = sys.executable
GOLDEN = os.path.join(ROOT, "tests", "golden")


def run_tool(script, *args):
    """Run a tool as a subprocess: (exit code, stdout, stderr)."""
    p = subprocess.run([PY, os.path.join(HERE, script)] + [str(a) for a in args],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    return p.returncode, p.stdout, p.stderr


def call_main(main, *args):
    """Run a tool's main() in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = main([str(a) for a in args])
        except SystemExit as e:
            rc = e.code
    return rc, out.getvalue(), err.getvalue()


def seeded_model(variant, seed=3, **sizes):
    torch.manual_seed(seed)
    return ddt.init_uniform_(ddt.build_model(variant, **sizes), 0.1)


def parse_golden(path):
    meta, tensors = {}, OrderedDict()
    with open(path) as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("# "):
            key, _, value = line[2:].partition(" ")
            meta[key.rstrip(":")] = value
            i += 1
        elif line.startswith("tensor "):
            parts = line.split()
            shape = tuple(int(d) for d in parts[3:])
            vals = [float(v) for v in lines[i + 1].split()]
            assert len(vals) == math.prod(shape), parts[1]
            tensors[parts[1]] = torch.tensor(vals, dtype=torch.float64).reshape(shape)
            i += 2
        else:
            assert line == "", "unexpected line %r" % line
            i += 1
    return meta, tensors


# Double-precision results of PyTorch depend on the BLAS it runs on (OpenBLAS and the reference
# BLAS block, fuse and sum in different orders), so numbers are compared, never text or bits:
# |a - b| <= RTOL * |b| + NTOL * max|b| elementwise. Measured between the two BLAS on the
# golden files: 2.8e-11 elementwise (on gradients of 1e-8 beside ones of 1e-2) and 3.1e-14
# normwise, so the bounds leave a margin of 3x and 30x and still catch any real change.
RTOL, NTOL = 1e-10, 1e-12


def close_report(a, b, rtol=RTOL, ntol=NTOL):
    """None when a and b agree to the tolerance, else a message naming the worst element."""
    if a.shape != b.shape:
        return "shape %s != %s" % (tuple(a.shape), tuple(b.shape))
    if b.numel() == 0:
        return None
    a, b = a.double(), b.double()
    bound = rtol * b.abs() + ntol * b.abs().max()
    excess = (a - b).abs() - bound
    if not bool(torch.isfinite(a).all()) or bool((excess > 0).any()):
        i = int(torch.argmax(torch.where(torch.isfinite(a), excess, torch.full_like(excess, math.inf))))
        return "element %d: %r vs %r (bound %.3g)" % (i, a.reshape(-1)[i].item(), b.reshape(-1)[i].item(),
                                                     bound.reshape(-1)[i].item())
    return None


def blas_in_use():
    """The BLAS library this process has loaded (PyTorch links libblas.so.3)."""
    with open("/proc/self/maps") as f:
        paths = {line.split()[-1] for line in f if "libblas" in line or "libopenblas" in line}
    return sorted(os.path.realpath(p) for p in paths)


class ModelTest(unittest.TestCase):
    def test_parameter_count_and_names_match_spec(self):
        sd = ddt.build_model("raw_d").state_dict()
        self.assertEqual(sum(t.numel() for t in sd.values()), 55681)
        self.assertEqual(tuple(sd["rnn_hms.0.rnn.weight_ih_l0"].shape), (128, 1))
        self.assertEqual(tuple(sd["rnn_hms.4.bin_attention.bin_context_vector"].shape), (64, 1))
        self.assertEqual(tuple(sd["hm_level_rnn_1.rnn.weight_ih_l0_reverse"].shape), (64, 64))
        self.assertEqual(tuple(sd["hm_level_rnn_1.bin_attention.bin_context_vector"].shape), (32, 1))
        self.assertEqual(tuple(sd["fdiff1_1.weight"].shape), (1, 32))
        tops = {v: list(OrderedDict.fromkeys(k.split(".")[0] for k in ddt.build_model(v).state_dict()))
                for v in ddt.VARIANTS}
        self.assertEqual(tops["raw_c"], ["rnn_hms", "hm_level_rnn_1", "fdiff1_1"])
        self.assertEqual(tops["aux"], ["rnn_hms", "rnn_hms2", "hm_level_rnn_1", "hm_level_rnn_2",
                                       "f1_1", "f2_1", "predictor_1", "predictor_"])
        self.assertEqual(tops["raw_aux"], ["rnn_hms", "rnn_hms3", "rnn_hms2", "hm_level_rnn_1",
                                           "hm_level_rnn_3", "hm_level_rnn_2", "f1_1", "f2_1", "predictor_"])
        self.assertEqual(tops["aux_siamese"], ["rnn_hms", "hm_level_rnn_1", "hm_level_rnn_2",
                                               "f1_1", "f2_1", "predictor_1", "predictor_"])
        self.assertEqual(tops["raw_aux_siamese"], ["rnn_hms", "rnn_hmsx", "hm_level_rnn_1",
                                                   "hm_level_rnn_1x", "hm_level_rnn_2", "f1_1", "f2_1",
                                                   "predictor_"])
        n_enc = {v: len({k.split(".")[1] for k in ddt.build_model(v).state_dict() if k.startswith("rnn_hms.")})
                 for v in ddt.VARIANTS}
        self.assertEqual(n_enc, {"raw_d": 5, "raw_c": 10, "raw": 15, "aux": 5, "raw_aux": 5,
                                 "aux_siamese": 5, "raw_aux_siamese": 5})
        self.assertEqual(tuple(ddt.build_model("aux").state_dict()["predictor_1.weight"].shape), (32, 64))

    def test_nn_lstm_matches_the_spec_equations(self):
        """Replace every encoder's forward by a loop over the spec's equations; the outputs of
        every variant must not change (checks gate order, the reverse direction, attention)."""
        def manual_direction(x, w_ih, w_hh, b_ih, b_hh, reverse):
            n, steps, _ = x.shape
            hid = w_hh.shape[1]
            h = x.new_zeros(n, hid)
            c = x.new_zeros(n, hid)
            out = [None] * steps
            for t in (range(steps - 1, -1, -1) if reverse else range(steps)):
                gates = x[:, t] @ w_ih.t() + b_ih + h @ w_hh.t() + b_hh
                i = torch.sigmoid(gates[:, :hid])
                f = torch.sigmoid(gates[:, hid:2 * hid])
                g = torch.tanh(gates[:, 2 * hid:3 * hid])
                o = torch.sigmoid(gates[:, 3 * hid:])
                c = f * c + i * g
                h = o * torch.tanh(c)
                out[t] = h
            return torch.stack(out, dim=1)

        def manual_forward(self, x):
            r = self.rnn
            h = torch.cat([
                manual_direction(x, r.weight_ih_l0, r.weight_hh_l0, r.bias_ih_l0, r.bias_hh_l0, False),
                manual_direction(x, r.weight_ih_l0_reverse, r.weight_hh_l0_reverse,
                                 r.bias_ih_l0_reverse, r.bias_hh_l0_reverse, True)], dim=2)
            w = self.bin_attention.bin_context_vector[:, 0]
            s = (h * w).sum(dim=2)
            alpha = torch.exp(s - s.max(dim=1, keepdim=True).values)
            alpha = alpha / alpha.sum(dim=1, keepdim=True)
            return (alpha.unsqueeze(2) * h).sum(dim=1), alpha

        g = torch.Generator().manual_seed(5)
        xa = 3 * torch.rand(2, 6, 5, generator=g, dtype=torch.float64)
        xb = 3 * torch.rand(2, 6, 5, generator=g, dtype=torch.float64)
        original = ddt.Encoder.forward
        for variant in ddt.VARIANTS:
            torch.manual_seed(7)
            model = ddt.init_uniform_(ddt.build_model(variant, n_bins=6, hidden1=4).double(), 0.5)
            with torch.no_grad():
                ref = model(xa, xb)
                ddt.Encoder.forward = manual_forward
                try:
                    mine = model(xa, xb)
                finally:
                    ddt.Encoder.forward = original
            self.assertEqual(set(ref), set(mine))
            for k in ref:
                self.assertTrue(torch.allclose(ref[k], mine[k], rtol=1e-12, atol=1e-12), (variant, k))

    def test_output_shapes_and_losses(self):
        b, t, m, h1 = 3, 7, 5, 6
        xa = torch.rand(b, t, m, dtype=torch.float64)
        xb = torch.rand(b, t, m, dtype=torch.float64)
        tg = ddt.make_targets([10.0, 200.0, 50.0], [90.0, 30.0, 60.0])
        k_alpha = {"raw_d": 5, "raw_c": 10, "raw": 15, "aux": 10, "raw_aux": 15,
                   "aux_siamese": 10, "raw_aux_siamese": 15}
        k_beta = {"raw_d": 5, "raw_c": 10, "raw": 15, "aux": 10, "raw_aux": 25,
                  "aux_siamese": 10, "raw_aux_siamese": 25}
        for v in ddt.VARIANTS:
            model = seeded_model(v, n_bins=t, hidden1=h1).double()
            out = model(xa, xb)
            self.assertEqual(tuple(out["pred"].shape), (b, 1))
            self.assertEqual(tuple(out["alpha"].shape), (b, k_alpha[v], t), v)
            self.assertEqual(tuple(out["beta"].shape), (b, k_beta[v]), v)
            # softmax rows: beta sums to 1 (aux, aux_siamese: cat(beta_A, beta_B) sums to 2)
            n_softmax = 2.0 if v in ("aux", "aux_siamese") else 1.0
            self.assertTrue(torch.allclose(out["beta"].sum(1), torch.full((b,), n_softmax, dtype=torch.float64)))
            self.assertTrue(torch.allclose(out["alpha"].sum(2), torch.ones(b, k_alpha[v], dtype=torch.float64)))
            self.assertEqual("pred_a" in out, v in ddt.AUX_VARIANTS)
            self.assertEqual("emb_a" in out, v in ddt.SIAMESE_VARIANTS)
            losses = ddt.deepdiff_loss(model, out, tg)
            total = losses["diff"]
            self.assertTrue(torch.equal(losses["diff"], F.mse_loss(out["pred"], tg["y"])))
            if v in ddt.AUX_VARIANTS:
                total = total + losses["aux_a"] + losses["aux_b"]
            if v in ddt.SIAMESE_VARIANTS:
                self.assertEqual(tuple(out["emb_a"].shape), (b, m * 2 * h1))
                d = (out["emb_a"] - out["emb_b"] + 1e-6).norm(dim=1)
                lab = torch.tensor([1.0, 1.0, 0.0], dtype=torch.float64)  # |y| = 3.05, 2.70, 0.26
                want = ((1 - lab) * d ** 2 + lab * torch.clamp(2 - d, min=0) ** 2).mean()
                self.assertTrue(torch.allclose(losses["contrastive"], want, rtol=1e-14))
                total = total + 4.0 * losses["contrastive"]
            self.assertTrue(torch.allclose(losses["total"], total, rtol=1e-14))

    def test_siamese_shares_level1_encoders(self):
        model = seeded_model("aux_siamese", n_bins=4, hidden1=2).double()
        x = torch.rand(2, 4, 5, dtype=torch.float64)
        out = model(x, x.clone())
        self.assertTrue(torch.equal(out["emb_a"], out["emb_b"]))


class CheckpointTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        self.meta = {"variant": "raw_d", "bins": 200, "marks": 5, "hidden1": 2, "hidden2": 1, "source": "test"}

    def tearDown(self):
        self.tmp.cleanup()

    def small_ckpt(self, scalar_bytes=4):
        path = os.path.join(self.dir, "s.bin")
        checkpoint.write_checkpoint(path, self.meta, [("a.w", (2, 3), [0.5, -1, 2, 3, 4, 5]),
                                                      ("b", (), [7.25]), ("__adam.m", (0,), [])],
                                    scalar_bytes)
        return path

    def test_write_read_layout(self):
        path = self.small_ckpt()
        with open(path, "rb") as f:
            data = f.read()
        self.assertEqual(data[:8], b"DDIFFCKP")
        self.assertEqual(struct.unpack("<II", data[8:16]), (1, 4))
        meta_len = struct.unpack("<Q", data[16:24])[0]
        self.assertEqual(data[24:24 + meta_len],
                         b"bins=200\nhidden1=2\nhidden2=1\nmarks=5\nsource=test\nvariant=raw_d\n")
        self.assertEqual(struct.unpack("<Q", data[-8:])[0], checkpoint.fnv1a64(data[:-8]))
        ck = checkpoint.read_checkpoint(path)
        self.assertEqual(list(ck.tensors), ["a.w", "b", "__adam.m"])
        self.assertEqual(ck.tensors["a.w"].shape, (2, 3))
        self.assertEqual(list(ck.tensors["a.w"].values), [0.5, -1, 2, 3, 4, 5])
        self.assertEqual(ck.tensors["b"].shape, ())
        self.assertEqual(ck.meta["variant"], "raw_d")
        self.assertEqual(ck.scalar_bytes, 4)
        self.assertEqual(checkpoint.fnv1a64(b"a"), 0xAF63DC4C8601EC8C)  # the published test vector

    def test_corrupted_byte_detected(self):
        path = self.small_ckpt(8)
        with open(path, "rb") as f:
            data = bytearray(f.read())
        # a byte of a value: only the checksum can tell
        pos = data.index(struct.pack("<d", 7.25))
        bad = bytearray(data)
        bad[pos + 3] ^= 0x10
        with self.assertRaisesRegex(checkpoint.CheckpointError, "checksum mismatch"):
            checkpoint.decode_checkpoint(bytes(bad), "x.bin")
        # any single flipped byte anywhere is an error
        for i in range(len(data)):
            bad = bytearray(data)
            bad[i] ^= 0x01
            with self.assertRaises(checkpoint.CheckpointError, msg="byte %d" % i):
                checkpoint.decode_checkpoint(bytes(bad), "x.bin")
        with self.assertRaisesRegex(checkpoint.CheckpointError, "truncated"):
            checkpoint.decode_checkpoint(bytes(data[:-20]), "x.bin")
        with self.assertRaisesRegex(checkpoint.CheckpointError, "trailing"):
            checkpoint.decode_checkpoint(bytes(data[:-8] + b"\0" * 4 + data[-8:]), "x.bin")
        with self.assertRaisesRegex(checkpoint.CheckpointError, "magic"):
            checkpoint.decode_checkpoint(b"NOTACKPT" + bytes(data[8:]), "x.bin")
        with self.assertRaisesRegex(checkpoint.CheckpointError, "version 2"):
            checkpoint.decode_checkpoint(bytes(data[:8] + struct.pack("<I", 2) + data[12:]), "x.bin")
        # the converter reports it, with the file name, exit status 1
        with open(path, "r+b") as f:
            f.seek(pos)
            f.write(b"\xff")
        rc, _, err = call_main(deepdiff_to_torch.main, path, os.path.join(self.dir, "o.pt"))
        self.assertEqual(rc, 1)
        self.assertIn("s.bin", err)
        self.assertIn("checksum mismatch", err)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "o.pt")))

    def test_meta_validation(self):
        with self.assertRaisesRegex(checkpoint.CheckpointError, "hidden2"):
            checkpoint.encode_checkpoint({"variant": "raw", "bins": 1, "marks": 1, "hidden1": 2}, [])
        with self.assertRaisesRegex(checkpoint.CheckpointError, "newline"):
            checkpoint.encode_checkpoint(dict(self.meta, x="a\nb"), [])
        with self.assertRaisesRegex(checkpoint.CheckpointError, "key"):
            checkpoint.encode_checkpoint(dict(self.meta, **{"a=b": 1}), [])
        with self.assertRaisesRegex(checkpoint.CheckpointError, "duplicate tensor a"):
            checkpoint.encode_checkpoint(self.meta, [("a", (1,), [1]), ("a", (1,), [1])])
        with self.assertRaisesRegex(checkpoint.CheckpointError, "values for shape"):
            checkpoint.encode_checkpoint(self.meta, [("a", (2,), [1])])
        with self.assertRaisesRegex(checkpoint.CheckpointError, "rank"):
            checkpoint.encode_checkpoint(self.meta, [("a", (1, 1, 1, 1, 1), [1])])

        def raw_with_meta(meta_bytes):
            body = b"DDIFFCKP" + struct.pack("<IIQ", 1, 4, len(meta_bytes)) + meta_bytes + struct.pack("<Q", 0)
            return body + struct.pack("<Q", checkpoint.fnv1a64(body))
        good = b"bins=1\nhidden1=2\nhidden2=1\nmarks=1\nvariant=raw\n"
        self.assertEqual(checkpoint.decode_checkpoint(raw_with_meta(good)).meta["variant"], "raw")
        with self.assertRaisesRegex(checkpoint.CheckpointError, "not sorted"):
            checkpoint.decode_checkpoint(raw_with_meta(b"variant=raw\n" + good[:-12]))
        with self.assertRaisesRegex(checkpoint.CheckpointError, "duplicate meta key"):
            checkpoint.decode_checkpoint(raw_with_meta(b"bins=1\n" + good))
        with self.assertRaisesRegex(checkpoint.CheckpointError, "lacks required key.*marks"):
            checkpoint.decode_checkpoint(raw_with_meta(good.replace(b"marks=1\n", b"")))


class ConverterTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def p(self, name):
        return os.path.join(self.dir, name)

    def round_trip(self, variant, double=False, **sizes):
        model = seeded_model(variant, **sizes)
        if double:
            model = model.double()
        src = model.state_dict()
        torch.save(src, self.p("in.pt"))
        extra = ["--double"] if double else []
        bins = sizes.get("n_bins", 200)
        rc, out, err = call_main(torch_to_deepdiff.main, "--model-name", variant, "--bins", bins,
                                 *(extra + [self.p("in.pt"), self.p("c.bin")]))
        self.assertEqual(rc, 0, err)
        ck = checkpoint.read_checkpoint(self.p("c.bin"))
        self.assertEqual(ck.meta["variant"], variant)
        self.assertEqual(ck.meta["source"], "torch")
        self.assertEqual((int(ck.meta["bins"]), int(ck.meta["marks"]), int(ck.meta["hidden1"]),
                          int(ck.meta["hidden2"])),
                         (bins, model.n_hms, model.hidden1, model.hidden2))
        self.assertEqual(ck.scalar_bytes, 8 if double else 4)
        self.assertEqual(list(ck.tensors), list(src))
        rc, out, err = call_main(deepdiff_to_torch.main, *(extra + [self.p("c.bin"), self.p("out.pt")]))
        self.assertEqual(rc, 0, err)
        back = torch.load(self.p("out.pt"), weights_only=True)
        self.assertEqual(list(back), list(src))
        for k in src:
            self.assertEqual(back[k].dtype, torch.float64 if double else torch.float32, k)
            self.assertTrue(torch.equal(back[k], src[k]), k)
        fresh = ddt.build_model(variant, **sizes)
        if double:
            fresh = fresh.double()
        fresh.load_state_dict(back, strict=True)

    def test_round_trip_exact_every_variant(self):
        for v in ddt.VARIANTS:
            with self.subTest(variant=v):
                self.round_trip(v)  # the published sizes, float32

    def test_round_trip_other_sizes_and_double(self):
        self.round_trip("raw_aux_siamese", double=True, n_bins=50, n_hms=4, hidden1=6)
        self.round_trip("raw", n_bins=7, n_hms=3, hidden1=8, hidden2=5)

    def expect_error(self, variant, sd, *needles):
        torch.save(sd, self.p("bad.pt"))
        rc, _, err = call_main(torch_to_deepdiff.main, "--model-name", variant, self.p("bad.pt"),
                               self.p("bad.bin"))
        self.assertEqual(rc, 1, err)
        for n in needles:
            self.assertIn(n, err)
        self.assertFalse(os.path.exists(self.p("bad.bin")))
        return err

    def test_mismatch_messages_name_the_parameter(self):
        sd = seeded_model("aux").state_dict()
        bad = OrderedDict(sd)
        bad["rnn_hms2.3.rnn.weight_hh_l0"] = torch.zeros(128, 31)
        self.expect_error("aux", bad, "rnn_hms2.3.rnn.weight_hh_l0", "[128, 32]", "[128, 31]")
        bad = OrderedDict(sd)
        del bad["f2_1.bias"]
        self.expect_error("aux", bad, "missing parameter f2_1.bias")
        bad = OrderedDict(sd)
        bad["predictor_2.weight"] = torch.zeros(1, 32)
        self.expect_error("aux", bad, "unexpected parameter predictor_2.weight")
        bad = OrderedDict(sd)
        del bad["rnn_hms.0.rnn.weight_hh_l0"]
        self.expect_error("aux", bad, "rnn_hms.0.rnn.weight_hh_l0")
        bad = OrderedDict(sd)
        bad["hm_level_rnn_1.bin_attention.bin_context_vector"] = torch.zeros(32, 2)
        self.expect_error("aux", bad, "hm_level_rnn_1.bin_attention.bin_context_vector")
        bad = OrderedDict(sd)
        bad["f1_1.weight"] = torch.zeros(1, 32, dtype=torch.int64)
        self.expect_error("aux", bad, "f1_1.weight", "dtype")
        bad = OrderedDict(sd)
        bad["f1_1.weight"] = torch.full((1, 32), float("nan"))
        self.expect_error("aux", bad, "f1_1.weight", "non-finite")
        # another variant's state_dict
        self.expect_error("raw_d", sd, "fdiff1_1.weight", "match variant aux")
        # DataParallel names
        self.expect_error("aux", OrderedDict(("module." + k, v) for k, v in sd.items()),
                          "module.state_dict()")

    def test_checkpoint_mismatch_names_the_parameter(self):
        model = seeded_model("raw_d")
        tensors = [(k, tuple(v.shape), v.reshape(-1).tolist()) for k, v in model.state_dict().items()]
        meta = {"variant": "raw_d", "bins": 200, "marks": 5, "hidden1": 32, "hidden2": 16}
        cases = [
            ([t for t in tensors if t[0] != "fdiff1_1.bias"], "missing parameter fdiff1_1.bias"),
            (tensors + [("fdiff1_2.bias", (1,), [0.0])], "unexpected parameter fdiff1_2.bias"),
            ([(n, (s[1], s[0]) if n == "fdiff1_1.weight" else s, v) for n, s, v in tensors],
             "shape mismatch for fdiff1_1.weight"),
        ]
        for tens, needle in cases:
            checkpoint.write_checkpoint(self.p("m.bin"), meta, tens)
            rc, _, err = call_main(deepdiff_to_torch.main, self.p("m.bin"), self.p("m.pt"))
            self.assertEqual(rc, 1, err)
            self.assertIn(needle, err)
        checkpoint.write_checkpoint(self.p("m.bin"), dict(meta, variant="raw_x"), tensors)
        rc, _, err = call_main(deepdiff_to_torch.main, self.p("m.bin"), self.p("m.pt"))
        self.assertEqual(rc, 1)
        self.assertIn("unknown variant 'raw_x'", err)
        # training state (__ tensors) is allowed and dropped
        checkpoint.write_checkpoint(self.p("m.bin"), dict(meta, epoch=3),
                                    tensors + [("__adam.m", (3,), [1, 2, 3])])
        rc, _, err = call_main(deepdiff_to_torch.main, self.p("m.bin"), self.p("m.pt"))
        self.assertEqual(rc, 0, err)
        self.assertEqual(list(torch.load(self.p("m.pt"))), [t[0] for t in tensors])

    def test_pickled_whole_model_refused(self):
        model = seeded_model("raw_d", hidden1=4)
        torch.save(model, self.p("whole.pt"))
        rc, _, err = run_tool("torch_to_deepdiff.py", "--model-name", "raw_d", self.p("whole.pt"),
                              self.p("w.bin"))
        self.assertEqual(rc, 1, err)
        self.assertIn("torch.save(model.state_dict(), F)", err)
        self.assertIn("deepdiff_torch.RawD", err)
        # a model whose code the user does not have
        mod = self.p("gone")
        os.mkdir(mod)
        with open(os.path.join(mod, "private_net.py"), "w") as f:
            f.write("import torch\nclass Net(torch.nn.Module):\n"
                    "    def __init__(self):\n        super().__init__()\n"
                    "        self.fdiff1_1 = torch.nn.Linear(2, 1)\n")
        code = ("import sys, torch; sys.path.insert(0, %r); import private_net; "
                "torch.save(private_net.Net(), %r)" % (mod, self.p("private.pt")))
        subprocess.run([PY, "-c", code], check=True)
        rc, _, err = run_tool("torch_to_deepdiff.py", "--model-name", "raw_d", self.p("private.pt"),
                              self.p("w.bin"))
        self.assertEqual(rc, 1, err)
        self.assertIn("torch.save(model.state_dict(), F)", err)
        self.assertIn("private_net.Net", err)
        self.assertFalse(os.path.exists(self.p("w.bin")))
        # not a dict at all, and a training checkpoint wrapping the state_dict
        torch.save([1, 2], self.p("list.pt"))
        self.expect_error("raw_d", {"epoch": 3, "state_dict": model.state_dict()}, "'state_dict'")
        rc, _, err = call_main(torch_to_deepdiff.main, "--model-name", "raw_d", self.p("list.pt"), self.p("x"))
        self.assertEqual(rc, 1)
        self.assertIn("not a state_dict", err)

    def test_usage_and_data_errors_exit_codes(self):
        for script in ("torch_to_deepdiff.py", "deepdiff_to_torch.py"):
            rc, out, _ = run_tool(script, "--help")
            self.assertEqual(rc, 0)
            self.assertIn("usage", out)
            rc, _, err = run_tool(script)
            self.assertEqual(rc, 2)
            self.assertIn("usage", err)
        rc, _, err = run_tool("torch_to_deepdiff.py", "--model-name", "nope", "a.pt", "b.bin")
        self.assertEqual(rc, 2)
        rc, _, err = run_tool("torch_to_deepdiff.py", "--model-name", "raw", "--bins", "0", "a.pt", "b.bin")
        self.assertEqual(rc, 2)
        rc, _, err = run_tool("torch_to_deepdiff.py", "--model-name", "raw", self.p("missing.pt"), self.p("b.bin"))
        self.assertEqual(rc, 1)
        self.assertIn("missing.pt", err)
        with open(self.p("junk.bin"), "wb") as f:
            f.write(b"DDIFFCKP\x01\x00")
        rc, _, err = run_tool("deepdiff_to_torch.py", self.p("junk.bin"), self.p("o.pt"))
        self.assertEqual(rc, 1)
        self.assertIn("junk.bin", err)
        self.assertIn("truncated", err)


def find_cli():
    """The deepdiff program: $DEEPDIFF_CLI, else the newest of ROOT/build*/examples/deepdiff;
    None when there is none (the tests that need it skip and say so)."""
    env = os.environ.get("DEEPDIFF_CLI")
    if env:
        return env
    found = []
    for d in os.listdir(ROOT):
        exe = os.path.join(ROOT, d, "examples", "deepdiff")
        if d.startswith("build") and os.access(exe, os.X_OK):
            found.append((os.path.getmtime(exe), exe))
    return max(found)[1] if found else None


def read_split_csv(path, bins, marks=5):
    """CELL.SPLIT.csv (rows GENE[_SYMBOL]_BIN, then one count per mark) -> (genes, tensor [G, T, M])."""
    genes, rows = [], []
    with open(path) as f:
        for i, line in enumerate(f):
            fields = line.rstrip("\n").split(",")
            if i % bins == 0:
                genes.append(fields[0].split("_", 1)[0])  # GENE[_SYMBOL]_BIN: the id is before the first '_'
            rows.append([float(v) for v in fields[1:1 + marks]])
    return genes, torch.tensor(rows, dtype=torch.float32).reshape(len(genes), bins, marks)


class BaselineExportTest(unittest.TestCase):
    """deepdiff_to_torch.py on the baselines' checkpoints: names, shapes, exact values, and the
    PyTorch models of tools/deepdiff_torch.py predicting what `deepdiff predict` does."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def p(self, name):
        return os.path.join(self.dir, name)

    @staticmethod
    def tensors_of(state_dict, prefix=""):
        return [(prefix + k, tuple(v.shape), v.reshape(-1).tolist()) for k, v in state_dict.items()]

    def test_deepchrome_names_and_values(self):
        torch.manual_seed(4)
        model = ddt.init_uniform_(ddt.DeepChrome(n_bins=20, n_hms=5), 0.1)
        sd = model.state_dict()
        self.assertEqual(sum(t.numel() for t in ddt.DeepChrome().state_dict().values()), 1269051)  # the spec's count
        self.assertEqual([(k, tuple(v.shape)) for k, v in sd.items()][:3],
                         [("conv1.weight", (50, 5, 10)), ("conv1.bias", (50,)), ("fc1.weight", (625, 100))])
        meta = {"model": "deepchrome", "variant": "deepchrome", "bins": 20, "marks": 5, "channels": 50, "kernel": 10,
                "pool": 5, "fc1": 625, "fc2": 125, "dropout": 0.5, "hidden1": 0, "hidden2": 0}
        checkpoint.write_checkpoint(self.p("dc.bin"), meta, self.tensors_of(sd) + [("__adam.m", (1,), [1.0])], 8)
        rc, out, err = call_main(deepdiff_to_torch.main, "--double", self.p("dc.bin"), self.p("dc.pt"))
        self.assertEqual(rc, 0, err)
        self.assertIn("model=deepchrome", out)
        back = torch.load(self.p("dc.pt"), weights_only=True)
        self.assertEqual(list(back), list(sd))
        for k in sd:
            self.assertTrue(torch.equal(back[k], sd[k].double()), k)
        ddt.DeepChrome(n_bins=20, n_hms=5).double().load_state_dict(back, strict=True)
        # a misshapen parameter is named; T too short for the convolution is an error
        bad = [(n, (50, 5, 9) if n == "conv1.weight" else s, v[:2250] if n == "conv1.weight" else v)
               for n, s, v in self.tensors_of(sd)]
        checkpoint.write_checkpoint(self.p("bad.bin"), meta, bad)
        rc, _, err = call_main(deepdiff_to_torch.main, self.p("bad.bin"), self.p("bad.pt"))
        self.assertEqual(rc, 1)
        self.assertIn("shape mismatch for conv1.weight", err)
        # other layer sizes than the spec's: the file's sizes are the ones built
        small = ddt.init_uniform_(ddt.DeepChrome(n_bins=20, n_hms=5, channels=6, kernel=4, pool=3, hidden1=8,
                                                 hidden2=4), 0.1)
        small_meta = dict(meta, channels=6, kernel=4, pool=3, fc1=8, fc2=4)
        checkpoint.write_checkpoint(self.p("small.bin"), small_meta, self.tensors_of(small.state_dict()))
        rc, out, err = call_main(deepdiff_to_torch.main, self.p("small.bin"), self.p("small.pt"))
        self.assertEqual(rc, 0, err)
        self.assertIn("fc1=8", out + err)
        ddt.DeepChrome(n_bins=20, n_hms=5, channels=6, kernel=4, pool=3, hidden1=8, hidden2=4).load_state_dict(
            torch.load(self.p("small.pt"), weights_only=True), strict=True)
        del small_meta["fc1"]
        checkpoint.write_checkpoint(self.p("nofc1.bin"), small_meta, self.tensors_of(small.state_dict()))
        rc, _, err = call_main(deepdiff_to_torch.main, self.p("nofc1.bin"), self.p("nofc1.pt"))
        self.assertEqual(rc, 1)
        self.assertIn("no meta entry fc1", err)
        self.assertFalse(os.path.exists(self.p("bad.pt")))

    def test_attentivechrome_diff_names_and_values(self):
        cells = {}
        for seed, cell in ((5, "a"), (6, "b")):
            torch.manual_seed(seed)
            cells[cell] = ddt.init_uniform_(ddt.AttentiveChrome(n_bins=7, n_hms=5, hidden1=4, cell=cell), 0.1)
        # the aux variant's A branch, in its order
        self.assertEqual(list(cells["a"].state_dict()),
                         [k for k in ddt.build_model("aux", 7, 5, 4).state_dict()
                          if k.split(".")[0] in ("rnn_hms", "hm_level_rnn_1", "f1_1")])
        meta = {"model": "attentivechrome_diff", "variant": "attentivechrome_diff", "bins": 7, "marks": 5,
                "hidden1": 4, "hidden2": 2}
        tensors = (self.tensors_of(cells["a"].state_dict(), "cell_a.") +
                   self.tensors_of(cells["b"].state_dict(), "cell_b."))
        checkpoint.write_checkpoint(self.p("ac.bin"), meta, tensors)
        rc, out, err = call_main(deepdiff_to_torch.main, self.p("ac.bin"), self.p("ac.pt"))
        self.assertEqual(rc, 0, err)
        back = torch.load(self.p("ac.pt"), weights_only=True)
        self.assertEqual(list(back), ["cell_a", "cell_b"])
        for cell in ("a", "b"):
            src = cells[cell].state_dict()
            self.assertEqual(list(back["cell_" + cell]), list(src))
            for k in src:
                self.assertTrue(torch.equal(back["cell_" + cell][k], src[k]), (cell, k))
            ddt.AttentiveChrome(7, 5, 4, cell=cell).load_state_dict(back["cell_" + cell], strict=True)
        # cell B's tensor missing: named with its cell; a tensor outside both cells: refused
        for tens, needle in (([t for t in tensors if t[0] != "cell_b.f1_1.bias"], "missing parameter f1_1.bias"),
                             (tensors + [("f1_1.bias", (1,), [0.0])], "outside cell_a.* and cell_b.*")):
            checkpoint.write_checkpoint(self.p("bad.bin"), meta, tens)
            rc, _, err = call_main(deepdiff_to_torch.main, self.p("bad.bin"), self.p("bad.pt"))
            self.assertEqual(rc, 1, err)
            self.assertIn(needle, err)
            if "missing" in needle:
                self.assertIn("cell B", err)
        # a DeepDiff variant's checkpoint naming its kind in "model" converts as before
        sd = seeded_model("raw_d", n_bins=7, hidden1=4).state_dict()
        checkpoint.write_checkpoint(self.p("rd.bin"), {"model": "raw_d", "variant": "raw_d", "bins": 7, "marks": 5,
                                                       "hidden1": 4, "hidden2": 2}, self.tensors_of(sd))
        rc, _, err = call_main(deepdiff_to_torch.main, self.p("rd.bin"), self.p("rd.pt"))
        self.assertEqual(rc, 0, err)
        self.assertEqual(list(torch.load(self.p("rd.pt"), weights_only=True)), list(sd))

    # ---- against the C++ program --------------------------------------------------------

    BINS = 20

    def cli(self, *args):
        exe = find_cli()
        if exe is None:
            self.skipTest("no deepdiff program (build the deepdiff_cli target, or set DEEPDIFF_CLI)")
        p = subprocess.run([exe] + [str(a) for a in args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True)
        self.assertEqual(p.returncode, 0, "%s %s\n%s%s" % (exe, " ".join(map(str, args)), p.stdout, p.stderr))

    def trained(self, model_name, *extra):
        """Synthetic data at T = 20, one epoch of `model_name`, its test-split predictions:
        (checkpoint path, genes, xa, xb, rows of predictions.csv by gene)."""
        data, run = self.p("data"), self.p("run")
        self.cli("synth", "--genes", 40, "--bins", self.BINS, "--seed", 2, "--out", data)
        self.cli("train", "--model-name", model_name, "--data-root", data, "--save-root", run, "--epochs", 1,
                 "--seed", 3, "--no-plots", "--no-alpha-csv", "--quiet", *extra)
        ck = os.path.join(run, "checkpoint.bin")
        self.cli("predict", "--checkpoint", ck, "--data-root", data, "--split", "test", "--out", self.p("p.csv"))
        genes, xa = read_split_csv(os.path.join(data, "Cell1.test.csv"), self.BINS)
        genes_b, xb = read_split_csv(os.path.join(data, "Cell2.test.csv"), self.BINS)
        self.assertEqual(genes, genes_b)
        with open(self.p("p.csv"), newline="") as f:
            # its first line, a '#' comment, says what y is
            rows = {r["gene_id"]: r for r in csv.DictReader(line for line in f if not line.startswith("#"))}
        self.assertEqual(sorted(rows), sorted(genes))
        return ck, genes, xa, xb, rows

    def assert_same_predictions(self, what, genes, torch_pred, rows, column, scale=None):
        # float32 on both sides, different summation orders: 1e-5 of the predictions' scale
        # (measured: <= 3e-7); a wrong layout, cell or name would be off by O(1).
        got = torch.tensor([float(rows[g][column]) for g in genes], dtype=torch.float64)
        want = torch_pred.reshape(-1).double()
        scale = float(want.abs().max()) if scale is None else scale
        err = float((got - want).abs().max()) / scale
        sys.stderr.write("%s: max |deepdiff - torch| / scale = %.2e over %d genes\n" % (what, err, len(genes)))
        self.assertLessEqual(err, 1e-5, what)
        self.assertGreater(float(want.abs().max()), 0.0)

    def test_deepchrome_export_predicts_as_cpp(self):
        ck, genes, xa, xb, rows = self.trained("deepchrome")
        rc, _, err = call_main(deepdiff_to_torch.main, ck, self.p("dc.pt"))
        self.assertEqual(rc, 0, err)
        model = ddt.DeepChrome(n_bins=self.BINS, n_hms=5)
        model.load_state_dict(torch.load(self.p("dc.pt"), weights_only=True), strict=True)
        model.eval()  # predict applies no dropout
        with torch.no_grad():
            pred = model(xa, xb)["pred"]
        self.assert_same_predictions("deepchrome", genes, pred, rows, "prediction")

    def test_attentivechrome_diff_export_predicts_as_cpp(self):
        ck, genes, xa, xb, rows = self.trained("attentivechrome_diff", "--hidden", 8)
        rc, _, err = call_main(deepdiff_to_torch.main, ck, self.p("ac.pt"))
        self.assertEqual(rc, 0, err)
        sds = torch.load(self.p("ac.pt"), weights_only=True)
        preds = {}
        for cell in ("a", "b"):
            model = ddt.AttentiveChrome(n_bins=self.BINS, n_hms=5, hidden1=8, cell=cell)
            model.load_state_dict(sds["cell_" + cell], strict=True)
            with torch.no_grad():
                preds[cell] = model(xa, xb)["pred"]
        self.assert_same_predictions("attentivechrome_diff cell A", genes, preds["a"], rows, "prediction_a")
        self.assert_same_predictions("attentivechrome_diff cell B", genes, preds["b"], rows, "prediction_b")
        # y = f_B - f_A, a difference of two nearly equal float32 numbers after one epoch: its
        # round-off is that of the terms, so it is measured on their scale
        scale = float(torch.cat([preds["a"], preds["b"]]).abs().max())
        self.assert_same_predictions("attentivechrome_diff y = f_B - f_A", genes, preds["b"] - preds["a"], rows,
                                     "prediction", scale)


class GoldenTest(unittest.TestCase):
    def test_golden_files_are_reproducible(self):
        cases = [("raw_d", "random"), ("aux_siamese", "random"), ("deepchrome", "random"),
                 ("attentivechrome_b", "random"), ("raw_d", "bf16")]
        if os.path.isdir(make_golden.DEFAULT_DATA):
            cases.append(("raw_d", "sample"))
        with tempfile.TemporaryDirectory() as tmp:
            for variant, case in cases:
                rc, out, err = run_tool("make_golden.py", "--seed", 1, "--out", tmp,
                                        "--variants", variant, "--cases", case)
                self.assertEqual(rc, 0, err)
                name = "%s.%s.txt" % (variant, case)
                fresh_meta, fresh = parse_golden(os.path.join(tmp, name))
                meta, committed = parse_golden(os.path.join(GOLDEN, name))
                self.assertEqual(fresh_meta, meta, name)
                self.assertEqual(list(fresh), list(committed), name)
                for k in committed:
                    self.assertIsNone(close_report(fresh[k], committed[k]), "%s: %s" % (name, k))

    def test_tolerance_catches_a_change(self):
        # the comparison above must be able to fail: one ulp-scale wobble passes, a 1e-9
        # relative change of one element does not, nor a NaN
        _, t = parse_golden(os.path.join(GOLDEN, "raw_d.random.txt"))
        ref = t["grad/fdiff1_1.weight"]
        self.assertIsNone(close_report(ref * (1 + 1e-15), ref))
        bent = ref.clone()
        bent.reshape(-1)[1] *= 1 + 1e-9
        self.assertIn("element 1", close_report(bent, ref))
        bent.reshape(-1)[1] = math.nan
        self.assertIn("element 1", close_report(bent, ref))
        self.assertIn("shape", close_report(ref.reshape(-1)[:1], ref))

    def test_blas_is_the_one_asked_for(self):
        # CI runs these tests once per BLAS: tests/CMakeLists.txt puts the BLAS's folder(s) in
        # LD_LIBRARY_PATH and in DEEPDIFF_EXPECT_BLAS. Make sure that one is really loaded.
        want = [os.path.realpath(d) for d in os.environ.get("DEEPDIFF_EXPECT_BLAS", "").split(":") if d]
        loaded = blas_in_use()
        sys.stderr.write("BLAS in use: %s\n" % ", ".join(loaded))
        if not want:
            self.skipTest("DEEPDIFF_EXPECT_BLAS not set")
        blas = [p for p in loaded if os.path.basename(p).startswith("libblas")]
        self.assertTrue(blas and all(os.path.dirname(p) in want for p in blas), "%s not from %s" % (loaded, want))

    def test_golden_files_are_consistent(self):
        for variant in ddt.VARIANTS:
            for case in make_golden.CASES:
                path = os.path.join(GOLDEN, "%s.%s.txt" % (variant, case))
                with self.subTest(file=path):
                    meta, t = parse_golden(path)
                    self.assertEqual(meta["variant"], variant)
                    self.assertEqual(meta["case"], case)
                    cfg = dict(kv.split("=") for kv in meta["config"].split())
                    model = ddt.build_model(variant, int(cfg["bins"]), int(cfg["marks"]),
                                            int(cfg["hidden1"]), int(cfg["hidden2"])).double()
                    names = list(model.state_dict())
                    self.assertEqual([k[6:] for k in t if k.startswith("param/")], names)
                    self.assertEqual([k[5:] for k in t if k.startswith("grad/")], names)
                    self.assertEqual([k[11:] for k in t if k.startswith("adam/param/")], names)
                    model.load_state_dict({k: t["param/" + k] for k in names}, strict=True)
                    # the file's forward values are what the model computes from the file's inputs
                    with torch.no_grad():
                        out = model(t["input/xa"], t["input/xb"])
                    for k, v in out.items():
                        self.assertIsNone(close_report(v, t["out/" + k]), k)
                    self.assertEqual(t["adam/loss"][0].item(), t["loss/total"].item())
                    y = t["target/y"].abs()
                    self.assertTrue(bool((y >= 2).any()) and bool((y < 2).any()))
                    self.assertTrue(bool((t["input/xa"] != t["input/xb"]).any()))
                    for k in ("loss/aux_a", "loss/aux_b", "out/pred_a"):
                        self.assertEqual(k in t, variant in ddt.AUX_VARIANTS, k)
                    for k in ("loss/contrastive", "out/emb_a", "out/emb_b"):
                        self.assertEqual(k in t, variant in ddt.SIAMESE_VARIANTS, k)

    def test_bf16_lstm_is_nn_lstm_without_rounding(self):
        # make_golden's bf16_lstm is nn.LSTM but for the rounding: without it, the same values;
        # with it, differences of bf16's size at both levels
        torch.manual_seed(3)
        for inputs in (1, 12):
            rnn = torch.nn.LSTM(inputs, 16, batch_first=True, bidirectional=True).double()
            x = torch.randn(3, 7, inputs, dtype=torch.float64)
            want, _ = rnn(x)
            self.assertLess(float((make_golden.bf16_lstm(rnn, x, rounding=False) - want).abs().max()), 1e-15)
            self.assertGreater(float((make_golden.bf16_lstm(rnn, x) - want).abs().max()), 1e-5)

    def test_bf16_golden_files_are_consistent(self):
        for variant in make_golden.BF16_VARIANTS:
            path = os.path.join(GOLDEN, "%s.bf16.txt" % variant)
            with self.subTest(file=path):
                meta, t = parse_golden(path)
                self.assertEqual((meta["variant"], meta["case"]), (variant, "bf16"))
                self.assertTrue(meta["precision"].startswith("bf16"))
                cfg = dict(kv.split("=") for kv in meta["config"].split())
                model = ddt.build_model(variant, int(cfg["bins"]), int(cfg["marks"]),
                                        int(cfg["hidden1"]), int(cfg["hidden2"])).double()
                names = list(model.state_dict())
                self.assertEqual([k[6:] for k in t if k.startswith("param/")], names)
                self.assertEqual([k[5:] for k in t if k.startswith("grad/")], names)
                model.load_state_dict({k: t["param/" + k] for k in names}, strict=True)
                with torch.no_grad():
                    plain = model(t["input/xa"], t["input/xb"])["pred"]
                    rounded = make_golden.use_bf16_lstms(model)(t["input/xa"], t["input/xb"])
                # the file holds the rounded model's values, which are not the plain model's
                for k, v in rounded.items():
                    self.assertIsNone(close_report(v, t["out/" + k]), k)
                self.assertIsNotNone(close_report(plain, t["out/pred"]))
        for variant in ddt.VARIANTS:
            if variant not in make_golden.BF16_VARIANTS:
                self.assertFalse(os.path.exists(os.path.join(GOLDEN, "%s.bf16.txt" % variant)))

    def test_baseline_golden_files_are_consistent(self):
        for variant in make_golden.BASELINE_VARIANTS:
            for case in make_golden.CASES:
                path = os.path.join(GOLDEN, "%s.%s.txt" % (variant, case))
                if (variant, case) in make_golden.SKIPPED:
                    self.assertFalse(os.path.exists(path), path)
                    continue
                with self.subTest(file=path):
                    meta, t = parse_golden(path)
                    self.assertEqual((meta["variant"], meta["case"]), (variant, case))
                    model, _, loss_fn, _ = make_golden.build(variant, make_golden.case_config(variant, case))
                    model.eval()
                    names = list(model.state_dict())
                    self.assertEqual([k[6:] for k in t if k.startswith("param/")], names)
                    self.assertEqual([k[5:] for k in t if k.startswith("grad/")], names)
                    self.assertEqual([k[11:] for k in t if k.startswith("adam/param/")], names)
                    model.load_state_dict({k: t["param/" + k] for k in names}, strict=True)
                    with torch.no_grad():
                        out = model(t["input/xa"], t["input/xb"])
                        loss = loss_fn(model, out, {k: t["target/" + k] for k in ("y", "ya", "yb")})
                    self.assertEqual(sorted("out/" + k for k in out), sorted(k for k in t if k.startswith("out/")))
                    for k, v in out.items():
                        self.assertIsNone(close_report(v, t["out/" + k]), k)
                    self.assertIsNone(close_report(loss["total"], t["loss/total"]))
                    self.assertEqual(t["adam/loss"][0].item(), t["loss/total"].item())
                    # the model reads its own cell: cell B's output does not depend on xa
                    if variant == "attentivechrome_b":
                        with torch.no_grad():
                            other = model(t["input/xb"], t["input/xb"])["pred"]
                        self.assertTrue(torch.equal(other, out["pred"]))
                    # every parameter gets a gradient somewhere (no dead layer in the test)
                    for k in names:
                        self.assertGreater(float(t["grad/" + k].abs().max()), 0.0, k)

    def test_golden_size_budget(self):
        # 7 MiB for the float64 cases, and one more for raw_d's bf16 case (646 KB)
        total = sum(os.path.getsize(os.path.join(GOLDEN, f)) for f in os.listdir(GOLDEN))
        self.assertLess(total, 8 * 1024 * 1024)


if __name__ == "__main__":
    unittest.main()
