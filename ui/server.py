"""``python -m ui.server [streamlit options]``: the app's server (``make run``), warmed at start.

``streamlit run app.py`` imports the analysis and charting libraries, loads the language
models and prepares the built-in sample only when the first browser session runs the script:
about 13 s before the first visitor sees anything on the benchmark machine (``make bench``).
This launcher does that work first (:func:`ui.loading.warm_server`, at most ``WARM_WAIT_S``
seconds, then it goes on in the background) and then starts the same server (the options are
passed on to ``streamlit run``), so the health check answers once the first visit can be
served at page speed. A failure while warming is logged and changes nothing: the first visit
then does the work itself, as without the launcher.
"""

from __future__ import annotations

import gc
import logging
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app.py"
LOG = logging.getLogger("changeradar.server")
#: Longest wait for the warm-up before the server answers (it goes on in the background).
WARM_WAIT_S = 60.0
#: What the server prints once warm (the browser journeys wait for it).
WARMED = "server warmed (libraries imported, models loaded, sample prepared)"


def _warm() -> None:
    start = time.perf_counter()  # main() serves WARM_WAIT_S after this thread started
    try:
        from ui import loading  # the analysis, render and charting imports

        loading.warm_server()
        if time.perf_counter() - start < WARM_WAIT_S:
            # What the warm-up made (libraries, models, the sample) lives as long as the
            # server: Python's full collections skip it from now on (0.12 s each with it,
            # holding the interpreter while a page may be waiting; see runner.postScriptGC in
            # config.toml). Not once the server is serving: sessions' objects would be frozen.
            gc.freeze()
        print(f"ChangeRadar: {WARMED} in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    except Exception:  # the first visit does the work instead
        LOG.exception("warming the server failed; the first visit will do it")


def main(argv: Sequence[str] | None = None) -> None:
    """Warm, then run ``streamlit run app.py`` with ``argv`` as options."""
    options = list(sys.argv[1:] if argv is None else argv)
    warm = threading.Thread(target=_warm, name="changeradar-warm", daemon=True)
    warm.start()
    print(
        "ChangeRadar: warming the server (libraries, models, sample) before it answers…",
        file=sys.stderr,
        flush=True,
    )
    # Serve once warm, so the health check means "ready" (what a load balancer routes on); a
    # slow warm-up (a loaded machine) delays the server by WARM_WAIT_S at most.
    warm.join(WARM_WAIT_S)
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(APP), *options]
    cli.main()


if __name__ == "__main__":
    main()
