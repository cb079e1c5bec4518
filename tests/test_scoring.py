"""Scoring: hand-computed cases, the IBM HR file against an independent pandas computation,
planted differences, privacy on every output, and speed."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests

from analysis.privacy import PrivacyError, PrivacyPolicy, reason_skipped
from analysis.scoring import (
    NO_ANSWER,
    enps,
    group_scores,
    item_scores,
    org_scores,
    prepare,
    score_responses,
)

T975_DF3 = 3.182446305284263  # t_{0.975, 3}
GROUP_COLUMNS = [
    "grouping", "group", "team", "construct", "n", "group_n", "score", "ci_low", "ci_high",
    "favorable",
    "neutral", "unfavorable", "rest_score", "diff_vs_rest", "effect_size", "p", "p_fav",
    "p_adj", "p_fav_adj", "suppressed", "suppressed_reason",
]  # fmt: skip


def wilson_effective(mean: float, sd: float, n: int, t: float | None = None) -> tuple[float, float]:
    """The bounded interval written out by hand (analysis.scoring.intervals): Wilson's interval
    at the effective sample size p(1-p)/(var/n), scaled by (z/t)^2."""
    z = 1.959963984540054
    t = sps.t.ppf(0.975, n - 1) if t is None else t
    p, v = mean / 100, (sd / 100) ** 2
    n_star = p * (1 - p) / (v / n) * (z / t) ** 2
    centre = (p + z * z / (2 * n_star)) / (1 + z * z / n_star)
    half = z / (1 + z * z / n_star) * math.sqrt(p * (1 - p) / n_star + z * z / (4 * n_star**2))
    return 100 * (centre - half), 100 * (centre + half)


def _meta(rows: dict[str, tuple]) -> pd.DataFrame:
    cols = ["construct", "scale_min", "scale_max", "favorable_min", "unfavorable_max", "reverse"]
    return pd.DataFrame.from_dict(rows, orient="index", columns=cols)


def _five() -> pd.DataFrame:
    nan = np.nan
    return pd.DataFrame(
        {
            "a1": [5, 3, nan, 1, 4],
            "a2": [4, 2, nan, nan, 5],
            "a3": [1, 4, 3, 5, 2],  # reverse-keyed
            "b1": [4, 1, 2, 3, nan],  # 1-4 scale
            "b2": [10, 0, nan, 8, nan],  # 0-10 scale
        }
    )


FIVE_META = _meta(
    {
        "a1": ("trust", 1, 5, 4, 2, False),
        "a2": ("trust", 1, 5, 4, 2, False),
        "a3": ("trust", 1, 5, 4, 2, True),
        "b1": ("mixed", 1, 4, 3, 2, False),
        "b2": ("mixed", 0, 10, 9, 6, False),
    }
)


def test_five_respondents_by_hand() -> None:
    sc = score_responses(_five(), FIVE_META)
    # trust: r0 (100, 75, 100); r1 (50, 25, 25); r2 answered 1 of 3 < half -> NaN;
    # r3 (0, -, 0); r4 (75, 100, 75)
    expected_trust = [275 / 3, 100 / 3, np.nan, 0.0, 250 / 3]
    np.testing.assert_allclose(sc.constructs["trust"], expected_trust)
    # mixed: r0 (100, 100); r1 (0, 0); r2 (100/3 only, 1 of 2 is enough); r3 (200/3, 80); r4 NaN
    np.testing.assert_allclose(
        sc.constructs["mixed"], [100, 0, 100 / 3, (200 / 3 + 80) / 2, np.nan]
    )
    assert sc.items["a3"].tolist() == [5, 2, 3, 1, 4]  # reverse-coded 6 - x

    org = org_scores(sc, PrivacyPolicy(min_group=3)).set_index("construct")
    vals = np.array([275 / 3, 100 / 3, 0.0, 250 / 3])
    mean, sd = vals.mean(), vals.std(ddof=1)
    row = org.loc["trust"]
    assert row["n"] == 4
    assert row["score"] == pytest.approx(52.083333333)
    lo, hi = wilson_effective(mean, sd, 4, t=T975_DF3)
    assert row["ci_low"] == pytest.approx(lo)
    assert row["ci_high"] == pytest.approx(hi)
    # boxes over answered item responses of scored respondents: fav r0 3 + r4 3; neutral r1 a1;
    # unfavourable r1 a2, a3 + r3 a1, a3 -> 6 / 1 / 4 of 11 (r2's lone answer is not counted)
    assert row["favorable"] == pytest.approx(600 / 11)
    assert row["neutral"] == pytest.approx(100 / 11)
    assert row["unfavorable"] == pytest.approx(400 / 11)
    # mixed: r0 fav fav; r1 unf unf; r2 unf; r3 fav (b1=3) + neutral (b2=8)
    assert org.loc["mixed", "favorable"] == pytest.approx(300 / 7)
    assert org.loc["mixed", "neutral"] == pytest.approx(100 / 7)
    # alpha (listwise: r0, r1, r4), covariance form k/(k-1) * (1 - tr C / sum C)
    complete = np.array([[100, 75, 100], [50, 25, 25], [75, 100, 75]], dtype=float)
    c = np.cov(complete, rowvar=False)
    assert row["alpha"] == pytest.approx(1.5 * (1 - np.trace(c) / c.sum()))


def test_min_item_share_and_validation() -> None:
    sc = score_responses(_five(), FIVE_META, min_item_share=0.75)
    assert np.isnan(sc.constructs["trust"].iloc[3])  # 2 of 3 < 0.75
    with pytest.raises(ValueError, match="outside their scale"):
        score_responses(_five().assign(a1=[6, 1, 1, 1, 1]), FIVE_META)
    with pytest.raises(ValueError, match="No scale information"):
        score_responses(_five().assign(zz=1.0), FIVE_META)
    with pytest.raises(ValueError, match="minimum share"):
        score_responses(_five(), FIVE_META, min_item_share=0)


def test_single_item_construct_has_no_alpha_and_low_alpha_warns() -> None:
    rng = np.random.default_rng(3)
    vals = pd.DataFrame(rng.integers(1, 6, (200, 3)).astype(float), columns=["x1", "x2", "y"])
    meta = _meta({"x1": ("x", 1, 5, 4, 2, False), "x2": ("x", 1, 5, 4, 2, False)})
    meta.loc["y"] = ["y", 1, 5, 4, 2, False]
    org = org_scores(score_responses(vals, meta)).set_index("construct")
    assert not org["suppressed"].any()
    assert np.isnan(org.loc["y", "alpha"]) and org.loc["y", "alpha_warning"] == ""
    assert org.loc["x", "alpha"] < 0.6  # independent random items
    assert "low reliability" in org.loc["x", "alpha_warning"]


def test_org_row_is_protected_too() -> None:
    sc = score_responses(_five(), FIVE_META)
    org = org_scores(sc, PrivacyPolicy(min_group=5)).set_index("construct")
    assert org["suppressed"].all() and org["score"].isna().all() and org["n"].isna().all()


# ------------------------------------------------------------------------------------------
# the IBM HR file, via plain numbers and via prepare() with a mapping

SAT = [
    "EnvironmentSatisfaction",
    "JobSatisfaction",
    "RelationshipSatisfaction",
    "JobInvolvement",
    "WorkLifeBalance",
]


@pytest.fixture(scope="module")
def ibm(real_dir) -> pd.DataFrame:
    return pd.read_csv(real_dir / "ibm_hr_employee_attrition.csv", encoding="utf-8-sig")


def _ibm_scored(df: pd.DataFrame):
    meta = _meta(dict.fromkeys(SAT, ("satisfaction", 1, 4, 3, 2, False)))
    return score_responses(df[SAT].astype(float), meta, groups=df[["Department", "JobRole"]])


@pytest.mark.parametrize("by", ["Department", "JobRole"])
def test_ibm_matches_independent_pandas(ibm: pd.DataFrame, by: str) -> None:
    got = group_scores(_ibm_scored(ibm), [by]).set_index(by)
    assert not got["suppressed"].any()
    person = ((ibm[SAT] - 1) / 3 * 100).mean(axis=1)
    fav = (ibm[SAT] >= 3).sum(axis=1)
    ps = []
    for name, idx in ibm.groupby(by).groups.items():
        x, rest = person[idx], person.drop(idx)
        row = got.loc[name]
        assert row["n"] == len(x)
        assert row["score"] == pytest.approx(x.mean())
        lo, hi = wilson_effective(x.mean(), x.std(), len(x))
        assert row["ci_low"] == pytest.approx(lo) and row["ci_high"] == pytest.approx(hi)
        # with 60+ people per group it is the t interval to within a tenth of a point
        t_lo, t_hi = sps.t.interval(
            0.95, len(x) - 1, loc=x.mean(), scale=x.std() / math.sqrt(len(x))
        )
        assert row["ci_low"] == pytest.approx(t_lo, abs=0.1)
        assert row["ci_high"] == pytest.approx(t_hi, abs=0.1)
        assert row["group_n"] == len(idx)
        assert row["favorable"] == pytest.approx(fav[idx].sum() / (5 * len(x)) * 100)
        assert row["rest_score"] == pytest.approx(rest.mean())
        welch = sps.ttest_ind(x, rest, equal_var=False)
        assert row["p"] == pytest.approx(welch.pvalue, rel=1e-6)
        pooled = math.sqrt(
            ((len(x) - 1) * x.var() + (len(rest) - 1) * rest.var()) / (len(x) + len(rest) - 2)
        )
        assert row["effect_size"] == pytest.approx((x.mean() - rest.mean()) / pooled)
        ps.append((name, welch.pvalue))
    names, pvals = zip(*ps, strict=True)
    adj = multipletests(pvals, method="holm")[1]
    for name, a in zip(names, adj, strict=True):
        assert got.loc[name, "p_adj"] == pytest.approx(a, rel=1e-6)


def test_ibm_through_prepare_with_a_mapping(ibm: pd.DataFrame) -> None:
    from analysis.scales import get_scale

    scale = get_scale({"1": 1, "2": 2, "3": 3, "4": 4})
    text = ibm.astype(str)
    export = SimpleNamespace(responses=text)
    specs = [SimpleNamespace(name="Department", role="team", construct=None, reverse=False,
                             question="", scale=None)]  # fmt: skip
    specs += [SimpleNamespace(name=c, role="item", construct="satisfaction", reverse=False,
                              question="", scale="sat") for c in SAT]  # fmt: skip
    colmap = SimpleNamespace(columns=specs, scale_for=lambda _name: scale)
    sc = prepare(export, colmap, None)
    assert sc.construct_meta.loc["satisfaction", "direction"] == "higher_better"
    direct = group_scores(_ibm_scored(ibm), ["Department"])
    via = group_scores(sc, ["Department"])
    pd.testing.assert_series_equal(via["score"], direct["score"])
    pd.testing.assert_series_equal(via["favorable"], direct["favorable"])


def test_ibm_crossed_and_nested(ibm: pd.DataFrame) -> None:
    sc = _ibm_scored(ibm)
    crossed = group_scores(sc, ["Department", "JobRole"])  # smallest cell: 11
    assert crossed["grouping"].iloc[0] == "Department × JobRole"
    assert len(crossed) == 11 and not crossed["suppressed"].any()
    cell = crossed.set_index("group").loc["Human Resources × Manager"]
    mask = (ibm["Department"] == "Human Resources") & (ibm["JobRole"] == "Manager")
    assert cell["n"] == 11
    assert cell["score"] == pytest.approx(((ibm.loc[mask, SAT] - 1) / 3 * 100).mean(axis=1).mean())
    # A real structural leak: the job role "Human Resources" exists only in the HR department,
    # so HR x Manager (11) = department HR (63) - role HR (52). With a minimum above 11 that
    # cell would have to hide, and no amount of hiding cells protects it: refuse.
    with pytest.raises(PrivacyError, match="can't be shown safely"):
        group_scores(sc, ["Department", "JobRole"], PrivacyPolicy(min_group=12))
    nested = group_scores(sc, ["Department", "JobRole"], PrivacyPolicy(min_group=12), nested=True)
    assert set(nested["grouping"]) == {"Department", "Department › JobRole"}
    # within Human Resources the Manager cell (11) hides, and so must its only sibling
    hr = nested[(nested["Department"] == "Human Resources") & nested["JobRole"].notna()]
    assert hr["suppressed"].all() and hr["score"].isna().all() and hr["n"].isna().all()
    assert set(hr["suppressed_reason"]) == {
        "fewer than 12 responses",
        "so a smaller group can't be worked out by subtraction",
    }
    top = nested[nested["grouping"] == "Department"]
    assert not top["suppressed"].any()


# ------------------------------------------------------------------------------------------
# planted differences, other tables


def _planted(n_per_team: int = 60, seed: int = 0):
    rng = np.random.default_rng(seed)
    teams = np.repeat(["Alpha", "Beta", "Gamma", "LowTrust"], n_per_team)
    base = rng.normal(3.4, 0.8, (len(teams), 4))
    base[teams == "LowTrust"] -= 1.0
    vals = pd.DataFrame(np.clip(np.rint(base), 1, 5), columns=["t1", "t2", "t3", "t4"])
    meta = _meta(dict.fromkeys(vals, ("trust", 1, 5, 4, 2, False)))
    return score_responses(vals, meta, groups=pd.DataFrame({"team": teams}))


def test_planted_low_trust_team_is_significant() -> None:
    out = group_scores(_planted(), "team").set_index("team")
    assert list(out.columns) == [c for c in GROUP_COLUMNS if c != "team"]
    low = out.loc["LowTrust"]
    assert low["diff_vs_rest"] < -15 and low["effect_size"] < -0.8
    assert low["p_adj"] < 0.001 and low["p_fav_adj"] < 0.05
    # vs the rest of the organisation, which includes LowTrust, the others look higher
    assert (out.drop("LowTrust")["diff_vs_rest"] > 0).all()
    assert out["p"].idxmin() == "LowTrust"


def test_group_columns_and_missing_group_label() -> None:
    sc = score_responses(
        _five(), FIVE_META, groups=pd.DataFrame({"team": ["A", None, "A", " ", "B"]})
    )
    assert sc.groups["team"].tolist() == ["A", NO_ANSWER, "A", NO_ANSWER, "B"]
    out = group_scores(sc, ["team"], PrivacyPolicy(min_group=3))
    assert list(out.columns) == GROUP_COLUMNS
    assert out["suppressed"].all()  # every group is under 3
    with pytest.raises(ValueError, match="not a team, role or demographic column"):
        group_scores(sc, ["nope"])


def test_item_scores_by_hand() -> None:
    # The five respondents three times over: means and shares are those of the five; the
    # people who skipped some items of a construct (2 of 5 each) are then 6, enough to show.
    sc = score_responses(pd.concat([_five()] * 3, ignore_index=True), FIVE_META)
    items = item_scores(sc, None, PrivacyPolicy(min_group=3)).set_index("item")
    assert items.loc["a3", "n"] == 15 and items.loc["a3", "mean"] == pytest.approx(3.0)
    assert items.loc["a3", "score"] == pytest.approx(50.0)
    assert items.loc["a3", "favorable"] == pytest.approx(40.0)  # reverse-coded 5 and 4
    assert items.loc["b2", "n"] == 9 and not items.loc["b2", "suppressed"]
    items10 = item_scores(sc, None, PrivacyPolicy(min_group=10)).set_index("item")
    assert items10.loc["b2", "suppressed"] and np.isnan(items10.loc["b2", "mean"])


def test_item_stack_is_small_integers_for_whole_answers_and_float_for_decimals() -> None:
    from analysis.scoring.stacks import item_stack

    sc = score_responses(_five(), FIVE_META)
    stack = item_stack(sc)
    assert stack.dtype == np.int8 and stack.shape == (5, 5 * 5) and stack.flags.f_contiguous
    np.testing.assert_array_equal(stack[:, 5:10], sc.items.fillna(0).to_numpy())  # values
    slider = _five().astype(float)
    slider.loc[0, "b2"] = 7.5  # a decimal answer: the stack stays float64, same layout
    assert item_stack(score_responses(slider, FIVE_META)).dtype == np.float64
    # one item beyond ±127 makes the whole stack int16: valid, value, fav, neutral, unfav
    wide = pd.DataFrame({"q": [300.0, np.nan, 10.0], "r": [1.0, 5.0, np.nan]})
    meta = _meta({"q": ("c", 0, 500, 250, 100, False), "r": ("c", 1, 5, 4, 2, False)})
    stack = item_stack(score_responses(wide, meta))
    assert stack.dtype == np.int16
    np.testing.assert_array_equal(
        stack,
        [
            [1, 1, 300, 1, 1, 0, 0, 0, 0, 1],
            [0, 1, 0, 5, 0, 1, 0, 0, 0, 0],
            [1, 0, 10, 0, 0, 0, 0, 0, 1, 0],
        ],
    )


@given(
    st.lists(st.one_of(st.none(), st.integers(-2048, 2048)), min_size=1, max_size=60),
    st.sampled_from([None, 0.5, 2049.0]),
)
def test_kept_answers_are_half_floats_only_when_that_is_exact(answers, odd) -> None:
    """Whole answers within ±2048 are kept as float16; the counts the readers make (no answer,
    equal to a scale point) are those of the float64 answers. A decimal or larger answer
    keeps them float64."""
    from analysis.scoring import Answers
    from analysis.scoring.model import keep_answers

    values = np.array([np.nan if a is None else a for a in answers], dtype=float)
    if odd is not None:
        values[0] = odd
    n = len(values)
    sc = score_responses(pd.DataFrame({"q": np.ones(n)}), _meta({"q": ("c", 1, 5, 4, 2, False)}))
    keep_answers(sc, {"q": Answers(values, np.zeros(n, bool), ~np.isnan(values))})
    kept = sc.answers["q"].values
    assert kept.dtype == (np.float64 if odd is not None else np.float16)
    np.testing.assert_array_equal(np.isnan(kept), np.isnan(values))
    for point in (*np.unique(values[~np.isnan(values)]), 1.0, 0.5, 2048.0):
        assert np.count_nonzero(kept == float(point)) == np.count_nonzero(values == point)


def test_whole_type_is_the_narrowest_exact_integer_type() -> None:
    from analysis.scoring.stacks import whole_type

    assert whole_type(np.array([0.0, 127.0, -127.0])) is np.int8
    assert whole_type(np.array([0.0, 128.0])) is np.int16
    assert whole_type(np.array([-32767.0, 5.0])) is np.int16
    assert whole_type(np.array([2.0**15])) is np.float64
    assert whole_type(np.array([1.0, 2.5])) is np.float64
    assert whole_type(np.zeros(0)) is np.int8
    for x in (np.array([3.0, -127.0]), np.array([300.0, -2.0])):
        assert (x.astype(whole_type(x)) == x).all()  # exact


@given(
    st.lists(st.one_of(st.none(), st.integers(1, 5)), min_size=3, max_size=40),
    st.lists(st.one_of(st.none(), st.integers(0, 10)), min_size=3, max_size=40),
)
def test_item_0_100_score_is_the_mean_of_each_answer_on_0_100(five, eleven) -> None:
    n = min(len(five), len(eleven))
    df = pd.DataFrame({"a1": five[:n], "b2": eleven[:n]}, dtype=float)
    meta = _meta({"a1": ("t", 1, 5, 4, 2, False), "b2": ("m", 0, 10, 9, 6, False)})
    items = item_scores(score_responses(df, meta), None, PrivacyPolicy(min_group=3))
    items = items.set_index("item")
    for item, lo, hi in (("a1", 1, 5), ("b2", 0, 10)):
        x = df[item].dropna()
        if not items.loc[item, "suppressed"]:
            want = float(((x - lo) / (hi - lo) * 100).mean())
            assert items.loc[item, "score"] == pytest.approx(want, rel=1e-12, abs=1e-12)


def test_item_rows_hidden_when_a_few_skipped_some_items_of_the_construct() -> None:
    """Respondents 3 and 4 skipped some trust items (a1/a2): with the trust score shown, the
    trust item totals would solve for their answers, so trust's item rows are hidden; the
    mixed construct's skippers (respondents 2 and 4) likewise."""
    sc = score_responses(_five(), FIVE_META)
    items = item_scores(sc, None, PrivacyPolicy(min_group=3)).set_index("item")
    assert items["suppressed"].all()
    assert items.loc["a3", "suppressed_reason"] == reason_skipped(PrivacyPolicy(min_group=3))
    assert np.isnan(items.loc["a3", "mean"])


