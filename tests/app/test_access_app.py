"""Who sees what, through the real app: simulated users of each role in shared mode (AppTest's
``user`` is what ``st.user`` returns), and local mode writing nothing to disk."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analysis import access
from analysis.audit import AuditLog, read_records
from analysis.pipeline import Results
from analysis.store import DatasetStore, new_key
from tests.app.conftest import APP, TIMEOUT, Ready, open_comment_tab
from ui import state

PAGES = [
    "app_pages/overview.py",
    "app_pages/teams.py",
    "app_pages/comments.py",
    "app_pages/hotspots.py",
    "app_pages/downloads.py",
]
POLICY = """
rules:
  - {email: hr@acme.example, role: hr_admin}
  - {email: lead@acme.example, role: change_lead}
  - {email: sales.mgr@acme.example, role: manager, teams: [Sales]}
  - {email: audit.mgr@acme.example, role: manager, teams: [Internal Audit]}
restricted: [Tenure]
"""
AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "a-long-random-test-secret-0123456789",
    "client_id": "changeradar-test",
    "client_secret": "not-a-real-secret",
    "server_metadata_url": "https://login.example.com/.well-known/openid-configuration",
}
HR = {"is_logged_in": True, "email": "hr@acme.example", "name": "Priya HR"}
LEAD = {"is_logged_in": True, "email": "lead@acme.example"}
SALES = {"is_logged_in": True, "email": "sales.mgr@acme.example"}
AUDIT_MGR = {"is_logged_in": True, "email": "audit.mgr@acme.example"}


@pytest.fixture
def shared(tmp_path, monkeypatch):
    """Shared mode: policy file, data folder and data key in the environment."""
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY, encoding="utf-8")
    data = tmp_path / "data"
    monkeypatch.setenv("CHANGERADAR_MODE", "shared")
    monkeypatch.setenv("CHANGERADAR_POLICY", str(policy))
    monkeypatch.setenv("CHANGERADAR_DATA_DIR", str(data))
    monkeypatch.setenv("CHANGERADAR_DATA_KEY", new_key())
    return data


def app_as(
    user: dict, r: Ready | None = None, page: str | None = None, *, crafted=None, **query
) -> AppTest:
    """An AppTest for ``user`` in shared mode; ``crafted`` session values are set before the
    first run, as a modified client could send widget values the UI never offered."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.user = dict(user)
    at.secrets["auth"] = AUTH
    at.query_params.update(query)
    if r is not None:
        for key, value in state.seed(r.dataset, r.prepared).items():
            at.session_state[key] = value
    for key, value in (crafted or {}).items():
        at.session_state[key] = value
    at.run()
    if page is not None:
        at.switch_page(page).run()
    return at


def session_results(at: AppTest) -> list[Results]:
    """Every Results this session computed (the cache views.results fills)."""
    cache = at.session_state[state.RESULTS] if state.RESULTS in at.session_state else {}  # noqa: SIM401
    return list(cache.values())


def shown_text(at: AppTest) -> str:
    parts = [str(e.value) for kind in ("text", "caption", "markdown", "info", "subheader")
             for e in getattr(at, kind)]  # fmt: skip
    parts += [df.value.to_csv() for df in at.dataframe]
    parts += [str(m.value) for m in at.metric]
    return "\n".join(parts)


def test_unauthenticated_session_sees_only_the_login(shared, small: Ready) -> None:
    for page in [None, *PAGES, "app_pages/load.py"]:
        at = app_as({"is_logged_in": False}, small, page, team="Sales", grouping="Tenure")
        assert not at.exception
        assert [t.value for t in at.title] == ["ChangeRadar"]
        assert [b.label for b in at.button] == ["Sign in"]
        assert not at.metric and not at.dataframe and not at.sidebar.selectbox
        assert not at.get("vega_lite_chart") and not at.get("download_button")
        assert not at.get("file_uploader")
        assert small.dataset.filename not in shown_text(at)
        assert not session_results(at)
    # no [auth] configured: a sentence saying what to set up, still nothing else
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.user = {"is_logged_in": False}
    at.run()
    assert any("auth" in e.value and "secrets" in e.value for e in at.error)
    assert not at.button and not at.metric


