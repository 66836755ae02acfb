"""Train a DeepDiff variant with PyTorch, following the published recipe.

The reference implementation's side of a results table: the same data, split and recipe as
the C++ trainer, run through tools/deepdiff_torch.py (which is written from
docs/deepdiff-spec.md, "Training, as published"). Run it with /usr/bin/python3 (Debian's
python3-torch).

    /usr/bin/python3 tools/train_torch.py --data-root DIR --cell-1 Cell1 --cell-2 Cell2 \
        --model-name raw_d --epochs 120 --lr 1e-4 --batch-size 10 --seed 1 --threads 1 \
        --save-root OUT

Data (the public CSV layout): DIR/CELL.{train,valid,test}.csv, rows
`ENSGID_SYMBOL_BIN,c1..c5`, 200 consecutive rows per gene, both cells listing the same genes
in the same order; DIR/CELL.expr.csv rows `ENSGID,count`. Cell 1 is A, cell 2 is B:
y = log2((eB+1)/(eA+1)), yA = log2(eA+1), yB = log2(eB+1).

Recipe: float32 model; torch.manual_seed(seed), then every parameter uniform(-0.1, 0.1);
Adam(lr), default betas (0.9, 0.999) and eps 1e-8; batches of batch-size genes, the training
genes reshuffled every epoch by torch.randperm drawing from a torch.Generator seeded with
`seed` (its own generator, so the order does not depend on how many numbers the
initialization drew); the variant's loss (deepdiff_torch.deepdiff_loss: MSE(y)
[+ MSE(yA) + MSE(yB)] [+ 4 * contrastive]); clip_grad_norm_(parameters, 1.0) before every
step. After each epoch: validation PCC (numpy Pearson, float64) and MSE of y; the epoch with
the best validation PCC (ties: the later; a NaN PCC never wins) is kept (a copy of its
state_dict) and scored on the test split (PCC, MSE).

Per epoch it prints one line: mean batch loss, train PCC (of the predictions made while
training, as the public code does), valid PCC, valid MSE, training seconds (forward,
backward, clipping and step only) and validation seconds.

Outputs in --save-root (rewritten after every epoch, so a stopped run leaves its progress):
  metrics.json   settings, best_epoch, best_valid_pcc, epochs [{epoch, train_loss, train_pcc,
                 valid_pcc, valid_mse, train_seconds, train_cpu_seconds, valid_seconds}], test
                 {pcc, mse} (null until the end), torch_version, seconds_per_gene_step
                 (total train wall seconds / (epochs run * training genes)),
                 cpu_seconds_per_gene_step (the same with process CPU time, less sensitive to
                 other load on the machine), stopped_early (false, or why)
  best_model.pt  state_dict of the best epoch (loads into deepdiff_torch.build_model(variant)
                 and converts with tools/torch_to_deepdiff.py)
  test_predictions.csv  gene, y, pred for the test split, from the best epoch

--max-train-minutes M stops before an epoch that would end after M minutes of wall time
(estimated from the mean epoch so far) and scores the best epoch reached; the JSON records
the number of epochs run and stopped_early.

Exit status: 0 done, 1 data error (message on stderr naming the file), 2 usage error.
"""

import argparse
import copy
import csv
import json
import math
import os
import platform
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import deepdiff_torch  # noqa: E402


class DataError(Exception):
    pass


def read_marks(path, bins, marks):
    """CELL.split.csv -> (gene ids, float32 array [genes, bins, marks])."""
    genes, rows = [], []
    try:
        with open(path, newline="") as f:
            for lineno, row in enumerate(csv.reader(f), 1):
                if not row:
                    continue
                if len(row) != 1 + marks:
                    raise DataError("%s:%d: expected %d fields, got %d"
                                    % (path, lineno, 1 + marks, len(row)))
                parts = row[0].split("_")
                gene = parts[0]
                try:
                    b = int(parts[-1])
                    values = [float(v) for v in row[1:]]
                except ValueError:
                    raise DataError("%s:%d: not a number in %r" % (path, lineno, row))
                want_bin = len(rows) % bins + 1
                if b != want_bin:
                    raise DataError("%s:%d: expected bin %d, got %d" % (path, lineno, want_bin, b))
                if want_bin == 1:
                    genes.append(gene)
                elif gene != genes[-1]:
                    raise DataError("%s:%d: gene %s inside gene %s"
                                    % (path, lineno, gene, genes[-1]))
                rows.append(values)
    except OSError as e:
        raise DataError("cannot read %s: %s" % (path, e))
    if not rows:
        raise DataError("%s: no rows" % path)
    if len(rows) % bins:
        raise DataError("%s: last gene %s has %d bins, expected %d"
                        % (path, genes[-1], len(rows) % bins, bins))
    x = np.asarray(rows, dtype=np.float32).reshape(len(genes), bins, marks)
    return genes, x


