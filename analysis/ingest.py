"""Survey export bytes -> one tidy table of text answers, plus what was detected.

Everything is read as text with no default-NA conversion ("NA" can be a team and "007" an ID).
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
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import gc
import io
import json
import math
import re
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from defusedxml import ElementTree as SafeET

__all__ = [
    "DEFAULT_LIMITS",
    "FORMATS",
    "IngestError",
    "Limits",
    "SourceColumn",
    "SurveyExport",
    "list_sheets",
    "read_export",
]

FORMATS = (
    "qualtrics",
    "qualtrics_legacy",
    "surveymonkey",
    "ms_forms",
    "google_forms",
    "limesurvey",
    "generic",
)


class IngestError(Exception):
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


# --------------------------------------------------------------------------------------------
# sniffing what the bytes are

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
    if head.startswith(_OLE2):
        if _ENCRYPTED_PACKAGE in data:
            raise IngestError(
                f"{filename!r} is password-protected: remove the password in Excel "
                "(File > Info > Protect Workbook) and re-export, or save it as CSV."
            )
        if any(tag in data for tag in _OLE_WORKBOOK):
            raise IngestError(
                f"{filename!r} is an old binary Excel (.xls) file: open it in Excel and save as "
                ".xlsx or CSV, then upload that."
            )
        raise IngestError(
            f"{filename!r} is an old Microsoft Office binary file, not a spreadsheet export: "
            "save the survey data as .xlsx or CSV and upload that."
        )
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


# --------------------------------------------------------------------------------------------
# text files


def _decode(data: bytes, filename: str) -> tuple[str, str, list[str]]:
    """Text, the encoding used and warnings. Never raises for an encoding: cp1252 with a
    latin-1 fallback decodes any bytes; only NUL bytes in a non-UTF-16 body refuse a file."""
    warnings: list[str] = []
    if data.startswith(codecs.BOM_UTF8):
        text, encoding = data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    elif data.startswith(codecs.BOM_UTF32_LE) or data.startswith(codecs.BOM_UTF32_BE):
        text, encoding = data.decode("utf-32", errors="replace"), "utf-32"
    elif data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        text, encoding = data.decode("utf-16", errors="replace"), "utf-16"
    else:
        utf16 = _utf16_order(data) if b"\x00" in data else None
        if utf16 is not None:
            text, encoding = data.decode(utf16, errors="replace"), utf16
        else:
            if b"\x00" in data:
                data, removed = _drop_nul_bytes(data, filename)
                warnings.append(_nul_warning(removed, filename))
            text, encoding, more = _decode_8bit_or_utf8(data, filename)
            warnings.extend(more)
    if "\x00" in text:  # NUL padding after a UTF-16/32 text: a NUL character is 2 or 4 bytes
        size = 4 if encoding == "utf-32" else 2 if encoding.startswith("utf-16") else 1
        warnings.append(_nul_warning(size * text.count("\x00"), filename))
        text = text.replace("\x00", "")
    return text, encoding, warnings


def _utf16_order(data: bytes) -> str | None:
    """'utf-16-le' / 'utf-16-be' when the NUL bytes fall on every other byte (ASCII text in
    UTF-16 without a BOM, e.g. Excel's 'Unicode text'); trailing NUL padding is ignored."""
    sample = data.rstrip(b"\x00")[:20_000]
    if len(sample) < 2:
        return None
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    half = len(sample) / 2
    if odd > 0.3 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.3 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


# A run of NUL bytes between two printable characters stood for a separator ("Beta<NUL>Unit");
# elsewhere (next to a delimiter, a line break or the end of the file) it is dropped.
_INNER_NULS = re.compile(rb"(?<=[^\x00-\x20,;|])\x00+(?=[^\x00-\x20,;|])")


def _drop_nul_bytes(data: bytes, filename: str) -> tuple[bytes, int]:
    """The text without its NUL bytes, or the 'binary file' error when NULs are too many to be
    stray bytes or padding (text never holds NULs; images and programs are full of them)."""
    body = data.rstrip(b"\x00")
    total = data.count(0)
    inner = body.count(0)
    if inner > max(16, 0.01 * len(body)):
        raise IngestError(
            f"{filename!r} is a binary file, not a text table: upload the survey export as "
            "CSV or .xlsx."
        )
    return _INNER_NULS.sub(b" ", body).replace(b"\x00", b""), total


def _nul_warning(n: int, filename: str) -> str:
    return (
        f"Removed {n:,} NUL byte{'s' if n != 1 else ''} (invisible null characters, left by an "
        f"interrupted export or a damaged copy) from {filename!r}: check that the file is "
        "complete."
    )


# A character that only a valid multi-byte UTF-8 sequence can give, in text decoded with
# surrogateescape (invalid bytes become U+DC80..U+DCFF).
_UTF8_NON_ASCII = re.compile("[^\x00-\x7f\udc80-\udcff]")
_ESCAPED_RUN = re.compile("[\udc80-\udcff]+")
# cp1252 for every byte 0x80-0xFF (latin-1 for the five bytes cp1252 leaves undefined).
_CP1252_OF_ESCAPE = {
    0xDC00 + b: bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in range(0x80, 0x100)
}


def _decode_8bit_or_utf8(data: bytes, filename: str) -> tuple[str, str, list[str]]:
    """UTF-8 if the bytes are; one 8-bit codec if no byte sequence is valid multi-byte UTF-8;
    otherwise a file pasted together from UTF-8 and cp1252 parts, decoded run by run."""
    try:
        return data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError:
        pass
    escaped = data.decode("utf-8", errors="surrogateescape")
    if _UTF8_NON_ASCII.search(escaped) is None:
        text, encoding = _decode_8bit(data)
        return text, encoding, []
    lines, line, pos = [], 1, 0
    newline = "\n" if "\n" in escaped else "\r"
    for m in _ESCAPED_RUN.finditer(escaped):
        line += escaped.count(newline, pos, m.start())
        pos = m.start()
        if not lines or lines[-1] != line:
            lines.append(line)
    warning = (
        f"{filename!r} mixes two text encodings: {len(lines):,} line(s) ({_lines_note(lines)}) "
        "were read as Windows-1252 (cp1252) and the rest as UTF-8, so accented names match "
        "across both parts; check those lines, or save the file again as CSV UTF-8."
    )
    return escaped.translate(_CP1252_OF_ESCAPE), "utf-8+cp1252", [warning]


_WESTERN = {
    "cp1252",
    "latin_1",
    "iso8859_15",
    "iso8859_1",
    "cp1250",
    "iso8859_2",
    "mac_roman",
    "cp850",
    "cp437",
    "utf_8",
    "ascii",
}


def _decode_8bit(data: bytes) -> tuple[str, str]:
    """cp1252 (Excel's 'CSV' on Western Windows) unless the bytes clearly are something else."""
    try:
        cp1252 = data.decode("cp1252")
    except UnicodeDecodeError:
        cp1252 = None
    guess = None
    try:
        from charset_normalizer import from_bytes

        # Only the lines with non-ASCII bytes tell encodings apart.
        sample = b"\n".join(ln for ln in data.splitlines() if any(b > 127 for b in ln))
        best = from_bytes(sample[:200_000]).best() if len(sample) >= 200 else None
        guess = best.encoding if best is not None else None
        if guess is not None and guess.startswith(("utf_16", "utf_32")):
            guess = None  # UTF-16/32 are recognised by their BOM or NUL bytes, not guessed
    except (ImportError, LookupError, ValueError):
        guess = None
    if cp1252 is not None and (guess is None or guess in _WESTERN):
        return cp1252, "cp1252"
    if guess is not None:
        try:
            return data.decode(guess), guess
        except (UnicodeDecodeError, LookupError):
            pass
    return data.decode("latin-1"), "latin-1"


_DELIMITERS = (",", ";", "\t", "|")


def _sniff_delimiter(text: str, ext: str) -> str:
    """The delimiter giving the most consistent multi-column rows in the first lines."""
    sample = text[:100_000]
    cut = sample.rfind("\n")
    if cut > 0 and len(text) > len(sample):
        sample = sample[:cut]
    best, best_score = ("\t" if ext in {"tsv", "tab"} else ","), (-1.0, 0)
    for delim in _DELIMITERS:
        try:
            rows = [r for r in csv.reader(io.StringIO(sample, newline=""), delimiter=delim) if r]
        except csv.Error:
            continue
        rows = rows[:200]
        if not rows:
            continue
        widths = [len(r) for r in rows]
        mode = max(set(widths), key=widths.count)
        if mode < 2:
            continue
        consistency = widths.count(mode) / len(widths)
        score = (round(consistency, 2), mode)
        if ext in {"tsv", "tab"} and delim == "\t":
            score = (score[0] + 0.05, score[1])
        if score > best_score:
            best, best_score = delim, score
    return best


def _read_text(
    data: bytes, filename: str, limits: Limits
) -> tuple[list[list[str]], str, str, list[str]]:
    text, encoding, warnings = _decode(data, filename)
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise IngestError(
            f"{filename!r} holds no text (only blank space): export the survey responses again."
        )
    bad = sum(1 for ch in text[:10_000] if ord(ch) < 32 and ch not in "\t\r\n")
    if bad > 0.05 * min(len(text), 10_000):
        raise IngestError(
            f"{filename!r} is a binary file, not a text table: upload the survey export as "
            "CSV or .xlsx."
        )
    delim = _sniff_delimiter(text, _ext(filename))
    rows, more = _parse_csv(text, delim, filename, limits)
    return rows, encoding, delim, warnings + more


_MAX_QUOTE_REPAIRS = 20


def _parse_csv(
    text: str, delim: str, filename: str, limits: Limits
) -> tuple[list[list[str]], list[str]]:
    """Rows of a delimited text, with a quote that is opened and never closed caught.

    Python's csv reader, left lenient, lets such a quote swallow every later line into one
    cell, silently: 30 respondents become one. So the file is read strictly; where the strict
    reader stops, the record is read leniently as before (an odd but harmless quote such as
    '"AI" tools', or a multi-line comment), unless it ran over lines that are rows of their
    own: then the opening quote is the stray one. It is ignored, that line read on its own,
    and the user told which line to check. Many such lines mean the quoting is broken
    throughout: an error, because a guess per line would no longer be trustworthy.
    """
    rows: list[list[str]] = []
    # Header rows (up to 3) plus a little slack for title lines before the row limit applies.
    max_lines = limits.max_rows + 10
    records = 0
    lines: list[str] | None = None  # physical lines, only once the strict reader has stopped
    offset = 0  # physical lines before the current reader's first one
    repaired: list[tuple[int, int]] = []  # (line number, lines it would have swallowed)

    def add(row: list[str]) -> None:
        nonlocal records
        records += 1
        if records > max_lines:
            raise IngestError(_too_many_rows(limits))
        if not row:
            return  # a blank line is not a respondent row
        if len(row) > limits.max_columns:
            raise IngestError(_too_many_columns(len(row), limits))
        rows.append(row)

    source: Iterator[str] = io.StringIO(text, newline="")
    while True:
        reader = csv.reader(source, delimiter=delim, strict=True)
        done_lines = 0  # lines of complete records read by this reader
        try:
            for row in reader:
                done_lines = reader.line_num
                add(row)
            break
        except csv.Error:
            failed_at = reader.line_num
        if lines is None:
            lines = io.StringIO(text, newline="").readlines()
        first = offset + done_lines  # index of the failing record's first line
        last = offset + failed_at  # one past the line where the strict reader stopped
        width = len(rows[0]) if rows else lines[first].count(delim) + 1
        runaway = any(lines[k].count(delim) >= max(1, width - 1) for k in range(first + 1, last))
        if runaway:
            if len(repaired) >= _MAX_QUOTE_REPAIRS:
                raise IngestError(
                    f'{filename!r} has quotes (") that are opened and never closed on more '
                    f"than {_MAX_QUOTE_REPAIRS} lines (the first on line {repaired[0][0]}): "
                    "its quoting is broken. Open it in Excel and save it again as CSV, or "
                    "export the survey again."
                )
            add(_without_stray_quote(lines[first], delim))
            repaired.append((first + 1, last - first - 1))
            offset = first + 1
        else:
            lenient = csv.reader(_lines_from(lines, first), delimiter=delim)
            add(next(lenient, []))
            offset = first + lenient.line_num
        source = _lines_from(lines, offset)
    warnings = []
    if repaired:
        where = _lines_note([n for n, _ in repaired])
        swallowed = sum(k for _, k in repaired)
        warnings.append(
            f'{len(repaired)} line(s) of {filename!r} ({where}) open a quote (") that is '
            f"never closed, which would have merged the {swallowed:,} line(s) after them into "
            "one cell: each stray quote was ignored and its line read as one row. Check "
            "those lines in the file."
        )
    return rows, warnings


def _lines_note(numbers: list[int]) -> str:
    """'line 9', 'lines 2, 5, 9' or 'lines 20 to 35' for a warning."""
    if len(numbers) == 1:
        return f"line {numbers[0]}"
    if len(numbers) <= 3:
        return "lines " + ", ".join(map(str, numbers))
    return f"lines {numbers[0]} to {numbers[-1]}"


def _lines_from(lines: list[str], start: int) -> Iterator[str]:
    return (lines[i] for i in range(start, len(lines)))


def _without_stray_quote(line: str, delim: str) -> list[str]:
    """The cells of one line whose quote never closes: the quote opening a field that makes
    the line unreadable is dropped (the last such one first); failing that, quotes are read
    as plain characters."""
    starts = [i for i, ch in enumerate(line) if ch == '"' and (i == 0 or line[i - 1] == delim)]
    for i in reversed(starts):
        candidate = line[:i] + line[i + 1 :]
        try:
            return next(csv.reader([candidate], delimiter=delim, strict=True), [])
        except csv.Error:
            continue
    return next(csv.reader([line], delimiter=delim, quoting=csv.QUOTE_NONE), [])


def _too_many_rows(limits: Limits) -> str:
    return (
        f"The file has more than {limits.max_rows:,} rows, the limit: filter the export "
        "(e.g. one survey wave or business unit) or raise the row limit."
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


# --------------------------------------------------------------------------------------------
# zipped spreadsheets: inspect first, parse after

# XML lets an attribute be quoted with " or ': the safety scan must read both (r='XFD1').
_COL_LETTERS = re.compile(rb"<c\b[^>]*?\br=[\"']([A-Z]{1,3})[0-9]+[\"']")
_CELL_ROWS = re.compile(rb"<c\b[^>]*?\br=[\"'][A-Z]{1,3}([0-9]+)[\"']")
_ANY_CELL = re.compile(rb"<c[\s>/]")
_ROW_TAG = re.compile(rb"<row[\s>]")
_DIMENSION = re.compile(rb"<dimension\b[^>]*?\bref=[\"']([^\"']+)[\"']")
_MERGE = re.compile(rb"<mergeCell\b[^>]*?\bref=[\"']([^\"']+)[\"']")
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_REF = re.compile(r"^\$?([A-Z]{1,3})\$?([0-9]+)$")
_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n


def _ref_size(ref: str) -> tuple[int, int] | None:
    """(rows, columns) spanned by a range like 'A1:XFD1048576', or None if unreadable."""
    parts = ref.upper().split(":")
    cells = [_REF.match(p.strip()) for p in parts]
    if not cells or any(c is None for c in cells):
        return None
    rows = [int(c.group(2)) for c in cells if c]
    cols = [_col_number(c.group(1)) for c in cells if c]
    return max(rows) - min(rows) + 1, max(cols) - min(cols) + 1


def _open_zip(data: bytes, filename: str, limits: Limits) -> zipfile.ZipFile:
    corrupt = (
        f"{filename!r} is a corrupt or truncated spreadsheet: open it in Excel and save it "
        "again, or export the survey again."
    )
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError):
        raise IngestError(corrupt) from None
    if len(infos) > 10_000:
        raise IngestError(
            f"{filename!r} holds {len(infos):,} files inside, far more than a spreadsheet: "
            "save it again from Excel as .xlsx or CSV."
        )
    if any(info.flag_bits & 0x1 for info in infos):
        raise IngestError(
            f"{filename!r} is password-protected: remove the password and re-export, or save "
            "it as CSV."
        )
    total = sum(info.file_size for info in infos)
    if total > limits.max_uncompressed_bytes:
        raise IngestError(
            f"{filename!r} unpacks to {_mb(total)}, more than the "
            f"{_mb(limits.max_uncompressed_bytes)} limit: export fewer rows or columns, or "
            "upload it as CSV."
        )
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 1_000_000 and ratio > limits.max_compression_ratio:
            raise IngestError(
                f"{filename!r} unpacks {ratio:,.0f} times larger than its size (a 'zip bomb' "
                f"pattern, limit {limits.max_compression_ratio:,.0f}x): it was refused; save "
                "the data again from Excel or upload it as CSV."
            )
    return zf


def _read_member(zf: zipfile.ZipFile, name: str, filename: str) -> bytes:
    try:
        return zf.read(name)
    except KeyError:
        raise IngestError(
            f"{filename!r} is missing part of its workbook ({name}): open it in Excel and "
            "save it again."
        ) from None
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError):
        raise IngestError(
            f"{filename!r} is a corrupt or truncated spreadsheet: open it in Excel and save it "
            "again, or export the survey again."
        ) from None


