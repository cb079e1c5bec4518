"""Rendering shared by the pages: the sidebar, loading a dataset, the current Results and
plain-text display of user strings (charts: :mod:`ui.charts`). (Files to download come
from :mod:`render`, e.g. :func:`render.csv.table_csv`.)

Anything that came from an upload (team names, column names, file names, comments) is shown
either through elements that never parse markup (``st.text``, ``st.dataframe``, chart marks,
widget options) or through :func:`plain`, which escapes every Markdown character first:
Streamlit renders links and remote images in Markdown, including widget labels.
"""

from __future__ import annotations

import importlib.util
import logging
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import streamlit as st

from analysis import access, pipeline
from analysis.access import PolicyError, Viewer
from analysis.audit import AuditError
from analysis.ingest import IngestError
from analysis.pipeline import Prepared, Results
from analysis.privacy import PrivacyError
from analysis.store import StoreError
from sample_data import DEFAULT_DATASET
from ui import identity, state

# the Results tables shaped for the chart builders, re-exported: the pages read them from here
from ui.chart_tables import construct_info as construct_info
from ui.chart_tables import drivers_table as drivers_table
from ui.chart_tables import heatmap_table as heatmap_table
from ui.chart_tables import likert_table as likert_table
from ui.chart_tables import sentiment_table as sentiment_table
from ui.chart_tables import theme_shares_table as theme_shares_table

LOG = logging.getLogger("changeradar.app")

SAMPLE_LABEL = "Sample data (generated, not real people)"
SIGNAL_NAMES = {
    "ai_mention": "AI mention",
    "displacement_fear": "Displacement fear",
    "ai_distrust": "AI distrust",
    "ai_trust": "AI trust",
    "training_request": "Training request",
    "change_fatigue": "Change fatigue",
    "leadership_communication_request": "Asks leaders for communication",
}
FLAG_TYPES = {"change_management": "Change management", "training": "Training"}
CROSS = " × "

_MD_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")


# --------------------------------------------------------------------------- safe text


def plain(text: object) -> str:
    """User text made inert for Markdown: every ASCII punctuation character is backslash-
    escaped (so no link, image, autolink, emphasis or HTML tag can form) and line breaks
    become spaces."""
    s = " ".join(str(text).split())
    return _MD_SPECIAL.sub(r"\\\1", s)


def error(message: str) -> None:
    st.error(plain(message), icon=":material/error:")


def warning(message: str) -> None:
    st.warning(plain(message), icon=":material/warning:")


# --------------------------------------------------------------------------- loading


def sample_dataset() -> state.Dataset:
    return state.Dataset(
        data=DEFAULT_DATASET.read_bytes(), filename=DEFAULT_DATASET.name, is_sample=True
    )


def build(ds: state.Dataset) -> Prepared:
    """Read, map and prepare a dataset (the slow step), with progress shown."""
    cached = state.cached_prepared(ds)
    if cached is not None:
        return cached
    if ds.is_sample and not ds.mapping_yaml and not ds.roster:
        return _sample_prepared(ds.key, ds)
    return _prepared(ds)


def sample_prepared() -> Prepared:
    """The built-in sample's Prepared, the one every first visit in local mode opens on."""
    ds = sample_dataset()
    return _sample_prepared(ds.key, ds)


@st.cache_resource(max_entries=1, show_spinner="Reading the sample data…")
def _sample_prepared(key: str, _ds: state.Dataset) -> Prepared:
    """The built-in sample (generated, nobody's survey), prepared once per server rather
    than once per browser session: every first visit opens on it. Sessions share this quick
    Prepared (frozen); each settles its own finished copy (``state.cached_prepared``)."""
    export, colmap = pipeline.load(_ds.data, _ds.filename)
    return pipeline.prepare(export, colmap, source_name=_ds.filename, background=True)


