"""The decision thresholds every module reads, defined once.

A number here decides what the reader is told ("significantly worse", a flag, a colour), so a
module that needs one imports :data:`THRESHOLDS` instead of writing the number again; a change
here changes every table, chart, report and methods note together. Confidentiality thresholds
(minimum group size, minimum comments) are not here: they are the user-settable
:class:`analysis.privacy.PrivacyPolicy`.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["THRESHOLDS", "Thresholds"]


@dataclass(frozen=True)
class Thresholds:
    """When a difference is reported as real and as mattering.

    ``alpha``
        Significance level for Holm-adjusted p values (group vs rest, wave changes, comment
        signals): 0.05, the convention (Fisher 1925).
    ``min_effect``
        Smallest |effect size| that counts as practically meaningful: Cohen's d (or h for
        proportions) of 0.3, between Cohen's "small" (0.2) and "medium" (0.5) (Cohen 1988,
        §2.2.3). Used by hot spots and by wave-over-wave changes.
    ``min_points``
        Smallest gap on the 0–100 score that counts, and the edge of the light colour in
        group tables: 5 points (about one answer step on a 5-point item for one in five
        people).
    ``strong_points``
        Gap on 0–100 from which a group table shows the strong colour: 10 points.
    ``min_share_diff``
        Smallest rise in the share of comments asking for training (0–1) that raises a
        training flag from comments alone: 0.10 (10 percentage points).
    ``min_reliability``
        Cronbach's alpha below which a construct's reliability is flagged as low: 0.6, the
        usual floor for short scales in exploratory use (Nunnally 1978; Hair et al. 2019).
    """

    alpha: float = 0.05
    min_effect: float = 0.3
    min_points: float = 5.0
    strong_points: float = 10.0
    min_share_diff: float = 0.10
    min_reliability: float = 0.6


#: The thresholds in force; pass other values as arguments where a function accepts them.
THRESHOLDS = Thresholds()
