"""Confidentiality rules: minimum size, complementary suppression, crossed and nested tables,
filters and comments. Property tests attack the published tables the way a reader could."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from analysis.privacy import (
    PrivacyError,
    PrivacyPolicy,
    check_filter,
    comment_visibility,
    comments_exposed,
    crossed_comment_visibility,
    differences,
    protect_groups,
    reason_complementary,
)
from tests.test_privacy_ledger import null_space

POLICY = PrivacyPolicy()


def _single(ns: list[int]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "team": [f"T{i}" for i in range(len(ns))],
            "construct": "trust",
            "label": "Trust in AI",
            "n": ns,
            "score": np.linspace(10, 90, len(ns)),
            "note": ["x"] * len(ns),
        }
    )


@pytest.mark.parametrize("bad", [2, 1, 0, -5])
def test_min_group_below_three_is_refused(bad: int) -> None:
    with pytest.raises(ValueError, match="can't be below 3"):
        PrivacyPolicy(min_group=bad)


def test_policy_accepts_three_and_rejects_non_integers() -> None:
    assert PrivacyPolicy(min_group=3).min_group == 3
    with pytest.raises(ValueError):
        PrivacyPolicy(min_group=4.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        PrivacyPolicy(min_comments=0)


@pytest.mark.parametrize(
    ("ns", "hidden", "reasons"),
    [
        ([10, 12, 30], [], {}),
        ([3, 10, 12, 30], [0, 1], {0: "fewer than 5 responses", 1: "subtraction"}),
        ([3, 4, 12, 30], [0, 1], {0: "fewer than 5", 1: "fewer than 5"}),
        ([4, 9, 8, 30], [0, 2], {2: "subtraction"}),  # next smallest, not the next listed
        ([4, 40], [0, 1], {}),
    ],
)
def test_single_level_complementary(ns: list[int], hidden: list[int], reasons: dict) -> None:
    out = protect_groups(_single(ns), "n", POLICY, by=["team"])
    assert list(np.flatnonzero(out["suppressed"])) == hidden
    for i, text in reasons.items():
        assert text in out.loc[i, "suppressed_reason"]
    assert (out.loc[~out["suppressed"], "suppressed_reason"] == "").all()


def test_hidden_rows_carry_no_numbers_or_extra_text() -> None:
    out = protect_groups(_single([2, 10, 12]), "n", POLICY, by=["team"], keep=["label"])
    hid = out[out["suppressed"]]
    assert len(hid) == 2
    assert hid["n"].isna().all() and hid["score"].isna().all()
    assert hid["note"].isna().all()  # any other column is blanked too, not only numbers
    assert (hid["label"] == "Trust in AI").all() and (hid["team"] == ["T0", "T1"]).all()
    vis = out[~out["suppressed"]]
    assert vis["n"].tolist() == [12.0] and vis["note"].tolist() == ["x"]


def test_blocks_are_independent() -> None:
    t = pd.concat([_single([3, 10, 12]), _single([8, 10, 12]).assign(construct="fear")])
    out = protect_groups(t.reset_index(drop=True), "n", POLICY, by=["team"])
    assert out.loc[out["construct"] == "trust", "suppressed"].tolist() == [True, True, False]
    assert not out.loc[out["construct"] == "fear", "suppressed"].any()


def test_crossed_row_and_column_pairs() -> None:
    # team x role; one small cell (A, x). Row A and column x each need a second hidden cell,
    # and those complements must not be recoverable either.
    n = {("A", "x"): 2, ("A", "y"): 20, ("A", "z"): 9, ("B", "x"): 7, ("B", "y"): 30}
    n |= {("B", "z"): 25, ("C", "x"): 40, ("C", "y"): 50, ("C", "z"): 60}
    t = pd.DataFrame([(a, b, v) for (a, b), v in n.items()], columns=["team", "role", "n"])
    t["construct"] = "c"
    out = protect_groups(t, "n", POLICY, by=["team", "role"])
    hidden = {(r.team, r.role) for r in out.itertuples() if r.suppressed}
    assert ("A", "x") in hidden
    for team in "ABC":
        assert len([h for h in hidden if h[0] == team]) in (0, 2, 3)
    for role in "xyz":
        assert len([h for h in hidden if h[1] == role]) in (0, 2, 3)
    assert _peel(t.assign(suppressed=out["suppressed"]), ["team", "role"], POLICY) == set()


def test_crossed_refused_when_margins_give_a_cell_away() -> None:
    # Team A is all role x (7); role x = 8 people, so (B, x) = 1 = role x - team A.
    t = pd.DataFrame(
        [("A", "x", 7), ("B", "x", 1), ("B", "y", 20), ("C", "y", 9)],
        columns=["team", "role", "n"],
    ).assign(construct="c")
    with pytest.raises(PrivacyError, match="team × role can't be shown safely"):
        protect_groups(t, "n", POLICY, by=["team", "role"])


def test_nested_hidden_parent_needs_hidden_children() -> None:
    # Division D2 (n=4) is hidden, so D3 is hidden as its complement. If all of D3's teams were
    # visible, D3 = sum of its teams and D2 = org - D1 - D3: D3's teams must hide too.
    rows = [("D1", None, 50), ("D2", None, 4), ("D3", None, 12)]
    rows += [("D1", "a", 20), ("D1", "b", 30), ("D2", "c", 4), ("D3", "d", 6), ("D3", "e", 6)]
    t = pd.DataFrame(rows, columns=["division", "team", "n"]).assign(construct="c")
    out = protect_groups(t, "n", POLICY, by=["division", "team"], nested=True)
    hid = {
        (r.division, None if pd.isna(r.team) else r.team) for r in out.itertuples() if r.suppressed
    }
    assert ("D2", None) in hid and ("D3", None) in hid and ("D2", "c") in hid
    assert ("D3", "d") in hid or ("D3", "e") in hid
    assert ("D1", None) not in hid and ("D1", "a") not in hid


# ------------------------------------------------------------------------------------------
# an attacker: margins a reader sees in other tables + subtraction, applied until stuck


def _margin_visible(t: pd.DataFrame, cols: list[str], policy: PrivacyPolicy) -> dict:
    """What the table grouped by ``cols`` shows (its own protection), key -> visible."""
    if not cols:
        return {(): t["n"].sum() >= policy.min_group}
    m = t.groupby(cols, as_index=False)["n"].sum().assign(construct="c")
    prot = protect_groups(m, "n", policy, by=cols)
    return {tuple(r[c] for c in cols): not r["suppressed"] for _, r in prot.iterrows()}


def _peel(t: pd.DataFrame, by: list[str], policy: PrivacyPolicy) -> set:
    """Groups under the minimum (cells, or margins hidden in their own tables) that subtraction
    recovers: repeatedly solve any equation 'margin = sum of its cells' with one unknown left.
    The attacker sees the cell list, every margin table as protected on its own, and which
    groups are empty."""
    known = {
        ("cell", *(r[c] for c in by)): not r["suppressed"] or r["n"] == 0 for _, r in t.iterrows()
    }
    size = {("cell", *(r[c] for c in by)): r["n"] for _, r in t.iterrows()}
    equations = []
    for r in range(len(by)):
        for dims in itertools.combinations(range(len(by)), r):
            vis = _margin_visible(t, [by[d] for d in dims], policy)
            for key, shown in vis.items():
                members = [
                    c for c in size if c[0] == "cell" and tuple(c[1 + d] for d in dims) == key
                ]
                name = ("margin", dims, key)
                size[name] = sum(size[c] for c in members)
                known[name] = bool(shown) or size[name] == 0
                equations.append([name, *members])
    # a margin is also the sum of the finer margins inside it (org = sum of teams, ...)
    margins = [c for c in size if c[0] == "margin"]
    for _, dims, key in margins:
        parts = [
            m
            for m in margins
            if len(m[1]) == len(dims) + 1
            and set(dims) <= set(m[1])
            and tuple(m[2][m[1].index(d)] for d in dims) == key
        ]
        finer_dims = {m[1] for m in parts}
        for fd in finer_dims:
            equations.append([("margin", dims, key), *[m for m in parts if m[1] == fd]])
    changed = True
    while changed:
        changed = False
        for terms in equations:
            unknown = [c for c in terms if not known[c]]
            if len(unknown) == 1:
                known[unknown[0]] = True
                changed = True
    return {c for c, k in known.items() if k and 0 < size[c] < policy.min_group}


def _recovers(t: pd.DataFrame, by: list[str], policy: PrivacyPolicy) -> list[str]:
    """A linear-algebra attacker (independent of the null-space code in privacy.py): every
    visible cell and every margin its own table shows is a known total of cells; a set of
    people is recovered when its total is a linear combination of the known ones (rank test).
    Targets: small hidden cells, small margins, and the hidden cells of one margin together.
    The reader sees which combinations exist (the table's rows), and knows empty cells are 0."""
    cells = t[t["n"] > 0].reset_index(drop=True)
    m = len(cells)
    if m == 0:
        return []
    rows, targets = [], []
    for i, r in cells.iterrows():
        unit = np.eye(m)[i]
        if not r["suppressed"]:
            rows.append(unit)
        elif r["n"] < policy.min_group:
            targets.append((f"cell {tuple(r[c] for c in by)}", unit))
    for r in range(len(by)):
        for dims in itertools.combinations(range(len(by)), r):
            cols = [by[d] for d in dims]
            vis = _margin_visible(t, cols, policy)
            keys = [()] * m if not cols else list(zip(*(cells[c] for c in cols), strict=True))
            for key, shown in vis.items():
                member = np.array([k == key for k in keys], dtype=float)
                size = float(cells["n"].to_numpy() @ member)
                if shown:
                    rows.append(member)
                    hid = member * cells["suppressed"].to_numpy(float)
                    part = float(cells["n"].to_numpy() @ hid)
                    if 0 < part < policy.min_group:
                        targets.append((f"hidden part of margin {cols}={key}", hid))
                elif 0 < size < policy.min_group:
                    targets.append((f"margin {cols}={key}", member))
    a = np.array(rows) if rows else np.zeros((0, m))
    rank = np.linalg.matrix_rank(a) if len(a) else 0
    return [
        name
        for name, w in targets
        if (np.linalg.matrix_rank(np.vstack([a, w])) if len(a) else 1) == rank
    ]


sizes = st.integers(0, 14)


@st.composite
def single_tables(draw):
    ns = draw(st.lists(sizes, min_size=1, max_size=9))
    return pd.DataFrame({"team": [f"T{i}" for i in range(len(ns))], "n": ns})


@st.composite
def crossed_tables(draw):
    teams = draw(st.integers(1, 4))
    roles = draw(st.integers(1, 4))
    cells = [(f"T{a}", f"R{b}") for a in range(teams) for b in range(roles)]
    present = draw(st.lists(st.booleans(), min_size=len(cells), max_size=len(cells)))
    if not any(present):
        present[0] = True
    rows = [(a, b, draw(sizes)) for (a, b), p in zip(cells, present, strict=True) if p]
    return pd.DataFrame(rows, columns=["team", "role", "n"])


def _check_no_numbers_under_minimum(out: pd.DataFrame, t: pd.DataFrame, p: PrivacyPolicy):
    small = t["n"].to_numpy() < p.min_group
    assert out.loc[small, "suppressed"].all()
    hidden = out[out["suppressed"]]
    assert hidden["n"].isna().all() and hidden["score"].isna().all()
    assert (hidden["suppressed_reason"] != "").all()


@given(single_tables(), st.integers(3, 8))
def test_property_single_level(t: pd.DataFrame, min_group: int) -> None:
    p = PrivacyPolicy(min_group=min_group)
    t = t.assign(construct="c", score=1.0)
    out = protect_groups(t, "n", p, by=["team"])
    _check_no_numbers_under_minimum(out, t, p)
    k = int((out["suppressed"] & (t["n"] > 0)).sum())
    org_visible = t["n"].sum() >= min_group
    assert k == 0 or k >= 2 or not org_visible or len(t) == 1
    assert _peel(t.assign(suppressed=out["suppressed"]), ["team"], p) == set()
    # the hidden groups together (organisation − visible groups) are not a small group either
    hidden_n = t.loc[out["suppressed"].to_numpy(), "n"].sum()
    assert not org_visible or hidden_n == 0 or hidden_n >= min_group
    assert _recovers(t.assign(suppressed=out["suppressed"]), ["team"], p) == []


@given(crossed_tables(), st.integers(3, 6))
def test_property_crossed(t: pd.DataFrame, min_group: int) -> None:
    p = PrivacyPolicy(min_group=min_group)
    t = t.assign(construct="c", score=1.0)
    try:
        out = protect_groups(t, "n", p, by=["team", "role"])
    except PrivacyError as e:
        # refused only when the team and role totals give a small cell away even with every
        # cell hidden (the table would reveal which combinations exist)
        # (which is found by combining equations, e.g. cell = team + role − organisation when
        # the team and the role together cover everyone: a rank test, not substitution)
        assert "can't be shown safely" in str(e)
        assert _recovers(t.assign(suppressed=True), ["team", "role"], p)
        return
    _check_no_numbers_under_minimum(out, t, p)
    t = t.assign(suppressed=out["suppressed"])
    assert _peel(t, ["team", "role"], p) == set()
    assert _recovers(t, ["team", "role"], p) == []
    # each team row / role column holding a hidden small cell has a second hidden cell, or
    # its margin is hidden in its own table
    for dim in ("team", "role"):
        vis = _margin_visible(t, [dim], p)
        for key, grp in t.groupby(dim):
            hidden = grp["suppressed"] & (grp["n"] > 0)
            if (hidden & (grp["n"] < min_group)).any() and vis[(key,)]:
                assert hidden.sum() >= 2


@given(crossed_tables(), st.integers(3, 6))
def test_property_nested(t: pd.DataFrame, min_group: int) -> None:
    p = PrivacyPolicy(min_group=min_group)
    parents = t.groupby("team", as_index=False)["n"].sum().assign(role=None)
    table = pd.concat([parents, t], ignore_index=True).assign(construct="c", score=1.0)
    out = protect_groups(table, "n", p, by=["team", "role"], nested=True)
    _check_no_numbers_under_minimum(out, table, p)
    # attack: org and visible divisions; each visible or hidden division = sum of its teams
    top = out["role"].isna()
    known_top = dict(zip(out.loc[top, "team"], ~out.loc[top, "suppressed"], strict=True))
    known_top = {k: v or parents.set_index("team").at[k, "n"] == 0 for k, v in known_top.items()}
    leaves = out[~top]
    size_leaf = dict(zip(zip(t["team"], t["role"], strict=True), t["n"], strict=True))
    known_leaf = {
        (r.team, r.role): not r.suppressed or size_leaf[(r.team, r.role)] == 0
        for r in leaves.itertuples()
    }
    size_top = dict(zip(parents["team"], parents["n"], strict=True))
    org_visible = t["n"].sum() >= min_group
    changed = True
    while changed:
        changed = False
        unknown_top = [k for k, v in known_top.items() if not v]
        if org_visible and len(unknown_top) == 1:
            known_top[unknown_top[0]] = changed = True
        for team in known_top:
            members = [k for k in known_leaf if k[0] == team]
            unknown = [k for k in members if not known_leaf[k]]
            if known_top[team] and len(unknown) == 1:
                known_leaf[unknown[0]] = changed = True
            if not known_top[team] and not unknown:
                known_top[team] = changed = True
    assert not [k for k, v in known_leaf.items() if v and 0 < size_leaf[k] < min_group]
    assert not [k for k, v in known_top.items() if v and 0 < size_top[k] < min_group]


# ------------------------------------------------------------------------------------------
# filters and comments


def test_check_filter_rules() -> None:
    people = pd.DataFrame({"team": ["A"] * 12 + ["B"] * 8})
    ok = check_filter(people, people["team"] == "A", POLICY)
    assert ok.sum() == 12
    assert check_filter(people, np.ones(20, bool), POLICY).all()
    with pytest.raises(PrivacyError, match="selects 3 people"):
        check_filter(people, np.arange(20) < 3, POLICY)
    with pytest.raises(PrivacyError, match="leaves out only 2 people"):
        check_filter(people, np.arange(20) < 18, POLICY)
    previous = (people["team"] == "A").to_numpy()
    narrower = previous & (np.arange(20) != 0)  # team A minus one person
    with pytest.raises(PrivacyError, match="differs by only 1 person"):
        check_filter(people, narrower, POLICY, shown=[previous])
    check_filter(people, np.arange(20) < 6, POLICY, shown=[previous])  # differs by 6: fine
    with pytest.raises(ValueError, match="covers 3 people"):
        check_filter(people, [True, True, False], POLICY)


def test_comment_visibility() -> None:
    counts = pd.Series({"A": 25, "B": 12, "C": 4, "D": 0, "E": 11})
    vis = comment_visibility(counts, POLICY)
    # C is under 10 comments; exactly one hidden group with comments -> the next smallest (E)
    assert vis.to_dict() == {"A": True, "B": True, "C": False, "D": False, "E": False}
    sizes = pd.Series({"A": 30, "B": 4, "C": 9, "D": 3, "E": 20})
    vis = comment_visibility(counts, POLICY, sizes)
    # B (4 people) is hidden at 5 but shown at 3, where C alone needed E as its complement; E
    # stays hidden at 5 so the two versions together don't leave C as the only hidden group.
    assert vis.to_dict() == {"A": True, "B": False, "C": False, "D": False, "E": False}
    vis3 = comment_visibility(counts, PrivacyPolicy(min_group=3), sizes)
    assert vis3.to_dict() == {"A": True, "B": True, "C": False, "D": False, "E": False}


# ------------------------------------------------------------------------------------------
# filtered views against the unfiltered data and the filters already shown


@st.composite
def filter_sessions(draw):
    """Respondents with a team and a location, a history of filters already shown, and a new
    filter; filters keep some teams and some locations (like the app's sidebar)."""
    n = draw(st.integers(12, 70))
    team = np.array(draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)))
    loc = np.array(draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)))

    def a_filter():
        teams = draw(st.sets(st.integers(0, 3), min_size=1))
        locs = draw(st.sets(st.integers(0, 2), min_size=1))
        return np.isin(team, list(teams)) & np.isin(loc, list(locs))

    return team, loc, [a_filter() for _ in range(draw(st.integers(0, 3)))], a_filter()


