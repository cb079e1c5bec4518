"""The data files shipped in ``analysis/data``, read and checked before use.

Files are read through importlib.resources, so an installed package finds them whatever the
working directory. A malformed file fails at import with a DataFileError naming the file and
the entry to fix, instead of quietly changing what is detected.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from analysis.errors import ChangeRadarError

# libyaml's safe loader when present: the same documents, parsed about 10x faster (import time).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

__all__ = ["DataFileError", "read_checked_json", "read_yaml", "section", "string_list"]


class DataFileError(ChangeRadarError):
    """A shipped data file that is missing or malformed; str(e) names the file and entry."""


def read_yaml(name: str) -> Any:
    """The parsed YAML document ``analysis/data/<name>``."""
    try:
        text = resources.files("analysis").joinpath("data").joinpath(name).read_text("utf-8")
    except OSError as exc:
        raise DataFileError(f"analysis/data/{name} cannot be read: {exc}") from None
    try:
        return yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        raise DataFileError(f"analysis/data/{name} is not valid YAML: {exc}") from None


def section(doc: Any, key: str, where: str) -> dict[str, Any]:
    """doc[key], which must be a YAML map (where = the file, for the message)."""
    value = doc.get(key) if isinstance(doc, Mapping) else None
    if not isinstance(value, Mapping):
        raise DataFileError(f"{where}: '{key}' must be a map.")
    return dict(value)


def string_list(value: Any, where: str) -> tuple[str, ...]:
    """A non-empty list of distinct, non-empty strings, in file order (order can matter).

    Unquoted Yes/No/On/Off or numbers load as booleans or numbers, hence the hint to quote.
    """
    if not isinstance(value, list) or not value:
        raise DataFileError(f"{where} must be a non-empty list of strings.")
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise DataFileError(
                f"{where} holds {item!r}, not a non-empty string: quote it in the YAML."
            )
    repeated = sorted({item for item in value if value.count(item) > 1})
    if repeated:
        raise DataFileError(f"{where} lists {', '.join(map(repr, repeated))} more than once.")
    return tuple(value)


def read_checked_json(
    path: Path,
    digest: Callable[[dict], str],
    error: type[Exception],
    *,
    what: str,
    retrain: str,
    expect: Mapping[str, tuple[str, ...]] | None = None,
) -> dict:
    """A fitted model file whose content carries its own SHA-256 (``weights_sha256``), checked.

    ``digest`` computes the SHA-256 of the fitted content only (so provenance notes may change
    without a refit); ``expect`` names lists the file must hold as the code has them (the
    classes, the features). A file that cannot be read, does not match its checksum or was
    fitted on other lists raises ``error`` (a packaging fault, not a user error) naming
    ``what`` and the command that refits it.
    """
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise error(f"Cannot read {what} {path.name}: {exc}") from exc
    if digest(doc) != doc.get("weights_sha256"):
        raise error(f"{path.name} does not match its checksum: retrain with `{retrain}`.")
    for key, wanted in (expect or {}).items():
        if tuple(doc[key]) != tuple(wanted):
            raise error(
                f"{path.name} was fitted on other {key.replace('_', ' ')}: retrain with "
                f"`{retrain}`."
            )
    return doc
