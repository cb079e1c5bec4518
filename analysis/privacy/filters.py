"""Respondent filters, their history, and comment visibility."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from analysis.privacy.pinning import TOL, null_basis, small_unions_pinned
from analysis.privacy.policy import FLOOR, PrivacyError, PrivacyPolicy

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
    Pass them (as :class:`analysis.scoring.Difference`) to the group tables, whose rows then
    keep their count of these people at 0 or at least ``min_group`` (see the module docstring).
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
        people = _people_per_group(codes[sel], resp[sel], n_groups)
        out |= ((count > 0) & (count < policy.min_comments)) | (
            (people > 0) & (people < policy.min_group)
        )
    return out


def commenters_per_group(codes: np.ndarray, respondents: np.ndarray, n_groups: int) -> np.ndarray:
    """Distinct respondents with a comment per group (``codes``: each comment's group, −1:
    none; ``respondents``: its respondent as a non-negative integer, −1: unknown, counted in no
    group). A group's comments show only from ``min_group`` commenters: a team of 30 whose
    comments all come from its two directors (the crossed views list which cells hold
    comments) would otherwise show those two people's comments under the team's name."""
    codes = np.asarray(codes, dtype=np.intp)
    resp = np.asarray(respondents, dtype=np.intp)
    keep = (codes >= 0) & (resp >= 0)
    return _people_per_group(codes[keep], resp[keep], n_groups)


def _people_per_group(codes: np.ndarray, resp: np.ndarray, n_groups: int) -> np.ndarray:
    """Distinct respondents per group among comments (``codes``: group, ``resp``: respondent).

    Usually each respondent's comments share one group (the group is the respondent's): then
    one group per respondent, marked in place. Otherwise distinct (group, respondent) pairs,
    as one integer key each (a 1-D sort, not rows)."""
    if not len(resp):
        return np.zeros(n_groups, dtype=np.intp)
    group_of = np.full(int(resp.max()) + 1, -1, dtype=np.intp)
    group_of[resp] = codes
    if (group_of[resp] == codes).all():
        return np.bincount(group_of[group_of >= 0], minlength=n_groups)
    width = np.int64(resp.max()) + 1
    pairs = np.unique(codes.astype(np.int64) * width + resp)
    return np.bincount(pairs // width, minlength=n_groups)


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
    not in ``hide`` (groups :func:`comments_exposed` finds). The hidden groups with comments
    are then none, or two or more holding ``min_comments`` comments (and, with ``sizes``,
    ``min_group`` people) together: else the smallest shown group is hidden too, and so on,
    so "all comments minus the visible groups' ones" describes no group, nor a few people
    (a review took a lone hidden team's 7 texts, by 3 people, as the whole survey's minus the
    Team view's minus a filter to the team hidden beside it, before that filter followed
    this rule). That choice is made at :data:`FLOOR` first and then at each higher minimum
    group size keeping the groups already hidden, so the groups hidden at a higher minimum
    include those hidden at a lower one.
    """
    c = pd.to_numeric(counts, errors="coerce").fillna(0)
    base = (c >= policy.min_comments) & ~c.index.isin(list(hide))
    s = None if sizes is None else pd.to_numeric(sizes.reindex(c.index), errors="coerce").fillna(0)
    ok = base.copy()
    for k in range(min(FLOOR, policy.min_group), policy.min_group + 1):
        ok = ok & base & (True if s is None else s >= k)
        while (protected := (~ok) & (c > 0)).any():
            if (
                int(protected.sum()) >= 2
                and c[protected].sum() >= policy.min_comments
                and (s is None or s[protected].sum() >= k)
            ):
                break
            candidates = c[ok].sort_values(kind="stable")
            if not len(candidates):
                break
            ok[candidates.index[0]] = False
    return ok.astype(bool)


