"""Bounded confidence intervals (analysis.scoring.intervals) and honest group counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint

from analysis.privacy import PrivacyPolicy
from analysis.scoring import group_scores, org_scores, score_responses
from analysis.scoring.intervals import bounded_mean_ci

Z = 1.959963984540054


def test_zero_one_answers_give_wilsons_interval_at_the_adjusted_size() -> None:
    """0/100 answers: n_eff = p(1-p)/(v/n) = n - 1 for the ddof=1 variance; the interval is
    statsmodels' Wilson interval at n* = n_eff (z/t)^2 with the same share."""
    x = np.array([100.0] * 7 + [0.0] * 3)
    n, p = len(x), x.mean() / 100
    lo, hi = bounded_mean_ci(x.mean(), x.std(ddof=1), n)
    n_star = p * (1 - p) / ((x.std(ddof=1) / 100) ** 2 / n) * (Z / sps.t.ppf(0.975, n - 1)) ** 2
    ref_lo, ref_hi = proportion_confint(p * n_star, n_star, alpha=0.05, method="wilson")
    assert (float(lo), float(hi)) == pytest.approx((100 * ref_lo, 100 * ref_hi))


def test_known_values() -> None:
    # five people all at the top: n_eff = n, n* = 5 (1.96/2.776)^2 = 2.4925 -> [39.34, 100]
    lo, hi = bounded_mean_ci(100.0, 0.0, 5)
    assert (float(lo), float(hi)) == pytest.approx((39.34328992, 100.0))
    lo, hi = bounded_mean_ci(0.0, 0.0, 5)  # the mirror image
    assert (float(lo), float(hi)) == pytest.approx((0.0, 60.65671008))
    lo, hi = bounded_mean_ci(50.0, 0.0, 5)  # everyone in the middle: a point, as the t interval
    assert (float(lo), float(hi)) == (50.0, 50.0)
    # the small group (the t interval ran from -17.8 to 37.8)
    lo, hi = bounded_mean_ci(10.0, 20.0, 5)
    assert (float(lo), float(hi)) == pytest.approx((1.15507093, 51.37318807))
    t_lo, _ = sps.t.interval(0.95, 4, loc=10.0, scale=20.0 / np.sqrt(5))
    assert t_lo < 0 < float(lo)
    # n < 2 has no interval
    lo, hi = bounded_mean_ci([50.0, np.nan], [10.0, 1.0], [1, 5])
    assert np.isnan(lo).all() and np.isnan(hi).all()


def test_large_groups_get_the_t_interval() -> None:
    lo, hi = bounded_mean_ci(60.0, 20.0, 2000)
    t_lo, t_hi = sps.t.interval(0.95, 1999, loc=60.0, scale=20.0 / np.sqrt(2000))
    assert float(lo) == pytest.approx(t_lo, abs=0.01) and float(hi) == pytest.approx(t_hi, abs=0.01)


@given(
    st.lists(st.sampled_from([0.0, 25.0, 50.0, 75.0, 100.0]), min_size=2, max_size=40),
    st.floats(min_value=0.5, max_value=0.999),
)
def test_property_inside_the_scale_and_around_the_mean(values, level) -> None:
    x = np.array(values)
    lo, hi = bounded_mean_ci(x.mean(), x.std(ddof=1), len(x), level=level)
    assert 0.0 <= float(lo) <= x.mean() + 1e-9 <= float(hi) + 2e-9 <= 100.0 + 2e-9


def test_same_bits_every_time() -> None:
    rng = np.random.default_rng(3)
    mean, sd, n = rng.uniform(0, 100, 50), rng.uniform(0, 40, 50), rng.integers(2, 90, 50)
    first = np.stack(bounded_mean_ci(mean, sd, n))
    assert np.array_equal(first, np.stack(bounded_mean_ci(mean, sd, n)))


# ------------------------------------------------------------------------------------------
# honest counts: the group's size beside each construct's n


def _skippers() -> pd.DataFrame:
    """Team A: 8 people, 2 of whom answered only construct b; team B: 6; team C: 3."""
    nan = np.nan
    a = [4, 4, 3, 5, 2, 4, nan, nan]
    b = [3, 2, 4, 4, 5, 1, 3, 2]
    return pd.DataFrame(
        {
            "a1": [*a, 1, 2, 3, 4, 5, 3, 2, 2, 2],
            "b1": [*b, 2, 3, 4, 5, 1, 2, 4, 4, 4],
            "team": ["A"] * 8 + ["B"] * 6 + ["C"] * 3,
        }
    )


def _scored():
    df = _skippers()
    meta = pd.DataFrame(
        {
            "construct": ["a", "b"],
            "scale_min": 1,
            "scale_max": 5,
            "favorable_min": 4,
            "unfavorable_max": 2,
            "reverse": False,
        },
        index=["a1", "b1"],
    )
    return score_responses(df[["a1", "b1"]], meta, groups=df[["team"]])


def test_group_size_is_not_the_first_constructs_n() -> None:
    out = group_scores(_scored(), ["team"], PrivacyPolicy(min_group=3)).set_index(
        ["group", "construct"]
    )
    assert not out["suppressed"].any()
    assert out.loc[("A", "a"), "n"] == 6 and out.loc[("A", "b"), "n"] == 8
    assert out.loc[("A", "a"), "group_n"] == 8 == out.loc[("A", "b"), "group_n"]
    assert out.loc[("B", "a"), "group_n"] == 6 and out.loc[("C", "b"), "group_n"] == 3
    assert ((out["ci_low"] >= 0) & (out["ci_high"] <= 100)).all()


def test_group_sizes_cannot_reveal_a_hidden_group_by_subtraction() -> None:
    """Team C (3) is hidden on both constructs, with a different complement on each (A on a,
    B on b). Unprotected sizes beside the visible rows (A's 8 on b, B's 6 on a) would give C's
    size as 17 - 8 - 6 = 3. The sizes are protected as their own table, so B's is hidden too."""
    out = group_scores(_scored(), ["team"], PrivacyPolicy(min_group=5))
    hidden = out.set_index(["group", "construct"])["suppressed"]
    assert hidden[("A", "a")] and hidden[("B", "b")] and hidden[("C", "a")] and hidden[("C", "b")]
    assert out.loc[out["suppressed"], "group_n"].isna().all()
    sizes = out.groupby("group")["group_n"].max()
    assert sizes.dropna().to_dict() == {"A": 8.0}
    assert 17 - sizes.sum() == 9  # B and C together, never C alone
    org = org_scores(_scored(), PrivacyPolicy(min_group=5))
    assert ((org["ci_low"] >= 0) & (org["ci_high"] <= 100)).all()
