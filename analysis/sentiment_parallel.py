"""The second process that scores half of a large batch of comments for
:func:`analysis.sentiment.score_texts` (same scores as one process, in about half the time)."""

from __future__ import annotations

import atexit
import os
import pickle
import subprocess
import sys
from pathlib import Path

_HELPER: _Helper | None = None


class _Helper:
    """A second Python process that scores half of a large batch.

    A plain subprocess running this module (not multiprocessing), so the caller's ``__main__``
    (the Streamlit script, the CLI) is never re-imported, and nothing is forked from a threaded
    server. Requests and replies are pickles over its own pipes.
    """

    def __init__(self) -> None:
        root = str(Path(__file__).resolve().parents[1])
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]),
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from analysis.sentiment_parallel import _serve; _serve()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )

    def send(self, texts: list[str]) -> None:
        assert self.proc.stdin is not None
        pickle.dump(texts, self.proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        self.proc.stdin.flush()

    def receive(self) -> list[tuple[float, float, float, float]]:
        assert self.proc.stdout is not None
        return pickle.load(self.proc.stdout)

    def close(self) -> None:
        """Let the helper exit (it stops at end of input) and release the pipes."""
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def close_helper() -> None:
    """Stop the helper process, if one is running (also registered at exit)."""
    global _HELPER
    if _HELPER is not None:
        _HELPER.close()
        _HELPER = None


def _serve() -> None:
    """Helper-process loop: read a list of texts, write their scores, until stdin closes."""
    from analysis.sentiment import _score_unique

    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        try:
            texts = pickle.load(stdin)
        except EOFError:
            return
        pickle.dump(_score_unique(texts), stdout, protocol=pickle.HIGHEST_PROTOCOL)
        stdout.flush()


def _helper() -> _Helper:
    global _HELPER
    if _HELPER is not None and _HELPER.proc.poll() is not None:
        close_helper()
    if _HELPER is None:
        _HELPER = _Helper()
    return _HELPER


atexit.register(close_helper)


def _score_parallel(unique: list[str]) -> list[tuple[float, float, float, float]]:
    """Score the second half in the helper while this process scores the first half."""
    from analysis.sentiment import _score_unique

    half = len(unique) // 2
    try:
        helper = _helper()
        helper.send(unique[half:])
    except OSError:
        return _score_unique(unique)
    first = _score_unique(unique[:half])
    try:
        second = helper.receive()
    except (OSError, EOFError, pickle.UnpicklingError):
        second = _score_unique(unique[half:])
    return first + second
