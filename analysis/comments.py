"""Comments as a tidy long table: cleaned text, filler flag and language, one row per answer.

Cleaning only removes what is never content (zero-width characters, byte-order marks, control
characters, repeated whitespace) and applies Unicode NFKC, so full-width letters and ligatures
compare equal to their plain forms. Filler ("n/a", "None.", "No other comments", "Thank you!") is
kept in the table but flagged, so it can be counted and left out of sentiment averages and
themes. Note "NA" as a comment is filler, while "NA" as a team name stays a valid team: the
ingestion layer never converts it, and this module only flags comment text. A comment column
that writes every missing answer as "NA" (no empty cell at all) has those cells dropped as
empty, not counted as filler (:func:`analysis.ingest.blanks.written_blanks`).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.ingest.blanks import written_blanks

__all__ = [
    "MIN_LETTERS_FOR_LANGUAGE",
    "clean_text",
    "compact_repeats",
    "detect_language",
    "is_filler",
    "preload_language_model",
    "text_list",
    "tidy_comments",
]

DATA_DIR = Path(__file__).resolve().parent / "data"

# Language identification is unreliable on a few words ("Great team" scores as 24% English), so
# shorter comments are taken as English. Non-English needs a confident call.
MIN_LETTERS_FOR_LANGUAGE = 20
MIN_LANGUAGE_CONFIDENCE = 0.9

_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\u00ad]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_text(text: object) -> str:
    """NFKC-normalise, drop invisible and control characters, collapse whitespace.

    Missing values (None, NaN, pd.NA) become "".
    """
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return ""
    s = unicodedata.normalize("NFKC", str(text))
    s = _INVISIBLE.sub("", s)
    s = _CONTROL.sub(" ", s)
    return " ".join(s.split())


@cache
def _filler_phrases() -> frozenset[str]:
    lines = (DATA_DIR / "filler.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(ln.strip() for ln in lines if ln.strip() and not ln.startswith("#"))


_POLITE_TAIL = re.compile(
    r"\s+(?:thanks|thank you|thank u|thx|at this time|at the moment|at present|for now|"
    r"right now|so far|really|here|from me|cheers|sorry|at this moment|at this point|"
    r"as of now|currently)$"
)
_POLITE_HEAD = re.compile(
    r"^(?:um+|uh+|er+m?|hmm+|well|sorry|honestly|i have|ive|i have got|i got|there are|there is)\s+"
)


def _normalise(text: str) -> str:
    s = clean_text(text).lower().replace("’", "'")
    s = re.sub(r"[^\w\s]", "", s)  # "n/a" -> "na", "don't" -> "dont"
    return " ".join(s.replace("_", " ").split())


def is_filler(text: object) -> bool:
    """True for non-answers: empty or punctuation-only text, or a listed phrase.

    Matching ignores case, punctuation and polite heads/tails ("None at this time, thanks!").
    """
    s = _normalise(clean_text(text))
    if not s:
        return True
    phrases = _filler_phrases()
    previous = None
    while s != previous:
        if s in phrases:
            return True
        previous = s
        s = _POLITE_TAIL.sub("", s)
        s = _POLITE_HEAD.sub("", s)
    # A single character repeated ("xxxx", "....") is not an answer.
    return len(set(s.replace(" ", ""))) == 1 and len(s) >= 2


_IDENTIFIER: list = []  # the loaded language model, once
_IDENTIFIER_LOCK = threading.Lock()


def _identifier():
    with _IDENTIFIER_LOCK:
        if not _IDENTIFIER:
            import py3langid.langid as langid

            model = langid.LanguageIdentifier.from_model_file(langid.MODEL_FILE, norm_probs=True)
            _IDENTIFIER.append(model)
        return _IDENTIFIER[0]


def preload_language_model() -> None:
    """Start loading the language model in the background (most of it is LZMA decompression,
    which runs outside the GIL), so a large upload's scoring overlaps it; the first
    :func:`detect_language` waits for it."""
    if not _IDENTIFIER:
        threading.Thread(target=_identifier, name="langid-load", daemon=True).start()


def detect_language(text: str) -> str:
    """ISO 639-1 code of the comment's language; "en" for short or unclear texts.

    Uses py3langid's bundled model (no download), only when the text has at least
    ``MIN_LETTERS_FOR_LANGUAGE`` letters, and reports another language only at
    ``MIN_LANGUAGE_CONFIDENCE`` or more. Not memoised (a cache would keep comment text across
    sessions): callers classify each distinct text once, as :func:`tidy_comments` does.
    """
    if len(text) < MIN_LETTERS_FOR_LANGUAGE or sum(c.isalpha() for c in text) < (
        MIN_LETTERS_FOR_LANGUAGE
    ):
        return "en"
    lang, prob = _identifier().classify(text)
    if lang != "en" and prob >= MIN_LANGUAGE_CONFIDENCE:
        return str(lang)
    return "en"


COLUMNS = ("respondent", "column", "question", "text", "is_filler", "language", "is_english")


#: Comment-table columns that repeat a few values on every row, beside the group columns.
REPEATED = ("column", "question", "language", "label", "label_basis")


def compact_repeats(table: pd.DataFrame, columns: Sequence[str]) -> None:
    """Hold each text column of ``columns`` that repeats its values (at most one distinct per
    two rows) as a categorical of text, in place: a small code per comment instead of the
    question's text. At a million respondents the comment table took 0.83 GB, 0.53 GB with
    these as categories (issue 20). The categories are in text order, so sorting and grouping
    order as the text did. A writer outside the categories must go back to text first
    (``astype("str")``)."""
    for c in columns:
        if c in table and table[c].dtype == "str":
            held = table[c].astype("category")  # one pass over the text, not a count and then this
            if 2 * len(held.cat.categories) <= len(table):
                table[c] = held


def text_list(values: pd.Series) -> list[str]:
    """``values`` as a list of ``str`` (as ``astype(str).tolist()``) in which equal texts are
    one object. ``tolist()`` of a text column makes a new object per row: at a million
    respondents each list of the 1.5 million analysed comments took about 0.2 GB, although
    they hold 64,000 distinct texts (issue 20). For columns without missing values: one is a
    caller's mistake (``astype(str)`` would make it the text "nan")."""
    if not len(values):
        return []
    if values.hasnans:
        raise ValueError("text_list reads columns without missing values.")
    codes, uniques = pd.factorize(values, sort=False, use_na_sentinel=False)
    return np.array([str(u) for u in uniques], dtype=object)[codes].tolist()


