"""Rollout readiness per team: who is ready for the AI rollout now, and who needs change
management or training first.

Each team's profile is its protected score with a 95% interval on six concepts (trust in AI,
fear of displacement, change readiness, skills confidence, manager support, communication
clarity; :func:`analysis.scoring.group_scores`). Per concept the team is

* **low** when its whole interval lies on the worse side of the reference and its estimate is
  at least ``margin`` points worse (clearly and materially low),
* **adequate** when the worse end of its interval is less than ``margin`` points (default 5,
  about a quarter of a person-level SD) worse than the reference,
* **unclear** otherwise (the interval is too wide to tell).

The reference is the construct's target when it has one (``target``, minimum % favourable,
compared with the team's % favourable and a Wilson interval on its respondents, an
approximation since favourable shares count item answers), else the rest of the organisation's
score. With no target, an organisation-wide gap shows in no team: set targets to catch it.

The status then follows the change-vs-training rule (:func:`diagnose`, the same rule as the
hot-spot diagnosis), not a new index:

* "training first": skills low while desire (readiness), trust and security (low fear) are not;
* "change management first": skills and desire/trust/security low together, or trust, fear,
  readiness, manager support or communication clearly low;
* "ready now": every concept adequate;
* "too small or too uncertain to tell": the team is hidden (too few responses), or an unclear
  concept could change the answer. Never shown as fine.

Middle managers: when the role column has manager roles (names with manager, supervisor, team
lead or head of), managers are compared with the rest of their own team on change readiness
and trust (team × manager cells, protected as a crossed table); a gap whose interval lies
wholly below 0 is flagged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from analysis import scoring, stats
from analysis.pipeline import Prepared, _records
from analysis.privacy import PrivacyError, PrivacyPolicy
from analysis.tables import READINESS

__all__ = [
    "CONCEPTS",
    "MANAGER_ROLE",
    "STATUSES",
    "Readiness",
    "diagnose",
    "readiness",
]

READY, CHANGE, TRAIN, UNSURE = (
    "ready now",
    "change management first",
    "training first",
    "too small or too uncertain to tell",
)
STATUSES = (READY, CHANGE, TRAIN, UNSURE)
#: Concepts of the readiness profile, in display order.
CONCEPTS = (
    "trust_in_ai",
    "fear_of_displacement",
    "change_readiness",
    "training_need",
    "manager_support",
    "communication_clarity",
)
_WORDS = {
    "trust_in_ai": "trust in AI",
    "fear_of_displacement": "fear of displacement",
    "change_readiness": "readiness for the change",
    "training_need": "skills confidence",
    "manager_support": "manager support",
    "communication_clarity": "communication clarity",
}
MANAGER_ROLE = re.compile(r"manag|supervis|team lead|head of", re.I)
_MGR_COL = "Manager or not"
_MANAGERS, _STAFF = "managers", "their teams"


def diagnose(*, skills_low: bool, desire_low: bool, trust_low: bool, security_low: bool) -> str:
    """The change-vs-training rule: "training" when skills are low and desire, trust and
    security are adequate; "change_management" when skills are low and those are low too;
    "monitor" otherwise.

    Local copy of ``analysis.hotspots.diagnosis.diagnose`` (written by the hot-spot work at
    the same time); replace this function with an import of that one when both are merged.
    """
    others = desire_low or trust_low or security_low
    if skills_low and not others:
        return "training"
    if skills_low and others:
        return "change_management"
    return "monitor"


@dataclass
class Readiness:
    """Per group: readiness status and why (``table``, :data:`analysis.tables.READINESS`),
    and the protected profile (``profile``: group × concept scores with intervals)."""

    by: str
    table: pd.DataFrame
    profile: pd.DataFrame
    notes: list[str]

    def records(self) -> list[dict[str, Any]]:
        return _records(self.table)


def _state(row: pd.Series, target: float | None, margin: float) -> str:
    """low | adequate | unclear for one group × construct row of ``group_scores``."""
    sign = -1.0 if row["direction"] == "higher_worse" else 1.0
    if target is not None and not np.isnan(row["favorable"]):
        # target is % favourable on the good side (for higher_worse: the not-afraid side)
        fav = row["unfavorable"] if sign < 0 else row["favorable"]
        lo, hi = _wilson(fav / 100.0, row["n"])
        gaps = (lo * 100 - target, hi * 100 - target)
    else:
        gaps = (
            sign * (row["ci_low"] - row["rest_score"]),
            sign * (row["ci_high"] - row["rest_score"]),
        )
    worst, best = min(gaps), max(gaps)
    if np.isnan(worst):
        return "unclear"
    if best < 0 and (worst + best) / 2 <= -margin:
        return "low"
    if worst > -margin:
        return "adequate"
    return "unclear"


def _wilson(p: float, n: float, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval for a proportion (Wilson 1927, JASA 22(158), 209–212)."""
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return mid - half, mid + half


