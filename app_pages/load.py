"""Load: upload an export, see what was read and dropped, review and save the column mapping."""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from analysis import access
from analysis.ingest import IngestError, list_sheets
from analysis.store import StoreError
from ui import identity, loading, mapping_editor, state, views

FORMATS = {
    "qualtrics": "Qualtrics",
    "qualtrics_legacy": "Qualtrics (legacy export)",
    "surveymonkey": "SurveyMonkey",
    "ms_forms": "Microsoft Forms",
    "google_forms": "Google Forms",
    "limesurvey": "LimeSurvey",
    "generic": "A plain table (no survey platform recognised)",
}
EXPORT_TYPES = ["csv", "tsv", "txt", "xlsx", "xlsm", "ods"]

st.title("Load a survey")
viewer = identity.current_viewer()
store = identity.dataset_store()  # shared mode only; local mode writes nothing to disk
if store is None:
    st.caption(
        "Everything stays on this computer: the file is analysed in memory for your session "
        "only and never shared with other users."
    )

notice = state.pop_notice()
if notice:
    st.success(views.plain(notice), icon=":material/check_circle:")

# --------------------------------------------------------------------------- published surveys

if store is not None:
    st.subheader("Published surveys")
    try:
        listing = store.list()
    except StoreError as exc:
        listing = []
        views.error(str(exc))
    if listing:
        by_id = {d.id: d for d in listing}
        chosen = st.selectbox(
            "Survey",
            list(by_id),
            format_func=lambda i: f"{by_id[i].name} (published {by_id[i].published_at[:10]})",
            help="Surveys HR has published for you to view.",
        )
        current_ds = state.dataset()
        is_open = current_ds is not None and current_ds.published == by_id[chosen].name
        if not is_open and st.button(
            "Open this survey", type="primary", icon=":material/folder_open:"
        ):
            try:
                problem = views.activate(views.published_dataset(chosen))
            except StoreError as exc:
                problem = str(exc)
            if problem:
                views.error(problem)
            else:
                state.set_notice(f"Opened {by_id[chosen].name}.")
                st.rerun()
    else:
        st.info("No survey has been published yet.")
if viewer is None or not access.can(viewer, "upload"):
    st.caption("Only HR administrators upload surveys and edit their mapping.")
    st.stop()
if store is not None:
    st.subheader("Upload (HR administrators)")


def _try(kind: str, ds: state.Dataset, token: object, done: str) -> None:
    """Prepare a new dataset once per file in this uploader; remember a failure to show it.

    The token names the file only (not the dataset it applies to), so a mapping or name list
    left in its uploader is applied once, not again after every change it causes.
    """
    last = state.last_upload(kind)
    if last is not None and last[0] == token:
        return
    if kind == "export":
        state.set_reading(token, ds)  # kept if a click elsewhere stops the read half-way
    problem = views.open_file(ds)
    state.set_last_upload(kind, token, problem)
    state.set_reading(None)
    if problem is None:
        if state.pending() is None:  # a held file says why in its own warning
            state.set_notice(done)
        if state.pending() is None and views.comments_only(state.prepared()):
            st.switch_page("app_pages/comments.py")  # comments only: straight to them
        st.rerun()


def _show_error(kind: str, token: object) -> None:
    last = state.last_upload(kind)
    if last is not None and last[0] == token and last[1]:
        views.error(last[1])


# --------------------------------------------------------------------------- upload


def _export(upload: UploadedFile, data: bytes, sheet: str | None) -> state.Dataset:
    """The dataset an uploaded export opens as (the roster of a real survey carries over)."""
    current = state.dataset()
    roster = current.roster if current is not None and not current.is_sample else ()
    return state.Dataset(data=data, filename=upload.name, sheet=sheet, roster=roster)


def _hold_new_upload() -> None:
    """Keep a new upload the moment it arrives, before this run reaches its read.

    Callbacks run before the script, so this is done even when a click on another page stops
    the run first (in the sidebar's or the summary's drawing, long before the read): without
    it the uploader would forget the file and nothing would say so. The sheet is chosen later,
    on the page; a file finished from here reads its largest sheet."""
    upload = st.session_state.get(state.StateKeys.EXPORT_UPLOAD)
    if upload is not None:
        state.set_reading((upload.file_id, None), _export(upload, upload.getvalue(), None))


upload = st.file_uploader(
    "Survey export",
    type=EXPORT_TYPES,
    help="A CSV or Excel export from Qualtrics, SurveyMonkey, Microsoft Forms, Google Forms, "
    "LimeSurvey or any table with one row per respondent.",
    key=state.StateKeys.EXPORT_UPLOAD,
    on_change=_hold_new_upload,
)
interrupted = state.reading() if upload is None else None
if interrupted is not None:
    token, unread = interrupted
    views.warning(
        f"Reading {unread.filename} was interrupted when you left this page, so it is not "
        "loaded yet. Read it now, or upload it again."
    )
    read_now, forget = st.columns([1, 4])
    if read_now.button("Read it now", type="primary", icon=":material/refresh:"):
        _try("export", unread, token, f"Loaded {unread.filename}.")
        _show_error("export", token)
    if forget.button("Forget it"):
        state.set_reading(None)
        st.rerun()
