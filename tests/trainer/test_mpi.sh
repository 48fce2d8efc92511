#!/bin/sh
# test_mpi.sh: train under mpirun (dist.h). Two ranks of one lane train as
# one process of two lanes does (the same batches split the same way, the
# same losses and weights within float rounding), and two ranks of two lanes
# as one process of four; the labels of fusion's class loss and pix2pix's
# discriminator step go through the ranks too; a run stopped (at a step, and
# by SIGUSR1 to mpirun) and resumed under mpirun ends at the same step with
# the unbroken run's weights; a rank killed with SIGKILL, or one that fails
# on its own, ends the whole job within seconds with a non-zero status and a
# message naming it; ranks that would start from different weights are
# refused. Skipped (77) when the trainer was built without MPI.
# First its unit program (test_dist.c): the ranks' summed gradient is one
# network's on a batch whose halves match, and 2 lanes' on one whose do not.
#   usage: test_mpi.sh CZ_TRAIN_BINARY PHOTO_ROOT PYTHON MPIRUN|'' TEST_DIST
set -u
BIN=$1
PHOTOS=$2
PY=$3
MPIRUN=${4:-}
DIST=${5:-}
if [ -z "$MPIRUN" ] || ! command -v "$MPIRUN" > /dev/null 2>&1; then
    echo "mpi: corolization-train was built without MPI (or mpirun is missing): skipped"
    exit 77
fi
TEST=mpi
. "$(dirname "$0")/check.sh"
# CI runs as root, which Open MPI refuses unless told.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
# One machine, more ranks than cores.
MPI="$MPIRUN --oversubscribe"

# cmp_weights A B FRAC: the tensors of A and B (metadata aside) are the same
# but for at most a fraction FRAC of their values, which may differ by more
# than 1e-5. Sums of 2 lanes' gradients are the same in any order; of more,
# rounding depends on the order, and Adam (which divides by the gradient's
# own size) magnifies it where the lanes' gradients nearly cancel, so a few
# values drift by up to the learning rate per step; any other batches or
# split would move almost all of them.
cmp_weights() {
    "$PY" - "$1" "$2" "$3" <<'PYEOF'
import json, struct, sys
import numpy as np
def read(path):
    b = open(path, 'rb').read()
    n = struct.unpack('<Q', b[:8])[0]
    h = json.loads(b[8:8 + n])
    h.pop('__metadata__', None)
    return {k: np.frombuffer(b[8 + n + v['data_offsets'][0]:8 + n + v['data_offsets'][1]], np.float32)
            for k, v in h.items()}
a, b = read(sys.argv[1]), read(sys.argv[2])
if sorted(a) != sorted(b):
    print('different tensors'); sys.exit(1)
off = sum(int(np.sum(np.abs(a[k] - b[k]) > 1e-5)) for k in a)
total = sum(a[k].size for k in a)
print('%d of %d values differ by more than 1e-5' % (off, total))
sys.exit(0 if off <= float(sys.argv[3]) * total else 1)
PYEOF
}

# cmp_losses A.log.csv B.log.csv: the same steps, losses within 1e-5.
cmp_losses() {
    "$PY" - "$1" "$2" <<'PYEOF'
import sys
def read(p):
    return [l.strip().split(',') for l in open(p) if l[0].isdigit()]
a, b = read(sys.argv[1]), read(sys.argv[2])
ok = len(a) == len(b) and len(a) > 0 and all(
    x[0] == y[0] and abs(float(x[1]) - float(y[1])) <= 1e-5 * abs(float(x[1])) + 1e-6 for x, y in zip(a, b))
print('%d steps: %s' % (len(a), ' '.join('%s/%s' % (x[1], y[1]) for x, y in zip(a, b))))
sys.exit(0 if ok else 1)
PYEOF
}

$MPI -np 2 "$DIST"
check "test_trainer_dist under mpirun -np 2 passes" [ $? -eq 0 ]

