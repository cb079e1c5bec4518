"""Signals: triggers, negation, hypotheticals, AI context, evidence shape."""

from __future__ import annotations

import hashlib
import json
import os

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis import embeddings
from analysis import signals as signals_mod
from analysis.signals import (
    COMPOSED,
    SIGNALS,
    about_ai,
    about_learning,
    about_wishes,
    config,
    model_info,
    tag_sentences,
    tag_texts,
)
from analysis.signals import model as signals_model


def signals_of(text: str) -> set[str]:
    """The rule engine's signals (these tests pin the rules; the classifiers that weigh them are
    measured on real comments and tested below)."""
    row = tag_texts([text], engine="rules").iloc[0]
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
        (
            "Too many changes and we are kept in the dark",
            {"change_fatigue", "leadership_communication_request"},
        ),
        ("Decisions are top-down", {"leadership_communication_request"}),
        ("Please keep us informed about the rollout", {"leadership_communication_request"}),
        ("We need more transparency from management", {"leadership_communication_request"}),
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
    plain = tag_sentences(["They will replace us with a chatbot"], engine="rules")
    hypo = tag_sentences(["If they replace us with a chatbot I will quit"], engine="rules")
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
    out = tag_texts(["Great team. Nobody showed us how to use the AI tool!", None], engine="rules")
    assert list(out.columns) == [*SIGNALS, "evidence"]
    assert out["training_request"].tolist() == [True, False]
    assert out.loc[1, "evidence"] == ()
    hits = {h["signal"]: h for h in out.loc[0, "evidence"]}
    assert hits["training_request"]["phrase"].lower().startswith("nobody showed")
    assert hits["training_request"]["sentence"] == 1
    assert 0 < hits["training_request"]["confidence"] <= 1
    assert all(
        set(h) == {"signal", "phrase", "confidence", "source", "sentence"} for h in hits.values()
    )


def test_tag_sentences_rows():
    out = tag_sentences(["Too many changes. We need training.", "Nothing"], engine="rules")
    assert list(out.columns) == [
        "text_id",
        "sentence_id",
        "sentence",
        "signal",
        "phrase",
        "confidence",
        "source",
    ]
    assert set(out["source"]) == {"rules"}
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


def _eval_rows() -> dict[str, dict]:
    import evals.signals as ev

    return {r["metric"]: r for r in ev.run()}


def test_dev_set_meets_goal(root):
    rows = _eval_rows()
    for signal in ("displacement_fear", "training_request"):
        for metric in ("precision", "recall"):
            assert rows[f"signals {signal} {metric} (dev, rules)"]["value"] >= 0.85


# Regression floors on the blind sets: the figures measured when each was last checked, less a
# small margin. The 0.85 goal is not met on the unseen set (blind3); see evals/signals.py.
BLIND_FLOORS = {
    ("blind", "displacement_fear"): (0.95, 0.80),
    ("blind", "training_request"): (0.95, 0.90),
    ("blind2", "displacement_fear"): (0.95, 0.73),
    ("blind2", "training_request"): (0.95, 0.95),
    ("blind3", "displacement_fear"): (0.90, 0.56),
    ("blind3", "training_request"): (0.95, 0.50),
}


@pytest.mark.parametrize(("dataset", "signal"), list(BLIND_FLOORS))
def test_blind_set_floors(root, dataset, signal):
    rows = _eval_rows()
    p_floor, r_floor = BLIND_FLOORS[(dataset, signal)]
    assert rows[f"signals {signal} precision ({dataset}, rules)"]["value"] >= p_floor
    assert rows[f"signals {signal} recall ({dataset}, rules)"]["value"] >= r_floor


def test_eval_reports_every_set_with_the_goal():
    rows = _eval_rows()
    for dataset in ("dev", "blind", "blind2", "blind3"):
        row = rows[f"signals displacement_fear recall ({dataset}, rules)"]
        assert row["goal"] == 0.85 and dataset in row["dataset"]


@given(st.lists(st.text(max_size=80), max_size=8))
def test_tag_texts_total(texts):
    out = tag_texts(texts)
    assert len(out) == len(texts)
    assert all(out[s].dtype == bool for s in SIGNALS)
    for _, row in out.iterrows():
        assert {h["signal"] for h in row["evidence"]} == {s for s in SIGNALS if row[s]}
    assert isinstance(out, pd.DataFrame)


# --- compositional rules ---------------------------------------------------------------------


def fear(text: str) -> bool:
    return "displacement_fear" in signals_of(text)


