"""Pilot vs comparison and rollout readiness: known values (OLS/HC1 against statsmodels, a
hand-computed difference in differences), privacy (no pilot or comparison group under the
minimum is released), the planted pilot of the sample found and nothing else, the readiness
rule, and the CLI."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import cli, waves
from analysis.pilot import (
    STATUSES,
    PilotError,
    PilotSpec,
    compare_pilot,
    diagnose,
    parse_spec,
    pilot_mask,
    readiness,
)
from analysis.pilot.estimate import dummies, fit
from analysis.pilot.readiness import CONCEPTS, _status
from analysis.privacy import PrivacyPolicy
from analysis.tables import PILOT, READINESS
from sample_data import SAMPLE_DIR

AGREE5 = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]
MAPPING = """
team: Team
items:
  Q1: {construct: trust_in_ai, scale: agree5}
  Q2: {construct: fear_of_displacement, scale: agree5}
"""


def export(rows: list[tuple[str, int, int, str]]) -> bytes:
    lines = ["Team,Pilot,Q1,Q2"]
    lines += [f"{t},{p},{AGREE5[a - 1]},{AGREE5[b - 1]}" for t, a, b, p in rows]
    return ("\n".join(lines) + "\n").encode()


def wave(label: str, rows) -> waves.Wave:
    return waves.load_wave(export(rows), f"{label}.csv", label=label, mapping_yaml=MAPPING)


def team(name: str, trust: list[int], pilot: str = "no", fear: int = 3) -> list:
    return [(name, a, fear, pilot) for a in trust]


# ------------------------------------------------------------------------ known values


def test_ols_hc1_matches_statsmodels():
    rng = np.random.default_rng(1)
    n = 120
    cov = pd.DataFrame({"role": rng.choice(["a", "b", "c"], n), "ten": rng.choice(["x", "y"], n)})
    pilot = rng.random(n) < 0.3
    y = 50 + 8 * pilot + 5 * (cov["role"] == "b").to_numpy() + rng.normal(0, 10 + 5 * pilot, n)
    x = np.column_stack([pilot, dummies(cov)])
    res = fit(y, x, 0)
    ref = sm.OLS(y, sm.add_constant(x)).fit(cov_type="HC1", use_t=True)
    assert res.estimate == pytest.approx(ref.params[1])
    assert res.se == pytest.approx(ref.bse[1])
    assert (res.ci_low, res.ci_high) == pytest.approx(tuple(ref.conf_int()[1]))
    assert res.p == pytest.approx(ref.pvalues[1])


def test_fit_is_missing_when_the_pilot_is_confounded_with_a_covariate():
    pilot = np.array([1, 1, 1, 0, 0, 0, 0], float)
    role = pd.DataFrame({"role": ["m", "m", "m", "s", "s", "s", "s"]})
    res = fit(np.arange(7.0), np.column_stack([pilot, dummies(role)]), 0)
    assert np.isnan(res.estimate) and np.isnan(res.ci_low)


def test_difference_in_differences_matches_a_hand_computation():
    # trust 0-100: P before 0,25,50,25,25 (25); R before 50 x6 (50)
    # P after 75,75,50,75,100 (75); R after 50,75,50,75,50,50 (58.33)
    before = wave("B", team("P", [1, 2, 3, 2, 2], "yes") + team("R", [3] * 6))
    after = wave("A", team("P", [4, 4, 3, 4, 5], "yes") + team("R", [3, 4, 3, 4, 3, 3]))
    out = compare_pilot([before, after], PilotSpec(column="Pilot"))
    PILOT.schema().validate(out.table, lazy=True)
    trust = out.table.set_index("construct").loc["trust_in_ai"]
    assert trust["estimate"] == pytest.approx((75 - 25) - (175 / 3 - 50))
    assert trust["pilot_change"] == pytest.approx(50)
    assert trust["pre_gap"] == pytest.approx(-25)
    assert trust["ci_low"] < trust["estimate"] < trust["ci_high"]
    assert "unadjusted" in trust["method"] and out.design == "did"
    assert any("Parallel trends" in a for a in out.assumptions)
    assert any("chosen, not assigned at random" in a for a in out.assumptions)
    # fear is flat in both groups: no difference, and it is not called better or worse
    fear = out.table.set_index("construct").loc["fear_of_displacement"]
    assert fear["estimate"] == pytest.approx(0) and fear["verdict"] == "no clear difference"
    assert any("already differed" in w for w in out.warnings)


def test_one_wave_is_pilot_minus_rest_with_its_caveat():
    w = wave("W", team("P", [4, 4, 5, 5, 4]) + team("Q", [2, 2, 3, 2, 3]) + team("R", [3] * 5))
    out = compare_pilot([w], parse_spec("P", "team", ["Team", "Pilot"]))
    t = out.table.set_index("construct").loc["trust_in_ai"]
    assert t["estimate"] == pytest.approx(
        np.mean([75, 75, 100, 100, 75]) - np.mean([25, 25, 50, 25, 50] + [50] * 5)
    )
    assert out.design == "within" and any("One wave only" in a for a in out.assumptions)


def test_parse_spec_and_mask():
    assert parse_spec("pilot", None, ["Team", "Pilot"]) == PilotSpec(column="Pilot")
    assert parse_spec("Sales, Ops", "team", ["Team"]) == PilotSpec(values=("Sales", "Ops"))
    rows = [("A", 3, 3, v) for v in ("Yes", "TRUE", "1", "no", "", "0", "pilot")]
    w = waves.load_wave(export(rows), "m.csv", label="M", mapping_yaml=MAPPING)
    mask = pilot_mask(w.prepared, PilotSpec(column="Pilot"))
    assert mask.tolist() == [True, True, True, False, False, False, True]
    with pytest.raises(PilotError, match="not a value"):
        pilot_mask(w.prepared, PilotSpec(values=("Nope",)))
    with pytest.raises(PilotError, match="no column"):
        pilot_mask(w.prepared, PilotSpec(column="Missing"))


# ------------------------------------------------------------------------ confidentiality


def test_a_pilot_under_the_minimum_is_refused():
    w = wave("W", team("P", [4, 4, 5, 5]) + team("R", [3] * 20))
    with pytest.raises(PilotError, match="at least 5"):
        compare_pilot([w], PilotSpec(values=("P",)))
    # a comparison group under the minimum too
    with pytest.raises(PilotError, match="leaves out only"):
        compare_pilot([w], PilotSpec(values=("R",)))


def test_a_pilot_near_a_team_is_refused():
    # the pilot column marks all of team A but two people: A minus pilot = 2 people
    rows = [("A", 4, 3, "yes")] * 8 + [("A", 2, 3, "no")] * 2 + [("B", 3, 3, "no")] * 12
    w = waves.load_wave(export(rows), "n.csv", label="N", mapping_yaml=MAPPING)
    with pytest.raises(PilotError, match="differs by only 2"):
        compare_pilot([w], PilotSpec(column="Pilot"))


def test_a_pilot_near_a_filter_already_shown_is_refused():
    w = wave("W", team("P", [4] * 8) + team("Q", [2] * 3) + team("R", [3] * 12))
    seen = np.array([True] * 11 + [False] * 12)  # P and Q, as an earlier filtered view
    compare_pilot([w], PilotSpec(values=("P",)))  # fine without that history
    with pytest.raises(PilotError, match="differs by only 3"):
        compare_pilot([w], PilotSpec(values=("P",)), shown=[[seen]])


@settings(max_examples=25, deadline=None)
@given(k=st.integers(1, 19), skips=st.integers(0, 8), min_group=st.integers(3, 7))
def test_no_released_row_rests_on_a_small_group(k, skips, min_group):
    rows = [("P" if i < k else "R", 3 + i % 2, 3, "no") for i in range(24)]
    lines = ["Team,Pilot,Q1,Q2"]
    for i, (t, a, b, p) in enumerate(rows):
        q2 = "" if i < skips else AGREE5[b - 1]  # pilot people skipping the fear item
        lines.append(f"{t},{p},{AGREE5[a - 1]},{q2}")
    w = waves.load_wave(
        ("\n".join(lines) + "\n").encode(), "h.csv", label="H", mapping_yaml=MAPPING
    )
    policy = PrivacyPolicy(min_group=min_group)
    try:
        out = compare_pilot([w], PilotSpec(values=("P",)), policy)
    except PilotError:
        assert k < min_group or 24 - k < min_group
        return
    shown = out.table[~out.table["suppressed"]]
    assert (shown["n_pilot"] >= min_group).all() and (shown["n_comparison"] >= min_group).all()
    hidden = out.table[out.table["suppressed"]]
    assert hidden[list(PILOT.hidden_blank)].isna().all().all()


# ------------------------------------------------------------------------ the sample


@pytest.fixture(scope="module")
def pilot_waves():
    return [
        waves.load_wave(
            (SAMPLE_DIR / f"pilot_wave{k}_qualtrics.csv").read_bytes(),
            f"pilot_wave{k}.csv",
            label=f"W{k}",
        )
        for k in (1, 2)
    ]


def test_the_planted_pilot_is_found_and_nothing_else(pilot_waves):
    truth = json.loads((SAMPLE_DIR / "ground_truth.json").read_text())["pilot"]
    out = compare_pilot(pilot_waves, PilotSpec(column=truth["column"]))
    PILOT.schema().validate(out.table, lazy=True)
    t = out.table.set_index("construct")
    planted = {e["construct"] for e in truth["planted_wave2_effects"]}
    assert "AIPilot" not in t.index  # the yes/no column is not scored as an attitude
    assert set(t.index[t["verdict"] == "better"]) == planted
    assert set(t["verdict"]) <= {"better", "no clear difference"}
    assert t.loc["trust_in_ai", "ci_low"] > 0 and t.loc["trust_in_ai", "estimate"] < 16
    assert "regression-adjusted for Role and Tenure" in t.loc["trust_in_ai", "method"]
    assert t["n_pilot"].max() == truth["pilot_size"]
    same = compare_pilot(pilot_waves, PilotSpec(values=tuple(truth["teams"])))
    other = same.table.set_index("construct")["estimate"]
    assert other.reindex(t.index).to_numpy() == pytest.approx(t["estimate"].to_numpy())


# ------------------------------------------------------------------------ readiness


@pytest.mark.parametrize(
    ("skills", "desire", "trust", "security", "expected"),
    [
        (True, False, False, False, "training"),
        (True, True, False, False, "change_management"),
        (True, False, True, True, "change_management"),
        (False, True, True, False, "monitor"),
        (False, False, False, False, "monitor"),
    ],
)
def test_diagnose_is_the_change_vs_training_rule(skills, desire, trust, security, expected):
    got = diagnose(skills_low=skills, desire_low=desire, trust_low=trust, security_low=security)
    assert got == expected


def test_readiness_on_the_sample(pilot_waves):
    ready = readiness(pilot_waves[0].prepared)
    READINESS.schema().validate(ready.table, lazy=True)
    t = ready.table.set_index("group")
    assert set(t["status"]) <= set(STATUSES)
    # planted: low trust (Finance Operations), low manager support (Field Operations), high fear
    for group in ("Finance Operations", "Field Operations", "Customer Support"):
        assert t.loc[group, "status"] == "change management first", group
    for group in ("Internal Audit", "Executive Office"):  # under the minimum: never "fine"
        assert t.loc[group, "status"] == "too small or too uncertain to tell"
        assert t.loc[group, "suppressed"] and np.isnan(t.loc[group, "n"])
    assert (t["reason"].str.len() > 10).all()
    shown = ready.profile[~ready.profile["suppressed"]]
    assert (shown["n"] >= 5).all() and (shown["ci_low"] <= shown["score"]).all()


def test_readiness_flags_a_team_where_skills_alone_are_low():
    # team T: low skills only (mapped as a training_need construct); everyone else average
    mapping = """
