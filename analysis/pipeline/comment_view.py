"""Stage 3 of :func:`~analysis.pipeline.analyze`: the comments one view may show.

Comment counts, sentiment and signal shares per group (:func:`comment_privacy`: a group shows
its comments only with enough comments and enough people, never when its scores are hidden),
themes and their shares per group, comment evidence for hot spots, and the redacted comments
themselves. Comments a comparison with an earlier view would tie to a few people are withheld
(:func:`privacy.comments_exposed`), and so is every comment of a view whose people are fewer
than the minimum group size: the whole organisation is a group too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import hotspots as hotspots_mod
from analysis import privacy
from analysis.pipeline import comment_cells
from analysis.pipeline.model import Prepared
from analysis.pipeline.request import ViewRequest
from analysis.pipeline.select import (
    UNREAD_BY_VIEWS,
    Keys,
    Selection,
    group_labels,
    respondent_positions,
)
from analysis.privacy import PrivacyPolicy
from analysis.signals import SIGNALS
from analysis.tables import COMMENT_GROUPS, THEME_SHARES, THEMES
from analysis.themes import merge_themes, theme_group_shares, theme_table

__all__ = ["COUNTS_WITHHELD", "TEXTS_WITHHELD", "CommentTables", "comment_tables", "shown_groups"]


@dataclass(frozen=True)
class CommentTables:
    """What the view shows of its comments. ``visible``: which group labels may show their
    comments; ``signals_by_group``: comment evidence for hot spots (None when ungrouped)."""

    comment_groups: pd.DataFrame
    visible: pd.Series
    themes: pd.DataFrame
    theme_shares: pd.DataFrame
    signals_by_group: pd.DataFrame | None
    shown: pd.DataFrame
    summary: dict[str, int]
    #: why the view shows none of its comments, in plain words ("" when it may show them)
    withheld: str = ""


#: Said when a filtered view's comments would single out a group hidden elsewhere.
EXPOSED = (
    "Comments are not shown for this filter: it selects people whose comments are hidden in "
    "other views (too few comments or people there, or hidden so that they can't be worked "
    "out by subtraction), so showing them here would give those away. Widen the filter."
)

#: Said when a view counts comments whose text it may not show (``text_withheld``); the way
#: to read them is a view that crosses nothing: by team, filtered by team only.
TEXTS_WITHHELD = (
    "{n:,} comments of shown groups are counted but not shown as text in this view: matched "
    "with another view's, their text would single out a small team × role (× …) cell. To "
    "read them, group by team, with no filter other than team."
)

#: Said when a filtered view leaves out its counts of every comment received (filler and
#: non-English ones too): ``counts_withheld`` in the summary.
COUNTS_WITHHELD = (
    "This view does not count the comments received, too short to use or not in English: set "
    "against an earlier view's, its counts would tell what a few people wrote (only "
    "“n/a”, or not in English)."
)

#: Said when a view's people are fewer than the minimum group size.
TOO_FEW = (
    "Comments are not shown: this view has {n} respondent(s), fewer than the minimum group "
    "size of {m}, so any comment could point to one of them."
)

#: Said when a view crosses more columns (grouping and filters together) than the crossings'
#: joint audit allows (:func:`comment_cells.crossing_limit`).
TOO_FINE = (
    "Comments are not shown for views that cross {k} columns (grouping and filters "
    "together): read with other views, their small cells would give a few people's comments "
    "away. Use at most {m} of them."
)

#: Said when a view's comments come from fewer people than the minimum group size (how many
#: fewer is not said: with the view's size, it would tell how many of them did not comment).
FEW_COMMENTERS = (
    "Comments are not shown: the people who wrote them are fewer than the minimum group size "
    "of {m}, so any comment could point to one of them."
)


def comment_tables(
    prep: Prepared, req: ViewRequest, sel: Selection, groups: pd.DataFrame
) -> CommentTables:
    by = list(req.by)
    policy = req.policy
    comments, keys = sel.comments, sel.keys
    filter_key: tuple = req.filter_key
    filter_cols = [c for c, _ in req.filters]
    org_exposed, groups_exposed = _comments_exposed(prep, sel, policy)
    cells_whole, cells_groups = _cells_exposed(prep, sel, by, filter_cols, policy)
    org_exposed, groups_exposed = org_exposed or cells_whole, groups_exposed | cells_groups
    if len(by) == 1 and set(filter_cols) <= set(by):  # one column's groups: its margins
        groups_exposed |= comment_cells.margin_hidden(prep, policy).get(by[0], set())
    n = len(sel.scored.groups)
    withheld = TOO_FEW.format(n=n, m=policy.min_group) if n < policy.min_group else ""
    crossing = comment_cells.view_columns(prep, by, filter_cols)
    if not withheld and len(crossing) > (most := comment_cells.crossing_limit(prep, policy)):
        withheld = TOO_FINE.format(k=len(crossing), m=most)
    if (
        not withheld
        and not org_exposed
        and 0 < _view_commenters(prep, sel, filter_key) < policy.min_group
    ):
        withheld = FEW_COMMENTERS.format(m=policy.min_group)
    if org_exposed and not withheld:  # said, not left to read as a survey without comments
        withheld = EXPOSED
    if org_exposed or withheld:
        # the filtered view's comments differ from an earlier view's by a few people's, or
        # the view's people are too few to show any comment (a small survey, unfiltered)
        comments = comments.iloc[0:0]
        keys = keys[np.zeros(len(keys.codes), dtype=bool)] if keys is not None else None
        filter_key = (*filter_key, ("(comments withheld)",))
    merges = dict(req.theme_merges)
    names = dict(req.theme_names) or None
    if merges:
        comments = _merged(comments, merges)
    analysed = comments["analysed"].to_numpy(dtype=bool)
    theme_key = (filter_key, req.theme_merges, req.theme_names)
    # the columns no view reads are not copied out with the analysed comments (about a quarter
    # of the comment table's bytes: 0.2 GB at a million respondents)
    kept = [c for c in comments.columns if c not in UNREAD_BY_VIEWS]
    used_comments = (
        _analysed_rows(comments, analysed, kept)
        if merges
        else prep.views.get(
            "used", filter_key, lambda: _analysed_rows(comments, analysed, kept), weight=len
        )
    )
    used = Used(used_comments, keys[analysed] if keys is not None else None)
    comment_groups, visible = comment_privacy(
        comments,
        used,
        by,
        groups if prep.has_scores else None,
        policy,
        groups_exposed,
    )
    themes, theme_shares = _themes(prep, comments, used, by, policy, names, visible, theme_key)
    cols = comment_cells.text_columns(prep, [*by, *filter_cols])
    texts_ok = comment_cells.cells_ok(prep, used.comments, cols, policy)
    signals_by_group = _comment_signals(prep, used, by, theme_key[:2], texts_ok)
    if signals_by_group is not None and len(signals_by_group):
        # hot spots read comment evidence (counts, shares, quotes) only of groups whose
        # comments this view may show: a crossed view hides complementary cells that the
        # hot spots' own per-grouping rule would allow, and their counts would undo it
        ok = shown_groups(group_labels(signals_by_group, by), visible)
        signals_by_group = signals_by_group[ok].reset_index(drop=True)
    shown = _shown_comments(comments, used, visible, by, names, prep, theme_key, policy, texts_ok)
    summary = _view_summary(prep, sel, policy, comments, shown)
    if texts_ok is not None:
        # comments of shown groups whose text this grouping may not show (comment_cells)
        in_groups = _visible_rows(used, visible) if by else np.ones(len(texts_ok), dtype=bool)
        summary["text_withheld"] = int((in_groups & ~texts_ok).sum())
    return CommentTables(
        comment_groups, visible, themes, theme_shares, signals_by_group, shown,
        summary, withheld,
    )  # fmt: skip


def _view_commenters(prep: Prepared, sel: Selection, filter_key: tuple) -> int:
    """The distinct respondents behind the view's analysed comments, or, when it has none,
    behind any of its comments (cached per filter): a view of six people whose only comment
    is one "n/a" would count it, and say what one of them wrote."""

    def count() -> int:
        analysed = sel.comments["analysed"].to_numpy(dtype=bool)
        writers = sel.comments.loc[analysed, "respondent"].nunique()
        return int(writers or sel.comments["respondent"].nunique())

    return 0 if not len(sel.comments) else prep.views.get("commenters", filter_key, count)


def _analysed_rows(comments: pd.DataFrame, analysed: np.ndarray, kept: list[str]) -> pd.DataFrame:
    """The analysed comments' ``kept`` columns. ``read_comments`` puts them first, so they are
    usually a slice sharing the table's columns (a filter keeps their order); else a copy."""
    n = int(analysed.sum())
    if analysed[:n].all():
        return comments.iloc[:n][kept]
    return comments.loc[analysed, kept]