def asks(text: str) -> bool:
    return "training_request" in signals_of(text)


@pytest.mark.parametrize(
    "text",
    [
        "They want to replace us with a chatbot",
        "I think we will be replaced within two years",
        "Worried they'll cut the team once the bot learns the easy calls",
        "Teaching assistants have had their hours cut",
        "Feels like they are phasing out our roles",
        "My role could disappear once the close is automated",
        "The rest of us are next",
        "The claims handlers won't be needed in five years",
        "The robot does my job and I have to train it",
        "Everyone is asking whether we'll still have jobs next year",
        "I can't see them keeping us on",
        "I don't want to end up redundant",
        "Scared for my future here",
        "My team is anxious about what the rollout means for their roles",
        "Honestly scared I'll be out of work",
        "Nobody can say what happens to us",
    ],
)
def test_fear_in_new_wording(text):
    assert fear(text)


@pytest.mark.parametrize(
    "text",
    [
        # negation
        "I'm not worried about my job",
        "AI won't replace nurses at the bedside",
        "There's no chance they'll replace the pharmacists",
        "None of my team will lose their jobs over this",
        "Nobody has lost their job since the automation",
        # other people's reassurance
        "My team lead keeps saying nobody will be replaced",
        "Our director promised there will be no redundancies",
        # things, not people
        "We need to replace the old CRM",
        "We're replacing the old phone system next month",
        "We replaced the legacy build scripts and it's faster",
        "The chatbot is replacing our FAQ page, which is fine by me",
        "They cut the budget for the Christmas party",
        "I lost my login twice this week",
        "Automation is taking over the dull parts of my work",
        # job words without fear
        "AI helps me do my job faster",
        "My job is a lot easier now that the AI drafts replies",
        # past, resolved, concessive, outsiders, counterfactual
        "I used to worry about being replaced, but not anymore",
        "Even if they automated the reporting there'd be plenty for us to do",
        "My brother was laid off from a factory last year",
        "If AI could do my job I'd retire early, but it can't",
        # passive "used to" is not the past habit, and no threat here
        "The dashboards will be used to plan rotas",
    ],
)
def test_not_fear(text):
    assert not fear(text)


def test_disbelieved_reassurance_keeps_the_fear():
    assert not fear("Management says automation will not lead to layoffs")
    assert fear("Management says automation will not lead to layoffs, but I don't believe them")


def test_fear_cue_raises_confidence_and_hypothetical_lowers_it():
    def conf(text: str) -> float:
        out = tag_sentences([text], engine="rules")
        return float(out.loc[out["signal"] == "displacement_fear", "confidence"].iloc[0])

    plain = conf("They will cut the team")
    assert conf("I'm worried they will cut the team") == pytest.approx(plain + 0.1)
    assert conf("If they cut the team I will leave") == pytest.approx(plain - 0.1)


@pytest.mark.parametrize(
    "text",
    [
        "Can we get a proper session on the new CRM?",
        "Would really appreciate some hands-on practice before go-live",
        "We were given no CPD at all on spotting AI-written essays",
        "Nobody has shown us how to read the scores",
        "i dont know how to use the new handhelds",
        "Not sure how I'm meant to use the forecasting tool",
        "The user guide is out of date",
        "Short answer: more training.",
        "Please can we have more time set aside to practise",
        "Our onboarding doesn't cover the AI tools at all",
        "Teach us the shortcuts, we're wasting time",
        "If we'd had proper training from the start it would have gone better",
        "We were thrown in at the deep end with the rostering software",
        "Could someone explain how the new system works?",
    ],
)
def test_training_requests_in_new_wording(text):
    assert asks(text)


@pytest.mark.parametrize(
    "text",
    [
        "The training last week was great",
        "The training was excellent and well organised",
        "Thank you for the AI training sessions, they helped a lot",
        "I learned more from the Copilot course than I expected",
        "I don't need any more training",
        "Nobody needs to show me how to use a chatbot",
        "I don't want training, I want fewer targets",
        "I got the training I needed",
        "We're training the model on last year's tickets",
        "My manager showed me how to use the dashboard",
        "Of course we need to support our customers",
        "There is no point learning the tool if it changes again",
        "I'd like to know more about the timeline",
        "The AI should help us do more",
    ],
)
def test_not_training_request(text):
    assert not asks(text)


