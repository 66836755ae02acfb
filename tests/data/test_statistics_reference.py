#!/usr/bin/python3
"""The study's statistics (include/deepdiff/data/statistics.hpp) against independent ones:
scipy.stats.wilcoxon(d[d != 0], alternative="greater", method="exact"), a numpy Holm written
here, and a numpy percentile bootstrap on the very resample indices the library draws (the
oracle program prints them); and the calibration figures (data/metrics.hpp) against
scipy.stats.spearmanr, numpy.polyfit's slope, R^2 and np.std written out in numpy. Tables are made here: random, with ties, with zero differences,
with constant resamples. Usage: test_statistics_reference.py PATH/TO/statistics_oracle
Exit 77 (skipped, saying why) without numpy or scipy."""
import json
import math
import subprocess
import sys
import warnings

try:
    import numpy as np
    from scipy import stats
except ImportError as e:
    print(f"skipped: {e} (apt-get install python3-numpy python3-scipy)")
    sys.exit(77)

ORACLE = sys.argv[1]
failures = []
checks = 0


def close(a, b, what, rel=1e-12):
    global checks
    checks += 1
    if a is None or b is None or (isinstance(b, float) and math.isnan(b)):
        ok = (a is None) == (b is None or (isinstance(b, float) and math.isnan(b)))
    else:
        ok = abs(a - b) <= rel * max(1.0, abs(a), abs(b))
    if not ok:
        failures.append(f"{what}: library {a}, reference {b}")


def run(requests):
    text = "\n".join(requests) + "\n"
    out = subprocess.run([ORACLE], input=text, capture_output=True, text=True, check=True).stdout
    return [json.loads(line) for line in out.splitlines()]


def fmt(v):
    return " ".join("nan" if math.isnan(x) else repr(float(x)) for x in v)


def pcc(a, b):
    if np.all(a == a[0]) or np.all(b == b[0]):
        return math.nan
    return float(np.corrcoef(a, b)[0, 1])


rng = np.random.default_rng(20)

# --- Wilcoxon: random, ties, zeros, all of one sign, the study's 10 pairs ---
cases = []
for n in list(range(1, 11)) + [10, 10, 10, 15, 25]:
    m = rng.normal(0.6, 0.1, n)
    k = m - rng.normal(0.05, 0.08, n)
    cases.append((m, k))
for n in (6, 10, 12):  # ties: differences on a coarse grid, and zeros
    m = np.round(rng.normal(0.6, 0.1, n), 2)
    k = m - np.round(rng.normal(0.01, 0.03, n), 2)
    cases.append((m, k))
cases.append((np.array([0.5, 0.6, 0.7, 0.8, 0.9]), np.array([0.4, 0.5, 0.6, 0.7, 0.8])))  # all +0.1: ties, p 1/32
cases.append((np.array([0.5, 0.6, 0.7]), np.array([0.5, 0.7, 0.6])))  # a zero and a tie of opposite signs
cases.append((np.array([0.3, 0.2, 0.1, 0.4]), np.array([0.5, 0.4, 0.3, 0.9])))  # all negative
got = run([f"wilcoxon {len(m)} {fmt(m)} {fmt(k)}" for m, k in cases])
for (m, k), g in zip(cases, got):
    d = m - k
    d = d[d != 0]
    if len(d) == 0:
        close(g["p"], None, "wilcoxon without non-zero differences")
        continue
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = stats.wilcoxon(d, alternative="greater", method="exact")
    close(g["statistic"], float(ref.statistic), f"W+ of {d}")
    close(g["p"], float(ref.pvalue), f"p of {d}")
    checks += 1
    if g["n"] != len(d):
        failures.append(f"n of {d}: {g['n']}")


# --- Holm: random, ties, NaN, ones ---
def holm_ref(p):
    p = np.asarray(p, float)
    out = np.full(len(p), np.nan)
    idx = np.where(~np.isnan(p))[0]
    order = idx[np.argsort(p[idx], kind="stable")]
    m = len(order)
    running = 0.0
    for i, j in enumerate(order):
        running = max(running, min(1.0, (m - i) * p[j]))
        out[j] = running
    return out


holm_cases = [rng.uniform(0, 1, 28), rng.uniform(0, 0.05, 10), np.array([0.01, 0.01, 0.04, 0.5, math.nan, 1.0]),
              np.array([0.001]), np.array([0.2, 0.01, 0.03, 0.03, 0.9])]
got = run([f"holm {len(p)} {fmt(p)}" for p in holm_cases])
for p, g in zip(holm_cases, got):
    ref = holm_ref(p)
    for i, (a, b) in enumerate(zip(g["p"], ref)):
        close(a, None if math.isnan(b) else float(b), f"holm {i} of {p}")