def _check_xml(xml: bytes, filename: str) -> None:
    head = xml[:4096]
    root = head.find(b"<", head.find(b"?>") + 1 if b"?>" in head else 0)
    if _DTD.search(xml[: max(root, 0) + 2048]):
        raise IngestError(
            f"{filename!r} contains XML entity declarations, which spreadsheets never need and "
            "attacks use: it was refused; save the data again from Excel or as CSV."
        )


def _parse_xml(xml: bytes, filename: str) -> Any:
    _check_xml(xml, filename)
    try:
        return SafeET.fromstring(xml, forbid_dtd=True)
    except Exception:  # defusedxml raises several XML and policy exception types
        raise IngestError(
            f"{filename!r} has an unreadable workbook structure: open it in Excel and save it "
            "again."
        ) from None


@dataclass
class _SheetInfo:
    name: str
    path: str
    rows: int = 0
    cols: int = 0
    has_cells: bool = False
    declared: tuple[int, int] | None = None
    declared_ref: str = ""
    merged_rows: frozenset[int] = frozenset()  # 0-based rows holding a merge across columns


def _xlsx_sheets(zf: zipfile.ZipFile, filename: str) -> list[_SheetInfo]:
    book = _parse_xml(_read_member(zf, "xl/workbook.xml", filename), filename)
    rels: dict[str, str] = {}
    if "xl/_rels/workbook.xml.rels" in zf.namelist():
        rel_root = _parse_xml(_read_member(zf, "xl/_rels/workbook.xml.rels", filename), filename)
        for rel in rel_root.iter(f"{_NS_PKG_REL}Relationship"):
            target = rel.get("Target", "")
            target = target.lstrip("/") if target.startswith("/") else "xl/" + target
            rels[rel.get("Id", "")] = re.sub(r"[^/]+/\.\./", "", target)
    sheets = []
    for i, el in enumerate(book.iter(f"{_NS_MAIN}sheet"), start=1):
        path = rels.get(el.get(f"{_NS_REL}id", ""), f"xl/worksheets/sheet{i}.xml")
        sheets.append(_SheetInfo(name=el.get("name", f"Sheet{i}"), path=path))
    if not sheets:
        raise IngestError(f"{filename!r} is a workbook without sheets: export the survey again.")
    return sheets


def _scan_sheet(zf: zipfile.ZipFile, sheet: _SheetInfo, filename: str) -> None:
    """Real extent of a sheet from its cell references, without building any cells."""
    if sheet.path not in zf.namelist():
        return
    xml = _read_member(zf, sheet.path, filename)
    _check_xml(xml, filename)
    m = _DIMENSION.search(xml[:10_000])
    if m:
        sheet.declared_ref = m.group(1).decode("ascii", "replace")
        sheet.declared = _ref_size(sheet.declared_ref)
    sheet.has_cells = b"<c " in xml or b"<c>" in xml
    sheet.merged_rows = _merged_rows(xml)
    if _extent_from_ends(xml, sheet):
        return
    letters = set(_COL_LETTERS.findall(xml))
    if letters:
        sheet.cols = max(_col_number(x.decode()) for x in letters)
        sheet.rows = max(map(int, _CELL_ROWS.findall(xml)))
    elif sheet.has_cells:
        # Cells without references are placed one after another: bound the width by the
        # longest row.
        sheet.rows = len(_ROW_TAG.findall(xml))
        sheet.cols = max((len(_ANY_CELL.findall(part)) for part in xml.split(b"</row>")), default=0)


def _merged_rows(xml: bytes) -> frozenset[int]:
    """Rows (0-based) in the first 50 where a merged range spans several columns: a group
    label over its sub-columns, the sign of a two-row header."""
    end = xml.rfind(b"</sheetData>")  # merges are listed after the cells
    tail = xml.find(b"<mergeCells", max(end, 0))
    if tail < 0:
        return frozenset()
    rows = set()
    for m in _MERGE.finditer(xml, tail):
        size = _ref_size(m.group(1).decode("ascii", "replace"))
        first = _REF.match(m.group(1).decode("ascii", "replace").split(":")[0].upper())
        if size is not None and first is not None and size[1] > 1:
            row = int(first.group(2)) - 1
            if row < 50:
                rows.add(row)
    return frozenset(rows)


_END_SPAN = 65_536


def _extent_from_ends(xml: bytes, sheet: _SheetInfo) -> bool:
    """Set the exact extent from the first and last rows, when no cell reference lies beyond.

    Listing every reference of a large sheet costs seconds. The references in the first and
    last 64 KB of cells are real ones, so their maximum is a lower bound of the extent; one
    search for any reference beyond it (a superset of what the full listing would read) proves
    it is also the upper bound. False (nothing set) when that cannot be shown; the caller then
    lists every reference.
    """
    end = xml.rfind(b"</sheetData>")
    end = len(xml) if end < 0 else end
    ends = (xml[: min(_END_SPAN, end)], xml[max(0, end - _END_SPAN) : end])
    letters = {x for part in ends for x in _COL_LETTERS.findall(part)}
    if not letters:
        return False
    cols = max(_col_number(x.decode()) for x in letters)
    rows = max(int(x) for part in ends for x in _CELL_ROWS.findall(part))
    if _beyond(cols, rows).search(xml):
        return False
    sheet.rows, sheet.cols = rows, cols
    return True


def _greater(bound: str, alphabet: str) -> list[str]:
    """Regex alternatives for the strings of len(bound) above bound, character by character."""
    out = []
    for i, ch in enumerate(bound):
        higher = alphabet[alphabet.index(ch) + 1 :]
        if higher:
            rest = f"[{alphabet[0]}-{alphabet[-1]}]{{{len(bound) - i - 1}}}"
            out.append(re.escape(bound[:i]) + f"[{higher[0]}-{higher[-1]}]" + rest)
    return out


def _beyond(cols: int, rows: int) -> re.Pattern[bytes]:
    """Any 'r="<letters><digits>"' (or r='...') whose column is past cols or row past rows.

    Matches wherever the reference listing (_COL_LETTERS / _CELL_ROWS) could read one such
    reference, and in some places it could not (no word boundary, any element): a spurious hit
    only costs the full listing.
    """
    letters = _col_letters(cols)
    wider = _greater(letters, "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    if len(letters) < 3:
        wider.append(f"[A-Z]{{{len(letters) + 1},3}}")
    digits = str(rows)
    deeper = [f"[1-9][0-9]{{{len(digits)},}}", *_greater(digits, "0123456789")]
    col_part = "|".join(wider) or "(?!)"
    return re.compile(
        f"r=[\"'](?:(?:{col_part})[0-9]+|[A-Z]{{1,3}}+0*+(?:{'|'.join(deeper)}))[\"']".encode(
            "ascii"
        )
    )


def _has_data(sheet: _SheetInfo) -> bool:
    return sheet.has_cells


def _fixed_dimension(zf: zipfile.ZipFile, sheet: _SheetInfo, filename: str) -> bytes:
    """The workbook with the sheet's absurd declared dimension replaced by its real extent."""
    out = io.BytesIO()
    real = f"A1:{_col_letters(max(sheet.cols, 1))}{max(sheet.rows, 1)}".encode()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in zf.infolist():
            content = _read_member(zf, info.filename, filename)
            if info.filename == sheet.path:
                content = _DIMENSION.sub(
                    lambda m: m.group(0).replace(m.group(1), real), content, count=1
                )
            dst.writestr(info.filename, content)
    return out.getvalue()


def _col_letters(n: int) -> str:
    s = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def _cell_text(value: Any) -> str:
    """A spreadsheet cell as the text a person would read in it."""
    if type(value) is str:
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.15g}"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value)


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
    chosen_name = _pick_sheet([s.name for s in infos], data_sheets, sheet, filename)
    chosen = next(s for s in infos if s.name == chosen_name)
    warnings: list[str] = []
    if sheet is None and len(data_sheets) > 1:
        warnings.append(
            f"The workbook has {len(data_sheets)} sheets with data "
            f"({', '.join(data_sheets)}); read {chosen_name!r}. Choose another sheet if needed."
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


_ODS_REPEAT = re.compile(rb"number-(rows|columns)-repeated=[\"']([0-9]+)[\"']")
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
    data_sheets = [n for n, t in tables.items() if t.has_text]
    if sheet is not None:
        data_sheets = [n for n in names if n == sheet or _ods_sheet_has_data(data, n, filename)]
    chosen = _pick_sheet(names, data_sheets, sheet, filename)
    warnings = []
    if sheet is None and len(data_sheets) > 1:
        warnings.append(
            f"The workbook has {len(data_sheets)} sheets with data "
            f"({', '.join(data_sheets)}); read {chosen!r}. Choose another sheet if needed."
        )
    table = tables[chosen] if chosen in tables else _calamine_table(data, chosen, filename)
    if not table.has_text:
        raise IngestError(f"Sheet {chosen!r} is empty: choose a sheet with responses.")
    return table, chosen, tuple(data_sheets), warnings


def _ods_sheet_has_data(data: bytes, name: str, filename: str) -> bool:
    return _calamine_table(data, name, filename).has_text


def _check_shape(rows: int, cols: int, limits: Limits, header_rows: int = 0) -> None:
    if cols > limits.max_columns:
        raise IngestError(_too_many_columns(cols, limits))
    if rows - header_rows > limits.max_rows:
        raise IngestError(_too_many_rows(limits))
    if rows * cols > limits.max_cells:
        raise IngestError(_too_many_cells(rows, cols, limits))


# --------------------------------------------------------------------------------------------
# header layouts of the survey platforms

_QUALTRICS_TAGS = {
    "startdate",
    "enddate",
    "status",
    "ipaddress",
    "progress",
    "duration (in seconds)",
    "finished",
    "recordeddate",
    "responseid",
    "recipientlastname",
    "recipientfirstname",
    "recipientemail",
    "externalreference",
    "locationlatitude",
    "locationlongitude",
    "distributionchannel",
    "userlanguage",
}
_QUALTRICS_LABELS = {"start date", "end date", "response id", "response type", "recorded date"}
_SM_META = {"respondent id", "collector id", "start date", "end date", "ip address"}
_SM_SUBLABELS = {"response", "open-ended response"}
_MSFORMS = {"id", "start time", "completion time"}
_GOOGLE_TS = {
    "timestamp",
    "marca temporal",
    "zeitstempel",
    "horodateur",
    "carimbo de data/hora",
    "informazioni cronologiche",
    "tijdstempel",
    "sygnatura czasowa",
}
_LIME_META = {
    "id",
    "submitdate",
    "lastpage",
    "startlanguage",
    "seed",
    "startdate",
    "datestamp",
    "ipaddr",
    "refurl",
    "token",
}
_LIME_LABELS = {
    "response id",
    "date submitted",
    "last page",
    "start language",
    "seed",
    "date started",
    "date last action",
}
_LIME_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*\[[A-Za-z0-9_]+\]$")
_LIME_FULLTEXT = re.compile(r"^([A-Za-z][A-Za-z0-9_]*(?:\[[A-Za-z0-9_]+\])?)\.\s+(\S.*)$", re.S)


@dataclass
class _Layout:
    format: str
    header_rows: int
    tags: list[str]
    questions: list[str]
    names: list[str]


def _is_import_id_row(row: list[str]) -> bool:
    filled = [c for c in row if c]
    return bool(filled) and sum(c.startswith('{"ImportId"') for c in filled) >= 0.5 * len(filled)


def _import_id(cell: str) -> str:
    try:
        value = json.loads(cell)
    except ValueError:
        return ""
    return str(value.get("ImportId", "")) if isinstance(value, dict) else ""


def _detect_layout(rows: list[list[str]]) -> _Layout:
    width = len(rows[0])
    row0 = rows[0]
    low0 = [c.casefold() for c in row0]
    row1 = rows[1] if len(rows) > 1 else [""] * width
    row2 = rows[2] if len(rows) > 2 else [""] * width

    # Qualtrics legacy: V1, V2, ... then a row of ResponseID, ResponseSet, ... + question text.
    v_cells = sum(bool(re.fullmatch(r"V\d+", c)) for c in row0)
    if row0 and row0[0] == "V1" and v_cells >= 3 and len(rows) > 1:
        names = [
            row1[i] if re.fullmatch(r"V\d+", row0[i]) and row1[i] else row0[i] for i in range(width)
        ]
        questions = [
            "" if re.fullmatch(r"V\d+", row0[i]) or row1[i] == row0[i] else row1[i]
            for i in range(width)
        ]
        return _Layout("qualtrics_legacy", 2, list(row0), questions, names)

    # Qualtrics current: export tags, question text, {"ImportId": ...}.
    qualtrics_hits = sum(c in _QUALTRICS_TAGS for c in low0)
    if _is_import_id_row(row2) or _is_import_id_row(row1) or qualtrics_hits >= 4:
        if _is_import_id_row(row2):
            n, questions = 3, list(row1)
        elif _is_import_id_row(row1):
            n, questions = 2, [""] * width
        elif any(c.casefold() in _QUALTRICS_LABELS for c in row1):
            n, questions = 2, list(row1)
        else:
            n, questions = 1, [""] * width
        return _Layout("qualtrics", n, list(row0), questions, list(row0))

    # SurveyMonkey: metadata headers, then a second row of sub-labels.
    if sum(c in _SM_META for c in low0) >= 2 and len(rows) > 1:
        second_is_header = any(c.casefold() in _SM_SUBLABELS for c in row1) or (
            row1[0] == "" and any(row1) and any(row0[i] == "" and row1[i] for i in range(width))
        )
        if second_is_header:
            return _surveymonkey(row0, row1)
        return _Layout("surveymonkey", 1, list(row0), [""] * width, list(row0))

    if set(low0[:8]) >= _MSFORMS:
        return _Layout("ms_forms", 1, list(row0), list(row0), list(row0))

    if low0 and low0[0] in _GOOGLE_TS:
        return _Layout("google_forms", 1, list(row0), list(row0), list(row0))

    lime_meta = sum(c in _LIME_META for c in low0) + sum(c in _LIME_LABELS for c in low0)
    lime_codes = sum(bool(_LIME_CODE.match(c)) for c in row0)
    fulltext = [_LIME_FULLTEXT.match(c) for c in row0]
    if lime_meta >= 3 or lime_codes >= 3:
        tags, questions = [], []
        for cell, m in zip(row0, fulltext, strict=True):
            if m and (lime_meta >= 3 or _LIME_CODE.match(m.group(1))):
                tags.append(m.group(1))
                questions.append(m.group(2).strip())
            else:
                tags.append(cell)
                questions.append("")
        names = [t if q else c for t, q, c in zip(tags, questions, row0, strict=True)]
        return _Layout("limesurvey", 1, tags, questions, names)

    if _headerless(rows):
        names = [f"Column {i}" for i in range(1, width + 1)]
        return _Layout("generic", 0, names, [""] * width, names)
    return _Layout("generic", 1, list(row0), [""] * width, list(row0))


_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")


def _headerless(rows: list[list[str]]) -> bool:
    """True when the first line is data: a number where a header would be, in a column of
    numbers (headers are words)."""
    if len(rows) < 3:
        return False
    body = rows[1:200]
    for j, cell in enumerate(rows[0]):
        if not _PLAIN_NUMBER.match(cell):
            continue
        values = [r[j] for r in body if r[j]]
        if values and sum(bool(_PLAIN_NUMBER.match(v)) for v in values) >= 0.95 * len(values):
            return True
    return False


def _surveymonkey(row0: list[str], row1: list[str]) -> _Layout:
    """Merge SurveyMonkey's two header rows: a blank top cell continues the question on its
    left, and the second row names the option ('Contact information - Email')."""
    names, questions = [], []
    parent = ""
    for top, sub in zip(row0, row1, strict=True):
        parent = top or parent
        meta = bool(top) and not sub
        if not sub or sub.casefold() in _SM_SUBLABELS:
            name = parent
        else:
            name = f"{parent} - {sub}" if parent else sub
        names.append(name)
        questions.append("" if meta else parent)
    return _Layout("surveymonkey", 2, list(names), questions, names)


# --------------------------------------------------------------------------------------------
# tidy table

_MAX_NAME = 120


def _unique_names(raw: list[str]) -> list[str]:
    """Readable, unique column names: blank -> 'Column 7', repeats -> 'Q5 (2)'."""
    out: list[str] = []
    seen: set[str] = set()
    for i, name in enumerate(raw, start=1):
        name = " ".join(name.split())
        if len(name) > _MAX_NAME:
            name = name[: _MAX_NAME - 1].rstrip() + "…"
        if not name:
            name = f"Column {i}"
        candidate, k = name, 2
        while candidate.casefold() in seen:
            candidate = f"{name} ({k})"
            k += 1
        seen.add(candidate.casefold())
        out.append(candidate)
    return out


def _question(text: str) -> str:
    return " ".join(text.split())


_PREVIEW_STATUS = {"survey preview", "survey test", "spam", "preview spam"}


# Every character str.strip() removes (str.isspace()), so arrow trims exactly as Python does.
_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_NULL_TEXT = pa.scalar(None, pa.large_string())


@dataclass
class _Table:
    """Every cell as stripped text, column by column (arrow large_string, no nulls).

    Column-wise because per-cell Python work on millions of cells is what made large
    exports slow; the rules are the row-by-row ones, applied to whole columns.
    """

    columns: list[pa.Array]
    height: int
    widths: list[int] | None  # cells in each row before padding; None when all are full
    has_text: bool  # some cell holds text before stripping
    # Columns that Unicode normalisation changed: index -> the stripped text before it.
    raw: dict[int, pa.Array] = field(default_factory=dict)
    merged_rows: frozenset[int] = frozenset()  # rows with a merged cell across columns


def _numbers_text(values: Sequence[float]) -> list[str]:
    """_cell_text of many floats at once."""
    x = np.array(values, dtype=float)
    out = np.full(len(x), "", dtype=object)
    finite = np.isfinite(x)
    whole = finite & (np.floor(x) == x) & (np.abs(x) < 1e15)
    out[whole] = x[whole].astype(np.int64).astype(str).tolist()
    rest = finite & ~whole
    out[rest] = [f"{v:.15g}" for v in x[rest].tolist()]
    return out.tolist()


def _datetimes_text(values: Sequence[dt.datetime]) -> list[str]:
    """_cell_text of many naive datetimes at once: a date at midnight, else to the second."""
    x = np.array(values, dtype="datetime64[us]")
    day = x.astype("datetime64[D]")
    out = np.char.replace(np.datetime_as_string(x, unit="s"), "T", " ").astype(object)
    midnight = x == day
    out[midnight] = np.datetime_as_string(day[midnight], unit="D").tolist()
    return out.tolist()


def _column_text(values: Sequence[Any]) -> list[str]:
    """_cell_text of a column: numbers or datetimes (beside text cells) in bulk."""
    others = set(map(type, values)) - {str}
    kind = next(iter(others)) if len(others) == 1 else None
    if kind is float or kind is dt.datetime:
        where = [i for i, v in enumerate(values) if type(v) is kind]
        picked = [values[i] for i in where]
        if kind is float:
            texts = _numbers_text(picked)
        elif all(v.tzinfo is None and v.year >= 1000 for v in picked):
            texts = _datetimes_text(picked)
        else:
            return [_cell_text(v) for v in values]
        out = list(values)
        for i, text in zip(where, texts, strict=True):
            out[i] = text
        return out
    return [_cell_text(v) for v in values]


def _text_array(values: Sequence[Any]) -> pa.Array:
    """One column as arrow text; only columns holding non-text cells go through _cell_text."""
    try:
        arr = pa.array(values, type=pa.large_string())
        if arr.null_count:
            raise TypeError("None cell")
    except (pa.ArrowTypeError, pa.ArrowInvalid, TypeError):
        arr = pa.array(_column_text(values), type=pa.large_string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr


def _table(rows: Sequence[Sequence[Any]]) -> _Table:
    """Rows of cells (ragged CSV rows are padded with '') -> a _Table."""
    widths = list(map(len, rows))
    width = max(widths, default=0)
    if min(widths, default=0) != width:
        rows = [list(r) + [""] * (width - len(r)) if len(r) < width else r for r in rows]
        ragged: list[int] | None = widths
    else:
        ragged = None
    columns, has_text, raw = [], False, {}
    for j, values in enumerate(zip(*rows, strict=False) if width else ()):  # padded: equal
        arr = _text_array(values)
        has_text = has_text or bool(pc.any(pc.not_equal(arr, "")).as_py())
        fixed = _normalized(arr)
        if fixed is not None:
            raw[j] = pc.utf8_trim(arr, characters=_WHITESPACE)
            arr = fixed
        columns.append(pc.utf8_trim(arr, characters=_WHITESPACE))
    return _Table(columns, len(rows), ragged, has_text, raw)


# Invisible characters that make equal-looking values differ. Zero-width space, word joiner
# and BOM are dropped everywhere; zero-width (non-)joiners only next to ASCII or at an end,
# because between two emoji or inside Indic and Persian words they change what is shown.
_INVISIBLE = "[\u200b\u2060\ufeff]"
_JOINER = "[\u200c\u200d]+"
_JOINER_STRAY = (
    ("([\\x00-\\x7f])" + _JOINER, "\\1"),
    (_JOINER + "([\\x00-\\x7f])", "\\1"),
    ("^" + _JOINER + "|" + _JOINER + "$", ""),
)
_HARD_SPACES = "[\u00a0\u2007\u202f]"  # no-break, figure and narrow no-break spaces
_ANY_ODD = "[\u200b\u2060\ufeff\u200c\u200d\u00a0\u2007\u202f]"


def _normalized(arr: pa.Array) -> pa.Array | None:
    """NFC, without invisible characters and with hard spaces as plain spaces, so 'Café'
    typed two ways, 'Sa<ZWSP>les' and 'Sales<NBSP>Team' are the values they look like;
    None when nothing changes (always for ASCII-only columns, checked first)."""
    if _ascii_only(arr):
        return None
    out = pc.utf8_normalize(arr, form="NFC")
    if pc.any(pc.match_substring_regex(out, _ANY_ODD)).as_py():
        out = pc.replace_substring_regex(out, _INVISIBLE, "")
        for pattern, replacement in _JOINER_STRAY:
            out = pc.replace_substring_regex(out, pattern, replacement)
        out = pc.replace_substring_regex(out, _HARD_SPACES, " ")
    if pc.all(pc.equal(out, arr)).as_py():
        return None
    return out


def _ascii_only(arr: pa.Array) -> bool:
    """No byte >= 0x80 in the column's character data (a byte scan, no per-value work)."""
    data = arr.buffers()[2]
    if data is None or data.size == 0:
        return True
    return bool(np.frombuffer(data, dtype=np.uint8).max() < 0x80)


def _first_data_row(filled: np.ndarray, first_cells: pa.Array) -> int:
    """Rows to skip: blank lines and one-cell title lines above a wider header row."""
    skipped, height = 0, len(filled)
    while skipped < height:
        here = filled[skipped]
        nxt = filled[skipped + 1] if skipped + 1 < height else 0
        if here == 0 or (
            here == 1 and nxt >= 3 and not first_cells[skipped].as_py().startswith("V1")
        ):
            skipped += 1
            continue
        break
    return skipped


def _mask(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=bool)


def _tidy(
    table: _Table, filename: str, limits: Limits
) -> tuple[pd.DataFrame, tuple[SourceColumn, ...], str, int, dict[str, int], list[str]]:
    warnings: list[str] = []
    cols = list(table.columns)
    height = table.height
    if height and cols:
        first = cols[0][0].as_py()
        fixed = first.lstrip("\ufeff").strip()
        if fixed != first:
            head_cell = pa.array([fixed], type=pa.large_string())
            cols[0] = pa.concat_arrays([head_cell, cols[0].slice(1)])
    nonempty = [pc.not_equal(c, "") for c in cols]
    filled = np.zeros(height, dtype=np.int64)
    for m in nonempty:
        filled += _mask(m)
    skipped = _first_data_row(filled, cols[0]) if cols else height
    if skipped and skipped < height:
        warnings.append(f"Skipped {skipped} title or blank line(s) above the header row.")
    if skipped >= height:
        raise IngestError(
            f"{filename!r} holds no table: export the survey responses again (CSV or .xlsx)."
        )
    width = max(table.widths[skipped:]) if table.widths is not None else len(cols)
    cols, nonempty = cols[:width], nonempty[:width]
    _check_shape(height - skipped, width, limits, header_rows=3)
    # The layout is read from the first rows only (header rows, then a sample for _headerless).
    n_head = min(height - skipped, 200)
    head = [
        list(r) for r in zip(*(c.slice(skipped, n_head).to_pylist() for c in cols), strict=True)
    ]
    layout = _detect_layout(head)
    if layout.format == "generic" and layout.header_rows == 1:
        layout = _group_header(head, skipped in table.merged_rows) or layout
    header = head[: layout.header_rows]
    start = skipped + layout.header_rows
    rows_read = height - start
    if rows_read > limits.max_rows:
        raise IngestError(_too_many_rows(limits))
    if rows_read == 0:
        raise IngestError(
            f"{filename!r} has column headers but no responses: export again with the "
            "responses included (check the export's filters and date range)."
        )
    body = [c.slice(start) for c in cols]
    body_filled = [m.slice(start) for m in nonempty]

    # Drop columns with neither a header nor any answer (e.g. from trailing commas); warn about
    # named ones left empty so nothing vanishes unseen.
    keep, empty_named = [], []
    for j in range(width):
        if pc.any(body_filled[j]).as_py():
            keep.append(j)
        elif any(h[j] for h in header):
            empty_named.append(layout.names[j] or layout.tags[j])
    if empty_named:
        shown = ", ".join(empty_named[:8]) + (" …" if len(empty_named) > 8 else "")
        warnings.append(f"Dropped {len(empty_named)} column(s) with no answers at all: {shown}.")

    # Each dropped row gets the first reason that applies: empty, repeated header, preview.
    answered = np.zeros(rows_read, dtype=bool)
    for j in keep:
        answered |= _mask(body_filled[j])
    reasons: list[tuple[str, np.ndarray]] = [("empty row", ~answered)]
    kept = answered.copy()
    if layout.header_rows:
        signature = head[layout.header_rows - 1]
        same = kept.copy()
        for j in range(width):
            if not same.any():
                break
            same &= _mask(pc.equal(body[j], signature[j]))
        reasons.append(("repeated header row", same))
        kept &= ~same
    status_col = next(
        (j for j in keep if layout.tags[j].casefold() == "status" and layout.format == "qualtrics"),
        None,
    )
    if status_col is not None:
        statuses = body[status_col].to_pylist()
        preview = np.fromiter(
            (v.casefold() in _PREVIEW_STATUS for v in statuses), dtype=bool, count=rows_read
        )
        preview &= kept
        reasons.append(("survey preview, test or spam", preview))
        kept &= ~preview
    firsts = sorted((int(np.argmax(m)), reason, int(m.sum())) for reason, m in reasons if m.any())
    dropped = {reason: n for _, reason, n in firsts}
    for reason, n in dropped.items():
        warnings.append(f"Dropped {n} row{'s' if n != 1 else ''}: {reason}.")
    if not kept.any():
        raise IngestError(
            f"All {rows_read:,} response rows in {filename!r} are empty: export again with the "
            "responses included."
        )
    if not keep:
        raise IngestError(
            f"{filename!r} has headers but no answers in any column: export the responses again."
        )

    names = _unique_names([layout.names[j] for j in keep])
    columns = tuple(
        SourceColumn(
            name=name,
            export_tag=layout.tags[j] or name,
            question=_question(layout.questions[j]),
        )
        for name, j in zip(names, keep, strict=True)
    )
    if table.widths is not None and layout.header_rows:
        warnings.extend(
            _ragged_warnings(table, start, layout.header_rows, keep, names, body_filled, kept)
        )
    rows_kept = None if kept.all() else pa.array(kept)
    data: dict[str, pd.Series] = {}
    merged: list[str] = []
    for name, j in zip(names, keep, strict=True):
        text, present = body[j], body_filled[j]
        if rows_kept is not None:
            text, present = text.filter(rows_kept), present.filter(rows_kept)
        if j in table.raw:
            before = table.raw[j].slice(start)
            before = before if rows_kept is None else before.filter(rows_kept)
            merged.extend(_merged_note(name, before, text, present))
        data[name] = pd.Series(pc.if_else(present, text, _NULL_TEXT), dtype="str")
    if merged:
        warnings.append(
            "Values that differed only by invisible characters (zero-width spaces), "
            "non-breaking spaces or the way an accent is encoded were read as the one value "
            f"they look like: {'; '.join(merged[:5])}" + (" …" if len(merged) > 5 else "") + "."
        )
    frame = pd.DataFrame(data)
    frame.index = pd.RangeIndex(len(frame))
    return frame, columns, layout.format, rows_read, dropped, warnings


def _ragged_warnings(
    table: _Table,
    start: int,
    header_rows: int,
    keep: list[int],
    names: list[str],
    body_filled: list[pa.Array],
    kept: np.ndarray,
) -> list[str]:
    """Rows longer or shorter than the header, which a CSV reader pads or widens silently."""
    assert table.widths is not None
    header_width = max(table.widths[start - header_rows : start])
    widths = np.asarray(table.widths[start:])
    out = []
    extra = [(j, name) for j, name in zip(keep, names, strict=True) if j >= header_width]
    if extra:
        longer = np.zeros(len(widths), dtype=bool)
        for j, _ in extra:
            longer |= _mask(body_filled[j])
        n = int((longer & kept).sum())
        added = ", ".join(repr(name) for _, name in extra[:5]) + (" …" if len(extra) > 5 else "")
        out.append(
            f"{n:,} row(s) have more cells than the header row ({header_width} columns): their "
            f"extra cells were kept as new column(s) {added}. Check the rows for a stray "
            "delimiter, or name those columns in the header."
        )
    shorter = int(((widths < header_width) & kept).sum())
    if shorter:
        out.append(
            f"{shorter:,} row(s) have fewer cells than the header row ({header_width} "
            "columns): their missing cells were read as blank answers."
        )
    return out


def _merged_note(name: str, before: pa.Array, after: pa.Array, present: pa.Array) -> list[str]:
    """'Team: 2 spellings of 'Sales'' when normalising made distinct answers equal."""
    pairs = pa.table({"after": after, "before": before}).filter(present)
    spellings = pairs.group_by("after").aggregate([("before", "count_distinct")])
    hit = spellings.filter(pc.greater(spellings["before_count_distinct"], 1))
    if not hit.num_rows:
        return []
    values = hit["after"].to_pylist()
    counts = hit["before_count_distinct"].to_pylist()
    shown = ", ".join(
        f"{c} spellings of {v!r}" for v, c in list(zip(values, counts, strict=True))[:3]
    )
    return [f"{name!r}: {shown}" + (" …" if len(values) > 3 else "")]


def _group_header(rows: list[list[str]], merged_top: bool) -> _Layout | None:
    """A generic two-row header: group labels over blank (merged) cells, one label per column
    below them ('How much do you agree?' over 'TR1', 'TR2', ...). Names become
    'Group - Label'; the label is the export tag, the group the question.

    Only when the second row cannot be data: every column has a label there, the labels are
    distinct, not numbers, and none appears again in its column. Without merged cells to show
    the grouping (CSV, or a workbook with blank cells instead of merges) at least 10 answer
    rows are needed to be sure of that last point.
    """
    if len(rows) < 4:
        return None
    top, sub = rows[0], rows[1]
    width = len(top)
    used = [j for j in range(width) if top[j] or sub[j]]
    spans = [j for j in range(1, width) if not top[j] and sub[j] and any(top[:j])]
    if not spans or not used or not all(sub[j] for j in used):
        return None
    if len({sub[j].casefold() for j in used}) < len(used):
        return None
    if any(_PLAIN_NUMBER.match(sub[j]) for j in used):
        return None
    body = rows[2:]
    if not merged_top and len(body) < 10:
        return None
    if any(row[j] == sub[j] for row in body for j in used):
        return None
    names, questions, parent = [], [], ""
    for t, label in zip(top, sub, strict=True):
        parent = t or parent
        names.append(f"{parent} - {label}" if parent and label else label)
        questions.append(parent if label else "")
    return _Layout("generic", 2, list(sub), questions, names)


# --------------------------------------------------------------------------------------------
# entry points


def _check_size(data: bytes, filename: str, limits: Limits) -> None:
    if len(data) == 0:
        raise IngestError(
            f"{filename!r} is empty (0 bytes): export the survey responses again and upload "
            "the new file."
        )
    if len(data) > limits.max_bytes:
        raise IngestError(
            f"{filename!r} is {_mb(len(data))}, more than the {_mb(limits.max_bytes)} limit: "
            "export only the columns you need or split the file, or raise the size limit."
        )
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


def list_sheets(data: bytes, filename: str) -> tuple[str, ...]:
    """Sheets holding data, for a sheet picker; () for text files."""
    _check_size(data, filename, DEFAULT_LIMITS)
    kind = _sniff_kind(data, filename)
    if kind == "xlsx":
        zf = _open_zip(data, filename, DEFAULT_LIMITS)
        infos = _xlsx_sheets(zf, filename)
        for info in infos:
            _scan_sheet(zf, info, filename)
        return tuple(s.name for s in infos if _has_data(s))
    if kind == "ods":
        return _read_ods(data, filename, None, DEFAULT_LIMITS)[2]
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
        rows, encoding, _delim, more = _read_text(data, filename, limits)
        warnings.extend(more)
        table = _table(rows)
        del rows
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
