"""The background job's comment coding in a helper process, away from the server's interpreter.

:func:`~analysis.pipeline.coding.finish_coding` embeds every distinct comment (learned
sentiment, signal model, themes): tens of seconds for the sample. Run in a thread of the app's
server, its many small numpy steps take the interpreter lock between matrix products, and at a
lower CPU priority (the job's nice) the thread can hold the lock while the scheduler leaves it
waiting: every page a user opens meanwhile waits too. Measured on the sample in a browser
(2026-12-04): the first open took 3.2-3.8 s while the comments were coded in a thread and
2.2 s once they were done. In a helper process the coding competes for the cores only, which
its lower priority settles.

:func:`code_comments` starts a plain subprocess (:mod:`analysis.subprocesses`) running
:func:`serve_coding`, feeds it the quick table and the theme settings by pickle, and reads the
finished table and theme model back. The same code on the same inputs gives the same result
(the encoder's arithmetic is exact), so where no helper can start or it fails, the coding runs
in this process instead. A job whose analysis is closed kills its helper at once.
"""

from __future__ import annotations

import contextlib
import pickle
import subprocess
import sys
import threading

import pandas as pd

from analysis import embeddings
from analysis.pipeline.coding import ThemeSettings, finish_coding
from analysis.subprocesses import end_helper, start_helper
from analysis.themes import ThemeModel

__all__ = ["HELPER_MIN_COMMENTS", "code_comments", "serve_coding"]

#: Analysed comments from which the coding moves to a helper: below it the coding takes a few
#: seconds, about what the helper's start-up (imports, loading and checking the model) costs.
HELPER_MIN_COMMENTS = 500

_HELPER = "from analysis.pipeline.coding_helper import serve_coding; serve_coding()"
_POLL_S = 0.2  # how often a waiting job looks whether its analysis was closed
_CLOSED = "The analysis was closed before its comments were coded."

Coded = tuple[pd.DataFrame, ThemeModel | None]


def code_comments(
    quick: pd.DataFrame, settings: ThemeSettings, cancelled: threading.Event
) -> Coded:
    """``finish_coding(quick, settings)``, in a helper process from
    :data:`HELPER_MIN_COMMENTS` analysed comments; raises
    :class:`~analysis.embeddings.Cancelled` once ``cancelled`` is set."""
    if int(quick["analysed"].sum()) >= HELPER_MIN_COMMENTS:
        coded = _in_helper(quick, settings, cancelled)
        if coded is not None:
            return coded
    with embeddings.stop_when(cancelled):
        return finish_coding(quick, settings)


def _in_helper(
    quick: pd.DataFrame, settings: ThemeSettings, cancelled: threading.Event
) -> Coded | None:
    """The helper's result; None when it could not start or failed (the caller codes here)."""
    proc = start_helper(_HELPER)
    if proc is None:
        return None
    reply: list[object] = []
    payload = (quick, settings)
    feeder = threading.Thread(
        target=_feed, args=(proc.stdin, payload), name="changeradar-code-feed", daemon=True
    )
    reader = threading.Thread(
        target=_read, args=(proc.stdout, reply), name="changeradar-code-read", daemon=True
    )
    feeder.start()
    reader.start()
    try:
        while reader.is_alive():
            if cancelled.wait(_POLL_S):
                raise embeddings.Cancelled(_CLOSED)
            reader.join(_POLL_S)
    finally:
        _stop(proc, kill=cancelled.is_set())
        feeder.join(timeout=10)
        reader.join(timeout=10)
    result = reply[0] if reply else None
    if not (isinstance(result, tuple) and len(result) == 2):
        return None
    table, model = result
    if not isinstance(table, pd.DataFrame) or not (model is None or isinstance(model, ThemeModel)):
        return None
    return table, model


def _feed(pipe, payload: tuple[pd.DataFrame, ThemeSettings]) -> None:
    with contextlib.suppress(OSError, ValueError):  # a helper that died is met by the reader
        pickle.dump(payload, pipe, protocol=pickle.HIGHEST_PROTOCOL)
    with contextlib.suppress(OSError, ValueError):
        pipe.close()


def _read(pipe, reply: list[object]) -> None:
    with contextlib.suppress(EOFError, OSError, ValueError, pickle.UnpicklingError):
        reply.append(pickle.load(pipe))


def _stop(proc: subprocess.Popen, *, kill: bool) -> None:
    """End the helper (it exits by itself after one reply) and release its pipes."""
    end_helper(proc, kill=kill)
    for pipe in (proc.stdin, proc.stdout):
        if pipe is not None:
            with contextlib.suppress(OSError, ValueError):
                pipe.close()


def serve_coding() -> None:
    """Helper-process side of :func:`code_comments`: one (quick table, settings) in, one
    (table, theme model) out. An error is not reported here: the caller then codes the comments
    itself and meets it there."""
    try:
        payload = pickle.load(sys.stdin.buffer)
    except (EOFError, pickle.UnpicklingError, OSError):
        return
    if not (isinstance(payload, tuple) and len(payload) == 2):
        return
    quick, settings = payload
    if not isinstance(quick, pd.DataFrame) or not isinstance(settings, ThemeSettings):
        return
    try:
        coded = finish_coding(quick, settings)
    except Exception:  # raised again where it matters: in the caller's own coding
        return
    with contextlib.suppress(OSError):
        pickle.dump(coded, sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)
        sys.stdout.buffer.flush()
