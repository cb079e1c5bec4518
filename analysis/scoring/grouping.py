"""Grouping columns to group codes and per-group sums (crossed and nested groupings)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.errors import ChangeRadarError
from analysis.scoring.model import CROSS, NEST, Difference, Scored, join_labels, take_rows


def check_by(scored: Scored, by: Sequence[str] | str | None) -> list[str]:
    """``by`` as a list of grouping columns, checked, never resolved.

    The grouping is normalised once, at the edge (:meth:`analysis.pipeline.ViewRequest.build`
    turns 'team', 'role' or a column name typed in any case into columns); the scoring
    functions take those columns as they are. A single string is one column, ``None`` the
    whole organisation. An unknown or repeated column is a caller's mistake, reported as a
    :class:`~analysis.errors.ChangeRadarError` naming the columns there are.
    """
    cols = [by] if isinstance(by, str) else list(by or [])
    unknown = [c for c in cols if c not in scored.groups.columns]
    if unknown:
        have = ", ".join(scored.groups.columns) or "none"
        raise ChangeRadarError(
            f"Can't group by {', '.join(map(repr, unknown))}: it is not a team, role or "
            f"demographic column (available: {have})."
        )
    if len(set(cols)) != len(cols):
        raise ChangeRadarError("Each grouping column can be used only once.")
    return cols


def levels(by: list[str], nested: bool) -> list[list[str]]:
    if not by:
        return [[]]
    return [by[: j + 1] for j in range(len(by))] if nested else [by]


def column_codes(scored: Scored, col: str) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values of one grouping column and each respondent's code (cached)."""
    key = ("column", col)
    if key not in scored._cache:
        codes, uniques = pd.factorize(scored.groups[col], sort=True)
        scored._cache[key] = (codes.astype(np.intp), np.asarray(uniques, dtype=object))
    return scored._cache[key]


