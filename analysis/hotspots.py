"""Hot spots: which visible groups need change management or training, why, and what to do.

A flag is raised only on evidence a change lead can check: a group's construct score is
significantly worse than the rest of the organisation (Holm-adjusted p) by a margin that matters
(Cohen's d and points on 0-100), weighted by how strongly that construct drives the main outcome.
Comment signals add evidence (and can raise a training flag on their own) only for groups whose
comment count meets the confidentiality threshold. Actions come from surveys/playbook.yaml.

Inputs
------
``group_table``: the tidy output of ``scoring.group_scores`` (one row per group x construct, already
through ``privacy.protect_groups``; see docs/architecture.md).

``comment_signals`` (optional): one row per group, as made by :func:`group_comment_signals`:
the group's columns (e.g. ``team``), ``n_comments``, ``rest_n_comments`` and, per signal in
:data:`COMMENT_SIGNALS`, ``<signal>`` (share of the group's comments, 0-1), ``<signal>_n`` (count)
and ``rest_<signal>`` (share among all other comments), plus ``quotes``: a dict signal -> list of
already-redacted representative comments.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from analysis.errors import ChangeRadarError
from analysis.privacy import PrivacyPolicy, comment_visibility
from analysis.stats import holm, two_proportion_test
from analysis.survey import CONCEPTS
from analysis.tables import FLAGS, GROUPS, SEGMENTS
from analysis.thresholds import THRESHOLDS

FLAG_TYPES = ("change_management", "training")
COMMENT_SIGNALS = ("displacement_fear", "ai_negative", "training_request")
QUADRANTS = ("champions", "anxious adopters", "skeptics", "resisters")
ADKAR = ("awareness", "desire", "knowledge", "ability", "reinforcement")
DEFAULT_PLAYBOOK = Path(__file__).resolve().parents[1] / "surveys" / "playbook.yaml"

_REQUIRED = ("grouping", "group", "construct", "n", "score", "rest_score", "effect_size", "p")
_DIRECTIONS = ("higher_better", "higher_worse")
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class PlaybookError(ChangeRadarError):
    """The playbook YAML is malformed; the message says which entry to fix."""


# ---------------------------------------------------------------------------------------------
# Playbook


def _check_actions(actions: object, where: str) -> list[dict[str, str]]:
    if not isinstance(actions, list) or not actions:
        raise PlaybookError(f"{where} needs a non-empty list of actions.")
    out = []
    for i, action in enumerate(actions, 1):
        if not isinstance(action, dict):
            raise PlaybookError(
                f"Action {i} of {where} must be a mapping with title/detail/source."
            )
        for key in ("title", "detail", "source"):
            value = action.get(key)
            if not isinstance(value, str) or not value.strip():
                raise PlaybookError(f"Action {i} of {where} needs a non-empty '{key}'.")
        out.append({k: " ".join(str(action[k]).split()) for k in ("title", "detail", "source")})
    return out


def load_playbook(path: str | Path | None = None) -> dict[str, Any]:
    """Load and validate the recommended-actions playbook (default: surveys/playbook.yaml).

    Every concept in analysis.survey.CONCEPTS must have a flag type and actions, every action
    a title, detail and source (the evidence behind it), and every comment signal a known
    concept. Parsed playbooks are cached per file and modification time; callers get a copy.
    """
    path = Path(path) if path is not None else DEFAULT_PLAYBOOK
    try:
        stamp = path.stat().st_mtime_ns
    except OSError as exc:
        raise PlaybookError(f"Cannot read the playbook at {path}: {exc.strerror}.") from exc
    return copy.deepcopy(_load_playbook_cached(str(path), stamp))


@lru_cache(maxsize=8)
def _load_playbook_cached(path_text: str, _stamp: int) -> dict[str, Any]:
    path = Path(path_text)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except OSError as exc:
        raise PlaybookError(f"Cannot read the playbook at {path}: {exc.strerror}.") from exc
    except yaml.YAMLError as exc:
        raise PlaybookError(f"The playbook at {path} is not valid YAML: {exc}.") from exc
    if not isinstance(raw, dict):
        raise PlaybookError(f"The playbook at {path} must be a YAML mapping.")
    types = raw.get("types") or {}
    if set(types) != set(FLAG_TYPES):
        raise PlaybookError(f"The playbook 'types' must be exactly {', '.join(FLAG_TYPES)}.")
    concepts_raw = raw.get("concepts") or {}
    missing = [c for c in CONCEPTS if c not in concepts_raw]
    if missing:
        raise PlaybookError(f"The playbook has no actions for concept(s): {', '.join(missing)}.")
    concepts: dict[str, dict[str, Any]] = {}
    for name, entry in concepts_raw.items():
        if not isinstance(entry, dict):
            raise PlaybookError(f"Playbook concept '{name}' must be a mapping.")
        if entry.get("type") not in FLAG_TYPES:
            raise PlaybookError(
                f"Playbook concept '{name}' needs a type: one of {', '.join(FLAG_TYPES)}."
            )
        spec: dict[str, Any] = {
            "type": entry["type"],
            "lead": bool(entry.get("lead", False)),
            "actions": _check_actions(entry.get("actions"), f"concept '{name}'"),
        }
        adkar = entry.get("adkar")
        if adkar is not None:
            if not isinstance(adkar, dict) or set(adkar) - set(ADKAR):
                raise PlaybookError(
                    f"Playbook concept '{name}' adkar elements must be among {', '.join(ADKAR)}."
                )
            spec["adkar"] = {}
            for element, e in adkar.items():
                proxies = e.get("proxies") if isinstance(e, dict) else None
                if not isinstance(proxies, list) or not set(proxies) <= set(CONCEPTS):
                    raise PlaybookError(
                        f"ADKAR element '{element}' of '{name}' needs 'proxies': a list of "
                        "survey concepts."
                    )
                spec["adkar"][element] = {
                    "proxies": list(proxies),
                    "actions": _check_actions(e.get("actions"), f"ADKAR element '{element}'"),
                }
        concepts[str(name)] = spec
    signals = {}
    for sig in COMMENT_SIGNALS:
        entry = (raw.get("signals") or {}).get(sig)
        if not isinstance(entry, dict) or entry.get("concept") not in concepts:
            raise PlaybookError(f"Playbook signal '{sig}' needs a 'concept' listed under concepts.")
        if not isinstance(entry.get("phrase"), str) or not entry["phrase"].strip():
            raise PlaybookError(f"Playbook signal '{sig}' needs a 'phrase'.")
        signals[sig] = {"concept": entry["concept"], "phrase": entry["phrase"].strip()}
    segs = raw.get("segments") or {}
    if set(segs) != set(QUADRANTS):
        raise PlaybookError(f"The playbook 'segments' must describe: {', '.join(QUADRANTS)}.")
    return {
        "version": raw.get("version", 1),
        "types": {k: dict(v) for k, v in types.items()},
        "concepts": concepts,
        "signals": signals,
        "segments": {k: " ".join(str(v).split()) for k, v in segs.items()},
    }


# ---------------------------------------------------------------------------------------------
# Flags


@dataclass
class Flag:
    """One group that needs change management or training, with everything behind the call."""

    group: dict[str, str]
    group_label: str
    grouping: str
    n: int
    type: str
    constructs: list[str]
    priority: float
    priority_formula: str
    reason: str
    evidence: list[dict[str, Any]] = field(default_factory=list)
    quotes: list[str] = field(default_factory=list)
    actions: list[dict[str, str]] = field(default_factory=list)
    segment: str | None = None
    comments: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe dict (numpy numbers become Python numbers, NaN becomes None)."""
        return jsonable(asdict(self))


