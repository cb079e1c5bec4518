"""Chart builders (render.charts): encodings, hidden cells without numbers, colour orientation,
text alternatives, offline SVG rendering. Tables are hand-made so every expected number can be
checked by hand."""

from __future__ import annotations

import ast
import json
import math
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
import pytest
import vl_convert as vlc
from hypothesis import given, settings
from hypothesis import strategies as st

from render import formats
from render.charts import drivers as drivers_c
from render.charts import grid
from render.charts import likert as likert_c
from render.charts import quadrant as quadrant_c
from render.charts import sentiment as sentiment_c
from render.charts import themes as themes_c
from render.charts import trend as trend_c

NAN = np.nan
CHART_MODULES = Path(__file__).resolve().parents[2] / "render" / "charts"

# --------------------------------------------------------------------------- spec helpers


def spec_of(chart: alt.TopLevelMixin) -> dict:
    return chart.to_dict()


def rows(spec: dict) -> list[dict]:
    """Every inline data row of a spec, whatever dataset it sits in."""
    return [row for data in spec.get("datasets", {}).values() for row in data]


def walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def encodings(spec: dict) -> list[dict]:
    return [node["encoding"] for node in walk(spec) if isinstance(node.get("encoding"), dict)]


def tooltip_titles(spec: dict) -> set[str]:
    titles = set()
    for enc in encodings(spec):
        tips = enc.get("tooltip", [])
        for tip in tips if isinstance(tips, list) else [tips]:
            titles.add(tip.get("title", tip.get("field")))
    return titles


def fields_of(spec: dict, channel: str) -> set[str]:
    return {enc[channel]["field"] for enc in encodings(spec) if "field" in enc.get(channel, {})}


def title_text(spec: dict) -> str:
    title = spec.get("title")
    return title["text"] if isinstance(title, dict) else str(title)


def svg_of(spec: dict) -> str:
    svg = vlc.vegalite_to_svg(spec)
    assert svg.lstrip().startswith("<svg")
    return svg


# --------------------------------------------------------------------------- fixtures


def group_table() -> pd.DataFrame:
    """Three teams × two constructs; Legal is hidden (fewer than 5 responses)."""
    hidden = {"n": NAN, "score": NAN, "diff_vs_rest": NAN, "p_adj": NAN, "suppressed": True}
    shown = {"suppressed": False, "suppressed_reason": ""}
    rows = [
        {"group": "Support", "construct": "trust", "label": "Trust in AI", "n": 20,
         "score": 40.0, "diff_vs_rest": -12.0, "p_adj": 0.004, **shown},
        {"group": "Support", "construct": "fear", "label": "Fear of displacement", "n": 20,
         "score": 70.0, "diff_vs_rest": 18.0, "p_adj": 0.003, **shown},
        {"group": "Sales", "construct": "trust", "label": "Trust in AI", "n": 30,
         "score": 60.0, "diff_vs_rest": 8.0, "p_adj": 0.2, **shown},
        {"group": "Sales", "construct": "fear", "label": "Fear of displacement", "n": 30,
         "score": 45.0, "diff_vs_rest": -6.0, "p_adj": 0.3, **shown},
        {"group": "Legal", "construct": "trust", "label": "Trust in AI",
         "suppressed_reason": "fewer than 5 responses", **hidden},
        {"group": "Legal", "construct": "fear", "label": "Fear of displacement",
         "suppressed_reason": "fewer than 5 responses", **hidden},
    ]  # fmt: skip
    return pd.DataFrame(rows).assign(grouping="team")


DIRECTIONS = {"trust": "higher_better", "fear": "higher_worse"}

AGREE5 = ["Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"]


