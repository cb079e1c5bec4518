"""Item-level impact within a construct: which of its questions carry its association with the
outcome (:func:`item_drivers`), and on which questions a group is weakest (:func:`item_gaps`).

A construct score averages several questions; the action to take depends on which of them is
low ("I understand why we are adopting AI" calls for different work than "I know where to get
help"). Both tables keep the hygiene of the rest of ChangeRadar:

- **Item drivers** are Johnson's relative weights of a construct's items for the outcome
  (:func:`analysis.drivers.relative_weights`): associations within one survey, not causes;
  no weights below 15 complete responses per item, and no shares when the F test of R² is not
  significant. Computed over every respondent, like the key drivers.
- **Item gaps** compare a group with the rest of the organisation on each item with the
  hot-spot screen (:func:`analysis.hotspots.screening.screen`: one-sided Welch test,
  Benjamini–Hochberg within grouping and item, |d| ≥ 0.3, ≥ 5 points, at least 10 people,
  "too small to tell"). Only (group, item) cells the protected item table
  (``scoring.item_scores``, through :func:`analysis.privacy.protect_groups`) shows are
  reported, with its n and score, so they are hidden exactly where the item table hides them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from analysis import stats
from analysis.drivers import relative_weights
from analysis.hotspots.screening import screen
from analysis.privacy import PrivacyPolicy
from analysis.scoring import Scored
from analysis.scoring.grouping import column_codes
from analysis.scoring.model import take_rows
from analysis.scoring.stacks import item_stack, items_on_100
from analysis.tables import ITEM_DRIVERS, ITEM_GAPS
from analysis.thresholds import THRESHOLDS

#: Column orders, from the declarations (analysis.tables) so a column changes in one place.
ITEM_DRIVER_COLUMNS = tuple(ITEM_DRIVERS.columns())
ITEM_GAP_COLUMNS = tuple(ITEM_GAPS.columns())
#: What each screening state means for an item, in plain words.
ITEM_STATES = {
    "flag": "clearly lower than the rest",
    "too_small_to_tell": "too few answers to tell",
    "fine": "not clearly lower",
    "majority": "most of the organisation (not compared)",
    "main_effects": "explained by its team and role",
}


def item_values(scored: Scored, items: Sequence[str] | None = None) -> pd.DataFrame:
    """Respondent × item (``items``, by default all) on 0–100 (reverse-coded items already
    turned), NaN where unanswered: ``100 · (x − scale_min) / (scale_max − scale_min)``, the
    same scale as the item table."""
    meta = scored.item_meta
    columns = meta.index if items is None else pd.Index(list(items), name=meta.index.name)
    return pd.DataFrame(items_on_100(scored, items), index=scored.items.index, columns=columns)


def item_drivers(
    scored: Scored,
    outcome: str,
    *,
    n_boot: int = 200,
    random_state: int | None = 0,
    min_n: int = 30,
    min_per_predictor: int = THRESHOLDS.min_cases_per_predictor,
    alpha: float | None = THRESHOLDS.alpha,
) -> pd.DataFrame:
    """Per construct with two or more items (other than the outcome): each item's relative
    weight for ``outcome`` (a construct id of ``scored``).

    Returns one row per item, largest share first within a construct: ``r`` (Pearson
    correlation of the item with the outcome over the complete responses), ``share`` (of the
    R² the construct's items explain together; sums to 1), ``ci_low``/``ci_high`` (bootstrap
    percentile interval of the share), ``n`` complete responses, ``r2`` and ``note`` (why there
    are no weights or no shares). Shares are NaN with too few responses per item or when R²
    is not significantly above zero (F test at ``alpha``; see
    :func:`analysis.drivers.relative_weights` for the formulas, Johnson 2000).
    """
    if outcome not in scored.constructs.columns:
        raise ValueError(f"{outcome!r} is not a scored construct.")
    frames = []
    meta = scored.item_meta
    for construct in scored.constructs.columns:
        items = [str(i) for i in meta.index[meta["construct"] == construct]]
        if construct == outcome or len(items) < 2:
            continue
        # one construct's items at a time (not every item: 184 MB at 1M and 23 items)
        data = item_values(scored, items).assign(**{outcome: scored.constructs[outcome]})
        data = data.rename(columns={outcome: "__outcome__"})
        res = relative_weights(
            data,
            "__outcome__",
            items,
            n_boot=n_boot,
            random_state=random_state,
            min_n=min_n,
            min_per_predictor=min_per_predictor,
            alpha=alpha,
        )
        complete = data.dropna()
        with np.errstate(invalid="ignore", divide="ignore"):
            r = {
                i: float(np.corrcoef(complete[i], complete["__outcome__"])[0, 1])
                if len(complete) > 2
                else np.nan
                for i in items
            }
        t = res.table[["driver", "share", "ci_low", "ci_high"]].rename(columns={"driver": "item"})
        t.insert(0, "construct", str(construct))
        t.insert(0, "outcome", outcome)
        t["question"] = t["item"].map(meta["question"].astype(str))
        t["r"] = t["item"].map(r).astype(float)
        t["n"] = res.n
        t["r2"] = res.r2
        t["note"] = res.note.replace("__outcome__", "the outcome")
        if not res.ok:
            t["r"] = np.nan  # too few responses: nothing is estimated
        frames.append(t)
    if not frames:
        return ITEM_DRIVERS.empty()
    out = pd.concat(frames, ignore_index=True)
    out["n"] = out["n"].astype(int)
    return out[list(ITEM_DRIVER_COLUMNS)]


def _shown(items_table: pd.DataFrame, min_group: int) -> pd.DataFrame:
    """The item table's rows that may be reported: not suppressed (NA counts as suppressed),
    ``n`` ≥ ``min_group`` and a score."""
    if not len(items_table):
        return items_table
    suppressed = (
        items_table["suppressed"].astype(object).where(items_table["suppressed"].notna(), True)
    )
    n = pd.to_numeric(items_table["n"], errors="coerce")
    ok = ~suppressed.astype(bool) & (n >= min_group) & items_table["score"].notna()
    return items_table.loc[ok.fillna(False).astype(bool)]


def _group_rows(
    codes: Mapping[str, tuple[np.ndarray, dict[str, int]]],
    size: int,
    by: Sequence[str],
    values: Sequence[Any],
) -> np.ndarray:
    """Positions of the respondents in the row's group: every by-column the row names (a
    nested level leaves the deeper ones empty), matched on integer codes."""
    mask = np.ones(size, dtype=bool)
    for col, value in zip(by, values, strict=True):
        if value is not None and not pd.isna(value):
            col_codes, lookup = codes[col]
            mask &= col_codes == lookup.get(str(value), -1)
    return np.flatnonzero(mask)


def _item_sums(scored: Scored) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, ...]]:
    """Who answered and the answers on each item's own scale (0 for none): two column blocks
    of the cached item stack (:func:`analysis.scoring.stacks.item_stack`, small integers for
    whole answers, so nothing respondent-sized is added: a float 0–100 copy held 0.2 GB at a
    million respondents), and the organisation's n, sum and sum of squares per item on that
    scale (cached: a regrouping reuses them)."""
    stack = item_stack(scored)
    k = len(scored.item_meta)
    valid, x = stack[:, :k], stack[:, k : 2 * k]
    if "item_gap_totals" not in scored._cache:
        scored._cache["item_gap_totals"] = _raw_sums(valid, x)
    return valid, x, scored._cache["item_gap_totals"]


#: Rows of whole answers widened to int64 at a time by :func:`_raw_sums`.
_SUM_ROWS = 65_536


def _raw_sums(valid: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per column: the number of answers, their sum and their sum of squares. Whole answers
    are added as int64 a block of rows at a time: exact sums whatever the blocks (and so is
    a rest's total minus a group's), and no respondent-sized copy. Other answers are added
    one float column at a time."""
    n = np.count_nonzero(valid, axis=0).astype(float)
    if x.dtype.kind in "iu":
        s, ss = (np.zeros(x.shape[1], dtype=np.int64) for _ in range(2))
        for lo in range(0, len(x), _SUM_ROWS):
            block = x[lo : lo + _SUM_ROWS].astype(np.int64)
            s += block.sum(axis=0)
            ss += (block * block).sum(axis=0)
        return n, s.astype(float), ss.astype(float)
    s, ss = np.empty(x.shape[1]), np.empty(x.shape[1])
    for j in range(x.shape[1]):
        s[j], ss[j] = x[:, j].sum(), (x[:, j] * x[:, j]).sum()
    return n, s, ss


