"""One entry point, :func:`analyze`, shared by the app, the CLI and the reports.

The work splits in two so that regrouping feels instant: :func:`prepare` does everything that
depends only on the upload and its mapping (encoding answers, per-respondent construct scores,
comment cleaning, redaction, sentiment, signals, themes, key drivers); :func:`analyze` then
aggregates for a grouping and filter, and every table it returns has been through
:mod:`analysis.privacy`. Only :class:`Results` ever leaves this module for display or export.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis import comments as comments_mod
from analysis import drivers as drivers_mod
from analysis import hotspots as hotspots_mod
from analysis import privacy, scoring
from analysis.columns import ColumnMap, apply_mapping, infer_columns
from analysis.errors import ChangeRadarError
from analysis.ingest import Limits, SurveyExport, read_export
from analysis.privacy import PrivacyError, PrivacyPolicy
from analysis.redaction import redact
from analysis.scoring import Scored
from analysis.sentiment import score_texts
from analysis.signals import SIGNALS, tag_texts
from analysis.survey import Survey, default_survey
from analysis.tables import COMMENT_GROUPS, DRIVERS, ENPS, GROUPS, ITEMS, LIKERT, ORG
from analysis.themes import BackgroundFit, ThemeModel, theme_group_shares, theme_table

HIDDEN_GROUP = "(group too small to show)"
# Comment cells (rows x comment columns) from which themes are fit in a helper process while
# sentiment and signals are scored: below it the helper's start-up costs more than it hides.
THEME_BACKGROUND_MIN_CELLS = 2000
# An item is refused (left unscored) when more of its answers are off its scale than on it: a
# wrong scale would otherwise turn the few labels it matches into a confident 0 or 100.
# A construct resting on fewer than this share of the answers given to its items is flagged.
MIN_MATCHED_SHARE = 0.5
COMMENTS_ONLY_NOTE = (
    "This file has no rated questions with an answer scale, so there are no scores, score "
    "comparisons, heatmaps, key drivers or score-based hot spots. Comments are analysed in "
    "full (sentiment, signals, themes) and hot spots come from comment evidence only. Map "
    "rated questions to a construct and a scale to see scores."
)


class NothingToAnalyseError(ChangeRadarError):
    """The export has neither a rated item that can be scored nor a comment column."""


@dataclass
class Prepared:
    """The expensive, per-upload part of an analysis. Private: holds per-respondent data."""

    export: SurveyExport
    colmap: ColumnMap
    survey: Survey
    scored: Scored
    comments: pd.DataFrame
    theme_model: ThemeModel | None
    drivers: pd.DataFrame
    source_name: str = ""
    warnings: list[str] = field(default_factory=list)
    #: warnings every page shows prominently (refused items, constructs from thin answers)
    alerts: list[str] = field(default_factory=list)
    #: construct id -> its warning, for charts that mark the construct itself
    construct_alerts: dict[str, str] = field(default_factory=dict)
    #: plain-language notes on what this file cannot show (e.g. no scores for comments only)
    notes: list[str] = field(default_factory=list)
    _cache: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def grouping_columns(self) -> list[str]:
        return list(self.scored.groups.columns)

    @property
    def has_scores(self) -> bool:
        """Whether any rated item was scored (False for a comments-only survey)."""
        return len(self.scored.construct_meta) > 0

    def resolve(self, name: str) -> str:
        """A grouping name as the user typed it ('team', 'role' or a column name) -> column."""
        return resolve_column(self.colmap, self.scored.groups.columns, name)


@dataclass
class Results:
    """Everything one view shows: protected, aggregated tables only (no per-respondent data)."""

    survey_name: str
    source: dict[str, Any]
    policy: PrivacyPolicy
    by: tuple[str, ...]
    filters: dict[str, list[str]]
    n: int
    org: pd.DataFrame
    groups: pd.DataFrame
    items: pd.DataFrame
    org_items: pd.DataFrame
    likert: pd.DataFrame
    enps: pd.DataFrame
    enps_groups: pd.DataFrame
    drivers: pd.DataFrame
    flags: list[hotspots_mod.Flag]
    segments: pd.DataFrame
    themes: pd.DataFrame
    theme_shares: pd.DataFrame
    comments: pd.DataFrame
    comment_groups: pd.DataFrame
    comment_summary: dict[str, int]
    warnings: list[str]
    #: False for a comments-only survey: every score table is then empty (declared columns)
    has_scores: bool = True
    #: plain-language notes on what this view cannot show and why; show them on every page
    notes: list[str] = field(default_factory=list)
    #: warnings every page shows prominently: refused items, constructs from thin answers
    alerts: list[str] = field(default_factory=list)
    #: construct id -> its warning (a subset of ``alerts``), to mark the construct in charts
    construct_alerts: dict[str, str] = field(default_factory=dict)

    @property
    def flags_table(self) -> pd.DataFrame:
        return hotspots_mod.flags_frame(self.flags)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe summary (no comment text) for the CLI and tests."""
        return {
            "survey": self.survey_name,
            "source": jsonable(self.source),
            "policy": {
                "min_group": self.policy.min_group,
                "min_comments": self.policy.min_comments,
            },
            "by": list(self.by),
            "filters": self.filters,
            "n": self.n,
            "org": records(self.org),
            "groups": records(self.groups),
            "enps": records(self.enps),
            "drivers": records(self.drivers),
            "flags": [f.to_dict() for f in self.flags],
            "segments": records(self.segments.drop(columns=["group_key"], errors="ignore")),
            "themes": records(self.themes),
            "has_scores": self.has_scores,
            "notes": list(self.notes),
            "alerts": list(self.alerts),
            "warnings": list(self.warnings),
        }


