"""Precision cues on the heatmap: score intervals in the tooltip, plain words instead of p
values, and the "too small to tell" marking (issues 19 and 23)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import vl_convert as vlc
from hypothesis import given, settings
from hypothesis import strategies as st

from render import formats
from render.charts import grid
from tests.render.test_charts import (
    DIRECTIONS,
    encodings,
    group_table,
    rows,
    spec_of,
    svg_of,
    tooltip_titles,
)

# ----------------------------------------------------------------------- the pure rule


@pytest.mark.parametrize(
    ("args", "kwargs", "expected"),
    [
        # under the flagging minimum of 10: too small whatever the interval
        ((8, 30.0, 40.0, 35.0, 60.0), {}, True),
        # large group, narrow interval around a 1-point gap: a 5-point gap is ruled out
        ((300, 54.0, 58.0, 56.0, 55.0), {}, False),
        # 15 people, 3 points below the rest, interval ±6: a 5-point gap cannot be ruled out
        ((15, 46.0, 58.0, 52.0, 55.0), {}, True),
        # a clear gap that matters: 20 points below, interval ±5
        ((40, 35.0, 45.0, 40.0, 60.0), {}, False),
        # direction decides which side is harm: 5 points above the rest, interval ±8
        ((40, 52.0, 68.0, 60.0, 55.0), {"direction": "higher_better"}, False),
        ((40, 52.0, 68.0, 60.0, 55.0), {"direction": "higher_worse"}, True),
        # no interval, or no score for the rest: nothing can be told
        ((40, np.nan, np.nan, 60.0, 55.0), {}, True),
        ((40, 52.0, 68.0, 60.0, None), {}, True),
    ],
)
def test_too_small_to_tell_known_values(args, kwargs, expected):
    assert grid.too_small_to_tell(*args, **kwargs) is expected


def test_too_small_to_tell_widens_for_a_small_rest():
    # 2 points below the rest, se = 6 / (2 t_99) ≈ 1.51: upper bound 4.96 < 5 -> decided
    assert grid.too_small_to_tell(100, 56.0, 62.0, 58.0, 60.0) is False
    # a rest as small as the group: se × √2, upper bound ≈ 6.2 -> too small to tell
    assert grid.too_small_to_tell(100, 56.0, 62.0, 58.0, 60.0, rest_n=100) is True
    assert grid.too_small_to_tell(100, 56.0, 62.0, 58.0, 60.0, rest_n=100_000) is False


@settings(max_examples=60)
@given(
    n=st.integers(10, 2000),
    score=st.floats(0, 100),
    rest=st.floats(0, 100),
    half=st.floats(0.1, 30),
    extra=st.floats(0, 20),
)
def test_property_a_wider_interval_never_makes_a_cell_decidable(n, score, rest, half, extra):
    """Undecided means the upper bound reaches 5 points and no clear gap: widening the interval
    only raises the upper bound and lowers the lower one, so it stays undecided."""
    narrow = grid.too_small_to_tell(n, score - half, score + half, score, rest)
    wide = grid.too_small_to_tell(n, score - half - extra, score + half + extra, score, rest)
    assert wide or not narrow
    # fewer than 10 people is always too small
    assert grid.too_small_to_tell(9, score - half, score + half, score, rest) is True


# ----------------------------------------------------------------------- formatter


def test_formats_score_interval_points_and_yes_no():
    assert formats.score_interval(62.4, 55.2, 69.0, 48) == "62 (55–69), n = 48"
    assert formats.score_interval(62.4, np.nan, np.nan, 48) == "62, n = 48"
    assert formats.score_interval(np.nan, 55, 69, 48) == "–"
    assert formats.points(-12.4) == "-12 points"
    assert formats.points(0.6) == "+1 point"
    assert formats.points(np.nan) == "–"
    assert formats.yes_no(True) == "yes" and formats.yes_no(np.bool_(False)) == "no"
    assert formats.yes_no(None) == "–"


# ----------------------------------------------------------------------- chart spec


def with_intervals() -> pd.DataFrame:
    """The shared fixture with intervals: Sales' trust interval is too wide to tell."""
    table = group_table()
    extra = {
        ("Support", "trust"): (34.6, 45.4, 52.0),
        ("Support", "fear"): (64.2, 75.8, 52.0),
        ("Sales", "trust"): (40.0, 80.0, 52.0),  # ±20 around 60: cannot rule out 5 points
        ("Sales", "fear"): (41.0, 49.0, 51.0),  # 6 below the rest on fear: better, decided
    }
    for col, i in (("ci_low", 0), ("ci_high", 1), ("rest_score", 2)):
        table[col] = [extra.get((g, c), (np.nan,) * 3)[i] for g, c in
                      zip(table["group"], table["construct"], strict=True)]  # fmt: skip
    return table


