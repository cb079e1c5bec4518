"""Every column of an export -> a ColumnMap: each column by the rules, then the whole table.

Whole-table steps the per-column rules cannot take: a survey instrument's items override the
guess, numeric sub-columns that rank options are not ratings, one team / role / row-key
column is kept, and columns that can identify people or that nobody answered are named.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from analysis.columns.model import ColumnMap, ColumnSpec, MappingError
from analysis.columns.profile import _NUMBER
from analysis.columns.rules import ZERO_TO, _infer_one, text_iq
from analysis.columns.vocabulary import _ROLE, _TEAM, _words
from analysis.ingest import SourceColumn, SurveyExport
from analysis.scales import (
    MISSING_ANSWERS,
    SCALES,
    Scale,
    ScaleError,
    detect_scale,
    get_scale,
    normalize_answer,
)


def _mark_rankings(specs: list[ColumnSpec], responses: pd.DataFrame) -> None:
    """Numeric sub-columns of one question where each respondent gives every option a
    different number are a ranking, not ratings."""
    groups: dict[str, list[ColumnSpec]] = {}
    for s in specs:
        if s.role == "item" and s.scale and SCALES[s.scale].is_numeric:
            groups.setdefault(_stem(s), []).append(s)
    for members in groups.values():
        if len(members) < 3:
            continue
        block = responses[[m.name for m in members]]
        block = block.where(block.apply(lambda c: c.str.match(_NUMBER)).fillna(False))
        answered = block.notna().sum(axis=1) >= 2
        if answered.sum() < 5:
            continue
        rows = block[answered].apply(pd.to_numeric)
        given = rows.notna().sum(axis=1)
        # each respondent's numbers are 1..k, all different: ranks, not ratings (a 0-10
        # matrix of three items answered by a small team had passed as "all different")
        distinct = rows.nunique(axis=1) == given
        ranks = distinct & (rows.min(axis=1) == 1) & (rows.max(axis=1) == given)
        if ranks.mean() >= 0.9:
            for m in members:
                m.role, m.scale = "ignored", None
                m.reason = "a ranking question (each option gets a different rank)"


_OPTION = re.compile(r"^(?P<stem>.*\S)\s*\[[^\]]*\]\s*$|^(?P<dash>.*\S)\s+-\s+\S.*$")
_SUB_TAG = re.compile(r"^(?P<tag>[A-Za-z]+\d+)_\d+$")


def _stem(spec: ColumnSpec) -> str:
    """The question a sub-column belongs to: its tag's stem ("Q7" of "Q7_2"), else its text
    without the option ("Rank these [Training]", "Rank these - Training"). Grouped by the whole
    text, Qualtrics and Google Forms rankings were never three columns of one question, and a
    review found them scored as ratings, rank 1 (most important) as the worst answer."""
    m = _SUB_TAG.match(spec.export_tag or spec.name)
    if m:
        return "tag:" + m.group("tag")
    text = spec.question or spec.name
    m = _OPTION.match(text)
    return (m.group("stem") or m.group("dash")) if m else text


def _pick_one(specs: list[ColumnSpec], role: str, priority: tuple[str, ...]) -> None:
    """Keep one column in a single-column role; others become demographics (still groupings)."""
    found = [s for s in specs if s.role == role]
    if len(found) <= 1:
        return

    def rank(s: ColumnSpec) -> int:
        words = _words(s.name)
        return next((i for i, p in enumerate(priority) if f" {p} " in words), len(priority))

    best = min(found, key=rank)
    for s in found:
        if s is not best:
            s.role = "demographic"
            s.reason += f"; '{best.name}' was chosen as the {role} column"


def infer_columns(
    export: SurveyExport, survey: Any | None = None, *, suggest: bool = False
) -> ColumnMap:
    """A role, scale and reason for every column of an export.

    With a survey, columns its ``match`` recognises take the survey's construct, scale and
    reverse flag (items) or become comments (open questions). With ``suggest``, rated columns
    left without a construct get a suggested one from their wording in ``suggestions``
    (:func:`analysis.suggest.add_suggestions`; it loads the sentence encoder), never applied.
    """
    specs, twice = _column_specs(export, survey)
    _mark_rankings(specs, export.responses)
    _one_reading_per_battery(specs, export.responses)
    _one_start_per_battery(specs, export.responses)
    _pick_one(specs, "team", _TEAM)
    _pick_one(specs, "role", _ROLE)
    ids = [s for s in specs if s.role == "respondent_id"]
    for extra in ids[1:]:
        extra.role, extra.reason = "metadata", extra.reason + f"; '{ids[0].name}' is the row key"
    colmap = ColumnMap(specs)
    if colmap.identity:
        colmap.warnings.append(
            f"{len(colmap.identity)} column(s) that can identify people are left out of the "
            f"analysis: {', '.join(colmap.identity)}."
        )
    if not colmap.items and not colmap.comments:
        colmap.warnings.append(
            "No column looks like rated questions or comments: check the sheet, or map the "
            "question columns in a mapping YAML."
        )
    if twice:
        colmap.warnings.append(
            f"{len(twice)} column(s) match a survey item another column already matched, and "
            f"are left out so no answer counts twice: {_names_list(twice)}. Map them in the "
            "mapping YAML if they are other questions."
        )
    colmap.warnings.extend(_unanswered_items(colmap, export.responses))
    unscaled = [s.name for s in specs if s.role == "item" and s.scale is None]
    if unscaled:
        colmap.warnings.append(
            f"{len(unscaled)} question column(s) have no recognised answer scale and cannot be "
            f"scored until you give one in the mapping YAML: {', '.join(unscaled[:10])}"
            + (" …" if len(unscaled) > 10 else "")
            + "."
        )
    zero_to = [s.name for s in specs if s.role == "ignored" and s.reason.startswith(ZERO_TO)]
    if zero_to:
        colmap.warnings.append(
            f"{len(zero_to)} question column(s) are answered with whole numbers from 0: "
            f"{', '.join(zero_to[:10])}{' …' if len(zero_to) > 10 else ''}. Is 0 a point of "
            "the scale, or 'not applicable' beside a scale from 1? They are not scored until "
            "the mapping gives them a scale (the Load page's mapping flow, or the mapping YAML)."
        )
    if suggest:
        from analysis.suggest import add_suggestions

        colmap = add_suggestions(colmap, survey)
    return colmap


def _column_specs(export: SurveyExport, survey: Any | None) -> tuple[list[ColumnSpec], list[str]]:
    """Each column's spec (the rules, then the survey's match), and the columns left out as a
    second match of a survey item: a second copy would count its answers twice. Of the
    columns matched to one item, the one whose answers fit its scale best is the item (ties:
    the first): a yes/no screener that names an item's words must not take its place."""
    specs: list[ColumnSpec] = []
    first: dict[str, ColumnSpec] = {}  # survey item id -> the column that is the item so far
    twice: list[str] = []
    responses = export.responses
    for col in export.columns:
        spec = _infer_one(col, responses[col.name], export.format)
        specs.append(spec)
        matched = (
            _apply_survey(spec, col, responses[col.name], survey) if survey is not None else None
        )
        if matched is None or spec.role != "item":
            continue
        kept = first.setdefault(matched, spec)
        if kept is spec:
            continue  # the usual case: no second column, no fit computed
        if _fit(spec, responses[spec.name]) > _fit(kept, responses[kept.name]):
            first[matched], (kept, spec) = spec, (spec, kept)
        # ``spec`` is now the column left out, ``kept`` the item
        spec.role, spec.construct = "ignored", None
        spec.reason = f"matches survey item '{matched}', as '{kept.name}' does"
        twice.append(f"{spec.name} (as {kept.name})")
    return specs, twice


