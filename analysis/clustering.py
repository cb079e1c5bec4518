"""Spherical k-means and a silhouette choice of k in exact arithmetic: same themes on any machine.

Why not scikit-learn's KMeans: its distances are BLAS products of non-integer floats, summed in
an order that depends on the processor, the OpenBLAS kernel and the thread count. The results
differ in the 7th digit, and that is enough to flip a k-means assignment or the silhouette
argmax (12, 8 or 6 themes on the sample survey depending on the machine).

Here every vector is put on an integer grid first (``GRID`` steps per unit). Dot products of
grid vectors are integers far below 2**53, so a float64 product computes them exactly whatever
the kernel, and every decision below (nearest centre, the k-means objective, the silhouette's
cluster sums) is made on exact integers or on IEEE-exact operations of them. Ties go to the
lower index. Given the same vectors and seed, the clusters are identical on every machine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.exact import GRID, to_grid

__all__ = ["Clusters", "choose_k", "nearest", "silhouette", "spherical_kmeans"]

MAX_ITER = 300


def nearest(Xg: np.ndarray, Cg: np.ndarray) -> np.ndarray:
    """Index of the centre with the largest exact grid dot product; ties to the lower index."""
    if len(Xg) == 0 or len(Cg) == 0:
        return np.zeros(len(Xg), int)
    return np.argmax(Xg @ Cg.T, axis=1)


@dataclass(frozen=True)
class Clusters:
    """labels (biggest cluster 0, ties by first member), unit centres (float32), exact objective."""

    labels: np.ndarray
    centers: np.ndarray
    objective: float


def _centres(Xg: np.ndarray, labels: np.ndarray, k: int, w: np.ndarray) -> np.ndarray:
    """Grid centres: the weighted member sum (exact integers) scaled to unit length, rounded."""
    onehot = np.zeros((len(Xg), k))
    onehot[np.arange(len(Xg)), labels] = w
    return to_grid(onehot.T @ Xg)


def _plus_plus(Xg: np.ndarray, k: int, w: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Greedy k-means++ seeding on cosine distance, weighted (as scikit-learn seeds k-means).

    Notes
    -----
    k-means++ (Arthur & Vassilvitskii 2007, SODA): P(next centre = x) is proportional to
    w(x) d(x)^2, d = 1 - cos to the nearest chosen centre (in grid units GRID**2 - x_g . c_g, an
    exact integer). The greedy variant draws 2 + floor(ln k) candidates per step and keeps the
    one that lowers the potential sum w d^2 most, ties to the first drawn. Draws come from a
    seeded PCG64, whose stream is the same on every platform; cumulative sums run in order.
    """
    n = len(Xg)
    g2 = float(GRID) ** 2
    trials = 2 + int(np.log(k))

    def draw(p: np.ndarray, m: int) -> np.ndarray:
        c = np.cumsum(p)
        return np.minimum(np.searchsorted(c, rng.random(m) * c[-1], side="right"), n - 1)

    first = int(draw(w, 1)[0])
    chosen = [first]
    dist = np.maximum(g2 - Xg @ Xg[first], 0.0)
    for _ in range(1, k):
        p = w * dist * dist
        if p.sum() <= 0:  # every point sits on a centre: take the first unchosen one
            rest = np.setdiff1d(np.arange(n), chosen)
            nxt = int(rest[0]) if len(rest) else chosen[-1]
            cand_dist = np.maximum(g2 - Xg @ Xg[nxt], 0.0)
        else:
            cands = draw(p, trials)
            d = np.minimum(dist[:, None], np.maximum(g2 - Xg @ Xg[cands].T, 0.0))
            potential = (w[:, None] * d * d).sum(axis=0)
            best = int(np.argmin(potential))
            nxt, cand_dist = int(cands[best]), d[:, best]
        chosen.append(nxt)
        dist = np.minimum(dist, cand_dist)
    return Xg[chosen].copy()


