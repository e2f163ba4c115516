#!/usr/bin/env python3
"""Writes a tiny CIFAR-10 binary dataset (cifar-10-batches-bin/: five training batches, one test
batch) whose class is readable from the image: class k draws a bright bar at row band 3k in the
red plane. Usage: make_synthetic_cifar.py DIR [images_per_train_batch test_n]."""
import random
import sys
from pathlib import Path

out = Path(sys.argv[1]) / "cifar-10-batches-bin"
per_batch = int(sys.argv[2]) if len(sys.argv) > 2 else 100
test_n = int(sys.argv[3]) if len(sys.argv) > 3 else 200
out.mkdir(parents=True, exist_ok=True)
rng = random.Random(4321)


def record():
    label = rng.randrange(10)
    planes = bytearray()
    for plane in range(3):
        for y in range(32):
            bright = plane == 0 and 3 * label <= y < 3 * label + 2
            for _ in range(32):
                planes.append(200 + rng.randrange(56) if bright else rng.randrange(60))
    return bytes([label]) + bytes(planes)


def write(name, n):
    (out / name).write_bytes(b"".join(record() for _ in range(n)))


for i in range(1, 6):
    write(f"data_batch_{i}.bin", per_batch)
write("test_batch.bin", test_n)
