#!/usr/bin/env bash
# End-to-end checks of the octet command on a tiny synthetic MNIST: train, eval, predict,
# inspect, reproducibility, and clear errors with a non-zero exit for bad input.
# Usage: cli_test.sh OCTET_BINARY
set -uo pipefail
octet=$1
here=$(cd "$(dirname "$0")" && pwd)
source "$here/check_lib.sh"

python3 "$here/make_synthetic_mnist.py" "$work/data" 600 200 || { echo "cannot make data"; exit 1; }
data=$work/data

run "train mnist_fc" "$octet" -q train --model mnist_fc --data "$data" --epochs 2 --out "$work/fc.tflite" --seed 3 --threads 2
check "model written" test -s "$work/fc.tflite"
check "train prints test accuracy" grep -q "test acc" "$work/last.out"
run "retrain same seed" "$octet" -q train --model mnist_fc --data "$data" --epochs 2 --out "$work/fc2.tflite" --seed 3 --threads 2
check "same seed, same file" cmp "$work/fc.tflite" "$work/fc2.tflite"

run "eval --json" "$octet" -q eval --model "$work/fc.tflite" --data "$data" --json
check "eval json has the keys" python3 -c "
import json, sys
j = json.load(open('$work/last.out'))
assert j['samples'] == 200, j
assert 0.9 <= j['accuracy'] <= 1.0, j      # the bars are easy to read
assert j['images_per_s'] > 0, j
"
run "eval text" "$octet" -q eval --model "$work/fc.tflite" --data "$data"
check "eval prints a confusion matrix" grep -q "confusion matrix" "$work/last.out"
run "predict" "$octet" -q predict --model "$work/fc.tflite" --data "$data" --limit 50 --out "$work/p.csv" \
  --raw-inputs "$work/in.bin" --raw-outputs "$work/out.bin"
check "predict csv has 50 rows" test "$(wc -l < "$work/p.csv")" -eq 51
check "raw inputs are 50 float images" test "$(stat -c %s "$work/in.bin")" -eq $((50 * 784 * 4))
check "raw outputs are 50 x 10 floats" test "$(stat -c %s "$work/out.bin")" -eq $((50 * 10 * 4))
run "inspect" "$octet" inspect "$work/fc.tflite"
check "inspect lists FULLY_CONNECTED" grep -q FULLY_CONNECTED "$work/last.out"
run "version" "$octet" --version

expect_error "missing dataset" "nowhere" "$octet" -q train --model mnist_fc --data "$work/nowhere" --out "$work/x.tflite"
expect_error "unknown model" "no_such_model" "$octet" -q train --model no_such_model --data "$data" --out "$work/x.tflite"
printf 'not a model' > "$work/bad.tflite"
expect_error "corrupt tflite" "bad.tflite" "$octet" -q eval --model "$work/bad.tflite" --data "$data"
expect_error "refuses to overwrite its input" "overwrite" "$octet" -q predict --model "$work/fc.tflite" --data "$data" --out "$work/fc.tflite"
check "input survived" cmp "$work/fc.tflite" "$work/fc2.tflite"
mkdir -p "$work/rgb"
expect_error "wrong image shape" "expects" "$octet" -q train --model cifar_micro --data "$data" --epochs 1 --out "$work/y.tflite"
check "no partial output left" test ! -e "$work/y.tflite"

finish "cli"
