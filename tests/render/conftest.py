"""Fixtures for the render tests: the prepared survey and its Results per grouping."""

from __future__ import annotations

import io

import openpyxl
import pytest

from analysis import pipeline
from render import xlsx
from tests.render.exports import _prepared, _results_by


@pytest.fixture(scope="module")
def prepared() -> pipeline.Prepared:
    return _prepared()


@pytest.fixture(scope="module")
def by_team() -> pipeline.Results:
    return _results_by()["team"]


@pytest.fixture(scope="module")
def results_by() -> dict[str, pipeline.Results]:
    return _results_by()


@pytest.fixture(scope="module")
def workbook(by_team) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(xlsx.team_workbook(by_team)))