#: Scales one battery can be read on either way: (the shorter, the longer), and the value only
#: the longer has (a 7; agree7's "Neither" midpoint).
_SIX_OR_SEVEN = (("num6", "num7", 7.0), ("agree6", "agree7", 4.0))


def _one_reading_per_battery(specs: list[ColumnSpec], responses: pd.DataFrame) -> None:
    """Items of one file read on one of two close scales alike (a review found a 1-7
    battery with one item read as 1-6 because nobody chose its 7, and a six-point battery
    with one item read as seven-point because nobody chose "Strongly disagree"): on the
    longer scale when some item's answers need it (a 7 given; "Neither" chosen), else on the
    shorter, for every item whose answers fit it."""
    for short, long, only_long in _SIX_OR_SEVEN:
        items = [s for s in specs if s.role == "item" and s.scale in (short, long)]
        if len({s.scale for s in items}) < 2:
            continue
        long_scale, short_scale = get_scale(long), get_scale(short)
        needs_long = any(
            only_long in set(long_scale.encode(responses[s.name]).values.dropna())
            for s in items
            if s.scale == long
        )
        target = long_scale if needs_long else short_scale
        for s in items:
            if s.scale != target.name and target.encode(responses[s.name]).n_invalid == 0:
                s.scale = target.name
                s.reason += f"; read as {target.name}, as the other items of its kind"


