"""The words every pack carries: how to read the numbers, thresholds, methods and notes.

Shared by the workbook and the HTML reports, so both explain the same rules the same way.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from analysis.privacy import PrivacyPolicy
from analysis.thresholds import THRESHOLDS
from render.formats import ALPHA
from render.teams import constructs, grouping_text, hidden_groups


def thresholds_text(policy: PrivacyPolicy) -> str:
    return (
        f"Results are hidden for groups with fewer than {policy.min_group} responses; comments "
        f"are shown only for groups with at least {policy.min_comments} comments."
    )


def how_to_read(results: Any) -> list[str]:
    worse = [c.label for c in constructs(results) if c.higher_worse]
    lines = [
        "Scores run from 0 to 100: 0 means everyone gave the lowest answer, 100 the highest.",
        "% favourable is the share of answers in the top two boxes (for example Agree or "
        "Strongly agree).",
    ]
    if worse:
        lines.append(
            f"For {', '.join(worse)} a higher score (and a higher % favourable) means more of "
            "it, which is worse."
        )
    lines += [
        "'vs rest' compares the team with everyone else in the organisation. 'Worse' or "
        "'better' is only said when the difference is statistically significant "
        f"(Welch t-test, Holm-adjusted p < {ALPHA:g}).",
        "The 95% confidence interval shows how precise a score is: small teams have wide "
        "intervals.",
        thresholds_text(results.policy),
    ]
    return lines


#: How the tables' intervals are computed (analysis.scoring.intervals).
INTERVAL = (
    "95% interval of the team mean that stays inside 0–100: Wilson's score interval at the "
    "effective sample size, with Korn and Graubard's small-sample correction; for large teams "
    "it equals the t-interval."
)


def methods_lines(results: Any) -> list[tuple[str, str]]:
    p = results.policy
    src = results.source or {}
    summary = results.comment_summary or {}
    hidden = hidden_groups(results)
    hidden_text = "; ".join(f"{g}: {r}" for g, r in hidden) if hidden else "no group was hidden"
    dropped = ", ".join(src.get("identity_columns_dropped") or []) or "none found"
    filters = (
        "; ".join(f"{k} in {', '.join(v)}" for k, v in results.filters.items())
        if results.filters
        else "none"
    )
    return [
        ("Survey", str(results.survey_name)),
        ("Source file", str(src.get("file") or "(not named)")),
        ("Export format", f"{src.get('format', '')} ({src.get('file_type', '')})"),
        ("Report date", date.today().isoformat()),
        ("Respondents analysed (n)", f"{results.n:,}"),
        ("Grouped by", grouping_text(results)),
        ("Filters", filters),
        ("Minimum group size", f"{p.min_group} responses"),
        ("Minimum comments", f"{p.min_comments} comments per group"),
        ("Hidden groups and why", hidden_text),
        (
            "Complementary hiding",
            "A group can also be hidden when its numbers, together with the organisation "
            "total and other groups, would let someone work out a smaller group by subtraction.",
        ),
        ("Comments", _comments_line(summary)),
        ("Identity columns removed", f"{dropped}: never analysed or exported."),
        (
            "Scores (0–100)",
            "Each answer is put on 0–100 as (value − scale minimum) / (scale maximum − scale "
            "minimum) × 100, after reverse-keyed items are flipped. A person's construct score "
            "is the mean of their answered items; a team score is the mean over its people.",
        ),
        (
            "% favourable",
            "Share of answered items in the top two boxes (top-2 box); % unfavourable is the "
            "bottom two boxes.",
        ),
        ("Confidence interval", INTERVAL),
        (
            "Team vs rest",
            "Welch's t-test of the team against everyone else, p-values adjusted for all "
            "groups × constructs at once with Holm's method; effect size is Cohen's d "
            f"(pooled SD). 'Worse'/'better' is stated only when the adjusted p < {ALPHA:g}.",
        ),
        (
            "Flags",
            "A flag is raised where a team is significantly and materially worse than the rest "
            "on a construct, weighted by how strongly it drives the outcome, and by comment "
            "signals when the team has enough comments. Recommended actions come from the "
            "playbook, each with its evidence source.",
        ),
        (
            "Questions clearly below the rest",
            "Each visible team's gap to the rest of the organisation on each question, screened "
            "like the flags: Benjamini–Hochberg within each question, a gap of at least "
            f"{THRESHOLDS.min_points:g} points and |d| ≥ {THRESHOLDS.min_effect:g}, and too small "
            "to tell where the interval is wide. Only questions the protected question table "
            "shows are compared.",
        ),
        (
            "Question drivers",
            "Within each measure of two or more questions: each question's share of the outcome "
            "variance the measure's questions explain together (relative weights, Johnson 2000; "
            "bootstrap 95% interval), left blank when that R² is not significantly above zero.",
        ),
        ("Warnings", "; ".join(results.warnings) if results.warnings else "none"),
    ]


def _comments_line(summary: dict) -> str:
    """The methods line on comments; a filtered view may leave out its counts of every comment
    received (``counts_withheld``: set against an earlier view, they would tell what a few
    people wrote)."""
    tail = (
        " shown (only from groups meeting the comment threshold). Names, e-mails, phone numbers "
        "and IDs in comments are replaced by placeholders such as [EMAIL]."
    )
    if summary.get("counts_withheld"):
        return (
            f"{summary.get('analysed', 0)} analysed, {summary.get('shown', 0)}{tail} This view "
            "does not count the comments received, filler or not in English: set against an "
            "earlier view's, its counts would tell what a few people wrote."
        )
    return (
        f"{summary.get('total', 0)} comments received, {summary.get('filler', 0)} filler "
        f"('n/a', 'nothing'), {summary.get('not_english', 0)} not in English, "
        f"{summary.get('analysed', 0)} analysed, {summary.get('shown', 0)}{tail}"
    )
