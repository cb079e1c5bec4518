"""One column -> its role, by a table of named rules tried in order: the first that decides wins.

Each rule reads the column's header words and answer profile and returns a decision with a
short reason ("header mentions 'department'; 3 distinct values"), or None to pass. The order
is the policy: identity first (so a person is never analysed), then the row key, platform
data, rated questions, groupings, free text, and what is left.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cached_property
from typing import NamedTuple

import pandas as pd

from analysis.columns.model import ColumnSpec
from analysis.columns.profile import (
    _CODE,
    _DATE,
    _DURATION,
    _EMAIL,
    _IPV4,
    _LEADING_ZERO,
    _UPLOAD,
    _URL,
    _distinct_note,
    _looks_like_question,
    _multi_select,
    _profile,
    zero_to,
)
from analysis.columns.stated_range import stated_scale
from analysis.columns.vocabulary import (
    _COMMENT,
    _DEMOGRAPHIC,
    _GROUPING_EXCLUDE,
    _ID,
    _IDENTITY,
    _MEASURE,
    _METADATA,
    _NAME_NOT_PERSON,
    _NOT_GROUPING,
    _NOT_RATING,
    _PLATFORM_ID,
    _RATING,
    _ROLE,
    _SATISFACTION,
    _TEAM,
    _TIMESTAMP,
    _has,
    _words,
)
from analysis.ingest import SourceColumn
from analysis.scales import MISSING_ANSWERS, SCALES, Scale, detect_scale, normalize_answer

_TEXT_ENTRY = re.compile(r"\d_TEXT$")  # Q5_7_TEXT, TechEndorse_13_TEXT
# Stack Overflow's write-in boxes beside a list of options: LanguagesHaveEntry, SOTagsWant Entry
_WRITE_IN = re.compile(r"(?<=[a-z])\s?Entry$")
# "Are you currently enrolled …?", "Are you a manager?": the respondent's situation, not a view
_STATUS = re.compile(
    r"^\s*(?:are|were) you (?:currently |now |still )?(?:a|an|enrolled|employed|registered|"
    r"studying|working|based|in|on)\b",
    re.I,
)
_OPINION = re.compile(
    r"\b(?:favou?r|agree|support|worried|concerned|satisfied|happy|confident|comfortable|"
    r"willing|likely|interested|optimistic|afraid|ready|able)\b",
    re.I,
)


class _Decision(NamedTuple):
    role: str
    reason: str
    scale: str | None = None


#: The eNPS question: how likely to recommend (the place, the team, working here).
ENPS_QUESTION = re.compile(r"\brecommend|\be?NPS\b|net promoter", re.I)


def _whole(value: str) -> int | None:
    """A whole number's value ("7", "7.0"), else None."""
    try:
        number = float(value)
    except ValueError:
        return None
    return int(number) if number.is_integer() else None


class _Column:
    """One column as the rules read it; the costlier facts are worked out once, when a rule
    first asks (most columns are decided before the scale is ever detected)."""

    def __init__(self, col: SourceColumn, series: pd.Series, fmt: str) -> None:
        self.col, self.series, self.fmt = col, series, fmt
        self.p = _profile(series)
        self.words = _words(col.name)
        self.tag_words = _words(col.export_tag)

    def mentions(self, phrases: tuple[str, ...]) -> str | None:
        """A phrase in the header, else in the export tag."""
        return _has(self.words, phrases) or _has(self.tag_words, phrases)

    @cached_property
    def question(self) -> bool:
        return _looks_like_question(self.col)

    @cached_property
    def short_header(self) -> bool:
        return len(self.col.name.split()) <= 6

    @cached_property
    def stated(self) -> Scale | None:
        """The numeric scale the header states ("(1-5)"), when it reads at least 80% of the
        answers (the rest, such as 6 = "Don't know", are then left out and said)."""
        scale = stated_scale(f"{self.col.name} {self.col.question or ''}")
        if scale is None or self.p.n == 0 or self.p.numeric_share < 0.95:
            return None
        encoded = scale.encode(self.series)
        return scale if encoded.n_invalid <= 0.2 * self.p.n else None

    @cached_property
    def scale(self) -> Scale | None:
        found = detect_scale(self.series)
        if self.stated is not None and (found is None or found.is_numeric):
            return self.stated  # "(1 = Strongly disagree, 5 = Strongly agree)" with no 5 given
        if found is None and ENPS_QUESTION.search(f"{self.col.name} {self.col.question}"):
            # "How likely are you to recommend ...": 0-10 whatever was answered (nobody above
            # 7 in an unhappy organisation had made it a demographic, and eNPS vanished)
            numbers = [_whole(v) for v in self.p.counts]
            if numbers and all(n is not None and 0 <= n <= 10 for n in numbers):
                return SCALES["nps11"]
        return found

    @cached_property
    def numeric_scale(self) -> Scale | None:
        """The numeric scale the answers fit, unless they are codes with leading zeros."""
        scale = self.scale
        if scale is None or not scale.is_numeric:
            return None
        if any(_LEADING_ZERO.match(v) for v in self.p.counts):
            return None  # "01", "02": codes with leading zeros, not ratings
        return scale

    @cached_property
    def demographic(self) -> str | None:
        return _has(self.words, _DEMOGRAPHIC)

    @cached_property
    def measure(self) -> str | None:
        return _has(self.words, _MEASURE)

    @cached_property
    def categorical(self) -> bool:
        p = self.p
        return p.mean_words <= 8 and (p.n < 20 or p.distinct <= min(500, 0.5 * p.n))


