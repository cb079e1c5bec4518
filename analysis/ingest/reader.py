"""The entry points: read_export and list_sheets."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

from analysis.ingest.delimited import _read_text
from analysis.ingest.model import DEFAULT_LIMITS, IngestError, Limits, SurveyExport
from analysis.ingest.sniff import _TEXT_EXT, _XLSX_EXT, _check_size, _ext, _sniff_kind
from analysis.ingest.tidy import _tidy
from analysis.ingest.workbooks import _read_ods, _read_xlsx
from analysis.ingest.zipped import _has_data, _open_zip, _scan_sheet, _xlsx_sheets


def list_sheets(data: bytes, filename: str) -> tuple[str, ...]:
    """Sheets holding data, for a sheet picker, the one read by default (a workbook's
    largest) first; () for text files."""
    _check_size(data, filename, DEFAULT_LIMITS)
    kind = _sniff_kind(data, filename)
    if kind == "xlsx":
        zf = _open_zip(data, filename, DEFAULT_LIMITS)
        infos = _xlsx_sheets(zf, filename)
        for info in infos:
            _scan_sheet(zf, info, filename)
        order = sorted(infos, key=lambda s: (s.hidden, -s.rows * s.cols))
        return tuple(s.name for s in order if _has_data(s))
    if kind == "ods":
        _, chosen, sheets, _ = _read_ods(data, filename, None, DEFAULT_LIMITS)
        return (chosen, *(s for s in sheets if s != chosen))
    return ()


def read_export(
    data: bytes,
    filename: str,
    *,
    sheet: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> SurveyExport:
    """Read a survey export (CSV/TSV/TXT, XLSX/XLSM or ODS) into a tidy text table.

    Raises IngestError, whose message is one sentence for the user, for anything unreadable.
    """
    with _collector_paused():
        return _read_export(data, filename, sheet, limits)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a file is read.

    A large read allocates millions of lists and strings, none in a reference cycle; the
    collector re-scans them again and again as they pile up, so its cost grows faster than the
    file (2.9 of 6.2 CPU-s reading 300k CSV rows). Restored afterwards, also on errors.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read_export(data: bytes, filename: str, sheet: str | None, limits: Limits) -> SurveyExport:
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    _check_size(data, filename, limits)
    kind = _sniff_kind(data, filename)
    ext = _ext(filename)
    warnings: list[str] = []
    encoding: str | None = None
    sheets: tuple[str, ...] = ()
    chosen: str | None = None
    if kind == "xlsx":
        if ext not in _XLSX_EXT:
            warnings.append(f"{filename!r} is an Excel workbook despite its name; read it as one.")
        table, chosen, sheets, more = _read_xlsx(data, filename, sheet, limits)
        warnings.extend(more)
    elif kind == "ods":
        if ext != "ods":
            warnings.append(f"{filename!r} is an OpenDocument spreadsheet; read it as one.")
        table, chosen, sheets, more = _read_ods(data, filename, sheet, limits)
        warnings.extend(more)
    else:
        if ext in _XLSX_EXT | {"xls", "ods"}:
            warnings.append(f"{filename!r} is a text (CSV) file despite its name; read it as CSV.")
        elif ext not in _TEXT_EXT:
            warnings.append(f"{filename!r} has an unusual extension; read it as a text table.")
        table, encoding, _delim, more = _read_text(data, filename, limits)
        warnings.extend(more)
    if table.height == 0:
        raise IngestError(f"{filename!r} holds no table: export the survey responses again.")
    frame, columns, fmt, rows_read, dropped, more = _tidy(table, filename, limits)
    warnings.extend(more)
    return SurveyExport(
        responses=frame,
        columns=columns,
        format=fmt,
        file_type=kind if kind != "text" else "csv",
        encoding=encoding,
        sheet=chosen,
        sheets=sheets,
        rows_read=rows_read,
        dropped_rows=dropped,
        warnings=warnings,
    )
