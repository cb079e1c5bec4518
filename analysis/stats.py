"""Statistical primitives for survey scores, vectorised over many groups at once.

Everything here works from summary statistics (n, mean, variance, counts) so that group
comparisons can be computed from one ``groupby`` pass instead of a loop over groups.
Inputs are array-like; cells where a statistic is undefined (n < 2, zero variance in both
samples, ...) come back as NaN without warnings.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats as _st

__all__ = [
    "benjamini_hochberg",
    "box_shares",
    "cohens_d",
    "cronbach_alpha",
    "favorable_test",
    "holm",
    "mean_ci",
    "moments",
    "satterthwaite_df",
    "se_from_ci",
    "two_proportion_test",
    "welch_t",
    "wilson",
]


def _arr(x: object) -> np.ndarray:
    return np.asarray(x, dtype=float)


def moments(n: object, s: object, ss: object) -> tuple[np.ndarray, np.ndarray]:
    """Mean and sample variance from a count, a sum and a sum of squares: (mean, var).

    Notes
    -----
    ``mean = s / n`` (NaN where n = 0), ``var = (ss − n·mean²) / (n − 1)`` (NaN where n < 2,
    floored at 0 against rounding), the textbook computing formula for the ddof=1 variance
    (e.g. Chan, Golub & LeVeque 1983, The American Statistician 37(3), 242–247). Sums let
    every group of a table be summarised from one pass over the respondents.
    """
    n, s, ss = _arr(n), _arr(s), _arr(ss)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, s / np.where(n > 0, n, 1), np.nan)
        var = np.where(n > 1, (ss - n * mean**2) / np.where(n > 1, n - 1, 1), np.nan)
    return mean, np.maximum(var, 0.0)


def box_shares(
    favorable: object, neutral: object, unfavorable: object
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """% favourable, % neutral and % unfavourable from box counts; NaN where there is none.

    Notes
    -----
    ``share_b = count_b / (f + nu + u) · 100`` for each box b: the share of answered item
    responses in the top, middle and bottom box (the Glint/Qualtrics "% favourable").
    """
    f, nu, u = _arr(favorable), _arr(neutral), _arr(unfavorable)
    tot = f + u + nu
    with np.errstate(invalid="ignore", divide="ignore"):
        div = np.where(tot > 0, tot, np.nan)
        return f / div * 100, nu / div * 100, u / div * 100


def favorable_test(share1: object, n1: object, share2: object, n2: object) -> np.ndarray:
    """Two-sided p for equal % favourable in two samples of ``n1`` and ``n2`` respondents.

    Notes
    -----
    :func:`two_proportion_test` on ``x_i = share_i/100 · n_i`` of ``n_i`` trials. Answers
    within a respondent are not independent, so respondents (not item responses) are the
    trials: the conservative design-effect choice (Kish 1965, *Survey Sampling*, §8.2). A
    sample with no share (NaN) counts as empty, so its p is NaN.
    """
    g, r = _arr(share1) / 100, _arr(share2) / 100
    n1, n2 = _arr(n1), _arr(n2)
    return two_proportion_test(
        np.nan_to_num(g) * n1,
        np.where(np.isnan(g), 0, n1),
        np.nan_to_num(r) * n2,
        np.where(np.isnan(r), 0, n2),
    )


def mean_ci(
    mean: object, sd: object, n: object, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """t-based confidence interval for a mean; NaN where n < 2.

    Notes
    -----
    ``mean ± t_{(1+level)/2, n-1} · sd / √n`` with ``sd`` the sample SD (ddof=1).
    Student (1908); any introductory text, e.g. Moore, McCabe & Craig, *Introduction to the
    Practice of Statistics*, ch. 7.
    """
    mean, sd, n = _arr(mean), _arr(sd), _arr(n)
    ok = n >= 2
    with np.errstate(invalid="ignore", divide="ignore"):
        tcrit = _st.t.ppf((1 + level) / 2, np.where(ok, n - 1, 1))
        half = np.where(ok, tcrit * sd / np.sqrt(np.where(ok, n, 1)), np.nan)
    return mean - half, mean + half


def se_from_ci(low: object, high: object, n: object, level: float = 0.95) -> np.ndarray:
    """The standard error of a mean recovered from its t interval; NaN where n < 2.

    Notes
    -----
    Inverting :func:`mean_ci`: ``se = (high − low) / (2 · t_{(1+level)/2, n−1})``. For the
    bounded interval of the scoring package (asymmetric near the ends of the scale) the full
    width gives the average of the two half-widths, the usual symmetric approximation
    (Cochrane Handbook §6.5.2.2, "obtaining standard errors from confidence intervals").
    """
    low, high, n = _arr(low), _arr(high), _arr(n)
    ok = n >= 2
    with np.errstate(invalid="ignore"):
        t = _st.t.ppf((1 + level) / 2, np.where(ok, n - 1, 1))
    return np.where(ok, (high - low) / (2 * t), np.nan)


def welch_t(
    mean1: object, var1: object, n1: object, mean2: object, var2: object, n2: object
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Welch's unequal-variance t test from summary statistics: (t, df, two-sided p).

    Notes
    -----
    ``t = (m1 − m2) / √(v1/n1 + v2/n2)``, with Welch–Satterthwaite degrees of freedom
    ``df = (v1/n1 + v2/n2)² / ((v1/n1)²/(n1−1) + (v2/n2)²/(n2−1))`` and ``p = 2·P(T_df > |t|)``.
    Same result as ``scipy.stats.ttest_ind(a, b, equal_var=False)`` (checked in the tests).
    Welch, B. L. (1947). Biometrika 34(1–2), 28–35.
    """
    m1, v1, n1, m2, v2, n2 = map(_arr, (mean1, var1, n1, mean2, var2, n2))
    ok = (n1 >= 2) & (n2 >= 2)
    n1s, n2s = np.where(ok, n1, 2.0), np.where(ok, n2, 2.0)
    a, b = v1 / n1s, v2 / n2s
    se2 = a + b
    ok &= se2 > 0
    se2s = np.where(ok, se2, 1.0)
    t = np.where(ok, (m1 - m2) / np.sqrt(se2s), np.nan)
    df = np.where(ok, satterthwaite_df([a, b], [n1s, n2s]), np.nan)
    with np.errstate(invalid="ignore"):
        p = np.where(ok, 2 * _st.t.sf(np.abs(np.nan_to_num(t)), np.nan_to_num(df, nan=1)), np.nan)
    return t, df, p