#: A rating coded from 0 and the scales of its length its other items may have been read on.
_FROM_ZERO = (("num5_0", 4, 5), ("num7_0", 6, 7))


def _one_start_per_battery(specs: list[ColumnSpec], responses: pd.DataFrame) -> None:
    """When one item of a battery (a construct, else a question stem) answers 0 on a 0-4 (or
    0-6) rating, its other items whose answers are bare numbers within that range were coded
    the same way: read from 0 alike. A review found a 0-4 battery whose items without a 0
    were read 1-5, so a 4 ("Strongly agree") counted as "Agree" and every score fell 10-25
    points, with only the 0s said."""
    for zero, *lengths in _FROM_ZERO:
        items = [s for s in specs if s.role == "item" and s.scale]
        batteries = {_battery(s) for s in items if s.scale == zero}
        if not batteries:
            continue
        scale = get_scale(zero)
        for s in items:
            if s.scale == zero or _battery(s) not in batteries:
                continue
            if len(get_scale(s.scale).labels) not in lengths or not _numbers_only(s, responses):
                continue
            series = responses[s.name]
            if series.notna().any() and scale.encode(series).n_invalid == 0:
                s.scale = zero
                s.reason += f"; read as {zero}, as the other items coded from 0"


def _same_length_in_numbers(name: str | None, scale: Scale, series: pd.Series) -> bool:
    """Whether numeric scale ``name`` has as many points as ``scale`` and reads every answer:
    a 5-point item coded 0-4. A 1-5 item with a stray 6 ("Don't know") is not a 1-6 item: a
    review found 5 ("Strongly agree") then scored 80 and "Don't know" 100."""
    return (
        name is not None
        and _reads_all(name, "numeric", series)
        and len(get_scale(name).labels) == len(scale.labels)
    )


def _detected(series: pd.Series) -> str | None:
    found = detect_scale(series)
    return found.name if found is not None else None


def _battery(spec: ColumnSpec) -> str:
    """Items asked together: one construct, else one question stem."""
    return f"construct:{spec.construct}" if spec.construct else _stem(spec)


def _numbers_only(spec: ColumnSpec, responses: pd.DataFrame) -> bool:
    """Whether every answer of an item is a bare number (labels never mean 0-based codes)."""
    given = pd.unique(responses[spec.name].dropna().astype(str))
    return len(given) > 0 and all(_whole_number(normalize_answer(a)) for a in given)


def _whole_number(key: str) -> bool:
    """ "3", "3.0" or "3,0" (a spreadsheet's number), not "-1" or "2.5"."""
    return bool(_NUMBER.match(key)) and (x := float(key.replace(",", "."))).is_integer() and x >= 0


def _reads_all(name: str | None, kind: str, series: pd.Series) -> bool:
    """Whether the scale ``name`` is of ``kind`` and reads every given answer of ``series``."""
    if name is None:
        return False
    try:
        scale = get_scale(name)
    except ScaleError:
        return False
    return scale.kind == kind and scale.encode(series).n_invalid == 0


