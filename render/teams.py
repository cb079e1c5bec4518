"""One team's slice of a :class:`analysis.pipeline.Results`, as every pack format reads it.

Only ever reads Results: tables that have already been through :mod:`analysis.privacy` (no
number for a group under the minimum size, comments only for groups at or above the comment
threshold, no identity columns). Nothing here adds a number beyond counting and re-ordering
what Results holds, and nothing is remembered between calls (no survey content in module
state): a caller that asks for many teams computes :func:`comment_labels` once and passes it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from analysis.hotspots import statement
from analysis.scoring import CROSS
from analysis.thresholds import THRESHOLDS
from render.formats import ALPHA, missing, number

#: Comments per team sheet: a sheet is read, not searched, and 10,000 merged rows made the
#: workbook slow to write and to open. Every comment is in the comments CSV.
MAX_COMMENTS_XLSX = 50
TOP_THEMES = 5
# points: |gap| >= strong_points strong colour, >= min_points light colour
_GAP_BINS = (THRESHOLDS.strong_points, THRESHOLDS.min_points)


@dataclass(frozen=True)
class Construct:
    id: str
    label: str
    direction: str

    @property
    def higher_worse(self) -> bool:
        return self.direction == "higher_worse"


def constructs(results: Any) -> list[Construct]:
    org = results.org
    out = []
    for _, row in org.iterrows():
        label = row.get("label")
        out.append(
            Construct(
                id=str(row["construct"]),
                label=str(label) if not missing(label) and str(label) else str(row["construct"]),
                direction=str(row.get("direction") or "higher_better"),
            )
        )
    return out


def construct_of(cons: dict[str, Construct], construct_id: object) -> Construct:
    """The construct by id, or a higher-is-better stand-in named by its id."""
    key = str(construct_id)
    return cons.get(key, Construct(key, key, "higher_better"))


def team_names(results: Any) -> list[str]:
    """Every group label of the Results' grouping, visible or hidden, in table order (for a
    comments-only survey, which has no score table: every group with comments)."""
    if len(results.groups):
        return list(dict.fromkeys(results.groups["group"].astype(str)))
    if not getattr(results, "has_scores", True) and len(results.comment_groups):
        return list(dict.fromkeys(results.comment_groups["group"].astype(str)))
    return []


def grouping_text(results: Any) -> str:
    return " × ".join(results.by) if results.by else "none"


def check_teams(results: Any, teams: Sequence[str] | None) -> list[str]:
    """The chosen group labels (case-insensitive); ``ValueError`` names the valid ones."""
    valid = team_names(results)
    if teams is None:
        return valid
    by_lower = {t.casefold(): t for t in valid}
    out, unknown = [], []
    for t in teams:
        hit = t if t in valid else by_lower.get(str(t).strip().casefold())
        if hit is None:
            unknown.append(str(t))
        elif hit not in out:
            out.append(hit)
    if unknown:
        names = ", ".join(repr(v) for v in valid) or "none (choose a grouping column)"
        raise ValueError(
            f"Unknown team name(s) {', '.join(repr(u) for u in unknown)} for grouping "
            f"{grouping_text(results)}. Valid names: {names}."
        )
    return out


def team_rows(results: Any, team: str) -> pd.DataFrame:
    g = results.groups
    return g[g["group"].astype(str) == team]


NO_ITEM_GAP = (
    "No question is clearly below the rest of the organisation for this team (the hot spots' "
    f"screen: a gap of at least {THRESHOLDS.min_points:g} points and |d| ≥ "
    f"{THRESHOLDS.min_effect:g}, false discovery rate {THRESHOLDS.hotspot_fdr:.0%} within each "
    "question)."
)
ITEM_GAP_NOTE = (
    "Gap: points below the rest of the organisation (0–100 scale, worse is positive), with its "
    "95% interval. Address these questions first when choosing actions."
)
ITEM_DRIVER_NOTE = (
    "For each measure with two or more questions, the question that carries most of it: its "
    "share of the variation in the outcome that the measure's questions explain together (R², "
    "relative weights, Johnson 2000), with a bootstrap 95% interval. An association, not a "
    "cause."
)
#: How many question drivers the overview lists.
TOP_ITEM_DRIVERS = 8


def team_item_gaps(results: Any, team: str) -> pd.DataFrame:
    """The team's questions that screen as clearly lower than the rest (``Results.item_gaps``
    in state ``flag``: the hot spots' screen at question level), largest gap first. The table
    holds only cells the protected item table shows."""
    gaps = getattr(results, "item_gaps", None)
    if gaps is None or not len(gaps):
        return pd.DataFrame(columns=["construct", "question", "score", "rest_score", "gap", "n"])
    mine = gaps[(gaps["group"].astype(str) == team) & (gaps["state"] == "flag")]
    return mine.sort_values("gap", ascending=False, kind="stable")


def top_item_drivers(results: Any, limit: int = TOP_ITEM_DRIVERS) -> pd.DataFrame:
    """Per measure, the question with the largest share of the outcome variance its
    measure's questions explain (``Results.item_drivers``); measures whose questions explain
    the most (R²) first. Shares sum to 1 within a measure, so they are compared only there;
    rows with a note (no estimate) are left out."""
    drivers = getattr(results, "item_drivers", None)
    if drivers is None or not len(drivers):
        return pd.DataFrame(columns=["outcome", "construct", "question", "share", "r2", "n"])
    usable = drivers[drivers["share"].notna()]
    lead = usable.sort_values("share", ascending=False, kind="stable").drop_duplicates("construct")
    return lead.sort_values("r2", ascending=False, kind="stable").head(limit)


def gap_interval(row: Any) -> str:
    """A gap's 95% interval in points, e.g. ``"4 to 15"``."""
    return f"{number(row['gap_low'], '.0f')} to {number(row['gap_high'], '.0f')}"


