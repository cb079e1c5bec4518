"""Themes: topics not tone, stable, robust to junk input, private by group."""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.metrics import adjusted_rand_score

from analysis.themes import (
    SENTIMENT_WORDS,
    ThemeModel,
    merge_themes,
    theme_group_shares,
    theme_table,
    topical_tokens,
)


@pytest.fixture(scope="module")
def labelled(root) -> pd.DataFrame:
    return pd.read_csv(
        root / "tests" / "data" / "themes_labelled.tsv", sep="\t", quoting=csv.QUOTE_NONE
    )


@pytest.fixture(scope="module")
def four_domains(labelled, real_dir) -> pd.DataFrame:
    yelp = pd.read_csv(
        real_dir / "uci_yelp_labelled.txt",
        sep="\t",
        header=None,
        names=["text", "positive"],
        quoting=csv.QUOTE_NONE,
    )
    yelp = yelp.sample(160, random_state=0).assign(domain="restaurant")
    return pd.concat([yelp, labelled], ignore_index=True)


def test_topical_tokens_drop_tone_stopwords_and_negation():
    assert topical_tokens("The food was not great, really awful!") == ["food"]
    assert topical_tokens("I love the battery life") == ["batteri", "life"]
    assert topical_tokens("") == []


def test_multidomain_sentences_recover_domains_not_tone(four_domains):
    model = ThemeModel(n_themes=4, random_state=0).fit(four_domains["text"])
    ari = adjusted_rand_score(four_domains["domain"], model.labels_)
    assert ari > 0.25  # measured 0.33; TF-IDF + k-means gives about 0.01 here
    tone = adjusted_rand_score(four_domains["positive"], model.labels_)
    assert tone < 0.05  # themes do not follow sentiment


def test_same_input_and_seed_same_themes(four_domains):
    a = ThemeModel(random_state=3, max_themes=6).fit(four_domains["text"])
    b = ThemeModel(random_state=3, max_themes=6).fit(four_domains["text"])
    np.testing.assert_array_equal(a.labels_, b.labels_)
    pd.testing.assert_frame_equal(a.themes_, b.themes_)


@pytest.mark.parametrize(("lo", "hi"), [(3, 5), (2, 2), (4, 8)])
def test_automatic_k_stays_in_range(four_domains, lo, hi):
    model = ThemeModel(min_themes=lo, max_themes=hi).fit(four_domains["text"])
    assert lo <= model.n_themes_ <= hi
    assert set(model.labels_[model.labels_ >= 0]) == set(range(model.n_themes_))
    assert set(model.silhouette_) <= set(range(lo, hi + 1))


def test_terms_and_labels_carry_no_sentiment_words(four_domains):
    model = ThemeModel(random_state=0).fit(four_domains["text"])
    for label, terms in zip(model.themes_["label"], model.themes_["terms"], strict=True):
        words = set(label.replace("·", " ").split())
        assert not words & SENTIMENT_WORDS, label
        assert not set(terms) & SENTIMENT_WORDS, terms


def test_themes_table_shape_and_representatives(four_domains):
    texts = four_domains["text"].tolist()
    model = ThemeModel(n_themes=3, random_state=0).fit(texts)
    t = model.themes_
    assert list(t.columns) == ["theme", "label", "size", "share", "terms", "representatives"]
    assert t["size"].sum() == (model.labels_ >= 0).sum()
    assert list(t["size"]) == sorted(t["size"], reverse=True)
    for theme, reps in zip(t["theme"], t["representatives"], strict=True):
        assert 3 <= len(reps) <= 5
        assert all(model.labels_[i] == theme for i in reps)
        assert len({texts[i] for i in reps}) == len(reps)


@given(
    st.lists(
        st.sampled_from(["", " ", "ok", "n/a", "!!!", "great", "Not bad at all."]), max_size=30
    )
)
def test_junk_and_short_texts_never_crash(texts):
    model = ThemeModel(random_state=0).fit(texts)
    assert len(model.labels_) == len(texts)
    assert (model.labels_ == -1).all()  # none of these has a topical word
    assert model.themes_.empty
    assert (model.predict(texts) == -1).all()


