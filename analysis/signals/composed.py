"""The compositional rules: displacement_fear and training_request, built from concepts that must
meet in the same clause (the concepts are in ``analysis/data/signals.yaml``, the scope rules
that cancel or weaken a hit in ``scope.py``). Fixed phrase lists matched the sentences they were
written against but missed most new wording, hence composition.

* displacement_fear = an explicit job-insecurity phrase ("laid off", "made redundant", "out of
  work"); or a threat linked to a person or job: a transitive threat with the person or job as its
  object ("replace us", "cut the team", "phasing out our roles") or, in the passive, its subject
  ("we will be replaced", "had their hours cut"), never a thing ("replace the old CRM"); a threat
  state near a person or job ("my role could disappear", "we're next"); a smaller workforce
  ("fewer teachers", "need half the pickers"); an AI agent doing the job ("the robot does my
  job"); doubt about continuity ("whether we'll still have jobs"); or a fear cue with a job topic
  ("anxious about our roles"). A fear cue in the clause raises confidence. Continuity doubts are
  strengthened by a negation, not cancelled ("I can't see them keeping us on").
* training_request = a learning or support word (training, course, guidance, documentation,
  "show us how", practice ...) with a request ("need", "would like", "please", "can we get", "is
  there"), a modifier just before it ("more", "proper", "hands-on"), a stated lack just before it
  ("no training", "nobody showed us", "haven't been shown") or a complaint after it ("the guide is
  out of date"); or a request on its own ("don't know how to use", "left to work it out"). A
  negated need cancels a request ("I don't need more training"); praise of training ("the course
  was great") has no request and is not one.

Fears and requests voiced for other people ("my team is anxious about their roles") count: they
describe the team. Each signal is a table of named rules run in order; each rule adds candidates
(confidence, phrase start, phrase end, trigger position) and ``scope.finish`` keeps the best.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from analysis.signals.lexicon import Lexicon, lexicon
from analysis.signals.patterns import words
from analysis.signals.scope import Found, Sentence, analyse, before_in_clause, finish
from analysis.signals.tokens import PUNCT, tokenize

__all__ = ["DISPLACEMENT_RULES", "TRAINING_RULES", "compose", "displacement", "training"]

Span = tuple[int, int]
Candidate = tuple[float, int, int, int]


def _targets(toks: list[str], F: Found, lex: Lexicon) -> tuple[dict[int, int], dict[int, int]]:
    """Start -> end of person/job targets, and of job-only targets (for "take our jobs")."""
    persons: dict[int, int] = {}
    jobs: dict[int, int] = {}
    for name in ("target_person", "occupation"):
        for a, b in F(name):
            persons[a] = max(persons.get(a, 0), b)
            if toks[b - 1] in lex.job_nouns:
                jobs[a] = max(jobs.get(a, 0), b)
    for a, b in F("possessive_target"):
        # "my skills", and with one word between, "my accountancy qualification".
        for k in (a - 1, a - 2):
            if k >= 0 and toks[k] in lex.possessive and toks[a - 1] not in PUNCT:
                persons[k] = max(persons.get(k, 0), b)
                jobs[k] = max(jobs.get(k, 0), b)
                break
    for a in list(persons):
        if a > 0 and toks[a - 1] in lex.possessive and toks[persons[a] - 1] in lex.job_nouns:
            jobs[a - 1] = max(jobs.get(a - 1, 0), persons[a])
    return persons, jobs


def _object_after(
    s: Sentence, end: int, targets: dict[int, int], lex: Lexicon, reach: int = 5
) -> int:
    """End of a target that is the object after a verb ending at ``end``; -1 when none."""
    for j in range(end, min(end + reach, len(s.toks))):
        if s.toks[j] in PUNCT or s.toks[j] in lex.boundary or j in s.partitives:
            return -1
        if j in targets:
            return targets[j]
    return -1


def _subject_before(s: Sentence, start: int, targets: dict[int, int], lex: Lexicon) -> int:
    """Start of a passive subject ("we will be replaced", "had their hours cut"); -1 if none."""
    if s.toks[start] not in lex.participles:
        return -1
    for a, b in targets.items():
        if b <= start and start - b <= 5 and s.same_clause(a, start):
            if any(k in s.aux for k in range(b, start)):
                return a
            if b == start and a > 0 and s.toks[a] in lex.possessive:
                return a
    return -1


# ---------------------------------------------------------------------------------------------
# displacement_fear


@dataclass
class FearReading:
    """What the displacement rules share while reading one sentence."""

    s: Sentence
    lex: Lexicon
    F: Found
    persons: dict[int, int]  # person or job targets, start -> end
    jobs: dict[int, int]  # job-only targets
    fears: list[Span]  # fear cues ("worried", "anxious about")
    cands: list[Candidate] = field(default_factory=list)
    own: set[int] = field(default_factory=set)  # inside self-negating phrases ("no longer")
    positive: set[int] = field(default_factory=set)  # triggers a negation does not cancel
    threats: list[Span] = field(default_factory=list)  # threats, linked to a target or not

    def add(self, conf: float, a: int, b: int, trig: int) -> None:
        """A candidate whose phrase is one clause, raised by 0.1 when a fear cue shares it."""
        if self.s.same_clause(a, b - 1):
            fear_here = any(self.s.same_clause(f, a) for f, _ in self.fears)
            self.cands.append((min(0.95, conf + (0.1 if fear_here else 0.0)), a, b, trig))


def _strong(r: FearReading) -> None:
    """An explicit job-insecurity phrase: "laid off", "made redundant"."""
    for a, b in r.F("strong"):
        r.own.update(range(a, b))
        r.add(0.85, a, b, a)


def _threat_to_target(r: FearReading) -> None:
    """A transitive threat with a person or job as its object, or in the passive its subject."""
    for name, tg in (("threat_object", r.persons), ("threat_job", r.jobs)):
        for a, b in r.F(name):
            r.threats.append((a, b))
            subj = _subject_before(r.s, a, tg, r.lex)
            if subj >= 0:
                r.add(0.8, subj, b, a)
                continue
            obj_end = _object_after(r.s, b, tg, r.lex)
            if obj_end > 0 and not _departing(r.s.toks, b, obj_end):
                r.add(0.8, a, obj_end, a)


#: "Replacing retiring staff", "replace the people who leave": hiring, not a threat.
DEPARTING = frozenset({"retiring", "retired", "departing", "outgoing", "leaving", "resigning"})
LEAVE_VERBS = frozenset({"leave", "leaves", "left", "retire", "retires", "quit", "quits", "resign"})


def _departing(toks: list[str], verb_end: int, obj_end: int) -> bool:
    """The object of "replace" is people who are leaving: before it, or "who/that leave" after."""
    if any(t in DEPARTING for t in toks[verb_end:obj_end]):
        return True
    after = toks[obj_end : obj_end + 2]
    return len(after) == 2 and after[0] in ("who", "that") and after[1] in LEAVE_VERBS


def _threat_nominal(r: FearReading) -> None:
    """A threat noun right after a person or job ("staff cuts", "job losses")."""
    for a, b in r.F("threat_nominal"):
        for t, e in r.persons.items():
            if e == a:
                r.add(0.8, t, b, a)


def _threat_state(r: FearReading) -> None:
    """A threat state near a person or job ("my role could disappear", "we're next")."""
    for a, b in r.F("threat_state"):
        r.own.update(range(a, b))
        r.threats.append((a, b))
        for t, e in r.persons.items():
            if r.s.same_clause(t, a) and (abs(t - b) <= 6 or abs(a - e) <= 6):
                r.add(0.75, min(a, t), max(b, e), a)


def _smaller_workforce(r: FearReading) -> None:
    """A quantity before people ("fewer teachers", "need half the pickers")."""
    for a, b in r.F("quantity"):
        obj_end = _object_after(r.s, b, r.persons, r.lex, reach=3)
        if obj_end > 0:
            r.add(0.75, a, obj_end, a)


def _agent_does_the_job(r: FearReading) -> None:
    """An AI agent as the subject of doing the job ("the bot can easily do my job")."""
    s = r.s
    agents = {i for i, t in enumerate(s.toks) if t in r.lex["displacement_fear.agent"].index}
    for a, b in r.F("agent_action"):
        # Only modals and adverbs between the agent and the action.
        ag = [
            i for i in agents if a - 3 <= i < a and all(k in s.agent_gap for k in range(i + 1, a))
        ]
        if ag:
            r.add(0.8, min(ag), b, a)


def _doubt_about_continuity(r: FearReading) -> None:
    """Doubt that work continues ("whether we'll still have jobs").

    Continuity is asserted positively, so a negation makes it a fear ("I can't see them
    keeping us on") rather than cancelling it: it counts as doubt and is exempt from scope."""
    s = r.s
    doubt = r.F("doubt")
    for name, tg, reach in (("continuity", r.persons, 99), ("continuity_job", r.jobs, 6)):
        for a, b in r.F(name):
            in_doubt = (
                s.has_question
                or any(s.same_clause(d, a) for d, _ in doubt)
                or before_in_clause(s, s.negations, a, 8)
            )
            if in_doubt and any(s.same_clause(t, a) and abs(t - a) <= reach for t in tg):
                r.add(0.7, a, b, a)
                r.positive.add(a)


def _fear_with_topic(r: FearReading) -> None:
    """A fear cue with a job topic, a job noun or a possessed stake ("scared for my future"),
    or before a threat with no person named ("worried it will all be automated")."""
    s = r.s
    topics = r.F("job_topic") + list(r.jobs.items())
    for fa, fb in r.fears:
        for ta, tb in topics:
            if s.same_clause(fa, ta) and -3 <= ta - fb <= 8:
                r.cands.append((0.7, min(fa, ta), max(fb, tb), fa))
            elif s.same_clause(fa, ta) and 0 <= fa - tb <= 4:
                r.cands.append((0.7, ta, fb, fa))
        for a, b in r.threats:
            if s.same_clause(fa, a) and 0 <= a - fb <= 8:
                r.cands.append((0.7, fa, b, fa))


#: Run in this order: later rules read the threats and self-negating spans earlier ones record,
#: and among equally confident candidates the first found is reported.
DISPLACEMENT_RULES: tuple[Callable[[FearReading], None], ...] = (
    _strong,
    _threat_to_target,
    _threat_nominal,
    _threat_state,
    _smaller_workforce,
    _agent_does_the_job,
    _doubt_about_continuity,
    _fear_with_topic,
)


def displacement(s: Sentence, sentence: str, lex: Lexicon) -> dict | None:
    """The displacement_fear hit of a sentence, a cancellation, or None."""
    F = Found(s, "displacement_fear")
    persons, jobs = _targets(s.toks, F, lex)
    r = FearReading(s=s, lex=lex, F=F, persons=persons, jobs=jobs, fears=F("fear"))
    for rule in DISPLACEMENT_RULES:
        rule(r)
    if not r.cands:
        return None
    return finish(
        s, sentence, "displacement_fear", r.cands, r.own, r.fears, scope=True, positive=r.positive
    )


# ---------------------------------------------------------------------------------------------
# training_request


@dataclass
class TrainingReading:
    """What the training rules share while reading one sentence."""

    s: Sentence
    F: Found
    refused: set[int]  # clauses with a negated need ("I don't need more training")
    learning: list[Span]
    requests: list[Span]
    modifiers: list[Span]
    lacks: list[Span]
    complaints: list[Span]
    cands: list[Candidate] = field(default_factory=list)

    def add(self, conf: float, a: int, b: int) -> None:
        if self.s.same_clause(a, b - 1) and self.s.clause[a] not in self.refused:
            self.cands.append((conf, a, b, a))


def _find_words(toks: list[str], seq: tuple[str, ...]) -> list[Span]:
    n = len(seq)
    return [(i, i + n) for i in range(len(toks) - n + 1) if tuple(toks[i : i + n]) == seq]


def _standalone(r: TrainingReading) -> None:
    """A request on its own ("don't know how to use", "left to work it out")."""
    for a, b in r.F("standalone"):
        r.add(0.8, a, b)


def _imperative(r: TrainingReading) -> None:
    """A learning verb opening its clause ("Teach us the shortcuts")."""
    s, imperative = r.s, words().imperative
    for a, b in r.learning:
        if (a == 0 or s.clause[a - 1] != s.clause[a]) and s.toks[a] in imperative:
            r.add(0.8, a, b)


def _learning_asked(r: TrainingReading) -> None:
    """A learning word with a request, a modifier or lack before it, a negation, a complaint."""
    s = r.s
    for la, lb in r.learning:
        for ra, rb in r.requests:
            if (rb <= la and la - rb <= 12) or (ra >= lb and ra - lb <= 12):
                r.add(0.85, min(la, ra), max(lb, rb))
        for ma, mb in [*r.modifiers, *r.lacks]:
            if mb <= la and la - mb <= 2:
                r.add(0.8, ma, lb)
        for p in s.negations:
            if p < la and la - p <= 4 and s.same_clause(p, la):
                r.add(0.8, p, lb)
        for ca, cb in r.complaints:
            if ca >= lb and ca - lb <= 8:
                r.add(0.75, la, cb)


def _support_asked(r: TrainingReading) -> None:
    """A help or support word right after a request, modifier or lack ("please help", "more
    support"), after a negation, or before a complaint."""
    s = r.s
    near_requests = r.F("near_request")
    for na, nb in r.F("learning_near"):
        for ra, rb in [*near_requests, *r.modifiers, *r.lacks]:
            if rb <= na and na - rb <= 2:
                r.add(0.75, ra, nb)
        for p in s.negations:
            if p < na and na - p <= 3 and s.same_clause(p, na):
                r.add(0.75, p, nb)
        for ca, cb in r.complaints:
            if ca >= nb and ca - nb <= 8:
                r.add(0.7, na, cb)


TRAINING_RULES: tuple[Callable[[TrainingReading], None], ...] = (
    _standalone,
    _imperative,
    _learning_asked,
    _support_asked,
)


def training(s: Sentence, sentence: str, lex: Lexicon) -> dict | None:
    """The training_request hit of a sentence, a cancellation, or None."""
    toks = s.toks
    F = Found(s, "training_request")
    refused = {s.clause[a] for a, _ in F("refusal") if before_in_clause(s, s.raw_negations, a, 2)}
    refused |= {s.clause[a] for a, _ in _find_words(toks, ("no", "need"))}
    requests = list(F("request"))
    if s.has_question and toks and toks[0] in ("can", "could", "would", "will"):
        requests.append((0, 1))
    r = TrainingReading(
        s=s,
        F=F,
        refused=refused,
        learning=F("learning"),
        requests=requests,
        modifiers=F("modifier"),
        lacks=F("lack"),
        complaints=F("complaint"),
    )
    for rule in TRAINING_RULES:
        rule(r)
    if not r.cands:
        return {"signal": "training_request", "cancelled": True} if refused else None
    return finish(s, sentence, "training_request", r.cands, set(), [], scope=False)


def compose(sentence: str) -> list[dict]:
    """The composed hits (and cancellations) of one sentence."""
    lex = lexicon()
    tokens = tokenize(sentence)
    if lex.anchors.isdisjoint([t for t, _, _ in tokens]):
        return []
    s = analyse(tokens, lex)
    hits = [displacement(s, sentence, lex), training(s, sentence, lex)]
    return [h for h in hits if h is not None]
