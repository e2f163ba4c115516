#!/usr/bin/env bash
# Interop, float: octet trains mnist_cnn, writes it as .tflite, and runs 1,000 test images
# through its own runtime; TensorFlow Lite (LiteRT, from PyPI in a venv) runs the same file on
# the same input bytes, with its default kernels and with its reference kernels. Predictions
# must agree on every image and outputs to 1e-5. Exit 77 (skipped) when PyPI is unreachable.
# Usage: float_model_interop.sh OCTET_BINARY BUILD_DIR
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

if [ -d "$src/../shared/datasets/mnist" ]; then
  data=mnist
  echo "interop: real MNIST from ../shared/datasets"
else
  echo "interop: ../shared/datasets/mnist not found, using a synthetic MNIST-format dataset"
  python3 "$src/tests/cli/make_synthetic_mnist.py" "$work/data" 2000 1000
  data=$work/data
fi

count=1000
"$octet" -q train --model mnist_cnn --data "$data" --epochs 1 --out "$work/mnist_cnn.tflite" --seed 42
"$octet" -q predict --model "$work/mnist_cnn.tflite" --data "$data" --limit $count --out "$work/pred.csv" \
  --raw-inputs "$work/in.bin" --raw-outputs "$work/octet_out.bin"
status=0
for mode in default reference; do
  flag=()
  [ $mode = reference ] && flag=(--reference)
  "$venv/bin/python" "$src/tools/interop/tflite_run.py" "$work/mnist_cnn.tflite" --input "$work/in.bin" \
    --dtype float32 --count $count --output "$work/tfl_$mode.bin" "${flag[@]}" >/dev/null
  "$venv/bin/python" "$src/tests/interop/compare_outputs.py" "$work/octet_out.bin" "$work/tfl_$mode.bin" \
    --count $count --atol 1e-5 --label "octet vs LiteRT ($mode kernels), mnist_cnn float32" || status=1
done
exit $status
