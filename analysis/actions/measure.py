"""Each action against the next wave: its group's change on its construct, the
organisation's change, and the difference in differences with its interval
(:mod:`analysis.waves.did`). Pure: a plan and a wave comparison in, a table out
(:data:`analysis.tables.ACTIONS`), which the manager packs can add as a sheet.

Only numbers the comparison already shows are used: an action on a hidden group carries no
numbers and says why.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analysis.actions.plan import ActionPlan
from analysis.tables import ACTIONS
from analysis.thresholds import THRESHOLDS
from analysis.waves import ORG_GROUP, WaveComparison

__all__ = ["measure_actions"]


def measure_actions(
    plan: ActionPlan, comparison: WaveComparison, alpha: float = THRESHOLDS.alpha
) -> pd.DataFrame:
    """One row per action: the latest pair of waves' change in the action's group and
    construct, the organisation's change, ``did`` (group change − rest of the organisation's
    change) with its 95% interval and Holm-adjusted p, the target and whether it is reached,
    and a plain ``result`` sentence."""
    ch = comparison.changes
    labels = comparison.labels
    last_from, last_to = labels[-2], labels[-1]
    latest = ch[(ch["from_wave"] == last_from) & (ch["to_wave"] == last_to)]
    rows = [_row(a, latest, last_from, last_to, alpha) for a in plan.actions]
    out = pd.DataFrame(rows).reindex(columns=ACTIONS.columns())
    for c in ACTIONS.hidden_blank:
        out[c] = out[c].astype(float)
    out["suppressed"] = out["suppressed"].fillna(False).astype(bool) if len(out) else []
    for c in ("item", "suppressed_reason", "from_wave", "to_wave"):
        out[c] = out[c].fillna("").astype(str)
    return out.reset_index(drop=True)


def _row(action: Any, latest: pd.DataFrame, a: str, b: str, alpha: float) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": action.id,
        "group": action.group,
        "construct": action.construct_id,
        "item": action.item or "",
        "action": action.action,
        "owner": action.owner,
        "due": action.due.isoformat(),
        "target": action.target,
        "from_wave": a,
        "to_wave": b,
        "suppressed": False,
        "suppressed_reason": "",
    }
    hit = latest[(latest["group"] == action.group) & (latest["construct"] == action.construct_id)]
    org = latest[(latest["group"] == ORG_GROUP) & (latest["construct"] == action.construct_id)]
    if hit.empty:
        where = f"{action.group!r} × {action.construct_id}"
        return row | {"result": f"not measured: {where} is not in the comparison of {a} and {b}"}
    r = hit.iloc[0]
    if bool(r["suppressed"]) or str(r["note"]):
        why = str(r["suppressed_reason"]) or str(r["note"])
        return row | {"suppressed": bool(r["suppressed"]), "suppressed_reason": why,
                      "result": f"no numbers: {why}"}  # fmt: skip
    row |= {
        "change": float(r["change"]),
        "org_change": float(org["change"].iloc[0]) if len(org) else np.nan,
        "did": float(r["did"]),
        "did_ci_low": float(r["did_ci_low"]),
        "did_ci_high": float(r["did_ci_high"]),
        "p_did_adj": float(r["p_did_adj"]),
        "score_to": float(r["score_to"]),
    }
    worse_up = r["direction"] == "higher_worse"
    if action.target is not None:
        row["reached"] = bool(
            r["score_to"] <= action.target if worse_up else r["score_to"] >= action.target
        )
    good = -row["did"] if worse_up else row["did"]
    clear = row["p_did_adj"] < alpha
    verdict = (
        "moved the right way more than the rest of the organisation"
        if clear and good > 0
        else "moved the wrong way compared with the rest of the organisation"
        if clear
        else "no clear difference from the rest of the organisation"
    )
    note = " (measured on the construct, not the single question)" if action.item else ""
    row["result"] = (
        f"{verdict}: {row['change']:+.1f} points against {row['org_change']:+.1f} for the "
        f"organisation{note}"
    )
    return row
