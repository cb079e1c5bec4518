"""Bootstrap correlation matrices: the count-matrix products equal correlations of explicit
resamples, whatever the chunk, pass and block sizes, and the counts are exact."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import resampling
from analysis.resampling import bootstrap_corr


def _data(n: int, m: int, seed: int) -> np.ndarray:
    """Correlated answers on a 1-5 scale, the first column mostly 4 (so some resamples hold
    it constant), scaled by 1/3 so that the means are not exact in binary."""
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 6, size=(n, m)).astype(float)
    x[:, 0] = np.where(rng.random(n) < 0.8, 4.0, x[:, 0])
    x[:, 1:] += 0.5 * x[:, :1]  # correlated columns, so the matrices are not near identity
    return x / 3 + 0.1


def _explicit(values: np.ndarray, n_boot: int, seed: int) -> np.ndarray:
    """np.corrcoef of each resample, drawn with the same indices as bootstrap_corr draws."""
    n = len(values)
    rng = np.random.default_rng(seed)
    chunk = max(1, resampling.BOOT_CELLS_PER_CHUNK // n)
    rows = np.concatenate(
        [rng.integers(0, n, size=(min(chunk, n_boot - s), n)) for s in range(0, n_boot, chunk)]
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.stack([np.corrcoef(values[r], rowvar=False) for r in rows])


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(3, 400),
    m=st.integers(2, 6),
    n_boot=st.integers(1, 40),
    cells=st.sampled_from([1, 7, 500, 2_000_000]),
    block=st.sampled_from([1, 5, 64, 8192]),
    per_pass=st.sampled_from([1, 900, 64_000_000]),
    seed=st.integers(0, 2**16),
)
def test_equals_the_correlations_of_explicit_resamples(n, m, n_boot, cells, block, per_pass, seed):
    values = _data(n, m, seed)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(resampling, "BOOT_CELLS_PER_CHUNK", cells)
        mp.setattr(resampling, "BOOT_ROWS_PER_BLOCK", block)
        mp.setattr(resampling, "BOOT_CELLS_PER_PASS", per_pass)
        got = bootstrap_corr(values, n_boot, np.random.default_rng(seed))
        want = _explicit(values, n_boot, seed)
    assert got.shape == (n_boot, m, m)
    # A resample whose column is constant has no correlation: NaN in both, never a finite
    # value made of rounding (the variance's cancellation left slightly above zero).
    assert (np.isnan(got) == np.isnan(want)).all()
    np.testing.assert_allclose(got[np.isfinite(want)], want[np.isfinite(want)], atol=1e-9)


def test_block_and_chunk_sizes_change_nothing_but_rounding():
    values = _data(3000, 5, 1)
    base = bootstrap_corr(values, 50, np.random.default_rng(9))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(resampling, "BOOT_CELLS_PER_CHUNK", 4_000)
        mp.setattr(resampling, "BOOT_ROWS_PER_BLOCK", 37)
        other = bootstrap_corr(values, 50, np.random.default_rng(9))
    np.testing.assert_allclose(other, base, atol=1e-12, rtol=0)


def test_passes_hold_a_bounded_share_of_the_counts_and_draw_the_same_resamples():
    """Passes of a whole number of draw chunks: the same draws as one pass (so the same
    figures up to the products' rounding), and never more than the pass's counts held."""
    values = _data(5000, 4, 2)
    one = bootstrap_corr(values, 37, np.random.default_rng(5))
    shapes: list[tuple[int, int]] = []
    draw = resampling._resample_counts

    def counted(n: int, n_boot: int, rng: np.random.Generator) -> np.ndarray:
        shapes.append((n_boot, n))
        return draw(n, n_boot, rng)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(resampling, "BOOT_CELLS_PER_CHUNK", 10_000)  # 2 resamples per draw
        mp.setattr(resampling, "BOOT_CELLS_PER_PASS", 25_000)  # 5 -> 4 per pass
        mp.setattr(resampling, "_resample_counts", counted)
        passes = bootstrap_corr(values, 37, np.random.default_rng(5))
        mp.setattr(resampling, "BOOT_CELLS_PER_PASS", 10**12)
        single = bootstrap_corr(values, 37, np.random.default_rng(5))
    assert [k for k, _ in shapes] == [4] * 9 + [1, 37]
    np.testing.assert_allclose(passes, single, atol=1e-12, rtol=0)
    np.testing.assert_allclose(passes, one, atol=1e-12, rtol=0)


def test_counts_are_one_resample_of_all_rows_per_row_and_held_as_bytes():
    counts = resampling._resample_counts(1000, 30, np.random.default_rng(0))
    assert counts.shape == (30, 1000) and counts.dtype == np.uint8
    assert (counts.sum(axis=1, dtype=np.int64) == 1000).all()


class _OneRowEveryTime:
    """A generator that draws row 0 every time: one row's count is n, above a byte."""

    def integers(self, low: int, high: int, size: tuple[int, int]) -> np.ndarray:
        return np.zeros(size, dtype=np.int64)


def test_a_count_above_a_byte_widens_the_counts_instead_of_wrapping():
    counts = resampling._resample_counts(300, 4, _OneRowEveryTime())  # type: ignore[arg-type]
    assert counts.dtype == np.uint32
    assert (counts[:, 0] == 300).all() and (counts[:, 1:] == 0).all()
