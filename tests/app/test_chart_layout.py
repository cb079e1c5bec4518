"""Chart layout rules in render.charts that keep wide charts on the page (issue 23)."""

from __future__ import annotations

from render.charts.grid import GRID_WIDTH, MAX_STEP, MIN_STEP, column_step


def test_grid_columns_narrow_so_wide_heatmaps_fit_the_page() -> None:
    assert column_step(6) == MAX_STEP  # a pulse survey keeps its roomy columns
    assert column_step(11) == GRID_WIDTH // 11  # the LimeSurvey grid fits the page
    assert column_step(11) * 11 <= GRID_WIDTH
    assert column_step(60) == MIN_STEP  # never too narrow for a score
    assert column_step(0) == MAX_STEP
