"""Self-contained HTML reports: one per team (for its manager) and HR's overview.

No ``<script>``, no external URL and no web font: CSS is inline (and a Content-Security-Policy
forbids anything else) and the charts (:mod:`render.charts`, rendered offline by
``vl_convert``) are embedded as ``data:image/svg+xml`` images, which browsers never let run
scripts. All user text goes through :func:`render.safety.html_text`.
"""

from __future__ import annotations

import base64
from datetime import date
from typing import Any

import pandas as pd

from render import teams as T
from render.charts import drivers as drivers_charts
from render.charts import grid
from render.charts import themes as theme_charts
from render.formats import missing, number, p_value
from render.methods import how_to_read, methods_lines, thresholds_text
from render.safety import clean_text
from render.safety import html_text as _esc

__all__ = ["overview_html", "team_html"]

MAX_QUOTES_HTML = 12

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
    n_text = f" · n = {n:,.0f}" if n is not None and not missing(n) else ""
    return (
        '<header class="top"><span class="confidential">Confidential · HR</span>'
        f"<h1>{_esc(heading)}</h1>"
        f'<p class="meta">Survey: <strong>{_esc(results.survey_name)}</strong>'
        f" · grouped by {_esc(T.grouping_text(results))}{_esc(n_text)}"
        f" · report date {date.today().isoformat()}</p>"
        f'<p class="meta">{_esc(thresholds_text(results.policy))}</p></header>'
    )


def _html_footer(results: Any) -> str:
    items = "".join(f"<dt>{_esc(k)}</dt><dd>{_esc(v)}</dd>" for k, v in methods_lines(results))
    return f"<footer><h3>Methods and thresholds</h3><dl>{items}</dl></footer>"


_SCORES_HEAD = (
    "<tr><th>Construct</th><th class=num>Score</th><th class=num>95% CI</th>"
    "<th class=num>% favourable</th><th class=num>Rest</th><th class=num>vs rest</th>"
    "<th class=num>d</th><th class=num>p (Holm)</th><th class=num>n</th><th>Reading</th></tr>"
)


def _score_row(r: pd.Series, c: T.Construct) -> str:
    label = _esc(c.label) + (" <small>(higher = worse)</small>" if c.higher_worse else "")
    if bool(r["suppressed"]):
        return (
            f"<tr><td>{label}</td><td class=hidden colspan=9>Hidden: "
            f"{_esc(r['suppressed_reason'])}</td></tr>"
        )
    reading = T.reading(r["diff_vs_rest"], r["p_adj"], c.direction)
    cls = {"worse than the rest": "worse", "better than the rest": "better"}.get(reading, "")
    return (
        f"<tr><td>{label}</td><td class=num><strong>{number(r['score'], '.0f')}</strong></td>"
        f"<td class=num>{number(r['ci_low'], '.0f')}–{number(r['ci_high'], '.0f')}</td>"
        f"<td class=num>{number(r['favorable'], '.0f')}%</td>"
        f"<td class=num>{number(r['rest_score'], '.0f')}</td>"
        f"<td class=num>{number(r['diff_vs_rest'], '+.1f')}</td>"
        f"<td class=num>{number(r['effect_size'], '+.2f')}</td>"
        f"<td class=num>{p_value(r['p_adj'])}</td>"
        f"<td class=num>{number(r['n'], ',.0f')}</td>"
        f'<td class="{cls}">{_esc(reading)}</td></tr>'
    )


def _scores_table(results: Any, rows: pd.DataFrame) -> str:
    cons = {c.id: c for c in T.constructs(results)}
    body = [_score_row(r, T.construct_of(cons, r["construct"])) for _, r in rows.iterrows()]
    return f"<table><thead>{_SCORES_HEAD}</thead><tbody>{''.join(body)}</tbody></table>"


