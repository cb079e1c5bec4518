"""Every real export in the repository gets into the app and through every page (issue 23).

Each file (``../shared/fixtures/real`` and ``tests/data/real_exports``: Qualtrics, legacy
Qualtrics, SurveyMonkey, LimeSurvey codes and full text, Google Forms, Stack Overflow 2025, a
generic HR table) is uploaded on the Load page as an analyst would, the background themes are
collected, and every page is opened: no exception and no error anywhere, the file is the one in
use, files with comments get themes, and files with a team column offer the team downloads.
The browser journeys (tests/e2e/test_real_journeys.py) take three of them through the mapping
flow; this walk covers the rest of the exports cheaply.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import APP, TIMEOUT

ROOT = Path(__file__).resolve().parents[2]
SHARED_REAL = ROOT.parent / "shared" / "fixtures" / "real"
PROJECT_REAL = ROOT / "tests" / "data" / "real_exports"
PAGES = ("overview", "teams", "comments", "hotspots", "trends", "pilot", "downloads")
BACKGROUND_S = 240

#: file -> (has a detected team column, comments: "themes", "too few" to theme, "none",
#: "withheld" (too few people to show any), or
#: "pending": pages checked before the background themes arrive),
#: read from the files by hand (tests/data/real_exports/expected_roles.yaml lists every
#: column's role; themes need at least 10 usable comments).
#: exports with no rated question ChangeRadar can score (LimeSurvey's answer codes)
COMMENTS_ONLY = {"limesurvey_results-survey945827_codes.csv"}
EXPORTS = {
    "ibm_hr_employee_attrition.csv": (True, "none"),
    # 5 comments by 4 of the 42 people: fewer commenters than the minimum group size
    "limesurvey_results-survey945827_codes.csv": (True, "withheld"),
    # 1 response each, no team: fewer people than the minimum group size, so no comment shows
    "qualtrics_sample_legacy_qualtRics.csv": (False, "withheld"),
    "qualtrics_sample_qualtRics.csv": (False, "withheld"),
    # 1,041 comments: embedding them takes minutes on a CI machine, so this file's pages are
    # opened while its themes are still computed (the state an analyst sees first).
    "surveymonkey_ggwash_anc2022_export.csv": (True, "pending"),
    "googleforms_autistica_turing_citizen_science.csv": (False, "themes"),
    "limesurvey_results-survey945827_fulltext.csv": (True, "withheld"),
    "stackoverflow_2025_survey_results_first200.csv": (True, "themes"),
}


def _path(name: str) -> Path:
    shared = SHARED_REAL / name
    return shared if shared.exists() else PROJECT_REAL / name


def _texts(at: AppTest, kind: str) -> list[str]:
    return [str(e.value).replace("\\", "") for e in getattr(at, kind)]


def _collect_background(at: AppTest) -> None:
    """Press "Check again" until the themes and signals computed after the first view are in."""
    deadline = time.monotonic() + BACKGROUND_S
    while any(b.label == "Check again" for b in at.button):
        assert time.monotonic() < deadline, f"background work unfinished after {BACKGROUND_S} s"
        time.sleep(0.5)
        next(b for b in at.button if b.label == "Check again").click().run()
        assert not at.exception


def test_the_walk_covers_every_real_export() -> None:
    on_disk = {p.name for p in SHARED_REAL.glob("*.csv")} | {
        p.name for p in PROJECT_REAL.glob("*.csv")
    }
    assert on_disk == set(EXPORTS)


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_real_export_gets_through_every_page(name: str) -> None:
    has_team, comments = EXPORTS[name]
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    at.switch_page("app_pages/load.py").run()
    at.file_uploader[0].set_value((name, _path(name).read_bytes(), "text/csv")).run()
    assert not at.exception
    assert not at.error, _texts(at, "error")
    assert name in _texts(at.sidebar, "text"), "the uploaded file is not the one in use"
    if comments != "pending":
        _collect_background(at)

    for page in PAGES:
        at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert not at.error, (page, _texts(at, "error"))
        if page == "comments" and comments == "themes":
            assert at.tabs and at.tabs[0].label == "Themes"
            themes = at.tabs[0].dataframe
            assert themes and len(themes[0].value) >= 1, "comments but no themes"
        if page == "comments" and comments == "too few":
            assert any("Too few comments to find themes" in t for t in _texts(at, "info"))
        if page == "comments" and comments == "withheld":
            assert any("fewer than the minimum group size" in t for t in _texts(at, "info"))
        if page == "comments" and comments == "pending":
            assert any("still being computed" in t for t in _texts(at, "caption"))
            assert any("themes appear here once" in t for t in _texts(at, "info"))
        if page == "comments" and comments == "none":
            assert any("no comment columns" in t for t in _texts(at, "info"))
        if page == "downloads":
            labels = {b.label for b in at.download_button}
            empty = name in COMMENTS_ONLY and comments == "withheld"  # nothing to summarise
            if empty:
                infos = _texts(at, "info")
                assert any("a team summary would hold nothing" in t for t in infos), infos
            assert ("Team summary (Excel)" in labels) == (has_team and not empty)
            if not has_team:
                assert any("Map a team column" in t for t in _texts(at, "info"))
