"""Word lists read from installed packages, each checked against its SHA-256 before use.

VADER's lexicons (vaderSentiment 3.3.2) score sentiment; LemmInflect's lemma table (0.2.3;
Jascob 2019, github.com/bjascob/LemmInflect, MIT licence) says which words can be nouns, so
a theme label names a thing ("graduation process"), not an act or a quality ("continue",
"reasonable"). They are data, not code: another release or an altered file would change
scores and labels without a word, so a file whose digest differs is refused with a message
saying what to reinstall. Nothing is downloaded: the files come with the packages.
"""

from __future__ import annotations

import gzip
import hashlib
from functools import cache
from importlib import resources

from analysis.errors import ChangeRadarError

__all__ = ["PACKAGED", "LexiconError", "can_be_noun", "read_bytes", "read_text"]

#: (package, file inside it) -> SHA-256 of the file as the pinned release ships it.
PACKAGED: dict[tuple[str, str], str] = {
    ("vaderSentiment", "vader_lexicon.txt"):
        "1ec9c6e9ee19aade328f8beb393a6afa71a5bb3acf7d3cc22d4ef568df374bf5",
    ("vaderSentiment", "emoji_utf8_lexicon.txt"):
        "b8d54223ae1ce22a3e12c1f745316b71678c328eb5f5d3063a842f37cfbe2823",
    ("lemminflect", "resources/lemma_lu.csv.gz"):
        "fd6f807e796da07f2a430d073cefae17004f7147abda065bb48b129dc29a850f",
    ("lemminflect", "resources/lemma_overrides.csv"):
        "f9968d1cc7689350d738c85ee59490cc23efe8cf4ad5a7d5092f070b5fc46c9f",
}  # fmt: skip
_PINS = {"vaderSentiment": "vaderSentiment==3.3.2", "lemminflect": "lemminflect==0.2.3"}


class LexiconError(ChangeRadarError):
    """A packaged word list is missing or not the pinned release's: an installation fault."""


def read_bytes(package: str, name: str) -> bytes:
    """The file's bytes, once their SHA-256 matched ``PACKAGED``: the bytes checked are the
    bytes used (callers parse these, never the file again)."""
    expected = PACKAGED[(package, name)]
    fix = f"Reinstall it with `pip install --force-reinstall {_PINS[package]}`."
    try:
        data = resources.files(package).joinpath(name).read_bytes()
    except (ModuleNotFoundError, OSError):
        raise LexiconError(
            f"The word list {name} of the package {package} is missing. {fix}"
        ) from None
    if hashlib.sha256(data).hexdigest() != expected:
        raise LexiconError(
            f"The word list {name} of the package {package} is not the one ChangeRadar was "
            f"built with (its checksum differs). {fix}"
        )
    return data


def read_text(package: str, name: str) -> str:
    """The checked file as UTF-8 text."""
    return read_bytes(package, name).decode("utf-8")


@cache
def _lemma_table() -> tuple[frozenset[str], frozenset[str]]:
    """(every word form in LemmInflect's table, those it lists as a noun or proper noun).

    Lines are ``word,category,forms`` (the table) and ``word,UPOS,lemma`` (the overrides),
    parsed with LemmInflect's own line codec from the checked bytes.
    """
    table = read_bytes("lemminflect", "resources/lemma_lu.csv.gz")
    overrides = read_text("lemminflect", "resources/lemma_overrides.csv")
    try:
        from lemminflect.codecs.LemmaLUCodec import LemmaLUCodec
        from lemminflect.core.LexicalUtils import categoryToUPos
    except ImportError:
        fix = f"Reinstall it with `pip install --force-reinstall {_PINS['lemminflect']}`."
        raise LexiconError(f"The package lemminflect cannot be imported. {fix}") from None
    pos: dict[str, set[str]] = {}
    for line in gzip.decompress(table).decode("utf-8").splitlines():
        word, category, _ = LemmaLUCodec.fromString(line)
        pos.setdefault(word.lower(), set()).add(categoryToUPos(category))
    for line in overrides.splitlines():
        if line.strip() and not line.startswith("#"):
            word, upos, _ = LemmaLUCodec.fromString(line)
            pos.setdefault(word.lower(), set()).add(upos)
    nouns = {"NOUN", "PROPN"}
    return frozenset(pos), frozenset(w for w, p in pos.items() if p & nouns)


def can_be_noun(word: str) -> bool:
    """True when the word can be a noun, or is not in the lexicon at all.

    Unknown words are mostly names and terms of the trade ("kubecon", "copilot", "cncf"), which
    name things, so they count as nouns; "continue", "reasonable", "manually" do not.
    """
    known, nouns = _lemma_table()
    w = word.lower()
    return w in nouns or w not in known
