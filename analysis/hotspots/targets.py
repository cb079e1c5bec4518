"""Absolute evidence: targets (% favourable) per construct and response rates per group.

Relative comparisons cannot say "everywhere": when the whole organisation lacks AI skills no
group is worse than the rest. A construct's target (``Construct.target``, else the concept's
default in :data:`analysis.thresholds.DEFAULT_TARGETS`) is the minimum acceptable share of
people on the good side; an organisation below it gets an organisation-level flag.

The share's 95% interval is Wilson's score interval (:func:`analysis.stats.wilson`; Wilson
1927; Brown, Cai & DasGupta 2001).

"Clearly below" means the whole interval is under the target.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from analysis import stats
from analysis.headcount import HeadcountError, read_headcount
from analysis.hotspots.flag import Flag, lower
from analysis.hotspots.inputs import group_columns, visible_rows
from analysis.privacy import PrivacyPolicy
from analysis.thresholds import THRESHOLDS

RATE_COLUMNS = ["grouping", "group", "responses", "headcount", "response_rate", "low", "note"]


def wilson(share: float, n: float) -> tuple[float, float]:
    """95% Wilson score interval of a share given in % (returns % too); the formula is
    :func:`analysis.stats.wilson`."""
    lo, hi = stats.wilson(float(share) / 100, float(n) if n else 0.0)
    return (100 * float(lo), 100 * float(hi))


def good_share(row: Mapping[str, Any], direction: str) -> float:
    """% of people on the good side: top box for higher_better, bottom box for higher_worse."""
    col = "favorable" if direction == "higher_better" else "unfavorable"
    value = row.get(col)
    return float(value) if value is not None and pd.notna(value) else np.nan


def organisation_gaps(
    org: pd.DataFrame | None, meta: Mapping[str, Mapping[str, Any]]
) -> list[dict]:
    """One entry per visible organisation row whose construct has a concept and a target and
    whose good share is below it: share, interval, target, shortfall, ``clearly`` below."""
    if org is None or len(org) == 0 or "construct" not in org.columns:
        return []
    out = []
    for row in org.to_dict("records"):
        m = meta.get(str(row["construct"]))
        if m is None or m["concept"] is None or m["target"] is None:
            continue
        if bool(row.get("suppressed", False)) or pd.isna(row.get("n")):
            continue
        share = good_share(row, m["direction"])
        if pd.isna(share) or share >= m["target"]:
            continue
        low, high = wilson(share, float(row["n"]))
        out.append(
            {
                "construct": str(row["construct"]),
                "label": m["label"],
                "concept": m["concept"],
                "direction": m["direction"],
                "n": int(row["n"]),
                "score": float(row["score"]),
                "good_share": share,
                "good_share_low": low,
                "good_share_high": high,
                "target": float(m["target"]),
                "shortfall": float(m["target"]) - share,
                "clearly": bool(high < m["target"]),
            }
        )
    return out


def response_rates(
    group_table: pd.DataFrame,
    headcount: pd.DataFrame,
    policy: PrivacyPolicy | None = None,
    *,
    min_rate: float = THRESHOLDS.min_response_rate,
) -> pd.DataFrame:
    """Responses / headcount per group of the headcount table, from the released group table.

    Responses are the group's largest per-construct n among its *visible* rows, so a hidden
    group's count stays hidden (NaN) and nothing new is released. ``low`` is a rate under
    ``min_rate`` (%).
    """
    hc = read_headcount(headcount)
    by = [c for c in hc.columns if c != "headcount"]
    policy = policy or PrivacyPolicy()
    visible = visible_rows(group_table, int(policy.min_group))
    gcols = group_columns(group_table)
    folded = {str(c).strip().casefold(): c for c in gcols}  # "team" matches "Team"
    hc = hc.rename(columns={c: folded.get(str(c).strip().casefold(), c) for c in by})
    by = [c for c in hc.columns if c != "headcount"]
    unknown = [c for c in by if c not in gcols]
    if unknown:
        raise HeadcountError(
            f"The headcount column(s) {', '.join(unknown)} are not grouping columns of the "
            f"results (these are: {', '.join(gcols) or 'none'})."
        )
    own = visible
    for c in gcols:  # rows of exactly this grouping: its columns set, the others blank
        own = own[own[c].notna()] if c in by else own[own[c].isna()]
    responses = own.groupby([own[c].astype(str) for c in by])["n"].max() if len(own) else None
    # a headcount file's "sales" is the survey's "Sales": names compared without case or
    # outer spaces, against every group of the grouping (hidden ones too: their names show)
    names = (
        {
            tuple(str(v).strip().casefold() for v in key): tuple(str(v) for v in key)
            for key in group_table[by]
            .dropna()
            .astype(str)
            .drop_duplicates()
            .itertuples(index=False)
        }
        if all(c in group_table for c in by)
        else {}
    )
    rows = []
    for rec in hc.to_dict("records"):
        asked = tuple(str(rec[c]) for c in by)
        key = names.get(tuple(v.strip().casefold() for v in asked), asked)
        got = np.nan
        if responses is not None:
            got = float(responses.get(key if len(by) > 1 else key[0], np.nan))
        rate = 100 * got / rec["headcount"] if rec["headcount"] > 0 and pd.notna(got) else np.nan
        note = ""
        if names and key == asked and tuple(v.strip().casefold() for v in asked) not in names:
            note = "not a group of this survey: check its spelling"
        elif pd.notna(rate) and rate > 100:
            note = f"{got:.0f} responses against a headcount of {rec['headcount']:.0f}"
        rows.append(
            {
                "grouping": " × ".join(by),
                "group": " × ".join(key),
                **{c: key[i] for i, c in enumerate(by)},
                "responses": got,
                "headcount": float(rec["headcount"]),
                "response_rate": min(rate, 100.0) if pd.notna(rate) else np.nan,
                "low": bool(pd.notna(rate) and rate < min_rate),
                "note": note,
            }
        )
    return pd.DataFrame(rows, columns=[*RATE_COLUMNS[:2], *by, *RATE_COLUMNS[2:]])


def apply_response_rates(flags: list[Flag], rates: pd.DataFrame) -> list[Flag]:
    """Flags with their group's response rate; under the minimum the confidence drops one step
    and the reason says why (non-responders are often the most worried, so a low-fear reading
    from few people is weak evidence). Returns new Flag objects; the input is not changed."""
    if rates is None or len(rates) == 0:
        return list(flags)
    by = [c for c in rates.columns if c not in RATE_COLUMNS]
    lookup = {frozenset((c, str(r[c])) for c in by): r for r in rates.to_dict("records")}
    out = []
    for f in flags:
        r = lookup.get(frozenset(f.group.items()))
        if r is None or pd.isna(r["response_rate"]):
            out.append(f)
            continue
        rate = float(r["response_rate"])
        new = replace(f, response_rate=rate)
        if r["low"]:
            new = replace(
                new,
                confidence=lower(f.confidence),
                reason=f"{f.reason} Only {rate:.0f}% of this group answered, so the picture "
                "may be incomplete: people who do not answer are often the most worried.",
            )
        out.append(new)
    return out


def low_response_warnings(rates: pd.DataFrame) -> list[str]:
    """One plain sentence per group whose response rate is under the minimum."""
    if rates is None or len(rates) == 0:
        return []
    out = [
        f"{r['group']}: {r['response_rate']:.0f}% responded (under "
        f"{THRESHOLDS.min_response_rate:.0f}%); read its results with care."
        for r in rates.to_dict("records")
        if r["low"]
    ]
    # a headcount row that matches no group, or is below the responses, is a wrong file
    # (a review found both silent: no rate, or a rate capped at 100%)
    notes = rates["note"] if "note" in rates else pd.Series("", index=rates.index)
    out += [
        f"Headcount for {g}: {n}; its response rate is not shown."
        if n.startswith("not a group")
        else f"Headcount for {g}: {n}; the rate is shown as 100%, check the headcount."
        for g, n in zip(rates["group"], notes, strict=True)
        if n
    ]
    return out
