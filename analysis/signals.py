"""Sentence-level tags for what change leads act on: AI mentions, fear of displacement, trust or
distrust of AI output, training requests, change fatigue and communication complaints.

Two engines, both driven by ``analysis/data/signals.yaml`` so the vocabulary can be read and
extended without touching code. Every hit keeps its trigger phrase and a confidence, so a user
sees why a comment was tagged.

**Compositional rules** (displacement_fear, training_request). Fixed phrase lists matched the
sentences they were written against but missed most new wording, so these two signals are built
from concepts that must meet in the same clause (clauses end at , ; : ( ) dashes and at "but",
"however", "although", "though", "whereas", "except", "while"):

* displacement_fear = an explicit job-insecurity phrase ("laid off", "made redundant", "out of
  work"); or a threat linked to a person or job: a transitive threat with the person or job as its
  object ("replace us", "cut the team", "phasing out our roles") or, in the passive, its subject
  ("we will be replaced", "had their hours cut"), never a thing ("replace the old CRM"); a threat
  state near a person or job ("my role could disappear", "we're next"); a smaller workforce
  ("fewer teachers", "need half the pickers"); an AI agent doing the job ("the robot does my
  job"); doubt about continuity ("whether we'll still have jobs"); or a fear cue with a job topic
  ("anxious about our roles").
  A fear cue in the clause raises confidence.
* training_request = a learning or support word (training, course, guidance, documentation,
  "show us how", practice ...) with a request ("need", "would like", "please", "can we get", "is
  there"), a modifier just before it ("more", "proper", "hands-on"), a stated lack just before it
  ("no training", "nobody showed us", "haven't been shown") or a complaint after it ("the guide is
  out of date"); or a request on its own ("don't know how to use", "left to work it out").

Scope rules, within the clause and before the trigger word: a negation within five words, a
negated belief or fear ("I don't think", "not worried"), or a negative subject ("nobody", "none of
us") cancels a fear, unless a knowing or saying verb stands between ("nobody can say what happens
to us" is still a fear) or a later clause rejects the reassurance ("..., but I don't believe
them"). "Not sure" is uncertainty and "don't want to end up redundant" a fear, not negations;
phrases that carry their own negation ("no longer needed", "no job security") are not cancelled by
it, and continuity doubts are strengthened by it ("I can't see them keeping us on"). A past,
resolved fear ("I used to worry") and a concessive ("even if they automated it") cancel; a job
loss of someone outside work ("my brother was laid off") does not count. Hypotheticals ("if",
"unless") keep the tag with confidence lowered by 0.1, unless a short denial follows ("..., but it
can't"). A negated need cancels a training request ("I don't need more training"); praise of
training ("the course was great") has no request and is not one. Fears and requests voiced for
other people ("my team is anxious about their roles") count: they describe the team.

**Patterns** (ai_mention, ai_distrust, ai_trust, change_fatigue): regular expressions with a
confidence each, negation in a six-word window before the match, ``flip_to`` for negated trust
words ("not accurate" is distrust), and AI context for generic words ("errors" counts only in a
comment that mentions AI).

**Model** (hybrid, displacement_fear): the rules are precise (0.94-1.0 on unseen sentences) but
miss about 40% of new wording. When the semantic engine is installed (``analysis.embeddings``),
a logistic regression on each sentence's all-MiniLM-L6-v2 embedding adds the sentences the rules
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

**Speed.** Each distinct text is tagged once per call, and results are cached per unique text
(surveys repeat answers). A sentence is only analysed
for the composed signals when it holds an anchor word (per phrase, its least common slot, so the
skip is exact), all concept lists are matched in one pass over a word trie, and a pattern's regular
expression runs only when one of the literals every match must contain (read from its parse tree)
is in the sentence. Measured on the 165,691 comments of the 100k-row benchmark export (12,596
unique): about 9,000 unique comments per CPU-second, about 73,000 comments per CPU-second with the
cache.
"""

from __future__ import annotations

import re
import re._constants as _sre
import re._parser as _sre_parse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from analysis.sentiment import split_sentences

__all__ = ["ENGINES", "MODEL_SIGNALS", "SIGNALS", "model_info", "tag_sentences", "tag_texts"]

SIGNALS = (
    "ai_mention",
    "displacement_fear",
    "ai_distrust",
    "ai_trust",
    "training_request",
    "change_fatigue",
)
COMPOSED = ("displacement_fear", "training_request")
DATA_FILE = Path(__file__).resolve().parent / "data" / "signals.yaml"
# libyaml's safe loader when present: the same documents, parsed about 10x faster.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
NEGATION_WINDOW_WORDS = 6
HYPOTHETICAL_PENALTY = 0.1
CACHE_SIZE = 1 << 18
ENGINES = ("auto", "hybrid", "rules")
MODEL_FILE = Path(__file__).resolve().parent / "data" / "signals_model.json"
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

