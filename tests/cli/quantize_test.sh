#!/usr/bin/env bash
# End-to-end checks of `octet quantize` on a tiny synthetic MNIST: int8 (int8/uint8/float I/O,
# per-tensor), every calibration method, fewer weight/activation bits (8 = byte-identical), dynamic
# and float16 files, reproducibility, the metadata record, and clear errors.
# Runs the quantized models with `octet eval` where the runtime has the kernels for them.
# Usage: quantize_test.sh OCTET_BINARY
set -uo pipefail
octet=$1
here=$(cd "$(dirname "$0")" && pwd)
source "$here/check_lib.sh"

python3 "$here/make_synthetic_mnist.py" "$work/data" 600 200 || { echo "cannot make data"; exit 1; }
data=$work/data
run "train mnist_cnn" "$octet" -q train --model mnist_cnn --data "$data" --epochs 1 --out "$work/f.tflite" --seed 3 --threads 2
cp "$work/f.tflite" "$work/f.copy"

run "int8 --json" "$octet" -q quantize --model "$work/f.tflite" --mode int8 --calib "$data" --samples 100 --seed 5 \
  --threads 2 --json --out "$work/q8.tflite"
check "int8 report on stderr" grep -q "CONV_2D" "$work/last.err"
check "int8 json" python3 -c "
import json
j = json.load(open('$work/last.out'))
assert j['mode'] == 'int8', j
assert j['quantized_file_bytes'] * 3 < j['float_file_bytes'], j
assert j['record']['calibration']['samples'] == 100, j['record']
assert j['record']['calibration']['seed'] == 5, j['record']
idx = j['calibration_indices']
assert len(idx) == 100 and idx == sorted(set(idx)) and 0 <= idx[0] and idx[-1] < 600, idx
layers = j['report']['layers']
assert layers[0]['op'] == 'INPUT' and abs(layers[0]['scale'] - 1/255) < 1e-9 and layers[0]['zero_point'] == -128, layers[0]
sm = [l for l in layers if l['op'] == 'SOFTMAX'][0]
assert sm['scale'] == 1/256 and sm['zero_point'] == -128, sm
assert all(l['scale'] > 0 for l in layers if 'scale' in l)
"
check "input untouched" cmp "$work/f.tflite" "$work/f.copy"
run "inspect int8" "$octet" inspect "$work/q8.tflite"
check "inspect: int8 activations and weights" grep -q "int8 .*per-channel axis 0" "$work/last.out"
check "inspect: int32 biases" grep -q "int32 .*per-channel axis 0" "$work/last.out"
check "inspect: no float32 tensor left" bash -c "! grep -Eq '^ +[0-9]+ +[^ ]+ +float32 ' '$work/last.out'"
check "metadata record in the file" grep -q "octet.quantization" "$work/q8.tflite"
run "int8 again, same seed" "$octet" -q quantize --model "$work/f.tflite" --mode int8 --calib "$data" --samples 100 --seed 5 \
  --threads 2 --out "$work/q8b.tflite"
check "same seed, same bytes" cmp "$work/q8.tflite" "$work/q8b.tflite"
run "int8 float I/O" "$octet" -q quantize --model "$work/f.tflite" --mode int8 --calib "$data" --samples 50 --io float --out "$work/q8f.tflite"
run "inspect float I/O" "$octet" inspect "$work/q8f.tflite"
check "float I/O has QUANTIZE and DEQUANTIZE" grep -q DEQUANTIZE "$work/last.out"
run "int8 uint8 I/O per-tensor" "$octet" -q quantize --model "$work/f.tflite" --mode int8 --calib "$data" --samples 50 \
  --io uint8 --per-tensor --out "$work/q8u.tflite"
run "more samples than images: clamps" "$octet" -q quantize --model "$work/f.tflite" --mode int8 --calib "$data" \
  --samples 100000 --out "$work/q8all.tflite"
check "clamp warned" grep -q "using all of them" "$work/last.err"

