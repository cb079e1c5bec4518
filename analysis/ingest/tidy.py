"""The tidy table: header rows found, blank and repeated rows dropped, columns named uniquely.

Rows longer or shorter than the header are counted, and values merged by normalisation are
named, so nothing changes unseen.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.ingest.layouts import (
    _PLAIN_NUMBER,
    _PREVIEW_STATUS,
    _detect_layout,
    _group_header,
    _Layout,
    _question_row,
)
from analysis.ingest.model import IngestError, Limits, SourceColumn
from analysis.ingest.sniff import _check_shape, _too_many_rows
from analysis.ingest.table import _NULL_TEXT, _equal, _plain, _Table

_MAX_NAME = 120


def _unique_names(raw: list[str]) -> list[str]:
    """Readable, unique column names: blank -> 'Column 7', repeats -> 'Q5 (2)'."""
    out: list[str] = []
    seen: set[str] = set()
    for i, name in enumerate(raw, start=1):
        name = " ".join(name.split())
        if len(name) > _MAX_NAME:
            name = name[: _MAX_NAME - 1].rstrip() + "…"
        if not name:
            name = f"Column {i}"
        candidate, k = name, 2
        while candidate.casefold() in seen:
            candidate = f"{name} ({k})"
            k += 1
        seen.add(candidate.casefold())
        out.append(candidate)
    return out


def _question(text: str) -> str:
    return " ".join(text.split())


#: Title lines looked through for the header row below them.
MAX_TITLE_ROWS = 10


def _first_data_row(filled: np.ndarray, first_cells: pa.Array) -> int:
    """Rows to skip: blank lines and one-cell title lines above a header row of three cells or
    more. The title lines may be several, with blank lines among them ("AI Pulse,,," over
    "Exported 2025-03-01,,,", as a spreadsheet pads them): the header had been read from the
    first of them, and every column named after the title."""
    height = len(filled)
    skipped = 0
    while skipped < height and filled[skipped] == 0:
        skipped += 1
    for k in range(skipped, min(height, skipped + MAX_TITLE_ROWS + 1)):
        if filled[k] >= 3:
            titles = range(skipped, k)
            if all(filled[i] <= 1 for i in titles) and not any(
                first_cells[i].as_py().startswith("V1") for i in titles
            ):
                return k
            break
        if filled[k] > 1:
            break
    return skipped


def _mask(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=bool)


def _tidy(
    table: _Table, filename: str, limits: Limits
) -> tuple[pd.DataFrame, tuple[SourceColumn, ...], str, int, dict[str, int], list[str]]:
    """The export's frame, columns, format, rows read, dropped rows by reason and warnings."""
    warnings: list[str] = []
    cols = _without_bom(table)
    nonempty = [pc.invert(_equal(c, "")) for c in cols]
    skipped = _title_rows(table.height, cols, nonempty, filename, warnings)
    width = max(table.widths[skipped:]) if table.widths is not None else len(cols)
    cols, nonempty = cols[:width], nonempty[:width]
    _check_shape(table.height - skipped, width, limits, header_rows=3)
    head, layout = _header(table, cols, skipped)
    if layout.note:
        warnings.append(layout.note)
    start = skipped + layout.header_rows
    rows_read = table.height - start
    if rows_read > limits.max_rows:
        raise IngestError(_too_many_rows(limits))
    if rows_read == 0:
        raise IngestError(
            f"{filename!r} has column headers but no responses: export again with the "
            "responses included (check the export's filters and date range)."
        )
    body = [c.slice(start) for c in cols]
    body_filled = [m.slice(start) for m in nonempty]
    keep = _answered_columns(body_filled, head[: layout.header_rows], layout, warnings)
    kept, dropped = _kept_rows(body, body_filled, rows_read, keep, head, layout, warnings)
    if not kept.any():
        raise IngestError(
            f"All {rows_read:,} response rows in {filename!r} are empty: export again with the "
            "responses included."
        )
    if not keep:
        raise IngestError(
            f"{filename!r} has headers but no answers in any column: export the responses again."
        )

    names = _unique_names([layout.names[j] for j in keep])
    columns = tuple(
        SourceColumn(
            name=name,
            export_tag=layout.tags[j] or name,
            question=_question(layout.questions[j]),
        )
        for name, j in zip(names, keep, strict=True)
    )
    if table.widths is not None and layout.header_rows:
        warnings.extend(
            _ragged_warnings(table, start, layout.header_rows, keep, names, body_filled, kept)
        )
    frame, merged = _frame(table, start, body, body_filled, names, keep, kept)
    if unfinished := _unfinished_note(frame, columns, layout.format):
        warnings.append(unfinished)
    if merged:
        warnings.append(
            "Values that differed only by invisible characters (zero-width spaces), "
            "non-breaking spaces or the way an accent is encoded were read as the one value "
            f"they look like: {'; '.join(merged[:5])}" + (" …" if len(merged) > 5 else "") + "."
        )
    return frame, columns, layout.format, rows_read, dropped, warnings


