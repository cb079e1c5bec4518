"""Hot spots: which groups need change management or training, why, and what to do first.

One job per module:

- :mod:`.playbook`: the recommended-actions playbook (surveys/playbook.yaml);
- :mod:`.inputs`: reading construct metadata and the group table;
- :mod:`.screening`: size-aware screening (Benjamini–Hochberg within a grouping, practical
  thresholds, "too small to tell", majority and attribution rules);
- :mod:`.targets`: absolute evidence (targets, organisation-level gaps, response rates);
- :mod:`.diagnosis`: the sequenced change-management-vs-training rule;
- :mod:`.comments`: comment evidence per group;
- :mod:`.flag` and :mod:`.flags`: the flags, their reasons, priorities and actions;
- :mod:`.profile`: what the diagnosis reads (profile, ADKAR items) and the playbook actions;
- :mod:`.organisation`: organisation-level flags against targets;
- :mod:`.items`: item-level impact within a construct (item drivers, group gaps per item);
- :mod:`.segments`: the trust × fear map.

The public names below stay importable from ``analysis.hotspots``.
"""

from __future__ import annotations

from analysis.headcount import read_headcount_csv
from analysis.hotspots.comments import group_comment_signals
from analysis.hotspots.diagnosis import ACTIONS, Diagnosis, Profile, diagnose
from analysis.hotspots.flag import Flag
from analysis.hotspots.flags import (
    find_hotspots,
    flags_frame,
    main_outcome,
    organisation_flags,
    profile_of,
)
from analysis.hotspots.inputs import constructs_meta, jsonable, unused_constructs
from analysis.hotspots.items import ITEM_STATES, item_drivers, item_gaps
from analysis.hotspots.playbook import (
    ADKAR,
    COMMENT_SIGNALS,
    DEFAULT_PLAYBOOK,
    FLAG_TYPES,
    QUADRANTS,
    PlaybookError,
    load_playbook,
)
from analysis.hotspots.questions import by_question, statement
from analysis.hotspots.screening import group_states, screen
from analysis.hotspots.segments import segments
from analysis.hotspots.targets import (
    HeadcountError,
    apply_response_rates,
    low_response_warnings,
    organisation_gaps,
    response_rates,
)
from analysis.stats import benjamini_hochberg  # public here since the hot-spot work

__all__ = [
    "ACTIONS",
    "ADKAR",
    "COMMENT_SIGNALS",
    "DEFAULT_PLAYBOOK",
    "FLAG_TYPES",
    "ITEM_STATES",
    "QUADRANTS",
    "Diagnosis",
    "Flag",
    "HeadcountError",
    "PlaybookError",
    "Profile",
    "apply_response_rates",
    "benjamini_hochberg",
    "by_question",
    "constructs_meta",
    "diagnose",
    "find_hotspots",
    "flags_frame",
    "group_comment_signals",
    "group_states",
    "item_drivers",
    "item_gaps",
    "jsonable",
    "load_playbook",
    "low_response_warnings",
    "main_outcome",
    "organisation_flags",
    "organisation_gaps",
    "profile_of",
    "read_headcount_csv",
    "response_rates",
    "screen",
    "segments",
    "statement",
    "unused_constructs",
]
