"""One loader for the YAML files users write: parse safely, validate with a schema, report all.

Each configuration format (survey instrument, column mapping, playbook, access policy, codebook)
declares its shape as a pydantic model next to the code that uses it, and reads its file through
:func:`load_yaml`. The loader:

- parses with a safe loader (no tags, no code) using YAML 1.2 booleans, so answer labels such
  as Yes/No/On/Off stay text, refusing files over ``MAX_CONFIG_BYTES``;
- validates the whole document with the model and collects *every* problem, each with its
  location written the way a user reads YAML (``constructs.trust.direction``), instead of
  stopping at the first one;
- raises :class:`ConfigError` whose message lists the problems, one per line.

Why pydantic: it is the well-kept schema library of the field, already a dependency (through
pandera), and it reports complete error lists with locations.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from analysis.errors import ChangeRadarError

__all__ = [
    "ConfigError",
    "ConfigModel",
    "SafeLoader",
    "load_yaml",
    "parse_yaml",
    "problems_of",
    "validate",
]

M = TypeVar("M", bound=BaseModel)

#: Configuration files are small; a larger "YAML" is almost certainly the wrong file.
MAX_CONFIG_BYTES = 2_000_000


class SafeLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` with YAML 1.2 booleans: only true/false, so Yes/No/On/Off stay text."""


SafeLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
SafeLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def parse_yaml(text: str) -> Any:
    """YAML text parsed with :class:`SafeLoader` (raises ``yaml.YAMLError``)."""
    return yaml.load(text, Loader=SafeLoader)  # a SafeLoader subclass: no tags, no code


class ConfigError(ChangeRadarError):
    """A configuration file that cannot be used; carries every problem found."""

    def __init__(self, what: str, problems: list[str]) -> None:
        self.what = what
        self.problems = list(problems)
        lines = "\n".join(f"- {p}" for p in self.problems)
        super().__init__(f"The {what} has {len(self.problems)} problem(s):\n{lines}")


class ConfigModel(BaseModel):
    """Base for configuration schemas: unknown keys are mistakes, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _where(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if not (isinstance(p, str) and p.startswith("function-"))]
    return ".".join(parts) or "(top level)"


def problems_of(error: ValidationError) -> list[str]:
    """Every validation failure as ``"where: what"``, in document order."""
    out = []
    for e in error.errors(include_url=False):
        msg = str(e.get("msg", "invalid"))
        msg = msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
        if e.get("type") == "extra_forbidden":
            msg = "unknown key (check the spelling)"
        out.append(f"{_where(tuple(e.get('loc', ())))}: {msg}")
    return out


def in_words(exc: ValueError) -> str:
    """A validation failure as a sentence for a person: the messages only, never pydantic's
    internals (the input dict, the error type, a URL), which a fifth review found shown."""
    if isinstance(exc, ValidationError):
        return "; ".join(p.removeprefix("(top level): ") for p in problems_of(exc)) + "."
    return str(exc)


def validate(model: type[M], data: Any, what: str) -> M:
    """``model`` validated from already-parsed data, or :class:`ConfigError` with all problems."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(what, problems_of(exc)) from None


def _text(source: str | Path, what: str) -> str:
    if isinstance(source, Path) or (
        isinstance(source, str) and "\n" not in source and source.endswith((".yaml", ".yml"))
    ):
        path = Path(source)
        try:
            if path.stat().st_size > MAX_CONFIG_BYTES:
                raise ConfigError(what, [f"{path.name} is larger than {MAX_CONFIG_BYTES:,} bytes"])
            return path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(what, [f"cannot read {path.name}: {exc.strerror or exc}"]) from None
        except UnicodeDecodeError:
            raise ConfigError(what, [f"{path.name} is not UTF-8 text"]) from None
    if len(source.encode("utf-8", "replace")) > MAX_CONFIG_BYTES:
        raise ConfigError(what, [f"the text is larger than {MAX_CONFIG_BYTES:,} bytes"])
    return source


def load_yaml(model: type[M], source: str | Path, what: str) -> M:
    """Read ``source`` (a path, or YAML text) and validate it as ``model``.

    ``what`` names the file for the user ("column mapping", "access policy").
    """
    text = _text(source, what)
    try:
        data = parse_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(
            what, [f"not valid YAML{where}: {getattr(exc, 'problem', None) or exc}"]
        ) from None
    if data is None:
        data = {}
    return validate(model, data, what)
