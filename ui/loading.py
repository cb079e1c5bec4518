"""Load-page pieces that are not the mapping flow: what was read, the saved-mapping uploader,
the name list, the sentence for a file that waits for a mapping, and the status of the comment
coding that runs in the background (every page)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd
import streamlit as st

from analysis.columns import ColumnMap
from analysis.ingest import SurveyExport
from analysis.pipeline import Prepared
from analysis.pipeline.response_rows import response_rows
from analysis.survey import Survey, default_survey
from ui import identity, state, views
from ui.mapping_editor import Target


def rows_read(held: state.PendingFile) -> SurveyExport:
    """The held file's rows an analysis would read (answered, one per person), with the rows
    the rules dropped said: the counts shown match what applying the mapping gives."""
    return response_rows(held.export, held.colmap)


def held_notice(held: state.PendingFile) -> str:
    """Why a file opened in the mapping flow and what to do, in one or two sentences."""
    colmap = held.colmap
    n = len(rows_read(held).responses)
    head = f"{held.dataset.filename} was read ({n:,} responses)"
    if colmap.comments and not colmap.items:
        return (
            f"{head}. It has {len(colmap.comments)} comment column(s) and no rated question "
            "ChangeRadar can score. Map any rated questions below, or apply the mapping as it "
            "is to analyse the comments only."
        )
    return (
        f"{head}, but no rated question could be scored yet ({held.problem.rstrip('.')}). "
        "Map the questions below: mark the rated ones, give them an answer scale (a custom "
        "one if needed) and apply."
    )


def roster_names(text: str) -> tuple[str, ...]:
    """Names from a name list: one per line, or a CSV's first column; blanks and repeats out."""
    names = (line.split(",")[0].strip().strip('"') for line in text.splitlines() if line.strip())
    return tuple(n for n in dict.fromkeys(names) if n)


def read_summary(
    export: SurveyExport,
    colmap: ColumnMap,
    filename: str | None,
    formats: Mapping[str, str],
    comments: int | None = None,
) -> None:
    """Platform, rows read and kept, comments, dropped rows and identity columns."""
    if filename:
        st.text(filename)
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Platform", formats.get(export.format, export.format), border=True)
    c2.metric("Rows read", f"{export.rows_read:,}", border=True)
    c3.metric("Responses kept", f"{len(export.responses):,}", border=True)
    if comments is None:
        c4.metric("Comment columns", f"{len(colmap.comments):,}", border=True)
    else:
        c4.metric("Comments", f"{comments:,}", border=True)
    details = [f"File type: {export.file_type.upper()}"]
    if export.encoding:
        details.append(f"encoding {export.encoding}")
    if export.sheet:
        details.append(f"sheet “{export.sheet}”")
    st.caption(views.plain(", ".join(details)))
    dropped = {k: v for k, v in export.dropped_rows.items() if v}
    if dropped:
        st.dataframe(
            pd.DataFrame({"Rows dropped": list(dropped.values()), "Why": list(dropped)}),
            hide_index=True,
        )
    else:
        st.caption("No rows were dropped.")
    if colmap.identity:
        st.caption(
            f"{len(colmap.identity)} identity column(s) are never analysed or shown "
            "(names, e-mails, IP addresses, locations, IDs):"
        )
        st.text(", ".join(colmap.identity))


def target_for(
    ds: state.Dataset, export: SurveyExport, colmap: ColumnMap, survey: Survey | None
) -> Target:
    survey = survey or default_survey()
    return Target(
        key=ds.key,
        dataset=ds,
        export=export,
        colmap=colmap,
        known_constructs={c.id: c.label for c in survey.constructs},
        survey=survey,
    )


def mapping_uploader(
    ds: state.Dataset,
    attempt: Callable[[str, state.Dataset, object, str], None],
    show_error: Callable[[str, object], None],
) -> None:
    """'Load a saved mapping': applied once per file (its own upload token), then the flow
    shows it; a bad file is explained and the dataset in use stays."""
    mapping_file = st.file_uploader(
        "Load a saved mapping (YAML)",
        type=["yaml", "yml"],
        key=state.StateKeys.MAPPING_UPLOAD,
        help="A mapping saved from ChangeRadar (or written by hand, see the README).",
    )
    if mapping_file is None:
        return
    token = mapping_file.file_id
    try:
        text = mapping_file.getvalue().decode("utf-8-sig")
    except UnicodeDecodeError:
        views.error("The mapping file is not UTF-8 text; save it as UTF-8 and try again.")
        return
    attempt(
        "mapping", ds.with_(mapping_yaml=text), token, "Mapping loaded; the analysis was updated."
    )
    show_error("mapping", token)


def background_status(prep: Prepared | None) -> None:
    """While themes and model-read comment signals are still computed (``prep.pending``): say
    so, with the time spent so far, and offer to check again. Every rerun (a click, a page,
    this button) collects the finished analysis once it is there (``state.cached_prepared``).

    No timer reruns the page by itself: a timed fragment run looks like any other script run
    to the browser, so an action's own rerun could not be told apart from it."""
    if prep is None or prep.background is None:
        return
    status = prep.background.status()
    if not prep.comments_read:
        with st.container(border=True):
            st.caption(
                ":material/hourglass_top: The scores are ready; the comments are still being "
                f"read ({status.seconds:.0f} s so far, a few seconds for a large survey). "
                "Comment counts, sentiment, signals and hot spots from comment evidence appear "
                "when you next open a page or change a setting."
            )
            st.button("Check again", icon=":material/refresh:")
        return
    waiting = (
        "waiting for another analysis on this server to finish"
        if status.stage == "queued"
        else "reading every comment with the language model"
    )
    with st.container(border=True):
        st.caption(
            ":material/hourglass_top: Comment themes, model-read signals and sentiment labels are "
            f"still being computed ({waiting}, {status.seconds:.0f} s so far); until then "
            "sentiment comes from the word lexicon. Everything else is ready; the rest is added "
            "when you next open a page or change a setting."
        )
        st.button("Check again", icon=":material/refresh:")


def warm_server() -> None:
    """Before anyone visits (:mod:`ui.server`): the language models loaded and checked, the
    charting libraries imported and, in local mode, the built-in sample prepared, the one
    Prepared every first visit opens on (:func:`ui.views.sample_prepared`, shared by
    sessions), with its default view's per-upload parts computed (the Prepared's view cache,
    also shared: about half of that view's first analysis)."""
    import render.charts.grid  # noqa: F401 (chart builders: altair's schema loads once)
    from analysis import comments, embeddings, pipeline

    comments.preload_language_model()
    if embeddings.available():
        embeddings.encode(["warm up"])  # weights read and checksummed once per process
    if identity.dataset_store() is None:  # local mode: every first visit opens on the sample
        pipeline.analyze(views.sample_prepared())