# --- bootstrap and paired bootstrap on the library's own resamples ---
R = 300
boot_cases = []
for n, seed in ((50, 1), (200, 7), (9, 3), (3, 11)):
    y = rng.normal(0, 2, n)
    a = y + rng.normal(0, 1.5, n)
    b = y + rng.normal(0, 2.5, n)
    boot_cases.append((seed, y, a, b))
y = np.round(rng.normal(0, 1, 40))  # ties in the target
boot_cases.append((5, y, y + np.round(rng.normal(0, 1, 40)), np.zeros(40) + 0.25 * (rng.uniform(0, 1, 40) < 0.1)))
reqs = []
for seed, y, a, b in boot_cases:
    n = len(y)
    reqs += [f"indices {seed} {R} {n}", f"bootstrap {seed} {R} {n} {fmt(a)} {fmt(y)}",
             f"paired {seed} {R} {n} {fmt(a)} {fmt(b)} {fmt(y)}"]
got = run(reqs)
for c, (seed, y, a, b) in enumerate(boot_cases):
    idx = np.array(got[3 * c]["idx"])
    bo, pa = got[3 * c + 1], got[3 * c + 2]
    if idx.shape != (R, len(y)) or idx.min() < 0 or idx.max() >= len(y):
        failures.append(f"indices of case {c}: shape {idx.shape}")
    pccs = np.array([pcc(a[i], y[i]) for i in idx])
    keep = pccs[~np.isnan(pccs)]
    close(bo["estimate"], pcc(a, y), f"estimate {c}")
    checks += 1
    if bo["resamples"] != len(keep):
        failures.append(f"bootstrap {c}: {bo['resamples']} defined resamples, reference {len(keep)}")
    if len(keep):
        close(bo["lo"], float(np.percentile(keep, 2.5)), f"bootstrap lo {c}")
        close(bo["hi"], float(np.percentile(keep, 97.5)), f"bootstrap hi {c}")
    deltas = np.array([pcc(a[i], y[i]) - pcc(b[i], y[i]) for i in idx])
    keep = deltas[~np.isnan(deltas)]
    close(pa["delta"], pcc(a, y) - pcc(b, y), f"delta {c}")
    if len(keep):
        close(pa["lo"], float(np.percentile(keep, 2.5)), f"paired lo {c}")
        close(pa["hi"], float(np.percentile(keep, 97.5)), f"paired hi {c}")
        # dPCC exactly 0 (both correlations +-1 on a tiny resample) is 0 or +-1e-16 depending on
        # the formula's rounding: the p must lie between the shares counted either way
        lo_p, hi_p = float(np.mean(keep <= -1e-12)), float(np.mean(keep <= 1e-12))
        checks += 1
        if not (lo_p - 1e-12 <= pa["p"] <= hi_p + 1e-12):
            failures.append(f"paired p {c}: library {pa['p']}, reference in [{lo_p}, {hi_p}]")
    else:
        close(pa["p"], None, f"paired p {c} (no defined resample)")

# --- calibration: Spearman (ties), R^2, slope of y on the prediction, the training-mean MSE, sds ---
score_cases = []
for n in (2, 3, 10, 200):
    y = rng.normal(0.3, 2.0, n)
    score_cases.append((0.6 * y + rng.normal(0, 1, n), y, 0.25))
y = np.round(rng.normal(0, 2, 60))  # ties in both series
score_cases.append((np.round(y + rng.normal(0, 1, 60)), y, -0.5))
score_cases.append((np.full(8, 0.1) + 1e-3 * rng.normal(0, 1, 8), rng.normal(0, 3, 8), 1.0))  # near-constant
score_cases.append((-3.0 * np.arange(6.0) + 100, np.arange(6.0) ** 3, 0.0))  # monotone, decreasing
got = run([f"scores {len(p)} {m!r} {fmt(p)} {fmt(y)}" for p, y, m in score_cases])
for c, ((p, y, m), g) in enumerate(zip(score_cases, got)):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rho = stats.spearmanr(p, y).correlation if len(p) > 2 else float(np.corrcoef(p, y)[0, 1])
    close(g["spearman"], float(rho), f"spearman {c}", rel=1e-10)
    close(g["slope"], float(np.polyfit(p, y, 1)[0]), f"slope {c}", rel=1e-8)
    close(g["r2"], float(1 - np.sum((y - p) ** 2) / np.sum((y - y.mean()) ** 2)), f"r2 {c}", rel=1e-10)
    close(g["mse_train_mean"], float(np.mean((y - m) ** 2)), f"mse_train_mean {c}", rel=1e-12)
    close(g["sd_prediction"], float(np.std(p)), f"sd_prediction {c}", rel=1e-10)
    close(g["sd_target"], float(np.std(y)), f"sd_target {c}", rel=1e-10)

print(f"{checks} checks, {len(failures)} failures")
for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
