"""Browser fixtures: Debian's chromium driven by Playwright, and the app under `streamlit run`.

Playwright cannot download its own browsers here, so it drives /usr/bin/chromium through
``executable_path``. Without that binary the browser tests skip with the reason, unless
CHANGERADAR_REQUIRE_BROWSER=1 (set by .ci/run), where they fail instead.

Every test gets a fresh browser context (own cookies, storage, session), so two contexts are
two independent users of the same server. Requests leaving 127.0.0.1 are blocked and recorded
in `browser_log.external_requests`: the app must work with nothing fetched from the internet.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Route, sync_playwright

from tests.e2e.browser import (
    CHROMIUM,
    LAUNCH_ARGS,
    MAIN,
    REQUIRE_ENV,
    ROOT,
    StreamlitServer,
    browser_required,
    start_streamlit,
)

E2E_DIR = Path(__file__).resolve().parent
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})
VIEWPORT = {"width": 1400, "height": 1000}
DEFAULT_TIMEOUT_MS = 30_000
# What a failed journey leaves in its report: CI shows the log, never the screenshots, and a
# timeout alone does not say whether the app was slow, stuck or showed an error.
PAGES_KEY = pytest.StashKey[list[Page]]()
SERVERS: dict[str, StreamlitServer] = {}  # app_server's URL -> its server, for the hook below


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Everything under tests/e2e is a browser test, marked or not."""
    for item in items:
        if E2E_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


def _unavailable(reason: str) -> None:
    if browser_required():
        pytest.fail(f"{reason} ({REQUIRE_ENV}=1, so browser tests may not skip)", pytrace=False)
    pytest.skip(reason)


@dataclass
class BrowserLog:
    """What a page did that a test may want to forbid."""

    external_requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)  # alert/confirm/prompt: injected script ran
    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        _unavailable(
            f"chromium not found at {CHROMIUM}; install it with "
            "`apt-get install -y chromium` to run the browser journeys"
        )
    return CHROMIUM


@pytest.fixture(scope="session")
def playwright_instance(chromium_path: Path) -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright, chromium_path: Path) -> Iterator[Browser]:
    # Playwright gives every launch a fresh temporary profile (user-data dir) and removes it
    # on close; passing --user-data-dir to launch() is refused, so none is passed here.
    instance = playwright_instance.chromium.launch(
        executable_path=str(chromium_path), headless=True, args=list(LAUNCH_ARGS)
    )
    yield instance
    instance.close()


@pytest.fixture(scope="session")
def app_server(tmp_path_factory: pytest.TempPathFactory, chromium_path: Path) -> Iterator[str]:
    """Base URL of the app started as `make run` starts it (`python -m ui.server`, i.e.
    `streamlit run app.py` warmed at start) from the repo root, shared by the session's tests."""
    if not (ROOT / "app.py").exists():
        _unavailable(f"{ROOT / 'app.py'} does not exist yet")
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    server = start_streamlit("app.py", cwd=ROOT, log_path=log, warmed=True)
    SERVERS[server.url] = server
    try:
        yield server.url
    finally:
        SERVERS.pop(server.url, None)
        server.stop()


@pytest.fixture
def start_app(tmp_path: Path) -> Iterator[Callable[..., StreamlitServer]]:
    """Start an extra server (another script, other settings); all are stopped after the test."""
    started: list[StreamlitServer] = []

    def start(script: Path | str = "app.py", **kwargs) -> StreamlitServer:
        kwargs.setdefault("cwd", ROOT)
        kwargs.setdefault("log_path", tmp_path / f"server-{len(started)}.log")
        server = start_streamlit(script, **kwargs)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def _guard(context: BrowserContext, log: BrowserLog, *, allow_local: bool) -> None:
    def handle(route: Route) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about", "file"):
            local = True
        else:
            local = allow_local and (parts.hostname or "") in LOCAL_HOSTS
        if local:
            route.continue_()
        else:
            log.external_requests.append(url)
            route.abort("blockedbyclient")

    context.route("**/*", handle)


def _watch(page: Page, log: BrowserLog) -> None:
    def on_dialog(dialog) -> None:
        log.dialogs.append(f"{dialog.type}: {dialog.message}")
        with contextlib.suppress(Exception):
            dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda error: log.page_errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            log.console_errors.append(message.text) if message.type == "error" else None
        ),
    )
    page.set_default_timeout(DEFAULT_TIMEOUT_MS)


@pytest.fixture
def browser_log() -> BrowserLog:
    return BrowserLog()


@pytest.fixture
def new_page(
    browser: Browser, request: pytest.FixtureRequest
) -> Iterator[Callable[[BrowserLog | None], Page]]:
    """Factory for more independent users: each call opens a new context (own session)."""
    contexts: list[BrowserContext] = []
    pages = request.node.stash.setdefault(PAGES_KEY, [])

    def make(log: BrowserLog | None = None) -> Page:
        log = log or BrowserLog()
        context = browser.new_context(accept_downloads=True, viewport=VIEWPORT, locale="en-GB")
        contexts.append(context)
        _guard(context, log, allow_local=True)
        page = context.new_page()
        _watch(page, log)
        pages.append(page)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[[BrowserLog | None], Page], browser_log: BrowserLog) -> Page:
    """A fresh context and page per test, wired to `browser_log`."""
    return new_page(browser_log)


@pytest.fixture
def offline_page(browser: Browser, browser_log: BrowserLog) -> Iterator[Page]:
    """A page with the network off, for opening exported HTML reports from file:// URLs.

    Any http(s) request, even to localhost, is blocked and recorded in `browser_log`.
    """
    context = browser.new_context(offline=True, viewport=VIEWPORT, locale="en-GB")
    _guard(context, browser_log, allow_local=False)
    page = context.new_page()
    _watch(page, browser_log)
    yield page
    context.close()


def _page_text(page: Page, limit: int = 1500) -> str:
    try:
        text = page.locator(MAIN).first.inner_text(timeout=2_000)
    except Exception as exc:  # a closed or crashed page: say so rather than fail the report
        return f"(unreadable: {type(exc).__name__})"
    return text if len(text) <= limit else text[:limit] + " …"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """On a failed journey, add what each of its pages showed and the server log's tail."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    for number, page in enumerate(item.stash.get(PAGES_KEY, []), start=1):
        report.sections.append((f"page {number} ({page.url})", _page_text(page)))
    url = getattr(item, "funcargs", {}).get("app_server")
    server = SERVERS.get(url) if isinstance(url, str) else None
    if server is not None:
        report.sections.append(("server log (tail)", server.log_tail(60)))