def _filtered_table(keys: np.ndarray, mask: np.ndarray, diffs: list[np.ndarray]):
    """Rows of a filtered view grouped by ``keys`` and their exposure counts: the groups it
    has, and (n = 0) the groups only the changed people are in (scoring adds those too)."""
    codes = sorted(set(keys[mask]) | {c for d in diffs for c in keys[d]})
    n = [int((mask & (keys == c)).sum()) for c in codes]
    exposure = np.array([[int((d & (keys == c)).sum()) for d in diffs] for c in codes])
    table = pd.DataFrame({"g": [f"G{c}" for c in codes], "n": n, "construct": "c", "score": 1.0})
    return codes, table, exposure.reshape(len(codes), len(diffs))


def _gap_ok(k: int, min_group: int) -> bool:
    return k == 0 or k >= min_group


@settings(max_examples=150, deadline=None)
@given(filter_sessions(), st.integers(3, 6))
def test_property_filtered_groups_never_differ_from_a_shown_view_by_a_few(session, min_group):
    """For every group visible in a filtered view and every view a reader can compare it with
    (unfiltered, or a filter already shown), the two sets differ by 0 or >= min people; the
    hidden groups together (the filtered total minus the visible groups) too."""
    team, loc, tried, mask = session
    p = PrivacyPolicy(min_group=min_group)
    history: list[np.ndarray] = []
    for earlier in tried:  # the app keeps only the filters it accepted
        try:
            history.append(check_filter(len(team), earlier, p, shown=history))
        except PrivacyError:
            continue
    try:
        check_filter(len(team), mask, p, shown=history)
    except PrivacyError:
        assume(False)
    diffs = differences(mask, history)
    refs = [np.ones(len(team), dtype=bool), *history]
    for keys in (team, team * 3 + loc):  # by team, and by team × location cells
        codes, table, exposure = _filtered_table(keys, mask, diffs)
        try:
            out = protect_groups(table, "n", p, by=["g"], exposure=exposure)
        except PrivacyError:
            # refused only when hiding every row can't help: the filtered total (shown) is
            # the sum of the view's groups, and their changed people together number 1..min-1
            # (conservative: it assumes the same groups' totals in the other view are known)
            together = exposure[table["n"].to_numpy() > 0].sum(axis=0)
            assert ((together > 0) & (together < min_group)).any()
            continue
        hidden_members = np.zeros(len(team), dtype=bool)
        for c, (_, row) in zip(codes, out.iterrows(), strict=True):
            g = keys == c
            if row["suppressed"]:
                hidden_members |= g if (g & mask).any() else False  # absent groups: not shown
                continue
            assert row["n"] >= min_group
            for ref in refs:
                assert _gap_ok(int((g & (mask ^ ref)).sum()), min_group), (c, row["n"])
        # the filtered total (checked by check_filter) minus the visible groups
        assert _gap_ok(int((hidden_members & mask).sum()), min_group)
        for ref in refs:
            assert _gap_ok(int((hidden_members & (mask ^ ref)).sum()), min_group)
        reasons = set(out.loc[out["suppressed"], "suppressed_reason"])
        assert reasons <= {
            "fewer than " + str(min_group) + " responses",
            "so a smaller group can't be worked out by subtraction",
            f"comparing with an earlier view would single out fewer than {min_group} people",
        }


