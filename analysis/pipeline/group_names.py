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

import numpy as np
import pandas as pd

from analysis.columns import ColumnMap
from analysis.ingest import SurveyExport

__all__ = ["merged_group_names"]


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