def satterthwaite_df(terms: Sequence[object], n: Sequence[object]) -> np.ndarray:
    """Welch–Satterthwaite degrees of freedom of a sum of independent squared standard errors.

    Notes
    -----
    With ``a_i = s_i²/n_i`` the squared standard error of sample i's mean:
    ``df = (Σ a_i)² / Σ (a_i² / (n_i − 1))``. Two terms give Welch's t test; four give the
    difference in differences of two groups over two waves. NaN where any ``n_i < 2``, any
    term is NaN or the denominator is 0. Satterthwaite, F. E. (1946). Biometrics Bulletin
    2(6), 110–114; Welch, B. L. (1947). Biometrika 34(1–2), 28–35.
    """
    a = np.broadcast_arrays(*(_arr(t) for t in terms), *(_arr(k) for k in n))
    a, ns = a[: len(terms)], a[len(terms) :]
    ok = np.logical_and.reduce([k >= 2 for k in ns])
    se2 = np.sum(a, axis=0)
    den = np.sum([t**2 / np.where(k >= 2, k - 1, 1.0) for t, k in zip(a, ns, strict=True)], axis=0)
    ok = ok & np.isfinite(den) & (den > 0)
    return np.where(ok, se2**2 / np.where(ok, den, 1.0), np.nan)


