"""Browser journeys of the Comments page (issues 15 and 23): the sample's themes with quotes,
signals and the fewer <-> more control; a real comments-only export straight to its comments,
with a team download and every score page saying what it needs; a read stopped by a click away.

Both journeys share the session's server (``app_server``) and one browser session (the
module's ``user``), so the sample data is prepared once for the two; the comments-only journey
runs second, as it replaces the dataset in use. Screenshots go to
``tests/e2e/artifacts/<journey>/`` (gitignored) for CI to collect.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.e2e.browser import (
    CHART,
    MAIN,
    ROOT,
    assert_no_exception,
    click_nav,
    download,
    rerun_after,
    wait_background_done,
    wait_for_app,
    wait_idle,
)
from tests.e2e.conftest import VIEWPORT, BrowserLog, _guard, _watch

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
COMMENTS_ONLY = ROOT / "tests" / "data" / "comments_only" / "community_feedback_comments_only.csv"
SLOW_MS = 240_000
DATAFRAME = '[data-testid="stDataFrame"]'
THEMES_CAPTION = re.compile(r"(\d+) comment themes? covering")


@pytest.fixture(scope="module")
def user(browser: Browser) -> Iterator[tuple[Page, BrowserLog]]:
    """One browser session for the module's journeys (see the module docstring)."""
    log = BrowserLog()
    context = browser.new_context(accept_downloads=True, viewport=VIEWPORT, locale="en-GB")
    _guard(context, log, allow_local=True)
    page = context.new_page()
    _watch(page, log)
    yield page, log
    context.close()


def _shot(page: Page, journey: str, step: str) -> None:
    folder = ARTIFACTS / journey
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{step}.png"), full_page=True)


def _n_themes(page: Page) -> int:
    found = THEMES_CAPTION.search(page.locator(MAIN).inner_text())
    assert found, "the themes chart's text alternative is missing"
    return int(found.group(1))


def _charts_stay_on_the_page(page: Page) -> None:
    """No chart's drawing reaches past the main block's right edge unless its box scrolls."""
    off = page.evaluate(
        """() => {
      const main = document.querySelector('[data-testid="stMainBlockContainer"]');
      const right = main.getBoundingClientRect().right;
      return Array.from(document.querySelectorAll('[data-testid="stVegaLiteChart"]'))
        .filter(e => e.offsetParent !== null)
        .filter(e => {
          const box = e.closest('[data-testid="stVerticalBlock"]');
          const seen = box ? Math.min(box.getBoundingClientRect().right, right) : right;
          return seen > right + 1;
        }).length;
    }"""
    )
    assert off == 0, f"{off} chart(s) run off the page"


def test_sample_comments_themes_quotes_signals_and_theme_control(app_server: str, user) -> None:
    page, browser_log = user
    wait_for_app(page, app_server, timeout=SLOW_MS)
    click_nav(page, "Comments", timeout=SLOW_MS)
    main = page.locator(MAIN)
    assert_no_exception(page, "Comments")
    wait_background_done(page, SLOW_MS / 1000)  # themes arrive after the first view
    text = main.inner_text()
    assert "Quotes and sub-themes of" in text  # one theme's quotes and sub-themes
    assert main.locator(DATAFRAME).count() >= 2  # the themes table (signal shares) and quotes
    before = _n_themes(page)
    _shot(page, "comments_sample", "1_themes")

    # the fewer <-> more control refits the themes in place
    rerun_after(page, page.get_by_text("Theme settings: fewer or more themes", exact=False).click)
    slider = page.get_by_role("slider", name="Number of themes")
    slider.focus()
    rerun_after(page, lambda: page.keyboard.press("End"), timeout=SLOW_MS)
    wait_idle(page, SLOW_MS)
    assert_no_exception(page, "after asking for more themes")
    more = _n_themes(page)
    assert more >= before
    _shot(page, "comments_sample", "2_more_themes")

    rerun_after(page, page.get_by_role("tab", name="By group").click)
    page.locator(f"{CHART} >> visible=true").first.locator("canvas, svg").first.wait_for()
    assert "Share of comments per theme" in main.inner_text()
    _charts_stay_on_the_page(page)
    _shot(page, "comments_sample", "3_by_group")

    rerun_after(page, page.get_by_role("tab", name="Read comments").click)
    assert re.search(r"[\d,]+ of [\d,]+ comments", main.inner_text())
    assert_no_exception(page, "Read comments")
    assert browser_log.external_requests == []