def test_differencing_rule_by_hand() -> None:
    """Team A (12 people) shown unfiltered; a filter leaving out one person of A and eight of
    B: A's filtered row would differ by 1 person, so A is hidden, and B with it (a lone hidden
    row would be the filtered total minus the visible ones)."""
    team = np.array(["A"] * 12 + ["B"] * 20 + ["C"] * 15)
    mask = np.ones(len(team), dtype=bool)
    mask[0] = False  # one of A
    mask[12:20] = False  # eight of B
    diffs = differences(mask)
    assert [int(d.sum()) for d in diffs] == [9]
    table = pd.DataFrame({"team": ["A", "B", "C"], "construct": "c"})
    table["n"] = [int((mask & (team == t)).sum()) for t in table["team"]]
    exposure = np.array([[int((diffs[0] & (team == t)).sum())] for t in table["team"]])
    out = protect_groups(table, "n", POLICY, by=["team"], exposure=exposure)
    assert out["suppressed"].tolist() == [True, True, False]
    assert out["suppressed_reason"][0].startswith("comparing with an earlier view")
    assert out["suppressed_reason"][1] == reason_complementary()
    # the same filter compared with nothing but itself changes nothing
    assert differences(mask, [mask], everyone=False) == []


def test_hidden_groups_together_meet_the_minimum() -> None:
    """Two hidden teams of 1 and 1 under a visible organisation would describe 2 people as
    organisation − the visible team: the visible team is hidden too."""
    out = protect_groups(_single([1, 1, 30]), "n", POLICY, by=["team"])
    assert out["suppressed"].tolist() == [True, True, True]


