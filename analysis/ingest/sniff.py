"""What the bytes are, and the size limits, checked before anything is parsed.

An upload that is not a survey table (a PDF, a Word file, an old .xls, a password-protected
workbook, a web page saved as .xls) is named as what it is, so the user knows what to do.
"""

from __future__ import annotations

import codecs
import io
import zipfile
import zlib

from analysis.ingest.model import IngestError, Limits

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_OLE_WORKBOOK = ("Workbook".encode("utf-16-le"), "Book".encode("utf-16-le"))
_BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"BZh", "a bzip2 archive"),
    (b"\x7fELF", "a program file"),
    (b"MZ", "a Windows program file"),
    (b"SQLite format 3", "an SQLite database"),
    (b"PAR1", "a Parquet file"),
    (b"{\\rtf", "an RTF document"),
)
_TEXT_EXT = {"csv", "tsv", "txt", "tab", "dat", "text", ""}
_XLSX_EXT = {"xlsx", "xlsm", "xltx", "xltm"}


def _ext(filename: str) -> str:
    name = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _mb(n: float) -> str:
    return f"{n / 1_000_000:,.1f} MB" if n >= 100_000 else f"{n:,.0f} bytes"


def _sniff_kind(data: bytes, filename: str) -> str:
    """'xlsx' | 'ods' | 'text', or an IngestError saying what the file really is."""
    head = data[:16]
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _zip_kind(data, filename)
    if head.startswith(_OLE2):
        raise _ole2_error(data, filename)
    for magic, what in _BINARY_MAGIC:
        if data.startswith(magic):
            raise IngestError(
                f"{filename!r} is {what}, not a survey export: upload the survey responses "
                "as CSV or .xlsx."
            )
    probe = data[:4096].lstrip(b"\xef\xbb\xbf").lstrip().lower()
    is_xml_sheet = b"urn:schemas-microsoft-com:office:spreadsheet" in probe
    if probe.startswith((b"<!doctype html", b"<html")) or (
        b"<table" in probe[:2048] and not is_xml_sheet
    ):
        raise IngestError(
            f"{filename!r} is a web page (HTML) saved with a spreadsheet name: open it in Excel "
            "and save it as .xlsx or CSV, then upload that."
        )
    if probe.startswith(b"<?xml") and is_xml_sheet:
        raise IngestError(
            f"{filename!r} is an Excel 2003 XML spreadsheet: open it in Excel and save it as "
            ".xlsx or CSV, then upload that."
        )
    return "text"


def _zip_kind(data: bytes, filename: str) -> str:
    """'xlsx' | 'ods' for a zip that is a spreadsheet; what else it is, as an IngestError."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            mimetype = zf.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError):
        raise IngestError(
            f"{filename!r} looks like an Excel file but is corrupt or truncated: open it in "
            "Excel and save it again, or export the survey again."
        ) from None
    if "xl/workbook.xml" in names or any(n.startswith("xl/worksheets/") for n in names):
        return "xlsx"
    if b"opendocument.spreadsheet" in mimetype:
        return "ods"
    if any(n.startswith("word/") for n in names):
        what = "a Word document"
    elif any(n.startswith("ppt/") for n in names):
        what = "a PowerPoint file"
    elif b"opendocument" in mimetype:
        what = "an OpenDocument file that is not a spreadsheet"
    else:
        what = "a zip archive"
    raise IngestError(
        f"{filename!r} is {what}, not a spreadsheet: upload the survey export as CSV or .xlsx."
    )


def _ole2_error(data: bytes, filename: str) -> IngestError:
    """What an old Office binary (OLE2) file is: an encrypted workbook, an .xls, or other."""
    if _ENCRYPTED_PACKAGE in data:
        return IngestError(
            f"{filename!r} is password-protected: remove the password in Excel "
            "(File > Info > Protect Workbook) and re-export, or save it as CSV."
        )
    if any(tag in data for tag in _OLE_WORKBOOK):
        return IngestError(
            f"{filename!r} is an old binary Excel (.xls) file: open it in Excel and save as "
            ".xlsx or CSV, then upload that."
        )
    return IngestError(
        f"{filename!r} is an old Microsoft Office binary file, not a spreadsheet export: "
        "save the survey data as .xlsx or CSV and upload that."
    )


def check_file_size(size: int, filename: str, limits: Limits) -> None:
    """An IngestError for an empty file or one over ``limits.max_bytes``: callers that know a
    file's size before reading it (the command line) refuse it without loading it."""
    if size == 0:
        raise IngestError(
            f"{filename!r} is empty (0 bytes): export the survey responses again and upload "
            "the new file."
        )
    if size > limits.max_bytes:
        raise IngestError(
            f"{filename!r} is {_mb(size)}, more than the {_mb(limits.max_bytes)} limit: "
            "export only the columns you need or split the file, or raise the size limit "
            "(command line: --max-mb)."
        )


def _check_size(data: bytes, filename: str, limits: Limits) -> None:
    check_file_size(len(data), filename, limits)
    stripped = data.strip(b" \t\r\n\x00").removeprefix(codecs.BOM_UTF8)
    if not stripped.strip(b" \t\r\n\x00\xff\xfe"):
        raise IngestError(
            f"{filename!r} holds only blank space, no table: export the survey responses again."
        )
    if len(stripped) <= 2 and b"\n" not in stripped:
        raise IngestError(
            f"{filename!r} is only {len(data)} byte{'s' if len(data) != 1 else ''} long and "
            "holds no table: check that the export finished, then upload it again."
        )


def _check_shape(rows: int, cols: int, limits: Limits, header_rows: int = 0) -> None:
    if cols > limits.max_columns:
        raise IngestError(_too_many_columns(cols, limits))
    if rows - header_rows > limits.max_rows:
        raise IngestError(_too_many_rows(limits))
    if rows * cols > limits.max_cells:
        raise IngestError(_too_many_cells(rows, cols, limits))


def _too_many_rows(limits: Limits) -> str:
    return (
        f"The file has more than {limits.max_rows:,} rows, the limit: filter the export "
        "(e.g. one survey wave or business unit) or raise the row limit (command line: "
        "--max-rows)."
    )


def _too_many_columns(n: int, limits: Limits) -> str:
    return (
        f"The file has {n:,} columns, more than the {limits.max_columns:,} limit: export only "
        "the questions you need, or raise the column limit."
    )


def _too_many_cells(rows: int, cols: int, limits: Limits) -> str:
    return (
        f"The table is {rows:,} rows by {cols:,} columns, more than the {limits.max_cells:,} "
        "cell limit: export fewer columns or rows, or raise the cell limit."
    )
