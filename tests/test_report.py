"""Downloads: XLSX/CSV/HTML round trips, injection safety, confidentiality, batch packs.

One small generated survey is prepared once per module (300 respondents; three team names are
replaced by injection / HTML / path-traversal payloads), then analysed per grouping. Tests vary
the protected Results (comment text, quotes) rather than re-running the pipeline.
"""

from __future__ import annotations

import base64
import csv
import dataclasses
import functools
import io
import os
import re
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from analysis import pipeline, report
from analysis.privacy import PrivacyPolicy
from sample_data.generate import generate_responses, qualtrics_csv

HYPERLINK = '=HYPERLINK("http://x","y")'
SCRIPT = "<script>alert('x')</script>"
PAYLOAD_TEAMS = {
    "Sales": HYPERLINK,
    "Marketing": "<script>alert(1)</script> & Co",
    "Procurement": "../../etc/passwd",
}
PAYLOADS = [
    HYPERLINK,
    SCRIPT,
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=cmd|' /C calc'!A0",
    "\r=1",
    "  =1+1",
    "\uff1d1+1",
    '<img src="http://evil.example/x.png">',
    '<a href="https://evil.example">click</a>',
    "</textarea><svg onload=alert(1)>",
    '"quoted", with, commas\nand a line break',
]
POLICY = PrivacyPolicy(min_group=5, min_comments=5)
NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")


# --------------------------------------------------------------------------- fixtures


@functools.cache
def _prepared() -> pipeline.Prepared:
    frame = generate_responses(n=300, seed=11)
    frame["team"] = frame["team"].replace(PAYLOAD_TEAMS)
    export, colmap = pipeline.load(qualtrics_csv(frame), "pulse.csv")
    return pipeline.prepare(export, colmap, n_boot=50, source_name="pulse.csv")


@functools.cache
def _results_by() -> dict[str, pipeline.Results]:
    """Results per grouping; a plain cache, not a fixture, so hypothesis never repr()s them."""
    prep = _prepared()
    return {
        "team": pipeline.analyze(prep, by=["team"], policy=POLICY),
        "role": pipeline.analyze(prep, by=["role"], policy=POLICY),
        "team×role": pipeline.analyze(prep, by=["team", "role"], policy=POLICY),
        "team, strict": pipeline.analyze(
            prep, by=["team"], policy=PrivacyPolicy(min_group=20, min_comments=40)
        ),
    }


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
    return openpyxl.load_workbook(io.BytesIO(report.team_workbook(by_team)))


def visible_teams(results) -> list[str]:
    return [t for t in report.team_names(results) if not report._team_hidden(results, t)]


def hidden_teams(results) -> list[str]:
    return [t for t in report.team_names(results) if report._team_hidden(results, t)]


def team_sheet(wb: openpyxl.Workbook, team: str) -> openpyxl.worksheet.worksheet.Worksheet:
    """The sheet whose title cell names the team (sheet names are sanitised)."""
    for ws in wb.worksheets[1:-1]:
        title = str(ws["A1"].value or "")
        if report.neutralise(team) in (title, title.split("  (n =")[0]):
            return ws
    raise AssertionError(f"no sheet for {team!r}")


def rows_after(ws, heading: str) -> list[tuple]:
    """Rows of the table under a section heading, header row first, up to a blank row."""
    values = [tuple(r) for r in ws.iter_rows(values_only=True)]
    start = next(i for i, r in enumerate(values) if r[0] == heading)
    out = []
    for r in values[start + 1 :]:
        if all(v in (None, "") for v in r):
            break
        out.append(r)
    return out


# --------------------------------------------------------------------------- invariants


def starts_dangerous(text: str) -> bool:
    return text.lstrip(" \n\r\t").startswith(report.INJECTION_CHARS) or text.startswith(
        ("\t", "\r")
    )


