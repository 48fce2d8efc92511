"""gimp_script.py: the one way the GIMP tests speak Script-Fu and run
headless GIMP, per version (2.10 and 3.0 differ in procedure names,
argument lists and constants): load, the selected drawable, the layers,
save, the plug-in call, a prelude of helpers (cz-msg, cz-export,
cz-nlayers, cz-layer, cz-num) and gimp-console itself.

Used by gimp-test.py, gimp-import-test.py and tests/bench/gimp_bench.py."""
import subprocess


class Script:
    def __init__(self, v3):
        self.v3 = v3
        if v3:
            self.LOAD = '(car (gimp-file-load RUN-NONINTERACTIVE "{p}"))'
            self.DRW = '(vector-ref (car (gimp-image-get-selected-drawables {img})) 0)'
            self.LAYERS = '(car (gimp-image-get-layers {img}))'
            self.SAVE = '(gimp-file-save RUN-NONINTERACTIVE {img} "{p}" -1)'
            self.U16 = 'PRECISION-U16-NON-LINEAR'
            self.FLOAT = 'PRECISION-FLOAT-NON-LINEAR'
            self.BASE = 'gimp-image-get-base-type'
            self.CALL = ('(plug-in-corolization #:run-mode RUN-NONINTERACTIVE #:image {img} '
                         '#:drawables (vector {drw}) {kw})')
        else:
            self.LOAD = '(car (gimp-file-load RUN-NONINTERACTIVE "{p}" "{p}"))'
            self.DRW = '(car (gimp-image-get-active-drawable {img}))'
            self.LAYERS = '(cadr (gimp-image-get-layers {img}))'
            self.SAVE = ('(gimp-file-save RUN-NONINTERACTIVE {img} (car (gimp-image-get-active-drawable {img})) '
                         '"{p}" "{p}")')
            self.U16 = 'PRECISION-U16-GAMMA'
            self.FLOAT = 'PRECISION-FLOAT-GAMMA'
            self.BASE = 'gimp-image-base-type'
            self.CALL = '(plug-in-corolization RUN-NONINTERACTIVE {img} {drw} {pos})'
        save_path = self.SAVE.format(img='dup', p='@@').replace('"@@"', 'path')
        # (cz-export img item path): the top-level layer item alone (or the
        # composite when item is #f), at 16-bit non-linear, as PNG.
        self.prelude = f"""
(define (cz-msg . parts) (gimp-message (apply string-append "CZ " parts)))
(define (cz-export img item path)
  (let* ((index (if item (car (gimp-image-get-item-position img item)) -1))
         (dup (car (gimp-image-duplicate img)))
         (layers {self.LAYERS.format(img="dup")})
         (n (vector-length layers)))
    (let loop ((i 0))
      (when (< i n)
        (if (>= index 0)
            (gimp-item-set-visible (vector-ref layers i) (if (= i index) TRUE FALSE)))
        (loop (+ i 1))))
    (gimp-image-merge-visible-layers dup CLIP-TO-IMAGE)
    (if (not (= (car ({self.BASE} dup)) RGB)) (gimp-image-convert-rgb dup))
    (gimp-image-convert-precision dup {self.U16})
    {save_path}
    (gimp-image-delete dup)))
(define (cz-nlayers img) (vector-length {self.LAYERS.format(img="img")}))
(define (cz-layer img i) (vector-ref {self.LAYERS.format(img="img")} i))
(define (cz-num x) (number->string (if (number? x) x (if x 1 0))))
(define cz-ref #f)
"""

    def call(self, img, drw, model='', t=0.38, s=1.0, size=0, output='layer', conf=False,
             hints=None, ref=None, rs=None):
        """plug-in-corolization on drw of img (Scheme expressions). hints,
        ref: Scheme expressions for the hints and reference layers; None or
        '-1' for none (GIMP 3.0 leaves the argument out; GIMP 2.10's
        Script-Fu wants every argument, so it passes -1). rs: the reference
        strength (None: left out in 3.0, the default 1.0 in 2.10)."""
        if self.v3:
            kw = f'#:model "{model}" #:temperature {t} #:saturation {s} #:size {size} ' \
                 f'#:output "{output}" #:confidence {"TRUE" if conf else "FALSE"}'
            if hints is not None and hints != '-1':
                kw += f' #:hints {hints}'
            if ref is not None and ref != '-1':
                kw += f' #:reference {ref}'
            if rs is not None:
                kw += f' #:reference-strength {rs}'
            return self.CALL.format(img=img, drw=drw, kw=kw)
        pos = f'"{model}" {t} {s} {size} "{output}" {1 if conf else 0}'
        pos += f' {hints if hints is not None else -1}'
        pos += f' {ref if ref is not None else -1} {rs if rs is not None else 1.0}'
        return self.CALL.format(img=img, drw=drw, pos=pos)

    def run(self, batch, env, brushes=False, timeout=900):
        """Runs batch (Scheme) in headless GIMP with env (its HOME holds the
        gimprc of gimp_stage.stage_plugin); returns GIMP's output. brushes:
        GIMP 2.10 loads its data (-d skips it, and gimp-pencil then paints
        nothing)."""
        gimprc = f'{env["HOME"]}/gimprc'
        if self.v3:
            cmd = ['gimp-console-3.0', '-i', '-n', '--quit', '--gimprc', gimprc,
                   '--batch-interpreter=plug-in-script-fu-eval', '-b', batch]
        else:  # fonts are needed for the text layer (no -f)
            cmd = ['gimp-console-2.10', '-i'] + ([] if brushes else ['-d']) + \
                  ['--gimprc', gimprc, '-b', batch, '-b', '(gimp-quit 0)']
        p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=timeout)
        return p.stdout