def test_british_and_american_spelling():
    assert asks("It would help if HR organised workshops on the AI policy")
    assert asks("It would help if HR organized workshops on the AI policy")
    assert asks("Please give us time to practise with it")
    assert asks("Please give us time to practice with it")
    assert fear("Worried the reorganisation will make my role redundant")
    assert fear("Worried the reorganization will make my role redundant")
    assert fear("They are downsizing the department")
    assert fear("Redundancies were announced with the automation programme")


def test_curly_apostrophes_and_clitics():
    assert not fear("I\u2019m not worried about my job")
    assert asks("I don\u2019t know how to use it")
    assert fear("We\u2019re next")


def test_evidence_names_the_linked_words():
    out = tag_texts(["Great team. Honestly worried they'll cut the team soon."], engine="rules")
    hit = next(h for h in out.loc[0, "evidence"] if h["signal"] == "displacement_fear")
    assert hit["phrase"] == "cut the team"
    assert hit["sentence"] == 1
    assert hit["confidence"] == pytest.approx(0.9)


def test_yaml_phrases_must_be_strings(tmp_path):
    from analysis.signals import Concept

    with pytest.raises(ValueError, match="quote the phrase"):
        Concept.build(["fine", False], {})


def test_word_lists_come_from_the_data_file_checked():
    from analysis.datafiles import DataFileError, read_yaml
    from analysis.signals import words
    from analysis.signals.patterns import parse_words

    w = words()
    assert w.contractions["dont"] == ("do", "n't") and w.contractions["cannot"] == ("can", "not")
    assert {"the", "no", "off", "on", "'s"} <= w.common and "redundant" not in w.common
    assert "teach" in w.imperative and "n't" in w.object_boundary and "jobs" in w.job_nouns
    assert w.participles == {"cut", "let", "shut", "put"}
    doc = read_yaml("signals.yaml")["words"]
    assert parse_words(doc) == w
    bad = [
        ("common", [*doc["common"], False]),  # an unquoted "no" reads as a boolean
        ("common", [*doc["common"], "the"]),  # listed twice
        ("job_nouns", ["Jobs"]),  # matched on lower-case tokens
        ("imperative", ["walk through"]),  # a phrase, not a word
        ("contractions", {"dont": ["do", "n't", "x"]}),
        ("participles", []),
    ]
    for key, value in bad:
        with pytest.raises(DataFileError, match=key):
            parse_words({**doc, key: value})


def test_tokens_point_back_into_the_sentence():
    from analysis.signals import tokenize

    sentence = "We\u2019re next; İstanbul team dont-know HOW"
    for tok, a, b in tokenize(sentence):
        piece = sentence[a:b].lower().replace("\u2019", "'")
        assert tok.replace("'", "") in piece.replace("'", "").replace("-", "") or tok in (
            "n't",
            "do",
        )


# --- speed machinery must not change results ---------------------------------------------------


def _all_sentences() -> list[str]:
    import evals.signals as ev
    from analysis.sentiment import split_sentences

    texts = [t for name in ev.SETS for t in ev.load(name)["text"]]
    return [s for t in texts for s in split_sentences(t)]


def test_anchor_prefilter_is_sound():
    from analysis.signals import lexicon, tokenize
    from analysis.signals.composed import displacement, training
    from analysis.signals.scope import analyse

    lex = lexicon()
    for sentence in _all_sentences():
        tokens = tokenize(sentence)
        if lex.anchors.isdisjoint([t for t, _, _ in tokens]):
            s = analyse(tokens, lex)
            assert displacement(s, sentence, lex) is None
            assert training(s, sentence, lex) is None


def test_required_literals_are_sound_on_labelled_sentences():
    cfg = config()
    for sentence in _all_sentences():
        low = sentence.lower()
        for p in cfg.patterns:
            if p.literals is not None and p.regex.search(sentence):
                assert any(x in low for x in p.literals), (p.regex.pattern, sentence)


_VOCAB = (
    "not accurate wrong answers hallucinates no training too many changes kept in the dark AI "
    "chatbot bot errors nobody told us rely on it can't trust the tool saves time black box , . ; "
    "but I we"
)


@given(
    st.lists(
        st.sampled_from(_VOCAB.split()),
        max_size=12,
    )
)
def test_required_literals_are_sound_on_generated_text(words):
    from analysis.signals import required_literals

    text = " ".join(words)
    low = text.lower()
    for p in config().patterns:
        assert p.literals == required_literals(p.regex.pattern)
        if p.literals is not None and p.regex.search(text):
            assert any(x in low for x in p.literals)


