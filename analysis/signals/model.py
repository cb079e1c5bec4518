"""The signal classifiers (hybrid engine): one calibrated logistic model per signal on the
comment's sentence embeddings plus the rule hits, fitted on real labelled comments.

Each comment is read as a whole and sentence by sentence: its features are the mean of its
sentences' unit all-MiniLM-L6-v2 embeddings (``analysis.embeddings``, exact on every processor),
renormalised, then its static word-piece vector (``embeddings.static_vectors``: which words it
uses, beside what its sentences mean) times ``static_scale``, then the comment's rule hits
(one 0/1 per rule signal, and one per composed signal the scope rules cancelled: "I'm not
worried about losing my job") times ``rule_scale``.
For each of ``MODEL_SIGNALS`` a logistic model decides, at a threshold chosen by
cross-validation on the dev splits of ``evals/data/real`` (never on their test splits), on the
comment's probability or, for the signals whose cross-validation chose "max" pooling, on the
highest of it and each sentence's probability alone (``pooled``): the rules are evidence the
model weighs, not a veto, so a rule hit the model rejects is dropped and a comment the rules
missed can be tagged. ``ai_mention`` stays a rule (a precise detector).

Evidence: the rule's trigger phrase when a rule found the signal in the comment; otherwise the
sentence that scores highest on its own under the same model. The weights (``MODEL_FILE``, with
a SHA-256 of their content checked on load) are written by ``python -m evals.train_signals``.

Every comment of every size is embedded (each distinct sentence once, in batches); there is no
size cut-off. Nothing is cached between calls. Without the semantic engine the rules run alone
and ``tag_texts(...).attrs["engine_note"]`` says so.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np

from analysis.comment_vectors import text_vectors
from analysis.datafiles import read_checked_json
from analysis.signals.patterns import COMPOSED, SIGNALS
from analysis.signals.rules import Hit
from analysis.signals.tokens import split_sentences
from analysis.signals.worries import DOUBT, WORRY_WORDS, job_creation_only

__all__ = [
    "MODEL_FILE",
    "MODEL_SIGNALS",
    "RULE_FEATURES",
    "ModelFileError",
    "features",
    "model_info",
    "rule_features",
]

MODEL_FILE = Path(__file__).resolve().parents[1] / "data" / "signals_classifier.json"
MODEL_SIGNALS = (
    "displacement_fear",
    "ai_distrust",
    "ai_trust",
    "training_request",
    "change_fatigue",
    "leadership_communication_request",
)
#: Rule features, in column order: a hit per rule signal, then a cancelled composed signal.
RULE_FEATURES = (*SIGNALS, *(f"{s}:cancelled" for s in COMPOSED))
_BLOCK_ROWS = 4096  # rows per block of :func:`probabilities`
_FINE = 2**20  # weights are stored as integers on this grid (analysis.exact.linear_logistic's)


class ModelFileError(RuntimeError):
    """The classifier file is missing, altered or made for other features: a packaging fault."""


def rule_features(hits: Sequence[Hit]) -> np.ndarray:
    """0/1 per ``RULE_FEATURES`` for the rule hits of one comment (or one sentence)."""
    out = np.zeros(len(RULE_FEATURES))
    for _, _, h in hits:
        name = f"{h['signal']}:cancelled" if h.get("cancelled") else h["signal"]
        if name in RULE_FEATURES:
            out[RULE_FEATURES.index(name)] = 1.0
    return out


def features(
    vectors: np.ndarray,
    rules: np.ndarray,
    rule_scale: float,
    static: np.ndarray | None = None,
    static_scale: float = 0.0,
) -> np.ndarray:
    """[embedding, static_scale * static vector, rule_scale * rule hits] per row
    (``exact.linear_logistic`` renormalises). The static part is left out when ``static`` is
    None or ``static_scale`` is 0."""
    parts = [np.asarray(vectors, np.float64)]
    if static is not None and static_scale:
        parts.append(static_scale * np.asarray(static, np.float64))
    parts.append(rule_scale * np.asarray(rules, np.float64))
    return np.hstack(parts)


def weights_digest(doc: dict) -> str:
    """SHA-256 of the fitted content (features, scale, per-signal weights, bias, threshold)."""
    content = {
        "rule_features": doc["rule_features"],
        "rule_scale": doc["rule_scale"],
        "static_scale": doc["static_scale"],
        "signals": {
            s: {k: m[k] for k in ("weights", "bias", "threshold", "pooling")}
            for s, m in sorted(doc["signals"].items())
        },
    }
    blob = json.dumps(content, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()


@cache
def _document() -> dict:
    from analysis import embeddings

    return read_checked_json(
        MODEL_FILE,
        weights_digest,
        ModelFileError,
        what="the signal classifier",
        retrain="python -m evals.train_signals",
        # fitted on this encoder's vectors: another arithmetic's vectors would shift every score
        expect={"rule_features": RULE_FEATURES, "encoders": (embeddings.encoder_id(),)},
    )


@cache
def _model() -> tuple[tuple[str, ...], np.ndarray, np.ndarray, np.ndarray, float]:
    """(signals, W (d, k) on the 2**-20 grid, bias (k,), thresholds (k,), rule scale)."""
    doc = _document()
    names = tuple(s for s in MODEL_SIGNALS if s in doc["signals"])
    W = np.array([doc["signals"][s]["weights"] for s in names], dtype=np.float64).T / _FINE
    b = np.array([doc["signals"][s]["bias"] for s in names], dtype=np.float64)
    t = np.array([doc["signals"][s]["threshold"] for s in names], dtype=np.float64)
    return names, W, b, t, float(doc["rule_scale"])


def static_scale() -> float:
    """Weight of the static word-piece vector (``embeddings.static_vectors``) in the features;
    0 when the classifiers were fitted without it."""
    return float(_document()["static_scale"])


def pooling() -> tuple[str, ...]:
    """Per model signal: "comment" (the comment's own score) or "max" (the highest of the
    comment's score and each sentence's score alone), as chosen by dev cross-validation."""
    doc = _document()
    return tuple(doc["signals"][s]["pooling"] for s in _model()[0])


def pooled(P_text: np.ndarray, P_sentences: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """P_text with each "max"-pooled signal raised to its best sentence's probability.

    ``owner[r]`` is the row of ``P_text`` that sentence row ``r`` belongs to. A fear stated in
    one sentence beside unrelated ones is diluted in the comment's mean embedding; the sentence
    alone keeps it (multiple-instance max pooling, Dietterich, Lathrop & Lozano-Perez 1997).
    """
    out = np.array(P_text, dtype=np.float64, copy=True)
    use = np.array([p == "max" for p in pooling()], dtype=bool)
    if not use.any() or len(P_sentences) == 0:
        return out
    best = np.full_like(out, -np.inf)
    np.maximum.at(best, np.asarray(owner, dtype=int), P_sentences)
    out[:, use] = np.maximum(out[:, use], best[:, use])
    return out


def model_info() -> dict:
    """Provenance and dev cross-validation figures of the classifiers, for the "about" panel."""
    doc = _document()
    names = _model()[0]
    return {k: v for k, v in doc.items() if k not in ("signals",)} | {
        "adopted": {s: s in names for s in MODEL_SIGNALS},
        "thresholds": {s: doc["signals"][s]["threshold"] for s in names},
        "cv": {s: doc["signals"][s].get("cv", {}) for s in names},
    }


def probabilities(
    vectors: np.ndarray,
    rules: np.ndarray,
    static: np.ndarray | None = None,
    rows: np.ndarray | None = None,
) -> np.ndarray:
    """(n, len(signals)) probabilities p = 1 / (1 + exp(-(w . x + b))), exactly.

    x = [unit mean sentence embedding, static_scale * static word-piece vector, rule_scale *
    rule hits], renormalised to unit length; w, b fitted by L2-penalised, class-balanced
    logistic regression (Hastie, Tibshirani & Friedman 2009, ESL section 4.4) with the exact
    fitter of ``analysis.assignment``. ``static`` is required when ``static_scale()`` is not 0.
    ``rows``: row r is ``vectors[rows[r]]`` (and ``static[rows[r]]``) with ``rules[r]``, read a
    block at a time, so every sentence row of a large survey is never copied out at once.
    """
    from analysis import exact

    _, W, b, _, scale = _model()
    s_scale = static_scale()
    if s_scale and static is None:
        raise ValueError("these classifiers read the static vectors: pass them")
    n = len(vectors) if rows is None else len(rows)
    out = np.zeros((n, len(b)))
    # in blocks: each row's value depends on that row alone (exact integer products), and the
    # float64 grids of every sentence of a large survey at once took hundreds of MB
    for start in range(0, n, _BLOCK_ROWS):
        block = slice(start, start + _BLOCK_ROWS)
        take = block if rows is None else rows[block]
        part = None if static is None else static[take]
        X = features(vectors[take], rules[block], scale, part, s_scale)
        out[block] = exact.linear_logistic(X, W, b)
    return out


def _model_hits(
    readings: Sequence, tagged: list[tuple], engine: str
) -> tuple[list[list[Hit]], list[set[str]], str, str]:
    """Per distinct reading: hits the model adds, signals it rejects, the engine used and a note.
    A reading (``tagging._Reading``) is a text and what its question puts in view: ``learning``
    (it asks about skills or learning), ``wishes`` (what should be provided or improved,
    ``WISH_QUESTION``) and ``worry`` (what worries the respondent, ``worries``)."""
    from analysis import embeddings

    uniques = [r.text for r in readings]
    none: list[list[Hit]] = [[] for _ in uniques]
    no_drop: list[set[str]] = [set() for _ in uniques]
    if engine == "rules":
        return none, no_drop, "rules", ""
    if not embeddings.available():
        if engine == "hybrid":
            raise embeddings.SemanticEngineError(embeddings.model_info()["reason"])
        note = (
            "Signals use the rules only (they find fewer comments, and less precisely) because "
            "the semantic engine is not installed."
        )
        return none, no_drop, "rules", note
    names, _, _, thresholds, _ = _model()
    sentences = [split_sentences(t) if t else [] for t in uniques]
    distinct = list(dict.fromkeys(s for ss in sentences for s in ss))
    if not distinct:
        return none, no_drop, "rules+model", ""
    index = {s: i for i, s in enumerate(distinct)}
    E = embeddings.encode(distinct)  # batched; each distinct sentence once
    has = [i for i, ss in enumerate(sentences) if ss]
    V = text_vectors(E[[index[s] for s in sentences[i]]] for i in has)
    R = np.vstack([rule_features(tagged[i]) for i in has])
    owner = np.array([row for row, i in enumerate(has) for _ in sentences[i]], dtype=int)
    sentence_rows = np.array([index[s] for i in has for s in sentences[i]], dtype=np.intp)
    SR = np.vstack([_sentence_rules(tagged[i], len(sentences[i])) for i in has])
    # the word-piece vectors of each comment and sentence: thousands a second, no encoder pass
    SV = TV = None
    if static_scale():
        SV = embeddings.static_vectors(distinct)
        TV = embeddings.static_vectors([uniques[i] for i in has])
    P = pooled(probabilities(V, R, TV), probabilities(E, SR, SV, rows=sentence_rows), owner)
    drop = [set(names) for _ in uniques]
    for row, i in enumerate(has):
        found = {h["signal"] for _, _, h in tagged[i] if not h.get("cancelled")}
        on = [j for j, s in enumerate(names) if P[row, j] >= thresholds[j]]
        r = readings[i]
        explicit = _explicit(tagged[i], r.text, r.wishes)
        on = _guarded(on, names, found | explicit, r.text, r.learning, r.worry)
        drop[i] = {s for j, s in enumerate(names) if j not in on}
        missing = [j for j in on if names[j] not in found]
        if missing:
            none[i] = _evidence(sentences[i], (E, SV), index, tagged[i], missing, P[row])
    for i, t in enumerate(uniques):
        if not (t and sentences[i]):
            drop[i] = set()
    return none, drop, "rules+model", ""


#: Answers of at most this many words: a rule hit of ``SHORT_KEPT`` stands whatever the model
#: says. The classifiers were fitted on answers of four words and more, mostly long ones, where
#: a rule misfires on context the model sees ("AI can't take my job because..."); in "Job loss"
#: or "Layoffs", the answer to "what worries you about AI", the matched phrase is the whole
#: answer and the mean embedding of two words is far from anything the model was fitted on
#: (p 0.31 and 0.01 there, against a threshold of 0.90). Answering a worry question, an answer
#: of up to ``worries.WORRY_WORDS`` words keeps its fear of job loss too: the question supplies
#: the stance the model looks for in the answer ("It could put a lot of people out of work" was
#: vetoed), unless it voices doubt or denial (``worries.DOUBT``: "I doubt it will replace anyone
#: in our team", where the rule misfires). Not its distrust: there the weak "error" rule needs
#: the model's veto ("More training please. Most of us are learning by trial and error.").
SHORT_WORDS = 6
SHORT_KEPT = ("displacement_fear", "ai_distrust")
WORRY_KEPT = ("displacement_fear",)
#: A worry is not a training request: a comment read as fear of job loss or distrust of AI
#: output gets ``training_request`` only from a rule (it asks for training in words), never
#: from the model alone, which scores short noun phrases ("Job loss" 0.95, "Layoffs" 0.83) like
#: the skill lists it learnt training wishes from ("Python" 0.98).
WORRIES = ("displacement_fear", "ai_distrust")

#: Learning words. In a short answer to a question without them (``about_learning``), the
#: model alone finds a training wish only when the answer has one: "Succession planning" or
#: "Job security" answering "What one thing should we focus on?" scored like the skill lists.
LEARNING_WORDS = re.compile(
    r"\b(?:train\w*|learn\w*|courses?|skill\w*|upskill\w*|reskill\w*|develop(?:ment|ing)?|educat\w*"
    r"|workshops?|mentor\w*|coach\w*|teach\w*|tutorials?|certif\w*|conferences?|seminars?)\b",
    re.I,
)


#: A training request in so many words stands whatever the model says: the rule's phrase
#: (a request, modifier or lack next to its learning word: "more training", "need a course",
#: "no mentoring") names training itself. The model, fitted mostly on open-source community
#: answers, rejected "Provide more learning opportunities and allow time to take courses" and
#: the sample's "More training please.". Only words that cannot mean anything else count: a
#: first version with "train", "workshop", "coach" and bare "learning" scored a little higher
#: on the dev out-of-fold predictions (staff F1 0.492 against 0.476 for this list, from
#: 0.471) but kept "I wish the train into the city ran on time", "We need more workshop
#: space" and "a coach to get to the offsite" against the model (found in review).
EXPLICIT_TRAINING = re.compile(
    r"\b(?:training|trainings|courses?|mentoring|mentorships?|coaching|upskill\w*|reskill\w*"
    r"|e-?learning|learning (?:opportunit\w+|time|budgets?|resources|materials?|and development)"
    r"|workshops? (?:on|about|in|for learning|to learn)"
    r"|(?:training|learning|development) (?:programs?|programmes?|plans?|days?|sessions?)"
    # people to be trained, named as people ("Please train us on the AI tools"; not "teach
    # me", said of AI, nor "train our models" or "AI that can be trained on our data")
    r"|(?:train|teach) (?:us|staff|people|employees|everyone|the team|our (?:staff|people|teams?"
    r"|employees|colleagues|managers|workforce|users))|train me)\b",
    re.I,
)


#: A question asking what should be provided, improved or focused on ("What one thing would you
#: like your organization to focus on?", "What services do you wish we provided?") makes its
#: answers wishes: one that names training itself (``EXPLICIT_TRAINING``, not "machine
#: learning", not "less training") asks for it without a request word of its own ("Training
#: and career development", "Mentorship programs for new staff"). Catch-all questions ("Any
#: other comments?", "Please provide feedback on the training") ask for no wish. Chosen on the
#: dev splits' out-of-fold predictions: staff comments F1 0.476 -> 0.510 (P 0.42 -> 0.44, R
#: 0.55 -> 0.61; 28 answers found, 26 of them requests by the guideline). "help out with"
#: (diversity and marketing questions) was left out: there the answers praise or describe.
WISH_QUESTION = re.compile(
    r"\b(?:wish\w*|would you like|focus(?:ed)? on|improv\w*|suggest\w*|recommend\w*"
    r"|what would help|how can|missing|provid\w*)\b",
    re.I,
)
_CATCH_ALL = re.compile(
    r"\b(?:any|anything) (?:other|else|additional|further)\b|\bfeedback on\b"
    r"|\bwish to (?:add|share|mention|say|tell)\b",
    re.I,
)
_NOT_TRAINING = re.compile(
    r"\b(?:machine|deep) learning\b|\blearning curve\b|\btraining data\b"
    r"|\btrain(?:ing|ed|s)? (?:the |a |an )?models?\b",
    re.I,
)
#: The stems a refusal or training already had is about.
_TRAINING_STEMS = r"(?:train|learn|course|workshop|mentor|coach|upskill|reskill)"
_LESS_TRAINING = re.compile(
    r"\b(?:(?:less|fewer|stop|too much|too many|cut back on|reduce)\W+(?:(?!more\b)\w+\W+){0,2}?"
    r"|(?:no more|(?:do not|does not|don't|doesn't|dont|no) need)\W+(?:\w+\W+){0,2}?)"
    + _TRAINING_STEMS,
    re.I,
)
#: Training already had is no wish ("I already had the training, it was fine": the hard
#: negative "I already know how to use it" of the signals issue).
_HAD_TRAINING = re.compile(
    r"\balready (?:had|have had|did|done|completed|attended|took|taken|received|know|knew)\b"
    r"[^.;!?]{0,40}?\b" + _TRAINING_STEMS,
    re.I,
)


def asks_for_wishes(question: str) -> bool:
    """Whether a question asks what should be provided, improved or focused on."""
    return bool(WISH_QUESTION.search(question)) and not _CATCH_ALL.search(question)


def wished_training(text: str) -> bool:
    """Whether an answer to a wish question (``WISH_QUESTION``) names training as its wish."""
    kept = _NOT_TRAINING.sub(" ", text.replace("\u2019", "'"))
    if not EXPLICIT_TRAINING.search(kept):
        return False
    return not (_LESS_TRAINING.search(kept) or _HAD_TRAINING.search(kept))


def _explicit(hits: Sequence[Hit], text: str = "", wish: bool = False) -> set[str]:
    """``{"training_request:explicit"}`` when a rule hit's phrase names training itself, or
    the answer to a wish question names it (:func:`wished_training`)."""
    if wish and wished_training(text):
        return {"training_request:explicit"}
    for _, sentence, h in hits:
        if (
            h["signal"] == "training_request"
            and not h.get("cancelled")
            and EXPLICIT_TRAINING.search(_phrase_on(sentence, h["phrase"]))
        ):
            return {"training_request:explicit"}
    return set()


def _phrase_on(sentence: str, phrase: str, after: int = 24) -> str:
    """The rule's phrase and the few characters after it in its sentence ("need a workshop"
    -> "need a workshop on which tools", "Protected learning" -> "Protected learning time")."""
    at = sentence.lower().find(phrase.lower())
    return phrase if at < 0 else sentence[at : at + len(phrase) + after]


def _guarded(
    on: list[int],
    names: Sequence[str],
    found: set[str],
    text: str,
    learning_question: bool,
    worry_question: bool = False,
) -> list[int]:
    """The model's decisions for one comment after the guards above (indices of names).
    ``found``: the rule hits' signals, and "training_request:explicit" (:func:`_explicit`)."""
    keep = set(on)
    words = len(text.split())
    short = words <= SHORT_WORDS
    worry_short = worry_question and words <= WORRY_WORDS and not DOUBT.search(text)
    kept = SHORT_KEPT if short else WORRY_KEPT if worry_short else ()
    keep |= {j for j, s in enumerate(names) if s in kept and s in found}
    if "training_request:explicit" in found and "training_request" in names:
        keep.add(names.index("training_request"))
    fear = names.index("displacement_fear") if "displacement_fear" in names else None
    if fear is not None and "displacement_fear" not in found and job_creation_only(text):
        keep.discard(fear)
    if fear is not None and short and not worry_question and "displacement_fear" not in found:
        # a few words naming jobs as a subject, not as a threat ("The economy and jobs" as the
        # thing to focus on): the model, fitted also on answers to questions about dangers,
        # reads such phrases as fear; without a worry question or a threat word they are not
        keep.discard(fear)
    if "training_request" in names and "training_request" not in found:
        j = names.index("training_request")
        worried = any(names[k] in WORRIES for k in keep)
        unasked = short and not learning_question and not LEARNING_WORDS.search(text)
        if worried or unasked:
            keep.discard(j)
    return sorted(keep)


def _sentence_rules(hits: Sequence[Hit], n: int) -> np.ndarray:
    """(n, len(RULE_FEATURES)) rule features of each sentence of one comment."""
    return np.vstack([rule_features([h for h in hits if h[0] == k]) for k in range(n)])


def _evidence(
    sentences: list[str],
    vectors: tuple[np.ndarray, np.ndarray | None],
    index: dict[str, int],
    hits: Sequence[Hit],
    signals: list[int],
    p_text: np.ndarray,
) -> list[Hit]:
    """For signals the model found without a rule hit: the sentence that scores highest alone.
    ``vectors``: (encoder, static) vectors of the distinct sentences, rows by ``index``."""
    names = _model()[0]
    E, SV = vectors
    rows = np.array([index[s] for s in sentences], dtype=np.intp)
    P = probabilities(E, _sentence_rules(hits, len(sentences)), SV, rows=rows)
    out = []
    for j in signals:
        k = int(np.argmax(P[:, j]))  # ties: the first sentence
        hit = {"signal": names[j], "phrase": sentences[k], "confidence": round(float(p_text[j]), 2)}
        out.append((k, sentences[k], {**hit, "source": "model"}))
    return out
