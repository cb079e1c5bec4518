"""Generators for the hostile and broken upload corpus: every case's bytes are built here, at
test time, instead of being committed as binary blobs.

Each public ``make_*`` function returns the file's bytes. They share one small, valid survey
table (:func:`survey_rows`) so that a case differs from a good upload in exactly one way.
"""

from __future__ import annotations

import codecs
import io
import re
import struct
import zipfile
from collections.abc import Sequence

AGREE5 = ("Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree")
ITEMS = ("TR1", "TR2", "TR3", "FD1", "FD2", "FD3", "SK1", "SK3")
TEAMS = ("Alpha Unit", "Beta Unit", "Gamma Unit")
ROLES = ("Analyst", "Manager")
COMMENT = "I would like more training on the AI tools before they replace our reports."


def survey_rows(
    n: int = 36,
    *,
    teams: Sequence[str] = TEAMS,
    comments: Sequence[str] | None = None,
    numeric: bool = False,
) -> list[list[str]]:
    """Header + ``n`` deterministic respondents: team, role, eight agree5 items, one comment."""
    header = ["Team", "Role", *ITEMS, "OQ2"]
    rows = [header]
    for i in range(n):
        answers = [
            str(1 + (i * 7 + j * 3) % 5) if numeric else AGREE5[(i * 7 + j * 3) % 5]
            for j in range(len(ITEMS))
        ]
        text = comments[i % len(comments)] if comments else f"{COMMENT} ({i})"
        rows.append([teams[i % len(teams)], ROLES[i % 2], *answers, text])
    return rows


def to_csv(rows: Sequence[Sequence[str]], delimiter: str = ",") -> str:
    import csv

    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def csv_bytes(rows: Sequence[Sequence[str]], encoding: str = "utf-8") -> bytes:
    return to_csv(rows).encode(encoding)


def xlsx_bytes(rows: Sequence[Sequence[object]], **options: object) -> bytes:
    """A real workbook via openpyxl; ``options``: merge (ranges), epoch1904 (bool)."""
    from openpyxl import Workbook
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    wb = Workbook()
    ws = wb.active
    ws.title = "Responses"
    if options.get("epoch1904"):
        wb.epoch = CALENDAR_MAC_1904
    for row in rows:
        ws.append(list(row))
    for rng in options.get("merge", ()):  # type: ignore[union-attr]
        ws.merge_cells(rng)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _rezip(data: bytes, replace: dict[str, bytes], add: dict[str, bytes] | None = None) -> bytes:
    """A copy of a zip with some members' content replaced (and some added)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            dst.writestr(info.filename, replace.get(info.filename, src.read(info.filename)))
        for name, content in (add or {}).items():
            dst.writestr(name, content)
    return out.getvalue()


def _member(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return zf.read(name)


# ------------------------------------------------------------------------------- spreadsheets


def make_valid_xlsx() -> bytes:
    return xlsx_bytes(survey_rows())


def make_zip_bomb_xlsx() -> bytes:
    """A workbook whose sheet XML carries 40 MB of whitespace (compresses ~1000x)."""
    base = make_valid_xlsx()
    sheet = _member(base, "xl/worksheets/sheet1.xml")
    cut = sheet.index(b"<sheetData>")
    bomb = sheet[:cut] + b" " * 40_000_000 + sheet[cut:]
    return _rezip(base, {"xl/worksheets/sheet1.xml": bomb})


def make_lying_zip_header_xlsx() -> bytes:
    """Central directory claims a 3.9 GB uncompressed sheet (a bomb announcing itself)."""
    data = bytearray(make_valid_xlsx())
    name = b"xl/worksheets/sheet1.xml"
    pos = data.rfind(b"PK\x01\x02")
    while pos != -1:
        name_len = struct.unpack_from("<H", data, pos + 28)[0]
        if bytes(data[pos + 46 : pos + 46 + name_len]) == name:
            struct.pack_into("<I", data, pos + 24, 3_900_000_000)
            break
        pos = data.rfind(b"PK\x01\x02", 0, pos)
    return bytes(data)


_LAUGHS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b"]>\n"
)


def make_billion_laughs_workbook_xlsx() -> bytes:
    base = make_valid_xlsx()
    book = _member(base, "xl/workbook.xml")
    body = book[book.index(b"?>") + 2 :] if book.startswith(b"<?xml") else book
    body = body.replace(b'name="Responses"', b'name="&lol9;"', 1)
    return _rezip(base, {"xl/workbook.xml": _LAUGHS + body})


def make_billion_laughs_shared_strings_xlsx() -> bytes:
    """The entity bomb in sharedStrings.xml, a part ingestion does not pre-parse itself."""
    base = make_valid_xlsx()
    with zipfile.ZipFile(io.BytesIO(base)) as zf:
        names = zf.namelist()
    sst = (
        _LAUGHS + b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        b'count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>'
    )
    if "xl/sharedStrings.xml" in names:
        return _rezip(base, {"xl/sharedStrings.xml": sst})
    return _rezip(base, {}, {"xl/sharedStrings.xml": sst})


def make_huge_dimension_xlsx() -> bytes:
    base = make_valid_xlsx()
    sheet = _member(base, "xl/worksheets/sheet1.xml")
    start = sheet.index(b'<dimension ref="') + len(b'<dimension ref="')
    end = sheet.index(b'"', start)
    sheet = sheet[:start] + b"A1:XFD1048576" + sheet[end:]
    return _rezip(base, {"xl/worksheets/sheet1.xml": sheet})


def make_truncated_xlsx() -> bytes:
    data = make_valid_xlsx()
    return data[: len(data) * 2 // 3]


def make_password_xlsx() -> bytes:
    import msoffcrypto.format.ooxml as ooxml

    out = io.BytesIO()
    ooxml.OOXMLFile(io.BytesIO(make_valid_xlsx())).encrypt("secret", out)
    return out.getvalue()


def make_xls_ole2() -> bytes:
    """The start of an old binary .xls: OLE2 header, a directory naming the Workbook stream."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff"
    header = header.ljust(512, b"\xff")
    entry = "Workbook".encode("utf-16-le").ljust(64, b"\x00") + b"\x12\x00\x02\x01"
    return header + entry.ljust(128, b"\x00") + b"\x09\x08\x10\x00" + b"\x00" * 1000