_Rule = Callable[[_Column], _Decision | None]

# 1. Identity: by what the header says, then by what the answers look like.


def _no_answers(c: _Column) -> _Decision | None:
    return _Decision("ignored", "no answers") if c.p.n == 0 else None


def _platform_id(c: _Column) -> _Decision | None:
    hit = c.mentions(_PLATFORM_ID)
    if c.fmt == "generic" and hit in {"respondent id", "response id", "record id"}:
        return None  # in a generic table this is an anonymous row key, checked below
    if hit and c.short_header:
        return _Decision(
            "identity", f"header mentions '{hit}' (a platform ID that traces a person)"
        )
    return None


def _email_answers(c: _Column) -> _Decision | None:
    if c.p.share(_EMAIL) >= 0.6:
        return _Decision("identity", "answers are e-mail addresses")
    return None


def _ip_answers(c: _Column) -> _Decision | None:
    if c.p.share(_IPV4) >= 0.8 and c.p.numeric_share < 0.5:
        return _Decision("identity", "answers are IP addresses")
    return None


def _identity_header(c: _Column) -> _Decision | None:
    hit = c.mentions(_IDENTITY)
    if hit and c.short_header and not (hit == "name" and _has(c.words, _NAME_NOT_PERSON)):
        return _Decision("identity", f"header mentions '{hit}'")
    return None


def _personal_links(c: _Column) -> _Decision | None:
    # A link is never a missing-answer word, so links can be counted first: under 3 of them
    # (0.6 of the 5 answers needed) decides without normalising every distinct answer.
    links = sum(k for v, k in c.p.counts.items() if _URL.match(v))
    if links < 3:
        return None
    # Share among real answers: "N/A" typed by those with no link says nothing either way.
    given = {v: k for v, k in c.p.counts.items() if normalize_answer(v) not in MISSING_ANSWERS}
    n = sum(given.values())
    if n >= 5 and links >= 0.6 * n and len(given) > 0.8 * n:
        return _Decision("identity", "answers are personal links or handles")
    return None


def _uploads(c: _Column) -> _Decision | None:
    if c.p.n >= 3 and c.p.share(_UPLOAD) >= 0.8:
        return _Decision("identity", "answers are names of uploaded files (photos, documents)")
    return None


# 2. Respondent row key.


def _row_key(c: _Column) -> _Decision | None:
    p = c.p
    hit = _has(c.words, _ID)
    if hit and (p.unique_share >= 0.95 or p.n == 1) and p.mean_words <= 2:
        return _Decision("respondent_id", f"header mentions '{hit}'; {p.unique_share:.0%} unique")
    return None


# 3. Timestamps and platform metadata.


def _timestamp(c: _Column) -> _Decision | None:
    date_share = c.p.share(_DATE)
    hit = c.mentions(_TIMESTAMP)
    if (hit and date_share >= 0.8) or date_share >= 0.95:
        reason = f"header mentions '{hit}'; " if hit else ""
        return _Decision("timestamp", f"{reason}{date_share:.0%} of answers are dates or times")
    return None


#: Columns Qualtrics' Text iQ adds after an open question ("OQ1 - Sentiment Polarity",
#: "Q2 - Topics": the question's export tag, one word, first): its own reading of the
#: comments, not answers (read as comments, they had tripled the comment count and made
#: themes of "Positive" and "-2").
_TEXT_IQ = re.compile(
    r"^\S+\s-\s(?:sentiment(?: polarity| score)?|topics|parent topics"
    r"|topic sentiment (?:label|score)|topic hierarchy level \d+|actionability|effort score"
    r"|emotion(?: intensity)?)$",
    re.IGNORECASE,
)


