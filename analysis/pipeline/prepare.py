"""The per-upload work, as named stages over one export: everything that depends only on the
upload and its mapping, done once so that every view after it is quick.

1. :func:`~analysis.pipeline.scores.score_stage`: per-respondent construct scores (items
   whose scale does not fit are refused; comments-only files get no constructs);
2. :func:`~analysis.pipeline.coding.code_comments`: comments tidied, redacted, scored for
   sentiment and signals, and themed;
3. :func:`drivers_stage`: key drivers of the outcome constructs.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analysis import comments as comments_mod
from analysis import drivers as drivers_mod
from analysis.columns import ColumnMap, infer_columns
from analysis.ingest import SurveyExport
from analysis.pipeline.coding import code_comments
from analysis.pipeline.model import Prepared
from analysis.pipeline.scores import score_stage
from analysis.scoring import Scored
from analysis.survey import Survey, default_survey
from analysis.tables import DRIVERS

__all__ = ["drivers_stage", "prepare"]


def prepare(
    export: SurveyExport,
    colmap: ColumnMap | None = None,
    *,
    survey: Survey | None = None,
    roster: Sequence[str] = (),
    min_themes: int = 3,
    max_themes: int = 12,
    random_state: int = 0,
    n_boot: int = 300,
    source_name: str = "",
    outcome: str | None = None,
) -> Prepared:
    """Score respondents and code every comment once (the stages in the module docstring).

    ``roster`` lists names to redact from comments; ``min_themes``/``max_themes`` bound the
    number of themes; ``n_boot`` is the number of bootstrap resamples of the key drivers;
    ``outcome`` names the one construct the drivers explain (default: the survey's outcomes).
    """
    survey = survey or default_survey()
    colmap = colmap or infer_columns(export, survey)
    colmap.require_answers()
    if colmap.comments:
        comments_mod.preload_language_model()  # loads while the answers are scored
    scores = score_stage(export, colmap, survey)
    if outcome is not None:  # a wrong outcome fails before the slow comment coding
        outcome = drivers_mod.choose_outcome(outcome, scores.scored.construct_meta)
    comments, model = code_comments(
        export, colmap, scores.scored, roster, min_themes, max_themes, random_state
    )
    drivers = drivers_stage(
        scores.scored, survey, n_boot=n_boot, random_state=random_state, outcome=outcome
    )
    return Prepared(
        export=export,
        colmap=colmap,
        survey=survey,
        scored=scores.scored,
        comments=comments,
        theme_model=model,
        drivers=drivers,
        source_name=source_name,
        # the alerts are in the warnings too, for pages that list warnings only
        warnings=[
            *export.warnings,
            *colmap.warnings,
            *scores.scored.warnings,
            *_comment_notes(comments),
            *scores.alerts,
        ],
        alerts=scores.alerts,
        construct_alerts=scores.construct_alerts,
        notes=scores.notes,
    )


def drivers_stage(
    scored: Scored, survey: Survey, *, n_boot: int, random_state: int, outcome: str | None = None
) -> pd.DataFrame:
    """Key drivers of each outcome construct (none without constructs), or of the one the
    user chose (``outcome``: a construct id, concept or label; a clear error otherwise)."""
    if outcome is not None:
        outcomes: tuple[str, ...] = (drivers_mod.choose_outcome(outcome, scored.construct_meta),)
    else:
        outcomes = drivers_mod.DEFAULT_OUTCOMES
    if not len(scored.construct_meta):
        return DRIVERS.empty()
    answers = scored.constructs
    if scored.enps is not None:
        answers = answers.assign(enps=scored.enps)
    return drivers_mod.key_drivers(
        answers, outcomes, constructs=survey, n_boot=n_boot, random_state=random_state
    )


def _comment_notes(comments: pd.DataFrame) -> list[str]:
    notes = list(comments.attrs.get("notes", []))
    n_non_en = int((~comments["is_english"] & ~comments["is_filler"]).sum()) if len(comments) else 0
    if n_non_en:
        notes.append(
            f"{n_non_en} comment(s) are not in English; they are counted but not analysed "
            "(only English is analysed for now)."
        )
    return notes
