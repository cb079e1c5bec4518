"""What an ingested export is: the table, its columns and the limits that bound a read."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from analysis.errors import ChangeRadarError

FORMATS = (
    "qualtrics",
    "qualtrics_legacy",
    "surveymonkey",
    "ms_forms",
    "google_forms",
    "limesurvey",
    "generic",
)


class IngestError(ChangeRadarError):
    """An upload that cannot be read; str(e) is one sentence: what is wrong and what to do."""


@dataclass(frozen=True)
class Limits:
    """Upper bounds that keep one upload from exhausting the server's memory or time."""

    max_bytes: int = 50_000_000
    max_rows: int = 300_000
    max_columns: int = 5_000
    max_cells: int = 20_000_000
    max_uncompressed_bytes: int = 600_000_000
    max_compression_ratio: float = 200.0


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class SourceColumn:
    name: str
    export_tag: str
    question: str


@dataclass
class SurveyExport:
    responses: pd.DataFrame
    columns: tuple[SourceColumn, ...]
    format: str
    file_type: str
    encoding: str | None
    sheet: str | None
    sheets: tuple[str, ...]
    rows_read: int
    dropped_rows: dict[str, int]
    warnings: list[str] = field(default_factory=list)

    def column(self, name: str) -> SourceColumn:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)
