"""Values built once for the very objects they came from (the charts of one view's Results),
kept for a session and safe to fill from a second thread."""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

__all__ = ["ObjectMemo"]


class ObjectMemo:
    """``get(name, sources, compute)``: ``compute()`` once per name and sources, the last
    ``limit`` kept.

    Keyed by the sources' ids and checked through weak references, so an object that was
    dropped and whose id was reused never gets another's value. One lock covers looking up,
    building and storing: a page asking for a chart that a background prefetch is building
    waits for it instead of building it a second time."""

    def __init__(self, limit: int = 24) -> None:
        self.limit = limit
        self._values: OrderedDict[Hashable, tuple[tuple[weakref.ref, ...], Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._stop = threading.Event()  # asks the background filler (if any) to stop

    def __len__(self) -> int:
        return len(self._values)

    def get(self, name: str, sources: tuple[object, ...], compute: Callable[[], Any]) -> Any:
        with self._lock:
            found, value = self._find(name, sources)
            if found:
                return value
            value = compute()
            key = (name, tuple(id(s) for s in sources))
            self._values[key] = (tuple(weakref.ref(s) for s in sources), value)
            self._values.move_to_end(key)
            while len(self._values) > self.limit:
                self._values.popitem(last=False)
            return value

    def has(self, name: str, sources: tuple[object, ...]) -> bool:
        with self._lock:
            return self._find(name, sources)[0]

    def _find(self, name: str, sources: tuple[object, ...]) -> tuple[bool, Any]:
        key = (name, tuple(id(s) for s in sources))
        hit = self._values.get(key)
        if hit is None or not all(r() is s for r, s in zip(hit[0], sources, strict=True)):
            return False, None
        self._values.move_to_end(key)
        return True, hit[1]

    def background(self) -> threading.Event:
        """A new stop signal for a background filler (the previous one is told to stop)."""
        self._stop.set()
        self._stop = threading.Event()
        return self._stop

    def halt(self) -> None:
        """Tell the background filler to stop after the value it is building: a script run
        has started and needs the cores (the filler only uses time nobody is waiting on)."""
        self._stop.set()
