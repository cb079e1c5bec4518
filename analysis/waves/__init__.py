"""Wave over wave: is trust in AI rising, is fear of displacement falling, and where?

Each wave is one export scored with the same survey, so constructs are compared by construct
id. :func:`compare_waves` returns a tidy ``trend`` table (wave × group × construct) and a
``changes`` table (consecutive waves, per group × construct) with a significance test chosen
for the design: Welch's t on the two waves' summary statistics for independent (anonymous)
samples, or a paired t test on respondents linked by a respondent ID mapped in both waves.
:func:`match_items` lines up the questions of two exports so the user can confirm that a
construct is measured the same way in both.

Confidentiality
---------------
* **Each wave is protected on its own, on its own groups.** Visibility comes from
  :func:`analysis.scoring.group_scores` (minimum size plus complementary suppression) run on the
  wave's original groups, before any team renaming or merging.
* **Merged teams.** A team map can merge teams (``{"Ops North": "Ops", "Ops South": "Ops"}``).
  A merged group is shown in a wave only when every one of its source groups with responses is
  visible in that wave's own table; otherwise "merged − visible source" would give a hidden
  team away by subtraction against the unmerged tables shown elsewhere in the app. So every
  number in ``trend`` is a function of numbers the wave's protected table already shows.
* **Changes.** A change row is shown only when its group is visible in *both* waves; a group
  under the minimum in either wave (or hidden there as a complement) has a suppressed change
  with no numbers. Because a shown change is the difference of two shown scores and the waves'
  unknowns are separate, no combination of change rows (org change minus visible changes
  included) determines a hidden group's change when neither wave's table determines its score.
  As a second line of defence the change table applies the classic rule itself: per pair of
  waves and construct, if exactly one group's change is hidden for privacy, the visible group
  with the fewest responses (smallest of its two wave sizes) is hidden too.
* **Paired tests** publish only a p value and the number of linked people (``n_paired``); the
  linked subset's own mean is not shown.

A group that has no responses at all in one of the two waves (a new or retired team) has no
change; its row is not a privacy suppression, carries no numbers and says why in ``note``.
"""

from analysis.waves.compare import WaveComparison, compare_waves
from analysis.waves.load import Wave, load_wave, restrict_items
from analysis.waves.matching import match_items
from analysis.waves.report import trend_section_rows
from analysis.waves.sums import ORG_GROUP

__all__ = [
    "ORG_GROUP",
    "Wave",
    "WaveComparison",
    "compare_waves",
    "load_wave",
    "match_items",
    "restrict_items",
    "trend_section_rows",
]
