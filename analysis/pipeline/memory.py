"""Giving freed memory back to the system between the stages of a large upload.

glibc keeps freed heap memory for reuse, and what a stage frees is often not what the next one
asks for, so a process grows by what each stage left behind. Measured on the 1M-respondent CSV
of ``make bench``: after reading it, the process held 2.49 GB of which 1.19 GB was free heap
(1.30 GB after ``malloc_trim``). In the preparation, scoring left 0.8 GB of free heap, reading
the comments 0.4 GB and the coding 0.3 GB. Trimming costs a few milliseconds at
100,000 respondents, so it is done after reading an upload, after preparing it and after each
view.
"""

from __future__ import annotations

import ctypes
import functools
import platform
import threading

__all__ = ["release_later", "release_memory"]


@functools.cache
def _glibc() -> ctypes.CDLL | None:
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:
        return None


def release_memory() -> None:
    """Return the free pages of every malloc arena to the system (glibc ``malloc_trim(0)``;
    nothing on other C libraries). Arrow allocates with malloc too (``analysis/__init__``), so
    its free pages go back as well. (The number of arenas is capped by ``MALLOC_ARENA_MAX=2``
    in ``make run``: glibc reads it at start-up only.)"""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


def release_later(delay: float = 1.0) -> None:
    """:func:`release_memory` a moment from now, in a timer thread: for a finaliser, which
    runs before the object's own memory is freed."""
    timer = threading.Timer(delay, release_memory)
    timer.daemon = True
    timer.start()
