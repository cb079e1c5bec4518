"""Wave comparison: hand-computed change statistics, paired tests against scipy, planted
wave-2 movements found (and nothing else) across seeds, item matching, and confidentiality
properties (no number for a small group in either wave; nothing recoverable by subtraction)."""

from __future__ import annotations

import functools
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import linalg
from scipy import stats as sps

from analysis import scoring, stats, waves
from analysis.privacy import PrivacyPolicy
from sample_data import GROUND_TRUTH, SAMPLE_DIR
from sample_data.generate import generate_responses, qualtrics_csv

AGREE5 = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]
MAPPING = """
respondent_id: Employee ID
team: Team
items:
  Q1: {construct: trust_in_ai, scale: agree5}
  Q2: {construct: fear_of_displacement, scale: agree5}
"""
NUMBERS = ["n_from", "n_to", "score_from", "score_to", "change", "change_favorable", "p", "p_adj"]


def export(rows: list[tuple[str, str, int, int]]) -> bytes:
    """A tiny CSV: employee ID, team, a trust item and a fear item (answers 1–5)."""
    lines = ["Employee ID,Team,Q1,Q2"]
    lines += [f"{i},{t},{AGREE5[a - 1]},{AGREE5[b - 1]}" for i, t, a, b in rows]
    return ("\n".join(lines) + "\n").encode()


def wave(label: str, rows: list[tuple[str, str, int, int]], mapping: str = MAPPING) -> waves.Wave:
    return waves.load_wave(export(rows), f"{label}.csv", label=label, mapping_yaml=mapping)


def team_rows(team: str, answers: list[int], fear: int = 3, prefix: str = "") -> list:
    return [(f"{prefix}{team}{k}", team, a, fear) for k, a in enumerate(answers)]


def row(changes: pd.DataFrame, group: str, construct: str = "trust_in_ai") -> pd.Series:
    hit = changes[(changes["group"] == group) & (changes["construct"] == construct)]
    assert len(hit) == 1, (group, construct)
    return hit.iloc[0]


# ------------------------------------------------------------------------ known values


def test_first_waves_team_column_means_each_waves_own_team_column():
    # wave B calls its team column "Dept": grouping by wave A's "Team" header still compares teams
    a = wave("A", team_rows("X", [1, 2, 3, 3, 4], prefix="a"))
    b_rows = team_rows("X", [3, 4, 4, 5, 5, 4], prefix="b")
    lines = ["Employee ID,Dept,Q1,Q2"] + [
        f"{i},{t},{AGREE5[x - 1]},{AGREE5[y - 1]}" for i, t, x, y in b_rows
    ]
    b = waves.load_wave(
        ("\n".join(lines) + "\n").encode(),
        "B.csv",
        label="B",
        mapping_yaml=MAPPING.replace("team: Team", "team: Dept"),
    )
    by_header = waves.compare_waves([a, b], by="Team", paired=False)
    by_role = waves.compare_waves([a, b], by="team", paired=False)
    assert by_header.by == by_role.by == ("Team",)
    assert row(by_header.changes, "X")["change"] == pytest.approx(39.1666667)
    pd.testing.assert_frame_equal(by_header.changes, by_role.changes)


