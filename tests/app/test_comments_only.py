"""AppTest of a real comments-only survey (issues 15 and 23) and of sub-themes, second themes
and quotes on the Comments page, plus an upload whose read was interrupted by a click away.

The file is ``tests/data/comments_only/community_feedback_comments_only.csv``: real public
answers (dev split only) with a team column and two open questions, no rated item.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from tests.app.conftest import Ready, open_comment_tab, ready, seeded_app
from ui import state, theme_detail

FILE = (
    Path(__file__).resolve().parents[1]
    / "data"
    / "comments_only"
    / "community_feedback_comments_only.csv"
)
SCORE_PAGES = ("overview", "teams", "trends", "pilot")


@pytest.fixture(scope="module")
def comments_only() -> Ready:
    return ready(FILE.read_bytes(), FILE.name)


def _texts(at) -> str:
    parts = [e.value for kind in ("info", "warning", "caption", "markdown") for e in at.get(kind)]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("page", SCORE_PAGES)
def test_score_pages_say_what_they_need(comments_only: Ready, page: str) -> None:
    at = seeded_app(comments_only, f"app_pages/{page}.py")
    assert not at.exception
    assert not at.error
    assert any("no rated questions" in i.value for i in at.info), _texts(at)


def test_hot_spots_page_says_its_flags_come_from_comments_alone(comments_only: Ready) -> None:
    at = seeded_app(comments_only, "app_pages/hotspots.py")
    assert not at.exception and not at.error
    note = next(i.value for i in at.info if "no rated questions" in i.value)
    assert "comments alone" in note and "need rated questions" in note


def test_comments_page_shows_themes_quotes_and_signals(comments_only: Ready) -> None:
    at = seeded_app(comments_only, "app_pages/comments.py")
    assert not at.exception and not at.error
    themes = at.dataframe[0].value
    assert len(themes) >= 2
    assert "second" in themes.columns
    assert any(c.startswith("share_") and c != "share" for c in themes.columns)  # signals
    quotes = next(d.value for d in at.dataframe if "In their words" in d.value.columns)
    shown = set(comments_only.prepared.comments["redacted"].astype(str))
    assert 1 <= len(quotes) <= 3
    assert set(quotes["In their words"]) <= shown  # real, redacted comments, nothing made up
    open_comment_tab(at, "Read comments")
    assert not at.exception and not at.error
    table = at.dataframe[-1].value
    assert {"Theme", "Sub-theme", "Second theme", "Team"} <= set(table.columns)
    assert (table["Question"] != "").all()  # a plain table's header is the question


def test_downloads_offer_team_files_without_scores(comments_only: Ready) -> None:
    at = seeded_app(comments_only, "app_pages/downloads.py")
    assert not at.exception
    buttons = {b.proto.label: b.proto.disabled for b in at.get("download_button")}
    assert buttons["Team summary (Excel)"] is False
    assert buttons["All scores (CSV)"] is True  # no scores to give
    assert any("no rated questions" in i.value for i in at.info)


def test_sub_and_second_themes_follow_the_model_and_merges(comments_only: Ready) -> None:
    # Results.comments carries each shown comment's sub-theme and second theme (issue 15)
    from analysis import pipeline

    prep = comments_only.prepared
    model = prep.theme_model
    analysed = prep.comments[prep.comments["analysed"].astype(bool)]
    index = {t: i for i, t in enumerate(analysed["redacted"].astype(str))}
    names = dict(zip(model.themes_["theme"].astype(int), model.themes_["label"], strict=True))
    subs = dict(zip(model.subthemes_["subtheme"], model.subthemes_["label"], strict=True))
    res = pipeline.analyze(prep, by=[])
    assert len(res.comments) and (res.comments[theme_detail.SUB] != "").any()
    for _, row in res.comments.iterrows():
        i = index[row["text"]]
        assert row[theme_detail.SUB] == subs.get(int(model.sublabels_[i]), "")
        sec = int(model.secondary_[i])
        assert row[theme_detail.SECONDARY] == (names.get(sec, "") if sec >= 0 else "")
    # merging every theme into the first leaves no comment with a second theme
    first = int(model.themes_["theme"].iloc[0])
    merges = {int(t): first for t in model.themes_["theme"] if int(t) != first}
    merged = pipeline.analyze(prep, by=[], theme_merges=merges)
    assert (merged.comments[theme_detail.SECONDARY] == "").all()


def test_sub_theme_table_counts_the_comments_shown() -> None:
    coded = pd.DataFrame(
        {"theme": [0, 0, 0, 1], theme_detail.SUB: ["a", "a", "b", ""], "text": list("wxyz")}
    )
    held = coded.astype({theme_detail.SUB: "category"})  # as the shown comments hold them
    for frame in (coded, held, held[held["theme"] == 0]):
        table = theme_detail.sub_theme_table(frame, 0)
        assert table["Sub-theme"].tolist() == ["a", "b"]
        assert table["Comments (n)"].tolist() == [2, 1]
        assert table["Share of the theme"].round(1).tolist() == [66.7, 33.3]
        assert theme_detail.sub_theme_table(frame, 1).empty


def test_comments_csv_carries_sub_and_second_theme(small: Ready) -> None:
    from analysis import pipeline
    from render.csv import comments_csv

    res = pipeline.analyze(small.prepared, by=["team"])
    out = comments_csv(res)
    frame = pd.read_csv(io.BytesIO(out), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert {theme_detail.SUB, theme_detail.SECONDARY} <= set(frame.columns)
    assert len(frame) == len(res.comments)


def test_an_interrupted_read_is_kept_and_can_be_finished(small: Ready) -> None:
    """Issue 23: clicking away while a file is read must not drop it silently."""
    at = seeded_app(small)
    unread = state.Dataset(data=FILE.read_bytes(), filename=FILE.name)
    at.session_state[state.StateKeys.READING] = (("file-1", None), unread)
    at.run()  # another page: it says the read did not finish
    assert any("was interrupted" in w.value for w in at.warning)
    at.switch_page("app_pages/load.py").run()
    assert any("was interrupted" in w.value for w in at.warning)
    next(b for b in at.button if b.label == "Read it now").click().run()
    assert not at.exception
    assert at.session_state[state.DATASET].filename == FILE.name
    assert state.StateKeys.READING not in at.session_state


def test_comments_page_says_a_survey_too_small_shows_no_comment() -> None:
    """A 3-person upload without a team column: no comment is shown, and the page says it is
    the survey's size, not that it has no comments."""
    data = b"TR1,OQ1\nAgree,I fear AI will replace me\nDisagree,Nobody trains us\nAgree,Fine\n"
    at = seeded_app(ready(data, "three.csv"), "app_pages/comments.py")
    assert not at.exception and not at.error
    text = _texts(at)
    assert "fewer than the minimum group size" in text, text
    assert "no comment columns" not in text
    assert "I fear AI" not in text and not any("I fear AI" in str(d.value) for d in at.dataframe)


