"""Change management or training first? A sequenced, diagnostic rule on a group's profile.

The rule (pure; :func:`diagnose`):

1. **too_small_to_tell** when the group is under the flagging minimum or its evidence cannot
   decide (the caller says so with ``Profile.undecided``).
2. **change_management** when desire, trust in AI or job security is low (or the change's
   enablers: manager support, clear communication), whatever the skills:
   people who do not want the change, distrust the tool or fear for their jobs do not learn
   from training, and sending trainers first confirms the fear. Readiness to change is a
   precondition of skills transfer (Armenakis & Harris 2009; Blume et al. 2010 on motivation
   and transfer of training; Hiatt 2006, ADKAR: desire comes before knowledge and ability).
3. **training** when skills confidence (or ADKAR knowledge/ability) is low *and* desire, trust
   and security are adequate.
4. **monitor** otherwise.

"Low" means flagged as worse than the rest of the organisation, or below the cut-off on 0–100
with higher = better: default 40, where the average answer leans clearly to the unfavourable
side (50 is the neutral answer; 40–60 is read as the neutral band). When the
ADKAR items are present (RD1–RD5 of the built-in survey) their elements are used directly:
``desire`` replaces the readiness proxy and the weakest element is named in the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from analysis.hotspots.playbook import ADKAR
from analysis.thresholds import THRESHOLDS

#: Default cut-off on 0–100 (higher = better) under which a dimension is low.
LOW = 40.0
ACTIONS = ("training", "change_management", "monitor", "too_small_to_tell")
#: The readiness dimensions that must be adequate before training can work.
READINESS = ("desire", "trust", "security")
#: What enables the change; low support or clarity also calls for change management first.
ENABLERS = ("support", "clarity")
_WORDS = {
    "skills": "confidence with AI tools",
    "desire": "wish to take part in the change",
    "trust": "trust in AI",
    "security": "sense of job security",
    "support": "support from managers",
    "clarity": "clarity of communication about the change",
    "awareness": "understanding of why the change is happening",
    "reinforcement": "recognition of the new ways of working",
}


@dataclass(frozen=True)
class Profile:
    """What the rule reads about one group; every score on 0–100 with higher = better.

    ``security`` is 100 − fear of displacement. ``adkar`` maps ADKAR elements (awareness,
    desire, knowledge, ability, reinforcement) to item scores when the survey has them.
    ``worse`` names dimensions flagged as worse than the rest of the organisation; ``cutoffs``
    overrides the default cut-off (:data:`LOW`) per dimension. ``undecided``: the evidence is
    too thin.
    """

    n: int
    skills: float | None = None
    desire: float | None = None
    trust: float | None = None
    security: float | None = None
    support: float | None = None
    clarity: float | None = None
    adkar: Mapping[str, float] = field(default_factory=dict)
    worse: frozenset[str] = frozenset()
    cutoffs: Mapping[str, float] = field(default_factory=dict)
    undecided: bool = False


@dataclass(frozen=True)
class Diagnosis:
    action: str  # one of ACTIONS
    reason: str  # plain words, no statistics jargon
    low: tuple[str, ...] = ()
    weakest_adkar: str | None = None


def _low(profile: Profile, name: str, value: float | None) -> bool:
    if name in profile.worse:
        return True
    cut = profile.cutoffs.get(name, LOW)
    return value is not None and value < cut


def _list(names: list[str]) -> str:
    words = [_WORDS.get(n, n) for n in names]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def diagnose(profile: Profile, *, min_n: int = THRESHOLDS.min_flag_n) -> Diagnosis:
    """The first action for a group: training, change_management, monitor or too_small_to_tell.

    See the module docstring for the rule and its references.
    """
    if profile.n < min_n or profile.undecided:
        return Diagnosis(
            "too_small_to_tell",
            f"With {profile.n} people the answers are too few to tell whether this group "
            "differs; look again with more responses.",
        )
    adkar = {e: float(v) for e, v in profile.adkar.items() if e in ADKAR and v is not None}
    weakest = min(adkar, key=lambda e: (adkar[e], ADKAR.index(e))) if adkar else None
    desire = adkar.get("desire", profile.desire)
    skills = profile.skills
    if skills is None and adkar:
        known = [adkar[e] for e in ("knowledge", "ability") if e in adkar]
        skills = min(known) if known else None
    values = {
        "skills": skills,
        "desire": desire,
        "trust": profile.trust,
        "security": profile.security,
        "support": profile.support,
        "clarity": profile.clarity,
    }
    low = [d for d in ("skills", *READINESS, *ENABLERS) if _low(profile, d, values[d])]
    blockers = [d for d in (*READINESS, *ENABLERS) if d in low]
    for element in ("awareness", "reinforcement"):  # not skills problems: change management
        if element in adkar and adkar[element] < profile.cutoffs.get(element, LOW):
            blockers.append(element)
    adkar_note = ""
    if weakest is not None:
        adkar_note = f" The weakest step of the change (ADKAR) is {weakest}."
    if blockers:
        then = (
            " Train once these improve: training people who do not yet want the change "
            "or fear for their jobs wastes the budget and can confirm the fear."
            if "skills" in low
            else ""
        )
        return Diagnosis(
            "change_management",
            f"Change management first: {_list(blockers)} {'is' if len(blockers) == 1 else 'are'}"
            f" low.{then}{adkar_note}",
            tuple(low),
            weakest,
        )
    if "skills" in low or weakest in ("knowledge", "ability"):
        return Diagnosis(
            "training",
            "Training: confidence with AI tools is low while the wish to take part, trust in "
            f"AI and job security are adequate, so people are ready to learn.{adkar_note}",
            tuple(low),
            weakest,
        )
    return Diagnosis(
        "monitor",
        f"Monitor: no readiness or skills problem stands out.{adkar_note}",
        tuple(low),
        weakest,
    )
