"""Hot spots: the groups that most need change management or training, ranked, with why and
what to do first; the organisation against its targets; groups too small to tell."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis import access, hotspots
from analysis.errors import ChangeRadarError
from analysis.thresholds import THRESHOLDS
from render import formats
from render import teams as packs
from ui import identity, state, views

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
    "readiness, skills, manager support or communication (a gap of at least "
    f"{THRESHOLDS.min_points:g} points and {THRESHOLDS.min_effect:g} standard deviations, in a "
    f"group of {THRESHOLDS.min_flag_n} or more, screened so that about "
    f"{THRESHOLDS.hotspot_fdr:.0%} of leads may be chance), ranked by priority. Each says what "
    "to do first: change management before training when people do not yet want the change, "
    "distrust the tools or fear for their jobs. Hidden groups are never flagged."
)
if not views.has_scores(prep, res):
    st.info(
        "This survey has no rated questions, so these hot spots come from comments alone: a "
        "group is flagged where clearly more of its comments mention job loss, are negative "
        "about AI or ask for training or support than elsewhere. Score gaps, the questions "
        "behind them, the trust × fear map, organisation-wide targets and the change-before-"
        "training diagnosis need rated questions: mark them on the Load page to add them.",
        icon=":material/chat:",
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
            headcount = hotspots.read_headcount_csv(upload.getvalue())
            rates = hotspots.response_rates(res.groups, headcount, res.policy)
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


def _org_evidence(flag: hotspots.Flag) -> pd.DataFrame:
    """Every measure below target, furthest below first (the flag's own order)."""
    return pd.DataFrame(
        {
            "Measure": [e["label"] for e in flag.evidence],
            "% on the good side": [e["good_share"] for e in flag.evidence],
            "Target %": [e["target"] for e in flag.evidence],
            "Points short": [e["shortfall"] for e in flag.evidence],
            "Driver share %": [100 * e.get("driver_share", 0.0) for e in flag.evidence],
            "Clearly below": [formats.yes_no(e["clearly"]) for e in flag.evidence],
        }
    )


for flag in org_flags:
    with st.container(border=True):
        kind = views.FLAG_TYPES.get(flag.type, flag.type)
        st.markdown(views.plain(f"Across the organisation: {kind.lower()}"))
        st.caption(views.plain(f"n = {flag.n} · confidence {flag.confidence}"))
        st.text(flag.reason)
        st.dataframe(
            _org_evidence(flag),
            hide_index=True,
            column_config={
                c: st.column_config.NumberColumn(c, format="%.0f")
                for c in ("% on the good side", "Target %", "Points short", "Driver share %")
            },
        )
        st.caption(
            "Furthest below target first; none is left out. Driver share: how much of the "
            "outcome the measures explain goes with this one (an association, not a cause)."
        )
        for action in flag.actions[:3]:
            st.text(f"• {action['title']}: {action['detail']}")


def _item_table(flag: hotspots.Flag) -> None:
    """The group's questions within its flagged measures: where it is weakest and how far
    from the rest (only cells the protected item table shows)."""
    gaps = res.item_gaps
    if not len(gaps) or not flag.constructs:
        return
    mine = gaps[
        (gaps["grouping"] == flag.grouping)
        & (gaps["group"] == flag.group_label)
        & gaps["construct"].isin(flag.constructs)
    ]
    if not len(mine):
        return
    labels = dict(zip(res.org["construct"], res.org["label"], strict=True))
    mine = mine.sort_values(["construct", "gap"], ascending=[True, False], kind="stable")
    table = pd.DataFrame(
        {
            "Measure": mine["construct"].map(labels).fillna(mine["construct"]),
            "Question": mine["question"],
            "Score": mine["score"],
            "Rest": mine["rest_score"],
            "Gap (worse +)": [
                f"{formats.points(g)} ({formats.number(lo, '.0f')} to {formats.number(hi, '.0f')})"
                for g, lo, hi in zip(mine["gap"], mine["gap_low"], mine["gap_high"], strict=True)
            ],
            "n": mine["n"].astype(int),
            "Reading": mine["state"].map(hotspots.ITEM_STATES).fillna(mine["state"]),
            "Weakest": mine["weakest"].map(formats.yes_no),
        }
    )
    with st.expander("Which questions (item level)", icon=":material/list:"):
        st.caption(
            "Each question of the flagged measures for this group against the rest, with the "
            '95% interval of the gap. "Clearly lower" uses the same screen as the hot spots; '
            "the weakest question is the one with the lowest score on the good side. Pick "
            "actions that address the questions clearly lower first."
        )
        st.dataframe(
            table,
            hide_index=True,
            column_config={
                "Score": st.column_config.NumberColumn(format="%.0f"),
                "Rest": st.column_config.NumberColumn(format="%.0f"),
            },
        )


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
                f"{packs.priority_text(res, flag)} (1 = act first) · {kind} · first: "
                f"{ACTIONS.get(flag.action, flag.action)} · n = {flag.n} · "
                f"confidence {flag.confidence}"
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
                    if action.get("question"):
                        st.text(f"  {packs.answers_text(action)}")
            _item_table(flag)
            with st.expander("How this was ranked and the evidence", icon=":material/calculate:"):
                st.text(packs.PRIORITY_MEANING)
                st.text(f"How this is computed: {packs.PRIORITY_FORMULA}")
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


def _choose_outcome() -> None:
    """Remember the chosen outcome for this dataset: every page's view follows it."""
    ds = state.dataset()
    if ds is not None:
        state.set_outcome(ds.key, st.session_state.get("hotspots_outcome"))


def _drivers_section() -> None:
    st.markdown("**What goes with the outcome (key drivers, by measure and by question)**")
    labels = dict(zip(res.org["construct"], res.org["label"], strict=True))
    options = list(labels)
    chosen = st.selectbox(
        "Outcome",
        options,
        index=options.index(view_outcome) if view_outcome in options else None,
        format_func=lambda c: labels.get(c, c),
        placeholder="Choose the measure to explain",
        key="hotspots_outcome",
        on_change=_choose_outcome,
        help="The measure the driver analysis explains; its drivers also weigh the hot spots' "
        "priorities and the downloads. The default is the survey's readiness to change; pick "
        "another for a custom survey.",
    )
    if chosen is None:
        st.caption("Choose an outcome to see which measures and questions go with it.")
        return
    drivers = res.drivers[res.drivers["outcome"] == chosen] if len(res.drivers) else res.drivers
    items = res.item_drivers
    st.caption(
        "Associations within this survey, not causes: the share of the outcome's explained "
        "variance that goes with each measure (relative weights), shown only with 15 complete "
        "answers per measure and when the measures together explain clearly more than nothing."
    )
    if len(drivers):
        st.dataframe(
            pd.DataFrame(
                {
                    "Measure": drivers["driver"].map(labels).fillna(drivers["driver"]),
                    "Share %": 100 * drivers["share"],
                    "95% interval": [
                        f"{formats.number(100 * lo, '.0f')}–{formats.number(100 * hi, '.0f')}"
                        for lo, hi in zip(drivers["ci_low"], drivers["ci_high"], strict=True)
                    ],
                    "n": drivers["n"],
                }
            ),
            hide_index=True,
            column_config={"Share %": st.column_config.NumberColumn(format="%.0f")},
        )
        for note in dict.fromkeys(n for n in drivers["note"] if n):
            st.caption(views.plain(note))
    if res.item_drivers_pending:
        st.caption(
            "The questions' drivers are computed with the comments, which are still being "
            "read (a few seconds): they appear here at your next click or page, or with "
            '"Check again".'
        )
        return
    if not len(items):
        st.caption("No measure has two or more questions to compare.")
        return
    st.markdown("**Which questions within each measure go with the outcome most**")
    st.dataframe(
        pd.DataFrame(
            {
                "Measure": items["construct"].map(labels).fillna(items["construct"]),
                "Question": items["question"],
                "Correlation": items["r"],
                "Share of the measure %": 100 * items["share"],
                "95% interval": [
                    f"{formats.number(100 * lo, '.0f')}–{formats.number(100 * hi, '.0f')}"
                    for lo, hi in zip(items["ci_low"], items["ci_high"], strict=True)
                ],
                "n": items["n"],
            }
        ),
        hide_index=True,
        column_config={
            "Correlation": st.column_config.NumberColumn(format="%.2f"),
            "Share of the measure %": st.column_config.NumberColumn(format="%.0f"),
        },
    )
    for note in dict.fromkeys(n for n in items["note"] if n):
        st.caption(views.plain(note))


viewer = identity.current_viewer()
# drivers are fitted on the whole organisation: a manager's view has none (access._strip)
if res.has_scores and len(res.org) and viewer is not None and access.can(viewer, "all_teams"):
    view_outcome = hotspots.main_outcome(res.drivers, res.org)
    _drivers_section()