_CLAUSE_BREAK = re.compile(r"[,;:()\u2013\u2014]|\bbut\b|\bhowever\b|\balthough\b|\bthough\b", re.I)
_HYPOTHETICAL = re.compile(r"\b(?:if|whether|in\s+case|suppose|imagine|unless)\b", re.I)
_WORD = re.compile(r"[\w']+")
_ASCII_WORD = re.compile(r"[a-z]+")

# ---------------------------------------------------------------------------------------------
# Tokens for the compositional rules.

_TOKEN = re.compile(r"[A-Za-z0-9]+(?:['\u2019][A-Za-z]+)*|[,;:()!?\u2013\u2014]|(?<=\s)-(?=\s)")
_PUNCT = frozenset(",;:()!?\u2013\u2014-")
_CLITICS = ("'s", "'re", "'ll", "'ve", "'d", "'m")
_NT_BASE = {"ca": "can", "wo": "will", "sha": "shall", "ai": "is"}
# Contractions typed without the apostrophe.
_BARE = {
    "dont": ("do", "n't"),
    "doesnt": ("does", "n't"),
    "didnt": ("did", "n't"),
    "cant": ("can", "n't"),
    "wont": ("will", "n't"),
    "isnt": ("is", "n't"),
    "arent": ("are", "n't"),
    "wasnt": ("was", "n't"),
    "werent": ("were", "n't"),
    "havent": ("have", "n't"),
    "hasnt": ("has", "n't"),
    "hadnt": ("had", "n't"),
    "shouldnt": ("should", "n't"),
    "wouldnt": ("would", "n't"),
    "couldnt": ("could", "n't"),
    "aint": ("is", "n't"),
    "cannot": ("can", "not"),
    "im": ("i", "'m"),
    "ive": ("i", "'ve"),
    "youre": ("you", "'re"),
    "theyre": ("they", "'re"),
    "theyll": ("they", "'ll"),
    "theyve": ("they", "'ve"),
    "weve": ("we", "'ve"),
}
_GAP = None  # a slot that skips up to four words
# Frequent words, never chosen as a phrase's anchor when the phrase has a rarer word.
_COMMON = frozenset(
    [
        "i",
        "me",
        "my",
        "we",
        "us",
        "our",
        "you",
        "your",
        "he",
        "she",
        "it",
        "its",
        "they",
        "them",
        "their",
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "am",
        "'s",
        "'re",
        "'m",
        "'ll",
        "'ve",
        "'d",
        "do",
        "does",
        "did",
        "n't",
        "not",
        "no",
        "have",
        "has",
        "had",
        "will",
        "would",
        "can",
        "could",
        "should",
        "may",
        "might",
        "must",
        "what",
        "who",
        "how",
        "that",
        "this",
        "there",
        "here",
        "still",
        "so",
        "up",
        "out",
        "off",
        "over",
        "away",
        "all",
        "any",
        "some",
        "more",
        "less",
        "much",
        "very",
        "just",
    ]
)
_GAP_MAX = 6
_IMPERATIVE = frozenset(
    [
        "teach",
        "show",
        "train",
        "upskill",
        "reskill",
        "explain",
        "walk",
        "help",
        "guide",
        "coach",
        "mentor",
        "give",
    ]
)


def tokenize(sentence: str) -> list[tuple[str, int, int]]:
    """Lower-case tokens with their character span in ``sentence``; clitics split off."""
    out: list[tuple[str, int, int]] = []
    low = sentence.lower()
    aligned = len(low) == len(sentence)  # lower() can lengthen a few non-ASCII letters
    for m in _TOKEN.finditer(low if aligned else sentence):
        tok = m.group(0) if aligned else m.group(0).lower()
        a, b = m.span()
        if tok.isalnum() and tok not in _BARE:
            out.append((tok, a, b))
        elif tok in _BARE:
            out.extend((part, a, b) for part in _BARE[tok])
        elif (tok := tok.replace("\u2019", "'")).endswith("n't") and len(tok) > 3:
            base = tok[:-3]
            out.append((_NT_BASE.get(base, base), a, b))
            out.append(("n't", a, b))
        elif "'" in tok:
            base, _, rest = tok.partition("'")
            clitic = "'" + rest
            if clitic in _CLITICS and base:
                out.append((base, a, b))
                out.append((clitic, a, b))
            else:
                out.append((tok.replace("'", ""), a, b))
        else:
            out.append((tok, a, b))
    return out


