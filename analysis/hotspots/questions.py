"""Actions chosen by question: a flag's playbook actions that answer the questions where the
group is weakest come first (issue 19, "item-level impact to choose actions").

A playbook action may list ``addresses``: words of question wording it answers ("accura",
"error", "replace"...). For each group flag, the questions of its flagged measures that the
item screen calls clearly lower than the rest (``Results.item_gaps`` state ``flag``, largest gap
first), or else each measure's weakest question, pick the actions whose words appear in them;
those actions lead the list and say which question they answer and why. The rest keep their
order, and the list keeps its length. Only cells the protected item table shows are read, so
nothing here reveals a hidden question.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import pandas as pd

from analysis.hotspots.flag import Flag


def _questions(flag: Flag, gaps: pd.DataFrame) -> list[tuple[str, str, str]]:
    """(construct, question, why) for the flag's group, the clearest problems first."""
    mine = gaps[
        (gaps["grouping"] == flag.grouping)
        & (gaps["group"] == flag.group_label)
        & gaps["construct"].isin(flag.constructs)
    ]
    lower = mine[mine["state"] == "flag"].sort_values("gap", ascending=False, kind="stable")
    if len(lower):
        return [
            (str(r["construct"]), str(r["question"]), f"{r['gap']:.0f} points below the rest")
            for _, r in lower.iterrows()
        ]
    weakest = mine[mine["weakest"].astype(bool)]
    return [
        (str(r["construct"]), str(r["question"]), "the group's weakest question on this measure")
        for _, r in weakest.iterrows()
    ]


def _answers(action: dict[str, Any], question: str) -> bool:
    words = action.get("addresses") or ()
    text = question.casefold()
    return any(str(w).casefold() in text for w in words)


def statement(question: str) -> str:
    """A matrix question's own statement ("How much do you agree...? - X" -> "X"); any other
    question as it is."""
    stem, sep, own = question.partition(" - ")
    return own.strip() if sep and stem.rstrip().endswith(("?", ":")) and own.strip() else question


def by_question(flags: Sequence[Flag], item_gaps: pd.DataFrame, playbook: dict) -> list[Flag]:
    """The flags with each group flag's actions re-ordered by the questions behind it (see the
    module docstring); an action chosen this way gains ``question`` and ``why``."""
    if item_gaps is None or not len(item_gaps):
        return list(flags)
    out = []
    for flag in flags:
        if flag.scope != "group" or not flag.constructs:
            out.append(flag)
            continue
        concept_of = {e["construct"]: e.get("concept") for e in flag.evidence}
        first: list[dict[str, Any]] = []
        for construct, question, why in _questions(flag, item_gaps):
            spec = playbook["concepts"].get(concept_of.get(construct) or "", {})
            for action in spec.get("actions", []):
                taken = {a["title"] for a in first}
                if action["title"] not in taken and _answers(action, question):
                    shown = {k: v for k, v in action.items() if k != "addresses"}
                    first.append(
                        {**shown, "concept": concept_of[construct],
                         "question": statement(question), "why": why}
                    )  # fmt: skip
        if not first:
            out.append(flag)
            continue
        titles = {a["title"] for a in first}
        rest = [a for a in flag.actions if a["title"] not in titles]
        actions = (first + rest)[: max(len(flag.actions), len(first))]
        out.append(dataclasses.replace(flag, actions=actions))
    return out
