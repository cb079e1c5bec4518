"""Manager downloads: team workbooks (XLSX), CSV tables and self-contained HTML reports.

The downloads are where confidential data leaves the app, so this module only ever reads a
:class:`analysis.pipeline.Results`: tables that have already been through
:mod:`analysis.privacy` (no number for a group under the minimum size, comments only for groups
at or above the comment threshold, no identity columns). It adds no new numbers of its own beyond
counting and re-ordering what Results holds.

Spreadsheet-injection defence, decided once and used by every format:

* XLSX is written with XlsxWriter's ``strings_to_formulas``, ``strings_to_urls`` and
  ``strings_to_numbers`` all off, and every text cell through ``write_string``, so no string can
  become a formula, a hyperlink or a number.
* On top of that, any text that (after leading spaces or line breaks) starts with ``=``, ``+``,
  ``-``, ``@``, tab or carriage return, or with their full-width forms, is prefixed with a single
  quote ``'`` (OWASP "CSV Injection" guidance). In the XLSX the quote is a visible, literal
  character: the cell stays inert even if someone edits it, or saves the sheet as CSV and opens
  that again. CSV cells get the same prefix. Real numbers are written as numbers and never
  prefixed (a difference of -5.2 stays the number -5.2).

The HTML report has no ``<script>``, no external URL and no web font: CSS is inline and the
charts (built by :mod:`ui.charts`, rendered offline by ``vl_convert``) are embedded as
``data:image/svg+xml`` images, which browsers never let run scripts. All user text is escaped.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter

from analysis.privacy import PrivacyPolicy
from analysis.scoring import CROSS

__all__ = [
    "FORMATS",
    "INJECTION_CHARS",
    "WORKBOOK_OPTIONS",
    "clean_text",
    "comments_csv",
    "group_csv",
    "neutralise",
    "overview_html",
    "pack_slug",
    "sheet_name",
    "team_html",
    "team_names",
    "team_workbook",
    "write_packs",
]

FORMATS = ("xlsx", "csv", "html")
WORKBOOK_OPTIONS = {
    "in_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}
#: Characters that make a spreadsheet treat a cell as a formula or command (OWASP), plus the
#: full-width forms some spreadsheet apps normalise to them.
INJECTION_CHARS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
ALPHA = 0.05
MAX_CELL_CHARS = 32_000  # Excel's limit is 32,767 characters per cell
MAX_QUOTES_HTML = 12
#: Comments per team sheet: a sheet is read, not searched, and 10,000 merged rows made the
#: workbook slow to write and to open. Every comment is in the comments CSV.
MAX_COMMENTS_XLSX = 50
TOP_THEMES = 5

# ColorBrewer PuOr, as in ui.charts: orange = worse than the rest, purple = better.
_FILLS = {-2: "#e66101", -1: "#fdb863", 0: None, 1: "#b2abd2", 2: "#5e3c99"}
_FILL_TEXT = {-2: "#000000", -1: "#000000", 0: "#000000", 1: "#000000", 2: "#ffffff"}
_GAP_BINS = (10.0, 5.0)  # points: |gap| >= 10 strong colour, >= 5 light colour
_HIDDEN_FILL = "#d9d9d9"
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
# Characters XML 1.0 forbids (controls, lone surrogates, U+FFFE/U+FFFF): they break XLSX and
# SVG, and vl_convert aborts the whole process on them, so text loses them before any export.
_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


# --------------------------------------------------------------------------------------------
# text safety


def clean_text(text: object) -> str:
    """Text with XML-invalid characters replaced by U+FFFD (see ``_XML_INVALID``)."""
    return _XML_INVALID.sub("\ufffd", "" if text is None else str(text))


def neutralise(text: object) -> str:
    """Text made inert for spreadsheets: a leading formula character gets a ``'`` prefix.

    Leading spaces and line breaks are looked through, because some spreadsheet apps trim
    them before deciding whether a cell is a formula.
    """
    s = "" if text is None else str(text)
    if s.lstrip(" \n\r\t").startswith(INJECTION_CHARS) or s.startswith(("\t", "\r")):
        return "'" + s
    return s


def _is_number(value: object) -> bool:
    return (
        isinstance(value, int | float | np.integer | np.floating)
        and not isinstance(value, bool | np.bool_)
        and math.isfinite(float(value))
    )


def _missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float | np.floating) and not math.isfinite(float(value))


def _esc(text: object) -> str:
    return html.escape("" if _missing(text) else clean_text(text), quote=True)


# --------------------------------------------------------------------------------------------
# reading Results


@dataclass(frozen=True)
class _Construct:
    id: str
    label: str
    direction: str

    @property
    def higher_worse(self) -> bool:
        return self.direction == "higher_worse"


def _constructs(results: Any) -> list[_Construct]:
    org = results.org
    out = []
    for _, row in org.iterrows():
        label = row.get("label")
        out.append(
            _Construct(
                id=str(row["construct"]),
                label=str(label) if not _missing(label) and str(label) else str(row["construct"]),
                direction=str(row.get("direction") or "higher_better"),
            )
        )
    return out


def team_names(results: Any) -> list[str]:
    """Every group label of the Results' grouping, visible or hidden, in table order."""
    if not len(results.groups):
        return []
    return list(dict.fromkeys(results.groups["group"].astype(str)))


def _team_rows(results: Any, team: str) -> pd.DataFrame:
    g = results.groups
    return g[g["group"].astype(str) == team]


def _team_hidden(results: Any, team: str) -> bool:
    rows = _team_rows(results, team)
    return bool(rows.empty or rows["suppressed"].astype(bool).all())


def _hidden_reason(results: Any, team: str) -> str:
    rows = _team_rows(results, team)
    reasons = [r for r in rows.get("suppressed_reason", pd.Series(dtype=str)).astype(str) if r]
    return reasons[0] if reasons else f"fewer than {results.policy.min_group} responses"


def _team_n(results: Any, team: str) -> float:
    rows = _team_rows(results, team)
    n = rows.loc[~rows["suppressed"].astype(bool), "n"]
    return float(n.max()) if n.notna().any() else math.nan


def _comments_visible(results: Any, team: str) -> bool:
    cg = results.comment_groups
    if cg is None or not len(cg) or _team_hidden(results, team):
        return False
    hit = cg[cg["group"].astype(str) == team]
    return bool(len(hit) and hit["visible"].astype(bool).all())


def _comment_count(results: Any, team: str) -> float:
    cg = results.comment_groups
    if cg is None or not len(cg):
        return math.nan
    hit = cg[(cg["group"].astype(str) == team) & cg["visible"].astype(bool)]
    return float(hit["n_comments"].iloc[0]) if len(hit) else math.nan


_LABELS: list[tuple[pd.DataFrame, tuple[str, ...], pd.Series]] = []


def _comment_labels(results: Any) -> pd.Series:
    """Each shown comment's group label; remembered for the last comments table, because
    every team of a workbook asks for it."""
    c = results.comments
    by = tuple(b for b in results.by if b in c.columns)
    for frame, key, labels in _LABELS:
        if frame is c and key == by:
            return labels
    if not len(c) or not by:
        labels = pd.Series([""] * len(c), index=c.index, dtype=str)
    elif len(by) == 1:
        labels = c[by[0]].astype(str)
    else:
        labels = c[by[0]].astype(str).str.cat([c[b].astype(str) for b in by[1:]], sep=CROSS)
    _LABELS[:] = [(c, by, labels)]
    return labels


