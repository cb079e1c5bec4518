"""Answers to a question about worries: what the question puts in view, and jobs said as a worry.

"What worries you about AI?" answered "Jobs", "Job displacement" or "The economy and jobs" is
fear of job loss, and answered "Accuracy" or "Not knowing what is real" distrust of AI output:
the question says worry, the answer says what about. The rules need a threat
word in the answer itself ("losing", "replace", "cuts"), so such answers were missed; a keyword
rule on the same answers (``\\bjobs?\\b``) scored far better than ChangeRadar on the signals
issue's held-out answers. A worry question (``asks_about_worries``) therefore lets a short
answer that names work, jobs or livelihoods as its subject count as fear of job loss, and one
that names the accuracy, truth or reliability of what AI makes count as distrust of AI output
when AI is in view (``topic_hits``), unless it is reassured or praises ("Nothing, it helps me
do my job", "My job is safe"), is calm about that subject, negates it ("Not jobs") or says jobs
will be created. Long answers state their own stance and are left to the rules and the
classifier. Answering a worry question, a short answer's fear rule hit also stands against the
classifier unless it voices doubt (``DOUBT``; ``model._guarded``).

Job creation with no worry beside it (``job_creation_only``) is the opposite of displacement
fear ("AI will create more jobs than it destroys", a hard negative the signals issue names).
"""

from __future__ import annotations

import re

from analysis.signals.rules import Hit
from analysis.signals.tokens import split_sentences

