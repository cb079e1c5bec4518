"""Guided + discovered themes: codebook file, membership rules, labels, quotes, refit."""

from __future__ import annotations

import os
import re
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import embeddings, exact
from analysis.config import ConfigError
from analysis.signals.tokens import split_sentences
from analysis.themes import (
    SENTIMENT_WORDS,
    Codebook,
    Concern,
    ThemeModel,
    ThemeProject,
    default_codebook,
    describe,
    dump_codebook,
    dump_project,
    grouping,
    load_codebook,
    load_project,
    theme_table,
)
from analysis.themes.codebook import named

REQUIRED = os.environ.get("CHANGERADAR_REQUIRE_SEMANTIC") == "1"
needs_model = pytest.mark.skipif(
    not embeddings.available() and not REQUIRED,
    reason="semantic engine not installed; set CHANGERADAR_REQUIRE_SEMANTIC=1 to require it",
)


# --- codebook and settings files -------------------------------------------------------------


def test_default_codebook_has_the_ai_change_concerns():
    cb = default_codebook()
    ids = [c.id for c in cb.concerns]
    assert ids == [
        "jobs",
        "skills",
        "accuracy",
        "privacy",
        "workload",
        "leadership",
        "fairness",
        "tool_quality",
        "human_contact",
        "ethics",
        "misuse",
        "misinformation",
        "environment",
        "control",
        "weapons",
    ]
    assert all(c.examples and c.description for c in cb.concerns)
    assert len(cb.background) >= 5  # talk about AI that voices no concern
    assert load_codebook(dump_codebook(cb)) == cb


def test_with_background_adds_new_phrasings_once_and_keeps_the_concerns():
    cb = default_codebook()
    more = cb.with_background(["  I use it for rotas ", "", cb.background[0], "I use it for rotas"])
    assert more.background == (*cb.background, "I use it for rotas")
    assert more.concerns == cb.concerns
    with pytest.raises(ValueError, match="40"):
        cb.with_background([f"phrasing {i}" for i in range(40)])


def test_background_phrasings_are_optional_and_never_empty():
    assert load_codebook("concerns: []\n").background == ()
    with pytest.raises(ConfigError, match="background"):
        load_codebook("background: ['I use AI daily', '  ']\n")


def test_codebook_errors_list_every_problem_with_its_place():
    text = """
concerns:
  - id: 1bad
    label: Jobs
    description: x
    examples: []
  - id: jobs
    label: Jobs
    description: y
    examples: [z]
    colour: red
"""
    with pytest.raises(ConfigError) as err:
        load_codebook(text)
    message = str(err.value)
    assert "concerns.0.id" in message and "concerns.0.examples" in message
    assert "concerns.1.colour" in message


def test_duplicate_labels_are_refused():
    c = Concern(id="a", label="Pay", description="d", examples=("e",))
    with pytest.raises(ValueError, match="label"):
        Codebook(concerns=(c, c.model_copy(update={"id": "b"})))


def test_settings_file_round_trip_and_edits():
    cb = default_codebook().renamed("jobs", "Jobs and pay")
    cb = cb.with_concern(Concern(id="pay", label="Pay", description="Pay.", examples=("pay",)))
    project = ThemeProject(codebook=cb, granularity=0.5, names={3: "Rota"}, merges={4: 2})
    again = load_project(dump_project(project))
    assert again == project
    assert again.codebook.concerns[0].label == "Jobs and pay"
    assert again.codebook.concerns[-1].id == "pay"
    with pytest.raises(ConfigError, match="granularity"):
        load_project("granularity: 9\n")


# --- membership ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "g", "k"), [(160, 0, 4), (1000, 0, 11), (1000, 1, 12), (1000, -1, 5), (0, 0, 0)]
)
def test_target_k_follows_the_amount_of_text(n, g, k):
    assert grouping.target_k(n, g, 1, 12) == k


def _blobs(n_blobs, n_per, dim=8, spread=0.1, seed=0):
    """n_blobs tight groups of unit vectors around distinct axes."""
    rng = np.random.default_rng(seed)
    rows = [np.eye(dim)[j] + spread * rng.standard_normal((n_per, dim)) for j in range(n_blobs)]
    return _unit(np.vstack(rows)).astype(np.float32)


def test_separated_k_finds_clearly_separated_groups_inside_the_text_range():
    # 4 groups of 40: t = target_k(160) = 4, candidates 2..4: the 4 groups.
    assert grouping.separated_k(_blobs(4, 40), 160) == 4
    # 3 groups of 160 (t = 7, candidates 2..7): the 3 groups stand out beyond sampling error,
    # so they are not cut into 7 pieces (comments on three unrelated subjects).
    assert grouping.separated_k(_blobs(3, 160), 480) == 3


