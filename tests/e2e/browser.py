"""Real-browser harness: a `streamlit run` server on a free port, and page helpers for Streamlit.

Kept apart from conftest.py so journeys can import the helpers by name:

    from tests.e2e.browser import click_nav, download, upload_file, wait_for_app

Everything waits on signals Streamlit itself exposes instead of sleeping:

* the server: ``GET /_stcore/health`` answers ``ok``;
* a script run: the root ``[data-testid="stApp"]`` element carries
  ``data-test-script-state`` (``initial`` -> ``running`` -> ``notRunning``) and
  ``data-test-connection-state`` (``CONNECTED`` once the websocket is up).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from playwright.sync_api import Download, Locator, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from ui.server import WARM_WAIT_S

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("CHANGERADAR_CHROMIUM", "/usr/bin/chromium"))
REQUIRE_ENV = "CHANGERADAR_REQUIRE_BROWSER"
LAUNCH_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
SERVER_START_TIMEOUT_S = 60.0
RUN_TIMEOUT_MS = 60_000
# After an action, how long a rerun may take to *start* before we decide none was triggered.
RERUN_START_MS = 2_000

APP = '[data-testid="stApp"]'
IDLE = f'{APP}[data-test-script-state="notRunning"][data-test-connection-state="CONNECTED"]'
MAIN = '[data-testid="stMainBlockContainer"]'
EXCEPTION = '[data-testid="stException"]'
FILE_INPUT = '[data-testid="stFileUploaderDropzoneInput"]'
UPLOADER = '[data-testid="stFileUploader"]'
UPLOAD_FAILED = '[data-testid="stFileChipIconError"]'  # the file's chip when its upload failed
FILE_NAME = '[data-testid="stFileChipName"]'
SIDEBAR_NAV = '[data-testid="stSidebarNav"]'
NAV_MORE = '[data-testid="stSidebarNavViewButton"]'
DOWNLOAD_BUTTON = '[data-testid="stDownloadButton"]'
CHART = '[data-testid="stVegaLiteChart"]'


def browser_required() -> bool:
    """CI sets CHANGERADAR_REQUIRE_BROWSER=1 so a missing browser fails instead of skipping."""
    return os.environ.get(REQUIRE_ENV, "").strip() not in ("", "0", "false", "no")


def project_python(root: Path = ROOT) -> str:
    venv = root / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


# --------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class StreamlitServer:
    """A `streamlit run` child in its own process group; `stop()` ends the whole group."""

    url: str
    port: int
    process: subprocess.Popen
    log_path: Path
    _log: IO[bytes] | None = field(default=None, repr=False)

    def log_tail(self, lines: int = 40) -> str:
        if self._log is not None:
            self._log.flush()
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = 10.0) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=timeout)
        if self._log is not None:
            self._log.close()
            self._log = None


def _health(url: str) -> str:
    # a direct opener: a proxy configured in the environment must not see localhost traffic
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"{url}/_stcore/health", timeout=2) as response:
        return response.read().decode("utf-8", errors="replace").strip()


def start_streamlit(
    script: Path | str = "app.py",
    *,
    cwd: Path = ROOT,
    log_path: Path,
    timeout: float = SERVER_START_TIMEOUT_S,
    extra_args: Sequence[str] = (),
    env: dict[str, str] | None = None,
    warmed: bool = False,
) -> StreamlitServer:
    """Start `streamlit run SCRIPT` on a free port and return once /_stcore/health says ok.

    ``warmed``: start it as ``make run`` does, through ``python -m ui.server`` (the same
    server, warmed at start; SCRIPT is then app.py)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    entry = ["ui.server"] if warmed else ["streamlit", "run", str(script)]
    command = [
        project_python(cwd),
        "-m",
        *entry,
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        *extra_args,
    ]
    child_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = log_path.open("wb")
    process = subprocess.Popen(
        command,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=child_env,
        start_new_session=True,
    )
    server = StreamlitServer(url=url, port=port, process=process, log_path=log_path, _log=log)
    deadline = time.monotonic() + timeout + (WARM_WAIT_S if warmed else 0)
    while True:
        if process.poll() is not None:
            server.stop()
            raise RuntimeError(
                f"streamlit exited with code {process.returncode} before answering on {url}.\n"
                f"{server.log_tail()}"
            )
        try:
            if _health(url) == "ok":
                return server
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(
                f"streamlit did not report healthy on {url} within {timeout:.0f} s.\n"
                f"{server.log_tail()}"
            )
        time.sleep(0.25)


