"""Which column is what: infer each column's role from its header *and* its answers.

The result is a ColumnMap the user reviews and overrides with a mapping YAML. Every decision
carries a short reason ("header mentions 'department'; 3 distinct values") so a wrong guess is
easy to spot. Identity columns (names, e-mails, IPs, locations, platform IDs) are recognised
so they are dropped from analysis by default.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from itertools import compress
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import yaml

from analysis.ingest import IngestError, SourceColumn, SurveyExport
from analysis.ingest.table import _WHITESPACE
from analysis.scales import (
    MISSING_ANSWERS,
    SCALES,
    Scale,
    ScaleError,
    detect_scale,
    get_scale,
    normalize_answer,
)

__all__ = [
    "ROLES",
    "ColumnMap",
    "ColumnSpec",
    "MappingError",
    "NoAnswersError",
    "apply_mapping",
    "infer_columns",
]

ROLES = (
    "respondent_id",
    "team",
    "role",
    "demographic",
    "item",
    "comment",
    "timestamp",
    "identity",
    "metadata",
    "ignored",
)


class MappingError(ValueError):
    """A mapping YAML that cannot be applied; str(e) lists every problem and how to fix it."""


class NoAnswersError(IngestError):
    """The table has no column that looks like survey answers."""


@dataclass
class ColumnSpec:
    name: str
    role: str
    scale: str | None = None
    construct: str | None = None
    reverse: bool = False
    question: str = ""
    export_tag: str = ""
    reason: str = ""


@dataclass
class ColumnMap:
    columns: list[ColumnSpec]
    scales: dict[str, Scale] = field(default_factory=dict)  # custom scales by name
    warnings: list[str] = field(default_factory=list)

    def _names(self, role: str) -> list[str]:
        return [c.name for c in self.columns if c.role == role]

    def spec(self, column: str) -> ColumnSpec:
        for c in self.columns:
            if c.name == column:
                return c
        raise KeyError(column)

    @property
    def team(self) -> str | None:
        return next(iter(self._names("team")), None)

    @property
    def role(self) -> str | None:
        return next(iter(self._names("role")), None)

    @property
    def respondent_id(self) -> str | None:
        return next(iter(self._names("respondent_id")), None)

    @property
    def demographics(self) -> list[str]:
        return self._names("demographic")

    @property
    def comments(self) -> list[str]:
        return self._names("comment")

    @property
    def items(self) -> list[str]:
        return self._names("item")

    @property
    def identity(self) -> list[str]:
        return self._names("identity")

    @property
    def timestamps(self) -> list[str]:
        return self._names("timestamp")

    @property
    def metadata(self) -> list[str]:
        return self._names("metadata")

    @property
    def ignored(self) -> list[str]:
        return self._names("ignored")

    def scale_for(self, column: str) -> Scale:
        """The scale of an item column; MappingError when it has none yet."""
        spec = self.spec(column)
        if spec.scale is None:
            raise MappingError(
                f"Column {column!r} has no answer scale: give it one in the mapping YAML "
                f"(items: {{{column!r}: {{scale: agree5}}}}) or ignore it."
            )
        if spec.scale in self.scales:
            return self.scales[spec.scale]
        return get_scale(spec.scale)

    def require_answers(self) -> None:
        """Raise NoAnswersError when nothing looks like rated questions or comments."""
        if not self.items and not self.comments:
            raise NoAnswersError(
                "No column looks like survey answers (rated questions or comments): check you "
                "uploaded the responses sheet, or map the question columns in a mapping YAML."
            )

    def to_yaml(self) -> str:
        """The mapping YAML (format in README): every column's role, items with their scale."""
        doc: dict[str, Any] = {}
        doc["team"] = self.team
        doc["role"] = self.role
        doc["respondent_id"] = self.respondent_id
        doc["demographics"] = self.demographics
        doc["comments"] = self.comments
        doc["identity"] = self.identity
        doc["timestamps"] = self.timestamps
        doc["metadata"] = self.metadata
        doc["ignore"] = self.ignored
        items: dict[str, Any] = {}
        for spec in self.columns:
            if spec.role != "item":
                continue
            scale: Any = spec.scale
            if scale is not None and scale in self.scales:
                custom = self.scales[scale]
                scale = dict(zip(custom.labels, _plain_numbers(custom.values), strict=True))
            items[spec.name] = {
                "construct": spec.construct,
                "scale": scale,
                "reverse": bool(spec.reverse),
            }
        doc["items"] = items
        return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)

    @classmethod
    def from_yaml(cls, text: str, export: SurveyExport | None = None) -> ColumnMap:
        """A column map from a saved mapping YAML; with an export, columns are checked against
        it and columns the YAML does not mention are 'ignored'."""
        if export is not None:
            base = ColumnMap(
                [
                    ColumnSpec(
                        c.name,
                        "ignored",
                        question=c.question,
                        export_tag=c.export_tag,
                        reason="not in the mapping",
                    )
                    for c in export.columns
                ]
            )
            return apply_mapping(base, text)
        doc = _load_mapping(text)
        names: list[str] = []
        for key in _ROLE_KEYS:
            value = doc.get(key)
            if isinstance(value, str):
                names.append(value)
            elif isinstance(value, list):
                names.extend(str(v) for v in value)
        names.extend(str(k) for k in (doc.get("items") or {}))
        base = ColumnMap(
            [
                ColumnSpec(n, "ignored", export_tag=n, reason="not in the mapping")
                for n in dict.fromkeys(names)
            ]
        )
        return apply_mapping(base, text)