def test_required_literals_of_known_patterns():
    from analysis.signals import required_literals

    assert required_literals(r"\bhallucinat\w*") == ("hallucinat",)
    # Of several required parts, the one with the longest shortest string is kept.
    assert required_literals(r"\b(?:black|grey)\s+box\b") == ("black", "grey")
    assert required_literals(r"\b(?:a|b)?\s*x") == ("x",)
    assert required_literals(r"\w+") is None


def test_each_distinct_text_is_tagged_once_per_call(monkeypatch):
    from analysis.signals import rules

    calls: list[str] = []
    real = rules.tag_text

    def counted(text, *args, **kwargs):
        calls.append(text)
        return real(text, *args, **kwargs)

    monkeypatch.setattr(rules, "tag_text", counted)
    text = "Nobody showed us how to use the new AI tool, and I fear for my job. (cache test)"
    out = tag_texts([text] * 50 + ["Great team"] * 3, engine="rules")
    # Repeats within a call are tagged once and share their evidence.
    assert sorted(calls) == sorted([text, "Great team"])
    assert out["training_request"][:50].all() and out["displacement_fear"][:50].all()
    assert all(ev == out["evidence"].iloc[0] for ev in out["evidence"][:50])
    # Nothing is kept between calls: a text seen before is tagged again, to the same answer.
    calls.clear()
    again = tag_texts([text], engine="rules")
    assert calls == [text]
    assert again.loc[0, "evidence"] == out.loc[0, "evidence"]


def _strings_in(obj: object, seen: set[int], depth: int = 0):
    """Strings reachable from ``obj`` through containers and dataclass-like objects."""
    if id(obj) in seen or depth > 12:
        return
    seen.add(id(obj))
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from _strings_in(k, seen, depth + 1)
            yield from _strings_in(v, seen, depth + 1)
    elif isinstance(obj, list | tuple | set | frozenset):
        for v in obj:
            yield from _strings_in(v, seen, depth + 1)
    elif hasattr(obj, "__dataclass_fields__") and not isinstance(obj, type):
        for name in obj.__dataclass_fields__:
            yield from _strings_in(getattr(obj, name), seen, depth + 1)


def test_no_comment_words_stay_in_module_state():
    """Attacker's view on a shared server: after a call, no word of its comments can be read
    back from the package's module globals or its compiled vocabularies."""
    import sys

    from analysis.signals import lexicon, words

    secret = "zorblaxian"
    tag_texts([f"The {secret} tool will replace us. Need {secret} training, not accurate AI."])
    roots: list[object] = [config(), lexicon(), words()]
    for name, module in sorted(sys.modules.items()):
        if name == "analysis.signals" or name.startswith("analysis.signals."):
            roots.extend(vars(module).values())
    seen: set[int] = set()
    assert not any(secret in s for root in roots for s in _strings_in(root, seen))


# --- hybrid: rules + sentence-embedding model -------------------------------------------------

REQUIRED = os.environ.get("CHANGERADAR_REQUIRE_SEMANTIC") == "1"
needs_model = pytest.mark.skipif(
    not embeddings.available() and not REQUIRED,
    reason="semantic engine not installed; set CHANGERADAR_REQUIRE_SEMANTIC=1 to require it",
)


# --- hybrid: calibrated classifiers on embeddings + rule hits ---------------------------------

JOB_FEAR = "It feels like we will be replaced by automation and nobody is saying it out loud."


@needs_model
@pytest.mark.parametrize(
    ("text", "signal", "expected"),
    [
        pytest.param(
            JOB_FEAR,
            "displacement_fear",
            True,
            marks=pytest.mark.xfail(
                strict=True,
                reason="known miss: the model scores it below its dev-chosen threshold",
            ),
        ),
        ("I'm worried AI will take my job within a couple of years.", "displacement_fear", True),
        # hard negatives named in the signals issue
        ("I already know how to use it.", "training_request", False),
        ("We are hiring too slowly and the team is stretched.", "displacement_fear", False),
        # was a known false alarm; then below the dev-chosen threshold; since the 8-bit
        # encoder (p 0.87) held off by the job-creation guard, like the two after it
        ("AI will create jobs, not destroy them.", "displacement_fear", False),
        ("AI will create more jobs than it destroys.", "displacement_fear", False),
        ("I am not worried, AI will create new jobs.", "displacement_fear", False),
        (
            "AI may create new jobs, but I am afraid mine will be cut.",
            "displacement_fear",
            True,
        ),
        ("We need proper training on the new AI tools.", "training_request", True),
        ("The chatbot keeps making up sources, so I can't trust it.", "ai_distrust", True),
    ],
)
def test_classifiers_on_the_issue_examples(text, signal, expected):
    out = tag_texts([text], engine="hybrid")
    assert out.attrs["engine"] == "rules+model"
    assert bool(out.loc[0, signal]) is expected


