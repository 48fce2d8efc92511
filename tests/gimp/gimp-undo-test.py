#!/usr/bin/python3
"""gimp-undo-test.py: in the real GIMP user interface (2.10 or 3.0), one
Undo (Ctrl+Z) removes everything plug-in-corolization added, and Filters >
Colorize… with Enter in its dialog adds the layer.

  gimp-undo-test.py --gimp 2|3 --plugin EXE --models DIR --work DIR
                    [--model NAME] [--no-undo]

GIMP runs on a private Xvfb display with a grayscale photo open, with the
Script-Fu server (plug-in-script-fu-server) listening on localhost so this
script can query the image while xdotool types into the image window, as a
user would. No PDB procedure undoes, so the keystrokes are the only way.

  1. the loaded image: 1 layer, grayscale, pixels those of the file; the
     layer is renamed, an undo step of its own that one Ctrl+Z must not reach
  2. the plug-in, non-interactive, with the confidence layer: 3 layers, RGB
  3. Ctrl+Z: 1 layer, grayscale again, still renamed, pixels unchanged;
     Ctrl+Y: 3 layers and RGB again (the undo was one step); Ctrl+Z
  4. Filters > Colorize… (the menu, by its mnemonics): the plug-in's dialog
     opens; Escape closes it, the plug-in ends, and the image is as before
  5. Filters > Colorize… again; Alt+V and Enter in its vividness field (OK
     is the default response) adds "Colorized (MODEL)" above the source,
     RGB, with colour and the source's lightness. Should a GIMP 3.0 dialog
     stay open after that Enter (its number fields run on Enter only because
     the plug-in asks them to), the test presses OK by its mnemonic, Alt+O,
     as a user would, and says so. The layer is read once the plug-in has
     ended (it is inserted before its pixels are written).
  6. Ctrl+Z: 1 layer, grayscale, pixels unchanged
Between 4 and 5, the dialog's "New hints layer" button (Alt+N) adds an
empty, transparent "Colour hints" layer of the source's size above it, made
RGB in the same undo step; Escape keeps it; one Ctrl+Z removes it.

About 15 s on GIMP 2.10, 20 s on GIMP 3.0. Xvfb has no window manager, so
the test focuses a newly shown dialog itself, as a window manager would.
GIMP 3.0 runs in the Debian 13 root (gimp3-root.sh --undo).

--no-undo leaves out the Ctrl+Z/Ctrl+Y keystrokes: a negative control under
which the undo checks must fail. Xvfb, xdotool or gimp-2.10 (gimp-3.0)
missing is a failure, not a skip. Each check prints "ok"/"FAIL"; the exit
status is 1 on any failure. GIMP gets a throw-away HOME (gimp_stage.py) and
only the model under test, which the dialog then picks by default."""
import argparse
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time

import numpy as np
from skimage import color, data, io, util

sys.dont_write_bytecode = True  # no __pycache__ in the checkout
from gimp_stage import check, failures, finish, fresh_work, stage_plugin  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument('--gimp', choices=['2', '3'], required=True)
ap.add_argument('--plugin', required=True)
ap.add_argument('--models', required=True, help='folder holding MODEL.safetensors')
ap.add_argument('--work', required=True)
ap.add_argument('--model', default='testnet')
ap.add_argument('--min-chroma', type=float, default=2.0,
                help='mean chroma the layer the dialog adds must exceed')
ap.add_argument('--no-undo', action='store_true',
                help='negative control: send no Ctrl+Z/Ctrl+Y (the undo checks must fail)')
args = ap.parse_args()
V3 = args.gimp == '3'
work = fresh_work(args.work)


gimp_exe = next((e for e in (('gimp-3.0', 'gimp') if V3 else ('gimp-2.10',))
                 if shutil.which(e)), None)
missing = [p for p in ('Xvfb', 'xdotool') if not shutil.which(p)] + \
    ([] if gimp_exe else ['gimp-3.0' if V3 else 'gimp-2.10'])
if not check('Xvfb, xdotool and GIMP are installed', not missing,
             f'missing {missing} (apt-get install xvfb xdotool gimp)' if missing else gimp_exe):
    finish()