def text_iq(name: str) -> bool:
    """Whether a column is Text iQ's reading of an open question, by its name."""
    return _TEXT_IQ.search(name) is not None


def _metadata(c: _Column) -> _Decision | None:
    if text_iq(c.col.name):
        return _Decision("metadata", "Qualtrics Text iQ's reading of an open question")
    hit = c.mentions(_METADATA)
    if hit and c.demographic and len(c.demographic) > len(hit):
        hit = None  # 'marital status' is a demographic, not the platform's 'status'
    if hit == "language" and not c.words.endswith(" language "):
        hit = None  # 'LanguageHaveWorkedWith' asks about languages; 'UserLanguage' is platform data
    if hit == "duration" and c.p.share(_DURATION) >= 0.5:
        hit = None  # 'Between 5 and 10 years' answers a question; the platform counts seconds
    timing = c.fmt == "limesurvey" and re.search(r"time$|^grouptime\d+$", c.col.export_tag, re.I)
    if not (hit or timing) or (c.question and len(c.col.name.split()) > 4):
        return None
    if not hit:
        return _Decision("metadata", "a page timing column")
    return _Decision("metadata", f"header mentions '{hit}' (survey platform data)")


def _constant(c: _Column) -> _Decision | None:
    # A LimeSurvey sub-question ticked by few ('1' in one cell of a grid) is as constant.
    tick = c.fmt == "limesurvey" and "[" in c.col.export_tag
    if c.p.distinct == 1 and (c.p.n >= 3 or tick):
        return _Decision("ignored", f"every answer is the same ({next(iter(c.p.counts))!r})")
    return None


# 4. Rated questions: answers on a known scale.


def _labelled_scale(c: _Column) -> _Decision | None:
    scale = c.scale
    if scale is None or scale.is_numeric:
        return None
    if scale.name == "yesno" and not c.question and not _has(c.words, _RATING):
        return _Decision("demographic", f"yes/no answers under a field name; {_distinct_note(c.p)}")
    text = c.col.question or c.col.name
    if (
        scale.name == "yesno"
        and c.p.distinct == 2
        and _STATUS.match(text)
        and not _OPINION.search(text)
    ):
        return _Decision(
            "demographic",
            "a yes/no question about the respondent's situation ('Are you …?'), a grouping "
            f"rather than a view; {_distinct_note(c.p)}",
        )
    labels = sorted({normalize_answer(v) for v in c.p.counts})[:3]
    return _Decision(
        "item", f"answers fit the {scale.name} scale (e.g. {', '.join(labels)})", scale.name
    )


#: Counts, not ratings: "How many", "Number of AI tools used (1-5)", "Days in the office per
#: week (1-5)" (a review found it scored), never "Hours of work are manageable (1-5)".
_COUNT_QUESTION = re.compile(
    r"\s*(?:how\s+(?:many|much\s+time|long)\b|(?:the\s+)?(?:number|no\.?|#)\s*of\b"
    r"|(?:days|hours|years|months|weeks|times)\b(?=.*\b(?:per|each|a\s+(?:day|week|month|year)"
    r"|spent|worked|in\s+(?:the\s+)?office|at\s+(?:the\s+)?(?:company|organi[sz]ation)"
    r"|of\s+service)\b))",
    re.I,
)


def _numeric_rating(c: _Column) -> _Decision | None:
    scale = c.numeric_scale
    if scale is None:
        return None
    qwords = _words(c.col.question) if c.col.question else c.words
    rating = _has(c.words, _RATING) or _has(qwords, _RATING)
    not_rating = _has(c.words, _NOT_RATING)
    # "What level of support do you get from IT? (1-5)": a question stating a range is a
    # rating whatever else its header names; "Job grade (1-7)" is not a question
    stated = c.stated is not None and c.question
    if not rating and (
        (not stated and (_has(c.words, _TEAM) or _has(c.words, _ROLE) or c.demographic))
        or _COUNT_QUESTION.match(c.col.question or c.col.name)
    ):
        # a coded answer to "Role", "Tenure", "Location" or "How many ... ?" is a category or
        # a count, not a rating (a review found Role scored 53.0, 39% favourable)
        return None
    span = f"{scale.labels[0]}-{scale.labels[-1]} ({scale.name})"
    if stated:
        return _Decision("item", f"the header states the range {span}", scale.name)
    if rating and not not_rating:
        return _Decision(
            "item", f"header mentions '{rating}'; numbers {span}", _numeric_scale(scale, c.words)
        )
    if c.question and not not_rating and scale.name != "nps11":
        return _Decision("item", f"a question with answers {span}", scale.name)
    return None


