#!/usr/bin/env bash
# Creates (once) a Python venv with LiteRT's interpreter and numpy, used by the interop tests to
# check that octet's .tflite files load and run in TensorFlow Lite.
# Usage: setup_venv.sh DIR
# Exit codes: 0 ready; 2 usage or python3/venv missing; 3 PyPI unreachable or install failed.
set -u

if [ $# -ne 1 ]; then
  echo "usage: $0 VENV_DIR" >&2
  exit 2
fi
dir="$1"
py="$dir/bin/python"

ready() {
  [ -x "$py" ] && "$py" -c 'import numpy, ai_edge_litert.interpreter' >/dev/null 2>&1
}

if ready; then
  echo "setup_venv: $dir is ready"
  exit 0
fi

if ! command -v python3 >/dev/null 2>&1; then
  echo "setup_venv: python3 not found" >&2
  exit 2
fi
if [ ! -x "$py" ]; then
  if ! python3 -m venv "$dir"; then
    echo "setup_venv: 'python3 -m venv $dir' failed (is python3-venv installed?)" >&2
    exit 2
  fi
fi

# One attempt with short timeouts, so an offline machine fails fast instead of retrying for minutes.
if ! "$py" -m pip install --disable-pip-version-check --retries 1 --timeout 30 \
    ai-edge-litert numpy; then
  echo "setup_venv: could not install ai-edge-litert and numpy from PyPI into $dir" \
       "(is PyPI reachable?)" >&2
  exit 3
fi
if ! ready; then
  echo "setup_venv: installed, but 'import ai_edge_litert.interpreter' still fails in $dir" >&2
  exit 3
fi
echo "setup_venv: $dir is ready"
