"""The per-respondent scores (:class:`Scored`), private data that is never shown, and the
answers kept beside them for answer distributions; :func:`subset` slices them for a filter,
and a :class:`Difference` names the people two views differ by without copying them."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

NO_ANSWER = "(no answer)"
CROSS = " × "
NEST = " › "


def join_labels(frame: pd.DataFrame, columns: list[str], sep: str = CROSS) -> pd.Series:
    """Each row's values of ``columns`` (one or more) as text joined by ``sep`` ("Sales ×
    Manager"), column by column (a row-wise ``agg(sep.join, axis=1)`` calls Python once per
    row: 0.1 s for 2,000 comments). One column keeps its name; several give an unnamed Series."""
    out = frame[columns[0]].astype(str)
    for col in columns[1:]:
        out = out + sep + frame[col].astype(str)
    return out if len(columns) == 1 else out.rename(None)


@dataclass(frozen=True)
class Answers:
    """One item's answers before reverse coding, kept so that answer distributions never
    re-read the text: ``values`` on the scale (NaN for no answer and for invalid answers),
    ``invalid`` (answer outside the scale), ``given`` (the cell was not empty)."""

    values: np.ndarray
    invalid: np.ndarray
    given: np.ndarray

    def take(self, mask: np.ndarray) -> Answers:
        return Answers(self.values[mask], self.invalid[mask], self.given[mask])


@dataclass
class Scored:
    """Per-respondent scores; private data, never shown directly.

    ``groups`` holds the grouping columns as text (missing = ``"(no answer)"``); ``items`` the
    reverse-coded item values on their own scale (float16 when that is exact: read them with
    ``to_numpy(float)``, never do arithmetic on the frame); ``constructs`` respondent ×
    construct scores on 0–100; ``item_meta`` (index item: construct, question, scale_min, scale_max,
    favorable_min, unfavorable_max, reverse — limits in reverse-coded terms); ``construct_meta``
    (index construct: label, direction, concept, target, n_items); ``favorable``/``neutral``/
    ``unfavorable``: per respondent × construct, the number of their item responses in each box
    (0 where the construct score is NaN); ``enps``: the raw 0–10 answer or None; ``answers``:
    per item, the answers as given (before reverse coding), for answer distributions.
    """

    groups: pd.DataFrame
    items: pd.DataFrame
    constructs: pd.DataFrame
    item_meta: pd.DataFrame
    construct_meta: pd.DataFrame
    favorable: pd.DataFrame
    neutral: pd.DataFrame
    unfavorable: pd.DataFrame
    enps: pd.Series | None = None
    min_item_share: float = 0.5
    warnings: list[str] = field(default_factory=list)
    answers: dict[str, Answers] = field(default_factory=dict, repr=False, compare=False)
    _cache: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def n_respondents(self) -> int:
        return len(self.groups)


@dataclass(frozen=True, eq=False)
class Difference:
    """The people a view differs by from an earlier view: the rows of ``population`` where
    ``mask`` is True. Only counted (per group, from the population's cached group codes and
    stacks: :func:`analysis.scoring.grouping.difference_sums`), never copied out as a
    :class:`Scored` of its own: the difference of a filter from the whole organisation is
    most of the organisation (issue 20: count from full-population group codes)."""

    population: Scored
    mask: np.ndarray

    def __post_init__(self) -> None:
        mask = np.asarray(self.mask, dtype=bool).ravel()  # a 0/1 mask would index rows
        if mask.size != len(self.population.groups):
            raise ValueError("A Difference needs one mask entry per respondent.")
        object.__setattr__(self, "mask", mask)

    def __bool__(self) -> bool:
        return bool(self.mask.any())

    def answers(self, item: str) -> Answers | None:
        """The item's answers of these people (None when the item has none kept)."""
        ans = self.population.answers.get(item)
        return None if ans is None else ans.take(self.mask)

    def answer_counts(self) -> dict[str, tuple[int, int, int]]:
        """Per item with answers kept: how many of these people answered it on its scale, gave
        any answer, and gave an answer outside the scale. Counted over the population's
        answer blocks at once when it has them (one pass, not a copy per item)."""
        cached = self.population._cache.get("answers")
        if cached is None:
            out = {}
            for item in self.population.answers:
                a = self.answers(item)
                assert a is not None
                answered = int(np.count_nonzero(~np.isnan(a.values)))
                out[item] = (answered, int(a.given.sum()), int(a.invalid.sum()))
            return out
        items, (values, invalid, given) = cached
        m = self.mask[:, None]
        counts = (
            np.count_nonzero(~np.isnan(values) & m, axis=0),
            np.count_nonzero(given & m, axis=0),
            np.count_nonzero(invalid & m, axis=0),
        )
        return {item: tuple(int(c[j]) for c in counts) for j, item in enumerate(items)}