def test_enps_by_hand() -> None:
    vals = pd.DataFrame({"q": [3.0] * 8})
    meta = _meta({"q": ("c", 1, 5, 4, 2, False)})
    e = pd.Series([10, 9, 8, 7, 6, 0, 10, np.nan])
    sc = score_responses(vals, meta, enps=e, groups=pd.DataFrame({"team": ["A"] * 8}))
    org = enps(sc, None, PrivacyPolicy(min_group=5)).iloc[0]
    assert org["n"] == 7
    assert org["promoters"] == pytest.approx(300 / 7)
    assert org["detractors"] == pytest.approx(200 / 7)
    assert org["enps"] == pytest.approx(100 / 7)
    assert enps(sc, "team", PrivacyPolicy(min_group=8))["suppressed"].all()
    with pytest.raises(ValueError, match="eNPS"):
        enps(score_responses(vals, meta))
    with pytest.raises(ValueError, match="0 to 10"):
        score_responses(vals, meta, enps=pd.Series([11.0] * 8))


# ------------------------------------------------------------------------------------------
# properties over random data and groupings


@st.composite
def surveys(draw):
    n = draw(st.integers(4, 60))
    teams = draw(st.lists(st.sampled_from("ABCDEFG"), min_size=n, max_size=n))
    roles = draw(st.lists(st.sampled_from("xyz"), min_size=n, max_size=n))
    answers = draw(
        st.lists(st.one_of(st.none(), st.integers(1, 5)), min_size=3 * n, max_size=3 * n)
    )
    vals = pd.DataFrame(
        np.array([np.nan if a is None else a for a in answers], float).reshape(n, 3),
        columns=["i1", "i2", "i3"],
    )
    meta = _meta({"i1": ("c1", 1, 5, 4, 2, False), "i2": ("c1", 1, 5, 4, 2, True)})
    meta.loc["i3"] = ["c2", 1, 5, 4, 2, False]
    return score_responses(vals, meta, groups=pd.DataFrame({"team": teams, "role": roles}))