@settings(max_examples=20, deadline=None)
@given(st.integers(30, 600), st.integers(0, 2**16))
def test_separated_k_stays_in_the_range_fitted_to_the_amount_of_text(n, seed):
    X = _unit(np.random.default_rng(seed).standard_normal((min(n, 120), 8))).astype(np.float32)
    t = grouping.target_k(n, 0.0, 1, 12)
    k = grouping.separated_k(X, n, 1, 12)
    if t < 3:
        assert k == t
    else:
        assert max(2, int(np.floor(t / 3 + 0.5))) <= k <= t


def test_no_separation_test_when_most_comments_match_known_concerns():
    X, _, _ = _toy(n_per=40)  # 3 of 4 groups near a concern: a single-subject survey
    P3 = _unit(np.eye(8)[:3] + 0.05)
    with mock.patch.object(grouping, "_silhouettes", side_effect=AssertionError("tested")):
        g = grouping.group(X, np.ones(len(X)), P3, random_state=0)
    assert (g.concern >= 0).sum() == 3
    tested = mock.patch.object(grouping, "_silhouettes", side_effect=AssertionError("tested"))
    with pytest.raises(AssertionError, match="tested"), tested:  # discovery only: k is tested
        grouping.group(X, np.ones(len(X)), np.zeros((0, 8)), random_state=0)


def test_granularity_scales_the_chosen_k_and_the_memo_skips_the_choice():
    X = _blobs(4, 60, dim=12)
    memo: dict = {}
    g0 = grouping.group(X, np.ones(len(X)), np.zeros((0, 12)), memo=memo, random_state=0)
    assert len(memo) == 1 and len(g0.concern) == 4
    with mock.patch.object(
        grouping.clustering, "choose_k", side_effect=AssertionError("chosen again")
    ):
        more = grouping.group(X, np.ones(len(X)), np.zeros((0, 12)), granularity=1.0, memo=memo)
        fewer = grouping.group(X, np.ones(len(X)), np.zeros((0, 12)), granularity=-1, memo=memo)
    assert len(fewer.concern) == 2 and len(more.concern) == 8


def _unit(A):
    A = np.asarray(A, dtype=np.float64)
    return A / np.linalg.norm(A, axis=1, keepdims=True)


def _toy(seed=0, n_per=30):
    """Comments around 2 concern directions and 2 other directions, in 8 dimensions."""
    rng = np.random.default_rng(seed)
    axes = np.eye(8)
    rows, truth = [], []
    for j in range(4):
        rows.append(axes[j] + 0.15 * rng.standard_normal((n_per, 8)))
        truth += [j] * n_per
    X = _unit(np.vstack(rows)).astype(np.float32)
    P = _unit(axes[:2] + 0.05)
    return X, np.array(truth), P


def test_guided_then_discovered():
    X, truth, P = _toy()
    g = grouping.group(X, np.ones(len(X)), P, lo=1, hi=12, random_state=0)
    guided = {t for t, c in enumerate(g.concern) if c >= 0}
    for j in (0, 1):  # comments near a concern carry it
        themes = set(g.labels[truth == j])
        assert len(themes) == 1 and themes <= guided
        assert g.concern[themes.pop()] == j
    rest = g.labels[truth >= 2]
    assert not set(rest) & guided  # the others are discovered
    assert len(set(g.labels[truth == 2]) & set(g.labels[truth == 3])) == 0


def test_new_rows_join_themes_by_the_rules_the_fitted_rows_followed():
    """``grouping.assign`` on held-back rows of the toy: rows near a concern take its theme,
    the others a discovered theme of their own group, and a fitted row assigned again
    keeps its theme (guided rows exactly; discovered ones are k-means' nearest centres)."""
    X, truth, P = _toy(seed=3, n_per=40)
    fit_rows = np.arange(len(X)) % 4 != 0
    g = grouping.group(X[fit_rows], np.ones(fit_rows.sum()), P, random_state=0)
    new, _, sec = grouping.assign(X[~fit_rows], P, g)
    held = truth[~fit_rows]
    for j in (0, 1):
        assert set(g.concern[new[held == j]]) == {j}
    for j in (2, 3):  # a discovered theme of its own group (k-means may split a group)
        assert set(new[held == j]) <= set(g.labels[truth[fit_rows] == j])
        assert (g.concern[new[held == j]] == -1).all()
    assert (sec == -1).all()
    again, sub, _ = grouping.assign(X[fit_rows], P, g)
    guided = g.concern[g.labels] >= 0
    np.testing.assert_array_equal(again[guided], g.labels[guided])
    assert np.mean(again == g.labels) >= 0.95
    split = sub >= 0
    assert (g.parent[sub[split]] == again[split]).all()


