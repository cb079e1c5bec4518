"""Every session-state key of the app, in one place; the only module touching st.session_state.

What lives here is per browser session and never shared: the dataset in use (its bytes), the
expensive :class:`~analysis.pipeline.Prepared` analyses keyed by a hash of the upload and its
mapping, the cheap per-view :class:`~analysis.pipeline.Results`, the user's theme edits and the
filters already shown (for the privacy differencing check). ``st.cache_data`` is deliberately
not used for any of it: that cache is shared by every user of the server.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Hashable, MutableMapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import streamlit as st

from analysis import pipeline
from analysis.access import Viewer
from analysis.pipeline import Prepared, Results, ViewCache
from analysis.privacy import PrivacyPolicy
from ui import identity
from ui.object_memo import ObjectMemo


class StateKeys:
    """Every session-state key of the app. Widgets take their ``key=`` from here (pages never
    spell a key), so two widgets cannot collide and a key can be found by name."""

    # widgets (they write these; the rest of the app reads them through this module)
    GROUPING = "cr_grouping"
    MIN_GROUP = "cr_min_group"
    MIN_COMMENTS = "cr_min_comments"
    FILTER_PREFIX = "cr_filter::"  # + grouping column
    DRILL = "cr_drill_group"
    HEATMAP = "cr_heatmap"
    COMMENT_TAB = "cr_comment_tab"  # the Comments page's open tab (its label)
    COMMENT_FILTER_PREFIX = "cr_comment_filter::"  # + name: the Read comments filters
    EXPORT_UPLOAD = "cr_export_upload"
    ROSTER_UPLOAD = "cr_roster_upload"
    MAPPING_UPLOAD = "cr_mapping_upload"
    MAPPING_EDITOR_PREFIX = "cr_mapping::"  # + mapping target key and draft version
    FLOW_PREFIX = "cr_flow::"  # + mapping target key + "::" + widget name (mapping flow)
    WAVE_LABEL_PREFIX = "cr_wave_label::"  # + wave key ("base" for the dataset in use)
    WAVE_REMOVE_PREFIX = "cr_remove_wave::"  # + wave key
    WAVE_MATCH_PREFIX = "cr_match::"  # + wave key
    TEAM_MAP_EDITOR = "cr_team_map_editor"
    TREND_CONSTRUCTS = "cr_trend_constructs"

    # plain state
    DATASET = "cr_dataset"
    PREPARED = "cr_prepared"  # OrderedDict[key, Prepared], the last few uploads of this session
    RESULTS = "cr_results"  # OrderedDict[key, Results], the last few views
    THEME_NAMES = "cr_theme_names"  # dataset key -> {theme: label}
    THEME_MERGES = "cr_theme_merges"  # dataset key -> {theme: into}
    OUTCOMES = "cr_outcomes"  # dataset key -> the driver outcome chosen on Hot spots
    SHOWN = "cr_shown_filters"  # (dataset key, viewer) -> list of masks already shown
    UPLOAD = "cr_upload"  # uploader -> (token, error) of the last file it handled
    NOTICE = "cr_notice"  # one message to show after a rerun
    LOGGED_IN = "cr_logged_in"  # the viewer whose login was audited (once per session)
    AUDITED = "cr_audited"  # page -> last view key audited there (no duplicate records per rerun)
    PAGE = "cr_page"  # title of the page being rendered (for the audit log)
    LAST_CLICK = "cr_last_click"
    WAVES = "cr_waves"  # dataset key -> OrderedDict[wave key, analysis.waves.Wave]
    TEAM_MAP = "cr_team_map"  # dataset key -> {old team: new team}
    PENDING = "cr_pending"  # a file that was read but has nothing to score yet: PendingFile
    DRAFTS = "cr_drafts"  # mapping target key -> (version, MappingDraft) being edited
    MEMO = "cr_memo"  # (scope, key) -> a value the mapping flow computed for one draft version
    READING = "cr_reading"  # (token, Dataset) of an upload being read, until it is handled
    DRAWN = "cr_drawn"  # ui.object_memo.ObjectMemo: charts built for one view's Results
    VIEW = "cr_view"  # (Results, Prepared) of the sidebar's view this run drew, until prefetched


# Module-level names kept for the pages and tests that import them (same values).
GROUPING = StateKeys.GROUPING
MIN_GROUP = StateKeys.MIN_GROUP
MIN_COMMENTS = StateKeys.MIN_COMMENTS
FILTER_PREFIX = StateKeys.FILTER_PREFIX
DATASET = StateKeys.DATASET
PREPARED = StateKeys.PREPARED
RESULTS = StateKeys.RESULTS
THEME_NAMES = StateKeys.THEME_NAMES
THEME_MERGES = StateKeys.THEME_MERGES
SHOWN = StateKeys.SHOWN
UPLOAD = StateKeys.UPLOAD
NOTICE = StateKeys.NOTICE
LOGGED_IN = StateKeys.LOGGED_IN
AUDITED = StateKeys.AUDITED
PAGE = StateKeys.PAGE

MAX_PREPARED = 3
MAX_RESULTS = 8
DEFAULT_MIN_GROUP = 5
DEFAULT_MIN_COMMENTS = 10


@dataclass(frozen=True)
class Dataset:
    """What the user chose to analyse; enough to rebuild the analysis from scratch."""

    data: bytes = field(repr=False)
    filename: str
    sheet: str | None = None
    mapping_yaml: str | None = None
    roster: tuple[str, ...] = ()
    is_sample: bool = False
    published: str | None = None  # the published dataset's name (shared mode)

    @property
    def key(self) -> str:
        """Hash of the bytes, sheet, mapping and roster: one Prepared per key."""
        base = pipeline.upload_key(self.data, self.mapping_yaml, self.sheet)
        roster = hashlib.sha256("\n".join(self.roster).encode()).hexdigest()[:16]
        return f"{base}:{roster}"

    def with_(self, **changes: Any) -> Dataset:
        return replace(self, **changes)


def _store() -> MutableMapping[str, Any]:
    return st.session_state


def _bounded(name: str) -> OrderedDict:
    store = _store()
    if name not in store:
        store[name] = OrderedDict()
    return store[name]


def _remember(cache: OrderedDict, key: Hashable, value: Any, limit: int) -> None:
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > limit:
        cache.popitem(last=False)


def memo(scope: str, key: Hashable, compute: Callable[[], Any], limit: int = 12) -> Any:
    """``compute()`` once per (scope, key) in this session, the last ``limit`` kept.

    For the mapping flow: suggestions depend only on the upload, previews and scale checks
    only on the draft version, yet each rerun of a 170-column file recomputed them (issue 23).
    """
    cache = _bounded(StateKeys.MEMO)
    full = (scope, key)
    if full in cache:
        cache.move_to_end(full)
        return cache[full]
    value = compute()
    _remember(cache, full, value, limit)
    return value


def drawn() -> ObjectMemo:
    """This session's charts, each built once for the view it shows (:mod:`ui.charts`)."""
    return _store().setdefault(StateKeys.DRAWN, ObjectMemo())


