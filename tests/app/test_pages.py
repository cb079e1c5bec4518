"""AppTest for every page: no exception, the key elements, uploads, errors, privacy, caching."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from analysis import pipeline
from tests.app.conftest import APP, TIMEOUT, Ready, open_comment_tab, seeded_app, small_export
from ui import state, views

PAGES = {
    "app_pages/load.py": "Load a survey",
    "app_pages/overview.py": "Overview",
    "app_pages/teams.py": "Teams & roles",
    "app_pages/comments.py": "Comments",
    "app_pages/hotspots.py": "Hot spots",
    "app_pages/downloads.py": "Downloads",
}
# a Markdown link or image that would render: [text](target) not preceded by a backslash
LIVE_LINK = re.compile(r"(?<!\\)\]\((?!\[URL\])")


def charts(at: AppTest) -> list:
    return [e for e in at.main if getattr(e, "type", None) == "vega_lite_chart"]


def markdown_texts(at: AppTest) -> list[str]:
    """Every string Streamlit would parse as Markdown (bodies and widget labels)."""
    out = []
    for kind in ("markdown", "caption", "title", "subheader", "header", "error", "warning",
                 "info", "success"):  # fmt: skip
        out += [str(e.value) for e in getattr(at, kind)]
    return out


def test_opens_on_the_sample_data() -> None:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    assert not at.exception
    assert at.title[0].value == "Overview"
    assert views.SAMPLE_LABEL in [t.value for t in at.sidebar.text]
    assert [m.label for m in at.metric][:2] == ["Responses", "Trust in AI"]
    assert at.metric[0].value == "1,200"
    assert len(charts(at)) == 1  # the Likert chart
    # the headline tiles show n next to every score
    notes = [c.value for c in at.caption]
    assert any("n = 1,200" in c for c in notes)


@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_renders(small: Ready, page: str) -> None:
    at = seeded_app(small, page)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == PAGES[page]
    assert small.dataset.filename in [t.value for t in at.sidebar.text]
    assert not at.error


def test_teams_page_heatmap_drilldown_and_quadrant(small: Ready) -> None:
    at = seeded_app(small, "app_pages/teams.py")
    assert len(charts(at)) == 3  # heatmap, quadrant, drivers
    picker = at.selectbox(key=state.DRILL)
    visible = [o for o in picker.options if "(hidden)" not in o]
    picker.set_value(visible[-1]).run()
    items = at.dataframe[0].value
    res = pipeline.analyze(small.prepared, by=["team"])
    assert len(items) == len(res.org_items)  # every rated item (eNPS is not an item)
    assert items["n"].min() >= 5  # a shown group is at least the minimum group size
    assert {"Score", "Organisation", "Difference"} <= set(items.columns)


def test_hidden_group_is_labelled_with_the_threshold(small: Ready) -> None:
    at = seeded_app(small, "app_pages/teams.py")
    picker = at.selectbox(key=state.DRILL)
    hidden = [o for o in picker.options if o.endswith("(hidden)")]
    assert hidden, "the small sample has teams under 5 responses"
    picker.set_value(hidden[0].removesuffix(" (hidden)")).run()
    assert any("fewer than 5 responses" in i.value for i in at.info)


def test_overview_metrics_are_the_org_scores(small: Ready) -> None:
    at = seeded_app(small, "app_pages/overview.py")
    res = pipeline.analyze(small.prepared, by=["team"])
    trust = res.org.set_index("concept").loc["trust_in_ai"]
    assert at.metric[1].value == f"{trust['score']:.0f} / 100"
    assert any(f"{trust['favorable']:.0f}% favourable" in c.value for c in at.caption)
    assert at.metric[4].label == "eNPS"
    assert at.metric[4].value == f"{res.enps.iloc[0]['enps']:+.0f}"


def test_grouping_and_filters_never_reprepare(small: Ready, monkeypatch) -> None:
    at = seeded_app(small, "app_pages/teams.py")

    def refuse(*args, **kwargs):
        raise AssertionError("prepare ran again")

    monkeypatch.setattr(pipeline, "prepare", refuse)
    at.sidebar.selectbox(key=state.GROUPING).set_value("Team × role").run()
    assert not at.exception
    groups = at.dataframe[-1].value["group"]  # the scores table
    assert groups.str.contains(" × ").all()
    big_teams = small.prepared.scored.groups["Team"].value_counts()
    at.sidebar.multiselect(key=state.filter_key("Team")).set_value(list(big_teams.index[:3]))
    at.run()
    assert not at.exception
    assert not at.warning
    scope = re.sub(r"\\(.)", r"\1", at.caption[0].value)  # undo Markdown escaping
    assert f"n = {int(big_teams.iloc[:3].sum()):,} responses" in scope


def test_a_filter_that_exposes_few_people_is_refused(small: Ready) -> None:
    at = seeded_app(small, "app_pages/overview.py")
    sizes = small.prepared.scored.groups["Team"].value_counts()
    tiny = sizes[sizes < 5].index[0]
    at.sidebar.multiselect(key=state.filter_key("Team")).set_value([tiny]).run()
    assert not at.exception
    assert any("Filter not applied" in w.value for w in at.warning)
    assert at.metric[0].value == f"{len(small.prepared.scored.groups):,}"


def test_upload_through_the_file_uploader() -> None:
    data = small_export(n=260, seed=3)
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    at.switch_page("app_pages/load.py").run()
    at.file_uploader[0].set_value(("pulse_march.csv", data, "text/csv")).run()
    assert not at.exception
    assert "pulse_march.csv" in [t.value for t in at.sidebar.text]
    assert any("Loaded pulse" in s.value for s in at.success)
    assert at.metric[2].value == "260"  # responses kept
    assert at.metric[0].value == "Qualtrics"
    # the mapping editor lists every column with its detected role
    roles = at.data_editor[0].value.set_index("column")["role"]
    assert roles["Team"] == "team" and roles["TR1"] == "item"


def test_export_then_mapping_then_names_each_apply_once() -> None:
    """Files left in three uploaders must not take turns replacing the dataset on every rerun."""
    data = small_export(n=260, seed=3)
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    at.switch_page("app_pages/load.py").run()
    at.file_uploader[0].set_value(("pulse_march.csv", data, "text/csv")).run()
    assert any("Loaded pulse" in s.value for s in at.success)
    detected = pipeline.load(data, "pulse_march.csv")[1].to_yaml()
    good = detected.replace("role: Role", "role: null")
    good = good.replace("demographics:\n", "demographics:\n- Role\n", 1)
    at.file_uploader[1].set_value(("map.yaml", good.encode(), "application/x-yaml")).run()
    assert any("Mapping loaded" in s.value for s in at.success)
    at.file_uploader[2].set_value(("names.txt", b"Alex Example\n", "text/plain")).run()
    for _ in range(3):  # further reruns change nothing and finish (a loop would time out)
        at.run()
        assert not at.exception
        assert not any("Loaded pulse" in s.value for s in at.success)
        roles = at.data_editor[0].value.set_index("column")["role"]
        assert roles["Role"] == "demographic"  # the mapping is still the one in use
        assert any("1 names are being removed" in c.value for c in at.caption)


@pytest.mark.parametrize(
    ("name", "payload"),
    [
        ("empty.csv", b""),
        ("broken.xlsx", b"PK\x03\x04 this is not really a workbook"),
    ],
)
def test_bad_upload_shows_an_error_not_a_traceback(small: Ready, name: str, payload: bytes) -> None:
    at = seeded_app(small, "app_pages/load.py")
    at.file_uploader[0].set_value((name, payload, "application/octet-stream")).run()
    assert not at.exception
    assert at.error, "a clear message is shown"
    assert "Traceback" not in at.error[0].value
    # the previous dataset stays in use
    assert small.dataset.filename in [t.value for t in at.sidebar.text]


def test_a_file_without_rated_questions_opens_in_the_mapping_flow(small: Ready) -> None:
    """Issue 23: a readable file with nothing to score waits in the mapping flow, with a
    warning naming it, never behind an error nor under the previous dataset's mapping."""
    at = seeded_app(small, "app_pages/load.py")
    payload = b"colour,size\nred,3\nblue,4\n"
    at.file_uploader[0].set_value(("not_a_survey.csv", payload, "text/csv")).run()
    assert not at.exception
    assert not at.error
    assert any("not_a_survey.csv was read" in w.value.replace("\\", "") for w in at.warning)
    grid = at.data_editor[0].value
    assert grid["column"].tolist() == ["colour", "size"]  # this file's columns, not the old ones
    # nothing was replaced: the analysed dataset is still the previous one
    assert small.dataset.filename in [t.value for t in at.sidebar.text]


