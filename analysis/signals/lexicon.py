"""The compositional vocabularies (the ``concepts`` section of ``analysis/data/signals.yaml``),
compiled for matching on tokens.

Entries are phrases of lower-case words: ``+word`` also matches the regular inflections
(replace -> replaces, replaced, replacing; cut -> cutting) plus the irregular forms listed under
``irregular``; ``a/b`` is either word at a position; ``...`` skips up to four other words. All
concepts are matched in one pass over a word trie, and a sentence is analysed only when it holds
an anchor word (per phrase, its least common slot, so the skip is exact).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from analysis.signals.patterns import COMPOSED, spec, words
from analysis.signals.tokens import PUNCT

__all__ = ["Concept", "Lexicon", "inflect", "lexicon"]

Slots = tuple[frozenset[str] | None, ...]
_GAP = None  # a slot that skips up to four words
_GAP_MAX = 6
#: Scope concepts both composed signals use (negation, hypotheticals, ...).
SHARED = (
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
)
# The concepts whose phrases can start a composed signal: their anchors gate the analysis.
_ANCHORED = {
    "displacement_fear": (
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
    ),
    "training_request": ("learning", "learning_near", "standalone"),
}


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


def _compile_phrase(phrase: str, irregular: dict[str, list[str]]) -> Slots:
    """'+take over' -> ({take, takes, took, ...}, {over}); 'a/b' alternatives; '...' a gap."""
    slots: list[frozenset[str] | None] = []
    for raw in phrase.lower().replace("-", " ").split():
        if raw == "...":
            slots.append(_GAP)
            continue
        forms: set[str] = set()
        for alt in raw.split("/"):
            if alt.startswith("+"):
                forms |= inflect(alt[1:], irregular)
            else:
                forms.add(alt)
        slots.append(frozenset(forms))
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
        common = words().common
        out: set[str] = set()
        for phrases in self.index.values():
            for slots in phrases:
                present = [w for w in slots if w is not None]
                rare = [w for w in present if common.isdisjoint(w)]
                if rare:
                    out |= max(rare, key=lambda w: (min(map(len, w)), -len(w)))
                else:
                    out |= present[0]
        return out


def _match(toks: Sequence[str], j: int, slots: Slots, k: int) -> int:
    while k < len(slots):
        slot = slots[k]
        if slot is _GAP:
            for g in range(j, min(j + _GAP_MAX, len(toks)) + 1):
                if g > j and toks[g - 1] in PUNCT:
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


def _concepts(doc: dict, irregular: dict[str, list[str]]) -> dict[str, Concept]:
    """Shared scope concepts by name, then each composed signal's as ``signal.name``."""
    concepts = {name: Concept.build(doc[name], irregular) for name in SHARED}
    for signal in COMPOSED:
        for name, phrases in doc[signal].items():
            concepts[f"{signal}.{name}"] = Concept.build(phrases, irregular)
    return concepts


def _participles(doc: dict, irregular: dict[str, list[str]]) -> frozenset[str]:
    """Past participles of the transitive threats, for passives ("we will be replaced")."""
    out: set[str] = set()
    df = doc["displacement_fear"]
    for phrase in list(df["threat_object"]) + list(df["threat_job"]):
        head = str(phrase).split()[0]
        if head.startswith("+"):
            word = head[1:]
            out |= {f for f in inflect(word, irregular) if f.endswith(("ed", "en", "wn"))}
            out |= {f for f in irregular.get(word, []) if not f.endswith(("s", "ing"))}
    return frozenset(out | words().participles)


def _trie(concepts: dict[str, Concept]) -> tuple[dict, dict[str, tuple[tuple[str, Slots], ...]]]:
    """Gap-free phrases in one word trie; phrases with a gap by their first word."""
    trie: dict = {}
    gapped: dict[str, list[tuple[str, Slots]]] = {}
    for name, concept in concepts.items():
        for word, phrases in concept.index.items():
            for slots in phrases:
                if _GAP in slots:
                    gapped.setdefault(word, []).append((name, slots))
                else:
                    _insert(trie, (frozenset([word]), *slots[1:]), name)
    return trie, {k: tuple(v) for k, v in gapped.items()}


@cache
def lexicon() -> Lexicon:
    """Compile the ``concepts`` section of ``analysis/data/signals.yaml``."""
    doc = spec()["concepts"]
    irregular = {k: [str(x) for x in v] for k, v in doc["irregular"].items()}
    concepts = _concepts(doc, irregular)
    anchors: set[str] = set()
    for signal, names in _ANCHORED.items():
        for name in names:
            anchors |= concepts[f"{signal}.{name}"].anchors()
    trie, gapped = _trie(concepts)
    return Lexicon(
        c=concepts,
        trie=trie,
        gapped=gapped,
        participles=_participles(doc, irregular),
        boundary=words().object_boundary,
        anchors=frozenset(anchors),
        possessive=frozenset(doc["displacement_fear"]["possessive"]),
        job_nouns=words().job_nouns,
    )
