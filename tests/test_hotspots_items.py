"""Item-level impact within a construct: item drivers and each group's gap per item."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from analysis import drivers, scoring
from analysis.hotspots import item_drivers, item_gaps
from analysis.hotspots.items import item_values
from analysis.privacy import PrivacyPolicy
from analysis.scoring.stacks import items_on_100

AGREE5 = {"scale_min": 1, "scale_max": 5, "favorable_min": 4, "unfavorable_max": 2}


def _scored(values: pd.DataFrame, constructs: dict[str, str], teams=None, directions=None):
    meta = pd.DataFrame(
        [
            {"item": i, "construct": c, "reverse": False, "question": f"Question {i}", **AGREE5}
            for i, c in constructs.items()
        ]
    ).set_index("item")
    ids = sorted(set(constructs.values()))
    cmeta = pd.DataFrame(
        {
            "label": [c.title() for c in ids],
            "direction": [(directions or {}).get(c, "higher_better") for c in ids],
            "concept": [None] * len(ids),
        },
        index=pd.Index(ids, name="construct"),
    )
    groups = None if teams is None else pd.DataFrame({"Team": teams}, index=values.index)
    return scoring.score_responses(values, meta, groups=groups, construct_meta=cmeta)


def _frame(scored) -> pd.DataFrame:
    meta = scored.construct_meta.reset_index().rename(columns={"construct": "id"})
    return meta


def test_item_values_are_the_item_table_scale():
    values = pd.DataFrame({"Q1": [1, 3, 5, np.nan], "Q2": [2, 2, 4, 4]})
    scored = _scored(values, {"Q1": "a", "Q2": "a"})
    out = item_values(scored)
    # 100 · (x − 1) / (5 − 1)
    assert out["Q1"].tolist()[:3] == [0.0, 50.0, 100.0] and math.isnan(out["Q1"].iloc[3])
    assert out["Q2"].tolist() == [25.0, 25.0, 75.0, 75.0]
    # the array behind it is the caller's own: changing it changes no later answer
    first = items_on_100(scored)
    first[:] = -1.0
    np.testing.assert_array_equal(items_on_100(scored), out.to_numpy())


def test_item_values_of_some_items_are_those_columns():
    values = pd.DataFrame({"Q1": [1, 3, 5, np.nan], "Q2": [2, 2, 4, 4], "Q3": [5, 4, 3, 2]})
    scored = _scored(values, {"Q1": "a", "Q2": "a", "Q3": "b"})
    part = item_values(scored, ["Q3", "Q1"])
    assert list(part.columns) == ["Q3", "Q1"]
    pd.testing.assert_frame_equal(part, item_values(scored)[["Q3", "Q1"]])


@given(st.lists(st.integers(-127, 127), min_size=1, max_size=200), st.integers(0, 2**16))
def test_item_gap_sums_of_whole_answers_are_exact(answers, seed):
    """Sums of small-integer answers are exact (int64), so a rest's sums (the organisation's
    minus a group's) are too: float sums of 0–100 values were off in their last bits."""
    from analysis.hotspots.items import _raw_sums

    x = np.array(answers, dtype=np.int8)[:, None]
    valid = np.random.default_rng(seed).random(len(answers))[:, None] < 0.8
    x = np.where(valid, x, 0).astype(np.int8)
    kept = [a for a, v in zip(answers, valid[:, 0], strict=True) if v]
    want = (len(kept), sum(kept), sum(a * a for a in kept))
    n, s, ss = _raw_sums(valid, x)
    assert (n[0], s[0], ss[0]) == want
    with pytest.MonkeyPatch.context() as mp:  # summed a few rows at a time: the same sums
        mp.setattr("analysis.hotspots.items._SUM_ROWS", 3)
        n, s, ss = _raw_sums(valid, x)
    assert (n[0], s[0], ss[0]) == want


def _two_teams() -> tuple[pd.DataFrame, list[str]]:
    # Team A answers 1,2,3 (four each) on Q1, Team B 3,4,5: 0/25/50 vs 50/75/100 on 0–100.
    a = [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]
    b = [3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5]
    q2 = [2, 3, 4] * 4  # both teams 50
    values = pd.DataFrame({"Q1": a + b, "Q2": q2 + q2, "Q3": [3] * 24})
    return values, ["A"] * 12 + ["B"] * 12


