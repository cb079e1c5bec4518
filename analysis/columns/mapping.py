"""The mapping YAML: the user's overrides of the inferred roles, scales and constructs.

Read with :func:`analysis.config.parse_yaml` (YAML 1.2 booleans, so answer labels such as
Yes/No stay text) and validated as :class:`MappingSpec`; every problem in a file, of shape
or of meaning (a column that does not exist), is collected into one MappingError, so the user
can fix it in one go.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import replace
from typing import Annotated, Any

import yaml
from pydantic import BeforeValidator, Field

from analysis.columns.model import ColumnMap, ColumnSpec, MappingError
from analysis.config import ConfigError, ConfigModel, parse_yaml, validate
from analysis.scales import SCALES, Scale, ScaleError, get_scale
from analysis.survey import Construct, ConstructSpec, Flag, Text

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
_ITEM_KEYS = {"construct", "scale", "reverse"}
_KEYS = (*_ROLE_KEYS, "constructs", "items")
MAPPING_FILE = "column mapping"


def _one_column(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise ValueError("must be one column name")


def _column_list(value: Any) -> Any:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list):
        raise ValueError("must be a list of column names")
    if any(isinstance(v, bool) or not isinstance(v, str | int | float) for v in value):
        raise ValueError("must be a list of column names (quote a name such as 'true')")
    return [str(v) for v in value]


def _item_entry(value: Any) -> Any:
    """``Q5: agree5``, ``Q5: [No, Yes]`` and ``Q5: {No: 0, Yes: 1}`` are scale shorthands."""
    if value is None:
        return {}
    if isinstance(value, str | list):
        return {"scale": value}
    if isinstance(value, Mapping) and not set(value) & _ITEM_KEYS:
        return {"scale": value}
    return value


OneColumn = Annotated[str | None, BeforeValidator(_one_column)]
Columns = Annotated[list[str], BeforeValidator(_column_list)]


class ItemSpec(ConfigModel):
    """One entry of ``items:``: the column's construct, scale (a name, labels from low to high,
    or a label: value map) and whether it is reverse-keyed."""

    construct_id: Text | None = Field(
        None,
        alias="construct",  # `construct` is a BaseModel method
    )
    scale: str | list[Any] | dict[str, Any] | None = None
    reverse: Flag = False


class MappingSpec(ConfigModel):
    """The mapping YAML's shape (format in the README, "The mapping YAML")."""

    team: OneColumn = None
    role: OneColumn = None
    respondent_id: OneColumn = None
    demographics: Columns = Field(default_factory=list)
    comments: Columns = Field(default_factory=list)
    identity: Columns = Field(default_factory=list)
    timestamps: Columns = Field(default_factory=list)
    metadata: Columns = Field(default_factory=list)
    ignore: Columns = Field(default_factory=list)
    constructs: dict[Text, ConstructSpec | None] = Field(default_factory=dict)
    items: dict[Text, Annotated[ItemSpec, BeforeValidator(_item_entry)]] = Field(
        default_factory=dict
    )

    def columns(self) -> list[str]:
        """Every column the mapping names, in order of first mention."""
        names: list[str] = []
        for key in _ROLE_KEYS:
            value = getattr(self, key)
            names.extend([value] if isinstance(value, str) else value or [])
        return list(dict.fromkeys([*names, *self.items]))

    def declared_constructs(self) -> tuple[dict[str, Construct], list[str]]:
        """The ``constructs:`` section as constructs, and the problems of entries that cannot be
        resolved (no concept and no direction)."""
        out, problems = {}, []
        for cid, entry in self.constructs.items():
            try:
                out[cid] = (entry or ConstructSpec()).resolve(cid)
            except ValueError as e:
                problems.append(f"constructs.{cid}: {e}")
        return out, problems


def _load_mapping(text: str) -> MappingSpec:
    try:
        doc = parse_yaml(text) if text and text.strip() else {}
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
            "comments, identity, ignore, constructs and items."
        )
    try:
        return validate(MappingSpec, doc, MAPPING_FILE)
    except ConfigError as e:
        raise MappingError(_listed([_valid_keys(p) for p in e.problems])) from None


def _valid_keys(problem: str) -> str:
    key, _, what = problem.partition(": ")
    if "." not in key and what.startswith("unknown key"):
        return f"{key}: unknown key; valid keys are {', '.join(_KEYS)}"
    return problem


def _listed(problems: list[str]) -> str:
    if len(problems) == 1:
        return "The mapping cannot be applied: " + problems[0] + "."
    return "The mapping cannot be applied:\n- " + "\n- ".join(problems)


def apply_mapping(colmap: ColumnMap, mapping_yaml: str) -> ColumnMap:
    """A new ColumnMap with the user's mapping applied on top; user choices always win.

    Collects every problem (unknown columns, unknown scales, a column given two roles, a
    construct with no direction) into one MappingError, so the user can fix the file in one go.
    Constructs declared under ``constructs:`` are added to (and override) the map's own.
    """
    spec = _load_mapping(mapping_yaml)
    mapper = _Mapper([replace(s) for s in colmap.columns], dict(colmap.scales))
    mapper.roles(spec)
    mapper.items(spec.items)
    declared, construct_problems = spec.declared_constructs()
    problems, specs = [*mapper.problems, *construct_problems], mapper.specs
    if problems:
        raise MappingError(_listed(problems))
    warnings = [w for w in colmap.warnings if "identify people" not in w]
    ids = [s.name for s in specs if s.role == "identity"]
    if ids:
        warnings.insert(
            0,
            f"{len(ids)} column(s) that can identify people are left out of the analysis: "
            f"{', '.join(ids)}.",
        )
    used = {s.construct for s in specs if s.role == "item"}
    unused = [c for c in declared if c not in used]
    if unused:
        warnings.append(
            f"Construct(s) {', '.join(unused)} are declared in the mapping but no item "
            "belongs to them."
        )
    return ColumnMap(specs, mapper.scales, warnings, {**colmap.constructs, **declared})


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

    def roles(self, spec: MappingSpec) -> None:
        """The role keys (team, demographics, ignore, ...), in their fixed order."""
        for key, role in _ROLE_KEYS.items():
            value = getattr(spec, key)
            if key in _SINGLE:
                if value is not None:
                    self.single(key, role, value)
                continue
            for name in value:
                spec_ = self.find(name, key)
                if spec_ is not None:
                    self.assign(spec_, role, key)

    def single(self, key: str, role: str, value: str) -> None:
        """A one-column role: the column named takes it from any other that had it."""
        spec = self.find(value, key)
        if spec is None:
            return
        for other in self.specs:
            if other.role == role and other is not spec:
                other.role = "demographic" if role in {"team", "role"} else "metadata"
                other.reason = f"the mapping chose {spec.name!r} as {key}"
        self.assign(spec, role, key)

    def items(self, items: Mapping[str, ItemSpec]) -> None:
        """The items map: column -> {construct, scale, reverse}."""
        for name, entry in items.items():
            spec = self.find(name, "items")
            if spec is not None:
                self.item(spec, name, entry)

    def item(self, spec: ColumnSpec, name: str, entry: ItemSpec) -> None:
        self.assign(spec, "item", "items")
        given = entry.model_fields_set
        if "construct_id" in given:
            spec.construct = entry.construct_id or None
        if "reverse" in given:
            spec.reverse = entry.reverse
        if "scale" in given and not self.item_scale(spec, name, entry.scale):
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
