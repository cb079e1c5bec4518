"""The header vocabulary: which words in a header suggest which role.

The phrase lists are data, in ``analysis/data/header_vocabulary.yaml``, loaded and checked
once at import; a malformed file fails with a DataFileError naming the list to fix.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from analysis.datafiles import DataFileError, read_yaml, string_list

_FILE = "analysis/data/header_vocabulary.yaml"
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def _words(text: str) -> str:
    """'JobRole' -> 'job role'; 'business_unit' -> 'business unit'; for keyword matching."""
    text = _CAMEL.sub(" ", text)
    text = re.sub(r"[^0-9A-Za-zÀ-ÿ]+", " ", text)
    return " " + " ".join(text.casefold().split()) + " "


def _has(words: str, phrases: Iterable[str]) -> str | None:
    """The first phrase (in list order) found as whole words in _words() output."""
    for p in phrases:
        if f" {p} " in words:
            return p
    return None


_LISTS = (
    "team",
    "role",
    "demographic",
    "grouping_exclude",
    "measure",
    "id",
    "platform_id",
    "identity",
    "name_not_person",
    "timestamp",
    "metadata",
    "comment",
    "rating",
    "not_rating",
    "satisfaction",
    "not_grouping",
)


def _load() -> dict[str, tuple[str, ...]]:
    """Every list of the file, in file order, each phrase in the form _words() gives."""
    doc = read_yaml("header_vocabulary.yaml")
    if not isinstance(doc, dict):
        raise DataFileError(f"{_FILE} must be a map of phrase lists.")
    unknown = sorted(map(str, set(doc) - set(_LISTS)))
    if unknown:
        raise DataFileError(f"{_FILE}: unknown list(s) {', '.join(unknown)}.")
    out = {}
    for key in _LISTS:
        phrases = string_list(doc.get(key), f"{_FILE}: {key}")
        for phrase in phrases:
            if _words(phrase).strip() != phrase:
                raise DataFileError(
                    f"{_FILE}: {key} holds {phrase!r}, which no header can match: write it "
                    f"as {_words(phrase).strip()!r} (lower case, words separated by a space)."
                )
        out[key] = phrases
    return out


_VOCABULARY = _load()
_TEAM = _VOCABULARY["team"]
_ROLE = _VOCABULARY["role"]
_DEMOGRAPHIC = _VOCABULARY["demographic"]
_GROUPING_EXCLUDE = _VOCABULARY["grouping_exclude"]
_MEASURE = _VOCABULARY["measure"]
_ID = _VOCABULARY["id"]
_PLATFORM_ID = _VOCABULARY["platform_id"]
_IDENTITY = _VOCABULARY["identity"]
_NAME_NOT_PERSON = _VOCABULARY["name_not_person"]
_TIMESTAMP = _VOCABULARY["timestamp"]
_METADATA = _VOCABULARY["metadata"]
_COMMENT = _VOCABULARY["comment"]
_RATING = _VOCABULARY["rating"]
_NOT_RATING = _VOCABULARY["not_rating"]
_SATISFACTION = _VOCABULARY["satisfaction"]
_NOT_GROUPING = _VOCABULARY["not_grouping"]
