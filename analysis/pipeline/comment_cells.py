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
comments (Hundepool et al. 2012, *Statistical Disclosure Control*, on linked tables). A
ninth review had recovered a two-person team × role × location cell's 5 comments from the
team × location view and two views filtered to one team and to one location: the rule had
checked only the team × role parent and single columns.

Read together, the crossings' shown cells must still pin down no small hidden cell
(:func:`crossing_limit`, a joint audit over the finest cells: crossings of more columns than
it allows show no comments), and two columns' shown groups none of their crossing
(:func:`margin_hidden`: one of the groups then hides its comments).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import combinations

import numpy as np
import pandas as pd

from analysis import privacy
from analysis.pipeline.model import Prepared
from analysis.privacy import PrivacyPolicy
from analysis.scoring import NO_ANSWER

__all__ = [
    "allowed_cells",
    "cells_ok",
    "crossing_limit",
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
    # per distinct value: categories; a missing value as the views and the cells label it
    cells = pd.MultiIndex.from_frame(comments[cols].astype(str).fillna(NO_ANSWER))
    return allowed.reindex(cells).fillna(False).to_numpy(dtype=bool)


def allowed_cells(prep: Prepared, cols: Sequence[str], policy: PrivacyPolicy) -> pd.Series:
    """Per cell of the crossing of ``cols`` (a MultiIndex of its values as text), whether its
    comments may show (see the module docstring). Cached per upload, crossing and policy: a
    minimum group size of 3 allows cells that one of 8 does not."""
    cols = list(cols)
    raw = _cells(prep, cols, policy)
    if len(cols) >= 2 and len(cols) > crossing_limit(prep, policy):
        return pd.Series(False, index=raw.index)
    return raw


def _cells(prep: Prepared, cols: list[str], policy: PrivacyPolicy) -> pd.Series:
    """:func:`allowed_cells` by the crossing's own rules, before the joint audit."""
    # a store per crossing: four grouping columns make 15 crossings, and one store keeps
    # only ViewCache.SIZE values (the joint audit recomputed 37 crossings instead of 15)
    return prep.views.get(
        f"comment_cells {' × '.join(cols)}",
        (policy.min_comments, policy.min_group),
        lambda: _allowed(prep, cols, policy),
    )


def _allowed(prep: Prepared, cols: list[str], policy: PrivacyPolicy) -> pd.Series:
    analysed = prep.comments["analysed"].to_numpy(dtype=bool)
    everyone = _values(prep, analysed, cols)
    counts = everyone.value_counts()
    first = _first_comments(prep, analysed)
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
            lines["\x1f".join(sub)] = _cell_key(codes, sub)
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
    has = _values(prep, analysed, cols)
    first = _first_comments(prep, analysed)
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
    ``min_group`` commenters? Then the smaller of that cell's own shown groups is hidden,
    else the smallest shown group whose hiding frees it."""
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
    a = np.array(rows)
    hit = privacy.small_cells_pinned(a, c, people, policy)
    size = {m: c[(cells[m[0]] == m[1]).to_numpy()].sum() for m in margins}
    for at in np.flatnonzero(hit):
        cell = cells.iloc[int(at)]
        own = [(col, str(cell[col])) for col in cells.columns if (col, str(cell[col])) in size]
        if own:  # one of the cell's own groups, the smaller
            return min(own, key=lambda m: (size[m], margins.index(m)))
        # pinned through other groups (the whole survey minus team C minus role Z): the
        # smallest shown group whose hiding frees it
        for m in sorted(margins, key=lambda m: (size[m], margins.index(m))):
            keep = np.ones(len(a), dtype=bool)
            keep[margins.index(m)] = False
            if not privacy.small_cells_pinned(a[keep], c, people, policy)[at]:
                return m
    return None


#: Finest cells above which the joint audit is not run (its SVD grows with their cube: about
#: 10 s for 2,500 cells); crossings of three or more columns then show no comments.
JOINT_CELLS = 2000
#: Grouping columns above which the joint audit is not run (a survey of ten demographic
#: columns has 1,023 crossings): the two-column crossings are then read together three
#: columns at a time, and crossings of three or more columns show no comments.
JOINT_COLUMNS = 4
#: Grouping columns above which even that is not done (C(k, 3) systems): no crossing of two
#: or more columns shows comments.
TRIPLE_COLUMNS = 6


def crossing_limit(prep: Prepared, policy: PrivacyPolicy) -> int:
    """The most grouping columns a crossing may have and still show comments: the largest k
    for which the cells every crossing of at most k columns shows, read together (with the
    whole survey's total and the one-column views), pin down no small cell they hide, of any
    crossing, nor two such cells' small total (a joint audit over the finest cells). An
    eleventh review had recovered one person's comment from four views of three and four
    columns (sister crossings: Sales × Remote by role and by tenure, Sales × Specialist × 3-5
    years by location, Remote by team) at a minimum of 3 people and 5 comments, each crossing
    having been audited alone; and a twelfth, two people's comments as a team × role cell
    minus a role × location cell, two two-column crossings read together. Above
    :data:`JOINT_CELLS` finest cells or :data:`JOINT_COLUMNS` columns, the two-column
    crossings are read together three columns at a time (two if they hold, else one); above
    :data:`TRIPLE_COLUMNS` columns, one. Cached per upload and policy."""
    return prep.views.get(
        "comment_joint",
        (policy.min_comments, policy.min_group),
        lambda: _crossing_limit(prep, policy),
    )


def _crossing_limit(prep: Prepared, policy: PrivacyPolicy) -> int:
    cols = prep.crossing_order(prep.grouping_columns)
    analysed = prep.comments["analysed"].to_numpy(dtype=bool)
    if len(cols) < 2 or not analysed.any():
        return len(cols)
    if len(cols) == 2:
        return 2  # the one crossing's own audit reads it with its margins
    if len(cols) <= JOINT_COLUMNS:
        top = _joint_top(prep, policy, cols, range(len(cols), 1, -1))
        if top is not None:
            return top
    # too many cells or columns to read every crossing together: the two-column crossings
    # are read together three columns at a time (a team × role cell minus a role ×
    # location cell is one such), and nothing larger shows
    if len(cols) > TRIPLE_COLUMNS:
        return 1
    for triple in combinations(cols, 3):
        if _joint_top(prep, policy, list(triple), [2]) != 2:
            return 1
    return 2


def _joint_top(
    prep: Prepared, policy: PrivacyPolicy, cols: list[str], tops: Iterable[int]
) -> int | None:
    """The first of ``tops`` for which the shown cells of the crossings of at most that many
    of ``cols`` (with the whole survey's total), read over the finest cells of ``cols``, pin
    down no small cell any of those crossings hides, nor two such cells' total; 1 if none
    does; None above :data:`JOINT_CELLS` finest cells."""
    analysed = prep.comments["analysed"].to_numpy(dtype=bool)
    finest = _values(prep, analysed, cols)
    first = _first_comments(prep, analysed)
    counts = finest.value_counts(sort=False).sort_index()
    if len(counts) > JOINT_CELLS:
        return None
    heads = finest[first].value_counts().reindex(counts.index).fillna(0).to_numpy(dtype=float)
    c = counts.to_numpy(dtype=float)
    cells = counts.index.to_frame(index=False)
    codes = {col: pd.factorize(cells[col], sort=True)[0].astype(np.int64) for col in cols}
    org = c.sum() >= policy.min_comments and heads.sum() >= policy.min_group
    tops = list(tops)
    levels = []  # per crossing: its size, and its cells' indicators and whether each shows
    for size in range(1, len(cols) + 1):
        for sub in combinations(cols, size):
            _, at, inv = np.unique(_cell_key(codes, sub), return_index=True, return_inverse=True)
            where = pd.MultiIndex.from_frame(cells.iloc[at][list(sub)])
            if size > max(tops):  # hidden whatever its own rule: not worked out
                ok = np.zeros(len(at), dtype=bool)
            else:
                ok = _cells(prep, list(sub), policy).reindex(where).fillna(False).to_numpy(bool)
            member = np.zeros((len(at), len(c)), dtype=np.float32)
            member[inv.ravel(), np.arange(len(c))] = 1.0
            levels.append((size, member, ok))
    minima = ((policy.min_comments, c), (policy.min_group, heads))
    for top in tops:
        rows = [m[ok] for size, m, ok in levels if size <= top]
        if org:
            rows.append(np.ones((1, len(c)), dtype=np.float32))
        free = privacy.null_basis(np.vstack(rows).astype(float), np.arange(len(c)))
        if not any(
            privacy.small_sets_pinned(
                m[hide] @ free, [(m[hide] @ size, least) for least, size in minima]
            )
            for k, m, ok in levels
            if (hide := ~ok if k <= top else np.ones(len(ok), dtype=bool)).any()
        ):
            return top
    return 1


def _first_comments(prep: Prepared, rows: np.ndarray) -> np.ndarray:
    """Per comment of ``rows``: is it its respondent's first? A respondent's comments share
    one cell (the respondent's), so counting these counts a cell's commenters."""
    return ~prep.comments.loc[rows, "respondent"].duplicated().to_numpy()


def _cell_key(codes: dict[str, np.ndarray], sub: Sequence[str]) -> np.ndarray:
    """Per cell, the number of its cell of the crossing ``sub`` (mixed radix over the sorted
    value codes of each column: one number per distinct cell, no text joined)."""
    key = np.zeros(len(next(iter(codes.values()))), dtype=np.int64)
    for col in sub:
        key = key * (int(codes[col].max(initial=0)) + 1) + codes[col]
    return key


def _values(prep: Prepared, rows: np.ndarray, cols: Sequence[str]) -> pd.DataFrame:
    """The grouping values of the comments ``rows`` as text, a missing one as the views label
    it: value counts would leave its comments out of every total."""
    return prep.comments.loc[rows, list(cols)].astype(str).fillna(NO_ANSWER)