def item_counts() -> pd.DataFrame:
    """Q1: counts 2,3,5,6,4 (+2 N/A); Q2: counts 1,1,2,8,8 (no N/A)."""
    records = []
    for item, question, counts, na in [
        ("Q1", "I trust the AI tools we use", [2, 3, 5, 6, 4], 2),
        ("Q2", "My manager explains the changes", [1, 1, 2, 8, 8], 0),
    ]:
        total = sum(counts) + na
        for order, (label, count) in enumerate(zip(AGREE5, counts, strict=True)):
            records.append(
                {"item": item, "question": question, "label": label, "order": order,
                 "count": count, "share": count / total, "n": total, "is_missing": False}
            )  # fmt: skip
        if na:
            records.append(
                {"item": item, "question": question, "label": "N/A", "order": 99, "count": na,
                 "share": na / total, "n": total, "is_missing": True}
            )  # fmt: skip
    return pd.DataFrame(records)


def segments() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "group": ["Ops", "Sales", "Support", "Legal", "HR"],
            "trust": [30.0, 70.0, 60.0, 40.0, NAN],
            "fear": [80.0, 20.0, 70.0, 30.0, NAN],
            "n": [12.0, 40.0, 8.0, 20.0, NAN],
            "quadrant": ["At risk", "Ready", "Willing but anxious", "Sceptical", ""],
            "suppressed": [False, False, False, False, True],
            "suppressed_reason": ["", "", "", "", "fewer than 5 responses"],
        }
    )


def drivers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "outcome": ["Change readiness"] * 3,
            "driver": ["Manager support", "Training", "Communication"],
            "share": [0.2, 0.5, 0.3],
            "ci_low": [0.1, 0.4, 0.2],
            "ci_high": [0.3, 0.6, 0.4],
            "n": [240] * 3,
        }
    )


def themes() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "theme": [0, 1, 2],
            "label": ["training time", "job security", "tool quality"],
            "size": [30, 40, 10],
            "share": [0.375, 0.5, 0.125],
            "mean_sentiment": [0.1, -0.4, 0.3],
        }
    )


def theme_groups() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "theme": [0, 1, 0, 1],
            "label": ["job security", "training time"] * 2,
            "group": ["Support", "Support", "Legal", "Legal"],
            "share": [0.6, 0.4, NAN, NAN],
            "n": [20, 20, NAN, NAN],
            "suppressed": [False, False, True, True],
            "suppressed_reason": ["", "", "fewer than 10 comments", "fewer than 10 comments"],
        }
    )


def waves() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "wave": ["2024 Q1", "2024 Q3", "2025 Q1"] * 2,
            "group": ["Support"] * 3 + ["Sales"] * 3,
            "construct": "trust",
            "label": "Trust in AI",
            "score": [60.0, 55.0, 41.0, 50.0, NAN, 52.0],
            "n": [20, 21, 19, 10, NAN, 11],
            "suppressed": [False, False, False, False, True, False],
        }
    )


def changes() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "group": ["Support", "Support", "Sales", "Sales"],
            "construct": ["trust", "fear", "trust", "fear"],
            "change": [-10.0, 12.0, 3.0, NAN],
            "p_adj": [0.01, 0.02, 0.5, NAN],
            "suppressed": [False, False, False, True],
        }
    )


def sentiment() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "group": ["Sales", "Support", "Legal"],
            "n_comments": [30, 40, NAN],
            "share_negative": [0.2, 0.5, NAN],
            "share_neutral": [0.3, 0.3, NAN],
            "share_positive": [0.5, 0.2, NAN],
            "suppressed": [False, False, True],
            "suppressed_reason": ["", "", "fewer than 10 comments"],
        }
    )


BUILDERS = [
    ("heatmap", grid.heatmap, grid.heatmap_alt_text, group_table),
    ("likert", likert_c.likert_bars, likert_c.likert_bars_alt_text, item_counts),
    ("quadrant", quadrant_c.quadrant, quadrant_c.quadrant_alt_text, segments),
    ("drivers", drivers_c.drivers_bar, drivers_c.drivers_bar_alt_text, drivers),
    ("themes", themes_c.themes_bar, themes_c.themes_bar_alt_text, themes),
    (
        "theme_groups",
        themes_c.theme_share_by_group,
        themes_c.theme_share_by_group_alt_text,
        theme_groups,
    ),
    ("trend", trend_c.trend, trend_c.trend_alt_text, waves),
    ("change", grid.change_heatmap, grid.change_heatmap_alt_text, changes),
    (
        "sentiment",
        sentiment_c.sentiment_by_group,
        sentiment_c.sentiment_by_group_alt_text,
        sentiment,
    ),
]
IDS = [b[0] for b in BUILDERS]


