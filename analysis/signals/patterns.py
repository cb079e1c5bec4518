"""The vocabulary in ``analysis/data/signals.yaml``, read and checked once: the signal names, the
regular-expression patterns (ai_mention, ai_distrust, ai_trust, change_fatigue) and the plain
word lists the compositional rules use.

**Patterns**: regular expressions with a confidence each, negation in a six-word window before
the match, ``flip_to`` for negated trust words ("not accurate" is distrust), and AI context for
generic words ("errors" counts only in a comment that mentions AI); the window rules are in
``scope.py``. A pattern's regular expression runs only when one of the literals every match must
contain (read from its parse tree) is in the sentence.
"""

from __future__ import annotations

import re
import re._constants as _sre
import re._parser as _sre_parse
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from analysis.datafiles import DataFileError, read_yaml, section, string_list

SIGNALS = (
    "ai_mention",
    "displacement_fear",
    "ai_distrust",
    "ai_trust",
    "training_request",
    "change_fatigue",
    "leadership_communication_request",
)
COMPOSED = ("displacement_fear", "training_request")
DATA_FILE = Path(__file__).resolve().parents[1] / "data" / "signals.yaml"
_WHERE = "analysis/data/signals.yaml"
_ASCII_WORD = re.compile(r"[a-z]+")


@cache
def spec() -> dict[str, Any]:
    """The parsed ``signals.yaml`` (read once; callers must not change it)."""
    doc = read_yaml("signals.yaml")
    if not isinstance(doc, dict):
        raise DataFileError(f"{_WHERE} must be a YAML map.")
    return doc


# ---------------------------------------------------------------------------------------------
# Plain word lists.


@dataclass(frozen=True)
class Words:
    """The ``words`` section: lower-case word lists used as they are."""

    contractions: dict[str, tuple[str, ...]]  # "dont" -> ("do", "n't")
    common: frozenset[str]  # never a phrase's anchor when the phrase has a rarer word
    imperative: frozenset[str]  # learning verbs that request when they open a clause
    object_boundary: frozenset[str]  # end an object phrase after a transitive threat
    job_nouns: frozenset[str]  # a threat to one needs no person
    participles: frozenset[str]  # threat participles that read the same as the verb


def _lower_words(value: Any, where: str) -> tuple[str, ...]:
    items = string_list(value, where)
    odd = [w for w in items if w != w.lower() or w != w.strip() or " " in w]
    if odd:
        raise DataFileError(f"{where}: {odd!r} must be single lower-case words.")
    return items


@cache
def words() -> Words:
    """The word lists of ``signals.yaml``, checked: distinct lower-case single words."""
    return parse_words(section(spec(), "words", _WHERE))


def parse_words(doc: dict[str, Any]) -> Words:
    """The ``words`` section checked; DataFileError names the entry to fix."""
    where = f"{_WHERE}: words"
    contractions = {}
    for bare, parts in section(doc, "contractions", where).items():
        tokens = _lower_words(parts, f"{where}.contractions.{bare}")
        if len(tokens) != 2:
            raise DataFileError(f"{where}.contractions.{bare} must be two tokens.")
        contractions[str(bare)] = tokens
    lists = {
        name: frozenset(_lower_words(doc.get(name), f"{where}.{name}"))
        for name in ("common", "imperative", "object_boundary", "job_nouns", "participles")
    }
    return Words(contractions=contractions, **lists)


# ---------------------------------------------------------------------------------------------
# Regular-expression patterns.


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
    # of a sentence, the few others by a substring test.
    by_literal: dict[str, tuple[int, ...]]
    always: tuple[int, ...]
    odd_literals: tuple[str, ...]

    def candidates(self, text: str, memo: dict[str, tuple[str, ...]]) -> list[Pattern]:
        """The patterns that can match ``text``, in file order.

        ``memo`` maps a word to the literals inside it; the caller owns it (one per call of
        ``tag_texts``), so the words of comments never outlive the call."""
        low = text.lower()
        found = set(self.always)
        for word in set(_ASCII_WORD.findall(low)):
            lits = memo.get(word)
            if lits is None:
                lits = tuple(x for x in self.by_literal if x.isalpha() and x in word)
                memo[word] = lits
            for x in lits:
                found.update(self.by_literal[x])
        for x in self.odd_literals:
            if x in low:
                found.update(self.by_literal[x])
        return [self.patterns[i] for i in sorted(found)]


def _alternation(spec: str) -> str:
    return "|".join(p.strip() for p in spec.split("|") if p.strip())


def _pattern(signal: str, item: dict) -> Pattern:
    return Pattern(
        signal=signal,
        regex=re.compile(item["pattern"], re.I),
        confidence=float(item["confidence"]),
        # Mentioning AI is a fact about the text; "not worried about AI" mentions it.
        negatable=signal != "ai_mention" and bool(item.get("negatable", True)),
        context=item.get("context"),
        flip_to=item.get("flip_to"),
        literals=required_literals(item["pattern"]),
    )


@cache
def config() -> Config:
    """Compile the patterns in ``analysis/data/signals.yaml``."""
    doc = spec()
    patterns = []
    for signal, items in doc["signals"].items():
        if signal not in SIGNALS or signal in COMPOSED:
            raise ValueError(f"signals.yaml: no pattern list expected for {signal!r}")
        patterns.extend(_pattern(signal, item) for item in items)
    by_literal: dict[str, list[int]] = {}
    for i, p in enumerate(patterns):
        for x in p.literals or ():
            by_literal.setdefault(x, []).append(i)
    cues = _alternation(doc["negation_cues"])
    stance = _alternation(doc["stance_words"])
    return Config(
        patterns=tuple(patterns),
        negation=re.compile(rf"(?:\b(?:{cues})\b|n't\b)", re.I),
        stance=re.compile(rf"\b(?:{stance})\b", re.I),
        by_literal={x: tuple(ix) for x, ix in by_literal.items()},
        always=tuple(i for i, p in enumerate(patterns) if p.literals is None),
        odd_literals=tuple(x for x in by_literal if not (x.isascii() and x.isalpha())),
        no_fear=re.compile(
            r"\bno\s+(?:real\s+)?(?:fear|fears|worry|worries|concerns?|plans?|intention|risk|"
            r"threat|danger|chance|question|need\s+to\s+(?:worry|fear))\b",
            re.I,
        ),
    )
