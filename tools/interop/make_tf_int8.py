#!/usr/bin/env python3
"""Rebuilds an octet float .tflite as a Keras model and converts it with TensorFlow's own converter.

The reverse interop check: octet's float model (a linear chain of CONV_2D, DEPTHWISE_CONV_2D,
FULLY_CONNECTED, MAX/AVERAGE_POOL_2D, MEAN, RESHAPE, RELU, RELU6 and a final SOFTMAX, i.e. every
built-in architecture) is read from the flatbuffer with numpy, rebuilt layer by layer in Keras
(NHWC; OHWI conv weights -> HWIO; FC [units, in] -> [in, units]), and the Keras model's outputs are
first checked against octet's float file run in LiteRT (proof the weights were transferred right).
Then tf.lite.TFLiteConverter writes:

  --mode int8     full-integer post-training quantization: optimizations=[DEFAULT], a
                  representative dataset yielding the samples of --calibration (a raw float32 file
                  of N x H x W x C, e.g. written by `octet predict --raw-inputs`, so octet's own
                  quantizer can calibrate on the very same samples), int8 input and output,
                  supported_ops=[TFLITE_BUILTINS_INT8]
  --mode dynamic  dynamic-range quantization (optimizations=[DEFAULT], no representative dataset)
  --mode float    plain float32 conversion

One JSON object goes to stdout (TensorFlow version, layers, Keras-vs-octet difference, the
input/output quantization of the written file). Exit codes: 0 ok; 1 bad arguments, unsupported
model or the weight-transfer check failed; 2 TensorFlow failed to convert.
"""
import argparse
import contextlib
import json
import os
import sys

import numpy as np

# Keep TensorFlow's C++ logging to errors; the JSON summary on stdout is what callers read.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# TFLite enums (schema.fbs).
TENSOR_DTYPES = {0: np.float32, 1: np.float16, 2: np.int32, 3: np.uint8, 4: np.int64, 7: np.int16, 9: np.int8}
PADDING = {0: "same", 1: "valid"}
ACTIVATION = {0: None, 1: "relu", 3: "relu6"}


class ModelError(Exception):
    pass


def builtin_code(model, op):
    oc = model.operatorCodes[op.opcodeIndex]
    # builtinCode is the extended field; deprecatedBuiltinCode holds codes < 127 in older writers.
    return max(int(oc.builtinCode), int(oc.deprecatedBuiltinCode))


def read_model(path):
    """Returns (model object, subgraph, raw file bytes) via LiteRT's generated flatbuffer classes."""
    from ai_edge_litert import schema_py_generated as schema

    with open(path, "rb") as f:
        buf = f.read()
    model = schema.ModelT.InitFromPackedBuf(bytearray(buf), 0)
    if not model.subgraphs or len(model.subgraphs) != 1:
        raise ModelError(f"{path}: expected exactly one subgraph")
    return model, model.subgraphs[0], buf


def tensor_array(model, buf, sg, index):
    """Constant tensor `index` as a numpy array of its shape (None when it has no data)."""
    t = sg.tensors[index]
    b = model.buffers[t.buffer]
    if t.type not in TENSOR_DTYPES:
        raise ModelError(f"tensor '{t.name}': unsupported type {t.type}")
    dtype = np.dtype(TENSOR_DTYPES[t.type]).newbyteorder("<")
    if b.data is not None and len(b.data) > 0:
        raw = np.asarray(b.data, dtype=np.uint8).tobytes()
    elif b.offset > 1 and b.size > 0:
        raw = buf[b.offset:b.offset + b.size]
    else:
        return None
    shape = [int(d) for d in (t.shape if t.shape is not None else [])]
    return np.frombuffer(raw, dtype=dtype, count=int(np.prod(shape, dtype=np.int64))).reshape(shape).astype(
        TENSOR_DTYPES[t.type])


