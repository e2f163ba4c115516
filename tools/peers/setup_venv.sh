#!/usr/bin/env bash
# Creates (once) the Python venv of the peer comparison (tools/peers/peers.py): LiteRT, ONNX
# Runtime + onnx, OpenVINO + nncf, ncnn + pnnx from PyPI, and PyTorch from Debian (python3-torch 1.13, CPU;
# PyPI's torch pulls GBs of CUDA). The venv is made from Debian's /usr/bin/python3 with
# --system-site-packages so Debian's torch, numpy and Pillow are seen; numpy is held at Debian's
# version, the one Debian's torch was built against. Never an octet dependency.
# Without python3-torch the venv is still made and peers.py reports PyTorch as not run
# (install it with: apt-get install python3-torch python3-pil).
# Usage: setup_venv.sh DIR
# Exit codes: 0 ready; 2 usage, python3 or venv missing; 3 PyPI unreachable or install failed.
set -u

# Pinned so that a re-run measures the same peer versions.
LITERT_VERSION=${OCTET_LITERT_VERSION:-2.3.0}
ORT_VERSION=${OCTET_ORT_VERSION:-1.32.0}
ONNX_VERSION=${OCTET_ONNX_VERSION:-1.23.2}
OPENVINO_VERSION=${OCTET_OPENVINO_VERSION:-2026.4.1}
NNCF_VERSION=${OCTET_NNCF_VERSION:-3.4.0}
NCNN_VERSION=${OCTET_NCNN_VERSION:-1.0.20261020}
PNNX_VERSION=${OCTET_PNNX_VERSION:-20261020}

if [ $# -ne 1 ]; then
  echo "usage: $0 VENV_DIR" >&2
  exit 2
fi
dir="$1"
py="$dir/bin/python"
# Debian's interpreter, whose dist-packages hold python3-torch; any python3 when it is absent.
base=/usr/bin/python3
[ -x "$base" ] || base=$(command -v python3 || true)

# nncf is imported with torch hidden, as nncf_quantize.py does (nncf 3 fails on Debian's torch 1.13).
imports='import sys, numpy, PIL, ai_edge_litert.interpreter, onnx, onnxruntime, openvino, ncnn, pnnx
sys.modules["torch"] = None
import nncf'
ready() {
  [ -x "$py" ] && "$py" -c "$imports" >/dev/null 2>&1
}

if ready; then
  echo "setup_venv: $dir is ready"
  exit 0
fi
if [ -z "$base" ]; then
  echo "setup_venv: python3 not found" >&2
  exit 2
fi
if [ ! -x "$py" ]; then
  if ! "$base" -m venv --system-site-packages "$dir"; then
    echo "setup_venv: '$base -m venv $dir' failed (is python3-venv installed?)" >&2
    exit 2
  fi
fi

constraints="$dir/constraints.txt"
np_version=$("$base" -c 'import numpy; print(numpy.__version__)' 2>/dev/null || true)
if [ -n "$np_version" ]; then
  echo "numpy==$np_version" >"$constraints"
else
  : >"$constraints"
fi
# Pillow only when Debian's python3-pil is absent.
pil=()
"$py" -c 'import PIL' 2>/dev/null || pil=(pillow)

# One attempt with short timeouts, so an offline machine fails fast instead of retrying for minutes.
if ! "$py" -m pip install --disable-pip-version-check --retries 1 --timeout 60 -c "$constraints" \
    "ai-edge-litert==$LITERT_VERSION" "onnxruntime==$ORT_VERSION" "onnx==$ONNX_VERSION" \
    "openvino==$OPENVINO_VERSION" "nncf==$NNCF_VERSION" "ncnn==$NCNN_VERSION" numpy "${pil[@]}" ||
   ! "$py" -m pip install --disable-pip-version-check --retries 1 --timeout 60 --no-deps "pnnx==$PNNX_VERSION"; then
  # pnnx without dependencies: only its converter binary is used, and its torch requirement would
  # pull PyPI's torch (GBs of CUDA) where Debian's is absent.
  echo "setup_venv: could not install ai-edge-litert, onnxruntime, onnx, openvino, nncf, ncnn and pnnx" \
       "from PyPI into $dir (is PyPI reachable?)" >&2
  exit 3
fi
if ! ready; then
  echo "setup_venv: installed, but importing the peers still fails in $dir:" >&2
  "$py" -c "$imports" >&2 || true
  exit 3
fi
"$py" -c 'import torch' 2>/dev/null || echo "setup_venv: note: no PyTorch (apt-get install python3-torch)"
echo "setup_venv: $dir is ready"