def test_a_row_matching_a_concern_given_back_to_discovery_is_discovered():
    """A concern with fewer than ``min_concern_size`` fitted rows is not a theme: a new row
    that matches it joins the nearest discovered theme, never a theme it has no name for."""
    X, truth, P = _toy(seed=1, n_per=30)
    keep = (truth != 1) | (np.arange(len(X)) % 30 < 2)  # concern 1: only 2 fitted rows
    g = grouping.group(X[keep], np.ones(keep.sum()), P, min_concern_size=3, random_state=0)
    assert 1 not in set(g.concern)
    labels, _, _ = grouping.assign(X[truth == 1], P, g)
    assert (g.concern[labels] == -1).all()
    assert grouping.assign(X[:0], P, g)[0].shape == (0,)
    # a sample of a larger survey: its 2 rows stand for 2 x 2 comments there, so the concern
    # keeps them (the minimum counts the survey's comments, not the sample's)
    sampled = grouping.group(
        X[keep], np.ones(keep.sum()), P, min_concern_size=3, random_state=0, scale=2.0
    )
    assert 1 in set(sampled.concern)


def test_assigned_rows_follow_the_background_and_the_secondary_rules():
    """``grouping.assign`` applies the background test and the secondary rule of ``group``;
    when every theme is guided, a row matching no concern gets no theme, never a concern's
    name."""
    axes = np.eye(8)
    P = _unit(axes[:2])
    B = _unit(axes[4:5])
    rng = np.random.default_rng(2)
    fitted = _unit(np.vstack([axes[0], axes[1]]) + 0.03 * rng.standard_normal((2, 8)))
    X = np.repeat(fitted, 10, axis=0).astype(np.float32)
    g = grouping.group(X, np.ones(len(X)), P, background=B, random_state=0)
    assert (g.concern >= 0).all()  # every theme guided
    rows = _unit(
        np.array(
            [
                [1, 0, 0, 0, 0, 0, 0, 0],  # concern 0
                [0.58, 0.57, 0, 0, 0, 0, 0, 0],  # both concerns, nearly equally
                [0.58, 0, 0, 0, 0.8, 0, 0, 0],  # near concern 0, nearer the background
                [0, 0, 1, 0, 0, 0, 0, 0],  # no concern at all
            ]
        )
    )
    labels, _, sec = grouping.assign(rows, P, g, B)
    assert g.concern[labels[0]] == 0 and sec[0] == -1
    assert g.concern[labels[1]] == 0 and g.concern[sec[1]] == 1
    assert labels[2] == -1 and labels[3] == -1 and (sec[2:] == -1).all()


def test_a_comment_closer_to_the_background_than_to_every_concern_joins_none():
    rng = np.random.default_rng(0)
    axes = np.eye(8)
    # "I use AI to draft emails": near concern 0 (cosine ~0.6, above the threshold) but nearer
    # the background direction (axis 4); "AI will take my job": near concern 0 only.
    usage = _unit(0.6 * axes[0] + 0.8 * axes[4] + 0.05 * rng.standard_normal((30, 8)))
    worry = _unit(axes[0] + 0.05 * rng.standard_normal((30, 8)))
    X = np.vstack([usage, worry]).astype(np.float32)
    P = _unit(axes[:1])
    plain = grouping.group(X, np.ones(60), P, random_state=0)
    assert (plain.concern[plain.labels] == 0).all()  # without it, all 60 are the concern's
    g = grouping.group(X, np.ones(60), P, background=_unit(axes[4:5]), random_state=0)
    assert (g.concern[g.labels[30:]] == 0).all()
    assert (g.concern[g.labels[:30]] == -1).all()


def test_a_concern_with_terms_takes_only_the_comments_that_name_it():
    """Two concerns, both close to every row: a row joins the closest concern it names, one
    naming neither is discovered, and the rows' closeness still says the survey is about the
    codebook's subject (k stays at the target)."""
    axes = np.eye(8)
    P = _unit(np.vstack([axes[0] + 0.2 * axes[1], axes[1]]))
    rng = np.random.default_rng(4)
    X = _unit(axes[0] + 0.6 * axes[1] + 0.05 * rng.standard_normal((60, 8))).astype(np.float32)
    named = np.zeros((60, 2), dtype=bool)
    named[:20, 0] = True  # name concern 0 (the closer one)
    named[10:40, 1] = True  # name concern 1; rows 10-19 name both
    plain = grouping.group(X, np.ones(60), P, random_state=0)
    assert (plain.concern[plain.labels] == 0).all()
    g = grouping.group(X, np.ones(60), P, random_state=0, named=named)
    assert (g.concern[g.labels[:20]] == 0).all()  # the closest named concern
    assert (g.concern[g.labels[20:40]] == 1).all()  # not the closest, but the one named
    assert (g.concern[g.labels[40:]] == -1).all()  # close to both, naming neither
    labels, _, _ = grouping.assign(X, P, g, named=named)
    np.testing.assert_array_equal(g.concern[labels[:40]], g.concern[g.labels[:40]])
    assert (g.concern[labels[40:]] == -1).all()
    # every row is close to a concern: the survey is about its subject, so the rows left to
    # discovery are not tested for fewer themes (``SINGLE_SUBJECT``)
    # ... also when the few rows that name a concern are given back for its size (a review:
    # naming a word in 2 rows had flipped the choice of k)
    # half the survey close to a concern, half far from both: on the edge of the test
    far = _unit(axes[5] + 0.05 * rng.standard_normal((60, 8))).astype(np.float32)
    half = np.vstack([X, far])
    few = np.zeros((120, 2), dtype=bool)
    few[:2, 0] = True
    with mock.patch.object(grouping, "separated_k", side_effect=AssertionError):
        grouping.group(X, np.ones(60), P, random_state=0, named=named)
        given_back = grouping.group(half, np.ones(120), P, random_state=0, named=few)
    assert (given_back.concern == -1).all()


