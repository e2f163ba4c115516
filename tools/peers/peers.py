#!/usr/bin/env python3
"""Peer comparison: octet vs LiteRT, ONNX Runtime, PyTorch, OpenVINO and ncnn on the same weights.

For each octet float .tflite (the weights) this script
  1. quantizes it with `octet quantize --mode int8` and reads back the exact training images octet
     calibrated on (`calibration_indices` in its JSON);
  2. reads the same dataset itself (MNIST IDX, or CIFAR-10 (JPEG copy) decoded with Pillow) and
     checks its pixels equal octet's (`octet predict --raw-inputs`);
  3. builds every peer's fp32 and int8 model from the same weights and the same calibration samples
     (LiteRT runs octet's own files and, with --tf-venv, TensorFlow's converter's int8 file; ncnn
     is fp32 only: PyPI's ncnn has no int8 calibration tools);
  4. measures accuracy on the test set (octet with `octet eval`), batch-1 latency (median and p90,
     1 thread) and batch-256 throughput (1 thread, and 2 with --two-threads), alternating the
     runtimes A B A B over several rounds and taking medians; octet is timed by `octet bench`;
  5. measures each Python runtime's call overhead on a one-element RELU model, since peers timed
     from Python include it and octet (timed inside its own process) does not.
The table goes to stdout and OUT.md, everything to OUT.json (both written atomically).

Exit codes: 0 ok; 1 bad arguments, unreadable input or a failing octet command; 2 a peer that was
asked for explicitly (--peers) could not run.
"""
import argparse
import datetime
import gzip
import importlib
import io
import json
import os
import platform
import shutil
import statistics
import struct
import subprocess
import sys
import tarfile
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import peer_models  # noqa: E402
import peer_runtimes as pr  # noqa: E402

ALL_PEERS = ["litert", "ort", "torch", "openvino", "ncnn"]
PEER_MODULES = {"litert": ["ai_edge_litert.interpreter"], "ort": ["onnx", "onnxruntime"],
                "torch": ["torch"], "openvino": ["openvino", "onnx"],
                "ncnn": ["ncnn", "pnnx", "onnx"]}


class PeersError(Exception):
    pass


def log(msg):
    print(f"peers: {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- datasets (read as octet does)

def read_idx(path, magic):
    try:
        with gzip.open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise PeersError(f"{path}: cannot read: {e}")
    ndim = magic & 0xff
    if len(data) < 4 + 4 * ndim or struct.unpack(">I", data[:4])[0] != magic:
        raise PeersError(f"{path}: not an IDX file with magic {magic:#010x}")
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(dims)):
        raise PeersError(f"{path}: {body.size} bytes of data, the header says {dims}")
    return body.reshape(dims)


def load_mnist(path):
    """{'train': (uint8 N x 28 x 28 x 1, labels), 'test': ...} from an IDX .gz folder."""
    out = {}
    for split, prefix in (("train", "train"), ("test", "t10k")):
        x = read_idx(os.path.join(path, f"{prefix}-images-idx3-ubyte.gz"), 0x803)
        y = read_idx(os.path.join(path, f"{prefix}-labels-idx1-ubyte.gz"), 0x801)
        if len(x) != len(y):
            raise PeersError(f"{path}: {split}: {len(x)} images but {len(y)} labels")
        out[split] = (x[..., None], y.astype(np.int64))
    return out


