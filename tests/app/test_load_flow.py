"""The guided mapping flow on the Load page, driven as an analyst would (issue 23)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis import pipeline
from analysis.scales import SCALES
from tests.app.conftest import Ready, seeded_app
from ui import mapping_flow as mf
from ui import state

ROOT = Path(__file__).resolve().parents[2]
STACKOVERFLOW = (
    ROOT / "tests" / "data" / "real_exports" / "stackoverflow_2025_survey_results_first200.csv"
)


def _by_label(elements, label: str):
    return next(e for e in elements if e.label == label)


def _starting(elements, prefix: str):
    return next(e for e in elements if e.label.startswith(prefix))


def _text(elements) -> list[str]:
    return [e.value.replace("\\", "") for e in elements]


def _robotics_like() -> bytes:
    """Three 'is your job at stake' questions answered Not at all / Very much / Absolutely."""
    answers = ["Not at all", "Very much", "Absolutely", "Very much", "Don't know"]
    rows = {
        "Department": [f"Dept {i % 3}" for i in range(30)],
        "Q1": [answers[i % 5] for i in range(30)],
        "Q2": [answers[(i + 1) % 5] for i in range(30)],
        "Q3": [answers[(i + 2) % 5] for i in range(30)],
    }
    return pd.DataFrame(rows).to_csv(index=False).encode()


_OWN_QUESTIONS = (
    "I trust the output of the AI tools I use at work",
    "I worry that AI could take over my job",
    "I feel sure my skills will still be needed as AI use grows",
    "I am satisfied with my pay",
)


def _own_wording() -> bytes:
    """Another organisation's questionnaire: the constructs in its own words, none tagged."""
    agree = SCALES["agree5"].labels
    rows = {"Team": [f"Team {i % 3}" for i in range(30)]}
    for j, q in enumerate(_OWN_QUESTIONS):
        rows[q] = [agree[(i * (j + 2) + j) % 5] for i in range(30)]
    return pd.DataFrame(rows).to_csv(index=False).encode()


def test_suggested_constructs_are_shown_and_used_only_when_accepted(small: Ready) -> None:
    at = seeded_app(small, "app_pages/load.py")
    at.file_uploader[0].set_value(("own.csv", _own_wording(), "text/csv")).run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "Seems to measure" in d.value.columns)
    table = table.set_index("Question")
    trust, worry, sure, pay = _OWN_QUESTIONS
    assert table.loc[trust, "Seems to measure"] == "Trust in AI tools"
    assert table.loc[worry, "Seems to measure"] == "Fear of job displacement"
    assert table.loc[sure, "Seems to measure"] == "Fear of job displacement"
    assert table.loc[sure, "Direction"] == "reversed"  # confident = not afraid
    assert pay not in table.index  # nothing close enough: no suggestion
    assert (table["Almost as close (check)"] == "").all()  # each reading well ahead of the next
    grid = at.data_editor[0].value.set_index("column")
    assert grid.loc[[trust, worry, sure], "construct"].isna().all()  # not used yet
    _starting(at.button, "Accept the 3 suggestion").click().run()
    assert not at.exception
    grid = at.data_editor[0].value.set_index("column")
    assert list(grid.loc[[trust, worry, sure], "construct"]) == [
        "trust_in_ai",
        "fear_of_displacement",
        "fear_of_displacement",
    ]
    assert list(grid.loc[[trust, worry, sure], "reverse"]) == [False, False, True]
    assert pd.isna(grid.loc[pay, "construct"])
    assert not any("Seems to measure" in d.value.columns for d in at.dataframe)  # all taken
    _by_label(at.button, "Apply mapping").click().run()
    assert not at.exception
    assert any("Mapping applied" in s for s in _text(at.success))


