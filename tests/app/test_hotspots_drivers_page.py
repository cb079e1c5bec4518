"""AppTest of the Hot spots page's ranking, organisation flags, item-level tables and the
driver outcome choice (issue 19)."""

from __future__ import annotations

import re

from analysis import pipeline
from render import teams as packs
from tests.app.conftest import Ready, seeded_app

PAGE = "app_pages/hotspots.py"


def _texts(at) -> list[str]:
    return [str(t.value) for t in at.text]


def test_flags_show_rank_with_its_meaning_and_the_formula(small: Ready) -> None:
    at = seeded_app(small, PAGE)
    assert not at.exception, [e.value for e in at.exception]
    res = pipeline.analyze(small.prepared, by=["team"])
    groups = [f for f in res.flags if f.scope == "group"]
    assert groups, "the small sample has group hot spots"
    captions = [re.sub(r"\\(.)", r"\1", c.value) for c in at.caption]  # undo views.plain
    ranked = [c for c in captions if re.search(r"Priority \d+ of \d+ \(1 = act first\)", c)]
    assert len(ranked) == len(groups)
    first = packs.priority_text(res, groups[0])
    assert ranked[0].startswith(first)
    assert not any(re.search(r"priority \d+\.\d\d", c) for c in captions)  # no bare score
    texts = _texts(at)
    assert texts.count(packs.PRIORITY_MEANING) == len(groups)
    assert f"How this is computed: {packs.PRIORITY_FORMULA}" in texts


def test_organisation_flags_list_every_measure_furthest_below_first(small: Ready) -> None:
    at = seeded_app(small, PAGE)
    res = pipeline.analyze(small.prepared, by=["team"])
    whole = [f for f in res.flags if f.scope == "organisation"]
    assert whole, "the small sample misses organisation targets"
    tables = [d.value for d in at.dataframe if "Points short" in d.value.columns]
    assert len(tables) == len(whole)
    for flag, table in zip(whole, tables, strict=True):
        assert len(table) == len(flag.evidence)  # none hidden
        short = table["Points short"].tolist()
        assert short == sorted(short, reverse=True)


def test_item_level_table_for_a_flagged_group(small: Ready) -> None:
    at = seeded_app(small, PAGE)
    res = pipeline.analyze(small.prepared, by=["team"])
    flagged = [f for f in res.flags if f.scope == "group" and f.constructs]
    tables = [d.value for d in at.dataframe if "Question" in d.value.columns]
    item_tables = [t for t in tables if "Gap (worse +)" in t.columns]
    expected = [
        f
        for f in flagged
        if (
            (res.item_gaps["group"] == f.group_label)
            & res.item_gaps["construct"].isin(f.constructs)
        ).any()
    ]
    assert len(item_tables) == len(expected) > 0
    table = item_tables[0]
    assert table["n"].min() >= res.policy.min_group
    assert set(table["Reading"]) <= {
        "clearly lower than the rest",
        "too few answers to tell",
        "not clearly lower",
        "most of the organisation (not compared)",
        "explained by its team and role",
    }


def test_outcome_select_box_defaults_to_readiness_and_can_change(small: Ready) -> None:
    at = seeded_app(small, PAGE)
    box = at.selectbox(key="hotspots_outcome")
    assert box.value == "change_readiness"

    def driver_measures() -> list[str]:
        table = next(d.value for d in at.dataframe if "Share %" in d.value.columns)
        return table["Measure"].tolist()

    def item_measures() -> set[str]:
        table = next(d.value for d in at.dataframe if "Share of the measure %" in d.value.columns)
        return set(table["Measure"])

    assert "Readiness for the AI change" not in driver_measures()
    assert "Readiness for the AI change" not in item_measures()
    box.set_value("trust_in_ai").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Trust in AI tools" not in driver_measures()
    assert "Readiness for the AI change" in driver_measures()
    assert "Readiness for the AI change" in item_measures()
    assert "Trust in AI tools" not in item_measures()


def test_the_chosen_outcome_ranks_the_flags_here_and_in_the_downloads(small: Ready) -> None:
    """Issue 19: the outcome chosen on Hot spots weighs the flags' priorities on this page and
    in every later view of the dataset (the packs), not only the drivers table."""
    at = seeded_app(small, PAGE)
    own = pipeline.analyze(small.prepared, by=["team"])
    trust = pipeline.analyze(small.prepared, by=["team"], outcome="trust_in_ai")
    assert [f.priority for f in own.flags] != [f.priority for f in trust.flags]

    def shown_order() -> list[str]:
        heads = [re.sub(r"\\(.)", r"\1", h.value) for h in at.subheader]  # undo views.plain
        return [h for h in heads if re.match(r"\d+\. ", h)]

    def expected(res) -> list[str]:
        return [f"{i}. {f.group_label}" for i, f in enumerate(_group_flags(res), 1)]

    assert shown_order() == expected(own)
    at.selectbox(key="hotspots_outcome").set_value("trust_in_ai").run()
    assert not at.exception, [e.value for e in at.exception]
    assert shown_order() == expected(trust)
    assert at.session_state["cr_outcomes"] == {small.dataset.key: "trust_in_ai"}
    at.switch_page("app_pages/downloads.py").run()  # the packs' view follows the choice
    assert not at.exception
    at.switch_page(PAGE).run()  # back again: the choice is kept
    assert at.selectbox(key="hotspots_outcome").value == "trust_in_ai"
    assert shown_order() == expected(trust)


def _group_flags(res) -> list:
    return [f for f in res.flags if f.scope == "group"]


def test_a_semicolon_headcount_file_gives_response_rates(small: Ready) -> None:
    """A fourth review: a semicolon-separated headcount file was refused ("needs a column
    named 'headcount'"); the page reads it and shows each team's response rate."""
    at = seeded_app(small, PAGE)
    teams = sorted(set(small.prepared.export.responses["Team"].astype(str)))
    lines = ["Team;Headcount"] + [f"{t};1 000" for t in teams]
    uploader = at.file_uploader(key="hotspots_headcount")
    uploader.upload("headcount.csv", ("\n".join(lines) + "\n").encode("utf-8"), "text/csv").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    table = next(d.value for d in at.dataframe if "response_rate" in d.value.columns)
    assert set(table["group"]) <= set(teams) and len(table) >= 1
    assert (table["headcount"] == 1000).all()
