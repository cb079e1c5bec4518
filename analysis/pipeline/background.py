"""The slow half of comment coding (:func:`~analysis.pipeline.coding.finish_coding`: signal
model and themes, i.e. sentence embeddings) off the critical path, for the app.

``prepare(..., background=True)`` returns a :class:`~analysis.pipeline.Prepared` whose comments
carry sentiment and rule-based signals only, with a :class:`Background` job attached that
finishes them from a thread (from 500 analysed comments in a helper process, so that the
coding never holds this interpreter's lock: :mod:`analysis.pipeline.coding_helper`);
:func:`settle` swaps in the finished comments once the job is done.
For a large survey the comments themselves are still being read when ``prepare`` returns
(:mod:`analysis.pipeline.reading`): the job publishes them first, and :func:`settle` swaps
them in as soon as they are there.
The finished Prepared is exactly what ``prepare(..., background=False)`` returns: the job reads
only the quick table, never anything a view did meanwhile, so the answer does not depend on
when the user looked.

One job runs at a time per process (:data:`_SLOTS`), each using both cores (the encoder's two
threads, in the coding helper or here); the others wait their
turn. The embedding model is loaded once per process by :mod:`analysis.embeddings` and shared
read-only. No survey content is kept at module level: a job's inputs and outputs belong to its
:class:`Background` handle, and a job whose handle was dropped (the session closed, or it
loaded another file) is skipped before its turn, or stops at its next embedding batch while it
runs (its coding helper is killed).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from analysis import embeddings
from analysis.pipeline.coding import ThemeSettings, shown_table
from analysis.pipeline.coding_helper import code_comments
from analysis.pipeline.memory import release_memory
from analysis.pipeline.reading import CommentRead
from analysis.themes import ThemeModel

__all__ = ["Background", "JobStatus"]

LOG = logging.getLogger("changeradar.pipeline")
# Background jobs running at once in this process: each already uses both cores.
_SLOTS = threading.BoundedSemaphore(1)


@dataclass
class _Outcome:
    """What the job thread hands back (shared by the thread and the handle only)."""

    stage: str = "queued"
    started: float = field(default_factory=time.monotonic)
    #: the read comments, before the language model, without the words as written
    quick: pd.DataFrame | None = None
    read: threading.Event = field(default_factory=threading.Event)  # quick is set, or failed
    items: pd.DataFrame | None = None  # the item drivers, when the job was given them
    items_done: threading.Event = field(default_factory=threading.Event)  # set, or failed
    comments: pd.DataFrame | None = None
    model: ThemeModel | None = None
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)


@dataclass(frozen=True)
class JobStatus:
    """What the app shows while a job runs."""

    #: "reading" (the comments, in a helper process), "queued" (another analysis is ahead),
    #: "running", "done" or "failed"
    stage: str
    seconds: float  # since the upload was prepared


class Background:
    """``finish_coding(quick, settings)`` in a daemon thread; see the module docstring.

    ``quick`` is the read comment table, or a :class:`~analysis.pipeline.reading.CommentRead`
    still reading it: then the job first waits for that table and publishes it
    (:meth:`read`), without waiting for the one job slot.

    ``items`` (with ``items_outcome``, the outcome they explain): the item drivers, computed by
    the job once the comments are read and before they are published, so that a large
    survey's first view does not wait for their bootstrap; whatever waits for the comments
    (a download) finds them too. They run after the read, not beside the first view: two
    Python threads at once would take turns on the interpreter and slow the view down."""

    def __init__(
        self,
        quick: pd.DataFrame | CommentRead,
        settings: ThemeSettings,
        items: Callable[[], pd.DataFrame] | None = None,
        items_outcome: str | None = None,
    ) -> None:
        self.items_outcome = items_outcome if items is not None else None
        self._settled: tuple[weakref.ref, Any] | None = None
        self._settle_lock = threading.Lock()
        self._outcome = _Outcome(stage="reading" if isinstance(quick, CommentRead) else "queued")
        if items is None:
            self._outcome.items_done.set()
        cancelled = threading.Event()
        # the thread holds the outcome and the event, never this handle: when the handle is
        # garbage (its session closed), the event is set and a queued job does nothing
        weakref.finalize(self, cancelled.set)
        self._thread = threading.Thread(
            target=_run,
            args=(quick, settings, items, self._outcome, cancelled),
            name="changeradar-coding",
            daemon=True,
        )
        self._thread.start()

    def settled(self, source: object, make: Callable[[], Any]) -> Any:
        """``make()`` (the finished Prepared of ``source``, once this job is done), made once
        per source: sessions sharing one Prepared (the built-in sample) then share the finished
        one and its view cache, instead of each computing its views again."""
        with self._settle_lock:
            hit = self._settled
            if hit is not None and hit[0]() is source:
                return hit[1]
            value = make()
            self._settled = (weakref.ref(source), value)
            return value

    def status(self) -> JobStatus:
        o = self._outcome
        stage = "failed" if o.error is not None else o.stage
        return JobStatus(stage=stage, seconds=time.monotonic() - o.started)

    def done(self) -> bool:
        return self._outcome.done.is_set()

    def read(self) -> pd.DataFrame | None:
        """The read comments (sentiment and rule-based signals), once they are; else None."""
        return self._outcome.quick

    def item_drivers(self) -> tuple[bool, pd.DataFrame | None]:
        """(done, table) of the item drivers the job was given: (False, None) while they are
        computed; (True, None) when it was given none or they failed (the caller computes
        them itself and meets the error there)."""
        o = self._outcome
        return o.items_done.is_set(), o.items

    def wait_read(self, timeout: float | None = None) -> bool:
        """Block until the comments are read (or the job failed: True) or ``timeout`` passed."""
        return self._outcome.read.wait(timeout)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job is done (True) or ``timeout`` seconds passed (False)."""
        return self._outcome.done.wait(timeout)

    def result(self) -> tuple[pd.DataFrame, ThemeModel | None]:
        """The finished comment table and theme model (waits); re-raises the job's error."""
        self.wait()
        o = self._outcome
        if o.error is not None:
            raise o.error
        assert o.comments is not None
        return o.comments, o.model


