"""Zipped spreadsheets (XLSX, ODS), inspected before they are parsed.

A zip bomb, an encrypted package, an XML entity declaration or an absurd declared sheet size
is refused (or worked around) from the zip directory and the raw XML, without building any
cells, because one bad upload must not take the server down for everybody.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from typing import Any

from defusedxml import ElementTree as SafeET

from analysis.ingest.model import IngestError, Limits
from analysis.ingest.sniff import _mb

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
    hidden: bool = False  # hidden or very hidden in the workbook


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
        hidden = el.get("state", "visible") in ("hidden", "veryHidden")
        sheets.append(_SheetInfo(name=el.get("name", f"Sheet{i}"), path=path, hidden=hidden))
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
