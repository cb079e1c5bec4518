"""Stage 2 of :func:`~analysis.pipeline.prepare`: code every comment once, in two steps.

1. :func:`read_comments` (seconds): tidy, redact, sentiment and the rule-based signals; themes
   are not fitted yet (every comment has theme -1). For a large survey the app runs it in a
   helper process after the first view (:mod:`analysis.pipeline.reading`).
2. :func:`finish_coding` (the slow part: sentence embeddings): the learned sentiment labels,
   the signal classifiers on top of the rules, and the themes, all on the same sentence
   vectors (each distinct sentence embedded once), so the themes cost clustering only.

The app runs step 2 in the background (:mod:`analysis.pipeline.background`) so the first view
does not wait for it; everything else runs both steps in a row. Either way step 2 reads only the
table of step 1, so the finished table is the same whenever it was computed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import comments as comments_mod
from analysis import embeddings
from analysis.columns import ColumnMap
from analysis.columns.vocabulary import _words
from analysis.ingest import SurveyExport
from analysis.redaction import redact
from analysis.scoring import Scored
from analysis.sentiment import score_texts
from analysis.signals import SIGNALS, shown_phrases, tag_texts
from analysis.themes import ThemeModel, default_codebook

__all__ = [
    "CODING_ONLY",
    "CommentInputs",
    "ThemeSettings",
    "comment_cells",
    "comment_inputs",
    "finish_coding",
    "quick_coding",
    "read_comments",
    "shown_table",
]


@dataclass(frozen=True)
class ThemeSettings:
    """The theme model's parameters, as :func:`~analysis.pipeline.prepare` received them."""

    min_themes: int = 3
    max_themes: int = 12
    random_state: int = 0

    def model(self) -> ThemeModel:
        return ThemeModel(
            min_themes=self.min_themes,
            max_themes=self.max_themes,
            random_state=self.random_state,
            codebook=default_codebook(),
        )


@dataclass(frozen=True)
class CommentInputs:
    """What :func:`read_comments` reads: the comment columns and what it joins to them (small
    enough to hand to a helper process, see :mod:`analysis.pipeline.reading`)."""

    responses: pd.DataFrame  # the comment columns only, on the respondents' index
    columns: tuple[str, ...]
    groups: pd.DataFrame
    questions: dict[str, str]
    roster: tuple[str, ...]
    #: the full names the export's own name columns hold, matched only whole in comments
    names: tuple[str, ...] = ()

    def unread(self) -> CommentInputs:
        """The same columns with no respondent: :func:`read_comments` of it is the declared,
        empty comment table a first view shows while the comments are read."""
        return CommentInputs(
            self.responses.iloc[:0], self.columns, self.groups.iloc[:0], self.questions, ()
        )


def names_in_export(export: SurveyExport, colmap: ColumnMap) -> tuple[str, ...]:
    """The distinct full names in the export's identity columns named for names: "Name", "Full
    name", or a first-name and a last-name column joined row by row ("RecipientFirstName" +
    "RecipientLastName"). A review found a respondent's name in a comment, lower case,
    shown although the export's own Name column held it."""
    firsts, lasts, fulls = [], [], []
    for name in colmap.identity:
        words = _words(name)
        if " name " not in words and " surname " not in words:
            continue
        if " first " in words or " given " in words:
            firsts.append(name)
        elif " last " in words or " surname " in words or " family " in words:
            lasts.append(name)
        else:
            fulls.append(name)
    rows = export.responses
    parts = [rows[c].astype("string").str.strip() for c in fulls]
    if firsts and lasts:
        parts.append(
            rows[firsts[0]].astype("string").str.strip()
            + " "
            + rows[lasts[0]].astype("string").str.strip()
        )
    found: set[str] = set()
    for values in parts:
        found.update(str(v) for v in values.dropna().unique() if " " in str(v).strip())
    return tuple(sorted(found))


def comment_cells(export: SurveyExport, colmap: ColumnMap) -> int:
    """Answered comment cells (empty strings and missing values are not comments)."""
    if not colmap.comments:
        return 0
    answers = export.responses[list(colmap.comments)]
    return int((answers.notna() & answers.ne("")).to_numpy().sum())