def test_welch_change_matches_a_hand_computation():
    # team X trust answers 1,2,3,3,4 -> 0,25,50,50,75 then 3,4,4,5,5,4 -> 50,75,75,100,100,75
    a = wave("A", team_rows("X", [1, 2, 3, 3, 4], prefix="a"))
    b = wave("B", team_rows("X", [3, 4, 4, 5, 5, 4], prefix="b"))
    cmp = waves.compare_waves([a, b], by="team", paired=False)
    r = row(cmp.changes, "X")
    # by hand: m1 = 40, v1 = 3250/4 = 812.5; m2 = 475/6, v2 = 1770.8333/5 = 354.1667
    m1, v1, m2, v2 = 40.0, 812.5, 475 / 6, 354.1666667
    se2 = v1 / 5 + v2 / 6  # 221.5278
    t = (m2 - m1) / np.sqrt(se2)  # 2.6315
    df = se2**2 / ((v1 / 5) ** 2 / 4 + (v2 / 6) ** 2 / 5)  # 6.724
    assert t == pytest.approx(2.6315, abs=1e-4) and df == pytest.approx(6.724, abs=1e-3)
    assert r["test"] == "welch"
    assert r["score_from"] == pytest.approx(40.0) and r["score_to"] == pytest.approx(m2)
    assert r["change"] == pytest.approx(39.1666667)
    assert r["p"] == pytest.approx(2 * sps.t.sf(t, df), rel=1e-6)
    ref = sps.ttest_ind([50, 75, 75, 100, 100, 75], [0, 25, 50, 50, 75], equal_var=False)
    assert r["p"] == pytest.approx(ref.pvalue, rel=1e-9)
    # Cohen's d with the pooled SD: sqrt((4·812.5 + 5·354.1667)/9)
    assert r["effect_size"] == pytest.approx((m2 - m1) / np.sqrt((4 * v1 + 5 * v2) / 9))
    # % favourable (Agree or better): 1/5 -> 5/6, respondents as trials (Fisher: small counts)
    assert r["favorable_from"] == pytest.approx(20.0)
    assert r["favorable_to"] == pytest.approx(500 / 6)
    assert r["change_favorable"] == pytest.approx(500 / 6 - 20)
    fisher = sps.fisher_exact([[5, 1], [1, 4]]).pvalue
    assert r["p_favorable"] == pytest.approx(fisher)
    # trust rose: better, not worse (higher_better)
    assert r["direction"] == "higher_better" and not r["worsened"]


def test_fear_rising_is_a_worsening_and_falling_an_improvement():
    low, high = [1, 1, 2, 1, 2, 1, 2, 1], [5, 4, 5, 5, 4, 5, 5, 4]
    up_a = [(f"a{k}", "Up", 3, f) for k, f in enumerate(low)]
    up_b = [(f"b{k}", "Up", 3, f) for k, f in enumerate(high)]
    down_a = [(f"c{k}", "Down", 3, f) for k, f in enumerate(high)]
    down_b = [(f"d{k}", "Down", 3, f) for k, f in enumerate(low)]
    cmp = waves.compare_waves(
        [wave("A", up_a + down_a), wave("B", up_b + down_b)], by="team", paired=False
    )
    up = row(cmp.changes, "Up", "fear_of_displacement")
    down = row(cmp.changes, "Down", "fear_of_displacement")
    assert up["direction"] == "higher_worse"
    assert up["change"] > 0 and up["significant"] and up["worsened"] and not up["improved"]
    assert down["change"] < 0 and down["significant"] and down["improved"] and not down["worsened"]
    # the organisation's fear did not move: the two teams cancel out
    org = row(cmp.changes, waves.ORG_GROUP, "fear_of_displacement")
    assert org["change"] == pytest.approx(0.0) and not org["significant"]


