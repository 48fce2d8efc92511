#!/usr/bin/python3
"""gimp-test.py: runs plug-in-corolization in headless GIMP (2.10 or 3.0)
from Script-Fu on photos that python3-skimage ships, turned to grayscale,
exports the results, and checks them here with numpy and skimage.

  gimp-test.py --gimp 2|3 --plugin EXE --mo-dir BUILD/po --models DIR
               --work DIR [--min-chroma C]

Each check prints "ok"/"FAIL"; the exit status is the number of failures
(capped at 1). GIMP runs with a throw-away HOME and gimprc whose plug-in
path holds a staged copy of the plug-in (folder corolization/, with the
built catalogues in corolization/locale/), so the user's config is never
touched."""
import argparse
import os
import re
import shutil
import subprocess
import sys

import numpy as np
from skimage import color, data, io, util

ap = argparse.ArgumentParser()
ap.add_argument('--gimp', choices=['2', '3'], required=True)
ap.add_argument('--plugin', required=True)
ap.add_argument('--mo-dir', required=True)
ap.add_argument('--models', required=True)
ap.add_argument('--work', required=True)
ap.add_argument('--min-chroma', type=float, default=2.0,
                help='mean chroma the new layer must exceed (trained models: ~10)')
args = ap.parse_args()
V3 = args.gimp == '3'
work = os.path.abspath(args.work)
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
failures = []


def check(name, ok, detail=''):
    print(('ok   ' if ok else 'FAIL ') + name + (': ' + detail if detail else ''), flush=True)
    if not ok:
        failures.append(name)


# ---- Inputs: two photos from skimage's data folder, as grayscale ----------
astro = util.img_as_ubyte(color.rgb2gray(data.astronaut()))
cat = util.img_as_ubyte(color.rgb2gray(data.chelsea()))
io.imsave(f'{work}/astro-rgb.png', np.stack([astro] * 3, -1), check_contrast=False)
io.imsave(f'{work}/cat-gray.png', cat, check_contrast=False)
io.imsave(f'{work}/one.png', np.full((1, 1, 3), 128, np.uint8), check_contrast=False)

# ---- The plug-in folder and a throw-away config ---------------------------
plugdir = f'{work}/plug-ins/corolization'
os.makedirs(plugdir)
shutil.copy(args.plugin, f'{plugdir}/corolization')
for lang in os.listdir(args.mo_dir):
    # meson builds corolization-LANG.mo and renames it on install
    for mo in (f'{args.mo_dir}/{lang}/LC_MESSAGES/corolization-{lang}.mo',
               f'{args.mo_dir}/{lang}/LC_MESSAGES/corolization.mo'):
        if os.path.isfile(mo):
            break
    else:
        continue
    if True:
        os.makedirs(f'{plugdir}/locale/{lang}/LC_MESSAGES')
        shutil.copy(mo, f'{plugdir}/locale/{lang}/LC_MESSAGES/corolization.mo')
home = f'{work}/home'
os.makedirs(home)
sysplug = '/usr/lib/x86_64-linux-gnu/gimp/3.0/plug-ins' if V3 else '/usr/lib/gimp/2.0/plug-ins'
with open(f'{home}/gimprc', 'w') as f:
    f.write(f'(plug-in-path "{sysplug}:{work}/plug-ins")\n')

# ---- Script-Fu, per GIMP version ------------------------------------------
if V3:
    LOAD = '(car (gimp-file-load RUN-NONINTERACTIVE "{p}"))'
    DRW = '(vector-ref (car (gimp-image-get-selected-drawables {img})) 0)'
    LAYERS = '(car (gimp-image-get-layers {img}))'
    SAVE = '(gimp-file-save RUN-NONINTERACTIVE {img} "{p}" -1)'
    U16 = 'PRECISION-U16-NON-LINEAR'
    BASE = 'gimp-image-get-base-type'
    CALL = ('(plug-in-corolization #:run-mode RUN-NONINTERACTIVE #:image {img} '
            '#:drawables (vector {drw}) {kw})')
else:
    LOAD = '(car (gimp-file-load RUN-NONINTERACTIVE "{p}" "{p}"))'
    DRW = '(car (gimp-image-get-active-drawable {img}))'
    LAYERS = '(cadr (gimp-image-get-layers {img}))'
    SAVE = '(gimp-file-save RUN-NONINTERACTIVE {img} (car (gimp-image-get-active-drawable {img})) "{p}" "{p}")'
    U16 = 'PRECISION-U16-GAMMA'
    BASE = 'gimp-image-base-type'
    CALL = '(plug-in-corolization RUN-NONINTERACTIVE {img} {drw} {pos})'