# --------------------------------------------------------------------------- every builder


@pytest.mark.parametrize(("name", "build", "alt_text", "make"), BUILDERS, ids=IDS)
def test_every_chart_has_title_tooltip_with_n_and_renders_offline(name, build, alt_text, make):
    spec = spec_of(build(make()))
    assert title_text(spec)
    titles = tooltip_titles(spec)
    assert any(t.startswith("n (") or t == "People" for t in titles), titles
    text = alt_text(make())
    assert spec["description"] == text
    assert 0 < text.count(". ") + 1 <= 6 and len(text) < 600
    svg = svg_of(spec)
    assert title_text(spec) in svg


@pytest.mark.parametrize(("name", "build", "alt_text", "make"), BUILDERS, ids=IDS)
def test_empty_input_gives_a_message_chart(name, build, alt_text, make):
    empty = make().iloc[0:0]
    spec = spec_of(build(empty))
    assert rows(spec)[0]["message"].startswith("No ")
    assert alt_text(empty) == rows(spec)[0]["message"]
    svg_of(spec)


@pytest.mark.parametrize(("name", "build", "alt_text", "make"), BUILDERS, ids=IDS)
def test_missing_columns_are_named_in_a_clear_error(name, build, alt_text, make):
    required = {
        "heatmap": grid.HEATMAP_COLUMNS,
        "likert": likert_c.LIKERT_COLUMNS,
        "quadrant": quadrant_c.QUADRANT_COLUMNS,
        "drivers": drivers_c.DRIVER_COLUMNS,
        "themes": themes_c.THEME_COLUMNS,
        "theme_groups": themes_c.THEME_GROUP_COLUMNS,
        "trend": trend_c.TREND_COLUMNS,
        "change": grid.CHANGE_COLUMNS,
        "sentiment": sentiment_c.SENTIMENT_COLUMNS,
    }[name]
    for column in (required[0], required[-1]):
        with pytest.raises(ValueError, match=rf"needs the columns {column}; the table given has"):
            build(make().drop(columns=[column]))


@pytest.mark.parametrize(("name", "build", "alt_text", "make"), BUILDERS, ids=IDS)
def test_extra_columns_such_as_quotes_never_reach_the_chart(name, build, alt_text, make):
    quote = "I will quit if they replace me with a bot, call me on 555-0199"
    spec = spec_of(build(make().assign(quote=quote, text=quote)))
    assert quote not in json.dumps(spec)


@pytest.mark.parametrize("module", sorted(p.name for p in CHART_MODULES.glob("*.py")))
def test_chart_modules_never_import_streamlit(module: str):
    tree = ast.parse((CHART_MODULES / module).read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module)])
    }
    assert "streamlit" not in imported
    if module != "__init__.py":
        assert {"altair", "pandas"} <= imported


# --------------------------------------------------------------------------- heatmap


def cells(spec: dict) -> dict[tuple[str, str], dict]:
    return {(r["group"], r["construct"]): r for r in rows(spec) if "cell_text" in r}


def test_heatmap_encodings_title_and_selection():
    spec = spec_of(grid.heatmap(group_table(), directions=DIRECTIONS))
    assert title_text(spec) == "Scores by team"
    assert fields_of(spec, "x") == {"construct_label"}
    assert fields_of(spec, "y") == {"group"}
    assert fields_of(spec, "color") == {"gap"}
    assert fields_of(spec, "text") == {"cell_text"}
    # the p value left the tooltip for plain words (issue 23: jargon)
    assert {"Group", "Construct", "Score (0–100)", "n (people)", grid.HEATMAP_CLEAR} <= (
        tooltip_titles(spec)
    )
    assert "p (Holm-adjusted)" not in tooltip_titles(spec)
    params = [p for node in walk(spec) for p in node.get("params", []) if isinstance(p, dict)]
    pick = [p for p in params if p.get("name") == grid.SELECTION_NAME]
    assert pick and pick[0]["select"]["fields"] == ["group"]
    colour = next(e["color"] for e in encodings(spec) if e.get("color", {}).get("field") == "gap")
    # symmetric domain around zero, orange for the worse end
    assert colour["scale"]["domain"] == [-20.0, 0, 20.0]
    assert (
        colour["scale"]["range"][0] == formats.WORSE
        and colour["scale"]["range"][-1] == formats.BETTER
    )