# ---- Staging: the plug-in, one model, a grayscale photo ---------------------
_, home = stage_plugin(work, args.plugin, v3=V3)
models = f'{work}/models'
os.makedirs(models)
shutil.copy(f'{args.models}/{args.model}.safetensors', models)
photo = f'{work}/cat-gray.png'
io.imsave(photo, util.img_as_ubyte(color.rgb2gray(data.chelsea())), check_contrast=False)
photo_px = io.imread(photo)

# Script-Fu helpers, defined once in the server's interpreter.
# (cz-state img): "BASE-TYPE|NAME|NAME..." with the layers top to bottom.
# (cz-export img pos path): the layer at pos (0 = top) alone, as PNG, from
# a duplicate so the image's undo stack is not touched.
# The PDB names and calls that differ between 2.10 and 3.0:
if V3:
    LAYERS = '(car (gimp-image-get-layers {img}))'
    BASE = 'gimp-image-get-base-type'
    SAVE = '(gimp-file-save RUN-NONINTERACTIVE {img} {path} -1)'
    IMAGES = '(car (gimp-get-images))'
    SRC = '(vector-ref (car (gimp-image-get-selected-layers {img})) 0)'
    EXISTS = '(car (gimp-pdb-procedure-exists "{proc}"))'
    CALL = ('(plug-in-corolization #:run-mode RUN-NONINTERACTIVE #:image {img} '
            '#:drawables (vector {drw}) #:model "{model}" #:temperature 0.38 '
            '#:saturation 1.0 #:size 0 #:output "layer" #:confidence TRUE)')
    SERVER = ('(plug-in-script-fu-server #:run-mode RUN-NONINTERACTIVE '
              '#:ip "127.0.0.1" #:port {port} #:logfile "")')
else:
    LAYERS = '(cadr (gimp-image-get-layers {img}))'
    BASE = 'gimp-image-base-type'
    SAVE = '(gimp-file-save RUN-NONINTERACTIVE {img} {layer} {path} {path})'
    IMAGES = '(cadr (gimp-image-list))'
    SRC = '(car (gimp-image-get-active-layer {img}))'
    EXISTS = '(car (gimp-procedural-db-proc-exists "{proc}"))'
    CALL = '(plug-in-corolization RUN-NONINTERACTIVE {img} {drw} "{model}" 0.38 1.0 0 "layer" 1 -1 -1 1.0)'
    SERVER = '(plug-in-script-fu-server RUN-NONINTERACTIVE "127.0.0.1" {port} "")'
HELPERS = f"""
(define (cz-state img)
  (let* ((layers {LAYERS.format(img='img')}) (n (vector-length layers)))
    (let loop ((i 0) (s (number->string (car ({BASE} img)))))
      (if (< i n)
          (loop (+ i 1) (string-append s "|" (car (gimp-item-get-name (vector-ref layers i)))))
          s))))
(define (cz-export img pos path)
  (let* ((dup (car (gimp-image-duplicate img)))
         (layers {LAYERS.format(img='dup')})
         (n (vector-length layers)))
    (let loop ((i 0))
      (when (< i n)
        (if (not (= i pos)) (gimp-image-remove-layer dup (vector-ref layers i)))
        (loop (+ i 1))))
    {SAVE.format(img='dup', layer='(vector-ref layers pos)', path='path')}
    (gimp-image-delete dup)
    "saved"))
"""
RGB, GRAY = 0, 1


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


port = free_port()
procs = []


def script_fu(expr, timeout=120):
    """Evaluates expr in the Script-Fu server; returns its printed value.
    The protocol: 'G', a 16-bit length and the text; the answer is 'G', an
    error flag, a 16-bit length and the text."""
    body = expr.encode()
    with socket.create_connection(('127.0.0.1', port), timeout=timeout) as s:
        s.sendall(b'G' + struct.pack('>H', len(body)) + body)
        data_ = b''
        while len(data_) < 4 or len(data_) < 4 + struct.unpack('>H', data_[2:4])[0]:
            chunk = s.recv(65536)
            if not chunk:
                raise OSError('Script-Fu server closed the connection')
            data_ += chunk
    text = data_[4:].decode(errors='replace').strip()
    if data_[1]:
        raise RuntimeError(f'{expr}: {text}')
    return text


def state(img):
    """(base type, [layer names top to bottom])."""
    # (GIMP 3.0's server may print a trailing "#<EOF>" after a string)
    text = script_fu(f'(cz-state {img})')
    base, *names = text[text.index('"') + 1:text.rindex('"')].split('|')
    return int(base), names