def _view_summary(
    prep: Prepared, sel: Selection, policy: PrivacyPolicy, comments: pd.DataFrame,
    shown: pd.DataFrame,
) -> dict[str, int]:  # fmt: skip
    """The view's comment counts, without its counts of every comment when a comparison with
    an earlier view would tie them to a few people (``counts_withheld``)."""
    summary = _summary(comments, shown)
    if len(comments) and _counts_exposed(prep, sel, policy):
        # the analysed and shown counts passed the comparison of _comments_exposed; the others
        # count every comment, whose writers it did not weigh. Left out, not replaced: a
        # manager's view may show nothing beyond their scope (the survey's counts would be)
        summary = {"analysed": summary["analysed"], "shown": summary["shown"]}
        summary["counts_withheld"] = 1
    return summary


def _summary(comments: pd.DataFrame, shown: pd.DataFrame) -> dict[str, int]:
    if not len(comments):
        return {"total": 0, "filler": 0, "not_english": 0, "analysed": 0, "shown": len(shown)}
    return {
        "total": len(comments),
        "filler": int(comments["is_filler"].sum()),
        "not_english": int((~comments["is_english"] & ~comments["is_filler"]).sum()),
        "analysed": int(comments["analysed"].sum()),
        "shown": len(shown),
    }


