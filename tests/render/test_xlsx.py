"""render.xlsx and render.workbook: the team summary workbook, cell by cell against Results."""

from __future__ import annotations

import io
import re

import openpyxl
import pandas as pd
import pytest

from render import csv as render_csv
from render import html as render_html
from render import safety, xlsx
from render import teams as T
from render.workbook import sheet_name
from tests.render.exports import (
    HYPERLINK,
    check_xlsx,
    hidden_teams,
    rows_after,
    team_sheet,
    visible_teams,
)


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
    got = sheet_name(name, taken)
    assert got == expected
    assert len(got) <= 31 and not re.search(r"[\[\]:*?/\\]", got)


# --------------------------------------------------------------------------- XLSX


def test_workbook_is_inert_and_says_how_it_was_made(by_team):
    wb = check_xlsx(xlsx.team_workbook(by_team), by_team)
    assert wb.sheetnames[0] == "Overview" and wb.sheetnames[-1] == "Methods"
    assert len(wb.sheetnames) == len(T.team_names(by_team)) + 2
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
    cons = T.constructs(by_team)
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
        row = rows[safety.neutralise(team)]
        table = T.team_rows(by_team, team).set_index("construct")
        for j, c in enumerate(cons):
            if bool(table.loc[c.id, "suppressed"]):
                assert row[2 + 2 * j] == "hidden"
                continue
            assert row[2 + 2 * j] == pytest.approx(table.loc[c.id, "score"], abs=1e-9)
            assert row[3 + 2 * j] == table.loc[c.id, "n"]
            checked += 1
    assert checked >= 6 * 10
    for team in hidden_teams(by_team):
        row = rows[safety.neutralise(team)]
        assert row[1].startswith("Hidden: fewer than 5 responses")
        assert not any(isinstance(v, int | float) for v in row)


def test_overview_colours_follow_direction_and_gap(by_team, workbook):
    """Orange = worse whatever the direction: fear higher than the rest is orange."""
    ws = workbook.worksheets[0]
    cons = T.constructs(by_team)
    head = next(r for r in range(1, 20) if ws.cell(r, 1).value == "Group")
    orange = purple = 0
    for r in range(head + 3, ws.max_row + 1):
        team = ws.cell(r, 1).value
        if team in (None, "How to read the colours"):
            break
        table = by_team.groups[by_team.groups["group"].map(safety.neutralise) == team]
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
    expected = T.team_rows(by_team, team)
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
            assert str(got[6]).lower().endswith(str(want["suppressed_reason"]).lower())
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
    assert safety.neutralise(T.plain_reason(flag.reason)) in text
    rank, of = T.priority_rank(by_team, flag)
    assert f"Priority {rank} of {of}" in text and T.PRIORITY_MEANING in text
    reasons = [t for t in text if t.startswith(f"{flag.group_label} (n=")]
    assert reasons and not any("adjusted p" in t or "d=" in t for t in reasons)
    for action in flag.actions:  # an action chosen by question says which one first
        detail = " ".join(x for x in (T.answers_text(action), action["detail"]) if x)
        assert action["title"] in text and detail in text
    assert any(a.get("question") for f in flagged for a in f.actions)
    assert "How to read this" in text
    team_comments = T.team_comments(by_team, flag.group_label)
    shown = T.sheet_comments(team_comments, T.team_themes(by_team, flag.group_label))
    distinct = T.unique_comments(team_comments)
    assert len(shown) == min(len(distinct), T.MAX_COMMENTS_XLSX)
    assert not shown["text"].str.casefold().duplicated().any()
    assert set(shown["text"].map(safety.neutralise)) <= set(text)


def test_team_sheet_caps_comments_and_points_to_the_csv(by_team, workbook):
    """A big team's sheet holds the cap of representative comments and says so; the
    comments CSV keeps every one."""
    counts = {t: len(T.team_comments(by_team, t)) for t in visible_teams(by_team)}
    team, total = max(counts.items(), key=lambda kv: kv[1])
    assert total > T.MAX_COMMENTS_XLSX
    cells = [c for r in team_sheet(workbook, team).iter_rows(values_only=True) for c in r if c]
    texts = set(T.team_comments(by_team, team)["text"].map(safety.neutralise))
    on_sheet = [c for c in cells if c in texts]
    assert len(set(on_sheet)) <= T.MAX_COMMENTS_XLSX
    assert len(on_sheet) >= T.MAX_COMMENTS_XLSX // 2
    assert any(
        isinstance(c, str) and f"of the team's {total:,} comments" in c and "CSV" in c
        for c in cells
    )
    assert len(pd.read_csv(io.BytesIO(render_csv.comments_csv(by_team, team)))) == total


