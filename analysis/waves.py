"""Wave over wave: is trust in AI rising, is fear of displacement falling, and where?

Each wave is one export scored with the same survey, so constructs are compared by construct
id. :func:`compare_waves` returns a tidy ``trend`` table (wave × group × construct) and a
``changes`` table (consecutive waves, per group × construct) with a significance test chosen
for the design: Welch's t on the two waves' summary statistics for independent (anonymous)
samples, or a paired t test on respondents linked by a respondent ID mapped in both waves.
:func:`match_items` lines up the questions of two exports so the user can confirm that a
construct is measured the same way in both.

Confidentiality
---------------
* **Each wave is protected on its own, on its own groups.** Visibility comes from
  :func:`analysis.scoring.group_scores` (minimum size plus complementary suppression) run on the
  wave's original groups, before any team renaming or merging.
* **Merged teams.** A team map can merge teams (``{"Ops North": "Ops", "Ops South": "Ops"}``).
  A merged group is shown in a wave only when every one of its source groups with responses is
  visible in that wave's own table; otherwise "merged − visible source" would give a hidden
  team away by subtraction against the unmerged tables shown elsewhere in the app. So every
  number in ``trend`` is a function of numbers the wave's protected table already shows.
* **Changes.** A change row is shown only when its group is visible in *both* waves; a group
  under the minimum in either wave (or hidden there as a complement) has a suppressed change
  with no numbers. Because a shown change is the difference of two shown scores and the waves'
  unknowns are separate, no combination of change rows (org change minus visible changes
  included) determines a hidden group's change when neither wave's table determines its score.
  As a second line of defence the change table applies the classic rule itself: per pair of
  waves and construct, if exactly one group's change is hidden for privacy, the visible group
  with the fewest responses (smallest of its two wave sizes) is hidden too.
* **Paired tests** publish only a p value and the number of linked people (``n_paired``); the
  linked subset's own mean is not shown.

A group that has no responses at all in one of the two waves (a new or retired team) has no
change; its row is not a privacy suppression, carries no numbers and says why in ``note``.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date as Date
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from analysis import scoring, stats
from analysis.columns import ColumnMap, apply_mapping, infer_columns
from analysis.ingest import SurveyExport, read_export
from analysis.pipeline import Prepared, _jsonable, _records
from analysis.privacy import PrivacyPolicy
from analysis.survey import Survey, default_survey
from analysis.tables import CHANGES, MATCHES, TREND
from analysis.thresholds import THRESHOLDS

__all__ = [
    "ORG_GROUP",
    "Wave",
    "WaveComparison",
    "compare_waves",
    "load_wave",
    "match_items",
    "restrict_items",
    "trend_section_rows",
]

ORG_GROUP = "All respondents"
CROSS = scoring.CROSS
_NUM = ("n", "s", "ss", "f", "nu", "u")


# --------------------------------------------------------------------------------------------
# waves


@dataclass(frozen=True)
class Wave:
    """One survey wave: a label the user chose, an optional fielding date and its analysis."""

    label: str
    date: Date | None
    prepared: Prepared

    @property
    def n(self) -> int:
        return int(self.prepared.scored.n_respondents)


def _scores_only(
    export: SurveyExport, colmap: ColumnMap, survey: Survey, source_name: str
) -> Prepared:
    """A Prepared holding scores only: trends need no comment coding, which is the slow part."""
    colmap.require_answers()
    scored = scoring.prepare(export, colmap, survey)
    return Prepared(
        export=export,
        colmap=colmap,
        survey=survey,
        scored=scored,
        comments=pd.DataFrame(),
        theme_model=None,
        drivers=pd.DataFrame(),
        source_name=source_name,
        warnings=list(dict.fromkeys([*export.warnings, *colmap.warnings, *scored.warnings])),
    )


def load_wave(
    data: bytes,
    filename: str,
    *,
    label: str,
    date: Date | None = None,
    sheet: str | None = None,
    mapping_yaml: str | None = None,
    survey: Survey | None = None,
) -> Wave:
    """Read and score one wave's export (scores only; comments are not coded)."""
    survey = survey or default_survey()
    export = read_export(data, filename, sheet=sheet)
    colmap = infer_columns(export, survey)
    if mapping_yaml:
        colmap = apply_mapping(colmap, mapping_yaml)
    return Wave(label=label, date=date, prepared=_scores_only(export, colmap, survey, filename))


