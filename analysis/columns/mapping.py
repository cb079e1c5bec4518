"""The mapping YAML: the user's overrides of the inferred roles, scales and constructs.

Read with YAML 1.2 booleans so answer labels such as Yes/No stay text; every problem in a
file is collected into one MappingError, so the user can fix it in one go.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import yaml

from analysis.columns.model import ColumnMap, ColumnSpec, MappingError
from analysis.scales import SCALES, Scale, ScaleError, get_scale

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
    mapper = _Mapper([replace(s) for s in colmap.columns], dict(colmap.scales))
    mapper.roles(doc)
    mapper.items(doc.get("items") or {})
    problems, specs = mapper.problems, mapper.specs
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
    return ColumnMap(specs, mapper.scales, warnings)


class _Mapper:
    """Applies one mapping document to copies of the column specs, collecting problems."""

    def __init__(self, specs: list[ColumnSpec], scales: dict[str, Scale]) -> None:
        self.specs = specs
        self.scales = scales
        self.by_name = {s.name: s for s in specs}
        self.by_fold = {s.name.casefold(): s for s in specs}
        self.problems: list[str] = []
        self.assigned: dict[str, str] = {}  # column -> the mapping key that set its role

    def find(self, name: Any, where: str) -> ColumnSpec | None:
        """The column a name in the mapping means (case-insensitively), or a problem noted."""
        key = str(name)
        spec = self.by_name.get(key) or self.by_fold.get(key.casefold())
        if spec is None:
            close = difflib.get_close_matches(key, list(self.by_name), n=3, cutoff=0.6)
            hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
            self.problems.append(f"{where}: there is no column {key!r}{hint}")
        return spec

    def assign(self, spec: ColumnSpec, role: str, key: str) -> None:
        if spec.name in self.assigned and self.assigned[spec.name] != key:
            self.problems.append(
                f"column {spec.name!r} is under both {self.assigned[spec.name]} and {key}"
            )
            return
        self.assigned[spec.name] = key
        if spec.role != role:
            spec.reason = f"set by the mapping ({key})"
        spec.role = role
        if role != "item":
            spec.scale, spec.construct, spec.reverse = None, None, False

    def roles(self, doc: Mapping[str, Any]) -> None:
        """The role keys (team, demographics, ignore, ...), in their fixed order."""
        for key, role in _ROLE_KEYS.items():
            value = doc.get(key)
            if value is None:
                continue
            if key in _SINGLE:
                self.single(key, role, value)
                continue
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list):
                self.problems.append(f"{key} must be a list of column names")
                continue
            for name in value:
                spec = self.find(name, key)
                if spec is not None:
                    self.assign(spec, role, key)

    def single(self, key: str, role: str, value: Any) -> None:
        """A one-column role: the column named takes it from any other that had it."""
        if not isinstance(value, str):
            self.problems.append(f"{key} must be one column name")
            return
        spec = self.find(value, key)
        if spec is None:
            return
        for other in self.specs:
            if other.role == role and other is not spec:
                other.role = "demographic" if role in {"team", "role"} else "metadata"
                other.reason = f"the mapping chose {spec.name!r} as {key}"
        self.assign(spec, role, key)

    def items(self, items: Any) -> None:
        """The items map: column -> {construct, scale, reverse} (or just a scale)."""
        if not isinstance(items, Mapping):
            self.problems.append("items must be a map of column: {construct, scale, reverse}")
            return
        for name, entry in items.items():
            spec = self.find(name, "items")
            if spec is not None:
                self.item(spec, name, entry)

    def item(self, spec: ColumnSpec, name: Any, entry: Any) -> None:
        if entry is None:
            entry = {}
        elif isinstance(entry, (str, list)) or (
            isinstance(entry, Mapping) and not set(entry) & {"construct", "scale", "reverse"}
        ):
            entry = {"scale": entry}
        if not isinstance(entry, Mapping):
            self.problems.append(f"items.{name} must be a map with construct, scale and reverse")
            return
        extra = set(entry) - {"construct", "scale", "reverse"}
        if extra:
            self.problems.append(
                f"items.{name} has unknown key(s) {', '.join(sorted(map(str, extra)))}; "
                "use construct, scale and reverse"
            )
            return
        self.assign(spec, "item", "items")
        if "construct" in entry:
            c = entry["construct"]
            spec.construct = None if c is None else str(c)
        if "reverse" in entry:
            if not isinstance(entry["reverse"], bool):
                self.problems.append(f"items.{name}.reverse must be true or false")
            else:
                spec.reverse = entry["reverse"]
        if "scale" in entry and not self.item_scale(spec, name, entry["scale"]):
            return
        spec.reason = "set by the mapping (items)"

    def item_scale(self, spec: ColumnSpec, name: Any, raw: Any) -> bool:
        """Set an item's scale (a custom one is kept by name); False when it is unusable."""
        if raw is None:
            spec.scale = None
            return True
        try:
            scale = get_scale(raw)
        except ScaleError as exc:
            self.problems.append(f"items.{name}.scale: {exc}")
            return False
        if scale.name not in SCALES:
            self.scales[scale.name] = scale
        spec.scale = scale.name
        return True
