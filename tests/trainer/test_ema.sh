#!/bin/sh
# test_ema.sh: train --ema. The model file holds the moving average of the
# weights (the checkpoint the raw weights, CHECKPOINT.ema the average); a
# run stopped and resumed gives the same average, to the bit, as an unbroken
# one; resuming with another --ema is bad usage; a missing average restarts
# from the checkpoint with a warning; without --ema the model is the
# checkpoint's weights; a checkpoint whose optimiser state is damaged is
# refused.
#   usage: test_ema.sh CZ_TRAIN_BINARY PHOTO_ROOT PYTHON
set -u
BIN=$1
PHOTOS=$2
PY=$3
TEST=ema
. "$(dirname "$0")/check.sh"

# tensors A B: "same" when every tensor of A is in B with the same values,
# "differ" when one differs, "missing" when one is not in B (metadata aside).
tensors() {
    "$PY" - "$1" "$2" <<'PYEOF'
import json, struct, sys
import numpy as np
def read(path):
    b = open(path, 'rb').read()
    n = struct.unpack('<Q', b[:8])[0]
    h = json.loads(b[8:8 + n])
    h.pop('__metadata__', None)
    dt = {'F32': np.float32, 'F16': np.float16}
    return {k: np.frombuffer(b[8 + n + v['data_offsets'][0]:8 + n + v['data_offsets'][1]],
                             dt[v['dtype']]).astype(np.float32) for k, v in h.items()}
a, b = read(sys.argv[1]), read(sys.argv[2])
print('missing' if any(k not in b for k in a) else
      'same' if all(np.array_equal(a[k], b[k]) for k in a) else 'differ')
PYEOF
}

"$BIN" prepare "$PHOTOS" -o "$T/data" --size 32 --quiet > /dev/null
train() { "$BIN" train --arch colorful --data "$T/data" --width 0.125 --size 32 --batch 8 --seed 3 \
    --threads 1 --checkpoint-every 3 --sample-every 0 --log-every 100 "$@" > /dev/null 2> "$T/err"; }

train -o "$T/a.safetensors" --steps 8 --ema 0.8
check "an --ema run exits 0" [ $? -eq 0 ]
check "the average is kept beside the checkpoint" [ -s "$T/a.safetensors.ckpt.ema" ]
check "the model file is the average" [ "$(tensors "$T/a.safetensors.ckpt.ema" "$T/a.safetensors")" = same ]
check "the checkpoint keeps the raw weights, not the average" \
    [ "$(tensors "$T/a.safetensors" "$T/a.safetensors.ckpt")" = differ ]
check "the model file says it is an average" \
    grep -aq '"weights_average": *"0.8 over 8 steps"' "$T/a.safetensors"

train -o "$T/b.safetensors" --steps 5 --ema 0.8
train -o "$T/b.safetensors" --steps 8 --resume
check "a resumed run exits 0" [ $? -eq 0 ]
check "stopped at 5 and resumed: the same average as the unbroken run" \
    [ "$(tensors "$T/b.safetensors" "$T/a.safetensors")" = same ]
check "... and the same raw weights" \
    [ "$(tensors "$T/b.safetensors.ckpt" "$T/a.safetensors.ckpt")" = same ]

train -o "$T/b.safetensors" --steps 10 --resume --ema 0.9
check "resuming with another --ema is bad usage (exit 2)" [ $? -eq 2 ]

rm "$T/b.safetensors.ckpt.ema"
train -o "$T/b.safetensors" --steps 10 --resume
check "a lost average: the run goes on" [ $? -eq 0 ]
check "... and says the average starts again" grep -q "average starts again" "$T/err"

# --init-from a checkpoint (its command becomes the lineage) with --ema: the
# model file's metadata holds both, and the file loads (the metadata list
# once had no room for its end marker, and the header took stack bytes).
train -o "$T/d.safetensors" --steps 10 --init-from "$T/a.safetensors.ckpt" --ema 0.8
check "--init-from with --ema exits 0" [ $? -eq 0 ]
check "... and its model file loads, naming both commands" \
    sh -c '"$1" eval --model "$2" --images "$3" --json --no-grid --threads 1 > /dev/null &&
           grep -aq previous_command "$2" && grep -aq weights_average "$2"' sh "$BIN" "$T/d.safetensors" "$PHOTOS"

train -o "$T/c.safetensors" --steps 8
check "without --ema the model is the checkpoint's weights" \
    [ "$(tensors "$T/c.safetensors" "$T/c.safetensors.ckpt")" = same ]
check "without --ema no average is written" [ ! -e "$T/c.safetensors.ckpt.ema" ]

# A damaged checkpoint: a negative Adam second moment would turn the weights
# to NaN at the first step; --resume refuses it instead, saying why.
"$PY" - "$T/c.safetensors.ckpt" <<'PYEOF'
import json, struct, sys
b = bytearray(open(sys.argv[1], 'rb').read())
n = struct.unpack('<Q', b[:8])[0]
h = json.loads(b[8:8 + n])
name = next(k for k in h if k.startswith('optim.v.'))
struct.pack_into('<f', b, 8 + n + h[name]['data_offsets'][0], -1.0)
open(sys.argv[1], 'wb').write(b)
PYEOF
train -o "$T/c.safetensors" --steps 10 --resume
check "a checkpoint with a negative Adam moment: refused (exit 1)" [ $? -eq 1 ]
check "... saying so" grep -q "negative second moment" "$T/err"

finish "trainer ema"