def test_heatmap_colour_flips_for_higher_worse_constructs():
    by_cell = cells(spec_of(grid.heatmap(group_table(), directions=DIRECTIONS)))
    # trust is higher_better: 12 points below the rest is a gap of -12 (worse)
    assert by_cell[("Support", "trust")]["gap"] == -12.0
    # fear is higher_worse: 18 points above the rest is also worse, so the gap is -18
    assert by_cell[("Support", "fear")]["gap"] == -18.0
    assert by_cell[("Sales", "fear")]["gap"] == 6.0
    # raw difference kept for the tooltip
    assert by_cell[("Support", "fear")]["difference"] == 18.0
    # without directions every construct is read as higher_better
    plain = cells(spec_of(grid.heatmap(group_table())))
    assert plain[("Support", "fear")]["gap"] == 18.0


def test_heatmap_reads_a_direction_column_too():
    table = group_table().assign(
        direction=lambda d: np.where(d["construct"] == "fear", "higher_worse", "higher_better")
    )
    assert cells(spec_of(grid.heatmap(table)))[("Support", "fear")]["gap"] == -18.0


def test_heatmap_marks_significance_and_writes_scores():
    by_cell = cells(spec_of(grid.heatmap(group_table(), directions=DIRECTIONS)))
    assert by_cell[("Support", "trust")]["cell_text"] == "40*"
    assert by_cell[("Support", "trust")]["significant"] is True
    assert by_cell[("Sales", "trust")]["cell_text"] == "60"
    assert by_cell[("Sales", "trust")]["significant"] is False


def test_heatmap_hidden_cells_carry_no_numbers_even_if_the_input_leaks_them():
    leaky = group_table()
    leaky.loc[leaky["group"] == "Legal", ["n", "score", "diff_vs_rest", "p_adj"]] = [3, 90, 40, 0]
    spec = spec_of(grid.heatmap(leaky, directions=DIRECTIONS))
    legal = [r for r in rows(spec) if r.get("group") == "Legal"]
    assert len(legal) == 2
    for r in legal:
        assert r["cell_text"] == "hidden"
        assert r["hidden"] is True and r["significant"] is False
        assert all(r[k] is None for k in ("n", "score", "difference", "gap", "p_adj"))
        assert r["status"] == "hidden: fewer than 5 responses"
    assert "90" not in json.dumps(legal)
    hidden_layers = [
        layer for layer in spec["layer"] if {"filter": "datum.hidden"} in layer.get("transform", [])
    ]
    assert len(hidden_layers) == 2  # grey rect and its "hidden" text
    for layer in hidden_layers:
        assert [t["title"] for t in layer["encoding"]["tooltip"]] == [
            "Group",
            "Construct",
            "Status",
        ]


def test_heatmap_without_label_column_uses_construct_ids():
    spec = spec_of(grid.heatmap(group_table().drop(columns="label")))
    assert {r["construct_label"] for r in rows(spec) if "cell_text" in r} == {"trust", "fear"}


def test_heatmap_alt_text_has_the_key_numbers():
    text = grid.heatmap_alt_text(group_table(), directions=DIRECTIONS)
    assert text.startswith("Heatmap of 3 groups × 2 constructs.")
    assert "Largest unfavourable gap: Support, Fear of displacement, score 70, +18 points" in text
    assert "(clear difference from the rest: yes)" in text
    assert "p=" not in text
    assert "2 cells significantly worse and 0 significantly better" in text
    assert "1 group hidden (fewer than 5 responses)." in text


