"""The same network in every peer's own format, built from octet's float .tflite.

tools/interop/make_tf_int8.py:decode_layers reads the flatbuffer into a list of layers (kind,
options, float weights; NHWC, OHWI convolution weights). From that list this module builds an
fp32 ONNX graph (NCHW, onnx.helper) and a PyTorch eager module (NCHW, ready for eager PTQ), plus
a one-op "trivial" model per runtime, used to measure the Python call overhead.

NHWC -> NCHW: the peers get NCHW inputs (their native layout), so a RESHAPE that flattens an
H x W x C activation for a FULLY_CONNECTED layer is built as a plain NCHW flatten, and the dense
weights' columns are permuted from (h, w, c) to (c, h, w) order instead.
"""
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "interop"))
from make_tf_int8 import ModelError, decode_layers  # noqa: E402  (shared flatbuffer reader)

__all__ = ["ModelError", "decode_layers", "onnx_model", "torch_model", "trivial_tflite",
           "TRIVIAL_LAYERS", "TRIVIAL_SHAPE"]

# The overhead probe: one RELU on a single float, identical in every runtime.
TRIVIAL_SHAPE = [1, 1, 1, 1]
TRIVIAL_LAYERS = [{"op": 0, "kind": "activation", "activation": "relu"}]


def _same_pads(size, k, s):
    """TensorFlow SAME padding along one axis: (before, after); the odd pixel goes after."""
    out = math.ceil(size / s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


def _out_size(size, k, s, padding):
    return math.ceil(size / s) if padding == "same" else (size - k) // s + 1


def _plan(input_shape, layers):
    """Walks the layers tracking the NHWC activation shape; yields (layer, hwc, pads) where hwc is
    the input shape of the layer ((h, w, c), or (n,) once flat) and pads = (top, left, bottom, right)."""
    hwc = tuple(input_shape[1:])
    for layer in layers:
        k = layer["kind"]
        pads = (0, 0, 0, 0)
        nxt = hwc
        if k in ("conv2d", "depthwise_conv2d", "max_pool2d", "avg_pool2d"):
            if len(hwc) != 3:
                raise ModelError(f"op {layer['op']}: {k} on a flat input")
            if k == "conv2d":
                kh, kw, cout = layer["weights"].shape[1], layer["weights"].shape[2], layer["weights"].shape[0]
            elif k == "depthwise_conv2d":
                kh, kw, cout = layer["weights"].shape[1], layer["weights"].shape[2], layer["weights"].shape[3]
            else:
                (kh, kw), cout = layer["pool"], hwc[2]
            sh, sw = layer["strides"]
            if layer["padding"] == "same":
                t, b = _same_pads(hwc[0], kh, sh)
                l, r = _same_pads(hwc[1], kw, sw)
                pads = (t, l, b, r)
            nxt = (_out_size(hwc[0], kh, sh, layer["padding"]), _out_size(hwc[1], kw, sw, layer["padding"]), cout)
        elif k == "global_avg_pool2d":
            nxt = (1, 1, hwc[2]) if layer["keep_dims"] else (hwc[2],)
        elif k == "reshape":
            n = int(np.prod(hwc))
            if len(layer["shape"]) != 2 or layer["shape"][1] not in (-1, n):
                raise ModelError(f"op {layer['op']}: only a flattening RESHAPE to [-1, {n}] is supported")
            nxt = (n,)
        elif k == "dense":
            if len(hwc) != 1:
                raise ModelError(f"op {layer['op']}: FULLY_CONNECTED on a rank-{len(hwc) + 1} input")
            nxt = (layer["weights"].shape[0],)
        yield layer, hwc, pads
        hwc = nxt


def _dense_weights(layer, flat_from):
    """FC weights [units, in] with columns reordered from NHWC to NCHW flatten order."""
    w = layer["weights"]
    if flat_from is None or (flat_from[0] == 1 and flat_from[1] == 1):
        return w
    h, wd, c = flat_from
    return w.reshape(w.shape[0], h, wd, c).transpose(0, 3, 1, 2).reshape(w.shape[0], -1)


def _flat_sources(input_shape, layers):
    """For each dense layer index: the (h, w, c) shape its input was flattened from (or None)."""
    out, src = {}, None
    for i, (layer, hwc, _) in enumerate(_plan(input_shape, layers)):
        if layer["kind"] == "reshape":
            src = hwc
        elif layer["kind"] == "dense":
            out[i], src = src, None
        elif layer["kind"] not in ("activation", "softmax"):
            src = None
    return out


def onnx_model(input_shape, layers, opset=13):
    """fp32 ONNX ModelProto, input 'input' [N, C, H, W] (dynamic N), output 'output' [N, classes]."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes, inits = [], []
    cur = "input"
    flat = _flat_sources(input_shape, layers)

    def const(name, arr):
        inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def node(op, inputs, name, **attrs):
        nonlocal cur
        nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        cur = name

    def activation(act, name):
        if act == "relu":
            node("Relu", [cur], name + "_relu")
        elif act == "relu6":
            node("Clip", [cur, const(name + "_lo", np.float32(0)), const(name + "_hi", np.float32(6))], name + "_relu6")

    for i, (layer, hwc, pads) in enumerate(_plan(input_shape, layers)):
        k = layer["kind"]
        name = f"op{layer['op']}_{k}"
        onnx_pads = [pads[0], pads[1], pads[2], pads[3]]
        if k in ("conv2d", "depthwise_conv2d"):
            w = layer["weights"]
            if k == "conv2d":
                wt, group = w.transpose(0, 3, 1, 2), 1                   # OHWI -> OIHW
            else:
                wt, group = w[0].transpose(2, 0, 1)[:, None], hwc[2]      # [1,KH,KW,C*M] -> [C*M,1,KH,KW]
            ins = [cur, const(name + "_w", wt.astype(np.float32))]
            if layer["bias"] is not None:
                ins.append(const(name + "_b", layer["bias"].astype(np.float32)))
            node("Conv", ins, name, kernel_shape=list(wt.shape[2:]), strides=list(layer["strides"]),
                 pads=onnx_pads, group=group)
            activation(layer["activation"], name)
        elif k in ("max_pool2d", "avg_pool2d"):
            node("MaxPool" if k == "max_pool2d" else "AveragePool", [cur], name, kernel_shape=list(layer["pool"]),
                 strides=list(layer["strides"]), pads=onnx_pads)
            activation(layer["activation"], name)
        elif k == "global_avg_pool2d":
            node("GlobalAveragePool", [cur], name)
            if not layer["keep_dims"]:
                node("Flatten", [cur], name + "_flatten", axis=1)
        elif k == "reshape":
            node("Flatten", [cur], name, axis=1)
        elif k == "dense":
            ins = [cur, const(name + "_w", _dense_weights(layer, flat.get(i)).astype(np.float32))]
            if layer["bias"] is not None:
                ins.append(const(name + "_b", layer["bias"].astype(np.float32)))
            node("Gemm", ins, name, transB=1)
            activation(layer["activation"], name)
        elif k == "activation":
            activation(layer["activation"], name)
        elif k == "softmax":
            node("Softmax", [cur], name, axis=-1)
        else:
            raise ModelError(f"op {layer['op']}: {k} has no ONNX mapping here")
    if cur == "input":  # an empty chain still needs a node
        node("Identity", [cur], "identity")
    nodes[-1].output[0] = "output"
    n, h, w, c = input_shape
    # The shape after the last layer: what _plan yields as the input of a no-op appended at the end.
    final = list(_plan(input_shape, layers + [{"op": -1, "kind": "activation", "activation": None}]))[-1][1]
    out_dims = ["N", final[2], final[0], final[1]] if len(final) == 3 else ["N", final[0]]
    inp = helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", c, h, w])
    out = helper.make_tensor_value_info("output", TensorProto.FLOAT, out_dims)
    graph = helper.make_graph(nodes, "octet_rebuilt", [inp], [out], initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="octet-peers")
    model.ir_version = 8  # readable by every runtime version in use
    onnx.checker.check_model(model)
    return model


def torch_model(input_shape, layers):
    """(nn.Module, fuse list): NCHW eager model with QuantStub/DeQuantStub around the integer part.
    The final SOFTMAX, if any, runs in float after DeQuantStub (eager mode has no quantized softmax
    module); it does not change the top-1 class."""
    import torch
    from torch import nn

    mods, fuse = [], []

    def add(m):
        mods.append(m)
        return str(len(mods) - 1)

    def activation(act, prev):
        if act == "relu":
            idx = add(nn.ReLU())
            if prev is not None:
                fuse.append([prev, idx])
        elif act == "relu6":
            add(nn.ReLU6())

    def sym_pad(layer, pads):
        t, l, b, r = pads
        if t != b or l != r:
            raise ModelError(f"op {layer['op']}: asymmetric SAME padding has no PyTorch mapping here")
        return (t, l)

    flat = _flat_sources(input_shape, layers)
    softmax = False
    for i, (layer, hwc, pads) in enumerate(_plan(input_shape, layers)):
        k = layer["kind"]
        if softmax:
            raise ModelError(f"op {layer['op']}: layers after SOFTMAX are not supported")
        if k in ("conv2d", "depthwise_conv2d"):
            w = layer["weights"]
            if k == "conv2d":
                wt, group = w.transpose(0, 3, 1, 2), 1
            else:
                wt, group = w[0].transpose(2, 0, 1)[:, None], hwc[2]
            conv = nn.Conv2d(wt.shape[1] * group, wt.shape[0], tuple(wt.shape[2:]), stride=tuple(layer["strides"]),
                             padding=sym_pad(layer, pads), groups=group, bias=layer["bias"] is not None)
            with torch.no_grad():
                conv.weight.copy_(torch.from_numpy(np.ascontiguousarray(wt, dtype=np.float32)))
                if layer["bias"] is not None:
                    conv.bias.copy_(torch.from_numpy(layer["bias"].astype(np.float32)))
            activation(layer["activation"], add(conv))
        elif k in ("max_pool2d", "avg_pool2d"):
            cls = nn.MaxPool2d if k == "max_pool2d" else nn.AvgPool2d
            extra = {} if k == "max_pool2d" else {"count_include_pad": False}
            add(cls(tuple(layer["pool"]), stride=tuple(layer["strides"]), padding=sym_pad(layer, pads), **extra))
            activation(layer["activation"], None)
        elif k == "global_avg_pool2d":
            add(nn.AdaptiveAvgPool2d(1))
            if not layer["keep_dims"]:
                add(nn.Flatten())
        elif k == "reshape":
            add(nn.Flatten())
        elif k == "dense":
            w = _dense_weights(layer, flat.get(i))
            fc = nn.Linear(w.shape[1], w.shape[0], bias=layer["bias"] is not None)
            with torch.no_grad():
                fc.weight.copy_(torch.from_numpy(np.ascontiguousarray(w, dtype=np.float32)))
                if layer["bias"] is not None:
                    fc.bias.copy_(torch.from_numpy(layer["bias"].astype(np.float32)))
            activation(layer["activation"], add(fc))
        elif k == "activation":
            activation(layer["activation"], None)
        elif k == "softmax":
            softmax = True
        else:
            raise ModelError(f"op {layer['op']}: {k} has no PyTorch mapping here")

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.quant = torch.ao.quantization.QuantStub()
            self.body = nn.Sequential(*mods)
            self.dequant = torch.ao.quantization.DeQuantStub()

        def forward(self, x):
            y = self.dequant(self.body(self.quant(x)))
            return torch.softmax(y, dim=-1) if softmax else y

    return Net().eval(), [["body." + a, "body." + b] for a, b in fuse]


def trivial_tflite(path):
    """Writes a .tflite with one float32 RELU on a [1,1,1,1] tensor (LiteRT's overhead probe)."""
    import flatbuffers
    from ai_edge_litert import schema_py_generated as schema

    m = schema.ModelT()
    m.version = 3
    m.buffers = [schema.BufferT(), schema.BufferT(), schema.BufferT()]
    code = schema.OperatorCodeT()
    code.builtinCode = code.deprecatedBuiltinCode = schema.BuiltinOperator.RELU
    code.version = 1
    m.operatorCodes = [code]
    tensors = []
    for i, name in enumerate(("input", "output")):
        t = schema.TensorT()
        t.shape, t.type, t.buffer, t.name = list(TRIVIAL_SHAPE), schema.TensorType.FLOAT32, i + 1, name
        tensors.append(t)
    op = schema.OperatorT()
    op.opcodeIndex, op.inputs, op.outputs = 0, [0], [1]
    sg = schema.SubGraphT()
    sg.tensors, sg.inputs, sg.outputs, sg.operators, sg.name = tensors, [0], [1], [op], "main"
    m.subgraphs = [sg]
    b = flatbuffers.Builder(256)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    with open(path, "wb") as f:
        f.write(b.Output())
