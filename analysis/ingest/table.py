"""Rows of cells -> one column of stripped, normalised text per column (arrow, no nulls).

Text cells are NFC-normalised, with zero-width characters dropped and no-break spaces made
plain, so values that look the same are the same group.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# Every character str.strip() removes (str.isspace()), so arrow trims exactly as Python does.
_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_NULL_TEXT = pa.scalar(None, pa.large_string())
_EMPTY_TEXT = pa.array([], type=pa.large_string())


@dataclass
class _Table:
    """Every cell as stripped text, column by column (arrow large_string, no nulls; a column
    that repeats its cells as a dictionary of them, see :func:`_compact`).

    Column-wise because per-cell Python work on millions of cells is what made large
    exports slow; the rules are the row-by-row ones, applied to whole columns.
    """

    columns: list[pa.Array]
    height: int
    widths: list[int] | None  # cells in each row before padding; None when all are full
    has_text: bool  # some cell holds text before stripping
    # Columns that Unicode normalisation changed: index -> the stripped text before it.
    raw: dict[int, pa.Array] = field(default_factory=dict)
    merged_rows: frozenset[int] = frozenset()  # rows with a merged cell across columns


def _numbers_text(values: Sequence[float]) -> list[str]:
    """_cell_text of many floats at once."""
    x = np.array(values, dtype=float)
    out = np.full(len(x), "", dtype=object)
    finite = np.isfinite(x)
    whole = finite & (np.floor(x) == x) & (np.abs(x) < 1e15)
    out[whole] = x[whole].astype(np.int64).astype(str).tolist()
    rest = finite & ~whole
    out[rest] = [f"{v:.15g}" for v in x[rest].tolist()]
    return out.tolist()


def _datetimes_text(values: Sequence[dt.datetime]) -> list[str]:
    """_cell_text of many naive datetimes at once: a date at midnight, else to the second.

    Arrow converts the datetime objects in C (numpy's ``np.array(values, "datetime64[us]")``
    does it one object at a time: 0.4 s per 100,000 cells); both keep the naive wall time to
    the microsecond, so the int64 view is the same datetime64[us] array."""
    x = pa.array(values, type=pa.timestamp("us")).to_numpy(zero_copy_only=False)
    x = x.astype("datetime64[us]")
    day = x.astype("datetime64[D]")
    out = np.char.replace(np.datetime_as_string(x, unit="s"), "T", " ").astype(object)
    midnight = x == day
    out[midnight] = np.datetime_as_string(day[midnight], unit="D").tolist()
    return out.tolist()


def _column_text(values: Sequence[Any]) -> list[str]:
    """_cell_text of a column: numbers or datetimes (beside text cells) in bulk."""
    others = set(map(type, values)) - {str}
    kind = next(iter(others)) if len(others) == 1 else None
    if kind is float or kind is dt.datetime:
        where = [i for i, v in enumerate(values) if type(v) is kind]
        picked = [values[i] for i in where]
        if kind is float:
            texts = _numbers_text(picked)
        elif all(v.tzinfo is None and v.year >= 1000 for v in picked):
            texts = _datetimes_text(picked)
        else:
            return [_cell_text(v) for v in values]
        out = list(values)
        for i, text in zip(where, texts, strict=True):
            out[i] = text
        return out
    return [_cell_text(v) for v in values]


def _text_array(values: Sequence[Any]) -> pa.Array:
    """One column as arrow text; only columns holding non-text cells go through _cell_text."""
    try:
        arr = pa.array(values, type=pa.large_string())
        if arr.null_count:
            raise TypeError("None cell")
    except (pa.ArrowTypeError, pa.ArrowInvalid, TypeError):
        arr = pa.array(_column_text(values), type=pa.large_string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr


def _table(rows: Sequence[Sequence[Any]]) -> _Table:
    """Rows of cells (ragged CSV rows are padded with '') -> a _Table."""
    widths = list(map(len, rows))
    width = max(widths, default=0)
    if min(widths, default=0) != width:
        rows = [list(r) + [""] * (width - len(r)) if len(r) < width else r for r in rows]
        ragged: list[int] | None = widths
    else:
        ragged = None
    columns, has_text, raw = [], False, {}
    for j, values in enumerate(zip(*rows, strict=False) if width else ()):  # padded: equal
        arr = _text_array(values)
        has_text = has_text or bool(pc.any(pc.not_equal(arr, "")).as_py())
        fixed = _normalized(arr)
        if fixed is not None:
            raw[j] = pc.utf8_trim(arr, characters=_WHITESPACE)
            arr = fixed
        columns.append(_compact(pc.utf8_trim(arr, characters=_WHITESPACE)))
    return _Table(columns, len(rows), ragged, has_text, raw)


def _compact(arr: pa.Array) -> pa.Array:
    """A column with at most one distinct cell per two rows (rated answers, teams, dates) as a
    dictionary array: a 4-byte code per cell instead of its text. A 1M-row CSV's cells took
    1.3 GB as text while it was read (issue 20). Compute functions read either form alike."""
    encoded = arr.dictionary_encode()
    return encoded if 2 * len(encoded.dictionary) <= len(arr) else arr


def _plain(arr: pa.Array) -> pa.Array:
    """The column as large_string, whichever form :func:`_compact` left it in."""
    return arr.dictionary_decode() if pa.types.is_dictionary(arr.type) else arr


def _equal(arr: pa.Array, value: str) -> pa.Array:
    """``pc.equal(arr, value)`` in either form; on a dictionary it compares the few distinct
    cells and picks by code (arrow decodes every cell first: 25 ms per million)."""
    if not pa.types.is_dictionary(arr.type):
        return pc.equal(arr, value)
    hits = np.asarray(pc.equal(arr.dictionary, value).to_numpy(zero_copy_only=False), bool)
    return pa.array(hits[arr.indices.to_numpy(zero_copy_only=False)])


def _joined(pieces: list[pa.Array]) -> pa.Array:
    """One column from its chunks' pieces: a dictionary if any piece is one (unified by arrow)
    and it still repeats its cells (see :func:`_compact`), else text."""
    if not any(pa.types.is_dictionary(p.type) for p in pieces):
        return pa.concat_arrays(pieces)
    joined = pa.concat_arrays(
        [p if pa.types.is_dictionary(p.type) else p.dictionary_encode() for p in pieces]
    )
    return joined if 2 * len(joined.dictionary) <= len(joined) else joined.dictionary_decode()


def _tables_stacked(parts: list[_Table]) -> _Table:
    """The tables of consecutive row chunks as one: the _Table that :func:`_table` of all
    their rows gives (narrower chunks padded with '', widths kept where any row is short).

    Two or more parts are consumed: each column's chunks are released once joined, so the
    join holds one column twice at most rather than the whole table. (``_Rows.table`` gives at
    least one part, and an empty one only when there are no rows at all.)"""
    if len(parts) == 1:
        return parts[0]
    width = max(len(p.columns) for p in parts)
    height = sum(p.height for p in parts)
    ragged = any(p.widths is not None or len(p.columns) < width for p in parts)
    widths = None
    if ragged:
        widths = [w for p in parts for w in (p.widths or [len(p.columns)] * p.height)]
    has_text = any(p.has_text for p in parts)
    raw_columns = {j for p in parts for j in p.raw}

    def piece(p: _Table, j: int, before: bool) -> pa.Array:
        if j >= len(p.columns):
            return pa.array([""] * p.height, type=pa.large_string())
        return p.raw.pop(j, p.columns[j]) if before else p.columns[j]

    columns: list[pa.Array] = []
    raw: dict[int, pa.Array] = {}
    for j in range(width):
        if j in raw_columns:
            raw[j] = pa.concat_arrays([_plain(piece(p, j, before=True)) for p in parts])
        columns.append(_joined([piece(p, j, before=False) for p in parts]))
        for p in parts:  # release this column's chunks
            if j < len(p.columns):
                p.columns[j] = _EMPTY_TEXT
    parts.clear()
    return _Table(columns, height, widths, has_text, raw)


# Invisible characters that make equal-looking values differ. Zero-width space, word joiner
# and BOM are dropped everywhere; zero-width (non-)joiners only next to ASCII or at an end,
# because between two emoji or inside Indic and Persian words they change what is shown.
_INVISIBLE = "[\u200b\u2060\ufeff]"
_JOINER = "[\u200c\u200d]+"
_JOINER_STRAY = (
    ("([\\x00-\\x7f])" + _JOINER, "\\1"),
    (_JOINER + "([\\x00-\\x7f])", "\\1"),
    ("^" + _JOINER + "|" + _JOINER + "$", ""),
)
_HARD_SPACES = "[\u00a0\u2007\u202f]"  # no-break, figure and narrow no-break spaces
_ANY_ODD = "[\u200b\u2060\ufeff\u200c\u200d\u00a0\u2007\u202f]"


def _normalized(arr: pa.Array) -> pa.Array | None:
    """NFC, without invisible characters and with hard spaces as plain spaces, so 'Café'
    typed two ways, 'Sa<ZWSP>les' and 'Sales<NBSP>Team' are the values they look like;
    None when nothing changes (always for ASCII-only columns, checked first)."""
    if _ascii_only(arr):
        return None
    out = pc.utf8_normalize(arr, form="NFC")
    if pc.any(pc.match_substring_regex(out, _ANY_ODD)).as_py():
        out = pc.replace_substring_regex(out, _INVISIBLE, "")
        for pattern, replacement in _JOINER_STRAY:
            out = pc.replace_substring_regex(out, pattern, replacement)
        out = pc.replace_substring_regex(out, _HARD_SPACES, " ")
    if pc.all(pc.equal(out, arr)).as_py():
        return None
    return out


def _ascii_only(arr: pa.Array) -> bool:
    """No byte >= 0x80 in the column's character data (a byte scan, no per-value work)."""
    data = arr.buffers()[2]
    if data is None or data.size == 0:
        return True
    return bool(np.frombuffer(data, dtype=np.uint8).max() < 0x80)


def _cell_text(value: Any) -> str:
    """A spreadsheet cell as the text a person would read in it."""
    if type(value) is str:
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.15g}"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value)
