"""The tables of several waves: trend, item matches and changes
(:class:`analysis.waves.WaveComparison`), the pilot comparison, rollout readiness and the
action plan measured against the next wave."""

from __future__ import annotations

from analysis.tables.schema import (
    BOXES,
    CONSTRUCT,
    DID,
    KEY,
    PCT,
    SCORE,
    SUPPRESSED,
    N,
    Table,
    col,
    p_value,
)

#: Wave × group × construct scores (:func:`analysis.waves.compare_waves`).
TREND = Table(
    "trend",
    (
        col("wave", nullable=False),
        col("wave_order", "count", low=0),
        col("date"),
        *KEY,
    ),
    (
        *CONSTRUCT,
        N,
        *SCORE,
        *BOXES,
        *SUPPRESSED,
    ),
    grouped=True,
)

#: Which item of wave B answers each item of wave A (:func:`analysis.waves.match_items`).
MATCHES = Table(
    "matches",
    (
        col("item_a"),
        col("item_b"),
        col("matched_by", nullable=False),
        col("confidence", "number", nullable=False, low=0, high=1),
        col("construct_a"),
        col("construct_b"),
        col("question_a"),
        col("question_b"),
    ),
)

#: Changes between consecutive waves per group × construct (:func:`analysis.waves.compare_waves`).
CHANGES = Table(
    "changes",
    KEY,
    (
        *CONSTRUCT,
        col("from_wave", nullable=False),
        col("to_wave", nullable=False),
        col("n_from", "number", low=0, blank=True),
        col("n_to", "number", low=0, blank=True),
        col("score_from", "number", **PCT, blank=True),
        col("score_to", "number", **PCT, blank=True),
        col("change", "number", low=-100, high=100, blank=True),
        col("favorable_from", "number", **PCT, blank=True),
        col("favorable_to", "number", **PCT, blank=True),
        col("change_favorable", "number", low=-100, high=100, blank=True),
        col("test"),
        col("n_paired", "number", low=0, blank=True),
        p_value("p", blank=True),
        p_value("p_adj"),
        p_value("p_favorable", blank=True),
        p_value("p_favorable_adj"),
        col("effect_size", "number", blank=True),
        col("significant", "flag"),
        col("worsened", "flag"),
        col("improved", "flag"),
        *DID,
        p_value("p_did", blank=True),
        p_value("p_did_adj"),
        *SUPPRESSED,
        col("note"),
    ),
    grouped=True,
)

#: Pilot minus comparison per construct (:func:`analysis.pilot.compare_pilot`): within one wave,
#: or the difference in differences of two (``design`` "did"), with the pre-pilot gap.
PILOT = Table(
    "pilot",
    (
        *CONSTRUCT,
        col("design", nullable=False),
        col("method", nullable=False),
        col("n_pilot", "number", low=0, blank=True),
        col("n_comparison", "number", low=0, blank=True),
        col("pilot_score", "number", **PCT, blank=True),
        col("comparison_score", "number", **PCT, blank=True),
        col("pilot_change", "number", low=-100, high=100, blank=True),
        col("comparison_change", "number", low=-100, high=100, blank=True),
        col("estimate", "number", low=-100, high=100, blank=True),
        col("ci_low", "number", blank=True),
        col("ci_high", "number", blank=True),
        p_value("p", blank=True),
        p_value("p_adj"),
        col("pre_gap", "number", low=-100, high=100, blank=True),
        col("pre_gap_low", "number", blank=True),
        col("pre_gap_high", "number", blank=True),
        col("placebo", "number", low=-100, high=100, blank=True),
        col("placebo_low", "number", blank=True),
        col("placebo_high", "number", blank=True),
        col("verdict", nullable=False),
        *SUPPRESSED,
    ),
)

#: Rollout readiness per group (:func:`analysis.pilot.readiness`): a status and why.
READINESS = Table(
    "readiness",
    (
        col("group", nullable=False),
        col("n", "number", low=0, blank=True),
        col("status", nullable=False),
        col("diagnosis"),
        col("reason", nullable=False),
        col("low"),
        col("unclear"),
        col("manager_gap", "number", low=-100, high=100, blank=True),
        col("manager_gap_low", "number", blank=True),
        col("manager_gap_high", "number", blank=True),
        col("manager_flag", "flag"),
        *SUPPRESSED,
    ),
)

#: Each action measured against the next wave (:func:`analysis.actions.measure_actions`).
ACTIONS = Table(
    "actions",
    (
        col("id", nullable=False),
        col("group", nullable=False),
        col("construct", nullable=False),
        col("item"),
        col("action", nullable=False),
        col("owner"),
        col("due"),
        col("target", "number", **PCT),
        col("from_wave"),
        col("to_wave"),
        col("score_to", "number", **PCT, blank=True),
        col("change", "number", low=-100, high=100, blank=True),
        *DID,
        p_value("p_did_adj", blank=True),
        col("reached", "value"),
        col("result", nullable=False),
        *SUPPRESSED,
    ),
)