def test_paired_test_on_linked_respondents_matches_scipy():
    ids = [f"E{k:02d}" for k in range(8)]
    before = [1, 2, 2, 3, 3, 4, 2, 1]
    after = [2, 3, 2, 4, 4, 5, 3, 3]
    others_a = [(f"o{k}", "Y", 3, 3) for k in range(6)]
    a = wave("A", [(i, "X", x, 3) for i, x in zip(ids, before, strict=True)] + others_a)
    b = wave("B", [(i, "X", x, 3) for i, x in zip(ids, after, strict=True)] + others_a)
    cmp = waves.compare_waves([a, b], by="team")
    assert cmp.pairs == [{"from_wave": "A", "to_wave": "B", "test": "paired", "n_linked": 14}]
    r = row(cmp.changes, "X")
    to100 = lambda v: (np.asarray(v, float) - 1) / 4 * 100  # noqa: E731
    ref = sps.ttest_rel(to100(after), to100(before))
    assert r["test"] == "paired" and r["n_paired"] == 8
    assert r["p"] == pytest.approx(ref.pvalue, rel=1e-9)
    assert r["change"] == pytest.approx(to100(after).mean() - to100(before).mean())
    # organisation: all 14 linked people (team Y unchanged, zero differences)
    org = row(cmp.changes, waves.ORG_GROUP)
    ref_org = sps.ttest_rel(to100([*after, *[3] * 6]), to100([*before, *[3] * 6]))
    assert org["test"] == "paired" and org["p"] == pytest.approx(ref_org.pvalue, rel=1e-9)
    # team Y: every difference is 0, so the paired t is undefined -> Welch (also undefined)
    y = row(cmp.changes, "Y")
    assert y["test"] == "welch" and np.isnan(y["p"])
    # forcing independent samples gives Welch everywhere
    welch = waves.compare_waves([a, b], by="team", paired=False)
    assert set(welch.changes["test"].dropna()) == {"welch"}
    assert row(welch.changes, "X")["p"] > r["p"]  # the paired design is more powerful here


def test_paired_needs_linked_ids():
    a = wave("A", team_rows("X", [1, 2, 3, 4, 5], prefix="a"))
    b = wave("B", team_rows("X", [1, 2, 3, 4, 5], prefix="b"))
    assert waves.compare_waves([a, b], by="team").pairs[0]["test"] == "welch"
    with pytest.raises(ValueError, match="can't be compared as linked"):
        waves.compare_waves([a, b], by="team", paired=True)


def test_people_who_moved_team_are_not_paired_within_a_team():
    ids = [f"E{k}" for k in range(10)]
    a = wave("A", [(i, "X" if k < 5 else "Y", 2, 3) for k, i in enumerate(ids)])
    # everyone swaps team: no one is in the same team in both waves
    b = wave("B", [(i, "Y" if k < 5 else "X", 4 + k % 2, 3) for k, i in enumerate(ids)])
    cmp = waves.compare_waves([a, b], by="team")
    assert row(cmp.changes, waves.ORG_GROUP)["test"] == "paired"
    x = row(cmp.changes, "X")
    assert x["test"] == "welch" and x["n_paired"] == 0


def test_holm_runs_over_visible_change_rows_and_trend_matches_scoring():
    w1, w2 = sample_waves(3)
    cmp = waves.compare_waves([w1, w2], by="team")
    ch = cmp.changes
    visible = ~ch["suppressed"] & ch["p"].notna()
    assert np.allclose(ch.loc[visible, "p_adj"], stats.holm(ch.loc[visible, "p"].to_numpy()))
    assert ch.loc[~visible, "p_adj"].isna().all()
    # unmapped groups: the trend's wave-1 numbers are analysis.scoring's
    ref = scoring.group_scores(w1.prepared.scored, ["Team"], PrivacyPolicy())
    t = cmp.trend[(cmp.trend["wave"] == "W1") & (cmp.trend["grouping"] != "all")]
    merged = t.merge(ref, on=["group", "construct"], suffixes=("", "_ref"))
    assert len(merged) == len(ref)
    for col in ("n", "score", "ci_low", "ci_high", "favorable", "suppressed"):
        assert np.allclose(
            merged[col].astype(float), merged[f"{col}_ref"].astype(float), equal_nan=True
        ), col


def test_input_errors_are_sentences():
    a = wave("A", team_rows("X", [1, 2, 3, 4, 5]))
    with pytest.raises(ValueError, match="at least two waves"):
        waves.compare_waves([a], by="team")
    with pytest.raises(ValueError, match="same label"):
        waves.compare_waves([a, a], by="team")
    with pytest.raises(ValueError, match="not a grouping column"):
        waves.compare_waves([a, waves.Wave("B", None, a.prepared)], by="Department")