@given(surveys(), st.sampled_from([["team"], ["role"], ["team", "role"]]), st.integers(3, 6))
def test_property_no_number_for_small_groups(sc, by, min_group) -> None:
    policy = PrivacyPolicy(min_group=min_group)
    try:
        out = group_scores(sc, by, policy)
    except PrivacyError:
        assert len(by) == 2  # only crossed tables can be refused
        return
    valid = sc.constructs.notna()
    true_ns = []
    for _, row in out.iterrows():
        members = np.ones(len(sc.groups), bool)
        for col in by:
            members &= (sc.groups[col] == row[col]).to_numpy()
        true_n = int(valid[row["construct"]].to_numpy()[members].sum())
        true_ns.append(true_n)
        if true_n < min_group:
            assert row["suppressed"]
        if row["suppressed"]:
            numbers = row.drop(["grouping", "group", *by, "construct", "suppressed",
                                "suppressed_reason"])  # fmt: skip
            assert numbers.isna().all()
        else:
            assert row["n"] == true_n >= min_group
    if len(by) == 1:
        # A hidden group nobody answered has nothing to protect; one hidden group WITH
        # answers among visible siblings could be recovered from the total by subtraction.
        out = out.assign(true_n=true_ns)
        for _, block in out.groupby("construct"):
            if block["n"].sum() == 0:
                continue
            hidden_with_answers = block["suppressed"] & (block["true_n"] > 0)
            k = int(hidden_with_answers.sum())
            assert k != 1 or len(block) == 1 or k == int((block["true_n"] > 0).sum())


