"""Size-aware screening: which (group, construct) gaps are flagged, fine, or too small to tell.

Why Benjamini–Hochberg within a grouping and construct
------------------------------------------------------
Holm across every heat-map cell controls the chance of *any* false flag, which on real data
(group differences of ICC ≈ 0–0.07) leaves a medium gap in a team of 20 flagged about one time
in ten. A hot spot is a lead for a conversation, so the false discovery rate is the right error
to control: Benjamini & Hochberg (1995), "Controlling the false discovery rate", JRSS B 57(1),
289–300. A family is one grouping and one construct ("which teams are low on trust?"). Sorting
its m one-sided p values (the visible groups), p_(1) ≤ … ≤ p_(m),

    q_(i) = min_{j ≥ i} min(1, m · p_(j) / j)      (:func:`analysis.stats.benjamini_hochberg`)

and a gap passes at q < ``fdr``. The p value is Welch's t test against the rest of the
organisation (from scoring), made one-sided in the harmful direction (p/2 when the group is
worse, 1 − p/2 when better): only harm can raise a flag. A flag also needs the practical
thresholds (|d| ≥ 0.3 and ≥ 5 points on 0–100), ``min_flag_n`` people, and:

- **majority rule**: a group holding more than ``majority_share`` of the respondents is never
  flagged against "the rest" (it is most of the organisation; organisation-level flags speak
  for it);
- **attribution**: a crossed cell (team × role) is flagged only where it differs from its team
  and role main effects: its interaction gap, gap_cell − gap_team − gap_role (each vs the rest;
  a missing or hidden main effect counts 0), must itself be ≥ 5 points and one-sided
  significant at 5% (z = gap / se_cell ≥ 1.645).

A group not flagged is **too small to tell** while its 95% interval for the gap still reaches
``min_diff`` (a gap that matters cannot be ruled out) or it has fewer than ``min_flag_n``
people; otherwise it is called fine. The interval is gap ± 1.96 se, se from the group's own
interval (ci_low, ci_high; :func:`analysis.stats.se_from_ci`), else from d (pooled SD =
|gap/d|, se = SD/√n).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analysis.hotspots.inputs import group_columns, group_of, key_of, visible_rows
from analysis.stats import benjamini_hochberg, se_from_ci
from analysis.thresholds import THRESHOLDS

STATES = ("flag", "too_small_to_tell", "fine", "majority", "main_effects")

SCREEN_COLUMNS = [
    "grouping",
    "group",
    "group_key",
    "construct",
    "label",
    "concept",
    "direction",
    "n",
    "score",
    "rest_score",
    "gap",
    "gap_low",
    "gap_high",
    "effect_size",
    "p",
    "p_one",
    "q",
    "share",
    "interaction",
    "state",
]


def _gap_se(row: dict[str, Any], se_ci: float) -> float:
    """The gap's standard error; ``se_ci`` is the group's own from its interval (NaN if none)."""
    n = float(row["n"])
    lo, hi = row.get("ci_low"), row.get("ci_high")
    if lo is not None and hi is not None and pd.notna(lo) and pd.notna(hi) and n > 1:
        se = float(se_ci)
    else:
        d = row.get("effect_size")
        diff = float(row["score"]) - float(row["rest_score"])
        if d is None or pd.isna(d) or float(d) == 0 or diff == 0 or n <= 0:
            return np.nan
        se = abs(diff / float(d)) / np.sqrt(n)
    rest_n = row.get("rest_n")
    if rest_n is not None and pd.notna(rest_n) and float(rest_n) > 0:
        se = float(np.hypot(se, se * np.sqrt(n / float(rest_n))))
    return float(se)


def screen(
    group_table: pd.DataFrame,
    meta: dict[str, dict[str, Any]],
    *,
    min_group: int,
    org_n: int | None = None,
    fdr: float = THRESHOLDS.hotspot_fdr,
    min_d: float = THRESHOLDS.min_effect,
    min_diff: float = THRESHOLDS.min_points,
    min_flag_n: int = THRESHOLDS.min_flag_n,
    majority_share: float = THRESHOLDS.majority_share,
) -> pd.DataFrame:
    """One row per visible (group, construct with a concept): the gap, its interval, q, state.

    ``gap`` is in the harmful direction (+ = worse than the rest, on 0–100); ``effect_size``
    is |d| signed the same way; ``share`` the group's share of respondents (NaN when the
    organisation size is unknown: neither ``org_n`` nor a ``rest_n`` column). See the module
    docstring for the rule.
    """
    visible = visible_rows(group_table, min_group)
    gcols = group_columns(group_table)
    rows = []
    # every group's own se at once: one t quantile per distinct n, not one per row
    se_ci = np.full(len(visible), np.nan)
    if {"ci_low", "ci_high"} <= set(visible.columns) and len(visible):
        n_all = pd.to_numeric(visible["n"], errors="coerce").to_numpy(float)
        lo_all = pd.to_numeric(visible["ci_low"], errors="coerce").to_numpy(float)
        hi_all = pd.to_numeric(visible["ci_high"], errors="coerce").to_numpy(float)
        se_ci = se_from_ci(lo_all, hi_all, n_all)
    for row, own_se in zip(visible.to_dict("records"), se_ci, strict=True):
        m = meta.get(str(row["construct"]))
        if m is None or m["concept"] is None or pd.isna(row["p"]):
            continue
        diff = float(row["score"]) - float(row["rest_score"])
        gap = diff if m["direction"] == "higher_worse" else -diff
        d = abs(float(row["effect_size"])) if pd.notna(row["effect_size"]) else np.nan
        p = float(row["p"])
        se = _gap_se(row, own_se)
        n = int(row["n"])
        rest_n = row.get("rest_n")
        total = n + float(rest_n) if rest_n is not None and pd.notna(rest_n) else org_n
        group = group_of(row, gcols)
        rows.append(
            {
                "grouping": str(row["grouping"]),
                "group": str(row["group"]),
                "group_key": group,
                "construct": str(row["construct"]),
                "label": m["label"],
                "concept": m["concept"],
                "direction": m["direction"],
                "n": n,
                "score": float(row["score"]),
                "rest_score": float(row["rest_score"]),
                "gap": gap,
                "gap_low": gap - 1.96 * se,
                "gap_high": gap + 1.96 * se,
                "se": se,
                "effect_size": d if gap > 0 else -d,
                "p": p,
                "p_one": p / 2 if gap > 0 else 1 - p / 2,
                "share": n / total if total else np.nan,
            }
        )
    if not rows:
        return pd.DataFrame(columns=SCREEN_COLUMNS)
    frame = pd.DataFrame(rows)
    p_one, q = frame["p_one"].to_numpy(float), np.full(len(frame), np.nan)
    for idx in frame.groupby(["grouping", "construct"]).indices.values():
        q[idx] = benjamini_hochberg(p_one[idx])
    frame["q"] = q
    frame["interaction"] = _interactions(frame)
    passes = (
        (frame["q"] < fdr)
        & (frame["gap"] >= min_diff)
        & (frame["effect_size"] >= min_d)
        & (frame["n"] >= min_flag_n)
    )
    crossed = frame["group_key"].map(len) > 1
    attributed = ~crossed | (
        (frame["interaction"] >= min_diff) & (frame["interaction"] >= 1.645 * frame["se"])
    )
    majority = frame["share"] > majority_share
    undecided = (frame["n"] < min_flag_n) | ~(frame["gap_high"] < min_diff)
    frame["state"] = np.select(
        [majority, passes & attributed, passes & ~attributed, undecided],
        ["majority", "flag", "main_effects", "too_small_to_tell"],
        default="fine",
    )
    return frame[[*SCREEN_COLUMNS, "se"]]


def _interactions(frame: pd.DataFrame) -> pd.Series:
    """gap_cell − Σ gap of the cell's one-column main effects.

    A main effect is the group's own row when the table has it (e.g. the team grouping next
    to team × role); otherwise it is estimated from the grouping's visible cells that share
    the value, n-weighted, when there are at least two of them (a team seen in one cell only
    cannot be told apart from that cell, so it counts 0 there).
    """
    main = {
        (key_of(k), c): g
        for k, c, g in zip(frame["group_key"], frame["construct"], frame["gap"], strict=True)
        if len(k) == 1
    }
    pooled: dict[tuple[str, frozenset, str], list[tuple[float, float]]] = {}
    for grouping, key, c, g, n in zip(
        frame["grouping"], frame["group_key"], frame["construct"], frame["gap"], frame["n"],
        strict=True,
    ):  # fmt: skip
        if len(key) > 1:
            for k, v in key.items():
                pooled.setdefault((grouping, key_of({k: v}), c), []).append((g, n))
    out = []
    for grouping, key, construct, gap in zip(
        frame["grouping"], frame["group_key"], frame["construct"], frame["gap"], strict=True
    ):
        if len(key) < 2:
            out.append(np.nan)
            continue
        effects = []
        for k, v in key.items():
            one = key_of({k: v})
            if (one, construct) in main:
                effects.append(main[(one, construct)])
                continue
            cells = pooled.get((grouping, one, construct), [])
            weight = sum(n for _, n in cells)
            effects.append(sum(g * n for g, n in cells) / weight if len(cells) > 1 else 0.0)
        out.append(gap - sum(effects))
    return pd.Series(out, index=frame.index, dtype=float)


def group_states(screened: pd.DataFrame) -> pd.DataFrame:
    """One row per group: ``flag`` if any construct is flagged, else ``majority``, else ``too
    small to tell`` if any construct is undecided, else ``fine``; with the undecided list."""
    cols = ["grouping", "group", "n", "state", "undecided"]
    if screened.empty:
        return pd.DataFrame(columns=cols)
    order = ["flag", "majority", "main_effects", "too_small_to_tell", "fine"]
    out = []
    for (grouping, group), part in screened.groupby(["grouping", "group"], sort=True):
        states = set(part["state"])
        state = next(s for s in order if s in states)
        if state == "main_effects":
            state = "too_small_to_tell" if "too_small_to_tell" in states else "fine"
        undecided = part.loc[part["state"] == "too_small_to_tell", "label"].tolist()
        out.append(
            {
                "grouping": grouping,
                "group": group,
                "n": int(part["n"].max()),
                "state": state,
                "undecided": undecided,
            }
        )
    return pd.DataFrame(out, columns=cols)
