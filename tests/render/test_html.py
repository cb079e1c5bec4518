"""render.html: self-contained team and overview reports (structure; offline in a real browser)."""

from __future__ import annotations

import base64
import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from render import html as render_html
from render import teams as T
from tests.render.exports import (
    PAYLOAD_TEAMS,
    PAYLOADS,
    check_html,
    visible_teams,
    with_comment_texts,
)


def test_html_report_structure(by_team):
    team = "Customer Support"
    page = render_html.team_html(by_team, team)
    check_html(page)
    assert page.count('src="data:image/svg+xml;base64,') == 2  # heatmap + themes
    assert "@page" in page and "break-before: page" in page
    assert by_team.survey_name in page and "fewer than 5 responses" in page
    for flag in T.team_flags(by_team, team):
        assert flag.actions[0]["title"] in page
    row = T.team_rows(by_team, team).iloc[0]
    assert f"<strong>{row['score']:.0f}</strong>" in page
    payload = render_html.team_html(by_team, PAYLOAD_TEAMS["Marketing"])
    check_html(payload)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in payload


def test_overview_html(by_team):
    page = render_html.overview_html(by_team)
    check_html(page)
    images = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', page)
    assert len(images) >= 3
    svgs = [base64.b64decode(i).decode("utf-8") for i in images]
    assert all(s.lstrip().startswith("<svg") and "<script" not in s.lower() for s in svgs)
    # the group named '<script>alert(1)</script> & Co' is drawn as escaped SVG text
    assert any("&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in s for s in svgs)


# --------------------------------------------------------------------------- browser


CHROMIUM = Path(os.environ.get("CHANGERADAR_CHROMIUM", "/usr/bin/chromium"))


@pytest.mark.browser
def test_html_opens_offline_without_requests(by_team, tmp_path):
    if not CHROMIUM.exists():
        if os.environ.get("CHANGERADAR_REQUIRE_BROWSER", "").strip() not in ("", "0", "false"):
            pytest.fail(f"chromium not found at {CHROMIUM}")
        pytest.skip(f"chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    results = with_comment_texts(by_team, PAYLOADS)
    team = "Customer Support"
    path = tmp_path / "team.html"
    path.write_text(render_html.team_html(results, team), encoding="utf-8")
    requests: list[str] = []
    dialogs: list[str] = []

    def route(r):
        url = r.request.url
        if url.startswith(("file:", "data:")):
            r.continue_()
        else:
            requests.append(url)
            r.abort()

    def visit() -> None:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=str(CHROMIUM),
                args=["--headless", "--no-sandbox", "--disable-gpu"],
            )
            try:
                context = browser.new_context(offline=True)
                page = context.new_page()
                page.route("**/*", route)
                page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
                page.goto(path.as_uri())
                page.wait_for_load_state("load")
                assert page.title().startswith(team)
                images = page.eval_on_selector_all(
                    "img", "els => els.map(e => [e.complete, e.naturalWidth])"
                )
                assert images and all(done and width > 0 for done, width in images)
                assert page.locator("blockquote").count() > 0
                pdf = page.pdf(format="A4")
                assert pdf.startswith(b"%PDF")
            finally:
                browser.close()

    # Playwright's sync API refuses to start inside a thread that already runs one (the
    # browser journeys' session-wide browser), so this visit gets a thread of its own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(visit).result()
    assert requests == []
    assert dialogs == []


def test_team_page_and_overview_show_item_level_impact(by_team):
    # issue 19: the team page names its questions clearly below the rest, with the interval;
    # the overview names each measure's leading question for the outcome
    gaps = by_team.item_gaps
    flagged = gaps[gaps["state"] == "flag"]
    team = flagged["group"].value_counts().index[0]
    page = render_html.team_html(by_team, team)
    section = page.split("<h3>Questions clearly below the rest</h3>", 1)[1].split("</table>")[0]
    for _, row in flagged[flagged["group"] == team].iterrows():
        assert T.question_text(row) in section.replace("&#x27;", "'")
        assert f"({T.gap_interval(row)})" in section
    calm = [t for t in visible_teams(by_team) if t not in set(flagged["group"])]
    assert "No question is clearly below the rest" in render_html.team_html(by_team, calm[0])
    overview = render_html.overview_html(by_team)
    lead = T.top_item_drivers(by_team)
    assert len(lead) == lead["construct"].nunique() >= 2
    assert list(lead["r2"]) == sorted(lead["r2"], reverse=True)
    drivers = overview.split("<h2>Which questions go with", 1)[1].split("</section>")[0]
    for _, row in lead.iterrows():
        assert f"{100 * row['share']:.0f}%" in drivers
        best = by_team.item_drivers[by_team.item_drivers["construct"] == row["construct"]]
        assert row["share"] == best["share"].max()