def set_view(res: Results, prep: Prepared) -> None:
    """The view the sidebar's settings show, as the page just drawn computed it."""
    _store()[StateKeys.VIEW] = (res, prep)


def take_view() -> tuple[Results, Prepared] | None:
    """The view the page of this run showed, once (None if it showed none): nothing here
    keeps an earlier upload's analysis alive."""
    return _store().pop(StateKeys.VIEW, None)


# --------------------------------------------------------------------------- dataset


def dataset() -> Dataset | None:
    return _store().get(DATASET)


def set_dataset(ds: Dataset, prepared: Prepared) -> None:
    """Make ``ds`` the dataset in use; its Prepared is kept for this session only."""
    _remember(_bounded(PREPARED), ds.key, prepared, MAX_PREPARED)
    _store()[DATASET] = ds
    _store().pop(StateKeys.PENDING, None)  # the file waiting for a mapping is now in use
    # filters name values of the previous dataset; they would not apply to this one
    prefixes = (FILTER_PREFIX, StateKeys.COMMENT_FILTER_PREFIX)
    for key in [k for k in _store() if str(k).startswith(prefixes)]:
        del _store()[key]


def set_refitted(ds: Dataset, prepared: Prepared) -> None:
    """Put the dataset's analysis with refitted themes in use; unlike :func:`set_dataset`,
    the sidebar's filters stay (a fifth review: choosing "More" themes cleared them, and a
    filtered page quietly showed every comment again)."""
    _remember(_bounded(PREPARED), ds.key, prepared, MAX_PREPARED)
    _store()[DATASET] = ds


def keep_prepared(ds: Dataset, prepared: Prepared) -> None:
    """Keep a finished Prepared before it is put in use: a click elsewhere can stop the run
    between the two, and the slow work is then not lost (issue 23)."""
    _remember(_bounded(PREPARED), ds.key, prepared, MAX_PREPARED)


