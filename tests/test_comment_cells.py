"""Which cells of which crossings may show comments, on small hand-made surveys
(``analysis.pipeline.comment_cells``): the joint audit across crossings and the margins."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from analysis.pipeline import comment_cells
from analysis.pipeline.request import ViewCache
from analysis.privacy import PrivacyPolicy


class Survey:
    """What comment_cells reads of a prepared upload: one analysed comment per person."""

    def __init__(self, cells: list[tuple[tuple[str, ...], int]], cols: list[str]) -> None:
        rows = [dict(zip(cols, values, strict=True)) for values, n in cells for _ in range(n)]
        self.comments = pd.DataFrame(rows, columns=cols)
        self.comments["respondent"] = range(len(rows))
        self.comments["analysed"] = True
        self.grouping_columns = list(cols)
        self.views = ViewCache()

    def crossing_order(self, cols: Iterable[str]) -> list[str]:
        used = set(cols)
        return [c for c in self.grouping_columns if c in used]


def test_two_two_column_crossings_read_together_show_no_small_cell() -> None:
    """A twelfth review: role R at L2 is only team T's, so T × R (12 comments) minus R × L2
    (10) was T × R × L: two people's comments, every one- and two-column cell being shown.
    Hiding the crossings of three columns does not help; two-column crossings show none."""
    cells = [
        (("T", "R", "L"), 2), (("T", "R", "L2"), 10), (("T", "R2", "L"), 10),
        (("T", "R2", "L2"), 10), (("U", "R", "L"), 10), (("U", "R2", "L"), 10),
        (("U", "R2", "L2"), 10),
    ]  # fmt: skip
    survey = Survey(cells, ["Team", "Role", "Loc"])
    policy = PrivacyPolicy(min_group=3, min_comments=5)
    assert comment_cells.crossing_limit(survey, policy) == 1
    for pair in (["Team", "Role"], ["Role", "Loc"], ["Team", "Loc"]):
        assert not comment_cells.allowed_cells(survey, pair, policy).any(), pair


def test_a_cell_pinned_through_other_groups_hides_one_of_them() -> None:
    """A twelfth review: teams A and B and roles X and Y hidden, team C (10), role Z (10) and
    the whole survey (22) shown: the survey minus C minus Z was A × X, two people's comments,
    and the margins check gave up because neither of that cell's own groups was shown. The
    smallest shown group whose hiding frees it now hides."""
    cells = [(("A", "X"), 2), (("A", "Z"), 5), (("B", "Z"), 5), (("C", "X"), 5), (("C", "Y"), 5)]
    survey = Survey(cells, ["Team", "Role"])
    policy = PrivacyPolicy(min_group=3, min_comments=10)
    hidden = comment_cells.margin_hidden(survey, policy)
    assert hidden["Team"] == {"C"} and not hidden["Role"]
    teams = comment_cells.allowed_cells(survey, ["Team"], policy)
    assert not teams.any()


def test_a_survey_whose_crossings_hold_shows_them() -> None:
    """Large cells everywhere: nothing pinned, every crossing may show."""
    cells = [((t, r, loc), 12) for t in "TU" for r in "RS" for loc in "LM"]
    survey = Survey(cells, ["Team", "Role", "Loc"])
    policy = PrivacyPolicy(min_group=3, min_comments=5)
    assert comment_cells.crossing_limit(survey, policy) == 3
    assert comment_cells.allowed_cells(survey, ["Team", "Role", "Loc"], policy).all()


def test_too_many_columns_for_the_joint_audit_still_read_two_column_crossings_together() -> None:
    """A thirteenth review: a fifth grouping column (even one with a single value) put the
    survey past the joint audit's bound, and the fallback let Team × Role and Role × Loc show
    again, giving the two people's comments back. The two-column crossings are now read
    together three columns at a time."""
    cells = [
        (("T", "R", "L", "x", "y"), 2), (("T", "R", "L2", "x", "y"), 10),
        (("T", "R2", "L", "x", "y"), 10), (("T", "R2", "L2", "x", "y"), 10),
        (("U", "R", "L", "x", "y"), 10), (("U", "R2", "L", "x", "y"), 10),
        (("U", "R2", "L2", "x", "y"), 10),
    ]  # fmt: skip
    survey = Survey(cells, ["Team", "Role", "Loc", "Site", "Band"])
    policy = PrivacyPolicy(min_group=3, min_comments=5)
    assert comment_cells.crossing_limit(survey, policy) == 1
    assert not comment_cells.allowed_cells(survey, ["Team", "Role"], policy).any()


def test_a_missing_grouping_value_stays_in_the_whole_surveys_total() -> None:
    """A missing team is counted as "(no answer)", as the views label it, not dropped from the
    cells (the whole survey's total had left those people out)."""
    cells = [((t, "Y"), 10) for t in "ABC"] + [((None, "Y"), 2)]
    survey = Survey(cells, ["Team", "Role"])
    policy = PrivacyPolicy(min_group=3, min_comments=5)
    teams = comment_cells.allowed_cells(survey, ["Team"], policy)
    assert ("(no answer)",) in teams.index and not teams[("(no answer)",)]
    assert int(teams.sum()) <= 2  # the complement hides one more team
