"""Comments: cleaning, filler detection, language detection, the tidy long table."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis.comments import (
    clean_text,
    compact_repeats,
    detect_language,
    is_filler,
    text_list,
    tidy_comments,
)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("\ufeffHello", "Hello"),
        ("zero\u200bwidth\u200djoiner", "zerowidthjoiner"),
        ("soft\u00adhyphen", "softhyphen"),
        ("tabs\tand\n\nnew  lines", "tabs and new lines"),
        ("bell\x07char", "bell char"),
        ("ＦＵＬＬ width", "FULL width"),
        ("ligature ﬁle", "ligature file"),
        ("  padded  ", "padded"),
        (None, ""),
        (float("nan"), ""),
        (pd.NA, ""),
    ],
)
def test_clean_text(raw, clean):
    assert clean_text(raw) == clean


@pytest.mark.parametrize(
    "text",
    [
        "n/a",
        "N/A",
        "NA",
        "na",
        "n.a.",
        "None",
        "None.",
        "none!",
        "Nothing",
        "nothing at all",
        "No comment",
        "No comments.",
        "no comment(s)",
        "No other comments",
        "I have no other comments at this time",
        "Nothing to add, thanks",
        "Nope",
        "-",
        ".",
        "?",
        "...",
        "--",
        "Thank you!",
        "Thanks",
        "thank you for asking",
        "All good",
        "all good!",
        "Not sure",
        "idk",
        "IDK",
        "Same as above",
        "see above",
        "No",
        "ok",
        "xxxx",
        "",
        "   ",
        "\u200b",
        # real staff-survey non-answers (evals/data/real/workplace_feedback, dev rows)
        "None come to mind.",
        "Can't think of any yet.",
        "Can’t think of anything right now",
        "No at this moment.",
        "Not at this time!",
        "None I can think of really ",
        "Nothing as of now.",
    ],
)
def test_filler(text):
    assert is_filler(text)


@pytest.mark.parametrize(
    "text",
    [
        "Need more training",
        "No training at all",
        "None of the managers listen",
        "Nothing changes however much we complain",
        "Thanks to the new tool I save time",
        "Not sure the AI is accurate",
        "NA team is understaffed",
        "All good people leave",
        "Nothing right now. Great work!",
        "None that come to mind. Keep up the great work!",
        "Not yet but good to know.",
        "I haven't used it yet",
        "Can't think of anything that would replace the meetups",
        # found in review: answers, not non-answers
        "No response yet.",
        "No answer yet",
        "We don't know.",
        "We don't know yet",
    ],
)
def test_substantive_comments_are_not_filler(text):
    assert not is_filler(text)


def test_language_detection():
    assert detect_language("The training was useful but we need more time to practise") == "en"
    assert detect_language("Die Schulung war hilfreich, aber wir brauchen mehr Zeit") == "de"
    assert detect_language("Trop de réunions inutiles cette année, on perd du temps") == "fr"
    assert detect_language("Necesitamos más formación sobre la nueva herramienta") == "es"
    # Short texts are too little evidence and default to English.
    assert detect_language("Gut") == "en"
    assert detect_language("Great team") == "en"
    assert detect_language("") == "en"


GERMAN = "Die Schulung war hilfreich, aber wir brauchen mehr Zeit"


@pytest.fixture
def responses() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Q1": [
                "Great team",
                "N/A",
                None,
                "Die Schulung war hilfreich, aber wir brauchen mehr Zeit",
            ],
            "Q2": ["", "Too many  meetings\u200b", "No other comments.", pd.NA],
            "rating": ["4", "5", "3", "2"],
        },
        index=pd.Index(["r1", "r2", "r3", "r4"], dtype="str"),
    )


def test_tidy_comments_long_table(responses):
    groups = pd.DataFrame(
        {"team": ["NA", "Ops", "Ops", "Sales"], "role": ["IC", "IC", "Lead", "IC"]},
        index=responses.index,
    )
    out = tidy_comments(responses, ["Q1", "Q2"], groups, {"Q1": "What works well?"})
    assert list(out.columns) == [
        "respondent",
        "column",
        "question",
        "text",
        "is_filler",
        "language",
        "is_english",
        "team",
        "role",
    ]
    # Empty and missing cells are not comments.
    assert list(zip(out["respondent"], out["column"], strict=True)) == [
        ("r1", "Q1"),
        ("r2", "Q1"),
        ("r4", "Q1"),
        ("r2", "Q2"),
        ("r3", "Q2"),
    ]
    assert list(out["question"]) == ["What works well?"] * 3 + ["", ""]
    assert out.loc[3, "text"] == "Too many meetings"
    assert list(out["is_filler"]) == [False, True, False, False, True]
    assert list(out["language"]) == ["en", "en", "de", "en", "en"]
    assert list(out["is_english"]) == [True, True, False, True, True]
    # A team called "NA" is a team, not a missing value or filler.
    assert out.loc[0, "team"] == "NA"
    assert list(out["role"]) == ["IC", "IC", "IC", "IC", "Lead"]
    assert out["is_filler"].dtype == bool and out["is_english"].dtype == bool


def test_tidy_comments_without_groups_and_empty(responses):
    out = tidy_comments(responses, ["Q2"])
    assert len(out) == 2 and "team" not in out.columns
    empty = tidy_comments(responses, [])
    assert len(empty) == 0
    assert "is_filler" in empty.columns


def test_a_column_that_writes_its_blanks_as_na_has_no_na_comments():
    # R's write.csv (the Stack Overflow survey): every missing answer is the text "NA", no cell
    # is empty, so "NA" is the blank, not a comment to count as filler.
    written = pd.DataFrame({"Q": ["NA", "More training please", "NA", "NULL"]})
    out = tidy_comments(written, ["Q"])
    assert list(out["text"]) == ["More training please"]
    # Where cells are also left empty, a typed "NA" is somebody's answer (filler, but counted).
    typed = pd.DataFrame({"Q": ["NA", "More training please", "", None]})
    out = tidy_comments(typed, ["Q"])
    assert list(out["text"]) == ["NA", "More training please"]
    assert list(out["is_filler"]) == [True, False]


def test_tidy_comments_names_a_missing_column(responses):
    with pytest.raises(ValueError, match=r"'Q9'.*column mapping"):
        tidy_comments(responses, ["Q1", "Q9"])


@given(st.text(max_size=50))
def test_clean_text_is_idempotent_and_trimmed(text):
    once = clean_text(text)
    assert clean_text(once) == once
    assert once == once.strip()
    assert "  " not in once


@given(
    st.lists(st.sampled_from(["Sales", "ops", "Ops", "Ärzte", "10", "9", None]), max_size=30),
    st.lists(st.text(max_size=5), max_size=30),
)
def test_repeated_text_is_held_as_categories_of_the_same_text(
    team: list[str | None], free: list[str]
) -> None:
    """A column repeating its values becomes categories in text order (same values, sorting and
    comparisons); a mostly distinct one stays text, as do columns not named."""
    n = min(len(team), len(free))
    table = pd.DataFrame(
        {"team": pd.Series(team[:n], dtype="str"), "free": pd.Series(free[:n], dtype="str")}
    )
    before = table.copy()
    compact_repeats(table, ["team", "free", "absent"])
    for c in ("team", "free"):
        distinct = before[c].nunique()
        assert isinstance(table[c].dtype, pd.CategoricalDtype) == (2 * distinct <= n)
        assert table[c].astype("str").equals(before[c])
        assert (
            table[c].sort_values(kind="stable").index.tolist()
            == before[c].sort_values(kind="stable").index.tolist()
        )
        assert (table[c] == "Ops").tolist() == (before[c] == "Ops").tolist()


@given(
    st.lists(st.sampled_from(["More training", "Jobs", "", "Ünïcode ✓", "Ops team"]), max_size=40)
)
def test_text_list_equals_tolist_and_shares_repeated_texts(values: list[str]) -> None:
    """The same list as ``astype(str).tolist()``, from text or categorical columns, with one
    object per distinct text."""
    for column in (pd.Series(values, dtype="str"), pd.Series(values, dtype="category")):
        out = text_list(column)
        assert out == column.astype(str).tolist()
        assert all(type(t) is str for t in out)
        assert len({id(t) for t in out}) == len(set(values))


def test_text_list_refuses_missing_values() -> None:
    with pytest.raises(ValueError, match="without missing values"):
        text_list(pd.Series(["a", None], dtype="str"))