def _prepared(ds: state.Dataset) -> Prepared:
    slot = st.empty()
    try:
        with slot.status("Reading the file…", expanded=False) as status:
            export, colmap = pipeline.load(
                ds.data, ds.filename, sheet=ds.sheet, mapping_yaml=_core_yaml(ds.mapping_yaml)
            )
            status.update(
                label=f"Scoring {len(export.responses):,} responses and reading the comments…"
            )
            prep = pipeline.prepare(
                export, colmap, roster=ds.roster, source_name=ds.filename, background=True
            )
            state.keep_prepared(ds, prep)  # a click away may stop the run below (issue 23)
    finally:
        slot.empty()
    return prep


def activate(ds: state.Dataset) -> str | None:
    """Prepare ``ds`` and make it the dataset in use; returns a user-facing error instead."""
    try:
        prep = build(ds)
    except (IngestError, ValueError) as exc:
        return str(exc)
    except Exception:  # any other failure still gets a sentence, never a traceback
        LOG.exception("unexpected failure while preparing %s", ds.filename)
        return (
            "ChangeRadar could not analyse this file because of an unexpected problem. "
            "Check it opens in a spreadsheet program and holds one row per respondent, or "
            "try saving it as CSV."
        )
    state.set_dataset(ds, prep)
    return None


def _core_yaml(text: str | None) -> str | None:
    from ui.mapping_flow import core_yaml  # the flow's YAML may carry a constructs section

    return core_yaml(text) if text else text


def open_file(ds: state.Dataset) -> str | None:
    """Make ``ds`` the dataset in use, or, when the file reads but has nothing ChangeRadar can
    score yet (no rated question, a mapping that leaves none), hold it in the mapping flow
    (:func:`state.pending`) so the analyst can map it. Returns an error only for a file that
    cannot be read at all (or a mapping file that cannot be applied)."""
    problem = activate(ds)
    if problem is None:
        return None
    try:
        export, colmap = pipeline.load(
            ds.data, ds.filename, sheet=ds.sheet, mapping_yaml=_core_yaml(ds.mapping_yaml)
        )
    except (IngestError, ValueError):
        return problem
    except Exception:
        LOG.exception("unexpected failure while reading %s", ds.filename)
        return problem
    state.set_pending(state.PendingFile(ds, export, colmap, problem))
    return None


def published_dataset(dataset_id: str) -> state.Dataset:
    """A published survey (shared mode) as a Dataset; StoreError says what went wrong."""
    store = identity.dataset_store()
    if store is None:
        raise StoreError("Published surveys are only available in shared mode.")
    pub = store.load(dataset_id)
    return state.Dataset(
        data=pub.data,
        filename=pub.filename,
        sheet=pub.sheet,
        mapping_yaml=pub.mapping_yaml,
        roster=pub.roster,
        published=pub.info.name,
    )


def default_dataset() -> state.Dataset | None:
    """First visit: the sample data in local mode; in shared mode the newest published survey
    (HR admins fall back to the sample data, everyone else gets nothing)."""
    viewer = identity.current_viewer()
    store = identity.dataset_store()
    if store is not None:
        listing = store.list()
        if listing:
            return published_dataset(listing[0].id)
        if viewer is None or not access.can(viewer, "upload"):
            return None
    return sample_dataset()


def ensure_dataset() -> Prepared | None:
    """The Prepared in use; on a first visit, see :func:`default_dataset`."""
    prep = state.prepared()
    if prep is not None:
        return prep
    try:
        ds = state.dataset() or default_dataset()
    except StoreError as exc:
        error(str(exc))
        return None
    if ds is None:
        st.info("No survey has been published yet. HR will let you know when results are ready.")
        return None
    problem = activate(ds)
    if problem:
        error(problem)
        return None
    return state.prepared()


def has_scores(prep: Prepared | None, res: Results | None = None) -> bool:
    """Whether the analysis has any rated question scored (a comments-only file has none).

    Reads ``has_scores`` when the core provides it, else whether any item was scored."""
    for source in (res, prep):
        flag = getattr(source, "has_scores", None)
        if flag is not None:
            return bool(flag)
    if prep is None:
        return False
    meta = getattr(prep.scored, "item_meta", None)
    return meta is not None and len(meta) > 0


