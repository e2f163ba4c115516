#!/usr/bin/env bash
# Fault test: kills `octet train` and `octet quantize` (SIGKILL and SIGINT, alternating) at seeded
# random moments on a tiny synthetic MNIST. After every kill the output path must hold nothing,
# the old file, or a valid model (`octet inspect` succeeds); after SIGINT no temporary file may be
# left; an interrupted training resumed from its checkpoint must end with the very bytes of an
# uninterrupted run. Also: an output that would overwrite an input is refused.
# Usage: fault_test.sh OCTET_BINARY [KILLS_PER_COMMAND (default 20)] [SEED (default 1)]
set -uo pipefail
octet=$1
kills=${2:-20}
RANDOM=${3:-1}
here=$(cd "$(dirname "$0")" && pwd)
source "$here/check_lib.sh"
# Job control: background jobs keep SIGINT at its default action (bash ignores it otherwise).
set -m

python3 "$here/make_synthetic_mnist.py" "$work/data" 600 100 || { echo "cannot make data"; exit 1; }
data=$work/data
train_args=(-q train --model mnist_cnn --data "$data" --epochs 3 --batch 32 --precise-bn-batches 4 --seed 7 --threads 2)
quant_args=(-q quantize --mode int8 --calib "$data" --samples 200 --threads 2)

# References, timed so the kills land anywhere in a run.
t0=$(date +%s%N)
run "uninterrupted training with checkpoints" "$octet" "${train_args[@]}" --out "$work/ref.tflite" --checkpoint "$work/ref.ckpt"
train_ms=$((($(date +%s%N) - t0) / 1000000))
t0=$(date +%s%N)
run "uninterrupted quantization" "$octet" "${quant_args[@]}" --model "$work/ref.tflite" --out "$work/ref_int8.tflite"
quant_ms=$((($(date +%s%N) - t0) / 1000000))
[ -s "$work/ref.tflite" ] && [ -s "$work/ref_int8.tflite" ] || { finish "fault (no reference models)"; exit 1; }
echo "fault: reference train ${train_ms} ms, quantize ${quant_ms} ms; $kills kills each"

# Starts "$@" in the background, sends signal $1 after a random delay in [0, $2 ms], and waits.
# Sets killed_by to the signal name when the signal ended the process, else to "exit N".
kill_at_random() {
  local sig=$1 max_ms=$2
  shift 2
  "$@" >/dev/null 2>"$work/killed.err" &
  local pid=$! delay_ms=$(((RANDOM * 32768 + RANDOM) % (max_ms + 1)))
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  kill -s "$sig" "$pid" 2>/dev/null
  wait "$pid"
  local rc=$?
  case $rc in
    130) killed_by=INT ;;
    137) killed_by=KILL ;;
    *) killed_by="exit $rc" ;;
  esac
}

# The output is absent (when it was absent before), byte-identical to the old file, or a model octet reads.
check_output() {
  local label=$1 out=$2 old=$3
  if [ ! -e "$out" ]; then
    check "$label: output absent only if it was absent" test ! -e "$old"
  elif ! cmp -s "$out" "$old"; then
    check "$label: new output is a valid model" "$octet" -q inspect "$out"
  fi
  if [ "$killed_by" = INT ]; then
    check "$label: no temporary file after SIGINT" test -z "$(find "$work/run" -name '*.tmp-*')"
  fi
}

signals=(KILL INT)
interrupted=0 resumed=0
for ((i = 0; i < kills; ++i)); do
  rm -rf "$work/run"; mkdir -p "$work/run"
  sig=${signals[i % 2]}
  # Half the runs replace an old model, half write a new path.
  if ((i % 4 < 2)); then cp "$work/ref_int8.tflite" "$work/run/out.tflite"; fi
  cp -p "$work/run/out.tflite" "$work/run/old.tflite" 2>/dev/null
  kill_at_random "$sig" "$train_ms" "$octet" "${train_args[@]}" --out "$work/run/out.tflite" --checkpoint "$work/run/ckpt"
  label="train #$i ($sig, $killed_by)"
  [ "$killed_by" = "exit 0" ] || interrupted=$((interrupted + 1))
  check_output "$label" "$work/run/out.tflite" "$work/run/old.tflite"
  if [ -e "$work/run/ckpt" ]; then
    # The checkpoint on disk is whole: resuming from it ends exactly where the uninterrupted run ended.
    resumed=$((resumed + 1))
    run "$label: resume from the checkpoint" "$octet" "${train_args[@]}" --out "$work/run/out.tflite" \
      --resume "$work/run/ckpt" --checkpoint "$work/run/ckpt"
    check "$label: resumed run is bit-identical to the uninterrupted one" cmp "$work/run/out.tflite" "$work/ref.tflite"
  fi