# --------------------------------------------------------------------------------------------
# loading


def load(
    data: bytes,
    filename: str,
    *,
    sheet: str | None = None,
    mapping_yaml: str | None = None,
    survey: Survey | None = None,
    limits: Limits | None = None,
) -> tuple[SurveyExport, ColumnMap]:
    """Read an upload and infer (then optionally override) its column map."""
    export = read_export(data, filename, sheet=sheet, **({"limits": limits} if limits else {}))
    colmap = infer_columns(export, survey or default_survey())
    if mapping_yaml:
        colmap = apply_mapping(colmap, mapping_yaml)
    return export, colmap


def upload_key(data: bytes, mapping_yaml: str | None = None, sheet: str | None = None) -> str:
    """A per-upload cache key: hash of the bytes, the sheet and the mapping."""
    h = hashlib.sha256(data)
    h.update(b"\0" + (sheet or "").encode() + b"\0" + (mapping_yaml or "").encode())
    return h.hexdigest()


def resolve_column(colmap: ColumnMap, columns: Sequence[str], name: str) -> str:
    cols = [str(c) for c in columns]
    if name in cols:
        return name
    alias = {"team": colmap.team, "role": colmap.role}.get(name.strip().lower())
    if alias and alias in cols:
        return alias
    lowered = {c.lower(): c for c in cols}
    if name.strip().lower() in lowered:
        return lowered[name.strip().lower()]
    choices = ", ".join(repr(c) for c in cols) or "none (map a team, role or demographic column)"
    raise ValueError(
        f"Can't group by {name!r}: it is not a grouping column. Choose from {choices}."
    )