def make_merged_header_xlsx() -> bytes:
    rows = survey_rows()
    top = ["Who", "", "How much do you agree?", *[""] * (len(ITEMS) - 1), "Comments"]
    return xlsx_bytes([top, *rows], merge=["A1:B1", f"C1:{chr(ord('C') + len(ITEMS) - 1)}1"])


def make_merged_title_xlsx() -> bytes:
    """A title merged across the top (not a group header: nothing below it is a label row)."""
    rows = survey_rows()
    title = ["Employee AI survey export", *[""] * (len(rows[0]) - 1)]
    return xlsx_bytes([title, *rows], merge=[f"A1:{chr(ord('A') + len(rows[0]) - 1)}1"])


def _single_quoted(sheet: bytes) -> bytes:
    """Every cell reference and the dimension written with single quotes (valid XML)."""
    return re.sub(rb'\b(r|ref)="([^"]*)"', rb"\1='\2'", sheet)


def make_single_quoted_refs_xlsx() -> bytes:
    base = make_valid_xlsx()
    sheet = _single_quoted(_member(base, "xl/worksheets/sheet1.xml"))
    return _rezip(base, {"xl/worksheets/sheet1.xml": sheet})


def make_single_quoted_far_cell_xlsx() -> bytes:
    """A cell at XFD1 (16,384 columns wide) that only a scan reading r='...' can see."""
    base = make_valid_xlsx()
    sheet = _single_quoted(_member(base, "xl/worksheets/sheet1.xml"))
    far = b"<c r='XFD1' t='inlineStr'><is><t>x</t></is></c></row>"
    sheet = sheet.replace(b"</row>", far, 1)
    return _rezip(base, {"xl/worksheets/sheet1.xml": sheet})