def test_item_gaps_by_hand():
    values, teams = _two_teams()
    scored = _scored(values, {"Q1": "trust", "Q2": "trust", "Q3": "skills"}, teams)
    policy = PrivacyPolicy(min_group=5)
    items = scoring.item_scores(scored, ["Team"], policy)
    out = item_gaps(scored, ["Team"], items, _frame(scored), policy, org_n=24)
    a1 = out[(out["group"] == "A") & (out["item"] == "Q1")].iloc[0]
    # mean 25 vs 75; sd² = (4·25² + 4·0 + 4·25²) / 11 = 454.545 in both teams
    var = 5000 / 11
    assert a1["n"] == 12 and a1["score"] == pytest.approx(25.0)
    assert a1["rest_score"] == pytest.approx(75.0) and a1["gap"] == pytest.approx(50.0)
    assert a1["effect_size"] == pytest.approx(50 / math.sqrt(var))  # d = 2.345, harmful sign
    # se = sd/√12 (own interval) widened by the rest's share: × √(1 + 12/12)
    se = math.sqrt(var / 12) * math.sqrt(2)
    assert a1["gap_low"] == pytest.approx(50 - 1.96 * se)
    assert a1["gap_high"] == pytest.approx(50 + 1.96 * se)
    # Welch two-sided p = q for the worse of two groups (BH: q = min(2 · p/2, 1 − p/2))
    t = -50 / math.sqrt(2 * var / 12)
    p = 2 * sps.t.sf(abs(t), 22)
    assert a1["q"] == pytest.approx(p)
    assert a1["state"] == "flag"
    b1 = out[(out["group"] == "B") & (out["item"] == "Q1")].iloc[0]
    assert b1["gap"] == pytest.approx(-50.0) and b1["state"] == "fine"
    # the weakest item of trust for A is Q1 (25 < 50); for B, Q2 (50 < 75)
    weakest = out[out["weakest"] & (out["construct"] == "trust")]
    assert dict(zip(weakest["group"], weakest["item"], strict=True)) == {"A": "Q1", "B": "Q2"}
    # every reported cell has the protected item table's n and score
    merged = out.merge(items, on=["group", "item"], suffixes=("", "_table"))
    assert len(merged) == len(out)
    assert (merged["n"] == merged["n_table"]).all()
    assert np.allclose(merged["score"], merged["score_table"])


def test_item_gaps_higher_worse_and_hidden_groups():
    values, teams = _two_teams()
    values = pd.concat([values, values.iloc[:3]], ignore_index=True)
    teams = [*teams, "C", "C", "C"]  # three people: hidden by the item table
    scored = _scored(
        values, {"Q1": "fear", "Q2": "fear", "Q3": "skills"}, teams, {"fear": "higher_worse"}
    )
    policy = PrivacyPolicy(min_group=5)
    items = scoring.item_scores(scored, ["Team"], policy)
    shown = set(items.loc[~items["suppressed"].astype(bool), "group"])
    out = item_gaps(scored, ["Team"], items, _frame(scored), policy)
    assert "C" not in set(out["group"]) and set(out["group"]) <= shown
    # fear: higher is worse, so team B (75 vs the rest) is the harmed one
    b1 = out[(out["group"] == "B") & (out["item"] == "Q1")].iloc[0]
    assert b1["gap"] > 0 and b1["effect_size"] > 0
    # on fear the weakest item is the highest score
    weakest = out[out["weakest"] & (out["group"] == "B") & (out["construct"] == "fear")]
    assert weakest["item"].tolist() == ["Q1"]


def test_item_gaps_empty_without_grouping_or_visible_rows():
    values, teams = _two_teams()
    scored = _scored(values, {"Q1": "trust", "Q2": "trust", "Q3": "skills"}, teams)
    policy = PrivacyPolicy(min_group=5)
    items = scoring.item_scores(scored, ["Team"], policy)
    assert item_gaps(scored, [], items, _frame(scored), policy).empty
    hidden = items.assign(suppressed=True)
    assert item_gaps(scored, ["Team"], hidden, _frame(scored), policy).empty


def _orthogonal(reps: int = 10) -> pd.DataFrame:
    # A balanced 2 × 2 design: X1 and X2 uncorrelated; Q3 (1..5) is the outcome's only item.
    x1 = np.tile([2, 2, 4, 4], reps)
    x2 = np.tile([2, 4, 2, 4], reps)
    return pd.DataFrame({"X1": x1, "X2": x2})