def has_scores(results: Any) -> bool:
    """False for a comments-only survey: no score table, comments and comment flags only."""
    return bool(getattr(results, "has_scores", True))


def limits(results: Any) -> list[str]:
    """What every page of a pack says first: the alerts (numbers to treat with caution),
    then the notes on what this survey cannot show."""
    return [*getattr(results, "alerts", ()), *getattr(results, "notes", ())]


def team_hidden(results: Any, team: str) -> bool:
    if not has_scores(results):  # only comments to show: hidden when they are
        cg = results.comment_groups
        hit = cg[cg["group"].astype(str) == team] if len(cg) else cg
        return not (len(hit) and hit["visible"].astype(bool).all())
    rows = team_rows(results, team)
    return bool(rows.empty or rows["suppressed"].astype(bool).all())


def hidden_reason(results: Any, team: str) -> str:
    if not has_scores(results):
        p = results.policy
        return f"fewer than {p.min_comments} comments or fewer than {p.min_group} people"
    rows = team_rows(results, team)
    reasons = [r for r in rows.get("suppressed_reason", pd.Series(dtype=str)).astype(str) if r]
    return reasons[0] if reasons else f"fewer than {results.policy.min_group} responses"


def hidden_groups(results: Any) -> list[tuple[str, str]]:
    return [(t, hidden_reason(results, t)) for t in team_names(results) if team_hidden(results, t)]


def team_n(results: Any, team: str) -> float:
    rows = team_rows(results, team)
    n = rows.loc[~rows["suppressed"].astype(bool), "n"]
    return float(n.max()) if n.notna().any() else math.nan


def comments_visible(results: Any, team: str) -> bool:
    cg = results.comment_groups
    if cg is None or not len(cg) or team_hidden(results, team):
        return False
    hit = cg[cg["group"].astype(str) == team]
    return bool(len(hit) and hit["visible"].astype(bool).all())


def comment_count(results: Any, team: str) -> float:
    cg = results.comment_groups
    if cg is None or not len(cg):
        return math.nan
    hit = cg[(cg["group"].astype(str) == team) & cg["visible"].astype(bool)]
    return float(hit["n_comments"].iloc[0]) if len(hit) else math.nan


def comment_labels(results: Any) -> pd.Series:
    """Each shown comment's group label ('a × b' for a crossed grouping)."""
    c = results.comments
    by = tuple(b for b in results.by if b in c.columns)
    if not len(c) or not by:
        return pd.Series([""] * len(c), index=c.index, dtype=str)
    if len(by) == 1:
        return c[by[0]].astype(str)
    return c[by[0]].astype(str).str.cat([c[b].astype(str) for b in by[1:]], sep=CROSS)


def team_comments(results: Any, team: str, labels: pd.Series | None = None) -> pd.DataFrame:
    """The team's shown comments; ``labels`` is :func:`comment_labels` when already computed."""
    if not comments_visible(results, team):
        return results.comments.iloc[0:0]
    labels = comment_labels(results) if labels is None else labels
    return results.comments[(labels == team).to_numpy()]


def team_flags(results: Any, team: str) -> list[Any]:
    if team_hidden(results, team):
        return []
    return [f for f in results.flags if str(f.group_label) == team]