def level_codes(scored: Scored, level: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Group codes of a (crossed) level, numbered like ``groupby(level, sort=True).ngroup()``
    with only observed groups, and the keys table (one object column per level column)."""
    key = ("level", tuple(level))
    if key not in scored._cache:
        combined = np.zeros(len(scored.groups), dtype=np.int64)
        parts = [column_codes(scored, col) for col in level]
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


def sum_by(codes: np.ndarray, stack: np.ndarray, g: int) -> np.ndarray:
    """Row sums of ``stack`` per group code, each a running sum in respondent order (the
    order the former sparse one-hot product added in, so the sums are the same bits).

    One group (the organisation): a column of whole numbers small enough that every partial
    sum stays below 2**53 is added by numpy's reduction instead, in any order: the sum is
    exact, so the same bits, and not a chain of dependent additions (3x faster)."""
    out = np.empty((g, stack.shape[1]))
    for j in range(stack.shape[1]):
        col = stack[:, j]
        if g == 1 and _whole(col):
            out[0, j] = np.add.reduce(col, dtype=np.int64 if col.dtype.kind in "iub" else None)
        else:
            out[:, j] = np.bincount(codes, weights=col, minlength=g)
    return out


def _whole(col: np.ndarray) -> bool:
    """Whether every value is a whole number and n · max|value| < 2**53 (exact sums)."""
    if not len(col):
        return True
    top = float(np.max(np.abs(col)))
    if col.dtype.kind in "iub":
        return top * len(col) < 2.0**53
    return bool(np.isfinite(top) and top * len(col) < 2.0**53 and np.array_equal(col, np.rint(col)))


def _level_codes_all(
    scored: Scored, by: list[str], nested: bool, n: int
) -> list[tuple[np.ndarray, int]]:
    """Each level's respondent group codes and number of groups (one level, "all", when
    ``by`` is empty), in the order of the keys table."""
    out = []
    for level in levels(by, nested):
        codes = level_codes(scored, level)[0] if level else np.zeros(n, dtype=np.intp)
        out.append((codes, int(codes.max()) + 1 if len(codes) else 0))
    return out


def _sorted_rows(
    scored: Scored, level: list[str], codes: np.ndarray, g: int
) -> tuple[np.ndarray, np.ndarray]:
    """The respondents sorted by group code (stable) and each group's bounds in that order,
    cached per level (a view's tables ask for the same level several times)."""
    key = ("sorted", tuple(level))
    if key not in scored._cache:
        order = np.argsort(codes, kind="stable")
        scored._cache[key] = (order, np.searchsorted(codes[order], np.arange(g + 1)))
    return scored._cache[key]


def group_overlaps(
    scored: Scored, by: list[str], has: np.ndarray, inside: np.ndarray, nested: bool
) -> np.ndarray:
    """Per group (all levels, in :func:`group_sums`' order), per column ``b`` of ``has`` and
    per column ``j`` of ``inside`` (both 0/1, respondent rows): how many of the group's people
    have both, ``out[c, b, j] = Σ_r [code_r = c]·has[r, b]·inside[r, j]``: (groups × b × j).

    One matrix product per group over its rows (gathered once, sorted by group) instead of a
    per-column count for every (b, j) pair. The terms are 0/1 and every sum an integer below
    2**53, so float64 products are exact in any summation order: the same counts on every
    machine and BLAS kernel."""
    has, inside = np.asarray(has), np.asarray(inside)
    parts = []
    for level, (codes, g) in zip(
        levels(by, nested), _level_codes_all(scored, by, nested, len(has)), strict=True
    ):
        order, bounds = _sorted_rows(scored, level, codes, g)
        # gathered in their own (narrow) dtypes, made float one group at a time: whole float
        # copies took 0.6 GB at a million respondents
        h, x = take_rows(has, order), inside[order]
        out = np.zeros((g, has.shape[1], inside.shape[1]))
        for c in range(g):
            lo, hi = bounds[c], bounds[c + 1]
            if hi > lo:
                out[c] = h[lo:hi].T.astype(float) @ x[lo:hi].astype(float)
        parts.append(out)
    if not parts:
        return np.zeros((0, has.shape[1], inside.shape[1]))
    return np.concatenate(parts, axis=0)


def group_sums(
    scored: Scored, by: list[str], stack: np.ndarray, nested: bool
) -> tuple[pd.DataFrame, np.ndarray]:
    """Keys (grouping, group, by-columns) and summed stack rows per group, for all levels."""
    sums_parts = [
        sum_by(codes, stack, g) for codes, g in _level_codes_all(scored, by, nested, len(stack))
    ]
    sums = np.vstack(sums_parts) if sums_parts else np.zeros((0, stack.shape[1]))
    return _keys(scored, by, nested), sums


def difference_sums(
    diff: Difference, by: list[str], stack: np.ndarray, nested: bool
) -> tuple[pd.DataFrame, np.ndarray]:
    """:func:`group_sums` of the people in ``diff`` (``stack``: the population's), from the
    population's group codes, for the groups those people are in.

    The same keys and the same bits as ``group_sums(subset(population, mask), by,
    stack[mask], nested)``: a subset's groups are the population's groups it has, numbered in
    the same sorted order, and each group's sum adds the same rows in the same order."""
    pop = diff.population
    parts, present = [], []
    for codes, g in _level_codes_all(pop, by, nested, len(stack)):
        # Everyone else goes to an extra bin g, dropped: each group adds its own people in
        # respondent order, as the copied subset would, without gathering their rows first.
        inside = np.where(diff.mask, codes, g)
        parts.append(sum_by(inside, stack, g + 1)[:g])
        present.append(np.bincount(inside, minlength=g + 1)[:g] > 0)
    keep = np.concatenate(present) if present else np.zeros(0, dtype=bool)
    sums = np.vstack(parts)[keep] if parts else np.zeros((0, stack.shape[1]))
    return _keys(pop, by, nested)[keep].reset_index(drop=True), sums


def _keys(scored: Scored, by: list[str], nested: bool) -> pd.DataFrame:
    """The keys table of :func:`group_sums` (cached: a view asks for it once per table and
    per privacy block, and naming the groups row by row is the slow part)."""
    key = ("keys", tuple(by), nested)
    if key not in scored._cache:
        parts = []
        for level in levels(by, nested):
            keys = level_codes(scored, level)[1] if level else pd.DataFrame(index=[0])
            sep = NEST if nested else CROSS
            keys["grouping"] = sep.join(level) if level else "all"
            keys["group"] = join_labels(keys, level, sep) if level else "All respondents"
            for col in by:
                if col not in keys:
                    keys[col] = pd.Series([pd.NA] * len(keys), dtype=object)
            parts.append(keys[["grouping", "group", *by]])
        scored._cache[key] = pd.concat(parts, ignore_index=True)
    return scored._cache[key].copy()


def grouped(
    scored: Scored, by: Sequence[str] | str | None, stack: np.ndarray, nested: bool
) -> tuple[list[str], pd.DataFrame, np.ndarray]:
    """The checked ``by`` columns, the group keys and the summed ``stack`` rows per group:
    the first step of every protected per-group table (constructs, items, eNPS)."""
    cols = check_by(scored, by)
    keys, sums = group_sums(scored, cols, stack, nested)
    return cols, keys, sums
