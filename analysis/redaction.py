"""Remove personal data from comments before they are shown or exported.

Patterns are deliberately greedy for things that identify a person (e-mails, phone numbers,
URLs, employee IDs, roster names) and deliberately blind to ordinary numbers ("2 weeks",
"5 people", "in 2024", "50%"), because an over-redacted quote is still useful and a leaked phone
number is not. Order matters: e-mails before URLs (an e-mail contains a domain), URLs before
phones and IDs (paths contain digits), roster names before detected names.

Names without a roster
----------------------
Most uploads come without a roster, so colleagues' names are also *detected*
(``detect_names=True``, the default) from two word lists in ``analysis/data``:
``first_names.txt`` (about 3,700 given names from many cultures, split into *given* and
*ambiguous*) and ``name_stopwords.txt`` (products, places, calendar words, departments,
function words and common English words that are never a person). Words are looked up with
their diacritics folded ("Łukasz" -> "Lukasz"). The rules, in order:

1. ``@handle`` mentions -> ``[NAME]``.
2. A title (Mr, Mrs, Ms, Miss, Mx, Dr, Prof, Professor, Sir, Dame) followed by capitalised
   surname-like words: "Dr. Okafor", "Mrs Jensen" -> ``[NAME]`` (title included).
3. A capitalised given name followed by one to three capitalised surname-like words on the
   same line, with particles and initials in between ("Bogdan Zielinski", "Maria de la Cruz",
   "John F. Kennedy", "Ana O'Brien-Walsh") -> one ``[NAME]``. A surname-like word is
   capitalised, not all capitals, not a function word and not a product or organisation word
   ("Claude Opus", "Priya Support" stay apart). After an *ambiguous* given name, and in Title
   Case text, it must not be a common English word or any listed non-person word either, so
   "Will Management", "May Finance" and "Grace Period" stay. A modal ("Will", "May", "Can")
   before a given name is kept: "Will Sarah agree?" -> "Will [NAME] agree?".
4. An unambiguous given name alone, capitalised, anywhere ("Priya", "ask Tomasz",
   "Sarah's team") -> ``[NAME]``. Sentence position is no evidence here: the list holds no
   English words, so "Nikhil" at the start of a sentence is still a person.
5. An ambiguous given name alone only with person evidence: a possessive ("Mark's"), a speech
   or action verb after it ("Will said", "Grace agreed"), or, mid-sentence, a person context
   before it ("ask Mark", "with Grace", "thanks Frank"). Ambiguous names that are also months,
   places or products (May, Jordan, Claude) are never redacted alone.
6. Never: a given name right after "St", "Lake", "Queen", "Project"... or right before
   "Street", "Station", "Line", "Day"... ("Victoria Station", "St Patrick's Day").

Possessives are swallowed with the name ("Sarah's team" -> "[NAME] team"), as for roster
names.

Known limits: lower-case or ALL-CAPS names ("bogdan zielinski", "SARAH") are not detected
(a roster catches them); a surname alone ("ask Kowalski") is not detected; given names missing
from the list are not detected; an ambiguous name with a common-word surname is missed
("Will Young", "Rose Green"); a given name used as a brand or place not in the stoplist is
redacted. Measured on the sample data (``tests/test_redaction.py``): every planted colleague
name is redacted and no other word is.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

__all__ = ["redact", "redact_text"]

EMAIL = "[EMAIL]"
PHONE = "[PHONE]"
URL = "[URL]"
ID = "[ID]"
NAME = "[NAME]"

_EMAIL_RE = re.compile(
    r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b", re.UNICODE
)
# Addresses written to dodge harvesters: "j.doe [at] corp [dot] com", "sarah(at)acme.com". Only
# bracketed "at" and "dot" count: a bare " at " is ordinary English ("look at the data").
_AT_WORD = r"[\[({<]\s*at\s*[\])}>]"
_AT = rf"\s*{_AT_WORD}\s*"
_DOT = r"(?:\.|\s*[\[({<]\s*dot\s*[\])}>]\s*)"  # a plain dot without spaces: "lunch. Then"
_OBFUSCATED_EMAIL_RE = re.compile(
    rf"(?<![\w.+-])[\w.+-]+{_AT}[A-Za-z0-9-]+(?:{_DOT}[A-Za-z0-9-]+)*{_DOT}[A-Za-z]{{2,}}\b", re.I
)
_AT_HINT_RE = re.compile(_AT_WORD, re.I)
_TLDS = (
    "com|org|net|edu|gov|mil|int|io|ai|co|uk|de|fr|es|it|nl|be|ch|at|se|no|dk|fi|ie|pl|pt|cz|"
    "eu|us|ca|au|nz|in|jp|cn|br|mx|za|ru|info|biz|app|dev|tech|cloud|online|site|xyz|me|ly|gl|"
    "us|tv|to"
)
# Spelled out without brackets: "tom dot okafor at corp dot com". A bare "at" is English ("we
# met at corp dot com"), so the name before it must be spelled out too ("tom dot okafor"), the
# last part must be a known top-level domain and the domain no article.
_SPELLED_EMAIL_RE = re.compile(
    rf"(?<![\w.+-])[\w+-]+(?:\s+dot\s+[\w+-]+)+\s+at\s+(?!(?:the|a|an|this|that|my|our|your)\s)"
    rf"[A-Za-z0-9-]+(?:\s+dot\s+[A-Za-z0-9-]+)*\s+dot\s+(?:{_TLDS})\b",
    re.I,
)
_SPELLED_HINT_RE = re.compile(r"\sdot\s", re.I)
_URL_RE = re.compile(
    r"(?:\b(?:https?|ftp)://[^\s<>\"']+"
    r"|\bwww\.[^\s<>\"']+"
    rf"|\b(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+(?:{_TLDS})\b(?:[/?#][^\s<>\"']*)?)",
    re.I,
)
# Phone numbers: an optional +country code or leading 0, then digit groups separated by spaces,
# dots, dashes or brackets, 7 or more digits in total (checked after matching).
_PHONE_RE = re.compile(
    r"(?<![\w.])(?:\+|00)?\(?\d{1,4}\)?(?:[\s.\-]?\(?\d{1,5}\)?){1,5}(?:\s*(?:x|ext\.?)\s*\d{1,5})?(?![\w])",
    re.I,
)
_ID_RE = re.compile(
    r"(?:\b(?:emp|employee|staff|id|badge|payroll)\s*(?:id|no|number|#)?[\s:#.\-]*\d{3,}\b"
    r"|\b[A-Z]{1,3}-?\d{4,}\b"
    r"|\b\d{6,}\b)",
    re.I,
)
# Dates and year ranges have phone-like digit groups: "12.05.2024", "2023-2024", "2024-05-12".
_DATE_RE = re.compile(
    r"^(?:\d{1,2}[./\-]\d{1,2}[./\-](?:\d{2}|\d{4})|\d{4}[./\-]\d{1,2}[./\-]\d{1,2}"
    r"|(?:19|20)\d{2}\s*[\-/]\s*(?:19|20)?\d{2})$"
)
_URL_HINT_RE = re.compile(r"://|www\.|\.[A-Za-z0-9-]{2}", re.I)
_DIGIT_RE = re.compile(r"\d")
_TRAILING_PUNCT = ".,;:!?)]}'\""


def _strip_url(match: re.Match[str]) -> str:
    # A URL at the end of a sentence keeps its full stop / bracket outside the placeholder.
    text = match.group(0)
    stripped = text.rstrip(_TRAILING_PUNCT)
    return URL + text[len(stripped) :]


def _phone(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = sum(c.isdigit() for c in text)
    stripped = text.strip()
    has_separator = bool(re.search(r"[\s.\-()]", stripped))
    international = stripped.startswith(("+", "00", "("))
    # 7+ digits with separators or an international/bracketed prefix look like phones; a bare
    # run of digits is left to the ID rule, a year or a count never gets here (too few digits).
    if _DATE_RE.match(stripped):
        return text
    if digits >= 7 and (has_separator or international) and digits <= 15:
        lead = text[: len(text) - len(text.lstrip())]
        trail = text[len(text.rstrip()) :]
        return lead + PHONE + trail
    return text


def _fold_chars(text: str) -> str:
    """``text`` with each letter's accents dropped where that leaves one letter ("é" -> "e";
    "ß" stays), so that spans found in it are spans of ``text``."""
    if text.isascii():
        return text
    memo: dict[str, str] = {}  # per call: no text's characters kept between calls
    return "".join(memo[c] if c in memo else memo.setdefault(c, _fold_char(c)) for c in text)


def _fold_char(c: str) -> str:
    folded = _fold(c)
    return folded if len(folded) == 1 else c


def _replace(text: str, matches: Iterable[re.Match[str]]) -> str:
    """``text`` with each match's span (found in a folded copy of it) replaced by NAME."""
    out, at = [], 0
    for m in matches:
        out += [text[at : m.start()], NAME]
        at = m.end()
    return "".join([*out, text[at:]])