# ------------------------------------------------------------------------ planted movements


@functools.cache
def sample_waves(seed: int) -> tuple[waves.Wave, waves.Wave]:
    return tuple(
        waves.load_wave(
            qualtrics_csv(generate_responses(n=1200, seed=seed, wave=w)),
            f"wave{w}.csv",
            label=f"W{w}",
        )
        for w in (1, 2)
    )


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_planted_wave2_movements_are_found_and_nothing_else(seed):
    truth = json.loads(GROUND_TRUTH.read_text())["wave2_movements"]
    expected = {(m["group"], m["construct"], m["direction"], not m["better"]) for m in truth}
    cmp = waves.compare_waves(list(sample_waves(seed)), by="team")
    ch = cmp.changes
    found = ch[ch["significant"]]
    got = {
        (r.group, r.construct, "lower" if r.change < 0 else "higher", bool(r.worsened))
        for r in found.itertuples()
    }
    assert got == expected
    assert set(ch["test"].dropna()) == {"welch"}  # anonymous waves: independent samples
    # the three small teams never show a change
    for team in ("Facilities", "Internal Audit", "Executive Office"):
        rows = ch[ch["group"] == team]
        if rows["n_from"].notna().any():  # Facilities (7) can be visible in some seeds
            continue
        assert rows["suppressed"].all() and rows["change"].isna().all()


def test_by_role_finds_no_movement():
    cmp = waves.compare_waves(list(sample_waves(1)), by="role")
    assert not cmp.changes["significant"].any()


# ------------------------------------------------------------------------ teams renamed / merged


def base_rows(prefix: str) -> list:
    return (
        team_rows("Alpha", [2, 3, 3, 4, 2, 3, 4, 3, 2, 3], prefix=prefix)
        + team_rows("Beta", [3, 3, 4, 4, 2, 3, 3, 3, 4], prefix=prefix)
        + team_rows("Gamma", [3, 2, 4, 3, 3, 3, 2, 4, 3, 3, 2], prefix=prefix)
    )


def test_renamed_team_is_joined_across_waves():
    a = wave("A", base_rows("a") + team_rows("Ops", [1, 2, 2, 1, 2, 1], prefix="a"))
    b = wave("B", base_rows("b") + team_rows("Operations", [4, 5, 4, 4, 5, 4], prefix="b"))
    plain = waves.compare_waves([a, b], by="team")
    assert row(plain.changes, "Ops")["note"] == "no responses in B"
    assert not row(plain.changes, "Ops")["suppressed"]
    assert np.isnan(row(plain.changes, "Ops")["change"])
    mapped = waves.compare_waves([a, b], by="team", team_map={"Ops": "Operations"})
    r = row(mapped.changes, "Operations")
    assert r["n_from"] == 6 and r["n_to"] == 6 and r["change"] > 40 and r["significant"]
    assert "Ops" not in set(mapped.changes["group"])


def test_merging_a_hidden_team_into_a_visible_one_hides_the_merged_team():
    # Delta has 3 people: hidden in wave A (with a complement). Merging it into Alpha would
    # let "Alpha+Delta − Alpha (shown on the other pages)" give Delta away.
    a = wave("A", base_rows("a") + team_rows("Delta", [1, 1, 1], prefix="a"))
    b = wave("B", base_rows("b"))
    cmp = waves.compare_waves([a, b], by="team", team_map={"Delta": "Alpha"})
    t = cmp.trend[(cmp.trend["wave"] == "A") & (cmp.trend["group"] == "Alpha")]
    assert t["suppressed"].all() and t["score"].isna().all()
    assert "merges a group hidden" in t["suppressed_reason"].iloc[0]
    r = row(cmp.changes, "Alpha")
    assert r["suppressed"] and np.isnan(r["change"])


