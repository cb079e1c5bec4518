"""Sentences and tokens for the signal rules.

Sentences come from ``analysis.sentiment.split_sentences`` (the same split the sentiment scores
use, so a sentence index means the same in both tables). Tokens are lower case with their
character span, for the compositional rules: hyphens split words ("lay-offs" = "lay offs"),
clitics split off ("we're" = "we 're", "don't" = "do n't"), curly apostrophes and the common
missing ones ("dont", "im": ``words.contractions`` in signals.yaml) are normalised.
"""

from __future__ import annotations

import re

from analysis.sentiment import split_sentences
from analysis.signals.patterns import words

__all__ = ["PUNCT", "split_sentences", "tokenize"]

_TOKEN = re.compile(r"[A-Za-z0-9]+(?:['\u2019][A-Za-z]+)*|[,;:()!?\u2013\u2014]|(?<=\s)-(?=\s)")
#: Tokens that end a clause for the rules (and never belong to a phrase).
PUNCT = frozenset(",;:()!?\u2013\u2014-")
_CLITICS = ("'s", "'re", "'ll", "'ve", "'d", "'m")
_NT_BASE = {"ca": "can", "wo": "will", "sha": "shall", "ai": "is"}
# Contractions typed without the apostrophe; read at import, so a bad data file fails early.
_BARE = words().contractions


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