def _name_pattern(roster: Iterable[str]) -> re.Pattern[str] | None:
    names: set[str] = set()
    for entry in roster:
        if entry is None or (not isinstance(entry, str) and pd.isna(entry)):
            continue
        # composed first: a roster typed with combining accents ("e" + U+0301) folds too
        full = _fold_chars(unicodedata.normalize("NFC", " ".join(str(entry).split())))
        if not full:
            continue
        names.add(full)
        for part in re.split(r"[\s,]+", full):
            part = part.strip(".")
            # Initials and very short parts ("Al", "J.") would redact ordinary words.
            if len(part) >= 3:
                names.add(part)
    if not names:
        return None
    alternatives = "|".join(
        r"\s+".join(map(re.escape, n.split())) for n in sorted(names, key=len, reverse=True)
    )
    return re.compile(rf"(?<![\w\-])(?:{alternatives})(?:['’]s)?(?![\w\-])", re.I)


DATA_DIR = Path(__file__).resolve().parent / "data"
FIRST_NAMES_FILE = DATA_DIR / "first_names.txt"
STOPWORDS_FILE = DATA_DIR / "name_stopwords.txt"


def _read_sections(path: Path) -> dict[str, frozenset[str]]:
    """Read ``[section]`` blocks of whitespace-separated words; ``#`` starts a comment."""
    sections: dict[str, set[str]] = {}
    current: set[str] | None = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], set())
        elif current is not None:
            current.update(line.split())
    return {k: frozenset(v) for k, v in sections.items()}


