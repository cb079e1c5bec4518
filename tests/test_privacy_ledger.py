"""Attacker properties for the release ledger, items with constructs, and thresholds.

The attacker holds only released numbers. Every released number is a linear function of the
respondents' private values (a group's n × mean is the sum of its people's scores; an item
row's sum is the sum of its people's answers; a construct row's sum is the sum over its
people of the mean of the items each answered). A set T of fewer than the minimum number of
people is disclosed when some combination of released numbers depends on T's values alone.
That is a null-space test (independent of the code in analysis.privacy): with A the released
functionals (rows) over the private variables (columns), a combination c with cᵀA supported
on T's columns exists iff the left null space of A without T's columns reaches a nonzero
cᵀA_T. With G = AAᵀ, the left null space of A_out is the null space of G − A_T A_Tᵀ.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
import scipy.linalg
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.privacy import Ledger, PrivacyError, PrivacyPolicy
from analysis.scoring import group_scores, item_scores, org_scores, score_responses


def null_space(a: np.ndarray, rcond: float | None = None) -> np.ndarray:
    """scipy's null space, with the QR-iteration SVD where LAPACK's divide and conquer does
    not converge: it failed on a 253 × 567 0/1 system of the attack walk under one OpenBLAS
    build and not another (``analysis.privacy.pinning`` falls back the same way)."""
    try:
        return scipy.linalg.null_space(a, rcond=rcond)
    except np.linalg.LinAlgError:
        return scipy.linalg.null_space(a, rcond=rcond, lapack_driver="gesvd")


ITEMS = ["q1", "q2", "q3"]
META = pd.DataFrame(
    {
        "construct": ["c"] * 3,
        "scale_min": [1] * 3,
        "scale_max": [5] * 3,
        "favorable_min": [4] * 3,
        "unfavorable_max": [2] * 3,
        "reverse": [False] * 3,
    },
    index=ITEMS,
)


# --------------------------------------------------------------------------- the attacker


def disclosed(a: np.ndarray, candidates: list[np.ndarray]) -> list[int]:
    """Indices of the candidate variable sets some released combination depends on alone."""
    if not len(a):
        return []
    gram = a @ a.T
    out = []
    for i, cols in enumerate(candidates):
        at = a[:, cols]
        left = null_space(gram - at @ at.T, rcond=1e-10)
        if left.size and np.linalg.norm(at.T @ left) > 1e-6:
            out.append(i)
    return out


def atoms(sets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """People with the same membership in every released set (an atom's code per person)
    and each atom's membership column: a combination of released sums is constant on atoms."""
    codes, _ = pd.factorize(pd.Series([r.tobytes() for r in sets.T]))
    _, first = np.unique(codes, return_index=True)  # codes number atoms by first appearance
    return codes, sets[:, first]


def small_unions(sizes: np.ndarray, min_group: int) -> tuple[np.ndarray, np.ndarray]:
    """Single atoms and pairs of atoms holding 1..min−1 people together, as two index arrays
    (a single atom a is the pair (a, -1)); singles first, then pairs in combinations' order."""
    small = np.flatnonzero((sizes > 0) & (sizes < min_group))
    i, j = np.triu_indices(len(small), k=1)  # row-major: the order of combinations(small, 2)
    keep = sizes[small[i]] + sizes[small[j]] < min_group
    first = np.concatenate([small, small[i[keep]]])
    second = np.concatenate([np.full(len(small), -1), small[j[keep]]])
    return first, second


#: A union's squared norm from the Gram matrix is within ~1e-15 of the direct one, so every
#: union the direct test (norm < 1e-8) finds passes this screen.
_SCREEN = 1e-10


def set_leaks(sets: np.ndarray, min_group: int) -> list[str]:
    """Released sets (rows: people) of one measure: small unions of atoms whose total they
    determine (the indicator of the union is orthogonal to every free direction).

    Screened for all unions at once with ‖F_a + F_b‖² = G_aa + G_bb + 2 G_ab (G = F Fᵀ over the
    small atoms), then each screened union tested directly as before."""
    if sets.ndim < 2 or not sets.size:
        return []
    codes, member = atoms(sets)
    sizes = np.bincount(codes, minlength=member.shape[1])
    free = null_space(member.astype(float))  # directions the atoms' totals can still move in
    first, second = small_unions(sizes, min_group)
    if free.size:
        small = np.unique(first)  # every atom in a union
        at = np.searchsorted(small, first), np.searchsorted(small, second)
        gram = free[small] @ free[small].T
        square = np.diag(gram)
        pair = second >= 0
        sq = square[at[0]]
        sq[pair] += square[at[1][pair]] + 2 * gram[at[0][pair], at[1][pair]]
        hit = np.flatnonzero(sq < _SCREEN)
        first, second = first[hit], second[hit]
    out = []
    for a, b in zip(first.tolist(), second.tolist(), strict=True):
        cand = np.array([a] if b < 0 else [a, b])
        if not free.size or np.linalg.norm(free[cand].sum(axis=0)) < 1e-8:
            out.append(f"{int(sizes[cand].sum())} people in atoms {cand.tolist()}")
    return out


def released_sets(table: pd.DataFrame, groups: pd.DataFrame, by: list[str], has: np.ndarray):
    """People behind each visible row (checked against its n)."""
    rows = []
    for r in table[~table["suppressed"].astype(bool)].to_dict("records"):
        m = has.copy()
        for col in by:
            m &= (groups[col] == r[col]).to_numpy()
        assert m.sum() == r["n"], (r, by)
        rows.append(m)
    return rows


# --------------------------------------------------------------------------- data


@st.composite
def surveys(draw, skips: bool = False):
    """Respondents with three demographics whose "no answer" is correlated (some people skip
    all of them), answers to three items, and (``skips``) random skipped items."""
    n = draw(st.integers(14, 60))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    cols = {}
    quiet = rng.random(n) < draw(st.sampled_from([0.0, 0.1, 0.2]))
    for name, k in (("team", 3), ("tenure", 3), ("site", 4)):
        v = rng.integers(0, k, n).astype(str).astype(object)
        alone = rng.random(n) < draw(st.sampled_from([0.0, 0.03, 0.08]))
        v[quiet | alone] = None
        cols[name] = v
    values = pd.DataFrame(rng.integers(1, 6, (n, 3)).astype(float), columns=ITEMS)
    if skips:
        mask = rng.random((n, 3)) < draw(st.sampled_from([0.03, 0.08, 0.15]))
        values = values.mask(mask)
    return score_responses(values, META, groups=pd.DataFrame(cols))


# --------------------------------------------------------------------------- C1: groupings


def _single_tables(sc, policy):
    ledger = Ledger(sc.groups)
    for col in sc.groups.columns:
        refs, _ = ledger.references(exclude=[col])
        yield col, group_scores(sc, col, policy, references=refs)


def _set_leaks_one_by_one(sets: np.ndarray, min_group: int) -> list[str]:
    """The attacker's test written plainly: every single atom and pair of atoms, one at a time."""
    codes, member = atoms(sets)
    sizes = np.bincount(codes, minlength=member.shape[1])
    free = null_space(member.astype(float))
    small = [a for a in range(len(sizes)) if 0 < sizes[a] < min_group]
    cands = [[a] for a in small] + [
        list(p) for p in combinations(small, 2) if sizes[list(p)].sum() < min_group
    ]
    return [
        f"{int(sizes[c].sum())} people in atoms {c}"
        for c in cands
        if not free.size or np.linalg.norm(free[c].sum(axis=0)) < 1e-8
    ]


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 9), st.integers(6, 40), st.integers(2, 7))
def test_screened_leak_search_finds_what_the_plain_one_finds(seed, n_sets, n_people, min_group):
    """The Gram-matrix screen in set_leaks drops no union the one-by-one test would report
    (random released sets, most of them leaky), and reports them in the same order."""
    rng = np.random.default_rng(seed)
    sets = rng.random((n_sets, n_people)) < rng.uniform(0.2, 0.9)
    nested = sets[0] & (rng.random(n_people) < 0.8)  # the first set less a few people
    sets = np.vstack([sets, nested])
    assert set_leaks(sets, min_group) == _set_leaks_one_by_one(sets, min_group)


