"""The recommended-actions playbook (surveys/playbook.yaml): which flag type a concept raises,
which actions a flag recommends, and the evidence behind each action.

Read through :func:`analysis.config.load_yaml` with the pydantic model below, so every problem
in the file is reported at once with its location.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from analysis.config import ConfigError, ConfigModel, load_yaml
from analysis.survey import CONCEPTS

FLAG_TYPES = ("change_management", "training")
COMMENT_SIGNALS = ("displacement_fear", "ai_negative", "training_request")
QUADRANTS = ("champions", "anxious adopters", "skeptics", "resisters")
ADKAR = ("awareness", "desire", "knowledge", "ability", "reinforcement")
DEFAULT_PLAYBOOK = Path(__file__).resolve().parents[2] / "surveys" / "playbook.yaml"


class PlaybookError(ConfigError):
    """The playbook YAML is malformed; the message lists every entry to fix."""


def _one_line(text: str) -> str:
    return " ".join(text.split())


class Action(ConfigModel):
    title: str = Field(min_length=1)
    detail: str = Field(min_length=1)
    source: str = Field(min_length=1, description="the evidence behind the action")
    #: words of question wording this action answers (analysis.hotspots.questions)
    addresses: list[str] = Field(default_factory=list)

    @field_validator("title", "detail", "source")
    @classmethod
    def _flat(cls, v: str) -> str:
        return _one_line(v)


class AdkarElement(ConfigModel):
    proxies: list[Literal[CONCEPTS]] = Field(min_length=1)  # type: ignore[valid-type]
    actions: list[Action] = Field(min_length=1)


class ConceptSpec(ConfigModel):
    type: Literal[FLAG_TYPES]  # type: ignore[valid-type]
    lead: bool = False
    actions: list[Action] = Field(min_length=1)
    adkar: dict[Literal[ADKAR], AdkarElement] | None = None  # type: ignore[valid-type]


class TypeSpec(ConfigModel):
    label: str
    summary: str


class SignalSpec(ConfigModel):
    concept: str
    phrase: str = Field(min_length=1)


class PlaybookModel(ConfigModel):
    version: int = 1
    types: dict[Literal[FLAG_TYPES], TypeSpec]  # type: ignore[valid-type]
    concepts: dict[str, ConceptSpec]
    signals: dict[Literal[COMMENT_SIGNALS], SignalSpec]  # type: ignore[valid-type]
    segments: dict[Literal[QUADRANTS], str]  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _complete(self) -> PlaybookModel:
        problems = []
        if set(self.types) != set(FLAG_TYPES):
            problems.append(f"'types' must be exactly {', '.join(FLAG_TYPES)}")
        missing = [c for c in CONCEPTS if c not in self.concepts]
        if missing:
            problems.append(f"no actions for concept(s): {', '.join(missing)}")
        for sig in COMMENT_SIGNALS:
            spec = self.signals.get(sig)
            if spec is None or spec.concept not in self.concepts:
                problems.append(f"signal '{sig}' needs a 'concept' listed under concepts")
        if set(self.segments) != set(QUADRANTS):
            problems.append(f"'segments' must describe: {', '.join(QUADRANTS)}")
        if problems:
            raise ValueError("; ".join(problems))
        return self


def load_playbook(path: str | Path | None = None) -> dict[str, Any]:
    """Load and validate the recommended-actions playbook (default: surveys/playbook.yaml).

    Every concept in analysis.survey.CONCEPTS must have a flag type and actions, every action
    a title, detail and source, and every comment signal a known concept. Parsed playbooks are
    cached per file and modification time; callers get a copy (a plain dict).
    """
    path = Path(path) if path is not None else DEFAULT_PLAYBOOK
    try:
        stamp = path.stat().st_mtime_ns
    except OSError as exc:
        raise PlaybookError("playbook", [f"cannot read {path.name}: {exc.strerror}"]) from None
    return copy.deepcopy(_load_playbook_cached(str(path), stamp))


@lru_cache(maxsize=8)
def _load_playbook_cached(path_text: str, _stamp: int) -> dict[str, Any]:
    try:
        model = load_yaml(PlaybookModel, Path(path_text), "playbook")
    except ConfigError as exc:
        raise PlaybookError(exc.what, exc.problems) from None
    concepts: dict[str, dict[str, Any]] = {}
    for name, spec in model.concepts.items():
        entry: dict[str, Any] = {
            "type": spec.type,
            "lead": spec.lead,
            "actions": [a.model_dump() for a in spec.actions],
        }
        if spec.adkar is not None:
            entry["adkar"] = {
                element: {
                    "proxies": list(e.proxies),
                    "actions": [a.model_dump() for a in e.actions],
                }
                for element, e in spec.adkar.items()
            }
        concepts[str(name)] = entry
    return {
        "version": model.version,
        "types": {k: v.model_dump() for k, v in model.types.items()},
        "concepts": concepts,
        "signals": {k: v.model_dump() for k, v in model.signals.items()},
        "segments": {k: _one_line(v) for k, v in model.segments.items()},
    }
