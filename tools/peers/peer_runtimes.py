"""One class per peer runtime: build its model (fp32 or int8, calibrated on given samples), then
open sessions for a (batch, threads) pair. A session's `run(x)` is what is timed: it feeds an input
already in the runtime's layout and type, runs the model and returns the outputs as numpy. Input
conversion (NHWC -> NCHW, float -> int8) happens once, outside the timed call.

Every peer gets the same calibration samples octet used (float32 x/255, NHWC) and its own
PTQ's standard min/max method where it has one; what each does differently is in `notes`.
"""
import io
import json
import os
import subprocess
import sys

import numpy as np

import peer_models


def quantize_tflite_input(x, detail):
    """float32 -> the .tflite's int8/uint8 input, as TFLite's QUANTIZE (RHAZ of x / S, + Z, clamp)."""
    s = np.float32(detail["quantization_parameters"]["scales"][0])
    z = int(detail["quantization_parameters"]["zero_points"][0])
    v = (x / s).astype(np.float64)
    r = np.sign(v) * np.floor(np.abs(v) + 0.5)
    info = np.iinfo(detail["dtype"])
    return np.clip(r + z, info.min, info.max).astype(detail["dtype"])


class Session:
    """A model opened for one (batch, threads): `prepare(x_nhwc)` converts inputs, `run` is timed."""

    def __init__(self, run, prepare, activate=lambda: None):
        self.run = run
        self.prepare = prepare
        self.activate = activate  # called before each timed block (PyTorch's thread count is global)


def file_size(*paths):
    return sum(os.path.getsize(p) for p in paths)


# ---------------------------------------------------------------- LiteRT

class LiteRT:
    runtime = "LiteRT"

    def __init__(self, path, label, notes):
        self.path, self.label, self.notes = path, label, notes
        self.size = file_size(path)

    def session(self, batch, threads):
        from ai_edge_litert.interpreter import Interpreter

        interp = Interpreter(model_path=self.path, num_threads=threads)
        inp = interp.get_input_details()[0]
        shape = [batch] + [int(d) for d in inp["shape"][1:]]
        if list(inp["shape"]) != shape:
            interp.resize_tensor_input(inp["index"], shape)
        interp.allocate_tensors()
        inp = interp.get_input_details()[0]
        out = interp.get_output_details()[0]
        i_idx, o_idx = inp["index"], out["index"]
        quantized = np.dtype(inp["dtype"]) != np.float32

        def prepare(x):
            return quantize_tflite_input(x, inp) if quantized else np.ascontiguousarray(x, dtype=np.float32)

        def run(x):
            interp.set_tensor(i_idx, x)
            interp.invoke()
            return interp.get_tensor(o_idx)

        return Session(run, prepare)


# ---------------------------------------------------------------- ONNX Runtime

def nchw(x):
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2), dtype=np.float32)


class OnnxRuntime:
    runtime = "ONNX Runtime"

    def __init__(self, path, label, notes):
        self.path, self.label, self.notes = path, label, notes
        self.size = file_size(path)

    def session(self, batch, threads):
        import onnxruntime as ort

        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        sess = ort.InferenceSession(self.path, so, providers=["CPUExecutionProvider"])
        name = sess.get_inputs()[0].name
        out = [sess.get_outputs()[0].name]

        def run(x):
            return sess.run(out, {name: x})[0]

        return Session(run, nchw)


