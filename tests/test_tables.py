"""The declared tables (analysis.tables): every table analyze() and compare_waves() hand out
matches its declaration, and the declarations themselves catch what they claim to catch.

Validation is lazy (pandera ``lazy=True``), so a failure lists every broken column and row.
"""

from __future__ import annotations

import dataclasses
import inspect
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.errors as pe
import pytest

from analysis import hotspots, pipeline, tables, waves
from analysis.thresholds import THRESHOLDS, Thresholds

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"

#: Results field -> (declared table, whether it carries the view's grouping columns).
RESULTS_TABLES = tables.RESULT_TABLES
#: Placeholders analysis.pipeline builds by hand for a view with no grouping (always empty);
#: they are not yet ``Table.empty`` frames, so only their emptiness is checked.
UNGROUPED_PLACEHOLDERS = {
    "groups",
    "items",
    "enps_groups",
    "segments",
    "theme_shares",
    "comment_groups",
}


def _validate(table: tables.Table, df: pd.DataFrame, by: list[str], what: str) -> None:
    try:
        table.schema(by).validate(df, lazy=True)
    except pe.SchemaErrors as exc:  # every failure at once, readable in the test report
        cases = exc.failure_cases[["column", "check", "failure_case", "index"]]
        pytest.fail(f"{what} does not match its declaration:\n{cases.to_string()}")


@pytest.fixture(scope="module")
def prep() -> pipeline.Prepared:
    data = (SAMPLE / "ai_pulse_qualtrics.csv").read_bytes()
    export, colmap = pipeline.load(data, "ai_pulse_qualtrics.csv")
    return pipeline.prepare(export, colmap, source_name="ai_pulse_qualtrics.csv")


def test_every_results_table_is_declared():
    frames = {f.name for f in dataclasses.fields(pipeline.Results) if f.type in ("pd.DataFrame",)}
    assert frames | {"flags_table"} == set(RESULTS_TABLES)


@pytest.mark.parametrize(
    ("by", "nested"),
    [(["team"], False), (["role"], False), (["team", "role"], False), (["team", "role"], True)],
)
def test_analyze_tables_match_their_declarations(prep, by, nested):
    res = pipeline.analyze(prep, by=by, nested=nested)
    assert len(res.groups) and len(res.items) and len(res.flags)  # the checks see rows
    assert nested or len(res.comments)  # a nested view shows no comments
    for name, (table, grouped) in RESULTS_TABLES.items():
        df = getattr(res, name)
        _validate(table, df, list(res.by) if grouped else [], f"Results.{name} by {by}")


def test_ungrouped_view_tables_match_their_declarations(prep):
    res = pipeline.analyze(prep, by=[])
    assert res.by == ()
    for name, (table, _) in RESULTS_TABLES.items():
        df = getattr(res, name)
        if name in UNGROUPED_PLACEHOLDERS:
            assert df.empty, name
            continue
        _validate(table, df, [], f"Results.{name} with no grouping")


@pytest.mark.parametrize("by", [["team"], ["team", "role"]])
def test_wave_tables_match_their_declarations(by):
    first = waves.load_wave(
        (SAMPLE / "ai_pulse_qualtrics.csv").read_bytes(), "a.csv", label="March"
    )
    second = waves.load_wave((SAMPLE / "wave2_qualtrics.csv").read_bytes(), "b.csv", label="June")
    cmp = waves.compare_waves([first, second], by=by)
    assert cmp.changes["suppressed"].any() and (~cmp.changes["suppressed"]).any()
    _validate(tables.TREND, cmp.trend, list(cmp.by), "WaveComparison.trend")
    _validate(tables.CHANGES, cmp.changes, list(cmp.by), "WaveComparison.changes")


def test_item_matches_match_their_declaration():
    a, b = (
        waves.load_wave((SAMPLE / name).read_bytes(), name, label=name).prepared
        for name in ("ai_pulse_qualtrics.csv", "wave2_qualtrics.csv")
    )
    matches = waves.match_items(a.export, a.colmap, b.export, b.colmap)
    assert (matches["matched_by"] != "none").any()
    _validate(tables.MATCHES, matches, [], "match_items")


# ----------------------------------------------------------------------- the declarations


ALL_TABLES = [v for v in vars(tables).values() if isinstance(v, tables.Table)]


