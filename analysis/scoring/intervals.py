"""Confidence intervals for a mean score that stay inside the scale (0–100).

A t interval ``mean ± t·sd/√n`` ignores that scores are bounded: five people near the top of
the scale get an interval that runs past 100 (the issue showed −17.8 to 37.8). Here the mean
on 0–100 is read as a proportion ``p`` of the range, and the interval is Wilson's score
interval with an *effective sample size*, the way survey statisticians bound a proportion
estimated from clustered or weighted data.
"""

from __future__ import annotations

import numpy as np
from scipy import stats as _st

__all__ = ["bounded_mean_ci"]


def bounded_mean_ci(
    mean: object,
    sd: object,
    n: object,
    *,
    low: float = 0.0,
    high: float = 100.0,
    level: float = 0.95,
) -> tuple[np.ndarray, np.ndarray]:
    """A confidence interval for a mean on ``[low, high]`` that never leaves the range.

    Notes
    -----
    With ``p = (mean − low)/(high − low)`` and ``v = (sd/(high − low))²`` (sample variance,
    ddof = 1) the effective sample size is ``n_eff = p(1 − p) / (v/n)``, the number of 0/1
    answers that would give the same standard error (Kish's design effect). For 0/1 data it is
    about ``n``; for answers bunched near the mean it is larger. It is adjusted for the
    degrees of freedom as Korn & Graubard do, ``n* = n_eff · (z/t_{n−1})²`` with
    ``z = Φ⁻¹((1+level)/2)``, so that for large samples the interval equals the t interval,
    and Wilson's interval is taken at ``n*``::

        centre = (p + z²/(2n*)) / (1 + z²/n*)
        half   = z / (1 + z²/n*) · √(p(1 − p)/n* + z²/(4n*²))

    Wilson's interval lies inside [0, 1], so the result lies inside [low, high]. Edge cases:
    a mean on a bound (everyone answered the same extreme) has ``v = 0``; it takes
    ``n_eff = n``, as 0/1 data would, so five people all at 100 get [56.6, 100] rather than
    the single point the t interval gives; a mean inside the range with ``v = 0`` (everyone
    gave the same middle answer) has an infinite ``n_eff`` and a point interval, as the t
    interval has. NaN where ``n < 2``.

    References: Wilson, E. B. (1927). Probable inference, the law of succession, and
    statistical inference. JASA 22(158), 209–212. Korn, E. L. & Graubard, B. I. (1998).
    Confidence intervals for proportions with small expected number of positive counts
    estimated from survey data. Survey Methodology 24(2), 193–201. Kish, L. (1965). Survey
    Sampling, §8.2 (design effect).
    """
    mean, sd, n = (np.asarray(x, dtype=float) for x in (mean, sd, n))
    width = high - low
    ok = (n >= 2) & ~np.isnan(mean)
    n_ok = np.where(ok, n, 2.0)
    p = np.clip((np.where(ok, mean, low) - low) / width, 0.0, 1.0)
    v = np.where(ok, np.nan_to_num(sd) / width, 0.0) ** 2
    pq = p * (1 - p)
    z = _st.norm.ppf((1 + level) / 2)
    t = _st.t.ppf((1 + level) / 2, n_ok - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = np.where(pq == 0, n_ok, np.where(v > 0, pq * n_ok / v, np.inf))
        n_star = n_eff * (z / t) ** 2
        a = np.where(np.isinf(n_star), 0.0, z**2 / n_star)  # z²/n*
        centre = (p + a / 2) / (1 + a)
        half = (
            z / (1 + a) * np.sqrt(np.where(np.isinf(n_star), 0.0, pq / n_star + a**2 / (4 * z**2)))
        )
    lo = np.clip(centre - half, 0.0, 1.0) * width + low
    hi = np.clip(centre + half, 0.0, 1.0) * width + low
    return np.where(ok, lo, np.nan), np.where(ok, hi, np.nan)
