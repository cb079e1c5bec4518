"""``python -m analysis pilot W1 [W2] --mapping M --pilot COL_OR_LIST [--by COL] --json``.

Registered in :mod:`analysis.cli` by :func:`add_pilot_command`; reads each wave through
:func:`analysis.waves.load_wave` (the same scoring path as the app).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

__all__ = ["add_pilot_command", "cmd_pilot", "pilot_report"]


def add_pilot_command(sub: Any) -> None:
    """Add the ``pilot`` subcommand to the CLI's subparsers."""
    sp = sub.add_parser(
        "pilot",
        help="Did the pilot move trust and fear, and which teams are ready next?",
        description="Pilot minus comparison per construct (one wave: regression-adjusted for "
        "role and tenure; two waves, before then after: difference in differences), and "
        "rollout readiness per team in the last wave.",
    )
    sp.add_argument("files", nargs="+", help="one wave, or the wave before and the wave after")
    sp.add_argument("--pilot", required=True, help="yes/no pilot column, or a,b,c of --by values")
    sp.add_argument("--by", help="grouping column for the pilot list and readiness (team)")
    sp.add_argument("--mapping", help="mapping YAML applied to every wave")
    sp.add_argument("--survey", help="survey definition YAML (default: AI change pulse)")
    sp.add_argument("--label", action="append", help="a label per wave, in file order")
    sp.add_argument("--min-n", type=int, dest="min_n", help="minimum group size (default 5)")
    sp.add_argument("--json", action="store_true", help="machine-readable output")
    from analysis.cli.plumbing import add_limit_options

    add_limit_options(sp)
    sp.set_defaults(func=cmd_pilot)


def pilot_report(waves: list, pilot: str, by: str | None, policy: Any) -> dict[str, Any]:
    """The CLI's JSON: ``comparisons`` and ``readiness`` plus the design, method notes and
    warnings (pure: waves in, JSON-safe dict out)."""
    from analysis.pilot import compare_pilot, parse_spec, pilot_free, readiness
    from analysis.pipeline import _jsonable

    columns = waves[-1].prepared.export.responses.columns
    spec = parse_spec(pilot, by, [str(c) for c in columns])
    comparison = compare_pilot(waves, spec, policy)
    ready = readiness(pilot_free(waves[-1], spec).prepared, by or "team", policy)
    out = comparison.to_dict()
    out["readiness_by"] = ready.by
    out["readiness"] = ready.records()
    out["readiness_profile"] = ready.profile.to_dict("records")
    out["warnings"] = [*out["warnings"], *ready.notes]
    return _jsonable(out)


def cmd_pilot(args: argparse.Namespace) -> int:
    from analysis import cli, waves
    from analysis.pilot import PilotError
    from analysis.privacy import PrivacyPolicy

    files = list(args.files)
    if len(files) > 2:
        raise cli.UsageError("Give one wave, or two (before the pilot, then after it).")
    labels = list(args.label or []) or [Path(f).stem for f in files]
    if len(labels) != len(files):
        raise cli.UsageError(f"Give one --label per wave file ({len(files)}), or none.")
    survey = cli._survey(args.survey)
    mapping = cli._read_text(args.mapping, "Mapping")
    limits = cli.limits_of(args)
    loaded = [
        waves.load_wave(
            cli._read_bytes(f, limits),
            Path(f).name,
            label=lab,
            mapping_yaml=mapping,
            survey=survey,
            limits=limits,
        )
        for f, lab in zip(files, labels, strict=True)
    ]
    policy = PrivacyPolicy(min_group=args.min_n if args.min_n is not None else 5)
    try:
        report = pilot_report(loaded, args.pilot, args.by, policy)
    except PilotError as e:
        raise cli.UsageError(str(e)) from None
    if args.json:
        cli._dump(report)
        return cli.EXIT_OK
    _print(report, cli)
    return cli.EXIT_OK


def _print(report: dict[str, Any], cli: Any) -> None:
    import pandas as pd

    print(f"pilot: {report['pilot']}; waves: {', '.join(report['waves'])}")
    table = pd.DataFrame(report["table"])
    table["hidden"] = table["suppressed_reason"]
    print(cli._table(table, ["label", "n_pilot", "n_comparison", "estimate", "ci_low", "ci_high",
                             "p_adj", "verdict", "hidden"]))  # fmt: skip
    print(f"method: {table['method'].replace('', pd.NA).dropna().iloc[0] if len(table) else '-'}")
    for a in report["assumptions"]:
        print(f"- {a}")
    print()
    ready = pd.DataFrame(report["readiness"])
    print(cli._table(ready.rename(columns={"group": report["readiness_by"]}),
                     [report["readiness_by"], "n", "status", "reason"]))  # fmt: skip
    for w in report["warnings"]:
        print(f"warning: {w}")
