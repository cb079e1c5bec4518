"""Delimited text (CSV, TSV, ...) -> rows of cells: the delimiter sniffed, broken quoting caught.

A quote that is opened and never closed no longer swallows the rows below it (its line is
named); broken quoting on many lines is an error instead, since no per-line guess is
trustworthy then.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

from analysis.ingest.decoding import _decode, _lines_note
from analysis.ingest.model import IngestError, Limits
from analysis.ingest.sniff import _ext, _too_many_columns, _too_many_rows
from analysis.ingest.table import _Table, _table, _tables_stacked

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


def _read_text(data: bytes, filename: str, limits: Limits) -> tuple[_Table, str, str, list[str]]:
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
    if (
        "\n" in text
        and _LONE_CR.search(text)
        and sum(1 for _ in _LONE_CR.finditer(text)) < (text.count("\n"))
    ):
        # lines end in "\n": a lone "\r" is a character of a cell (a line break typed in it),
        # not a row's end; read as one, it cut a comment short and made a phantom row (a
        # fourth review). A file whose lines end in "\r" alone (old Mac) is left as it is.
        text = _LONE_CR.sub(" ", text)
    delim = _sniff_delimiter(text, _ext(filename))
    table, more = _parse_csv(text, delim, filename, limits)
    return table, encoding, delim, warnings + more


_LONE_CR = re.compile(r"\r(?!\n)")


_MAX_QUOTE_REPAIRS = 20
_SHARED_CELL = 40  # cells up to this long share one string object per distinct value
_SHARED_MAX = 1_000_000  # distinct values remembered at once (about 100 MB of dict at most)
# Rows parsed before they become arrow columns: a Python row of 48 cells costs about 1.3 KB
# (its list and its distinct strings), so 1M rows held as lists took 1.3 GB (issue 20).
_CHUNK_ROWS = 50_000


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
    text: str, delim: str, filename: str, limits: Limits, chunk_rows: int = _CHUNK_ROWS
) -> tuple[_Table, list[str]]:
    """The table of a delimited text, with a quote that is opened and never closed caught.

    Rows become arrow columns every ``chunk_rows`` rows, so no more than that many are held as
    Python lists; the table is the one a single pass over all rows gives
    (:func:`~analysis.ingest.table._tables_stacked`).

    Python's csv reader, left lenient, lets such a quote swallow every later line into one
    cell, silently: 30 respondents become one. So the file is read strictly; where the strict
    reader stops, the record is read leniently as before (an odd but harmless quote such as
    '"AI" tools', or a multi-line comment), unless it ran over lines that are rows of their
    own: then the opening quote is the stray one. It is ignored, that line read on its own,
    and the user told which line to check. Many such lines mean the quoting is broken
    throughout: an error, because a guess per line would no longer be trustworthy.
    """
    sink = _Rows(limits, chunk_rows)
    add = sink.add
    lines: list[str] | None = None  # physical lines, only once the strict reader has stopped
    offset = 0  # physical lines before the current reader's first one
    repaired: list[tuple[int, int]] = []  # (line number, lines it would have swallowed)

    source: Iterator[str] = _physical_lines(text)
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
            lines = list(_physical_lines(text))
        first = offset + done_lines  # index of the failing record's first line
        last = offset + failed_at  # one past the line where the strict reader stopped
        width = sink.first_width or lines[first].count(delim) + 1
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
    return sink.table(), [_repair_warning(repaired, filename)] if repaired else []


def _repair_warning(repaired: list[tuple[int, int]], filename: str) -> str:
    where = _lines_note([n for n, _ in repaired])
    swallowed = sum(k for _, k in repaired)
    return (
        f'{len(repaired)} line(s) of {filename!r} ({where}) open a quote (") that is '
        f"never closed, which would have merged the {swallowed:,} line(s) after them into "
        "one cell: each stray quote was ignored and its line read as one row. Check "
        "those lines in the file."
    )


class _Rows:
    """Where parsed rows go: checked against the limits, short cells shared, and turned into
    arrow columns every ``chunk_rows`` rows."""

    def __init__(self, limits: Limits, chunk_rows: int) -> None:
        self.limits, self.chunk_rows = limits, chunk_rows
        # Header rows (up to 3) plus a little slack for title lines before the row limit.
        self.max_lines = limits.max_rows + 10
        self.records = 0
        self.first_width: int | None = None
        self.rows: list[list[str]] = []  # the rows since the last chunk
        self.parts: list[_Table] = []
        self.seen: dict[str, str] = {}

    def add(self, row: list[str]) -> None:
        self.records += 1
        if self.records > self.max_lines:
            raise IngestError(_too_many_rows(self.limits))
        if not row:
            return  # a blank line is not a respondent row
        if len(row) > self.limits.max_columns:
            raise IngestError(_too_many_columns(len(row), self.limits))
        if self.first_width is None:
            self.first_width = len(row)
        self.rows.append(_shared(row, self.seen))
        if len(self.rows) >= self.chunk_rows:
            self.parts.append(_table(self.rows))
            self.rows.clear()

    def table(self) -> _Table:
        if self.rows or not self.parts:
            self.parts.append(_table(self.rows))
        return _tables_stacked(self.parts)


# One physical line with its ending, as io.StringIO(text, newline="") splits them: at "\r\n",
# "\r" or "\n" only (str.splitlines also splits at "\x0b", "\x85", "\u2028", ...).
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


def _physical_lines(text: str) -> Iterator[str]:
    """The lines of ``text`` one at a time, as StringIO(text, newline="") gives them, without
    StringIO's copy of the whole text (2-4 bytes a character: 1.3 GB for a 687 MB CSV)."""
    return (m.group() for m in _LINE.finditer(text))


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
