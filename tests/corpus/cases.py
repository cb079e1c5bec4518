"""The hostile and broken upload corpus: every case with the outcome it must have.

A case either fails with a user-facing error whose message holds all of ``error`` (an
:class:`~analysis.ingest.IngestError`, or the ``ValueError`` the analysis raises for a table it
can't score honestly: exactly what the app and the CLI turn into a sentence), or it is read and
analysed end to end with every word of ``warnings`` in its warnings and its ``check`` holding.
``isolate`` cases (bombs, limits) each get their own subprocess; ``known_bug`` cases describe
the right behaviour and are expected to fail until the bug is fixed (see the issue report).
"""

from __future__ import annotations

import io
import math
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class Case:
    name: str
    builder: str  # a make_* function of tests.corpus.build
    filename: str
    error: tuple[str, ...] = ()  # words the error message must contain; () = must succeed
    warnings: tuple[str, ...] = ()  # words the warnings must contain (success only)
    check: str = ""  # a check_* function below, run on success
    isolate: bool = False
    team_html: bool = False  # also write one team's HTML page (slow: charts go through V8)
    seconds: float = 30.0  # CPU seconds of the case's process (reading, analysis, reports)
    known_bug: str = ""

    @property
    def succeeds(self) -> bool:
        return not self.error


@dataclass
class Outcome:
    """What the runner hands a check: the analysis and everything exported from it."""

    export: Any
    prepared: Any
    results: Any
    outputs: dict[str, bytes]