def _comments_exposed(
    prep: Prepared, sel: Selection, policy: PrivacyPolicy
) -> tuple[bool, set[str]]:
    """Whether the view's comments as a whole, and which groups' comments, a comparison with
    an earlier view would tie to a few people (privacy.comments_exposed)."""
    changed = sel.changed_masks
    if not changed or not len(prep.comments):
        return False, set()
    analysed = prep.comments["analysed"].to_numpy(dtype=bool)
    resp = np.where(analysed, respondent_positions(prep), -1)
    whole = privacy.comments_exposed(np.zeros(len(resp), dtype=np.intp), resp, changed, policy, 1)
    if sel.keys is None or sel.all_codes is None:
        return bool(whole[0]), set()
    names = sel.keys.names
    hit = privacy.comments_exposed(sel.all_codes, resp, changed, policy, len(names))
    return bool(whole[0]), {str(n) for n in names[hit]}


def _counts_exposed(prep: Prepared, sel: Selection, policy: PrivacyPolicy) -> bool:
    """Whether a filtered view's counts of every comment (filler and non-English ones too),
    set against an earlier view's, would count the comments of a few people
    (privacy.comments_exposed over all comments: someone who wrote only "n/a" is not among the
    analysed comments' writers that :func:`_comments_exposed` weighs)."""
    changed = sel.changed_masks
    if not changed or not len(prep.comments):
        return False
    if prep.comments["analysed"].to_numpy(dtype=bool).all():
        return False  # every comment is analysed: _comments_exposed has weighed them all
    resp = respondent_positions(prep)
    one = np.zeros(len(resp), dtype=np.intp)
    return bool(privacy.comments_exposed(one, resp, changed, policy, 1)[0])


def _cells_exposed(
    prep: Prepared, sel: Selection, by: list[str], filters: list[str], policy: PrivacyPolicy
) -> tuple[bool, set[str]]:
    """Whether a filtered view's comments as a whole, and which of a view's groups' comments,
    are those of a cell that may not show comments survey-wide (:mod:`comment_cells`): filters
    on two or more columns pick cells of their crossing, and the groups of a view grouped or
    filtered by two or more columns are cells of the crossing of those columns."""
    if not len(sel.comments) or (not filters and len(by) < 2):
        return False, set()
    analysed = sel.comments["analysed"].to_numpy(dtype=bool)
    rows = sel.comments[analysed]
    # the selection: cells of the crossing of the filter columns, or groups of the one filter
    # column (a union of groups is no margin: Facilities with Sales, minus Sales, is Facilities)
    whole = comment_cells.cells_ok(
        prep, rows, comment_cells.selection_columns(prep, filters), policy
    )
    ok = comment_cells.cells_ok(prep, rows, comment_cells.view_columns(prep, by, filters), policy)
    hit: set[str] = set()
    if ok is not None and by and sel.keys is not None:
        codes = sel.keys.codes[analysed]
        bad = np.unique(codes[~ok & (codes >= 0)])
        hit = {str(sel.keys.names[i]) for i in bad}
    return whole is not None and not bool(whole.all()), hit


