#!/bin/sh
# test_files.sh: nothing lost, nothing hangs: what corolization-train
# writes and which paths it walks (issue 21).
#   usage: test_files.sh CRAYON   (the corolization-train binary)
# Photos are drawn here (python3's zlib, no other package). Checks:
# colorize refuses an output that is one of its inputs and two inputs that
# would share an output, before writing anything; a write past a file size
# limit (ulimit -f, as a full disk) fails with exit 1 and leaves the old
# file whole; a training run killed during its checkpoint writes leaves no
# temporary files; train, prepare, eval and lr-find refuse an output that is
# the same file as another path (exit 2); the photo walker lists a folder
# once despite symlink loops, follows a linked folder once, and skips an
# unreadable subfolder with a warning.
set -u
BIN=$1
TEST=files
. "$(dirname "$0")/check.sh"
sum() { cksum < "$1"; }
# n_photos DIR: the number eval measures under DIR (one line of JSON)
n_photos() { timeout 120 "$BIN" eval --oracle --images "$1" --json 2> "$T/np.err" | sed -n 's/^{"images": \([0-9]*\),.*/\1/p'; }
tmps() { find "$T" -name '*.tmp*' | wc -l; }

# Six colourful 64 x 48 photos in two classes: gradients, one per seed.
python3 - "$T/photos" << 'EOF'
import os, struct, sys, zlib
def png(path, w, h, seed):
    rows = b''.join(b'\0' + bytes(v for x in range(w) for v in (
        (x * 4 + seed * 40) % 256, (y * 5 + seed * 70) % 256, (x * y + seed * 90) % 256)) for y in range(h))
    chunk = lambda t, d: struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
    with open(path, 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0)) +
                chunk(b'IDAT', zlib.compress(rows)) + chunk(b'IEND', b''))
for c, seeds in (('a', (1, 2, 3)), ('b', (4, 5, 6))):
    os.makedirs(os.path.join(sys.argv[1], c))
    for s in seeds: png(os.path.join(sys.argv[1], c, 'p%d.png' % s), 64, 48, s)
