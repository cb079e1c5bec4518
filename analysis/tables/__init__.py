"""The declared tables: one definition of each table that crosses a module boundary.

Every table :class:`analysis.pipeline.Results` and :class:`analysis.waves.WaveComparison`
hand out is declared here once, as columns in order with what kind of value each holds.
The modules that build a table take its column list from here (``GROUPS.columns(by)``), so a
column is added or renamed in one place; :meth:`Table.schema` turns a declaration into a
`pandera <https://pandera.readthedocs.io>`_ schema that the tests validate every produced
table with (lazily: all failures listed at once).

Validation is for tests and module boundaries, not the hot path: pandera is imported only
when a schema is asked for (it costs about a second to import).

Kinds
-----
``text``
    a string, or missing (pandas' ``str`` or ``object`` dtype: both occur and both are fine;
    or a categorical of text, as the comments table holds its repeated text, with only the
    categories its rows hold: :func:`analysis.pipeline.comment_view._own_categories`).
``number``
    ``float64``; missing (NaN) where hidden or undefined.
``count``
    ``int64``, never missing.
``flag``
    ``bool``, never missing.
``value``
    anything (a dict of quotes, a list of evidence): not checked.

Grouped tables put the grouping columns (``by``: team, role, …; their names are the export's)
between their ``head`` and their ``tail``. A column name with ``{signal}`` in it stands for
one column per comment signal (:data:`analysis.signals.SIGNALS`), in that order.
"""

from __future__ import annotations

from analysis.tables.results import (
    COMMENT_GROUPS,
    COMMENTS,
    DRIVERS,
    ENPS,
    FLAGS,
    GROUPS,
    ITEM_DRIVERS,
    ITEM_GAPS,
    ITEMS,
    LIKERT,
    ORG,
    RESULT_TABLES,
    SEGMENTS,
    THEME_SHARES,
    THEMES,
)
from analysis.tables.schema import KINDS, Col, Table
from analysis.tables.waves import ACTIONS, CHANGES, MATCHES, PILOT, READINESS, TREND

__all__ = [
    "ACTIONS",
    "CHANGES",
    "COMMENTS",
    "COMMENT_GROUPS",
    "DRIVERS",
    "ENPS",
    "FLAGS",
    "GROUPS",
    "ITEMS",
    "ITEM_DRIVERS",
    "ITEM_GAPS",
    "KINDS",
    "LIKERT",
    "MATCHES",
    "ORG",
    "PILOT",
    "READINESS",
    "RESULT_TABLES",
    "SEGMENTS",
    "THEMES",
    "THEME_SHARES",
    "TREND",
    "Col",
    "Table",
]