def poll(what, timeout, step=0.2):
    """what() until it returns a true value or timeout seconds pass."""
    end = time.monotonic() + timeout
    while True:
        try:
            v = what()
        except (OSError, RuntimeError, subprocess.SubprocessError):
            v = None
        if v or time.monotonic() > end:
            return v
        time.sleep(step)


def xdo(*a):
    p = subprocess.run(['xdotool', *map(str, a)], env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=20)
    return p.stdout.split() if p.returncode == 0 else []


def screenshot(tag):
    # For diagnosing a failure; PIL grabs from the X server directly.
    try:
        from PIL import ImageGrab
        ImageGrab.grab(xdisplay=env['DISPLAY']).save(f'{work}/screen-{tag}.png')
        print(f'     (screen saved to {work}/screen-{tag}.png)')
    except Exception as e:  # diagnostics only
        print(f'     (no screenshot: {e})')


def keys_to_image(*keys):
    """Focuses the image window and types keys there (XTEST, as a keyboard)."""
    xdo('windowfocus', '--sync', window)
    xdo('key', '--clearmodifiers', *keys)


def process_ended(pid):
    """True once process pid has exited (gone, or a zombie not yet reaped)."""
    try:
        with open(f'/proc/{pid}/stat') as f:
            return f.read().rsplit(')', 1)[1].split()[0] in ('Z', 'X')
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return True


def wait_layers(img, n, timeout):
    """The image's state once it has n layers, else its state at timeout."""
    return poll(lambda: (lambda s: s if len(s[1]) == n else None)(state(img)), timeout) \
        or state(img)


def export(img, pos, tag):
    path = f'{work}/{tag}.png'
    script_fu(f'(cz-export {img} {pos} "{path}")')
    return io.imread(path)


def same_pixels(img, tag):
    """Whether the bottom layer holds the photo's pixels, and the detail."""
    px = export(img, len(state(img)[1]) - 1, tag)
    diff = int(np.abs(px.astype(int) - photo_px).max()) if px.shape == photo_px.shape else None
    return diff == 0, f'{px.shape} {px.dtype}, max |diff| {diff} against the file'


def dialog_shot(dialog):
    """The dialog window's pixels (RGB, from the X server)."""
    from PIL import ImageGrab
    geo = dict(l.split('=') for l in xdo('getwindowgeometry', '--shell', dialog))
    x, y, w, h = (int(geo[k]) for k in ('X', 'Y', 'WIDTH', 'HEIGHT'))
    return np.asarray(ImageGrab.grab(bbox=(x, y, x + w, y + h),
                                     xdisplay=env['DISPLAY']).convert('RGB'))


def chroma_of(px):
    lab = color.rgb2lab(px)
    return np.hypot(lab[..., 1], lab[..., 2])


def escape_dialog(img, dialog, pid):
    """Escape in the dialog: whether its plug-in ended, and the image's
    state then."""
    xdo('windowfocus', '--sync', dialog[0])
    xdo('key', 'Escape')
    ended = poll(lambda: process_ended(pid), 10)
    return (ended, *state(img))


def set_saturation(dialog, value):
    """Types value into S_aturation (Alt+A) and leaves the field with Tab
    (Enter would press OK); returns the time of the change."""
    xdo('windowfocus', '--sync', dialog)
    xdo('key', '--clearmodifiers', 'alt+a')
    xdo('key', 'ctrl+a')
    xdo('type', value)
    t = time.monotonic()
    xdo('key', 'Tab')
    return t


