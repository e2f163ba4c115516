#!/usr/bin/env python3
"""Compares two raw int8 output files (COUNT samples x CLASSES) byte for byte: how many bytes and
samples differ, by how many LSB, and how many top-1 predictions agree. Prints one JSON line; exits 1
when more than --max-differing bytes differ (default 0: bit-exact)."""
import argparse
import json
import sys

import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("a", help="octet's raw outputs")
ap.add_argument("b", help="TFLite's raw outputs")
ap.add_argument("--count", type=int, required=True)
ap.add_argument("--dtype", default="int8", choices=["int8", "uint8"])
ap.add_argument("--max-differing", type=int, default=0)
ap.add_argument("--label", default="")
args = ap.parse_args()

a = np.fromfile(args.a, dtype=args.dtype)
b = np.fromfile(args.b, dtype=args.dtype)
if a.size != b.size or a.size == 0 or a.size % args.count:
    print(f"compare_int8_bytes: sizes differ or do not divide by {args.count}: {a.size} vs {b.size}",
          file=sys.stderr)
    sys.exit(1)
a = a.reshape(args.count, -1).astype(np.int64)
b = b.reshape(args.count, -1).astype(np.int64)
diff = np.abs(a - b)
differing = int((diff > 0).sum())
hist = {str(int(k)): int(v) for k, v in zip(*np.unique(diff[diff > 0], return_counts=True))}
result = {"label": args.label, "samples": args.count, "bytes": int(a.size), "differing_bytes": differing,
          "samples_differing": int((diff > 0).any(axis=1).sum()), "max_lsb_diff": int(diff.max()),
          "lsb_diff_histogram": hist, "top1_equal": int((a.argmax(1) == b.argmax(1)).sum()),
          "first_differing_samples": [int(i) for i in np.nonzero((diff > 0).any(axis=1))[0][:10]]}
print(json.dumps(result))
sys.exit(0 if differing <= args.max_differing else 1)
