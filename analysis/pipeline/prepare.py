"""The per-upload work, as named stages over one export: everything that depends only on the
upload and its mapping, done once so that every view after it is quick.

1. :func:`~analysis.pipeline.scores.score_stage`: per-respondent construct scores (items
   whose scale does not fit are refused; comments-only files get no constructs);
2. :func:`~analysis.pipeline.coding.read_comments`: comments tidied, redacted, scored for
   sentiment and rule-based signals; then :func:`~analysis.pipeline.coding.finish_coding`:
   the signal model and the themes (sentence embeddings, the slow part), in a row or, with
   ``background=True``, in a background job that :func:`settle` collects;
3. :func:`drivers_stage`: key drivers of the outcome constructs.
"""

from __future__ import annotations

import dataclasses
import functools
import weakref
from collections.abc import Callable, Sequence

import pandas as pd

from analysis import comments as comments_mod
from analysis import drivers as drivers_mod
from analysis import hotspots as hotspots_mod
from analysis.columns import ColumnMap, infer_columns
from analysis.ingest import SurveyExport
from analysis.pipeline.background import Background
from analysis.pipeline.coding import (
    ThemeSettings,
    comment_cells,
    comment_inputs,
    finish_coding,
    read_comments,
    shown_table,
)
from analysis.pipeline.memory import release_later, release_memory
from analysis.pipeline.model import Prepared
from analysis.pipeline.reading import READ_LATER_MIN_CELLS, CommentRead
from analysis.pipeline.response_rows import response_rows
from analysis.pipeline.score_tables import construct_frame
from analysis.pipeline.scores import score_stage
from analysis.scoring import Scored
from analysis.survey import Survey, default_survey
from analysis.tables import DRIVERS
from analysis.themes import ThemeModel

__all__ = ["COMMENTS_UNREAD", "N_BOOT", "drivers_stage", "prepare", "read", "settle"]

#: How the warning starts when a large survey's comments could not be read at all.
COMMENTS_UNREAD = "The comments could not be read"
#: Bootstrap resamples of the key drivers' intervals (Johnson's relative weights).
N_BOOT = 300


def prepare(
    export: SurveyExport,
    colmap: ColumnMap | None = None,
    *,
    survey: Survey | None = None,
    roster: Sequence[str] = (),
    min_themes: int = 3,
    max_themes: int = 12,
    random_state: int = 0,
    n_boot: int = N_BOOT,
    source_name: str = "",
    background: bool = False,
    outcome: str | None = None,
) -> Prepared:
    """Score respondents and code every comment once (the stages in the module docstring).

    ``roster`` lists names to redact from comments; ``min_themes``/``max_themes`` bound the
    number of themes; ``n_boot`` is the number of bootstrap resamples of the key drivers;
    ``outcome`` names the one construct the drivers explain (default: the survey's outcomes).
    ``background``: return as soon as the scores, drivers, sentiment and rule-based signals
    are ready, with the signal model and themes still running (``Prepared.pending``); pass
    the Prepared through :func:`settle` to get the finished one, equal to what
    ``background=False`` returns. From ``READ_LATER_MIN_CELLS`` comment cells the comments
    themselves are read in the background too (``Prepared.comments_read`` is False until
    :func:`settle` finds them read).
    """
    survey = survey or default_survey()
    colmap = colmap or infer_columns(export, survey)
    colmap.require_answers()
    export = response_rows(export, colmap)
    later = background and comment_cells(export, colmap) >= READ_LATER_MIN_CELLS
    if colmap.comments and not later:
        comments_mod.preload_language_model()  # loads while the answers are scored
    scores = score_stage(export, colmap, survey)
    if outcome is not None:  # a wrong outcome fails before the slow comment coding
        outcome = drivers_mod.choose_outcome(outcome, scores.scored.construct_meta)
    inputs = comment_inputs(export, colmap, scores.scored, roster)
    reading = CommentRead(inputs) if later else None  # starts on the other core at once
    quick = read_comments(inputs.unread() if later else inputs)
    release_memory()  # the scoring's and the reading's working memory
    themes = ThemeSettings(min_themes, max_themes, random_state)
    job = Background(quick, themes) if background and reading is None else None
    drivers = drivers_stage(
        scores.scored, survey, n_boot=n_boot, random_state=random_state, outcome=outcome
    )
    if reading is not None:  # a large survey: the item drivers come with its comments
        job = Background(reading, themes, *_item_drivers_later(scores.scored, drivers))
    prep = Prepared(
        export=export,
        colmap=colmap,
        survey=survey,
        scored=scores.scored,
        comments=shown_table(quick),  # the words as written stay with the coding
        theme_model=None,
        drivers=drivers,
        source_name=source_name,
        alerts=scores.alerts,
        construct_alerts=scores.construct_alerts,
        notes=scores.notes,
        background=job,
        comments_read=not later,
    )
    if job is not None:
        return _released(dataclasses.replace(prep, warnings=_warnings(prep)))
    return _finished(prep, *finish_coding(quick, themes))


