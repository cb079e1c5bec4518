"""Per-wave sums by group and construct, protected on the wave's own groups."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import scoring, stats
from analysis.pipeline import Prepared
from analysis.privacy import PrivacyPolicy
from analysis.scoring.stacks import construct_columns, construct_counts, construct_values
from analysis.waves.load import Wave

ORG_GROUP = "All respondents"
CROSS = scoring.CROSS
NUM = ("n", "s", "ss", "f", "nu", "u")
_NUM = NUM


@dataclass
class _WaveData:
    label: str
    sums: pd.DataFrame  # group × construct: keys, group, construct, n, s, ss, f, nu, u,
    # suppressed, suppressed_reason (after mapping)
    org: pd.DataFrame  # construct: n, s, ss, f, nu, u, suppressed, suppressed_reason
    meta: pd.DataFrame  # construct -> label, direction
    respondents: pd.DataFrame  # index respondent: id (or NA), group, one column per construct


def _sums(frame: pd.DataFrame, keys: list[str], scored: scoring.Scored) -> pd.DataFrame:
    """Per key combination and construct: count, sum, sum of squares, box counts."""
    constructs = list(scored.constructs.columns.astype(str))
    c = len(constructs)
    # the scoring package's per-respondent stacks, cached
    parts = (construct_counts(scored), construct_values(scored))
    if keys:
        grouped = frame.groupby(keys, sort=True, observed=True)
        codes = grouped.ngroup().to_numpy()
        key_frame = grouped.size().reset_index()[keys]
        sums = [np.zeros((len(key_frame), a.shape[1])) for a in parts]
        for out, a in zip(sums, parts, strict=True):
            np.add.at(out, codes, a)
    else:
        key_frame = pd.DataFrame(index=[0])
        sums = [a.sum(axis=0, keepdims=True).astype(float) for a in parts]
    totals = construct_columns(*sums, c)
    parts = []
    for j, construct in enumerate(constructs):
        part = key_frame.copy()
        part["construct"] = construct
        for i, k in enumerate(_NUM):
            part[k] = totals[:, i * c + j]
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def _wave_data(
    wave: Wave,
    by: Sequence[str],
    names: list[str],
    policy: PrivacyPolicy,
    team_map: Mapping[str, str],
) -> _WaveData:
    prep = wave.prepared
    scored = prep.scored
    cols = [prep.resolve(b) for b in by]
    groups = scored.groups
    meta = scored.construct_meta[["label", "direction"]].copy()
    meta.index = meta.index.astype(str)

    # visibility on the wave's own, unmapped groups (what the rest of the app shows)
    protected = scoring.group_scores(scored, cols, policy)
    vis = protected.set_index(["group", "construct"])[["suppressed", "suppressed_reason"]]
    org_table = scoring.org_scores(scored, policy).set_index("construct")

    orig = groups[cols].astype(str).rename(columns=dict(zip(cols, names, strict=True)))
    orig["_orig"] = _labels(orig, names)
    mapped = orig.copy()
    team_col = prep.colmap.team
    if team_map and team_col in cols:
        name = names[cols.index(team_col)]
        mapped[name] = mapped[name].map(lambda t: team_map.get(t, t))
    mapped["group"] = _labels(mapped, names)

    per_orig = _sums(orig, [*names, "_orig"], scored)
    per_orig = per_orig.join(vis, on=["_orig", "construct"])
    link = orig["_orig"].to_frame().assign(group=mapped["group"]).drop_duplicates("_orig")
    per_orig["group"] = per_orig["_orig"].map(link.set_index("_orig")["group"])

    sums = _sums(mapped, [*names, "group"], scored)
    # a merged group is visible only when every source group with responses is visible
    src = per_orig[per_orig["n"] > 0].copy()
    src["hidden"] = src["suppressed"].astype("boolean").fillna(True).astype(bool)
    src["reason"] = src["suppressed_reason"].astype(object).where(src["hidden"], "")
    agg = src.groupby(["group", "construct"], sort=False).agg(
        k=("hidden", "size"), hidden=("hidden", "any"), reason=("reason", "max")
    )
    merged_reason = (
        "merges a group hidden in this wave, so the hidden group could be worked out by subtraction"
    )
    agg["reason"] = np.where(
        ~agg["hidden"], "", np.where(agg["k"] > 1, merged_reason, agg["reason"].astype(str))
    )
    looked = sums.join(agg[["hidden", "reason"]], on=["group", "construct"])
    sums["suppressed"] = looked["hidden"].astype("boolean").fillna(False).astype(bool).to_numpy()
    sums["suppressed_reason"] = looked["reason"].fillna("").astype(str).to_numpy()
    # a construct with no valid score in a group has nothing to show or protect
    org = _sums(orig.iloc[:, :0], [], scored).set_index("construct")
    org["suppressed"] = org_table["suppressed"].reindex(org.index).fillna(True).astype(bool)
    org["suppressed_reason"] = (
        org_table["suppressed_reason"].reindex(org.index).fillna("").astype(str)
    )

    resp = pd.DataFrame({"group": mapped["group"]}, index=groups.index)
    resp["id"] = _respondent_ids(prep)
    for c in scored.constructs.columns.astype(str):
        resp[c] = scored.constructs[c].to_numpy(float)
    return _WaveData(wave.label, sums, org.reset_index(), meta, resp)


def _labels(frame: pd.DataFrame, names: list[str]) -> pd.Series:
    """Group display labels as analysis.scoring writes them ('Sales × Manager')."""
    out = frame[names[0]].astype(str)
    for name in names[1:]:
        out = out + CROSS + frame[name].astype(str)
    return out


def _respondent_ids(prep: Prepared) -> pd.Series:
    col = prep.colmap.respondent_id
    idx = prep.scored.groups.index
    if not col or col not in prep.export.responses.columns:
        return pd.Series(pd.NA, index=idx, dtype=object)
    raw = prep.export.responses.loc[idx, col].astype(object)
    ids = raw.map(lambda v: pd.NA if pd.isna(v) or not str(v).strip() else str(v).strip())
    dup = ids.notna() & ids.duplicated(keep=False)
    return ids.where(~dup, pd.NA)


def _describe(t: pd.DataFrame) -> pd.DataFrame:
    """Score, SD, CI and box shares from sums (:mod:`analysis.stats`, as scoring computes them)."""
    n, s, ss = (t[k].to_numpy(float) for k in ("n", "s", "ss"))
    mean, var = stats.moments(n, s, ss)
    lo, hi = scoring.bounded_mean_ci(mean, np.sqrt(var), n)  # as scoring: 0-100
    fav, neu, unf = stats.box_shares(*(t[k].to_numpy(float) for k in ("f", "nu", "u")))
    return t.assign(
        score=mean,
        sd=np.sqrt(var),
        ci_low=lo,
        ci_high=hi,
        favorable=fav,
        neutral=neu,
        unfavorable=unf,
    )
