#!/usr/bin/env python3
"""Quantizes an ONNX model to int8 OpenVINO IR with nncf.quantize (defaults) on given samples.

Run as its own process by peers.py: nncf 3.x imports torch when it is installed and fails on
Debian's torch 1.13, so torch is hidden from this process (nncf then uses its OpenVINO backend).
Usage: nncf_quantize.py MODEL.onnx SAMPLES.npy OUT.xml  (samples: float32 N x C x H x W).
Prints one JSON line ({"nncf": version}); exit 1 on any failure, with the reason on stderr.
"""
import json
import sys

sys.modules["torch"] = None  # makes `import torch` raise ImportError, which nncf tolerates


def main() -> int:
    if len(sys.argv) != 4:
        print(__doc__.splitlines()[4], file=sys.stderr)
        return 1
    import nncf
    import numpy as np
    import openvino as ov

    model = ov.Core().read_model(sys.argv[1])
    calib = np.load(sys.argv[2])
    q = nncf.quantize(model, nncf.Dataset([calib[i:i + 1] for i in range(len(calib))]), subset_size=len(calib))
    ov.save_model(q, sys.argv[3], compress_to_fp16=False)
    print(json.dumps({"nncf": nncf.__version__}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