def _team_comments(results: Any, team: str) -> pd.DataFrame:
    if not _comments_visible(results, team):
        return results.comments.iloc[0:0]
    return results.comments[(_comment_labels(results) == team).to_numpy()]


def _team_flags(results: Any, team: str) -> list[Any]:
    if _team_hidden(results, team):
        return []
    return [f for f in results.flags if str(f.group_label) == team]


def _team_themes(results: Any, team: str) -> pd.DataFrame:
    """The team's largest comment themes: count, share of its comments, mean sentiment.

    Shares come from ``Results.theme_shares`` (already hidden for groups under the comment
    threshold); mean sentiment is the mean VADER compound of the team's shown comments.
    """
    cols = ["theme", "label", "size", "share", "mean_sentiment"]
    ts = results.theme_shares
    if ts is None or not len(ts) or not _comments_visible(results, team):
        return pd.DataFrame(columns=cols)
    rows = ts[(ts["group"].astype(str) == team) & ~ts["hidden"].astype(bool)]
    rows = rows[rows["count"].fillna(0) > 0].sort_values(
        ["count", "theme"], ascending=[False, True], kind="stable"
    )
    comments = _team_comments(results, team)
    sentiment = comments.groupby("theme")["compound"].mean() if len(comments) else pd.Series()
    out = pd.DataFrame(
        {
            "theme": rows["theme"].astype(int).to_numpy(),
            "label": rows["label"].fillna("").astype(str).to_numpy(),
            "size": rows["count"].to_numpy(dtype=float),
            "share": rows["share"].to_numpy(dtype=float),
        }
    )
    out["mean_sentiment"] = out["theme"].map(sentiment).astype(float)
    return out.head(TOP_THEMES).reset_index(drop=True)