def inflect(word: str, irregular: dict[str, list[str]]) -> set[str]:
    """Light inflection: -s/-es/-ed/-ing with e-drop, y->ies/ied and consonant doubling."""
    forms = {word, word + "s", word + "es", word + "ed", word + "ing"}
    if word.endswith("e"):
        forms |= {word + "d", word[:-1] + "ing"}
    if len(word) > 2 and word.endswith("y") and word[-2] not in "aeiou":
        forms |= {word[:-1] + "ies", word[:-1] + "ied"}
    vowels = "aeiou"
    if (
        len(word) >= 3
        and word[-1] not in vowels + "wxy"
        and word[-2] in vowels
        and word[-3] not in vowels
    ):
        forms |= {word + word[-1] + "ed", word + word[-1] + "ing"}
    forms |= set(irregular.get(word, ()))
    return forms


Slots = tuple[frozenset[str] | None, ...]


def _compile_phrase(phrase: str, irregular: dict[str, list[str]]) -> Slots:
    """'+take over' -> ({take, takes, took, ...}, {over}); 'a/b' alternatives; '...' a gap."""
    slots: list[frozenset[str] | None] = []
    for raw in phrase.lower().replace("-", " ").split():
        if raw == "...":
            slots.append(_GAP)
            continue
        words: set[str] = set()
        for alt in raw.split("/"):
            if alt.startswith("+"):
                words |= inflect(alt[1:], irregular)
            else:
                words.add(alt)
        slots.append(frozenset(words))
    if not slots or slots[0] is _GAP or slots[-1] is _GAP:
        raise ValueError(f"signals.yaml: a phrase cannot start or end with '...': {phrase!r}")
    return tuple(slots)


@dataclass(frozen=True)
class Concept:
    """Phrases indexed by their possible first word, for one pass over a sentence's tokens."""

    index: dict[str, tuple[Slots, ...]]

    @classmethod
    def build(cls, phrases: Iterable[str], irregular: dict[str, list[str]]) -> Concept:
        index: dict[str, list[Slots]] = {}
        for phrase in phrases:
            if not isinstance(phrase, str):
                raise ValueError(
                    f"signals.yaml: quote the phrase {phrase!r}; YAML read it as "
                    f"{type(phrase).__name__}"
                )
            slots = _compile_phrase(phrase, irregular)
            first = slots[0]
            assert first is not None
            for word in first:
                index.setdefault(word, []).append(slots)
        return cls({k: tuple(v) for k, v in index.items()})

    def anchors(self) -> set[str]:
        """Words of which every match holds one: per phrase, its least common slot."""
        out: set[str] = set()
        for phrases in self.index.values():
            for slots in phrases:
                words = [w for w in slots if w is not None]
                rare = [w for w in words if _COMMON.isdisjoint(w)]
                if rare:
                    out |= max(rare, key=lambda w: (min(map(len, w)), -len(w)))
                else:
                    out |= words[0]
        return out


def _match(toks: Sequence[str], j: int, slots: Slots, k: int) -> int:
    while k < len(slots):
        slot = slots[k]
        if slot is _GAP:
            for g in range(j, min(j + _GAP_MAX, len(toks)) + 1):
                if g > j and toks[g - 1] in _PUNCT:
                    break
                end = _match(toks, g, slots, k + 1)
                if end >= 0:
                    return end
            return -1
        if j >= len(toks) or toks[j] not in slot:
            return -1
        j += 1
        k += 1
    return j


@dataclass(frozen=True)
class Lexicon:
    """The compiled compositional vocabularies (see signals.yaml ``concepts``)."""

    c: dict[str, Concept]
    trie: dict  # word -> child; key "" holds the concept names whose phrases end at a node
    gapped: dict[str, tuple[tuple[str, Slots], ...]]  # phrases with "...", by first word
    participles: frozenset[str]
    boundary: frozenset[str]
    anchors: frozenset[str]  # a sentence without any of these can have neither composed signal
    possessive: frozenset[str]
    job_nouns: frozenset[str]

    def __getitem__(self, name: str) -> Concept:
        return self.c[name]

    def find_all(self, toks: Sequence[str]) -> dict[str, list[tuple[int, int]]]:
        """Every concept's longest match at each token, in one pass: name -> (start, end)."""
        found: dict[str, list[tuple[int, int]]] = {}
        n = len(toks)
        for i in range(n):
            node = self.trie.get(toks[i])
            if node is None and toks[i] not in self.gapped:
                continue
            best: dict[str, int] = {}
            j = i + 1
            while node is not None:
                for name in node.get("", ()):
                    best[name] = j
                if j >= n:
                    break
                node = node.get(toks[j])
                j += 1
            for name, slots in self.gapped.get(toks[i], ()):
                end = _match(toks, i + 1, slots, 1)
                if end > best.get(name, 0):
                    best[name] = end
            for name, end in best.items():
                found.setdefault(name, []).append((i, end))
        return found


