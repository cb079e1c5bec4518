"""Stage 2 of :func:`~analysis.pipeline.analyze`: the protected score tables of one view.

Group, item and eNPS tables for the grouping (:func:`group_tables`) and the organisation's
own tables (:func:`org_tables`: they depend on the filter and thresholds, never the grouping,
so they are cached per filter). Every number comes from :mod:`analysis.scoring`, which passes
it through :mod:`analysis.privacy`. A comments-only survey gets the declared tables empty.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import scoring
from analysis.pipeline.model import Prepared
from analysis.pipeline.request import ViewRequest
from analysis.pipeline.select import Selection
from analysis.privacy import PrivacyError, PrivacyPolicy
from analysis.scoring import Difference, Scored
from analysis.scoring.grouping import column_codes
from analysis.tables import ENPS, GROUPS, ITEMS, LIKERT, ORG

__all__ = ["ScoreTables", "construct_frame", "score_tables"]


@dataclass(frozen=True)
class ScoreTables:
    """The view's protected score tables (empty, with their declared columns, when the
    survey has no scores or the view no grouping)."""

    groups: pd.DataFrame
    items: pd.DataFrame
    enps_groups: pd.DataFrame
    org: pd.DataFrame
    org_items: pd.DataFrame
    enps: pd.DataFrame
    likert: pd.DataFrame


def score_tables(prep: Prepared, req: ViewRequest, sel: Selection) -> ScoreTables:
    groups, items, enps_groups = group_tables(prep, req, sel)
    org, org_items, enps, likert = org_tables(prep, req, sel)
    return ScoreTables(groups, items, enps_groups, org, org_items, enps, likert)


def group_tables(
    prep: Prepared, req: ViewRequest, sel: Selection
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Group × construct, group × item and group eNPS tables for the view's grouping."""
    by = list(req.by)
    policy = req.policy
    if not by or not prep.has_scores:
        return GROUPS.empty(by), ITEMS.empty(by), ENPS.empty(by)
    kw = {
        "nested": req.nested,
        "changed": sel.changed,
        "references": sel.references,
        "population": prep.scored,
    }
    # a crossing is protected in the survey's fixed column order, then shown in the view's:
    # Team × Role and Role × Team hid different cells (a crossed table's suppression follows
    # its column order), and together they would show more than either may
    fixed = by if req.nested else prep.crossing_order(by)
    try:
        groups = scoring.group_scores(sel.scored, fixed, policy, **kw)
        items = scoring.item_scores(sel.scored, fixed, policy, **kw)
        enps_groups = (
            scoring.enps(sel.scored, fixed, policy, **kw)
            if sel.scored.enps is not None
            else ENPS.empty(fixed)
        )
    except PrivacyError:
        if not sel.changed:
            raise
        raise PrivacyError(
            f"This filter can't be shown grouped by {' × '.join(by)}: its results would "
            "differ from results already shown by fewer than "
            f"{policy.min_group} people, whose answers could then be worked out. Widen the "
            "filter, remove it, or choose another grouping."
        ) from None
    if fixed != by:
        groups = _in_view_order(groups, sel.scored, by, "construct", GROUPS.columns(by))
        items = _in_view_order(items, sel.scored, by, "item", ITEMS.columns(by))
        enps_groups = _in_view_order(enps_groups, sel.scored, by, None, ENPS.columns(by))
    return groups, items, enps_groups


def _in_view_order(
    table: pd.DataFrame, scored: Scored, by: list[str], block: str | None, columns: list[str]
) -> pd.DataFrame:
    """A crossed table computed in the fixed column order, as the view's order lays it out:
    its grouping and group labels, its columns, and its rows (per construct or item, the
    groups sorted by the view's columns, each by its values' sorted order)."""
    out = table.copy()
    out["grouping"] = " × ".join(by)
    out["group"] = out[by].astype(str).agg(" × ".join, axis=1) if len(out) else out["group"]
    keys = []
    if block is not None:
        keys.append(pd.Series(pd.factorize(out[block])[0], index=out.index))  # first seen first
    for col in by:
        uniques = column_codes(scored, col)[1]
        keys.append(out[col].map({v: i for i, v in enumerate(uniques)}))
    if len(out):
        order = np.lexsort([k.to_numpy() for k in reversed(keys)])
        out = out.iloc[order]
    return out[columns].reset_index(drop=True)