def test_a_file_held_for_mapping_counts_one_response_per_person(small: Ready) -> None:
    """Nothing to score yet, and three people submitted twice: the summary's responses are
    the rows an analysis would read, as after applying a mapping."""
    labels = ["Meh", "Fine", "Great", "Awful"]
    rows = ["Email,Department,How is AI going for you?"]
    rows += [f"p{i}@corp.example,Dept {i % 3},{labels[i % 4]}" for i in range(30)]
    rows += [f"p{i}@corp.example,Dept {i % 3},{labels[(i + 1) % 4]}" for i in range(3)]
    at = seeded_app(small, "app_pages/load.py")
    at.file_uploader[0].set_value(("held.csv", ("\n".join(rows) + "\n").encode(), "text/csv"))
    at.run()
    assert not at.exception
    assert any("no rated question could be scored yet" in w for w in _text(at.warning))
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Rows read"], metrics["Responses kept"]) == ("33", "30")
    assert any("(30 responses)" in w for w in _text(at.warning))


def test_near_miss_scale_is_refused_then_fixed_in_one_click(small: Ready) -> None:
    at = seeded_app(small, "app_pages/load.py")
    at.file_uploader[0].set_value(("robotics.csv", _robotics_like(), "text/csv")).run()
    assert not at.exception
    _by_label(at.selectbox, "Team column").set_value("Department").run()
    _starting(at.multiselect, "Columns to change").set_value(["Q1", "Q2", "Q3"]).run()
    _by_label(at.selectbox, "Measures (construct)").set_value("fear_of_displacement")
    _by_label(at.selectbox, "Answer scale").set_value("agree5")
    _starting(at.button, "Apply to the").click().run()
    assert not at.exception
    refused = [e for e in _text(at.error) if "Scale refused" in e]
    assert len(refused) == 3 and "Absolutely" in refused[0]
    assert _by_label(at.button, "Apply mapping").disabled  # never a silently wrong number
    next(b for b in at.button if b.label == "Make a custom scale from these labels").click().run()
    assert not at.exception
    assert not [e for e in _text(at.error) if "Scale refused" in e]  # one scale fixed all three
    assert not _by_label(at.button, "Apply mapping").disabled
    order = _by_label(at.multiselect, "Answers from lowest to highest").value
    assert order == ["Not at all", "Very much", "Absolutely"]
    assert _by_label(at.multiselect, "Not an answer (left out)").value == ["Don't know"]
    _by_label(at.button, "Apply mapping").click().run()
    assert not at.exception
    assert any("Mapping applied" in s for s in _text(at.success))
    assert "robotics.csv" in [t.value for t in at.sidebar.text]
    grid = at.data_editor[0].value.set_index("column")
    assert grid.loc["Department", "role"] == "team"
    assert str(grid.loc["Q1", "scale"]).startswith(mf.CUSTOM_PREFIX)
    assert not [w for w in _text(at.warning) if "computed from only" in w]


@pytest.mark.skipif(not STACKOVERFLOW.exists(), reason="real export not present")
def test_real_export_new_construct_bulk_assign_and_heatmap(small: Ready) -> None:
    at = seeded_app(small, "app_pages/load.py")
    at.file_uploader[0].set_value(("so.csv", STACKOVERFLOW.read_bytes(), "text/csv")).run()
    assert not at.exception
    _by_label(at.selectbox, "Team column").set_value("OrgSize").run()
    _starting(at.text_input, "Search").set_value("AI").run()
    _starting(at.button, "Select all").click().run()
    assert len(_starting(at.multiselect, "Columns to change").value) > 20  # bulk selection
    _starting(at.multiselect, "Columns to change").set_value(["AISent", "AIAcc"]).run()
    _by_label(at.toggle, "3. Create a construct").set_value(True).run()
    _by_label(at.text_input, "Label").set_value("AI attitude")
    _by_label(at.selectbox, "Concept").set_value("trust_in_ai")
    _by_label(at.button, "Create construct").click().run()
    assert not at.exception
    _by_label(at.selectbox, "Measures (construct)").set_value("ai_attitude")
    _starting(at.button, "Apply to the").click().run()
    preview = at.dataframe[-1].value.set_index("Construct")
    assert preview.loc["AI attitude", "Questions"] == 2
    _by_label(at.button, "Apply mapping").click().run()
    assert not at.exception
    assert any("Mapping applied" in s for s in _text(at.success))
    grid = at.data_editor[0].value.set_index("column")
    assert grid.loc["OrgSize", "role"] == "team"
    assert grid.loc["AISent", "construct"] == grid.loc["AIAcc", "construct"] == "ai_attitude"
    at.switch_page("app_pages/teams.py").run()
    assert not at.exception
    assert any(c.startswith("Heatmap of") for c in _text(at.caption))


