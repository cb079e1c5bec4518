"""Smoke journey in a real browser: the app starts, renders its first page and every page in the
sidebar without an exception, and fetches nothing from the internet."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page

from tests.e2e.browser import SIDEBAR_NAV, assert_no_exception, click_nav, wait_for_app
from ui.server import WARMED

pytestmark = pytest.mark.browser


def test_app_opens_and_every_page_renders(app_server: str, page: Page, browser_log) -> None:
    main = wait_for_app(page, app_server)
    assert main.inner_text().strip(), "the first page rendered nothing"
    assert_no_exception(page, "the first page")

    links = page.locator(f"{SIDEBAR_NAV} a")
    titles = [t.strip() for t in links.all_inner_texts() if t.strip()]
    assert len(titles) >= 2, f"expected sidebar navigation, found {titles}"
    for title in titles:
        click_nav(page, title)
        assert_no_exception(page, f"the {title!r} page")
        assert page.locator('[data-testid="stMainBlockContainer"]').inner_text().strip(), title

    # e.g. a ":material/...:" page_icon makes the browser fetch the favicon from Google
    assert browser_log.external_requests == [], (
        "the app made the browser request files from the internet; everything must be served "
        f"locally: {sorted(set(browser_log.external_requests))}"
    )
    assert browser_log.dialogs == []
    assert browser_log.page_errors == []


def test_the_make_run_server_is_warm_before_anyone_visits(start_app, page: Page) -> None:
    """`python -m ui.server` (make run) imports, loads the models and prepares the sample at
    start; the first visit then opens on the sample with nothing failed in the log."""
    server = start_app(warmed=True)
    deadline = time.monotonic() + 240
    while WARMED not in server.log_tail(400):
        assert "warming the server failed" not in server.log_tail(400), server.log_tail()
        assert time.monotonic() < deadline, f"never said it was warm:\n{server.log_tail()}"
        time.sleep(0.5)
    main = wait_for_app(page, server.url)
    assert "Overview" in main.inner_text()
    assert_no_exception(page, "the first page of a warmed server")
    assert "Traceback" not in server.log_tail(400), server.log_tail()
