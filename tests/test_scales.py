"""Scales: labels -> numbers in the right order, missing is not a score, invalid is not clipped."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis.scales import SCALES, ScaleError, detect_scale, get_scale, normalize_answer


def enc(name: str, answers: list[object]) -> list[float]:
    return SCALES[name].encode(pd.Series(answers, dtype=object)).values.tolist()


def same(a: list[float], b: list[float]) -> bool:
    return all((math.isnan(x) and math.isnan(y)) or x == y for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize(
    ("name", "answers", "expected"),
    [
        ("agree5", ["Strongly disagree", "disagree", "Neither agree nor disagree"], [1, 2, 3]),
        ("agree5", ["  AGREE ", "Strongly  agree", "Neutral"], [4, 5, 3]),
        ("agree5", ["5 - Strongly agree", "(1) Strongly disagree", "Agree (4)"], [5, 1, 4]),
        ("agree5", ["Strongly agree.", "Neither agree or disagree"], [5, 3]),
        ("agree7", ["Somewhat disagree", "Somewhat agree", "Strongly agree"], [3, 5, 7]),
        ("sat4", ["Low", "Medium", "High", "Very High", "3"], [1, 2, 3, 4, 3]),
        ("trust5", ["Highly distrust", "Somewhat trust", "Highly trust"], [1, 4, 5]),
        ("freq5", ["Never", "Rarely", "Sometimes", "Often", "Always"], [1, 2, 3, 4, 5]),
        ("likely5", ["Very unlikely", "Likely"], [1, 4]),
        ("yesno", ["No", "Unsure", "Yes", "yes"], [0, 0.5, 1, 1]),
        ("nps11", ["0", "6", "10", "10 - Extremely likely"], [0, 6, 10, 10]),
        ("num5", ["1", "5", "3.0"], [1, 5, 3]),
    ],
)
def test_labels_map_in_order(name: str, answers: list[str], expected: list[float]) -> None:
    assert enc(name, answers) == [float(x) for x in expected]


def test_dont_know_and_blank_are_missing_not_scores() -> None:
    e = SCALES["agree5"].encode(
        pd.Series(["Don't know", "N/A", "Prefer not to say", "", None, "Agree"], dtype=object)
    )
    assert same(e.values.tolist(), [np.nan] * 5 + [4.0])
    assert e.n_missing == 5
    assert e.n_invalid == 0


def test_curly_apostrophe_dont_know_is_missing() -> None:
    assert same(enc("agree5", ["Don’t know"]), [np.nan])


def test_out_of_scale_is_invalid_not_clipped() -> None:
    e = SCALES["num5"].encode(pd.Series(["6", "0", "3", "6", "banana"], dtype=object))
    assert same(e.values.tolist(), [np.nan, np.nan, 3.0, np.nan, np.nan])
    assert e.invalid.tolist() == [True, True, False, True, True]
    assert e.n_invalid == 4
    assert e.invalid_answers[0] == "6"  # most frequent first
    assert set(e.invalid_answers) == {"6", "0", "banana"}


def test_unsure_is_a_middle_answer_on_yes_no_but_missing_on_agreement() -> None:
    assert enc("yesno", ["Unsure"]) == [0.5]
    assert same(enc("agree5", ["Unsure"]), [np.nan])


@pytest.mark.parametrize(
    ("name", "fav", "unfav"),
    [
        ("agree5", 4, 2),
        ("agree7", 6, 2),
        ("sat4", 3, 2),
        ("num4", 3, 2),
        ("nps11", 9, 6),
        ("yesno", 1, 0),
        ("trust5", 4, 2),
    ],
)
def test_favourable_boxes(name: str, fav: float, unfav: float) -> None:
    s = SCALES[name]
    assert (s.favorable_min, s.unfavorable_max) == (fav, unfav)


def test_to_0_100() -> None:
    assert SCALES["agree5"].to_0_100(pd.Series([1.0, 3.0, 5.0])).tolist() == [0, 50, 100]
    assert SCALES["nps11"].to_0_100(7) == 70
    assert SCALES["num4"].to_0_100([1, 2]).tolist() == pytest.approx([0, 100 / 3])


SIX_POINT = (
    *("Strongly disagree", "Disagree", "Slightly disagree"),
    *("Slightly agree", "Agree", "Strongly agree"),
)


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (["Agree", "Strongly agree", "Disagree"], "agree5"),
        (["Agree", "Somewhat agree"], "agree7"),
        (["Highly distrust", "Somewhat trust", "Don't know"], "trust5"),
        (["Very satisfied", "Dissatisfied"], "sat5"),
        (["Never", "Often"], "freq5"),
        (["Yes", "No", "Unsure"], "yesno"),
        (["1", "2", "3", "4"], "num4"),
        (["1", "2", "5"], "num5"),
        (["2", "7"], "num7"),
        (["0", "9", "10"], "nps11"),
        (["0", "1", "2", "4"], "num5_0"),
        (["0", "3", "6"], "num7_0"),
        # Qualtrics' and SurveyMonkey's 5-point wording: every label is also on agree7
        (
            [
                *("Strongly disagree", "Somewhat disagree", "Neither agree nor disagree"),
                *("Somewhat agree", "Strongly agree"),
            ],
            "agree5",
        ),
        (
            [
                *("Strongly disagree", "Disagree", "Somewhat disagree"),
                *("Neither agree nor disagree", "Somewhat agree", "Agree", "Strongly agree"),
            ],
            "agree7",
        ),
        # four answers, none in the middle, 30 times or more: agree4; fewer: agree5's
        (["Strongly disagree", "Disagree", "Agree", "Strongly agree"] * 8, "agree4"),
        (["Strongly disagree", "Disagree", "Agree", "Strongly agree"] * 2, "agree5"),
        (["Very likely", "Unlikely"], "likely5"),
        # six points without a midpoint, all chosen, 30 answers or more: agree6; fewer: agree7's
        (list(SIX_POINT) * 5, "agree6"),
        (list(SIX_POINT), "agree7"),
        # the same in "Somewhat" wording
        (
            ["Strongly disagree", "Disagree", "Somewhat disagree", "Somewhat agree", "Agree"] * 3
            + ["Strongly agree"] * 15,
            "agree6",
        ),
        # 1-6 from 30 answers: num6; fewer, or a 7 given: num7
        ([str(i) for i in range(1, 7)] * 5, "num6"),
        ([str(i) for i in range(2, 7)] * 6, "num6"),
        ([str(i) for i in range(1, 7)] * 4, "num7"),
        ([str(i) for i in range(1, 8)] * 5, "num7"),
        # the label's words the other way round (a fourth review: both ends were left out)
        (
            ["Disagree strongly", "Disagree", "Neither agree nor disagree", "Agree strongly"],
            "agree5",
        ),
        # a missing-data code beside a short scale is no point of it (left out when scored)
        (["1", "2", "3", "4", "5", "99", "99"], "num5"),
        (["1", "3", "4", "-9"], "num4"),
        ([str(i) for i in range(11)] + ["999", "98"], "nps11"),
    ],
)
def test_detect_scale(answers: list[str], expected: str) -> None:
    scale = detect_scale(pd.Series(answers))
    assert scale is not None and scale.name == expected


@pytest.mark.parametrize(
    "answers",
    [
        ["Sales", "Finance"],
        ["1", "2", "35"],
        ["0", "1"],  # a flag, not a rating
        ["0", "2", "7"],  # 0-7: neither a 0-6 rating nor eNPS
        ["0", "3", "5"],  # 0-5: a six-point scale none of the built-in ones is
        ["0", "1", "3"],  # 0-3 without its top: 0-4 or 0-3, for a mapping to say
        ["1.5", "2.5"],
        ["A1", "A2", "A3"],
        ["Agree", "Pizza"],
        ["1", "99"],  # one other answer: no scale to code around
        ["10", "20", "50", "99"],  # a 0-100 slider keeps its 99
        ["-1", "1", "2"],  # -1 can be a point (-2..2), not a code
    ],
)
def test_detect_scale_refuses(answers: list[str]) -> None:
    assert detect_scale(pd.Series(answers)) is None


def test_get_scale_from_list_and_map() -> None:
    s = get_scale(["Poor", "Fair", "Good", "Very good", "Excellent"])
    assert s.values == (1, 2, 3, 4, 5) and s.favorable_min == 4 and s.unfavorable_max == 2
    m = get_scale({"Good": 3, "Bad": 1, "OK": 2, "Not used": None})
    assert m.labels == ("Bad", "OK", "Good")
    e = m.encode(pd.Series(["good", "not used", "great"]))
    assert same(e.values.tolist(), [3.0, np.nan, np.nan]) and e.invalid_answers == ("great",)


def test_get_scale_errors_list_valid_choices() -> None:
    with pytest.raises(ScaleError, match="agree5"):
        get_scale("agree99")
    with pytest.raises(ScaleError):
        get_scale(["Only one"])
    with pytest.raises(ScaleError):
        get_scale({"A": "x", "B": 2})
    assert get_scale("AGREE5") is SCALES["agree5"]


@given(st.lists(st.sampled_from(SCALES["agree7"].labels), min_size=1, max_size=30))
def test_agree7_encode_matches_label_index(labels: list[str]) -> None:
    values = enc("agree7", [f"  {lab.upper()} " for lab in labels])
    assert values == [float(SCALES["agree7"].labels.index(lab) + 1) for lab in labels]


@given(st.text(max_size=20))
def test_normalize_is_idempotent(text: str) -> None:
    assert normalize_answer(normalize_answer(text)) == normalize_answer(text)


# ------------------------------------------------------------------------------------------
# the factorised encode and the early-exit detect_scale give exactly the per-answer results


def reference_encode(scale, s: pd.Series):
    """Scale.encode as first written: one dictionary lookup per answer."""
    distinct = pd.unique(s.astype(object))
    mapping: dict[object, float] = {}
    bad: set[object] = set()
    for answer in distinct:
        value = scale.value_of(answer)
        if value is None:
            bad.add(answer)
            mapping[answer] = math.nan
        else:
            mapping[answer] = value
    obj = s.astype(object)
    numbers = pd.Series(
        np.array([mapping.get(a, math.nan) for a in obj], dtype=float), index=s.index, name=s.name
    )
    invalid = pd.Series(np.array([a in bad for a in obj], dtype=bool), index=s.index, name=s.name)
    counts = obj[invalid].astype(str).str.strip().value_counts()
    n_missing = int((numbers.isna() & ~invalid).sum())
    return numbers, invalid, tuple(str(a) for a in counts.index), n_missing


def reference_detect(values: pd.Series):
    """detect_scale as first written: every distinct answer normalised before any test."""
    from analysis.scales import _LABELLED_ORDER, _NUMBER, MISSING_ANSWERS

    keys = [normalize_answer(v) for v in values.dropna().astype(str)]
    given = [k for k in keys if k and k not in MISSING_ANSWERS]
    answers = set(given)
    if not answers:
        return None
    if all(_NUMBER.match(a) for a in answers):
        numbers = {float(a) for a in answers}
        if len(numbers) < 2 or any(n != int(n) for n in numbers):
            return None
        lo, hi = min(numbers), max(numbers)
        for name, ok in (
            ("num4", lo >= 1 and hi <= 4),
            ("num5", lo >= 1 and hi <= 5),
            ("num6", lo >= 1 and hi == 6 and len(given) >= 30),
            ("num7", lo >= 1 and hi <= 7),
            ("num5_0", lo == 0 and hi == 4 and len(numbers) >= 3),
            ("num7_0", lo == 0 and hi == 6 and len(numbers) >= 3),
            ("nps11", lo >= 0 and 7 < hi <= 10),
        ):
            if ok:
                return SCALES[name]
        return None
    fits = [
        SCALES[name]
        for name in (*_LABELLED_ORDER, "nps11")
        if all(SCALES[name].value_of(a) is not None for a in answers)
    ]

    def points(scale):
        return {scale.value_of(a) for a in answers}

    # different answers on different points first; then, from 30 answers on, a scale whose
    # every point was chosen; then detection order
    pool = [s for s in fits if len(points(s)) == len(answers)] or fits
    complete = [s for s in pool if points(s) == set(s.values)]
    if complete and len(given) >= 30:
        return complete[0]
    return pool[0] if pool else None


ANSWER_POOL = [
    "Agree",
    " agree ",
    "AGREE",
    "Strongly agree",
    "Disagree",
    "Neutral",
    "Don't know",
    "N/A",
    "",
    " ",
    "3",
    "03",
    "3.0",
    "11",
    "-9",
    "5 - Strongly agree",
    "Yes",
    "no",
    "Maybe",
    "Often",
    "banana",
    "Very satisfied",
    "10",
    "0",
    "Somewhat trust",
    "x, y",
]
answer = st.one_of(
    st.sampled_from(ANSWER_POOL),
    st.text(max_size=6),
    st.none(),
    st.just(math.nan),
    st.just(pd.NA),
    st.just(pd.NaT),
    st.integers(-2, 12),
    st.floats(allow_nan=False, min_value=-3, max_value=12),
    st.booleans(),
)


@given(
    st.lists(answer, max_size=40),
    st.sampled_from(sorted(SCALES)),
    st.sampled_from(["object", "str", "float"]),
)
def test_encode_matches_per_answer_reference(answers: list[object], name: str, kind: str) -> None:
    if kind == "str":
        texts = [a if a is None or isinstance(a, str) else str(a) for a in answers]
        s = pd.Series(texts, dtype="str")
    elif kind == "float":
        numbers = [a for a in answers if isinstance(a, (int, float)) and a is not pd.NaT]
        s = pd.Series([float(a) for a in numbers], dtype=float)
    else:
        s = pd.Series(answers, dtype=object)
    s.index = pd.RangeIndex(100, 100 + len(s))
    s.name = "Q"
    got = SCALES[name].encode(s)
    numbers, invalid, invalid_answers, n_missing = reference_encode(SCALES[name], s)
    pd.testing.assert_series_equal(got.values, numbers)
    pd.testing.assert_series_equal(got.invalid, invalid)
    assert got.invalid_answers == invalid_answers
    assert got.n_missing == n_missing


@given(st.lists(st.one_of(st.sampled_from(ANSWER_POOL), st.none(), st.text(max_size=5))))
def test_detect_scale_matches_reference(answers: list[str | None]) -> None:
    s = pd.Series(answers, dtype="str")
    assert detect_scale(s) is reference_detect(s)


def test_six_point_scores_and_boxes() -> None:
    """A six-point item scores its points 0, 20, ..., 100 with the top two favourable (read as
    1-7, a 6 had scored 83 and only the 6s were favourable)."""
    for name, answers in (("num6", [str(i) for i in range(1, 7)]), ("agree6", list(SIX_POINT))):
        scale = detect_scale(pd.Series(answers * 5))
        assert scale is not None and scale.name == name
        values = [scale.value_of(a) for a in answers]
        assert scale.to_0_100(pd.Series(values)).tolist() == pytest.approx([0, 20, 40, 60, 80, 100])
        assert (scale.favorable_min, scale.unfavorable_max) == (5.0, 2.0)


def test_tend_to_wording_and_numbers_with_bracketed_labels() -> None:
    """Two wordings a review found scored on 60% of their answers: the UK staff-survey
    "Tend to agree" beside a midpoint, and "1 (Strongly disagree)" .. "5 (Strongly agree)"
    with bare numbers between."""
    tend = ["Strongly disagree", "Tend to disagree", "Neither agree nor disagree"]
    tend += ["Tend to agree", "Strongly agree"]
    scale = detect_scale(pd.Series(tend * 6))
    assert scale is not None and scale.name == "agree5"
    assert [scale.value_of(a) for a in tend] == [1, 2, 3, 4, 5]
    # without the midpoint, 30 answers or more: four points
    four = detect_scale(pd.Series([a for a in tend if "Neither" not in a] * 8))
    assert four is not None and four.name == "agree4"
    numbered = ["1 (Strongly disagree)", "2", "3", "4", "5 (Strongly agree)"]
    scale = detect_scale(pd.Series(numbered * 6))
    assert scale is not None and scale.name == "agree5"
    assert [scale.value_of(a) for a in numbered] == [1, 2, 3, 4, 5]


def test_numbers_between_reversed_numbered_ends_count_the_same_way() -> None:
    """ "1 = Strongly agree", 2, 3, 4, "5 = Strongly disagree": a 2 is "Agree" (a review found
    the bare numbers read the other way, every score 10-15 points low, nothing said)."""
    agree5 = SCALES["agree5"]
    answers = pd.Series(["1 = Strongly agree", "2", "3", "4", "5 = Strongly disagree", None])
    assert list(agree5.encode(answers).values[:5]) == [5.0, 4.0, 3.0, 2.0, 1.0]
    forward = pd.Series(["1 = Strongly disagree", "2", "4", "5 = Strongly agree"])
    assert list(agree5.encode(forward).values) == [1.0, 2.0, 4.0, 5.0]
    labelled_only = pd.Series(["1 = Strongly agree", "5 = Strongly disagree", "Agree"])
    assert list(agree5.encode(labelled_only).values) == [5.0, 1.0, 4.0]
    bare = pd.Series(["2", "4"])
    assert list(agree5.encode(bare).values) == [2.0, 4.0]


def test_whole_numbers_with_a_decimal_comma_are_numbers() -> None:
    """European spreadsheets write 4 as "4,0"; a review found every rating refused."""
    assert normalize_answer("4,0") == "4" and normalize_answer("-2,00") == "-2"
    assert normalize_answer("4,5") == "4,5"  # not a whole number: left as written
    assert normalize_answer("1,000") == "1,000"  # a thousands separator (a second review)
    assert list(SCALES["agree5"].encode(pd.Series(["4,0", "1,0", "5"])).values) == [4.0, 1.0, 5.0]
    assert detect_scale(pd.Series(["1,0", "2,0", "3,0", "5,0"])).name == "num5"