def cells(spec: dict) -> dict[tuple[str, str], dict]:
    return {(r["group"], r["construct"]): r for r in rows(spec) if "cell_text" in r}


def tooltip_fields(spec: dict) -> set[str]:
    out = set()
    for enc in encodings(spec):
        tips = enc.get("tooltip", [])
        for tip in tips if isinstance(tips, list) else [tips]:
            out.add(tip.get("field"))
    return out


def test_tooltip_shows_score_with_interval_and_plain_words():
    spec = spec_of(grid.heatmap(with_intervals(), directions=DIRECTIONS))
    by_cell = cells(spec)
    assert by_cell[("Support", "trust")]["score_text"] == "40 (35–45), n = 20"
    assert by_cell[("Support", "trust")]["difference_text"] == "-12 points"
    assert by_cell[("Support", "fear")]["gap_text"] == "-18 points"
    assert by_cell[("Support", "trust")]["clear_text"] == "yes"
    assert by_cell[("Sales", "trust")]["clear_text"] == "no"
    assert grid.HEATMAP_CLEAR in tooltip_titles(spec)
    # no p value, no raw float fields in any tooltip
    assert "p_adj" not in tooltip_fields(spec)
    assert not {"score", "difference", "gap"} & tooltip_fields(spec)
    assert not any(t.lower().startswith("p ") or "p=" in t for t in tooltip_titles(spec))


def test_no_p_equals_in_alt_text_even_for_p_one():
    table = with_intervals().assign(p_adj=1.0)
    text = grid.heatmap_alt_text(table, directions=DIRECTIONS)
    assert "p=" not in text and "1.000" not in text
    assert "(clear difference from the rest: no)" in text
    spec = spec_of(grid.heatmap(table, directions=DIRECTIONS))
    assert spec["description"] == text
    assert {c["clear_text"] for c in cells(spec).values() if not c["hidden"]} == {"no"}


def test_wide_interval_cell_is_marked_with_a_legend_entry():
    spec = spec_of(grid.heatmap(with_intervals(), directions=DIRECTIONS))
    by_cell = cells(spec)
    assert by_cell[("Sales", "trust")]["too_small"] is True
    assert by_cell[("Sales", "trust")]["precision"] == grid.TOO_SMALL
    assert by_cell[("Sales", "trust")]["status"] == "shown, too small to tell"
    for decided in (("Support", "trust"), ("Support", "fear"), ("Sales", "fear")):
        assert by_cell[decided]["too_small"] is False, decided
    assert by_cell[("Legal", "trust")]["too_small"] is False  # hidden is its own state
    overlay = [
        layer for layer in spec["layer"] if {"filter": "datum.too_small"} in layer["transform"]
    ]
    assert len(overlay) == 1
    mark = overlay[0]["mark"]
    assert mark["strokeDash"] == [4, 3] and mark["fillOpacity"] < 1  # dashed and paler
    stroke = overlay[0]["encoding"]["stroke"]
    assert stroke["field"] == "precision"
    assert stroke["scale"]["domain"] == [grid.TOO_SMALL]
    assert stroke["legend"]["symbolDash"] == [4, 3]
    # the compiled Vega has the legend (Vega-Lite silently drops some channels on rect marks)
    vega = vlc.vegalite_to_vega(spec)
    assert any(legend.get("stroke") == "stroke" for legend in vega["legends"])
    assert [t["title"] for t in overlay[0]["encoding"]["tooltip"]] == [
        t["title"] for t in spec["layer"][0]["encoding"]["tooltip"]
    ]
    text = grid.heatmap_alt_text(with_intervals(), directions=DIRECTIONS)
    assert "1 cell too small to tell (dashed, paler)." in text
    # the legend entry renders offline (the subtitle's mention is a tspan, not this text)
    assert f">{grid.TOO_SMALL}</text>" in svg_of(spec)