def test_comments_exposed_by_hand() -> None:
    policy = PrivacyPolicy(min_group=5, min_comments=10)
    codes = np.array([0] * 12 + [1] * 30)
    resp = np.concatenate([np.arange(12), np.arange(12, 42) // 2])  # group 1: 2 comments each
    changed = np.zeros(42, dtype=bool)
    changed[[0, 13]] = True  # one person of each group
    hit = comments_exposed(codes, resp, [changed], policy, 2)
    assert hit.tolist() == [True, True]
    changed[12:22] = True  # group 1 gains 5 people (10 comments): fine; group 0 still 1
    assert comments_exposed(codes, resp, [changed], policy, 2).tolist() == [True, False]
    vis = comment_visibility(pd.Series({"G0": 12, "G1": 30, "G2": 20}), policy, hide=["G0"])
    assert vis.to_dict() == {"G0": False, "G1": True, "G2": False}  # + complementary


@given(st.integers(1, 80), st.integers(1, 4), st.integers(0, 2**32 - 1), st.booleans())
def test_comments_exposed_counts_people_and_comments_per_group(n, groups, seed, own) -> None:
    """Against the definition: a group is exposed when the changed people's comments in it, or
    those people, number 1..minimum-1 (comments without a respondent, -1, never count).
    ``own``: each respondent's comments are in the respondent's one group (as when groups are
    the respondents'), else a respondent's comments may fall in several groups."""
    policy = PrivacyPolicy(min_group=3, min_comments=4)
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, groups, n)
    resp = rng.integers(-1, 12, n)
    if own:
        group_of = rng.integers(0, groups, 12)
        codes = np.where(resp >= 0, group_of[np.maximum(resp, 0)], codes)
    changed = rng.random(12) < 0.4
    got = comments_exposed(codes, resp, [changed], policy, groups)
    for g in range(groups):
        mine = (codes == g) & (resp >= 0) & changed[np.maximum(resp, 0)]
        comments, people = int(mine.sum()), len(set(resp[mine].tolist()))
        want = 0 < comments < policy.min_comments or 0 < people < policy.min_group
        assert bool(got[g]) == want


def test_hidden_groups_together_hold_the_minimum_comments_and_people() -> None:
    """Two hidden groups of 2 and 3 comments are "all comments minus the shown ones": 5
    comments, under the minimum of 10, so the smallest shown group hides too; and two hidden
    groups whose 12 comments come from 3 people (2 + 1) hide a third beside them."""
    counts = pd.Series({"A": 40, "B": 2, "C": 3, "D": 11, "E": 30})
    vis = comment_visibility(counts, POLICY)
    assert vis.to_dict() == {"A": True, "B": False, "C": False, "D": False, "E": True}
    counts = pd.Series({"A": 40, "B": 6, "C": 6, "D": 15, "E": 30})
    people = pd.Series({"A": 20, "B": 2, "C": 1, "D": 8, "E": 12})
    vis = comment_visibility(counts, PrivacyPolicy(min_comments=5), people)
    assert vis.to_dict() == {"A": True, "B": False, "C": False, "D": False, "E": True}


def test_small_cells_pinned_by_margins_alone() -> None:
    """An L of three cells, (T, C1) small, (T, C2) and (U, C1) large: with the margins T, U,
    C1 and C2 shown, every cell is pinned (a tree), and (T, C1) = T − C2 is small in comments;
    without C2's margin, T and C1 only give sums, and nothing small is pinned."""
    from analysis.privacy import small_cells_pinned

    c = np.array([3.0, 40.0, 50.0])  # (T, C1), (T, C2), (U, C1)
    people = np.array([2.0, 20.0, 25.0])
    t, u, c1, c2 = [1.0, 1, 0], [0.0, 0, 1], [1.0, 0, 1], [0.0, 1, 0]
    hit = small_cells_pinned(np.array([t, u, c1, c2]), c, people, POLICY)
    assert hit.tolist() == [True, False, False]
    hit = small_cells_pinned(np.array([t, c1]), c, people, POLICY)
    assert not hit.any()
    c = np.array([9.0, 120.0, 150.0])  # (T, C1): 9 comments, enough, but by 2 people
    hit = small_cells_pinned(np.array([t, u, c1, c2]), c, people, PrivacyPolicy(5, 5))
    assert hit.tolist() == [True, False, False]


def test_comment_visibility_nests_across_minimums() -> None:
    """At minimum 5 team A (4 people) is hidden with D as its complement; at 6 C (5 people) is
    hidden as well. D stays hidden at 6: otherwise the two versions together would show every
    group's comments but A's, which are then the organisation's minus the rest."""
    counts = pd.Series({"A": 12, "B": 30, "C": 20, "D": 15})
    sizes = pd.Series({"A": 4, "B": 40, "C": 5, "D": 9})
    shown = {m: comment_visibility(counts, PrivacyPolicy(min_group=m), sizes) for m in (3, 4, 5, 6)}
    assert shown[5].to_dict() == {"A": False, "B": True, "C": True, "D": False}
    assert shown[6].to_dict() == {"A": False, "B": True, "C": False, "D": False}
    for low, high in itertools.combinations((3, 4, 5, 6), 2):
        assert not (shown[high] & ~shown[low]).any(), (low, high)


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(3, 12), st.integers(1, 4), st.integers(3, 8))
def test_one_cells_small_unions_flag_equals_the_full_search(seed, cells, free, min_group):
    """The greedy search asks one cell's small-union flag per trial; it must be the full
    search's flag for that cell, bit for bit (basis rows with planted pairs and triples that
    cancel, so some unions are pinned)."""
    from analysis.privacy.pinning import small_unions_pinned

    rng = np.random.default_rng(seed)
    rows = rng.normal(size=(cells, free))
    for a, b in rng.integers(0, cells, (2, 2)):
        if a != b:
            rows[b] = -rows[a]
    a, b, c = rng.choice(cells, 3, replace=False)
    rows[c] = -(rows[a] + rows[b])
    n = rng.integers(1, min_group // 2 + 2, cells).astype(float)
    small = (rng.random(cells) < 0.8) & (n < min_group)
    unknown = np.arange(cells)
    full = small_unions_pinned(small, n, unknown, rows, min_group)
    for t in np.flatnonzero(small):
        one = small_unions_pinned(small, n, unknown, rows, min_group, only=int(t))
        assert one[t] == full[t]
        assert not one[np.arange(cells) != t].any()


def _crossed_system(rows: int, cols: int) -> np.ndarray:
    """Equations of a rows x cols table (each margin minus its cells is 0, and the total minus
    the row margins): unknowns are the cells, then row margins, column margins and the total."""
    m = rows * cols
    a = np.zeros((rows + cols + 1, m + rows + cols + 1))
    for i in range(rows):
        a[i, m + i] = 1
        a[i, i * cols : (i + 1) * cols] = -1
    for j in range(cols):
        a[rows + j, m + rows + j] = 1
        a[rows + j, j:m:cols] = -1
    a[-1, -1] = 1
    a[-1, m : m + rows] = -1
    return a


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 5), st.integers(2, 5))
def test_small_unions_pinned_do_not_depend_on_the_basis(seed, rows, cols):
    """Another processor's LAPACK gives another orthonormal basis of the same null space, and
    another rounding. Which unions are pinned is a property of the space, so any rotation of the
    basis must give the same flags. (Deciding on Gram sums against TOL² gave another verdict
    for 28 of 1,050 random rotations: a pinned pair came out as ±1.1e-16.)"""
    from analysis.privacy.pinning import TOL, null_basis, small_unions_pinned

    rng = np.random.default_rng(seed)
    a = _crossed_system(rows, cols)
    m = rows * cols
    n = rng.integers(1, 9, m).astype(float)
    hidden = rng.random(m) < 0.5
    margins = rng.random(a.shape[1] - m) < 0.3
    unknown = np.flatnonzero(np.concatenate([hidden, margins]))
    basis = null_basis(a, unknown)
    assume(basis.shape[1] > 0)
    alone = np.zeros(a.shape[1], dtype=bool)
    alone[unknown] = np.linalg.norm(basis, axis=1) < TOL
    small = hidden & ~alone[:m] & (n < 5)
    flags = small_unions_pinned(small, n, unknown, basis, 5)
    for _ in range(4):
        q, _ = np.linalg.qr(rng.normal(size=(basis.shape[1], basis.shape[1])))
        assert np.array_equal(small_unions_pinned(small, n, unknown, basis @ q, 5), flags)


