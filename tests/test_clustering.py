"""Exact spherical k-means and silhouette: known values, and the same clusters under tiny noise."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import adjusted_rand_score, silhouette_score

from analysis import clustering as C
from analysis import exact


def _blobs(k: int, per: int, seed: int, dim: int = 48, spread: float = 0.3) -> tuple:
    rng = np.random.default_rng(seed)
    centres = np.linalg.qr(rng.normal(size=(dim, k)))[0].T
    X = np.vstack(
        [
            c + spread * rng.normal(size=(per + 3 * i, dim)) / np.sqrt(dim)
            for i, c in enumerate(centres)
        ]
    )
    y = np.repeat(np.arange(k), [per + 3 * i for i in range(k)])
    return X / np.linalg.norm(X, axis=1, keepdims=True), y


def test_grid_dot_products_are_exact_integers():
    X, _ = _blobs(3, 20, seed=0, dim=384)
    G = exact.to_grid(X)
    ints = G.astype(np.int64) @ G.astype(np.int64).T  # integer arithmetic, no BLAS
    np.testing.assert_array_equal(G @ G.T, ints.astype(np.float64))


def test_silhouette_equals_rousseeuw_definition():
    X, y = _blobs(3, 15, seed=4)
    G = exact.to_grid(X)
    D = 1 - (G @ G.T) / float(exact.GRID) ** 2
    np.fill_diagonal(D, 0)
    mean, se = C.silhouette(G, y)
    assert mean == pytest.approx(silhouette_score(D, y, metric="precomputed"), abs=1e-12)
    assert 0 < se < 0.1
    assert C.silhouette(G, np.zeros(len(G), int)) == (0.0, 0.0)


def test_kmeans_recovers_blobs_biggest_first():
    X, y = _blobs(4, 25, seed=1)
    res = C.spherical_kmeans(X, 4, random_state=0)
    assert adjusted_rand_score(y, res.labels) == 1.0
    sizes = np.bincount(res.labels)
    assert list(sizes) == sorted(sizes, reverse=True)
    np.testing.assert_allclose(np.linalg.norm(res.centers, axis=1), 1, atol=1e-3)
    np.testing.assert_array_equal(
        C.nearest(exact.to_grid(X), exact.to_grid(res.centers)), res.labels
    )


def test_choose_k_finds_the_blobs_and_keeps_scores():
    X, _ = _blobs(5, 30, seed=2, spread=0.2)
    k, scores = C.choose_k(X, 2, 9, random_state=0)
    assert k == 5
    assert set(scores) <= set(range(2, 10)) and max(scores, key=scores.get) == 5


def test_weights_count_as_copies():
    X, _ = _blobs(3, 10, seed=3)
    w = np.arange(1, len(X) + 1) % 4 + 1
    weighted = C.spherical_kmeans(X, 3, sample_weight=w, random_state=0)
    copies = C.spherical_kmeans(np.repeat(X, w, axis=0), 3, random_state=0)
    assert adjusted_rand_score(np.repeat(weighted.labels, w), copies.labels) == 1.0


def test_degenerate_inputs():
    assert len(C.spherical_kmeans(np.zeros((0, 4)), 3).labels) == 0
    same = np.tile([[1.0, 0.0, 0.0]], (6, 1))
    res = C.spherical_kmeans(same, 3)
    assert len(res.labels) == 6 and res.labels.max() < 3
    assert C.choose_k(same, 2, 5) == (1, {})  # one distinct vector: one cluster


@settings(max_examples=12, deadline=None)
@given(st.integers(0, 2**31 - 1), st.sampled_from([2, 3, 4, 6]))
def test_same_clusters_under_noise_of_1e6(seed, k):
    """Processors differ in the 7th digit: that must not move a comment to another theme."""
    X, _ = _blobs(4, 30, seed=7, dim=384)
    noise = np.random.default_rng(seed).uniform(-1e-6, 1e-6, X.shape)
    a = C.spherical_kmeans(X, k, random_state=0)
    b = C.spherical_kmeans(X + noise, k, random_state=0)
    np.testing.assert_array_equal(a.labels, b.labels)
    assert C.choose_k(X, 2, 8)[0] == C.choose_k(X + noise, 2, 8)[0]