def check_xlsx(data: bytes, results, teams: list[str] | None = None) -> openpyxl.Workbook:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    for ws in wb.worksheets:
        assert not ws._hyperlinks, ws.title
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                assert cell.hyperlink is None
                if isinstance(cell.value, str):
                    assert not starts_dangerous(cell.value) or cell.value.startswith("'")
        assert not ws.data_validations.dataValidation
    text = "\n".join(
        str(c) for ws in wb.worksheets for r in ws.iter_rows(values_only=True) for c in r if c
    )
    assert str(results.survey_name) in text
    assert f"fewer than {results.policy.min_group} responses" in text
    assert f"at least {results.policy.min_comments} comments" in text
    # hidden groups: no number in their overview row, none on their sheet
    overview = wb.worksheets[0]
    hidden = [t for t in hidden_teams(results) if teams is None or t in teams]
    names = [report.neutralise(t) for t in hidden]
    for row in overview.iter_rows():
        if row[0].value in names:
            assert all(c.data_type != "n" or c.value is None for c in row), row[0].value
    for team in hidden:
        ws = team_sheet(wb, team)
        for row in ws.iter_rows():
            assert all(c.value is None or isinstance(c.value, str) for c in row), ws.title
    return wb


def check_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    for row in rows:
        for field in row:
            if starts_dangerous(field):
                assert NUMBER.fullmatch(field), field  # only a real negative number may
    return rows


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.style = ""
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.style += data


def check_html(page: str) -> None:
    """No script, no active element, no URL other than data:, no remote CSS."""
    assert "<script" not in page.lower()
    parser = _Tags()
    parser.feed(page)
    parser.close()
    names = {t for t, _ in parser.tags}
    assert not names & {"script", "iframe", "object", "embed", "link", "base", "form", "a"}
    for tag, attrs in parser.tags:
        for key, value in attrs.items():
            assert not key.startswith("on"), (tag, key)
            if key in ("src", "href", "action", "srcset", "poster", "xlink:href"):
                assert value.startswith("data:"), (tag, key, value[:80])
        if tag == "meta" and attrs.get("http-equiv", "").lower() == "refresh":
            raise AssertionError("meta refresh")
    assert "url(" not in parser.style and "@import" not in parser.style
    assert "@media print" in parser.style and "@font-face" not in parser.style


# --------------------------------------------------------------------------- unit parts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("  =x", "'  =x"),
        ("\n@x", "'\n@x"),
        ("\uff1dx", "'\uff1dx"),
        ("plain text", "plain text"),
        ("a = b - c", "a = b - c"),
        ("", ""),
        ("'already", "'already"),
    ],
)
def test_neutralise(text, expected):
    assert report.neutralise(text) == expected


@pytest.mark.parametrize(
    ("name", "taken", "expected"),
    [
        ("Sales", [], "Sales"),
        ("R&D [EU]: a/b\\c*?", [], "R&D _EU__ a_b_c__"),
        ("x" * 40, [], "x" * 31),
        ("Sales", ["sales"], "Sales (2)"),
        ("x" * 40, ["x" * 31], "x" * 27 + " (2)"),
        ("'quoted'", [], "quoted"),
        ("", [], "Team"),
        ("History", [], "History (team)"),
    ],
)
def test_sheet_name(name, taken, expected):
    got = report.sheet_name(name, taken)
    assert got == expected
    assert len(got) <= 31 and not re.search(r"[\[\]:*?/\\]", got)


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("../x", "x"),
        ("../../etc/passwd", "etc-passwd"),
        ("..", "team"),
        ("Customer Support", "customer-support"),
        ("Ärger & Co × Nürnberg", "arger-co-nurnberg"),
        ("C:\\Windows\\system32", "c-windows-system32"),
        ("<script>", "script"),
    ],
)
def test_pack_slug(name, slug):
    assert report.pack_slug(name) == slug


# --------------------------------------------------------------------------- XLSX


def test_workbook_is_inert_and_says_how_it_was_made(by_team):
    wb = check_xlsx(report.team_workbook(by_team), by_team)
    assert wb.sheetnames[0] == "Overview" and wb.sheetnames[-1] == "Methods"
    assert len(wb.sheetnames) == len(report.team_names(by_team)) + 2
    assert all(len(n) <= 31 for n in wb.sheetnames)
    for ws in wb.worksheets:
        assert ws.sheet_view.showGridLines is False
        assert ws.freeze_panes is not None


