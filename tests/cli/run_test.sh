#!/usr/bin/env bash
# End-to-end checks of `octet run` on tiny synthetic MNIST and CIFAR-10 (--quick, --data overrides):
# every output exists, the tables agree with results.json and with the files on disk, the recorded
# accuracies are what `octet eval` measures on the written models, a re-run with the same seed and
# threads gives identical accuracies and byte-identical models, and bad experiment files fail
# cleanly naming the file and the key.
# Usage: run_test.sh OCTET_BINARY
set -uo pipefail
octet=$1
here=$(cd "$(dirname "$0")" && pwd)
source "$here/check_lib.sh"

python3 "$here/make_synthetic_mnist.py" "$work/mnist" 600 200 || { echo "cannot make data"; exit 1; }
python3 "$here/make_synthetic_cifar.py" "$work/cifar" 60 150 || { echo "cannot make data"; exit 1; }
data=(--data "mnist=$work/mnist" --data "cifar10=$work/cifar")

run "list" "$octet" run --list
check "list names the shipped experiments" grep -q "^micro_limit_cifar10 " "$work/last.out"

run "all --quick" "$octet" run all --quick "${data[@]}" --threads 2 --out "$work/a"
check "total time printed" grep -q "^run: 6 experiment(s) in " "$work/last.out"
check "progress per stage" grep -q "run ptq8_mnist \[2/.*\] train mnist_cnn" "$work/last.err"
check "progress per sweep point" grep -q "run limit_bits \[.*\] sweep cifar_micro: kl calibration, 2-bit weights, 2-bit activations" "$work/last.err"
for e in ptq8_mnist int8_mnist_cnn ptq_mnist_fc_vs_cnn micro_limit_cifar10 limit_bits qat_vs_ptq; do
  check "$e outputs" bash -c "cd '$work/a/$e' && test -s results.json && test -s results.md && test -s report.html && test -s pareto.svg"
done
check "ptq8 models" bash -c "cd '$work/a/ptq8_mnist' && test -s mnist_cnn_float32.tflite && test -s mnist_cnn_dynamic.tflite && test -s mnist_cnn_int8.tflite"
check "int8 predictions grid" test -s "$work/a/int8_mnist_cnn/predictions.svg"
check "micro_limit per-layer SQNR charts" bash -c "ls '$work/a/micro_limit_cifar10'/sqnr_cifar_micro_int8.svg '$work/a/micro_limit_cifar10'/sqnr_cifar_standard_int8.svg"

# Structure and consistency of every results.json.
check "results.json structure and consistency" python3 - "$work/a" <<'PY'
import json, math, os, sys
root = sys.argv[1]
for exp in ["ptq8_mnist", "int8_mnist_cnn", "ptq_mnist_fc_vs_cnn", "micro_limit_cifar10", "limit_bits", "qat_vs_ptq"]:
    d = os.path.join(root, exp)
    r = json.load(open(os.path.join(d, "results.json")))
    assert r["experiment"] == exp, r["experiment"]
    for k in ["octet_version", "git_commit", "command_line", "seed", "threads", "machine", "datasets", "models",
              "comparisons", "tables", "settings"]:
        assert k in r, (exp, k)
    assert r["seed"] == 42 and r["threads"] == 2 and r["quick"] is True
    assert "run all --quick" in r["command_line"], r["command_line"]
    assert r["machine"]["cpu"], r["machine"]
    names = {x["name"] for x in r["datasets"]}
    assert names <= {"MNIST", "CIFAR-10"}, names  # synthetic CIFAR is in the official binary format
    for m in r["models"]:
        path = os.path.join(d, m["file"])
        assert os.path.getsize(path) == m["bytes"], (path, m["bytes"])
        assert m["precision"] in ("float32", "dynamic", "int8")
        assert m["correct"] / m["samples"] == m["accuracy"]
        lo, hi = m["ci95"]
        assert 0 <= lo <= m["accuracy"] <= hi <= 1, m["ci95"]
        assert m["latency_us_median"] > 0 and m["latency_us_p90"] >= m["latency_us_median"]
        assert sum(map(sum, m["confusion"])) == m["samples"]
        assert sum(m["confusion"][i][i] for i in range(len(m["confusion"]))) == m["correct"]
    by = {(m["name"], m["precision"]): m for m in r["models"]}
    for c in r["comparisons"]:
        a, b = by[(c["model"], c["a"])], by[(c["model"], c["b"])]
        assert c["a"] == "float32" and c["b"] != "float32"
        # The flips explain the accuracy difference exactly; the confusion delta is b - a.
        assert b["correct"] - a["correct"] == len(c["flips"]["fixed"]) - len(c["flips"]["broken"]), c
        for i, row in enumerate(c["confusion_delta"]):
            assert row == [y - x for x, y in zip(a["confusion"][i], b["confusion"][i])]
        assert 0 <= c["mcnemar_p"] <= 1
        assert abs(c["compression"] - a["bytes"] / b["bytes"]) < 1e-9
        assert c["sqnr"]["layers"] and c["sqnr"]["samples"] > 0
        assert all(l["sqnr_db"] is None or math.isfinite(l["sqnr_db"]) for l in c["sqnr"]["layers"])
    models = [t for t in r["tables"] if t["id"] == "models"][0]
    assert len(models["rows"]) == len(r["models"])
    for row, m in zip(models["rows"], r["models"]):
        assert int(row[5].replace(",", "")) == os.path.getsize(os.path.join(d, m["file"])), row
    md = open(os.path.join(d, "results.md")).read()
    for t in r["tables"]:
        assert "## " + t["title"] in md, t["title"]
    html = open(os.path.join(d, "report.html")).read()
    assert "<svg" in html and "Settings" in html
    assert "src=\"http" not in html and "href=\"http" not in html and "<script" not in html  # self-contained