@settings(max_examples=15, deadline=None)
@given(surveys(), st.integers(3, 6))
def test_groupings_with_correlated_missing_answers_cannot_be_differenced(sc, min_group):
    """Every single-grouping table the CLI could release for a file, side by side, with the
    organisation row: no small set of people's scores is determined."""
    policy = PrivacyPolicy(min_group=min_group)
    has = sc.constructs["c"].notna().to_numpy()
    sets = [has] if has.sum() >= min_group else []
    for col, table in _single_tables(sc, policy):
        sets += released_sets(table, sc.groups, [col], has)
    assert set_leaks(np.array(sets), min_group) == []


def test_c1_shape_by_hand():
    """Six people skip tenure and site, a seventh only site: the two "(no answer)" rows
    differ by one person, so at most one of them is shown."""
    n = 40
    team = np.array(list("ABCD") * 10, dtype=object)
    tenure = np.array(["x", "y"] * 20, dtype=object)
    site = np.array(["p", "q", "r", "s"] * 10, dtype=object)
    site[:7] = None
    tenure[:6] = None
    values = pd.DataFrame(np.arange(n * 3).reshape(n, 3) % 5 + 1.0, columns=ITEMS)
    sc = score_responses(
        values, META, groups=pd.DataFrame({"team": team, "tenure": tenure, "site": site})
    )
    policy = PrivacyPolicy()
    tables = dict(_single_tables(sc, policy))
    no_answer = [
        bool(tables[c].set_index(c).loc["(no answer)", "suppressed"]) for c in ("tenure", "site")
    ]
    assert any(no_answer)
    reasons = set().union(*(set(t["suppressed_reason"]) for t in tables.values()))
    assert any("another table" in r for r in reasons)
    has = np.ones(n, dtype=bool)
    sets = [has] + [s for c, t in tables.items() for s in released_sets(t, sc.groups, [c], has)]
    assert set_leaks(np.array(sets), 5) == []


# --------------------------------------------------------------------------- C2: items


def item_functionals(
    sc,
    by: str,
    construct: str,
    items: list[str],
    tables: list[tuple[pd.DataFrame, str | None]],
    min_group: int = 5,
) -> tuple[np.ndarray, list[np.ndarray], list[str]]:
    """Released sums of one construct and its items (visible rows of ``tables``: (table, its
    grouping column or None for the organisation)) as functionals over (person, item)
    answers, and the candidate sets: each person, and each group's people who skipped some of
    the construct's items when they are fewer than ``min_group``."""
    x = sc.items[items].to_numpy(float)
    answered = ~np.isnan(x)
    n, k = x.shape
    var = np.arange(n * k).reshape(n, k)
    scored = sc.constructs[construct].notna().to_numpy()
    weight = np.where(answered, 1.0, 0.0) / np.maximum(answered.sum(axis=1, keepdims=True), 1)
    groups = sc.groups[by]
    rows = []
    for table, col in tables:
        for r in table[~table["suppressed"].astype(bool)].to_dict("records"):
            member = np.ones(n, dtype=bool) if col is None else (groups == r[col]).to_numpy()
            f = np.zeros(n * k)
            if "item" in r:
                if r["item"] not in items:
                    continue
                j = items.index(r["item"])
                sel = member & answered[:, j]
                f[var[sel, j]] = 1.0
            else:
                if r["construct"] != construct:
                    continue
                sel = member & scored
                f[var[sel].ravel()] = weight[sel].ravel()
            assert sel.sum() == r["n"], (col, r.get("group"), r.get("item"))
            rows.append(f)
    cands, names = [], []
    for p in range(n):
        if answered[p].any():
            cands.append(var[p][answered[p]])
            names.append(f"person {p}")
    partial = answered.any(axis=1) & ~answered.all(axis=1)
    for g in groups.unique():
        who = partial & (groups == g).to_numpy()
        if 0 < who.sum() < min_group:
            cands.append(var[who][answered[who]])
            names.append(f"skippers of {g}")
    return np.array(rows).reshape(len(rows), n * k), cands, names


