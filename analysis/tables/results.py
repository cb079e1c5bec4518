"""The tables one view hands out (:class:`analysis.pipeline.Results`), and which declared
table each Results field follows."""

from __future__ import annotations

from analysis.tables.schema import (
    BOXES,
    CONSTRUCT,
    KEY,
    PCT,
    SCORE_BOUNDED,
    SUPPRESSED,
    N,
    Table,
    col,
    p_value,
)

#: Whole organisation per construct (:func:`analysis.scoring.org_scores`).
ORG = Table(
    "org",
    (
        *CONSTRUCT,
        col("concept"),
        N,
        *SCORE_BOUNDED,
        *BOXES,
        col("alpha", "number", high=1),
        col("alpha_warning"),
        *SUPPRESSED,
    ),
)

#: Group × construct compared with the rest (:func:`analysis.scoring.group_scores`).
GROUPS = Table(
    "groups",
    KEY,
    (
        col("construct", nullable=False),
        N,
        col("group_n", "number", low=0, blank=True),  # people in the group, whatever they answered
        *SCORE_BOUNDED,
        *BOXES,
        col("rest_score", "number", **PCT, blank=True),
        col("diff_vs_rest", "number", low=-100, high=100, blank=True),
        col("effect_size", "number", blank=True),
        p_value("p", blank=True),
        p_value("p_fav", blank=True),
        p_value("p_adj", blank=True),
        p_value("p_fav_adj", blank=True),
        *SUPPRESSED,
        # read by analysis.hotspots when a caller adds them; scoring does not
        col("label", required=False),
        col("rest_n", "number", required=False),
    ),
    grouped=True,
)

#: Item (× group) results (:func:`analysis.scoring.item_scores`; no ``by`` for the org).
ITEMS = Table(
    "items",
    KEY,
    (
        col("item", nullable=False),
        col("question"),
        col("construct"),  # blank on a hidden row: privacy.protect_groups keeps only "item"
        N,
        col("mean", "number", blank=True),
        col("score", "number", **PCT, blank=True),
        *BOXES,
        *SUPPRESSED,
    ),
    grouped=True,
)

#: Employee Net Promoter Score (:func:`analysis.scoring.enps`).
ENPS = Table(
    "enps",
    KEY,
    (
        N,
        col("promoters", "number", **PCT, blank=True),
        col("passives", "number", **PCT, blank=True),
        col("detractors", "number", **PCT, blank=True),
        col("enps", "number", low=-100, high=100, blank=True),
        *SUPPRESSED,
    ),
    grouped=True,
)

#: Answer distribution per item for the Likert chart (``analysis.pipeline``, org only).
LIKERT = Table(
    "likert",
    (
        col("item", nullable=False),
        col("question"),
        col("construct"),
        col("label"),
        col("order", "count", low=0),
        col("count", "count", low=0),
        col("share", "number", low=0, high=1),
        col("n", "count", low=0),
        col("is_missing", "flag"),
    ),
)

#: Key drivers per outcome (:func:`analysis.drivers.key_drivers`).
DRIVERS = Table(
    "drivers",
    (
        col("outcome", nullable=False),
        col("driver", nullable=False),
        col("raw_weight", "number"),
        col("share", "number"),
        col("ci_low", "number"),
        col("ci_high", "number"),
        col("n", "count", low=0),
        col("r2", "number"),
        col("note"),
    ),
)

#: Groups on the trust × fear map (:func:`analysis.hotspots.segments`).
SEGMENTS = Table(
    "segments",
    (
        *KEY,
        col("trust", "number", **PCT),
        col("trust_low", "number", **PCT),
        col("trust_high", "number", **PCT),
        col("fear", "number", **PCT),
        col("fear_low", "number", **PCT),
        col("fear_high", "number", **PCT),
        col("n", "count", low=0),
        # a corner name, "uncertain" (interval crosses a cut-off) or "too few to label"
        col("quadrant", nullable=False),
        col("description"),
        col("group_key", "value"),
    ),
)

#: One row per flag, ranked (:func:`analysis.hotspots.flags_frame`).
FLAGS = Table(
    "flags",
    (
        col("rank", "count", low=1),
        *KEY,
        col("type", nullable=False),
        col("n", "count", low=0),
        col("priority", "number", low=0),
        col("constructs"),
        col("segment"),
        col("reason"),
        col("actions"),
        col("quotes"),
        col("priority_formula"),
        col("action"),  # training | change_management | monitor | too_small_to_tell
        col("confidence"),  # high | medium | low
        col("scope"),  # group | organisation
        col("response_rate", "number", low=0, high=100),
    ),
)