def _insert(node: dict, slots: Sequence[frozenset[str] | None], name: str) -> None:
    if not slots:
        if name not in node.get("", ()):
            node[""] = (*node.get("", ()), name)
        return
    first = slots[0]
    assert first is not None
    for word in first:
        _insert(node.setdefault(word, {}), slots[1:], name)


# Words that end an object phrase after a transitive threat ("replace the doors before we ...").
_OBJECT_BOUNDARY = (
    "that which who whom when before after while because since so then than with and or if "
    "unless until once as by for from into onto without not n't never"
)


@cache
def lexicon() -> Lexicon:
    """Compile the ``concepts`` section of ``analysis/data/signals.yaml``."""
    spec = yaml.load(DATA_FILE.read_text(encoding="utf-8"), Loader=_YAML_LOADER)["concepts"]
    irregular = {k: [str(x) for x in v] for k, v in spec["irregular"].items()}
    concepts: dict[str, Concept] = {}
    shared = [
        "negation",
        "negative_subject",
        "not_negation",
        "belief",
        "clause_break",
        "hypothetical",
        "concessive",
        "resolved",
        "aux_passive",
        "outsider",
        "disbelief",
        "partitive",
        "not_resolved",
        "knowledge",
        "agent_gap",
    ]
    for name in shared:
        concepts[name] = Concept.build(spec[name], irregular)
    for signal in COMPOSED:
        for name, phrases in spec[signal].items():
            concepts[f"{signal}.{name}"] = Concept.build(phrases, irregular)
    df = spec["displacement_fear"]
    anchors: set[str] = set()
    for name in [
        "strong",
        "threat_object",
        "threat_job",
        "threat_state",
        "threat_nominal",
        "continuity",
        "continuity_job",
        "quantity",
        "agent_action",
        "fear",
    ]:
        anchors |= concepts[f"displacement_fear.{name}"].anchors()
    for name in ["learning", "learning_near", "standalone"]:
        anchors |= concepts[f"training_request.{name}"].anchors()
    participles: set[str] = set()
    for phrase in list(df["threat_object"]) + list(df["threat_job"]):
        head = str(phrase).split()[0]
        if head.startswith("+"):
            word = head[1:]
            participles |= {f for f in inflect(word, irregular) if f.endswith(("ed", "en", "wn"))}
            participles |= {f for f in irregular.get(word, []) if not f.endswith(("s", "ing"))}
    participles |= {"cut", "let", "shut", "put"}
    job_words = {"job", "jobs", "role", "roles", "position", "positions", "posts", "livelihood"}
    job_words |= {"livelihoods", "career", "careers", "employment", "headcount", "hours", "shifts"}
    job_words |= {"contracts", "contract"}
    trie: dict = {}
    gapped: dict[str, list[tuple[str, Slots]]] = {}
    for name, concept in concepts.items():
        for word, phrases in concept.index.items():
            for slots in phrases:
                if _GAP in slots:
                    gapped.setdefault(word, []).append((name, slots))
                else:
                    _insert(trie, (frozenset([word]), *slots[1:]), name)
    return Lexicon(
        c=concepts,
        trie=trie,
        gapped={k: tuple(v) for k, v in gapped.items()},
        participles=frozenset(participles),
        boundary=frozenset(_OBJECT_BOUNDARY.split()),
        anchors=frozenset(anchors),
        possessive=frozenset(df["possessive"]),
        job_nouns=frozenset(job_words),
    )


@dataclass
class _Sentence:
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


