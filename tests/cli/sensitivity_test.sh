#!/usr/bin/env bash
# End-to-end checks of `octet sensitivity` and of `octet quantize --keep-float / --max-drop` on a
# tiny synthetic MNIST: the sorted table, JSON and SVG; the mixed-precision file (DEQUANTIZE /
# QUANTIZE around the kept ops, the record); the greedy search's steps; clear errors.
# Usage: sensitivity_test.sh OCTET_BINARY
set -uo pipefail
octet=$1
here=$(cd "$(dirname "$0")" && pwd)
source "$here/check_lib.sh"

python3 "$here/make_synthetic_mnist.py" "$work/data" 1200 200 || { echo "cannot make data"; exit 1; }
data=$work/data
run "train mnist_cnn" "$octet" -q train --model mnist_cnn --data "$data" --epochs 1 --out "$work/f.tflite" --seed 3 --threads 2

# Sensitivity: every op once, sorted by drop, on the last 300 training images.
run "sensitivity --json" "$octet" -q sensitivity --model "$work/f.tflite" --data "$data" --samples 100 --held-out 300 \
  --threads 2 --json --svg "$work/sens.svg"
cp "$work/last.out" "$work/sens.json"
check "sensitivity json" python3 -c "
import json, math
j = json.load(open('$work/sens.json'))
assert j['held_out'] == {'split': 'train', 'first': 900, 'images': 300}, j['held_out']
assert j['calibration']['samples'] == 100, j['calibration']
ops = j['ops']
assert sorted(o['op_index'] for o in ops) == list(range(8)), ops
drops = [o['drop_pp'] for o in ops]
assert drops == sorted(drops, reverse=True), drops
for o in ops:
    assert abs(o['drop_pp'] - 100 * (j['float_accuracy'] - o['accuracy'])) < 1e-9, o
    assert 0 <= o['accuracy'] <= 1, o
    assert o['model_sqnr_db'] is None or o['model_sqnr_db'] > 0, o
assert 0 < j['float_accuracy'] <= 1 and 0 < j['int8_accuracy'] <= 1, j
"
check "svg chart names every op" python3 -c "
import json
svg = open('$work/sens.svg').read()
assert svg.startswith('<svg') or svg.startswith('<?xml'), svg[:40]
for o in json.load(open('$work/sens.json'))['ops']:
    assert o['output'] in svg, o['output']
"
run "sensitivity table" "$octet" -q sensitivity --model "$work/f.tflite" --data "$data" --samples 100 --held-out 300 --threads 2
check "table header and 8 rows" bash -c "grep -q '^| rank | op |' '$work/last.out' && [ \$(grep -c '^| [0-9]' '$work/last.out') -eq 8 ]"
check "table says which images are held out" grep -q "training images 900..1199" "$work/last.out"

# --keep-float by name and by index.
dense=$(python3 -c "import json; print([o['output'] for o in json.load(open('$work/sens.json'))['ops'] if o['op_index'] == 5][0])")
run "quantize --keep-float" "$octet" -q quantize --model "$work/f.tflite" --mode int8 --calib "$data" --samples 100 \
  --keep-float "$dense,2" --json --out "$work/mixed.tflite"
check "keep-float record and report" python3 -c "
import json
j = json.load(open('$work/last.out'))
assert j['record']['keep_float'] == ['$dense', '2'], j['record']
kept = [l['op_index'] for l in j['report']['layers'] if l.get('kept_float')]
assert kept == [2, 5], kept
"
run "inspect mixed" "$octet" inspect "$work/mixed.tflite"
check "inspect: DEQUANTIZE and QUANTIZE around the kept ops" bash -c \
  "[ \$(grep -c DEQUANTIZE '$work/last.out') -ge 2 ] && grep -q ' QUANTIZE' '$work/last.out'"
run "eval mixed" "$octet" -q eval --model "$work/mixed.tflite" --data "$data" --json
check "mixed model accuracy" python3 -c "
import json; j = json.load(open('$work/last.out')); assert j['samples'] == 200 and j['accuracy'] > 0.5, j"

# --max-drop: 2-bit activations force drops; a zero budget keeps ops float one at a time.
run "quantize --max-drop" "$octet" -q quantize --model "$work/f.tflite" --mode int8 --calib "$data" --samples 100 \
  --activation-bits 2 --weight-bits 2 --max-drop 0 --held-out 300 --threads 2 --json --out "$work/md.tflite"