def keep_answers(scored: Scored, answers: dict[str, Answers]) -> None:
    """Store the answers as three respondent × item blocks (so a filter slices three arrays,
    not three per item) and hand out per-item column views of them.

    The answers are only counted (no answer, equal to a scale point), so whole answers up to
    2048 in size are held as float16, which holds them and NaN exactly: 46 MB instead of
    184 MB at a million respondents and 23 items. Any other answer keeps them float64."""
    items = list(answers)
    if not items:
        return
    blocks = tuple(
        np.asfortranarray(np.column_stack([getattr(answers[i], f) for i in items]))
        for f in ("values", "invalid", "given")
    )
    blocks = (exact_half(blocks[0]), *blocks[1:])
    scored._cache["answers"] = (items, blocks)
    scored.answers = answer_views(items, blocks)


def exact_half(values: np.ndarray) -> np.ndarray:
    """``values`` as float16 when that holds every one exactly (whole numbers within ±2048,
    and NaN), else unchanged. For arrays that are only counted or read back as float64
    (``to_numpy(float)`` gives the same numbers): never for arithmetic in their own type."""
    finite = values[~np.isnan(values)]
    if finite.size and (np.abs(finite).max() > 2048 or not np.array_equal(finite, np.rint(finite))):
        return values
    return values.astype(np.float16, order="F")


def answer_views(items: list[str], blocks: tuple[np.ndarray, ...]) -> dict[str, Answers]:
    v, inv, given = blocks
    return {item: Answers(v[:, j], inv[:, j], given[:, j]) for j, item in enumerate(items)}


def take_rows(a: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``a[rows]``, column-major like the respondent blocks: gathered column by column, each a
    contiguous read (a row gather of a column-major array then a transpose cost twice that)."""
    if a.ndim != 2 or not a.flags.f_contiguous:
        return np.asfortranarray(a[rows])
    out = np.empty((len(rows), a.shape[1]), dtype=a.dtype, order="F")
    for j in range(a.shape[1]):
        np.take(a[:, j], rows, out=out[:, j], mode="clip")  # rows are valid: no bound checks
    return out


def subset(scored: Scored, mask: np.ndarray) -> Scored:
    """The respondents where ``mask`` is True, keeping the per-respondent caches (sliced), so
    a filtered view does no per-respondent work again."""
    rows = np.flatnonzero(mask)
    out = replace(
        scored,
        groups=scored.groups.iloc[rows],
        items=scored.items.iloc[rows],
        constructs=scored.constructs.iloc[rows],
        favorable=scored.favorable.iloc[rows],
        neutral=scored.neutral.iloc[rows],
        unfavorable=scored.unfavorable.iloc[rows],
        enps=scored.enps.iloc[rows] if scored.enps is not None else None,
        warnings=list(scored.warnings),
        answers={},
    )
    if "answers" in scored._cache:
        items, blocks = scored._cache["answers"]
        taken = tuple(take_rows(b, rows) for b in blocks)
        out._cache["answers"] = (items, taken)
        out.answers = answer_views(items, taken)
    else:
        out.answers = {k: a.take(mask) for k, a in scored.answers.items()}
    for key in ("construct_counts", "construct_values", "items"):
        if key in scored._cache:
            out._cache[key] = take_rows(scored._cache[key], rows)
    for key, value in scored._cache.items():
        if isinstance(key, tuple) and key[0] == "column":
            # Codes stay valid (sorted distinct values of the full set); unobserved ones are
            # dropped when a level is numbered.
            out._cache[key] = (value[0][mask], value[1])
    return out