def load_image_tree(path, need_train):
    """A class-per-folder JPEG/PNG tree (folder or tar(.gz)) in octet's order: per split, by sorted
    class name, then by member path. Decodes the test split and the train images in need_train."""
    from PIL import Image

    members = {}  # (split, class, name) -> bytes
    exts = (".jpg", ".jpeg", ".png")
    if os.path.isdir(path):
        for root, _, files in os.walk(path):
            for f in files:
                if f.lower().endswith(exts):
                    full = os.path.join(root, f)
                    parts = full.split(os.sep)
                    with open(full, "rb") as fh:
                        members[(parts[-3], parts[-2], full)] = fh.read()
    else:
        try:
            with tarfile.open(path) as tar:
                for m in tar:
                    if m.isfile() and m.name.lower().endswith(exts):
                        parts = m.name.split("/")
                        if len(parts) >= 3:
                            members[(parts[-3], parts[-2], m.name)] = tar.extractfile(m).read()
        except (OSError, tarfile.TarError) as e:
            raise PeersError(f"{path}: cannot read the archive: {e}")
    classes = sorted({c for _, c, _ in members})
    label_of = {c: i for i, c in enumerate(classes)}
    out = {}
    for split in ("train", "test"):
        keys = sorted((k for k in members if k[0] == split), key=lambda k: (label_of[k[1]], k[2]))
        if not keys:
            raise PeersError(f"{path}: no {split}/<class>/ images")
        wanted = range(len(keys)) if split == "test" else need_train
        images = {}
        for i in wanted:
            img = Image.open(io.BytesIO(members[keys[i]]))
            images[i] = np.asarray(img if img.mode == "L" else img.convert("RGB"))
        labels = np.array([label_of[k[1]] for k in keys], dtype=np.int64)
        out[split] = (images, labels)
    first = next(iter(out["test"][0].values()))
    shape = first.shape if first.ndim == 3 else first.shape + (1,)
    for split in out:
        imgs, labels = out[split]
        arr = np.zeros((len(labels),) + shape, dtype=np.uint8)
        for i, im in imgs.items():
            arr[i] = im.reshape(shape)
        out[split] = (arr, labels)
    return out


def to_float(pixels):
    """octet's data::to_float: x / 255.0f in float32."""
    return pixels.astype(np.float32) / np.float32(255)


# ---------------------------------------------------------------- octet

class Octet:
    def __init__(self, binary):
        if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
            raise PeersError(f"{binary}: not an executable octet binary")
        self.binary = binary

    def run(self, *args, check=True):
        cmd = [self.binary, "-q", *args]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if check and p.returncode != 0:
            raise PeersError(f"`{' '.join(cmd)}` failed (exit {p.returncode}): {p.stderr.strip()[-800:]}")
        return p

    def json(self, *args):
        p = self.run(*args)
        try:
            return json.loads(p.stdout)
        except json.JSONDecodeError:
            raise PeersError(f"`octet {' '.join(args)}` printed no JSON: {p.stdout[:200]!r}")

    def version(self):
        p = self.run("--version", check=False)
        return (p.stdout or p.stderr).strip().splitlines()[0] if p.returncode == 0 else "unknown"

    def bench(self, model, batch, threads, runs):
        """octet bench --json with as many timed invokes as the peers get, or (None, reason)."""
        p = self.run("bench", "--model", model, "--batch", str(batch), "--threads", str(threads), "--runs", str(runs),
                     "--seconds", "0", "--json", check=False)
        if p.returncode != 0:
            return None, " ".join(p.stderr.split())[:300] or f"exit {p.returncode}"
        try:
            return json.loads(p.stdout), None
        except json.JSONDecodeError:
            return None, "octet bench printed no JSON"


# ---------------------------------------------------------------- timing

def percentile(values, q):
    return float(np.percentile(np.asarray(values, dtype=np.float64), q))


class Timed:
    """One configuration in the A B A B rotation: a Python session or octet bench."""

    def __init__(self, session=None, inputs=None, octet=None):
        self.session, self.inputs, self.octet = session, inputs, octet
        self.rounds = []  # per round: {"median_us", "p90_us"} or {"images_per_s"}
        self.error = None
        self.info = {}  # octet bench's MACs, bound and kernels


def time_block(t, batch, runs):
    t.session.activate()
    times = []
    n = len(t.inputs)
    for i in range(runs):
        x = t.inputs[i % n]
        t0 = time.perf_counter_ns()
        t.session.run(x)
        times.append((time.perf_counter_ns() - t0) / 1e3)
    if batch == 1:
        return {"median_us": statistics.median(times), "p90_us": percentile(times, 90)}
    return {"images_per_s": batch / (statistics.median(times) / 1e6)}


