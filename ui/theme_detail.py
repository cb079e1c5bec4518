"""Sub-themes, secondary themes and quotes of the comment themes, for the Comments page
(issues 15 and 23).

Each shown comment's sub-theme and second theme come with it in ``Results.comments`` (after the
privacy rules and the user's merges). Quotes: the theme model's representatives are indexed by
the texts it was fitted on (the redacted analysed comments), so they are looked up among the
rows a viewer may read, and no quote of a hidden group ever reaches the page.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from analysis.pipeline import Prepared
from analysis.themes import resolved_merges

#: Results.comments columns: the sub-theme and the second theme of each shown comment
SUB = "sub_theme_label"
SECONDARY = "secondary_theme_label"
MAX_QUOTES = 3


def _fitted_texts(prep: Prepared) -> list[str]:
    """The texts the theme model was fitted on, in its row order (the analysed comments)."""
    comments = prep.comments
    if not len(comments) or "analysed" not in comments.columns:
        return []
    analysed = comments["analysed"].to_numpy(dtype=bool)
    return comments.loc[analysed, "redacted"].astype(str).tolist()


def sub_theme_table(coded: pd.DataFrame, theme: int) -> pd.DataFrame:
    """Sub-theme, comments (n) and share of the theme, over the comments shown."""
    rows = coded[(coded["theme"].astype(int) == int(theme)) & (coded[SUB] != "")]
    if not len(rows):
        return pd.DataFrame(columns=["Sub-theme", "Comments (n)", "Share of the theme"])
    in_theme = int((coded["theme"].astype(int) == int(theme)).sum())
    counts = rows[SUB].astype(str).value_counts()  # a categorical would count every category
    return pd.DataFrame(
        {
            "Sub-theme": counts.index.astype(str),
            "Comments (n)": counts.to_numpy(dtype=int),
            "Share of the theme": counts.to_numpy(dtype=float) / max(in_theme, 1) * 100,
        }
    )


def secondary_counts(coded: pd.DataFrame, theme_labels: Mapping[int, str]) -> dict[str, int]:
    """Theme label -> how many shown comments raise it as their *second* concern."""
    if not len(coded) or SECONDARY not in coded.columns:
        return {}
    counts = coded.loc[coded[SECONDARY] != "", SECONDARY].astype(str).value_counts()
    return {label: int(counts.get(label, 0)) for label in theme_labels.values()}


def quotes(prep: Prepared, coded: pd.DataFrame, theme: int, merges: Mapping[int, int]) -> list[str]:
    """Up to three quotes of a theme: the model's representative ones (central and different
    from each other) that the viewer may read, topped up with other shown comments."""
    shown = coded.loc[coded["theme"].astype(int) == int(theme), "text"].astype(str)
    visible = set(shown)
    texts = _fitted_texts(prep)
    reps: list[int] = []
    for source, into in [(theme, theme), *resolved_merges(merges).items()]:
        if int(into) == int(theme):
            reps.extend(getattr(prep.theme_model, "representatives_", {}).get(int(source), []))
    picked: list[str] = []
    for i in reps:
        if 0 <= int(i) < len(texts) and texts[int(i)] in visible and texts[int(i)] not in picked:
            picked.append(texts[int(i)])
    for text in shown:
        if len(picked) >= MAX_QUOTES:
            break
        if text not in picked:
            picked.append(text)
    return picked[:MAX_QUOTES]