# ------------------------------------------------------------------------------------------
# cached sums (issue 8 measures the speed in `make bench`; here: the cache changes nothing)


def test_cached_group_sums_give_the_same_table_at_scale() -> None:
    rng = np.random.default_rng(1)
    n, k = 100_000, 18
    vals = pd.DataFrame(
        rng.integers(1, 6, (n, k)).astype(float), columns=[f"q{i}" for i in range(k)]
    )
    meta = _meta({f"q{i}": (f"c{i % 6}", 1, 5, 4, 2, i % 5 == 0) for i in range(k)})
    groups = pd.DataFrame({"team": rng.choice([f"T{i:02d}" for i in range(15)], n)})
    sc = score_responses(vals, meta, groups=groups)
    first = group_scores(sc, ["team"])  # builds the cached sums
    again = group_scores(sc, ["team"])
    assert len(again) == 90
    pd.testing.assert_frame_equal(first, again)


@given(
    st.integers(1, 60),
    st.integers(1, 4),
    st.integers(0, 3),
    st.booleans(),
    st.integers(0, 2**32 - 1),
)
def test_group_overlaps_count_like_a_loop_over_people(n, width, refs, nested, seed) -> None:
    """``grouping.group_overlaps`` (one matrix product per group) against the definition:
    out[c, b, j] = number of people in group c with has[:, b] and inside[:, j]."""
    from analysis.scoring.grouping import group_overlaps, group_sums

    rng = np.random.default_rng(seed)
    vals = pd.DataFrame(rng.integers(1, 6, (n, 2)).astype(float), columns=["q0", "q1"])
    groups = pd.DataFrame(
        {"team": rng.choice(["A", "B", "C"], n), "role": rng.choice(["x", "y"], n)}
    )
    sc = score_responses(
        vals,
        _meta({"q0": ("c0", 1, 5, 4, 2, False), "q1": ("c0", 1, 5, 4, 2, False)}),
        groups=groups,
    )
    has = rng.random((n, width)) < 0.7
    inside = rng.random((n, refs)) < 0.5
    by = ["team", "role"]
    keys, _ = group_sums(sc, by, np.zeros((n, 0)), nested)
    out = group_overlaps(sc, by, has.astype(float), inside, nested)
    assert out.shape == (len(keys), width, refs)
    for c, key in enumerate(keys[by].itertuples(index=False)):
        member = np.ones(n, dtype=bool)
        for col, value in zip(by, key, strict=True):
            if not pd.isna(value):
                member &= (groups[col] == value).to_numpy()
        for b in range(width):
            for j in range(refs):
                assert out[c, b, j] == int((member & has[:, b] & inside[:, j]).sum())


