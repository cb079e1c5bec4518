"""The release ledger: every set of people a reader may hold numbers on, per dataset and viewer.

A table is protected against the sets in the ledger (:func:`~analysis.privacy.tables.
protect_groups`, ``overlap``): no union of what it shows may come within 1..min−1 people of
one of them. The ledger is deterministic, so that any two outputs agree whatever their order:

* every group of every single grouping column of the dataset (team, role, each demographic),
  whether or not that table has been shown: any of them can be released at any time (the CLI
  is stateless; the app offers them all), so each table is protected against all of them;
* every filtered selection already shown to this viewer (the filter history the app keeps per
  dataset and viewer; a filtered view's rows are also compared group by group with it, see
  :func:`~analysis.privacy.filters.differences`).

Sets smaller than :data:`~analysis.privacy.policy.FLOOR` are left out: no minimum shows them.
A set is only used for a measure when at least the minimum of its people have a value for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.privacy.policy import FLOOR


@dataclass
class Ledger:
    """The sets a viewer may hold numbers on, for one dataset (respondents in ``groups`` order).

    ``groups`` holds the grouping columns as text (one row per respondent); ``filters`` the
    masks of the filtered selections already shown, oldest first.
    """

    groups: pd.DataFrame
    filters: list[np.ndarray] = field(default_factory=list)

    def register_filter(self, mask: Sequence[bool] | np.ndarray) -> None:
        """Record a filtered selection as shown (after its view was released)."""
        m = np.asarray(mask, dtype=bool).ravel()
        if m.size == len(self.groups) and not any(np.array_equal(m, f) for f in self.filters):
            self.filters.append(m)

    def references(self, exclude: Iterable[str] = ()) -> tuple[np.ndarray, list[str]]:
        """(J × respondents) masks of the sets a new table is checked against, and a label each.

        ``exclude`` names the grouping columns of the table itself: its own groups are its rows.
        """
        skip = set(exclude)
        masks: list[np.ndarray] = []
        labels: list[str] = []
        for col in self.groups.columns:
            if col in skip:
                continue
            codes, values = pd.factorize(self.groups[col].astype(str), sort=True)
            for code, value in enumerate(values):
                mask = codes == code
                if mask.sum() >= FLOOR:
                    masks.append(mask)
                    labels.append(f"{col} = {value}")
        for i, f in enumerate(self.filters):
            if f.size == len(self.groups) and f.sum() >= FLOOR:
                masks.append(np.asarray(f, dtype=bool))
                labels.append(f"filter {i + 1}")
        out = np.array(masks, dtype=bool).reshape(len(masks), len(self.groups))
        return out, labels
