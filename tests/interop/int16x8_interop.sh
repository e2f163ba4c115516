#!/usr/bin/env bash
# Interop, TFLite's 16x8 mode: octet quantizes mnist_cnn (RESHAPE, two FULLY_CONNECTED) and
# cifar_micro (MEAN) with --mode int16x8 (int16 activations, int8 weights, int64 biases, SOFTMAX
# float32 behind a DEQUANTIZE), runs the files on test images, and LiteRT runs the same files on
# the same float32 input bytes with its default and its reference kernels. The float32 softmax
# outputs must agree within 1e-6: one int16 LSB of difference in any logit would move them by
# far more (the logits' scales are ~1e-4). LiteRT's int16 FULLY_CONNECTED requantizes in double
# (both resolvers), so octet runs with --fc-requant double.
# Exit 77 (skipped) when PyPI is unreachable.
# Usage: int16x8_interop.sh OCTET_BINARY BUILD_DIR
set -euo pipefail
octet=$1
build=$2
src=$(cd "$(dirname "$0")/../.." && pwd)
venv=${OCTET_INTEROP_VENV:-$build/venv-interop}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! "$src/tools/interop/setup_venv.sh" "$venv" >&2; then
  echo "SKIPPED: LiteRT could not be installed from PyPI (see above); interop not checked"
  exit 77
fi

python3 "$src/tests/cli/make_synthetic_mnist.py" "$work/mnist" 2000 300
python3 "$src/tests/cli/make_synthetic_cifar.py" "$work/cifar" 400 300
count=300
status=0
for case in mnist_cnn:mnist cifar_micro:cifar; do
  model=${case%%:*}
  data=$work/${case##*:}
  "$octet" -q train --model "$model" --data "$data" --epochs 1 --out "$work/$model.tflite" --seed 42
  "$octet" -q quantize --model "$work/$model.tflite" --mode int16x8 --calib "$data" --samples 200 \
    --out "$work/${model}_16x8.tflite"
  "$octet" inspect "$work/${model}_16x8.tflite" >"$work/inspect.txt"
  grep -q int16 "$work/inspect.txt"
  grep -q int64 "$work/inspect.txt"
  "$octet" -q predict --model "$work/${model}_16x8.tflite" --data "$data" --limit $count --fc-requant double \
    --out "$work/pred.csv" --raw-inputs "$work/in.bin" --raw-outputs "$work/octet_out.bin"
  for mode in default reference; do
    flag=()
    [ $mode = reference ] && flag=(--reference)
    "$venv/bin/python" "$src/tools/interop/tflite_run.py" "$work/${model}_16x8.tflite" --input "$work/in.bin" \
      --dtype float32 --count $count --output "$work/tfl_$mode.bin" "${flag[@]}" >/dev/null
    "$venv/bin/python" "$src/tests/interop/compare_outputs.py" "$work/octet_out.bin" "$work/tfl_$mode.bin" \
      --count $count --dtype float32 --atol 1e-6 --label "octet vs LiteRT ($mode kernels), $model int16x8" ||
      status=1
  done
done
exit $status