def test_heatmap_and_alt_text_is_the_pair_from_one_frame():
    for table in (group_table(), group_table().iloc[0:0]):
        chart, text = grid.heatmap_and_alt_text(table, directions=DIRECTIONS, title="T")
        assert text == grid.heatmap_alt_text(table, directions=DIRECTIONS)
        assert spec_of(chart) == spec_of(grid.heatmap(table, directions=DIRECTIONS, title="T"))
    assert spec_of(chart)["title"]  # the empty table's message chart


def test_heatmap_all_hidden_still_draws_grey_cells():
    table = group_table()
    table = table[table["group"] == "Legal"]
    chart = grid.heatmap(table)
    spec = spec_of(chart)
    assert {r["cell_text"] for r in rows(spec) if "cell_text" in r} == {"hidden"}
    assert grid.heatmap_alt_text(table) == (
        "Heatmap of 1 group × 2 constructs. Every cell is hidden (fewer than 5 responses)."
    )
    svg_of(spec)


# --------------------------------------------------------------------------- Likert


def segment(spec: dict, item: str, answer: str) -> dict:
    return next(r for r in rows(spec) if r.get("item") == item and r.get("answer") == answer)


def test_likert_centres_neutral_and_stacks_by_hand_computed_shares():
    spec = spec_of(likert_c.likert_bars(item_counts()))
    # Q1 answered = 20: 10%, 15%, 25%, 30%, 20%; neutral 25% split across zero
    assert segment(spec, "Q1", "Strongly disagree")["x"] == pytest.approx(-37.5)
    assert segment(spec, "Q1", "Strongly disagree")["x2"] == pytest.approx(-27.5)
    assert segment(spec, "Q1", "Neutral")["x"] == pytest.approx(-12.5)
    assert segment(spec, "Q1", "Neutral")["x2"] == pytest.approx(12.5)
    assert segment(spec, "Q1", "Strongly agree")["x2"] == pytest.approx(62.5)
    assert segment(spec, "Q1", "Agree")["favourable"] == pytest.approx(50.0)
    assert segment(spec, "Q1", "Agree")["n"] == 20
    assert "N/A" not in {r.get("answer") for r in rows(spec)}


def test_likert_shows_na_apart_and_sorts_by_favourable():
    chart = likert_c.likert_bars(item_counts())
    assert isinstance(chart, alt.HConcatChart)
    spec = spec_of(chart)
    na = {r["item"]: r for r in rows(spec) if "na_pct" in r}
    assert na["Q1"]["na_pct"] == pytest.approx(200 / 22)
    assert na["Q2"]["na_pct"] == 0
    sorts = [enc["y"]["sort"] for enc in encodings(spec) if "sort" in enc.get("y", {})]
    # Q2 is 80% favourable, Q1 50%: Q2 on top, in both panels
    assert sorts == [["My manager explains the changes", "I trust the AI tools we use"]] * 2
    colour = next(e["color"] for e in encodings(spec) if e.get("color", {}).get("field"))
    scale = dict(zip(colour["scale"]["domain"], colour["scale"]["range"], strict=True))
    assert list(scale) == AGREE5
    assert scale["Strongly disagree"] == formats.WORSE and scale["Strongly agree"] == formats.BETTER
    assert scale["Neutral"] == formats.NEUTRAL_ANSWER


def test_likert_without_na_is_a_single_panel():
    table = item_counts()
    assert isinstance(likert_c.likert_bars(table[~table["is_missing"]]), alt.LayerChart)


