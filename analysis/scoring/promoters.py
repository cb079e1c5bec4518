"""Employee Net Promoter Score per group, protected."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.privacy import PrivacyPolicy
from analysis.scoring.grouping import grouped
from analysis.scoring.model import Difference, Scored
from analysis.scoring.release import protect_per_group


def enps(
    scored: Scored,
    by: Sequence[str] | str | None = None,
    policy: PrivacyPolicy | None = None,
    *,
    nested: bool = False,
    changed: Sequence[Difference] = (),
    references: np.ndarray | None = None,
    population: Scored | None = None,
) -> pd.DataFrame:
    """Employee Net Promoter Score: % promoters (9–10) − % detractors (0–6), in points.

    Notes
    -----
    Reichheld, F. (2003). The one number you need to grow. Harvard Business Review 81(12).
    Protected like group tables (``changed`` and ``references`` as in :func:`group_scores`);
    ``by=None`` gives the whole organisation.
    """
    if scored.enps is None:
        raise ValueError(
            "This survey has no 0–10 'would you recommend' question, so eNPS can't be computed."
        )
    policy = policy or PrivacyPolicy()
    v = scored.enps.to_numpy(float)
    valid = ~np.isnan(v)
    stack = np.column_stack([valid, valid & (v >= 9), valid & (v <= 6)]).astype(float)
    cols, keys, sums = grouped(scored, by, stack, nested)
    n, pro, det = sums[:, 0], sums[:, 1], sums[:, 2]
    with np.errstate(invalid="ignore", divide="ignore"):
        share = 100 / np.where(n > 0, n, np.nan)
    table = keys.copy()
    table["n"] = n
    table["promoters"] = pro * share
    table["passives"] = (n - pro - det) * share
    table["detractors"] = det * share
    table["enps"] = (pro - det) * share
    return protect_per_group(
        scored,
        table,
        keys,
        cols,
        nested,
        policy,
        _enps_stack,
        changed=changed,
        references=references,
        population=population,
    )


def _enps_stack(scored: Scored) -> np.ndarray:
    """Respondent × 1: who answered the 0–10 question."""
    v = np.empty(0) if scored.enps is None else scored.enps.to_numpy(float)
    return (~np.isnan(v)).astype(float)[:, None]