def test_saved_mapping_loads_into_the_flow_once(small: Ready) -> None:
    """Save -> load round-trips the constructs section, and files left in the uploaders apply
    once (the rerun loop of issue 23)."""
    colmap = pipeline.load(small.dataset.data, small.dataset.filename)[1]
    draft = mf.MappingDraft.from_colmap(colmap)
    cid = draft.add_construct(mf.NewConstruct("Role clarity", None, "higher_better", 60.0))
    draft.assign_items(["TR1", "TR2"], construct=cid)
    text = draft.to_yaml()
    at = seeded_app(small, "app_pages/load.py")
    at.file_uploader[1].set_value(("map.yaml", text.encode(), "application/x-yaml")).run()
    assert not at.exception
    assert any("Mapping loaded" in s for s in _text(at.success))
    for _ in range(2):
        at.run()
        assert not at.exception
        assert not at.success  # applied once, not again on every rerun
    grid = at.data_editor[0].value.set_index("column")
    assert grid.loc["TR1", "construct"] == cid
    options = _by_label(at.selectbox, "Measures (construct)").options
    assert "Role clarity" in options  # the construct's label came back from the YAML


def test_refused_item_is_warned_on_every_page() -> None:
    frame = pd.DataFrame(
        {
            "Team": [f"T{i % 2}" for i in range(24)],
            "Q1": ["Not at all", "Very much", "Absolutely", "Agree"] * 6,
            "Q2": ["Agree", "Disagree", "Neutral", "Agree"] * 6,
        }
    )
    data = frame.to_csv(index=False).encode()
    export, colmap = pipeline.load(data, "low.csv")
    draft = mf.MappingDraft.from_colmap(colmap)
    draft.set_single("team", "Team")
    draft.assign_items(["Q1"], construct="fear_of_displacement", scale="agree5")
    draft.assign_items(["Q2"], construct="trust_in_ai", scale="agree5")
    mapped = state.Dataset(data=data, filename="low.csv", mapping_yaml=draft.to_yaml())
    export, colmap = pipeline.load(data, "low.csv", mapping_yaml=mf.core_yaml(draft.to_yaml()))
    prep = pipeline.prepare(export, colmap, source_name="low.csv")
    at = seeded_app(Ready(mapped, prep))
    for page in ("app_pages/overview.py", "app_pages/teams.py", "app_pages/downloads.py"):
        at.switch_page(page).run()
        assert not at.exception
        # Q1's agree5 scale misses 18 of its 24 answers: the analysis refuses to score it
        # (never a silently wrong number) and every page says so
        warned = [w for w in _text(at.warning) if "'Q1' was left unscored: 18 of 24" in w]
        assert len(warned) == 1, page


LIMESURVEY_FULLTEXT = (
    ROOT / "tests" / "data" / "real_exports" / "limesurvey_results-survey945827_fulltext.csv"
)


def test_limesurvey_fulltext_one_edit_applies_without_a_wall_of_errors(small: Ready) -> None:
    """Issue 23 'what was seen' 5: one edit and Apply used to give a 7,300-px error listing
    ~140 grid columns that 'need an answer scale'. Partial mappings apply; the columns left
    out are counted in one line."""
    at = seeded_app(small, "app_pages/load.py")
    data = LIMESURVEY_FULLTEXT.read_bytes()
    at.file_uploader[0].set_value((LIMESURVEY_FULLTEXT.name, data, "text/csv")).run()
    assert not at.exception
    team = _by_label(at.selectbox, "Team column")
    choice = next(o for o in team.options if o != "(none)" and o != str(team.value))
    team.set_value(choice).run()  # the single edit
    _by_label(at.button, "Apply mapping").click().run()
    assert not at.exception
    assert not [e.value for e in at.error if len(e.value) > 300], "a wall of errors"
    left_out = [c for c in _text(at.caption) if "have no answer scale yet" in c]
    assert len(left_out) <= 1