def test_grouping_columns_sit_between_head_and_tail():
    cols = tables.CHANGES.columns(["Team", "Role"])
    assert cols[:4] == ["grouping", "group", "Team", "Role"]
    assert cols[4] == "construct" and cols[-1] == "note"
    assert tables.TREND.columns(["Team"])[3:6] == ["grouping", "group", "Team"]
    with pytest.raises(ValueError, match="no grouping columns"):
        tables.ORG.columns(["Team"])


def test_signal_columns_follow_the_signal_list():
    from analysis.signals import SIGNALS

    cols = tables.COMMENT_GROUPS.columns()
    assert cols[-len(SIGNALS) :] == [f"share_{s}" for s in SIGNALS]


@pytest.mark.parametrize("table", ALL_TABLES, ids=lambda t: t.name)
def test_empty_table_matches_its_own_declaration(table):
    by = ["Team"] if table.grouped else []
    empty = table.empty(by)
    assert list(empty.columns) == table.columns(by) and empty.empty
    _validate(table, empty, by, f"{table.name}.empty()")


def test_schema_lists_every_failure_of_a_broken_table():
    good = pd.DataFrame(
        {
            "grouping": ["Team", "Team"],
            "group": ["A", "B"],
            "Team": ["A", "B"],
            "construct": ["trust", "trust"],
            **{c: [0.5, np.nan] for c in tables.GROUPS.hidden_blank},
            "suppressed": [False, True],
            "suppressed_reason": ["", "fewer than 5 responses"],
        }
    )[tables.GROUPS.columns(["Team"])]
    tables.GROUPS.schema(["Team"]).validate(good)  # a well-formed table passes
    bad = good.copy()
    bad.loc[1, "score"] = 61.0  # a number on a hidden row
    bad.loc[0, "p_adj"] = 1.5  # not a probability
    bad = bad.drop(columns="effect_size")  # a column missing
    with pytest.raises(pe.SchemaErrors) as err:
        tables.GROUPS.schema(["Team"]).validate(bad, lazy=True)
    checks = " ".join(err.value.failure_cases["check"].astype(str))
    assert "suppressed rows have no numbers" in checks
    assert "less_than_or_equal_to(1)" in checks
    assert "column_in_dataframe" in checks


def test_text_columns_reject_numbers():
    df = tables.FLAGS.empty()
    df.loc[0] = [1, "Team", 42, "training", 12, 1.0, "", "", "", "", "", "", "", "", "", 50.0]
    df = df.astype({"rank": "int64", "n": "int64", "priority": "float64"})
    with pytest.raises(pe.SchemaErrors, match="text or missing"):
        tables.FLAGS.schema().validate(df, lazy=True)


# ----------------------------------------------------------------------- thresholds


def test_thresholds_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        THRESHOLDS.alpha = 0.1  # type: ignore[misc]
    assert Thresholds() == THRESHOLDS


def _default(func: object, name: str) -> object:
    return inspect.signature(func).parameters[name].default


def test_modules_read_the_one_thresholds_block():
    from render import formats
    from render.charts import grid

    assert _default(hotspots.find_hotspots, "alpha") == THRESHOLDS.alpha
    assert _default(hotspots.find_hotspots, "min_d") == THRESHOLDS.min_effect
    assert _default(hotspots.find_hotspots, "min_diff") == THRESHOLDS.min_points
    assert _default(hotspots.find_hotspots, "min_share_diff") == THRESHOLDS.min_share_diff
    assert _default(waves.compare_waves, "alpha") == THRESHOLDS.alpha
    assert _default(waves.compare_waves, "min_effect") == THRESHOLDS.min_effect
    assert formats.ALPHA is THRESHOLDS.alpha
    for func in (grid.heatmap, grid.heatmap_alt_text, grid.change_heatmap):
        assert _default(func, "alpha") == THRESHOLDS.alpha


def test_no_module_restates_a_threshold_default():
    """No function default of a threshold's name is written as a number literal."""
    import ast

    names = {"alpha", "min_d", "min_diff", "min_effect", "min_share_diff"}
    offenders = []
    for path in [*(ROOT / "analysis").rglob("*.py"), *(ROOT / "render").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef):
                continue
            args = node.args
            pairs = [
                *zip(args.args[len(args.args) - len(args.defaults) :], args.defaults, strict=True),
                *((a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d),
            ]
            for arg, default in pairs:
                if arg.arg in names and isinstance(default, ast.Constant):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.name}({arg.arg})")
    assert offenders == []