class OrtCalibrationReader:
    """onnxruntime.quantization's calibration data reader over our samples, 50 at a time."""

    def __init__(self, samples_nchw):
        self.batches = iter(np.array_split(samples_nchw, max(1, len(samples_nchw) // 50)))

    def get_next(self):
        b = next(self.batches, None)
        return None if b is None else {"input": b}


def ort_models(onnx_path, calib_nhwc, workdir, stem, vnni):
    """(fp32, int8) runners: the fp32 ONNX file, and quantize_static QDQ of it on the samples.
    Without VNNI, ORT's int8 x86 kernels multiply with AVX2's vpmaddubsw, whose int16 pair sums
    saturate on full-range per-channel weights (measured here: cifar_micro 0.35 accuracy vs 0.71
    float, for U8S8 and S8S8 alike); ORT's documented remedy is reduce_range (7-bit weights)."""
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static

    q_path = os.path.join(workdir, stem + "_ort_int8.onnx")
    quantize_static(onnx_path, q_path, OrtCalibrationReader(nchw(calib_nhwc)), quant_format=QuantFormat.QDQ,
                    per_channel=True, reduce_range=not vnni, activation_type=QuantType.QUInt8,
                    weight_type=QuantType.QInt8, calibrate_method=CalibrationMethod.MinMax)
    return (OnnxRuntime(onnx_path, "fp32", "ONNX built from the float .tflite (onnx.helper)"),
            OnnxRuntime(q_path, "int8", "quantize_static QDQ, MinMax, u8 activations, per-channel s8 weights"
                                        f"{' (reduce_range: 7 bits, no VNNI)' if not vnni else ''}"))


# ---------------------------------------------------------------- PyTorch

def _set_openblas_threads(n):
    """Debian's torch (BLAS_INFO=generic) runs its float GEMMs in OpenBLAS, whose own thread pool
    torch.set_num_threads does not size: without this, "1 thread" would be one torch thread plus
    OpenBLAS's pool. Sizes the OpenBLAS already loaded in this process, if any."""
    import ctypes

    with open("/proc/self/maps") as f:
        libs = {line.split()[-1] for line in f if "libopenblas" in line}
    for lib in libs:
        ctypes.CDLL(lib).openblas_set_num_threads(n)



class PyTorch:
    runtime = "PyTorch"

    def __init__(self, module, label, notes, engine=None):
        import torch

        self.module, self.label, self.notes, self.engine = module, label, notes, engine
        buf = io.BytesIO()
        torch.save(module.state_dict(), buf)
        self.size = buf.tell()

    def session(self, batch, threads):
        import torch

        def activate():
            torch.set_num_threads(threads)
            _set_openblas_threads(threads)
            if self.engine:
                torch.backends.quantized.engine = self.engine

        def prepare(x):
            return torch.from_numpy(nchw(x))

        def run(x):
            with torch.inference_mode():
                return self.module(x).numpy()

        activate()
        return Session(run, prepare, activate)


def torch_models(input_shape, layers, calib_nhwc, engines, vnni):
    """fp32 eager module and one eager-PTQ int8 module per quantized engine (same samples, min/max
    activations, per-channel symmetric int8 weights, conv/linear + ReLU fused). Without VNNI the
    onednn engine multiplies u8 x s8 with AVX2's saturating vpmaddubsw, so its activations get
    PyTorch's reduce_range (7 bits), as its x86/fbgemm defaults do; qnnpack computes exactly."""
    import torch
    from torch.ao import quantization as tq

    fp32, _ = peer_models.torch_model(input_shape, layers)
    runners = [PyTorch(fp32, "fp32", f"eager, torch {torch.__version__}")]
    calib = torch.from_numpy(nchw(calib_nhwc))
    for engine in engines:
        torch.backends.quantized.engine = engine
        m, fuse = peer_models.torch_model(input_shape, layers)
        if fuse:
            tq.fuse_modules(m, fuse, inplace=True)
        reduce = engine != "qnnpack" and not vnni
        m.qconfig = tq.QConfig(
            activation=tq.MinMaxObserver.with_args(dtype=torch.quint8, qscheme=torch.per_tensor_affine,
                                                   reduce_range=reduce),
            weight=tq.PerChannelMinMaxObserver.with_args(dtype=torch.qint8, qscheme=torch.per_channel_symmetric))
        tq.prepare(m, inplace=True)
        with torch.inference_mode():
            for b in torch.split(calib, 50):
                m(b)
        tq.convert(m, inplace=True)
        runners.append(PyTorch(m, f"int8 {engine}", f"eager PTQ, engine {engine}, MinMax u8 activations"
                                                    f"{' (reduce_range: 7 bits, no VNNI)' if reduce else ''}, "
                                                    "per-channel s8 weights", engine=engine))
    return runners


# ---------------------------------------------------------------- OpenVINO

class OpenVINO:
    runtime = "OpenVINO"

    def __init__(self, model, label, notes, size):
        self.model, self.label, self.notes, self.size = model, label, notes, size

    def session(self, batch, threads):
        import openvino as ov

        m = self.model.clone()
        dims = list(m.inputs[0].get_partial_shape())
        m.reshape(ov.PartialShape([batch] + [d.get_length() for d in dims[1:]]))
        compiled = ov.Core().compile_model(m, "CPU", {
            "INFERENCE_NUM_THREADS": threads, "NUM_STREAMS": 1, "PERFORMANCE_HINT": "LATENCY",
            "INFERENCE_PRECISION_HINT": "f32"})
        req = compiled.create_infer_request()
        out = compiled.outputs[0]

        def run(x):
            req.infer({0: x}, share_inputs=True)
            return req.get_tensor(out).data

        return Session(run, nchw)


def _ov_size(model, workdir, stem):
    import openvino as ov

    xml = os.path.join(workdir, stem + ".xml")
    ov.save_model(model, xml, compress_to_fp16=False)
    return file_size(xml, xml[:-4] + ".bin")


def openvino_models(onnx_path, calib_nhwc, workdir, stem):
    """(runners, not_run): fp32 from the ONNX file; int8 with nncf.quantize (defaults, all samples),
    run in its own process by nncf_quantize.py."""
    import openvino as ov

    core = ov.Core()
    fp32 = core.read_model(onnx_path)
    runners = [OpenVINO(fp32, "fp32", "from the ONNX file, inference precision f32",
                        _ov_size(fp32, workdir, stem + "_ov_fp32"))]
    npy = os.path.join(workdir, stem + "_calib_nchw.npy")
    np.save(npy, nchw(calib_nhwc))
    xml = os.path.join(workdir, stem + "_ov_int8.xml")
    p = subprocess.run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "nncf_quantize.py"),
                        onnx_path, npy, xml], capture_output=True, text=True)
    if p.returncode != 0:
        return runners, [f"OpenVINO int8: nncf_quantize.py failed: {p.stderr.strip()[-300:]}"]
    version = json.loads(p.stdout.strip().splitlines()[-1])["nncf"]
    runners.append(OpenVINO(core.read_model(xml), "int8", f"nncf {version} quantize, defaults (MinMax, preset "
                                                         "performance: symmetric activations, fast bias correction)",
                            file_size(xml, xml[:-4] + ".bin")))
    return runners, []


