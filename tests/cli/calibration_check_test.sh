#!/usr/bin/env bash
# End-to-end checks of `octet calibration-check` and `octet quantize --equalize` on a tiny
# synthetic MNIST: the JSON's structure and internal consistency (summaries from the runs,
# reference ranges, fingerprints differ across subsets and equal the metadata of `quantize` with
# the same seed), the SVG charts, the equalize record, and clear errors.
# Usage: calibration_check_test.sh OCTET_BINARY
set -uo pipefail
octet=$1
here=$(cd "$(dirname "$0")" && pwd)
source "$here/check_lib.sh"

python3 "$here/make_synthetic_mnist.py" "$work/data" 600 200 || { echo "cannot make data"; exit 1; }
data=$work/data
run "train mnist_cnn" "$octet" -q train --model mnist_cnn --data "$data" --epochs 1 --out "$work/f.tflite" --seed 3 --threads 2

run "calibration-check" "$octet" -q calibration-check --model "$work/f.tflite" --data "$data" --samples 50,10,20 \
  --subsets 2 --seed 3 --limit 100 --threads 2 --json "$work/c.json" --svg-prefix "$work/charts/c"
check "table on stdout" grep -Eq "^ +50 +[0-9.]+ +[0-9.]+" "$work/last.out"
check "json structure and consistency" python3 -c "
import json, statistics
j = json.load(open('$work/c.json'))
assert j['samples'] == [10, 20, 50], j['samples']
assert j['subsets'] == 2 and j['test_images'] == 100 and j['equalize'] is False and j['weight_bits'] == 8, j
runs, summary, tensors = j['runs'], j['summary'], j['tensors']
assert len(runs) == 6 and len(summary) == 3 and len(tensors) > 3, (len(runs), len(summary), tensors)
assert sorted({r['seed'] for r in runs}) == [3, 4]
fps = [r['indices_fnv1a64'] for r in runs]
assert len(set(fps)) == 6, fps  # every count of every subset drew other images
for r in runs:
    assert len(r['min']) == len(r['max']) == len(r['range_change']) == len(tensors), r
    assert all(lo <= hi for lo, hi in zip(r['min'], r['max'])), r
    assert 0 <= r['accuracy'] <= 1
    if r['samples'] == 50:
        assert all(c == 0 for c in r['range_change']), r  # the reference itself
for s in summary:
    accs = [r['accuracy'] for r in runs if r['samples'] == s['samples']]
    assert abs(s['accuracy_mean'] - statistics.mean(accs)) < 1e-12, (s, accs)
    assert s['accuracy_min'] == min(accs) and s['accuracy_max'] == max(accs), (s, accs)
    assert abs(s['accuracy_stdev'] - statistics.stdev(accs)) < 1e-12, (s, accs)
    worst = max(c for r in runs if r['samples'] == s['samples'] for c in r['range_change'])
    assert s['max_range_change'] == worst, (s, worst)
# minmax ranges of nested subsets can only grow towards the largest count's.
for k in (3, 4):
    a, b = [[r for r in runs if r['seed'] == k and r['samples'] == n][0] for n in (10, 50)]
    assert all(x >= y for x, y in zip(a['min'], b['min'])) and all(x <= y for x, y in zip(a['max'], b['max'])), (a, b)
"
check "accuracy chart" grep -q "<svg" "$work/charts/c_accuracy.svg"
check "range chart names a tensor" grep -q "conv2d" "$work/charts/c_ranges.svg"

run "quantize with the same seed" "$octet" -q quantize --model "$work/f.tflite" --mode int8 --calib "$data" --samples 20 \
  --seed 4 --json --out "$work/q.tflite"
check "same seed, same fingerprint as stored in the model" python3 -c "
import json
fp = json.load(open('$work/last.out'))['record']['calibration']['indices_fnv1a64']
runs = json.load(open('$work/c.json'))['runs']
assert [r['indices_fnv1a64'] for r in runs if r['seed'] == 4 and r['samples'] == 20] == [fp], fp
"
check "fingerprint in the file's metadata" grep -q "$(python3 -c "import json; print(json.load(open('$work/last.out'))['record']['calibration']['indices_fnv1a64'])")" "$work/q.tflite"

run "calibration-check --equalize, one subset" "$octet" -q calibration-check --model "$work/f.tflite" --data "$data" \
  --samples 10 --subsets 1 --seed 4 --limit 50 --equalize --json "$work/e.json"
check "equalized run: same images, flag recorded" python3 -c "
import json
e = json.load(open('$work/e.json')); c = json.load(open('$work/c.json'))
assert e['equalize'] is True
assert e['runs'][0]['indices_fnv1a64'] == [r for r in c['runs'] if r['seed'] == 4 and r['samples'] == 10][0]['indices_fnv1a64']
"

run "quantize --equalize" "$octet" -q quantize --model "$work/f.tflite" --mode int8 --calib "$data" --samples 100 \
  --equalize --json --out "$work/qe.tflite"
check "equalize recorded, three pairs of mnist_cnn" python3 -c "
import json
j = json.load(open('$work/last.out'))
assert j['record']['equalize'] is True, j['record']
eq = j['equalization']
assert len(eq['pairs']) == 3 and eq['converged'], eq
assert any('graph output' in s or 'SOFTMAX' in s for s in eq['skipped']), eq['skipped']
"
check "equalize in the file's metadata" grep -q '"equalize":true' "$work/qe.tflite"
run "eval float" "$octet" -q eval --model "$work/f.tflite" --data "$data" --json
cp "$work/last.out" "$work/eval_f.json"
run "eval equalized int8" "$octet" -q eval --model "$work/qe.tflite" --data "$data" --json
check "equalized int8 within 3% of float" python3 -c "
import json
a = json.load(open('$work/eval_f.json'))['accuracy']; b = json.load(open('$work/last.out'))['accuracy']
assert abs(a - b) <= 0.03, (a, b)
"

expect_error "more samples than images" "exceeds the 600 training images" "$octet" -q calibration-check \
  --model "$work/f.tflite" --data "$data" --samples 10,100000
echo "not a model" >"$work/bad.tflite"
expect_error "not a model names the file" "bad.tflite" "$octet" -q calibration-check --model "$work/bad.tflite" --data "$data"
expect_error "quantized model refused" "already quantized" "$octet" -q calibration-check --model "$work/q.tflite" --data "$data"
expect_error "missing dataset" "nowhere" "$octet" -q calibration-check --model "$work/f.tflite" --data "$work/nowhere"
expect_error "equalize is for int8" "int8 only" "$octet" -q quantize --model "$work/f.tflite" --mode float16 --equalize \
  --out "$work/x.tflite"

finish "calibration-check"
