"""Write ``judged_items_round6.json``: the groups of the current fit whose label was never
judged (GUIDELINE.md, round 6), as ``judged_items.py`` writes them: 12 of each group's comments
drawn at random (``random.Random(20261207)``, at most 300 characters each) and its label.

Round 6 followed the concerns' terms (stop 58), which moved most discovered themes and
sub-themes: of 163 labels, 13 had a rating. No code, rating or model score is written.

    PYTHONPATH=. python evals/data/real/theme_labels/judged_items_round6.py
"""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pandas as pd

from evals import themes_real

HERE = Path(__file__).resolve().parent
OUT = HERE / "judged_items_round6.json"
SEED = 20261207
PER_GROUP = 12
MAX_CHARS = 300


def rated() -> set[tuple[str, str, int, str]]:
    kw = {"sep": "\t", "quoting": csv.QUOTE_NONE, "keep_default_na": False}
    table = pd.read_csv(HERE / "ratings.tsv", **kw)
    return {(r.set, r.kind, int(r.index), r.label) for r in table.itertuples()}


def items() -> list[dict]:
    rng = random.Random(SEED)
    done = rated()
    out = []
    with themes_real.cached_encoder():
        for name in themes_real.GOALS:
            if not themes_real.coded(name):
                continue
            model = themes_real.score(name, ("dev",))["model"]
            texts = themes_real.load(name)["text"].to_numpy(dtype=object)
            texts = texts[themes_real.analysed_mask(list(texts))]
            for key in themes_real.fitted_labels(name, model):
                _, kind, index, label = key
                if key in done:
                    continue
                rows = model.labels_ if kind == "theme" else model.sublabels_
                members = [str(t) for t in texts[rows == index]]
                drawn = rng.sample(members, min(PER_GROUP, len(members)))
                out.append(
                    {
                        "id": f"{name}:{kind}:{index}",
                        "comments": [c[:MAX_CHARS] for c in drawn],
                        "labels": [label],
                    }
                )
    return out


if __name__ == "__main__":
    OUT.write_text(json.dumps(items(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
