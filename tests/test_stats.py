"""Known-value tests for the statistical primitives."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from analysis import stats

# 15 respondents x 10 items (Q1..Q10). Source: the `cronbach_alpha` example data set shipped with
# pingouin (raphaelvallat/pingouin, pingouin/datasets/cronbach_alpha.csv, long format pivoted to
# wide). pingouin documents alpha = 0.591719 for it and is validated against R psych::alpha.
PINGOUIN_ALPHA_DATA = np.array(
    [
        [3, 2, 4, 1, 4, 5, 1, 4, 3, 2],
        [5, 4, 6, 3, 5, 1, 2, 5, 5, 5],
        [7, 3, 5, 5, 6, 4, 3, 3, 6, 5],
        [2, 4, 3, 3, 2, 2, 2, 6, 6, 3],
        [6, 5, 6, 5, 4, 4, 4, 6, 7, 5],
        [1, 2, 3, 4, 2, 5, 2, 3, 5, 2],
        [4, 3, 5, 3, 5, 2, 1, 2, 4, 3],
        [2, 4, 4, 3, 7, 2, 2, 4, 6, 5],
        [6, 5, 5, 5, 1, 6, 5, 2, 3, 2],
        [5, 4, 6, 4, 3, 5, 3, 1, 7, 2],
        [4, 3, 5, 2, 5, 3, 2, 3, 4, 1],
        [4, 2, 3, 2, 5, 3, 4, 2, 3, 4],
        [5, 5, 6, 2, 3, 3, 2, 4, 4, 5],
        [6, 5, 5, 4, 2, 2, 1, 4, 6, 5],
        [4, 3, 5, 5, 3, 1, 3, 2, 3, 4],
    ],
    dtype=float,
)


def test_cronbach_alpha_published_value() -> None:
    assert stats.cronbach_alpha(PINGOUIN_ALPHA_DATA) == pytest.approx(0.591719, abs=5e-7)


def test_cronbach_alpha_hand_computed() -> None:
    # 4 respondents, 2 items: item variances 5/3 and 5/3 (ddof=1); totals 3,5,7,9 -> variance 20/3.
    x = np.array([[1, 2], [2, 3], [3, 4], [4, 5]], dtype=float)
    assert stats.cronbach_alpha(x) == pytest.approx(2 * (1 - (10 / 3) / (20 / 3)))  # 1.0


def test_cronbach_alpha_listwise_and_degenerate() -> None:
    with_gap = np.vstack([PINGOUIN_ALPHA_DATA, [np.nan] + [3.0] * 9])
    assert stats.cronbach_alpha(with_gap) == pytest.approx(0.591719, abs=5e-7)
    assert math.isnan(stats.cronbach_alpha(PINGOUIN_ALPHA_DATA[:, :1]))
    assert math.isnan(stats.cronbach_alpha(np.ones((5, 3))))
    assert math.isnan(stats.cronbach_alpha(PINGOUIN_ALPHA_DATA[:1]))


def test_mean_ci_hand_computed() -> None:
    # values 2, 4, 6, 8: mean 5, sd sqrt(20/3), t_{0.975,3} = 3.182446305284263
    lo, hi = stats.mean_ci(5.0, math.sqrt(20 / 3), 4)
    half = 3.182446305284263 * math.sqrt(20 / 3) / 2
    assert lo == pytest.approx(5 - half)
    assert hi == pytest.approx(5 + half)
    lo, hi = stats.mean_ci([5.0], [0.0], [1])
    assert np.isnan(lo).all() and np.isnan(hi).all()


@given(
    st.lists(st.integers(1, 5), min_size=2, max_size=40),
    st.lists(st.integers(1, 5), min_size=2, max_size=40),
)
def test_welch_matches_scipy(a: list[int], b: list[int]) -> None:
    x, y = np.array(a, float), np.array(b, float)
    t, _, p = stats.welch_t(x.mean(), x.var(ddof=1), len(x), y.mean(), y.var(ddof=1), len(y))
    if x.var() == 0 and y.var() == 0:
        assert np.isnan(p)
        return
    with warnings.catch_warnings():  # scipy warns about a constant sample; the value is still exact
        warnings.simplefilter("ignore", RuntimeWarning)
        ref = sps.ttest_ind(x, y, equal_var=False)
    assert float(t) == pytest.approx(ref.statistic, rel=1e-9, abs=1e-12)
    assert float(p) == pytest.approx(ref.pvalue, rel=1e-7, abs=1e-12)


def test_welch_undefined_is_nan() -> None:
    _, _, p = stats.welch_t([3.0, 3.0], [1.0, 0.0], [1, 5], [2.0, 3.0], [1.0, 0.0], [5, 5])
    assert np.isnan(p).all()


@settings(max_examples=25)  # statsmodels' multipletests takes ~60 ms a call
@given(st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=50))
def test_holm_matches_statsmodels(p: list[float]) -> None:
    ref = multipletests(p, method="holm")[1]
    np.testing.assert_allclose(stats.holm(p), ref, rtol=1e-12, atol=1e-15)


def test_holm_hand_example_and_nan() -> None:
    # Holm (1979): sorted 0.01, 0.02, 0.03, 0.04 times 4, 3, 2, 1, running max -> .04 .06 .06 .06
    got = stats.holm([0.04, np.nan, 0.01, 0.03, 0.02])
    np.testing.assert_allclose(got, [0.06, np.nan, 0.04, 0.06, 0.06])


def test_cohens_d_hand_computed() -> None:
    # a = 1,2,3 (sd 1), b = 3,4,5 (sd 1): pooled sd 1, d = -2
    assert float(stats.cohens_d(2, 1, 3, 4, 1, 3)) == pytest.approx(-2.0)
    assert np.isnan(stats.cohens_d(2, 0, 3, 2, 0, 3))


def test_two_proportion_z_and_fisher() -> None:
    # large counts -> z test equal to statsmodels' proportions_ztest (pooled)
    from statsmodels.stats.proportion import proportions_ztest

    p = stats.two_proportion_test(60, 100, 45, 100)
    ref = proportions_ztest([60, 45], [100, 100])[1]
    assert float(p) == pytest.approx(ref)
    # small expected counts -> Fisher exact
    p = stats.two_proportion_test(1, 6, 30, 40)
    assert float(p) == pytest.approx(sps.fisher_exact([[1, 5], [30, 10]]).pvalue)
    assert np.isnan(stats.two_proportion_test(0, 0, 3, 10))
    # identical all-favourable groups: no evidence of a difference
    assert float(stats.two_proportion_test(10, 10, 20, 20)) == pytest.approx(1.0)


def test_moments_hand_computed_and_undefined() -> None:
    # values 2, 4, 6, 8: n 4, sum 20, sum of squares 120 -> mean 5, variance 20/3
    mean, var = stats.moments([4, 1, 0], [20, 7, 0], [120, 49, 0])
    assert mean[0] == pytest.approx(5.0) and var[0] == pytest.approx(20 / 3)
    assert mean[1] == 7.0 and np.isnan(var[1])  # one value: a mean, no variance
    assert np.isnan(mean[2]) and np.isnan(var[2])
    # identical values whose sums round: the variance is floored at 0, never negative
    _, var = stats.moments(3, 3 * 0.1, 3 * 0.1**2)
    assert var >= 0


@given(st.lists(st.floats(0, 100, allow_nan=False), min_size=2, max_size=40))
def test_moments_match_numpy(values: list[float]) -> None:
    x = np.array(values)
    mean, var = stats.moments(len(x), x.sum(), (x**2).sum())
    assert float(mean) == pytest.approx(x.mean(), rel=1e-9, abs=1e-9)
    assert float(var) == pytest.approx(x.var(ddof=1), rel=1e-6, abs=1e-6)


def test_box_shares_hand_computed() -> None:
    # 6 favourable, 3 neutral, 1 unfavourable of 10 answers -> 60 / 30 / 10 %
    fav, neu, unf = stats.box_shares([6, 0], [3, 0], [1, 0])
    assert (fav[0], neu[0], unf[0]) == pytest.approx((60.0, 30.0, 10.0))
    assert np.isnan([fav[1], neu[1], unf[1]]).all()  # no answers: no share


def test_favorable_test_uses_respondents_as_trials() -> None:
    # 60% of 100 vs 45% of 100 respondents: the two-proportion test on 60/100 vs 45/100
    p = stats.favorable_test(60.0, 100, 45.0, 100)
    assert float(p) == pytest.approx(float(stats.two_proportion_test(60, 100, 45, 100)))
    # a sample with no share is empty: no test
    assert np.isnan(stats.favorable_test(np.nan, 10, 50.0, 20))


def test_wilson_known_values() -> None:
    # p = 0.5 of 100: 0.5 ± 1.96·√(0.0025 + 0.000096)/1.0384 -> [0.40383, 0.59617]
    lo, hi = stats.wilson(0.5, 100)
    assert (float(lo), float(hi)) == pytest.approx((0.403831, 0.596169), abs=1e-6)
    lo, hi = stats.wilson(0.0, 10)  # none of 10: [0, z²/(n + z²)] = [0, 0.27753]
    assert float(lo) == 0.0 and float(hi) == pytest.approx(0.277533, abs=1e-6)
    lo, hi = stats.wilson([0.3, 0.3], [np.inf, 0])  # infinite n: a point; no trials: NaN
    assert (lo[0], hi[0]) == (0.3, 0.3) and np.isnan(lo[1]) and np.isnan(hi[1])
    assert np.isnan(stats.wilson(np.nan, 10)[0])


@given(st.integers(1, 200), st.floats(0, 1), st.floats(0.5, 0.99))
def test_wilson_matches_statsmodels(n: int, share: float, level: float) -> None:
    x = round(share * n)
    lo, hi = stats.wilson(x / n, n, level)
    ref = proportion_confint(x, n, alpha=1 - level, method="wilson")
    assert (float(lo), float(hi)) == pytest.approx(ref, abs=1e-12)


def test_benjamini_hochberg_hand_example_and_nan() -> None:
    # sorted 0.01, 0.02, 0.03, 0.5 times 4/1, 4/2, 4/3, 4/4 = .04 .04 .04 .5; running min from top
    got = stats.benjamini_hochberg([0.5, np.nan, 0.03, 0.01, 0.02])
    np.testing.assert_allclose(got, [0.5, np.nan, 0.04, 0.04, 0.04])
    assert stats.benjamini_hochberg([]).size == 0


@given(st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=50))
def test_benjamini_hochberg_matches_statsmodels(p: list[float]) -> None:
    ref = multipletests(p, method="fdr_bh")[1]
    np.testing.assert_allclose(stats.benjamini_hochberg(p), ref, rtol=1e-12, atol=1e-15)


def test_satterthwaite_df_hand_computed() -> None:
    # two equal terms of n = 11: (1 + 1)² / (1/10 + 1/10) = 20; four: 4² / (4/10) = 40
    assert float(stats.satterthwaite_df([1.0, 1.0], [11, 11])) == pytest.approx(20.0)
    assert float(stats.satterthwaite_df([1.0] * 4, [11] * 4)) == pytest.approx(40.0)
    # unequal: (0.5 + 2)² / (0.25/4 + 4/9) = 6.25 / 0.50694 = 12.3288
    assert float(stats.satterthwaite_df([0.5, 2.0], [5, 10])) == pytest.approx(12.32877, rel=1e-5)
    got = stats.satterthwaite_df([[1.0, 1.0], [1.0, np.nan]], [[1, 11], [11, 11]])
    assert np.isnan(got).all()  # n < 2, a missing term
    # Welch's df is the two-term case
    _, df, _ = stats.welch_t(3.0, 4.0, 8, 2.0, 9.0, 12)
    assert float(df) == pytest.approx(float(stats.satterthwaite_df([4 / 8, 9 / 12], [8, 12])))


def test_se_from_ci_inverts_the_t_interval() -> None:
    # values 2, 4, 6, 8: sd sqrt(20/3), se = sd / 2 = 1.29099; the t interval gives it back
    lo, hi = stats.mean_ci(5.0, math.sqrt(20 / 3), 4)
    assert float(stats.se_from_ci(lo, hi, 4)) == pytest.approx(math.sqrt(20 / 3) / 2)
    assert float(stats.se_from_ci(0.0, 2 * 3.182446305284263, 4)) == pytest.approx(1.0)
    assert np.isnan(stats.se_from_ci([1.0], [2.0], [1])).all()
