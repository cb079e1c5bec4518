"""Group tables: minimum size, complementary suppression, and the ledger check."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import combinations

import numpy as np
import pandas as pd

from analysis.privacy.pinning import TOL, bases_table, null_basis, small_unions_pinned
from analysis.privacy.policy import (
    FLOOR,
    PrivacyError,
    PrivacyPolicy,
    reason_complementary,
    reason_differencing,
    reason_ledger,
    reason_skipped,
    reason_small,
)

# --------------------------------------------------------------------------------------------
# one block's cells and margins (what they pin down: analysis.privacy.pinning)


def _risky(measures: np.ndarray, min_group: int) -> np.ndarray:
    """Rows whose people, or whose people changed since an earlier view, number 1..min-1."""
    return ((measures > 0) & (measures < min_group)).any(axis=-1)


def _subsets(k: int, nested: bool) -> list[tuple[int, ...]]:
    """The margins a k-dimensional table is checked against (proper subsets of its dims)."""
    if nested:
        return [tuple(range(j)) for j in range(k)]
    return [s for r in range(k) for s in combinations(range(k), r)]


def _protect_cells(
    keys: np.ndarray,
    n: np.ndarray,
    min_group: int,
    nested: bool,
    extra: np.ndarray | None = None,
    forced: np.ndarray | None = None,
    bases: dict | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Hidden and primary flags for one block of finest-level cells.

    ``keys`` is an (m, k) integer array of category codes, ``n`` the sizes, ``extra`` an
    (m, r) array of further additive counts held to the same rule as ``n`` (the people each
    cell gained or lost against r earlier views; see :func:`protect_groups`). ``forced``
    cells start hidden (chosen at a lower minimum) without being sensitive themselves.
    ``bases`` caches null-space bases by equation system and unknowns: one protection call
    (every block, minimum and margin of a table) meets the same systems many times.
    """
    bases = {} if bases is None else bases
    m, k = keys.shape
    extra = np.zeros((m, 0)) if extra is None else np.asarray(extra, dtype=float).reshape(m, -1)
    measures = np.column_stack([n, extra])
    primary = (n < min_group) | ((n > 0) & _risky(measures, min_group))
    hidden = primary.copy() if forced is None else primary | forced
    if m == 0 or not (primary & (n > 0)).any():
        return hidden, primary
    # Aggregates: each proper margin, with its own protection decided recursively.
    agg_member: list[np.ndarray] = []  # per aggregate row: member cell indices
    agg_hidden: list[bool] = []
    agg_measures: list[np.ndarray] = []
    for dims in _subsets(k, nested):
        if dims:
            sub = keys[:, list(dims)]
            uniq, inv = np.unique(sub, axis=0, return_inverse=True)
            inv = inv.ravel()
            sums = np.column_stack(
                [np.bincount(inv, weights=col, minlength=len(uniq)) for col in measures.T]
            )
            sub_hidden, _ = _protect_cells(
                uniq, sums[:, 0], min_group, nested, sums[:, 1:], bases=bases
            )
        else:
            inv = np.zeros(m, dtype=np.intp)
            sums = measures.sum(axis=0, keepdims=True)
            sub_hidden = (sums[:, 0] < min_group) | _risky(sums, min_group)
        for a in range(len(sums)):
            agg_member.append(np.flatnonzero(inv == a))
            agg_hidden.append(bool(sub_hidden[a]))
            agg_measures.append(sums[a])
    n_agg = len(agg_member)
    agg_m = np.array(agg_measures).reshape(n_agg, measures.shape[1])
    agg_sizes = agg_m[:, 0]
    # Equations: aggregate - sum(cells) = 0; columns = cells then aggregates.
    a = np.zeros((n_agg, m + n_agg))
    for r, members in enumerate(agg_member):
        a[r, members] = -1.0
        a[r, m + r] = 1.0
    # A group with no responses holds nothing to protect; a reader may know it is empty, so it
    # counts as known (it never shields another group) even though it is shown as hidden.
    sensitive = np.concatenate([primary & (n > 0), (agg_sizes > 0) & _risky(agg_m, min_group)])
    agg_hidden_arr = np.array(agg_hidden, dtype=bool) & (agg_sizes > 0)
    # cells that share an equation: prefer them as complements
    share = (np.abs(a[:, :m]) > 0).astype(float)
    neighbours = (share.T @ share) > 0
    member_of = share.T > 0  # (m, n_agg)

    # ties are broken by the group keys (sorted), never by row order, so a margin gets the same
    # protection here as in its own table
    key_rank = np.empty(m, dtype=np.intp)
    key_rank[np.lexsort(keys.T[::-1]) if k else np.arange(m)] = np.arange(m)

    exposure = _Exposure(a, n, measures, agg_hidden_arr, member_of, sensitive, min_group, bases)
    exposed, exposed_at = exposure.of, exposure.at

    while True:
        bad = exposed(hidden)
        if not bad.any():
            break
        visible = np.flatnonzero(~hidden)
        if visible.size == 0:
            break
        target = int(np.flatnonzero(bad)[0])
        order = visible[np.lexsort((key_rank[visible], n[visible]))]
        if target < m:
            near = order[neighbours[target, order]]
        else:
            agg = (target - m) % n_agg
            near = order[np.isin(order, agg_member[agg])]
        chosen = None
        for cand in np.concatenate([near, order[~np.isin(order, near)]]):
            trial = hidden.copy()
            trial[cand] = True
            if not exposed_at(trial, target):
                chosen = int(cand)
                break
        if chosen is None:
            chosen = int(near[0]) if near.size else int(order[0])
        hidden[chosen] = True
    if exposed(hidden).any():
        raise _Unprotectable
    return hidden, primary