CASES: tuple[Case, ...] = (
    # --- bombs and limits (own process each)
    Case("zip_bomb", "make_zip_bomb_xlsx", "bomb.xlsx", ("zip bomb", "refused"), isolate=True),
    Case(
        "zip_header_lies",
        "make_lying_zip_header_xlsx",
        "lies.xlsx",
        ("unpacks to", "limit"),
        isolate=True,
    ),
    Case(
        "billion_laughs_workbook",
        "make_billion_laughs_workbook_xlsx",
        "lol.xlsx",
        ("entity declarations", "refused"),
        isolate=True,
    ),
    Case(
        "billion_laughs_shared_strings",
        "make_billion_laughs_shared_strings_xlsx",
        "lol2.xlsx",
        ("could not be read", "save it again"),
        isolate=True,
    ),
    Case(
        "huge_dimension",
        "make_huge_dimension_xlsx",
        "dim.xlsx",
        warnings=("declares a size of A1:XFD1048576", "37 rows by 11 columns"),
        check="check_three_teams",
        isolate=True,
    ),
    Case(
        "columns_10k_csv",
        "make_10k_columns_csv",
        "wide.csv",
        ("10,000 columns", "5,000 limit"),
        isolate=True,
    ),
    Case(
        "columns_10k_xlsx",
        "make_10k_columns_xlsx",
        "wide.xlsx",
        ("10,000 columns", "5,000 limit"),
        isolate=True,
    ),
    Case(
        "too_many_rows", "make_too_many_rows", "long.csv", ("more than 300,000 rows",), isolate=True
    ),
    Case("too_many_bytes", "make_too_big", "big.csv", ("52.0 MB", "50.0 MB limit"), isolate=True),
    # --- broken or disguised containers
    Case("truncated_xlsx", "make_truncated_xlsx", "cut.xlsx", ("corrupt or truncated",)),
    Case("password_xlsx", "make_password_xlsx", "locked.xlsx", ("password-protected",)),
    Case("xls_binary", "make_xls_ole2", "old.xls", ("old binary Excel (.xls)", "save as")),
    Case(
        "xlsx_named_csv",
        "make_valid_xlsx",
        "really_xlsx.csv",
        warnings=("is an Excel workbook despite its name",),
        check="check_three_teams",
    ),
    Case(
        "csv_named_xlsx",
        "make_valid_csv",
        "really_csv.xlsx",
        warnings=("is a text (CSV) file despite its name",),
        check="check_three_teams",
    ),
    Case("png_named_xlsx", "make_png", "photo.xlsx", ("PNG image", "not a survey export")),
    Case("jpeg_named_csv", "make_jpeg", "photo.csv", ("JPEG image",)),
    Case("docx_named_xlsx", "make_docx_like", "letter.xlsx", ("Word document",)),
    Case("zip_named_xlsx", "make_plain_zip", "archive.xlsx", ("zip archive",)),
    Case("zip_10k_members", "make_many_members_zip", "many.xlsx", ("10,002 files inside",)),
    Case("rels_path_traversal", "make_rels_traversal_xlsx", "rels.xlsx", ("Every sheet",)),
    Case("excel_2003_xml", "make_excel2003_xml", "old.xml", ("Excel 2003 XML",)),
    Case("html_named_xls", "make_html_table", "report.xls", ("web page (HTML)",)),
    Case("empty", "make_empty", "empty.csv", ("is empty (0 bytes)",)),
    Case("one_byte", "make_one_byte", "one.csv", ("only 1 byte long",)),
    Case("blank_space", "make_whitespace", "blank.csv", ("only blank space",)),
    # --- encodings and bytes
    Case("utf16le_no_bom", "make_utf16le_no_bom", "u16le.csv", check="check_zurich"),
    Case("utf16be_no_bom", "make_utf16be_no_bom", "u16be.csv", check="check_zurich"),
    Case("cp1252", "make_cp1252", "excel.csv", check="check_cafe"),
    Case(
        "mixed_utf8_cp1252",
        "make_mixed_encodings",
        "mixed.csv",
        warnings=("mixes two text encodings: 6 line(s) (lines 20 to 35)", "cp1252"),
        check="check_cafe",
    ),
    Case(
        "mixed_utf8_cp1252_same_line",
        "make_mixed_encodings_in_one_line",
        "mixed_line.csv",
        warnings=("mixes two text encodings",),
        check="check_cafe_and_zurich",
    ),
    Case(
        "utf8_with_broken_bytes",
        "make_utf8_with_broken_bytes",
        "broken.csv",
        warnings=("mixes two text encodings: 1 line(s) (line 9)",),
        check="check_zurich",
    ),
    Case(
        "nul_bytes",
        "make_nul_bytes",
        "nul.csv",
        warnings=("Removed 2 NUL bytes",),
        check="check_nul_bytes",
    ),
    Case(
        "nul_padded",
        "make_nul_padded",
        "padded.csv",
        warnings=("Removed 4,096 NUL bytes",),
        check="check_three_teams",
    ),
    Case(
        "utf16_nul_padded",
        "make_utf16le_nul_padded",
        "u16pad.csv",
        warnings=("Removed 1,024 NUL bytes",),
        check="check_zurich",
    ),
    Case("random_bytes", "make_random_bytes", "noise.csv", ("binary file", "CSV or .xlsx")),
    Case("nul_heavy_binary", "make_nul_heavy_binary", "data.csv", ("binary file",)),
    Case("program_named_csv", "make_elf", "tool.csv", ("a program file",)),
    Case("semicolon_bom", "make_semicolon_bom", "eu.csv", check="check_three_teams"),
    # --- shape
    Case("single_column", "make_single_column", "one_col.csv", check="check_single_column"),
    Case("one_row", "make_one_row", "one_row.csv", check="check_all_hidden"),
    Case("header_only", "make_header_only", "header.csv", ("headers but no responses",)),
    Case(
        "merged_header_cells",
        "make_merged_header_xlsx",
        "merged.xlsx",
        check="check_group_header",
    ),
    Case(
        "group_header_blank_cells_csv",
        "make_group_header_csv",
        "grouped.csv",
        check="check_group_header",
    ),
    Case(
        "merged_title_not_header",
        "make_merged_title_xlsx",
        "titled_merge.xlsx",
        warnings=("Skipped 1 title",),
        check="check_three_teams",
    ),
    Case(
        "ragged_rows",
        "make_ragged_rows",
        "ragged.csv",
        warnings=(
            "1 row(s) have more cells than the header row (11 columns)",
            "'Column 12', 'Column 13', 'Column 14'",
            "1 row(s) have fewer cells than the header row",
        ),
        check="check_three_teams",
    ),
    Case(
        "unmatched_quote",
        "make_unmatched_quote",
        "quote.csv",
        warnings=("(line 6) open a quote", "31 line(s) after them"),
        check="check_quote_warned",
    ),
    Case(
        "unmatched_quotes_everywhere",
        "make_unmatched_quotes_everywhere",
        "quotes.csv",
        ("opened and never closed on more than 20 lines", "line 2", "save it again as CSV"),
    ),
    Case(
        "quoted_multiline_comments",
        "make_multiline_comments",
        "multiline.csv",
        check="check_multiline_comments",
    ),
    Case(
        "title_lines",
        "make_title_lines",
        "titled.csv",
        warnings=("Skipped 1 title",),
        check="check_three_teams",
    ),
    # --- cells
    Case(
        "formulas_and_errors", "make_formulas_errors_xlsx", "formulas.xlsx", check="check_formulas"
    ),
    Case("date_1904", "make_date1904_xlsx", "mac.xlsx", check="check_1904"),
    Case("duplicate_headers", "make_duplicate_headers", "dup.csv", check="check_duplicates"),
    Case("blank_headers", "make_blank_headers", "blank_head.csv", check="check_blank_headers"),
    Case("header_10k_chars", "make_long_header", "long_head.csv", check="check_long_header"),
    Case(
        "all_answers_missing",
        "make_all_answers_missing",
        "nothing.csv",
        ("No column looks like survey answers",),
    ),
    Case(
        "every_answer_na",
        "make_all_na",
        "na.csv",
        warnings=("8 question column(s) have no usable answers (all N/A", "TR1, TR2"),
        check="check_all_na",
    ),
    Case(
        "out_of_scale",
        "make_out_of_scale",
        "six.csv",
        warnings=("4 answer(s) in 'TR1' are not on its agree5 scale", "'6'"),
        check="check_not_clipped",
    ),
    Case("teams_named_na", "make_na_teams", "na_teams.csv", check="check_na_teams"),
    Case(
        "formula_team_names",
        "make_formula_teams",
        "formula_teams.csv",
        check="check_formula_exports",
    ),
    # --- comments
    Case(
        "comment_markup",
        "make_html_comments",
        "markup.csv",
        check="check_markup_inert",
        team_html=True,
    ),
    Case("comment_unicode", "make_unicode_comments", "unicode.csv", check="check_unicode"),
    Case(
        "zero_width_teams",
        "make_zero_width_teams",
        "zw.csv",
        warnings=("'Team': 2 spellings of 'Sales'",),
        check="check_zero_width",
    ),
    Case(
        "unicode_forms_teams",
        "make_unicode_form_teams",
        "nfd.csv",
        warnings=("2 spellings of 'Café Team'", "2 spellings of 'Beta Unit'"),
        check="check_cafe",
    ),
    Case(
        "single_quoted_far_cell_xlsx",
        "make_single_quoted_far_cell_xlsx",
        "quoted_refs.xlsx",
        ("16,384 columns", "5,000 limit"),
        isolate=True,
    ),
    Case(
        "single_quoted_refs_xlsx",
        "make_single_quoted_refs_xlsx",
        "quoted_ok.xlsx",
        check="check_three_teams",
    ),
    Case("comment_100k_chars", "make_long_comment", "long.csv", check="check_long_comment"),
)

