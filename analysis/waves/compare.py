"""The wave comparison: trend and changes tables with their tests and protection."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from analysis import stats
from analysis.pipeline import _jsonable, _records
from analysis.privacy import PrivacyPolicy
from analysis.tables import CHANGES, TREND
from analysis.thresholds import THRESHOLDS
from analysis.waves import did as did_mod
from analysis.waves.load import Wave
from analysis.waves.sums import _NUM, CROSS, ORG_GROUP, _describe, _wave_data, _WaveData

#: The confirmatory family of each multiple-comparison correction (Holm 1979).
FAMILIES = {
    "p_adj": "every visible change row of the comparison: all pairs of consecutive waves, "
    "groups (and the organisation rows) and constructs",
    "p_favorable_adj": "the same rows, for the % favourable tests",
    "p_did_adj": "every visible group row (all pairs of waves, groups and constructs): did "
    "this group move differently from the rest of the organisation?",
}


@dataclass
class WaveComparison:
    """Protected, aggregated wave-over-wave tables; no per-respondent data."""

    waves: list[dict[str, Any]]  # label, date, n, source
    by: tuple[str, ...]
    policy: PrivacyPolicy
    alpha: float
    min_effect: float
    trend: pd.DataFrame
    changes: pd.DataFrame
    pairs: list[dict[str, Any]]  # from_wave, to_wave, test, n_linked
    warnings: list[str] = field(default_factory=list)

    @property
    def labels(self) -> list[str]:
        return [w["label"] for w in self.waves]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe summary for the CLI."""
        return _jsonable(
            {
                "waves": self.waves,
                "by": list(self.by),
                "policy": {"min_group": self.policy.min_group},
                "alpha": self.alpha,
                "min_effect": self.min_effect,
                "pairs": self.pairs,
                "families": FAMILIES,
                "changes": _records(self.changes),
                "trend": _records(self.trend),
                "warnings": self.warnings,
            }
        )


def compare_waves(
    waves: Sequence[Wave],
    by: Sequence[str] | str = ("team",),
    policy: PrivacyPolicy | None = None,
    *,
    team_map: Mapping[str, str] | None = None,
    paired: bool | None = None,
    alpha: float = THRESHOLDS.alpha,
    min_effect: float = THRESHOLDS.min_effect,
) -> WaveComparison:
    """Per group and construct, each wave's score and the change between consecutive waves.

    Parameters
    ----------
    waves
        Two or more waves in time order, each scored with the same survey; labels must differ.
    by
        Grouping columns ('team', 'role' or column names, as in :func:`pipeline.analyze`);
        several make a crossed grouping. Resolved in each wave separately: the first wave's
        team or role column means each wave's own team or role column.
    team_map
        Old team name -> new name, for teams renamed or merged between waves; applied to the
        team column of every wave (a name not in the map stays as it is).
    paired
        ``None``: paired tests when a respondent ID column is mapped in both waves and at least
        ``policy.min_group`` IDs appear in both; ``True``: require that (else ValueError);
        ``False``: always Welch.
    min_effect
        A change is ``significant`` when its Holm-adjusted p < ``alpha`` and |effect size|
        >= ``min_effect`` (:data:`analysis.thresholds.THRESHOLDS`, shared with the hot-spot rule).

    Returns
    -------
    A :class:`WaveComparison`. ``trend``: one row per wave × group × construct (the
    organisation as group "All respondents", grouping "all"). ``changes``: one row per
    consecutive pair × group × construct; ``change`` = score_to − score_from (0–100 points),
    ``change_favorable`` in percentage points, ``worsened``/``improved`` read the construct's
    direction (a rise in a higher_worse construct such as fear is a worsening). See the module
    docstring for the confidentiality rules.

    Notes
    -----
    * Independent samples (``test`` "welch"): Welch's t on the two waves' means from their
      summary statistics, ``t = (m2 − m1)/√(v2/n2 + v1/n1)`` with Welch–Satterthwaite df
      (Welch 1947; :func:`analysis.stats.welch_t`).
    * Linked respondents (``test`` "paired"): ``scipy.stats.ttest_rel`` on the people present
      in both waves with a score in both, ``t = d̄ / (s_d/√n)``, df = n − 1 (Student 1908). Per
      group, the linked people are those in the same (mapped) group in both waves; a group with
      fewer than ``min_group`` of them falls back to Welch. Welch treats the waves as
      independent, which is conservative when some people answered both.
    * ``effect_size``: Cohen's d of the change with the pooled SD of the two waves' scores,
      ``(m2 − m1)/s_p`` (Cohen 1988, §2.2), for every test, so effects compare across tests.
    * % favourable: pooled two-proportion z test (Fisher's exact test for small expected
      counts) with respondents as trials, as in :mod:`analysis.scoring`.
    * Holm's step-down adjustment (Holm 1979) runs over every visible change row (all pairs,
      groups, constructs and the organisation rows), separately for scores and % favourable.
    """
    policy = policy or PrivacyPolicy()
    waves = list(waves)
    labels = _labels(waves)
    by = [by] if isinstance(by, str) else list(by)
    if not by:
        raise ValueError("Choose at least one column to compare groups by (for example team).")
    first = waves[0].prepared
    names = [first.resolve(b) for b in by]
    # the first wave's team or role column stands for each wave's own (headers may differ)
    roles = {first.colmap.team: "team", first.colmap.role: "role"}
    by = [roles.get(n, n) for n in names]
    team_map = {str(k).strip(): str(v).strip() for k, v in (team_map or {}).items() if str(k)}
    data = [
        _wave_data(replace(w, label=lab), by, names, policy, team_map)
        for w, lab in zip(waves, labels, strict=True)
    ]
    common, warn = _common_constructs(data)
    meta = data[0].meta.loc[common]
    trend = _trend(data, waves, names, common, meta)
    parts, pairs = [], []
    for i in range(len(data) - 1):
        a, b = data[i], data[i + 1]
        test, linked = _pair_design(a, b, policy, paired)
        pairs.append({"from_wave": a.label, "to_wave": b.label, "test": test, "n_linked": linked})
        parts.append(_changes(a, b, names, common, meta, policy, test == "paired"))
    changes = _ordered(pd.concat(parts, ignore_index=True), labels, common)
    changes = _complementary(changes, policy)
    changes = _finish_changes(changes, alpha, min_effect)
    waves_info = [
        {
            "label": lab,
            "date": w.date.isoformat() if w.date else None,
            "n": w.n,
            "source": w.prepared.source_name,
        }
        for w, lab in zip(waves, labels, strict=True)
    ]
    return WaveComparison(
        waves=waves_info,
        by=tuple(names),
        policy=policy,
        alpha=alpha,
        min_effect=min_effect,
        trend=trend,
        changes=changes,
        pairs=pairs,
        warnings=warn,
    )


