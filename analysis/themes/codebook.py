"""The codebook of known concerns: editable YAML, loaded through the one pydantic loader.

A codebook lists concerns (id, label, description, example phrasings). Comments close enough to
a concern are assigned to it (``guided``); the rest are clustered into discovered themes. Its
``background`` phrasings say how people talk about the survey's subject without voicing any
concern ("I use AI to draft emails"): a comment closer to one of them than to every concern
is not that concern's, however close it is (every answer about AI is close to every AI
concern; the "none of the above" class of zero-shot classification). A concern's ``terms``
(optional) are the words that name it: with them, a comment joins the concern only when it
uses one (a comment near "Power and control" that names none of its words, "AI has little
oversight", is not that concern's; see ``grouping``). The
built-in codebook (``surveys/codebook_ai_change.yaml``) holds the concerns that come up in AI
change surveys; users rename, add or remove concerns and keep the file with their project.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import numpy as np
import yaml
from pydantic import Field, StringConstraints, field_validator, model_validator

from analysis.config import ConfigModel, load_yaml

__all__ = [
    "DEFAULT_CODEBOOK",
    "Codebook",
    "Concern",
    "ThemeProject",
    "default_codebook",
    "dump_codebook",
    "dump_project",
    "load_codebook",
    "load_project",
    "named",
]

DEFAULT_CODEBOOK = Path(__file__).resolve().parents[2] / "surveys" / "codebook_ai_change.yaml"
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
#: A term: single-spaced words, each letters or digits, joined inside by one ' or - at a time
#: ("doesn't", "double-check"), and ending in * for any ending. Every word starts and ends with
#: a letter or digit, so the expression below never has two optional separators side by side,
#: which Python's backtracking matcher can take exponential time over (a review: "a - - - b"
#: against 200 spaces took 10 s).
_WORD = r"[^\W_]+(?:['’‘-][^\W_]+)*\*?"
_TERM = re.compile(f"^{_WORD}(?: {_WORD})*$")
_APOSTROPHES = "'’‘"
Term = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]


def _term_regex(term: str) -> str:
    """A term as a regular expression (matched with case ignored): a space stands for any run
    of spaces or hyphens, a hyphen inside a word may be a space or nothing ("double-check"
    finds "double check" and "doublecheck"), an apostrophe may be straight, curly or missing,
    and a final * any ending."""
    joins = {"-": "[\\s-]?", **dict.fromkeys(_APOSTROPHES, f"[{_APOSTROPHES}]?")}
    words = []
    for word in term.split():
        stem = word.removesuffix("*")
        part = "".join(joins.get(ch) or re.escape(ch) for ch in stem)
        words.append(part + ("\\w*" if word.endswith("*") else ""))
    return "[\\s-]+".join(words)


class Concern(ConfigModel):
    """One known concern: how it is shown (label) and how comments are matched to it."""

    id: str
    label: str = Field(min_length=1, max_length=80)
    description: str = Field(min_length=1, max_length=400)
    examples: tuple[str, ...] = Field(min_length=1, max_length=20)
    #: words or phrases that name the concern ("job", "employ*", "lay off*"); none: a comment
    #: joins it by nearness alone
    terms: tuple[Term, ...] = Field(default=(), max_length=100)

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not _ID.match(v):
            raise ValueError("an id starts with a letter and has only letters, digits and _")
        return v

    @field_validator("terms")
    @classmethod
    def _terms(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        v = tuple(" ".join(unicodedata.normalize("NFC", t).split()) for t in v)
        bad = [t for t in v if not _TERM.match(t)]
        if bad:
            raise ValueError(
                "a term is words of letters and digits, which may be joined by ' or - and end"
                f" in *: {bad[0]!r}"
            )
        return v

    def pattern(self) -> re.Pattern[str] | None:
        """One case-insensitive expression finding any of the terms as whole words, or None.

        The terms are grouped by their first letter (``a(?:bus\\w*|ccura\\w*)|...``): at a
        word's start the matcher then tries one group, not every term, which halves the time.
        """
        if not self.terms:
            return None
        groups: dict[str, tuple[str, list[str]]] = {}
        for term in self.terms:
            head = re.escape(term[0])  # a letter or digit: the term grammar starts with one
            rest = _term_regex(term)[len(head) :]
            groups.setdefault(term[0].casefold(), (head, []))[1].append(rest)
        alternatives = "|".join(f"{head}(?:{'|'.join(rests)})" for head, rests in groups.values())
        return re.compile(f"(?<!\\w)(?:{alternatives})(?!\\w)", re.IGNORECASE)

    def phrasings(self) -> list[str]:
        """The texts whose embeddings stand for this concern: description, then examples."""
        return [self.description, *self.examples]


class Codebook(ConfigModel):
    """A named list of concerns with unique ids and labels (may be empty: discovery only)."""

    id: str = "codebook"
    name: str = "Codebook"
    version: str = "1"
    concerns: tuple[Concern, ...] = ()
    background: tuple[str, ...] = Field(default=(), max_length=40)

    @field_validator("background")
    @classmethod
    def _background(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if any(not p.strip() for p in v):
            raise ValueError("a background phrasing cannot be empty")
        return v

    @model_validator(mode="after")
    def _unique(self) -> Codebook:
        for what in ("id", "label"):
            seen: set[str] = set()
            for c in self.concerns:
                key = getattr(c, what).casefold()
                if key in seen:
                    raise ValueError(f"two concerns have the {what} {getattr(c, what)!r}")
                seen.add(key)
        return self

    def with_concern(self, concern: Concern) -> Codebook:
        """A copy with ``concern`` added; a concern with the same id or label is refused
        (``ValueError``), never replaced (a fifth review: "Rota shifts" silently replaced the
        "Rota & shifts" added before it, both slugged to one id)."""
        return Codebook.model_validate({**self.model_dump(), "concerns": (*self.concerns, concern)})

    def free_id(self, label: str) -> str:
        """An id for a new concern named ``label``: ``c_<ascii words>``, numbered past the
        ids in use ("c_rota_shifts_2"); a label without a-z or 0-9 gives ``c_concern``."""
        slug = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_") or "concern"
        used = {c.id for c in self.concerns}
        base = f"c_{slug}"
        out, n = base, 2
        while out in used:
            out, n = f"{base}_{n}", n + 1
        return out

    def with_background(self, phrasings: list[str]) -> Codebook:
        """A copy with these background phrasings added (blank and known ones skipped)."""
        known = set(self.background)
        added = [p.strip() for p in phrasings if p.strip() and p.strip() not in known]
        background = (*self.background, *dict.fromkeys(added))
        return Codebook.model_validate({**self.model_dump(), "background": background})

    def renamed(self, concern_id: str, label: str) -> Codebook:
        """A copy with one concern's label changed."""
        concerns = tuple(
            c.model_copy(update={"label": label}) if c.id == concern_id else c
            for c in self.concerns
        )
        return Codebook.model_validate({**self.model_dump(), "concerns": concerns})


