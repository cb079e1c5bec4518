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

from tests import pipeline_golden as golden

VIEWS = ("team", "role", "team_role", "team_filtered", "none")
RTOL, ATOL = 1e-9, 1e-12  # floating point only; ints, text and missing values are exact


@pytest.fixture(scope="module", params=["sample", "gen5k"])
def pair(request) -> tuple[dict[str, Any], dict[str, Any]]:
    return golden.read(request.param), golden.views(golden.prepared(request.param))


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
