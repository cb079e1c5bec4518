"""An XlsxWriter workbook whose cells can only be numbers or inert text, and its formats.

Every cell goes through :func:`render.safety.xlsx_cell` (numbers stay numbers, text is
neutralised) in a workbook opened with :data:`render.safety.WORKBOOK_OPTIONS`, so no string can
become a formula, a hyperlink or a number.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

import xlsxwriter

from render.formats import GAP_FILLS, GAP_TEXT, P_NUM_FORMAT
from render.safety import WORKBOOK_OPTIONS, xlsx_cell

__all__ = ["Book", "sheet_name"]

_HIDDEN_FILL = "#d9d9d9"
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_name(name: str, taken: Iterable[str] = ()) -> str:
    """A valid, unique Excel sheet name: ≤31 characters, none of []:*?/\\, no edge quotes."""
    base = _SHEET_FORBIDDEN.sub("_", unicodedata.normalize("NFC", str(name)))
    base = "".join(ch for ch in base if ch.isprintable()).strip().strip("'").strip()
    base = base or "Team"
    if base.lower() == "history":  # reserved by Excel
        base = "History (team)"
    used = {t.lower() for t in taken}
    candidate = base[:31].rstrip()
    k = 2
    while candidate.lower() in used or not candidate:
        suffix = f" ({k})"
        candidate = base[: 31 - len(suffix)].rstrip() + suffix
        k += 1
    return candidate


class Book:
    """An XlsxWriter workbook whose cells can only be numbers or inert text."""

    def __init__(self) -> None:
        self.buffer = io.BytesIO()
        self.wb = xlsxwriter.Workbook(self.buffer, WORKBOOK_OPTIONS)
        self.wb.set_properties({"author": "ChangeRadar", "comments": "Confidential: HR use"})
        self._formats: dict[tuple, Any] = {}
        self.names: list[str] = []

    def fmt(self, **props: Any) -> Any:
        key = tuple(sorted(props.items()))
        if key not in self._formats:
            base = {"font_name": "Calibri", "font_size": 10, "valign": "top"}
            self._formats[key] = self.wb.add_format({**base, **props})
        return self._formats[key]

    def sheet(self, name: str) -> Any:
        title = sheet_name(name, self.names)
        self.names.append(title)
        ws = self.wb.add_worksheet(title)
        ws.hide_gridlines(2)
        ws.set_zoom(100)
        return ws

    def put(self, ws: Any, row: int, col: int, value: object, fmt: Any = None) -> None:
        """The only way a cell gets written (:func:`render.safety.xlsx_cell`)."""
        xlsx_cell(ws, row, col, value, fmt)

    def merge(self, ws: Any, row: int, first: int, last: int, text: str, fmt: Any) -> None:
        if last > first:
            ws.merge_range(row, first, row, last, "", fmt)
        self.put(ws, row, first, text, fmt)

    def heads(self, ws: Any, row: int, words: Sequence[str]) -> None:
        for j, h in enumerate(words):
            self.put(ws, row, j, h, self.header)

    def close(self) -> bytes:
        self.wb.close()
        return self.buffer.getvalue()

    # shared formats
    @property
    def title(self) -> Any:
        return self.fmt(bold=True, font_size=15, font_color="#1f2937", valign="vcenter")

    @property
    def subtitle(self) -> Any:
        return self.fmt(italic=True, font_color="#4b5563")

    @property
    def section(self) -> Any:
        return self.fmt(
            bold=True, font_size=12, font_color="#3b2f6b", bottom=2, bottom_color="#5e3c99"
        )

    @property
    def header(self) -> Any:
        return self.fmt(bold=True, bg_color="#eeeeee", bottom=1, text_wrap=True, valign="bottom")

    @property
    def text(self) -> Any:
        return self.fmt(text_wrap=True)

    @property
    def small(self) -> Any:
        return self.fmt(text_wrap=True, font_color="#4b5563", font_size=9)

    @property
    def notice(self) -> Any:
        return self.fmt(italic=True, font_color="#374151", bg_color=_HIDDEN_FILL, text_wrap=True)

    @property
    def score(self) -> Any:
        return self.fmt(num_format="0", align="center")

    @property
    def pct(self) -> Any:
        return self.fmt(num_format="0%", align="center")

    @property
    def count(self) -> Any:
        return self.fmt(num_format="#,##0", align="center")

    @property
    def diff(self) -> Any:
        return self.fmt(num_format="+0;-0;0", align="center")

    @property
    def pval(self) -> Any:
        return self.fmt(num_format=P_NUM_FORMAT, align="center")

    @property
    def dval(self) -> Any:
        return self.fmt(num_format="+0.00;-0.00;0.00", align="center")

    def coloured(self, level: int, significant: bool) -> Any:
        props: dict[str, Any] = {
            "num_format": "0",
            "align": "center",
            "font_color": GAP_TEXT[level],
        }
        if GAP_FILLS[level]:
            props["bg_color"] = GAP_FILLS[level]
        if significant:
            props.update(bold=True, border=2, border_color="#222222")
        return self.fmt(**props)
