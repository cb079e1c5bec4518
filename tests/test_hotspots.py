"""Hot-spot flags, segments, comment evidence and the action playbook."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from analysis.hotspots import (
    COMMENT_SIGNALS,
    DEFAULT_PLAYBOOK,
    Flag,
    PlaybookError,
    benjamini_hochberg,
    find_hotspots,
    flags_frame,
    group_comment_signals,
    load_playbook,
    segments,
)
from analysis.privacy import PrivacyPolicy
from analysis.survey import CONCEPTS, default_survey

CONSTRUCTS = [
    {"id": "trust_in_ai", "label": "Trust in AI tools", "direction": "higher_better",
     "concept": "trust_in_ai"},
    {"id": "fear_of_displacement", "label": "Fear of displacement",
     "direction": "higher_worse", "concept": "fear_of_displacement"},
    {"id": "change_readiness", "label": "Readiness for the AI change",
     "direction": "higher_better", "concept": "change_readiness"},
    {"id": "ai_skills_confidence", "label": "AI skills confidence",
     "direction": "higher_better", "concept": "training_need"},
    {"id": "manager_support", "label": "Manager support", "direction": "higher_better",
     "concept": "manager_support"},
    {"id": "communication_clarity", "label": "Communication clarity",
     "direction": "higher_better", "concept": "communication_clarity"},
]  # fmt: skip
IDS = [c["id"] for c in CONSTRUCTS]
PLAYBOOK = load_playbook()


def row(team, construct, *, n=40, score=55.0, rest=55.0, d=None, p=0.5, p_adj=None, sup=False):
    """One group_scores row; suppressed rows carry NaN in every number, as the contract says."""
    base = {"grouping": "team", "group": team, "team": team, "construct": construct}
    if sup:
        nums = ("n", "score", "rest_score", "diff_vs_rest", "effect_size", "p", "p_adj")
        return {**base, **dict.fromkeys(nums, np.nan), "suppressed": True,
                "suppressed_reason": "fewer than 5 responses"}  # fmt: skip
    d = (score - rest) / 20 if d is None else d
    return {**base, "n": n, "score": score, "rest_score": rest, "diff_vs_rest": score - rest,
            "effect_size": d, "p": p, "p_adj": p if p_adj is None else p_adj,
            "suppressed": False, "suppressed_reason": ""}  # fmt: skip


def table(*rows) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def neutral_group(team, n=40, **over):
    """A group at the organisation average on every construct, with overrides by construct."""
    return [over.get(c, row(team, c, n=n)) for c in IDS]


def by_group(flags) -> dict[tuple[str, str], Flag]:
    return {(f.group_label, f.type): f for f in flags}


# ---------------------------------------------------------------------------------------------
# Flag rules


def test_significantly_worse_group_is_flagged_with_reason():
    t = table(
        row("Customer Support", "fear_of_displacement", n=42, score=71, rest=48, d=0.9, p=0.004),
        row("Finance", "fear_of_displacement", n=30, score=47, rest=52, d=-0.2, p=0.4),
    )
    flags = find_hotspots(t, constructs=CONSTRUCTS)
    assert len(flags) == 1
    f = flags[0]
    assert f.type == "change_management"
    assert f.group == {"team": "Customer Support"} and f.group_label == "Customer Support"
    assert f.constructs == ["fear_of_displacement"]
    assert f.reason.startswith("Customer Support (n=42): fear of displacement 71/100 vs 48 ")
    # plain words in the reason, the numbers in the evidence (BH over the grouping's 2 tests)
    assert "(a large gap, strong evidence)" in f.reason
    assert "p<" not in f.reason and "p=" not in f.reason and "d=" not in f.reason
    assert f.evidence[0]["p_adj"] == pytest.approx(0.004)
    assert f.evidence[0]["effect_size"] == pytest.approx(0.9)
    assert f.action == "change_management" and "Change management first" in f.reason
    titles = [a["title"] for a in f.actions]
    assert "Role-impact briefings" in titles
    assert all(a["source"] for a in f.actions)


def test_low_skills_confidence_raises_training_flag():
    t = table(row("Ops", "ai_skills_confidence", n=25, score=38, rest=61, d=-1.1, p=1e-4))
    (f,) = find_hotspots(t, constructs=CONSTRUCTS)
    assert f.type == "training" and f.constructs == ["ai_skills_confidence"]
    assert "AI skills confidence 38/100 vs 61" in f.reason
    assert "strong evidence" in f.reason and "p<" not in f.reason
    assert f.action == "training" and "Training:" in f.reason
    assert "Hands-on, role-specific training" in [a["title"] for a in f.actions]


@pytest.mark.parametrize(
    ("score", "rest", "d", "p", "why"),
    [
        (52, 55, -0.5, 1e-6, "3 points is below min_diff"),
        (45, 55, -0.2, 1e-6, "d=0.2 is below min_d"),
        (45, 55, -0.6, 0.6, "not significant (one-sided 0.3 > the 0.25 FDR)"),
        (70, 55, 0.8, 1e-6, "better than the rest"),
    ],
)
def test_trivial_insignificant_or_better_groups_are_not_flagged(score, rest, d, p, why):
    t = table(row("Sales", "trust_in_ai", score=score, rest=rest, d=d, p=p))
    assert find_hotspots(t, constructs=CONSTRUCTS) == [], why


def test_screening_is_bh_within_the_grouping_not_the_tables_holm():
    # The table's Holm p_adj (over every cell) is not used: a lone gap with p=0.01 is flagged.
    t = table(row("Sales", "trust_in_ai", score=40, rest=55, d=-0.8, p=0.01, p_adj=0.2))
    assert [f.group_label for f in find_hotspots(t, constructs=CONSTRUCTS)] == ["Sales"]
    # The same gap (one-sided p=0.04) among ten tests of one grouping: q = 0.04 × 10 = 0.4.
    lone = table(row("Sales", "trust_in_ai", score=40, rest=55, d=-0.8, p=0.08))
    assert len(find_hotspots(lone, constructs=CONSTRUCTS)) == 1
    others = [row(f"T{i}", "trust_in_ai", score=58, rest=55, d=0.1, p=0.6) for i in range(9)]
    assert find_hotspots(table(*lone.to_dict("records"), *others), constructs=CONSTRUCTS) == []


def test_direction_decides_what_worse_means():
    high = table(row("Legal", "fear_of_displacement", score=70, rest=50, d=1.0, p=1e-4))
    low = table(row("Legal", "fear_of_displacement", score=30, rest=50, d=-1.0, p=1e-4))
    assert len(find_hotspots(high, constructs=CONSTRUCTS)) == 1
    assert find_hotspots(low, constructs=CONSTRUCTS) == []
    flipped = [
        {**c, "direction": "higher_better"} if c["id"] == "fear_of_displacement" else c
        for c in CONSTRUCTS
    ]
    assert find_hotspots(high, constructs=flipped) == []
    assert len(find_hotspots(low, constructs=flipped)) == 1


def test_suppressed_and_small_rows_are_never_flagged():
    t = table(
        row("Tiny", "trust_in_ai", sup=True),
        # Not marked suppressed but under min_group: still refused.
        row("Small", "trust_in_ai", n=4, score=20, rest=60, d=-2.0, p=1e-6),
        row("Unknown", "trust_in_ai", n=40, score=20, rest=60, d=-2.0, p=1e-6),
    )
    t["suppressed"] = t["suppressed"].astype(object)
    t.loc[2, "suppressed"] = pd.NA  # unknown visibility counts as hidden
    assert find_hotspots(t, constructs=CONSTRUCTS, policy=PrivacyPolicy(min_group=5)) == []
    # Visible with a lower minimum, but 4 people are under the flagging minimum (10).
    small = PrivacyPolicy(min_group=3)
    assert find_hotspots(t, constructs=CONSTRUCTS, policy=small) == []
    assert len(find_hotspots(t, constructs=CONSTRUCTS, policy=small, min_flag_n=3)) == 1


def test_one_flag_per_group_and_type():
    t = table(
        *neutral_group(
            "Support",
            trust_in_ai=row("Support", "trust_in_ai", score=40, rest=58, d=-0.9, p=1e-4),
            fear_of_displacement=row(
                "Support", "fear_of_displacement", score=66, rest=50, d=0.8, p=1e-3
            ),
            ai_skills_confidence=row(
                "Support", "ai_skills_confidence", score=45, rest=60, d=-0.7, p=1e-3
            ),
        ),
        *neutral_group("Finance"),
    )
    flags = find_hotspots(t, constructs=CONSTRUCTS)
    assert sorted((f.group_label, f.type) for f in flags) == [
        ("Support", "change_management"),
        ("Support", "training"),
    ]
    cm = by_group(flags)[("Support", "change_management")]
    assert set(cm.constructs) == {"trust_in_ai", "fear_of_displacement"}
    assert cm.constructs[0] == "trust_in_ai"  # larger |d| × weight first
    assert cm.reason.count("for the rest of the organisation") == 1  # said once, then "vs"
    assert "fear of displacement 66/100 vs 50 (a large gap, strong evidence)" in cm.reason
    assert len(cm.evidence) == 2 and {"score", "rest_score", "p_adj"} <= set(cm.evidence[0])


def test_benjamini_hochberg_known_values():
    from scipy.stats import false_discovery_control

    p = [0.01, 0.04, 0.03, 0.2, np.nan]
    q = benjamini_hochberg(p)
    assert q[:4] == pytest.approx([0.04, 0.16 / 3, 0.16 / 3, 0.2])
    assert np.isnan(q[4])  # not counted in m
    assert q[:4] == pytest.approx(false_discovery_control(p[:4], method="bh"))
    assert benjamini_hochberg([]).size == 0


# ---------------------------------------------------------------------------------------------
# Priority


def drivers_table(**shares):
    return pd.DataFrame(
        {
            "outcome": "change_readiness",
            "driver": list(shares),
            "share": list(shares.values()),
        }
    )


@given(
    d1=st.floats(0.3, 3),
    d2=st.floats(0.3, 3),
    s1=st.floats(0, 1),
    s2=st.floats(0, 1),
    n=st.integers(10, 500),  # the flagging minimum is 10 people
)
def test_priority_is_monotone_in_effect_size_and_driver_share(d1, d2, s1, s2, n):
    t = table(
        row("A", "trust_in_ai", n=n, score=30, rest=60, d=-d1, p=1e-5),
        row("B", "trust_in_ai", n=n, score=30, rest=60, d=-d2, p=1e-5),
    )
    flags = by_group(find_hotspots(t, constructs=CONSTRUCTS, org_n=1000))
    a, b = flags[("A", "change_management")], flags[("B", "change_management")]
    assert (a.priority - b.priority) * (d1 - d2) >= 0
    t2 = table(
        row("A", "trust_in_ai", n=n, score=30, rest=60, d=-1.0, p=1e-5),
        row("B", "manager_support", n=n, score=30, rest=60, d=-1.0, p=1e-5),
    )
    drivers = drivers_table(trust_in_ai=s1, manager_support=s2)
    flags = by_group(find_hotspots(t2, drivers, constructs=CONSTRUCTS, org_n=1000))
    a, b = flags[("A", "change_management")], flags[("B", "change_management")]
    assert (a.priority - b.priority) * (s1 - s2) >= -1e-12
    assert a.priority == pytest.approx(np.log1p(n) / np.log1p(1000) * 1.0 * (1 + s1))


def test_priority_formula_is_shown_and_flags_are_ranked():
    t = table(
        row("Big effect", "trust_in_ai", n=40, score=30, rest=60, d=-1.5, p=1e-6),
        row("Small effect", "trust_in_ai", n=40, score=48, rest=60, d=-0.5, p=1e-3),
        row("Readiness", "change_readiness", n=40, score=48, rest=60, d=-0.5, p=1e-3),
    )
    drivers = drivers_table(trust_in_ai=0.4, manager_support=0.1)
    flags = find_hotspots(t, drivers, constructs=CONSTRUCTS, org_n=400)
    assert [f.group_label for f in flags] == ["Big effect", "Readiness", "Small effect"]
    assert all(a.priority >= b.priority for a, b in pairwise(flags))
    big = flags[0]
    assert "log1p(n)/log1p(N)" in big.priority_formula
    assert "1.50 × (1 + 0.40)" in big.priority_formula
    assert "change_readiness" in big.priority_formula
    # The main outcome itself counts as fully important (weight 1).
    assert flags[1].evidence[0]["driver_share"] == 1.0


# ---------------------------------------------------------------------------------------------
# Comment evidence


def signals_row(team, n_comments, fear=0.0, neg=0.0, train=0.0, rest_n=300, rest=0.1, quotes=None):
    row_ = {"grouping": "team", "group": team, "team": team, "n_comments": n_comments,
            "rest_n_comments": rest_n, "quotes": quotes if quotes is not None else {}}  # fmt: skip
    for sig, share in zip(COMMENT_SIGNALS, (fear, neg, train), strict=True):
        row_[sig] = share
        row_[f"{sig}_n"] = round(share * n_comments)
        row_[f"rest_{sig}"] = rest
    return row_


QUOTES = {
    "displacement_fear": ["I worry [NAME] will replace us.", "Jobs will go.", "Will I be needed?"],
    "ai_negative": ["The tool is wrong half the time.", "I don't trust it."],
    "training_request": ["Please train us.", "We need hands-on sessions."],
}


def test_comment_evidence_enters_reason_priority_and_quotes_when_threshold_met():
    t = table(
        row("Support", "fear_of_displacement", n=42, score=71, rest=48, d=0.9, p=0.004),
        row("Sales", "fear_of_displacement", n=42, score=71, rest=48, d=0.9, p=0.004),
        row("Ops", "fear_of_displacement", n=42, score=50, rest=50, d=0.0, p=0.9),
    )
    cs = pd.DataFrame(
        [
            signals_row("Support", 31, fear=12 / 31, neg=0.2, quotes=QUOTES),
            signals_row("Sales", 8, fear=0.5, neg=0.5, quotes=QUOTES),  # below min_comments
            signals_row("Ops", 25, fear=0.1, quotes=QUOTES),
        ]
    )
    flags = by_group(find_hotspots(t, comment_signals=cs, constructs=CONSTRUCTS))
    support, sales = flags[("Support", "change_management")], flags[("Sales", "change_management")]
    assert "39% of its 31 comments mention job loss or being replaced (vs 10% elsewhere)" in (
        support.reason
    )
    assert "20% of its 31 comments are negative about AI" in support.reason
    assert 0 < len(support.quotes) <= 3
    assert set(support.quotes) <= set(QUOTES["displacement_fear"] + QUOTES["ai_negative"])
    assert support.priority > sales.priority
    assert support.comments["n_comments"] == 31
    assert sales.quotes == [] and "comments" not in sales.reason and sales.comments is None


def test_training_requests_alone_raise_a_training_flag():
    teams = ("Support", "Sales", "Ops", "Legal")
    t = table(*[r for team in teams for r in neutral_group(team)])
    cs = pd.DataFrame(
        [
            signals_row("Support", 40, train=0.45, quotes=QUOTES),
            signals_row("Sales", 40, train=0.12, quotes=QUOTES),
            # Below the comment threshold (two of them, so neither is hidden by subtraction).
            signals_row("Ops", 9, train=0.9, quotes=QUOTES),
            signals_row("Legal", 5, train=0.8, quotes=QUOTES),
        ]
    )
    flags = find_hotspots(t, comment_signals=cs, constructs=CONSTRUCTS)
    assert [(f.group_label, f.type) for f in flags] == [("Support", "training")]
    f = flags[0]
    assert f.constructs == []
    # Wilson 95% interval of 18/40 by hand: centre (0.45 + 1.96²/80) / (1 + 1.96²/40) = 0.454,
    # half-width 1.96 / 1.096 × √(0.45 × 0.55 / 40 + 1.96²/6400) = 0.147 -> 31–60%
    assert (
        "45% (95% interval 31–60%) of its 40 comments ask for training or support "
        "(vs 10% elsewhere; q = " in f.reason
    )
    assert f.comments["signals"]["training_request"]["p_adj"] < 0.001
    assert "p<" not in f.reason
    assert f.quotes == QUOTES["training_request"]
    assert f.actions[0]["concept"] == "training_need"


def test_comment_only_flag_needs_a_visible_group():
    t = table(*[row("Hidden", c, sup=True) for c in IDS], *neutral_group("Sales"))
    cs = pd.DataFrame([signals_row("Hidden", 40, train=0.9, quotes=QUOTES)])
    assert find_hotspots(t, comment_signals=cs, constructs=CONSTRUCTS) == []


@st.composite
def random_tables(draw):
    k = draw(st.integers(1, 6))
    min_group = draw(st.integers(3, 12))
    min_comments = draw(st.integers(1, 25))
    rows, sig_rows = [], []
    for i in range(k):
        team = f"Team {i}"
        n = draw(st.integers(1, 60))
        hidden = n < min_group or draw(st.booleans())
        for c in draw(st.lists(st.sampled_from(IDS), min_size=1, max_size=3, unique=True)):
            score = draw(st.floats(0, 100))
            rest = draw(st.floats(0, 100))
            d = (score - rest) / draw(st.floats(5, 40))
            p = draw(st.floats(0, 1))
            # Visibility is the caller's job; a broken table (small n marked visible) is included.
            sup = hidden and draw(st.booleans())
            rows.append(row(team, c, n=n, score=score, rest=rest, d=d, p=p, sup=sup))
        n_c = draw(st.integers(0, 60))
        shares = [draw(st.floats(0, 1)) for _ in range(3)]
        sig_rows.append(signals_row(team, n_c, *shares, quotes=QUOTES))
    return table(*rows), pd.DataFrame(sig_rows), PrivacyPolicy(min_group, min_comments)


@given(random_tables())
def test_property_confidentiality_of_flags_and_quotes(data):
    t, cs, policy = data
    flags = find_hotspots(t, comment_signals=cs, constructs=CONSTRUCTS, policy=policy)
    n_comments = dict(zip(cs["team"], cs["n_comments"], strict=True))
    for f in flags:
        rows_ = t[t["team"] == f.group["team"]]
        visible = rows_[~rows_["suppressed"] & (rows_["n"] >= policy.min_group)]
        assert len(visible), "flag raised for a group with no visible row"
        assert f.n >= policy.min_group
        assert set(f.constructs) <= set(visible["construct"])
        assert len(f.quotes) <= 3
        if f.quotes or f.comments is not None or "comments" in f.reason:
            assert n_comments[f.group["team"]] >= policy.min_comments
        json.dumps(f.to_dict())


def test_group_comment_signals_aggregates_counts_and_quotes():
    comments = pd.DataFrame(
        {
            "team": ["A"] * 4 + ["B"] * 6,
            "text": ["Jobs will go.", "fine", "n/a", "Please train us on this.", *["ok"] * 6],
            "displacement_fear": [True, False, False, False, True, False, False, False, False, 0],
            "training_request": [False, False, False, True, False, False, False, False, False, 0],
            "ai_mention": [True, True, False, False, False, False, False, False, False, False],
            "ai_distrust": [False] * 10,
            "label": ["negative", "negative", "neutral", "neutral", *["neutral"] * 6],
            "is_filler": [False, False, True, False, *[False] * 6],
        }
    )
    out = group_comment_signals(comments, "team").set_index("team")
    a = out.loc["A"]
    assert a["n_comments"] == 3 and a["rest_n_comments"] == 6  # the filler is not a comment
    assert a["displacement_fear"] == pytest.approx(1 / 3)
    assert a["rest_displacement_fear"] == pytest.approx(1 / 6)
    assert a["ai_negative_n"] == 2 and a["training_request_n"] == 1
    assert a["quotes"]["training_request"] == ["Please train us on this."]
    assert out.loc["B", "quotes"]["training_request"] == []


# ---------------------------------------------------------------------------------------------
# Actions, playbook, segments, output


def test_manager_enablement_comes_first_and_readiness_uses_weakest_adkar_element():
    t = table(
        *neutral_group(
            "Support",
            change_readiness=row("Support", "change_readiness", score=40, rest=60, d=-1, p=1e-4),
            manager_support=row("Support", "manager_support", score=45, rest=60, d=-0.6, p=1e-3),
            ai_skills_confidence=row(
                "Support", "ai_skills_confidence", score=35, rest=60, d=-1.2, p=1e-4
            ),
        )
    )
    flags = by_group(find_hotspots(t, constructs=CONSTRUCTS))
    cm = flags[("Support", "change_management")]
    assert cm.actions[0]["title"] == "Manager enablement first"
    elements = {a.get("element") for a in cm.actions}
    assert {"knowledge", "ability"} <= elements  # skills confidence is the worst proxy
    readiness = next(e for e in cm.evidence if e["construct"] == "change_readiness")
    assert readiness["adkar_weakest"] == ["knowledge", "ability"]
    assert len(cm.actions) <= 8


def test_playbook_covers_every_concept_with_sourced_actions():
    pb = load_playbook()
    assert set(CONCEPTS) <= set(pb["concepts"])
    for concept in CONCEPTS:
        actions = pb["concepts"][concept]["actions"]
        assert actions and all(a["title"] and a["detail"] and a["source"] for a in actions)
    assert pb["concepts"]["training_need"]["type"] == "training"
    assert {pb["concepts"][c]["type"] for c in CONCEPTS if c != "training_need"} == {
        "change_management"
    }
    assert set(pb["concepts"]["change_readiness"]["adkar"]) == {
        "awareness", "desire", "knowledge", "ability", "reinforcement",
    }  # fmt: skip


def test_playbook_errors_are_clear(tmp_path: Path):
    raw = yaml.safe_load(DEFAULT_PLAYBOOK.read_text(encoding="utf-8"))
    del raw["concepts"]["trust_in_ai"]
    bad = tmp_path / "a.yaml"
    bad.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(PlaybookError, match=r"no actions for concept.*trust_in_ai"):
        load_playbook(bad)
    raw = yaml.safe_load(DEFAULT_PLAYBOOK.read_text(encoding="utf-8"))
    del raw["concepts"]["training_need"]["actions"][0]["source"]
    bad.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(PlaybookError, match=r"concepts\.training_need\.actions\.0\.source"):
        load_playbook(bad)
    bad.write_text("types: [unclosed", encoding="utf-8")
    with pytest.raises(PlaybookError, match="not valid YAML"):
        load_playbook(bad)
    with pytest.raises(PlaybookError, match="cannot read"):
        load_playbook(tmp_path / "missing.yaml")


def quadrant_table(points: dict[str, tuple[float, float]]):
    rows = []
    for team, (trust, fear) in points.items():
        rows.append(row(team, "trust_in_ai", score=trust, rest=50))
        rows.append(row(team, "fear_of_displacement", score=fear, rest=50))
    return table(*rows)


def test_segments_quadrants_with_fixed_and_median_cutoffs():
    points = {"Champ": (70, 30), "Anxious": (65, 70), "Skeptic": (35, 25), "Resist": (30, 75)}
    t = quadrant_table(points)
    t = pd.concat([t, table(row("Hidden", "trust_in_ai", sup=True))], ignore_index=True)
    seg = segments(t, constructs=CONSTRUCTS, cutoff=50).set_index("group")
    assert seg["quadrant"].to_dict() == {
        "Champ": "champions", "Anxious": "anxious adopters", "Skeptic": "skeptics",
        "Resist": "resisters",
    }  # fmt: skip
    assert "Hidden" not in seg.index
    assert seg.loc["Champ", "description"].startswith("Champ (n=40) is in the champions quadrant")
    # Medians of group scores: trust 50, fear 50 here, same answer; 50 is also the default.
    assert segments(t, constructs=CONSTRUCTS)["quadrant"].tolist() == seg["quadrant"].tolist()
    med = segments(t, constructs=CONSTRUCTS, cutoff="median").set_index("group")
    assert med["quadrant"].to_dict() == seg["quadrant"].to_dict()
    # All groups above 50 on trust: fixed cut-off says all high, median splits them.
    high = quadrant_table({"A": (80, 30), "B": (60, 30), "C": (90, 70), "D": (55, 80)})
    fixed = segments(high, constructs=CONSTRUCTS, cutoff=50).set_index("group")["quadrant"]
    assert set(fixed) == {"champions", "anxious adopters"}
    medq = segments(high, constructs=CONSTRUCTS, cutoff="median").set_index("group")["quadrant"]
    assert medq.to_dict() == {
        "A": "champions", "B": "skeptics", "C": "anxious adopters", "D": "resisters",
    }  # fmt: skip


def test_segments_turn_a_security_construct_into_fear():
    security = [
        {**c, "label": "Job security", "direction": "higher_better"}
        if c["id"] == "fear_of_displacement"
        else c
        for c in CONSTRUCTS
    ]
    seg = segments(quadrant_table({"A": (70, 80)}), constructs=security, cutoff=50)
    assert seg.loc[0, "fear"] == 20 and seg.loc[0, "quadrant"] == "champions"
    with pytest.raises(ValueError, match="trust-in-AI and a fear-of-displacement"):
        segments(quadrant_table({"A": (70, 80)}), constructs=CONSTRUCTS[2:])


def test_flags_carry_segment_and_convert_to_json_and_frame():
    t = table(
        *neutral_group("Support", trust_in_ai=row("Support", "trust_in_ai", score=35, rest=60,
                                                 d=-1.2, p=1e-5),
                       fear_of_displacement=row("Support", "fear_of_displacement", score=75,
                                                rest=50, d=1.1, p=1e-5)),
        *neutral_group("Sales"),
    )  # fmt: skip
    flags = find_hotspots(t, constructs=default_survey())
    (f,) = flags
    assert f.segment == "resisters"
    d = json.loads(json.dumps(f.to_dict()))
    assert {"group", "type", "constructs", "priority", "reason", "actions"} <= set(d)
    assert d["group"] == {"team": "Support"} and d["type"] == "change_management"
    assert isinstance(d["priority"], float)
    frame = flags_frame(flags)
    assert list(frame[["rank", "group", "type"]].iloc[0]) == [1, "Support", "change_management"]
    assert frame.loc[0, "constructs"] == "trust_in_ai; fear_of_displacement"
    assert flags_frame([]).empty


def test_crossed_groupings_are_kept_apart():
    t = table(
        row("Sales", "trust_in_ai", score=40, rest=60, d=-1, p=1e-4),
        {**row("Sales", "trust_in_ai", n=12, score=30, rest=60, d=-1.5, p=1e-4),
         "grouping": "team × role", "group": "Sales × Manager", "role": "Manager"},
    )  # fmt: skip
    flags = find_hotspots(t, constructs=CONSTRUCTS)
    assert {(f.grouping, f.group_label) for f in flags} == {
        ("team", "Sales"),
        ("team × role", "Sales × Manager"),
    }
    assert {"team": "Sales", "role": "Manager"} in [f.group for f in flags]


def test_missing_columns_give_a_clear_error():
    with pytest.raises(ValueError, match=r"lacks column\(s\) score"):
        find_hotspots(table(row("A", "trust_in_ai")).drop(columns="score"), constructs=CONSTRUCTS)


# ---------------------------------------------------------------------------------------------
# End to end through the real scoring: planted problems are recovered, nothing else is flagged


def simulate(seed: int, planted: dict[tuple[str, str], float]):
    """Respondents in teams answering 4 five-point items per construct; `planted` shifts a
    team's latent construct level (in SD units, + = higher score)."""
    rng = np.random.default_rng(seed)
    sizes = {"Support": 45, "Ops": 30, "Sales": 40, "Finance": 25, "Legal": 20, "IT": 35,
             "Marketing": 28, "HR": 3}  # fmt: skip
    teams = np.repeat(list(sizes), list(sizes.values()))
    n = len(teams)
    general = rng.normal(size=n)  # shared attitude makes constructs correlate
    values, meta = {}, []
    for c in IDS:
        latent = 0.5 * general + rng.normal(size=n)
        for (team, construct), shift in planted.items():
            if construct == c:
                latent[teams == team] += shift
        for k in range(4):
            item = np.clip(np.round(3 + 0.9 * latent + rng.normal(0, 0.6, n)), 1, 5)
            values[f"{c}_{k}"] = item
            meta.append({"item": f"{c}_{k}", "construct": c, "scale_min": 1, "scale_max": 5,
                         "favorable_min": 4, "unfavorable_max": 2, "reverse": False})  # fmt: skip
    cmeta = pd.DataFrame(CONSTRUCTS).set_index("id")
    from analysis.scoring import score_responses

    return score_responses(
        pd.DataFrame(values),
        pd.DataFrame(meta).set_index("item"),
        groups=pd.DataFrame({"team": teams}),
        construct_meta=cmeta[["label", "direction", "concept"]],
    )