# --------------------------------------------------------------------------------------------
# the per-upload work


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
) -> Prepared:
    """Score respondents and code every comment once; see the module docstring."""
    survey = survey or default_survey()
    colmap = colmap or infer_columns(export, survey)
    colmap.require_answers()
    if colmap.comments:
        comments_mod.preload_language_model()  # loads while the answers are scored
    scores = score_stage(export, colmap, survey)
    scored = scores.scored
    warnings = [*export.warnings, *colmap.warnings, *scored.warnings]

    comments, model = _code_comments(
        export, colmap, scored, roster, min_themes, max_themes, random_state
    )
    warnings.extend(comments.attrs.get("notes", []))
    n_non_en = int((~comments["is_english"] & ~comments["is_filler"]).sum()) if len(comments) else 0
    if n_non_en:
        warnings.append(
            f"{n_non_en} comment(s) are not in English; they are counted but not analysed "
            "(only English is analysed for now)."
        )

    drivers = DRIVERS.empty()
    if len(scored.construct_meta):
        answers = scored.constructs
        if scored.enps is not None:
            answers = answers.assign(enps=scored.enps)
        drivers = drivers_mod.key_drivers(
            answers, constructs=survey, n_boot=n_boot, random_state=random_state
        )
    warnings.extend(scores.alerts)  # also in the notes list of pages that predate alerts
    return Prepared(
        export=export,
        colmap=colmap,
        survey=survey,
        scored=scored,
        comments=comments,
        theme_model=model,
        drivers=drivers,
        source_name=source_name,
        warnings=warnings,
        alerts=scores.alerts,
        construct_alerts=scores.construct_alerts,
        notes=scores.notes,
    )


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
        return ScoreStage(scored, [*refused, *thin.values()], thin, [])
    if not colmap.comments:
        unscaled = sum(1 for s in colmap.columns if s.role == "item" and s.scale is None)
        raise NothingToAnalyseError(
            " ".join(
                [
                    "Nothing in this file can be analysed: no rated question could be scored "
                    "and there are no comment columns.",
                    *refused,
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


def _code_comments(
    export: SurveyExport,
    colmap: ColumnMap,
    scored: Scored,
    roster: Sequence[str],
    min_themes: int,
    max_themes: int,
    random_state: int,
) -> tuple[pd.DataFrame, ThemeModel | None]:
    themes = ThemeModel(min_themes=min_themes, max_themes=max_themes, random_state=random_state)
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


# --------------------------------------------------------------------------------------------
# the per-view work


def analyze(
    source: SurveyExport | Prepared,
    colmap: ColumnMap | None = None,
    *,
    survey: Survey | None = None,
    by: Sequence[str] | str | None = None,
    policy: PrivacyPolicy | None = None,
    roster: Sequence[str] = (),
    filters: Mapping[str, Sequence[str]] | None = None,
    shown_filters: Sequence[np.ndarray] = (),
    theme_names: Mapping[int, str] | None = None,
    theme_merges: Mapping[int, int] | None = None,
    nested: bool = False,
    compare_unfiltered: bool = True,
) -> Results:
    """Analyse an export (or reuse a :class:`Prepared`) for one grouping and filter.

    ``by`` names one or more grouping columns ('team', 'role' or any column name); several
    make a crossed grouping (team × role). ``None`` means the team column when there is one,
    else the organisation as a whole. ``filters`` keeps respondents whose column value is in
    the listed values; a filter that would expose a small set of people raises
    :class:`~analysis.privacy.PrivacyError` (remainder protection).

    ``shown_filters`` are the respondent masks of the filtered views already shown to this
    viewer on this dataset (whatever the grouping or thresholds). A filtered view is compared
    with each of them and with the unfiltered data: every table row (org, group, cell, item,
    eNPS) whose people differ from the same row there by 1..min_group−1 is hidden, with
    complementary suppression around it, and so are comments a comparison would tie to a few
    people (see :mod:`analysis.privacy`). ``compare_unfiltered=False`` leaves the unfiltered
    data out of that comparison, for a viewer who can never see it (a manager, whose scope is
    then one of ``shown_filters``).
    """
    policy = policy or PrivacyPolicy()
    prep = (
        source
        if isinstance(source, Prepared)
        else prepare(source, colmap, survey=survey, roster=roster)
    )
    by_cols = _by_columns(prep, by)
    scored = prep.scored
    comments = prep.comments
    # Group labels of every comment, computed once per view from integer codes.
    keys = _comment_keys(prep, by_cols)
    filters_clean: dict[str, list[str]] = {}
    filter_key: tuple = ()
    changed: list[Scored] = []  # per earlier view: the people this view differs by
    changed_masks: list[np.ndarray] = []
    comment_codes = keys.codes if keys is not None else None
    if filters:
        mask = np.ones(len(scored.groups), dtype=bool)
        for name, values in filters.items():
            col = prep.resolve(name)
            vals = [str(v) for v in values]
            filters_clean[col] = vals
            mask &= scored.groups[col].isin(vals).to_numpy()
        privacy.check_filter(scored.groups, mask, policy, shown=shown_filters)
        changed_masks = privacy.differences(mask, shown_filters, everyone=compare_unfiltered)
        changed = [_changed(prep, d) for d in changed_masks]
        filter_key = tuple(sorted((c, tuple(sorted(set(v)))) for c, v in filters_clean.items()))
        scored, comments, keep = _filtered(prep, filter_key, mask)
        keys = keys[keep] if keys is not None else None
    changed_key = tuple(np.packbits(d).tobytes() for d in changed_masks)
    # the release ledger: every group of every single grouping, and the filters shown
    ledger = privacy.Ledger(prep.scored.groups, list(shown_filters))
    refs, _ = ledger.references(exclude=by_cols)
    ledger_args = {"references": refs, "population": prep.scored}
    org_comments_exposed, group_comments_exposed = _comments_exposed(
        prep, keys, comment_codes, changed_masks, policy
    )

    groups, items, enps_groups = GROUPS.empty(by_cols), ITEMS.empty(by_cols), ENPS.empty(by_cols)
    try:
        if by_cols and prep.has_scores:
            kw = {"nested": nested, "changed": changed, **ledger_args}
            groups = scoring.group_scores(scored, by_cols, policy, **kw)
            items = scoring.item_scores(scored, by_cols, policy, **kw)
            if scored.enps is not None:
                enps_groups = scoring.enps(scored, by_cols, policy, **kw)
    except PrivacyError:
        if not changed:
            raise
        raise PrivacyError(
            f"This filter can't be shown grouped by {' × '.join(by_cols)}: its results would "
            "differ from results already shown by fewer than "
            f"{policy.min_group} people, whose answers could then be worked out. Widen the "
            "filter, remove it, or choose another grouping."
        ) from None
    org, org_items, enps_org, likert = _org_tables(
        prep, scored, policy, filter_key, changed, changed_key, refs if filters else None
    )
    if org_comments_exposed:
        # the filtered view's comments differ from an earlier view's by a few people's
        comments = comments.iloc[0:0]
        keys = keys[np.zeros(len(keys.codes), dtype=bool)] if keys is not None else None
        filter_key = (*filter_key, ("(comments withheld)",))

    labels = comments["theme"].to_numpy(dtype=int) if len(comments) else np.array([], dtype=int)
    if theme_merges:
        from analysis.themes import merge_themes

        labels = merge_themes(labels, theme_merges)
        comments = comments.assign(theme=labels)

    analysed = comments["analysed"].to_numpy(dtype=bool)
    theme_key = (
        filter_key,
        tuple(theme_merges.items()) if theme_merges else (),
        tuple(theme_names.items()) if theme_names else (),
    )
    used_comments = (
        comments[analysed]
        if theme_merges
        else _remember(prep, "used", filter_key, lambda: comments[analysed])
    )
    used = _Used(used_comments, keys[analysed] if keys is not None else None)
    comment_groups, visible_comments = _comment_privacy(
        comments,
        used,
        by_cols,
        groups if prep.has_scores else None,
        policy,
        group_comments_exposed,
        respondents=None if prep.has_scores or not by_cols else _label(scored.groups, by_cols),
    )
    themes, theme_shares = _themes(
        prep, comments, used, by_cols, policy, theme_names, visible_comments, theme_key
    )
    signals_by_group = _comment_signals(
        prep, comments, used, by_cols, visible_comments, theme_key[:2]
    )
    if signals_by_group is not None and changed_masks and len(signals_by_group):
        # hot spots read comment evidence only of groups whose comments this view may show
        labels = _label(signals_by_group, by_cols)
        ok = labels.map(visible_comments).fillna(False).astype(bool).to_numpy()
        signals_by_group = signals_by_group[ok].reset_index(drop=True)

    flags: list[hotspots_mod.Flag] = []
    segs = pd.DataFrame()
    if by_cols and (len(groups) or not prep.has_scores):
        flags = hotspots_mod.find_hotspots(
            groups if prep.has_scores else _sizes_for_hotspots(scored, by_cols, visible_comments),
            prep.drivers,
            signals_by_group,
            None,
            policy,
            constructs=_construct_frame(scored),
            org_n=len(scored.groups),
        )
        concepts = set(scored.construct_meta["concept"].dropna()) if prep.has_scores else set()
        if {"trust_in_ai", "fear_of_displacement"} <= concepts:
            segs = hotspots_mod.segments(groups, constructs=_construct_frame(scored), policy=policy)

    shown = _shown_comments(comments, used, visible_comments, by_cols, theme_names, prep, theme_key)
    summary = {
        "total": len(comments),
        "filler": int(comments["is_filler"].sum()) if len(comments) else 0,
        "not_english": int((~comments["is_english"] & ~comments["is_filler"]).sum())
        if len(comments)
        else 0,
        "analysed": int(comments["analysed"].sum()) if len(comments) else 0,
        "shown": len(shown),
    }
    warnings = list(dict.fromkeys(prep.warnings))
    return Results(
        survey_name=_survey_name(prep),
        source=_source_info(prep),
        policy=policy,
        by=tuple(by_cols),
        filters=filters_clean,
        n=len(scored.groups),
        org=org,
        groups=groups,
        items=items,
        org_items=org_items,
        likert=likert,
        enps=enps_org,
        enps_groups=enps_groups,
        drivers=prep.drivers,
        flags=flags,
        segments=segs,
        themes=themes,
        theme_shares=theme_shares,
        comments=shown,
        comment_groups=comment_groups,
        comment_summary=summary,
        warnings=warnings,
        has_scores=prep.has_scores,
        notes=_view_notes(prep, by_cols),
        alerts=list(prep.alerts),
        construct_alerts=dict(prep.construct_alerts),
    )


def _sizes_for_hotspots(scored: Scored, by_cols: list[str], visible: pd.Series) -> pd.DataFrame:
    """A comments-only survey's stand-in for the group table that hot spots read: one row per
    group whose comments may be shown, with its size and a construct no survey defines, so
    comment evidence alone can raise a flag and no score is ever compared. Groups whose
    comments are hidden get no row (their size is never used)."""
    labels = _label(scored.groups, by_cols)
    shown = labels[labels.map(visible).fillna(False).astype(bool).to_numpy()]
    first = scored.groups.loc[shown.index].drop_duplicates(by_cols)
    table = GROUPS.empty(by_cols)
    if not len(first):
        return table
    rows = first[by_cols].astype(str).reset_index(drop=True)
    rows.insert(0, "group", _label(rows, by_cols).to_numpy())
    rows.insert(0, "grouping", scoring.CROSS.join(by_cols))
    rows["construct"] = "(group size, no score)"
    rows["n"] = rows["group"].map(shown.value_counts()).astype(float)
    for col in ("score", "rest_score", "diff_vs_rest"):
        rows[col] = 0.0
    rows["suppressed"] = False
    rows["suppressed_reason"] = ""
    return pd.concat([table, rows], ignore_index=True)[table.columns]


def _view_notes(prep: Prepared, by_cols: list[str]) -> list[str]:
    """What this view cannot show, in plain words (the file's notes, then the view's)."""
    notes = list(prep.notes)
    if not by_cols:
        notes.append(
            "No grouping is chosen (or the file has no team, role or demographic column), so "
            "groups are not compared and there are no hot spots."
        )
    return notes


def _by_columns(prep: Prepared, by: Sequence[str] | str | None) -> list[str]:
    if by is None:
        team = prep.colmap.team
        return [team] if team and team in prep.scored.groups.columns else []
    names = [by] if isinstance(by, str) else list(by)
    cols = []
    for name in names:
        col = prep.resolve(name)
        if col not in cols:
            cols.append(col)
    return cols


@dataclass
class _Used:
    """The analysed comments of a view and their group labels (None when ungrouped)."""

    comments: pd.DataFrame
    group: _Keys | None

    @property
    def keys(self) -> pd.Series | None:
        return None if self.group is None else self.group.labels


_VIEW_CACHE_SIZE = 4


def _remember(prep: Prepared, kind: str, key: tuple, make: Any) -> Any:
    """A small per-upload cache of view parts that do not depend on the grouping (the last
    few filters), so regrouping and going back to a filter redo no per-respondent work."""
    store: dict[tuple, Any] = prep._cache.setdefault(kind, {})
    if key not in store:
        if len(store) >= _VIEW_CACHE_SIZE:
            store.pop(next(iter(store)))
        store[key] = make()
    return store[key]


def _filtered(
    prep: Prepared, filter_key: tuple, mask: np.ndarray
) -> tuple[Scored, pd.DataFrame, np.ndarray]:
    """The respondents and comments a filter keeps (``keep``: over ``prep.comments`` rows)."""

    def make() -> tuple[Scored, pd.DataFrame, np.ndarray]:
        pos = _respondent_positions(prep)
        keep = (pos >= 0) & mask[np.maximum(pos, 0)]
        return scoring.subset(prep.scored, mask), prep.comments[keep], keep

    return _remember(prep, "filtered", filter_key, make)


def _changed(prep: Prepared, diff: np.ndarray) -> Scored:
    """The respondents a filtered view differs by from one earlier view (cached)."""
    key = (np.packbits(diff).tobytes(),)
    return _remember(prep, "changed", key, lambda: scoring.subset(prep.scored, diff))


def _comments_exposed(
    prep: Prepared,
    keys: _Keys | None,
    all_codes: np.ndarray | None,
    changed: list[np.ndarray],
    policy: PrivacyPolicy,
) -> tuple[bool, set[str]]:
    """Whether the view's comments as a whole, and which groups' comments, a comparison with
    an earlier view would tie to a few people (privacy.comments_exposed)."""
    if not changed or not len(prep.comments):
        return False, set()
    analysed = prep.comments["analysed"].to_numpy(dtype=bool)
    resp = np.where(analysed, _respondent_positions(prep), -1)
    whole = privacy.comments_exposed(np.zeros(len(resp), dtype=np.intp), resp, changed, policy, 1)
    if keys is None or all_codes is None:
        return bool(whole[0]), set()
    hit = privacy.comments_exposed(all_codes, resp, changed, policy, len(keys.names))
    return bool(whole[0]), {str(n) for n in keys.names[hit]}


def _org_tables(
    prep: Prepared,
    scored: Scored,
    policy: PrivacyPolicy,
    filter_key: tuple,
    changed: Sequence[Scored] = (),
    changed_key: tuple = (),
    references: np.ndarray | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Organisation-level tables: they depend on the filter and policy, never the grouping.
    ``references`` (the ledger's sets) matter only for a filtered organisation: unfiltered it
    is everyone, which each grouping's own table already protects against."""

    def make() -> tuple[pd.DataFrame, ...]:
        if not prep.has_scores:
            return ORG.empty(), ITEMS.empty(), ENPS.empty(), LIKERT.empty()
        ledger = {"references": references, "population": prep.scored}
        items = scoring.item_scores(scored, None, policy, changed=changed, **ledger)
        likert = _likert(prep, scored, policy, changed)
        # an item's answer counts are its item row: hidden with it (e.g. a few skipped items)
        shown = set(items.loc[~items["suppressed"].astype(bool), "item"])
        return (
            scoring.org_scores(scored, policy, changed=changed, **ledger),
            items,
            scoring.enps(scored, None, policy, changed=changed, **ledger)
            if scored.enps is not None
            else ENPS.empty(),
            likert[likert["item"].isin(shown)].reset_index(drop=True),
        )

    tables = _remember(prep, "org", (filter_key, policy, changed_key), make)
    return tuple(t.copy() for t in tables)  # callers may change what they are given


def _respondent_positions(prep: Prepared) -> np.ndarray:
    """Each comment's respondent as a row position in ``prep.scored.groups`` (-1: none)."""
    pos = prep._cache.get("respondent_positions")
    if pos is None:
        pos = prep.scored.groups.index.get_indexer(prep.comments["respondent"])
        prep._cache["respondent_positions"] = pos
    return pos


@dataclass
class _Keys:
    """Group labels of comments: ``labels`` (text Series, as the tables show them), ``codes``
    into ``names`` (the distinct labels), aligned with the comment rows."""

    labels: pd.Series
    codes: np.ndarray
    names: np.ndarray

    def __getitem__(self, mask: np.ndarray) -> _Keys:
        return _Keys(self.labels[mask], self.codes[mask], self.names)


def _comment_keys(prep: Prepared, by_cols: list[str]) -> _Keys | None:
    """Every comment's group label ("Sales × Manager" for crossed groupings), as the text
    table gives it, built from integer codes: each distinct label is joined once."""
    if not by_cols or not len(prep.comments):
        return None
    pos = _respondent_positions(prep)
    if (pos < 0).any():
        # Comments whose respondent has no group row: use the comment's own columns.
        labels = _label(prep.comments, by_cols)
        codes, names = pd.factorize(labels)
        return _Keys(labels, codes, np.asarray(names, dtype=object))
    groups = prep.scored.groups
    combined = np.zeros(len(groups), dtype=np.int64)
    parts = []
    for col in by_cols:
        codes, uniques = pd.factorize(groups[col].astype(str))
        parts.append(np.asarray(uniques, dtype=object))
        combined = combined * max(len(uniques), 1) + codes
    observed, inverse = np.unique(combined, return_inverse=True)
    columns = []
    for uniques in reversed(parts):
        width = max(len(uniques), 1)
        columns.append(uniques[observed % width])
        observed = observed // width
    names = np.array(
        [scoring.CROSS.join(t) for t in zip(*reversed(columns), strict=True)], dtype=object
    )
    codes = inverse.ravel()[pos]
    name = by_cols[0] if len(by_cols) == 1 else None
    labels = pd.Series(names[codes], index=prep.comments.index, name=name, dtype="str")
    return _Keys(labels, codes, names)


def _survey_name(prep: Prepared) -> str:
    """The survey's own name: the instrument's when the export really is that instrument (at
    least half its scored items are the instrument's questions), else a name from the file
    the analyst chose ("Staff pulse 2025.xlsx" -> "Staff pulse 2025"); never the default
    instrument's name for someone else's survey."""
    return survey_title(prep.survey, prep.colmap, prep.scored, prep.source_name)


def survey_title(survey: Survey, colmap: ColumnMap, scored: Scored, source_name: str) -> str:
    """See :func:`_survey_name`."""
    own = {i.id.casefold() for i in survey.items} | {_squash(i.text) for i in survey.items}
    scored_items = set(scored.item_meta.index)
    mine = [
        s
        for s in colmap.columns
        if s.name in scored_items
        and ({s.name.casefold(), s.export_tag.casefold(), _squash(s.question)} & own)
    ]
    if scored_items and len(mine) * 2 >= len(scored_items):
        return survey.name
    stem = Path(source_name).stem.replace("_", " ").strip() if source_name else ""
    return stem or "Custom survey"


def _squash(text: str) -> str:
    return " ".join(str(text or "").casefold().split())


def _construct_frame(scored: Scored) -> pd.DataFrame:
    meta = scored.construct_meta.reset_index()
    return meta.rename(columns={"construct": "id"}) if "id" not in meta.columns else meta


def _likert(
    prep: Prepared, scored: Scored, policy: PrivacyPolicy, changed: Sequence[Scored] = ()
) -> pd.DataFrame:
    """Answer distribution of every item across the (filtered) organisation, for the Likert
    chart; answers like "Don't know" are counted apart. Org-level only, and only when the
    organisation itself meets the minimum group size; an item whose answers differ from an
    earlier view's (``changed``) by 1..min_group−1 people is left out."""
    cols = LIKERT.columns()
    if len(scored.groups) < policy.min_group:
        return LIKERT.empty()
    rows = []
    responses: pd.DataFrame | None = None
    for item, meta in scored.item_meta.iterrows():
        scale = prep.colmap.scale_for(str(item))
        # Labels in the respondent's terms (before reverse-coding) keep the chart honest.
        ans = scored.answers.get(item)
        if ans is None:  # a Scored made without its answers: encode the text again
            if responses is None:
                responses = prep.export.responses.loc[scored.groups.index]
            enc = scale.encode(responses[str(item)])
            ans = scoring.Answers(
                enc.values.to_numpy(dtype=float),
                enc.invalid.to_numpy(dtype=bool),
                responses[str(item)].notna().to_numpy(dtype=bool),
            )
        vals = ans.values
        answered = int((~np.isnan(vals)).sum())
        explicit_missing = int(ans.given.sum()) - answered - int(ans.invalid.sum())
        total = answered + max(explicit_missing, 0)
        if total == 0 or any(
            0 < _likert_total(d.answers.get(item)) < policy.min_group for d in changed
        ):
            continue
        for order, (label, value) in enumerate(zip(scale.labels, scale.values, strict=True)):
            c = int(np.count_nonzero(vals == float(value)))
            rows.append(
                [
                    item,
                    meta.get("question", ""),
                    meta["construct"],
                    label,
                    order,
                    c,
                    c / total,
                    total,
                    False,
                ]
            )
        if explicit_missing > 0:
            rows.append(
                [
                    item,
                    meta.get("question", ""),
                    meta["construct"],
                    "N/A",
                    len(scale.labels),
                    explicit_missing,
                    explicit_missing / total,
                    total,
                    True,
                ]
            )
    return pd.DataFrame(rows, columns=cols)


def _likert_total(ans: scoring.Answers | None) -> int:
    """The people an item's answer distribution rests on (answers and explicit "N/A")."""
    if ans is None:
        return 0
    answered = int((~np.isnan(ans.values)).sum())
    return answered + max(int(ans.given.sum()) - answered - int(ans.invalid.sum()), 0)


def _comment_privacy(
    comments: pd.DataFrame,
    used_view: _Used,
    by_cols: list[str],
    groups: pd.DataFrame | None,
    policy: PrivacyPolicy,
    exposed: set[str] = frozenset(),
    respondents: pd.Series | None = None,
) -> tuple[pd.DataFrame, pd.Series]:
    """Per group comment counts and which groups may show comments; returns (table, visible).

    ``visible`` is indexed by the group label used in the group table. Groups whose scores are
    hidden never show comments. A comments-only survey has no score table (``groups`` None):
    its group sizes are then counted from ``respondents`` (each respondent's group label).
    """
    if not len(comments) or not by_cols:
        return COMMENT_GROUPS.empty(), pd.Series(dtype=bool)
    used, keys = used_view.comments, used_view.keys
    counts = keys.value_counts()
    if groups is None:
        sizes = respondents.value_counts().reindex(counts.index).fillna(0)
        vis = privacy.comment_visibility(counts, policy, sizes=sizes, hide=exposed)
    else:
        visible_groups = set(groups.loc[~groups["suppressed"].astype(bool), "group"].astype(str))
        sizes = groups.groupby("group")["n"].max().reindex(counts.index).fillna(0)
        vis = privacy.comment_visibility(
            counts, policy, sizes=sizes if len(groups) else None, hide=exposed
        )
        vis = vis & vis.index.to_series().astype(str).isin(visible_groups)
    table = pd.DataFrame({"group": counts.index.astype(str), "n_comments": counts.to_numpy()})
    table["visible"] = table["group"].map(vis).fillna(False).astype(bool)
    table.loc[~table["visible"], "n_comments"] = np.nan
    if len(used):
        # Shares per group from integer codes: sum / count, as a groupby mean gives them.
        codes, names = used_view.group.codes, used_view.group.names
        n_per = np.bincount(codes, minlength=len(names)).astype(float)
        seen = n_per > 0

        def share_of(hit: np.ndarray) -> dict[str, float]:
            sums = np.bincount(codes, weights=hit.astype(float), minlength=len(names))
            return dict(zip(names[seen], sums[seen] / n_per[seen], strict=True))

        lab = used["label"].to_numpy(dtype=object)
        for name in ("negative", "neutral", "positive"):
            table[f"share_{name}"] = table["group"].map(share_of(lab == name))
        for sig in SIGNALS:
            hit = used[sig].astype(bool).to_numpy()
            table[f"share_{sig}"] = table["group"].map(share_of(hit))
        num = [c for c in table.columns if c.startswith("share_")]
        table.loc[~table["visible"], num] = np.nan
    return table.sort_values("group").reset_index(drop=True), vis


def _label(df: pd.DataFrame, by_cols: list[str]) -> pd.Series:
    if len(by_cols) == 1:
        return df[by_cols[0]].astype(str)
    return df[by_cols].astype(str).agg(scoring.CROSS.join, axis=1)


def _themes(
    prep: Prepared,
    comments: pd.DataFrame,
    used_view: _Used,
    by_cols: list[str],
    policy: PrivacyPolicy,
    names: Mapping[int, str] | None,
    visible: pd.Series,
    cache_key: tuple,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    model = prep.theme_model
    used = used_view.comments
    if model is None or not len(used) or len(comments) < policy.min_comments:
        return pd.DataFrame(columns=["theme", "label", "size", "share"]), pd.DataFrame()
    labels = used["theme"].to_numpy(dtype=int)
    table = _remember(
        prep,
        "themes",
        cache_key,
        lambda: theme_table(
            model,
            used["redacted"].tolist(),
            sentiment=used["compound"].to_numpy(dtype=float),
            signals=used[list(SIGNALS)].astype(bool).reset_index(drop=True),
            labels=labels,
            names=names,
        ),
    ).copy()
    shares = pd.DataFrame()
    if by_cols:
        keys = used_view.keys.rename(" × ".join(by_cols)).reset_index(drop=True)
        shares = theme_group_shares(labels, keys.to_frame(), policy.min_comments)
        hide = ~shares["group"].map(visible).fillna(False).astype(bool)
        shares.loc[hide, ["n_comments", "count", "share"]] = np.nan
        shares.loc[hide, "hidden"] = True
        lab = dict(zip(table["theme"], table["label"], strict=True))
        shares["label"] = shares["theme"].map(lab)
    return table, shares


def _comment_signals(
    prep: Prepared,
    comments: pd.DataFrame,
    used_view: _Used,
    by_cols: list[str],
    visible: pd.Series,
    cache_key: tuple,
) -> pd.DataFrame | None:
    if not by_cols or not len(comments):
        return None

    def make() -> pd.DataFrame:
        # Only what group_comment_signals reads, with the redacted text as the text.
        used = used_view.comments
        keep = [*prep.grouping_columns, "is_filler", *SIGNALS, "label"]
        return used[[c for c in keep if c in used.columns]].assign(text=used["redacted"])

    return hotspots_mod.group_comment_signals(_remember(prep, "signals", cache_key, make), by_cols)


def _shown_comments(
    comments: pd.DataFrame,
    used_view: _Used,
    visible: pd.Series,
    by_cols: list[str],
    names: Mapping[int, str] | None,
    prep: Prepared,
    cache_key: tuple,
) -> pd.DataFrame:
    """Redacted comments of groups that meet the comment threshold (or of the whole
    organisation when no grouping is chosen and it meets the threshold)."""
    cols = ["column", "question", "text", "label", "compound", *SIGNALS, "theme", "theme_label"]
    if not len(comments):
        return pd.DataFrame(columns=[*by_cols, *cols])
    base = _remember(
        prep, "shown", cache_key, lambda: _comment_base(used_view.comments, names, prep)
    )
    if by_cols:
        base = base[_visible_rows(used_view, visible)]
    return base[[*by_cols, *cols]].reset_index(drop=True)


def _visible_rows(used_view: _Used, visible: pd.Series) -> np.ndarray:
    """Which analysed comments belong to a group whose comments may be shown."""
    group = used_view.group
    if group is None:
        return np.ones(len(used_view.comments), dtype=bool)
    shown = np.array([bool(visible.get(name, False)) for name in group.names], dtype=bool)
    return shown[group.codes] if len(shown) else np.zeros(len(group.codes), dtype=bool)


def _comment_base(
    used: pd.DataFrame, names: Mapping[int, str] | None, prep: Prepared
) -> pd.DataFrame:
    """Analysed comments with the redacted text and theme names, before group visibility."""
    out = used.assign(text=used["redacted"]).copy()
    theme_labels: dict[int, str] = {}
    if prep.theme_model is not None:
        tt = prep.theme_model.themes_
        theme_labels = dict(zip(tt["theme"].astype(int), tt["label"], strict=True))
    if names:
        theme_labels.update({int(k): str(v) for k, v in names.items()})
    out["theme_label"] = out["theme"].map(theme_labels).fillna("")
    return out


def _source_info(prep: Prepared) -> dict[str, Any]:
    e = prep.export
    return {
        "file": prep.source_name,
        "format": e.format,
        "file_type": e.file_type,
        "encoding": e.encoding,
        "sheet": e.sheet,
        "rows_read": e.rows_read,
        "rows": len(e.responses),
        "dropped_rows": dict(e.dropped_rows),
        "identity_columns_dropped": list(prep.colmap.identity),
    }


jsonable = hotspots_mod.jsonable


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """A table as JSON-safe row dicts (no rows for None or an empty table)."""
    if df is None or not len(df):
        return []
    return [jsonable(r) for r in df.to_dict(orient="records")]


# the old private names, still imported by analysis.waves
_jsonable, _records = jsonable, records


__all__ = [
    "HIDDEN_GROUP",
    "Prepared",
    "PrivacyError",
    "Results",
    "analyze",
    "load",
    "prepare",
    "upload_key",
]
