"""AppTest for the Pilot page: the sample pilot gives a difference in differences that finds
the planted trust gain, a readiness grouping with reasons, and an action measured against the
next wave; a pilot under the minimum is refused."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.app.conftest import Ready, seeded_app

PAGE = "app_pages/pilot.py"


def charts(at: AppTest) -> list:
    return [e for e in at.main if getattr(e, "type", None) == "vega_lite_chart"]


def table_with(at: AppTest, column: str):
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert len(found) == 1, column
    return found[0]


def test_pilot_page_asks_for_pilot_teams(small: Ready) -> None:
    at = seeded_app(small, PAGE)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Pilot"
    assert any("Pick the teams" in i.value for i in at.info)
    # a team under the minimum is refused with the privacy sentence, no numbers
    small_team = next(o for o in at.multiselect[0].options if o == "Internal Audit")
    at.multiselect[0].set_value([small_team]).run()
    assert not at.exception
    assert any("at least 5" in e.value for e in at.error)
    assert not charts(at)


def test_sample_pilot_story_readiness_and_actions(small: Ready) -> None:
    at = seeded_app(small, PAGE)
    next(b for b in at.button if b.label == "Use the sample pilot").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.radio[0].value == "A yes/no column"
    assert at.selectbox[0].value == "AIPilot"
    verdicts = table_with(at, "verdict").set_index("label")["verdict"]
    assert verdicts["Trust in AI tools"] == "better"
    assert verdicts["Readiness for the AI change"] == "no clear difference"
    assert len(charts(at)) == 2  # estimates with intervals, before/after
    assert any("Parallel trends" in m.value for m in at.markdown)
    ready = table_with(at, "status")
    assert set(ready["status"]) <= {
        "ready now",
        "change management first",
        "training first",
        "too small or too uncertain to tell",
    }
    assert ready.set_index("group").loc["Internal Audit", "status"].startswith("too small")
    # add an action for Sales' trust, measured against the next wave
    form_boxes = [s for s in at.selectbox if s.label == "Team"]
    form_boxes[0].set_value("Sales")
    next(t for t in at.text_input if t.label.startswith("Action")).input("AI champions")
    next(t for t in at.text_input if t.label == "Owner").input("Head of Sales")
    next(b for b in at.button if b.label == "Add action").click().run()
    assert not at.exception, [e.value for e in at.exception]
    measured = table_with(at, "result")
    row = measured.iloc[0]
    assert row["group"] == "Sales" and row["construct"] == "trust_in_ai"
    assert row["did"] > 0 and "points against" in row["result"]
    assert any(b.label == "Save the action plan (YAML)" for b in at.get("download_button"))


def test_an_action_from_a_hot_spot_flag(small: Ready) -> None:
    at = seeded_app(small, PAGE)
    at.multiselect[0].set_value(["Sales", "Marketing"]).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("One wave only" in m.value for m in at.markdown)  # the one-wave caveat
    at.checkbox[0].check().run()
    assert not at.exception, [e.value for e in at.exception]
    next(t for t in at.text_input if t.label == "Owner of the flag's action").input("HR").run()
    next(b for b in at.button if b.label == "Add the flag's playbook action").click().run()
    assert not at.exception, [e.value for e in at.exception]
    plan = table_with(at, "owner")
    assert plan.iloc[0]["owner"] == "HR" and plan.iloc[0]["source"] == "playbook"
    assert any("next wave" in c.value for c in at.caption)
