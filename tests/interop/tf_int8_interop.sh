#!/usr/bin/env bash
# Reverse interop, int8: TensorFlow's own converter quantizes octet-trained models, and octet's
# runtime must run TensorFlow's int8 files bit-exactly like TFLite's reference kernels (BUILTIN_REF).
#
# For each model (interop_nofc.json: conv/depthwise/pools/mean/softmax, no FULLY_CONNECTED; and
# mnist_cnn, with two FULLY_CONNECTED):
#   1. octet trains it (1 epoch) and writes the float .tflite;
#   2. tools/interop/make_tf_int8.py rebuilds it in Keras (checking Keras == octet's float file),
#      and tf.lite.TFLiteConverter writes full-integer int8 (int8 in/out), calibrated on 500 training
#      images exactly as octet feeds them (`octet predict --raw-inputs`);
#   3. 1,000 test images: quantized as TFLite's reference QUANTIZE does (tools/interop/quantize_inputs.py)
#      and run through LiteRT BUILTIN_REF; and through `octet predict` on the same file;
#   4. octet's input bytes must equal ours, and its int8 output bytes TFLite's (count of differing bytes);
#   5. `octet quantize` of the same float model must give a file no larger than the converter's (T7).
# FULLY_CONNECTED: TFLite >= 2.20 BUILTIN_REF requantizes FC in double precision (docs/quantization.md
# §3.6.3); octet's interpreter has that mode (InterpreterOptions::fc_requant) but `octet predict` has
# no flag for it yet, so differences in the model with FC are reported, not failed, unless the flag
# exists (then it is used and 0 differing bytes are required). The FC-free model must be exact.
# Finally `octet compare` shows the per-layer SQNR of TensorFlow's int8 model against octet's float one.
#
# Exit 77 (skipped) when TensorFlow cannot be installed from PyPI, or when octet has no int8 kernels.
# Usage: tf_int8_interop.sh OCTET_BINARY BUILD_DIR
set -euo pipefail
octet=$1
build=$2
src=$(cd "$(dirname "$0")/../.." && pwd)
venv=${OCTET_TF_VENV:-$build/venv-tf}
py="$venv/bin/python"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
count=1000
calib=500

# One setup at a time when tests run in parallel (the venv is shared by the build dir).
lock=()
command -v flock >/dev/null && lock=(flock "$venv.lock")
if ! "${lock[@]}" "$src/tools/interop/setup_tf_venv.sh" "$venv" >"$work/setup.log" 2>&1; then
  tail -5 "$work/setup.log"
  echo "SKIPPED: tensorflow-cpu could not be installed from PyPI (see above); reverse int8 interop not checked"
  exit 77
fi
"$py" -c 'import tensorflow as tf; print("interop: TensorFlow", tf.__version__)' 2>/dev/null

if [ -d "$src/../shared/datasets/mnist" ]; then
  data=mnist
  echo "interop: real MNIST from ../shared/datasets"
else
  echo "interop: ../shared/datasets/mnist not found, using a synthetic MNIST-format dataset"
  python3 "$src/tests/cli/make_synthetic_mnist.py" "$work/data" 2000 1000
  data=$work/data
fi

fc_flag=()
predict_help=$("$octet" predict --help 2>&1 | tr -d '\0' || true)
if grep -aq -- '--fc-requant' <<<"$predict_help"; then
  # The double-precision float mode (named "double"; "float" in case the flag spells it so).
  fc_flag=(--fc-requant double)
  grep -aq -- '--fc-requant.*double\|integer|double\|{integer,double}' <<<"$predict_help" || fc_flag=(--fc-requant float)
  echo "interop: octet predict has --fc-requant; using '${fc_flag[*]}' (TFLite >= 2.20 BUILTIN_REF FC)"
else
  echo "interop: octet predict has no --fc-requant flag: FULLY_CONNECTED uses octet's default (integer)" \
       "requantization, TFLite 2.21 BUILTIN_REF the double-precision one (§3.6.3)"
fi

