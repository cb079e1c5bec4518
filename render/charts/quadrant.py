"""Trust in AI × fear of displacement: groups as points with their 95% intervals, placed in four
named corners by absolute cut-offs (50 by default, like :func:`analysis.hotspots.segments`).
A group whose interval crosses a cut-off is drawn grey ("uncertain"), as is one too small for a
label."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from render.charts import base as shared
from render.formats import BETTER, BETTER_LIGHT, WORSE, WORSE_LIGHT, plural

QUADRANT_COLUMNS = ("group", "trust", "fear", "n")
# (high trust, high fear) -> name; the same vocabulary as analysis.hotspots.segments
DEFAULT_CORNERS = {
    (True, False): "champions",
    (True, True): "anxious adopters",
    (False, True): "resisters",
    (False, False): "skeptics",
}
CORNER_COLOURS = {
    (False, True): WORSE,
    (True, True): WORSE_LIGHT,
    (False, False): BETTER_LIGHT,
    (True, False): BETTER,
}
QUADRANT_WIDTH = 620
QUADRANT_HEIGHT = 520
#: Quadrant values that are not corner names (from analysis.hotspots.segments).
NOT_PLACED = {"uncertain": "#9e9e9e", "too few to label": "#cfcfcf"}
INTERVALS = ("trust_low", "trust_high", "fear_low", "fear_high")
_EXTRA_COLOURS = ("#4e79a7", "#59a14f", "#b07aa1", "#9c755f", "#76b7b2")
_CORNER_WORDS = {
    (True, False): "high trust, low fear",
    (True, True): "high trust, high fear",
    (False, True): "low trust, high fear",
    (False, False): "low trust, low fear",
}


def _quadrant_frame(
    segments: pd.DataFrame, x_cut: float | None, y_cut: float | None
) -> tuple[pd.DataFrame, float, float, dict[tuple[bool, bool], str], int, str]:
    shared.require(segments, QUADRANT_COLUMNS, "quadrant")
    df = pd.DataFrame(
        {
            "group": shared.str_column(segments, "group"),
            "trust": shared.num_column(segments, "trust"),
            "fear": shared.num_column(segments, "fear"),
            "n": shared.num_column(segments, "n"),
            "quadrant": shared.str_column(segments, "quadrant"),
            **{c: shared.num_column(segments, c) for c in INTERVALS if c in segments.columns},
        }
    )
    hidden = shared.bool_column(segments, "suppressed") | df["trust"].isna() | df["fear"].isna()
    n_hidden = int(hidden.sum())
    reason = shared.reason_note(shared.str_column(segments, "suppressed_reason")[hidden])
    df = df[~hidden].reset_index(drop=True)
    x_cut = 50.0 if x_cut is None else float(x_cut)
    y_cut = 50.0 if y_cut is None else float(y_cut)
    df["corner"] = list(zip(df["trust"] >= x_cut, df["fear"] >= y_cut, strict=True))
    names = dict(DEFAULT_CORNERS)
    for corner, rows in df.groupby("corner", sort=False):
        given = rows["quadrant"][
            (rows["quadrant"].str.strip() != "") & ~rows["quadrant"].isin(NOT_PLACED)
        ]
        if len(given):
            names[corner] = given.value_counts().index[0]
    df["quadrant"] = [
        q if q.strip() else names[c] for q, c in zip(df["quadrant"], df["corner"], strict=True)
    ]
    return df.drop(columns="corner"), x_cut, y_cut, names, n_hidden, reason


def quadrant(
    segments: pd.DataFrame,
    *,
    x_cut: float | None = None,
    y_cut: float | None = None,
    title: str = "Trust in AI × fear of displacement",
) -> shared.AnyChart:
    """Groups placed by trust (x) and fear (y) with 95% interval bars when the table has them
    (``trust_low`` … ``fear_high``), point area = n, cut-off rules and corner names.

    Cut-offs default to 50 (the neutral answer); corner names come from the ``quadrant``
    column where the data has a group in that corner; uncertain and unlabelled groups are grey.
    """
    if shared.is_empty(segments):
        return shared.message_chart(title, "No groups to place.")
    df, x_cut, y_cut, names, n_hidden, reason = _quadrant_frame(segments, x_cut, y_cut)
    if df.empty:
        return shared.message_chart(title, f"Every group is hidden{reason}.")
    description = _quadrant_text(df, x_cut, y_cut, names, n_hidden, reason)
    colours = _colours(df, names)
    x_lo, x_hi = _zoom(df["trust"], x_cut)
    y_lo, y_hi = _zoom(df["fear"], y_cut)
    bars = _interval_bars(df, (x_lo, x_hi), (y_lo, y_hi))
    x_scale = alt.Scale(domain=[x_lo, x_hi], nice=False)
    y_scale = alt.Scale(domain=[y_lo, y_hi], nice=False)
    x_enc = alt.X("trust:Q", title="Trust in AI (0–100)", scale=x_scale)
    y_enc = alt.Y("fear:Q", title="Fear of displacement (0–100)", scale=y_scale)
    points = _points(df, x_enc, y_enc, colours)
    labelled = df[_unclashing_labels(df, (x_lo, x_hi), (y_lo, y_hi))]
    labels = (
        alt.Chart(labelled)
        .mark_text(align="left", dx=9, dy=-7, fontSize=12, color="#333333")
        .encode(x=x_enc, y=y_enc, text="group:N")
    )
    rules = alt.Chart(pd.DataFrame({"trust": [x_cut], "fear": [y_cut]}))
    vrule = rules.mark_rule(strokeDash=[4, 4], color="#555555").encode(x=x_enc)
    hrule = rules.mark_rule(strokeDash=[4, 4], color="#555555").encode(y=y_enc)
    corner_marks = _corner_marks(names, (x_lo, x_hi), (y_lo, y_hi), x_enc, y_enc)
    subtitle = (
        f"Dashed lines: cut-offs (trust {x_cut:.0f}, fear {y_cut:.0f}). Point area = n; "
        "bars: 95% intervals; grey: uncertain or too few to label."
    )
    if n_hidden:
        subtitle += f" {plural(n_hidden, 'group')} hidden{reason}."
    return alt.layer(
        vrule,
        hrule,
        *corner_marks,
        *bars,
        points,
        labels,
        title=alt.Title(title, subtitle=subtitle),
        description=description,
    ).properties(width=QUADRANT_WIDTH, height=QUADRANT_HEIGHT)


def _colours(df: pd.DataFrame, names: dict[str, str]) -> dict[str, str]:
    """Quadrant name -> colour: the corners, the not-placed states present, then any other."""
    colours = {names[c]: colour for c, colour in CORNER_COLOURS.items()}
    colours.update({k: v for k, v in NOT_PLACED.items() if k in set(df["quadrant"])})
    for extra in shared.first_seen(df["quadrant"]):
        if extra not in colours:
            colours[extra] = _EXTRA_COLOURS[len(colours) % len(_EXTRA_COLOURS)]
    return colours


def _points(df: pd.DataFrame, x_enc: alt.X, y_enc: alt.Y, colours: dict[str, str]) -> alt.Chart:
    """One circle per group: area = n, colour = quadrant, intervals in the tooltip."""
    return (
        alt.Chart(df)
        .mark_circle(opacity=0.75, stroke="#333333", strokeWidth=0.8)
        .encode(
            x=x_enc,
            y=y_enc,
            size=alt.Size("n:Q", title="n (people)", scale=alt.Scale(range=[80, 900])),
            color=alt.Color(
                "quadrant:N",
                title="Quadrant",
                scale=alt.Scale(domain=list(colours), range=list(colours.values())),
            ),
            tooltip=[
                alt.Tooltip("group:N", title="Group"),
                alt.Tooltip("trust:Q", title="Trust in AI", format=".0f"),
                alt.Tooltip("fear:Q", title="Fear of displacement", format=".0f"),
                alt.Tooltip("n:Q", title="n (people)", format=".0f"),
                alt.Tooltip("quadrant:N", title="Quadrant"),
                *[
                    alt.Tooltip(f"{c}:Q", title=c.replace("_", " ") + " (95%)", format=".0f")
                    for c in INTERVALS
                    if c in df.columns
                ],
            ],
        )
    )


def _corner_marks(
    names: dict[tuple[bool, bool], str],
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    x_enc: alt.X,
    y_enc: alt.Y,
) -> list[alt.Chart]:
    """Each corner's name in bold grey, tucked into that corner of the plot."""
    (x_lo, x_hi), (y_lo, y_hi) = x_range, y_range
    corners = pd.DataFrame(
        [
            {
                "trust": x_hi if hi_trust else x_lo,
                "fear": y_hi if hi_fear else y_lo,
                "name": names[(hi_trust, hi_fear)],
                "align": "right" if hi_trust else "left",
                "baseline": "top" if hi_fear else "bottom",
            }
            for hi_trust, hi_fear in DEFAULT_CORNERS
        ]
    )
    return [
        alt.Chart(corners[corners["align"].eq(a) & corners["baseline"].eq(b)])
        .mark_text(
            align=a,
            baseline=b,
            dx=6 if a == "left" else -6,
            dy=6 if b == "top" else -6,
            fontSize=12,
            fontWeight="bold",
            color="#666666",
        )
        .encode(x=x_enc, y=y_enc, text="name:N")
        for a in ("left", "right")
        for b in ("top", "bottom")
    ]