def _quotes(comments: pd.DataFrame, themes: pd.DataFrame, limit: int) -> pd.DataFrame:
    """Example comments: a few from each top theme, then others, most strongly felt first.

    Deterministic, so two downloads of the same pack agree.
    """
    if not len(comments):
        return comments
    df = comments.assign(_strength=comments["compound"].abs().fillna(0.0))
    df = df[df["text"].astype(str).str.len().between(15, 600)]
    picked: list[int] = []
    per_theme = max(1, limit // max(1, len(themes))) if len(themes) else 0
    for theme in themes["theme"] if len(themes) else []:
        sub = df[df["theme"] == theme].sort_values("_strength", ascending=False, kind="stable")
        picked.extend(sub.index[:per_theme])
    rest = df.drop(index=picked).sort_values("_strength", ascending=False, kind="stable")
    picked.extend(rest.index[: max(0, limit - len(picked))])
    return comments.loc[picked[:limit]]


def _sheet_comments(comments: pd.DataFrame, themes: pd.DataFrame) -> pd.DataFrame:
    """A team sheet's comments: all of them up to ``MAX_COMMENTS_XLSX``, else that many
    representative ones (:func:`_quotes`); ``attrs["of"]`` holds the team's total."""
    total = len(comments)
    out = comments if total <= MAX_COMMENTS_XLSX else _quotes(comments, themes, MAX_COMMENTS_XLSX)
    out = out.copy()
    out.attrs["of"] = total
    return out


def _reading(diff: float, p_adj: float, direction: str) -> str:
    if _missing(diff) or _missing(p_adj):
        return ""
    if p_adj >= ALPHA:
        return "no clear difference"
    worse = diff > 0 if direction == "higher_worse" else diff < 0
    return "worse than the rest" if worse else "better than the rest"


def _gap_bin(diff: float, direction: str) -> int:
    """-2..2: how much worse (negative) or better than the rest, direction-aware."""
    if _missing(diff):
        return 0
    gap = -diff if direction == "higher_worse" else diff
    strong, light = _GAP_BINS
    if gap <= -strong:
        return -2
    if gap <= -light:
        return -1
    if gap >= strong:
        return 2
    if gap >= light:
        return 1
    return 0


def _thresholds_text(policy: PrivacyPolicy) -> str:
    return (
        f"Results are hidden for groups with fewer than {policy.min_group} responses; comments "
        f"are shown only for groups with at least {policy.min_comments} comments."
    )


def _grouping_text(results: Any) -> str:
    return " × ".join(results.by) if results.by else "none"


def _how_to_read(results: Any) -> list[str]:
    worse = [c.label for c in _constructs(results) if c.higher_worse]
    lines = [
        "Scores run from 0 to 100: 0 means everyone gave the lowest answer, 100 the highest.",
        "% favourable is the share of answers in the top two boxes (for example Agree or "
        "Strongly agree).",
    ]
    if worse:
        lines.append(
            f"For {', '.join(worse)} a higher score (and a higher % favourable) means more of "
            "it, which is worse."
        )
    lines += [
        "'vs rest' compares the team with everyone else in the organisation. 'Worse' or "
        "'better' is only said when the difference is statistically significant "
        f"(Welch t-test, Holm-adjusted p < {ALPHA:g}).",
        "The 95% confidence interval shows how precise a score is: small teams have wide "
        "intervals.",
        _thresholds_text(results.policy),
    ]
    return lines


def _methods_lines(results: Any) -> list[tuple[str, str]]:
    p = results.policy
    src = results.source or {}
    summary = results.comment_summary or {}
    hidden = _hidden_groups(results)
    hidden_text = "; ".join(f"{g}: {r}" for g, r in hidden) if hidden else "no group was hidden"
    dropped = ", ".join(src.get("identity_columns_dropped") or []) or "none found"
    filters = (
        "; ".join(f"{k} in {', '.join(v)}" for k, v in results.filters.items())
        if results.filters
        else "none"
    )
    return [
        ("Survey", str(results.survey_name)),
        ("Source file", str(src.get("file") or "(not named)")),
        ("Export format", f"{src.get('format', '')} ({src.get('file_type', '')})"),
        ("Report date", date.today().isoformat()),
        ("Respondents analysed (n)", f"{results.n:,}"),
        ("Grouped by", _grouping_text(results)),
        ("Filters", filters),
        ("Minimum group size", f"{p.min_group} responses"),
        ("Minimum comments", f"{p.min_comments} comments per group"),
        ("Hidden groups and why", hidden_text),
        (
            "Complementary hiding",
            "A group can also be hidden when its numbers, together with the organisation "
            "total and other groups, would let someone work out a smaller group by subtraction.",
        ),
        (
            "Comments",
            f"{summary.get('total', 0)} comments received, {summary.get('filler', 0)} filler "
            f"('n/a', 'nothing'), {summary.get('not_english', 0)} not in English, "
            f"{summary.get('analysed', 0)} analysed, {summary.get('shown', 0)} shown (only from "
            "groups meeting the comment threshold). Names, e-mails, phone numbers and IDs in "
            "comments are replaced by placeholders such as [EMAIL].",
        ),
        ("Identity columns removed", f"{dropped}: never analysed or exported."),
        (
            "Scores (0–100)",
            "Each answer is put on 0–100 as (value − scale minimum) / (scale maximum − scale "
            "minimum) × 100, after reverse-keyed items are flipped. A person's construct score "
            "is the mean of their answered items; a team score is the mean over its people.",
        ),
        (
            "% favourable",
            "Share of answered items in the top two boxes (top-2 box); % unfavourable is the "
            "bottom two boxes.",
        ),
        ("Confidence interval", "95% t-interval of the team mean."),
        (
            "Team vs rest",
            "Welch's t-test of the team against everyone else, p-values adjusted for all "
            "groups × constructs at once with Holm's method; effect size is Cohen's d "
            "(pooled SD). 'Worse'/'better' is stated only when the adjusted p < 0.05.",
        ),
        (
            "Flags",
            "A flag is raised where a team is significantly and materially worse than the rest "
            "on a construct, weighted by how strongly it drives the outcome, and by comment "
            "signals when the team has enough comments. Recommended actions come from the "
            "playbook, each with its evidence source.",
        ),
        ("Warnings", "; ".join(results.warnings) if results.warnings else "none"),
    ]


def _hidden_groups(results: Any) -> list[tuple[str, str]]:
    out = []
    for team in team_names(results):
        if _team_hidden(results, team):
            out.append((team, _hidden_reason(results, team)))
    return out


# --------------------------------------------------------------------------------------------
# XLSX


def sheet_name(name: str, taken: Iterable[str] = ()) -> str:
    """A valid, unique Excel sheet name: ≤31 characters, none of []:*?/\\, no edge quotes."""
    base = _SHEET_FORBIDDEN.sub("_", unicodedata.normalize("NFC", str(name)))
    base = "".join(ch for ch in base if ch.isprintable()).strip().strip("'").strip()
    base = base or "Team"
    if base.lower() == "history":  # reserved by Excel
        base = "History (team)"
    used = {t.lower() for t in taken}
    candidate = base[:31].rstrip()
    k = 2
    while candidate.lower() in used or not candidate:
        suffix = f" ({k})"
        candidate = base[: 31 - len(suffix)].rstrip() + suffix
        k += 1
    return candidate


class _Book:
    """An XlsxWriter workbook whose cells can only be numbers or inert text."""

    def __init__(self) -> None:
        self.buffer = io.BytesIO()
        self.wb = xlsxwriter.Workbook(self.buffer, WORKBOOK_OPTIONS)
        self.wb.set_properties({"author": "ChangeRadar", "comments": "Confidential: HR use"})
        self._formats: dict[tuple, Any] = {}
        self.names: list[str] = []

    def fmt(self, **props: Any) -> Any:
        key = tuple(sorted(props.items()))
        if key not in self._formats:
            base = {"font_name": "Calibri", "font_size": 10, "valign": "top"}
            self._formats[key] = self.wb.add_format({**base, **props})
        return self._formats[key]

    def sheet(self, name: str) -> Any:
        title = sheet_name(name, self.names)
        self.names.append(title)
        ws = self.wb.add_worksheet(title)
        ws.hide_gridlines(2)
        ws.set_zoom(100)
        return ws

    def put(self, ws: Any, row: int, col: int, value: object, fmt: Any = None) -> None:
        """The only way a cell gets written: number, blank or neutralised text."""
        if _missing(value):
            ws.write_blank(row, col, None, fmt)
        elif _is_number(value):
            ws.write_number(row, col, float(value), fmt)
        else:
            ws.write_string(row, col, neutralise(clean_text(value))[:MAX_CELL_CHARS], fmt)

    def merge(self, ws: Any, row: int, first: int, last: int, text: str, fmt: Any) -> None:
        if last > first:
            ws.merge_range(row, first, row, last, "", fmt)
        self.put(ws, row, first, text, fmt)

    def close(self) -> bytes:
        self.wb.close()
        return self.buffer.getvalue()

    # shared formats
    @property
    def title(self) -> Any:
        return self.fmt(bold=True, font_size=15, font_color="#1f2937", valign="vcenter")

    @property
    def subtitle(self) -> Any:
        return self.fmt(italic=True, font_color="#4b5563")

    @property
    def section(self) -> Any:
        return self.fmt(
            bold=True, font_size=12, font_color="#3b2f6b", bottom=2, bottom_color="#5e3c99"
        )

    @property
    def header(self) -> Any:
        return self.fmt(bold=True, bg_color="#eeeeee", bottom=1, text_wrap=True, valign="bottom")

    @property
    def text(self) -> Any:
        return self.fmt(text_wrap=True)

    @property
    def notice(self) -> Any:
        return self.fmt(italic=True, font_color="#374151", bg_color=_HIDDEN_FILL, text_wrap=True)

    @property
    def score(self) -> Any:
        return self.fmt(num_format="0", align="center")

    @property
    def pct(self) -> Any:
        return self.fmt(num_format="0%", align="center")

    @property
    def count(self) -> Any:
        return self.fmt(num_format="#,##0", align="center")

    @property
    def diff(self) -> Any:
        return self.fmt(num_format="+0;-0;0", align="center")

    @property
    def pval(self) -> Any:
        return self.fmt(num_format='[<0.001]"<0.001";0.000', align="center")

    @property
    def dval(self) -> Any:
        return self.fmt(num_format="+0.00;-0.00;0.00", align="center")

    def coloured(self, level: int, significant: bool) -> Any:
        props: dict[str, Any] = {
            "num_format": "0",
            "align": "center",
            "font_color": _FILL_TEXT[level],
        }
        if _FILLS[level]:
            props["bg_color"] = _FILLS[level]
        if significant:
            props.update(bold=True, border=2, border_color="#222222")
        return self.fmt(**props)


def _header_block(book: _Book, ws: Any, results: Any, title: str, width: int) -> int:
    book.merge(ws, 0, 0, width, title, book.title)
    ws.set_row(0, 24)
    line = (
        f"Survey: {results.survey_name} · grouped by {_grouping_text(results)} · "
        f"{results.n:,} respondents · {date.today().isoformat()}"
    )
    book.merge(ws, 1, 0, width, line, book.subtitle)
    book.merge(ws, 2, 0, width, _thresholds_text(results.policy), book.subtitle)
    return 4


def _overview_sheet(book: _Book, results: Any, teams: list[str]) -> None:
    ws = book.sheet("Overview")
    cons = _constructs(results)
    last = 1 + 2 * len(cons)
    row = _header_block(book, ws, results, f"{results.survey_name}: team overview", last)
    head = row
    for col, words in ((0, "Group"), (1, "People (n)")):
        ws.merge_range(head, col, head + 1, col, "", book.header)
        book.put(ws, head, col, words, book.header)
    for j, c in enumerate(cons):
        book.merge(
            ws,
            head,
            2 + 2 * j,
            3 + 2 * j,
            c.label,
            book.fmt(
                bold=True, bg_color="#eeeeee", align="center", text_wrap=True, valign="bottom"
            ),
        )
        book.put(ws, head + 1, 2 + 2 * j, "Score", book.header)
        book.put(ws, head + 1, 3 + 2 * j, "n", book.header)
    ws.set_row(head, 30)
    row = head + 2
    ws.freeze_panes(row, 1)

    org = results.org.set_index(results.org["construct"].astype(str))
    book.put(ws, row, 0, "Organisation", book.fmt(bold=True, top=1, bottom=1))
    book.put(
        ws,
        row,
        1,
        results.n,
        book.fmt(num_format="#,##0", align="center", bold=True, top=1, bottom=1),
    )
    for j, c in enumerate(cons):
        r = org.loc[c.id] if c.id in org.index else None
        hidden = r is None or bool(r.get("suppressed", False))
        book.put(
            ws,
            row,
            2 + 2 * j,
            None if hidden else r["score"],
            book.fmt(num_format="0", align="center", bold=True, top=1, bottom=1),
        )
        book.put(
            ws,
            row,
            3 + 2 * j,
            None if hidden else r["n"],
            book.fmt(num_format="#,##0", align="center", font_color="#6b7280", top=1, bottom=1),
        )
    row += 1

    n_fmt = book.fmt(num_format="#,##0", align="center", font_color="#6b7280")
    for team in teams:
        book.put(ws, row, 0, team, book.text)
        if _team_hidden(results, team):
            book.merge(ws, row, 1, last, f"Hidden: {_hidden_reason(results, team)}", book.notice)
            row += 1
            continue
        book.put(ws, row, 1, _team_n(results, team), book.count)
        rows = _team_rows(results, team).set_index("construct")
        for j, c in enumerate(cons):
            if c.id not in rows.index or bool(rows.loc[c.id, "suppressed"]):
                book.merge(ws, row, 2 + 2 * j, 3 + 2 * j, "hidden", book.notice)
                continue
            r = rows.loc[c.id]
            sig = not _missing(r["p_adj"]) and float(r["p_adj"]) < ALPHA
            fmt = book.coloured(_gap_bin(r["diff_vs_rest"], c.direction), sig)
            book.put(ws, row, 2 + 2 * j, r["score"], fmt)
            book.put(ws, row, 3 + 2 * j, r["n"], n_fmt)
        row += 1

    row += 1
    book.put(ws, row, 0, "How to read the colours", book.section)
    row += 1
    legend = [
        (-2, False, "10+ points worse than the rest of the organisation"),
        (-1, False, "5 to 10 points worse"),
        (0, False, "within 5 points of the rest"),
        (1, False, "5 to 10 points better"),
        (2, False, "10+ points better"),
        (0, True, "bold with a dark border: significant (Welch t-test, Holm-adjusted p < 0.05)"),
    ]
    for level, sig, words in legend:
        book.put(ws, row, 0, "", book.coloured(level, sig))
        book.merge(ws, row, 1, last, words, book.text)
        row += 1
    book.put(ws, row, 0, "hidden", book.notice)
    book.merge(ws, row, 1, last, "hidden to protect confidentiality (no numbers shown)", book.text)
    row += 1
    worse = [c.label for c in cons if c.higher_worse]
    notes = [
        "Colour compares each group with everyone else; for "
        + (", ".join(worse) if worse else "constructs where higher is worse")
        + " a higher score is worse, so orange there means a higher score than the rest.",
        "Score: 0–100; n: people behind the score. Details per team on the following sheets.",
    ]
    for words in notes:
        book.merge(ws, row, 0, last, words, book.text)
        row += 1
    ws.set_column(0, 0, 30)
    ws.set_column(1, 1, 10)
    for j in range(len(cons)):
        ws.set_column(2 + 2 * j, 2 + 2 * j, 9)
        ws.set_column(3 + 2 * j, 3 + 2 * j, 6)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)


