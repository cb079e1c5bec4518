"""The workplace and AI domain layer of comment sentiment (applied before VADER).

Kept as data in ``analysis/data``: ``workplace_lexicon.tsv`` (terms with a valence and a
rationale; multi-word terms are joined into one token) and ``sentiment_rules.yaml``
(constructions VADER misses, each rewriting its span into a token with a valence).
:func:`domain_transform` does both rewrites, so the fast scorer in :mod:`analysis.sentiment` and
the reference ``vaderSentiment`` run the same algorithm on the same input.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Rule:
    """One construction rewrite: the span matched by ``pattern`` becomes ``token``."""

    name: str
    pattern: re.Pattern[str]
    token: str
    valence: float
    rationale: str
    anchors: tuple[str, ...]


@dataclass(frozen=True)
class DomainLayer:
    """Lexicon additions (token -> valence) and the ordered rewrites that produce those tokens."""

    additions: dict[str, float]
    rules: tuple[Rule, ...]
    phrase_pattern: re.Pattern[str] | None
    phrase_tokens: dict[str, str]  # phrase without separators -> token
    phrase_anchors: tuple[str, ...]  # the longest word of each phrase (every match contains one)


def _flex(words: str) -> str:
    """Regex for a phrase whose words may be joined by spaces, hyphens or slashes."""
    parts = re.split(r"[\s\-/]+", words.strip())
    return r"[\s\-/]*".join(parts)


def _phrase_key(text: str) -> str:
    return re.sub(r"[\s\-/]+", "_", text.strip().lower())


def _compact(text: str) -> str:
    return re.sub(r"[\s\-/_]+", "", text.lower())


def _data_text(name: str) -> str:
    return (DATA_DIR / name).read_text(encoding="utf-8")


@cache
def domain_layer() -> DomainLayer:
    """Load the lexicon additions and construction rules shipped in ``analysis/data``."""
    additions: dict[str, float] = {}
    phrase_tokens: dict[str, str] = {}
    lines = [ln for ln in _data_text("workplace_lexicon.tsv").splitlines() if ln.strip()]
    rows = csv.DictReader(
        (ln for ln in lines if not ln.startswith("#")), delimiter="\t", quoting=csv.QUOTE_NONE
    )
    for row in rows:
        term = row["term"].strip().lower()
        valence = float(row["valence"])
        if not row["rationale"].strip():
            raise ValueError(f"lexicon term {term!r} has no rationale")
        if re.search(r"[\s\-/]", term):
            token = _phrase_key(term)
            phrase_tokens[_compact(term)] = token
        else:
            token = term
        additions[token] = valence

    spec = yaml.safe_load(_data_text("sentiment_rules.yaml"))
    lists = {name: "|".join(_flex(item) for item in items) for name, items in spec["lists"].items()}
    rules = []
    for r in spec["rules"]:
        pattern = re.sub(r"\{(\w+)\}", lambda m: lists[m.group(1)], r["pattern"].strip())
        token = r["token"]
        valence = float(r["valence"])
        if additions.get(token, valence) != valence:
            raise ValueError(f"rule token {token!r} has two valences")
        additions[token] = valence
        anchors = tuple(a.lower() for a in r["anchors"])
        rules.append(
            Rule(r["name"], re.compile(pattern, re.I), token, valence, r["rationale"], anchors)
        )

    phrase_pattern = None
    phrase_anchors = tuple(
        {max(re.split(r"_", token), key=len) for token in phrase_tokens.values()}
    )
    if phrase_tokens:
        ordered = sorted(set(phrase_tokens.values()), key=len, reverse=True)
        alternatives = "|".join(_flex(p.replace("_", " ")) for p in ordered)
        phrase_pattern = re.compile(rf"\b(?:{alternatives})\b", re.I)
    return DomainLayer(additions, tuple(rules), phrase_pattern, phrase_tokens, phrase_anchors)


def _token_for(match: re.Match[str], token: str) -> str:
    span = match.group(0)
    return token.upper() if span.isupper() else token


_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})


def domain_transform(text: str, *, prefilter: bool = True) -> str:
    """Rewrite workplace constructions and phrases into lexicon tokens (applied before VADER).

    Typographic apostrophes become ASCII so VADER's "n't" negation sees "don’t"; whitespace runs
    become one space (VADER splits on whitespace, so its tokens are unchanged). With
    ``prefilter`` a rule's regex runs only when one of its anchors occurs in the text; the result
    is the same, only faster.
    """
    layer = domain_layer()
    text = " ".join(text.translate(_APOSTROPHES).split())
    low = text.lower()
    for rule in layer.rules:
        if prefilter and not any(map(low.__contains__, rule.anchors)):
            continue
        text, n = rule.pattern.subn(lambda m, t=rule.token: _token_for(m, t), text)
        if n:
            low = text.lower()
    if layer.phrase_pattern is not None and (
        not prefilter or any(map(low.__contains__, layer.phrase_anchors))
    ):
        text = layer.phrase_pattern.sub(
            lambda m: _token_for(m, layer.phrase_tokens[_compact(m.group(0))]), text
        )
    return text
