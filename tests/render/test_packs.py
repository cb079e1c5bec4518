"""render.packs: file-name slugs and the folder layout of write_packs."""

from __future__ import annotations

import openpyxl
import pytest

from render import packs
from tests.render.exports import (
    PAYLOAD_TEAMS,
    POLICY,
    check_csv,
    check_html,
)


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("../x", "x"),
        ("../../etc/passwd", "etc-passwd"),
        ("..", "team"),
        ("Customer Support", "customer-support"),
        ("Ärger & Co × Nürnberg", "arger-co-nurnberg"),
        ("C:\\Windows\\system32", "c-windows-system32"),
        ("<script>", "script"),
        ("営業部", "営業部"),  # another script stays readable (it was 'team', 'team-2', ...)
        ("Отдел продаж", "отдел-продаж"),
        ("Выдача й", "выдача-й"),  # no mark dropped from a Cyrillic letter
        ("فريق المبيعات", "فريق-المبيعات"),
        ("CON", "con-team"),  # a device name on Windows
        ("a_b", "a-b"),
        ("विक्रय विभाग", "विक्रय-विभाग"),  # vowel signs and viramas stay (a second review)
        ("ฝ่ายขาย", "ฝ่ายขาย"),
        ("விற்பனை", "விற்பனை"),
    ],
)
def test_pack_slug(name, slug):
    assert packs.pack_slug(name) == slug


# --------------------------------------------------------------------------- packs


def test_write_packs(prepared, tmp_path):
    calls = []
    teams = ["Customer Support", PAYLOAD_TEAMS["Procurement"], "Executive Office"]
    paths = packs.write_packs(
        prepared,
        ["team"],
        tmp_path / "out",
        teams=teams,
        formats=("xlsx", "csv", "html"),
        policy=POLICY,
        progress=lambda i, n, name: calls.append((i, n, name)),
    )
    assert calls == [(1, 3, teams[0]), (2, 3, teams[1]), (3, 3, teams[2])]
    root = (tmp_path / "out").resolve()
    assert all(root in p.resolve().parents for p in paths)
    rel = sorted(str(p.relative_to(tmp_path / "out")) for p in paths)
    assert rel == sorted(
        [
            "overview/overview.xlsx",
            "overview/groups.csv",
            "overview/comments.csv",
            "overview/overview.html",
            *(
                f"teams/{s}/{s}{suffix}"
                for s in ("customer-support", "etc-passwd", "executive-office")
                for suffix in (".xlsx", "_scores.csv", "_comments.csv", ".html")
            ),
        ]
    )
    assert not (tmp_path / "etc").exists()
    wb = openpyxl.load_workbook(tmp_path / "out/teams/customer-support/customer-support.xlsx")
    assert wb.sheetnames == ["Overview", "Customer Support", "Methods"]
    check_html((tmp_path / "out/teams/executive-office/executive-office.html").read_text())


def test_write_packs_errors(prepared, tmp_path):
    with pytest.raises(ValueError, match=r"Unknown team name\(s\) 'Nowhere'.*'Customer Support'"):
        packs.write_packs(prepared, ["team"], tmp_path, teams=["Nowhere"], policy=POLICY)
    with pytest.raises(ValueError, match=r"Unknown format.*'pdf'.*xlsx, csv, html"):
        packs.write_packs(prepared, ["team"], tmp_path, formats=("pdf",))
    assert not any(tmp_path.iterdir())


def test_write_packs_csv_only_all_teams(prepared, tmp_path):
    paths = packs.write_packs(prepared, "role", tmp_path, formats="csv", policy=POLICY)
    assert {p.suffix for p in paths} == {".csv"}
    assert len(paths) == 2 + 2 * 7
    for p in paths:
        check_csv(p.read_bytes())
