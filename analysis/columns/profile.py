"""What a column's answers look like: counts, lengths, shares matching a pattern."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import compress

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.ingest import SourceColumn
from analysis.ingest.table import _WHITESPACE

# A run of characters str.split() does not split on (RE2 syntax, for arrow).
_WORD = "[^" + "".join(f"\\x{{{ord(c):04x}}}" for c in _WHITESPACE) + "]+"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_IPV4 = re.compile(r"^(?:\d{1,3}\.){3}\d{1,3}$")
_URL = re.compile(r"^(?:https?://|www\.|@\w)|\.(?:com|org|net|io)(?:/|$)", re.I)
_DATE = re.compile(
    r"^(?:\d{4}-\d{1,2}-\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
    r"|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}(?:,?\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AP]M)?)?"
    r"|\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AP]M)?)$",
    re.I,
)
_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")
_DURATION = re.compile(r".*\b(?:years?|yrs?|months?)\b", re.I)
_LEADING_ZERO = re.compile(r"^0\d")
_JOINED = re.compile(r".*, ")
_CODE = re.compile(r"^[A-Z]{1,3}\d{1,3}$")
_QTAG = re.compile(r"^(?:Q|QID)\d+(?:[_.]\d+)*(?:_TEXT|_\d+)?$", re.I)


@dataclass
class _Profile:
    n: int
    distinct: int
    unique_share: float
    mean_len: float
    mean_words: float
    numeric_share: float
    counts: dict[str, int]  # answer -> how many gave it

    def share(self, pattern: re.Pattern[str]) -> float:
        """Share of answers (not of distinct answers) matching a pattern."""
        if self.n == 0:
            return 0.0
        return sum(compress(self.counts.values(), map(pattern.match, self.counts))) / self.n


def _profile(series: pd.Series) -> _Profile:
    counted = series.dropna().astype(str).value_counts(sort=False)
    counts = {
        str(value): int(count)
        for value, count in zip(counted.index.tolist(), counted.to_numpy().tolist(), strict=True)
        if value
    }
    n = sum(counts.values())
    if n:
        # Exact integer totals over the distinct answers, vectorised: utf8_length counts code
        # points like len(), and _WORD's matches are the words str.split() returns.
        keys = pa.array(list(counts), type=pa.large_string())
        weights = np.fromiter(counts.values(), dtype=np.int64, count=len(counts))
        lengths = pc.utf8_length(keys).to_numpy()
        words = np.maximum(pc.count_substring_regex(keys, _WORD).to_numpy(), 1)
        mean_len = int((lengths * weights).sum()) / n
        mean_words = int((words * weights).sum()) / n
        numeric = sum(compress(counts.values(), map(_NUMBER.match, counts))) / n
    else:
        numeric, mean_len, mean_words = 0.0, 0.0, 0.0
    return _Profile(
        n=n,
        distinct=len(counts),
        unique_share=len(counts) / n if n else 0.0,
        mean_len=mean_len,
        mean_words=mean_words,
        numeric_share=numeric,
        counts=counts,
    )


def _looks_like_question(col: SourceColumn) -> bool:
    text = col.question or col.name
    return (
        text.rstrip().endswith("?")
        or len(text.split()) >= 5
        or bool(_QTAG.match(col.export_tag))
        or (bool(col.question) and col.question != col.name)
    )


def _distinct_note(p: _Profile) -> str:
    return f"{p.distinct} distinct value{'s' if p.distinct != 1 else ''}"


def _multi_select(p: _Profile) -> bool:
    if p.n < 5 or p.share(_JOINED) < 0.3:
        return False
    parts: dict[str, int] = {}
    for value, count in p.counts.items():
        for part in value.split(", "):
            parts[part.strip()] = parts.get(part.strip(), 0) + count
    return len(parts) <= 40 and len(parts) < 0.5 * sum(parts.values())
