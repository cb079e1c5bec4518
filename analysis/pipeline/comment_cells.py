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
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import numpy as np
import pandas as pd

from analysis import privacy
from analysis.pipeline.model import Prepared
from analysis.privacy import PrivacyPolicy

__all__ = ["allowed_cells", "cells_ok", "selection_columns", "text_columns", "view_columns"]


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
        return privacy.comment_visibility(counts, policy, sizes=heads)
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
                parent = allowed_cells(prep, list(sub), policy)
                at = pd.MultiIndex.from_frame(cells[list(sub)])
                ok &= parent.reindex(at).fillna(False).to_numpy(dtype=bool)
    parts = pd.DataFrame(lines, index=counts.index)
    # the margin audit for two columns only: three hold hundreds of small cells, and its
    # null spaces took 70 s on the 1,200-person sample
    return privacy.crossed_comment_visibility(
        ok, counts, parts, policy, audit=len(cols) == 2, people=heads
    )