team: Team
items:
  Q1: {construct: trust_in_ai, scale: agree5}
  Q2: {construct: ai_skills_confidence, scale: agree5}
"""
    rng = np.random.default_rng(3)
    lines = ["Team,Q1,Q2"]
    for t in ["T"] * 40 + ["U"] * 40 + ["V"] * 40:
        skills = rng.choice([1, 2], p=[0.5, 0.5]) if t == "T" else rng.choice([3, 4])
        lines.append(f"{t},{AGREE5[3]},{AGREE5[skills - 1]}")  # trust the same everywhere
    w = waves.load_wave(
        ("\n".join(lines) + "\n").encode(), "s.csv", label="S", mapping_yaml=mapping
    )
    t = readiness(w.prepared).table.set_index("group")
    assert t.loc["T", "status"] == "training first"
    assert "skills confidence is low" in t.loc["T", "reason"]


# ------------------------------------------------------------------------ CLI


def test_cli_pilot_json(capsys):
    files = [str(SAMPLE_DIR / f"pilot_wave{k}_qualtrics.csv") for k in (1, 2)]
    assert cli.main(["pilot", *files, "--pilot", "AIPilot", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"construct", "estimate", "ci_low", "ci_high", "method"} <= set(out["comparisons"][0])
    assert {"group", "status", "reason"} <= set(out["readiness"][0])
    trust = next(c for c in out["comparisons"] if c["construct"] == "trust_in_ai")
    assert trust["ci_low"] > 0 and "difference in differences" in trust["method"]


def test_cli_pilot_refuses_a_small_pilot(capsys):
    f = str(SAMPLE_DIR / "ai_pulse_qualtrics.csv")
    assert cli.main(["pilot", f, "--pilot", "Internal Audit"]) == 2
    assert "at least 5" in capsys.readouterr().err


# ------------------------------------------------------------------------ charts


def test_pilot_charts_show_intervals_and_hide_hidden_rows(pilot_waves):
    from render.charts import trend as charts

    table = compare_pilot(pilot_waves, PilotSpec(column="AIPilot")).table
    spec = charts.pilot_estimates(table).to_dict()
    assert spec["description"].startswith("Clear differences on 2 constructs: Trust in AI")
    values = next(v for v in spec["datasets"].values() if "reading" in v[0])
    assert {v["reading"] for v in values} == {"better", "no clear difference"}
    before_after = charts.pilot_before_after(table).to_dict()
    assert "Before" in str(before_after) and "After" in str(before_after)
    hidden = table.assign(suppressed=True)
    for col in PILOT.hidden_blank:
        hidden[col] = np.nan
    assert "hidden" in charts.pilot_alt_text(hidden)
    assert "hidden" in str(charts.pilot_estimates(hidden).to_dict())
    assert charts.pilot_alt_text(table.iloc[:0]) == "No pilot comparison yet."


@settings(max_examples=60, deadline=None)
@given(
    states=st.fixed_dictionaries(
        {c: st.sampled_from(["low", "adequate", "unclear"]) for c in CONCEPTS}
    )
)
def test_readiness_status_follows_the_states(states):
    status, _, reason = _status(states)
    assert status in STATUSES and reason
    values = set(states.values())
    if status == "ready now":
        assert values == {"adequate"}
    if values == {"adequate"}:
        assert status == "ready now"
    if status == "training first":
        assert states["training_need"] == "low"
        core = ("trust_in_ai", "fear_of_displacement", "change_readiness")
        assert all(states[c] == "adequate" for c in core)
    if any(states[c] == "low" for c in ("trust_in_ai", "fear_of_displacement")):
        assert status == "change management first"  # never "ready" or "training" alone


def test_middle_manager_gap_is_flagged():
    mapping = """
team: Team
role: Role
items:
  Q1: {construct: trust_in_ai, scale: agree5}
  Q2: {construct: change_readiness, scale: agree5}
"""
    rng = np.random.default_rng(5)
    lines = ["Team,Role,Q1,Q2"]
    for team_name in ("T", "U", "V"):
        for k in range(40):
            manager = k < 12
            ready_answer = 1 if (team_name == "T" and manager) else int(rng.choice([3, 4]))
            role_name = "Manager" if manager else "Analyst"
            lines.append(f"{team_name},{role_name},{AGREE5[3]},{AGREE5[ready_answer - 1]}")
    data = ("\n".join(lines) + "\n").encode()
    w = waves.load_wave(data, "m.csv", label="M", mapping_yaml=mapping)
    t = readiness(w.prepared).table.set_index("group")
    assert bool(t.loc["T", "manager_flag"]) and t.loc["T", "manager_gap_high"] < 0
    assert "middle-manager gap" in t.loc["T", "reason"]
    assert not t.loc[["U", "V"], "manager_flag"].any()