def test_an_upload_is_kept_when_a_click_away_stops_the_run_before_its_read(small: Ready) -> None:
    """Issue 23: a click on another page can stop the upload's run before the page reaches the
    read (while the sidebar is drawn). The uploader's callback has kept the file by then, so
    the other page says the read did not finish and the Load page can finish it."""
    at = seeded_app(small, "app_pages/load.py")
    at.file_uploader(key=state.StateKeys.EXPORT_UPLOAD).upload(FILE.name, FILE.read_bytes())
    at.switch_page("app_pages/overview.py").run()  # the upload and the click in one run
    assert not at.exception
    assert any("was interrupted" in w.value for w in at.warning)
    assert at.session_state[state.DATASET].filename != FILE.name  # not read yet
    at.switch_page("app_pages/load.py").run()
    next(b for b in at.button if b.label == "Read it now").click().run()
    assert not at.exception
    assert at.session_state[state.DATASET].filename == FILE.name
    assert state.StateKeys.READING not in at.session_state


def test_an_upload_read_in_its_own_run_leaves_nothing_held(small: Ready) -> None:
    at = seeded_app(small, "app_pages/load.py")
    at.file_uploader(key=state.StateKeys.EXPORT_UPLOAD).upload(FILE.name, FILE.read_bytes())
    at.run()
    assert not at.exception
    assert at.session_state[state.DATASET].filename == FILE.name
    assert state.StateKeys.READING not in at.session_state