def test_likert_even_scale_splits_at_zero_and_reverse_items_count_the_low_end():
    four = pd.DataFrame(
        {"item": "Q9", "question": "AI will take my job", "label": ["No", "no", "yes", "Yes"],
         "order": [0, 1, 2, 3], "count": [1, 1, 3, 5], "is_missing": False}
    )  # fmt: skip
    spec = spec_of(likert_c.likert_bars(four))
    assert segment(spec, "Q9", "No")["x"] == pytest.approx(-20.0)
    assert segment(spec, "Q9", "yes")["x"] == pytest.approx(0.0)
    assert segment(spec, "Q9", "Yes")["favourable"] == pytest.approx(80.0)
    reverse = spec_of(likert_c.likert_bars(four.assign(reverse=True)))
    assert segment(reverse, "Q9", "Yes")["favourable"] == pytest.approx(20.0)
    assert segment(reverse, "Q9", "No")["x"] == pytest.approx(-20.0)


def test_likert_alt_text():
    text = likert_c.likert_bars_alt_text(item_counts())
    assert "2 items" in text
    assert "Most favourable: My manager explains the changes (80% favourable, n=20)" in text
    assert "Least favourable: I trust the AI tools we use (50% favourable, n=20)" in text
    assert "N/A up to 9% (I trust the AI tools we use)" in text


# --------------------------------------------------------------------------- quadrant


def test_quadrant_bubbles_rules_corners_and_hidden_groups():
    spec = spec_of(quadrant_c.quadrant(segments()))
    assert fields_of(spec, "size") == {"n"}
    assert fields_of(spec, "x") == {"trust"}
    points = [r for r in rows(spec) if "quadrant" in r]
    assert {r["group"] for r in points} == {"Ops", "Sales", "Support", "Legal"}
    assert "HR" not in json.dumps(spec)
    # medians of the visible groups: trust (30, 40, 60, 70) -> 50, fear (20, 30, 70, 80) -> 50
    rules = [r for r in rows(spec) if set(r) == {"trust", "fear"}]
    assert rules == [{"trust": 50.0, "fear": 50.0}]
    corners = {r["name"]: (r["trust"], r["fear"]) for r in rows(spec) if "name" in r}
    # axes zoom to the groups on a 10-point grid: trust 30-70 -> 20-80, fear 20-80 -> 10-90
    assert corners["At risk"] == (20.0, 90.0)
    assert corners["Ready"] == (80.0, 10.0)
    x_scale = next(e["x"]["scale"] for e in encodings(spec) if "scale" in e.get("x", {}))
    assert x_scale["domain"] == [20.0, 80.0]
    assert "1 group hidden (fewer than 5 responses)" in spec["title"]["subtitle"]
    colour = next(e["color"] for e in encodings(spec) if e.get("color", {}).get("field"))
    assert dict(zip(colour["scale"]["domain"], colour["scale"]["range"], strict=True))[
        "At risk"
    ] == (formats.WORSE)


def test_quadrant_explicit_cuts_and_alt_text():
    text = quadrant_c.quadrant_alt_text(segments(), x_cut=65, y_cut=60)
    assert "cut-offs trust 65, fear 60" in text
    # Ops (30, 80) and Support (60, 70) are below 65 trust and above 60 fear; larger n first
    assert "2 groups in 'At risk' (low trust, high fear): Ops (n=12), Support (n=8)." in text
    assert text.endswith("1 group hidden (fewer than 5 responses).")


def test_quadrant_all_hidden():
    table = segments().assign(suppressed=True)
    assert rows(spec_of(quadrant_c.quadrant(table)))[0]["message"].startswith(
        "Every group is hidden"
    )


# --------------------------------------------------------------------------- drivers, themes


def test_drivers_bar_sorted_with_error_bars():
    spec = spec_of(drivers_c.drivers_bar(drivers()))
    marks = [n["mark"] for n in walk(spec) if "mark" in n]
    assert any(m.get("type") == "errorbar" for m in marks if isinstance(m, dict))
    assert {"ci_low", "share"} <= fields_of(spec, "x")
    assert fields_of(spec, "x2") == {"ci_high"}
    sort = next(e["y"]["sort"] for e in encodings(spec) if "sort" in e.get("y", {}))
    assert sort == ["Training", "Communication", "Manager support"]
    assert drivers_c.drivers_bar_alt_text(drivers()) == (
        "Key drivers of Change readiness (n=240): Training explains 50% of the explained "
        "variance, 95% CI 40%–60%; then Communication 30%, Manager support 20%."
    )


