"""Survey instruments: which constructs a survey measures and which export columns answer them.

A survey lives in a YAML file under ``surveys/`` (format in ``surveys/README.md``) and is loaded
into frozen dataclasses, so the rest of the core can rely on it being valid and unchanging.
Validation collects every problem it finds and reports them together, because an analyst
editing a survey file wants the whole list, not one error per attempt.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Protocol

import yaml

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
                if m and (best is None or m.end() - m.start() > best[0]):
                    best = (m.end() - m.start(), q)
            if best is not None:
                return best[1]
        return None


@lru_cache(maxsize=32)
def _matcher(survey: Survey) -> _Matcher:
    # Surveys are frozen and hashable, so the compiled patterns are built once per survey.
    return _Matcher(survey)


# ---------------------------------------------------------------- loading and validation

_SURVEY_KEYS = {
    "id",
    "name",
    "version",
    "description",
    "min_item_share",
    "default_scale",
    "constructs",
    "items",
    "enps",
    "open_questions",
}
_CONSTRUCT_KEYS = {"id", "label", "description", "direction", "concept"}
_ITEM_KEYS = {"id", "text", "construct", "scale", "reverse", "match"}
_ENPS_KEYS = {"id", "text", "scale", "match"}
_OPEN_KEYS = {"id", "text", "match", "purpose"}


class _Problems(list[str]):
    def text(self, value: Any, where: str, *, required: bool = True) -> str:
        """A YAML scalar as text; YAML 1.1 turns `NO` into False and `1.0` into a float."""
        if value is None or value == "":
            if required:
                self.append(f"{where} is missing")
            return ""
        if isinstance(value, bool):
            self.append(f"{where} is {value!r}, not text; put it in quotes")
            return str(value)
        if isinstance(value, int | float | str):
            return str(value).strip()
        self.append(f"{where} must be text, not a {type(value).__name__}")
        return ""

    def keys(self, entry: Mapping[str, Any], allowed: set[str], where: str) -> None:
        unknown = sorted(str(k) for k in entry if k not in allowed)
        if unknown:
            self.append(
                f"{where} has unknown field(s) {', '.join(unknown)} "
                f"(allowed: {', '.join(sorted(allowed))})"
            )

    def mappings(self, value: Any, where: str) -> list[Mapping[str, Any]]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.append(f"{where} must be a list")
            return []
        out = []
        for n, entry in enumerate(value, start=1):
            if isinstance(entry, Mapping):
                out.append(entry)
            else:
                self.append(f"entry {n} of {where} must be a mapping with an id")
        return out

    def match(self, value: Any, where: str) -> tuple[str, ...]:
        if value is None:
            return ()
        entries = value if isinstance(value, list) else [value]
        out = []
        for entry in entries:
            s = self.text(entry, f"a match entry of {where}")
            if not s:
                continue
            try:
                re.compile(_normalize_text(s), re.IGNORECASE)
            except re.error as e:
                self.append(
                    f"match pattern {s!r} of {where} is not a valid regular expression ({e})"
                )
                continue
            out.append(s)
        return tuple(out)


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
        raise ValueError(f"Survey file {str(path)!r} was not found; check the path.")
    return path.read_text(encoding="utf-8-sig")


def load_survey(path_or_text: str | Path) -> Survey:
    """Load and validate a survey definition from a YAML file path or YAML text.

    Raises ValueError naming every problem found (unknown construct references, duplicate ids,
    invalid directions or concepts, bad patterns, unknown fields), so a survey that loads is
    safe to score with.
    """
    source = _read_source(path_or_text)
    try:
        raw = yaml.safe_load(source)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        at = f" near line {mark.line + 1}" if mark is not None else ""
        raise ValueError(f"The survey file is not valid YAML{at}; fix its syntax.") from e
    if not isinstance(raw, Mapping):
        raise ValueError(
            "A survey definition must be a YAML mapping with id, name, constructs and items."
        )
    return _build(raw)


def _build(raw: Mapping[str, Any]) -> Survey:
    p = _Problems()
    p.keys(raw, _SURVEY_KEYS, "the survey")
    survey_id = p.text(raw.get("id"), "the survey id")
    name = p.text(raw.get("name"), "the survey name")
    version = p.text(raw.get("version", "1"), "the survey version")
    description = p.text(raw.get("description"), "the survey description", required=False)
    default_scale = p.text(raw.get("default_scale"), "default_scale", required=False)

    share = raw.get("min_item_share", 0.5)
    if isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share <= 1:
        p.append(f"min_item_share must be a number above 0 and at most 1, not {share!r}")
        share = 0.5

    constructs = []
    for entry in p.mappings(raw.get("constructs"), "constructs"):
        cid = p.text(entry.get("id"), "a construct id")
        where = f"construct {cid!r}"
        p.keys(entry, _CONSTRUCT_KEYS, where)
        direction = p.text(entry.get("direction"), f"the direction of {where}")
        if direction and direction not in DIRECTIONS:
            p.append(f"{where} has direction {direction!r}; use higher_better or higher_worse")
        concept = p.text(entry.get("concept"), f"the concept of {where}", required=False) or None
        if concept is not None and concept not in CONCEPTS:
            p.append(
                f"{where} has unknown concept {concept!r}; use one of {', '.join(CONCEPTS)} "
                "or leave it out for a custom construct"
            )
        constructs.append(
            Construct(
                id=cid,
                label=p.text(entry.get("label"), f"the label of {where}", required=False) or cid,
                description=p.text(entry.get("description"), where, required=False),
                direction=direction,
                concept=concept,
            )
        )
    if not constructs:
        p.append("the survey defines no constructs")
    construct_ids = {c.id for c in constructs}

    items = []
    for entry in p.mappings(raw.get("items"), "items"):
        iid = p.text(entry.get("id"), "an item id")
        where = f"item {iid!r}"
        p.keys(entry, _ITEM_KEYS, where)
        construct = p.text(entry.get("construct"), f"the construct of {where}")
        if construct and construct not in construct_ids:
            p.append(
                f"{where} refers to unknown construct {construct!r}; define it under constructs"
            )
        scale = p.text(entry.get("scale"), f"the scale of {where}", required=False) or default_scale
        if not scale:
            p.append(f"{where} has no scale; give it one (e.g. agree5) or set default_scale")
        reverse = entry.get("reverse", False)
        if not isinstance(reverse, bool):
            p.append(f"{where} has reverse: {reverse!r}; use true or false")
            reverse = False
        items.append(
            Item(
                id=iid,
                text=p.text(entry.get("text"), f"the text of {where}"),
                construct=construct,
                scale=scale,
                reverse=reverse,
                match=p.match(entry.get("match"), where),
            )
        )
    if not items:
        p.append("the survey defines no items")
    used = {i.construct for i in items}
    for c in constructs:
        if c.id and c.id not in used:
            p.append(f"construct {c.id!r} has no items")

    enps = None
    if raw.get("enps") is not None:
        entry = raw["enps"]
        if isinstance(entry, Mapping):
            eid = p.text(entry.get("id"), "the enps id")
            p.keys(entry, _ENPS_KEYS, "enps")
            enps = Item(
                id=eid,
                text=p.text(entry.get("text"), "the enps text"),
                construct=ENPS_CONSTRUCT,
                scale=p.text(entry.get("scale", "nps11"), "the enps scale"),
                reverse=False,
                match=p.match(entry.get("match"), "enps"),
            )
        else:
            p.append("enps must be a mapping with id, text and match")

    open_questions = []
    for entry in p.mappings(raw.get("open_questions"), "open_questions"):
        oid = p.text(entry.get("id"), "an open question id")
        where = f"open question {oid!r}"
        p.keys(entry, _OPEN_KEYS, where)
        open_questions.append(
            OpenQuestion(
                id=oid,
                text=p.text(entry.get("text"), f"the text of {where}"),
                match=p.match(entry.get("match"), where),
                purpose=p.text(entry.get("purpose"), where, required=False),
            )
        )

    p.extend(_duplicates("construct id", (c.id for c in constructs)))
    question_ids = (
        [i.id for i in items] + ([enps.id] if enps else []) + [q.id for q in open_questions]
    )
    p.extend(_duplicates("question id", question_ids))

    if p:
        raise ValueError("Invalid survey definition: " + "; ".join(p) + ".")
    return Survey(
        id=survey_id,
        name=name,
        version=version,
        constructs=tuple(constructs),
        items=tuple(items),
        open_questions=tuple(open_questions),
        enps=enps,
        min_item_share=float(share),
        description=description,
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