def test_shared_bases_live_only_inside_their_block() -> None:
    """One cache per view (analysis.pipeline.analyze opens it); outside a block each table gets
    its own, so nothing of one analysis reaches the next."""
    from analysis.privacy import shared_bases
    from analysis.privacy.pinning import bases_table

    assert bases_table() is not bases_table()
    with shared_bases():
        inside = bases_table()
        inside["x"] = 1
        assert bases_table() is inside
        with shared_bases():
            assert bases_table() == {}
        assert bases_table() is inside
    assert bases_table() == {}


# --------------------------------------------------------------------------- crossed comments


def _crossed(counts: dict[tuple[str, str], int]) -> tuple[pd.Series, pd.DataFrame]:
    labels = [f"{t} × {r}" for t, r in counts]
    c = pd.Series(list(counts.values()), index=labels)
    parts = pd.DataFrame([list(k) for k in counts], index=labels, columns=["team", "role"])
    return c, parts


def test_crossed_comments_hide_a_second_cell_in_the_row_of_a_hidden_one() -> None:
    """A fifth review: the team's pack minus the team × role view's shown cells gave the 8
    comments of the hidden Director cell. The smallest shown cell of that row hides too."""
    c, parts = _crossed(
        {
            ("CS", "Director"): 8,
            ("CS", "Lead"): 36,
            ("CS", "Agent"): 200,
            ("IT", "Director"): 5,
            ("IT", "Agent"): 50,
            ("IT", "Lead"): 60,
        }
    )
    vis = comment_visibility(c, POLICY)  # two cells hide: the table alone needs no more
    assert set(vis[~vis].index) == {"CS × Director", "IT × Director"}
    crossed = crossed_comment_visibility(vis, c, parts, POLICY)
    # each team's row had one hidden cell, so one more cell of the row hides: CS × Lead (its
    # smallest), then IT × Lead, not IT's smaller Agent cell, whose column would then have
    # held a lone hidden cell (CS × Agent = the Agent total minus IT × Agent's)
    hidden = {"CS × Director", "CS × Lead", "IT × Director", "IT × Lead"}
    assert set(crossed[~crossed].index) == hidden
    # the Director column hides 13 comments in two cells: safe as it is
    assert (crossed <= vis).all()


