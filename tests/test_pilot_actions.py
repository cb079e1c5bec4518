"""Action plans: YAML round trip with complete error lists, persistence in a project file and
in the shared-mode store, created from a flag, and measured against the next wave (known
values from a hand-made comparison, hidden groups carry no numbers)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from scipy import stats as sps

from analysis import waves
from analysis.actions import (
    Action,
    ActionPlan,
    action_from_flag,
    load_plan,
    measure_actions,
    plan_yaml,
    save_plan,
    store_plan,
    stored_plan,
)
from analysis.config import ConfigError
from analysis.shared.store import DatasetStore, new_key
from analysis.tables import ACTIONS

AGREE5 = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]
MAPPING = """
team: Team
items:
  Q1: {construct: trust_in_ai, scale: agree5}
"""
FLAG = {
    "group_label": "A",
    "grouping": "Team",
    "constructs": ["trust_in_ai"],
    "reason": "low trust in AI",
    "actions": [{"title": "Show the tool's error rate"}, {"title": "Pair with a champion"}],
}


def wave(label: str, teams: dict[str, list[int]]) -> waves.Wave:
    lines = ["Team,Q1"] + [f"{t},{AGREE5[a - 1]}" for t, xs in teams.items() for a in xs]
    data = ("\n".join(lines) + "\n").encode()
    return waves.load_wave(data, f"{label}.csv", label=label, mapping_yaml=MAPPING)


def test_action_from_flag_uses_the_playbook_or_own_text():
    a = action_from_flag(FLAG, owner="Dana", due=date(2025, 6, 30), today=date(2025, 3, 1))
    assert (a.action, a.source, a.group, a.construct_id) == (
        "Show the tool's error rate",
        "playbook",
        "A",
        "trust_in_ai",
    )
    own = action_from_flag(FLAG, owner="Dana", due=date(2025, 6, 30), text="Weekly demos")
    assert own.source == "own" and own.action == "Weekly demos"
    with pytest.raises(ValueError, match="Write the action"):
        action_from_flag({"group_label": "A"}, owner="x", due=date(2025, 1, 1))


def test_plan_round_trips_through_a_project_file(tmp_path):
    a = action_from_flag(FLAG, owner="Dana", due=date(2025, 6, 30), target=60)
    plan = ActionPlan().add(a)
    path = tmp_path / "project" / "actions.yaml"
    save_plan(plan, path)
    assert load_plan(path) == plan  # persists across sessions
    assert load_plan(tmp_path / "missing.yaml") == ActionPlan()
    with pytest.raises(ValueError, match="already in the plan"):
        plan.add(a)
    assert plan.remove(a.id).actions == ()


def test_shared_mode_store_keeps_the_plan(tmp_path):
    key = new_key()
    plan = ActionPlan().add(action_from_flag(FLAG, owner="Dana", due=date(2025, 6, 30)))
    store_plan(DatasetStore(tmp_path, key), "pulse", plan, by="hr")
    assert stored_plan(DatasetStore(tmp_path, key), "pulse") == plan
    assert stored_plan(DatasetStore(tmp_path, key), "other") == ActionPlan()


def test_a_bad_plan_lists_every_problem():
    text = "actions:\n  - id: a\n    group: A\n    construct: x\n    action: y\n    due: soon\n"
    with pytest.raises(ConfigError) as err:
        load_plan(text + "    target: 300\n")
    joined = "\n".join(err.value.problems)
    assert "owner" in joined and "due" in joined and "target" in joined


def test_actions_are_measured_against_the_next_wave():
    # trust 0-100. Before: A 25 x6, B 50 x6, C 50 x6. After: A 75 x6, B 50 x6, C 75 x6.
    before = wave("W1", {"A": [2] * 6, "B": [3] * 6, "C": [3] * 6})
    after = wave("W2", {"A": [4] * 6, "B": [3] * 6, "C": [4] * 6})
    cmp = waves.compare_waves([before, after])
    plan = ActionPlan(
        actions=(
            Action(
                id="a",
                group="A",
                construct="trust_in_ai",
                action="demos",
                owner="x",
                due=date(2025, 6, 1),
                target=70,
            ),
            Action(
                id="b",
                group="Nobody",
                construct="trust_in_ai",
                action="y",
                owner="x",
                due=date(2025, 6, 1),
            ),
        )
    )
    out = measure_actions(plan, cmp)
    ACTIONS.schema().validate(out, lazy=True)
    a = out.set_index("id").loc["a"]
    assert a["change"] == pytest.approx(50)
    # rest of the organisation: B and C, 50 before, 62.5 after
    org = cmp.changes.query("group == 'All respondents'").iloc[0]
    assert a["org_change"] == pytest.approx(org["change"])
    rest_before = 50.0
    rest_after = (6 * 50 + 6 * 75) / 12
    assert a["did"] == pytest.approx(50 - (rest_after - rest_before))
    assert a["did_ci_low"] <= a["did"] <= a["did_ci_high"]
    assert a["reached"] is True and "points against" in a["result"]
    # hand-computed interval: only the rest after varies, so se = its SE and df = 12 - 1
    se = np.sqrt(np.var([50] * 6 + [75] * 6, ddof=1) / 12)
    half = sps.t.ppf(0.975, 11) * se
    assert (a["did_ci_low"], a["did_ci_high"]) == pytest.approx((a["did"] - half, a["did"] + half))
    b = out.set_index("id").loc["b"]
    assert np.isnan(b["change"]) and b["result"].startswith("not measured")


def test_plan_yaml_is_safe_text():
    a = action_from_flag(FLAG, owner="=cmd|' /C calc'!A0", due=date(2025, 6, 30))
    text = plan_yaml(ActionPlan(actions=(a,)))
    assert load_plan(text).actions[0].owner == a.owner  # stored as data, round trips
