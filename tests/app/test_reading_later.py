"""AppTest of a large survey whose comments are still being read after its first view (issue
20): the pages show the scores and say the comments are coming, the Comments page waits for
them, and the Downloads page waits until they are read, so a team file never lacks them.

The reading job is a stand-in with the real job's interface, so "still reading" lasts exactly
as long as the test says (the real helper takes a few seconds; its own tests are in
tests/test_pipeline_background.py). Like the real job, it computes the item drivers before it
publishes the comments.
"""

from __future__ import annotations

import dataclasses
import threading

import pytest

from analysis import hotspots
from analysis.pipeline.background import JobStatus
from analysis.pipeline.score_tables import construct_frame
from tests.app.conftest import Ready, seeded_app


class _Reading:
    """Comments (and the item drivers of ``items_outcome``) being read until ``ready`` is set
    (or a page waits for them)."""

    def __init__(self, table, items_outcome: str, items) -> None:
        self.table = table
        self.items_outcome, self.items = items_outcome, items
        self.ready = threading.Event()
        self.waited = False

    def item_drivers(self):
        return (True, self.items) if self.ready.is_set() else (False, None)

    def status(self) -> JobStatus:
        return JobStatus(stage="reading" if not self.ready.is_set() else "queued", seconds=2.0)

    def read(self):
        return self.table if self.ready.is_set() else None

    def wait_read(self, timeout: float | None = None) -> bool:
        self.waited = True
        self.ready.set()  # the read arrives while the page waits
        return True

    def wait(self, timeout: float | None = None) -> bool:
        return False  # themes never arrive in this test

    def done(self) -> bool:
        return False


@pytest.fixture
def unread(small: Ready) -> tuple[Ready, _Reading]:
    prep = small.prepared
    outcome = hotspots.main_outcome(prep.drivers, construct_frame(prep.scored))
    job = _Reading(prep.comments, outcome, hotspots.item_drivers(prep.scored, outcome))
    first = dataclasses.replace(
        prep, comments=prep.comments.iloc[:0], comments_read=False, background=job
    )
    return Ready(small.dataset, first), job


def _texts(at) -> str:
    kinds = ("info", "warning", "caption", "markdown")
    return "\n".join(str(e.value) for kind in kinds for e in at.get(kind))


def test_pages_show_scores_and_say_the_comments_are_coming(unread) -> None:
    r, job = unread
    at = seeded_app(r, "app_pages/overview.py")
    assert not at.exception
    assert "the comments are still being read" in _texts(at)
    at = seeded_app(r, "app_pages/teams.py")
    assert not at.exception
    assert [e for e in at.main if getattr(e, "type", None) == "vega_lite_chart"]  # the heatmap
    at = seeded_app(r, "app_pages/comments.py")
    assert not at.exception
    assert any("still being read" in i.value for i in at.info)
    assert "comments ·" not in _texts(at)  # no "0 comments" while they are read
    assert not job.waited


def test_the_comments_page_fills_in_once_they_are_read(unread) -> None:
    r, job = unread
    at = seeded_app(r, "app_pages/comments.py")
    assert any("still being read" in i.value for i in at.info)
    job.ready.set()
    at.run()
    assert not at.exception
    assert not any("still being read" in i.value for i in at.info)
    total = len(r.prepared.background.table)
    assert f"{total:,} comments ·" in _texts(at)


def test_downloads_wait_for_the_comments(unread) -> None:
    r, job = unread
    at = seeded_app(r, "app_pages/downloads.py")
    assert not at.exception
    assert job.waited  # the page waited for the read before it made its files
    assert "still being read" not in _texts(at)
    labels = {b.proto.label: b.proto.disabled for b in at.get("download_button")}
    assert labels["Team summary (Excel)"] is False


def test_question_drivers_come_with_the_comments(unread) -> None:
    r, job = unread
    at = seeded_app(r, "app_pages/hotspots.py")
    assert not at.exception
    assert "computed with the comments, which are still being read" in _texts(at)
    assert "Which questions within each measure" not in _texts(at)
    job.ready.set()
    at.run()
    assert not at.exception
    assert "still being read" not in _texts(at)
    assert "Which questions within each measure go with the outcome most" in _texts(at)