def test_a_concern_with_terms_needs_less_closeness_from_a_comment_that_names_it():
    """Cosine 0.35: below ``CONCERN_THRESHOLD`` (closeness alone), above ``NAMED_THRESHOLD``
    (closeness and one of the concern's words)."""
    assert grouping.NAMED_THRESHOLD < 0.35 < grouping.CONCERN_THRESHOLD
    axes = np.eye(8)
    P = _unit(axes[:1])
    row = _unit(np.array([[0.35, np.sqrt(1 - 0.35**2), 0, 0, 0, 0, 0, 0]]))
    Xg, Pg = exact.to_grid(row), exact.to_grid(P)
    yes, no = np.array([[True]]), np.array([[False]])
    assert grouping._match(Xg, Pg).first[0] == -1  # closeness alone: too far
    assert grouping._match(Xg, Pg, named=yes, worded=np.array([True])).first[0] == 0
    assert grouping._match(Xg, Pg, named=no, worded=np.array([True])).first[0] == -1
    # a concern without terms (every row "names" it) keeps the closeness threshold
    assert grouping._match(Xg, Pg, named=yes, worded=np.array([False])).first[0] == -1


def test_the_words_lower_threshold_does_not_move_the_single_subject_test():
    """A review: comments at cosine 0.35 to a worded concern, none naming it, join nothing,
    and must give the same themes as with a concern without terms (the words' lower
    threshold had made them "about the codebook's subject", 2 discovered themes -> 7)."""
    rng = np.random.default_rng(7)
    axes = np.eye(8)
    P = _unit(axes[:1])
    other = np.sqrt(1 - 0.35**2)
    centres = [0.35 * axes[0] + other * axes[1], 0.35 * axes[0] + other * axes[2]]
    X = np.vstack([_unit(c + 0.01 * rng.standard_normal((200, 8))) for c in centres])
    X = X.astype(np.float32)
    nobody = np.zeros((len(X), 1), dtype=bool)
    plain = grouping.group(X, np.ones(len(X)), P, random_state=0, named=nobody)
    worded = grouping.group(
        X, np.ones(len(X)), P, random_state=0, named=nobody, worded=np.array([True])
    )
    assert (worded.concern == -1).all()
    np.testing.assert_array_equal(plain.labels, worded.labels)
    with pytest.raises(ValueError, match="one flag per concern"):
        grouping._match(exact.to_grid(X), exact.to_grid(_unit(axes[:2])), worded=np.array([True]))


def test_without_terms_named_changes_nothing():
    X, _, P = _toy(seed=5)
    everything = np.ones((len(X), len(P)), dtype=bool)
    a = grouping.group(X, np.ones(len(X)), P, random_state=0)
    b = grouping.group(X, np.ones(len(X)), P, random_state=0, named=everything)
    for field in ("labels", "sub", "secondary", "concern"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))


@pytest.mark.parametrize(
    ("term", "found", "missed"),
    [
        ("job", ["Job loss", "my job.", "JOB"], ["jobs", "jobless", "a hobjob"]),
        ("employ*", ["employment", "Employees", "employ"], ["unemployment"]),
        ("lay off", ["lay off", "lay-off", "lay  off", "Lay-Off"], ["layoff", "lay offs"]),
        ("double-check*", ["double-check", "double checking", "doublechecks"], ["double"]),
        ("doesn't work", ["doesn't work", "doesn’t work", "doesnt work"], ["does not work"]),
        ("data centre*", ["data centres", "data-centre"], ["datacentre"]),
    ],
)
def test_terms_match_whole_words_with_their_endings(term, found, missed):
    concern = Concern(id="a", label="A", description="d", examples=("e",), terms=(term,))
    assert named([concern], found).all()
    assert not named([concern], missed).any()