cp "$work/last.out" "$work/md.json"
check "max-drop steps" python3 -c "
import json
j = json.load(open('$work/md.json'))
m = j['max_drop']
steps = m['steps']
assert m['held_out'] == {'split': 'train', 'last': 300}, m
assert steps[0]['kept_float'] == [], steps[0]
assert steps[0]['drop_pp'] > 0, steps[0]  # 2-bit activations cost accuracy
for a, b in zip(steps, steps[1:]):
    assert len(b['kept_float']) == len(a['kept_float']) + 1, (a, b)
    assert set(a['kept_float']) < set(b['kept_float']), (a, b)
order = [r['op_index'] for r in m['sensitivity_ranking']]
assert [o for o in order if o in steps[-1]['kept_op_indices']] == order[:len(steps) - 1], (order, steps[-1])
for s in steps:
    assert s['file_bytes'] > 0 and s['us_per_image'] > 0, s
assert m['met'] == (steps[-1]['drop_pp'] <= 0), m
assert all(s['drop_pp'] > 0 for s in steps[:-1]), steps
assert j['record']['keep_float'] == steps[-1]['kept_float'], j['record']
assert j['record']['held_out'] == {'split': 'train', 'last': 300}, j['record']
assert j['quantized_file_bytes'] == steps[-1]['file_bytes'], j
"

# The ladder: per-channel weights (per-tensor base), percentile and mse ranges, int16 activations, then float32.
run "quantize --max-drop --ladder" "$octet" -q quantize --model "$work/f.tflite" --mode int8 --calib "$data" \
  --samples 100 --activation-bits 2 --weight-bits 2 --per-tensor --ladder --max-drop 0 --held-out 300 --threads 2 \
  --json --out "$work/ladder.tflite"
check "ladder steps" python3 -c "
import json
j = json.load(open('$work/last.out'))
m = j['max_drop']
steps = m['steps']
assert m['ladder'] and steps[0]['change'] == 'every op int8' and steps[0]['accepted'], steps[0]
rungs = [s['change'].split(' for ')[0] for s in steps if ' for ' in s['change']]
assert 'per-channel weights' in rungs and 'percentile range' in rungs and 'mse range' in rungs, rungs
assert 'int16 activations' in rungs, rungs
best = steps[0]['accuracy']
for s in steps[1:]:
    if s['change'].startswith('keep '):
        assert s['accepted'], s  # keeping an op float always stays
    elif s['accepted']:
        assert s['accuracy'] > best or s['drop_pp'] <= 0, (s, best)  # a rung stays only when it helps
    else:
        assert s['accuracy'] <= best, (s, best)
    if s['accepted']:
        best = s['accuracy']
chosen = steps[m['chosen_step']]
assert chosen['accepted'] and j['quantized_file_bytes'] == chosen['file_bytes'], chosen
assert j['record'].get('keep_float', []) == chosen['kept_float'], (j['record'], chosen)
assert j['record'].get('per_channel_ops', []) == chosen['per_channel'], (j['record'], chosen)
assert j['record'].get('clipping', {}) == chosen['clipping'], (j['record'], chosen)
assert j['record'].get('int16_ops', []) == chosen['int16'], (j['record'], chosen)
"

# Errors name the problem and the file.
expect_error "ladder needs max-drop" "give --max-drop too" \
  "$octet" -q quantize --model "$work/f.tflite" --mode int8 --calib "$data" --ladder --out "$work/x.tflite"
expect_error "unknown op" "no operator outputs 'nope'" \
  "$octet" -q quantize --model "$work/f.tflite" --mode int8 --calib "$data" --keep-float nope --out "$work/x.tflite"
expect_error "op index out of range" "f.tflite.*operator index 99 is out of range" \
  "$octet" -q quantize --model "$work/f.tflite" --mode int8 --calib "$data" --keep-float 99 --out "$work/x.tflite"
expect_error "keep-float needs int8" "keep-float applies to --mode int8 and int16x8 only" \
  "$octet" -q quantize --model "$work/f.tflite" --mode dynamic --keep-float 2 --out "$work/x.tflite"
expect_error "keep-float and max-drop" "not both" \
  "$octet" -q quantize --model "$work/f.tflite" --mode int8 --calib "$data" --keep-float 2 --max-drop 1 --out "$work/x.tflite"
expect_error "held-out too large" "leaves none to calibrate on" \
  "$octet" -q sensitivity --model "$work/f.tflite" --data "$data" --held-out 1200
expect_error "sensitivity of an int8 model" "mixed.tflite.*already quantized" \
  "$octet" -q sensitivity --model "$work/mixed.tflite" --data "$data"
expect_error "sensitivity: missing dataset" "nowhere" \
  "$octet" -q sensitivity --model "$work/f.tflite" --data "$work/nowhere"

finish "sensitivity_test"
