"""render.formats: the one palette and the one number / p-value / percentage formatter."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from render import formats as F


@pytest.mark.parametrize(
    ("p", "table", "sentence"),
    [
        (0.0, "<0.001", "p<0.001"),
        (0.000999, "<0.001", "p<0.001"),
        (0.001, "0.001", "p=0.001"),
        (0.0034, "0.003", "p=0.003"),
        (0.02, "0.020", "p=0.020"),
        (0.5, "0.500", "p=0.500"),
        (1.0, "1.000", "p=1.000"),
        (None, "–", "p not available"),
        (math.nan, "–", "p not available"),
        (pd.NA, "–", "p not available"),
        (np.float64(0.04), "0.040", "p=0.040"),
    ],
)
def test_p_value_and_p_phrase(p, table, sentence):
    assert F.p_value(p) == table
    assert F.p_phrase(p) == sentence


def test_blank_is_the_callers_choice():
    assert F.p_value(None, blank="-") == "-"
    assert F.number(math.inf, ".0f", blank="") == ""
    assert F.percent(None, blank="") == ""


@given(st.floats(min_value=0.0, max_value=1.0))
def test_p_phrase_is_p_value_in_a_sentence(p):
    table, sentence = F.p_value(p), F.p_phrase(p)
    assert sentence in (f"p{table}", f"p={table}")
    assert table == "<0.001" or float(table) == pytest.approx(p, abs=5.001e-4)


def test_number_and_percent():
    assert F.number(12.345, ".1f") == "12.3"
    assert F.number(-5.0, "+.0f") == "-5"
    assert F.number(1234.0, ",.0f") == "1,234"
    assert F.percent(0.425) == "42%"
    assert F.percent(0.4251, digits=1) == "42.5%"
    assert F.plural(1, "group") == "1 group" and F.plural(2, "group") == "2 groups"


def test_one_palette_for_charts_and_workbooks():
    """The workbook's gap fills are the chart colours: orange worse, purple better."""
    assert F.GAP_FILLS == {
        -2: F.WORSE,
        -1: F.WORSE_LIGHT,
        0: None,
        1: F.BETTER_LIGHT,
        2: F.BETTER,
    }
    assert set(F.GAP_TEXT) == set(F.GAP_FILLS)
    assert F.P_NUM_FORMAT == '[<0.001]"<0.001";0.000'  # Excel shows what p_value writes
