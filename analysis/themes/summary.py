"""Theme tables for people: size, sentiment, signals and group shares, with small groups hidden.

A group's share of a theme is shown only for groups with at least ``min_comments`` comments, so
nobody reads a few people's words off a small team.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from analysis.scoring.model import NO_ANSWER
from analysis.themes.model import ThemeModel

__all__ = ["merge_themes", "theme_group_shares", "theme_table"]


def resolved_merges(mapping: Mapping[int, int]) -> dict[int, int]:
    """Each merged theme's final theme, following chains: "A into B" then "B into C" puts A in
    C (a fifth review: A's comments stayed under B's name, alone). A merge into itself or into
    no theme (< 0) is ignored, and so is every merge of a chain that comes back on itself (a
    loop would swap two themes' comments, a sixth review)."""
    edges = {int(a): int(b) for a, b in mapping.items() if int(b) >= 0 and int(a) != int(b)}
    out = {}
    for start in edges:
        seen, at = {start}, start
        while at in edges:
            at = edges[at]
            if at in seen:
                break
            seen.add(at)
        else:
            out[start] = at
    return out


def merge_themes(labels: Sequence[int] | np.ndarray, mapping: Mapping[int, int]) -> np.ndarray:
    """Relabel themes the user merged: mapping old theme -> new theme, followed through chains
    (:func:`resolved_merges`); -1 stays -1."""
    labels = np.asarray(labels, dtype=int)
    out = labels.copy()
    for old, new in resolved_merges(mapping).items():
        out[labels == old] = new
    return out


def _theme_names(model: ThemeModel, labels: np.ndarray, names: Mapping[int, str] | None) -> dict:
    auto = dict(zip(model.themes_["theme"], model.themes_["label"], strict=True))
    out = {}
    for t in np.unique(labels[labels >= 0]):
        t = int(t)
        if names and t in names:
            out[t] = str(names[t])
        else:
            out[t] = auto.get(t, f"theme {t}")
    return out


def theme_table(
    model: ThemeModel,
    texts: Sequence[str],
    sentiment: Sequence[float] | np.ndarray | None = None,
    signals: pd.DataFrame | None = None,
    groups: pd.DataFrame | None = None,
    min_comments: int = 10,
    *,
    labels: Sequence[int] | np.ndarray | None = None,
    names: Mapping[int, str] | None = None,
) -> pd.DataFrame:
    """One row per theme: size, mean sentiment, signal shares and share of each visible group.

    `labels` overrides model.labels_ (after merge_themes); `names` overrides labels shown. A
    group's share column ("<column>: <value>" = share of that group's comments in the theme) is
    shown only for groups with >= min_comments comments; hidden groups are listed in
    result.attrs["hidden_groups"] so nobody reads a few people's words off a small team.
    """
    labels = np.asarray(model.labels_ if labels is None else labels, dtype=int)
    n = len(labels)
    if len(texts) != n:
        raise ValueError(
            "texts and theme labels differ in length: pass the texts the model was fit on."
        )
    names_by = _theme_names(model, labels, names)
    themes = sorted(names_by)
    table = pd.DataFrame({"theme": themes, "label": [names_by[t] for t in themes]})
    # Each comment's position in ``themes`` (every label >= 0 is one of them; -1: no theme), so
    # sizes and shares are counted in one pass each instead of one mask per theme.
    themed = labels >= 0
    pos = np.where(themed, np.searchsorted(themes, labels), -1)
    size = np.bincount(pos[themed], minlength=len(themes)).astype(int)
    kinds = getattr(model, "kinds_", {})
    table["kind"] = [kinds.get(t, "discovered") for t in themes]  # guided: a codebook concern
    table["size"] = size
    valid = max(int((labels >= 0).sum()), 1)
    table["share"] = size / valid
    if sentiment is not None:
        s = np.asarray(sentiment, dtype=float)
        table["mean_sentiment"] = [float(np.nanmean(s[labels == t])) for t in themes]
    if signals is not None:
        for col in signals.columns:
            if pd.api.types.is_bool_dtype(signals[col]):
                v = signals[col].to_numpy(dtype=bool)
                hits = np.bincount(pos[themed], weights=v[themed], minlength=len(themes))
                table[f"share_{col}"] = hits / size
    hidden: list[str] = []
    if groups is not None:
        long = theme_group_shares(labels, groups, min_comments)
        for (col, grp), part in long.groupby(["grouping", "group"], sort=True):
            name = f"{col}: {grp}"
            if part["hidden"].iloc[0]:
                hidden.append(name)
                continue
            shares = dict(zip(part["theme"], part["share"], strict=True))
            table[name] = [shares.get(t, 0.0) for t in themes]
    table.attrs["hidden_groups"] = hidden
    table.attrs["engine"] = getattr(model, "engine_", "lexical")
    return table


def theme_group_shares(
    labels: Sequence[int] | np.ndarray, groups: pd.DataFrame, min_comments: int = 10
) -> pd.DataFrame:
    """Long table: grouping, group, n_comments, theme, count, share, hidden.

    share = comments of the group in the theme / the group's comments with a theme. Rows of
    groups under min_comments carry hidden=True and NaN count and share.
    """
    labels = np.asarray(labels, dtype=int)
    if len(groups) != len(labels):
        raise ValueError("groups must have one row per comment, in the same order as the texts.")
    valid = labels >= 0
    themes = np.unique(labels[valid])
    # Counts per (group, theme) in one pass over integer codes.
    theme_code = np.searchsorted(themes, labels)
    rows = []
    for col in groups.columns:
        codes, uniques = _group_codes(groups[col])
        k = max(len(themes), 1)
        n_of = np.bincount(codes[valid], minlength=len(uniques))
        counts = np.bincount(
            codes[valid] * k + theme_code[valid], minlength=len(uniques) * k
        ).reshape(len(uniques), k)
        order = sorted(range(len(uniques)), key=lambda i: str(uniques[i]))
        for g in order:
            grp = str(uniques[g])
            n_g = int(n_of[g])
            hidden = n_g < min_comments
            for j, t in enumerate(themes):
                c = int(counts[g, j])
                rows.append(
                    {
                        "grouping": str(col),
                        "group": grp,
                        "n_comments": np.nan if hidden else n_g,
                        "theme": int(t),
                        "count": np.nan if hidden else c,
                        "share": np.nan if hidden else (c / n_g if n_g else 0.0),
                        "hidden": hidden,
                    }
                )
    return pd.DataFrame(
        rows, columns=["grouping", "group", "n_comments", "theme", "count", "share", "hidden"]
    )


def _group_codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each comment's group code and the groups present, as text (missing: "(no answer)").
    A categorical column is read from its codes: no string per comment."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        if values.isna().any():
            if NO_ANSWER not in values.cat.categories:
                values = values.cat.add_categories([NO_ANSWER])
            values = values.fillna(NO_ANSWER)
        values = values.cat.remove_unused_categories()
        names = np.array([str(c) for c in values.cat.categories], dtype=object)
        return values.cat.codes.to_numpy(dtype=np.intp), names
    if values.isna().any():
        values = values.astype(object).where(values.notna(), NO_ANSWER)
    return pd.factorize(values if values.dtype == "str" else values.astype(str))
