#!/usr/bin/python3
"""gimp-import-test.py: issue 17's judged check inside GIMP (headless,
Script-Fu, gimp_script.py): a random published-layout ECCV16 and SIGGRAPH17
(import_colorize.random_eccv16 and random_siggraph17, the networks of the
trainer's check), each torch.save'd and converted by one
`corolization-train import`, are in the plug-in's model list and colour a
32-bit float copy of a 256x256 16-bit photo (import_colorize's, from
tests/data) with the same ab in skimage's Lab as PyTorch's forward: max
|d ab| <= 0.5 over in-gamut pixels (ab_compare.compare). The source layer
stays unchanged.

Two stages, as the GIMP 3.0 root has no PyTorch:
  prepare (the host's /usr/bin/python3 with torch): WORK/prepared/ gets
    photo.png, models/*.safetensors (converted; the .pth files removed)
    and reference.npz (the photo's L and PyTorch's ab of each model);
  gimp: stages the plug-in, colours with each model in GIMP, compares
    (numpy and skimage only).

  gimp-import-test.py --gimp 2|3 --plugin EXE --train CZ_TRAIN --bins BINS --photo JPG --work DIR
  gimp-import-test.py --stage prepare --train CZ_TRAIN --bins BINS --photo JPG --work DIR
  gimp-import-test.py --stage gimp --gimp 2|3 --plugin EXE --prepared DIR --work DIR
  gimp-import-test.py --gimp 3 --root gimp3-root.sh --train ... --work DIR
    (prepare here, then the gimp stage in the Debian 13 root:
     gimp3-root.sh --import SOURCE_DIR WORK/root WORK/prepared)

Fails (never skips) when PyTorch is missing for the prepare stage."""
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
import png16  # noqa: E402
from ab_compare import compare  # noqa: E402
from gimp_script import Script  # noqa: E402
from gimp_stage import check, finish, fresh_work, stage_plugin  # noqa: E402

# name: (corolization-train import --arch, the plug-in's temperature: 1 for
# the classifier as PyTorch decodes it; the hints model takes none, so the
# default, 0.38, which it ignores)
MODELS = {'eccv16-random': ('colorful', 1.0), 'siggraph17-random': ('hints', 0.38)}


