"""What a reader can work out from the totals a table releases.

A table's cells and its margins are tied by equations (a margin minus the sum of its cells is
zero). With the hidden cells and margins as unknowns, the values they can still take form the
null space of those equations' columns; an unknown whose row of an orthonormal null-space
basis is zero is pinned down, and so is a union of unknowns whose rows sum to zero (its total
is fixed although its parts are not). Reference: Hundepool, A. et al. (2012). *Statistical
Disclosure Control*. Wiley, chapters 4-5 (secondary cell suppression and its audit).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np
import scipy.linalg

__all__ = [
    "TOL",
    "bases_table",
    "null_basis",
    "shared_bases",
    "small_sets_pinned",
    "small_unions_pinned",
]

#: A basis row (or sum of rows) shorter than this is zero: the unknown is pinned down.
TOL = 1e-8
#: Unions whose Gram-computed squared norm is below this are candidates, decided by ``TOL`` on
#: their summed rows. Far above the Gram sums' rounding (about 1e-15) and far below any free
#: union's squared norm; between the two the summed rows decide, so the screen never does.
SCREEN = 1e-10


#: The null-space bases of the analysis running in this context (see :func:`shared_bases`).
_SHARED_BASES: ContextVar[dict | None] = ContextVar("shared_bases", default=None)


@contextmanager
def shared_bases() -> Iterator[None]:
    """Within the block, every table protected shares one cache of null-space bases: a view's
    score, item and eNPS tables meet many of the same equation systems (a third of a team ×
    role view's). A basis is a function of its system and unknowns alone, so sharing changes
    no hidden cell; the cache belongs to the block and is dropped when it ends."""
    token = _SHARED_BASES.set({})
    try:
        yield
    finally:
        _SHARED_BASES.reset(token)


def bases_table() -> dict:
    """The cache of null-space bases to use: the one :func:`shared_bases` opened, else new."""
    table = _SHARED_BASES.get()
    return {} if table is None else table


def null_basis(a: np.ndarray, unknown: np.ndarray) -> np.ndarray:
    """A basis of the values the unknown columns can still take given ``a @ x = known``
    (one column per free direction, rows aligned with ``unknown``)."""
    sub = a[:, unknown]
    if sub.shape[1] == 0:
        return np.zeros((0, 0))
    rows = np.flatnonzero(np.abs(sub).sum(axis=1) > 0)
    if rows.size == 0:
        return np.eye(sub.shape[1])
    return _null_space(sub[rows])


def _null_space(a: np.ndarray) -> np.ndarray:
    """Orthonormal basis of {x : a x = 0} by SVD, as ``scipy.linalg.null_space`` computes it
    (rank: singular values above max(shape) * eps * the largest), without its per-call checks,
    which cost more than the SVD of these small systems. Callers use only the basis's row
    norms, which every orthonormal basis of the space shares."""
    try:
        _, sv, vh = np.linalg.svd(a, full_matrices=True)
    except np.linalg.LinAlgError:
        # LAPACK's divide and conquer (gesdd) fails to converge on a few finite 0/±1 systems
        # (a 262 × 376 one of a three-column crossing); the QR-iteration driver (gesvd) is
        # slower and converges on them
        _, sv, vh = scipy.linalg.svd(a, full_matrices=True, lapack_driver="gesvd")
    tol = np.amax(sv, initial=0.0) * np.finfo(float).eps * max(a.shape)
    return vh[int(np.sum(sv > tol)) :].T


def small_unions_pinned(
    small: np.ndarray,
    n: np.ndarray,
    unknown: np.ndarray,
    basis: np.ndarray,
    min_group: int,
    only: int | None = None,
) -> np.ndarray:
    """Cells in a pair or triple of hidden small cells whose total (1..min−1 people) is pinned
    down although no cell alone is: a chain of margins can give (T2, x) + (T3, x) as
    T2 + T3 − column y. A union's total is pinned when the sum of its cells' rows of the
    null-space basis is zero (its norm below ``TOL``). Larger unions are not searched. With
    ``only`` (a small cell), just that cell's flag is worked out (the unions holding it).

    The Gram matrix of the rows screens the unions (``SCREEN``) and each candidate is decided
    by the norm of its summed rows, added in ascending cell order. Deciding on the Gram sums
    themselves (d_a + d_b + 2 g_ab, squared norm against TOL²) was a coin toss: cancellation
    leaves about ±1.1e-16 where the true value is 0, next to TOL² = 1e-16, so a pinned pair
    was found or missed by the processor's rounding (issue: same answer on any machine)."""
    out = np.zeros(len(n), dtype=bool)
    idx = np.flatnonzero(small)
    if idx.size < 2:
        return out
    if basis.shape[1] == 0:
        out[idx] = True
        return out
    rows = basis[np.searchsorted(unknown, idx)]
    g = rows @ rows.T
    d = np.diag(g)
    size = n[idx]
    if only is not None:
        t = int(np.searchsorted(idx, only))
        out[idx[t]] = _unions_holding(rows, t, g, d, size, min_group)
        return out
    a, b = np.nonzero(
        np.triu(
            (d[:, None] + d[None, :] + 2 * g < SCREEN)
            & (size[:, None] + size[None, :] < min_group),
            1,
        )
    )
    hit = _summed_norm(rows, a, b) < TOL
    pinned = np.zeros(idx.size, dtype=bool)
    pinned[a[hit]] = pinned[b[hit]] = True
    if idx.size >= 3:
        norm3 = (
            d[:, None, None]
            + d[None, :, None]
            + d[None, None, :]
            + 2 * (g[:, :, None] + g[:, None, :] + g[None, :, :])
        )
        total = size[:, None, None] + size[None, :, None] + size[None, None, :]
        distinct = (np.arange(idx.size)[:, None, None] < np.arange(idx.size)[None, :, None]) & (
            np.arange(idx.size)[None, :, None] < np.arange(idx.size)[None, None, :]
        )
        a, b, c = np.nonzero((norm3 < SCREEN) & (total < min_group) & distinct)
        hit = _summed_norm(rows, a, b, c) < TOL
        pinned[a[hit]] = pinned[b[hit]] = pinned[c[hit]] = True
    out[idx] = pinned
    return out


def _summed_norm(rows: np.ndarray, *cells: np.ndarray) -> np.ndarray:
    """Per union (one index array per member, ascending per union): the norm of its rows'
    sum, added in that order, so a union's verdict is the same bits whoever asks."""
    total = rows[cells[0]].copy()
    for c in cells[1:]:
        total += rows[c]
    return np.sqrt(np.einsum("ij,ij->i", total, total))


def _unions_holding(
    rows: np.ndarray,
    t: int,
    g: np.ndarray,
    d: np.ndarray,
    size: np.ndarray,
    min_group: int,
) -> bool:
    """:func:`small_unions_pinned`'s flag of the t-th small cell alone: its pairs and the
    triples holding it, screened the same way and decided by the same summed rows (members in
    ascending order), so the flag is the full search's verdict."""
    others = np.delete(np.arange(len(size)), t)
    cand = others[
        (d[t] + d[others] + 2 * g[t, others] < SCREEN) & (size[t] + size[others] < min_group)
    ]
    lo, hi = np.minimum(cand, t), np.maximum(cand, t)
    if (_summed_norm(rows, lo, hi) < TOL).any():
        return True
    if len(size) < 3:
        return False
    j, k = np.triu_indices(others.size, k=1)
    a, b, c = np.sort(np.stack([np.full(j.size, t), others[j], others[k]]), axis=0)
    norm3 = d[a] + d[b] + d[c] + 2 * (g[a, b] + g[a, c] + g[b, c])
    keep = (norm3 < SCREEN) & (size[a] + size[b] + size[c] < min_group)
    return bool((_summed_norm(rows, a[keep], b[keep], c[keep]) < TOL).any())


def small_sets_pinned(rows: np.ndarray, sizes: list[tuple[np.ndarray, int]]) -> bool:
    """Whether a set hidden from a release, or the total of two of them, is pinned down while
    small. ``rows``: per hidden set, its indicator projected on the free directions of the
    released totals (its row of ``member @ null_basis``; zero when the totals fix it);
    ``sizes``: per measure, each set's size and the minimum it is held to (comments and
    ``min_comments``, commenters and ``min_group``). Pairs are screened by their Gram sums
    and decided by their summed rows, as :func:`small_unions_pinned` does (triples are left
    out: a crossing of four columns hides hundreds of small cells)."""
    norms = np.sqrt(np.einsum("ij,ij->i", rows, rows))
    for size, minimum in sizes:
        small = size < minimum
        if (small & (norms < TOL)).any():
            return True
        idx = np.flatnonzero(small)
        if idx.size < 2:
            continue
        r = rows[idx]
        g = r @ r.T
        d = np.diag(g)
        a, b = np.nonzero(
            np.triu(
                (d[:, None] + d[None, :] + 2 * g < SCREEN)
                & (size[idx][:, None] + size[idx][None, :] < minimum),
                1,
            )
        )
        if a.size and (_summed_norm(r, a, b) < TOL).any():
            return True
    return False
