"""What analyze() does with files it can only partly score: comments-only surveys, items whose
scale does not fit their answers, and constructs resting on few of their answers.

The real comments-only file is a public SurveyMonkey export (``shared/fixtures/real``) with its
two rated questions dropped, exactly as such exports come when a survey asks only open
questions; everything else in it is untouched.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd
import pandera.errors as pe
import pytest

from analysis import cli, pipeline, tables
from analysis.columns import ColumnMap, ColumnSpec
from analysis.columns.model import NoAnswersError

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "fixtures" / "real" / "surveymonkey_ggwash_anc2022_export.csv"
ANC = "Select the Advisory Neighborhood Commission in which you are running:"
RATED = ("Should apartments be legal", "Do you think inducing residents")
# Four of its six open questions are dropped too, to keep the test's theme fitting short;
# the two kept are the ones every candidate answered at length.
OPEN_DROPPED = (
    "Where in your Advisory Neighborhood Commission",
    "What you see as benefits or weaknesses",
    "The District's goal to be carbon-free",
    "Why do you think you are the right person",
)


def _drop_rated(data: bytes) -> bytes:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    drop = {i for i, head in enumerate(rows[0]) if head.startswith(RATED)}
    assert len(drop) == 2  # the export's only rated questions
    drop |= {i for i, head in enumerate(rows[0]) if head.startswith(OPEN_DROPPED)}
    assert len(drop) == 6
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([v for i, v in enumerate(row) if i not in drop])
    return out.getvalue().encode("utf-8")


@pytest.fixture(scope="module")
def real_file(tmp_path_factory) -> Path:
    if not REAL.exists():
        pytest.fail(f"{REAL} is missing: the shared real fixtures must sit beside the checkout.")
    path = tmp_path_factory.mktemp("real") / "anc_comments_only.csv"
    path.write_bytes(_drop_rated(REAL.read_bytes()))
    return path


@pytest.fixture(scope="module")
def real_prep(real_file) -> pipeline.Prepared:
    export, colmap = pipeline.load(real_file.read_bytes(), real_file.name)
    assert not [s for s in colmap.columns if s.role == "item"]
    assert len(colmap.comments) == 2
    return pipeline.prepare(export, colmap, source_name=real_file.name, n_boot=20)


def _check(table: tables.Table, df: pd.DataFrame, by=()) -> None:
    try:
        table.schema(list(by)).validate(df, lazy=True)
    except pe.SchemaErrors as exc:
        pytest.fail(f"{table.name} does not match its declaration:\n{exc.failure_cases}")


def test_real_comments_only_export_is_analysed_not_refused(real_prep):
    res = pipeline.analyze(real_prep, by=[ANC])
    assert not res.has_scores and not real_prep.has_scores
    assert res.n == 174
    # the score tables are the declared ones, with no rows
    for name, table, grouped in (
        ("org", tables.ORG, False),
        ("groups", tables.GROUPS, True),
        ("items", tables.ITEMS, True),
        ("org_items", tables.ITEMS, False),
        ("likert", tables.LIKERT, False),
        ("enps", tables.ENPS, False),
        ("enps_groups", tables.ENPS, True),
        ("drivers", tables.DRIVERS, False),
    ):
        df = getattr(res, name)
        assert df.empty, name
        assert list(df.columns) == table.columns(res.by if grouped else ()), name
        _check(table, df, res.by if grouped else ())
    # the comment analysis is all there, and protected
    assert res.comment_summary["analysed"] > 300
    assert len(res.themes) >= 2
    _check(tables.THEMES, res.themes)
    _check(tables.COMMENT_GROUPS, res.comment_groups)
    _check(tables.COMMENTS, res.comments, res.by)
    visible = res.comment_groups[res.comment_groups["visible"]]
    assert len(visible) and (visible["n_comments"] >= res.policy.min_comments).all()
    assert set(res.comments[ANC]) == set(visible["group"])
    hidden = res.comment_groups[~res.comment_groups["visible"]]
    assert hidden["n_comments"].isna().all()
    # and the view says, in plain words, what it cannot show
    assert any("no rated questions" in n and "scores" in n for n in res.notes)
    assert res.to_dict()["has_scores"] is False


def test_comments_only_groups_under_the_minimum_show_no_comments(real_prep):
    """Group sizes come from the respondents when there is no score table."""
    counts = real_prep.scored.groups[ANC].value_counts()
    res = pipeline.analyze(real_prep, by=[ANC])
    small = set(counts[counts < res.policy.min_group].index)
    assert small  # the real file has small commissions
    shown = set(res.comment_groups.loc[res.comment_groups["visible"], "group"])
    assert not small & shown


def test_comments_only_without_a_grouping_says_so(real_prep):
    res = pipeline.analyze(real_prep)  # no team column: the organisation as a whole
    assert res.by == () and not res.flags
    assert len(res.notes) == 2 and any("No grouping" in n for n in res.notes)
    assert len(res.comments) == res.comment_summary["shown"] > 0


QUESTION = "What would help you with the new AI tools?"


def _tiny(rows: list[tuple[str, str]]) -> bytes:
    frame = pd.DataFrame(rows, columns=["Team", QUESTION])
    return frame.to_csv(index=False).encode()


TRAINING = [
    "I need proper training on the new AI tools before I can use them",
    "Please give us training and hands-on workshops for the AI assistant",
    "More training please, I do not know how to use the AI tool",
    "We need a course on how to prompt the AI system well",
    "Training sessions on the AI tools would help me a lot",
    "I would like to learn how to use the AI features, some training would help",
    "A workshop on the AI tools for our team, please",
    "We were never trained on the AI tools, we need lessons",
    "Please organise training so we can learn the new AI software",
    "Some training on the AI assistant, with examples from our work",
    "I need to be taught how the AI tool works before trusting it",
    "Hands-on training for the AI tools is what I need most",
]
OTHER = [
    "The canteen coffee is fine",
    "Parking is easier since the move",
    "Our meetings start on time now",
    "The office is quiet and pleasant",
    "I like the new desks",
    "Lunch breaks are long enough",
    "The building is clean",
    "The lifts are working again",
    "The garden looks nice this year",
    "The printers work well",
    "The heating is fine",
    "The windows open properly now",
]


def test_tiny_comments_only_survey_gets_comment_evidence_flags(tmp_path):
    rows = [("Support", t) for t in TRAINING] + [(t, c) for t in ("Sales", "Ops") for c in OTHER]
    export, colmap = pipeline.load(_tiny(rows), "tiny.csv")
    assert colmap.team == "Team" and colmap.comments and not colmap.items
    prep = pipeline.prepare(export, colmap, n_boot=20, source_name="tiny.csv")
    res = pipeline.analyze(prep, by=["team"])
    assert not res.has_scores and res.groups.empty
    assert res.survey_name == "tiny"
    kinds = {(f.group_label, f.type) for f in res.flags}
    assert ("Support", "training") in kinds
    assert all(f.group_label == "Support" for f in res.flags)
    assert set(res.comment_groups.loc[res.comment_groups["visible"], "group"]) == {
        "Support",
        "Sales",
        "Ops",
    }


FEAR = [
    "I am afraid the AI will replace my job soon",
    "They will cut jobs once the AI system is in place",
    "I worry I will lose my job to automation",
    "The AI tools will make our roles redundant",
    "People here fear being replaced by AI",
    "I think layoffs will follow the AI rollout",
    "My job will be automated away within a year",
    "Management wants AI so they can cut staff",
    "I fear losing my position to the AI assistant",
    "We will all be replaced by the new AI",
    "Job losses are coming because of AI",
    "The AI will take over our work and our jobs",
]


def test_comments_only_fear_and_distrust_raise_change_management_flags():
    """Comments alone: a team whose comments fear job loss or distrust AI far more than the
    rest's is flagged for change management, with its n, the share's interval and q; a team
    with fewer comments than the threshold is never used (nor, by complementary suppression,
    the next smallest team)."""
    rows = [("Claims", t) for t in FEAR] + [(t, c) for t in ("Sales", "Ops") for c in OTHER]
    export, colmap = pipeline.load(_tiny(rows), "fear.csv")
    res = pipeline.analyze(pipeline.prepare(export, colmap, n_boot=20), by=["team"])
    cm = [f for f in res.flags if f.type == "change_management"]
    assert [f.group_label for f in cm] == ["Claims"]
    flag = cm[0]
    assert flag.n == 12 and flag.action == "change_management" and not flag.evidence
    assert flag.reason.startswith("Claims (n=12): ")
    assert "95% interval" in flag.reason and "q = " in flag.reason
    assert flag.quotes and all(q in FEAR for q in flag.quotes)
    assert {f.group_label for f in res.flags} == {"Claims"}

    tiny = rows + [("Tiny", t) for t in FEAR[:3]]
    export, colmap = pipeline.load(_tiny(tiny), "fear.csv")
    res = pipeline.analyze(pipeline.prepare(export, colmap, n_boot=20), by=["team"])
    assert "Tiny" not in {f.group_label for f in res.flags}
    visible = set(res.comment_groups.loc[res.comment_groups["visible"], "group"])
    assert "Tiny" not in visible


def test_nothing_to_analyse_is_a_clear_error():
    frame = pd.DataFrame({"Team": ["a", "b"] * 6, "Location": ["x", "y", "z"] * 4})
    with pytest.raises(NoAnswersError, match="No column looks like survey answers"):
        export, colmap = pipeline.load(frame.to_csv(index=False).encode(), "groups.csv")
        pipeline.prepare(export, colmap)
    export, _ = pipeline.load(_tiny([("a", "fine")] * 12), "x.csv")
    colmap = ColumnMap(
        [
            ColumnSpec("Team", "team"),
            ColumnSpec("What would help you with the new AI tools?", "item"),
        ]
    )
    with pytest.raises(pipeline.NothingToAnalyseError, match="no comment columns") as err:
        pipeline.prepare(export, colmap)
    assert "1 rated column(s) have no known answer scale" in str(err.value)


EXTENT = ["Not at all", "Somewhat", "Absolutely"]
AGREE = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]
MAPPING = """
team: Team
items:
  Q1: {construct: fear_of_displacement, scale: agree5}
  Q2: {construct: fear_of_displacement, scale: agree5}
  Q3: {construct: trust_in_ai, scale: agree5}