def test_mapping_edit_applies_and_bad_yaml_is_explained(small: Ready) -> None:
    at = seeded_app(small, "app_pages/load.py")
    bad = b"team: NoSuchColumn\n"
    at.file_uploader[1].set_value(("map.yaml", bad, "application/x-yaml")).run()
    assert not at.exception
    assert any("NoSuchColumn" in e.value for e in at.error)
    good = small.prepared.colmap.to_yaml().replace("role: Role", "role: null")
    good = good.replace("demographics:\n", "demographics:\n- Role\n", 1)
    at.file_uploader[1].set_value(("map.yaml", good.encode(), "application/x-yaml")).run()
    assert not at.exception
    assert any("Mapping loaded" in s.value for s in at.success)
    roles = at.data_editor[0].value.set_index("column")["role"]
    assert roles["Role"] == "demographic"


def test_comments_are_plain_text_only(small: Ready) -> None:
    at = open_comment_tab(seeded_app(small, "app_pages/comments.py"), "Read comments")
    assert not at.exception
    table = at.dataframe[-1].value
    injected = table[table["Comment"].str.contains("<script>", regex=False)]
    assert len(injected), "the injected comment is listed (as data)"
    for page in ("app_pages/comments.py", "app_pages/hotspots.py", "app_pages/teams.py"):
        at.switch_page(page).run()
        for text in markdown_texts(at):
            assert "<script" not in text
            assert not LIVE_LINK.search(text), text
    assert not at.get("html")


