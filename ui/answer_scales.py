"""Answers and scales for the guided mapping flow: a column's distinct answers, a first guess at
their order, custom scales built from them, and how much of a column a scale can read (a
scale that reads under half of the answers is *refused*). Free of Streamlit and of the draft,
so :mod:`ui.mapping_flow` builds on it and the tests call it directly."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from analysis.scales import MISSING_ANSWERS, SCALES, Scale, get_scale, normalize_answer

__all__ = [
    "CUSTOM_PREFIX",
    "MIN_MATCHED_SHARE",
    "ScaleFit",
    "answer_counts",
    "custom_scale",
    "custom_scale_name",
    "looks_like_no_answer",
    "plain_number",
    "scale_fit",
    "scale_label",
    "scale_map",
    "suggest_order",
]

#: Below this share of a column's answers on the scale, the scale is refused for it.
MIN_MATCHED_SHARE = 0.5
CUSTOM_PREFIX = "custom: "

# Answers that mean "no answer" beyond the core's list (checked as substrings, normalised).
_NOT_ANSWER_HINTS = (
    "don't know",
    "do not know",
    "not sure",
    "unsure",
    "prefer not",
    "rather not",
    "not applicable",
    "n/a",
    "no opinion",
    "can't say",
    "cannot say",
    "no answer",
)
# Words that order intensity labels from low to high when no built-in scale fits.
_INTENSITY = (
    ("not at all", 0),
    ("never", 0),
    ("none", 0),
    ("strongly disagree", 0),
    ("very unlikely", 0),
    ("no ", 0),
    ("rarely", 1),
    ("slightly", 1),
    ("a little", 1),
    ("disagree", 1),
    ("unlikely", 1),
    ("somewhat", 2),
    ("sometimes", 2),
    ("moderately", 2),
    ("neutral", 2),
    ("neither", 2),
    ("fairly", 2),
    ("often", 3),
    ("agree", 3),
    ("likely", 3),
    ("quite", 3),
    ("very", 4),
    ("strongly agree", 4),
    ("always", 4),
    ("extremely", 4),
    ("absolutely", 4),
    ("completely", 4),
    ("a lot", 4),
)


def answer_counts(values: pd.Series) -> pd.DataFrame:
    """The distinct answers of a column with their counts, most frequent first (blank cells
    left out; answers equal after normalising are one answer, shown as first written)."""
    texts = values.dropna().astype(str).str.strip()
    texts = texts[texts != ""]
    if texts.empty:
        return pd.DataFrame({"answer": pd.Series(dtype=str), "count": pd.Series(dtype=int)})
    keys = texts.map(normalize_answer)
    first = texts.groupby(keys, sort=False).first()
    counts = keys.value_counts()
    out = pd.DataFrame({"answer": first.reindex(counts.index).to_numpy(), "count": counts.values})
    return out.reset_index(drop=True)


def looks_like_no_answer(label: str) -> bool:
    key = normalize_answer(label)
    return key in MISSING_ANSWERS or any(h in key for h in _NOT_ANSWER_HINTS)


def suggest_order(labels: Sequence[str]) -> tuple[list[str], list[str]]:
    """(answers low -> high, answers that mean "no answer") as a first guess for the builder.

    A built-in scale that places every answer decides the order; otherwise intensity words
    ("not at all" < "somewhat" < "very"); ties keep the order given (most frequent first)."""
    not_answers = [lab for lab in labels if looks_like_no_answer(lab)]
    rated = [lab for lab in labels if lab not in not_answers]
    for scale in SCALES.values():
        if scale.is_numeric:
            continue
        values = [scale.value_of(lab) for lab in rated]
        if rated and all(v is not None and not math.isnan(v) for v in values):
            return [lab for _, lab in sorted(zip(values, rated, strict=True))], not_answers
    if rated and all(re.fullmatch(r"[+-]?\d+(\.\d+)?", lab.strip()) for lab in rated):
        return sorted(rated, key=lambda lab: float(lab)), not_answers

    def rank(label: str) -> float:
        key = normalize_answer(label) + " "
        hits = [(len(word), r) for word, r in _INTENSITY if word in key]
        return max(hits)[1] if hits else 2.0

    return sorted(rated, key=rank), not_answers


def custom_scale(labels: Sequence[str], not_answers: Iterable[str] = ()) -> dict[str, float | None]:
    """{label: 1..k} low -> high, plus {label: None} for answers meaning "no answer" (the
    mapping YAML's scale map; ScaleError when it cannot make a scale)."""
    nas = [str(lab) for lab in not_answers if str(lab) not in labels]
    spec: dict[str, float | None] = {str(lab): i for i, lab in enumerate(labels, 1)}
    spec.update(dict.fromkeys(nas))
    get_scale(spec)  # raises ScaleError with the reason (fewer than two labels, ...)
    return spec


def custom_scale_name(labels: Iterable[str]) -> str:
    text = " < ".join(str(lab) for lab in labels)
    return CUSTOM_PREFIX + (text if len(text) <= 70 else text[:69] + "…")


def scale_label(name: str | None) -> str:
    """How a scale is named in the editor (built-in names as they are, custom ones as built)."""
    if name is None:
        return "(no scale: left out)"
    if name in SCALES:
        scale = SCALES[name]
        return f"{name}: {scale.labels[0]} … {scale.labels[-1]}"
    return name


def scale_map(scale: Scale) -> dict[str, float | None]:
    """A scale as the mapping YAML's scale map: {label: value}, {label: None} for its own
    "no answer" labels beyond the core's list."""
    spec: dict[str, float | None] = {
        lab: plain_number(v) for lab, v in zip(scale.labels, scale.values, strict=True)
    }
    spec.update(dict.fromkeys(sorted(scale.missing - MISSING_ANSWERS)))
    return spec


@dataclass(frozen=True)
class ScaleFit:
    """How many of a column's answers a scale can read."""

    column: str
    scale: str
    n_answers: int  # non-blank answers that are not "no answer"
    n_matched: int
    unmatched: tuple[tuple[str, int], ...]  # answer, count; most frequent first

    @property
    def share(self) -> float:
        return self.n_matched / self.n_answers if self.n_answers else 1.0

    @property
    def refused(self) -> bool:
        return self.n_answers > 0 and self.share < MIN_MATCHED_SHARE

    def message(self) -> str:
        shown = ", ".join(f"“{a}” ({n})" for a, n in self.unmatched[:6])
        more = f" and {len(self.unmatched) - 6} more" if len(self.unmatched) > 6 else ""
        return (
            f"{self.column}: only {self.n_matched} of {self.n_answers} answers are on the "
            f"scale {self.scale}; not on it: {shown}{more}."
        )


def scale_fit(column: str, values: pd.Series, scale: Scale, name: str | None = None) -> ScaleFit:
    encoded = scale.encode(values)
    n_answers = int(encoded.values.notna().sum()) + encoded.n_invalid
    counts = values[encoded.invalid].astype(str).str.strip().value_counts()
    return ScaleFit(
        column=column,
        scale=name or scale.name,
        n_answers=n_answers,
        n_matched=n_answers - encoded.n_invalid,
        unmatched=tuple((str(a), int(n)) for a, n in counts.items()),
    )


def plain_number(value: float) -> int | float:
    """3.0 -> 3 (so the YAML reads as written), other numbers as floats."""
    return int(value) if float(value).is_integer() else float(value)
