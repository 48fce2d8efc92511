#!/usr/bin/python3
"""The up-sampler alone, without a model's errors: each photo's true ab is
area-averaged to the network grid (long side 176, as colorful runs), then
brought back to full size bilinearly or by the fast guided filter guided by
the full-resolution L (an independent numpy version of engine/guided.c), and
compared with the true ab: RMSE of ab, and RMSE within 2 px of L edges
(|grad L| > 10), where bleeding shows.

usage: dev/upsample_oracle.py DIR [--side 176] [--max N] R:EPS ..."""
import sys, os
import numpy as np
from PIL import Image
from skimage import color

def area_down(x, ch, cw):
    h, w = x.shape
    ys = (np.arange(ch + 1) * h) // ch
    xs = (np.arange(cw + 1) * w) // cw
    c = np.cumsum(np.cumsum(np.pad(x, ((1, 0), (1, 0))), 0), 1)
    s = c[ys[1:]][:, xs[1:]] - c[ys[:-1]][:, xs[1:]] - c[ys[1:]][:, xs[:-1]] + c[ys[:-1]][:, xs[:-1]]
    return s / np.outer(np.diff(ys), np.diff(xs))

def coords(n_out, n_in):
    u = (np.arange(n_out) + 0.5) * n_in / n_out - 0.5
    return np.clip(u, 0, n_in - 1)

def bilinear(p, h, w):
    v, u = coords(h, p.shape[0]), coords(w, p.shape[1])
    y0, x0 = v.astype(int), u.astype(int)
    y1, x1 = np.minimum(y0 + 1, p.shape[0] - 1), np.minimum(x0 + 1, p.shape[1] - 1)
    fy, fx = (v - y0)[:, None], (u - x0)[None, :]
    top = p[y0][:, x0] * (1 - fx) + p[y0][:, x1] * fx
    bot = p[y1][:, x0] * (1 - fx) + p[y1][:, x1] * fx
    return top * (1 - fy) + bot * fy

def box(x, r):
    def line(a, axis):
        n = a.shape[axis]
        c = np.cumsum(np.insert(a, 0, 0, axis=axis), axis=axis)
        i = np.arange(n)
        lo, hi = np.maximum(i - r, 0), np.minimum(i + r, n - 1) + 1
        s = np.take(c, hi, axis=axis) - np.take(c, lo, axis=axis)
        cnt = (hi - lo).reshape([-1 if k == axis else 1 for k in range(a.ndim)])
        return s / cnt
    return line(line(x, 1), 0)

def guided(I, p, Ifull, r, eps):
    mI, mp = box(I, r), box(p, r)
    a = (box(I * p, r) - mI * mp) / (np.maximum(box(I * I, r) - mI * mI, 0) + eps)
    b = mp - a * mI
    h, w = Ifull.shape
    return bilinear(box(a, r), h, w) * Ifull + bilinear(box(b, r), h, w)

def detail(I, p, Ifull, r, eps):
    """bilinear p plus the window's slope times L's detail lost by the grid"""
    mI, mp = box(I, r), box(p, r)
    a = (box(I * p, r) - mI * mp) / (np.maximum(box(I * I, r) - mI * mI, 0) + eps)
    h, w = Ifull.shape
    return bilinear(p, h, w) + bilinear(box(a, r), h, w) * (Ifull - bilinear(I, h, w))

def main():
    args = sys.argv[1:]
    side, maxn, cfgs, d = 176, 10**9, [], None
    while args:
        a = args.pop(0)
        if a == '--side': side = int(args.pop(0))
        elif a == '--max': maxn = int(args.pop(0))
        elif ':' in a: cfgs.append(tuple(float(t) for t in a.split(':')[:2]) + (a.endswith(':d'),))
        else: d = a
    files = sorted(os.path.join(dp, f) for dp, _, fs in os.walk(d) for f in fs
                   if f.lower().endswith(('.png', '.jpg', '.jpeg', '.tif', '.bmp')))[:maxn]
    names = ['bilinear'] + ['%s r %d eps %g' % ('detail' if d else 'guided', r, e) for r, e, d in cfgs]
    se, sn, ee, en = np.zeros(len(names)), 0, np.zeros(len(names)), 0
    for f in files:
        lab = color.rgb2lab(np.asarray(Image.open(f).convert('RGB')) / 255.0)
        L = lab[..., 0]
        h, w = L.shape
        ch, cw = max(1, round(h * side / max(h, w))), max(1, round(w * side / max(h, w)))
        gy, gx = np.gradient(L)
        near = box((np.hypot(gx, gy) > 10).astype(float), 2) > 0
        Lc = area_down(L, ch, cw)
        for k in range(len(names)):
            err = 0
            for c in (1, 2):
                t = lab[..., c]
                pc = area_down(t, ch, cw)
                if k == 0:
                    q = bilinear(pc, h, w)
                else:
                    r, e, dt = cfgs[k - 1]
                    q = (detail if dt else guided)(Lc, pc, L, int(r), e)
                err = err + (q - t) ** 2
            se[k] += err.sum()
            ee[k] += err[near].sum()
        sn += h * w
        en += near.sum()
    print('%d photos, grid long side %d; ab RMSE (all pixels / within 2 px of L edges, %.1f%% of pixels):'
          % (len(files), side, 100.0 * en / sn))
    for k, n in enumerate(names):
        print('  %-24s %.3f / %.3f' % (n, np.sqrt(se[k] / sn), np.sqrt(ee[k] / en)))

main()
