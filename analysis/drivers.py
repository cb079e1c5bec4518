"""Key driver analysis: how much of an outcome's explained variance each construct carries.

Survey constructs are strongly correlated, so plain regression weights swing sign and size with
small changes in the data and mislead. Relative weights (Johnson 2000) and general dominance
(Budescu 1993, the Shapley value of R²) split R² among correlated predictors in a way that is
stable, non-negative and adds up to R². Relative weights are the workhorse (fast enough to
bootstrap); general dominance is an exact cross-check for up to 10 predictors.

These are *associations* within one survey, not causes. Two guards keep them honest: at least
``min_per_predictor`` complete responses per predictor (15 in :func:`key_drivers`; Harrell 2015
§4.4), and the overall F test of R²; when R² is not significantly above zero the shares of it
are hidden (an R² of 0.001 split into percentages is noise).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from math import comb

import numpy as np
import pandas as pd
from scipy import stats as st

from analysis.errors import ChangeRadarError
from analysis.resampling import SharedBootstrap, bootstrap_corr, complete_mask
from analysis.tables import DRIVERS
from analysis.thresholds import THRESHOLDS

DEFAULT_OUTCOMES = ("trust_in_ai", "change_readiness", "enps")
TABLE_COLUMNS = (
    "driver",
    "raw_weight",
    "share",
    "rescaled",
    "ci_low",
    "ci_high",
    "raw_ci_low",
    "raw_ci_high",
)
KEY_DRIVER_COLUMNS = tuple(DRIVERS.columns())
_MAX_DOMINANCE_PREDICTORS = 10


@dataclass
class DriverResult:
    """Relative weights of one outcome, with the sample they came from.

    ``table`` has one row per driver, largest weight first: ``raw_weight`` (Johnson's epsilon,
    the weights sum to ``r2``), ``share`` (raw_weight / r2, sums to 1), ``rescaled`` (share in %),
    ``ci_low``/``ci_high`` (bootstrap percentile interval of the *share*) and
    ``raw_ci_low``/``raw_ci_high`` (the same for the raw weight). When ``n < min_n`` every number
    is NaN and ``note`` says why.
    """

    outcome: str
    table: pd.DataFrame
    r2: float
    n: int
    n_boot: int
    note: str = ""
    predictors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when weights were estimated (enough complete responses, outcome varies)."""
        return bool(np.isfinite(self.r2))


def _relative_weights_from_corr(corr: np.ndarray) -> np.ndarray:
    """Johnson's epsilons from correlation matrices (..., p+1, p+1), outcome last.

    Works on a stack of matrices so the bootstrap is one batched eigendecomposition. Near-zero
    eigenvalues (perfectly collinear predictors) are dropped, i.e. a pseudo-inverse is used;
    the weights still sum to R² because each column of R^(1/2) has unit length.
    """
    rxx = corr[..., :-1, :-1]
    rxy = corr[..., :-1, -1]
    evals, evecs = np.linalg.eigh(rxx)
    tol = np.max(np.abs(evals), axis=-1, keepdims=True) * 1e-10
    keep = evals > tol
    root = np.where(keep, np.sqrt(np.where(keep, evals, 1.0)), 0.0)
    inv_root = np.where(keep, 1.0 / np.where(keep, root, 1.0), 0.0)
    evecs_t = np.swapaxes(evecs, -1, -2)
    lam = (evecs * root[..., None, :]) @ evecs_t
    lam_inv = (evecs * inv_root[..., None, :]) @ evecs_t
    beta = (lam_inv @ rxy[..., None])[..., 0]
    return np.einsum("...jk,...k->...j", lam**2, beta**2)


def _complete_numeric(
    data: pd.DataFrame, outcome: str, predictors: Sequence[str]
) -> tuple[np.ndarray, int]:
    missing = [c for c in [outcome, *predictors] if c not in data.columns]
    if missing:
        raise ValueError(
            f"Column(s) {', '.join(map(repr, missing))} are not in the data; "
            "pick outcome and predictors from its columns."
        )
    if outcome in predictors:
        raise ValueError(f"{outcome!r} is the outcome, so it cannot also be a predictor.")
    if len(set(predictors)) != len(predictors):
        raise ValueError("Each predictor may be listed only once.")
    cols = [*predictors, outcome]
    frame = data[cols]
    bad = [c for c in cols if not pd.api.types.is_numeric_dtype(frame[c])]
    if bad:
        raise ValueError(
            f"Column(s) {', '.join(map(repr, bad))} do not hold numbers; "
            "driver analysis needs numeric scores."
        )
    values = frame.to_numpy(dtype=float, na_value=np.nan)
    values = values[np.isfinite(values).all(axis=1)]
    return values, len(values)


