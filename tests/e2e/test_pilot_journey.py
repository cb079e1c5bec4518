"""Browser journey for the Pilot page (issue 22): open the app on the built-in sample, use the
sample pilot waves (pilot column ``AIPilot``), read what a leadership team reads (the pilot's
trust gain with its interval, the readiness grouping with a reason per team) and add an action.

Assertions are on visible text: the chart's text alternative and the readiness captions (the
tables' cells are drawn on a canvas; tests/app/test_pilot_page.py reads them). Screenshots of
every step go to ``tests/e2e/artifacts/pilot/`` (gitignored). Run one browser file at a time,
with CHANGERADAR_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page

from tests.e2e.browser import (
    MAIN,
    assert_no_exception,
    click_nav,
    download,
    rerun_after,
    wait_for_app,
    wait_idle,
)

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent / "artifacts" / "pilot"
SLOW_MS = 240_000
STATUSES = (  # the page's headings: analysis.pilot.readiness.STATUSES, capitalised
    "Ready now",
    "Change management first",
    "Training first",
    "Too small or too uncertain to tell",
)
# "Trust in AI tools +10.2 points (95% CI +6.2 to +14.2)" in the chart's text alternative
TRUST = re.compile(
    r"Trust in AI tools ([+-]\d+\.\d) points \(95% CI ([+-]\d+\.\d) to ([+-]\d+\.\d)\)"
)


def _shot(page: Page, step: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{step}.png"), full_page=True)


def _button(page: Page, name: str) -> None:
    button = page.locator(MAIN).get_by_role("button", name=name, exact=True).first
    button.scroll_into_view_if_needed()
    rerun_after(page, button.click, timeout=SLOW_MS)


def _expect(page: Page, text: str | re.Pattern[str]) -> Locator:
    """Wait for ``text`` in the main block: a click may rerun the script more than once."""
    found = page.locator(MAIN).get_by_text(text).first
    found.wait_for(state="visible", timeout=SLOW_MS)
    wait_idle(page, SLOW_MS)
    return found


def _choose(page: Page, label: str, option: str) -> None:
    """Pick ``option`` in the selectbox labelled ``label`` by typing it and clicking the match."""
    box = (
        page.locator('[data-testid="stSelectbox"]')
        .filter(has=page.get_by_text(label, exact=True))
        .first
    )
    box.scroll_into_view_if_needed()
    box.locator("input").first.click()
    page.keyboard.type(option)
    choice = page.get_by_role("option").filter(has_text=re.compile(rf"^\s*{re.escape(option)}\s*$"))
    rerun_after(page, choice.first.click, timeout=SLOW_MS)
    page.keyboard.press("Escape")


def _shown_value(box: Locator) -> str:
    """What a selectbox shows: its text, or the value of its search input."""
    inputs = box.locator("input").all()
    return " ".join([box.inner_text(), *(i.input_value() for i in inputs)])


def _readiness(page: Page) -> dict[str, dict[str, str]]:
    """status -> {team: reason}, read from the readiness columns' headings and captions."""
    grouped: dict[str, dict[str, str]] = {}
    for status in STATUSES:
        heading = re.compile(rf"^{re.escape(status)} \((\d+)\)$")
        column = (
            page.locator(f'{MAIN} [data-testid="stColumn"]')
            .filter(has=page.get_by_text(heading))
            .last
        )
        count = int(heading.match(column.get_by_text(heading).first.inner_text()).group(1))
        teams = {}
        for caption in column.locator('[data-testid="stCaptionContainer"]').all_inner_texts():
            team, _, reason = caption.partition(": ")
            teams[team.strip()] = reason.strip()
        assert len(teams) == count, (status, count, teams)
        grouped[status] = teams
    return grouped


@pytest.mark.timeout(900)  # two waves analysed through several reruns, on a shared machine
def test_pilot_trust_gain_readiness_and_an_action(
    app_server: str, page: Page, browser_log, tmp_path: Path
) -> None:
    # the first visit prepares the built-in sample: slow on a busy machine
    wait_for_app(page, app_server, timeout=SLOW_MS)
    click_nav(page, "Pilot", timeout=SLOW_MS)
    assert_no_exception(page, "the Pilot page")
    _expect(page, "Pick the teams that ran the pilot.")  # the built-in sample has no pilot
    _shot(page, "1_pilot_page")

    _button(page, "Use the sample pilot")
    assert_no_exception(page, "using the sample pilot")
    main = page.locator(MAIN)
    _expect(page, re.compile(r"Before the pilot \([\d,]+ responses\) → After the pilot"))
    # the page found the pilot column itself
    assert "AIPilot" in _shown_value(main.locator('[data-testid="stSelectbox"]').first)

    # the pilot against the rest: the planted +10 points on trust, an interval excluding 0
    alt = _expect(page, TRUST).inner_text()
    estimate, low, high = (float(x) for x in TRUST.search(alt).groups())
    assert 6.0 < estimate < 14.0, alt
    assert 0.0 < low < estimate < high, alt
    assert "Readiness for the AI change" not in alt  # no clear difference where none was planted
    _shot(page, "2_comparison")

    # the readiness grouping: every team in one group, each with its reason
    page.get_by_role("heading", name="Rollout readiness").scroll_into_view_if_needed()
    grouped = _readiness(page)
    teams = {t: r for g in grouped.values() for t, r in g.items()}
    assert len(teams) == sum(len(g) for g in grouped.values())  # no team in two groups
    assert len(teams) >= 10, grouped
    assert all(reason for reason in teams.values()), grouped
    assert "Internal Audit" in grouped["Too small or too uncertain to tell"], grouped
    assert "Sales" in teams
    _shot(page, "3_readiness")

    # an action for Sales' trust, measured against the next wave
    _expect(page, "No actions yet. Add one above, or open a saved plan.")
    _choose(page, "Team", "Sales")
    _choose(page, "Measure it should move", "Trust in AI tools")
    page.get_by_label("Action (a playbook action or your own)").fill("AI champions in every team")
    page.get_by_label("Owner", exact=True).fill("Head of Sales")
    _button(page, "Add action")
    assert_no_exception(page, "adding the action")
    saved = download(page, "Save the action plan (YAML)", tmp_path, timeout=SLOW_MS)
    plan = saved.read_text(encoding="utf-8")
    assert "AI champions in every team" in plan and "Head of Sales" in plan
    assert "Sales" in plan and "trust_in_ai" in plan
    assert "No actions yet" not in main.inner_text()
    _shot(page, "4_action")

    assert_no_exception(page, "the end of the journey")
    assert browser_log.external_requests == []
    assert browser_log.page_errors == []