def jsonable(obj: Any) -> Any:
    """Plain JSON-safe data: numpy scalars become Python ones, NaN/NA/NaT become None.

    The one converter behind every JSON output (flags, Results.to_dict, the CLI)."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if obj is pd.NA or obj is pd.NaT:
        return None
    return obj


def _constructs_meta(constructs: object) -> dict[str, dict[str, Any]]:
    items = getattr(constructs, "constructs", constructs)
    if isinstance(items, pd.DataFrame):
        items = items.to_dict("records")
    elif isinstance(items, Mapping):
        items = [{"id": k, **v} if isinstance(v, Mapping) else v for k, v in items.items()]
    meta: dict[str, dict[str, Any]] = {}
    for c in items:
        get = c.get if isinstance(c, Mapping) else (lambda k, c=c: getattr(c, k, None))
        cid = get("id")
        if cid is None:
            raise ValueError("Each construct needs an 'id' to match the group table.")
        direction = get("direction") or "higher_better"
        if direction not in _DIRECTIONS:
            raise ValueError(
                f"Construct '{cid}' has direction {direction!r}; use higher_better or higher_worse."
            )
        concept = get("concept")
        meta[str(cid)] = {
            "label": str(get("label") or cid),
            "direction": direction,
            "concept": None if concept is None or pd.isna(concept) else str(concept),
        }
    return meta


def _group_columns(table: pd.DataFrame) -> list[str]:
    """The grouping's own columns (team, role, ...): text columns scoring adds per ``by``."""
    known = GROUPS.known()
    return [
        c
        for c in table.columns
        if c not in known
        and not pd.api.types.is_numeric_dtype(table[c])
        and not pd.api.types.is_bool_dtype(table[c])
    ]


def _group_of(row: Mapping[str, Any], gcols: Sequence[str]) -> dict[str, str]:
    group = {c: str(row[c]) for c in gcols if not pd.isna(row[c])}
    return group or {str(row["grouping"]): str(row["group"])}


def _key(group: Mapping[str, str]) -> frozenset[tuple[str, str]]:
    return frozenset((str(k), str(v)) for k, v in group.items())


def _cohens_h(p1: float, p2: float) -> float:
    """Cohen's h, the effect size of a difference in proportions (read like d)."""
    return 2 * math.asin(math.sqrt(p1)) - 2 * math.asin(math.sqrt(p2))


def _fmt_p(p: float) -> str:
    if p < 0.001:
        return "p<0.001"
    if p < 0.01:
        return "p<0.01"
    text = f"{p:.2f}"
    # a p under alpha must not read as alpha once rounded
    return f"p={p:.3f}" if float(text) >= THRESHOLDS.alpha > p else f"p={text}"


def _phrase_label(label: str) -> str:
    """'Fear of displacement' -> 'fear of displacement', but 'AI trust' stays as it is."""
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label


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


def _visible_rows(table: pd.DataFrame, min_group: int) -> pd.DataFrame:
    """Rows that may be reported: not suppressed (NA counts as suppressed) and n >= min_group."""
    suppressed = (
        table["suppressed"].astype(object).where(table["suppressed"].notna(), True).astype(bool)
        if "suppressed" in table.columns
        else pd.Series(False, index=table.index)
    )
    n = pd.to_numeric(table["n"], errors="coerce")
    score = pd.to_numeric(table["score"], errors="coerce")
    rest = pd.to_numeric(table["rest_score"], errors="coerce")
    ok = ~suppressed & (n >= min_group) & score.notna() & rest.notna()
    return table.loc[ok.fillna(False).astype(bool)]


def _check_table(table: pd.DataFrame) -> None:
    missing = [c for c in _REQUIRED if c not in table.columns]
    if missing:
        raise ValueError(
            "The group table lacks column(s) "
            f"{', '.join(missing)}; pass the output of scoring.group_scores."
        )


@dataclass
class _GroupState:
    grouping: str
    label: str
    group: dict[str, str]
    n: int
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)
    flagged: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    comments: dict[str, Any] | None = None
    comment_flag: dict[str, Any] | None = None


def _prepare_comments(
    comment_signals: pd.DataFrame | None,
    policy: PrivacyPolicy,
    sizes: Mapping[frozenset, int],
) -> dict[frozenset, dict[str, Any]]:
    """Comment evidence per group, keyed by group, for the groups whose comments may be shown.

    Visibility is privacy.comment_visibility, applied within each grouping with the group's
    visible size (0 when the group table hides it), so a group needs min_comments comments and
    a visible group of min_group respondents, and no lone hidden group can be inferred.
    """
    if comment_signals is None or len(comment_signals) == 0:
        return {}
    cs = comment_signals.reset_index(drop=True)
    if "n_comments" not in cs.columns:
        raise ValueError("comment_signals needs an n_comments column (see group_comment_signals).")
    gcols = [
        c
        for c in cs.columns
        if c not in {"grouping", "group", "n_comments", "rest_n_comments", "quotes"}
        and not any(c in (s, f"{s}_n", f"rest_{s}") for s in COMMENT_SIGNALS)
    ]
    records = cs.to_dict("records")
    keys = []
    for row in records:
        group = {c: str(row[c]) for c in gcols if not pd.isna(row[c])}
        if not group and "group" in row:
            group = {str(row.get("grouping", "group")): str(row["group"])}
        keys.append(group)
    n_comments = pd.to_numeric(cs["n_comments"], errors="coerce").fillna(0)
    partition = pd.Series([" ".join(sorted(g)) for g in keys], index=cs.index)
    visible = pd.Series(False, index=cs.index)
    totals: dict[str, dict[str, float]] = {}
    for part, idx in partition.groupby(partition).groups.items():
        sizes_here = pd.Series([sizes.get(_key(keys[i]), 0) for i in idx], index=idx)
        visible.loc[idx] = comment_visibility(n_comments.loc[idx], policy, sizes_here)
        totals[str(part)] = {"n": float(n_comments.loc[idx].sum())}
        for s in COMMENT_SIGNALS:
            if s in cs.columns:
                counts = cs.loc[idx, f"{s}_n"] if f"{s}_n" in cs.columns else None
                if counts is None:
                    counts = cs.loc[idx, s] * n_comments.loc[idx]
                totals[str(part)][s] = float(pd.to_numeric(counts).sum())
    out: dict[frozenset, dict[str, Any]] = {}
    for i, row in enumerate(records):
        if not visible.iloc[i]:
            continue
        n_c = int(n_comments.iloc[i])
        tot = totals[partition.iloc[i]]
        rest_n = row.get("rest_n_comments")
        rest_n = float(rest_n) if rest_n is not None and pd.notna(rest_n) else tot["n"] - n_c
        signals = {}
        for s in COMMENT_SIGNALS:
            share = row.get(s)
            if share is None or pd.isna(share):
                continue
            count = row.get(f"{s}_n")
            count = float(count) if count is not None and pd.notna(count) else share * n_c
            rest_share = row.get(f"rest_{s}")
            if rest_share is None or pd.isna(rest_share):
                rest_share = (tot.get(s, 0.0) - count) / rest_n if rest_n > 0 else np.nan
            signals[s] = {
                "share": float(share),
                "count": round(count),
                "rest_share": float(rest_share),
                "rest_n": int(rest_n),
                "h": _cohens_h(float(share), float(rest_share)) if pd.notna(rest_share) else np.nan,
            }
        quotes = row.get("quotes")
        out[_key(keys[i])] = {
            "n_comments": n_c,
            "signals": signals,
            "quotes": dict(quotes) if isinstance(quotes, Mapping) else {},
        }
    return out


def _adkar_weakest(
    state: _GroupState, playbook: dict, concept_ids: dict[str, list[str]], readiness: str
) -> list[str]:
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


def _actions_for(
    concepts_in_order: Sequence[str], playbook: dict, adkar_elements: Sequence[str], limit: int
) -> list[dict[str, str]]:
    lead = [c for c in concepts_in_order if playbook["concepts"].get(c, {}).get("lead")]
    ordered = lead + [c for c in concepts_in_order if c not in lead]
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    for concept in ordered:
        spec = playbook["concepts"].get(concept)
        if spec is None:
            continue
        candidates = []
        for element in adkar_elements if "adkar" in spec else ():
            candidates += [{**a, "element": element} for a in spec["adkar"][element]["actions"]]
        candidates += spec["actions"]
        for action in candidates:
            if action["title"] not in seen:
                seen.add(action["title"])
                out.append({**action, "concept": concept})
    return out[:limit]


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
) -> list[Flag]:
    """Flag visible groups that are significantly and meaningfully worse than the rest.

    A (group, construct) row counts against the group when it is visible (not suppressed and
    n >= policy.min_group), the construct has a survey concept, its score is worse than the rest
    (below for higher_better, above for higher_worse constructs) with Holm-adjusted
    p < ``alpha``, |d| >= ``min_d`` and at least ``min_diff`` points apart on 0-100. The group's
    rows are combined into one flag per type (the playbook maps concepts to types: training_need
    -> training, the rest -> change_management).

    Comment evidence is used only for groups with at least policy.min_comments comments. It
    adds its elevated signals to the reason and priority of a flag of the same type, and it
    raises a training flag on its own when the share of comments asking for training is above
    the rest by at least ``min_share_diff`` and Cohen's h >= ``min_d``, with a two-proportion
    z-test significant after Holm adjustment across the grouping's groups.

    Notes
    -----
    priority = log1p(n) / log1p(N) × [Σ_c |d_c| × (1 + s_c) + Σ_k max(0, h_k)]

    over the flagged constructs c and the group's comment signals k of the flag's type; s_c is
    the construct's share of R² for the main outcome (from ``drivers``; the outcome itself counts
    1, constructs without a weight 0), h_k Cohen's h of the signal's share vs the rest, n the
    group size and N the organisation size (``org_n``, else the largest visible total of a
    grouping). It rises with effect size, driver importance and group size. Cohen's d and h are
    on the same scale (0.2 small, 0.5 medium, 0.8 large; Cohen 1988).

    Returns
    -------
    Flags, highest priority first.
    """
    _check_table(group_table)
    meta = _constructs_meta(constructs)
    playbook = playbook if playbook is not None else load_playbook()
    policy = policy if policy is not None else PrivacyPolicy()
    min_group = int(policy.min_group)
    concept_type = {c: spec["type"] for c, spec in playbook["concepts"].items()}
    concept_ids: dict[str, list[str]] = {}
    for cid, m in meta.items():
        if m["concept"]:
            concept_ids.setdefault(m["concept"], []).append(cid)

    table = group_table.copy()
    if "p_adj" not in table.columns:
        table["p_adj"] = np.nan
    if "diff_vs_rest" not in table.columns:
        table["diff_vs_rest"] = pd.to_numeric(table["score"]) - pd.to_numeric(table["rest_score"])
    visible = _visible_rows(table, min_group)
    if visible["p_adj"].isna().all() and len(visible):
        visible = visible.copy()
        for _, idx in visible.groupby(visible["grouping"].astype(str)).groups.items():
            visible.loc[idx, "p_adj"] = holm(pd.to_numeric(visible.loc[idx, "p"]).to_numpy())
    gcols = _group_columns(table)
    main_outcome, shares = _driver_shares(drivers, main_outcome, meta)
    if org_n is None:
        totals = visible.groupby(
            [visible["grouping"].astype(str), visible["construct"].astype(str)]
        )
        org_n = int(pd.to_numeric(totals["n"].sum()).max()) if len(visible) else 1

    states: dict[tuple[str, frozenset], _GroupState] = {}
    for row in visible.to_dict("records"):
        cid = str(row["construct"])
        group = _group_of(row, gcols)
        key = (str(row["grouping"]), _key(group))
        state = states.get(key)
        if state is None:
            state = states[key] = _GroupState(str(row["grouping"]), str(row["group"]), group, 0)
        n = int(row["n"])
        state.n = max(state.n, n)
        m = meta.get(cid)
        if m is None:
            continue
        diff = float(row["diff_vs_rest"])
        harm = diff if m["direction"] == "higher_worse" else -diff
        d = abs(float(row["effect_size"])) if pd.notna(row["effect_size"]) else np.nan
        state.rows[cid] = {"signed_d": d if harm > 0 else -d, "harm": harm}
        p_adj = float(row["p_adj"]) if pd.notna(row["p_adj"]) else np.nan
        concept = m["concept"]
        if (
            concept not in concept_type
            or not p_adj < alpha
            or not harm >= min_diff
            or not d >= min_d
        ):
            continue
        weight = 1.0 if cid == main_outcome else shares.get(cid, 0.0)
        state.flagged.setdefault(concept_type[concept], []).append(
            {
                "construct": cid,
                "label": m["label"],
                "concept": concept,
                "direction": m["direction"],
                "n": n,
                "score": float(row["score"]),
                "rest_score": float(row["rest_score"]),
                "diff": diff,
                "effect_size": d,
                "p": float(row["p"]),
                "p_adj": p_adj,
                "driver_share": weight,
                "contribution": d * (1 + weight),
            }
        )

    comments = _prepare_comments(
        comment_signals, policy, {key[1]: state.n for key, state in states.items()}
    )
    for key, state in states.items():
        state.comments = comments.get(key[1])
    _comment_training_tests(states, alpha, min_d, min_share_diff)

    segment_of: dict[tuple[str, frozenset], str] = {}
    if {"trust_in_ai", "fear_of_displacement"} <= set(concept_ids):
        seg = segments(group_table, constructs=meta, playbook=playbook, policy=policy)
        for row in seg.to_dict("records"):
            segment_of[(row["grouping"], _key(row["group_key"]))] = row["quadrant"]

    flags = []
    for key, state in states.items():
        types = [t for t in FLAG_TYPES if t in state.flagged]
        if state.comment_flag is not None and "training" not in types:
            types.append("training")
        for ftype in types:
            flags.append(
                _build_flag(
                    state,
                    ftype,
                    playbook,
                    concept_ids,
                    org_n,
                    main_outcome,
                    max_quotes,
                    max_actions,
                    segment_of.get(key),
                )
            )
    flags.sort(key=lambda f: (-f.priority, f.grouping, f.group_label, f.type))
    return flags


def _comment_training_tests(
    states: dict[tuple[str, frozenset], _GroupState],
    alpha: float,
    min_d: float,
    min_share_diff: float,
) -> None:
    """Two-proportion tests of training requests vs the rest, Holm-adjusted per grouping."""
    by_grouping: dict[str, list[tuple[_GroupState, dict[str, Any], float]]] = {}
    for state in states.values():
        sig = (state.comments or {}).get("signals", {}).get("training_request")
        if sig is None or not sig["rest_n"] > 0 or pd.isna(sig["rest_share"]):
            continue
        p = float(
            two_proportion_test(
                sig["count"],
                state.comments["n_comments"],
                round(sig["rest_share"] * sig["rest_n"]),
                sig["rest_n"],
            )
        )
        by_grouping.setdefault(state.grouping, []).append((state, sig, p))
    for tests in by_grouping.values():
        adjusted = holm([p for _, _, p in tests])
        for (state, sig, p), p_adj in zip(tests, adjusted, strict=True):
            sig["p"], sig["p_adj"] = p, float(p_adj)
            if (
                p_adj < alpha
                and sig["share"] - sig["rest_share"] >= min_share_diff
                and sig["h"] >= min_d
            ):
                state.comment_flag = sig


def _build_flag(
    state: _GroupState,
    ftype: str,
    playbook: dict,
    concept_ids: dict[str, list[str]],
    org_n: int,
    main_outcome: str | None,
    max_quotes: int,
    max_actions: int,
    segment: str | None,
) -> Flag:
    evidence = sorted(state.flagged.get(ftype, []), key=lambda e: -e["contribution"])
    size = math.log1p(state.n) / math.log1p(max(org_n, state.n))
    parts = [
        f"{_phrase_label(e['label'])} {e['score']:.0f}/100 vs {e['rest_score']:.0f}"
        f"{' for the rest of the organisation' if i == 0 else ''} "
        f"(adjusted {_fmt_p(e['p_adj'])}, d={e['effect_size']:.1f})"
        for i, e in enumerate(evidence)
    ]
    comment_terms: list[tuple[str, dict[str, Any]]] = []
    comment_info = None
    if state.comments is not None:
        n_c = state.comments["n_comments"]
        for sig, info in state.comments["signals"].items():
            spec = playbook["signals"][sig]
            if playbook["concepts"][spec["concept"]]["type"] != ftype:
                continue
            if pd.notna(info["h"]) and info["h"] > 0:
                comment_terms.append((sig, info))
        comment_terms.sort(key=lambda t: -t[1]["h"])
        for sig, info in comment_terms:
            phrase = playbook["signals"][sig]["phrase"]
            text = (
                f"{100 * info['share']:.0f}% of its {n_c} comments {phrase} "
                f"(vs {100 * info['rest_share']:.0f}% elsewhere"
            )
            if "p_adj" in info:
                text += f", adjusted {_fmt_p(info['p_adj'])}"
            parts.append(text + ")")
        comment_info = {
            "n_comments": n_c,
            "signals": {s: dict(i) for s, i in state.comments["signals"].items()},
        }
    reason = f"{state.label} (n={state.n}): " + "; ".join(parts) + "."
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
    concepts = [e["concept"] for e in evidence]
    readiness = next((c for c in concepts if "adkar" in playbook["concepts"].get(c, {})), None)
    weakest: list[str] = []
    if readiness is not None:
        weakest = _adkar_weakest(state, playbook, concept_ids, readiness)
        for e in evidence:
            if e["concept"] == readiness:
                e["adkar_weakest"] = weakest
    action_concepts = list(
        dict.fromkeys(concepts + [playbook["signals"][s]["concept"] for s, _ in comment_terms])
    )
    actions = _actions_for(action_concepts, playbook, weakest, max_actions)
    quotes: list[str] = []
    if state.comments is not None:
        pools = [list(state.comments["quotes"].get(s, [])) for s, _ in comment_terms]
        seen: set[str] = set()
        while len(quotes) < max_quotes and any(pools):
            for pool in pools:
                if pool and len(quotes) < max_quotes:
                    q = str(pool.pop(0))
                    if q not in seen:
                        seen.add(q)
                        quotes.append(q)
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
        }
        for i, f in enumerate(flags, 1)
    ]
    return pd.DataFrame(rows, columns=FLAGS.columns()) if rows else FLAGS.empty()


# ---------------------------------------------------------------------------------------------
# Segments


def segments(
    group_table: pd.DataFrame,
    *,
    constructs: object,
    cutoff: str | float = "median",
    playbook: dict[str, Any] | None = None,
    policy: object | None = None,
) -> pd.DataFrame:
    """Place each visible group on the trust × fear map and name its quadrant.

    Trust is the score of the construct whose concept is trust_in_ai, fear that of
    fear_of_displacement; a construct scored the other way round (e.g. "job security",
    higher_better) is turned into fear as 100 − score. A group is high on an axis when its
    score is at or above the cut-off: the median of the visible groups' scores within the same
    grouping (``cutoff="median"``) or a fixed number on 0-100 (e.g. 50).

    Returns
    -------
    DataFrame with ``grouping``, ``group``, ``trust``, ``fear``, ``n``, ``quadrant`` (champions:
    high trust/low fear, anxious adopters: high/high, skeptics: low/low, resisters: low trust/
    high fear), ``description`` and ``group_key`` (dict of the group's columns).
    """
    _check_table(group_table)
    meta = _constructs_meta(constructs)
    playbook = playbook if playbook is not None else load_playbook()
    min_group = int((policy or PrivacyPolicy()).min_group)
    by_concept = {}
    for cid, m in meta.items():
        if m["concept"] in ("trust_in_ai", "fear_of_displacement"):
            by_concept.setdefault(m["concept"], cid)
    if len(by_concept) < 2:
        raise ValueError(
            "The survey needs a trust-in-AI and a fear-of-displacement construct to place "
            "groups on the trust × fear map; map items to both constructs."
        )
    if isinstance(cutoff, str) and cutoff != "median":
        raise ValueError("cutoff must be 'median' or a number between 0 and 100.")
    visible = _visible_rows(group_table, min_group)
    gcols = _group_columns(group_table)
    points: dict[tuple[str, frozenset], dict[str, Any]] = {}
    for row in visible.to_dict("records"):
        cid = str(row["construct"])
        axis = next((a for a, c in by_concept.items() if c == cid), None)
        if axis is None:
            continue
        group = _group_of(row, gcols)
        point = points.setdefault(
            (str(row["grouping"]), _key(group)),
            {"grouping": str(row["grouping"]), "group": str(row["group"]), "group_key": group,
             "n": 0},
        )  # fmt: skip
        score = float(row["score"])
        wanted = "higher_better" if axis == "trust_in_ai" else "higher_worse"
        value = score if meta[cid]["direction"] == wanted else 100.0 - score
        point["trust" if axis == "trust_in_ai" else "fear"] = value
        point["n"] = max(point["n"], int(row["n"]))
    named = ("quadrant", "description")  # added below
    frame = pd.DataFrame(
        [p for p in points.values() if "trust" in p and "fear" in p],
        columns=[c for c in SEGMENTS.columns() if c not in named],
    )
    if frame.empty:
        return SEGMENTS.empty()
    if cutoff == "median":
        t_cut = frame.groupby("grouping")["trust"].transform("median")
        f_cut = frame.groupby("grouping")["fear"].transform("median")
    else:
        t_cut = f_cut = pd.Series(float(cutoff), index=frame.index)
    high_t = frame["trust"] >= t_cut
    high_f = frame["fear"] >= f_cut
    quadrant = np.select(
        [high_t & ~high_f, high_t & high_f, ~high_t & ~high_f],
        ["champions", "anxious adopters", "skeptics"],
        default="resisters",
    )
    frame["quadrant"] = pd.Series(quadrant, index=frame.index, dtype=object)
    frame["description"] = [
        f"{g} (n={n}) is in the {q} quadrant (trust {t:.0f}, fear {f:.0f}; cut-offs "
        f"{tc:.0f} and {fc:.0f}): {playbook['segments'][q]}"
        for g, n, q, t, f, tc, fc in zip(
            frame["group"], frame["n"], frame["quadrant"], frame["trust"], frame["fear"],
            t_cut, f_cut, strict=True,
        )
    ]  # fmt: skip
    return frame[SEGMENTS.columns()]


# ---------------------------------------------------------------------------------------------
# Comment signals per group


def group_comment_signals(
    comments: pd.DataFrame,
    by: str | Sequence[str],
    *,
    quotes_per_signal: int = 3,
    text_col: str = "text",
    sentiment_col: str = "label",
    max_quote_chars: int = 280,
) -> pd.DataFrame:
    """Aggregate tagged comments into the per-group evidence :func:`find_hotspots` reads.

    ``comments`` has one row per comment: the group columns in ``by``, ``text_col`` (already
    REDACTED: quotes are shown as they are), the boolean signal columns of signals.tag_texts
    (``displacement_fear``, ``training_request``, ``ai_distrust``, ``ai_mention``), optionally
    the sentiment label (``sentiment_col``, positive|neutral|negative) and ``is_filler``.
    A comment is negative about AI when it shows ``ai_distrust`` or mentions AI with a negative
    sentiment label. Every group is returned, small ones included: confidentiality is enforced
    by find_hotspots (comment threshold) and by the group table (minimum group size).
    Representative quotes are the longest comments with the signal up to ``max_quote_chars``.
    """
    by = [by] if isinstance(by, str) else list(by)
    missing = [c for c in [*by, text_col] if c not in comments.columns]
    if missing:
        raise ValueError(f"The comments table lacks column(s) {', '.join(missing)}.")
    df = comments
    if "is_filler" in df.columns:
        df = df[~df["is_filler"].fillna(False).astype(bool)]
    flags = pd.DataFrame(index=df.index)
    for sig in ("displacement_fear", "training_request"):
        if sig in df.columns:
            flags[sig] = df[sig].fillna(False).astype(bool)
    if "ai_distrust" in df.columns or "ai_mention" in df.columns:
        neg = pd.Series(False, index=df.index)
        if "ai_distrust" in df.columns:
            neg |= df["ai_distrust"].fillna(False).astype(bool)
        if "ai_mention" in df.columns and sentiment_col in df.columns:
            neg |= df["ai_mention"].fillna(False).astype(bool) & (
                df[sentiment_col].astype(str) == "negative"
            )
        flags["ai_negative"] = neg
    texts = df[text_col].astype(str)
    keys = df[by].astype(str)
    total_n = len(df)
    total = {s: int(flags[s].sum()) for s in flags.columns}
    # Positions and plain arrays: a group's rows are taken by position, not looked up by label.
    text_arr = texts.to_numpy(dtype=object)
    text_len = texts.str.len().to_numpy(dtype=np.int64)
    flag_arr = {s: flags[s].to_numpy(dtype=bool) for s in flags.columns}
    rows = []
    for values, pos in keys.groupby(by if len(by) > 1 else by[0], sort=True).indices.items():
        values = values if isinstance(values, tuple) else (values,)
        n_c = len(pos)
        row: dict[str, Any] = {
            "grouping": " × ".join(by),
            "group": " × ".join(values),
            **dict(zip(by, values, strict=True)),
            "n_comments": n_c,
            "rest_n_comments": total_n - n_c,
        }
        quotes = {}
        for s in flags.columns:
            hit = pos[flag_arr[s][pos]]
            count = len(hit)
            rest_n = total_n - n_c
            row[s] = count / n_c
            row[f"{s}_n"] = count
            row[f"rest_{s}"] = (total[s] - count) / rest_n if rest_n else np.nan
            short = hit[text_len[hit] <= max_quote_chars]
            # Longest first; equal lengths keep their order (a stable descending sort).
            order = short[np.argsort(-text_len[short], kind="stable")]
            quotes[s] = list(dict.fromkeys(text_arr[order]))[:quotes_per_signal]
        row["quotes"] = quotes
        rows.append(row)
    return pd.DataFrame(rows)