def test_a_single_hidden_change_gets_a_complement():
    # Wave A hides Delta (3 people) and a complement. Merging Alpha and Delta into Beta leaves
    # one hidden change (Beta's) next to a visible organisation change, so the change table
    # hides the smallest visible group's change as well.
    a = wave("A", base_rows("a") + team_rows("Delta", [1, 1, 1], prefix="a"))
    b = wave("B", base_rows("b"))
    own = scoring.group_scores(a.prepared.scored, ["Team"], PrivacyPolicy())
    assert set(own.loc[own["suppressed"], "group"]) == {"Delta", "Beta"}
    merge = {"Delta": "Beta", "Alpha": "Beta"}
    cmp = waves.compare_waves([a, b], by="team", team_map=merge)
    ch = cmp.changes[cmp.changes["group"] != waves.ORG_GROUP]
    assert set(ch["group"]) == {"Beta", "Gamma"}
    for _, block in ch.groupby("construct"):
        assert block["suppressed"].all()
        gamma = block[block["group"] == "Gamma"].iloc[0]
        assert "smaller group's change" in gamma["suppressed_reason"]
        assert np.isnan(gamma["change"])
    assert not cmp.changes.loc[cmp.changes["group"] == waves.ORG_GROUP, "suppressed"].any()


# ------------------------------------------------------------------------ item matching


def test_items_match_by_export_tag_between_sample_waves():
    w1, w2 = sample_waves(1)
    m = waves.match_items(
        w1.prepared.export, w1.prepared.colmap, w2.prepared.export, w2.prepared.colmap
    )
    assert (m["matched_by"] == "export_tag").all() and (m["confidence"] == 1.0).all()
    assert (m["item_a"] == m["item_b"]).all() and len(m) == 24  # 23 items + eNPS


def test_items_match_by_text_then_by_survey_and_report_the_rest():
    w1, _ = sample_waves(1)
    text = qualtrics_csv(generate_responses(n=300, seed=5, wave=2)).decode("utf-8-sig")
    head, rest = text.split("\r\n", 1)
    assert ",TR1," in head
    data = (head.replace(",TR1,", ",TRUST_1,") + "\r\n" + rest).encode("utf-8-sig")
    renamed = waves.load_wave(data, "renamed.csv", label="B")
    m = waves.match_items(
        w1.prepared.export, w1.prepared.colmap, renamed.prepared.export, renamed.prepared.colmap
    ).set_index("item_a")
    # the tag changed but the question text is the same
    assert m.loc["TR1", "item_b"] == "TRUST_1"
    assert m.loc["TR1", "matched_by"] == "question_text" and m.loc["TR1", "confidence"] == 1.0
    # Microsoft Forms columns are question texts: recognised as the same survey items
    forms = waves.load_wave(
        (SAMPLE_DIR / "ai_pulse_msforms.xlsx").read_bytes(), "forms.xlsx", label="F"
    )
    mf = waves.match_items(
        w1.prepared.export, w1.prepared.colmap, forms.prepared.export, forms.prepared.colmap
    ).set_index("item_a")
    assert mf.loc["FD2", "matched_by"] == "survey" and mf.loc["FD2", "confidence"] == 0.8
    assert "my role may not exist" in mf.loc["FD2", "item_b"]
    # an item only in one export is listed, unmatched
    one = wave("A", team_rows("X", [1, 2, 3, 4, 5]))
    mapping_b = MAPPING.replace("  Q2: {construct: fear_of_displacement, scale: agree5}\n", "")
    only_q1 = wave("B", team_rows("X", [1, 2, 3, 4, 5]), mapping=mapping_b + "ignore: [Q2]\n")
    mm = waves.match_items(
        one.prepared.export, one.prepared.colmap, only_q1.prepared.export, only_q1.prepared.colmap
    )
    assert mm.loc[mm["item_a"] == "Q2", "matched_by"].item() == "none"
    assert pd.isna(mm.loc[mm["item_a"] == "Q2", "item_b"].item())


