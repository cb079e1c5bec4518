"""The Comments page's reading table (ui.comment_table): known rows, and the column-by-column
builders equal to the row-by-row ones they replace."""

from __future__ import annotations

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from analysis.scoring import CROSS, join_labels
from analysis.signals import SIGNALS
from ui import theme_detail
from ui.comment_table import label_basis, reading_table, signal_names, signal_words
from ui.views import SIGNAL_NAMES

labels = st.text(alphabet="ab ×›-", min_size=0, max_size=4)


@given(st.lists(st.tuples(labels, labels, st.integers(0, 3)), min_size=1, max_size=12))
def test_join_labels_equals_the_row_by_row_join(rows: list[tuple[str, str, int]]) -> None:
    frame = pd.DataFrame(rows, columns=["team", "role", "tenure"], index=range(7, 7 + len(rows)))
    for cols in (["team"], ["team", "role"], ["role", "tenure", "team"]):
        got = join_labels(frame, cols)
        want = [CROSS.join(str(v) for v in row) for row in frame[cols].itertuples(index=False)]
        assert got.tolist() == want
        assert got.index.equals(frame.index)
        assert got.name == (cols[0] if len(cols) == 1 else None)


@given(st.lists(st.lists(st.booleans(), min_size=len(SIGNALS), max_size=len(SIGNALS)), max_size=9))
def test_signal_names_lists_each_comments_signals_in_column_order(flags: list[list[bool]]) -> None:
    signals = pd.DataFrame(flags, columns=list(SIGNALS), dtype=bool)
    got = signal_names(signals)
    want = [", ".join(SIGNAL_NAMES[s] for s in SIGNALS if row[s]) for _, row in signals.iterrows()]
    assert got.tolist() == want


def test_reading_table_known_rows() -> None:
    comments = pd.DataFrame(
        {
            "Team": ["Sales", "Ops"],
            "Role": ["Manager", "Agent"],
            "question": ["What worries you?", "  "],
            "column": ["Q1", "Q2"],
            "text": ["It will replace us", "Need training"],
            "label": ["negative", "neutral"],
            "label_basis": ["model", "lexicon"],
            "theme_label": ["Job security", ""],
            **{
                s: [s == "displacement_fear", s in ("training_request", "ai_mention")]
                for s in SIGNALS
            },
        }
    )
    coded = pd.DataFrame({theme_detail.SUB: ["", "x"], theme_detail.SECONDARY: ["Skills", ""]})
    table, signals = reading_table(comments, coded, ["Team", "Role"], "Team × Role")
    assert table["Team × Role"].tolist() == ["Sales × Manager", "Ops × Agent"]
    assert table["Question"].tolist() == ["What worries you?", "Q2"]  # blank question: column
    assert table["Signals"].tolist() == ["Displacement fear", "AI mention, Training request"]
    assert table["Second theme"].tolist() == ["Skills", ""]
    # the label's basis, in words (issue 16): the learned model or the word lexicon
    assert table["Sentiment from"].tolist() == ["learned model", "word lexicon"]
    assert label_basis(comments.drop(columns="label_basis")).tolist() == ["", ""]
    assert signals.dtypes.eq(bool).all() and list(signals.columns) == list(SIGNALS)
    # without the phrases column (a table coded before they were kept): no words, no error
    assert table["Signal words"].tolist() == ["", ""]
    comments["signal_phrases"] = [
        (("displacement_fear", "replace us"),),
        (("ai_mention", "AI"), ("training_request", "")),
    ]
    table, _ = reading_table(comments, coded, ["Team", "Role"], "Team × Role")
    assert table["Signal words"].tolist() == [
        "Displacement fear: “replace us”",
        "AI mention: “AI”\nTraining request",  # withheld words: the signal's name alone
    ]
    assert signal_words(comments.drop(columns="signal_phrases")).tolist() == ["", ""]
    ungrouped, _ = reading_table(comments, coded, [], "Group")
    assert ungrouped["Group"].tolist() == ["All respondents"] * 2