def _empty_table(predictors: Sequence[str]) -> pd.DataFrame:
    table = pd.DataFrame({"driver": pd.Series(list(predictors), dtype=object)})
    for col in TABLE_COLUMNS[1:]:
        table[col] = np.nan
    return table


def relative_weights(
    data: pd.DataFrame,
    outcome: str,
    predictors: Sequence[str],
    *,
    n_boot: int = 500,
    random_state: int | None = 0,
    min_n: int = 30,
    ci: float = 0.95,
    min_per_predictor: int = 0,
    alpha: float | None = THRESHOLDS.alpha,
    _shared: SharedBootstrap | None = None,
) -> DriverResult:
    """Split the R² of ``outcome`` among correlated ``predictors`` (Johnson's relative weights).

    Rows with a missing value in the outcome or any predictor are dropped (listwise deletion);
    ``n`` reports how many remained. Below ``min_n`` complete rows (or ``min_per_predictor``
    per predictor) no weights are estimated and ``note`` explains why. When the F test of R²
    (below) has p ≥ ``alpha`` the shares and their intervals are NaN (raw weights stay) and
    ``note`` says so; ``alpha=None`` skips the test.

    Notes
    -----
    With standardised variables, R_xx the predictors' correlation matrix and r_xy their
    correlations with the outcome:

        Λ = R_xx^(1/2) = V D^(1/2) V'   (V D V' the eigendecomposition of R_xx)
        β = Λ^(-1) r_xy                 (regression of y on the orthogonal counterparts Z)
        ε_j = Σ_k Λ_jk² β_k²            (raw relative weight of predictor j)

    Σ_j ε_j = β'β = r_xy' R_xx^(-1) r_xy = R². For uncorrelated predictors ε_j = r_jy².
    R² is tested with F = (R²/p) / ((1 − R²)/(n − p − 1)) on (p, n − p − 1) degrees of freedom.
    Confidence intervals are bootstrap percentile intervals (``n_boot`` resamples of rows):
    ``ci_low``/``ci_high`` are for the share of R², ``raw_ci_low``/``raw_ci_high`` for ε_j.

    References
    ----------
    Johnson, J. W. (2000). A heuristic method for estimating the relative weight of predictor
    variables in multiple regression. Multivariate Behavioral Research, 35(1), 1-19.
    Tonidandel, S., & LeBreton, J. M. (2011). Relative importance analysis: a useful supplement
    to regression analysis. Journal of Business and Psychology, 26, 1-9.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame(rng.normal(size=(200, 2)), columns=["a", "b"])
    >>> df["y"] = df.a + 0.5 * df.b + rng.normal(size=200)
    >>> res = relative_weights(df, "y", ["a", "b"], n_boot=50)
    >>> bool(abs(res.table.raw_weight.sum() - res.r2) < 1e-12)
    True
    >>> res.table.driver.tolist()
    ['a', 'b']
    """
    predictors = list(predictors)
    if not predictors:
        raise ValueError("Name at least one predictor for the driver analysis.")
    if not 0 < ci < 1:
        raise ValueError("ci must be between 0 and 1, e.g. 0.95.")
    if n_boot < 0:
        raise ValueError("n_boot must be zero or a positive number of resamples.")
    values, n = _complete_numeric(data, outcome, predictors)
    need = max(min_n, len(predictors) + 2, min_per_predictor * len(predictors))
    if n < need:
        note = (
            f"Only {n} responses have {outcome} and all {len(predictors)} drivers answered; "
            f"driver analysis needs at least {need}, so no weights are shown."
        )
        return DriverResult(outcome, _empty_table(predictors), np.nan, n, 0, note, predictors)
    sd = values.std(axis=0)
    if sd[-1] == 0:
        note = (
            f"Every one of the {n} complete responses has the same {outcome} score, "
            "so there is no variation to explain."
        )
        return DriverResult(outcome, _empty_table(predictors), np.nan, n, 0, note, predictors)
    varying = sd[:-1] > 0
    constant = [p for p, v in zip(predictors, varying, strict=True) if not v]
    used = np.flatnonzero(np.append(varying, True))
    sub = values[:, used]
    corr = np.corrcoef(sub, rowvar=False)
    eps_used = _relative_weights_from_corr(corr)
    r2 = float(eps_used.sum())

    eps = np.zeros(len(predictors))
    eps[varying] = eps_used
    share = eps / r2 if r2 > 0 else np.full(len(predictors), np.nan)

    lo_q, hi_q = 100 * (1 - ci) / 2, 100 * (1 + ci) / 2
    ci_share = np.full((2, len(predictors)), np.nan)
    ci_raw = np.full((2, len(predictors)), np.nan)
    if n_boot > 0:
        if _shared is None:
            boot_corr = bootstrap_corr(sub, n_boot, np.random.default_rng(random_state))
        else:
            cols = [*predictors, outcome]
            names = [cols[i] for i in used]
            boot_corr = _shared.corr(complete_mask(data, cols), names)
        valid = np.isfinite(boot_corr).all(axis=(1, 2))
        if valid.any():
            boot_eps = _relative_weights_from_corr(boot_corr[valid])
            boot_full = np.zeros((len(boot_eps), len(predictors)))
            boot_full[:, varying] = boot_eps
            total = boot_full.sum(axis=1, keepdims=True)
            with np.errstate(divide="ignore", invalid="ignore"):
                boot_share = np.where(total > 0, boot_full / total, np.nan)
            ci_raw = np.percentile(boot_full, [lo_q, hi_q], axis=0)
            if np.isfinite(boot_share).all(axis=1).any():
                ci_share = np.nanpercentile(
                    boot_share[np.isfinite(boot_share).all(axis=1)], [lo_q, hi_q], axis=0
                )
    table = pd.DataFrame(
        {
            "driver": pd.Series(predictors, dtype=object),
            "raw_weight": eps,
            "share": share,
            "rescaled": 100 * share,
            "ci_low": ci_share[0],
            "ci_high": ci_share[1],
            "raw_ci_low": ci_raw[0],
            "raw_ci_high": ci_raw[1],
        }
    )
    table = table.sort_values("raw_weight", ascending=False, kind="stable").reset_index(drop=True)
    note = ""
    if constant:
        note = (
            f"{', '.join(constant)} had the same score in every complete response, "
            "so it explains nothing here (weight 0)."
        )
    p_r2 = r2_pvalue(r2, n, int(varying.sum()))
    if alpha is not None and not p_r2 < alpha:
        table[["share", "rescaled", "ci_low", "ci_high"]] = np.nan
        note = (f"{note} " if note else "") + (
            f"Together the drivers explain {100 * r2:.1f}% of {outcome}, which is not clearly "
            f"more than nothing (F test p = {p_r2:.2f}), so no shares are shown."
        )
    return DriverResult(outcome, table, r2, n, n_boot, note, predictors)


