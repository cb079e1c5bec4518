"""Column roles from headers and answers; the mapping YAML round trip and its errors."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from analysis.columns import (
    ROLES,
    ColumnMap,
    MappingError,
    NoAnswersError,
    apply_mapping,
    infer_columns,
)
from analysis.columns.profile import _DATE, _EMAIL, _NUMBER, _profile
from analysis.ingest import IngestError, read_export


def load(real_dir: Path, name: str) -> ColumnMap:
    return infer_columns(read_export((real_dir / name).read_bytes(), name))


def roles(colmap: ColumnMap) -> dict[str, str]:
    return {c.name: c.role for c in colmap.columns}


def test_ibm_hr_roles(real_dir: Path) -> None:
    cm = load(real_dir, "ibm_hr_employee_attrition.csv")
    r = roles(cm)
    assert cm.team == "Department"
    assert cm.role == "JobRole"
    assert cm.respondent_id == "EmployeeNumber"
    sat = ["EnvironmentSatisfaction", "JobSatisfaction", "RelationshipSatisfaction"]
    for col in [*sat, "JobInvolvement", "WorkLifeBalance"]:
        assert r[col] == "item", col
    assert {cm.spec(c).scale for c in sat} == {"sat4"}
    assert cm.spec("JobInvolvement").scale == "num4"
    for col in ["Gender", "MaritalStatus", "EducationField", "BusinessTravel"]:
        assert r[col] == "demographic", col
    # Pay and counts are not ratings, and constants carry no information.
    for col in ["MonthlyIncome", "DailyRate", "NumCompaniesWorked"]:
        assert r[col] == "ignored", col
    assert r["EmployeeCount"] in {"metadata", "ignored"}
    assert (
        "department" in cm.spec("Department").reason
        and "3 distinct" in cm.spec("Department").reason
    )
    assert all(c.role in ROLES and c.reason for c in cm.columns)


def test_surveymonkey_identity_columns(real_dir: Path) -> None:
    cm = load(real_dir, "surveymonkey_ggwash_anc2022_export.csv")
    ident = set(cm.identity)
    assert {
        "Respondent ID",
        "IP Address",
        "Contact information - Name",
        "Contact information - Email",
    } <= ident
    warning = next(w for w in cm.warnings if "identify people" in w)
    assert "IP Address" in warning and "Contact information - Email" in warning
    r = roles(cm)
    assert r["Start Date"] == "timestamp" and r["Collector ID"] == "metadata"
    assert r["What do you feel is the biggest issue in your neighborhood?"] == "comment"
    assert r["Should apartments be legal to build District-wide?"] == "item"


def test_qualtrics_platform_columns(real_dir: Path) -> None:
    cm = load(real_dir, "qualtrics_sample_qualtRics.csv")
    r = roles(cm)
    for col in ["ResponseId", "IPAddress", "LocationLatitude", "LocationLongitude"]:
        assert r[col] == "identity", col
    assert r["StartDate"] == "timestamp"
    assert r["Status"] == "metadata" and r["Duration (in seconds)"] == "metadata"
    assert r["Q2"] == "comment"
    assert cm.spec("Q2").question == "This is a free text question."


def test_limesurvey_codes_are_items_without_a_guessed_scale(real_dir: Path) -> None:
    cm = load(real_dir, "limesurvey_results-survey945827_codes.csv")
    spec = cm.spec("LikertTypePage1[1]")
    assert spec.role == "item" and spec.scale is None
    assert "answer codes" in spec.reason
    assert cm.respondent_id == "id"
    assert cm.spec("Page6FR").role == "comment"
    assert cm.spec("groupTime18654").role == "metadata"
    assert any("no recognised answer scale" in w for w in cm.warnings)
    with pytest.raises(MappingError, match="has no answer scale"):
        cm.scale_for("LikertTypePage1[1]")


def synthetic_csv(n: int = 60, seed: int = 3) -> bytes:
    rng = random.Random(seed)
    agree = [
        "Strongly disagree",
        "Disagree",
        "Neither agree nor disagree",
        "Agree",
        "Strongly agree",
    ]
    lines = [
        "Response ID,Team,Job title,Tenure,Email,"
        "I trust the AI tools we are given,How likely are you to recommend us as an employer?,"
        "Have you had AI training?,What worries you most about AI at work?"
    ]
    teams = ["NA", "Finance", "Ops", "Sales"]
    for i in range(n):
        comment = " ".join(
            rng.choice(["the", "tools", "jobs", "training", "fear", "slow"]) for _ in range(8)
        )
        lines.append(
            ",".join(
                [
                    f"R_{i:04d}",
                    rng.choice(teams),
                    rng.choice(["Analyst", "Manager", "Engineer"]),
                    rng.choice(["<1 year", "1-3 years", "3+ years"]),
                    f"person{i}@example.com",
                    rng.choice(agree),
                    str(rng.randint(0, 10)),
                    rng.choice(["Yes", "No", "Unsure"]),
                    f"{comment} {i}",
                ]
            )
        )
    return ("\n".join(lines) + "\n").encode()


def test_synthetic_survey_roles() -> None:
    export = read_export(synthetic_csv(), "pulse.csv")
    cm = infer_columns(export)
    assert cm.team == "Team" and cm.role == "Job title"
    assert cm.demographics == ["Tenure"]
    assert cm.identity == ["Email"]
    # In a generic table an ID column is an anonymous row key; in platform exports
    # (Qualtrics ResponseId, SurveyMonkey Respondent ID) it is identity (tests above).
    assert cm.respondent_id == "Response ID"
    assert cm.spec("I trust the AI tools we are given").scale == "agree5"
    assert cm.spec("How likely are you to recommend us as an employer?").scale == "nps11"
    assert cm.spec("Have you had AI training?").scale == "yesno"
    assert cm.comments == ["What worries you most about AI at work?"]
    assert "NA" in export.responses["Team"].tolist()


@dataclass(frozen=True)
class FakeItem:
    id: str
    construct: str
    scale: str
    reverse: bool


@dataclass(frozen=True)
class FakeOpen:
    id: str


class FakeSurvey:
    def match(self, column):
        if "trust" in column.name:
            return FakeItem("trust_1", "trust_in_ai", "agree5", True)
        if "worries" in column.name:
            return FakeOpen("worries")
        return None


def test_survey_match_sets_construct_scale_and_reverse() -> None:
    cm = infer_columns(read_export(synthetic_csv(), "pulse.csv"), survey=FakeSurvey())
    spec = cm.spec("I trust the AI tools we are given")
    assert (spec.role, spec.construct, spec.scale, spec.reverse) == (
        "item",
        "trust_in_ai",
        "agree5",
        True,
    )
    assert "trust_1" in spec.reason
    assert cm.spec("What worries you most about AI at work?").role == "comment"


def test_no_recognizable_answers() -> None:
    export = read_export(b"Team,Site\nA,London\nB,Paris\nA,Paris\n", "t.csv")
    cm = infer_columns(export)
    assert any("No column looks like" in w for w in cm.warnings)
    with pytest.raises(NoAnswersError, match="No column looks like survey answers") as info:
        cm.require_answers()
    assert isinstance(info.value, IngestError)


def test_yaml_round_trip() -> None:
    export = read_export(synthetic_csv(), "pulse.csv")
    cm = infer_columns(export, survey=FakeSurvey())
    text = cm.to_yaml()
    doc = yaml.safe_load(text)
    assert doc["team"] == "Team" and doc["identity"] == ["Email"]
    again = ColumnMap.from_yaml(text, export)
    assert [(c.name, c.role, c.scale, c.construct, c.reverse) for c in again.columns] == [
        (c.name, c.role, c.scale, c.construct, c.reverse) for c in cm.columns
    ]
    alone = ColumnMap.from_yaml(text)
    assert alone.team == "Team" and alone.spec("I trust the AI tools we are given").reverse


def test_apply_mapping_overrides_and_custom_scales() -> None:
    cm = infer_columns(read_export(synthetic_csv(), "pulse.csv"))
    mapping = """
