"""Confidentiality: the one place that decides which group numbers may be shown.

Every group table (scores, items, eNPS, response rates) passes through :func:`protect_groups`
before it leaves :mod:`analysis.scoring`; filters pass through :func:`check_filter`; comments
through :func:`comment_visibility`. Nothing else in the code base decides visibility.

Rules
-----
* **Minimum group size** (primary suppression): a row resting on fewer than
  ``policy.min_group`` responses is hidden.
* **Complementary suppression**: group tables add up. Counts, sums (n × mean), sums of squares
  (recoverable from the CI) and favourable counts of the groups at one level sum to their
  parent's. A hidden group can therefore be worked out by subtraction when its value is fixed
  by those sums and the visible numbers. We model every published number as a linear
  equation (``parent = Σ children``) and hide additional rows until no group under the
  minimum is determined by the system (null-space test). A group with no responses at all is
  shown as hidden but treated as known: there is nothing to protect, and it shields nobody.
  For one grouping level this is the classic rule "0 or at least 2 hidden groups per level".
  For crossed groupings (team × role) the system contains every margin (each team's and each
  role's total as its own table shows it, computed by running the same protection on that
  margin) and the organisation total. A hidden cell must stay undetermined given all of them:
  any row or column holding a hidden small cell then has a second hidden cell unless its
  margin is hidden too, and subtler recoveries (a chain of pairs linked through one cell) are
  ruled out as well. For nested groupings (division › team) the parents are the prefixes of
  the hierarchy. Extra rows to hide are chosen smallest first (ties by group name), preferring
  one that resolves the exposure on its own.
* **Refusal**: when the margins alone would give a small group away once the table reveals
  which combinations exist (team A is all role x, so role x minus team A is the rest of role
  x), no amount of hiding cells helps and the grouping is refused with :class:`PrivacyError`.
* **Suppressed rows** carry NaN/NA in every field except the group keys, block keys and
  descriptive labels, ``suppressed=True`` and a reason sentence.
* **Filters**: a filtered subset or its remainder under the minimum is refused, and so is a
  subset that differs from a set already shown by fewer than ``min_group`` people.
* **Filtered views, group by group** (see Notes): every row of a filtered view is compared with
  the same row in the unfiltered data and in every filtered view already shown, and hidden
  when the two rest on sets of people that differ by 1..min_group−1.

Notes
-----
Attacker model. Every number shown rests on an exact set of respondents (the filter ∧ the
group ∧ has a value for the measure); a reader learns about a handful of people when a shown
set is under the minimum, or when two shown sets of the same measure differ by 1..min−1
people (n and n × mean of the two give the count and total of the difference), or when sums
of shown rows pin down such a set.

Rule for filters. Any grouping may always be shown unfiltered (its tables protect themselves).
The app and the callers keep, per dataset and viewer and *not* per threshold, the masks of the
filtered views already shown (``shown_filters``). For a filtered view with mask F and every
reference S in {everyone} ∪ shown_filters (:func:`differences`), each row g of every table the
view shows (the org row, each group or crossed cell, every level of a nested grouping, item
and eNPS rows) carries the count |g ∩ (F Δ S) ∩ has-a-value| as an ``exposure`` column, held
to the rule n is held to: it must be 0 or at least min_group, for the row and for any total of
hidden rows a reader can work out (the same linear-system test, so one hidden row is not given
away by the filtered total and the visible rows). If the organisation row itself fails (F and
S differ by 1..min−1 people), :func:`check_filter` refuses the filter. What this covers: a row
g∩F in the filtered view and the same row g∩S in view S differ by exactly g ∩ (F Δ S), and
the later of two views is always the one checked (the earlier one is in its history), so every
same-group pair across views is held to the minimum, including totals of hidden rows. What it
does not cover in general: a filtered row against a *different* group's row elsewhere (Sales∩F
against all of Lyon when Sales∩F happens to lie inside Lyon and Lyon has 1..min−1 people
outside Sales). The random-walk attack test (tests/test_confidentiality_attacks.py) searches
for such pairs across groupings, filters and thresholds and finds none on the sample data,
but the rule does not rule them out. Comments follow the same rule with their own
thresholds (:func:`comments_exposed`: 1..min_comments−1 comments or 1..min_group−1 commenters
gained or lost hide a group's comments; for the whole view, all comment output). A manager
never sees the unfiltered data: their scope replaces "everyone" as the baseline.

Thresholds. Changing the minimum does not reset the history: what was shown at 5 stays known
at 6. Unfiltered views at different minimums show cells of the same partitions, each table
protected on its own; the lowest minimum used is the effective one.

Missing answers. n differs between constructs of one group when people skip items. Such a
gap compares sets of *different* measures: it reveals that someone skipped, not what anyone
answered, and no subtraction of the two scores isolates an answer, so it is not treated as a
disclosure. Within one measure the exposure counts only people with a value for it.

Sums of hidden rows. Classic complementary suppression ("never exactly one hidden group")
still lets a reader compute the hidden groups' total as parent − visible groups; that total
must itself be 0 or at least the minimum (two hidden teams of 1 and 1 under a visible
organisation would describe 2 people), so more rows are hidden until it is.

Reference: Hundepool, A. et al. (2012). *Statistical Disclosure Control*. Wiley, chapters 4
and 5 (tabular data: secondary cell suppression, linked tables and disclosure by
differencing).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd
from scipy.linalg import null_space

__all__ = [
    "PrivacyError",
    "PrivacyPolicy",
    "check_filter",
    "comment_visibility",
    "comments_exposed",
    "differences",
    "protect_groups",
    "reason_complementary",
    "reason_differencing",
    "reason_small",
]

_TOL = 1e-8


class PrivacyError(Exception):
    """A refused filter or grouping; ``str(e)`` is a user-facing sentence."""


@dataclass(frozen=True)
class PrivacyPolicy:
    """Thresholds for showing group results.

    ``min_group`` below 3 is refused: with 2 people each one knows the other's answers from
    the group mean and their own.
    """

    min_group: int = 5
    min_comments: int = 10

    def __post_init__(self) -> None:
        if isinstance(self.min_group, bool) or not isinstance(self.min_group, (int, np.integer)):
            raise ValueError("The minimum group size must be a whole number (3 or more).")
        if self.min_group < 3:
            raise ValueError(
                f"The minimum group size is {self.min_group}, but it can't be below 3: "
                "smaller groups let people work out each other's answers."
            )
        if isinstance(self.min_comments, bool) or not isinstance(
            self.min_comments, (int, np.integer)
        ):
            raise ValueError("The minimum number of comments must be a whole number.")
        if self.min_comments < 1:
            raise ValueError("The minimum number of comments must be at least 1.")


def reason_small(policy: PrivacyPolicy) -> str:
    return f"fewer than {policy.min_group} responses"


def reason_complementary() -> str:
    return "hidden so a smaller group can't be worked out by subtraction"


def reason_differencing(policy: PrivacyPolicy) -> str:
    return (
        "hidden: comparing with an earlier view would single out fewer than "
        f"{policy.min_group} people"
    )


# --------------------------------------------------------------------------------------------
# the linear-system core


def _null_basis(a: np.ndarray, unknown: np.ndarray) -> np.ndarray:
    """A basis of the values the unknown columns can still take given ``a @ x = known``
    (one column per free direction, rows aligned with ``unknown``)."""
    sub = a[:, unknown]
    if sub.shape[1] == 0:
        return np.zeros((0, 0))
    rows = np.flatnonzero(np.abs(sub).sum(axis=1) > 0)
    if rows.size == 0:
        return np.eye(sub.shape[1])
    return null_space(sub[rows])


def _risky(measures: np.ndarray, min_group: int) -> np.ndarray:
    """Rows whose people, or whose people changed since an earlier view, number 1..min-1."""
    return ((measures > 0) & (measures < min_group)).any(axis=-1)


def _subsets(k: int, nested: bool) -> list[tuple[int, ...]]:
    """The margins a k-dimensional table is checked against (proper subsets of its dims)."""
    if nested:
        return [tuple(range(j)) for j in range(k)]
    return [s for r in range(k) for s in combinations(range(k), r)]


def _protect_cells(
    keys: np.ndarray, n: np.ndarray, min_group: int, nested: bool, extra: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Hidden and primary flags for one block of finest-level cells.

    ``keys`` is an (m, k) integer array of category codes, ``n`` the sizes, ``extra`` an
    (m, r) array of further additive counts held to the same rule as ``n`` (the people each
    cell gained or lost against r earlier views; see :func:`protect_groups`).
    """
    m, k = keys.shape
    extra = np.zeros((m, 0)) if extra is None else np.asarray(extra, dtype=float).reshape(m, -1)
    measures = np.column_stack([n, extra])
    primary = (n < min_group) | ((n > 0) & _risky(measures, min_group))
    hidden = primary.copy()
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
            sub_hidden, _ = _protect_cells(uniq, sums[:, 0], min_group, nested, sums[:, 1:])
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

    def exposed(hidden_cells: np.ndarray) -> np.ndarray:
        """Per cell, per aggregate, and per aggregate's hidden part: pinned down and risky."""
        live = hidden_cells & (n > 0)
        unknown = np.flatnonzero(np.concatenate([live, agg_hidden_arr]))
        basis = _null_basis(a, unknown)
        det = np.zeros(m + n_agg, dtype=bool)
        if unknown.size:
            det[unknown] = (
                np.ones(unknown.size, dtype=bool)
                if basis.shape[1] == 0
                else np.linalg.norm(basis, axis=1) < _TOL
            )
        # The hidden cells of one margin, taken together: their total is pinned down whenever
        # the margin is (margin − its visible cells), so it must not describe 1..min−1 people.
        part = np.zeros(n_agg, dtype=bool)
        live_idx = np.flatnonzero(live)
        if live_idx.size:
            hid = member_of[live_idx].T.astype(float)  # (n_agg, live cells)
            part_m = hid @ measures[live_idx]
            cand = _risky(part_m, min_group) & (hid.sum(axis=1) > 1)
            if cand.any():
                pos = np.searchsorted(unknown, live_idx)
                w = np.zeros((n_agg, unknown.size))
                w[:, pos] = hid
                free = np.zeros(n_agg) if basis.shape[1] == 0 else np.linalg.norm(w @ basis, axis=1)
                part = cand & (free < _TOL)
        return np.concatenate([det & sensitive, part])

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
            if not exposed(trial)[target]:
                chosen = int(cand)
                break
        if chosen is None:
            chosen = int(near[0]) if near.size else int(order[0])
        hidden[chosen] = True
    if exposed(hidden).any():
        raise _Unprotectable
    return hidden, primary