def _numeric_scale(scale: Scale, words: str) -> str:
    """IBM-style 1-4 satisfaction columns get the 4-point satisfaction scale."""
    if scale.name == "num4" and _has(words, _SATISFACTION):
        return "sat4"
    return scale.name


def _limesurvey_codes(c: _Column) -> _Decision | None:
    p = c.p
    if c.fmt == "limesurvey" and p.share(_CODE) >= 0.95 and p.distinct >= 3:
        examples = ", ".join(sorted(p.counts)[:4])
        return _Decision(
            "item",
            f"answers are LimeSurvey answer codes ({examples}) whose order is unknown: give "
            "the scale in the mapping YAML",
        )
    return None


# 5. Groupings: team, role, demographics (low-cardinality categories).


#: A question asking for an opinion or an idea, not which group someone is in: "What would
#: help your team adopt AI tools?" (a review found its short answers taken as the team column,
#: and its comments never read) against "Which team are you in?".
_ASKS_OPINION = re.compile(
    r"\b(?:would|could|should|help|improve|suggest|like|want|need|think|feel|better|change)\b",
    re.I,
)


def _asks_opinion(c: _Column) -> bool:
    """An opinion question whose answers look typed (20 different, two words or more on
    average): "Which team would you say you belong to?" keeps its team names."""
    return (
        c.question
        and c.p.distinct >= 20
        and c.p.mean_words >= 2
        and bool(_ASKS_OPINION.search(f"{c.col.name} {c.col.question or ''}"))
    )


def _team(c: _Column) -> _Decision | None:
    if _has(c.words, _GROUPING_EXCLUDE) or c.measure or _asks_opinion(c):
        return None
    hit = _has(c.words, _TEAM)
    if hit and c.categorical:
        return _Decision("team", f"header mentions '{hit}'; {_distinct_note(c.p)}")
    return None


def _role(c: _Column) -> _Decision | None:
    hit = None if c.measure or _asks_opinion(c) else _has(c.words, _ROLE)
    if hit and c.demographic and f" {hit} " in f" {c.demographic} ":
        hit = None  # 'education level' is a demographic, not a job level
    if hit and c.categorical:
        return _Decision("role", f"header mentions '{hit}'; {_distinct_note(c.p)}")
    return None


def _demographic_header(c: _Column) -> _Decision | None:
    hit = c.demographic
    if hit and c.p.distinct <= 60 and c.p.mean_words <= 8:
        return _Decision("demographic", f"header mentions '{hit}'; {_distinct_note(c.p)}")
    return None


def _tenure(c: _Column) -> _Decision | None:
    if c.p.distinct <= 15 and c.p.share(_DURATION) >= 0.8:
        return _Decision(
            "demographic", f"answers are lengths of time (tenure); {_distinct_note(c.p)}"
        )
    return None


# 6. Free text (a few long answers repeated by everybody are choices, not comments).


def _write_in(c: _Column) -> _Decision | None:
    """A write-in box beside a list of options ('…Entry'): names of things (tools, languages)
    that few people typed, neither a grouping nor a comment."""
    if _WRITE_IN.search(c.col.export_tag or c.col.name) and c.p.numeric_share < 0.5:
        return _Decision("ignored", f"a write-in box for options not listed; {_distinct_note(c.p)}")
    return None


def _text_entry(c: _Column) -> _Decision | None:
    """Qualtrics names the text box of an 'Other (please specify)' option '<question>_TEXT'."""
    if _TEXT_ENTRY.search(c.col.export_tag) and c.p.numeric_share < 0.5:
        return _Decision(
            "comment", f"a text-entry field ({c.col.export_tag}); {_distinct_note(c.p)}"
        )
    return None


def _comment(c: _Column) -> _Decision | None:
    p = c.p
    hit = _has(c.words, _COMMENT)
    few_choices = p.n >= 20 and p.distinct <= 12 and p.unique_share < 0.2
    if p.numeric_share >= 0.5 or few_choices:
        return None
    # Many different short answers ('list three words that describe ...') are typed, not chosen.
    typed = bool(hit) and p.distinct >= 30 and p.unique_share >= 0.3
    if not (
        p.mean_len >= 25
        or (p.mean_words >= 3 and p.unique_share >= 0.6)
        or (hit and p.unique_share >= 0.5 and p.mean_len >= 8)
        or (p.n <= 2 and c.question and p.mean_words >= 2)
        or typed
        or _asks_opinion(c)  # ideas, typed
    ):
        return None
    why = f"header mentions '{hit}'; " if hit else ""
    if typed and not (p.mean_len >= 25 or p.mean_words >= 3):
        why += f"{p.distinct} different short answers; "
    return _Decision(
        "comment",
        f"{why}free text: {p.mean_words:.0f} words on average, {p.unique_share:.0%} unique",
    )


