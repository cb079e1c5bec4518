"""Answer scales: turn the labels people clicked into ordered numbers, without guessing.

A scale knows its labels (low -> high), the number of each, which answers mean "no answer"
(Don't know, N/A, Prefer not to say are *missing*, never a score) and its favourable /
unfavourable boxes. Answers outside the scale are reported as invalid, never clipped.

The built-in scales and the "no answer" vocabulary are data, in ``analysis/data/scales.yaml``
(read and checked once, at import); this module holds the logic.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis.datafiles import DataFileError, read_yaml, section, string_list
from analysis.errors import ChangeRadarError

__all__ = [
    "MISSING_ANSWERS",
    "SCALES",
    "Encoded",
    "Scale",
    "ScaleError",
    "detect_scale",
    "get_scale",
    "normalize_answer",
]


class ScaleError(ChangeRadarError):
    """A scale specification the user gave cannot be used; str(e) says how to fix it."""


_QUOTES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "–": "-", "—": "-"})
_SPACES = re.compile(r"\s+")


def normalize_answer(text: object) -> str:
    """Case-, width-, quote- and whitespace-insensitive form of an answer, so 'Strongly  Agree '
    and 'strongly agree' are the same answer."""
    s = unicodedata.normalize("NFKC", str(text)).translate(_QUOTES).casefold()
    s = _SPACES.sub(" ", s).strip()
    whole = _WHOLE_WITH_COMMA.match(s)
    if whole:  # "4,0": a whole number with a decimal comma (European spreadsheets)
        return whole.group(1)
    return s.rstrip(".").strip()


_WHOLE_WITH_COMMA = re.compile(r"^([+-]?\d+),0{1,2}$")  # "4,0"; "1,000" is a thousand


_FILE = "analysis/data/scales.yaml"
_DOC = read_yaml("scales.yaml")

#: Normalised answers that mean "no answer" on any rating scale.
MISSING_ANSWERS: frozenset[str] = frozenset(
    normalize_answer(a)
    for a in string_list(
        _DOC.get("missing_answers") if isinstance(_DOC, dict) else None,
        f"{_FILE}: missing_answers",
    )
)

_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
# "5 - Strongly agree", "5 = Strongly agree", "(5) Strongly agree", "5. Strongly agree"
_PREFIXED = re.compile(r"^\(?([+-]?\d+(?:\.\d+)?)\)?\s*(?:[-=:.)]\s*|\s+)(\D.*)$")
# "Strongly agree (5)", "Strongly agree - 5", "Strongly agree = 5"
_SUFFIXED = re.compile(r"^(\D.*?)\s*(?:\(([+-]?\d+(?:\.\d+)?)\)|[-=:]\s*([+-]?\d+(?:\.\d+)?))$")


def _is_bare_number(answer: object) -> bool:
    return bool(_NUMBER.match(normalize_answer(answer)))


def _numbers_and_labels(key: str) -> Iterator[tuple[float, str]]:
    """(5, "strongly agree") from "5 - Strongly agree" and from "Strongly agree (5)", for each
    way of writing it that matches, prefix first."""
    for pattern, label_group, number_groups in ((_PREFIXED, 2, (1,)), (_SUFFIXED, 1, (2, 3))):
        m = pattern.match(key)
        if m:
            label = m.group(label_group).strip().rstrip(".").strip()
            if label.startswith("(") and label.endswith(")"):  # "1 (Strongly disagree)"
                label = label[1:-1].strip()
            yield float(next(m.group(g) for g in number_groups if m.group(g))), label


def _number_and_label(key: str) -> tuple[float, str] | None:
    """The first of :func:`_numbers_and_labels`, or None."""
    return next(_numbers_and_labels(key), None)


@dataclass(frozen=True)
class Encoded:
    """Numbers for one column, plus what could not be read."""

    values: pd.Series  # float, NaN for missing *and* invalid answers
    invalid: pd.Series  # bool, True where the answer is outside the scale
    invalid_answers: tuple[str, ...]  # distinct invalid answers, most frequent first
    n_missing: int  # blank or "no answer" (Don't know, N/A, ...)

    @property
    def n_invalid(self) -> int:
        return int(self.invalid.sum())


@dataclass(frozen=True)
class Scale:
    """An ordered answer scale; see the module docstring."""

    name: str
    labels: tuple[str, ...]
    values: tuple[float, ...]
    favorable_min: float
    unfavorable_max: float
    kind: str
    missing: frozenset[str] = MISSING_ANSWERS
    aliases: Mapping[str, float] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.labels) != len(self.values) or not self.labels:
            raise ScaleError(f"Scale {self.name!r} needs one number per label.")
        lookup: dict[str, float] = {}
        for label, value in zip(self.labels, self.values, strict=True):
            lookup[normalize_answer(label)] = float(value)
        for alias, value in self.aliases.items():
            lookup.setdefault(normalize_answer(alias), float(value))
        object.__setattr__(self, "_lookup", lookup)
        object.__setattr__(self, "_numbers", frozenset(float(v) for v in self.values))

    @property
    def min(self) -> float:
        return float(min(self.values))

    @property
    def max(self) -> float:
        return float(max(self.values))

    @property
    def is_numeric(self) -> bool:
        """True when the labels themselves are the numbers ("1".."5", "0".."10")."""
        return all(_NUMBER.match(label) for label in self.labels)

    def value_of(self, answer: object) -> float | None:
        """The number for one answer; NaN when it means "no answer"; None when outside the scale."""
        if answer is None or (isinstance(answer, float) and math.isnan(answer)):
            return math.nan
        key = normalize_answer(answer)
        if key == "":
            return math.nan
        lookup: dict[str, float] = self._lookup  # type: ignore[attr-defined]
        if key in lookup:
            return lookup[key]
        if key in self.missing:
            return math.nan
        if _NUMBER.match(key):
            number = float(key)
            return number if number in self._numbers else None  # type: ignore[attr-defined]
        for number, label in _numbers_and_labels(key):
            if label in lookup:
                return lookup[label]
            if label in self.missing:
                return math.nan
            # "10 - Extremely likely" on a 0-10 scale: the number is the answer.
            if self.is_numeric and number in self._numbers:  # type: ignore[attr-defined]
                return number
        return None

    def encode(self, s: pd.Series) -> Encoded:
        """Map answers to numbers; answers outside the scale are counted as invalid, not clipped.

        Each distinct answer is scored once (pd.factorize groups answers as pd.unique does), and
        the numbers are spread back by the codes.
        """
        texts_with_nan = isinstance(s.dtype, pd.StringDtype) and s.dtype.na_value is np.nan
        source = s if texts_with_nan else s.astype(object)
        codes, uniques = pd.factorize(source, use_na_sentinel=True)
        answers = np.asarray(uniques, dtype=object)
        scored = [self.value_of(answer) for answer in answers]
        if self._numbered_in_reverse(answers):
            # "1 = Strongly agree", 2, 3, 4, "5 = Strongly disagree": the bare numbers count
            # the same way as the labelled ends (a review found 2 read as Disagree here)
            top = self.min + self.max
            scored = [
                top - float(normalize_answer(a)) if v is not None and _is_bare_number(a) else v
                for a, v in zip(answers, scored, strict=True)
            ]
        per_code = np.array([math.nan if v is None else v for v in scored] + [math.nan])
        bad_code = np.array([v is None for v in scored] + [False])
        numbers_arr = per_code[codes]  # code -1 (no answer) reads the trailing NaN
        invalid_arr = bad_code[codes]
        if not texts_with_nan:
            # Only None and float NaN are silent gaps; other NA markers (pd.NA, NaT) are
            # answers like any other, outside the scale unless it says otherwise.
            values = source.to_numpy()
            for i in np.flatnonzero(codes < 0):
                answer = values[i]
                if answer is None or isinstance(answer, float):
                    continue
                value = self.value_of(answer)
                invalid_arr[i] = value is None
                numbers_arr[i] = math.nan if value is None else value
        numbers = pd.Series(numbers_arr, index=s.index, name=s.name)
        invalid = pd.Series(invalid_arr, index=s.index, name=s.name)
        if invalid_arr.any():
            counts = s.astype(object)[invalid].astype(str).str.strip().value_counts()
            invalid_answers = tuple(str(a) for a in counts.index)
        else:
            invalid_answers = ()
        n_missing = int((numbers.isna() & ~invalid).sum())
        return Encoded(numbers, invalid, invalid_answers, n_missing)

    def _numbered_in_reverse(self, answers: Sequence[object]) -> bool:
        """Whether the answers number the scale's labels from the other end: every numbered
        label ("1 = Strongly agree") has the number its label's mirror has, one at least
        differs from its label's own value, and some answers are bare numbers."""
        if self.is_numeric or not any(_is_bare_number(a) for a in answers):
            return False
        pairs = []
        lookup: dict[str, float] = self._lookup  # type: ignore[attr-defined]
        for answer in answers:
            found = _number_and_label(normalize_answer(answer))
            if found is not None and found[1] in lookup:
                pairs.append((found[0], lookup[found[1]]))
        top = self.min + self.max
        return any(n != v for n, v in pairs) and all(n == top - v for n, v in pairs)

    def to_0_100(self, x: Any) -> Any:
        """(x - min) / (max - min) * 100, for a number, array, Series or DataFrame."""
        lo, hi = self.min, self.max
        if isinstance(x, (list, tuple)):
            x = np.asarray(x, dtype=float)
        return (x - lo) / (hi - lo) * 100.0