def test_comments_only_for_teams_over_the_threshold(results_by):
    strict = results_by["team, strict"]
    wb = check_xlsx(xlsx.team_workbook(strict), strict)
    below = [t for t in visible_teams(strict) if not T.comments_visible(strict, t)]
    assert below, "the strict policy should leave visible teams without comments"
    all_texts = set(results_by["team"].comments["text"])
    for team in below:
        ws = team_sheet(wb, team)
        cells = {c for r in ws.iter_rows(values_only=True) for c in r if isinstance(c, str)}
        assert not cells & all_texts
        assert any("Comments are not shown for this team" in c for c in cells)
        assert len(pd.read_csv(io.BytesIO(render_csv.comments_csv(strict, team)))) == 0
    page = render_html.team_html(strict, below[0])
    assert "<blockquote" not in page and "Comments are not" in page


def test_hidden_team_sheet_holds_only_the_notice(by_team, workbook):
    team = hidden_teams(by_team)[0]
    ws = team_sheet(workbook, team)
    values = [c for r in ws.iter_rows(values_only=True) for c in r if c is not None]
    assert all(isinstance(v, str) for v in values)
    assert any("No results are shown for this group: fewer than 5 responses" in v for v in values)
    page = render_html.team_html(by_team, team)
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
    # the interval the tables carry (analysis.scoring.intervals), not a plain t-interval
    assert "Wilson" in pairs["Confidence interval"] and "0–100" in pairs["Confidence interval"]


def test_selected_teams_and_unknown_team(by_team):
    wb = openpyxl.load_workbook(
        io.BytesIO(xlsx.team_workbook(by_team, ["customer support", "Data Platform"]))
    )
    assert wb.sheetnames == ["Overview", "Customer Support", "Data Platform", "Methods"]
    with pytest.raises(ValueError, match=r"Unknown team name\(s\) 'Nope'.*Valid names: .*"):
        xlsx.team_workbook(by_team, ["Nope"])


def test_team_sheet_lists_the_questions_clearly_below_the_rest(by_team, workbook):
    # issue 19: the item-level screen reaches the manager's workbook, worst gap first
    gaps = by_team.item_gaps
    flagged = gaps[gaps["state"] == "flag"]
    team = flagged["group"].value_counts().index[0]
    want = flagged[flagged["group"] == team].sort_values("gap", ascending=False, kind="stable")
    table = rows_after(team_sheet(workbook, team), "Questions clearly below the rest")
    assert table[0][0] == "Construct" and table[0][6:11] == (
        "Score",
        "Rest",
        "Gap",
        "95% interval",
        "n",
    )
    body = table[1:-1]  # the last row is the note on how to read the gap
    assert len(body) == len(want)
    for got, (_, row) in zip(body, want.iterrows(), strict=True):
        assert row["question"].endswith(got[1])
        assert got[6] == pytest.approx(row["score"], abs=1e-9)
        assert got[8] == pytest.approx(row["gap"], abs=1e-9)
        assert got[10] == row["n"]
    assert "Gap: points below the rest" in table[-1][0]
    # a visible team with no such question says so rather than showing an empty table
    calm = [t for t in visible_teams(by_team) if t not in set(flagged["group"])]
    assert calm
    note = rows_after(team_sheet(workbook, calm[0]), "Questions clearly below the rest")
    assert note[0][0] == T.NO_ITEM_GAP


def test_methods_comments_line_without_the_counts_a_view_withholds(by_team):
    """A filtered view that leaves out its counts of every comment (``counts_withheld``) says so
    in the Methods line, with no count of comments received, filler or not in English."""
    from dataclasses import replace

    from render.methods import methods_lines

    summary = by_team.comment_summary
    line = dict(methods_lines(by_team))["Comments"]
    assert f"{summary['total']} comments received, {summary['filler']} filler" in line
    held = replace(by_team, comment_summary={"analysed": 40, "shown": 12, "counts_withheld": 1})
    line = dict(methods_lines(held))["Comments"]
    assert line.startswith("40 analysed, 12 shown") and "received" not in line.split(".")[0]
    assert "does not count the comments received" in line