def octet_block(t, octet, batch, threads, runs):
    j, err = octet.bench(t.octet, batch, threads, runs)
    if j is None:
        t.error = f"octet bench: {err}"
        return None
    t.info = {"macs": j.get("macs"), "bound_us": j.get("bound_us"),
              "kernels": sorted({op["kernel"] for op in j.get("ops", [])})}
    if batch == 1:
        return {"median_us": float(j["latency_us_median"]), "p90_us": float(j["latency_us_p90"])}
    return {"images_per_s": float(j["images_per_s"])}


def rotate(timed, octet, batch, threads, rounds, runs, warmup):
    """Warm-up, then `rounds` rounds of every configuration in turn (A B C A B C ...)."""
    for t in timed:
        if t.session is not None:
            t.session.activate()
            for i in range(warmup):
                t.session.run(t.inputs[i % len(t.inputs)])
    for r in range(rounds):
        for t in timed:
            if t.error:
                continue
            try:
                res = octet_block(t, octet, batch, threads, runs) if t.octet else time_block(t, batch, runs)
            except Exception as e:  # a runtime failing mid-run is reported, the others go on
                t.error = f"{type(e).__name__}: {e}"
                continue
            if res:
                t.rounds.append(res)


def summarize(t):
    if t.error or not t.rounds:
        return {"error": t.error or "not measured"}
    keys = t.rounds[0].keys()
    return {k: statistics.median(r[k] for r in t.rounds) for k in keys} | {"rounds": len(t.rounds)}


# ---------------------------------------------------------------- report

def machine_info(threads_list):
    model, flags = platform.processor() or platform.machine(), set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name") and model in ("", platform.machine(), platform.processor()):
                    model = line.split(":", 1)[1].strip()
                elif line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    interesting = ["sse4_2", "avx", "avx2", "fma", "f16c", "avx_vnni", "avx512f", "avx512bw", "avx512vl",
                   "avx512_vnni", "avx512_bf16", "amx_int8"]
    return {"cpu": model, "logical_cpus": os.cpu_count(), "features": [f for f in interesting if f in flags],
            "missing_features": [f for f in interesting if f not in flags],
            "load_average_start": list(os.getloadavg()), "threads": threads_list,
            "python": platform.python_version(), "platform": platform.platform()}


