"""Stage 1 of :func:`~analysis.pipeline.analyze`: who the view is about.

The filter's respondents and their comments, checked against the privacy filter rules; the
people the view differs by from each view this viewer has already seen (``changed``); the
release ledger's reference sets; and every comment's group label, from integer codes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import privacy, scoring
from analysis.pipeline.model import Prepared
from analysis.pipeline.request import ViewRequest
from analysis.scoring import Difference, Scored
from analysis.scoring.grouping import column_codes

__all__ = ["Keys", "Selection", "group_labels", "respondent_positions", "select"]


@dataclass(frozen=True)
class Selection:
    """The respondents and comments of one view, and what privacy compares them with.

    ``keys``: the comments' group labels (None when ungrouped); ``all_codes``: the group codes
    of every comment of the upload (before filtering), for :func:`privacy.comments_exposed`;
    ``changed``/``changed_masks``: per earlier view, the people this view differs by;
    ``references``: the release ledger's sets for this grouping.
    """

    scored: Scored
    comments: pd.DataFrame
    keys: Keys | None
    all_codes: np.ndarray | None
    changed: list[Difference]
    changed_masks: list[np.ndarray]
    references: np.ndarray

    @property
    def changed_key(self) -> tuple[bytes, ...]:
        return tuple(np.packbits(d).tobytes() for d in self.changed_masks)


def select(prep: Prepared, req: ViewRequest) -> Selection:
    """Apply the view's filters (refused by :func:`privacy.check_filter` when they would
    expose a few people) and gather what later stages compare the view with."""
    by = list(req.by)
    keys = comment_keys(prep, by)  # computed once per view from integer codes
    all_codes = keys.codes if keys is not None else None
    n = len(prep.scored.groups)
    shown = req.shown_masks(n)
    scored, comments = prep.scored, prep.comments
    changed: list[Difference] = []
    changed_masks: list[np.ndarray] = []
    if req.filters:
        mask = np.ones(n, dtype=bool)
        for col, values in req.filters:
            codes, uniques = column_codes(prep.scored, col)
            wanted = {str(v) for v in values}
            mask &= np.isin(codes, [k for k, u in enumerate(uniques) if str(u) in wanted])
        privacy.check_filter(prep.scored.groups, mask, req.policy, shown=shown)
        changed_masks = privacy.differences(mask, shown, everyone=req.compare_unfiltered)
        changed = [_changed(prep, d) for d in changed_masks]
        scored, comments, keep = _filtered(prep, req.filter_key, mask)
        keys = keys[keep] if keys is not None else None
    # the release ledger: every group of every single grouping, and the filters shown
    references, _ = privacy.Ledger(prep.scored.groups, shown).references(exclude=by)
    return Selection(scored, comments, keys, all_codes, changed, changed_masks, references)


#: Comment columns no view reads (it shows the redacted text): left out of a filter's copy.
UNREAD_BY_VIEWS = ("text", "language", "evidence")


def _filtered(
    prep: Prepared, filter_key: tuple, mask: np.ndarray
) -> tuple[Scored, pd.DataFrame, np.ndarray]:
    """The respondents and comments a filter keeps (``keep``: over ``prep.comments`` rows)."""

    def make() -> tuple[Scored, pd.DataFrame, np.ndarray]:
        pos = respondent_positions(prep)
        keep = (pos >= 0) & mask[np.maximum(pos, 0)]
        # A view reads the redacted text only: the words as written, their language and the
        # signals' evidence are not copied into it.
        comments = prep.comments.drop(columns=list(UNREAD_BY_VIEWS), errors="ignore")
        return scoring.subset(prep.scored, mask), comments[keep], keep

    return prep.views.get(
        "filtered", filter_key, make, weight=lambda v: len(v[0].groups) + len(v[1])
    )


def _changed(prep: Prepared, diff: np.ndarray) -> Difference:
    """The respondents a filtered view differs by from one earlier view: counted from the
    whole organisation's group codes, never copied out (the difference of a filter from
    everyone is most of the organisation)."""
    return Difference(prep.scored, diff)


def respondent_positions(prep: Prepared) -> np.ndarray:
    """Each comment's respondent as a row position in ``prep.scored.groups`` (-1: none)."""
    return prep.views.get(
        "respondent_positions",
        (),
        lambda: prep.scored.groups.index.get_indexer(prep.comments["respondent"]),
    )


@dataclass
class Keys:
    """Group labels of comments as integer ``codes`` (-1: no label) into ``names``, the
    distinct labels as the tables show them, aligned with the comment rows. No text label is
    kept per comment: at a million respondents a crossed grouping's took 60 MB (issue 20)."""

    codes: np.ndarray
    names: np.ndarray

    def __getitem__(self, mask: np.ndarray) -> Keys:
        return Keys(self.codes[mask], self.names)

    def counts(self) -> pd.Series:
        """Comments per label, as ``value_counts`` of the text labels gives them (with an
        unnamed index): most first, ties in order of first appearance, no row for a label
        without comments."""
        codes = self.codes[self.codes >= 0]
        counts = pd.Series(codes).value_counts()
        index = pd.Index(self.names[counts.index.to_numpy()], dtype="str")
        return pd.Series(counts.to_numpy(), index=index, name="count")

    def categorical(self, name: str) -> pd.Series:
        """The labels as a categorical Series (a code per comment, no string per comment)."""
        return pd.Series(pd.Categorical.from_codes(self.codes, categories=self.names), name=name)


def comment_keys(prep: Prepared, by_cols: list[str]) -> Keys | None:
    """Every comment's group label ("Sales × Manager" for crossed groupings), as the text
    table gives it, built from integer codes: each distinct label is joined once. Kept per
    grouping in the upload's view cache (a refilter keeps its grouping)."""
    if not by_cols or not len(prep.comments):
        return None
    return prep.views.get(
        "comment_keys",
        tuple(by_cols),
        lambda: _comment_keys(prep, by_cols),
        weight=lambda k: len(k.codes),
    )


def _comment_keys(prep: Prepared, by_cols: list[str]) -> Keys:
    pos = respondent_positions(prep)
    if (pos < 0).any():
        # Comments whose respondent has no group row: use the comment's own columns.
        codes, names = pd.factorize(group_labels(prep.comments, by_cols))
        return Keys(codes, np.asarray(names, dtype=object))
    groups = prep.scored.groups
    combined = np.zeros(len(groups), dtype=np.int64)
    parts = []
    for col in by_cols:
        codes, uniques = column_codes(prep.scored, col)
        parts.append(np.array([str(u) for u in uniques], dtype=object))
        combined = combined * max(len(uniques), 1) + codes
    observed, inverse = np.unique(combined, return_inverse=True)
    columns = []
    for uniques in reversed(parts):
        width = max(len(uniques), 1)
        columns.append(uniques[observed % width])
        observed = observed // width
    joined = [scoring.CROSS.join(t) for t in zip(*reversed(columns), strict=True)]
    # two value tuples may join to one text ("a × b" + "c", "a" + "b × c"): one label, as
    # the text tables count them
    first, names = pd.factorize(np.array(joined, dtype=object))
    return Keys(first[inverse.ravel()[pos]], np.asarray(names, dtype=object))


def group_labels(df: pd.DataFrame, by_cols: list[str]) -> pd.Series:
    """Each row's group label ("Sales × Manager" for a crossed grouping)."""
    return scoring.join_labels(df, by_cols)
