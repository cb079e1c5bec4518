"""Suggested constructs from question wording (analysis.suggest): right on real AI item
wordings, silent on real items about other things, deterministic, and never applied."""

from __future__ import annotations

import os

import numpy as np
import pytest

from analysis import embeddings as E
from analysis import ingest
from analysis.columns import infer_columns
from analysis.suggest import CLOSE_SECOND, MIN_SIMILARITY, add_suggestions, suggest_constructs
from analysis.survey import default_survey

REQUIRED = os.environ.get("CHANGERADAR_REQUIRE_SEMANTIC") == "1"
pytestmark = pytest.mark.skipif(
    not E.available() and not REQUIRED,
    reason="semantic engine not installed; set CHANGERADAR_REQUIRE_SEMANTIC=1 to fail instead",
)

# Real item wordings about AI at work. The first is the example; the Stack Overflow
# ones are the published 2024 Developer Survey questions behind the AIThreat, AIAcc and AISent
# columns of tests/data/real_exports/stackoverflow_2025_survey_results_first200.csv (ODbL).
AI_ITEMS = {
    "I worry that AI could replace jobs in my field": ("fear_of_displacement", "higher_worse"),
    "Do you believe AI is a threat to your current job?": ("fear_of_displacement", "higher_worse"),
    "How much do you trust the accuracy of the output from AI tools as part of your "
    "development workflow?": ("trust_in_ai", "higher_better"),
    "I need more training on AI tools": ("training_need", "higher_worse"),
    "My line manager gives me time to experiment with AI": ("manager_support", "higher_better"),
    "Senior leaders have explained the AI strategy clearly": (
        "communication_clarity",
        "higher_better",
    ),
}


def _suggest(texts):
    return suggest_constructs([(t, t) for t in texts], default_survey())


def test_ai_wordings_get_the_construct_a_person_would_choose() -> None:
    got = _suggest(list(AI_ITEMS))
    for text, (construct, direction) in AI_ITEMS.items():
        s = got[text]
        assert (s.construct, s.direction) == (construct, direction), (text, s)
        assert s.similarity >= MIN_SIMILARITY
    fear = got["I worry that AI could replace jobs in my field"]
    assert fear.concept == "fear_of_displacement" and not fear.reverse
    assert "similarity 0.8" in fear.reason and fear.nearest in fear.reason
    # the instrument's skills items are the other side of training need: a reworded one
    # keeps the instrument's construct and direction
    skills = _suggest(["I feel confident using AI tools in my daily work"])
    s = next(iter(skills.values()))
    assert (s.construct, s.concept, s.direction) == (
        "ai_skills_confidence",
        "training_need",
        "higher_better",
    )
    assert s.nearest_id.startswith("SK")


def test_a_stated_range_does_not_move_the_suggestion() -> None:
    """A generic export's header carries its range: "(1-5)" drew this item to the skills
    construct (its item on checking AI output) instead of trust in AI."""
    texts = ["I trust the AI tools' output", "I have the skills to use AI tools"]
    plain = _suggest(texts)
    for suffix in (" (1-5)", " (1 = Strongly disagree, 5 = Strongly agree)"):
        ranged = suggest_constructs([(t, t + suffix) for t in texts], default_survey())
        for t in texts:
            assert (ranged[t].construct, ranged[t].reverse) == (
                plain[t].construct,
                plain[t].reverse,
            )
            assert ranged[t].similarity == plain[t].similarity
    assert plain[texts[0]].construct == "trust_in_ai"
    assert plain[texts[1]].construct == "ai_skills_confidence"