def decode_layers(path):
    """The model as a list of layer dicts (kind, options, float weights), in execution order."""
    from ai_edge_litert import schema_py_generated as schema

    BO = schema.BuiltinOperator
    model, sg, buf = read_model(path)
    if len(sg.inputs) != 1 or len(sg.outputs) != 1:
        raise ModelError(f"{path}: expected one input and one output")
    in_t = sg.tensors[sg.inputs[0]]
    if in_t.type != 0:
        raise ModelError(f"{path}: the input is not float32; give octet's float model")
    input_shape = [int(d) for d in in_t.shape]
    if len(input_shape) != 4:
        raise ModelError(f"{path}: expected an NHWC image input, got shape {input_shape}")

    def const(i):
        a = tensor_array(model, buf, sg, i) if i >= 0 else None
        if a is not None and a.dtype != np.float32 and a.dtype != np.int32:
            raise ModelError(f"tensor '{sg.tensors[i].name}' is {a.dtype}; give octet's float32 model")
        return a

    layers = []
    cur = sg.inputs[0]
    for n, op in enumerate(sg.operators):
        code = builtin_code(model, op)
        ins = [int(i) for i in op.inputs]
        if ins[0] != cur:
            raise ModelError(f"op {n}: input 0 is not the previous op's output; only linear chains are supported")
        o = op.builtinOptions
        layer = {"op": n, "name": sg.tensors[op.outputs[0]].name.decode()
                 if isinstance(sg.tensors[op.outputs[0]].name, bytes) else sg.tensors[op.outputs[0]].name}
        if code == BO.CONV_2D:
            if (o.dilationHFactor or 1) != 1 or (o.dilationWFactor or 1) != 1:
                raise ModelError(f"op {n}: dilated convolutions are not supported")
            layer.update(kind="conv2d", weights=const(ins[1]), bias=const(ins[2]) if len(ins) > 2 else None,
                         padding=PADDING[o.padding], strides=(o.strideH, o.strideW),
                         activation=ACTIVATION[o.fusedActivationFunction])
        elif code == BO.DEPTHWISE_CONV_2D:
            layer.update(kind="depthwise_conv2d", weights=const(ins[1]),
                         bias=const(ins[2]) if len(ins) > 2 else None, padding=PADDING[o.padding],
                         strides=(o.strideH, o.strideW), depth_multiplier=max(1, o.depthMultiplier),
                         activation=ACTIVATION[o.fusedActivationFunction])
        elif code == BO.FULLY_CONNECTED:
            if o is not None and o.keepNumDims:
                raise ModelError(f"op {n}: FULLY_CONNECTED with keep_num_dims is not supported")
            layer.update(kind="dense", weights=const(ins[1]), bias=const(ins[2]) if len(ins) > 2 else None,
                         activation=ACTIVATION[o.fusedActivationFunction if o is not None else 0])
        elif code in (BO.MAX_POOL_2D, BO.AVERAGE_POOL_2D):
            layer.update(kind="max_pool2d" if code == BO.MAX_POOL_2D else "avg_pool2d",
                         pool=(o.filterHeight, o.filterWidth), strides=(o.strideH, o.strideW),
                         padding=PADDING[o.padding], activation=ACTIVATION[o.fusedActivationFunction])
        elif code == BO.MEAN:
            axes = const(ins[1])
            if axes is None or sorted(int(a) for a in axes.ravel()) != [1, 2]:
                raise ModelError(f"op {n}: MEAN is supported over axes [1, 2] only")
            layer.update(kind="global_avg_pool2d", keep_dims=bool(o.keepDims) if o is not None else False)
        elif code == BO.RESHAPE:
            shape = const(ins[1]) if len(ins) > 1 else None
            if shape is None:
                shape = np.asarray(o.newShape if o is not None else [], dtype=np.int32)
            layer.update(kind="reshape", shape=[int(s) for s in shape.ravel()])
        elif code in (BO.RELU, BO.RELU6):
            layer.update(kind="activation", activation="relu" if code == BO.RELU else "relu6")
        elif code == BO.SOFTMAX:
            beta = o.beta if o is not None else 0.0
            if abs(beta - 1.0) > 1e-6:
                raise ModelError(f"op {n}: SOFTMAX with beta {beta} (only 1.0 is supported)")
            layer.update(kind="softmax")
        else:
            raise ModelError(f"op {n}: builtin operator {code} is not supported by this script")
        if layer.get("activation") not in (None, "relu", "relu6"):
            raise ModelError(f"op {n}: unsupported fused activation")
        layers.append(layer)
        cur = int(op.outputs[0])
    if cur != sg.outputs[0]:
        raise ModelError(f"{path}: the last op's output is not the model output")
    return input_shape, layers


