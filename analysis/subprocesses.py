"""Helper processes: the analysis run in a second interpreter, fed by pickle over its pipes.

A plain subprocess running one function of this package, not multiprocessing: the caller's
``__main__`` (the Streamlit script) is never re-imported and nothing is forked from a threaded
server. Used for reading a large survey's comments (:mod:`analysis.pipeline.reading`) and
coding them (:mod:`analysis.pipeline.coding_helper`).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

__all__ = ["end_helper", "start_helper"]

_ROOT = str(Path(__file__).resolve().parents[1])


def start_helper(code: str) -> subprocess.Popen | None:
    """``python -c code`` with this project importable and both pipes open; None when no
    process can be started (the caller then does the work itself)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([_ROOT, os.environ.get("PYTHONPATH", "")])}
    try:
        return subprocess.Popen(
            [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env
        )
    except OSError:
        return None


def end_helper(proc: subprocess.Popen, *, kill: bool = False, timeout: float = 10) -> None:
    """Wait for a helper to exit (each exits by itself after its one reply), killing it when
    asked to or when it has not exited after ``timeout`` seconds."""
    if kill:
        proc.kill()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
