"""Published datasets: HR publishes an analysed survey (the upload, its mapping and roster) for
others to view in shared mode. Viewers never upload; they pick a published dataset.

Storage is one SQLite file, ``<data_dir>/datasets.sqlite3``, with the sensitive parts (file
bytes, mapping YAML, name list, original file name) encrypted with Fernet from the
``cryptography`` package: AES-128-CBC with an HMAC-SHA256 tag, so a wrong key or a tampered row
is detected, never silently decrypted to garbage. The display name, who published it, when and
the row count stay readable so the list works without decrypting anything.

The key comes from ``CHANGERADAR_DATA_KEY`` (or ``data_key`` in secrets.toml); make one
with ``python -c "from analysis.shared.store import new_key; print(new_key())"``. Without a
key (or without ``cryptography`` installed) publishing is refused with a sentence saying what
to configure: confidential survey data is never written to disk unencrypted. In local mode
nothing here runs.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from analysis.errors import ChangeRadarError

__all__ = ["DatasetStore", "Published", "PublishedInfo", "StoreError", "new_key"]

DB_NAME = "datasets.sqlite3"
MAX_NAME = 120
_SCHEMA = """
CREATE TABLE IF NOT EXISTS datasets (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    published_at TEXT NOT NULL,
    published_by TEXT NOT NULL,
    rows INTEGER NOT NULL,
    meta BLOB NOT NULL,
    payload BLOB NOT NULL
)
"""


_PLANS = """
CREATE TABLE IF NOT EXISTS action_plans (
    project TEXT PRIMARY KEY,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    payload BLOB NOT NULL
)
"""


class StoreError(ChangeRadarError):
    """Publishing or opening a dataset failed; ``str(e)`` says what to fix."""


def _fernet_class() -> Any:
    try:
        from cryptography.fernet import Fernet
    except ImportError:
        raise StoreError(
            "Publishing needs the 'cryptography' package to encrypt datasets at rest; install "
            "it with: pip install cryptography"
        ) from None
    return Fernet


def new_key() -> str:
    """A fresh data key (URL-safe base64, 32 random bytes) for CHANGERADAR_DATA_KEY."""
    return _fernet_class().generate_key().decode("ascii")


@dataclass(frozen=True)
class PublishedInfo:
    """What the dataset list shows (stored in clear)."""

    id: str
    name: str
    published_at: str
    published_by: str
    rows: int


@dataclass(frozen=True)
class Published:
    """A published dataset, decrypted: enough to rebuild the analysis."""

    info: PublishedInfo
    data: bytes = field(repr=False)
    filename: str = ""
    sheet: str | None = None
    mapping_yaml: str | None = None
    roster: tuple[str, ...] = field(default=(), repr=False)


class DatasetStore:
    """The published datasets in ``folder`` (created on first publish), encrypted with ``key``."""

    def __init__(self, folder: str | Path, key: str | bytes | None) -> None:
        self.folder = Path(folder)
        self._key = key.encode("ascii") if isinstance(key, str) else key

    @property
    def path(self) -> Path:
        return self.folder / DB_NAME

    def _cipher(self) -> Any:
        if not self._key:
            raise StoreError(
                "No data key is configured, and published datasets are always encrypted. Set "
                "CHANGERADAR_DATA_KEY (or data_key under [changeradar] in secrets.toml) to a "
                'key made with: python -c "from analysis.shared.store import new_key; '
                'print(new_key())"'
            )
        fernet = _fernet_class()
        try:
            return fernet(self._key)
        except (ValueError, TypeError):
            raise StoreError(
                "CHANGERADAR_DATA_KEY is not a valid key (it must be 32 url-safe base64-encoded "
                "bytes); make a new one with analysis.shared.store.new_key()."
            ) from None

    @contextlib.contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            con = sqlite3.connect(self.path, timeout=10)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(
                f"The dataset folder {self.folder} can't be used ({exc}); check it exists and "
                "the app's user may write to it (CHANGERADAR_DATA_DIR)."
            ) from None
        try:
            with con:
                con.execute("PRAGMA secure_delete = ON")  # withdrawn rows are overwritten
                con.execute(_SCHEMA)
                con.execute(_PLANS)
                yield con
        finally:
            con.close()

    def publish(
        self,
        *,
        name: str,
        data: bytes,
        filename: str,
        published_by: str,
        rows: int,
        sheet: str | None = None,
        mapping_yaml: str | None = None,
        roster: Sequence[str] = (),
    ) -> PublishedInfo:
        """Encrypt and store a dataset; returns its listing entry."""
        title = " ".join(str(name).split())[:MAX_NAME]
        if not title:
            raise StoreError("Give the dataset a name people will recognise, e.g. 'Pulse 2026 Q1'.")
        if not data:
            raise StoreError("The dataset is empty; load a survey export before publishing.")
        cipher = self._cipher()
        secret = {
            "filename": filename,
            "sheet": sheet,
            "mapping_yaml": mapping_yaml,
            "roster": list(roster),
        }
        meta = cipher.encrypt(json.dumps(secret).encode("utf-8"))
        payload = cipher.encrypt(bytes(data))
        info = PublishedInfo(
            id=secrets.token_hex(8),
            name=title,
            published_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            published_by=str(published_by),
            rows=int(rows),
        )
        with self._db() as con:
            con.execute(
                "INSERT INTO datasets (id, name, published_at, published_by, rows, meta, payload) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    info.id,
                    info.name,
                    info.published_at,
                    info.published_by,
                    info.rows,
                    meta,
                    payload,
                ),
            )
        return info

    def list(self) -> list[PublishedInfo]:
        """Published datasets, newest first (nothing is decrypted)."""
        if not self.path.exists():
            return []
        with self._db() as con:
            rows = con.execute(
                "SELECT id, name, published_at, published_by, rows FROM datasets "
                "ORDER BY published_at DESC, rowid DESC"
            ).fetchall()
        return [PublishedInfo(*r) for r in rows]

    def load(self, dataset_id: str) -> Published:
        """Decrypt one dataset. A wrong key or a tampered row raises :class:`StoreError`."""
        row = None
        if self.path.exists():
            with self._db() as con:
                row = con.execute(
                    "SELECT id, name, published_at, published_by, rows, meta, payload "
                    "FROM datasets WHERE id = ?",
                    (str(dataset_id),),
                ).fetchone()
        if row is None:
            raise StoreError("That dataset is no longer published; pick another one.")
        cipher = self._cipher()
        from cryptography.fernet import InvalidToken

        try:
            secret = json.loads(cipher.decrypt(row[5]).decode("utf-8"))
            data = cipher.decrypt(row[6])
        except InvalidToken:
            raise StoreError(
                "This dataset can't be decrypted with the configured data key: the key changed "
                "since it was published, or the stored data was altered. Restore the key HR "
                "published with, or publish the survey again."
            ) from None
        return Published(
            info=PublishedInfo(*row[:5]),
            data=data,
            filename=secret["filename"],
            sheet=secret["sheet"],
            mapping_yaml=secret["mapping_yaml"],
            roster=tuple(secret["roster"]),
        )

    def withdraw(self, dataset_id: str) -> bool:
        """Remove a dataset; True if it existed."""
        if not self.path.exists():
            return False
        with self._db() as con:
            cur = con.execute("DELETE FROM datasets WHERE id = ?", (str(dataset_id),))
            return cur.rowcount > 0

    # action plans (analysis.actions): one encrypted YAML text per project, across waves

    def save_plan_text(self, project: str, text: str, *, by: str) -> None:
        """Store a project's action plan (YAML text), encrypted; replaces the previous one."""
        project = str(project).strip()[:MAX_NAME] or "default"
        payload = self._cipher().encrypt(text.encode("utf-8"))
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._db() as con:
            con.execute(
                "INSERT INTO action_plans (project, updated_at, updated_by, payload) "
                "VALUES (?, ?, ?, ?) ON CONFLICT(project) DO UPDATE SET "
                "updated_at = excluded.updated_at, updated_by = excluded.updated_by, "
                "payload = excluded.payload",
                (project, now, str(by)[:MAX_NAME], payload),
            )

    def load_plan_text(self, project: str) -> str | None:
        """A project's action plan (YAML text), or None when none was saved."""
        if not self.path.exists():
            return None
        project = str(project).strip()[:MAX_NAME] or "default"
        with self._db() as con:
            row = con.execute(
                "SELECT payload FROM action_plans WHERE project = ?", (project,)
            ).fetchone()
        if row is None:
            return None
        from cryptography.fernet import InvalidToken

        try:
            return self._cipher().decrypt(row[0]).decode("utf-8")
        except InvalidToken:
            raise StoreError(
                "The saved action plan can't be decrypted with the configured data key (the "
                "key changed, or the stored data was altered)."
            ) from None
