"""What one view asks for (:class:`ViewRequest`) and the one per-upload cache of view parts.

A :class:`ViewRequest` is normalised once, at the edge (:meth:`ViewRequest.build`): grouping
names resolved to columns ('team' -> the export's team column), filters resolved and their
values made text, the viewer's earlier filtered views packed to bytes. It is frozen and
hashable, so the parts of it a stage depends on are that stage's cache key in
:class:`ViewCache`; nothing downstream normalises ``by`` again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from analysis.privacy import PrivacyError, PrivacyPolicy

if TYPE_CHECKING:
    from analysis.pipeline.model import Prepared

__all__ = ["ViewCache", "ViewRequest"]


@dataclass(frozen=True)
class ViewRequest:
    """One view: grouping, filters, thresholds and what this viewer has already seen.

    ``by``: grouping columns (resolved; several make a crossed grouping, ``nested`` a
    hierarchy). ``filters``: (column, values) pairs keeping respondents whose value is listed.
    ``policy``: the thresholds. ``shown``: the respondent masks of the filtered views already
    shown to this viewer on this dataset, packed (:func:`numpy.packbits`); with
    ``compare_unfiltered`` False the unfiltered data is left out of the comparison (a manager,
    who never sees it). ``theme_names`` / ``theme_merges``: the user's theme edits.
    ``outcome``: the construct whose key drivers weigh the flags and head the item drivers, when
    the user chose one other than the upload's own (None: the upload's own).
    """

    by: tuple[str, ...] = ()
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()
    policy: PrivacyPolicy = field(default_factory=PrivacyPolicy)
    nested: bool = False
    shown: tuple[bytes, ...] = ()
    compare_unfiltered: bool = True
    theme_names: tuple[tuple[int, str], ...] = ()
    theme_merges: tuple[tuple[int, int], ...] = ()
    outcome: str | None = None

    @classmethod
    def build(
        cls,
        prep: Prepared,
        *,
        by: Sequence[str] | str | None = None,
        filters: Mapping[str, Sequence[str]] | None = None,
        policy: PrivacyPolicy | None = None,
        shown_filters: Sequence[np.ndarray] = (),
        compare_unfiltered: bool = True,
        nested: bool = False,
        theme_names: Mapping[int, str] | None = None,
        theme_merges: Mapping[int, int] | None = None,
        outcome: str | None = None,
    ) -> ViewRequest:
        """Normalise what a caller asked for against the upload it is asked of.

        ``by`` names grouping columns as the user typed them ('team', 'role' or a column
        name); ``None`` means the team column when there is one, else the organisation as a
        whole. Unknown names raise ``ValueError`` listing the valid ones. ``outcome`` is a
        construct id, concept or label (:func:`analysis.drivers.choose_outcome`, which names the
        valid ones when it is not); the upload's own outcome normalises to None.
        """
        policy = policy or PrivacyPolicy()
        return cls(
            by=_too_fine(prep, _by_columns(prep, by), policy),
            filters=tuple(
                (prep.resolve(name), tuple(dict.fromkeys(str(v) for v in values)))
                for name, values in (filters or {}).items()
            ),
            policy=policy,
            nested=bool(nested),
            shown=tuple(np.packbits(np.asarray(m, dtype=bool)).tobytes() for m in shown_filters),
            compare_unfiltered=bool(compare_unfiltered),
            theme_names=tuple((int(k), str(v)) for k, v in (theme_names or {}).items()),
            theme_merges=tuple((int(k), int(v)) for k, v in (theme_merges or {}).items()),
            outcome=_outcome(prep, outcome),
        )

    @property
    def filter_key(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """The filters in a canonical order (the cache key of everything they decide)."""
        return tuple(sorted((c, tuple(sorted(set(v)))) for c, v in self.filters))

    def filter_dict(self) -> dict[str, list[str]]:
        return {col: list(values) for col, values in self.filters}

    def shown_masks(self, n: int) -> list[np.ndarray]:
        """The earlier views' respondent masks over ``n`` respondents."""
        return [
            np.unpackbits(np.frombuffer(b, dtype=np.uint8), count=n).astype(bool)
            for b in self.shown
        ]