def shown_groups(labels: pd.Series, visible: pd.Series) -> np.ndarray:
    """Per label: may its group show comments (``visible``, by label; a label it lacks may
    not). Empty ``visible`` (a view whose comments are all withheld) shows none."""
    shown = visible.index[visible.to_numpy(dtype=bool)].astype(str)
    return labels.astype(str).isin(shown).to_numpy(dtype=bool)


@dataclass
class Used:
    """The analysed comments of a view and their group labels (None when ungrouped)."""

    comments: pd.DataFrame
    group: Keys | None


def comment_privacy(
    comments: pd.DataFrame,
    used_view: Used,
    by_cols: list[str],
    groups: pd.DataFrame | None,
    policy: PrivacyPolicy,
    exposed: set[str] = frozenset(),
) -> tuple[pd.DataFrame, pd.Series]:
    """Per group comment counts and which groups may show comments; returns (table, visible).

    ``visible`` is indexed by the group label used in the group table. A group shows its
    comments from ``min_comments`` comments by ``min_group`` distinct commenters (its members
    are not enough: the crossed views list which cells hold comments, so a team whose only
    cell with comments is its two directors would show their comments under the team's name).
    Groups whose scores are hidden (``groups``; None for a comments-only survey) never show
    comments.
    """
    if not len(comments) or not by_cols:
        return COMMENT_GROUPS.empty(), pd.Series(dtype=bool)
    used = used_view.comments
    counts = used_view.group.counts()
    people = _commenters(used_view).reindex(counts.index).fillna(0)
    vis = privacy.comment_visibility(counts, policy, sizes=people, hide=exposed)
    if groups is not None:
        visible_groups = set(groups.loc[~groups["suppressed"].astype(bool), "group"].astype(str))
        vis = vis & vis.index.to_series().astype(str).isin(visible_groups)
    if len(by_cols) > 1:
        # the cells in an order of their values by column name, not the view's column order:
        # Team × Location and Location × Team then hide the same complementary cells
        parts = _cell_parts(used, used_view.group, by_cols)[sorted(by_cols)]
        parts = parts.reindex(counts.index).sort_values(sorted(by_cols), kind="stable")
        crossed = privacy.crossed_comment_visibility(
            vis, counts[parts.index], parts, policy, people=people[parts.index]
        )
        vis = crossed.reindex(vis.index).fillna(False).astype(bool)
    table = pd.DataFrame({"group": counts.index.astype(str), "n_comments": counts.to_numpy()})
    table["visible"] = shown_groups(table["group"], vis)
    table.loc[~table["visible"], "n_comments"] = np.nan
    if len(used):
        # Shares per group from integer codes: sum / count, as a groupby mean gives them; NaN
        # for a hidden group (and a group without analysed comments).
        codes, names = used_view.group.codes, used_view.group.names
        labelled = codes >= 0  # -1: no label, counted in no group (as Keys.counts does)
        codes = codes[labelled]
        n_per = np.bincount(codes, minlength=len(names)).astype(float)
        at = pd.Index([str(x) for x in names]).get_indexer(table["group"])
        ok = (at >= 0) & table["visible"].to_numpy(dtype=bool)
        ok[ok] = n_per[at[ok]] > 0

        def share_of(hit: np.ndarray) -> np.ndarray:
            sums = np.bincount(codes, weights=hit[labelled].astype(float), minlength=len(names))
            out = np.full(len(table), np.nan)
            out[ok] = sums[at[ok]] / n_per[at[ok]]
            return out

        lab = used["label"]
        for name in ("negative", "neutral", "positive"):
            # compared as Arrow strings: no Python object per comment
            table[f"share_{name}"] = share_of((lab == name).to_numpy(dtype=bool))
        for sig in SIGNALS:
            table[f"share_{sig}"] = share_of(used[sig].astype(bool).to_numpy())
    return table.sort_values("group").reset_index(drop=True), vis


def _commenters(used_view: Used) -> pd.Series:
    """Distinct commenters per group label of the view (privacy.commenters_per_group)."""
    keys = used_view.group
    resp = pd.factorize(used_view.comments["respondent"], use_na_sentinel=True)[0]
    n = privacy.commenters_per_group(keys.codes, resp, len(keys.names))
    return pd.Series(n, index=pd.Index([str(x) for x in keys.names], dtype="str"))


