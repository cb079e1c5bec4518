"""The fast pipeline gives exactly the results of the code before the speed work (issue 8).

Golden files: tests/data/pipeline_golden (see tests/pipeline_golden.py for how they were made).
Numbers must match to 1e-12 (relative), text and flags exactly, for the sample export and a
seeded 5k generated survey, grouped by team, role, team × role, filtered, and ungrouped.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest

from tests import pipeline_golden as golden

VIEWS = ("team", "role", "team_role", "team_filtered", "none")


@pytest.fixture(scope="module", params=["sample", "gen5k"])
def pair(request) -> tuple[dict[str, Any], dict[str, Any]]:
    return golden.read(request.param), golden.views(golden.prepared(request.param))


def _same(a: Any, b: Any, where: str) -> None:
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(
            a.reset_index(drop=True),
            b.reset_index(drop=True),
            check_exact=False,
            rtol=1e-12,
            atol=1e-12,
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
            a, b, rel_tol=1e-12, abs_tol=1e-12
        ), where
    else:
        assert a == b, where


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("table", [*golden.TABLES, "flags", "comment_summary", "to_dict", "n"])
def test_results_equal_the_pinned_outputs(pair, view, table):
    before, now = pair
    _same(before[view][table], now[view][table], f"{view}.{table}")
