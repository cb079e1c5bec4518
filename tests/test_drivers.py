"""Key driver analysis: known values, R² additivity, dominance cross-check, bootstrap, edges."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.linalg import hadamard

from analysis.drivers import general_dominance, key_drivers, r2_pvalue, relative_weights


def ols_r2(df: pd.DataFrame, outcome: str, predictors: list[str]) -> float:
    x = np.column_stack([np.ones(len(df)), df[predictors].to_numpy(float)])
    y = df[outcome].to_numpy(float)
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    resid = y - x @ coef
    return 1 - resid @ resid / ((y - y.mean()) @ (y - y.mean()))


def correlated(n: int = 2000, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4))
    x[:, 1] += 0.7 * x[:, 0]
    x[:, 2] += 0.4 * x[:, 0] - 0.3 * x[:, 1]
    y = x @ np.array([0.6, 0.3, 0.2, 0.0]) + rng.normal(size=n)
    df = pd.DataFrame(50 + 15 * x, columns=["a", "b", "c", "d"])
    df["y"] = y
    return df


def weights(res) -> dict[str, float]:
    return dict(zip(res.table["driver"], res.table["raw_weight"], strict=True))


def test_uncorrelated_predictors_weights_are_squared_correlations():
    # Hadamard columns are exactly orthogonal and centred, so the sample correlations are 0
    # and Johnson's weights must equal r_jy² (and sum to R²) to machine precision.
    h = hadamard(64)[:, 1:4].astype(float)
    rng = np.random.default_rng(0)
    y = h @ np.array([0.5, 0.3, 0.1]) + rng.normal(size=64)
    df = pd.DataFrame(h, columns=["p1", "p2", "p3"]).assign(y=y)
    res = relative_weights(df, "y", ["p1", "p2", "p3"], n_boot=0)
    w = weights(res)
    for col in ("p1", "p2", "p3"):
        assert w[col] == pytest.approx(np.corrcoef(df[col], y)[0, 1] ** 2, abs=1e-12)
    assert res.r2 == pytest.approx(ols_r2(df, "y", ["p1", "p2", "p3"]), abs=1e-12)
    assert res.table["share"].sum() == pytest.approx(1.0)


def test_two_predictors_match_closed_form():
    # For two predictors with correlation r, R^(1/2) = [[a, b], [b, a]] with
    # a = (sqrt(1+r) + sqrt(1-r)) / 2 and b = (sqrt(1+r) - sqrt(1-r)) / 2.
    df = pd.DataFrame(
        {
            "x1": [1, 2, 3, 4, 5, 6, 7, 8],
            "x2": [2, 1, 4, 3, 6, 8, 5, 7],
            "y": [1, 3, 2, 5, 4, 7, 8, 6],
        },
        dtype=float,
    )
    c = np.corrcoef(df.to_numpy(), rowvar=False)
    r, r1, r2 = c[0, 1], c[0, 2], c[1, 2]
    a = (math.sqrt(1 + r) + math.sqrt(1 - r)) / 2
    b = (math.sqrt(1 + r) - math.sqrt(1 - r)) / 2
    beta1 = (a * r1 - b * r2) / math.sqrt(1 - r**2)
    beta2 = (a * r2 - b * r1) / math.sqrt(1 - r**2)
    eps1 = a**2 * beta1**2 + b**2 * beta2**2
    eps2 = b**2 * beta1**2 + a**2 * beta2**2
    res = relative_weights(df, "y", ["x1", "x2"], n_boot=0, min_n=5)
    w = weights(res)
    assert w["x1"] == pytest.approx(eps1, abs=1e-12)
    assert w["x2"] == pytest.approx(eps2, abs=1e-12)
    assert res.r2 == pytest.approx(ols_r2(df, "y", ["x1", "x2"]), abs=1e-12)
    # Written out: r = 5/6, r1y = 37/42, r2y = 2/3, so
    # R² = (r1y² + r2y² - 2 r1y r2y r) / (1 - r²) = 0.7910, split 0.5613 + 0.2297.
    assert (r, r1, r2) == pytest.approx((5 / 6, 37 / 42, 2 / 3))
    assert res.r2 == pytest.approx(0.7910, abs=5e-5)
    assert (w["x1"], w["x2"]) == pytest.approx((0.5613, 0.2297), abs=5e-5)


def test_weights_sum_to_r2_and_agree_with_general_dominance():
    df = correlated()
    preds = ["a", "b", "c", "d"]
    res = relative_weights(df, "y", preds, n_boot=0)
    gd = general_dominance(df, "y", preds)
    r2 = ols_r2(df, "y", preds)
    assert res.r2 == pytest.approx(r2, abs=1e-10)
    assert res.table["raw_weight"].sum() == pytest.approx(r2, abs=1e-10)
    assert gd["general_dominance"].sum() == pytest.approx(r2, abs=1e-10)
    merged = res.table.merge(gd, on="driver", suffixes=("_rw", "_gd"))
    # Close but not identical (Johnson 2000; Tonidandel & LeBreton 2011 report r > .99).
    assert np.abs(merged["share_rw"] - merged["share_gd"]).max() < 0.03
    assert list(res.table["driver"][:2]) == ["a", "b"]
    assert not (merged["raw_weight"] == merged["general_dominance"]).all()


def test_general_dominance_three_predictors_by_hand():
    df = correlated(500, seed=9)[["a", "b", "c", "y"]]
    r2 = {
        frozenset(s): ols_r2(df, "y", list(s)) if s else 0.0
        for s in [(), ("a",), ("b",), ("c",), ("a", "b"), ("a", "c"), ("b", "c"), ("a", "b", "c")]
    }
    # GD_a = 1/3 [R²(a)] + 1/6 [R²(ab) - R²(b) + R²(ac) - R²(c)] + 1/3 [R²(abc) - R²(bc)]
    f = frozenset
    gd_a = (
        r2[f("a")] / 3
        + (r2[f("ab")] - r2[f("b")] + r2[f("ac")] - r2[f("c")]) / 6
        + (r2[f("abc")] - r2[f("bc")]) / 3
    )
    gd = general_dominance(df, "y", ["a", "b", "c"])
    assert gd.set_index("driver").loc["a", "general_dominance"] == pytest.approx(gd_a, abs=1e-12)


@given(
    seed=st.integers(0, 10_000),
    p=st.integers(1, 5),
    n=st.integers(40, 120),
    mix=st.floats(0, 0.95),
)
def test_property_sum_to_r2_nonnegative(seed, p, n, mix):
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(n, 1))
    x = mix * base + (1 - mix) * rng.normal(size=(n, p))
    y = x @ rng.normal(size=p) + rng.normal(size=n)
    df = pd.DataFrame(x, columns=[f"x{i}" for i in range(p)]).assign(y=y)
    preds = [f"x{i}" for i in range(p)]
    res = relative_weights(df, "y", preds, n_boot=0)
    assert res.table["raw_weight"].min() >= -1e-12
    assert res.table["raw_weight"].sum() == pytest.approx(ols_r2(df, "y", preds), abs=1e-9)
    # shares are shown only for an R² significantly above zero (F test), and then sum to 1
    if r2_pvalue(res.r2, n, p) < 0.05:
        assert res.table["share"].sum() == pytest.approx(1.0)
    else:
        assert res.table["share"].isna().all() and "no shares are shown" in res.note
    untested = relative_weights(df, "y", preds, n_boot=0, alpha=None)
    assert untested.table["share"].sum() == pytest.approx(1.0)


def test_invariant_to_linear_rescaling_and_symmetric():
    df = correlated()
    preds = ["a", "b", "c", "d"]
    base = weights(relative_weights(df, "y", preds, n_boot=0))
    scaled = df.assign(a=df["a"] * 3 - 7, d=100 - df["d"])
    assert weights(relative_weights(scaled, "y", preds, n_boot=0)) == pytest.approx(base)
    twin = pd.DataFrame({"u": [1.0, 2, 3, 4, 5, 6], "v": [2.0, 1, 4, 3, 6, 5]})
    twin["y"] = twin["u"] + twin["v"]
    w = weights(relative_weights(twin, "y", ["u", "v"], n_boot=0, min_n=5))
    assert w["u"] == pytest.approx(w["v"])


def test_listwise_deletion_and_min_n_note():
    df = correlated(40)
    df.loc[:4, "a"] = np.nan
    df.loc[10, "y"] = np.nan
    res = relative_weights(df, "y", ["a", "b"], n_boot=0)
    assert res.n == 34
    assert res.note == ""
    small = relative_weights(df, "y", ["a", "b"], n_boot=0, min_n=35)
    assert not small.ok
    assert small.n == 34
    assert "34" in small.note and "35" in small.note
    assert small.table["share"].isna().all()
    assert list(small.table["driver"]) == ["a", "b"]


def test_r2_f_test_known_values_and_hidden_shares():
    from scipy import stats as sst

    # F = (0.1/2) / (0.9/97) on (2, 97) degrees of freedom
    assert r2_pvalue(0.1, 100, 2) == pytest.approx(sst.f.sf((0.1 / 2) / (0.9 / 97), 2, 97))
    assert np.isnan(r2_pvalue(0.1, 3, 2)) and r2_pvalue(1.0, 50, 2) == 0.0
    rng = np.random.default_rng(7)
    x = np.column_stack([np.ones(200), rng.normal(size=(200, 2))])
    e = rng.normal(size=200)
    y = e - x @ np.linalg.lstsq(x, e, rcond=None)[0] + 0.01 * x[:, 1]  # R² of about 1e-4
    df = pd.DataFrame({"a": x[:, 1], "b": x[:, 2], "y": y})
    res = relative_weights(df, "y", ["a", "b"], n_boot=20)
    assert res.r2 < 0.01 and res.table["share"].isna().all()
    assert res.table["ci_low"].isna().all() and res.table["raw_weight"].notna().all()


def test_complete_responses_per_predictor():
    df = correlated(50)
    res = relative_weights(df, "y", ["a", "b", "c", "d"], n_boot=0, min_per_predictor=15)
    assert not res.ok and "at least 60" in res.note
    assert relative_weights(df, "y", ["a", "b", "c"], n_boot=0, min_per_predictor=15).ok


def test_constant_outcome_and_constant_predictor():
    df = correlated(60)
    flat = relative_weights(df.assign(y=5.0), "y", ["a", "b"], n_boot=0)
    assert not flat.ok and "same" in flat.note
    res = relative_weights(df.assign(c=1.0), "y", ["a", "b", "c"], n_boot=20)
    w = weights(res)
    assert w["c"] == 0.0
    assert res.r2 == pytest.approx(ols_r2(df, "y", ["a", "b"]), abs=1e-10)
    assert "c" in res.note


def test_collinear_predictors_still_sum_to_r2():
    df = correlated(300)
    df["a2"] = 2 * df["a"] + 1  # perfectly collinear duplicate
    res = relative_weights(df, "y", ["a", "a2", "b"], n_boot=0)
    w = weights(res)
    assert res.r2 == pytest.approx(ols_r2(df, "y", ["a", "b"]), abs=1e-8)
    assert w["a"] == pytest.approx(w["a2"], abs=1e-8)


def test_bootstrap_intervals_cover_estimate_and_are_reproducible():
    df = correlated(400)
    preds = ["a", "b", "c", "d"]
    one = relative_weights(df, "y", preds, n_boot=300, random_state=7)
    two = relative_weights(df, "y", preds, n_boot=300, random_state=7)
    pd.testing.assert_frame_equal(one.table, two.table)
    t = one.table
    assert (t["ci_low"] <= t["share"] + 1e-9).all() and (t["share"] <= t["ci_high"] + 1e-9).all()
    assert (t["raw_ci_low"] <= t["raw_weight"] + 1e-9).all()
    assert (t["raw_weight"] <= t["raw_ci_high"] + 1e-9).all()
    # The weak driver's interval is narrow and near zero; the strong one's excludes zero.
    assert t.set_index("driver").loc["d", "ci_high"] < 0.1
    assert t.set_index("driver").loc["a", "ci_low"] > 0.2


def test_bootstrap_interval_width_shrinks_like_root_n():
    small = relative_weights(correlated(250), "y", ["a", "b", "c"], n_boot=400).table
    large = relative_weights(correlated(4000), "y", ["a", "b", "c"], n_boot=400).table
    w_small = (small["ci_high"] - small["ci_low"]).mean()
    w_large = (large["ci_high"] - large["ci_low"]).mean()
    assert 2 < w_small / w_large < 8  # sqrt(16) = 4


def test_clear_errors():
    df = correlated(50)
    with pytest.raises(ValueError, match="not in the data"):
        relative_weights(df, "y", ["a", "zz"])
    with pytest.raises(ValueError, match="outcome"):
        relative_weights(df, "y", ["a", "y"])
    with pytest.raises(ValueError, match="numbers"):
        relative_weights(df.assign(b="x"), "y", ["a", "b"])
    with pytest.raises(ValueError, match="1 to 10"):
        general_dominance(df, "y", [])


def test_key_drivers_tidy_table():
    rng = np.random.default_rng(5)
    n = 300
    scores = pd.DataFrame(
        {
            "trust": rng.normal(60, 15, n),
            "fear": rng.normal(40, 15, n),
            "manager": rng.normal(65, 15, n),
        }
    )
    scores["readiness"] = 0.5 * scores["trust"] - 0.4 * scores["fear"] + rng.normal(0, 10, n)
    scores["enps"] = rng.normal(0, 50, n)
    constructs = [
        {"id": "trust", "concept": "trust_in_ai"},
        {"id": "readiness", "concept": "change_readiness"},
    ]
    out = key_drivers(scores, constructs=constructs, n_boot=50)
    assert list(out.columns) == [
        "outcome", "driver", "raw_weight", "share", "ci_low", "ci_high", "n", "r2", "note",
    ]  # fmt: skip
    assert set(out["outcome"]) == {"trust", "readiness", "enps"}
    ready = out[out["outcome"] == "readiness"].set_index("driver")
    assert "enps" not in ready.index and "readiness" not in ready.index
    assert ready["raw_weight"].sum() == pytest.approx(ready["r2"].iloc[0])
    assert ready["share"].idxmax() == "trust"
    assert (out["n"] == n).all()
    few = key_drivers(scores.head(20), outcomes=["readiness"], n_boot=0)
    # 15 complete responses per predictor: 3 predictors need 45 (more than min_n = 30)
    assert few["share"].isna().all() and few["note"].str.contains("at least 45").all()
    # eNPS is noise here: its R² is not significant, so its shares are hidden
    noise = out[out["outcome"] == "enps"]
    assert noise["share"].isna().all() and noise["raw_weight"].notna().all()
    assert noise["note"].str.contains("not clearly more than nothing").all()
    none = key_drivers(scores, outcomes=["nothing"])
    assert none.empty and "share" in none.columns


def test_key_drivers_shared_bootstrap_equals_separate_runs():
    """Outcomes on the same complete rows share one bootstrap; an outcome with other complete
    rows (here eNPS, missing for some) gets its own. Both equal per-outcome runs."""
    rng = np.random.default_rng(5)
    n = 400
    base = rng.normal(size=(n, 4))
    df = pd.DataFrame(base @ np.triu(np.ones((4, 4))), columns=["a", "b", "c", "d"])
    df["enps"] = df["a"] + rng.normal(size=n)
    df.loc[rng.choice(n, 40, replace=False), "enps"] = np.nan
    df.loc[rng.choice(n, 10, replace=False), "c"] = np.nan
    out = key_drivers(df, outcomes=("a", "b", "enps"), exclude=("enps",), n_boot=60, random_state=3)
    for outcome in ("a", "b", "enps"):
        preds = [c for c in ("a", "b", "c", "d") if c != outcome]
        alone = relative_weights(df, outcome, preds, n_boot=60, random_state=3).table
        got = out[out["outcome"] == outcome].reset_index(drop=True)
        cols = ["driver", "raw_weight", "share", "ci_low", "ci_high"]
        pd.testing.assert_frame_equal(
            got[cols], alone[cols], check_exact=False, rtol=1e-12, atol=1e-12
        )
    assert out.groupby("outcome")["n"].first().to_dict() == {"a": 390, "b": 390, "enps": 351}


def test_cli_outcome_that_is_not_a_construct_is_a_clear_error(capsys):
    """--outcome names a scored construct (id, concept or label); anything else stops before
    the slow comment coding, with the constructs that can be chosen."""
    from analysis.cli import main
    from analysis.cli.plumbing import EXIT_INPUT

    sample = Path(__file__).resolve().parents[1] / "sample_data" / "ai_pulse_qualtrics.csv"
    code = main(["hotspots", str(sample), "--outcome", "RD1", "--json"])
    err = capsys.readouterr().err
    assert code == EXIT_INPUT
    assert "'RD1' is not a scored construct" in err
    assert "change_readiness (Readiness for the AI change)" in err
