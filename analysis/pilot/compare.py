"""Pilot against comparison: within one wave, and before/after as difference in differences.

Within one wave, per construct (0–100), the estimate is pilot minus everyone else, adjusted for
the mix of roles and tenure bands by regression adjustment when those columns exist:

    score_i = a + b · pilot_i + Σ role dummies + Σ tenure dummies + e_i,   estimate = b

With a wave before the pilot and one after (independent samples of the same organisation),
the estimate is the difference in differences (Card & Krueger 1994; Angrist & Pischke 2009,
ch. 5), fitted on the stacked respondents of both waves:

    score_i = a + b1 · pilot_i + b2 · after_i + d · pilot_i · after_i + covariates + e_i

``d`` = (pilot after − pilot before) − (comparison after − comparison before), adjusted for the
role and tenure mix. Intervals are 95%, from HC1 robust standard errors
(:mod:`analysis.pilot.estimate`); p values are Holm-adjusted over the constructs of the one
comparison (the confirmatory family: "did the pilot move any construct?").

Confidentiality: the pilot and comparison sets are checked in every wave like a filter
(:func:`analysis.pilot.marking.check_pilot`); a construct whose pilot or comparison group has
fewer than the minimum people with a score in any wave used is hidden, with no numbers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis import stats
from analysis.pilot.estimate import Coefficient, dummies, fit
from analysis.pilot.marking import PilotSpec, check_pilot, pilot_mask, without_pilot_item
from analysis.pipeline import Prepared, _jsonable, _records
from analysis.privacy import PrivacyPolicy, reason_small
from analysis.tables import PILOT
from analysis.thresholds import THRESHOLDS
from analysis.waves import Wave, restrict_items

__all__ = [
    "ASSUMPTIONS",
    "CONFOUNDING",
    "PilotComparison",
    "compare_pilot",
    "covariates",
    "pilot_free",
]

CONFOUNDING = (
    "The pilot teams were chosen, not assigned at random: teams picked because they were keen, "
    "well led or less busy can differ in ways the survey does not measure. Read the estimate "
    "as the difference the pilot teams show after adjusting for role and tenure mix, not as "
    "proof that the pilot caused it."
)
WITHIN = (
    "One wave only: the gap mixes the pilot with whatever else sets the pilot teams apart "
    "(their standing before the pilot, their managers). With few pilot teams it can't be told "
    "apart from ordinary differences between teams; load a wave from before the pilot for a "
    "difference in differences.",
)
ASSUMPTIONS = (
    "Parallel trends: without the pilot, the pilot teams' scores would have moved by the same "
    "amount as everyone else's. Two waves can't test this; the gap before the pilot is shown "
    "as a check, and a third, earlier wave allows a placebo test.",
    "Nothing else changed for the pilot teams alone between the waves (a reorganisation, a "
    "new manager, another programme).",
    "The teams kept much the same people: nobody joined or left the pilot teams because of "
    "the pilot.",
    "The waves are treated as independent samples (an anonymous survey). If many of the same "
    "people answered both, the interval is on the wide (cautious) side.",
)
_TENURE = re.compile(r"tenure|length of service|years? (?:of service|here|worked)|how long", re.I)


@dataclass
class PilotComparison:
    """Protected pilot-vs-comparison results; no per-respondent data."""

    spec: PilotSpec
    waves: list[str]
    design: str  # "within" (one wave) | "did" (before and after)
    adjusted_for: list[str]
    table: pd.DataFrame  # analysis.tables.PILOT
    assumptions: list[str]
    warnings: list[str] = field(default_factory=list)

    def comparisons(self) -> list[dict[str, Any]]:
        """``{construct, estimate, ci_low, ci_high, method}`` per construct (hidden ones too,
        with no numbers and a reason)."""
        keep = ["construct", "label", "estimate", "ci_low", "ci_high", "method", "p_adj"]
        keep += ["verdict", "suppressed", "suppressed_reason"]
        return _records(self.table[keep])

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(
            {
                "pilot": self.spec.describe(),
                "waves": self.waves,
                "design": self.design,
                "adjusted_for": self.adjusted_for,
                "comparisons": self.comparisons(),
                "table": _records(self.table),
                "assumptions": self.assumptions,
                "warnings": self.warnings,
            }
        )


def covariates(prepared: Prepared, names: Sequence[str] = ("role", "tenure")) -> list[str]:
    """The grouping columns to adjust for: the mapped role column and a tenure-like column."""
    cols = [str(c) for c in prepared.scored.groups.columns]
    out = []
    for name in names:
        if name == "role":
            col = prepared.colmap.role
        elif name == "tenure":
            col = next((c for c in cols if _TENURE.search(c)), None)
        else:
            col = prepared.resolve(name)
        if col and col in cols and col not in out:
            out.append(col)
    return out


def pilot_free(wave: Wave, spec: PilotSpec) -> Wave:
    """The wave scored without the pilot column when it was read as an item."""
    if without_pilot_item(wave.prepared, spec):
        return restrict_items(wave, [str(spec.column)])
    return wave


@dataclass
class PilotData:
    """One wave's respondents (private): construct scores (0–100), pilot flag, covariates."""

    y: pd.DataFrame  # respondent × construct
    pilot: np.ndarray  # bool per respondent
    cov: pd.DataFrame  # categorical covariates (role, tenure) as text


