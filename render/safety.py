"""The one export-safety rule set: every cell of every download goes through here.

Spreadsheet (formula / DDE) injection, OWASP "CSV Injection": a text cell is *neutralised*,
i.e. prefixed with a single quote ``'``, when

* after NFKC normalisation (full-width ``＝ ＋ － ＠`` and small ``﹦ ﹢ ﹣ ﹫`` become
  ``= + - @``) and after stripping leading whitespace (spaces, tabs, CR/LF, NBSP, every other
  Unicode space) and invisible format characters (zero-width space, BOM…), it starts with
  ``=``, ``+``, ``-`` or ``@``, because spreadsheet apps trim and fold before deciding what
  a formula is;
* it starts with a tab or carriage return, which some apps read as a cell separator;
* it holds a DDE pattern (``cmd|``, ``|'``), which needs only one of the above to run.

The quote is a visible, literal character: the cell stays inert even if someone edits it or
saves the sheet as CSV and opens that again. Real numbers are written as numbers and never
prefixed (a difference of -5.2 stays the number -5.2).

XLSX files are also written with XlsxWriter's ``strings_to_formulas``, ``strings_to_urls`` and
``strings_to_numbers`` off and every text cell through ``write_string``
(:data:`WORKBOOK_OPTIONS`, :func:`xlsx_cell`), so no string can become a formula, a hyperlink
or a number. HTML text is always escaped (:func:`html_text`).
"""

from __future__ import annotations

import html
import math
import re
import unicodedata
from typing import Any

import numpy as np

from render.formats import missing

__all__ = [
    "FORMULA_STARTERS",
    "INJECTION_CHARS",
    "MAX_CELL_CHARS",
    "WORKBOOK_OPTIONS",
    "clean_text",
    "csv_cell",
    "html_text",
    "is_number",
    "needs_neutralising",
    "neutralise",
    "xlsx_cell",
]

#: What a cell may not start with once normalised and stripped.
FORMULA_STARTERS = ("=", "+", "-", "@")
#: Every character that can start a formula or command, as typed: the starters, their
#: full-width and small forms, tab and carriage return.
INJECTION_CHARS = (
    *FORMULA_STARTERS,
    "\t",
    "\r",
    "\uff1d",  # ＝
    "\uff0b",  # ＋
    "\uff0d",  # －
    "\uff20",  # ＠
    "\ufe66",  # ﹦
    "\ufe62",  # ﹢
    "\ufe63",  # ﹣
    "\ufe6b",  # ﹫
)
_DDE = re.compile(r"\|\s*'|\bcmd\s*\|", re.IGNORECASE)
WORKBOOK_OPTIONS = {
    "in_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}
MAX_CELL_CHARS = 32_000  # Excel's limit is 32,767 characters per cell
# Characters XML 1.0 forbids (controls, lone surrogates, U+FFFE/U+FFFF): they break XLSX and
# SVG, and vl_convert aborts the whole process on them, so text loses them before any export.
_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean_text(text: object) -> str:
    """Text with XML-invalid characters replaced by U+FFFD (see ``_XML_INVALID``)."""
    return _XML_INVALID.sub("\ufffd", "" if text is None else str(text))


def _visible_start(text: str) -> str:
    """``text`` NFKC-normalised, without leading whitespace or invisible format characters."""
    s = unicodedata.normalize("NFKC", text)
    i = 0
    while i < len(s) and (s[i].isspace() or unicodedata.category(s[i]) == "Cf"):
        i += 1
    return s[i:]


def needs_neutralising(text: str) -> bool:
    """True when a spreadsheet could run ``text`` as a formula or command (module docstring)."""
    return (
        text.startswith(("\t", "\r"))
        or _visible_start(text).startswith(FORMULA_STARTERS)
        or _DDE.search(text) is not None
    )


def neutralise(text: object) -> str:
    """Text made inert for spreadsheets: ``'`` in front when :func:`needs_neutralising`."""
    s = "" if text is None else str(text)
    return "'" + s if needs_neutralising(s) else s


def is_number(value: object) -> bool:
    """A finite real number (bools are not numbers here)."""
    return (
        isinstance(value, int | float | np.integer | np.floating)
        and not isinstance(value, bool | np.bool_)
        and math.isfinite(float(value))
    )


def csv_cell(value: object) -> object:
    """A CSV cell: blank, ``TRUE``/``FALSE``, a bare number, or neutralised text."""
    if missing(value):
        return ""
    if isinstance(value, bool | np.bool_):
        return "TRUE" if value else "FALSE"
    if is_number(value):
        f = float(value)
        return int(f) if f.is_integer() and abs(f) < 2**53 else f
    if isinstance(value, list | tuple | dict):
        value = "; ".join(map(str, value)) if not isinstance(value, dict) else str(value)
    return neutralise(clean_text(value))


def xlsx_cell(ws: Any, row: int, col: int, value: object, fmt: Any = None) -> None:
    """The only way a workbook cell gets written: number, blank or neutralised text."""
    if missing(value):
        ws.write_blank(row, col, None, fmt)
    elif is_number(value):
        ws.write_number(row, col, float(value), fmt)
    else:
        ws.write_string(row, col, neutralise(clean_text(value))[:MAX_CELL_CHARS], fmt)


def html_text(text: object) -> str:
    """Text escaped for HTML (quotes too, so it is safe in attributes); missing -> empty."""
    return html.escape("" if missing(text) else clean_text(text), quote=True)
