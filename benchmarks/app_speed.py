"""The app as its user meets it (issue 20): a browser opens a freshly started server (started
as ``make run`` starts it) on the built-in sample, then switches pages, while the sample's
comments are still coded in the background and again once they are done; a second browser
session opens it last.

Debian's chromium driven by Playwright, with the helpers of the browser journeys
(``tests/e2e/browser.py``). Every time is from the browser's action to the end of the script run
it triggered (Streamlit's run state back to "not running", the page drawn).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

#: Pages visited in order, by their sidebar titles (the app opens on Overview).
PAGES = ("Teams & roles", "Comments", "Hot spots", "Downloads", "Overview")
GOAL_FIRST_OPEN_S = 2.0
GOAL_SWITCH_S = 0.5
#: The sample's background coding (themes, model-read signals) on this class of machine.
BACKGROUND_TIMEOUT_S = 600


def _switches(page: Any, click_nav: Any) -> dict[str, float]:
    out = {}
    for name in PAGES:
        start = time.perf_counter()
        click_nav(page, name, frame=True)  # timed at the frame the run ends
        out[name] = round(time.perf_counter() - start, 3)
    return out


def measure() -> dict[str, Any]:
    """Seconds to the first view after the server is healthy, per page switch (while the
    comments are coded, and after), and a second session's first view; or why not measured."""
    from tests.e2e.browser import (
        CHROMIUM,
        LAUNCH_ARGS,
        assert_no_exception,
        click_nav,
        start_streamlit,
        wait_background_done,
        wait_for_app,
    )

    if not CHROMIUM.exists():
        return {"skipped": f"chromium not found at {CHROMIUM} (apt-get install -y chromium)"}
    from playwright.sync_api import sync_playwright

    log = Path(tempfile.mkdtemp(prefix="changeradar-bench-")) / "streamlit.log"
    started = time.perf_counter()
    server = start_streamlit(log_path=log, warmed=True)  # as `make run` starts it
    healthy = time.perf_counter() - started
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=list(LAUNCH_ARGS))
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            start = time.perf_counter()
            wait_for_app(page, server.url, frame=True)
            first = time.perf_counter() - start
            assert_no_exception(page, "first open")
            during = _switches(page, click_nav)
            wait_background_done(page, BACKGROUND_TIMEOUT_S)
            after = _switches(page, click_nav)
            assert_no_exception(page, "page switches")
            other = browser.new_page(viewport={"width": 1400, "height": 1000})
            start = time.perf_counter()
            wait_for_app(other, server.url, frame=True)
            second = time.perf_counter() - start
            browser.close()
    finally:
        server.stop()
    return {
        "server_healthy_seconds": round(healthy, 3),
        "first_open_seconds": round(first, 3),
        "second_session_open_seconds": round(second, 3),
        "switch_seconds_while_coding": during,
        "switch_seconds": after,
        "switch_median_seconds": round(statistics.median(after.values()), 3),
        "switch_max_seconds": round(max(after.values()), 3),
    }
