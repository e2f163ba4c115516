#!/usr/bin/env python3
"""Compares two raw output files of COUNT samples x CLASSES values (float32 or int8): how many
top-1 predictions agree, the largest absolute difference, and how many values differ.
Prints one JSON line; exits 1 when the predictions disagree or the difference exceeds --atol."""
import argparse
import json
import sys

import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("a")
ap.add_argument("b")
ap.add_argument("--count", type=int, required=True)
ap.add_argument("--dtype", default="float32", choices=["float32", "int8"])
ap.add_argument("--atol", type=float, default=1e-5)
ap.add_argument("--label", default="")
args = ap.parse_args()

a = np.fromfile(args.a, dtype=args.dtype)
b = np.fromfile(args.b, dtype=args.dtype)
if a.size != b.size or a.size % args.count:
    print(f"compare: sizes differ or do not divide by {args.count}: {a.size} vs {b.size}", file=sys.stderr)
    sys.exit(1)
a = a.reshape(args.count, -1).astype(np.float64)
b = b.reshape(args.count, -1).astype(np.float64)
diff = np.abs(a - b)
same_top1 = int((a.argmax(1) == b.argmax(1)).sum())
result = {"label": args.label, "samples": args.count, "top1_equal": same_top1,
          "max_abs_diff": float(diff.max()), "values_differing": int((diff > 0).sum())}
print(json.dumps(result))
sys.exit(0 if same_top1 == args.count and diff.max() <= args.atol else 1)