_NAMES = _read_sections(FIRST_NAMES_FILE)
_STOP = _read_sections(STOPWORDS_FILE)
# A product, place, calendar or organisation word is never a person on its own.
_NEVER = _STOP["products"] | _STOP["calendar"] | _STOP["places"] | _STOP["organisation"]
_NOT_SURNAME = _STOP["products"] | _STOP["organisation"]
_FUNCTION = frozenset(w.lower() for w in _STOP["function"])
_COMMON = frozenset(w.lower() for w in _STOP["common"]) | _FUNCTION
_NOT_BEFORE = _STOP["not_person_before"]
_NOT_AFTER = _STOP["not_person_after"]
_GIVEN = frozenset(n for n in _NAMES["given"] if n not in _NEVER)
_AMBIGUOUS = _NAMES["ambiguous"] | (_NAMES["given"] & _NEVER)
_TITLES = _STOP["titles"]
_MODALS = _STOP["modals"]
_PARTICLES = _STOP["particles"]
# Evidence that an ambiguous name is a person: a verb after it ("Mark said") or a word before
# it that takes a person ("ask Mark", "with Grace"), the latter only mid-sentence.
_PERSON_VERBS = _STOP["person_verbs"]
_PERSON_BEFORE = _STOP["person_before"]
_CAP_RUN_RE = re.compile(r"[A-Z][a-z]+")
_TRIGGERS = frozenset(
    m.group() for n in _GIVEN | _AMBIGUOUS | _TITLES if (m := _CAP_RUN_RE.match(n))
)
_TITLE_CASE_SHARE = 0.6
_WORD_RE = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
_HANDLE_RE = re.compile(r"(?<![\w@.+\-])@[A-Za-z][\w.\-]*(?<![.\-])")
_SENTENCE_END = frozenset(".!?…:;\n\r•")
_SUFFIXES = ("'s", "’s", "'ll", "’ll", "'d", "’d")
_FOLD = str.maketrans(
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ı": "i", "ß": "ss", "æ": "ae"}
)