@needs_model
def test_every_signal_has_evidence_from_its_text():
    texts = [
        "Great canteen. I worry AI will replace my job.",
        "The chatbot keeps making up sources, so I can't trust it. Otherwise fine.",
        "Please keep us informed before decisions are made, we hear everything too late.",
    ]
    out = tag_texts(texts, engine="hybrid")
    for text, (_, row) in zip(texts, out.iterrows(), strict=True):
        assert {h["signal"] for h in row["evidence"]} == {s for s in SIGNALS if row[s]}
        for h in row["evidence"]:
            assert h["phrase"] and h["phrase"].lower() in text.lower()
            assert h["source"] in ("rules", "model")
            assert 0 < h["confidence"] <= 1
    distrust = next(h for h in out.loc[1, "evidence"] if h["signal"] == "ai_distrust")
    assert distrust["sentence"] == 0  # the complaint, not "Otherwise fine."


@needs_model
def test_a_fear_beside_small_talk_is_still_a_fear():
    """Was a known miss (the short unrelated sentence diluted the mean); the sentence pooling
    chosen on dev finds it, with the fear sentence as evidence."""
    out = tag_texts(["Great canteen. I worry AI will replace my job."], engine="hybrid")
    assert out.loc[0, "displacement_fear"]
    fear = next(h for h in out.loc[0, "evidence"] if h["signal"] == "displacement_fear")
    assert fear["sentence"] == 1


@needs_model
def test_a_fear_beside_small_talk_is_not_a_training_request():
    """Was a known false alarm (the classifier alone read it as a training wish): a worry gets
    training_request only from a rule that finds it asked for in words (model.WORRIES)."""
    out = tag_texts(["Great canteen. I worry AI will replace my job."], engine="hybrid")
    assert not out.loc[0, "training_request"]
    asked = tag_texts(["I worry AI will replace my job. Please train us on it."], engine="hybrid")
    assert asked.loc[0, "training_request"] and asked.loc[0, "displacement_fear"]


@needs_model
@pytest.mark.parametrize("text", ["Job loss", "Losing my job", "Unemployment", "Layoffs"])
def test_short_worry_answers_keep_their_rule_hit(text):
    """Answers of a few words to "what worries you about AI": the classifier (fitted on longer
    answers) may not veto the rule (model.SHORT_WORDS), and does not call them training wishes."""
    rules_only = tag_texts([text], engine="rules")
    hybrid = tag_texts([text], engine="hybrid")
    assert rules_only.loc[0, "displacement_fear"] and hybrid.loc[0, "displacement_fear"]
    assert not hybrid.loc[0, "training_request"]


def test_answers_to_a_question_about_ai_are_read_with_ai_in_view():
    """Issue 16: "It makes mistakes" answering "What worries you about AI?" is distrust of AI
    output; the same words answering a question about the canteen are not."""
    texts = ["It makes mistakes", "Misinformation", "Wrong answers given to the board."]
    ai = ["What worries you about AI's impact?"] * 3
    canteen = ["What would you change about the canteen?"] * 3
    assert about_ai(ai) == [True] * 3 and about_ai(canteen) == [False] * 3
    assert tag_texts(texts, engine="rules", questions=ai)["ai_distrust"].all()
    assert not tag_texts(texts, engine="rules", questions=canteen)["ai_distrust"].any()
    assert not tag_texts(texts, engine="rules")["ai_distrust"].any()  # no question: as before
    with pytest.raises(ValueError, match="one question per text"):
        tag_texts(texts, questions=["?"])


@needs_model
def test_a_short_answer_is_a_training_wish_by_its_words_or_its_question():
    """ "Python" answering "What skills would you like to acquire?" is a training wish; "Job
    security" or "Succession planning" answering "What should we focus on?" is not."""
    focus = ["What one thing would you like your organization to focus on?"] * 3
    texts = ["Job security", "Succession planning", "More training on our systems"]
    out = tag_texts(texts, engine="hybrid", questions=focus)
    assert out["training_request"].tolist() == [False, False, True]
    skills = about_learning(["What three skills would you like to acquire or improve?"])
    assert skills == [True] and about_learning(focus) == [False] * 3
    wish = tag_texts(
        ["Python, statistics"], engine="hybrid", questions=["What skills would you like to learn?"]
    )
    assert wish.loc[0, "training_request"]