def _plain_numbers(values: Iterable[float]) -> list[int | float]:
    return [int(v) if float(v).is_integer() else float(v) for v in values]


# --------------------------------------------------------------------------------------------
# header vocabulary

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def _words(text: str) -> str:
    """'JobRole' -> 'job role'; 'business_unit' -> 'business unit'; for keyword matching."""
    text = _CAMEL.sub(" ", text)
    text = re.sub(r"[^0-9A-Za-zÀ-ÿ]+", " ", text)
    return " " + " ".join(text.casefold().split()) + " "


def _has(words: str, phrases: Iterable[str]) -> str | None:
    for p in phrases:
        if f" {p} " in words:
            return p
    return None


_TEAM = (
    "team",
    "department",
    "dept",
    "division",
    "business unit",
    "bu",
    "org unit",
    "organisation unit",
    "organization unit",
    "organisational unit",
    "organizational unit",
    "function",
    "directorate",
    "cost centre",
    "cost center",
    "unit",
    "group",
    "squad",
    "tribe",
)
_ROLE = (
    "job role",
    "role",
    "job title",
    "title",
    "position",
    "job family",
    "job function",
    "occupation",
    "job level",
    "level",
    "grade",
    "band",
    "seniority",
)
_DEMOGRAPHIC = (
    "tenure",
    "length of service",
    "years of service",
    "service",
    "years at company",
    "years in company",
    "time at company",
    "time in role",
    "time with",
    "location",
    "site",
    "office",
    "region",
    "country",
    "city",
    "state",
    "area",
    "age",
    "age band",
    "age group",
    "age range",
    "generation",
    "gender",
    "sex",
    "ethnicity",
    "ethnic",
    "race",
    "nationality",
    "disability",
    "marital",
    "marital status",
    "contract",
    "contract type",
    "employment type",
    "employment status",
    "full time",
    "part time",
    "work pattern",
    "working pattern",
    "shift",
    "remote",
    "hybrid",
    "work location",
    "work arrangement",
    "working arrangement",
    "education",
    "education field",
    "education level",
    "degree",
    "qualification",
    "people manager",
    "manager status",
    "line manager",
    "is manager",
    "business travel",
    "over time",
    "overtime",
    "stock option level",
    "performance rating",
    "attrition",
    "how long",
    "how old",
    "worked here",
    "working here",
    "based",
    "where are you",
    "where do you work",
    "identify as",
)
_GROUPING_EXCLUDE = ("age group",)
_ID = (
    "id",
    "employee id",
    "employee number",
    "employee no",
    "employee num",
    "staff id",
    "staff number",
    "person id",
    "emp id",
    "emp no",
    "respondent",
    "response number",
    "record id",
    "participant id",
    "case id",
    "row id",
    "uuid",
)
# Platform IDs that trace back to a person on the platform: identity, not a row key.
_PLATFORM_ID = (
    "response id",
    "respondent id",
    "record id",
    "recipient id",
    "contact id",
    "external reference",
    "external data reference",
    "panel id",
    "token",
)
_IDENTITY = (
    "email",
    "e mail",
    "email address",
    "mail",
    "name",
    "first name",
    "last name",
    "full name",
    "surname",
    "forename",
    "given name",
    "family name",
    "recipient last name",
    "recipient first name",
    "recipient email",
    "ip",
    "ip address",
    "ipaddress",
    "ipaddr",
    "latitude",
    "longitude",
    "location latitude",
    "location longitude",
    "lat",
    "lon",
    "lng",
    "phone",
    "telephone",
    "mobile",
    "address",
    "postcode",
    "post code",
    "zip code",
    "zip",
    "national insurance",
    "ssn",
    "social security",
    "date of birth",
    "dob",
    "birth date",
    "birthday",
    "linkedin",
    "signature",
)
_NAME_NOT_PERSON = (
    "team",
    "department",
    "company",
    "organisation",
    "organization",
    "unit",
    "division",
    "site",
    "location",
    "product",
    "project",
    "tool",
    "course",
    "file",
    "survey",
)
_TIMESTAMP = (
    "timestamp",
    "date",
    "time",
    "start date",
    "end date",
    "start time",
    "end time",
    "completion time",
    "submit date",
    "submitdate",
    "submitted",
    "date submitted",
    "recorded date",
    "datestamp",
    "startdate",
    "enddate",
    "last modified time",
    "date last action",
    "date started",
    "created",
    "modified",
)
_METADATA = (
    "status",
    "progress",
    "duration",
    "duration in seconds",
    "finished",
    "complete",
    "completed",
    "user language",
    "start language",
    "startlanguage",
    "language",
    "collector id",
    "collector",
    "last page",
    "lastpage",
    "seed",
    "distribution channel",
    "response set",
    "location accuracy",
    "custom data",
    "custom data 1",
    "ref url",
    "refurl",
    "interviewtime",
    "interview time",
    "user agent",
    "browser",
    "device",
    "operating system",
    "source",
    "channel",
    "q url",
    "survey id",
    "employee count",
    "standard hours",
    "over18",
    "over 18",
)
_COMMENT = (
    "comment",
    "comments",
    "feedback",
    "suggestion",
    "suggestions",
    "please specify",
    "please explain",
    "explain",
    "why",
    "other",
    "anything else",
    "describe",
    "tell us",
    "thoughts",
    "concerns",
    "open ended",
    "free text",
    "verbatim",
    "remarks",
)
# Numeric 1-4/1-5/1-7/0-10 columns are ratings only when the header says so (or is a question).
_RATING = (
    "satisfaction",
    "satisfied",
    "involvement",
    "engagement",
    "balance",
    "agree",
    "agreement",
    "trust",
    "confidence",
    "confident",
    "likely",
    "likelihood",
    "recommend",
    "nps",
    "enps",
    "rating",
    "rate",
    "score",
    "feel",
    "feeling",
    "opinion",
    "support",
    "clarity",
    "ready",
    "readiness",
    "worried",
    "concern",
    "fear",
    "comfortable",
    "motivation",
    "wellbeing",
    "well being",
    "morale",
    "importance",
    "important",
    "effective",
    "effectiveness",
)
_NOT_RATING = (
    "level",
    "grade",
    "education",
    "count",
    "number",
    "num",
    "years",
    "year",
    "age",
    "hours",
    "income",
    "salary",
    "pay",
    "percent",
    "distance",
    "stock",
    "times",
    "performance",
    "rate",
    "daily rate",
    "hourly rate",
    "monthly rate",
)