def _labels(waves: Sequence[Wave]) -> list[str]:
    """The waves' labels, stripped; ValueError unless there are two or more, all distinct."""
    if len(waves) < 2:
        raise ValueError("Load at least two waves to compare them.")
    labels = [str(w.label).strip() for w in waves]
    if any(not lab for lab in labels):
        raise ValueError("Give every wave a label (for example 'March 2025').")
    if len(set(labels)) != len(labels):
        raise ValueError("Two waves have the same label; give each wave its own label.")
    return labels


def _common_constructs(data: Sequence[Any]) -> tuple[list[str], list[str]]:
    """The constructs every wave measures (first wave's order) and a warning naming the rest;
    ValueError when there is none."""
    warn: list[str] = []
    common = [c for c in data[0].meta.index if all(c in d.meta.index for d in data[1:])]
    dropped = sorted({c for d in data for c in d.meta.index} - set(common))
    if dropped:
        warn.append(
            f"{len(dropped)} construct(s) are not measured in every wave and are left out of "
            f"the comparison ({', '.join(dropped)})."
        )
    if not common:
        raise ValueError(
            "The waves share no construct: score them with the same survey (or the same "
            "mapping) so their questions line up."
        )
    return common, warn


def _ordered(changes: pd.DataFrame, labels: list[str], common: list[str]) -> pd.DataFrame:
    """Change rows by wave pair, the organisation first, then group and construct order."""
    order = {c: i for i, c in enumerate(common)}
    changes = changes.assign(
        _pair=changes["from_wave"].map({lab: i for i, lab in enumerate(labels)}),
        _org=changes["group"] != ORG_GROUP,
        _c=changes["construct"].map(order),
    )
    return changes.sort_values(["_pair", "_org", "group", "_c"], kind="stable").drop(
        columns=["_pair", "_org", "_c"]
    )


def _grouping(names: list[str]) -> str:
    return CROSS.join(names)


def _trend(
    data: list[_WaveData],
    waves: list[Wave],
    names: list[str],
    common: list[str],
    meta: pd.DataFrame,
) -> pd.DataFrame:
    parts = []
    for order, (d, w) in enumerate(zip(data, waves, strict=True)):
        org = _describe(d.org[d.org["construct"].isin(common)]).assign(
            grouping="all", group=ORG_GROUP, **dict.fromkeys(names, pd.NA)
        )
        grp = _describe(d.sums[d.sums["construct"].isin(common)]).assign(grouping=_grouping(names))
        for part in (org, grp):
            part["wave"] = d.label
            part["wave_order"] = order
            part["date"] = w.date.isoformat() if w.date else None
            parts.append(part)
    t = pd.concat(parts, ignore_index=True)
    t["label"] = t["construct"].map(meta["label"])
    t["direction"] = t["construct"].map(meta["direction"])
    hidden = t["suppressed"].astype(bool).to_numpy()
    t.loc[hidden, list(TREND.hidden_blank)] = np.nan
    return t[TREND.columns(names)].reset_index(drop=True)


