"""Signals: triggers, negation, hypotheticals, AI context, evidence shape."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis.signals import COMPOSED, SIGNALS, config, tag_sentences, tag_texts


def signals_of(text: str) -> set[str]:
    row = tag_texts([text]).iloc[0]
    return {s for s in SIGNALS if row[s]}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I'm scared the AI is being trained to replace us", {"ai_mention", "displacement_fear"}),
        ("We might lose our jobs", {"displacement_fear"}),
        ("My team was made redundant last month", {"displacement_fear"}),
        ("Layoffs are coming", {"displacement_fear"}),
        ("They will cut headcount again", {"displacement_fear"}),
        ("I feel deskilled", {"displacement_fear"}),
        ("There is no job security any more", {"displacement_fear"}),
        ("Nobody showed us how to use it", {"training_request"}),
        ("We need more training", {"training_request"}),
        ("Would like a workshop on prompts", {"training_request"}),
        ("Please show us how to use Copilot", {"ai_mention", "training_request"}),
        ("The chatbot hallucinates", {"ai_mention", "ai_distrust"}),
        ("ChatGPT gives wrong answers", {"ai_mention", "ai_distrust"}),
        ("I can't rely on the AI", {"ai_mention", "ai_distrust"}),
        ("The AI is accurate and saves me time", {"ai_mention", "ai_trust"}),
        ("Too many changes and we are kept in the dark", {"change_fatigue"}),
        ("Decisions are top-down", {"change_fatigue"}),
        ("We use machine learning for forecasts", {"ai_mention"}),
        ("Great team and a nice office", set()),
    ],
)
def test_triggers(text, expected):
    assert signals_of(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I'm not worried about losing my job",
        "There is no fear of being replaced",
        "I don't think anyone will be made redundant",
        "AI won't replace us",
        "We will not be made redundant",
        "Our jobs are not at risk",
        "There are no plans to cut jobs",
        "I never felt threatened by layoffs",
    ],
)
def test_negated_fear_is_not_fear(text):
    assert "displacement_fear" not in signals_of(text)


def test_negation_scope_stops_at_clause_break():
    # "not" belongs to the first clause; the fear after "but" stands.
    assert "displacement_fear" in signals_of("I'm not senior, but I worry about losing my job")
    assert "displacement_fear" in signals_of("I can't stop worrying about losing my job")
    # Uncertainty is not negation.
    assert "displacement_fear" in signals_of("I'm not sure whether my job will still exist")


def test_hypotheticals_still_count_with_lower_confidence():
    assert "training_request" in signals_of("If we had proper training we would use it")
    plain = tag_sentences(["They will replace us with a chatbot"])
    hypo = tag_sentences(["If they replace us with a chatbot I will quit"])
    c_plain = plain.loc[plain["signal"] == "displacement_fear", "confidence"].iloc[0]
    c_hypo = hypo.loc[hypo["signal"] == "displacement_fear", "confidence"].iloc[0]
    assert c_hypo == pytest.approx(c_plain - 0.1)


def test_requests_negated_are_not_requests():
    assert "training_request" not in signals_of("I don't need any more training")
    assert "training_request" not in signals_of("The training was useful")


def test_negated_trust_flips_to_distrust_and_back():
    assert signals_of("The AI is not accurate") == {"ai_mention", "ai_distrust"}
    assert signals_of("No errors so far with the AI") == {"ai_mention", "ai_trust"}


def test_ai_context_words_need_an_ai_mention():
    assert signals_of("Payroll errors again") == set()
    assert signals_of("The AI rollout went fine. The tool makes errors.") == {
        "ai_mention",
        "ai_distrust",
    }


def test_ai_mention_is_never_negated():
    assert "ai_mention" in signals_of("I'm not worried about AI")


def test_evidence_shape_and_sentence_index():
    out = tag_texts(["Great team. Nobody showed us how to use the AI tool!", None])
    assert list(out.columns) == [*SIGNALS, "evidence"]
    assert out["training_request"].tolist() == [True, False]
    assert out.loc[1, "evidence"] == []
    hits = {h["signal"]: h for h in out.loc[0, "evidence"]}
    assert hits["training_request"]["phrase"].lower().startswith("nobody showed")
    assert hits["training_request"]["sentence"] == 1
    assert 0 < hits["training_request"]["confidence"] <= 1
    assert all(set(h) == {"signal", "phrase", "confidence", "sentence"} for h in hits.values())


def test_tag_sentences_rows():
    out = tag_sentences(["Too many changes. We need training.", "Nothing"])
    assert list(out.columns) == [
        "text_id",
        "sentence_id",
        "sentence",
        "signal",
        "phrase",
        "confidence",
    ]
    assert set(zip(out["sentence_id"], out["signal"], strict=True)) == {
        (0, "change_fatigue"),
        (1, "training_request"),
    }


def test_patterns_are_valid_and_confidences_in_range():
    cfg = config()
    assert {p.signal for p in cfg.patterns} == set(SIGNALS) - set(COMPOSED)
    assert all(0 < p.confidence <= 1 for p in cfg.patterns)
    assert all(p.flip_to in (None, *SIGNALS) for p in cfg.patterns)


def test_empty_input():
    out = tag_texts([])
    assert len(out) == 0 and list(out.columns) == [*SIGNALS, "evidence"]


def test_labelled_set_goals(root):
    import evals.signals as ev

    rows = {r["metric"]: r for r in ev.run()}
    for signal in ("displacement_fear", "training_request"):
        for metric in ("precision", "recall"):
            assert rows[f"signals {signal} {metric} (all)"]["value"] >= 0.85


@given(st.lists(st.text(max_size=80), max_size=8))
def test_tag_texts_total(texts):
    out = tag_texts(texts)
    assert len(out) == len(texts)
    assert all(out[s].dtype == bool for s in SIGNALS)
    for _, row in out.iterrows():
        assert {h["signal"] for h in row["evidence"]} == {s for s in SIGNALS if row[s]}
    assert isinstance(out, pd.DataFrame)
