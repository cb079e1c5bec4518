"""The guided mapping flow on the Load page (widgets only; the logic is in ui.mapping_flow).

The draft (:class:`~ui.mapping_flow.MappingDraft`) is the one truth: widgets show it and their
callbacks edit it, so a widget and the draft never disagree and nothing reruns by itself. The
draft becomes the mapping YAML when applied or saved; loading a YAML replaces the draft.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from analysis.columns import ROLES, ColumnMap, MappingError
from analysis.ingest import SurveyExport
from analysis.scales import SCALES, ScaleError
from analysis.survey import CONCEPTS, Survey
from render.labels import item_labels
from ui import mapping_flow as mf
from ui import state, views

NO_CONSTRUCT = "(its own measure)"
KEEP = "(keep as is)"
ROLE_NAMES = {
    "item": "Rated question",
    "comment": "Comment (free text)",
    "team": "Team",
    "role": "Role",
    "demographic": "Demographic (for grouping)",
    "respondent_id": "Respondent ID",
    "timestamp": "Date / time",
    "identity": "Identifies people (never used)",
    "metadata": "Survey metadata",
    "ignored": "Ignored",
}
CONCEPT_NAMES = {
    None: "None (not used for flags)",
    "trust_in_ai": "Trust in AI",
    "fear_of_displacement": "Fear of displacement",
    "change_readiness": "Change readiness",
    "training_need": "Training need",
    "manager_support": "Manager support",
    "communication_clarity": "Communication clarity",
}
DIRECTION_NAMES = {"higher_better": "Higher is better", "higher_worse": "Higher is worse"}


@dataclass(frozen=True)
class Target:
    """What the flow maps: a dataset (in use, or waiting for a mapping) and its columns."""

    key: str
    dataset: state.Dataset
    export: SurveyExport
    colmap: ColumnMap
    known_constructs: dict[str, str]  # id -> label (the survey's)
    survey: Survey | None = None  # the instrument the suggestions compare wordings with


def current_draft(target: Target) -> mf.MappingDraft:
    held = state.draft(target.key)
    if held is None:
        constructs = mf.constructs_in_yaml(target.dataset.mapping_yaml or "")
        state.set_draft(target.key, mf.MappingDraft.from_colmap(target.colmap, constructs))
        held = state.draft(target.key)
    assert held is not None
    return held[1]


def _edit(target: Target, change: Callable[[mf.MappingDraft], None]) -> None:
    draft = current_draft(target).copy()
    change(draft)
    state.set_draft(target.key, draft)


def _key(target: Target, name: str) -> str:
    return state.flow_key(target.key, name)


def _questions(target: Target) -> dict[str, str]:
    return {c.name: c.question for c in target.export.columns}


def _construct_options(target: Target, draft: mf.MappingDraft) -> dict[str, str]:
    """construct id -> label, the survey's then the analyst's own, then any other in use."""
    out = dict(target.known_constructs)
    out.update({cid: c.label for cid, c in draft.constructs.items()})
    for choice in draft.items.values():
        if choice.construct and choice.construct not in out:
            out[choice.construct] = choice.construct
    return out


def _scale_options(draft: mf.MappingDraft) -> list[str]:
    return [*draft.scales, *SCALES]


# --------------------------------------------------------------------------- sections


def render(target: Target) -> None:
    """The whole flow: who is who, find and assign, constructs, scales, checks and apply."""
    draft = current_draft(target)
    st.caption(
        "Tell ChangeRadar how each column is used: the team and role columns, which "
        "questions are rated and what they measure. Nothing is analysed until you apply; "
        "save the mapping to reuse it with the next export."
    )
    _grouping(target, draft)
    _suggested_constructs(target, draft)
    _find_and_assign(target, draft)
    c1, c2 = st.columns(2)
    with c1:
        _new_construct(target, draft)
    with c2:
        _scale_builder(target, draft)
    _all_columns(target, draft)
    _check_and_apply(target, draft)


def _grouping(target: Target, draft: mf.MappingDraft) -> None:
    st.markdown("**1. Who is who**")
    c1, c2, c3 = st.columns(3)
    for column, role, label in ((c1, "team", "Team column"), (c2, "role", "Role column")):
        options = [None, *_suggestions(target, role)]
        current = draft.single(role)
        if current not in options:
            options.append(current)
        key = _key(target, role)
        state.set_widget(key, current)
        column.selectbox(
            label,
            options,
            key=key,
            format_func=lambda c: "(none)" if c is None else str(c),
            on_change=lambda k=key, r=role: _edit(
                target, lambda d: d.set_single(r, state.widget(k))
            ),
            help="Suggestions first: columns with a few repeated values.",
        )
    key = _key(target, "demographics")
    options = _suggestions(target, "demographic")
    chosen = draft.with_role("demographic")
    options = list(dict.fromkeys([*chosen, *options]))
    options = [o for o in options if draft.role_of(o) not in ("team", "role")]
    state.set_widget(key, chosen)
    c3.multiselect(
        "Demographics (for grouping)",
        options,
        key=key,
        on_change=lambda: _edit(target, lambda d: d.set_demographics(state.widget(key) or [])),
        help="Groupings people can be compared by (age band, site, tenure…).",
    )


def _suggested_constructs(target: Target, draft: mf.MappingDraft) -> None:
    """What each construct-less rated question seems to measure, from its wording: a survey
    that is not ChangeRadar's own otherwise has no trust or fear score until every item is
    assigned by hand. Nothing is used until the analyst accepts."""
    questions = _questions(target)
    wanted = tuple(
        (c, questions.get(c, ""))
        for c in draft.item_columns
        if not (draft.items.get(c) or mf.ItemChoice()).construct
    )
    if not wanted:
        return
    found = state.memo(
        f"constructs::{target.key}",
        wanted,
        lambda: mf.construct_suggestions(draft, questions, target.survey),
    )
    if not found:
        return
    names = {**{k: v for k, v in CONCEPT_NAMES.items() if k}, **target.known_constructs}
    labels = item_labels(list(found), questions)
    st.markdown("**Suggested from the wording** (nothing is used until you accept)")
    st.dataframe(
        pd.DataFrame(
            {
                "Question": [labels.get(c, c) for c in found],
                "Seems to measure": [names.get(s.construct, s.construct) for s in found.values()],
                "Direction": ["reversed" if s.reverse else "normal" for s in found.values()],
                "Similarity": [s.similarity for s in found.values()],
                "Closest wording": [s.nearest for s in found.values()],
                "Almost as close (check)": [_second(s.close_second, names) for s in found.values()],
            }
        ),
        hide_index=True,
    )

    def accept() -> None:
        held: list[list[str]] = []
        _edit(target, lambda d: held.append(mf.accept_suggestions(d, found)))
        state.set_notice(
            f"{len(held[0]) if held else 0} question(s) given their suggested construct "
            "(not applied yet: check them below, then apply)."
        )

    st.button(
        f"Accept the {len(found)} suggestion(s)",
        key=_key(target, "accept_suggested"),
        on_click=accept,
        help="You can change any of them afterwards in the table of all columns.",
    )


def _second(second: tuple[str, bool, float] | None, names: dict[str, str]) -> str:
    if second is None:
        return ""
    construct, reverse, similarity = second
    return f"{names.get(construct, construct)}{', reversed' if reverse else ''} ({similarity:.2f})"


def _find_and_assign(target: Target, draft: mf.MappingDraft) -> None:
    st.markdown("**2. Find columns and assign them together**")
    questions = _questions(target)
    c1, c2 = st.columns([2, 1])
    query = c1.text_input(
        "Search column names and questions", key=_key(target, "query"), placeholder="e.g. AI"
    )
    roles = c2.multiselect(
        "Only columns used as",
        list(ROLES),
        key=_key(target, "role_filter"),
        format_func=ROLE_NAMES.get,
        placeholder="Any use",
    )
    found = mf.search_columns(draft, questions, query, roles)
    pick_key = _key(target, "picked")
    picked_now = [c for c in state.widget(pick_key, []) or [] if c in draft.columns]
    options = list(dict.fromkeys([*picked_now, *found]))
    state.set_widget(pick_key, picked_now)
    st.button(
        f"Select all {len(found)} shown",
        key=_key(target, "select_all"),
        on_click=lambda: state.set_widget(pick_key, list(dict.fromkeys([*picked_now, *found]))),
        disabled=not found,
    )
    labels = item_labels(options, questions)
    picked = st.multiselect(
        f"Columns to change ({len(found)} of {len(draft.columns)} match)",
        options,
        key=pick_key,
        format_func=lambda c: labels.get(c, c),
    )
    constructs = _construct_options(target, draft)
    with st.form(_key(target, "bulk"), border=True):
        f1, f2, f3, f4 = st.columns([2, 2, 3, 1])
        role = f1.selectbox(
            "Use as", list(ROLES), index=list(ROLES).index("item"), format_func=ROLE_NAMES.get
        )
        construct = f2.selectbox(
            "Measures (construct)",
            [KEEP, NO_CONSTRUCT, *constructs],
            format_func=lambda c: constructs.get(c, c),
        )
        scale = f3.selectbox(
            "Answer scale", [KEEP, *_scale_options(draft)], format_func=_scale_name
        )
        reverse = f4.selectbox(
            "Direction", [KEEP, "normal", "reversed"], help="Reversed: agreeing is bad news."
        )
        if st.form_submit_button(f"Apply to the {len(picked)} selected", type="primary"):
            if not picked:
                views.warning("Select some columns first.")
                return

            def change(d: mf.MappingDraft) -> None:
                if role != "item":
                    if role in mf.SINGLE_ROLES:
                        d.set_single(role, picked[0])
                    else:
                        d.set_role(picked, role)
                    return
                d.assign_items(
                    picked,
                    construct=None if construct in (KEEP, NO_CONSTRUCT) else construct,
                    scale=None if scale == KEEP else scale,
                    reverse=None if reverse == KEEP else reverse == "reversed",
                )
                if construct == NO_CONSTRUCT:
                    for col in picked:
                        d.items[col] = mf.ItemChoice(None, d.items[col].scale, d.items[col].reverse)

            _edit(target, change)
            state.set_notice(f"{len(picked)} column(s) updated in the mapping (not applied yet).")
            st.rerun()


def _scale_name(name: str) -> str:
    return KEEP if name == KEEP else mf.scale_label(name)


def _new_construct(target: Target, draft: mf.MappingDraft) -> None:
    box = st.container(border=True)
    # a keyed toggle, not an expander: it stays open across the reruns its widgets cause
    if not box.toggle("3. Create a construct", key=_key(target, "construct_open")):
        return
    with box:
        st.caption(
            "A measure of your own (e.g. role clarity). Link it to one of ChangeRadar's "
            "concepts to use it for hot-spot flags."
        )
        with st.form(_key(target, "construct"), border=False):
            label = st.text_input("Label", max_chars=80, placeholder="Role clarity")
            concept = st.selectbox(
                "Concept", [None, *CONCEPTS], format_func=lambda c: CONCEPT_NAMES.get(c, c)
            )
            direction = st.radio(
                "Direction",
                ["natural", "higher_better", "higher_worse"],
                format_func=lambda d: DIRECTION_NAMES.get(
                    d, "As the concept (else higher is better)"
                ),
                horizontal=True,
            )
            target_share = st.number_input(
                "Target: minimum % favourable (optional)", 0.0, 100.0, value=None, step=5.0
            )
            if st.form_submit_button("Create construct"):
                chosen = mf.natural_direction(concept) if direction == "natural" else direction
                problems = mf.check_construct(label, concept, chosen)
                if problems:
                    for p in problems:
                        views.error(p)
                    return
                new = mf.NewConstruct(label.strip(), concept, chosen, target_share)
                holder: list[str] = []
                _edit(
                    target, lambda d: holder.append(d.add_construct(new, target.known_constructs))
                )
                state.set_notice(f"Construct “{label.strip()}” created; assign questions to it.")
                st.rerun()


def _scale_builder(target: Target, draft: mf.MappingDraft) -> None:
    box = st.container(border=True)
    if not box.toggle("4. Build a custom scale", key=_key(target, "scale_open")):
        return
    with box:
        st.caption(
            "Order the answers actually found in a column from lowest to highest; answers such "
            "as “Don't know” count as no answer, never as a score."
        )
        questions = _questions(target)
        columns = mf.scale_candidates(draft, target.export)
        if not columns:
            st.caption("No column has a short list of answers to order.")
            return
        col_key = _key(target, "scale_column")
        if state.widget(col_key) not in columns:
            state.set_widget(col_key, columns[0] if columns else None)
        names = item_labels(columns, questions)
        column = st.selectbox(
            "Answers of column", columns, key=col_key, format_func=lambda c: names.get(c, c)
        )
        if column is None:
            return
        counts = mf.answer_counts(target.export.responses[column])
        if counts.empty:
            st.caption("This column has no answers.")
            return
        st.dataframe(counts.head(40), hide_index=True, height=180)
        labels = counts["answer"].tolist()
        order, not_answers = mf.suggest_order(labels)
        order_key, na_key = _key(target, f"order::{column}"), _key(target, f"na::{column}")
        if order_key not in st.session_state:
            state.set_widget(order_key, order)
            state.set_widget(na_key, not_answers)
        chosen = st.multiselect("Answers from lowest to highest", labels, key=order_key)
        missing = st.multiselect("Not an answer (left out)", labels, key=na_key)
        same = [c for c in draft.item_columns if c != column and _same_answers(target, c, labels)]
        use_key = _key(target, f"use::{column}")
        use = st.multiselect(
            "Use it for",
            [column, *same],
            default=[column, *same],
            key=use_key,
            help="Other rated questions with the same answers are offered too.",
        )
        if st.button("Save this scale", key=_key(target, f"save::{column}")):
            try:
                mf.custom_scale(chosen, missing)
            except ScaleError as exc:
                views.error(str(exc))
                return

            def change(d: mf.MappingDraft) -> None:
                name = d.add_scale(chosen, missing)
                d.assign_items(use or [column], scale=name)

            _edit(target, change)
            state.set_notice(f"Custom scale saved for {len(use or [column])} question(s).")
            st.rerun()


def _same_answers(target: Target, column: str, labels: list[str]) -> bool:
    found = mf.answer_counts(target.export.responses[column])["answer"].tolist()
    return bool(found) and set(found) <= set(labels)


def _all_columns(target: Target, draft: mf.MappingDraft) -> None:
    st.markdown("**5. Every column**")
    version = state.draft(target.key)[0]  # type: ignore[index]
    questions = _questions(target)
    constructs = _construct_options(target, draft)
    table = pd.DataFrame(
        {
            "column": draft.columns,
            "question": [questions.get(c, "") for c in draft.columns],
            "role": [draft.role_of(c) for c in draft.columns],
            "construct": [(draft.items.get(c) or mf.ItemChoice()).construct for c in draft.columns],
            "scale": [(draft.items.get(c) or mf.ItemChoice()).scale for c in draft.columns],
            "reverse": [(draft.items.get(c) or mf.ItemChoice()).reverse for c in draft.columns],
            "why": [_reason(target.colmap, c) for c in draft.columns],
        }
    )
    key = f"{state.StateKeys.MAPPING_EDITOR_PREFIX}{target.key}::{version}"
    st.data_editor(
        table,
        key=key,
        hide_index=True,
        disabled=["column", "question", "why"],
        on_change=lambda: _edit(target, lambda d: _apply_grid(d, table, state.widget(key))),
        column_config={
            "column": st.column_config.TextColumn("Column", pinned=True),
            "question": "Question",
            "role": st.column_config.SelectboxColumn("Role", options=list(ROLES), required=True),
            "construct": st.column_config.SelectboxColumn("Construct", options=list(constructs)),
            "scale": st.column_config.SelectboxColumn(
                "Answer scale", options=_scale_options(draft)
            ),
            "reverse": st.column_config.CheckboxColumn("Reverse", help="Agreeing is bad news."),
            "why": "Why this role",
        },
    )


def _reason(colmap: ColumnMap, column: str) -> str:
    try:
        return colmap.spec(column).reason
    except KeyError:
        return ""


def _apply_grid(draft: mf.MappingDraft, table: pd.DataFrame, edits: object) -> None:
    """Edits of the every-column grid (Streamlit's edited_rows) onto the draft."""
    rows = (edits or {}).get("edited_rows", {}) if isinstance(edits, dict) else {}
    for index, change in rows.items():
        column = str(table.iloc[int(index)]["column"])
        if "role" in change:
            role = str(change["role"])
            if role in mf.SINGLE_ROLES:
                draft.set_single(role, column)
            else:
                draft.set_role([column], role)
        if draft.role_of(column) == "item":
            kwargs = {k: change[k] for k in ("construct", "scale", "reverse") if k in change}
            if kwargs:
                draft.assign_items([column], keep=True, **kwargs)
                if "construct" in kwargs and kwargs["construct"] is None:
                    old = draft.items[column]
                    draft.items[column] = mf.ItemChoice(None, old.scale, old.reverse)


# --------------------------------------------------------------------------- checks and apply


def _suggestions(target: Target, role: str) -> list[str]:
    """Team / role / demographic suggestions: they depend on the upload only, so they are
    worked out once per upload, not on every rerun (a 170-column file took 0.3 s a run)."""
    return state.memo(
        f"suggest::{target.key}",
        role,
        lambda: mf.grouping_suggestions(target.colmap, target.export, role),
    )


def _preview(target: Target, draft: mf.MappingDraft) -> tuple[pd.DataFrame | None, str]:
    """(first scores, "") or (None, why the draft cannot be applied)."""
    try:
        return mf.preview_scores(target.export, target.colmap, draft), ""
    except (MappingError, ScaleError, ValueError) as exc:
        return None, str(exc)


def _check_and_apply(target: Target, draft: mf.MappingDraft) -> None:
    st.markdown("**6. Check and apply**")
    text = draft.to_yaml()  # the draft's content: what the checks below depend on
    refused = state.memo(
        f"refused::{target.key}", text, lambda: mf.refused_scales(draft, target.export)
    )
    for fit in refused:
        with st.container(border=True):
            views.error(
                f"Scale refused for {fit.message()} Most answers would be left out and the "
                "score would be wrong."
            )
            st.button(
                "Make a custom scale from these labels",
                key=_key(target, f"fix::{fit.column}"),
                icon=":material/auto_fix_high:",
                on_click=_fix_scale,
                args=(target, fit.column),
            )
    unscaled = mf.unscaled_items(draft)
    if unscaled:
        st.caption(
            views.plain(
                f"{len(unscaled)} rated question(s) have no answer scale yet and will be left "
                "out until they get one (e.g. {}).".format(", ".join(unscaled[:3]))
            )
        )
    preview, problem = state.memo(f"preview::{target.key}", text, lambda: _preview(target, draft))
    if problem:
        views.error(problem)
    if preview is not None:
        st.caption("First scores with this mapping (everyone, before any grouping):")
        if len(preview):
            st.dataframe(preview, hide_index=True)
        else:
            st.caption("No rated question has a scale yet, so only comments would be analysed.")
    left, mid, right = st.columns(3)
    if left.button(
        "Apply mapping",
        type="primary",
        icon=":material/check:",
        disabled=bool(refused),
        key=_key(target, "apply"),
    ):
        problem = views.open_file(target.dataset.with_(mapping_yaml=text))
        if problem:
            views.error(problem)
        else:
            held = state.pending()
            if held is None and views.comments_only(state.prepared()):
                state.set_notice("Mapping applied; this survey has comments only.")
                st.switch_page("app_pages/comments.py")
            state.set_notice(
                "Mapping applied, but there is still nothing ChangeRadar can analyse: "
                + held.problem
                if held is not None
                else "Mapping applied; the analysis was updated."
            )
            st.rerun()
    mid.download_button(
        "Save mapping (YAML)",
        text.encode("utf-8"),
        file_name="changeradar_mapping.yaml",
        mime="application/x-yaml",
        icon=":material/save:",
        on_click="ignore",
    )
    if target.dataset.mapping_yaml and right.button(
        "Reset to the detected mapping", icon=":material/undo:", key=_key(target, "reset")
    ):
        problem = views.open_file(target.dataset.with_(mapping_yaml=None))
        if problem:
            views.error(problem)
        else:
            st.rerun()


def _fix_scale(target: Target, column: str) -> None:
    """One click: a custom scale from the labels found in ``column`` (suggested order), for it
    and every other refused question with the same answers; the builder opens on it."""
    labels = mf.answer_counts(target.export.responses[column])["answer"].tolist()
    order, not_answers = mf.suggest_order(labels)

    def change(d: mf.MappingDraft) -> None:
        name = d.add_scale(order, not_answers)
        same = [f.column for f in mf.refused_scales(d, target.export)]
        d.assign_items([column, *(c for c in same if _same_answers(target, c, labels))], scale=name)

    try:
        _edit(target, change)
    except ScaleError as exc:
        state.set_notice(f"No scale could be made from {column}'s answers: {exc}")
        return
    state.set_widget(_key(target, "scale_open"), True)
    state.set_widget(_key(target, "scale_column"), column)
    state.set_widget(_key(target, f"order::{column}"), order)
    state.set_widget(_key(target, f"na::{column}"), not_answers)
    state.set_notice(
        f"Custom scale made from the answers of {column}: check the order under "
        "“4. Build a custom scale”, then apply."
    )
