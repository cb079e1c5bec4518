"""Warnings every page shows about the numbers themselves (not about one view).

A construct whose score rests on under half of the answers people gave (most answers were not
on the scale the mapping chose) is a silently wrong number: issue 23 saw "Fear of displacement
0 / 100" from three answers in a hundred. Such a construct is named on every page, not only in
a collapsed note.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.scoring import Scored

MIN_USED_SHARE = 0.5


@dataclass(frozen=True)
class Coverage:
    construct: str
    label: str
    used: int  # answers on the scale (scored)
    given: int  # answers on the scale + answers outside it ("no answer" is neither)

    @property
    def share(self) -> float:
        return self.used / self.given if self.given else 1.0

    def sentence(self) -> str:
        return (
            f"{self.label} is computed from only {self.used:,} of {self.given:,} answers "
            f"({self.share:.0%}): the others are not on the answer scale chosen for its "
            "questions. Fix the scale on the Load page before reading this score."
        )


def construct_coverage(scored: Scored) -> list[Coverage]:
    """Per construct: answers used for the score and answers given (see :class:`Coverage`)."""
    meta = scored.item_meta
    if not len(meta) or "construct" not in meta.columns:
        return []
    cmeta = scored.construct_meta
    labels = dict(cmeta["label"].astype(str)) if "label" in cmeta.columns else {}
    out = []
    for construct, items in meta.groupby("construct", sort=False).groups.items():
        used = given = 0
        for item in items:
            answers = scored.answers.get(str(item))
            if answers is None:
                continue
            ok = int(np.count_nonzero(~np.isnan(answers.values)))
            used += ok
            given += ok + int(np.count_nonzero(answers.invalid))
        label = labels.get(construct, str(construct))
        out.append(Coverage(str(construct), label, used, given))
    return out


def low_coverage(scored: Scored, threshold: float = MIN_USED_SHARE) -> list[Coverage]:
    """Constructs scored from under ``threshold`` of their answers."""
    return [c for c in construct_coverage(scored) if c.given and c.share < threshold]
