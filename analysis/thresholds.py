"""The decision thresholds every module reads, defined once.

A number here decides what the reader is told ("significantly worse", a flag, a colour), so a
module that needs one imports :data:`THRESHOLDS` instead of writing the number again; a change
here changes every table, chart, report and methods note together. Confidentiality thresholds
(minimum group size, minimum comments) are not here: they are the user-settable
:class:`analysis.privacy.PrivacyPolicy`.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_TARGETS", "THRESHOLDS", "Thresholds", "default_target"]


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
    ``hotspot_fdr``
        False discovery rate for hot-spot screening, Benjamini–Hochberg within one grouping and
        construct (e.g. all teams on trust): 0.20. A hot spot is a lead for a conversation, not
        a confirmatory finding, so a screening rate is used (Benjamini & Hochberg 1995;
        screening rates of 0.1–0.25 as in Storey & Tibshirani 2003). Chosen on development
        seeds of the planted-data generator (``evals/hotspots_power.py``, seeds 5000+): recall
        0.43 with 4.6% of null teams falsely flagged (0.15: 0.37 and 3.2%; 0.25: 0.48 and 5.5%).
    ``min_flag_n``
        Smallest group that can be flagged: 10 people. Under it the interval of a gap is too
        wide to act on, whatever the privacy minimum allows to be shown.
    ``majority_share``
        A group holding more than this share of respondents is never flagged against "the
        rest": 0.5 (it *is* most of the organisation; see organisation-level flags instead).
    ``min_response_rate``
        Response rate (%) under which a group's results are warned about and a flag's
        confidence lowered: 60 (non-response is not random: the disengaged and fearful answer
        less; Rogelberg & Stanton 2007).
    ``min_persona_n``
        Smallest group given a trust × fear persona label: 20 people.
    ``min_cases_per_predictor``
        Complete responses per predictor a key-driver model needs: 15 (Harrell 2015, §4.4,
        10–20 per candidate predictor; Green 1991).
    """

    alpha: float = 0.05
    min_effect: float = 0.3
    min_points: float = 5.0
    strong_points: float = 10.0
    min_share_diff: float = 0.10
    min_reliability: float = 0.6
    hotspot_fdr: float = 0.20
    min_flag_n: int = 10
    majority_share: float = 0.5
    min_response_rate: float = 60.0
    min_persona_n: int = 20
    min_cases_per_predictor: int = 15


#: The thresholds in force; pass other values as arguments where a function accepts them.
THRESHOLDS = Thresholds()


#: Minimum acceptable % favourable per survey concept, used when a construct has no ``target``.
#: "Favourable" is the good side in the construct's direction (for fear of displacement, the
#: share *not* afraid). 50% is the default everywhere: fewer than half of people on the good
#: side is the point at which vendors' benchmarks call a result a clear weakness (the
#: Glint/Qualtrics "% favourable" convention), and it is where a majority turns. Readiness and
#: manager support get 60%: they are preconditions of adoption (Armenakis & Harris 2009), so a
#: bare majority is not enough.
DEFAULT_TARGETS: dict[str, float] = {
    "trust_in_ai": 50.0,
    "fear_of_displacement": 50.0,
    "change_readiness": 60.0,
    "training_need": 50.0,
    "manager_support": 60.0,
    "communication_clarity": 50.0,
}


def default_target(concept: str | None) -> float | None:
    """The documented default target (% favourable) of a concept; None for custom constructs."""
    return DEFAULT_TARGETS.get(concept) if concept else None