#: The column that says a response was not completed, per export format: its tag or name, what
#: marks an unfinished response, and how to say it.
_COMPLETION = {
    "qualtrics": ("finished", "a Finished of 0 or False"),
    "qualtrics_legacy": ("finished", "a Finished of 0 or False"),
    "limesurvey": ("submitdate", "no submit date"),
}


def _unfinished_note(frame: pd.DataFrame, columns: tuple[SourceColumn, ...], fmt: str) -> str:
    """Says how many kept responses the platform marks as not completed. They are kept: their
    given answers count, as in Qualtrics' and LimeSurvey's own reports of partial responses,
    and each measure's n counts only who answered it; but the reader should know."""
    if fmt not in _COMPLETION:
        return ""
    tag, how = _COMPLETION[fmt]
    col = next((c for c in columns if tag in (c.export_tag.casefold(), c.name.casefold())), None)
    if col is None:
        return ""
    values = frame[col.name]
    if tag == "submitdate":
        open_ = values.isna()
    else:
        open_ = values.astype("string").str.strip().str.casefold().isin(["0", "false"])
    n = int(open_.sum())
    if not n:
        return ""
    return (
        f"{n:,} of {len(frame):,} responses were not completed ({how}). Their answers are "
        "counted where they were given, so a measure's n can be below the number of "
        "responses; to leave them out, filter them out of the export first."
    )


def _without_bom(table: _Table) -> list[pa.Array]:
    """The columns, with a byte-order mark and spaces stripped from the very first cell."""
    cols = list(table.columns)
    if table.height and cols:
        first = cols[0][0].as_py()
        fixed = first.lstrip("\ufeff").strip()
        if fixed != first:
            head_cell = pa.array([fixed], type=pa.large_string())
            cols[0] = pa.concat_arrays([head_cell, _plain(cols[0]).slice(1)])
    return cols


def _title_rows(
    height: int, cols: list[pa.Array], nonempty: list[pa.Array], filename: str, warnings: list[str]
) -> int:
    """How many title or blank lines sit above the header row (said in a warning)."""
    filled = np.zeros(height, dtype=np.int64)
    for m in nonempty:
        filled += _mask(m)
    skipped = _first_data_row(filled, cols[0]) if cols else height
    if skipped and skipped < height:
        warnings.append(f"Skipped {skipped} title or blank line(s) above the header row.")
    if skipped >= height:
        raise IngestError(
            f"{filename!r} holds no table: export the survey responses again (CSV or .xlsx)."
        )
    return skipped


def _header(table: _Table, cols: list[pa.Array], skipped: int) -> tuple[list[list[str]], _Layout]:
    """The first rows (up to 200, as lists of cells) and the header layout read from them."""
    n_head = min(table.height - skipped, 200)
    head = [
        list(r) for r in zip(*(c.slice(skipped, n_head).to_pylist() for c in cols), strict=True)
    ]
    layout = _detect_layout(head)
    if layout.format == "generic" and layout.header_rows == 1:
        layout = _group_header(head, skipped in table.merged_rows) or _question_row(head) or layout
    return head, layout


