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
from analysis.ingest.blanks import written_blanks
from analysis.ingest.table import _WHITESPACE

# A run of characters str.split() does not split on (RE2 syntax, for arrow).
_WORD = "[^" + "".join(f"\\x{{{ord(c):04x}}}" for c in _WHITESPACE) + "]+"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_IPV4 = re.compile(r"^(?:\d{1,3}\.){3}\d{1,3}$")
_URL = re.compile(r"^(?:https?://|www\.|@\w)|\.(?:com|org|net|io)(?:/|$)", re.I)
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_TIME = r"\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AP]M)?"
#: A time zone after the time: "Z", "+02:00", "GMT", "UTC+1", "GMT+01:00", "CET", "PDT" (Google
#: Forms' CSV writes "2025/03/01 8:12:00 AM GMT": such timestamps were read as comments)
_ZONE = r"(?:\s*(?:Z|[+-]\d{2}:?\d{2}|(?:GMT|UTC)(?:\s*[+-]\d{1,2}(?::?\d{2})?)?|[A-Z]{2,4}T))?"
_DATE = re.compile(
    r"^(?:(?:\d{4}[/.-]\d{1,2}[/.-]\d{1,2}"  # 2025-03-01, 2025/03/01
    r"|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}"  # 01/03/2025
    rf"|{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}"  # Mar 03, 2025 (Alchemer)
    rf"|\d{{1,2}}[\s-]{_MONTH}[\s-]\d{{2,4}})"  # 3 Mar 2025, 03-Mar-2025
    rf"(?:(?:[ T]|,\s*)\s*{_TIME}{_ZONE})?"
    rf"|{_TIME})$",
    re.I,
)
_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")
_DURATION = re.compile(r".*\b(?:years?|yrs?|months?)\b", re.I)
_LEADING_ZERO = re.compile(r"^0\d")
_UPLOAD = re.compile(r".+\.(?:jpe?g|png|gif|heic|webp|bmp|tiff?|pdf|docx?|odt|rtf)$", re.I)
# Separators a select-all question joins its options with: Google Forms ", ", most others ";".
_SEPARATORS = (";", ", ", "|")
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


def _answer_counts(series: pd.Series) -> pd.Series:
    """Each distinct answer (as text) and how many gave it, in order of first appearance, as
    ``value_counts(sort=False)`` of the text gives them. A categorical column is counted by
    its codes: turning it back into text cost 1.2 s at 100,000 respondents."""
    if not isinstance(series.dtype, pd.CategoricalDtype):
        return series.dropna().astype(str).value_counts(sort=False)
    codes = series.cat.codes.to_numpy()
    codes = codes[codes >= 0]
    found, first, counts = np.unique(codes, return_index=True, return_counts=True)
    order = np.argsort(first, kind="stable")
    names = [str(v) for v in series.cat.categories[found[order]]]
    return pd.Series(counts[order], index=pd.Index(names, dtype=object))


def _profile(series: pd.Series) -> _Profile:
    counted = _answer_counts(series)
    markers = written_blanks(series)
    counts = {
        str(value): int(count)
        for value, count in zip(counted.index.tolist(), counted.to_numpy().tolist(), strict=True)
        if value and value not in markers
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


def _multi_select(p: _Profile) -> str | None:
    """The separator of a select-all question's answers, or None for a single-choice or text one.

    Judged from the options themselves, not from the mere presence of ", " (single-choice labels
    such as "Developer, back-end" hold one): answers that join several options are combinations of
    a small vocabulary of parts that recur across answers ("A;B", "B;C", "A;C"), so most joined
    answers have every part appearing in some other answer too. "Developer, back-end" and
    "Developer, front-end" share "Developer" but not "back-end", so they are single options. With
    ", " (which labels hold too) some options must also be ticked alone.
    """
    if p.n < 5:
        return None
    for sep in _SEPARATORS:
        joined = [v for v in p.counts if sep in v]
        if sum(p.counts[v] for v in joined) < 0.1 * p.n:
            continue
        seen: dict[str, int] = {}  # part -> in how many distinct answers
        split = {v: {part.strip() for part in v.split(sep) if part.strip()} for v in p.counts}
        for parts in split.values():
            for part in parts:
                seen[part] = seen.get(part, 0) + 1
        combos = [v for v in joined if len(split[v]) > 1]
        if len(seen) > 80 or not combos:
            continue
        # With ";" or "|", which labels almost never hold, one recurring part per combination
        # is enough: a small sample ("Ollama;LangChain", "Vertex AI;Agno;…") has many options
        # ticked by one person only.
        recurs = all if sep == ", " else any
        recombined = sum(recurs(seen[part] > 1 for part in split[v]) for v in combos)
        # A label may hold ", " itself: then its options are also ticked alone ("Employed,
        # full-time" / "Student, part-time" recombine words, but nobody answers "full-time").
        parts = {part for v in combos for part in split[v]}
        alone = sum(part in p.counts for part in parts)
        if recombined >= 0.5 * len(combos) and (sep != ", " or alone >= 0.3 * len(parts)):
            return sep
    return None


def zero_to(counts: dict[str, int]) -> int | None:
    """k when the answers are whole numbers from 0 to k (3 <= k <= 10), 0 and k given."""
    try:
        numbers = {float(a.replace(",", ".")) for a in counts}
    except ValueError:
        return None
    if not numbers or not all(x.is_integer() for x in numbers):
        return None
    top = int(max(numbers))
    return top if min(numbers) == 0 and 3 <= top <= 10 and len(numbers) >= 3 else None