# --------------------------------------------------------------------------- page helpers

_WATCH_RUNS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  window.__crSawRun = false;
  if (window.__crObserver) window.__crObserver.disconnect();
  if (!app) return;
  // Any change of the run state means a run began: a fast one may already be over when the
  // callback reads the attribute (running -> notRunning in one batch of mutations).
  window.__crObserver = new MutationObserver((records) => {
    if (records.length) window.__crSawRun = true;
  });
  window.__crObserver.observe(app, {attributes: true,
    attributeFilter: ['data-test-script-state']});
}"""


_IS_IDLE = f"() => document.querySelector({json.dumps(IDLE)}) !== null"


def wait_idle(page: Page, timeout: float = RUN_TIMEOUT_MS, *, frame: bool = False) -> None:
    """Wait until the script is not running and the websocket is connected.

    ``frame``: check in the page at every animation frame, for timing (``make bench``). The
    default selector wait checks after 0, 20, 50, 100 and 100 ms and then every 500 ms, so a
    run ending 0.3 s after the wait began is seen at 0.77 s: fine for the journeys, which act
    on the page afterwards (acting at the first idle frame met widgets a late rerun was still
    redrawing, on a loaded machine), but it padded every timed switch by up to half a second."""
    if frame:
        page.wait_for_function(_IS_IDLE, polling="raf", timeout=timeout)
    else:
        page.wait_for_selector(IDLE, state="attached", timeout=timeout)


def wait_for_app(
    page: Page, url: str | None = None, timeout: float = RUN_TIMEOUT_MS, *, frame: bool = False
) -> Locator:
    """Open `url` (if given), wait for the first script run to finish; return the main block."""
    if url is not None:
        page.goto(url, wait_until="domcontentloaded", timeout=timeout)
    wait_idle(page, timeout, frame=frame)
    main = page.locator(MAIN)
    main.wait_for(state="visible", timeout=timeout)
    return main


def rerun_after(
    page: Page,
    action: Callable[[], object],
    timeout: float = RUN_TIMEOUT_MS,
    start_timeout: float = RERUN_START_MS,
    *,
    frame: bool = False,
    title: str | None = None,
) -> None:
    """Do `action` (a click, an upload...) and wait for the rerun it triggers to finish.

    A rerun may start a little after the action returns; we watch the run-state attribute from
    before the action, so a fast rerun is not missed, and give up waiting for one to start after
    `start_timeout` ms (some actions trigger none). A run of a few tens of milliseconds can
    leave the attribute untouched (React draws running and not running in one commit), so
    ``title``, for a page switch, also counts the new page's heading as the sign that its run
    began: otherwise such a switch waited the whole `start_timeout`.
    """
    heading = (
        None
        if title is None
        else (
            f"[...document.querySelectorAll({json.dumps(MAIN + ' h1')})]"
            f".some((h) => h.textContent.trim().startsWith({json.dumps(title)}))"
        )
    )
    if heading is not None and page.evaluate(f"() => {heading}"):
        heading = None  # already on that page: its heading says nothing about a new run
    page.evaluate(_WATCH_RUNS)
    action()
    started = "window.__crSawRun === true"
    if heading is not None:
        started += f" || {heading}"
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function(f"() => {started}", timeout=start_timeout)
    wait_idle(page, timeout, frame=frame)


#: What ui.loading.background_status says while themes and signals are still being computed.
PENDING_TEXT = "still being computed"


def wait_background_done(page: Page, timeout_s: float) -> None:
    """Press "Check again" until the page no longer says that themes and signals are being
    computed (the app collects them on any rerun; no timer reruns it)."""
    deadline = time.monotonic() + timeout_s
    while PENDING_TEXT in page.locator(MAIN).inner_text():
        assert time.monotonic() < deadline, f"background work unfinished after {timeout_s} s"
        time.sleep(2)
        rerun_after(page, page.get_by_role("button", name="Check again").first.click)


def upload_file(
    page: Page,
    files: str | Path | Sequence[str | Path] | dict | Sequence[dict],
    *,
    label: str = "Survey export",
    timeout: float = RUN_TIMEOUT_MS,
) -> None:
    """Put files into the st.file_uploader labelled `label` and wait for the app to process them.

    `files` is a path (or several), or Playwright payload dicts
    ``{"name": ..., "mimeType": ..., "buffer": bytes}`` for in-memory fixtures. The uploader is
    found by its label, not its place: the Load page has three, and a file that reached
    another one (a journey once saw its export read as a name list) must fail here, loudly.
    """
    uploader = page.locator(UPLOADER).filter(has_text=label)
    target = uploader.locator(FILE_INPUT)
    target.wait_for(state="attached", timeout=timeout)
    wait_idle(page, timeout)  # never while a run redraws the page under the input
    listed = files if isinstance(files, Sequence) and not isinstance(files, str) else [files]
    names = [f["name"] if isinstance(f, dict) else Path(f).name for f in listed]
    for attempt in range(2):
        rerun_after(page, lambda: target.set_input_files(files), timeout)
        if not uploader.locator(UPLOAD_FAILED).count():
            break
        # the browser's PUT to the server failed (the chip says why) and no run happened: a
        # user would try again, so the journey does once, and says so in the test summary
        said = " ".join(uploader.inner_text().split())
        if attempt:
            raise AssertionError(f"the upload failed twice: {said}")
        warnings.warn(f"an upload failed once and was retried: {said}", stacklevel=2)
    shown = uploader.locator(FILE_NAME).all_inner_texts()
    missing = [n for n in names if not any(_chip_names(chip, n) for chip in shown)]
    assert not missing, f"{missing} not listed in the {label!r} uploader (it shows {shown})"


def _chip_names(chip: str, name: str) -> bool:
    """Whether an uploader's file chip shows ``name``; it elides long names in the middle
    ("stackov...rst200.csv")."""
    head, dots, tail = chip.strip().partition("...")
    return name.startswith(head) and name.endswith(tail) if dots else chip.strip() == name


def click_nav(
    page: Page, text: str, timeout: float = RUN_TIMEOUT_MS, *, frame: bool = False
) -> None:
    """Follow a sidebar navigation link by its visible text and wait for the page to render."""
    nav = page.locator(SIDEBAR_NAV)
    nav.wait_for(state="visible", timeout=timeout)
    link = nav.locator("a").filter(has_text=re.compile(rf"^\s*{re.escape(text)}\s*$"))
    if link.count() == 0 and page.locator(NAV_MORE).count():
        page.locator(NAV_MORE).first.click()
    link.first.wait_for(state="visible", timeout=timeout)
    rerun_after(page, link.first.click, timeout, frame=frame, title=text)
    wait_for_app(page, timeout=timeout, frame=frame)


def download(page: Page, label: str, dest: Path, timeout: float = RUN_TIMEOUT_MS) -> Path:
    """Click the st.download_button whose text contains `label`; save the file into `dest`."""
    button = page.locator(DOWNLOAD_BUTTON).filter(has_text=label).locator("button, a").first
    button.wait_for(state="visible", timeout=timeout)
    with page.expect_download(timeout=timeout) as info:
        button.click()
    got: Download = info.value
    failure = got.failure()
    if failure:
        raise AssertionError(f"download of {label!r} failed: {failure}")
    dest.mkdir(parents=True, exist_ok=True)
    path = dest / got.suggested_filename
    got.save_as(path)
    # the click also reruns the script by default; leave the page settled for the next step
    wait_idle(page, timeout)
    return path


def exception_texts(page: Page) -> list[str]:
    return [e.inner_text() for e in page.locator(EXCEPTION).all()]


def assert_no_exception(page: Page, where: str = "") -> None:
    """Fail with the traceback text if Streamlit rendered an exception box."""
    shown = exception_texts(page)
    place = f" on {where}" if where else f" at {page.url}"
    assert not shown, f"the app shows an exception{place}:\n" + "\n---\n".join(shown)
