"""Who is in the pilot: a yes/no column of the export, or a list of groups (teams).

The pilot set and its comparison set (everyone else) are checked like a respondent filter
(:func:`analysis.privacy.check_filter`): each must hold at least the minimum number of people,
and the pilot set must not come within 1..min−1 people of any group another table can show
(every group of every single grouping column, :class:`analysis.privacy.Ledger`), since
comparing the two would single those people out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.errors import ChangeRadarError
from analysis.pipeline import Prepared
from analysis.privacy import Ledger, PrivacyError, PrivacyPolicy, check_filter

#: Answers that mark a pilot respondent in a pilot column (case-insensitive).
YES = frozenset({"yes", "y", "true", "t", "1", "1.0", "pilot", "x"})


class PilotError(ChangeRadarError):
    """The pilot can't be marked as asked; the message says what to change."""


@dataclass(frozen=True)
class PilotSpec:
    """The pilot, as the user marked it: a ``column`` whose yes/true/1 values mark pilot
    respondents, or ``values`` of the ``by`` grouping column (e.g. teams)."""

    column: str | None = None
    values: tuple[str, ...] = ()
    by: str = "team"

    def describe(self) -> str:
        if self.column:
            return f"respondents marked yes in {self.column!r}"
        return f"{self.by} in {', '.join(self.values)}"


def parse_spec(text: str, by: str | None, columns: Sequence[str]) -> PilotSpec:
    """``--pilot`` as typed: a column name of the export (a name with no comma that matches a
    column, case-insensitively), else a comma-separated list of values of ``by`` (default
    team)."""
    text = str(text).strip()
    if not text:
        raise PilotError("Say which respondents were in the pilot (a column or a list of teams).")
    lowered = {str(c).strip().lower(): str(c) for c in columns}
    if "," not in text and text.lower() in lowered:
        return PilotSpec(column=lowered[text.lower()])
    values = tuple(v.strip() for v in text.split(",") if v.strip())
    return PilotSpec(values=values, by=by or "team")


def pilot_mask(prepared: Prepared, spec: PilotSpec) -> np.ndarray:
    """Boolean per scored respondent (``prepared.scored.groups`` order): in the pilot."""
    idx = prepared.scored.groups.index
    if spec.column:
        raw = prepared.export.responses
        if spec.column not in raw.columns:
            raise PilotError(f"There is no column {spec.column!r} in {prepared.source_name}.")
        text = raw.loc[idx, spec.column].astype(object)
        return text.map(lambda v: not pd.isna(v) and str(v).strip().lower() in YES).to_numpy(bool)
    col = prepared.resolve(spec.by)
    groups = prepared.scored.groups[col].astype(str)
    present = set(groups)
    missing = [v for v in spec.values if v not in present]
    if missing:
        shown = ", ".join(sorted(present)[:12])
        raise PilotError(
            f"{', '.join(repr(m) for m in missing)} is not a value of {col!r} in "
            f"{prepared.source_name}. Values there: {shown}."
        )
    return groups.isin(spec.values).to_numpy(bool)


def check_pilot(
    prepared: Prepared,
    mask: np.ndarray,
    policy: PrivacyPolicy,
    shown: Sequence[np.ndarray] = (),
) -> None:
    """Refuse a pilot/comparison split that would expose a small set of people.

    ``shown``: masks of filtered selections this viewer has already seen on the same
    respondents (the app's filter history), checked like the ledger's groups.
    Raises :class:`PilotError` (a user-fixable error) with the privacy rule's sentence.
    """
    k = int(mask.sum())
    if k == 0:
        raise PilotError(f"No respondent of {prepared.source_name} is marked as in the pilot.")
    if k == len(mask):
        raise PilotError(
            f"Every respondent of {prepared.source_name} is marked as in the pilot, so there "
            "is nobody to compare with."
        )
    refs, _ = Ledger(prepared.scored.groups).references()
    try:
        check_filter(len(mask), mask, policy, shown=[*refs, *shown])
    except PrivacyError as e:
        raise PilotError(
            f"The pilot group of {prepared.source_name} can't be shown ({k} in the pilot, "
            f"{len(mask) - k} not): {e}"
        ) from None


def without_pilot_item(prepared: Prepared, spec: PilotSpec) -> bool:
    """True when the pilot column was read as a survey item (a yes/no question looks like
    one); the caller re-scores without it (:func:`analysis.waves.restrict_items`), since
    being in the pilot is not an attitude to score."""
    if not spec.column:
        return False
    return any(s.name == spec.column and s.role == "item" for s in prepared.colmap.columns)
