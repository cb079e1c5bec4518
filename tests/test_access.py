"""Access policy, viewers and the one enforcement function (scoped_analyze, and the packs
render.packs.scoped_packs builds on it)."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from analysis import pipeline
from analysis.privacy import PrivacyError, PrivacyPolicy
from analysis.shared import access
from analysis.shared.access import (
    AccessDenied,
    AccessPolicy,
    PolicyError,
    Rule,
    ScopeTooSmall,
    Settings,
    Viewer,
)
from render.packs import packs_zip, scoped_packs
from sample_data.generate import generate_responses, qualtrics_csv

POLICY_YAML = """
rules:
  - {email: hr@acme.example, role: hr_admin}
  - {email: lead@acme.example, role: change_lead}
  - {email: ops@acme.example, role: manager, teams: [Operations]}
  - {email: sales@acme.example, role: manager, teams: [sales]}
  - {email: audit@acme.example, role: manager, teams: [Internal Audit]}
  - {group: People Analytics, role: hr_admin}
  - {domain: acme.example, role: change_lead}
restricted: [Tenure, Gender]
sub_teams:
  Operations: [Field Operations, Finance Operations, Facilities]
thresholds: {min_group: 5, min_comments: 10}
comment_text: [hr_admin, manager]
"""


@pytest.fixture(scope="module")
def prep() -> pipeline.Prepared:
    data = qualtrics_csv(generate_responses(n=260, seed=5))
    export, colmap = pipeline.load(data, "pulse.csv")
    return pipeline.prepare(export, colmap, n_boot=50, source_name="pulse.csv")


@pytest.fixture(scope="module")
def policy() -> AccessPolicy:
    return access.load_policy(POLICY_YAML)


def team_sizes(prep: pipeline.Prepared) -> dict[str, int]:
    return prep.scored.groups["Team"].value_counts().to_dict()


# --------------------------------------------------------------------------- policy file


def test_policy_loads_and_first_matching_rule_wins(policy: AccessPolicy) -> None:
    assert policy.restricted == ("Tenure", "Gender")
    assert policy.viewer_for("HR@Acme.example").role == "hr_admin"  # e-mail case-insensitive
    ops = policy.viewer_for("ops@acme.example")
    assert ops.role == "manager" and ops.teams == ("Operations",)
    # a named person is matched before the domain rule below it
    assert policy.viewer_for("lead@acme.example").role == "change_lead"
    assert policy.viewer_for("someone@acme.example").role == "change_lead"
    assert policy.viewer_for("x@other.example", groups=["people analytics"]).role == "hr_admin"
    assert policy.viewer_for("x@other.example") is None
    assert policy.viewer_for("x@notacme.example") is None  # domain is matched after the @
    assert policy.expand_teams(["operations"]) == {
        "operations",
        "field operations",
        "finance operations",
        "facilities",
    }


def test_the_example_policy_file_is_valid(root) -> None:
    pol = access.load_policy(root / "surveys" / "access_policy.example.yaml")
    assert {r.role for r in pol.rules} == set(access.ROLES)
    assert pol.restricted


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rules: []", "rules: must be a non-empty list"),
        ("rules:\n  - {email: a@b.c, role: boss}", "rules.0.role: must be one of"),
        (
            "rules:\n  - {email: a@b.c, domain: b.c, role: hr_admin}",
            "rules.0: needs exactly one of",
        ),
        (
            "rules:\n  - {email: not-an-email, role: hr_admin}",
            "rules.0.email: 'not-an-email' is not an e-mail",
        ),
        ("rules:\n  - {email: a@b.c, role: manager}", "rules.0: a manager needs a 'teams' list"),
        (
            "rules:\n  - {email: a@b.c, role: change_lead, teams: [X]}",
            "rules.0: only managers have teams",
        ),
        (
            "rules:\n  - {email: a@b.c, role: hr_admin}\n  - {email: A@b.c, role: manager, "
            "teams: [X]}",
            "rules: A@b.c is listed twice",
        ),
        (
            "rules:\n  - {email: a@b.c, role: hr_admin}\nthresholds: {min_group: 2}",
            "can't be below 3",
        ),
        (
            "rules:\n  - {email: a@b.c, role: hr_admin}\nrestricetd: [Age]",
            "restricetd: unknown key",
        ),
        (
            "rules:\n  - {email: a@b.c, role: hr_admin}\nsub_teams: {A: [B], B: [A]}",
            "sub_teams: has a cycle",
        ),
        ("rules: [\n", "not valid YAML"),
        ("- just a list", "must be a YAML mapping"),
    ],
)
def test_bad_policies_are_explained(text: str, expected: str) -> None:
    with pytest.raises(PolicyError, match=None) as info:
        access.load_policy(text)
    assert expected in str(info.value)


def test_every_problem_is_reported_at_once() -> None:
    text = "rules:\n  - {email: nope, role: boss}\nthresholds: {min_group: 1, min_comments: 0}"
    with pytest.raises(PolicyError) as info:
        access.load_policy(text)
    msg = str(info.value)
    assert "3 problem(s)" in msg or "4 problem(s)" in msg
    assert "min_group" in msg and "min_comments" in msg and "rules.0.role: must be" in msg


def test_a_policy_file_with_several_mistakes_lists_them_all_with_locations(tmp_path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(
        "rules:\n"
        "  - {email: hr@acme.example, role: hr_admin}\n"
        "  - {email: ops@acme.example, role: manger, teams: [Ops]}\n"
        "  - {domain: acme.example, group: Staff, role: change_lead}\n"
        "  - {email: lead@acme.example, role: manager}\n"
        "thresholds: {min_group: 2, min_coments: 10}\n"
        "comment_text: [hr_admin, boss]\n"
        "restricetd: [Age]\n",
        encoding="utf-8",
    )
    with pytest.raises(PolicyError) as info:
        access.load_policy(path)
    problems = info.value.problems
    assert [p.split(": ", 1)[0] for p in problems] == [
        "rules.1.role",
        "rules.2",
        "rules.3",
        "thresholds.min_group",
        "thresholds.min_coments",
        "comment_text",
        "restricetd",
    ]
    assert "not 'manger'" in problems[0]
    assert "exactly one of email, domain or group" in problems[1]
    assert "a manager needs a 'teams' list" in problems[2]
    assert "can't be below 3" in problems[3]
    assert problems[4].endswith("unknown key (check the spelling)")
    assert "boss" in problems[5]
    msg = str(info.value)
    assert msg.startswith("The access policy (policy.yaml) has 7 problem(s):")
    assert all(f"- {p}" in msg for p in problems)


def test_policy_thresholds_default_to_the_privacy_layers() -> None:
    pol = access.load_policy("rules:\n  - {email: a@b.c, role: hr_admin}\n")
    assert (pol.min_group, pol.min_comments) == (
        PrivacyPolicy().min_group,
        PrivacyPolicy().min_comments,
    )
    assert (AccessPolicy().min_group, AccessPolicy().min_comments) == (
        PrivacyPolicy().min_group,
        PrivacyPolicy().min_comments,
    )
    assert access.load_policy({"rules": [{"group": "HR", "role": "hr_admin"}]}).rules == (
        Rule(role="hr_admin", group="HR"),
    )


def test_missing_policy_file_is_a_sentence(tmp_path) -> None:
    with pytest.raises(PolicyError, match="was not found"):
        access.load_policy(tmp_path / "policy.yaml")


# --------------------------------------------------------------------------- viewers, settings


def test_viewer_from_oidc_claims(policy: AccessPolicy) -> None:
    google = {"is_logged_in": True, "email": "ops@acme.example", "email_verified": True}
    assert access.viewer_from_claims(google, policy).role == "manager"
    # Entra ID often sends only preferred_username; groups come from the 'groups' claim
    entra = {
        "is_logged_in": True,
        "preferred_username": "z@x.example",
        "groups": "People Analytics",
    }
    assert access.viewer_from_claims(entra, policy).role == "hr_admin"
    assert (
        access.viewer_from_claims({"is_logged_in": False, "email": "hr@acme.example"}, policy)
        is None
    )
    assert access.viewer_from_claims({"email": "hr@acme.example"}, policy) is None  # no login flag
    unverified = {**google, "email_verified": False}
    assert access.viewer_from_claims(unverified, policy) is None
    assert access.viewer_from_claims({"is_logged_in": True}, policy) is None


def test_settings_local_by_default_and_shared_needs_policy_and_folder(tmp_path) -> None:
    assert Settings.from_sources({}, {}).mode == "local"
    assert not Settings.from_sources({}, {}).audit_enabled
    assert Settings.from_sources({}, {"audit_dir": str(tmp_path)}).audit_folder() == tmp_path
    with pytest.raises(PolicyError, match="CHANGERADAR_POLICY and CHANGERADAR_DATA_DIR"):
        Settings.from_sources({"CHANGERADAR_MODE": "shared"}, {})
    with pytest.raises(PolicyError, match="'local'"):
        Settings.from_sources({"CHANGERADAR_MODE": "public"}, {})
    shared = Settings.from_sources(
        {"CHANGERADAR_MODE": "SHARED", "CHANGERADAR_DATA_DIR": str(tmp_path)},
        {"mode": "local", "policy": "p.yaml", "data_key": "k"},  # the environment wins
    )
    assert shared.shared and shared.policy_path == "p.yaml" and shared.data_key == "k"
    assert shared.audit_folder() == tmp_path / "audit"  # on by default in shared mode
    assert "k" not in repr(shared)


def test_rights_per_role() -> None:
    admin, lead, mgr = (Viewer("a@x", r, ("T",) if r == "manager" else ()) for r in access.ROLES)
    assert all(access.can(admin, a) for a in access.ACTIONS)
    assert access.can(lead, "all_teams") and not access.can(lead, "restricted")
    assert not any(access.can(mgr, a) for a in access.ACTIONS)
    assert not access.can(lead, "upload") and not access.can(lead, "publish")
    with pytest.raises(ValueError):
        Viewer("a@x", "superuser")


# --------------------------------------------------------------------------- scoped_analyze


def test_manager_sees_only_their_teams_and_sub_teams(prep, policy) -> None:
    ops = policy.viewer_for("ops@acme.example")
    sizes = team_sizes(prep)
    mine = {"Field Operations", "Finance Operations", "Facilities"}
    res = access.scoped_analyze(ops, prep, policy=policy, by=["team"])
    assert set(res.groups["Team"]) == mine
    assert res.n == sum(sizes[t] for t in mine)
    assert sorted(res.filters["Team"]) == sorted(mine)
    assert set(res.comments["Team"]) <= mine
    assert set(res.enps_groups["Team"]) <= mine
    assert all(f.group["Team"] in mine for f in res.flags)
    assert not len(res.drivers)  # fitted on the whole organisation, so not shown
    assert not len(res.item_drivers)  # the same for the item drivers
    assert len(res.item_gaps) and set(res.item_gaps["Team"]) <= mine
    # the organisation row is their scope, not the company
    assert (res.org["n"].dropna() <= res.n).all()
    # grouping by role stays inside the scope
    by_role = access.scoped_analyze(ops, prep, policy=policy, by=["role"])
    assert by_role.n == res.n
    assert by_role.groups["n"].sum(min_count=1) <= res.n * len(by_role.groups["construct"].unique())


def test_manager_numbers_equal_an_analysis_of_their_teams_alone(prep, policy) -> None:
    """What a manager sees is exactly pipeline.analyze filtered to their teams: no number
    depends on anyone outside the scope (rest_score/diff_vs_rest compare with their other
    teams)."""
    ops = policy.viewer_for("ops@acme.example")
    res = access.scoped_analyze(ops, prep, policy=policy, by=["team"])
    mine = ["Facilities", "Field Operations", "Finance Operations"]
    ref = pipeline.analyze(prep, by=["Team"], filters={"Team": mine}, policy=PrivacyPolicy())
    cols = ["group", "construct", "n", "score", "rest_score", "diff_vs_rest", "suppressed"]
    pd.testing.assert_frame_equal(
        res.groups[cols].reset_index(drop=True), ref.groups[cols].reset_index(drop=True)
    )


def test_manager_cannot_name_another_team(prep, policy) -> None:
    ops = policy.viewer_for("ops@acme.example")
    with pytest.raises(AccessDenied, match="Sales is outside"):
        access.scoped_analyze(ops, prep, policy=policy, filters={"Team": ["Sales"]})
    with pytest.raises(AccessDenied):
        access.scoped_analyze(
            ops, prep, policy=policy, filters={"team": ["Facilities", "Customer Support"]}
        )
    # within scope a filter is fine (if it passes the privacy rules against the scope)
    res = access.scoped_analyze(
        ops, prep, policy=policy, filters={"Team": ["Field Operations", "Finance Operations"]}
    )
    assert res.filters["Team"] == ["Field Operations", "Finance Operations"]


def test_manager_of_a_small_team_gets_the_notice_not_numbers(prep, policy) -> None:
    small = policy.viewer_for("audit@acme.example")
    assert team_sizes(prep)["Internal Audit"] < 5
    with pytest.raises(ScopeTooSmall, match="hidden to protect confidentiality") as info:
        access.scoped_analyze(small, prep, policy=policy)
    assert str(team_sizes(prep)["Internal Audit"]) not in str(info.value)  # no count leaked
    with pytest.raises(ScopeTooSmall):
        scoped_packs(small, prep, policy=policy)


def test_manager_scope_must_leave_enough_people_out(prep) -> None:
    """Remainder protection: a manager of everyone but 3 people would learn those 3 by
    comparing with the company figures."""
    teams = list(team_sizes(prep))
    everyone_but_exec = [t for t in teams if t != "Executive Office"]
    pol = AccessPolicy(rules=(Rule(role="manager", email="m@x", teams=tuple(everyone_but_exec)),))
    with pytest.raises(ScopeTooSmall):
        access.scoped_analyze(pol.viewer_for("m@x"), prep, policy=pol)


def test_manager_filter_close_to_the_scope_is_refused(prep, policy) -> None:
    """Scope minus a few people would single them out (differencing against the scope)."""
    ops = policy.viewer_for("ops@acme.example")
    groups = prep.scored.groups
    in_scope = groups[groups["Team"].isin(["Field Operations", "Finance Operations", "Facilities"])]
    counts = in_scope["Location"].value_counts()
    tiny = counts[counts < 5]
    if tiny.empty:
        pytest.skip("no small location in scope in this sample")
    others = [loc for loc in counts.index if loc != tiny.index[0]]
    with pytest.raises(PrivacyError):
        access.scoped_analyze(ops, prep, policy=policy, filters={"Location": others})


def test_restricted_demographics_are_for_hr_admins_only(prep, policy) -> None:
    lead = policy.viewer_for("lead@acme.example")
    admin = policy.viewer_for("hr@acme.example")
    for viewer in (lead, policy.viewer_for("ops@acme.example")):
        with pytest.raises(AccessDenied, match="restricted demographic"):
            access.scoped_analyze(viewer, prep, policy=policy, by=["tenure"])
        with pytest.raises(AccessDenied, match="filter by Tenure"):
            access.scoped_analyze(viewer, prep, policy=policy, filters={"Tenure": ["1-2 years"]})
        with pytest.raises(AccessDenied):
            access.scoped_analyze(viewer, prep, policy=policy, by=["Team", "Tenure"])
        assert "Tenure" not in access.allowed_columns(viewer, prep, policy)
    res = access.scoped_analyze(admin, prep, policy=policy, by=["Tenure"])
    assert res.by == ("Tenure",)


def test_change_lead_sees_all_teams_but_no_comment_text_when_withheld(prep, policy) -> None:
    lead = policy.viewer_for("lead@acme.example")  # comment_text lists hr_admin and manager
    res = access.scoped_analyze(lead, prep, policy=policy, by=["team"])
    full = pipeline.analyze(prep, by=["Team"])
    assert set(res.groups["Team"]) == set(full.groups["Team"])
    assert res.n == full.n
    assert len(full.comments) and not len(res.comments)
    assert all(not f.quotes for f in res.flags)
    assert res.comment_summary["shown"] == 0


def test_views_kept_per_upload_never_carry_one_viewers_scope_to_another() -> None:
    """analyze keeps each view of an upload (the Prepared's view cache, shared by sessions
    on the built-in sample): whoever asks first, each viewer gets what their role allows."""
    data = qualtrics_csv(generate_responses(n=260, seed=5))
    export, colmap = pipeline.load(data, "pulse.csv")
    prep = pipeline.prepare(export, colmap, n_boot=50, source_name="pulse.csv")
    policy = access.load_policy(POLICY_YAML)
    hr, lead = policy.viewer_for("hr@acme.example"), policy.viewer_for("lead@acme.example")
    ops = policy.viewer_for("ops@acme.example")
    mine = {"Field Operations", "Finance Operations", "Facilities"}
    for first, then in ((lead, hr), (ops, hr), (hr, ops), (hr, lead)):
        seen = {}
        for viewer in (first, then, first):
            res = access.scoped_analyze(viewer, prep, policy=policy, by=["team"])
            seen.setdefault(viewer.role, []).append(res)
        by_role = {role: runs[0] for role, runs in seen.items()}
        if "change_lead" in by_role:
            lead_res = by_role["change_lead"]
            assert not len(lead_res.comments) and all(not f.quotes for f in lead_res.flags)
        if "manager" in by_role:
            ops_res = by_role["manager"]
            assert set(ops_res.groups["Team"]) == mine
            assert set(ops_res.comments["Team"]) <= mine and not len(ops_res.drivers)
        hr_res = by_role["hr_admin"]
        assert len(hr_res.comments) and set(hr_res.groups["Team"]) > mine
        for runs in seen.values():  # the same viewer twice: the same view
            assert all(r.to_dict() == runs[0].to_dict() for r in runs)


def test_thresholds_are_floors_for_everyone_but_hr(prep, policy) -> None:
    lead = policy.viewer_for("lead@acme.example")
    admin = policy.viewer_for("hr@acme.example")
    low = PrivacyPolicy(min_group=3, min_comments=1)
    assert access.scoped_analyze(lead, prep, policy=policy, privacy=low).policy == PrivacyPolicy(
        5, 10
    )
    assert access.scoped_analyze(admin, prep, policy=policy, privacy=low).policy == low
    high = PrivacyPolicy(min_group=8, min_comments=12)
    assert access.scoped_analyze(lead, prep, policy=policy, privacy=high).policy == high


def test_a_manager_without_a_team_column_is_refused(prep, policy) -> None:
    pol = AccessPolicy(rules=policy.rules, team_column="Division")
    with pytest.raises(AccessDenied, match="no team column"):
        access.scoped_analyze(pol.viewer_for("ops@acme.example"), prep, policy=pol)


def test_manager_whose_teams_are_not_in_the_survey(prep) -> None:
    pol = AccessPolicy(rules=(Rule(role="manager", email="m@x", teams=("Moon Base",)),))
    with pytest.raises(ScopeTooSmall, match="None of your teams"):
        access.scoped_analyze(pol.viewer_for("m@x"), prep, policy=pol)


def test_local_viewer_matches_the_unscoped_pipeline(prep) -> None:
    res = access.scoped_analyze(access.LOCAL_VIEWER, prep, policy=AccessPolicy(), by=["Tenure"])
    ref = pipeline.analyze(prep, by=["Tenure"])
    pd.testing.assert_frame_equal(res.groups, ref.groups)
    assert len(res.comments) == len(ref.comments)


def test_selection_mask_is_scope_and_filters(prep, policy) -> None:
    ops = policy.viewer_for("ops@acme.example")
    mask = access.selection_mask(ops, prep, {"Role": ["Analyst"]}, policy)
    g = prep.scored.groups
    expected = g["Team"].isin(["Field Operations", "Finance Operations", "Facilities"]) & (
        g["Role"] == "Analyst"
    )
    assert np.array_equal(mask, expected.to_numpy())


# --------------------------------------------------------------------------- downloads


def test_manager_packs_hold_only_their_teams(prep, policy) -> None:
    ops = policy.viewer_for("ops@acme.example")
    packs = scoped_packs(ops, prep, policy=policy, formats=("csv",))
    teams = {p.split("/")[1] for p in packs if p.startswith("teams/")}
    assert teams == {"field-operations", "finance-operations", "facilities"}
    everything = b"".join(packs.values()).decode("utf-8")
    for other in set(team_sizes(prep)) - {"Field Operations", "Finance Operations", "Facilities"}:
        assert other not in everything
    blob = packs_zip(packs)
    assert sorted(zipfile.ZipFile(io.BytesIO(blob)).namelist()) == sorted(packs)
    with pytest.raises(ValueError, match="Unknown format"):
        scoped_packs(ops, prep, policy=policy, formats=("pdf",))


# --------------------------------------------------------------------------- property test

EMAILS = ["a@x.example", "b@x.example", "c@y.example", "d@y.example", "e@z.example"]
GROUPS = ["g1", "g2", "g3"]
PARENTS = ["North", "South"]


@st.composite
def policies(draw, team_names: list[str]) -> AccessPolicy:
    rules = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["email", "domain", "group"]))
        target = draw(
            st.sampled_from(
                {"email": EMAILS, "domain": ["x.example", "y.example"], "group": GROUPS}[kind]
            )
        )
        role = draw(st.sampled_from([*access.ROLES, "manager"]))  # managers matter most
        teams = ()
        if role == "manager":
            teams = tuple(
                draw(st.lists(st.sampled_from(team_names + PARENTS), min_size=1, max_size=6))
            )
        rules.append(Rule(role=role, teams=teams, **{kind: target}))
    subs = tuple(
        (p, tuple(draw(st.lists(st.sampled_from(team_names), max_size=4)))) for p in PARENTS
    )
    return AccessPolicy(
        rules=tuple(rules),
        restricted=tuple(
            draw(st.lists(st.sampled_from(["Tenure", "Location", "Role"]), max_size=2))
        ),
        sub_teams=subs,
        min_group=draw(st.integers(3, 8)),
        min_comments=draw(st.integers(1, 15)),
        comment_roles=frozenset(draw(st.lists(st.sampled_from(access.ROLES)))),
    )


def _expected_teams(policy: AccessPolicy, viewer: Viewer, names: list[str]) -> set[str]:
    """The scope worked out independently of access.py: listed teams plus children."""
    listed = {t.casefold() for t in viewer.teams}
    for parent, kids in policy.sub_teams:
        if parent.casefold() in listed:
            listed |= {k.casefold() for k in kids}
    return {n for n in names if n.casefold() in listed}


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_every_result_is_within_the_users_scope(prep, data) -> None:
    names = sorted(team_sizes(prep))
    policy = data.draw(policies(names))
    email = data.draw(st.sampled_from([*EMAILS, "stranger@w.example"]))
    user_groups = data.draw(st.lists(st.sampled_from(GROUPS), max_size=2))
    viewer = policy.viewer_for(email, user_groups)
    if viewer is None:
        event("no rule matches")
        return
    cols = prep.grouping_columns
    if data.draw(st.booleans()):  # mostly ask for columns the user may use, sometimes not
        cols = [c for c in cols if viewer.role == "hr_admin" or not policy.is_restricted(c)]
    by = data.draw(st.lists(st.sampled_from(cols), max_size=2, unique=True))
    groups = prep.scored.groups
    filters = {}
    in_scope = _expected_teams(policy, viewer, names) if viewer.role == "manager" else set(names)
    for col in data.draw(st.lists(st.sampled_from(cols), max_size=2, unique=True)):
        values = sorted(groups[col].astype(str).unique())
        if col == "Team" and in_scope and data.draw(st.booleans()):
            values = sorted(in_scope)  # mostly ask for what the user may see, sometimes not
        filters[col] = data.draw(st.lists(st.sampled_from(values), min_size=1, unique=True))
    asked = PrivacyPolicy(min_group=data.draw(st.integers(3, 6)))
    try:
        res = access.scoped_analyze(
            viewer, prep, policy=policy, by=by, filters=filters, privacy=asked
        )
    except PrivacyError as exc:  # refused (AccessDenied, ScopeTooSmall, a privacy rule)
        event(f"{viewer.role}: refused ({type(exc).__name__})")
        return
    event(f"{viewer.role}: shown")
    admin = viewer.role == "hr_admin"
    if not admin:
        assert not any(policy.is_restricted(c) for c in [*res.by, *res.filters])
        assert res.policy.min_group >= policy.min_group
        assert res.policy.min_comments >= policy.min_comments
    if viewer.role not in policy.comment_roles and not admin:
        assert not len(res.comments)
        assert all(not f.quotes for f in res.flags)
    # the respondents behind every number: scope (for managers) and the filters
    mask = np.ones(len(groups), dtype=bool)
    if viewer.role == "manager":
        allowed = _expected_teams(policy, viewer, names)
        mask &= groups["Team"].isin(allowed).to_numpy()
        assert set(res.filters["Team"]) <= allowed
        for table in (res.groups, res.items, res.enps_groups, res.comments):
            if "Team" in table.columns:
                assert set(table["Team"].dropna().astype(str)) <= allowed
        for flag in res.flags:
            if "Team" in flag.group:
                assert flag.group["Team"] in allowed
    for col, values in filters.items():
        mask &= groups[col].astype(str).isin(values).to_numpy()
    assert res.n == int(mask.sum())
    shown = prep.comments[prep.comments["respondent"].isin(groups.index[mask])]
    assert set(res.comments["text"]) <= set(shown["redacted"])
    visible = res.groups[~res.groups["suppressed"].astype(bool)] if len(res.groups) else res.groups
    assert (visible["n"] >= res.policy.min_group).all()
