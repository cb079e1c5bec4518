"""Flags: which visible groups need change management or training, why, and what to do.

A group is flagged on a construct only when screening says so (:mod:`.screening`: one-sided
Welch vs the rest, Benjamini–Hochberg within the grouping, |d| ≥ 0.3, ≥ 5 points, at least 10
people, not a majority group, a crossed cell only beyond its main effects). Comment signals add
evidence (and can raise a flag on their own: training requests, or any signal when the survey
has no scores) only for groups whose comment count meets
the confidentiality threshold. The organisation itself is flagged when a construct is below its
target (:mod:`.targets`). What to do first comes from :func:`.diagnosis.diagnose`; actions
from surveys/playbook.yaml.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis.hotspots.comments import comment_signal_tests, prepare_comments
from analysis.hotspots.diagnosis import CONCEPT_DIMS, Diagnosis, Profile, diagnose
from analysis.hotspots.flag import Flag
from analysis.hotspots.inputs import (
    check_table,
    constructs_meta,
    group_columns,
    group_of,
    key_of,
    phrase_label,
    visible_rows,
)
from analysis.hotspots.organisation import organisation_flags
from analysis.hotspots.playbook import ADKAR, FLAG_TYPES, load_playbook
from analysis.hotspots.profile import actions_for, adkar_scores, profile_of
from analysis.hotspots.screening import screen
from analysis.hotspots.segments import segments
from analysis.privacy import PrivacyPolicy
from analysis.stats import wilson
from analysis.tables import FLAGS
from analysis.thresholds import THRESHOLDS


@dataclass
class _GroupState:
    grouping: str
    label: str
    group: dict[str, str]
    n: int
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)
    flagged: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    comments: dict[str, Any] | None = None
    #: flag type -> the comment signal that raises a flag of that type on its own
    comment_flags: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class _Context:
    """What every group flag of one :func:`find_hotspots` call is built from."""

    playbook: dict
    meta: dict
    items: pd.DataFrame | None
    org_n: int
    main_outcome: str | None
    max_quotes: int
    max_actions: int
    alpha: float

    @property
    def concept_ids(self) -> dict[str, list[str]]:
        """Concept -> the construct ids measuring it."""
        ids: dict[str, list[str]] = {}
        for cid, m in self.meta.items():
            if m["concept"]:
                ids.setdefault(m["concept"], []).append(cid)
        return ids


def _driver_shares(drivers: pd.DataFrame | None, main_outcome: str | None, meta: dict) -> tuple:
    if drivers is None or len(drivers) == 0 or "outcome" not in drivers.columns:
        return main_outcome, {}
    outcomes = [str(o) for o in pd.unique(drivers["outcome"])]
    if main_outcome is None:
        readiness = [cid for cid, m in meta.items() if m["concept"] == "change_readiness"]
        main_outcome = next((o for o in outcomes if o in readiness), outcomes[0])
    rows = drivers[drivers["outcome"] == main_outcome]
    shares = {
        str(r["driver"]): float(r["share"]) if pd.notna(r["share"]) else 0.0
        for r in rows.to_dict("records")
    }
    return main_outcome, shares


def main_outcome(drivers: pd.DataFrame | None, constructs: object) -> str | None:
    """The outcome whose driver shares weigh the flags: change readiness when the drivers have
    it, else the first outcome of ``drivers`` (the only one when the user chose it)."""
    return _driver_shares(drivers, None, constructs_meta(constructs))[0]


def _gap_words(d: float, q: float) -> str:
    size = "a large gap" if d >= 0.8 else "a medium gap" if d >= 0.5 else "a noticeable gap"
    strength = "strong evidence" if q < 0.01 else "clear evidence" if q < 0.05 else "some evidence"
    return f"{size}, {strength}"


def _diagnosis(
    state: _GroupState, meta: dict, items: pd.DataFrame | None, playbook: dict
) -> Diagnosis:
    flagged = {e["construct"] for ev in state.flagged.values() for e in ev}
    scores = {cid: r["score"] for cid, r in state.rows.items()}
    adkar = adkar_scores(items, key_of(state.group), state.grouping)
    profile = profile_of(scores, meta, state.n, worse=flagged, adkar=adkar)
    if not state.rows and state.comment_flags:  # no scores: the comments are the evidence
        concepts = [
            playbook["signals"][f["signal"]]["concept"] for f in state.comment_flags.values()
        ]
        worse = {CONCEPT_DIMS[c] for c in concepts if c in CONCEPT_DIMS}
        profile = Profile(n=state.n, worse=frozenset(worse))
    return diagnose(profile)


def _adkar_weakest(
    state: _GroupState,
    playbook: dict,
    concept_ids: dict[str, list[str]],
    readiness: str,
    direct: str | None,
) -> list[str]:
    """The weakest ADKAR element(s): the item-based one when the survey has the items, else the
    element whose proxy constructs are furthest below the rest (largest harmful d)."""
    if direct is not None:
        return [direct]
    adkar = playbook["concepts"].get(readiness, {}).get("adkar") or {}
    harms = {}
    for element, spec in adkar.items():
        vals = [
            state.rows[cid]["signed_d"]
            for concept in spec["proxies"]
            for cid in concept_ids.get(concept, [])
            if cid in state.rows and pd.notna(state.rows[cid]["signed_d"])
        ]
        if vals:
            harms[element] = max(vals)
    if not harms or max(harms.values()) <= 0:
        return []
    top = max(harms.values())
    return [e for e in ADKAR if harms.get(e) == top]


def _states(
    screened: pd.DataFrame,
    concept_type: Mapping[str, str],
    main_outcome: str | None,
    shares: Mapping[str, float],
) -> dict[tuple[str, frozenset], _GroupState]:
    """One state per visible group: its rows and, per flag type, the evidence of its flagged
    constructs (weighted by driver share for the priority)."""
    states: dict[tuple[str, frozenset], _GroupState] = {}
    for row in screened.to_dict("records"):
        key = (row["grouping"], key_of(row["group_key"]))
        state = states.get(key)
        if state is None:
            state = states[key] = _GroupState(row["grouping"], row["group"], row["group_key"], 0)
        state.n = max(state.n, int(row["n"]))
        cid = row["construct"]
        state.rows[cid] = {
            "signed_d": row["effect_size"],
            "harm": row["gap"],
            "score": row["score"],
            "state": row["state"],
        }
        if row["state"] != "flag" or row["concept"] not in concept_type:
            continue
        weight = 1.0 if cid == main_outcome else shares.get(cid, 0.0)
        d = abs(row["effect_size"])
        state.flagged.setdefault(concept_type[row["concept"]], []).append(
            {
                "construct": cid,
                "label": row["label"],
                "concept": row["concept"],
                "direction": row["direction"],
                "n": int(row["n"]),
                "score": row["score"],
                "rest_score": row["rest_score"],
                "diff": row["score"] - row["rest_score"],
                "gap": row["gap"],
                "gap_low": row["gap_low"],
                "gap_high": row["gap_high"],
                "effect_size": d,
                "p": row["p"],
                "p_one_sided": row["p_one"],
                "p_adj": row["q"],
                "interaction": row["interaction"],
                "driver_share": weight,
                "contribution": d * (1 + weight),
            }
        )
    return states


def find_hotspots(
    group_table: pd.DataFrame,
    drivers: pd.DataFrame | None = None,
    comment_signals: pd.DataFrame | None = None,
    playbook: dict[str, Any] | None = None,
    policy: object | None = None,
    *,
    constructs: object,
    alpha: float = THRESHOLDS.alpha,
    min_d: float = THRESHOLDS.min_effect,
    min_diff: float = THRESHOLDS.min_points,
    min_share_diff: float = THRESHOLDS.min_share_diff,
    main_outcome: str | None = None,
    org_n: int | None = None,
    max_quotes: int = 3,
    max_actions: int = 8,
    org: pd.DataFrame | None = None,
    items: pd.DataFrame | None = None,
    min_flag_n: int = THRESHOLDS.min_flag_n,
    fdr: float = THRESHOLDS.hotspot_fdr,
    segments_table: pd.DataFrame | None = None,
) -> list[Flag]:
    """Flag visible groups that are credibly and meaningfully worse than the rest, and the
    organisation where it is below target.

    ``fdr`` is the false discovery rate of the screening (Benjamini–Hochberg within each
    grouping and construct; see :mod:`analysis.hotspots.screening` for the whole rule); a
    flag whose best evidence has q < ``alpha`` is of high confidence, the others medium. A
    group's flagged constructs make one flag per type (the playbook maps concepts to types:
    training_need -> training, the rest -> change_management). ``org`` (``scoring.org_scores``)
    adds organisation-level flags for constructs below target; ``items``
    (``scoring.item_scores`` by group) lets the diagnosis read the ADKAR items.
    ``segments_table``: the caller's :func:`segments` of ``group_table``, else made here.

    Comment evidence is used only for groups with at least policy.min_comments comments. It
    adds its elevated signals to the reason and priority of a flag of the same type, and it
    raises a training flag on its own when the share of comments asking for training is above
    the rest by at least ``min_share_diff`` and Cohen's h >= ``min_d``, with a one-sided
    two-proportion z-test passing Benjamini–Hochberg within the grouping and signal. When the
    survey has no scored construct with a concept (comments only), ``group_table`` only gives
    group sizes (visible rows, any construct) and every signal may raise a flag of its type
    this way (job-loss fear and negative-about-AI comments: change management).

    Notes
    -----
    priority = log1p(n) / log1p(N) × [Σ_c |d_c| × (1 + s_c) + Σ_k max(0, h_k)]

    over the flagged constructs c and the group's comment signals k of the flag's type; s_c is
    the construct's share of R² for the main outcome (from ``drivers``; the outcome itself counts
    1, constructs without a weight 0), h_k Cohen's h of the signal's share vs the rest, n the
    group size and N the organisation size (``org_n``, else the largest visible total of a
    grouping). Cohen's d and h are on the same scale (0.2 small, 0.5 medium, 0.8 large; Cohen
    1988). An organisation flag's priority is Σ_c (target_c − % favourable_c) / 50 × (1 + s_c).

    Returns
    -------
    Flags, highest priority first.
    """
    check_table(group_table)
    meta = constructs_meta(constructs)
    playbook = playbook if playbook is not None else load_playbook()
    policy = policy if policy is not None else PrivacyPolicy()
    main_outcome, shares = _driver_shares(drivers, main_outcome, meta)
    rules = {"fdr": fdr, "min_d": min_d, "min_diff": min_diff, "min_flag_n": min_flag_n}
    screened = screen(group_table, meta, min_group=int(policy.min_group), org_n=org_n, **rules)
    org_n = _org_n(screened) if org_n is None else org_n
    concept_type = {c: spec["type"] for c, spec in playbook["concepts"].items()}
    states = _states(screened, concept_type, main_outcome, shares)
    tests = {"fdr": fdr, "min_d": min_d, "min_share_diff": min_share_diff}
    _add_comment_evidence(states, group_table, comment_signals, meta, playbook, policy, **tests)
    ctx = _Context(playbook, meta, items, org_n, main_outcome, max_quotes, max_actions, alpha)
    segment_of = _segment_of(group_table, meta, playbook, policy, ctx.concept_ids, segments_table)
    flags = [
        _build_flag(state, ftype, ctx, segment_of.get(key), diagnosis)
        for key, state in states.items()
        for ftype, diagnosis in _flag_types(state, ctx)
    ]
    flags += organisation_flags(org, meta, playbook, shares, main_outcome, items, max_actions)
    flags.sort(key=lambda f: (-f.priority, f.grouping, f.group_label, f.type))
    return flags


def _org_n(screened: pd.DataFrame) -> int:
    """The organisation's size when not given: the largest visible total of a grouping."""
    totals = screened.groupby(["grouping", "construct"])["n"].sum() if len(screened) else []
    return int(max(totals)) if len(totals) else 1