@given(
    st.integers(1, 80),
    st.sampled_from([[], ["team"], ["team", "role"]]),
    st.booleans(),
    st.floats(0.0, 1.0),
    st.integers(0, 2**32 - 1),
)
def test_difference_sums_equal_the_sums_of_a_copied_subset(n, by, nested, share, seed) -> None:
    """``grouping.difference_sums`` (the population's codes, nothing copied out) gives the
    keys and the bits of ``group_sums`` on ``subset(population, mask)``: same groups in the
    same order (groups without such people left out), same sums of non-integer stacks too."""
    from analysis.scoring import Difference, subset
    from analysis.scoring.grouping import difference_sums, group_sums
    from analysis.scoring.stacks import construct_columns, construct_counts, construct_values

    rng = np.random.default_rng(seed)
    vals = pd.DataFrame(rng.integers(1, 6, (n, 2)).astype(float), columns=["q0", "q1"])
    groups = pd.DataFrame(
        {"team": rng.choice(["A", "B", "C", "D"], n), "role": rng.choice(["x", "y", "z"], n)}
    )
    meta = _meta({"q0": ("c0", 1, 5, 4, 2, False), "q1": ("c1", 1, 5, 4, 2, True)})
    sc = score_responses(vals, meta, groups=groups)
    mask = rng.random(n) < share
    if not mask.any():  # an empty difference is skipped (exposure_counts tests bool(diff))
        assert not Difference(sc, mask)
        return
    stack = construct_columns(construct_counts(sc), construct_values(sc), 2)
    stack = stack * rng.random(n)[:, None]  # non-integer sums: order matters
    keys, sums = difference_sums(Difference(sc, mask), by, stack, nested)
    part = subset(sc, mask)
    want_keys, want_sums = group_sums(part, by, stack[mask], nested)
    pd.testing.assert_frame_equal(keys, want_keys)
    assert sums.shape == want_sums.shape
    assert sums.tobytes() == np.ascontiguousarray(want_sums).tobytes()
    assert Difference(sc, mask)
    assert Difference(sc, mask.astype(int)).mask.dtype == bool  # a 0/1 mask is made boolean
    with pytest.raises(ValueError):
        Difference(sc, mask[:-1])
    from analysis.scoring import Answers

    sc.answers = {"q0": Answers(vals["q0"].to_numpy(), np.zeros(n, bool), np.ones(n, bool))}
    got, want = Difference(sc, mask).answers("q0"), subset(sc, mask).answers["q0"]
    np.testing.assert_array_equal(got.values, want.values)
    np.testing.assert_array_equal(got.given, want.given)
    assert Difference(sc, mask).answers("q1") is None


