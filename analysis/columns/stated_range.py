"""The numeric answer range a question's header states: "(1-5)", "On a scale of 1 to 5",
"(1 = Strongly disagree, 5 = Strongly agree)".

Answers alone can hide a scale's ends: a 1-5 item nobody rated 5 reads as 1-4 (a review found
it scored 51 instead of 38 beside its 1-5 battery), a "1 = very dissatisfied, 3 = very
satisfied" item read as 1-4, and a 1-5 item with 6 = "Don't know" read as 1-6 with the "don't
know" answers at the top. When the header states the range, it wins.
"""

from __future__ import annotations

import re

from analysis.scales import SCALES, Scale

__all__ = ["stated_scale", "without_stated_range"]

_RANGE = re.compile(
    r"\(\s*(\d{1,2})\s*(?:-|–|to)\s*(\d{1,2})\s*\)"  # (1-5), (1 to 10)
    r"|\bscale (?:of|from) (\d{1,2})\s*(?:-|–|to)\s*(\d{1,2})\b"  # on a scale of 1 to 5
    r"|\bfrom (\d{1,2}) to (\d{1,2})\b"  # from 1 to 10
    r"|\b(\d{1,2})\s*=\s*[^,;=()]+[,;]\s*"  # 1 = ..., [2 = ..., ...] 5 = ...
    r"(?:(?:\d{1,2}\s*=\s*)?[^,;=()]+[,;]\s*)*(\d{1,2})\s*=",
    re.I,
)

#: The numeric scale of each stated range.
_BY_RANGE = {
    (1, 3): "num3",
    (1, 4): "num4",
    (1, 5): "num5",
    (1, 6): "num6",
    (1, 7): "num7",
    (1, 10): "num10",
    (0, 4): "num5_0",
    (0, 6): "num7_0",
    (0, 10): "nps11",
}


#: A legend ("1 = ..., 5 = ...") is a rating's only when it names rating words: "Gender
#: (1 = Male; 2 = Female)" is a code list.
_RATING_WORDS = re.compile(
    r"\b(?:agree|disagree|satisfied|dissatisfied|poor|fair|good|excellent|never|always|"
    r"likely|unlikely|important|not at all|very|extremely|low|high|worst|best|bad)\b",
    re.I,
)


def stated_scale(header: str) -> Scale | None:
    """The numeric scale the header's stated range names, or None (no range, or an unusual one)."""
    for m in _RANGE.finditer(header or ""):
        if m.group(7) is not None and not _RATING_WORDS.search(m.group(0)):
            continue  # a legend of codes, not of rating points
        numbers = [int(g) for g in m.groups() if g is not None]
        name = _BY_RANGE.get((numbers[0], numbers[-1]))
        if name is not None:
            return SCALES[name]
    return None


_BRACKETED = re.compile(r"\s*[(\[]([^()\[\]]*)[)\]]")
_SCALE_PHRASE = re.compile(
    r"[,;:]?\s*(?:\b(?:on|using)\s+)?\b(?:a\s+)?scale\s+(?:of|from)\s+\d{1,2}\s*(?:-|–|to)\s*"
    r"\d{1,2}\b|\s*\bfrom\s+\d{1,2}\s+to\s+\d{1,2}\b",
    re.I,
)


def without_stated_range(header: str) -> str:
    """The header's wording without the range or legend it states ("I trust AI (1-5)" -> "I
    trust AI"), for reading what the question asks; the header itself when nothing is left."""
    text = header or ""
    text = _BRACKETED.sub(
        lambda m: (
            ""
            if _RANGE.search(f"({m.group(1)})") or re.search(r"\d\s*=", m.group(1))
            else m.group(0)
        ),
        text,
    )
    text = _SCALE_PHRASE.sub("", text)
    legend = _RANGE.search(text)
    if legend is not None and legend.group(7) is not None and _RATING_WORDS.search(legend.group(0)):
        text = text[: legend.start()]  # a trailing legend: "I trust AI: 1 = Disagree, ..."
    text = re.sub(r"\s+", " ", text).strip(" ,;:-–")
    return text or (header or "").strip()
