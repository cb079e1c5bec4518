"""``inspect``, ``score`` and ``hotspots``: the columns found, the construct scores, the
groups needing attention."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.cli.plumbing import (
    EXIT_OK,
    UsageError,
    _by,
    _dump,
    _edits,
    _load,
    _policy,
    _prepare,
    _say_limits,
    _table,
    records,
)
from analysis.pipeline.response_rows import response_rows
from analysis.privacy import PrivacyError


def cmd_inspect(args: argparse.Namespace) -> int:
    from analysis.suggest import add_suggestions
    from analysis.survey import default_survey

    export, colmap, survey = _load(args)
    # the rows an analysis reads (answered, one per person), so inspect's count is score's n
    export = response_rows(export, colmap)
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
    shown = ["name", "role", "scale", "construct", "reverse", "question"]
    if colmap.suggestions:
        frame["suggested"] = [_suggested(colmap.suggestions.get(c["name"])) for c in cols]
        shown.insert(4, "suggested")
    print(_table(frame, shown))
    if colmap.suggestions:
        print(
            "\nsuggested: what a question seems to measure, from its wording (similarity 0-1); "
            "not used until a mapping gives it (items: COLUMN: {construct: ID, reverse: true})."
        )
    for w in warnings:
        print(f"warning: {w}")
    return EXIT_OK


def _suggested(found: Any) -> str:
    """A :class:`analysis.suggest.Suggestion` in a line, its close second beside it."""
    if found is None:
        return "-"
    reverse = ", reversed" if found.reverse else ""
    alternative = f" or {found.second_text}" if found.close_second else ""
    return f"{found.construct}{reverse} ({found.similarity:.2f}){alternative}"


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
    group_tables, item_gaps = [], []
    notes: list[str] = []
    for view in views:
        try:
            res = pipeline.analyze(prep, by=view, policy=_policy(args), **_edits(args))
        except PrivacyError as e:
            if len(view) < 3 or res is None:  # one column, or a pair: the user's own grouping
                raise
            # the crossing of three or more --by columns is added here, not asked for: the
            # groupings on their own keep their flags and the refusal is said
            notes.append(f"No crossed hot spots: {e}")
            continue
        group_tables.append(res.groups)
        item_gaps.append(res.item_gaps)
        for f in res.flags:
            key = (f.group_label, f.type)
            if key not in seen:
                seen.add(key)
                flags.append(f)
    flags.sort(key=lambda f: -f.priority)
    warnings = [*res.warnings, *notes]
    rates = None
    if getattr(args, "headcount", None):  # response rates by group (issue 19)
        from analysis import hotspots

        with open(args.headcount, "rb") as f:
            headcount = hotspots.read_headcount_csv(f.read())
        rates = hotspots.response_rates(pd.concat(group_tables), headcount, res.policy)
        flags = hotspots.apply_response_rates(flags, rates)
        warnings += hotspots.low_response_warnings(rates)
    out = {
        "by": by,
        "min_n": res.policy.min_group,
        "flags": [f.to_dict() for f in flags],
        "segments": records(res.segments.drop(columns=["group_key"], errors="ignore")),
        "drivers": records(res.drivers),
        "item_drivers": records(res.item_drivers),
        "item_gaps": [r for t in item_gaps for r in records(t)],
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
    _print_item_drivers(res.item_drivers)
    return EXIT_OK


def _print_item_drivers(table: pd.DataFrame) -> None:
    """Per construct, the question most associated with the outcome (when shares are shown)."""
    shown = table.dropna(subset=["share"]) if len(table) else table
    if not len(shown):
        return
    print(f"\nQuestions most associated with {shown['outcome'].iloc[0]} (association, not cause):")
    for construct, part in shown.groupby("construct", sort=False):
        top = part.iloc[0]
        print(
            f"  {construct}: {top['item']} ({100 * top['share']:.0f}% of what its questions "
            f"explain, 95% interval {100 * top['ci_low']:.0f}–{100 * top['ci_high']:.0f}%, "
            f"n={int(top['n'])})"
        )
