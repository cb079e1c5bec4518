"""One wave: read and score an export (scores only), or re-score it without some items."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date as Date

import pandas as pd

from analysis import scoring
from analysis.columns import ColumnMap, apply_mapping, infer_columns
from analysis.ingest import DEFAULT_LIMITS, Limits, SurveyExport, read_export
from analysis.pipeline import Prepared
from analysis.pipeline.response_rows import response_rows
from analysis.survey import Survey, default_survey


@dataclass(frozen=True)
class Wave:
    """One survey wave: a label the user chose, an optional fielding date and its analysis."""

    label: str
    date: Date | None
    prepared: Prepared

    @property
    def n(self) -> int:
        return int(self.prepared.scored.n_respondents)


def _scores_only(
    export: SurveyExport, colmap: ColumnMap, survey: Survey, source_name: str
) -> Prepared:
    """A Prepared holding scores only: trends need no comment coding, which is the slow part."""
    colmap.require_answers()
    export = response_rows(export, colmap)  # one person once, as in every analysis
    scored = scoring.prepare(export, colmap, survey)
    return Prepared(
        export=export,
        colmap=colmap,
        survey=survey,
        scored=scored,
        comments=pd.DataFrame(),
        theme_model=None,
        drivers=pd.DataFrame(),
        source_name=source_name,
        warnings=list(dict.fromkeys([*export.warnings, *colmap.warnings, *scored.warnings])),
    )


def load_wave(
    data: bytes,
    filename: str,
    *,
    label: str,
    date: Date | None = None,
    sheet: str | None = None,
    mapping_yaml: str | None = None,
    survey: Survey | None = None,
    limits: Limits | None = None,
) -> Wave:
    """Read and score one wave's export (scores only; comments are not coded). ``limits``:
    the ingest limits (None: the defaults)."""
    survey = survey or default_survey()
    export = read_export(data, filename, sheet=sheet, limits=limits or DEFAULT_LIMITS)
    colmap = infer_columns(export, survey)
    if mapping_yaml:
        colmap = apply_mapping(colmap, mapping_yaml)
    return Wave(label=label, date=date, prepared=_scores_only(export, colmap, survey, filename))


def restrict_items(wave: Wave, drop: Iterable[str]) -> Wave:
    """The wave re-scored without some item columns (e.g. a question the user says changed
    meaning between waves), so a construct is measured by the same questions in every wave."""
    drop = {str(d) for d in drop}
    if not drop:
        return wave
    prep = wave.prepared
    specs = [
        replace(s, role="ignored", reason="left out of the wave comparison")
        if s.name in drop and s.role == "item"
        else s
        for s in prep.colmap.columns
    ]
    colmap = replace(prep.colmap, columns=specs, warnings=list(prep.colmap.warnings))
    new = _scores_only(prep.export, colmap, prep.survey, prep.source_name)
    return replace(wave, prepared=new)
