#!/usr/bin/env python3
"""Time the PyTorch reference (tools/deepdiff_torch.py) on the published training step, for
benchmarks/bench_train.cpp, which runs this in the same session to print ratios.

    /usr/bin/python3 tools/bench_torch.py --variant raw_d --threads 1 --steps 3 [--autocast]

One training step = forward + loss + backward + clip_grad_norm_(1.0) + Adam on a batch of
--batch genes x --bins bins x 5 marks (counts-like random data). Inference = forward under
torch.no_grad(). --autocast runs forward and loss (training and inference) under
torch.autocast("cpu", dtype=torch.bfloat16), PyTorch's bf16 mixed precision, the counterpart of
`deepdiff train --precision bf16`. Prints one JSON object: ms per gene per training step,
inference genes/s.
"""
import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import deepdiff_torch as ddt  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--variant", default="raw_d")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--batch", type=int, default=10)
    ap.add_argument("--bins", type=int, default=200)
    ap.add_argument("--autocast", action="store_true", help="bf16 autocast on the CPU")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    model = ddt.init_uniform_(ddt.build_model(a.variant, n_bins=a.bins))
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    g = torch.Generator().manual_seed(2)
    xa = torch.poisson(torch.full((a.batch, a.bins, 5), 3.0), generator=g)
    xb = torch.poisson(torch.full((a.batch, a.bins, 5), 3.0), generator=g)
    t = ddt.make_targets(torch.randint(0, 500, (a.batch,), generator=g).float(),
                         torch.randint(0, 500, (a.batch,), generator=g).float())
    t = {k: v.float() for k, v in t.items()}

    def mixed():
        return torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.autocast)

    def step():
        opt.zero_grad()
        with mixed():
            loss = ddt.deepdiff_loss(model, model(xa, xb), t)["total"]
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    step()  # warm-up
    times = []
    for _ in range(a.steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    train = min(times)
    with torch.no_grad(), mixed():
        model(xa, xb)
        inf = []
        for _ in range(max(a.steps, 2)):
            t0 = time.perf_counter()
            model(xa, xb)
            inf.append(time.perf_counter() - t0)
    print(json.dumps({"variant": a.variant, "threads": a.threads, "torch": torch.__version__, "autocast": a.autocast,
                      "ms_per_gene_step": 1e3 * train / a.batch,
                      "inference_genes_per_s": a.batch / min(inf)}))


if __name__ == "__main__":
    main()