def cohens_d(
    mean1: object, sd1: object, n1: object, mean2: object, sd2: object, n2: object
) -> np.ndarray:
    """Standardised mean difference with the pooled SD; NaN when undefined.

    Notes
    -----
    ``d = (m1 − m2) / s_p``, ``s_p = √(((n1−1)s1² + (n2−1)s2²) / (n1 + n2 − 2))``.
    Cohen, J. (1988). *Statistical Power Analysis for the Behavioral Sciences*, 2nd ed., §2.2.
    """
    m1, s1, n1, m2, s2, n2 = map(_arr, (mean1, sd1, n1, mean2, sd2, n2))
    dof = n1 + n2 - 2
    ok = (n1 >= 2) & (n2 >= 2)
    pooled = ((n1 - 1) * s1**2 + (n2 - 1) * s2**2) / np.where(ok, dof, 1.0)
    ok &= pooled > 0
    return np.where(ok, (m1 - m2) / np.sqrt(np.where(ok, pooled, 1.0)), np.nan)


def two_proportion_test(x1: object, n1: object, x2: object, n2: object) -> np.ndarray:
    """Two-sided p for equal proportions: pooled z test, or Fisher's exact test when any
    expected cell count is below 5.

    Notes
    -----
    z test: ``p̂ = (x1+x2)/(n1+n2)``, ``z = (x1/n1 − x2/n2) / √(p̂(1−p̂)(1/n1 + 1/n2))``,
    ``p = 2·(1 − Φ(|z|))`` (Agresti 2013, *Categorical Data Analysis*, §2.1.3). The z
    approximation is poor when an expected count ``n_i·p̂`` or ``n_i·(1−p̂)`` is under 5
    (Cochran 1954), so those cells use ``scipy.stats.fisher_exact`` on the 2×2 table with
    counts rounded to whole numbers. NaN when either sample is empty.
    """
    x1, n1, x2, n2 = map(_arr, (x1, n1, x2, n2))
    shape = np.broadcast_shapes(x1.shape, n1.shape, x2.shape, n2.shape)
    x1, x2, n1, n2 = (np.broadcast_to(v, shape).ravel() for v in (x1, x2, n1, n2))
    out = np.full(x1.shape, np.nan)
    ok = (n1 > 0) & (n2 > 0) & np.isfinite(x1) & np.isfinite(x2)
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = (x1 + x2) / (n1 + n2)
        expected = np.minimum.reduce(
            [n1 * pooled, n1 * (1 - pooled), n2 * pooled, n2 * (1 - pooled)]
        )
        se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        z = (x1 / n1 - x2 / n2) / se
    use_z = ok & (expected >= 5) & (se > 0)
    out[use_z] = 2 * _st.norm.sf(np.abs(z[use_z]))
    for i in np.flatnonzero(ok & ~use_z):
        a, b = round(float(x1[i])), round(float(x2[i]))
        table = [[a, round(float(n1[i])) - a], [b, round(float(n2[i])) - b]]
        out[i] = _st.fisher_exact(table).pvalue
    return out.reshape(shape)


def holm(p: object) -> np.ndarray:
    """Holm step-down adjusted p values; NaN entries are ignored and stay NaN.

    Notes
    -----
    With the m non-missing p values sorted ascending ``p_(1) ≤ … ≤ p_(m)``:
    ``p̃_(i) = min(1, max_{j ≤ i} (m − j + 1)·p_(j))``. Controls the family-wise error rate.
    Holm, S. (1979). Scandinavian Journal of Statistics 6(2), 65–70. Equal to
    ``statsmodels.stats.multitest.multipletests(p, method="holm")`` (checked in the tests).
    """
    p = _arr(p)
    flat = p.ravel()
    out = np.full(flat.shape, np.nan)
    idx = np.flatnonzero(np.isfinite(flat))
    m = idx.size
    if m:
        order = idx[np.argsort(flat[idx], kind="stable")]
        scaled = (m - np.arange(m)) * flat[order]
        out[order] = np.minimum(1.0, np.maximum.accumulate(scaled))
    return out.reshape(p.shape)