def test_payload_team_names_are_inert(workbook):
    overview = [r[0] for r in workbook.worksheets[0].iter_rows(values_only=True)]
    assert "'" + HYPERLINK in overview
    assert "<script>alert(1)</script> & Co" in overview  # text, harmless in a spreadsheet
    title = team_sheet(workbook, HYPERLINK)["A1"]
    assert title.data_type == "s" and title.value.startswith("'=HYPERLINK")


def test_overview_values_equal_results(by_team, workbook):
    ws = workbook.worksheets[0]
    values = [tuple(r) for r in ws.iter_rows(values_only=True)]
    head = next(i for i, r in enumerate(values) if r[0] == "Group")
    cons = report._constructs(by_team)
    assert [values[head][2 + 2 * j] for j in range(len(cons))] == [c.label for c in cons]
    org_row = values[head + 2]
    assert org_row[0] == "Organisation" and org_row[1] == by_team.n
    org = by_team.org.set_index("construct")
    for j, c in enumerate(cons):
        assert org_row[2 + 2 * j] == pytest.approx(org.loc[c.id, "score"], abs=1e-9)
        assert org_row[3 + 2 * j] == org.loc[c.id, "n"]
    rows = {r[0]: r for r in values[head + 3 :] if r[0]}
    checked = 0
    for team in visible_teams(by_team):
        row = rows[report.neutralise(team)]
        table = report._team_rows(by_team, team).set_index("construct")
        for j, c in enumerate(cons):
            if bool(table.loc[c.id, "suppressed"]):
                assert row[2 + 2 * j] == "hidden"
                continue
            assert row[2 + 2 * j] == pytest.approx(table.loc[c.id, "score"], abs=1e-9)
            assert row[3 + 2 * j] == table.loc[c.id, "n"]
            checked += 1
    assert checked >= 6 * 10
    for team in hidden_teams(by_team):
        row = rows[report.neutralise(team)]
        assert row[1].startswith("Hidden: fewer than 5 responses")
        assert not any(isinstance(v, int | float) for v in row)


def test_overview_colours_follow_direction_and_gap(by_team, workbook):
    """Orange = worse whatever the direction: fear higher than the rest is orange."""
    ws = workbook.worksheets[0]
    cons = report._constructs(by_team)
    head = next(r for r in range(1, 20) if ws.cell(r, 1).value == "Group")
    orange = purple = 0
    for r in range(head + 3, ws.max_row + 1):
        team = ws.cell(r, 1).value
        if team in (None, "How to read the colours"):
            break
        table = by_team.groups[by_team.groups["group"].map(report.neutralise) == team]
        table = table.set_index("construct")
        for j, c in enumerate(cons):
            cell = ws.cell(r, 3 + 2 * j)
            if not isinstance(cell.value, float):
                continue
            diff = table.loc[c.id, "diff_vs_rest"]
            gap = -diff if c.higher_worse else diff
            fill = (cell.fill.fgColor.rgb or "")[-6:].lower()
            if gap <= -10:
                assert fill == "e66101", (team, c.id, diff)
                orange += 1
            elif gap >= 10:
                assert fill == "5e3c99", (team, c.id, diff)
                purple += 1
            elif -5 < gap < 5:
                assert fill in ("", "000000")
            assert cell.font.b == bool(table.loc[c.id, "p_adj"] < 0.05)
    assert orange and purple