# A run of characters str.split() does not split on (RE2 syntax, for arrow).
_WORD = "[^" + "".join(f"\\x{{{ord(c):04x}}}" for c in _WHITESPACE) + "]+"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_IPV4 = re.compile(r"^(?:\d{1,3}\.){3}\d{1,3}$")
_IPV6 = re.compile(r"^[0-9A-Fa-f:]{6,}$")
_URL = re.compile(r"^(?:https?://|www\.|@\w)|\.(?:com|org|net|io)(?:/|$)", re.I)
_PHONE = re.compile(r"^\+?[\d\s().-]{9,}$")
_DATE = re.compile(
    r"^(?:\d{4}-\d{1,2}-\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
    r"|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}(?:,?\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AP]M)?)?"
    r"|\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AP]M)?)$",
    re.I,
)
_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")
_DURATION = re.compile(r".*\b(?:years?|yrs?|months?)\b", re.I)
_LEADING_ZERO = re.compile(r"^0\d")
_JOINED = re.compile(r".*, ")
_CODE = re.compile(r"^[A-Z]{1,3}\d{1,3}$")
_QTAG = re.compile(r"^(?:Q|QID)\d+(?:[_.]\d+)*(?:_TEXT|_\d+)?$", re.I)


# --------------------------------------------------------------------------------------------
# inference


