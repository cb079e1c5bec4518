"""How an export writes "no answer" in a text column, decided per column.

R's write.csv writes NA, Excel #N/A, pandas NaN, databases NULL. In a column with no empty
cell those markers are the blanks, not answers (the Stack Overflow survey writes every missing
answer as ``NA``). Where cells are also left empty, a typed "NA" is somebody's answer and stays.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["BLANK_MARKERS", "written_blanks"]

BLANK_MARKERS = frozenset({"NA", "#N/A", "NaN", "NULL"})


def written_blanks(series: pd.Series) -> frozenset[str]:
    """The markers that stand for a missing answer in this column: :data:`BLANK_MARKERS` when
    no cell is empty (None, NaN or ""), else none."""
    if series.isna().any() or series.eq("").any():
        return frozenset()
    return BLANK_MARKERS
