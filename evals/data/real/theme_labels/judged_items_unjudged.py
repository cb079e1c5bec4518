"""Write ``judged_items_round<N>.json``: the groups of the current fit whose label was never
judged (GUIDELINE.md, rounds 6 and 7), as ``judged_items.py`` writes them: 12 of each group's
comments drawn at random (``random.Random(20261207)``, at most 300 characters each) and its
label. No code, rating or model score is written.

    PYTHONPATH=. python evals/data/real/theme_labels/judged_items_unjudged.py 7
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import judged_items  # beside this file: run as a script, as judged_items.py is
import pandas as pd

HERE = Path(__file__).resolve().parent
SEED = 20261207


def rated() -> set[tuple[str, str, int, str]]:
    kw = {"sep": "\t", "quoting": csv.QUOTE_NONE, "keep_default_na": False}
    table = pd.read_csv(HERE / "ratings.tsv", **kw)
    return {(r.set, r.kind, int(r.index), r.label) for r in table.itertuples()}


def items() -> list[dict]:
    return judged_items.items(SEED, frozenset(rated()), ids="full")


if __name__ == "__main__":
    OUT = HERE / f"judged_items_round{int(sys.argv[1])}.json"
    OUT.write_text(json.dumps(items(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
