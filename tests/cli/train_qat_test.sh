#!/usr/bin/env bash
# End-to-end checks of `octet train --qat` (and float fine-tuning with --from) on a tiny synthetic MNIST: the int8 file it writes runs
# in octet and scores what the fake-quant model scored, the same seed gives the same bytes, the
# record names QAT, and bad inputs give clear errors.
# Usage: train_qat_test.sh OCTET_BINARY
set -uo pipefail
octet=$1
here=$(cd "$(dirname "$0")" && pwd)
source "$here/check_lib.sh"

python3 "$here/make_synthetic_mnist.py" "$work/data" 600 200 || { echo "cannot make data"; exit 1; }
data=$work/data
run "train mnist_cnn" "$octet" -q train --model mnist_cnn --data "$data" --epochs 1 --out "$work/f.tflite" --seed 3 --threads 2
cp "$work/f.tflite" "$work/f.copy"

run "qat 6 bits --json" "$octet" -q train --qat --from "$work/f.tflite" --data "$data" --epochs 1 --train-limit 300 \
  --samples 100 --weight-bits 6 --activation-bits 6 --threads 2 --json --out "$work/q.tflite"
cp "$work/last.out" "$work/qat.json"
check "qat json" python3 -c "
import json
j = json.load(open('$work/qat.json'))
assert j['weight_bits'] == 6 and j['activation_bits'] == 6, j
assert j['train_images'] == 300 and j['epochs'] == 1 and len(j['history']) == 1, j
assert j['lr'] == 1e-4 or abs(j['lr'] - 1e-4) < 1e-9, j  # the fine-tuning default
assert 0 <= j['fake_quant_test_accuracy'] <= 1, j
"
check "input untouched" cmp "$work/f.tflite" "$work/f.copy"
run "inspect" "$octet" inspect "$work/q.tflite"
check "int8 weights per channel" grep -q "int8 .*per-channel axis 0" "$work/last.out"
check "no float32 tensor left" bash -c "! grep -Eq '^ +[0-9]+ +[^ ]+ +float32 ' '$work/last.out'"
check "record names qat" grep -q '"method":"qat"' "$work/q.tflite"
run "eval the int8 file" "$octet" -q eval --model "$work/q.tflite" --data "$data" --json
check "int8 accuracy = fake-quant accuracy (within 5 of 200 images)" python3 -c "
import json
e = json.load(open('$work/last.out')); j = json.load(open('$work/qat.json'))
assert abs(e['accuracy'] - j['fake_quant_test_accuracy']) <= 5 / 200 + 1e-9, (e['accuracy'], j)
"
run "qat again, same seed" "$octet" -q train --qat --from "$work/f.tflite" --data "$data" --epochs 1 --train-limit 300 \
  --samples 100 --weight-bits 6 --activation-bits 6 --threads 2 --out "$work/q2.tflite"
check "same seed, same bytes" cmp "$work/q.tflite" "$work/q2.tflite"

run "float fine-tuning (--from without --qat)" "$octet" -q train --from "$work/f.tflite" --data "$data" --epochs 1 \
  --train-limit 300 --threads 2 --json --out "$work/ft.tflite"
check "fine-tuned float accuracy reported" python3 -c "
import json
j = json.load(open('$work/last.out'))
assert j['train_images'] == 300 and 0 <= j['accuracy'] <= 1, j
"
check "fine-tuned file differs" bash -c "! cmp -s '$work/f.tflite' '$work/ft.tflite'"
run "fine-tuned file quantizes" "$octet" -q quantize --model "$work/ft.tflite" --mode int8 --calib "$data" --samples 50 --out "$work/ftq.tflite"
expect_error "bits are for --qat" "is for --qat" "$octet" -q train --from "$work/f.tflite" --data "$data" --weight-bits 4 --out "$work/x.tflite"
expect_error "plain train still needs --model" "needs --model" "$octet" -q train --data "$data" --out "$work/x.tflite"
expect_error "needs --from" "needs the float model" "$octet" -q train --qat --data "$data" --out "$work/x.tflite"
expect_error "not with --model" "give one of them" "$octet" -q train --qat --model mnist_cnn \
  --from "$work/f.tflite" --data "$data" --out "$work/x.tflite"
expect_error "missing file named" "nope.tflite" "$octet" -q train --qat --from "$work/nope.tflite" --data "$data" --out "$work/x.tflite"
expect_error "int8 input refused" "already quantized" "$octet" -q train --qat --from "$work/q.tflite" --data "$data" --out "$work/x.tflite"
check "bits range refused" bash -c "! '$octet' -q train --qat --from '$work/f.tflite' --data '$data' --weight-bits 9 \
  --out '$work/x.tflite' 2>'$work/bits.err' && grep -q 'weight-bits' '$work/bits.err'"
expect_error "never over the input" "overwrite" "$octet" -q train --qat --from "$work/f.tflite" --data "$data" --out "$work/f.tflite"
finish "cli_train_qat"