def _items_table(results: Any, team: str) -> str:
    items = results.items
    if items is None or not len(items):
        return ""
    rows = items[items["group"].astype(str) == team]
    org_items = results.org_items.set_index(results.org_items["item"].astype(str))
    cons = {c.id: c.label for c in T.constructs(results)}
    body = []
    for _, r in rows.iterrows():
        org_r = org_items.loc[str(r["item"])] if str(r["item"]) in org_items.index else None
        cid = str(org_r["construct"]) if org_r is not None else str(r["construct"])
        q = _esc(T.question_text(r))
        if bool(r["suppressed"]):
            body.append(
                f"<tr><td>{_esc(cons.get(cid, cid))}</td><td>{q}</td><td class=hidden "
                f"colspan=4>Hidden: {_esc(r['suppressed_reason'])}</td></tr>"
            )
            continue
        org_score = None if org_r is None or bool(org_r["suppressed"]) else org_r["score"]
        body.append(
            f"<tr><td>{_esc(cons.get(cid, cid))}</td><td>{q}</td>"
            f"<td class=num>{number(r['score'], '.0f')}</td>"
            f"<td class=num>{number(org_score, '.0f')}</td>"
            f"<td class=num>{number(r['favorable'], '.0f')}%</td>"
            f"<td class=num>{number(r['n'], ',.0f')}</td></tr>"
        )
    return (
        "<table><thead><tr><th>Construct</th><th>Question</th><th class=num>Score</th>"
        "<th class=num>Organisation</th><th class=num>% favourable</th><th class=num>n</th>"
        f"</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def _item_gaps_html(results: Any, team: str) -> str:
    """The questions clearly below the rest (the hot spots' screen at question level)."""
    if getattr(results, "item_gaps", None) is None or not len(results.item_gaps):
        return ""
    gaps = T.team_item_gaps(results, team)
    if not len(gaps):
        return f"<h3>Questions clearly below the rest</h3><p>{_esc(T.NO_ITEM_GAP)}</p>"
    cons = {c.id: c.label for c in T.constructs(results)}
    body = "".join(
        f"<tr><td>{_esc(cons.get(str(r['construct']), str(r['construct'])))}</td>"
        f"<td>{_esc(T.question_text(r))}</td>"
        f"<td class=num>{number(r['score'], '.0f')}</td>"
        f"<td class=num>{number(r['rest_score'], '.0f')}</td>"
        f"<td class=num>{number(r['gap'], '.0f')} ({_esc(T.gap_interval(r))})</td>"
        f"<td class=num>{number(r['n'], ',.0f')}</td></tr>"
        for _, r in gaps.iterrows()
    )
    return (
        "<h3>Questions clearly below the rest</h3><table><thead><tr><th>Construct</th>"
        "<th>Question</th><th class=num>Score</th><th class=num>Rest</th>"
        "<th class=num>Gap (95% interval)</th><th class=num>n</th></tr></thead>"
        f"<tbody>{body}</tbody></table><p class=source>{_esc(T.ITEM_GAP_NOTE)}</p>"
    )


def _item_drivers_html(results: Any) -> str:
    """The questions that go most with the outcome (relative weights within each measure)."""
    top = T.top_item_drivers(results)
    if not len(top):
        return ""
    cons = {c.id: c.label for c in T.constructs(results)}
    outcome = str(top["outcome"].iloc[0])
    body = "".join(
        f"<tr><td>{_esc(cons.get(str(r['construct']), str(r['construct'])))}</td>"
        f"<td class=num>{number(r['r2'], '.2f')}</td><td>{_esc(T.question_text(r))}</td>"
        f"<td class=num>{number(100 * r['share'], '.0f')}% "
        f"({number(100 * r['ci_low'], '.0f')}–{number(100 * r['ci_high'], '.0f')})</td>"
        f"<td class=num>{number(r['n'], ',.0f')}</td></tr>"
        for _, r in top.iterrows()
    )
    return (
        f"<section><h2>Which questions go with {_esc(cons.get(outcome, outcome))}</h2>"
        "<table><thead><tr><th>Measure</th><th class=num>R²</th><th>Leading question</th>"
        "<th class=num>Its share (95% interval)</th><th class=num>n</th></tr>"
        f"</thead><tbody>{body}</tbody></table><p class=source>{_esc(T.ITEM_DRIVER_NOTE)}</p>"
        "</section>"
    )


def _flags_html(results: Any, flags: list[Any], with_quotes: bool) -> str:
    """Each flag: its kind and priority rank (with what the rank means), the reason in plain
    words, the actions, distinct quotes, and a closed "how this is computed" note."""
    if not flags:
        return (
            "<p>No flag for this team: no construct is significantly and materially worse "
            "than the rest of the organisation.</p>"
        )
    out = []
    for f in flags:
        actions = "".join(
            f"<li><strong>{_esc(a.get('title', ''))}</strong>: "
            f"{(_esc(T.answers_text(a)) + ' ') if a.get('question') else ''}"
            f"{_esc(a.get('detail', ''))}"
            f'<br><span class="source">Evidence: {_esc(a.get("source", ""))}</span></li>'
            for a in f.actions
        )
        quotes = ""
        if with_quotes and f.quotes:
            quotes = "".join(
                f"<blockquote>{_esc(q)}</blockquote>" for q in T.unique_texts(f.quotes)[:3]
            )
            quotes = f"<h3>In their words</h3>{quotes}"
        how = (
            "<details><summary>How this is computed</summary>"
            f"<p>{_esc(T.PRIORITY_FORMULA)}</p>"
            f"<p class=source>{_esc(getattr(f, 'priority_formula', ''))}</p></details>"
        )
        out.append(
            f'<div class="flag"><div class="kind">{_esc(T.flag_type(f.type))} · '
            f"{_esc(T.priority_text(results, f))}</div>"
            f'<p class="source">{_esc(T.PRIORITY_MEANING)}</p>'
            f"<p>{_esc(T.plain_reason(f.reason))}</p>"
            f"<h3>Recommended actions</h3><ol>{actions}</ol>{quotes}{how}</div>"
        )
    return "".join(out)


def _construct_maps(results: Any) -> tuple[dict[str, str], dict[str, str]]:
    """construct id -> direction, and construct id -> label, from the organisation table."""
    org = results.org
    ids = org["construct"].astype(str)
    directions = dict(zip(ids, org["direction"].astype(str), strict=True))
    labels = dict(zip(ids, org["label"].astype(str), strict=True))
    return directions, labels


def _glance(results: Any, team: str, flags: list[Any], worse: list[str]) -> str:
    comments_ok = T.comments_visible(results, team)
    n_comments = T.comment_count(results, team)
    return (
        '<div class="glance">'
        f'<div class="card"><div class="big">{T.team_n(results, team):,.0f}</div>'
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


def _comments_section(results: Any, team: str) -> str:
    if not T.comments_visible(results, team):
        return (
            '<section><h2>What the comments are about</h2><p class="notice">Comments are not '
            f"shown for this team: fewer than {results.policy.min_comments} comments "
            "(confidentiality threshold).</p></section>"
        )
    labels = T.comment_labels(results)
    themes = T.team_themes(results, team, labels)
    quotes = T.quotes(T.team_comments(results, team, labels), themes, MAX_QUOTES_HTML)
    theme_part = (
        _svg_figure(
            theme_charts.themes_bar(themes, title=f"{team}: largest comment themes"),
            theme_charts.themes_bar_alt_text(themes),
        )
        if len(themes)
        else "<p>No recurring themes in this team's comments.</p>"
    )
    if len(themes) and (themes["sub_themes"] != "").any():
        rows = "".join(
            f"<tr><td>{_esc(t['label'])}</td><td>{_esc(t['sub_themes']) or '—'}</td>"
            f"<td class=num>{int(t['as_second'])}</td></tr>"
            for _, t in themes.iterrows()
        )
        theme_part += (
            "<table><thead><tr><th>Theme</th><th>Largest sub-themes (comments)</th>"
            "<th class=num>Also a second concern in</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
        )
    quote_part = "".join(
        f'<blockquote>{_esc(q["text"])}<span class="tag">{_esc(q.get("question", ""))}'
        f"{(' · theme: ' + _esc(T.theme_path(q))) if q.get('theme_label') else ''}"
        "</span></blockquote>"
        for _, q in quotes.iterrows()
    )
    return (
        "<section><h2>What the comments are about</h2><p>"
        f"{T.comment_count(results, team):,.0f} comments from "
        "this team were analysed (names, e-mails and IDs are replaced by placeholders)."
        f"</p>{theme_part}<h3>Example comments</h3>{quote_part}</section>"
    )


def _hidden_team_page(results: Any, team: str) -> str:
    body = _html_header(results, team, None) + (
        f'<section class="first"><p class="notice">No results are shown for this group: '
        f"{_esc(T.hidden_reason(results, team))}. This protects the confidentiality of the "
        "people in it.</p></section>"
    )
    return _html_page(f"{team}: {results.survey_name}", body + _html_footer(results))


def _limits_html(results: Any) -> str:
    """The alerts and notes every page shows first (see :func:`render.teams.limits`)."""
    lines = T.limits(results)
    if not lines:
        return ""
    items = "".join(f"<li>{_esc(line)}</li>" for line in lines)
    return f'<section class="first"><div class="notice"><ul>{items}</ul></div></section>'


def _comments_only_page(results: Any, team: str) -> str:
    """A team page of a survey with no rated questions: comment flags and comments."""
    flags = T.team_flags(results, team)
    parts = [
        _html_header(results, team, None),
        _limits_html(results),
        "<section><h2>Flags and recommended actions</h2>"
        f"{_flags_html(results, flags, True)}</section>",
        _comments_section(results, team),
        _html_footer(results),
    ]
    return _html_page(f"{team}: {results.survey_name}", "".join(parts))


def team_html(results: Any, team: str) -> str:
    """One team's printable, self-contained report (no script, no network, no web fonts)."""
    team = T.check_teams(results, [team])[0]
    if T.team_hidden(results, team):
        return _hidden_team_page(results, team)
    if not T.has_scores(results):
        return _comments_only_page(results, team)
    rows = T.team_rows(results, team)
    directions, labels = _construct_maps(results)
    table = rows.assign(
        direction=rows["construct"].astype(str).map(directions),
        label=rows["construct"].astype(str).map(labels),
    )
    flags = T.team_flags(results, team)
    visible = rows[~rows["suppressed"].astype(bool)]
    worse = [
        labels.get(str(r["construct"]), str(r["construct"]))
        for _, r in visible.iterrows()
        if T.reading(r["diff_vs_rest"], r["p_adj"], directions.get(str(r["construct"]), ""))
        == "worse than the rest"
    ]
    read = "".join(f"<li>{_esc(line)}</li>" for line in how_to_read(results))
    heat, heat_alt = grid.heatmap_and_alt_text(
        table, directions=directions, title=f"{team}: scores vs the rest"
    )
    parts = [
        _html_header(results, team, T.team_n(results, team)),
        _limits_html(results),
        f'<section class="first"><h2>At a glance</h2>{_glance(results, team, flags, worse)}'
        f'<h3>How to read this</h3><ul class="read">{read}</ul></section>',
        f"<section><h2>Scores</h2>{_svg_figure(heat, heat_alt)}"
        f"{_scores_table(results, rows)}<h3>Questions</h3>{_items_table(results, team)}"
        f"{_item_gaps_html(results, team)}</section>",
        "<section><h2>Flags and recommended actions</h2>"
        f"{_flags_html(results, flags, T.comments_visible(results, team))}</section>",
        _comments_section(results, team),
        _html_footer(results),
    ]
    return _html_page(f"{team}: {results.survey_name}", "".join(parts))


def _org_table(results: Any) -> str:
    rows = "".join(
        f"<tr><td>{_esc(r['label'])}</td><td class=num>{number(r['score'], '.0f')}</td>"
        f"<td class=num>{number(r['ci_low'], '.0f')}–{number(r['ci_high'], '.0f')}</td>"
        f"<td class=num>{number(r['favorable'], '.0f')}%</td>"
        f"<td class=num>{number(r['n'], ',.0f')}</td></tr>"
        if not bool(r.get("suppressed", False))
        else f"<tr><td>{_esc(r['label'])}</td><td class=hidden colspan=4>Hidden</td></tr>"
        for _, r in results.org.iterrows()
    )
    return (
        '<section class="first"><h2>Organisation</h2><table><thead><tr><th>Construct</th>'
        "<th class=num>Score</th><th class=num>95% CI</th><th class=num>% favourable</th>"
        f"<th class=num>n</th></tr></thead><tbody>{rows}</tbody></table></section>"
    )


def _chart_sections(results: Any) -> list[str]:
    directions, labels = _construct_maps(results)
    groups = results.groups.assign(
        direction=results.groups["construct"].astype(str).map(directions),
        label=results.groups["construct"].astype(str).map(labels),
    )
    parts = []
    if len(groups):
        heat, heat_alt = grid.heatmap_and_alt_text(groups, directions=directions)
        parts.append(f"<section><h2>Groups</h2>{_svg_figure(heat, heat_alt)}</section>")
    drivers = results.drivers
    if drivers is not None and len(drivers):
        figure = _svg_figure(
            drivers_charts.drivers_bar(drivers), drivers_charts.drivers_bar_alt_text(drivers)
        )
        parts.append(f"<section><h2>What drives the outcome</h2>{figure}</section>")
    themes = results.themes
    if themes is not None and len(themes):
        figure = _svg_figure(
            theme_charts.themes_bar(themes), theme_charts.themes_bar_alt_text(themes)
        )
        parts.append(f"<section><h2>Comment themes</h2>{figure}</section>")
    return parts


def overview_html(results: Any) -> str:
    """HR's overview: every group's heatmap, key drivers, themes and all flags."""
    flag_html = (
        "".join(
            f"<h3>{_esc(f.group_label)}</h3>"
            + _flags_html(results, [f], T.comments_visible(results, f.group_label))
            for f in results.flags
        )
        or "<p>No group is flagged.</p>"
    )
    parts = [
        _html_header(results, f"{results.survey_name}: overview", results.n),
        _org_table(results),
        *_chart_sections(results),
        _item_drivers_html(results),
        f"<section><h2>Flags</h2>{flag_html}</section>",
        _html_footer(results),
    ]
    return _html_page(f"{results.survey_name}: overview", "".join(parts))
