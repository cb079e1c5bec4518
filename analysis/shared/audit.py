"""Append-only audit log: who viewed, downloaded or published which groups' results, and when.

One JSON object per line in ``<folder>/audit-YYYY-MM.jsonl`` (a file per UTC month, so keeping
or deleting old months is a file operation). Files are opened with ``O_APPEND`` and each record
is written with a single ``write`` call, so records from several sessions never interleave or
overwrite each other; nothing in ChangeRadar ever truncates, rewrites or deletes them.

A record holds only *metadata*: the time (UTC), user, role, action, page, the grouping column
names, the filters, the group names on show, the file format and the dataset's name. There is no
field for scores, answers or comment text, and :meth:`AuditLog.record` accepts nothing else.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from analysis.errors import ChangeRadarError

__all__ = ["ACTIONS", "AuditError", "AuditLog", "read_records"]

ACTIONS = ("login", "view", "download", "publish", "withdraw", "denied")
MAX_GROUPS = 500  # a record lists at most this many group names (a note says how many more)
_MAX_TEXT = 200


class AuditError(ChangeRadarError):
    """The audit log can't be written; ``str(e)`` says which folder and what to fix."""


def _text(value: object) -> str:
    s = " ".join(str(value).split())
    return s[:_MAX_TEXT]


@dataclass(frozen=True)
class AuditLog:
    """An audit log folder. ``clock`` is for tests (a fixed time)."""

    folder: Path
    clock: Any = None

    def _now(self) -> datetime:
        now = self.clock() if self.clock is not None else datetime.now(UTC)
        return now.astimezone(UTC)

    def path_for(self, when: datetime) -> Path:
        return Path(self.folder) / f"audit-{when:%Y-%m}.jsonl"

    def record(
        self,
        *,
        user: str,
        role: str,
        action: str,
        page: str = "",
        grouping: Sequence[str] = (),
        groups: Iterable[str] = (),
        filters: Mapping[str, Sequence[str]] | None = None,
        file_format: str | None = None,
        dataset: str | None = None,
        outcome: str = "ok",
    ) -> dict[str, Any]:
        """Append one record and return it. Raises :class:`AuditError` if it can't be written:
        a view that can't be audited must not be shown."""
        if action not in ACTIONS:
            raise ValueError(f"Unknown audit action {action!r}; use one of {', '.join(ACTIONS)}.")
        when = self._now()
        names = list(dict.fromkeys(_text(g) for g in groups))
        entry: dict[str, Any] = {
            "ts": when.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "user": _text(user),
            "role": _text(role),
            "action": action,
            "page": _text(page),
            "grouping": [_text(g) for g in grouping],
            "groups": names[:MAX_GROUPS],
            "filters": {_text(k): [_text(v) for v in vals] for k, vals in (filters or {}).items()},
            "format": _text(file_format) if file_format else None,
            "dataset": _text(dataset) if dataset else None,
            "outcome": _text(outcome),
        }
        if len(names) > MAX_GROUPS:
            entry["groups_more"] = len(names) - MAX_GROUPS
        line = (json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
        path = self.path_for(when)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                written = os.write(fd, line)
            finally:
                os.close(fd)
        except OSError as exc:
            raise AuditError(
                f"The audit log in {self.folder} can't be written ({exc.strerror or exc}); "
                "check the folder exists and the app's user may write to it."
            ) from None
        if written != len(line):
            raise AuditError(f"The audit log in {self.folder} was only partly written; check "
                             "the disk has free space.")  # fmt: skip
        return entry


def read_records(folder: str | Path) -> list[dict[str, Any]]:
    """Every record in the folder, oldest file first (for HR's review and for tests)."""
    out: list[dict[str, Any]] = []
    for path in sorted(Path(folder).glob("audit-*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            out.extend(json.loads(line) for line in fh if line.strip())
    return out