def _data(
    wave: Wave,
    spec: PilotSpec,
    policy: PrivacyPolicy,
    cov: list[str],
    shown: Sequence[np.ndarray] = (),
) -> PilotData:
    prep = wave.prepared
    mask = pilot_mask(prep, spec)
    check_pilot(prep, mask, policy, shown)
    groups = prep.scored.groups
    present = [c for c in cov if c in groups.columns]
    cov_frame = groups[present].astype(str).reset_index(drop=True)
    for c in cov:
        if c not in cov_frame:
            cov_frame[c] = "(not asked)"
    y = prep.scored.constructs.reset_index(drop=True)
    y.columns = y.columns.astype(str)
    return PilotData(y, mask, cov_frame[cov])


def _within(d: PilotData, construct: str, adjust: bool) -> tuple[Coefficient, str]:
    ok = d.y[construct].notna().to_numpy()
    y, pilot = d.y[construct].to_numpy(float)[ok], d.pilot[ok].astype(float)
    if adjust:
        res = fit(y, np.column_stack([pilot, dummies(d.cov[ok])]), 0)
        if not np.isnan(res.estimate):
            return res, "adjusted"
    return fit(y, pilot[:, None], 0), "unadjusted"


def _did(a: PilotData, b: PilotData, construct: str, adjust: bool) -> tuple[Coefficient, str]:
    y = pd.concat([a.y[construct], b.y[construct]], ignore_index=True)
    ok = y.notna().to_numpy()
    pilot = np.concatenate([a.pilot, b.pilot]).astype(float)
    after = np.concatenate([np.zeros(len(a.pilot)), np.ones(len(b.pilot))])
    base = np.column_stack([pilot * after, pilot, after])[ok]
    if adjust:
        cov = dummies(pd.concat([a.cov, b.cov], ignore_index=True)[ok])
        res = fit(y.to_numpy(float)[ok], np.column_stack([base, cov]), 0)
        if not np.isnan(res.estimate):
            return res, "adjusted"
    return fit(y.to_numpy(float)[ok], base, 0), "unadjusted"


def _counts(d: PilotData, construct: str) -> tuple[int, int, float, float]:
    ok = d.y[construct].notna().to_numpy()
    v = d.y[construct].to_numpy(float)
    p, c = ok & d.pilot, ok & ~d.pilot
    mean = lambda m: float(v[m].mean()) if m.any() else float("nan")  # noqa: E731
    return int(p.sum()), int(c.sum()), mean(p), mean(c)


def _method(design: str, how: str, adjusted_for: list[str]) -> str:
    what = "difference in differences" if design == "did" else "pilot minus comparison"
    if how == "adjusted" and adjusted_for:
        return (
            f"{what}, regression-adjusted for {' and '.join(adjusted_for)} mix "
            "(OLS, HC1 robust 95% interval)"
        )
    return f"{what}, unadjusted (OLS, HC1 robust 95% interval)"


def compare_pilot(
    waves: Sequence[Wave],
    spec: PilotSpec,
    policy: PrivacyPolicy | None = None,
    *,
    adjust: Sequence[str] = ("role", "tenure"),
    alpha: float = THRESHOLDS.alpha,
    shown: Sequence[Sequence[np.ndarray]] = (),
) -> PilotComparison:
    """Pilot minus comparison per construct: in one wave, or as a difference in differences
    between the last two of several waves (the earlier wave before the pilot, the later one
    after it). With three or more waves, ``placebo`` is the same difference in differences
    between the two waves before the pilot (it should be near 0). ``shown``: per wave, the
    masks of filtered selections the viewer has already seen on it (see
    :func:`analysis.pilot.marking.check_pilot`); missing entries mean none.

    Raises :class:`analysis.pilot.marking.PilotError` when the pilot can't be marked or shown.
    """
    policy = policy or PrivacyPolicy()
    waves = [pilot_free(w, spec) for w in waves]
    if not waves:
        raise ValueError("Load at least one wave.")
    last = waves[-1].prepared
    cov = covariates(last, adjust) if adjust else []
    history = list(shown) + [()] * (len(waves) - len(shown))
    data = [_data(w, spec, policy, cov, h) for w, h in zip(waves, history, strict=True)]
    meta = last.scored.construct_meta[["label", "direction"]]
    table = compare_data(data, meta, policy, cov, alpha)
    design = str(table["design"].iloc[0]) if len(table) else "within"
    return PilotComparison(
        spec=spec,
        waves=[w.label for w in waves],
        design=design,
        adjusted_for=cov,
        table=table,
        assumptions=[CONFOUNDING, *(ASSUMPTIONS if design == "did" else WITHIN)],
        warnings=_warnings(table, design),
    )