def _answered_columns(
    body_filled: list[pa.Array], header: list[list[str]], layout: _Layout, warnings: list[str]
) -> list[int]:
    """Columns with some answer. Those with neither a header nor an answer (e.g. from
    trailing commas) go silently; named ones left empty are listed, so none vanishes unseen."""
    keep, empty_named = [], []
    for j in range(len(body_filled)):
        if pc.any(body_filled[j]).as_py():
            keep.append(j)
        elif any(h[j] for h in header):
            empty_named.append(layout.names[j] or layout.tags[j])
    if empty_named:
        shown = ", ".join(empty_named[:8]) + (" …" if len(empty_named) > 8 else "")
        warnings.append(f"Dropped {len(empty_named)} column(s) with no answers at all: {shown}.")
    return keep


def _kept_rows(
    body: list[pa.Array],
    body_filled: list[pa.Array],
    rows_read: int,
    keep: list[int],
    head: list[list[str]],
    layout: _Layout,
    warnings: list[str],
) -> tuple[np.ndarray, dict[str, int]]:
    """Rows that are responses, and the dropped ones counted by reason. Each dropped row gets
    the first reason that applies: empty, repeated header, survey preview, a summary row."""
    answered = np.zeros(rows_read, dtype=bool)
    for j in keep:
        answered |= _mask(body_filled[j])
    reasons: list[tuple[str, np.ndarray]] = [("empty row", ~answered)]
    kept = answered.copy()
    if layout.header_rows:
        # any of the header rows again (two exports joined: Qualtrics' three come back)
        same_any = np.zeros(len(kept), dtype=bool)
        for signature in head[: layout.header_rows]:
            same = kept.copy()
            for j in range(len(body)):
                if not same.any():
                    break
                same &= _mask(_equal(body[j], signature[j]))
            same_any |= same
        reasons.append(("repeated header row", same_any))
        kept &= ~same_any
    # the Status column: its tag in the current layout, its name under a V7 tag in the legacy one
    status_col = next(
        (
            j
            for j in keep
            if layout.format in ("qualtrics", "qualtrics_legacy")
            and "status" in (layout.tags[j].casefold(), layout.names[j].casefold())
        ),
        None,
    )
    previews = _PREVIEW_STATUS
    if status_col is None:  # Alchemer and others: a "Status" column saying "Test" (a review)
        status_col = next(
            (
                j
                for j in keep
                if layout.names[j].strip().casefold() in _STATUS_NAMES
                and _platform_status(body[j], kept)
            ),
            None,
        )
        previews = _OTHER_PREVIEW_STATUS
    if status_col is not None:
        preview = _matching(body[status_col], lambda v: v.strip().casefold() in previews)
        preview &= kept
        reasons.append(("survey preview, test or spam", preview))
        kept &= ~preview
    totals = _summary_rows(body, keep, kept)
    reasons.append(("totals or counts below the responses", totals))
    kept &= ~totals
    firsts = sorted((int(np.argmax(m)), reason, int(m.sum())) for reason, m in reasons if m.any())
    dropped = {reason: n for _, reason, n in firsts}
    for reason, n in dropped.items():
        warnings.append(f"Dropped {n} row{'s' if n != 1 else ''}: {reason}.")
    return kept, dropped


#: A response-status column outside Qualtrics, and its values for rows that are no responses.
_STATUS_NAMES = frozenset({"status", "response status", "submission status"})
_OTHER_PREVIEW_STATUS = frozenset(
    {"test", "test response", "testing", "disqualified", "spam", "preview", "survey preview"}
)


def _platform_status(arr: pa.Array, rows: np.ndarray) -> bool:
    """Whether a "Status" column is a survey platform's (most rows "Complete"), not a question
    named Status answered "Live", "Testing", "Planning" (a review: a team of "Testing" was
    dropped as test responses)."""
    complete = _matching(arr, lambda v: v.strip().casefold() in _COMPLETE_STATUS)
    return bool(rows.any()) and complete[rows].mean() >= 0.5