def tidy_comments(
    responses: pd.DataFrame,
    comment_columns: Sequence[str],
    groups: pd.DataFrame | None = None,
    questions: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """One row per non-empty comment: respondent, column, question, text, is_filler, language,
    is_english, then the group columns.

    ``respondent`` is the row label in ``responses``; ``groups`` (team, role, ...) is aligned on
    that index. Empty cells are not comments and are dropped; filler and non-English comments are
    kept and flagged so they can be counted and reported, and analysis uses
    ``~is_filler & is_english``.
    """
    missing = [c for c in comment_columns if c not in responses.columns]
    if missing:
        raise ValueError(
            f"Comment column(s) {', '.join(map(repr, missing))} are not in the data; "
            "check the column mapping."
        )
    questions = dict(questions or {})
    group_cols = list(groups.columns) if groups is not None else []
    frames = []
    for col in comment_columns:
        # Answers repeat ("n/a", "More training please"): clean each distinct one once.
        values = responses[col].astype(object)
        blanks = written_blanks(values)  # a column that writes its blanks as "NA"
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        cleaned = np.array(
            [*("" if u in blanks else clean_text(u) for u in uniques), ""], dtype=object
        )[codes]
        keep = np.fromiter((len(t) > 0 for t in cleaned), dtype=bool, count=len(cleaned))
        part = pd.DataFrame(
            {
                "respondent": responses.index[keep],
                "column": col,
                "question": questions.get(col, "") or "",
                "text": cleaned[keep],
            }
        )
        frames.append(part)
    if frames:
        out = pd.concat(frames, ignore_index=True)
    else:
        out = pd.DataFrame({c: pd.Series(dtype="str") for c in ("column", "question", "text")})
        out.insert(0, "respondent", pd.Series(dtype=responses.index.dtype))
    out["column"] = out["column"].astype("str")
    out["question"] = out["question"].astype("str")
    out["text"] = out["text"].astype("str")
    # Filler and language depend on the text alone: decide each distinct text once.
    codes, uniques = pd.factorize(out["text"].astype(object))
    distinct = [str(u) for u in uniques]
    filler = np.array([is_filler(t) for t in distinct], dtype=bool)
    language = np.array([detect_language(t) for t in distinct], dtype=object)
    out["is_filler"] = filler[codes] if len(codes) else np.zeros(0, dtype=bool)
    out["language"] = pd.Series(language[codes] if len(codes) else [], index=out.index, dtype="str")
    out["is_english"] = (out["language"] == "en").astype(bool)
    if groups is not None and group_cols:
        aligned = groups.reindex(out["respondent"])
        for g in group_cols:
            out[g] = aligned[g].to_numpy()
    return out.reset_index(drop=True)[[*COLUMNS, *group_cols]]
