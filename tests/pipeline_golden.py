"""Pinned pipeline outputs: the views compared by tests/test_pipeline_golden.py.

First written before the performance work (the faster pipeline had to give the same results),
regenerated on purpose when the themes became exact (processor-independent embeddings and
clustering). Regenerate only when a result is meant to change, and say why in the commit:
``.venv/bin/python -m tests.pipeline_golden``.
"""

from __future__ import annotations

import gzip
import pickle
from pathlib import Path
from typing import Any

from analysis import pipeline
from sample_data import generate

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).resolve().parent / "data" / "pipeline_golden"
TABLES = (
    "org",
    "groups",
    "items",
    "org_items",
    "likert",
    "enps",
    "enps_groups",
    "drivers",
    "segments",
    "themes",
    "theme_shares",
    "comments",
    "comment_groups",
)


def datasets() -> dict[str, tuple[bytes, str]]:
    """The sample export and a seeded 5k generated survey."""
    sample = ROOT / "sample_data" / "ai_pulse_qualtrics.csv"
    big = generate.qualtrics_csv(generate.generate_responses(n=5000, seed=11))
    return {"sample": (sample.read_bytes(), sample.name), "gen5k": (big, "gen5k.csv")}


def prepared(name: str) -> pipeline.Prepared:
    data, filename = datasets()[name]
    export, colmap = pipeline.load(data, filename)
    return pipeline.prepare(export, colmap, source_name=filename)


def views(prep: pipeline.Prepared) -> dict[str, dict[str, Any]]:
    """Every Results table for the groupings and filter the app offers."""
    role_col = prep.resolve("role")
    top_role = str(prep.scored.groups[role_col].value_counts().index[0])
    calls = {
        "team": {"by": "team"},
        "role": {"by": "role"},
        "team_role": {"by": ("team", "role")},
        "team_filtered": {"by": "team", "filters": {"role": [top_role]}},
        "none": {"by": ()},
    }
    out = {}
    for key, kw in calls.items():
        res = pipeline.analyze(prep, **kw)
        snap: dict[str, Any] = {t: getattr(res, t) for t in TABLES}
        snap["flags"] = [f.to_dict() for f in res.flags]
        snap["comment_summary"] = dict(res.comment_summary)
        snap["to_dict"] = res.to_dict()
        snap["n"] = res.n
        out[key] = snap
    return out


def path_for(name: str) -> Path:
    return GOLDEN / f"{name}.pkl.gz"


def write(name: str) -> None:
    GOLDEN.mkdir(parents=True, exist_ok=True)
    with gzip.open(path_for(name), "wb") as fh:
        pickle.dump(views(prepared(name)), fh, protocol=5)


def read(name: str) -> dict[str, dict[str, Any]]:
    with gzip.open(path_for(name), "rb") as fh:
        return pickle.load(fh)  # our own committed fixture


if __name__ == "__main__":
    for dataset in ("sample", "gen5k"):
        write(dataset)
