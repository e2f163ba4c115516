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
check "total time printed" grep -q "^run: 4 experiment(s) in " "$work/last.out"
check "progress per stage" grep -q "run ptq8_mnist \[2/.*\] train mnist_cnn" "$work/last.err"
for e in ptq8_mnist int8_mnist_cnn ptq_mnist_fc_vs_cnn micro_limit_cifar10; do
  check "$e outputs" bash -c "cd '$work/a/$e' && test -s results.json && test -s results.md && test -s report.html && test -s pareto.svg"
done
check "ptq8 models" bash -c "cd '$work/a/ptq8_mnist' && test -s mnist_cnn_float32.tflite && test -s mnist_cnn_dynamic.tflite && test -s mnist_cnn_int8.tflite"
check "int8 predictions grid" test -s "$work/a/int8_mnist_cnn/predictions.svg"
check "micro_limit per-layer SQNR charts" bash -c "ls '$work/a/micro_limit_cifar10'/sqnr_cifar_micro_int8.svg '$work/a/micro_limit_cifar10'/sqnr_cifar_standard_int8.svg"

# Structure and consistency of every results.json.
check "results.json structure and consistency" python3 - "$work/a" <<'PY'
import json, math, os, sys
root = sys.argv[1]
for exp in ["ptq8_mnist", "int8_mnist_cnn", "ptq_mnist_fc_vs_cnn", "micro_limit_cifar10"]:
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
