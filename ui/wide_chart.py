"""Grids too wide for the page scroll sideways inside their own box instead of running off it.

A Vega-Lite grid with a fixed step per column (themes by group, the heat map with many
constructs) is as wide as its columns, whatever the page; Streamlit lets it overflow the main
block. A container with a fixed height scrolls (CSS overflow: auto) in both directions, so a grid
wider than the page is drawn in one, sized to the grid's own height so it never scrolls
vertically (issue 23). Sizes are estimated from the grid's rows and columns, with the axis-label
limits the chart builders use.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import streamlit as st

from ui import charts, views

PAGE_WIDTH = 900  # px of the main block at a 1,400-px-wide window with the sidebar open
ROW_STEP = 26  # px per row of the grids (render.charts.grid and .themes)
Y_LABELS = 220  # px the group labels may take (labelLimit)
TOP_LABELS = 150  # px of column labels slanted at -30° (labelLimit 180)
TITLE_AND_LEGEND = 190  # px of title, subtitle, the legend under the grid and the box padding


def grid_size(n_rows: int, n_columns: int, column_step: int) -> tuple[int, int]:
    """(width, height) in px of a grid chart with these rows and columns."""
    width = Y_LABELS + n_columns * column_step + 40
    height = TOP_LABELS + n_rows * ROW_STEP + TITLE_AND_LEGEND
    return width, height


def grid_chart(
    figure: alt.TopLevelMixin,
    alt_text: str,
    *,
    n_rows: int,
    n_columns: int,
    column_step: int,
    **kwargs: Any,
) -> Any:
    """Draw a grid chart; one wider than the page goes in a box that scrolls sideways."""
    width, height = grid_size(n_rows, n_columns, column_step)
    if width <= PAGE_WIDTH:
        return charts.chart(figure, alt_text, **kwargs)
    kwargs.setdefault("width", "content")
    box = f"{kwargs['key']}_box" if kwargs.get("key") else None
    with st.container(height=height, border=False, key=box):
        event = st.altair_chart(charts.unvalidated(figure), **kwargs)
    st.caption(views.plain(f"{alt_text} Scroll sideways to see every column."))
    return event
