#!/usr/bin/env python3
"""Overwrites the first float32 of the largest buffer (a weight tensor) of a .tflite with NaN or
Inf, for the numerical-fault tests. Walks the FlatBuffer by hand (Model.buffers is field 4,
Buffer.data field 0) so no flatbuffers package is needed.
Usage: poke_tflite_weight.py IN OUT nan|inf"""
import struct
import sys

src, dst, what = sys.argv[1], sys.argv[2], sys.argv[3]
b = bytearray(open(src, "rb").read())


def u32(pos):
    return struct.unpack_from("<I", b, pos)[0]


def field(table, index):
    """Absolute position of a table's field, or None when absent."""
    vtable = table - struct.unpack_from("<i", b, table)[0]
    vsize = struct.unpack_from("<H", b, vtable)[0]
    if 4 + 2 * index >= vsize:
        return None
    off = struct.unpack_from("<H", b, vtable + 4 + 2 * index)[0]
    return table + off if off else None


model = u32(0)
buffers_field = field(model, 4)
buffers = buffers_field + u32(buffers_field)
best = None
for i in range(u32(buffers)):
    entry = buffers + 4 + 4 * i
    buf = entry + u32(entry)
    data_field = field(buf, 0)
    if data_field is None:
        continue
    data = data_field + u32(data_field)
    if best is None or u32(data) > u32(best):
        best = data
assert best is not None and u32(best) >= 4, "no weight buffer"
struct.pack_into("<f", b, best + 4, float(what))
open(dst, "wb").write(bytes(b))
