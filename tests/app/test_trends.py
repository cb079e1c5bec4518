"""AppTest for the Trends page: add a wave, label it, see the trend and change charts, the
worsened groups, the test used and no number for groups hidden in either wave."""

from __future__ import annotations

import pandas as pd
from streamlit.testing.v1 import AppTest

from sample_data.generate import generate_responses, qualtrics_csv
from tests.app.conftest import Ready, seeded_app
from ui import state

PAGE = "app_pages/trends.py"


def charts(at: AppTest) -> list:
    return [e for e in at.main if getattr(e, "type", None) == "vega_lite_chart"]


def changes_table(at: AppTest) -> pd.DataFrame:
    tables = [d.value for d in at.dataframe if "status" in d.value.columns]
    assert len(tables) == 1
    return tables[0]


def test_trends_page_asks_for_a_second_wave(small: Ready) -> None:
    at = seeded_app(small, PAGE)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Trends"
    assert any("Add a second wave" in i.value for i in at.info)
    assert not charts(at)


def test_sample_wave_2_gives_trends_changes_and_flags(small: Ready) -> None:
    at = seeded_app(small, PAGE)
    button = next(b for b in at.button if b.label == "Use sample wave 2")
    button.click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error
    assert len(charts(at)) == 2  # trend small multiples, change heatmap
    assert any("independent samples" in c.value for c in at.caption)
    table = changes_table(at)
    assert set(table["from_wave"]) == {"Wave 1"} and set(table["to_wave"]) == {"Wave 2"}
    # a group hidden in either wave shows no number
    hidden = table[table["status"] != "shown"]
    assert len(hidden) and hidden[["n_from", "n_to", "change", "p_adj"]].isna().all().all()
    shown = table[table["status"] == "shown"]
    assert (shown[["n_from", "n_to"]].min(axis=1) >= 5).all()
    # the flag column marks worsened groups only where the test said so
    assert set(table["flag"]) <= {"", "worsened", "improved"}
    worse = table[table["flag"] == "worsened"]
    warned = [w.value for w in at.warning if "Worsened significantly" in w.value]
    assert bool(len(worse)) == bool(warned)

    # relabel the second wave: the tables follow
    key = next(k for k in at.session_state if str(k).startswith(state.WAVE_LABEL_PREFIX)
               and not str(k).endswith("base"))  # fmt: skip
    at.text_input(key=key).set_value("Sept 2025").run()
    assert not at.exception
    assert set(changes_table(at)["to_wave"]) == {"Sept 2025"}


def test_uploaded_wave_with_a_renamed_team(small: Ready) -> None:
    frame = generate_responses(n=300, seed=12, wave=2)
    frame["team"] = frame["team"].replace({"Customer Support": "Customer Care"})
    at = seeded_app(small, PAGE)
    at.file_uploader[0].set_value(("wave2.csv", qualtrics_csv(frame), "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    table = changes_table(at)
    care = table[table["group"] == "Customer Care"]
    assert len(care) and care["status"].str.contains("no responses").all()
    # the team map (what the rename table stores) joins the two names
    at.session_state[state.TEAM_MAP] = {small.dataset.key: {"Customer Support": "Customer Care"}}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    care = changes_table(at).query("group == 'Customer Care'")
    assert (care["status"] == "shown").all() and care["n_from"].notna().all()
    assert "Customer Support" not in set(changes_table(at)["group"])
