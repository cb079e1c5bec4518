"""Survey instruments: which constructs a survey measures and which export columns answer them.

A survey lives in a YAML file under ``surveys/`` (format in ``surveys/README.md``) and is loaded
into frozen dataclasses, so the rest of the core can rely on it being valid and unchanging.
The file's shape is a pydantic model (:class:`SurveySpec`, read through
:func:`analysis.config.validate`); validation collects every problem and reports them
together, because an analyst editing a survey file wants the whole list, not one error per
attempt. :class:`ConstructSpec` is shared with the mapping YAML's ``constructs:`` section.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Annotated, Any, Protocol

import yaml
from pydantic import BeforeValidator, Field

from analysis.config import ConfigError, ConfigModel, parse_yaml, validate

CONCEPTS: tuple[str, ...] = (
    "trust_in_ai",
    "fear_of_displacement",
    "change_readiness",
    "training_need",
    "manager_support",
    "communication_clarity",
)
DIRECTIONS: tuple[str, ...] = ("higher_better", "higher_worse")
#: The construct name an eNPS item carries; it is not one of ``Survey.constructs``.
ENPS_CONSTRUCT = "enps"
DEFAULT_SURVEY_PATH = Path(__file__).resolve().parents[1] / "surveys" / "ai_change_pulse.yaml"


@dataclass(frozen=True)
class Construct:
    id: str
    label: str
    description: str
    direction: str  # "higher_better" | "higher_worse"
    concept: str | None  # one of CONCEPTS, or None for a custom construct
    target: float | None = None  # minimum acceptable % favourable (0-100), favourable = good side

    @property
    def higher_is_better(self) -> bool:
        return self.direction == "higher_better"


@dataclass(frozen=True)
class Item:
    id: str
    text: str
    construct: str
    scale: str  # a scale name from analysis.scales, e.g. "agree5"
    reverse: bool = False
    match: tuple[str, ...] = ()  # export tags and question-text regex patterns


@dataclass(frozen=True)
class OpenQuestion:
    id: str
    text: str
    match: tuple[str, ...] = ()
    purpose: str = ""


class ColumnLike(Protocol):
    """What ``Survey.match`` needs from a column (``ingest.SourceColumn`` fits)."""

    name: str
    export_tag: str
    question: str


@dataclass(frozen=True)
class Survey:
    id: str
    name: str
    version: str
    constructs: tuple[Construct, ...]
    items: tuple[Item, ...]
    open_questions: tuple[OpenQuestion, ...] = ()
    enps: Item | None = None
    min_item_share: float = 0.5
    description: str = ""

    def construct(self, construct_id: str) -> Construct:
        for c in self.constructs:
            if c.id == construct_id:
                return c
        known = ", ".join(c.id for c in self.constructs)
        raise KeyError(f"Survey '{self.id}' has no construct '{construct_id}' (it has: {known}).")

    def construct_for_concept(self, concept: str) -> Construct | None:
        """The first construct measuring a canonical concept, so callers can find e.g. trust
        whatever a survey calls it."""
        return next((c for c in self.constructs if c.concept == concept), None)

    def items_for(self, construct: str | Construct) -> tuple[Item, ...]:
        cid = construct.id if isinstance(construct, Construct) else construct
        return tuple(i for i in self.items if i.construct == cid)

    @property
    def questions(self) -> tuple[Item | OpenQuestion, ...]:
        """Everything an export column can answer: items, then eNPS, then open questions."""
        enps = (self.enps,) if self.enps is not None else ()
        return (*self.items, *enps, *self.open_questions)

    def match(self, column: ColumnLike) -> Item | OpenQuestion | None:
        """The item or open question an export column answers, or None.

        An exact export tag or id (case-insensitive) wins over text, because tags are stable
        across platforms while wording drifts. Then the whole question text equal to an item's
        text, then the ``match`` patterns searched in the question text (case-insensitive,
        whitespace-normalised); when several patterns hit, the longest matched span wins.
        """
        return _matcher(self)(column)


def _normalize_text(text: object) -> str:
    s = unicodedata.normalize("NFKC", str(text))
    s = s.translate(str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "\u00a0": " "}))
    return re.sub(r"\s+", " ", s).strip()


class _Matcher:
    def __init__(self, survey: Survey) -> None:
        self.by_tag: dict[str, Item | OpenQuestion] = {}
        self.by_text: dict[str, Item | OpenQuestion] = {}
        self.patterns: list[tuple[re.Pattern[str], Item | OpenQuestion]] = []
        for q in survey.questions:
            for tag in (q.id, *q.match):
                self.by_tag.setdefault(_normalize_text(tag).casefold(), q)
            self.by_text.setdefault(_normalize_text(q.text).casefold(), q)
            for entry in q.match:
                self.patterns.append((re.compile(_normalize_text(entry), re.IGNORECASE), q))

    def __call__(self, column: ColumnLike) -> Item | OpenQuestion | None:
        for tag in (column.export_tag, column.name):
            hit = self.by_tag.get(_normalize_text(tag or "").casefold())
            if hit is not None:
                return hit
        texts = [_normalize_text(t) for t in (column.question, column.name) if t]
        for text in texts:
            hit = self.by_text.get(text.casefold())
            if hit is not None:
                return hit
        for text in texts:
            best: tuple[int, Item | OpenQuestion] | None = None
            for pattern, q in self.patterns:
                m = pattern.search(text)
                if not m or _negated(text, m) != _negated(q.text, pattern.search(q.text)):
                    # "I am *not* worried that AI will replace parts of my job" holds FD1's
                    # pattern but says the opposite: scored as FD1 it would count as fear
                    continue
                if best is None or m.end() - m.start() > best[0]:
                    best = (m.end() - m.start(), q)
            if best is not None:
                return best[1]
        return None


_NEGATION = re.compile(
    r"\b(?:not|no|never|none|nobody|nothing|neither|nor|cannot|hardly|without)\b|n't\b",
    re.IGNORECASE,
)


#: Words before a matched phrase that can negate it ("I am *not* worried that ...").
NEGATION_REACH = 3


def _negated(text: str, m: re.Match[str] | None) -> int:
    """How many negating words sit in a matched phrase or the few words before it: a column
    whose count differs from the item's own text there is another question, often its
    opposite. Only there: a stem ("There are no right or wrong answers") or a scale anchor
    after it ("0 = Not at all likely") says nothing about the statement."""
    if m is None:
        return 0
    before = text[: m.start()].split()[-NEGATION_REACH:]
    return len(_NEGATION.findall(" ".join([*before, m.group()])))


@lru_cache(maxsize=32)
def _matcher(survey: Survey) -> _Matcher:
    # Surveys are frozen and hashable, so the compiled patterns are built once per survey.
    return _Matcher(survey)


# ---------------------------------------------------------------- loading and validation

#: What the survey YAML is called in error messages.
SURVEY_FILE = "survey definition"

#: The direction each concept is read in when a construct takes a concept without naming one:
#: more trust, readiness, manager support and clear communication are good; more fear of
#: displacement and more need for training are not.
NATURAL_DIRECTION: dict[str, str] = {
    "trust_in_ai": "higher_better",
    "fear_of_displacement": "higher_worse",
    "change_readiness": "higher_better",
    "training_need": "higher_worse",
    "manager_support": "higher_better",
    "communication_clarity": "higher_better",
}


def _as_text(value: Any) -> Any:
    # YAML turns `false` into a bool and `1.0` into a float; a number is fine as text, a
    # boolean almost always means an unquoted word.
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not text; put it in quotes")
    if isinstance(value, int | float):
        return str(value)
    return value


def _as_flag(value: Any) -> Any:
    if not isinstance(value, bool):
        raise ValueError(f"{value!r} is not true or false")
    return value


def _as_concept(value: Any) -> Any:
    if value is None or (isinstance(value, str) and value.strip().casefold() == "none"):
        return None
    if value not in CONCEPTS:
        raise ValueError(
            f"unknown concept {value!r}; use one of {', '.join(CONCEPTS)}, or none for a "
            "custom construct"
        )
    return value


def _as_direction(value: Any) -> Any:
    if value is not None and value not in DIRECTIONS:
        raise ValueError(f"unknown direction {value!r}; use higher_better or higher_worse")
    return value


def _as_patterns(value: Any) -> Any:
    entries = [] if value is None else value if isinstance(value, list) else [value]
    out = []
    for entry in entries:
        text = str(_as_text(entry)).strip()
        if not text:
            continue
        try:
            re.compile(_normalize_text(text), re.IGNORECASE)
        except re.error as e:
            raise ValueError(
                f"match pattern {text!r} is not a valid regular expression ({e})"
            ) from None
        out.append(text)
    return tuple(out)


Text = Annotated[str, BeforeValidator(_as_text)]
Id = Annotated[str, BeforeValidator(_as_text), Field(min_length=1)]
Flag = Annotated[bool, BeforeValidator(_as_flag)]
Patterns = Annotated[tuple[str, ...], BeforeValidator(_as_patterns)]
ConceptId = Annotated[str | None, BeforeValidator(_as_concept)]
Direction = Annotated[str | None, BeforeValidator(_as_direction)]


class ConstructSpec(ConfigModel):
    """A construct as written in a survey file or a mapping's ``constructs:`` section."""

    label: Text | None = None
    description: Text = ""
    concept: ConceptId = None
    direction: Direction = None
    target: Annotated[float, Field(ge=0, le=100)] | None = None

    def resolve(self, construct_id: str) -> Construct:
        """The construct this entry declares, with the defaults filled in.

        An id equal to a concept id takes that concept unless the entry says ``concept: none``
        (or another concept); a construct with a concept and no direction takes the concept's
        natural direction (:data:`NATURAL_DIRECTION`). Raises ValueError when the direction
        cannot be known (no concept, no direction).
        """
        concept = self.concept
        if "concept" not in self.model_fields_set and construct_id in CONCEPTS:
            concept = construct_id
        direction = self.direction or (NATURAL_DIRECTION[concept] if concept else None)
        if direction is None:
            raise ValueError(
                f"construct {construct_id!r} needs a direction (higher_better or higher_worse) "
                "or a concept: without one ChangeRadar cannot tell which end is good"
            )
        return Construct(
            id=construct_id,
            label=self.label or construct_id,
            description=self.description,
            direction=direction,
            concept=concept,
            target=self.target,
        )