# ---------------------------------------------------------------- ncnn

class Ncnn:
    """ncnn (fp32) from the ONNX file through pnnx. ncnn has no batch dimension: a batch is one
    extractor per image, all in the timed call."""
    runtime = "ncnn"

    def __init__(self, param, label, notes):
        self.param, self.label, self.notes = param, label, notes
        self.bin = param[:-len(".param")] + ".bin"
        self.size = file_size(param, self.bin)

    def session(self, batch, threads):
        import ncnn

        net = ncnn.Net()
        net.opt.num_threads = threads
        net.opt.use_vulkan_compute = False
        # fp32 throughout, like the other fp32 rows (ncnn may otherwise store or compute in fp16/bf16).
        net.opt.use_fp16_storage = net.opt.use_fp16_packed = net.opt.use_fp16_arithmetic = False
        net.opt.use_bf16_storage = False
        if net.load_param(self.param) != 0 or net.load_model(self.bin) != 0:
            raise RuntimeError(f"{self.param}: ncnn could not load the model")

        def prepare(x):
            # clone(): a Mat made from a numpy array borrows its memory, and these arrays are temporaries.
            return [ncnn.Mat(np.ascontiguousarray(img)).clone() for img in nchw(x)]

        def run(mats):
            outs = []
            for m in mats:
                ex = net.create_extractor()
                ex.input("in0", m)
                _, out = ex.extract("out0")
                outs.append(np.array(out))
            return np.stack(outs)

        return Session(run, prepare)


def ncnn_model(onnx_path, input_shape, workdir, stem):
    """Converts the ONNX file with the pnnx binary (PyPI's pnnx package); (runner, None) or (None, reason)."""
    import pnnx

    exe = os.path.join(os.path.dirname(pnnx.__file__), "pnnx")
    d = os.path.join(workdir, stem + "_pnnx")
    os.makedirs(d, exist_ok=True)
    src = os.path.join(d, "model.onnx")
    with open(onnx_path, "rb") as f, open(src, "wb") as g:
        g.write(f.read())
    n, h, w, c = input_shape
    p = subprocess.run([exe, "model.onnx", f"inputshape=[1,{c},{h},{w}]", "fp16=0"], cwd=d, capture_output=True, text=True)
    param = os.path.join(d, "model.ncnn.param")
    if p.returncode != 0 or not os.path.isfile(param):
        return None, f"ncnn: pnnx could not convert the ONNX file: {(p.stderr or p.stdout).strip()[-300:]}"
    return Ncnn(param, "fp32", "pnnx ONNX -> ncnn (fp16=0), fp32 storage and arithmetic, one extractor per image"), None


def trivial_runners(workdir, peers):
    """The overhead probe (one-element RELU) in each Python runtime of `peers`."""
    runners = []
    if "litert" in peers:
        path = os.path.join(workdir, "trivial.tflite")
        peer_models.trivial_tflite(path)
        runners.append(LiteRT(path, "trivial", ""))
    if peers & {"ort", "openvino", "ncnn"}:
        import onnx

        path = os.path.join(workdir, "trivial.onnx")
        onnx.save(peer_models.onnx_model(peer_models.TRIVIAL_SHAPE, peer_models.TRIVIAL_LAYERS), path)
        if "ort" in peers:
            runners.append(OnnxRuntime(path, "trivial", ""))
        if "openvino" in peers:
            import openvino as ov

            runners.append(OpenVINO(ov.Core().read_model(path), "trivial", "", 0))
    if "torch" in peers:
        m, _ = peer_models.torch_model(peer_models.TRIVIAL_SHAPE, peer_models.TRIVIAL_LAYERS)
        runners.append(PyTorch(m, "trivial", ""))
    if "ncnn" in peers:
        r, _ = ncnn_model(os.path.join(workdir, "trivial.onnx"), peer_models.TRIVIAL_SHAPE, workdir, "trivial")
        if r is not None:
            runners.append(r)
    return runners