def _on_100(
    n: np.ndarray, s: np.ndarray, ss: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance on 0–100 from sums on the item's own scale: for y = c·(x − lo) with
    c = 100 / (hi − lo), mean_y = c·(mean_x − lo) and var_y = c²·var_x (moments as in
    :func:`analysis.stats.moments`)."""
    c = 100.0 / (hi - lo)
    mean, var = stats.moments(n, s, ss)
    return c * (mean - lo), c * c * var


def _item_rows(scored: Scored, by: Sequence[str], visible: pd.DataFrame) -> pd.DataFrame:
    """The screen's input for every visible (group, item): n, mean, its 95% t interval, the
    rest's mean and n, Cohen's d and Welch's two-sided p (:mod:`analysis.stats`).

    Each group's sums are taken once for all its items, from its rows of the item stack
    gathered column by column; for whole answers they are exact integers, so the rest's
    sums (the organisation's minus the group's) are exact too. Means and variances go to
    0–100 after (:func:`_on_100`)."""
    keys = {c: visible[c].to_numpy(object) for c in by}
    grouping = visible["grouping"].to_numpy(object)
    group = visible["group"].to_numpy(object)
    items = [str(v) for v in visible["item"]]
    constructs = [str(v) for v in visible["construct"]]
    codes = {}
    for c in by:
        col_codes, uniques = column_codes(scored, c)
        codes[c] = (col_codes, {str(u): k for k, u in enumerate(uniques)})
    valid, x, (total_n, total_s, total_ss) = _item_sums(scored)
    col = {str(c): j for j, c in enumerate(scored.item_meta.index)}
    sums: dict[tuple, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    n1, s1, ss1, n2, s2, ss2 = (np.empty(len(visible)) for _ in range(6))
    at = np.empty(len(visible), dtype=np.intp)
    for i in range(len(visible)):
        values = [keys[c][i] for c in by]
        key = tuple(str(v) for v in values)
        if key not in sums:
            rows = _group_rows(codes, len(scored.groups), by, values)
            sums[key] = _raw_sums(take_rows(valid, rows), take_rows(x, rows))
        j = at[i] = col[items[i]]
        gn, gs, gss = sums[key]
        n1[i], s1[i], ss1[i] = gn[j], gs[j], gss[j]
        n2[i], s2[i], ss2[i] = total_n[j] - n1[i], total_s[j] - s1[i], total_ss[j] - ss1[i]
    scale_min = scored.item_meta["scale_min"].to_numpy(float)[at]
    scale_max = scored.item_meta["scale_max"].to_numpy(float)[at]
    m1, var1 = _on_100(n1, s1, ss1, scale_min, scale_max)
    m2, var2 = _on_100(n2, s2, ss2, scale_min, scale_max)
    sd1, sd2 = np.sqrt(var1), np.sqrt(var2)
    _, _, p = stats.welch_t(m1, var1, n1, m2, var2, n2)
    lo, hi = stats.mean_ci(m1, sd1, n1)
    table = pd.DataFrame({c: list(keys[c]) for c in by})
    table["grouping"] = list(grouping)
    table["group"] = list(group)
    table["construct"] = items
    table["item_construct"] = constructs
    table["n"], table["score"], table["rest_score"], table["rest_n"] = n1, m1, m2, n2
    table["ci_low"], table["ci_high"] = lo, hi
    table["effect_size"] = stats.cohens_d(m1, sd1, n1, m2, sd2, n2)
    table["p"] = p
    table["suppressed"] = False
    return table


def item_gaps(
    scored: Scored,
    by: Sequence[str],
    items_table: pd.DataFrame,
    constructs: pd.DataFrame,
    policy: PrivacyPolicy,
    *,
    org_n: int | None = None,
) -> pd.DataFrame:
    """Each visible group's gap to the rest on each item, screened like the hot spots.

    ``items_table`` is the view's protected group × item table (``scoring.item_scores``);
    ``constructs`` the construct metadata (``id``, ``direction``, ``label``). ``gap`` is in the
    harmful direction (+ = worse than the rest, on 0–100), with its 95% interval, |d| signed
    the same way, q (Benjamini–Hochberg within grouping and item, one-sided) and ``state``
    (keys of :data:`ITEM_STATES`). ``weakest`` marks, per group and construct, the item with
    the lowest score on the good side (100 − score for constructs where higher is worse).
    """
    by = list(by)
    visible = _shown(items_table, policy.min_group)
    if not by or not len(visible):
        return ITEM_GAPS.empty(by)
    cmeta = constructs.set_index("id") if "id" in constructs.columns else constructs
    table = _item_rows(scored, by, visible)
    meta: dict[str, dict[str, Any]] = {}
    directions = cmeta["direction"].to_dict()
    questions = scored.item_meta["question"].to_dict()
    for item, construct in zip(table["construct"], table["item_construct"], strict=True):
        direction = str(directions.get(construct, "higher_better"))
        question = str(questions.get(item, item))
        meta[item] = {"label": question, "concept": construct, "direction": direction}
    screened = screen(table, meta, min_group=policy.min_group, org_n=org_n)
    if not len(screened):
        return ITEM_GAPS.empty(by)
    out = screened.rename(columns={"construct": "item", "label": "question"})
    out["construct"] = out["concept"]
    for col in by:
        out[col] = [key.get(col) for key in out["group_key"]]
    good = np.where(out["direction"] == "higher_worse", 100 - out["score"], out["score"])
    lowest = pd.Series(good, index=out.index).groupby(
        [out["grouping"], out["group"], out["construct"]]
    )
    out["weakest"] = pd.Series(good, index=out.index) == lowest.transform("min")
    return out[[*ITEM_GAP_COLUMNS, *by]].reset_index(drop=True)
