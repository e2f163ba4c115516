#!/usr/bin/env python3
"""Compare octet's calibration ranges with ONNX Runtime's calibrators on the same activations.

Input: a directory written by calib_dump (tests/quant/calib_dump.cc): ranges.json and one raw
float32 file per activation tensor (images in order). Each tensor is fed, image by image, through
a one-node ONNX model (Identity) to onnxruntime.quantization.calibrate's MinMax, Percentile
(defaults: 2048 bins, 99.999, symmetric) and Entropy calibrators (defaults: 128 bins, and
again with num_bins=2048), and the chosen ranges are printed next to octet's.

Usage: ort_calibration_check.py DUMP_DIR [--max-rel-diff X]
Exit status: 0 when octet's minmax and percentile ranges agree with ORT's within the tolerance
(default 1e-6 relative to the tensor's min-max width) and its kl range agrees within one bin with
a numpy transcription of quantization.md §6.5 (TensorRT / NVIDIA); 1 otherwise. ORT's Entropy
calibrator is a different (MXNet-derived) algorithm, so that difference is reported, not checked.
"""
import argparse
import contextlib
import io
import json
import os
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper
from onnxruntime.quantization.calibrate import CalibrationDataReader, CalibrationMethod, create_calibrator


class Reader(CalibrationDataReader):
    def __init__(self, x):
        self.x = x
        self.i = 0

    def get_next(self):
        if self.i >= len(self.x):
            return None
        self.i += 1
        return {"x": self.x[self.i - 1 : self.i]}


def ort_range(model_path, x, method, extra, tmp):
    cal = create_calibrator(model_path, None, augmented_model_path=os.path.join(tmp, "aug.onnx"),
                            calibrate_method=method, extra_options=extra)
    with contextlib.redirect_stdout(io.StringIO()):  # ORT prints progress
        cal.collect_data(Reader(x))
        data = cal.compute_data()
    lo, hi = data["y"].range_value
    return float(np.asarray(lo).item()), float(np.asarray(hi).item())  # MinMax gives shape-(1,) arrays


def tensorrt_entropy_amax(x):
    """quantization.md §6.5 (NVIDIA pytorch_quantization _compute_amax_entropy), transcribed from
    the doc in numpy: 2048 bins of |x| on [0, max], bin 0 := bin 1, candidates i = 128..2048,
    Q = each of 128 groups' mass spread over its nonzero bins, the last argmin of KL(P||Q)."""
    a = np.abs(x.reshape(-1))
    hist, edges = np.histogram(a, bins=2048, range=(0.0, float(a.max())))
    bins = hist.astype(np.float64)
    bins[0] = bins[1]
    best_i, best = None, np.inf
    for i in range(128, len(bins) + 1):
        group = np.digitize(np.arange(i), np.linspace(0, i, 129)) - 1
        nonzero = bins[:i] != 0
        sums = np.bincount(group[nonzero], weights=bins[:i][nonzero], minlength=128)
        counts = np.bincount(group[nonzero], minlength=128)
        q = np.where(nonzero, sums[group] / np.maximum(counts[group], 1), 0.0)
        p = bins[:i].copy()
        p[-1] += bins[i:].sum()
        p, q = p / p.sum(), q / q.sum()
        m = p > 0
        kl = np.inf if np.any(q[m] == 0) else float(np.sum(p[m] * np.log(p[m] / q[m])))
        if kl <= best:
            best, best_i = kl, i
    return float(edges[best_i])


def identity_model(path, per_image):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, per_image])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, per_image])
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "identity", [x], [y])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dump_dir")
    ap.add_argument("--max-rel-diff", type=float, default=1e-6)
    args = ap.parse_args()
    manifest_path = os.path.join(args.dump_dir, "ranges.json")
    try:
        with open(manifest_path) as f:
            manifest = json.load(f)
    except (OSError, ValueError) as e:
        sys.exit(f"ort_calibration_check: cannot read {manifest_path}: {e}")
    print(f"model {manifest['model']}, {manifest['data']}, {manifest['samples']} training images")
    print(f"{'tensor':28} {'method':22} {'octet lo':>12} {'octet hi':>12} {'ORT lo':>12} {'ORT hi':>12} {'|diff|/width':>13}")
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        for t in manifest["tensors"]:
            path = os.path.join(args.dump_dir, t["file"])
            x = np.fromfile(path, dtype=np.float32)
            if x.size != t["images"] * t["per_image"]:
                sys.exit(f"ort_calibration_check: {path} holds {x.size} floats, expected {t['images']}x{t['per_image']}")
            x = x.reshape(t["images"], t["per_image"])
            width = float(x.max() - x.min()) or 1.0
            model_path = os.path.join(tmp, "m.onnx")
            identity_model(model_path, t["per_image"])
            rows = [
                ("minmax", "MinMax", CalibrationMethod.MinMax, {}, True),
                ("percentile", "Percentile", CalibrationMethod.Percentile, {}, True),
                ("kl", "Entropy (128 bins)", CalibrationMethod.Entropy, {}, False),
                ("kl", "Entropy (2048 bins)", CalibrationMethod.Entropy, {"num_bins": 2048}, False),
            ]
            for ours, label, method, extra, checked in rows:
                lo, hi = ort_range(model_path, x, method, extra, tmp)
                olo, ohi = t["octet"][ours]
                diff = max(abs(olo - lo), abs(ohi - hi)) / width
                name = f"{ours} vs {label}"
                print(f"{t['name'][:28]:28} {name[:22]:22} {olo:12.6g} {ohi:12.6g} {lo:12.6g} {hi:12.6g} {diff:13.3g}")
                if checked and diff > args.max_rel_diff:
                    failures.append(f"{t['name']} {ours}: octet [{olo}, {ohi}] vs ORT [{lo}, {hi}]")
            amax = tensorrt_entropy_amax(x)
            lo, hi = max(-amax, float(x.min())), min(amax, float(x.max()))
            olo, ohi = t["octet"]["kl"]
            diff = max(abs(olo - lo), abs(ohi - hi)) / width
            print(f"{t['name'][:28]:28} {'kl vs doc §6.5 (numpy)':22} {olo:12.6g} {ohi:12.6g} {lo:12.6g} {hi:12.6g} {diff:13.3g}")
            # Bin assignment at edges and summation order may differ by a bin: allow one bin width.
            if diff > 1.0 / 2048 + args.max_rel_diff:
                failures.append(f"{t['name']} kl: octet [{olo}, {ohi}] vs the §6.5 transcription [{lo}, {hi}]")
            mlo, mhi = t["octet"]["mse"]
            print(f"{t['name'][:28]:28} {'mse (no ORT peer)':22} {mlo:12.6g} {mhi:12.6g}")
    if failures:
        print("MISMATCH:\n  " + "\n  ".join(failures))
        return 1
    print("minmax and percentile match ONNX Runtime, kl matches the §6.5 transcription, on every tensor")
    return 0


if __name__ == "__main__":
    sys.exit(main())