def _by_columns(prep: Prepared, by: Sequence[str] | str | None) -> tuple[str, ...]:
    if by is None:
        team = prep.colmap.team
        return (team,) if team and team in prep.grouping_columns else ()
    names = [by] if isinstance(by, str) else list(by)
    return tuple(dict.fromkeys(prep.resolve(name) for name in names))


#: A crossing of this many columns or more is refused when most of its groups are small.
FINE_CROSSING = 3
#: "Small" for that test: under the policy's minimum, and never under the default minimum (5),
#: so a policy's lower minimum (3) does not let through a crossing too fine to protect.
FINE_SMALL = 5


def _too_fine(prep: Prepared, by: tuple[str, ...], policy: PrivacyPolicy) -> tuple[str, ...]:
    """``by``, unless it crosses three or more columns into groups mostly under 5 people (or
    under the minimum group size, when that is larger).

    Why: such a table shows almost nothing, and protecting it is slow: the greedy
    complementary suppression recomputes the null space of the margins for every trial cell.
    The sample's 433 team × role × location groups (2.8 people each) took over ten minutes
    where team × role (92 groups) takes seconds; at a minimum of 3, team × tenure × location
    (358 groups) ran over eleven minutes and reached 20 GB. Two-column crossings, the app's
    finest, are never refused here."""
    if len(by) < FINE_CROSSING:
        return by
    sizes = prep.scored.groups[list(by)].astype(str).value_counts()
    floor = max(policy.min_group, FINE_SMALL)
    small = int((sizes < floor).sum())
    if 2 * small > len(sizes):
        raise PrivacyError(
            f"Results by {' × '.join(by)} make {len(sizes):,} groups, and {small:,} of them "
            f"have fewer than {floor} people: too fine to protect or to read. Cross at most "
            "two of these columns."
        )
    return by


def _outcome(prep: Prepared, outcome: str | None) -> str | None:
    if outcome is None:
        return None
    from analysis.drivers import choose_outcome
    from analysis.hotspots import main_outcome
    from analysis.pipeline.score_tables import construct_frame

    chosen = choose_outcome(outcome, prep.scored.construct_meta)
    own = main_outcome(prep.drivers, construct_frame(prep.scored))
    return None if chosen == own else chosen


class ViewCache:
    """The one cache of view parts for one upload (held by its :class:`Prepared`).

    Each stage keeps the last few results it computed, keyed by the part of the
    :class:`ViewRequest` it depends on (the filters, the thresholds, the theme edits), so
    regrouping and going back to a filter redo no per-respondent work. It lives and dies with
    the upload: no survey content outlives it.

    A stage whose values grow with the upload gives their ``weight`` (rows held, of comments
    or respondents): it keeps at most :data:`ROWS` rows, the newest value always. Four views
    of a 100,000-respondent survey hold 0.6M shown comments; four of a million held 5.9M
    (1 GB), so there only the newest is kept and going back recomputes.
    """

    SIZE = 4
    ROWS = 2_000_000

    def __init__(self) -> None:
        self._stores: dict[str, dict[Any, Any]] = {}
        self._weights: dict[str, dict[Any, int]] = {}
        # sessions may share one Prepared (the built-in sample): one change at a time
        self._lock = threading.Lock()

    def get(
        self,
        stage: str,
        key: Any,
        make: Callable[[], Any],
        keep: Callable[[Any], bool] | None = None,
        weight: Callable[[Any], int] | None = None,
    ) -> Any:
        """The stage's value for ``key``, made once (``keep``: whether a new value may be kept;
        one that will change, such as a view whose item drivers are still computed, is not;
        ``weight``: the rows a value holds, see the class)."""
        with self._lock:
            store = self._stores.setdefault(stage, {})
            if key in store:
                return store[key]
        value = make()  # outside the lock: a slow view does not hold up the others
        if keep is not None and not keep(value):
            return value
        w = 0 if weight is None else int(weight(value))
        with self._lock:
            weights = self._weights.setdefault(stage, {})
            if key not in store:
                store[key], weights[key] = value, w
                while len(store) > 1 and (
                    len(store) > self.SIZE or sum(weights.values()) > self.ROWS
                ):
                    oldest = next(iter(store))
                    del store[oldest], weights[oldest]
        return value

    def __repr__(self) -> str:
        return f"ViewCache({', '.join(f'{k}: {len(v)}' for k, v in self._stores.items())})"
