"""Bootstrap correlation matrices for the driver analyses (:mod:`analysis.drivers`): resamples
as multinomial counts, so a resample's means and cross-products are matrix products with the
data instead of copies of it (Efron & Tibshirani 1993, An Introduction to the Bootstrap, ch. 6),
shared between the outcomes of one key-driver call that draw the same resamples."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

__all__ = [
    "BOOT_CELLS_PER_CHUNK",
    "BOOT_CELLS_PER_PASS",
    "BOOT_ROWS_PER_BLOCK",
    "SharedBootstrap",
    "bootstrap_corr",
    "complete_mask",
]

# Bootstrap resamples are drawn in chunks of about this many (row, resample) cells to bound memory.
BOOT_CELLS_PER_CHUNK = 2_000_000
# At most about this many (resample, row) counts are held at once: the resamples are drawn and
# summed in passes of this size (64 MB of byte counts; 300 MB for 300 resamples of 1M rows in
# one pass).
BOOT_CELLS_PER_PASS = 64_000_000
# Rows per block when the resamples' sums are accumulated (see :func:`bootstrap_corr`).
BOOT_ROWS_PER_BLOCK = 8192
# A resample's variance at most this fraction of its mean square is rounding, not variation.
_CONSTANT_BOUND = 1e-10


class SharedBootstrap:
    """Bootstrap correlation matrices shared by the outcomes of one key-driver call
    (:func:`analysis.drivers.key_drivers`).

    Outcomes whose listwise-complete rows are the same rows draw the same resamples (the
    resample indices depend only on the number of rows and the seed), so their bootstrap
    correlation matrices are sub-matrices of one bootstrap over all the columns they use:
    computed once per distinct set of complete rows, then indexed per outcome.
    """

    def __init__(
        self, data: pd.DataFrame, n_boot: int, random_state: int | None, columns: list[str]
    ) -> None:
        self.data, self.n_boot, self.random_state = data, n_boot, random_state
        self.columns = columns
        self._pools: dict[bytes, tuple[list[str], np.ndarray | None]] = {}

    def plan(self, mask: np.ndarray, columns: Sequence[str]) -> None:
        """Register that an outcome will need ``columns`` on the rows in ``mask``."""
        key = np.packbits(mask).tobytes()
        have, _ = self._pools.get(key, ([], None))
        self._pools[key] = ([*have, *(c for c in columns if c not in have)], None)

    def corr(self, mask: np.ndarray, columns: Sequence[str]) -> np.ndarray:
        key = np.packbits(mask).tobytes()
        names, boot = self._pools[key]
        if boot is None:
            values = self.data[names].to_numpy(dtype=float, na_value=np.nan)[mask]
            rng = np.random.default_rng(self.random_state)
            boot = bootstrap_corr(values, self.n_boot, rng)
            self._pools[key] = (names, boot)
        pick = [names.index(c) for c in columns]
        return boot[:, pick][:, :, pick]


def complete_mask(data: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    values = data[list(columns)].to_numpy(dtype=float, na_value=np.nan)
    return np.isfinite(values).all(axis=1)


def _cov_stack(s1: np.ndarray, s2: np.ndarray, m: int) -> np.ndarray:
    iu = np.triu_indices(m)
    cov = np.empty((s1.shape[0], m, m))
    vals = s2 - s1[:, iu[0]] * s1[:, iu[1]]
    cov[:, iu[0], iu[1]] = vals
    cov[:, iu[1], iu[0]] = vals
    return cov


def _resample_counts(n: int, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Multinomial counts (resamples × rows) of ``n_boot`` resamples of ``n`` rows.

    The draws come in chunks of about :data:`BOOT_CELLS_PER_CHUNK` (row, resample) cells, in
    the same order whatever the chunk size. A count above 255 is possible (a row drawn 256
    times in one resample) but practically never seen above a few hundred rows, so counts are
    held as bytes and widened only if one is seen: 64 MB for 64 resamples of 1M rows.
    """
    chunk = max(1, BOOT_CELLS_PER_CHUNK // n)
    counts = np.empty((n_boot, n), dtype=np.uint8)
    for start in range(0, n_boot, chunk):
        idx = rng.integers(0, n, size=(min(chunk, n_boot - start), n))
        for r, drawn in enumerate(idx, start):
            c = np.bincount(drawn, minlength=n)
            if c.max() > np.iinfo(counts.dtype).max:
                counts = counts.astype(np.uint32)
            counts[r] = c
    return counts


def bootstrap_corr(values: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Correlation matrices of ``n_boot`` resamples, without copying the data per resample.

    Each resample is a vector of multinomial counts c; its means and cross-products are
    matrix products with the centred data x and its pairwise products:
    mean_j = Σ_i c_i x_ij / n and E[x_j x_k] = Σ_i c_i x_ij x_ik / n (Efron & Tibshirani
    1993, ch. 6). The sums run over blocks of :data:`BOOT_ROWS_PER_BLOCK` rows, so the
    pairwise products (n × m(m+1)/2) exist one block at a time, and each block is one
    matrix-matrix product over the resamples of a pass. The resamples are drawn in passes of
    about :data:`BOOT_CELLS_PER_PASS` counts, each a whole number of the draw's chunks, so
    the draws are the ones a single pass would make, in the same order.
    """
    n, m = values.shape
    centred = values - values.mean(axis=0)
    iu = np.triu_indices(m)
    s1 = np.zeros((n_boot, m))
    s2 = np.zeros((n_boot, len(iu[0])))
    chunk = max(1, BOOT_CELLS_PER_CHUNK // n)
    per_pass = max(1, BOOT_CELLS_PER_PASS // (n * chunk)) * chunk
    pairs = np.empty((min(n, BOOT_ROWS_PER_BLOCK), len(iu[0])))
    # One BLAS thread: on two busy cores the threaded product costs 3× the CPU.
    with threadpool_limits(limits=1):
        for start in range(0, n_boot, per_pass):
            rows = slice(start, min(start + per_pass, n_boot))
            counts = _resample_counts(n, rows.stop - start, rng)
            for lo in range(0, n, BOOT_ROWS_PER_BLOCK):
                block = centred[lo : lo + BOOT_ROWS_PER_BLOCK]
                c = counts[:, lo : lo + BOOT_ROWS_PER_BLOCK].astype(float)
                s1[rows] += c @ block
                s2[rows] += c @ _pair_products(block, pairs[: len(block)])
            del counts
    cov = _cov_stack(s1 / n, s2 / n, m)
    var = np.diagonal(cov, axis1=1, axis2=2).copy()
    # A column that is constant in a resample has no correlation (NaN, as np.corrcoef says).
    # Its variance E[x²] - E[x]² is 0 only up to cancellation, about eps·E[x²]: it can come
    # out slightly positive and give a finite, meaningless correlation. Any real variance of
    # a resample is far above this bound (one row off by d among 1M gives d²/1M).
    second = s2[:, _diagonal_pairs(m)] / n
    var[var <= _CONSTANT_BOUND * second] = np.nan
    sd = np.sqrt(var)
    with np.errstate(divide="ignore", invalid="ignore"):
        return cov / (sd[:, :, None] * sd[:, None, :])


def _pair_products(block: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``block[:, iu[0]] * block[:, iu[1]]`` for ``iu = np.triu_indices(m)``, written into
    ``out`` a row of the triangle at a time (x_j · x_j..m-1) instead of gathering two copies."""
    k = 0
    for j in range(block.shape[1]):
        w = block.shape[1] - j
        np.multiply(block[:, j : j + 1], block[:, j:], out=out[:, k : k + w])
        k += w
    return out


def _diagonal_pairs(m: int) -> np.ndarray:
    """Positions of the (j, j) pairs in the upper-triangle order of np.triu_indices(m)."""
    iu = np.triu_indices(m)
    return np.flatnonzero(iu[0] == iu[1])
