"""Reading a large survey's comments after its first view, on the other core.

Tidying, redacting, lexicon sentiment and the rule-based signals (:func:`read_comments`) are
plain Python: about 0.4 ms per comment, 4 s for a 10,000-respondent survey with two open
questions. In a thread they would hold the interpreter lock the first view needs, so from
:data:`READ_LATER_MIN_CELLS` answered comment cells ``prepare(..., background=True)`` hands
them to a helper process (:class:`CommentRead`) and returns scores first; the background job
(:mod:`analysis.pipeline.background`) publishes the read comments as soon as they arrive, then
codes them with the language model as before.

The helper is a plain subprocess running this module (:mod:`analysis.subprocesses`), fed by pickle
over its pipes. If it fails for any reason, :meth:`CommentRead.result` reads the comments in this
process: the table is the same either way (same code, same inputs).
"""

from __future__ import annotations

import contextlib
import pickle
import sys
import threading

import pandas as pd

from analysis.pipeline.coding import CommentInputs, read_comments
from analysis.subprocesses import end_helper, start_helper

__all__ = ["READ_LATER_MIN_CELLS", "CommentRead", "serve_read"]

#: Answered comment cells from which the app shows the scores before the comments are read
#: (below it reading them takes under a second and a helper's start-up would cost more).
READ_LATER_MIN_CELLS = 5000

_HELPER = "from analysis.pipeline.reading import serve_read; serve_read()"


class CommentRead:
    """:func:`read_comments` of ``inputs`` in a helper process, started at once."""

    def __init__(self, inputs: CommentInputs) -> None:
        self.inputs = inputs
        self.proc = start_helper(_HELPER)
        if self.proc is None:
            return
        # fed from a thread: the pipe holds 64 KB and the helper reads only once it has
        # imported the analysis (a second or two), which the first view must not wait for
        self._feeder = threading.Thread(
            target=_feed, args=(self.proc.stdin, inputs), name="changeradar-read-feed", daemon=True
        )
        self._feeder.start()

    def result(self) -> pd.DataFrame:
        """The read comment table (waits for the helper; reads here if the helper failed)."""
        table = None
        if self.proc is not None:
            try:
                assert self.proc.stdout is not None
                reply = pickle.load(self.proc.stdout)
                if isinstance(reply, pd.DataFrame):
                    table = reply
            except (OSError, EOFError, pickle.UnpicklingError):
                table = None
            finally:
                self.close()
        return table if table is not None else read_comments(self.inputs)

    def close(self) -> None:
        """Stop the helper (it exits by itself after one table) and release its pipes."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.stdout is not None and not proc.stdout.closed:
            proc.stdout.close()
        end_helper(proc)
        self._feeder.join(timeout=10)  # the helper is gone, so its write has ended


def _feed(pipe, inputs: CommentInputs) -> None:
    with contextlib.suppress(OSError, ValueError):  # a helper that died is met by result()
        pickle.dump(inputs, pipe, protocol=pickle.HIGHEST_PROTOCOL)
    with contextlib.suppress(OSError, ValueError):
        pipe.close()


def serve_read() -> None:
    """Helper-process side of :class:`CommentRead`: one CommentInputs in, one table out. A
    caller that went away (closed or cut-off pipe) leaves nothing to do; an error is not
    reported here: the caller then reads the comments itself and meets it there."""
    closed = (EOFError, pickle.UnpicklingError, OSError)
    try:
        inputs = pickle.load(sys.stdin.buffer)
    except closed:
        return
    if not isinstance(inputs, CommentInputs):
        return
    try:
        table = read_comments(inputs)
    except Exception:  # raised again where it matters: in the caller's own read
        return
    with contextlib.suppress(OSError):
        pickle.dump(table, sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)
        sys.stdout.buffer.flush()
