"""Processor-independent arithmetic: the integer grid, exp and the exact logistic."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

from analysis import exact


def test_grid_is_integer_unit_scaled_and_keeps_zero_rows():
    X = np.array([[3.0, 4.0], [0.0, 0.0], [-1e-9, 0.0]])
    G = exact.to_grid(X)
    np.testing.assert_array_equal(G, [[2458, 3277], [0, 0], [-exact.GRID, 0]])  # 0.6, 0.8 of 4096
    assert (np.rint(G) == G).all()
    with pytest.raises(ValueError, match="2-d"):
        exact.to_grid(np.zeros(3))


def test_exp_is_close_to_the_true_exp():
    x = np.linspace(-87, 0, 200_001, dtype=np.float32)
    want = np.exp(x.astype(np.float64))
    got = exact.exp(x).astype(np.float64)
    # float32 x * log2(e) is rounded: 2**-24 * |x log2 e| <= 7.5e-6 relative at x = -87
    assert np.all(np.abs(got - want) <= 5e-6 * want)
    assert exact.exp(np.array([0.0], np.float32))[0] == 1.0
    assert exact.exp(np.array([-1e30], np.float32))[0] == exact.exp(np.array([-87], np.float32))[0]


def _exp_by_ldexp(x: np.ndarray) -> np.ndarray:
    """exp's formula written plainly, with numpy's ldexp for 2**n (as before 2026-12-07)."""
    t = np.maximum(x, np.float32(-87)) * exact._LOG2E
    n = np.rint(t)
    f = t - n
    p = f * exact._EXP2[-1] + exact._EXP2[-2]
    for c in exact._EXP2[-3::-1]:
        p = p * f + c
    return np.ldexp(p, n.astype(np.int32))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_exp_in_blocks_with_exponent_bits_gives_ldexps_bits(dtype):
    """The blocked exp with 2**n from its exponent bits is the plain formula, bit for bit:
    across blocks, at and beyond the clamp, for any shape or layout."""
    rng = np.random.default_rng(0)
    x = np.concatenate(
        [-rng.exponential(10, 3 * exact._BLOCK + 17), np.linspace(-90, 0, 5001)]
    ).astype(dtype)
    x[:6] = [-87, -86.99, -1e30, 0, -0.0, -1e-45]
    got, want = exact.exp(x), _exp_by_ldexp(x)
    assert got.dtype == want.dtype == dtype
    assert np.array_equal(got.view(np.uint8), want.view(np.uint8))
    assert got[x <= -87].min() >= np.finfo(np.float32).tiny  # never subnormal: 2**n * p exact
    big = np.array([88.0, 100.0, 1e30], dtype)  # outside its domain: inf, as ldexp's is
    assert np.isposinf(exact.exp(big)[1:]).all() or dtype == np.float64
    grid = x[: 200 * 250].reshape(200, 250).T  # not contiguous
    assert np.array_equal(exact.exp(grid), _exp_by_ldexp(grid))


def test_linear_logistic_matches_expit_and_is_symmetric():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 16))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    W = rng.normal(scale=8, size=(16, 3))
    b = np.array([-1.0, 0.0, 2.5])
    want = expit(X @ W + b)
    np.testing.assert_allclose(exact.linear_logistic(X, W, b), want, atol=1e-5)
    p = exact.linear_logistic(X, W, b)
    q = exact.linear_logistic(X, -W, -b)
    np.testing.assert_allclose(p + q, 1, atol=1e-12)
    assert exact.linear_logistic(X[:1], np.zeros((16, 1)), np.zeros(1))[0, 0] == 0.5