last_step() { tail -n 1 "$1" | cut -d, -f1; }
# wait_started OUT: until rank 0 has printed its first line (at most 60 s).
wait_started() {
    i=0
    while ! grep -q '^train: ' "$1" 2> /dev/null && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
}
# wait_stepping FILE: until a progress line of a taken step is in FILE (60 s at most).
wait_stepping() {
    i=0
    while ! grep -q '^step ' "$1" 2> /dev/null && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
}
# all CMD...: true when each command (a quoted test) is.
all() { for c in "$@"; do eval "$c" || return 1; done; }
# rank_pid N PATTERN: the pid of rank N of the job whose command line has PATTERN.
# (From /proc: no procps needed.)
rank_pid() {
    for d in /proc/[0-9]*; do
        tr '\0' ' ' < $d/cmdline 2> /dev/null | grep -qF -- "$2" &&
            tr '\0' '\n' < $d/environ 2> /dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$1" && echo ${d#/proc/}
    done
}

"$BIN" prepare "$PHOTOS" -o "$T/data" --size 40 --quiet > /dev/null
COMMON="--data $T/data --width 0.125 --size 32 --batch 8 --seed 3 --sample-every 0 --log-every 1000"

# (a) ranks and lanes: the same losses and weights.
for arch in colorful fusion; do
    "$BIN" train --arch $arch $COMMON --steps 6 --threads 2 -o "$T/lanes-$arch.safetensors" > /dev/null 2>&1
    check "$arch: one process of 2 lanes exits 0" [ $? -eq 0 ]
    $MPI -np 2 "$BIN" train --arch $arch $COMMON --steps 6 --threads 1 -o "$T/ranks-$arch.safetensors" \
        > "$T/out" 2> "$T/err"
    check "$arch: mpirun -np 2 exits 0" [ $? -eq 0 ]
    check "$arch: rank 0 alone prints the run's lines" [ "$(grep -c '^train: ' "$T/out")" -eq 2 ]
    check "$arch: the job says how the batch is split" grep -q '2 ranks of 4 photos a batch each' "$T/out"
    echo "$arch, 2 ranks x 1 lane vs 2 lanes:"
    check "$arch: 2 ranks x 1 lane give 2 lanes' losses" \
        cmp_losses "$T/ranks-$arch.log.csv" "$T/lanes-$arch.log.csv"
    check "$arch: ... and its weights" \
        cmp_weights "$T/ranks-$arch.safetensors" "$T/lanes-$arch.safetensors" 0
done
# More than 2 lanes: the same losses; after 2 steps the same weights but for
# summation order (by step 4 Adam has spread it to most values).
for n in 2 4; do
    "$BIN" train --arch colorful $COMMON --steps $n --threads 4 -o "$T/lanes4-$n.safetensors" > /dev/null 2>&1
    $MPI -np 2 "$BIN" train --arch colorful $COMMON --steps $n --threads 2 -o "$T/ranks2x2-$n.safetensors" \
        > /dev/null 2>&1
    check "2 ranks x 2 lanes exit 0" [ $? -eq 0 ]
done
echo "colorful, 2 ranks x 2 lanes vs 4 lanes:"
check "2 ranks x 2 lanes give 4 lanes' losses" cmp_losses "$T/ranks2x2-4.log.csv" "$T/lanes4-4.log.csv"
check "... and, after 2 steps, its weights but for summation order (at most 5% of values)" \
    cmp_weights "$T/ranks2x2-2.safetensors" "$T/lanes4-2.safetensors" 0.05
$MPI -np 2 "$BIN" train --arch pix2pix $COMMON --steps 2 --threads 1 -o "$T/gan.safetensors" \
    > /dev/null 2> "$T/err"
rc=$?
check "pix2pix (a discriminator step inside the step) trains on 2 ranks" all "[ $rc -eq 0 ]" "[ -s '$T/gan.safetensors' ]"
$MPI -np 3 "$BIN" train --arch colorful $COMMON --steps 2 -o "$T/odd.safetensors" > /dev/null 2> "$T/err"
check "a batch that does not split over the ranks is refused" [ $? -ne 0 ]
check "... saying so" grep -q 'does not split evenly over 3 ranks' "$T/err"

