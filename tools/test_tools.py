#!/usr/bin/env python3
"""Tests of the Python tools: the PyTorch model, the checkpoint converters, the golden files.

    /usr/bin/python3 -m unittest tools/test_tools.py      (from the repository root)
    /usr/bin/python3 tools/test_tools.py                   (from anywhere)

Needs PyTorch (Debian's python3-torch on this machine, hence /usr/bin/python3). The
sample-data checks skip when data/deepdiff-sample is absent.
"""

import contextlib
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


class GoldenTest(unittest.TestCase):
    def test_golden_files_are_reproducible(self):
        cases = [("raw_d", "random"), ("aux_siamese", "random")]
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

    def test_golden_size_budget(self):
        total = sum(os.path.getsize(os.path.join(GOLDEN, f)) for f in os.listdir(GOLDEN))
        self.assertLess(total, 7 * 1024 * 1024)


if __name__ == "__main__":
    unittest.main()
