"""Rollout readiness per team: who is ready for the AI rollout now, and who needs change
management or training first.

Each team's profile is its protected score with a 95% interval on six concepts (trust in AI,
fear of displacement, change readiness, skills confidence, manager support, communication
clarity; :func:`analysis.scoring.group_scores`). Per concept the team is

* **low** when its whole interval lies on the worse side of the reference and its estimate is
  at least ``margin`` points worse (clearly and materially low),
* **adequate** when the worse end of its interval is less than ``margin`` points (default
  ``THRESHOLDS.min_points``, 5, about a quarter of a person-level SD) worse than the reference,
* **unclear** otherwise (the interval is too wide to tell).

The reference is the construct's target when it has one (``target``, minimum % favourable,
compared with the team's % favourable and a Wilson interval on its respondents, an
approximation since favourable shares count item answers), else the rest of the organisation's
score. With no target, an organisation-wide gap shows in no team: set targets to catch it.

The status then follows the change-vs-training rule of the hot-spot diagnosis
(:func:`analysis.hotspots.diagnosis.diagnose`, the one definition; the low concepts are the
profile's ``worse`` dimensions), not a new index:

* "training first": skills low while readiness (desire), trust, job security (low fear),
  manager support and communication are not;
* "change management first": readiness, trust, fear, manager support or communication clearly
  low, with or without low skills;
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
from analysis.hotspots.diagnosis import CONCEPT_DIMS, ENABLERS, Profile, diagnose
from analysis.hotspots.diagnosis import READINESS as PRECONDITIONS
from analysis.pipeline import Prepared, _records
from analysis.privacy import PrivacyError, PrivacyPolicy
from analysis.tables import READINESS
from analysis.thresholds import THRESHOLDS

__all__ = [
    "CONCEPTS",
    "MANAGER_ROLE",
    "STATUSES",
    "Readiness",
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
        lo, hi = stats.wilson(fav / 100.0, row["n"])
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


def diagnosis_profile(states: dict[str, str], n: int = 0) -> Profile:
    """The hot-spot rule's :class:`~analysis.hotspots.diagnosis.Profile` of one group: its
    ``low`` concepts as the ``worse`` dimensions. No scores are passed, so the rule's fixed
    0–100 cut-off does not override the interval judgement against the reference."""
    low = frozenset(CONCEPT_DIMS[c] for c, s in states.items() if s == "low" and c in CONCEPT_DIMS)
    return Profile(n=int(n), worse=low)


def _status(states: dict[str, str], n: int = 0) -> tuple[str, str, str]:
    """(status, diagnosis action, reason) from per-concept states."""
    low = {c for c, s in states.items() if s == "low"}
    unclear = {c for c, s in states.items() if s == "unclear"}
    # privacy has already hidden groups under the minimum; unclear states carry the rest
    d = diagnose(diagnosis_profile(states, n), min_n=0).action
    names = lambda cs: ", ".join(_WORDS[c] for c in CONCEPTS if c in cs)  # noqa: E731
    # the concepts whose low state sends change management first, whatever the skills
    blockers = {c for c, dim in CONCEPT_DIMS.items() if dim in (*PRECONDITIONS, *ENABLERS)}
    if d == "change_management":
        if "training_need" in low:
            return CHANGE, d, f"low skills confidence together with low {names(low & blockers)}"
        why = f"{names(low)} clearly worse than the reference; skills are not the blocker"
        return CHANGE, d, why
    if d == "training":
        if unclear & blockers:
            return (
                UNSURE,
                d,
                (
                    f"skills confidence is low but {names(unclear & blockers)} can't be told "
                    "apart from the reference yet, so training alone may not be enough"
                ),
            )
        return (
            TRAIN,
            d,
            "skills confidence is low while trust, readiness, job security, manager support "
            "and communication are not",
        )
    if unclear:
        return UNSURE, d, f"the interval for {names(unclear)} is too wide to tell"
    return READY, d, "every readiness measure is at or near the reference, none clearly low"


def readiness(
    prepared: Prepared,
    by: str = "team",
    policy: PrivacyPolicy | None = None,
    *,
    margin: float = THRESHOLDS.min_points,
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
        status, d, reason = _status(states, int(part["n"].max()))
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
    """Managers minus staff with a Welch 95% interval from the cells' means and intervals."""
    sm, ss = (float(stats.se_from_ci(r["ci_low"], r["ci_high"], r["n"])) for r in (m, s))
    est = float(m["score"] - s["score"])
    df = stats.satterthwaite_df([sm**2, ss**2], [m["n"], s["n"]])
    half = float(sps.t.ppf(0.975, float(df))) * float(np.hypot(sm, ss))
    return est, est - half, est + half