# scoring._group_sums trips a pandas 4 deprecation for a single `by` column (reported to its
# owner); it does not affect the numbers, so it is silenced here only.
@pytest.mark.filterwarnings("ignore:In a future version, the keys of:pandas.errors.Pandas4Warning")
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_planted_problems_are_recovered_through_real_scoring(seed):
    from analysis.drivers import key_drivers
    from analysis.scoring import group_scores

    planted = {
        ("Support", "fear_of_displacement"): 1.3,
        ("Support", "trust_in_ai"): -1.0,
        ("Ops", "ai_skills_confidence"): -1.3,
        ("IT", "trust_in_ai"): 0.8,  # better than the rest: must not be flagged
    }
    scored = simulate(seed, planted)
    policy = PrivacyPolicy()
    gt = group_scores(scored, "team", policy)
    drivers = key_drivers(scored.constructs, constructs=CONSTRUCTS, n_boot=100)
    flags = find_hotspots(gt, drivers, constructs=CONSTRUCTS, policy=policy)
    # FDR screening: the planted problems with high confidence, nothing else with high
    # confidence, at most one chance lead of medium confidence (never the better team's trust).
    sure = {(f.group_label, f.type) for f in flags if f.confidence == "high"}
    assert sure == {("Support", "change_management"), ("Ops", "training")}
    assert len(flags) - len(sure) <= 1
    assert not any(f.group_label == "IT" and "trust_in_ai" in f.constructs for f in flags)
    support = by_group(flags)[("Support", "change_management")]
    assert set(support.constructs) == {"fear_of_displacement", "trust_in_ai"}
    assert "Support (n=45)" in support.reason
    assert all(f.group_label != "HR" for f in flags)  # 3 people: suppressed
    seg = segments(gt, constructs=CONSTRUCTS).set_index("group")
    assert seg.loc["Support", "quadrant"] == "resisters"
    assert "HR" not in seg.index