def _boxes(values: Iterable[float]) -> tuple[float, float]:
    """Top-2 / bottom-2 boxes for 4+ points (4-point: top half vs bottom half, no neutral);
    top / bottom 1 for 2-3 points."""
    vs = sorted({float(v) for v in values})
    k = 2 if len(vs) >= 4 else 1
    return vs[-k], vs[k - 1]


def _scale(
    name: str,
    kind: str,
    labels: Iterable[str],
    aliases: Mapping[str, float] | None = None,
    *,
    values: Iterable[float] | None = None,
    favorable_min: float | None = None,
    unfavorable_max: float | None = None,
    missing: frozenset[str] = MISSING_ANSWERS,
) -> Scale:
    labels = tuple(labels)
    vals = tuple(float(v) for v in (values if values is not None else range(1, len(labels) + 1)))
    fav, unfav = _boxes(vals)
    return Scale(
        name=name,
        labels=labels,
        values=vals,
        favorable_min=fav if favorable_min is None else favorable_min,
        unfavorable_max=unfav if unfavorable_max is None else unfavorable_max,
        kind=kind,
        missing=missing,
        aliases=dict(aliases or {}),
    )


_SCALE_KEYS = frozenset(
    {"kind", "labels", "values", "aliases", "favorable_min", "unfavorable_max", "not_missing"}
)


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise DataFileError(f"{where} must be a number, not {value!r}.")
    return value