def read_expr(path, genes):
    want, found = set(genes), {}
    try:
        with open(path, newline="") as f:
            for lineno, row in enumerate(csv.reader(f), 1):
                if row and row[0] in want:
                    try:
                        found[row[0]] = float(row[1])
                    except (IndexError, ValueError):
                        raise DataError("%s:%d: bad expression row %r" % (path, lineno, row))
    except OSError as e:
        raise DataError("cannot read %s: %s" % (path, e))
    missing = [g for g in genes if g not in found]
    if missing:
        raise DataError("%s: no expression for %d genes (%s%s)"
                        % (path, len(missing), ", ".join(missing[:5]),
                           ", ..." if len(missing) > 5 else ""))
    return np.asarray([found[g] for g in genes], dtype=np.float64)


def load_split(root, cell_a, cell_b, split, bins, marks, expr_a, expr_b):
    path_a = os.path.join(root, "%s.%s.csv" % (cell_a, split))
    path_b = os.path.join(root, "%s.%s.csv" % (cell_b, split))
    genes_a, xa = read_marks(path_a, bins, marks)
    genes_b, xb = read_marks(path_b, bins, marks)
    if genes_a != genes_b:
        diff = next(i for i in range(min(len(genes_a), len(genes_b)) + 1)
                    if i >= min(len(genes_a), len(genes_b)) or genes_a[i] != genes_b[i])
        raise DataError("%s and %s list different genes (%d vs %d genes; first difference at "
                        "gene %d)" % (path_a, path_b, len(genes_a), len(genes_b), diff + 1))
    ea = read_expr(expr_a, genes_a)
    eb = read_expr(expr_b, genes_a)
    targets = deepdiff_torch.make_targets(torch.from_numpy(ea), torch.from_numpy(eb))
    return {"name": split, "genes": genes_a,
            "xa": torch.from_numpy(xa), "xb": torch.from_numpy(xb),
            "y": targets["y"].float(), "ya": targets["ya"].float(), "yb": targets["yb"].float()}


def pearson(pred, target):
    p = np.asarray(pred, dtype=np.float64).reshape(-1)
    t = np.asarray(target, dtype=np.float64).reshape(-1)
    if p.size < 2 or np.std(p) == 0 or np.std(t) == 0:
        return float("nan")
    return float(np.corrcoef(p, t)[0, 1])


def mse(pred, target):
    p = np.asarray(pred, dtype=np.float64).reshape(-1)
    t = np.asarray(target, dtype=np.float64).reshape(-1)
    return float(np.mean((p - t) ** 2))


def batch_targets(data, idx):
    return {"y": data["y"][idx], "ya": data["ya"][idx], "yb": data["yb"][idx]}


def predict(model, data, batch_size):
    model.eval()
    preds = []
    with torch.no_grad():
        n = len(data["genes"])
        for s in range(0, n, batch_size):
            out = model(data["xa"][s:s + batch_size], data["xb"][s:s + batch_size])
            preds.append(out["pred"].reshape(-1).double().numpy())
    model.train()
    return np.concatenate(preds)


def train_epoch(model, opt, data, batch_size, generator, clip):
    """One epoch; returns (mean batch loss, predictions, targets in training order, wall
    seconds, process CPU seconds)."""
    model.train()
    params = [p for p in model.parameters()]
    n = len(data["genes"])
    order = torch.randperm(n, generator=generator)
    loss_sum, batches = 0.0, 0
    preds, targets = [], []
    t0, c0 = time.perf_counter(), time.process_time()
    for s in range(0, n, batch_size):
        idx = order[s:s + batch_size]
        tg = batch_targets(data, idx)
        out = model(data["xa"][idx], data["xb"][idx])
        losses = deepdiff_torch.deepdiff_loss(model, out, tg)
        opt.zero_grad(set_to_none=False)
        losses["total"].backward()
        torch.nn.utils.clip_grad_norm_(params, clip)
        opt.step()
        loss_sum += float(losses["total"].detach())
        batches += 1
        preds.append(out["pred"].detach().reshape(-1).double().numpy())
        targets.append(tg["y"].reshape(-1).double().numpy())
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    return (loss_sum / max(batches, 1), np.concatenate(preds), np.concatenate(targets), seconds,
            cpu)