_COMPLETE_STATUS = frozenset({"complete", "completed", "finished", "submitted"})

#: The label of a summary row a spreadsheet adds below the data ("Grand Total", "Count",
#: "Average", "Median"). "Average" is also an answer (below average .. above average), but
#: not in the first filled cell of one of the last rows with only numbers after it (a fourth
#: review: an "Average" and a "Median" row were scored as two people).
_SUMMARY_LABEL = re.compile(
    r"^(?:grand\s+)?(?:total|totals|sum|count|average|mean|median"
    r"|std\.?(?:\s*dev\.?)?|stdev|standard\s+deviation)\s*:?$",
    re.I,
)
#: Labels that are also answers or team names ("Average"): a block of them is a summary only
#: with different labels and a figure with decimals ("Average,3.15,..."), never "Average,3,4"
#: twice (two people who answered "Average").
_STATISTIC_LABEL = re.compile(r"^(?!grand\b)(?!total|sum|count)", re.I)
_DECIMALS = re.compile(r"^[+-]?\d*[.,]\d*[1-9]\d*$")


def _summary_rows(body: list[pa.Array], keep: list[int], kept: np.ndarray) -> np.ndarray:
    """The trailing rows (up to 5, from the last) that summarise the responses above them: a
    label such as "Grand Total", "Count" or "Average" first, then only numbers (two at least).
    A row is a respondent's as soon as one of those fails; no row above a respondent's is
    dropped; labels that are also answers need :data:`_STATISTIC_LABEL`'s evidence."""
    out = np.zeros(len(kept), dtype=bool)
    stats: list[list[str]] = []  # the filled cells of the rows labelled like an answer
    stat_rows: set[int] = set()
    for i in np.flatnonzero(kept)[-5:][::-1]:
        cells = [body[j][int(i)].as_py() for j in keep]
        filled = [str(c).strip() for c in cells if c is not None and str(c).strip()]
        if not (
            len(filled) >= 3
            and _SUMMARY_LABEL.match(filled[0])
            and all(_PLAIN_NUMBER.match(c) for c in filled[1:])
        ):
            break
        out[i] = True
        if _STATISTIC_LABEL.match(filled[0]):
            stats.append(filled)
            stat_rows.add(int(i))
    labels = [row[0].casefold() for row in stats]
    if stats and (
        len(set(labels)) < len(labels)
        or not any(_DECIMALS.match(c) for row in stats for c in row[1:])
    ):
        # people who answered "Average", not a summary: from the lowest such row up, nothing
        # is dropped; a "Total" below them still is (no row above a respondent's is dropped)
        marked = np.flatnonzero(out)[::-1]  # from the last row up
        for n, i in enumerate(marked):
            if i in stat_rows:
                out[marked[n:]] = False
                break
    return out


def _matching(arr: pa.Array, test: Callable[[str], bool]) -> np.ndarray:
    """``test`` of each cell, once per distinct cell of a dictionary column."""
    if pa.types.is_dictionary(arr.type):
        hits = np.fromiter(map(test, arr.dictionary.to_pylist()), dtype=bool)
        return hits[arr.indices.to_numpy(zero_copy_only=False)]
    return np.fromiter(map(test, arr.to_pylist()), dtype=bool, count=len(arr))


def _frame(
    table: _Table,
    start: int,
    body: list[pa.Array],
    body_filled: list[pa.Array],
    names: list[str],
    keep: list[int],
    kept: np.ndarray,
) -> tuple[pd.DataFrame, list[str]]:
    """The kept rows and columns as a frame of text (blank cells missing), and a note per
    column where normalisation made distinct spellings one value."""
    rows_kept = None if kept.all() else pa.array(kept)
    data: dict[str, pd.Series] = {}
    merged: list[str] = []
    for name, j in zip(names, keep, strict=True):
        text, present = body[j], body_filled[j]
        if rows_kept is not None:
            text, present = text.filter(rows_kept), present.filter(rows_kept)
        if j in table.raw:
            before = table.raw[j].slice(start)
            before = before if rows_kept is None else before.filter(rows_kept)
            merged.extend(_merged_note(name, before, _plain(text), present))
        data[name] = _column(text, present)
    frame = pd.DataFrame(data)
    frame.index = pd.RangeIndex(len(frame))
    return frame, merged


