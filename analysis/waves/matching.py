"""Which question of one wave's export answers each question of another's."""

from __future__ import annotations

import difflib
import re
import unicodedata
from typing import Any

import pandas as pd

from analysis.columns import ColumnMap
from analysis.ingest import SurveyExport
from analysis.survey import Survey, default_survey
from analysis.tables import MATCHES


def _norm(text: object) -> str:
    s = unicodedata.normalize("NFKC", "" if text is None or pd.isna(text) else str(text))
    return re.sub(r"\s+", " ", s).strip().casefold()


def match_items(
    export_a: SurveyExport,
    colmap_a: ColumnMap,
    export_b: SurveyExport,
    colmap_b: ColumnMap,
    survey: Survey | None = None,
    *,
    min_similarity: float = 0.85,
) -> pd.DataFrame:
    """Which item of export B answers each item of export A, and why, for the user to confirm.

    Tried in order, one-to-one: the same export tag (stable across a platform's exports; its
    confidence drops with how different the two question texts are), the same question text
    (or a near-identical one, ``difflib`` ratio >= ``min_similarity``, confidence = the ratio),
    then the same item of ``survey`` recognised in both (confidence 0.8). Unmatched items get a
    row with the other side missing and ``matched_by`` "none".

    Returns
    -------
    ``item_a``, ``item_b``, ``matched_by`` (export_tag | question_text | survey | none),
    ``confidence`` (0–1), ``construct_a``, ``construct_b``, ``question_a``, ``question_b``.
    """
    survey = survey or default_survey()
    a_items, b_items = _items(export_a, colmap_a, survey), _items(export_b, colmap_b, survey)
    free_b = {b["name"]: b for b in b_items}
    rows: list[dict[str, Any]] = []
    pending = _by_tag(a_items, free_b, rows)
    pending = _by_text(pending, free_b, rows, min_similarity)
    _by_survey_item(pending, free_b, rows)
    rows.extend(_match_row(None, b, "none", 0.0) for b in free_b.values())
    order = {a["name"]: i for i, a in enumerate(a_items)}
    out = pd.DataFrame(rows, columns=MATCHES.columns())
    out["_order"] = out["item_a"].map(order).fillna(len(order)).astype(float)
    return out.sort_values("_order", kind="stable").drop(columns="_order").reset_index(drop=True)


_Item = dict[str, Any]


def _items(export: SurveyExport, colmap: ColumnMap, survey: Survey) -> list[_Item]:
    """Each item column: name, normalised tag and text, question, construct, survey item."""
    source = {c.name: c for c in export.columns}
    out = []
    for spec in colmap.columns:
        if spec.role != "item":
            continue
        col = source.get(spec.name)
        tag = spec.export_tag or (col.export_tag if col else "") or spec.name
        question = spec.question or (col.question if col else "")
        hit = survey.match(col) if col is not None else None
        out.append(
            {
                "name": spec.name,
                "tag": _norm(tag),
                "text": _norm(question),
                "question": question,
                "construct": spec.construct,
                "survey_item": getattr(hit, "id", None) if hit is not None else None,
            }
        )
    return out


def _take(
    free_b: dict[str, _Item], rows: list[_Item], a: _Item, b: _Item, how: str, conf: float
) -> None:
    del free_b[b["name"]]
    rows.append(_match_row(a, b, how, conf))


def _by_tag(a_items: list[_Item], free_b: dict[str, _Item], rows: list[_Item]) -> list[_Item]:
    """First pass: the same export tag (confidence lower as the texts differ); the rest."""
    pending = []
    for a in a_items:
        b = next((b for b in free_b.values() if a["tag"] and b["tag"] == a["tag"]), None)
        if b is None:
            pending.append(a)
            continue
        if a["text"] and b["text"] and a["text"] != b["text"]:
            conf = 0.5 + 0.5 * difflib.SequenceMatcher(None, a["text"], b["text"]).ratio()
        else:
            conf = 1.0
        _take(free_b, rows, a, b, "export_tag", conf)
    return pending


def _by_text(
    pending: list[_Item], free_b: dict[str, _Item], rows: list[_Item], min_similarity: float
) -> list[_Item]:
    """Second pass: the most similar question text, if similar enough; the rest."""
    still = []
    for a in pending:
        best, best_ratio = None, 0.0
        for b in free_b.values():
            if not a["text"] or not b["text"]:
                continue
            ratio = (
                1.0
                if a["text"] == b["text"]
                else difflib.SequenceMatcher(None, a["text"], b["text"]).ratio()
            )
            if ratio > best_ratio:
                best, best_ratio = b, ratio
        if best is not None and best_ratio >= min_similarity:
            _take(free_b, rows, a, best, "question_text", best_ratio)
        else:
            still.append(a)
    return still


def _by_survey_item(pending: list[_Item], free_b: dict[str, _Item], rows: list[_Item]) -> None:
    """Last pass: the same survey item recognised in both; else an unmatched row."""
    for a in pending:
        b = next(
            (
                b
                for b in free_b.values()
                if a["survey_item"] and b["survey_item"] == a["survey_item"]
            ),
            None,
        )
        if b is not None:
            _take(free_b, rows, a, b, "survey", 0.8)
        else:
            rows.append(_match_row(a, None, "none", 0.0))


def _match_row(
    a: dict[str, Any] | None, b: dict[str, Any] | None, how: str, conf: float
) -> dict[str, Any]:
    return {
        "item_a": a["name"] if a else None,
        "item_b": b["name"] if b else None,
        "matched_by": how,
        "confidence": float(conf),
        "construct_a": a["construct"] if a else None,
        "construct_b": b["construct"] if b else None,
        "question_a": a["question"] if a else "",
        "question_b": b["question"] if b else "",
    }
