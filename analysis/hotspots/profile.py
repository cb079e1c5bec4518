"""What the diagnosis and the actions read about a group: its profile (construct scores turned
so higher = better, the ADKAR items when the survey has them) and the playbook's actions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from analysis.hotspots.diagnosis import CONCEPT_DIMS, Profile

#: The built-in survey's ADKAR items (surveys/ai_change_pulse.yaml), one per element.
ADKAR_ITEMS = {
    "awareness": "RD1",
    "desire": "RD2",
    "knowledge": "RD3",
    "ability": "RD4",
    "reinforcement": "RD5",
}


def adkar_scores(items: pd.DataFrame | None, key: frozenset, grouping: str) -> dict[str, float]:
    """ADKAR element -> item score for one group (or the organisation), when items are given."""
    if items is None or len(items) == 0 or not {"item", "score"} <= set(items.columns):
        return {}
    rows = items[items["item"].astype(str).isin(ADKAR_ITEMS.values())]
    if "grouping" in rows.columns:
        rows = rows[rows["grouping"].astype(str) == grouping]
    if key and rows.shape[0]:
        for col, value in key:
            if col in rows.columns:
                rows = rows[rows[col].astype(str) == value]
    if "suppressed" in rows.columns:
        rows = rows[~rows["suppressed"].fillna(True).astype(bool)]
    by_item = dict(zip(rows["item"].astype(str), pd.to_numeric(rows["score"]), strict=True))
    return {e: float(by_item[i]) for e, i in ADKAR_ITEMS.items() if pd.notna(by_item.get(i))}


def profile_of(
    scores: Mapping[str, float],
    meta: Mapping[str, Mapping[str, Any]],
    n: int,
    *,
    worse: Iterable[str] = (),
    adkar: Mapping[str, float] | None = None,
    undecided: bool = False,
) -> Profile:
    """A :class:`Profile` from construct scores (0–100) by id, turned so higher = better."""
    values: dict[str, float] = {}
    worse_dims = set()
    worse = set(worse)
    for cid, score in scores.items():
        m = meta.get(cid)
        if m is None or m["concept"] not in CONCEPT_DIMS or pd.isna(score):
            continue
        dim = CONCEPT_DIMS[m["concept"]]
        values.setdefault(dim, score if m["direction"] == "higher_better" else 100.0 - score)
        if cid in worse:
            worse_dims.add(dim)
    return Profile(
        n=int(n),
        adkar=dict(adkar or {}),
        worse=frozenset(worse_dims),
        undecided=undecided,
        **values,
    )


def actions_for(
    concepts_in_order: Sequence[str], playbook: dict, adkar_elements: Sequence[str], limit: int
) -> list[dict[str, str]]:
    lead = [c for c in concepts_in_order if playbook["concepts"].get(c, {}).get("lead")]
    ordered = lead + [c for c in concepts_in_order if c not in lead]
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    for concept in ordered:
        spec = playbook["concepts"].get(concept)
        if spec is None:
            continue
        candidates = []
        for element in adkar_elements if "adkar" in spec else ():
            candidates += [{**a, "element": element} for a in spec["adkar"][element]["actions"]]
        candidates += spec["actions"]
        for action in candidates:
            if action["title"] not in seen:
                seen.add(action["title"])
                shown = {k: v for k, v in action.items() if k != "addresses"}
                out.append({**shown, "concept": concept})
    return out[:limit]