def concept_construct(construct_id: str) -> Construct | None:
    """The construct an undeclared id stands for when it is a concept id (``training_need``:
    that concept, its natural direction), else None."""
    if construct_id not in CONCEPTS:
        return None
    return ConstructSpec().resolve(construct_id)


def resolve_construct(
    construct_id: str,
    declared: Mapping[str, Construct] | None = None,
    survey: Survey | None = None,
) -> Construct | None:
    """What a construct id used by an item means: the mapping's declaration (``declared``)
    wins, then the survey's construct, then a concept id's natural reading
    (:func:`concept_construct`); None for a custom construct nobody described."""
    if declared and construct_id in declared:
        return declared[construct_id]
    if survey is not None:
        known = next((c for c in survey.constructs if c.id == construct_id), None)
        if known is not None:
            return known
    return concept_construct(construct_id)


class _SurveyConstruct(ConstructSpec):
    id: Id
    direction: Annotated[str, BeforeValidator(_as_direction)]


class _SurveyItem(ConfigModel):
    id: Id
    text: Id
    construct_id: Id = Field(alias="construct")  # `construct` is a BaseModel method
    scale: Text | None = None
    reverse: Flag = False
    match: Patterns = ()


class _Enps(ConfigModel):
    id: Id
    text: Id
    scale: Id = "nps11"
    match: Patterns = ()