_LETTERS = st.text(alphabet="abé1", min_size=1, max_size=3)
_WORDS = st.lists(_LETTERS, min_size=1, max_size=3).map(lambda parts: "-".join(parts)) | st.builds(
    lambda a, b: f"{a}'{b}", _LETTERS, _LETTERS
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_WORDS, st.booleans()), min_size=1, max_size=4))
def test_no_accepted_term_puts_two_separators_side_by_side(words):
    """Two optional or repeated separator classes in a row let Python's matcher backtrack
    exponentially on a run of spaces or dashes (a review: 10 s for "a - - - b"); every term
    the validation accepts compiles to an expression without that, and still finds itself."""
    term = " ".join(w + ("*" if star else "") for w, star in words)
    concern = Concern(id="a", label="A", description="d", examples=("e",), terms=(term,))
    pattern = concern.pattern()
    assert pattern is not None
    side_by_side = re.compile(r"\][?+]\[")
    assert side_by_side.search("a[\\s-]?[\\s-]+b")  # the shape the old grammar allowed
    assert not side_by_side.search(pattern.pattern), pattern.pattern
    assert named([concern], [term.replace("*", "") + " x"]).all()
    assert named([concern], [term.replace("*", "").upper()]).all()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(_WORDS.map(lambda w: w.capitalize()) | _WORDS, min_size=1, max_size=6),
    st.lists(_LETTERS | _WORDS | st.sampled_from([" ", "-", ", ", "  "]), max_size=12),
)
def test_one_expression_finds_what_each_term_finds_alone(terms, parts):
    """``pattern`` groups the terms by first letter; it must find exactly what searching for
    each term on its own finds."""
    text = "".join(parts) + " " + " ".join(terms[:2])
    together = Concern(id="a", label="A", description="d", examples=("e",), terms=tuple(terms))
    alone = [
        Concern(id="a", label="A", description="d", examples=("e",), terms=(t,)) for t in terms
    ]
    for probe in (text, text.upper(), "".join(parts)):
        found = named([together], [probe])[0, 0]
        assert found == any(named([c], [probe])[0, 0] for c in alone)


def test_terms_are_optional_and_checked():
    bare = Concern(id="a", label="A", description="d", examples=("e",))
    assert bare.pattern() is None and named([bare], ["anything"]).all()
    spaced = Concern(id="a", label="A", description="d", examples=("e",), terms=("  lay   off ",))
    assert spaced.terms == ("lay off",)
    for bad in ("a|b", "(job)", "jo*b", "*job", "", "-", "'*", "a - - b", "a--b", "-job", "job-"):
        with pytest.raises(ValueError):
            Concern(id="a", label="A", description="d", examples=("e",), terms=(bad,))
    cb = default_codebook()
    assert all(c.terms for c in cb.concerns)
    assert load_codebook(dump_codebook(cb)) == cb  # terms survive the settings file
    # the codebook's own examples name their concern (a typo in a term would drop them)
    for c in cb.concerns:
        assert named([c], list(c.examples)).any(), c.id


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**16), st.integers(1, 4), st.floats(0.3, 1.5))
def test_background_phrasings_only_ever_take_comments_out_of_concerns(seed, n_bg, pull):
    X, _, P = _toy(seed=seed % 7)
    rng = np.random.default_rng(seed)
    # background phrasings near the concerns' side of the space, so they do compete
    B = _unit(pull * P[rng.integers(0, len(P), n_bg)] + rng.standard_normal((n_bg, 8)))
    plain = grouping.group(X, np.ones(len(X)), P, random_state=0)
    g = grouping.group(X, np.ones(len(X)), P, background=B, random_state=0)
    was, now = plain.concern[plain.labels], g.concern[g.labels]
    assert ((now == -1) | (now == was)).all()
    # a secondary concern can only be lost, never gained or changed
    sec_was = np.where(plain.secondary >= 0, plain.concern[plain.secondary], -1)
    sec_now = np.where(g.secondary >= 0, g.concern[g.secondary], -1)
    assert ((sec_now == -1) | (sec_now == sec_was)).all()


def test_a_secondary_concern_must_beat_the_background_too():
    axes = np.eye(8)
    P = _unit(axes[:2])
    # close to both concerns (cosines 0.58 and 0.57), closer to the background (0.58 + 0.01)
    x = _unit(np.array([[0.58, 0.57, 0, 0, 0.59, 0, 0, 0]]))
    m = grouping._match(exact.to_grid(x), exact.to_grid(P))
    first, second = m.first, m.second
    assert (first[0], second[0]) == (0, 1)
    B = _unit(axes[4:5])
    m = grouping._match(exact.to_grid(x), exact.to_grid(P), exact.to_grid(B))
    first, second = m.first, m.second
    assert (first[0], second[0]) == (-1, -1)
    near = _unit(np.array([[0.60, 0.59, 0, 0, 0.595, 0, 0, 0]]))  # beats it first, not second
    m = grouping._match(exact.to_grid(near), exact.to_grid(P), exact.to_grid(B))
    first, second = m.first, m.second
    assert (first[0], second[0]) == (0, -1)