def test_team_sheet_values_equal_results(by_team, workbook):
    team = "Customer Support"
    ws = team_sheet(workbook, team)
    table = rows_after(ws, "Scores")
    assert table[0][:3] == ("Construct", "Score (0–100)", "95% CI low")
    expected = report._team_rows(by_team, team)
    labels = dict(zip(by_team.org["construct"], by_team.org["label"], strict=True))
    assert [r[0] for r in table[1:]] == [labels[c] for c in expected["construct"]]
    for got, (_, want) in zip(table[1:], expected.iterrows(), strict=True):
        assert got[1] == pytest.approx(want["score"], abs=1e-9)
        assert got[2] == pytest.approx(want["ci_low"], abs=1e-9)
        assert got[3] == pytest.approx(want["ci_high"], abs=1e-9)
        assert got[4] == pytest.approx(want["favorable"] / 100, abs=1e-12)
        assert got[5] == pytest.approx(want["unfavorable"] / 100, abs=1e-12)
        assert got[6] == pytest.approx(want["rest_score"], abs=1e-9)
        assert got[7] == pytest.approx(want["diff_vs_rest"], abs=1e-9)
        assert got[8] == pytest.approx(want["effect_size"], abs=1e-9)
        assert got[9] == pytest.approx(want["p_adj"], abs=1e-12)
        assert got[10] == want["n"]
    items = rows_after(ws, "Questions")
    want_items = by_team.items[by_team.items["group"] == team]
    assert len(items) - 1 == len(want_items)
    for got, (_, want) in zip(items[1:], want_items.iterrows(), strict=True):
        assert want["question"].endswith(got[1])
        if want["suppressed"]:  # e.g. a construct a few of the team answered only in part
            assert got[6] == f"Hidden: {want['suppressed_reason']}"
            continue
        assert got[6] == pytest.approx(want["score"], abs=1e-9)
        assert got[8] == pytest.approx(want["favorable"] / 100, abs=1e-12)
        assert got[10] == want["n"]
    assert not want_items["suppressed"].all()
    score_row = next(
        r for r in ws.iter_rows() if r[0].value == labels[expected["construct"].iloc[0]]
    )
    assert score_row[1].number_format == "0" and score_row[4].number_format == "0%"


def test_team_sheet_flags_themes_and_comments(by_team, workbook):
    flagged = [f for f in by_team.flags if f.group_label in visible_teams(by_team)]
    assert flagged
    flag = flagged[0]
    ws = team_sheet(workbook, flag.group_label)
    text = [c for r in ws.iter_rows(values_only=True) for c in r if isinstance(c, str)]
    assert report.neutralise(flag.reason) in text
    for action in flag.actions:
        assert action["title"] in text and action["detail"] in text
    assert "How to read this" in text
    team_comments = report._team_comments(by_team, flag.group_label)
    shown = report._sheet_comments(team_comments, report._team_themes(by_team, flag.group_label))
    assert len(shown) == min(len(team_comments), report.MAX_COMMENTS_XLSX)
    assert set(shown["text"].map(report.neutralise)) <= set(text)


def test_team_sheet_caps_comments_and_points_to_the_csv(by_team, workbook):
    """A big team's sheet holds the cap of representative comments and says so; the
    comments CSV keeps every one."""
    counts = {t: len(report._team_comments(by_team, t)) for t in visible_teams(by_team)}
    team, total = max(counts.items(), key=lambda kv: kv[1])
    assert total > report.MAX_COMMENTS_XLSX
    cells = [c for r in team_sheet(workbook, team).iter_rows(values_only=True) for c in r if c]
    texts = set(report._team_comments(by_team, team)["text"].map(report.neutralise))
    on_sheet = [c for c in cells if c in texts]
    assert len(set(on_sheet)) <= report.MAX_COMMENTS_XLSX
    assert len(on_sheet) >= report.MAX_COMMENTS_XLSX // 2
    assert any(
        isinstance(c, str) and f"of the team's {total:,} comments" in c and "CSV" in c
        for c in cells
    )
    assert len(pd.read_csv(io.BytesIO(report.comments_csv(by_team, team)))) == total


def test_comments_only_for_teams_over_the_threshold(results_by):
    strict = results_by["team, strict"]
    wb = check_xlsx(report.team_workbook(strict), strict)
    below = [t for t in visible_teams(strict) if not report._comments_visible(strict, t)]
    assert below, "the strict policy should leave visible teams without comments"
    all_texts = set(results_by["team"].comments["text"])
    for team in below:
        ws = team_sheet(wb, team)
        cells = {c for r in ws.iter_rows(values_only=True) for c in r if isinstance(c, str)}
        assert not cells & all_texts
        assert any("Comments are not shown for this team" in c for c in cells)
        assert len(pd.read_csv(io.BytesIO(report.comments_csv(strict, team)))) == 0
    page = report.team_html(strict, below[0])
    assert "<blockquote" not in page and "Comments are not" in page


