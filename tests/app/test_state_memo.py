"""ui.state.memo_for: a chart is built once per session for the very objects it is drawn from."""

from __future__ import annotations

from collections import OrderedDict

import pytest

from ui import state


class _View:
    """Stands in for a Results: any object that can be weakly referenced."""


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> dict:
    session: dict = {}
    monkeypatch.setattr(state, "_store", lambda: session)
    return session


def test_built_once_per_object_and_again_for_another(store: dict) -> None:
    calls: list[int] = []
    a, b = _View(), _View()

    def build(tag: int):
        calls.append(tag)
        return (f"chart {tag}", f"text {tag}")

    assert state.memo_for("heatmap", (a,), lambda: build(1)) == ("chart 1", "text 1")
    assert state.memo_for("heatmap", (a,), lambda: build(2)) == ("chart 1", "text 1")
    assert state.memo_for("heatmap", (b,), lambda: build(3)) == ("chart 3", "text 3")
    assert state.memo_for("quadrant", (a,), lambda: build(4)) == ("chart 4", "text 4")
    assert calls == [1, 3, 4]
    # a chart drawn from two objects is rebuilt when either changes
    assert state.memo_for("likert", (a, b), lambda: build(5)) == ("chart 5", "text 5")
    assert state.memo_for("likert", (b, a), lambda: build(6)) == ("chart 6", "text 6")
    assert state.memo_for("likert", (a, b), lambda: build(7)) == ("chart 5", "text 5")


def test_a_reused_id_never_gets_the_dropped_objects_chart(store: dict) -> None:
    old, new = _View(), _View()
    state.memo_for("heatmap", (old,), lambda: "old chart")
    cache: OrderedDict = store[state.StateKeys.DRAWN]
    # as if `old` were freed and `new` had been given its id: the entry's key matches `new`
    refs, value = cache.pop(("heatmap", (id(old),)))
    cache[("heatmap", (id(new),))] = (refs, value)
    assert state.memo_for("heatmap", (new,), lambda: "new chart") == "new chart"
    del old
    cache[("heatmap", (id(new),))] = (refs, "old chart")  # its weak reference is now dead
    assert state.memo_for("heatmap", (new,), lambda: "rebuilt") == "rebuilt"


def test_only_the_last_entries_are_kept(store: dict) -> None:
    views = [_View() for _ in range(30)]
    for i, v in enumerate(views):
        state.memo_for("chart", (v,), lambda i=i: i, limit=24)
    assert len(store[state.StateKeys.DRAWN]) == 24
    assert state.memo_for("chart", (views[0],), lambda: "rebuilt", limit=24) == "rebuilt"
    assert state.memo_for("chart", (views[-1],), lambda: "rebuilt", limit=24) == 29
