#!/usr/bin/env bash
# CTest driver: dumps mnist_cnn's activations on 50 training images with calib_dump and compares
# octet's ranges with ONNX Runtime's calibrators (tools/ort_calibration_check.py).
# Usage: ort_calibration_check.sh CALIB_DUMP BUILD_DIR [MODEL DATA SAMPLES]
# Skips (exit 77) when the onnxruntime/onnx/numpy wheels cannot be installed from PyPI, or when
# the model or the dataset is missing. The venv lives in BUILD_DIR/venv-ort.
set -u
dump=$1
build=$2
model=${3:-${OCTET_MODELS:-/work/models}/mnist_cnn.tflite}
data=${4:-mnist}
samples=${5:-50}
here=$(cd "$(dirname "$0")" && pwd)
venv=$build/venv-ort
py=$venv/bin/python

if [ ! -f "$model" ]; then
  echo "skip: model $model not found (set OCTET_MODELS or pass MODEL)"
  exit 77
fi
if ! [ -x "$py" ] || ! "$py" -c 'import numpy, onnx, onnxruntime.quantization' >/dev/null 2>&1; then
  if ! command -v python3 >/dev/null 2>&1 || ! python3 -m venv "$venv" >/dev/null 2>&1; then
    echo "skip: cannot create a Python venv in $venv"
    exit 77
  fi
  if ! "$py" -m pip install --disable-pip-version-check --retries 1 --timeout 30 -q onnxruntime onnx numpy; then
    echo "skip: could not install onnxruntime, onnx and numpy from PyPI into $venv (is PyPI reachable?)"
    exit 77
  fi
fi
# The shared datasets folder of this machine when OCTET_DATA is not set.
if [ -z "${OCTET_DATA:-}" ] && [ -d /work/shared/datasets ]; then export OCTET_DATA=/work/shared/datasets; fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
if ! "$dump" "$model" "$data" "$samples" "$out" 2>"$out/err"; then
  cat "$out/err" >&2
  if grep -q "not found" "$out/err"; then
    echo "skip: dataset $data not found (set OCTET_DATA)"
    exit 77
  fi
  exit 1
fi
"$py" "$here/ort_calibration_check.py" "$out"