def prepared_with_comments() -> Prepared | None:
    """The Prepared in use once its comments are read: a large survey's are read after its
    first view (a few seconds), and files a manager downloads must carry them."""
    prep = state.prepared()
    if prep is not None and not prep.comments_read:
        with st.spinner("Reading the comments for the files…"):
            pipeline.read(prep, timeout=300)
        prep = state.prepared()
    return prep


def comments_only(prep: Prepared | None) -> bool:
    """True when the survey has comments but no rated question at all, not even one waiting
    for a scale: only then does the app go straight to the Comments page. A file with rated
    columns the analysis could not score (unknown answer codes) stays in the mapping flow."""
    if prep is None or has_scores(prep):
        return False
    return not any(spec.role == "item" for spec in prep.colmap.columns)


def data_warnings(prep: Prepared | None) -> None:
    """Warnings about the numbers themselves, shown on every page (see ui.quality): items the
    analysis refused to score (a scale that misses most answers), then scores resting on under
    half their answers."""
    if prep is None:
        return
    construct_alerts = set(getattr(prep, "construct_alerts", {}).values())
    for message in getattr(prep, "alerts", []):
        if message not in construct_alerts:  # those are worded by ui.quality below
            warning(message)
    if not has_scores(prep):
        return
    from ui.quality import low_coverage

    for cov in low_coverage(prep.scored):
        warning(cov.sentence())


def no_scores_note() -> None:
    """What a page about scores says for a file with comments only."""
    st.info(
        "This survey has no rated questions, so there are no scores to show. Its comments are "
        "analysed on the Comments page; to add scores, mark rated questions on the Load page.",
        icon=":material/chat:",
    )


def dataset_label(ds: state.Dataset | None) -> str:
    if ds is None:
        return "No data loaded"
    if ds.published:
        return ds.published
    return SAMPLE_LABEL if ds.is_sample else ds.filename


# --------------------------------------------------------------------------- grouping


def grouping_options(prep: Prepared) -> dict[str, tuple[str, ...]]:
    """Grouping choices by label: team, role, team × role, then every other grouping column
    the viewer may use (restricted demographics only for HR admins)."""
    viewer = identity.current_viewer()
    if viewer is None:
        return {}
    cols = access.allowed_columns(viewer, prep, identity.access_policy())
    team, role = prep.colmap.team, prep.colmap.role
    options: dict[str, tuple[str, ...]] = {}
    if team in cols:
        options["Team" if team.lower() == "team" else f"Team ({team})"] = (team,)
    if role in cols:
        options["Role" if role.lower() == "role" else f"Role ({role})"] = (role,)
    if team in cols and role in cols:
        options["Team × role"] = (team, role)
    for col in cols:
        if (col,) not in options.values():
            options.setdefault(col, (col,))
    return options


def current_by(prep: Prepared) -> tuple[str, ...]:
    """The sidebar's grouping: the chosen option's columns (or the first option's).

    A choice, not a normalisation: the options hold columns the viewer may use, as
    :func:`analysis.access.allowed_columns` names them; the one normalisation is
    :meth:`analysis.pipeline.ViewRequest.build`, which :func:`results` reaches through
    :func:`analysis.access.scoped_analyze`.
    """
    options = grouping_options(prep)
    chosen = state.grouping()
    if chosen in options:
        return options[chosen]
    return next(iter(options.values()), ())