def preview_step(img, before, open_dialog):
    """4c: the preview shows colour with the dialog open, saturation 0 makes
    it gray, 1 brings the colour back, Escape adds nothing. The preview's area is where the colour
    and the gray shots differ (nothing else in the dialog changes between
    them); on a plug-in without a preview no colour appears."""
    dialog, pid = open_dialog('Preview')
    if not dialog:
        return False
    t = time.monotonic()
    colour = poll(lambda: (lambda px: [px] if (chroma_of(px) > 10).sum() > 3000 else None)(
        dialog_shot(dialog[0])), 60, step=0.1)
    colour = colour[0] if colour else None
    shown = time.monotonic() - t
    if not check('preview: the dialog shows colour by itself', colour is not None,
                 f'after {shown:.2f} s (dialog shown to colour drawn)' if colour is not None
                 else 'no coloured area within 60 s'):
        screenshot('preview')
        xdo('key', 'Escape')
        return False
    from PIL import Image
    Image.fromarray(colour).save(f'{work}/preview-dialog.png')
    t = set_saturation(dialog[0], '0')
    gray = poll(lambda: (lambda px: [px] if (chroma_of(px) > 10).sum() < 300 else None)(
        dialog_shot(dialog[0])), 30, step=0.05)
    gray = gray[0] if gray else None
    latency = time.monotonic() - t
    ok = check('preview: saturation 0 turns it gray', gray is not None,
               f'{latency:.2f} s from the change to gray on screen' if gray is not None
               else 'still coloured after 30 s')
    if ok and gray.shape == colour.shape:
        # the largest region that changed: the saturation field changed too
        from skimage import measure
        diff = np.abs(colour.astype(int) - gray.astype(int)).max(axis=2) > 8
        regions = measure.regionprops(measure.label(diff, connectivity=2))
        r = max(regions, key=lambda r: r.bbox_area).bbox if regions else None
        box = (slice(r[0], r[2]), slice(r[1], r[3])) if r else None
        ys, xs = (np.array([r[0], r[2] - 1]), np.array([r[1], r[3] - 1])) if r else ([], [])
        c_col = chroma_of(colour[box]).mean() if box else 0.0
        c_gray = chroma_of(gray[box]).mean() if box else 0.0
        check('preview: its area has colour, and none at saturation 0',
              box is not None and c_col > args.min_chroma and c_gray < 1.0,
              f'area {xs.max() - xs.min() + 1}x{ys.max() - ys.min() + 1} px, mean chroma '
              f'{c_col:.2f} (threshold {args.min_chroma}), at saturation 0 {c_gray:.2f}'
              if box else 'the colour and gray shots do not differ')
    # and back to 1: the colour returns
    t = set_saturation(dialog[0], '1')
    again = poll(lambda: (chroma_of(dialog_shot(dialog[0])) > 10).sum() > 3000, 30, step=0.05)
    check('preview: saturation 1 again brings the colour back', again,
          f'{time.monotonic() - t:.2f} s from the change to colour on screen' if again
          else 'still gray after 30 s')
    ended, base, names = escape_dialog(img, dialog, pid)
    check('preview, Escape: the plug-in ends, no layer added, grayscale',
          ended and base == GRAY and names == before,
          f'plug-in ended: {bool(ended)}, base {base}, layers {names}')
    check('preview, Escape: the source pixels unchanged', *same_pixels(img, 'preview'))
    return True


