"""Score an ingested export: encode each item column with its scale, take construct metadata
from the column map's constructs (a mapping's ``constructs:`` section) or the survey."""

from __future__ import annotations

from typing import Any

import pandas as pd

from analysis.scoring.model import Answers, Scored, keep_answers
from analysis.scoring.respondents import score_responses
from analysis.survey import resolve_construct


def prepare(export: Any, colmap: Any, survey: Any = None) -> Scored:
    """Score an ingested export with a column map (and the survey for construct metadata).

    A construct's label, direction, concept and target come from the mapping's ``constructs:``
    section, else the survey, else a concept id's natural reading
    (:func:`analysis.survey.resolve_construct`); any other construct is a custom one
    (``higher_better``, no concept).

    Items come from the column map (role ``item``); answers are encoded with each column's
    scale, answers outside the scale are left out and reported in ``Scored.warnings``. A column
    whose construct is ``enps`` (or whose scale is of kind ``nps`` with no construct) is the
    eNPS question. Team, role and demographic columns become the grouping columns.
    """
    responses: pd.DataFrame = export.responses
    specs = list(colmap.columns)
    warnings: list[str] = []
    values: dict[str, pd.Series] = {}
    answers: dict[str, Answers] = {}
    rows: list[dict[str, Any]] = []
    enps_values: pd.Series | None = None
    survey_items = {i.id: i for i in getattr(survey, "items", ())} if survey else {}
    unscaled: list[str] = []
    single: list[str] = []
    for spec in specs:
        if spec.role != "item":
            continue
        if spec.scale is None:
            # Answer codes with no known order (e.g. LimeSurvey's A1..A5) can't be scored
            # honestly; the column map already says why and how to give them a scale.
            unscaled.append(spec.name)
            continue
        scale = colmap.scale_for(spec.name)
        encoded = scale.encode(responses[spec.name])
        if encoded.n_invalid:
            example = ", ".join(f"'{a}'" for a in encoded.invalid_answers[:3])
            warnings.append(
                f"{encoded.n_invalid} answer(s) in '{spec.name}' are not on its "
                f"{scale.name} scale (e.g. {example}) and were left out."
            )
        construct = spec.construct
        if construct == "enps" or (not construct and scale.kind == "nps"):
            if enps_values is None:
                enps_values = encoded.values
            else:
                warnings.append(f"'{spec.name}' is a second eNPS question and was not used.")
            continue
        if not construct:
            # An item the survey doesn't know is still a question people answered: score it
            # as its own one-item measure, as survey platforms do, until a mapping groups it.
            construct = spec.name
            single.append(spec.name)
        values[spec.name] = encoded.values
        answers[spec.name] = Answers(
            encoded.values.to_numpy(dtype=float),
            encoded.invalid.to_numpy(dtype=bool),
            responses[spec.name].notna().to_numpy(dtype=bool),
        )
        question = spec.question or getattr(survey_items.get(spec.name), "text", "")
        rows.append(
            {
                "item": spec.name,
                "construct": construct,
                "question": question,
                "scale_min": scale.min,
                "scale_max": scale.max,
                "favorable_min": scale.favorable_min,
                "unfavorable_max": scale.unfavorable_max,
                "reverse": bool(spec.reverse),
            }
        )
    if unscaled:
        warnings.append(
            f"{len(unscaled)} rated column(s) have no known answer scale and were not scored "
            f"({_names(unscaled)}); give them a scale in the mapping to include them."
        )
    if single:
        warnings.append(
            f"{len(single)} item(s) are not part of a construct and are scored on their own "
            f"({_names(single)}); group them into constructs with a mapping."
        )
    if not rows:
        raise ValueError(
            "No rated survey items with a known answer scale were found to score. Map at least "
            "one column as an item with a scale (see the mapping YAML format in the README)."
        )
    item_meta = pd.DataFrame(rows).set_index("item")
    cmeta_rows = []
    declared = getattr(colmap, "constructs", None)
    for c in dict.fromkeys(item_meta["construct"]):
        known = resolve_construct(str(c), declared, survey)
        cmeta_rows.append(
            {
                "construct": c,
                "label": known.label if known else _construct_label(str(c)),
                "direction": known.direction if known else "higher_better",
                "concept": known.concept if known else None,
                "target": known.target if known else None,
            }
        )
    group_cols = [s.name for s in specs if s.role in ("team", "role", "demographic")]
    scored = score_responses(
        pd.DataFrame(values, index=responses.index),
        item_meta,
        groups=responses[group_cols] if group_cols else None,
        construct_meta=pd.DataFrame(cmeta_rows).set_index("construct"),
        enps=enps_values,
        min_item_share=getattr(survey, "min_item_share", 0.5) if survey is not None else 0.5,
    )
    scored.warnings.extend(warnings)
    keep_answers(scored, answers)
    return scored


def _construct_label(construct: str) -> str:
    """'job_satisfaction' -> 'Job satisfaction'; a question used as its own measure keeps its
    wording."""
    if "_" in construct and " " not in construct:
        return construct.replace("_", " ").capitalize()
    return construct


def _names(columns: list[str], shown: int = 5) -> str:
    head = ", ".join(f"'{c}'" for c in columns[:shown])
    return head + (f" and {len(columns) - shown} more" if len(columns) > shown else "")