def _status(states: dict[str, str]) -> tuple[str, str, str]:
    """(status, diagnosis, reason) from per-concept states."""
    low = {c for c, s in states.items() if s == "low"}
    unclear = {c for c, s in states.items() if s == "unclear"}
    d = diagnose(
        skills_low="training_need" in low,
        desire_low="change_readiness" in low,
        trust_low="trust_in_ai" in low,
        security_low="fear_of_displacement" in low,
    )
    names = lambda cs: ", ".join(_WORDS[c] for c in CONCEPTS if c in cs)  # noqa: E731
    core = {"change_readiness", "trust_in_ai", "fear_of_displacement"}
    if d == "change_management":
        return CHANGE, d, f"low skills confidence together with low {names(low & core)}"
    if d == "training":
        if unclear & core:
            return (
                UNSURE,
                d,
                (
                    f"skills confidence is low but {names(unclear & core)} can't be told apart "
                    "from the reference yet, so training alone may not be enough"
                ),
            )
        return TRAIN, d, "skills confidence is low while trust, readiness and job security are not"
    if low:
        return (
            CHANGE,
            d,
            f"{names(low)} clearly worse than the reference; skills are not the blocker",
        )
    if unclear:
        return UNSURE, d, f"the interval for {names(unclear)} is too wide to tell"
    return READY, d, "every readiness measure is at or near the reference, none clearly low"


def readiness(
    prepared: Prepared,
    by: str = "team",
    policy: PrivacyPolicy | None = None,
    *,
    margin: float = 5.0,
) -> Readiness:
    """Readiness status per group of ``by`` (see the module docstring)."""
    policy = policy or PrivacyPolicy()
    scored = prepared.scored
    col = prepared.resolve(by)
    meta = scored.construct_meta
    concept_of = {
        str(c): str(meta.loc[c, "concept"])
        for c in meta.index
        if meta.loc[c, "concept"] in CONCEPTS
    }
    chosen = {}
    for construct, concept in concept_of.items():
        chosen.setdefault(concept, construct)  # the first construct of each concept
    groups = scoring.group_scores(scored, [col], policy)
    groups = groups[groups["construct"].isin(chosen.values())].copy()
    groups["concept"] = groups["construct"].map(concept_of)
    groups["direction"] = groups["construct"].map(meta["direction"].astype(str))
    groups["label"] = groups["construct"].map(meta["label"].astype(str))
    targets = {c: _target(prepared, c) for c in chosen.values()}
    gaps, notes = _manager_gaps(prepared, col, policy, margin)
    rows = []
    for group, part in groups.groupby("group", sort=True):
        row: dict[str, Any] = {"group": str(group)}
        if part["suppressed"].all():
            reason = str(part["suppressed_reason"].iloc[0])
            rows.append(row | {"status": UNSURE, "reason": f"hidden: {reason}", "suppressed": True,
                               "suppressed_reason": reason})  # fmt: skip
            continue
        states = {
            r["concept"]: (
                "unclear" if r["suppressed"] else _state(r, targets[r["construct"]], margin)
            )
            for _, r in part.iterrows()
        }
        status, d, reason = _status(states)
        row |= {"n": float(part["n"].max()), "status": status, "diagnosis": d, "reason": reason}
        row["low"] = ", ".join(_WORDS[c] for c in CONCEPTS if states.get(c) == "low")
        row["unclear"] = ", ".join(_WORDS[c] for c in CONCEPTS if states.get(c) == "unclear")
        gap = gaps.get(str(group))
        if gap is not None:
            behind = gap.pop("_behind")
            row |= gap
            if behind:
                row["reason"] += (
                    f"; its managers score clearly lower than their team on "
                    f"{' and '.join(_WORDS[c] for c in behind)} (middle-manager gap)"
                )
        row |= {"suppressed": False, "suppressed_reason": ""}
        rows.append(row)
    table = pd.DataFrame(rows).reindex(columns=READINESS.columns())
    for c in READINESS.hidden_blank:
        table[c] = table[c].astype(float)
    table["manager_flag"] = table["manager_flag"].map(lambda v: v is True or v == 1.0)
    table["suppressed"] = table["suppressed"].astype(bool)
    for c in ("diagnosis", "low", "unclear"):
        table[c] = table[c].fillna("").astype(str)
    keep = ["group", "concept", "construct", "label", "direction", "n", "score", "ci_low"]
    keep += ["ci_high", "favorable", "suppressed", "suppressed_reason"]
    profile = groups[keep]
    return Readiness(col, table.reset_index(drop=True), profile.reset_index(drop=True), notes)


