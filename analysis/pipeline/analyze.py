"""One view of one upload: :func:`analyze`, as named stages over an immutable
:class:`~analysis.pipeline.model.Prepared`.

1. :func:`~analysis.pipeline.select.select`: the filter's respondents and comments, and
   what privacy compares them with;
2. :func:`~analysis.pipeline.score_tables.score_tables`: protected score tables;
3. :func:`~analysis.pipeline.comment_view.comment_tables`: the comments the view may show;
4. :func:`hot_spots`: flags and the trust × fear map;
5. :func:`assemble`: the :class:`~analysis.pipeline.model.Results`, with
   :func:`item_impact`: item-level impact within each construct.
"""

from __future__ import annotations

import copy
import dataclasses
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from analysis import hotspots as hotspots_mod
from analysis import scoring
from analysis.columns import ColumnMap
from analysis.ingest import SurveyExport
from analysis.pipeline.comment_view import CommentTables, comment_tables, shown_groups
from analysis.pipeline.memory import release_memory
from analysis.pipeline.model import Prepared, Results
from analysis.pipeline.prepare import N_BOOT, drivers_stage, prepare
from analysis.pipeline.request import ViewRequest
from analysis.pipeline.score_tables import ScoreTables, construct_frame, score_tables
from analysis.pipeline.select import Selection, group_labels, select
from analysis.privacy import PrivacyPolicy, shared_bases
from analysis.scoring import Scored
from analysis.survey import Survey
from analysis.tables import GROUPS, ITEM_DRIVERS, SEGMENTS

__all__ = ["analyze", "assemble", "hot_spots", "item_impact", "survey_title", "view_drivers"]


def analyze(
    source: SurveyExport | Prepared,
    colmap: ColumnMap | None = None,
    *,
    survey: Survey | None = None,
    by: Sequence[str] | str | None = None,
    policy: PrivacyPolicy | None = None,
    roster: Sequence[str] = (),
    filters: Mapping[str, Sequence[str]] | None = None,
    shown_filters: Sequence[np.ndarray] = (),
    theme_names: Mapping[int, str] | None = None,
    theme_merges: Mapping[int, int] | None = None,
    nested: bool = False,
    compare_unfiltered: bool = True,
    outcome: str | None = None,
    view: ViewRequest | None = None,
) -> Results:
    """Analyse an export (or reuse a :class:`Prepared`) for one grouping and filter.

    The view is a :class:`ViewRequest` (``view``), or is built from the keyword arguments
    (:meth:`ViewRequest.build`, which says how each is read). ``by`` names one or more
    grouping columns ('team', 'role' or any column name); several make a crossed grouping
    (team × role). ``None`` means the team column when there is one, else the organisation
    as a whole. ``filters`` keeps respondents whose column value is in the listed values; a
    filter that would expose a small set of people raises
    :class:`~analysis.privacy.PrivacyError` (remainder protection).

    ``shown_filters`` are the respondent masks of the filtered views already shown to this
    viewer on this dataset (whatever the grouping or thresholds). A filtered view is compared
    with each of them and with the unfiltered data: every table row (org, group, cell, item,
    eNPS) whose people differ from the same row there by 1..min_group−1 is hidden, with
    complementary suppression around it, and so are comments a comparison would tie to a few
    people (see :mod:`analysis.privacy`). ``compare_unfiltered=False`` leaves the unfiltered
    data out of that comparison, for a viewer who can never see it (a manager, whose scope is
    then one of ``shown_filters``).

    ``outcome`` (a construct id, concept or label) makes that construct's key drivers weigh the
    flags' priorities, head the item drivers and fill ``Results.drivers``, instead of the
    upload's own (:func:`view_drivers`).
    """
    prep = (
        source
        if isinstance(source, Prepared)
        else prepare(source, colmap, survey=survey, roster=roster)
    )
    req = view or ViewRequest.build(
        prep,
        by=by,
        filters=filters,
        policy=policy,
        shown_filters=shown_filters,
        compare_unfiltered=compare_unfiltered,
        nested=nested,
        theme_names=theme_names,
        theme_merges=theme_merges,
        outcome=outcome,
    )
    # A view is a function of the upload, its request and the playbook file (its actions
    # are edited live), so it is computed once per upload: every first visit on the built-in
    # sample opens the view the warm server computed, and going back to a view is free. Each
    # caller gets its own copy (see _detached).
    key = (req, _playbook_stamp())
    res = prep.views.get(
        "results",
        key,
        lambda: _trimmed(_one_blas_thread_view(prep, req)),
        keep=lambda r: not r.item_drivers_pending,
        weight=lambda r: len(r.comments),
    )
    return _detached(res)