def compare_data(
    data: Sequence[PilotData],
    meta: pd.DataFrame,
    policy: PrivacyPolicy,
    adjusted_for: Sequence[str] = (),
    alpha: float = THRESHOLDS.alpha,
) -> pd.DataFrame:
    """The :data:`analysis.tables.PILOT` table from per-wave respondent data (the statistical
    core of :func:`compare_pilot`, also driven by the simulation in ``evals/pilot_sim.py``).
    ``meta``: index construct, columns label and direction. Rows whose pilot or comparison
    group has fewer than ``policy.min_group`` scores in a wave used are hidden."""
    cov = list(adjusted_for)
    constructs = [c for c in data[-1].y.columns if all(c in d.y.columns for d in data)]
    design = "did" if len(data) >= 2 else "within"
    rows = []
    for c in constructs:
        used = data[-2:] if design == "did" else data[-1:]
        counts = [_counts(d, c) for d in used]
        small = min(min(n_p, n_c) for n_p, n_c, _, _ in counts)
        row: dict[str, Any] = {
            "construct": c,
            "label": str(meta.loc[c, "label"]) if c in meta.index else c,
            "direction": str(meta.loc[c, "direction"]) if c in meta.index else "higher_better",
            "design": design,
        }
        if small < policy.min_group:
            rows.append(row | _hidden(policy))
            continue
        n_p, n_c, m_p, m_c = counts[-1]
        row |= {"n_pilot": n_p, "n_comparison": n_c, "pilot_score": m_p, "comparison_score": m_c}
        if design == "did":
            res, how = _did(data[-2], data[-1], c, bool(cov))
            before = counts[0]
            row["pilot_change"] = m_p - before[2]
            row["comparison_change"] = m_c - before[3]
            gap, _ = _within(data[-2], c, bool(cov))
            row |= {"pre_gap": gap.estimate, "pre_gap_low": gap.ci_low, "pre_gap_high": gap.ci_high}
            if len(data) >= 3 and min(_counts(data[-3], c)[:2]) >= policy.min_group:
                plac, _ = _did(data[-3], data[-2], c, bool(cov))
                row |= {"placebo": plac.estimate, "placebo_low": plac.ci_low}
                row["placebo_high"] = plac.ci_high
        else:
            res, how = _within(data[-1], c, bool(cov))
        row |= {
            "estimate": res.estimate,
            "ci_low": res.ci_low,
            "ci_high": res.ci_high,
            "p": res.p,
            "method": _method(design, how, cov),
            "suppressed": False,
            "suppressed_reason": "",
        }
        rows.append(row)
    return _finish(pd.DataFrame(rows), alpha)


def _hidden(policy: PrivacyPolicy) -> dict[str, Any]:
    return {
        "method": "",
        "suppressed": True,
        "suppressed_reason": f"pilot or comparison group with {reason_small(policy)}",
    }


def _finish(table: pd.DataFrame, alpha: float) -> pd.DataFrame:
    out = table.reindex(columns=PILOT.columns())
    for col in PILOT.hidden_blank:
        out[col] = out[col].astype(float)
    out["p_adj"] = stats.holm(out["p"].to_numpy(float))
    sign = np.where(out["direction"] == "higher_worse", -1.0, 1.0)
    good = out["estimate"].to_numpy(float) * sign
    clear = (out["p_adj"] < alpha).fillna(False).to_numpy(bool)
    out["verdict"] = np.select(
        [out["suppressed"].astype(bool), clear & (good > 0), clear & (good < 0)],
        ["hidden", "better", "worse"],
        "no clear difference",
    )
    out["suppressed"] = out["suppressed"].astype(bool)
    out["suppressed_reason"] = out["suppressed_reason"].fillna("").astype(str)
    out["method"] = out["method"].fillna("").astype(str)
    return out.reset_index(drop=True)


def _warnings(table: pd.DataFrame, design: str) -> list[str]:
    out = []
    if design != "did":
        return out
    for r in table[~table["suppressed"]].itertuples(index=False):
        if r.pre_gap_low > 0 or r.pre_gap_high < 0:
            out.append(
                f"{r.label}: before the pilot, the pilot group already differed from the rest "
                f"by {r.pre_gap:+.1f} points (95% CI {r.pre_gap_low:+.1f} to "
                f"{r.pre_gap_high:+.1f}). Groups that start apart may not move alike, so read "
                "the difference in differences with care (regression to the mean)."
            )
        if not np.isnan(r.placebo) and (r.placebo_low > 0 or r.placebo_high < 0):
            out.append(
                f"{r.label}: the pilot group was already moving differently before the pilot "
                f"(placebo {r.placebo:+.1f} points), so parallel trends are doubtful."
            )
    return out