# (c) stopped at step 5, resumed to 8: the unbroken run's step and weights.
R="$MPI -np 2 $BIN train --arch colorful $COMMON --threads 1"
$R --steps 8 -o "$T/whole.safetensors" > /dev/null 2>&1
$R --steps 5 -o "$T/part.safetensors" > /dev/null 2>&1
$R --steps 8 -o "$T/part.safetensors" --resume > "$T/out" 2> "$T/err"
check "a resumed job exits 0" [ $? -eq 0 ]
check "it continued from the checkpoint" grep -q 'continuing colorful from .* at step 5' "$T/err"
check "it ends at step 8" [ "$(last_step "$T/part.log.csv")" = 8 ]
check "stopped and resumed: the unbroken run's weights" \
    cmp_weights "$T/part.safetensors" "$T/whole.safetensors" 0

# ... and stopped by SIGUSR1 to mpirun (it passes it to every rank).
# The signal is sent once a step has been taken: every rank has set its
# handlers by then (at "train: " a rank may not have yet, and SIGUSR1's
# default ends the process).
$R --steps 1000000 --checkpoint-every 100000 --log-every 1 -o "$T/sig.safetensors" > "$T/out" 2> "$T/err" &
MP=$!
wait_stepping "$T/out"
kill -USR1 $MP
wait $MP
rc=$?
check "SIGUSR1 stops the job cleanly (exit 3)" [ $rc -eq 3 ]
stopped=$(sed -n 's/.*stopped early at step \([0-9]*\).*/\1/p' "$T/out")
check "... at a step, saved" all "[ -n '$stopped' ]" "[ '${stopped:-0}' -gt 0 ]" "[ -s '$T/sig.safetensors.ckpt' ]"
stopped=${stopped:-0}
$R --steps $((stopped + 3)) -o "$T/sig.safetensors" --resume > /dev/null 2>&1
rc=$?
check "resumed, it reaches the step asked for" all "[ $rc -eq 0 ]" "[ $(last_step "$T/sig.log.csv") = $((stopped + 3)) ]"

# (b) a rank killed: the job ends within seconds, not in a hang.
$R --steps 1000000 --checkpoint-every 100000 -o "$T/kill.safetensors" > "$T/out" 2> "$T/err" &
MP=$!
wait_started "$T/out"
sleep 1
r1=$(rank_pid 1 "$T/kill.safetensors")
check "rank 1 is found" [ -n "$r1" ]
t0=$(date +%s)
[ -n "$r1" ] && kill -9 "$r1"
i=0
while kill -0 $MP 2> /dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
took=$(($(date +%s) - t0))
kill -0 $MP 2> /dev/null && kill -9 $MP
wait $MP
rc=$?
echo "a killed rank ended the job in ${took} s (status $rc)"
check "a killed rank ends the job within 20 s" [ "$took" -lt 20 ]
check "... with a non-zero status" [ $rc -ne 0 ]
check "... saying which rank died" grep -q 'rank 1 .*signal 9' "$T/err"

# A rank that fails alone (here: its dataset is missing) ends the job too.
t0=$(date +%s)
$MPIRUN -np 1 "$BIN" train --arch colorful $COMMON --steps 1000000 -o "$T/f.safetensors" : \
    -np 1 "$BIN" train --arch colorful --data "$T/missing" --width 0.125 --size 32 --batch 8 --steps 1000000 \
    -o "$T/f.safetensors" > "$T/out" 2> "$T/err"
rc=$?
took=$(($(date +%s) - t0))
check "a rank that fails on its own ends the job (status $rc, ${took} s)" all "[ $rc -ne 0 ]" "[ $took -lt 20 ]"
check "... saying so" grep -q 'rank 1 stopped before the job ended; ending every rank' "$T/err"

# Ranks that would start apart (one finds the checkpoint, one does not).
$MPIRUN -np 1 "$BIN" train --arch colorful $COMMON --steps 9 -o "$T/part.safetensors" \
    --resume : -np 1 "$BIN" train --arch colorful $COMMON --steps 9 -o "$T/part.safetensors" --resume \
    --checkpoint "$T/none.ckpt" > "$T/out" 2> "$T/err"
check "ranks with different starting weights are refused" [ $? -ne 0 ]
check "... naming the cause" grep -q 'do not start from the same step and weights' "$T/err"

finish mpi