def test_take_rows_keeps_values_and_column_major_layout() -> None:
    from analysis.scoring.model import take_rows

    a = np.asfortranarray(np.arange(24, dtype=float).reshape(6, 4))
    rows = np.array([0, 2, 5])
    got = take_rows(a, rows)
    assert got.flags.f_contiguous
    np.testing.assert_array_equal(got, a[rows])
    c = np.arange(12).reshape(6, 2)  # row-major input: a plain gather, made column-major
    np.testing.assert_array_equal(take_rows(c, rows), c[rows])


# ------------------------------------------------------------------------------------------
# the sample export with planted effects (sample_data/ground_truth.json), end to end


def test_sample_data_planted_effects_found(root) -> None:
    import json

    from analysis import columns, ingest, survey

    truth = json.loads((root / "sample_data" / "ground_truth.json").read_text())
    path = root / "sample_data" / truth["files"]["qualtrics"]
    export = ingest.read_export(path.read_bytes(), path.name)
    instrument = survey.default_survey()
    colmap = columns.infer_columns(export, instrument)
    sc = prepare(export, colmap, instrument)
    column_for = {"team": colmap.team, "role": colmap.role}
    found = set()
    for grouping, col in column_for.items():
        out = group_scores(sc, [col])
        hit = out[(out["p_adj"] < 0.05) & (out["effect_size"].abs() >= 0.5)]
        found |= {(grouping, r.group, r.construct, r.diff_vs_rest > 0) for r in hit.itertuples()}
    planted = {
        (e["grouping"], e["group"], e["construct"], e["direction"] == "higher")
        for e in truth["planted_effects"]
        if e["grouping"] in column_for
    }
    assert planted  # the low-trust and high-fear teams are among them
    assert ("team", "Finance Operations", "trust_in_ai", False) in planted
    assert ("team", "Customer Support", "fear_of_displacement", True) in planted
    assert found == planted


