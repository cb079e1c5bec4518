"""Bootstrap correlation matrices for the driver analyses (:mod:`analysis.drivers`): resamples
as multinomial counts, so a resample's means and cross-products are matrix products with the
data instead of copies of it (Efron & Tibshirani 1993, An Introduction to the Bootstrap, ch. 6),
shared between the outcomes of one key-driver call that draw the same resamples."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

__all__ = [
    "BOOT_CELLS_PER_CHUNK",
    "SharedBootstrap",
    "bootstrap_corr",
    "complete_mask",
]

# Bootstrap resamples are drawn in chunks of about this many (row, resample) cells to bound memory.
BOOT_CELLS_PER_CHUNK = 2_000_000


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


def _resample_counts(n: int, n_boot: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """Multinomial counts (resamples × rows) of ``n_boot`` resamples of ``n`` rows, in chunks
    of about :data:`BOOT_CELLS_PER_CHUNK` cells (the draws in the same order either way)."""
    chunk = max(1, BOOT_CELLS_PER_CHUNK // n)
    for start in range(0, n_boot, chunk):
        b = min(chunk, n_boot - start)
        idx = rng.integers(0, n, size=(b, n)) + (np.arange(b) * n)[:, None]
        yield np.bincount(idx.ravel(), minlength=b * n).reshape(b, n)


def bootstrap_corr(values: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Correlation matrices of ``n_boot`` resamples, without copying the data per resample.

    Each resample is a vector of multinomial counts; its means and cross-products are matrix
    products of the count matrix with the (centred) data and its pairwise products.
    """
    n, m = values.shape
    centred = values - values.mean(axis=0)
    iu = np.triu_indices(m)
    prods = centred[:, iu[0]] * centred[:, iu[1]]
    out = np.empty((n_boot, m, m))
    start = 0
    for drawn in _resample_counts(n, n_boot, rng):
        b = len(drawn)
        c = drawn.astype(float)
        # One BLAS thread: on two busy cores the threaded product costs 3× the CPU.
        with threadpool_limits(limits=1):
            s1 = c @ centred / n
            s2 = c @ prods / n
        cov = _cov_stack(s1, s2, m)
        sd = np.sqrt(np.clip(np.diagonal(cov, axis1=1, axis2=2), 0.0, None))
        with np.errstate(divide="ignore", invalid="ignore"):
            out[start : start + b] = cov / (sd[:, :, None] * sd[:, None, :])
        start += b
    return out
