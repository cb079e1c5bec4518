"""Per-team report rows from a wave comparison."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analysis.waves.compare import WaveComparison
from analysis.waves.sums import ORG_GROUP


def trend_section_rows(comparison: WaveComparison, team: str) -> pd.DataFrame:
    """One row per construct for a team's report: its score in every wave, the latest change,
    the organisation's latest change, the test and whether it is a significant worsening.

    Hidden cells carry no numbers and say why in ``note``. ``team`` is a group label as in
    ``comparison.changes['group']`` (use "All respondents" for the organisation).
    """
    t, ch = comparison.trend, comparison.changes
    known = set(t["group"].astype(str))
    if team not in known:
        raise ValueError(f"{team!r} is not a group in this comparison.")
    labels = comparison.labels
    last_from, last_to = labels[-2], labels[-1]
    rows = []
    mine = t[t["group"] == team]
    for construct in dict.fromkeys(t["construct"]):
        r: dict[str, Any] = {"construct": construct}
        cells = mine[mine["construct"] == construct].set_index("wave")
        info = t[t["construct"] == construct].iloc[0]
        r["label"], r["direction"] = info["label"], info["direction"]
        notes = []
        for lab in labels:
            if lab in cells.index:
                r[lab] = cells.loc[lab, "score"]
                if bool(cells.loc[lab, "suppressed"]):
                    notes.append(f"{lab} hidden ({cells.loc[lab, 'suppressed_reason']})")
            else:
                r[lab] = np.nan
                notes.append(f"no responses in {lab}")
        sel = ch[
            (ch["group"] == team)
            & (ch["construct"] == construct)
            & (ch["from_wave"] == last_from)
            & (ch["to_wave"] == last_to)
        ]
        org = ch[
            (ch["group"] == ORG_GROUP)
            & (ch["construct"] == construct)
            & (ch["from_wave"] == last_from)
            & (ch["to_wave"] == last_to)
        ]
        c = sel.iloc[0] if len(sel) else None
        r["change"] = float(c["change"]) if c is not None else np.nan
        r["organisation_change"] = float(org["change"].iloc[0]) if len(org) else np.nan
        r["test"] = c["test"] if c is not None and isinstance(c["test"], str) else ""
        r["p_adj"] = float(c["p_adj"]) if c is not None else np.nan
        r["significant"] = bool(c["significant"]) if c is not None else False
        r["worsened"] = bool(c["worsened"]) if c is not None else False
        if c is not None and bool(c["suppressed"]):
            notes.append(f"change hidden ({c['suppressed_reason']})")
        r["note"] = "; ".join(dict.fromkeys(notes))
        rows.append(r)
    return pd.DataFrame(rows)
