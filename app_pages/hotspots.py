"""Hot spots: the groups that most need change management or training, ranked, with why and
what to do first; the organisation against its targets; groups too small to tell."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis import hotspots
from analysis.errors import ChangeRadarError
from ui import state, views

ACTIONS = {
    "training": "Training",
    "change_management": "Change management first",
    "monitor": "Monitor",
    "too_small_to_tell": "Too small to tell",
}

st.title("Hot spots")
prep = state.prepared()
if prep is None:
    st.info("Load a survey export on the Load page to see the analysis.")
    st.stop()

res = views.results(prep)
views.scope_caption(res)
st.caption(
    "Groups credibly and meaningfully worse than the rest of the organisation on trust, fear, "
    "readiness, skills, manager support or communication (a gap of at least 5 points and a "
    "third of a standard deviation, in a group of 10 or more, screened so that about one lead "
    "in five may be chance), ranked by priority. Each says what to do first: change management "
    "before training when people do not yet want the change, distrust the tools or fear for "
    "their jobs. Hidden groups are never flagged."
)

flags = [f for f in res.flags if f.scope == "group"]
org_flags = [f for f in res.flags if f.scope == "organisation"]
if not org_flags and len(res.org):  # the whole organisation against its targets
    org_flags = hotspots.organisation_flags(
        res.org, hotspots.constructs_meta(res.org), hotspots.load_playbook()
    )

with st.expander("Response rates (optional headcount file)", icon=":material/groups:"):
    st.caption(
        "A CSV with the group column(s) as in the export (e.g. Team, or Team and Role) and "
        "a headcount column. Groups under 60% response are warned about and their flags get "
        "lower confidence: people who do not answer are often the most worried."
    )
    upload = st.file_uploader("Headcount CSV", type=["csv"], key="hotspots_headcount")
    if upload is not None:
        try:
            rates = hotspots.response_rates(res.groups, pd.read_csv(upload, dtype=str), res.policy)
        except (ChangeRadarError, ValueError, UnicodeDecodeError) as exc:
            views.error(f"The headcount file cannot be used: {exc}")
        else:
            flags = hotspots.apply_response_rates(flags, rates)
            for message in hotspots.low_response_warnings(rates):
                views.warning(message)
            st.dataframe(
                rates[["group", "responses", "headcount", "response_rate"]],
                hide_index=True,
                column_config={
                    "response_rate": st.column_config.NumberColumn("Response %", format="%.0f")
                },
            )

for flag in org_flags:
    with st.container(border=True):
        kind = views.FLAG_TYPES.get(flag.type, flag.type)
        st.markdown(views.plain(f"Across the organisation: {kind.lower()}"))
        st.caption(views.plain(f"n = {flag.n} · confidence {flag.confidence}"))
        st.text(flag.reason)
        for action in flag.actions[:3]:
            st.text(f"• {action['title']}: {action['detail']}")

if not flags:
    st.success("No group stands out against the rest of the organisation.")
else:
    kinds = list(dict.fromkeys(f.type for f in flags))
    chosen = st.segmented_control(
        "Type",
        kinds,
        selection_mode="multi",
        default=kinds,
        format_func=lambda k: views.FLAG_TYPES.get(k, k),
        help="Change management: trust, fear, readiness, managers, communication. "
        "Training: skills and training requests.",
    )
    shown = [(rank, f) for rank, f in enumerate(flags, 1) if f.type in (chosen or [])]
    st.caption(f"{len(shown)} of {len(flags)} hot spots")
    for rank, flag in shown:
        with st.container(border=True):
            kind = views.FLAG_TYPES.get(flag.type, flag.type)
            st.subheader(views.plain(f"{rank}. {flag.group_label}"), anchor=False)
            meta = (
                f"{kind} · first: {ACTIONS.get(flag.action, flag.action)} · n = {flag.n} · "
                f"confidence {flag.confidence} · priority {flag.priority:.2f}"
            )
            if flag.response_rate is not None:
                meta += f" · {flag.response_rate:.0f}% responded"
            if flag.segment:
                meta += f" · {flag.segment}"
            st.caption(views.plain(meta))
            st.text(flag.reason)
            if flag.quotes:
                st.markdown("**What people wrote** (redacted)")
                for quote in flag.quotes:
                    st.text(f"“{quote}”")
            if flag.actions:
                st.markdown("**Recommended actions**")
                for action in flag.actions:
                    st.text(f"• {action['title']}: {action['detail']}")
            with st.expander("How this was ranked and the evidence", icon=":material/calculate:"):
                st.text(flag.priority_formula)
                for e in flag.evidence:
                    st.text(
                        f"{e['label']}: gap {e['gap']:.1f} points (95% interval "
                        f"{e['gap_low']:.1f} to {e['gap_high']:.1f}), d = {e['effect_size']:.2f}, "
                        f"q (Benjamini–Hochberg) = {e['p_adj']:.3g}"
                    )
                for action in flag.actions:
                    if action.get("source"):
                        st.text(f"{action['title']}: {action['source']}")

meta = hotspots.constructs_meta(res.org) if len(res.org) else {}
screened = hotspots.screen(res.groups, meta, min_group=res.policy.min_group, org_n=res.n)
undecided = hotspots.group_states(screened)
undecided = undecided[undecided["state"] == "too_small_to_tell"]
if len(undecided):
    st.markdown("**Too small to tell**")
    st.caption(
        "Not flagged, but not shown to be fine either: too few answers to rule out a gap of "
        "5 points. Look again with more responses."
    )
    st.dataframe(
        undecided.assign(undecided=undecided["undecided"].map("; ".join))[
            ["group", "n", "undecided"]
        ].rename(columns={"undecided": "Undecided on"}),
        hide_index=True,
    )
unused = hotspots.unused_constructs(res.org) if len(res.org) else []
if unused:
    st.markdown("**Not used for flags**")
    for u in unused:
        st.text(f"{u['label']}: {u['why']}. {u['fix']}")
