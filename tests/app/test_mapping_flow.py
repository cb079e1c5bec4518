"""The mapping flow's logic (ui.mapping_flow), without Streamlit: drafts, scales, YAML."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from analysis import pipeline
from analysis.columns import ColumnMap, ColumnSpec
from analysis.scales import SCALES
from analysis.survey import default_survey
from ui import mapping_flow as mf

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "tests" / "data" / "real_exports"


def _map(*specs: ColumnSpec) -> ColumnMap:
    return ColumnMap(list(specs))


def _export(frame: pd.DataFrame) -> tuple:
    data = frame.to_csv(index=False).encode()
    return pipeline.load(data, "t.csv")


def test_bulk_assign_gives_every_selected_column_one_construct_and_scale() -> None:
    cols = [ColumnSpec(f"Q{i}", "ignored") for i in range(12)] + [ColumnSpec("Dept", "team")]
    draft = mf.MappingDraft.from_colmap(_map(*cols))
    picked = [f"Q{i}" for i in range(12)]
    draft.assign_items(picked, construct="trust_in_ai", scale="agree5")
    assert draft.item_columns == picked
    assert {draft.items[c] for c in picked} == {mf.ItemChoice("trust_in_ai", "agree5", False)}
    doc = yaml.safe_load(draft.to_yaml())
    assert doc["team"] == "Dept"
    assert doc["items"]["Q3"] == {"construct": "trust_in_ai", "scale": "agree5", "reverse": False}


def test_set_single_moves_the_old_team_to_demographics() -> None:
    draft = mf.MappingDraft.from_colmap(_map(ColumnSpec("A", "team"), ColumnSpec("B", "ignored")))
    draft.set_single("team", "B")
    assert draft.single("team") == "B"
    assert draft.role_of("A") == "demographic"
    draft.set_single("team", None)
    assert draft.single("team") is None


def test_custom_scale_and_new_construct_round_trip_through_yaml() -> None:
    frame = pd.DataFrame(
        {
            "Dept": ["A", "B"] * 10,
            "Q1": ["Not at all", "Somewhat", "Absolutely", "Don't know"] * 5,
            "Q2": ["Somewhat", "Absolutely", "Not at all", "Somewhat"] * 5,
        }
    )
    export, colmap = _export(frame)
    draft = mf.MappingDraft.from_colmap(colmap)
    order, nas = mf.suggest_order(mf.answer_counts(export.responses["Q1"])["answer"].tolist())
    assert order == ["Not at all", "Somewhat", "Absolutely"]
    assert nas == ["Don't know"]
    scale = draft.add_scale(order, nas)
    cid = draft.add_construct(
        mf.NewConstruct("Job at stake", "fear_of_displacement", "higher_worse", 40.0)
    )
    draft.assign_items(["Q1", "Q2"], construct=cid, scale=scale)
    draft.set_single("team", "Dept")
    text = draft.to_yaml()
    doc = yaml.safe_load(text)
    assert doc["constructs"] == {
        "job_at_stake": {
            "label": "Job at stake",
            "concept": "fear_of_displacement",
            "direction": "higher_worse",
            "target": 40,
        }
    }
    assert doc["items"]["Q1"]["scale"] == {
        "Not at all": 1,
        "Somewhat": 2,
        "Absolutely": 3,
        "Don't know": None,
    }
    again = mf.draft_from_yaml(text, colmap)
    assert again.constructs == draft.constructs
    assert again.to_yaml() == text  # saving what was loaded changes nothing
    preview = mf.preview_scores(export, colmap, again)
    row = preview.set_index("Construct").loc["Job at stake"]
    assert row["People scored"] == 20
    # Q1 answers 0, 50, 100, (none); Q2 50, 100, 0, 50 -> per person the mean of their answers
    expected = pd.Series([25.0, 75.0, 50.0, 50.0] * 5).mean()
    assert row["Average (0-100)"] == pytest.approx(round(expected, 1))


def test_a_near_miss_scale_is_refused_with_the_unmatched_labels() -> None:
    """Issue 23, major 3: a near-miss built-in scale silently dropped most answers."""
    values = pd.Series(["Not at all"] * 3 + ["Very much"] * 5 + ["Absolutely"] * 4 + [None])
    fit = mf.scale_fit("Q", values, SCALES["agree5"])
    assert fit.n_answers == 12
    assert fit.refused
    unmatched = dict(fit.unmatched)
    assert "Absolutely" in unmatched and unmatched["Absolutely"] == 4
    assert "Absolutely" in fit.message()
    custom = mf.custom_scale(*mf.suggest_order(["Very much", "Absolutely", "Not at all"]))
    from analysis.scales import get_scale

    assert not mf.scale_fit("Q", values, get_scale(custom)).refused


def test_refused_scales_lists_only_columns_with_most_answers_off_scale() -> None:
    frame = pd.DataFrame(
        {
            "Good": ["Agree", "Disagree", "Neutral", "Agree"] * 3,
            "Bad": ["Not at all", "Very much", "Absolutely", "Absolutely"] * 3,
        }
    )
    export, colmap = _export(frame)
    draft = mf.MappingDraft.from_colmap(colmap)
    draft.assign_items(["Good", "Bad"], scale="agree5")
    assert [f.column for f in mf.refused_scales(draft, export)] == ["Bad"]


def test_partial_mapping_leaves_unscaled_items_out() -> None:
    draft = mf.MappingDraft.from_colmap(
        _map(ColumnSpec("Q1", "ignored"), ColumnSpec("Q2", "ignored"))
    )
    draft.assign_items(["Q1", "Q2"])
    draft.assign_items(["Q1"], scale="agree5")
    assert mf.unscaled_items(draft) == ["Q2"]
    assert yaml.safe_load(draft.to_yaml())["items"]["Q2"]["scale"] is None


def test_search_matches_every_word_in_name_or_question() -> None:
    draft = mf.MappingDraft.from_colmap(
        _map(ColumnSpec("Q1", "item"), ColumnSpec("Q2", "ignored"), ColumnSpec("Dept", "team"))
    )
    questions = {"Q1": "I trust AI tools", "Q2": "AI will replace my job", "Dept": "Department"}
    assert mf.search_columns(draft, questions, "ai") == ["Q1", "Q2"]
    assert mf.search_columns(draft, questions, "AI job") == ["Q2"]
    assert mf.search_columns(draft, questions, "", roles=["team"]) == ["Dept"]


def test_construct_ids_are_slugs_and_unique() -> None:
    draft = mf.MappingDraft.from_colmap(_map())
    first = draft.add_construct(mf.NewConstruct("Role clarity (self)"))
    second = draft.add_construct(mf.NewConstruct("Role clarity self", direction="higher_worse"))
    assert first == "role_clarity_self"
    assert second == "role_clarity_self_2"
    assert mf.construct_id("2025 goals") == "c_2025_goals"
    assert mf.natural_direction("training_need") == "higher_worse"
    assert mf.check_construct(" ", None, "sideways") == [
        "Give the construct a label.",
        "Unknown direction 'sideways'.",
    ]


def test_constructs_section_reading_follows_the_agreed_format() -> None:
    text = (
        "constructs:\n"
        "  training_need: {label: Training need}\n"
        "  role_clarity: {label: Role clarity, concept: none, direction: higher_better, "
        "target: 60}\n"
    )
    got = mf.constructs_in_yaml(text)
    assert got["training_need"] == mf.NewConstruct(
        "Training need", "training_need", "higher_worse", None
    )
    assert got["role_clarity"] == mf.NewConstruct("Role clarity", None, "higher_better", 60.0)


def test_core_yaml_keeps_what_the_core_can_read() -> None:
    text = "constructs:\n  x: {label: X}\nitems: {}\n"
    out = yaml.safe_load(mf.core_yaml(text))
    assert ("constructs" in out) == mf.core_reads_constructs()
    assert out["items"] == {}


@given(st.lists(st.sampled_from(["Never", "Rarely", "Sometimes", "Often", "Always"]), min_size=1))
def test_suggested_order_is_a_permutation_of_the_answers(answers: list[str]) -> None:
    labels = list(dict.fromkeys(answers))
    order, nas = mf.suggest_order(labels)
    assert sorted(order + nas) == sorted(labels)
    rank = ["Never", "Rarely", "Sometimes", "Often", "Always"]
    assert order == sorted(order, key=rank.index)


@pytest.mark.skipif(not REAL.exists(), reason="real exports not present")
def test_real_limesurvey_grid_gets_one_custom_scale_for_the_whole_grid() -> None:
    path = REAL / "limesurvey_results-survey945827_fulltext.csv"
    export, colmap = pipeline.load(path.read_bytes(), path.name)
    draft = mf.MappingDraft.from_colmap(colmap)
    questions = {c.name: c.question for c in export.columns}
    grid = mf.search_columns(draft, questions, "", roles=["item"])
    assert len(grid) >= 12
    labels = mf.answer_counts(export.responses[grid[0]])["answer"].tolist()
    name = draft.add_scale(*mf.suggest_order(labels))
    draft.assign_items(grid, scale=name, construct="change_readiness")
    preview = mf.preview_scores(export, colmap, draft)
    label = default_survey().construct("change_readiness").label
    assert label in preview["Construct"].tolist()


def test_accepting_suggestions_fills_only_questions_that_measure_nothing_yet() -> None:
    from analysis.suggest import Suggestion

    draft = mf.MappingDraft.from_colmap(
        _map(
            ColumnSpec("Q1", "item", scale="agree5"),
            ColumnSpec("Q2", "item", scale="agree5", construct="manager_support"),
            ColumnSpec("Q3", "item", scale="agree5"),
            ColumnSpec("Dept", "team"),
        )
    )

    def said(column: str, construct: str, reverse: bool) -> Suggestion:
        direction = "higher_worse" if construct == "fear_of_displacement" else "higher_better"
        return Suggestion(column, construct, construct, direction, reverse, 0.9, "X", "text")

    found = {
        "Q1": said("Q1", "fear_of_displacement", True),
        "Q2": said("Q2", "trust_in_ai", False),  # the analyst's choice stands
        "Dept": said("Dept", "trust_in_ai", False),  # not a rated question
    }
    assert mf.accept_suggestions(draft, found) == ["Q1"]
    assert draft.items["Q1"] == mf.ItemChoice("fear_of_displacement", "agree5", True)
    assert draft.items["Q2"] == mf.ItemChoice("manager_support", "agree5", False)
    assert draft.items["Q3"] == mf.ItemChoice(None, "agree5", False)
    assert draft.role_of("Dept") == "team"
