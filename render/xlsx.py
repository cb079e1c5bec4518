"""The team summary workbook (XLSX): Overview, one sheet per team, Methods.

Cells are written only through :class:`render.workbook.Book` (numbers or inert text).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from typing import Any

import pandas as pd

from analysis.thresholds import THRESHOLDS
from render import teams as T
from render.formats import ALPHA, missing
from render.methods import how_to_read, methods_lines, thresholds_text
from render.workbook import Book

__all__ = ["team_workbook"]

WIDTH = 11  # last column of a team sheet


def _significant(row: pd.Series) -> bool:
    return not missing(row["p_adj"]) and float(row["p_adj"]) < ALPHA


def _header_block(book: Book, ws: Any, results: Any, title: str, width: int) -> int:
    book.merge(ws, 0, 0, width, title, book.title)
    ws.set_row(0, 24)
    line = (
        f"Survey: {results.survey_name} · grouped by {T.grouping_text(results)} · "
        f"{results.n:,} respondents · {date.today().isoformat()}"
    )
    book.merge(ws, 1, 0, width, line, book.subtitle)
    book.merge(ws, 2, 0, width, thresholds_text(results.policy), book.subtitle)
    return 4


# --------------------------------------------------------------------------------------------
# Overview sheet


def _overview_heads(book: Book, ws: Any, head: int, cons: list[T.Construct]) -> int:
    for col, words in ((0, "Group"), (1, "People (n)")):
        ws.merge_range(head, col, head + 1, col, "", book.header)
        book.put(ws, head, col, words, book.header)
    over = book.fmt(bold=True, bg_color="#eeeeee", align="center", text_wrap=True, valign="bottom")
    for j, c in enumerate(cons):
        book.merge(ws, head, 2 + 2 * j, 3 + 2 * j, c.label, over)
        book.put(ws, head + 1, 2 + 2 * j, "Score", book.header)
        book.put(ws, head + 1, 3 + 2 * j, "n", book.header)
    ws.set_row(head, 30)
    ws.freeze_panes(head + 2, 1)
    return head + 2


def _overview_org_row(book: Book, ws: Any, row: int, results: Any, cons: list) -> int:
    org = results.org.set_index(results.org["construct"].astype(str))
    book.put(ws, row, 0, "Organisation", book.fmt(bold=True, top=1, bottom=1))
    count = book.fmt(num_format="#,##0", align="center", bold=True, top=1, bottom=1)
    book.put(ws, row, 1, results.n, count)
    score = book.fmt(num_format="0", align="center", bold=True, top=1, bottom=1)
    n_fmt = book.fmt(num_format="#,##0", align="center", font_color="#6b7280", top=1, bottom=1)
    for j, c in enumerate(cons):
        r = org.loc[c.id] if c.id in org.index else None
        hidden = r is None or bool(r.get("suppressed", False))
        book.put(ws, row, 2 + 2 * j, None if hidden else r["score"], score)
        book.put(ws, row, 3 + 2 * j, None if hidden else r["n"], n_fmt)
    return row + 1


def _overview_team_row(book: Book, ws: Any, row: int, results: Any, team: str, cons: list) -> None:
    last = 1 + 2 * len(cons)
    book.put(ws, row, 0, team, book.text)
    if T.team_hidden(results, team):
        book.merge(ws, row, 1, last, f"Hidden: {T.hidden_reason(results, team)}", book.notice)
        return
    n_fmt = book.fmt(num_format="#,##0", align="center", font_color="#6b7280")
    book.put(ws, row, 1, T.team_n(results, team), book.count)
    rows = T.team_rows(results, team).set_index("construct")
    for j, c in enumerate(cons):
        if c.id not in rows.index or bool(rows.loc[c.id, "suppressed"]):
            book.merge(ws, row, 2 + 2 * j, 3 + 2 * j, "hidden", book.notice)
            continue
        r = rows.loc[c.id]
        fmt = book.coloured(T.gap_bin(r["diff_vs_rest"], c.direction), _significant(r))
        book.put(ws, row, 2 + 2 * j, r["score"], fmt)
        book.put(ws, row, 3 + 2 * j, r["n"], n_fmt)


def _colour_legend(book: Book, ws: Any, row: int, cons: list[T.Construct]) -> int:
    last = 1 + 2 * len(cons)
    book.put(ws, row, 0, "How to read the colours", book.section)
    row += 1
    strong, light = f"{THRESHOLDS.strong_points:g}", f"{THRESHOLDS.min_points:g}"
    legend = [
        (-2, False, f"{strong}+ points worse than the rest of the organisation"),
        (-1, False, f"{light} to {strong} points worse"),
        (0, False, f"within {light} points of the rest"),
        (1, False, f"{light} to {strong} points better"),
        (2, False, f"{strong}+ points better"),
        (
            0,
            True,
            f"bold with a dark border: significant (Welch t-test, Holm-adjusted p < {ALPHA:g})",
        ),
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
    return row


def _overview_sheet(book: Book, results: Any, teams: list[str]) -> None:
    ws = book.sheet("Overview")
    cons = T.constructs(results)
    last = 1 + 2 * len(cons)
    head = _header_block(book, ws, results, f"{results.survey_name}: team overview", last)
    row = _overview_heads(book, ws, head, cons)
    row = _overview_org_row(book, ws, row, results, cons)
    for team in teams:
        _overview_team_row(book, ws, row, results, team, cons)
        row += 1
    _colour_legend(book, ws, row + 1, cons)
    ws.set_column(0, 0, 30)
    ws.set_column(1, 1, 10)
    for j in range(len(cons)):
        ws.set_column(2 + 2 * j, 2 + 2 * j, 9)
        ws.set_column(3 + 2 * j, 3 + 2 * j, 6)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)


# --------------------------------------------------------------------------------------------
# Team sheets: one block per section, each returning the next free row


def _hidden_team_sheet(book: Book, ws: Any, results: Any, team: str) -> None:
    _header_block(book, ws, results, f"{team}", 6)
    book.merge(
        ws,
        4,
        0,
        6,
        f"No results are shown for this group: {T.hidden_reason(results, team)}. "
        "This protects the confidentiality of the people in it.",
        book.notice,
    )
    ws.set_row(4, 32)
    ws.set_column(0, 6, 16)


def _how_to_read_block(book: Book, ws: Any, row: int, results: Any) -> int:
    book.put(ws, row, 0, "How to read this", book.section)
    row += 1
    for line in how_to_read(results):
        book.merge(ws, row, 0, WIDTH, "• " + line, book.text)
        ws.set_row(row, 15 if len(line) < 150 else 28)
        row += 1
    return row + 1


_SCORE_HEADS = (
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
)


def _score_row(book: Book, ws: Any, row: int, r: pd.Series, c: T.Construct) -> None:
    book.put(ws, row, 0, c.label, book.text)
    if bool(r["suppressed"]):
        book.merge(ws, row, 1, WIDTH, f"Hidden: {r['suppressed_reason']}", book.notice)
        return
    level = T.gap_bin(r["diff_vs_rest"], c.direction)
    book.put(ws, row, 1, r["score"], book.coloured(level, _significant(r)))
    book.put(ws, row, 2, r["ci_low"], book.score)
    book.put(ws, row, 3, r["ci_high"], book.score)
    book.put(ws, row, 4, T.frac(r["favorable"]), book.pct)
    book.put(ws, row, 5, T.frac(r["unfavorable"]), book.pct)
    book.put(ws, row, 6, r["rest_score"], book.score)
    book.put(ws, row, 7, r["diff_vs_rest"], book.diff)
    book.put(ws, row, 8, r["effect_size"], book.dval)
    book.put(ws, row, 9, r["p_adj"], book.pval)
    book.put(ws, row, 10, r["n"], book.count)
    book.put(ws, row, 11, T.reading(r["diff_vs_rest"], r["p_adj"], c.direction), book.text)


def _scores_block(book: Book, ws: Any, row: int, results: Any, team: str) -> int:
    cons = {c.id: c for c in T.constructs(results)}
    book.put(ws, row, 0, "Scores", book.section)
    row += 1
    book.heads(ws, row, _SCORE_HEADS)
    ws.set_row(row, 30)
    row += 1
    for _, r in T.team_rows(results, team).iterrows():
        _score_row(book, ws, row, r, T.construct_of(cons, r["construct"]))
        row += 1
    return row + 1


_ITEM_HEADS = (
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
)


def _item_row(book: Book, ws: Any, row: int, r: pd.Series, org_r: Any, label: str) -> None:
    book.put(ws, row, 0, label, book.text)
    book.merge(ws, row, 1, 5, T.question_text(r), book.text)
    if bool(r["suppressed"]):
        book.merge(ws, row, 6, 10, f"Hidden: {r['suppressed_reason']}", book.notice)
    else:
        org_score = None if org_r is None or bool(org_r["suppressed"]) else org_r["score"]
        book.put(ws, row, 6, r["score"], book.score)
        book.put(ws, row, 7, org_score, book.score)
        book.put(ws, row, 8, T.frac(r["favorable"]), book.pct)
        book.put(ws, row, 9, T.frac(r["unfavorable"]), book.pct)
        book.put(ws, row, 10, r["n"], book.count)
    ws.set_row(row, 28 if len(T.question_text(r)) > 62 else 15)


def _items_block(book: Book, ws: Any, row: int, results: Any, team: str) -> int:
    items = results.items
    if items is None or not len(items):
        return row
    cons = {c.id: c for c in T.constructs(results)}
    rows = items[items["group"].astype(str) == team]
    org_items = results.org_items.set_index(results.org_items["item"].astype(str))
    book.put(ws, row, 0, "Questions", book.section)
    row += 1
    book.heads(ws, row, _ITEM_HEADS)
    book.merge(ws, row, 1, 5, "Question", book.header)
    ws.set_row(row, 30)
    row += 1
    for _, r in rows.iterrows():
        org_r = org_items.loc[str(r["item"])] if str(r["item"]) in org_items.index else None
        cid = str(org_r["construct"]) if org_r is not None else str(r["construct"])
        _item_row(book, ws, row, r, org_r, cons[cid].label if cid in cons else cid)
        row += 1
    return row + 1


def _item_gaps_block(book: Book, ws: Any, row: int, results: Any, team: str) -> int:
    """The questions clearly below the rest (the hot spots' screen at question level)."""
    if getattr(results, "item_gaps", None) is None or not len(results.item_gaps):
        return row
    gaps = T.team_item_gaps(results, team)
    cons = {c.id: c.label for c in T.constructs(results)}
    book.put(ws, row, 0, "Questions clearly below the rest", book.section)
    row += 1
    if not len(gaps):
        book.merge(ws, row, 0, WIDTH, T.NO_ITEM_GAP, book.text)
        return row + 2
    book.heads(ws, row, ["Construct", "Question", "", "", "", "", "Score", "Rest", "Gap"])
    book.merge(ws, row, 1, 5, "Question", book.header)
    book.put(ws, row, 9, "95% interval", book.header)
    book.put(ws, row, 10, "n", book.header)
    row += 1
    for _, r in gaps.iterrows():
        book.put(ws, row, 0, cons.get(str(r["construct"]), str(r["construct"])), book.text)
        book.merge(ws, row, 1, 5, T.question_text(r), book.text)
        book.put(ws, row, 6, r["score"], book.score)
        book.put(ws, row, 7, r["rest_score"], book.score)
        book.put(ws, row, 8, r["gap"], book.score)
        book.put(ws, row, 9, T.gap_interval(r), book.text)
        book.put(ws, row, 10, r["n"], book.count)
        ws.set_row(row, 28 if len(T.question_text(r)) > 62 else 15)
        row += 1
    book.merge(ws, row, 0, WIDTH, T.ITEM_GAP_NOTE, book.small)
    return row + 2


def _flag_rows(book: Book, ws: Any, row: int, f: Any, results: Any) -> int:
    book.put(ws, row, 0, T.flag_type(f.type), book.fmt(bold=True))
    book.merge(ws, row, 1, 3, T.priority_text(results, f), book.fmt(bold=True))
    row += 1
    reason = T.plain_reason(f.reason)
    book.merge(ws, row, 0, WIDTH, reason, book.text)
    ws.set_row(row, 15 * max(1, math.ceil(len(reason) / 150)))
    row += 1
    book.heads(ws, row, ["Action", "What to do", "", "", "", "", "", "Evidence"])
    book.merge(ws, row, 7, WIDTH, "Evidence", book.header)
    row += 1
    for a in f.actions:
        book.put(ws, row, 0, a.get("title", ""), book.fmt(text_wrap=True, bold=True))
        detail = " ".join(x for x in (T.answers_text(a), a.get("detail", "")) if x)
        book.merge(ws, row, 1, 6, detail, book.text)
        book.merge(ws, row, 7, WIDTH, a.get("source", ""), book.small)
        longest = max(len(detail) / 70, len(a.get("source", "")) / 55, 1)
        ws.set_row(row, 14 * math.ceil(longest))
        row += 1
    return row + 1


def _flags_block(book: Book, ws: Any, row: int, results: Any, team: str) -> int:
    book.put(ws, row, 0, "Flags and recommended actions", book.section)
    row += 1
    flags = T.team_flags(results, team)
    if not flags:
        book.merge(
            ws,
            row,
            0,
            WIDTH,
            "No flag for this team: no construct is significantly "
            "and materially worse than the rest of the organisation.",
            book.text,
        )
        row += 2
    for f in flags:
        row = _flag_rows(book, ws, row, f, results)
    if flags:
        for note in (T.PRIORITY_MEANING, f"How this is computed: {T.PRIORITY_FORMULA}"):
            book.merge(ws, row, 0, WIDTH, note, book.small)
            ws.set_row(row, 15 * max(1, math.ceil(len(note) / 150)))
            row += 1
        row += 1
    return row


def _themes_rows(book: Book, ws: Any, row: int, themes: pd.DataFrame, n_comments: float) -> int:
    book.merge(
        ws,
        row,
        0,
        WIDTH,
        f"{n_comments:,.0f} comments from this team were analysed. Largest themes:",
        book.text,
    )
    row += 1
    book.heads(
        ws,
        row,
        [
            "Theme",
            "",
            "",
            "Comments",
            "Share of team's comments",
            "Mean sentiment (−1 to 1)",
            "Largest sub-themes (comments)",
            "",
            "",
            "",
            "Also a second concern in",
        ],
    )
    book.merge(ws, row, 6, 9, "Largest sub-themes (comments)", book.header)
    ws.set_row(row, 30)
    row += 1
    for _, t in themes.iterrows():
        book.merge(ws, row, 0, 2, t["label"], book.text)
        book.put(ws, row, 3, t["size"], book.count)
        book.put(ws, row, 4, t["share"], book.pct)
        book.put(ws, row, 5, t["mean_sentiment"], book.dval)
        book.merge(ws, row, 6, 9, t.get("sub_themes", ""), book.text)
        book.put(ws, row, 10, t.get("as_second", 0), book.count)
        row += 1
    return row + 1


def _comment_rows(book: Book, ws: Any, row: int, comments: pd.DataFrame) -> int:
    book.put(ws, row, 0, "Comments (redacted)", book.section)
    row += 1
    if comments.attrs.get("of", 0) > len(comments):
        book.merge(
            ws,
            row,
            0,
            WIDTH,
            f"The {len(comments)} most representative of the team's "
            f"{comments.attrs['of']:,} comments: a few from each of the largest themes, "
            "then the most strongly felt. Every comment is in the comments CSV download.",
            book.notice,
        )
        ws.set_row(row, 28)
        row += 1
    book.heads(ws, row, ["Question", "", "Comment", "", "", "", "", "", "Theme", "", "Sentiment"])
    row += 1
    for c in comments.to_dict(orient="records"):
        book.merge(ws, row, 0, 1, c.get("question", ""), book.small)
        book.merge(ws, row, 2, 7, c["text"], book.text)
        book.merge(ws, row, 8, 9, T.theme_path(c), book.text)
        book.put(ws, row, 10, c.get("label", ""), book.text)
        ws.set_row(row, 14 * max(1, math.ceil(len(str(c["text"])) / 80)))
        row += 1
    return row


def _comments_block(
    book: Book, ws: Any, row: int, results: Any, team: str, labels: pd.Series
) -> int:
    book.put(ws, row, 0, "What the team's comments are about", book.section)
    row += 1
    if not T.comments_visible(results, team):
        book.merge(
            ws,
            row,
            0,
            WIDTH,
            "Comments are not shown for this team: fewer than "
            f"{results.policy.min_comments} comments (confidentiality threshold).",
            book.notice,
        )
        return row + 1
    themes = T.team_themes(results, team, labels)
    row = _themes_rows(book, ws, row, themes, T.comment_count(results, team))
    comments = T.sheet_comments(T.team_comments(results, team, labels), themes)
    return _comment_rows(book, ws, row, comments)


def _limits_block(book: Book, ws: Any, row: int, results: Any) -> int:
    """The alerts and notes (see :func:`render.teams.limits`), before anything else."""
    for line in T.limits(results):
        book.merge(ws, row, 0, WIDTH, line, book.notice)
        ws.set_row(row, 15 * max(1, math.ceil(len(line) / 140)))
        row += 1
    return row + 1 if T.limits(results) else row


def _team_sheet(book: Book, results: Any, team: str, labels: pd.Series) -> None:
    ws = book.sheet(team)
    ws.freeze_panes(3, 0)
    if T.team_hidden(results, team):
        _hidden_team_sheet(book, ws, results, team)
        return
    if T.has_scores(results):
        n = T.team_n(results, team)
        row = _header_block(book, ws, results, f"{team}  (n = {n:,.0f})", WIDTH)
        row = _limits_block(book, ws, row, results)
        row = _how_to_read_block(book, ws, row, results)
        row = _scores_block(book, ws, row, results, team)
        row = _items_block(book, ws, row, results, team)
        row = _item_gaps_block(book, ws, row, results, team)
    else:  # a comments-only survey: its notes say what needs rated questions
        row = _header_block(book, ws, results, team, WIDTH)
        row = _limits_block(book, ws, row, results)
    row = _flags_block(book, ws, row, results, team)
    _comments_block(book, ws, row, results, team, labels)
    ws.set_column(0, 0, 28)
    ws.set_column(1, 10, 11)
    ws.set_column(11, 11, 22)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)


def _methods_sheet(book: Book, results: Any) -> None:
    ws = book.sheet("Methods")
    row = _header_block(book, ws, results, "Methods and notes", 1)
    ws.freeze_panes(3, 0)
    for key, value in methods_lines(results):
        book.put(ws, row, 0, key, book.fmt(bold=True, text_wrap=True))
        book.put(ws, row, 1, value, book.text)
        ws.set_row(row, 14 * max(1, math.ceil(len(value) / 95)))
        row += 1
    ws.set_column(0, 0, 26)
    ws.set_column(1, 1, 100)


def team_workbook(results: Any, teams: Sequence[str] | None = None) -> bytes:
    """The team summary workbook: Overview, one sheet per team, Methods.

    ``teams`` picks group labels (default: every group); the overview then lists only those,
    below the organisation row. A hidden team's sheet holds only the notice.
    """
    chosen = T.check_teams(results, teams)
    labels = T.comment_labels(results)
    book = Book()
    _overview_sheet(book, results, chosen)
    for team in chosen:
        _team_sheet(book, results, team, labels)
    _methods_sheet(book, results)
    return book.close()
