#!/usr/bin/env bash
# Smoke test of the peer comparison (tools/peers/peers.py --quick) on one model: octet trains
# mnist_cnn for three epochs on a small synthetic MNIST, then the script quantizes it, rebuilds it in
# every peer that installs (LiteRT, ONNX Runtime, OpenVINO + nncf, ncnn; PyTorch when Debian's
# python3-torch is there), and measures accuracy and speed. Checks that every peer ran, that the
# fp32 rebuilds predict the same classes as octet's float file in LiteRT (the weights were carried
# over right), that int8 stays close, and that octet's own figures are there.
# Exit 77 (skipped) when the venv cannot be made (PyPI unreachable).
# Usage: peers_quick.sh OCTET_BINARY BUILD_DIR
set -euo pipefail
octet=$1
build=$2
src=$(cd "$(dirname "$0")/../.." && pwd)
venv=${OCTET_PEERS_VENV:-$build/venv-peers}
py="$venv/bin/python"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

lock=()
command -v flock >/dev/null && lock=(flock "$venv.lock")
if ! "${lock[@]}" "$src/tools/peers/setup_venv.sh" "$venv" >"$work/setup.log" 2>&1; then
  tail -5 "$work/setup.log"
  echo "SKIPPED: the peers' venv could not be made (see above); peer comparison not checked"
  exit 77
fi

python3 "$src/tests/cli/make_synthetic_mnist.py" "$work/data" 600 200
"$octet" -q train --model mnist_cnn --data "$work/data" --epochs 3 --out "$work/mnist_cnn.tflite" --seed 42 \
  --threads 2 >/dev/null

# Bad input: a missing model is named, exit 1.
if "$py" "$src/tools/peers/peers.py" --octet "$octet" --model "$work/none.tflite" --out "$work/x" \
    2>"$work/err.txt"; then
  echo "FAIL: peers.py accepted a missing model"; exit 1
fi
grep -q "none.tflite: no such model file" "$work/err.txt" || { cat "$work/err.txt"; echo "FAIL: unclear error"; exit 1; }

"$py" "$src/tools/peers/peers.py" --octet "$octet" --model "$work/mnist_cnn.tflite" --mnist "$work/data" --quick \
  --out "$work/peers" 2>"$work/peers.log" || { tail -20 "$work/peers.log"; echo "FAIL: peers.py failed"; exit 1; }

has_bench=no
"$octet" --help 2>&1 | grep -Eq '^ +bench ' && has_bench=yes
has_torch=no
"$py" -c 'import torch' 2>/dev/null && has_torch=yes
"$py" - "$work/peers.json" "$has_bench" "$has_torch" <<'PY'
import json, sys
rep = json.load(open(sys.argv[1]))
has_bench, has_torch = sys.argv[2] == "yes", sys.argv[3] == "yes"
m = rep["models"]["mnist_cnn"]
assert m["pixel_check"].startswith("identical"), m["pixel_check"]
rows = {(r["runtime"], r["label"]): r for r in m["rows"]}
want = [("octet", "fp32"), ("octet", "int8"), ("LiteRT", "fp32"), ("LiteRT", "int8"), ("ONNX Runtime", "fp32"),
        ("ONNX Runtime", "int8"), ("OpenVINO", "fp32"), ("OpenVINO", "int8"), ("ncnn", "fp32")]
if has_torch:
    want += [("PyTorch", "fp32"), ("PyTorch", "int8 onednn"), ("PyTorch", "int8 qnnpack")]
for key in want:
    assert key in rows, f"no row {key}; rows: {list(rows)}; not run: {m['not_run']}"
    r = rows[key]
    assert "error" not in r, (key, r["error"])
    assert 0 < r["accuracy"] <= 1 and r["bytes"] > 0, (key, r)
    if key[0] != "octet" or has_bench:
        assert r["b1"].get("median_us", 0) > 0 and r["b1"]["p90_us"] >= r["b1"]["median_us"], (key, r["b1"])
        assert r["b256"].get("images_per_s", 0) > 0, (key, r["b256"])
    if key[0] != "octet":
        # fp32 rebuilds must pick the same class as octet's float file in LiteRT; int8 nearly so.
        floor = 0.99 if r["precision"] == "fp32" else 0.95
        assert r["agreement"] >= floor, (key, r["agreement"])
        if has_bench:
            assert r["speedup_b1"] > 0 and r["speedup_b256"] > 0, (key, r)
fp32, int8 = rows[("octet", "fp32")]["accuracy"], rows[("octet", "int8")]["accuracy"]
assert abs(fp32 - int8) <= 0.03, (fp32, int8)
assert abs(rows[("LiteRT", "fp32")]["accuracy"] - fp32) <= 0.005, (rows[("LiteRT", "fp32")]["accuracy"], fp32)
over = {o["runtime"]: o for o in rep["overhead"]}
for rt in {k[0] for k in want} - {"octet"}:
    assert over[rt].get("median_us", 0) > 0, (rt, over.get(rt))
print("peers_quick: passed (%d rows, octet bench %s)" % (len(want), "measured" if has_bench else "not available"))
PY