def _analyse(tokens: list[tuple[str, int, int]], lex: Lexicon) -> _Sentence:
    toks = [t for t, _, _ in tokens]
    found = lex.find_all(toks)

    def get(name: str) -> list[tuple[int, int]]:
        return found.get(name, [])

    breaks = {i for i, _ in get("clause_break")}
    clause, cid = [], 0
    for i, t in enumerate(toks):
        if t in _PUNCT or i in breaks:
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
    return _Sentence(
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


class _Found:
    """One signal's concept matches in a sentence, without those touching its masked phrases."""

    def __init__(self, s: _Sentence, signal: str) -> None:
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


def _before_in_clause(s: _Sentence, positions: Iterable[int], start: int, within: int) -> bool:
    return any(start - within <= p < start and s.same_clause(p, start) for p in positions)


def _negated(s: _Sentence, start: int, own: set[int], fears: list[tuple[int, int]]) -> bool:
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
    if _before_in_clause(s, negs, start, 5):
        return True
    if _before_in_clause(s, [p for p in s.negative_subjects if scopes(p)], start, 99):
        return True
    for a, _ in [*s.beliefs, *fears]:
        if a < start and s.same_clause(a, start) and _before_in_clause(s, negs, a, 3):
            return True
    return False


def _denied_after(s: _Sentence, i: int) -> bool:
    """A short denial right after the hypothetical clause: "..., but it can't"."""
    later = [k for k in range(len(s.toks)) if s.clause[k] > s.clause[i] and s.toks[k] not in _PUNCT]
    if not later:
        return False
    nxt = [k for k in later if s.clause[k] == s.clause[later[0]]]
    return len(nxt) <= 5 and any(p in nxt for p in s.negations)


def _finish(
    s: _Sentence,
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
            negated = _negated(s, trig, own, fears) or (a < trig and _negated(s, a, own, fears))
            if (
                (negated and trig not in (positive or ()))
                or _before_in_clause(s, s.resolved, trig, 99)
                or _before_in_clause(s, s.concessives, trig, 99)
                or _before_in_clause(s, s.outsiders, first, 99)
            ):
                cancelled = True
                continue
        if _before_in_clause(s, s.hypotheticals, first, 99):
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


def _targets(toks: list[str], F: _Found, lex: Lexicon) -> tuple[dict[int, int], dict[int, int]]:
    """Start -> end of person/job targets, and of job-only targets (for "take our jobs")."""
    persons: dict[int, int] = {}
    jobs: dict[int, int] = {}
    for name in ("target_person", "occupation"):
        for a, b in F(name):
            persons[a] = max(persons.get(a, 0), b)
            if toks[b - 1] in lex.job_nouns:
                jobs[a] = max(jobs.get(a, 0), b)
    for a, b in F("possessive_target"):
        # "my skills", and with one word between, "my accountancy qualification".
        for k in (a - 1, a - 2):
            if k >= 0 and toks[k] in lex.possessive and toks[a - 1] not in _PUNCT:
                persons[k] = max(persons.get(k, 0), b)
                jobs[k] = max(jobs.get(k, 0), b)
                break
    for a in list(persons):
        if a > 0 and toks[a - 1] in lex.possessive and toks[persons[a] - 1] in lex.job_nouns:
            jobs[a - 1] = max(jobs.get(a - 1, 0), persons[a])
    return persons, jobs


def _object_after(
    s: _Sentence, end: int, targets: dict[int, int], lex: Lexicon, reach: int = 5
) -> int:
    """End of a target that is the object after a verb ending at ``end``; -1 when none."""
    for j in range(end, min(end + reach, len(s.toks))):
        if s.toks[j] in _PUNCT or s.toks[j] in lex.boundary or j in s.partitives:
            return -1
        if j in targets:
            return targets[j]
    return -1


def _subject_before(s: _Sentence, start: int, targets: dict[int, int], lex: Lexicon) -> int:
    """Start of a passive subject ("we will be replaced", "had their hours cut"); -1 if none."""
    if s.toks[start] not in lex.participles:
        return -1
    for a, b in targets.items():
        if b <= start and start - b <= 5 and s.same_clause(a, start):
            if any(k in s.aux for k in range(b, start)):
                return a
            if b == start and a > 0 and s.toks[a] in lex.possessive:
                return a
    return -1


def _displacement(s: _Sentence, sentence: str, lex: Lexicon) -> dict | None:
    toks = s.toks
    F = _Found(s, "displacement_fear")
    persons, jobs = _targets(toks, F, lex)
    fears = F("fear")
    cands: list[tuple[float, int, int, int]] = []
    own: set[int] = set()
    positive: set[int] = set()  # triggers that a negation does not cancel

    def add(conf: float, a: int, b: int, trig: int) -> None:
        if s.same_clause(a, b - 1):
            fear_here = any(s.same_clause(f, a) for f, _ in fears)
            cands.append((min(0.95, conf + (0.1 if fear_here else 0.0)), a, b, trig))

    for a, b in F("strong"):
        own.update(range(a, b))
        add(0.85, a, b, a)
    threats: list[tuple[int, int]] = []
    for name, tg in (("threat_object", persons), ("threat_job", jobs)):
        for a, b in F(name):
            threats.append((a, b))
            subj = _subject_before(s, a, tg, lex)
            if subj >= 0:
                add(0.8, subj, b, a)
                continue
            obj_end = _object_after(s, b, tg, lex)
            if obj_end > 0:
                add(0.8, a, obj_end, a)
    for a, b in F("threat_nominal"):
        for t, e in persons.items():
            if e == a:
                add(0.8, t, b, a)
    for a, b in F("threat_state"):
        own.update(range(a, b))
        threats.append((a, b))
        for t, e in persons.items():
            if s.same_clause(t, a) and (abs(t - b) <= 6 or abs(a - e) <= 6):
                add(0.75, min(a, t), max(b, e), a)
    for a, b in F("quantity"):
        obj_end = _object_after(s, b, persons, lex, reach=3)
        if obj_end > 0:
            add(0.75, a, obj_end, a)
    agents = {i for i, t in enumerate(toks) if t in lex["displacement_fear.agent"].index}
    for a, b in F("agent_action"):
        # The agent is the subject: only modals and adverbs between ("the bot can easily do").
        ag = [
            i for i in agents if a - 3 <= i < a and all(k in s.agent_gap for k in range(i + 1, a))
        ]
        if ag:
            add(0.8, min(ag), b, a)
    doubt = F("doubt")
    # Continuity is asserted positively, so a negation makes it a fear ("I can't see them
    # keeping us on") rather than cancelling it: it counts as doubt and is exempt from scope.
    for name, tg, reach in (("continuity", persons, 99), ("continuity_job", jobs, 6)):
        for a, b in F(name):
            in_doubt = (
                s.has_question
                or any(s.same_clause(d, a) for d, _ in doubt)
                or _before_in_clause(s, s.negations, a, 8)
            )
            if in_doubt and any(s.same_clause(t, a) and abs(t - a) <= reach for t in tg):
                add(0.7, a, b, a)
                positive.add(a)
    # Fear with a job topic, a job noun or a possessed stake ("scared for my future").
    topics = F("job_topic") + list(jobs.items())
    for fa, fb in fears:
        for ta, tb in topics:
            if s.same_clause(fa, ta) and -3 <= ta - fb <= 8:
                cands.append((0.7, min(fa, ta), max(fb, tb), fa))
            elif s.same_clause(fa, ta) and 0 <= fa - tb <= 4:
                cands.append((0.7, ta, fb, fa))
        # A fear cue before a threat with no person named ("worried it will all be automated").
        for a, b in threats:
            if s.same_clause(fa, a) and 0 <= a - fb <= 8:
                cands.append((0.7, fa, b, fa))
    if not cands:
        return None
    return _finish(
        s, sentence, "displacement_fear", cands, own, fears, scope=True, positive=positive
    )


def _training(s: _Sentence, sentence: str, lex: Lexicon) -> dict | None:
    toks = s.toks
    F = _Found(s, "training_request")
    refused = {s.clause[a] for a, _ in F("refusal") if _before_in_clause(s, s.raw_negations, a, 2)}
    refused |= {s.clause[a] for a, _ in _find_words(toks, ("no", "need"))}
    learning = F("learning")
    near = F("learning_near")
    requests = F("request")
    if s.has_question and toks and toks[0] in ("can", "could", "would", "will"):
        requests.append((0, 1))
    near_requests = F("near_request")
    modifiers = F("modifier")
    lacks = F("lack")
    complaints = F("complaint")
    cands: list[tuple[float, int, int, int]] = []

    def add(conf: float, a: int, b: int) -> None:
        if s.same_clause(a, b - 1) and s.clause[a] not in refused:
            cands.append((conf, a, b, a))

    for a, b in F("standalone"):
        add(0.8, a, b)
    # An imperative: a learning verb opening its clause ("Teach us the shortcuts").
    for a, b in learning:
        if (a == 0 or s.clause[a - 1] != s.clause[a]) and toks[a] in _IMPERATIVE:
            add(0.8, a, b)
    negs = s.negations
    for la, lb in learning:
        for ra, rb in requests:
            if (rb <= la and la - rb <= 12) or (ra >= lb and ra - lb <= 12):
                add(0.85, min(la, ra), max(lb, rb))
        for ma, mb in [*modifiers, *lacks]:
            if mb <= la and la - mb <= 2:
                add(0.8, ma, lb)
        for p in negs:
            if p < la and la - p <= 4 and s.same_clause(p, la):
                add(0.8, p, lb)
        for ca, cb in complaints:
            if ca >= lb and ca - lb <= 8:
                add(0.75, la, cb)
    for na, nb in near:
        for ra, rb in [*near_requests, *modifiers, *lacks]:
            if rb <= na and na - rb <= 2:
                add(0.75, ra, nb)
        for p in negs:
            if p < na and na - p <= 3 and s.same_clause(p, na):
                add(0.75, p, nb)
        for ca, cb in complaints:
            if ca >= nb and ca - nb <= 8:
                add(0.7, na, cb)
    if not cands:
        return {"signal": "training_request", "cancelled": True} if refused else None
    return _finish(s, sentence, "training_request", cands, set(), [], scope=False)


def _find_words(toks: list[str], words: tuple[str, ...]) -> list[tuple[int, int]]:
    n = len(words)
    return [(i, i + n) for i in range(len(toks) - n + 1) if tuple(toks[i : i + n]) == words]


def _compose(sentence: str) -> list[dict]:
    lex = lexicon()
    tokens = tokenize(sentence)
    if lex.anchors.isdisjoint([t for t, _, _ in tokens]):
        return []
    s = _analyse(tokens, lex)
    hits = [_displacement(s, sentence, lex), _training(s, sentence, lex)]
    return [h for h in hits if h is not None]


# ---------------------------------------------------------------------------------------------
# Regular-expression patterns for the other signals.


@dataclass(frozen=True)
class Pattern:
    signal: str
    regex: re.Pattern[str]
    confidence: float
    negatable: bool
    context: str | None
    flip_to: str | None
    # Every match contains one of these (lower-case); None when no such set could be derived.
    literals: tuple[str, ...] | None


def required_literals(pattern: str) -> tuple[str, ...] | None:
    """Strings of which every match of ``pattern`` (case-insensitive) contains at least one.

    A cheap ``in`` test on them skips a regular expression that cannot match, which is most of
    them for most sentences. Derived from the parse tree: a run of literal characters is
    required where the run is; a group or a repeat of at least one requires what its body
    requires; an alternation requires the union of its branches' sets (and nothing if one
    branch requires nothing); of several requirements in sequence the most selective is kept.
    """
    return _required(_sre_parse.parse(pattern, re.I))


def _required(sub: Iterable[tuple[object, object]]) -> tuple[str, ...] | None:
    found: list[set[str]] = []
    run = ""
    for op, av in sub:
        if op is _sre.LITERAL:
            run += chr(av).lower()  # type: ignore[arg-type]
            continue
        if run:
            found.append({run})
            run = ""
        req: tuple[str, ...] | None = None
        if op is _sre.SUBPATTERN:
            req = _required(av[-1])  # type: ignore[index]
        elif op is _sre.BRANCH:
            branches = [_required(b) for b in av[1]]  # type: ignore[index]
            if all(branches):
                req = tuple(sorted({x for b in branches for x in b or ()}))
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
            low, _, body = av  # type: ignore[misc]
            if low >= 1:
                req = _required(body)
        if req:
            found.append(set(req))
    if run:
        found.append({run})
    if not found:
        return None
    best = max(found, key=lambda c: (min(len(x) for x in c), -len(c)))
    return tuple(sorted(best))


@dataclass(frozen=True)
class Config:
    patterns: tuple[Pattern, ...]
    negation: re.Pattern[str]
    stance: re.Pattern[str]
    no_fear: re.Pattern[str]
    # Pattern positions by required literal: letter-only literals are found inside the words
    # of a sentence (cached per word), the few others by a substring test.
    by_literal: dict[str, tuple[int, ...]]
    always: tuple[int, ...]
    odd_literals: tuple[str, ...]
    word_literals: dict[str, tuple[str, ...]]

    def candidates(self, text: str) -> list[Pattern]:
        """The patterns that can match ``text``, in file order."""
        low = text.lower()
        found = set(self.always)
        for word in set(_ASCII_WORD.findall(low)):
            lits = self.word_literals.get(word)
            if lits is None:
                lits = tuple(x for x in self.by_literal if x.isalpha() and x in word)
                if len(self.word_literals) > CACHE_SIZE:
                    self.word_literals.clear()
                self.word_literals[word] = lits
            for x in lits:
                found.update(self.by_literal[x])
        for x in self.odd_literals:
            if x in low:
                found.update(self.by_literal[x])
        return [self.patterns[i] for i in sorted(found)]


def _alternation(spec: str) -> str:
    return "|".join(p.strip() for p in spec.split("|") if p.strip())


@cache
def config() -> Config:
    """Compile the patterns in ``analysis/data/signals.yaml``."""
    spec = yaml.load(DATA_FILE.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    patterns = []
    for signal, items in spec["signals"].items():
        if signal not in SIGNALS or signal in COMPOSED:
            raise ValueError(f"signals.yaml: no pattern list expected for {signal!r}")
        for item in items:
            patterns.append(
                Pattern(
                    signal=signal,
                    regex=re.compile(item["pattern"], re.I),
                    confidence=float(item["confidence"]),
                    # Mentioning AI is a fact about the text; "not worried about AI" mentions it.
                    negatable=signal != "ai_mention" and bool(item.get("negatable", True)),
                    context=item.get("context"),
                    flip_to=item.get("flip_to"),
                    literals=required_literals(item["pattern"]),
                )
            )
    by_literal: dict[str, list[int]] = {}
    for i, p in enumerate(patterns):
        for x in p.literals or ():
            by_literal.setdefault(x, []).append(i)
    cues = _alternation(spec["negation_cues"])
    stance = _alternation(spec["stance_words"])
    return Config(
        patterns=tuple(patterns),
        negation=re.compile(rf"(?:\b(?:{cues})\b|n't\b)", re.I),
        stance=re.compile(rf"\b(?:{stance})\b", re.I),
        by_literal={x: tuple(ix) for x, ix in by_literal.items()},
        always=tuple(i for i, p in enumerate(patterns) if p.literals is None),
        odd_literals=tuple(x for x in by_literal if not (x.isascii() and x.isalpha())),
        word_literals={},
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


def _pattern_hits(sentence: str, has_ai: bool, cfg: Config) -> dict[str, dict]:
    hits: dict[str, dict] = {}
    for p in cfg.candidates(sentence):
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
    return hits


def _tag_sentence(sentence: str, has_ai: bool, cfg: Config) -> list[dict]:
    """Hits in SIGNALS order, then the composed signals the scope rules cancelled."""
    hits = _pattern_hits(sentence, has_ai, cfg)
    cancelled = []
    for h in _compose(sentence):
        if h.get("cancelled"):
            cancelled.append(h)
        else:
            hits[h["signal"]] = h
    return [hits[s] for s in SIGNALS if s in hits] + cancelled


def _mentions_ai(text: str, cfg: Config) -> bool:
    for p in cfg.candidates(text):
        if p.signal != "ai_mention" or p.context:
            continue
        if p.regex.search(text):
            return True
    return False


@lru_cache(maxsize=CACHE_SIZE)
def _tag_text(text: str) -> tuple[tuple[int, str, dict], ...]:
    cfg = config()
    has_ai = _mentions_ai(text, cfg)
    out = []
    for k, sentence in enumerate(split_sentences(text)):
        for hit in _tag_sentence(sentence, has_ai, cfg):
            out.append((k, sentence, hit if hit.get("cancelled") else {**hit, "source": "rules"}))
    return tuple(out)


def _as_text(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value)


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
) -> tuple[list[list[tuple[int, str, dict]]], str, str]:
    """Model hits per distinct text (sentences the rules missed), the engine used and a note."""
    from analysis import embeddings

    none: list[list[tuple[int, str, dict]]] = [[] for _ in uniques]
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


_ORDER = {sig: j for j, sig in enumerate(SIGNALS)}


def _merge(tagged: tuple, model: list) -> tuple | list:
    """Rule and model hits of one text, in sentence order then SIGNALS order; no cancellations."""
    if not model and not any(h.get("cancelled") for _, _, h in tagged):
        return tagged
    hits = [x for x in tagged if not x[2].get("cancelled")] + model
    return sorted(hits, key=lambda x: (x[0], _ORDER[x[2]["signal"]]))


def _tag_all(uniques: Sequence[str], engine: str) -> tuple[list, str, str]:
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}.")
    tagged = [_tag_text(str(u)) for u in uniques]
    model, used, note = _model_hits([str(u) for u in uniques], tagged, engine)
    return [_merge(r, m) for r, m in zip(tagged, model, strict=True)], used, note


def tag_texts(texts: Sequence[str], *, engine: str = "auto") -> pd.DataFrame:
    """One row per text: a bool column per signal in ``SIGNALS`` and ``evidence``, a list of
    ``{"signal", "phrase", "confidence", "source", "sentence"}`` dicts (sentence = index within
    the text; source "rules" or "model"). A text has a signal when any of its sentences does.

    engine: "auto" (rules + model when the semantic engine is installed and the input is not
    too large), "hybrid" (rules + model, whatever the size) or "rules". ``attrs["engine"]`` says
    which ran ("rules+model" or "rules"), ``attrs["engine_note"]`` why the model did not.

    Each distinct text is tagged and turned into flags and evidence once; identical texts
    share their evidence dicts (read them, don't change them)."""
    values = [_as_text(t) for t in texts]
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=False)
    tagged, used, note = _tag_all(list(uniques), engine)
    found = np.zeros((len(tagged), len(SIGNALS)), dtype=bool)
    evidence_u = []
    for i, hits in enumerate(tagged):
        kinds = {h["signal"] for _, _, h in hits}
        found[i] = [sig in kinds for sig in SIGNALS]
        evidence_u.append([{**h, "sentence": k} for k, _, h in hits])
    if not values:
        df = pd.DataFrame({sig: pd.Series(dtype=bool) for sig in SIGNALS})
    else:
        df = pd.DataFrame(found[codes], columns=list(SIGNALS), dtype=bool)
    df["evidence"] = pd.Series([list(evidence_u[c]) for c in codes], dtype=object, index=df.index)
    df.attrs["engine"] = used
    df.attrs["engine_note"] = note
    return df


def tag_sentences(texts: Sequence[str], *, engine: str = "auto") -> pd.DataFrame:
    """One row per hit: text_id, sentence_id, sentence, signal, phrase, confidence, source."""
    values = [_as_text(t) for t in texts]
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=False)
    tagged, used, note = _tag_all(list(uniques), engine)
    records = []
    for i, code in enumerate(codes):
        for k, sentence, hit in tagged[code]:
            records.append({"text_id": i, "sentence_id": k, "sentence": sentence, **hit})
    columns = ["text_id", "sentence_id", "sentence", "signal", "phrase", "confidence", "source"]
    df = pd.DataFrame(records, columns=columns)
    df.attrs["engine"] = used
    df.attrs["engine_note"] = note
    return df