@needs_model
def test_every_example_that_joined_its_concern_still_does_with_the_background():
    cb = default_codebook()
    model = ThemeModel(codebook=cb, engine="semantic")
    model._embedded = {}
    P = exact.to_grid(model._concern_vectors(cb, {}))
    B = exact.to_grid(model._background_vectors(cb, {}))
    texts = [e for c in cb.concerns for e in c.examples]
    owner = np.repeat(np.arange(len(cb.concerns)), [len(c.examples) for c in cb.concerns])
    X = exact.to_grid(embeddings.encode(texts))
    plain = grouping._match(X, P).first
    with_bg = grouping._match(X, P, B).first
    assert (plain == owner).sum() >= 0.9 * len(texts)
    assert ((plain == owner) <= (with_bg == owner)).all()


def test_a_codebook_that_matches_nothing_leaves_discovery_to_carry_it():
    X, _, _ = _toy()
    far = _unit(np.eye(8)[6:8])
    g = grouping.group(X, np.ones(len(X)), far, lo=1, hi=12, random_state=0)
    assert (g.concern == -1).all()
    plain = grouping.group(X, np.ones(len(X)), np.zeros((0, 8)), lo=1, hi=12, random_state=0)
    np.testing.assert_array_equal(g.labels, plain.labels)


def test_secondary_theme_when_two_concerns_are_equally_close():
    X, _, P = _toy()
    both = _unit((P[0] + P[1])[None, :])
    X2 = np.vstack([X, np.repeat(both, 3, axis=0)]).astype(np.float32)
    g = grouping.group(X2, np.ones(len(X2)), P, lo=1, hi=12, random_state=0)
    tail = slice(len(X), len(X2))
    assert (g.secondary[tail] >= 0).all()
    assert (g.secondary[tail] != g.labels[tail]).all()
    assert set(g.concern[g.secondary[tail]]) | set(g.concern[g.labels[tail]]) == {0, 1}
    assert (g.secondary[: len(X)] == -1).all()


def test_sub_themes_split_a_theme_with_two_parts_and_nest_in_it():
    rng = np.random.default_rng(1)
    e = np.eye(6)
    a = e[3] + 0.05 * rng.standard_normal((60, 6))
    b1 = e[0] + 0.6 * e[1] + 0.05 * rng.standard_normal((40, 6))
    b2 = e[0] - 0.6 * e[1] + 0.05 * rng.standard_normal((40, 6))
    X = _unit(np.vstack([a, b1, b2])).astype(np.float32)
    g = grouping.group(X, np.ones(len(X)), np.zeros((0, 6)), n_themes=2, random_state=0)
    theme_b = g.labels[60]
    assert (g.labels[60:] == theme_b).all() and (g.labels[:60] != theme_b).all()
    assert theme_b in set(g.parent)
    assert g.sub[60] != g.sub[100]  # the two parts are different sub-themes
    for s, parent in enumerate(g.parent):
        assert (g.labels[g.sub == s] == parent).all()
    # new rows of each part take a sub-theme of that part (grouping.assign)
    fresh = _unit(np.vstack([b1[:5], b2[:5]]) + 0.01).astype(np.float32)
    labels, sub, _ = grouping.assign(fresh, np.zeros((0, 6)), g)
    assert (labels == theme_b).all()
    assert set(sub[:5]) <= set(g.sub[60:100]) and set(sub[5:]) <= set(g.sub[100:140])


@given(st.integers(0, 2**16))
def test_grouping_unchanged_by_noise_of_1e6(seed):
    X, _, P = _toy(seed=3)
    noise = np.random.default_rng(seed).uniform(-1e-6, 1e-6, X.shape)
    a = grouping.group(X, np.ones(len(X)), P, random_state=0)
    b = grouping.group((X + noise).astype(np.float32), np.ones(len(X)), P, random_state=0)
    np.testing.assert_array_equal(a.labels, b.labels)
    np.testing.assert_array_equal(a.sub, b.sub)
    np.testing.assert_array_equal(a.secondary, b.secondary)


# --- labels and quotes -----------------------------------------------------------------------


def test_keyphrase_labels_are_phrases_not_stray_words_and_unique():
    docs = [
        [("the graduation process is slow", 3), ("graduation process criteria", 2), ("hi", 1)],
        [("project booths at kubecon", 2), ("more project booths please", 2)],
        [("graduation process again", 2), ("graduation process documents", 2)],
    ]
    cands = describe.keyphrases(docs)
    assert cands[0][0] == "graduation process"
    assert cands[1][0] == "project booths"
    labels = describe.unique_labels(cands, taken=["Job security"])
    assert len(set(labels)) == 3 and labels[0] == "graduation process"
    for label in labels:
        assert not set(label.split()) & SENTIMENT_WORDS
    assert describe.unique_labels([["pay"], ["pay"]]) == ["pay", "pay (2)"]


