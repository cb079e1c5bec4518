"""From pilot to scale: did the pilot build trust, which teams are ready next.

* :mod:`~analysis.pilot.marking`: who is in the pilot (a yes/no column or a list of teams),
  checked by the privacy rules like a filter.
* :mod:`~analysis.pilot.compare`: pilot minus comparison per construct, regression-adjusted for
  role and tenure mix; across two waves the difference in differences with its assumptions.
* :mod:`~analysis.pilot.readiness`: rollout readiness per team (ready now, change management
  first, training first, too small or too uncertain to tell) and the middle-manager gap.
"""

from analysis.pilot.compare import (
    ASSUMPTIONS,
    CONFOUNDING,
    PilotComparison,
    compare_pilot,
    covariates,
    pilot_free,
)
from analysis.pilot.marking import YES, PilotError, PilotSpec, parse_spec, pilot_mask
from analysis.pilot.readiness import STATUSES, Readiness, diagnose, readiness

__all__ = [
    "ASSUMPTIONS",
    "CONFOUNDING",
    "STATUSES",
    "YES",
    "PilotComparison",
    "PilotError",
    "PilotSpec",
    "Readiness",
    "compare_pilot",
    "covariates",
    "diagnose",
    "parse_spec",
    "pilot_free",
    "pilot_mask",
    "readiness",
]
