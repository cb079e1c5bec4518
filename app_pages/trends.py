"""Trends: load later waves, confirm matched questions and renamed teams, see what moved."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from analysis import waves
from analysis.privacy import PrivacyError
from render.charts import trend as trend_charts
from render.charts.grid import change_heatmap, change_heatmap_alt_text
from render.csv import table_csv
from render.formats import P_PRINTF
from sample_data import SAMPLE_DIR
from ui import charts, second_wave, state, trend_rules, views

SAMPLE_WAVE2 = SAMPLE_DIR / "wave2_qualtrics.csv"
OLD, NEW = "Team in an earlier wave", "Same team now"

st.title("Trends")
views.require_right("upload", "Trends are prepared by HR administrators, who load the waves.")
prep = state.prepared()
ds = state.dataset()
if prep is None or ds is None:
    st.info("Load a survey export on the Load page first; it becomes the first wave.")
    st.stop()
st.caption(
    "Compare this survey with later waves of the same survey: which teams moved, and did "
    "trust in AI and fear of job displacement change? Groups under the minimum size in either "
    "wave show no change."
)


def _load(data: bytes, filename: str) -> None:
    key = trend_rules.wave_key(data)
    if key in state.extra_waves(ds.key):
        return
    n = len(state.extra_waves(ds.key)) + 2
    wave = second_wave.load(data, filename, f"Wave {n}", prep)
    if wave is not None:
        state.add_wave(ds.key, key, wave)


# --------------------------------------------------------------------------- waves

st.subheader("Waves")
upload, use_sample = second_wave.picker(
    "Add a later wave (same survey)",
    "Add waves oldest first. Each is scored with the same survey as the first wave.",
    "Use sample wave 2",
    "The generated September 2025 wave (not real).",
)
if upload is not None:
    _load(upload.getvalue(), upload.name)
if use_sample:
    _load(SAMPLE_WAVE2.read_bytes(), SAMPLE_WAVE2.name)

extra = state.extra_waves(ds.key)
state.wave_label("base", "Wave 1")
cols = st.columns(1 + len(extra))
with cols[0]:
    st.text_input(
        "Label of the first wave", key=state.wave_label_key("base"), help=views.dataset_label(ds)
    )
    st.caption(f"{len(prep.scored.groups):,} responses")
for col, (key, wave) in zip(cols[1:], list(extra.items()), strict=True):
    with col:
        state.wave_label(key, wave.label)
        st.text_input(f"Label of {wave.prepared.source_name}", key=state.wave_label_key(key))
        st.caption(f"{wave.n:,} responses")
        if st.button("Remove", key=state.StateKeys.WAVE_REMOVE_PREFIX + key):
            state.remove_wave(ds.key, key)
            st.rerun()

if not extra:
    st.info("Add a second wave (upload it, or use the sample wave 2) to see trends.")
    st.stop()

base = waves.Wave(label=state.wave_label("base", "Wave 1"), date=None, prepared=prep)
later = [
    waves.Wave(label=state.wave_label(k, w.label), date=w.date, prepared=w.prepared)
    for k, w in extra.items()
]

# --------------------------------------------------------------------------- questions

drop_base: set[str] = set()
drops: list[set[str]] = []
with st.expander("Matched questions: confirm they are the same", icon=":material/rule:"):
    st.caption(
        "Each question of a later wave is matched to the first wave by its export tag, its "
        "question text, or the survey item it answers. Untick a match that is not the same "
        "question: both are then left out of the comparison."
    )
    for key, wave in zip(extra, later, strict=True):
        m = waves.match_items(
            prep.export, prep.colmap, wave.prepared.export, wave.prepared.colmap, prep.survey
        )
        m.insert(0, "same", m["matched_by"] != "none")
        st.text(f"{base.label} → {wave.label}")
        edited = st.data_editor(
            m[["same", "item_a", "item_b", "matched_by", "confidence", "question_b"]],
            key=state.StateKeys.WAVE_MATCH_PREFIX + key,
            hide_index=True,
            disabled=["item_a", "item_b", "matched_by", "confidence", "question_b"],
            column_config={
                "same": st.column_config.CheckboxColumn("Same question"),
                "item_a": "First wave",
                "item_b": "This wave",
                "matched_by": "Matched by",
                "confidence": st.column_config.NumberColumn("Confidence", format="%.2f"),
                "question_b": "Question (this wave)",
            },
        )
        rejected = m[~edited["same"].astype(bool).to_numpy() & (m["matched_by"] != "none")]
        drop_base |= set(rejected["item_a"].dropna().astype(str))
        drops.append(set(rejected["item_b"].dropna().astype(str)))

all_waves = [waves.restrict_items(base, drop_base)]
all_waves += [waves.restrict_items(w, d) for w, d in zip(later, drops, strict=True)]

# --------------------------------------------------------------------------- renamed teams

team_col = prep.colmap.team
if team_col:
    with st.expander("Renamed or merged teams", icon=":material/merge:"):
        st.caption(
            "Write the team's current name next to its old name (several old teams may share "
            "one new name). Leave blank to keep a team as it is."
        )
        saved = state.team_map(ds.key)
        rows = trend_rules.renamed_team_candidates(
            [w.prepared for w in [base, *later[:-1]]], later[-1].prepared
        )
        table = pd.DataFrame({OLD: rows, NEW: [saved.get(r, "") for r in rows]}, dtype=object)
        edited = st.data_editor(
            table,
            key=state.StateKeys.TEAM_MAP_EDITOR,
            hide_index=True,
            num_rows="dynamic",
            column_config={
                OLD: st.column_config.TextColumn(OLD),
                NEW: st.column_config.TextColumn(NEW),
            },
        )
        state.set_team_map(ds.key, trend_rules.team_map_from(edited[OLD], edited[NEW]))

# --------------------------------------------------------------------------- comparison

by = views.current_by(prep)
if not by:
    st.info("This survey has no team, role or demographic column to compare groups by.")
    st.stop()
try:
    cmp = waves.compare_waves(
        all_waves, by=by, policy=state.policy(), team_map=state.team_map(ds.key)
    )
except (ValueError, PrivacyError) as exc:
    views.error(str(exc))
    st.stop()
for w in cmp.warnings:
    views.warning(w)
for pair in cmp.pairs:
    test = trend_rules.pair_test_sentence(pair)
    st.caption(views.plain(f"{pair['from_wave']} → {pair['to_wave']}: {test}."))

meta = cmp.trend.drop_duplicates("construct").set_index("construct")
constructs = list(meta.index)
preferred = [c for c in ("trust_in_ai", "fear_of_displacement") if c in constructs]
picked = st.multiselect(
    "Constructs",
    constructs,
    default=preferred or constructs[:2],
    format_func=lambda c: str(meta.loc[c, "label"]),
    key=state.StateKeys.TREND_CONSTRUCTS,
)
picked = picked or constructs

st.subheader("Scores over waves")
trend = cmp.trend[cmp.trend["construct"].isin(picked)]
charts.chart(trend_charts.trend(trend), trend_charts.trend_alt_text(trend))

changes = cmp.changes
last = changes[changes["to_wave"] == cmp.labels[-1]]
last = last[last["group"] != waves.ORG_GROUP].assign(n=last["n_to"], score=last["score_to"])
st.subheader(f"Change since {cmp.labels[-2]}")
charts.chart(
    change_heatmap(last, alpha=cmp.alpha),
    change_heatmap_alt_text(last, alpha=cmp.alpha),
)

worse = changes[changes["worsened"]]
if len(worse):
    st.warning(
        views.plain(
            "Worsened significantly: "
            + "; ".join(
                f"{r.group}, {r.label} ({r.change:+.0f} points)" for r in worse.itertuples()
            )
        ),
        icon=":material/trending_down:",
    )
else:
    st.success("No group worsened significantly.", icon=":material/check_circle:")
st.caption(
    f"Significant: Holm-adjusted p < {cmp.alpha:g} and an effect size (Cohen's d) of at least "
    f"{cmp.min_effect:g}. For fear of job displacement a rise is a worsening."
)

status = changes["suppressed_reason"].where(changes["suppressed"], changes["note"])
view = changes.assign(
    status=status.where(status != "", "shown"),
    flag=np.select([changes["worsened"], changes["improved"]], ["worsened", "improved"], ""),
)[
    [
        "from_wave",
        "to_wave",
        "group",
        "label",
        "n_from",
        "n_to",
        "score_from",
        "score_to",
        "change",
        "change_favorable",
        "test",
        "p_adj",
        "effect_size",
        "flag",
        "status",
    ]
]
with st.expander("Changes table", icon=":material/table:"):
    st.dataframe(
        view,
        hide_index=True,
        column_config={
            "from_wave": "From",
            "to_wave": "To",
            "group": "Group",
            "label": "Construct",
            "n_from": st.column_config.NumberColumn("n (from)", format="%d"),
            "n_to": st.column_config.NumberColumn("n (to)", format="%d"),
            "score_from": st.column_config.NumberColumn("Score (from)", format="%.0f"),
            "score_to": st.column_config.NumberColumn("Score (to)", format="%.0f"),
            "change": st.column_config.NumberColumn("Change", format="%+.1f"),
            "change_favorable": st.column_config.NumberColumn(
                "% favourable change", format="%+.0f"
            ),
            "test": "Test",
            "p_adj": st.column_config.NumberColumn("p (Holm)", format=P_PRINTF),
            "effect_size": st.column_config.NumberColumn("Effect size (d)", format="%+.2f"),
            "flag": "Flag",
            "status": "Status",
        },
    )
    st.download_button(
        "Download the changes (CSV)",
        table_csv(view),
        file_name="changeradar_wave_changes.csv",
        mime="text/csv",
    )
