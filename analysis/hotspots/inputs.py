"""Reading the inputs of hot spots: construct metadata, the group table's groups and rows.

``group_table`` is the tidy output of ``scoring.group_scores`` (one row per group × construct,
already through ``privacy.protect_groups``); only its visible rows are ever read.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from analysis.survey import CONCEPTS
from analysis.tables import GROUPS
from analysis.thresholds import default_target

_REQUIRED = ("grouping", "group", "construct", "n", "score", "rest_score", "effect_size", "p")
_DIRECTIONS = ("higher_better", "higher_worse")


def jsonable(obj: Any) -> Any:
    """Plain JSON-safe data: numpy scalars become Python ones, NaN/NA/NaT become None.

    The one converter behind every JSON output (flags, Results.to_dict, the CLI)."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if obj is pd.NA or obj is pd.NaT:
        return None
    return obj


def constructs_meta(constructs: object) -> dict[str, dict[str, Any]]:
    """id -> label, direction, concept and target (% favourable, the construct's own or the
    concept's documented default) from a Survey, a list of Construct/dicts or a frame."""
    items = getattr(constructs, "constructs", constructs)
    if isinstance(items, pd.DataFrame):
        items = (
            items.reset_index().to_dict("records")
            if "id" not in items
            else items.to_dict("records")
        )
    elif isinstance(items, Mapping):
        items = [{"id": k, **v} if isinstance(v, Mapping) else v for k, v in items.items()]
    meta: dict[str, dict[str, Any]] = {}
    for c in items:
        get = c.get if isinstance(c, Mapping) else (lambda k, c=c: getattr(c, k, None))
        cid = get("id")
        if cid is None:
            cid = get("construct")
        if cid is None:
            raise ValueError("Each construct needs an 'id' to match the group table.")
        direction = get("direction") or "higher_better"
        if direction not in _DIRECTIONS:
            raise ValueError(
                f"Construct '{cid}' has direction {direction!r}; use higher_better or higher_worse."
            )
        concept = get("concept")
        concept = None if concept is None or pd.isna(concept) else str(concept)
        concept = concept if concept in CONCEPTS else None
        target = get("target")
        target = None if target is None or pd.isna(target) else float(target)
        meta[str(cid)] = {
            "label": str(get("label") or cid),
            "direction": direction,
            "concept": concept,
            "target": target if target is not None else default_target(concept),
        }
    return meta


def unused_constructs(constructs: object) -> list[dict[str, str]]:
    """Constructs without a concept: reported as "not used for flags", with the fix."""
    return [
        {
            "construct": cid,
            "label": m["label"],
            "why": "it has no concept, so ChangeRadar cannot tell which kind of problem it shows",
            "fix": (
                f"In the mapping's constructs section give '{cid}' a concept (one of "
                f"{', '.join(CONCEPTS)}) and a direction, or rename it to a concept id."
            ),
        }
        for cid, m in constructs_meta(constructs).items()
        if m["concept"] is None
    ]


def group_columns(table: pd.DataFrame) -> list[str]:
    """The grouping's own columns (team, role, ...): text columns scoring adds per ``by``."""
    known = GROUPS.known()
    return [
        c
        for c in table.columns
        if c not in known
        and not pd.api.types.is_numeric_dtype(table[c])
        and not pd.api.types.is_bool_dtype(table[c])
    ]


def group_of(row: Mapping[str, Any], gcols: Sequence[str]) -> dict[str, str]:
    group = {c: str(row[c]) for c in gcols if not pd.isna(row[c])}
    return group or {str(row["grouping"]): str(row["group"])}


def key_of(group: Mapping[str, str]) -> frozenset[tuple[str, str]]:
    return frozenset((str(k), str(v)) for k, v in group.items())


def visible_rows(table: pd.DataFrame, min_group: int) -> pd.DataFrame:
    """Rows that may be reported: not suppressed (NA counts as suppressed) and n >= min_group."""
    suppressed = (
        table["suppressed"].astype(object).where(table["suppressed"].notna(), True).astype(bool)
        if "suppressed" in table.columns
        else pd.Series(False, index=table.index)
    )
    n = pd.to_numeric(table["n"], errors="coerce")
    score = pd.to_numeric(table["score"], errors="coerce")
    rest = pd.to_numeric(table["rest_score"], errors="coerce")
    ok = ~suppressed & (n >= min_group) & score.notna() & rest.notna()
    return table.loc[ok.fillna(False).astype(bool)]


def check_table(table: pd.DataFrame) -> None:
    missing = [c for c in _REQUIRED if c not in table.columns]
    if missing:
        raise ValueError(
            "The group table lacks column(s) "
            f"{', '.join(missing)}; pass the output of scoring.group_scores."
        )


def phrase_label(label: str) -> str:
    """'Fear of displacement' -> 'fear of displacement', but 'AI trust' stays as it is."""
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label