@given(
    st.dictionaries(
        st.tuples(st.sampled_from("ABCD"), st.sampled_from("wxyz")),
        st.integers(0, 40),
        min_size=1,
        max_size=16,
    ),
    st.integers(3, 12),
    st.integers(0, 2**32 - 1),
)
@settings(max_examples=150, deadline=None)
def test_no_hidden_crossed_cell_is_left_alone_in_its_row_or_column(
    counts: dict[tuple[str, str], int], min_comments: int, seed: int
) -> None:
    """Attacker property: a row's (or column's) shown total subtracted from its margin gives
    the hidden cells' comments; they must be none, or at least two cells holding at least
    ``min_comments`` comments by ``min_group`` commenters together, unless nothing in that
    row is left to hide."""
    policy = PrivacyPolicy(min_comments=min_comments)
    c, parts = _crossed(counts)
    rng = np.random.default_rng(seed)
    people = pd.Series(rng.integers(0, c.to_numpy() + 1), index=c.index)  # ≤ one per comment
    people[c > 0] = people[c > 0].clip(lower=1)
    vis = comment_visibility(c, policy, sizes=people)
    ok = crossed_comment_visibility(vis, c, parts, policy, people=people)
    assert (ok <= vis).all()
    for col in parts.columns:
        for _, idx in parts.groupby(col).groups.items():
            cells = c.loc[idx][c.loc[idx] > 0]
            hidden = cells[~ok.loc[cells.index].to_numpy()]
            shown = cells[ok.loc[cells.index].to_numpy()]
            safe = hidden.empty or (
                len(hidden) >= 2
                and hidden.sum() >= min_comments
                and people[hidden.index].sum() >= policy.min_group
            )
            assert safe or shown.empty
    # nor can the rows and columns together pin down a cell hidden for its size, unless they
    # pin it down with every cell hidden (the margins' own views protect those)
    hidden_all = pd.Series(False, index=c.index)
    inherent = _pinned_cells(c, parts, hidden_all, min_comments)
    pinned = _pinned_cells(c, parts, ok, min_comments) & set(vis[~vis].index)
    assert pinned <= inherent, pinned - inherent


