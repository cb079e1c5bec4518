"""Stage 1 of :func:`~analysis.pipeline.prepare`: score the rated items that can be scored
honestly, and say what could not be.

* An item whose scale leaves most of its answers unmatched is refused, with the labels that
  did not match (:func:`refuse_unmatched_scales`): a wrong scale must never become a
  confident 0 or 100.
* A construct computed from under half the answers given to its items carries a warning
  (:func:`thin_constructs`) that every page shows.
* A file with comments but no scorable item is a comments-only survey: its respondents and
  grouping columns, no constructs; a file with neither is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import pandas as pd

from analysis import scoring
from analysis.columns import ColumnMap
from analysis.errors import ChangeRadarError
from analysis.ingest import SurveyExport
from analysis.scales import normalize_answer
from analysis.scoring import Scored
from analysis.survey import Survey

__all__ = [
    "COMMENTS_ONLY_NOTE",
    "MIN_MATCHED_SHARE",
    "NothingToAnalyseError",
    "ScoreStage",
    "refuse_unmatched_scales",
    "score_stage",
    "set_aside_answers",
    "thin_constructs",
]

# An item is refused (left unscored) when more of its answers are off its scale than on it: a
# wrong scale would otherwise turn the few labels it matches into a confident 0 or 100.
# A construct resting on fewer than this share of the answers given to its items is flagged.
MIN_MATCHED_SHARE = 0.5
#: A question whose "no answer" labels ("Not sure", "Don't know") take this share of its
#: answers is said: favourable shares are of the other answers only.
SET_ASIDE_SHARE = 0.1


COMMENTS_ONLY_NOTE = (
    "This file has no rated questions with an answer scale, so there are no scores, score "
    "comparisons, heatmaps, key drivers or score-based hot spots. Comments are analysed in "
    "full (sentiment, signals, themes) and hot spots come from comment evidence only. Map "
    "rated questions to a construct and a scale to see scores."
)


class NothingToAnalyseError(ChangeRadarError):
    """The export has neither a rated item that can be scored nor a comment column."""


@dataclass(frozen=True)
class ScoreStage:
    """What the scoring stage hands on: the per-respondent scores and what to tell the user."""

    scored: Scored
    alerts: list[str]
    construct_alerts: dict[str, str]
    notes: list[str]


def score_stage(export: SurveyExport, colmap: ColumnMap, survey: Survey) -> ScoreStage:
    """Score the rated items that can be scored honestly.

    Items whose scale leaves most answers unmatched are refused first (see
    :func:`refuse_unmatched_scales`). With no scorable item left, a file with comments is a
    comments-only survey (its respondents and grouping columns, no constructs); a file with
    neither is refused with :class:`NothingToAnalyseError`.
    """
    scoring_map, refused = refuse_unmatched_scales(export, colmap)
    if _scorable(scoring_map):
        scored = scoring.prepare(export, scoring_map, survey)
        thin = thin_constructs(export, colmap, scored)
        aside = set_aside_answers(export, scoring_map)
        return ScoreStage(scored, [*refused, *aside, *thin.values()], thin, [])
    if not colmap.comments:
        unscaled = sum(1 for s in colmap.columns if s.role == "item" and s.scale is None)
        raise NothingToAnalyseError(
            " ".join(
                [
                    "Nothing in this file can be analysed: no rated question could be scored "
                    "and there are no comment columns.",
                    *_first_of(refused),
                    *(
                        [f"{unscaled} rated column(s) have no known answer scale."]
                        if unscaled
                        else []
                    ),
                    "Give the rated questions an answer scale (or a custom scale) in the "
                    "mapping, or mark the free-text questions as comments.",
                ]
            )
        )
    return ScoreStage(_respondents_only(export, colmap), refused, {}, [COMMENTS_ONLY_NOTE])


def _first_of(refused: list[str], shown: int = 2) -> list[str]:
    """The first refusals, and how many more: one per item of a 23-item battery in German
    made a 5,600-character error that said the same thing 23 times (a review)."""
    if len(refused) <= shown + 1:
        return refused
    return [
        *refused[:shown],
        f"{len(refused) - shown} more rated questions were left unscored the same way (one "
        "click in the Load page's mapping flow makes a custom scale for all of them).",
    ]


def _scorable(colmap: ColumnMap) -> bool:
    """Whether any item with a scale would be scored as a construct (eNPS is not one)."""
    for spec in colmap.columns:
        if spec.role != "item" or spec.scale is None or spec.construct == "enps":
            continue
        if spec.construct or colmap.scale_for(spec.name).kind != "nps":
            return True
    return False


def _respondents_only(export: SurveyExport, colmap: ColumnMap) -> Scored:
    """A :class:`Scored` with the respondents and grouping columns and no constructs, so
    comments-only surveys go through the same grouping and privacy code as any other."""
    group_cols = [s.name for s in colmap.columns if s.role in ("team", "role", "demographic")]
    index = export.responses.index
    meta_cols = ["construct", "scale_min", "scale_max", "favorable_min", "unfavorable_max"]
    meta = pd.DataFrame(columns=[*meta_cols, "reverse"], index=pd.Index([], name="item"))
    return scoring.score_responses(
        pd.DataFrame(index=index),
        meta,
        groups=export.responses[group_cols] if group_cols else None,
    )


def refuse_unmatched_scales(export: SurveyExport, colmap: ColumnMap) -> tuple[ColumnMap, list[str]]:
    """The column map to score with, and one message per refused item.

    An item is refused (set aside, never scored) when more of its answers are off its scale
    than on it: e.g. "Not at all / Somewhat / Absolutely" read with an agreement scale would
    score the few matching answers and report 0 or 100 for everyone. The message lists the
    unmatched labels so the user can build a custom scale from them. "Don't know" and other
    answers the scale treats as no answer do not count either way.
    """
    specs, refused = [], []
    for spec in colmap.columns:
        if spec.role == "item" and spec.scale is not None:
            scale = colmap.scale_for(spec.name)
            enc = scale.encode(export.responses[spec.name])
            matched = int(enc.values.notna().sum())
            if enc.n_invalid > matched:
                labels = ", ".join(f"'{a}'" for a in enc.invalid_answers[:8])
                more = len(enc.invalid_answers) - 8
                refused.append(
                    f"'{spec.name}' was left unscored: {enc.n_invalid} of "
                    f"{enc.n_invalid + matched} answers are not on its {scale.name} scale "
                    f"({labels}{f' and {more} more' if more > 0 else ''}). Give it a "
                    "scale with these labels (a custom scale in the mapping)."
                )
                specs.append(replace(spec, role="ignored"))
                continue
        specs.append(spec)
    if not refused:
        return colmap, []
    return replace(colmap, columns=specs, warnings=[]), refused


def thin_constructs(export: SurveyExport, colmap: ColumnMap, scored: Scored) -> dict[str, str]:
    """Constructs computed from under :data:`MIN_MATCHED_SHARE` of the answers given to their
    items (answers off the scale, and items refused or without a scale, count as given but
    unused), as construct id -> warning."""
    given: dict[str, int] = {}
    for spec in colmap.columns:
        if spec.role == "item" and spec.construct and spec.construct != "enps":
            cell = export.responses[spec.name]
            n = int((cell.notna() & (cell.astype(str).str.strip() != "")).sum())
            given[spec.construct] = given.get(spec.construct, 0) + n
    out: dict[str, str] = {}
    meta = scored.item_meta
    for construct, label in scored.construct_meta["label"].items():
        items = list(meta.index[meta["construct"] == construct])
        used = int(scored.items[items].notna().sum().sum()) if items else 0
        total = max(given.get(str(construct), 0), used)
        if total and used < MIN_MATCHED_SHARE * total:
            out[str(construct)] = (
                f"{label} is computed from only {used} of {total} answers "
                f"({100 * used / total:.0f}%): the rest are off the answer scale or in "
                "questions left unscored. Treat it with caution and fix the scales."
            )
    return out


#: "No answer" labels that can be a scale's middle answer ("Don't know" and "N/A" cannot).
_UNSURE = re.compile(r"^(?:not sure|unsure|i'?m not sure|i am not sure|no opinion|can'?t say)$")


def _with_middle(labels: tuple[str, ...], label: str) -> str:
    """A label map with ``label`` as the middle point: inserted in an even scale, in place of
    the middle label of an odd one."""
    half = len(labels) // 2
    points = [*labels[:half], label, *labels[half + (len(labels) % 2) :]]
    return "{" + ", ".join(f"{p}: {i}" for i, p in enumerate(points, start=1)) + "}"


def set_aside_answers(export: SurveyExport, colmap: ColumnMap) -> list[str]:
    """One alert per "no answer" label that takes :data:`SET_ASIDE_SHARE` of some rated
    question's answers ("Not sure": 1,380 answers in 23 questions).

    They are not scored, which is right for "Don't know" beside a scale; but when no answer
    was ever given at the scale's midpoint, "Not sure" may be the midpoint itself, and read as
    no answer it raises every favourable share (a review found +10 points on all six
    measures, said nowhere)."""
    counts: dict[str, list[int]] = {}  # label -> [answers, questions]
    no_middle: dict[str, bool] = {}
    example: dict[str, str] = {}
    for spec in colmap.columns:
        if spec.role != "item" or spec.scale is None:
            continue
        scale = colmap.scale_for(spec.name)
        # counted per distinct answer (a categorical's categories), never per cell
        tally = export.responses[spec.name].value_counts(sort=False)
        tally = tally[tally > 0]
        tally.index = tally.index.astype(str).str.strip()
        tally = tally[tally.index != ""]
        n = int(tally.sum())
        by_label: dict[str, int] = {}
        for value, count in tally.items():
            if normalize_answer(value) in scale.missing:
                by_label[str(value)] = by_label.get(str(value), 0) + int(count)
        # no answer in the middle: an even scale (agree4 read from "SD, D, A, SA" beside
        # "Not sure"), or an odd one whose middle nobody chose
        middle = (scale.min + scale.max) / 2
        chosen = {scale.value_of(v) for v in tally.index}
        for label, count in by_label.items():
            if n and count >= SET_ASIDE_SHARE * n:
                entry = counts.setdefault(label, [0, 0])
                entry[0] += count
                entry[1] += 1
                unsure = _UNSURE.match(normalize_answer(label)) is not None
                no_middle[label] = no_middle.get(label, True) and unsure and middle not in chosen
                example.setdefault(label, _with_middle(scale.labels, label))
    out = []
    for label, (count, questions) in sorted(counts.items(), key=lambda kv: -kv[1][0]):
        text = (
            f"'{label}' counts as no answer: {count:,} answers in {questions} rated "
            f"question(s) are not scored, and favourable shares are of the other answers."
        )
        if no_middle[label]:
            text += (
                " None of these questions has an answer at its scale's midpoint, so "
                f"'{label}' may be the midpoint: if it is, give the scale in the mapping "
                f"(scale: {example[label]})."
            )
        out.append(text)
    return out
