"""Rendering shared by the pages: the sidebar, loading a dataset, the current Results, charts
with their text alternative, safe CSV files, and plain-text display of user strings.

Anything that came from an upload (team names, column names, file names, comments) is shown
either through elements that never parse markup (``st.text``, ``st.dataframe``, chart marks,
widget options) or through :func:`plain`, which escapes every Markdown character first:
Streamlit renders links and remote images in Markdown, including widget labels.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Sequence
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from analysis import pipeline
from analysis.ingest import IngestError
from analysis.pipeline import Prepared, Results
from analysis.privacy import PrivacyError
from sample_data import DEFAULT_DATASET
from ui import state

LOG = logging.getLogger("changeradar.app")

SAMPLE_LABEL = "Sample data (generated, not real people)"
SIGNAL_NAMES = {
    "ai_mention": "AI mention",
    "displacement_fear": "Displacement fear",
    "ai_distrust": "AI distrust",
    "ai_trust": "AI trust",
    "training_request": "Training request",
    "change_fatigue": "Change fatigue",
}
FLAG_TYPES = {"change_management": "Change management", "training": "Training"}
CROSS = " × "

_MD_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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


# --------------------------------------------------------------------------- CSV


def safe_csv(df: pd.DataFrame) -> bytes:
    """UTF-8 CSV (with BOM, for Excel) where no cell can run as a spreadsheet formula.

    A text cell starting with = + - @ tab or carriage return gets a leading single quote
    (OWASP CSV injection advice); numbers stay numbers.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_safe_cell(c) for c in df.columns])
    for row in df.itertuples(index=False, name=None):
        writer.writerow([_safe_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _safe_cell(value: Any) -> Any:
    if value is None or (not isinstance(value, str | list | dict) and pd.isna(value)):
        return ""
    if isinstance(value, bool | np.bool_):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float | np.integer | np.floating):
        return value
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


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
    slot = st.empty()
    try:
        with slot.status("Reading the file…", expanded=False) as status:
            export, colmap = pipeline.load(
                ds.data, ds.filename, sheet=ds.sheet, mapping_yaml=ds.mapping_yaml
            )
            status.update(
                label=f"Scoring {len(export.responses):,} responses and reading the comments "
                "(a few seconds)…"
            )
            prep = pipeline.prepare(export, colmap, roster=ds.roster, source_name=ds.filename)
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


def ensure_dataset() -> Prepared | None:
    """The Prepared in use; on a first visit, the built-in sample data."""
    prep = state.prepared()
    if prep is not None:
        return prep
    ds = state.dataset() or sample_dataset()
    problem = activate(ds)
    if problem:
        error(problem)
        return None
    return state.prepared()


def dataset_label(ds: state.Dataset | None) -> str:
    if ds is None:
        return "No data loaded"
    return SAMPLE_LABEL if ds.is_sample else ds.filename


# --------------------------------------------------------------------------- grouping


def grouping_options(prep: Prepared) -> dict[str, tuple[str, ...]]:
    """Grouping choices by label: team, role, team × role, then every other grouping column."""
    cols = prep.grouping_columns
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
    options = grouping_options(prep)
    chosen = state.grouping()
    if chosen in options:
        return options[chosen]
    return next(iter(options.values()), ())


def sidebar(prep: Prepared | None) -> None:
    """Dataset in use, grouping, filters and privacy settings, on every page."""
    with st.sidebar:
        st.caption("Dataset in use")
        ds = state.dataset()
        st.text(dataset_label(ds))
        if prep is not None:
            st.caption(f"{len(prep.scored.groups):,} responses · {len(prep.comments):,} comments")
        if prep is None:
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
            for col in prep.grouping_columns:
                values = sorted(groups[col].dropna().astype(str).unique().tolist())
                st.multiselect(col, values, key=state.filter_key(col), placeholder="Everyone")
        with st.expander("Privacy", icon=":material/shield:"):
            st.number_input(
                "Minimum group size",
                min_value=3,
                step=1,
                key=state.MIN_GROUP,
                help="Groups with fewer responses are hidden (never below 3).",
            )
            st.number_input(
                "Minimum comments to show a group's comments",
                min_value=1,
                step=1,
                key=state.MIN_COMMENTS,
                help="Comments of smaller groups are not shown, so they cannot be attributed.",
            )


# --------------------------------------------------------------------------- results


def results(prep: Prepared, by: Sequence[str] | None = None) -> Results:
    """The Results for the sidebar settings (or another grouping), cached per session.

    A filter that would expose a small group is dropped with a warning, so the page still
    shows the unfiltered analysis.
    """
    ds = state.dataset()
    ds_key = ds.key if ds is not None else ""
    by_cols = tuple(by) if by is not None else current_by(prep)
    policy = state.policy()
    filters = state.filters(prep.grouping_columns)
    names = state.theme_names(ds_key)
    merges = state.theme_merges(ds_key)

    def compute(filters: dict[str, list[str]]) -> Results:
        key = (
            ds_key,
            by_cols,
            policy.min_group,
            policy.min_comments,
            tuple(sorted((k, tuple(v)) for k, v in filters.items())),
            tuple(sorted(names.items())),
            tuple(sorted(merges.items())),
        )
        return state.results(
            key,
            lambda: pipeline.analyze(
                prep,
                by=list(by_cols),
                policy=policy,
                filters=filters or None,
                shown_filters=state.shown_filters(ds_key, policy.min_group),
                theme_names=names or None,
                theme_merges=merges or None,
            ),
        )

    if filters:
        try:
            res = compute(filters)
        except PrivacyError as exc:
            warning(f"Filter not applied: {exc}")
        else:
            state.add_shown_filter(ds_key, policy.min_group, filter_mask(prep, filters))
            return res
    return compute({})


def filter_mask(prep: Prepared, filters: dict[str, list[str]]) -> np.ndarray:
    groups = prep.scored.groups
    mask = np.ones(len(groups), dtype=bool)
    for col, values in filters.items():
        mask &= groups[col].astype(str).isin(values).to_numpy()
    return mask


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


# --------------------------------------------------------------------------- charts


def chart(figure: alt.TopLevelMixin, alt_text: str, **kwargs: Any) -> Any:
    """An Altair chart with its text alternative (for screen readers and a quick read)."""
    kwargs.setdefault("width", "content")  # builders size their charts; don't squeeze them
    event = st.altair_chart(figure, **kwargs)
    st.caption(plain(alt_text))
    return event


def construct_info(res: Results) -> pd.DataFrame:
    """construct -> label, direction (from the organisation table)."""
    cols = ["construct", "label", "direction"]
    if not len(res.org):
        return pd.DataFrame(columns=cols)
    return res.org[[c for c in cols if c in res.org.columns]].drop_duplicates("construct")


def heatmap_table(res: Results) -> pd.DataFrame:
    """Results.groups with each construct's label and direction, as the heatmap wants."""
    groups = res.groups
    if not len(groups):
        return groups
    info = construct_info(res)
    return groups.drop(columns=["label", "direction"], errors="ignore").merge(
        info, on="construct", how="left"
    )


def likert_table(res: Results, prep: Prepared) -> pd.DataFrame:
    """Results.likert plus each item's ``reverse`` flag (favourable at the low end)."""
    table = res.likert
    if not len(table):
        return table
    reverse = {}
    for item in table["item"].astype(str).unique():
        try:
            reverse[item] = bool(prep.colmap.spec(item).reverse)
        except KeyError:
            reverse[item] = False
    return table.assign(reverse=table["item"].astype(str).map(reverse).fillna(False))


def theme_shares_table(res: Results) -> pd.DataFrame:
    """Results.theme_shares renamed for the chart: n = comments in the group, hidden groups
    marked with the reason."""
    shares = res.theme_shares
    if not len(shares):
        return shares
    hidden = shares["hidden"].astype(bool) if "hidden" in shares.columns else False
    reason = f"fewer than {res.policy.min_comments} comments or a hidden group"
    return shares.rename(columns={"n_comments": "n"}).assign(
        suppressed=hidden, suppressed_reason=np.where(hidden, reason, "")
    )


def sentiment_table(res: Results) -> pd.DataFrame:
    table = res.comment_groups
    if not len(table):
        return table
    hidden = ~table["visible"].astype(bool)
    reason = f"fewer than {res.policy.min_comments} comments or a hidden group"
    return table.assign(suppressed=hidden, suppressed_reason=np.where(hidden, reason, ""))


def drivers_table(res: Results) -> pd.DataFrame:
    """Key drivers with construct labels for the bars."""
    drivers = res.drivers
    if not len(drivers):
        return drivers
    labels = dict(zip(construct_info(res)["construct"], construct_info(res)["label"], strict=True))
    out = drivers.assign(
        label=drivers["driver"].map(labels).fillna(drivers["driver"]),
        outcome=drivers["outcome"].map(lambda o: labels.get(o, o)),
    )
    return out


def group_label_column(by: Sequence[str]) -> str:
    return CROSS.join(by) if by else "Group"
