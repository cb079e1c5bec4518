"""Delimited text (CSV, TSV, ...) -> rows of cells: the delimiter sniffed, broken quoting caught.

A quote that is opened and never closed no longer swallows the rows below it (its line is
named); broken quoting on many lines is an error instead, since no per-line guess is
trustworthy then.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from analysis.ingest.decoding import _decode, _lines_note
from analysis.ingest.model import IngestError, Limits
from analysis.ingest.sniff import _ext, _too_many_columns, _too_many_rows

_DELIMITERS = (",", ";", "\t", "|")


def _sniff_delimiter(text: str, ext: str) -> str:
    """The delimiter giving the most consistent multi-column rows in the first lines."""
    sample = text[:100_000]
    cut = sample.rfind("\n")
    if cut > 0 and len(text) > len(sample):
        sample = sample[:cut]
    best, best_score = ("\t" if ext in {"tsv", "tab"} else ","), (-1.0, 0)
    for delim in _DELIMITERS:
        try:
            rows = [r for r in csv.reader(io.StringIO(sample, newline=""), delimiter=delim) if r]
        except csv.Error:
            continue
        rows = rows[:200]
        if not rows:
            continue
        widths = [len(r) for r in rows]
        mode = max(set(widths), key=widths.count)
        if mode < 2:
            continue
        consistency = widths.count(mode) / len(widths)
        score = (round(consistency, 2), mode)
        if ext in {"tsv", "tab"} and delim == "\t":
            score = (score[0] + 0.05, score[1])
        if score > best_score:
            best, best_score = delim, score
    return best


def _read_text(
    data: bytes, filename: str, limits: Limits
) -> tuple[list[list[str]], str, str, list[str]]:
    text, encoding, warnings = _decode(data, filename)
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise IngestError(
            f"{filename!r} holds no text (only blank space): export the survey responses again."
        )
    bad = sum(1 for ch in text[:10_000] if ord(ch) < 32 and ch not in "\t\r\n")
    if bad > 0.05 * min(len(text), 10_000):
        raise IngestError(
            f"{filename!r} is a binary file, not a text table: upload the survey export as "
            "CSV or .xlsx."
        )
    delim = _sniff_delimiter(text, _ext(filename))
    rows, more = _parse_csv(text, delim, filename, limits)
    return rows, encoding, delim, warnings + more


_MAX_QUOTE_REPAIRS = 20
_SHARED_CELL = 40  # cells up to this long share one string object per distinct value
_SHARED_MAX = 1_000_000  # distinct values remembered at once (about 100 MB of dict at most)


def _shared(row: list[str], seen: dict[str, str]) -> list[str]:
    """The row with one string object per distinct short cell ("Agree", a team, a date): a
    survey repeats them in every row, and 300k rows hold 14 million cells (issue 20: 2.3 ->
    1.5 GB peak reading a 206 MB CSV). Long cells (comments) are rarely repeated; the memo is
    cleared past ``_SHARED_MAX`` values (mostly distinct columns: ids, timestamps)."""
    out = [seen.setdefault(c, c) if len(c) <= _SHARED_CELL else c for c in row]
    if len(seen) > _SHARED_MAX:
        seen.clear()
    return out


def _parse_csv(
    text: str, delim: str, filename: str, limits: Limits
) -> tuple[list[list[str]], list[str]]:
    """Rows of a delimited text, with a quote that is opened and never closed caught.

    Python's csv reader, left lenient, lets such a quote swallow every later line into one
    cell, silently: 30 respondents become one. So the file is read strictly; where the strict
    reader stops, the record is read leniently as before (an odd but harmless quote such as
    '"AI" tools', or a multi-line comment), unless it ran over lines that are rows of their
    own: then the opening quote is the stray one. It is ignored, that line read on its own,
    and the user told which line to check. Many such lines mean the quoting is broken
    throughout: an error, because a guess per line would no longer be trustworthy.
    """
    rows: list[list[str]] = []
    seen: dict[str, str] = {}
    # Header rows (up to 3) plus a little slack for title lines before the row limit applies.
    max_lines = limits.max_rows + 10
    records = 0
    lines: list[str] | None = None  # physical lines, only once the strict reader has stopped
    offset = 0  # physical lines before the current reader's first one
    repaired: list[tuple[int, int]] = []  # (line number, lines it would have swallowed)

    def add(row: list[str]) -> None:
        nonlocal records
        records += 1
        if records > max_lines:
            raise IngestError(_too_many_rows(limits))
        if not row:
            return  # a blank line is not a respondent row
        if len(row) > limits.max_columns:
            raise IngestError(_too_many_columns(len(row), limits))
        rows.append(_shared(row, seen))

    source: Iterator[str] = io.StringIO(text, newline="")
    while True:
        reader = csv.reader(source, delimiter=delim, strict=True)
        done_lines = 0  # lines of complete records read by this reader
        try:
            for row in reader:
                done_lines = reader.line_num
                add(row)
            break
        except csv.Error:
            failed_at = reader.line_num
        if lines is None:
            lines = io.StringIO(text, newline="").readlines()
        first = offset + done_lines  # index of the failing record's first line
        last = offset + failed_at  # one past the line where the strict reader stopped
        width = len(rows[0]) if rows else lines[first].count(delim) + 1
        runaway = any(lines[k].count(delim) >= max(1, width - 1) for k in range(first + 1, last))
        if runaway:
            if len(repaired) >= _MAX_QUOTE_REPAIRS:
                raise IngestError(
                    f'{filename!r} has quotes (") that are opened and never closed on more '
                    f"than {_MAX_QUOTE_REPAIRS} lines (the first on line {repaired[0][0]}): "
                    "its quoting is broken. Open it in Excel and save it again as CSV, or "
                    "export the survey again."
                )
            add(_without_stray_quote(lines[first], delim))
            repaired.append((first + 1, last - first - 1))
            offset = first + 1
        else:
            lenient = csv.reader(_lines_from(lines, first), delimiter=delim)
            add(next(lenient, []))
            offset = first + lenient.line_num
        source = _lines_from(lines, offset)
    warnings = []
    if repaired:
        where = _lines_note([n for n, _ in repaired])
        swallowed = sum(k for _, k in repaired)
        warnings.append(
            f'{len(repaired)} line(s) of {filename!r} ({where}) open a quote (") that is '
            f"never closed, which would have merged the {swallowed:,} line(s) after them into "
            "one cell: each stray quote was ignored and its line read as one row. Check "
            "those lines in the file."
        )
    return rows, warnings


def _lines_from(lines: list[str], start: int) -> Iterator[str]:
    return (lines[i] for i in range(start, len(lines)))


def _without_stray_quote(line: str, delim: str) -> list[str]:
    """The cells of one line whose quote never closes: the quote opening a field that makes
    the line unreadable is dropped (the last such one first); failing that, quotes are read
    as plain characters."""
    starts = [i for i, ch in enumerate(line) if ch == '"' and (i == 0 or line[i - 1] == delim)]
    for i in reversed(starts):
        candidate = line[:i] + line[i + 1 :]
        try:
            return next(csv.reader([candidate], delimiter=delim, strict=True), [])
        except csv.Error:
            continue
    return next(csv.reader([line], delimiter=delim, quoting=csv.QUOTE_NONE), [])