def main():
    global window
    # ---- Xvfb on a free display, GIMP on it with the Script-Fu server ------
    r, w = os.pipe()
    xvfb = subprocess.Popen(['Xvfb', '-displayfd', str(w), '-screen', '0', '1280x1024x24',
                             '-nolisten', 'tcp'], pass_fds=[w],
                            stderr=open(f'{work}/xvfb.log', 'w'))
    procs.append(xvfb)
    os.close(w)
    with os.fdopen(r) as f:
        display = f.readline().strip()
    if not check('Xvfb started', display.isdigit(), f'display :{display}'):
        return
    env['DISPLAY'] = f':{display}'
    server = SERVER.format(port=port)
    t0 = time.monotonic()
    # -n: no D-Bus hand-over to another GIMP; -d -f: no brushes or fonts
    # (faster); a new session so every plug-in process dies with GIMP.
    # GIMP 3.0 runs batch commands only with an interpreter named.
    batch = ['--batch-interpreter=plug-in-script-fu-eval'] if V3 else []
    gimp = subprocess.Popen([gimp_exe, '-n', '-s', '-d', '-f', '--console-messages',
                             '--gimprc', f'{home}/gimprc', *batch, '-b', server, photo],
                            env=env, stdout=open(f'{work}/gimp.log', 'w'),
                            stderr=subprocess.STDOUT, start_new_session=True)
    procs.append(gimp)
    # The window title names the file: "[cat-gray] (imported)-1.0 (…) – GIMP"
    # (each wait ends early if GIMP exits)
    found = poll(lambda: gimp.poll() is not None or
                 xdo('search', '--onlyvisible', '--name', r'^\[cat-gray\].*GIMP$'), 90)
    window = found[0] if isinstance(found, list) else None
    up = poll(lambda: gimp.poll() is not None or
              script_fu(f'(vector-length {IMAGES})') != '0', 90)
    exited = gimp.poll()
    if not check('GIMP shows the image and answers on the Script-Fu server',
                 window and up and exited is None,
                 f'window {window}, {time.monotonic() - t0:.1f} s' +
                 (f', GIMP exited with status {exited}' if exited is not None else '')):
        return
    script_fu(HELPERS)
    img = script_fu(f'(vector-ref {IMAGES} 0)')
    check('plug-in-corolization is registered',
          script_fu(EXISTS.format(proc='plug-in-corolization')) in ('1', '#t'))

    # ---- 1. the loaded image, plus a rename as the previous undo step ------
    src = script_fu(SRC.format(img=img))
    script_fu(f'(gimp-item-set-name {src} "cz-source")')
    base, names = state(img)
    check('before: 1 layer, grayscale', base == GRAY and names == ['cz-source'],
          f'base {base}, layers {names}')
    check('before: the layer holds the file\'s pixels', *same_pixels(img, 'before'))

    # ---- 2. the plug-in, non-interactively, with the confidence layer -----
    t = time.monotonic()
    script_fu(CALL.format(img=img, drw=src, model=args.model))
    script_fu('(gimp-displays-flush)')
    base, names = state(img)
    check('plug-in: 3 layers (colour and confidence above the source), RGB',
          base == RGB and names == [f'Colorization confidence ({args.model})',
                                    f'Colorized ({args.model})', 'cz-source'],
          f'base {base}, layers {names}, {time.monotonic() - t:.1f} s')

    # ---- 3. one Ctrl+Z removes it all; Ctrl+Y brings it all back ----------
    if args.no_undo:
        print('     (--no-undo: not pressing Ctrl+Z; the undo checks must fail)')
    else:
        keys_to_image('ctrl+z')
    base, names = wait_layers(img, 1, 10)
    ok = check('one Ctrl+Z: 1 layer, grayscale again, the rename kept',
               base == GRAY and names == ['cz-source'], f'base {base}, layers {names}')
    ok &= check('one Ctrl+Z: the source pixels unchanged', *same_pixels(img, 'undo1'))
    if not ok:
        screenshot('undo1')
    if not args.no_undo:
        keys_to_image('ctrl+y')
        base, names = wait_layers(img, 3, 10)
        check('Ctrl+Y: the 3 layers and RGB are back in one step',
              base == RGB and len(names) == 3, f'base {base}, layers {names}')
        keys_to_image('ctrl+z')
        wait_layers(img, 1, 10)

    before = state(img)[1]

    def mapped():
        return set(xdo('search', '--onlyvisible', '--name', '.*'))

    def dialog_shown():
        return xdo('search', '--onlyvisible', '--name', '^Colorize$')

    def open_dialog(what):
        """Filters > Colorize…: the dialog's window and the plug-in's pid."""
        dialog = None
        for attempt in range(3):  # retried: a busy machine may drop a key
            shown = mapped()
            keys_to_image('alt+r')  # Filte_rs
            poll(lambda: mapped() - shown, 5)  # the menu's popup window
            xdo('key', 'z')  # Colori_ze…
            dialog = poll(dialog_shown, 15)
            if dialog:
                break
            xdo('key', 'Escape')
        pid = xdo('getwindowpid', dialog[0]) if dialog else []
        comm = open(f'/proc/{pid[0]}/comm').read().strip() if pid else None
        if not check(f'{what}: Filters > Colorize… opens the plug-in\'s dialog',
                     comm == 'corolization',
                     f'window {dialog}, process {comm}, attempt {attempt + 1}'):
            screenshot('dialog')
            return None, None
        # Xvfb has no window manager to give the new dialog the keyboard
        # focus (GIMP 3.0's dialog does not take it by itself): give it.
        xdo('windowfocus', '--sync', dialog[0])
        return dialog, pid[0]

    # ---- 4. Filters > Colorize…, Escape: nothing happens ------------------
    dialog, pid = open_dialog('Escape')
    if not dialog:
        return
    xdo('key', 'Escape')
    ended = poll(lambda: process_ended(pid), 10)
    base, names = state(img)
    check('Escape: the dialog closes and the plug-in ends', ended and not dialog_shown(),
          f'plug-in ended: {bool(ended)}')
    check('Escape: the layers as before, grayscale', base == GRAY and names == before,
          f'base {base}, layers {names}')
    check('Escape: the source pixels unchanged', *same_pixels(img, 'escape'))

    # ---- 4a. F1 in the dialog opens the Help page (its help domain) -------
    # GIMP maps the dialog's help ID through the plug-in's help domain to a
    # URI and hands it to its web browser, here a recorder (stage_browser).
    dialog, pid = open_dialog('Help')
    if not dialog:
        return
    xdo('key', 'F1')
    opened = poll(lambda: os.path.isfile(opened_file) and open(opened_file).read().strip(), 20)
    page = (opened or '').replace('file://', '')
    text = open(page, encoding='utf-8').read() if os.path.isfile(page) else ''
    check('F1 in the dialog: GIMP opens the plug-in\'s Help page',
          page.endswith('/plug-ins/corolization/help/en/index.html') and
          '<h3>Colour hints</h3>' in text and '<h3>Arguments</h3>' in text,
          f'opened {opened!r}, {len(text)} characters')
    xdo('windowfocus', '--sync', dialog[0])
    xdo('key', 'Escape')
    poll(lambda: process_ended(pid), 10)

    # ---- 4b. the dialog's "New hints layer" (Alt+N), then Escape ----------
    dialog, pid = open_dialog('New hints layer')
    if not dialog:
        return
    xdo('key', '--clearmodifiers', 'alt+n')
    base, names = wait_layers(img, len(before) + 1, 10)
    ok = check('New hints layer: "Colour hints" added above the source, RGB',
               base == RGB and names == ['Colour hints'] + before,
               f'base {base}, layers {names}')
    ended, base, names = escape_dialog(img, dialog, pid)
    check('New hints layer, Escape: the plug-in ends and the layer stays',
          ended and names == ['Colour hints'] + before, f'plug-in ended: {bool(ended)}, layers {names}')
    if ok:
        px = export(img, 0, 'hints-layer')
        check('New hints layer: the source\'s size, all transparent',
              px.shape[:2] == photo_px.shape[:2] and px.shape[2] == 4 and px[..., 3].max() == 0,
              f'{px.shape}, max alpha {px[..., 3].max() if px.ndim == 3 and px.shape[2] == 4 else None}')
    if not args.no_undo:
        keys_to_image('ctrl+z')
    base, names = wait_layers(img, len(before), 10)
    check('one Ctrl+Z after New hints layer: the layers as before, grayscale',
          base == GRAY and names == before, f'base {base}, layers {names}')

    # ---- 4c. the dialog's live preview, then Escape ------------------------
    if not preview_step(img, before, open_dialog):
        return

    # ---- 5. Filters > Colorize…, the dialog, Enter -------------------------
    dialog, pid = open_dialog('Enter')
    if not dialog:
        return

    # Enter in a number field runs the filter (OK is the default response):
    # Alt+V focuses the vividness field.
    t = time.monotonic()
    xdo('key', '--clearmodifiers', 'alt+v')
    xdo('key', 'Return')
    gone = poll(lambda: not dialog_shown(), 5 if V3 else 10)
    how = 'Alt+V, Enter in the vividness field'
    if V3 and not gone:
        # GIMP 3.0: Enter in a GimpProcedureDialog's number field only sets
        # the value; a user then presses OK (_OK, Alt+O).
        xdo('windowfocus', '--sync', dialog[0])
        if dialog_shown():
            how += ' left the dialog open (GIMP 3.0); Alt+O (OK)'
            xdo('key', '--clearmodifiers', 'alt+o')
        gone = poll(lambda: not dialog_shown(), 10)
    base, names = wait_layers(img, len(before) + 1, 60)
    # The layer is inserted before its pixels are written (one undo group,
    # several PDB calls): look at it once the plug-in has ended.
    ended = poll(lambda: process_ended(pid), 60)
    how += '; plug-in ended' if ended else '; plug-in still running after 60 s'
    ok = check('dialog, Enter: the dialog closes', gone and ended, how)
    ok &= check('dialog, Enter: "Colorized (MODEL)" added above the source, RGB',
                base == RGB and names == [f'Colorized ({args.model})'] + before,
                f'base {base}, layers {names}, {time.monotonic() - t:.1f} s')
    if ok:  # the network ran: colour, on the source's lightness
        lab = color.rgb2lab(export(img, 0, 'dialog-layer')[..., :3])
        chroma = np.hypot(lab[..., 1], lab[..., 2]).mean()
        dL = np.abs(lab[..., 0] - color.rgb2lab(color.gray2rgb(photo_px))[..., 0])
        check('dialog, Enter: the new layer has colour and the source\'s lightness',
              chroma > args.min_chroma and dL.mean() < 1.0,
              f'mean chroma {chroma:.2f} (threshold {args.min_chroma}), '
              f'mean |dL| {dL.mean():.3f}')
    else:
        screenshot('ok')

    # ---- 6. and one Ctrl+Z removes that too -------------------------------
    if not args.no_undo:
        keys_to_image('ctrl+z')
    base, names = wait_layers(img, len(before), 10)
    check('one Ctrl+Z after the dialog: the layers as before, grayscale',
          base == GRAY and names == before, f'base {base}, layers {names}')
    check('one Ctrl+Z after the dialog: the source pixels unchanged',
          *same_pixels(img, 'undo2'))


