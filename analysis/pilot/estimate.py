"""Least squares with heteroskedasticity-robust standard errors, for pilot comparisons.

Pure numpy; respondents in, one coefficient with its interval out.

Notes
-----
``beta = (X'X)^-1 X'y``; HC1 sandwich covariance
``V = n/(n-k) · (X'X)^-1 X' diag(e²) X (X'X)^-1`` (White 1980; MacKinnon & White 1985, the
HC1 small-sample factor), interval ``beta_j ± t_{0.975, n-k} · √V_jj``. Robust errors because
pilot and comparison groups rarely have equal variances (with no covariates this is close to
Welch's test).

White, H. (1980). Econometrica 48(4), 817–838. MacKinnon, J. G. & White, H. (1985). Journal
of Econometrics 29(3), 305–325.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps


@dataclass(frozen=True)
class Coefficient:
    """One coefficient of a fit: estimate, robust SE, 95% interval, two-sided p, df."""

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p: float
    df: float

    @classmethod
    def missing(cls) -> Coefficient:
        nan = float("nan")
        return cls(nan, nan, nan, nan, nan, nan)


def dummies(frame: pd.DataFrame) -> np.ndarray:
    """Indicator columns for each categorical column, first level dropped (reference level)."""
    parts = []
    for col in frame.columns:
        codes, levels = pd.factorize(frame[col].astype(str), sort=True)
        if len(levels) > 1:
            parts.append(np.eye(len(levels))[codes][:, 1:])
    return np.hstack(parts) if parts else np.empty((len(frame), 0))


def fit(y: np.ndarray, x: np.ndarray, term: int, level: float = 0.95) -> Coefficient:
    """OLS of ``y`` on ``x`` (an intercept column is added first); coefficient ``term`` of
    ``x`` with its HC1 robust interval. Missing when ``x`` is rank deficient (the term is
    confounded with the covariates) or there are no residual degrees of freedom."""
    y = np.asarray(y, float)
    design = np.column_stack([np.ones(len(y)), np.asarray(x, float)])
    n, k = design.shape
    if n <= k or np.linalg.matrix_rank(design) < k:
        return Coefficient.missing()
    xtx_inv = np.linalg.inv(design.T @ design)
    beta = xtx_inv @ design.T @ y
    resid = y - design @ beta
    meat = (design * resid[:, None] ** 2).T @ design
    cov = xtx_inv @ meat @ xtx_inv * n / (n - k)
    j = term + 1
    se = float(np.sqrt(max(cov[j, j], 0.0)))
    est = float(beta[j])
    df = float(n - k)
    if se == 0.0:
        return Coefficient(est, 0.0, est, est, float("nan"), df)
    tcrit = float(sps.t.ppf((1 + level) / 2, df))
    p = float(2 * sps.t.sf(abs(est / se), df))
    return Coefficient(est, se, est - tcrit * se, est + tcrit * se, p, df)