# The seeds' table: rows and columns as published, sizes equal to the files on disk.
d = os.path.join(root, "ptq8_mnist")
r = json.load(open(os.path.join(d, "results.json")))
seeds = [t for t in r["tables"] if t["id"] == "seeds"][0]
assert seeds["header"] == ["", "Float32", "Dynamic range", "Full integer"], seeds["header"]
assert [row[0] for row in seeds["rows"]] == ["Accuracy", "File size", "Inference time (ms/sample)"]
for cell, p in zip(seeds["rows"][1][1:], ["float32", "dynamic", "int8"]):
    assert int(cell.replace(" bytes", "").replace(",", "")) == os.path.getsize(os.path.join(d, f"mnist_cnn_{p}.tflite")), cell
md = open(os.path.join(d, "results.md")).read()
assert "| Accuracy |" in md and "| File size |" in md and "| Inference time (ms/sample) |" in md
r = json.load(open(os.path.join(root, "micro_limit_cifar10", "results.json")))
assert [m["name"] for m in r["models"]] == ["mnist_cnn"] * 2 + ["cifar_standard"] * 2 + ["cifar_micro"] * 2
PY

# limit_bits: every sweep point recorded, the table and the chart built from them, and where
# each model breaks recomputed here from the points.
check "limit_bits sweep: results.json, results.md, chart" python3 - "$work/a/limit_bits" <<'PY'
import json, os, re, sys
d = sys.argv[1]
r = json.load(open(os.path.join(d, "results.json")))
sw = r["sweep"]
assert sw["bits"] == [8, 4, 2], sw["bits"]  # quick.sweep_bits
assert sw["calibration"] == ["minmax", "percentile", "mse", "kl"] and sw["apply_to"] == "weights+activations"
models = ["mnist_cnn", "cifar_standard", "cifar_micro"]
assert len(sw["points"]) == len(models) * 4 * 3
floats = {m["name"]: m for m in r["models"] if m["precision"] == "float32"}
int8 = {m["name"]: m for m in r["models"] if m["precision"] == "int8"}
pts = {(p["model"], p["calibration"], p["bits"]): p for p in sw["points"]}
for p in sw["points"]:
    assert p["weight_bits"] == p["bits"] == p["activation_bits"], p
    assert p["samples"] == floats[p["model"]]["samples"] and p["correct"] / p["samples"] == p["accuracy"], p
    assert p["ci95"][0] <= p["accuracy"] <= p["ci95"][1] and p["bytes"] > 0
for m in models:
    # The 8-bit min-max point is the experiment's int8 model, quantized the same way.
    assert pts[(m, "minmax", 8)]["correct"] == int8[m]["correct"], m
assert not [f for f in os.listdir(d) if f.endswith(".tflite") and "bits" in f]  # sweep models are not kept
t = [t for t in r["tables"] if t["id"] == "sweep"][0]
assert t["header"] == ["Model", "Dataset", "Calibration", "Float32", "8 bits", "4 bits", "2 bits",
                       "Fewest bits within 1 pp of float32"], t["header"]