def stage_browser():
    """GIMP's web browser (asked for in gimprc) opens pages with the desktop's
    handler for HTML: here a script that records the URI it gets."""
    record = f'{home}/record-uri.sh'
    with open(record, 'w') as f:
        f.write(f'#!/bin/sh\necho "$1" > {opened_file}\n')
    os.chmod(record, 0o755)
    os.makedirs(f'{home}/.local/share/applications')
    with open(f'{home}/.local/share/applications/cz-record.desktop', 'w') as f:
        f.write(f'[Desktop Entry]\nType=Application\nName=record\nExec={record} %u\n'
                'MimeType=text/html;x-scheme-handler/file;\n')
    os.makedirs(f'{home}/.config', exist_ok=True)
    with open(f'{home}/.config/mimeapps.list', 'w') as f:
        f.write('[Default Applications]\ntext/html=cz-record.desktop\n'
                'x-scheme-handler/file=cz-record.desktop\n')
    with open(f'{home}/gimprc', 'a') as f:
        f.write('(help-browser web-browser)\n')


opened_file = f'{work}/help-opened.txt'
stage_browser()
# G_MESSAGES_DEBUG: the preview logs each drawing's latency (GLib's debug
# messages of its own domain), printed below.
env = dict(os.environ, HOME=home, COROLIZATION_MODELS=models, LANG='C.UTF-8',
           OPENBLAS_NUM_THREADS='2', G_MESSAGES_DEBUG='corolization-preview')