def cached_prepared(ds: Dataset) -> Prepared | None:
    """The session's Prepared for ``ds``; once its background comment coding is done, the
    finished one replaces it (and the views computed before are dropped)."""
    cache = _bounded(PREPARED)
    prep = cache.get(ds.key)
    if prep is not None:
        cache.move_to_end(ds.key)
        finished = pipeline.settle(prep)
        if finished is not prep:
            cache[ds.key] = prep = finished
            _store().pop(RESULTS, None)
    return prep


def prepared() -> Prepared | None:
    ds = dataset()
    return cached_prepared(ds) if ds is not None else None


def seed(ds: Dataset, prep: Prepared) -> dict[str, Any]:
    """Session entries that make ``ds`` the dataset in use (for tests: assign each into
    ``AppTest.session_state`` before the first run)."""
    cache: OrderedDict = OrderedDict()
    cache[ds.key] = prep
    return {DATASET: ds, PREPARED: cache}


# --------------------------------------------------------------------------- upload attempts


def last_upload(kind: str) -> tuple[Hashable, str | None] | None:
    """(token, error) of the last file this uploader ("export", "mapping", "roster") handled.

    One entry per uploader: with a single shared entry, an export and a mapping both left in
    their uploaders took turns replacing each other's dataset on every rerun, forever.
    """
    return _store().get(UPLOAD, {}).get(kind)


def set_last_upload(kind: str, token: Hashable, error: str | None) -> None:
    _store().setdefault(UPLOAD, {})[kind] = (token, error)


def reading() -> tuple[Hashable, Dataset] | None:
    """(token, dataset) of an uploaded file whose reading started and has not finished.

    Set just before the slow read and cleared once it is handled (read or refused). A click on
    another page stops the script mid-read and the uploader forgets the file; this entry keeps
    it, so the app can say so and read it again instead of dropping it silently (issue 23)."""
    return _store().get(StateKeys.READING)


def set_reading(token: Hashable | None, ds: Dataset | None = None) -> None:
    if token is None or ds is None:
        _store().pop(StateKeys.READING, None)
    else:
        _store()[StateKeys.READING] = (token, ds)


@dataclass(frozen=True)
class PendingFile:
    """A file that was read but cannot be analysed yet (no rated question ChangeRadar can
    score): it waits in the mapping flow instead of behind an error."""

    dataset: Dataset
    export: Any = field(repr=False)  # analysis.ingest.SurveyExport
    colmap: Any = field(repr=False)  # analysis.columns.ColumnMap as detected (+ the mapping)
    problem: str = ""


def pending() -> PendingFile | None:
    return _store().get(StateKeys.PENDING)


def set_pending(item: PendingFile | None) -> None:
    if item is None:
        _store().pop(StateKeys.PENDING, None)
    else:
        _store()[StateKeys.PENDING] = item


def draft(target: str) -> tuple[int, Any] | None:
    """(version, MappingDraft) being edited for a mapping target (a dataset key)."""
    return _store().get(StateKeys.DRAFTS, {}).get(target)


def set_draft(target: str, value: Any) -> None:
    """Store the draft under a new version (widgets keyed by the version start afresh). Only
    the current target's draft is kept: a draft holds column names of one upload."""
    old = draft(target)
    version = old[0] + 1 if old is not None else 0
    _store()[StateKeys.DRAFTS] = {target: (version, value)}


def flow_key(target: str, name: str) -> str:
    return f"{StateKeys.FLOW_PREFIX}{target}::{name}"


def set_widget(key: str, value: Any) -> None:
    """Set a widget's value before it is drawn (in a callback or before the widget)."""
    _store()[key] = value


def widget(key: str, default: Any = None) -> Any:
    return _store().get(key, default)


def set_notice(text: str) -> None:
    """Add a message to show after the next rerun. Several steps of one action may each have
    one (a settings file refits the themes, then skips some edits): none overwrites another."""
    notices = _store().setdefault(NOTICE, [])
    if text not in notices:
        notices.append(text)


def pop_notice() -> str | None:
    """The messages set since the last call, one paragraph each (None when there are none)."""
    notices = _store().pop(NOTICE, None)
    return "\n\n".join(notices) if notices else None


# --------------------------------------------------------------------------- view settings


def init_defaults() -> None:
    store = _store()
    store.setdefault(MIN_GROUP, DEFAULT_MIN_GROUP)
    store.setdefault(MIN_COMMENTS, DEFAULT_MIN_COMMENTS)