assert [row[:3] for row in t["rows"]] == [[m, floats[m]["dataset"], c] for m in models for c in sw["calibration"]]
for row in t["rows"]:
    m, c = row[0], row[2]
    assert row[3] == "%.2f%%" % (100 * floats[m]["accuracy"])
    assert row[4:7] == ["%.2f%%" % (100 * pts[(m, c, b)]["accuracy"]) for b in (8, 4, 2)], row
    within = [b for b in (8, 4, 2) if 100 * (floats[m]["accuracy"] - pts[(m, c, b)]["accuracy"]) <= 1]
    assert row[7] == ("%d bits" % min(within) if within else "none"), (row, within)
md = open(os.path.join(d, "results.md")).read()
assert "## Accuracy vs bits of weights and activations" in md
for row in t["rows"]:
    assert "| " + " | ".join(row) + " |" in md, row
svg = open(os.path.join(d, "accuracy_vs_bits.svg")).read()
assert svg.count("<polyline") == 12, svg.count("<polyline")  # one line per model x method
for m in models:
    for c in sw["calibration"]:
        assert ">%s %s<" % (m, c) in svg, (m, c)
html = open(os.path.join(d, "report.html")).read()
assert "Accuracy vs bits of weights and activations" in html and html.count("<svg") >= 5
PY

# A sweep point is what `octet quantize` + `octet eval` give with the same options (the tiny
# synthetic sets are smaller than --quick's subsets, so the runner used all of them too).
run "quantize a sweep point by hand" "$octet" -q quantize --model "$work/a/limit_bits/mnist_cnn_float32.tflite" \
  --mode int8 --calib "$work/mnist" --samples 100 --seed 42 --calibration mse --weight-bits 4 --activation-bits 4 \
  --io int8 --threads 2 --out "$work/mse4.tflite"
run "eval the sweep point" "$octet" -q eval --model "$work/mse4.tflite" --data "$work/mnist" --json --threads 2
check "sweep point == octet quantize + eval" python3 -c "
import json
e = json.load(open('$work/last.out'))
p = [p for p in json.load(open('$work/a/limit_bits/results.json'))['sweep']['points']
     if p['model'] == 'mnist_cnn' and p['calibration'] == 'mse' and p['bits'] == 4][0]
assert (e['samples'], e['accuracy']) == (p['samples'], p['accuracy']), (e, p)
"

# qat_vs_ptq: PTQ, float fine-tune + PTQ and QAT at every bit width, the table, chart and commands
# built from the points, the QAT files measured as written, and each model's sensitivity table.
check "qat_vs_ptq: points, table, chart, commands, sensitivity" python3 - "$octet" "$work" <<'PY'
import json, os, subprocess, sys
octet, work = sys.argv[1], sys.argv[2]
d = os.path.join(work, "a", "qat_vs_ptq")
r = json.load(open(os.path.join(d, "results.json")))
q = r["qat"]
assert q["bits"] == [8, 6, 4, 3] and q["epochs"] == 1 and q["control"] is True, q  # --quick: 1 epoch
models = ["cifar_micro", "mnist_cnn"]
assert len(q["points"]) == len(models) * 4 * 3, len(q["points"])
floats = {m["name"]: m for m in r["models"] if m["precision"] == "float32"}
int8 = {m["name"]: m for m in r["models"] if m["precision"] == "int8"}
for m in models:  # `all` trained them in earlier experiments: reused, not retrained
    assert floats[m]["training"]["reused_from"], floats[m]["training"]
pts = {(p["model"], p["method"], p["bits"]): p for p in q["points"]}
for p in q["points"]:
    assert p["samples"] == floats[p["model"]]["samples"] and p["correct"] / p["samples"] == p["accuracy"], p
    assert p["ci95"][0] <= p["accuracy"] <= p["ci95"][1] and p["bytes"] > 0 and p["commands"], p
    if p["method"] == "qat":
        assert os.path.getsize(os.path.join(d, p["file"])) == p["bytes"], p
        assert p["commands"][0].startswith("octet train --qat --from %s_float32.tflite " % p["model"]), p["commands"]
        assert "--weight-bits %d --activation-bits %d" % (p["bits"], p["bits"]) in p["commands"][0]
        # The file is measured as written: `octet eval` gives the recorded accuracy.
        data = work + ("/mnist" if p["dataset"] == "MNIST" else "/cifar")
        j = json.loads(subprocess.run([octet, "-q", "eval", "--model", os.path.join(d, p["file"]), "--data", data,
                                       "--json", "--threads", "2"], check=True, capture_output=True, text=True).stdout)
        assert j["accuracy"] == p["accuracy"], (p["file"], j["accuracy"], p["accuracy"])
    if p["method"] == "control":
        assert p["commands"][0].startswith("octet train --from %s_float32.tflite " % p["model"]), p["commands"]