def test_comment_filters(small: Ready) -> None:
    at = open_comment_tab(seeded_app(small, "app_pages/comments.py"), "Read comments")
    total = len(at.dataframe[-1].value)
    search = next(t for t in at.text_input if t.label == "Search text")
    search.set_value("please").run()
    shown = at.dataframe[-1].value
    assert 0 < len(shown) < total
    assert shown["Comment"].str.lower().str.contains("please").all()
    search.set_value("").run()
    sentiment = next(m for m in at.multiselect if m.label == "Sentiment")
    sentiment.set_value(["negative"]).run()
    assert set(at.dataframe[-1].value["Sentiment"]) == {"negative"}
    # only the open tab is drawn; the filters outlast a visit to another tab
    open_comment_tab(at, "Themes")
    assert not any(m.label == "Sentiment" for m in at.multiselect)
    open_comment_tab(at, "Read comments")
    assert not at.exception
    assert next(m for m in at.multiselect if m.label == "Sentiment").value == ["negative"]
    assert set(at.dataframe[-1].value["Sentiment"]) == {"negative"}


def test_rename_and_merge_themes(small: Ready) -> None:
    at = seeded_app(small, "app_pages/comments.py")
    themes = at.dataframe[0].value
    assert len(themes) >= 3
    at.text_input[0].set_value("Learning the tools")  # renames the first theme (the default)
    next(b for b in at.button if b.label == "Rename").click().run()
    assert not at.exception
    labels = at.dataframe[0].value["label"].tolist()
    assert "Learning the tools" in labels
    n_before = len(labels)
    merge_from = next(s for s in at.selectbox if s.label == "Merge theme")
    res = pipeline.analyze(small.prepared, by=["team"])
    merge_from.set_value(int(res.themes["theme"].iloc[-1]))
    next(b for b in at.button if b.label == "Merge").click().run()
    assert not at.exception
    assert len(at.dataframe[0].value) == n_before - 1


def test_hotspots_filter_by_type(small: Ready) -> None:
    at = seeded_app(small, "app_pages/hotspots.py")
    res = pipeline.analyze(small.prepared, by=["team"])
    groups = [f for f in res.flags if f.scope == "group"]
    whole = [f for f in res.flags if f.scope == "organisation"]
    assert len(at.subheader) == len(groups)
    assert at.subheader[0].value.endswith(views.plain(groups[0].group_label))
    across = [m for m in at.markdown if m.value.startswith("Across the organisation")]
    assert len(across) == len(whole)  # organisation-level flags stand apart, unfiltered
    control = at.segmented_control[0]
    assert set(control.value) == {f.type for f in groups}
    control.set_value([]).run()
    assert not at.subheader


def test_downloads_offer_one_team_and_all_teams(small: Ready) -> None:
    at = seeded_app(small, "app_pages/downloads.py")
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Team summary (Excel)" in labels
    assert "All team summaries (Excel)" in labels
    teams = at.selectbox[0].options
    assert set(teams) == set(small.prepared.scored.groups["Team"].unique().tolist())


@pytest.mark.parametrize(
    "text",
    [
        "[click](http://evil.example)",
        "![x](http://evil.example/x.png)",
        "<script>alert(1)</script>",
        "http://evil.example and www.evil.example",
        "**bold** _it_ `code` # head",
    ],
)
def test_plain_leaves_no_markup(text: str) -> None:
    out = views.plain(text)
    assert re.sub(r"\\(.)", r"\1", out) == text  # unescaping gives the text back
    # every punctuation character is escaped, so no Markdown construct can start
    assert not re.search(r"(?<!\\)[\[\]()<>!*_`#:/.]", out)
