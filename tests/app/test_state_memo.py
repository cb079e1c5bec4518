"""ui.object_memo and ui.charts: a view's charts are built once per session for the very
objects they are drawn from, and prefetched in the background once a page is drawn."""

from __future__ import annotations

import threading

import pytest

from tests.app.conftest import Ready
from ui import charts, state
from ui.object_memo import ObjectMemo


class _View:
    """Stands in for a Results or a Prepared: any object that can be weakly referenced."""

    has_scores = True


def test_built_once_per_object_and_again_for_another() -> None:
    memo, calls = ObjectMemo(), []
    a, b = _View(), _View()

    def build(tag: int):
        calls.append(tag)
        return (f"chart {tag}", f"text {tag}")

    assert memo.get("heatmap", (a,), lambda: build(1)) == ("chart 1", "text 1")
    assert memo.get("heatmap", (a,), lambda: build(2)) == ("chart 1", "text 1")
    assert memo.get("heatmap", (b,), lambda: build(3)) == ("chart 3", "text 3")
    assert memo.get("quadrant", (a,), lambda: build(4)) == ("chart 4", "text 4")
    assert calls == [1, 3, 4]
    # a chart drawn from two objects is rebuilt when either changes
    assert memo.get("likert", (a, b), lambda: build(5)) == ("chart 5", "text 5")
    assert memo.get("likert", (b, a), lambda: build(6)) == ("chart 6", "text 6")
    assert memo.get("likert", (a, b), lambda: build(7)) == ("chart 5", "text 5")
    assert memo.has("likert", (a, b)) and not memo.has("likert", (a, a))


def test_a_reused_id_never_gets_the_dropped_objects_chart() -> None:
    memo = ObjectMemo()
    old, new = _View(), _View()
    memo.get("heatmap", (old,), lambda: "old chart")
    # as if `old` had been freed and `new` given its id: file the entry under new's id
    refs, value = memo._values.pop(("heatmap", (id(old),)))
    memo._values[("heatmap", (id(new),))] = (refs, value)
    assert not memo.has("heatmap", (new,))
    assert memo.get("heatmap", (new,), lambda: "new chart") == "new chart"
    del old
    memo._values[("heatmap", (id(new),))] = (refs, "old chart")  # its weak reference is dead
    assert memo.get("heatmap", (new,), lambda: "rebuilt") == "rebuilt"


def test_only_the_last_entries_are_kept() -> None:
    memo = ObjectMemo(limit=24)
    views = [_View() for _ in range(30)]
    for i, v in enumerate(views):
        memo.get("chart", (v,), lambda i=i: i)
    assert len(memo) == 24
    assert memo.get("chart", (views[0],), lambda: "rebuilt") == "rebuilt"
    assert memo.get("chart", (views[-1],), lambda: "rebuilt") == 29


def test_a_page_waits_for_the_chart_being_prefetched_instead_of_building_it_twice() -> None:
    memo, view = ObjectMemo(), _View()
    started, release, calls = threading.Event(), threading.Event(), []

    def slow() -> str:
        calls.append("prefetch")
        started.set()
        release.wait(5)
        return "prefetched"

    worker = threading.Thread(target=lambda: memo.get("heatmap", (view,), slow))
    worker.start()
    assert started.wait(5)
    threading.Timer(0.05, release.set).start()
    assert memo.get("heatmap", (view,), lambda: calls.append("page") or "page") == "prefetched"
    worker.join(5)
    assert calls == ["prefetch"]


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch) -> dict:
    store: dict = {}
    monkeypatch.setattr(state, "_store", lambda: store)
    return store


def test_prefetch_builds_every_chart_of_the_view_the_pages_then_draw(
    session: dict, small: Ready
) -> None:
    from analysis import pipeline

    prep = small.prepared
    res = pipeline.analyze(prep, by="team")
    charts.prefetch(res, prep)
    for thread in threading.enumerate():
        if thread.name == "chart-prefetch":
            thread.join(60)
    memo = state.drawn()
    assert all(memo.has(name, (res, prep)) for name in charts.FIGURES)
    built = charts.FIGURES["heatmap"](res, prep)
    drawn = charts.figure("heatmap", res, prep)
    assert drawn[1] == built[1]  # the same text alternative, from the memo
    assert drawn[0].to_dict(validate=False) == built[0].to_dict(validate=False)
    other = pipeline.analyze(prep, by="role")
    assert not memo.has("heatmap", (other, prep))  # another view's charts are its own


def test_a_script_run_stops_the_prefetch_after_the_chart_it_is_building(
    session: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    started, release, built = threading.Event(), threading.Event(), []

    def first(res, prep):
        started.set()
        release.wait(5)
        built.append("first")
        return "first", ""

    def later(res, prep):
        built.append("later")
        return "later", ""

    monkeypatch.setattr(charts, "FIGURES", {"first": first, "second": later, "third": later})
    res, prep = _View(), _View()
    charts.prefetch(res, prep)
    assert started.wait(5)
    charts.begin_run()  # what app.py does when a run starts
    release.set()
    for thread in threading.enumerate():
        if thread.name == "chart-prefetch":
            thread.join(5)
    assert built == ["first"]
    memo = state.drawn()
    assert memo.has("first", (res, prep)) and not memo.has("second", (res, prep))
    charts.prefetch(res, prep)  # the next page drawn starts it again, for what is missing
    for thread in threading.enumerate():
        if thread.name == "chart-prefetch":
            thread.join(5)
    assert built == ["first", "later", "later"]


def test_a_comments_only_survey_prefetches_no_score_chart(
    session: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[str] = []

    def builder(name: str):
        return lambda res, prep: built.append(name) or (name, "")

    monkeypatch.setattr(charts, "FIGURES", {n: builder(n) for n in ("heatmap", "themes")})

    class _CommentsOnly(_View):
        has_scores = False

    res, prep = _View(), _CommentsOnly()
    charts.prefetch(res, prep)
    for thread in threading.enumerate():
        if thread.name == "chart-prefetch":
            thread.join(5)
    assert built == ["themes"]


class _Shown:
    """Stands in for a Results: only its shown comments' rows are weighed."""

    def __init__(self, rows: int) -> None:
        self.comments = [None] * rows


def test_session_results_keep_at_most_the_view_caches_rows(monkeypatch) -> None:
    store: dict = {}
    monkeypatch.setattr(state, "_store", lambda: store)
    monkeypatch.setattr(state.ViewCache, "ROWS", 10)
    made = []

    def view(key, rows):
        return state.results(key, lambda: made.append(key) or _Shown(rows))

    view("a", 4), view("b", 6)  # 10 rows: both kept
    view("a", 4)
    view("c", 3)  # 13: the least recently used (b) goes
    view("a", 4)
    view("huge", 50)  # alone over the budget: kept alone
    view("huge", 50)
    assert made == ["a", "b", "c", "huge"]
    assert list(store[state.RESULTS]) == ["huge"]
    for k in range(state.MAX_RESULTS + 2):  # small views: only the count applies
        view(k, 0)
    assert len(store[state.RESULTS]) == state.MAX_RESULTS
