"""Survey export bytes -> one tidy table of text answers, plus what was detected.

Everything is read as text with no default-NA conversion ("NA" can be a team and "007" an ID).
A column that repeats its answers (rated items, teams) holds them as a categorical of text.
Spreadsheets are inspected *before* parsing: a zip bomb, an absurd declared sheet size or an
XML entity bomb is refused (or worked around) without ever being allocated, because one bad
upload must not take the server down for everybody.

Broken text files are repaired only where the repair is unambiguous, and always said in a
warning: a file pasted together from UTF-8 and cp1252 parts is decoded run by run (encoding
'utf-8+cp1252'); stray NUL bytes and NUL padding are removed; a quote that is opened and never
closed no longer swallows the rows below it (its line is named; broken quoting on many lines
is an error instead, since no per-line guess is trustworthy then); rows longer or shorter than
the header are counted. Text cells are NFC-normalised, with zero-width characters dropped and
no-break spaces made plain, so values that look the same are the same group.

One module per step: ``sniff`` (what the bytes are, size limits), ``decoding`` and
``delimited`` (text files), ``zipped`` (safety scan of XLSX/ODS) and ``workbooks`` (reading
them), ``table`` (cells -> normalised text columns), ``layouts`` (the survey platforms' header
rows, signatures in ``analysis/data/platform_signatures.yaml``), ``tidy`` (the final table)
and ``reader`` (the entry points).
"""

from analysis.ingest.model import (
    DEFAULT_LIMITS,
    FORMATS,
    IngestError,
    Limits,
    SourceColumn,
    SurveyExport,
)
from analysis.ingest.reader import list_sheets, read_export
from analysis.ingest.sniff import check_file_size

__all__ = [
    "DEFAULT_LIMITS",
    "FORMATS",
    "IngestError",
    "Limits",
    "SourceColumn",
    "SurveyExport",
    "check_file_size",
    "list_sheets",
    "read_export",
]