"""


def _mixed(n: int = 40) -> bytes:
    rows = []
    for i in range(n):
        rows.append(
            {
                "Team": "AB"[i % 2],
                # a wrong scale: only "Agree" answers match agree5
                "Q1": "Agree" if i % 10 == 0 else EXTENT[i % 3],
                "Q2": AGREE[i % 5],
                "Q3": AGREE[(i * 3) % 5],
            }
        )
    return pd.DataFrame(rows).to_csv(index=False).encode()


@pytest.fixture(scope="module")
def mixed() -> pipeline.Prepared:
    export, colmap = pipeline.load(_mixed(), "mixed.csv", mapping_yaml=MAPPING)
    return pipeline.prepare(export, colmap, n_boot=20)


def test_an_item_whose_scale_misses_most_answers_is_left_unscored(mixed):
    assert "Q1" not in mixed.scored.item_meta.index
    assert {"Q2", "Q3"} <= set(mixed.scored.item_meta.index)
    (refused,) = [a for a in mixed.alerts if a.startswith("'Q1'")]
    assert "left unscored" in refused and "36 of 40 answers" in refused
    for label in EXTENT:
        assert f"'{label}'" in refused
    assert "custom scale" in refused
    assert mixed.colmap.spec("Q1").role == "item"  # the user's mapping itself is unchanged


def test_a_construct_from_under_half_its_answers_carries_a_visible_warning(mixed):
    res = pipeline.analyze(mixed, by=["team"])
    # fear: Q2's 40 answers used out of 80 given -> exactly half, not under; trust is whole
    assert "trust_in_ai" not in res.construct_alerts
    assert "fear_of_displacement" not in res.construct_alerts
    frame = pd.read_csv(io.BytesIO(_mixed()))
    frame.loc[frame.index[:15], "Q2"] = None  # fear now rests on 25 of 65 answers
    export, colmap = pipeline.load(
        frame.to_csv(index=False).encode(), "m.csv", mapping_yaml=MAPPING
    )
    prep = pipeline.prepare(export, colmap, n_boot=20)
    res = pipeline.analyze(prep, by=["team"])
    warning = res.construct_alerts["fear_of_displacement"]
    assert "25 of 65 answers" in warning and "caution" in warning
    assert warning in res.alerts and warning in res.to_dict()["alerts"]
    assert "trust_in_ai" not in res.construct_alerts


def test_cli_hot_spots_on_a_real_comments_only_export(real_file, capsys):
    assert cli.main(["inspect", str(real_file), "--json"]) == 0
    capsys.readouterr()
    assert cli.main(["hotspots", str(real_file), "--by", ANC, "--json"]) == 0
    hot = json.loads(capsys.readouterr().out)
    assert hot["has_scores"] is False and hot["notes"]
    assert all(f["constructs"] == [] for f in hot["flags"])


def test_cli_runs_every_command_on_a_comments_only_export(tmp_path, capsys):
    path = tmp_path / "pulse_comments.csv"
    rows = [("Support", t) for t in TRAINING] + [(t, c) for t in ("Sales", "Ops") for c in OTHER]
    path.write_bytes(_tiny(rows))
    assert cli.main(["score", str(path)]) == 0
    out = capsys.readouterr().out
    assert "note: This file has no rated questions" in out
    assert cli.main(["hotspots", str(path)]) == 0
    out = capsys.readouterr().out  # the flag itself: see the comment-evidence test above
    assert "note: This file has no rated questions" in out and "comment evidence only" in out
    assert cli.main(["comments", str(path), "--json"]) == 0
    com = json.loads(capsys.readouterr().out)
    assert len(com["comments"]) == 36 and com["notes"]
    assert cli.main(["report", str(path), "--out", str(tmp_path / "packs"), "--quiet"]) == 0
    teams = sorted(p.name for p in (tmp_path / "packs" / "teams").iterdir())
    assert teams == ["ops", "sales", "support"]
    html = (tmp_path / "packs" / "teams" / "support" / "support.html").read_text()
    assert "pulse comments" in html and "training" in html.lower()


def test_cli_refuses_a_file_with_nothing_to_analyse(tmp_path, capsys):
    path = tmp_path / "groups.csv"
    pd.DataFrame({"Team": ["a", "b"] * 6, "Location": ["x", "y", "z"] * 4}).to_csv(path)
    assert cli.main(["score", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