def cronbach_alpha(items: pd.DataFrame | np.ndarray) -> float:
    """Cronbach's alpha with listwise deletion (respondents with every item answered).

    Returns NaN for fewer than two items, fewer than two complete respondents, or a zero
    total-score variance.

    Notes
    -----
    ``α = k/(k−1) · (1 − Σσ²_i / σ²_X)``, σ²_i the item variances and σ²_X the variance of the
    summed score (ddof=1 throughout). Listwise deletion equals R
    ``psych::alpha(x, use="complete.obs")`` raw alpha. Cronbach, L. J. (1951). Coefficient
    alpha and the internal structure of tests. Psychometrika 16(3), 297–334.
    """
    x = np.asarray(items, dtype=float)
    if x.ndim != 2 or x.shape[1] < 2:
        return float("nan")
    x = x[~np.isnan(x).any(axis=1)]
    n, k = x.shape
    if n < 2:
        return float("nan")
    item_var = x.var(axis=0, ddof=1).sum()
    total_var = x.sum(axis=1).var(ddof=1)
    if total_var <= 0:
        return float("nan")
    return float(k / (k - 1) * (1 - item_var / total_var))


def wilson(p: object, n: object, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion ``p`` (0–1) of ``n`` trials: (low, high).

    Notes
    -----
    With ``z = Φ⁻¹((1 + level)/2)``::

        centre = (p + z²/(2n)) / (1 + z²/n)
        half   = z / (1 + z²/n) · √(p(1 − p)/n + z²/(4n²))

    The interval lies inside [0, 1] (clipped against rounding). ``n`` may be fractional (an
    effective sample size) or infinite (a point interval at ``p``); NaN where ``n ≤ 0`` or
    ``p`` is NaN. Wilson, E. B. (1927). JASA 22(158), 209–212; Brown, Cai & DasGupta (2001),
    Statistical Science 16(2), 101–133. Equal to statsmodels
    ``proportion_confint(x, n, method="wilson")`` (checked in the tests).
    """
    p, n = np.broadcast_arrays(_arr(p), _arr(n))
    ok = (n > 0) & ~np.isnan(p) & ~np.isnan(n)
    z = float(_st.norm.ppf((1 + level) / 2))
    n_ok = np.where(ok, n, 1.0)
    a = z**2 / n_ok  # 0 for an infinite n
    centre = (p + a / 2) / (1 + a)
    half = z / (1 + a) * np.sqrt(np.maximum(p * (1 - p), 0.0) / n_ok + a / (4 * n_ok))
    lo = np.clip(centre - half, 0.0, 1.0)
    hi = np.clip(centre + half, 0.0, 1.0)
    return np.where(ok, lo, np.nan), np.where(ok, hi, np.nan)


def benjamini_hochberg(p: object) -> np.ndarray:
    """Benjamini–Hochberg adjusted p values (q values); NaN stays NaN and is not counted in m.

    Notes
    -----
    With the m non-missing p values sorted ascending ``p_(1) ≤ … ≤ p_(m)``:
    ``q_(i) = min(1, min_{j ≥ i} m·p_(j)/j)``. Rejecting ``q < α`` controls the false
    discovery rate at α for independent or positively dependent tests. Benjamini, Y. &
    Hochberg, Y. (1995). JRSS B 57(1), 289–300. Equal to statsmodels
    ``multipletests(p, method="fdr_bh")`` (checked in the tests).
    """
    p = _arr(p)
    flat = p.ravel()
    out = np.full(flat.shape, np.nan)
    idx = np.flatnonzero(~np.isnan(flat))
    m = idx.size
    if m:
        order = idx[np.argsort(flat[idx], kind="stable")]
        scaled = flat[order] * m / np.arange(1, m + 1)
        out[order] = np.minimum(1.0, np.minimum.accumulate(scaled[::-1])[::-1])
    return out.reshape(p.shape)
