"""gimp_bench.py: the plug-in on a 24 MP scan in headless GIMP (2.10, or
3.0 through gimp3-root.sh --bench): the plug-in's wall time and peak RSS,
measured by /usr/bin/time around the plug-in's own process (a wrapper
staged as the plug-in), for 8-bit, 8-bit with a feathered selection, and
32-bit float linear with the confidence layer, and 8-bit with an alpha
channel (--case NAME: that one alone). A photo from tests/data, scaled in GIMP to 6000 x 4000; the shipped
colorful model. Prints
    GIMP case=.. size=6000x4000 plugin_s=.. peak_rss_mb=.. layers=..
      load_s=.. read_s=.. network_s=.. write_s=.. rest_s=.. threads=..
and checks each run added its layers (a benchmark that measured a failing
call would mean nothing). The split is the plug-in's own timing line
(G_MESSAGES_DEBUG=corolization); rest_s is the plug-in's time outside it
(starting, GIMP's calls, the source's tiles fetched before reading).

Usage: gimp_bench.py --gimp 2|3 --plugin PATH --models DIR --work DIR [--case NAME]"""
import argparse
import os
import re
import shutil
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'gimp'))
from gimp_script import Script  # noqa: E402
from gimp_stage import check, finish, fresh_work, stage_plugin  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument('--gimp', choices=['2', '3'], required=True)
ap.add_argument('--plugin', required=True)
ap.add_argument('--models', required=True, help='a folder holding colorful.safetensors')
ap.add_argument('--work', required=True)
ap.add_argument('--width', type=int, default=6000)
ap.add_argument('--height', type=int, default=4000)
ap.add_argument('--babl-cache', help="a babl fish cache (GIMP's ~/.cache/babl/babl-fishes after a session) "
                'to start from; default none, as on a fresh account')
ap.add_argument('--case', choices=['u8', 'u8-selection', 'float-confidence', 'u8-alpha'], help='run this case alone')
args = ap.parse_args()
V3 = args.gimp == '3'
work = fresh_work(args.work)
photo = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'data', 'photos',
                     'food', 'espresso.jpg')

plugdir, home = stage_plugin(work, args.plugin, V3)
if args.babl_cache:
    os.makedirs(f'{home}/.cache/babl')
    shutil.copy(args.babl_cache, f'{home}/.cache/babl/babl-fishes')
# The plug-in runs under /usr/bin/time: one line per process (GIMP also
# starts it to query it; those lines have no "-run").
# The real executable lives outside the plug-in folder: GIMP would register
# every executable it finds there.
os.makedirs(f'{work}/bin')
real = f'{work}/bin/corolization'
os.rename(f'{plugdir}/corolization', real)
timelog = f'{work}/time.log'
with open(f'{plugdir}/corolization', 'w') as f:
    f.write(f'#!/bin/sh\nexec /usr/bin/time -a -o "{timelog}" -f "%e %M %C" "{real}" "$@"\n')
os.chmod(f'{plugdir}/corolization', 0o755)

W, H = args.width, args.height
CASES = [('u8', False, False), ('u8-selection', True, False), ('float-confidence', False, True),
         ('u8-alpha', False, False)]
if args.case:
    CASES = [c for c in CASES if c[0] == args.case]
S = Script(V3)
LOAD = S.LOAD.format(p=photo)
DRW = S.DRW.format(img='img')
NLAYERS = f"(vector-length {S.LAYERS.format(img='img')})"
FLOAT = 'PRECISION-FLOAT-LINEAR'  # the same name in 2.10 and 3.0


def call(conf):
    return S.call('img', 'drw', model='colorful', conf=conf)


batch = '(begin\n'
for name, select, conf in CASES:
    batch += f"""(let* ((img {LOAD}) (drw {DRW}))
  (gimp-image-scale img {W} {H})
  {'(gimp-layer-add-alpha drw)' if name == 'u8-alpha' else ''}
  {f'(gimp-image-convert-precision img {FLOAT})' if name.startswith('float') else ''}
  {f'(gimp-image-select-ellipse img CHANNEL-OP-REPLACE {W // 8} {H // 8} {W * 3 // 4} {H * 3 // 4})' if select else ''}
  {'(gimp-selection-feather img 200)' if select else ''}
  {call(conf)}
  (gimp-message (string-append "CZ {name} layers=" (number->string {NLAYERS})))
  (gimp-image-delete img))
"""
batch += ')'

env = dict(os.environ, HOME=home, COROLIZATION_MODELS=os.path.abspath(args.models),
           LANG='C.UTF-8', OPENBLAS_NUM_THREADS='2', G_MESSAGES_DEBUG='corolization')
out = S.run(batch, env, timeout=1800)
with open(f'{work}/gimp.log', 'w') as f:
    f.write(out)
layers = dict(re.findall(r'CZ (\S+) layers=(\d+)', out))
runs = []
if os.path.exists(timelog):
    with open(timelog) as f:
        for line in f:
            m = re.match(r'([0-9.]+) (\d+) .* -run ', line)
            if m:
                runs.append((float(m[1]), int(m[2]) / 1024.0))
# One timing line per run, in the order of the runs.
TIMING = (r'timing: \d+x\d+ load ([0-9.]+) s, read ([0-9.]+) s, network ([0-9.]+) s, write ([0-9.]+) s, '
          r'threads (\d+)')
splits = [tuple(float(v) for v in m) for m in re.findall(TIMING, out)]
check('GIMP ran every case', len(layers) == len(CASES), out[-2000:] if len(layers) != len(CASES) else '')
check('one timed plug-in run per case', len(runs) == len(CASES), f'{len(runs)} runs')
check('one timing line per case', len(splits) == len(CASES), f'{len(splits)} lines')
for (name, select, conf), run, split in zip(CASES, runs, splits):
    want = 3 if conf else 2
    n = int(layers.get(name, 0))
    check(f'{name}: the run added its layers', n == want, f'{n} layers, {want} wanted')
    print(f'GIMP {"3.0" if V3 else "2.10"} case={name} size={W}x{H} plugin_s={run[0]:.2f} '
          f'peak_rss_mb={run[1]:.0f} layers={n}', flush=True)
    print(f'  load_s={split[0]:.2f} read_s={split[1]:.2f} network_s={split[2]:.2f} write_s={split[3]:.2f} '
          f'rest_s={run[0] - sum(split[:4]):.2f} threads={split[4]:.0f}', flush=True)
finish()