def test_hidden_team_sheet_holds_only_the_notice(by_team, workbook):
    team = hidden_teams(by_team)[0]
    ws = team_sheet(workbook, team)
    values = [c for r in ws.iter_rows(values_only=True) for c in r if c is not None]
    assert all(isinstance(v, str) for v in values)
    assert any("No results are shown for this group: fewer than 5 responses" in v for v in values)
    page = report.team_html(by_team, team)
    assert "<table" not in page and "<img" not in page
    assert "No results are shown for this group" in page


def test_methods_sheet(by_team, workbook):
    ws = workbook["Methods"]
    pairs = {r[0]: r[1] for r in ws.iter_rows(min_row=5, values_only=True) if r[0]}
    assert pairs["Survey"] == by_team.survey_name
    assert pairs["Minimum group size"] == "5 responses"
    assert pairs["Minimum comments"] == "5 comments per group"
    for team in hidden_teams(by_team):
        assert f"{team}: fewer than 5 responses" in pairs["Hidden groups and why"]
    assert (
        "(value − scale minimum) / (scale maximum − scale minimum) × 100" in pairs["Scores (0–100)"]
    )
    assert "Holm" in pairs["Team vs rest"] and "Cohen's d" in pairs["Team vs rest"]
    assert "top two boxes" in pairs["% favourable"]


def test_selected_teams_and_unknown_team(by_team):
    wb = openpyxl.load_workbook(
        io.BytesIO(report.team_workbook(by_team, ["customer support", "Data Platform"]))
    )
    assert wb.sheetnames == ["Overview", "Customer Support", "Data Platform", "Methods"]
    with pytest.raises(ValueError, match=r"Unknown team name\(s\) 'Nope'.*Valid names: .*"):
        report.team_workbook(by_team, ["Nope"])


# --------------------------------------------------------------------------- CSV


def test_group_csv_round_trip(by_team):
    data = report.group_csv(by_team)
    check_csv(data)
    back = pd.read_csv(
        io.BytesIO(data), encoding="utf-8-sig", keep_default_na=False, na_values=[""]
    )
    want = by_team.groups.reset_index(drop=True)
    assert list(back.columns) == [
        *want.columns[: list(want.columns).index("construct") + 1],
        "construct_label",
        *want.columns[list(want.columns).index("construct") + 1 :],
        "survey",
        "min_group_size",
        "min_comments",
    ]
    assert (back["survey"] == by_team.survey_name).all()
    assert (back["min_group_size"] == 5).all() and (back["min_comments"] == 5).all()
    assert back["group"].tolist() == [report.neutralise(g) for g in want["group"]]
    assert back["suppressed"].tolist() == want["suppressed"].tolist()
    for col in (
        "n",
        "score",
        "ci_low",
        "ci_high",
        "favorable",
        "diff_vs_rest",
        "effect_size",
        "p",
        "p_adj",
    ):
        np.testing.assert_allclose(
            back[col].to_numpy(float), want[col].to_numpy(float), rtol=1e-15, equal_nan=True
        )
    hidden = back[back["suppressed"]]
    numeric = [c for c in want.columns if pd.api.types.is_float_dtype(want[c])]
    assert len(hidden) and hidden[numeric].isna().all().all()
    # a negative difference is a bare number in the file, not quoted, not prefixed
    neg = float(want.loc[want["diff_vs_rest"] < 0, "diff_vs_rest"].iloc[0])
    assert f",{neg!r}," in data.decode("utf-8-sig")


def test_group_csv_for_one_team(by_team):
    back = pd.read_csv(io.BytesIO(report.group_csv(by_team, "Customer Support")))
    assert set(back["group"]) == {"Customer Support"}
    assert len(back) == len(report._team_rows(by_team, "Customer Support"))


