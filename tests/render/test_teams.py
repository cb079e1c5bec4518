"""render.teams: the words a manager reads (plain reasons, priority ranks) and no repeats."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from render import teams as T

REASON = (
    "Sales (n=40): Trust in AI 42/100 vs 58 for the rest of the organisation "
    "(adjusted p<0.001, d=0.9); Fear 60/100 vs 50 (adjusted p=0.020, d=0.4); "
    "83% of its 12 comments ask for training or support (vs 0% elsewhere, adjusted p<0.01)."
)


def test_plain_reason_drops_test_statistics_and_names_the_gap():
    assert T.plain_reason(REASON) == (
        "Sales (n=40): Trust in AI 42/100 vs 58 for the rest of the organisation "
        "(a large gap); Fear 60/100 vs 50 (a small but clear gap); "
        "83% of its 12 comments ask for training or support (vs 0% elsewhere)."
    )
    assert T.plain_reason("No statistics here.") == "No statistics here."
    assert "medium gap" in T.plain_reason("X 1/100 vs 2 (adjusted p=0.030, d=-0.6).")


def _flag(label: str, priority: float) -> SimpleNamespace:
    return SimpleNamespace(group_label=label, type="training", priority=priority)


def test_priority_is_a_rank_among_all_flags():
    flags = [_flag("a", 0.4), _flag("b", 2.01), _flag("c", 1.0)]
    results = SimpleNamespace(flags=flags)
    assert [T.priority_rank(results, f) for f in flags] == [(3, 3), (1, 3), (2, 3)]
    copy = _flag("c", 1.0)  # e.g. a flag whose quotes were stripped for a viewer
    assert T.priority_text(results, copy) == "Priority 2 of 3"
    assert "1 is the one to act on first" in T.PRIORITY_MEANING
    assert "Cohen's d" in T.PRIORITY_FORMULA


def test_repeated_comments_are_shown_once():
    texts = ["We need training", "we need  TRAINING", "Other point", "We need training"]
    assert T.unique_texts(texts) == ["We need training", "Other point"]
    df = pd.DataFrame({"text": texts, "compound": [0.1, 0.2, 0.3, 0.4], "theme": [0, 0, 1, 0]})
    assert list(T.unique_comments(df)["text"]) == ["We need training", "Other point"]
    picked = T.quotes(df.assign(text=[t + " for the new tools" for t in texts]), df.iloc[0:0], 5)
    assert len(picked) == 2


def test_sub_themes_and_theme_path_of_the_shown_comments():
    # issue 15: the packs carry each theme's sub-themes and the second concern of a comment
    comments = pd.DataFrame(
        {
            "theme": [0, 0, 0, 0, 1],
            "theme_label": ["Jobs", "Jobs", "Jobs", "Jobs", "Skills"],
            "sub_theme_label": ["pay", "pay", "layoffs", "", ""],
            "secondary_theme_label": ["", "Skills", "", "", ""],
        }
    )
    # the shown comments hold their labels as categories: no category is counted at 0
    held = comments.astype({"sub_theme_label": "category", "secondary_theme_label": "category"})
    for frame in (comments, held):
        assert T.sub_theme_text(frame, 0) == "pay (2), layoffs (1)"
        assert T.sub_theme_text(frame, 1) == ""
    assert T.sub_theme_text(comments.drop(columns="sub_theme_label"), 0) == ""
    rows = comments.to_dict("records")
    assert [T.theme_path(r) for r in rows] == [
        "Jobs › pay",
        "Jobs › pay; also: Skills",
        "Jobs › layoffs",
        "Jobs",
        "Skills",
    ]
    assert T.theme_path({"secondary_theme_label": "Skills"}) == "also: Skills"


def test_team_themes_carry_sub_themes_and_second_concerns(by_team):
    team = next(t for t in T.team_names(by_team) if T.comments_visible(by_team, t))
    themes = T.team_themes(by_team, team)
    comments = T.team_comments(by_team, team)
    assert (themes["sub_themes"] != "").any()
    for _, t in themes.iterrows():
        assert t["sub_themes"] == T.sub_theme_text(comments, t["theme"])
        assert t["as_second"] == int((comments["secondary_theme_label"] == t["label"]).sum())