def call(img, drw, model='', t=0.38, s=1.0, size=0, output='layer', conf=False):
    if V3:
        kw = f'#:model "{model}" #:temperature {t} #:saturation {s} #:size {size} ' \
             f'#:output "{output}" #:confidence {"TRUE" if conf else "FALSE"}'
        return CALL.format(img=img, drw=drw, kw=kw)
    pos = f'"{model}" {t} {s} {size} "{output}" {1 if conf else 0}'
    return CALL.format(img=img, drw=drw, pos=pos)


SAVE_PATH = SAVE.format(img='dup', p='@@').replace('"@@"', 'path')
# (cz-export img index path): the layer at index alone (or the composite
# when index is -1), at 16-bit non-linear, as PNG.
prelude = f'''
(define (cz-msg . parts) (gimp-message (apply string-append "CZ " parts)))
(define (cz-export img index path)
  (let* ((dup (car (gimp-image-duplicate img)))
         (layers {LAYERS.format(img="dup")})
         (n (vector-length layers)))
    (let loop ((i 0))
      (when (< i n)
        (if (>= index 0)
            (gimp-item-set-visible (vector-ref layers i) (if (= i index) TRUE FALSE)))
        (loop (+ i 1))))
    (gimp-image-merge-visible-layers dup CLIP-TO-IMAGE)
    (if (not (= (car ({BASE} dup)) RGB)) (gimp-image-convert-rgb dup))
    (gimp-image-convert-precision dup {U16})
    {SAVE_PATH}
    (gimp-image-delete dup)))
(define (cz-nlayers img) (vector-length {LAYERS.format(img="img")}))
'''

cases = []


def case(name, setup, model='testnet', expect_error=False, **kw):
    """setup: Scheme run with img bound, before the call."""
    body = f'''
(let* ((img {LOAD.format(p=f"{work}/" + ("cat-gray.png" if name.startswith("gray") else "one.png" if name == "tiny" else "astro-rgb.png"))}))
  {setup}
  (let* ((drw {DRW.format(img="img")})
         (before (cz-nlayers img)))
    (cz-export img (- (cz-nlayers img) 1) "{work}/{name}-src-before.png")
    (let ((failed (catch #t {call("img", "drw", model=model, **kw)} #f)))
      (cz-msg "{name} failed=" (if failed "1" "0")
              " before=" (number->string before)
              " after=" (number->string (cz-nlayers img))))
    (cz-export img 0 "{work}/{name}-new.png")
    (cz-export img (- (cz-nlayers img) 1) "{work}/{name}-src-after.png")
    (cz-export img -1 "{work}/{name}-composite.png")))
'''
    cases.append((name, body, expect_error, kw))


case('rgb8', '')
case('gray', '')
case('u16-linear-alpha', '(gimp-image-convert-precision img PRECISION-U16-LINEAR) '
     '(gimp-layer-add-alpha (' + DRW.format(img='img')[1:-1] + '))')
case('float', '(gimp-image-convert-precision img PRECISION-FLOAT-' +
     ('NON-LINEAR' if V3 else 'GAMMA') + ')')
case('selection', '(gimp-image-select-rectangle img CHANNEL-OP-REPLACE 0 0 256 512)')
case('chroma', '', output='chroma')
case('indexed', '(gimp-image-convert-indexed img CONVERT-DITHER-NONE CONVERT-PALETTE-GENERATE 16 FALSE FALSE "")'
     if not V3 else '(gimp-image-convert-indexed img CONVERT-DITHER-NONE CONVERT-PALETTE-GENERATE 16 FALSE FALSE "")')
case('tiny', '')
case('unknown-model', '', model='no-such-model', expect_error=True)
case('broken-model', '', model='broken', expect_error=True)

script = prelude + ''.join(b for _, b, _, _ in cases)
with open(f'{work}/tests.scm', 'w') as f:
    f.write(script)

env = dict(os.environ, HOME=home, COROLIZATION_MODELS=os.path.abspath(args.models),
           LANG='C.UTF-8', OPENBLAS_NUM_THREADS='2')
