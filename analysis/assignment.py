"""Themes for the comments that were not embedded: an exact multinomial logistic regression.

Large surveys embed a sample of distinct comments and assign the rest from cheap static vectors
(``embeddings.static_vectors``). scikit-learn's LogisticRegression did that well (0.88-0.93
agreement with full embedding on the sample survey), but its L-BFGS path depends on BLAS
rounding: two processors stopped at coefficients 4e-4 apart, enough to move comments whose
two best themes are close. Here the same model is fitted by a fixed number of accelerated
gradient steps whose products run on integer grids (``analysis.exact``), so every step, and the
result, is identical on every machine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.exact import GRID, exp, to_grid

__all__ = ["SoftmaxAssigner", "fit"]

_W_GRID = 2.0**20  # coefficient grid: |x_g . w_g| <= 4096 * 2**20 * |w| stays far below 2**53
# Residual grid: weights are rescaled to mean 1, so a gradient's partial sums are at most
# rows * 2**24 * GRID = rows * 2**36, below 2**53 for up to 2**17 rows.
_R_GRID = 2.0**24
MAX_ROWS = 2**16
STEPS = 400
_BLOCK_ROWS = 4096


@dataclass(frozen=True)
class SoftmaxAssigner:
    """Fitted coefficients on their grid; ``predict`` is exact (ties to the lower theme)."""

    coef: np.ndarray  # (k, d) integer-valued float64, scaled by _W_GRID
    intercept: np.ndarray  # (k,) float64

    def decision(self, V: np.ndarray) -> np.ndarray:
        """Decision values per row, in blocks of ``_BLOCK_ROWS`` (each row's values depend on
        that row alone and its products are exact, so blocks change no bit; the grids of a
        large survey at once took hundreds of MB)."""
        V = np.asarray(V)
        out = np.empty((len(V), len(self.intercept)))
        for start in range(0, len(V), _BLOCK_ROWS):
            rows = slice(start, start + _BLOCK_ROWS)
            out[rows] = (to_grid(V[rows]) @ self.coef.T) / (GRID * _W_GRID) + self.intercept
        return out

    def predict(self, V: np.ndarray) -> np.ndarray:
        if len(V) == 0:
            return np.zeros(0, int)
        return np.argmax(self.decision(V), axis=1)


def _softmax(Z: np.ndarray) -> np.ndarray:
    P = exp(Z - Z.max(axis=1, keepdims=True))
    return P / P.sum(axis=1, keepdims=True)


def fit(
    V: np.ndarray,
    y: np.ndarray,
    k: int,
    sample_weight: np.ndarray | None = None,
    C: float = 10.0,
    steps: int = STEPS,
) -> SoftmaxAssigner:
    """Multinomial logistic regression with an L2 penalty, fitted by Nesterov's method.

    Notes
    -----
    Minimises (1/W) sum_i w_i CE(softmax(W x_i + b), y_i) + ||W||^2 / (2 C W), W = sum_i w_i,
    the objective of scikit-learn's LogisticRegression(C) with weights rescaled to mean 1
    (Hastie, Tibshirani & Friedman 2009, ESL section 4.4). For unit x the loss gradient is
    1-Lipschitz, so the step 1 / (1 + 1/(C W)) is safe; Nesterov's accelerated gradient
    (Nesterov 1983; Beck & Teboulle 2009, SIAM J. Imaging Sci. 2:183-202) with a fixed number
    of steps gives a result that depends on nothing but the input. x_i, the coefficients and the
    residuals are rounded to integer grids before each product, so the products are exact.
    """
    Vg = to_grid(V)
    n = len(Vg)
    if n > MAX_ROWS:
        raise ValueError(f"At most {MAX_ROWS} rows can be fitted exactly.")
    y = np.asarray(y, dtype=int)
    w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    w = w * (n / w.sum())  # mean 1, so residual sums stay on the exact grid
    Y = np.zeros((n, k))
    Y[np.arange(n), y] = 1.0
    l2 = 1.0 / (float(C) * n)
    step = 1.0 / (1.0 + l2)
    W = np.zeros((k, Vg.shape[1]))
    b = np.zeros(k)
    W_prev, b_prev = W.copy(), b.copy()
    for t in range(1, int(steps) + 1):
        mom = (t - 1) / (t + 2)
        Wm = W + mom * (W - W_prev)
        bm = b + mom * (b - b_prev)
        Wg = np.rint(Wm * _W_GRID)
        P = _softmax((Vg @ Wg.T) / (GRID * _W_GRID) + bm)
        R = np.rint((P - Y) * w[:, None] * _R_GRID)
        grad_W = (R.T @ Vg) / (_R_GRID * GRID * n) + l2 * Wm
        grad_b = R.sum(axis=0) / (_R_GRID * n)
        W_prev, b_prev = W, b
        W = Wm - step * grad_W
        b = bm - step * grad_b
    return SoftmaxAssigner(coef=np.rint(W * _W_GRID), intercept=b)