for m in models:
    # 8-bit PTQ is the experiment's int8 model, quantized the same way.
    assert pts[(m, "ptq", 8)]["correct"] == int8[m]["correct"], m
    assert os.path.isfile(os.path.join(d, m + "_fine_tuned_float32.tflite"))
t = [t for t in r["tables"] if t["id"] == "qat"][0]
assert t["header"][:8] == ["Model", "Dataset", "Bits", "Float32", "PTQ", "Fine-tune + PTQ", "QAT", "QAT - PTQ (pp)"]
assert [row[:3] for row in t["rows"]] == [[m, floats[m]["dataset"], str(b)] for m in models for b in q["bits"]]
pc = lambda x: "%.2f%%" % (100 * x)
for row in t["rows"]:
    m, b = row[0], int(row[2])
    assert row[3:7] == [pc(floats[m]["accuracy"])] + [pc(pts[(m, k, b)]["accuracy"]) for k in ("ptq", "control", "qat")], row
    assert row[7] == "%+.2f" % (100 * (pts[(m, "qat", b)]["accuracy"] - pts[(m, "ptq", b)]["accuracy"])), row
assert os.path.getsize(os.path.join(d, "qat_accuracy_vs_bits.svg")) > 0
md = open(os.path.join(d, "results.md")).read()
html = open(os.path.join(d, "report.html")).read()
for text in (md, html):
    assert "PTQ vs QAT" in text and "octet train --qat --from cifar_micro_float32.tflite" in text
    assert "octet sensitivity --model mnist_cnn_float32.tflite" in text
assert "PTQ vs QAT: accuracy vs bits" in html and html.count("<svg") >= 5
# Sensitivity: every op of each model, sorted by drop, in a table and a chart.
assert [s["model"] for s in r["sensitivity"]] == models
for s in r["sensitivity"]:
    assert s["held_out"] == 200 and s["ops"], s  # quick.sensitivity_held_out
    drops = [o["drop_pp"] for o in s["ops"]]
    assert drops == sorted(drops, reverse=True), drops
    assert all(abs(100 * (s["float_accuracy"] - o["accuracy"]) - o["drop_pp"]) < 1e-9 for o in s["ops"])
    st = [t for t in r["tables"] if t["id"] == "sensitivity_" + s["model"]][0]
    assert [row[1] for row in st["rows"]] == [str(o["op_index"]) for o in s["ops"]]
    assert "## " + st["title"] in md and st["title"] in html
    assert os.path.getsize(os.path.join(d, "sensitivity_%s.svg" % s["model"])) > 0
PY
# A QAT figure reproduced by its command (the data name replaced by the synthetic set's path).
check "qat_vs_ptq: the quoted command reproduces a QAT figure" python3 - "$octet" "$work" <<'PY'
import json, os, shlex, subprocess, sys
octet, work = sys.argv[1], sys.argv[2]
d = os.path.join(work, "a", "qat_vs_ptq")
p = [p for p in json.load(open(os.path.join(d, "results.json")))["qat"]["points"]
     if p["model"] == "mnist_cnn" and p["method"] == "qat" and p["bits"] == 4][0]
args = shlex.split(p["commands"][0])[1:]
args[args.index("--data") + 1] = work + "/mnist"
args[args.index("--out") + 1] = work + "/again_w4a4.tflite"
subprocess.run([octet, "-q"] + args, check=True, cwd=d, capture_output=True)
j = json.loads(subprocess.run([octet, "-q", "eval", "--model", work + "/again_w4a4.tflite", "--data", work + "/mnist",
                               "--json", "--threads", "2"], check=True, capture_output=True, text=True).stdout)
assert j["accuracy"] == p["accuracy"], (j["accuracy"], p["accuracy"])
PY