def _hidden_team_sheet(book: _Book, ws: Any, results: Any, team: str) -> None:
    _header_block(book, ws, results, f"{team}", 6)
    book.merge(
        ws,
        4,
        0,
        6,
        f"No results are shown for this group: {_hidden_reason(results, team)}. "
        "This protects the confidentiality of the people in it.",
        book.notice,
    )
    ws.set_row(4, 32)
    ws.set_column(0, 6, 16)


def _team_sheet(book: _Book, results: Any, team: str) -> None:
    ws = book.sheet(team)
    ws.freeze_panes(3, 0)
    if _team_hidden(results, team):
        _hidden_team_sheet(book, ws, results, team)
        return
    cons = {c.id: c for c in _constructs(results)}
    width = 11
    n = _team_n(results, team)
    row = _header_block(book, ws, results, f"{team}  (n = {n:,.0f})", width)

    # how to read
    book.put(ws, row, 0, "How to read this", book.section)
    row += 1
    for line in _how_to_read(results):
        book.merge(ws, row, 0, width, "• " + line, book.text)
        ws.set_row(row, 15 if len(line) < 150 else 28)
        row += 1
    row += 1

    # construct scores
    book.put(ws, row, 0, "Scores", book.section)
    row += 1
    heads = [
        "Construct",
        "Score (0–100)",
        "95% CI low",
        "95% CI high",
        "% favourable",
        "% unfavourable",
        "Rest of organisation",
        "Difference vs rest",
        "Effect size (d)",
        "p (Holm-adjusted)",
        "n",
        "Reading",
    ]
    for j, h in enumerate(heads):
        book.put(ws, row, j, h, book.header)
    ws.set_row(row, 30)
    row += 1
    for _, r in _team_rows(results, team).iterrows():
        c = cons.get(
            str(r["construct"]),
            _Construct(str(r["construct"]), str(r["construct"]), "higher_better"),
        )
        book.put(ws, row, 0, c.label, book.text)
        if bool(r["suppressed"]):
            book.merge(ws, row, 1, width, f"Hidden: {r['suppressed_reason']}", book.notice)
            row += 1
            continue
        sig = not _missing(r["p_adj"]) and float(r["p_adj"]) < ALPHA
        book.put(
            ws, row, 1, r["score"], book.coloured(_gap_bin(r["diff_vs_rest"], c.direction), sig)
        )
        book.put(ws, row, 2, r["ci_low"], book.score)
        book.put(ws, row, 3, r["ci_high"], book.score)
        book.put(ws, row, 4, _frac(r["favorable"]), book.pct)
        book.put(ws, row, 5, _frac(r["unfavorable"]), book.pct)
        book.put(ws, row, 6, r["rest_score"], book.score)
        book.put(ws, row, 7, r["diff_vs_rest"], book.diff)
        book.put(ws, row, 8, r["effect_size"], book.dval)
        book.put(ws, row, 9, r["p_adj"], book.pval)
        book.put(ws, row, 10, r["n"], book.count)
        book.put(ws, row, 11, _reading(r["diff_vs_rest"], r["p_adj"], c.direction), book.text)
        row += 1
    row += 1

    # items
    items = results.items
    if items is not None and len(items):
        rows = items[items["group"].astype(str) == team]
        org_items = results.org_items.set_index(results.org_items["item"].astype(str))
        book.put(ws, row, 0, "Questions", book.section)
        row += 1
        heads = [
            "Construct",
            "Question",
            "",
            "",
            "",
            "",
            "Score (0–100)",
            "Organisation score",
            "% favourable",
            "% unfavourable",
            "n",
        ]
        for j, h in enumerate(heads):
            book.put(ws, row, j, h, book.header)
        book.merge(ws, row, 1, 5, "Question", book.header)
        ws.set_row(row, 30)
        row += 1
        for _, r in rows.iterrows():
            org_r = org_items.loc[str(r["item"])] if str(r["item"]) in org_items.index else None
            cid = str(org_r["construct"]) if org_r is not None else str(r["construct"])
            label = cons[cid].label if cid in cons else cid
            book.put(ws, row, 0, label, book.text)
            book.merge(ws, row, 1, 5, _question_text(r), book.text)
            if bool(r["suppressed"]):
                book.merge(ws, row, 6, 10, f"Hidden: {r['suppressed_reason']}", book.notice)
            else:
                org_score = None if org_r is None or bool(org_r["suppressed"]) else org_r["score"]
                book.put(ws, row, 6, r["score"], book.score)
                book.put(ws, row, 7, org_score, book.score)
                book.put(ws, row, 8, _frac(r["favorable"]), book.pct)
                book.put(ws, row, 9, _frac(r["unfavorable"]), book.pct)
                book.put(ws, row, 10, r["n"], book.count)
            ws.set_row(row, 28 if len(_question_text(r)) > 62 else 15)
            row += 1
        row += 1

    # flags
    book.put(ws, row, 0, "Flags and recommended actions", book.section)
    row += 1
    flags = _team_flags(results, team)
    if not flags:
        book.merge(
            ws,
            row,
            0,
            width,
            "No flag for this team: no construct is significantly "
            "and materially worse than the rest of the organisation.",
            book.text,
        )
        row += 2
    for f in flags:
        book.put(ws, row, 0, _flag_type(f.type), book.fmt(bold=True))
        book.put(ws, row, 1, "Priority", book.fmt(font_color="#6b7280", align="right"))
        book.put(ws, row, 2, round(float(f.priority), 2), book.fmt(num_format="0.00"))
        row += 1
        book.merge(ws, row, 0, width, f.reason, book.text)
        ws.set_row(row, 15 * max(1, math.ceil(len(f.reason) / 150)))
        row += 1
        for j, h in enumerate(["Action", "What to do", "", "", "", "", "", "Evidence"]):
            book.put(ws, row, j, h, book.header)
        book.merge(ws, row, 7, width, "Evidence", book.header)
        row += 1
        for a in f.actions:
            book.put(ws, row, 0, a.get("title", ""), book.fmt(text_wrap=True, bold=True))
            book.merge(ws, row, 1, 6, a.get("detail", ""), book.text)
            book.merge(
                ws,
                row,
                7,
                width,
                a.get("source", ""),
                book.fmt(text_wrap=True, font_color="#4b5563", font_size=9),
            )
            longest = max(len(a.get("detail", "")) / 70, len(a.get("source", "")) / 55, 1)
            ws.set_row(row, 14 * math.ceil(longest))
            row += 1
        row += 1

    # themes and quotes
    book.put(ws, row, 0, "What the team's comments are about", book.section)
    row += 1
    if not _comments_visible(results, team):
        book.merge(
            ws,
            row,
            0,
            width,
            "Comments are not shown for this team: fewer than "
            f"{results.policy.min_comments} comments (confidentiality threshold).",
            book.notice,
        )
        row += 1
    else:
        themes = _team_themes(results, team)
        n_comments = _comment_count(results, team)
        book.merge(
            ws,
            row,
            0,
            width,
            f"{n_comments:,.0f} comments from this team were analysed. Largest themes:",
            book.text,
        )
        row += 1
        for j, h in enumerate(
            ["Theme", "", "", "Comments", "Share of team's comments", "Mean sentiment (−1 to 1)"]
        ):
            book.put(ws, row, j, h, book.header)
        row += 1
        for _, t in themes.iterrows():
            book.merge(ws, row, 0, 2, t["label"], book.text)
            book.put(ws, row, 3, t["size"], book.count)
            book.put(ws, row, 4, t["share"], book.pct)
            book.put(
                ws,
                row,
                5,
                t["mean_sentiment"],
                book.fmt(num_format="+0.00;-0.00;0.00", align="center"),
            )
            row += 1
        row += 1
        comments = _sheet_comments(_team_comments(results, team), themes)
        book.put(ws, row, 0, "Comments (redacted)", book.section)
        row += 1
        if comments.attrs.get("of", 0) > len(comments):
            book.merge(
                ws,
                row,
                0,
                width,
                f"The {len(comments)} most representative of the team's "
                f"{comments.attrs['of']:,} comments: a few from each of the largest themes, "
                "then the most strongly felt. Every comment is in the comments CSV download.",
                book.notice,
            )
            ws.set_row(row, 28)
            row += 1
        for j, h in enumerate(
            ["Question", "", "Comment", "", "", "", "", "", "Theme", "", "Sentiment"]
        ):
            book.put(ws, row, j, h, book.header)
        row += 1
        small = book.fmt(text_wrap=True, font_color="#4b5563", font_size=9)
        for c in comments.to_dict(orient="records"):
            book.merge(ws, row, 0, 1, c.get("question", ""), small)
            book.merge(ws, row, 2, 7, c["text"], book.text)
            book.merge(ws, row, 8, 9, c.get("theme_label", ""), book.text)
            book.put(ws, row, 10, c.get("label", ""), book.text)
            ws.set_row(row, 14 * max(1, math.ceil(len(str(c["text"])) / 80)))
            row += 1
    ws.set_column(0, 0, 28)
    ws.set_column(1, 10, 11)
    ws.set_column(11, 11, 22)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)


