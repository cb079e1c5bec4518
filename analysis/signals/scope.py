"""Scope rules, the part of the rule engine that decides whether a match counts: negation,
hypotheticals, resolved and outsider fears, and the evidence phrase a hit reports.

Composed signals (displacement_fear, training_request), within the clause and before the
trigger word: a negation within five words, a negated belief or fear ("I don't think", "not
worried"), or a negative subject ("nobody", "none of us") cancels a fear, unless a knowing or
saying verb stands between ("nobody can say what happens to us" is still a fear) or a later
clause rejects the reassurance ("..., but I don't believe them"). "Not sure" is uncertainty and
"don't want to end up redundant" a fear, not negations; phrases that carry their own negation
("no longer needed", "no job security") are not cancelled by it. A past, resolved fear ("I used
to worry") and a concessive ("even if they automated it") cancel; a job loss of someone outside
work ("my brother was laid off") does not count. Hypotheticals ("if", "unless") keep the tag
with confidence lowered by 0.1, unless a short denial follows ("..., but it can't"). Clauses end
at , ; : ( ) dashes and at "but", "however", "although", "though", "whereas", "except", "while".

Patterns (the other signals): a match is negated when, in the same clause and within six words
before it, there is "no fear/worries/plans ...", a negation next to a stance word, or a negation
in the three words before the trigger; or when the matched span holds a negation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from analysis.signals.lexicon import Lexicon
from analysis.signals.patterns import Config
from analysis.signals.tokens import PUNCT

NEGATION_WINDOW_WORDS = 6
HYPOTHETICAL_PENALTY = 0.1
_CLAUSE_BREAK = re.compile(r"[,;:()\u2013\u2014]|\bbut\b|\bhowever\b|\balthough\b|\bthough\b", re.I)
HYPOTHETICAL = re.compile(r"\b(?:if|whether|in\s+case|suppose|imagine|unless)\b", re.I)
_WORD = re.compile(r"[\w']+")

# ---------------------------------------------------------------------------------------------
# Composed signals: scope over the tokens of a sentence.


@dataclass
class Sentence:
    """Tokens of one sentence with clause ids and the spans of shared scope words."""

    toks: list[str]
    spans: list[tuple[int, int]]
    found: dict[str, list[tuple[int, int]]]
    clause: list[int]
    has_question: bool
    negations: list[int]
    raw_negations: list[int]  # including "don't want", for refusals of training
    negative_subjects: list[int]
    beliefs: list[tuple[int, int]]
    hypotheticals: list[int]
    concessives: list[int]
    resolved: list[int]
    aux: set[int]
    knowledge: list[int]
    agent_gap: set[int]
    outsiders: list[int]
    disbelief_clauses: set[int]
    partitives: set[int]

    def same_clause(self, a: int, b: int) -> bool:
        return self.clause[a] == self.clause[b]


def analyse(tokens: list[tuple[str, int, int]], lex: Lexicon) -> Sentence:
    """Clause ids and the shared scope words of a sentence, from one pass over the concepts."""
    toks = [t for t, _, _ in tokens]
    found = lex.find_all(toks)

    def get(name: str) -> list[tuple[int, int]]:
        return found.get(name, [])

    breaks = {i for i, _ in get("clause_break")}
    clause, cid = [], 0
    for i, t in enumerate(toks):
        if t in PUNCT or i in breaks:
            cid += 1
        clause.append(cid)
    not_neg: set[int] = set()
    for a, b in get("not_negation"):
        not_neg.update(range(a, b))
    negations = [a for a, _ in get("negation") if a not in not_neg]
    not_resolved = {k for a, b in get("not_resolved") for k in range(a, b)}
    aux: set[int] = set()
    for a, b in get("aux_passive"):
        aux.update(range(a, b))
    return Sentence(
        toks=toks,
        spans=[(a, b) for _, a, b in tokens],
        found=found,
        clause=clause,
        has_question="?" in toks,
        negations=negations,
        raw_negations=[a for a, _ in get("negation")],
        negative_subjects=[a for a, _ in get("negative_subject")],
        beliefs=get("belief"),
        hypotheticals=[a for a, _ in get("hypothetical")],
        concessives=[a for a, _ in get("concessive")],
        resolved=[a for a, _ in get("resolved") if a not in not_resolved],
        aux=aux,
        knowledge=[a for a, _ in get("knowledge")],
        agent_gap={a for a, _ in get("agent_gap")},
        outsiders=[a for a, _ in get("outsider")],
        disbelief_clauses={clause[a] for a, _ in get("disbelief")},
        partitives={a for a, _ in get("partitive")},
    )


class Found:
    """One signal's concept matches in a sentence, without those touching its masked phrases."""

    def __init__(self, s: Sentence, signal: str) -> None:
        self.found = s.found
        self.prefix = signal + "."
        self.masked: set[int] = set()
        for a, b in s.found.get(self.prefix + "mask", []):
            self.masked.update(range(a, b))

    def __call__(self, name: str) -> list[tuple[int, int]]:
        spans = self.found.get(self.prefix + name, [])
        if not self.masked:
            return spans
        return [(a, b) for a, b in spans if self.masked.isdisjoint(range(a, b))]


