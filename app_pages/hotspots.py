"""Hot spots: the groups that most need change management or training, ranked, with why."""

from __future__ import annotations

import streamlit as st

from ui import state, views

st.title("Hot spots")
prep = state.prepared()
if prep is None:
    st.info("Load a survey export on the Load page to see the analysis.")
    st.stop()

res = views.results(prep)
views.scope_caption(res)
st.caption(
    "Groups clearly worse than the rest of the organisation on trust, fear, readiness or "
    "skills, ranked by priority (size × gap × how much it drives the outcome × what the "
    "comments say). Hidden groups are never flagged."
)

flags = res.flags
if not flags:
    st.success("No group stands out: no significant gap between a group and the rest.")
    st.stop()

kinds = list(dict.fromkeys(f.type for f in flags))
chosen = st.segmented_control(
    "Type",
    kinds,
    selection_mode="multi",
    default=kinds,
    format_func=lambda k: views.FLAG_TYPES.get(k, k),
    help="Change management: trust, fear, readiness. Training: skills and training requests.",
)
shown = [(rank, f) for rank, f in enumerate(flags, 1) if f.type in (chosen or [])]
st.caption(f"{len(shown)} of {len(flags)} hot spots")

for rank, flag in shown:
    with st.container(border=True):
        kind = views.FLAG_TYPES.get(flag.type, flag.type)
        st.subheader(views.plain(f"{rank}. {flag.group_label}"), anchor=False)
        meta = f"{kind} · n = {flag.n} · priority {flag.priority:.2f}"
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
            for action in flag.actions:
                if action.get("source"):
                    st.text(f"{action['title']}: {action['source']}")
