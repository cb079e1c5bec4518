"""The access-policy file format: the YAML HR maintains, as a typed schema.

The file (see ``surveys/access_policy.example.yaml``) is read through
:func:`analysis.config.load_yaml`, so every mistake is reported at once with its location
(``rules.2.role: must be one of ...``). :mod:`analysis.shared.access` turns the validated
:class:`PolicyFile` into the :class:`~analysis.shared.access.AccessPolicy` it enforces.

The thresholds' defaults and bounds are :class:`analysis.privacy.PrivacyPolicy`'s own, so the
policy file can never allow what the privacy layer would refuse, and the numbers live in one
place.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, StrictInt, field_validator, model_validator

from analysis.config import ConfigError, ConfigModel, load_yaml, validate
from analysis.errors import ChangeRadarError
from analysis.privacy import PrivacyPolicy

__all__ = [
    "POLICY_FILE",
    "ROLES",
    "PolicyError",
    "PolicyFile",
    "RuleSpec",
    "Thresholds",
    "fold",
    "read_policy_file",
]

ROLES = ("hr_admin", "change_lead", "manager")
POLICY_FILE = "access policy"
_DEFAULTS = PrivacyPolicy()


class PolicyError(ChangeRadarError):
    """The access policy (or the deployment settings) is unusable; ``str(e)`` says what to fix.

    ``problems`` lists each problem of a policy file with its location (empty for a setting)."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = list(problems or [])


def fold(text: object) -> str:
    """Names compared the way people mean them: case and spacing ignored."""
    return " ".join(str(text).split()).casefold()


def _names(value: Any) -> Any:
    """One name or a list of names (numbers allowed, e.g. team 42) as stripped text."""
    if value is None:
        return []
    if isinstance(value, str | int) and not isinstance(value, bool):
        value = [value]
    if isinstance(value, list) and all(
        isinstance(v, str | int) and not isinstance(v, bool) for v in value
    ):
        return [str(v).strip() for v in value if str(v).strip()]
    raise ValueError("must be a list of names")


def _name(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


Names = Annotated[list[str], BeforeValidator(_names)]
Name = Annotated[str, BeforeValidator(_name)]


class RuleSpec(ConfigModel):
    """One entry of ``rules:``: exactly one of email, domain or group, the role it grants and,
    for managers, their teams. ``note`` is free text for HR, ignored by the app."""

    email: str | None = None
    domain: str | None = None
    group: Name | None = None
    role: str
    teams: Names = Field(default_factory=list)
    note: Any = None

    @field_validator("email")
    @classmethod
    def _is_address(cls, value: str | None) -> str | None:
        if value and "@" not in value:
            raise ValueError(f"{value!r} is not an e-mail address")
        return value

    @field_validator("role")
    @classmethod
    def _known_role(cls, value: str) -> str:
        if value not in ROLES:
            raise ValueError(f"must be one of {', '.join(ROLES)}, not {value!r}")
        return value

    @model_validator(mode="after")
    def _one_identity_and_teams(self) -> RuleSpec:
        if len(self.who()) != 1:
            raise ValueError("needs exactly one of email, domain or group")
        if self.role == "manager" and not self.teams:
            raise ValueError("a manager needs a 'teams' list")
        if self.role != "manager" and self.teams:
            raise ValueError("only managers have teams; remove 'teams' or the role")
        return self

    def who(self) -> dict[str, str]:
        """The one identity key this rule matches on and its value ({"email": "a@b.c"})."""
        keys = ("email", "domain", "group")
        return {k: getattr(self, k) for k in keys if getattr(self, k) not in (None, "")}


class Thresholds(ConfigModel):
    """Confidentiality floors for everyone but hr_admin; defaults and bounds are the privacy
    layer's (:class:`analysis.privacy.PrivacyPolicy`)."""

    min_group: StrictInt = _DEFAULTS.min_group
    min_comments: StrictInt = _DEFAULTS.min_comments

    @field_validator("min_group")
    @classmethod
    def _group_floor(cls, value: int) -> int:
        return PrivacyPolicy(min_group=value).min_group

    @field_validator("min_comments")
    @classmethod
    def _comment_floor(cls, value: int) -> int:
        return PrivacyPolicy(min_comments=value).min_comments


class PolicyFile(ConfigModel):
    """The access-policy YAML's shape (documented in ``surveys/access_policy.example.yaml``)."""

    version: int | None = None
    rules: list[RuleSpec] = Field(default_factory=list, validate_default=True)
    restricted: Names = Field(default_factory=list)
    sub_teams: dict[Name, Names] = Field(default_factory=dict)
    thresholds: Thresholds = Field(default_factory=Thresholds)
    comment_text: Names = Field(default_factory=lambda: list(ROLES))
    groups_claim: str = "groups"
    team_column: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _a_mapping(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            raise ValueError("must be a YAML mapping with a 'rules' list")
        return {
            k: ({} if k in ("sub_teams", "thresholds") and v is None else v)
            for k, v in data.items()
        }

    @field_validator("rules")
    @classmethod
    def _rules(cls, rules: list[RuleSpec]) -> list[RuleSpec]:
        if not rules:
            raise ValueError("must be a non-empty list (who gets which role)")
        first: dict[str, int] = {}
        for i, rule in enumerate(rules):
            if rule.email is None:
                continue
            key = fold(rule.email)
            if key in first:
                raise ValueError(
                    f"{rule.email} is listed twice (rules.{first[key]} and rules.{i}); "
                    "keep one rule per e-mail"
                )
            first[key] = i
        return rules

    @field_validator("comment_text")
    @classmethod
    def _comment_roles(cls, roles: list[str]) -> list[str]:
        unknown = [r for r in roles if r not in ROLES]
        if unknown:
            raise ValueError(f"unknown role(s) {', '.join(unknown)}; use {', '.join(ROLES)}")
        return roles

    @field_validator("groups_claim")
    @classmethod
    def _claim(cls, value: str) -> str:
        if not value:
            raise ValueError("must be the name of a claim, e.g. groups")
        return value

    @field_validator("sub_teams")
    @classmethod
    def _no_cycle(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        """A cycle would make a team its own sub-team: almost surely a typo."""
        graph: dict[str, set[str]] = {}
        for parent, kids in value.items():
            graph.setdefault(fold(parent), set()).update(fold(k) for k in kids)
        for start in graph:
            stack, seen = list(graph[start]), set()
            while stack:
                node = stack.pop()
                if node == start:
                    raise ValueError(f"has a cycle through {start!r}; fix the org chart")
                if node not in seen:
                    seen.add(node)
                    stack.extend(graph.get(node, ()))
        return value


def read_policy_file(source: str | Path | Mapping[str, Any]) -> PolicyFile:
    """The policy file (a path, YAML text or an already-parsed mapping), validated.

    Raises :class:`PolicyError` listing every problem with its location."""
    what = POLICY_FILE
    try:
        if isinstance(source, Mapping):
            return validate(PolicyFile, source, what)
        if isinstance(source, Path) or ("\n" not in source and source.endswith((".yaml", ".yml"))):
            path = Path(source)
            if not path.is_file():
                raise PolicyError(
                    f"The access policy file {path} was not found; check CHANGERADAR_POLICY."
                )
            what = f"{POLICY_FILE} ({path.name})"
        return load_yaml(PolicyFile, source, what)
    except ConfigError as exc:
        raise PolicyError(str(exc), exc.problems) from None
