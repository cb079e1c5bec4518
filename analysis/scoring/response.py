"""Response rates from a user-supplied headcount table, protected."""

from __future__ import annotations

import csv
import io
import re

import numpy as np
import pandas as pd

from analysis.privacy import PrivacyPolicy, protect_groups
from analysis.scoring.model import CROSS, NO_ANSWER, Scored
from analysis.scoring.release import META_KEEP
from analysis.scoring.respondents import text_groups

#: "1,200", "1 200" or "1'200" as written in a headcount cell: a thousands separator between
#: groups of three digits (a review found "1,200" refused without naming the row). Not ".":
#: "40.000" or an FTE "7.500" read as 40000 and 7500 (a second review).
_THOUSANDS = re.compile(r"(?<=\d)[,\s'\u00a0\u202f](?=\d{3}(?:\D|$))")


def read_headcount_csv(data: bytes) -> pd.DataFrame:
    """A headcount CSV as text cells, its delimiter sniffed (comma, semicolon or tab: a
    semicolon file had been refused for lacking a 'headcount' column) and headers stripped."""
    text = data.decode("utf-8-sig")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        sep = dialect.delimiter
    except csv.Error:
        sep = ","
    frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
    return frame.rename(columns=lambda c: str(c).strip())


def headcount_numbers(cells: pd.Series) -> pd.Series:
    """Headcounts as numbers; ``ValueError`` naming the first rows that are not a count."""
    text = cells.astype(str).str.strip().str.replace(_THOUSANDS, "", regex=True)
    numbers = pd.to_numeric(text, errors="coerce")
    bad = numbers.isna() | (numbers < 0)
    if bad.any():
        rows = [f"row {i + 2} ({str(cells.iloc[i])!r})" for i in np.flatnonzero(bad.to_numpy())[:3]]
        raise ValueError(f"Every headcount must be a number of 0 or more: {', '.join(rows)}.")
    return numbers


def response_rate(
    groups: Scored | pd.DataFrame,
    headcounts: pd.DataFrame,
    policy: PrivacyPolicy | None = None,
) -> pd.DataFrame:
    """Responses / headcount per group, from a small table of group → headcount.

    ``headcounts`` has one or more grouping columns (named like the survey's grouping columns)
    and a ``headcount`` column. The response count of a group under the minimum is hidden
    like any other group number; the headcount, which the user supplied, stays visible.
    """
    policy = policy or PrivacyPolicy()
    frame = groups.groups if isinstance(groups, Scored) else text_groups(groups, groups.index)
    if "headcount" not in headcounts.columns:
        raise ValueError("The headcount table needs a column named 'headcount'.")
    by = [c for c in headcounts.columns if c != "headcount"]
    if not by:
        raise ValueError("The headcount table needs a group column next to 'headcount'.")
    unknown = [c for c in by if c not in frame.columns]
    if unknown:
        raise ValueError(
            f"The headcount table's column(s) {unknown} are not grouping columns of the survey."
        )
    hc = headcounts.copy()
    hc["headcount"] = headcount_numbers(hc["headcount"])
    for col in by:
        hc[col] = (
            hc[col]
            .astype(object)
            .map(lambda v: NO_ANSWER if pd.isna(v) or str(v).strip() == "" else str(v).strip())
        )
    if hc.duplicated(by).any():
        raise ValueError("The headcount table lists a group more than once.")
    counts = frame.groupby(by, observed=True).size().rename("responses").reset_index()
    for col in by:
        counts[col] = counts[col].astype(object)
        hc[col] = hc[col].astype(object)
    table = counts.merge(hc, on=by, how="outer")
    table["responses"] = table["responses"].fillna(0).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        table["response_rate"] = (
            table["responses"] / table["headcount"].where(table["headcount"] > 0) * 100
        )
    table.insert(0, "group", table[by].astype(str).agg(CROSS.join, axis=1))
    table.insert(0, "grouping", CROSS.join(by))
    return protect_groups(table, "responses", policy, by=by, block=[], keep=META_KEEP)
