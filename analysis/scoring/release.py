"""What the privacy check needs besides ``n``: counts of people changed between views, overlap
with the sets shown elsewhere (the ledger), and the protection call itself (private: the
tables passed in are unprotected)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from analysis import stats
from analysis.privacy import PrivacyPolicy, protect_groups
from analysis.scoring.grouping import difference_sums, group_overlaps, group_sums
from analysis.scoring.model import Difference, Scored
from analysis.scoring.stacks import pad

META_KEEP = ("label", "direction", "concept", "question", "headcount")


def exposure_counts(
    keys: pd.DataFrame,
    changed: Sequence[Difference],
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
    where = {key: row for row, key in enumerate(_names(keys))}  # (grouping, group) -> row
    for v, diff in enumerate(changed):
        if not diff:
            continue
        dkeys, dsums = difference_sums(diff, by, stack_of(diff.population)[:, :width], nested)
        for i, key in enumerate(_names(dkeys)):
            row = where.get(key)
            if row is not None:
                out[row, :, v] = dsums[i]
                continue
            counts = absent.setdefault(
                key, (dkeys.iloc[i].to_dict(), np.zeros((width, len(changed))))
            )[1]
            counts[:, v] = dsums[i]
    extra = pd.DataFrame([rec for rec, _ in absent.values()], columns=keys.columns)
    extra_counts = (
        np.stack([c for _, c in absent.values()]) if absent else np.zeros((0, width, len(changed)))
    )
    return out, extra, extra_counts


def _names(keys: pd.DataFrame) -> list[tuple[str, str]]:
    """Each keys row's (grouping, group), as text."""
    return list(zip(keys["grouping"].astype(str), keys["group"].astype(str), strict=True))


def with_absent(
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
    k, m = extra_counts.shape[1], len(extra)
    more = extra.iloc[np.tile(np.arange(m), k)].reset_index(drop=True)  # block-major
    for col, values in blocks.items():
        more[col] = np.repeat(np.asarray(values, dtype=object)[:k], m)
    more["n"] = 0.0
    rows = extra_counts.transpose(1, 0, 2).reshape(len(more), -1)
    return pd.concat([table, more], ignore_index=True), np.vstack([exposure, rows])


def ledger_counts(
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
    keys, _ = group_sums(scored, by, np.zeros((len(scored.groups), 0)), nested)
    if not len(refs):
        return np.zeros((len(keys), width, 0)), np.zeros((width, 0))
    sizes = _reference_sizes(pop, refs, stack_of, width)
    if scored is pop:
        inside = refs.T  # this view's respondents × J
    else:
        inside = refs[:, pop.groups.index.get_indexer(scored.groups.index)].T
    return group_overlaps(scored, by, stack_of(scored)[:, :width], inside, nested), sizes


def _reference_sizes(pop: Scored, refs: np.ndarray, stack_of: Any, width: int) -> np.ndarray:
    """Each reference set's count of people with a value, per block: (width × J).

    The sets are mostly the same from view to view (every group of every single grouping), so
    each set's counts are kept on the population, keyed by a digest of its members. Counts of
    0/1 columns are integers: computed for any subset of the sets, they are the same numbers."""
    name = getattr(stack_of, "__name__", repr(stack_of))
    store = pop._cache.setdefault(("reference_sizes", name, width), {})
    keys = [hashlib.blake2b(np.packbits(r).tobytes(), digest_size=16).digest() for r in refs]
    missing = [j for j, key in enumerate(keys) if key not in store]
    if missing:
        counts = _counts_in_blocks(refs[missing], stack_of(pop)[:, :width])
        store.update({keys[j]: row for j, row in zip(missing, counts, strict=True)})
    return np.stack([store[key] for key in keys], axis=1)


#: Respondents per block of :func:`_counts_in_blocks`.
COUNT_BLOCK_ROWS = 1 << 16


def _counts_in_blocks(sets: np.ndarray, has: np.ndarray) -> np.ndarray:
    """``sets.astype(float) @ has`` (J sets × respondents, 0/1; respondents × width, 0/1),
    a block of respondents at a time: the float copies of every set and of the stack took
    0.3 GB at a million respondents, in the first view's memory peak. Every term is 0 or 1
    and every partial sum an integer below 2**53, so the sums are exact in any order and
    blocking: the same numbers as one product."""
    out = np.zeros((len(sets), has.shape[1]))
    for lo in range(0, has.shape[0], COUNT_BLOCK_ROWS):
        hi = lo + COUNT_BLOCK_ROWS
        out += sets[:, lo:hi].astype(float) @ has[lo:hi].astype(float)
    return out


def finish(
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
        keep=META_KEEP,
        exposure=exposure,
        **ledger,
    )
    for col, src in (("p_adj", "p"), ("p_fav_adj", "p_fav")):
        if src in out:
            out[col] = stats.holm(out[src].to_numpy(float))
    return out


def protect_per_group(
    scored: Scored,
    table: pd.DataFrame,
    keys: pd.DataFrame,
    by: list[str],
    nested: bool,
    policy: PrivacyPolicy,
    stack_of: Any,
    *,
    changed: Sequence[Difference] = (),
    references: np.ndarray | None = None,
    population: Scored | None = None,
) -> pd.DataFrame:
    """Protect a table with one row per group of ``keys`` and its count in ``n``, where
    ``stack_of(scored)`` (respondent × 1) says who is counted: the changed people, the ledger
    overlap and the hidden absent groups as for every other table."""
    exposure, extra, extra_counts = exposure_counts(keys, changed, by, nested, stack_of, 1)
    exposure = exposure[:, 0, :]
    overlap, ref_sizes = ledger_counts(scored, by, nested, stack_of, 1, references, population)
    size = len(table)
    table, exposure = with_absent(table, exposure, extra, extra_counts, {})
    ledger = {
        "overlap": pad(overlap[:, 0, :], len(table)),
        "reference_sizes": pad(np.repeat(ref_sizes, size, axis=0), len(table)),
    }
    return finish(table, policy, by, nested, [], exposure, **ledger).iloc[:size]
