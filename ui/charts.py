"""Drawing the render layer's Altair charts on a page: each with its text alternative, built
once per session and view, and serialised without a second schema validation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import altair as alt
import streamlit as st

from ui import state
from ui.views import plain

__all__ = ["chart", "figure", "unvalidated"]


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


def figure(
    name: str,
    sources: tuple[object, ...],
    build: Callable[[], tuple[alt.TopLevelMixin, str]],
) -> tuple[alt.TopLevelMixin, str]:
    """A chart and its text alternative, built once per session from ``sources`` (the view's
    Results, and the Prepared when the chart reads it): reruns of a page draw the same
    objects instead of rebuilding them (:func:`ui.state.memo_for`)."""
    return state.memo_for(name, sources, build)


def chart(figure: alt.TopLevelMixin, alt_text: str, **kwargs: Any) -> Any:
    """An Altair chart with its text alternative (for screen readers and a quick read)."""
    kwargs.setdefault("width", "content")  # builders size their charts; don't squeeze them
    event = st.altair_chart(unvalidated(figure), **kwargs)
    st.caption(plain(alt_text))
    return event
