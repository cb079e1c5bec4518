"""The CLI's shared plumbing: reading files, thresholds, the pipeline calls, JSON and
table output."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.errors import ChangeRadarError
from analysis.ingest import Limits

EXIT_OK, EXIT_FAIL, EXIT_INPUT = 0, 1, 2


class UsageError(ChangeRadarError):
    """A problem with what the user asked for; the message says what to change."""


# --------------------------------------------------------------------------------------------
# shared plumbing


def _read_bytes(path: str, limits: Limits | None = None) -> bytes:
    """The file's bytes; a file over the size limit is refused before it is read (a 5 GB
    export would otherwise fill the memory first)."""
    from analysis.ingest import DEFAULT_LIMITS, check_file_size

    p = Path(path)
    if not p.exists():
        raise UsageError(f"{path}: no such file. Check the path.")
    if p.is_dir():
        raise UsageError(f"{path} is a folder; give the survey export file inside it.")
    check_file_size(p.stat().st_size, p.name, limits or DEFAULT_LIMITS)
    return p.read_bytes()


def _read_text(path: str | None, what: str) -> str | None:
    if not path:
        return None
    p = Path(path)
    if not p.is_file():
        raise UsageError(f"{what} file {path} was not found. Check the path.")
    return p.read_text(encoding="utf-8-sig")


def _survey(path: str | None):
    from analysis.survey import default_survey, load_survey

    return load_survey(Path(path)) if path else default_survey()


def _policy(args: argparse.Namespace):
    """The thresholds asked for; the defaults are :class:`PrivacyPolicy`'s own."""
    from analysis.privacy import PrivacyPolicy

    given = {"min_group": getattr(args, "min_n", None)}
    given["min_comments"] = getattr(args, "min_comments", None)
    return PrivacyPolicy(**{k: v for k, v in given.items() if v is not None})


def _default(name: str) -> Any:
    """A default threshold of :class:`~analysis.privacy.PrivacyPolicy`, for the help texts."""
    from analysis.privacy import PrivacyPolicy

    return getattr(PrivacyPolicy(), name)


def _say_limits(res: Any) -> None:
    """The view's notes (what it can't show) and alerts (numbers to treat with caution)."""
    for a in getattr(res, "alerts", ()):
        print(f"ALERT: {a}")
    for n in getattr(res, "notes", ()):
        print(f"note: {n}")


def _roster(path: str | None) -> list[str]:
    text = _read_text(path, "Roster")
    if not text:
        return []
    return [line.strip() for line in text.splitlines() if line.strip()]


def _load(args: argparse.Namespace):
    from analysis import pipeline

    survey = _survey(getattr(args, "survey", None))
    limits = limits_of(args)
    data = _read_bytes(args.file, limits)
    export, colmap = pipeline.load(
        data,
        Path(args.file).name,
        sheet=getattr(args, "sheet", None),
        mapping_yaml=_read_text(getattr(args, "mapping", None), "Mapping"),
        survey=survey,
        limits=limits,
    )
    return export, colmap, survey


def _positive(text: str) -> int:
    try:
        value = int(text.replace(",", "").replace("_", ""))
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number above 0, not {text!r}")
    return value


def add_limit_options(sp: argparse.ArgumentParser) -> None:
    """``--max-rows`` and ``--max-mb``, on every command that reads an export."""
    sp.add_argument(
        "--max-rows",
        type=_positive,
        dest="max_rows",
        help="read up to this many rows (default 300,000; a 300,000-row CSV needs about "
        "2.5 GB of memory, a 1,000,000-row one about 7 GB)",
    )
    sp.add_argument(
        "--max-mb",
        type=_positive,
        dest="max_mb",
        help="read files up to this many megabytes (default 50)",
    )


def limits_of(args: argparse.Namespace) -> Limits | None:
    """The ingest limits the command line asked for (None: the defaults)."""
    return _limits(getattr(args, "max_rows", None), getattr(args, "max_mb", None))


