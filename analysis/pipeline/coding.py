"""Stage 2 of :func:`~analysis.pipeline.prepare`: code every comment once (tidy, redact,
sentiment, signals, themes). Themes fit in a helper process (:class:`BackgroundFit`) while
sentiment and signals are scored, when there is enough text for that to pay."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis import comments as comments_mod
from analysis.columns import ColumnMap
from analysis.ingest import SurveyExport
from analysis.redaction import redact
from analysis.scoring import Scored
from analysis.sentiment import score_texts
from analysis.signals import SIGNALS, tag_texts
from analysis.themes import BackgroundFit, ThemeModel, default_codebook

__all__ = ["THEME_BACKGROUND_MIN_CELLS", "code_comments"]

# Comment cells (rows x comment columns) from which themes are fit in a helper process while
# sentiment and signals are scored: below it the helper's start-up costs more than it hides.
THEME_BACKGROUND_MIN_CELLS = 2000


def code_comments(
    export: SurveyExport,
    colmap: ColumnMap,
    scored: Scored,
    roster: Sequence[str],
    min_themes: int,
    max_themes: int,
    random_state: int,
) -> tuple[pd.DataFrame, ThemeModel | None]:
    """The tidy comment table (one row per comment, coded) and the fitted theme model."""
    themes = ThemeModel(
        min_themes=min_themes,
        max_themes=max_themes,
        random_state=random_state,
        codebook=default_codebook(),
    )
    background = None
    if len(export.responses) * len(colmap.comments) >= THEME_BACKGROUND_MIN_CELLS:
        background = BackgroundFit(themes)  # starts loading while the comments are tidied
    try:
        return _code_comments_with(export, colmap, scored, roster, themes, background)
    finally:
        if background is not None:
            background.close()


def _code_comments_with(
    export: SurveyExport,
    colmap: ColumnMap,
    scored: Scored,
    roster: Sequence[str],
    themes: ThemeModel,
    background: BackgroundFit | None,
) -> tuple[pd.DataFrame, ThemeModel | None]:
    questions = {c.name: c.question for c in export.columns}
    tidy = comments_mod.tidy_comments(
        export.responses, colmap.comments, scored.groups, questions=questions
    )
    tidy["redacted"] = redact(tidy["text"].tolist(), roster) if len(tidy) else []
    analysed = (~tidy["is_filler"] & tidy["is_english"]).to_numpy()
    tidy["analysed"] = analysed
    texts = tidy.loc[analysed, "text"].tolist()
    redacted = tidy.loc[analysed, "redacted"].tolist()
    fit_themes = len(redacted) >= max(2 * themes.min_themes, 10)
    if fit_themes and background is not None:
        background.submit(redacted)  # fits on the other core while sentiment and signals run

    sent = score_texts(texts)
    tidy["compound"] = np.nan
    tidy["label"] = ""
    tidy.loc[analysed, "compound"] = sent["compound"].to_numpy()
    tidy.loc[analysed, "label"] = sent["label"].to_numpy()

    tags = tag_texts(texts)
    for sig in SIGNALS:
        tidy[sig] = False
        tidy.loc[analysed, sig] = tags[sig].to_numpy()
    tidy["evidence"] = pd.Series([[] for _ in range(len(tidy))], index=tidy.index, dtype=object)
    if len(texts):
        tidy.loc[analysed, "evidence"] = pd.Series(
            list(tags["evidence"]), index=tidy.index[analysed], dtype=object
        )

    tidy["theme"] = -1
    model: ThemeModel | None = None
    if fit_themes:
        model = background.result() if background is not None else themes.fit(redacted)
        tidy.loc[analysed, "theme"] = np.asarray(model.labels_, dtype=int)
    notes = [n for n in (tags.attrs.get("engine_note", ""),) if n]
    if model is not None and model.engine_note_:
        notes.append(model.engine_note_)
    tidy.attrs["notes"] = notes
    return tidy, model
