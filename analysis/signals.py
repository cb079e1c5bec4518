"""Sentence-level tags for what change leads act on: AI mentions, fear of displacement, trust or
distrust of AI output, training requests, change fatigue and communication complaints.

Patterns live in ``analysis/data/signals.yaml`` (regular expressions with a confidence each), so
they can be read and extended without touching code. Every hit keeps its trigger phrase, so a
user sees why a comment was tagged.

Rules applied in code, per sentence:

* **Negation** cancels a hit when, in the same clause (cut at , ; : and "but") and within six
  words before the trigger, there is (a) "no fear/worries/concerns/plans/risk ..." ("no fear of
  being replaced"), (b) a negation cue within two words of a stance word ("I'm not worried
  about losing my job", "I don't think we'll be replaced"), or (c) a negation cue in the three words
  right before the trigger ("AI won't replace us", "we will not be made redundant"). Patterns that
  carry their own negation ("no job security", "nobody showed us") are marked ``negatable:
  false``; for the others a negation inside the match also cancels it ("jobs are not at risk").
  "not sure" is uncertainty, not negation. AI mentions are never negated. A negated hit with
  ``flip_to`` becomes the opposite signal ("not accurate" is distrust, "no errors" is trust).
* **Hypotheticals** ("if", "whether", "in case") do not cancel: "if we had training" is a
  request and "if they replace us" voices the fear; confidence drops by 0.1.
* **Context**: generic words that only mean something next to AI ("errors", "the tool",
  "accurate") count only when the comment mentions AI or automation somewhere.
* Fears about other people ("my colleagues fear layoffs") count: they describe the team.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd
import yaml

from analysis.sentiment import split_sentences

__all__ = ["SIGNALS", "tag_sentences", "tag_texts"]

SIGNALS = (
    "ai_mention",
    "displacement_fear",
    "ai_distrust",
    "ai_trust",
    "training_request",
    "change_fatigue",
)
DATA_FILE = Path(__file__).resolve().parent / "data" / "signals.yaml"
NEGATION_WINDOW_WORDS = 6
HYPOTHETICAL_PENALTY = 0.1

_CLAUSE_BREAK = re.compile(r"[,;:()\u2013\u2014]|\bbut\b|\bhowever\b|\balthough\b|\bthough\b", re.I)
_HYPOTHETICAL = re.compile(r"\b(?:if|whether|in\s+case|suppose|imagine|unless)\b", re.I)
_WORD = re.compile(r"[\w']+")


@dataclass(frozen=True)
class Pattern:
    signal: str
    regex: re.Pattern[str]
    confidence: float
    negatable: bool
    context: str | None
    flip_to: str | None


@dataclass(frozen=True)
class Config:
    patterns: tuple[Pattern, ...]
    negation: re.Pattern[str]
    stance: re.Pattern[str]
    no_fear: re.Pattern[str]


def _alternation(spec: str) -> str:
    return "|".join(p.strip() for p in spec.split("|") if p.strip())


@cache
def config() -> Config:
    """Compile the patterns in ``analysis/data/signals.yaml``."""
    spec = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))
    lists = {k: _alternation(v) for k, v in spec["lists"].items()}
    patterns = []
    for signal, items in spec["signals"].items():
        if signal not in SIGNALS:
            raise ValueError(f"signals.yaml names an unknown signal {signal!r}")
        for item in items:
            src = re.sub(r"\{(\w+)\}", lambda m: lists[m.group(1)], item["pattern"])
            patterns.append(
                Pattern(
                    signal=signal,
                    regex=re.compile(src, re.I),
                    confidence=float(item["confidence"]),
                    # Mentioning AI is a fact about the text; "not worried about AI" mentions it.
                    negatable=signal != "ai_mention" and bool(item.get("negatable", True)),
                    context=item.get("context"),
                    flip_to=item.get("flip_to"),
                )
            )
    cues = _alternation(spec["negation_cues"])
    stance = _alternation(spec["stance_words"])
    return Config(
        patterns=tuple(patterns),
        negation=re.compile(rf"(?:\b(?:{cues})\b|n't\b)", re.I),
        stance=re.compile(rf"\b(?:{stance})\b", re.I),
        no_fear=re.compile(
            r"\bno\s+(?:real\s+)?(?:fear|fears|worry|worries|concerns?|plans?|intention|risk|"
            r"threat|danger|chance|question|need\s+to\s+(?:worry|fear))\b",
            re.I,
        ),
    )


def _window(sentence: str, start: int) -> str:
    """The clause before position ``start``, at most NEGATION_WINDOW_WORDS words."""
    before = sentence[:start]
    breaks = list(_CLAUSE_BREAK.finditer(before))
    if breaks:
        before = before[breaks[-1].end() :]
    words = _WORD.findall(before)
    return " ".join(words[-NEGATION_WINDOW_WORDS:])


def _is_negated(cfg: Config, window: str) -> bool:
    if not window:
        return False
    if cfg.no_fear.search(window):
        return True
    words = window.split()
    neg_positions = [
        i
        for i, w in enumerate(words)
        if (cfg.negation.fullmatch(w) or "n't" in w.lower())
        and not (i + 1 < len(words) and words[i + 1].lower() == "sure")
    ]
    if not neg_positions:
        return False
    # "can't stop worrying", "couldn't help worrying": the negation does not deny the stance.
    if re.search(r"\b(?:can't|cannot|couldn't)\s+(?:stop|help)\b", window, re.I):
        return False
    stance_positions = [i for i, w in enumerate(words) if cfg.stance.fullmatch(w)]
    if any(0 < s - n <= 2 for n in neg_positions for s in stance_positions):
        return True
    return any(n >= len(words) - 3 for n in neg_positions)


def _negated_span(cfg: Config, span: str) -> bool:
    """A negation inside the match itself ("jobs are not at risk")."""
    return any(cfg.negation.fullmatch(w) or "n't" in w.lower() for w in _WORD.findall(span))


def _tag_sentence(sentence: str, has_ai: bool, cfg: Config) -> list[dict]:
    hits: dict[str, dict] = {}
    for p in cfg.patterns:
        if p.context == "ai" and not has_ai:
            continue
        for m in p.regex.finditer(sentence):
            signal = p.signal
            confidence = p.confidence
            window = _window(sentence, m.start())
            if p.negatable and (_is_negated(cfg, window) or _negated_span(cfg, m.group(0))):
                if p.flip_to is None:
                    continue
                signal = p.flip_to
                phrase_start = max(0, m.start() - len(window) - 1)
                phrase = sentence[phrase_start : m.end()].strip()
            else:
                phrase = m.group(0)
            if _HYPOTHETICAL.search(window):
                confidence -= HYPOTHETICAL_PENALTY
            confidence = round(max(0.05, min(1.0, confidence)), 2)
            best = hits.get(signal)
            if best is None or confidence > best["confidence"]:
                hits[signal] = {"signal": signal, "phrase": phrase, "confidence": confidence}
    return [hits[s] for s in SIGNALS if s in hits]


def _mentions_ai(text: str, cfg: Config) -> bool:
    return any(
        p.regex.search(text) for p in cfg.patterns if p.signal == "ai_mention" and not p.context
    )


@cache
def _tag_text(text: str) -> tuple[tuple[int, str, dict], ...]:
    cfg = config()
    has_ai = _mentions_ai(text, cfg)
    out = []
    for k, sentence in enumerate(split_sentences(text)):
        for hit in _tag_sentence(sentence, has_ai, cfg):
            out.append((k, sentence, hit))
    return tuple(out)


def _as_text(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value)


def tag_texts(texts: Sequence[str]) -> pd.DataFrame:
    """One row per text: a bool column per signal in ``SIGNALS`` and ``evidence``, a list of
    ``{"signal", "phrase", "confidence", "sentence"}`` dicts (sentence = index within the text).
    A text has a signal when any of its sentences does."""
    rows = []
    evidence = []
    for t in texts:
        hits = _tag_text(_as_text(t))
        found = {h["signal"] for _, _, h in hits}
        rows.append([s in found for s in SIGNALS])
        evidence.append([{**h, "sentence": k} for k, _, h in hits])
    df = pd.DataFrame(rows, columns=list(SIGNALS), dtype=bool)
    if not rows:
        df = pd.DataFrame({s: pd.Series(dtype=bool) for s in SIGNALS})
    df["evidence"] = pd.Series(evidence, dtype=object, index=df.index)
    return df


def tag_sentences(texts: Sequence[str]) -> pd.DataFrame:
    """One row per hit: text_id, sentence_id, sentence, signal, phrase, confidence."""
    records = []
    for i, t in enumerate(texts):
        for k, sentence, hit in _tag_text(_as_text(t)):
            records.append({"text_id": i, "sentence_id": k, "sentence": sentence, **hit})
    columns = ["text_id", "sentence_id", "sentence", "signal", "phrase", "confidence"]
    return pd.DataFrame(records, columns=columns)
