#!/usr/bin/env bash
# End-to-end checks of `octet bench` on a mnist_cnn trained briefly on a tiny synthetic MNIST: the
# JSON keys and their consistency (throughput from latency, MACs = the hand count, the bound from
# the peak), --per-op, --kernels (also on eval), the int8 model's bound, sub-batches, and clear errors. Speed
# itself is never asserted; runs are kept short (--runs 20).
# Usage: bench_test.sh OCTET_BINARY
set -uo pipefail
octet=$1
here=$(cd "$(dirname "$0")" && pwd)
source "$here/check_lib.sh"
json() {  # json FILE PYTHON_EXPR: the expression over `j` must be true
  python3 -c "import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" "$1"
}
# mnist_cnn: conv 26x26x32x9 + conv 11x11x64x288 + dense 1600x128 + dense 128x10 (tests/runtime/macs_test.cc)
mnist_macs=2631040

python3 "$here/make_synthetic_mnist.py" "$work/data" 300 100 || { echo "cannot make data"; exit 1; }
data=$work/data
run "train" "$octet" -q train --model mnist_cnn --data "$data" --epochs 1 --out "$work/f.tflite" --seed 3 --threads 2

run "bench --json" "$octet" -q bench --model "$work/f.tflite" --runs 20 --seconds 0 --json
cp "$work/last.out" "$work/b.json"
check "json: keys" json "$work/b.json" "all(k in j for k in ['latency_us_median', 'latency_us_p90', 'images_per_s',
  'macs', 'batch', 'threads', 'kernels', 'runs', 'peak_gmacs', 'bound_us', 'x_bound', 'cpu_features', 'ops'])"
check "json: defaults" json "$work/b.json" "j['batch'] == 1 and j['threads'] == 1 and j['kernels'] == 'auto' and j['runs'] >= 20"
check "json: MACs are the hand count" json "$work/b.json" "j['macs'] == $mnist_macs and j['arithmetic'] == 'fp32'"
check "json: ops sum to the MACs" json "$work/b.json" "len(j['ops']) == 8 and sum(o['macs'] for o in j['ops']) == j['macs']"
check "json: images/s from the median" json "$work/b.json" \
  "abs(j['images_per_s'] * j['latency_us_median'] / (1e6 * j['batch']) - 1) < 1e-6"
check "json: p90 >= median > 0" json "$work/b.json" "j['latency_us_p90'] >= j['latency_us_median'] > 0"
check "json: bound = MACs / peak" json "$work/b.json" \
  "j['peak_gmacs'] > 0 and abs(j['bound_us'] * j['peak_gmacs'] * 1e3 / j['macs'] - 1) < 1e-6
   and abs(j['x_bound'] * j['bound_us'] / j['latency_us_median'] - 1) < 1e-6"
check "json: cpu features" json "$work/b.json" "'avx2' in j['cpu_features'].split() or j['cpu_features'] == ''"

run "bench --per-op, batch 4, 2 threads, reference" "$octet" -q bench --model "$work/f.tflite" --runs 20 --seconds 0 \
  --batch 4 --threads 2 --kernels reference --per-op --json
cp "$work/last.out" "$work/p.json"
check "per-op: options echoed" json "$work/p.json" "j['batch'] == 4 and j['threads'] == 2 and j['kernels'] == 'reference'"
check "per-op: MACs per image at batch 4" json "$work/p.json" "j['macs'] == $mnist_macs"
check "per-op: every op timed" json "$work/p.json" "all(o['us_median'] >= 0 and 'gmacs' in o for o in j['ops'])"
check "per-op: reference kernels" json "$work/p.json" "all(o['kernel'].endswith('_ref') or o['kernel'] == 'reshape' for o in j['ops'])"
check "bound uses both threads" json "$work/p.json" "abs(j['bound_us'] * j['peak_gmacs'] * 2e3 / j['macs'] - 1) < 1e-6"

run "bench text" "$octet" -q bench --model "$work/f.tflite" --runs 20 --seconds 0 --per-op
check "text: the bound" grep -q "x the bound" "$work/last.out"
check "text: the kernel of each op" grep -q "CONV_2D .*conv2d" "$work/last.out"

run "quantize int8" "$octet" -q quantize --model "$work/f.tflite" --mode int8 --calib "$data" --samples 50 --seed 5 \
  --out "$work/q.tflite"
run "bench int8" "$octet" -q bench --model "$work/q.tflite" --runs 20 --seconds 0 --json
check "int8: same MACs, int8 arithmetic" json "$work/last.out" "j['macs'] == $mnist_macs and j['arithmetic'] == 'int8'"
run "bench int8, batch 16, 2 threads" "$octet" -q bench --model "$work/q.tflite" --runs 20 --seconds 0 --json \
  --batch 16 --threads 2
check "sub-batches: each thread gets some" json "$work/last.out" "j['batch'] == 16 and 1 <= j['sub_batch'] <= 8"
run "bench int8 --sub-batch 3" "$octet" -q bench --model "$work/q.tflite" --runs 20 --seconds 0 --json \
  --batch 16 --sub-batch 3
check "sub-batches: --sub-batch echoed" json "$work/last.out" "j['sub_batch'] == 3"

for c in eval predict compare bench; do
  check "$c --help documents --kernels" bash -c "'$octet' $c --help | grep -q -- '--kernels'"
done
run "eval --kernels reference" "$octet" -q eval --model "$work/f.tflite" --data "$data" --kernels reference --json
cp "$work/last.out" "$work/e_ref.json"
run "eval --kernels auto" "$octet" -q eval --model "$work/f.tflite" --data "$data" --kernels auto --json
check "eval: reference and auto agree" python3 -c "
import json
r, a = json.load(open('$work/e_ref.json')), json.load(open('$work/last.out'))
assert r['kernels'] == 'reference' and a['kernels'] == 'auto', (r['kernels'], a['kernels'])
assert r['accuracy'] == a['accuracy'], (r['accuracy'], a['accuracy'])
"

expect_error "missing model" "nowhere.tflite" "$octet" -q bench --model "$work/nowhere.tflite" --runs 20
printf 'not a model' > "$work/bad.tflite"
expect_error "corrupt model" "bad.tflite" "$octet" -q bench --model "$work/bad.tflite" --runs 20
check "bad --kernels rejected" bash -c "! '$octet' -q bench --model '$work/f.tflite' --kernels fast 2>/dev/null"

finish "bench"
