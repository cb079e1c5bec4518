"""The rule engine on one text: the patterns and the composed rules per sentence, with the
evidence (trigger phrase and confidence) of every hit.

Nothing here is cached between calls: the caller passes a ``memo`` it owns (the literal index of
the words seen so far), so comment text never outlives a call of ``tag_texts``.
"""

from __future__ import annotations

from analysis.signals.composed import compose
from analysis.signals.patterns import SIGNALS, Config
from analysis.signals.scope import (
    HYPOTHETICAL,
    HYPOTHETICAL_PENALTY,
    span_negated,
    window_before,
    window_negated,
)
from analysis.signals.tokens import split_sentences

__all__ = ["Hit", "mentions_ai", "tag_text"]

#: (sentence index, sentence, hit dict) of one text.
Hit = tuple[int, str, dict]


def _pattern_hits(
    sentence: str, has_ai: bool, cfg: Config, memo: dict[str, tuple[str, ...]]
) -> dict[str, dict]:
    """The most confident pattern hit per signal; a negated match flips or is dropped."""
    hits: dict[str, dict] = {}
    for p in cfg.candidates(sentence, memo):
        if p.context == "ai" and not has_ai:
            continue
        for m in p.regex.finditer(sentence):
            signal = p.signal
            confidence = p.confidence
            window = window_before(sentence, m.start())
            if p.negatable and (window_negated(cfg, window) or span_negated(cfg, m.group(0))):
                if p.flip_to is None:
                    continue
                signal = p.flip_to
                phrase_start = max(0, m.start() - len(window) - 1)
                phrase = sentence[phrase_start : m.end()].strip()
            else:
                phrase = m.group(0)
            if HYPOTHETICAL.search(window):
                confidence -= HYPOTHETICAL_PENALTY
            confidence = round(max(0.05, min(1.0, confidence)), 2)
            best = hits.get(signal)
            if best is None or confidence > best["confidence"]:
                hits[signal] = {"signal": signal, "phrase": phrase, "confidence": confidence}
    return hits


def _tag_sentence(
    sentence: str, has_ai: bool, cfg: Config, memo: dict[str, tuple[str, ...]]
) -> list[dict]:
    """Hits in SIGNALS order, then the composed signals the scope rules cancelled."""
    hits = _pattern_hits(sentence, has_ai, cfg, memo)
    cancelled = []
    for h in compose(sentence):
        if h.get("cancelled"):
            cancelled.append(h)
        else:
            hits[h["signal"]] = h
    return [hits[s] for s in SIGNALS if s in hits] + cancelled


def mentions_ai(text: str, cfg: Config, memo: dict[str, tuple[str, ...]]) -> bool:
    """Whether the text names AI (the ``ai_mention`` rule without context), e.g. a question."""
    for p in cfg.candidates(text, memo):
        if p.signal != "ai_mention" or p.context:
            continue
        if p.regex.search(text):
            return True
    return False


def tag_text(
    text: str, cfg: Config, memo: dict[str, tuple[str, ...]], *, ai_context: bool = False
) -> tuple[Hit, ...]:
    """Rule hits of one text, sentence by sentence; cancellations of composed signals are kept
    (marked ``cancelled``) so the signal model does not overrule them.

    Patterns with ``context: ai`` need AI in view: named in the text, or ``ai_context`` (the
    question it answers names AI: "It makes mistakes" answering "What worries you about AI?")."""
    has_ai = ai_context or mentions_ai(text, cfg, memo)
    out = []
    for k, sentence in enumerate(split_sentences(text)):
        for hit in _tag_sentence(sentence, has_ai, cfg, memo):
            out.append((k, sentence, hit if hit.get("cancelled") else {**hit, "source": "rules"}))
    return tuple(out)