def _fold(word: str) -> str:
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFKD", word.translate(_FOLD))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class _Word:
    """One word of a text: its span, the base form (possessive and contraction cut off)."""

    __slots__ = ("base", "cap", "end", "key", "possessive", "start")

    # ``end`` stops before a contraction ("Priya['ll]") but after a possessive ("Sarah's").

    def __init__(self, start: int, end: int, raw: str) -> None:
        self.start, self.end = start, end
        base, self.possessive = raw, False
        for suffix in _SUFFIXES:
            if raw.endswith(suffix) and len(raw) > len(suffix) + 1:
                base, self.possessive = raw[: -len(suffix)], suffix[1:] == "s"
                break
        self.base = base
        if base is not raw and not self.possessive:
            self.end = start + len(base)
        self.key = _fold(base)
        # Capitalised = an upper-case first letter and some lower case ("AI", "HR" are not).
        self.cap = base[0].isupper() and not base.isupper()


def _given_kind(key: str) -> str | None:
    """ "given" (unambiguous), "ambiguous" or None; hyphenated names go by their first part."""
    if key in _GIVEN:
        return "given"
    if key in _AMBIGUOUS:
        return "ambiguous"
    if "-" in key:
        first = key.split("-", 1)[0]
        if first in _GIVEN:
            return "given"
        if first in _AMBIGUOUS:
            return "ambiguous"
    return None


def _initial(w: _Word) -> bool:
    return len(w.base) == 1 and w.base.isupper()


def _surname_like(w: _Word, strict: bool) -> bool:
    if not w.cap or len(w.key) < 2 or w.key.lower() in _FUNCTION or w.key in _NOT_SURNAME:
        return False
    if w.key in _NOT_AFTER:
        return False
    return not strict or (w.key not in _NEVER and w.key.lower() not in _COMMON)


def _title_case(words: list[_Word]) -> bool:
    """Headline-style text ("Will The New Tool Help") carries no capitalisation evidence.

    Names themselves and placeholders are left out of the count, so a short comment full of
    names ("Li Wei and Wei, Li said") is not taken for a headline, and redacting a name never
    changes the verdict (redaction stays idempotent).
    """
    rest = [w for w in words if w.base != "NAME" and _given_kind(w.key) is None]
    if len(rest) < 4:
        return False
    return sum(w.cap for w in rest) >= _TITLE_CASE_SHARE * len(rest)


def _adjacent(text: str, a: _Word, b: _Word) -> bool:
    gap = text[a.end : b.start]
    return gap.isspace() and "\n" not in gap


def _end_of(text: str, w: _Word) -> int:
    # "James' team": a bare trailing apostrophe is a possessive too.
    if text[w.end : w.end + 1] in ("'", "’") and not text[w.end + 1 : w.end + 2].isalpha():
        return w.end + 1
    return w.end


def _joins(text: str, a: _Word, b: _Word, dotted: bool = False) -> bool:
    # Same line, only spaces between; after a title or an initial also a full stop.
    gap = text[a.end : b.start]
    if "\n" in gap:
        return False
    if gap.startswith(".") and (dotted or a.key in _TITLES or _initial(a)):
        gap = gap[1:] or " "
    return gap.isspace()


def _surnames(text: str, words: list[_Word], i: int, strict: bool) -> int:
    """Index after the surname words following word ``i`` (``i + 1`` when none)."""
    n = len(words)
    j, last, taken = i + 1, i, 0
    while (
        j < n and taken < 3 and not words[last].possessive and _joins(text, words[last], words[j])
    ):
        w = words[j]
        if _initial(w) or w.key in _TITLES:  # "John F. Kennedy", "Prof. Dr. Weber"
            if j + 1 < n and _joins(text, w, words[j + 1]) and _surname_like(words[j + 1], strict):
                last, j = j, j + 1
                continue
            break
        if w.base.lower() in _PARTICLES:  # "Maria de la Cruz"
            k = j
            while (
                k + 1 < n
                and words[k].base.lower() in _PARTICLES
                and _joins(text, words[k], words[k + 1])
            ):
                k += 1
            if _surname_like(words[k], strict) and words[k].base.lower() not in _PARTICLES:
                last, j, taken = k, k + 1, taken + 1
                continue
            break
        if not _surname_like(w, strict):
            break
        last, j, taken = j, j + 1, taken + 1
    return last + 1 if taken else i + 1