@needs_model
def test_a_training_request_in_so_many_words_stands():
    """The rule's phrase names training itself ("more learning", "more training"): the model,
    which rejected the first of these, no longer vetoes it (model.EXPLICIT_TRAINING). A rule hit
    on a wider learning word (a guide, the docs) is still the model's to weigh."""
    texts = [
        "Provide more learning opportunities and allow time to take courses.",
        "Give us time to actually complete the mandatory training instead of doing it after hours.",
    ]
    rules_only = tag_texts(texts, engine="rules")
    assert rules_only["training_request"].all()
    out = tag_texts(texts, engine="hybrid")
    assert out["training_request"].all()
    sources = [
        h["source"] for ev in out["evidence"] for h in ev if h["signal"] == "training_request"
    ]
    assert sources == ["rules", "rules"]  # the rules' hits stand, with their phrases
    # words that can mean something else do not overrule the model: the train, a workshop floor
    for other in ("the train into the city", "more workshop space", "a coach to the offsite"):
        assert not signals_model.EXPLICIT_TRAINING.search(other)
    assert signals_model.EXPLICIT_TRAINING.search("need a workshop on which tools")
    assert signals_model.EXPLICIT_TRAINING.search("Protected learning time")
    assert not signals_model.EXPLICIT_TRAINING.search("a better guide")
    assert not signals_model.EXPLICIT_TRAINING.search("docs")
    # people to be trained, named as people; never an AI being trained or teaching
    for people in ("Please train us on it", "train our staff", "teach the team", "train me"):
        assert signals_model.EXPLICIT_TRAINING.search(people), people
    for machine in (
        "We need to train our models on better data",
        "AI that can be trained on our own documents",
        "the tool to get trained on our codebase",
        "They will train our replacements",
        "Teach our AI our style",
        "ask it to teach me about solutions",
    ):
        assert not signals_model.EXPLICIT_TRAINING.search(machine), machine
    # a worry with no training words is still no training request
    assert not tag_texts(["I worry AI will replace my job."], engine="hybrid").loc[
        0, "training_request"
    ]


@needs_model
def test_an_answer_naming_training_to_a_wish_question_asks_for_it():
    """ "What one thing would you like your organization to focus on?" makes every answer a
    wish: one naming training is a training request without a request word of its own
    (model.WISH_QUESTION). Not "less training", not training already had, not machine
    learning, and not the same words answering a question that asks for no wish."""
    focus = "What one thing would you like your organization to focus on?"
    texts = [
        "Cross-training so we are not dependent on one person.",
        "Funding for training and conferences has been cut for years.",
        "Less training days, more time to do the actual work.",
        "I already had the training, it was fine.",
    ]
    out = tag_texts(texts, engine="hybrid", questions=[focus] * len(texts))
    assert out["training_request"].tolist() == [True, True, False, False]
    other = tag_texts(texts[:1], engine="hybrid", questions=["How long have you worked here?"])
    assert not other.loc[0, "training_request"]
    assert about_wishes([focus, "What services do you wish the CNCF provided?"]) == [True, True]
    assert about_wishes(["Any other feedback that you wish to share?", ""]) == [False, False]
    assert about_wishes(["What should be improved?", "Any suggestions for improvement?"]) == [
        True,
        True,
    ]
    catch_all = ["Please provide any other comments.", "Please provide feedback on the training"]
    assert about_wishes(catch_all) == [False, False]
    assert not signals_model.wished_training("We don\u2019t need more training")
    assert not signals_model.wished_training("Fewer meetings and less mentoring")
    assert signals_model.wished_training("Less paperwork and more mentoring")
    assert signals_model.wished_training("More mentoring for new staff")
    assert not signals_model.wished_training("We don't need more training")
    assert not signals_model.wished_training("Machine learning projects.")
    assert not signals_model.wished_training("No need for more training")
    assert signals_model.wished_training("We do need training on the new system")


def test_replacing_staff_who_leave_is_hiring_not_a_threat():
    out = tag_texts(
        ["Replacing retiring staff", "Replacing staff who leave", "Replace staff with AI"],
        engine="rules",
    )
    assert out["displacement_fear"].tolist() == [False, False, True]


@needs_model
@pytest.mark.parametrize(
    "text",
    [
        "I don't think anyone will be made redundant",
        "I'm not worried about losing my job",
        "AI won't replace us",
    ],
)
def test_classifier_reads_rule_cancellations(text):
    assert not tag_texts([text], engine="hybrid").loc[0, "displacement_fear"]