def _column(text: pa.Array, present: pa.Array) -> pd.Series:
    """One column of text, its blank cells (not ``present``) missing. A column that repeats
    its answers (at most one distinct value per two rows: rated items, teams, roles) is a
    pandas categorical of text, a small code per cell rather than a string: at 1,000,000
    respondents the export's 47 columns took 1.0 GB as text. Its categories are in text
    order, so sorting and grouping by it order as the text would."""
    if pa.types.is_dictionary(text.type):
        codes = np.where(_mask(present), text.indices.to_numpy(zero_copy_only=False), -1)
        dictionary = text.dictionary
    else:
        encoded = pc.dictionary_encode(pc.if_else(present, text, _NULL_TEXT))
        codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False)
        dictionary = encoded.dictionary
    used = np.flatnonzero(np.bincount(codes[codes >= 0], minlength=len(dictionary)))
    if 2 * len(used) > len(codes):
        return pd.Series(pc.if_else(present, _plain(text), _NULL_TEXT), dtype="str")
    values = dictionary.take(pa.array(used))
    order = pc.array_sort_indices(values).to_numpy()
    rank = np.full(len(dictionary) + 1, -1, dtype=np.int64)  # rank[-1]: a missing cell
    rank[used[order]] = np.arange(len(order))
    categories = pd.Index(pd.array(values.take(order), dtype="str"))
    return pd.Series(pd.Categorical.from_codes(rank[codes], categories=categories))


def _ragged_warnings(
    table: _Table,
    start: int,
    header_rows: int,
    keep: list[int],
    names: list[str],
    body_filled: list[pa.Array],
    kept: np.ndarray,
) -> list[str]:
    """Rows longer or shorter than the header, which a CSV reader pads or widens silently."""
    assert table.widths is not None
    header_width = max(table.widths[start - header_rows : start])
    widths = np.asarray(table.widths[start:])
    out = []
    extra = [(j, name) for j, name in zip(keep, names, strict=True) if j >= header_width]
    if extra:
        longer = np.zeros(len(widths), dtype=bool)
        for j, _ in extra:
            longer |= _mask(body_filled[j])
        n = int((longer & kept).sum())
        added = ", ".join(repr(name) for _, name in extra[:5]) + (" …" if len(extra) > 5 else "")
        out.append(
            f"{n:,} row(s) have more cells than the header row ({header_width} columns): their "
            f"extra cells were kept as new column(s) {added}. Check the rows for a stray "
            "delimiter, or name those columns in the header."
        )
    shorter = int(((widths < header_width) & kept).sum())
    if shorter:
        out.append(
            f"{shorter:,} row(s) have fewer cells than the header row ({header_width} "
            "columns): their missing cells were read as blank answers."
        )
    return out


def _merged_note(name: str, before: pa.Array, after: pa.Array, present: pa.Array) -> list[str]:
    """'Team: 2 spellings of 'Sales'' when normalising made distinct answers equal."""
    pairs = pa.table({"after": after, "before": before}).filter(present)
    spellings = pairs.group_by("after").aggregate([("before", "count_distinct")])
    hit = spellings.filter(pc.greater(spellings["before_count_distinct"], 1))
    if not hit.num_rows:
        return []
    values = hit["after"].to_pylist()
    counts = hit["before_count_distinct"].to_pylist()
    shown = ", ".join(
        f"{c} spellings of {v!r}" for v, c in list(zip(values, counts, strict=True))[:3]
    )
    return [f"{name!r}: {shown}" + (" …" if len(values) > 3 else "")]