for k in ('LANGUAGE', 'LC_ALL', 'DISPLAY', 'XAUTHORITY', 'DBUS_SESSION_BUS_ADDRESS',
          'XDG_CONFIG_HOME', 'XDG_DATA_HOME'):
    env.pop(k, None)
window = None
t_start = time.monotonic()
try:
    main()
except (OSError, RuntimeError, subprocess.SubprocessError) as e:
    check('the test ran to the end', False, f'{type(e).__name__}: {e}')
finally:
    for p in reversed(procs):  # GIMP's whole session (its plug-ins), then Xvfb
        try:
            if p.args[0] == gimp_exe:
                os.killpg(p.pid, signal.SIGKILL)
            else:
                p.kill()
        except ProcessLookupError:
            pass
        p.wait()
log = []
if os.path.exists(f'{work}/gimp.log'):
    with open(f'{work}/gimp.log', errors='replace') as f:
        # without the Script-Fu server's per-request lines (2.10: "Server:
        # ...", 3.0: "ScriptFu server: ...") and Debian's missing-theme-engine
        # warnings
        log = [l for l in f if l.strip() and not re.search(
            r'theme engine|^Server: |^ScriptFu server: |Received request|'
            r'Processing request|processed in', l)]
# Not a check: GIMP 3.0 reports mnemonics of the dialog that clash with its
# own buttons (Alt+that letter then only moves the focus between them).
for l in log:
    if 'duplicate mnemonic' in l:
        print('     (GIMP: ' + l.strip() + ')')
# Not a check: the preview's own latency, change to drawn, in the plug-in.
for l in log:
    if 'corolization-preview' in l:
        print('     (preview: ' + l.split(': ', 2)[-1].strip() + ')')
if failures and log:
    print('     GIMP log, last lines:\n' + ''.join('       ' + l for l in log[-15:]), end='')
print(f'     ({time.monotonic() - t_start:.0f} s)')
finish()
