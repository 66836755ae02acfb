#!/usr/bin/python3
"""deepdiff train --expression-scale (include/deepdiff/data/expression_scale.hpp) against numpy, on
the real E003 and E037 columns of Roadmap's expression matrix (data/roadmap/57epigenomes.N.pc.gz,
raw counts; E003 sums to 2.11e8, E037 to 5.84e7).

A data root is made here: E003.expr.csv and E037.expr.csv hold every gene of the two columns;
the split files hold 60 train, 20 valid and 20 test genes of those both cells express (counts
>= 50), with small made-up marks (2 bins). The real program trains one epoch on it with each
scale, and what it records is compared with numpy:
  - size-factors: DESeq2's median of ratios, written here in numpy (log geometric mean per gene
    over the genes with both counts > 0, s_j = exp(median(log k_j - loggeomean))), to 1e-12
    relative, as metrics.json and checkpoint.bin record them;
  - cpm: each column's sum / 1e6, to 1e-12 relative;
  - every test target of predictions.csv, and metrics.json's median_y_train, against
    y = log2((eB/sB + 1) / (eA/sA + 1)) computed here with numpy's factors;
  - the depth warning on stderr with none (the median y of the training genes is far below 0)
    and none with size-factors;
  - eval and predict on the size-factors run use its scale (the same targets, the same PCC);
  - a --resume with another scale is refused (exit 2) naming --expression-scale.
It prints the median y over the genes with both counts >= 50 under each scale (docs/usage.md
quotes them).

Usage: test_expression_scale_reference.py PATH/TO/deepdiff DATA/roadmap WORKDIR
Exit 77 (skipped, saying why) without numpy or without the expression matrix."""
import csv
import gzip
import json
import math
import os
import shutil
import subprocess
import sys

try:
    import numpy as np
except ImportError as e:
    print(f"skipped: {e} (apt-get install python3-numpy)")
    sys.exit(77)

BIN, ROADMAP, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
MATRIX = os.path.join(ROADMAP, "57epigenomes.N.pc.gz")
if not os.path.exists(MATRIX):
    print(f"skipped: {MATRIX} is not there")
    sys.exit(77)

failures = []
checks = 0


def check(ok, what):
    global checks
    checks += 1
    if not ok:
        failures.append(what)


def close(a, b, what, rel=1e-12):
    check(abs(a - b) <= rel * max(1.0, abs(a), abs(b)), f"{what}: program {a!r}, numpy {b!r}")


# --- the two columns, as text (written back unchanged) and as numbers ---
with gzip.open(MATRIX, "rt") as f:
    header = f.readline().rstrip("\n").split("\t")
    ia, ib = header.index("E003"), header.index("E037")
    ids, ta, tb = [], [], []
    for line in f:
        p = line.rstrip("\n").split("\t")
        if len(p) < len(header):
            continue
        ids.append(p[0])
        ta.append(p[ia])
        tb.append(p[ib])
ka = np.array([float(x) for x in ta])
kb = np.array([float(x) for x in tb])
print(f"{len(ids)} genes; E003 sums to {ka.sum():.4g}, E037 to {kb.sum():.4g}")

# --- numpy's references ---
both = (ka > 0) & (kb > 0)
k = np.stack([ka[both], kb[both]], axis=1)
loggeomean = np.log(k).mean(axis=1)
sf = np.exp(np.median(np.log(k) - loggeomean[:, None], axis=0))
cpm = np.array([ka.sum() / 1e6, kb.sum() / 1e6])
print(f"size factors over the {int(both.sum())} genes with both counts > 0: E003 {sf[0]!r}, E037 {sf[1]!r}")


def y_of(a, b, s):
    return np.log2((b / s[1] + 1.0) / (a / s[0] + 1.0))


expressed = (ka >= 50) & (kb >= 50)
medians = {name: float(np.median(y_of(ka[expressed], kb[expressed], s)))
           for name, s in (("none", np.array([1.0, 1.0])), ("cpm", cpm), ("size-factors", sf))}
print(f"median y (E037 over E003) over the {int(expressed.sum())} genes with both counts >= 50: " +
      ", ".join(f"{n} {v:.4f}" for n, v in medians.items()))
