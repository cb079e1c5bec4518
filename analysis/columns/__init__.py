"""Which column is what: infer each column's role from its header *and* its answers.

The result is a ColumnMap the user reviews and overrides with a mapping YAML. Every decision
carries a short reason ("header mentions 'department'; 3 distinct values") so a wrong guess is
easy to spot. Identity columns (names, e-mails, IPs, locations, platform IDs) are recognised
so they are dropped from analysis by default.

Modules: ``model`` (ColumnMap, ColumnSpec, roles), ``vocabulary`` (header words, data in
``analysis/data/header_vocabulary.yaml``), ``profile`` (what the answers look like),
``rules`` (one column -> its role, a table of named rules), ``inference`` (infer_columns)
and ``mapping`` (the mapping YAML).
"""

from analysis.columns.inference import infer_columns
from analysis.columns.mapping import apply_mapping
from analysis.columns.model import ROLES, ColumnMap, ColumnSpec, MappingError, NoAnswersError

__all__ = [
    "ROLES",
    "ColumnMap",
    "ColumnSpec",
    "MappingError",
    "NoAnswersError",
    "apply_mapping",
    "infer_columns",
]
