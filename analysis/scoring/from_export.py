"""Score an ingested export: encode each item column with its scale, take construct metadata
from the column map's constructs (a mapping's ``constructs:`` section) or the survey."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from analysis.columns.rules import ENPS_QUESTION
from analysis.scales import MISSING_CODES
from analysis.scoring.model import Answers, Scored, keep_answers
from analysis.scoring.respondents import score_responses
from analysis.survey import ENPS_CONSTRUCT, resolve_construct


def prepare(export: Any, colmap: Any, survey: Any = None) -> Scored:
    """Score an ingested export with a column map (and the survey for construct metadata).

    A construct's label, direction, concept and target come from the mapping's ``constructs:``
    section, else the survey, else a concept id's natural reading
    (:func:`analysis.survey.resolve_construct`); any other construct is a custom one
    (``higher_better``, no concept).

    Items come from the column map (role ``item``); answers are encoded with each column's
    scale, answers outside the scale are left out and reported in ``Scored.warnings``. The eNPS
    question is the column whose construct is ``enps``, else the first 0-10 column whose
    header says "recommend" (:func:`_enps_column`); other 0-10 columns are ratings.
    Team, role and demographic columns become the grouping columns.
    """
    responses: pd.DataFrame = export.responses
    specs = list(colmap.columns)
    items = _encode_items(responses, colmap, survey)
    if not items.rows:
        raise ValueError(
            "No rated survey items with a known answer scale were found to score. Map at least "
            "one column as an item with a scale (see the mapping YAML format in the README)."
        )
    item_meta = pd.DataFrame(items.rows).set_index("item")
    group_cols = [s.name for s in specs if s.role in ("team", "role", "demographic")]
    scored = score_responses(
        pd.DataFrame(items.values, index=responses.index),
        item_meta,
        groups=responses[group_cols] if group_cols else None,
        construct_meta=_construct_meta(item_meta, colmap, survey),
        enps=items.enps,
        min_item_share=getattr(survey, "min_item_share", 0.5) if survey is not None else 0.5,
    )
    scored.warnings.extend(items.warnings)
    keep_answers(scored, items.answers)
    return scored


@dataclass
class _Items:
    """The item columns encoded with their scales: values, answers, metadata rows, the eNPS
    answers and the warnings to carry (answers off the scale, unscaled and one-item measures)."""

    values: dict[str, pd.Series] = field(default_factory=dict)
    answers: dict[str, Answers] = field(default_factory=dict)
    rows: list[dict[str, Any]] = field(default_factory=list)
    enps: pd.Series | None = None
    warnings: list[str] = field(default_factory=list)


def _encode_items(responses: pd.DataFrame, colmap: Any, survey: Any) -> _Items:
    out = _Items()
    survey_items = {i.id: i for i in getattr(survey, "items", ())} if survey else {}
    unscaled: list[str] = []
    single: list[str] = []
    enps = _enps_column(colmap)
    for spec in colmap.columns:
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
            codes = any(_is_missing_code(a) for a in encoded.invalid_answers[:3])
            out.warnings.append(
                f"{encoded.n_invalid} answer(s) in '{spec.name}' are not on its "
                f"{scale.name} scale (e.g. {example}"
                + (', a usual code for "Don\'t know" or "Not applicable"' if codes else "")
                + ") and were left out."
            )
        construct = spec.construct
        if spec.name == enps:
            out.enps = encoded.values
            continue
        if construct == "enps" or (not construct and _asks_to_recommend(spec, scale)):
            out.warnings.append(f"'{spec.name}' is a second eNPS question and was not used.")
            continue
        if not construct and scale.kind == "nps":
            out.warnings.append(
                f"'{spec.name}' is answered on a scale up to 10 but does not ask whether "
                "people would recommend, so it is scored as a rating, not as the eNPS."
            )
        if not construct:
            # An item the survey doesn't know is still a question people answered: score it
            # as its own one-item measure, as survey platforms do, until a mapping groups it.
            construct = spec.name
            single.append(spec.name)
        out.values[spec.name] = encoded.values
        out.answers[spec.name] = Answers(
            encoded.values.to_numpy(dtype=float),
            encoded.invalid.to_numpy(dtype=bool),
            responses[spec.name].notna().to_numpy(dtype=bool),
        )
        question = spec.question or getattr(survey_items.get(spec.name), "text", "")
        out.rows.append(
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
        out.warnings.append(
            f"{len(unscaled)} rated column(s) have no known answer scale and were not scored "
            f"({_names(unscaled)}); give them a scale in the mapping to include them."
        )
    if single:
        out.warnings.append(
            f"{len(single)} item(s) are not part of a construct and are scored on their own "
            f"({_names(single)}); group them into constructs with a mapping (the Load page's "
            "mapping flow and `python -m analysis inspect` suggest constructs from the wording)."
        )
    return out


def _asks_to_recommend(spec: Any, scale: Any) -> bool:
    return scale.kind == "nps" and bool(ENPS_QUESTION.search(f"{spec.name} {spec.question or ''}"))


def _enps_column(colmap: Any) -> str | None:
    """The eNPS question: the column a survey or mapping names eNPS, else the first 0-10
    column whose header says "recommend" (or eNPS, NPS, net promoter). Any other 0-10
    column is a rating: a review found "How satisfied are you with your workload? (1-10)",
    earlier in the file, reported as the eNPS and the real one left out."""
    items = [s for s in colmap.columns if s.role == "item" and s.scale is not None]
    named = [s.name for s in items if s.construct == ENPS_CONSTRUCT]
    worded = [
        s.name for s in items if not s.construct and _asks_to_recommend(s, colmap.scale_for(s.name))
    ]
    return next(iter(named or worded), None)


def _construct_meta(item_meta: pd.DataFrame, colmap: Any, survey: Any) -> pd.DataFrame:
    """Label, direction, concept and target of each construct the items name: the mapping's
    ``constructs:`` section, else the survey, else a custom construct."""
    rows = []
    declared = getattr(colmap, "constructs", None)
    for c in dict.fromkeys(item_meta["construct"]):
        known = resolve_construct(str(c), declared, survey)
        rows.append(
            {
                "construct": c,
                "label": known.label if known else _construct_label(str(c)),
                "direction": known.direction if known else "higher_better",
                "concept": known.concept if known else None,
                "target": known.target if known else None,
            }
        )
    return pd.DataFrame(rows).set_index("construct")


def _construct_label(construct: str) -> str:
    """'job_satisfaction' -> 'Job satisfaction'; a question used as its own measure keeps its
    wording."""
    if "_" in construct and " " not in construct:
        return construct.replace("_", " ").capitalize()
    return construct


def _names(columns: list[str], shown: int = 5) -> str:
    head = ", ".join(f"'{c}'" for c in columns[:shown])
    return head + (f" and {len(columns) - shown} more" if len(columns) > shown else "")


def _is_missing_code(answer: str) -> bool:
    try:
        return float(answer) in MISSING_CODES
    except ValueError:
        return False