print(f"median y over the {int(both.sum())} genes with both > 0, size-factors: "
      f"{float(np.median(y_of(ka[both], kb[both], sf))):.3g}")
# The data the numbers of docs/usage.md were measured on.
check(len(ids) == 19795 and int(both.sum()) == 15693 and int(expressed.sum()) == 11728,
      f"the matrix is not the one measured: {len(ids)} genes, {int(both.sum())} > 0, {int(expressed.sum())} >= 50")
close(sf[0], 2.0604038942347853, "numpy's E003 size factor vs the value measured before", 1e-9)
check(medians["none"] < -1.9 and abs(medians["size-factors"]) < 0.2 and abs(medians["cpm"]) < 0.2,
      f"medians unlike those measured: {medians}")

# --- a small data root: every gene in the expression tables, 100 in the splits ---
if os.path.exists(WORK):
    shutil.rmtree(WORK)
root = os.path.join(WORK, "data")
os.makedirs(root)
for cell, col in (("E003", ta), ("E037", tb)):
    with open(os.path.join(root, f"{cell}.expr.csv"), "w") as f:
        f.writelines(f"{g},{v}\n" for g, v in zip(ids, col))
pool = np.flatnonzero(expressed)
chosen = pool[np.linspace(0, len(pool) - 1, 100).round().astype(int)]  # spread over the file, deterministic
splits = {"train": chosen[0::5].tolist() + chosen[1::5].tolist() + chosen[2::5].tolist(),
          "valid": chosen[3::5].tolist(), "test": chosen[4::5].tolist()}
rng = np.random.default_rng(25)
for split, genes in splits.items():
    for cell in ("E003", "E037"):
        with open(os.path.join(root, f"{cell}.{split}.csv"), "w") as f:
            for g in genes:
                for b in (1, 2):
                    f.write(f"{ids[g]}_G{g}_{b}," + ",".join(str(int(v)) for v in rng.integers(0, 20, 5)) + "\n")
train_genes = np.array(splits["train"])
median_train = {n: float(np.median(y_of(ka[train_genes], kb[train_genes], s)))
                for n, s in (("none", np.array([1.0, 1.0])), ("size-factors", sf))}
# The premise of the warning checks below.
check(median_train["none"] < -0.5 and abs(median_train["size-factors"]) <= 0.5,
      f"the chosen training genes do not test the warning: {median_train}")


def run(args, expect=0):
    r = subprocess.run([BIN] + args, capture_output=True, text=True)
    if r.returncode != expect:
        failures.append(f"{' '.join(args)}: exit {r.returncode}, expected {expect}\n{r.stdout}{r.stderr}")
    return r


def train(scale, extra=()):
    out = os.path.join(WORK, scale)
    r = run(["train", "--data-root", root, "--cell-1", "E003", "--cell-2", "E037", "--save-root", out, "--epochs", "1",
             "--hidden", "2", "--no-plots", "--no-alpha-csv", "--threads", "1", "--expression-scale", scale, *extra])
    with open(os.path.join(out, "metrics.json")) as f:
        return out, r, json.load(f)["settings"]


def checkpoint_meta(path):
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
    import checkpoint  # tools/checkpoint.py: the format's independent reader
    return checkpoint.read_checkpoint(path).meta


def targets(path):
    with open(path) as f:
        # the first line, a '#' comment, says what y is
        return {row["gene_id"]: float(row["target"]) for row in csv.DictReader(ln for ln in f if not ln.startswith("#"))}