def make_formulas_errors_xlsx() -> bytes:
    """Formula cells with cached error values (#DIV/0!, #N/A) and a live formula in a team."""
    import xlsxwriter

    rows = survey_rows()
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False})
    ws = wb.add_worksheet("Responses")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            ws.write_string(r, c, value)
    ws.write_formula(1, 2, "=1/0", None, "#DIV/0!")
    ws.write_formula(2, 3, "=NA()", None, "#N/A")
    ws.write_formula(3, 0, '=HYPERLINK("http://evil.example","Alpha Unit")', None, "Alpha Unit")
    ws.write_formula(4, 4, '="Agree"', None, "Agree")
    wb.close()
    return buf.getvalue()


def make_date1904_xlsx() -> bytes:
    import datetime as dt

    rows = survey_rows()
    rows = [["Submitted", *rows[0]]] + [
        [dt.datetime(2024, 3, 1 + i % 28, 9, 30), *r] for i, r in enumerate(rows[1:])
    ]
    return xlsx_bytes(rows, epoch1904=True)


def make_10k_columns_xlsx() -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "constant_memory": True})
    ws = wb.add_worksheet("Responses")
    for r in range(3):
        for c in range(10_000):
            ws.write_number(r, c, c % 5 + 1) if r else ws.write_string(r, c, f"Q{c}")
    wb.close()
    return buf.getvalue()


def make_rels_traversal_xlsx() -> bytes:
    """The workbook's relationship points its only sheet outside the package."""
    base = make_valid_xlsx()
    rels = _member(base, "xl/_rels/workbook.xml.rels")
    rels = rels.replace(b"worksheets/sheet1.xml", b"../../../../etc/passwd")
    return _rezip(base, {"xl/_rels/workbook.xml.rels": rels})


def make_many_members_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("xl/workbook.xml", b"<workbook/>")
        for i in range(10_001):
            zf.writestr(f"xl/media/{i}.bin", b"")
    return out.getvalue()


def make_docx_like() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("word/document.xml", b"<w:document/>")
    return out.getvalue()


def make_plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("responses.csv", to_csv(survey_rows()))
    return out.getvalue()


def make_png() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 200


def make_jpeg() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4


def make_excel2003_xml() -> bytes:
    return (
        b'<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">'
        b'<Worksheet ss:Name="Sheet1"><Table><Row><Cell><Data ss:Type="String">Team</Data>'
        b"</Cell></Row></Table></Worksheet></Workbook>"
    )


def make_html_table() -> bytes:
    return b"<html><body><table><tr><td>Team</td><td>TR1</td></tr></table></body></html>"


# ------------------------------------------------------------------------------- text files


def make_valid_csv() -> bytes:
    return csv_bytes(survey_rows())


def make_utf16le_no_bom() -> bytes:
    return csv_bytes(survey_rows(teams=("Équipe Zürich", "Beta Unit", "Gamma Unit")), "utf-16-le")


def make_utf16be_no_bom() -> bytes:
    return csv_bytes(survey_rows(teams=("Équipe Zürich", "Beta Unit", "Gamma Unit")), "utf-16-be")


def make_mixed_encodings() -> bytes:
    """UTF-8 lines and cp1252 lines in one file (a CSV pasted together from two exports)."""
    rows = survey_rows(teams=("Café Team", "Beta Unit", "Gamma Unit"))
    lines = to_csv(rows).splitlines(keepends=True)
    half = len(lines) // 2
    return "".join(lines[:half]).encode("utf-8") + "".join(lines[half:]).encode("cp1252")


def make_mixed_encodings_in_one_line() -> bytes:
    """Each line holds a UTF-8 cell and a cp1252 cell (cells pasted from two sources)."""
    rows = survey_rows(teams=("Café Team", "Équipe Zürich", "Gamma Unit"))
    out = [to_csv(rows[:1]).encode()]
    for i, row in enumerate(rows[1:]):
        first, second = ("utf-8", "cp1252") if i % 2 else ("cp1252", "utf-8")
        row = [*row[:-1], "Réponse: plus de formation"]
        team = to_csv([row[:1]]).rstrip("\r\n").encode(first)
        rest = to_csv([row[1:]]).encode(second)
        out.append(team + b"," + rest)
    return b"".join(out)


def make_utf8_with_broken_bytes() -> bytes:
    """A UTF-8 file where one line carries a stray Windows-1252 byte (a hand edit)."""
    rows = survey_rows(teams=("Équipe Zürich", "Beta Unit", "Gamma Unit"))
    lines = to_csv(rows).encode().splitlines(keepends=True)
    lines[8] = lines[8].replace(b"training", b"caf\xe9 training")
    return b"".join(lines)


def make_utf16le_nul_padded() -> bytes:
    return make_utf16le_no_bom() + b"\x00" * 1024


def make_random_bytes() -> bytes:
    """Noise: a few NULs (under 1%) and many control bytes, under a CSV name."""
    import random

    noise = random.Random(7).randbytes(6000)
    return b"Team,TR1\n" + noise


def make_nul_heavy_binary() -> bytes:
    """A binary record dump (little-endian integers): NULs everywhere, not stray."""
    return b"Team,TR1\n" + b"".join(struct.pack("<iiq", i, i * 3, i * 7) for i in range(400))


def make_elf() -> bytes:
    return b"\x7fELF\x02\x01\x01" + b"\x00" * 9 + bytes(range(256)) * 8


def make_cp1252() -> bytes:
    return csv_bytes(survey_rows(teams=("Café Team", "Beta Unit", "Gamma Unit")), "cp1252")


def make_nul_bytes() -> bytes:
    """A few stray NUL bytes inside cells of an otherwise ordinary UTF-8 CSV."""
    rows = survey_rows()
    rows[3][-1] = "broken\x00comment"
    rows[7][0] = "Beta\x00Unit"
    return csv_bytes(rows)


def make_nul_padded() -> bytes:
    """A CSV followed by 4 KB of NUL bytes (an export cut off by a crash or a full disk)."""
    return make_valid_csv() + b"\x00" * 4096


def make_10k_columns_csv() -> bytes:
    header = ",".join(f"Q{i}" for i in range(10_000))
    row = ",".join(str(i % 5 + 1) for i in range(10_000))
    return f"{header}\n{row}\n{row}\n".encode()


def make_single_column() -> bytes:
    return csv_bytes([["TR1"], *([a] for a in AGREE5 * 4)])


def make_one_row() -> bytes:
    return csv_bytes(survey_rows(1))


def make_header_only() -> bytes:
    return csv_bytes(survey_rows(0))


def make_duplicate_headers() -> bytes:
    rows = survey_rows()
    rows[0] = ["Team", "Role", "Q", "Q", "Q", "FD1", "FD2", "FD3", "SK1", "SK3", "OQ2"]
    return csv_bytes(rows)


def make_blank_headers() -> bytes:
    rows = survey_rows()
    rows[0] = ["Team", "Role", "", "", "TR3", "FD1", "FD2", "", "SK1", "SK3", "OQ2"]
    return csv_bytes(rows)


def make_long_header() -> bytes:
    rows = survey_rows()
    rows[0][2] = "I can rely on the AI tools " + "very " * 2_000
    return csv_bytes(rows)


def make_all_answers_missing() -> bytes:
    rows = survey_rows()
    for row in rows[1:]:
        for j in range(2, len(row)):
            row[j] = ""
    return csv_bytes(rows)


def make_all_na() -> bytes:
    rows = survey_rows()
    for row in rows[1:]:
        for j in range(2, len(row)):
            row[j] = "N/A"
    return csv_bytes(rows)


def make_out_of_scale() -> bytes:
    """Numeric 1-5 items where three answers are 6 (and one 0)."""
    rows = survey_rows(numeric=True)
    rows[1][2] = rows[2][2] = rows[3][2] = "6"
    rows[4][2] = "0"
    return csv_bytes(rows)


INJECTION_COMMENTS = (
    "<script>alert('x')</script> we need training",
    '<img src="http://evil.example/x.png" onerror="alert(1)"> the AI tool is wrong',
    "[click here](http://evil.example) and ![img](http://evil.example/i.png) please",
    '=HYPERLINK("http://evil.example","open") formula',
    "<b>bold</b> <iframe src=javascript:alert(1)></iframe> worried about my job",
)