@dataclass
class _Profile:
    n: int
    distinct: int
    unique_share: float
    mean_len: float
    mean_words: float
    numeric_share: float
    counts: dict[str, int]  # answer -> how many gave it

    def share(self, pattern: re.Pattern[str]) -> float:
        """Share of answers (not of distinct answers) matching a pattern."""
        if self.n == 0:
            return 0.0
        return sum(compress(self.counts.values(), map(pattern.match, self.counts))) / self.n


def _profile(series: pd.Series) -> _Profile:
    counted = series.dropna().astype(str).value_counts(sort=False)
    counts = {
        str(value): int(count)
        for value, count in zip(counted.index.tolist(), counted.to_numpy().tolist(), strict=True)
        if value
    }
    n = sum(counts.values())
    if n:
        # Exact integer totals over the distinct answers, vectorised: utf8_length counts code
        # points like len(), and _WORD's matches are the words str.split() returns.
        keys = pa.array(list(counts), type=pa.large_string())
        weights = np.fromiter(counts.values(), dtype=np.int64, count=len(counts))
        lengths = pc.utf8_length(keys).to_numpy()
        words = np.maximum(pc.count_substring_regex(keys, _WORD).to_numpy(), 1)
        mean_len = int((lengths * weights).sum()) / n
        mean_words = int((words * weights).sum()) / n
        numeric = sum(compress(counts.values(), map(_NUMBER.match, counts))) / n
    else:
        numeric, mean_len, mean_words = 0.0, 0.0, 0.0
    return _Profile(
        n=n,
        distinct=len(counts),
        unique_share=len(counts) / n if n else 0.0,
        mean_len=mean_len,
        mean_words=mean_words,
        numeric_share=numeric,
        counts=counts,
    )


def _looks_like_question(col: SourceColumn) -> bool:
    text = col.question or col.name
    return (
        text.rstrip().endswith("?")
        or len(text.split()) >= 5
        or bool(_QTAG.match(col.export_tag))
        or (bool(col.question) and col.question != col.name)
    )


def _distinct_note(p: _Profile) -> str:
    return f"{p.distinct} distinct value{'s' if p.distinct != 1 else ''}"