__all__ = [
    "DISTRUST_TOPIC",
    "DOUBT",
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
#: Work, jobs or livelihoods as the subject of an answer: plural "jobs", "careers", a job that
#: is someone's or its market and security, never "job satisfaction", "career progression" or
#: "a poor job of summarising".
JOB_TOPIC = re.compile(
    r"\b(?:jobs|(?:my|our|their|your|his|her|people's|peoples) (?:jobs?|careers?|livelihoods?)"
    r"|job (?:security|market|prospects|displacement|losses|loss|cuts?)|careers(?! fair)"
    r"|employment|unemploy\w*|livelihoods?|workforce|headcount|labou?r market|displacement"
    r"|redundanc\w*|layoffs?|lay-?offs?)\b",
    re.I,
)
#: Workers or employees as the subject, with a word of loss just before or after them ("less
#: need for human employees", "fewer workers", "workers being replaced"; not "Exploitation of
#: workers", not "Employees need better pay").
_PEOPLE_AT_RISK = re.compile(
    r"\b(?:(?:need|demand) for|fewer|less|loss of|los(?:e|ing)|replac\w*|displac\w*|cut\w*"
    r"|reduc\w*)\s+(?:\w+\s+){0,2}?(?:workers|employees|staff|humans|people)\b"
    r"|\b(?:workers|employees|staff|humans|people)\s+(?:\w+\s+){0,2}?(?:replaced|displaced|cut"
    r"|laid off|losing (?:their |our )?jobs|made redundant|out of work|obsolete)\b",
    re.I,
)
#: The accuracy, truth or reliability of what AI makes, as the subject of an answer (the signals
#: guideline's distrust: errors, made-up or wrong answers, unreliability, bias in output, fakes,
#: misinformation). Nouns and negative words only: "accurate", "reliable" and "trust" as a verb
#: praise ("I trust it"); not "quality of life", not "reliance" (over-reliance is a skills worry).
DISTRUST_TOPIC = re.compile(
    r"\b(?:accuracy|inaccura\w*|reliability|unreliab\w*|truth\w*|untru\w*|lies|lying"
    r"|mislead\w*|fakes?|faked|fakery|deep\s*-?fakes?|quality(?! of life)|errors?|mistakes?"
    r"|wrong|bias(?:ed|es)?|hallucinat\w*|(?:mis|dis)-?information|propaganda|fact[- ]?check\w*"
    r"|what(?:'s| is) real|real (?:or|from) fake|(?:lack of |no |low |losing |loss of )trust"
    r"|trustworthiness|distrust|mistrust)\b",
    re.I,
)
#: The subject negated right before it ("Not jobs, misinformation"); "no jobs" is a fear.
_NEGATED = re.compile(r"(?:\bnot|n't)\W+$", re.I)
#: An answer that says there is nothing to worry about ("Nothing, it helps me do my job",
#: "None, it makes my job easier"), or a clause that reassures or praises ("my job is safe", "it
#: won't affect my job", "Quality of output is excellent"): no topic is read from it. A clause
#: that opens with a negation is no reassurance ("Nobody has said our roles are safe").
_NOTHING_FIRST = re.compile(
    r"^\W*(?:honestly\W+)?(?:nothing|none|nope|no\W+(?:worries|worry|concerns?|fears?)"
    r"|not (?:a |really |much |very )?(?:concern\w*|worr\w*|afraid|issue|problem))\b",
    re.I,
)
_REASSURING = re.compile(
    r"\b(?:safe|secure|won'?t (?:affect|replace|take)|will not (?:affect|replace|take)"
    r"|doesn'?t (?:affect|threaten)|helps?|easier|excellent|great|good|impressive|amazing"
    r"|i trust|we trust)\b",
    re.I,
)
_NEGATED_CLAUSE = re.compile(r"^\W*(?:nobody|no one|not|never|nothing|none)\b", re.I)
#: Doubt or denial in an answer: its fear rule hit may still be the rule's mistake ("I doubt it
#: will replace anyone in our team"), so the classifier keeps its veto there.
DOUBT = re.compile(
    r"\b(?:doubt\w*|unlikely|(?:won'?t|can'?t|cannot|couldn'?t|will not|never|not going to"
    r"|isn'?t going to) (?:\w+ )?(?:replace|take|affect|threaten)\w*)\b",
    re.I,
)


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


def _reassured(text: str, clauses: list[tuple[int, str, str]]) -> bool:
    """Whether the answer says there is nothing to worry about, or a clause of it reassures."""
    if _NOTHING_FIRST.search(text):
        return True
    return any(_REASSURING.search(c) and not _NEGATED_CLAUSE.search(c) for _, _, c in clauses)


def _clauses(text: str) -> list[tuple[int, str, str]]:
    """(sentence index, sentence, clause) of a text: clauses split at commas, semicolons and
    "but", so "Not too worried about jobs but accuracy is a problem" keeps its second half."""
    out = []
    for k, sentence in enumerate(split_sentences(text)):
        for clause in re.split(r"[,;:]|\bbut\b", sentence):
            if clause.strip():
                out.append((k, sentence, clause))
    return out


def _subject(
    pattern: re.Pattern, clauses: list[tuple[int, str, str]]
) -> tuple[int, str, str] | None:
    """(sentence index, sentence, words) of the first match of ``pattern`` in a clause that is
    not calm ("not worried about") and not negated just before it ("Not jobs, misinformation")."""
    for k, sentence, clause in clauses:
        if _CALM.search(clause):
            continue
        for m in pattern.finditer(clause):
            if not _NEGATED.search(clause[: m.start()]):
                return k, sentence, m.group(0)
    return None


def topic_hits(text: str, ai_in_view: bool) -> list[Hit]:
    """Hits of a short answer to a worry question by what it names as its subject: work, jobs
    or livelihoods, fear of job loss ("Jobs", "Job displacement", "Less need for human
    employees"); the accuracy, truth or reliability of AI output, distrust of it when AI is in
    view (named in the question or the answer: "Accuracy", "Not knowing what is real").
    Nothing for an answer over ``WORRY_WORDS`` words or one that is reassured or praises
    ("Nothing, it helps me do my job", "My job is safe"); no fear where it says AI creates
    jobs."""
    if len(text.split()) > WORRY_WORDS:
        return []
    clauses = _clauses(text)  # split once, read by every check below
    if _reassured(text, clauses):
        return []
    found = []
    if not job_creation_only(text):
        fear = _subject(JOB_TOPIC, clauses) or _subject(_PEOPLE_AT_RISK, clauses)
        found.append(("displacement_fear", fear))
    if ai_in_view:
        found.append(("ai_distrust", _subject(DISTRUST_TOPIC, clauses)))
    out = []
    for signal, at in found:
        if at is not None:
            k, sentence, words = at
            hit = {"signal": signal, "phrase": words, "confidence": 0.6, "source": "rules"}
            out.append((k, sentence, {**hit, "context": "worry question"}))
    return out
