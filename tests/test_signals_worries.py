"""Answers to a worry question (analysis.signals.worries): "Jobs" answering "What worries you
about AI?" is fear of job loss; the same word answering another question is not."""

from __future__ import annotations

import os

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import embeddings
from analysis.signals import about_worries, shown_phrases, tag_texts
from analysis.signals.worries import WORRY_WORDS, asks_about_worries, topic_hits

REQUIRED = os.environ.get("CHANGERADAR_REQUIRE_SEMANTIC") == "1"
needs_model = pytest.mark.skipif(
    not embeddings.available() and not REQUIRED,
    reason="semantic engine not installed; set CHANGERADAR_REQUIRE_SEMANTIC=1 to require it",
)

WORRY = "What worries you most about AI's impact on your work?"
FOCUS = "What one thing would you like your organization to focus on?"
JOB_ANSWERS = [
    "Jobs",
    "Job displacement",
    "The economy and jobs",
    "Job security.",
    "Less need for human employees",
    "automation of jobs",
    "Impact on the workforce",
]
NOT_FEAR = [
    "Nothing, it will create jobs",
    "I'm not worried about my job",
    "Not jobs, misinformation",
    "Exploitation of workers",
    "We are hiring too slowly",
    "Privacy",
    # found in review: reassured answers, and "job" or "career" about something else
    "Nothing, it helps me do my job",
    "None, it makes my job easier",
    "Honestly nothing, our jobs are safe for now",
    "Not a concern, my job is secure",
    "It won't affect my job",
    "Career progression",
    "Job satisfaction",
    "It does a poor job of summarising",
    "Employees need better pay",
    "Not too worried about jobs but accuracy is a problem",
    # long enough to state its own stance: left to the rules and the classifier
    "The jobs in our team are varied and I like how the work is organised at the moment here.",
]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What worries you most about AI?", True),
        ("What concerns, if any, do you have about AI's presence in your field?", True),
        ("Are you afraid of anything when it comes to automation?", True),
        ("What are the biggest risks for your team?", True),
        ("What are the benefits and risks of AI?", False),  # "Jobs" may be a hope there
        ("What excites or worries you about AI?", False),
        (FOCUS, False),
        ("", False),
    ],
)
def test_worry_questions(question, expected):
    assert asks_about_worries(question) is expected
    assert about_worries([question]) == [expected]


@pytest.mark.parametrize("engine", ["rules", "hybrid"])
def test_a_short_answer_naming_jobs_to_a_worry_question_is_fear(engine):
    if engine == "hybrid" and not (embeddings.available() or REQUIRED):
        pytest.skip("semantic engine not installed")
    n = len(JOB_ANSWERS)
    worried = tag_texts(JOB_ANSWERS, engine=engine, questions=[WORRY] * n)
    assert worried["displacement_fear"].tolist() == [True] * n
    focus = tag_texts(JOB_ANSWERS, engine=engine, questions=[FOCUS] * n)
    # "Job displacement" says the threat itself; the others name a subject, not a worry
    assert focus["displacement_fear"].tolist() == [False, True, False, False, False, False, False]
    m = len(NOT_FEAR)
    calm = tag_texts(NOT_FEAR, engine=engine, questions=[WORRY] * m)
    assert not calm["displacement_fear"].any()


def test_the_evidence_of_a_worry_answer_is_its_job_words():
    out = tag_texts(["The economy and jobs"], engine="rules", questions=[WORRY])
    (hit,) = [h for h in out.loc[0, "evidence"] if h["signal"] == "displacement_fear"]
    assert hit["phrase"] == "jobs" and hit["source"] == "rules"
    assert hit["context"] == "worry question"
    shown = shown_phrases(out.loc[0, "evidence"], "The economy and jobs")
    assert ("displacement_fear", "jobs") in shown


def _signals(text: str, ai: bool = True) -> list[str]:
    return [h["signal"] for _, _, h in topic_hits(text, ai)]


def test_a_long_answer_or_a_negated_subject_gives_no_topic_hit():
    assert _signals("Jobs") == ["displacement_fear"]
    assert _signals(" ".join(["jobs"] + ["word"] * WORRY_WORDS)) == []
    assert _signals("Not jobs") == []
    assert _signals("No jobs left") == ["displacement_fear"]  # "no jobs" is the fear itself
    assert _signals("AI will bring new jobs") == []
    assert _signals("Workers") == []  # people named, no threat to them
    assert _signals("Fewer workers needed") == ["displacement_fear"]
    assert _signals("Jobs and accuracy") == ["displacement_fear", "ai_distrust"]
    assert _signals("Accuracy", ai=False) == []  # no AI in view: accuracy of what?
    assert _signals("I'm not worried about accuracy") == []