# Model reuse across processes: limit_bits alone in the same --out folder copies the float
# models its siblings trained (records checked), and gives exactly the same results.
cp "$work/a/limit_bits/results.json" "$work/limit_bits_first.json"
run "limit_bits again, same folder" "$octet" run limit_bits --quick "${data[@]}" --threads 2 --out "$work/a"
check "reuse announced for each model" test "$(grep -c 'was trained with identical settings (training record checked): copied, not trained' "$work/last.err")" -eq 3
check "reuse: no training" bash -c "! grep -q '^epoch ' '$work/last.err'"
check "reuse: recorded, same files, same results" python3 - "$work" <<'PY'
import filecmp, json, os, sys
work = sys.argv[1]
a = json.load(open(os.path.join(work, "limit_bits_first.json")))
b = json.load(open(os.path.join(work, "a", "limit_bits", "results.json")))
assert a["sweep"]["points"] == b["sweep"]["points"]
for m in b["models"]:
    if m["precision"] != "float32": continue
    src = m["training"]["reused_from"]
    assert os.path.dirname(os.path.dirname(src)) == os.path.join(work, "a") and "/limit_bits/" not in src, src
    assert filecmp.cmp(src, os.path.join(work, "a", "limit_bits", m["file"]), shallow=False), src
    assert m["training"]["history"], m["training"]  # the sibling's training history comes along
# In `all` (one process) micro_limit_cifar10 reused the models trained by earlier experiments.
m = json.load(open(os.path.join(work, "a", "micro_limit_cifar10", "results.json")))
src = {x["name"]: x["training"]["reused_from"] for x in m["models"] if x["precision"] == "float32"}
assert src["cifar_standard"] == os.path.join(work, "a", "limit_bits", "cifar_standard_float32.tflite"), src
PY
mkdir -p "$work/t" && cp -r "$work/a/int8_mnist_cnn" "$work/t/"
run "other threads: retrained" "$octet" run ptq8_mnist --quick "${data[@]}" --threads 1 --out "$work/t"
check "other threads: not reused, the difference named" grep -q "not reusing .*mnist_cnn_float32.tflite: its \"octet.training\" record differs in threads" "$work/last.err"
check "other threads: trained" grep -q "^epoch 1/1" "$work/last.err"

# The recorded accuracies are those `octet eval` measures on the written files.
check "accuracies == octet eval" python3 - "$octet" "$work" <<'PY'
import json, os, subprocess, sys
octet, work = sys.argv[1], sys.argv[2]
for exp, data in [("ptq8_mnist", "mnist"), ("micro_limit_cifar10", None)]:
    d = os.path.join(work, "a", exp)
    for m in json.load(open(os.path.join(d, "results.json")))["models"]:
        path = work + "/cifar" if m["dataset"] != "MNIST" else work + "/mnist"
        out = subprocess.run([octet, "-q", "eval", "--model", os.path.join(d, m["file"]), "--data", path, "--json",
                              "--threads", "2"], check=True, capture_output=True, text=True).stdout
        j = json.loads(out)
        assert j["samples"] == m["samples"] and j["accuracy"] == m["accuracy"], (m["file"], j["accuracy"], m["accuracy"])
PY

# Same seed and threads: identical accuracies and byte-identical models (ptq8_mnist alone trains
# mnist_cnn itself, so this also shows `all` reusing a model does not change anything).
run "ptq8_mnist again" "$octet" -q run ptq8_mnist --quick "${data[@]}" --threads 2 --seed 42 --out "$work/b"
for f in mnist_cnn_float32 mnist_cnn_dynamic mnist_cnn_int8; do
  check "re-run: $f.tflite identical" cmp "$work/a/ptq8_mnist/$f.tflite" "$work/b/ptq8_mnist/$f.tflite"
done
check "re-run: identical accuracies and flips" python3 -c "
import json
a = json.load(open('$work/a/ptq8_mnist/results.json'))
b = json.load(open('$work/b/ptq8_mnist/results.json'))
assert [m['accuracy'] for m in a['models']] == [m['accuracy'] for m in b['models']]
assert [c['flips'] for c in a['comparisons']] == [c['flips'] for c in b['comparisons']]
"
run "another seed" "$octet" -q run ptq8_mnist --quick "${data[@]}" --threads 2 --seed 7 --out "$work/c"
check "another seed: another model" bash -c "! cmp -s '$work/a/ptq8_mnist/mnist_cnn_float32.tflite' '$work/c/ptq8_mnist/mnist_cnn_float32.tflite'"
check "another seed recorded" python3 -c "import json; assert json.load(open('$work/c/ptq8_mnist/results.json'))['seed'] == 7"