if upload is not None:
    data = upload.getvalue()
    sheet = None
    try:
        sheets = list_sheets(data, upload.name)
    except (IngestError, ValueError):
        sheets = ()  # read_export reports the same problem with the full explanation
    if len(sheets) > 1:
        sheet = st.selectbox("Sheet", sheets, help="This workbook has several sheets with data.")
    token = (upload.file_id, sheet)
    _try("export", _export(upload, data, sheet), token, f"Loaded {upload.name}.")
    _show_error("export", token)

held = state.pending()
prep = state.prepared()
ds = state.dataset()
if held is not None:
    # a file that reads but has nothing to score yet: straight into the mapping flow
    views.warning(loading.held_notice(held))
    st.subheader("What was read")
    loading.read_summary(loading.rows_read(held), held.colmap, held.dataset.filename, FORMATS)
    st.subheader("Column mapping")
    mapping_editor.render(loading.target_for(held.dataset, held.export, held.colmap, None))
    loading.mapping_uploader(held.dataset, _try, _show_error)
    st.stop()
if prep is None or ds is None:
    st.stop()

if not ds.is_sample and st.button("Go back to the sample data", icon=":material/undo:"):
    problem = views.open_file(views.sample_dataset())
    if problem:
        views.error(problem)
    else:
        st.rerun()

# --------------------------------------------------------------------------- publish

if store is not None and access.can(viewer, "publish"):
    with st.expander(
        "Publish this survey for managers and change leads", icon=":material/publish:"
    ):
        st.caption(
            "Publishing stores this file, its column mapping and name list encrypted on the "
            "server, so people can view the results the access policy allows them. They never "
            "see the file itself."
        )
        with st.form("publish", border=False):
            title = st.text_input("Name people will see", max_chars=120, placeholder="Pulse Q1")
            if st.form_submit_button("Publish", type="primary"):
                try:
                    info = store.publish(
                        name=title,
                        data=ds.data,
                        filename=ds.filename,
                        sheet=ds.sheet,
                        mapping_yaml=prep.colmap.to_yaml(),
                        roster=ds.roster,
                        published_by=viewer.email,
                        rows=len(prep.scored.groups),
                    )
                except StoreError as exc:
                    views.error(str(exc))
                else:
                    state.audit("publish", viewer=viewer, groups=[info.name])
                    state.set_notice(f"Published {info.name}.")
                    st.rerun()
        published = store.list()
        if published:
            names = {d.id: f"{d.name} ({d.published_at[:10]}, {d.published_by})" for d in published}
            gone = st.selectbox("Withdraw a published survey", list(names), format_func=names.get)
            if st.button("Withdraw", icon=":material/delete:") and store.withdraw(gone):
                state.audit("withdraw", viewer=viewer, groups=[names[gone]])
                state.set_notice("Withdrawn; nobody can open it any more.")
                st.rerun()

# --------------------------------------------------------------------------- what was read

st.subheader("What was read")
st.text(f"{views.dataset_label(ds)}: {ds.filename}" if ds.is_sample else ds.filename)
loading.read_summary(prep.export, prep.colmap, None, FORMATS, comments=len(prep.comments))
if prep.warnings:
    with st.expander(f"Notes ({len(prep.warnings)})", icon=":material/info:"):
        for note in prep.warnings:
            st.text(note)

# --------------------------------------------------------------------------- mapping

st.subheader("Column mapping")
mapping_editor.render(loading.target_for(ds, prep.export, prep.colmap, prep.survey))
loading.mapping_uploader(ds, _try, _show_error)

# --------------------------------------------------------------------------- roster

with st.expander("Names to remove from comments (optional)", icon=":material/person_off:"):
    st.caption(
        "E-mails, phone numbers and IDs are always removed from comments. Upload a list of "
        "people's names (one per line, or a CSV's first column) to remove those too."
    )
    roster_file = st.file_uploader(
        "Name list", type=["txt", "csv"], key=state.StateKeys.ROSTER_UPLOAD
    )
    if roster_file is not None:
        token = roster_file.file_id
        try:
            text = roster_file.getvalue().decode("utf-8-sig")
        except UnicodeDecodeError:
            views.error("The name list is not UTF-8 text; save it as UTF-8 and try again.")
        else:
            names = loading.roster_names(text)
            _try("roster", ds.with_(roster=names), token, f"{len(names)} names will be removed.")
            _show_error("roster", token)
    if ds.roster:
        st.caption(f"{len(ds.roster)} names are being removed from comments.")
