"""Item results per group: mean on the item's own scale, 0–100 score and boxes, protected
together with the item's construct."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis import stats
from analysis.privacy import PrivacyPolicy
from analysis.scoring.grouping import group_sums, grouped
from analysis.scoring.model import Difference, Scored
from analysis.scoring.release import exposure_counts, finish, ledger_counts, with_absent
from analysis.scoring.stacks import item_stack, pad, partial_skips


def item_scores(
    scored: Scored,
    by: Sequence[str] | str | None = None,
    policy: PrivacyPolicy | None = None,
    *,
    nested: bool = False,
    changed: Sequence[Difference] = (),
    references: np.ndarray | None = None,
    population: Scored | None = None,
) -> pd.DataFrame:
    """Per item (and group): n, mean on the item's own scale (reverse-coded), 0–100 score and
    % favourable / neutral / unfavourable of that item's answers; protected like group tables
    (``changed`` and ``references`` as in :func:`group_scores`, counted per item). ``by=None``
    gives the whole organisation.

    Items and constructs are protected together: a construct score is the mean of the items a
    person answered, so when a few people answered only some of a construct's items, the
    construct's total and its item totals form equations for them. A row whose group has
    1..min−1 such people for its construct is hidden, with complementary suppression, like a
    small group (``skips`` in :func:`analysis.privacy.protect_groups`)."""
    policy = policy or PrivacyPolicy()
    cols, keys, sums = grouped(scored, by, item_stack(scored), nested)
    meta = scored.item_meta
    k, g = len(meta), len(keys)
    if not k:
        raise ValueError("There are no scored items to report.")
    # One row per item × group, item-major: every statistic is elementwise, so the columns are
    # computed at once on the (items × groups) blocks of the sums, flattened.
    n, s, f, nu, u = (sums[:, i * k : (i + 1) * k].T.ravel() for i in range(5))
    mean, _ = stats.moments(n, s, np.zeros_like(s))
    # 0-100: (mean - min) / (max - min) * 100 per item, from the sums (the same as the mean of
    # each answer's 0-100 value, up to rounding in the last bits)
    lo = np.repeat(meta["scale_min"].to_numpy(float), g)
    hi = np.repeat(meta["scale_max"].to_numpy(float), g)
    score, _ = stats.moments(n, (s - lo * n) / (hi - lo) * 100, np.zeros_like(s))
    fav, neu, unf = stats.box_shares(f, nu, u)
    table = pd.concat([keys] * k, ignore_index=True)
    for name, values in (("item", meta.index), ("question", meta["question"])):
        table[name] = np.repeat(np.array([str(v) for v in values], dtype=object), g)
    table["construct"] = np.repeat(np.array([str(v) for v in meta["construct"]], dtype=object), g)
    table["n"], table["mean"], table["score"] = n, mean, score
    table["favorable"], table["neutral"], table["unfavorable"] = fav, neu, unf
    exposure, extra, extra_counts = exposure_counts(keys, changed, cols, nested, item_stack, k)
    exposure = exposure.transpose(1, 0, 2).reshape(len(table), len(changed))  # item-major
    overlap, ref_sizes = ledger_counts(scored, cols, nested, item_stack, k, references, population)
    _, skipped = group_sums(scored, cols, partial_skips(scored), nested)  # groups × constructs
    construct_of = scored.constructs.columns.get_indexer(meta["construct"])
    size = len(table)
    blocks = {
        "item": np.array([str(v) for v in meta.index], dtype=object),
        "question": np.array([str(v) for v in meta["question"]], dtype=object),
        "construct": np.array([str(v) for v in meta["construct"]], dtype=object),
    }
    table, exposure = with_absent(table, exposure, extra, extra_counts, blocks)
    ledger = {
        "overlap": pad(overlap.transpose(1, 0, 2).reshape(size, -1), len(table)),
        "reference_sizes": pad(np.repeat(ref_sizes, g, axis=0), len(table)),
        "skips": pad(skipped[:, construct_of].T.reshape(size, 1), len(table)),
    }
    return finish(table, policy, cols, nested, ["item"], exposure, **ledger).iloc[:size]