def crossed_comment_visibility(
    visible: pd.Series,
    counts: pd.Series,
    parts: pd.DataFrame,
    policy: PrivacyPolicy,
    *,
    audit: bool | None = None,
    people: pd.Series | None = None,
) -> pd.Series:
    """``visible`` with more cells hidden so no hidden cell of a crossed grouping can be
    isolated from a single grouping's view (a fifth review: the team's pack listed 317
    comments, the team × role view 309 of them, so the 8 of a hidden "× Director" cell were
    the difference).

    ``parts`` (indexed like ``counts``) holds each cell's value per grouping column. In every
    row and column of the crossing (e.g. one team's cells), cells with comments that are
    hidden must be at least two and hold at least ``min_comments`` comments (and, with
    ``people``, each cell's distinct commenters, ``min_group`` commenters) together, or be
    none; otherwise the row's smallest shown cell is hidden too, until every row and column
    holds (complementary suppression, as statistical offices protect tables with margins:
    Hundepool et al. 2012, *Statistical Disclosure Control*, section 4.2). With ``audit``
    (by default, for two columns), an audit of the margin equations then hides more until no
    hidden cell (nor a total under ``min_comments`` comments or ``min_group`` commenters of
    two or three of them) is pinned down (:func:`_unpinned`). The groups hidden are a superset
    of ``visible``'s, so no view shows more than before.
    """
    ok = visible.reindex(counts.index).fillna(False).to_numpy(dtype=bool).copy()
    c = pd.to_numeric(counts, errors="coerce").fillna(0).to_numpy(dtype=float)
    p = None
    if people is not None:
        p = pd.to_numeric(people.reindex(counts.index), errors="coerce").fillna(0).to_numpy(float)
    at = parts.reset_index(drop=True)
    slices = [
        np.asarray(idx, dtype=np.intp)
        for col in at.columns
        for idx in at.groupby(col, sort=True).groups.values()
    ]
    slices = [idx[c[idx] > 0] for idx in slices]
    of_cell: list[list[int]] = [[] for _ in range(len(c))]
    for k, idx in enumerate(slices):
        for cell in idx:
            of_cell[cell].append(k)
    while True:
        ok = _rows_and_columns(ok, c, slices, of_cell, policy, p)
        if not (at.shape[1] == 2 if audit is None else audit):
            break
        # a row or column is an equation when its view shows its total: two cells or more
        # (one cell's total is that cell, released by the same rule) and min_comments
        margins = [i for i in slices if len(i) >= 2 and c[i].sum() >= policy.min_comments]
        # every hidden cell is kept from being pinned down, complements too: a view of three
        # columns releases a line's total when its two-column cell shows, so a hidden
        # complement's total must stay unknown for the lines through it to stay unknown
        audited = _unpinned(ok, ~ok & (c > 0), c, margins, policy, p)
        if (audited == ok).all():
            break
        ok = audited  # a cell the audit hid may be alone in a row or column: the rule again
    return pd.Series(ok, index=counts.index)


def _rows_and_columns(
    ok: np.ndarray,
    c: np.ndarray,
    slices: list[np.ndarray],
    of_cell: list[list[int]],
    policy: PrivacyPolicy,
    p: np.ndarray | None = None,
) -> np.ndarray:
    """``ok`` with more cells hidden until every row and column (``slices``) hides no cell
    with comments, or two or more holding ``min_comments`` (and ``min_group`` commenters,
    ``p``) together (see :func:`crossed_comment_visibility`)."""
    ok = ok.copy()
    changed = True
    while changed:
        changed = False
        for k, idx in enumerate(slices):
            hidden = idx[~ok[idx]]
            if not len(hidden) or (
                len(hidden) >= 2
                and c[hidden].sum() >= policy.min_comments
                and (p is None or p[hidden].sum() >= policy.min_group)
            ):
                continue
            shown = idx[ok[idx]]
            if not len(shown):
                continue
            # the fewest other rows or columns left with a lone hidden cell, then the smallest
            # (a cell in a column that already hides one: no new cell to protect there)
            lone = [
                sum(1 for j in of_cell[cell] if j != k and ok[slices[j]].all()) for cell in shown
            ]
            pick = min(range(len(shown)), key=lambda i: (lone[i], c[shown[i]], i))
            ok[shown[pick]] = False
            changed = True
    return ok


def _unpinned(
    ok: np.ndarray,
    protect: np.ndarray,
    c: np.ndarray,
    slices: list[np.ndarray],
    policy: PrivacyPolicy,
    p: np.ndarray | None = None,
) -> np.ndarray:
    """``ok`` with more cells hidden until the margins pin down no ``protect`` cell's comment
    count, nor the total of two or three of them under ``min_comments`` (or, with ``p``,
    under ``min_group`` commenters).

    The row and column rule is not enough: hidden cells form a graph (rows and columns its
    nodes, hidden cells its edges) in which every node has 0 or 2+ edges, yet an edge joining
    two cycles (a bridge) lies on no cycle, and its cell is its row's margin minus the rest of
    the row, whose total the columns give. A hidden cell is pinned down when its row of the
    null-space basis of the margin equations is zero (Hundepool et al. 2012, *Statistical
    Disclosure Control*, section 4.4, on auditing a suppression pattern). For a pinned cell,
    the smallest shown cell nearest it (in its rows and columns, else in those of the hidden
    cells beside it, and so on) whose hiding frees it is hidden (else the smallest), until no
    cell is pinned or none is left to hide."""
    if not slices or not protect.any():
        return ok
    a = np.zeros((len(slices), len(c)), dtype=bool)
    for k, idx in enumerate(slices):
        a[k, idx] = True
    # what the margins pin down with every cell hidden, no hiding can free: a row of three
    # cells with 4 comments between them is Σ columns − Σ other rows. That is for the
    # margins' own views to protect; chasing it hid every cell of the sample's team × role
    # view at a minimum of 3 (a tenth review). Such cells are kept out of the unions searched
    # (``alone``: kept out altogether when pinned on their own)
    everything = np.zeros(len(c), dtype=bool)
    alone = _pinned(a, everything, protect, c, policy, unions=False)
    protect = protect & ~alone
    # per size (comments, then commenters): cells of a small union so pinned, left out of
    # that size's unions only (a commenters' union never shields a comments' one)
    in_union = [m & ~alone for m in _pinned(a, everything, protect, c, policy, p=p, each=True)]
    ok = ok.copy()
    while (pinned := _pinned(a, ok, protect, c, policy, no_union=in_union, p=p)).any():
        for bad in np.flatnonzero(pinned):
            cand = _nearest_shown(a, ok, bad)
            if cand.size:
                break
        else:
            return ok  # every cell beside the pinned ones is hidden already
        order = sorted(cand, key=lambda j: (c[j], j))
        pick = order[0]
        for j in order:
            trial = ok.copy()
            trial[j] = False
            if not _pinned(a, trial, protect, c, policy, only=bad, no_union=in_union, p=p)[bad]:
                pick = j
                break
        ok[pick] = False
    return ok


