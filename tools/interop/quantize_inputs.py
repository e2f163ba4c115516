#!/usr/bin/env python3
"""Quantizes raw float32 samples to a .tflite model's int8/uint8 input, as TFLite's reference QUANTIZE.

q = clamp(RHAZ(x / S) + Z) with the division in float32 and RHAZ = round half away from zero
(docs/quantization.md §4.8), S and Z read from the model's input tensor. Input: a raw float32 file
of N samples (e.g. `octet predict --raw-inputs` on the float model); output: the raw integer file
for tflite_run.py. Prints one JSON line (scale, zero point, count, how many values were clamped).
"""
import argparse
import json
import sys

import numpy as np


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", help=".tflite with an int8 or uint8 input")
    ap.add_argument("--input", required=True, help="raw float32 samples")
    ap.add_argument("--output", required=True, help="raw int8/uint8 file to write")
    args = ap.parse_args()

    from ai_edge_litert.interpreter import Interpreter

    detail = Interpreter(model_path=args.model).get_input_details()[0]
    dtype = np.dtype(detail["dtype"])
    if dtype not in (np.dtype(np.int8), np.dtype(np.uint8)):
        print(f"quantize_inputs: the model input is {dtype.name}, not int8/uint8", file=sys.stderr)
        return 1
    scales = detail["quantization_parameters"]["scales"]
    zps = detail["quantization_parameters"]["zero_points"]
    if len(scales) != 1 or len(zps) != 1:
        print("quantize_inputs: the model input is not quantized per tensor", file=sys.stderr)
        return 1
    s = np.float32(scales[0])
    z = int(zps[0])
    per_sample = int(np.prod(detail["shape"][1:]))
    x = np.fromfile(args.input, dtype="<f4")
    if x.size % per_sample:
        print(f"quantize_inputs: {x.size} floats is not a multiple of {per_sample}", file=sys.stderr)
        return 1
    v = (x / s).astype(np.float64)                  # float32 division, exact in double afterwards
    r = np.sign(v) * np.floor(np.abs(v) + 0.5)      # RHAZ (exact: |v| + 0.5 does not round in double)
    info = np.iinfo(dtype)
    q = r + z
    clamped = int(((q < info.min) | (q > info.max)).sum())
    q = np.clip(q, info.min, info.max).astype(dtype)
    q.tofile(args.output)
    print(json.dumps({"model": args.model, "scale": float(s), "zero_point": z, "dtype": dtype.name,
                      "samples": x.size // per_sample, "clamped": clamped}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