def _pinned_cells(
    c: pd.Series, parts: pd.DataFrame, ok: pd.Series, min_comments: int = 10
) -> set[str]:
    """Hidden cells (with comments) whose count the row and column totals pin down: a zero
    row of the null space of the margin equations over the hidden cells. A row or column is
    an equation when its own view shows its total: one cell's total is that cell, released by
    the same rule, and a total under ``min_comments`` is not shown."""
    has = c.to_numpy() > 0
    hidden = has & ~ok.reindex(c.index).to_numpy(dtype=bool)
    if not hidden.any():
        return set()
    rows = []
    for col in parts.columns:
        values = parts[col].to_numpy()
        for value in np.unique(values):
            at = (values == value) & has
            if at.sum() >= 2 and c.to_numpy()[at].sum() >= min_comments:
                rows.append(at[hidden].astype(float))
    if not rows:
        return set()
    free = null_space(np.array(rows))
    pinned = np.linalg.norm(free, axis=1) < 1e-9
    return set(c.index[hidden][pinned].astype(str))


def test_a_hidden_cell_joining_two_hidden_blocks_is_not_left_pinned() -> None:
    """Every row and column holds two or more hidden cells with 10+ comments, yet T1 × R3 (2
    comments) joins two hidden 2 × 2 blocks: its row's hidden total less T1 × R1 and T1 × R2,
    whose sum the R1 and R2 columns give less row T2's hidden total, leaves its count alone.
    The audit hides one more cell so no hidden cell's count is determined."""
    small = {("T1", "R1"), ("T1", "R2"), ("T2", "R1"), ("T2", "R2")}
    small |= {("T3", "R3"), ("T3", "R4"), ("T4", "R3"), ("T4", "R4")}
    counts = {
        (t, r): 2 if (t, r) == ("T1", "R3") else 5 if (t, r) in small else 50
        for t in ("T1", "T2", "T3", "T4")
        for r in ("R1", "R2", "R3", "R4")
    }
    c, parts = _crossed(counts)
    vis = c >= 10  # the 8 block cells and the joining cell are too small to show
    assert _pinned_cells(c, parts, vis) == {"T1 × R3"}  # every row holds, yet it is pinned
    ok = crossed_comment_visibility(vis, c, parts, POLICY)
    assert (ok <= vis).all() and (~ok).sum() > (~vis).sum()
    assert _pinned_cells(c, parts, ok) & set(vis[~vis].index) == set()


