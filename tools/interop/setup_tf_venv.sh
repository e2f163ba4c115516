#!/usr/bin/env bash
# Creates (once) a Python venv with TensorFlow (CPU build, pinned) plus LiteRT's interpreter and
# numpy, used by the reverse interop test: TensorFlow's own converter quantizes octet's float
# model, and octet must run TensorFlow's int8 file bit-exactly like TFLite's reference kernels.
# The venv is large (~2 GB); create it once under a build dir and reuse it.
# Usage: setup_tf_venv.sh DIR
# Exit codes: 0 ready; 2 usage or python3/venv missing; 3 PyPI unreachable or install failed.
set -u

# Pinned so results (scales, zero points, kernel choices) are reproducible. 2.21 has the
# float-requant reference FULLY_CONNECTED kernel (docs/quantization.md §3.6.3).
TF_VERSION=${OCTET_TF_VERSION:-2.21.0}
LITERT_VERSION=${OCTET_LITERT_VERSION:-2.3.0}

if [ $# -ne 1 ]; then
  echo "usage: $0 VENV_DIR" >&2
  exit 2
fi
dir="$1"
py="$dir/bin/python"

ready() {
  [ -x "$py" ] && "$py" - "$TF_VERSION" >/dev/null 2>&1 <<'EOF'
import sys
import numpy, ai_edge_litert.interpreter
import tensorflow as tf
sys.exit(0 if tf.__version__ == sys.argv[1] else 1)
EOF
}

if ready; then
  echo "setup_tf_venv: $dir is ready (tensorflow-cpu $TF_VERSION)"
  exit 0
fi

if ! command -v python3 >/dev/null 2>&1; then
  echo "setup_tf_venv: python3 not found" >&2
  exit 2
fi
if [ ! -x "$py" ]; then
  if ! python3 -m venv "$dir"; then
    echo "setup_tf_venv: 'python3 -m venv $dir' failed (is python3-venv installed?)" >&2
    exit 2
  fi
fi

# One attempt with short timeouts, so an offline machine fails fast instead of retrying for minutes.
if ! "$py" -m pip install --disable-pip-version-check --retries 1 --timeout 60 \
    "tensorflow-cpu==$TF_VERSION" "ai-edge-litert==$LITERT_VERSION" numpy; then
  echo "setup_tf_venv: could not install tensorflow-cpu $TF_VERSION, ai-edge-litert and numpy" \
       "from PyPI into $dir (is PyPI reachable?)" >&2
  exit 3
fi
if ! ready; then
  echo "setup_tf_venv: installed, but importing tensorflow $TF_VERSION / ai_edge_litert still fails in $dir" >&2
  "$py" -c 'import tensorflow as tf; print(tf.__version__)' >&2 || true
  exit 3
fi
echo "setup_tf_venv: $dir is ready (tensorflow-cpu $TF_VERSION)"
