"""Constructs declared in a mapping's ``constructs:`` section reach the scores exactly as the
built-in instrument's do, so later stages (hot spots, drivers) can treat them alike."""

from __future__ import annotations

import pandas as pd
import yaml

from analysis import columns, ingest
from analysis.scoring import group_scores, org_scores, prepare
from analysis.survey import CONCEPTS, NATURAL_DIRECTION, default_survey


def _mapping_only(instrument, colmap) -> str:
    """A mapping that declares the built-in constructs, using the concept-id shorthand where
    the construct is read in its concept's natural direction."""
    constructs = {}
    for c in instrument.constructs:
        if c.id in CONCEPTS and c.concept == c.id and c.direction == NATURAL_DIRECTION[c.id]:
            constructs[c.id] = {"label": c.label}
        else:
            constructs[c.id] = {"label": c.label, "concept": c.concept, "direction": c.direction}
    items = {
        s.name: {"construct": s.construct, "scale": s.scale, "reverse": bool(s.reverse)}
        for s in colmap.columns
        if s.role == "item"
    }
    return yaml.safe_dump(
        {"team": colmap.team, "role": colmap.role, "constructs": constructs, "items": items},
        sort_keys=False,
    )


def test_a_mapping_only_instrument_gets_the_built_in_constructs(root) -> None:
    path = root / "sample_data" / "ai_pulse_qualtrics.csv"
    export = ingest.read_export(path.read_bytes(), path.name)
    instrument = default_survey()
    builtin = columns.infer_columns(export, instrument)
    text = _mapping_only(instrument, builtin)
    assert "ai_skills_confidence" in text and "concept: training_need" in text
    mapped = columns.apply_mapping(columns.infer_columns(export), text)
    assert set(mapped.constructs) == {c.id for c in instrument.constructs}

    ours = prepare(export, mapped, None)  # no survey: the mapping alone
    theirs = prepare(export, builtin, instrument)
    cols = ["label", "direction", "concept", "target", "n_items"]
    pd.testing.assert_frame_equal(ours.construct_meta[cols], theirs.construct_meta[cols])
    assert ours.construct_meta.loc["fear_of_displacement", "direction"] == "higher_worse"
    assert ours.construct_meta.loc["ai_skills_confidence", "concept"] == "training_need"
    pd.testing.assert_frame_equal(org_scores(ours), org_scores(theirs))
    team = builtin.team
    pd.testing.assert_frame_equal(group_scores(ours, [team]), group_scores(theirs, [team]))


def test_undeclared_concept_id_takes_its_concept(root) -> None:
    """A construct named like a concept in the items map, with no ``constructs:`` entry, is
    that concept in its natural direction (the issue's planted training need)."""
    path = root / "sample_data" / "ai_pulse_qualtrics.csv"
    export = ingest.read_export(path.read_bytes(), path.name)
    builtin = columns.infer_columns(export, default_survey())
    skills = [s.name for s in builtin.columns if s.construct == "ai_skills_confidence"]
    items = "\n".join(f"  {s!r}: {{construct: training_need, scale: agree5}}" for s in skills)
    mapped = columns.apply_mapping(columns.infer_columns(export), "items:\n" + items + "\n")
    meta = prepare(export, mapped, None).construct_meta.loc["training_need"]
    assert (meta["concept"], meta["direction"]) == ("training_need", "higher_worse")
