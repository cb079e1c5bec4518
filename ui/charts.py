"""Drawing the render layer's Altair charts on a page: each with its text alternative, built
once per session and view, and serialised without a second schema validation.

The charts of a view (:data:`FIGURES`) are built by name from its Results. Building them took
most of a page switch (issue 20: 0.1-0.25 s of the Teams and Comments pages, 40-90 ms a
chart), so each is kept for the session (:class:`ui.object_memo.ObjectMemo`), and once a page
is drawn, :func:`prefetch` builds the view's other charts in a background thread: the next
page switch draws them ready-made.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import altair as alt
import streamlit as st

from analysis.pipeline import Prepared, Results
from render.charts.drivers import drivers_bar, drivers_bar_alt_text
from render.charts.grid import heatmap_and_alt_text
from render.charts.likert import likert_bars, likert_bars_alt_text
from render.charts.quadrant import quadrant, quadrant_alt_text
from render.charts.sentiment import sentiment_by_group, sentiment_by_group_alt_text
from render.charts.themes import (
    theme_share_by_group,
    theme_share_by_group_alt_text,
    themes_bar,
    themes_bar_alt_text,
)
from ui import chart_tables, state
from ui.object_memo import ObjectMemo
from ui.views import plain

__all__ = ["FIGURES", "begin_run", "chart", "figure", "prefetch", "unvalidated"]

Figure = tuple[alt.TopLevelMixin, str]


def _heatmap(res: Results, prep: Prepared) -> Figure:
    return heatmap_and_alt_text(chart_tables.heatmap_table(res))


def _quadrant(res: Results, prep: Prepared) -> Figure:
    return quadrant(res.segments), quadrant_alt_text(res.segments)


def _drivers(res: Results, prep: Prepared) -> Figure:
    table = chart_tables.drivers_table(res)
    return drivers_bar(table), drivers_bar_alt_text(table)


def _themes(res: Results, prep: Prepared) -> Figure:
    return themes_bar(res.themes), themes_bar_alt_text(res.themes)


def _theme_shares(res: Results, prep: Prepared) -> Figure:
    table = chart_tables.theme_shares_table(res)
    return theme_share_by_group(table), theme_share_by_group_alt_text(table)


def _sentiment(res: Results, prep: Prepared) -> Figure:
    table = chart_tables.sentiment_table(res)
    return sentiment_by_group(table), sentiment_by_group_alt_text(table)


def _likert(res: Results, prep: Prepared) -> Figure:
    table = chart_tables.likert_table(res, prep)
    return likert_bars(table), likert_bars_alt_text(table)


#: The charts that draw scores: a comments-only survey has none to prefetch.
SCORE_FIGURES = frozenset({"likert", "heatmap", "quadrant", "drivers"})

#: Each chart of a view by name, built from its Results (and the Prepared it came from).
FIGURES: dict[str, Callable[[Results, Prepared], Figure]] = {
    "likert": _likert,  # Overview
    "heatmap": _heatmap,  # Teams & roles
    "quadrant": _quadrant,
    "drivers": _drivers,
    "themes": _themes,  # Comments
    "theme shares": _theme_shares,
    "sentiment": _sentiment,
}


def figure(name: str, res: Results, prep: Prepared) -> Figure:
    """The chart ``name`` of this view and its text alternative, built once per session."""
    return _kept(state.drawn(), name, res, prep)


def _kept(memo: ObjectMemo, name: str, res: Results, prep: Prepared) -> Figure:
    return memo.get(name, (res, prep), lambda: FIGURES[name](res, prep))


def prefetch(res: Results | None, prep: Prepared | None) -> None:
    """Build the view's charts that are not built yet, in a background thread (called when a
    page has been drawn, so it never delays one)."""
    if res is None or prep is None:
        return
    memo = state.drawn()  # taken here: the thread has no access to the session
    missing = [
        name
        for name in FIGURES
        if (prep.has_scores or name not in SCORE_FIGURES) and not memo.has(name, (res, prep))
    ]
    if missing:
        stop = memo.background()
        threading.Thread(
            target=_build, args=(memo, stop, missing, res, prep), name="chart-prefetch", daemon=True
        ).start()


def begin_run() -> None:
    """At the start of a script run: the prefetch stops after the chart it is building, so it
    never competes with a page someone is waiting for (the next page drawn starts it again),
    and the view an earlier run left (a page that stopped early) is forgotten, so nothing
    keeps an analysis no longer in use alive or prefetches its charts."""
    state.drawn().halt()
    state.take_view()


def _build(
    memo: ObjectMemo, stop: threading.Event, names: list[str], res: Results, prep: Prepared
) -> None:
    for name in names:
        if stop.is_set():
            return
        try:
            _kept(memo, name, res, prep)
        except Exception:  # the page builds it again and shows the error (never logged here)
            continue


def unvalidated(figure: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """The chart, serialised without Altair's schema validation when Streamlit draws it.

    Validation costs 30-70 ms per chart on every script run, most of a page switch's budget;
    every chart builder's spec is validated against the Vega-Lite schema by the render tests
    (tests/render), so doing it again per run checks nothing new."""
    if "to_dict" not in vars(figure):
        to_dict = figure.to_dict

        def quick(*args: Any, **kwargs: Any) -> dict[str, Any]:
            return to_dict(*args, **{"validate": False, **kwargs})

        object.__setattr__(figure, "to_dict", quick)  # altair's own __setattr__ sets a spec key
    return figure


def chart(figure: alt.TopLevelMixin, alt_text: str, **kwargs: Any) -> Any:
    """An Altair chart with its text alternative (for screen readers and a quick read)."""
    kwargs.setdefault("width", "content")  # builders size their charts; don't squeeze them
    event = st.altair_chart(unvalidated(figure), **kwargs)
    st.caption(plain(alt_text))
    return event