def _item_functionals(sc, by: str, policy) -> tuple[np.ndarray, list[np.ndarray], list[str]]:
    tables = [
        (org_scores(sc, policy), None),
        (group_scores(sc, by, policy), by),
        (item_scores(sc, None, policy), None),
        (item_scores(sc, by, policy), by),
    ]
    return item_functionals(sc, by, "c", ITEMS, tables, policy.min_group)


@settings(max_examples=25, deadline=None)
@given(surveys(skips=True), st.integers(3, 6), st.sampled_from(["team", "site"]))
def test_item_rows_never_solve_for_people_who_skipped_items(sc, min_group, by):
    policy = PrivacyPolicy(min_group=min_group)
    try:
        a, cands, names = _item_functionals(sc, by, policy)
    except PrivacyError:
        return  # a refused grouping shows nothing
    assert [names[i] for i in disclosed(a, cands)] == []


def test_one_skipper_in_a_group_hides_its_item_rows():
    """Seven people, one skipped q1: construct total − item totals / 3 would give that
    person's score, so the group's item rows are hidden and the construct row stays."""
    values = pd.DataFrame(np.tile([[4.0, 2.0, 5.0]], (30, 1)), columns=ITEMS)
    values.iloc[0, 0] = np.nan
    team = np.array(["A"] * 7 + ["B"] * 11 + ["C"] * 12, dtype=object)
    sc = score_responses(values, META, groups=pd.DataFrame({"team": team}))
    policy = PrivacyPolicy()
    items = item_scores(sc, "team", policy)
    a_rows = items[items["team"] == "A"]
    assert a_rows["suppressed"].all()
    assert (a_rows["suppressed_reason"].str.contains("skipped some of its items")).all()
    assert not group_scores(sc, "team", policy).set_index("team").loc["A", "suppressed"]
    a, cands, names = _item_functionals(sc, "team", policy)
    assert disclosed(a, cands) == []
    # without the rule the attack works: the same functionals with A's item rows added back
    x_rows = []
    for i in range(3):
        f = np.zeros(30 * 3)
        rows = np.flatnonzero((team == "A") & values[ITEMS[i]].notna().to_numpy())
        f[rows * 3 + i] = 1.0
        x_rows.append(f)
    assert names.index("person 0") in disclosed(np.vstack([a, *x_rows]), cands)


# --------------------------------------------------------------------------- C3: thresholds


@st.composite
def crossed(draw):
    teams, roles = draw(st.integers(2, 4)), draw(st.integers(2, 4))
    sizes = draw(st.lists(st.integers(0, 12), min_size=teams * roles, max_size=teams * roles))
    sizes[0] = max(sizes[0], 1)
    team = np.repeat([f"T{i // roles}" for i in range(teams * roles)], sizes).astype(object)
    role = np.repeat([f"R{i % roles}" for i in range(teams * roles)], sizes).astype(object)
    n = len(team)
    values = pd.DataFrame(np.full((n, 3), 3.0), columns=ITEMS)
    return score_responses(values, META, groups=pd.DataFrame({"team": team, "role": role}))


def _release(sc, min_group: int) -> tuple[dict, list[np.ndarray]]:
    policy = PrivacyPolicy(min_group=min_group)
    has = np.ones(len(sc.groups), dtype=bool)
    hidden, sets = {}, [has] if len(has) >= min_group else []
    ledger = Ledger(sc.groups)
    for by in (["team"], ["role"], ["team", "role"]):
        try:
            table = group_scores(sc, by, policy, references=ledger.references(exclude=by)[0])
        except PrivacyError:
            continue
        hidden[tuple(by)] = set(table.loc[table["suppressed"].astype(bool), "group"])
        sets += released_sets(table, sc.groups, by, has)
    return hidden, sets


@settings(max_examples=15, deadline=None)
@given(crossed(), st.integers(3, 7), st.integers(1, 3))
def test_two_minimums_hide_nested_sets_and_combine_to_nothing_new(sc, low, step):
    hidden_low, sets_low = _release(sc, low)
    hidden_high, sets_high = _release(sc, low + step)
    for by, cells in hidden_high.items():
        if by in hidden_low:
            assert hidden_low[by] <= cells, by
    assert set_leaks(np.array(sets_low + sets_high), low) == []