def json_num(v):
    if v is None:
        return None
    v = float(v)
    return v if math.isfinite(v) else None


def write_json(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=2, allow_nan=False)
        f.write("\n")
    os.replace(tmp, path)


def parse_args(argv):
    ap = argparse.ArgumentParser(
        description="Train a DeepDiff variant with PyTorch on the public CSV layout, "
                    "following the published recipe; writes SAVE_ROOT/metrics.json.")
    ap.add_argument("--data-root", required=True, help="folder with CELL.{train,valid,test,expr}.csv")
    ap.add_argument("--cell-1", required=True, help="cell A (e.g. Cell1)")
    ap.add_argument("--cell-2", required=True, help="cell B (e.g. Cell2)")
    ap.add_argument("--model-name", required=True, choices=deepdiff_torch.VARIANTS)
    ap.add_argument("--epochs", type=int, default=120)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--batch-size", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    ap.add_argument("--save-root", required=True, help="output folder (created)")
    ap.add_argument("--bins", type=int, default=200)
    ap.add_argument("--marks", type=int, default=5)
    ap.add_argument("--hidden1", type=int, default=32, help="level-1 hidden size (H2 = H1/2)")
    ap.add_argument("--init-bound", type=float, default=0.1)
    ap.add_argument("--clip", type=float, default=1.0)
    ap.add_argument("--max-train-minutes", type=float, default=None,
                    help="stop before an epoch that would end after this much wall time")
    args = ap.parse_args(argv)
    for name in ("epochs", "batch_size", "threads", "bins", "marks", "hidden1"):
        if getattr(args, name) < 1:
            ap.error("--%s must be >= 1" % name.replace("_", "-"))
    if not args.lr > 0:
        ap.error("--lr must be > 0")
    return args


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    try:
        torch.set_num_interop_threads(args.threads)
    except RuntimeError:
        pass
    torch.set_default_dtype(torch.float32)
    t_start = time.perf_counter()

    expr_a = os.path.join(args.data_root, "%s.expr.csv" % args.cell_1)
    expr_b = os.path.join(args.data_root, "%s.expr.csv" % args.cell_2)
    try:
        splits = {s: load_split(args.data_root, args.cell_1, args.cell_2, s, args.bins,
                                args.marks, expr_a, expr_b)
                  for s in ("train", "valid", "test")}
    except DataError as e:
        print("train_torch.py: %s" % e, file=sys.stderr)
        return 1
    train, valid, test = splits["train"], splits["valid"], splits["test"]
    os.makedirs(args.save_root, exist_ok=True)

    torch.manual_seed(args.seed)
    model = deepdiff_torch.build_model(args.model_name, n_bins=args.bins, n_hms=args.marks,
                                       hidden1=args.hidden1).float()
    deepdiff_torch.init_uniform_(model, args.init_bound)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    shuffle_gen = torch.Generator().manual_seed(args.seed)
    n_params = sum(p.numel() for p in model.parameters())

    settings = dict(vars(args))
    settings.update({
        "hidden2": model.hidden2, "parameters": n_params, "dtype": "float32",
        "optimizer": "Adam(betas=(0.9, 0.999), eps=1e-8, weight_decay=0)",
        "init": "torch.manual_seed(seed); uniform(-%g, %g) on every parameter"
                % (args.init_bound, args.init_bound),
        "shuffle": "torch.randperm(n, generator=torch.Generator().manual_seed(seed)) each epoch",
        "genes": {k: len(v["genes"]) for k, v in splits.items()},
        "python": platform.python_version(), "numpy": np.__version__,
        "machine": platform.machine(), "command": " ".join(sys.argv),
    })
    print("train_torch: %s, %d parameters; genes train %d valid %d test %d; torch %s, %d thread(s)"
          % (args.model_name, n_params, len(train["genes"]), len(valid["genes"]),
             len(test["genes"]), torch.__version__, torch.get_num_threads()), flush=True)

    metrics = {"settings": settings, "best_epoch": None, "best_valid_pcc": None, "epochs": [],
               "test": None, "torch_version": torch.__version__, "seconds_per_gene_step": None,
               "stopped_early": False}
    metrics_path = os.path.join(args.save_root, "metrics.json")

    best = {"epoch": 0, "pcc": -math.inf, "state": None}
    total_train_seconds = total_train_cpu = 0.0
    t_loop = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        if args.max_train_minutes is not None and epoch > 1:
            elapsed = time.perf_counter() - t_loop
            per_epoch = elapsed / (epoch - 1)
            if elapsed + per_epoch > 60.0 * args.max_train_minutes:
                metrics["stopped_early"] = ("--max-train-minutes %g: %d epochs took %.0f s, "
                                            "the next would end at about %.0f s"
                                            % (args.max_train_minutes, epoch - 1, elapsed,
                                               elapsed + per_epoch))
                print("stopping: " + metrics["stopped_early"], flush=True)
                break
        loss, tr_pred, tr_target, tr_sec, tr_cpu = train_epoch(model, opt, train, args.batch_size,
                                                        shuffle_gen, args.clip)
        total_train_seconds += tr_sec
        total_train_cpu += tr_cpu
        t0 = time.perf_counter()
        v_pred = predict(model, valid, args.batch_size)
        v_sec = time.perf_counter() - t0
        v_target = valid["y"].reshape(-1).double().numpy()
        v_pcc, v_mse = pearson(v_pred, v_target), mse(v_pred, v_target)
        tr_pcc = pearson(tr_pred, tr_target)
        if not math.isnan(v_pcc) and v_pcc >= best["pcc"]:
            best = {"epoch": epoch, "pcc": v_pcc, "state": copy.deepcopy(model.state_dict())}
        metrics["epochs"].append({"epoch": epoch, "train_loss": json_num(loss),
                                  "train_pcc": json_num(tr_pcc), "valid_pcc": json_num(v_pcc),
                                  "valid_mse": json_num(v_mse), "train_seconds": tr_sec,
                                  "train_cpu_seconds": tr_cpu,
                                  "valid_seconds": v_sec})
        metrics["best_epoch"] = best["epoch"] or None
        metrics["best_valid_pcc"] = json_num(best["pcc"]) if best["epoch"] else None
        n_ep = len(metrics["epochs"])
        metrics["seconds_per_gene_step"] = total_train_seconds / (n_ep * len(train["genes"]))
        metrics["cpu_seconds_per_gene_step"] = total_train_cpu / (n_ep * len(train["genes"]))
        write_json(metrics_path, metrics)
        print("epoch %3d  loss %.5f  train PCC %.4f  valid PCC %.4f  valid MSE %.4f  "
              "train %.1f s (cpu %.1f s)  valid %.1f s  (best %d: %.4f)"
              % (epoch, loss, tr_pcc, v_pcc, v_mse, tr_sec, tr_cpu, v_sec, best["epoch"],
                 best["pcc"]),
              flush=True)

    if best["state"] is None:  # every validation PCC was NaN: keep the last epoch
        best = {"epoch": len(metrics["epochs"]), "pcc": float("nan"),
                "state": copy.deepcopy(model.state_dict())}
        metrics["best_epoch"] = best["epoch"] or None
    model.load_state_dict(best["state"])
    te_pred = predict(model, test, args.batch_size)
    te_target = test["y"].reshape(-1).double().numpy()
    metrics["test"] = {"pcc": json_num(pearson(te_pred, te_target)),
                       "mse": json_num(mse(te_pred, te_target))}
    metrics["total_train_seconds"] = total_train_seconds
    metrics["total_train_cpu_seconds"] = total_train_cpu
    metrics["wall_seconds"] = time.perf_counter() - t_start
    torch.save(best["state"], os.path.join(args.save_root, "best_model.pt"))
    with open(os.path.join(args.save_root, "test_predictions.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["gene", "y", "pred"])
        for g, t, p in zip(test["genes"], te_target, te_pred):
            w.writerow([g, repr(float(t)), repr(float(p))])
    write_json(metrics_path, metrics)
    nan = float("nan")
    print("best epoch %s (valid PCC %.4f); test PCC %.4f, test MSE %.4f; %.3e s per gene per "
          "training step; %.0f s in all"
          % (metrics["best_epoch"], best["pcc"],
             nan if metrics["test"]["pcc"] is None else metrics["test"]["pcc"],
             nan if metrics["test"]["mse"] is None else metrics["test"]["mse"],
             metrics["seconds_per_gene_step"], metrics["wall_seconds"]), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
