"""Comments: themes, sentiment and signals by group, and the (redacted) comments themselves.

Comment text is only ever shown inside st.dataframe, which draws plain text: a comment with
HTML, a script, a Markdown link or a remote image stays inert.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis import access
from analysis.config import ConfigError, in_words
from analysis.pipeline import COUNTS_WITHHELD, TEXTS_WITHHELD, Prepared
from analysis.pipeline.prepare import COMMENTS_UNREAD
from analysis.pipeline.theme_settings import edits_for, refit_themes
from analysis.signals import SIGNALS
from analysis.themes import Codebook, Concern, ThemeProject, dump_project, load_project
from ui import charts, comment_table, identity, state, theme_detail, views, wide_chart

THEME_STEP = 90  # px per theme column of render.charts.themes.theme_share_by_group
#: The fewer <-> more control: granularity steps (each doubles or halves discovered themes).
GRANULARITY = {-1.0: "Fewest", -0.5: "Fewer", 0.0: "As the text supports", 0.5: "More", 1.0: "Most"}


SETTINGS_UPLOAD = "cr_theme_settings_upload"


def apply_themes(prep: Prepared, ds: state.Dataset, **params: object) -> None:
    """Refit and keep the new analysis for this dataset. A renamed known concern keeps its
    name (its theme is found again by the concern); edits of discovered themes, which a refit
    renumbers, are dropped, and a notice says so (a fifth review: renames vanished silently)."""
    old = prep.theme_model
    names, merges = state.theme_names(ds.key), state.theme_merges(ds.key)
    guided = {
        old.concerns_[t]: name
        for t, name in names.items()
        if old is not None and t in getattr(old, "concerns_", {})
    }
    new = refit_themes(prep, **params)
    state.set_refitted(ds, new)
    state.reset_themes(ds.key)
    found = {c: t for t, c in getattr(new.theme_model, "concerns_", {}).items()}
    for concern, name in guided.items():
        if concern in found:
            state.set_theme_name(ds.key, found[concern], name)
    dropped = len(names) - sum(c in found for c in guided) + len(merges)
    if dropped:
        state.set_notice(
            f"The themes were refitted: {dropped} rename(s) or merge(s) of discovered themes no "
            "longer apply (their numbers changed) and were dropped. Renamed known concerns "
            "keep their names."
        )


def theme_settings(prep: Prepared, ds: state.Dataset) -> None:
    """Fewer <-> more themes, adding a concern, and the settings file to download or load."""
    model = prep.theme_model
    if model is None:
        return
    codebook = model.codebook if isinstance(model.codebook, Codebook) else Codebook()
    with st.expander("Theme settings: fewer or more themes, concerns", icon=":material/tune:"):
        current = min(GRANULARITY, key=lambda g: abs(g - float(model.granularity)))
        chosen = st.select_slider(
            "Number of themes",
            options=list(GRANULARITY),
            value=current,
            format_func=GRANULARITY.get,
            help="Fewer merges close themes; more splits them. Known concerns stay as they are.",
        )
        if chosen != current:
            apply_themes(prep, ds, granularity=float(chosen))
            st.rerun()
        rival = (
            ", and closer to it than to the codebook's examples of talk that voices no concern,"
            if codebook.background
            else ""
        )
        worded = (
            " A concern that lists the words that name it takes only comments that use one."
            if any(c.terms for c in codebook.concerns)
            else ""
        )
        st.caption(
            f"{len(codebook.concerns)} known concerns in the codebook. Comments close to one"
            f"{rival} are grouped under its name; the rest form discovered themes.{worded}"
        )
        concern_form(prep, ds, codebook)
        not_concern_form(prep, ds, codebook)
        names, merges = state.theme_names(ds.key), state.theme_merges(ds.key)
        auto = dict(zip(model.themes_["theme"], model.themes_["label"], strict=True))
        edited = {*names, *merges, *merges.values()}
        try:
            project = ThemeProject(
                codebook=codebook,
                granularity=float(model.granularity),
                names=names,
                merges=merges,
                labels={int(t): str(auto[t]) for t in edited if t in auto},
            )
        except ValueError as exc:  # edits no file can hold: say so, keep the page working
            views.error(f"These theme edits cannot be saved: {in_words(exc)} Undo them below.")
        else:
            st.download_button(
                "Download theme settings (YAML)",
                dump_project(project).encode("utf-8"),
                file_name="theme_settings.yaml",
                mime="application/x-yaml",
            )
        upload = st.file_uploader("Load theme settings", type=["yaml", "yml"], key=SETTINGS_UPLOAD)
        if upload is not None and st.button("Apply these settings"):
            try:
                loaded = load_project(upload.getvalue().decode("utf-8", "replace"))
            except ConfigError as exc:
                views.error(str(exc))
            else:
                apply_themes(
                    prep, ds, codebook=loaded.codebook, granularity=float(loaded.granularity)
                )
                apply_edits(ds, loaded)
                st.rerun()


def apply_edits(ds: state.Dataset, loaded: ThemeProject) -> None:
    """A settings file's renames and merges where their themes are here
    (:func:`analysis.pipeline.theme_settings.edits_for`); a notice counts the others."""
    prep = state.cached_prepared(ds)
    edits = edits_for(prep.theme_model if prep is not None else None, loaded)
    for theme, name in edits.names.items():
        state.set_theme_name(ds.key, theme, name)
    for theme, into in edits.merges.items():
        state.add_theme_merge(ds.key, theme, into)
    if edits.skipped:
        state.set_notice(
            f"{edits.skipped} rename(s) or merge(s) in the settings file name themes this "
            "analysis does not have (another upload or another fit) and were skipped."
        )


def concern_form(prep: Prepared, ds: state.Dataset, codebook: Codebook) -> None:
    """A new concern: name, description, phrasings and, optionally, the words that name it."""
    with st.form("add_concern", border=False):
        label = st.text_input("New concern", max_chars=80)
        description = st.text_input("What it covers (one sentence)", max_chars=400)
        examples = st.text_area("How people might say it (one per line)", max_chars=2000)
        terms = st.text_input(
            "Words that name it (optional, comma-separated)",
            max_chars=1000,
            help="With words, only comments that use one of them join the concern. A word"
            " ending in * ends any way: pay* finds pay, payment and payroll.",
        )
        if st.form_submit_button("Add concern"):
            lines = [x.strip() for x in examples.splitlines() if x.strip()]
            try:
                concern = Concern(
                    id=codebook.free_id(label),
                    label=label,
                    description=description or label,
                    examples=tuple(lines) or (label,),
                    terms=tuple(t.strip() for t in terms.split(",") if t.strip()),
                )
                new = codebook.with_concern(concern)
            except ValueError as exc:
                views.error(f"The concern was not added: {in_words(exc)}")
            else:
                apply_themes(prep, ds, codebook=new)
                st.rerun()


def not_concern_form(prep: Prepared, ds: state.Dataset, codebook: Codebook) -> None:
    """Background phrasings: talk a guided theme wrongly took ("I use it to draft emails")."""
    with st.form("not_a_concern", border=False):
        text = st.text_area(
            "Talk that is not a concern (one per line)",
            max_chars=2000,
            help="How people mention the subject without voicing a concern, e.g. what they use "
            "the tools for. A comment closer to one of these than to every concern joins none "
            f"(the codebook has {len(codebook.background)}).",
        )
        if st.form_submit_button("Add as not a concern"):
            try:
                new = codebook.with_background(text.splitlines())
            except ValueError as exc:
                views.error(f"The phrasings were not added: {in_words(exc)}")
            else:
                if new.background != codebook.background:
                    apply_themes(prep, ds, codebook=new)
                    st.rerun()


def theme_quotes(
    prep: Prepared, coded: pd.DataFrame, themes: pd.DataFrame, merges: dict[int, int]
) -> None:
    """One theme at a time: up to three quotes (central and different) and its sub-themes."""
    if not len(coded):
        return  # no comment text for this viewer or these groups: no quotes either
    ids = themes.sort_values("size", ascending=False)["theme"].astype(int).tolist()
    names = dict(zip(themes["theme"].astype(int), themes["label"].astype(str), strict=True))
    theme = st.selectbox(
        "Quotes and sub-themes of",
        ids,
        format_func=names.get,
        help="Quotes are chosen to be typical of the theme and different from each other.",
    )
    quotes = theme_detail.quotes(prep, coded, int(theme), merges)
    left, right = st.columns([3, 2])
    left.dataframe(
        pd.DataFrame({"In their words": quotes}),
        hide_index=True,
        column_config={"In their words": st.column_config.TextColumn(width="large")},
    )
    subs = theme_detail.sub_theme_table(coded, int(theme))
    if len(subs):
        right.dataframe(
            subs,
            hide_index=True,
            column_config={
                "Comments (n)": st.column_config.NumberColumn(format="%d"),
                "Share of the theme": st.column_config.NumberColumn(format="%.0f%%"),
            },
        )
    else:
        right.caption("This theme is not split into sub-themes: its comments say one thing.")


st.title("Comments")
prep = state.prepared()
ds = state.dataset()
if prep is None or ds is None:
    st.info("Load a survey export on the Load page to see the analysis.")
    st.stop()

if not prep.comments_read:
    st.info("The comments are still being read (see above); they appear here in a moment.")
    st.stop()

res = views.results(prep)
summary = res.comment_summary
counted = summary.get("counts_withheld")  # a filtered view may not count every comment
st.caption(
    (
        f"{summary.get('analysed', 0):,} comments analysed · "
        if counted
        else f"{summary.get('total', 0):,} comments · {summary.get('analysed', 0):,} analysed · "
        f"{summary.get('filler', 0):,} too short to use (“n/a”, “no”) · "
        f"{summary.get('not_english', 0):,} not in English · "
    )
    + f"{summary.get('shown', 0):,} shown. "
    f"Comments appear only for groups with at least {res.policy.min_comments} comments, "
    "with names, e-mails, phone numbers and IDs removed."
    + (" " + COUNTS_WITHHELD if counted else "")
    + (
        " " + TEXTS_WITHHELD.format(n=summary["text_withheld"])
        if summary.get("text_withheld")
        else ""
    )
)
if not summary.get("total") and not counted:
    unread = [w for w in prep.warnings if w.startswith(COMMENTS_UNREAD)]
    withheld = res.comments_withheld  # too few people to show any comment
    st.info(
        views.plain(unread[0])
        if unread
        else withheld or "This survey has no comment columns (or none was mapped as a comment)."
    )
    st.stop()

# Only the open tab is drawn (a click on another reruns the page): the reading table of every
# comment is sent only to someone who reads them, not on each visit (issue 20).
state.keep_comment_filters({})  # the Read comments filters last while another tab is open
tab_themes, tab_groups, tab_read = st.tabs(
    ["Themes", "By group", "Read comments"], key=state.StateKeys.COMMENT_TAB, on_change="rerun"
)
merges = state.theme_merges(ds.key)
theme_names = dict(
    zip(res.themes["theme"].astype(int), res.themes["label"].astype(str), strict=True)
)
coded = res.comments  # each shown comment with its sub-theme and second theme

if tab_themes.open:
    with tab_themes:
        if notice := state.pop_notice():
            st.info(notice)
        themes = res.themes
        if len(themes):
            charts.chart(*charts.figure("themes", res, prep))
            signal_cols = {f"share_{s}": views.SIGNAL_NAMES[s] for s in SIGNALS}
            shown = themes[
                ["label", "size", "share", "mean_sentiment"]
                + [c for c in signal_cols if c in themes.columns]
            ].copy()
            percent = ["share", *(c for c in signal_cols if c in shown.columns)]
            shown[percent] = shown[percent] * 100
            second = theme_detail.secondary_counts(coded, theme_names)
            shown.insert(2, "second", shown["label"].map(second).fillna(0).astype(int))
            st.dataframe(
                shown,
                hide_index=True,
                column_config={
                    "label": "Theme",
                    "size": st.column_config.NumberColumn("Comments (n)", format="%d"),
                    "share": st.column_config.NumberColumn("Share", format="%.0f%%"),
                    "second": st.column_config.NumberColumn(
                        "Also raised as a second theme (n)",
                        format="%d",
                        help="Comments shown whose main theme is another but that clearly raise "
                        "this one too.",
                    ),
                    "mean_sentiment": st.column_config.NumberColumn(
                        "Mean sentiment (−1 to 1)", format="%+.2f"
                    ),
                    **{
                        c: st.column_config.NumberColumn(f"% {name}", format="%.0f%%")
                        for c, name in signal_cols.items()
                    },
                },
            )
            labels = theme_names
            theme_ids = list(labels)
            theme_quotes(prep, coded, themes, merges)
            with st.expander("Rename or merge themes", icon=":material/edit:"):
                st.caption(
                    "Theme names are made from frequent words; give them names people recognise, "
                    "or merge two themes that say the same thing."
                )
                with st.form("rename_theme", border=False):
                    left, right = st.columns([1, 2])
                    which = left.selectbox("Theme", theme_ids, format_func=labels.get)
                    name = right.text_input("New name", max_chars=60)
                    if st.form_submit_button("Rename") and name.strip():
                        stored = state.theme_names(ds.key)
                        taken = {
                            str(v).casefold()
                            for t, v in [*labels.items(), *stored.items()]
                            if int(t) != int(which)
                        }
                        if name.strip().casefold() in taken:
                            # two themes of one name were counted as one ("also raised as a
                            # second theme" doubled, a fifth review): merge them instead
                            views.error(
                                f"Another theme is already called “{name.strip()}”. Merge the "
                                "two themes instead, or choose another name."
                            )
                        else:
                            state.set_theme_name(ds.key, int(which), name.strip())
                            st.rerun()
                with st.form("merge_theme", border=False):
                    left, right = st.columns(2)
                    src = left.selectbox("Merge theme", theme_ids, format_func=labels.get)
                    dst = right.selectbox(
                        "into", theme_ids, index=min(1, len(theme_ids) - 1), format_func=labels.get
                    )
                    if st.form_submit_button("Merge") and src != dst:
                        state.add_theme_merge(ds.key, int(src), int(dst))
                        st.rerun()
                if (state.theme_names(ds.key) or state.theme_merges(ds.key)) and st.button(
                    "Undo all theme edits"
                ):
                    state.reset_themes(ds.key)
                    st.rerun()
            theme_settings(prep, ds)
        elif prep.pending:
            st.info("The themes appear here once every comment has been read (see above).")
        else:
            st.info(
                "Too few comments to find themes "
                f"(themes need at least {res.policy.min_comments} comments)."
            )

if tab_groups.open:
    with tab_groups:
        shares = views.theme_shares_table(res)
        if len(shares):
            wide_chart.grid_chart(
                *charts.figure("theme shares", res, prep),
                n_rows=shares["group"].nunique(),
                n_columns=shares["theme"].nunique(),
                column_step=THEME_STEP,
            )
        sentiment = views.sentiment_table(res)
        if len(sentiment):
            charts.chart(*charts.figure("sentiment", res, prep))
        else:
            st.info("Choose a grouping in the sidebar to compare groups.")

if tab_read.open:
    with tab_read:
        comments = res.comments
        group_col = views.group_label_column(res.by)
        if len(comments):
            table, signals = comment_table.reading_table(comments, coded, res.by, group_col)
            options = {
                "theme": sorted(t for t in table["Theme"].unique() if t),
                "sentiment": ["negative", "neutral", "positive"],
                "signal": list(SIGNALS),
                "group": sorted(table[group_col].unique()),
            }
            state.keep_comment_filters(options)  # drop values no longer offered
            key = state.comment_filter_key
            c1, c2, c3, c4 = st.columns(4)
            pick_theme = c1.multiselect(
                "Theme", options["theme"], placeholder="All", key=key("theme")
            )
            pick_sent = c2.multiselect(
                "Sentiment", options["sentiment"], placeholder="All", key=key("sentiment")
            )
            pick_signal = c3.multiselect(
                "Signal",
                options["signal"],
                format_func=views.SIGNAL_NAMES.get,
                placeholder="Any",
                key=key("signal"),
            )
            pick_group = c4.multiselect(
                group_col, options["group"], placeholder="All", key=key("group")
            )
            search = st.text_input(
                "Search text", placeholder="e.g. training, replaced, copilot", key=key("search")
            )
            keep = pd.Series(True, index=table.index)
            if pick_theme:  # a comment raising two concerns is found under both
                keep &= table["Theme"].isin(pick_theme) | table["Second theme"].isin(pick_theme)
            if pick_sent:
                keep &= table["Sentiment"].isin(pick_sent)
            if pick_signal:
                keep &= signals[pick_signal].any(axis=1)
            if pick_group:
                keep &= table[group_col].isin(pick_group)
            if search.strip():
                keep &= table["Comment"].str.contains(search.strip(), case=False, regex=False)
            st.caption(
                f"{int(keep.sum()):,} of {len(table):,} comments. {comment_table.BASIS_NOTE} "
                f"{comment_table.PHRASES_NOTE}"
            )
            st.dataframe(
                table[keep],
                hide_index=True,
                height=420,
                column_config={"Comment": st.column_config.TextColumn(width="large")},
            )
        elif not access.sees_comment_text(identity.current_viewer(), identity.access_policy()):
            st.info("Comment text is not shared with your role; themes and sentiment are shown.")
        else:
            st.info(
                f"No group has at least {res.policy.min_comments} comments to show; lower the "
                "threshold in the sidebar only if your organisation's policy allows it."
            )
