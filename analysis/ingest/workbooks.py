"""Workbook readers: the sheet to read is chosen, then its cells read with calamine."""

from __future__ import annotations

import io
import re

from analysis.ingest.model import IngestError, Limits
from analysis.ingest.sniff import _check_shape, _too_many_columns
from analysis.ingest.table import _Table, _table
from analysis.ingest.zipped import (
    _check_xml,
    _fixed_dimension,
    _has_data,
    _open_zip,
    _read_member,
    _scan_sheet,
    _xlsx_sheets,
)


def _calamine_table(payload: bytes, sheet_name: str, filename: str) -> _Table:
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(payload))
        rows = wb.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own error types for damaged files
        if type(exc).__name__ == "PasswordError":
            raise IngestError(
                f"{filename!r} is password-protected: remove the password and re-export."
            ) from None
        raise IngestError(
            f"{filename!r} could not be read ({type(exc).__name__}): open it in Excel and "
            "save it again, or upload it as CSV."
        ) from None
    return _table(rows)


def _pick_sheet(
    available: list[str], data_sheets: list[str], sheet: str | None, filename: str
) -> str:
    if sheet is not None:
        if sheet in available:
            return sheet
        raise IngestError(
            f"{filename!r} has no sheet named {sheet!r}: choose one of "
            f"{', '.join(repr(s) for s in (data_sheets or available))}."
        )
    if not data_sheets:
        raise IngestError(
            f"Every sheet in {filename!r} is empty: check you exported the responses, "
            "not just the questionnaire."
        )
    return data_sheets[0]


def _read_xlsx(
    data: bytes, filename: str, sheet: str | None, limits: Limits
) -> tuple[_Table, str, tuple[str, ...], list[str]]:
    zf = _open_zip(data, filename, limits)
    infos = _xlsx_sheets(zf, filename)
    for info in infos:
        _scan_sheet(zf, info, filename)
    data_sheets = [s.name for s in infos if _has_data(s)]
    # the responses are the largest visible sheet, not always the first (a 'Notes' or 'Read
    # me' sheet often comes first; a hidden 'Raw export' is what the visible sheet cleaned);
    # ties keep the workbook's order
    largest = sorted((s for s in infos if _has_data(s)), key=lambda s: (s.hidden, -s.rows * s.cols))
    chosen_name = _pick_sheet([s.name for s in infos], [s.name for s in largest], sheet, filename)
    chosen = next(s for s in infos if s.name == chosen_name)
    warnings: list[str] = []
    if sheet is None and len(data_sheets) > 1:
        hidden = [s.name for s in infos if s.hidden and _has_data(s)]
        which = (
            "the largest hidden one: no visible sheet has data"
            if chosen.hidden
            else ("the largest visible one" if hidden else "the largest")
        )
        warnings.append(
            f"The workbook has {len(data_sheets)} sheets with data "
            f"({', '.join(data_sheets)}); read {chosen_name!r}, {which}"
            + (f" ({', '.join(repr(h) for h in hidden)} hidden)" if hidden else "")
            + ". Choose another sheet if needed."
        )
    if not _has_data(chosen):
        raise IngestError(
            f"Sheet {chosen_name!r} is empty: choose a sheet with responses"
            + (f" ({', '.join(repr(s) for s in data_sheets)})." if data_sheets else ".")
        )
    _check_shape(chosen.rows, chosen.cols, limits, header_rows=3)
    payload = data
    if chosen.declared is not None:
        drows, dcols = chosen.declared
        if drows * dcols > limits.max_cells or dcols > 16_384 or drows > 1_048_576:
            payload = _fixed_dimension(zf, chosen, filename)
            warnings.append(
                f"Sheet {chosen_name!r} declares a size of {chosen.declared_ref}, far beyond its "
                f"data; only its {chosen.rows:,} rows by {chosen.cols:,} columns with cells "
                "were read."
            )
    elif chosen.declared_ref:
        payload = _fixed_dimension(zf, chosen, filename)
    table = _calamine_table(payload, chosen_name, filename)
    table.merged_rows = chosen.merged_rows
    return table, chosen_name, tuple(data_sheets), warnings


_ODS_CELL = re.compile(rb"<table:table-cell\b[^>]*?>")


def _read_ods(
    data: bytes, filename: str, sheet: str | None, limits: Limits
) -> tuple[_Table, str, tuple[str, ...], list[str]]:
    zf = _open_zip(data, filename, limits)
    content = _read_member(zf, "content.xml", filename)
    _check_xml(content, filename)
    # Empty repeated rows/columns are how LibreOffice pads a sheet; repeats of *filled* cells
    # would be materialised, so bound them.
    for m in _ODS_CELL.finditer(content):
        tag = m.group(0)
        rep = re.search(rb"number-columns-repeated=[\"']([0-9]+)[\"']", tag)
        if rep and int(rep.group(1)) > limits.max_columns and b"value" in tag:
            raise IngestError(_too_many_columns(int(rep.group(1)), limits))
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = list(wb.sheet_names)
    except Exception as exc:  # calamine raises its own error types for damaged files
        raise IngestError(
            f"{filename!r} could not be read ({type(exc).__name__}): open it and save it "
            "again, or upload it as CSV."
        ) from None
    tables: dict[str, _Table] = {}
    for name in names:
        if sheet is not None and name != sheet:
            continue
        tables[name] = _calamine_table(data, name, filename)
    # the largest sheet first, as in an XLSX workbook (a 'Notes' sheet often comes first);
    # ties keep the workbook's order
    data_sheets = [n for n, t in tables.items() if t.has_text]
    largest = sorted(data_sheets, key=lambda n: -tables[n].height * len(tables[n].columns))
    if sheet is not None:
        data_sheets = [n for n in names if n == sheet or _ods_sheet_has_data(data, n, filename)]
    chosen = _pick_sheet(names, largest if sheet is None else data_sheets, sheet, filename)
    warnings = []
    if sheet is None and len(data_sheets) > 1:
        warnings.append(
            f"The workbook has {len(data_sheets)} sheets with data "
            f"({', '.join(data_sheets)}); read {chosen!r}, the largest. Choose another "
            "sheet if needed."
        )
    table = tables[chosen] if chosen in tables else _calamine_table(data, chosen, filename)
    if not table.has_text:
        raise IngestError(f"Sheet {chosen!r} is empty: choose a sheet with responses.")
    return table, chosen, tuple(data_sheets), warnings


def _ods_sheet_has_data(data: bytes, name: str, filename: str) -> bool:
    return _calamine_table(data, name, filename).has_text
