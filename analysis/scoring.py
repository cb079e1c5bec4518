"""Construct scores, % favourable, group comparisons, eNPS and response rates.

The per-respondent :class:`Scored` object is private: it is never shown. Every public function
that returns numbers about groups sends its table through :func:`analysis.privacy.protect_groups`
before returning it; the unprotected aggregations are private helpers (leading underscore).

Conventions
-----------
* Reverse-keyed items are recoded ``x' = min + max − x`` on their own scale.
* Item values are put on 0–100 (0 = the scale's lowest value, 100 = its highest), so items on
  different scales can share a construct. A respondent's construct score is the mean of their
  answered items on 0–100; it is NaN when they answered fewer than ``min_item_share`` of the
  construct's items.
* % favourable / neutral / unfavourable count item responses (the Glint/Qualtrics convention):
  the share of all answered item responses in the construct that fall in the top box
  (``>= favorable_min``), bottom box (``<= unfavorable_max``) or between, after reverse coding
  (box limits of a reverse-keyed item are mirrored with it). Only respondents who have a
  construct score count, so every number in a row rests on the same ``n`` people.
  "Favourable" means the top of the scored direction: for a ``higher_worse`` construct such as
  fear of displacement a high % favourable means *more* fear; read it with ``direction``.
* Group comparisons are against the rest of the organisation (everyone not in the group).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from analysis import stats
from analysis.privacy import PrivacyPolicy, protect_groups
from analysis.tables import GROUPS
from analysis.thresholds import THRESHOLDS

__all__ = [
    "NO_ANSWER",
    "Answers",
    "Scored",
    "enps",
    "group_scores",
    "item_scores",
    "org_scores",
    "prepare",
    "response_rate",
    "score_responses",
    "subset",
]

NO_ANSWER = "(no answer)"
CROSS = " × "
NEST = " › "
_META_KEEP = ("label", "direction", "concept", "question", "headcount")


@dataclass(frozen=True)
class Answers:
    """One item's answers before reverse coding, kept so that answer distributions never
    re-read the text: ``values`` on the scale (NaN for no answer and for invalid answers),
    ``invalid`` (answer outside the scale), ``given`` (the cell was not empty)."""

    values: np.ndarray
    invalid: np.ndarray
    given: np.ndarray

    def take(self, mask: np.ndarray) -> Answers:
        return Answers(self.values[mask], self.invalid[mask], self.given[mask])


@dataclass
class Scored:
    """Per-respondent scores; private data, never shown directly.

    ``groups`` holds the grouping columns as text (missing = ``"(no answer)"``); ``items`` the
    reverse-coded item values on their own scale; ``constructs`` respondent × construct scores
    on 0–100; ``item_meta`` (index item: construct, question, scale_min, scale_max,
    favorable_min, unfavorable_max, reverse — limits in reverse-coded terms); ``construct_meta``
    (index construct: label, direction, concept, n_items); ``favorable``/``neutral``/
    ``unfavorable``: per respondent × construct, the number of their item responses in each box
    (0 where the construct score is NaN); ``enps``: the raw 0–10 answer or None; ``answers``:
    per item, the answers as given (before reverse coding), for answer distributions.
    """

    groups: pd.DataFrame
    items: pd.DataFrame
    constructs: pd.DataFrame
    item_meta: pd.DataFrame
    construct_meta: pd.DataFrame
    favorable: pd.DataFrame
    neutral: pd.DataFrame
    unfavorable: pd.DataFrame
    enps: pd.Series | None = None
    min_item_share: float = 0.5
    warnings: list[str] = field(default_factory=list)
    answers: dict[str, Answers] = field(default_factory=dict, repr=False, compare=False)
    _cache: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def n_respondents(self) -> int:
        return len(self.groups)


# --------------------------------------------------------------------------------------------
# per respondent


def _text_groups(groups: pd.DataFrame | None, index: pd.Index) -> pd.DataFrame:
    if groups is None:
        return pd.DataFrame(index=index)
    out = {}
    for col in groups.columns:
        # Each distinct answer is cleaned once (a team name repeats thousands of times).
        codes, uniques = pd.factorize(groups[col].astype(object), use_na_sentinel=True)
        clean = [_group_text(v) for v in uniques]
        txt = np.array([*clean, NO_ANSWER], dtype=object)[codes]  # code -1: missing
        out[str(col)] = pd.Series(txt, index=groups.index).astype(str)
    return pd.DataFrame(out, index=groups.index)


def _group_text(v: Any) -> str:
    return NO_ANSWER if pd.isna(v) or str(v).strip() == "" else str(v).strip()


def score_responses(
    values: pd.DataFrame,
    item_meta: pd.DataFrame,
    *,
    groups: pd.DataFrame | None = None,
    construct_meta: pd.DataFrame | None = None,
    enps: pd.Series | None = None,
    min_item_share: float = 0.5,
) -> Scored:
    """Score respondents from plain numbers.

    Parameters
    ----------
    values
        Respondent × item, numbers on each item's own scale (NaN = no answer), not yet
        reverse-coded.
    item_meta
        Indexed by item (the ``values`` columns): ``construct``, ``scale_min``, ``scale_max``,
        ``favorable_min``, ``unfavorable_max`` (on the item's own scale), ``reverse`` (bool),
        optional ``question``.
    construct_meta
        Indexed by construct: ``label``, ``direction`` (``higher_better``|``higher_worse``),
        ``concept``. Missing constructs get their id as label and ``higher_better``.
    min_item_share
        A respondent needs at least this share of a construct's items answered to be scored.
    """
    if not 0 < min_item_share <= 1:
        raise ValueError("The minimum share of answered items must be above 0 and at most 1.")
    meta = item_meta.copy()
    missing = [c for c in values.columns if c not in meta.index]
    if missing:
        raise ValueError(f"No scale information for item(s) {missing}.")
    meta = meta.loc[list(values.columns)]
    lo = meta["scale_min"].to_numpy(float)
    hi = meta["scale_max"].to_numpy(float)
    if (hi <= lo).any():
        bad = list(meta.index[hi <= lo])
        raise ValueError(f"Item(s) {bad} have a scale whose maximum is not above its minimum.")
    reverse = meta["reverse"].fillna(False).astype(bool).to_numpy()
    x = values.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float, copy=True)
    with np.errstate(invalid="ignore"):
        out_of_range = ~np.isnan(x) & ((x < lo) | (x > hi))
    if out_of_range.any():
        cols = [str(c) for c in values.columns[out_of_range.any(axis=0)]]
        raise ValueError(
            f"Item(s) {cols} have answers outside their scale; encode them with the scale first."
        )
    x = np.where(reverse, lo + hi - x, x)
    fav = meta["favorable_min"].to_numpy(float)
    unf = meta["unfavorable_max"].to_numpy(float)
    fav_r = np.where(reverse, lo + hi - unf, fav)
    unf_r = np.where(reverse, lo + hi - fav, unf)
    x100 = (x - lo) / (hi - lo) * 100.0
    answered = ~np.isnan(x)
    is_fav = answered & (x >= fav_r)
    is_unf = answered & (x <= unf_r) & ~is_fav
    is_neu = answered & ~is_fav & ~is_unf

    construct_of = meta["construct"].astype(str).to_numpy()
    constructs = list(dict.fromkeys(construct_of))
    idx = values.index
    score = np.full((len(idx), len(constructs)), np.nan)
    counts = {k: np.zeros((len(idx), len(constructs)), dtype=np.int64) for k in ("f", "n", "u")}
    n_items = []
    for j, c in enumerate(constructs):
        cols = np.flatnonzero(construct_of == c)
        k = cols.size
        n_items.append(k)
        got = answered[:, cols].sum(axis=1)
        ok = (got > 0) & (got / k >= min_item_share - 1e-12)
        with np.errstate(invalid="ignore"):
            mean = np.nansum(x100[:, cols], axis=1) / np.where(got > 0, got, 1)
        score[:, j] = np.where(ok, mean, np.nan)
        for key, arr in (("f", is_fav), ("n", is_neu), ("u", is_unf)):
            counts[key][:, j] = np.where(ok, arr[:, cols].sum(axis=1), 0)

    cmeta = pd.DataFrame(index=pd.Index(constructs, name="construct"))
    given = (construct_meta if construct_meta is not None else pd.DataFrame()).reindex(
        pd.Index(constructs)
    )

    def given_col(name: str) -> list[Any]:
        if name not in given.columns:
            return [None] * len(constructs)
        return [None if pd.isna(v) else v for v in given[name].astype(object)]

    cmeta["label"] = [
        str(v) if v is not None else c for c, v in zip(constructs, given_col("label"), strict=True)
    ]
    cmeta["direction"] = [
        str(v) if v is not None else "higher_better" for v in given_col("direction")
    ]
    bad_dir = set(cmeta["direction"]) - {"higher_better", "higher_worse"}
    if bad_dir:
        raise ValueError(f"Unknown construct direction(s) {sorted(bad_dir)}.")
    cmeta["concept"] = pd.Series(given_col("concept"), index=cmeta.index, dtype=object)
    cmeta["n_items"] = n_items

    imeta = pd.DataFrame(
        {
            "construct": construct_of,
            "question": (
                meta["question"].astype(object).where(meta["question"].notna(), "")
                if "question" in meta
                else ""
            ),
            "scale_min": lo,
            "scale_max": hi,
            "favorable_min": fav_r,
            "unfavorable_max": unf_r,
            "reverse": reverse,
        },
        index=pd.Index(values.columns, name="item"),
    )
    cols_idx = pd.Index(constructs, name="construct")
    enps_series = None
    if enps is not None:
        enps_series = pd.to_numeric(enps, errors="coerce").astype(float)
        bad = enps_series.notna() & ~enps_series.isin(np.arange(11, dtype=float))
        if bad.any():
            raise ValueError("eNPS answers must be whole numbers from 0 to 10.")
        enps_series.index = idx
    return Scored(
        groups=_text_groups(groups, idx) if groups is not None else pd.DataFrame(index=idx),
        items=pd.DataFrame(x, index=idx, columns=values.columns),
        constructs=pd.DataFrame(score, index=idx, columns=cols_idx),
        item_meta=imeta,
        construct_meta=cmeta,
        favorable=pd.DataFrame(counts["f"], index=idx, columns=cols_idx),
        neutral=pd.DataFrame(counts["n"], index=idx, columns=cols_idx),
        unfavorable=pd.DataFrame(counts["u"], index=idx, columns=cols_idx),
        enps=enps_series,
        min_item_share=min_item_share,
    )


def prepare(export: Any, colmap: Any, survey: Any = None) -> Scored:
    """Score an ingested export with a column map (and the survey for construct metadata).

    Items come from the column map (role ``item``); answers are encoded with each column's
    scale, answers outside the scale are left out and reported in ``Scored.warnings``. A column
    whose construct is ``enps`` (or whose scale is of kind ``nps`` with no construct) is the
    eNPS question. Team, role and demographic columns become the grouping columns.
    """
    responses: pd.DataFrame = export.responses
    specs = list(colmap.columns)
    warnings: list[str] = []
    values: dict[str, pd.Series] = {}
    answers: dict[str, Answers] = {}
    rows: list[dict[str, Any]] = []
    enps_values: pd.Series | None = None
    survey_items = {i.id: i for i in getattr(survey, "items", ())} if survey else {}
    unscaled: list[str] = []
    single: list[str] = []
    for spec in specs:
        if spec.role != "item":
            continue
        if spec.scale is None:
            # Answer codes with no known order (e.g. LimeSurvey's A1..A5) can't be scored
            # honestly; the column map already says why and how to give them a scale.
            unscaled.append(spec.name)
            continue
        scale = colmap.scale_for(spec.name)
        encoded = scale.encode(responses[spec.name])
        if encoded.n_invalid:
            example = ", ".join(f"'{a}'" for a in encoded.invalid_answers[:3])
            warnings.append(
                f"{encoded.n_invalid} answer(s) in '{spec.name}' are not on its "
                f"{scale.name} scale (e.g. {example}) and were left out."
            )
        construct = spec.construct
        if construct == "enps" or (not construct and scale.kind == "nps"):
            if enps_values is None:
                enps_values = encoded.values
            else:
                warnings.append(f"'{spec.name}' is a second eNPS question and was not used.")
            continue
        if not construct:
            # An item the survey doesn't know is still a question people answered: score it
            # as its own one-item measure, as survey platforms do, until a mapping groups it.
            construct = spec.name
            single.append(spec.name)
        values[spec.name] = encoded.values
        answers[spec.name] = Answers(
            encoded.values.to_numpy(dtype=float),
            encoded.invalid.to_numpy(dtype=bool),
            responses[spec.name].notna().to_numpy(dtype=bool),
        )
        question = spec.question or getattr(survey_items.get(spec.name), "text", "")
        rows.append(
            {
                "item": spec.name,
                "construct": construct,
                "question": question,
                "scale_min": scale.min,
                "scale_max": scale.max,
                "favorable_min": scale.favorable_min,
                "unfavorable_max": scale.unfavorable_max,
                "reverse": bool(spec.reverse),
            }
        )
    if unscaled:
        warnings.append(
            f"{len(unscaled)} rated column(s) have no known answer scale and were not scored "
            f"({_names(unscaled)}); give them a scale in the mapping to include them."
        )
    if single:
        warnings.append(
            f"{len(single)} item(s) are not part of a construct and are scored on their own "
            f"({_names(single)}); group them into constructs with a mapping."
        )
    if not rows:
        raise ValueError(
            "No rated survey items with a known answer scale were found to score. Map at least "
            "one column as an item with a scale (see the mapping YAML format in the README)."
        )
    item_meta = pd.DataFrame(rows).set_index("item")
    cmeta_rows = []
    for c in dict.fromkeys(item_meta["construct"]):
        known = None
        if survey is not None:
            known = next((k for k in survey.constructs if k.id == c), None)
        cmeta_rows.append(
            {
                "construct": c,
                "label": known.label if known else _construct_label(str(c)),
                "direction": known.direction if known else "higher_better",
                "concept": known.concept if known else None,
            }
        )
    group_cols = [s.name for s in specs if s.role in ("team", "role", "demographic")]
    scored = score_responses(
        pd.DataFrame(values, index=responses.index),
        item_meta,
        groups=responses[group_cols] if group_cols else None,
        construct_meta=pd.DataFrame(cmeta_rows).set_index("construct"),
        enps=enps_values,
        min_item_share=getattr(survey, "min_item_share", 0.5) if survey is not None else 0.5,
    )
    scored.warnings.extend(warnings)
    _keep_answers(scored, answers)
    return scored


def _keep_answers(scored: Scored, answers: dict[str, Answers]) -> None:
    """Store the answers as three respondent × item blocks (so a filter slices three arrays,
    not three per item) and hand out per-item column views of them."""
    items = list(answers)
    if not items:
        return
    blocks = tuple(
        np.asfortranarray(np.column_stack([getattr(answers[i], f) for i in items]))
        for f in ("values", "invalid", "given")
    )
    scored._cache["answers"] = (items, blocks)
    scored.answers = _answer_views(items, blocks)


def _answer_views(items: list[str], blocks: tuple[np.ndarray, ...]) -> dict[str, Answers]:
    v, inv, given = blocks
    return {item: Answers(v[:, j], inv[:, j], given[:, j]) for j, item in enumerate(items)}


def _construct_label(construct: str) -> str:
    """'job_satisfaction' -> 'Job satisfaction'; a question used as its own measure keeps its
    wording."""
    if "_" in construct and " " not in construct:
        return construct.replace("_", " ").capitalize()
    return construct


def _names(columns: list[str], shown: int = 5) -> str:
    head = ", ".join(f"'{c}'" for c in columns[:shown])
    return head + (f" and {len(columns) - shown} more" if len(columns) > shown else "")


# --------------------------------------------------------------------------------------------
# aggregation helpers (private: their output is unprotected)


def _construct_stack(scored: Scored) -> np.ndarray:
    """Respondent × (6·constructs): valid, sum, sum of squares, fav, neutral, unfav counts."""
    if "constructs" not in scored._cache:
        s = scored.constructs.to_numpy(float)
        valid = ~np.isnan(s)
        s0 = np.where(valid, s, 0.0)
        scored._cache["constructs"] = _columns_first(
            [
                valid.astype(float),
                s0,
                s0**2,
                scored.favorable.to_numpy(float),
                scored.neutral.to_numpy(float),
                scored.unfavorable.to_numpy(float),
            ]
        )
    return scored._cache["constructs"]


def _total(scored: Scored, key: str, stack: np.ndarray) -> np.ndarray:
    """Organisation totals of a (column-major) stack, cached: numpy's column sums of it, the
    same operation on the same layout as before the caches, so the figures keep their bits."""
    name = f"{key}_total"
    if name not in scored._cache:
        scored._cache[name] = np.asfortranarray(stack).sum(axis=0)
    return scored._cache[name]


def _columns_first(blocks: list[np.ndarray]) -> np.ndarray:
    """The blocks side by side, column-major, so that per-column sums over respondents read
    contiguous memory (written in place: no row-major copy first)."""
    n = blocks[0].shape[0]
    out = np.empty((n, sum(b.shape[1] for b in blocks)), order="F")
    j = 0
    for b in blocks:
        out[:, j : j + b.shape[1]] = b
        j += b.shape[1]
    return out


def _item_stack(scored: Scored) -> np.ndarray:
    """Respondent × (7·items): valid, sum, sum of squares, sum on 0–100, fav, neutral, unfav."""
    if "items" not in scored._cache:
        x = scored.items.to_numpy(float)
        meta = scored.item_meta
        valid = ~np.isnan(x)
        x0 = np.where(valid, x, 0.0)
        lo, hi = meta["scale_min"].to_numpy(float), meta["scale_max"].to_numpy(float)
        fav = valid & (x0 >= meta["favorable_min"].to_numpy(float))
        unf = valid & (x0 <= meta["unfavorable_max"].to_numpy(float)) & ~fav
        scored._cache["items"] = _columns_first(
            [
                valid.astype(float),
                x0,
                x0**2,
                np.where(valid, (x0 - lo) / (hi - lo) * 100, 0.0),
                fav.astype(float),
                (valid & ~fav & ~unf).astype(float),
                unf.astype(float),
            ]
        )
    return scored._cache["items"]


def _check_by(scored: Scored, by: Sequence[str] | str | None) -> list[str]:
    cols = [by] if isinstance(by, str) else list(by or [])
    unknown = [c for c in cols if c not in scored.groups.columns]
    if unknown:
        have = ", ".join(scored.groups.columns) or "none"
        raise ValueError(
            f"Can't group by {', '.join(map(repr, unknown))}: it is not a team, role or "
            f"demographic column (available: {have})."
        )
    if len(set(cols)) != len(cols):
        raise ValueError("Each grouping column can be used only once.")
    return cols


def _levels(by: list[str], nested: bool) -> list[list[str]]:
    if not by:
        return [[]]
    return [by[: j + 1] for j in range(len(by))] if nested else [by]


def _column_codes(scored: Scored, col: str) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values of one grouping column and each respondent's code (cached)."""
    key = ("column", col)
    if key not in scored._cache:
        codes, uniques = pd.factorize(scored.groups[col], sort=True)
        scored._cache[key] = (codes.astype(np.intp), np.asarray(uniques, dtype=object))
    return scored._cache[key]


def _level_codes(scored: Scored, level: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Group codes of a (crossed) level, numbered like ``groupby(level, sort=True).ngroup()``
    with only observed groups, and the keys table (one object column per level column)."""
    key = ("level", tuple(level))
    if key not in scored._cache:
        combined = np.zeros(len(scored.groups), dtype=np.int64)
        parts = [_column_codes(scored, col) for col in level]
        for codes, uniques in parts:
            combined = combined * max(len(uniques), 1) + codes
        observed, inverse = np.unique(combined, return_inverse=True)
        values = {}
        for col, (_, uniques) in reversed(list(zip(level, parts, strict=True))):
            width = max(len(uniques), 1)
            values[col] = uniques[observed % width] if len(uniques) else uniques
            observed = observed // width
        keys = pd.DataFrame({col: values[col] for col in level}, dtype=object)
        keys.columns = pd.Index(level, dtype=object)  # as groupby's reset_index names them
        scored._cache[key] = (inverse.astype(np.intp).ravel(), keys)
    codes, keys = scored._cache[key]
    return codes, keys.copy()


def _sum_by(codes: np.ndarray, stack: np.ndarray, g: int) -> np.ndarray:
    """Row sums of ``stack`` per group code, each a running sum in respondent order (the
    order the former sparse one-hot product added in, so the sums are the same bits)."""
    out = np.empty((g, stack.shape[1]))
    for j in range(stack.shape[1]):
        out[:, j] = np.bincount(codes, weights=stack[:, j], minlength=g)
    return out


def _group_sums(
    scored: Scored, by: list[str], stack: np.ndarray, nested: bool
) -> tuple[pd.DataFrame, np.ndarray]:
    """Keys (grouping, group, by-columns) and summed stack rows per group, for all levels."""
    keys_parts, sums_parts = [], []
    for level in _levels(by, nested):
        if level:
            codes, keys = _level_codes(scored, level)
        else:
            codes = np.zeros(len(stack), dtype=np.intp)
            keys = pd.DataFrame(index=[0])
        g = int(codes.max()) + 1 if len(codes) else 0
        sums_parts.append(_sum_by(codes, stack, g))
        sep = NEST if nested else CROSS
        keys["grouping"] = sep.join(level) if level else "all"
        keys["group"] = (
            keys[level].astype(str).agg(sep.join, axis=1) if level else "All respondents"
        )
        for col in by:
            if col not in keys:
                keys[col] = pd.Series([pd.NA] * len(keys), dtype=object)
        keys_parts.append(keys[["grouping", "group", *by]])
    keys_all = pd.concat(keys_parts, ignore_index=True)
    return keys_all, np.vstack(sums_parts) if sums_parts else np.zeros((0, stack.shape[1]))


def _exposure(
    keys: pd.DataFrame,
    changed: Sequence[Scored],
    by: list[str],
    nested: bool,
    stack_of: Any,
    width: int,
) -> tuple[np.ndarray, pd.DataFrame, np.ndarray]:
    """Per group of ``keys`` and per block (the first ``width`` stack columns: who has a
    value), how many of each earlier view's changed people it holds: (groups × width × views).

    Also the groups this view does not have but the changed people do (absent: a filter left
    all of them out), with their counts: their people still count in every margin total."""
    out = np.zeros((len(keys), width, len(changed)))
    absent: dict[tuple[str, str], tuple[dict[str, Any], np.ndarray]] = {}
    if not changed:
        return out, keys.iloc[0:0], np.zeros((0, width, 0))
    where = pd.MultiIndex.from_frame(keys[["grouping", "group"]].astype(str))
    for v, diff in enumerate(changed):
        if not len(diff.groups):
            continue
        dkeys, dsums = _group_sums(diff, by, stack_of(diff)[:, :width], nested)
        dwhere = pd.MultiIndex.from_frame(dkeys[["grouping", "group"]].astype(str))
        pos = dwhere.get_indexer(where)
        hit = pos >= 0
        out[hit, :, v] = dsums[pos[hit]]
        for i in np.flatnonzero(~dwhere.isin(where)):
            counts = absent.setdefault(
                dwhere[i], (dkeys.iloc[i].to_dict(), np.zeros((width, len(changed))))
            )[1]
            counts[:, v] = dsums[i]
    extra = pd.DataFrame([rec for rec, _ in absent.values()], columns=keys.columns)
    extra_counts = (
        np.stack([c for _, c in absent.values()]) if absent else np.zeros((0, width, len(changed)))
    )
    return out, extra, extra_counts


def _with_absent(
    table: pd.DataFrame,
    exposure: np.ndarray,
    extra: pd.DataFrame,
    extra_counts: np.ndarray,
    blocks: dict[str, np.ndarray],
) -> tuple[pd.DataFrame, np.ndarray]:
    """The table with one empty row (n = 0) per absent group and block appended, block-major
    like the table, so the privacy check sees every margin's full count of changed people.
    The caller drops them again after protection (they are hidden: no responses)."""
    if not len(extra):
        return table, exposure
    k = extra_counts.shape[1]
    parts = []
    for j in range(k):
        part = extra.copy()
        for col, values in blocks.items():
            part[col] = values[j]
        part["n"] = 0.0
        parts.append(part)
    more = pd.concat(parts, ignore_index=True)
    rows = extra_counts.transpose(1, 0, 2).reshape(len(more), -1)
    return pd.concat([table, more], ignore_index=True), np.vstack([exposure, rows])


def _ledger_counts(
    scored: Scored,
    by: list[str],
    nested: bool,
    stack_of: Any,
    width: int,
    references: np.ndarray | None,
    population: Scored | None,
) -> tuple[np.ndarray, np.ndarray]:
    """For J sets of people shown elsewhere (``references``: J × ``population`` respondents),
    per group of this view and per block (the first ``width`` stack columns: who has a value),
    how many of the group's people with a value are in each set: (groups × width × J); and
    each set's own count of people with a value, per block: (width × J)."""
    pop = population if population is not None else scored
    refs = np.zeros((0, len(pop.groups)), dtype=bool) if references is None else references
    refs = np.asarray(refs, dtype=bool)
    refs = refs[None, :] if refs.ndim == 1 else refs
    keys, _ = _group_sums(scored, by, np.zeros((len(scored.groups), 0)), nested)
    if not len(refs):
        return np.zeros((len(keys), width, 0)), np.zeros((width, 0))
    sizes = (refs.astype(float) @ stack_of(pop)[:, :width]).T
    pos = pop.groups.index.get_indexer(scored.groups.index)
    inside = refs[:, pos].T.astype(float)  # this view's respondents × J
    has = stack_of(scored)[:, :width]
    out = np.zeros((len(keys), width, len(refs)))
    for b in range(width):
        _, out[:, b, :] = _group_sums(scored, by, inside * has[:, b : b + 1], nested)
    return out, sizes


def _skipped(scored: Scored) -> np.ndarray:
    """Respondent × construct: answered some but not all of the construct's items."""
    valid = ~np.isnan(scored.items.to_numpy(float))
    meta = scored.item_meta
    out = np.zeros((len(valid), scored.constructs.shape[1]))
    for j, construct in enumerate(scored.constructs.columns):
        cols = np.flatnonzero((meta["construct"] == construct).to_numpy())
        answered = valid[:, cols].sum(axis=1)
        out[:, j] = (answered > 0) & (answered < len(cols))
    return out


def _pad(values: np.ndarray, rows: int) -> np.ndarray:
    """Rows appended by :func:`_with_absent` (no responses) hold no one: zero counts."""
    values = values.reshape(values.shape[0], -1)
    return np.vstack([values, np.zeros((rows - len(values), values.shape[1]))])


def subset(scored: Scored, mask: np.ndarray) -> Scored:
    """The respondents where ``mask`` is True, keeping the per-respondent caches (sliced), so
    a filtered view does no per-respondent work again."""
    rows = np.flatnonzero(mask)
    out = replace(
        scored,
        groups=scored.groups.iloc[rows],
        items=scored.items.iloc[rows],
        constructs=scored.constructs.iloc[rows],
        favorable=scored.favorable.iloc[rows],
        neutral=scored.neutral.iloc[rows],
        unfavorable=scored.unfavorable.iloc[rows],
        enps=scored.enps.iloc[rows] if scored.enps is not None else None,
        warnings=list(scored.warnings),
        answers={},
    )
    if "answers" in scored._cache:
        items, blocks = scored._cache["answers"]
        taken = tuple(b[mask] for b in blocks)
        out._cache["answers"] = (items, taken)
        out.answers = _answer_views(items, taken)
    else:
        out.answers = {k: a.take(mask) for k, a in scored.answers.items()}
    for key in ("constructs", "items"):
        if key in scored._cache:
            out._cache[key] = np.asfortranarray(scored._cache[key][mask])
    for key, value in scored._cache.items():
        if isinstance(key, tuple) and key[0] == "column":
            # Codes stay valid (sorted distinct values of the full set); unobserved ones are
            # dropped when a level is numbered.
            out._cache[key] = (value[0][mask], value[1])
    return out


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
    lo, hi = stats.mean_ci(mean, sd, n)
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


def _finish(
    table: pd.DataFrame,
    policy: PrivacyPolicy,
    by: list[str],
    nested: bool,
    block: list[str],
    exposure: np.ndarray | None = None,
    **ledger: Any,
) -> pd.DataFrame:
    out = protect_groups(
        table,
        "n",
        policy,
        by=by,
        block=block,
        nested=nested,
        keep=_META_KEEP,
        exposure=exposure,
        **ledger,
    )
    for col, src in (("p_adj", "p"), ("p_fav_adj", "p_fav")):
        if src in out:
            out[col] = stats.holm(out[src].to_numpy(float))
    return out


# --------------------------------------------------------------------------------------------
# public, protected outputs


def org_scores(
    scored: Scored,
    policy: PrivacyPolicy | None = None,
    *,
    changed: Sequence[Scored] = (),
    references: np.ndarray | None = None,
    population: Scored | None = None,
) -> pd.DataFrame:
    """Whole-organisation score per construct, with 95% CI, boxes and Cronbach's alpha.

    Alpha uses the reverse-coded items on 0–100 with listwise deletion (equal to raw-score alpha
    when a construct's items share a scale); NaN for single-item constructs. ``alpha_warning``
    explains a value below 0.6. The row goes through the same privacy check as group rows;
    ``changed`` (one :class:`Scored` per earlier view a reader can compare this one with: the
    people in one view and not the other, e.g. ``subset(everyone, F ^ S)``) makes every row's
    count of those people, per construct, meet the minimum like ``n`` does
    (:func:`analysis.privacy.protect_groups`, ``exposure``). ``references`` (J × respondents
    of ``population``, by default ``scored``) are the sets of people shown in other tables
    (:class:`analysis.privacy.Ledger`); a filtered organisation row near one is hidden.
    """
    policy = policy or PrivacyPolicy()
    stack = _construct_stack(scored)
    c = scored.constructs.shape[1]
    tot = _total(scored, "constructs", stack)
    n, s, ss, f, nu, u = (tot[i * c : (i + 1) * c] for i in range(6))
    mean, var = stats.moments(n, s, ss)
    lo, hi = stats.mean_ci(mean, np.sqrt(var), n)
    fav, neu, unf = stats.box_shares(f, nu, u)
    meta = scored.item_meta
    items100 = (scored.items - meta["scale_min"]) / (meta["scale_max"] - meta["scale_min"]) * 100
    alphas, warns = [], []
    for construct in scored.constructs.columns:
        cols = meta.index[meta["construct"] == construct]
        a = stats.cronbach_alpha(items100[cols]) if len(cols) > 1 else float("nan")
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
    exposure = _exposure(_org_keys(), changed, [], False, _construct_stack, c)[0][0]
    overlap, ref_sizes = _ledger_counts(
        scored, [], False, _construct_stack, c, references, population
    )
    return protect_groups(
        table,
        "n",
        policy,
        by=[],
        block=["construct"],
        keep=_META_KEEP,
        exposure=exposure,
        overlap=overlap[0],
        reference_sizes=ref_sizes,
    )


def _org_keys() -> pd.DataFrame:
    return pd.DataFrame({"grouping": ["all"], "group": ["All respondents"]})


def group_scores(
    scored: Scored,
    by: Sequence[str] | str,
    policy: PrivacyPolicy | None = None,
    *,
    nested: bool = False,
    changed: Sequence[Scored] = (),
    references: np.ndarray | None = None,
    population: Scored | None = None,
) -> pd.DataFrame:
    """Construct scores per group, compared with the rest of the organisation, protected.

    Several ``by`` columns make a crossed grouping (team × role cells) or, with
    ``nested=True``, a hierarchy whose every level is reported (division, division › team).

    Returns
    -------
    One row per group × construct: ``grouping``, ``group``, one column per ``by`` column,
    ``construct``, ``n``, ``score``, ``ci_low``, ``ci_high`` (t-based 95%), ``favorable``,
    ``neutral``, ``unfavorable`` (%), ``rest_score``, ``diff_vs_rest``, ``effect_size``
    (Cohen's d, pooled SD), ``p`` (Welch t vs rest), ``p_fav`` (two-proportion z or Fisher vs
    rest), ``p_adj`` and ``p_fav_adj`` (Holm over all visible rows of the table),
    ``suppressed``, ``suppressed_reason``.

    ``changed`` (one :class:`Scored` per earlier view a reader can compare this one with: the
    people in one view and not the other, e.g. ``subset(everyone, F ^ S)``) makes every row's
    count of those people, per construct, meet the minimum like ``n`` does
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
    cols = _check_by(scored, by)
    if not cols:
        raise ValueError("Choose at least one column to group by.")
    stack = _construct_stack(scored)
    keys, sums = _group_sums(scored, cols, stack, nested)
    constructs = list(scored.constructs.columns.astype(str))
    c = len(constructs)
    tot = _total(scored, "constructs", stack)
    parts = []
    for j, construct in enumerate(constructs):
        pick = [j + i * c for i in range(6)]
        n, s, ss, f, nu, u = (sums[:, k] for k in pick)
        on, os_, oss, of, onu, ou = (tot[k] for k in pick)
        fav, neu, unf = stats.box_shares(f, nu, u)
        rest_fav, _, _ = stats.box_shares(of - f, onu - nu, ou - u)
        res = _compare(n, s, ss, fav, rest_fav, (on, os_, oss))
        part = keys.copy()
        part["construct"] = construct
        part["n"] = n
        for name in ("score", "ci_low", "ci_high"):
            part[name] = res[name]
        part["favorable"], part["neutral"], part["unfavorable"] = fav, neu, unf
        for name in ("rest_score", "diff_vs_rest", "effect_size", "p", "p_fav"):
            part[name] = res[name]
        parts.append(part)
    table = pd.concat(parts, ignore_index=True)
    exposure, extra, extra_counts = _exposure(keys, changed, cols, nested, _construct_stack, c)
    # rows are construct-major, like ``parts``
    exposure = exposure.transpose(1, 0, 2).reshape(len(table), len(changed))
    overlap, ref_sizes = _ledger_counts(
        scored, cols, nested, _construct_stack, c, references, population
    )
    size = len(table)
    table, exposure = _with_absent(
        table, exposure, extra, extra_counts, {"construct": np.array(constructs, dtype=object)}
    )
    ledger = {
        "overlap": _pad(overlap.transpose(1, 0, 2).reshape(size, -1), len(table)),
        "reference_sizes": _pad(np.repeat(ref_sizes, len(keys), axis=0), len(table)),
    }
    out = _finish(table, policy, cols, nested, ["construct"], exposure, **ledger).iloc[:size]
    return out[GROUPS.columns(cols)]


def item_scores(
    scored: Scored,
    by: Sequence[str] | str | None = None,
    policy: PrivacyPolicy | None = None,
    *,
    nested: bool = False,
    changed: Sequence[Scored] = (),
    references: np.ndarray | None = None,
    population: Scored | None = None,
) -> pd.DataFrame:
    """Per item (and group): n, mean on the item's own scale (reverse-coded), 0–100 score and
    % favourable / neutral / unfavourable of that item's answers; protected like group tables
    (``changed`` and ``references`` as in :func:`group_scores`, counted per item). ``by=None``
    gives the whole organisation.

    Items and constructs are protected together: a construct score is the mean of the items a
    person answered, so when a few people answered only some of a construct's items, the
    construct's total and its item totals form equations for them. A row whose group has
    1..min−1 such people for its construct is hidden, with complementary suppression, like a
    small group (``skips`` in :func:`analysis.privacy.protect_groups`)."""
    policy = policy or PrivacyPolicy()
    cols = _check_by(scored, by)
    stack = _item_stack(scored)
    keys, sums = _group_sums(scored, cols, stack, nested)
    meta = scored.item_meta
    k, g = len(meta), len(keys)
    if not k:
        raise ValueError("There are no scored items to report.")
    # One row per item × group, item-major: every statistic is elementwise, so the columns are
    # computed at once on the (items × groups) blocks of the sums, flattened.
    n, s, _, s100, f, nu, u = (sums[:, i * k : (i + 1) * k].T.ravel() for i in range(7))
    mean, _ = stats.moments(n, s, np.zeros_like(s))
    score, _ = stats.moments(n, s100, np.zeros_like(s))
    fav, neu, unf = stats.box_shares(f, nu, u)
    table = pd.concat([keys] * k, ignore_index=True)
    for name, values in (("item", meta.index), ("question", meta["question"])):
        table[name] = np.repeat(np.array([str(v) for v in values], dtype=object), g)
    table["construct"] = np.repeat(np.array([str(v) for v in meta["construct"]], dtype=object), g)
    table["n"], table["mean"], table["score"] = n, mean, score
    table["favorable"], table["neutral"], table["unfavorable"] = fav, neu, unf
    exposure, extra, extra_counts = _exposure(keys, changed, cols, nested, _item_stack, k)
    exposure = exposure.transpose(1, 0, 2).reshape(len(table), len(changed))  # item-major
    overlap, ref_sizes = _ledger_counts(
        scored, cols, nested, _item_stack, k, references, population
    )
    _, skipped = _group_sums(scored, cols, _skipped(scored), nested)  # groups × constructs
    construct_of = scored.constructs.columns.get_indexer(meta["construct"])
    size = len(table)
    blocks = {
        "item": np.array([str(v) for v in meta.index], dtype=object),
        "question": np.array([str(v) for v in meta["question"]], dtype=object),
        "construct": np.array([str(v) for v in meta["construct"]], dtype=object),
    }
    table, exposure = _with_absent(table, exposure, extra, extra_counts, blocks)
    ledger = {
        "overlap": _pad(overlap.transpose(1, 0, 2).reshape(size, -1), len(table)),
        "reference_sizes": _pad(np.repeat(ref_sizes, g, axis=0), len(table)),
        "skips": _pad(skipped[:, construct_of].T.reshape(size, 1), len(table)),
    }
    return _finish(table, policy, cols, nested, ["item"], exposure, **ledger).iloc[:size]


def enps(
    scored: Scored,
    by: Sequence[str] | str | None = None,
    policy: PrivacyPolicy | None = None,
    *,
    nested: bool = False,
    changed: Sequence[Scored] = (),
    references: np.ndarray | None = None,
    population: Scored | None = None,
) -> pd.DataFrame:
    """Employee Net Promoter Score: % promoters (9–10) − % detractors (0–6), in points.

    Notes
    -----
    Reichheld, F. (2003). The one number you need to grow. Harvard Business Review 81(12).
    Protected like group tables (``changed`` and ``references`` as in :func:`group_scores`);
    ``by=None`` gives the whole organisation.
    """
    if scored.enps is None:
        raise ValueError(
            "This survey has no 0–10 'would you recommend' question, so eNPS can't be computed."
        )
    policy = policy or PrivacyPolicy()
    cols = _check_by(scored, by)
    v = scored.enps.to_numpy(float)
    valid = ~np.isnan(v)
    stack = np.column_stack([valid, valid & (v >= 9), valid & (v <= 6)]).astype(float)
    keys, sums = _group_sums(scored, cols, stack, nested)
    n, pro, det = sums[:, 0], sums[:, 1], sums[:, 2]
    with np.errstate(invalid="ignore", divide="ignore"):
        share = 100 / np.where(n > 0, n, np.nan)
    table = keys.copy()
    table["n"] = n
    table["promoters"] = pro * share
    table["passives"] = (n - pro - det) * share
    table["detractors"] = det * share
    table["enps"] = (pro - det) * share
    exposure, extra, extra_counts = _exposure(keys, changed, cols, nested, _enps_stack, 1)
    exposure = exposure[:, 0, :]
    overlap, ref_sizes = _ledger_counts(
        scored, cols, nested, _enps_stack, 1, references, population
    )
    size = len(table)
    table, exposure = _with_absent(table, exposure, extra, extra_counts, {})
    ledger = {
        "overlap": _pad(overlap[:, 0, :], len(table)),
        "reference_sizes": _pad(np.repeat(ref_sizes, size, axis=0), len(table)),
    }
    return _finish(table, policy, cols, nested, [], exposure, **ledger).iloc[:size]


def _enps_stack(scored: Scored) -> np.ndarray:
    """Respondent × 1: who answered the 0–10 question."""
    v = np.empty(0) if scored.enps is None else scored.enps.to_numpy(float)
    return (~np.isnan(v)).astype(float)[:, None]


def response_rate(
    groups: Scored | pd.DataFrame,
    headcounts: pd.DataFrame,
    policy: PrivacyPolicy | None = None,
) -> pd.DataFrame:
    """Responses / headcount per group, from a small table of group → headcount.

    ``headcounts`` has one or more grouping columns (named like the survey's grouping columns)
    and a ``headcount`` column. The response count of a group under the minimum is hidden
    like any other group number; the headcount, which the user supplied, stays visible.
    """
    policy = policy or PrivacyPolicy()
    frame = groups.groups if isinstance(groups, Scored) else _text_groups(groups, groups.index)
    if "headcount" not in headcounts.columns:
        raise ValueError("The headcount table needs a column named 'headcount'.")
    by = [c for c in headcounts.columns if c != "headcount"]
    if not by:
        raise ValueError("The headcount table needs a group column next to 'headcount'.")
    unknown = [c for c in by if c not in frame.columns]
    if unknown:
        raise ValueError(
            f"The headcount table's column(s) {unknown} are not grouping columns of the survey."
        )
    hc = headcounts.copy()
    hc["headcount"] = pd.to_numeric(hc["headcount"], errors="coerce")
    if hc["headcount"].isna().any() or (hc["headcount"] < 0).any():
        raise ValueError("Every headcount must be a number of 0 or more.")
    for col in by:
        hc[col] = (
            hc[col]
            .astype(object)
            .map(lambda v: NO_ANSWER if pd.isna(v) or str(v).strip() == "" else str(v).strip())
        )
    if hc.duplicated(by).any():
        raise ValueError("The headcount table lists a group more than once.")
    counts = frame.groupby(by, observed=True).size().rename("responses").reset_index()
    for col in by:
        counts[col] = counts[col].astype(object)
        hc[col] = hc[col].astype(object)
    table = counts.merge(hc, on=by, how="outer")
    table["responses"] = table["responses"].fillna(0).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        table["response_rate"] = (
            table["responses"] / table["headcount"].where(table["headcount"] > 0) * 100
        )
    table.insert(0, "group", table[by].astype(str).agg(CROSS.join, axis=1))
    table.insert(0, "grouping", CROSS.join(by))
    return protect_groups(table, "responses", policy, by=by, block=[], keep=_META_KEEP)
