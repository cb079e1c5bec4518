"""CSV downloads: the protected group table, the redacted comments, any table the app offers.

One writer, :func:`table_csv`: UTF-8 with a BOM (so Excel reads the encoding), every cell
through :func:`render.safety.csv_cell` (text quoted and neutralised, numbers bare, missing
empty).
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pandas as pd

from render import teams as T
from render.safety import clean_text, csv_cell, neutralise

__all__ = ["COMMENT_CSV_DROP", "comments_csv", "group_csv", "table_csv"]

COMMENT_CSV_DROP = ("evidence",)


def table_csv(df: pd.DataFrame) -> bytes:
    """Any table as a spreadsheet-safe CSV (see the module docstring)."""
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
    writer.writerow([neutralise(clean_text(c)) for c in df.columns])
    for record in df.itertuples(index=False, name=None):
        writer.writerow([csv_cell(v) for v in record])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _with_context(df: pd.DataFrame, results: Any) -> pd.DataFrame:
    p = results.policy
    return df.assign(
        survey=str(results.survey_name), min_group_size=p.min_group, min_comments=p.min_comments
    )


def group_csv(results: Any, team: str | None = None) -> bytes:
    """The protected group × construct table (one team's rows when ``team`` is given).

    Hidden rows keep their labels and reason and have every number empty. The survey name and
    thresholds are repeated as the last three columns, so every file says how it was made.
    """
    df = results.groups
    if team is not None:
        df = T.team_rows(results, T.check_teams(results, [team])[0])
    labels = {c.id: c.label for c in T.constructs(results)}
    out = df.copy()
    if "construct" in out.columns:
        pos = list(out.columns).index("construct") + 1
        out.insert(pos, "construct_label", out["construct"].astype(str).map(labels))
    return table_csv(_with_context(out.reset_index(drop=True), results))


def comments_csv(results: Any, team: str | None = None) -> bytes:
    """Redacted, coded comments of groups meeting the comment threshold (or of one team)."""
    if team is not None:
        df = T.team_comments(results, T.check_teams(results, [team])[0])
    else:
        df = results.comments
    df = df.drop(columns=[c for c in COMMENT_CSV_DROP if c in df.columns])
    if "signal_phrases" in df.columns:  # (signal, words) pairs as text a spreadsheet can show
        df = df.assign(signal_phrases=df["signal_phrases"].map(_phrases_text))
    return table_csv(_with_context(df.reset_index(drop=True), results))


def _phrases_text(pairs: object) -> str:
    """``displacement_fear: will replace us; ai_mention: AI`` ("" words: withheld)."""
    if not isinstance(pairs, (tuple, list)):
        return ""
    return "; ".join(f"{sig}: {words}" if words else str(sig) for sig, words in pairs)
