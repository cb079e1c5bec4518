"""Construct tables: the whole organisation and each group compared with the rest, protected."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis import stats
from analysis.privacy import PrivacyPolicy, protect_groups
from analysis.scoring.grouping import check_by, group_sums
from analysis.scoring.intervals import bounded_mean_ci
from analysis.scoring.model import Difference, Scored
from analysis.scoring.release import (
    META_KEEP,
    exposure_counts,
    finish,
    ledger_counts,
    protect_per_group,
    with_absent,
)
from analysis.scoring.stacks import (
    construct_columns,
    construct_counts,
    construct_totals,
    construct_values,
    items_on_100,
    pad,
)
from analysis.tables import GROUPS
from analysis.thresholds import THRESHOLDS


def _compare(
    n: np.ndarray,
    s: np.ndarray,
    ss: np.ndarray,
    fav_share: np.ndarray,
    rest_fav_share: np.ndarray,
    org: tuple[float, float, float],
) -> dict[str, np.ndarray]:
    """Group vs rest of the organisation, from sums (shares in %)."""
    on, os_, oss = org
    mean, var = stats.moments(n, s, ss)
    sd = np.sqrt(var)
    lo, hi = bounded_mean_ci(mean, sd, n)
    rn, rs, rss = on - n, os_ - s, oss - ss
    rmean, rvar = stats.moments(rn, rs, rss)
    _, _, p = stats.welch_t(mean, var, n, rmean, rvar, rn)
    d = stats.cohens_d(mean, sd, n, rmean, np.sqrt(rvar), rn)
    p_fav = stats.favorable_test(fav_share, n, rest_fav_share, rn)
    return {
        "score": mean,
        "ci_low": lo,
        "ci_high": hi,
        "rest_score": rmean,
        "diff_vs_rest": mean - rmean,
        "effect_size": d,
        "p": p,
        "p_fav": p_fav,
    }


def org_scores(
    scored: Scored,
    policy: PrivacyPolicy | None = None,
    *,
    changed: Sequence[Difference] = (),
    references: np.ndarray | None = None,
    population: Scored | None = None,
) -> pd.DataFrame:
    """Whole-organisation score per construct, with 95% CI, boxes and Cronbach's alpha.

    Alpha uses the reverse-coded items on 0–100 with listwise deletion (equal to raw-score alpha
    when a construct's items share a scale); NaN for single-item constructs. ``alpha_warning``
    explains a value below 0.6. The row goes through the same privacy check as group rows;
    ``changed`` (one :class:`Difference` per earlier view a reader can compare this one with:
    the people in one view and not the other, e.g. ``Difference(everyone, F ^ S)``) makes
    every row's count of those people, per construct, meet the minimum like ``n`` does
    (:func:`analysis.privacy.protect_groups`, ``exposure``). ``references`` (J × respondents
    of ``population``, by default ``scored``) are the sets of people shown in other tables
    (:class:`analysis.privacy.Ledger`); a filtered organisation row near one is hidden.
    """
    policy = policy or PrivacyPolicy()
    c = scored.constructs.shape[1]
    tot = construct_totals(scored)
    n, s, ss, f, nu, u = (tot[i * c : (i + 1) * c] for i in range(6))
    mean, var = stats.moments(n, s, ss)
    lo, hi = bounded_mean_ci(mean, np.sqrt(var), n)
    fav, neu, unf = stats.box_shares(f, nu, u)
    alphas, warns = _reliability(scored)
    cm = scored.construct_meta
    table = pd.DataFrame(
        {
            "construct": scored.constructs.columns.astype(str),
            "label": cm["label"].to_numpy(),
            "direction": cm["direction"].to_numpy(),
            "concept": cm["concept"].to_numpy(),
            "n": n,
            "score": mean,
            "ci_low": lo,
            "ci_high": hi,
            "favorable": fav,
            "neutral": neu,
            "unfavorable": unf,
            "alpha": np.asarray(alphas, float),
            "alpha_warning": warns,
        }
    )
    exposure = exposure_counts(_org_keys(), changed, [], False, construct_counts, c)[0][0]
    overlap, ref_sizes = ledger_counts(
        scored, [], False, construct_counts, c, references, population
    )
    return protect_groups(
        table,
        "n",
        policy,
        by=[],
        block=["construct"],
        keep=META_KEEP,
        exposure=exposure,
        overlap=overlap[0],
        reference_sizes=ref_sizes,
    )


def _reliability(scored: Scored) -> tuple[list[float], list[str]]:
    """Cronbach's alpha of each construct's items on 0-100 (NaN for one item), and a warning
    when it is low or cannot be computed."""
    meta = scored.item_meta
    alphas, warns = [], []
    for construct in scored.constructs.columns:
        cols = list(meta.index[(meta["construct"] == construct).to_numpy()])
        # one construct's items at a time: not a respondent × every-item copy
        a = stats.cronbach_alpha(items_on_100(scored, cols)) if len(cols) > 1 else float("nan")
        alphas.append(a)
        if len(cols) < 2:
            warns.append("")
        elif np.isnan(a):
            warns.append("reliability could not be computed (too few complete answers)")
        elif a < THRESHOLDS.min_reliability:
            warns.append(
                f"low reliability (alpha {a:.2f} < {THRESHOLDS.min_reliability}): the items "
                "may not measure one thing; read item results too"
            )
        else:
            warns.append("")
    return alphas, warns


def _org_keys() -> pd.DataFrame:
    return pd.DataFrame({"grouping": ["all"], "group": ["All respondents"]})


def group_scores(
    scored: Scored,
    by: Sequence[str] | str,
    policy: PrivacyPolicy | None = None,
    *,
    nested: bool = False,
    changed: Sequence[Difference] = (),
    references: np.ndarray | None = None,
    population: Scored | None = None,
) -> pd.DataFrame:
    """Construct scores per group, compared with the rest of the organisation, protected.

    Several ``by`` columns make a crossed grouping (team × role cells) or, with
    ``nested=True``, a hierarchy whose every level is reported (division, division › team).

    Returns
    -------
    One row per group × construct: ``grouping``, ``group``, one column per ``by`` column,
    ``construct``, ``n`` (people with a score on the construct), ``group_n`` (people in the
    group, whatever they answered; protected as its own table, blank on a hidden row),
    ``score``, ``ci_low``, ``ci_high`` (95%, inside 0–100:
    :func:`analysis.scoring.intervals.bounded_mean_ci`), ``favorable``,
    ``neutral``, ``unfavorable`` (%), ``rest_score``, ``diff_vs_rest``, ``effect_size``
    (Cohen's d, pooled SD), ``p`` (Welch t vs rest), ``p_fav`` (two-proportion z or Fisher vs
    rest), ``p_adj`` and ``p_fav_adj`` (Holm over all visible rows of the table),
    ``suppressed``, ``suppressed_reason``.

    ``changed`` (one :class:`Difference` per earlier view a reader can compare this one with:
    the people in one view and not the other, e.g. ``Difference(everyone, F ^ S)``) makes
    every row's count of those people, per construct, meet the minimum like ``n`` does
    (:func:`analysis.privacy.protect_groups`, ``exposure``). ``references`` (J × respondents
    of ``population``, by default ``scored``) are the sets of people shown in other tables
    (:class:`analysis.privacy.Ledger`): no union of the rows shown comes within 1..min−1
    people of one (``overlap``).

    Notes
    -----
    See :mod:`analysis.stats` for formulas and references. Holm runs after suppression, over
    the cells actually shown.
    """
    policy = policy or PrivacyPolicy()
    cols = check_by(scored, by)
    if not cols:
        raise ValueError("Choose at least one column to group by.")
    keys, counts = group_sums(scored, cols, construct_counts(scored), nested)
    constructs = list(scored.constructs.columns.astype(str))
    c = len(constructs)
    values = group_sums(scored, cols, construct_values(scored), nested)[1]
    table = _versus_rest(
        keys, construct_columns(counts, values, c), construct_totals(scored), constructs
    )
    exposure, extra, extra_counts = exposure_counts(
        keys, changed, cols, nested, construct_counts, c
    )
    # rows are construct-major, like ``parts``
    exposure = exposure.transpose(1, 0, 2).reshape(len(table), len(changed))
    overlap, ref_sizes = ledger_counts(
        scored, cols, nested, construct_counts, c, references, population
    )
    size = len(table)
    table, exposure = with_absent(
        table, exposure, extra, extra_counts, {"construct": np.array(constructs, dtype=object)}
    )
    ledger = {
        "overlap": pad(overlap.transpose(1, 0, 2).reshape(size, -1), len(table)),
        "reference_sizes": pad(np.repeat(ref_sizes, len(keys), axis=0), len(table)),
    }
    out = finish(table, policy, cols, nested, ["construct"], exposure, **ledger).iloc[:size]
    sizes = _group_sizes(scored, keys, cols, nested, policy, changed, references, population)
    shown = np.where(out["suppressed"].to_numpy(bool), np.nan, np.tile(sizes, c))
    out.insert(out.columns.get_loc("n") + 1, "group_n", shown)
    return out[GROUPS.columns(cols)]


def _versus_rest(
    keys: pd.DataFrame, sums: np.ndarray, tot: np.ndarray, constructs: list[str]
) -> pd.DataFrame:
    """Unprotected rows, construct-major: each group's score, interval and boxes, compared
    with the rest of the organisation (the organisation's totals minus the group's).

    Every statistic is elementwise, so all constructs are computed at once on the (groups ×
    constructs) blocks of the sums, flattened construct-major."""
    c, g = len(constructs), len(keys)
    n, s, ss, f, nu, u = (sums[:, i * c : (i + 1) * c].T.ravel() for i in range(6))
    on, os_, oss, of, onu, ou = (np.repeat(tot[i * c : (i + 1) * c], g) for i in range(6))
    fav, neu, unf = stats.box_shares(f, nu, u)
    rest_fav, _, _ = stats.box_shares(of - f, onu - nu, ou - u)
    res = _compare(n, s, ss, fav, rest_fav, (on, os_, oss))
    table = pd.concat([keys] * c, ignore_index=True) if c else keys.iloc[0:0].copy()
    table["construct"] = np.repeat(np.array(constructs, dtype=object), g)
    table["n"] = n
    for name in ("score", "ci_low", "ci_high"):
        table[name] = res[name]
    table["favorable"], table["neutral"], table["unfavorable"] = fav, neu, unf
    for name in ("rest_score", "diff_vs_rest", "effect_size", "p", "p_fav"):
        table[name] = res[name]
    return table


def _everyone(scored: Scored) -> np.ndarray:
    """Respondent × 1: everyone counts towards their group's size."""
    return np.ones((len(scored.groups), 1))


def _group_sizes(
    scored: Scored,
    keys: pd.DataFrame,
    by: list[str],
    nested: bool,
    policy: PrivacyPolicy,
    changed: Sequence[Difference],
    references: np.ndarray | None,
    population: Scored | None,
) -> np.ndarray:
    """People per group whatever they answered (NaN where hidden), protected as a table of its
    own: a construct's ``n`` leaves out people who skipped its items, so the first construct's
    ``n`` is not the group's size. Shown only beside a visible construct row."""
    _, sums = group_sums(scored, by, _everyone(scored), nested)
    table = keys.copy()
    table["n"] = sums[:, 0]
    out = protect_per_group(
        scored,
        table,
        keys,
        by,
        nested,
        policy,
        _everyone,
        changed=changed,
        references=references,
        population=population,
    )
    return np.where(out["suppressed"].to_numpy(bool), np.nan, out["n"].to_numpy(float))