def package_versions():
    from importlib import metadata

    out = {}
    for name in ("numpy", "Pillow", "ai-edge-litert", "onnx", "onnxruntime", "torch", "openvino", "nncf", "ncnn",
                 "pnnx"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            try:
                out[name] = importlib.import_module({"Pillow": "PIL"}.get(name, name)).__version__
            except Exception:
                out[name] = None
    return out


def fmt(v, spec):
    return "—" if v is None else format(v, spec)


def markdown(report):
    m, v = report["machine"], report["versions"]
    lines = [f"# octet vs peers ({report['mode']} run, {report['date']})", "",
             f"- machine: {m['cpu']}, {m['logical_cpus']} logical CPUs; features: {' '.join(m['features'])}; "
             f"absent: {' '.join(m['missing_features'])}",
             f"- load average at start {m['load_average_start'][0]:.2f}, at end {m['load_average_end'][0]:.2f} "
             "(a busy machine inflates absolute times; ratios measured side by side hold better)",
             f"- threads: batch-1 latency 1 thread; throughput batch 256 with "
             f"{' and '.join(str(t) for t in m['threads'])} thread(s)",
             "- versions: " + ", ".join(f"{k} {val}" for k, val in v.items() if val) + f"; {report['octet']}",
             f"- protocol: {report['settings']['rounds']} rounds, runtimes alternated A B A B; per round "
             f"{report['settings']['runs_b1']} batch-1 calls and {report['settings']['runs_b256']} batch-256 calls "
             "per runtime, after warm-up; figures are medians over rounds (p90: median of the rounds' p90)",
             "- octet is timed by `octet bench` inside its process; peers are timed from Python and include "
             "the Python call overhead below", ""]
    ov = report["overhead"]
    if ov:
        lines += ["Python call overhead (one-element RELU model, batch 1, 1 thread, median µs per call):", "",
                  "| runtime | µs/call |", "|---|---|"]
        lines += [f"| {o['runtime']} | {fmt(o.get('median_us'), '.1f') if 'error' not in o else o['error']} |"
                  for o in ov]
        lines.append("")
    for name, mr in report["models"].items():
        lines += [f"## {name} on {mr['dataset']}", "",
                  f"Calibration: {mr['calibration']['samples']} training images, seed {mr['calibration']['seed']}, "
                  f"indices fnv1a64 {mr['calibration']['indices_fnv1a64']} (the same images for every runtime). "
                  f"Test: {mr['test_images']} images{' (the first ones; quick mode)' if report['mode'] == 'quick' else ''}. "
                  f"Pixels: {mr['pixel_check']}.", ""]
        t2 = "b256 2T img/s" if 2 in report["machine"]["threads"] else None
        head = ["runtime", "precision", "accuracy", "top-1 = LiteRT fp32", "b1 µs median", "b1 µs p90",
                "b256 1T img/s"] + ([t2] if t2 else []) + ["bytes", "octet speed-up b1", "octet speed-up b256 1T"]
        lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for r in mr["rows"]:
            b1, b256, b256t2 = r.get("b1", {}), r.get("b256", {}), r.get("b256t2", {})
            cells = [r["runtime"], r["label"],
                     fmt(r.get("accuracy"), ".4f"), fmt(r.get("agreement"), ".4f"),
                     fmt(b1.get("median_us"), ".1f"), fmt(b1.get("p90_us"), ".1f"),
                     fmt(b256.get("images_per_s"), ".0f")]
            if t2:
                cells.append(fmt(b256t2.get("images_per_s"), ".0f"))
            cells += [fmt(r.get("bytes"), ","), fmt(r.get("speedup_b1"), ".2f") + ("x" if r.get("speedup_b1") else ""),
                      fmt(r.get("speedup_b256"), ".2f") + ("x" if r.get("speedup_b256") else "")]
            lines.append("| " + " | ".join(cells) + " |")
        lines += ["", "Speed-up = peer time / octet time at the same precision (> 1: octet is faster)."]
        notes = [f"- {r['runtime']} {r['label']}: {r['notes']}" for r in mr["rows"] if r.get("notes")]
        notes += [f"- {r['runtime']} {r['label']}: {k}: {r[k]['error']}" for r in mr["rows"]
                  for k in ("b1", "b256", "b256t2") if isinstance(r.get(k), dict) and "error" in r[k]]
        notes += [f"- not run: {n}" for n in mr["not_run"]]
        lines += [""] + notes + [""]
    return "\n".join(lines)


def write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def write_report(out, report):
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    write_atomic(out + ".md", markdown(report) + "\n")
    write_atomic(out + ".json", json.dumps(report, indent=1, default=float) + "\n")


# ---------------------------------------------------------------- one model

def accuracy_of(session, x_nhwc, labels, batch):
    preds = []
    for s in range(0, len(x_nhwc), batch):
        chunk = x_nhwc[s:s + batch]
        n = len(chunk)
        if n < batch:  # sessions have a fixed batch: pad, then drop the padding's outputs
            chunk = np.concatenate([chunk, np.repeat(chunk[-1:], batch - n, axis=0)])
        out = np.asarray(session.run(session.prepare(chunk)))
        preds.append(out.reshape(batch, -1)[:n].argmax(-1))
    p = np.concatenate(preds)
    return float((p == labels).mean()), p


def check_pixels(octet, model, data_path, split, x_float, limit, workdir):
    raw = os.path.join(workdir, f"pixels_{split}.bin")
    octet.run("predict", "--model", model, "--data", data_path, "--split", split, "--limit", str(limit),
              "--out", os.devnull, "--raw-inputs", raw)
    theirs = np.fromfile(raw, dtype="<f4")
    ours = x_float[:limit].ravel()
    os.remove(raw)
    if theirs.size != ours.size:
        raise PeersError(f"{data_path}: octet fed {theirs.size} {split} values, this script has {ours.size}")
    diff = int((theirs != ours).sum())
    return diff, float(np.abs(theirs - ours).max()) * 255 if diff else 0.0


def run_model(args, octet, name, float_path, workdir, peers):
    input_shape, layers = peer_models.decode_layers(float_path)
    if input_shape[1:] == [28, 28, 1]:
        data_path, kind = args.mnist, "MNIST"
    elif input_shape[1:] == [32, 32, 3]:
        data_path, kind = args.cifar10, "CIFAR-10 (JPEG copy)"
    else:
        raise PeersError(f"{float_path}: input {input_shape} is neither MNIST (28x28x1) nor CIFAR-10 (32x32x3)")
    stem = os.path.join(workdir, name)

    log(f"{name}: octet quantize (int8, {args.samples} calibration images, seed {args.seed})")
    int8_path = stem + "_octet_int8.tflite"
    q = octet.json("quantize", "--model", float_path, "--mode", "int8", "--calib", data_path, "--samples",
                   str(args.samples), "--seed", str(args.seed), "--json", "--out", int8_path)
    if "calibration_indices" not in q:
        raise PeersError(f"{octet.binary}: `octet quantize --json` has no calibration_indices; "
                         "this script needs an octet built from a tree that prints them")
    indices = np.asarray(q["calibration_indices"], dtype=np.int64)

    log(f"{name}: reading {data_path}")
    if kind == "MNIST":
        data = load_mnist(data_path)
    else:
        data = load_image_tree(data_path, need_train=set(indices.tolist()) | set(range(args.check_train)))
    x_train, _ = data["train"]
    x_test, y_test = data["test"]
    n_test = min(args.test_images or len(y_test), len(y_test))
    x_test, y_test = to_float(x_test[:n_test]), y_test[:n_test]
    calib = to_float(x_train[indices])

    log(f"{name}: checking pixels against octet's decoder")
    d_test = check_pixels(octet, float_path, data_path, "test", x_test, n_test, workdir)
    n_train = min(args.check_train, len(x_train))
    d_train = check_pixels(octet, float_path, data_path, "train", to_float(x_train[:n_train]), n_train, workdir)
    if d_test[0] or d_train[0]:
        pixel_note = (f"Python's decode differs from octet's in {d_test[0]} test and {d_train[0]} train values "
                      f"(max {max(d_test[1], d_train[1]):.0f}/255); peers use Python's pixels")
    else:
        pixel_note = f"identical to octet's ({n_test} test + first {n_train} train images compared)"

    rows, not_run = [], []
    rows.append({"runtime": "octet", "label": "fp32", "precision": "fp32", "file": float_path,
                 "bytes": os.path.getsize(float_path), "notes": "octet's float .tflite"})
    rows.append({"runtime": "octet", "label": "int8", "precision": "int8", "file": int8_path,
                 "bytes": os.path.getsize(int8_path), "notes": "octet quantize --mode int8 (minmax, per-channel)"})
    runners = []  # (row, runner)

    def add(runner, precision):
        row = {"runtime": runner.runtime, "label": runner.label, "precision": precision, "bytes": runner.size,
               "notes": runner.notes}
        rows.append(row)
        runners.append((row, runner))

    onnx_path = stem + ".onnx"
    vnni = bool({"avx512_vnni", "avx_vnni"} & set(args.cpu_features))
    if "litert" in peers:
        add(pr.LiteRT(float_path, "fp32", "octet's float .tflite, default kernels (XNNPACK)"), "fp32")
        add(pr.LiteRT(int8_path, "int8", "octet's int8 .tflite, default kernels"), "int8")
        if args.tf_venv:
            tf_path = stem + "_tf_int8.tflite"
            calib_bin = stem + "_calib.bin"
            calib.astype("<f4").tofile(calib_bin)
            log(f"{name}: TensorFlow converter int8 (make_tf_int8.py)")
            p = subprocess.run([os.path.join(args.tf_venv, "bin", "python"),
                                os.path.join(HERE, "..", "interop", "make_tf_int8.py"), float_path, "--out", tf_path,
                                "--calibration", calib_bin], capture_output=True, text=True)
            if p.returncode == 0:
                tfv = json.loads(p.stdout.strip().splitlines()[-1])["tensorflow"]
                add(pr.LiteRT(tf_path, "int8 (TF converter)", f"TensorFlow {tfv} converter full-int8 file of the "
                              "same weights and samples, default kernels"), "int8")
            else:
                not_run.append(f"LiteRT int8 (TF converter): make_tf_int8.py failed: {p.stderr.strip()[-300:]}")
        else:
            not_run.append("LiteRT int8 (TF converter): no --tf-venv (tools/interop/setup_tf_venv.sh makes one)")
    if peers & {"ort", "openvino", "ncnn"}:
        import onnx

        onnx.save(peer_models.onnx_model(input_shape, layers), onnx_path)
    if "ort" in peers:
        log(f"{name}: ONNX Runtime quantize_static")
        for r, prec in zip(pr.ort_models(onnx_path, calib, workdir, name, vnni), ("fp32", "int8")):
            add(r, prec)
    if "torch" in peers:
        import torch

        engines = [e for e in ("onednn", "fbgemm", "x86", "qnnpack") if e in torch.backends.quantized.supported_engines]
        engines = [e for e in engines if e in ("onednn", "qnnpack")] or engines
        log(f"{name}: PyTorch eager PTQ ({', '.join(engines)})")
        for r in pr.torch_models(input_shape, layers, calib, engines, vnni):
            add(r, "fp32" if r.label == "fp32" else "int8")
    if "openvino" in peers:
        log(f"{name}: OpenVINO + nncf")
        ov_runners, ov_not_run = pr.openvino_models(onnx_path, calib, workdir, name)
        for r in ov_runners:
            add(r, "fp32" if r.label == "fp32" else "int8")
        not_run += ov_not_run
    not_run += [f"{p}: {args.peer_errors[p]}" for p in ALL_PEERS if p in args.peer_errors]
    if "ncnn" in peers:
        log(f"{name}: ncnn (pnnx)")
        r, why = pr.ncnn_model(onnx_path, input_shape, workdir, name)
        if r is not None:
            add(r, "fp32")
        else:
            not_run.append(why)
    not_run.append("ncnn int8: PyPI's ncnn wheel has the runtime but not ncnn2table/ncnn2int8 (its int8 "
                   "calibration tools are C++ programs built from source), so no int8 from the same samples")

    # Accuracy: octet with octet eval, peers here (batch 256, the eval thread count).
    log(f"{name}: accuracy on {n_test} test images")
    for row in rows[:2]:
        limit = ["--limit", str(n_test)] if n_test < len(data["test"][1]) else []
        e = octet.json("eval", "--model", row["file"], "--data", data_path, "--json",
                       "--threads", str(args.eval_threads), *limit)
        row["accuracy"] = float(e["accuracy"])
    ref_pred = None
    for row, r in runners:
        try:
            row["accuracy"], pred = accuracy_of(r.session(256, args.eval_threads), x_test, y_test, 256)
        except Exception as e:
            row["error"] = f"{type(e).__name__}: {e}"
            continue
        if ref_pred is None and r.runtime == "LiteRT" and row["label"] == "fp32":
            ref_pred = pred
        row["_pred"] = pred
    for row in rows:
        pred = row.pop("_pred", None)
        if ref_pred is not None and pred is not None:
            row["agreement"] = float((pred == ref_pred).mean())

    # Speed: the same rotation for each (batch, threads).
    scenarios = [("b1", 1, 1, args.runs_b1, 20), ("b256", 256, 1, args.runs_b256, 2)]
    if args.two_threads:
        scenarios.append(("b256t2", 256, 2, args.runs_b256, 2))
    singles = [x_test[i:i + 1] for i in range(min(16, n_test))]
    big = np.concatenate([x_test] * (256 // n_test + 1))[:256]
    for key, batch, threads, runs, warmup in scenarios:
        log(f"{name}: timing batch {batch}, {threads} thread(s), {args.rounds} rounds")
        timed = [Timed(octet=row["file"]) for row in rows[:2]]
        for row, r in runners:
            if "error" in row:
                continue
            s = r.session(batch, threads)
            inputs = [s.prepare(x) for x in singles] if batch == 1 else [s.prepare(big)]
            timed.append(Timed(session=s, inputs=inputs))
        rotate(timed, octet, batch, threads, args.rounds, runs, warmup)
        live = [row for row in rows[:2]] + [row for row, _ in runners if "error" not in row]
        for row, t in zip(live, timed):
            row[key] = summarize(t)
            if t.info and key == "b1":
                row.update(t.info)
                row["notes"] += f"; octet bench kernels: {' '.join(t.info['kernels'])}"
    for row in rows[2:]:
        base = rows[0] if row["precision"] == "fp32" else rows[1]
        b1, o1 = row.get("b1", {}), base.get("b1", {})
        if "median_us" in b1 and "median_us" in o1:
            row["speedup_b1"] = b1["median_us"] / o1["median_us"]
        b2, o2 = row.get("b256", {}), base.get("b256", {})
        if "images_per_s" in b2 and "images_per_s" in o2:
            row["speedup_b256"] = o2["images_per_s"] / b2["images_per_s"]
    return {"dataset": kind, "data_path": data_path, "float_model": float_path, "test_images": n_test,
            "calibration": {"samples": len(indices), "seed": args.seed,
                            "indices_fnv1a64": q["record"]["calibration"]["indices_fnv1a64"]},
            "pixel_check": pixel_note, "rows": rows, "not_run": not_run}


def measure_overhead(args, octet, peers, workdir):
    """Batch-1 time of a one-element RELU in each Python runtime (same rotation as the models)."""
    runners = pr.trivial_runners(workdir, peers)
    x = [np.full(peer_models.TRIVIAL_SHAPE, v, dtype=np.float32) for v in (-1.0, 2.0)]
    timed = []
    for r in runners:
        s = r.session(1, 1)
        timed.append(Timed(session=s, inputs=[s.prepare(v) for v in x]))
    rotate(timed, octet, 1, 1, args.rounds, args.runs_b1, 20)
    return [{"runtime": r.runtime} | summarize(t) for r, t in zip(runners, timed)]


# ---------------------------------------------------------------- main

def default_datasets():
    """Like octet's search: $OCTET_DATA, else shared/datasets in the current folder's or this
    script's folder's ancestors (a worktree sits below the folder that holds shared/)."""
    env = os.environ.get("OCTET_DATA")
    if env:
        return env
    for start in (os.getcwd(), HERE):
        d = os.path.abspath(start)
        while True:
            if os.path.isdir(os.path.join(d, "shared", "datasets")):
                return os.path.join(d, "shared", "datasets")
            if os.path.dirname(d) == d:
                break
            d = os.path.dirname(d)
    return "shared/datasets"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--octet", required=True, help="the octet binary")
    ap.add_argument("--models", default="/work/models" if os.path.isdir("/work/models") else None,
                    help="folder holding NAME.tflite float models")
    ap.add_argument("--model", action="append", help="model name (repeatable; default mnist_cnn, cifar_standard, "
                    "cifar_micro) or a path to a float .tflite")
    ap.add_argument("--mnist", help="MNIST IDX folder (default: DATASETS/mnist)")
    ap.add_argument("--cifar10", help="CIFAR-10 image tree, folder or .tar.gz (default: DATASETS/cifar10-jpeg.tar.gz)")
    ap.add_argument("--datasets", default=default_datasets(), help="shared datasets folder (default: $OCTET_DATA "
                    "or ../shared/datasets from the project root)")
    ap.add_argument("--peers", help=f"comma-separated subset of {','.join(ALL_PEERS)} (default: every one that "
                    "imports; the others are reported as not run)")
    ap.add_argument("--tf-venv", help="a TensorFlow venv (tools/interop/setup_tf_venv.sh) for the converter's int8 file")
    ap.add_argument("--quick", action="store_true", help="smoke test: 1,000 test images, 3 rounds of few runs")
    ap.add_argument("--rounds", type=int, help="A B A B rounds (default 7, quick 3)")
    ap.add_argument("--runs-b1", type=int, help="batch-1 calls per runtime per round (default 200, quick 30)")
    ap.add_argument("--runs-b256", type=int, help="batch-256 calls per runtime per round (default 4, quick 1)")
    ap.add_argument("--test-images", type=int, help="test images for accuracy (default all, quick 1000)")
    ap.add_argument("--two-threads", action=argparse.BooleanOptionalAction, default=None,
                    help="also batch 256 with 2 threads (default: on, off with --quick)")
    ap.add_argument("--samples", type=int, default=500, help="calibration images (octet quantize --samples)")
    ap.add_argument("--seed", type=int, default=42, help="calibration seed (octet quantize --seed)")
    ap.add_argument("--check-train", type=int, default=500, help="first N training images compared with octet's")
    ap.add_argument("--eval-threads", type=int, default=2, help="threads for the accuracy runs (not timed)")
    ap.add_argument("--out", required=True, help="output prefix: writes OUT.md and OUT.json")
    ap.add_argument("--work", help="folder for intermediate files (default: a temporary one, removed)")
    args = ap.parse_args()

    q = args.quick
    args.rounds = args.rounds or (3 if q else 7)
    args.runs_b1 = args.runs_b1 or (30 if q else 200)
    args.runs_b256 = args.runs_b256 or (1 if q else 4)
    args.test_images = args.test_images or (1000 if q else None)
    args.two_threads = (not q) if args.two_threads is None else args.two_threads
    args.mnist = args.mnist or os.path.join(args.datasets, "mnist")
    args.cifar10 = args.cifar10 or os.path.join(args.datasets, "cifar10-jpeg.tar.gz")
    for v, n in ((args.rounds, "--rounds"), (args.runs_b1, "--runs-b1"), (args.runs_b256, "--runs-b256"),
                 (args.samples, "--samples"), (args.eval_threads, "--eval-threads")):
        if v < 1:
            ap.error(f"{n} must be >= 1")
    if args.test_images is not None and args.test_images < 1:
        ap.error("--test-images must be >= 1")

    try:
        octet = Octet(args.octet)
        models = []
        for m in args.model or ["mnist_cnn", "cifar_standard", "cifar_micro"]:
            path = m if m.endswith(".tflite") else os.path.join(args.models or ".", m + ".tflite")
            if not os.path.isfile(path):
                raise PeersError(f"{path}: no such model file (give --models DIR or a .tflite path)")
            models.append((os.path.basename(path)[:-len(".tflite")], path))
        if args.tf_venv and not os.access(os.path.join(args.tf_venv, "bin", "python"), os.X_OK):
            raise PeersError(f"{args.tf_venv}: not a venv (no bin/python)")

        # Which peers can run: a missing package is a "not run" line, unless asked for by name.
        asked = set(args.peers.split(",")) if args.peers else set(ALL_PEERS)
        unknown = asked - set(ALL_PEERS)
        if unknown:
            ap.error(f"--peers: unknown {', '.join(sorted(unknown))} (known: {', '.join(ALL_PEERS)})")
        peers, args.peer_errors = set(), {}
        for p in sorted(asked):
            try:
                for mod in PEER_MODULES[p]:
                    importlib.import_module(mod)
                peers.add(p)
            except Exception as e:
                args.peer_errors[p] = f"cannot import: {e}"
        if args.peers and args.peer_errors:
            for p, e in args.peer_errors.items():
                print(f"peers: {p}: {e}", file=sys.stderr)
            return 2

        workdir = args.work or tempfile.mkdtemp(prefix="octet-peers-")
        os.makedirs(workdir, exist_ok=True)
        try:
            report = {"mode": "quick" if q else "full",
                      "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                      "machine": machine_info([1, 2] if args.two_threads else [1]),
                      "versions": package_versions(), "octet": octet.version(),
                      "settings": {k: getattr(args, k) for k in ("rounds", "runs_b1", "runs_b256", "samples", "seed",
                                                                 "test_images", "two_threads", "eval_threads")},
                      "peers": sorted(peers)}
            args.cpu_features = report["machine"]["features"]
            log("Python call overhead (one-element RELU)")
            report["overhead"] = measure_overhead(args, octet, peers, workdir)
            report["models"] = {}
            for name, path in models:
                report["models"][name] = run_model(args, octet, name, path, workdir, peers)
                report["machine"]["load_average_end"] = list(os.getloadavg())
                write_report(args.out, report)  # after each model, so a later failure keeps the earlier ones
        finally:
            if not args.work:
                shutil.rmtree(workdir, ignore_errors=True)
    except (PeersError, peer_models.ModelError) as e:
        print(f"peers: {e}", file=sys.stderr)
        return 1

    print(markdown(report))
    log(f"wrote {args.out}.md and {args.out}.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