def test_a_close_second_reading_is_shown_beside_the_first() -> None:
    """Two readings a few hundredths apart: the second is kept, said in the reason and in
    inspect's JSON, so the first does not look surer than it is; a clear one has none."""
    got = _suggest(
        ["I trust the AI tools' output", "I worry that AI could replace jobs in my field"]
    )
    trust = got["I trust the AI tools' output"]
    assert trust.construct == "trust_in_ai"
    assert trust.close_second is not None
    construct, reverse, similarity = trust.close_second
    assert construct == "ai_skills_confidence" and not reverse
    assert 0 <= trust.similarity - similarity <= CLOSE_SECOND
    assert "almost as close: ai_skills_confidence" in trust.reason
    assert trust.as_dict()["close_second"]["construct"] == "ai_skills_confidence"
    fear = got["I worry that AI could replace jobs in my field"]
    assert fear.close_second is None and fear.as_dict()["close_second"] is None


def _real_unrelated_items(real_dir, local_dir) -> list[tuple[str, str]]:
    out = []
    for path in [
        real_dir / "ibm_hr_employee_attrition.csv",
        real_dir / "surveymonkey_ggwash_anc2022_export.csv",
        local_dir / "limesurvey_results-survey945827_fulltext.csv",
    ]:
        export = ingest.read_export(path.read_bytes(), path.name)
        colmap = infer_columns(export, default_survey())
        out += [
            (f"{path.name}:{s.name}", s.question or s.name)
            for s in colmap.columns
            if s.role == "item" and not s.construct
        ]
    return out


def test_real_items_about_other_things_get_no_suggestion(real_dir, root) -> None:
    """Job satisfaction (IBM HR), transport policy (SurveyMonkey) and class stress (LimeSurvey)
    items are not about AI: nothing is suggested for any of them."""
    items = _real_unrelated_items(real_dir, root / "tests" / "data" / "real_exports")
    assert len(items) >= 25
    assert suggest_constructs(items, default_survey()) == {}


def test_the_suggestion_is_a_function_of_the_text() -> None:
    text = "I worry that AI could replace jobs in my field"
    alone = _suggest([text])[text]
    among = _suggest(["My workload is manageable", *AI_ITEMS, "Another question?"])[text]
    assert alone == among
    again = _suggest([text])[text]
    assert again == alone and isinstance(alone.similarity, float)
    # similarities are exact grid dot products: rounding the vectors' last bits changes nothing
    noisy = suggest_constructs(
        [(text, text)],
        default_survey(),
        encode=lambda texts: E.encode(texts) * np.float32(1 + 1e-7),
    )
    assert noisy[text] == alone


def test_infer_columns_suggests_and_assigns_nothing() -> None:
    header = "Team,I worry that AI could replace jobs in my field,I am satisfied with my pay"
    rows = [
        f"{t},{a},{b}"
        for t, a, b in zip(
            ["A", "B"] * 10,
            ["Agree", "Disagree", "Strongly agree", "Neither agree nor disagree"] * 5,
            ["Agree", "Disagree"] * 10,
            strict=True,
        )
    ]
    export = ingest.read_export("\n".join([header, *rows]).encode(), "x.csv")
    plain = infer_columns(export, default_survey())
    assert plain.suggestions == {}
    cm = infer_columns(export, default_survey(), suggest=True)
    col = "I worry that AI could replace jobs in my field"
    assert cm.spec(col).role == "item" and cm.spec(col).construct is None  # not applied
    assert set(cm.suggestions) == {col}
    assert cm.suggestions[col].as_dict()["construct"] == "fear_of_displacement"
    assert "fear_of_displacement" not in cm.to_yaml()


def test_without_the_encoder_a_warning_says_how_to_get_suggestions(monkeypatch) -> None:
    header = "Team,I worry that AI could replace jobs in my field"
    rows = [f"{t},{a}" for t in ["A", "B"] for a in ["Agree", "Disagree", "Strongly agree"] * 4]
    export = ingest.read_export("\n".join([header, *rows]).encode(), "x.csv")
    cm = infer_columns(export, default_survey())
    assert cm.items == ["I worry that AI could replace jobs in my field"]
    monkeypatch.setattr(E, "available", lambda: False)
    out = add_suggestions(cm, default_survey())
    assert out.suggestions == {} and any("sentence encoder" in w for w in out.warnings)