def settle(prep: Prepared, timeout: float | None = 0) -> Prepared:
    """``prep`` with its background comment coding collected, once that is done; ``prep``
    itself while it runs (waiting up to ``timeout`` seconds; None: until done).

    While it runs, a Prepared whose comments were still being read gets them as soon as they
    are (a new Prepared, the job still attached). Each new Prepared has its own view cache,
    so nothing computed from the earlier comments is reused. If the job failed, the quick
    comments stay and a warning says so.
    """
    job = prep.background
    if job is None:
        return prep
    if not job.wait(timeout):
        quick = job.read()
        if prep.comments_read or quick is None:
            return prep
        with_comments = dataclasses.replace(prep, comments=quick, comments_read=True)
        return _released(dataclasses.replace(with_comments, warnings=_warnings(with_comments)))
    try:
        comments, model = job.result()
    except Exception as exc:
        quick = job.read()  # the rule-based coding is all there is
        # nothing more is coming: the pages must stop saying the comments are being read
        kept = dataclasses.replace(
            prep,
            background=None,
            comments=prep.comments if quick is None else quick,
            comments_read=True,
        )
        failed = (
            "Themes and model-based comment signals could not be computed "
            f"({exc}); the comments show rule-based signals only."
            if quick is not None
            else f"{COMMENTS_UNREAD} ({exc}); only the scores are shown."
        )
        kept = dataclasses.replace(kept, warnings=[*_warnings(kept), failed])
        return _released(_items_kept(prep, kept))
    return job.settled(prep, lambda: _finished(prep, comments, model))


def read(prep: Prepared, timeout: float | None = None) -> Prepared:
    """:func:`settle` once ``prep``'s comments are read (waiting up to ``timeout`` seconds;
    None: until they are), for what must carry them, such as files a manager downloads."""
    if not prep.comments_read and prep.background is not None:
        prep.background.wait_read(timeout)
    return settle(prep)


def _finished(prep: Prepared, comments: pd.DataFrame, model: ThemeModel | None) -> Prepared:
    release_memory()  # what the coding freed (embeddings, classifier blocks)
    done = dataclasses.replace(
        prep, comments=comments, theme_model=model, background=None, comments_read=True
    )
    return _released(_items_kept(prep, dataclasses.replace(done, warnings=_warnings(done))))


def _items_kept(prep: Prepared, after: Prepared) -> Prepared:
    """``after`` (``prep`` without its job) with the item drivers the job computed in its view
    cache, so they are not computed again (they depend on the scores only)."""
    job = prep.background
    if job is not None and job.items_outcome is not None:
        done, table = job.item_drivers()
        if done and table is not None:
            after.views.get("item_drivers", job.items_outcome, lambda: table)
    return after


def _released(prep: Prepared) -> Prepared:
    """``prep``, whose memory goes back to the system soon after it is dropped (a session
    closed, a newer upload replaced it): glibc would otherwise keep it for reuse."""
    weakref.finalize(prep, release_later).atexit = False
    return prep


def _item_drivers_later(
    scored: Scored, drivers: pd.DataFrame
) -> tuple[Callable[[], pd.DataFrame] | None, str | None]:
    """(work, outcome) of the item drivers of the upload's own outcome, for the background job
    (:class:`~analysis.pipeline.background.Background`); (None, None) when there are none.
    The same call as :func:`analysis.pipeline.analyze.item_impact` makes, so the same table."""
    outcome = hotspots_mod.main_outcome(drivers, construct_frame(scored))
    if outcome is None or outcome not in scored.constructs.columns:
        return None, None
    return functools.partial(hotspots_mod.item_drivers, scored, outcome), outcome


def _warnings(prep: Prepared) -> list[str]:
    # the alerts are in the warnings too, for pages that list warnings only
    return [
        *prep.export.warnings,
        *prep.colmap.warnings,
        *prep.scored.warnings,
        *_comment_notes(prep.comments),
        *prep.alerts,
    ]


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
