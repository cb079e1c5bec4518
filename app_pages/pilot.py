"""Pilot: did the pilot build trust where it ran, which teams are ready next, and did the
actions move the numbers? Thin: the analysis is analysis.pilot and analysis.actions."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from analysis import waves
from analysis.actions import (
    Action,
    ActionPlan,
    action_from_flag,
    load_plan,
    measure_actions,
    plan_yaml,
    store_plan,
    stored_plan,
)
from analysis.config import ConfigError
from analysis.pilot import PilotError, PilotSpec, compare_pilot, pilot_free, readiness
from analysis.pilot.readiness import STATUSES
from analysis.shared.store import StoreError
from render.charts import trend as trend_charts
from sample_data import SAMPLE_DIR
from ui import charts, identity, second_wave, state, views

SAMPLE = [SAMPLE_DIR / f"pilot_wave{k}_qualtrics.csv" for k in (1, 2)]
KEY = "cr_pilot"  # this page's session entries (never module state)
PROJECT = "default"  # the shared store keeps one action plan per project

st.title("Pilot")
viewer = views.require_right("upload", "The pilot review is prepared by HR administrators.")
prep = state.prepared()
ds = state.dataset()
if prep is None or ds is None:
    st.info("Load a survey export on the Load page first.")
    st.stop()
st.caption(
    "Did the pilot build trust and lower fear where it ran, compared with where it didn't? "
    "Which teams are ready to go next? Groups under the minimum size are never shown."
)
mine = st.session_state.setdefault(KEY, {"waves": None, "plan": ActionPlan()})

# --------------------------------------------------------------------------- waves

before_file, use_sample = second_wave.picker(
    "Wave from before the pilot (optional)",
    "With a wave from before the pilot, the comparison is a difference in differences.",
    "Use the sample pilot",
    "Generated waves with a planted pilot (not real).",
)
if use_sample:
    mine["waves"] = [
        waves.load_wave(p.read_bytes(), p.name, label=label, survey=prep.survey)
        for p, label in zip(SAMPLE, ("Before the pilot", "After the pilot"), strict=True)
    ]
if mine["waves"] is not None:
    all_waves = list(mine["waves"])
    if st.button("Use the loaded survey instead"):
        mine["waves"] = None
        st.rerun()
else:
    all_waves = [waves.Wave(label="This survey", date=None, prepared=prep)]
    if before_file is not None:
        before = second_wave.load(before_file.getvalue(), before_file.name, "Before", prep)
        if before is not None:
            all_waves.insert(0, before)
latest = all_waves[-1].prepared
st.caption(" → ".join(f"{w.label} ({w.n:,} responses)" for w in all_waves))

# --------------------------------------------------------------------------- who is in the pilot

columns = [str(c) for c in latest.export.responses.columns]
team_col = latest.colmap.team
how = st.radio(
    "Mark the pilot by", ["A yes/no column", "A list of teams"], horizontal=True,
    index=0 if any("pilot" in c.lower() for c in columns) else 1,
)  # fmt: skip
if how == "A yes/no column":
    guess = next((i for i, c in enumerate(columns) if "pilot" in c.lower()), 0)
    column = st.selectbox("Column whose yes/true/1 answers mark pilot respondents", columns, guess)
    spec = PilotSpec(column=column)
else:
    if not team_col:
        st.info("Map a team column on the Load page to pick pilot teams.")
        st.stop()
    teams = sorted(set(latest.scored.groups[team_col].astype(str)))
    chosen = st.multiselect("Pilot teams", teams)
    if not chosen:
        st.info("Pick the teams that ran the pilot.")
        st.stop()
    spec = PilotSpec(values=tuple(chosen), by=team_col)

policy = state.policy()
# the filters this viewer has seen apply to the loaded survey's respondents only
history = [state.shown_filters(ds.key, viewer) if w.prepared is prep else [] for w in all_waves]
try:
    result = compare_pilot(all_waves, spec, policy, shown=history)
except PilotError as exc:
    views.error(str(exc))
    st.stop()

# --------------------------------------------------------------------------- comparison

st.subheader("Pilot against the rest")
table = result.table
charts.chart(trend_charts.pilot_estimates(table), trend_charts.pilot_alt_text(table))
if result.design == "did":
    charts.chart(
        trend_charts.pilot_before_after(table), "Pilot and comparison scores before and after."
    )
shown = table.assign(
    hidden=table["suppressed_reason"],
    interval=[
        "" if pd.isna(lo) else f"{lo:+.1f} to {hi:+.1f}"
        for lo, hi in zip(table["ci_low"], table["ci_high"], strict=True)
    ],
)
st.dataframe(
    shown[
        ["label", "n_pilot", "n_comparison", "estimate", "interval", "p_adj", "verdict", "hidden"]
    ],
    hide_index=True,
    column_config={
        "label": "Measure",
        "n_pilot": st.column_config.NumberColumn("Pilot (people)", format="%d"),
        "n_comparison": st.column_config.NumberColumn("Comparison (people)", format="%d"),
        "estimate": st.column_config.NumberColumn("Estimate (points)", format="%+.1f"),
        "interval": "95% interval",
        "p_adj": st.column_config.NumberColumn("p (Holm)", format="%.3f"),
        "verdict": "Pilot is",
        "hidden": "Hidden because",
    },
)
st.caption(views.plain(table["method"].replace("", pd.NA).dropna().iloc[0] if len(table) else ""))
with st.expander("What this assumes, and why it is not proof", icon=":material/info:"):
    for line in result.assumptions:
        st.markdown(f"- {views.plain(line)}")
for line in result.warnings:
    views.warning(line)

# --------------------------------------------------------------------------- readiness

st.subheader("Rollout readiness")
scored = pilot_free(all_waves[-1], spec).prepared  # a yes/no pilot column is not an attitude
ready = readiness(scored, team_col or "team", policy)
cols = st.columns(len(STATUSES))
for col, status in zip(cols, STATUSES, strict=True):
    with col:
        part = ready.table[ready.table["status"] == status]
        st.markdown(f"**{status.capitalize()}** ({len(part)})")
        for r in part.itertuples():
            st.caption(f"{views.plain(r.group)}: {views.plain(r.reason)}")
st.dataframe(
    ready.table[["group", "n", "status", "reason", "manager_gap", "manager_flag"]],
    hide_index=True,
    column_config={
        "group": "Team",
        "n": st.column_config.NumberColumn("People", format="%d"),
        "manager_gap": st.column_config.NumberColumn("Managers minus team", format="%+.1f"),
        "manager_flag": "Middle-manager gap",
    },
)
for note in ready.notes:
    st.caption(views.plain(note))
with st.expander("Readiness profile per team (scores with 95% intervals)", icon=":material/list:"):
    st.dataframe(
        ready.profile[["group", "label", "n", "score", "ci_low", "ci_high", "suppressed_reason"]],
        hide_index=True,
        column_config={
            "group": "Team",
            "label": "Measure",
            "n": st.column_config.NumberColumn("People", format="%d"),
            "score": st.column_config.NumberColumn("Score (0–100)", format="%.0f"),
            "ci_low": st.column_config.NumberColumn("95% low", format="%.0f"),
            "ci_high": st.column_config.NumberColumn("95% high", format="%.0f"),
            "suppressed_reason": "Hidden because",
        },
    )

# --------------------------------------------------------------------------- actions

st.subheader("Actions")
store = identity.dataset_store()  # shared mode only; local mode keeps the plan in a YAML file
if store is not None and not mine.get("stored"):
    try:
        mine["plan"] = stored_plan(store, PROJECT)
        mine["stored"] = True
    except StoreError as exc:
        views.error(str(exc))


def keep(plan: ActionPlan) -> None:
    """The plan in this session, and in the encrypted store in shared mode."""
    mine["plan"] = plan
    if store is not None:
        try:
            store_plan(store, PROJECT, plan, by=viewer.email)
        except StoreError as exc:
            views.error(str(exc))


if st.checkbox("Start from a hot-spot flag (of the loaded survey)"):
    flags = views.results(prep).flags
    if not flags:
        st.caption("The loaded survey has no hot spots.")
    else:
        pick = st.selectbox(
            "Flag",
            range(len(flags)),
            format_func=lambda i: f"{flags[i].group_label}: {flags[i].reason}",
        )
        owner_f = st.text_input("Owner of the flag's action")
        due_f = st.date_input("Due", value=date.today() + timedelta(days=90), key="cr_pilot_due_f")
        if st.button("Add the flag's playbook action") and owner_f.strip():
            try:
                keep(mine["plan"].add(action_from_flag(flags[pick], owner=owner_f, due=due_f)))
            except ValueError as exc:
                views.error(f"The action can't be added: {exc}")
meta = scored.scored.construct_meta
groups = sorted(set(latest.scored.groups[team_col].astype(str))) if team_col else []
with st.form("cr_pilot_action", clear_on_submit=True):
    a, b = st.columns(2)
    group = a.selectbox("Team", groups)
    construct = b.selectbox(
        "Measure it should move", list(meta.index), format_func=lambda c: str(meta.loc[c, "label"])
    )
    text = st.text_input("Action (a playbook action or your own)")
    c, d, e = st.columns(3)
    owner = c.text_input("Owner")
    due = d.date_input("Due", value=date.today() + timedelta(days=90))
    target = e.number_input("Target score (0–100, optional)", 0.0, 100.0, value=None)
    if st.form_submit_button("Add action"):
        try:
            action = Action(
                id=f"a{len(mine['plan'].actions) + 1}", group=group, grouping=team_col or "team",
                construct=construct, action=text, owner=owner, due=due, target=target,
                created=date.today(),
            )  # fmt: skip
            keep(mine["plan"].add(action))
        except ValueError as exc:
            views.error(f"The action can't be added: {exc}")
saved = st.file_uploader("Open a saved action plan (YAML)", type=["yaml", "yml"])
if saved is not None:
    try:
        token = hash(saved.getvalue())  # open each file once: later edits are not undone
        if mine.get("opened") != token:
            keep(load_plan(saved.getvalue().decode("utf-8")))
            mine["opened"] = token
    except (ConfigError, UnicodeDecodeError) as exc:
        views.error(str(exc))
plan: ActionPlan = mine["plan"]
if not plan.actions:
    st.info("No actions yet. Add one above, or open a saved plan.")
    st.stop()
st.download_button(
    "Save the action plan (YAML)", plan_yaml(plan), "action_plan.yaml", mime="text/yaml"
)
if len(all_waves) < 2:
    st.dataframe(pd.DataFrame([a.model_dump(by_alias=True) for a in plan.actions]), hide_index=True)
    st.caption("Load the next wave to see each action's measured effect.")
    st.stop()
comparison = waves.compare_waves(
    [pilot_free(w, spec) for w in all_waves[-2:]], by=[team_col or "team"], policy=policy
)
measured = measure_actions(plan, comparison)
st.dataframe(
    measured[
        [
            "group",
            "construct",
            "action",
            "owner",
            "due",
            "change",
            "org_change",
            "did",
            "did_ci_low",
            "did_ci_high",
            "result",
        ]
    ],
    hide_index=True,
    column_config={
        "change": st.column_config.NumberColumn("Team change", format="%+.1f"),
        "org_change": st.column_config.NumberColumn("Organisation change", format="%+.1f"),
        "did": st.column_config.NumberColumn("Team minus rest", format="%+.1f"),
        "did_ci_low": st.column_config.NumberColumn("95% low", format="%+.1f"),
        "did_ci_high": st.column_config.NumberColumn("95% high", format="%+.1f"),
    },
)