def test_small_groups_are_marked_even_without_intervals():
    table = group_table()
    table.loc[table["group"] == "Sales", "n"] = 8
    by_cell = cells(spec_of(grid.heatmap(table, directions=DIRECTIONS)))
    assert by_cell[("Sales", "trust")]["too_small"] is True
    assert by_cell[("Support", "trust")]["too_small"] is False


def test_no_marking_layer_when_every_cell_can_be_told():
    table = with_intervals()
    table.loc[table["group"] == "Sales", ["ci_low", "ci_high"]] = [[47.0, 73.0], [43.0, 47.0]]
    spec = spec_of(grid.heatmap(table, directions=DIRECTIONS))
    assert not any(c["too_small"] for c in cells(spec).values())
    assert "strokeDash" not in json.dumps(spec)
    assert f">{grid.TOO_SMALL}</text>" not in svg_of(spec)
    assert "too small" not in grid.heatmap_alt_text(table, directions=DIRECTIONS)


def test_hidden_cells_get_no_interval_or_text_even_if_the_input_leaks_them():
    leaky = with_intervals()
    leaky.loc[leaky["group"] == "Legal", ["n", "score", "ci_low", "ci_high"]] = [3, 91, 87, 95]
    spec = spec_of(grid.heatmap(leaky, directions=DIRECTIONS))
    for key in (("Legal", "trust"), ("Legal", "fear")):
        cell = cells(spec)[key]
        assert cell["ci_low"] is None and cell["ci_high"] is None
        assert cell["score_text"] == cell["difference_text"] == cell["clear_text"] == ""
    assert "91" not in json.dumps([r for r in rows(spec) if r.get("group") == "Legal"])


def test_change_heatmap_has_plain_words_and_no_marking():
    from tests.render.test_charts import changes

    spec = spec_of(grid.change_heatmap(changes(), directions=DIRECTIONS))
    assert grid.CHANGE_CLEAR in tooltip_titles(spec)
    assert "p_adj" not in tooltip_fields(spec)
    assert not any(c["too_small"] for c in cells(spec).values())
    assert "p=" not in spec["description"]


def test_marking_agrees_with_the_hot_spot_screening_on_the_sample(by_team):
    """Same rule as analysis.hotspots.screening: its "fine" and "flag" cells are never marked,
    its "too small to tell" cells always are (sample survey, by team)."""
    from analysis.hotspots import screen
    from ui.views import heatmap_table

    table = heatmap_table(by_team)
    meta = {
        c: {"concept": c, "label": c, "direction": d}
        for c, d in zip(table["construct"], table["direction"], strict=True)
    }
    screened = screen(by_team.groups, meta, min_group=5)
    spec = spec_of(grid.heatmap(table))
    marked = {key: c["too_small"] for key, c in cells(spec).items()}
    keys = zip(screened["group"], screened["construct"], strict=True)
    states = dict(zip(keys, screened["state"], strict=True))
    assert {"fine", "too_small_to_tell"} <= set(states.values())
    for key, state in states.items():
        if state in ("fine", "flag"):
            assert marked[key] is False, (key, state)
        elif state == "too_small_to_tell":
            assert marked[key] is True, (key, state)
