"""The one YAML loader: safe parsing, every problem reported with its location, one error base."""

from __future__ import annotations

import pytest
from pydantic import Field

from analysis.config import ConfigError, ConfigModel, load_yaml
from analysis.errors import ChangeRadarError


class _Construct(ConfigModel):
    label: str
    direction: str = Field(pattern="^(higher_better|higher_worse)$")


class _Doc(ConfigModel):
    name: str
    constructs: dict[str, _Construct] = Field(default_factory=dict)


def test_valid_document_loads() -> None:
    doc = load_yaml(
        _Doc,
        "name: Pulse\nconstructs:\n  trust: {label: Trust, direction: higher_better}\n",
        "mapping",
    )
    assert doc.name == "Pulse"
    assert doc.constructs["trust"].direction == "higher_better"


def test_every_problem_is_listed_with_where_it_is() -> None:
    text = (
        "constructs:\n  trust: {label: Trust, direction: up}\n"
        "  fear: {direction: higher_worse, colour: red}\n"
    )
    with pytest.raises(ConfigError) as info:
        load_yaml(_Doc, text, "column mapping")
    problems = info.value.problems
    assert any(p.startswith("name:") for p in problems)
    assert any(p.startswith("constructs.trust.direction:") for p in problems)
    assert any(p.startswith("constructs.fear.label:") for p in problems)
    assert "constructs.fear.colour: unknown key (check the spelling)" in problems
    assert len(problems) == 4
    assert str(info.value).startswith("The column mapping has 4 problem(s):")


def test_yaml_syntax_error_says_where() -> None:
    with pytest.raises(ConfigError, match=r"not valid YAML at line 2"):
        load_yaml(_Doc, "name: a\n  - b: [\n", "mapping")


def test_yaml_tags_are_refused() -> None:
    with pytest.raises(ConfigError):
        load_yaml(_Doc, "name: !!python/object/apply:os.system ['true']\n", "mapping")


def test_errors_share_one_base_and_stay_value_errors() -> None:
    from analysis.access import PolicyError
    from analysis.columns.model import MappingError
    from analysis.ingest.model import IngestError
    from analysis.privacy.policy import PrivacyError
    from analysis.scales import ScaleError

    for cls in (ConfigError, PolicyError, MappingError, IngestError, PrivacyError, ScaleError):
        assert issubclass(cls, ChangeRadarError)
        assert issubclass(cls, ValueError)


def test_yes_no_stay_text() -> None:
    class _Labels(ConfigModel):
        labels: list[str]

    doc = load_yaml(_Labels, "labels: [Yes, No, On, Off]\n", "scale")
    assert doc.labels == ["Yes", "No", "On", "Off"]
