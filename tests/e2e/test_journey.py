"""Browser journeys: upload → heatmap → hot spots → download; inert comments; isolated sessions.

Each test opens its own browser context, i.e. its own Streamlit session on the shared server.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Page

from sample_data import SAMPLE_DIR
from sample_data.generate import generate_responses, qualtrics_csv
from tests.app.conftest import INJECTION, small_export
from tests.e2e.browser import (
    CHART,
    MAIN,
    RUN_TIMEOUT_MS,
    assert_no_exception,
    click_nav,
    download,
    rerun_after,
    upload_file,
    wait_for_app,
    wait_idle,
)

pytestmark = pytest.mark.browser


def _payload(name: str, data: bytes) -> dict:
    return {"name": name, "mimeType": "text/csv", "buffer": data}


def _upload(page: Page, url: str, files) -> None:
    wait_for_app(page, url)
    click_nav(page, "Load")
    upload_file(page, files)
    # the upload ends in st.rerun(): the page is idle for a moment between the two runs, so
    # wait for the second run's notice before reading the page
    name = files["name"] if isinstance(files, dict) else Path(files).name
    notice = page.locator(MAIN).get_by_text(f"Loaded {name}.").first
    notice.wait_for(state="visible", timeout=RUN_TIMEOUT_MS)
    wait_idle(page)
    assert_no_exception(page, "after the upload")


def test_upload_explore_hotspots_and_download(
    app_server: str, page: Page, browser_log, tmp_path: Path
) -> None:
    _upload(page, app_server, SAMPLE_DIR / "ai_pulse_msforms.xlsx")
    main = page.locator(MAIN)
    assert "Microsoft Forms" in main.inner_text()
    assert "ai_pulse_msforms.xlsx" in page.locator('[data-testid="stSidebar"]').inner_text()

    click_nav(page, "Teams & roles")
    heatmap = page.locator(CHART).first
    heatmap.locator("canvas, svg").first.wait_for(state="visible")
    assert "Heatmap of 15 groups" in main.inner_text()  # the chart's text alternative
    assert_no_exception(page, "Teams & roles")

    click_nav(page, "Hot spots")
    assert_no_exception(page, "Hot spots")
    assert "Customer Support" in main.inner_text()  # the planted displacement-fear hot spot

    click_nav(page, "Downloads")
    path = download(page, "Team summary (Excel)", tmp_path)
    assert path.suffix == ".xlsx"
    with zipfile.ZipFile(path) as book:
        assert "xl/workbook.xml" in book.namelist()
    assert_no_exception(page, "Downloads")
    assert browser_log.external_requests == []


def test_comment_markup_stays_inert(app_server: str, page: Page, browser_log) -> None:
    _upload(page, app_server, _payload("inject.csv", small_export(comment=INJECTION)))
    for name in ("Comments", "Hot spots", "Teams & roles"):
        click_nav(page, name)
        assert_no_exception(page, name)
        if name == "Comments":
            tab = page.get_by_role("tab", name="Read comments")
            rerun_after(page, tab.click)
            grid = page.locator('[data-testid="stDataFrame"]').last
            grid.wait_for(state="visible")
            # the grid's toolbar offers search but not its own CSV download, which would write
            # the comment unescaped (client.disableDataExport; render.csv is the one writer)
            grid.hover()
            toolbar = page.locator('[data-testid="stElementToolbar"]').last
            toolbar.get_by_role("button", name="Search").wait_for(state="visible")
            assert toolbar.get_by_role("button", name="Download as CSV").count() == 0
        assert page.evaluate("() => window.__x") is None, "an injected script ran"
        assert page.locator("script:text('window.__x')").count() == 0
        assert page.locator('img[src*="evil"]').count() == 0
        assert page.locator('a[href*="evil"], a[href^="javascript"]').count() == 0
        assert page.locator(f"{MAIN} b:text('bold')").count() == 0
    assert browser_log.dialogs == []
    assert browser_log.external_requests == []


def _with_team(name: str, seed: int) -> bytes:
    frame = generate_responses(n=300, seed=seed)
    frame.loc[frame["team"] == "Sales", "team"] = name
    return qualtrics_csv(frame)


def test_two_sessions_never_see_each_other(app_server: str, new_page, tmp_path: Path) -> None:
    mine = {"Aardvark Unit": new_page(), "Aardwolf Unit": new_page()}
    for seed, (team, page) in enumerate(mine.items(), start=1):
        _upload(page, app_server, _payload(f"{team}.csv", _with_team(team, seed)))
    for team, page in mine.items():
        other = next(t for t in mine if t != team)
        click_nav(page, "Downloads")
        text = page.locator("body").inner_text()
        assert team in text and other not in text  # the team picker shows the first team
        path = download(page, "All scores (CSV)", tmp_path / team)
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
        groups = {r["group"] for r in rows}
        assert team in groups and other not in groups
