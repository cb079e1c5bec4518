"""Rules the Trends page applies, kept out of the page so they are tested without Streamlit:
which wave a file is, which teams may have been renamed, the team map typed in, the grouping
names the wave comparison takes, and the test used between two waves in words."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd


def wave_key(data: bytes) -> str:
    """One key per file content: the same file added twice is one wave."""
    return hashlib.sha256(data).hexdigest()[:16]


def teams_of(prepared: Any) -> set[str]:
    """The team names of one wave's Prepared (empty when it has no team column)."""
    team = prepared.colmap.team
    if not team:
        return set()
    return set(prepared.scored.groups[team].astype(str))


def renamed_team_candidates(earlier: Sequence[Any], latest: Any) -> list[str]:
    """Teams of earlier waves missing from the latest wave (renamed, merged or gone), in
    wave order: the rows offered for 'same team now'."""
    seen_late = teams_of(latest)
    rows: list[str] = []
    for prepared in earlier:
        rows += sorted(teams_of(prepared) - seen_late)
    return list(dict.fromkeys(rows))


def team_map_from(old: Iterable[Any], new: Iterable[Any]) -> dict[str, str]:
    """{old team: new team} from the editor's two columns; blank or missing rows are skipped."""
    out = {}
    for o, n in zip(old, new, strict=True):
        if pd.isna(o) or pd.isna(n):
            continue
        o, n = str(o).strip(), str(n).strip()
        if o and n:
            out[o] = n
    return out


def pair_test_sentence(pair: Mapping[str, Any]) -> str:
    """Which test compared two waves, in words."""
    if pair["test"] == "paired":
        return f"paired t test on {pair['n_linked']:,} people linked by respondent ID"
    return "Welch's t test for independent samples (anonymous waves)"
