"""Confidentiality: the one place that decides which group numbers may be shown.

Every group table (scores, items, eNPS, response rates) passes through :func:`protect_groups`
before it leaves :mod:`analysis.scoring`; filters pass through :func:`check_filter`; comments
through :func:`comment_visibility`. Nothing else in the code base decides visibility. A
group's comments need ``min_comments`` comments by ``min_group`` distinct commenters
(:func:`commenters_per_group`), not merely ``min_group`` members.

Rules
-----
* **Minimum group size** (primary suppression): a row resting on fewer than
  ``policy.min_group`` responses is hidden.
* **Complementary suppression**: group tables add up. Counts, sums (n × mean), sums of squares
  (recoverable from the CI) and favourable counts of the groups at one level sum to their
  parent's. A hidden group can therefore be worked out by subtraction when its value is fixed
  by those sums and the visible numbers. We model every published number as a linear
  equation (``parent = Σ children``) and hide additional rows until no group under the
  minimum is determined by the system (null-space test). A group with no responses at all is
  shown as hidden but treated as known: there is nothing to protect, and it shields nobody.
  For one grouping level this is the classic rule "0 or at least 2 hidden groups per level".
  For crossed groupings (team × role) the system contains every margin (each team's and each
  role's total as its own table shows it, computed by running the same protection on that
  margin) and the organisation total. A hidden cell must stay undetermined given all of them:
  any row or column holding a hidden small cell then has a second hidden cell unless its
  margin is hidden too, and subtler recoveries (a chain of pairs linked through one cell) are
  ruled out as well. For nested groupings (division › team) the parents are the prefixes of
  the hierarchy. Extra rows to hide are chosen smallest first (ties by group name), preferring
  one that resolves the exposure on its own.
* **Refusal**: when the margins alone would give a small group away once the table reveals
  which combinations exist (team A is all role x, so role x minus team A is the rest of role
  x), no amount of hiding cells helps and the grouping is refused with :class:`PrivacyError`.
* **Suppressed rows** carry NaN/NA in every field except the group keys, block keys and
  descriptive labels, ``suppressed=True`` and a reason sentence.
* **Filters**: a filtered subset or its remainder under the minimum is refused, and so is a
  subset that differs from a set already shown by fewer than ``min_group`` people.
* **Filtered views, group by group** (see Notes): every row of a filtered view is compared with
  the same row in the unfiltered data and in every filtered view already shown, and hidden
  when the two rest on sets of people that differ by 1..min_group−1.
* **Release ledger, across groupings** (:mod:`analysis.privacy.ledger`): every table is also
  protected against every set in the ledger (each group of each single grouping column, shown
  or not, and the filters shown): no union of its visible rows and of the hidden totals a
  reader can work out comes within 1..min−1 people of such a set. Rows that would are hidden
  (:func:`reason_ledger`), with complements. Per set R, the closest union differs from R by
  Σ min(|g \\ R|, |g ∩ R|) over the visible rows g plus the same over each known hidden total;
  that distance must be 0 or at least the minimum.
* **Items with constructs**: a construct score is the mean of the items a person answered, so
  a group's construct sum and its item sums solve for the people who answered only some of
  the items. Item rows carry that count (``skips``), held to the rule ``n`` is held to
  (:func:`reason_skipped`); where crossed margins make that impossible the item's rows are
  all withheld in that table instead of refusing the grouping.
* **Minimums nest**: cells are protected at :data:`FLOOR` (3) first and then at each higher
  minimum starting from the cells already hidden, so a table at minimum 6 hides a superset of
  what it hides at 5: two releases at different minimums together show only what the lower
  one shows.

Notes
-----
Attacker model. Every number shown rests on an exact set of respondents (the filter ∧ the
group ∧ has a value for the measure); a reader learns about a handful of people when a shown
set is under the minimum, or when two shown sets of the same measure differ by 1..min−1
people (n and n × mean of the two give the count and total of the difference), or when sums
of shown rows pin down such a set.

Rule for filters. Any grouping may always be shown unfiltered (its tables protect themselves).
The app and the callers keep, per dataset and viewer and *not* per threshold, the masks of the
filtered views already shown (``shown_filters``). For a filtered view with mask F and every
reference S in {everyone} ∪ shown_filters (:func:`differences`), each row g of every table the
view shows (the org row, each group or crossed cell, every level of a nested grouping, item
and eNPS rows) carries the count |g ∩ (F Δ S) ∩ has-a-value| as an ``exposure`` column, held
to the rule n is held to: it must be 0 or at least min_group, for the row and for any total of
hidden rows a reader can work out (the same linear-system test, so one hidden row is not given
away by the filtered total and the visible rows). If the organisation row itself fails (F and
S differ by 1..min−1 people), :func:`check_filter` refuses the filter. What this covers: a row
g∩F in the filtered view and the same row g∩S in view S differ by exactly g ∩ (F Δ S), and
the later of two views is always the one checked (the earlier one is in its history), so every
same-group pair across views is held to the minimum, including totals of hidden rows. What it
does not cover in general: a filtered row against a *different* group's row elsewhere (Sales∩F
against all of Lyon when Sales∩F happens to lie inside Lyon and Lyon has 1..min−1 people
outside Sales). The random-walk attack test (tests/test_confidentiality_attacks.py) searches
for such pairs across groupings, filters and thresholds and finds none on the sample data,
but the rule does not rule them out. Comments follow the same rule with their own
thresholds (:func:`comments_exposed`: 1..min_comments−1 comments or 1..min_group−1 commenters
gained or lost hide a group's comments; for the whole view, all comment output). A manager
never sees the unfiltered data: their scope replaces "everyone" as the baseline.

Thresholds. Changing the minimum does not reset the history: what was shown at 5 stays known
at 6. A table's hidden cells at a higher minimum include those at a lower one (the chain from
the floor), so the lowest minimum used is the effective one and nothing more.

Missing answers. n differs between constructs of one group when people skip items. Such a
gap compares sets of *different* measures: it reveals that someone skipped, not what anyone
answered, and no subtraction of two construct scores isolates an answer. A construct against
its own items does (see Rules: items with constructs). Within one measure the exposure counts
only people with a value for it.

Ledger scope. The ledger is deterministic: it holds every single-grouping table the CLI or the
app could release for the file, so the CLI needs no state and any two outputs agree whatever
their order. It does not hold crossed tables (team × role cells are checked against every
single grouping, but two crossed tables over different columns are not compared), nor the
rows of earlier filtered views other than their totals (same-group rows are compared by the
filter rule). Each comparison is with one set at a time; unions of sets from several other
tables are not searched. Distances count people in one set and not the other on both sides
(conservative: a row sharing all but two of its people with a set, with two more outside it,
is hidden although no subtraction isolates anyone).

Unions of hidden cells. Besides single cells and each margin's hidden part, pairs and triples
of small hidden cells whose total a chain of margins pins down are protected; larger chains
are not searched.

Sums of hidden rows. Classic complementary suppression ("never exactly one hidden group")
still lets a reader compute the hidden groups' total as parent − visible groups; that total
must itself be 0 or at least the minimum (two hidden teams of 1 and 1 under a visible
organisation would describe 2 people), so more rows are hidden until it is.

Reference: Hundepool, A. et al. (2012). *Statistical Disclosure Control*. Wiley, chapters 4
and 5 (tabular data: secondary cell suppression, linked tables and disclosure by
differencing).
"""

from analysis.privacy.filters import (
    check_filter,
    comment_visibility,
    commenters_per_group,
    comments_exposed,
    crossed_comment_visibility,
    differences,
    small_cells_pinned,
)
from analysis.privacy.ledger import Ledger
from analysis.privacy.pinning import null_basis, shared_bases, small_sets_pinned
from analysis.privacy.policy import (
    FLOOR,
    PrivacyError,
    PrivacyPolicy,
    reason_complementary,
    reason_differencing,
    reason_ledger,
    reason_skipped,
    reason_small,
)
from analysis.privacy.tables import protect_groups

__all__ = [
    "FLOOR",
    "Ledger",
    "PrivacyError",
    "PrivacyPolicy",
    "check_filter",
    "comment_visibility",
    "commenters_per_group",
    "comments_exposed",
    "crossed_comment_visibility",
    "differences",
    "null_basis",
    "protect_groups",
    "reason_complementary",
    "reason_differencing",
    "reason_ledger",
    "reason_skipped",
    "reason_small",
    "shared_bases",
    "small_cells_pinned",
    "small_sets_pinned",
]
