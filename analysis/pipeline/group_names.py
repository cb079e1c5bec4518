"""Group names that differ only in capitals or spaces are one group ("Sales", "sales", "SALES";
"Customer Support", "Customer  Support").

Hand-typed or merged exports spell a team several ways. As three groups, the small ones were
hidden, and hiding them hid a larger group too (so the small ones could not be worked out by
subtraction), without a word. Each grouping column's spellings that are equal up to case and
runs of spaces (a fourth review: a double space made a team of 2 beside its 14) are
read as the most frequent one (ties: the first in text order), and a warning lists them.
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd

from analysis.columns import ColumnMap
from analysis.ingest import SurveyExport

__all__ = ["merged_group_names", "teams_in_several_units"]

#: A grouping above teams: a team name under two of its values may be two teams. Not a site
#: or region: "Sales" in London and in Paris is usually one team across sites.
_UNIT = re.compile(r"\b(?:division|department|dept|business unit|directorate)s?\b", re.I)


def _canonical(counts: pd.Series) -> dict[str, str]:
    """Spelling -> the spelling it is read as, for spellings that change."""
    by_key: dict[str, list[tuple[int, str]]] = {}
    for value, n in counts.items():
        key = " ".join(str(value).split()).casefold()
        by_key.setdefault(key, []).append((-int(n), str(value)))
    out: dict[str, str] = {}
    for spellings in by_key.values():
        if len(spellings) > 1:
            keep = min(spellings)[1]  # most frequent, then first in text order
            out.update({v: keep for _, v in spellings if v != keep})
    return out


def _renamed(s: pd.Series, mapping: dict[str, str]) -> pd.Series:
    """``s`` with ``mapping`` applied; a categorical stays one, its categories in text order."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        old = [str(c) for c in s.cat.categories]
        new = sorted({mapping.get(c, c) for c in old})
        position = {c: i for i, c in enumerate(new)}
        recode = np.array([position[mapping.get(c, c)] for c in old] + [-1])
        codes = recode[s.cat.codes.to_numpy()]  # code -1 (missing) picks the final -1
        merged = pd.Categorical.from_codes(codes, new, ordered=s.cat.ordered)
        return pd.Series(merged, index=s.index, name=s.name)
    return s.map(lambda v: mapping.get(v, v) if isinstance(v, str) else v)


def merged_group_names(export: SurveyExport, colmap: ColumnMap) -> SurveyExport:
    """``export`` with each team, role and demographic column's spellings that differ only in
    capitals or spaces read as one, and a warning per column that had any; ``export`` itself
    if none."""
    responses = export.responses
    changed: dict[str, pd.Series] = {}
    notes: list[str] = []
    for spec in colmap.columns:
        if spec.role not in ("team", "role", "demographic") or spec.name not in responses:
            continue
        s = responses[spec.name]
        counts = s.value_counts(sort=False)  # per category of a categorical: no per-cell work
        mapping = _canonical(counts[counts > 0])
        if not mapping:
            continue
        changed[spec.name] = _renamed(s, mapping)
        pairs = [f"{old!r} as {new!r}" for old, new in sorted(mapping.items())]
        notes.append(f"{spec.name!r}: {', '.join(pairs[:4])}" + (" …" if len(pairs) > 4 else ""))
    if not changed:
        return export
    warning = (
        "Group names that differ only in capitals or spaces were read as one group: "
        + "; ".join(notes)
        + ". If they are different groups, name them apart in the export."
    )
    return dataclasses.replace(
        export,
        responses=responses.assign(**changed),
        warnings=[*export.warnings, warning],
    )


def teams_in_several_units(export: SurveyExport, colmap: ColumnMap) -> list[str]:
    """A warning when one team name sits under several divisions (or departments):
    "Operations" in Retail and in Wholesale is read as one team of both (a fourth review: one
    group of 24 and one manager pack, said nowhere). Both units must hold 5 people or more of
    it, so a few misfiled rows say nothing."""
    team = colmap.team
    rows = export.responses
    units = [
        s.name
        for s in colmap.columns
        if s.role in ("demographic", "role") and _UNIT.search(s.name) and s.name in rows.columns
    ]
    if team is None or team not in rows.columns or not units:
        return []
    out = []
    for unit in units:
        pairs = rows.groupby([team, unit], observed=True).size()
        pairs = pairs[pairs >= 5]
        spread = pairs.groupby(level=0, observed=True).size()
        shared = [str(t) for t in spread[spread > 1].index]
        if shared:
            out.append(
                f"{len(shared)} team name(s) appear under more than one {unit!r} and are read "
                f"as one team each: {', '.join(map(repr, shared[:5]))}"
                + (" …" if len(shared) > 5 else "")
                + f". If they are different teams, group by {unit!r} and {team!r} together, "
                "or name them apart in the export."
            )
    return out
