"""Which rows of an export are responses to analyse, once the column roles are known.

Rows with no answer to any question (a Qualtrics partial closed at 0%, a LimeSurvey row with
only its interview time) are not respondents: counted, they raised the headline n and made a
"(no answer)" group. They are dropped and said (:func:`without_unanswered`).

One response per person: repeated submissions under the same e-mail address or employee ID.
A form that does not limit people to one response (Google Forms, Microsoft Forms, an open
Qualtrics link) lets the same person submit twice. Counted twice, three people look like six:
a group the minimum group size should hide is shown, and its answers weigh double. The
export's own identifiers say who is who, so each person's latest submission is kept (by the
timestamp when one parses, else the file's order: a second submission usually corrects the
first) and the rest are dropped and said. Names alone are not
used: two people can share one; nor an address named after someone else ("Manager email");
nor a column whose repeats are too many to be resubmissions (:data:`MAX_REPEAT_SHARE`).
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd

from analysis.columns import ColumnMap
from analysis.columns.profile import _EMAIL
from analysis.ingest import SurveyExport
from analysis.pipeline.group_names import merged_group_names, teams_in_several_units

__all__ = [
    "COPY_REASON",
    "HEADER_REASON",
    "REPEAT_REASON",
    "UNANSWERED_REASON",
    "response_rows",
    "with_other_answers",
    "without_copies",
    "without_repeats",
]

#: The dropped-rows reason of a row that answered no question.
UNANSWERED_REASON = "no answer to any rated or open question"
#: The dropped-rows reason of a header row met again inside the data.
HEADER_REASON = "a header row again inside the data (two exports joined?)"
#: The dropped-rows reason of a row that copies an earlier one, its response ID or time too.
COPY_REASON = "the same response twice (its ID or time and every answer the same)"
#: The dropped-rows reason of a repeated submission.
REPEAT_REASON = "an earlier submission by the same person (same e-mail address or ID)"
#: Share of an identity column's answers that must be e-mail addresses for it to say who is who
#: (judged on its first :data:`SAMPLE` answers).
EMAIL_SHARE = 0.9
SAMPLE = 1000
#: Most repeats that read as people submitting again (a few in a hundred, in open forms):
#: beyond it the column is not a reliable key (generated files can give different people
#: one address: 18-27% of the rows of the built-in sample files before stop 50), nothing is
#: dropped, and a warning says so.
MAX_REPEAT_SHARE = 0.10
#: More submissions than this under one address are a shared mailbox, not one person.
MAX_SUBMISSIONS = 3
#: Header words of an address that is someone else's ("Manager email"): never a person key.
_SOMEONE_ELSE = re.compile(r"manager|supervisor|lead|boss|reports? to|approver|sponsor", re.I)


def _person_keys(export: SurveyExport, colmap: ColumnMap) -> list[str]:
    """The columns that identify a person: the mapped respondent ID, and identity columns that
    hold e-mail addresses and are not named after someone else."""
    keys = [colmap.respondent_id] if colmap.respondent_id else []
    for name in colmap.identity:
        if _SOMEONE_ELSE.search(name) or name not in export.responses:
            continue
        values = export.responses[name].dropna().head(SAMPLE).astype(str).str.strip()
        values = values[values != ""]
        if len(values) and values.str.match(_EMAIL).mean() >= EMAIL_SHARE:
            keys.append(name)
    return [k for k in keys if k in export.responses.columns]


def _person_codes(ids: pd.Series) -> np.ndarray:
    """One integer per person (-1: no identifier), spellings compared without case or outer
    spaces; each distinct value is normalised once."""
    codes, uniques = pd.factorize(ids)
    keys = pd.Index(uniques).astype(str).str.strip().str.casefold()
    key_codes, _ = pd.factorize(keys)
    key_codes = np.where(keys == "", -1, key_codes)
    return np.where(codes >= 0, key_codes[np.maximum(codes, 0)], -1)


def _has_repeats(person: np.ndarray) -> bool:
    known = person[person >= 0]
    return len(np.unique(known)) < len(known)


def _repeats(person: np.ndarray, column: str, order: np.ndarray) -> tuple[np.ndarray, str]:
    """Rows whose person (:func:`_person_codes`) submits again later in ``order`` (row
    positions, oldest first), and a warning when the column's repeats are too many to be
    resubmissions (then none)."""
    counts = np.bincount(person[person >= 0]) if (person >= 0).any() else np.zeros(0, int)
    in_order = person[order]
    later = pd.Series(in_order).duplicated(keep="last").to_numpy() & (in_order >= 0)
    shared = np.zeros(len(in_order), dtype=bool)
    if len(counts):
        shared = (in_order >= 0) & (counts[np.maximum(in_order, 0)] > MAX_SUBMISSIONS)
    repeated = np.zeros(len(person), dtype=bool)
    repeated[order] = later & ~shared
    known = int((person >= 0).sum())
    if repeated.sum() > MAX_REPEAT_SHARE * known:
        return np.zeros(len(person), dtype=bool), (
            f"{int(repeated.sum()):,} of {known:,} rows repeat an address in {column!r}: too "
            "many to be people submitting twice, so none was dropped. If it is each "
            "respondent's own address, check the export for repeated submissions."
        )
    return repeated, ""


#: A date written with numbers first: day and month in some order, then the year.
_NUMERIC_DATE = r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-]\d{2,4}\b"


def read_dates(values: pd.Series) -> pd.Series:
    """Timestamps as dates, day first when the column says so: a first number above 12 and
    no second one above 12 (UK and European exports: "20/03/2024"). Read value by value, a
    review's "12/03/2024" became 3 December beside "20/03/2024", and the older of two
    submissions was kept as the latest. ISO dates ("2024-03-12") are read year, month, day."""
    text = values.astype(str)
    parts = text.str.extract(_NUMERIC_DATE).apply(pd.to_numeric, errors="coerce")
    dayfirst = bool((parts[0] > 12).any()) and not bool((parts[1] > 12).any())
    when = pd.to_datetime(text, errors="coerce", format="mixed", dayfirst=dayfirst)
    iso = text.str.match(r"^\s*\d{4}-\d{1,2}-\d{1,2}")
    if dayfirst and iso.any():  # year first is never day first: "2024-03-12" is 12 March
        when[iso] = pd.to_datetime(text[iso], errors="coerce", format="mixed")
    return when


#: A grouping column that says which wave a row belongs to: two waves stacked in one file.
_WAVE = re.compile(r"^\s*(?:survey\s+)?(?:wave|round|period|cycle|quarter|year|pulse)\s*$", re.I)


def _wave_column(export: SurveyExport, colmap: ColumnMap) -> str | None:
    """The column named like a wave ("Wave", "Round", "Year"; 20 values at most), if any,
    whatever its role (a "Year" of 2024 and 2025 is read as numbers): a person who
    answered two waves stacked in one file is one respondent per wave (a fourth review: the
    repeat rule dropped their earlier wave's answers, 40 people read as 37)."""
    rows = export.responses
    return next(
        (
            s.name
            for s in colmap.columns  # any role: a "Year" of 2024 and 2025 is read as numbers
            if _WAVE.match(s.name) and s.name in rows.columns and rows[s.name].nunique() <= 20
        ),
        None,
    )


def _oldest_first(export: SurveyExport, colmap: ColumnMap) -> np.ndarray:
    """Row positions from the oldest submission to the newest: by the first timestamp column
    when it reads as dates (a sheet sorted newest first keeps the right one), else the file's
    order."""
    rows = export.responses
    for name in colmap.timestamps:
        if name in rows:
            when = read_dates(rows[name])
            if when.notna().mean() >= 0.9:
                return np.argsort(when.to_numpy(dtype="datetime64[ns]"), kind="stable")
    return np.arange(len(rows))


def without_repeats(export: SurveyExport, colmap: ColumnMap) -> SurveyExport:
    """``export`` with each person's earlier submissions dropped (the latest kept), counted
    in ``dropped_rows`` and said in a warning; ``export`` itself when nobody submitted twice.
    Rows without an identifier are kept: they cannot be told apart."""
    rows = export.responses
    keys = _person_keys(export, colmap)
    if not keys:
        return export
    people = {key: _person_codes(rows[key]) for key in keys}
    wave = _wave_column(export, colmap)
    if wave is not None:  # one response per person and wave: both waves' answers are kept
        waves, _ = pd.factorize(rows[wave].astype(object))
        people = {
            k: np.where(p >= 0, p * (int(waves.max()) + 2) + waves + 1, -1)
            for k, p in people.items()
        }
    if not any(_has_repeats(p) for p in people.values()):
        return export  # the usual case: the timestamps are never parsed
    order = _oldest_first(export, colmap)
    repeated = np.zeros(len(rows), dtype=bool)
    notes = []
    for key in keys:
        found, note = _repeats(people[key], str(key), order)
        repeated |= found
        notes += [note] if note else []
    noted = dataclasses.replace(export, warnings=[*export.warnings, *notes]) if notes else export
    if not repeated.any():
        return noted
    return _dropped(
        noted,
        repeated,
        REPEAT_REASON,
        "Each person's latest submission is kept, so nobody counts twice (a group of three who "
        "each submitted twice would otherwise pass a minimum group size of five).",
    )


def _dropped(export: SurveyExport, drop: np.ndarray, reason: str, more: str = "") -> SurveyExport:
    """``export`` without the rows of ``drop``, counted under ``reason`` and said as ingest
    says its dropped rows ("Dropped 3 rows: reason.")."""
    n = int(drop.sum())
    said = f"Dropped {n} row{'s' if n != 1 else ''}: {reason}." + (f" {more}" if more else "")
    return dataclasses.replace(
        export,
        responses=export.responses.loc[~drop].reset_index(drop=True),
        dropped_rows={**export.dropped_rows, reason: n},
        warnings=[*export.warnings, said],
    )


def _filled(cell: pd.Series) -> np.ndarray:
    """Which cells hold an answer (not missing, not blank); a categorical's categories are
    judged once each (a million-row column in milliseconds)."""
    if isinstance(cell.dtype, pd.CategoricalDtype):
        blank = np.asarray(cell.cat.categories.astype(str).str.strip() == "", dtype=bool)
        codes = cell.cat.codes.to_numpy()
        return (codes >= 0) & ~np.append(blank, True)[codes]  # code -1 picks the final True
    return (cell.notna() & cell.astype(object).ne("")).to_numpy(dtype=bool)


def without_unanswered(export: SurveyExport, colmap: ColumnMap) -> SurveyExport:
    """``export`` without the rows that answered none of its rated or open questions,
    counted in ``dropped_rows`` and said; ``export`` itself when every row answered one."""
    asked = [c for c in (*colmap.items, *colmap.comments) if c in export.responses.columns]
    if not asked:
        return export
    answered = np.zeros(len(export.responses), dtype=bool)
    for name in asked:
        answered |= _filled(export.responses[name])
    if answered.all() or not answered.any():  # nobody answered: later checks say what to fix
        return export
    return _dropped(export, ~answered, UNANSWERED_REASON)


#: The header of a platform's own response ID, kept as an identity column ("ResponseId",
#: "Respondent ID", "Submission ID"): one per response, unlike an e-mail (a person's, whose
#: repeats are resubmissions, :func:`without_repeats`) or an IP address (shared behind a
#: company's network).
_RESPONSE_ID = re.compile(
    r"^\s*(?:response|respondent|submission|record)\s*_?id\s*$|^\s*id\s*$", re.I
)


_SECONDS = re.compile(r"\d{1,2}:\d{2}:\d{2}")


def _to_the_second(stamps: pd.Series) -> bool:
    """Whether a timestamp column gives the second (most of its first answers do): a date, or
    a time to the minute, is shared by people who answered the same day (a review: 60
    respondents with one date and the same answers read as 5)."""
    given = stamps.dropna().astype(str).head(SAMPLE)
    return len(given) > 0 and given.str.contains(_SECONDS).mean() >= 0.9


def without_copies(export: SurveyExport, colmap: ColumnMap) -> SurveyExport:
    """``export`` without rows that repeat an earlier row in every column, where that row has a
    response ID or a timestamp: two overlapping exports pasted into one file (a
    review: Qualtrics rows appended again under their ResponseIds made a group of 4 read as 8,
    shown; platform response IDs are not person keys, so the repeat rule had not seen them).
    Identical answers without any such value may be two people and are kept; an ID repeated
    with other answers (two forms numbered 1, 2, ... stacked) is not a copy."""
    rows = export.responses
    named = [k for k in colmap.identity if _RESPONSE_ID.search(str(k))]  # Qualtrics ResponseId
    ids = [k for k in dict.fromkeys([colmap.respondent_id, *named]) if k in rows.columns]
    # one key is enough to find candidates (a copy repeats all of them): an ID, else the first
    # timestamp to the second (1M rows: 2.3 s with every key, a review measured)
    stamps = (t for t in colmap.timestamps if t in rows.columns and _to_the_second(rows[t]))
    key = ids[0] if ids else next(stamps, None)
    if key is None:
        return export
    candidates = rows[key].duplicated(keep=False).to_numpy() & _filled(rows[key])
    if not candidates.any():
        return export
    copy = np.zeros(len(rows), dtype=bool)
    copy[candidates] = rows.loc[candidates].astype(object).duplicated(keep="first").to_numpy()
    if not copy.any():
        return export
    return _dropped(
        export,
        copy,
        COPY_REASON,
        "Were two exports pasted together? Each response is counted once.",
    )


def _as_header(cell: pd.Series, words: set[str]) -> np.ndarray:
    """Which cells read as one of their column's header words (its name, tag or question);
    a categorical's categories are judged once each."""
    if isinstance(cell.dtype, pd.CategoricalDtype):
        hit = np.array([" ".join(str(c).split()).casefold() in words for c in cell.cat.categories])
        codes = cell.cat.codes.to_numpy()
        return np.append(hit, False)[codes]  # code -1 (missing) picks the final False
    text = cell.astype("string[pyarrow]").str.replace(r"\s+", " ", regex=True).str.strip()
    return text.str.casefold().isin(words).fillna(False).to_numpy(dtype=bool)


def without_header_rows(export: SurveyExport) -> SurveyExport:
    """``export`` without rows that repeat the header (names, tags or question texts) in most
    of their filled cells: two exports joined one under the other keep the second one's header
    rows (a fourth review: two Qualtrics files made respondents named "Team" and "Which team do
    you work in?" and comments "OQ1"). The first three columns find the candidates (a cell
    exactly its header); each must read as the header in at least 3 cells and four in five
    of its filled ones, spaces and capitals aside (a person who ticked every option of a
    multi-select whose cells hold the options' names matches only those)."""
    rows = export.responses
    words = {
        c.name: {
            " ".join(str(w).split()).casefold() for w in (c.name, c.export_tag, c.question) if w
        }
        for c in export.columns
        if c.name in rows.columns
    }
    names = list(words)
    if len(names) < 3:
        return export
    raw = {c.name: {c.name, c.export_tag, c.question} - {""} for c in export.columns}
    candidate = np.zeros(len(rows), dtype=bool)
    for name in names[:3]:  # as written: a hash lookup per cell
        candidate |= rows[name].isin(raw[name]).to_numpy(dtype=bool)
    if not candidate.any():
        return export
    part = rows.loc[candidate]
    hits = sum(_as_header(part[n], words[n]).astype(int) for n in names)
    filled = sum(_filled(part[n]).astype(int) for n in names)
    header = np.zeros(len(rows), dtype=bool)
    header[np.flatnonzero(candidate)] = (hits >= 3) & (5 * hits >= 4 * filled)
    if not header.any():
        return export
    return _dropped(export, header, HEADER_REASON)


#: The "Other (please specify)" column beside a choice question: "<question> - Other ..."
#: (SurveyMonkey's two header rows joined), "<question> [Other]", "<question>_other".
_OTHER = re.compile(r"^\s*(?:-\s*|\[|_|\(|:)\s*other\b", re.I)


def with_other_answers(export: SurveyExport, colmap: ColumnMap) -> SurveyExport:
    """``export`` with each grouping's blank answers filled from its "Other (please specify)"
    column where the person typed one: choosing "Other" leaves the choice blank, so 8 people
    who typed their team were grouped as "(no answer)" (a fourth review). They are grouped by
    what they typed (a small group is hidden as any other), and a warning says so."""
    rows = export.responses
    names = [str(c) for c in rows.columns]
    changed: dict[str, pd.Series] = {}
    notes: list[str] = []
    for spec in colmap.columns:
        if spec.role not in ("team", "role", "demographic") or spec.name not in rows.columns:
            continue
        other = next(
            (
                n
                for n in names
                if n != spec.name and n.startswith(spec.name) and _OTHER.match(n[len(spec.name) :])
            ),
            None,
        )
        if other is None:
            continue
        fill = ~_filled(rows[spec.name]) & _filled(rows[other])
        if not fill.any():
            continue
        column = rows[spec.name].astype(object).copy()
        column[fill] = rows[other][fill].astype(str).str.strip()
        changed[spec.name] = column
        n = int(fill.sum())
        notes.append(
            f"{n:,} answer(s) to {spec.name!r} chose 'Other' and typed what it is in "
            f"{other!r}: they are grouped by what they typed."
        )
    if not changed:
        return export
    return dataclasses.replace(
        export,
        responses=rows.assign(**changed),
        warnings=[*export.warnings, *notes],
    )


def response_rows(export: SurveyExport, colmap: ColumnMap) -> SurveyExport:
    """The export's responses to analyse: no header row met again, rows that answered a
    question, each response once and one per person (per wave), "Other (please specify)"
    groupings filled, group names that differ only in capitals or spaces read as one, and a
    team name under two divisions said. Every path that scores an export (an
    analysis, a wave, the mapping preview) reads it through here, so that one person is one
    respondent everywhere (a review found the trends still counting repeated submissions)."""
    kept = without_copies(without_unanswered(without_header_rows(export), colmap), colmap)
    named = merged_group_names(with_other_answers(without_repeats(kept, colmap), colmap), colmap)
    shared = teams_in_several_units(named, colmap)
    return dataclasses.replace(named, warnings=[*named.warnings, *shared]) if shared else named