def _methods_sheet(book: _Book, results: Any) -> None:
    ws = book.sheet("Methods")
    row = _header_block(book, ws, results, "Methods and notes", 1)
    ws.freeze_panes(3, 0)
    for key, value in _methods_lines(results):
        book.put(ws, row, 0, key, book.fmt(bold=True, text_wrap=True))
        book.put(ws, row, 1, value, book.text)
        ws.set_row(row, 14 * max(1, math.ceil(len(value) / 95)))
        row += 1
    ws.set_column(0, 0, 26)
    ws.set_column(1, 1, 100)


def _frac(percent: object) -> float | None:
    return None if _missing(percent) else float(percent) / 100.0


def _question_text(row: pd.Series) -> str:
    """The item's own statement: a matrix stem ("How much do you agree ...? - ") is dropped."""
    q = row.get("question")
    text = str(q) if not _missing(q) and str(q) else str(row["item"])
    stem, sep, statement = text.partition(" - ")
    return (
        statement.strip()
        if sep and stem.rstrip().endswith(("?", ":")) and statement.strip()
        else text
    )


def _flag_type(kind: str) -> str:
    return {"change_management": "Change management", "training": "Training"}.get(
        kind, str(kind).replace("_", " ").capitalize()
    )


def team_workbook(results: Any, teams: Sequence[str] | None = None) -> bytes:
    """The team summary workbook: Overview, one sheet per team, Methods.

    ``teams`` picks group labels (default: every group); the overview then lists only those,
    below the organisation row. A hidden team's sheet holds only the notice.
    """
    chosen = _check_teams(results, teams)
    book = _Book()
    _overview_sheet(book, results, chosen)
    for team in chosen:
        _team_sheet(book, results, team)
    _methods_sheet(book, results)
    return book.close()


def _check_teams(results: Any, teams: Sequence[str] | None) -> list[str]:
    valid = team_names(results)
    if teams is None:
        return valid
    by_lower = {t.casefold(): t for t in valid}
    out, unknown = [], []
    for t in teams:
        hit = t if t in valid else by_lower.get(str(t).strip().casefold())
        if hit is None:
            unknown.append(str(t))
        elif hit not in out:
            out.append(hit)
    if unknown:
        names = ", ".join(repr(v) for v in valid) or "none (choose a grouping column)"
        raise ValueError(
            f"Unknown team name(s) {', '.join(repr(u) for u in unknown)} for grouping "
            f"{_grouping_text(results)}. Valid names: {names}."
        )
    return out


# --------------------------------------------------------------------------------------------
# CSV


def _csv_bytes(df: pd.DataFrame) -> bytes:
    """UTF-8 with BOM; text quoted and neutralised, numbers bare, missing empty."""
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
    writer.writerow([neutralise(clean_text(c)) for c in df.columns])
    for record in df.itertuples(index=False, name=None):
        writer.writerow([_csv_cell(v) for v in record])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _csv_cell(value: object) -> object:
    if _missing(value):
        return ""
    if isinstance(value, bool | np.bool_):
        return "TRUE" if value else "FALSE"
    if _is_number(value):
        f = float(value)
        return int(f) if f.is_integer() and abs(f) < 2**53 else f
    if isinstance(value, list | tuple | dict):
        value = "; ".join(map(str, value)) if not isinstance(value, dict) else str(value)
    return neutralise(clean_text(value))