BY_NAME = {c.name: c for c in CASES}


# ------------------------------------------------------------------------------- checks


def _teams(o: Outcome) -> set[str]:
    return set(o.results.groups["group"].astype(str))


def check_three_teams(o: Outcome) -> None:
    assert _teams(o) == {"Alpha Unit", "Beta Unit", "Gamma Unit"}, _teams(o)
    assert o.results.n == 36


def check_zurich(o: Outcome) -> None:
    assert "Équipe Zürich" in _teams(o), _teams(o)


def check_cafe(o: Outcome) -> None:
    assert _teams(o) == {"Café Team", "Beta Unit", "Gamma Unit"}, _teams(o)


def check_single_column(o: Outcome) -> None:
    assert o.results.n == 20 and o.results.by == ()
    org = o.results.org.set_index("construct")
    assert org.loc["trust_in_ai", "n"] == 20


def check_all_hidden(o: Outcome) -> None:
    groups = o.results.groups
    assert groups["suppressed"].all() and groups["score"].isna().all()


def check_cafe_and_zurich(o: Outcome) -> None:
    assert _teams(o) == {"Café Team", "Équipe Zürich", "Gamma Unit"}, _teams(o)


def check_nul_bytes(o: Outcome) -> None:
    # A NUL between two letters stood for a separator; no respondent is lost or moved.
    check_three_teams(o)
    comments = o.export.responses["OQ2"].tolist()
    assert "broken comment" in comments[2], comments[2]
    assert o.export.responses["Team"].value_counts()["Beta Unit"] == 13


def check_quote_warned(o: Outcome) -> None:
    # Every respondent is back: the stray quote no longer swallows the 31 rows below it.
    check_three_teams(o)
    assert not any("\n" in str(v) for v in o.export.responses["OQ2"].dropna())


def check_multiline_comments(o: Outcome) -> None:
    check_three_teams(o)
    texts = o.export.responses["OQ2"].tolist()
    assert texts[0] == 'First line, with a comma\nsecond line said "hi", then stopped'
    assert not any("quote" in w for w in o.results.warnings), o.results.warnings


def check_group_header(o: Outcome) -> None:
    names = [c.name for c in o.export.columns]
    assert names[:3] == ["Who - Team", "Who - Role", "How much do you agree? - TR1"], names
    tags = [c.export_tag for c in o.export.columns]
    assert tags[:3] == ["Team", "Role", "TR1"]
    assert o.export.rows_read == 36
    check_three_teams(o)
    assert o.prepared.colmap.spec("How much do you agree? - TR1").role == "item"