def comment_inputs(
    export: SurveyExport, colmap: ColumnMap, scored: Scored, roster: Sequence[str]
) -> CommentInputs:
    return CommentInputs(
        responses=export.responses[list(colmap.comments)],
        columns=tuple(colmap.comments),
        groups=scored.groups,
        # a plain table's header is its question ("What worries you most about AI?"): without
        # it, the worry and AI-in-view readings never applied to a generic CSV (a review found
        # fear on 20 of 60 answers there against 35 of 60 for the same file from Google Forms)
        questions={
            c.name: c.question or c.name for c in export.columns if c.name in colmap.comments
        },
        roster=tuple(roster),
        names=names_in_export(export, colmap) if colmap.comments else (),
    )


def quick_coding(
    export: SurveyExport, colmap: ColumnMap, scored: Scored, roster: Sequence[str]
) -> pd.DataFrame:
    """:func:`read_comments` of the export's comment columns."""
    return read_comments(comment_inputs(export, colmap, scored, roster))


def read_comments(inputs: CommentInputs) -> pd.DataFrame:
    """One row per comment: tidied, redacted, sentiment, rule-based signals, theme -1.

    No sentence embedding here, so this takes seconds even for a large survey."""
    tidy = comments_mod.tidy_comments(
        inputs.responses, list(inputs.columns), inputs.groups, questions=inputs.questions
    )
    analysed = (~tidy["is_filler"] & tidy["is_english"]).to_numpy()
    if not analysed.all():
        # The analysed comments first, in their order: every view reads them, and as the
        # table's first rows they are a slice that shares its columns, not a copy (0.5 GB at
        # a million respondents). Filler and other languages are only counted.
        tidy = tidy.take(np.argsort(~analysed, kind="stable")).reset_index(drop=True)
        analysed = np.sort(analysed)[::-1].copy()
    tidy["redacted"] = (
        redact(comments_mod.text_list(tidy["text"]), inputs.roster, full_names=inputs.names)
        if len(tidy)
        else []
    )
    tidy["analysed"] = analysed
    texts = comments_mod.text_list(tidy.loc[analysed, "text"])
    sent = score_texts(texts, engine="lexicon")  # the learned labels come with finish_coding
    tidy["compound"] = np.nan
    tidy["label"] = ""
    tidy["label_basis"] = ""  # "model" or "lexicon": what the label shown comes from
    tidy.loc[analysed, "compound"] = sent["compound"].to_numpy()
    tidy.loc[analysed, "label"] = sent["label"].to_numpy()
    tidy.loc[analysed, "label_basis"] = sent["basis"].to_numpy()
    _set_signals(tidy, tag_texts(texts, engine="rules", questions=_questions(tidy)))
    tidy["theme"] = -1
    tidy["sub_theme"] = -1  # the theme model's sub-theme id (-1: theme not split, or none yet)
    tidy["secondary_theme"] = -1  # a second theme the comment clearly raises, else -1
    tidy.attrs["notes"] = []
    comments_mod.compact_repeats(tidy, [*comments_mod.REPEATED, *inputs.groups.columns])
    return tidy


