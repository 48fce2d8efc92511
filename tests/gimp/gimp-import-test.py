#!/usr/bin/python3
"""gimp-import-test.py: issue 17's judged check inside GIMP 2.10 (headless,
Script-Fu): a random published-layout ECCV16 (tests/parity/eccv16.py),
torch.save'd and converted by one `corolization-train import`, is found in
the plug-in's model list and colours a 32-bit float copy of a 256x256
16-bit photo (import_colorize.py's, from tests/data) with the same ab in
skimage's Lab as PyTorch's forward: max |d ab| <= 0.5 over in-gamut pixels
(import_colorize.compare). The source layer stays unchanged.

  gimp-import-test.py --plugin EXE --train CZ_TRAIN --bins BINS --photo JPG --work DIR

Fails (never skips) when PyTorch is missing."""
import argparse
import os
import re
import subprocess
import sys

import numpy as np

sys.dont_write_bytecode = True  # no __pycache__ in the checkout
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, '..', 'parity'))
from gimp_stage import check, finish, fresh_work, stage_plugin  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument('--plugin', required=True)
ap.add_argument('--train', required=True)
ap.add_argument('--bins', required=True)
ap.add_argument('--photo', required=True)
ap.add_argument('--work', required=True)
args = ap.parse_args()
work = fresh_work(args.work)
try:
    import torch
except ImportError as e:
    check('PyTorch is available to ' + sys.executable, False, str(e))
    finish()
import png16  # noqa: E402
from eccv16 import ECCV16, randomise_eccv16, read_bins  # noqa: E402
from import_colorize import compare, photo_16bit  # noqa: E402
from skimage import color  # noqa: E402

MODEL = 'eccv16-random'
torch.set_num_threads(2)
torch.manual_seed(1617)
photo = f'{work}/photo.png'
rgb = photo_16bit(args.photo, photo)
L = color.rgb2lab(rgb)[..., 0]
Lt = torch.from_numpy(L)[None, None].float()
bins = read_bins(args.bins)
net = ECCV16(len(bins))
randomise_eccv16(net, bins, Lt)
models = f'{work}/models'
os.makedirs(models)
torch.save(net.state_dict(), f'{work}/{MODEL}.pth')
r = subprocess.run([args.train, 'import', '--arch', 'colorful', '--from', f'{work}/{MODEL}.pth',
                    '-o', f'{models}/{MODEL}.safetensors'], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                   text=True)
os.unlink(f'{work}/{MODEL}.pth')
if not check('corolization-train import of the random ECCV16', r.returncode == 0, r.stdout[-2000:]):
    finish()
with torch.no_grad():
    want = net.double()(Lt.double()).numpy()[0]

plugdir, home = stage_plugin(work, args.plugin, False)
# The new layer and the source alone, each exported at 16-bit non-linear.
script = f"""
(define (cz-export img item path)
  (let* ((dup (car (gimp-image-duplicate img)))
         (index (car (gimp-image-get-item-position img item)))
         (layers (cadr (gimp-image-get-layers dup))))
    (let loop ((i 0))
      (when (< i (vector-length layers))
        (gimp-item-set-visible (vector-ref layers i) (if (= i index) TRUE FALSE))
        (loop (+ i 1))))
    (gimp-image-merge-visible-layers dup CLIP-TO-IMAGE)
    (gimp-image-convert-precision dup PRECISION-U16-GAMMA)
    (gimp-file-save RUN-NONINTERACTIVE dup (car (gimp-image-get-active-drawable dup)) path path)
    (gimp-image-delete dup)))
(let* ((img (car (gimp-file-load RUN-NONINTERACTIVE "{photo}" "{photo}")))
       (drw (car (gimp-image-get-active-drawable img))))
  (gimp-image-convert-precision img PRECISION-FLOAT-GAMMA)
  (gimp-message (string-append "CZ precision " (number->string (car (gimp-image-get-precision img)))
                               " float " (number->string PRECISION-FLOAT-GAMMA)))
  (catch #t (plug-in-corolization RUN-NONINTERACTIVE img drw "no-such-model" 0.38 1.0 0 "layer" 0 -1 -1 1.0))
  (cz-export img drw "{work}/src-before.png")
  (plug-in-corolization RUN-NONINTERACTIVE img drw "{MODEL}" 1.0 1.0 0 "layer" 0 -1 -1 1.0)
  (let ((layers (cadr (gimp-image-get-layers img))))
    (gimp-message (string-append "CZ layers " (number->string (vector-length layers))))
    (cz-export img (vector-ref layers 0) "{work}/new.png")
    (cz-export img drw "{work}/src-after.png")))
"""
with open(f'{work}/test.scm', 'w') as f:
    f.write(script)
env = dict(os.environ, HOME=home, COROLIZATION_MODELS=models, LANG='C.UTF-8', OPENBLAS_NUM_THREADS='2')
env.pop('LANGUAGE', None)
env.pop('LC_ALL', None)
p = subprocess.run(['gimp-console-2.10', '-i', '-d', '--gimprc', f'{home}/gimprc',
                    '-b', f'(load "{work}/test.scm")', '-b', '(gimp-quit 0)'],
                   env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=900)
out = p.stdout
with open(f'{work}/gimp.log', 'w') as f:
    f.write(out)
m = re.search(r'CZ precision (\d+) float (\d+)', out)
check('the copy is 32-bit float', m is not None and m.group(1) == m.group(2), m.group(0) if m else out[-2000:])
check('the model list names the imported file',
      re.search(r'Installed models: .*\b' + re.escape(MODEL) + r'\b', out) is not None,
      (re.search(r'Installed models: .*', out) or re.search(r'.*no-such-model.*', out) or
       re.search(r'$', out)).group(0))
check('one layer added', 'CZ layers 2' in out, (re.search(r'CZ layers \d+', out) or re.search(r'$', out)).group(0))
if os.path.isfile(f'{work}/new.png'):
    before, after = png16.read(f'{work}/src-before.png'), png16.read(f'{work}/src-after.png')
    check('the source layer is unchanged', np.array_equal(before, after))
    fails = compare('gimp-2.10 eccv16 float', png16.read(f'{work}/new.png'), L, want)
    check('GIMP 2.10 gives PyTorch\'s ab (max |d ab| <= 0.5 in gamut)', not fails, '; '.join(fails))
else:
    check('the new layer was exported', False, out[-2000:])
finish()
