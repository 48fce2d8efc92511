#!/usr/bin/python3
"""Reference values for test_optim.c from PyTorch's own optimisers and
schedulers. Deterministic inputs: p0[i] = sin(0.3 i), g_t[i] = cos(0.7 i + t)
for steps t = 1..K. Prints one line per case: a name, then the values."""
import math
import sys

try:
    import torch
except ImportError as e:
    sys.stderr.write("torch_optim.py: PyTorch is not importable: %s\n" % e)
    sys.exit(2)

N, K = 37, 6


def run(name, make):
    p = torch.tensor([math.sin(0.3 * i) for i in range(N)], dtype=torch.float32,
                     requires_grad=True)
    opt = make([p])
    for t in range(1, K + 1):
        p.grad = torch.tensor([math.cos(0.7 * i + t) for i in range(N)],
                              dtype=torch.float32)
        opt.step()
    print(name, " ".join("%.9e" % v for v in p.detach().tolist()))


def adam(lr, b1, b2, eps, wd):
    return lambda ps: torch.optim.Adam(ps, lr=lr, betas=(b1, b2), eps=eps,
                                       weight_decay=wd, foreach=False)


def sgd(lr, mu, wd):
    return lambda ps: torch.optim.SGD(ps, lr=lr, momentum=mu, weight_decay=wd,
                                      foreach=False)


run("adam", adam(1e-2, 0.9, 0.999, 1e-8, 0.0))
run("adam_wd", adam(3e-3, 0.5, 0.99, 1e-6, 0.1))
run("sgd", sgd(0.05, 0.9, 0.0))
run("sgd_wd", sgd(0.1, 0.8, 0.01))


def lrs(name, make_sched, steps):
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.1)
    sched = make_sched(opt)
    out = []
    for _ in range(steps):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    print(name, " ".join("%.9e" % v for v in out))


T = 100
lrs("step", lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=T // 3, gamma=0.1), T)
lrs("cosine", lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=T, eta_min=0.1 * 0.05), T)
# The engine's one-cycle floor is lr/final_div; torch's is lr/(div*final_div_factor).
lrs("onecycle", lambda o: torch.optim.lr_scheduler.OneCycleLR(
    o, max_lr=0.1, total_steps=T, pct_start=0.3, div_factor=25.0,
    final_div_factor=1e4 / 25.0, anneal_strategy="cos"), T)
