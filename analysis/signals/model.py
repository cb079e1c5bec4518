"""The signal model (hybrid engine, displacement_fear): a logistic regression on each sentence's
all-MiniLM-L6-v2 embedding, adding the sentences the rules missed.

The rules are precise (0.94-1.0 on unseen sentences) but miss about 40% of new wording. When the
semantic engine is installed (``analysis.embeddings``), the model adds the sentences the rules
missed, except those the rules read and cancelled (negation, resolved or outsider fears, a
refused need): an embedding sees the topic, not the negation. A training_request model is
trained too but not adopted: on blind3 it lifted recall 0.55 -> 0.82 at precision 0.90, yet it
calls statements of knowing or having had training requests ("I already know how to use it",
p = 0.98; "I got the training I needed", 0.82), which the unit tests' hard negatives catch.
The weights (384 floats + bias per signal, with provenance) are in ``data/signals_model.json``,
trained on our own labelled sets (dev, blind, blind2) by ``python -m evals.signals --train``;
blind3 stays held out and measures the hybrid (evals/signals.py gives the before/after
figures). Only sentences holding a work, AI or learning word are embedded, and only when there
are at most ``MODEL_MAX_SENTENCES`` distinct such sentences (embedding costs about 3 ms of CPU
each); above that, or without the engine, the rules run alone and
``tag_texts(...).attrs["engine_note"]`` says so. A model hit's evidence is the whole sentence,
its confidence the model's probability, its source "model".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np

from analysis.signals.rules import Hit
from analysis.signals.tokens import split_sentences

__all__ = ["MODEL_FILE", "MODEL_MAX_SENTENCES", "MODEL_SIGNALS", "model_info"]

MODEL_FILE = Path(__file__).resolve().parents[1] / "data" / "signals_model.json"
MODEL_SIGNALS = ("displacement_fear", "training_request")
# Distinct candidate sentences the model embeds at most under engine="auto": about 3 CPU-s.
MODEL_MAX_SENTENCES = 1000
# A sentence is embedded only when it holds a work, AI, fear or learning word: 116 of the 117
# labelled fears in the training sets (tests/test_signals.py checks at least 95%).
_MODEL_CUE = re.compile(
    r"\b(?:fear\w*|afraid|scared|terrified|worr\w*|anxi\w*|nervous|future|livelihood|"
    r"numbered|needed|next|left\s+behind|profession\w*|desk|office|"
    r"jobs?|roles?|positions?|careers?|work\w*|staff\w*|employ\w*|team\w*|people|"
    r"hours|shifts?|posts?|headcount|redundan\w*|laid|layoffs?|fired|replac\w*|automat\w*|"
    r"ai|bots?|chatbots?|robots?|tools?|models?|systems?|software|algorithms?|machines?|"
    r"copilot|gpt|chatgpt|llms?|generat\w*|"
    r"train\w*|courses?|learn\w*|teach\w*|taught|show\w*|guid\w*|tutorials?|workshops?|"
    r"sessions?|support|help\w*|skills?|upskill\w*|reskill\w*|documentation|manuals?|"
    r"instructions?|explain\w*|examples?|practi[cs]e\w*|onboard\w*|coach\w*|mentor\w*|"
    r"how|use|using)\b",
    re.I,
)


@cache
def _model_weights() -> dict[str, tuple[np.ndarray, float, float]]:
    """signal -> (weights, bias, threshold) of the adopted models in data/signals_model.json."""
    import json

    doc = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    out = {}
    for signal in MODEL_SIGNALS:
        m = doc["signals"][signal]
        if not m.get("adopted"):
            continue
        w = np.asarray(m["weights"], dtype=np.float32)
        out[signal] = (w, float(m["bias"]), float(m["threshold"]))
    return out


def model_info() -> dict:
    """Provenance and held-out figures of the signal model, for the app's "about" panel."""
    import json

    doc = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    return {k: v for k, v in doc.items() if k != "signals"} | {
        "adopted": {s: bool(doc["signals"][s].get("adopted")) for s in MODEL_SIGNALS},
        "thresholds": {s: doc["signals"][s]["threshold"] for s in MODEL_SIGNALS},
    }


def _model_probabilities(sentences: list[str]) -> np.ndarray:
    """(n, len(MODEL_SIGNALS)) probabilities: logistic regression on the sentence embedding.

    Notes
    -----
    p = 1 / (1 + exp(-(w . x + b))) with x the unit all-MiniLM-L6-v2 embedding of the sentence;
    w, b fitted by L2-regularised logistic regression with balanced class weights
    (scikit-learn ``LogisticRegression``; Hastie, Tibshirani & Friedman 2009, ESL section 4.4).
    """
    from analysis import embeddings, exact

    X = embeddings.encode(sentences)
    weights = _model_weights()
    W = np.stack([weights[s][0] for s in weights], axis=1)
    b = np.array([weights[s][1] for s in weights])
    return exact.linear_logistic(X, W, b)  # exact: the same hits on every processor


def _model_hits(
    uniques: Sequence[str], tagged: list[tuple], engine: str
) -> tuple[list[list[Hit]], str, str]:
    """Model hits per distinct text (sentences the rules missed), the engine used and a note."""
    from analysis import embeddings

    none: list[list[Hit]] = [[] for _ in uniques]
    active = tuple(_model_weights())
    if engine == "rules" or not active:
        return none, "rules", ""
    if not embeddings.available():
        if engine == "hybrid":
            raise embeddings.SemanticEngineError(embeddings.model_info()["reason"])
        return (
            none,
            "rules",
            (
                "Signals use the rules only (fear of job loss in new wording is found less "
                "often) because the semantic engine is not installed."
            ),
        )
    # (text index, sentence index, sentence, signals the rules did not find there)
    todo: list[tuple[int, int, str, tuple[str, ...]]] = []
    seen: dict[str, None] = {}
    too_many = (
        f"Signals use the rules only: there are more than {MODEL_MAX_SENTENCES:,} distinct "
        "sentences for the signal model to read in reasonable time, so fear of job loss in new "
        "wording is found less often."
    )
    for i, text in enumerate(uniques):
        if not text or not _MODEL_CUE.search(text):
            continue
        found = {(k, h["signal"]) for k, _, h in tagged[i]}
        for k, sentence in enumerate(split_sentences(text)):
            missing = tuple(s for s in active if (k, s) not in found)
            if missing and _MODEL_CUE.search(sentence):
                todo.append((i, k, sentence, missing))
                seen[sentence] = None
        if engine == "auto" and len(seen) > MODEL_MAX_SENTENCES:
            return none, "rules", too_many
    distinct = list(seen)
    if not distinct:
        return none, "rules+model", ""
    probs = dict(zip(distinct, _model_probabilities(distinct), strict=True))
    weights = _model_weights()
    out = none
    for i, k, sentence, missing in todo:
        p = probs[sentence]
        for j, signal in enumerate(active):
            if signal in missing and p[j] >= weights[signal][2]:
                hit = {"signal": signal, "phrase": sentence, "confidence": round(float(p[j]), 2)}
                out[i].append((k, sentence, {**hit, "source": "model"}))
    return out, "rules+model", ""
