"""Action plans: from a flag, an action with an owner, a due date, what it should move and a
target; kept in a project YAML file (local mode) or the encrypted store (shared mode).

The file format (validated by :func:`analysis.config.load_yaml`; every problem is reported)::

    actions:
      - id: a1
        group: Customer Support        # the group label as the app shows it
        grouping: Team                 # the grouping column (team, role, …)
        construct: fear_of_displacement
        item: FD2                      # optional: one question it should move
        action: Run reskilling town halls   # the playbook action's title or your own text
        source: playbook               # playbook | own
        owner: Head of Support
        due: 2025-06-30
        target: 40                     # optional: score (0–100) to reach on the construct
        flag: high fear of displacement (change management)
        created: 2025-03-20
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import ConfigDict, Field

from analysis.config import ConfigModel, load_yaml

__all__ = [
    "Action",
    "ActionPlan",
    "action_from_flag",
    "load_plan",
    "plan_yaml",
    "save_plan",
    "store_plan",
    "stored_plan",
]


class Action(ConfigModel):
    """One action: what is done, by whom and when, for which group and construct."""

    # "construct" in the file; pydantic's BaseModel has a ``construct`` method, hence the alias
    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, populate_by_name=True
    )

    id: str = Field(min_length=1, max_length=40)
    group: str = Field(min_length=1, max_length=200)
    grouping: str = Field(default="team", max_length=200)
    construct_id: str = Field(alias="construct", min_length=1, max_length=100)
    item: str | None = Field(default=None, max_length=100)
    action: str = Field(min_length=1, max_length=2000)
    source: Literal["playbook", "own"] = "own"
    owner: str = Field(min_length=1, max_length=200)
    due: date
    target: float | None = Field(default=None, ge=0, le=100)
    flag: str = Field(default="", max_length=500)
    created: date | None = None


class ActionPlan(ConfigModel):
    """Every action of one project (one survey programme), oldest first."""

    actions: tuple[Action, ...] = ()

    def add(self, action: Action) -> ActionPlan:
        if any(a.id == action.id for a in self.actions):
            raise ValueError(f"An action with id {action.id!r} is already in the plan.")
        return ActionPlan(actions=(*self.actions, action))

    def remove(self, action_id: str) -> ActionPlan:
        return ActionPlan(actions=tuple(a for a in self.actions if a.id != action_id))


def action_from_flag(
    flag: Any,
    *,
    owner: str,
    due: date,
    text: str | None = None,
    construct: str | None = None,
    item: str | None = None,
    target: float | None = None,
    today: date | None = None,
) -> Action:
    """An action for a hot-spot flag (:class:`analysis.hotspots.Flag` or its ``to_dict()``):
    the flag's first playbook action unless ``text`` is given, on the flag's first construct
    unless ``construct`` is given."""
    get = flag.get if isinstance(flag, Mapping) else lambda k, d=None: getattr(flag, k, d)
    constructs = list(get("constructs", []) or [])
    playbook = [a.get("title", "") for a in (get("actions", []) or []) if a.get("title")]
    chosen = (text or "").strip() or (playbook[0] if playbook else "")
    if not chosen:
        raise ValueError("Write the action, or pick one of the playbook's actions.")
    return Action(
        id=uuid.uuid4().hex[:8],
        group=str(get("group_label", "")),
        grouping=str(get("grouping", "team")),
        construct_id=construct or (constructs[0] if constructs else ""),
        item=item,
        action=chosen,
        source="playbook" if chosen in playbook else "own",
        owner=owner,
        due=due,
        target=target,
        flag=str(get("reason", ""))[:500],
        created=today or date.today(),
    )


def load_plan(source: str | Path) -> ActionPlan:
    """Read a plan from YAML text or a file; a missing file is an empty plan."""
    if isinstance(source, Path) and not source.exists():
        return ActionPlan()
    return load_yaml(ActionPlan, source, "action plan")


def plan_yaml(plan: ActionPlan) -> str:
    """The plan as YAML text (the project file's content; dates as ISO dates)."""
    data = plan.model_dump(mode="json", exclude_none=True, by_alias=True)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def save_plan(plan: ActionPlan, path: str | Path) -> None:
    """Write the plan to the project file (atomically: a crash leaves the old file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(plan_yaml(plan), encoding="utf-8")
    tmp.replace(path)


def store_plan(store: Any, project: str, plan: ActionPlan, *, by: str) -> None:
    """Save the plan in the shared-mode store (:class:`analysis.shared.store.DatasetStore`)."""
    store.save_plan_text(project, plan_yaml(plan), by=by)


def stored_plan(store: Any, project: str) -> ActionPlan:
    """The plan saved in the shared-mode store for ``project`` (empty when none)."""
    text = store.load_plan_text(project)
    return load_yaml(ActionPlan, text, "action plan") if text else ActionPlan()