def build_keras(input_shape, layers):
    """The same network in Keras, with octet's weights loaded."""
    import tensorflow as tf

    keras = tf.keras

    global _ConstReshape

    class _ConstReshape(keras.layers.Layer):
        def __init__(self, shape, **kw):
            super().__init__(**kw)
            self.shape_ = shape

        def call(self, x):
            return tf.reshape(x, self.shape_)

        def compute_output_shape(self, input_shape):
            n = int(np.prod(input_shape[1:]))
            rest = int(np.prod(self.shape_[1:])) if len(self.shape_) > 1 else 1
            return (input_shape[0],) + tuple(self.shape_[1:]) if rest == n else (input_shape[0], n)

    x = inp = keras.Input(shape=tuple(input_shape[1:]), name="input", dtype="float32")
    for layer in layers:
        k = layer["kind"]
        name = f"op{layer['op']}_{k}"
        if k == "conv2d":
            w = layer["weights"]  # OHWI
            b = layer["bias"]
            l = keras.layers.Conv2D(w.shape[0], (w.shape[1], w.shape[2]), strides=layer["strides"],
                                    padding=layer["padding"], activation=layer["activation"],
                                    use_bias=b is not None, name=name)
            x = l(x)
            l.set_weights([w.transpose(1, 2, 3, 0)] + ([b] if b is not None else []))  # -> HWIO
        elif k == "depthwise_conv2d":
            w = layer["weights"]  # [1, KH, KW, C*M]
            b = layer["bias"]
            m = layer["depth_multiplier"]
            c = w.shape[3] // m
            l = keras.layers.DepthwiseConv2D((w.shape[1], w.shape[2]), strides=layer["strides"],
                                             padding=layer["padding"], depth_multiplier=m,
                                             activation=layer["activation"], use_bias=b is not None, name=name)
            x = l(x)
            # output channel c*M + m  ->  Keras [KH, KW, C, M]
            l.set_weights([w[0].reshape(w.shape[1], w.shape[2], c, m)] + ([b] if b is not None else []))
        elif k == "dense":
            w = layer["weights"]  # [units, in]
            b = layer["bias"]
            if len(x.shape) != 2:
                raise ModelError(f"op {layer['op']}: FULLY_CONNECTED on a rank-{len(x.shape)} input "
                                 "(octet's models flatten first)")
            l = keras.layers.Dense(w.shape[0], activation=layer["activation"], use_bias=b is not None, name=name)
            x = l(x)
            l.set_weights([w.T] + ([b] if b is not None else []))
        elif k in ("max_pool2d", "avg_pool2d"):
            cls = keras.layers.MaxPooling2D if k == "max_pool2d" else keras.layers.AveragePooling2D
            x = cls(pool_size=layer["pool"], strides=layer["strides"], padding=layer["padding"], name=name)(x)
            if layer["activation"]:
                x = keras.layers.Activation(layer["activation"], name=name + "_act")(x)
        elif k == "global_avg_pool2d":
            x = keras.layers.GlobalAveragePooling2D(keepdims=layer["keep_dims"], name=name)(x)
        elif k == "reshape":
            shape = layer["shape"]
            # tf.reshape with octet's constant shape (leading -1 = batch) becomes one RESHAPE with a
            # constant shape operand; keras Flatten/Reshape would emit SHAPE/STRIDED_SLICE/PACK
            # for the dynamic batch, which octet's runtime does not have.
            x = _ConstReshape([-1] + list(shape[1:]), name=name)(x)
        elif k == "activation":
            x = keras.layers.ReLU(max_value=6.0 if layer["activation"] == "relu6" else None, name=name)(x)
        elif k == "softmax":
            x = keras.layers.Softmax(name=name)(x)
    return keras.Model(inp, x, name="octet_rebuilt")


