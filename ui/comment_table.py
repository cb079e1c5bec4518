"""The Comments page's reading table: one row per shown comment, in plain words."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.scoring import join_labels
from analysis.signals import SIGNALS
from ui import theme_detail
from ui.views import SIGNAL_NAMES


def signal_names(signals: pd.DataFrame) -> pd.Series:
    """Per comment, the names of its signals ("AI distrust, Training request") in the order of
    the columns of ``signals``, a boolean frame with one column per signal. Built column by
    column: a row-wise apply was most of the Comments page's script time."""
    parts = [np.where(signals[c].to_numpy(dtype=bool), SIGNAL_NAMES[c], "") for c in signals]
    joined = [", ".join(p for p in row if p) for row in zip(*parts, strict=True)]
    return pd.Series(joined if parts else "", index=signals.index, dtype=object)


#: What a comment's sentiment label comes from, in the reader's words (issue 16: show the
#: label's basis). The score behind "word lexicon" is VADER's compound with the workplace layer.
BASIS_NAMES = {"model": "learned model", "lexicon": "word lexicon"}
BASIS_NOTE = (
    "Sentiment from: “learned model” labels come from a classifier fitted on real workplace "
    "and AI survey answers, which reads the whole comment; “word lexicon” labels come from "
    "VADER's word scores with a workplace layer, used while the model is still running or "
    "where it is not installed."
)


#: What the "Signal words" column is, for the page's caption.
PHRASES_NOTE = (
    "Signal words: the words each signal was found in. Words that name someone are redacted "
    "in the comment, so they are not shown here either."
)


def signal_words(comments: pd.DataFrame) -> pd.Series:
    """Per comment, each signal with the words it was found in: 'Training request: “nobody
    showed us how”' (the name alone when its words are withheld), one per line."""
    if "signal_phrases" not in comments:
        return pd.Series("", index=comments.index, dtype=object)
    out = []
    for pairs in comments["signal_phrases"]:
        parts = []
        for sig, phrase in pairs if isinstance(pairs, (tuple, list)) else ():
            name = SIGNAL_NAMES.get(sig, sig)
            parts.append(f"{name}: “{phrase}”" if phrase else name)
        out.append("\n".join(parts))
    return pd.Series(out, index=comments.index, dtype=object)


def label_basis(comments: pd.DataFrame) -> pd.Series:
    """Per comment, what its sentiment label comes from ("learned model", "word lexicon")."""
    if "label_basis" not in comments:
        return pd.Series("", index=comments.index, dtype=object)
    basis = comments["label_basis"].astype(str)
    return basis.map(BASIS_NAMES).fillna(basis).astype(object)


def reading_table(
    comments: pd.DataFrame, coded: pd.DataFrame, by: Sequence[str], group_col: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(table, signals): the comments as the page lists them, and their signal flags (one
    boolean column per signal) for the signal filter."""
    if by:
        group_values = join_labels(comments, list(by))
    else:
        group_values = pd.Series("All respondents", index=comments.index)
    signals = comments[list(SIGNALS)].astype(bool)
    question = comments["question"].astype(str)
    table = pd.DataFrame(
        {
            group_col: group_values,
            # a plain table's header is the question itself
            "Question": question.where(question.str.strip() != "", comments["column"].astype(str)),
            "Comment": comments["text"].astype(str),
            "Sentiment": comments["label"].astype(str),
            "Sentiment from": label_basis(comments),
            "Signals": signal_names(signals),
            "Signal words": signal_words(comments),
            "Theme": comments["theme_label"].astype(str),
            "Sub-theme": coded[theme_detail.SUB].astype(str),
            "Second theme": coded[theme_detail.SECONDARY].astype(str),
        }
    )
    return table, signals