DISTRUST_ANSWERS = [
    "Accuracy",
    "Reliability",
    "Lack of accuracy",
    "Not knowing what is real",
    "Truth",
    "Misleading people",
    "Quality of output",
]
NOT_DISTRUST = [
    "Privacy",
    "Over reliance",
    "Quality of life",
    "Not accuracy, jobs",
    "Scams",
    # found in review: praise is no worry
    "Nothing. I trust it.",
    "Great tool, very accurate and reliable",
    "Quality of output is excellent",
]


@pytest.mark.parametrize("engine", ["rules", "hybrid"])
def test_a_short_answer_naming_accuracy_to_a_worry_question_about_ai_is_distrust(engine):
    if engine == "hybrid" and not (embeddings.available() or REQUIRED):
        pytest.skip("semantic engine not installed")
    n = len(DISTRUST_ANSWERS)
    out = tag_texts(DISTRUST_ANSWERS, engine=engine, questions=[WORRY] * n)
    assert out["ai_distrust"].tolist() == [True] * n
    # a worry question that does not name AI: accuracy of what? (No rule reads it as
    # distrust; the classifier may, on its own evidence.)
    office = ["What worries you about the office move?"] * n
    moved = tag_texts(DISTRUST_ANSWERS, engine=engine, questions=office)
    assert not any(h.get("context") for ev in moved["evidence"] for h in ev)
    if engine == "rules":
        assert not moved["ai_distrust"].any()
    m = len(NOT_DISTRUST)
    calm = tag_texts(NOT_DISTRUST, engine=engine, questions=[WORRY] * m)
    worded = [h for ev in calm["evidence"] for h in ev if h.get("context")]
    assert not [h for h in worded if h["signal"] == "ai_distrust"]
    if engine == "rules":
        assert not calm["ai_distrust"].any()


@needs_model
def test_the_model_does_not_veto_fear_in_a_short_worry_answer():
    """ "It could put a lot of people out of work" (10 words) answering a worry question: the
    classifier, fitted on long answers, vetoed the rule's hit. Its distrust is still vetoed
    where the weak "error" rule misfires."""
    fear = "It could put a lot of people out of work"
    out = tag_texts([fear], engine="hybrid", questions=[WORRY])
    assert out.loc[0, "displacement_fear"]
    # doubt or denial keeps the classifier's veto (the rule misfires on "replace anyone")
    doubt = tag_texts(
        ["I doubt it will replace anyone in our team"], engine="hybrid", questions=[WORRY]
    )
    assert not doubt.loc[0, "displacement_fear"]
    trial = "More training please. Most of us are learning by trial and error."
    out = tag_texts([trial], engine="hybrid", questions=[WORRY])
    assert not out.loc[0, "ai_distrust"] and out.loc[0, "training_request"]


_WORDS = st.sampled_from(
    [
        "jobs",
        "job",
        "work",
        "workers",
        "not",
        "no",
        "nothing",
        "create",
        "new",
        "worried",
        "about",
        "the",
        "AI",
        "will",
        "my",
        "our",
        "staff",
        "losing",
        "cuts",
        "security",
        "future",
        "economy",
        "team",
        "people",
        "and",
    ]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_WORDS, min_size=1, max_size=14))
def test_a_worry_question_only_adds_fear(words):
    """Reading an answer with a worry in view never removes a signal the rules found without
    it, and adds nothing but fear of job loss."""
    text = " ".join(words)
    plain = tag_texts([text], engine="rules", questions=[FOCUS])
    worried = tag_texts([text], engine="rules", questions=[WORRY])
    for signal in plain.columns.drop("evidence"):
        if signal in ("displacement_fear", "ai_mention", "ai_distrust", "ai_trust"):
            # AI context: the worry question names AI, the focus question does not
            continue
        assert worried.loc[0, signal] == plain.loc[0, signal], signal
    neutral_ai = tag_texts([text], engine="rules", questions=["What do you think about AI?"])
    assert worried.loc[0, "displacement_fear"] >= neutral_ai.loc[0, "displacement_fear"]


def test_a_plain_tables_header_is_its_question() -> None:
    """A generic CSV has no question row: its header is the question. The worry reading never
    applied there (a review: fear on 20 of 60 answers, 35 of 60 for the same file from Google
    Forms); the comment table's question is the header too."""
    from analysis import pipeline

    header = "What worries you most about AI in your work?"
    answers = ["Jobs", "It makes mistakes", "Job security", "Wrong answers", "Nothing much"]
    frame = pd.DataFrame({"Team": ["A", "B"] * 15, header: answers * 6})
    export, colmap = pipeline.load(frame.to_csv(index=False).encode(), "worries.csv")
    prep = pipeline.prepare(export, colmap, n_boot=20, source_name="worries.csv")
    comments = pipeline.analyze(prep, by=[]).comments.set_index("text")
    assert (comments["question"] == header).all()
    for text in ("Jobs", "Job security"):
        assert comments.loc[text, "displacement_fear"].all(), text
    for text in ("It makes mistakes", "Wrong answers"):
        assert comments.loc[text, "ai_distrust"].all(), text
    assert not comments.loc["Nothing much", ["displacement_fear", "ai_distrust"]].any(axis=None)
