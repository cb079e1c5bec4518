"""Shared test fixtures: project paths and the real export files in ../shared/fixtures/real."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "fixtures" / "real"
E2E = ROOT / "tests" / "e2e"

# The suite explores a fixed set of examples (derandomize) so a run is reproducible and CI never
# fails on a case no one can replay; `HYPOTHESIS_PROFILE=explore` (and `make fuzz`) search anew.
settings.register_profile(
    "default",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    max_examples=60,
    derandomize=True,
)
settings.register_profile(
    "explore", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=200
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist (`make test`), the browser journeys form one group on one worker: each
    worker would otherwise start its own Streamlit server and Chromium, and the load test's
    latency limits assume one server at a time."""
    if not config.pluginmanager.hasplugin("xdist"):
        return
    for item in items:
        if E2E in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture(scope="session")
def real_dir() -> Path:
    """The folder of real public exports; absent only on a broken checkout, so fail loudly."""
    assert REAL.is_dir(), f"real fixtures not found at {REAL}"
    return REAL


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT
