"""The pipeline gives the pinned results, on any processor.

Golden files: tests/data/pipeline_golden (see tests/pipeline_golden.py for how they were made).
What carries meaning is compared exactly: counts, which cells are hidden, which flags, every
text (themes, labels, quotes, reasons). Floating-point numbers are compared to 1e-9 relative:
LAPACK and BLAS (driver weights, bootstrap intervals) may round differently on another
processor, never by more. The themes are exact by construction (analysis.exact), so their
labels, sizes and quotes must match exactly. For the sample export and a seeded 5k generated
survey, grouped by team, role, team × role, filtered, and ungrouped.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest

from analysis import pipeline
from tests import pipeline_golden as golden
from tests.test_privacy_ledger import null_space

VIEWS = ("team", "role", "team_role", "team_filtered", "none")
RTOL, ATOL = 1e-9, 1e-12  # floating point only; ints, text and missing values are exact


@pytest.fixture(scope="module")
def surveys() -> dict[str, pipeline.Prepared]:
    """The prepared surveys, each prepared once for the module (the 5k survey takes ~20 s)."""
    return {}


def _prepared(surveys: dict[str, pipeline.Prepared], name: str) -> pipeline.Prepared:
    if name not in surveys:
        surveys[name] = golden.prepared(name)
    return surveys[name]


@pytest.fixture(scope="module", params=["sample", "gen5k"])
def pair(request, surveys) -> tuple[dict[str, Any], dict[str, Any]]:
    return golden.read(request.param), golden.views(_prepared(surveys, request.param))


def _same(a: Any, b: Any, where: str) -> None:
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(
            a.reset_index(drop=True),
            b.reset_index(drop=True),
            check_exact=False,
            rtol=RTOL,
            atol=ATOL,
            obj=where,
        )
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            _same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert (math.isnan(a) and math.isnan(b)) or math.isclose(
            a, b, rel_tol=RTOL, abs_tol=ATOL
        ), where
    else:
        assert a == b, where


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("table", [*golden.TABLES, "flags", "comment_summary", "to_dict", "n"])
def test_results_equal_the_pinned_outputs(pair, view, table):
    before, now = pair
    _same(before[view][table], now[view][table], f"{view}.{table}")


def test_a_crossing_hides_one_set_of_cells_in_every_view(surveys) -> None:
    """An eighth review, on this 5k survey: the Team × Role view hid complementary cells in
    its own column order and after its score table, views filtered to one team (by role) by
    the survey-wide rule, so the two hid different cells. The Role view's Team Lead comments
    minus the Team Lead cells shown across them gave Executive Office × Team Lead's comment
    and negative counts (3 and 1; one person). Here every view an analyst can open on the two
    columns (each alone, crossed either way, and filtered to one value of one, grouped by the
    other) is read as a linear system of the cells' comment counts: no view shows a cell the
    crossing hides, and no hidden cell's count is determined (a zero row of the null space;
    Hundepool et al. 2012, ch. 4). The old code shows three such cells and pins one."""
    import numpy as np

    from analysis.pipeline import comment_cells
    from analysis.privacy import PrivacyError, PrivacyPolicy

    prep = _prepared(surveys, "gen5k")
    policy = PrivacyPolicy()
    has = prep.comments[prep.comments["analysed"].astype(bool)]
    cells = has.groupby([has["Team"].astype(str), has["Role"].astype(str)]).size()
    keys = cells.index.to_frame(index=False)
    allowed = comment_cells.allowed_cells(prep, ["Team", "Role"], policy)
    hidden = ~allowed.reindex(cells.index).fillna(False).to_numpy(dtype=bool)
    assert hidden.sum() >= 10
    rows, shown = [], np.zeros(len(keys), dtype=bool)

    def read(by: list[str], filters: dict[str, list[str]] | None = None) -> None:
        try:
            res = pipeline.analyze(prep, by=by, filters=filters)
        except PrivacyError:
            return
        sel = np.ones(len(keys), dtype=bool)
        for col, values in (filters or {}).items():
            sel &= keys[col].isin(values).to_numpy()
        if res.comment_summary["analysed"]:
            rows.append(sel)
        label = keys[by].agg(" × ".join, axis=1).to_numpy()
        groups = res.comment_groups
        for group in groups.loc[groups["visible"].astype(bool), "group"]:
            hit = sel & (label == group)
            rows.append(hit)
            if hit.sum() == 1:
                shown[hit] = True

    for by in (["Team"], ["Role"], ["Team", "Role"], ["Role", "Team"]):
        read(by)
    for col, other in (("Team", "Role"), ("Role", "Team")):
        for value in sorted(keys[col].unique()):
            read([other], {col: [value]})
    assert not (shown & hidden).any(), list(cells.index[shown & hidden])
    free = null_space(np.array(rows, dtype=float))
    pinned = np.linalg.norm(free, axis=1) < 1e-9
    assert not (pinned & hidden).any(), list(cells.index[pinned & hidden])
    assert shown.sum() > len(keys) // 2  # the views did show most cells


def test_a_three_column_crossing_hides_cells_along_every_line(surveys) -> None:
    """A ninth review, on this survey: the team × role × location rule checked the team ×
    role parent and single columns only. The view filtered to London by team × role showed
    every IT Service Desk × role cell, whose sum was the hidden IT Service Desk × London
    cell's 184 comments; and the line (Customer Support, ·, Berlin) held one hidden cell, which
    the team × location view minus the views filtered to Customer Support and to Berlin gave
    away (5 comments, 2 negative, 1 training request; two people). Now every allowed cell
    has all three parents allowed, and every line of the crossing hides no cell with
    comments, or two or more holding ``min_comments`` together (or shows none)."""
    import numpy as np

    from analysis.pipeline import comment_cells
    from analysis.privacy import PrivacyPolicy

    prep = _prepared(surveys, "gen5k")
    policy = PrivacyPolicy()
    cols = ["Team", "Role", "Location"]
    three = comment_cells.allowed_cells(prep, cols, policy)
    cells = three.index.to_frame(index=False)
    ok = three.to_numpy(dtype=bool)
    assert 0 < ok.sum() < len(ok)
    has = prep.comments[prep.comments["analysed"].astype(bool)]
    count = has[cols].astype(str).value_counts().reindex(three.index).to_numpy()
    for pair in (cols[:2], cols[::2], cols[1:]):
        parent = comment_cells.allowed_cells(prep, pair, policy)
        at = pd.MultiIndex.from_frame(cells[pair])
        assert parent.reindex(at[ok]).fillna(False).all(), pair
        line = at.to_flat_index()
        for value in line.unique():
            on = np.asarray(line == value)
            hidden = count[on & ~ok]
            safe = not len(hidden) or (len(hidden) >= 2 and hidden.sum() >= policy.min_comments)
            assert safe or not (on & ok).any(), (pair, value)
    view = pipeline.analyze(prep, by=["Team", "Role"], filters={"Location": ["London"]})
    groups = view.comment_groups
    it = groups[groups["group"].str.startswith("IT Service Desk ×")]
    assert len(it) and not it["visible"].any()
