"""The answer range a header states wins over the answers given (analysis.columns.stated_range)."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import pipeline
from analysis.columns.stated_range import stated_scale, without_stated_range


@pytest.mark.parametrize(
    ("header", "scale"),
    [
        ("To what extent do you agree? (1 = Strongly disagree, 5 = Strongly agree) - I", "num5"),
        ("(1 = poor, 2 = fair, 3 = good, 4 = very good, 5 = excellent)", "num5"),
        ("How satisfied are you with your workload? (1 = very dissatisfied, 3 = very)", "num3"),
        ("I feel valued at work (1-5)", "num5"),
        ("How satisfied are you with your pay? (1 to 10)", "num10"),
        ("On a scale of 1 to 5, how would you rate the AI training?", "num5"),
        ("On a scale of 0-10, how confident are you using AI?", "nps11"),
        ("How would you score our AI rollout from 1 to 10?", "num10"),
        ("Rate it (0-4)", "num5_0"),
        ("Team", None),
        ("Budget 2024 (in $1000s)", None),
        ("Rate it (2-9)", None),  # an unusual range: left to the answers
        ("Gender (1 = Male; 2 = Female; 3 = Other)", None),  # a legend of codes
    ],
)
def test_stated_ranges(header: str, scale: str | None) -> None:
    found = stated_scale(header)
    assert (found.name if found else None) == scale


WORKLOAD = "How satisfied are you with your workload? (1 = very dissatisfied, 3 = very satisfied)"


def _roles(columns: dict[str, list]) -> dict[str, tuple[str, str | None]]:
    data = pd.DataFrame(columns).to_csv(index=False).encode()
    colmap = pipeline.load(data, "stated.csv")[1]
    return {s.name: (s.role, s.scale) for s in colmap.columns}


def test_a_stated_range_makes_the_scale_and_the_rating() -> None:
    """A review's cases: a 1-5 item nobody rated 5 read as 1-4 (51 instead of 38); a 1-3 item
    read as 1-4; 6 = "Don't know" scored as the top; "rate", "pay", "team's" and "level" in a
    header had made rated questions ignored or groupings."""
    n = 60
    roles = _roles(
        {
            "Team": [f"T{i % 3}" for i in range(n)],
            "(1 = Strongly disagree, 5 = Strongly agree) - I have the right tools": [
                1 + i % 4 for i in range(n)
            ],
            WORKLOAD: [1 + i % 2 for i in range(n)],
            "I feel supported by my manager (1-5)": [
                6 if i % 10 == 0 else 1 + i % 5 for i in range(n)
            ],
            "I feel my pay is fair (1-5)": [1 + i % 5 for i in range(n)],
            "Please rate your team's communication (1 = poor, 5 = excellent)": [
                1 + i % 5 for i in range(n)
            ],
            "What level of support do you get from IT? (1-5)": [1 + i % 5 for i in range(n)],
            "How many years have you worked here (1-5)?": [1 + i % 5 for i in range(n)],
            "Days in the office per week (1-5)": [1 + i % 5 for i in range(n)],
            "Number of AI tools you use (1-5)": [1 + i % 5 for i in range(n)],
            "I have enough days of AI training (1-5)": [1 + i % 5 for i in range(n)],
            "Hours of work are manageable (1-5)": [1 + i % 5 for i in range(n)],
            "Years of experience help me use AI (1-5)": [1 + i % 5 for i in range(n)],
        }
    )
    assert roles["(1 = Strongly disagree, 5 = Strongly agree) - I have the right tools"] == (
        "item",
        "num5",
    )
    assert roles[WORKLOAD] == ("item", "num3")
    assert roles["I feel supported by my manager (1-5)"] == ("item", "num5")  # 6s left out, said
    for header in (
        "I feel my pay is fair (1-5)",
        "Please rate your team's communication (1 = poor, 5 = excellent)",
        "What level of support do you get from IT? (1-5)",
    ):
        assert roles[header] == ("item", "num5")
    assert roles["How many years have you worked here (1-5)?"][0] != "item"  # a count
    assert roles["Days in the office per week (1-5)"][0] != "item"  # a count (a third review)
    assert roles["Number of AI tools you use (1-5)"][0] != "item"
    assert roles["I have enough days of AI training (1-5)"] == ("item", "num5")  # a rating
    for rated in ("Hours of work are manageable (1-5)", "Years of experience help me use AI (1-5)"):
        assert roles[rated] == ("item", "num5"), rated  # a unit word, then a statement
    coded = _roles(  # a second review: a range in a grouping's name is no rating
        {
            "Team": [f"T{i % 3}" for i in range(n)],
            "Job grade (1-7)": [1 + i % 7 for i in range(n)],
            "I feel valued (1-5)": [1 + i % 5 for i in range(n)],
        }
    )
    assert coded["Job grade (1-7)"][0] != "item"


@pytest.mark.parametrize(
    ("header", "wording"),
    [
        ("I trust the AI tools' output (1-5)", "I trust the AI tools' output"),
        ("I trust AI (1 = Strongly disagree, 5 = Strongly agree)", "I trust AI"),
        ("I trust AI: 1 = Strongly disagree, 5 = Strongly agree", "I trust AI"),
        ("On a scale of 1 to 5, how much do you trust AI?", "how much do you trust AI?"),
        ("How much do you trust AI, on a scale from 1 to 10", "How much do you trust AI"),
        ("Rate from 1 to 10 how much you trust AI", "Rate how much you trust AI"),
        ("I use AI (e.g. ChatGPT) daily [1-5]", "I use AI (e.g. ChatGPT) daily"),
        ("Team's AI use (weekly)", "Team's AI use (weekly)"),  # no range: unchanged
        ("(1-5)", "(1-5)"),  # nothing else: the header itself
    ],
)
def test_the_wording_without_its_stated_range(header: str, wording: str) -> None:
    assert without_stated_range(header) == wording


def test_a_missing_code_is_left_out_as_a_stated_range_would() -> None:
    """Answers 1-5 with 99 for "Don't know" and no range in the header: the column had no
    scale (ignored, no score); it is now read on 1-5 with the 99s left out and said, the same
    score as when the header states the range."""
    n = 60
    answers = [99 if i % 7 == 0 else 1 + (i * 3) % 5 for i in range(n)]
    scores = {}
    for header in ("I trust the AI tools I use", "I trust the AI tools I use (1-5)"):
        frame = pd.DataFrame({"Team": [f"T{i % 3}" for i in range(n)], header: answers})
        export, colmap = pipeline.load(frame.to_csv(index=False).encode(), "codes.csv")
        assert colmap.spec(header).role == "item" and colmap.spec(header).scale == "num5"
        prep = pipeline.prepare(export, colmap, n_boot=50, source_name="codes.csv")
        said = [w for w in prep.warnings if "'99'" in w]
        assert said and "Don't know" in said[0] and f"{n // 7 + 1} answer(s)" in said[0]
        scores[header] = pipeline.analyze(prep, by=["Team"]).items
    plain, ranged = (t.select_dtypes("number") for t in scores.values())
    pd.testing.assert_frame_equal(plain.reset_index(drop=True), ranged.reset_index(drop=True))
    assert len(plain) == 3 and plain["n"].sum() == n - (n // 7 + 1)