def _add_comment_evidence(
    states: dict[tuple[str, frozenset], _GroupState],
    group_table: pd.DataFrame,
    comment_signals: pd.DataFrame | None,
    meta: dict,
    playbook: dict,
    policy: Any,
    *,
    fdr: float,
    min_d: float,
    min_share_diff: float,
) -> None:
    """Attach each group's comment evidence and test which signals raise a flag on their own.

    Without scored constructs (a comments-only survey) the group table gives sizes only, and
    comments are the only evidence: every signal may raise a flag of its type on its own;
    otherwise only the training request does."""
    comments_alone = not any(m["concept"] for m in meta.values())
    if comments_alone:
        _size_only_states(states, group_table, int(policy.min_group))
    comments = prepare_comments(
        comment_signals, policy, {key[1]: state.n for key, state in states.items()}
    )
    for key, state in states.items():
        state.comments = comments.get(key[1])
    concept_type = {c: spec["type"] for c, spec in playbook["concepts"].items()}
    signal_types = {
        s: concept_type[spec["concept"]]
        for s, spec in playbook["signals"].items()
        if comments_alone or s == "training_request"
    }
    comment_signal_tests(states, fdr, min_d, min_share_diff, signal_types)


def _flag_types(state: _GroupState, ctx: _Context) -> list[tuple[str, Diagnosis]]:
    """The flag types a group earns (from its constructs or its comments), each with the
    group's diagnosis (computed once per group)."""
    types = [t for t in FLAG_TYPES if t in state.flagged or t in state.comment_flags]
    if not types:
        return []
    diagnosis = _diagnosis(state, ctx.meta, ctx.items, ctx.playbook)
    return [(t, diagnosis) for t in types]


def _size_only_states(
    states: dict[tuple[str, frozenset], _GroupState], group_table: pd.DataFrame, min_group: int
) -> None:
    """Add a state (size only) for each visible group of ``group_table`` screening did not
    see: the stand-in table of a comments-only survey has sizes but no scores to screen."""
    gcols = group_columns(group_table)
    for row in visible_rows(group_table, min_group).to_dict("records"):
        group = group_of(row, gcols)
        key = (str(row["grouping"]), key_of(group))
        state = states.get(key)
        if state is None:
            state = states[key] = _GroupState(key[0], str(row["group"]), group, 0)
        state.n = max(state.n, int(row["n"]))


def _segment_of(
    group_table: pd.DataFrame,
    meta: dict,
    playbook: dict,
    policy: object,
    concept_ids: Mapping[str, list[str]],
    seg: pd.DataFrame | None = None,
) -> dict[tuple[str, frozenset], str]:
    """Each group's trust × fear quadrant, when the survey has both axes (``seg``: the map,
    when the caller made it already)."""
    segment_of: dict[tuple[str, frozenset], str] = {}
    if {"trust_in_ai", "fear_of_displacement"} <= set(concept_ids):
        if seg is None:
            seg = segments(group_table, constructs=meta, playbook=playbook, policy=policy)
        for row in seg.to_dict("records"):
            if row["quadrant"] in playbook["segments"]:
                segment_of[(row["grouping"], key_of(row["group_key"]))] = row["quadrant"]
    return segment_of


def _comment_parts(state: _GroupState, ftype: str, playbook: dict) -> tuple[list, list[str]]:
    terms: list[tuple[str, dict[str, Any]]] = []
    parts: list[str] = []
    if state.comments is None:
        return terms, parts
    n_c = state.comments["n_comments"]
    for sig, info in state.comments["signals"].items():
        spec = playbook["signals"][sig]
        same_type = playbook["concepts"][spec["concept"]]["type"] == ftype
        if same_type and pd.notna(info["h"]) and info["h"] > 0:
            terms.append((sig, info))
    terms.sort(key=lambda t: -t[1]["h"])
    raised = state.comment_flags.get(ftype, {}).get("signal")
    for sig, info in terms:
        interval, test = "", ""
        if sig == raised:  # the evidence itself: its uncertainty and its test
            lo, hi = wilson(info["share"], n_c)
            interval = f" (95% interval {100 * float(lo):.0f}–{100 * float(hi):.0f}%)"
            test = f"; q = {info['p_adj']:.2g}"
        parts.append(
            f"{100 * info['share']:.0f}%{interval} of its {n_c} comments "
            f"{playbook['signals'][sig]['phrase']} (vs {100 * info['rest_share']:.0f}% "
            f"elsewhere{test})"
        )
    return terms, parts


def _priority(
    state: _GroupState,
    evidence: list[dict[str, Any]],
    comment_terms: list[tuple[str, dict[str, Any]]],
    org_n: int,
    main_outcome: str | None,
) -> tuple[float, str]:
    """The flag's priority and its formula with the numbers in (see :func:`find_hotspots`)."""
    size = math.log1p(state.n) / math.log1p(max(org_n, state.n))
    construct_sum = sum(e["contribution"] for e in evidence)
    comment_sum = sum(info["h"] for _, info in comment_terms)
    priority = size * (construct_sum + comment_sum)
    terms = [f"{e['effect_size']:.2f} × (1 + {e['driver_share']:.2f})" for e in evidence]
    terms += [f"{info['h']:.2f}" for _, info in comment_terms]
    outcome_note = f" (driver shares for {main_outcome})" if main_outcome else ""
    formula = (
        "priority = log1p(n)/log1p(N) × [Σ |d| × (1 + driver share) + Σ comment h]"
        f"{outcome_note}; here log1p({state.n})/log1p({max(org_n, state.n)}) × "
        f"[{' + '.join(terms) or '0'}] = {priority:.2f}"
    )
    return priority, formula


def _quotes(state: _GroupState, signals: list[str], max_quotes: int) -> list[str]:
    """Up to ``max_quotes`` distinct quotes, taken in turn from each signal's pool."""
    quotes: list[str] = []
    if state.comments is None:
        return quotes
    pools = [list(state.comments["quotes"].get(s, [])) for s in signals]
    seen: set[str] = set()
    while len(quotes) < max_quotes and any(pools):
        for pool in pools:
            if pool and len(quotes) < max_quotes:
                q = str(pool.pop(0))
                if q not in seen:
                    seen.add(q)
                    quotes.append(q)
    return quotes


def _build_flag(
    state: _GroupState,
    ftype: str,
    ctx: _Context,
    segment: str | None,
    diagnosis: Diagnosis,
) -> Flag:
    evidence = sorted(state.flagged.get(ftype, []), key=lambda e: -e["contribution"])
    parts = [
        f"{phrase_label(e['label'])} {e['score']:.0f}/100 vs {e['rest_score']:.0f}"
        f"{' for the rest of the organisation' if i == 0 else ''} "
        f"({_gap_words(e['effect_size'], e['p_adj'])})"
        for i, e in enumerate(evidence)
    ]
    comment_terms, comment_parts = _comment_parts(state, ftype, ctx.playbook)
    parts += comment_parts
    comment_info = None
    if state.comments is not None:
        comment_info = {
            "n_comments": state.comments["n_comments"],
            "signals": {s: dict(i) for s, i in state.comments["signals"].items()},
        }
    reason = f"{state.label} (n={state.n}): " + "; ".join(parts) + ". " + diagnosis.reason
    priority, formula = _priority(state, evidence, comment_terms, ctx.org_n, ctx.main_outcome)
    concepts = [e["concept"] for e in evidence]
    readiness = next((c for c in concepts if "adkar" in ctx.playbook["concepts"].get(c, {})), None)
    weakest: list[str] = []
    if readiness is not None:
        weakest = _adkar_weakest(
            state, ctx.playbook, ctx.concept_ids, readiness, diagnosis.weakest_adkar
        )
        for e in evidence:
            if e["concept"] == readiness:
                e["adkar_weakest"] = weakest
    action_concepts = list(
        dict.fromkeys(concepts + [ctx.playbook["signals"][s]["concept"] for s, _ in comment_terms])
    )
    actions = actions_for(action_concepts, ctx.playbook, weakest, ctx.max_actions)
    quotes = _quotes(state, [s for s, _ in comment_terms], ctx.max_quotes)
    qs = [e["p_adj"] for e in evidence]
    if not evidence and ftype in state.comment_flags:
        qs = [state.comment_flags[ftype].get("p_adj", 1.0)]
    confidence = "high" if qs and min(qs) < ctx.alpha else "medium"
    return Flag(
        group=dict(state.group),
        group_label=state.label,
        grouping=state.grouping,
        n=state.n,
        type=ftype,
        constructs=[e["construct"] for e in evidence],
        priority=float(priority),
        priority_formula=formula,
        reason=reason,
        evidence=evidence,
        quotes=quotes,
        actions=actions,
        segment=segment,
        comments=comment_info,
        action=diagnosis.action,
        confidence=confidence,
    )


def flags_frame(flags: Iterable[Flag]) -> pd.DataFrame:
    """One row per flag, ranked, for tables and exports."""
    rows = [
        {
            "rank": i,
            "grouping": f.grouping,
            "group": f.group_label,
            "type": f.type,
            "n": f.n,
            "priority": round(f.priority, 3),
            "constructs": "; ".join(f.constructs),
            "segment": f.segment or "",
            "reason": f.reason,
            "actions": "; ".join(a["title"] for a in f.actions),
            "quotes": "\n".join(f.quotes),
            "priority_formula": f.priority_formula,
            "action": f.action,
            "confidence": f.confidence,
            "scope": f.scope,
            "response_rate": np.nan if f.response_rate is None else float(f.response_rate),
        }
        for i, f in enumerate(flags, 1)
    ]
    return pd.DataFrame(rows, columns=FLAGS.columns()) if rows else FLAGS.empty()