def _with_context(df: pd.DataFrame, results: Any) -> pd.DataFrame:
    p = results.policy
    return df.assign(
        survey=str(results.survey_name), min_group_size=p.min_group, min_comments=p.min_comments
    )


def group_csv(results: Any, team: str | None = None) -> bytes:
    """The protected group × construct table (one team's rows when ``team`` is given).

    Hidden rows keep their labels and reason and have every number empty. The survey name and
    thresholds are repeated as the last three columns, so every file says how it was made.
    """
    df = results.groups
    if team is not None:
        df = _team_rows(results, _check_teams(results, [team])[0])
    labels = {c.id: c.label for c in _constructs(results)}
    out = df.copy()
    if "construct" in out.columns:
        pos = list(out.columns).index("construct") + 1
        out.insert(pos, "construct_label", out["construct"].astype(str).map(labels))
    return _csv_bytes(_with_context(out.reset_index(drop=True), results))


COMMENT_CSV_DROP = ("evidence",)


def comments_csv(results: Any, team: str | None = None) -> bytes:
    """Redacted, coded comments of groups meeting the comment threshold (or of one team)."""
    if team is not None:
        df = _team_comments(results, _check_teams(results, [team])[0])
    else:
        df = results.comments
    df = df.drop(columns=[c for c in COMMENT_CSV_DROP if c in df.columns])
    return _csv_bytes(_with_context(df.reset_index(drop=True), results))


# --------------------------------------------------------------------------------------------
# HTML

_CSS = """
:root { --ink:#1f2937; --muted:#4b5563; --line:#d1d5db; --accent:#5e3c99; --worse:#e66101; }
* { box-sizing: border-box; }
body { font-family: "Segoe UI", "Helvetica Neue", Arial, sans-serif; color: var(--ink);
       margin: 0; background: #fff; font-size: 14px; line-height: 1.45; }
main { max-width: 980px; margin: 0 auto; padding: 28px 32px 48px; }
header.top { border-bottom: 3px solid var(--accent); padding-bottom: 10px; margin-bottom: 18px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 18px; color: var(--accent); border-bottom: 1px solid var(--line);
     padding-bottom: 4px; margin: 30px 0 12px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.meta { color: var(--muted); margin: 2px 0; }
.confidential { display: inline-block; font-size: 11px; letter-spacing: .08em;
                text-transform: uppercase; color: #fff; background: var(--accent);
                padding: 2px 8px; border-radius: 3px; }
.notice { background: #f3f4f6; border-left: 4px solid #9ca3af; padding: 10px 14px; }
.glance { display: flex; gap: 12px; flex-wrap: wrap; margin: 8px 0 4px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; min-width: 170px;
        flex: 1; }
.card .big { font-size: 22px; font-weight: 600; }
.card .small { color: var(--muted); font-size: 12px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; font-size: 13px; }
th { text-align: left; background: #f3f4f6; border-bottom: 2px solid var(--line);
     padding: 6px 8px; vertical-align: bottom; }
td { border-bottom: 1px solid #e5e7eb; padding: 5px 8px; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.hidden { color: var(--muted); font-style: italic; background: #f3f4f6; }
.worse { color: #b45309; font-weight: 600; }
.better { color: var(--accent); font-weight: 600; }
figure { margin: 10px 0 16px; }
figure img { max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 12px; margin-top: 4px; }
.flag { border: 1px solid var(--line); border-left: 5px solid var(--worse); border-radius: 4px;
        padding: 10px 14px; margin: 10px 0; }
.flag .kind { font-weight: 600; }
.flag ol { margin: 6px 0 0 18px; padding: 0; }
.flag li { margin: 4px 0; }
.source { color: var(--muted); font-size: 12px; }
blockquote { margin: 8px 0; padding: 6px 12px; border-left: 3px solid var(--line);
             white-space: pre-wrap; }
blockquote .tag { color: var(--muted); font-size: 12px; display: block; }
ul.read { margin: 4px 0; padding-left: 18px; }
footer { margin-top: 34px; border-top: 1px solid var(--line); padding-top: 10px;
         color: var(--muted); font-size: 12px; }
footer dt { font-weight: 600; color: var(--ink); }
footer dd { margin: 0 0 6px 0; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { font-size: 11pt; }
  main { max-width: none; padding: 0; }
  section { break-before: page; }
  section.first { break-before: auto; }
  h2, h3 { break-after: avoid; }
  table, figure, .flag, blockquote, tr { break-inside: avoid; }
  .confidential { border: 1px solid var(--accent); color: var(--accent); background: none; }
  a { color: inherit; text-decoration: none; }
}
"""


def _charts() -> ModuleType:
    """ui.charts: the same pure chart builders the app uses (no Streamlit in that module)."""
    from ui import charts

    return charts


# Vega's expression parser rejects these inside string literals ("Unexpected token ILLEGAL"),
# and Vega-Lite compiles custom sort orders of data values into expressions.
_JS_LINE_BREAKS = str.maketrans({"\u2028": " ", "\u2029": " ", "\x85": " "})


def _clean_spec(node: Any) -> Any:
    if isinstance(node, str):
        return clean_text(node).translate(_JS_LINE_BREAKS)
    if isinstance(node, dict):
        return {clean_text(k): _clean_spec(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_clean_spec(v) for v in node]
    return node


def _svg_figure(chart: Any, alt_text: str) -> str:
    """A chart rendered offline to SVG and embedded as an image, with its text alternative."""
    import vl_convert

    svg = vl_convert.vegalite_to_svg(_clean_spec(chart.to_dict()))
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return (
        f'<figure><img alt="{_esc(alt_text)}" src="data:image/svg+xml;base64,{data}">'
        f"<figcaption>{_esc(alt_text)}</figcaption></figure>"
    )


def _num(value: object, fmt: str) -> str:
    return "–" if _missing(value) else format(float(value), fmt)


def _html_page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "img-src data:; style-src 'unsafe-inline'\">"
        '<meta name="referrer" content="no-referrer">'
        f"<title>{_esc(title)}</title><style>{_CSS}</style></head>"
        f"<body><main>{body}</main></body></html>\n"
    )


def _html_header(results: Any, heading: str, n: float | None) -> str:
    n_text = f" · n = {n:,.0f}" if n is not None and not _missing(n) else ""
    return (
        '<header class="top"><span class="confidential">Confidential · HR</span>'
        f"<h1>{_esc(heading)}</h1>"
        f'<p class="meta">Survey: <strong>{_esc(results.survey_name)}</strong>'
        f" · grouped by {_esc(_grouping_text(results))}{_esc(n_text)}"
        f" · report date {date.today().isoformat()}</p>"
        f'<p class="meta">{_esc(_thresholds_text(results.policy))}</p></header>'
    )


def _html_footer(results: Any) -> str:
    items = "".join(f"<dt>{_esc(k)}</dt><dd>{_esc(v)}</dd>" for k, v in _methods_lines(results))
    return f"<footer><h3>Methods and thresholds</h3><dl>{items}</dl></footer>"