def sidebar(prep: Prepared | None) -> None:
    """Dataset in use, grouping, filters and privacy settings, on every page."""
    viewer = identity.current_viewer()
    policy = identity.access_policy()
    with st.sidebar:
        if identity.settings().shared and viewer is not None:
            st.caption("Signed in as")
            st.text(f"{viewer.name or viewer.email} ({viewer.role.replace('_', ' ')})")
            st.button("Sign out", on_click=st.logout, icon=":material/logout:")
        st.caption("Dataset in use")
        ds = state.dataset()
        st.text(dataset_label(ds))
        if prep is not None and viewer is not None and access.can(viewer, "all_teams"):
            st.caption(f"{len(prep.scored.groups):,} responses · {len(prep.comments):,} comments")
        if prep is None or viewer is None:
            return
        labels = list(grouping_options(prep))
        if labels:
            state.keep_choice(state.GROUPING, labels)
            st.selectbox(
                "Group by",
                labels,
                key=state.GROUPING,
                help="How respondents are grouped in the heatmap, comments and hot spots.",
            )
        with st.expander("Filters", icon=":material/filter_alt:"):
            st.caption("Keep only some respondents. Empty = everyone.")
            groups = prep.scored.groups
            try:
                scope = access.scope_mask(viewer, prep, policy)
            except PrivacyError:
                scope = np.zeros(len(groups), dtype=bool)
            for col in access.allowed_columns(viewer, prep, policy):
                values = sorted(groups.loc[scope, col].dropna().astype(str).unique().tolist())
                state.keep_filter_values(col, values)
                st.multiselect(col, values, key=state.filter_key(col), placeholder="Everyone")
        with st.expander("Privacy", icon=":material/shield:"):
            fixed = not access.can(viewer, "thresholds")
            if fixed:
                st.caption("Set by HR for everyone; only HR administrators can change them.")
            st.number_input(
                "Minimum group size",
                min_value=3,
                step=1,
                key=state.MIN_GROUP,
                disabled=fixed,
                help="Groups with fewer responses are hidden (never below 3).",
            )
            st.number_input(
                "Minimum comments to show a group's comments",
                min_value=1,
                step=1,
                key=state.MIN_COMMENTS,
                disabled=fixed,
                help="Comments of smaller groups are not shown, so they cannot be attributed.",
            )


# --------------------------------------------------------------------------- results


def results(prep: Prepared, by: Sequence[str] | None = None) -> Results:
    """The Results for the sidebar settings (or another grouping), cached per session, for
    the session's viewer only (:func:`analysis.access.scoped_analyze` is the one way in).

    A filter that would expose a small group, or that is outside the viewer's scope, is
    dropped with a warning, so the page still shows the unfiltered analysis. When even that
    is refused (a manager's team under the minimum size), the page shows the notice and stops.
    Each distinct view is written to the audit log (when auditing is on).
    """
    viewer = identity.current_viewer()
    if viewer is None:  # login_gate stops such sessions before any page runs
        st.stop()
    access_policy = identity.access_policy()
    ds = state.dataset()
    ds_key = ds.key if ds is not None else ""
    by_cols = tuple(by) if by is not None else current_by(prep)
    policy = state.policy()
    filters = state.filters(prep.grouping_columns)
    names = state.theme_names(ds_key)
    merges = state.theme_merges(ds_key)
    outcome = state.outcome(ds_key)

    def compute(filters: dict[str, list[str]]) -> Results:
        key = (
            viewer,
            ds_key,
            by_cols,
            policy.min_group,
            policy.min_comments,
            tuple(sorted((k, tuple(v)) for k, v in filters.items())),
            tuple(sorted(names.items())),
            tuple(sorted(merges.items())),
            outcome,
            id(prep.theme_model),  # a refit (fewer/more themes) makes a new model
        )
        return state.results(
            key,
            lambda: access.scoped_analyze(
                viewer,
                prep,
                policy=access_policy,
                by=list(by_cols),
                privacy=policy,
                filters=filters or None,
                shown_filters=state.shown_filters(ds_key, viewer),
                theme_names=names or None,
                theme_merges=merges or None,
                outcome=outcome,
            ),
        )

    res = None
    if filters:
        try:
            res = compute(filters)
        except PrivacyError as exc:
            warning(f"Filter not applied: {exc}")
        else:
            mask = access.selection_mask(viewer, prep, filters, access_policy)
            state.add_shown_filter(ds_key, viewer, mask)
    if res is None:
        try:
            res = compute({})
        except PrivacyError as exc:  # out of scope, or the viewer's own teams are too small
            st.info(plain(str(exc)), icon=":material/shield:")
            _audit(viewer, "view", outcome="refused", dedupe=("refused", by_cols))
            st.stop()
    key = (ds_key, res.by, tuple(sorted((k, tuple(v)) for k, v in res.filters.items())))
    _audit(viewer, "view", res=res, dedupe=key)
    if by is None:  # the sidebar's view: its charts are prefetched once the page is drawn
        state.set_view(res, prep)
    return res


