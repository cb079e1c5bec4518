"""Reading an upload: the export, its inferred (or mapped) columns, and its cache key."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from analysis.columns import ColumnMap, apply_mapping, infer_columns
from analysis.ingest import DEFAULT_LIMITS, Limits, SurveyExport, read_export
from analysis.pipeline.memory import release_memory
from analysis.survey import Survey, default_survey

__all__ = ["load", "resolve_column", "upload_key"]


def load(
    data: bytes,
    filename: str,
    *,
    sheet: str | None = None,
    mapping_yaml: str | None = None,
    survey: Survey | None = None,
    limits: Limits | None = None,
) -> tuple[SurveyExport, ColumnMap]:
    """Read an upload and infer (then optionally override) its column map."""
    export = read_export(data, filename, sheet=sheet, limits=limits or DEFAULT_LIMITS)
    colmap = infer_columns(export, survey or default_survey())
    if mapping_yaml:
        colmap = apply_mapping(colmap, mapping_yaml)
    release_memory()  # the parser's buffers: 1.2 GB of free heap after a 1M-row CSV
    return export, colmap


def upload_key(data: bytes, mapping_yaml: str | None = None, sheet: str | None = None) -> str:
    """A per-upload cache key: hash of the bytes, the sheet and the mapping."""
    h = hashlib.sha256(data)
    h.update(b"\0" + (sheet or "").encode() + b"\0" + (mapping_yaml or "").encode())
    return h.hexdigest()


def resolve_column(colmap: ColumnMap, columns: Sequence[str], name: str) -> str:
    """A grouping name as the user typed it ('team', 'role', any case) -> its column."""
    cols = [str(c) for c in columns]
    if name in cols:
        return name
    alias = {"team": colmap.team, "role": colmap.role}.get(name.strip().lower())
    if alias and alias in cols:
        return alias
    lowered = {c.lower(): c for c in cols}
    if name.strip().lower() in lowered:
        return lowered[name.strip().lower()]
    choices = ", ".join(repr(c) for c in cols) or "none (map a team, role or demographic column)"
    # a column of that name that was left out says why ("too many distinct values to group by")
    left_out = next(
        (c for c in colmap.columns if c.name.strip().lower() == name.strip().lower()), None
    )
    why = (
        f" ({left_out.name!r} was left out: {left_out.reason})"
        if left_out and left_out.reason
        else ""
    )
    raise ValueError(
        f"Can't group by {name!r}: it is not a grouping column{why}. Choose from {choices}."
    )
