#!/usr/bin/env python3
"""Writes a tiny MNIST-format dataset (IDX, gzip) whose class is readable from the image:
class k draws a bright bar at row band k. Usage: make_synthetic_mnist.py DIR [train_n test_n]."""
import gzip
import random
import struct
import sys
from pathlib import Path

out = Path(sys.argv[1])
train_n = int(sys.argv[2]) if len(sys.argv) > 2 else 600
test_n = int(sys.argv[3]) if len(sys.argv) > 3 else 200
out.mkdir(parents=True, exist_ok=True)
rng = random.Random(1234)


def write(prefix, n):
    labels = [rng.randrange(10) for _ in range(n)]
    pixels = bytearray()
    for label in labels:
        for y in range(28):
            bright = 2 + 2 * label <= y < 4 + 2 * label
            for x in range(28):
                pixels.append(200 + rng.randrange(56) if bright else rng.randrange(40))
    with gzip.open(out / f"{prefix}-images-idx3-ubyte.gz", "wb") as f:
        f.write(struct.pack(">IIII", 0x803, n, 28, 28) + bytes(pixels))
    with gzip.open(out / f"{prefix}-labels-idx1-ubyte.gz", "wb") as f:
        f.write(struct.pack(">II", 0x801, n) + bytes(labels))


write("train", train_n)
write("t10k", test_n)