def _pair_design(
    a: _WaveData, b: _WaveData, policy: PrivacyPolicy, paired: bool | None
) -> tuple[str, int]:
    ids_a = a.respondents["id"].dropna()
    ids_b = b.respondents["id"].dropna()
    linked = len(set(ids_a) & set(ids_b)) if len(ids_a) and len(ids_b) else 0
    ok = linked >= policy.min_group
    if paired is True and not ok:
        raise ValueError(
            f"Waves {a.label!r} and {b.label!r} can't be compared as linked (paired) samples: "
            f"{linked} respondent ID(s) appear in both, and at least {policy.min_group} are "
            "needed. Map the same respondent ID column in both waves, or compare them as "
            "independent samples."
        )
    return ("paired" if ok and paired is not False else "welch"), linked


def _paired_p(
    a: _WaveData, b: _WaveData, group: str | None, construct: str, min_group: int
) -> tuple[float, int]:
    """(p, n linked) of a paired t test on linked respondents (in ``group`` in both waves)."""
    ra = a.respondents[a.respondents["id"].notna()]
    rb = b.respondents[b.respondents["id"].notna()]
    if group is not None:
        ra, rb = ra[ra["group"] == group], rb[rb["group"] == group]
    m = ra[["id", construct]].merge(rb[["id", construct]], on="id", suffixes=("_a", "_b"))
    m = m.dropna()
    n = len(m)
    if n < max(min_group, 2):
        return float("nan"), n
    x, y = m[f"{construct}_a"].to_numpy(float), m[f"{construct}_b"].to_numpy(float)
    d = y - x
    if np.ptp(d) == 0:  # no variation in the changes: the t statistic is undefined
        return float("nan"), n
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        p = float(sps.ttest_rel(y, x).pvalue)
    return p, n


def _changes(
    a: _WaveData,
    b: _WaveData,
    names: list[str],
    common: list[str],
    meta: pd.DataFrame,
    policy: PrivacyPolicy,
    paired: bool,
) -> pd.DataFrame:
    cols = ["group", *names, "construct", *_NUM, "suppressed", "suppressed_reason"]
    org_a = a.org.assign(group=ORG_GROUP, **dict.fromkeys(names, pd.NA))[cols]
    org_b = b.org.assign(group=ORG_GROUP, **dict.fromkeys(names, pd.NA))[cols]
    ta = pd.concat([org_a, a.sums[cols]], ignore_index=True)
    tb = pd.concat([org_b, b.sums[cols]], ignore_index=True)
    ta, tb = ta[ta["construct"].isin(common)], tb[tb["construct"].isin(common)]
    m = ta.merge(tb, on=["group", "construct"], how="outer", suffixes=("_a", "_b"))
    for n in names:
        m[n] = m[f"{n}_a"].combine_first(m[f"{n}_b"])
    for k in _NUM:
        m[f"{k}_a"] = m[f"{k}_a"].astype(float).fillna(0.0)
        m[f"{k}_b"] = m[f"{k}_b"].astype(float).fillna(0.0)
    da = _describe(m.rename(columns={f"{k}_a": k for k in _NUM})[list(_NUM)])
    db = _describe(m.rename(columns={f"{k}_b": k for k in _NUM})[list(_NUM)])
    out = pd.DataFrame(
        {
            "grouping": np.where(m["group"] == ORG_GROUP, "all", _grouping(names)),
            "group": m["group"].astype(str),
            **{n: m[n] for n in names},
            "construct": m["construct"].astype(str),
            "from_wave": a.label,
            "to_wave": b.label,
            "n_from": da["n"],
            "n_to": db["n"],
            "score_from": da["score"],
            "score_to": db["score"],
            "favorable_from": da["favorable"],
            "favorable_to": db["favorable"],
        }
    )
    out = out.join(did_mod.versus_rest(m))
    out["change"] = out["score_to"] - out["score_from"]
    out["change_favorable"] = out["favorable_to"] - out["favorable_from"]
    _, _, p = stats.welch_t(
        db["score"], db["sd"] ** 2, db["n"], da["score"], da["sd"] ** 2, da["n"]
    )
    out["effect_size"] = stats.cohens_d(
        db["score"], db["sd"], db["n"], da["score"], da["sd"], da["n"]
    )
    na, nb = da["n"].to_numpy(float), db["n"].to_numpy(float)
    out["p_favorable"] = stats.favorable_test(db["favorable"], nb, da["favorable"], na)
    out["p"] = p
    out["test"] = "welch"
    out["n_paired"] = np.nan
    if paired:
        _paired_tests(out, a, b, policy)
    out["suppressed"], out["suppressed_reason"] = _hidden_in_either(m, a.label, b.label)
    out["note"] = _absent_notes(na, nb, a.label, b.label)
    out["label"] = out["construct"].map(meta["label"])
    out["direction"] = out["construct"].map(meta["direction"])
    # wave sizes for the complementary rule, before numbers are blanked
    out["_size"] = np.minimum(na, nb)
    out["_has_people"] = (na > 0) | (nb > 0)
    return out


