#!/usr/bin/env python3
"""Checks a Chromium screenshot of the sample report: a PNG of the expected size that is not blank
and shows the marker colours of the sample page (images decoded, charts drawn).
Usage: check_screenshot.py SHOT.png WIDTH HEIGHT"""
import struct
import sys
import zlib


def read_png(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit(f"{path}: not a PNG file")
    pos, idat, header = 8, [], None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + length
    width, height, depth, color, _, _, interlace = header
    if depth != 8 or color not in (2, 6) or interlace:
        sys.exit(f"{path}: unsupported PNG (depth {depth}, colour type {color}, interlace {interlace})")
    bpp = 3 if color == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif f == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev))
        elif f == 3:
            for i in range(stride):
                line[i] = (line[i] + ((line[i - bpp] if i >= bpp else 0) + prev[i]) // 2) & 255
        elif f == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = prev[i], prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return width, height, bpp, rows


def main():
    path, want_w, want_h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    width, height, bpp, rows = read_png(path)
    if (width, height) != (want_w, want_h):
        sys.exit(f"{path}: {width}x{height}, expected {want_w}x{want_h}")
    colours, non_white = {}, 0
    for line in rows:
        for i in range(0, len(line), bpp):
            px = bytes(line[i:i + 3])
            colours[px] = colours.get(px, 0) + 1
    non_white = width * height - colours.get(b"\xff\xff\xff", 0)
    print(f"{path}: {width}x{height}, {len(colours)} colours, {100.0 * non_white / (width * height):.1f}% non-white")
    problems = []
    if non_white < width * height // 50:
        problems.append("the page is (nearly) blank")
    if len(colours) < 50:
        problems.append(f"only {len(colours)} colours: text and charts missing")
    # Marker colours of the sample page: a green RGB grid cell and a magenta <img> (both data URIs,
    # so broken images would lack them), the bar/series blue and the red outline of wrong predictions.
    for name, rgb, least in [("grid image green", (0, 200, 0), 32 * 3 * 32 * 3 // 2),
                             ("<img> magenta", (200, 0, 200), 80 * 80 // 2),
                             ("chart blue", (0x1f, 0x77, 0xb4), 2000),
                             ("wrong-prediction red", (0xd6, 0x27, 0x28), 200)]:
        count = colours.get(bytes(rgb), 0)
        if count < least:
            problems.append(f"{name} {rgb}: {count} pixels, expected at least {least}")
    for p in problems:
        print(f"{path}: {p}")
    sys.exit(1 if problems else 0)


main()