class _Exposure:
    """One block's equations (each margin minus its cells is zero) and, for a set of hidden
    cells, what a reader pins down: per cell, per margin, and per margin's hidden part, each
    only where it is sensitive. States are cached: the greedy search revisits them."""

    def __init__(
        self,
        a: np.ndarray,
        n: np.ndarray,
        measures: np.ndarray,
        agg_hidden: np.ndarray,
        member_of: np.ndarray,
        sensitive: np.ndarray,
        min_group: int,
        bases: dict,
    ) -> None:
        self.a, self.n, self.measures, self.min_group = a, n, measures, min_group
        self.agg_hidden, self.member_of, self.sensitive = agg_hidden, member_of, sensitive
        self.m, self.n_agg = len(n), len(agg_hidden)
        self.system = (a.shape, a.tobytes())
        self.bases = bases
        self.seen: dict[bytes, np.ndarray] = {}
        self.seen_at: dict[tuple[bytes, int], bool] = {}

    def of(self, hidden: np.ndarray) -> np.ndarray:
        key = hidden.tobytes()
        if key not in self.seen:
            self.seen[key] = self._exposed(hidden)
        return self.seen[key]

    def at(self, hidden: np.ndarray, target: int) -> bool:
        """``of(hidden)[target]``, working out only what that entry needs: the greedy search
        asks it of every trial cell, and the full answer (every cell's small unions, every
        margin's hidden part) costs several times more."""
        key = hidden.tobytes()
        if key in self.seen:
            return bool(self.seen[key][target])
        if (key, target) not in self.seen_at:
            self.seen_at[key, target] = bool(self._exposed(hidden, target))
        return self.seen_at[key, target]

    def _basis(self, live: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The unknowns, their null-space basis, and which of them are pinned down alone."""
        unknown = np.flatnonzero(np.concatenate([live, self.agg_hidden]))
        at = (self.system, unknown.tobytes())
        if at not in self.bases:
            self.bases[at] = null_basis(self.a, unknown)
        basis = self.bases[at]
        det = np.zeros(self.m + self.n_agg, dtype=bool)
        if unknown.size:
            det[unknown] = (
                np.ones(unknown.size, dtype=bool)
                if basis.shape[1] == 0
                else np.linalg.norm(basis, axis=1) < TOL
            )
        return unknown, basis, det

    def _parts(
        self, live: np.ndarray, det: np.ndarray, unknown: np.ndarray, basis: np.ndarray, rows: slice
    ) -> np.ndarray:
        """Per margin in ``rows``: is the total of its hidden cells pinned down and risky?"""
        # The hidden cells of one margin, taken together: their total is pinned down whenever
        # the margin is (margin − its visible cells), so it must not describe 1..min−1 people.
        # Cells pinned down on their own (large ones may be) come off that total too.
        part = np.zeros(self.n_agg, dtype=bool)[rows]
        live_idx = np.flatnonzero(live & ~det[: self.m])
        if live_idx.size:
            hid = self.member_of[live_idx][:, rows].T.astype(float)  # (margins, live cells)
            part_m = hid @ self.measures[live_idx]
            cand = _risky(part_m, self.min_group) & (hid.sum(axis=1) > 1)
            if cand.any():
                pos = np.searchsorted(unknown, live_idx)
                w = np.zeros((hid.shape[0], unknown.size))
                w[:, pos] = hid
                free = (
                    np.zeros(hid.shape[0])
                    if basis.shape[1] == 0
                    else np.linalg.norm(w @ basis, axis=1)
                )
                part = cand & (free < TOL)
        return part

    def _exposed(self, hidden: np.ndarray, target: int | None = None) -> np.ndarray:
        """Per cell, per margin and per margin's hidden part: pinned down and risky (with
        ``target``: that one entry)."""
        m, n, min_group = self.m, self.n, self.min_group
        live = hidden & (n > 0)
        unknown, basis, det = self._basis(live)
        small = live & ~det[:m] & (n < min_group)
        if target is None:
            part = self._parts(live, det, unknown, basis, slice(None))
            det[:m] |= small_unions_pinned(small, n, unknown, basis, min_group)
            return np.concatenate([det & self.sensitive, part])
        if target >= m + self.n_agg:
            r = target - m - self.n_agg
            return self._parts(live, det, unknown, basis, slice(r, r + 1))[0]
        if target < m and not det[target] and small[target]:
            det[target] = small_unions_pinned(small, n, unknown, basis, min_group, target)[target]
        return det[target] & self.sensitive[target]


class _Unprotectable(Exception):
    """Even with every cell hidden, the margins alone give a small group away."""


def _ledger_unsafe(
    keys: np.ndarray,
    n: np.ndarray,
    hidden: np.ndarray,
    overlap: np.ndarray,
    ref_n: np.ndarray,
    min_group: int,
    nested: bool,
) -> np.ndarray:
    r"""Per reference set R shown elsewhere: can a reader come within 1..min−1 people of R?

    The reader adds up any visible cells and any totals of hidden cells they can work out
    (all hidden cells together, or those of one margin), giving a union U; comparing U with R
    describes U Δ R. Per cell, |cell \ R| = n − overlap and |cell ∩ R| = overlap, and the
    closest union takes each part in or out, so min |U Δ R| = Σ min(n − overlap, overlap)
    over visible cells + the same over each known hidden total + R's people in no row of the
    table (outside a filtered view). Any larger union differs by
    that plus whole visible cells (≥ min each), so only the minimum matters. References under
    the minimum are never shown and are skipped.
    """
    live = n > 0
    inside = overlap
    outside = n[:, None] - overlap
    # people of R in no row of this table (a filtered view leaves them out) are always apart
    beyond = np.maximum(ref_n - overlap[live].sum(axis=0), 0)
    base = beyond + np.minimum(outside, inside)[~hidden & live].sum(axis=0)
    hid = np.flatnonzero(hidden & live)
    risky = np.zeros(overlap.shape[1], dtype=bool)
    partitions = _subsets(keys.shape[1], nested)
    for dims in partitions or [None]:
        total = base.copy()
        if dims is not None and hid.size:
            if dims:
                _, inv = np.unique(keys[hid][:, list(dims)], axis=0, return_inverse=True)
                inv = np.asarray(inv).ravel()
            else:
                inv = np.zeros(hid.size, dtype=np.intp)
            for b in range(int(inv.max()) + 1):
                rows = hid[inv == b]
                total += np.minimum(outside[rows].sum(axis=0), inside[rows].sum(axis=0))
        risky |= (total > 0) & (total < min_group)
    return (ref_n >= min_group) & risky


def _ledger_hide(
    keys: np.ndarray,
    n: np.ndarray,
    min_group: int,
    nested: bool,
    hidden: np.ndarray,
    overlap: np.ndarray,
    ref_n: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Hide cells until no reference set is within 1..min−1 people of what the table shows.

    Returns the hidden flags and the cells hidden because they are near a reference (the
    rest it adds are complements). Choice: the smallest visible cell that resolves the first
    unsafe reference on its own; otherwise the smallest visible cell holding some of its
    people (ties by group keys, as in :func:`_protect_cells`).
    """
    hidden = hidden.copy()
    near = np.zeros(len(n), dtype=bool)
    key_rank = np.empty(len(n), dtype=np.intp)
    key_rank[np.lexsort(keys.T[::-1]) if keys.shape[1] else np.arange(len(n))] = np.arange(len(n))
    for _ in range(len(n) + 1):
        bad = _ledger_unsafe(keys, n, hidden, overlap, ref_n, min_group, nested)
        if not bad.any():
            break
        j = int(np.flatnonzero(bad)[0])
        visible = np.flatnonzero(~hidden & (n > 0))
        if visible.size == 0:
            break
        order = visible[np.lexsort((key_rank[visible], n[visible]))]
        chosen = None
        for cand in order:
            trial = hidden.copy()
            trial[cand] = True
            if not _ledger_unsafe(keys, n, trial, overlap, ref_n, min_group, nested)[j]:
                chosen = int(cand)
                break
        if chosen is None:
            touching = order[overlap[order, j] > 0]
            chosen = int(touching[0]) if touching.size else int(order[0])
            near[chosen] = True
        hidden[chosen] = True
    return hidden, near