def test_a_label_names_something():
    """Sub-theme labels of the real AI-worry answers ended in a noun that names nothing."""
    assert not describe.names_a_thing("deepfakes for example")
    assert not describe.names_a_thing("reality in areas")
    assert not describe.names_a_thing("example")
    assert describe.names_a_thing("identity theft") and describe.names_a_thing("practical examples")
    # a review of the rule: these name something; and case or an empty phrase do not matter
    for kept in ("lack of examples", "code and examples", "need for examples"):
        assert describe.names_a_thing(kept), kept
    assert not describe.names_a_thing("Deepfakes For Example") and not describe.names_a_thing("")


def test_keyphrase_scores_are_integers_and_exact_ties_go_alphabetically():
    # "pension" and "payroll" occur in the same comments: equal scores, alphabetical order
    docs = [[("payroll and pension", 3), ("pension, payroll", 2)], [("canteen food", 2)]]
    # (the longer phrase "payroll and pension" is first, by its length bonus)
    assert describe.keyphrases(docs, top=10)[0][:3] == ["payroll and pension", "payroll", "pension"]
    score = describe._grid_score(0.5, 0.25, 1.5)
    assert isinstance(score, int) and score == round(0.5 * np.log(3.0) * 1.5 * 2**32)


def test_keyphrases_stop_at_punctuation():
    # A ticked list ("Events, Meetups") is two topics, not the phrase "events meetups".
    grams = describe._ngrams("Events, Meetups (blog/twitter) - webinars; face to face", {})
    assert {"events", "meetups", "blog", "twitter", "webinars", "face to face"} <= grams
    assert not {"events meetups", "meetups blog", "blog twitter", "twitter webinars"} & grams
    docs = [[("Events, meetups", 3), ("events, meetups, swag", 2)], [("docs and website", 3)]]
    assert "events meetups" not in describe.keyphrases(docs, top=10)[0]


def test_keyphrase_labels_name_a_thing_not_an_act_or_quality():
    # Real staff answers of one discovered theme (workplace_feedback dev): the old label was
    # "reasonable"; a verb or adjective never names a theme, an unknown name ("kubecon") can.
    docs = [
        [("They seem reasonable", 3), ("Requirements are reasonable", 2), ("reasonable", 2)],
        [("we will continue", 3), ("continue the support", 2), ("support at kubecon", 2)],
    ]
    cands = describe.keyphrases(docs, top=10)
    assert "reasonable" not in cands[0] and cands[0][0] == "requirements"
    assert "continue" not in cands[1] and cands[1][0] in {"support", "kubecon"}


def test_closest_first_reorders_only_the_top_candidates_by_cosine():
    cands = ["read", "information", "research", "articles", "answer", "papers"]
    centre = np.eye(4)[0]
    V = _unit(np.array([[0.3, 1, 0, 0], [0.4, 0, 1, 0], [1, 0.2, 0, 0], [0.4, 0, 0, 1],
                        [0.1, 1, 1, 0], [1, 0, 0, 0]], float))  # fmt: skip
    out = describe.closest_first(cands, V, centre)
    # "papers" (6th) is closest of all but outside the first RERANK_TOP: it stays last
    assert out == ["research", "information", "articles", "read", "answer", "papers"]
    tie = describe.closest_first(["b", "a"], _unit(np.ones((2, 4))), centre)
    assert tie == ["b", "a"]  # equal cosines keep the c-TF-IDF order
    assert describe.closest_first(["only"], V[:1], centre) == ["only"]


def test_quotes_are_central_and_different():
    rng = np.random.default_rng(0)
    centre = np.eye(4)[0]
    dup = _unit(np.tile(centre + 0.01, (5, 1)))  # five near-copies of one comment
    others = _unit(centre + 0.5 * rng.standard_normal((10, 4)))
    E = np.vstack([dup, others])
    picks = describe.representatives(E, centre)
    assert len(picks) == 3
    assert sum(p < 5 for p in picks) == 1  # one of the near-copies, not three


# --- the estimator ---------------------------------------------------------------------------

AI = [
    "I am worried AI will take my job and I will be laid off.",
    "AI will replace a lot of jobs in my field.",
    "Companies are cutting staff and using AI instead of people.",
    "I fear being replaced by automation within five years.",
    "The AI makes mistakes and I have to double-check every answer.",
    "It hallucinated references that do not exist.",
    "I can't trust the output because it is often wrong.",
    "We never get told what management plans to do with AI.",
    "Leadership should explain the AI rollout and consult staff.",
    "Our car park is always full in the morning.",
    "The parking spaces near the office are too few.",
    "Please add more bike racks and parking near the entrance.",
    "The canteen food is cold and the menu is the same every week.",
    "Lunch options in the cafeteria need more variety.",
]