def test_signed_in_without_a_rule_sees_only_a_notice(shared, small: Ready) -> None:
    at = app_as({"is_logged_in": True, "email": "visitor@elsewhere.example"}, small)
    assert not at.exception
    assert any("no access" in i.value for i in at.info)
    assert [b.label for b in at.button] == ["Sign out"]
    assert not at.metric and not at.dataframe and not session_results(at)
    records = read_records(shared / "audit")
    assert records[-1]["action"] == "denied" and records[-1]["role"] == ""


def test_manager_reaches_only_their_team_on_every_page(shared, small: Ready) -> None:
    sizes = small.prepared.scored.groups["Team"].value_counts()
    others = [t for t in sizes.index if t != "Sales"]
    for page in PAGES:
        at = app_as(SALES, small, page)
        assert not at.exception, [e.value for e in at.exception]
        # widgets offer only what is in scope
        assert at.sidebar.multiselect(key=state.filter_key("Team")).options == ["Sales"]
        assert "Tenure" not in at.sidebar.selectbox(key=state.GROUPING).options
        assert all(ms.label != "Tenure" for ms in at.sidebar.multiselect)
        # and everything computed for this session is Sales only
        results = session_results(at)
        assert results
        for res in results:
            assert res.filters["Team"] == ["Sales"]
            assert res.n == sizes["Sales"]
            for table in (res.groups, res.items, res.comments, res.enps_groups):
                if "Team" in table.columns:
                    assert set(table["Team"].astype(str)) <= {"Sales"}
            assert all(f.group.get("Team", "Sales") == "Sales" for f in res.flags)
        text = shown_text(at)
        if page.endswith("comments.py"):  # only the open tab is drawn: read each
            for tab in ("By group", "Read comments"):
                text += shown_text(open_comment_tab(at, tab))
                assert not at.exception, [e.value for e in at.exception]
            assert "Sales" in text  # the reading table was drawn, with the manager's team
        assert not [t for t in others if t in text], page
        if page.endswith("downloads.py"):
            assert at.selectbox[0].options == ["Sales"]
        if page.endswith("teams.py"):
            assert at.selectbox(key=state.DRILL).options == ["Sales"]


def test_manager_cannot_widen_scope_by_widget_state_or_query_params(shared, small) -> None:
    crafted = {
        state.filter_key("Team"): ["Customer Support", "Sales"],
        state.filter_key("Tenure"): ["1-2 years"],
        state.GROUPING: "Tenure",
    }
    at = app_as(SALES, small, crafted=crafted, team="Customer Support", by="Tenure")
    at.switch_page("app_pages/teams.py").run()
    assert not at.exception
    for res in session_results(at):
        assert "Tenure" not in res.by and "Tenure" not in res.filters
        assert set(res.filters["Team"]) == {"Sales"}
        assert set(res.groups.get("Team", pd.Series(["Sales"])).astype(str)) == {"Sales"}
    assert "Customer Support" not in shown_text(at)
    # the function behind every page refuses directly, whatever the UI does
    viewer = access.viewer_from_claims(SALES, access.load_policy(POLICY))
    with pytest.raises(access.AccessDenied):
        access.scoped_analyze(
            viewer,
            small.prepared,
            policy=access.load_policy(POLICY),
            filters={"Team": ["Customer Support"]},
        )


def test_manager_of_a_small_team_sees_the_notice_not_numbers(shared, small: Ready) -> None:
    assert small.prepared.scored.groups["Team"].value_counts()["Internal Audit"] < 5
    for page in PAGES:
        at = app_as(AUDIT_MGR, small, page)
        assert not at.exception
        assert any("hidden to protect confidentiality" in i.value for i in at.info), page
        assert not at.metric and not at.dataframe and not at.get("download_button")
        assert not session_results(at)


