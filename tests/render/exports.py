"""The survey every export test uses, and the checks every export must pass.

One small generated survey is prepared once per process (300 respondents; three team names are
replaced by injection / HTML / path-traversal payloads), then analysed per grouping. Tests vary
the protected Results (comment text, quotes) rather than re-running the pipeline.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import io
import re
import unicodedata
from html.parser import HTMLParser

import openpyxl

from analysis import pipeline
from analysis.privacy import PrivacyPolicy
from render import safety
from render import teams as T
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


# --------------------------------------------------------------------------- the survey


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


# --------------------------------------------------------------------------- reading exports


def visible_teams(results) -> list[str]:
    return [t for t in T.team_names(results) if not T.team_hidden(results, t)]


def hidden_teams(results) -> list[str]:
    return [t for t in T.team_names(results) if T.team_hidden(results, t)]


def team_sheet(wb: openpyxl.Workbook, team: str) -> openpyxl.worksheet.worksheet.Worksheet:
    """The sheet whose title cell names the team (sheet names are sanitised)."""
    for ws in wb.worksheets[1:-1]:
        title = str(ws["A1"].value or "")
        if safety.neutralise(team) in (title, title.split("  (n =")[0]):
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
    """Written independently of render.safety: NFKC, strip whitespace and invisible format
    characters, then a formula starter; or a leading tab / carriage return."""
    folded = unicodedata.normalize("NFKC", text)
    folded = folded.lstrip(
        "".join(ch for ch in set(folded) if ch.isspace() or unicodedata.category(ch) == "Cf")
    )
    return folded.startswith(("=", "+", "-", "@")) or text.startswith(("\t", "\r"))


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
    names = [safety.neutralise(t) for t in hidden]
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
