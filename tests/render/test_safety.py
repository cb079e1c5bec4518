"""render.safety: the one export-safety rule set, on every writer (CSV, XLSX, HTML).

Known values for the rule, then properties: for any text, the cell a writer produces, read back
with the csv module or openpyxl, never starts with a formula starter once leading whitespace is
stripped and look-alikes are NFKC-folded; and legitimate text comes back intact apart from the
leading quote.
"""

from __future__ import annotations

import ast
import csv
import html
import io
import re
import unicodedata
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import xlsxwriter
from hypothesis import given
from hypothesis import strategies as st

from render import safety
from render.csv import table_csv

ROOT = Path(__file__).resolve().parents[2]


def starts_dangerous(text: str) -> bool:
    """Written independently of render.safety: NFKC, strip whitespace and invisible format
    characters, then a formula starter; or a leading tab / carriage return."""
    folded = unicodedata.normalize("NFKC", text)
    folded = folded.lstrip(
        "".join(ch for ch in set(folded) if ch.isspace() or unicodedata.category(ch) == "Cf")
    )
    return folded.startswith(("=", "+", "-", "@")) or text.startswith(("\t", "\r"))


# --------------------------------------------------------------------------- the rule


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("  =x", "'  =x"),
        ("\n@x", "'\n@x"),
        ("\uff1dx", "'\uff1dx"),
        ("plain text", "plain text"),
        ("a = b - c", "a = b - c"),
        ("", ""),
        ("'already", "'already"),
        # the cases the app's old CSV writer let through
        (' =HYPERLINK("http://x","y")', '\' =HYPERLINK("http://x","y")'),
        ("\u00a0=1+1", "'\u00a0=1+1"),  # no-break space
        ("\u3000+1", "'\u3000+1"),  # ideographic space
        ("\u2003-1", "'\u2003-1"),  # em space
        ("\u200b=1", "'\u200b=1"),  # zero-width space
        ("\ufeff@x", "'\ufeff@x"),  # byte-order mark
        ("\ufe66x", "'\ufe66x"),  # small equals sign
        ("\uff0bx", "'\uff0bx"),  # full-width plus
        ("\ufe63x", "'\ufe63x"),  # small hyphen-minus
        ("\uff20x", "'\uff20x"),  # full-width commercial at
        ("\ufe6bx", "'\ufe6bx"),  # small commercial at
        # DDE payloads, with or without a starter in front
        ("cmd|' /C calc'!A0", "'cmd|' /C calc'!A0"),
        ("x|'y'!z", "'x|'y'!z"),
        # legitimate text stays as it is
        ("name@example.com", "name@example.com"),
        ("5-3 is 2", "5-3 is 2"),
        ("pipes | in text", "pipes | in text"),
    ],
)
def test_neutralise(text, expected):
    assert safety.neutralise(text) == expected


def test_numbers_stay_numbers():
    assert safety.csv_cell(-5.2) == -5.2
    assert safety.csv_cell(np.int64(-3)) == -3
    assert safety.csv_cell(4.0) == 4 and isinstance(safety.csv_cell(4.0), int)
    assert safety.csv_cell(np.nan) == ""
    assert safety.csv_cell(True) == "TRUE"
    assert safety.csv_cell("-5.2") == "'-5.2"  # text that looks like a number is still text


def test_table_csv_neutralises_formulas():
    """The writer behind every CSV download (hot spots and wave changes in the app too)."""
    df = pd.DataFrame(
        {"text": ["=1+1", "+cmd", "-2", "@SUM(A1)", "\tx", "plain", None], "n": range(7)}
    )
    raw = table_csv(df)
    assert raw.startswith("\ufeff".encode())
    lines = raw.decode("utf-8-sig").split("\r\n")
    assert lines[0] == '"text","n"'
    assert lines[1:6] == ['"\'=1+1",0', '"\'+cmd",1', '"\'-2",2', '"\'@SUM(A1)",3', '"\'\tx",4']
    assert lines[6:8] == ['"plain",5', '"",6']


# --------------------------------------------------------------------------- properties

STARTERS = [*safety.INJECTION_CHARS, " ", "\u00a0", "\u3000", "\u200b", "\n", "'", "|"]
TEXTS = st.one_of(
    st.text(max_size=60),
    st.builds(
        lambda a, b: a + b, st.text(st.sampled_from(STARTERS), min_size=1, max_size=4), st.text()
    ),
)


def _read_back_ok(original: str, got: str) -> None:
    clean = safety.clean_text(original)
    assert not starts_dangerous(got), (original, got)
    assert got in (clean, "'" + clean), (original, got)


@given(TEXTS)
def test_csv_cells_read_back_inert_and_intact(text):
    df = pd.DataFrame({text: [text, 3.5]})
    rows = list(csv.reader(io.StringIO(table_csv(df).decode("utf-8-sig"), newline="")))
    header, first, second = rows
    _read_back_ok(text, header[0])
    _read_back_ok(text, first[0])
    assert second == ["3.5"]


def _ooxml_unescape(text: str) -> str:
    """What Excel shows: OOXML stores control characters as ``_xHHHH_`` (ECMA-376 ST_Xstring),
    which openpyxl leaves as they are."""
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), text)


@given(TEXTS)
def test_xlsx_cells_read_back_inert_and_intact(text):
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, safety.WORKBOOK_OPTIONS)
    ws = wb.add_worksheet()
    safety.xlsx_cell(ws, 0, 0, text)
    safety.xlsx_cell(ws, 1, 0, -5.2)
    wb.close()
    sheet = openpyxl.load_workbook(io.BytesIO(buf.getvalue())).active
    cell = sheet["A1"]
    assert cell.data_type != "f"
    _read_back_ok(text, _ooxml_unescape(cell.value or ""))
    assert sheet["A2"].value == -5.2 and sheet["A2"].data_type == "n"


@given(st.text(max_size=80))
def test_html_text_is_escaped_and_intact(text):
    out = safety.html_text(text)
    assert not set(out) & set("<>\"'")
    assert html.unescape(out) == safety.clean_text(text)


# --------------------------------------------------------------------------- one writer


def _calls(path: Path, attr: str) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        n.lineno
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == attr
    ]


@pytest.mark.parametrize(
    ("attr", "home"),
    [
        ("writer", "render/csv.py"),  # csv.writer
        ("write_string", "render/safety.py"),
        ("write_formula", None),
        ("write_url", None),
        ("to_csv", None),
        ("to_excel", None),
    ],
)
def test_every_download_goes_through_the_one_writer(attr, home):
    """No other module writes CSV rows or workbook text on its own."""
    found = []
    for folder in ("analysis", "render", "ui", "app_pages"):
        for path in (ROOT / folder).rglob("*.py"):
            rel = path.relative_to(ROOT).as_posix()
            if rel != home and _calls(path, attr):
                found.append(rel)
    assert found == []