env.pop('LANGUAGE', None)


def run_gimp(batch, extra_env=None):
    e = dict(env, **(extra_env or {}))
    if V3:
        cmd = ['gimp-console-3.0', '-i', '-n', '--quit', '--gimprc', f'{home}/gimprc',
               '--batch-interpreter=plug-in-script-fu-eval', '-b', batch]
    else:
        cmd = ['gimp-console-2.10', '-i', '-d', '-f', '--gimprc', f'{home}/gimprc',
               '-b', batch, '-b', '(gimp-quit 0)']
    p = subprocess.run(cmd, env=e, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=900)
    return p.stdout


out = run_gimp(f'(load "{work}/tests.scm")')
with open(f'{work}/gimp.log', 'w') as f:
    f.write(out)
check('GIMP ran the script and did not crash',
      'CZ ' in out and 'terminated' not in out and 'crashed' not in out.lower(),
      '' if 'CZ ' in out else out[-2000:])
results = {m[0]: dict(kv.split('=') for kv in m[1].split())
           for m in re.findall(r'CZ (\S+) (.*)', out)}


def lab(path):
    im = io.imread(path)
    if im.ndim == 2:
        im = np.stack([im] * 3, -1)
    rgb = im[..., :3].astype(np.float64) / (65535.0 if im.dtype == np.uint16 else 255.0)
    alpha = im[..., 3] / (65535.0 if im.dtype == np.uint16 else 255.0) if im.shape[-1] == 4 else None
    return color.rgb2lab(rgb), alpha


for name, _, expect_error, kw in cases:
    r = results.get(name)
    if r is None:
        check(f'{name}: ran', False, 'no result line')
        continue
    before, after, failed = int(r['before']), int(r['after']), r['failed'] == '1'
    src0 = io.imread(f'{work}/{name}-src-before.png')
    src1 = io.imread(f'{work}/{name}-src-after.png')
    if expect_error:
        check(f'{name}: an error, nothing added', failed and after == before,
              f'failed={failed} layers {before}->{after}')
        check(f'{name}: source unchanged', np.array_equal(src0, src1))
        continue
    check(f'{name}: succeeded with exactly one new layer', not failed and after == before + 1,
          f'failed={failed} layers {before}->{after}')
    if name not in ('gray', 'indexed'):  # those are converted to RGB, by design
        check(f'{name}: source pixels identical', np.array_equal(src0, src1))
    ls, _ = lab(f'{work}/{name}-src-before.png')
    ln, alpha = lab(f'{work}/{name}-new.png' if name != 'chroma' else f'{work}/{name}-composite.png')
    mask = np.ones(ls.shape[:2], bool) if alpha is None else alpha > 0.999
    if name == 'selection':
        check('selection: outside the selection is transparent',
              alpha is not None and alpha[:, 300:].max() == 0 and alpha[:, :250].min() > 0.999)
    if name == 'indexed':  # the palette's L is what the new layer keeps
        continue
    dL = np.abs(ls[..., 0] - ln[..., 0])[mask]
    check(f'{name}: L equals the source within 0.5', dL.size > 0 and dL.max() <= 0.5,
          f'max |dL| {dL.max():.3f}')
    if name != 'tiny':
        chroma = np.hypot(ln[..., 1], ln[..., 2])[mask].mean()
        check(f'{name}: has colour', chroma > args.min_chroma,
              f'mean chroma {chroma:.2f} (threshold {args.min_chroma})')

# ---- Translations: the menu label (3.0) / blurb (2.10) in German ----------
if V3:
    probe = ('(gimp-message (string-append "CZ-LABEL " '
             '(car (gimp-pdb-get-proc-menu-label "plug-in-corolization"))))')
    want = '_Einfärben…'
else:
    probe = ('(gimp-message (string-append "CZ-LABEL " '
             '(car (gimp-procedural-db-proc-info "plug-in-corolization"))))')
    want = 'Ein Schwarzweißfoto mit einem neuronalen Netz einfärben'
out = run_gimp(probe, {'LANGUAGE': 'de'})
m = re.search(r'CZ-LABEL (.*)', out)
check('LANGUAGE=de: the procedure speaks German', m is not None and m.group(1).strip() == want,
      m.group(1).strip() if m else out[-1500:])

print(f'{len(failures)} failed: {failures}' if failures else 'all passed')
sys.exit(1 if failures else 0)