def test_tiny_inputs_with_topics():
    model = ThemeModel().fit(["battery life", None, "", "the battery died", "movie plot"])
    assert model.labels_[1] == -1 and model.labels_[2] == -1
    assert model.labels_[0] >= 0 and model.n_themes_ >= 1
    assert ThemeModel().fit([]).labels_.shape == (0,)


def test_sample_fit_assigns_every_comment(four_domains):
    texts = four_domains["text"].tolist() * 3
    model = ThemeModel(n_themes=3, max_fit_sample=200, random_state=0).fit(texts)
    assert len(model.labels_) == len(texts)
    has_topic = np.array([bool(topical_tokens(t)) for t in texts])
    assert (model.labels_[~has_topic] == -1).all()
    # every comment whose topical words are in the learned vocabulary gets a theme
    known = np.array([any(s in model.vocabulary_ for s in topical_tokens(t)) for t in texts])
    assert (model.labels_[known] >= 0).all()
    # identical texts share a theme, and predict agrees with fit
    np.testing.assert_array_equal(
        model.labels_[: len(texts) // 3], model.labels_[len(texts) // 3 : 2 * len(texts) // 3]
    )
    np.testing.assert_array_equal(model.predict(texts), model.labels_)


def test_predict_before_fit_is_a_clear_error():
    with pytest.raises(ValueError, match="Fit the theme model"):
        ThemeModel().predict(["x"])


def test_merge_themes_and_names():
    labels = np.array([0, 1, 2, -1, 2])
    np.testing.assert_array_equal(merge_themes(labels, {2: 1}), [0, 1, 1, -1, 1])


def _fitted_small():
    texts = ["battery died fast"] * 6 + ["movie plot twist"] * 6 + ["the screen cracked"] * 3
    model = ThemeModel(n_themes=2, random_state=0).fit(texts)
    return texts, model


def test_theme_table_hides_small_groups_and_uses_names():
    texts, model = _fitted_small()
    groups = pd.DataFrame({"team": ["A"] * 12 + ["B"] * 3})
    sentiment = np.linspace(-1, 1, len(texts))
    signals = pd.DataFrame({"training_request": [True] * 3 + [False] * 12, "evidence": [[]] * 15})
    table = theme_table(
        model, texts, sentiment, signals, groups, min_comments=10, names={0: "Power"}
    )
    assert "team: A" in table.columns and "team: B" not in table.columns
    assert table.attrs["hidden_groups"] == ["team: B"]
    assert table["size"].sum() == 15
    assert "share_training_request" in table.columns and "share_evidence" not in table.columns
    first = table.set_index("theme").loc[model.labels_[0]]
    battery_theme = model.labels_[0]
    assert first["mean_sentiment"] == pytest.approx(
        sentiment[model.labels_ == battery_theme].mean()
    )
    assert table.loc[table["theme"] == 0, "label"].iloc[0] == "Power"
    # team A's shares over themes sum to 1
    assert table["team: A"].sum() == pytest.approx(1.0)


def test_theme_group_shares_known_values():
    labels = np.array([0, 0, 1, 1, 1, -1])
    groups = pd.DataFrame({"team": ["A", "A", "A", "B", "B", "B"]})
    long = theme_group_shares(labels, groups, min_comments=3)
    a = long[long["group"] == "A"].set_index("theme")
    assert a.loc[0, "share"] == pytest.approx(2 / 3) and a.loc[1, "count"] == 1
    b = long[long["group"] == "B"]
    assert b["hidden"].all() and b["share"].isna().all()  # B has 2 comments with a theme


def test_bad_parameters_are_clear_sentences():
    with pytest.raises(ValueError, match="theme range is empty"):
        ThemeModel(min_themes=5, max_themes=3).fit(["a"])
    with pytest.raises(ValueError, match="n_themes"):
        ThemeModel(n_themes=0).fit(["a"])