def _name_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the person names in ``text``: a title with surnames, a given name
    with its surnames, or an ambiguous given name with evidence that it is a person."""
    words = [_Word(m.start(), m.end(), m.group()) for m in _WORD_RE.finditer(text)]
    title_case = _title_case(words)
    spans: list[tuple[int, int]] = []
    n = len(words)
    i = 0
    while i < n:
        w = words[i]
        if not w.cap:
            i += 1
            continue
        prev = words[i - 1] if i else None
        sentence_start = prev is None or any(c in _SENTENCE_END for c in text[prev.end : w.start])
        if w.key in _TITLES and i + 1 < n:
            stop = _surnames(text, words, i, strict=w.key in ("Miss", "Sir", "Dame"))
            if stop > i + 1:
                spans.append((w.start, _end_of(text, words[stop - 1])))
                i = stop
                continue
        kind = _given_kind(w.key)
        if kind is None:
            i += 1
            continue
        if prev is not None and prev.key in _NOT_BEFORE and _joins(text, prev, w, dotted=True):
            i += 1
            continue
        strict = kind == "ambiguous" or title_case
        if kind == "ambiguous" and w.key in _MODALS and i + 1 < n:
            nxt = words[i + 1]
            # A modal before a given name, or before a name already redacted (idempotence).
            if (_given_kind(nxt.key) == "given" and _adjacent(text, w, nxt)) or text.startswith(
                " " + NAME, w.end
            ):
                i += 1
                continue
        stop = _surnames(text, words, i, strict)
        if stop > i + 1:
            spans.append((w.start, _end_of(text, words[stop - 1])))
            i = stop
            continue
        nxt = words[i + 1] if i + 1 < n else None
        if nxt is not None and nxt.key in _NOT_AFTER and _adjacent(text, w, nxt):
            i += 1
            continue
        if kind == "given":
            spans.append((w.start, _end_of(text, w)))
        elif w.key not in _NEVER and not title_case:
            person = w.possessive or (
                nxt is not None and nxt.base.lower() in _PERSON_VERBS and _adjacent(text, w, nxt)
            )
            if not person and not sentence_start and prev is not None:
                person = prev.base.lower() in _PERSON_BEFORE
            if person:
                spans.append((w.start, _end_of(text, w)))
        i += 1
    return spans


def _detect_names(text: str) -> str:
    if "@" in text:
        text = _HANDLE_RE.sub(NAME, text)
    # Quick pre-check (most comments hold no name): the leading capitalised run of every
    # listed name or title, looked up in C; the full word-by-word pass runs only on a hit.
    folded = text if text.isascii() else _fold(text)
    if _TRIGGERS.isdisjoint(_CAP_RUN_RE.findall(folded)):
        return text
    spans = _name_spans(text)
    if not spans:
        return text
    out, pos = [], 0
    for start, end in spans:
        out.append(text[pos:start])
        out.append(NAME)
        pos = end
    out.append(text[pos:])
    return "".join(out)


#: A word of a person's name: letters, with inner apostrophes or hyphens ("O'Brien-Walsh").
_NAME_WORD_RE = re.compile(r"[^\W\d_]+(?:['’\-](?![sS]\b)[^\W\d_]+)*")  # not "Garcia's"
_POSSESSIVE_RE = re.compile(r"['’]s\b")
#: Words of a full name matched as one: "Grace Brennan", "Maria de la Cruz".
MAX_NAME_WORDS = 4


def full_name_key(name: str) -> str:
    """How a full name is looked up: accents folded, lower case, one space between words."""
    words = _NAME_WORD_RE.findall(_fold_chars(unicodedata.normalize("NFC", str(name))))
    return " ".join(w.lower() for w in words)


def _full_names(text: str, known: frozenset[str]) -> str:
    """``text`` with every run of 2-4 words that is one of the ``known`` full names (keys of
    :func:`full_name_key`) replaced by NAME, a possessive "'s" with it. A set lookup per run
    of words, so a survey's thousands of names cost no more than a few."""
    folded = _fold_chars(text)  # the same length as text: spans carry over
    words = [(m.start(), m.end(), m.group().lower()) for m in _NAME_WORD_RE.finditer(folded)]
    spans, i = [], 0
    while i < len(words):
        hit = 0
        for n in range(min(MAX_NAME_WORDS, len(words) - i), 1, -1):
            run = words[i : i + n]
            gaps = (folded[a[1] : b[0]] for a, b in itertools.pairwise(run))
            if all(g.isspace() for g in gaps) and " ".join(w for *_, w in run) in known:
                hit = n
                break
        if hit:
            end = words[i + hit - 1][1]
            tail = _POSSESSIVE_RE.match(folded, end)
            spans.append((words[i][0], tail.end() if tail else end))
            i += hit
        else:
            i += 1
    if not spans:
        return text
    out, at = [], 0
    for a, b in spans:
        out += [text[at:a], NAME]
        at = b
    return "".join([*out, text[at:]])


