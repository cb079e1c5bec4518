"""Which cells of a crossing of grouping columns may show their comments, survey-wide.

A view's groups are cells of a crossing whenever it groups or filters by more than one column
(filtered to team T and grouped by role: the T × R cells), and a comment's text is the same in
every view. Both let a reader tie comments to a cell that the crossed view hides. So:

* **texts** (:func:`text_columns`): a view grouped or filtered beyond the team shows a comment's
  text only where its cell of the ordered crossing (team, role, then the other grouping
  columns, up to the last the view uses) may show comments. A fifth review took team T's
  comments from the Team view and role R's from the Role view: the texts in both were the
  hidden T × R cell's (8 comments, exactly).
* **counts** (:func:`view_columns`): a view's group is a cell (or a union of cells) of the
  crossing of its grouping and filter columns, so it shows its comments (counts, shares,
  themes, hot-spot evidence) only when every cell it holds may. One hidden set per crossing,
  whatever the view's column order and filter: the Team × Role view once hid its own
  complementary cells, in its own column order, and views filtered to one team (by role) hid
  others, so an eighth review subtracted the cells shown across them from the Role view and
  recovered a one-person cell's comment and negative counts. A seventh review combined
  views filtered to one team (by role) and to one role (by team) with the unfiltered ones and
  recovered the comment, negative and training-request counts of 14 of 39 hidden team × role
  cells exactly.

"May show" (:func:`allowed_cells`) means at least ``min_comments`` comments from at least
``min_group`` people (commenters, not members: a cell of 30 whose comments come from two of
them would show those two people's comments), every parent cell allowed too (for a team ×
role × location cell: its team × role, team × location and role × location cells), and
complementary cells hidden in every row, column and line of the crossing
(:func:`analysis.privacy.crossed_comment_visibility`; for two columns, with an audit of the
margin equations), so neither matching nor subtracting isolates a cell that may not show its
comments (Hundepool et al. 2012, *Statistical Disclosure
Control*, on linked tables). A ninth review had recovered a two-person team × role ×
location cell's 5 comments from the team × location view and two views filtered to one team
and to one location: the rule had checked only the team × role parent and single columns.

Read together, the crossings' shown cells must still pin down no small hidden cell
(:func:`crossings_hold`, a joint audit over the finest cells; where it fails, crossings of
three or more columns show no comments), and two columns' shown groups none of their
crossing (:func:`margin_hidden`: one of the two groups then hides its comments).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import numpy as np
import pandas as pd

from analysis import privacy
from analysis.pipeline.model import Prepared
from analysis.privacy import PrivacyPolicy

__all__ = [
    "allowed_cells",
    "cells_ok",
    "crossings_hold",
    "margin_hidden",
    "selection_columns",
    "text_columns",
    "view_columns",
]


def text_columns(prep: Prepared, used: Sequence[str]) -> list[str]:
    """The crossing that decides which comment texts a view may show: the ordered grouping
    columns up to the last one the view groups or filters by. Empty for a view by team alone
    or by nothing."""
    order = prep.crossing_order(prep.grouping_columns)
    at = [order.index(c) for c in used if c in order]
    return order[: max(at) + 1] if at and max(at) >= 1 else []


def view_columns(prep: Prepared, by: Sequence[str], filters: Sequence[str]) -> list[str]:
    """The crossing whose cells a view's groups are: its grouping and filter columns, in the
    fixed order, whatever order the view lists them in. Empty when the view uses one column
    or none (a margin, which the crossed tables release)."""
    used = {*by, *filters}
    cols = prep.crossing_order(used)
    return cols if len(cols) >= 2 else []


def selection_columns(prep: Prepared, filters: Sequence[str]) -> list[str]:
    """The filter columns in the fixed order: a filtered view's people are a union of cells of
    their crossing (of groups, for one column), each of which must be allowed."""
    return prep.crossing_order(filters)


def cells_ok(
    prep: Prepared, comments: pd.DataFrame, cols: list[str], policy: PrivacyPolicy
) -> np.ndarray | None:
    """Per comment of ``comments``: may its cell of the crossing ``cols`` show comments?
    None when there is no crossing (``cols`` empty) or no comment."""
    if not cols or not len(comments):
        return None
    allowed = allowed_cells(prep, cols, policy)
    cells = pd.MultiIndex.from_frame(comments[cols].astype(str))  # per distinct value: categories
    return allowed.reindex(cells).fillna(False).to_numpy(dtype=bool)


def allowed_cells(prep: Prepared, cols: Sequence[str], policy: PrivacyPolicy) -> pd.Series:
    """Per cell of the crossing of ``cols`` (a MultiIndex of its values as text), whether its
    comments may show (see the module docstring). Cached per upload, crossing and policy: a
    minimum group size of 3 allows cells that one of 8 does not."""
    cols = list(cols)
    raw = _cells(prep, cols, policy)
    if len(cols) >= 3 and not crossings_hold(prep, policy):
        return pd.Series(False, index=raw.index)
    return raw


def _cells(prep: Prepared, cols: list[str], policy: PrivacyPolicy) -> pd.Series:
    """:func:`allowed_cells` by the crossing's own rules, before the joint audit."""
    return prep.views.get(
        "comment_cells",
        (tuple(cols), policy.min_comments, policy.min_group),
        lambda: _allowed(prep, cols, policy),
    )


