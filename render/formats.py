"""The one palette and the one way numbers, p-values and percentages are written.

Charts, workbooks and HTML reports share these, so a colour or a "p<0.001" means the same
thing in every download and on every page.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analysis.thresholds import THRESHOLDS

# ColorBrewer PuOr (5 classes): orange = unfavourable, purple = favourable; safe for the common
# colour-vision deficiencies.
WORSE = "#e66101"
WORSE_LIGHT = "#fdb863"
MIDPOINT = "#f7f7f7"
BETTER_LIGHT = "#b2abd2"
BETTER = "#5e3c99"
NEUTRAL_ANSWER = "#d9d9d9"  # a neutral answer must stay visible on a white page
HIDDEN = "#bdbdbd"
NOT_APPLICABLE = "#969696"
CATEGORY_SCHEME = "tableau10"
SEQUENTIAL_SCHEME = "purples"

#: Fill per gap level (-2 much worse … 2 much better), for tables coloured by the gap to the rest.
GAP_FILLS: dict[int, str | None] = {
    -2: WORSE,
    -1: WORSE_LIGHT,
    0: None,
    1: BETTER_LIGHT,
    2: BETTER,
}
#: Text colour readable on each gap fill.
GAP_TEXT = {-2: "#000000", -1: "#000000", 0: "#000000", 1: "#000000", 2: "#ffffff"}

ALPHA = THRESHOLDS.alpha
P_FLOOR = 0.001
#: Excel number format that shows a p-value exactly as :func:`p_value` writes it.
P_NUM_FORMAT = '[<0.001]"<0.001";0.000'
#: printf format for p-value columns in the app's tables (``st.column_config.NumberColumn``).
P_PRINTF = "%.3f"
DASH = "–"


def missing(value: object) -> bool:
    """None, pandas' NA/NaT, or a non-finite float: a cell with no number."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float | np.floating) and not math.isfinite(float(value))


def number(value: object, fmt: str, *, blank: str = DASH) -> str:
    """``format(value, fmt)``, or ``blank`` when there is no number."""
    return blank if missing(value) else format(float(value), fmt)


def p_value(p: object, *, blank: str = DASH) -> str:
    """A p-value for a table cell: ``<0.001`` below the floor, else three decimals."""
    if missing(p):
        return blank
    return f"<{P_FLOOR:g}" if float(p) < P_FLOOR else f"{float(p):.3f}"


def p_phrase(p: object) -> str:
    """A p-value inside a sentence: ``p<0.001`` or ``p=0.012`` (same rule as :func:`p_value`)."""
    if missing(p):
        return "p not available"
    text = p_value(p)
    return f"p{text}" if text.startswith("<") else f"p={text}"


def percent(share: object, *, digits: int = 0, blank: str = DASH) -> str:
    """A share in [0, 1] as a percentage: ``0.42`` -> ``42%``."""
    return blank if missing(share) else f"{float(share):.{digits}%}"


def plural(k: int, one: str, many: str | None = None) -> str:
    return f"{k} {one if k == 1 else (many or one + 's')}"


def points(value: object, *, blank: str = DASH) -> str:
    """A signed difference on the 0–100 scale in words: ``-12.4`` -> ``-12 points``."""
    if missing(value):
        return blank
    rounded = round(float(value))
    return f"{rounded:+d} point" if abs(rounded) == 1 else f"{rounded:+d} points"


def score_interval(score: object, low: object, high: object, n: object) -> str:
    """A score with its 95% interval and group size: ``62 (55–69), n = 48``.

    Parts that are missing are left out (no interval -> ``62, n = 48``); no score -> ``–``.
    """
    if missing(score):
        return DASH
    text = number(score, ".0f")
    if not (missing(low) or missing(high)):
        text += f" ({number(low, '.0f')}{DASH}{number(high, '.0f')})"
    if not missing(n):
        text += f", n = {number(n, '.0f')}"
    return text


def yes_no(flag: object, *, blank: str = DASH) -> str:
    """``yes`` / ``no`` for a true/false cell; ``blank`` when unknown."""
    return blank if flag is None or missing(flag) else ("yes" if bool(flag) else "no")