def check_formulas(o: Outcome) -> None:
    responses = o.export.responses
    text = [str(v) for v in responses.to_numpy().ravel() if not pd.isna(v)]
    assert not any(v.startswith(("#", "=")) for v in text), "an error or formula leaked"
    counts = responses["Team"].value_counts()
    assert counts["Alpha Unit"] == 13  # the HYPERLINK formula's cached value is read
    assert pd.isna(responses.loc[0, "TR1"]) and pd.isna(responses.loc[1, "TR2"])


def check_1904(o: Outcome) -> None:
    assert o.export.responses.loc[0, "Submitted"] == "2024-03-01 09:30:00"
    check_three_teams(o)


def check_duplicates(o: Outcome) -> None:
    names = [c.name for c in o.export.columns]
    assert names[2:5] == ["Q", "Q (2)", "Q (3)"], names


def check_blank_headers(o: Outcome) -> None:
    names = [c.name for c in o.export.columns]
    assert names[2:4] == ["Column 3", "Column 4"] and names[7] == "Column 8", names


def check_long_header(o: Outcome) -> None:
    assert max(len(c.name) for c in o.export.columns) <= 120
    check_three_teams(o)


def check_all_na(o: Outcome) -> None:
    # Nobody answered: nothing is invented, every score is missing and every group hidden.
    assert o.results.org["score"].isna().all()
    check_all_hidden(o)


def check_not_clipped(o: Outcome) -> None:
    tr1 = o.prepared.scored.items["TR1"]
    assert tr1.iloc[:4].isna().all(), "answers outside 1-5 must be left out, not clipped"
    assert tr1.iloc[4:].notna().all()
    assert tr1.max() == 5 and tr1.min() == 1


def check_na_teams(o: Outcome) -> None:
    assert _teams(o) == {"NA", "None", "null"}, _teams(o)


def _xlsx_has_formulas(data: bytes) -> bool:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return any(
            b"<f>" in zf.read(n) or b"<f " in zf.read(n)
            for n in zf.namelist()
            if n.startswith("xl/worksheets/")
        )


def _csv_cells(data: bytes) -> list[str]:
    import csv

    text = data.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def check_formula_exports(o: Outcome) -> None:
    assert _teams(o) == {"=1+2", "@SUM(A1)", "+cmd|'/c calc'!A0"}
    for name in ("group_csv", "comments_csv"):
        risky = [c for c in _csv_cells(o.outputs[name]) if c[:1] in ("=", "+", "@", "-")]
        # numbers such as -1.5 are fine; text starting with a formula character is not
        assert all(_is_number(c) for c in risky), (name, risky[:3])
    assert not _xlsx_has_formulas(o.outputs["team_workbook"])


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def check_markup_inert(o: Outcome) -> None:
    for name in ("team_html", "overview_html"):
        if name not in o.outputs:
            continue
        lowered = o.outputs[name].decode("utf-8").lower()
        for bad in ("<script>alert", "<iframe", "<b>bold", 'src="http', 'href="http', 'onerror="'):
            assert bad not in lowered, (name, bad)
    assert not _xlsx_has_formulas(o.outputs["team_workbook"])
    shown = o.results.comments
    assert len(shown), "the comments should be shown (three groups of 12)"
    for cell in _csv_cells(o.outputs["comments_csv"]):
        assert not cell.startswith(("=", "@", "+")), cell


def check_unicode(o: Outcome) -> None:
    texts = o.prepared.comments["redacted"].astype(str).tolist()
    assert "😀🚀👍🏽" in texts[0], "emoji must survive cleaning"
    joined = "".join(texts)
    for invisible in ("\u202e", "\u202c", "\u200b", "\u200d", "\u2060", "\ufeff"):
        assert invisible not in joined, f"{invisible!r} survived cleaning"
    # Arabic and Hebrew comments are counted, not analysed or shown (English only, for now)
    assert o.results.comment_summary["not_english"] >= 14


def check_zero_width(o: Outcome) -> None:
    # Two teams that print the same are one team (with a warning): 'Sa<ZWSP>les' is 'Sales'.
    assert _teams(o) == {"Sales", "Gamma Unit"}
    assert o.export.responses["Team"].value_counts()["Sales"] == 24


def check_long_comment(o: Outcome) -> None:
    check_three_teams(o)
    assert o.results.comment_summary["total"] == 36


CHECKS: dict[str, Callable[[Outcome], None]] = {
    name: fn for name, fn in globals().items() if name.startswith("check_") and callable(fn)
}