def test_drivers_bar_facets_several_outcomes():
    two = pd.concat([drivers(), drivers().assign(outcome="Trust in AI")])
    chart = drivers_c.drivers_bar(two)
    assert isinstance(chart, alt.FacetChart)
    svg_of(spec_of(chart))
    assert drivers_c.drivers_bar_alt_text(two).count("Key drivers of") == 2


def test_themes_bar_sorted_by_size_coloured_by_sentiment():
    spec = spec_of(themes_c.themes_bar(themes()))
    sort = next(e["y"]["sort"] for e in encodings(spec) if "sort" in e.get("y", {}))
    assert sort == ["job security", "training time", "tool quality"]
    colour = next(e["color"] for e in encodings(spec) if e.get("color", {}).get("field"))
    assert colour["field"] == "mean_sentiment"
    assert colour["scale"]["domain"] == [-1, 0, 1]
    assert colour["scale"]["range"][0] == formats.WORSE
    assert themes_c.themes_bar_alt_text(themes()) == (
        "3 comment themes covering 80 comments. Largest: 'job security' (40 comments, 50%), "
        "mean sentiment -0.40."
    )


def test_theme_share_by_group_hides_small_groups():
    spec = spec_of(themes_c.theme_share_by_group(theme_groups()))
    legal = [r for r in rows(spec) if r.get("group") == "Legal"]
    assert len(legal) == 2
    assert all(r["share"] is None and r["n"] is None and r["cell_text"] == "hidden" for r in legal)
    support = {r["theme_label"]: r["cell_text"] for r in rows(spec) if r.get("group") == "Support"}
    assert support == {"job security": "60%", "training time": "40%"}
    assert themes_c.theme_share_by_group_alt_text(theme_groups()) == (
        "Share of comments per theme for 2 groups × 2 themes. Highest: Support, 'job security', "
        "60% of its 20 comments. 1 group hidden (fewer than 10 comments)."
    )


# --------------------------------------------------------------------------- waves


def test_trend_hides_points_and_reports_the_largest_change():
    spec = spec_of(trend_c.trend(waves()))
    assert title_text(spec) == "Scores over waves: Trust in AI"
    hidden = [r for r in rows(spec) if r.get("hidden")]
    assert len(hidden) == 1 and hidden[0]["score"] is None and hidden[0]["n"] is None
    sort = next(e["x"]["sort"] for e in encodings(spec) if "sort" in e.get("x", {}))
    assert sort == ["2024 Q1", "2024 Q3", "2025 Q1"]
    assert trend_c.trend_alt_text(waves()) == (
        "Scores over 3 waves for 2 groups × 1 construct. Largest change: Support, Trust in AI, "
        "60 → 41 (-19 points) between 2024 Q1 and 2025 Q1. 1 point hidden."
    )


def test_trend_facets_constructs():
    two = pd.concat([waves(), waves().assign(construct="fear", label="Fear of displacement")])
    assert isinstance(trend_c.trend(two), alt.FacetChart)
    svg_of(spec_of(trend_c.trend(two)))


def test_change_heatmap_orients_colour_and_signs_text():
    spec = spec_of(grid.change_heatmap(changes(), directions=DIRECTIONS))
    by_cell = cells(spec)
    assert by_cell[("Support", "fear")]["gap"] == -12.0  # more fear: worse
    assert by_cell[("Support", "fear")]["cell_text"] == "+12*"
    assert by_cell[("Support", "trust")]["cell_text"] == "-10*"
    assert by_cell[("Sales", "fear")]["cell_text"] == "hidden"
    assert by_cell[("Sales", "fear")]["difference"] is None
    assert not any(node.get("name") == grid.SELECTION_NAME for node in walk(spec))
    assert grid.change_heatmap_alt_text(changes(), directions=DIRECTIONS) == (
        "Change heatmap of 2 groups × 2 constructs. Largest unfavourable gap: Support, fear, "
        "+12 points since last wave (clear change: yes). 2 cells significantly worse and 0 "
        "significantly "
        "better (Holm-adjusted p<0.05). 1 cell hidden."
    )


