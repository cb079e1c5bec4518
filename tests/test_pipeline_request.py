"""ViewRequest (one view, normalised once) and the one per-upload ViewCache."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from analysis import pipeline
from analysis.pipeline import ViewCache, ViewRequest
from analysis.privacy import PrivacyPolicy

AGREE = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]
MAPPING = """
team: Team
role: Role
items:
  Q1: {construct: trust_in_ai, scale: agree5}
  Q2: {construct: trust_in_ai, scale: agree5}
  Q3: {construct: fear_of_displacement, scale: agree5}
"""


@pytest.fixture(scope="module")
def prep() -> pipeline.Prepared:
    rng = np.random.default_rng(3)
    n = 120
    frame = pd.DataFrame(
        {
            "Team": rng.choice(["Sales", "Ops", "Support"], n),
            "Role": rng.choice(["Manager", "Staff"], n),
            **{q: rng.choice(AGREE, n) for q in ("Q1", "Q2", "Q3")},
        }
    )
    export, colmap = pipeline.load(
        frame.to_csv(index=False).encode(), "v.csv", mapping_yaml=MAPPING
    )
    return pipeline.prepare(export, colmap, n_boot=20)


def test_build_normalises_grouping_and_filters_once(prep):
    req = ViewRequest.build(prep, by=["team", "ROLE", "Team"], filters={"role": ["Staff", "Staff"]})
    assert req.by == ("Team", "Role")
    assert req.filters == (("Role", ("Staff",)),)
    assert req.policy == PrivacyPolicy()
    assert ViewRequest.build(prep).by == ("Team",)  # None: the team column
    assert ViewRequest.build(prep, by=()).by == ()
    with pytest.raises(ValueError, match="Choose from 'Team', 'Role'"):
        ViewRequest.build(prep, by="Location")


def test_request_is_frozen_hashable_and_equal_for_equal_views(prep):
    a = ViewRequest.build(prep, by="team", theme_names={0: "Jobs"}, theme_merges={2: 1})
    b = ViewRequest.build(prep, by=["Team"], theme_names={0: "Jobs"}, theme_merges={2: 1})
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.by = ("Role",)  # type: ignore[misc]
    assert a.filter_key == ()
    order = ViewRequest.build(prep, filters={"Team": ["Sales", "Ops"]})
    assert (
        order.filter_key == ViewRequest.build(prep, filters={"team": ["Ops", "Sales"]}).filter_key
    )


def test_shown_masks_round_trip(prep):
    n = len(prep.scored.groups)
    masks = [np.arange(n) % 3 == 0, np.arange(n) < 50]
    req = ViewRequest.build(prep, shown_filters=masks)
    assert all(isinstance(b, bytes) for b in req.shown)
    for got, want in zip(req.shown_masks(n), masks, strict=True):
        assert got.dtype == bool and np.array_equal(got, want)


def test_analyze_with_a_request_equals_the_old_keywords(prep):
    kw = {"by": ["team"], "filters": {"Role": ["Staff"]}, "policy": PrivacyPolicy(min_group=6)}
    old = pipeline.analyze(prep, **kw)
    new = pipeline.analyze(prep, view=ViewRequest.build(prep, **kw))
    assert old.by == new.by == ("Team",) and old.filters == new.filters == {"Role": ["Staff"]}
    assert new.policy.min_group == 6
    for name in ("org", "groups", "items", "org_items", "likert", "comment_groups"):
        pd.testing.assert_frame_equal(getattr(old, name), getattr(new, name), obj=name)
    assert old.to_dict() == new.to_dict()


def test_prepared_is_frozen_and_its_cache_belongs_to_it(prep):
    with pytest.raises(dataclasses.FrozenInstanceError):
        prep.scored = prep.scored  # type: ignore[misc]
    pipeline.analyze(prep, by="team", filters={"Role": ["Staff"]})
    assert "filtered" in repr(prep.views)
    copy = dataclasses.replace(prep, source_name="other.csv")
    assert copy.views is not prep.views and repr(copy.views) == "ViewCache()"


def test_view_cache_keeps_the_last_few_per_stage():
    cache, made = ViewCache(), []

    def make(k):
        return lambda: made.append(k) or k

    for k in range(ViewCache.SIZE + 1):
        assert cache.get("stage", k, make(k)) == k
    assert cache.get("stage", ViewCache.SIZE, make("again")) == ViewCache.SIZE  # cached
    cache.get("stage", 0, make(0))  # the oldest was dropped: made again
    cache.get("other", 0, make("other"))  # stages do not share entries
    assert made == [*range(ViewCache.SIZE + 1), 0, "other"]


def test_view_cache_keeps_at_most_its_rows_per_stage_and_always_the_newest(monkeypatch):
    monkeypatch.setattr(ViewCache, "ROWS", 10)
    cache, made = ViewCache(), []

    def make(k):
        return lambda: made.append(k) or k

    cache.get("big", "a", make("a"), weight=lambda v: 4)
    cache.get("big", "b", make("b"), weight=lambda v: 6)  # 10 rows: both kept
    cache.get("big", "a", make("a again"))
    cache.get("big", "c", make("c"), weight=lambda v: 3)  # 13: the oldest (a) goes
    cache.get("big", "b", make("b again"))
    cache.get("big", "huge", make("huge"), weight=lambda v: 50)  # alone over: kept alone
    cache.get("big", "huge", make("huge again"))
    cache.get("big", "c", make("c again"))
    cache.get("small", "x", make("x"))  # unweighted stages: only the count applies
    assert made == ["a", "b", "c", "huge", "c again", "x"]
    assert repr(cache) == "ViewCache(big: 1, small: 1)"


@pytest.fixture(scope="module")
def sample() -> tuple:
    """The sample survey's rated questions (no comments: nothing to embed)."""
    from sample_data.generate import generate_responses, qualtrics_csv

    frame = generate_responses(n=300, seed=11)
    frame.loc[:, [c for c in frame.columns if str(c).startswith("OQ")]] = None
    export, colmap = pipeline.load(qualtrics_csv(frame), "s.csv")
    return export, colmap, pipeline.prepare(export, colmap)  # default bootstrap, like the view


