"""Load: upload an export, see what was read and dropped, review and save the column mapping."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis import access
from analysis.columns import ROLES, ColumnMap, ColumnSpec
from analysis.ingest import IngestError, list_sheets
from analysis.scales import SCALES
from analysis.store import StoreError
from ui import state, views

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
SINGLE_ROLES = ("team", "role", "respondent_id")

st.title("Load a survey")
viewer = state.current_viewer()
store = state.dataset_store()  # shared mode only; local mode writes nothing to disk
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
    problem = views.activate(ds)
    state.set_last_upload(kind, token, problem)
    if problem is None:
        state.set_notice(done)
        st.rerun()


def _show_error(kind: str, token: object) -> None:
    last = state.last_upload(kind)
    if last is not None and last[0] == token and last[1]:
        views.error(last[1])


# --------------------------------------------------------------------------- upload

upload = st.file_uploader(
    "Survey export",
    type=EXPORT_TYPES,
    help="A CSV or Excel export from Qualtrics, SurveyMonkey, Microsoft Forms, Google Forms, "
    "LimeSurvey or any table with one row per respondent.",
)
current = state.dataset()
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
    roster = current.roster if current is not None and not current.is_sample else ()
    _try(
        "export",
        state.Dataset(data=data, filename=upload.name, sheet=sheet, roster=roster),
        token,
        f"Loaded {upload.name}.",
    )
    _show_error("export", token)

prep = state.prepared()
ds = state.dataset()
if prep is None or ds is None:
    st.stop()

if not ds.is_sample and st.button("Go back to the sample data", icon=":material/undo:"):
    problem = views.activate(views.sample_dataset())
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
export = prep.export
st.text(f"{views.dataset_label(ds)}: {ds.filename}" if ds.is_sample else ds.filename)
c1, c2, c3, c4 = st.columns(4)
c1.metric("Platform", FORMATS.get(export.format, export.format), border=True)
c2.metric("Rows read", f"{export.rows_read:,}", border=True)
c3.metric("Responses kept", f"{len(export.responses):,}", border=True)
c4.metric("Comments", f"{len(prep.comments):,}", border=True)

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
identity = prep.colmap.identity
if identity:
    st.caption(
        f"{len(identity)} identity column(s) are never analysed or shown "
        "(names, e-mails, IP addresses, locations, IDs):"
    )
    st.text(", ".join(identity))
if prep.warnings:
    with st.expander(f"Notes ({len(prep.warnings)})", icon=":material/info:"):
        for note in prep.warnings:
            st.text(note)

# --------------------------------------------------------------------------- mapping

st.subheader("Column mapping")
st.caption(
    "How each column is used. Check the team and role columns and that every rated question "
    "has the right construct and answer scale, then apply. Save the mapping to reuse it."
)
colmap = prep.colmap
constructs = [c.id for c in prep.survey.constructs]
constructs += sorted({s.construct for s in colmap.columns if s.construct} - set(constructs))
scales = list(SCALES) + sorted(set(colmap.scales) - set(SCALES))
table = pd.DataFrame(
    {
        "column": [s.name for s in colmap.columns],
        "question": [s.question for s in colmap.columns],
        "role": [s.role for s in colmap.columns],
        "construct": [s.construct for s in colmap.columns],
        "scale": [s.scale for s in colmap.columns],
        "reverse": [bool(s.reverse) for s in colmap.columns],
        "why": [s.reason for s in colmap.columns],
    }
)
edited = st.data_editor(
    table,
    key=f"mapping::{ds.key}",
    hide_index=True,
    disabled=["column", "question", "why"],
    column_config={
        "column": st.column_config.TextColumn("Column", pinned=True),
        "question": "Question",
        "role": st.column_config.SelectboxColumn("Role", options=list(ROLES), required=True),
        "construct": st.column_config.SelectboxColumn("Construct", options=constructs),
        "scale": st.column_config.SelectboxColumn("Answer scale", options=scales),
        "reverse": st.column_config.CheckboxColumn("Reverse", help="Agreeing is bad news."),
        "why": "Why this role",
    },
)


def _edited_map(frame: pd.DataFrame) -> tuple[ColumnMap | None, list[str]]:
    problems = []
    for role in SINGLE_ROLES:
        chosen = frame.loc[frame["role"] == role, "column"].tolist()
        if len(chosen) > 1:
            problems.append(f"Choose one {role} column, not {len(chosen)}: {', '.join(chosen)}.")
    items = frame[frame["role"] == "item"]
    no_scale = items.loc[items["scale"].isna(), "column"].tolist()
    if no_scale:
        problems.append(f"Give these rated questions an answer scale: {', '.join(no_scale)}.")
    if problems:
        return None, problems
    specs = []
    for base, row in zip(colmap.columns, frame.itertuples(index=False), strict=True):
        is_item = row.role == "item"
        specs.append(
            ColumnSpec(
                name=base.name,
                role=str(row.role),
                scale=str(row.scale) if is_item and pd.notna(row.scale) else None,
                construct=str(row.construct) if is_item and pd.notna(row.construct) else None,
                reverse=bool(row.reverse) if is_item else False,
                question=base.question,
                export_tag=base.export_tag,
                reason=base.reason,
            )
        )
    return ColumnMap(specs, scales=dict(colmap.scales)), []


changed = not edited.equals(table)
left, mid, right = st.columns(3)
if left.button("Apply mapping", type="primary", disabled=not changed, icon=":material/check:"):
    new_map, problems = _edited_map(edited)
    for problem in problems:
        views.error(problem)
    if new_map is not None:
        problem = views.activate(ds.with_(mapping_yaml=new_map.to_yaml()))
        if problem:
            views.error(problem)
        else:
            state.set_notice("Mapping applied; the analysis was updated.")
            st.rerun()
mid.download_button(
    "Save mapping (YAML)",
    colmap.to_yaml().encode("utf-8"),
    file_name="changeradar_mapping.yaml",
    mime="application/x-yaml",
    icon=":material/save:",
    on_click="ignore",
)
if ds.mapping_yaml and right.button("Reset to the detected mapping", icon=":material/undo:"):
    problem = views.activate(ds.with_(mapping_yaml=None))
    if problem:
        views.error(problem)
    else:
        st.rerun()

mapping_file = st.file_uploader(
    "Load a saved mapping (YAML)",
    type=["yaml", "yml"],
    help="A mapping saved from ChangeRadar (or written by hand, see the README).",
)
if mapping_file is not None:
    token = mapping_file.file_id
    try:
        text = mapping_file.getvalue().decode("utf-8-sig")
    except UnicodeDecodeError:
        views.error("The mapping file is not UTF-8 text; save it as UTF-8 and try again.")
    else:
        _try(
            "mapping",
            ds.with_(mapping_yaml=text),
            token,
            "Mapping loaded; the analysis was updated.",
        )
        _show_error("mapping", token)

# --------------------------------------------------------------------------- roster

with st.expander("Names to remove from comments (optional)", icon=":material/person_off:"):
    st.caption(
        "E-mails, phone numbers and IDs are always removed from comments. Upload a list of "
        "people's names (one per line, or a CSV's first column) to remove those too."
    )
    roster_file = st.file_uploader("Name list", type=["txt", "csv"], key="roster_upload")
    if roster_file is not None:
        token = roster_file.file_id
        try:
            text = roster_file.getvalue().decode("utf-8-sig")
        except UnicodeDecodeError:
            views.error("The name list is not UTF-8 text; save it as UTF-8 and try again.")
        else:
            names = tuple(
                dict.fromkeys(
                    line.split(",")[0].strip().strip('"')
                    for line in text.splitlines()
                    if line.strip()
                )
            )
            names = tuple(n for n in names if n)
            _try("roster", ds.with_(roster=names), token, f"{len(names)} names will be removed.")
            _show_error("roster", token)
    if ds.roster:
        st.caption(f"{len(ds.roster)} names are being removed from comments.")