def before_in_clause(s: Sentence, positions: Iterable[int], start: int, within: int) -> bool:
    return any(start - within <= p < start and s.same_clause(p, start) for p in positions)


def negated_at(s: Sentence, start: int, own: set[int], fears: list[tuple[int, int]]) -> bool:
    """Negation scope: a negation in the five words before, a negated belief or fear earlier
    in the clause, or a negative subject earlier in the clause. ``own`` are token positions
    inside self-negating trigger phrases ("no longer needed"), which do not count. A later
    clause that rejects the reassurance ("..., but I don't believe them") lifts it."""
    if any(c > s.clause[start] for c in s.disbelief_clauses):
        return False

    def scopes(p: int) -> bool:
        # "nobody can say what happens to us": the negation is about the saying.
        return p not in own and not any(p < k < start for k in s.knowledge)

    negs = [p for p in s.negations if scopes(p)]
    if before_in_clause(s, negs, start, 5):
        return True
    if before_in_clause(s, [p for p in s.negative_subjects if scopes(p)], start, 99):
        return True
    for a, _ in [*s.beliefs, *fears]:
        if a < start and s.same_clause(a, start) and before_in_clause(s, negs, a, 3):
            return True
    return False


def _denied_after(s: Sentence, i: int) -> bool:
    """A short denial right after the hypothetical clause: "..., but it can't"."""
    later = [k for k in range(len(s.toks)) if s.clause[k] > s.clause[i] and s.toks[k] not in PUNCT]
    if not later:
        return False
    nxt = [k for k in later if s.clause[k] == s.clause[later[0]]]
    return len(nxt) <= 5 and any(p in nxt for p in s.negations)


def finish(
    s: Sentence,
    sentence: str,
    signal: str,
    cands: list[tuple[float, int, int, int]],
    own: set[int],
    fears: list[tuple[int, int]],
    *,
    scope: bool,
    positive: set[int] | None = None,
) -> dict | None:
    """Apply the scope rules at each candidate's trigger word and keep the most confident.
    Candidates are (confidence, phrase start, phrase end, trigger position). When the scope
    rules cancel every candidate, the result is ``{"signal", "cancelled": True}``: the sentence
    was read and denied ("I don't think anyone will be made redundant"), which the signal model
    must not overrule."""
    best: tuple[float, int, int] | None = None
    cancelled = False
    for conf, a, b, trig in cands:
        first = min(a, trig)
        if scope:
            negated = negated_at(s, trig, own, fears) or (a < trig and negated_at(s, a, own, fears))
            if (
                (negated and trig not in (positive or ()))
                or before_in_clause(s, s.resolved, trig, 99)
                or before_in_clause(s, s.concessives, trig, 99)
                or before_in_clause(s, s.outsiders, first, 99)
            ):
                cancelled = True
                continue
        if before_in_clause(s, s.hypotheticals, first, 99):
            if scope and _denied_after(s, first):
                cancelled = True
                continue
            conf -= HYPOTHETICAL_PENALTY
        if best is None or conf > best[0]:
            best = (conf, a, b)
    if best is None:
        return {"signal": signal, "cancelled": True} if cancelled else None
    conf, a, b = best
    phrase = sentence[s.spans[a][0] : s.spans[b - 1][1]]
    return {"signal": signal, "phrase": phrase, "confidence": round(max(0.05, min(1.0, conf)), 2)}


# ---------------------------------------------------------------------------------------------
# Patterns: scope over a window of words before the match.


def window_before(sentence: str, start: int) -> str:
    """The clause before position ``start``, at most NEGATION_WINDOW_WORDS words."""
    before = sentence[:start]
    breaks = list(_CLAUSE_BREAK.finditer(before))
    if breaks:
        before = before[breaks[-1].end() :]
    words = _WORD.findall(before)
    return " ".join(words[-NEGATION_WINDOW_WORDS:])


def window_negated(cfg: Config, window: str) -> bool:
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


def span_negated(cfg: Config, span: str) -> bool:
    """A negation inside the match itself ("jobs are not at risk")."""
    return any(cfg.negation.fullmatch(w) or "n't" in w.lower() for w in _WORD.findall(span))
