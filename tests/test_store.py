"""Published datasets: encrypted SQLite store."""

from __future__ import annotations

import sqlite3

import pytest

from analysis.shared.store import DatasetStore, StoreError, new_key

CSV = b"Team,Q1\nSales,Agree\nSales,Strongly agree\n"
ROSTER = ("Priya Shah", "Tom Berg")


def test_publish_list_load_round_trip(tmp_path) -> None:
    store = DatasetStore(tmp_path, new_key())
    assert store.list() == []
    assert not (tmp_path / "datasets.sqlite3").exists()  # nothing written until a publish
    info = store.publish(
        name="  Pulse   2026 Q1 ",
        data=CSV,
        filename="pulse_q1.csv",
        published_by="hr@x.example",
        rows=2,
        sheet=None,
        mapping_yaml="team: Team\n",
        roster=ROSTER,
    )
    assert info.name == "Pulse 2026 Q1"
    assert store.list() == [info]
    got = store.load(info.id)
    assert got.data == CSV and got.filename == "pulse_q1.csv"
    assert got.mapping_yaml == "team: Team\n" and got.roster == ROSTER
    second = store.publish(name="Pulse Q2", data=CSV, filename="q2.csv", published_by="hr", rows=2)
    assert [d.id for d in store.list()] == [second.id, info.id]  # newest first
    assert store.withdraw(info.id) and not store.withdraw(info.id)
    assert [d.id for d in store.list()] == [second.id]
    with pytest.raises(StoreError, match="no longer published"):
        store.load(info.id)


def test_data_is_encrypted_at_rest(tmp_path) -> None:
    store = DatasetStore(tmp_path, new_key())
    store.publish(
        name="Pulse",
        data=CSV,
        filename="secret_file_name.csv",
        published_by="hr",
        rows=2,
        mapping_yaml="team: Team\n",
        roster=ROSTER,
    )
    raw = (tmp_path / "datasets.sqlite3").read_bytes()
    for plain in (b"Strongly agree", b"Sales", b"secret_file_name", b"Priya Shah", b"team: Team"):
        assert plain not in raw
    con = sqlite3.connect(tmp_path / "datasets.sqlite3")
    (payload,) = con.execute("SELECT payload FROM datasets").fetchone()
    con.close()
    assert payload.startswith(b"gAAAAA")  # a Fernet token


def test_wrong_key_or_tampering_is_detected(tmp_path) -> None:
    info = DatasetStore(tmp_path, new_key()).publish(
        name="Pulse", data=CSV, filename="p.csv", published_by="hr", rows=2
    )
    with pytest.raises(StoreError, match="can't be decrypted"):
        DatasetStore(tmp_path, new_key()).load(info.id)
    key = new_key()
    store = DatasetStore(tmp_path / "b", key)
    info = store.publish(name="Pulse", data=CSV, filename="p.csv", published_by="hr", rows=2)
    con = sqlite3.connect(store.path)
    (payload,) = con.execute("SELECT payload FROM datasets").fetchone()
    tampered = payload[:-5] + (b"A" if payload[-5:-4] != b"A" else b"B") + payload[-4:]
    con.execute("UPDATE datasets SET payload = ?", (tampered,))
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="altered"):
        store.load(info.id)


def test_publishing_without_a_key_is_refused_with_the_fix(tmp_path) -> None:
    for key in (None, ""):
        with pytest.raises(StoreError, match="CHANGERADAR_DATA_KEY"):
            DatasetStore(tmp_path, key).publish(
                name="Pulse", data=CSV, filename="p.csv", published_by="hr", rows=2
            )
    assert not any(tmp_path.iterdir())  # nothing written
    with pytest.raises(StoreError, match="not a valid key"):
        DatasetStore(tmp_path, "too-short").publish(
            name="Pulse", data=CSV, filename="p.csv", published_by="hr", rows=2
        )


def test_name_and_data_are_required(tmp_path) -> None:
    store = DatasetStore(tmp_path, new_key())
    with pytest.raises(StoreError, match="name"):
        store.publish(name="  ", data=CSV, filename="p.csv", published_by="hr", rows=2)
    with pytest.raises(StoreError, match="empty"):
        store.publish(name="Pulse", data=b"", filename="p.csv", published_by="hr", rows=0)


def test_unusable_folder_is_a_sentence(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="CHANGERADAR_DATA_DIR"):
        DatasetStore(blocker / "sub", new_key()).publish(
            name="Pulse", data=CSV, filename="p.csv", published_by="hr", rows=2
        )


def test_action_plans_are_stored_encrypted_and_replaced(tmp_path) -> None:
    key = new_key()
    store = DatasetStore(tmp_path, key)
    assert store.load_plan_text("ai pulse") is None
    store.save_plan_text("ai pulse", "actions:\n  - owner: Dana Secret\n", by="hr")
    store.save_plan_text("ai pulse", "actions: []\n", by="hr")
    assert DatasetStore(tmp_path, key).load_plan_text("ai pulse") == "actions: []\n"
    assert b"actions" not in store.path.read_bytes()  # encrypted at rest
    with pytest.raises(StoreError, match="can't be decrypted"):
        DatasetStore(tmp_path, new_key()).load_plan_text("ai pulse")