run "dynamic" "$octet" -q quantize --model "$work/f.tflite" --mode dynamic --json --out "$work/dyn.tflite"
check "dynamic keeps small weights float" python3 -c "
import json
j = json.load(open('$work/last.out'))
kinds = [l.get('weights_quantization', '') for l in j['report']['layers']]
assert any(k.startswith('int8') for k in kinds) and any(k.startswith('float32') for k in kinds), kinds
"
run "float16" "$octet" -q quantize --model "$work/f.tflite" --mode float16 --out "$work/f16.tflite"
check "float16 about half the size" python3 -c "
import os
f, h = os.path.getsize('$work/f.tflite'), os.path.getsize('$work/f16.tflite')
assert 0.45 * f < h < 0.6 * f, (f, h)
"
run "eval float" "$octet" -q eval --model "$work/f.tflite" --data "$data" --json
cp "$work/last.out" "$work/eval_f.json"
run "eval float16" "$octet" -q eval --model "$work/f16.tflite" --data "$data" --json
check "float16 accuracy within 1% of float" python3 -c "
import json
a = json.load(open('$work/eval_f.json'))['accuracy']; b = json.load(open('$work/last.out'))['accuracy']
assert abs(a - b) <= 0.01, (a, b)
"
# int8 in octet's runtime, once its int8 kernels exist.
if "$octet" -q eval --model "$work/q8.tflite" --data "$data" --json >"$work/eval_q.json" 2>"$work/eval_q.err"; then
  check "int8 accuracy within 3% of float" python3 -c "
import json
a = json.load(open('$work/eval_f.json'))['accuracy']; b = json.load(open('$work/eval_q.json'))['accuracy']
assert abs(a - b) <= 0.03, (a, b)
"
else
  echo "note: octet eval cannot run the int8 model yet: $(tail -1 "$work/eval_q.err")"
fi

# Calibration methods and fewer bits.
for m in minmax ema percentile mse kl; do
  run "int8 --calibration $m" "$octet" -q quantize --model "$work/f.tflite" --mode int8 --calib "$data" --samples 50 \
    --calibration $m --percentile 99.9 --json --out "$work/q_$m.tflite"
  check "record names $m" python3 -c "
import json
c = json.load(open('$work/last.out'))['record']['calibration']
assert c['method'] == '$m', c
assert ('percentile' in c) == ('$m' == 'percentile') and c.get('percentile', 99.9) == 99.9, c
"
done
check "percentile clips at most the min-max range" python3 -c "
import json, subprocess
def layers(m):
    out = subprocess.run(['$octet', '-q', 'quantize', '--model', '$work/f.tflite', '--mode', 'int8', '--calib', '$data',
                          '--samples', '50', '--calibration', m, '--json', '--out', '$work/q_cmp_' + m + '.tflite'],
                         capture_output=True, text=True, check=True).stdout
    return [l for l in json.loads(out)['report']['layers'] if l.get('params_from') == 'calibrated']
for a, b in zip(layers('minmax'), layers('percentile')):
    assert a['min'] <= b['min'] <= b['max'] <= a['max'], (a, b)
"
run "8 bits explicitly" "$octet" -q quantize --model "$work/f.tflite" --mode int8 --calib "$data" --samples 100 --seed 5 \
  --threads 2 --weight-bits 8 --activation-bits 8 --out "$work/q8bits.tflite"
check "8 bits: byte-identical to the default int8 file" cmp "$work/q8.tflite" "$work/q8bits.tflite"
run "4-bit weights, 6-bit activations" "$octet" -q quantize --model "$work/f.tflite" --mode int8 --calib "$data" --samples 50 \
  --weight-bits 4 --activation-bits 6 --json --out "$work/q46.tflite"
check "bits in the record and the report" python3 -c "
import json
j = json.load(open('$work/last.out'))
assert j['record']['weight_bits'] == 4 and j['record']['activation_bits'] == 6, j['record']
layers = j['report']['layers']
assert all('4-bit range' in l['weights_quantization'] for l in layers if l.get('weights_quantization')), layers
inp = layers[0]
assert abs(inp['scale'] - 1 / 63) < 1e-7 and inp['zero_point'] == -32, inp
"
run "bias correction" "$octet" -q quantize --model "$work/f.tflite" --mode int8 --calib "$data" --samples 50 \
  --weight-bits 4 --bias-correction --json --out "$work/qbc.tflite"
