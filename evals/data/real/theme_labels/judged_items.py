"""Write ``judged_items.json``: what the blind judge of the theme labels reads (GUIDELINE.md).

For each real set with theme codes, the set is themed as ``make eval`` themes it
(``evals.themes_real.score``, seed 0); for every discovered theme and every sub-theme, 12 of
its comments drawn at random (``random.Random(20261205)``, at most 300 characters each) and its
label. No code, rating or model score is written: the judge sees comments and a label only.

    PYTHONPATH=. python evals/data/real/theme_labels/judged_items.py
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from evals import themes_real

OUT = Path(__file__).resolve().parent / "judged_items.json"
SEED = 20261205
PER_GROUP = 12
MAX_CHARS = 300


def items(seed: int = SEED, skip: frozenset = frozenset(), ids: str = "short") -> list[dict]:
    """The groups to judge; ``skip``: (set, kind, index, label) of labels judged already, left
    out before any comment is drawn; ``ids``: "short" ("ai_at-t2", rounds 1-4) or "full"
    ("ai_at_work_interviews:theme:2", rounds 6-7)."""
    rng = random.Random(seed)
    out = []
    with themes_real.cached_encoder():
        for name in themes_real.GOALS:
            if not themes_real.coded(name):
                continue
            model = themes_real.score(name, ("dev",))["model"]
            # the comments the model themed, as ``score`` picks them
            texts = themes_real.load(name)["text"].to_numpy(dtype=object)
            texts = texts[themes_real.analysed_mask(list(texts))]
            for key in themes_real.fitted_labels(name, model):
                _, kind, index, label = key
                if key in skip:
                    continue
                rows = model.labels_ if kind == "theme" else model.sublabels_
                members = [str(t) for t in texts[rows == index]]
                drawn = rng.sample(members, min(PER_GROUP, len(members)))
                out.append(
                    {
                        "id": f"{name[:5]}-{kind[0] if kind == 'theme' else 's'}{index}"
                        if ids == "short"
                        else f"{name}:{kind}:{index}",
                        "comments": [c[:MAX_CHARS] for c in drawn],
                        "labels": [label],
                    }
                )
    return out


if __name__ == "__main__":
    OUT.write_text(json.dumps(items(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
