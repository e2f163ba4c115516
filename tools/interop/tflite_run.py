#!/usr/bin/env python3
"""Runs a .tflite file in LiteRT (TensorFlow Lite) sample by sample, for octet's interop tests.

Input: a raw little-endian file holding COUNT samples of the model's (single) input, each of
shape input.shape[1:], with element type DTYPE. Every sample is run at batch 1 (the input is
resized when the model's batch is not 1). Output: a raw file holding, for each sample in order,
the bytes of every model output in output order. A one-line JSON summary goes to stdout.

Exit codes: 0 ok, 1 bad arguments or data, 2 the interpreter rejected the model.
"""
import argparse
import json
import sys

import numpy as np


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", help=".tflite file")
    ap.add_argument("--input", required=True, help="raw little-endian input samples")
    ap.add_argument("--dtype", required=True,
                    choices=["float32", "int8", "uint8", "int16", "int32"],
                    help="element type of the input file (must equal the model input's)")
    ap.add_argument("--count", type=int, required=True, help="number of samples in --input")
    ap.add_argument("--output", required=True, help="raw output file to write")
    ap.add_argument("--reference", action="store_true",
                    help="use the reference kernels (OpResolverType.BUILTIN_REF)")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()

    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    resolver = OpResolverType.BUILTIN_REF if args.reference else OpResolverType.AUTO
    try:
        interp = Interpreter(model_path=args.model, num_threads=args.threads,
                             experimental_op_resolver_type=resolver)
        inputs = interp.get_input_details()
        if len(inputs) != 1:
            print(f"tflite_run: {args.model}: {len(inputs)} inputs, expected 1", file=sys.stderr)
            return 1
        inp = inputs[0]
        shape = [int(d) for d in inp["shape"]]
        if not shape:
            shape = [1]
        if shape[0] != 1:
            shape = [1] + shape[1:]
            interp.resize_tensor_input(inp["index"], shape)
        interp.allocate_tensors()
    except Exception as e:  # the interpreter reports model errors as RuntimeError/ValueError
        print(f"tflite_run: {args.model}: the interpreter rejected the model: {e}",
              file=sys.stderr)
        return 2

    dtype = np.dtype(args.dtype).newbyteorder("<")
    if np.dtype(inp["dtype"]) != np.dtype(args.dtype):
        print(f"tflite_run: model input is {np.dtype(inp['dtype']).name}, "
              f"--dtype says {args.dtype}", file=sys.stderr)
        return 1
    per_sample = int(np.prod(shape[1:], dtype=np.int64))
    raw = np.fromfile(args.input, dtype=dtype)
    if args.count < 0 or raw.size != args.count * per_sample:
        print(f"tflite_run: {args.input}: {raw.size} elements, expected "
              f"{args.count} x {per_sample}", file=sys.stderr)
        return 1
    samples = raw.reshape([args.count] + shape[1:])

    outputs = interp.get_output_details()
    with open(args.output, "wb") as f:
        for s in range(args.count):
            interp.set_tensor(inp["index"], samples[s:s + 1].astype(inp["dtype"]))
            interp.invoke()
            for o in outputs:
                out = interp.get_tensor(o["index"])
                f.write(np.ascontiguousarray(out).astype(out.dtype.newbyteorder("<")).tobytes())

    print(json.dumps({
        "model": args.model,
        "resolver": resolver.name,
        "samples": args.count,
        "input": {"shape": shape, "dtype": np.dtype(inp["dtype"]).name},
        "outputs": [{"name": o["name"], "shape": [int(d) for d in interp.get_tensor(o["index"]).shape],
                     "dtype": np.dtype(o["dtype"]).name} for o in outputs],
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