def test_same_tag_with_different_wording_has_lower_confidence():
    w1, _ = sample_waves(1)
    frame = generate_responses(n=300, seed=5, wave=2)
    data = qualtrics_csv(frame).decode("utf-8-sig")
    data = data.replace("I can rely on the AI tools", "I trust the answers of the AI tools", 1)
    b = waves.load_wave(data.encode("utf-8-sig"), "b.csv", label="B")
    m = waves.match_items(
        w1.prepared.export, w1.prepared.colmap, b.prepared.export, b.prepared.colmap
    ).set_index("item_a")
    assert m.loc["TR1", "matched_by"] == "export_tag"
    assert 0.5 < m.loc["TR1", "confidence"] < 1.0
    assert m.loc["TR2", "confidence"] == 1.0


def test_restrict_items_rescores_without_the_dropped_question():
    w1, _ = sample_waves(1)
    fewer = waves.restrict_items(w1, ["TR1"])
    assert "TR1" not in fewer.prepared.scored.items.columns
    assert not np.allclose(
        fewer.prepared.scored.constructs["trust_in_ai"].fillna(-1),
        w1.prepared.scored.constructs["trust_in_ai"].fillna(-1),
    )
    assert waves.restrict_items(w1, []) is w1


# ------------------------------------------------------------------------ reports and JSON


def test_trend_section_rows_for_a_report():
    cmp = waves.compare_waves(list(sample_waves(1)), by="team")
    rows = waves.trend_section_rows(cmp, "Marketing").set_index("construct")
    assert list(rows.columns[:4]) == ["label", "direction", "W1", "W2"]
    trust = rows.loc["trust_in_ai"]
    assert trust["W2"] < trust["W1"] and trust["worsened"] and trust["test"] == "welch"
    assert trust["change"] == pytest.approx(trust["W2"] - trust["W1"])
    hidden = waves.trend_section_rows(cmp, "Internal Audit")
    assert hidden[["W1", "W2", "change"]].isna().all().all()
    assert hidden["note"].str.contains("hidden").all()
    with pytest.raises(ValueError, match="not a group"):
        waves.trend_section_rows(cmp, "Nope")


def test_to_dict_is_json_safe():
    cmp = waves.compare_waves(list(sample_waves(1)), by="team")
    out = json.loads(json.dumps(cmp.to_dict(), allow_nan=False))
    assert [w["label"] for w in out["waves"]] == ["W1", "W2"]
    assert {"group", "construct", "change", "p_adj", "test", "suppressed", "worsened"} <= set(
        out["changes"][0]
    )


# ------------------------------------------------------------------------ confidentiality


def _determined(rows: list[np.ndarray], target: np.ndarray) -> bool:
    """Whether the value of ``target · x`` is fixed by the equations ``rows · x`` = known."""
    if not rows:
        return False
    a = np.vstack(rows)
    basis = linalg.null_space(a)
    return bool(np.abs(target @ basis).max(initial=0.0) < 1e-9)


