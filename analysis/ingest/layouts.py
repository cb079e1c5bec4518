"""The header rows of each survey platform's export: which rows are headers, and what each
column's export tag, question text and display name are.

Platforms are recognised by header words kept in ``analysis/data/platform_signatures.yaml``
(loaded and checked once, at import); one detector per platform, tried in order.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from analysis.datafiles import DataFileError, read_yaml, section, string_list
from analysis.scales import detect_scale

_FILE = "analysis/data/platform_signatures.yaml"
# platform -> its keys: word lists, and the counts (int) that decide a match.
_SCHEMA: dict[str, dict[str, type]] = {
    "qualtrics": {"tags": list, "min_tags": int, "labels": list, "preview_status": list},
    "surveymonkey": {"meta": list, "min_meta": int, "sublabels": list},
    "ms_forms": {"columns": list, "within_first": int},
    "google_forms": {"timestamp": list},
    "limesurvey": {"meta": list, "labels": list, "min_hits": int},
}


def _load_signatures() -> dict[str, dict[str, Any]]:
    """The signatures file as {platform: {key: frozenset of words | int}}, checked."""
    doc = read_yaml("platform_signatures.yaml")
    unknown = sorted(map(str, set(doc or {}) - set(_SCHEMA))) if isinstance(doc, dict) else []
    if unknown:
        raise DataFileError(f"{_FILE}: unknown platform(s) {', '.join(unknown)}.")
    out: dict[str, dict[str, Any]] = {}
    for platform, keys in _SCHEMA.items():
        spec = section(doc, platform, _FILE)
        if set(spec) != set(keys):
            raise DataFileError(f"{_FILE}: {platform} must have exactly {', '.join(keys)}.")
        out[platform] = {}
        for key, kind in keys.items():
            where = f"{_FILE}: {platform}.{key}"
            value = spec[key]
            if kind is int:
                if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                    raise DataFileError(f"{where} must be a whole number of at least 1.")
                out[platform][key] = value
                continue
            words = string_list(value, where)
            upper = [w for w in words if w != w.casefold()]
            if upper:
                raise DataFileError(
                    f"{where}: write {', '.join(map(repr, upper))} in lower case "
                    "(header cells are compared casefolded)."
                )
            out[platform][key] = frozenset(words)
    return out


_SIGNATURES = _load_signatures()
_QUALTRICS = _SIGNATURES["qualtrics"]
_SURVEYMONKEY = _SIGNATURES["surveymonkey"]
_MSFORMS = _SIGNATURES["ms_forms"]
_GOOGLE_FORMS = _SIGNATURES["google_forms"]
_LIMESURVEY = _SIGNATURES["limesurvey"]
#: Qualtrics Status values of rows that are previews, tests or spam, not responses.
_PREVIEW_STATUS: frozenset[str] = _QUALTRICS["preview_status"]

_V_TAG = re.compile(r"V\d+")
_LIME_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*\[[A-Za-z0-9_]+\]$")
_LIME_FULLTEXT = re.compile(r"^([A-Za-z][A-Za-z0-9_]*(?:\[[A-Za-z0-9_]+\])?)\.\s+(\S.*)$", re.S)


@dataclass
class _Layout:
    format: str
    header_rows: int
    tags: list[str]
    questions: list[str]
    names: list[str]
    note: str = ""  # said in the export's warnings (a header read from the rows' content)


#: Said when a second row of question text was read as the header's questions.
QUESTION_ROW = (
    "The second row held question text, not answers: it was read as each column's question, "
    "not as a respondent. If it is a respondent, remove the question row from the file."
)


@dataclass(frozen=True)
class _Head:
    """The first rows of a table, as the detectors read them."""

    rows: list[list[str]]
    row0: list[str]
    low0: list[str]  # row0 casefolded
    row1: list[str]  # blank when the table has one row
    row2: list[str]
    width: int

    @classmethod
    def of(cls, rows: list[list[str]]) -> _Head:
        width = len(rows[0])
        blank = [""] * width
        return cls(
            rows=rows,
            row0=rows[0],
            low0=[c.casefold() for c in rows[0]],
            row1=rows[1] if len(rows) > 1 else blank,
            row2=rows[2] if len(rows) > 2 else blank,
            width=width,
        )


def _is_import_id_row(row: list[str]) -> bool:
    filled = [c for c in row if c]
    return bool(filled) and sum(c.startswith('{"ImportId"') for c in filled) >= 0.5 * len(filled)


def _qualtrics_legacy(h: _Head) -> _Layout | None:
    """V1, V2, ... then a row of ResponseID, ResponseSet, ... and question text."""
    row0, row1 = h.row0, h.row1
    v_cells = sum(bool(_V_TAG.fullmatch(c)) for c in row0)
    if not (row0 and row0[0] == "V1" and v_cells >= 3 and len(h.rows) > 1):
        return None
    names = [row1[i] if _V_TAG.fullmatch(row0[i]) and row1[i] else row0[i] for i in range(h.width)]
    questions = [
        "" if _V_TAG.fullmatch(row0[i]) or row1[i] == row0[i] else row1[i] for i in range(h.width)
    ]
    return _Layout("qualtrics_legacy", 2, list(row0), questions, names)


def _qualtrics(h: _Head) -> _Layout | None:
    """Export tags, question text, {"ImportId": ...} (the last two rows optional)."""
    hits = sum(c in _QUALTRICS["tags"] for c in h.low0)
    if _is_import_id_row(h.row2):
        n, questions = 3, list(h.row1)
    elif _is_import_id_row(h.row1):
        n, questions = 2, [""] * h.width
    elif hits < _QUALTRICS["min_tags"]:
        return None
    elif any(c.casefold() in _QUALTRICS["labels"] for c in h.row1):
        n, questions = 2, list(h.row1)
    else:
        n, questions = 1, [""] * h.width
    return _Layout("qualtrics", n, list(h.row0), questions, list(h.row0))


def _surveymonkey_layout(h: _Head) -> _Layout | None:
    """Metadata headers, then (usually) a second row of sub-labels."""
    row0, row1 = h.row0, h.row1
    if sum(c in _SURVEYMONKEY["meta"] for c in h.low0) < _SURVEYMONKEY["min_meta"]:
        return None
    if len(h.rows) <= 1:
        return None
    second_is_header = any(c.casefold() in _SURVEYMONKEY["sublabels"] for c in row1) or (
        row1[0] == "" and any(row1) and any(row0[i] == "" and row1[i] for i in range(h.width))
    )
    if second_is_header:
        return _surveymonkey(row0, row1)
    return _Layout("surveymonkey", 1, list(row0), [""] * h.width, list(row0))


def _ms_forms(h: _Head) -> _Layout | None:
    if not set(h.low0[: _MSFORMS["within_first"]]) >= _MSFORMS["columns"]:
        return None
    return _Layout("ms_forms", 1, list(h.row0), list(h.row0), list(h.row0))


def _google_forms(h: _Head) -> _Layout | None:
    if not (h.low0 and h.low0[0] in _GOOGLE_FORMS["timestamp"]):
        return None
    return _Layout("google_forms", 1, list(h.row0), list(h.row0), list(h.row0))


def _limesurvey(h: _Head) -> _Layout | None:
    """Column codes (or 'code. Question text' full-text headers) in one header row."""
    row0 = h.row0
    meta = codes = 0
    for cell in row0:
        # A header is a column code ('submitdate', 'Q1[SQ001]'), its label ('Date submitted'),
        # or both ('submitdate. Date submitted') in the "code. Question text" export.
        m = _LIME_FULLTEXT.match(cell)
        code, label = (m.group(1), m.group(2).strip()) if m else (cell, cell)
        meta += code.casefold() in _LIMESURVEY["meta"] or label.casefold() in _LIMESURVEY["labels"]
        codes += bool(_LIME_CODE.match(code))
    enough = _LIMESURVEY["min_hits"]
    if meta < enough and codes < enough:
        return None
    tags, questions = [], []
    for cell in row0:
        m = _LIME_FULLTEXT.match(cell)
        if m and (meta >= enough or _LIME_CODE.match(m.group(1))):
            tags.append(m.group(1))
            questions.append(m.group(2).strip())
        else:
            tags.append(cell)
            questions.append("")
    names = [t if q else c for t, q, c in zip(tags, questions, row0, strict=True)]
    return _Layout("limesurvey", 1, tags, questions, names)


def _generic(h: _Head) -> _Layout:
    """One header row, or none when the first row is already data."""
    if _headerless(h.rows):
        names = [f"Column {i}" for i in range(1, h.width + 1)]
        return _Layout("generic", 0, names, [""] * h.width, names)
    return _Layout("generic", 1, list(h.row0), [""] * h.width, list(h.row0))


# Tried in order: the first that recognises the header wins; generic when none does.
_DETECTORS: tuple[Callable[[_Head], _Layout | None], ...] = (
    _qualtrics_legacy,
    _qualtrics,
    _surveymonkey_layout,
    _ms_forms,
    _google_forms,
    _limesurvey,
)


def _detect_layout(rows: list[list[str]]) -> _Layout:
    head = _Head.of(rows)
    for detect in _DETECTORS:
        layout = detect(head)
        if layout is not None:
            return layout
    return _generic(head)


_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")


def _headerless(rows: list[list[str]]) -> bool:
    """True when the first line is data: a number where a header would be, in a column of
    numbers (headers are words)."""
    if len(rows) < 3:
        return False
    body = rows[1:200]
    for j, cell in enumerate(rows[0]):
        if not _PLAIN_NUMBER.match(cell):
            continue
        values = [r[j] for r in body if r[j]]
        if values and sum(bool(_PLAIN_NUMBER.match(v)) for v in values) >= 0.95 * len(values):
            return True
    return False


def _surveymonkey(row0: list[str], row1: list[str]) -> _Layout:
    """Merge SurveyMonkey's two header rows: a blank top cell continues the question on its
    left, and the second row names the option ('Contact information - Email')."""
    names, questions = [], []
    parent = ""
    for top, sub in zip(row0, row1, strict=True):
        parent = top or parent
        meta = bool(top) and not sub
        if not sub or sub.casefold() in _SURVEYMONKEY["sublabels"]:
            name = parent
        else:
            name = f"{parent} - {sub}" if parent else sub
        names.append(name)
        questions.append("" if meta else parent)
    return _Layout("surveymonkey", 2, list(names), questions, names)


def _labels_not_data(row: list[str], used: list[int], body: list[list[str]]) -> bool:
    """Whether a header's second row reads as labels rather than a respondent's answers: a
    cell in every used column, all distinct, none a number, none found again in its column
    below (an answer repeats; a column's label does not)."""
    cells = [row[j] for j in used]
    if not cells or not all(cells) or len({c.casefold() for c in cells}) < len(cells):
        return False
    if any(_PLAIN_NUMBER.match(c) for c in cells):
        return False
    return not any(r[j] == row[j] for r in body for j in used)


def _group_header(rows: list[list[str]], merged_top: bool) -> _Layout | None:
    """A generic two-row header: group labels over blank (merged) cells, one label per column
    below them ('How much do you agree?' over 'TR1', 'TR2', ...). Names become
    'Group - Label'; the label is the export tag, the group the question.

    Only when the second row cannot be data: every column has a label there, the labels are
    distinct, not numbers, and none appears again in its column. Without merged cells to show
    the grouping (CSV, or a workbook with blank cells instead of merges) at least 10 answer
    rows are needed to be sure of that last point.
    """
    if len(rows) < 4:
        return None
    top, sub = rows[0], rows[1]
    width = len(top)
    used = [j for j in range(width) if top[j] or sub[j]]
    spans = [j for j in range(1, width) if not top[j] and sub[j] and any(top[:j])]
    body = rows[2:]
    if not spans or (not merged_top and len(body) < 10):
        return None
    # a column named in the top row alone ("Team" merged down over both rows) keeps that name
    alone = {j for j in used if top[j] and not sub[j]}
    labelled = [j for j in used if j not in alone]
    if 2 * len(alone) > len(used) or not _labels_not_data(sub, labelled, body):
        return None
    names, questions, tags, parent = [], [], list(sub), ""
    for j, (t, label) in enumerate(zip(top, sub, strict=True)):
        if j in alone:
            names.append(t)
            questions.append("")
            tags[j] = t
            parent = ""  # a group never runs across a column of its own
            continue
        parent = t or parent
        names.append(f"{parent} - {label}" if parent and label else label)
        questions.append(parent if label else "")
    return _Layout("generic", 2, tags, questions, names)


def _question_row(rows: list[list[str]]) -> _Layout | None:
    """A generic header with a second row of question text under the column names ('Team'
    over 'Which team do you work in?'), as exports re-saved by hand often have: that row is
    not a respondent. The names stay; the second row gives each column its question.

    Only when the second row cannot be data: every named column has a cell there, the cells
    are distinct and not numbers, at least half read like questions (three words or more, not
    the name again), none appears again in its column among at least 10 answer rows, and in
    a rated column (answers on a known scale) the cell is no answer on that scale, as a
    respondent's would be. A comments-only file has no rated column: its first row is always
    a respondent (an independent review found a first respondent taken for questions).
    """
    if len(rows) < 12:
        return None
    top, second, body = rows[0], rows[1], rows[2:]
    used = [j for j in range(len(top)) if top[j]]
    if not _labels_not_data(second, used, body):
        return None
    wordy = [j for j in used if len(second[j].split()) >= 3 and second[j] != top[j]]
    if 2 * len(wordy) < len(used):
        return None
    rated = []
    for j in used:
        scale = detect_scale(pd.Series([r[j] for r in body if r[j]], dtype="str"))
        if scale is not None and not scale.is_numeric:
            rated.append(scale.value_of(second[j]) is None)
    if not rated or not all(rated):
        return None
    questions = [second[j] if top[j] else "" for j in range(len(top))]
    return _Layout("generic", 2, list(top), questions, list(top), QUESTION_ROW)
