"""Comment evidence per group: aggregate tagged comments (:func:`group_comment_signals`),
decide which groups' comments may be used, and test training requests against the rest.

``comment_signals``: one row per group, as made by :func:`group_comment_signals`: the group's
columns (e.g. ``team``), ``n_comments``, ``rest_n_comments`` and, per signal in
:data:`COMMENT_SIGNALS`, ``<signal>`` (share of the group's comments, 0-1), ``<signal>_n``
(count) and ``rest_<signal>`` (share among all other comments), plus ``quotes``: a dict
signal -> list of already-redacted representative comments.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from analysis.hotspots.inputs import key_of
from analysis.hotspots.playbook import COMMENT_SIGNALS
from analysis.privacy import PrivacyPolicy, comment_visibility
from analysis.stats import benjamini_hochberg, two_proportion_test


def cohens_h(p1: float, p2: float) -> float:
    """Cohen's h, the effect size of a difference in proportions (read like d)."""
    return 2 * math.asin(math.sqrt(p1)) - 2 * math.asin(math.sqrt(p2))


def prepare_comments(
    comment_signals: pd.DataFrame | None,
    policy: PrivacyPolicy,
    sizes: Mapping[frozenset, int],
) -> dict[frozenset, dict[str, Any]]:
    """Comment evidence per group, keyed by group, for the groups whose comments may be shown.

    Visibility is privacy.comment_visibility, applied within each grouping with the group's
    visible size (0 when the group table hides it), so a group needs min_comments comments and
    a visible group of min_group respondents, and no lone hidden group can be inferred.
    """
    if comment_signals is None or len(comment_signals) == 0:
        return {}
    cs = comment_signals.reset_index(drop=True)
    if "n_comments" not in cs.columns:
        raise ValueError("comment_signals needs an n_comments column (see group_comment_signals).")
    gcols = [
        c
        for c in cs.columns
        if c not in {"grouping", "group", "n_comments", "rest_n_comments", "quotes"}
        and not any(c in (s, f"{s}_n", f"rest_{s}") for s in COMMENT_SIGNALS)
    ]
    records = cs.to_dict("records")
    keys = []
    for row in records:
        group = {c: str(row[c]) for c in gcols if not pd.isna(row[c])}
        if not group and "group" in row:
            group = {str(row.get("grouping", "group")): str(row["group"])}
        keys.append(group)
    n_comments = pd.to_numeric(cs["n_comments"], errors="coerce").fillna(0)
    partition = pd.Series([" ".join(sorted(g)) for g in keys], index=cs.index)
    visible = pd.Series(False, index=cs.index)
    totals: dict[str, dict[str, float]] = {}
    for part, idx in partition.groupby(partition).groups.items():
        sizes_here = pd.Series([sizes.get(key_of(keys[i]), 0) for i in idx], index=idx)
        visible.loc[idx] = comment_visibility(n_comments.loc[idx], policy, sizes_here)
        totals[str(part)] = {"n": float(n_comments.loc[idx].sum())}
        for s in COMMENT_SIGNALS:
            if s in cs.columns:
                counts = cs.loc[idx, f"{s}_n"] if f"{s}_n" in cs.columns else None
                if counts is None:
                    counts = cs.loc[idx, s] * n_comments.loc[idx]
                totals[str(part)][s] = float(pd.to_numeric(counts).sum())
    out: dict[frozenset, dict[str, Any]] = {}
    for i, row in enumerate(records):
        if not visible.iloc[i]:
            continue
        n_c = int(n_comments.iloc[i])
        tot = totals[partition.iloc[i]]
        rest_n = row.get("rest_n_comments")
        rest_n = float(rest_n) if rest_n is not None and pd.notna(rest_n) else tot["n"] - n_c
        signals = {}
        for s in COMMENT_SIGNALS:
            share = row.get(s)
            if share is None or pd.isna(share):
                continue
            count = row.get(f"{s}_n")
            count = float(count) if count is not None and pd.notna(count) else share * n_c
            rest_share = row.get(f"rest_{s}")
            if rest_share is None or pd.isna(rest_share):
                rest_share = (tot.get(s, 0.0) - count) / rest_n if rest_n > 0 else np.nan
            signals[s] = {
                "share": float(share),
                "count": round(count),
                "rest_share": float(rest_share),
                "rest_n": int(rest_n),
                "h": cohens_h(float(share), float(rest_share)) if pd.notna(rest_share) else np.nan,
            }
        quotes = row.get("quotes")
        out[key_of(keys[i])] = {
            "n_comments": n_c,
            "signals": signals,
            "quotes": dict(quotes) if isinstance(quotes, Mapping) else {},
        }
    return out