def _trimmed(res: Results) -> Results:
    """``res``, once the view's working memory has gone back to the system (a few ms)."""
    release_memory()
    return res


class _OneBlasThread:
    """One BLAS thread while any view runs, the caller's setting back when the last one ends.

    OpenBLAS's thread count is the process's, so views of two sessions that overlap must not
    each save and restore it (the second would restore the first's limit, and leave it):
    the first view in sets it, the last one out restores it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._views = 0
        self._limit: Any = None

    def __enter__(self) -> None:
        with self._lock:
            if self._views == 0:
                self._limit = threadpool_limits(limits=1, user_api="blas")
            self._views += 1

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._views -= 1
            if self._views == 0 and self._limit is not None:
                self._limit.restore_original_limits()
                self._limit = None


_ONE_BLAS_THREAD = _OneBlasThread()


def _one_blas_thread_view(prep: Prepared, req: ViewRequest) -> Results:
    """:func:`_view` with one BLAS thread. A view's matrix products are small (a filtered
    population's 0/1 columns against the privacy ledger's sets); OpenBLAS's second thread
    gains nothing there, and when the other core is busy (the app's background coding, another
    session) it waits for it: at 100k respondents one such product took 0.67 s instead of
    2 ms, and refilters took 1.6-1.7 s instead of 0.5-0.9 s (six runs each, a busy host).
    The numbers are the same: these products sum integers, exact in any order."""
    with _ONE_BLAS_THREAD:
        return _view(prep, req)


def _view(prep: Prepared, req: ViewRequest) -> Results:
    drivers = view_drivers(prep, req)
    with shared_bases():  # the view's tables share their null-space bases
        sel = select(prep, req)
        scores = score_tables(prep, req, sel)
        comments = comment_tables(prep, req, sel, scores.groups)
        item_drivers, item_gaps = item_impact(prep, req, sel, scores, drivers)
        flags, segments = hot_spots(prep, req, sel, scores, comments, drivers)
    # actions that answer the questions where a flagged group is weakest come first
    flags = hotspots_mod.by_question(flags, item_gaps, hotspots_mod.load_playbook())
    res = assemble(prep, req, sel, scores, comments, flags, segments, drivers)
    res.item_drivers_pending = item_drivers is None
    res.item_drivers = ITEM_DRIVERS.empty() if item_drivers is None else item_drivers
    res.item_gaps = item_gaps
    return res


def _playbook_stamp() -> int:
    try:
        return hotspots_mod.DEFAULT_PLAYBOOK.stat().st_mtime_ns
    except OSError:  # load_playbook says what is wrong when the view is computed
        return 0


def _detached(res: Results) -> Results:
    """A copy of a kept view that its caller may change without changing the kept one: its
    tables are shallow copies (pandas copies a table's data when one of them is written), its
    lists and dicts new."""
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(res):
        value = getattr(res, f.name)
        if isinstance(value, pd.DataFrame):
            changes[f.name] = value.copy(deep=False)
        elif isinstance(value, list | dict):
            changes[f.name] = copy.copy(value)
    return dataclasses.replace(res, **changes)


def view_drivers(prep: Prepared, req: ViewRequest) -> pd.DataFrame:
    """The key drivers behind the view: the upload's own, or those of the outcome the view
    chose, fitted once per upload and outcome over every respondent (like the upload's own)
    with the default bootstrap (:data:`~analysis.pipeline.prepare.N_BOOT` resamples, seed 0)."""
    if req.outcome is None:
        return prep.drivers
    return prep.views.get(
        "drivers",
        req.outcome,
        lambda: drivers_stage(
            prep.scored, prep.survey, n_boot=N_BOOT, random_state=0, outcome=req.outcome
        ),
    )


def item_impact(
    prep: Prepared,
    req: ViewRequest,
    sel: Selection,
    scores: ScoreTables,
    drivers: pd.DataFrame,
) -> tuple[pd.DataFrame | None, pd.DataFrame]:
    """Item drivers of the flags' main outcome (everyone, cached per upload like the drivers;
    None while a large survey's background job still computes them, see
    :class:`~analysis.pipeline.background.Background`) and the view's group gaps per item
    (:mod:`analysis.hotspots.items`)."""
    if not prep.has_scores:
        return pd.DataFrame(), pd.DataFrame()
    constructs = construct_frame(prep.scored)
    outcome = hotspots_mod.main_outcome(drivers, constructs)
    items: pd.DataFrame | None = pd.DataFrame()
    if outcome is not None and outcome in prep.scored.constructs.columns:
        items = _item_drivers(prep, outcome)
    gaps = hotspots_mod.item_gaps(
        sel.scored, req.by, scores.items, constructs, req.policy, org_n=len(sel.scored.groups)
    )
    return items, gaps


def _item_drivers(prep: Prepared, outcome: str) -> pd.DataFrame | None:
    """The item drivers of ``outcome`` (a copy), from the view cache, the background job
    (None while it computes them) or computed here."""
    job = prep.background
    if job is not None and job.items_outcome == outcome:
        done, table = job.item_drivers()
        if not done:
            return None
        if table is not None:
            return prep.views.get("item_drivers", outcome, lambda: table).copy()
    return prep.views.get(
        "item_drivers", outcome, lambda: hotspots_mod.item_drivers(prep.scored, outcome)
    ).copy()


def hot_spots(
    prep: Prepared,
    req: ViewRequest,
    sel: Selection,
    scores: ScoreTables,
    comments: CommentTables,
    drivers: pd.DataFrame,
) -> tuple[list[hotspots_mod.Flag], pd.DataFrame]:
    """Groups needing attention (:func:`analysis.hotspots.find_hotspots`) and, when the survey
    measures trust and fear, the trust × fear map. A comments-only survey is flagged from
    comment evidence alone. The organisation table gives the organisation-level flags against
    targets, and the group item table lets the diagnosis read the ADKAR items directly."""
    groups = scores.groups
    by = list(req.by)
    if not by or (prep.has_scores and not len(groups)):
        return [], SEGMENTS.empty()
    constructs = construct_frame(sel.scored)
    table = groups if prep.has_scores else _sizes_for_hotspots(sel.scored, by, comments.visible)
    concepts = set(sel.scored.construct_meta["concept"].dropna())
    segments = SEGMENTS.empty()
    if {"trust_in_ai", "fear_of_displacement"} <= concepts:
        segments = hotspots_mod.segments(groups, constructs=constructs, policy=req.policy)
    flags = hotspots_mod.find_hotspots(
        table,
        drivers,
        comments.signals_by_group,
        None,
        req.policy,
        constructs=constructs,
        org_n=len(sel.scored.groups),
        org=scores.org if prep.has_scores and len(scores.org) else None,
        items=scores.items if prep.has_scores and len(scores.items) else None,
        segments_table=segments if len(segments) else None,
    )
    return flags, segments


def assemble(
    prep: Prepared,
    req: ViewRequest,
    sel: Selection,
    scores: ScoreTables,
    comments: CommentTables,
    flags: list[hotspots_mod.Flag],
    segments: pd.DataFrame,
    drivers: pd.DataFrame,
) -> Results:
    """The view's :class:`Results`: protected tables and what the view cannot show."""
    return Results(
        survey_name=survey_title(prep.survey, prep.colmap, prep.scored, prep.source_name),
        source=_source_info(prep),
        policy=req.policy,
        by=req.by,
        filters=req.filter_dict(),
        n=len(sel.scored.groups),
        org=scores.org,
        groups=scores.groups,
        items=scores.items,
        org_items=scores.org_items,
        likert=scores.likert,
        enps=scores.enps,
        enps_groups=scores.enps_groups,
        drivers=drivers,
        flags=flags,
        segments=segments,
        themes=comments.themes,
        theme_shares=comments.theme_shares,
        comments=comments.shown,
        comment_groups=comments.comment_groups,
        comment_summary=comments.summary,
        warnings=list(dict.fromkeys(prep.warnings)),
        has_scores=prep.has_scores,
        notes=[
            *_view_notes(prep, list(req.by)),
            *([comments.withheld] if comments.withheld else []),
        ],
        alerts=list(prep.alerts),
        construct_alerts=dict(prep.construct_alerts),
        comments_withheld=comments.withheld,
    )


def _sizes_for_hotspots(scored: Scored, by_cols: list[str], visible: pd.Series) -> pd.DataFrame:
    """A comments-only survey's stand-in for the group table that hot spots read: one row per
    group whose comments may be shown, with its size and a construct no survey defines, so
    comment evidence alone can raise a flag and no score is ever compared. Groups whose
    comments are hidden get no row (their size is never used)."""
    labels = group_labels(scored.groups, by_cols)
    shown = labels[shown_groups(labels, visible)]
    first = scored.groups.loc[shown.index].drop_duplicates(by_cols)
    table = GROUPS.empty(by_cols)
    if not len(first):
        return table
    rows = first[by_cols].astype(str).reset_index(drop=True)
    rows.insert(0, "group", group_labels(rows, by_cols).to_numpy())
    rows.insert(0, "grouping", scoring.CROSS.join(by_cols))
    rows["construct"] = "(group size, no score)"
    rows["n"] = rows["group"].map(shown.value_counts()).astype(float)
    for col in ("score", "rest_score", "diff_vs_rest"):
        rows[col] = 0.0
    rows["suppressed"] = False
    rows["suppressed_reason"] = ""
    return pd.concat([table, rows], ignore_index=True)[table.columns]


def _view_notes(prep: Prepared, by_cols: list[str]) -> list[str]:
    """What this view cannot show, in plain words (the file's notes, then the view's)."""
    notes = list(prep.notes)
    if not by_cols:
        notes.append(
            "No grouping is chosen (or the file has no team, role or demographic column), so "
            "groups are not compared and there are no hot spots."
        )
    return notes


def survey_title(survey: Survey, colmap: ColumnMap, scored: Scored, source_name: str) -> str:
    """The survey's own name: the instrument's when the export really is that instrument (at
    least half its scored items are the instrument's questions), else a name from the file
    the analyst chose ("Staff pulse 2025.xlsx" -> "Staff pulse 2025"); never the default
    instrument's name for someone else's survey."""
    own = {i.id.casefold() for i in survey.items} | {_squash(i.text) for i in survey.items}
    scored_items = set(scored.item_meta.index)
    mine = [
        s
        for s in colmap.columns
        if s.name in scored_items
        and ({s.name.casefold(), s.export_tag.casefold(), _squash(s.question)} & own)
    ]
    if scored_items and len(mine) * 2 >= len(scored_items):
        return survey.name
    stem = Path(source_name).stem.replace("_", " ").strip() if source_name else ""
    return stem or "Custom survey"


def _squash(text: str) -> str:
    return " ".join(str(text or "").casefold().split())


def _source_info(prep: Prepared) -> dict[str, Any]:
    e = prep.export
    return {
        "file": prep.source_name,
        "format": e.format,
        "file_type": e.file_type,
        "encoding": e.encoding,
        "sheet": e.sheet,
        "rows_read": e.rows_read,
        "rows": len(e.responses),
        "dropped_rows": dict(e.dropped_rows),
        "identity_columns_dropped": list(prep.colmap.identity),
    }
