#!/usr/bin/python3
"""torch_bench.py: PyTorch's time for the colorful network (the definition
in tests/parity/reference.py, which the parity test proves equal to the
engine's), or with --arch hints for the published SIGGRAPH17 at width 1
(tests/parity/siggraph17.py, which the siggraph17-import test checks; no
hints given, its ab head only), for bench_engine.c to compare with.

Inference: batch 1, eval, no_grad, float32, --threads threads; one warm-up,
then the median of --runs runs. With --train-batch B it also times one
training step (train mode, forward, backward of sum(out * R)).
Prints "pytorch_ms=<ms>" (and "pytorch_train_ms=<ms>"). Exit 3 when
PyTorch is missing."""
import argparse
import os
import statistics
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "parity"))
try:
    import torch
    from reference import Colorful, encode
    from siggraph17 import SIGGRAPH17
except ImportError as e:
    print("torch_bench: PyTorch is not available to %s (%s)" % (sys.executable, e), file=sys.stderr)
    sys.exit(3)


def median_ms(fn, runs):
    fn()  # warm-up
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", default="colorful", choices=("colorful", "hints"))
    ap.add_argument("--width", type=float, required=True)
    ap.add_argument("--size", type=int, required=True)
    ap.add_argument("--q", type=int, required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--train-batch", type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    if a.arch == "hints":
        if a.width != 1 or a.train_batch:
            sys.exit("torch_bench: --arch hints is the published network: width 1, inference only")
        net = SIGGRAPH17().float().eval()
        L = torch.rand(1, 1, a.size, a.size) * 100
        zero_ab, zero_mask = torch.zeros(1, 2, a.size, a.size), torch.zeros(1, 1, a.size, a.size)

        def infer_hints():
            with torch.no_grad():
                net(L, zero_ab, zero_mask)

        print("pytorch_ms=%.3f" % median_ms(infer_hints, a.runs), flush=True)
        return
    net = Colorful(a.width, a.size, a.q).float()
    L = torch.rand(1, 1, a.size, a.size) * 100
    x = torch.from_numpy(encode(Colorful, L.numpy()))
    net.eval()

    def infer():
        with torch.no_grad():
            net(x)

    print("pytorch_ms=%.3f" % median_ms(infer, a.runs), flush=True)
    if a.train_batch > 0:
        xb = x.repeat(a.train_batch, 1, 1, 1)
        net.train()
        R = torch.randn(net(xb).shape)

        def step():
            net.zero_grad()
            (net(xb) * R).sum().backward()

        print("pytorch_train_ms=%.3f" % median_ms(step, a.runs), flush=True)


if __name__ == "__main__":
    main()
