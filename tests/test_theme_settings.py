"""A theme settings file applied to a fit (analysis/pipeline/theme_settings.py)."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from analysis.config import ConfigError
from analysis.pipeline.theme_settings import edits_for
from analysis.themes import ThemeProject, load_project


def _model(labels: list[str]) -> SimpleNamespace:
    return SimpleNamespace(themes_=pd.DataFrame({"theme": range(len(labels)), "label": labels}))


def test_edits_apply_only_to_the_themes_they_were_made_for() -> None:
    model = _model(["Pay", "tools", "chatbot"])
    project = ThemeProject(
        names={0: "Salaries", 2: "Bots"},
        merges={1: 0},
        labels={0: "Pay", 1: "tools", 2: "drafts"},  # theme 2 was another theme when saved
    )
    edits = edits_for(model, project)
    assert edits.names == {0: "Salaries"} and edits.merges == {1: 0} and edits.skipped == 1
    # a file without labels (older files): any theme of that number
    assert edits_for(model, ThemeProject(names={2: "Bots"})).names == {2: "Bots"}
    # a theme number this fit does not have
    assert edits_for(model, ThemeProject(names={7: "Gone"})).skipped == 1


def test_a_name_another_theme_has_here_is_skipped() -> None:
    """A sixth review: a file renamed theme 0 to theme 2's label, and "also raised as a
    second theme" read both themes as one."""
    model = _model(["tools", "Pay", "Job security and livelihoods"])
    edits = edits_for(model, ThemeProject(names={0: "job security and livelihoods", 1: "Wages"}))
    assert edits.names == {1: "Wages"} and edits.skipped == 1


def test_merge_loops_and_bad_numbers_are_refused_when_the_file_is_read() -> None:
    for text, needle in (
        ("merges: {0: 1, 1: 0}\n", "loop"),
        ("merges: {3: 3}\n", "loop"),
        ("merges: {0: -1}\n", "greater than or equal to 0"),
        ("names: {99999999999999999999: Pay}\n", "less than 10000"),
        ("names: {1: Pay, 2: pay}\n", "merge them instead"),
        ("names: {1: '  '}\n", "at least 1 character"),
    ):
        with pytest.raises(ConfigError, match=needle):
            load_project(text)