def _builtin_scale(name: str, spec: Any) -> Scale:
    """One scale of the data file, checked entry by entry (see the file's header)."""
    where = f"{_FILE}: scales.{name}"
    if not isinstance(spec, dict):
        raise DataFileError(f"{where} must be a map.")
    unknown = sorted(map(str, set(spec) - _SCALE_KEYS))
    if unknown:
        raise DataFileError(f"{where} has unknown key(s) {', '.join(unknown)}.")
    if not isinstance(spec.get("kind"), str):
        raise DataFileError(f"{where}.kind must be a word such as agreement.")
    labels = string_list(spec.get("labels"), f"{where}.labels")
    values = None
    if "values" in spec:
        raw = spec["values"]
        if not isinstance(raw, list) or len(raw) != len(labels):
            raise DataFileError(f"{where}.values must give one number per label.")
        values = [_number(v, f"{where}.values") for v in raw]
    aliases = spec.get("aliases") or {}
    if not isinstance(aliases, dict) or not all(isinstance(k, str) for k in aliases):
        raise DataFileError(f"{where}.aliases must map quoted answer labels to numbers.")
    missing = MISSING_ANSWERS
    if "not_missing" in spec:
        kept = string_list(spec["not_missing"], f"{where}.not_missing")
        missing = MISSING_ANSWERS - frozenset(normalize_answer(a) for a in kept)
    bounds = {
        key: _number(spec[key], f"{where}.{key}")
        for key in ("favorable_min", "unfavorable_max")
        if key in spec
    }
    return _scale(
        name,
        spec["kind"],
        labels,
        {k: _number(v, f"{where}.aliases.{k}") for k, v in aliases.items()},
        values=values,
        missing=missing,
        **bounds,
    )


