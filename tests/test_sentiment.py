"""Sentiment: exact equality with vaderSentiment, the domain layer's rules, labels, sentences."""

from __future__ import annotations

import csv
import random
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis import sentiment, sentiment_parallel
from analysis.sentiment import (
    domain_layer,
    domain_transform,
    label_compound,
    plain_vader_scores,
    reference_scores,
    score_sentences,
    score_texts,
    split_sentences,
)

ROOT = Path(__file__).resolve().parents[1]
WORKPLACE = ROOT / "tests" / "data" / "workplace_sentiment.tsv"


def _synthetic(n: int, seed: int = 0) -> list[str]:
    """Sentences that exercise every VADER branch: negations, "no X", "but", caps, boosters,
    "kind of", idioms, "least", punctuation emphasis, emoji, "...", and the domain rules."""
    rng = random.Random(seed)
    pre = [
        "",
        "not ",
        "no ",
        "never ",
        "without ",
        "isn't ",
        "kind of ",
        "sort of ",
        "very ",
        "VERY ",
        "extremely ",
        "barely ",
        "the ",
        "at least ",
        "least ",
        "never so ",
        "without doubt ",
        "no no ",
        "not very ",
        "so ",
        "kinda ",
        "lack of ",
        "too many ",
        "not enough ",
        "hard to get ",
        "could be ",
        "nobody ",
        "way too ",
    ]
    words = [
        "good",
        "GREAT",
        "bad",
        "terrible",
        "growth",
        "training",
        "support",
        "micromanagement",
        "layoffs",
        "flexible",
        "toxic",
        "ok",
        "happy",
        "sad",
        "shit",
        "bomb",
        "bad ass",
        "bus stop",
        "die for",
        "heart",
        "help",
        "fun",
        "slow",
        "legacy",
        "work-life balance",
        "red tape",
        "a joke",
        "better",
        "improvement",
        "enough",
        "below market",
        "on par",
        "promoted",
        "communication",
        "explains",
        "kiss of death",
        "yeah right",
        "the shit",
        "hard working",
        "black box",
        "replaced",
        "burnout",
    ]
    tails = [
        ".",
        " ...",
        "...",
        "!",
        "!!!",
        "!!!!!!",
        "?",
        "??",
        "????",
        " :)",
        " :(",
        " 😁",
        " 😡",
        "😀😀",
        "",
        "... but it is fine",
        "but the pay is awful",
        ", but not great",
        " 💘 and 💋",
        "❤️",
    ]
    joins = [" and ", " but ", " BUT ", ", though ", ". ", " or ", " nor ", "  \t "]
    out = []
    for _ in range(n):
        parts = [
            rng.choice(pre) + rng.choice(words) + " " + rng.choice(["", "team", "pay", "tool"])
            for _ in range(rng.randint(1, 3))
        ]
        t = rng.choice(joins).join(parts) + rng.choice(tails)
        if rng.random() < 0.15:
            t = t.upper()
        if rng.random() < 0.15:
            t = "kind of " + t
        out.append(t)
    return out


@pytest.fixture(scope="module")
def corpus(real_dir) -> list[str]:
    yelp = pd.read_csv(
        real_dir / "uci_yelp_labelled.txt", sep="\t", header=None, quoting=csv.QUOTE_NONE
    )[0].tolist()
    work = pd.read_csv(WORKPLACE, sep="\t", quoting=csv.QUOTE_NONE)["text"].tolist()
    return yelp + work + _synthetic(2000) + ["", "   ", "!!!", "😁", "no", "but"]


def test_fast_scores_equal_reference_with_domain_layer(corpus):
    assert len(corpus) > 3000
    fast = score_texts(corpus, n_jobs=1, engine="lexicon")
    ref = reference_scores(corpus)
    for col in ("compound", "pos", "neu", "neg"):
        np.testing.assert_array_equal(fast[col].to_numpy(), ref[col].to_numpy(), err_msg=col)