def _limits(max_rows: int | None, max_mb: int | None) -> Limits | None:
    """The ingest limits with the user's row and size limits (None: the defaults). Cells and
    unpacked bytes grow in proportion, so a longer file of the usual width is not refused by
    another limit."""
    from analysis.ingest import DEFAULT_LIMITS as d

    if max_rows is None and max_mb is None:
        return None
    rows = max_rows or d.max_rows
    size = max_mb * 1_000_000 if max_mb else d.max_bytes
    return replace(
        d,
        max_rows=rows,
        max_bytes=size,
        # cells in proportion to rows and to bytes, whichever allows more
        max_cells=max(
            d.max_cells, d.max_cells * rows // d.max_rows, d.max_cells * size // d.max_bytes
        ),
        max_uncompressed_bytes=max(d.max_uncompressed_bytes, 12 * size),
    )


def _prepare(args: argparse.Namespace):
    """The prepared analysis; with ``--theme-settings``, its themes refitted to the file and
    the renames and merges that apply kept in ``args.theme_edits`` for :func:`_edits`."""
    from analysis import pipeline
    from analysis.pipeline.theme_settings import with_settings
    from analysis.themes import load_project

    project = None
    if getattr(args, "theme_settings", None):
        project = load_project(_read_text(args.theme_settings, "The theme settings") or "")
    export, colmap, survey = _load(args)
    prep = pipeline.prepare(
        export,
        colmap,
        survey=survey,
        roster=_roster(getattr(args, "roster", None)),
        source_name=Path(args.file).name,
        outcome=getattr(args, "outcome", None),
    )
    if project is not None:
        prep, edits = with_settings(prep, project)
        args.theme_edits = edits
        if edits.skipped:
            print(
                f"note: {edits.skipped} rename(s) or merge(s) in {args.theme_settings} name "
                "themes this analysis does not have and were skipped.",
                file=sys.stderr,
            )
    return prep


def _edits(args: argparse.Namespace) -> dict[str, Any]:
    """``analyze``'s theme_names / theme_merges from ``--theme-settings`` (none without it)."""
    edits = getattr(args, "theme_edits", None)
    if edits is None:
        return {}
    return {"theme_names": edits.names or None, "theme_merges": edits.merges or None}


def _jsonable(obj: Any) -> Any:
    from analysis.pipeline import jsonable

    return jsonable(obj)


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    from analysis.pipeline import records as conv

    return conv(df)


def _dump(obj: Any) -> None:
    json.dump(_jsonable(obj), sys.stdout, indent=2, ensure_ascii=False, allow_nan=False)
    sys.stdout.write("\n")


def _fmt(x: Any, digits: int = 1) -> str:
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "-"
    if isinstance(x, float | np.floating):
        return f"{x:.{digits}f}"
    return str(x)


#: Columns printed with more than one decimal: a reliability of 0.85 is not one of 0.94, nor
#: is an adjusted p of 0.004 one of 0.04.
_DIGITS = {"alpha": 2, "omega": 2, "p_adj": 3, "p": 3}


def _cell(column: str, x: Any) -> str:
    """A table cell: counts as whole numbers (a count column turns float when a hidden cell
    is missing), otherwise :func:`_fmt` with the column's digits."""
    count = column in ("n", "size") or column.startswith("n_")
    if count and isinstance(x, float | np.floating) and np.isfinite(x) and float(x).is_integer():
        return str(int(x))
    return _fmt(x, _DIGITS.get(column, 1))


def _table(df: pd.DataFrame, columns: Sequence[str]) -> str:
    cols = [c for c in columns if c in df.columns]
    rows = [
        [_cell(c, v) for c, v in zip(cols, r, strict=True)]
        for r in df[cols].itertuples(index=False)
    ]
    widths = [
        max(len(c), *(len(r[i]) for r in rows)) if rows else len(c) for i, c in enumerate(cols)
    ]
    lines = ["  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)


def _by(args: argparse.Namespace) -> list[str] | None:
    return list(args.by) if args.by else None