def _infer_one(col: SourceColumn, series: pd.Series, fmt: str) -> ColumnSpec:
    p = _profile(series)
    words = _words(col.name)
    tag_words = _words(col.export_tag)
    spec = ColumnSpec(col.name, "ignored", question=col.question, export_tag=col.export_tag)

    def done(role: str, reason: str, scale: str | None = None) -> ColumnSpec:
        spec.role, spec.reason, spec.scale = role, reason, scale
        return spec

    if p.n == 0:
        return done("ignored", "no answers")

    # 1. Identity: by what the header says, then by what the answers look like.
    short_header = len(col.name.split()) <= 6
    hit = _has(words, _PLATFORM_ID) or _has(tag_words, _PLATFORM_ID)
    if fmt == "generic" and hit in {"respondent id", "response id", "record id"}:
        hit = None  # in a generic table this is an anonymous row key, checked below
    if hit and short_header:
        return done("identity", f"header mentions '{hit}' (a platform ID that traces a person)")
    if p.share(_EMAIL) >= 0.6:
        return done("identity", "answers are e-mail addresses")
    if p.share(_IPV4) >= 0.8 and p.numeric_share < 0.5:
        return done("identity", "answers are IP addresses")
    hit = _has(words, _IDENTITY) or _has(tag_words, _IDENTITY)
    if hit and short_header and not (hit == "name" and _has(words, _NAME_NOT_PERSON)):
        return done("identity", f"header mentions '{hit}'")
    if p.n >= 5 and p.share(_URL) >= 0.6 and p.unique_share > 0.8:
        return done("identity", "answers are personal links or handles")

    # 2. Respondent row key.
    hit = _has(words, _ID)
    if hit and (p.unique_share >= 0.95 or p.n == 1) and p.mean_words <= 2:
        return done("respondent_id", f"header mentions '{hit}'; {p.unique_share:.0%} unique")

    # 3. Timestamps and platform metadata.
    date_share = p.share(_DATE)
    hit = _has(words, _TIMESTAMP) or _has(tag_words, _TIMESTAMP)
    if (hit and date_share >= 0.8) or date_share >= 0.95:
        reason = f"header mentions '{hit}'; " if hit else ""
        return done("timestamp", f"{reason}{date_share:.0%} of answers are dates or times")
    hit = _has(words, _METADATA) or _has(tag_words, _METADATA)
    if hit and _has(words, _DEMOGRAPHIC) and len(_has(words, _DEMOGRAPHIC) or "") > len(hit):
        hit = None  # 'marital status' is a demographic, not the platform's 'status'
    if (
        hit or (fmt == "limesurvey" and re.search(r"time$|^grouptime\d+$", col.export_tag, re.I))
    ) and not (_looks_like_question(col) and len(col.name.split()) > 4):
        if not hit:
            return done("metadata", "a page timing column")
        return done("metadata", f"header mentions '{hit}' (survey platform data)")
    if p.n >= 3 and p.distinct == 1:
        return done("ignored", f"every answer is the same ({next(iter(p.counts))!r})")

    # 4. Rated questions: answers on a known scale.
    scale = detect_scale(series)
    if scale is not None and not scale.is_numeric:
        if scale.name == "yesno" and not _looks_like_question(col) and not _has(words, _RATING):
            return done("demographic", f"yes/no answers under a field name; {_distinct_note(p)}")
        labels = sorted({normalize_answer(v) for v in p.counts})[:3]
        return done(
            "item", f"answers fit the {scale.name} scale (e.g. {', '.join(labels)})", scale.name
        )
    if scale is not None and any(_LEADING_ZERO.match(v) for v in p.counts):
        scale = None  # "01", "02": codes with leading zeros, not ratings
    if scale is not None:
        qwords = _words(col.question) if col.question else words
        rating = _has(words, _RATING) or _has(qwords, _RATING)
        not_rating = _has(words, _NOT_RATING)
        if rating and not not_rating:
            return done(
                "item",
                f"header mentions '{rating}'; numbers {scale.labels[0]}-{scale.labels[-1]} "
                f"({scale.name})",
                _numeric_scale(scale, words),
            )
        if _looks_like_question(col) and not not_rating and scale.name != "nps11":
            return done(
                "item",
                f"a question with answers {scale.labels[0]}-{scale.labels[-1]} ({scale.name})",
                scale.name,
            )
    if fmt == "limesurvey" and p.share(_CODE) >= 0.95 and p.distinct >= 2:
        examples = ", ".join(sorted(p.counts)[:4])
        return done(
            "item",
            f"answers are LimeSurvey answer codes ({examples}) whose order is unknown: give "
            "the scale in the mapping YAML",
        )

    # 5. Groupings: team, role, demographics (low-cardinality categories).
    categorical = p.mean_words <= 8 and (p.n < 20 or p.distinct <= min(500, 0.5 * p.n))
    measure = _has(words, ("years", "year", "time", "number", "count", "age"))
    if _has(words, _GROUPING_EXCLUDE) or measure:
        team_hit = None
    else:
        team_hit = _has(words, _TEAM)
    if team_hit and categorical:
        return done("team", f"header mentions '{team_hit}'; {_distinct_note(p)}")
    role_hit = None if measure else _has(words, _ROLE)
    if role_hit and categorical:
        return done("role", f"header mentions '{role_hit}'; {_distinct_note(p)}")
    demo_hit = _has(words, _DEMOGRAPHIC)
    if demo_hit and p.distinct <= 60 and p.mean_words <= 8:
        return done("demographic", f"header mentions '{demo_hit}'; {_distinct_note(p)}")
    if p.distinct <= 15 and p.share(_DURATION) >= 0.8:
        return done("demographic", f"answers are lengths of time (tenure); {_distinct_note(p)}")

    # 6. Free text (a few long answers repeated by everybody are choices, not comments).
    comment_hit = _has(words, _COMMENT)
    few_choices = p.n >= 20 and p.distinct <= 12 and p.unique_share < 0.2
    if (
        p.numeric_share < 0.5
        and not few_choices
        and (
            p.mean_len >= 25
            or (p.mean_words >= 3 and p.unique_share >= 0.6)
            or (comment_hit and p.unique_share >= 0.5 and p.mean_len >= 8)
            or (p.n <= 2 and _looks_like_question(col) and p.mean_words >= 2)
        )
    ):
        why = f"header mentions '{comment_hit}'; " if comment_hit else ""
        return done(
            "comment",
            f"{why}free text: {p.mean_words:.0f} words on average, {p.unique_share:.0%} unique",
        )

    # 7. What is left.
    if p.numeric_share >= 0.9:
        if p.distinct <= 12 and demo_hit:
            return done("demographic", f"header mentions '{demo_hit}'; {_distinct_note(p)}")
        if scale is None and p.n <= 2 and _looks_like_question(col):
            return done("item", "a question with too few answers to recognise its scale")
        return done("ignored", f"numbers that are not a rating scale; {_distinct_note(p)}")
    if _multi_select(p) and p.distinct > 12:
        return done("ignored", "select-all answers (several options joined with ', ')")
    if p.distinct <= 30 and (p.unique_share <= 0.5 or p.n < 10):
        if _looks_like_question(col):
            return done(
                "ignored",
                f"single-choice answers not on a known scale ({_distinct_note(p)}): map it as "
                "an item with a scale, or as a demographic",
            )
        if p.mean_words <= 6:
            return done("demographic", f"a short list of categories; {_distinct_note(p)}")
    return done("ignored", f"no role recognised; {_distinct_note(p)}")


