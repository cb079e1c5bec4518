"""Results tables shaped for the chart builders of :mod:`render.charts`: construct labels and
directions joined in, questions scored on their own labelled by their statement, hidden rows
marked with the reason. Pure pandas over Results (already protected): nothing is computed
beyond joining and renaming, and nothing here touches Streamlit."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.pipeline import Prepared, Results
from render.labels import shorten_questions

__all__ = [
    "construct_info",
    "drivers_table",
    "heatmap_table",
    "likert_table",
    "sentiment_table",
    "theme_shares_table",
]


def construct_info(res: Results) -> pd.DataFrame:
    """construct -> label, direction (from the organisation table)."""
    cols = ["construct", "label", "direction"]
    if not len(res.org):
        return pd.DataFrame(columns=cols)
    return res.org[[c for c in cols if c in res.org.columns]].drop_duplicates("construct")


def heatmap_table(res: Results) -> pd.DataFrame:
    """Results.groups with each construct's label and direction, as the heatmap wants."""
    groups = res.groups
    if not len(groups):
        return groups
    info = construct_info(res)
    out = groups.drop(columns=["label", "direction"], errors="ignore").merge(
        info, on="construct", how="left"
    )
    return _single_item_labels(out, res.likert)


def _single_item_labels(table: pd.DataFrame, likert: pd.DataFrame) -> pd.DataFrame:
    """A question scored on its own is labelled by its statement, not its export code
    ("Q6_2"); the grid's shared question stem is left out (issue 23)."""
    if not len(likert) or not {"item", "question"} <= set(likert.columns):
        return table
    questions = likert.drop_duplicates("item").set_index("item")["question"].astype(str)
    short = shorten_questions({str(k): v for k, v in questions.items()})
    if "label" not in table.columns:
        table = table.assign(label=table["construct"])
    construct = table["construct"].astype(str)
    unnamed = table["label"].isna() | (table["label"].astype(str) == construct)
    own = construct.isin(short) & unnamed
    if not own.any():
        return table
    return table.assign(label=table["label"].where(~own, construct.map(short)))


def likert_table(res: Results, prep: Prepared) -> pd.DataFrame:
    """Results.likert plus each item's ``reverse`` flag (favourable at the low end)."""
    table = res.likert
    if not len(table):
        return table
    reverse = {}
    for item in table["item"].astype(str).unique():
        try:
            reverse[item] = bool(prep.colmap.spec(item).reverse)
        except KeyError:
            reverse[item] = False
    return table.assign(reverse=table["item"].astype(str).map(reverse).fillna(False))


def theme_shares_table(res: Results) -> pd.DataFrame:
    """Results.theme_shares renamed for the chart: n = comments in the group, hidden groups
    marked with the reason."""
    shares = res.theme_shares
    if not len(shares):
        return shares
    hidden = shares["hidden"].astype(bool) if "hidden" in shares.columns else False
    reason = f"fewer than {res.policy.min_comments} comments or a hidden group"
    return shares.rename(columns={"n_comments": "n"}).assign(
        suppressed=hidden, suppressed_reason=np.where(hidden, reason, "")
    )


def sentiment_table(res: Results) -> pd.DataFrame:
    """Results.comment_groups with the groups whose comments are not shown marked hidden."""
    table = res.comment_groups
    if not len(table):
        return table
    hidden = ~table["visible"].astype(bool)
    reason = f"fewer than {res.policy.min_comments} comments or a hidden group"
    return table.assign(suppressed=hidden, suppressed_reason=np.where(hidden, reason, ""))


def drivers_table(res: Results) -> pd.DataFrame:
    """Key drivers with construct labels for the bars."""
    drivers = res.drivers
    if not len(drivers):
        return drivers
    labels = dict(zip(construct_info(res)["construct"], construct_info(res)["label"], strict=True))
    out = drivers.assign(
        label=drivers["driver"].map(labels).fillna(drivers["driver"]),
        outcome=drivers["outcome"].map(lambda o: labels.get(o, o)),
    )
    return out
