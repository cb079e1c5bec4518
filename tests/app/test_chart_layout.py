"""Chart layout rules in render.charts that keep wide charts on the page (issue 23)."""

from __future__ import annotations

from render.charts.grid import GRID_WIDTH, MAX_STEP, MIN_STEP, column_step


def test_grid_columns_narrow_so_wide_heatmaps_fit_the_page() -> None:
    assert column_step(6) == MAX_STEP  # a pulse survey keeps its roomy columns
    assert column_step(11) == GRID_WIDTH // 11  # the LimeSurvey grid fits the page
    assert column_step(11) * 11 <= GRID_WIDTH
    assert column_step(60) == MIN_STEP  # never too narrow for a score
    assert column_step(0) == MAX_STEP


def test_only_grids_wider_than_the_page_go_in_a_sideways_scrolling_box() -> None:
    from ui.wide_chart import PAGE_WIDTH, ROW_STEP, grid_size

    width, height = grid_size(n_rows=15, n_columns=18, column_step=90)  # themes by 15 teams
    assert width > PAGE_WIDTH  # would run off the page: scrolls in its own box
    assert height >= 15 * ROW_STEP + 300  # the box is as tall as the grid and its labels
    assert grid_size(n_rows=15, n_columns=6, column_step=column_step(6))[0] <= PAGE_WIDTH
    many = 60  # a LimeSurvey grid scored item by item: even at the narrowest step, too wide
    assert grid_size(n_rows=5, n_columns=many, column_step=column_step(many))[0] > PAGE_WIDTH


def test_charts_are_drawn_with_the_same_spec_without_validating_it_again() -> None:
    """ui.charts.unvalidated: Streamlit serialises the chart without Altair's per-run schema
    check (the render tests validate every builder); the spec is the same, and wrapping twice
    changes nothing."""
    import altair as alt
    import pandas as pd

    from ui.charts import unvalidated

    data = pd.DataFrame({"x": ["a", "b"], "y": [1, 2]})
    figure = alt.Chart(data).mark_bar().encode(x="x:N", y="y:Q")
    want = figure.to_dict()
    quick = unvalidated(unvalidated(figure))
    assert quick.to_dict() == want
    assert "to_dict" not in quick.to_dict()  # not written into the spec as a property
    broken = alt.Chart(data).mark_bar().encode(x="x:N", y="y:Q")
    broken.mark = 42  # not a valid mark: broken.to_dict() raises SchemaValidationError
    assert unvalidated(broken).to_dict()["mark"] == 42
