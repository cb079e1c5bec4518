"""A user's theme settings (codebook, granularity, renames, merges) applied to an analysis:
one path for the app's settings file and the CLI's ``--theme-settings``."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from analysis.pipeline.model import Prepared
from analysis.themes import ThemeModel, ThemeProject


@dataclass(frozen=True)
class Edits:
    """The renames and merges that apply to a fit, and how many of the file's did not."""

    names: dict[int, str]
    merges: dict[int, int]
    skipped: int


def refit_themes(prep: Prepared, **params: object) -> Prepared:
    """The prepared analysis with its themes refitted (granularity, codebook); no re-embedding."""
    comments = prep.comments
    analysed = comments["analysed"].to_numpy(dtype=bool)
    model = prep.theme_model.refit(comments.loc[analysed, "redacted"].tolist(), **params)
    comments = comments.copy()
    comments.loc[analysed, "theme"] = np.asarray(model.labels_, dtype=int)
    return dataclasses.replace(prep, comments=comments, theme_model=model)


def edits_for(model: ThemeModel | None, project: ThemeProject) -> Edits:
    """The file's renames and merges, each only where its theme is the one it was made for:
    the same automatic label as when the file was saved (a file without labels: any theme of
    that number). A fifth review saw a file saved on one upload rename "chatbot" on another."""
    auto = (
        dict(zip(model.themes_["theme"], model.themes_["label"], strict=True))
        if model is not None
        else {}
    )

    def same(t: int) -> bool:
        return t in auto and (t not in project.labels or project.labels[t] == auto[t])

    # a name another theme has here would make two themes of one name (their counts were
    # then read as one's, a sixth review): skipped
    names: dict[int, str] = {}
    taken = {str(label).casefold(): t for t, label in auto.items()}
    for t, n in project.names.items():
        clash = taken.get(n.casefold(), t) != t or n.casefold() in {
            x.casefold() for x in names.values()
        }
        if same(t) and not clash:
            names[t] = n
    merges = {t: d for t, d in project.merges.items() if same(t) and same(d)}
    skipped = len(project.names) - len(names) + len(project.merges) - len(merges)
    return Edits(names, merges, skipped)


def with_settings(prep: Prepared, project: ThemeProject) -> tuple[Prepared, Edits]:
    """``prep`` refitted with the file's codebook and granularity, and the edits that apply."""
    if prep.theme_model is None:
        return prep, Edits({}, {}, len(project.names) + len(project.merges))
    refitted = refit_themes(prep, codebook=project.codebook, granularity=float(project.granularity))
    return refitted, edits_for(refitted.theme_model, project)