def org_tables(
    prep: Prepared, req: ViewRequest, sel: Selection
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Organisation-level tables: they depend on the filter and policy, never the grouping.
    The ledger's sets matter only for a filtered organisation: unfiltered it is everyone,
    which each grouping's own table already protects against."""
    if not prep.has_scores:
        return ORG.empty(), ITEMS.empty(), ENPS.empty(), LIKERT.empty()
    policy = req.policy
    scored, changed = sel.scored, sel.changed
    references = sel.references if req.filters else None

    def make() -> tuple[pd.DataFrame, ...]:
        ledger = {"references": references, "population": prep.scored}
        items = scoring.item_scores(scored, None, policy, changed=changed, **ledger)
        likert = _likert(prep, scored, policy, changed)
        # an item's answer counts are its item row: hidden with it (e.g. a few skipped items)
        shown = set(items.loc[~items["suppressed"].astype(bool), "item"])
        return (
            scoring.org_scores(scored, policy, changed=changed, **ledger),
            items,
            scoring.enps(scored, None, policy, changed=changed, **ledger)
            if scored.enps is not None
            else ENPS.empty(),
            likert[likert["item"].isin(shown)].reset_index(drop=True),
        )

    key = (req.filter_key, policy, sel.changed_key)
    tables = prep.views.get("org", key, make)
    return tuple(t.copy() for t in tables)  # callers may change what they are given


def construct_frame(scored: Scored) -> pd.DataFrame:
    """The constructs as hot spots read them (one row each, ``id`` first)."""
    meta = scored.construct_meta.reset_index()
    return meta.rename(columns={"construct": "id"}) if "id" not in meta.columns else meta


def _likert(
    prep: Prepared, scored: Scored, policy: PrivacyPolicy, changed: Sequence[Difference] = ()
) -> pd.DataFrame:
    """Answer distribution of every item across the (filtered) organisation, for the Likert
    chart; answers like "Don't know" are counted apart. Org-level only, and only when the
    organisation itself meets the minimum group size; an item whose answers differ from an
    earlier view's (``changed``) by 1..min_group−1 people is left out."""
    cols = LIKERT.columns()
    if len(scored.groups) < policy.min_group:
        return LIKERT.empty()
    rows = []
    responses: pd.DataFrame | None = None
    earlier = [d.answer_counts() for d in changed]
    for item, meta in scored.item_meta.iterrows():
        scale = prep.colmap.scale_for(str(item))
        # Labels in the respondent's terms (before reverse-coding) keep the chart honest.
        ans = scored.answers.get(item)
        if ans is None:  # a Scored made without its answers: encode the text again
            if responses is None:
                responses = prep.export.responses.loc[scored.groups.index]
            enc = scale.encode(responses[str(item)])
            ans = scoring.Answers(
                enc.values.to_numpy(dtype=float),
                enc.invalid.to_numpy(dtype=bool),
                responses[str(item)].notna().to_numpy(dtype=bool),
            )
        vals = ans.values
        answered = int(np.count_nonzero(~np.isnan(vals)))
        explicit_missing = int(ans.given.sum()) - answered - int(ans.invalid.sum())
        total = answered + max(explicit_missing, 0)
        if total == 0 or any(
            0 < _likert_total(*counts.get(item, (0, 0, 0))) < policy.min_group for counts in earlier
        ):
            continue
        counts = scale_point_counts(vals, scale.values)
        for order, (label, c) in enumerate(zip(scale.labels, counts, strict=True)):
            rows.append(
                [
                    item,
                    meta.get("question", ""),
                    meta["construct"],
                    label,
                    order,
                    c,
                    c / total,
                    total,
                    False,
                ]
            )
        if explicit_missing > 0:
            rows.append(
                [
                    item,
                    meta.get("question", ""),
                    meta["construct"],
                    "N/A",
                    len(scale.labels),
                    explicit_missing,
                    explicit_missing / total,
                    total,
                    True,
                ]
            )
    return pd.DataFrame(rows, columns=cols)


def scale_point_counts(values: np.ndarray, points: Sequence[float]) -> list[int]:
    """How many ``values`` equal each scale point (``count_nonzero(values == p)`` per point).

    The answer blocks are float16 whenever that holds every answer exactly (whole numbers,
    :func:`~analysis.scoring.model.exact_half`): then every value's 16 bits are counted once
    (one ``bincount``) and each point reads its bin (both zeros' bins for 0), instead of one
    comparison pass per point. A point float16 cannot hold, or NaN, equals no such value.
    Other blocks are compared point by point."""
    vals = np.asarray(values)
    pts = [float(p) for p in points]
    if vals.dtype != np.float16:
        return [int(np.count_nonzero(vals == p)) for p in pts]
    bins = np.bincount(vals.reshape(-1).view(np.uint16), minlength=1 << 16)
    out = []
    with np.errstate(over="ignore"):
        for p in pts:
            half = np.float16(p)
            if float(half) != p:  # NaN, or a number float16 does not hold
                out.append(0)
            elif p == 0:
                out.append(int(bins[0x0000] + bins[0x8000]))  # 0.0 and -0.0
            else:
                out.append(int(bins[int(half.view(np.uint16))]))
    return out


def _likert_total(answered: int, given: int, invalid: int) -> int:
    """The people an item's answer distribution rests on (answers and explicit "N/A"), from
    the counts of :meth:`~analysis.scoring.Difference.answer_counts`."""
    return answered + max(given - answered - invalid, 0)