def restrict_items(wave: Wave, drop: Iterable[str]) -> Wave:
    """The wave re-scored without some item columns (e.g. a question the user says changed
    meaning between waves), so a construct is measured by the same questions in every wave."""
    drop = {str(d) for d in drop}
    if not drop:
        return wave
    prep = wave.prepared
    specs = [
        replace(s, role="ignored", reason="left out of the wave comparison")
        if s.name in drop and s.role == "item"
        else s
        for s in prep.colmap.columns
    ]
    colmap = replace(prep.colmap, columns=specs, warnings=list(prep.colmap.warnings))
    new = _scores_only(prep.export, colmap, prep.survey, prep.source_name)
    return replace(wave, prepared=new)


# --------------------------------------------------------------------------------------------
# item matching


def _norm(text: object) -> str:
    s = unicodedata.normalize("NFKC", "" if text is None or pd.isna(text) else str(text))
    return re.sub(r"\s+", " ", s).strip().casefold()


def match_items(
    export_a: SurveyExport,
    colmap_a: ColumnMap,
    export_b: SurveyExport,
    colmap_b: ColumnMap,
    survey: Survey | None = None,
    *,
    min_similarity: float = 0.85,
) -> pd.DataFrame:
    """Which item of export B answers each item of export A, and why, for the user to confirm.

    Tried in order, one-to-one: the same export tag (stable across a platform's exports; its
    confidence drops with how different the two question texts are), the same question text
    (or a near-identical one, ``difflib`` ratio >= ``min_similarity``, confidence = the ratio),
    then the same item of ``survey`` recognised in both (confidence 0.8). Unmatched items get a
    row with the other side missing and ``matched_by`` "none".

    Returns
    -------
    ``item_a``, ``item_b``, ``matched_by`` (export_tag | question_text | survey | none),
    ``confidence`` (0–1), ``construct_a``, ``construct_b``, ``question_a``, ``question_b``.
    """
    survey = survey or default_survey()

    def items(export: SurveyExport, colmap: ColumnMap) -> list[dict[str, Any]]:
        source = {c.name: c for c in export.columns}
        out = []
        for spec in colmap.columns:
            if spec.role != "item":
                continue
            col = source.get(spec.name)
            tag = spec.export_tag or (col.export_tag if col else "") or spec.name
            question = spec.question or (col.question if col else "")
            hit = survey.match(col) if col is not None else None
            out.append(
                {
                    "name": spec.name,
                    "tag": _norm(tag),
                    "text": _norm(question),
                    "question": question,
                    "construct": spec.construct,
                    "survey_item": getattr(hit, "id", None) if hit is not None else None,
                }
            )
        return out

    a_items, b_items = items(export_a, colmap_a), items(export_b, colmap_b)
    free_b = {b["name"]: b for b in b_items}
    rows: list[dict[str, Any]] = []

    def take(a: dict[str, Any], b: dict[str, Any], how: str, conf: float) -> None:
        del free_b[b["name"]]
        rows.append(_match_row(a, b, how, conf))

    pending = []
    for a in a_items:
        b = next((b for b in free_b.values() if a["tag"] and b["tag"] == a["tag"]), None)
        if b is None:
            pending.append(a)
            continue
        if a["text"] and b["text"] and a["text"] != b["text"]:
            conf = 0.5 + 0.5 * difflib.SequenceMatcher(None, a["text"], b["text"]).ratio()
        else:
            conf = 1.0
        take(a, b, "export_tag", conf)
    still = []
    for a in pending:
        best, best_ratio = None, 0.0
        for b in free_b.values():
            if not a["text"] or not b["text"]:
                continue
            ratio = (
                1.0
                if a["text"] == b["text"]
                else difflib.SequenceMatcher(None, a["text"], b["text"]).ratio()
            )
            if ratio > best_ratio:
                best, best_ratio = b, ratio
        if best is not None and best_ratio >= min_similarity:
            take(a, best, "question_text", best_ratio)
        else:
            still.append(a)
    for a in still:
        b = next(
            (
                b
                for b in free_b.values()
                if a["survey_item"] and b["survey_item"] == a["survey_item"]
            ),
            None,
        )
        if b is not None:
            take(a, b, "survey", 0.8)
        else:
            rows.append(_match_row(a, None, "none", 0.0))
    rows.extend(_match_row(None, b, "none", 0.0) for b in free_b.values())
    order = {a["name"]: i for i, a in enumerate(a_items)}
    out = pd.DataFrame(rows, columns=MATCHES.columns())
    out["_order"] = out["item_a"].map(order).fillna(len(order)).astype(float)
    return out.sort_values("_order", kind="stable").drop(columns="_order").reset_index(drop=True)


def _match_row(
    a: dict[str, Any] | None, b: dict[str, Any] | None, how: str, conf: float
) -> dict[str, Any]:
    return {
        "item_a": a["name"] if a else None,
        "item_b": b["name"] if b else None,
        "matched_by": how,
        "confidence": float(conf),
        "construct_a": a["construct"] if a else None,
        "construct_b": b["construct"] if b else None,
        "question_a": a["question"] if a else "",
        "question_b": b["question"] if b else "",
    }


