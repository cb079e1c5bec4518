"""Organisation-level flags: the whole organisation's measures below their targets ("training
is needed across the organisation"), furthest below target first, with which matter most."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from analysis.hotspots.diagnosis import diagnose
from analysis.hotspots.flag import Flag
from analysis.hotspots.inputs import phrase_label
from analysis.hotspots.playbook import FLAG_TYPES
from analysis.hotspots.profile import actions_for, adkar_scores, profile_of
from analysis.hotspots.targets import organisation_gaps

ORGANISATION = {"organisation": "All respondents"}


def organisation_flags(
    org: pd.DataFrame | None,
    meta: Mapping[str, Mapping[str, Any]],
    playbook: dict,
    shares: Mapping[str, float] | None = None,
    main_outcome: str | None = None,
    items: pd.DataFrame | None = None,
    max_actions: int = 8,
) -> list[Flag]:
    """One flag per type for the organisation's constructs below target ("training is needed
    across the organisation"); empty without the organisation table."""
    gaps = organisation_gaps(org, meta)
    if not gaps:
        return []
    shares = shares or {}
    n = max(g["n"] for g in gaps)
    scores = {
        str(r["construct"]): float(r["score"])
        for r in org.to_dict("records")
        if pd.notna(r.get("score")) and not bool(r.get("suppressed", False))
    }
    below = {g["construct"] for g in gaps}
    adkar = adkar_scores(items, frozenset(), "all") if items is not None else {}
    diagnosis = diagnose(profile_of(scores, meta, n, worse=below, adkar=adkar))
    out = []
    for ftype in FLAG_TYPES:
        mine = [g for g in gaps if playbook["concepts"].get(g["concept"], {}).get("type") == ftype]
        if not mine:
            continue
        for g in mine:
            g["driver_share"] = (
                1.0 if g["construct"] == main_outcome else shares.get(g["construct"], 0.0)
            )
            g["contribution"] = g["shortfall"] / 50 * (1 + g["driver_share"])
        # furthest below target first (ties: the larger weight); every one stays listed
        mine.sort(key=lambda g: (-g["shortfall"], -g["contribution"]))
        reason = _reason(mine, n, ftype, meta, main_outcome) + diagnosis.reason
        priority = sum(g["contribution"] for g in mine)
        terms = " + ".join(
            f"({g['target']:.0f} − {g['good_share']:.1f})/50 × (1 + {g['driver_share']:.2f})"
            for g in mine
        )
        out.append(
            Flag(
                group=dict(ORGANISATION),
                group_label="Whole organisation",
                grouping="organisation",
                n=n,
                type=ftype,
                constructs=[g["construct"] for g in mine],
                priority=float(priority),
                priority_formula=(
                    "priority = Σ (target − % favourable)/50 × (1 + driver share); here "
                    f"{terms} = {priority:.2f}"
                ),
                reason=reason,
                evidence=mine,
                actions=actions_for(  # what matters most first: the larger contribution
                    [g["concept"] for g in sorted(mine, key=lambda g: -g["contribution"])],
                    playbook,
                    [diagnosis.weakest_adkar] if diagnosis.weakest_adkar else [],
                    max_actions,
                ),
                action=diagnosis.action,
                confidence="high" if all(g["clearly"] for g in mine) else "medium",
                scope="organisation",
            )
        )
    return out


def _reason(
    mine: Sequence[Mapping[str, Any]],
    n: int,
    ftype: str,
    meta: Mapping[str, Mapping[str, Any]],
    main_outcome: str | None,
) -> str:
    """Every measure below target, furthest first, then which matter most and the need."""
    need = "Training" if ftype == "training" else "Change management"
    parts = [
        f"{phrase_label(g['label'])}: {g['good_share']:.0f}% on the good side, target "
        f"{g['target']:.0f}% ({g['shortfall']:.0f} points short"
        f"{'' if g['clearly'] else ', close to the target'})"
        for g in mine
    ]
    head = (
        "measure is below target: "
        if len(mine) == 1
        else "measures are below target, furthest first: "
    )
    return (
        f"Across the whole organisation (n={n}), {len(mine)} {head}"
        + "; ".join(parts)
        + f". {_matter_most(mine, meta, main_outcome)}"
        + f"{need} is needed across the organisation, not only in one group. "
    )


def _matter_most(
    gaps: Sequence[Mapping[str, Any]], meta: Mapping[str, Mapping[str, Any]], outcome: str | None
) -> str:
    """Which of the shortfalls matter most: the outcome itself, then the largest driver shares
    (associations with the outcome; at most two named). "" when no driver share is known."""
    if outcome is None or len(gaps) < 2:
        return ""
    weighted = sorted((g for g in gaps if g["driver_share"] > 0), key=lambda g: -g["driver_share"])[
        :2
    ]
    if not weighted:
        return ""
    label = phrase_label(meta.get(outcome, {}).get("label", outcome))
    words = [
        f"{phrase_label(g['label'])} ("
        + (
            "the outcome itself"
            if g["construct"] == outcome
            else f"{100 * g['driver_share']:.0f}% of what the measures explain of it"
        )
        + ")"
        for g in weighted
    ]
    return f"Matter most for {label}: {' and '.join(words)}. "