done
echo "fault: train: $interrupted of $kills runs interrupted, $resumed resumed from their checkpoint"

interrupted=0
for ((i = 0; i < kills; ++i)); do
  rm -rf "$work/run"; mkdir -p "$work/run"
  sig=${signals[i % 2]}
  if ((i % 4 < 2)); then cp "$work/ref.tflite" "$work/run/out.tflite"; fi
  cp -p "$work/run/out.tflite" "$work/run/old.tflite" 2>/dev/null
  kill_at_random "$sig" "$quant_ms" "$octet" "${quant_args[@]}" --model "$work/ref.tflite" --out "$work/run/out.tflite"
  [ "$killed_by" = "exit 0" ] || interrupted=$((interrupted + 1))
  check_output "quantize #$i ($sig, $killed_by)" "$work/run/out.tflite" "$work/run/old.tflite"
  if [ -e "$work/run/out.tflite" ] && ! cmp -s "$work/run/out.tflite" "$work/run/old.tflite"; then
    check "quantize #$i: a new output is the complete quantized model" cmp "$work/run/out.tflite" "$work/ref_int8.tflite"
  fi
done
echo "fault: quantize: $interrupted of $kills runs interrupted"

# Never over an input.
cp "$work/ref.tflite" "$work/keep.tflite"
echo '{"name": "tiny", "input": [28, 28, 1], "layers": [{"type": "flatten"}, {"type": "dense", "units": 10}]}' > "$work/spec.json"
cp "$work/spec.json" "$work/spec.copy"
expect_error "train --out over the model spec" "overwrite" "$octet" -q train --model "$work/spec.json" --data "$data" \
  --epochs 1 --out "$work/spec.json"
check "spec survived" cmp "$work/spec.json" "$work/spec.copy"
expect_error "train --out over the resumed checkpoint" "overwrite" "$octet" "${train_args[@]}" \
  --resume "$work/ref.ckpt" --out "$work/ref.ckpt"
expect_error "train --checkpoint over --out" "overwrite" "$octet" "${train_args[@]}" \
  --checkpoint "$work/keep.tflite" --out "$work/keep.tflite"
check "model survived" cmp "$work/keep.tflite" "$work/ref.tflite"
expect_error "quantize --out over the model" "overwrite" "$octet" "${quant_args[@]}" --model "$work/keep.tflite" \
  --out "$work/keep.tflite"
check "model survived quantize" cmp "$work/keep.tflite" "$work/ref.tflite"

# A bad or mismatched checkpoint is a clear error naming the file.
head -c 100 "$work/ref.ckpt" > "$work/cut.ckpt"
expect_error "truncated checkpoint" "cut.ckpt: not a valid octet checkpoint" "$octet" "${train_args[@]}" \
  --resume "$work/cut.ckpt" --out "$work/x.tflite"
expect_error "a .tflite is not a checkpoint" "keep.tflite: not a valid octet checkpoint: no OCTETCKP magic" \
  "$octet" "${train_args[@]}" --resume "$work/keep.tflite" --out "$work/x.tflite"
other_seed=("${train_args[@]}")
other_seed[${#other_seed[@]} - 3]=8  # --seed 7 -> 8
expect_error "checkpoint of another seed" "ref.ckpt: checkpoint was made with seed = 7, this run has 8" \
  "$octet" "${other_seed[@]}" --resume "$work/ref.ckpt" --out "$work/x.tflite"
expect_error "checkpoint of another model" "ref.ckpt: checkpoint was made for a different model spec" \
  "$octet" -q train --model mnist_fc --data "$data" --epochs 3 --batch 32 --precise-bn-batches 4 --seed 7 --threads 2 \
  --resume "$work/ref.ckpt" --out "$work/x.tflite"
expect_error "checkpoint beyond --epochs" "ref.ckpt: checkpoint is after epoch 3, beyond --epochs 2" \
  "$octet" -q train --model mnist_cnn --data "$data" --epochs 2 --batch 32 --precise-bn-batches 4 --seed 7 --threads 2 \
  --resume "$work/ref.ckpt" --out "$work/x.tflite"
check "no model from refused runs" test ! -e "$work/x.tflite"

finish "fault"