@given(st.integers(1, 60), st.floats(0.0, 1.0), st.integers(0, 2**32 - 1))
def test_difference_answer_counts_match_each_items_answers(n, share, seed) -> None:
    """``Difference.answer_counts`` (one pass over the population's answer blocks) counts what
    each item's own answers of those people give (answered on the scale, any answer given,
    outside the scale), and so does its fallback for answers kept item by item."""
    from analysis.scoring import Answers, Difference
    from analysis.scoring.model import keep_answers

    rng = np.random.default_rng(seed)
    vals = pd.DataFrame(rng.integers(1, 6, (n, 2)).astype(float), columns=["q0", "q1"])
    groups = pd.DataFrame({"team": rng.choice(["A", "B"], n)})
    meta = _meta({"q0": ("c0", 1, 5, 4, 2, False), "q1": ("c0", 1, 5, 4, 2, False)})
    answers = {}
    for item in ("q0", "q1"):
        given = rng.random(n) < 0.8
        invalid = given & (rng.random(n) < 0.2)
        values = np.where(given & ~invalid & (rng.random(n) < 0.9), vals[item], np.nan)
        answers[item] = Answers(values, invalid, given)
    mask = rng.random(n) < share

    def expected(sc) -> dict[str, tuple[int, int, int]]:
        out = {}
        for item in ("q0", "q1"):
            a = Difference(sc, mask).answers(item)
            out[item] = (int((~np.isnan(a.values)).sum()), int(a.given.sum()), int(a.invalid.sum()))
        return out

    by_item = score_responses(vals, meta, groups=groups)
    by_item.answers = dict(answers)
    assert "answers" not in by_item._cache  # the fallback: answers kept item by item
    assert Difference(by_item, mask).answer_counts() == expected(by_item)
    blocks = score_responses(vals, meta, groups=groups)
    keep_answers(blocks, answers)
    assert "answers" in blocks._cache
    assert Difference(blocks, mask).answer_counts() == expected(blocks) == expected(by_item)