def test_without_the_engine_the_rules_run_alone_and_say_so(monkeypatch):
    monkeypatch.setattr(embeddings, "available", lambda: False)
    out = tag_texts([JOB_FEAR, "We need more training"])
    assert out.attrs["engine"] == "rules" and "not installed" in out.attrs["engine_note"]
    assert out["training_request"].tolist() == [False, True]
    assert all(h["source"] == "rules" for ev in out["evidence"] for h in ev)
    with pytest.raises(embeddings.SemanticEngineError):
        tag_texts([JOB_FEAR], engine="hybrid")
    with pytest.raises(ValueError, match="engine must be one of"):
        tag_texts(["x"], engine="bert")


def test_no_size_cut_off_every_distinct_sentence_embedded_once(monkeypatch):
    """5,000 distinct comments still go through the classifiers (the old switch to rules-only
    above 1,000 sentences is gone); each distinct sentence is embedded once, in one batch."""
    import numpy as np

    calls: list[list[str]] = []

    def fake_encode(texts, *args, **kwargs):
        texts = list(texts)
        calls.append(texts)
        rng = np.random.default_rng(len(texts))
        v = rng.normal(size=(len(texts), embeddings.DIM)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    monkeypatch.setattr(embeddings, "available", lambda: True)
    monkeypatch.setattr(embeddings, "encode", fake_encode)
    texts = [f"Comment number {i}. Same closing sentence." for i in range(5000)] * 2
    out = tag_texts(texts)
    assert out.attrs["engine"] == "rules+model" and out.attrs["engine_note"] == ""
    assert len(calls) == 1 and len(calls[0]) == len(set(calls[0])) == 5001


def test_classifier_file_checksum_and_provenance(root, tmp_path, monkeypatch):
    doc = json.loads(signals_mod.MODEL_FILE.read_text(encoding="utf-8"))
    for path, digest in doc["trained_on"].items():
        assert hashlib.sha256((root / path).read_bytes()).hexdigest() == digest, (
            f"{path} changed: retrain with `python -m evals.train_signals`"
        )
    assert doc["split_used"].startswith("dev only")
    assert tuple(doc["rule_features"]) == signals_mod.RULE_FEATURES
    assert set(doc["signals"]) == set(signals_mod.MODEL_SIGNALS)
    for m in doc["signals"].values():
        static = embeddings.DIM if doc["static_scale"] else 0
        assert len(m["weights"]) == embeddings.DIM + static + len(signals_mod.RULE_FEATURES)
        assert all(isinstance(w, int) for w in m["weights"]) and 0 < m["threshold"] < 1
    assert model_info()["adopted"] == dict.fromkeys(signals_mod.MODEL_SIGNALS, True)
    # A changed weight is refused, not silently used.
    doc["signals"]["displacement_fear"]["weights"][0] += 1
    bad = tmp_path / "signals_classifier.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    monkeypatch.setattr(signals_model, "MODEL_FILE", bad)
    signals_model._document.cache_clear()
    signals_model._model.cache_clear()
    try:
        with pytest.raises(signals_mod.ModelFileError, match="checksum"):
            signals_model._document()
        # Fitted on another encoder's vectors (another arithmetic): refused, with the refit.
        monkeypatch.undo()  # the shipped file again
        monkeypatch.setattr(embeddings, "encoder_id", lambda: "another encoder")
        signals_model._document.cache_clear()
        with pytest.raises(signals_mod.ModelFileError, match="other encoders"):
            signals_model._document()
    finally:
        signals_model._document.cache_clear()
        signals_model._model.cache_clear()


def test_rule_features_mark_hits_and_cancellations():
    from analysis.signals import rules

    hits = rules.tag_text("I'm not worried about losing my job. We need training.", config(), {})
    f = dict(zip(signals_mod.RULE_FEATURES, signals_model.rule_features(hits), strict=True))
    assert f["displacement_fear:cancelled"] == 1 and f["training_request"] == 1
    assert f["displacement_fear"] == 0 and f["ai_distrust"] == 0


def test_max_pooling_takes_the_best_sentence_only_where_chosen():
    """pooled(): signals with "max" pooling take the highest sentence probability of their own
    comment; "comment" signals keep the comment's probability."""
    import numpy as np

    pools = signals_model.pooling()
    assert set(pools) <= {"comment", "max"} and len(pools) == len(signals_mod.MODEL_SIGNALS)
    k = len(pools)
    P_text = np.full((2, k), 0.2)
    P_sent = np.array([[0.9] * k, [0.1] * k, [0.5] * k])  # two sentences of 0, one of 1
    out = signals_model.pooled(P_text, P_sent, np.array([0, 0, 1]))
    for j, pool in enumerate(pools):
        assert out[0, j] == (0.9 if pool == "max" else 0.2)
        assert out[1, j] == (0.5 if pool == "max" else 0.2)
    np.testing.assert_array_equal(P_text, 0.2)  # the input is not changed
    doc = json.loads(signals_mod.MODEL_FILE.read_text(encoding="utf-8"))
    assert [doc["signals"][s]["pooling"] for s in signals_mod.MODEL_SIGNALS] == list(pools)
    fear = doc["signals"]["displacement_fear"]
    fear["pooling"] = "comment" if fear["pooling"] == "max" else "max"  # pooling is checksummed
    assert signals_model.weights_digest(doc) != doc["weights_sha256"]


def test_shown_phrases_keep_the_most_confident_hit_per_signal_and_only_visible_words():
    """One (signal, words) per signal, in SIGNALS order, its most confident hit; words that
    are not in the redacted text (they named someone) are withheld; long ones are cut."""
    from analysis.signals import PHRASE_CHARS, shown_phrases

    evidence = (
        {"signal": "training_request", "phrase": "show us how", "confidence": 0.6},
        {"signal": "ai_mention", "phrase": "AI", "confidence": 0.95},
        {"signal": "training_request", "phrase": "nobody  showed us", "confidence": 0.9},
        {"signal": "displacement_fear", "phrase": "Priya: we will be replaced", "confidence": 1.0},
    )
    redacted = "Nobody showed us. [NAME]: we will be replaced. nobody showed us how to use AI"
    assert shown_phrases(evidence, redacted) == (
        ("ai_mention", "AI"),
        ("displacement_fear", ""),  # its words named someone: withheld
        ("training_request", "nobody showed us"),  # whitespace as in the text
    )
    long = "word " * 60
    (pair,) = shown_phrases(({"signal": "ai_trust", "phrase": long, "confidence": 0.7},), long)
    assert len(pair[1]) == PHRASE_CHARS and pair[1].endswith("…")
    assert shown_phrases((), "anything") == ()


@needs_model
def test_probabilities_in_blocks_are_the_same_bits(monkeypatch):
    """The classifiers score rows in blocks (memory); each row's value depends on that row
    alone, so any block size gives the same bits."""
    import numpy as np

    rng = np.random.default_rng(3)
    V = rng.normal(size=(11, embeddings.DIM)).astype(np.float32)
    T = rng.normal(size=(11, embeddings.DIM)).astype(np.float32)
    R = (rng.random((11, len(signals_model.RULE_FEATURES))) < 0.2).astype(float)
    whole = signals_model.probabilities(V, R, T)
    monkeypatch.setattr(signals_model, "_BLOCK_ROWS", 4)
    assert np.array_equal(signals_model.probabilities(V, R, T), whole)
    assert signals_model.probabilities(V[:0], R[:0], T[:0]).shape == (0, whole.shape[1])
    # rows gathered block by block (sentences of many comments): the bits of gathering first
    rows = rng.integers(0, 11, size=17)
    Rr = (rng.random((17, len(signals_model.RULE_FEATURES))) < 0.2).astype(float)
    gathered = signals_model.probabilities(V[rows], Rr, T[rows])
    assert np.array_equal(signals_model.probabilities(V, Rr, T, rows=rows), gathered)
    assert signals_model.probabilities(V, Rr[:0], T, rows=rows[:0]).shape == (0, whole.shape[1])


@needs_model
def test_classifiers_read_the_static_vectors():
    """The classifiers were fitted on [sentence embedding, static word-piece vector, rules]:
    without the static part they refuse rather than score a shorter row; with it, the static
    part moves the scores (its weights are not zero)."""
    import numpy as np

    assert signals_model.static_scale() == 1.0
    rng = np.random.default_rng(5)
    V = rng.normal(size=(6, embeddings.DIM)).astype(np.float32)
    R = np.zeros((6, len(signals_model.RULE_FEATURES)))
    with pytest.raises(ValueError, match="static"):
        signals_model.probabilities(V, R)
    a = signals_model.probabilities(V, R, V)
    b = signals_model.probabilities(V, R, -V)
    assert a.shape == (6, len(signals_model.MODEL_SIGNALS)) and not np.array_equal(a, b)