team: Tenure
ignore: [Job title]
items:
  Have you had AI training?: {construct: training_need, scale: [No, Unsure, Yes], reverse: true}
  I trust the AI tools we are given:
    construct: trust_in_ai
    scale: {Strongly disagree: 1, Disagree: 2, Neither agree nor disagree: 3, Agree: 4,
            Strongly agree: 5, Don't know: null}
"""
    new = apply_mapping(cm, mapping)
    assert new.team == "Tenure"
    assert new.spec("Team").role == "demographic"  # the old team is still a grouping
    assert new.spec("Job title").role == "ignored" and new.role is None
    training = new.spec("Have you had AI training?")
    assert (training.construct, training.reverse) == ("training_need", True)
    scale = new.scale_for("Have you had AI training?")
    assert scale.labels == ("No", "Unsure", "Yes") and scale.values == (1, 2, 3)
    trust = new.scale_for("I trust the AI tools we are given")
    assert trust.encode(pd.Series(["Don't know", "Agree"])).n_missing == 1
    # Custom scales survive a save/load.
    again = ColumnMap.from_yaml(new.to_yaml(), None)
    assert again.scale_for("Have you had AI training?").labels == ("No", "Unsure", "Yes")
    assert cm.team == "Team"  # the input map is not modified


@pytest.mark.parametrize(
    ("mapping", "pattern"),
    [
        ("team: Teem", r"no column 'Teem' \(did you mean 'Team'"),
        ("items:\n  Team: {scale: agree99}", r"Unknown scale 'agree99': use one of agree5"),
        ("colour: blue", r"colour: unknown key; valid keys are team"),
        ("team: [A, B]", r"team: must be one column name"),
        ("comments: [Team]\nignore: [Team]", r"'Team' is under both comments and ignore"),
        ("items:\n  Team: {scale: agree5, weight: 2}", r"items\.Team\.weight: unknown key"),
        ("team: [unclosed", r"not valid YAML"),
        ("- just a list", r"must be a YAML map"),
    ],
)
def test_mapping_errors_are_clear(mapping: str, pattern: str) -> None:
    cm = infer_columns(read_export(synthetic_csv(), "pulse.csv"))
    with pytest.raises(MappingError, match=pattern):
        apply_mapping(cm, mapping)


def test_mapping_collects_every_problem() -> None:
    cm = infer_columns(read_export(synthetic_csv(), "pulse.csv"))
    with pytest.raises(MappingError) as info:
        apply_mapping(cm, "team: Nope\ncomments: [Also nope]\n")
    assert "'Nope'" in str(info.value) and "'Also nope'" in str(info.value)


# ------------------------------------------------------------------------------------------
# the vectorised answer profile against the per-answer loop it replaces


def reference_profile(series: pd.Series) -> tuple[object, ...]:
    counts: dict[str, int] = {}
    for value, count in series.dropna().astype(str).value_counts(sort=False).items():
        if value:
            counts[str(value)] = int(count)
    n = sum(counts.values())
    if not n:
        return (0, 0, 0.0, 0.0, 0.0, counts)
    return (
        n,
        len(counts),
        sum(len(v) * c for v, c in counts.items()) / n,
        sum((len(v.split()) or 1) * c for v, c in counts.items()) / n,
        sum(c for v, c in counts.items() if _NUMBER.match(v)) / n,
        counts,
    )


spacey = st.text(alphabet=st.sampled_from(list(" \t\x1c\x85\xa0\u3000\u200b\ufeffab1.,é@中")))


@given(st.lists(st.none() | spacey | st.sampled_from(["12", "1,5", "a@b.co", "2024-01-02"])))
def test_profile_matches_the_per_answer_loop(values: list[str | None]) -> None:
    series = pd.Series(values, dtype="str")
    p = _profile(series)
    assert (p.n, p.distinct, p.mean_len, p.mean_words, p.numeric_share, p.counts) == (
        reference_profile(series)
    )
    for pattern in (_EMAIL, _DATE, _NUMBER):
        expected = sum(c for v, c in p.counts.items() if pattern.match(v)) / p.n if p.n else 0.0
        assert p.share(pattern) == expected


def test_items_nobody_answered_are_named_in_a_warning() -> None:
    rows = ["Team,I trust the AI tools we are given,I feel ready for AI,Q3"]
    rows += [f"T{i % 2},N/A,{'Agree' if i % 3 else 'Disagree'},Don't know" for i in range(6)]
    rows[1] = "T1,n/a,Agree,Prefer not to say"
    cm = infer_columns(read_export("\n".join(rows).encode(), "t.csv"), survey=AllItems())
    [warning] = [w for w in cm.warnings if "no usable answers" in w]
    assert warning.startswith("2 question column(s) have no usable answers (all ")
    assert "I trust the AI tools we are given, Q3." in warning
    assert "I feel ready" not in warning
    assert "N/A" in warning and "Don't know" in warning


def test_an_item_with_no_answers_at_all_is_named() -> None:
    export = read_export(b"Team,Q1,Q2\nA,Agree,\nB,Disagree,\nA,Agree,\n", "t.csv")
    cm = infer_columns(export, survey=AllItems())
    assert "Q2" not in export.responses.columns  # ingestion drops a column nobody filled
    assert not any("no usable answers" in w or "no answers at all" in w for w in cm.warnings)
    export.responses["Q2"] = pd.Series([None] * 3, dtype="str")
    export.columns = (*export.columns, type(export.columns[0])("Q2", "Q2", ""))
    cm = infer_columns(export, survey=AllItems())
    assert "1 question column(s) have no answers at all: Q2." in " ".join(cm.warnings)


class AllItems:
    """Every column but Team is an agree5 item."""

    def match(self, column):
        return None if column.name == "Team" else FakeItem(column.name, "c", "agree5", False)


# ------------------------------------------------------------------------------------------
# the mapping's constructs section


CONSTRUCTS = """
constructs:
  training_need: {label: Training need}
  role_clarity:
    label: Role clarity
    concept: none
    direction: higher_better
    target: 60
  fear_of_displacement: {concept: none, direction: higher_better}
  confidence: {concept: training_need, direction: higher_better, target: 55.5}
  trust_in_ai:
items:
  I trust the AI tools we are given: {construct: role_clarity, scale: agree5}
"""


def test_mapping_constructs_section() -> None:
    cm = apply_mapping(infer_columns(read_export(synthetic_csv(), "pulse.csv")), CONSTRUCTS)
    c = cm.constructs
    assert (c["training_need"].concept, c["training_need"].direction) == (
        "training_need",
        "higher_worse",
    )
    assert c["training_need"].label == "Training need" and c["training_need"].target is None
    role = c["role_clarity"]
    assert (role.label, role.concept, role.direction, role.target) == (
        "Role clarity",
        None,
        "higher_better",
        60.0,
    )
    assert (c["fear_of_displacement"].concept, c["fear_of_displacement"].direction) == (
        None,
        "higher_better",
    )
    assert (c["confidence"].concept, c["confidence"].target) == ("training_need", 55.5)
    assert (c["trust_in_ai"].concept, c["trust_in_ai"].direction) == (
        "trust_in_ai",
        "higher_better",
    )
    assert any("no item belongs to them" in w for w in cm.warnings)
    # a save and a load keep every construct as declared
    again = ColumnMap.from_yaml(cm.to_yaml())
    assert again.constructs == cm.constructs


@pytest.mark.parametrize(
    ("mapping", "pattern"),
    [
        ("constructs:\n  role_clarity: {label: Role clarity}", r"'role_clarity' needs a direction"),
        (
            "constructs:\n  x: {concept: trust, direction: higher_better}",
            r"unknown concept 'trust'",
        ),
        ("constructs:\n  x: {direction: up}", r"constructs\.x\.direction: unknown direction 'up'"),
        ("constructs:\n  x: {direction: higher_better, target: 101}", r"constructs\.x\.target"),
        ("constructs:\n  x: {direction: higher_better, weight: 2}", r"constructs\.x\.weight"),
    ],
)
def test_mapping_construct_errors(mapping: str, pattern: str) -> None:
    cm = infer_columns(read_export(synthetic_csv(), "pulse.csv"))
    with pytest.raises(MappingError, match=pattern):
        apply_mapping(cm, mapping)


def test_mapping_shape_and_meaning_problems_are_listed_together() -> None:
    cm = infer_columns(read_export(synthetic_csv(), "pulse.csv"))
    with pytest.raises(MappingError) as info:
        apply_mapping(cm, "team: Nope\nconstructs:\n  custom: {label: Custom}\n")
    assert "'Nope'" in str(info.value) and "'custom' needs a direction" in str(info.value)


def test_a_team_header_over_too_many_values_says_why_it_is_no_grouping() -> None:
    """'Team' with 1-2 people per team (found by an independent review: left out as 'no role
    recognised', and '--by team' refused without a reason). The reason names the header and
    the count, and the refusal to group by it repeats it."""
    from analysis.pipeline.load import resolve_column

    rows = "".join(f"T{i * 2 // 3},{'Agree' if i % 3 else 'Disagree'}\n" for i in range(120))
    cm = infer_columns(read_export(("Team,TR1\n" + rows).encode(), "t.csv"))
    spec = cm.spec("Team")
    assert spec.role == "ignored" and cm.team is None
    assert "header mentions 'team'" in spec.reason and "80 distinct values in 120" in spec.reason
    with pytest.raises(ValueError, match="'Team' was left out: header mentions 'team'"):
        resolve_column(cm, [], "team")


def test_text_iq_columns_are_platform_data_not_comments() -> None:
    """Qualtrics' Text iQ columns after an open question (found by a review: read as
    comments, they tripled the comment count and made themes of "Positive" and "-2"), with
    the survey's open question matched or not."""
    from analysis.survey import default_survey

    rows = ["Team,OQ1,OQ1 - Sentiment Polarity,OQ1 - Sentiment Score,OQ1 - Sentiment,OQ1 - Topics"]
    for i in range(12):
        rows.append(f"T{i % 3},The tools get facts wrong {i},-2,-0.8,Negative,Jobs;Training")
    export = read_export("\n".join(rows).encode(), "q.csv")
    for survey in (None, default_survey()):
        cm = infer_columns(export, survey=survey)
        roles = {s.name: s.role for s in cm.columns}
        assert roles["OQ1"] == "comment"
        assert all(roles[n] == "metadata" for n in roles if n.startswith("OQ1 - ")), roles


def test_a_second_column_matched_to_one_survey_item_is_left_out() -> None:
    """Two columns matched to FD1 were both scored, moving fear from 50 to 60 (found by a
    review): the first is the item, the second is left out and said."""
    from analysis.survey import default_survey

    rows = ["Team,FD1,TR1,FD1"]
    answers = ["Agree", "Disagree", "Strongly agree", "Strongly disagree"]
    for i in range(12):
        rows.append(f"T{i % 3},{answers[i % 4]},{answers[(i + 1) % 4]},{answers[(i + 2) % 4]}")
    cm = infer_columns(read_export("\n".join(rows).encode(), "d.csv"), survey=default_survey())
    roles = {s.name: (s.role, s.construct) for s in cm.columns}
    assert roles["FD1"] == ("item", "fear_of_displacement")
    assert roles["FD1 (2)"] == ("ignored", None)
    assert any("FD1 (2) (as FD1)" in w for w in cm.warnings)


def test_of_two_columns_matched_to_one_item_the_better_fit_is_the_item() -> None:
    """A yes/no screener that names RD1's words came first and was kept as RD1 (every answer
    off its scale), and the real RD1 column was left out (found by a review)."""
    from analysis.survey import default_survey

    screener = "Before we start: do you understand why the organisation is introducing AI tools?"
    real = "How much do you agree? [I understand why the organisation is introducing AI tools.]"
    rows = [f"Team,{screener},{real}"]
    answers = ["Agree", "Disagree", "Strongly agree", "Neither agree nor disagree"]
    for i in range(12):
        rows.append(f"T{i % 3},{'Yes' if i % 2 else 'No'},{answers[i % 4]}")
    cm = infer_columns(read_export("\n".join(rows).encode(), "s.csv"), survey=default_survey())
    roles = {s.name: (s.role, s.construct) for s in cm.columns}
    assert roles[real] == ("item", "change_readiness")
    assert roles[screener][0] == "ignored"


def test_an_enps_question_is_read_on_0_to_10_whatever_was_answered() -> None:
    """Nobody above 7 (an unhappy organisation) had made the eNPS question a demographic and
    eNPS vanished (found by a review): its header says what it is."""
    header = "On a scale of 0-10, how likely are you to recommend working here to a friend?"
    for top in (7, 10):
        rows = [f'Team,"{header}"'] + [f"T{i % 3},{i % (top + 1)}" for i in range(40)]
        cm = infer_columns(read_export("\n".join(rows).encode(), "e.csv"))
        spec = cm.spec(header)
        assert (spec.role, spec.scale) == ("item", "nps11")


def test_coded_groupings_and_counts_are_not_ratings() -> None:
    """Role, tenure and location exported as choice codes were scored as ratings ("Role 53.0,
    39% favourable"), and a count question as a 0-4 rating (found by a review)."""
    rows = ["Role,Tenure,Location,How many AI tools do you use each week?,Satisfaction"]
    for i in range(40):
        rows.append(f"{1 + i % 7},{1 + i % 5},{1 + i % 6},{i % 5},{1 + i % 5}")
    cm = infer_columns(read_export("\n".join(rows).encode(), "codes.csv"))
    roles = {s.name: s.role for s in cm.columns}
    assert roles["Role"] == "role"
    assert roles["Tenure"] == roles["Location"] == "demographic"
    assert roles["How many AI tools do you use each week?"] != "item"
    assert roles["Satisfaction"] == "item"  # a rating word keeps a rating


def test_pulse_items_coded_from_zero_or_on_seven_points_are_read_as_asked() -> None:
    """A review found a 0-4 battery read on the survey's 1-5 scale (a 4, "Strongly agree",
    counted as "Agree"; only the 0s were said). A second review: only within one battery (a
    construct), and never a longer numeric reading for a stray "Don't know" code."""
    from analysis import pipeline

    n = 40
    zero_to_four = {
        "Team": [f"T{i % 4}" for i in range(n)],
        "TR1": [str(i % 5) for i in range(n)],  # a 0 given: coded from 0
        "TR2": [str(1 + i % 4) for i in range(n)],  # 1-4 only: the same coding, no 0 chosen
        "TR3": [str(2 + i % 3) for i in range(n)],
        "FD1": [str(1 + i % 4) for i in range(n)],  # another battery: its own reading
    }
    frame = pd.DataFrame(zero_to_four)
    colmap = pipeline.load(frame.to_csv(index=False).encode(), "z.csv")[1]
    scales = {s.name: s.scale for s in colmap.columns if s.role == "item"}
    assert scales == {"TR1": "num5_0", "TR2": "num5_0", "TR3": "num5_0", "FD1": "agree5"}
    # a 1-5 item with 6 = "Don't know" is not a 1-6 item: the 6s stay left out, and said
    six = pd.DataFrame({"Team": zero_to_four["Team"], "TR1": [str(1 + i % 6) for i in range(n)]})
    colmap = pipeline.load(six.to_csv(index=False).encode(), "s.csv")[1]
    assert {s.name: s.scale for s in colmap.columns if s.role == "item"} == {"TR1": "agree5"}
    plain = pd.DataFrame({"Team": zero_to_four["Team"], "TR1": [str(1 + i % 5) for i in range(n)]})
    colmap = pipeline.load(plain.to_csv(index=False).encode(), "p.csv")[1]
    assert {s.name: s.scale for s in colmap.columns if s.role == "item"} == {"TR1": "agree5"}


@pytest.mark.parametrize(
    "headers",
    [
        [f"Q7_{i}" for i in range(1, 5)],  # Qualtrics: the tag's stem
        [
            f"What matters? Rank 1 (most important) to 4 [{o}]"
            for o in ("Training", "Tools", "Time", "Cost")
        ],
    ],
)
def test_rankings_are_found_by_their_question_stem(headers: list[str]) -> None:
    """A review found Qualtrics and Google Forms rankings scored as 1-4 ratings (rank 1, the
    most important, as the worst answer): grouped by their whole text, the options were never
    three columns of one question."""
    from analysis import pipeline

    orders = [[1, 2, 3, 4], [2, 1, 4, 3], [4, 3, 2, 1], [3, 4, 1, 2], [1, 3, 2, 4]]
    rows = {"Team": [f"T{i % 3}" for i in range(40)]}
    for j, h in enumerate(headers):
        rows[h] = [orders[i % 5][j] for i in range(40)]
    colmap = pipeline.load(pd.DataFrame(rows).to_csv(index=False).encode(), "rank.csv")[1]
    for s in colmap.columns[1:]:
        assert (s.role, s.scale) == ("ignored", None)
        assert "ranking" in s.reason


@pytest.mark.parametrize(
    "stamp",
    [
        "2025/03/01 8:12:00 AM GMT",  # Google Forms' CSV download
        "2025-03-01 08:12:00 UTC",
        "2025/03/01 8:12:00 AM GMT+1",
        "Mar 03, 2025 09:00:00 AM",  # Alchemer
        "03-Mar-2025 10:00",
        "March 3, 2025 9:00 AM PST",
    ],
)
def test_timestamps_with_a_zone_or_a_month_name_are_timestamps(stamp: str) -> None:
    """A review found such timestamps read as comments: 120 comments for 60 people, and a
    theme 'gmt' of half of them."""
    from analysis.columns.profile import _DATE

    assert _DATE.match(stamp)
    for text in ("Team 3, 2025", "Maybe 3 times", "May the 4th", "Marketing 2024"):
        assert not _DATE.match(text)


def test_questions_answered_from_0_say_why_they_are_not_scored() -> None:
    """A fourth review: 1-5 items with 0 for "not applicable" were ignored, and the note only
    said the file had no rated questions. The column's reason and a warning name them."""
    from analysis import pipeline

    rows = ["Team,I feel valued at work,My workload is manageable,Years of service"]
    rows += [f"{'AB'[i % 2]},{i % 6},{(i * 2) % 6},{i % 11}" for i in range(40)]
    _, colmap = pipeline.load(("\n".join(rows) + "\n").encode(), "zero.csv")
    for name in ("I feel valued at work", "My workload is manageable"):
        spec = colmap.spec(name)
        assert spec.role == "ignored" and "0 may be a point" in spec.reason
    assert "0 may be a point" not in colmap.spec("Years of service").reason  # a count
    said = [w for w in colmap.warnings if "whole numbers from 0" in w]
    assert said and "I feel valued at work" in said[0] and "Years of service" not in said[0]
