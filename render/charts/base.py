"""Pieces every chart builder shares: reading columns safely, the "nothing to draw" chart,
direction handling and the answer-scale colour ramp.

Conventions every builder in :mod:`render.charts` follows, so a reader learns them once:

* orange means worse, purple means better (the palette in :mod:`render.formats`, ColorBrewer
  PuOr, safe for the common colour-vision deficiencies); categories use Tableau 10;
* grey cells are hidden to protect confidentiality and carry no numbers in the chart data;
* every tooltip names the number of people (or comments) behind the mark;
* ``<name>_alt_text(data)`` summarises the chart in one to three sentences with the key figures,
  and the same sentence is set as the chart's Vega-Lite ``description`` (screen readers);
* empty or fully hidden input gives a chart that says so instead of an error.

No builder accepts comment text: charts show counts, shares, scores and theme labels only.
No Streamlit here: the app and the exported HTML reports draw the same charts.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping

import altair as alt
import numpy as np
import pandas as pd

from render.formats import BETTER, BETTER_LIGHT, NEUTRAL_ANSWER, WORSE, WORSE_LIGHT

AnyChart = alt.Chart | alt.LayerChart | alt.HConcatChart | alt.FacetChart

HIGHER_WORSE = "higher_worse"
FONT_SIZE_CELL = 11


def require(df: pd.DataFrame, columns: Iterable[str], chart: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(
            f"The {chart} chart needs the columns {', '.join(missing)}; "
            f"the table given has {', '.join(map(str, df.columns)) or 'no columns'}."
        )


def is_empty(df: pd.DataFrame | None) -> bool:
    return df is None or len(df) == 0


def message_chart(title: str, message: str) -> alt.Chart:
    """A chart that says why there is nothing to draw, so a page never shows a blank frame."""
    return (
        alt.Chart(pd.DataFrame({"message": [message]}), title=title, description=message)
        .mark_text(size=14, color="#444444")
        .encode(text=alt.Text("message:N"))
        .properties(width=420, height=60)
    )


def bool_column(df: pd.DataFrame, column: str) -> pd.Series:
    """A clean bool column: absent or missing counts as False."""
    if column not in df.columns:
        return pd.Series(False, index=df.index)
    return df[column].astype("boolean").fillna(False).astype(bool)


def str_column(df: pd.DataFrame, column: str, default: str = "") -> pd.Series:
    if column not in df.columns:
        return pd.Series(default, index=df.index, dtype=object)
    return df[column].astype(object).where(df[column].notna(), default).map(str)


def num_column(df: pd.DataFrame, column: str) -> pd.Series:
    if column not in df.columns:
        return pd.Series(np.nan, index=df.index, dtype=float)
    return pd.to_numeric(df[column], errors="coerce").astype(float)


def first_seen(values: pd.Series) -> list[str]:
    return list(dict.fromkeys(values.tolist()))


def reason_note(reasons: pd.Series) -> str:
    reasons = reasons[reasons.str.strip() != ""]
    return f" ({reasons.value_counts().index[0]})" if len(reasons) else ""


def construct_labels(df: pd.DataFrame) -> pd.Series:
    """Display label per row: the ``label`` column where present, else the construct id."""
    ids = str_column(df, "construct")
    if "label" not in df.columns:
        return ids
    labels = str_column(df, "label")
    return labels.where(labels.str.strip() != "", ids)


def directions_of(df: pd.DataFrame, directions: Mapping[str, str] | None) -> pd.Series:
    """Per row direction; an explicit mapping wins over a ``direction`` column."""
    out = str_column(df, "direction", "higher_better")
    if directions:
        mapped = str_column(df, "construct").map(directions)
        out = mapped.where(mapped.notna(), out)
    return out.map(lambda d: HIGHER_WORSE if d == HIGHER_WORSE else "higher_better")


def symmetric_extent(values: pd.Series, floor: float = 10.0) -> float:
    """Half-width of a diverging colour domain: centred on 0, rounded up to 5 points."""
    finite = values[np.isfinite(values)]
    biggest = float(finite.abs().max()) if len(finite) else 0.0
    return max(floor, float(np.ceil(biggest / 5.0) * 5.0))


def palette_at(position: float) -> str:
    """Colour for a relative answer position in [-1, 1] (PuOr anchors, neutral grey at 0)."""
    anchors = [
        (-1.0, WORSE),
        (-0.5, WORSE_LIGHT),
        (0.0, NEUTRAL_ANSWER),
        (0.5, BETTER_LIGHT),
        (1.0, BETTER),
    ]
    position = min(1.0, max(-1.0, position))
    for (x0, c0), (x1, c1) in itertools.pairwise(anchors):
        if x0 <= position <= x1:
            t = 0.0 if x1 == x0 else (position - x0) / (x1 - x0)
            rgb0 = [int(c0[i : i + 2], 16) for i in (1, 3, 5)]
            rgb1 = [int(c1[i : i + 2], 16) for i in (1, 3, 5)]
            mixed = [round(a + (b - a) * t) for a, b in zip(rgb0, rgb1, strict=True)]
            return "#" + "".join(f"{v:02x}" for v in mixed)
    return NEUTRAL_ANSWER


def shorten(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