def _scores_table(results: Any, rows: pd.DataFrame) -> str:
    cons = {c.id: c for c in _constructs(results)}
    head = (
        "<tr><th>Construct</th><th class=num>Score</th><th class=num>95% CI</th>"
        "<th class=num>% favourable</th><th class=num>Rest</th><th class=num>vs rest</th>"
        "<th class=num>d</th><th class=num>p (Holm)</th><th class=num>n</th><th>Reading</th></tr>"
    )
    body = []
    for _, r in rows.iterrows():
        c = cons.get(
            str(r["construct"]),
            _Construct(str(r["construct"]), str(r["construct"]), "higher_better"),
        )
        label = _esc(c.label) + (" <small>(higher = worse)</small>" if c.higher_worse else "")
        if bool(r["suppressed"]):
            body.append(
                f"<tr><td>{label}</td><td class=hidden colspan=9>Hidden: "
                f"{_esc(r['suppressed_reason'])}</td></tr>"
            )
            continue
        reading = _reading(r["diff_vs_rest"], r["p_adj"], c.direction)
        cls = {"worse than the rest": "worse", "better than the rest": "better"}.get(reading, "")
        body.append(
            f"<tr><td>{label}</td><td class=num><strong>{_num(r['score'], '.0f')}</strong></td>"
            f"<td class=num>{_num(r['ci_low'], '.0f')}–{_num(r['ci_high'], '.0f')}</td>"
            f"<td class=num>{_num(r['favorable'], '.0f')}%</td>"
            f"<td class=num>{_num(r['rest_score'], '.0f')}</td>"
            f"<td class=num>{_num(r['diff_vs_rest'], '+.1f')}</td>"
            f"<td class=num>{_num(r['effect_size'], '+.2f')}</td>"
            f"<td class=num>{_p_text(r['p_adj'])}</td>"
            f"<td class=num>{_num(r['n'], ',.0f')}</td>"
            f'<td class="{cls}">{_esc(reading)}</td></tr>'
        )
    return f"<table><thead>{head}</thead><tbody>{''.join(body)}</tbody></table>"


def _p_text(p: object) -> str:
    if _missing(p):
        return "–"
    return "<0.001" if float(p) < 0.001 else f"{float(p):.3f}"


def _items_table(results: Any, team: str) -> str:
    items = results.items
    if items is None or not len(items):
        return ""
    rows = items[items["group"].astype(str) == team]
    org_items = results.org_items.set_index(results.org_items["item"].astype(str))
    cons = {c.id: c.label for c in _constructs(results)}
    body = []
    for _, r in rows.iterrows():
        org_r = org_items.loc[str(r["item"])] if str(r["item"]) in org_items.index else None
        cid = str(org_r["construct"]) if org_r is not None else str(r["construct"])
        q = _esc(_question_text(r))
        if bool(r["suppressed"]):
            body.append(
                f"<tr><td>{_esc(cons.get(cid, cid))}</td><td>{q}</td><td class=hidden "
                f"colspan=4>Hidden: {_esc(r['suppressed_reason'])}</td></tr>"
            )
            continue
        org_score = None if org_r is None or bool(org_r["suppressed"]) else org_r["score"]
        body.append(
            f"<tr><td>{_esc(cons.get(cid, cid))}</td><td>{q}</td>"
            f"<td class=num>{_num(r['score'], '.0f')}</td>"
            f"<td class=num>{_num(org_score, '.0f')}</td>"
            f"<td class=num>{_num(r['favorable'], '.0f')}%</td>"
            f"<td class=num>{_num(r['n'], ',.0f')}</td></tr>"
        )
    return (
        "<table><thead><tr><th>Construct</th><th>Question</th><th class=num>Score</th>"
        "<th class=num>Organisation</th><th class=num>% favourable</th><th class=num>n</th>"
        f"</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def _flags_html(flags: list[Any], with_quotes: bool) -> str:
    if not flags:
        return (
            "<p>No flag for this team: no construct is significantly and materially worse "
            "than the rest of the organisation.</p>"
        )
    out = []
    for f in flags:
        actions = "".join(
            f"<li><strong>{_esc(a.get('title', ''))}</strong>: {_esc(a.get('detail', ''))}"
            f'<br><span class="source">Evidence: {_esc(a.get("source", ""))}</span></li>'
            for a in f.actions
        )
        quotes = ""
        if with_quotes and f.quotes:
            quotes = "".join(f"<blockquote>{_esc(q)}</blockquote>" for q in f.quotes[:3])
            quotes = f"<h3>In their words</h3>{quotes}"
        out.append(
            f'<div class="flag"><div class="kind">{_esc(_flag_type(f.type))} · priority '
            f"{float(f.priority):.2f}</div><p>{_esc(f.reason)}</p>"
            f"<h3>Recommended actions</h3><ol>{actions}</ol>{quotes}</div>"
        )
    return "".join(out)


def team_html(results: Any, team: str) -> str:
    """One team's printable, self-contained report (no script, no network, no web fonts)."""
    charts = _charts()
    team = _check_teams(results, [team])[0]
    if _team_hidden(results, team):
        body = _html_header(results, team, None) + (
            f'<section class="first"><p class="notice">No results are shown for this group: '
            f"{_esc(_hidden_reason(results, team))}. This protects the confidentiality of the "
            "people in it.</p></section>"
        )
        return _html_page(f"{team}: {results.survey_name}", body + _html_footer(results))

    rows = _team_rows(results, team)
    org_rows = results.org.assign(direction=results.org["direction"].astype(str))
    directions = dict(zip(org_rows["construct"].astype(str), org_rows["direction"], strict=True))
    labels = dict(
        zip(org_rows["construct"].astype(str), org_rows["label"].astype(str), strict=True)
    )
    table = rows.assign(
        direction=rows["construct"].astype(str).map(directions),
        label=rows["construct"].astype(str).map(labels),
    )
    flags = _team_flags(results, team)
    visible = rows[~rows["suppressed"].astype(bool)]
    worse = [
        labels.get(str(r["construct"]), str(r["construct"]))
        for _, r in visible.iterrows()
        if _reading(r["diff_vs_rest"], r["p_adj"], directions.get(str(r["construct"]), ""))
        == "worse than the rest"
    ]
    comments_ok = _comments_visible(results, team)
    n_comments = _comment_count(results, team)
    glance = (
        '<div class="glance">'
        f'<div class="card"><div class="big">{_team_n(results, team):,.0f}</div>'
        '<div class="small">people answered</div></div>'
        f'<div class="card"><div class="big">{len(flags)}</div><div class="small">'
        f"flag{'s' if len(flags) != 1 else ''} for change management or training</div></div>"
        f'<div class="card"><div class="big">{len(worse)}</div><div class="small">'
        f"construct{'s' if len(worse) != 1 else ''} significantly worse than the rest"
        f"{(': ' + _esc(', '.join(worse))) if worse else ''}</div></div>"
        f'<div class="card"><div class="big">'
        f"{(f'{n_comments:,.0f}') if comments_ok else 'hidden'}</div>"
        f'<div class="small">comments{"" if comments_ok else " (under the threshold)"}'
        "</div></div></div>"
    )
    read = "".join(f"<li>{_esc(line)}</li>" for line in _how_to_read(results))
    heat = charts.heatmap(table, directions=directions, title=f"{team}: scores vs the rest")
    heat_alt = charts.heatmap_alt_text(table, directions=directions)
    parts = [
        _html_header(results, team, _team_n(results, team)),
        f'<section class="first"><h2>At a glance</h2>{glance}'
        f'<h3>How to read this</h3><ul class="read">{read}</ul></section>',
        f"<section><h2>Scores</h2>{_svg_figure(heat, heat_alt)}"
        f"{_scores_table(results, rows)}<h3>Questions</h3>{_items_table(results, team)}"
        "</section>",
        f"<section><h2>Flags and recommended actions</h2>{_flags_html(flags, comments_ok)}"
        "</section>",
    ]
    if comments_ok:
        themes = _team_themes(results, team)
        comments = _team_comments(results, team)
        quotes = _quotes(comments, themes, MAX_QUOTES_HTML)
        theme_part = (
            _svg_figure(
                charts.themes_bar(themes, title=f"{team}: largest comment themes"),
                charts.themes_bar_alt_text(themes),
            )
            if len(themes)
            else "<p>No recurring themes in this team's comments.</p>"
        )
        quote_part = "".join(
            f'<blockquote>{_esc(q["text"])}<span class="tag">{_esc(q.get("question", ""))}'
            f"{(' · theme: ' + _esc(q['theme_label'])) if q.get('theme_label') else ''}"
            "</span></blockquote>"
            for _, q in quotes.iterrows()
        )
        parts.append(
            f"<section><h2>What the comments are about</h2><p>{n_comments:,.0f} comments from "
            "this team were analysed (names, e-mails and IDs are replaced by placeholders)."
            f"</p>{theme_part}<h3>Example comments</h3>{quote_part}</section>"
        )
    else:
        parts.append(
            '<section><h2>What the comments are about</h2><p class="notice">Comments are not '
            f"shown for this team: fewer than {results.policy.min_comments} comments "
            "(confidentiality threshold).</p></section>"
        )
    parts.append(_html_footer(results))
    return _html_page(f"{team}: {results.survey_name}", "".join(parts))


def overview_html(results: Any) -> str:
    """HR's overview: every group's heatmap, key drivers, themes and all flags."""
    charts = _charts()

    org = results.org
    directions = dict(zip(org["construct"].astype(str), org["direction"].astype(str), strict=True))
    labels = dict(zip(org["construct"].astype(str), org["label"].astype(str), strict=True))
    groups = results.groups.assign(
        direction=results.groups["construct"].astype(str).map(directions),
        label=results.groups["construct"].astype(str).map(labels),
    )
    org_rows = "".join(
        f"<tr><td>{_esc(r['label'])}</td><td class=num>{_num(r['score'], '.0f')}</td>"
        f"<td class=num>{_num(r['ci_low'], '.0f')}–{_num(r['ci_high'], '.0f')}</td>"
        f"<td class=num>{_num(r['favorable'], '.0f')}%</td>"
        f"<td class=num>{_num(r['n'], ',.0f')}</td></tr>"
        if not bool(r.get("suppressed", False))
        else f"<tr><td>{_esc(r['label'])}</td><td class=hidden colspan=4>Hidden</td></tr>"
        for _, r in org.iterrows()
    )
    parts = [
        _html_header(results, f"{results.survey_name}: overview", results.n),
        '<section class="first"><h2>Organisation</h2><table><thead><tr><th>Construct</th>'
        "<th class=num>Score</th><th class=num>95% CI</th><th class=num>% favourable</th>"
        f"<th class=num>n</th></tr></thead><tbody>{org_rows}</tbody></table></section>",
    ]
    if len(groups):
        parts.append(
            "<section><h2>Groups</h2>"
            + _svg_figure(
                charts.heatmap(groups, directions=directions),
                charts.heatmap_alt_text(groups, directions=directions),
            )
            + "</section>"
        )
    if results.drivers is not None and len(results.drivers):
        parts.append(
            "<section><h2>What drives the outcome</h2>"
            + _svg_figure(
                charts.drivers_bar(results.drivers), charts.drivers_bar_alt_text(results.drivers)
            )
            + "</section>"
        )
    if results.themes is not None and len(results.themes):
        parts.append(
            "<section><h2>Comment themes</h2>"
            + _svg_figure(
                charts.themes_bar(results.themes), charts.themes_bar_alt_text(results.themes)
            )
            + "</section>"
        )
    flag_html = (
        "".join(
            f"<h3>{_esc(f.group_label)}</h3>"
            + _flags_html([f], _comments_visible(results, f.group_label))
            for f in results.flags
        )
        or "<p>No group is flagged.</p>"
    )
    parts.append(f"<section><h2>Flags</h2>{flag_html}</section>")
    parts.append(_html_footer(results))
    return _html_page(f"{results.survey_name}: overview", "".join(parts))


# --------------------------------------------------------------------------------------------
# batch packs


def pack_slug(name: str) -> str:
    """A file-name-safe ASCII slug; never empty, never a path ('../x' -> 'x')."""
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60].strip("-")
    return slug or "team"


