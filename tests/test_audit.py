"""Audit log: append-only JSON lines with metadata only."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

import pytest

from analysis import pipeline
from analysis.shared.audit import ACTIONS, AuditError, AuditLog, read_records
from sample_data.generate import generate_responses, qualtrics_csv


def fixed(ts: str):
    return lambda: datetime.fromisoformat(ts)


def test_records_are_appended_never_rewritten(tmp_path) -> None:
    log = AuditLog(tmp_path, clock=fixed("2026-03-04T10:11:12+01:00"))
    first = log.record(user="ana@x.example", role="manager", action="login")
    path = tmp_path / "audit-2026-03.jsonl"
    before = path.read_bytes()
    inode = os.stat(path).st_ino
    log.record(
        user="ana@x.example",
        role="manager",
        action="view",
        page="Teams & roles",
        grouping=["Team"],
        groups=["Sales", "Sales", "Marketing"],
    )
    after = path.read_bytes()
    assert after.startswith(before)  # the first record is untouched, byte for byte
    assert os.stat(path).st_ino == inode  # same file, not a replacement
    lines = after.decode().splitlines()
    assert len(lines) == 2
    assert json.loads(lines[0]) == first
    second = json.loads(lines[1])
    assert first["ts"] == "2026-03-04T09:11:12.000Z"  # UTC
    assert second["groups"] == ["Sales", "Marketing"]  # names once each
    assert second["grouping"] == ["Team"] and second["page"] == "Teams & roles"


def test_a_new_month_starts_a_new_file(tmp_path) -> None:
    AuditLog(tmp_path, clock=fixed("2026-01-31T23:59:59+00:00")).record(
        user="u", role="hr_admin", action="view"
    )
    AuditLog(tmp_path, clock=fixed("2026-02-01T00:00:01+00:00")).record(
        user="u", role="hr_admin", action="download", file_format="xlsx"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "audit-2026-01.jsonl",
        "audit-2026-02.jsonl",
    ]
    records = read_records(tmp_path)
    assert [r["action"] for r in records] == ["view", "download"]
    assert records[1]["format"] == "xlsx"


def test_the_file_is_opened_for_append_only(tmp_path, monkeypatch) -> None:
    flags_seen = []
    real_open = os.open

    def spy(path, flags, *args):
        flags_seen.append(flags)
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", spy)
    AuditLog(tmp_path).record(user="u", role="hr_admin", action="view")
    assert flags_seen and all(f & os.O_APPEND for f in flags_seen)
    assert not any(f & os.O_TRUNC for f in flags_seen)
    (path,) = tmp_path.iterdir()
    assert oct(path.stat().st_mode & 0o777) == "0o600"  # only the app's user reads it


def test_no_answers_or_comment_text_reach_the_log(tmp_path) -> None:
    """Log every group of a real analysis: the file holds names and metadata, never answers."""
    data = qualtrics_csv(generate_responses(n=260, seed=3))
    export, colmap = pipeline.load(data, "pulse.csv")
    prep = pipeline.prepare(export, colmap, n_boot=20)
    res = pipeline.analyze(prep, by=["Team"])
    log = AuditLog(tmp_path)
    log.record(
        user="lead@x",
        role="change_lead",
        action="view",
        page="Comments",
        grouping=res.by,
        groups=res.groups["group"].astype(str),
        filters=res.filters,
    )
    log.record(
        user="lead@x",
        role="change_lead",
        action="download",
        page="Downloads",
        grouping=res.by,
        groups=["Sales"],
        file_format="csv",
        dataset="Pulse Q1",
    )
    text = "".join(p.read_text(encoding="utf-8") for p in tmp_path.iterdir())
    written = export.responses[colmap.comments].stack().dropna().astype(str)  # as answered
    assert len(written) and len(prep.comments)
    for comment in [*written, *prep.comments["redacted"].astype(str)]:
        if len(comment) > 25:
            assert comment not in text
    answers = {"Strongly agree", "Strongly disagree", "Neither agree nor disagree"}
    assert not any(a in text for a in answers)
    keys = {k for r in read_records(tmp_path) for k in r}
    assert keys == {
        "ts",
        "user",
        "role",
        "action",
        "page",
        "grouping",
        "groups",
        "filters",
        "format",
        "dataset",
        "outcome",
    }


def test_bad_action_and_unwritable_folder(tmp_path) -> None:
    with pytest.raises(ValueError, match="Unknown audit action"):
        AuditLog(tmp_path).record(user="u", role="r", action="delete")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(AuditError, match="can't be written"):
        AuditLog(blocker / "sub").record(user="u", role="r", action="view")
    assert set(ACTIONS) >= {"view", "download", "publish", "login"}


def test_long_or_multiline_values_are_flattened(tmp_path) -> None:
    entry = AuditLog(tmp_path).record(
        user="u\nforged line", role="r", action="view", groups=["x" * 1000]
    )
    assert entry["user"] == "u forged line"
    assert len(entry["groups"][0]) == 200
    assert len((tmp_path / next(iter(os.listdir(tmp_path)))).read_text().splitlines()) == 1


def test_timestamps_are_utc(tmp_path) -> None:
    entry = AuditLog(tmp_path).record(user="u", role="r", action="view")
    ts = datetime.fromisoformat(entry["ts"].replace("Z", "+00:00"))
    assert ts.tzinfo is not None and ts.utcoffset().total_seconds() == 0
    assert abs((datetime.now(UTC) - ts).total_seconds()) < 60
