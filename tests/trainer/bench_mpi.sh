#!/bin/sh
# bench_mpi.sh: training images/s of `train` under mpirun with 1 and 2 ranks
# on this machine (colorful, the dataset prepared from the repository's test
# photos), and one process of 2 lanes beside them. Each figure is the
# trainer's own "images/s (N in the step alone)" of its final line, the best
# of --rounds runs. On one machine this proves the path, not the scaling:
# ranks share its cores as lanes do, and each rank has its own loader.
#   usage: bench_mpi.sh CZ_TRAIN_BINARY PHOTO_ROOT MPIRUN|'' [SIZE BATCH STEPS ROUNDS]
set -u
BIN=$1
PHOTOS=$2
MPIRUN=${3:-}
SIZE=${4:-128}
BATCH=${5:-16}
STEPS=${6:-20}
ROUNDS=${7:-2}
if [ -z "$MPIRUN" ] || ! command -v "$MPIRUN" > /dev/null 2>&1; then
    echo "bench_mpi: corolization-train was built without MPI (or mpirun is missing): not measured"
    exit 77
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
T=$(mktemp -d /tmp/cz-bench-mpi-XXXXXX)
trap 'rm -rf "$T"' EXIT
"$BIN" prepare "$PHOTOS" -o "$T/data" --size $((SIZE + 16)) --quiet > /dev/null || exit 1

# rate THREADS [LAUNCHER...]: the best images/s over the rounds (whole run,
# step alone) of train with THREADS lanes a process, under the launcher.
rate() {
    threads=$1
    shift
    best=""
    r=0
    while [ $r -lt "$ROUNDS" ]; do
        rm -f "$T"/m*
        line=$("$@" "$BIN" train --threads "$threads" --arch colorful --data "$T/data" --size "$SIZE" --width 0.25 --batch "$BATCH" \
            --steps "$STEPS" --checkpoint-every 100000 --sample-every 0 --log-every 100000 \
            -o "$T/m.safetensors" 2> /dev/null | grep '^train: finished')
        fig=$(echo "$line" | sed -n 's/.*, \([0-9.]*\) images\/s (\([0-9.]*\) in the step alone).*/\1 \2/p')
        [ -z "$fig" ] && { echo "failed"; return; }
        if [ -z "$best" ] || [ "$(echo "$fig $best" | awk '{print ($1 > $3)}')" = 1 ]; then best=$fig; fi
        r=$((r + 1))
    done
    echo "$best" | awk '{printf "%.1f images/s (%.1f in the step alone)", $1, $2}'
}

echo "colorful width 0.25, ${SIZE} px, batch $BATCH (the job's), $STEPS steps, best of $ROUNDS, $(nproc) cores:"
echo "  1 rank  x 1 lane:  $(rate 1 "$MPIRUN" -np 1)"
echo "  2 ranks x 1 lane:  $(rate 1 "$MPIRUN" --oversubscribe -np 2)"
echo "  1 process, 2 lanes (no mpirun): $(rate 2)"
