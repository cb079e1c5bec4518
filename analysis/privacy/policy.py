"""The thresholds and the user-facing sentences of the confidentiality rules."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.errors import ChangeRadarError

# The smallest minimum group size any view may use. Complementary cells are chosen at this
# floor first and only added to at higher minimums, so views at different minimums nest.
FLOOR = 3


class PrivacyError(ChangeRadarError):
    """A refused filter or grouping; ``str(e)`` is a user-facing sentence."""


@dataclass(frozen=True)
class PrivacyPolicy:
    """Thresholds for showing group results.

    ``min_group`` below 3 is refused: with 2 people each one knows the other's answers from
    the group mean and their own.
    """

    min_group: int = 5
    min_comments: int = 10

    def __post_init__(self) -> None:
        if isinstance(self.min_group, bool) or not isinstance(self.min_group, (int, np.integer)):
            raise ValueError("The minimum group size must be a whole number (3 or more).")
        if self.min_group < 3:
            raise ValueError(
                f"The minimum group size is {self.min_group}, but it can't be below 3: "
                "smaller groups let people work out each other's answers."
            )
        if isinstance(self.min_comments, bool) or not isinstance(
            self.min_comments, (int, np.integer)
        ):
            raise ValueError("The minimum number of comments must be a whole number.")
        if self.min_comments < 1:
            raise ValueError("The minimum number of comments must be at least 1.")


def reason_small(policy: PrivacyPolicy) -> str:
    return f"fewer than {policy.min_group} responses"


def reason_complementary() -> str:
    return "so a smaller group can't be worked out by subtraction"


def reason_differencing(policy: PrivacyPolicy) -> str:
    return f"comparing with an earlier view would single out fewer than {policy.min_group} people"


def reason_skipped(policy: PrivacyPolicy) -> str:
    return (
        "with the construct score it would reveal the answers of fewer than "
        f"{policy.min_group} people who skipped some of its items"
    )


def reason_ledger(policy: PrivacyPolicy) -> str:
    return (
        "comparing with a group shown in another table would single out fewer than "
        f"{policy.min_group} people"
    )