def test_item_drivers_by_hand_for_uncorrelated_items():
    """With uncorrelated items each relative weight is r² (Johnson 2000), so the shares are
    r_j² / Σ r²: y = X1 + 0.5 X2 gives 1 / 1.25 = 0.8 and 0.2."""
    frame = _orthogonal()
    frame["Y"] = 1 + (frame["X1"] - 2) / 2 * 2 + (frame["X2"] - 2) / 2  # 1..4 -> on 1..5
    scored = _scored(frame, {"X1": "trust", "X2": "trust", "Y": "readiness"})
    out = item_drivers(scored, "readiness", n_boot=50)
    assert out["item"].tolist() == ["X1", "X2"]  # largest share first
    assert out["share"].tolist() == pytest.approx([0.8, 0.2])
    r1, r2 = 2 / math.sqrt(5), 1 / math.sqrt(5)  # corr of y = 2a + b with a, b ±1 balanced
    assert out["r"].tolist() == pytest.approx([r1, r2])
    assert out["r2"].iloc[0] == pytest.approx(1.0)
    assert (out["n"] == 40).all() and (out["note"] == "").all()
    assert out["ci_low"].le(out["share"] + 1e-9).all()


def test_item_drivers_hide_shares_without_evidence():
    frame = _orthogonal()
    # y = X1·X2 (centred): uncorrelated with both items, so R² = 0 and no share is shown
    frame["Y"] = 3 + ((frame["X1"] - 3) * (frame["X2"] - 3)) / 2
    scored = _scored(frame, {"X1": "trust", "X2": "trust", "Y": "readiness"})
    out = item_drivers(scored, "readiness", n_boot=20)
    assert out["share"].isna().all() and "not clearly more than nothing" in out["note"].iloc[0]
    assert "the outcome" in out["note"].iloc[0] and "__outcome__" not in out["note"].iloc[0]
    # too few complete responses per item: 15 per item = 30 needed, 28 given
    small = _orthogonal(7)
    small["Y"] = small["X1"]
    scored = _scored(small, {"X1": "trust", "X2": "trust", "Y": "readiness"})
    out = item_drivers(scored, "readiness", n_boot=20)
    assert out["share"].isna().all() and out["r"].isna().all()
    assert "needs at least 30" in out["note"].iloc[0]


def test_item_drivers_skip_the_outcome_and_single_item_constructs():
    frame = _orthogonal()
    frame["Y"] = frame["X1"]
    frame["Z"] = frame["X2"]
    scored = _scored(frame, {"X1": "trust", "X2": "trust", "Y": "readiness", "Z": "skills"})
    out = item_drivers(scored, "readiness", n_boot=10)
    assert set(out["construct"]) == {"trust"}
    with pytest.raises(ValueError, match="not a scored construct"):
        item_drivers(scored, "nope")


def test_choose_outcome_names_the_choices():
    frame = _orthogonal()
    frame["Y"] = frame["X1"]
    scored = _scored(frame, {"X1": "trust", "X2": "trust", "Y": "readiness"})
    assert drivers.choose_outcome("Readiness", scored.construct_meta) == "readiness"
    assert drivers.choose_outcome(" TRUST ", scored.construct_meta) == "trust"
    with pytest.raises(drivers.OutcomeError, match=r"Choose one of: .*readiness \(Readiness\)"):
        drivers.choose_outcome("X1", scored.construct_meta)


@settings(max_examples=15, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 14), min_size=2, max_size=4),
    seed=st.integers(0, 2**16),
    min_group=st.integers(3, 6),
)
def test_item_gaps_report_only_what_the_item_table_shows(sizes, seed, min_group):
    rng = np.random.default_rng(seed)
    teams = [f"T{i}" for i, k in enumerate(sizes) for _ in range(k)]
    n = len(teams)
    values = pd.DataFrame({q: rng.integers(1, 6, size=n).astype(float) for q in ("Q1", "Q2", "Q3")})
    values = values.mask(rng.random((n, 3)) < 0.1)
    scored = _scored(values, {"Q1": "trust", "Q2": "trust", "Q3": "skills"}, teams)
    policy = PrivacyPolicy(min_group=min_group)
    items = scoring.item_scores(scored, ["Team"], policy)
    out = item_gaps(scored, ["Team"], items, _frame(scored), policy)
    shown = items[~items["suppressed"].astype(bool) & (items["n"] >= min_group)]
    merged = out.merge(shown, on=["group", "item"], suffixes=("", "_table"))
    assert len(merged) == len(out)  # nothing the protected item table hides
    assert (merged["n"] == merged["n_table"]).all()
    assert np.allclose(merged["score"], merged["score_table"])
    # gap is rest − score for these higher-is-better constructs
    assert np.allclose(out["gap"], out["rest_score"] - out["score"])
    assert out["q"].between(0, 1).all()