check "bias correction in the record and the notes" python3 -c "
import json
j = json.load(open('$work/last.out'))
assert j['record']['bias_correction'] is True, j['record']
notes = [n for l in j['report']['layers'] for n in l.get('notes', [])]
assert sum('bias corrected' in n for n in notes) == 4, notes  # 2 conv + 2 dense
"
expect_error "bias correction is for int8" "int8 only" "$octet" -q quantize --model "$work/f.tflite" --mode float16 --bias-correction --out "$work/x.tflite"
run "eval 4/6 bits" "$octet" -q eval --model "$work/q46.tflite" --data "$data" --json
expect_error "bits are for int8" "int8 only" "$octet" -q quantize --model "$work/f.tflite" --mode dynamic --weight-bits 4 --out "$work/x.tflite"
# Option validation errors (CLI11) exit with their own non-zero code.
check "unknown method rejected" bash -c "'$octet' -q quantize --model '$work/f.tflite' --mode int8 --calib '$data' \
  --calibration entropy --out '$work/x.tflite' 2>'$work/e.txt'; [ \$? -ne 0 ] && grep -q 'entropy not in' '$work/e.txt'"
check "bits out of range rejected" bash -c "'$octet' -q quantize --model '$work/f.tflite' --mode int8 --calib '$data' \
  --weight-bits 9 --out '$work/x.tflite' 2>'$work/e.txt'; [ \$? -ne 0 ] && grep -q 'weight-bits' '$work/e.txt'"

# int16x8 (TFLite's 16x8 mode): int16 activations, int8 weights, int64 biases, float32 I/O.
run "int16x8 --json" "$octet" -q quantize --model "$work/f.tflite" --mode int16x8 --calib "$data" --samples 100 \
  --threads 2 --json --out "$work/q16.tflite"
check "int16x8 json" python3 -c "
import json
j = json.load(open('$work/last.out'))
assert j['mode'] == 'int16x8' and j['record']['mode'] == 'int16x8', j['record']
layers = j['report']['layers']
fc = [l for l in layers if l['op'] == 'FULLY_CONNECTED']
assert len(fc) == 2 and all(l['bias'] == 'int64' and l['zero_point'] == 0 for l in fc), fc
sm = [l for l in layers if l['op'] == 'SOFTMAX'][0]
assert sm['kept_float'], sm
"
run "inspect int16x8" "$octet" inspect "$work/q16.tflite"
check "inspect: int16 activations" grep -Eq "int16 +\[1,26,26,32\].*Z=0" "$work/last.out"
check "inspect: int64 biases" grep -q "int64 .*per-channel axis 0" "$work/last.out"
run "eval int16x8" "$octet" -q eval --model "$work/q16.tflite" --data "$data" --kernels auto --json
check "eval int16x8 accuracy" python3 -c "
import json
assert json.load(open('$work/last.out'))['accuracy'] > 0.5
"
check "quantize --help names the 16x8 mode" bash -c "'$octet' quantize --help | grep -q \"TFLite's 16x8 mode\""
expect_error "int16x8 needs --calib" "int16x8 needs calibration" "$octet" -q quantize --model "$work/f.tflite" --mode int16x8 --out "$work/x.tflite"
expect_error "int16x8 keeps float I/O" "int16x8 models keep float32 I/O" "$octet" -q quantize --model "$work/f.tflite" \
  --mode int16x8 --calib "$data" --io int8 --out "$work/x.tflite"

expect_error "int8 needs --calib" "needs calibration" "$octet" -q quantize --model "$work/f.tflite" --mode int8 --out "$work/x.tflite"
expect_error "already quantized" "already quantized" "$octet" -q quantize --model "$work/q8.tflite" --mode float16 --out "$work/x.tflite"
expect_error "never over the input" "overwrite" "$octet" -q quantize --model "$work/f.tflite" --mode float16 --out "$work/f.tflite"
check "input survived" cmp "$work/f.tflite" "$work/f.copy"
expect_error "--io is for int8" "int8 only" "$octet" -q quantize --model "$work/f.tflite" --mode dynamic --io uint8 --out "$work/x.tflite"
check "no partial output left" test ! -e "$work/x.tflite"

finish "quantize cli"
