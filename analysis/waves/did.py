"""A group's change against the rest of the organisation's change (difference in differences).

Per pair of waves, group and construct:

    did = (group after − group before) − (rest after − rest before)

where the rest is the organisation minus the group (so the two sides are independent sets of
people). Its standard error treats the four means as independent samples,
``se = √(v_gb/n_gb + v_ga/n_ga + v_rb/n_rb + v_ra/n_ra)``, with Welch–Satterthwaite degrees of
freedom ``df = se⁴ / Σ (v_i/n_i)² / (n_i − 1)`` (Satterthwaite 1946, Biometrics Bulletin 2(6),
110–114; difference in differences: Angrist & Pischke 2009, *Mostly Harmless Econometrics*,
ch. 5). With linked respondents the waves are not independent and this is conservative.

Confirmatory family: ``p_did_adj`` is Holm-adjusted over every visible group row of the
comparison (all pairs of waves × groups × constructs; the organisation rows have no DiD), the
same family as the change tests minus the organisation rows. The question it answers: "did
this group move differently from everyone else?" (``org_change`` is the organisation's own
change, shown beside it).

Reading it: the rest includes every other group, so a group that stood still while a large
group moved (fear fell sharply in one big team) shows a DiD of the opposite sign. Read it
beside ``org_change`` and the group's own ``change``.

Confidentiality: a DiD is a function of the group's and the organisation's numbers in both
waves; it is shown only where the change row is (the group is visible in both waves), so it
releases nothing the change and organisation rows do not already determine.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as sps

from analysis import stats
from analysis.waves.sums import ORG_GROUP, _describe

COLUMNS = ("org_change", "did", "did_ci_low", "did_ci_high", "p_did")
_SUMS = ("n", "s", "ss", "f", "nu", "u")


def versus_rest(m: pd.DataFrame) -> pd.DataFrame:
    """DiD columns for the merged per-wave sums ``m`` of :func:`analysis.waves.compare._changes`
    (columns ``group``, ``construct``, ``{n,s,ss,f,nu,u}_{a,b}``; org rows have group
    :data:`ORG_GROUP`). Returns ``org_change``, ``did``, ``did_ci_low``, ``did_ci_high``,
    ``p_did`` aligned with ``m``'s index."""
    org = m[m["group"] == ORG_GROUP].set_index("construct")
    parts = {}
    for side in ("a", "b"):
        own = m[[f"{k}_{side}" for k in _SUMS]].set_axis(list(_SUMS), axis=1).astype(float)
        total = org[[f"{k}_{side}" for k in _SUMS]].set_axis(list(_SUMS), axis=1)
        total = total.reindex(m["construct"]).set_axis(m.index).astype(float)
        parts[f"g{side}"] = _describe(own)
        parts[f"r{side}"] = _describe(total - own)
        parts[f"o{side}"] = _describe(total)
    g_change = parts["gb"]["score"] - parts["ga"]["score"]
    r_change = parts["rb"]["score"] - parts["ra"]["score"]
    did = g_change - r_change
    terms = []
    dfs = []
    for key in ("ga", "gb", "ra", "rb"):
        d = parts[key]
        n = d["n"].to_numpy(float)
        ok = n >= 2
        v = np.where(ok, d["sd"].to_numpy(float) ** 2 / np.where(ok, n, 1.0), np.nan)
        terms.append(v)
        dfs.append(np.where(ok, v**2 / np.where(ok, n - 1, 1.0), np.nan))
    se2 = np.sum(terms, axis=0)
    den = np.sum(dfs, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        df = np.where(den > 0, se2**2 / den, np.nan)
        se = np.sqrt(se2)
        usable = np.isfinite(df) & (se > 0)
        tcrit = np.where(usable, sps.t.ppf(0.975, np.where(usable, df, 1.0)), np.nan)
        t = np.where(usable, did / np.where(usable, se, 1.0), np.nan)
        p = np.where(
            usable, 2 * sps.t.sf(np.abs(np.nan_to_num(t)), np.where(usable, df, 1.0)), np.nan
        )
    out = pd.DataFrame(index=m.index)
    out["org_change"] = (parts["ob"]["score"] - parts["oa"]["score"]).to_numpy(float)
    is_org = (m["group"] == ORG_GROUP).to_numpy()
    out["did"] = np.where(is_org, np.nan, did.to_numpy(float))
    out["did_ci_low"] = np.where(is_org, np.nan, did.to_numpy(float) - tcrit * se)
    out["did_ci_high"] = np.where(is_org, np.nan, did.to_numpy(float) + tcrit * se)
    out["p_did"] = np.where(is_org, np.nan, p)
    return out


def adjust(p_did: pd.Series) -> np.ndarray:
    """Holm over the visible group rows (the confirmatory family, see the module docstring)."""
    return stats.holm(p_did.to_numpy(float))