def _builtin(doc: Any) -> dict[str, Scale]:
    """The built-in scales of analysis/data/scales.yaml, in file order."""
    specs = section(doc, "scales", _FILE)
    return {str(name): _builtin_scale(str(name), spec) for name, spec in specs.items()}


#: Built-in scales by name.
SCALES: dict[str, Scale] = _builtin(_DOC)

# Which labelled scale to prefer when answers fit several (a subset of agree5 also fits agree7).
_LABELLED_ORDER = string_list(_DOC.get("detection_order"), f"{_FILE}: detection_order")
if not set(_LABELLED_ORDER) <= set(SCALES):
    raise DataFileError(
        f"{_FILE}: detection_order names unknown scale(s) "
        f"{', '.join(sorted(set(_LABELLED_ORDER) - set(SCALES)))}."
    )
del _DOC


def _custom_name(labels: Iterable[str]) -> str:
    return "custom:" + " | ".join(labels)


def get_scale(spec: Any) -> Scale:
    """A scale from a name, a list of labels low -> high, or a {label: number} map.

    In a map, a label whose number is null means "no answer" (e.g. {"Don't know": null}).
    """
    if isinstance(spec, Scale):
        return spec
    if isinstance(spec, str):
        key = spec.strip()
        if key in SCALES:
            return SCALES[key]
        lowered = {k.casefold(): v for k, v in SCALES.items()}
        if key.casefold() in lowered:
            return lowered[key.casefold()]
        raise ScaleError(
            f"Unknown scale {spec!r}: use one of {', '.join(SCALES)}, "
            "or give the answer labels as a list from low to high."
        )
    if isinstance(spec, Mapping):
        if not spec:
            raise ScaleError("A scale map needs at least two {label: number} entries.")
        scored: list[tuple[str, float]] = []
        extra_missing: set[str] = set()
        for label, number in spec.items():
            if number is None:
                extra_missing.add(normalize_answer(label))
                continue
            try:
                value = float(number)
            except (TypeError, ValueError):
                raise ScaleError(
                    f"The scale map gives {label!r} the value {number!r}: use a number, "
                    "or null for an answer that means 'no answer'."
                ) from None
            if not math.isfinite(value):
                raise ScaleError(f"The scale map gives {label!r} a value that is not finite.")
            scored.append((str(label), value))
        if len({v for _, v in scored}) < 2:
            raise ScaleError("A scale map needs at least two different numbers.")
        scored.sort(key=lambda lv: lv[1])
        labels = tuple(lab for lab, _ in scored)
        return _scale(
            _custom_name(f"{lab}={v:g}" for lab, v in scored),
            "custom",
            labels,
            values=[v for _, v in scored],
            missing=MISSING_ANSWERS | frozenset(extra_missing),
        )
    if isinstance(spec, (list, tuple)):
        labels = tuple(str(x).strip() for x in spec)
        if len(labels) < 2 or any(not lab for lab in labels):
            raise ScaleError("A scale list needs at least two non-empty labels, low to high.")
        normalised = [normalize_answer(lab) for lab in labels]
        if len(set(normalised)) != len(labels):
            raise ScaleError("A scale list has the same label twice: each label must be unique.")
        return _scale(_custom_name(labels), "custom", labels)
    raise ScaleError(
        f"Cannot read a scale from {type(spec).__name__}: give a scale name, a list of labels "
        "low to high, or a {label: number} map."
    )


def _fits_a_labelled_scale(answer: str) -> bool:
    return any(SCALES[name].value_of(answer) is not None for name in (*_LABELLED_ORDER, "nps11"))


