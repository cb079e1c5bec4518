"""Command line: ``python -m analysis inspect|score|comments|hotspots|sentiment ...``.

Every command reads the file through the same :func:`analysis.pipeline.analyze` path as the
app. Unusable input exits with code 2 and one ``error:`` line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.errors import ChangeRadarError

EXIT_OK, EXIT_FAIL, EXIT_INPUT = 0, 1, 2


class UsageError(ChangeRadarError):
    """A problem with what the user asked for; the message says what to change."""


# --------------------------------------------------------------------------------------------
# shared plumbing


def _read_bytes(path: str) -> bytes:
    p = Path(path)
    if not p.exists():
        raise UsageError(f"{path}: no such file. Check the path.")
    if p.is_dir():
        raise UsageError(f"{path} is a folder; give the survey export file inside it.")
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
    data = _read_bytes(args.file)
    export, colmap = pipeline.load(
        data,
        Path(args.file).name,
        sheet=getattr(args, "sheet", None),
        mapping_yaml=_read_text(getattr(args, "mapping", None), "Mapping"),
        survey=survey,
    )
    return export, colmap, survey


def _prepare(args: argparse.Namespace):
    from analysis import pipeline

    export, colmap, survey = _load(args)
    return pipeline.prepare(
        export,
        colmap,
        survey=survey,
        roster=_roster(getattr(args, "roster", None)),
        source_name=Path(args.file).name,
    )


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


def _table(df: pd.DataFrame, columns: Sequence[str]) -> str:
    cols = [c for c in columns if c in df.columns]
    rows = [[_fmt(v) for v in r] for r in df[cols].itertuples(index=False)]
    widths = [
        max(len(c), *(len(r[i]) for r in rows)) if rows else len(c) for i, c in enumerate(cols)
    ]
    lines = ["  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# commands


def cmd_inspect(args: argparse.Namespace) -> int:
    from analysis.suggest import add_suggestions
    from analysis.survey import default_survey

    export, colmap, survey = _load(args)
    colmap = add_suggestions(colmap, survey or default_survey())  # shown, never applied
    cols = []
    for spec in colmap.columns:
        cols.append(
            {
                "name": spec.name,
                "role": spec.role,
                "scale": spec.scale,
                "construct": spec.construct,
                "reverse": bool(spec.reverse),
                "question": spec.question,
                "export_tag": spec.export_tag,
                "reason": spec.reason,
                "suggestion": (
                    colmap.suggestions[spec.name].as_dict()
                    if spec.name in colmap.suggestions
                    else None
                ),
            }
        )
    warnings = list(dict.fromkeys([*export.warnings, *colmap.warnings]))
    out = {
        "file": Path(args.file).name,
        "format": export.format,
        "file_type": export.file_type,
        "encoding": export.encoding,
        "sheet": export.sheet,
        "sheets": list(export.sheets),
        "rows": len(export.responses),
        "rows_read": export.rows_read,
        "dropped_rows": export.dropped_rows,
        "columns": cols,
        "warnings": warnings,
    }
    if args.json:
        _dump(out)
        return EXIT_OK
    print(f"file:    {out['file']}")
    print(f"format:  {out['format']} ({out['file_type']}, encoding {out['encoding'] or '-'})")
    print(
        f"rows:    {out['rows']} (read {out['rows_read']}, "
        f"dropped {sum(export.dropped_rows.values())})"
    )
    print()
    frame = pd.DataFrame(cols)
    frame["question"] = frame["question"].str.slice(0, 60)
    print(_table(frame, ["name", "role", "scale", "construct", "reverse", "question"]))
    for w in warnings:
        print(f"warning: {w}")
    return EXIT_OK


def _by(args: argparse.Namespace) -> list[str] | None:
    return list(args.by) if args.by else None


def _score_groups(res: Any) -> list[dict[str, Any]]:
    """The group table as one JSON entry per group (hidden groups with their reason only)."""
    groups = []
    for label, part in res.groups.groupby("group", sort=False):
        first = part.iloc[0]
        # a group is hidden when every construct row is; its n is the group's size (group_n),
        # not the first construct's count, and each construct carries its own n
        suppressed = bool(part["suppressed"].all())
        size = part["group_n"].dropna() if "group_n" in part else part["n"].dropna()
        entry: dict[str, Any] = {
            "grouping": first["grouping"],
            "group": {c: first[c] for c in res.by},
            "label": label,
            "n": None if suppressed or size.empty else int(size.iloc[0]),
            "suppressed": suppressed,
        }
        if suppressed:
            entry["reason"] = first["suppressed_reason"]
        else:
            for r in part.itertuples(index=False):
                entry[r.construct] = {
                    k: getattr(r, k)
                    for k in (
                        "n",
                        "score",
                        "ci_low",
                        "ci_high",
                        "favorable",
                        "diff_vs_rest",
                        "p_adj",
                    )
                }
                if r.suppressed:
                    entry[r.construct]["reason"] = r.suppressed_reason
        groups.append(entry)
    return groups


def _score_json(res: Any) -> dict[str, Any]:
    org: dict[str, Any] = {"n": res.n}
    for r in res.org.itertuples(index=False):
        org[r.construct] = {
            k: getattr(r, k)
            for k in ("label", "n", "score", "ci_low", "ci_high", "favorable", "alpha")
        }
    return {
        "survey": res.survey_name,
        "by": list(res.by),
        "min_n": res.policy.min_group,
        "org": org,
        "constructs": list(res.org["construct"]),
        "groups": _score_groups(res),
        "enps": records(res.enps),
        "has_scores": res.has_scores,
        "notes": res.notes,
        "alerts": res.alerts,
        "warnings": res.warnings,
    }


def _print_groups(res: Any) -> None:
    """Group × construct scores, one row per group, hidden groups with their reason."""
    wide = res.groups.pivot_table(
        index="group", columns="construct", values="score", aggfunc="first", dropna=False
    )
    size = "group_n" if "group_n" in res.groups else "n"
    wide.insert(0, "n", res.groups.groupby("group")[size].max())
    wide = wide.reset_index()
    first = res.groups.groupby("group")[["suppressed", "suppressed_reason"]].first()
    wide["note"] = wide["group"].map(
        lambda g: first.loc[g, "suppressed_reason"] if first.loc[g, "suppressed"] else ""
    )
    print(_table(wide, ["group", "n", *res.org["construct"], "note"]))


def cmd_score(args: argparse.Namespace) -> int:
    from analysis import pipeline

    prep = _prepare(args)
    res = pipeline.analyze(prep, by=_by(args), policy=_policy(args))
    if args.json:
        _dump(_score_json(res))
        return EXIT_OK
    print(
        f"{res.survey_name}: n={res.n}, "
        + (f"grouped by {' × '.join(res.by)}; " if res.by else "whole organisation; ")
        + f"groups under {res.policy.min_group} are hidden"
    )
    if res.has_scores:
        print(_table(res.org, ["label", "n", "score", "ci_low", "ci_high", "favorable", "alpha"]))
        print()
        if res.by:
            _print_groups(res)
        else:
            print("No team, role or demographic column was found: map one to compare groups.")
        for w in res.warnings:
            print(f"warning: {w}")
    _say_limits(res)
    return EXIT_OK


def cmd_hotspots(args: argparse.Namespace) -> int:
    from analysis import pipeline

    prep = _prepare(args)
    by = _by(args) or [b for b in (prep.colmap.team, prep.colmap.role) if b]
    # Each grouping on its own, then crossed: a team, a role and a team × role cell can all
    # need attention, and the ranking is shared.
    if not by:
        raise UsageError(
            "No team, role or demographic column was found to compare groups: map one in a "
            "mapping YAML (team: <column>) or pass --by COLUMN."
        )
    views = [[b] for b in by] + ([by] if len(by) > 1 else [])
    flags, seen = [], set()
    res = None
    group_tables = []
    for view in views:
        res = pipeline.analyze(prep, by=view, policy=_policy(args))
        group_tables.append(res.groups)
        for f in res.flags:
            key = (f.group_label, f.type)
            if key not in seen:
                seen.add(key)
                flags.append(f)
    flags.sort(key=lambda f: -f.priority)
    warnings = list(res.warnings)
    rates = None
    if getattr(args, "headcount", None):  # response rates by group (issue 19)
        from analysis import hotspots

        headcount = pd.read_csv(args.headcount, dtype=str)
        rates = hotspots.response_rates(pd.concat(group_tables), headcount, res.policy)
        flags = hotspots.apply_response_rates(flags, rates)
        warnings += hotspots.low_response_warnings(rates)
    out = {
        "by": by,
        "min_n": res.policy.min_group,
        "flags": [f.to_dict() for f in flags],
        "segments": records(res.segments.drop(columns=["group_key"], errors="ignore")),
        "drivers": records(res.drivers),
        "has_scores": res.has_scores,
        "notes": res.notes,
        "alerts": res.alerts,
        "warnings": warnings,
    }
    if rates is not None:
        out["response_rates"] = records(rates)
    if args.json:
        _dump(out)
        return EXIT_OK
    if not flags:
        print(
            "No group is significantly and meaningfully worse than the rest of the organisation."
            if res.has_scores
            else "No group's comments stand out from the rest of the organisation."
        )
    _say_limits(res)
    for i, f in enumerate(flags, 1):
        print(f"{i}. [{f.type.replace('_', ' ')}] priority {f.priority:.2f}")
        print(f"   {f.reason}")
        for a in f.actions[:3]:
            print(f"   - {a.get('title', '')}")
    return EXIT_OK


def cmd_comments(args: argparse.Namespace) -> int:
    from analysis import pipeline

    prep = _prepare(args)
    res = pipeline.analyze(prep, by=args.by or None, policy=_policy(args))
    from analysis.signals import SIGNALS

    rows = []
    # Per-comment output: the redacted text only, and only comments the privacy rules allow.
    shown = res.comments
    for r in shown.to_dict(orient="records"):
        rows.append(
            {
                "column": r["column"],
                "text": r["text"],
                "sentiment": r["compound"],
                "label": r["label"],
                "signals": [s for s in SIGNALS if r.get(s)],
                "theme": r["theme_label"] or None,
            }
        )
    out = {
        "min_n": res.policy.min_group,
        "min_comments": res.policy.min_comments,
        "summary": res.comment_summary,
        "themes": records(res.themes),
        "comments": rows,
        "notes": res.notes,
        "alerts": res.alerts,
        "warnings": res.warnings,
    }
    if args.json:
        _dump(out)
        return EXIT_OK
    s = res.comment_summary
    print(
        f"{s['total']} comments: {s['filler']} filler, {s['not_english']} not in English, "
        f"{s['analysed']} analysed, {s['shown']} shown "
        f"(groups with >= {res.policy.min_comments} comments)"
    )
    if len(res.themes):
        print(_table(res.themes, ["theme", "label", "size", "mean_sentiment"]))
    print()
    for r in rows:
        sig = ",".join(r["signals"]) or "-"
        head = f"[{r['label']:>8} {_fmt(r['sentiment'], 2):>6}] [{sig}] [{r['theme'] or '-'}]"
        print(f"{head} {r['text']}")
    return EXIT_OK


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
    )
    if show:
        sys.stderr.write("\n")
    if args.json:
        _dump({"out": str(out), "min_n": _policy(args).min_group, "files": [str(p) for p in paths]})
    else:
        print(f"Wrote {len(paths)} files to {out}/ (overview/ for HR, teams/<team>/ for managers).")
    return EXIT_OK


def cmd_sentiment(args: argparse.Namespace) -> int:
    from analysis.sentiment import score_texts

    lines = [line.rstrip("\n") for line in sys.stdin]
    scores = score_texts(lines)
    for r in scores.itertuples(index=False):
        sys.stdout.write(json.dumps({"compound": float(r.compound), "label": r.label}) + "\n")
    return EXIT_OK


def cmd_compare(args: argparse.Namespace) -> int:
    """Wave over wave: per group and construct, the change and its test (analysis.waves)."""
    import yaml

    from analysis import waves
    from render.formats import p_value

    files = list(args.files)
    if len(files) < 2:
        raise UsageError("Give at least two wave files to compare (oldest first).")
    labels = list(args.label or [])
    if labels and len(labels) != len(files):
        raise UsageError(f"Give one --label per wave file ({len(files)}), or none.")
    labels = labels or [Path(f).stem for f in files]
    team_map: dict[str, str] = {}
    text = _read_text(args.team_map, "Team map")
    if text:
        loaded = yaml.safe_load(text)
        if not isinstance(loaded, dict):
            raise UsageError("The team map must be a YAML mapping of old team name: new name.")
        team_map = {str(k): str(v) for k, v in loaded.items()}
    survey = _survey(args.survey)
    mapping = _read_text(args.mapping, "Mapping")
    loaded_waves = [
        waves.load_wave(
            _read_bytes(f), Path(f).name, label=lab, mapping_yaml=mapping, survey=survey
        )
        for f, lab in zip(files, labels, strict=True)
    ]
    cmp = waves.compare_waves(
        loaded_waves,
        by=list(args.by) if args.by else ["team"],
        policy=_policy(args),
        team_map=team_map,
        paired={"auto": None, "paired": True, "independent": False}[args.design],
    )
    if args.json:
        _dump(cmp.to_dict())
        return EXIT_OK
    for pair in cmp.pairs:
        test = "paired t (linked respondents)" if pair["test"] == "paired" else "Welch t"
        print(f"{pair['from_wave']} -> {pair['to_wave']}: {test}; n linked {pair['n_linked']}")
    print(
        f"grouped by {' × '.join(cmp.by)}; groups under {cmp.policy.min_group} in either wave "
        f"are hidden; significant = Holm p < {cmp.alpha:g} and |d| >= {cmp.min_effect:g}"
    )
    ch = cmp.changes.copy()
    ch["flag"] = np.select(
        [ch["suppressed"], ch["note"] != "", ch["worsened"], ch["improved"]],
        ["hidden: " + ch["suppressed_reason"], ch["note"], "WORSENED", "improved"],
        "",
    )
    for col in ("n_from", "n_to"):
        ch[col] = ch[col].map(lambda v: "-" if pd.isna(v) else str(int(v)))
    ch["p_adj"] = ch["p_adj"].map(lambda v: p_value(v, blank="-"))
    print()
    cols = ["from_wave", "to_wave", "group", "label", "n_from", "n_to", "score_from"]
    print(_table(ch, [*cols, "score_to", "change", "test", "p_adj", "flag"]))
    for w in cmp.warnings:
        print(f"warning: {w}")
    return EXIT_OK


# --------------------------------------------------------------------------------------------
# argument parsing


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
    sp.add_argument("--quiet", action="store_true", help="no progress bar")
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
    sp.add_argument("--json", action="store_true", help="machine-readable output")
    sp.set_defaults(func=cmd_compare)
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
