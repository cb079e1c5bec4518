"""Key drivers: relative importance (share of explained variance) with intervals.

They are associations within one survey, not causes, and the chart says so; outcomes whose
R² is not significant (or whose sample is too small) have no shares, and the chart gives the
analysis's note instead of bars."""

from __future__ import annotations

import altair as alt
import pandas as pd

from render.charts import base as shared
from render.formats import BETTER_LIGHT, percent

DRIVER_COLUMNS = ("outcome", "driver", "share", "ci_low", "ci_high", "n")


def _drivers_frame(drivers: pd.DataFrame) -> pd.DataFrame:
    shared.require(drivers, DRIVER_COLUMNS, "drivers")
    df = pd.DataFrame(
        {
            "outcome": shared.str_column(drivers, "outcome"),
            "driver": shared.str_column(drivers, "driver"),
            "share": shared.num_column(drivers, "share"),
            "ci_low": shared.num_column(drivers, "ci_low"),
            "ci_high": shared.num_column(drivers, "ci_high"),
            "n": shared.num_column(drivers, "n"),
        }
    )
    if "label" in drivers.columns:
        labels = shared.str_column(drivers, "label")
        df["driver"] = labels.where(labels.str.strip() != "", df["driver"])
    df = df[df["share"].notna()]
    return df.sort_values(["outcome", "share"], ascending=[True, False], kind="stable")


def drivers_bar(
    drivers: pd.DataFrame, *, title: str = "What goes with the outcome (associations)"
) -> shared.AnyChart:
    """Relative importance (share of explained variance) with 95% bootstrap intervals."""
    if shared.is_empty(drivers):
        return shared.message_chart(title, "No driver analysis to show.")
    df = _drivers_frame(drivers)
    if df.empty:
        notes = shared.str_column(drivers, "note") if "note" in drivers.columns else None
        given = [t for t in (notes if notes is not None else []) if t.strip()]
        return shared.message_chart(title, given[0] if given else "No driver analysis to show.")
    description = _drivers_text(df)
    mean_share = df.groupby("driver", sort=False)["share"].mean()
    order = mean_share.sort_values(ascending=False, kind="stable").index.tolist()
    base = alt.Chart().encode(
        y=alt.Y("driver:N", sort=order, title=None, axis=alt.Axis(labelLimit=240))
    )
    tooltip = [
        alt.Tooltip("outcome:N", title="Outcome"),
        alt.Tooltip("driver:N", title="Driver"),
        alt.Tooltip("share:Q", title="Share of explained variance", format=".0%"),
        alt.Tooltip("ci_low:Q", title="95% CI low", format=".0%"),
        alt.Tooltip("ci_high:Q", title="95% CI high", format=".0%"),
        alt.Tooltip("n:Q", title="n (people)", format=".0f"),
    ]
    bars = base.mark_bar(color=BETTER_LIGHT).encode(
        x=alt.X(
            "share:Q",
            title="Share of explained variance (95% CI)",
            axis=alt.Axis(format="%"),
        ),
        tooltip=tooltip,
    )
    errors = base.mark_errorbar(ticks=True, color="#222222").encode(
        x=alt.X("ci_low:Q", title="Share of explained variance (95% CI)"),
        x2="ci_high:Q",
        tooltip=tooltip,
    )
    layered = alt.layer(bars, errors).properties(width=380, height=alt.Step(24))
    outcomes = df["outcome"].unique()
    if len(outcomes) == 1:
        return alt.layer(
            bars,
            errors,
            data=df,
            title=alt.Title(
                title,
                subtitle=f"Outcome: {outcomes[0]}; bars = 95% intervals. Associations in this "
                "survey, not proof of cause.",
            ),
            description=description,
        ).properties(width=380, height=alt.Step(24))
    return layered.facet(
        data=df,
        row=alt.Row("outcome:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left")),
        title=alt.Title(
            title, subtitle="Black bars: 95% intervals. Associations, not proof of cause."
        ),
        description=description,
    ).resolve_scale(y="independent")


def _drivers_text(df: pd.DataFrame) -> str:
    parts = []
    for outcome, rows in df.groupby("outcome", sort=False):
        top = rows.head(3)
        first = top.iloc[0]
        n = rows["n"].max()
        n_text = f" (n={n:.0f})" if pd.notna(n) else ""
        ci = (
            f", 95% CI {percent(first['ci_low'])}–{percent(first['ci_high'])}"
            if pd.notna(first["ci_low"]) and pd.notna(first["ci_high"])
            else ""
        )
        rest = ", ".join(
            f"{d} {percent(s)}" for d, s in zip(top["driver"][1:], top["share"][1:], strict=True)
        )
        sentence = (
            f"Key drivers of {outcome}{n_text}: {first['driver']} explains "
            f"{percent(first['share'])} of the explained variance{ci}"
        )
        parts.append(sentence + (f"; then {rest}." if rest else "."))
    return " ".join(parts[:3])


def drivers_bar_alt_text(drivers: pd.DataFrame) -> str:
    """Top drivers per outcome with their share and interval."""
    if shared.is_empty(drivers):
        return "No driver analysis to show."
    df = _drivers_frame(drivers)
    return _drivers_text(df) if len(df) else "No driver analysis to show."