def test_change_lead_cannot_group_or_filter_by_a_restricted_demographic(shared, small) -> None:
    at = app_as(LEAD, small, "app_pages/teams.py")
    assert "Tenure" not in at.sidebar.selectbox(key=state.GROUPING).options
    assert all(ms.label != "Tenure" for ms in at.sidebar.multiselect)
    assert all(n.disabled for n in at.sidebar.number_input)  # thresholds are HR's
    at = app_as(LEAD, small, crafted={state.GROUPING: "Tenure", state.MIN_COMMENTS: 1})
    at.switch_page("app_pages/teams.py").run()
    assert not at.exception
    results = session_results(at)
    assert results and all("Tenure" not in r.by for r in results)
    assert all(r.policy.min_comments == 10 for r in results)
    everyone = small.prepared.scored.groups["Team"].nunique()
    assert results[-1].groups["group"].nunique() == everyone  # every team's results
    at.switch_page("app_pages/comments.py").run()
    assert not at.exception
    assert len(session_results(at)[-1].comments)  # comment_text includes change leads by default


def test_comment_text_withheld_from_a_role(shared, small: Ready) -> None:
    policy = Path(os.environ["CHANGERADAR_POLICY"])
    policy.write_text(POLICY + "comment_text: [hr_admin]\n", encoding="utf-8")
    at = open_comment_tab(app_as(LEAD, small, "app_pages/comments.py"), "Read comments")
    assert not at.exception
    assert any("not shared with your role" in i.value for i in at.info)
    assert all(not len(r.comments) for r in session_results(at))
    assert all(not f.quotes for r in session_results(at) for f in r.flags)


def test_hr_admin_groups_by_anything_uploads_and_publishes(shared, small: Ready) -> None:
    at = app_as(HR, small, "app_pages/teams.py")
    assert "Tenure" in at.sidebar.selectbox(key=state.GROUPING).options
    at.sidebar.selectbox(key=state.GROUPING).set_value("Tenure").run()
    assert not at.exception
    assert session_results(at)[-1].by == ("Tenure",)
    at.switch_page("app_pages/load.py").run()
    assert at.get("file_uploader")
    at.text_input[0].input("Pulse Q1")
    at.get("form_submit_button")  # the form is there
    next(b for b in at.button if b.label == "Publish").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    store = DatasetStore(shared, os.environ["CHANGERADAR_DATA_KEY"])
    (info,) = store.list()
    assert info.name == "Pulse Q1" and info.published_by == "hr@acme.example"
    assert store.load(info.id).data == small.dataset.data
    # a manager who opens the app now gets the published survey, scoped to Sales
    mgr = app_as(SALES, None, "app_pages/overview.py")
    assert not mgr.exception
    assert "Pulse Q1" in [t.value for t in mgr.sidebar.text]
    (res,) = session_results(mgr)
    assert res.filters == {"Team": ["Sales"]}
    assert not mgr.get("file_uploader")
    mgr.switch_page("app_pages/load.py").run()
    assert not mgr.get("file_uploader") and not mgr.get("data_editor")
    assert any("Only HR administrators" in c.value for c in mgr.caption)
    mgr.switch_page("app_pages/trends.py").run()
    assert any("HR administrators" in i.value for i in mgr.info)
    actions = [(r["user"], r["action"]) for r in read_records(shared / "audit")]
    assert ("hr@acme.example", "publish") in actions
    assert ("sales.mgr@acme.example", "login") in actions


def test_no_survey_published_yet(shared) -> None:
    at = app_as(SALES)
    assert not at.exception
    assert any("No survey has been published" in i.value for i in at.info)
    assert not at.metric and not session_results(at)


