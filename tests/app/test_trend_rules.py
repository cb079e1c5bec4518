"""The Trends page's rules (ui.trend_rules), without Streamlit."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from analysis.columns import ColumnMap, ColumnSpec
from ui import trend_rules


def _wave(teams: list[str] | None) -> SimpleNamespace:
    specs = [ColumnSpec("Dept", "team")] if teams is not None else []
    groups = pd.DataFrame({"Dept": teams} if teams is not None else {})
    return SimpleNamespace(colmap=ColumnMap(specs), scored=SimpleNamespace(groups=groups))


def test_renamed_team_candidates_are_earlier_teams_missing_now() -> None:
    first = _wave(["Sales", "Ops", "IT"])
    second = _wave(["Ops", "Support", "Sales"])
    latest = _wave(["Ops", "Revenue"])
    got = trend_rules.renamed_team_candidates([first, second], latest)
    assert got == ["IT", "Sales", "Support"]
    assert trend_rules.renamed_team_candidates([_wave(None)], latest) == []


def test_team_map_skips_blank_rows() -> None:
    old = ["Sales", "IT", None, "  ", "Ops"]
    new = [" Revenue ", "", "X", "Y", float("nan")]
    assert trend_rules.team_map_from(old, new) == {"Sales": "Revenue"}


def test_wave_key_and_test_sentence() -> None:
    assert trend_rules.wave_key(b"a") == trend_rules.wave_key(b"a") != trend_rules.wave_key(b"b")
    assert "1,204 people" in trend_rules.pair_test_sentence({"test": "paired", "n_linked": 1204})
    assert "Welch" in trend_rules.pair_test_sentence({"test": "welch"})
