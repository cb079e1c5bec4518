"""Which words of a comment carry its topic: no stop words, tone, negation or filler.

Theme vocabularies, terms and labels come only from topical words, so they never carry
sentiment: every sentiment-bearing word (VADER lexicon, |valence| >= 0.5), negation,
intensifier and generic word is kept out. A comment without a topical word (tone or filler
only: "great", "not bad") gets no theme.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
from nltk.stem.snowball import SnowballStemmer

from analysis import lexicons

__all__ = [
    "NEGATIONS",
    "SENTIMENT_STEMS",
    "SENTIMENT_WORDS",
    "STOPWORDS",
    "Memo",
    "as_texts",
    "stem",
    "tokens",
    "topical_tokens",
    "words",
]

DATA = Path(__file__).resolve().parents[1] / "data"
SENTIMENT_THRESHOLD = 0.5  # |VADER valence| at or above which a word is tone, not topic
NEGATIONS = frozenset(
    {"not", "no", "nor", "never", "none", "nobody", "nothing", "neither", "nowhere", "without"}
    | {"cannot", "lack", "lacks", "lacking"}
)
_WORD = re.compile(r"[a-z]+")
_APOSTROPHES = str.maketrans({"'": "", "’": "", "‘": ""})


def _load_stopwords() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    out: set[str] = set(ENGLISH_STOP_WORDS) | NEGATIONS
    for line in (DATA / "theme_stopwords.txt").read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            out.update(line.split())
    return frozenset(out)


def _load_sentiment_words() -> frozenset[str]:
    """Words whose VADER valence says tone; read from the lexicon file vaderSentiment ships."""
    out = set()
    for line in lexicons.read_text("vaderSentiment", "vader_lexicon.txt").splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and parts[0].isalpha() and abs(float(parts[1])) >= SENTIMENT_THRESHOLD:
            out.add(parts[0].lower())
    return frozenset(out)


STOPWORDS = _load_stopwords()
SENTIMENT_WORDS = _load_sentiment_words()
stem = SnowballStemmer("english").stem
SENTIMENT_STEMS = frozenset(stem(w) for w in SENTIMENT_WORDS)

#: word -> (stem, is_topical) or None, owned by one call: comment words never outlive it.
Memo = dict[str, tuple[str, bool] | None]


def _classify(word: str, memo: Memo) -> tuple[str, bool] | None:
    """(stem, is_topical) for a content word; None for stop words and very short tokens."""
    if word in memo:
        return memo[word]
    out = None
    if len(word) >= 3 and word not in STOPWORDS:
        s = stem(word)
        out = s, word not in SENTIMENT_WORDS and s not in SENTIMENT_STEMS
    memo[word] = out
    return out


def words(text: str) -> list[str]:
    """Lower-case letter runs of a text, apostrophes dropped ("don't" -> "dont")."""
    text = unicodedata.normalize("NFKC", text).lower().translate(_APOSTROPHES)
    return _WORD.findall(text)


def is_topical(word: str, memo: Memo) -> bool:
    """True for a word that may appear in a theme label (not stop word, tone or negation)."""
    c = _classify(word, memo)
    return c is not None and c[1]


def topical_tokens(text: str, memo: Memo | None = None) -> list[str]:
    """The stems of a text that carry topic: no stop words, no sentiment, negation or filler.
    Pass one ``memo`` dict for the texts of one call to stem each distinct word once."""
    memo = {} if memo is None else memo
    out = []
    for w in words(text):
        c = _classify(w, memo)
        if c is not None and c[1]:
            out.append(c[0])
    return out


def tokens(text: str, memo: Memo) -> tuple[list[str], list[str], list[str]]:
    """(topical stems, opinion stems, topical surface words in order) for one text."""
    topical, opinion, surface = [], [], []
    for w in words(text):
        c = _classify(w, memo)
        if c is None:
            continue
        if c[1]:
            topical.append(c[0])
            surface.append(w)
        else:
            opinion.append(c[0])
    return topical, opinion, surface


def as_texts(texts: Iterable) -> list[str]:
    """Texts as a list of str (NaN and None as ""); one str is one text."""
    if isinstance(texts, str):
        return [texts]
    return ["" if pd.isna(t) else str(t) for t in texts]
