#!/usr/bin/env bash
# End-to-end checks of `octet compare` on a tiny synthetic MNIST: a model against itself (every
# layer exact), against its float16 and int8 versions from `octet quantize` (paired by name, finite
# SQNR, sensible agreement), the --json object, and clear errors (not crashes) for bad inputs.
# Usage: compare_cli_test.sh OCTET_BINARY
set -uo pipefail
octet=$1
src=$(cd "$(dirname "$0")/../.." && pwd)
source "$src/tests/cli/check_lib.sh"
json() {  # json FILE PYTHON_EXPR: the expression over `j` must be true
  python3 -c "import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" "$1"
}

python3 "$src/tests/cli/make_synthetic_mnist.py" "$work/data" 600 200 || { echo "cannot make data"; exit 1; }
data=$work/data
run "train" "$octet" -q train --model mnist_cnn --data "$data" --epochs 1 --out "$work/f.tflite" --seed 3 --threads 2

run "self, text" "$octet" -q compare --float "$work/f.tflite" --quant "$work/f.tflite" --data "$data" --threads 2
cp "$work/last.out" "$work/self.txt"
check "self: table header" grep -q "SQNR dB" "$work/self.txt"
check "self: every layer exact" test "$(grep -c ' exact ' "$work/self.txt")" = 9
check "self: full agreement" grep -q "top-1 agreement  1.0000 (200 / 200)" "$work/self.txt"
check "self: paired by name" grep -q "paired by name" "$work/self.txt"

run "self, json" "$octet" -q compare --float "$work/f.tflite" --quant "$work/f.tflite" --data "$data" --samples 50 --json
cp "$work/last.out" "$work/self.json"
check "json: samples, layers, agreement" json "$work/self.json" \
  "j['samples'] == 50 and len(j['layers']) == 9 and j['top1_agreement'] == 1.0 and j['float_accuracy'] == j['quant_accuracy']"
check "json: identical layers have sqnr null" json "$work/self.json" \
  "all(l['identical'] and l['sqnr_db'] is None and l['max_abs_error'] == 0 for l in j['layers'])"

# float16 and int8 versions (when `octet quantize` exists in this build).
if "$octet" quantize --help >/dev/null 2>&1; then
  run "quantize float16" "$octet" -q quantize --model "$work/f.tflite" --mode float16 --out "$work/f16.tflite"
  run "compare float16" "$octet" -q compare --float "$work/f.tflite" --quant "$work/f16.tflite" --data "$data" --json
  cp "$work/last.out" "$work/f16.json"
  check "float16: high finite SQNR after the input" json "$work/f16.json" \
    "all(l['sqnr_db'] is not None and l['sqnr_db'] > 55 for l in j['layers'][1:])"
  check "float16: agreement" json "$work/f16.json" "j['top1_agreement'] >= 0.99"
  run "quantize int8" "$octet" -q quantize --model "$work/f.tflite" --mode int8 --calib "$data" --samples 100 \
    --out "$work/q8.tflite"
  "$octet" -q compare --float "$work/f.tflite" --quant "$work/q8.tflite" --data "$data" --json \
    >"$work/q8.json" 2>"$work/q8.err"
  rc=$?
  checks=$((checks + 1))
  if [ $rc = 0 ]; then
    check "int8: int8 tensors, SQNR in a plausible range" json "$work/q8.json" \
      "all(l['quant_type'] == 'int8' and 15 < l['sqnr_db'] < 80 for l in j['layers'][1:])"
    check "int8: agreement" json "$work/q8.json" "j['top1_agreement'] >= 0.9"
  elif grep -q "octet's interpreter cannot run it" "$work/q8.err"; then
    echo "note: octet cannot run int8 models yet: $(cat "$work/q8.err")"
  else
    echo "FAIL: compare int8 (exit $rc)"; sed 's/^/  | /' "$work/q8.err"; failures=$((failures + 1))
  fi
fi

# Errors are one clear line, exit 1.
printf 'not a flatbuffer' >"$work/bad.tflite"
expect_error "not a tflite" "bad.tflite" "$octet" -q compare --float "$work/f.tflite" --quant "$work/bad.tflite" --data "$data"
checks=$((checks + 1))  # argument errors come from CLI11 (its own exit code), still one clear line
if "$octet" -q compare --float "$work/f.tflite" --quant "$work/nope.tflite" --data "$data" 2>"$work/last.err" ||
   ! grep -q "nope.tflite" "$work/last.err"; then
  echo "FAIL: missing file"; failures=$((failures + 1))
fi
run "train mnist_fc" "$octet" -q train --model mnist_fc --data "$data" --epochs 1 --out "$work/fc.tflite" --seed 3
# Different architectures: pairs by op position where the types line up; still runs.
run "different models" "$octet" -q compare --float "$work/f.tflite" --quant "$work/fc.tflite" --data "$data" --json
check "different models: only matching op types paired" json "$work/last.out" \
  "[l['op'] for l in j['layers']] == ['input', 'RESHAPE', 'FULLY_CONNECTED', 'FULLY_CONNECTED', 'SOFTMAX']"

finish "compare_cli_test"