def detect_scale(values: pd.Series) -> Scale | None:
    """The built-in scale every answer fits, or None when none fits all answers.

    Numbers alone are ambiguous (1-4 could be a count), so numeric answers only map to the
    num* scales and nps11 by their range; callers decide from the header whether a numeric
    column is a rating at all.
    """
    answers: set[str] = set()
    n = 0  # answers given on a scale (not "Don't know", not empty)
    for v, count in values.dropna().astype(str).value_counts(sort=False).items():
        key = normalize_answer(v)
        if not key or key in MISSING_ANSWERS:
            continue
        n += int(count)
        if key in answers:
            continue
        if not _NUMBER.match(key) and not _fits_a_labelled_scale(key):
            # A word on no scale: no scale can fit every answer (free text stops here).
            return None
        answers.add(key)
    if not answers:
        return None
    numeric = [a for a in answers if _NUMBER.match(a)]
    if len(numeric) == len(answers):
        numbers = {float(a) for a in numeric} - _missing_codes(numeric)
        if len(numbers) < 2 or any(n != int(n) for n in numbers):
            return None
        lo, hi = min(numbers), max(numbers)
        if lo >= 1 and hi <= 4:
            return SCALES["num4"]
        if lo >= 1 and hi <= 5:
            return SCALES["num5"]
        # 1-6: a six-point rating once 30 answers never reached 7 (a 7-point item whose top
        # takes 15% of answers misses it in 30 with probability under 1%); fewer: 1-7
        if lo >= 1 and hi == 6 and n >= COMPLETE_FIT_MIN_ANSWERS:
            return SCALES["num6"]
        if lo >= 1 and hi <= 7:
            return SCALES["num7"]
        # From 0: a 5- or 7-point rating coded 0-4 or 0-6, its top answer given (three answers
        # at least: 0/1 is a flag; 0-5 would score 5 as 83); 0-10 (eNPS) only with an answer
        # above 7 (a 0-4 item read as 0-10 had every answer a detractor's)
        if lo == 0 and hi == 4:  # a top of 5 or 3 is another scale: left for a mapping
            return SCALES["num5_0"] if len(numbers) >= 3 else None
        if lo == 0 and hi == 6:
            return SCALES["num7_0"] if len(numbers) >= 3 else None
        if lo >= 0 and hi <= 10 and hi > 7:
            return SCALES["nps11"]
        return None
    fits = [
        SCALES[name]
        for name in (*_LABELLED_ORDER, "nps11")
        # Some answer is a label here (all-numeric columns returned above).
        if all(SCALES[name].value_of(a) is not None for a in answers)
    ]
    return _best_fit(fits, answers, n)


#: Numeric codes that statistics packages and survey exports give to "Don't know", "Refused"
#: or "Not applicable" (SPSS and Stata conventions): 99 beside answers 1-5 is no 99th point.
#: -1 is not one: it can be a point of a -2..2 item nobody answered -2 on.
MISSING_CODES = frozenset({-99.0, -9.0, 97.0, 98.0, 99.0, 999.0})


def _missing_codes(numeric: list[str]) -> set[float]:
    """The answers of a numeric column that are missing codes: only beside a short scale (at
    least two other answers, all within 0-10), so a count or a 0-100 slider keeps its 97-99."""
    numbers = {float(a) for a in numeric}
    codes = numbers & MISSING_CODES
    rest = numbers - codes
    if len(rest) < 2 or min(rest) < 0 or max(rest) > 10:
        return set()
    return codes


#: Answers from which a scale point nobody chose says the scale lacks it: a 5-point item whose
#: midpoint takes at least 15% of answers has none of them in 30 with probability 0.85**30 < 1%.
COMPLETE_FIT_MIN_ANSWERS = 30


def _best_fit(fits: list[Scale], answers: set[str], n: int) -> Scale | None:
    """The scale, of those every answer fits (in detection order), that reads the answers
    best: different answers on different points ("Somewhat agree" and "Agree" are one point
    of agree5 but two of agree7), then, from :data:`COMPLETE_FIT_MIN_ANSWERS` answers on, a
    scale whose every point was chosen (answers "Strongly disagree, Disagree, Agree, Strongly
    agree" are agree4's, not agree5's without its midpoint); else the first."""
    distinct = [s for s in fits if len({s.value_of(a) for a in answers}) == len(answers)]
    pool = distinct or fits
    if n >= COMPLETE_FIT_MIN_ANSWERS:
        for scale in pool:
            if len({scale.value_of(a) for a in answers}) == len(scale.values):
                return scale
    return pool[0] if pool else None