sizes = st.lists(st.integers(0, 12), min_size=2, max_size=5)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    sizes_a=sizes,
    sizes_b=sizes,
    min_group=st.integers(3, 5),
    merge=st.booleans(),
    seed=st.integers(0, 10_000),
)
def test_no_small_group_change_is_shown_or_recoverable(sizes_a, sizes_b, min_group, merge, seed):
    rng = np.random.default_rng(seed)
    teams = [f"T{k}" for k in range(max(len(sizes_a), len(sizes_b)))]

    def rows(sizes_, prefix):
        out = []
        for team, n in zip(teams, sizes_, strict=False):
            out += [(f"{prefix}{team}_{j}", team, int(rng.integers(1, 6)), 3) for j in range(n)]
        return out

    ra, rb = rows(sizes_a, "a"), rows(sizes_b, "b")
    if len(ra) < 1 or len(rb) < 1:
        return
    team_map = {teams[-1]: teams[0]} if merge and len(teams) > 2 else {}
    policy = PrivacyPolicy(min_group=min_group)
    loaded = {"A": wave("A", ra), "B": wave("B", rb)}
    try:
        cmp = waves.compare_waves(
            [loaded["A"], loaded["B"]], by="team", policy=policy, team_map=team_map
        )
    except Exception as exc:  # only refusal is acceptable
        assert type(exc).__name__ == "PrivacyError", exc
        return

    def mapped(t):
        return team_map.get(t, t)

    raw = {
        "A": pd.Series([mapped(t) for _, t, _, _ in ra]).value_counts(),
        "B": pd.Series([mapped(t) for _, t, _, _ in rb]).value_counts(),
    }
    orig = {
        "A": pd.Series([t for _, t, _, _ in ra]).value_counts(),
        "B": pd.Series([t for _, t, _, _ in rb]).value_counts(),
    }
    ch = cmp.changes[cmp.changes["group"] != waves.ORG_GROUP]
    for r in ch.itertuples():
        na, nb = raw["A"].get(r.group, 0), raw["B"].get(r.group, 0)
        small = 0 < na < min_group or 0 < nb < min_group
        # a merged group counts as small when one of its source teams is
        for n_src in orig.values():
            srcs = [t for t in n_src.index if mapped(t) == r.group]
            small |= any(0 < n_src[t] < min_group for t in srcs) and len(srcs) > 0
        if small:
            assert r.suppressed, r
            assert all(pd.isna(getattr(r, c)) for c in NUMBERS), r
    # change table: while the organisation's change is shown, never exactly one group change
    # hidden for privacy (org change and the visible ones would then pin it down)
    org = cmp.changes[cmp.changes["group"] == waves.ORG_GROUP].set_index("construct")
    for construct, block in ch.groupby("construct"):
        if not org.loc[construct, "suppressed"]:
            assert int(block["suppressed"].sum()) != 1
    # per wave: a small source team's total is not determined by everything published about
    # that wave (its own protected table, as other pages show it, and the trend table)
    for w in ("A", "B"):
        src = orig[w]
        index = {t: i for i, t in enumerate(src.index)}
        own = scoring.group_scores(loaded[w].prepared.scored, ["Team"], policy)
        own = own.drop_duplicates("group")
        eqs = []
        for g in own.itertuples():
            if not g.suppressed and g.group in index:
                eqs.append(np.eye(len(index))[index[g.group]])
        if int(sum(src)) >= min_group:
            eqs.append(np.ones(len(index)))  # the organisation total
        tr = cmp.trend[(cmp.trend["wave"] == w) & (cmp.trend["grouping"] != "all")]
        for g in tr.drop_duplicates("group").itertuples():
            if not g.suppressed:
                v = np.zeros(len(index))
                for t in src.index:
                    if mapped(t) == g.group:
                        v[index[t]] = 1
                eqs.append(v)
        for t, n in src.items():
            if 0 < n < min_group:
                assert not _determined(eqs, np.eye(len(index))[index[t]]), (w, t)


# ------------------------------------------------------------------------ CLI


