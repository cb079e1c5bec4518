"""Downloads: a team summary (workbook, printable page, CSV) for one team or all teams."""

from __future__ import annotations

import streamlit as st

from render.csv import comments_csv, group_csv, table_csv
from render.html import overview_html, team_html
from render.packs import pack_slug
from render.teams import team_names
from render.xlsx import team_workbook
from ui import views

st.title("Downloads")
prep = views.prepared_with_comments()  # the files carry the comments
if prep is None:
    st.info("Load a survey export on the Load page to see the analysis.")
    st.stop()

team = prep.colmap.team
by = [team] if team in prep.grouping_columns else list(views.current_by(prep))
res = views.results(prep, by=by)
views.scope_caption(res)
st.caption(
    "Files follow the filters and privacy settings in the sidebar: hidden groups stay hidden, "
    "comments appear only for groups above the comment threshold, and no cell can run as a "
    "spreadsheet formula. Files are made when you click."
)
no_scores = views.comments_only(prep)
if no_scores:
    st.info(
        "This survey has no rated questions, so the files hold no scores: team summaries "
        "carry each team's comment themes, signals and quotes.",
        icon=":material/chat:",
    )

names = team_names(res)
if not names and res.by and not res.has_scores and res.comments_withheld:
    # a comments-only survey's team summaries hold comments only
    st.info(f"{res.comments_withheld} So a team summary would hold nothing.")
    st.stop()
if not names:
    st.info("Map a team column on the Load page to get team summaries.")
    st.stop()

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

st.subheader("One team")
which = st.selectbox(
    views.group_label_column(res.by),
    names,
    help="The summary a manager receives: scores vs the rest, items, hot spots, themes.",
)
slug = pack_slug(which)
c1, c2, c3 = st.columns(3)
c1.download_button(
    "Team summary (Excel)",
    views.audited_download(lambda: team_workbook(res, [which]), res, "xlsx", [which]),
    file_name=f"changeradar_{slug}.xlsx",
    mime=XLSX,
    icon=":material/table_view:",
    on_click="ignore",
)
c2.download_button(
    "Team summary (printable page)",
    views.audited_download(lambda: team_html(res, which).encode("utf-8"), res, "html", [which]),
    file_name=f"changeradar_{slug}.html",
    mime="text/html",
    icon=":material/print:",
    on_click="ignore",
)
c3.download_button(
    "Team scores (CSV)",
    views.audited_download(lambda: group_csv(res, which), res, "csv", [which]),
    file_name=f"changeradar_{slug}_scores.csv",
    mime="text/csv",
    icon=":material/csv:",
    on_click="ignore",
    disabled=no_scores,
)

st.subheader("All teams")
c1, c2, c3 = st.columns(3)
c1.download_button(
    "All team summaries (Excel)",
    views.audited_download(lambda: team_workbook(res), res, "xlsx"),
    file_name="changeradar_all_teams.xlsx",
    mime=XLSX,
    icon=":material/table_view:",
    on_click="ignore",
)
c2.download_button(
    "Overview for HR (printable page)",
    views.audited_download(lambda: overview_html(res).encode("utf-8"), res, "html"),
    file_name="changeradar_overview.html",
    mime="text/html",
    icon=":material/print:",
    on_click="ignore",
)
c3.download_button(
    "All scores (CSV)",
    views.audited_download(lambda: group_csv(res), res, "csv"),
    file_name="changeradar_all_scores.csv",
    mime="text/csv",
    icon=":material/csv:",
    on_click="ignore",
    disabled=no_scores,
)

st.subheader("Comments and hot spots")
c1, c2, _ = st.columns(3)
c1.download_button(
    f"Comments (CSV, {len(res.comments):,} redacted)",
    views.audited_download(
        lambda: comments_csv(res),
        res,
        "comments csv",
    ),
    file_name="changeradar_comments.csv",
    mime="text/csv",
    icon=":material/forum:",
    on_click="ignore",
    disabled=not len(res.comments),
)
c2.download_button(
    f"Hot spots (CSV, {len(res.flags)})",
    views.audited_download(lambda: table_csv(res.flags_table), res, "hot spots csv"),
    file_name="changeradar_hotspots.csv",
    mime="text/csv",
    icon=":material/local_fire_department:",
    on_click="ignore",
    disabled=not res.flags,
)
