"""ChangeRadar: page config, navigation and the shared sidebar. No analysis here."""

from __future__ import annotations

import streamlit as st

from ui import charts, loading, state, views

st.set_page_config(
    page_title="ChangeRadar",
    layout="wide",
    initial_sidebar_state="expanded",
)
state.init_defaults()
charts.begin_run()  # the last page's chart prefetch yields to this run
viewer = views.login_gate()  # shared mode: nothing but sign-in until logged in

PAGES = [
    st.Page("app_pages/load.py", title="Load"),
    st.Page("app_pages/overview.py", title="Overview", default=True),
    st.Page("app_pages/teams.py", title="Teams & roles"),
    st.Page("app_pages/comments.py", title="Comments"),
    st.Page("app_pages/hotspots.py", title="Hot spots"),
    st.Page("app_pages/trends.py", title="Trends"),
    st.Page("app_pages/pilot.py", title="Pilot"),
    st.Page("app_pages/downloads.py", title="Downloads"),
]
#: Pages with nothing to show for a comments-only survey (issue 15): they only compare scores.
SCORES_ONLY = ("Trends", "Pilot")
#: Pages whose files must carry the comments: they wait for a large survey's to be read.
WITH_COMMENTS = ("Downloads",)
# no page icons: a Material icon's name is part of the link text (screen readers, tests)
page = st.navigation(PAGES)
state.set_page(page.title)  # for the audit log

prepared = views.ensure_dataset()
if page.title in WITH_COMMENTS and prepared is not None:
    prepared = views.prepared_with_comments()  # before anything says they are still coming
views.sidebar(prepared)
views.data_warnings(prepared)  # a score resting on under half its answers, on every page
loading.background_status(prepared)  # themes and model signals still coming, if so
unread = state.reading()
if unread is not None and page.title != "Load":  # a click away stopped the read: say so
    views.warning(
        f"Reading {unread[1].filename} was interrupted when you left the Load page; it is not "
        "loaded yet. The analysis below is still the previous file."
    )
    st.page_link("app_pages/load.py", label="Finish reading it on the Load page")
if page.title in SCORES_ONLY and views.comments_only(prepared):
    # these pages compare scores and nothing else: say so instead of asking for teams or waves
    st.title(page.title)
    views.no_scores_note()
    st.stop()
page.run()
# reached when the page was drawn in full (st.stop and st.rerun leave through page.run)
charts.prefetch(*(state.take_view() or (None, None)))
