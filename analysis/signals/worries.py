"""Answers to a question about worries: what the question puts in view, and jobs said as a worry.

"What worries you about AI?" answered "Jobs", "Job displacement" or "The economy and jobs" is
fear of job loss, and answered "Accuracy" or "Not knowing what is real" distrust of AI output:
the question says worry, the answer says what about. The rules need a threat
word in the answer itself ("losing", "replace", "cuts"), so such answers were missed; a keyword
rule on the same answers (``\\bjobs?\\b``) scored far better than ChangeRadar on the signals
issue's held-out answers. A worry question (``asks_about_worries``) therefore lets a short
answer that names work, jobs or livelihoods as its subject count as fear of job loss, and one
that names the accuracy, truth or reliability of what AI makes count as distrust of AI output
when AI is in view (``topic_hits``), unless it says jobs will be created, that it is not
worried, or negates the subject. Long answers state their own stance and are left to the rules
and the classifier.

Job creation with no worry beside it (``job_creation_only``) is the opposite of displacement
fear ("AI will create more jobs than it destroys", a hard negative the signals issue names).
"""

from __future__ import annotations

import re

from analysis.signals.rules import Hit
from analysis.signals.tokens import split_sentences

__all__ = [
    "DISTRUST_TOPIC",
    "JOBS_CREATED",
    "JOB_TOPIC",
    "WORRY_QUESTION",
    "WORRY_WORDS",
    "asks_about_worries",
    "job_creation_only",
    "topic_hits",
]

#: A question asking what worries, concerns or threatens the respondent.
WORRY_QUESTION = re.compile(
    r"\b(?:worr\w*|concern\w*|fears?|fearful|afraid|anxious|anxiet\w*|nervous|scar(?:y|ed|es)"
    r"|threats?|threaten\w*|risks?|dangers?|dangerous|downsides?)\b",
    re.I,
)
#: A question that asks for hopes and worries together: "Jobs" may then be a hope.
_MIXED_QUESTION = re.compile(
    r"\b(?:benefits?|opportunit\w*|excit\w*|hopes?|hopeful|positives?|advantages?|upsides?"
    r"|like about|enjoy\w*|optimis\w*)\b",
    re.I,
)
#: Answers of at most this many words to a worry question are read with the worry in view.
WORRY_WORDS = 12
#: Work, jobs or livelihoods as the subject of an answer.
JOB_TOPIC = re.compile(
    r"\b(?:jobs?|employment|unemploy\w*|careers?|livelihoods?|workforce|workers?|employees?"
    r"|labou?r(?:\s+market)?|headcount|displac\w*|redundan\w*|layoffs?|lay-?offs?)\b",
    re.I,
)
#: "workers"/"employees" alone are people, not a threat to them: they count only with a word of
#: loss, reduction, need or displacement near them ("less need for human employees").
_PEOPLE = re.compile(r"^(?:workers?|employees?)$", re.I)
_PEOPLE_THREAT = re.compile(
    r"\b(?:need|demand|fewer|less|loss|losing|lost|replac\w*|displac\w*|cuts?|cutting|reduc\w*"
    r"|redundan\w*|unemploy\w*|obsolete|jobs?|future)\b",
    re.I,
)
#: The accuracy, truth or reliability of what AI makes, as the subject of an answer (the signals
#: guideline's distrust: errors, made-up or wrong answers, unreliability, bias in output, fakes,
#: misinformation). Not "quality of life", not "reliance" (over-reliance is a skills worry).
DISTRUST_TOPIC = re.compile(
    r"\b(?:accura\w*|inaccura\w*|reliab(?:le|ility)|unreliab\w*|truth\w*|untru\w*|lies|lying"
    r"|mislead\w*|fakes?|faked|fakery|deep\s*-?fakes?|quality(?! of life)|errors?|mistakes?|wrong"
    r"|bias(?:ed|es)?|hallucinat\w*|(?:mis|dis)-?information|propaganda|fact[- ]?check\w*"
    r"|what(?:'s| is) real|real (?:or|from) fake|trust(?:worth\w*)?|distrust|mistrust)\b",
    re.I,
)
_NEGATED = re.compile(r"\b(?:not|no|nothing|never|nor|n't|without)\W+$", re.I)

JOBS_CREATED = re.compile(
    r"\b(?:creat\w*|bring\w*|generat\w*|open\w* up|add\w*)\b[^.!?]{0,30}?\bjobs\b"
    r"|\bmore jobs than\b|\bnew (?:jobs|roles)\b",
    re.I,
)
_CALM = re.compile(
    r"\b(?:not|n't|never|no longer)\s+(?:(?:too|that|very|really|at all)\s+)?"
    r"(?:worried|concerned|afraid|scared|anxious)\b",
    re.I,
)
_WORRY_WORDS = re.compile(
    r"\b(?:worr\w*|fear\w*|afraid|scar(?:ed|y)|anxi\w*|concern\w*|los(?:e|ing|t)\b|replac\w*"
    r"|cuts?\b|redundan\w*|lay\s?offs?|laid off|take (?:my|our|their) (?:jobs?|roles?))",
    re.I,
)


def asks_about_worries(question: str) -> bool:
    """Whether a question asks what worries or concerns the respondent (and not also what
    they hope for: "What are the benefits and risks of AI?")."""
    return bool(WORRY_QUESTION.search(question)) and not _MIXED_QUESTION.search(question)


def job_creation_only(text: str) -> bool:
    """The comment says AI creates jobs and voices no worry (a negated worry is no worry).

    Its vector sits with the fears (every such sentence is about AI and jobs): the classifier
    alone fired on it at 0.87-0.97, so it is guarded by words."""
    return bool(JOBS_CREATED.search(text)) and not _WORRY_WORDS.search(_CALM.sub(" ", text))


def _subject(pattern: re.Pattern, text: str, people: bool = False) -> tuple[int, str, str] | None:
    """(sentence index, sentence, words) of the first match of ``pattern`` not negated just
    before it ("Not jobs, misinformation"); with ``people``, bare "workers" only beside a word
    of threat ("Fewer workers needed", not "Exploitation of workers")."""
    for k, sentence in enumerate(split_sentences(text)):
        for m in pattern.finditer(sentence):
            if _NEGATED.search(sentence[: m.start()]):
                continue
            if people and _PEOPLE.match(m.group(0)) and not _PEOPLE_THREAT.search(sentence):
                continue
            return k, sentence, m.group(0)
    return None


def topic_hits(text: str, ai_in_view: bool) -> list[Hit]:
    """Hits of a short answer to a worry question by what it names as its subject: work, jobs
    or livelihoods, fear of job loss ("Jobs", "Job displacement", "Less need for human
    employees"); the accuracy, truth or reliability of AI output, distrust of it when AI is in
    view (named in the question or the answer: "Accuracy", "Not knowing what is real").
    Nothing for an answer over ``WORRY_WORDS`` words, one that is not worried, or (for fear)
    one that says AI creates jobs."""
    if len(text.split()) > WORRY_WORDS or _CALM.search(text):
        return []
    found = []
    if not job_creation_only(text):
        found.append(("displacement_fear", _subject(JOB_TOPIC, text, people=True)))
    if ai_in_view:
        found.append(("ai_distrust", _subject(DISTRUST_TOPIC, text)))
    out = []
    for signal, at in found:
        if at is not None:
            k, sentence, words = at
            hit = {"signal": signal, "phrase": words, "confidence": 0.6, "source": "rules"}
            out.append((k, sentence, {**hit, "context": "worry question"}))
    return out
