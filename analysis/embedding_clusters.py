"""Themes from sentence embeddings: spherical k-means on the vectors of
:mod:`analysis.embeddings`, and, for large surveys, a sample embedded and the rest classified.

The clustering itself is :mod:`analysis.clustering` and the classifier
:mod:`analysis.assignment` (both exact); the names here stay importable from
``analysis.embeddings``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from analysis import assignment, clustering, embeddings, exact

SAMPLE_SIZE = 5000  # comments embedded by fit_sample_assign; the rest go to a text classifier
_SELECT_SAMPLE = 2000  # distinct embeddings used to choose k


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
    """Spherical k-means on unit embeddings, k chosen by cosine silhouette; (labels, centres, k).

    min_k == max_k fixes k. Clusters are numbered biggest first (ties by first member) and the
    centres are unit length, so ``assign`` is nearest centre by cosine. ``sample_weight`` (copies
    of each row's text) weighs the final k-means and the sizes; k is still chosen on distinct rows.
    Both steps run in exact arithmetic (``analysis.clustering``): the same vectors give the same
    clusters on every machine.

    Notes
    -----
    Spherical k-means (Dhillon & Modha 2001, Machine Learning 42:143-175). k maximises the mean
    silhouette s(i) = (b_i - a_i) / max(a_i, b_i) with cosine distances (Rousseeuw 1987,
    J. Comput. Appl. Math. 20:53-65), on at most 2,000 distinct rows; ties go to the smaller k.
    """
    _check_range(min_k, max_k)
    X = np.asarray(X, dtype=np.float32)
    if len(X) == 0:
        return (
            np.zeros(0, int),
            np.zeros((0, X.shape[1] if X.ndim == 2 else embeddings.DIM), np.float32),
            0,
        )
    distinct = len(np.unique(exact.to_grid(X), axis=0))
    if int(min_k) == int(max_k) or distinct <= 2:
        k = max(1, min(int(min_k), distinct))
    else:
        k, _ = clustering.choose_k(
            X, min_k, max_k, random_state=random_state, max_rows=_SELECT_SAMPLE
        )
    res = clustering.spherical_kmeans(
        X, k, sample_weight=sample_weight, random_state=random_state, n_init=n_init
    )
    return res.labels, res.centers, len(res.centers)


def assign(X: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Index of the nearest centre by cosine for each row of X (exact, ties to the lower index)."""
    X = np.asarray(X, dtype=np.float32)
    if len(X) == 0 or len(centers) == 0:
        return np.zeros(len(X), int)
    return clustering.nearest(exact.to_grid(X), exact.to_grid(centers))


@dataclass
class SemanticThemes:
    """Themes from embedding a sample; the rest of the comments assigned by a text classifier."""

    labels: np.ndarray  # theme per input text, biggest theme 0
    centers: np.ndarray  # (k, 384) unit centres in embedding space
    k: int
    sample: np.ndarray  # row indices that were embedded (all rows when n <= sample_size)
    embeddings: np.ndarray  # (len(sample), 384) embeddings of those rows, for representatives
    classified: int  # rows labelled by the text classifier rather than by their embedding
    classifier: assignment.SoftmaxAssigner | None = None  # on static_vectors, when one was fit

    def predict(self, texts: Iterable[str]) -> np.ndarray:
        """Theme of new texts: the sample's classifier when there is one, else nearest centre."""
        texts = embeddings._as_texts(texts)
        if not texts or self.k == 0:
            return np.zeros(len(texts), int)
        if self.classifier is None:
            return assign(embeddings.encode(texts), self.centers)
        with threadpool_limits(limits=1):
            return np.asarray(self.classifier.predict(embeddings.static_vectors(texts)), dtype=int)


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
    texts = embeddings._as_texts(texts)
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
    Xs = embeddings.encode([str(uniques[u]) for u in chosen], batch_size=batch_size)
    weight = None if np.all(copies[chosen] == 1) else copies[chosen]
    lab_s, centers, k = cluster_embeddings(Xs, min_k, max_k, random_state, sample_weight=weight)
    lab_u = np.zeros(m, int)
    lab_u[chosen] = lab_s
    rest = np.setdiff1d(np.arange(m), chosen)
    clf = None
    if len(rest) and k > 1:
        with threadpool_limits(limits=1):
            V = embeddings.static_vectors([str(uniques[u]) for u in chosen])
            clf = assignment.fit(V, lab_s, k, sample_weight=weight)
            lab_u[rest] = clf.predict(embeddings.static_vectors([str(uniques[u]) for u in rest]))
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