# size-factors: the factors, the targets, no warning
out, r, st = train("size-factors")
check(st["expression_scale"] == "size-factors", f"metrics.json expression_scale {st.get('expression_scale')}")
close(st["expression_divisor_1"], sf[0], "E003's size factor (metrics.json)")
close(st["expression_divisor_2"], sf[1], "E037's size factor (metrics.json)")
close(st["median_y_train"], median_train["size-factors"], "median_y_train (size-factors)")
meta = checkpoint_meta(os.path.join(out, "checkpoint.bin"))
check(meta.get("expression_scale") == "size-factors", f"checkpoint.bin meta {dict(meta)}")
close(float(meta["expression_divisor_a"]), sf[0], "E003's size factor (checkpoint.bin)")
close(float(meta["expression_divisor_b"]), sf[1], "E037's size factor (checkpoint.bin)")
# (a one-epoch run predicts a near-constant, which is warned about too: only the depth warning counts)
check("warning: the median target y" not in r.stderr, f"a depth warning with size-factors: {r.stderr!r}")
got = targets(os.path.join(out, "predictions.csv"))
index = {g: i for i, g in enumerate(ids)}
check(len(got) == 20, f"predictions.csv has {len(got)} test genes")
for g, t in got.items():
    i = index[g]
    close(t, float(y_of(ka[i], kb[i], sf)), f"test target of {g} (size-factors)")
median_sf_program = float(np.median(y_of(ka[expressed], kb[expressed],
                                         np.array([st["expression_divisor_1"], st["expression_divisor_2"]]))))
close(median_sf_program, medians["size-factors"], "median y over the genes >= 50 from the program's factors", 1e-9)
print(f"program's size factors: E003 {st['expression_divisor_1']!r}, E037 {st['expression_divisor_2']!r}; "
      f"median y over the 11728 genes >= 50 from them: {median_sf_program:.4f}")

# eval and predict of that run: the same scale, the same targets and PCC
ej = os.path.join(WORK, "eval.json")
run(["eval", "--checkpoint", os.path.join(out, "checkpoint.bin"), "--data-root", root, "--cell-1", "E003",
     "--cell-2", "E037", "--split", "test", "--json", ej])
with open(ej) as f:
    ev = json.load(f)
with open(os.path.join(out, "metrics.json")) as f:
    test_pcc = json.load(f)["test"]["pcc"]
check(ev.get("expression_scale") == "size-factors" and ev["expression_divisor_1"] == st["expression_divisor_1"]
      and ev["expression_divisor_2"] == st["expression_divisor_2"], f"eval's scale {ev}")
close(ev["pcc"], test_pcc, "eval's test PCC vs train's", 1e-9)
pp = os.path.join(WORK, "predict.csv")
run(["predict", "--checkpoint", os.path.join(out, "checkpoint.bin"), "--data-root", root, "--cell-1", "E003",
     "--cell-2", "E037", "--split", "test", "--out", pp])
check(targets(pp) == got, "predict's targets differ from train's predictions.csv")

# a resume with another scale is refused, naming the flag
r = run(["train", "--data-root", root, "--cell-1", "E003", "--cell-2", "E037", "--save-root", out, "--epochs", "2",
         "--hidden", "2", "--no-plots", "--threads", "1", "--resume"], expect=2)
check("--expression-scale: size-factors in the state file, none now" in r.stderr, f"resume refusal: {r.stderr!r}")

# cpm: each table's sum / 1e6
out, r, st = train("cpm")
close(st["expression_divisor_1"], cpm[0], "E003's cpm divisor")
close(st["expression_divisor_2"], cpm[1], "E037's cpm divisor")

# none: the paper's targets, and the warning that says what they measure
out, r, st = train("none")
check(st["expression_scale"] == "none" and st["expression_divisor_1"] == 1 and st["expression_divisor_2"] == 1,
      f"none's settings {st}")
close(st["median_y_train"], median_train["none"], "median_y_train (none)")
want = (f"warning: the median target y over the 60 training genes is {median_train['none']:.2f} (E037 over E003): "
        "y mostly measures the cells' sequencing depth; --expression-scale size-factors corrects it")
check(want in r.stderr, f"the depth warning with none: stderr {r.stderr!r}, expected {want!r}")
check("expression_scale" not in checkpoint_meta(os.path.join(out, "checkpoint.bin")),
      "a none checkpoint records an expression scale")
for g, t in targets(os.path.join(out, "predictions.csv")).items():
    i = index[g]
    close(t, float(np.log2((kb[i] + 1.0) / (ka[i] + 1.0))), f"test target of {g} (none)")

print(f"{checks} checks, {len(failures)} failures")
for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
