"""Remove personal data from comments before they are shown or exported.

Patterns are deliberately greedy for things that identify a person (e-mails, phone numbers,
URLs, employee IDs, roster names) and deliberately blind to ordinary numbers ("2 weeks",
"5 people", "in 2024", "50%"), because an over-redacted quote is still useful and a leaked phone
number is not. Order matters: e-mails before URLs (an e-mail contains a domain), URLs before
phones and IDs (paths contain digits).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

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
_TLDS = (
    "com|org|net|edu|gov|mil|int|io|ai|co|uk|de|fr|es|it|nl|be|ch|at|se|no|dk|fi|ie|pl|pt|cz|"
    "eu|us|ca|au|nz|in|jp|cn|br|mx|za|ru|info|biz|app|dev|tech|cloud|online|site|xyz|me|ly|gl|"
    "us|tv|to"
)
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


def _name_pattern(roster: Iterable[str]) -> re.Pattern[str] | None:
    names: set[str] = set()
    for entry in roster:
        if entry is None or (not isinstance(entry, str) and pd.isna(entry)):
            continue
        full = " ".join(str(entry).split())
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


def redact_text(text: str, names: re.Pattern[str] | None = None) -> str:
    """Redact one text; ``names`` is a compiled roster pattern (see :func:`redact`)."""
    text = _EMAIL_RE.sub(EMAIL, text)
    text = _URL_RE.sub(_strip_url, text)
    text = _PHONE_RE.sub(_phone, text)
    text = _ID_RE.sub(ID, text)
    if names is not None:
        text = names.sub(NAME, text)
    return text


def redact(texts: Sequence[str], roster: Iterable[str] = ()) -> list[str]:
    """Replace e-mails, phone numbers, URLs, employee-ID-like tokens and roster names.

    ``roster`` holds people's names ("Sarah Connor"); each full name and each part of three or
    more letters is matched case-insensitively as a whole word, with a possessive "'s" included
    ("Sarah's" -> "[NAME]"). Missing values come back as empty strings.
    """
    pattern = _name_pattern(roster)
    out = []
    for t in texts:
        if t is None or (not isinstance(t, str) and pd.isna(t)):
            out.append("")
        else:
            out.append(redact_text(str(t), pattern))
    return out
