"""Per-respondent stacks of the quantities summed per group (counts, sums, sums of squares,
box counts), built once per :class:`Scored` and cached on it."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from analysis.scoring.model import Scored


def construct_counts(scored: Scored) -> np.ndarray:
    """Respondent × (4·constructs): who has a score (0/1), then their favourable, neutral and
    unfavourable item counts, in the narrowest exact integer type (:func:`whole_type`; int8
    up to 127 items a construct). The first block is the one the privacy counts read.

    Held apart from :func:`construct_values` because counts need a byte where the scores
    need eight: 0.14 GB instead of 0.29 GB at a million respondents and six constructs."""
    if "construct_counts" not in scored._cache:
        valid = scored.constructs.notna().to_numpy()
        boxes = [b.to_numpy() for b in (scored.favorable, scored.neutral, scored.unfavorable)]
        top = max((int(b.max(initial=0)) for b in boxes), default=0)
        dtype = whole_type(np.array([top], dtype=float))
        scored._cache["construct_counts"] = columns_first([valid, *boxes], dtype=dtype)
    return scored._cache["construct_counts"]


def construct_values(scored: Scored) -> np.ndarray:
    """Respondent × (2·constructs): score and squared score (0 where there is none)."""
    if "construct_values" not in scored._cache:
        s = scored.constructs.to_numpy(float)
        s0 = np.where(np.isnan(s), 0.0, s)
        scored._cache["construct_values"] = columns_first([s0, s0**2])
    return scored._cache["construct_values"]


def construct_columns(counts: np.ndarray, values: np.ndarray, c: int) -> np.ndarray:
    """Sums of :func:`construct_counts` and :func:`construct_values` (rows of groups, or one
    row of totals) side by side as float64, in the order the tables read them: valid, sum,
    sum of squares, favourable, neutral, unfavourable, ``c`` constructs each."""
    return np.concatenate(
        [counts[..., :c].astype(float), values, counts[..., c:].astype(float)], axis=-1
    )


def construct_totals(scored: Scored) -> np.ndarray:
    """Organisation totals of the construct columns (:func:`construct_columns` order)."""
    c = scored.constructs.shape[1]
    counts = total(scored, "construct_counts", construct_counts(scored))
    return construct_columns(counts, total(scored, "construct_values", construct_values(scored)), c)


def total(scored: Scored, key: str, stack: np.ndarray) -> np.ndarray:
    """Organisation totals of a (column-major) stack, cached: numpy's column sums of it, the
    same operation on the same layout as before the caches, so the figures keep their bits."""
    name = f"{key}_total"
    if name not in scored._cache:
        # integer columns add exactly in int64 (numpy's sum widens small integer types)
        scored._cache[name] = np.asfortranarray(stack).sum(axis=0).astype(float)
    return scored._cache[name]


def columns_first(blocks: list[np.ndarray], dtype: type = np.float64) -> np.ndarray:
    """The blocks side by side, column-major, so that per-column sums over respondents read
    contiguous memory (written in place: no row-major copy first)."""
    n = blocks[0].shape[0]
    out = np.empty((n, sum(b.shape[1] for b in blocks)), dtype=dtype, order="F")
    j = 0
    for b in blocks:
        out[:, j : j + b.shape[1]] = b
        j += b.shape[1]
    return out


def item_stack(scored: Scored) -> np.ndarray:
    """Respondent × (5·items): valid, value, favourable, neutral, unfavourable.

    All five are whole numbers for the usual answer scales, so they are kept as the smallest
    integer type that holds them (int8 for answers from -127 to 127, else int16): a tenth of
    the float64 stack this was (which also held squares and 0–100 values, now derived from
    the sums), 12 MB instead of 129 MB at 100,000 respondents. Their group sums are the same
    bits: ``np.bincount`` and ``np.add.reduce`` add them as exact float64 or integer values,
    and every reader sums or gathers them, never multiplies them in their own type. Values
    that are not whole numbers (a slider item with decimals) keep the stack in float64.
    """
    if "items" not in scored._cache:
        scored._cache["items"] = _item_columns(scored)
    return scored._cache["items"]


def _item_columns(scored: Scored) -> np.ndarray:
    """:func:`item_stack` written one item at a time: whole-table float copies of the
    answers were two respondent × item float64 arrays (0.37 GB at a million respondents and
    23 items) at the moment the survey's memory peaks."""
    meta = scored.item_meta
    fav_min = meta["favorable_min"].to_numpy(float)
    unf_max = meta["unfavorable_max"].to_numpy(float)
    k = scored.items.shape[1]

    def answers(j: int) -> tuple[np.ndarray, np.ndarray]:
        x = scored.items.iloc[:, j].to_numpy(float)
        valid = ~np.isnan(x)
        return valid, np.where(valid, x, 0.0)

    # the narrowest exact type over every item (:func:`whole_type` of the whole table)
    kinds = {whole_type(answers(j)[1]) for j in range(k)}
    dtype = next((t for t in (np.float64, np.int16) if t in kinds), np.int8)
    out = np.empty((scored.items.shape[0], 5 * k), dtype=dtype, order="F")
    for j in range(k):
        valid, x0 = answers(j)
        fav = valid & (x0 >= fav_min[j])
        unf = valid & (x0 <= unf_max[j]) & ~fav
        for block, column in enumerate((valid, x0, fav, valid & ~fav & ~unf, unf)):
            out[:, block * k + j] = column
    return out


def whole_type(x: np.ndarray) -> type:
    """The narrowest of int8 / int16 that holds every value of ``x`` exactly, else float64."""
    if not np.array_equal(x, np.rint(x)):
        return np.float64
    top = np.abs(x).max(initial=0)
    return np.int8 if top < 2**7 else np.int16 if top < 2**15 else np.float64


def items_on_100(scored: Scored, items: Sequence[str] | None = None) -> np.ndarray:
    """Respondent × item (``items``, by default every item in ``item_meta`` order) on 0–100,
    NaN where unanswered: ``100 · (x − scale_min) / (scale_max − scale_min)``, the item
    table's scale. A fresh array the caller may change: the arithmetic runs in place on one
    copy (three respondent × item arrays otherwise, 184 MB each at a million respondents and
    23 items). Callers that work one construct at a time ask for its items only."""
    meta = scored.item_meta if items is None else scored.item_meta.loc[list(items)]
    lo = meta["scale_min"].to_numpy(float)
    x = scored.items[list(meta.index)].to_numpy(float, copy=True)
    x -= lo
    x /= meta["scale_max"].to_numpy(float) - lo
    x *= 100
    return x


def partial_skips(scored: Scored) -> np.ndarray:
    """Respondent × construct: answered some but not all of the construct's items.

    Who answered is read from the cached :func:`item_stack` (its first block), not from a
    float copy of every answer (184 MB at a million respondents and 23 items)."""
    meta = scored.item_meta
    valid = item_stack(scored)[:, : len(meta)]
    out = np.zeros((len(valid), scored.constructs.shape[1]))
    for j, construct in enumerate(scored.constructs.columns):
        cols = np.flatnonzero((meta["construct"] == construct).to_numpy())
        answered = valid[:, cols].sum(axis=1)
        out[:, j] = (answered > 0) & (answered < len(cols))
    return out


def pad(values: np.ndarray, rows: int) -> np.ndarray:
    """Rows appended by :func:`with_absent` (no responses) hold no one: zero counts."""
    values = values.reshape(values.shape[0], -1)
    return np.vstack([values, np.zeros((rows - len(values), values.shape[1]))])