def _interval_bars(
    df: pd.DataFrame, x_range: tuple[float, float], y_range: tuple[float, float]
) -> list[alt.Chart]:
    """Horizontal (trust) and vertical (fear) 95% interval bars, clipped to the axes."""
    if not set(INTERVALS) <= set(df.columns) or df[list(INTERVALS)].isna().all().all():
        return []
    data = df.assign(
        trust_low=df["trust_low"].clip(*x_range),
        trust_high=df["trust_high"].clip(*x_range),
        fear_low=df["fear_low"].clip(*y_range),
        fear_high=df["fear_high"].clip(*y_range),
    )
    x_scale = alt.Scale(domain=list(x_range), nice=False)
    y_scale = alt.Scale(domain=list(y_range), nice=False)
    base = alt.Chart(data).mark_rule(color="#777777", strokeWidth=1.2, opacity=0.8)
    horizontal = base.encode(
        x=alt.X("trust_low:Q", scale=x_scale), x2="trust_high:Q", y=alt.Y("fear:Q", scale=y_scale)
    )
    vertical = base.encode(
        y=alt.Y("fear_low:Q", scale=y_scale), y2="fear_high:Q", x=alt.X("trust:Q", scale=x_scale)
    )
    return [horizontal, vertical]


def _unclashing_labels(
    df: pd.DataFrame, x_range: tuple[float, float], y_range: tuple[float, float]
) -> pd.Series:
    """Which groups get a name beside their point: largest n first, skipping any name whose
    box would overlap a name already placed or another group's point (the tooltip still
    names every point)."""
    sx = QUADRANT_WIDTH / (x_range[1] - x_range[0])
    sy = QUADRANT_HEIGHT / (y_range[1] - y_range[0])
    n = df["n"].fillna(0)
    area = 80 + (900 - 80) * n / max(float(n.max()), 1.0)  # the size scale's range, in px²
    radius = np.sqrt(area / np.pi)
    xs = (df["trust"] - x_range[0]) * sx
    ys = (y_range[1] - df["fear"]) * sy
    dots = {
        i: (x - r, y - r, x + r, y + r) for i, x, y, r in zip(df.index, xs, ys, radius, strict=True)
    }

    def clear(box: tuple[float, ...], others: list[tuple[float, ...]]) -> bool:
        return all(
            box[2] <= b[0] or b[2] <= box[0] or box[3] <= b[1] or b[3] <= box[1] for b in others
        )

    placed: list[tuple[float, float, float, float]] = []
    keep = pd.Series(False, index=df.index)
    for idx in n.sort_values(ascending=False, kind="stable").index:
        px, py = xs[idx] + 9, ys[idx] - 18
        box = (px, py, px + 6.5 * len(str(df.loc[idx, "group"])), py + 14)
        if clear(box, placed) and clear(box, [d for i, d in dots.items() if i != idx]):
            placed.append(box)
            keep[idx] = True
    return keep