def _target(prepared: Prepared, construct: str) -> float | None:
    for c in prepared.survey.constructs:
        if c.id == construct:
            t = getattr(c, "target", None)
            return None if t is None else float(t)
    return None


def _manager_gaps(
    prepared: Prepared, col: str, policy: PrivacyPolicy, margin: float
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Per group: managers minus the rest of their group on change readiness, and the
    concepts (readiness, trust) where managers are clearly and materially lower (interval
    below 0, estimate at least ``margin`` points down), from protected team × manager cells;
    Welch interval on the two cells."""
    scored = prepared.scored
    role = prepared.colmap.role
    if not role or role not in scored.groups.columns or role == col:
        return {}, []
    is_mgr = scored.groups[role].astype(str).map(lambda v: bool(MANAGER_ROLE.search(v)))
    if not is_mgr.any() or is_mgr.all():
        return {}, ["No manager role was found in the role column, so no manager gap is shown."]
    groups = scored.groups.assign(**{_MGR_COL: np.where(is_mgr, _MANAGERS, _STAFF)})
    crossed = replace(scored, groups=groups)
    meta = scored.construct_meta
    wanted = [
        c for c in meta.index if meta.loc[c, "concept"] in ("change_readiness", "trust_in_ai")
    ]
    try:
        cells = scoring.group_scores(crossed, [col, _MGR_COL], policy)
    except PrivacyError as e:
        return {}, [f"Manager gaps can't be shown: {e}"]
    cells = cells[cells["construct"].isin(wanted)]
    out: dict[str, dict[str, Any]] = {}
    for group, part in cells.groupby(col, sort=True):
        res = {}
        for construct, pc in part.groupby("construct"):
            m = pc[pc[_MGR_COL] == _MANAGERS]
            s = pc[pc[_MGR_COL] == _STAFF]
            if len(m) != 1 or len(s) != 1 or m["suppressed"].iloc[0] or s["suppressed"].iloc[0]:
                continue
            res[meta.loc[construct, "concept"]] = _gap(m.iloc[0], s.iloc[0])
        if "change_readiness" in res:
            est, lo, hi = res["change_readiness"]
            behind = [c for c, v in res.items() if v[2] < 0 and v[0] <= -margin]
            out[str(group)] = {"manager_gap": est, "manager_gap_low": lo, "manager_gap_high": hi,
                               "manager_flag": bool(behind), "_behind": behind}  # fmt: skip
    return out, []


def _gap(m: pd.Series, s: pd.Series) -> tuple[float, float, float]:
    """Managers minus staff with a Welch 95% interval from the cells' means and t intervals."""

    def se(r: pd.Series) -> float:
        return (r["ci_high"] - r["score"]) / float(sps.t.ppf(0.975, r["n"] - 1))

    sm, ss = se(m), se(s)
    est = float(m["score"] - s["score"])
    _, df, _ = stats.welch_t(
        m["score"], (sm**2) * m["n"], m["n"], s["score"], (ss**2) * s["n"], s["n"]
    )
    half = float(sps.t.ppf(0.975, float(df))) * float(np.hypot(sm, ss))
    return est, est - half, est + half