def _numeric_scale(scale: Scale, words: str) -> str:
    """IBM-style 1-4 satisfaction columns get the 4-point satisfaction scale."""
    if scale.name == "num4" and _has(words, ("satisfaction", "satisfied")):
        return "sat4"
    return scale.name


def _multi_select(p: _Profile) -> bool:
    if p.n < 5 or p.share(_JOINED) < 0.3:
        return False
    parts: dict[str, int] = {}
    for value, count in p.counts.items():
        for part in value.split(", "):
            parts[part.strip()] = parts.get(part.strip(), 0) + count
    return len(parts) <= 40 and len(parts) < 0.5 * sum(parts.values())


def _mark_rankings(specs: list[ColumnSpec], responses: pd.DataFrame) -> None:
    """Numeric sub-columns of one question where each respondent gives every option a
    different number are a ranking, not ratings."""
    groups: dict[str, list[ColumnSpec]] = {}
    for s in specs:
        if s.role == "item" and s.question and s.scale and SCALES[s.scale].is_numeric:
            groups.setdefault(s.question, []).append(s)
    for members in groups.values():
        if len(members) < 3:
            continue
        block = responses[[m.name for m in members]]
        block = block.where(block.apply(lambda c: c.str.match(_NUMBER)).fillna(False))
        answered = block.notna().sum(axis=1) >= 2
        if answered.sum() < 5:
            continue
        distinct = block[answered].nunique(axis=1) == block[answered].notna().sum(axis=1)
        if distinct.mean() >= 0.9:
            for m in members:
                m.role, m.scale = "ignored", None
                m.reason = "a ranking question (each option gets a different rank)"


def _pick_one(specs: list[ColumnSpec], role: str, priority: tuple[str, ...]) -> None:
    """Keep one column in a single-column role; others become demographics (still groupings)."""
    found = [s for s in specs if s.role == role]
    if len(found) <= 1:
        return

    def rank(s: ColumnSpec) -> int:
        words = _words(s.name)
        return next((i for i, p in enumerate(priority) if f" {p} " in words), len(priority))

    best = min(found, key=rank)
    for s in found:
        if s is not best:
            s.role = "demographic"
            s.reason += f"; '{best.name}' was chosen as the {role} column"


def infer_columns(export: SurveyExport, survey: Any | None = None) -> ColumnMap:
    """A role, scale and reason for every column of an export.

    With a survey, columns its ``match`` recognises take the survey's construct, scale and
    reverse flag (items) or become comments (open questions).
    """
    specs: list[ColumnSpec] = []
    for col in export.columns:
        spec = _infer_one(col, export.responses[col.name], export.format)
        if survey is not None:
            _apply_survey(spec, col, export.responses[col.name], survey)
        specs.append(spec)
    _mark_rankings(specs, export.responses)
    _pick_one(specs, "team", _TEAM)
    _pick_one(specs, "role", _ROLE)
    ids = [s for s in specs if s.role == "respondent_id"]
    for extra in ids[1:]:
        extra.role, extra.reason = "metadata", extra.reason + f"; '{ids[0].name}' is the row key"
    colmap = ColumnMap(specs)
    if colmap.identity:
        colmap.warnings.append(
            f"{len(colmap.identity)} column(s) that can identify people are left out of the "
            f"analysis: {', '.join(colmap.identity)}."
        )
    if not colmap.items and not colmap.comments:
        colmap.warnings.append(
            "No column looks like rated questions or comments: check the sheet, or map the "
            "question columns in a mapping YAML."
        )
    colmap.warnings.extend(_unanswered_items(colmap, export.responses))
    unscaled = [s.name for s in specs if s.role == "item" and s.scale is None]
    if unscaled:
        colmap.warnings.append(
            f"{len(unscaled)} question column(s) have no recognised answer scale and cannot be "
            f"scored until you give one in the mapping YAML: {', '.join(unscaled[:10])}"
            + (" …" if len(unscaled) > 10 else "")
            + "."
        )
    return colmap