def _zoom(values: pd.Series, cut: float, pad: float = 5.0) -> tuple[float, float]:
    """Axis range around the groups and the cut-off, on a 10-point grid within 0-100.

    Group scores cluster in the middle of the scale; a fixed 0-100 axis piles the bubbles on
    top of each other.
    """
    lo = max(0.0, np.floor((min(values.min(), cut) - pad) / 10) * 10)
    hi = min(100.0, np.ceil((max(values.max(), cut) + pad) / 10) * 10)
    if hi - lo < 20:
        lo, hi = max(0.0, lo - 10), min(100.0, hi + 10)
    return float(lo), float(hi)


def _quadrant_text(
    df: pd.DataFrame,
    x_cut: float,
    y_cut: float,
    names: dict[tuple[bool, bool], str],
    n_hidden: int,
    reason: str,
) -> str:
    text = (
        f"Trust × fear scatter of {plural(len(df), 'group')}; cut-offs trust {x_cut:.0f}, "
        f"fear {y_cut:.0f}."
    )
    risk = df[(df["trust"] < x_cut) & (df["fear"] >= y_cut)].sort_values("n", ascending=False)
    corner = (False, True)
    if len(risk):
        listed = ", ".join(
            f"{g} (n={n:.0f})" for g, n in zip(risk["group"], risk["n"], strict=True)
        )
        text += (
            f" {plural(len(risk), 'group')} in '{names[corner]}' ({_CORNER_WORDS[corner]}): "
            f"{listed}."
        )
    else:
        text += f" No group in '{names[corner]}' ({_CORNER_WORDS[corner]})."
    if n_hidden:
        text += f" {plural(n_hidden, 'group')} hidden{reason}."
    return text


def quadrant_alt_text(
    segments: pd.DataFrame, *, x_cut: float | None = None, y_cut: float | None = None
) -> str:
    """Cut-offs, the groups in the low-trust/high-fear corner with n, and how many are hidden."""
    if shared.is_empty(segments):
        return "No groups to place."
    df, x_cut, y_cut, names, n_hidden, reason = _quadrant_frame(segments, x_cut, y_cut)
    if df.empty:
        return f"Every group is hidden{reason}."
    return _quadrant_text(df, x_cut, y_cut, names, n_hidden, reason)