def _lloyd(Xg: np.ndarray, Cg: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Spherical Lloyd iterations until no assignment changes; an emptied cluster takes the point
    farthest from its centre (lowest exact dot, ties to the lower index)."""
    k = len(Cg)
    labels = nearest(Xg, Cg)
    for _ in range(MAX_ITER):
        sizes = np.bincount(labels, minlength=k)
        for j in np.flatnonzero(sizes == 0):
            fit = (Xg @ Cg.T)[np.arange(len(Xg)), labels]
            far = int(np.argmin(fit))
            labels[far] = j
            sizes = np.bincount(labels, minlength=k)
        Cg = _centres(Xg, labels, k, w)
        new = nearest(Xg, Cg)
        if np.array_equal(new, labels):
            break
        labels = new
    objective = float((w * (Xg @ Cg.T)[np.arange(len(Xg)), labels]).sum())
    return labels, Cg, objective


def spherical_kmeans(
    X: np.ndarray,
    k: int,
    *,
    sample_weight: np.ndarray | None = None,
    random_state: int = 0,
    n_init: int = 4,
) -> Clusters:
    """Spherical k-means (Dhillon & Modha 2001, Machine Learning 42:143-175), exact on the grid.

    Maximises sum_i w_i cos(x_i, c_(l_i)) with unit centres. ``n_init`` seedings from one PCG64
    stream; the best objective wins, ties to the earlier run. Clusters are renumbered biggest
    first (weighted size), ties by their first member.
    """
    Xg = to_grid(X)
    n = len(Xg)
    if n == 0 or k < 1:
        return Clusters(np.zeros(0, int), np.zeros((0, Xg.shape[1])), 0.0)
    w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    k = min(int(k), n)
    rng = np.random.default_rng(int(random_state))
    best: tuple[np.ndarray, np.ndarray, float] | None = None
    for _ in range(max(1, int(n_init))):
        run = _lloyd(Xg, _plus_plus(Xg, k, w, rng), w)
        if best is None or run[2] > best[2]:
            best = run
    labels, Cg, objective = best
    sizes = np.bincount(labels, weights=w, minlength=k)
    first = np.full(k, n)
    np.minimum.at(first, labels, np.arange(n))
    order = np.lexsort((first, -sizes))
    remap = np.empty(k, int)
    remap[order] = np.arange(k)
    C = Cg[order]
    centers = (C / np.maximum(np.sqrt((C * C).sum(axis=1, keepdims=True)), 1)).astype(np.float32)
    return Clusters(remap[labels], centers, objective)


def silhouette(
    Xg: np.ndarray, labels: np.ndarray, S: np.ndarray | None = None
) -> tuple[float, float]:
    """Mean silhouette and its standard error, cosine distance on grid vectors, exact sums.

    Notes
    -----
    s(i) = (b_i - a_i) / max(a_i, b_i), a_i the mean distance to the other members of i's
    cluster, b_i the smallest mean distance to another cluster (Rousseeuw 1987, J. Comput.
    Appl. Math. 20:53-65); 0 for members of singleton clusters. Distance 1 - x_g.y_g / GRID**2.
    """
    k = int(labels.max()) + 1 if len(labels) else 0
    if k < 2:
        return 0.0, 0.0
    S = Xg @ Xg.T if S is None else S
    onehot = np.zeros((len(Xg), k))
    onehot[np.arange(len(Xg)), labels] = 1.0
    sums = S @ onehot  # exact: integers below 2**53
    sizes = onehot.sum(axis=0)
    g2 = float(GRID) ** 2
    own = sums[np.arange(len(Xg)), labels] - np.diag(S)
    own_n = sizes[labels] - 1
    a = np.where(own_n > 0, 1 - own / np.maximum(own_n, 1) / g2, 0.0)
    other = 1 - sums / np.maximum(sizes, 1) / g2
    other[np.arange(len(Xg)), labels] = np.inf
    other[:, sizes == 0] = np.inf
    b = other.min(axis=1)
    s = np.where(own_n > 0, (b - a) / np.maximum(np.maximum(a, b), 1e-300), 0.0)
    return float(np.mean(s)), float(np.std(s, ddof=1) / np.sqrt(len(s))) if len(s) > 1 else 0.0


def choose_k(
    X: np.ndarray,
    lo: int,
    hi: int,
    *,
    random_state: int = 0,
    n_init: int = 2,
    max_rows: int = 2000,
) -> tuple[int, dict[int, float]]:
    """The smallest k in [lo, hi] whose silhouette is within one standard error of the best.

    The one-standard-error rule (Breiman et al. 1984, Classification and Regression Trees,
    section 3.4.3; Hastie, Tibshirani & Friedman 2009, ESL section 7.10): scores closer than
    their own sampling error do not tell the k apart, so the simpler answer is kept. It also
    keeps the choice away from near-ties, where any change of input could flip an argmax.
    Identical rows are counted once (stacks of one-word comments would reward isolating them),
    and at most ``max_rows`` distinct rows, drawn with the seed, are used.
    """
    G = to_grid(X)
    # Distinct rows in their input order: a sorted order would follow the coordinates, and a
    # change in the 7th digit would reorder the rows and reseed every k-means run.
    U = G[np.sort(np.unique(G, axis=0, return_index=True)[1])]
    if len(U) > max_rows:
        rng = np.random.default_rng(int(random_state))
        U = U[np.sort(rng.choice(len(U), max_rows, replace=False))]
    lo, hi = max(2, int(lo)), min(int(hi), len(U) - 1)
    scores: dict[int, float] = {}
    if hi < lo:
        return max(1, min(int(lo), len(U))), scores
    S = U @ U.T
    errors: dict[int, float] = {}
    for k in range(lo, hi + 1):
        labels = spherical_kmeans(U, k, random_state=random_state, n_init=n_init).labels
        if len(np.unique(labels)) < 2:
            continue
        scores[k], errors[k] = silhouette(U, labels, S)
    if not scores:
        return lo, scores
    top = max(scores, key=lambda k: (scores[k], -k))
    return min(k for k, v in scores.items() if v >= scores[top] - errors[top]), scores
