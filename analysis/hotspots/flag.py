"""A flag: one group (or the whole organisation) that needs change management or training."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from analysis.hotspots.inputs import jsonable

CONFIDENCE = ("high", "medium", "low")


@dataclass
class Flag:
    """One group that needs change management or training, with everything behind the call.

    ``action`` is the diagnosis (:func:`analysis.hotspots.diagnosis.diagnose`): what to do
    first. ``confidence`` (high/medium/low) falls with weaker evidence and with a response rate
    under the minimum. ``scope`` is ``group`` or ``organisation`` (below target everywhere).
    The numbers stay in ``evidence``; ``reason`` is plain words.
    """

    group: dict[str, str]
    group_label: str
    grouping: str
    n: int
    type: str
    constructs: list[str]
    priority: float
    priority_formula: str
    reason: str
    evidence: list[dict[str, Any]] = field(default_factory=list)
    quotes: list[str] = field(default_factory=list)
    actions: list[dict[str, str]] = field(default_factory=list)
    segment: str | None = None
    comments: dict[str, Any] | None = None
    action: str = "monitor"
    confidence: str = "high"
    scope: str = "group"
    response_rate: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe dict (numpy numbers become Python numbers, NaN becomes None)."""
        return jsonable(asdict(self))


def lower(confidence: str) -> str:
    """One step lower confidence (low stays low)."""
    i = CONFIDENCE.index(confidence) if confidence in CONFIDENCE else 0
    return CONFIDENCE[min(i + 1, len(CONFIDENCE) - 1)]