def _no_answer_labels(series: pd.Series, missing: frozenset[str]) -> list[str] | None:
    """The distinct answers of a column when every one means "no answer" (N/A, Don't know),
    [] when it is blank throughout, None when some answer is usable."""
    present = series.dropna()
    if present.empty:
        return []
    if normalize_answer(present.iloc[0]) not in missing:
        return None  # the usual case, decided by one answer
    labels = [str(v) for v in present.unique()]
    if all(normalize_answer(v) in missing for v in labels):
        return sorted(labels)
    return None


def _unanswered_items(colmap: ColumnMap, responses: pd.DataFrame) -> list[str]:
    """A warning for question columns nobody really answered: every answer blank or a
    'no answer' label. They are scored as missing, which is right, but a whole question
    silently dropping out of a construct is worth saying."""
    empty: list[str] = []
    labelled: list[str] = []
    labels: set[str] = set()
    for spec in colmap.columns:
        if spec.role != "item":
            continue
        try:
            missing = colmap.scale_for(spec.name).missing
        except (MappingError, ScaleError):
            missing = MISSING_ANSWERS
        found = _no_answer_labels(responses[spec.name], missing)
        if found is None:
            continue
        (labelled if found else empty).append(spec.name)
        labels.update(found)
    out = []
    if labelled:
        shown = " / ".join(sorted(labels)[:3]) + (" / …" if len(labels) > 3 else "")
        out.append(
            f"{len(labelled)} question column(s) have no usable answers (all {shown}, which "
            f"count as no answer): {_names_list(labelled)}. They add nothing to the scores; "
            "check that the export holds the answers and not only 'no answer' codes."
        )
    if empty:
        out.append(
            f"{len(empty)} question column(s) have no answers at all: {_names_list(empty)}. "
            "They add nothing to the scores."
        )
    return out


def _names_list(names: list[str], limit: int = 10) -> str:
    return ", ".join(names[:limit]) + (" …" if len(names) > limit else "")


def _apply_survey(spec: ColumnSpec, col: SourceColumn, series: pd.Series, survey: Any) -> None:
    try:
        matched = survey.match(col)
    except (AttributeError, TypeError):
        return
    if matched is None:
        return
    label = getattr(matched, "id", "?")
    if hasattr(matched, "construct"):
        spec.role = "item"
        spec.construct = matched.construct
        spec.reverse = bool(getattr(matched, "reverse", False))
        wanted = getattr(matched, "scale", None) or spec.scale
        if wanted is not None:
            try:
                scale = get_scale(wanted)
            except ScaleError:
                scale = None
            if scale is not None:
                spec.scale = scale.name
                bad = scale.encode(series).n_invalid
                if bad:
                    spec.reason = (
                        f"matches survey item '{label}'; {bad} answer(s) are not on its "
                        f"{scale.name} scale"
                    )
                    return
        spec.reason = f"matches survey item '{label}'"
    elif spec.role not in {"identity"}:
        spec.role, spec.scale = "comment", None
        spec.reason = f"matches open question '{label}'"


# --------------------------------------------------------------------------------------------
# mapping YAML

_ROLE_KEYS = {
    "team": "team",
    "role": "role",
    "respondent_id": "respondent_id",
    "demographics": "demographic",
    "comments": "comment",
    "identity": "identity",
    "timestamps": "timestamp",
    "metadata": "metadata",
    "ignore": "ignored",
}
_SINGLE = {"team", "role", "respondent_id"}
_KEYS = (*_ROLE_KEYS, "items")


class _Loader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true/false, so answer labels Yes/No/On/Off stay text."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _load_mapping(text: str) -> dict[str, Any]:
    try:
        doc = yaml.load(text, Loader=_Loader) if text and text.strip() else {}
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" near line {where.line + 1}" if where is not None else ""
        raise MappingError(
            f"The mapping file is not valid YAML{line}: check indentation and quotes."
        ) from None
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        raise MappingError(
            "The mapping file must be a YAML map with keys such as team, role, demographics, "
            "comments, identity, ignore and items."
        )
    unknown = [str(k) for k in doc if k not in _KEYS]
    if unknown:
        raise MappingError(
            f"Unknown key(s) in the mapping: {', '.join(unknown)}; valid keys are "
            f"{', '.join(_KEYS)}."
        )
    return doc