@pytest.mark.timeout(900)
def test_comments_only_export_goes_to_comments_and_every_page_says_why(
    app_server: str, user, tmp_path: Path
) -> None:
    page, browser_log = user
    wait_for_app(page, app_server, timeout=SLOW_MS)
    click_nav(page, "Load", timeout=SLOW_MS)
    # click away while the file is read: the upload must not be lost silently
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(COMMENTS_ONLY)
    # Click away once the upload has reached the app: while its read runs, or once the read is
    # done (the sidebar names the file). Neither alone will do: a quick read never shows
    # "running" to a check (React draws both states in one commit), and on a loaded machine the
    # upload can take more than a fixed wait, so a click before it arrives tested nothing.
    # Once the run has started, the uploader's callback has kept the file: a click that stops
    # the run before the page reaches the read (CI, stop 49) must still say it was interrupted.
    page.wait_for_function(
        """name => document.querySelector('[data-testid="stApp"][data-test-script-state="running"]')
            || (document.querySelector('[data-testid="stSidebar"]')?.innerText || "")
                .includes(name)""",
        arg=COMMENTS_ONLY.name,
        timeout=SLOW_MS,
    )
    click_nav(page, "Overview", timeout=SLOW_MS)
    main = page.locator(MAIN)
    if "was interrupted" in main.inner_text():
        _shot(page, "comments_only", "1_interrupted")
        click_nav(page, "Load", timeout=SLOW_MS)
        rerun_after(page, page.get_by_role("button", name="Read it now").click, timeout=SLOW_MS)
        # comments only: straight to the Comments page
        page.get_by_role("heading", name="Comments").first.wait_for(timeout=SLOW_MS)
    else:
        # the read finished before the click landed (a quick machine): the file is in use, not
        # lost; the interrupted read itself is tested without a race in
        # tests/app/test_comments_only.py::test_an_interrupted_read_is_kept_and_can_be_finished
        assert COMMENTS_ONLY.name in page.locator('[data-testid="stSidebar"]').inner_text()
        click_nav(page, "Comments", timeout=SLOW_MS)
    wait_idle(page, SLOW_MS)
    assert_no_exception(page, "Comments (comments only)")
    wait_background_done(page, SLOW_MS / 1000)
    sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
    assert COMMENTS_ONLY.name in sidebar
    assert _n_themes(page) >= 2
    assert "Quotes and sub-themes of" in main.inner_text()
    _shot(page, "comments_only", "2_comments")

    for name in ("Overview", "Teams & roles", "Trends", "Pilot"):
        click_nav(page, name)
        assert_no_exception(page, name)
        assert "no rated questions" in main.inner_text(), name
    _shot(page, "comments_only", "3_no_scores_note")
    click_nav(page, "Hot spots")
    assert_no_exception(page, "Hot spots")

    click_nav(page, "Downloads")
    assert "no rated questions" in main.inner_text()
    path = download(page, "Team summary (Excel)", tmp_path)
    with zipfile.ZipFile(path) as book:
        assert "xl/workbook.xml" in book.namelist()
    comments = download(page, "Comments (CSV", tmp_path)
    header = comments.read_text(encoding="utf-8-sig").splitlines()[0]
    assert "sub_theme" in header and "secondary_theme" in header
    _shot(page, "comments_only", "4_downloads")
    assert_no_exception(page, "Downloads")
    assert browser_log.external_requests == []