def make_html_comments() -> bytes:
    return csv_bytes(survey_rows(comments=INJECTION_COMMENTS))


def make_unicode_comments() -> bytes:
    texts = (
        "I love the new AI tools 😀🚀👍🏽 but worry 😟 about my job",
        "أنا قلق من أن الذكاء الاصطناعي سيأخذ وظيفتي",
        "אני צריך הדרכה על כלי הבינה המלאכותית",
        "Mixed \u202eevil\u202c direction override and training please",
        "Zero\u200bwidth\u200djoiner\ufeff and \u2060 word joiner: more training",
    )
    return csv_bytes(survey_rows(comments=texts))


def make_zero_width_teams() -> bytes:
    """Two teams that look identical ('Sales' and 'Sa\\u200bles')."""
    return csv_bytes(survey_rows(teams=("Sales", "Sa\u200bles", "Gamma Unit")))


def make_formula_teams() -> bytes:
    return csv_bytes(survey_rows(teams=("=1+2", "@SUM(A1)", "+cmd|'/c calc'!A0")))


def make_na_teams() -> bytes:
    """Teams literally named NA, None and null must stay teams, not become missing."""
    return csv_bytes(survey_rows(teams=("NA", "None", "null")))


def make_long_comment() -> bytes:
    texts = ("I need training. " * 6_250, COMMENT)  # 100,000 characters
    return csv_bytes(survey_rows(comments=texts))


def make_unmatched_quote() -> bytes:
    text = to_csv(survey_rows())
    lines = text.splitlines(keepends=True)
    lines[5] = '"' + lines[5]
    return "".join(lines).encode()


def make_unmatched_quotes_everywhere() -> bytes:
    """Every comment opens a quote it never closes: broken throughout, not one stray."""
    lines = to_csv(survey_rows()).splitlines(keepends=True)
    body = [ln.replace("I would like", '"I would like') for ln in lines[1:]]
    return (lines[0] + "".join(body)).encode()


def make_multiline_comments() -> bytes:
    """Properly quoted comments spanning lines, with commas and doubled quotes inside."""
    text = 'First line, with a comma\nsecond line said "hi", then stopped'
    return csv_bytes(survey_rows(comments=(text, COMMENT, "Fine.\n\nThanks")))


def make_group_header_csv() -> bytes:
    """A two-row header saved from a workbook: group labels over blank cells, then labels."""
    top = ["Who", "", "How much do you agree?", *[""] * (len(ITEMS) - 1), "Comments"]
    return csv_bytes([top, *survey_rows()])


def make_unicode_form_teams() -> bytes:
    """'Café Team' composed (NFC) and decomposed (NFD); 'Beta Unit' with a no-break space."""
    import unicodedata

    rows = survey_rows(teams=("Café Team", "Beta Unit", "Gamma Unit"))
    for i, row in enumerate(rows[1:]):
        if row[0] == "Café Team" and i % 2:
            row[0] = unicodedata.normalize("NFD", row[0])
        if row[0] == "Beta Unit" and i % 2:
            row[0] = "Beta\u00a0Unit"
    return csv_bytes(rows)


def make_ragged_rows() -> bytes:
    lines = to_csv(survey_rows()).splitlines()
    lines[3] = lines[3] + ",extra,cells,here"
    lines[6] = ",".join(lines[6].split(",")[:4])
    return ("\n".join(lines) + "\n").encode()


def make_title_lines() -> bytes:
    return ("Employee AI survey export\n\n" + to_csv(survey_rows())).encode()


def make_semicolon_bom() -> bytes:
    return codecs.BOM_UTF8 + to_csv(survey_rows(), delimiter=";").encode()


def make_too_many_rows() -> bytes:
    return b"Team,TR1\n" + b"A,Agree\n" * 300_020


def make_too_big() -> bytes:
    return b"Team,TR1\n" + b"A,Agree\n" * 6_500_000  # 52 MB


def make_empty() -> bytes:
    return b""


def make_one_byte() -> bytes:
    return b"a"


def make_whitespace() -> bytes:
    return b" \r\n\t \n\n"
