"""Write ``judged_items_round5.json``: the groups of round 5 of the blind label judgement.

Round 5 (GUIDELINE.md) judges the groups whose label changed with the labeller of 2026-12-07
(a sub-theme's label must say more than its theme's, labels are unique by word stems, and a
label cannot end in a noun that names nothing) and every group of the fourth set
(``ai_worries_themes``), which no round had judged. Each group: 12 of its comments drawn at
random (``random.Random(20261207)``, at most 300 characters each) and its label(s), the old
and new label in random order where they differ. The old labels are read from
``labels_before_round5.json`` (written by the labeller before the change, same themes); the
judge sees comments and labels only, never which labeller gave which.

    PYTHONPATH=. python evals/data/real/theme_labels/judged_items_round5.py
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from evals import themes_real

HERE = Path(__file__).resolve().parent
OUT = HERE / "judged_items_round5.json"
BEFORE = HERE / "labels_before_round5.json"
SEED = 20261207
PER_GROUP = 12
MAX_CHARS = 300
NEW_SET = "ai_worries_themes"


def items() -> list[dict]:
    rng = random.Random(SEED)
    before = json.loads(BEFORE.read_text(encoding="utf-8"))
    out = []
    with themes_real.cached_encoder():
        for name in themes_real.GOALS:
            model = themes_real.score(name, ("dev",))["model"]
            texts = themes_real.load(name)["text"].to_numpy(dtype=object)
            texts = texts[themes_real.analysed_mask(list(texts))]
            old = {(k, int(i)): lab for k, i, lab in before[name]}
            for _, kind, index, label in themes_real.fitted_labels(name, model):
                was = old[(kind, index)]
                if was == label and name != NEW_SET:
                    continue
                rows = model.labels_ if kind == "theme" else model.sublabels_
                members = [str(t) for t in texts[rows == index]]
                drawn = rng.sample(members, min(PER_GROUP, len(members)))
                labels = [label] if was == label else rng.sample([was, label], 2)
                out.append(
                    {
                        "id": f"{name[:5]}-{kind[0] if kind == 'theme' else 's'}{index}",
                        "comments": [c[:MAX_CHARS] for c in drawn],
                        "labels": labels,
                    }
                )
    return out


if __name__ == "__main__":
    OUT.write_text(json.dumps(items(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