def test_plain_fast_scores_equal_vadersentiment(corpus):
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    sample = corpus[::3]
    expected = [analyzer.polarity_scores(t)["compound"] for t in sample]
    np.testing.assert_array_equal(plain_vader_scores(sample)["compound"].to_numpy(), expected)


def test_two_process_path_gives_identical_scores(corpus, monkeypatch):
    monkeypatch.setattr(sentiment, "PARALLEL_MIN_UNIQUE", 100)
    texts = corpus[:1500]
    try:
        parallel = score_texts(texts, engine="lexicon")
        assert sentiment_parallel._HELPER is not None  # the second process really ran
    finally:
        sentiment.close_helper()
    serial = score_texts(texts, n_jobs=1, engine="lexicon")
    pd.testing.assert_frame_equal(parallel, serial)


def test_domain_prefilter_does_not_change_the_rewrite(corpus):
    for t in corpus:
        assert domain_transform(t) == domain_transform(t, prefilter=False), t


def test_duplicates_scored_once_and_order_kept():
    texts = ["Great team", "n/a", "Great team", None, float("nan"), "Toxic culture"]
    out = score_texts(texts, engine="lexicon")
    assert list(out.columns) == ["compound", "label", "pos", "neu", "neg", "basis"]
    assert set(out["basis"]) == {"lexicon"}
    assert len(out) == 6
    assert out.loc[0, "compound"] == out.loc[2, "compound"] > 0
    assert out.loc[3, "compound"] == out.loc[4, "compound"] == 0.0
    assert out.loc[3, "label"] == "neutral"
    assert out.loc[5, "label"] == "negative"


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Compensation is not on par with the market", "negative"),
        ("Salary is below market rate", "negative"),
        ("Legacy infrastructure slows everything down", "negative"),
        ("No work-life balance", "negative"),
        ("no work life balance", "negative"),
        ("Lack of communication from leadership", "negative"),
        ("There is no growth here", "negative"),
        ("Not enough training on the new system", "negative"),
        ("Too many meetings", "negative"),
        ("Pay could be better", "negative"),
        ("Management needs improvement", "negative"),
        ("Hard to get promoted", "negative"),
        ("The bonus scheme is a joke", "negative"),
        ("Nobody explains anything", "negative"),
        ("We are kept in the dark", "negative"),
        ("We are understaffed and overworked", "negative"),
        ("Constant micromanagement", "negative"),
        ("Favouritism and red tape everywhere", "negative"),
        ("The tool hallucinates", "negative"),
        ("Pay is low", "negative"),
        ("IT takes weeks to respond", "negative"),
        ("Great team and flexible hours", "positive"),
        ("Hard working colleagues", "positive"),
        ("Supportive manager and real mentorship", "positive"),
        ("Pay is above market", "positive"),
        ("Good job security", "positive"),
        ("We moved office in May", "neutral"),
        ("I would like to know more about the timeline", "neutral"),
    ],
)
def test_domain_rules_label_workplace_language(text, label):
    assert score_texts([text], engine="lexicon")["label"].iloc[0] == label


@pytest.mark.parametrize(
    ("text", "plain_sign"),
    [
        ("Pay could be better", 1),  # VADER reads "better" as praise
        ("Hard to get promoted", 1),  # "promoted" is positive in VADER
        ("The bonus scheme is a joke", 1),
        ("Compensation is not on par with the market", 0),
        ("Too many meetings", 0),
    ],
)
def test_rules_fix_cases_plain_vader_gets_wrong(text, plain_sign):
    plain = plain_vader_scores([text])["compound"].iloc[0]
    assert np.sign(plain) == plain_sign
    assert score_texts([text], engine="lexicon")["compound"].iloc[0] < 0


def test_negation_flips_domain_tokens():
    neg = score_texts(["There is no job security"])["compound"].iloc[0]
    pos = score_texts(["There is job security"])["compound"].iloc[0]
    assert pos > 0 > neg
    # VADER's own negation acts on rule tokens: "not too many meetings" is not a complaint.
    assert score_texts(["not too many meetings"])["compound"].iloc[0] > 0


