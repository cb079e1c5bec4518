"""ChangeRadar: page config, navigation and the shared sidebar. No analysis here."""

from __future__ import annotations

import streamlit as st

from ui import state, views

st.set_page_config(
    page_title="ChangeRadar",
    page_icon=":material/radar:",
    layout="wide",
    initial_sidebar_state="expanded",
)
state.init_defaults()

PAGES = [
    st.Page("app_pages/load.py", title="Load", icon=":material/upload_file:"),
    st.Page("app_pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("app_pages/teams.py", title="Teams & roles", icon=":material/groups:"),
    st.Page("app_pages/comments.py", title="Comments", icon=":material/forum:"),
    st.Page("app_pages/hotspots.py", title="Hot spots", icon=":material/local_fire_department:"),
    st.Page("app_pages/downloads.py", title="Downloads", icon=":material/download:"),
]
page = st.navigation(PAGES)

prepared = views.ensure_dataset()
views.sidebar(prepared)
page.run()