def r2_pvalue(r2: float, n: int, p: int) -> float:
    """p value of the overall F test that R² = 0 with ``p`` predictors and ``n`` cases:
    F = (R²/p) / ((1 − R²)/(n − p − 1)) ~ F(p, n − p − 1) (e.g. Cohen et al. 2003, §3.8)."""
    dof = n - p - 1
    if p <= 0 or dof <= 0 or not np.isfinite(r2):
        return float("nan")
    if r2 >= 1:
        return 0.0
    f = (r2 / p) / ((1 - r2) / dof)
    return float(st.f.sf(f, p, dof))


def _subset_r2(corr: np.ndarray, subset: Sequence[int]) -> float:
    if not subset:
        return 0.0
    idx = list(subset)
    rxx = corr[np.ix_(idx, idx)]
    rxy = corr[idx, -1]
    return float(rxy @ np.linalg.pinv(rxx, hermitian=True) @ rxy)


def general_dominance(
    data: pd.DataFrame, outcome: str, predictors: Sequence[str], *, min_n: int = 30
) -> pd.DataFrame:
    """General dominance weights: each predictor's average gain in R² over all sub-models.

    An exact, assumption-light cross-check of :func:`relative_weights`; it fits 2^p models, so
    it is limited to 10 predictors. Rows with a missing value are dropped (listwise).

    Notes
    -----
    With P the set of p predictors and R²(S) the R² of the regression on subset S,

        GD_j = Σ_{S ⊆ P∖{j}} |S|! (p-|S|-1)! / p! · [R²(S ∪ {j}) − R²(S)],

    i.e. the Shapley value of R², which equals the mean over subset sizes k of the mean
    incremental R² of j over subsets of size k. Σ_j GD_j = R²(P).

    References
    ----------
    Budescu, D. V. (1993). Dominance analysis: a new approach to the problem of relative
    importance of predictors in multiple regression. Psychological Bulletin, 114(3), 542-551.
    Azen, R., & Budescu, D. V. (2003). The dominance analysis approach for comparing predictors
    in multiple regression. Psychological Methods, 8(2), 129-148.

    Returns
    -------
    DataFrame with ``driver``, ``general_dominance`` (sums to R²) and ``share`` (sums to 1),
    and the attributes ``r2`` and ``n`` in ``.attrs``.
    """
    predictors = list(predictors)
    p = len(predictors)
    if not 1 <= p <= _MAX_DOMINANCE_PREDICTORS:
        raise ValueError(
            f"Dominance analysis fits every subset of predictors, so it takes 1 to "
            f"{_MAX_DOMINANCE_PREDICTORS} of them; {p} were given."
        )
    values, n = _complete_numeric(data, outcome, predictors)
    if n < max(min_n, p + 2):
        raise ValueError(
            f"Only {n} complete responses; dominance analysis needs at least {max(min_n, p + 2)}."
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = np.corrcoef(values, rowvar=False)
    corr = np.nan_to_num(corr, nan=0.0)
    np.fill_diagonal(corr, 1.0)
    r2_of = {}
    for mask in range(1 << p):
        r2_of[mask] = _subset_r2(corr, [i for i in range(p) if mask >> i & 1])
    weights = np.zeros(p)
    for j in range(p):
        bit = 1 << j
        for mask in range(1 << p):
            if mask & bit:
                continue
            k = mask.bit_count()
            w = 1.0 / (p * comb(p - 1, k))
            weights[j] += w * (r2_of[mask | bit] - r2_of[mask])
    r2 = r2_of[(1 << p) - 1]
    table = pd.DataFrame(
        {
            "driver": pd.Series(predictors, dtype=object),
            "general_dominance": weights,
            "share": weights / r2 if r2 > 0 else np.nan,
        }
    )
    table.attrs.update(r2=r2, n=n)
    return table


def _resolve_outcome(
    name: str, columns: Iterable[str], concept_to_id: dict[str, str]
) -> str | None:
    cols = set(columns)
    if name in cols:
        return name
    cid = concept_to_id.get(name)
    return cid if cid in cols else None


def _concept_map(constructs: object | None) -> dict[str, str]:
    if constructs is None:
        return {}
    items = getattr(constructs, "constructs", constructs)
    if isinstance(items, pd.DataFrame):
        items = items.to_dict("records")
    elif isinstance(items, dict):
        items = list(items.values())
    out: dict[str, str] = {}
    for c in items:
        get = c.get if isinstance(c, dict) else lambda k, c=c: getattr(c, k, None)
        concept, cid = get("concept"), get("id")
        if concept and cid and concept not in out:
            out[str(concept)] = str(cid)
    return out


class OutcomeError(ChangeRadarError):
    """The outcome chosen for the driver analysis is not one of the survey's scored constructs."""


def choose_outcome(name: str, construct_meta: pd.DataFrame) -> str:
    """The construct id for a user-chosen driver outcome: its id, concept or label (any case).

    ``construct_meta`` is ``Scored.construct_meta`` (index: construct id; ``label``,
    ``concept``). Raises :class:`OutcomeError`, naming the constructs that can be chosen, when
    ``name`` is not a scored construct (e.g. an item, a comment column or a typo).
    """
    wanted = str(name).strip().casefold()
    for cid, row in construct_meta.iterrows():
        names = {str(cid), str(row.get("concept") or ""), str(row.get("label") or "")}
        if wanted in {n.strip().casefold() for n in names if n}:
            return str(cid)
    choices = ", ".join(
        f"{cid} ({row.get('label') or cid})" for cid, row in construct_meta.iterrows()
    )
    raise OutcomeError(
        f"{name!r} is not a scored construct of this survey, so it cannot be the outcome of "
        "the driver analysis. "
        + (
            f"Choose one of: {choices}."
            if choices
            else "This survey has no scored constructs (comments only), so there are no drivers."
        )
    )


def key_drivers(
    construct_scores: pd.DataFrame,
    outcomes: Sequence[str] = DEFAULT_OUTCOMES,
    predictors: Sequence[str] | None = None,
    *,
    constructs: object | None = None,
    exclude: Sequence[str] = ("enps",),
    n_boot: int = 500,
    random_state: int | None = 0,
    min_n: int = 30,
    min_per_predictor: int = THRESHOLDS.min_cases_per_predictor,
) -> pd.DataFrame:
    """Relative weights of every construct for each outcome, as one tidy table: associations
    with the outcome, shown only with ``min_per_predictor`` complete responses per predictor
    and an R² significantly above zero (see :func:`relative_weights`).

    ``construct_scores`` is respondent × construct on 0-100 (plus an ``enps`` column where the
    survey has one). ``outcomes`` may name columns or survey concepts (resolved through
    ``constructs``, a Survey or list of Construct); outcomes not present are skipped. By default
    each outcome is explained by every other numeric column except those in ``exclude``.

    Returns
    -------
    DataFrame with ``outcome``, ``driver``, ``raw_weight``, ``share`` (of R²), ``ci_low``,
    ``ci_high`` (bootstrap percentile interval of the share), ``n``, ``r2`` and ``note`` (why
    there are no weights, e.g. too few complete responses; "" otherwise).

    Notes
    -----
    Each outcome is bootstrapped exactly as :func:`relative_weights` does (the same resamples
    for the same ``random_state``), but outcomes with the same complete rows share one
    bootstrap of their joint correlation matrix (see ``SharedBootstrap``): with three outcomes
    two bootstraps run instead of three. The intervals agree with separate runs to float
    rounding (about 1e-15: the matrix product's rounding depends on its column layout).
    """
    concept_to_id = _concept_map(constructs)
    numeric = [
        str(c)
        for c in construct_scores.columns
        if pd.api.types.is_numeric_dtype(construct_scores[c])
    ]
    frames = []
    plan: list[tuple[str, list[str]]] = []
    seen: set[str] = set()
    for name in outcomes:
        outcome = _resolve_outcome(name, construct_scores.columns, concept_to_id)
        if outcome is None or outcome in seen:
            continue
        seen.add(outcome)
        if predictors is None:
            preds = [c for c in numeric if c != outcome and c not in exclude]
        else:
            preds = [c for c in predictors if c != outcome]
        if preds:
            plan.append((outcome, preds))
    shared = SharedBootstrap(construct_scores, n_boot, random_state, numeric)
    for outcome, preds in plan:
        cols = [*preds, outcome]
        if all(c in numeric for c in cols):
            shared.plan(complete_mask(construct_scores, cols), cols)
    for outcome, preds in plan:
        res = relative_weights(
            construct_scores,
            outcome,
            preds,
            n_boot=n_boot,
            random_state=random_state,
            min_n=min_n,
            min_per_predictor=min_per_predictor,
            _shared=shared,
        )
        t = res.table[["driver", "raw_weight", "share", "ci_low", "ci_high"]].copy()
        t.insert(0, "outcome", outcome)
        t["n"] = res.n
        t["r2"] = res.r2
        t["note"] = res.note
        frames.append(t)
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in KEY_DRIVER_COLUMNS})
    out = pd.concat(frames, ignore_index=True)
    out["n"] = out["n"].astype(int)
    return out[list(KEY_DRIVER_COLUMNS)]
