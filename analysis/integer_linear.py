"""Linear layers as exact 8-bit integer products: the same bits on every processor, at int8 speed.

A float matrix product depends on the BLAS kernel (FMA or not, blocking, threads); an integer
product whose partial sums never overflow or saturate does not. Each layer here is
``y = s_x s_w (q_x @ q_w) + b`` (symmetric per-column weights, asymmetric per-row activations;
Jacob et al. 2018, CVPR, "Quantization and training of neural networks for efficient
integer-arithmetic-only inference"), with the integer product done one of two ways that give
the same integers:

* ONNX Runtime's ``MatMulInteger`` (uint8 x int8 -> int32, its MLAS kernels: VNNI where the
  processor has it) in a one-layer graph that also applies the scales and bias: the product
  ran at about 330 G integer operations per second on one core here, against 50-100 GFLOP/s
  for exact float32 products;
* numpy float32 products of integer-valued arrays, cut so that every partial sum stays below
  2**24 (when ONNX Runtime is not installed, or ``CHANGERADAR_INTEGER_PRODUCTS=numpy``).

Why the weights are split: processors without VNNI multiply uint8 by int8 with ``vpmaddubsw``,
which adds pairs of products in int16 *with saturation* (ONNX Runtime documents this as its
"reduce_range" caveat). With activations in 0..255 and weights within +-63, a pair is at most
2 * 255 * 63 = 32,130 < 32,767, so no kernel saturates. 7-bit weights alone cost accuracy
(cosine to float32 0.9966 on real comments), so each weight level w in [-4032, 4032] is
written 64 * hi + lo with hi in [-63, 63] and lo in [-32, 32], and both halves are multiplied
in one product against [hi | lo] (cosine 0.999). int32 sums are exact: |q_x @ hi| <= 255 * 63
* 1536 = 24.7e6, times 64 plus |q_x @ lo| stays below 2**31.

After the product, both roads do the same steps one at a time: int32 additions and
multiplications (exact), one int-to-float conversion (correctly rounded) and float32
multiplications and an addition (each correctly rounded; ONNX Runtime's graph optimisations are
off, so no step is fused into a multiply-add). ``tests/test_integer_linear.py`` checks both
roads against int64 arithmetic, bit for bit.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import threading
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np

from analysis.datafiles import read_checked_json

__all__ = [
    "A_LEVELS",
    "ENV_PRODUCTS",
    "SCALES_FILE",
    "W_LEVELS",
    "EncoderScalesError",
    "IntegerLinear",
    "backend",
    "channel_exponents",
    "onnxruntime",
    "quantize_rows",
    "scales_digest",
]

SCALES_FILE = Path(__file__).resolve().parent / "data" / "minilm_channel_scales.json"

A_LEVELS = 255  # activations: 0..255 per row (uint8), zero point where 0.0 falls
W_SPLIT = 64  # weight level = W_SPLIT * hi + lo
HI_MAX = 63  # |hi|, |lo| <= 63: no uint8 x int8 pair saturates int16 (2 * 255 * 63 < 2**15)
W_LEVELS = W_SPLIT * HI_MAX  # 4032: symmetric per output column
_F32_EXACT = 2**24
_K_CHUNK = 1024  # float32 fallback: 1024 * 255 * 63 = 16.45e6 < 2**24
assert 2 * A_LEVELS * HI_MAX < 2**15
assert _K_CHUNK * A_LEVELS * HI_MAX < _F32_EXACT
assert A_LEVELS * W_LEVELS * 1536 < 2**31 and W_SPLIT == 1 << 6


class EncoderScalesError(RuntimeError):
    """The channel-scale file is missing or altered: a packaging fault, not a user error."""


def scales_digest(doc: dict) -> str:
    """SHA-256 of the exponents alone (the provenance notes may change without a refit)."""
    blob = json.dumps(doc["exponents"], sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()


@cache
def channel_exponents() -> dict[str, np.ndarray]:
    """Per layer input ("<layer>.qkv", "<layer>.in"), the power-of-two exponent per channel."""
    doc = read_checked_json(
        SCALES_FILE,
        scales_digest,
        EncoderScalesError,
        what="the encoder's channel scales",
        retrain="python -m evals.calibrate_encoder",
    )
    return {name: np.asarray(e, np.int32) for name, e in doc["exponents"].items()}


#: Set to "numpy" to keep the integer products out of ONNX Runtime (same bits; slower).
ENV_PRODUCTS = "CHANGERADAR_INTEGER_PRODUCTS"


def backend() -> str:
    """Where the integer products run: "onnxruntime", or "numpy" (the same integers) when it
    is not installed or ``CHANGERADAR_INTEGER_PRODUCTS=numpy`` is set."""
    if os.environ.get(ENV_PRODUCTS, "").strip().lower() == "numpy":
        return "numpy"
    found = all(importlib.util.find_spec(m) for m in ("onnxruntime", "onnx"))
    return "onnxruntime" if found else "numpy"


def quantize_rows(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Asymmetric grid per row: x ~ (q - z) s, q uint8 in 0..255, integer zero point z in 0..255.

    The row's range is widened to include 0 so that z stays in 0..255 and |q - z| <= 255.
    Only IEEE-exact operations (min, max, subtraction, division, rounding), so every machine
    gets the same q, z and s.
    """
    lo = np.minimum(x.min(axis=-1, keepdims=True), np.float32(0))
    hi = np.maximum(x.max(axis=-1, keepdims=True), np.float32(0))
    s = (hi - lo) / np.float32(A_LEVELS)
    s[s == 0] = 1
    z = np.rint(-lo / s)
    q = x / s
    np.rint(q, out=q)
    q += z
    np.clip(q, 0, A_LEVELS, out=q)
    return q.astype(np.uint8), z.astype(np.int32), s