def _protect_chain(
    keys: np.ndarray,
    n: np.ndarray,
    min_group: int,
    nested: bool,
    extra: np.ndarray,
    overlap: np.ndarray,
    ref_n: np.ndarray,
    bases: dict | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hidden, primary and near-a-reference flags, decided minimum by minimum.

    The cells are protected at :data:`FLOOR`, then at each higher minimum starting from the
    cells already hidden, up to ``min_group``: the hidden cells at a higher minimum are a
    superset of those at a lower one, so two releases of one table at different minimums show
    nothing together that the lower one does not show alone.
    """
    hidden: np.ndarray | None = None
    near = np.zeros(len(n), dtype=bool)
    primary = np.zeros(len(n), dtype=bool)
    for k in range(min(FLOOR, min_group), min_group + 1):
        hidden, primary = _protect_cells(keys, n, k, nested, extra, forced=hidden, bases=bases)
        if overlap.shape[1]:
            hidden, added = _ledger_hide(keys, n, k, nested, hidden, overlap, ref_n)
            near |= added
    assert hidden is not None
    return hidden, primary, near


def _codes(df: pd.DataFrame) -> np.ndarray:
    cols = [pd.factorize(df[c].astype(str).where(df[c].notna()), sort=True)[0] for c in df.columns]
    return np.column_stack(cols) if cols else np.zeros((len(df), 0), dtype=np.intp)


def protect_groups(
    table: pd.DataFrame,
    sizes: str | pd.Series,
    policy: PrivacyPolicy,
    *,
    by: Sequence[str],
    block: Sequence[str] = ("construct",),
    nested: bool = False,
    keep: Iterable[str] = (),
    exposure: np.ndarray | None = None,
    skips: np.ndarray | None = None,
    overlap: np.ndarray | None = None,
    reference_sizes: np.ndarray | None = None,
) -> pd.DataFrame:
    """Hide every row a reader could use to learn about a group under the minimum size.

    Parameters
    ----------
    table
        One row per group (× block). ``by`` columns hold the group keys; for ``nested`` tables
        a parent-level row has missing values in the deeper ``by`` columns. Each combination of
        ``block`` columns (a construct, an item) is an independent table.
    sizes
        The column name (or a Series aligned with ``table``) with the number of responses each
        row's numbers rest on.
    keep
        Extra descriptive columns that stay visible on hidden rows (labels, question text).
    exposure
        Optional (rows × r) counts, one column per earlier view this one can be compared with:
        how many of the people behind the row's numbers are in this view and not that one, or
        the other way round (a filtered view against the unfiltered one and against earlier
        filters). Comparing the two views describes those people, so each count is held to
        the same rule as ``n``: a row, or a total of hidden rows a reader can work out, whose
        count is 1..min_group−1 is hidden (reason :func:`reason_differencing`), and the
        complementary suppression protects it like a small group.
    skips
        Optional (rows,) counts of the row's people who answered some but not all of the
        items of its construct (item tables). With the construct's score these rows solve for
        those people's answers, so the count is held to the rule ``n`` is held to (reason
        :func:`reason_skipped`).
    overlap, reference_sizes
        Optional (rows × J): for J sets of people shown in other tables (the ledger, see
        :mod:`analysis.privacy.ledger`), how many of the row's people are in each set, and the
        set's own size for the row's measure. Rows are hidden until no union of what the table
        shows comes within 1..min−1 people of a set (reason :func:`reason_ledger`).

    Returns
    -------
    A copy in the same row order with ``suppressed`` (bool) and ``suppressed_reason`` ("" when
    visible). On hidden rows every column other than ``by``, ``block``, ``grouping``, ``group``
    and ``keep`` is NaN/NA. Hidden rows at a higher ``min_group`` include those at any lower
    one. See the package docstring for the rules.
    """
    by, block = list(by), list(block)
    missing = [c for c in [*by, *block] if c not in table.columns]
    if missing:
        raise ValueError(f"protect_groups: the table has no column(s) {missing}.")
    size = table[sizes] if isinstance(sizes, str) else pd.Series(sizes, index=table.index)
    n = pd.to_numeric(size, errors="coerce").fillna(0).to_numpy(dtype=float)
    rows = len(table)
    views = np.zeros((rows, 0)) if exposure is None else _matrix(exposure, rows)
    skip = np.zeros((rows, 0)) if skips is None else _matrix(skips, rows)
    extra = np.column_stack([views, skip])
    over = np.zeros((rows, 0)) if overlap is None else _matrix(overlap, rows)
    ref_n = np.zeros_like(over) if reference_sizes is None else _matrix(reference_sizes, rows)
    depth = table[by].notna().sum(axis=1).to_numpy() if by else np.zeros(rows, dtype=int)
    if (
        nested
        and len(by) > 1
        and not (table[by].notna().cumprod(axis=1).sum(axis=1) == depth).all()
    ):
        raise ValueError(
            "protect_groups: nested rows must fill the grouping columns left to right."
        )
    flags = _Flags(rows)
    k_by = len(by)
    bases = bases_table()  # null-space bases, shared by every block of this table (and view)
    # The group keys as integer codes, once for every block (an item table has one per item).
    keys_all = _codes(table[by]) if by else np.zeros((rows, 0), dtype=np.intp)
    try:
        for in_block in _blocks(table, block):
            try:
                _protect_block(
                    keys_all, k_by, nested, in_block, depth, n, extra, over, ref_n, policy, flags,
                    bases,
                )  # fmt: skip
            except _Unprotectable:
                if not _risky(skip[in_block], policy.min_group).any():
                    raise
                # Item rows of a grouping whose margins pin down a few skippers' answers: the
                # construct rows can still be shown; this item's rows are all withheld.
                rows = np.flatnonzero(in_block)
                risky = _risky(skip[rows], policy.min_group) | (n[rows] < policy.min_group)
                flags.set(rows, (np.ones(rows.size, dtype=bool), risky, np.zeros(rows.size, bool)))
    except _Unprotectable:
        raise PrivacyError(
            f"Results by {' × '.join(by)} can't be shown safely: some combinations have "
            f"fewer than {policy.min_group} people, and their answers could be worked out "
            f"from the {' and '.join(by)} totals shown elsewhere. Group by one of "
            f"{', '.join(by)} at a time instead."
        ) from None
    out = _blank(table, flags.hidden, {*by, *block, "grouping", "group", *keep})
    out["suppressed"] = flags.hidden
    m = policy.min_group
    reason = np.select(
        [
            flags.primary & (n < m),
            flags.primary & _risky(views, m),
            flags.primary & _risky(skip, m),
            flags.near,
        ],
        [
            reason_small(policy),
            reason_differencing(policy),
            reason_skipped(policy),
            reason_ledger(policy),
        ],
        reason_complementary(),
    )
    out["suppressed_reason"] = np.where(flags.hidden, reason, "").astype(str)
    return out


class _Flags:
    """Per-row outcome of the protection: hidden, primary (too small or exposed), near a set
    shown elsewhere."""

    def __init__(self, rows: int) -> None:
        self.hidden = np.zeros(rows, dtype=bool)
        self.primary = np.zeros(rows, dtype=bool)
        self.near = np.zeros(rows, dtype=bool)

    def set(self, idx: np.ndarray, flags: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
        self.hidden[idx], self.primary[idx], self.near[idx] = flags


def _matrix(values: np.ndarray, rows: int) -> np.ndarray:
    return np.asarray(values, dtype=float).reshape(rows, -1)


def _blocks(table: pd.DataFrame, block: list[str]) -> list[np.ndarray]:
    """Row masks of each independent table (one per combination of the block columns)."""
    if not block:
        return [np.ones(len(table), dtype=bool)]
    _, block_id = np.unique(_codes(table[block]), axis=0, return_inverse=True)
    block_id = np.asarray(block_id).ravel()
    return [block_id == b for b in np.unique(block_id)]


def _protect_block(
    keys_all: np.ndarray,
    k: int,
    nested: bool,
    in_block: np.ndarray,
    depth: np.ndarray,
    n: np.ndarray,
    extra: np.ndarray,
    over: np.ndarray,
    ref_n: np.ndarray,
    policy: PrivacyPolicy,
    flags: _Flags,
    bases: dict,
) -> None:
    """Protect one block: its finest cells, then (nested) each shallower level as a table.
    ``keys_all``: every row's group key as integer codes, one column per by-column (``k``)."""
    min_group = policy.min_group
    finest = np.flatnonzero(in_block & (depth == k))
    if not finest.size:
        return
    refs = ref_n[finest[0]]
    keys = keys_all[finest]
    flags.set(
        finest,
        _protect_chain(
            keys, n[finest], min_group, nested, extra[finest], over[finest], refs, bases
        ),
    )
    if not nested:
        return
    for level in range(1, k):
        rows = np.flatnonzero(in_block & (depth == level))
        if rows.size == 0:
            continue
        # the parent table is itself a nested table one level shallower
        uniq, inv = np.unique(keys[:, :level], axis=0, return_inverse=True)
        inv = np.asarray(inv).ravel()

        def total(values: np.ndarray, inv: np.ndarray = inv, g: int = len(uniq)) -> np.ndarray:
            out = np.zeros((g, values.shape[1]))
            for c in range(values.shape[1]):
                out[:, c] = np.bincount(inv, weights=values[:, c], minlength=g)
            return out

        sz = np.bincount(inv, weights=n[finest], minlength=len(uniq))
        sub = _protect_chain(
            uniq, sz, min_group, True, total(extra[finest]), total(over[finest]), refs, bases
        )
        lookup = {tuple(u): i for i, u in enumerate(uniq)}
        for r in rows:
            i = lookup.get(tuple(keys_all[r, :level]))
            if i is None:  # a parent with no children rows: judge it on its own size
                alone = bool(n[r] < min_group or (n[r] > 0 and _risky(extra[r], min_group)))
                flags.set(np.array([r]), (np.array([alone]),) * 2 + (np.array([False]),))
            else:
                flags.set(np.array([r]), (sub[0][i : i + 1], sub[1][i : i + 1], sub[2][i : i + 1]))


def _blank(table: pd.DataFrame, hidden: np.ndarray, visible_cols: set[str]) -> pd.DataFrame:
    """A copy with every number and text of the hidden rows blanked, except ``visible_cols``."""
    out = table.copy()
    if not hidden.any():
        return out
    hidden = np.asarray(hidden, dtype=bool)
    for col in out.columns:
        if col in visible_cols:
            continue
        values = out[col]
        if pd.api.types.is_bool_dtype(values) or pd.api.types.is_integer_dtype(values):
            values = values.astype("float64")
        if pd.api.types.is_numeric_dtype(values) and not isinstance(values.dtype, np.dtype):
            out[col] = values  # a nullable extension type: set its own missing value
            out.loc[hidden, col] = np.nan
            continue
        if pd.api.types.is_numeric_dtype(values):
            blank = values.to_numpy(copy=True)
            blank[hidden] = np.nan
        else:
            blank = values.astype(object).to_numpy(copy=True)
            blank[hidden] = pd.NA
        out[col] = pd.Series(blank, index=out.index, dtype=blank.dtype)  # one write a column
    return out