def policy() -> PrivacyPolicy:
    store = _store()
    return PrivacyPolicy(
        min_group=max(3, int(store.get(MIN_GROUP, DEFAULT_MIN_GROUP))),
        min_comments=max(1, int(store.get(MIN_COMMENTS, DEFAULT_MIN_COMMENTS))),
    )


def grouping() -> str | None:
    """The label of the chosen grouping (see views.grouping_options)."""
    return _store().get(GROUPING)


def filter_key(column: str) -> str:
    return FILTER_PREFIX + column


def filters(columns: list[str]) -> dict[str, list[str]]:
    """The sidebar filters that select something (an empty multiselect means everyone)."""
    out = {}
    for col in columns:
        values = _store().get(filter_key(col)) or []
        if values:
            out[col] = [str(v) for v in values]
    return out


def theme_names(ds_key: str) -> dict[int, str]:
    return dict(_store().get(THEME_NAMES, {}).get(ds_key, {}))


def set_theme_name(ds_key: str, theme: int, label: str) -> None:
    names = _store().setdefault(THEME_NAMES, {})
    names.setdefault(ds_key, {})[int(theme)] = label


def theme_merges(ds_key: str) -> dict[int, int]:
    return dict(_store().get(THEME_MERGES, {}).get(ds_key, {}))


def outcome(ds_key: str) -> str | None:
    """The driver outcome chosen for this dataset (None: the survey's own); every view uses it."""
    return _store().get(StateKeys.OUTCOMES, {}).get(ds_key)


def set_outcome(ds_key: str, construct: str | None) -> None:
    _store().setdefault(StateKeys.OUTCOMES, {})[ds_key] = construct


def add_theme_merge(ds_key: str, theme: int, into: int) -> None:
    merges = _store().setdefault(THEME_MERGES, {})
    merges.setdefault(ds_key, {})[int(theme)] = int(into)


def reset_themes(ds_key: str) -> None:
    for name in (THEME_NAMES, THEME_MERGES):
        _store().get(name, {}).pop(ds_key, None)


def shown_filters(ds_key: str, viewer: Viewer) -> list[np.ndarray]:
    """The respondent masks of the filtered views this viewer has seen on this dataset.

    Kept per dataset and viewer only, never per threshold: what was shown at one minimum
    group size stays on screen (and in memory) after the minimum changes, so a later filter
    must still be compared with it.
    """
    return list(_store().get(SHOWN, {}).get((ds_key, viewer), []))


def add_shown_filter(ds_key: str, viewer: Viewer, mask: np.ndarray) -> None:
    history = _store().setdefault(SHOWN, {}).setdefault((ds_key, viewer), [])
    if not any(np.array_equal(mask, m) for m in history):
        history.append(mask)


def results(key: Hashable, compute: Callable[[], Results]) -> Results:
    """The Results for one view, computed once per session and view settings."""
    cache = _bounded(RESULTS)
    if key in cache:
        cache.move_to_end(key)
        return cache[key]
    value = compute()
    _remember(cache, key, value, MAX_RESULTS)
    # and within the upload's view cache's budget of shown comments (the newest always stays):
    # eight views of a million respondents would hold about 2 GB of them (0.24 GB a view)
    while len(cache) > 1 and sum(len(r.comments) for r in cache.values()) > ViewCache.ROWS:
        cache.popitem(last=False)
    return value


DRILL = StateKeys.DRILL
LAST_CLICK = StateKeys.LAST_CLICK


def apply_click(group: str | None) -> None:
    """A new click on the heatmap selects that group in the drill-down picker.

    The chart keeps its selection across reruns, so only a click that differs from the last
    one applied moves the picker; choosing in the picker afterwards still works.
    """
    store = _store()
    if group is not None and store.get(LAST_CLICK) != group:
        store[DRILL] = group
    store[LAST_CLICK] = group


def keep_filter_values(column: str, options: list[str]) -> None:
    """Drop remembered filter values that are no longer offered (another dataset, or outside
    the viewer's scope), so the multiselect shows only what it may offer."""
    store = _store()
    key = filter_key(column)
    if store.get(key):
        kept = [v for v in store[key] if v in options]
        if kept != list(store[key]):
            store[key] = kept


def comment_filter_key(name: str) -> str:
    return f"{StateKeys.COMMENT_FILTER_PREFIX}{name}"