def test_aggregated_comments_feed_flags_for_crossed_groups():
    teams = ["Support"] * 30 + ["Sales"] * 30 + ["Ops"] * 30
    roles = ["Agent"] * 90
    fear = [i < 18 for i in range(30)] + [i < 3 for i in range(30)] + [i < 2 for i in range(30)]
    comments = pd.DataFrame(
        {
            "team": teams,
            "role": roles,
            "text": [f"comment {i}: will my job go?" for i in range(90)],
            "displacement_fear": fear,
            "training_request": False,
        }
    )
    cs = group_comment_signals(comments, ["team", "role"])
    assert list(cs["grouping"].unique()) == ["team × role"]
    rows = []
    for team in ("Support", "Sales", "Ops"):
        worse = team == "Support"
        r = row(team, "fear_of_displacement", n=30, score=70 if worse else 50, rest=50,
                d=0.9 if worse else 0.0, p=1e-4 if worse else 0.9)  # fmt: skip
        rows.append({**r, "grouping": "team × role", "group": f"{team} × Agent", "role": "Agent"})
    (f,) = find_hotspots(table(*rows), comment_signals=cs, constructs=CONSTRUCTS)
    assert f.group == {"team": "Support", "role": "Agent"}
    assert "60% of its 30 comments mention job loss or being replaced (vs 8% elsewhere)" in f.reason
    assert len(f.quotes) == 3 and all(q.endswith("will my job go?") for q in f.quotes)


