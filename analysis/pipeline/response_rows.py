"""Which rows of an export are responses to analyse, once the column roles are known.

Rows with no answer to any question (a Qualtrics partial closed at 0%, a LimeSurvey row with
only its interview time) are not respondents: counted, they raised the headline n and made a
"(no answer)" group. They are dropped and said (:func:`without_unanswered`).

One response per person: repeated submissions under the same e-mail address or employee ID.
A form that does not limit people to one response (Google Forms, Microsoft Forms, an open
Qualtrics link) lets the same person submit twice. Counted twice, three people look like six:
a group the minimum group size should hide is shown, and its answers weigh double. The
export's own identifiers say who is who, so each person's last submission is kept (a second
submission usually corrects the first) and the rest are dropped and said. Names alone are not
used: two people can share one; nor an address named after someone else ("Manager email");
nor a column whose repeats are too many to be resubmissions (:data:`MAX_REPEAT_SHARE`).
"""

from __future__ import annotations

import dataclasses
import re

import pandas as pd

from analysis.columns import ColumnMap
from analysis.columns.profile import _EMAIL
from analysis.ingest import SurveyExport

__all__ = ["REPEAT_REASON", "UNANSWERED_REASON", "response_rows", "without_repeats"]

#: The dropped-rows reason of a row that answered no question.
UNANSWERED_REASON = "no answer to any rated or open question"
#: The dropped-rows reason of a repeated submission.
REPEAT_REASON = "an earlier submission by the same person (same e-mail address or ID)"
#: Share of an identity column's answers that must be e-mail addresses for it to say who is who.
EMAIL_SHARE = 0.9
#: Most repeats that read as people submitting again: beyond it the column is not the
#: respondent's own address (random names collide in a generated file; a shared team inbox),
#: and nothing is dropped.
MAX_REPEAT_SHARE = 0.25
#: Header words of an address that is someone else's ("Manager email"): never a person key.
_SOMEONE_ELSE = re.compile(r"manager|supervisor|lead|boss|reports? to|approver|sponsor", re.I)


def _person_keys(export: SurveyExport, colmap: ColumnMap) -> list[str]:
    """The columns that identify a person: the mapped respondent ID, and identity columns that
    hold e-mail addresses and are not named after someone else."""
    keys = [colmap.respondent_id] if colmap.respondent_id else []
    for name in colmap.identity:
        if _SOMEONE_ELSE.search(name):
            continue
        values = export.responses[name].dropna().astype(str).str.strip()
        values = values[values != ""]
        if len(values) and values.str.match(_EMAIL).mean() >= EMAIL_SHARE:
            keys.append(name)
    return [k for k in keys if k in export.responses.columns]


def _repeats(ids: pd.Series) -> pd.Series:
    """Rows whose identifier comes again later; none when too many do to be resubmissions."""
    ids = ids.astype("string").str.strip().str.casefold()
    known = ids.notna() & (ids != "")
    repeated = known & ids.duplicated(keep="last")
    if repeated.sum() > MAX_REPEAT_SHARE * known.sum():
        return pd.Series(False, index=ids.index)
    return repeated


def without_repeats(export: SurveyExport, colmap: ColumnMap) -> SurveyExport:
    """``export`` with each person's earlier submissions dropped (the last one kept), counted
    in ``dropped_rows`` and said in a warning; ``export`` itself when nobody submitted twice.
    Rows without an identifier are kept: they cannot be told apart."""
    rows = export.responses
    repeated = pd.Series(False, index=rows.index)
    for key in _person_keys(export, colmap):
        repeated |= _repeats(rows[key])
    n = int(repeated.sum())
    if not n:
        return export
    warning = (
        f"Dropped {n} row{'s' if n != 1 else ''}: {REPEAT_REASON}. Each person's last "
        "submission is kept, so nobody counts twice (a group of three who each submitted "
        "twice would otherwise pass a minimum group size of five)."
    )
    return dataclasses.replace(
        export,
        responses=rows.loc[~repeated.to_numpy()].reset_index(drop=True),
        dropped_rows={**export.dropped_rows, REPEAT_REASON: n},
        warnings=[*export.warnings, warning],
    )


def without_unanswered(export: SurveyExport, colmap: ColumnMap) -> SurveyExport:
    """``export`` without the rows that answered none of its rated or open questions,
    counted in ``dropped_rows`` and said; ``export`` itself when every row answered one."""
    asked = [c for c in (*colmap.items, *colmap.comments) if c in export.responses.columns]
    if not asked:
        return export
    answered = pd.Series(False, index=export.responses.index)
    for name in asked:
        cell = export.responses[name]
        answered |= cell.notna() & (cell.astype("string").str.strip() != "").fillna(False)
    n = int((~answered).sum())
    if not n or n == len(answered):  # nobody answered: the later checks say what to fix
        return export
    return dataclasses.replace(
        export,
        responses=export.responses.loc[answered.to_numpy()].reset_index(drop=True),
        dropped_rows={**export.dropped_rows, UNANSWERED_REASON: n},
        warnings=[
            *export.warnings,
            f"Dropped {n} row{'s' if n != 1 else ''}: {UNANSWERED_REASON}.",
        ],
    )


def response_rows(export: SurveyExport, colmap: ColumnMap) -> SurveyExport:
    """The export's responses to analyse: rows that answered a question, one per person."""
    return without_repeats(without_unanswered(export, colmap), colmap)