def test_a_chosen_outcome_weighs_the_flags_and_fills_the_drivers(sample) -> None:
    """The app's outcome choice reaches the core: its drivers weigh the flags' priorities, head
    the item drivers and fill Results.drivers, exactly as a prepare given that outcome (the
    CLI's --outcome) would."""
    from analysis.drivers import OutcomeError

    export, colmap, prep = sample
    assert ViewRequest.build(prep, outcome="change_readiness").outcome is None  # its own
    assert ViewRequest.build(prep, outcome="Trust in AI tools").outcome == "trust_in_ai"
    with pytest.raises(OutcomeError, match="Choose one of"):
        ViewRequest.build(prep, outcome="Q1")
    own = pipeline.analyze(prep, by="team")
    trust = pipeline.analyze(prep, by="team", outcome="trust_in_ai")  # concept = id here
    assert set(trust.drivers["outcome"]) == set(trust.item_drivers["outcome"]) == {"trust_in_ai"}
    assert set(own.item_drivers["outcome"]) == {"change_readiness"}

    def flagged(res) -> list:
        return sorted((f.group_label, tuple(f.constructs)) for f in res.flags)

    assert flagged(trust) == flagged(own)  # the screen does not depend on the outcome
    assert [f.priority for f in trust.flags] != [f.priority for f in own.flags]
    direct = pipeline.prepare(export, colmap, outcome="trust_in_ai")
    by_cli = pipeline.analyze(direct, by="team")
    assert [(f.group_label, f.priority) for f in by_cli.flags] == [
        (f.group_label, f.priority) for f in trust.flags
    ]
    pd.testing.assert_frame_equal(by_cli.drivers, trust.drivers)


def test_a_crossing_of_three_columns_into_mostly_small_groups_is_refused() -> None:
    """Team × role × location on the sample made 433 groups of 2.8 people on average;
    protecting them took over ten minutes to show almost nothing. Such a crossing is refused
    at once with a sentence that says why, also at a minimum group size of 3 (a review: at 3,
    team × tenure × location ran over eleven minutes and reached 20 GB); two-column crossings
    are still served, and so is a three-column one whose groups are mostly 5 people or more."""
    from analysis.privacy import PrivacyError

    rng = np.random.default_rng(5)
    n = 400
    frame = pd.DataFrame(
        {
            "Team": rng.choice([f"T{i}" for i in range(8)], n),
            "Role": rng.choice(["Manager", "Staff", "Lead"], n),
            "Location": rng.choice(["North", "South", "East", "West"], n),
            "Site": rng.choice(["Head office", "Plant"], n),
            **{q: rng.choice(AGREE, n) for q in ("Q1", "Q2", "Q3")},
        }
    )
    export, colmap = pipeline.load(
        frame.to_csv(index=False).encode(), "v.csv", mapping_yaml=MAPPING
    )
    fine = pipeline.prepare(export, colmap, n_boot=0)
    with pytest.raises(PrivacyError, match=r"Team × Role × Location make \d+ groups, and \d+ of"):
        ViewRequest.build(fine, by=["team", "role", "Location"])
    assert ViewRequest.build(fine, by=["team", "Location"]).by == ("Team", "Location")
    with pytest.raises(PrivacyError, match="fewer than 5 people"):
        ViewRequest.build(fine, by=["team", "role", "Location"], policy=PrivacyPolicy(min_group=3))
    coarse = PrivacyPolicy(min_group=3)
    req = ViewRequest.build(fine, by=["role", "Location", "Site"], policy=coarse)
    assert req.by == ("Role", "Location", "Site")  # 24 groups of about 17 people
