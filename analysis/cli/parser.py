"""The argument parser and :func:`main`: each subcommand's options, and one ``error:``
line (exit code 2) for unusable input."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from analysis.cli.comments import cmd_comments, cmd_sentiment
from analysis.cli.plumbing import (
    EXIT_FAIL,
    EXIT_INPUT,
    EXIT_OK,
    UsageError,
    _default,
    add_limit_options,
)
from analysis.cli.report import cmd_report
from analysis.cli.scores import cmd_hotspots, cmd_inspect, cmd_score
from analysis.cli.waves import cmd_compare


def _add_thresholds(sp: argparse.ArgumentParser, *, comments: bool = True) -> None:
    """--min-n (and --min-comments); their defaults are PrivacyPolicy's, never restated."""
    group = f"minimum group size (default {_default('min_group')})"
    sp.add_argument("--min-n", type=int, dest="min_n", help=group)
    if comments:
        sp.add_argument(
            "--min-comments",
            type=int,
            dest="min_comments",
            help=f"minimum comments (default {_default('min_comments')})",
        )


def _add_compare(sub: argparse._SubParsersAction) -> None:
    """The ``compare`` subcommand: several wave files rather than one export."""
    sp = sub.add_parser(
        "compare",
        help="Compare survey waves: per-group changes and their tests.",
        description="Compare survey waves (oldest first): per group and construct, the change "
        "since the previous wave with a Welch or paired t test.",
    )
    sp.add_argument("files", nargs="+", help="two or more wave exports, oldest first")
    sp.add_argument("--mapping", help="mapping YAML applied to every wave")
    sp.add_argument("--survey", help="survey definition YAML (default: AI change pulse)")
    sp.add_argument("--by", action="append", help="grouping column or 'team'/'role'; repeat")
    sp.add_argument("--label", action="append", help="a label per wave, in file order")
    sp.add_argument("--team-map", dest="team_map", help="YAML of renamed/merged teams: old: new")
    sp.add_argument(
        "--design",
        choices=["auto", "paired", "independent"],
        default="auto",
        help="paired tests when respondent IDs link the waves (auto), required, or never",
    )
    _add_thresholds(sp, comments=False)
    add_limit_options(sp)
    sp.add_argument("--json", action="store_true", help="machine-readable output")
    sp.set_defaults(func=cmd_compare)


def _add_theme_settings(sp: argparse.ArgumentParser) -> None:
    sp.add_argument(
        "--theme-settings",
        dest="theme_settings",
        help="theme settings YAML saved from the Comments page (codebook, number of themes, "
        "renames, merges)",
    )


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m analysis",
        description="ChangeRadar: analyse an employee AI-change survey export locally.",
    )
    sub = p.add_subparsers(dest="command", required=True)

    def add(name: str, func: Callable[[argparse.Namespace], int], help_: str, *, file=True):
        sp = sub.add_parser(name, help=help_, description=help_)
        if file:
            sp.add_argument("file", help="survey export (CSV, TSV, XLSX, ODS)")
            sp.add_argument("--mapping", help="mapping YAML that overrides the inferred columns")
            sp.add_argument("--sheet", help="worksheet to read (XLSX/ODS)")
            sp.add_argument("--json", action="store_true", help="machine-readable output")
            add_limit_options(sp)
        sp.set_defaults(func=func)
        return sp

    add("inspect", cmd_inspect, "Show the detected format, rows and each column's role.")
    for name, func, help_ in (
        ("score", cmd_score, "Construct scores for the organisation and each group."),
        ("hotspots", cmd_hotspots, "Groups needing change management or training, and why."),
        ("comments", cmd_comments, "Per-comment sentiment, signals and themes (redacted)."),
    ):
        sp = add(name, func, help_)
        sp.add_argument("--survey", help="survey definition YAML (default: AI change pulse)")
        sp.add_argument(
            "--by", action="append", help="grouping column or 'team'/'role'; repeat to cross"
        )
        _add_thresholds(sp)
        sp.add_argument("--roster", help="text file of names to redact from comments, one a line")
        _add_theme_settings(sp)
        sp.add_argument(
            "--outcome",
            help="construct whose key drivers to compute (id, concept or label; default: the "
            "survey's outcomes, readiness first)",
        )
        if name == "hotspots":
            sp.add_argument(
                "--headcount",
                help="CSV of group column(s) (team[, role]) and headcount: response rates",
            )
    sp = add(
        "report",
        cmd_report,
        "Write manager packs (XLSX, CSV, HTML) per team plus an HR overview.",
    )
    sp.add_argument("--survey", help="survey definition YAML (default: AI change pulse)")
    sp.add_argument("--by", action="append", help="grouping column for the packs (default: team)")
    sp.add_argument("--team", action="append", help="only this team (repeatable)")
    sp.add_argument("--out", required=True, help="folder to write the packs into")
    sp.add_argument("--format", default="xlsx,csv,html", help="comma-separated: xlsx,csv,html")
    _add_thresholds(sp)
    sp.add_argument("--roster", help="text file of names to redact from comments, one a line")
    _add_theme_settings(sp)
    sp.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_compare(sub)
    from analysis.pilot.cli import add_pilot_command

    add_pilot_command(sub)
    add(
        "sentiment",
        cmd_sentiment,
        "Read one text per line on stdin; print one JSON object per line (compound, label).",
        file=False,
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    from analysis.columns import MappingError
    from analysis.ingest import IngestError
    from analysis.privacy import PrivacyError
    from analysis.scales import ScaleError

    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except (UsageError, IngestError, MappingError, PrivacyError, ScaleError) as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_INPUT
    except ValueError as e:
        # Analysis refuses what it can't do honestly (no items mapped, bad grouping, ...).
        print(f"error: {e}", file=sys.stderr)
        return EXIT_INPUT
    except BrokenPipeError:
        return EXIT_OK
    except OSError as e:
        print(f"error: can't write or read a file: {e.strerror or e}.", file=sys.stderr)
        return EXIT_INPUT
    except MemoryError:
        print("error: the file is too large to analyse in memory on this machine.", file=sys.stderr)
        return EXIT_INPUT
    except Exception as e:  # last line of defence: one line, never a traceback
        if os.environ.get("CHANGERADAR_DEBUG"):
            raise
        print(
            f"error: unexpected {type(e).__name__} while analysing; please report it with the "
            "command you ran (no survey data).",
            file=sys.stderr,
        )
        return EXIT_FAIL
