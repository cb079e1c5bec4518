"""Shared test fixtures: project paths and the real export files in ../shared/fixtures/real."""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "fixtures" / "real"
E2E_PREFIX = "tests/e2e/"  # node ids are relative to the root
E2E_GROUP = "browser"
# Browser modules that start a server of their own (``start_app``) rather than sharing the
# session's ``app_server``: each is a browser group of its own, so it runs on another worker
# while the journeys run (distinct free ports; a server and a Chromium take ~1 GB).
OWN_SERVER_MODULES = ("tests/e2e/test_load.py",)

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


def browser_group(nodeid: str) -> str | None:
    """The scheduling group of a browser test (None for any other test)."""
    if not nodeid.startswith(E2E_PREFIX):
        return None
    module = nodeid.split("::", 1)[0]
    return f"{E2E_GROUP}:{module}" if module in OWN_SERVER_MODULES else E2E_GROUP


class _BrowserFirst(OrderedDict):
    """A work queue that hands out the browser groups first: they are the longest units, so
    starting them last (xdist orders scopes by test count) made them the critical path."""

    def __setitem__(self, key: str, value: object) -> None:
        super().__setitem__(key, value)
        if key.startswith(E2E_GROUP):
            self.move_to_end(key, last=False)


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook: ignored when xdist is absent
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """`make test` (pytest-xdist, ``--dist loadgroup``): the browser journeys sharing the
    session's server are one unit of work on one worker, each module with a server of its own
    (``OWN_SERVER_MODULES``) another unit, every other test file its own unit; browser units
    are handed out first. A worker per journey would start its own Streamlit server and
    Chromium, and a file split across workers builds its module fixtures (a prepared survey, a
    benchmark run) once per worker. A scheduler rather than ``xdist_group`` marks: xdist 3.8
    tags grouped tests by rewriting ``item._nodeid``, which pytest 9 no longer reads, so the
    marks group nothing."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class BrowserGroup(LoadScopeScheduling):
        def __init__(self, config: pytest.Config, log: object = None) -> None:
            super().__init__(config, log)
            self.workqueue = _BrowserFirst()

        def _split_scope(self, nodeid: str) -> str:
            return browser_group(nodeid) or nodeid.split("::", 1)[0]

    return BrowserGroup(config, log)


@pytest.fixture(scope="session", autouse=True)
def _each_text_encoded_once_per_worker() -> Iterator[None]:
    """Each distinct text goes through the sentence encoder once per test process (see
    :mod:`tests.encoder_memo` for why that gives the same bits)."""
    from tests import encoder_memo

    undo = encoder_memo.install()
    yield
    undo()


@pytest.fixture(scope="session")
def real_dir() -> Path:
    """The folder of real public exports; absent only on a broken checkout, so fail loudly."""
    assert REAL.is_dir(), f"real fixtures not found at {REAL}"
    return REAL


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT
