"""Construct scores, % favourable, group comparisons, eNPS and response rates.

The per-respondent :class:`Scored` object is private: it is never shown. Every public function
that returns numbers about groups sends its table through :func:`analysis.privacy.protect_groups`
before returning it; the unprotected aggregations are private helpers (leading underscore).

Conventions
-----------
* Reverse-keyed items are recoded ``x' = min + max − x`` on their own scale.
* Item values are put on 0–100 (0 = the scale's lowest value, 100 = its highest), so items on
  different scales can share a construct. A respondent's construct score is the mean of their
  answered items on 0–100; it is NaN when they answered fewer than ``min_item_share`` of the
  construct's items.
* % favourable / neutral / unfavourable count item responses (the Glint/Qualtrics convention):
  the share of all answered item responses in the construct that fall in the top box
  (``>= favorable_min``), bottom box (``<= unfavorable_max``) or between, after reverse coding
  (box limits of a reverse-keyed item are mirrored with it). Only respondents who have a
  construct score count, so every number in a row rests on the same ``n`` people.
  "Favourable" means the top of the scored direction: for a ``higher_worse`` construct such as
  fear of displacement a high % favourable means *more* fear; read it with ``direction``.
* Group comparisons are against the rest of the organisation (everyone not in the group).

Modules, one job each: ``model`` (:class:`Scored`, :func:`subset`, :class:`Difference`),
``respondents`` (:func:`score_responses`), ``from_export`` (:func:`prepare`), ``stacks`` and
``grouping`` (per-group sums), ``release`` (what the privacy check needs), ``constructs``
(:func:`org_scores`, :func:`group_scores`), ``intervals`` (:func:`bounded_mean_ci`), ``items``
(:func:`item_scores`), ``promoters`` (:func:`enps`). Response rates:
:mod:`analysis.hotspots.targets`.
"""

from analysis.scoring.constructs import group_scores, org_scores
from analysis.scoring.from_export import prepare
from analysis.scoring.intervals import bounded_mean_ci
from analysis.scoring.items import item_scores
from analysis.scoring.model import (
    CROSS,
    NEST,
    NO_ANSWER,
    Answers,
    Difference,
    Scored,
    join_labels,
    subset,
)
from analysis.scoring.promoters import enps
from analysis.scoring.respondents import score_responses

__all__ = [
    "CROSS",
    "NEST",
    "NO_ANSWER",
    "Answers",
    "Difference",
    "Scored",
    "bounded_mean_ci",
    "enps",
    "group_scores",
    "item_scores",
    "join_labels",
    "org_scores",
    "prepare",
    "score_responses",
    "subset",
]