def _paired_tests(out: pd.DataFrame, a: _WaveData, b: _WaveData, policy: PrivacyPolicy) -> None:
    """Replace the Welch p by the paired test's wherever enough people are linked (in place)."""
    for i, row in out.iterrows():
        group = None if row["group"] == ORG_GROUP else row["group"]
        pp, n_link = _paired_p(a, b, group, row["construct"], policy.min_group)
        out.loc[i, "n_paired"] = float(n_link)
        if not np.isnan(pp):
            out.loc[i, "p"] = pp
            out.loc[i, "test"] = "paired"


def _hidden_in_either(m: pd.DataFrame, label_a: str, label_b: str) -> tuple[np.ndarray, list[str]]:
    """A change is hidden when either wave's row is, with each wave's reason named."""
    hid_a = m["suppressed_a"].astype("boolean").fillna(False).to_numpy(bool)
    hid_b = m["suppressed_b"].astype("boolean").fillna(False).to_numpy(bool)
    reason = []
    for ha, hb, ra, rb in zip(
        hid_a, hid_b, m["suppressed_reason_a"], m["suppressed_reason_b"], strict=True
    ):
        parts = []
        if ha:
            parts.append(f"{label_a}: {ra}")
        if hb:
            parts.append(f"{label_b}: {rb}")
        reason.append("; ".join(parts))
    return hid_a | hid_b, reason


def _absent_notes(na: np.ndarray, nb: np.ndarray, label_a: str, label_b: str) -> list[str]:
    """Why a change has no numbers when a wave has no one in the group."""
    notes = []
    for x, y in zip(na, nb, strict=True):
        if x > 0 and y > 0:
            notes.append("")
        elif x <= 0 and y <= 0:
            notes.append("no scores in either wave")
        else:
            notes.append(f"no responses in {label_a if x <= 0 else label_b}")
    return notes


def _complementary(changes: pd.DataFrame, policy: PrivacyPolicy) -> pd.DataFrame:
    """Per pair × construct: never exactly one group change hidden for privacy."""
    out = changes.copy()
    groups = out["group"] != ORG_GROUP
    for _, idx in out[groups].groupby(["from_wave", "to_wave", "construct"]).groups.items():
        block = out.loc[idx]
        hidden = block["suppressed"] & block["_has_people"]
        if int(hidden.sum()) != 1:
            continue
        cand = block[~block["suppressed"] & (block["note"] == "")]
        if not len(cand):
            continue
        pick = cand.sort_values(["_size", "group"], kind="stable").index[0]
        out.loc[pick, "suppressed"] = True
        out.loc[pick, "suppressed_reason"] = (
            "change hidden so a smaller group's change can't be worked out by subtraction"
        )
    return out


def _finish_changes(changes: pd.DataFrame, alpha: float, min_effect: float) -> pd.DataFrame:
    out = changes.drop(columns=["_size", "_has_people"])
    hidden = out["suppressed"].astype(bool).to_numpy()
    no_data = (out["note"] != "").to_numpy()
    blank = hidden | no_data
    numbers = list(CHANGES.hidden_blank)
    for col in numbers:
        out[col] = out[col].astype(float)
    out.loc[blank, numbers] = np.nan
    out["test"] = out["test"].astype(object)
    out.loc[blank, "test"] = None
    out["p_adj"] = stats.holm(out["p"].to_numpy(float))
    out["p_favorable_adj"] = stats.holm(out["p_favorable"].to_numpy(float))
    out["p_did_adj"] = did_mod.adjust(out["p_did"])
    sig = (out["p_adj"] < alpha) & (out["effect_size"].abs() >= min_effect)
    out["significant"] = sig.fillna(False).astype(bool)
    worse_dir = np.where(out["direction"] == "higher_worse", 1.0, -1.0)
    signed = out["change"].to_numpy(float) * worse_dir
    out["worsened"] = out["significant"] & (signed > 0)
    out["improved"] = out["significant"] & (signed < 0)
    out["suppressed"] = hidden
    out["suppressed_reason"] = out["suppressed_reason"].where(hidden, "").astype(str)
    known = CHANGES.known()
    names = [c for c in out.columns if c not in known]
    return out[CHANGES.columns(names)].reset_index(drop=True)