# --------------------------------------------------------------------------- sentiment


def test_sentiment_by_group_diverges_around_neutral():
    spec = spec_of(sentiment_c.sentiment_by_group(sentiment()))
    seg = {(r["group"], r["sentiment"]): r for r in rows(spec) if "sentiment" in r}
    assert seg[("Support", "negative")]["x"] == pytest.approx(-65.0)
    assert seg[("Support", "neutral")]["x"] == pytest.approx(-15.0)
    assert seg[("Support", "neutral")]["x2"] == pytest.approx(15.0)
    assert seg[("Support", "positive")]["x2"] == pytest.approx(35.0)
    assert "Legal" not in json.dumps(rows(spec))
    sort = next(e["y"]["sort"] for e in encodings(spec) if "sort" in e.get("y", {}))
    assert sort == ["Support", "Sales"]
    assert sentiment_c.sentiment_by_group_alt_text(sentiment()) == (
        "Comment sentiment for 2 groups. Most negative: Support, 50% negative of 40 comments. "
        "Least negative: Sales, 20%. 1 group hidden (fewer than 10 comments)."
    )


def test_sentiment_all_hidden():
    table = sentiment().assign(suppressed=True)
    message = rows(spec_of(sentiment_c.sentiment_by_group(table)))[0]["message"]
    assert message == "3 groups hidden (fewer than 10 comments)."


# --------------------------------------------------------------------------- property


@st.composite
def random_group_tables(draw):
    groups = draw(st.lists(st.text("ABCDEFGH", min_size=1, max_size=3), min_size=1, max_size=5,
                           unique=True))  # fmt: skip
    constructs = ["trust", "fear", "readiness"]
    records = []
    for g in groups:
        for c in constructs:
            hidden = draw(st.booleans())
            diff = draw(st.floats(-50, 50, allow_nan=False))
            records.append(
                {"group": g, "construct": c, "n": draw(st.integers(0, 500)),
                 "score": draw(st.floats(0, 100)), "diff_vs_rest": diff,
                 "p_adj": draw(st.floats(0, 1)), "suppressed": hidden,
                 "suppressed_reason": "fewer than 5 responses" if hidden else ""}
            )  # fmt: skip
    return pd.DataFrame(records)


@settings(max_examples=20)  # each build validates an Altair spec (~0.2 s)
@given(random_group_tables())
def test_property_hidden_cells_never_carry_numbers_and_worse_is_negative(table):
    spec = spec_of(grid.heatmap(table, directions=DIRECTIONS))
    out = cells(spec)
    assert len(out) == len(table)
    for rec in table.itertuples(index=False):
        cell = out[(rec.group, rec.construct)]
        if rec.suppressed:
            assert cell["cell_text"] == "hidden"
            assert all(cell[k] is None for k in ("n", "score", "difference", "gap", "p_adj"))
        else:
            sign = -1 if rec.construct == "fear" else 1
            assert math.isclose(cell["gap"], sign * rec.diff_vs_rest)
            assert cell["cell_text"].rstrip("*") == f"{rec.score:.0f}"
    colour = next(e["color"] for e in encodings(spec) if e.get("color", {}).get("field") == "gap")
    low, _, high = colour["scale"]["domain"]
    assert low == -high and all(abs(c["gap"]) <= high for c in out.values() if c["gap"] is not None)


def test_heatmap_subtitle_lines_fit_the_grid_width() -> None:
    """Issue 23: the hot-spot screen's sentence ran past the heatmap at 1,400 px. Every
    subtitle line is now at most about the grid's width (~6 px a character), and no word is
    lost in the wrapping."""
    from render.charts.grid import column_step, subtitle_lines

    long = ["word " * 80]
    for n in (1, 2, 6, 11, 40):
        lines = subtitle_lines(long, n)
        width = 220 + n * column_step(n)
        assert all(len(line) <= max(60, min(120, width / 6)) for line in lines)
        assert " ".join(lines).split() == long[0].split()