def test_identity_columns_never_exported(prepared, by_team):
    identity = list(prepared.colmap.identity)
    assert {"RecipientEmail", "ResponseId", "IPAddress"} <= set(identity)
    for name in ("groups", "items", "comments", "org", "theme_shares", "comment_groups"):
        assert not set(getattr(by_team, name).columns) & set(identity), name
    raw = prepared.export.responses
    secrets = [
        v
        for col in ("RecipientEmail", "ResponseId", "IPAddress")
        for v in raw[col].dropna().astype(str)
        if len(v) >= 6
    ]
    assert len(secrets) > 500
    wb = openpyxl.load_workbook(io.BytesIO(report.team_workbook(by_team)))
    blob = "\n".join(
        [
            *(str(c) for ws in wb.worksheets for r in ws.iter_rows(values_only=True) for c in r),
            report.group_csv(by_team).decode("utf-8-sig"),
            report.comments_csv(by_team).decode("utf-8-sig"),
            report.team_html(by_team, "Customer Support"),
        ]
    )
    assert not [s for s in secrets if s in blob]
    header = report.comments_csv(by_team).decode("utf-8-sig").splitlines()[0]
    assert not [c for c in identity if f'"{c}"' in header]


def test_comments_csv_round_trip_and_injection(by_team):
    results = with_comment_texts(by_team, PAYLOADS)
    data = report.comments_csv(results)
    rows = check_csv(data)
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", keep_default_na=False)
    want = results.comments.reset_index(drop=True)
    assert len(back) == len(want)
    assert back["text"].tolist() == [report.neutralise(t) for t in want["text"]]
    np.testing.assert_allclose(back["compound"].to_numpy(float), want["compound"].to_numpy(float))
    assert "'" + HYPERLINK in back["text"].tolist()
    assert any(r[list(rows[0]).index("text")] == "'" + HYPERLINK for r in rows[1:])


# --------------------------------------------------------------------------- injected text


def with_comment_texts(results, texts: list[str]):
    """Results whose shown comments and quotes carry the given texts (cycled)."""
    comments = results.comments.copy()
    if len(comments) and texts:
        comments["text"] = [texts[i % len(texts)] for i in range(len(comments))]
        comments["theme_label"] = [texts[(i + 1) % len(texts)] for i in range(len(comments))]
    flags = [dataclasses.replace(f, quotes=list(texts[:3])) for f in results.flags]
    shares = results.theme_shares.copy()
    if len(shares) and texts:
        shares["label"] = [texts[i % len(texts)] for i in range(len(shares))]
    return dataclasses.replace(results, comments=comments, flags=flags, theme_shares=shares)


def test_hyperlink_comment_is_inert_text_everywhere(by_team):
    results = with_comment_texts(by_team, [HYPERLINK, SCRIPT])
    team = next(t for t in visible_teams(results) if report._comments_visible(results, t))
    wb = check_xlsx(report.team_workbook(results, [team]), results, [team])
    cells = [c for r in team_sheet(wb, team).iter_rows() for c in r if c.value]
    hits = [c for c in cells if c.value == "'" + HYPERLINK]
    assert hits and all(c.data_type == "s" and c.hyperlink is None for c in hits)
    page = report.team_html(results, team)
    check_html(page)
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "=HYPERLINK(&quot;http://x&quot;,&quot;y&quot;)" in page


def test_html_report_structure(by_team):
    team = "Customer Support"
    page = report.team_html(by_team, team)
    check_html(page)
    assert page.count('src="data:image/svg+xml;base64,') == 2  # heatmap + themes
    assert "@page" in page and "break-before: page" in page
    assert by_team.survey_name in page and "fewer than 5 responses" in page
    for flag in report._team_flags(by_team, team):
        assert flag.actions[0]["title"] in page
    row = report._team_rows(by_team, team).iloc[0]
    assert f"<strong>{row['score']:.0f}</strong>" in page
    payload = report.team_html(by_team, PAYLOAD_TEAMS["Marketing"])
    check_html(payload)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in payload


