"""A user's headcount file (group column(s) and ``headcount``): read and checked in one place.

Response rates are computed from it by :func:`analysis.hotspots.targets.response_rates`, on the
released group table, so a hidden group's count stays hidden.
"""

from __future__ import annotations

import csv
import io
import re

import numpy as np
import pandas as pd

from analysis.errors import ChangeRadarError

#: "1,200", "1 200" or "1'200" as written in a headcount cell: a thousands separator between
#: groups of three digits (a review found "1,200" refused without naming the row). Not ".":
#: "40.000" or an FTE "7.500" read as 40000 and 7500 (a second review).
_THOUSANDS = re.compile(r"(?<=\d)[,\s'\u00a0\u202f](?=\d{3}(?:\D|$))")


class HeadcountError(ChangeRadarError):
    """The headcount table cannot be used; the message says what to fix."""


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
    """Headcounts as numbers; :class:`HeadcountError` naming the first rows that are not a
    count."""
    text = cells.astype(str).str.strip().str.replace(_THOUSANDS, "", regex=True)
    numbers = pd.to_numeric(text, errors="coerce")
    bad = numbers.isna() | (numbers < 0)
    if bad.any():
        rows = [f"row {i + 2} ({str(cells.iloc[i])!r})" for i in np.flatnonzero(bad.to_numpy())[:3]]
        raise HeadcountError(f"Every headcount must be a number of 0 or more: {', '.join(rows)}.")
    return numbers


def read_headcount(frame: pd.DataFrame) -> pd.DataFrame:
    """Check a headcount table: group column(s) (team[, role]) and ``headcount`` ≥ 0."""
    cols = {str(c).strip().lower(): c for c in frame.columns}
    if "headcount" not in cols:
        raise HeadcountError("The headcount table needs a column named 'headcount'.")
    hc = frame.rename(columns={cols["headcount"]: "headcount"}).copy()
    by = [c for c in hc.columns if c != "headcount"]
    if not by:
        raise HeadcountError("The headcount table needs a group column (e.g. team) too.")
    hc["headcount"] = headcount_numbers(hc["headcount"])
    for c in by:
        hc[c] = hc[c].astype(str).str.strip()
    if hc.duplicated(by).any():
        raise HeadcountError("The headcount table lists a group more than once.")
    return hc
