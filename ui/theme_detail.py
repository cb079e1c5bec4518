"""Sub-themes, secondary themes and quotes of the comment themes, for the Comments page and the
comments download (issues 15 and 23).

The theme model fits on the distinct analysed comment texts, so its per-comment outputs
(``sublabels_``, ``secondary_``, ``representatives_``) are a function of the redacted text. The
Results hand the app only the comments a viewer may read (``Results.comments``, redacted, after
the privacy rules); everything here is looked up from those rows by their text, so no quote, sub-
theme or secondary theme of a hidden group ever reaches the page.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np
import pandas as pd

from analysis.pipeline import Prepared, Results
from analysis.themes import merge_themes

SUB = "sub_theme"
SECONDARY = "secondary_theme"
MAX_QUOTES = 3


def _fitted_texts(prep: Prepared) -> list[str]:
    """The texts the theme model was fitted on, in its row order (the analysed comments)."""
    comments = prep.comments
    if not len(comments) or "analysed" not in comments.columns:
        return []
    analysed = comments["analysed"].to_numpy(dtype=bool)
    return comments.loc[analysed, "redacted"].astype(str).tolist()


def _per_text(prep: Prepared, merges: Mapping[int, int]) -> pd.DataFrame:
    """text -> primary theme, sub-theme id and secondary theme (merged as the user merged)."""
    model = prep.theme_model
    texts = _fitted_texts(prep)
    n = len(texts)
    labels = np.asarray(getattr(model, "labels_", []), dtype=int)
    if model is None or n == 0 or len(labels) != n:
        return pd.DataFrame(columns=["theme", "sub", "secondary"])
    sub = np.asarray(getattr(model, "sublabels_", np.full(n, -1)), dtype=int)
    sec = np.asarray(getattr(model, "secondary_", np.full(n, -1)), dtype=int)
    if len(sub) != n:
        sub = np.full(n, -1)
    if len(sec) != n:
        sec = np.full(n, -1)
    theme = merge_themes(labels, merges)
    sec = np.where(sec >= 0, merge_themes(sec, merges), -1)
    sec = np.where(sec == theme, -1, sec)  # merged into its own primary theme: no second one
    table = pd.DataFrame({"text": texts, "theme": theme, "sub": sub, "secondary": sec})
    return table.drop_duplicates("text").set_index("text")


def _sub_labels(prep: Prepared) -> dict[int, str]:
    subs = getattr(prep.theme_model, "subthemes_", None)
    if subs is None or not len(subs) or not {"subtheme", "label"} <= set(subs.columns):
        return {}
    return dict(zip(subs["subtheme"].astype(int), subs["label"].astype(str), strict=True))


def with_sub_and_secondary(
    prep: Prepared,
    comments: pd.DataFrame,
    theme_labels: Mapping[int, str],
    merges: Mapping[int, int],
) -> pd.DataFrame:
    """``comments`` (Results.comments) plus ``sub_theme`` and ``secondary_theme`` labels ("" when
    a comment has none). ``theme_labels`` are the names shown (after renames and merges)."""
    out = comments.copy()
    if not len(out) or "text" not in out.columns:
        return out.assign(**{SUB: pd.Series(dtype=str), SECONDARY: pd.Series(dtype=str)})
    per_text = _per_text(prep, merges)
    subs = _sub_labels(prep)
    sub_id = out["text"].astype(str).map(per_text["sub"]) if len(per_text) else None
    sec_id = out["text"].astype(str).map(per_text["secondary"]) if len(per_text) else None
    if sub_id is None:
        return out.assign(**{SUB: "", SECONDARY: ""})
    out[SUB] = sub_id.map(lambda s: subs.get(int(s), "") if pd.notna(s) else "").fillna("")
    out[SECONDARY] = sec_id.map(
        lambda t: theme_labels.get(int(t), "") if pd.notna(t) and t >= 0 else ""
    ).fillna("")
    return out


def sub_theme_table(coded: pd.DataFrame, theme: int) -> pd.DataFrame:
    """Sub-theme, comments (n) and share of the theme, over the comments shown."""
    rows = coded[(coded["theme"].astype(int) == int(theme)) & (coded[SUB] != "")]
    if not len(rows):
        return pd.DataFrame(columns=["Sub-theme", "Comments (n)", "Share of the theme"])
    in_theme = int((coded["theme"].astype(int) == int(theme)).sum())
    counts = rows[SUB].value_counts()
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
    counts = coded.loc[coded[SECONDARY] != "", SECONDARY].value_counts()
    return {label: int(counts.get(label, 0)) for label in theme_labels.values()}


def quotes(prep: Prepared, coded: pd.DataFrame, theme: int, merges: Mapping[int, int]) -> list[str]:
    """Up to three quotes of a theme: the model's representative ones (central and different
    from each other) that the viewer may read, topped up with other shown comments."""
    shown = coded.loc[coded["theme"].astype(int) == int(theme), "text"].astype(str)
    visible = set(shown)
    texts = _fitted_texts(prep)
    reps: list[int] = []
    for source, into in [(theme, theme), *((s, d) for s, d in merges.items())]:
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


def results_with_detail(prep: Prepared, res: Results, merges: Mapping[int, int]) -> Results:
    """The Results with the sub-theme and secondary theme of each shown comment, for the
    comments download (the same rows, two more columns)."""
    names = dict(zip(res.themes["theme"].astype(int), res.themes["label"].astype(str), strict=True))
    coded = with_sub_and_secondary(prep, res.comments, names, merges)
    return dataclasses.replace(res, comments=coded)