def test_overview_html(by_team):
    page = report.overview_html(by_team)
    check_html(page)
    images = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', page)
    assert len(images) >= 3
    svgs = [base64.b64decode(i).decode("utf-8") for i in images]
    assert all(s.lstrip().startswith("<svg") and "<script" not in s.lower() for s in svgs)
    # the group named '<script>alert(1)</script> & Co' is drawn as escaped SVG text
    assert any("&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in s for s in svgs)


# --------------------------------------------------------------------------- property


TEXT = st.one_of(
    st.sampled_from(PAYLOADS),
    st.text(max_size=60),
    st.builds(
        lambda lead, rest: lead + rest,
        st.sampled_from([*report.INJECTION_CHARS, " ", "\n", "'", '"', "<", "&"]),
        st.text(max_size=40),
    ),
)


@settings(max_examples=6, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(
    grouping=st.sampled_from(["team", "role", "team×role", "team, strict"]),
    texts=st.lists(TEXT, min_size=1, max_size=12),
    pick=st.integers(min_value=0, max_value=10_000),
)
def test_exports_stay_safe_for_any_grouping_and_comment_text(grouping, texts, pick):
    results = with_comment_texts(_results_by()[grouping], texts)
    names = report.team_names(results)
    team = names[pick % len(names)]
    chosen = list(dict.fromkeys([team, *hidden_teams(results)[:1]]))
    check_xlsx(report.team_workbook(results, chosen), results, chosen)
    for data in (
        report.group_csv(results),
        report.comments_csv(results),
        report.comments_csv(results, team),
    ):
        check_csv(data)
    back = pd.read_csv(io.BytesIO(report.group_csv(results)), keep_default_na=False, na_values=[""])
    hidden = back[back["suppressed"]]
    assert hidden[["n", "score", "diff_vs_rest", "p_adj"]].isna().all().all()
    page = report.team_html(results, team)
    check_html(page)
    for t in texts:
        # Only text that could open a tag matters; a lone "<" also occurs in the page's markup.
        if re.search(r"<[A-Za-z/!?]", t) and t in page:
            raise AssertionError(f"unescaped text in HTML: {t!r}")
    if not report._comments_visible(results, team):
        assert "<blockquote" not in page


# --------------------------------------------------------------------------- packs


def test_write_packs(prepared, tmp_path):
    calls = []
    teams = ["Customer Support", PAYLOAD_TEAMS["Procurement"], "Executive Office"]
    paths = report.write_packs(
        prepared,
        ["team"],
        tmp_path / "out",
        teams=teams,
        formats=("xlsx", "csv", "html"),
        policy=POLICY,
        progress=lambda i, n, name: calls.append((i, n, name)),
    )
    assert calls == [(1, 3, teams[0]), (2, 3, teams[1]), (3, 3, teams[2])]
    root = (tmp_path / "out").resolve()
    assert all(root in p.resolve().parents for p in paths)
    rel = sorted(str(p.relative_to(tmp_path / "out")) for p in paths)
    assert rel == sorted(
        [
            "overview/overview.xlsx",
            "overview/groups.csv",
            "overview/comments.csv",
            "overview/overview.html",
            *(
                f"teams/{s}/{s}{suffix}"
                for s in ("customer-support", "etc-passwd", "executive-office")
                for suffix in (".xlsx", "_scores.csv", "_comments.csv", ".html")
            ),
        ]
    )
    assert not (tmp_path / "etc").exists()
    wb = openpyxl.load_workbook(tmp_path / "out/teams/customer-support/customer-support.xlsx")
    assert wb.sheetnames == ["Overview", "Customer Support", "Methods"]
    check_html((tmp_path / "out/teams/executive-office/executive-office.html").read_text())


def test_write_packs_errors(prepared, tmp_path):
    with pytest.raises(ValueError, match=r"Unknown team name\(s\) 'Nowhere'.*'Customer Support'"):
        report.write_packs(prepared, ["team"], tmp_path, teams=["Nowhere"], policy=POLICY)
    with pytest.raises(ValueError, match=r"Unknown format.*'pdf'.*xlsx, csv, html"):
        report.write_packs(prepared, ["team"], tmp_path, formats=("pdf",))
    assert not any(tmp_path.iterdir())


def test_write_packs_csv_only_all_teams(prepared, tmp_path):
    paths = report.write_packs(prepared, "role", tmp_path, formats="csv", policy=POLICY)
    assert {p.suffix for p in paths} == {".csv"}
    assert len(paths) == 2 + 2 * 7
    for p in paths:
        check_csv(p.read_bytes())


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
    path.write_text(report.team_html(results, team), encoding="utf-8")
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
