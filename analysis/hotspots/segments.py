"""Segments: each visible group on the trust × fear map, with an absolute cut-off and honesty
about uncertainty.

A median split names half the groups "resisters" whatever their scores, and under resampling
groups keep their quadrant only about half the time. So the cut-offs are absolute (50 on 0–100
by default: the neutral answer), a group whose 95% interval on either axis crosses its cut-off
is **uncertain** rather than given a corner, and a group under ``min_persona_n`` people gets no
persona label at all (its interval is too wide for a label to mean anything).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analysis.hotspots.inputs import (
    check_table,
    constructs_meta,
    group_columns,
    group_of,
    key_of,
    visible_rows,
)
from analysis.hotspots.playbook import load_playbook
from analysis.privacy import PrivacyPolicy
from analysis.tables import SEGMENTS
from analysis.thresholds import THRESHOLDS

UNCERTAIN = "uncertain"
TOO_FEW = "too few to label"


def _axis_value(score: float, lo: float, hi: float, flip: bool) -> tuple[float, float, float]:
    if flip:
        score, lo, hi = 100.0 - score, 100.0 - hi, 100.0 - lo
    return score, float(np.clip(lo, 0.0, 100.0)), float(np.clip(hi, 0.0, 100.0))


def segments(
    group_table: pd.DataFrame,
    *,
    constructs: object,
    cutoff: str | float = 50.0,
    playbook: dict[str, Any] | None = None,
    policy: object | None = None,
    fear_cutoff: float | None = None,
    min_persona_n: int = THRESHOLDS.min_persona_n,
) -> pd.DataFrame:
    """Place each visible group on the trust × fear map and name its quadrant.

    Trust is the score of the construct whose concept is trust_in_ai, fear that of
    fear_of_displacement; a construct scored the other way round (e.g. "job security",
    higher_better) is turned into fear as 100 − score. A group is high on an axis when its
    score is at or above the cut-off: a number on 0–100 (default 50; ``fear_cutoff`` sets the
    fear axis apart) or ``"median"`` (the median of the grouping's visible groups, kept for
    comparison only).

    Returns
    -------
    DataFrame with ``grouping``, ``group``, ``trust`` and ``fear`` with their 95% intervals
    (``*_low``, ``*_high``, within 0–100; NaN when the table has no interval), ``n``,
    ``quadrant`` (champions: high trust/low fear, anxious adopters: high/high, skeptics:
    low/low, resisters: low trust/high fear; ``uncertain`` when an interval crosses a cut-off;
    ``too few to label`` under ``min_persona_n`` people), ``description`` and ``group_key``.
    """
    check_table(group_table)
    meta = constructs_meta(constructs)
    playbook = playbook if playbook is not None else load_playbook()
    min_group = int((policy or PrivacyPolicy()).min_group)
    by_concept: dict[str, str] = {}
    for cid, m in meta.items():
        if m["concept"] in ("trust_in_ai", "fear_of_displacement"):
            by_concept.setdefault(m["concept"], cid)
    if len(by_concept) < 2:
        raise ValueError(
            "The survey needs a trust-in-AI and a fear-of-displacement construct to place "
            "groups on the trust × fear map; map items to both constructs."
        )
    if isinstance(cutoff, str) and cutoff != "median":
        raise ValueError("cutoff must be 'median' or a number between 0 and 100.")
    visible = visible_rows(group_table, min_group)
    gcols = group_columns(group_table)
    points: dict[tuple[str, frozenset], dict[str, Any]] = {}
    for row in visible.to_dict("records"):
        cid = str(row["construct"])
        axis = next((a for a, c in by_concept.items() if c == cid), None)
        if axis is None:
            continue
        group = group_of(row, gcols)
        point = points.setdefault(
            (str(row["grouping"]), key_of(group)),
            {
                "grouping": str(row["grouping"]),
                "group": str(row["group"]),
                "group_key": group,
                "n": 0,
            },
        )
        name = "trust" if axis == "trust_in_ai" else "fear"
        wanted = "higher_better" if axis == "trust_in_ai" else "higher_worse"
        lo, hi = row.get("ci_low", np.nan), row.get("ci_high", np.nan)
        value, low, high = _axis_value(
            float(row["score"]),
            float(lo) if lo is not None and pd.notna(lo) else np.nan,
            float(hi) if hi is not None and pd.notna(hi) else np.nan,
            meta[cid]["direction"] != wanted,
        )
        point[name], point[f"{name}_low"], point[f"{name}_high"] = value, low, high
        point["n"] = max(point["n"], int(row["n"]))
    named = ("quadrant", "description")  # added below
    frame = pd.DataFrame(
        [p for p in points.values() if "trust" in p and "fear" in p],
        columns=[c for c in SEGMENTS.columns() if c not in named],
    )
    if frame.empty:
        return SEGMENTS.empty()
    if cutoff == "median":
        t_cut = frame.groupby("grouping")["trust"].transform("median")
        f_cut = frame.groupby("grouping")["fear"].transform("median")
    else:
        t_cut = pd.Series(float(cutoff), index=frame.index)
        f_cut = pd.Series(
            float(fear_cutoff if fear_cutoff is not None else cutoff), index=frame.index
        )
    high_t = frame["trust"] >= t_cut
    high_f = frame["fear"] >= f_cut
    quadrant = pd.Series(
        np.select(
            [high_t & ~high_f, high_t & high_f, ~high_t & ~high_f],
            ["champions", "anxious adopters", "skeptics"],
            default="resisters",
        ),
        index=frame.index,
        dtype=object,
    )
    crosses = ((frame["trust_low"] < t_cut) & (frame["trust_high"] >= t_cut)) | (
        (frame["fear_low"] < f_cut) & (frame["fear_high"] >= f_cut)
    )
    quadrant[crosses.fillna(False)] = UNCERTAIN
    quadrant[frame["n"] < min_persona_n] = TOO_FEW
    frame["quadrant"] = quadrant
    frame["description"] = [
        _describe(g, n, q, t, f, tc, fc, playbook)
        for g, n, q, t, f, tc, fc in zip(
            frame["group"],
            frame["n"],
            frame["quadrant"],
            frame["trust"],
            frame["fear"],
            t_cut,
            f_cut,
            strict=True,
        )
    ]
    frame["n"] = frame["n"].astype("int64")
    return frame[SEGMENTS.columns()]


def _describe(
    g: str, n: int, q: str, t: float, f: float, tc: float, fc: float, playbook: dict
) -> str:
    where = f"trust {t:.0f}, fear {f:.0f}; cut-offs {tc:.0f} and {fc:.0f}"
    if q == TOO_FEW:
        return f"{g} (n={n}) has too few people for a trust × fear label ({where})."
    if q == UNCERTAIN:
        return (
            f"{g} (n={n}) is uncertain: its interval crosses a cut-off, so it could be in more "
            f"than one quadrant ({where})."
        )
    return f"{g} (n={n}) is in the {q} quadrant ({where}): {playbook['segments'][q]}"