def comment_signal_tests(
    states: Mapping[Any, Any],
    fdr: float,
    min_d: float,
    min_share_diff: float,
    signal_types: Mapping[str, str],
) -> None:
    """Two-proportion tests of each signal in ``signal_types`` (signal -> flag type) vs the
    rest, one-sided (more comments with the signal), Benjamini–Hochberg within each grouping
    and signal (one signal: one family, as one construct is for scores). A signal that passes
    (q < ``fdr``, share above the rest by ``min_share_diff``, Cohen's h ≥ ``min_d``) is put in
    ``state.comment_flags[type]`` (the strongest by h when several of a type pass), so it can
    raise a flag of that type on its own."""
    by_family: dict[tuple[str, str], list[tuple[Any, dict[str, Any], float]]] = {}
    for state in states.values():
        for signal in signal_types:
            sig = (state.comments or {}).get("signals", {}).get(signal)
            if sig is None or not sig["rest_n"] > 0 or pd.isna(sig["rest_share"]):
                continue
            p = float(
                two_proportion_test(
                    sig["count"],
                    state.comments["n_comments"],
                    round(sig["rest_share"] * sig["rest_n"]),
                    sig["rest_n"],
                )
            )
            p_one = p / 2 if sig["share"] > sig["rest_share"] else 1 - p / 2
            by_family.setdefault((state.grouping, signal), []).append((state, sig, p_one))
    for (_, signal), tests in by_family.items():
        adjusted = benjamini_hochberg([p for _, _, p in tests])
        ftype = signal_types[signal]
        for (state, sig, p), q in zip(tests, adjusted, strict=True):
            sig["p"], sig["p_adj"] = p, float(q)
            passes = sig["share"] - sig["rest_share"] >= min_share_diff and sig["h"] >= min_d
            if q < fdr and passes:
                best = state.comment_flags.get(ftype)
                if best is None or sig["h"] > best["h"]:
                    state.comment_flags[ftype] = {**sig, "signal": signal}


def group_comment_signals(
    comments: pd.DataFrame,
    by: str | Sequence[str],
    *,
    quotes_per_signal: int = 3,
    text_col: str = "text",
    sentiment_col: str = "label",
    max_quote_chars: int = 280,
    quotable: np.ndarray | None = None,
) -> pd.DataFrame:
    """Aggregate tagged comments into the per-group evidence :func:`find_hotspots` reads.

    ``comments`` has one row per comment: the group columns in ``by``, ``text_col`` (already
    REDACTED: quotes are shown as they are), the boolean signal columns of signals.tag_texts
    (``displacement_fear``, ``training_request``, ``ai_distrust``, ``ai_mention``), optionally
    the sentiment label (``sentiment_col``, positive|neutral|negative) and ``is_filler``.
    A comment is negative about AI when it shows ``ai_distrust`` or mentions AI with a negative
    sentiment label. Every group is returned, small ones included: confidentiality is enforced
    by find_hotspots (comment threshold) and by the group table (minimum group size).
    Representative quotes are the longest comments with the signal up to ``max_quote_chars``,
    taken only from rows ``quotable`` allows (aligned with ``comments``; None: every row): a
    view may not show every comment's text (:mod:`analysis.pipeline.comment_cells`),
    and a quote is a text. The counts and shares still count every comment.
    """
    by = [by] if isinstance(by, str) else list(by)
    missing = [c for c in [*by, text_col] if c not in comments.columns]
    if missing:
        raise ValueError(f"The comments table lacks column(s) {', '.join(missing)}.")
    df = comments
    quote_ok = np.ones(len(df), dtype=bool) if quotable is None else np.asarray(quotable, bool)
    if len(quote_ok) != len(df):
        raise ValueError("quotable must have one entry per comment.")
    if "is_filler" in df.columns:
        filler = df["is_filler"].fillna(False).astype(bool).to_numpy()
        if filler.any():  # a view's analysed comments have none: no copy of the table
            df, quote_ok = df[~filler], quote_ok[~filler]
    flags = _evidence_flags(df, sentiment_col)
    texts = df[text_col].astype(str)
    total_n = len(df)
    total = {s: int(flags[s].sum()) for s in flags.columns}
    # Positions and plain arrays: a group's rows are taken by position, not looked up by label.
    # The texts stay in the column (a Python string per comment was 0.3 GB at a million
    # comments); only the few read as quotes become Python strings.
    text_arr = texts.array
    text_len = texts.str.len().to_numpy(dtype=np.int64)
    flag_arr = {s: flags[s].to_numpy(dtype=bool) for s in flags.columns}
    rows = []
    for values, pos in _group_positions(df, by):
        n_c = len(pos)
        row: dict[str, Any] = {
            "grouping": " × ".join(by),
            "group": " × ".join(values),
            **dict(zip(by, values, strict=True)),
            "n_comments": n_c,
            "rest_n_comments": total_n - n_c,
        }
        quotes = {}
        for s in flags.columns:
            hit = pos[flag_arr[s][pos]]
            count = len(hit)
            rest_n = total_n - n_c
            row[s] = count / n_c
            row[f"{s}_n"] = count
            row[f"rest_{s}"] = (total[s] - count) / rest_n if rest_n else np.nan
            short = hit[(text_len[hit] <= max_quote_chars) & quote_ok[hit]]
            # Longest first; equal lengths keep their order (a stable descending sort).
            order = short[np.argsort(-text_len[short], kind="stable")]
            quotes[s] = _first_distinct(text_arr, order, quotes_per_signal)
        row["quotes"] = quotes
        rows.append(row)
    return pd.DataFrame(rows)