def test_what_the_margins_alone_pin_down_hides_no_more_cells() -> None:
    """A tenth review: a role only one team has (3 comments) is that cell, whatever the
    crossed table hides, and the audit chasing it hid all 17 cells (at a minimum of 3, the
    sample's team × role view showed none of its 92). Cells the margins pin down with every
    cell hidden are left to the margins' own views, so the healthy cells still show."""
    counts = {(t, r): 30 for t in ("T1", "T2", "T3", "T4") for r in ("R1", "R2", "R3", "R4")}
    counts[("T1", "R5")] = 3
    c, parts = _crossed(counts)
    policy = PrivacyPolicy(min_group=3, min_comments=5)
    vis = comment_visibility(c, policy)
    ok = crossed_comment_visibility(vis, c, parts, policy)
    assert not ok["T1 × R5"]
    assert ok.sum() >= 12  # the row rule hides a 2 × 2 block beside it, no more


def test_null_space_falls_back_when_divide_and_conquer_fails(monkeypatch) -> None:
    """LAPACK's gesdd did not converge on a 262 × 376 margin system of the sample's team ×
    role × location crossing ("error: SVD did not converge"); the QR-iteration driver does.
    The basis spans the same space: its projector equals scipy's null space's."""
    import scipy.linalg

    from analysis.privacy import pinning

    a = _crossed_system(4, 3)
    expected = scipy.linalg.null_space(a)

    def fails(*args, **kwargs):
        raise np.linalg.LinAlgError("SVD did not converge")

    monkeypatch.setattr(pinning.np.linalg, "svd", fails)
    basis = pinning._null_space(a)
    assert basis.shape == expected.shape
    assert np.allclose(basis @ basis.T, expected @ expected.T, atol=1e-12)
    assert np.allclose(a @ basis, 0, atol=1e-12)
