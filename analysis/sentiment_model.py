"""The learned sentiment layer: a three-class logistic model on a comment's sentence embeddings
and its VADER compound, fitted on real workplace answers.

Why: on real staff-survey and AI-at-work answers the lexicon alone separates praise from
complaint with ROC AUC 0.73 on the held-out split (evals/sentiment.py): survey suggestions use
polite positive words, and worries are often plain statements. The model reads the whole
comment; the lexicon score stays beside it as the transparent baseline.

Features: the unit mean of the comment's sentence embeddings (``analysis.embeddings``, the same
vectors the signal classifiers read), then ``compound_scale`` x the VADER compound; the row is
renormalised. Classes: negative, neutral, positive; the label shown is calibrated on dev (offsets on
the class decision values, ``label_decisions``). Fitted by ``python -m evals.train_sentiment``
with the exact fitter (``analysis.assignment``) on the dev split of
``evals/data/real/*/sentiment.tsv``; the weights, with a SHA-256 of their content checked on
load, are in ``data/sentiment_classifier.json``. Nothing is cached between calls.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np

from analysis.comment_vectors import comment_vectors
from analysis.datafiles import read_checked_json

__all__ = [
    "CLASSES",
    "MODEL_FILE",
    "SentimentModelError",
    "label_decisions",
    "margins",
    "model_labels",
]

MODEL_FILE = Path(__file__).resolve().parent / "data" / "sentiment_classifier.json"
CLASSES = ("negative", "neutral", "positive")
_W_GRID = 2.0**20  # analysis.assignment's coefficient grid


class SentimentModelError(RuntimeError):
    """The classifier file is missing or altered: a packaging fault, not a user error."""


def weights_digest(doc: dict) -> str:
    content = {k: doc[k] for k in ("classes", "compound_scale", "coef", "intercept", "bands")}
    blob = json.dumps(content, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()


@cache
def _document() -> dict:
    from analysis import embeddings

    return read_checked_json(
        MODEL_FILE,
        weights_digest,
        SentimentModelError,
        what="the sentiment classifier",
        retrain="python -m evals.train_sentiment",
        # fitted on this encoder's vectors: another arithmetic's vectors would shift every score
        expect={"classes": CLASSES, "encoders": (embeddings.encoder_id(),)},
    )


def features(vectors: np.ndarray, compound: np.ndarray, scale: float) -> np.ndarray:
    """[unit mean sentence embedding, scale * compound] per comment."""
    c = np.asarray(compound, np.float64).reshape(-1, 1)
    return np.hstack([np.asarray(vectors, np.float64), scale * c])


def _decision(vectors: np.ndarray, compound: np.ndarray) -> np.ndarray:
    from analysis.assignment import SoftmaxAssigner

    doc = _document()
    model = SoftmaxAssigner(
        coef=np.asarray(doc["coef"], np.float64), intercept=np.asarray(doc["intercept"])
    )
    return model.decision(features(vectors, compound, float(doc["compound_scale"])))


def label_decisions(D: np.ndarray) -> list[str]:
    """Calibrated label per row of decision values (negative, neutral, positive).

    argmax(D + [bands[0], 0, bands[1]]) (ties to the lower class): the offsets move the bands
    of the negative-vs-neutral and positive-vs-neutral log-odds. They were chosen on the
    out-of-fold dev decisions for three-way balanced accuracy (``evals/train_sentiment.py``), so
    the share of each label follows real workplace answers rather than the class weights.
    """
    o_neg, o_pos = (float(b) for b in _document()["bands"])
    shifted = np.asarray(D, np.float64) + np.array([o_neg, 0.0, o_pos])
    return [CLASSES[int(j)] for j in np.argmax(shifted, axis=1)]


def model_labels(texts: Sequence[str], compound: np.ndarray) -> list[str]:
    """The model's calibrated label per text."""
    if len(texts) == 0:
        return []
    return label_decisions(_decision(comment_vectors(texts), compound))


def margins(texts: Sequence[str], compound: np.ndarray) -> np.ndarray:
    """Positive minus negative decision value per text: the model's polarity score (for AUC)."""
    if len(texts) == 0:
        return np.zeros(0)
    D = _decision(comment_vectors(texts), compound)
    return D[:, 2] - D[:, 0]