# A user's experiment file: relative dataset path (to the file), a model spec file, a grid.
mkdir -p "$work/user"
cp -r "$work/mnist" "$work/user/digits"
cat > "$work/user/tiny.json" <<'JSON'
{"name": "tiny", "input": [28, 28, 1],
 "layers": [{"type": "conv2d", "filters": 4, "kernel": 3, "activation": "relu"}, {"type": "max_pool2d", "pool": 2},
            {"type": "flatten"}, {"type": "dense", "units": 10}]}
JSON
cat > "$work/user/mine.json" <<'JSON'
{"name": "mine", "models": [{"model": "tiny.json", "data": "digits", "epochs": 1}],
 "precisions": ["float32", "int8"], "quantize": {"samples": 50, "io": "uint8"},
 "predictions_grid": {"model": "tiny", "precision": "int8", "samples": 12},
 "latency": {"min_runs": 5, "min_seconds": 0.01}}
JSON
run "user experiment" "$octet" -q run "$work/user/mine.json" --threads 2 --out "$work/u"
check "user experiment outputs" bash -c "cd '$work/u/mine' && test -s tiny_float32.tflite && test -s tiny_int8.tflite && test -s predictions.svg"
cat > "$work/user/wsweep.json" <<'JSON'
{"name": "wsweep", "models": [{"model": "tiny.json", "data": "digits", "epochs": 1}], "precisions": ["float32"],
 "sweep": {"bits": [8, 3], "calibration": ["ema"], "apply_to": "weights", "max_drop_pp": 100},
 "latency": {"min_runs": 5, "min_seconds": 0.01}}
JSON
run "weights-only sweep" "$octet" -q run "$work/user/wsweep.json" --threads 2 --out "$work/u"
check "weights-only sweep: activations stay 8-bit" python3 -c "
import json
r = json.load(open('$work/u/wsweep/results.json'))
assert [(p['weight_bits'], p['activation_bits'], p['calibration']) for p in r['sweep']['points']] == [(8, 8, 'ema'), (3, 8, 'ema')]
t = [t for t in r['tables'] if t['id'] == 'sweep'][0]
assert t['title'] == 'Accuracy vs weight bits (activations 8-bit)' and t['rows'][0][-1] == '3 bits', t
assert '<polyline' in open('$work/u/wsweep/accuracy_vs_bits.svg').read()
"

# Bad experiments fail with exit 1 and name the file and the key.
echo '{"name": "x", "models": [{"model": "mnist_cnn", "data": "mnist"}], "precisions": ["float32"], "epochs": 2}' > "$work/unknown_key.json"
expect_error "unknown key" 'unknown_key.json: key "epochs": unknown key' "$octet" run "$work/unknown_key.json" --out "$work/x"
echo '{"name": "x", "models": [{"model": "mnist_cnn", "data": "mnist", "epochs": "3"}], "precisions": ["float32"]}' > "$work/wrong_type.json"
expect_error "wrong type" 'wrong_type.json: key "models\[0\].epochs": expected an integer' "$octet" run "$work/wrong_type.json" --out "$work/x"
echo '{"name": "x", "models": [{"model": "vgg16", "data": "mnist"}], "precisions": ["float32"]}' > "$work/bad_model.json"
expect_error "unknown model" 'bad_model.json: key "models\[0\].model": "vgg16" is neither' "$octet" run "$work/bad_model.json" --out "$work/x"
echo '{"name": "x", "models": [{"model": "mnist_cnn", "data": "svhn"}], "precisions": ["float32"]}' > "$work/bad_data.json"
expect_error "unknown dataset" 'bad_data.json: key "models\[0\].data": "svhn" is neither' "$octet" run "$work/bad_data.json" --out "$work/x"
echo '{"name": "x", "models": [' > "$work/broken.json"
expect_error "invalid JSON" 'broken.json: not valid JSON' "$octet" run "$work/broken.json" --out "$work/x"
expect_error "unknown experiment" 'neither a shipped experiment' "$octet" run no_such_thing --out "$work/x"
expect_error "bad --data" 'expected NAME=PATH' "$octet" run ptq8_mnist --data mnist --out "$work/x"
echo '{"name": "x", "models": [{"model": "cifar_micro", "data": "mnist", "epochs": 1}], "precisions": ["float32"]}' > "$work/mismatch.json"
expect_error "model does not fit the data" 'mismatch.json: cifar_micro' "$octet" -q run "$work/mismatch.json" "${data[@]}" --quick --out "$work/x"

finish "octet run"
