"""Hot-spot rules of issue 19: screening states, majority and attribution rules, absolute
targets and organisation flags, response rates, the change-vs-training diagnosis, segments."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis.hotspots import (
    Diagnosis,
    HeadcountError,
    Profile,
    apply_response_rates,
    benjamini_hochberg,
    constructs_meta,
    diagnose,
    find_hotspots,
    flags_frame,
    group_states,
    low_response_warnings,
    organisation_gaps,
    response_rates,
    screen,
    segments,
    unused_constructs,
)
from analysis.hotspots.targets import wilson
from analysis.tables import FLAGS, SEGMENTS
from analysis.thresholds import DEFAULT_TARGETS
from tests.test_hotspots import CONSTRUCTS, IDS, neutral_group, row, table

META = constructs_meta(CONSTRUCTS)


def with_ci(r: dict, half: float) -> dict:
    return {**r, "ci_low": r["score"] - half, "ci_high": r["score"] + half}


# ---------------------------------------------------------------------------------------------
# Screening states


def test_too_small_to_tell_is_not_fine():
    t = table(
        # 8 people, a big gap: under the flagging minimum
        with_ci(row("Tiny", "trust_in_ai", n=8, score=35, rest=60, d=-1.2, p=0.01), 15),
        # not significant and a wide interval: a 5-point gap cannot be ruled out
        with_ci(row("Unsure", "trust_in_ai", n=15, score=52, rest=55, d=-0.15, p=0.6), 10),
        # a narrow interval around no gap: fine
        with_ci(row("Fine", "trust_in_ai", n=300, score=56, rest=55, d=0.05, p=0.7), 2),
    )
    s = screen(t, META, min_group=5).set_index("group")
    assert s.loc["Tiny", "state"] == "too_small_to_tell"
    assert s.loc["Unsure", "state"] == "too_small_to_tell"
    assert s.loc["Fine", "state"] == "fine"
    assert find_hotspots(t, constructs=CONSTRUCTS) == []
    groups = group_states(screen(t, META, min_group=5)).set_index("group")
    assert groups.loc["Unsure", "state"] == "too_small_to_tell"
    assert groups.loc["Unsure", "undecided"] == ["Trust in AI tools"]


def test_majority_group_is_never_flagged_against_the_rest():
    big = row("Sector A", "trust_in_ai", n=900, score=40, rest=60, d=-1.0, p=1e-9)
    t = table(big, row("Sector B", "trust_in_ai", n=100, score=60, rest=40, d=1.0, p=1e-9))
    assert find_hotspots(t, constructs=CONSTRUCTS, org_n=1000) == []
    assert (
        screen(t, META, min_group=5, org_n=1000).set_index("group").loc["Sector A", "state"]
        == "majority"
    )
    # rest_n also tells the organisation size
    t2 = table({**big, "rest_n": 100.0})
    assert find_hotspots(t2, constructs=CONSTRUCTS) == []
    # the same gap in a minority group is flagged
    assert len(find_hotspots(t, constructs=CONSTRUCTS, org_n=10_000)) == 1


def crossed(team, role, score, rest=60, n=30, d=None, p=1e-6):
    r = row(team, "trust_in_ai", n=n, score=score, rest=rest, d=d, p=p)
    return {**r, "grouping": "team × role", "group": f"{team} × {role}", "role": role}


def test_crossed_cells_only_beyond_their_team_and_role_main_effects():
    team = row("Sales", "trust_in_ai", n=90, score=40, rest=60, d=-1.0, p=1e-9)
    role_row = {**row("Agent", "trust_in_ai", n=200, score=58, rest=60, d=-0.1, p=0.4),
                "grouping": "role", "team": np.nan, "role": "Agent"}  # fmt: skip
    repeat = crossed("Sales", "Agent", 39, d=-1.0)  # the team effect again: not flagged
    extra = crossed("Sales", "Manager", 20, d=-2.0)  # 20 points beyond its team: flagged
    t = table(team, role_row, repeat, extra)
    got = {f.group_label for f in find_hotspots(t, constructs=CONSTRUCTS)}
    assert got == {"Sales", "Sales × Manager"}
    s = screen(t, META, min_group=5).set_index("group")
    assert s.loc["Sales × Agent", "state"] == "main_effects"
    assert s.loc["Sales × Agent", "interaction"] == pytest.approx(21 - 20 - 2)


def test_crossed_main_effects_are_pooled_from_cells_when_absent():
    # Only crossed rows: the Sales team effect is pooled from its two cells.
    t = table(
        crossed("Sales", "Agent", 40, d=-1.0),
        crossed("Sales", "Lead", 41, d=-1.0),
        crossed("Ops", "Agent", 60, d=0.0, p=0.9),
        crossed("Ops", "Lead", 60, d=0.0, p=0.9),
    )
    assert find_hotspots(t, constructs=CONSTRUCTS) == []


@given(p=st.lists(st.floats(0, 1), min_size=1, max_size=30))
def test_property_bh_is_monotone_bounded_and_between_p_and_bonferroni(p):
    q = benjamini_hochberg(p)
    arr = np.asarray(p)
    assert np.all(q >= arr - 1e-12) and np.all(q <= np.minimum(1, arr * len(p)) + 1e-12)
    order = np.argsort(arr, kind="stable")
    assert np.all(np.diff(q[order]) >= -1e-12)  # q keeps the order of p
    assert benjamini_hochberg(p[:1])[0] == pytest.approx(p[0])  # one test: q = p


@st.composite
def grouping_tables(draw):
    rows = []
    for i in range(draw(st.integers(1, 8))):
        n = draw(st.integers(5, 80))
        score, rest = draw(st.floats(0, 100)), draw(st.floats(0, 100))
        d = (score - rest) / draw(st.floats(5, 40))
        rows.append(row(f"T{i}", "trust_in_ai", n=n, score=score, rest=rest, d=d,
                        p=draw(st.floats(1e-12, 1))))  # fmt: skip
    return table(*rows), draw(st.integers(1, 400))


@given(grouping_tables())
def test_property_flags_obey_size_majority_direction_and_thresholds(data):
    t, org_extra = data
    org_n = int(t["n"].sum()) + org_extra
    flags = find_hotspots(t, constructs=CONSTRUCTS, org_n=org_n)
    by_team = t.set_index("team")
    for f in flags:
        r = by_team.loc[f.group_label]
        assert f.n >= 10 and f.n / org_n <= 0.5
        assert r["score"] <= r["rest_score"] - 5  # trust: lower is worse
        assert abs(r["effect_size"]) >= 0.3
        assert "p=" not in f.reason and "p<" not in f.reason and "d=" not in f.reason


# ---------------------------------------------------------------------------------------------
# Diagnosis


def test_training_only_when_readiness_is_adequate():
    d = diagnose(Profile(n=40, skills=30, desire=70, trust=65, security=60))
    assert d.action == "training" and "ready to learn" in d.reason
    d = diagnose(Profile(n=40, skills=30, desire=70, trust=30, security=60))
    assert d.action == "change_management"
    assert d.reason.startswith("Change management first: trust in AI is low.")
    assert "Train once these improve" in d.reason
    assert diagnose(Profile(n=40, skills=70, desire=70, trust=70, security=70)).action == "monitor"
    assert diagnose(Profile(n=6, skills=10)).action == "too_small_to_tell"
    assert diagnose(Profile(n=60, skills=60, undecided=True)).action == "too_small_to_tell"
    # worse than the rest counts as low even above the absolute cut-off
    d = diagnose(Profile(n=40, skills=70, trust=55, security=60, worse=frozenset({"security"})))
    assert d.action == "change_management" and "job security" in d.reason


def test_adkar_items_are_used_directly_with_the_weakest_element():
    adkar = {"awareness": 70, "desire": 30, "knowledge": 45, "ability": 50, "reinforcement": 60}
    d = diagnose(Profile(n=40, skills=70, desire=80, trust=70, security=70, adkar=adkar))
    # the desire item (30) overrides the readiness construct (80)
    assert d.action == "change_management" and d.weakest_adkar == "desire"
    assert "weakest step of the change (ADKAR) is desire" in d.reason
    adkar = {"awareness": 70, "desire": 75, "knowledge": 30, "ability": 35, "reinforcement": 60}
    d = diagnose(Profile(n=40, trust=70, security=70, adkar=adkar))
    assert d.action == "training" and d.weakest_adkar == "knowledge"


@given(
    skills=st.floats(0, 100),
    desire=st.floats(0, 100),
    trust=st.floats(0, 100),
    security=st.floats(0, 100),
    n=st.integers(0, 500),
)
def test_property_diagnosis_sequences_change_before_training(skills, desire, trust, security, n):
    d = diagnose(Profile(n=n, skills=skills, desire=desire, trust=trust, security=security))
    assert isinstance(d, Diagnosis) and d.reason
    if n < 10:
        assert d.action == "too_small_to_tell"
    elif min(desire, trust, security) < 40:
        assert d.action == "change_management"
    elif skills < 40:
        assert d.action == "training"
    else:
        assert d.action == "monitor"
    assert "p=" not in d.reason and "d=" not in d.reason


def test_every_flag_reason_states_what_to_do_first():
    t = table(
        *neutral_group("Ops", ai_skills_confidence=row("Ops", "ai_skills_confidence", score=30,
                                                       rest=60, d=-1.2, p=1e-6)),
        *neutral_group("Support", ai_skills_confidence=row("Support", "ai_skills_confidence",
                                                           score=30, rest=60, d=-1.2, p=1e-6),
                       trust_in_ai=row("Support", "trust_in_ai", score=30, rest=60, d=-1.2,
                                       p=1e-6)),
    )  # fmt: skip
    flags = {(f.group_label, f.type): f for f in find_hotspots(t, constructs=CONSTRUCTS)}
    assert flags[("Ops", "training")].action == "training"
    assert "Training:" in flags[("Ops", "training")].reason
    # the same skills gap with low trust: change management first, even on the training flag
    assert flags[("Support", "training")].action == "change_management"
    assert "Change management first" in flags[("Support", "training")].reason


# ---------------------------------------------------------------------------------------------
# Targets and organisation flags


def org_table(**good):
    rows = []
    for c in CONSTRUCTS:
        share = good.get(c["id"], 70.0)
        higher_worse = c["direction"] == "higher_worse"
        score = 100 - share if higher_worse else share  # a score on the construct's own scale
        rows.append({"construct": c["id"], "n": 400, "score": score,
                     "favorable": 100 - share if higher_worse else share,
                     "unfavorable": share if higher_worse else 100 - share,
                     "suppressed": False})  # fmt: skip
    return pd.DataFrame(rows)


def test_wilson_interval_known_values():
    low, high = wilson(50.0, 100)
    assert low == pytest.approx(40.383, abs=1e-3) and high == pytest.approx(59.617, abs=1e-3)
    assert wilson(0.0, 10)[0] == 0.0 and np.isnan(wilson(50.0, 0)[0])


def test_organisation_wide_skills_gap_is_flagged_as_such():
    t = table(*neutral_group("Ops"), *neutral_group("Sales"))
    flags = find_hotspots(t, constructs=CONSTRUCTS, org=org_table(ai_skills_confidence=27.0))
    (f,) = flags
    assert f.scope == "organisation" and f.type == "training" and f.grouping == "organisation"
    assert "Training is needed across the organisation" in f.reason
    assert (
        "1 measure is below target: AI skills confidence: 27% on the good side, target 50% "
        "(23 points short)" in f.reason
    )
    assert f.confidence == "high" and f.evidence[0]["clearly"]
    assert f.action == "training"
    # a fear construct: favourable is the not-afraid side (bottom box)
    gaps = organisation_gaps(org_table(fear_of_displacement=35.0), META)
    assert [(g["construct"], g["good_share"]) for g in gaps] == [("fear_of_displacement", 35.0)]
    # a target on the construct wins over the concept default
    custom = [{**c, "target": 80} if c["id"] == "trust_in_ai" else c for c in CONSTRUCTS]
    gaps = organisation_gaps(org_table(), constructs_meta(custom))
    assert [g["construct"] for g in gaps] == ["trust_in_ai"]
    assert DEFAULT_TARGETS["trust_in_ai"] == 50.0
    frame = flags_frame(flags)
    assert frame.loc[0, "scope"] == "organisation"
    FLAGS.schema().validate(frame, lazy=True)


def test_organisation_flags_list_every_shortfall_furthest_first_and_say_what_matters_most():
    t = table(*neutral_group("Ops"), *neutral_group("Sales"))
    org = org_table(trust_in_ai=45.0, manager_support=30.0, communication_clarity=38.0)
    drivers = pd.DataFrame(
        {
            "outcome": "change_readiness",
            "driver": ["trust_in_ai", "manager_support", "communication_clarity"],
            "share": [0.5, 0.1, 0.2],
        }
    )
    (f,) = find_hotspots(t, drivers, constructs=CONSTRUCTS, org=org)
    assert f.scope == "organisation" and f.type == "change_management"
    # shortfalls 60 − 30 = 30, 50 − 38 = 12, 50 − 45 = 5: furthest below target first, none hidden
    assert [e["construct"] for e in f.evidence] == [
        "manager_support",
        "communication_clarity",
        "trust_in_ai",
    ]
    assert "3 measures are below target, furthest first: manager support: 30% on the good " in (
        f.reason
    )
    assert "(30 points short); communication clarity: 38%" in f.reason
    assert (
        "Matter most for readiness for the AI change: trust in AI tools (50% of what the "
        "measures explain of it) and communication clarity (20% of" in f.reason
    )
    # priority = 30/50 × 1.1 + 12/50 × 1.2 + 5/50 × 1.5 = 0.66 + 0.288 + 0.15
    assert f.priority == pytest.approx(1.098)


def test_constructs_without_a_concept_are_listed_with_the_fix():
    custom = [*CONSTRUCTS, {"id": "role_clarity", "label": "Role clarity"}]
    (u,) = unused_constructs(custom)
    assert u["construct"] == "role_clarity" and "concept" in u["fix"]
    t = table(row("Ops", "role_clarity", score=20, rest=60, d=-2, p=1e-9))
    assert find_hotspots(t, constructs=custom) == []  # never flagged without a concept
    mapped = [*CONSTRUCTS, {"id": "training_need", "label": "Training need",
                            "direction": "higher_worse", "concept": "training_need"}]  # fmt: skip
    t = table(row("Ops", "training_need", score=75, rest=50, d=1.2, p=1e-9))
    (f,) = find_hotspots(t, constructs=mapped)
    assert f.type == "training" and f.constructs == ["training_need"]


# ---------------------------------------------------------------------------------------------
# Response rates


def test_response_rates_warn_and_lower_confidence():
    t = table(
        *neutral_group("Ops", n=40, trust_in_ai=row("Ops", "trust_in_ai", n=40, score=30,
                                                     rest=60, d=-1.5, p=1e-9)),
        *neutral_group("Sales", n=45),
        *[row("Hidden", c, sup=True) for c in IDS],
    )  # fmt: skip
    hc = pd.DataFrame({"team": ["Ops", "Sales", "Hidden"], "headcount": [100, 50, 30]})
    rates = response_rates(t, hc).set_index("group")
    assert rates.loc["Ops", "response_rate"] == pytest.approx(40.0) and rates.loc["Ops", "low"]
    assert rates.loc["Sales", "response_rate"] == pytest.approx(90.0)
    assert np.isnan(rates.loc["Hidden", "responses"])  # a hidden count stays hidden
    flags = find_hotspots(t, constructs=CONSTRUCTS)
    (f,) = apply_response_rates(flags, response_rates(t, hc))
    assert f.response_rate == pytest.approx(40.0) and f.confidence == "medium"
    assert "Only 40% of this group answered" in f.reason
    assert flags[0].confidence == "high"  # the input is not changed
    assert low_response_warnings(response_rates(t, hc)) == [
        "Ops: 40% responded (under 60%); read its results with care."
    ]
    # a headcount file's spelling, a name of no group, and fewer heads than responses are
    # said (a review found them silent: no rate, or one capped at 100%)
    odd = pd.DataFrame({"team": ["ops ", "Finance", "Sales"], "headcount": [100, 10, 20]})
    rates = response_rates(t, odd).set_index("group")
    assert rates.loc["Ops", "response_rate"] == pytest.approx(40.0)
    assert rates.loc["Finance", "note"].startswith("not a group")
    assert rates.loc["Sales", "response_rate"] == 100.0
    assert rates.loc["Sales", "note"] == "45 responses against a headcount of 20"
    said = low_response_warnings(response_rates(t, odd))
    assert any(w.startswith("Headcount for Finance: not a group") for w in said)
    assert any(w.startswith("Headcount for Sales: 45 responses") for w in said)
    with pytest.raises(HeadcountError, match="headcount"):
        response_rates(t, pd.DataFrame({"team": ["Ops"]}))
    with pytest.raises(HeadcountError, match="not grouping columns"):
        response_rates(t, pd.DataFrame({"site": ["X"], "headcount": [3]}))


# ---------------------------------------------------------------------------------------------
# Segments


def seg_rows(team, trust, fear, n=40, half=None):
    rs = [row(team, "trust_in_ai", n=n, score=trust, rest=50),
          row(team, "fear_of_displacement", n=n, score=fear, rest=50)]  # fmt: skip
    return [with_ci(r, half) for r in rs] if half is not None else rs


def test_segments_uncertain_band_and_no_label_for_small_groups():
    t = table(
        *seg_rows("Clear", 70, 30, half=5),
        *seg_rows("Crosses", 53, 30, half=6),  # trust interval 47-59 crosses 50
        *seg_rows("Small", 80, 20, n=12, half=5),
    )
    seg = segments(t, constructs=CONSTRUCTS).set_index("group")
    assert seg.loc["Clear", "quadrant"] == "champions"
    assert seg.loc["Crosses", "quadrant"] == "uncertain"
    assert "uncertain" in seg.loc["Crosses", "description"]
    assert seg.loc["Small", "quadrant"] == "too few to label"
    assert seg.loc["Clear", "trust_low"] == 65 and seg.loc["Clear", "fear_high"] == 35
    SEGMENTS.schema().validate(seg.reset_index()[SEGMENTS.columns()], lazy=True)
    # a different fear cut-off moves the map
    moved = segments(t, constructs=CONSTRUCTS, fear_cutoff=25).set_index("group")
    assert moved.loc["Clear", "quadrant"] == "anxious adopters"


@pytest.mark.filterwarnings("ignore:In a future version, the keys of:pandas.errors.Pandas4Warning")
def test_a_mapping_only_instrument_gets_the_same_hot_spots():
    """Issue 17.4: a construct named in the mapping (``training_need``, higher = worse) is
    flagged like the built-in skills confidence (higher = better) on the same planted data."""
    from analysis.scoring import group_scores
    from tests.test_hotspots import simulate

    planted = {("Ops", "ai_skills_confidence"): -1.3, ("Support", "trust_in_ai"): -1.0}
    gt = group_scores(simulate(4, planted), "team")
    built_in = find_hotspots(gt, constructs=CONSTRUCTS)
    mapped = gt.copy()
    skills = mapped["construct"] == "ai_skills_confidence"
    mapped.loc[skills, "construct"] = "training_need"
    for col in ("score", "rest_score"):
        mapped.loc[skills, col] = 100 - mapped.loc[skills, col]
    lo, hi = mapped.loc[skills, "ci_low"].copy(), mapped.loc[skills, "ci_high"].copy()
    mapped.loc[skills, "ci_low"], mapped.loc[skills, "ci_high"] = 100 - hi, 100 - lo
    for col in ("diff_vs_rest", "effect_size"):
        mapped.loc[skills, col] = -mapped.loc[skills, col]
    constructs = [c for c in CONSTRUCTS if c["id"] != "ai_skills_confidence"] + [
        {"id": "training_need", "label": "Training need", "direction": "higher_worse",
         "concept": "training_need"}
    ]  # fmt: skip
    got = find_hotspots(mapped, constructs=constructs)
    assert {(f.group_label, f.type) for f in got} == {(f.group_label, f.type) for f in built_in}
    assert ("Ops", "training") in {(f.group_label, f.type) for f in got}


def test_headcount_files_in_other_delimiters_and_with_thousands() -> None:
    """A fourth review: a semicolon-separated headcount file was refused for lacking a
    'headcount' column, and "1,200" was refused without naming its row."""
    from analysis.headcount import read_headcount
    from analysis.hotspots import HeadcountError, read_headcount_csv

    for sep in (",", ";", "\t"):
        data = f"Team{sep}Headcount\nAlpha{sep}20\nBeta{sep}18\n".encode()
        frame = read_headcount(read_headcount_csv(data))
        assert frame["headcount"].tolist() == [20, 18], sep
    data = '\ufeffTeam,Headcount\nAlpha,"1,200"\nBeta,1 300\nGamma,18\n'.encode()
    assert read_headcount(read_headcount_csv(data))["headcount"].tolist() == [1200, 1300, 18]
    decimals = read_headcount_csv(b"Team,Headcount\nAlpha,40.000\nBeta,7.500\n")
    assert read_headcount(decimals)["headcount"].tolist() == [40, 7.5]  # not 40000, 7500
    bad = read_headcount_csv(b"Team,Headcount\nAlpha,20\nBeta,about 18\n")
    with pytest.raises(HeadcountError, match=r"row 3 \('about 18'\)"):
        read_headcount(bad)