EOF
check "6 photos drawn" [ $(ls "$T"/photos/*/*.png | wc -l) -eq 6 ]
"$BIN" prepare "$T/photos" -o "$T/data" --size 32 -q > /dev/null 2>&1
check "prepare exits 0" [ $? -eq 0 ]
"$BIN" train --arch colorful --data "$T/data" -o "$T/m.safetensors" --steps 2 --batch 2 --size 32 \
    --sample-every 0 > /dev/null 2>&1
check "a tiny model trains" [ -s "$T/m.safetensors" ]

# 1. colorize: an output that is an input, and two inputs with one output.
mkdir "$T/c"
cp "$T/photos/a/p1.png" "$T/c/p1.png"
before=$(sum "$T/c/p1.png")
"$BIN" colorize --model "$T/m.safetensors" -o "$T/c" "$T/c/p1.png" > /dev/null 2> "$T/c1.err"
check "colorize -o DIR DIR/p1.png is bad usage (exit 2)" [ $? -eq 2 ]
check "... says the output would overwrite the input" grep -q "would overwrite input" "$T/c1.err"
check "... and leaves the photo as it was" [ "$(sum "$T/c/p1.png")" = "$before" ]
ln -s "$T/c/p1.png" "$T/c/link.png"
"$BIN" colorize --model "$T/m.safetensors" -o "$T/c" "$T/c/link.png" > /dev/null 2>&1
check "colorize over a symlink to its input is bad usage (exit 2)" [ $? -eq 2 ]
check "... and leaves the photo as it was" [ "$(sum "$T/c/p1.png")" = "$before" ]
cp "$T/photos/a/p2.png" "$T/c/p1.jpg" # a PNG under a .jpg name: decoded by content
"$BIN" colorize --model "$T/m.safetensors" -o "$T/out" "$T/photos/a/p3.png" "$T/c/p1.png" "$T/c/p1.jpg" \
    > /dev/null 2> "$T/c2.err"
check "colorize p1.png p1.jpg (both p1.png) is bad usage (exit 2)" [ $? -eq 2 ]
check "... naming both inputs" grep -q "from '$T/c/p1.png').*from '$T/c/p1.jpg'" "$T/c2.err"
check "... before writing anything" [ ! -e "$T/out" ]

# 2. A full disk, as a file size limit: the write fails, exit 1, the old
# file stays whole (SIGXFSZ must not kill the command mid-file).
"$BIN" colorize --model "$T/m.safetensors" -o "$T/out" "$T/photos/a/p3.png" > /dev/null 2>&1
check "colorize writes out/p3.png" [ -s "$T/out/p3.png" ]
before=$(sum "$T/out/p3.png")
(ulimit -f 4; "$BIN" colorize --model "$T/m.safetensors" --saturation 2 -o "$T/out" "$T/photos/a/p3.png") \
    > /dev/null 2> "$T/f1.err"
check "colorize past ulimit -f exits 1" [ $? -eq 1 ]
check "... saying why" grep -q "out/p3.png: write: File too large" "$T/f1.err"
check "... and out/p3.png is the old one, whole" [ "$(sum "$T/out/p3.png")" = "$before" ]
before=$(sum "$T/data")
(ulimit -f 16; "$BIN" prepare "$T/photos" -o "$T/data" --size 40 -q) > /dev/null 2> "$T/f2.err"
check "prepare past ulimit -f exits 1" [ $? -eq 1 ]
check "... saying why" grep -q "File too large" "$T/f2.err"
check "... and the old dataset is whole" [ "$(sum "$T/data")" = "$before" ]
before=$(sum "$T/m.safetensors.ckpt")
(ulimit -f 64; "$BIN" train --arch colorful --data "$T/data" -o "$T/m.safetensors" --steps 4 --batch 2 \
    --size 32 --sample-every 0 --resume) > /dev/null 2> "$T/f3.err"
check "train past ulimit -f exits 1" [ $? -eq 1 ]
check "... saying why" grep -q "m.safetensors.ckpt: write: File too large" "$T/f3.err"
check "... and the old checkpoint is whole" [ "$(sum "$T/m.safetensors.ckpt")" = "$before" ]
"$BIN" eval --model "$T/m.safetensors" --images "$T/photos" --grid "$T/grid.png" > /dev/null 2>&1
before=$(sum "$T/grid.png")
(ulimit -f 8; "$BIN" eval --model "$T/m.safetensors" --images "$T/photos" --grid "$T/grid.png") \
    > /dev/null 2> "$T/f4.err"
check "eval's grid past ulimit -f: exit 1" [ $? -eq 1 ]
check "eval's grid past ulimit -f: a warning saying why" grep -q "sample grid: .*File too large" "$T/f4.err"
check "... and the old grid is whole" [ "$(sum "$T/grid.png")" = "$before" ]
check "no temporary files left by the failed writes" [ $(tmps) -eq 0 ]

# 8. Runs killed while they write checkpoints (one every step) leave no
# temporary files.
for k in 1 2 3 4; do
    "$BIN" train --arch colorful --data "$T/data" -o "$T/k.safetensors" --steps 100000 --batch 1 --size 32 \
        --checkpoint-every 1 --sample-every 0 --log-every 1 --threads 1 > /dev/null 2> "$T/k.err" &
    pid=$!
    i=0
    while [ $i -lt 600 ] && ! grep -q "^step $((k + 2))/" "$T/k.err" 2> /dev/null; do sleep 0.05; i=$((i + 1)); done
    sleep 0.0$k
    kill -9 $pid 2> /dev/null
    wait $pid 2> /dev/null
done
check "killed runs wrote checkpoints" [ -s "$T/k.safetensors.ckpt" ]
check "killed runs left no temporary files ($(tmps) found)" [ $(tmps) -eq 0 ]

# 9. The same file under two names: refused before any work (exit 2).
before=$(sum "$T/data")
"$BIN" train --arch colorful --data "$T/data" -o "$T/data" --steps 2 > /dev/null 2> "$T/s1.err"
check "train -o X --data X is bad usage (exit 2)" [ $? -eq 2 ]
check "... saying so" grep -q "would overwrite --data" "$T/s1.err"
check "... and the dataset is untouched" [ "$(sum "$T/data")" = "$before" ]
ln -s data "$T/data-link"
"$BIN" train --arch colorful --data "$T/data-link" -o "$T/data" --steps 2 > /dev/null 2>&1
check "train -o X --data LINK-TO-X is bad usage (exit 2)" [ $? -eq 2 ]
"$BIN" train --arch colorful --data "$T/data" -o "$T/x.safetensors" --checkpoint "$T/./x.safetensors" \
    --steps 2 > /dev/null 2>&1
check "train --checkpoint X -o X (X not there yet) is bad usage (exit 2)" [ $? -eq 2 ]
check "... and writes nothing" [ ! -e "$T/x.safetensors" ]
"$BIN" train --arch colorful --data "$T/data" -o "$T/y.safetensors" --samples "$T/s" \
    --checkpoint "$T/s.log.csv" --steps 2 > /dev/null 2>&1
check "train --samples P --checkpoint P.log.csv is bad usage (exit 2)" [ $? -eq 2 ]
"$BIN" train --arch colorful --data "$T/data" -o "$T/photos" --steps 2 > /dev/null 2>&1
check "train -o FOLDER is bad usage (exit 2)" [ $? -eq 2 ]
before=$(sum "$T/photos/a/p1.png")
"$BIN" prepare "$T/photos" -o "$T/photos/a/p1.png" --size 32 > /dev/null 2>&1
check "prepare -o onto one of its photos is bad usage (exit 2)" [ $? -eq 2 ]
check "... and the photo is untouched" [ "$(sum "$T/photos/a/p1.png")" = "$before" ]
"$BIN" eval --model "$T/m.safetensors" --images "$T/photos" --grid "$T/photos/b/p4.png" > /dev/null 2>&1
check "eval --grid onto one of its photos is bad usage (exit 2)" [ $? -eq 2 ]
cp "$T/data" "$T/lr.csv"
before=$(sum "$T/lr.csv")
"$BIN" lr-find --arch colorful --data "$T/lr.csv" -o "$T/lr" --steps 10 --batch 2 --size 32 > /dev/null 2>&1
check "lr-find -o P --data P.csv is bad usage (exit 2)" [ $? -eq 2 ]
check "... and the dataset is untouched" [ "$(sum "$T/lr.csv")" = "$before" ]

# 4. The photo walker: loops, a linked folder, an unreadable subfolder.
mkdir -p "$T/w/sub"
cp "$T/photos/a/p1.png" "$T/photos/a/p2.png" "$T/w/"
cp "$T/photos/a/p3.png" "$T/w/sub/"
ln -s . "$T/w/self1"
ln -s . "$T/w/self2"
ln -s .. "$T/w/sub/up"
check "three symlink loops: each photo counted once" [ "$(n_photos "$T/w")" = 3 ]
check "... the loops named in warnings" grep -q "self1: skipped: the folder is already listed" "$T/np.err"
mkdir "$T/w2"
ln -s "$T/photos/b" "$T/w2/linked"
ln -s "$T/photos/a/p1.png" "$T/w2/file-link.png"
check "a linked folder and a linked photo are listed" [ "$(n_photos "$T/w2")" = 4 ]
mkdir "$T/w/locked"
cp "$T/photos/b/p4.png" "$T/w/locked/"
chmod 000 "$T/w/locked"
# root reads any folder: drop the capabilities that let it
asuser=""
[ "$(id -u)" -eq 0 ] && asuser="setpriv --bounding-set -dac_override,-dac_read_search"
n=$($asuser timeout 120 "$BIN" eval --oracle --images "$T/w" --json 2> "$T/np.err" | sed -n 's/^{"images": \([0-9]*\),.*/\1/p')
check "an unreadable subfolder is skipped: the 3 other photos measured (got '$n')" [ "$n" = 3 ]
check "... with a warning naming it" grep -q "w/locked: skipped: cannot read the folder" "$T/np.err"
chmod 755 "$T/w/locked"

# A FIFO as the dataset: open() would wait for a writer forever.
mkfifo "$T/fifo.data"
timeout 10 "$BIN" train --arch colorful --data "$T/fifo.data" -o "$T/fifo.safetensors" --steps 1 \
    > /dev/null 2> "$T/fifo.err"
check "train --data FIFO: refused (exit 1), no hang" [ $? -eq 1 ]
check "... saying it is not a regular file" grep -q "not a regular file" "$T/fifo.err"
timeout 10 "$BIN" lr-find --arch colorful --data "$T/fifo.data" -o "$T/fifo-lr" --steps 10 > /dev/null 2>&1
check "lr-find --data FIFO: refused (exit 1), no hang" [ $? -eq 1 ]

# 3. Depth: a 16-bit photo gives a 16-bit PNG whose samples keep more than
# 8 bits of its fine gradient; an 8-bit photo gives an 8-bit PNG.
python3 - "$T/deep.png" << 'EOF'
import struct, sys, zlib
w, h = 64, 48
rows = b''.join(b'\0' + b''.join(struct.pack('>HHH', *(((y * w + x) * 21,) * 3)) for x in range(w))
                for y in range(h))
chunk = lambda t, d: struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
open(sys.argv[1], 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 16, 2, 0, 0, 0)) +
                              chunk(b'IDAT', zlib.compress(rows)) + chunk(b'IEND', b''))