def write_packs(
    prepared: Any,
    by: Sequence[str] | str,
    out_dir: str | Path,
    teams: Sequence[str] | None = None,
    formats: Sequence[str] = FORMATS,
    policy: PrivacyPolicy | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> list[Path]:
    """Write one manager pack per team plus HR's overview pack; returns the files written.

    Layout: ``out_dir/overview/overview.{xlsx,html}``, ``groups.csv``, ``comments.csv``; and
    ``out_dir/teams/<slug>/<slug>.xlsx``, ``<slug>.html``, ``<slug>_scores.csv``,
    ``<slug>_comments.csv``. ``progress(done, total, team)`` is called after each team.
    Unknown team names or formats raise ``ValueError`` naming the valid ones.
    """
    from analysis import pipeline

    fmts = [f.strip().lower() for f in ([formats] if isinstance(formats, str) else formats)]
    fmts = [f for part in fmts for f in part.split(",") if f]
    bad = [f for f in fmts if f not in FORMATS]
    if bad or not fmts:
        raise ValueError(
            f"Unknown format(s) {', '.join(map(repr, bad)) or '(none given)'}; "
            f"choose from {', '.join(FORMATS)}."
        )
    results = pipeline.analyze(prepared, by=by, policy=policy or PrivacyPolicy())
    if not results.by:
        raise ValueError("Choose a grouping column (for example 'team') to make team packs.")
    chosen = _check_teams(results, teams)
    out = Path(out_dir)
    written: list[Path] = []

    def emit(folder: Path, name: str, data: bytes | str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        if out.resolve() not in path.resolve().parents:
            raise ValueError(f"Refusing to write outside {out}: {name!r}.")
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        written.append(path)

    overview = out / "overview"
    if "xlsx" in fmts:
        emit(overview, "overview.xlsx", team_workbook(results))
    if "csv" in fmts:
        emit(overview, "groups.csv", group_csv(results))
        emit(overview, "comments.csv", comments_csv(results))
    if "html" in fmts:
        emit(overview, "overview.html", overview_html(results))

    used: set[str] = set()
    for i, team in enumerate(chosen, 1):
        slug = pack_slug(team)
        k = 2
        while slug in used:
            slug = f"{pack_slug(team)}-{k}"
            k += 1
        used.add(slug)
        folder = out / "teams" / slug
        if "xlsx" in fmts:
            emit(folder, f"{slug}.xlsx", team_workbook(results, [team]))
        if "csv" in fmts:
            emit(folder, f"{slug}_scores.csv", group_csv(results, team))
            emit(folder, f"{slug}_comments.csv", comments_csv(results, team))
        if "html" in fmts:
            emit(folder, f"{slug}.html", team_html(results, team))
        if progress is not None:
            progress(i, len(chosen), team)
    return written