def onnxruntime():
    """The ``onnxruntime`` module, imported with its telemetry off.

    ONNX Runtime 1.32's Python package starts a telemetry client when it is imported: it
    writes a device id and an event database under ~/.cache/Microsoft/DeveloperTools and a
    ``.ses`` file in the temporary directory, and posts events to Microsoft's collector
    (found by ``tests/test_no_disk.py``). Survey tools must not phone home, so the switch the
    library reads at import, ``ORT_DISABLE_TELEMETRY``, is set first (whatever it was), and its
    runtime switch is turned off too.
    """
    os.environ["ORT_DISABLE_TELEMETRY"] = "1"
    import onnxruntime as ort

    ort.disable_telemetry_events()
    return ort


_ARENA: list[bool] = []
_ARENA_LOCK = threading.Lock()


def _shared_arena(ort) -> None:
    """One memory arena for every layer's session in this process (registered once).

    Each session's own arena kept its largest temporaries for good: 24 sessions held 5 GB
    after a real survey's comments (measured). Shared, and grown by what is asked rather than
    by powers of two, the arena stays the size of the largest single product's temporaries.
    """
    with _ARENA_LOCK:
        if not _ARENA:
            info = ort.OrtMemoryInfo(
                "Cpu", ort.OrtAllocatorType.ORT_ARENA_ALLOCATOR, 0, ort.OrtMemType.DEFAULT
            )
            # max memory 0 (no cap), extend strategy 1 (kSameAsRequested), defaults otherwise
            ort.create_and_register_allocator(info, ort.OrtArenaCfg(0, 1, -1, -1))
            _ARENA.append(True)