# 7. What is left.


def _numbers(c: _Column) -> _Decision | None:
    p = c.p
    if p.numeric_share < 0.9 or p.share(_LEADING_ZERO) >= 0.5:
        return None  # "01", "06": category codes, not numbers
    if p.distinct <= 12 and c.demographic:
        return _Decision("demographic", f"header mentions '{c.demographic}'; {_distinct_note(p)}")
    if c.numeric_scale is None and p.n <= 2 and c.question:
        return _Decision("item", "a question with too few answers to recognise its scale")
    asks = (c.question or len(c.col.name.split()) >= 3) and not _COUNT_QUESTION.match(c.col.name)
    top = zero_to(p.counts) if asks else None
    if top is not None:
        return _Decision("ignored", f"{ZERO_TO} {top}: 0 may be a point or 'not applicable'")
    return _Decision("ignored", f"numbers that are not a rating scale; {_distinct_note(p)}")


#: Why a question answered 0..k is not read: 1-5 items with 0 = "not applicable" (a review).
ZERO_TO = "whole numbers from 0 to"


def _select_all(c: _Column) -> _Decision | None:
    sep = _multi_select(c.p)
    if sep:
        return _Decision(
            "ignored",
            f"select-all answers: options joined with {sep.strip()!r} recur in other answers' "
            "combinations (a person can be in several, so not a grouping)",
        )
    return None


def _categories(c: _Column) -> _Decision | None:
    """A handful of options chosen again and again is a grouping, question or field alike; a
    longer list of short labels or codes too (ANC '3C', country), when most answers repeat."""
    p = c.p
    if 1 < p.n < 10 and p.distinct == p.n and p.n < 0.1 * len(c.series):
        return None  # a few write-ins, all different, in a column nearly nobody answered
    if c.mentions(_TIMESTAMP):
        return None  # dates the platform wrote oddly are still not a grouping
    hit = _has(c.words, _NOT_GROUPING)
    if hit:
        return _Decision("ignored", f"header mentions '{hit}' (an amount or unit, not a grouping)")
    handful = p.distinct <= 12 and (p.unique_share <= 0.5 or p.n < 10)
    short_list = p.distinct <= 60 and p.unique_share <= 0.3 and p.mean_words <= 6
    if not (handful or short_list):
        return None
    if c.question:
        why = "single-choice answers not on a rating scale, so a grouping"
    else:
        why = "a short list of categories"
    return _Decision("demographic", f"{why}; {_distinct_note(p)}")


def _too_many_groups(c: _Column) -> _Decision | None:
    """A team or role header over too many distinct values to group by: said as such, so
    that '--by team' is not refused without a reason (found by an independent review)."""
    if c.measure or c.p.mean_words > 8:
        return None
    hit = _has(c.words, _TEAM) or _has(c.words, _ROLE)
    if not hit:
        return None
    return _Decision(
        "ignored",
        f"header mentions '{hit}', but {c.p.distinct:,} distinct values in {c.p.n:,} answers "
        "are too many to group by (most groups would be smaller than the minimum group size); "
        "map it as the team or role in a mapping YAML if it is one",
    )


def _unrecognised(c: _Column) -> _Decision:
    return _Decision("ignored", f"no role recognised; {_distinct_note(c.p)}")


RULES: tuple[_Rule, ...] = (
    _no_answers,
    _platform_id,
    _email_answers,
    _ip_answers,
    _identity_header,
    _personal_links,
    _uploads,
    _row_key,
    _timestamp,
    _metadata,
    _constant,
    _labelled_scale,
    _numeric_rating,
    _limesurvey_codes,
    _write_in,
    _team,
    _role,
    _demographic_header,
    _select_all,
    _tenure,
    _text_entry,
    _comment,
    _numbers,
    _categories,
    _too_many_groups,
    _unrecognised,
)


def _infer_one(col: SourceColumn, series: pd.Series, fmt: str) -> ColumnSpec:
    """The role, scale and reason of one column: the decision of the first rule that gives one."""
    column = _Column(col, series, fmt)
    decision = next(d for rule in RULES if (d := rule(column)) is not None)
    return ColumnSpec(
        col.name,
        decision.role,
        scale=decision.scale,
        question=col.question,
        export_tag=col.export_tag,
        reason=decision.reason,
    )
