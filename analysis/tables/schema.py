"""How a table is declared: :class:`Col` (name, kind, range, blank when hidden) and
:class:`Table` (head, grouping columns, tail; its pandera schema), and the column groups
several tables share. The kinds are described in :mod:`analysis.tables`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

#: Column kind -> dtype (``None``: not checked; text is ``str``, ``object`` or a categorical of
#: text, see above).
KINDS = {"text": None, "number": "float64", "count": "int64", "flag": "bool", "value": None}


@dataclass(frozen=True)
class Col:
    """One column: its name, kind (see the module docstring) and an optional value range."""

    name: str
    kind: str
    nullable: bool = True
    low: float | None = None
    high: float | None = None
    required: bool = True
    #: missing on a row whose ``suppressed`` (or ``hidden``) flag is set: no number is shown
    blank: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Column {self.name!r}: unknown kind {self.kind!r}.")


def _signals() -> tuple[str, ...]:
    # Imported here: analysis.signals is heavy and only tables with signal columns need it.
    from analysis.signals import SIGNALS

    return tuple(SIGNALS)


def _expand(cols: Sequence[Col]) -> list[Col]:
    out: list[Col] = []
    for c in cols:
        if "{signal}" in c.name:
            out += [replace(c, name=c.name.format(signal=s)) for s in _signals()]
        else:
            out.append(c)
    return out


@dataclass(frozen=True)
class Table:
    """A declared table: ``head`` columns, the grouping columns (when ``grouped``), ``tail``.

    ``hidden_blank`` names the columns declared ``blank`` (in order): they must be missing on a
    row whose ``suppressed`` (or ``hidden``) flag is set, since a hidden cell carries no number.
    Declared on the column, so a column and its privacy rule are stated in one place.
    """

    name: str
    head: tuple[Col, ...]
    tail: tuple[Col, ...] = ()
    grouped: bool = False
    hidden_blank: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        blank = tuple(c.name for c in (*self.head, *self.tail) if c.blank)
        object.__setattr__(self, "hidden_blank", blank)

    def cols(self, by: Sequence[str] = ()) -> list[Col]:
        """Every declared column in order, optional ones included."""
        if by and not self.grouped:
            raise ValueError(f"The {self.name} table has no grouping columns.")
        group = [Col(str(b), "text") for b in by]
        return [*_expand(self.head), *group, *_expand(self.tail)]

    def columns(self, by: Sequence[str] = ()) -> list[str]:
        """The table's column names in order (required columns only), for building it."""
        return [c.name for c in self.cols(by) if c.required]

    def empty(self, by: Sequence[str] = ()) -> pd.DataFrame:
        """The table with no rows: its declared columns, in order, with their dtypes."""
        cols = [c for c in self.cols(by) if c.required]
        return pd.DataFrame({c.name: pd.Series(dtype=KINDS[c.kind] or object) for c in cols})

    def known(self) -> frozenset[str]:
        """Every column name the table may carry apart from its grouping columns."""
        return frozenset(c.name for c in self.cols())

    def schema(self, by: Sequence[str] = ()) -> Any:
        """A pandera ``DataFrameSchema`` of the table grouped by ``by`` (columns in order,
        no others; kinds, ranges and blank hidden cells checked)."""
        import pandera.pandas as pa

        columns = {c.name: _pandera_column(pa, c) for c in self.cols(by)}
        checks = []
        if self.hidden_blank:
            flag = "hidden" if "hidden" in self.known() else "suppressed"
            blank = list(self.hidden_blank)
            checks.append(
                pa.Check(
                    lambda df: ~df[flag].astype(bool) | df[blank].isna().all(axis=1),
                    name=f"{flag} rows have no numbers",
                )
            )
        return pa.DataFrameSchema(columns, checks=checks, strict=True, ordered=True, name=self.name)


def _is_text(value: object) -> bool:
    return isinstance(value, str) or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


def _text_cells(s: pd.Series) -> pd.Series:
    """Whether each cell is text or missing; a categorical's categories are checked once each
    (released tables hold repeated text as categories)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        ok = np.array([*map(_is_text, s.cat.categories), True], dtype=bool)  # -1: missing
        return pd.Series(ok[s.cat.codes.to_numpy()], index=s.index)
    return pd.Series([_is_text(v) for v in s.astype(object)], index=s.index, dtype=bool)


def _pandera_column(pa: Any, c: Col) -> Any:
    checks = []
    if c.low is not None:
        checks.append(pa.Check.ge(c.low, ignore_na=True))
    if c.high is not None:
        checks.append(pa.Check.le(c.high, ignore_na=True))
    if c.kind == "text":
        checks.append(pa.Check(_text_cells, name="text or missing"))
        return pa.Column(None, checks, nullable=c.nullable, required=c.required)
    nullable = c.nullable and c.kind in ("number", "value")
    return pa.Column(KINDS[c.kind], checks, nullable=nullable, required=c.required)


def col(name: str, kind: str = "text", **kw: Any) -> Col:
    """A column declaration (text unless told): the short form the table modules use."""
    return Col(name, kind, **kw)


def p_value(name: str, *, blank: bool = False) -> Col:
    """A p value (NaN where no test could be run)."""
    return Col(name, "number", low=0, high=1, blank=blank)


# The pieces several tables share (the numbers among them are blank on a hidden row).
KEY = (col("grouping", nullable=False), col("group", nullable=False))
N = col("n", "number", low=0, blank=True)
PCT = {"low": 0, "high": 100}
BOXES = tuple(col(b, "number", **PCT, blank=True) for b in ("favorable", "neutral", "unfavorable"))
#: which construct a row is about (label and direction to read it)
CONSTRUCT = (col("construct", nullable=False), col("label"), col("direction"))
#: a group's change against the rest of the organisation's (analysis.waves.did)
DID = (
    col("org_change", "number", low=-100, high=100, blank=True),
    col("did", "number", low=-200, high=200, blank=True),
    col("did_ci_low", "number", blank=True),
    col("did_ci_high", "number", blank=True),
)
SUPPRESSED = (col("suppressed", "flag"), col("suppressed_reason", nullable=False))
SCORE = (
    col("score", "number", **PCT, blank=True),
    col("ci_low", "number", blank=True),  # a t interval can reach past 0 or 100
    col("ci_high", "number", blank=True),
)
SCORE_BOUNDED = (  # analysis.scoring.intervals: inside 0-100
    col("score", "number", **PCT, blank=True),
    col("ci_low", "number", **PCT, blank=True),
    col("ci_high", "number", **PCT, blank=True),
)