def _fit(spec: ColumnSpec, series: pd.Series) -> float:
    """The share of a column's given answers that its scale reads (1 when it has none)."""
    try:
        enc = get_scale(spec.scale).encode(series) if spec.scale else None
    except ScaleError:
        return 0.0
    if enc is None:
        return 1.0
    valid = int(enc.values.notna().sum())
    return valid / max(valid + enc.n_invalid, 1)


def _no_answer_labels(series: pd.Series, missing: frozenset[str]) -> list[str] | None:
    """The distinct answers of a column when every one means "no answer" (N/A, Don't know),
    [] when it is blank throughout, None when some answer is usable."""
    present = series.dropna()
    if present.empty:
        return []
    if normalize_answer(present.iloc[0]) not in missing:
        return None  # the usual case, decided by one answer
    labels = [str(v) for v in present.unique()]
    if all(normalize_answer(v) in missing for v in labels):
        return sorted(labels)
    return None


def _unanswered_items(colmap: ColumnMap, responses: pd.DataFrame) -> list[str]:
    """A warning for question columns nobody really answered: every answer blank or a
    'no answer' label. They are scored as missing, which is right, but a whole question
    silently dropping out of a construct is worth saying."""
    empty: list[str] = []
    labelled: list[str] = []
    labels: set[str] = set()
    for spec in colmap.columns:
        if spec.role != "item":
            continue
        try:
            missing = colmap.scale_for(spec.name).missing
        except (MappingError, ScaleError):
            missing = MISSING_ANSWERS
        found = _no_answer_labels(responses[spec.name], missing)
        if found is None:
            continue
        (labelled if found else empty).append(spec.name)
        labels.update(found)
    out = []
    if labelled:
        shown = " / ".join(sorted(labels)[:3]) + (" / …" if len(labels) > 3 else "")
        out.append(
            f"{len(labelled)} question column(s) have no usable answers (all {shown}, which "
            f"count as no answer): {_names_list(labelled)}. They add nothing to the scores; "
            "check that the export holds the answers and not only 'no answer' codes."
        )
    if empty:
        out.append(
            f"{len(empty)} question column(s) have no answers at all: {_names_list(empty)}. "
            "They add nothing to the scores."
        )
    return out


def _names_list(names: list[str], limit: int = 10) -> str:
    return ", ".join(names[:limit]) + (" …" if len(names) > limit else "")


def _apply_survey(
    spec: ColumnSpec, col: SourceColumn, series: pd.Series, survey: Any
) -> str | None:
    """Give ``spec`` the survey question ``col`` answers, if any; that question's id."""
    if text_iq(col.name):
        return None  # "OQ1 - Topics" names its open question, and is not an answer to it
    try:
        matched = survey.match(col)
    except (AttributeError, TypeError):
        return None
    if matched is None:
        return None
    label = getattr(matched, "id", "?")
    if hasattr(matched, "construct"):
        spec.role = "item"
        spec.construct = matched.construct
        spec.reverse = bool(getattr(matched, "reverse", False))
        detected = spec.scale
        wanted = getattr(matched, "scale", None) or spec.scale
        if wanted is not None:
            try:
                scale = get_scale(wanted)
            except ScaleError:
                scale = None
            if scale is not None:
                spec.scale = scale.name
                bad = scale.encode(series).n_invalid
                if bad and detected is None:  # a bare tag ("TR1") got no scale from the rules
                    detected = _detected(series)
                if bad and (
                    _reads_all(detected, scale.kind, series)
                    or _same_length_in_numbers(detected, scale, series)
                ):
                    # the export asked it on another scale of the same kind (a six-point
                    # agreement scale for an agree5 item), or coded its points in numbers of
                    # their own (0-4 for five points): read as asked, not a third lost
                    spec.scale = detected
                    spec.reason = (
                        f"matches survey item '{label}'; its answers are on the {detected} "
                        f"scale, not the survey's {scale.name}"
                    )
                    return label
                if bad:
                    spec.reason = (
                        f"matches survey item '{label}'; {bad} answer(s) are not on its "
                        f"{scale.name} scale"
                    )
                    return label
        spec.reason = f"matches survey item '{label}'"
    elif spec.role not in {"identity"}:
        spec.role, spec.scale = "comment", None
        spec.reason = f"matches open question '{label}'"
    return label