@needs_model
def test_model_guided_labels_use_concern_names_and_refit_reuses_embeddings():
    texts = AI * 2
    model = ThemeModel(random_state=0, engine="semantic", codebook=default_codebook()).fit(texts)
    label_of = dict(zip(model.themes_["theme"], model.themes_["label"], strict=True))
    assert label_of[model.labels_[0]] == "Job security and livelihoods"
    assert model.kinds_[model.labels_[0]] == "guided"
    assert model.kinds_[model.labels_[10]] == "discovered"  # parking: no AI concern
    assert model.themes_["label"].is_unique
    table = theme_table(model, texts)
    assert set(table["kind"]) == {"guided", "discovered"}

    embed = embeddings.encode
    phrases: list[str] = []
    # comments are embedded sentence by sentence (analysis.comment_vectors)
    sentences = {s for t in texts for s in split_sentences(t) or [t]}

    def phrases_only(batch, *a, **k):
        # a refit embeds no comment again; only a new theme's label candidates, once each
        batch = list(batch)
        assert not set(batch) & (set(texts) | sentences), "refit must not embed a comment again"
        assert not set(batch) & set(phrases), "a label candidate was embedded twice"
        phrases.extend(batch)
        return embed(batch, *a, **k)

    with mock.patch.object(embeddings, "encode", phrases_only):
        more = model.refit(texts, granularity=1.0)
        fewer = model.refit(texts, granularity=-2.0)
        more.refit(texts, granularity=1.0)
    assert all(len(p.split()) <= describe.MAX_N for p in phrases)
    assert more.granularity == 1.0 and len(more.labels_) == len(texts)
    assert fewer.n_themes_ <= model.n_themes_ <= more.n_themes_
    np.testing.assert_array_equal(model.refit(texts).labels_, model.labels_)
    with pytest.raises(ValueError, match="granularity"):
        ThemeModel(granularity=5).fit(texts)


@needs_model
def test_wider_ai_worries_get_their_own_concerns():
    """Issue 15: answers to "what worries you about AI" mixed misinformation, environment and
    power into one theme. Written sentences (a smoke test; the real-data figures are in
    evals/themes_real.py): each worry, three ways, joins its own concern."""
    worries = {
        "Misinformation and fakes": [
            "Fake videos and voices will fool people.",
            "Nobody will be able to tell what is real online any more.",
            "AI generated propaganda and fake news spreading everywhere.",
        ],
        "Environmental cost": [
            "The electricity and water these data centres use is frightening.",
            "AI is terrible for the climate with all that energy.",
            "Its carbon footprint and energy consumption.",
        ],
        "Power and control": [
            "A handful of tech billionaires will own all of it.",
            "Governments using it to watch and control citizens.",
            "Machines becoming smarter than us and out of our control.",
        ],
    }
    texts = [t for group in worries.values() for t in group]
    model = ThemeModel(random_state=0, engine="semantic", codebook=default_codebook()).fit(texts)
    label_of = dict(zip(model.themes_["theme"], model.themes_["label"], strict=True))
    got = [label_of[t] for t in model.labels_]
    want = [label for label, group in worries.items() for _ in group]
    pairs = list(zip(texts, got, strict=True))
    assert sum(g == w for g, w in zip(got, want, strict=True)) >= 8, pairs


@needs_model
def test_guided_sample_themes_unchanged_by_noise_of_1e6(root):
    """The pipeline's setting (built-in codebook) on the sample survey: 1e-6 noise in every
    embedding, as another processor's rounding, moves no theme, sub-theme or label."""
    import hashlib

    import pandas as pd

    df = pd.read_csv(root / "sample_data" / "ai_pulse_qualtrics.csv", skiprows=[1, 2], dtype=str)
    texts = pd.concat([df[c] for c in ("OQ1", "OQ2", "OQ3")]).dropna().tolist()
    clean = embeddings.encode

    def noisy(batch, **kw):
        X = clean(batch, **kw)
        if not len(X):
            return X
        keys = [int.from_bytes(hashlib.sha256(r.tobytes()).digest()[:8], "little") for r in X]
        noise = np.stack([np.random.default_rng(k).uniform(-1e-6, 1e-6, X.shape[1]) for k in keys])
        return (X + noise).astype(np.float32)

    params = {"random_state": 0, "engine": "semantic", "codebook": default_codebook()}
    base = ThemeModel(**params).fit(texts)
    with mock.patch.object(embeddings, "encode", noisy):
        again = ThemeModel(**params).fit(texts)
    np.testing.assert_array_equal(again.labels_, base.labels_)
    np.testing.assert_array_equal(again.sublabels_, base.sublabels_)
    np.testing.assert_array_equal(again.secondary_, base.secondary_)
    pd.testing.assert_frame_equal(again.themes_, base.themes_)
    assert "guided" in base.kinds_.values()  # an AI survey: some comments match a concern