def keep_comment_filters(options: dict[str, list[Any]]) -> None:
    """The Read comments filters are drawn only while that tab is open, and Streamlit forgets
    a widget's value on a run that does not draw it: stored again as plain state, they last
    across tab switches. ``options``: what each multiselect offers now (values no longer
    offered are dropped, so the widget does not fail)."""
    store = _store()
    for key in [k for k in store if str(k).startswith(StateKeys.COMMENT_FILTER_PREFIX)]:
        value = store[key]
        name = str(key)[len(StateKeys.COMMENT_FILTER_PREFIX) :]
        if name in options and isinstance(value, list):
            value = [v for v in value if v in options[name]]
        store[key] = value


def keep_choice(key: str, options: list[Any]) -> None:
    """Forget a remembered widget choice that is no longer among the options (e.g. after the
    grouping changed), so the widget falls back to its default instead of failing."""
    store = _store()
    if key in store and store[key] not in options:
        del store[key]


# --------------------------------------------------------------------------- waves (Trends page)

WAVES = StateKeys.WAVES
WAVE_LABEL_PREFIX = StateKeys.WAVE_LABEL_PREFIX
TEAM_MAP = StateKeys.TEAM_MAP
MAX_WAVES = 4


def extra_waves(ds_key: str) -> OrderedDict:
    """Later waves loaded against the dataset in use (wave key -> Wave), oldest first."""
    return _store().setdefault(WAVES, {}).setdefault(ds_key, OrderedDict())


def add_wave(ds_key: str, key: str, wave: Any) -> None:
    _remember(extra_waves(ds_key), key, wave, MAX_WAVES)


def remove_wave(ds_key: str, key: str) -> None:
    extra_waves(ds_key).pop(key, None)
    _store().pop(wave_label_key(key), None)


def wave_label_key(key: str) -> str:
    return WAVE_LABEL_PREFIX + key


def team_map(ds_key: str) -> dict[str, str]:
    return dict(_store().get(TEAM_MAP, {}).get(ds_key, {}))


def set_team_map(ds_key: str, mapping: dict[str, str]) -> None:
    _store().setdefault(TEAM_MAP, {})[ds_key] = dict(mapping)


def wave_label(key: str, default: str) -> str:
    """The label the user gave a wave (its text input's value), ``default`` until then."""
    store = _store()
    store.setdefault(wave_label_key(key), default)
    return str(store[wave_label_key(key)]).strip() or default


# --------------------------------------------------------------------------- page


def set_page(title: str) -> None:
    _store()[PAGE] = str(title)


def page() -> str:
    return str(_store().get(PAGE, ""))


# --------------------------------------------------------------------------- audit, store


def audit_writer(
    action: str,
    *,
    viewer: Viewer | None = None,
    res: Results | None = None,
    groups: list[str] | None = None,
    file_format: str | None = None,
    outcome: str = "ok",
    user: str | None = None,
) -> Callable[[], None] | None:
    """A function that appends this audit record (None when auditing is off). Everything is
    read now, in the session; the function itself touches no session state, so it also works
    where Streamlit runs code outside the script (a deferred download's data function)."""
    log = identity.audit_log()
    if log is None:
        return None
    viewer = viewer or identity.current_viewer()
    if groups is None and res is not None and len(res.groups):
        groups = list(dict.fromkeys(res.groups["group"].astype(str)))
    ds = dataset()
    entry = {
        "user": user or (viewer.email if viewer else ""),
        "role": viewer.role if viewer else "",
        "action": action,
        "page": page(),
        "grouping": list(res.by) if res is not None else [],
        "groups": list(groups or []),
        "filters": dict(res.filters) if res is not None else None,
        "file_format": file_format,
        "dataset": (ds.published or ds.filename) if ds is not None else None,
        "outcome": outcome,
    }

    def write() -> None:
        log.record(**entry)

    return write


def audit(action: str, *, dedupe: Hashable | None = None, **details: Any) -> None:
    """Append an audit record now (when auditing is on); see :func:`audit_writer`.
    ``dedupe``: skip if the same key was already recorded on this page, so reruns of one
    view make one record."""
    seen = _store().setdefault(AUDITED, {})
    if dedupe is not None and seen.get(page()) == dedupe:
        return
    write = audit_writer(action, **details)
    if write is None:
        return
    write()
    if dedupe is not None:
        seen[page()] = dedupe


def audit_login(viewer: Viewer) -> None:
    """One 'login' record per session and viewer."""
    if _store().get(LOGGED_IN) == viewer:
        return
    audit("login", viewer=viewer)
    _store()[LOGGED_IN] = viewer