def test_cli_compare_json_and_text(capsys, tmp_path):
    from analysis import cli

    w1, w2 = SAMPLE_DIR / "ai_pulse_qualtrics.csv", SAMPLE_DIR / "wave2_qualtrics.csv"
    rc = cli.main(["compare", str(w1), str(w2), "--by", "team", "--label", "Mar", "--label", "Sep",
                   "--json"])  # fmt: skip
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert [w["label"] for w in out["waves"]] == ["Mar", "Sep"]
    assert out["trend"] and out["changes"]
    sig = {(c["group"], c["construct"], c["worsened"]) for c in out["changes"] if c["significant"]}
    assert sig == {
        ("Customer Support", "fear_of_displacement", False),
        ("Marketing", "trust_in_ai", True),
    }
    hidden = [c for c in out["changes"] if c["group"] == "Internal Audit"]
    assert hidden and all(c["suppressed"] and c["change"] is None for c in hidden)
    assert {c["test"] for c in out["changes"] if not c["suppressed"]} == {"welch"}

    team_map = tmp_path / "teams.yaml"
    team_map.write_text("Sales: Commercial\nMarketing: Commercial\n")
    assert cli.main(["compare", str(w1), str(w2), "--team-map", str(team_map)]) == 0
    text = capsys.readouterr().out
    assert "Commercial" in text and "Welch t" in text
    assert "  Sales  " not in text and "  Marketing  " not in text

    assert cli.main(["compare", str(w1)]) == 2
    assert "at least two wave files" in capsys.readouterr().err
    assert cli.main(["compare", str(w1), str(w2), "--design", "paired"]) == 2
    assert "can't be compared as linked" in capsys.readouterr().err


# ------------------------------------------------------------------ change vs the organisation


def test_group_change_against_the_rest_is_a_difference_in_differences():
    # trust 0-100: X 25 -> 75 (constant within wave), Y 50,75 -> 50,75 (no change)
    a = wave("A", team_rows("X", [2] * 6, prefix="a") + team_rows("Y", [3, 4] * 3, prefix="a"))
    b = wave("B", team_rows("X", [4] * 6, prefix="b") + team_rows("Y", [3, 4] * 3, prefix="b"))
    cmp = waves.compare_waves([a, b], paired=False)
    x, y, org = (row(cmp.changes, g) for g in ("X", "Y", waves.ORG_GROUP))
    assert x["did"] == pytest.approx(50.0) and y["did"] == pytest.approx(-50.0)
    assert x["org_change"] == pytest.approx(org["change"]) == pytest.approx(25.0)
    # only Y's two waves vary: se = sqrt(2 * var/6), Welch-Satterthwaite df = 10
    var = np.var([50, 75] * 3, ddof=1)
    half = sps.t.ppf(0.975, 10) * np.sqrt(2 * var / 6)
    assert (x["did_ci_low"], x["did_ci_high"]) == pytest.approx((50 - half, 50 + half))
    assert np.isnan(org["did"]) and np.isnan(org["p_did"])
    assert x["p_did_adj"] >= x["p_did"]
    assert "p_did_adj" in cmp.to_dict()["families"]


def test_hidden_groups_have_no_difference_in_differences():
    def rows(prefix: str, x: int) -> list:
        out = team_rows("X", [x] * 6, prefix=prefix) + team_rows("S", [3] * 2, prefix=prefix)
        return out + team_rows("Y", [3] * 6, prefix=prefix) + team_rows("Z", [3] * 7, prefix=prefix)

    ch = waves.compare_waves(
        [wave("A", rows("a", 2)), wave("B", rows("b", 4))], paired=False
    ).changes
    hidden = ch[ch["suppressed"]]
    blank = hidden[["did", "did_ci_low", "did_ci_high", "org_change"]]
    assert len(hidden) and blank.isna().all().all()


def test_a_wave_counts_each_person_once_as_an_analysis_does():
    """Trends read waves without the analysis's row rules: three people who each submitted
    twice showed as a group of six there (found by a review)."""
    from analysis.waves.load import load_wave

    lines = ["Email,Team,TR1"]
    for i in range(30):
        team = "Legal" if i < 3 else ("Sales" if i % 2 else "Support")
        for _ in range(2 if i < 3 else 1):
            lines.append(f"p{i}@corp.example,{team},{'Agree' if i % 3 else 'Disagree'}")
    lines += ["x@corp.example,SALES,Agree"]
    wave = load_wave(("\n".join(lines) + "\n").encode(), "w.csv", label="w1")
    groups = wave.prepared.scored.groups
    assert wave.n == 31 and int((groups["Team"].astype(str) == "Legal").sum()) == 3
    assert "SALES" not in set(groups["Team"].astype(str))