status=0
run_model() {  # NAME MODEL_SPEC MUST_BE_EXACT
  local name=$1 spec=$2 exact=$3 d="$work/$1"
  mkdir -p "$d"
  echo
  echo "== $name =="
  "$octet" -q train --model "$spec" --data "$data" --epochs 1 --out "$d/float.tflite" --seed 42
  "$octet" -q predict --model "$d/float.tflite" --data "$data" --split train --limit $calib --out /dev/null \
    --raw-inputs "$d/calib.bin" 2>/dev/null
  "$octet" -q predict --model "$d/float.tflite" --data "$data" --limit $count --out /dev/null \
    --raw-inputs "$d/test_f32.bin" 2>/dev/null
  if ! "$py" "$src/tools/interop/make_tf_int8.py" "$d/float.tflite" --out "$d/tf_int8.tflite" \
      --calibration "$d/calib.bin" --summary "$d/summary.json" >/dev/null 2>"$d/convert.log"; then
    grep -v '^W0000\|^I0000' "$d/convert.log" | tail -20
    echo "FAIL: $name: TensorFlow's conversion (or the Keras weight-transfer check) failed"
    status=1
    return
  fi
  "$py" - "$d/summary.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
k = s["keras_vs_octet_float"]
print(f"interop: Keras rebuild vs octet's float file: max abs diff {k['max_abs_diff']:.3g} on {k['samples']} "
      f"samples; TF {s['tensorflow']} ops {' '.join(s['ops'])}; input S={s['input']['scale']:.9g} "
      f"Z={s['input']['zero_point']}, output S={s['output']['scale']:.9g} Z={s['output']['zero_point']}")
EOF
  "$py" "$src/tools/interop/quantize_inputs.py" "$d/tf_int8.tflite" --input "$d/test_f32.bin" \
    --output "$d/test_i8.bin" >/dev/null
  "$py" "$src/tools/interop/tflite_run.py" "$d/tf_int8.tflite" --input "$d/test_i8.bin" --dtype int8 \
    --count $count --output "$d/tfl_ref.bin" --reference >/dev/null
  if ! "$octet" -q predict --model "$d/tf_int8.tflite" --data "$data" --limit $count --out "$d/pred.csv" \
      --raw-inputs "$d/octet_in.bin" --raw-outputs "$d/octet_out.bin" "${fc_flag[@]}" 2>"$d/predict.log"; then
    cat "$d/predict.log"
    if grep -q 'unsupported input type int8\|int8 kernels not available' "$d/predict.log"; then
      echo "NOT RUN: $name: octet has no int8 kernels for TensorFlow's file yet"
      [ $status = 0 ] && status=77
    else
      echo "FAIL: $name: octet could not run TensorFlow's int8 file"
      status=1
    fi
    return
  fi
  if ! cmp -s "$d/octet_in.bin" "$d/test_i8.bin"; then
    echo "FAIL: $name: octet quantized the input images differently from TFLite's reference QUANTIZE"
    status=1
  else
    echo "interop: octet's int8 input bytes == TFLite reference QUANTIZE ($count images)"
  fi
  local max=0
  [ "$exact" = no ] && [ ${#fc_flag[@]} = 0 ] && max=$((count * 10))
  if "$py" "$src/tests/interop/compare_int8_bytes.py" "$d/octet_out.bin" "$d/tfl_ref.bin" --count $count \
      --max-differing $max --label "octet vs TFLite BUILTIN_REF, TF int8 $name"; then
    if [ $max != 0 ]; then
      echo "interop: $name: differing bytes (if any) are reported, not failed: see the FC note above"
    else
      echo "PASS: $name: octet runs TensorFlow's int8 file bit-exactly like TFLite BUILTIN_REF"
    fi
  else
    echo "FAIL: $name: octet's int8 outputs differ from TFLite BUILTIN_REF"
    status=1
  fi
  "$octet" -q compare --float "$d/float.tflite" --quant "$d/tf_int8.tflite" --data "$data" --samples $count \
    || echo "(octet compare failed; not part of the verdict)"
  # Size (target T7): octet's own int8 file of the same float model must not be larger than the
  # converter's (same tensors, weights and per-channel parameters; the rest is tables and metadata).
  if "$octet" -q quantize --model "$d/float.tflite" --mode int8 --calib "$data" --samples $calib \
      --out "$d/octet_int8.tflite" >/dev/null 2>"$d/quantize.log"; then
    local ours theirs
    ours=$(stat -c %s "$d/octet_int8.tflite")
    theirs=$(stat -c %s "$d/tf_int8.tflite")
    echo "interop: $name int8 file size: octet $ours bytes, TensorFlow's converter $theirs bytes"
    if [ "$ours" -gt "$theirs" ]; then
      echo "FAIL: $name: octet's int8 file is larger than TensorFlow's"
      status=1
    fi
  else
    cat "$d/quantize.log"
    echo "FAIL: $name: octet quantize failed"
    status=1
  fi
}

run_model interop_nofc "$src/tests/interop/interop_nofc.json" yes
run_model mnist_cnn mnist_cnn no
echo
case $status in
  0) echo "tf_int8_interop: passed" ;;
  77) echo "SKIPPED: octet could not run int8 models (no int8 kernels)" ;;
  *) echo "tf_int8_interop: FAILED" ;;
esac
exit $status
