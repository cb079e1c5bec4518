"""The exact multinomial logistic regression that assigns non-embedded comments to themes."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from analysis import assignment


def _problem(seed: int, n: int = 300, d: int = 40, k: int = 4) -> tuple:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, d))
    y = rng.integers(0, k, n)
    X = centres[y] + 1.5 * rng.normal(size=(n, d))
    return X / np.linalg.norm(X, axis=1, keepdims=True), y, k


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_same_predictions_as_scikit_learn_logistic_regression(seed):
    X, y, k = _problem(seed)
    Xt, _, _ = _problem(seed + 100)
    ours = assignment.fit(X, y, k, C=10.0).predict(Xt)
    sk = LogisticRegression(C=10.0, max_iter=5000).fit(X, y).predict(Xt)
    assert np.mean(ours == sk) >= 0.97


def test_weights_act_as_copies():
    X, y, k = _problem(3)
    w = np.arange(len(X)) % 3 + 1
    weighted = assignment.fit(X, y, k, sample_weight=w)
    copies = assignment.fit(np.repeat(X, w, axis=0), np.repeat(y, w), k)
    Xt, _, _ = _problem(7)
    assert np.mean(weighted.predict(Xt) == copies.predict(Xt)) >= 0.98


def test_deterministic_and_exact_bits():
    X, y, k = _problem(4)
    a, b = assignment.fit(X, y, k), assignment.fit(X.copy(), y, k)
    np.testing.assert_array_equal(a.coef, b.coef)
    np.testing.assert_array_equal(a.intercept, b.intercept)
    assert (a.coef == np.rint(a.coef)).all()
    assert len(a.predict(np.zeros((0, X.shape[1])))) == 0


def test_too_many_rows_is_refused():
    X = np.ones((assignment.MAX_ROWS + 1, 2))
    with pytest.raises(ValueError, match="At most"):
        assignment.fit(X, np.zeros(len(X), int), 2)


def test_decision_values_in_blocks_are_the_same_bits(monkeypatch):
    """``decision`` works in row blocks (memory); each row's values depend on that row alone and
    its products are exact, so the block size changes no bit."""
    X, y, k = _problem(4)
    model = assignment.fit(X, y, k, C=10.0)
    whole = model.decision(X)
    monkeypatch.setattr(assignment, "_BLOCK_ROWS", 7)
    assert np.array_equal(model.decision(X), whole)
    assert model.decision(X[:0]).shape == (0, k)