EOF
"$BIN" colorize --model "$T/m.safetensors" -o "$T/deep" "$T/deep.png" "$T/photos/a/p3.png" > /dev/null 2>&1
check "colorize a 16-bit and an 8-bit photo exits 0" [ $? -eq 0 ]
# depth, and the distinct values of the first sample (unfiltered rows)
cat > "$T/depth.py" << 'EOF'
import struct, sys, zlib
d = open(sys.argv[1], 'rb').read()
pos, idat, ihdr = 8, b'', None
while pos < len(d):
    n, t = struct.unpack('>I4s', d[pos:pos + 8])
    if t == b'IHDR': ihdr = struct.unpack('>IIBBBBB', d[pos + 8:pos + 21])
    if t == b'IDAT': idat += d[pos + 8:pos + 8 + n]
    pos += 12 + n
w, h, bits, ctype = ihdr[:4]
bpp = {2: 3, 6: 4, 0: 1, 4: 2}[ctype] * bits // 8
raw, stride, prev, vals = zlib.decompress(idat), w * bpp, bytearray(w * bpp), set()
for y in range(h):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    for x in range(w):
        o = x * bpp
        vals.add(line[o] * 256 + line[o + 1] if bits == 16 else line[o])
    prev = line
print(bits, len(vals))
EOF
set -- $(python3 "$T/depth.py" "$T/deep/deep.png")
check "... the 16-bit photo's result is a 16-bit PNG" [ "$1" = 16 ]
check "... whose red samples take more than 256 values (got $2)" [ "${2:-0}" -gt 256 ]
set -- $(python3 "$T/depth.py" "$T/deep/p3.png")
check "... the 8-bit photo's result is an 8-bit PNG" [ "$1" = 8 ]

finish "trainer files"