def test_typographic_apostrophe_negates_like_ascii():
    a = score_texts(["I don’t like the new tool"])["compound"].iloc[0]
    b = score_texts(["I don't like the new tool"])["compound"].iloc[0]
    assert a == b < 0


def test_lexicon_entries_have_rationales_and_sane_valences():
    layer = domain_layer()
    assert len(layer.additions) > 100
    assert all(-4.0 <= v <= 4.0 for v in layer.additions.values())
    text = (ROOT / "analysis" / "data" / "workplace_lexicon.tsv").read_text(encoding="utf-8")
    body = [ln for ln in text.splitlines() if ln and not ln.startswith("#")][1:]
    assert all(len(ln.split("\t")) == 3 and ln.split("\t")[2].strip() for ln in body)
    assert all(r.rationale.strip() and r.anchors for r in layer.rules)


def test_rule_anchors_appear_in_every_rule_match():
    for rule in domain_layer().rules:
        for sample in (
            "lack of training",
            "too many meetings",
            "could be better",
            "hard to get promoted",
            "is a joke",
            "below market",
            "not on par",
            "above market",
            "nobody explains",
            "kept in the dark",
            "pay is low",
            "takes forever",
            "constant change",
            "would like",
            "hard working",
        ):
            for m in rule.pattern.finditer(sample):
                assert any(a in m.group(0).lower() for a in rule.anchors), (rule.name, sample)


def test_label_thresholds():
    labels = label_compound(
        [-1.0, sentiment.NEGATIVE_THRESHOLD, 0.0, sentiment.POSITIVE_THRESHOLD, 1.0]
    )
    assert labels == ["negative", "negative", "neutral", "positive", "positive"]


@given(st.lists(st.text(max_size=60), max_size=8))
def test_scores_are_bounded_and_labels_consistent(texts):
    out = score_texts(texts, n_jobs=1, engine="lexicon")
    assert len(out) == len(texts)
    assert out["compound"].between(-1, 1).all()
    assert out[["pos", "neu", "neg"]].ge(0).all().all()
    assert (out["label"] == label_compound(out["compound"])).all()


def test_split_and_score_sentences():
    assert split_sentences("Great team. Bad pay!  Why?\nNo growth") == [
        "Great team.",
        "Bad pay!",
        "Why?",
        "No growth",
    ]
    out = score_sentences(["Great team. Terrible pay.", "", "Fine"])
    assert list(out["text_id"]) == [0, 0, 2]
    assert list(out["sentence_id"]) == [0, 1, 0]
    assert out.loc[0, "label"] == "positive"
    assert out.loc[1, "label"] == "negative"


