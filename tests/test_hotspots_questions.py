"""Actions chosen by question (analysis.hotspots.questions): the actions that answer the
questions where a flagged group is clearly lower come first, and say which question and why."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import hotspots
from analysis.hotspots import Flag


def _action(title: str, *words: str) -> dict:
    return {"title": title, "detail": "d", "source": "s", "addresses": list(words)}


PLAYBOOK = {
    "concepts": {
        "trust_in_ai": {
            "actions": [
                _action("Peers"),
                _action("Accuracy", "accura"),
                _action("Limits", "error", "predict"),
            ]
        }
    }
}


def _flag(**kw) -> Flag:
    base = {
        "group": {"Team": "A"},
        "group_label": "A",
        "grouping": "Team",
        "n": 40,
        "type": "change_management",
        "constructs": ["trust"],
        "priority": 1.0,
        "priority_formula": "",
        "reason": "",
        "evidence": [{"construct": "trust", "concept": "trust_in_ai"}],
        "actions": [{"title": "Peers", "detail": "d", "source": "s", "concept": "trust_in_ai"}],
    }
    return Flag(**{**base, **kw})


def _gaps(rows: list[tuple[str, str, float, str, bool]]) -> pd.DataFrame:
    names = ["group", "question", "gap", "state", "weakest"]
    frame = pd.DataFrame(rows, columns=names)
    return frame.assign(grouping="Team", construct="trust")


def test_clearly_lower_questions_choose_the_first_actions_largest_gap_first():
    gaps = _gaps(
        [
            ("A", "Q? - Its output is accurate", 12.0, "flag", False),
            ("A", "Q? - It makes errors nobody notices", 20.0, "flag", True),
            ("A", "Q? - I like it", 30.0, "fine", False),  # not clearly lower: not used
            ("B", "Q? - Its output is accurate", 40.0, "flag", False),  # another group
        ]
    )
    listed = [
        {**a, "concept": "trust_in_ai"} for a in PLAYBOOK["concepts"]["trust_in_ai"]["actions"]
    ]
    [out] = hotspots.by_question([_flag(actions=listed)], gaps, PLAYBOOK)
    assert [a["title"] for a in out.actions] == ["Limits", "Accuracy", "Peers"]  # same length
    assert out.actions[0]["question"] == "It makes errors nobody notices"  # the stem dropped
    assert out.actions[0]["why"] == "20 points below the rest"
    assert "addresses" not in out.actions[0] and "question" not in out.actions[2]


def test_without_a_clearly_lower_question_the_weakest_one_chooses():
    gaps = _gaps([("A", "It is accurate", 3.0, "fine", True), ("A", "x", 1.0, "fine", False)])
    [out] = hotspots.by_question([_flag()], gaps, PLAYBOOK)
    assert out.actions[0]["title"] == "Accuracy"
    assert out.actions[0]["why"] == "the group's weakest question on this measure"


@pytest.mark.parametrize(
    "flag",
    [_flag(scope="organisation"), _flag(constructs=[]), _flag(group_label="C")],
    ids=["organisation", "comments-only", "no rows for the group"],
)
def test_other_flags_keep_their_actions(flag):
    gaps = _gaps([("A", "It is accurate", 12.0, "flag", True)])
    assert hotspots.by_question([flag], gaps, PLAYBOOK) == [flag]
    assert hotspots.by_question([flag], pd.DataFrame(), PLAYBOOK) == [flag]


def test_sample_flags_name_the_questions_their_actions_answer():
    from pathlib import Path

    from analysis import pipeline

    root = Path(__file__).resolve().parents[1]
    data = (root / "sample_data" / "ai_pulse_qualtrics.csv").read_bytes()
    export, colmap = pipeline.load(data, "ai_pulse_qualtrics.csv")
    res = pipeline.analyze(pipeline.prepare(export, colmap, source_name="s.csv"), by=["team"])
    chosen = [(f, a) for f in res.flags for a in f.actions if a.get("question")]
    assert chosen, "no action was chosen by question on the sample"
    for flag, action in chosen:
        assert flag.scope == "group"
        mine = res.item_gaps[
            (res.item_gaps["group"] == flag.group_label)
            & res.item_gaps["question"].str.endswith(action["question"])
        ]
        assert len(mine) and mine["construct"].isin(flag.constructs).all()