def test_reference_counts_in_blocks_are_the_exact_product(monkeypatch):
    """Counts of each reference set's people with a value, a block of respondents at a time:
    hand-computed values, whatever the block size."""
    from analysis.scoring import release

    sets = np.array([[1, 0, 1, 1, 0], [0, 1, 1, 0, 1]], dtype=bool)
    has = np.array([[1, 0], [1, 1], [0, 1], [1, 1], [0, 0]], dtype=np.int8)
    expected = np.array([[2.0, 2.0], [1.0, 2.0]])
    for rows in (1, 2, 3, 1 << 16):
        monkeypatch.setattr(release, "COUNT_BLOCK_ROWS", rows)
        np.testing.assert_array_equal(release._counts_in_blocks(sets, has), expected)


def test_enps_is_the_recommend_question_not_the_first_rating_up_to_10() -> None:
    """A review found "How satisfied are you with your workload? (1-10)", earlier in the file,
    reported as the eNPS and the real recommend question left out; with no recommend question,
    a 1-10 rating had become an eNPS the survey never asked."""
    from analysis import pipeline
    from analysis.scoring.from_export import prepare

    workload = [1 + (i * 7) % 10 for i in range(40)]
    recommend = [(i * 3) % 11 for i in range(40)]
    agree = ["Disagree", "Agree", "Strongly agree", "Neither agree nor disagree"]
    frame = pd.DataFrame(
        {
            "Team": [f"T{i % 4}" for i in range(40)],
            "How satisfied are you with your workload?": workload,  # 1-10, range not stated
            "I trust the AI tools I use": [agree[i % 4] for i in range(40)],
            "How likely are you to recommend this organisation as a place to work?": recommend,
        }
    )
    export, colmap = pipeline.load(frame.to_csv(index=False).encode(), "e.csv")[:2]
    scored = prepare(export, colmap)
    assert list(scored.enps) == recommend
    assert "How satisfied are you with your workload?" in scored.item_meta.index
    assert any("scored as a rating, not as the eNPS" in w for w in scored.warnings)
    for header in ("Recommend", "On a scale from 0 to 10, would you recommend working here?"):
        worded = frame.rename(columns={frame.columns[-1]: header})  # a second review
        export, colmap = pipeline.load(worded.to_csv(index=False).encode(), "e.csv")[:2]
        assert list(prepare(export, colmap).enps) == recommend
    without = frame.drop(columns=frame.columns[-1])
    export, colmap = pipeline.load(without.to_csv(index=False).encode(), "e.csv")[:2]
    assert prepare(export, colmap).enps is None