class _Unprotectable(Exception):
    """Even with every cell hidden, the margins alone give a small group away."""


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

    Returns
    -------
    A copy in the same row order with ``suppressed`` (bool) and ``suppressed_reason`` ("" when
    visible). On hidden rows every column other than ``by``, ``block``, ``grouping``, ``group``
    and ``keep`` is NaN/NA. See the module docstring for the rules.
    """
    by, block = list(by), list(block)
    missing = [c for c in [*by, *block] if c not in table.columns]
    if missing:
        raise ValueError(f"protect_groups: the table has no column(s) {missing}.")
    size = table[sizes] if isinstance(sizes, str) else pd.Series(sizes, index=table.index)
    n = pd.to_numeric(size, errors="coerce").fillna(0).to_numpy(dtype=float)
    extra = (
        np.zeros((len(table), 0))
        if exposure is None
        else np.asarray(exposure, dtype=float).reshape(len(table), -1)
    )
    hidden = np.zeros(len(table), dtype=bool)
    primary = np.zeros(len(table), dtype=bool)
    depth = table[by].notna().sum(axis=1).to_numpy() if by else np.zeros(len(table), dtype=int)
    k = len(by)
    if nested and k > 1 and not (table[by].notna().cumprod(axis=1).sum(axis=1) == depth).all():
        raise ValueError(
            "protect_groups: nested rows must fill the grouping columns left to right."
        )
    block_codes = _codes(table[block]) if block else np.zeros((len(table), 0), dtype=np.intp)
    _, block_id = (
        np.unique(block_codes, axis=0, return_inverse=True)
        if block
        else (None, np.zeros(len(table), dtype=np.intp))
    )
    block_id = np.asarray(block_id).ravel()
    keys_all = _codes(table[by]) if by else np.zeros((len(table), 0), dtype=np.intp)
    try:
        for b in np.unique(block_id):
            in_block = block_id == b
            if k == 0:
                idx = np.flatnonzero(in_block)
                h, p = _protect_cells(
                    np.zeros((len(idx), 0), dtype=np.intp),
                    n[idx],
                    policy.min_group,
                    False,
                    extra[idx],
                )
                hidden[idx], primary[idx] = h, p
                continue
            finest = np.flatnonzero(in_block & (depth == k))
            h, p = _protect_cells(
                keys_all[finest], n[finest], policy.min_group, nested, extra[finest]
            )
            hidden[finest], primary[finest] = h, p
            if nested:
                for level in range(1, k):
                    rows = np.flatnonzero(in_block & (depth == level))
                    if rows.size == 0:
                        continue
                    # the parent table is itself a nested table one level shallower
                    sub_keys = keys_all[finest][:, :level]
                    uniq, inv = np.unique(sub_keys, axis=0, return_inverse=True)
                    inv = np.asarray(inv).ravel()
                    sz = np.bincount(inv, weights=n[finest], minlength=len(uniq))
                    ex = np.zeros((len(uniq), extra.shape[1]))
                    for j in range(extra.shape[1]):
                        ex[:, j] = np.bincount(inv, weights=extra[finest, j], minlength=len(uniq))
                    sh, sp = _protect_cells(uniq, sz, policy.min_group, True, ex)
                    lookup = {tuple(u): i for i, u in enumerate(uniq)}
                    for r in rows:
                        i = lookup.get(tuple(keys_all[r, :level]))
                        if i is None:  # a parent with no children rows: judge it on its own size
                            hidden[r] = primary[r] = bool(
                                n[r] < policy.min_group
                                or (n[r] > 0 and _risky(extra[r], policy.min_group))
                            )
                        else:
                            hidden[r], primary[r] = sh[i], sp[i]
    except _Unprotectable:
        raise PrivacyError(
            f"Results by {' × '.join(by)} can't be shown safely: some combinations have "
            f"fewer than {policy.min_group} people, and their answers could be worked out "
            f"from the {' and '.join(by)} totals shown elsewhere. Group by one of "
            f"{', '.join(by)} at a time instead."
        ) from None
    out = table.copy()
    visible_cols = {*by, *block, "grouping", "group", *keep}
    for col in out.columns:
        if col in visible_cols or not hidden.any():
            continue
        if pd.api.types.is_bool_dtype(out[col]) or pd.api.types.is_integer_dtype(out[col]):
            out[col] = out[col].astype("float64")
        if pd.api.types.is_numeric_dtype(out[col]):
            out.loc[hidden, col] = np.nan
        else:
            out[col] = out[col].astype(object)
            out.loc[hidden, col] = pd.NA
    out["suppressed"] = hidden
    small = primary & ((n < policy.min_group) | ~_risky(extra, policy.min_group))
    reason = np.where(
        small,
        reason_small(policy),
        np.where(primary, reason_differencing(policy), reason_complementary()),
    )
    out["suppressed_reason"] = np.where(hidden, reason, "")
    out["suppressed_reason"] = out["suppressed_reason"].astype(str)
    return out


# --------------------------------------------------------------------------------------------
# filters and comments


def check_filter(
    groups: pd.DataFrame | int,
    mask: Sequence[bool] | np.ndarray | pd.Series,
    policy: PrivacyPolicy,
    *,
    shown: Iterable[Sequence[bool] | np.ndarray | pd.Series] = (),
) -> np.ndarray:
    """Refuse a respondent filter that would expose a small set of people; return the mask.

    A filter is refused when it selects fewer than ``min_group`` people, when it leaves out
    fewer than ``min_group`` (the remainder could be recovered as total − filtered), or when
    the selected set differs from a set already shown (``shown``, masks over the same
    respondents; the caller keeps that history) by between 1 and ``min_group − 1`` people,
    since comparing the two results would isolate those people. The difference is measured as
    the size of the symmetric difference, which is conservative. This is the organisation row
    of the group-by-group rule (module Notes); the group rows are protected by
    :func:`protect_groups` with ``exposure`` counts from :func:`differences`.

    Raises
    ------
    PrivacyError
        With a sentence saying why and what to change.
    """
    total = groups if isinstance(groups, int) else len(groups)
    m = np.asarray(mask, dtype=bool).ravel()
    if m.size != total:
        raise ValueError(f"The filter covers {m.size} people but the survey has {total}.")
    k = int(m.sum())
    if k == total:
        return m
    if k < policy.min_group:
        raise PrivacyError(
            f"This filter selects {k} {'person' if k == 1 else 'people'}; at least "
            f"{policy.min_group} are needed so nobody's answers can be singled out. "
            "Widen the filter."
        )
    rest = total - k
    if rest < policy.min_group:
        raise PrivacyError(
            f"This filter leaves out only {rest} {'person' if rest == 1 else 'people'}, whose "
            "answers could then be worked out by comparing with the full results. Choose a "
            f"filter that leaves out at least {policy.min_group} people, or remove it."
        )
    for prev in shown:
        p = np.asarray(prev, dtype=bool).ravel()
        if p.size != total:
            continue
        diff = int((p ^ m).sum())
        if 0 < diff < policy.min_group:
            raise PrivacyError(
                f"This filter differs by only {diff} {'person' if diff == 1 else 'people'} "
                "from a selection already shown, so comparing the two would reveal their "
                f"answers. Choose a selection that differs by at least {policy.min_group} "
                "people."
            )
    return m


def differences(
    mask: Sequence[bool] | np.ndarray | pd.Series,
    shown: Iterable[Sequence[bool] | np.ndarray | pd.Series] = (),
    *,
    everyone: bool = True,
) -> list[np.ndarray]:
    """The people a filtered view differs by from each view a reader can compare it with.

    The references are everyone (every grouping may always be shown unfiltered; pass
    ``everyone=False`` for a reader who can never see the unfiltered data, such as a manager,
    whose own scope is then one of ``shown``) and every filter already shown; one mask
    ``mask XOR reference`` each, without repeats or empties.
    Pass them (as respondent subsets) to the group tables, whose rows then keep their count
    of these people at 0 or at least ``min_group`` (see the module docstring).
    """
    m = np.asarray(mask, dtype=bool).ravel()
    out: list[np.ndarray] = []
    seen: set[bytes] = set()
    for ref in [*([np.ones(m.size, dtype=bool)] if everyone else []), *shown]:
        r = np.asarray(ref, dtype=bool).ravel()
        if r.size != m.size:
            continue
        d = m ^ r
        key = np.packbits(d).tobytes()
        if d.any() and key not in seen:
            seen.add(key)
            out.append(d)
    return out


def comments_exposed(
    codes: np.ndarray,
    respondents: np.ndarray,
    changed: Sequence[np.ndarray],
    policy: PrivacyPolicy,
    n_groups: int,
) -> np.ndarray:
    """Which groups' comments a comparison with an earlier view would tie to a few people.

    ``codes`` is each comment's group (0..n_groups−1), ``respondents`` its respondent's row
    (−1: none), ``changed`` the masks from :func:`differences`. A group is exposed when, for
    some earlier view, the comments it gains or loses number 1..min_comments−1 or come from
    1..min_group−1 people: the two views' comment lists, counts and shares would then describe
    those few comments or people, which neither view may show on its own.
    """
    out = np.zeros(n_groups, dtype=bool)
    codes = np.asarray(codes, dtype=np.intp)
    resp = np.asarray(respondents, dtype=np.intp)
    for d in changed:
        sel = (resp >= 0) & np.asarray(d, dtype=bool)[np.maximum(resp, 0)]
        if not sel.any():
            continue
        count = np.bincount(codes[sel], minlength=n_groups)
        pairs = np.unique(np.column_stack([codes[sel], resp[sel]]), axis=0)
        people = np.bincount(pairs[:, 0], minlength=n_groups)
        out |= ((count > 0) & (count < policy.min_comments)) | (
            (people > 0) & (people < policy.min_group)
        )
    return out


def comment_visibility(
    counts: pd.Series,
    policy: PrivacyPolicy,
    sizes: pd.Series | None = None,
    *,
    hide: Iterable[object] = (),
) -> pd.Series:
    """Which groups may show their comments (bool Series indexed like ``counts``).

    A group's comments show when it has at least ``min_comments`` comments and, when
    ``sizes`` (respondents per group) is given, at least ``min_group`` respondents, and it is
    not in ``hide`` (groups :func:`comments_exposed` finds). If that hides exactly one group
    that has comments, the next smallest is hidden too, so its comments can't be isolated as
    "all comments minus the visible groups' ones".
    """
    c = pd.to_numeric(counts, errors="coerce").fillna(0)
    ok = (c >= policy.min_comments) & ~c.index.isin(list(hide))
    if sizes is not None:
        s = pd.to_numeric(sizes.reindex(c.index), errors="coerce").fillna(0)
        ok &= s >= policy.min_group
    protected = (~ok) & (c > 0)
    if int(protected.sum()) == 1:
        candidates = c[ok].sort_values(kind="stable")
        if len(candidates):
            ok[candidates.index[0]] = False
    return ok.astype(bool)