def test_views_are_audited_once_with_group_names_only(shared, small: Ready) -> None:
    at = app_as(SALES, small, "app_pages/teams.py")
    at.run()  # a rerun of the same view adds no record
    records = read_records(shared / "audit")
    assert [r["action"] for r in records].count("login") == 1
    views = [r for r in records if r["action"] == "view"]
    assert [v["page"] for v in views] == ["Overview", "Teams & roles"]
    for v in views:
        assert v["user"] == "sales.mgr@acme.example" and v["role"] == "manager"
        assert v["groups"] == ["Sales"] and v["grouping"] == ["Team"]
    raw = (shared / "audit").glob("*.jsonl")
    text = "".join(p.read_text() for p in raw)
    for comment in small.prepared.comments["redacted"].astype(str):
        if len(comment) > 30:
            assert comment not in text


def _download_script() -> None:
    import streamlit as st

    from ui import state, views

    state.set_page("Downloads")
    res = st.session_state["res"]
    st.session_state["make"] = views.audited_download(lambda: b"file", res, "csv", ["Sales"])


def test_download_is_audited_even_outside_the_script(shared, small: Ready) -> None:
    """Streamlit makes a deferred download's data on a server thread with no session: the
    audit record must still be written, with the session's user and page."""
    policy = access.load_policy(POLICY)
    viewer = access.viewer_from_claims(SALES, policy)
    res = access.scoped_analyze(viewer, small.prepared, policy=policy)
    at = AppTest.from_function(_download_script, default_timeout=TIMEOUT)
    at.user = dict(SALES)
    at.session_state["res"] = res
    at.run()
    assert not at.exception
    assert not read_records(shared / "audit")  # nothing until the file is made
    make = at.session_state["make"]
    assert make() == b"file"  # called here, outside any script run
    (record,) = read_records(shared / "audit")
    assert record["action"] == "download" and record["format"] == "csv"
    assert record["user"] == "sales.mgr@acme.example" and record["page"] == "Downloads"
    assert record["groups"] == ["Sales"] and record["filters"] == {"Team": ["Sales"]}


# --------------------------------------------------------------------------- local mode


class _WriteSpy:
    """Records every file opened for writing and every SQLite connection while active
    (audit hooks can't be removed, so this one is switched on and off)."""

    def __init__(self) -> None:
        self.active = False
        self.events: list[tuple] = []
        sys.addaudithook(self)

    def __call__(self, event: str, args: tuple) -> None:
        if not self.active:
            return
        if event == "open":
            path, mode, flags = args
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                mode is None
                and isinstance(flags, int)
                and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND)
            )
            if writing:
                self.events.append(("open", str(path), mode))
        elif event.startswith("sqlite3.connect"):
            self.events.append(("sqlite", *map(str, args)))


_SPY = _WriteSpy()


def test_local_mode_writes_nothing_to_disk(small: Ready, monkeypatch, tmp_path) -> None:
    for name in ("MODE", "POLICY", "DATA_DIR", "DATA_KEY", "AUDIT_DIR"):
        monkeypatch.delenv(f"CHANGERADAR_{name}", raising=False)
    monkeypatch.setenv("CHANGERADAR_DATA_DIR", str(tmp_path))  # configured, yet unused locally
    _SPY.events.clear()
    _SPY.active = True
    try:
        at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
        for key, value in state.seed(small.dataset, small.prepared).items():
            at.session_state[key] = value
        at.run()
        for page in [*PAGES, "app_pages/load.py", "app_pages/trends.py"]:
            at.switch_page(page).run()
            assert not at.exception
        at.switch_page("app_pages/teams.py").run()
        at.sidebar.selectbox(key=state.GROUPING).set_value("Tenure").run()
    finally:
        _SPY.active = False
    assert _SPY.events == []
    assert not any(tmp_path.iterdir())
    _SPY.active = True  # the spy does see writes: an audit record is caught
    try:
        AuditLog(tmp_path / "control").record(user="u", role="hr_admin", action="view")
    finally:
        _SPY.active = False
    assert [e[0] for e in _SPY.events] == ["open"]
    assert session_results(at)[-1].by == ("Tenure",)  # local user: everything visible