#: Comment themes (:func:`analysis.themes.theme_table`).
THEMES = Table(
    "themes",
    (
        col("theme", "count"),
        col("label"),
        col("kind", required=False),  # "guided" (a codebook concern) or "discovered"
        col("size", "count", low=0),
        col("share", "number", low=0, high=1),
        col("mean_sentiment", "number", low=-1, high=1),
        col("share_{signal}", "number", low=0, high=1),
    ),
)

#: Theme shares per group (:func:`analysis.themes.theme_group_shares`, hidden groups blank).
THEME_SHARES = Table(
    "theme_shares",
    (
        *KEY,
        col("n_comments", "number", low=0, blank=True),
        col("theme", "count"),
        col("count", "number", low=0, blank=True),
        col("share", "number", low=0, high=1, blank=True),
        col("hidden", "flag"),
        col("label"),
    ),
)

#: Redacted comments of groups that may show them (``analysis.pipeline``).
COMMENTS = Table(
    "comments",
    (),
    (
        col("column"),
        col("question"),
        col("text"),
        col("label"),
        col("label_basis"),  # "model" (the learned layer) or "lexicon" (VADER + workplace layer)
        col("compound", "number", low=-1, high=1),
        col("{signal}", "flag"),
        # per signal found, (signal, phrase): the words that triggered it where they appear in
        # the redacted text, else "" (withheld)
        col("signal_phrases", "value"),
        col("theme", "count"),
        col("theme_label"),
        col("sub_theme_label"),  # "" when the theme is not split
        col("secondary_theme_label"),  # a second concern the comment clearly raises, else ""
    ),
    grouped=True,
)

#: Comment counts, sentiment and signal shares per group (``analysis.pipeline``).
COMMENT_GROUPS = Table(
    "comment_groups",
    (
        col("group", nullable=False),
        col("n_comments", "number", low=0),
        col("visible", "flag"),
        col("share_negative", "number", low=0, high=1),
        col("share_neutral", "number", low=0, high=1),
        col("share_positive", "number", low=0, high=1),
        col("share_{signal}", "number", low=0, high=1),
    ),
)

#: Each question's relative weight on an outcome (:func:`analysis.hotspots.item_drivers`).
ITEM_DRIVERS = Table(
    "item_drivers",
    (
        col("outcome", nullable=False),
        col("construct", nullable=False),
        col("item", nullable=False),
        col("question"),
        col("r", "number", low=-1, high=1),
        col("share", "number"),
        col("ci_low", "number"),
        col("ci_high", "number"),
        col("n", "count", low=0),
        col("r2", "number", low=0, high=1),
        col("note"),
    ),
)

#: Each visible group's gap to the rest on each question (:func:`analysis.hotspots.item_gaps`),
#: screened like the hot spots; the grouping columns come last.
ITEM_GAPS = Table(
    "item_gaps",
    (
        *KEY,
        col("construct", nullable=False),
        col("item", nullable=False),
        col("question"),
        col("n", "count", low=0),
        col("score", "number", **PCT),
        col("rest_score", "number", **PCT),
        col("gap", "number", low=-100, high=100),
        col("gap_low", "number"),
        col("gap_high", "number"),
        col("effect_size", "number"),
        p_value("q"),
        col("state", nullable=False),
        col("weakest", "flag"),
    ),
    grouped=True,
)

#: Which declared table each :class:`analysis.pipeline.Results` table follows, and whether it
#: carries the view's grouping columns (``Results.by``) between its head and tail. A view with
#: no scores (a comments-only survey) or no grouping hands these out empty, declared columns
#: and all (``Table.empty``).
RESULT_TABLES: dict[str, tuple[Table, bool]] = {
    "org": (ORG, False),
    "groups": (GROUPS, True),
    "items": (ITEMS, True),
    "org_items": (ITEMS, False),
    "likert": (LIKERT, False),
    "enps": (ENPS, False),
    "enps_groups": (ENPS, True),
    "drivers": (DRIVERS, False),
    "segments": (SEGMENTS, False),
    "themes": (THEMES, False),
    "theme_shares": (THEME_SHARES, False),
    "comments": (COMMENTS, True),
    "comment_groups": (COMMENT_GROUPS, False),
    "flags_table": (FLAGS, False),
    "item_drivers": (ITEM_DRIVERS, False),
    "item_gaps": (ITEM_GAPS, True),
}