def _evidence_flags(df: pd.DataFrame, sentiment_col: str) -> pd.DataFrame:
    """Per comment, the signals hot spots count: fear, training requests, and negative about
    AI (distrust, or a mention of AI with a negative sentiment label)."""
    flags = pd.DataFrame(index=df.index)
    for sig in ("displacement_fear", "training_request"):
        if sig in df.columns:
            flags[sig] = df[sig].fillna(False).astype(bool)
    if "ai_distrust" in df.columns or "ai_mention" in df.columns:
        neg = pd.Series(False, index=df.index)
        if "ai_distrust" in df.columns:
            neg |= df["ai_distrust"].fillna(False).astype(bool)
        if "ai_mention" in df.columns and sentiment_col in df.columns:
            neg |= df["ai_mention"].fillna(False).astype(bool) & _is_text(
                df[sentiment_col], "negative"
            )
        flags["ai_negative"] = neg
    return flags


def _is_text(values: pd.Series, text: str) -> pd.Series:
    """Which values read as ``text`` (as ``values.astype(str) == text``); a categorical is
    compared by its codes, not turned into a string per comment (0.04 s at 150,000)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        hit = np.array([str(c) == text for c in values.cat.categories] + [False])
        return pd.Series(hit[values.cat.codes.to_numpy()], index=values.index)
    return values.astype(str) == text


def _group_positions(df: pd.DataFrame, by: list[str]) -> list[tuple[tuple[str, ...], np.ndarray]]:
    """Each group's values as text and its row positions, in text order (as a sorted groupby
    of ``df[by].astype(str)``). Categorical columns are grouped as they are: turning every
    comment's team into a string took most of a regroup's comment evidence at 100,000.
    Categories that read alike (1 and "1") are one text group, so those go through the text."""
    as_codes = all(
        isinstance(df[c].dtype, pd.CategoricalDtype)
        and len({str(x) for x in df[c].cat.categories}) == len(df[c].cat.categories)
        for c in by
    )
    keys = df[by] if as_codes else df[by].astype(str)
    groups = keys.groupby(by if len(by) > 1 else by[0], observed=True, sort=False).indices
    out = [
        (tuple(str(x) for x in (v if isinstance(v, tuple) else (v,))), pos)
        for v, pos in groups.items()
    ]
    return sorted(out, key=lambda t: t[0])


def _first_distinct(texts: Sequence[Any], order: np.ndarray, k: int) -> list[str]:
    """The first ``k`` distinct texts in ``order`` (stops there: a signal may have thousands)."""
    out: list[str] = []
    for i in order:
        text = str(texts[i])
        if text not in out:
            out.append(text)
            if len(out) >= k:
                break
    return out
