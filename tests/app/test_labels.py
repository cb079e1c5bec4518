"""Question labels (render.labels): the shared stem said once, each item by its sub-text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from render.labels import item_labels, shorten_questions, split_question, stem_caption

STEM = "How much do you agree with each statement?"


def test_split_qualtrics_and_bracket_forms() -> None:
    assert split_question(f"{STEM} - I understand how AI is used") == (
        STEM,
        "I understand how AI is used",
    )
    assert split_question("Which tools do you use? [Email]") == ("Which tools do you use?", "Email")
    assert split_question("I trust my manager") == ("", "I trust my manager")


def test_shared_stem_is_removed_and_reported_once() -> None:
    questions = {
        "Q6_1": f"{STEM} - I understand how AI is used",
        "Q6_2": f"{STEM} - I trust AI to support my work",
        "Q7": "Anything else? - please tell us",
        "Q8": "",
    }
    labels = shorten_questions(questions)
    assert labels["Q6_1"] == "I understand how AI is used"
    assert labels["Q6_2"] == "I trust AI to support my work"
    assert labels["Q7"] == "Anything else? - please tell us"  # a stem used once stays
    assert labels["Q8"] == "Q8"  # no question: the export code is all there is
    assert labels.stems == (STEM,)
    assert STEM in stem_caption(labels)
    assert stem_caption(shorten_questions({"a": "x"})) == ""


def test_repeated_sub_texts_stay_unique() -> None:
    labels = shorten_questions({"A": "Tools [Email]", "B": "Tools [Email]", "C": "Tools [Chat]"})
    assert labels == {"A": "Email (A)", "B": "Email (B)", "C": "Chat"}


def test_picker_labels_keep_the_column_name() -> None:
    got = item_labels(["Q6_1", "Q6_2"], {"Q6_1": f"{STEM} - Alpha", "Q6_2": f"{STEM} - Beta"})
    assert got == {"Q6_1": "Q6_1: Alpha", "Q6_2": "Q6_2: Beta"}


@given(st.dictionaries(st.text(min_size=1, max_size=8), st.text(max_size=60), max_size=12))
def test_labels_are_unique_and_never_empty(questions: dict[str, str]) -> None:
    labels = shorten_questions(questions)
    assert set(labels) == set(questions)
    assert all(v.strip() for v in labels.values()) or not questions
    assert len(set(labels.values())) == len(labels)


def test_heatmap_labels_single_questions_by_statement_not_export_code() -> None:
    import pandas as pd

    from ui.chart_tables import _single_item_labels

    table = pd.DataFrame(
        {"construct": ["AIThreat", "trust_in_ai", "Q6_2"], "label": ["AIThreat", "Trust", "Q6_2"]}
    )
    likert = pd.DataFrame(
        {
            "item": ["AIThreat", "Q6_1", "Q6_2"],
            "question": [
                "Is AI a threat to your job?",
                f"{STEM} - I trust AI",
                f"{STEM} - I like AI",
            ],
        }
    )
    got = _single_item_labels(table, likert)["label"].tolist()
    assert got == ["Is AI a threat to your job?", "Trust", "I like AI"]
    assert _single_item_labels(table, likert.iloc[:0]).equals(table)