def _audit(viewer: Viewer, action: str, **kwargs: Any) -> None:
    """Write an audit record; if the log can't be written, nothing more is shown."""
    try:
        state.audit(action, viewer=viewer, **kwargs)
    except AuditError as exc:
        error(str(exc))
        st.stop()


def audited_download(
    make: Callable[[], bytes], res: Results, file_format: str, groups: Sequence[str] | None = None
) -> Callable[[], bytes]:
    """A download's data function that writes the audit record when the file is made.

    Streamlit runs it outside the script (no session state), so the record is prepared now."""
    write = state.audit_writer(
        "download", res=res, groups=list(groups or []) or None, file_format=file_format
    )

    def run() -> bytes:
        data = make()
        if write is not None:
            write()
        return data

    return run


def require_right(action: str, why: str) -> Viewer:
    """Stop the page unless the viewer's role allows ``action`` (see analysis.access.can)."""
    viewer = identity.current_viewer()
    if viewer is None or not access.can(viewer, action):
        st.info(plain(why), icon=":material/lock:")
        st.stop()
    return viewer


def login_gate() -> Viewer:
    """Shared mode: nothing but a sign-in until the user is logged in and the access policy
    gives them a role; local mode: the local user at once. Stops the script otherwise."""
    try:
        conf = identity.settings()
        identity.access_policy()
    except PolicyError as exc:
        st.title("ChangeRadar")
        error(str(exc))
        st.stop()
    if not conf.shared:
        return access.LOCAL_VIEWER
    if not identity.is_logged_in():
        st.title("ChangeRadar")
        st.write("Sign in with your company account to see the survey results you may view.")
        if not identity.auth_configured():
            error(
                "Sign-in is not set up yet: add an [auth] section to .streamlit/secrets.toml "
                "(see docs/deploying.md)."
            )
        elif importlib.util.find_spec("authlib") is None:
            error("Sign-in needs the Authlib package on the server: pip install Authlib.")
        else:
            st.button("Sign in", type="primary", on_click=st.login, icon=":material/login:")
        st.stop()
    viewer = identity.current_viewer()
    if viewer is None:
        claims = identity.user_claims()
        who = str(claims.get("email") or claims.get("preferred_username") or "this account")
        st.title("ChangeRadar")
        st.info(
            plain(
                f"You're signed in as {who}, but the access policy gives you no access to "
                "survey results. Ask HR if you need access."
            ),
            icon=":material/lock:",
        )
        try:
            state.audit("denied", user=who, outcome="no rule matches", dedupe=("denied", who))
        except AuditError as exc:
            error(str(exc))
        st.button("Sign out", on_click=st.logout, icon=":material/logout:")
        st.stop()
    try:
        state.audit_login(viewer)
    except AuditError as exc:
        error(str(exc))
        st.stop()
    return viewer


def scope_caption(res: Results) -> None:
    """One line under a page title: who is in the numbers."""
    parts = [f"n = {res.n:,} responses"]
    if res.filters:
        parts.append(
            "filtered: " + "; ".join(f"{k} = {', '.join(v)}" for k, v in res.filters.items())
        )
    parts.append(
        f"groups under {res.policy.min_group} responses are hidden to protect confidentiality"
    )
    st.caption(plain(" · ".join(parts)))


def group_label_column(by: Sequence[str]) -> str:
    return CROSS.join(by) if by else "Group"