# --------------------------------------------------------------------------------------------
# per-wave sums and protection


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
    v = scored.constructs.to_numpy(float)
    ok = ~np.isnan(v)
    v0 = np.where(ok, v, 0.0)
    arr = np.hstack(
        [
            ok.astype(float),
            v0,
            v0**2,
            scored.favorable.to_numpy(float),
            scored.neutral.to_numpy(float),
            scored.unfavorable.to_numpy(float),
        ]
    )
    if keys:
        grouped = frame.groupby(keys, sort=True, observed=True)
        codes = grouped.ngroup().to_numpy()
        key_frame = grouped.size().reset_index()[keys]
        totals = np.zeros((len(key_frame), arr.shape[1]))
        np.add.at(totals, codes, arr)
    else:
        key_frame = pd.DataFrame(index=[0])
        totals = arr.sum(axis=0, keepdims=True)
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


# --------------------------------------------------------------------------------------------
# the comparison


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
        several make a crossed grouping. Resolved in each wave separately.
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
    if len(waves) < 2:
        raise ValueError("Load at least two waves to compare them.")
    labels = [str(w.label).strip() for w in waves]
    if any(not lab for lab in labels):
        raise ValueError("Give every wave a label (for example 'March 2025').")
    if len(set(labels)) != len(labels):
        raise ValueError("Two waves have the same label; give each wave its own label.")
    by = [by] if isinstance(by, str) else list(by)
    if not by:
        raise ValueError("Choose at least one column to compare groups by (for example team).")
    first = waves[0].prepared
    names = [first.resolve(b) for b in by]
    team_map = {str(k).strip(): str(v).strip() for k, v in (team_map or {}).items() if str(k)}
    data = [
        _wave_data(replace(w, label=lab), by, names, policy, team_map)
        for w, lab in zip(waves, labels, strict=True)
    ]

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
    meta = data[0].meta.loc[common]

    trend = _trend(data, waves, names, common, meta)
    parts, pairs = [], []
    for i in range(len(data) - 1):
        a, b = data[i], data[i + 1]
        test, linked = _pair_design(a, b, policy, paired)
        pairs.append({"from_wave": a.label, "to_wave": b.label, "test": test, "n_linked": linked})
        parts.append(_changes(a, b, names, common, meta, policy, test == "paired"))
    changes = pd.concat(parts, ignore_index=True)
    order = {c: i for i, c in enumerate(common)}
    changes = changes.assign(
        _pair=changes["from_wave"].map({lab: i for i, lab in enumerate(labels)}),
        _org=changes["group"] != ORG_GROUP,
        _c=changes["construct"].map(order),
    )
    changes = changes.sort_values(["_pair", "_org", "group", "_c"], kind="stable").drop(
        columns=["_pair", "_org", "_c"]
    )
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
        for i, row in out.iterrows():
            group = None if row["group"] == ORG_GROUP else row["group"]
            pp, n_link = _paired_p(a, b, group, row["construct"], policy.min_group)
            out.loc[i, "n_paired"] = float(n_link)
            if not np.isnan(pp):
                out.loc[i, "p"] = pp
                out.loc[i, "test"] = "paired"

    hid_a = m["suppressed_a"].astype("boolean").fillna(False).to_numpy(bool)
    hid_b = m["suppressed_b"].astype("boolean").fillna(False).to_numpy(bool)
    reason = []
    for ha, hb, ra, rb in zip(
        hid_a, hid_b, m["suppressed_reason_a"], m["suppressed_reason_b"], strict=True
    ):
        parts = []
        if ha:
            parts.append(f"{a.label}: {ra}")
        if hb:
            parts.append(f"{b.label}: {rb}")
        reason.append("; ".join(parts))
    out["suppressed"] = hid_a | hid_b
    out["suppressed_reason"] = reason
    absent = []
    for x, y in zip(na, nb, strict=True):
        if x > 0 and y > 0:
            absent.append("")
        elif x <= 0 and y <= 0:
            absent.append("no scores in either wave")
        else:
            absent.append(f"no responses in {a.label if x <= 0 else b.label}")
    out["note"] = absent
    out["label"] = out["construct"].map(meta["label"])
    out["direction"] = out["construct"].map(meta["direction"])
    # wave sizes for the complementary rule, before numbers are blanked
    out["_size"] = np.minimum(na, nb)
    out["_has_people"] = (na > 0) | (nb > 0)
    return out


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


# --------------------------------------------------------------------------------------------
# reports


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
