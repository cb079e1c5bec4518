"""Property-based fuzzing of ingestion: whatever the bytes, only IngestError may escape.

Two generators: CSV-ish bytes (random delimiters, quoting, encodings, BOMs, NULs, ragged rows,
line endings) and random tables written to real XLSX files by openpyxl and XlsxWriter. Each
successful read must also keep ingestion's bookkeeping promises, and the column inference that
follows it must not fail with anything but a user-facing error. The normal suite runs a small
budget; ``make fuzz`` sets CHANGERADAR_FUZZ_EXAMPLES=2000. A failure found here becomes a
corpus case (tests/corpus/cases.py).
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.columns import infer_columns
from analysis.ingest import IngestError, Limits, read_export
from analysis.survey import default_survey

EXAMPLES = int(os.environ.get("CHANGERADAR_FUZZ_EXAMPLES", "25"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# small limits so the fuzzer also reaches the refusal paths
LIMITS = Limits(max_bytes=200_000, max_rows=60, max_columns=25, max_cells=800)
SURVEY = default_survey()

WORDS = (
    "Team",
    "Role",
    "TR1",
    "Agree",
    "Strongly agree",
    "Disagree",
    "N/A",
    "NA",
    "None",
    "",
    " ",
    "3",
    "6",
    "-1",
    "1,5",
    "=1+2",
    '{"ImportId":"QID1"}',
    "V1",
    "ResponseId",
    "Respondent ID",
    "Timestamp",
    "é",
    "😀",
    "\u200b",
    "\u202e",
)
cell_text = st.one_of(
    st.sampled_from(WORDS),
    st.text(max_size=12),
    st.text(alphabet=st.sampled_from(list(',;\t|"\n\r\x00 ab1')), max_size=8),
)
rows = st.lists(st.lists(cell_text, min_size=0, max_size=8), min_size=0, max_size=12)
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252", "latin-1")
BOMS = (b"", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE)
NAMES = ("export.csv", "export.tsv", "export.txt", "export.xlsx", "export", "export.ods")


def _check_export(data: bytes, filename: str) -> None:
    try:
        export = read_export(data, filename, limits=LIMITS)
    except IngestError as exc:
        message = str(exc)
        assert message and "Traceback" not in message
        return
    names = [c.name for c in export.columns]
    assert names == list(export.responses.columns)
    assert len({n.casefold() for n in names}) == len(names), "column names must be unique"
    assert all(0 < len(n) <= 120 for n in names)
    assert export.rows_read == len(export.responses) + sum(export.dropped_rows.values())
    assert len(export.responses) <= LIMITS.max_rows
    assert len(export.responses.columns) <= LIMITS.max_columns
    try:
        colmap = infer_columns(export, SURVEY)
    except IngestError:
        return
    assert [s.name for s in colmap.columns] == names


@st.composite
def csv_bytes(draw: st.DrawFn) -> bytes:
    table = draw(rows)
    delim = draw(st.sampled_from([",", ";", "\t", "|"]))
    quote_all = draw(st.booleans())
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    lines = []
    for row in table:
        cells = []
        for cell in row:
            if quote_all or any(ch in cell for ch in (delim, '"', "\n", "\r")):
                cell = '"' + cell.replace('"', draw(st.sampled_from(['""', '"']))) + '"'
            cells.append(cell)
        lines.append(delim.join(cells))
    text = newline.join(lines) + draw(st.sampled_from(["", newline]))
    data = text.encode(draw(st.sampled_from(ENCODINGS)), errors="replace")
    data = draw(st.sampled_from(BOMS)) + data
    if draw(st.booleans()):
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(max_size=6)) + data[at:]
    return data


@FUZZ
@given(csv_bytes(), st.sampled_from(NAMES))
def test_csv_bytes_only_raise_ingest_error(data: bytes, filename: str) -> None:
    _check_export(data, filename)


@FUZZ
@given(st.binary(max_size=600), st.sampled_from(NAMES))
def test_arbitrary_bytes_only_raise_ingest_error(data: bytes, filename: str) -> None:
    _check_export(data, filename)


cell_value = st.one_of(
    st.none(),
    cell_text.map(lambda s: s.replace("\x00", "")),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.datetimes(min_value=dt.datetime(1905, 1, 1), max_value=dt.datetime(2100, 1, 1)),
)
tables = st.lists(st.lists(cell_value, min_size=1, max_size=7), min_size=1, max_size=10)


def _openpyxl(table: list[list[object]], epoch1904: bool) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    wb = Workbook()
    if epoch1904:
        wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    for row in table:
        clean = []
        for v in row:
            if isinstance(v, str):
                v = ILLEGAL_CHARACTERS_RE.sub("", v)
                if v.startswith("="):
                    v = "'" + v
            if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
                v = None
            clean.append(v)
        ws.append(clean)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _xlsxwriter(table: list[list[object]], merge: bool) -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buf,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
            "nan_inf_to_errors": True,
        },
    )
    ws = wb.add_worksheet("Responses")
    date_format = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for r, row in enumerate(table):
        for c, v in enumerate(row):
            if isinstance(v, dt.datetime):
                ws.write_datetime(r, c, v, date_format)
            elif v is not None:
                ws.write(r, c, v)
    if merge and len(table[0]) > 1:
        ws.merge_range(0, 0, 0, 1, "merged header")
    wb.close()
    return buf.getvalue()


@FUZZ
@given(tables, st.sampled_from(["openpyxl", "xlsxwriter"]), st.booleans(), st.sampled_from(NAMES))
def test_generated_workbooks_only_raise_ingest_error(
    table: list[list[object]], writer: str, flag: bool, filename: str
) -> None:
    data = _openpyxl(table, flag) if writer == "openpyxl" else _xlsxwriter(table, flag)
    _check_export(data, filename)


@FUZZ
@given(tables, st.integers(0, 4000), st.binary(min_size=1, max_size=16))
def test_damaged_workbooks_only_raise_ingest_error(
    table: list[list[object]], at: int, junk: bytes
) -> None:
    data = _xlsxwriter(table, False)
    at = at % len(data)
    _check_export(data[:at] + junk + data[at + len(junk) :], "export.xlsx")