#: A theme number in a settings file: a fit has at most a few hundred themes, and an unbounded
#: number overflowed the pipeline's integer arrays (a fifth review: every page crashed).
ThemeId = Annotated[int, Field(ge=0, lt=10_000)]
ThemeName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]


class ThemeProject(ConfigModel):
    """A user's theme settings for one survey, kept as a file: codebook, granularity, edits.

    ``names`` (theme number -> name) and ``merges`` (theme -> theme it joins) refer to the
    themes of a fit with the same codebook and granularity, which are the same on every
    machine, so loading the file on the same export restores the same themes.
    """

    codebook: Codebook = Codebook()
    granularity: float = Field(default=0.0, ge=-2.0, le=2.0)
    names: dict[ThemeId, ThemeName] = Field(default_factory=dict)
    merges: dict[ThemeId, ThemeId] = Field(default_factory=dict)
    #: the automatic label of each edited theme when the file was saved: on another upload
    #: the same number can be another theme (a fifth review: a renamed "Job security" landed
    #: on "chatbot"), so an edit applies only where the label is the same
    labels: dict[ThemeId, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _edits(self) -> ThemeProject:
        seen: set[str] = set()
        for name in self.names.values():
            if name.casefold() in seen:
                raise ValueError(f"two themes are named {name!r}: merge them instead")
            seen.add(name.casefold())
        for theme in self.merges:
            seen, at = {theme}, theme
            while at in self.merges:
                at = self.merges[at]
                if at in seen:
                    raise ValueError(f"the merges of theme {theme} come back to it (a loop)")
                seen.add(at)
        return self


def load_project(source: str | Path) -> ThemeProject:
    """Theme settings from a YAML path or text; ``ConfigError`` lists every problem."""
    return load_yaml(ThemeProject, source, "theme settings file")


def dump_project(project: ThemeProject) -> str:
    """YAML text of theme settings that ``load_project`` reads back unchanged."""
    data = project.model_dump(mode="json")
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def load_codebook(source: str | Path) -> Codebook:
    """A codebook from a YAML path or YAML text; ``ConfigError`` lists every problem."""
    return load_yaml(Codebook, source, "codebook")


def default_codebook() -> Codebook:
    """The built-in AI change codebook (``surveys/codebook_ai_change.yaml``)."""
    return load_codebook(DEFAULT_CODEBOOK)


def dump_codebook(codebook: Codebook) -> str:
    """YAML text of a codebook that ``load_codebook`` reads back unchanged."""
    data = codebook.model_dump(mode="json")
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def named(concerns: Sequence[Concern], texts: Sequence[str]) -> np.ndarray:
    """Boolean (texts x concerns): whether each text uses a term of each concern; True for
    every text where a concern has no terms (nearness alone decides there). About 0.14 ms a
    40-word comment for the 15 built-in concerns."""
    out = np.ones((len(texts), len(concerns)), dtype=bool)
    normal = [unicodedata.normalize("NFC", t) for t in texts] if concerns else []
    for j, concern in enumerate(concerns):
        pattern = concern.pattern()
        if pattern is not None:
            out[:, j] = [pattern.search(t) is not None for t in normal]
    return out