def prepare(args, out):
    """The host stage; returns False (after a failed check) when it could
    not make every model."""
    try:
        import torch
    except ImportError as e:
        return check('PyTorch is available to ' + sys.executable, False, str(e))
    from eccv16 import read_bins
    from import_colorize import no_hints, photo_16bit, random_eccv16, random_siggraph17
    from skimage import color

    torch.set_num_threads(2)
    torch.manual_seed(1617)
    os.makedirs(f'{out}/models')
    rgb = photo_16bit(args.photo, f'{out}/photo.png')
    L = color.rgb2lab(rgb)[..., 0]
    Lt = torch.from_numpy(L)[None, None].float()
    nets = {'eccv16-random': (random_eccv16(read_bins(args.bins), Lt), lambda n: n(Lt.double())),
            'siggraph17-random': (random_siggraph17(Lt),
                                  lambda n: n(Lt.double(), *(t.double() for t in no_hints())))}
    ref = {'L': L}
    for name, (net, forward) in nets.items():
        pth = f'{out}/{name}.pth'
        torch.save(net.state_dict(), pth)
        r = subprocess.run([args.train, 'import', '--arch', MODELS[name][0], '--from', pth,
                            '-o', f'{out}/models/{name}.safetensors'],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        os.unlink(pth)
        if not check(f'corolization-train import of the random {name}', r.returncode == 0, r.stdout[-2000:]):
            return False
        with torch.no_grad():
            ref[name] = forward(net.double()).numpy()[0]  # float64 of the float32 weights
    np.savez(f'{out}/reference.npz', **ref)
    return True


def gimp_stage(args, prepared, work):
    """Colours the prepared photo with each prepared model in GIMP and
    compares with PyTorch's ab."""
    sf = Script(args.gimp == '3')
    version = '3.0' if sf.v3 else '2.10'
    ref = np.load(f'{prepared}/reference.npz')
    photo = f'{prepared}/photo.png'
    plugdir, home = stage_plugin(work, args.plugin, sf.v3)
    img = sf.LOAD.format(p=photo)
    drw = sf.DRW.format(img='img')
    # The photo as a 32-bit float image; per model: the new layer and the
    # source alone, each exported at 16-bit non-linear.
    script = sf.prelude + f"""
(let* ((img {img}) (drw {drw}))
  (gimp-image-convert-precision img {sf.FLOAT})
  (catch #t {sf.call('img', 'drw', model='no-such-model')}))
"""
    for name, (_, t) in MODELS.items():
        script += f"""
(let* ((img {img}) (drw {drw}))
  (gimp-image-convert-precision img {sf.FLOAT})
  (cz-msg "{name} precision=" (number->string (car (gimp-image-get-precision img)))
          " float=" (number->string {sf.FLOAT}))
  (cz-export img drw "{work}/{name}-src-before.png")
  (catch (cz-msg "{name} failed") {sf.call('img', 'drw', model=name, t=t)})
  (cz-msg "{name} layers=" (number->string (cz-nlayers img)))
  (cz-export img (cz-layer img 0) "{work}/{name}-new.png")
  (cz-export img drw "{work}/{name}-src-after.png"))
"""
    with open(f'{work}/test.scm', 'w') as f:
        f.write(script)
    env = dict(os.environ, HOME=home, COROLIZATION_MODELS=f'{prepared}/models', LANG='C.UTF-8',
               OPENBLAS_NUM_THREADS='2')
    env.pop('LANGUAGE', None)
    env.pop('LC_ALL', None)
    out = sf.run(f'(load "{work}/test.scm")', env)
    with open(f'{work}/gimp.log', 'w') as f:
        f.write(out)
    listed = re.search(r'Installed models: .*', out)
    check('the model list names both imported files',
          listed is not None and all(re.search(r'\b' + re.escape(n) + r'\b', listed.group(0)) for n in MODELS),
          listed.group(0) if listed else out[-2000:])
    for name in MODELS:
        m = re.search(r'CZ ' + re.escape(name) + r' precision=(\d+) float=(\d+)', out)
        check(f'{name}: the copy is 32-bit float', m is not None and m.group(1) == m.group(2),
              m.group(0) if m else out[-2000:])
        ok = check(f'{name}: the plug-in ran and added one layer',
                   f'CZ {name} layers=2' in out and f'CZ {name} failed' not in out,
                   '; '.join(re.findall(r'CZ ' + re.escape(name) + r' (?:layers=\d+|failed)', out)) or out[-2000:])
        if ok and os.path.isfile(f'{work}/{name}-new.png'):
            before = png16.read(f'{work}/{name}-src-before.png')
            after = png16.read(f'{work}/{name}-src-after.png')
            check(f'{name}: the source layer is unchanged', np.array_equal(before, after))
            fails = compare(f'gimp-{version} {name} float', png16.read(f'{work}/{name}-new.png'),
                            ref['L'], ref[name])
            check(f'{name}: GIMP {version} gives PyTorch\'s ab (max |d ab| <= 0.5 in gamut)', not fails,
                  '; '.join(fails))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--stage', choices=['all', 'prepare', 'gimp'], default='all')
    ap.add_argument('--gimp', choices=['2', '3'], default='2')
    ap.add_argument('--plugin')
    ap.add_argument('--train')
    ap.add_argument('--bins')
    ap.add_argument('--photo')
    ap.add_argument('--prepared', help='the prepare stage\'s folder (default WORK/prepared)')
    ap.add_argument('--root', help='gimp3-root.sh: run the gimp stage in the Debian 13 root')
    ap.add_argument('--work', required=True)
    args = ap.parse_args()
    work = fresh_work(args.work)
    prepared = os.path.abspath(args.prepared) if args.prepared else f'{work}/prepared'
    if args.stage != 'gimp' and not prepare(args, prepared):
        finish()
    if args.stage == 'prepare':
        finish()
    if args.root:
        # The root's gimp stage prints its own checks; its status is ours.
        r = subprocess.run([args.root, '--import', os.path.join(HERE, '..', '..'), f'{work}/root', prepared])
        check('the gimp stage in the Debian 13 root passed', r.returncode == 0, f'exit status {r.returncode}')
    else:
        gimp_stage(args, prepared, work)
    finish()


if __name__ == '__main__':
    main()
