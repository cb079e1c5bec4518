"""Shared test fixtures: project paths and the real export files in ../shared/fixtures/real."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "fixtures" / "real"
E2E_PREFIX = "tests/e2e/"  # node ids are relative to the root
E2E_GROUP = "browser"

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


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook: ignored when xdist is absent
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """`make test` (pytest-xdist, ``--dist loadgroup``): the browser journeys are one unit of
    work on one worker, every other test file its own unit. Each worker would otherwise start
    its own Streamlit server and Chromium (the load test's latency limits assume one server at
    a time), and a file split across workers builds its module fixtures (a prepared survey, a
    benchmark run) once per worker. A scheduler rather than ``xdist_group`` marks: xdist 3.8
    tags grouped tests by rewriting ``item._nodeid``, which pytest 9 no longer reads, so the
    marks group nothing."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class BrowserGroup(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return E2E_GROUP if nodeid.startswith(E2E_PREFIX) else nodeid.split("::", 1)[0]

    return BrowserGroup(config, log)


@pytest.fixture(scope="session")
def real_dir() -> Path:
    """The folder of real public exports; absent only on a broken checkout, so fail loudly."""
    assert REAL.is_dir(), f"real fixtures not found at {REAL}"
    return REAL


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT
