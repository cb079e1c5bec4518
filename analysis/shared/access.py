"""Who sees what: the access policy, the viewer, and the one function every output goes through.

ChangeRadar runs in one of two modes (see :class:`Settings`). In **local mode** one HR analyst
works on their own machine: no login, everything visible (the viewer is an implicit
``hr_admin``). In **shared mode** people log in (OIDC) and an :class:`AccessPolicy`, a YAML file
HR maintains, maps each e-mail, e-mail domain or identity-provider group to a role:

``hr_admin``
    everything: uploads, mappings, publishing, privacy thresholds, every grouping and filter.
``change_lead``
    every team's results, but never a restricted demographic (gender, ethnicity, age, ...), and
    never comments or numbers under the policy's thresholds (they can't lower them).
``manager``
    only the teams listed for them in the policy and those teams' sub-teams (``sub_teams``), under
    the same thresholds and without restricted demographics.

Enforcement happens in :func:`scoped_analyze` (the downloadable packs,
:func:`render.packs.scoped_packs`, are built on it), never in a widget: the app computes every
number, chart, table and download through it, so a crafted session value or query parameter
can at most ask for something it then refuses. For a manager the respondents are first cut to
their teams with the same remainder protection as any filter
(:func:`analysis.privacy.check_filter`): their teams must hold at least ``min_group`` people and
leave at least ``min_group`` out, or they get :class:`ScopeTooSmall` (a notice, no numbers).
Every number a manager sees is computed over their teams only; "the rest" in a comparison means
their other teams, never the organisation outside their scope.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis import pipeline
from analysis.privacy import PrivacyError, PrivacyPolicy, check_filter
from analysis.scoring import CROSS, NEST
from analysis.shared.policy_file import ROLES, PolicyError, read_policy_file
from analysis.shared.policy_file import fold as _fold

_DEFAULTS = PrivacyPolicy()

__all__ = [
    "LOCAL_VIEWER",
    "ROLES",
    "AccessDenied",
    "AccessPolicy",
    "PolicyError",
    "Rule",
    "ScopeTooSmall",
    "Settings",
    "Viewer",
    "allowed_columns",
    "allowed_teams",
    "can",
    "effective_privacy",
    "load_policy",
    "scope_mask",
    "scoped_analyze",
    "selection_mask",
    "viewer_from_claims",
]

#: What each role may do besides reading results (see :func:`can`).
ACTIONS = ("upload", "map", "publish", "thresholds", "restricted", "all_teams")
_RIGHTS: dict[str, frozenset[str]] = {
    "hr_admin": frozenset(ACTIONS),
    "change_lead": frozenset({"all_teams"}),
    "manager": frozenset(),
}
MODES = ("local", "shared")


class AccessDenied(PrivacyError):
    """A request outside the viewer's scope (a grouping, filter or team they may not see)."""


class ScopeTooSmall(PrivacyError):
    """The viewer's own teams are too small (or leave too few people out) to show safely."""


# --------------------------------------------------------------------------------------------
# the policy


@dataclass(frozen=True)
class Rule:
    """One line of the policy: who it matches (exactly one of email, domain, group) and the role
    it grants; ``teams`` for managers."""

    role: str
    email: str | None = None
    domain: str | None = None
    group: str | None = None
    teams: tuple[str, ...] = ()

    def matches(self, email: str, groups: Iterable[str]) -> bool:
        mail = _fold(email)
        if self.email is not None:
            return mail == _fold(self.email)
        if self.domain is not None:
            return mail.endswith("@" + _fold(self.domain).lstrip("@"))
        if self.group is not None:
            return _fold(self.group) in {_fold(g) for g in groups}
        return False


@dataclass(frozen=True)
class AccessPolicy:
    """The parsed policy file (see ``surveys/access_policy.example.yaml``).

    Rules are read top to bottom and the first that matches a user decides their role, like a
    firewall: put named people before the groups and domains they belong to.
    """

    rules: tuple[Rule, ...] = ()
    restricted: tuple[str, ...] = ()
    sub_teams: tuple[tuple[str, tuple[str, ...]], ...] = ()
    min_group: int = _DEFAULTS.min_group
    min_comments: int = _DEFAULTS.min_comments
    comment_roles: frozenset[str] = frozenset(ROLES)
    groups_claim: str = "groups"
    team_column: str | None = None

    def viewer_for(self, email: str, groups: Iterable[str] = (), name: str = "") -> Viewer | None:
        """The viewer the first matching rule makes of this user; None if no rule matches."""
        groups = list(groups)
        for rule in self.rules:
            if rule.matches(email, groups):
                return Viewer(email=email, role=rule.role, teams=rule.teams, name=name)
        return None

    def is_restricted(self, column: str) -> bool:
        return _fold(column) in {_fold(c) for c in self.restricted}

    def expand_teams(self, teams: Iterable[str]) -> set[str]:
        """The teams and, through ``sub_teams``, every team below them (case-insensitive)."""
        children: dict[str, set[str]] = {}
        for parent, kids in self.sub_teams:
            children.setdefault(_fold(parent), set()).update(_fold(k) for k in kids)
        out: set[str] = set()
        todo = [_fold(t) for t in teams]
        while todo:
            team = todo.pop()
            if team in out:
                continue
            out.add(team)
            todo.extend(children.get(team, ()))
        return out


def load_policy(source: str | Path | Mapping[str, Any]) -> AccessPolicy:
    """Read and validate an access policy (a path, YAML text or an already-parsed mapping).

    The format is :class:`~analysis.shared.policy_file.PolicyFile`; every problem is reported
    at once, each with its location (:class:`PolicyError`).
    """
    spec = read_policy_file(source)
    return AccessPolicy(
        rules=tuple(
            Rule(role=r.role, teams=tuple(r.teams), **{k: v.strip() for k, v in r.who().items()})
            for r in spec.rules
        ),
        restricted=tuple(spec.restricted),
        sub_teams=tuple((parent.strip(), tuple(kids)) for parent, kids in spec.sub_teams.items()),
        min_group=spec.thresholds.min_group,
        min_comments=spec.thresholds.min_comments,
        comment_roles=frozenset(spec.comment_text),
        groups_claim=spec.groups_claim,
        team_column=spec.team_column,
    )


# --------------------------------------------------------------------------------------------
# viewers


@dataclass(frozen=True)
class Viewer:
    """The person a session serves. ``teams`` only matter for managers."""

    email: str
    role: str
    teams: tuple[str, ...] = ()
    name: str = ""

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"Unknown role {self.role!r}; use one of {', '.join(ROLES)}.")

    @property
    def is_admin(self) -> bool:
        return self.role == "hr_admin"


#: Local mode: the HR analyst on their own machine sees everything.
LOCAL_VIEWER = Viewer(email="local", role="hr_admin", name="Local user")


def viewer_from_claims(claims: Mapping[str, Any], policy: AccessPolicy) -> Viewer | None:
    """The viewer for a logged-in identity (the OIDC ID-token claims), or None for no access.

    The e-mail comes from ``email``, else ``preferred_username`` or ``upn`` (Microsoft Entra ID
    often sends only those); an address the provider says is unverified gets no access.
    Groups come from the claim the policy names (default ``groups``), a list or one string.
    """
    if not claims.get("is_logged_in", False):
        return None
    if claims.get("email_verified") is False:
        return None
    email = ""
    for key in ("email", "preferred_username", "upn"):
        value = claims.get(key)
        if isinstance(value, str) and "@" in value:
            email = value.strip()
            break
    if not email:
        return None
    raw_groups = claims.get(policy.groups_claim) or []
    groups = [raw_groups] if isinstance(raw_groups, str) else [str(g) for g in raw_groups]
    name = claims.get("name") if isinstance(claims.get("name"), str) else ""
    return policy.viewer_for(email, groups, name=name or "")


def can(viewer: Viewer, action: str) -> bool:
    """Whether the viewer's role allows an action: upload, map, publish, thresholds,
    restricted (group or filter by a restricted demographic), all_teams."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown action {action!r}; use one of {', '.join(ACTIONS)}.")
    return action in _RIGHTS[viewer.role]


def sees_comment_text(viewer: Viewer, policy: AccessPolicy) -> bool:
    return viewer.is_admin or viewer.role in policy.comment_roles


# --------------------------------------------------------------------------------------------
# deployment settings


@dataclass(frozen=True)
class Settings:
    """How this installation runs. Read from environment variables, which win, then from the
    ``[changeradar]`` table of ``.streamlit/secrets.toml`` (same names, lower case, without the
    ``CHANGERADAR_`` prefix): ``mode``, ``policy``, ``audit_dir``, ``data_dir``, ``data_key``.
    """

    mode: str = "local"
    policy_path: str | None = None
    audit_dir: str | None = None
    data_dir: str | None = None
    data_key: str | None = field(default=None, repr=False)

    @property
    def shared(self) -> bool:
        return self.mode == "shared"

    @property
    def audit_enabled(self) -> bool:
        """Shared mode audits by default; local mode only when a folder is configured."""
        return bool(self.audit_dir) or self.shared

    @classmethod
    def from_sources(cls, env: Mapping[str, str], secrets: Mapping[str, Any]) -> Settings:
        def pick(name: str) -> str | None:
            value = env.get(f"CHANGERADAR_{name.upper()}")
            if value is None or not str(value).strip():
                value = secrets.get(name)
            return str(value).strip() if value is not None and str(value).strip() else None

        mode = (pick("mode") or "local").lower()
        if mode not in MODES:
            raise PolicyError(
                f"CHANGERADAR_MODE is {mode!r}; set it to 'local' (one user, no login) or "
                "'shared' (login and the access policy)."
            )
        if mode == "shared":
            missing = [
                f"CHANGERADAR_{name.upper()}" for name in ("policy", "data_dir") if not pick(name)
            ]
            if missing:
                raise PolicyError(
                    f"Shared mode needs {' and '.join(missing)}: the access policy file and the "
                    "folder for published datasets and the audit log (see docs/deploying.md)."
                )
        return cls(
            mode=mode,
            policy_path=pick("policy"),
            audit_dir=pick("audit_dir"),
            data_dir=pick("data_dir"),
            data_key=pick("data_key"),
        )

    def audit_folder(self) -> Path | None:
        if not self.audit_enabled:
            return None
        if self.audit_dir:
            return Path(self.audit_dir)
        return Path(str(self.data_dir)) / "audit"


# --------------------------------------------------------------------------------------------
# scope


def team_column(prep: pipeline.Prepared, policy: AccessPolicy) -> str | None:
    """The column managers' teams are matched against: the policy's, else the mapped team."""
    cols = prep.grouping_columns
    if policy.team_column:
        hit = [c for c in cols if _fold(c) == _fold(policy.team_column)]
        return hit[0] if hit else None
    team = prep.colmap.team
    return team if team in cols else None


def allowed_teams(
    viewer: Viewer, prep: pipeline.Prepared, policy: AccessPolicy
) -> list[str] | None:
    """The team values (as written in the data) the viewer may see; None means every team."""
    if can(viewer, "all_teams"):
        return None
    col = team_column(prep, policy)
    if col is None:
        raise AccessDenied(
            "This survey has no team column, so team managers can't be given their own "
            "results. Ask HR to map the team column."
        )
    wanted = policy.expand_teams(viewer.teams)
    values = prep.scored.groups[col].astype(str)
    return sorted({v for v in values.unique() if _fold(v) in wanted})


def scope_mask(viewer: Viewer, prep: pipeline.Prepared, policy: AccessPolicy) -> np.ndarray:
    """Which respondents the viewer's scope covers (before any filter they choose)."""
    teams = allowed_teams(viewer, prep, policy)
    groups = prep.scored.groups
    if teams is None:
        return np.ones(len(groups), dtype=bool)
    col = team_column(prep, policy)
    return groups[col].astype(str).isin(teams).to_numpy()


def allowed_columns(viewer: Viewer, prep: pipeline.Prepared, policy: AccessPolicy) -> list[str]:
    """The grouping columns the viewer may group or filter by."""
    if can(viewer, "restricted"):
        return list(prep.grouping_columns)
    return [c for c in prep.grouping_columns if not policy.is_restricted(c)]


def effective_privacy(
    viewer: Viewer, requested: PrivacyPolicy | None, policy: AccessPolicy
) -> PrivacyPolicy:
    """The thresholds used: HR admins choose theirs; everyone else gets at least the policy's."""
    requested = requested or PrivacyPolicy(
        min_group=policy.min_group, min_comments=policy.min_comments
    )
    if can(viewer, "thresholds"):
        return requested
    return PrivacyPolicy(
        min_group=max(requested.min_group, policy.min_group),
        min_comments=max(requested.min_comments, policy.min_comments),
    )


def _check_columns(
    viewer: Viewer, prep: pipeline.Prepared, policy: AccessPolicy, cols: Iterable[str], what: str
) -> list[str]:
    """Columns already resolved (by :meth:`pipeline.ViewRequest.build`) the viewer may use."""
    allowed = set(allowed_columns(viewer, prep, policy))
    out = []
    for col in cols:
        if col not in allowed:
            raise AccessDenied(
                f"You can't {what} {col}: it is a restricted demographic that only HR "
                "administrators may use."
            )
        out.append(col)
    return out


def _resolve_filters(
    viewer: Viewer,
    prep: pipeline.Prepared,
    policy: AccessPolicy,
    filters: Mapping[str, Sequence[str]] | None,
) -> dict[str, list[str]]:
    """The filters after the scope checks, with a manager's teams forced in."""
    out: dict[str, list[str]] = {}
    # filter names resolved the one way every view's are
    for name, values in pipeline.ViewRequest.build(prep, filters=filters).filters:
        (col,) = _check_columns(viewer, prep, policy, [name], "filter by")
        vals = list(values)
        if vals:
            out[col] = vals
    teams = allowed_teams(viewer, prep, policy)
    if teams is None:
        return out
    col = team_column(prep, policy)
    if col in out:
        outside = [v for v in out[col] if v not in teams]
        if outside:
            raise AccessDenied(
                f"You can only see your own teams; {', '.join(outside)} is outside them."
            )
    else:
        out[col] = teams
    return out


def selection_mask(
    viewer: Viewer,
    prep: pipeline.Prepared,
    filters: Mapping[str, Sequence[str]] | None,
    policy: AccessPolicy,
) -> np.ndarray:
    """The respondents a view with these filters shows: scope and filters together (what the
    privacy differencing check must remember as shown)."""
    groups = prep.scored.groups
    mask = np.ones(len(groups), dtype=bool)
    for col, values in _resolve_filters(viewer, prep, policy, filters).items():
        mask &= groups[col].astype(str).isin(values).to_numpy()
    return mask


# --------------------------------------------------------------------------------------------
# the one enforcement point


def scoped_analyze(
    viewer: Viewer,
    prepared: pipeline.Prepared,
    *,
    policy: AccessPolicy,
    by: Sequence[str] | str | None = None,
    filters: Mapping[str, Sequence[str]] | None = None,
    privacy: PrivacyPolicy | None = None,
    shown_filters: Sequence[np.ndarray] = (),
    theme_names: Mapping[int, str] | None = None,
    theme_merges: Mapping[int, int] | None = None,
    nested: bool = False,
    outcome: str | None = None,
) -> pipeline.Results:
    """:func:`analysis.pipeline.analyze` limited to what ``viewer`` may see.

    1. Refuses (:class:`AccessDenied`) a grouping or filter on a restricted demographic for
       anyone but an HR admin, and a manager's filter naming a team outside their scope.
    2. Forces a manager's respondents to their teams (and sub-teams). Their scope alone must
       pass the privacy filter rules, or :class:`ScopeTooSmall` is raised (the caller shows the
       notice, no numbers); their own filters then must differ from the scope by at least
       ``min_group`` people, like any filter against the whole organisation, and every group
       row of a filtered view is compared with the same group in the scope and in the views
       already shown (``shown_filters``): see :func:`analysis.pipeline.analyze`. For everyone
       else the comparison is with the unfiltered data and ``shown_filters``.
    3. Applies the policy's thresholds as floors for everyone but HR admins.
    4. Runs the analysis, then strips what the role may not read: comment text and quotes when
       the policy withholds them; for managers, the key drivers (fitted on the whole
       organisation) and any row whose team is outside their scope (none should exist after
       step 2; this is the second lock).
    """
    # the grouping is normalised the one way every view is (None: the team column, if any)
    by_cols = _check_columns(
        viewer, prepared, policy, pipeline.ViewRequest.build(prepared, by=by).by, "group by"
    )
    thresholds = effective_privacy(viewer, privacy, policy)
    teams = allowed_teams(viewer, prepared, policy)
    scope = scope_mask(viewer, prepared, policy)
    shown = list(shown_filters)
    if teams is not None:
        if not teams:
            raise ScopeTooSmall(
                "None of your teams is in this survey, so there are no results to show you. "
                "If that looks wrong, ask HR to check the access policy."
            )
        try:
            check_filter(prepared.scored.groups, scope, thresholds)
        except PrivacyError:
            raise ScopeTooSmall(
                f"Your team's results are hidden to protect confidentiality: fewer than "
                f"{thresholds.min_group} people answered (or too few outside it), so answers "
                "could be traced to individuals."
            ) from None
        shown.append(scope)  # the scope itself is always on show: filters must differ from it
    resolved = _resolve_filters(viewer, prepared, policy, filters)
    res = pipeline.analyze(
        prepared,
        by=by_cols,
        policy=thresholds,
        filters=resolved or None,
        shown_filters=shown,
        theme_names=theme_names,
        theme_merges=theme_merges,
        nested=nested,
        outcome=outcome,
        # a manager never sees the unfiltered data: their scope (in ``shown``) is their baseline
        compare_unfiltered=teams is None,
    )
    return _strip(res, viewer, prepared, policy, teams)


def _strip(
    res: pipeline.Results,
    viewer: Viewer,
    prep: pipeline.Prepared,
    policy: AccessPolicy,
    teams: list[str] | None,
) -> pipeline.Results:
    changes: dict[str, Any] = {}
    if teams is not None:
        col = team_column(prep, policy)
        allowed = set(teams)
        if col in res.filters and not set(res.filters[col]) <= allowed:
            raise AccessDenied("The analysis covered teams outside your scope; nothing is shown.")

        def keep(df: pd.DataFrame) -> pd.DataFrame:
            if df is None or not len(df) or col not in df.columns:
                return df
            ok = df[col].isna() | df[col].astype(str).isin(allowed)
            return df[ok.to_numpy()].reset_index(drop=True)

        for name in ("groups", "items", "item_gaps", "enps_groups", "comments"):
            changes[name] = keep(getattr(res, name))
        # key drivers are fitted once on the whole organisation: not the manager's scope
        changes["drivers"] = res.drivers.iloc[0:0]
        changes["item_drivers"] = res.item_drivers.iloc[0:0]
        if col in res.by:
            pos = list(res.by).index(col)
            changes["flags"] = [f for f in res.flags if str(f.group.get(col)) in allowed]
            changes["segments"] = _keep_labels(res.segments, res.by, pos, allowed)
            changes["theme_shares"] = _keep_labels(res.theme_shares, res.by, pos, allowed)
            changes["comment_groups"] = _keep_labels(res.comment_groups, res.by, pos, allowed)
    if not sees_comment_text(viewer, policy):
        comments = changes.get("comments", res.comments)
        changes["comments"] = comments.iloc[0:0]
        changes["flags"] = [replace(f, quotes=[]) for f in changes.get("flags", res.flags)]
        changes["comment_summary"] = {**res.comment_summary, "shown": 0}
    return replace(res, **changes) if changes else res


def _keep_labels(df: pd.DataFrame, by: Sequence[str], pos: int, allowed: set[str]) -> pd.DataFrame:
    """Rows whose group label's team part (position ``pos`` in 'a × b') is allowed; a row
    without a team part (a parent level of a nested grouping) is dropped too."""
    if df is None or not len(df) or "group" not in df.columns:
        return df
    labels = df["group"].astype(str)
    if len(by) == 1:
        return df[labels.isin(allowed).to_numpy()].reset_index(drop=True)
    sep = NEST if labels.str.contains(NEST, regex=False).any() else CROSS
    parts = labels.str.split(sep, regex=False)
    team = parts.map(lambda p: p[pos] if len(p) > pos else None)
    return df[team.isin(allowed).to_numpy()].reset_index(drop=True)