def _allowed(prep: Prepared, cols: list[str], policy: PrivacyPolicy) -> pd.Series:
    analysed = prep.comments["analysed"].to_numpy(dtype=bool)
    everyone = prep.comments.loc[analysed, cols].astype(str)
    counts = everyone.value_counts()
    # a respondent's comments share one cell (the respondent's): the first comment of each
    # distinct respondent counts the cell's commenters
    first = ~prep.comments.loc[analysed, "respondent"].duplicated().to_numpy()
    heads = everyone[first].value_counts().reindex(counts.index).fillna(0)
    if len(cols) == 1:
        # one column's groups, as its own view hides them (complement included): a view
        # filtered to the team hidden beside a lone hidden one gave that one away
        hide = [(v,) for v in margin_hidden(prep, policy).get(cols[0], ())]
        return privacy.comment_visibility(counts, policy, sizes=heads, hide=hide)
    ok = (counts >= policy.min_comments) & (heads >= policy.min_group)
    cells = counts.index.to_frame(index=False)
    codes = {c: pd.factorize(cells[c], sort=True)[0].astype(np.int64) for c in cols}
    lines = {}  # per sub-crossing, each cell's cell of it (a number): rows, columns, lines
    for size in range(1, len(cols)):
        for sub in combinations(cols, size):
            key = np.zeros(len(cells), dtype=np.int64)
            for c in sub:  # mixed radix: one number per distinct cell of the sub-crossing
                key = key * (int(codes[c].max(initial=0)) + 1) + codes[c]
            lines["\x1f".join(sub)] = key
            if size == len(cols) - 1 >= 2 and len(counts):
                # a cell whose parent cell (of any k − 1 of its columns) may not show comments
                # may not either: else a view by tenure filtered to a hidden team × role cell
                # showed its texts, and a hidden team × location cell was the sum of the
                # team × role × location cells a view by team × role filtered to it showed
                parent = _cells(prep, list(sub), policy)
                at = pd.MultiIndex.from_frame(cells[list(sub)])
                ok &= parent.reindex(at).fillna(False).to_numpy(dtype=bool)
    parts = pd.DataFrame(lines, index=counts.index)
    # the margin audit for two columns only: three hold hundreds of small cells, and its
    # null spaces took 70 s on the 1,200-person sample
    return privacy.crossed_comment_visibility(
        ok, counts, parts, policy, audit=len(cols) == 2, people=heads
    )


def margin_hidden(prep: Prepared, policy: PrivacyPolicy) -> dict[str, frozenset[str]]:
    """Per grouping column, the groups whose comments its own view hides beyond the usual
    rule, so that no two columns' shown groups (and the whole survey) pin down a small cell
    of their crossing: a team whose roles, bar a few people's, are a role no other team has
    is that role plus those few, so the Team view minus the Role view gave the few's
    comments (every cell of the crossing hidden or not: the crossed audit cannot help).
    Cached per upload and policy."""
    return prep.views.get(
        "comment_margins",
        (policy.min_comments, policy.min_group),
        lambda: _margin_hidden(prep, policy),
    )


def _margin_hidden(prep: Prepared, policy: PrivacyPolicy) -> dict[str, frozenset[str]]:
    cols = prep.crossing_order(prep.grouping_columns)
    analysed = prep.comments["analysed"].to_numpy(dtype=bool)
    has = prep.comments.loc[analysed, cols].astype(str)
    first = ~prep.comments.loc[analysed, "respondent"].duplicated().to_numpy()
    hide: dict[str, set[str]] = {c: set() for c in cols}
    org = len(has) >= policy.min_comments and int(first.sum()) >= policy.min_group
    for _ in range(sum(has[c].nunique() for c in cols) + 1):  # one more margin hidden a pass
        shown = {c: _shown_margin(has, first, c, policy, hide[c]) for c in cols}
        leak = None
        for x, y in combinations(cols, 2):
            if (leak := _margin_leak(has[[x, y]], first, shown, policy, org)) is not None:
                break
        if leak is None:
            break
        hide[leak[0]].add(leak[1])
    return {c: frozenset(v) for c, v in hide.items()}