def _ort_session(halves: np.ndarray, col_sums: np.ndarray, scale: np.ndarray, bias: np.ndarray):
    """The whole layer after quantisation as one ONNX graph (packed weights, no Python passes).

    Integer steps as in :meth:`IntegerLinear.__call__`; then Cast (correctly rounded) and one
    float32 multiply or add per node. Graph optimisations are off, so no node is fused into
    another (a fused multiply-add would round differently on different processors).
    """
    from onnx import TensorProto, helper, numpy_helper

    ort = onnxruntime()

    k, n2 = halves.shape
    n = n2 // 2
    nodes = [
        helper.make_node("MatMulInteger", ["x", "w"], ["y"]),
        helper.make_node("Split", ["y", "split"], ["y_hi", "y_lo"], axis=1),
        helper.make_node("Mul", ["y_hi", "split_factor"], ["y_hi64"]),
        helper.make_node("Add", ["y_hi64", "y_lo"], ["q_levels"]),
        helper.make_node("Mul", ["z", "col_sums"], ["z_levels"]),
        helper.make_node("Sub", ["q_levels", "z_levels"], ["exact"]),
        helper.make_node("Cast", ["exact"], ["exact_f"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["exact_f", "s"], ["rows"]),
        helper.make_node("Mul", ["rows", "scale"], ["scaled"]),
        helper.make_node("Add", ["scaled", "bias"], ["out"]),
    ]
    constants = {
        "w": halves,
        "split": np.array([n, n], np.int64),
        "split_factor": np.array(W_SPLIT, np.int32),
        "col_sums": col_sums,
        "scale": scale,
        "bias": bias,
    }
    graph = helper.make_graph(
        nodes,
        "integer_linear",
        [
            helper.make_tensor_value_info("x", TensorProto.UINT8, [None, k]),
            helper.make_tensor_value_info("z", TensorProto.INT32, [None, 1]),
            helper.make_tensor_value_info("s", TensorProto.FLOAT, [None, 1]),
        ],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, [None, n])],
        [numpy_helper.from_array(v, name) for name, v in constants.items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    options = ort.SessionOptions()
    # One thread per session: callers run batches on their own threads (one per core).
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.log_severity_level = 3
    # Batches differ in length; a memory plan cached per input shape made the first passes
    # over a survey 30-40% slower (measured) and buys nothing for a one-node graph.
    options.enable_mem_pattern = False
    options.add_session_config_entry("session.use_env_allocators", "1")
    _shared_arena(ort)
    return ort.InferenceSession(
        model.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )


@dataclass(eq=False)
class IntegerLinear:
    """``x @ W + b`` for a float weight W (in, out), on exact integer products."""

    halves: np.ndarray  # int8 (in, 2 * out): [hi | lo]
    col_sums: np.ndarray  # int32 (out,): column sums of the weight levels, for the zero point
    scale: np.ndarray  # float32 (out,)
    bias: np.ndarray  # float32 (out,)
    input_scale: np.ndarray | None = None  # float32 (in,): powers of two, see from_float
    _session: object = field(default=None, repr=False)  # ONNX Runtime's, or None: numpy
    _float_halves: np.ndarray | None = field(default=None, repr=False)  # numpy road's weights

    @classmethod
    def from_float(
        cls,
        w: np.ndarray,
        b: np.ndarray,
        exponents: np.ndarray | None = None,
        use_ort: bool | None = None,
    ) -> IntegerLinear:
        """The layer for weight ``w`` (in, out) and bias ``b``.

        ``exponents`` (in,) moves scale between each input channel and its weight row:
        x @ W = (x 2**-e) @ (2**e W). A few channels of BERT's residual stream are 10-20x
        larger than the rest, so one 8-bit grid per row would spend its steps on them
        ("SmoothQuant", Xiao et al. 2023, ICML); dividing them down before the grid and
        multiplying their weights up keeps the steps fine for all. Powers of two make both
        multiplications exact. Exponents come from ``analysis/data/minilm_channel_scales.json``.
        """
        w = np.asarray(w, np.float32)
        input_scale = None
        if exponents is not None and np.any(exponents):
            e = np.asarray(exponents, np.int32)
            w = w * np.ldexp(np.float32(1), e)[:, None]
            input_scale = np.ldexp(np.float32(1), -e).astype(np.float32)
        s = (np.abs(w).max(axis=0) / np.float32(W_LEVELS)).astype(np.float32)
        s[s == 0] = 1
        levels = np.rint(w / s).astype(np.int64)
        hi = np.rint(levels / W_SPLIT).astype(np.int64)
        lo = levels - W_SPLIT * hi
        halves = np.ascontiguousarray(np.concatenate([hi, lo], axis=1).astype(np.int8))
        col_sums = levels.sum(axis=0).astype(np.int32)
        layer = cls(halves, col_sums, s, np.asarray(b, np.float32), input_scale)
        if use_ort is None:
            use_ort = backend() == "onnxruntime"
        if use_ort:
            layer._session = _ort_session(halves, col_sums, s, layer.bias)
        return layer

    def levels(self) -> np.ndarray:
        """The weight levels (in, out) as int64: 64 hi + lo (times ``scale`` per column, the
        weight the layer stands for, with the input channels' powers of two folded in)."""
        n = self.bias.shape[0]
        return self.halves[:, :n].astype(np.int64) * W_SPLIT + self.halves[:, n:]

    def integer_product(self, q: np.ndarray) -> np.ndarray:
        """q (uint8, rows x in) @ [hi | lo] as exact int32, in float32 chunks of exact sums."""
        qf = q.astype(np.float32)
        if self._float_halves is None:  # once per layer, not per batch
            self._float_halves = self.halves.astype(np.float32)
        wf = self._float_halves
        acc = np.zeros((len(q), wf.shape[1]), np.int32)
        for start in range(0, wf.shape[0], _K_CHUNK):
            acc += (qf[:, start : start + _K_CHUNK] @ wf[start : start + _K_CHUNK]).astype(np.int32)
        return acc

    def __call__(self, x: np.ndarray) -> np.ndarray:
        q, z, s = quantize_rows(x if self.input_scale is None else x * self.input_scale)
        if self._session is not None:
            return self._session.run(None, {"x": q, "z": z, "s": s})[0]
        y = self.integer_product(q)
        n = self.bias.shape[0]
        # (q - z) @ levels = 64 (q @ hi) + (q @ lo) - z col_sums. No step overflows int32:
        # |64 (q @ hi)| <= 64 * 255 * 63 * 1536, and q @ levels, z col_sums and their difference
        # are each within 255 * 4032 * 1536 < 2**31.
        exact = np.left_shift(y[:, :n], 6)
        exact += y[:, n:]
        exact -= z * self.col_sums
        out = exact.astype(np.float32)  # correctly rounded: the same on every machine
        out *= s
        out *= self.scale
        out += self.bias
        return out