def run_litert(path, samples, reference=False):
    """Outputs of a .tflite on float32 samples, one at a time (LiteRT, default or BUILTIN_REF)."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    interp = Interpreter(model_path=path, experimental_op_resolver_type=(
        OpResolverType.BUILTIN_REF if reference else OpResolverType.AUTO))
    inp = interp.get_input_details()[0]
    shape = [1] + [int(d) for d in inp["shape"][1:]]
    if int(inp["shape"][0]) != 1:
        interp.resize_tensor_input(inp["index"], shape)
    interp.allocate_tensors()
    out = interp.get_output_details()[0]
    res = []
    for s in samples:
        interp.set_tensor(inp["index"], s[None].astype(inp["dtype"]))
        interp.invoke()
        res.append(interp.get_tensor(out["index"])[0].copy())
    return np.stack(res)


def quant_of(detail):
    q = detail.get("quantization_parameters") or {}
    scales = [float(s) for s in q.get("scales", [])]
    zps = [int(z) for z in q.get("zero_points", [])]
    return {"dtype": np.dtype(detail["dtype"]).name, "shape": [int(d) for d in detail["shape"]],
            "scale": scales[0] if len(scales) == 1 else scales, "zero_point": zps[0] if len(zps) == 1 else zps}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", help="octet's float32 .tflite")
    ap.add_argument("--out", required=True, help=".tflite file to write")
    ap.add_argument("--mode", choices=["int8", "dynamic", "float"], default="int8")
    ap.add_argument("--calibration", help="raw float32 samples (N x H x W x C) for the representative dataset; "
                    "required for --mode int8, also used for the weight-transfer check")
    ap.add_argument("--check-samples", type=int, default=100,
                    help="samples (from --calibration, else random in [0,1]) for the Keras vs octet check")
    ap.add_argument("--check-atol", type=float, default=1e-4,
                    help="fail when Keras and octet's float file differ by more than this")
    ap.add_argument("--summary", help="also write the JSON summary to this file")
    args = ap.parse_args()

    try:
        input_shape, layers = decode_layers(args.model)
    except (ModelError, OSError) as e:
        print(f"make_tf_int8: {e}", file=sys.stderr)
        return 1
    per_sample = int(np.prod(input_shape[1:]))
    calib = None
    if args.calibration:
        raw = np.fromfile(args.calibration, dtype="<f4")
        if raw.size == 0 or raw.size % per_sample:
            print(f"make_tf_int8: {args.calibration}: {raw.size} floats is not a multiple of "
                  f"{per_sample} (one {input_shape[1:]} sample)", file=sys.stderr)
            return 1
        calib = raw.reshape([-1] + input_shape[1:]).astype(np.float32)
    if args.mode == "int8" and calib is None:
        print("make_tf_int8: --mode int8 needs --calibration", file=sys.stderr)
        return 1

    import tensorflow as tf

    keras_model = build_keras(input_shape, layers)

    # 1. Weight transfer: Keras (TF kernels) vs octet's float file in LiteRT, same samples.
    if calib is not None:
        check = calib[:args.check_samples]
    else:
        check = np.random.default_rng(0).random([args.check_samples] + input_shape[1:], dtype=np.float32)
    keras_out = keras_model(check, training=False).numpy()
    octet_out = run_litert(args.model, check)
    max_diff = float(np.abs(keras_out.astype(np.float64) - octet_out).max())
    same_top1 = int((keras_out.argmax(-1) == octet_out.argmax(-1)).sum())
    summary = {
        "model": args.model, "out": args.out, "mode": args.mode,
        "tensorflow": tf.__version__, "keras": tf.keras.__version__ if hasattr(tf.keras, "__version__") else None,
        "layers": [{k: v for k, v in l.items() if k not in ("weights", "bias")} for l in layers],
        "calibration_samples": int(calib.shape[0]) if calib is not None else 0,
        "keras_vs_octet_float": {"samples": int(check.shape[0]), "max_abs_diff": max_diff,
                                 "top1_equal": same_top1},
    }
    if not max_diff <= args.check_atol:
        print(json.dumps(summary))
        print(f"make_tf_int8: the Keras rebuild differs from {args.model} by {max_diff:g} "
              f"(> {args.check_atol:g}); weights were not transferred correctly", file=sys.stderr)
        return 1

    # 2. Conversion with TensorFlow's converter.
    try:
        conv = tf.lite.TFLiteConverter.from_keras_model(keras_model)
        if args.mode in ("int8", "dynamic"):
            conv.optimizations = [tf.lite.Optimize.DEFAULT]
        if args.mode == "int8":
            def representative_dataset():
                for s in calib:
                    yield [s[None]]
            conv.representative_dataset = representative_dataset
            conv.inference_input_type = tf.int8
            conv.inference_output_type = tf.int8
            conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        # The converter prints progress ("Saved artifact at ...") on stdout, which carries our JSON.
        with contextlib.redirect_stdout(sys.stderr):
            flat = conv.convert()
    except Exception as e:  # the converter raises a variety of types (ConverterError, ValueError, ...)
        print(json.dumps(summary))
        print(f"make_tf_int8: TensorFlow {tf.__version__} could not convert the model: {e}", file=sys.stderr)
        return 2
    tmp = args.out + ".tmp"
    with open(tmp, "wb") as f:
        f.write(flat)
    os.replace(tmp, args.out)

    from ai_edge_litert.interpreter import Interpreter
    interp = Interpreter(model_path=args.out)
    summary["input"] = quant_of(interp.get_input_details()[0])
    summary["output"] = quant_of(interp.get_output_details()[0])
    summary["ops"] = [d["op_name"] for d in interp._get_ops_details()]
    summary["bytes"] = len(flat)
    if args.mode == "float":
        conv_out = run_litert(args.out, check)
        summary["converted_vs_octet_float"] = {"max_abs_diff": float(np.abs(conv_out - octet_out).max())}
    text = json.dumps(summary)
    print(text)
    if args.summary:
        with open(args.summary, "w") as f:
            f.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
