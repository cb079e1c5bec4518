"""``report``: manager packs per team plus an HR overview, written through ``render``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analysis.cli.plumbing import (
    EXIT_OK,
    UsageError,
    _by,
    _dump,
    _edits,
    _policy,
    _prepare,
)


def cmd_report(args: argparse.Namespace) -> int:
    from render import packs

    prep = _prepare(args)
    by = _by(args) or ([prep.colmap.team] if prep.colmap.team else None)
    if not by:
        raise UsageError(
            "No team column was found to make team packs: pass --by COLUMN or map a team "
            "column in a mapping YAML."
        )
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {args.out} is a file; give a folder for the packs.")
    show = sys.stderr.isatty() and not args.quiet

    def progress(done: int, total: int, team: str) -> None:
        if show:
            width = 30
            filled = int(width * done / max(total, 1))
            sys.stderr.write(
                f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {team[:40]:<40}"
            )
            sys.stderr.flush()

    paths = packs.write_packs(
        prep,
        by,
        out,
        teams=args.team or None,
        formats=args.format,
        policy=_policy(args),
        progress=progress,
        **_edits(args),
    )
    if show:
        sys.stderr.write("\n")
    if args.json:
        _dump({"out": str(out), "min_n": _policy(args).min_group, "files": [str(p) for p in paths]})
    else:
        print(f"Wrote {len(paths)} files to {out}/ (overview/ for HR, teams/<team>/ for managers).")
    return EXIT_OK
