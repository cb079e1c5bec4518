"""``compare``: wave over wave, per group and construct (:mod:`analysis.waves`)."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.cli.plumbing import (
    EXIT_OK,
    UsageError,
    _dump,
    _policy,
    _read_bytes,
    _read_text,
    _survey,
    _table,
    limits_of,
)


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
    limits = limits_of(args)
    loaded_waves = [
        waves.load_wave(
            _read_bytes(f, limits),
            Path(f).name,
            label=lab,
            mapping_yaml=mapping,
            survey=survey,
            limits=limits,
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