def _shown_margin(
    has: pd.DataFrame, first: np.ndarray, col: str, policy: PrivacyPolicy, hide: set[str]
) -> set[str]:
    counts = has[col].value_counts()
    people = has.loc[first, col].value_counts().reindex(counts.index).fillna(0)
    vis = privacy.comment_visibility(counts, policy, sizes=people, hide=hide)
    return set(vis.index[vis.to_numpy(dtype=bool)])


def _margin_leak(
    pair: pd.DataFrame,
    first: np.ndarray,
    shown: dict[str, set[str]],
    policy: PrivacyPolicy,
    org: bool,
) -> tuple[str, str] | None:
    """The margin (column, value) to hide next, or None: with every cell of the crossing of
    ``pair``'s two columns hidden, do the shown margins (and the whole survey's total) pin
    down a cell, or a total of two or three cells, under ``min_comments`` comments or
    ``min_group`` commenters? Then the shown margin of the first such cell with the fewest
    comments is hidden."""
    counts = pair.value_counts(sort=False).sort_index()
    people = pair[first].value_counts().reindex(counts.index).fillna(0).to_numpy(dtype=float)
    c = counts.to_numpy(dtype=float)
    cells = counts.index.to_frame(index=False)
    rows, margins = [], []
    for col in cells.columns:
        for value in sorted(set(cells[col]) & shown[col]):
            rows.append((cells[col] == value).to_numpy(dtype=float))
            margins.append((col, value))
    if org:
        rows.append(np.ones(len(c)))
    if not margins:
        return None
    hit = privacy.small_cells_pinned(np.array(rows), c, people, policy)
    if not hit.any():
        return None
    cell = cells.iloc[int(np.flatnonzero(hit)[0])]
    options = [(col, str(cell[col])) for col in cells.columns if str(cell[col]) in shown[col]]
    if not options:
        return None
    size = {m: c[(cells[m[0]] == m[1]).to_numpy()].sum() for m in options}
    return min(options, key=lambda m: (size[m], margins.index(m)))


def crossings_hold(prep: Prepared, policy: PrivacyPolicy) -> bool:
    """Whether the cells every crossing shows (any one, two, three or more grouping columns,
    and the whole survey), read together, pin down no small cell that one of them hides, nor
    the total of two such cells of one crossing (a joint audit over the finest cells). When
    they do, crossings of three or more columns show no comments at all: their cells are
    audited one crossing at a time (line rule and parents), and an eleventh review added
    sister crossings (Sales × Remote by role, and by tenure; Sales × Specialist × 3-5 years
    by location; Remote by team) to recover one person's comment at a minimum of 3 people
    and 5 comments. Two columns and one keep their own audits. Cached per upload and policy."""
    return prep.views.get(
        "comment_joint",
        (policy.min_comments, policy.min_group),
        lambda: _crossings_hold(prep, policy),
    )


def _crossings_hold(prep: Prepared, policy: PrivacyPolicy) -> bool:
    cols = prep.crossing_order(prep.grouping_columns)
    analysed = prep.comments["analysed"].to_numpy(dtype=bool)
    if len(cols) < 3 or not analysed.any():
        return True
    finest = prep.comments.loc[analysed, cols].astype(str)
    first = ~prep.comments.loc[analysed, "respondent"].duplicated().to_numpy()
    counts = finest.value_counts(sort=False).sort_index()
    heads = finest[first].value_counts().reindex(counts.index).fillna(0).to_numpy(dtype=float)
    c = counts.to_numpy(dtype=float)
    cells = counts.index.to_frame(index=False)
    codes = {col: pd.factorize(cells[col], sort=True)[0].astype(np.int64) for col in cols}
    org = c.sum() >= policy.min_comments and heads.sum() >= policy.min_group
    rows = [np.ones((1, len(c)))] if org else []
    hidden = []  # per crossing: its hidden cells' indicators, comments and commenters
    for size in range(1, len(cols) + 1):
        for sub in combinations(cols, size):
            key = np.zeros(len(c), dtype=np.int64)
            for col in sub:
                key = key * (int(codes[col].max(initial=0)) + 1) + codes[col]
            _, at, inv = np.unique(key, return_index=True, return_inverse=True)
            shown = _cells(prep, list(sub), policy)
            where = pd.MultiIndex.from_frame(cells.iloc[at][list(sub)])
            ok = shown.reindex(where).fillna(False).to_numpy(dtype=bool)
            member = np.zeros((len(at), len(c)))
            member[inv.ravel(), np.arange(len(c))] = 1.0
            rows.append(member[ok])
            hidden.append((member[~ok], member[~ok] @ c, member[~ok] @ heads))
    free = privacy.null_basis(np.vstack(rows), np.arange(len(c)))
    sizes = ((policy.min_comments, 0), (policy.min_group, 1))
    return not any(
        privacy.small_sets_pinned(member @ free, [(n_and_people[i], m) for m, i in sizes])
        for member, *n_and_people in hidden
        if len(member)
    )
