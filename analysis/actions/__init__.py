"""Action plans that close the loop: an action per flag, kept across sessions, measured
against the next wave (:mod:`~analysis.actions.plan`, :mod:`~analysis.actions.measure`)."""

from analysis.actions.measure import measure_actions
from analysis.actions.plan import (
    Action,
    ActionPlan,
    action_from_flag,
    load_plan,
    plan_yaml,
    save_plan,
    store_plan,
    stored_plan,
)

__all__ = [
    "Action",
    "ActionPlan",
    "action_from_flag",
    "load_plan",
    "measure_actions",
    "plan_yaml",
    "save_plan",
    "store_plan",
    "stored_plan",
]