def team_themes(results: Any, team: str, labels: pd.Series | None = None) -> pd.DataFrame:
    """The team's largest comment themes: count, share of its comments, mean sentiment, its
    largest sub-themes and how many of its comments raise the theme as a second concern.

    Shares come from ``Results.theme_shares`` (already hidden for groups under the comment
    threshold); mean sentiment is the mean VADER compound of the team's shown comments.
    """
    cols = ["theme", "label", "size", "share", "mean_sentiment", "sub_themes", "as_second"]
    ts = results.theme_shares
    if ts is None or not len(ts) or not comments_visible(results, team):
        return pd.DataFrame(columns=cols)
    rows = ts[(ts["group"].astype(str) == team) & ~ts["hidden"].astype(bool)]
    rows = rows[rows["count"].fillna(0) > 0].sort_values(
        ["count", "theme"], ascending=[False, True], kind="stable"
    )
    comments = team_comments(results, team, labels)
    sentiment = comments.groupby("theme")["compound"].mean() if len(comments) else pd.Series()
    out = pd.DataFrame(
        {
            "theme": rows["theme"].astype(int).to_numpy(),
            "label": rows["label"].fillna("").astype(str).to_numpy(),
            "size": rows["count"].to_numpy(dtype=float),
            "share": rows["share"].to_numpy(dtype=float),
        }
    )
    out["mean_sentiment"] = out["theme"].map(sentiment).astype(float)
    out["sub_themes"] = [sub_theme_text(comments, t) for t in out["theme"]]
    second = (
        (
            comments.loc[comments["secondary_theme_label"] != "", "secondary_theme_label"]
            if len(comments) and "secondary_theme_label" in comments.columns
            else pd.Series(dtype=str)
        )
        .astype(str)
        .value_counts()
    )  # a categorical would count every category, also at 0
    out["as_second"] = out["label"].map(second).fillna(0).astype(int)
    return out.head(TOP_THEMES).reset_index(drop=True)


def sub_theme_text(comments: pd.DataFrame, theme: int, limit: int = 3) -> str:
    """A theme's largest sub-themes among ``comments``, with counts: ``"pay (12), jobs (5)"``
    ("" when the theme is not split)."""
    if not len(comments) or "sub_theme_label" not in comments.columns:
        return ""
    mine = comments.loc[
        (comments["theme"] == theme) & (comments["sub_theme_label"] != ""), "sub_theme_label"
    ]
    counts = mine.astype(str).value_counts().head(limit)
    return ", ".join(f"{label} ({n})" for label, n in counts.items())


def theme_path(comment: Any) -> str:
    """A comment's theme with its sub-theme and second theme: ``"Jobs › pay; also: Skills"``."""
    text = str(comment.get("theme_label", "") or "")
    sub = str(comment.get("sub_theme_label", "") or "")
    second = str(comment.get("secondary_theme_label", "") or "")
    if text and sub:
        text += f" › {sub}"
    if second:
        text += f"; also: {second}" if text else f"also: {second}"
    return text


def quotes(comments: pd.DataFrame, themes: pd.DataFrame, limit: int) -> pd.DataFrame:
    """Example comments: a few from each top theme, then others, most strongly felt first.

    Deterministic, so two downloads of the same pack agree.
    """
    if not len(comments):
        return comments
    comments = unique_comments(comments)
    df = comments.assign(_strength=comments["compound"].abs().fillna(0.0))
    df = df[df["text"].astype(str).str.len().between(15, 600)]
    picked: list[int] = []
    per_theme = max(1, limit // max(1, len(themes))) if len(themes) else 0
    for theme in themes["theme"] if len(themes) else []:
        sub = df[df["theme"] == theme].sort_values("_strength", ascending=False, kind="stable")
        picked.extend(sub.index[:per_theme])
    rest = df.drop(index=picked).sort_values("_strength", ascending=False, kind="stable")
    picked.extend(rest.index[: max(0, limit - len(picked))])
    return comments.loc[picked[:limit]]


def sheet_comments(comments: pd.DataFrame, themes: pd.DataFrame) -> pd.DataFrame:
    """A team sheet's comments: all of them up to ``MAX_COMMENTS_XLSX``, else that many
    representative ones (:func:`quotes`); ``attrs["of"]`` holds the team's total."""
    total = len(comments)
    comments = unique_comments(comments)
    out = (
        comments
        if len(comments) <= MAX_COMMENTS_XLSX
        else quotes(comments, themes, MAX_COMMENTS_XLSX)
    )
    out = out.copy()
    out.attrs["of"] = total
    return out


def reading(diff: float, p_adj: float, direction: str) -> str:
    if missing(diff) or missing(p_adj):
        return ""
    if p_adj >= ALPHA:
        return "no clear difference"
    worse = diff > 0 if direction == "higher_worse" else diff < 0
    return "worse than the rest" if worse else "better than the rest"


def gap_bin(diff: float, direction: str) -> int:
    """-2..2: how much worse (negative) or better than the rest, direction-aware."""
    if missing(diff):
        return 0
    gap = -diff if direction == "higher_worse" else diff
    strong, light = _GAP_BINS
    if gap <= -strong:
        return -2
    if gap <= -light:
        return -1
    if gap >= strong:
        return 2
    if gap >= light:
        return 1
    return 0


def question_text(row: pd.Series) -> str:
    """The item's own statement: a matrix stem ("How much do you agree ...? - ") is dropped."""
    q = row.get("question")
    return statement(str(q) if not missing(q) and str(q) else str(row["item"]))


#: What a flag's priority rank means, in the words a manager reads.
PRIORITY_MEANING = (
    "Priority ranks every flag in the organisation: 1 is the one to act on first. It weighs "
    "how far the group is from the rest, how much that measure matters for the outcome, and "
    "how many people it concerns."
)
#: How the priority is computed, for the "how this is computed" note.
PRIORITY_FORMULA = (
    "priority = log(1 + n) / log(1 + N) × [Σ |d| × (1 + driver share) + Σ comment h], where "
    "n is the group's size and N the organisation's, d is Cohen's d of each flagged measure "
    "against the rest of the organisation, the driver share is how much of the outcome that "
    "measure explains (key drivers), and h is Cohen's h of each elevated comment signal. "
    "Flags are ranked by it, highest first."
)
_STATS = re.compile(r"\s*\(adjusted p\s*[<=>]\s*[0-9.]+,\s*d=(-?[0-9.]+)\)")
_ADJ_P = re.compile(r",\s*adjusted p\s*[<=>]\s*[0-9.]+")


def _gap_words(d: float) -> str:
    """Cohen's (1988) labels for |d|: 0.2 small, 0.5 medium, 0.8 large."""
    d = abs(d)
    return "a large gap" if d >= 0.8 else "a medium gap" if d >= 0.5 else "a small but clear gap"


def plain_reason(reason: str) -> str:
    """A flag's reason without test statistics: "(adjusted p<0.001, d=0.9)" becomes "(a
    large gap)" and ", adjusted p<0.01" goes. Significance is what made it a flag at all;
    the numbers stay in the HR overview and the methods sheet."""
    text = _STATS.sub(lambda m: f" ({_gap_words(float(m.group(1)))})", str(reason))
    return _ADJ_P.sub("", text)


def priority_rank(results: Any, flag: Any) -> tuple[int, int]:
    """(rank, of): the flag's place among all the view's flags, highest priority first."""
    ranked = sorted(results.flags, key=lambda f: -float(f.priority))
    rank = next((i for i, f in enumerate(ranked, 1) if f is flag), None)
    if rank is None:  # a copy of the flag (e.g. quotes stripped): match on what it says
        rank = next(
            (
                i
                for i, f in enumerate(ranked, 1)
                if (f.group_label, f.type, f.priority)
                == (flag.group_label, flag.type, flag.priority)
            ),
            len(ranked) + 1,
        )
    return rank, len(ranked)


def priority_text(results: Any, flag: Any) -> str:
    rank, of = priority_rank(results, flag)
    return f"Priority {rank} of {of}"


def _text_key(text: object) -> str:
    return " ".join(str(text).casefold().split())


def unique_texts(texts: Sequence[str]) -> list[str]:
    """The texts without repeats (same words, ignoring case and spacing), first kept."""
    seen: set[str] = set()
    out = []
    for text in texts:
        key = _text_key(text)
        if key not in seen:
            seen.add(key)
            out.append(text)
    return out


def unique_comments(comments: pd.DataFrame) -> pd.DataFrame:
    """Comments without repeated texts: one person's answer pasted into several questions,
    or many people's identical one-liners, is shown once."""
    if not len(comments) or "text" not in comments.columns:
        return comments
    return comments[~comments["text"].map(_text_key).duplicated()]


def answers_text(action: dict[str, Any]) -> str:
    """Which question an action was chosen for, and why (analysis.hotspots.by_question), or ""."""
    question = action.get("question")
    if not question:
        return ""
    return f"Answers “{question}” ({action.get('why', '')})."


def flag_type(kind: str) -> str:
    return {"change_management": "Change management", "training": "Training"}.get(
        kind, str(kind).replace("_", " ").capitalize()
    )


def frac(percent: object) -> float | None:
    return None if missing(percent) else float(percent) / 100.0
