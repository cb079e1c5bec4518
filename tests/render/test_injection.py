"""Injected text in every export format at once: payload comments, then any text (property)."""

from __future__ import annotations

import io
import re

import pandas as pd
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from render import csv as render_csv
from render import html as render_html
from render import safety, xlsx
from render import teams as T
from tests.render.exports import (
    HYPERLINK,
    PAYLOADS,
    SCRIPT,
    _results_by,
    check_csv,
    check_html,
    check_xlsx,
    hidden_teams,
    team_sheet,
    visible_teams,
    with_comment_texts,
)


def test_hyperlink_comment_is_inert_text_everywhere(by_team):
    results = with_comment_texts(by_team, [HYPERLINK, SCRIPT])
    team = next(t for t in visible_teams(results) if T.comments_visible(results, t))
    wb = check_xlsx(xlsx.team_workbook(results, [team]), results, [team])
    cells = [c for r in team_sheet(wb, team).iter_rows() for c in r if c.value]
    hits = [c for c in cells if c.value == "'" + HYPERLINK]
    assert hits and all(c.data_type == "s" and c.hyperlink is None for c in hits)
    page = render_html.team_html(results, team)
    check_html(page)
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "=HYPERLINK(&quot;http://x&quot;,&quot;y&quot;)" in page


# --------------------------------------------------------------------------- property


TEXT = st.one_of(
    st.sampled_from(PAYLOADS),
    st.text(max_size=60),
    st.builds(
        lambda lead, rest: lead + rest,
        st.sampled_from([*safety.INJECTION_CHARS, " ", "\n", "'", '"', "<", "&"]),
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
    names = T.team_names(results)
    team = names[pick % len(names)]
    chosen = list(dict.fromkeys([team, *hidden_teams(results)[:1]]))
    check_xlsx(xlsx.team_workbook(results, chosen), results, chosen)
    for data in (
        render_csv.group_csv(results),
        render_csv.comments_csv(results),
        render_csv.comments_csv(results, team),
    ):
        check_csv(data)
    back = pd.read_csv(
        io.BytesIO(render_csv.group_csv(results)), keep_default_na=False, na_values=[""]
    )
    hidden = back[back["suppressed"]]
    assert hidden[["n", "score", "diff_vs_rest", "p_adj"]].isna().all().all()
    page = render_html.team_html(results, team)
    check_html(page)
    for t in texts:
        # Only text that could open a tag matters; a lone "<" also occurs in the page's markup.
        if re.search(r"<[A-Za-z/!?]", t) and t in page:
            raise AssertionError(f"unescaped text in HTML: {t!r}")
    if not T.comments_visible(results, team):
        assert "<blockquote" not in page