def _nearest_shown(a: np.ndarray, ok: np.ndarray, cell: int) -> np.ndarray:
    """The shown cells of the rows and columns (``a``: slices × cells) holding ``cell``; when
    they hide every cell, those of the rows and columns of the hidden cells found, and so on."""
    seen = np.zeros(a.shape[1], dtype=bool)
    seen[cell] = True
    front = seen.copy()
    while front.any():
        near = a[a[:, front].any(axis=1)].any(axis=0) & ~seen
        shown = near & ok
        if shown.any():
            return np.flatnonzero(shown)
        seen |= near
        front = near
    return np.zeros(0, dtype=np.intp)


def _pinned(
    a: np.ndarray,
    ok: np.ndarray,
    protect: np.ndarray,
    c: np.ndarray,
    policy: PrivacyPolicy,
    only: int | None = None,
    no_union: list[np.ndarray] | None = None,
    unions: bool = True,
    p: np.ndarray | None = None,
    each: bool = False,
) -> Any:
    """Per cell: is it a ``protect`` cell whose count (or whose total with one or two others,
    under ``min_comments`` comments or, with ``p``, ``min_group`` commenters, unless
    ``unions`` is off) the margin equations ``a`` pin down with the ``ok`` cells shown? Cells
    in ``no_union[k]`` are left out of the k-th size's unions (comments, then commenters).
    With ``only``, just that cell's verdict is worked out. With ``each``, a list: per size,
    the cells in a small union pinned down."""
    out = np.zeros(len(c), dtype=bool)
    unknown = np.flatnonzero(~ok & (c > 0))
    sizes = [(c, policy.min_comments)] + ([] if p is None else [(p, policy.min_group)])
    if not unknown.size:
        return [out.copy() for _ in sizes] if each else out
    basis = null_basis(a.astype(float), unknown)
    out[unknown] = np.linalg.norm(basis, axis=1) < TOL
    if not unions:
        return out & protect
    found = []
    for k, (size, minimum) in enumerate(sizes):  # a union small in comments, or commenters
        small = protect & ~ok & (size < minimum)
        if no_union is not None:
            small &= ~no_union[k]
        hit = np.zeros(len(c), dtype=bool)
        if only is None:
            hit = small_unions_pinned(small, size, unknown, basis, minimum)
        elif not out[only] and small[only]:
            hit = small_unions_pinned(small, size, unknown, basis, minimum, only)
        found.append(hit & protect)
    if each:
        return found
    return (out | np.logical_or.reduce(found)) & protect


def small_cells_pinned(
    a: np.ndarray, c: np.ndarray, people: np.ndarray, policy: PrivacyPolicy
) -> np.ndarray:
    """Per cell (column of ``a``, the equations of the released totals, every cell unknown):
    is the cell, or its total with one or two others, pinned down while under
    ``min_comments`` comments (``c``) or ``min_group`` commenters (``people``)? Only cells
    with comments count (a cell without is no cell of the crossing)."""
    live = c > 0
    unknown = np.flatnonzero(live)
    out = np.zeros(len(c), dtype=bool)
    if not unknown.size:
        return out
    basis = null_basis(np.asarray(a, dtype=float), unknown)
    single = np.zeros(len(c), dtype=bool)
    single[unknown] = np.linalg.norm(basis, axis=1) < TOL
    for size, minimum in ((c, policy.min_comments), (people, policy.min_group)):
        small = live & (size < minimum)
        out |= single & small
        out |= small_unions_pinned(small, size, unknown, basis, minimum)
    return out
