#!/usr/bin/env bash
# Numerical faults are named, with the tensor and the file: NaN/Inf weights in a float .tflite
# (inspect and eval warn, quantize refuses), and a calibration range that collapses (all-black
# calibration images: the input is constant 0) is a warning. Zero/negative/non-finite scales in
# int8 files are load errors (tests/tflite/malformed_test.cc); dataset pixels are uint8, so inputs
# cannot be NaN or Inf (calibration still checks).
# Usage: numeric_fault_test.sh OCTET_BINARY
set -uo pipefail
octet=$1
here=$(cd "$(dirname "$0")" && pwd)
source "$here/check_lib.sh"

python3 "$here/make_synthetic_mnist.py" "$work/data" 300 100 || { echo "cannot make data"; exit 1; }
data=$work/data
run "train" "$octet" -q train --model mnist_fc --data "$data" --epochs 1 --out "$work/f.tflite" --seed 3 --threads 2

for what in nan inf; do
  bad=$work/$what.tflite
  check "poke a $what weight" python3 "$here/poke_tflite_weight.py" "$work/f.tflite" "$bad" "$what"
  label=$( [ "$what" = nan ] && echo NaN || echo Inf )
  run "inspect a $what model" "$octet" -q inspect "$bad"
  check "inspect warns: $what (file, tensor)" grep -q "warning: $bad: constant '.*' holds .*1 $label" "$work/last.err"
  run "eval a $what model" "$octet" -q eval --model "$bad" --data "$data" --threads 2
  check "eval warns: $what (file, tensor)" grep -q "warning: $bad: constant '.*' holds .*1 $label" "$work/last.err"
  expect_error "quantize refuses a $what model" "$bad: constant '.*' holds $label" \
    "$octet" -q quantize --model "$bad" --mode dynamic --out "$work/q.tflite"
  check "no output from a refused quantize" test ! -e "$work/q.tflite"
done
run "inspect a clean model" "$octet" -q inspect "$work/f.tflite"
check "a clean model has no warning" test ! -s "$work/last.err"

# NaN everywhere downstream of the weight: eval names the non-finite outputs too. The reference
# kernels propagate NaN through ReLU; the AVX2 ones clamp it to 0 (vmaxps), as XNNPACK does.
run "eval nan" "$octet" -q eval --model "$work/nan.tflite" --data "$data" --threads 2 --kernels reference
check "eval counts NaN outputs" grep -q "warning: $work/nan.tflite: [0-9]* output values were NaN or Inf" "$work/last.err"

# All-black calibration images: the input activation is constant 0, its range collapses.
python3 - "$work/black" <<'PY'
import gzip, struct, sys
from pathlib import Path
out = Path(sys.argv[1]); out.mkdir()
for prefix, n in (("train", 50), ("t10k", 10)):
    with gzip.open(out / f"{prefix}-images-idx3-ubyte.gz", "wb") as f:
        f.write(struct.pack(">IIII", 0x803, n, 28, 28) + bytes(n * 784))
    with gzip.open(out / f"{prefix}-labels-idx1-ubyte.gz", "wb") as f:
        f.write(struct.pack(">II", 0x801, n) + bytes(i % 10 for i in range(n)))
PY
run "quantize with a collapsed range" "$octet" -q quantize --model "$work/f.tflite" --mode int8 --calib "$work/black" \
  --samples 50 --threads 2 --out "$work/black_int8.tflite"
check "collapsed range named (file, tensor)" grep -q "warning: $work/f.tflite: activation '.*' is constant over the calibration set" "$work/last.err"
check "the model is still written" "$octet" -q inspect "$work/black_int8.tflite"

finish "numeric faults"