class _OpenQuestion(ConfigModel):
    id: Id
    text: Id
    match: Patterns = ()
    purpose: Text = ""


class SurveySpec(ConfigModel):
    """The survey YAML's shape (format in ``surveys/README.md``)."""

    id: Id
    name: Id
    version: Id = "1"
    description: Text = ""
    min_item_share: Annotated[float, Field(gt=0, le=1)] = 0.5
    default_scale: Text | None = None
    constructs: list[_SurveyConstruct] = Field(default_factory=list)
    items: list[_SurveyItem] = Field(default_factory=list)
    enps: _Enps | None = None
    open_questions: list[_OpenQuestion] = Field(default_factory=list)


def _read_source(path_or_text: str | Path) -> str:
    if isinstance(path_or_text, Path):
        path = path_or_text
    elif "\n" not in path_or_text and (
        path_or_text.lower().endswith((".yaml", ".yml")) or Path(path_or_text).is_file()
    ):
        path = Path(path_or_text)
    else:
        return path_or_text
    if not path.is_file():
        raise ConfigError(SURVEY_FILE, [f"the file {str(path)!r} was not found; check the path"])
    return path.read_text(encoding="utf-8-sig")


def load_survey(path_or_text: str | Path) -> Survey:
    """Load and validate a survey definition from a YAML file path or YAML text.

    Raises :class:`analysis.config.ConfigError` (a ValueError) naming every problem found: the
    shape (unknown fields, bad directions or concepts, bad patterns; :class:`SurveySpec`) and
    the references between entries (unknown constructs, duplicate ids, constructs without
    items) together, so a survey that loads is safe to score with.
    """
    text = _read_source(path_or_text)
    try:
        raw = parse_yaml(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise ConfigError(SURVEY_FILE, [f"not valid YAML{at}; fix its syntax"]) from None
    if not isinstance(raw, Mapping):
        raise ConfigError(
            SURVEY_FILE,
            ["a survey definition must be a YAML mapping with id, name, constructs and items"],
        )
    try:
        spec, problems = validate(SurveySpec, raw, SURVEY_FILE), []
    except ConfigError as e:
        spec, problems = None, list(e.problems)
    problems += _reference_problems(raw)
    if spec is not None:
        constructs = []
        for entry in spec.constructs:
            try:
                constructs.append(entry.resolve(entry.id))
            except ValueError as e:
                problems.append(str(e))
    if problems or spec is None:
        raise ConfigError(SURVEY_FILE, problems)
    return _build(spec, tuple(constructs))


def _entries(raw: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = raw.get(key)
    return [e for e in value if isinstance(e, Mapping)] if isinstance(value, list) else []


def _reference_problems(raw: Mapping[str, Any]) -> list[str]:
    """What the shape cannot say: references between entries, duplicates, empty sections
    (read leniently from the raw document, so they are reported beside shape problems)."""
    problems = []
    constructs = [str(e.get("id")) for e in _entries(raw, "constructs") if e.get("id")]
    items = _entries(raw, "items")
    if not constructs:
        problems.append("constructs: the survey defines no constructs")
    if not items:
        problems.append("items: the survey defines no items")
    for entry in items:
        cid, iid = entry.get("construct"), entry.get("id")
        if cid not in (None, "") and str(cid) not in constructs:
            problems.append(
                f"item {str(iid)!r} refers to unknown construct {str(cid)!r}; define it under "
                "constructs"
            )
        if not entry.get("scale") and not raw.get("default_scale"):
            problems.append(
                f"item {str(iid)!r} has no scale; give it one (e.g. agree5) or set default_scale"
            )
    used = {str(e.get("construct")) for e in items}
    problems += [f"construct {c!r} has no items" for c in constructs if c not in used]
    problems += _duplicates("construct id", constructs)
    enps = raw.get("enps")
    questions = [
        *(str(e.get("id")) for e in items),
        *([str(enps.get("id"))] if isinstance(enps, Mapping) else []),
        *(str(e.get("id")) for e in _entries(raw, "open_questions")),
    ]
    return problems + _duplicates("question id", [q for q in questions if q != "None"])


def _build(spec: SurveySpec, constructs: tuple[Construct, ...]) -> Survey:
    items = tuple(
        Item(
            id=e.id,
            text=e.text,
            construct=e.construct_id,
            scale=e.scale or spec.default_scale or "",
            reverse=e.reverse,
            match=e.match,
        )
        for e in spec.items
    )
    enps = None
    if spec.enps is not None:
        e = spec.enps
        enps = Item(e.id, e.text, ENPS_CONSTRUCT, e.scale, False, e.match)
    return Survey(
        id=spec.id,
        name=spec.name,
        version=spec.version,
        constructs=constructs,
        items=items,
        open_questions=tuple(
            OpenQuestion(q.id, q.text, q.match, q.purpose) for q in spec.open_questions
        ),
        enps=enps,
        min_item_share=float(spec.min_item_share),
        description=spec.description,
    )


def _duplicates(kind: str, ids: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    reported: set[str] = set()
    out = []
    for i in ids:
        key = i.casefold()
        if i and key in seen and key not in reported:
            out.append(f"{kind} {i!r} is used more than once")
            reported.add(key)
        seen.add(key)
    return out


@cache
def default_survey() -> Survey:
    """The built-in AI change pulse (surveys/ai_change_pulse.yaml)."""
    return load_survey(DEFAULT_SURVEY_PATH)