def score_sample(seed: int):
    """The committed sample generator's canonical answers, scored with the real scoring."""
    from analysis.scales import get_scale
    from analysis.scoring import score_responses
    from sample_data.generate import generate_responses

    survey = default_survey()
    responses = generate_responses(seed=seed)
    values, meta = {}, []
    for item in survey.items:
        scale = get_scale(item.scale)
        values[item.id] = scale.encode(responses[item.id]).values
        meta.append(
            {
                "item": item.id,
                "construct": item.construct,
                "scale_min": min(scale.values),
                "scale_max": max(scale.values),
                "favorable_min": scale.favorable_min,
                "unfavorable_max": scale.unfavorable_max,
                "reverse": item.reverse,
            }
        )
    cmeta = pd.DataFrame(
        [{"id": c.id, "label": c.label, "direction": c.direction, "concept": c.concept}
         for c in survey.constructs]
    ).set_index("id")  # fmt: skip
    return score_responses(
        pd.DataFrame(values),
        pd.DataFrame(meta).set_index("item"),
        groups=responses[["team", "role"]].astype(str),
        construct_meta=cmeta,
    )


@pytest.mark.filterwarnings("ignore:In a future version, the keys of:pandas.errors.Pandas4Warning")
@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_sample_data_planted_truth_is_recovered(seed, root):
    from analysis.drivers import key_drivers
    from analysis.scoring import group_scores

    truth = json.loads((root / "sample_data" / "ground_truth.json").read_text(encoding="utf-8"))
    expected = {
        (e["group"], e["flag_type"]) for e in truth["planted_effects"] if e["worse_than_rest"]
    }
    scored = score_sample(seed)
    gt = pd.concat([group_scores(scored, "team"), group_scores(scored, "role")])
    drivers = key_drivers(scored.constructs, constructs=default_survey(), n_boot=100)
    flags = find_hotspots(gt, drivers, constructs=default_survey(), org_n=len(scored.groups))
    # Screening controls the false discovery rate (0.25), not the chance of any false flag:
    # the planted problems are all found with high confidence (q < 0.05) and nothing else is
    # found with high confidence; at most one chance lead, marked medium confidence.
    sure = [f for f in flags if f.confidence == "high"]
    assert {(f.group_label, f.type) for f in sure} == expected
    assert len(flags) - len(sure) <= 1
    planted = {(e["group"], e["construct"]) for e in truth["planted_effects"]}
    # The strongest evidence of each flag is the planted construct (a correlated construct of
    # the same group, e.g. readiness next to planted low trust, may join it with a small d).
    assert all((f.group_label, f.constructs[0]) in planted for f in sure if f.constructs)
    seg = segments(gt, constructs=default_survey()).set_index("group")
    assert seg.loc[truth["champion"]["group"], "quadrant"] == "champions"


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["Sales", "Ops", "IT", "b", None]),
            st.sampled_from(["Lead", "Staff", None]),
            st.sampled_from(["negative", "neutral", "positive"]),
            st.booleans(),
            st.booleans(),
            st.sampled_from(["AI will take our jobs", "Need training", "ok", "Too many tools"]),
        ),
        max_size=40,
    ),
    st.booleans(),
)
def test_comment_evidence_from_categorical_columns_is_the_texts(rows, crossed):
    """Teams and sentiment labels held as categoricals (the comment table's way) give the
    evidence their text gives: the same groups in the same order, shares and quotes."""
    text = pd.DataFrame(
        rows, columns=["team", "role", "label", "ai_mention", "displacement_fear", "text"]
    ).astype({"team": "str", "role": "str", "label": "str", "text": "str"})
    text["ai_distrust"] = text["ai_mention"] & text["displacement_fear"]
    text["training_request"] = text["text"].str.contains("training")
    by = ["team", "role"] if crossed else ["team"]
    cats = text.astype({"team": "category", "role": "category", "label": "category"})
    cats["team"] = cats["team"].cat.add_categories(["Unused"])
    cats["role"] = cats["role"].cat.reorder_categories(cats["role"].cat.categories[::-1])
    expected = group_comment_signals(text, by)
    pd.testing.assert_frame_equal(group_comment_signals(cats, by), expected)
    # and the text's own groups, as a sorted pandas groupby gives them
    sizes = text.dropna(subset=by).groupby(by, sort=True).size()
    assert len(expected) == len(sizes)
    if len(sizes):
        assert expected["n_comments"].tolist() == sizes.tolist()
        groups = [" × ".join(k if isinstance(k, tuple) else (k,)) for k in sizes.index]
        assert expected["group"].tolist() == groups


def test_comment_evidence_merges_categories_that_read_alike():
    """Categories 1 and "1" are one text group, as the text groups them."""
    text = pd.DataFrame({"team": ["1", "1", "2"], "text": ["a", "b", "c"]})
    text["displacement_fear"] = [True, False, True]
    cats = text.assign(team=pd.Categorical([1, "1", 2]))
    out = group_comment_signals(cats, "team")
    pd.testing.assert_frame_equal(out, group_comment_signals(text, "team"))
    assert out["n_comments"].tolist() == [2, 1]
