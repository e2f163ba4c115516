#!/usr/bin/env bash
# Interop, mixed precision: octet quantizes mnist_cnn to int8 but keeps the second conv and the
# first dense layer float32 (--keep-float: DEQUANTIZE/QUANTIZE around them), runs the file on
# test images, and LiteRT runs the same file on the same int8 input bytes with its default and its
# reference kernels. The int8 outputs must agree. Exit 77 (skipped) when PyPI is unreachable.
# Usage: mixed_precision_interop.sh OCTET_BINARY BUILD_DIR
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

# A small synthetic MNIST keeps the training short; the graph is the real mnist_cnn.
python3 "$src/tests/cli/make_synthetic_mnist.py" "$work/data" 2000 500
count=500
"$octet" -q train --model mnist_cnn --data "$work/data" --epochs 1 --out "$work/float.tflite" --seed 42
# Ops of mnist_cnn: 0 conv, 1 pool, 2 conv, 3 pool, 4 reshape, 5 dense, 6 dense, 7 softmax.
"$octet" -q quantize --model "$work/float.tflite" --mode int8 --calib "$work/data" --samples 200 \
  --keep-float 2,5 --out "$work/mixed.tflite"
# Through a file: grep -q closing the pipe early would fail the script under pipefail.
"$octet" inspect "$work/mixed.tflite" >"$work/inspect.txt"
grep -q DEQUANTIZE "$work/inspect.txt"
"$octet" -q predict --model "$work/mixed.tflite" --data "$work/data" --limit $count --out "$work/pred.csv" \
  --raw-inputs "$work/in.bin" --raw-outputs "$work/octet_out.bin"
status=0
for mode in default reference; do
  flag=()
  [ $mode = reference ] && flag=(--reference)
  "$venv/bin/python" "$src/tools/interop/tflite_run.py" "$work/mixed.tflite" --input "$work/in.bin" \
    --dtype int8 --count $count --output "$work/tfl_$mode.bin" "${flag[@]}" >/dev/null
  "$venv/bin/python" "$src/tests/interop/compare_outputs.py" "$work/octet_out.bin" "$work/tfl_$mode.bin" \
    --count $count --dtype int8 --atol 0 --label "octet vs LiteRT ($mode kernels), mnist_cnn int8 with 2 ops float32" ||
    status=1
done
exit $status
