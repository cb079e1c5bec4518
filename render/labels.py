"""Short, unique labels for survey questions: the shared question stem said once.

Survey platforms export a grid question as one column per statement, each header repeating
the question ("How much do you agree with each statement? - I understand how AI is used",
"Which tools do you use? [Email]"). Charts that print the whole header cut it to the stem, so
every row reads the same; printing the export code ("Q6_2") says nothing. This module splits
each header into its stem and its sub-text, labels each item by its sub-text, and returns the
stems so they can be shown once, as a caption.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping

__all__ = ["ItemLabels", "item_labels", "shorten_questions", "split_question", "stem_caption"]

# "Stem - Sub" (Qualtrics, Microsoft Forms), "Stem: Sub" is too common inside sentences to use.
_DASH = re.compile(r"^(?P<stem>.+?[?:.!)\]]?)\s+[-–—]\s+(?P<sub>\S.*)$", re.S)
# "Stem [Sub]" (Google Forms, LimeSurvey full text, SurveyMonkey)
_BRACKET = re.compile(r"^(?P<stem>.+?)\s*\[(?P<sub>[^\[\]]+)\]\s*$", re.S)
MAX_LABEL = 90


def split_question(text: str) -> tuple[str, str]:
    """(stem, sub-text) of one header; ("", text) when it has no grid form."""
    s = " ".join(str(text).split())
    for pattern in (_BRACKET, _DASH):
        m = pattern.match(s)
        if m and m.group("sub").strip() and m.group("stem").strip():
            return m.group("stem").strip(), m.group("sub").strip()
    return "", s


def _shorten(text: str, limit: int = MAX_LABEL) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class ItemLabels(dict[str, str]):
    """item -> short label, with ``stems``: the question stems removed (each shown once)."""

    stems: tuple[str, ...] = ()


def shorten_questions(questions: Mapping[str, str]) -> ItemLabels:
    """item -> its label: the sub-text when the item shares its stem with another item, the
    whole question otherwise, the item id when there is no question. Labels are unique: a
    repeated one gets its item id added. ``.stems`` lists the removed stems, most used first.
    """
    splits = {item: split_question(q or "") for item, q in questions.items()}
    uses = Counter(stem for stem, _ in splits.values() if stem)
    shared = {stem for stem, n in uses.items() if n >= 2}
    labels = ItemLabels()
    for item, (stem, sub) in splits.items():
        if stem in shared:
            text = sub
        else:
            text = " ".join(str(questions.get(item) or "").split())
        labels[item] = _shorten(text) if text else str(item).strip() or "(unnamed)"
    counts = Counter(labels.values())
    used: set[str] = set()
    for item, label in list(labels.items()):
        if counts[label] > 1:
            label = _shorten(f"{label} ({item})", MAX_LABEL + len(str(item)) + 3)
        while label in used:  # a label that happened to equal another's with its id added
            label = f"{label} ({item})"
        used.add(label)
        labels[item] = label
    labels.stems = tuple(stem for stem, _ in uses.most_common() if stem in shared)
    return labels


def item_labels(columns: Iterable[str], questions: Mapping[str, str]) -> dict[str, str]:
    """column -> "column: short question" for pickers (the column name stays visible, since
    that is what a saved mapping names)."""
    cols = list(columns)
    short = shorten_questions({c: questions.get(c, "") for c in cols})
    out = {}
    for col in cols:
        label = short[col]
        out[col] = col if label == col else _shorten(f"{col}: {label}", MAX_LABEL + 20)
    return out


def stem_caption(labels: ItemLabels) -> str:
    """One line naming the shared question(s), for under a chart ('' when there is none)."""
    if not labels.stems:
        return ""
    quoted = "; ".join(f"“{s}”" for s in labels.stems[:3])
    more = f" and {len(labels.stems) - 3} more" if len(labels.stems) > 3 else ""
    return f"Questions asked: {quoted}{more}. Each row shows the statement rated."