def finish_coding(
    quick: pd.DataFrame, settings: ThemeSettings
) -> tuple[pd.DataFrame, ThemeModel | None]:
    """The quick table with the signal classifiers' verdicts and the themes (a new table; the
    quick one is not changed, so views may read it meanwhile), without :data:`CODING_ONLY`,
    and the fitted theme model.

    Themes come last: they average the sentence embeddings sentiment and signals put in the
    shared table (``comment_vectors``), so they embed only the sentences redaction changed
    and the codebook's and labels' phrasings."""
    # a shallow copy: under copy-on-write (pandas >= 3) a column is copied only when written,
    # so the text the coding only reads is not held twice (0.5 GB at a million respondents)
    tidy = quick.copy(deep=False)
    tidy.attrs = {}
    for column in ("label", "label_basis"):  # rewritten below, maybe with new values
        tidy[column] = tidy[column].astype("str")
    analysed = tidy["analysed"].to_numpy(dtype=bool)
    # lists whose repeated comments are one object each (0.4 GB less at a million rows)
    texts = comments_mod.text_list(tidy.loc[analysed, "text"])
    redacted = comments_mod.text_list(tidy.loc[analysed, "redacted"])
    themes = settings.model()
    model: ThemeModel | None = None
    # sentiment, signals and themes read the same sentences: each is embedded once
    with embeddings.shared_vectors():
        if len(texts):
            sent = score_texts(texts)
            tidy.loc[analysed, "label"] = sent["label"].to_numpy()
            tidy.loc[analysed, "label_basis"] = sent["basis"].to_numpy()
        tags = tag_texts(texts, questions=_questions(tidy))
        _set_signals(tidy, tags)
        if len(redacted) >= max(2 * themes.min_themes, 10):
            model = themes.fit(redacted)
            _set_themes(tidy, analysed, model)
    notes = [n for n in (tags.attrs.get("engine_note", ""),) if n]
    if model is not None and model.engine_note_:
        notes.append(model.engine_note_)
    tidy.attrs["notes"] = notes
    comments_mod.compact_repeats(tidy, ["label", "label_basis"])
    return shown_table(tidy), model


#: Comment columns read only while coding: views show the redacted text and the signal phrases
#: found in it. The coded table leaves out the words as written and the signals' raw evidence,
#: so a session holds no unredacted comment once its comments are coded (and 0.13 GB less at
#: a million respondents).
CODING_ONLY = ("text", "evidence")


def shown_table(tidy: pd.DataFrame) -> pd.DataFrame:
    """``tidy`` without :data:`CODING_ONLY`: what a session may hold. Shallow (under
    copy-on-write the columns are shared), so a coding job can keep reading the full table
    while its session holds only this one."""
    return tidy.drop(columns=list(CODING_ONLY), errors="ignore")


def _set_themes(tidy: pd.DataFrame, analysed: np.ndarray, model: ThemeModel) -> None:
    """Write each analysed comment's theme, sub-theme and second theme (in place)."""
    tidy.loc[analysed, "theme"] = np.asarray(model.labels_, dtype=int)
    n = int(analysed.sum())
    for column, values in (("sub_theme", model.sublabels_), ("secondary_theme", model.secondary_)):
        values = np.asarray(values, dtype=int)
        if len(values) == n:
            tidy.loc[analysed, column] = values


def _questions(tidy: pd.DataFrame) -> list[str] | None:
    """Each analysed comment's question: signals read answers in its light (AI in view, or a
    question about learning)."""
    if "question" not in tidy:
        return None
    return comments_mod.text_list(tidy.loc[tidy["analysed"].to_numpy(dtype=bool), "question"])


def _set_signals(tidy: pd.DataFrame, tags: pd.DataFrame) -> None:
    """Write a ``tag_texts`` result (one row per analysed comment) into the comment table."""
    analysed = tidy["analysed"].to_numpy(dtype=bool)
    for sig in SIGNALS:
        tidy[sig] = False
        tidy.loc[analysed, sig] = tags[sig].to_numpy()
    tidy["evidence"] = pd.Series([()] * len(tidy), index=tidy.index, dtype=object)
    tidy["signal_phrases"] = pd.Series([()] * len(tidy), index=tidy.index, dtype=object)
    if analysed.any():
        evidence = list(tags["evidence"])
        tidy.loc[analysed, "evidence"] = pd.Series(
            evidence, index=tidy.index[analysed], dtype=object
        )
        # what the reading table may show of it: phrases found in the redacted text only
        redacted = comments_mod.text_list(tidy.loc[analysed, "redacted"])
        memo: dict[tuple[int, str], tuple] = {}  # identical comments share their evidence
        phrases = []
        for ev, text in zip(evidence, redacted, strict=True):
            key = (id(ev), text)
            if key not in memo:
                memo[key] = shown_phrases(ev, text)
            phrases.append(memo[key])
        tidy.loc[analysed, "signal_phrases"] = pd.Series(
            phrases, index=tidy.index[analysed], dtype=object
        )