#: Nice value added to the job's thread, inherited by the threads and processes it starts (the
#: encoder's pool, the coding helper): the job yields the cores to what a user waits for (a page,
#: an upload, the comments being read) and runs at full speed when nothing else does. Linux
#: sets nice per thread; elsewhere nothing changes. Scheduling only: no result depends on it.
BACKGROUND_NICE = 10


def _lower_priority() -> None:
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + BACKGROUND_NICE)


def _run(
    quick: pd.DataFrame | CommentRead,
    settings: ThemeSettings,
    items: Callable[[], pd.DataFrame] | None,
    out: _Outcome,
    cancelled: threading.Event,
) -> None:
    _lower_priority()
    try:
        if isinstance(quick, CommentRead):  # a few seconds, on the other core: no slot needed
            quick = quick.result()
            out.stage = "queued"
        if items is not None and not cancelled.is_set():  # nobody left to show them to
            try:
                out.items = items()
            except Exception:  # computed again, in front of the user, where it is asked for
                LOG.exception("item drivers failed in the background")
            finally:
                out.items_done.set()
        out.quick = shown_table(quick)  # the words as written stay in this thread
        out.read.set()
        with _SLOTS:
            if cancelled.is_set():
                out.error = RuntimeError("The analysis was closed before its comments were coded.")
                return
            out.stage = "running"
            out.comments, out.model = code_comments(quick, settings, cancelled)
            out.stage = "done"
    except embeddings.Cancelled as exc:  # the session closed mid-job: nobody to tell
        LOG.info("background comment coding stopped: its analysis was closed")
        out.error = exc
    except BaseException as exc:  # handed to the session that asked, never lost
        LOG.exception("background comment coding failed")
        out.error = exc
    finally:
        release_memory()  # the embeddings' activations are free now
        out.items_done.set()
        out.read.set()
        out.done.set()
