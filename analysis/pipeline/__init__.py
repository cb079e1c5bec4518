"""One entry point, :func:`analyze`, shared by the app, the CLI and the reports.

The data flow, one module per stage::

    load.py          bytes -> SurveyExport + ColumnMap (read, infer, apply a mapping)
    prepare.py       per upload, once:  Prepared (frozen)
      scores.py        1. score the items that can be scored honestly (refuse wrong scales,
                          warn on thin constructs; comments-only files get no constructs)
      coding.py        2. code every comment (redact, sentiment, signals, themes)
                       3. key drivers
    background.py    the slow half of 2 (signal model, themes) as a background job, for the
                     app: ``prepare(..., background=True)``, then :func:`settle`
    reading.py       a large survey's comments read in a helper process after the first view
    request.py       ViewRequest: grouping, filters, thresholds, viewer; normalised once and
                     the key of the one per-upload ViewCache
    analyze.py       per view: Results
      select.py        1. the filter's respondents and comments; privacy comparisons
      score_tables.py  2. protected group, item, eNPS and organisation tables
      comment_view.py  3. the comments the view may show, themes, comment evidence
                       4. hot spots;  5. assemble Results
    model.py         Prepared, Results and their JSON form

:func:`prepare` does everything that depends only on the upload and its mapping, so that
regrouping feels instant; :func:`analyze` then aggregates for one :class:`ViewRequest`, and
every table it returns has been through :mod:`analysis.privacy`. Only :class:`Results` ever
leaves the package for display or export.
"""

from __future__ import annotations

from analysis.pipeline.analyze import analyze, survey_title
from analysis.pipeline.comment_view import COUNTS_WITHHELD, TEXTS_WITHHELD
from analysis.pipeline.load import load, resolve_column, upload_key
from analysis.pipeline.model import Prepared, Results, jsonable, records
from analysis.pipeline.prepare import prepare, read, settle
from analysis.pipeline.request import ViewCache, ViewRequest
from analysis.pipeline.scores import (
    COMMENTS_ONLY_NOTE,
    MIN_MATCHED_SHARE,
    NothingToAnalyseError,
    refuse_unmatched_scales,
    thin_constructs,
)
from analysis.privacy import PrivacyError

# the old private names, still imported by analysis.waves (pilot's): use jsonable/records
_jsonable, _records = jsonable, records

__all__ = [
    "COMMENTS_ONLY_NOTE",
    "COUNTS_WITHHELD",
    "MIN_MATCHED_SHARE",
    "TEXTS_WITHHELD",
    "NothingToAnalyseError",
    "Prepared",
    "PrivacyError",
    "Results",
    "ViewCache",
    "ViewRequest",
    "analyze",
    "jsonable",
    "load",
    "prepare",
    "read",
    "records",
    "refuse_unmatched_scales",
    "resolve_column",
    "settle",
    "survey_title",
    "thin_constructs",
    "upload_key",
]