def _cell_parts(used: pd.DataFrame, keys: Keys, by_cols: list[str]) -> pd.DataFrame:
    """Each crossed cell's value per grouping column, indexed by its label: the row and column
    of the crossing a cell sits in, read from its first comment (no label parsed)."""
    codes = keys.codes
    present, first = np.unique(codes[codes >= 0], return_index=True)
    rows = np.flatnonzero(codes >= 0)[first]
    parts = pd.DataFrame(
        {c: used[c].iloc[rows].astype(str).to_numpy() for c in by_cols},
        index=pd.Index([str(x) for x in keys.names[present]], dtype="str"),
    )
    return parts


def _themes(
    prep: Prepared,
    comments: pd.DataFrame,
    used_view: Used,
    by_cols: list[str],
    policy: PrivacyPolicy,
    names: Mapping[int, str] | None,
    visible: pd.Series,
    cache_key: tuple,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    model = prep.theme_model
    used = used_view.comments
    # the analysed comments, as the shown ones are counted: filler is no comment to theme
    if model is None or not len(used) or len(used) < policy.min_comments:
        return THEMES.empty(), THEME_SHARES.empty()
    labels = used["theme"].to_numpy(dtype=int)
    table = prep.views.get(
        "themes",
        cache_key,
        lambda: theme_table(
            model,
            used["redacted"],  # only its length is read
            sentiment=used["compound"].to_numpy(dtype=float),
            signals=used[list(SIGNALS)].astype(bool).reset_index(drop=True),
            labels=labels,
            names=names,
        ),
    ).copy()
    if not by_cols:
        return table, THEME_SHARES.empty()
    keys = used_view.group.categorical(" × ".join(by_cols))
    shares = theme_group_shares(labels, keys.to_frame(), policy.min_comments)
    hide = ~shown_groups(shares["group"], visible)
    shares.loc[hide, ["n_comments", "count", "share"]] = np.nan
    shares.loc[hide, "hidden"] = True
    lab = dict(zip(table["theme"], table["label"], strict=True))
    shares["label"] = shares["theme"].map(lab)
    return table, shares


def _comment_signals(
    prep: Prepared,
    used_view: Used,
    by_cols: list[str],
    cache_key: tuple,
    texts_ok: np.ndarray | None,
) -> pd.DataFrame | None:
    """Comment evidence per group for hot spots; quotes only where ``texts_ok`` allows."""
    if not by_cols or not len(used_view.comments):
        return None

    def make() -> pd.DataFrame:
        # Only what group_comment_signals reads, with the redacted text as the text.
        used = used_view.comments
        keep = [*prep.grouping_columns, "is_filler", *SIGNALS, "label"]
        return used[[c for c in keep if c in used.columns]].assign(text=used["redacted"])

    table = prep.views.get("signals", cache_key, make, weight=len)
    return hotspots_mod.group_comment_signals(table, by_cols, quotable=texts_ok)


#: The columns of the comment reading table (after the grouping columns).
SHOWN_COLUMNS = (
    "column", "question", "text", "label", "label_basis", "compound", *SIGNALS,
    "signal_phrases", "theme",
    "theme_label", "sub_theme_label", "secondary_theme_label",
)  # fmt: skip


def _shown_comments(
    comments: pd.DataFrame,
    used_view: Used,
    visible: pd.Series,
    by_cols: list[str],
    names: Mapping[int, str] | None,
    prep: Prepared,
    cache_key: tuple,
    policy: PrivacyPolicy,
    texts_ok: np.ndarray | None = None,
) -> pd.DataFrame:
    """Redacted comments of groups that meet the comment threshold (or of the whole
    organisation when no grouping is chosen and it meets the threshold), and only those whose
    cell ``texts_ok`` allows (:mod:`analysis.pipeline.comment_cells`)."""
    cols = list(SHOWN_COLUMNS)
    if not len(comments):
        return pd.DataFrame(columns=[*by_cols, *cols])
    base = prep.views.get(
        "shown", cache_key, lambda: _comment_base(used_view.comments, names, prep), weight=len
    )
    shown = base[[*by_cols, *cols]]  # the columns first: fewer to copy row by row
    if not by_cols and len(base) < policy.min_comments:
        # the organisation is one group: it shows its comments from min_comments on, as a
        # group does (comment_visibility)
        return _own_categories(shown.iloc[0:0].reset_index(drop=True))
    rows = _visible_rows(used_view, visible) if by_cols else np.ones(len(shown), dtype=bool)
    if texts_ok is not None:
        rows = rows & texts_ok
    if not rows.all():  # every group shown: the view shares the cached base's columns
        shown = shown[rows]
    return _own_categories(shown.reset_index(drop=True))


def _own_categories(shown: pd.DataFrame) -> pd.DataFrame:
    """The shown comments with each categorical column's categories cut to the values its rows
    hold. Repeated text (question, group, label, theme) is kept as categories, a small code
    per comment: at a million respondents each view's shown comments took 0.57 GB as text. The
    comment table's categories span every comment of the upload, so uncut they would name
    groups and labels this view does not show."""
    for c in shown.columns:
        if isinstance(shown[c].dtype, pd.CategoricalDtype):
            shown[c] = shown[c].cat.remove_unused_categories()
    return shown


def _visible_rows(used_view: Used, visible: pd.Series) -> np.ndarray:
    """Which analysed comments belong to a group whose comments may be shown."""
    group = used_view.group
    if group is None:
        return np.ones(len(used_view.comments), dtype=bool)
    shown = np.array([bool(visible.get(name, False)) for name in group.names], dtype=bool)
    return shown[group.codes] if len(shown) else np.zeros(len(group.codes), dtype=bool)


def _comment_base(
    used: pd.DataFrame, names: Mapping[int, str] | None, prep: Prepared
) -> pd.DataFrame:
    """Analysed comments with the redacted text and theme names, before group visibility."""
    # no deep copy: ``assign`` gives a new frame, and under copy-on-write (pandas >= 3) the
    # cached ``used`` and this base share their columns until either is written
    out = used.assign(text=used["redacted"])
    if "signal_phrases" not in out.columns:  # a table coded before the phrases were kept
        out["signal_phrases"] = pd.Series([()] * len(out), index=out.index, dtype=object)
    theme_labels: dict[int, str] = {}
    if prep.theme_model is not None:
        tt = prep.theme_model.themes_
        theme_labels = dict(zip(tt["theme"].astype(int), tt["label"], strict=True))
    if names:
        theme_labels.update({int(k): str(v) for k, v in names.items()})
    # no themes yet (background coding) or none found: every label is "", as text
    out["theme_label"] = _labels(out["theme"], theme_labels)
    sub_labels: dict[int, str] = {}
    if prep.theme_model is not None and len(getattr(prep.theme_model, "subthemes_", ())):
        st = prep.theme_model.subthemes_
        sub_labels = dict(zip(st["subtheme"].astype(int), st["label"].astype(str), strict=True))
    for column, labels in (("sub_theme", sub_labels), ("secondary_theme", theme_labels)):
        ids = out[column] if column in out.columns else pd.Series(-1, index=out.index)
        out[f"{column}_label"] = _labels(ids, labels)
    return out


def _labels(ids: pd.Series, labels: Mapping[int, str]) -> pd.Series:
    """Each id's label ("" for an id without one) as a categorical of text in text order: a
    lookup of integer positions, no string per comment."""
    keys = np.array(sorted(labels), dtype=np.int64)
    names = ["", *(str(labels[k]) for k in keys)]
    categories = sorted(set(names))  # two themes may carry one name
    at = {name: i for i, name in enumerate(categories)}
    code_of = np.array([at[name] for name in names], dtype=np.int64)
    values = ids.to_numpy(dtype=np.int64)
    pos = np.searchsorted(keys, values)
    hit = pos < len(keys)
    hit[hit] = keys[pos[hit]] == values[hit]
    codes = code_of[np.where(hit, pos + 1, 0)]
    dtype = pd.CategoricalDtype(pd.Index(pd.array(categories, dtype="str")))
    return pd.Series(pd.Categorical.from_codes(codes, dtype=dtype), index=ids.index)


def _merged(comments: pd.DataFrame, merges: Mapping[int, int]) -> pd.DataFrame:
    """The comments with the user's theme merges applied to the theme and the second theme (a
    second theme merged into the comment's own theme is no second theme)."""
    theme = merge_themes(comments["theme"].to_numpy(dtype=int), merges)
    out = comments.assign(theme=theme)
    if "secondary_theme" in comments.columns:
        sec = comments["secondary_theme"].to_numpy(dtype=int)
        sec = np.where(sec >= 0, merge_themes(sec, merges), -1)
        out["secondary_theme"] = np.where(sec == theme, -1, sec)
    return out