def apply_mapping(colmap: ColumnMap, mapping_yaml: str) -> ColumnMap:
    """A new ColumnMap with the user's mapping applied on top; user choices always win.

    Collects every problem (unknown columns, unknown scales, a column given two roles) into one
    MappingError, so the user can fix the file in one go.
    """
    doc = _load_mapping(mapping_yaml)
    specs = [replace(s) for s in colmap.columns]
    by_name = {s.name: s for s in specs}
    by_fold = {s.name.casefold(): s for s in specs}
    scales = dict(colmap.scales)
    problems: list[str] = []
    assigned: dict[str, str] = {}

    def find(name: Any, where: str) -> ColumnSpec | None:
        key = str(name)
        spec = by_name.get(key) or by_fold.get(key.casefold())
        if spec is None:
            close = difflib.get_close_matches(key, list(by_name), n=3, cutoff=0.6)
            hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
            problems.append(f"{where}: there is no column {key!r}{hint}")
        return spec

    def assign(spec: ColumnSpec, role: str, key: str) -> None:
        if spec.name in assigned and assigned[spec.name] != key:
            problems.append(f"column {spec.name!r} is under both {assigned[spec.name]} and {key}")
            return
        assigned[spec.name] = key
        if spec.role != role:
            spec.reason = f"set by the mapping ({key})"
        spec.role = role
        if role != "item":
            spec.scale, spec.construct, spec.reverse = None, None, False

    for key, role in _ROLE_KEYS.items():
        value = doc.get(key)
        if value is None:
            continue
        if key in _SINGLE:
            if not isinstance(value, str):
                problems.append(f"{key} must be one column name")
                continue
            spec = find(value, key)
            if spec is None:
                continue
            for other in specs:
                if other.role == role and other is not spec:
                    other.role = "demographic" if role in {"team", "role"} else "metadata"
                    other.reason = f"the mapping chose {spec.name!r} as {key}"
            assign(spec, role, key)
            continue
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            problems.append(f"{key} must be a list of column names")
            continue
        for name in value:
            spec = find(name, key)
            if spec is not None:
                assign(spec, role, key)

    items = doc.get("items") or {}
    if not isinstance(items, Mapping):
        problems.append("items must be a map of column: {construct, scale, reverse}")
        items = {}
    for name, entry in items.items():
        spec = find(name, "items")
        if spec is None:
            continue
        if entry is None:
            entry = {}
        elif isinstance(entry, (str, list)) or (
            isinstance(entry, Mapping) and not set(entry) & {"construct", "scale", "reverse"}
        ):
            entry = {"scale": entry}
        if not isinstance(entry, Mapping):
            problems.append(f"items.{name} must be a map with construct, scale and reverse")
            continue
        extra = set(entry) - {"construct", "scale", "reverse"}
        if extra:
            problems.append(
                f"items.{name} has unknown key(s) {', '.join(sorted(map(str, extra)))}; "
                "use construct, scale and reverse"
            )
            continue
        assign(spec, "item", "items")
        if "construct" in entry:
            c = entry["construct"]
            spec.construct = None if c is None else str(c)
        if "reverse" in entry:
            if not isinstance(entry["reverse"], bool):
                problems.append(f"items.{name}.reverse must be true or false")
            else:
                spec.reverse = entry["reverse"]
        if "scale" in entry:
            raw = entry["scale"]
            if raw is None:
                spec.scale = None
            else:
                try:
                    scale = get_scale(raw)
                except ScaleError as exc:
                    problems.append(f"items.{name}.scale: {exc}")
                    continue
                if scale.name not in SCALES:
                    scales[scale.name] = scale
                spec.scale = scale.name
        spec.reason = "set by the mapping (items)"

    if problems:
        raise MappingError(
            "The mapping cannot be applied: " + "; ".join(problems) + "."
            if len(problems) == 1
            else "The mapping cannot be applied:\n- " + "\n- ".join(problems)
        )
    warnings = [w for w in colmap.warnings if "identify people" not in w]
    ids = [s.name for s in specs if s.role == "identity"]
    if ids:
        warnings.insert(
            0,
            f"{len(ids)} column(s) that can identify people are left out of the analysis: "
            f"{', '.join(ids)}.",
        )
    return ColumnMap(specs, scales, warnings)