def test_nothing_is_downloaded():
    names = ("sentiment.py", "sentiment_domain.py", "sentiment_parallel.py")
    paths = [ROOT / "analysis" / f for f in (*names, "comments.py", "redaction.py")]
    paths += sorted((ROOT / "analysis" / "signals").glob("*.py"))
    sources = "\n".join(p.read_text(encoding="utf-8") for p in paths)
    assert not re.search(
        r"nltk\.download|urllib|import requests|from requests|http\.client|import socket", sources
    )
    # In a fresh process with sockets disabled, everything still loads and scores.
    code = (
        "import socket\n"
        "def _no(*a, **k): raise OSError('network disabled in test')\n"
        "socket.socket.connect = _no\nsocket.create_connection = _no\n"
        "import nltk\nnltk.download = _no\n"
        "from analysis.sentiment import score_texts\n"
        "from analysis.signals import tag_texts\n"
        "from analysis.comments import detect_language\n"
        "assert score_texts(['Great team'])['label'][0] == 'positive'\n"
        "assert tag_texts(['We need more AI training'])['training_request'][0]\n"
        "de = 'Die Schulung war hilfreich, aber wir brauchen mehr Zeit'\n"
        "assert detect_language(de) == 'de'\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr


def test_plain_job_fear_is_not_positive():
    """The signals issue's example: a fear of replacement with a hedging "feels like"."""
    text = "It feels like we will be replaced by automation and nobody is saying it out loud."
    assert score_texts([text], engine="lexicon").loc[0, "label"] == "negative"
    if embeddings_available():
        out = score_texts([text], engine="auto")
        assert out.loc[0, "label"] == "negative" and out.loc[0, "basis"] == "model"
    # "like" as approval still counts
    assert score_texts(["I like the new rota"], engine="lexicon").loc[0, "label"] == "positive"


def embeddings_available() -> bool:
    from analysis import embeddings

    return embeddings.available()


def test_learned_layer_labels_and_basis():
    from analysis import embeddings

    texts = ["Great team, love working here", "n/a", "", "Management never listens to us"]
    lex = score_texts(texts, engine="lexicon")
    assert set(lex["basis"]) == {"lexicon"}
    if not embeddings.available():
        with pytest.raises(embeddings.SemanticEngineError):
            score_texts(texts, engine="model")
        return
    out = score_texts(texts)  # the default engine is "auto": the learned layer when installed
    assert out.equals(score_texts(texts, engine="auto"))
    assert out["basis"].tolist() == ["model", "model", "lexicon", "model"]
    assert out["compound"].tolist() == lex["compound"].tolist()  # the lexicon score stays
    assert out.loc[0, "label"] == "positive" and out.loc[3, "label"] == "negative"
    with pytest.raises(ValueError, match="engine must be one of"):
        score_texts(texts, engine="bert")


def test_sentiment_classifier_file_checksum_and_provenance(root):
    import hashlib
    import json

    from analysis import sentiment_model

    doc = json.loads(sentiment_model.MODEL_FILE.read_text(encoding="utf-8"))
    assert doc["weights_sha256"] == sentiment_model.weights_digest(doc)
    assert doc["split_used"].startswith("dev only")
    for path, digest in doc["trained_on"].items():
        assert hashlib.sha256((root / path).read_bytes()).hexdigest() == digest
    doc["intercept"][0] += 1.0
    assert sentiment_model.weights_digest(doc) != doc["weights_sha256"]


def test_learned_label_comes_from_the_calibrated_offsets():
    """The label shown is argmax of the decision values plus the dev-chosen offsets."""
    import json

    from analysis import embeddings, sentiment_model

    doc = json.loads(sentiment_model.MODEL_FILE.read_text(encoding="utf-8"))
    o_neg, o_pos = doc["bands"]
    D = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]])
    # a clear class stays itself; an all-zero row goes to the class with the largest offset
    tie = ["negative", "neutral", "positive"][int(np.argmax([o_neg, 0.0, o_pos]))]
    assert sentiment_model.label_decisions(D) == ["negative", "neutral", "positive", tie]
    doc["bands"][1] += 0.1  # the offsets are part of the checked content
    assert sentiment_model.weights_digest(doc) != doc["weights_sha256"]
    if not embeddings.available():
        return
    texts = ["Great team, love working here", "Management never listens to us", "Badge photo"]
    compound = score_texts(texts, engine="lexicon")["compound"].to_numpy()
    labels = sentiment_model.model_labels(texts, compound)
    assert score_texts(texts)["label"].tolist() == labels
    assert labels[0] == "positive" and labels[1] == "negative"


def test_default_engine_falls_back_to_the_lexicon_without_the_weights(monkeypatch, tmp_path):
    """No shipped weights file: "auto" (the default) keeps the lexicon labels."""
    from analysis import embeddings, sentiment_model

    monkeypatch.setattr(embeddings, "available", lambda: True)
    monkeypatch.setattr(sentiment_model, "MODEL_FILE", tmp_path / "absent.json")
    texts = ["Great team and flexible hours", "Pay is low"]
    out = score_texts(texts)
    assert out["basis"].tolist() == ["lexicon", "lexicon"]
    assert out["label"].tolist() == label_compound(out["compound"])