def redact_text(
    text: str,
    names: re.Pattern[str] | None = None,
    *,
    detect_names: bool = True,
    full_names: frozenset[str] = frozenset(),
) -> str:
    """Redact one text; ``names`` is a compiled roster pattern, ``full_names`` the export's
    own people's full names (see :func:`redact`)."""
    # Each pattern runs only where it could match (an "@", a ".xx" or "://", a digit): the
    # same result, several times faster on the typical short comment.
    if "@" in text:
        text = _EMAIL_RE.sub(EMAIL, text)
    if _AT_HINT_RE.search(text):
        text = _OBFUSCATED_EMAIL_RE.sub(EMAIL, text)
    if _SPELLED_HINT_RE.search(text):
        text = _SPELLED_EMAIL_RE.sub(EMAIL, text)
    if _URL_HINT_RE.search(text):
        text = _URL_RE.sub(_strip_url, text)
    if _DIGIT_RE.search(text):
        text = _PHONE_RE.sub(_phone, text)
        text = _ID_RE.sub(ID, text)
    if names is not None:
        # matched on the text with accents folded, as the roster is ("jose garcia" is
        # "José García"), and replaced in the text as written (the folding keeps lengths)
        folded = _fold_chars(text)
        text = names.sub(NAME, text) if folded == text else _replace(text, names.finditer(folded))
    if full_names:
        text = _full_names(text, full_names)
    if detect_names:
        text = _detect_names(text)
    return text


def redact(
    texts: Sequence[str],
    roster: Iterable[str] = (),
    *,
    detect_names: bool = True,
    full_names: Iterable[str] = (),
) -> list[str]:
    """Replace e-mails, phone numbers, URLs, employee-ID-like tokens and people's names.

    ``roster`` holds people's names ("Sarah Connor"); each full name and each part of three or
    more letters is matched case-insensitively as a whole word, with a possessive "'s" included
    ("Sarah's" -> "[NAME]"). ``full_names`` are names matched only whole, in any case and
    accents ("grace brennan"): the export's own name columns, whose parts alone ("Will",
    "Grace") are too often words. With ``detect_names`` (the default), names are also found
    without a roster by the rules in the module docstring. Missing values come back as empty
    strings.
    """
    pattern = _name_pattern(roster)
    known = frozenset(k for k in map(full_name_key, full_names) if " " in k)
    out = []
    done: dict[str, str] = {}  # comments repeat: redact each distinct text once
    for t in texts:
        if t is None or (not isinstance(t, str) and pd.isna(t)):
            out.append("")
            continue
        text = str(t)
        red = done.get(text)
        if red is None:
            red = done[text] = redact_text(
                text, pattern, detect_names=detect_names, full_names=known
            )
        out.append(red)
    return out
